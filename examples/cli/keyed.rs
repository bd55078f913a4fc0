//! `--key-file PATH`: every command that opens a store opens (or creates) it encrypted with the
//! key in the file (64 hex digits), through `crypto::EncryptedStore`; without it, a plain
//! `SqliteStore`. An encrypted store opened without its key is refused (nothing is read or
//! changed), as is a plain store opened with a key.
//!
//! `--actor NAME [--policy POLICY.json]`: the store is then used as that actor, under the
//! policy's roles (`governance::ActorStore`): exports, reports and listings show what the role
//! may see, writes the role may not make are refused, and every write is audited. Without
//! `--policy`, the policy saved in the store (`governance::DataPolicy::save`) is used.

use std::path::{Path, PathBuf};

use clientele::crypto::{EncryptedStore, EncryptionOptions, Key};
use clientele::governance::{ActorStore, AuditValues, DataPolicy};
use clientele::store::{CustomerStore, KeyIndexers, SqliteOptions, SqliteStore};

/// A store of either kind.
pub type Db = Box<dyn CustomerStore<Error = clientele::Error>>;

/// The `--key-file` flag.
#[derive(clap::Args, Clone, Default)]
pub struct KeyFile {
    /// Open (or create) the store encrypted with the key in this file: 64 hex digits (32
    /// bytes). Phones, emails, ID numbers and birth dates are sealed with AES-256-GCM and
    /// looked up through keyed blind indexes; the file never holds them in the clear.
    #[arg(long, value_name = "PATH", global = true)]
    pub key_file: Option<PathBuf>,
    /// Act as this user of the data-management policy: reads show what its role may see,
    /// writes are checked against the role and audited under this name.
    #[arg(long, value_name = "NAME", global = true)]
    pub actor: Option<String>,
    /// The data-management policy (JSON: roles, users, encrypted fields, retention) that
    /// `--actor` acts under; by default the policy saved in the store.
    #[arg(long, value_name = "POLICY.json", global = true, requires = "actor")]
    pub policy: Option<PathBuf>,
}

/// The store used as the `--actor` under the policy, or as it is without `--actor`.
fn acting(db: Db, flags: &KeyFile, key: Option<&Key>) -> Result<Db, String> {
    let Some(name) = &flags.actor else {
        return Ok(db);
    };
    let policy = match &flags.policy {
        Some(file) => {
            let text = std::fs::read_to_string(file)
                .map_err(|e| format!("--policy {}: {e}", file.display()))?;
            DataPolicy::from_json(&text).map_err(|e| format!("--policy {}: {e}", file.display()))?
        }
        None => DataPolicy::load(&*db)
            .map_err(|e| format!("the store's policy: {e}"))?
            .ok_or("--actor needs --policy POLICY.json (the store holds no saved policy)")?,
    };
    let actor = policy
        .actor(name)
        .map_err(|e| format!("--actor {name}: {e}"))?;
    let handle = ActorStore::new(db, policy.access.clone(), actor)
        .map_err(|e| format!("--actor {name}: {e}"))?;
    let handle = match (policy.audit, key) {
        (AuditValues::Hashed, Some(key)) => handle.audit_key(key),
        (mode, _) => handle
            .audit_values(mode)
            .map_err(|e| format!("--policy: {e} (give --key-file)"))?,
    };
    Ok(Box::new(handle))
}

/// Opens (or creates) the store at `path`, indexing the keys of `indexers`.
pub fn open(path: &Path, key: &KeyFile, indexers: KeyIndexers) -> Result<Db, String> {
    let err = |e: clientele::Error| format!("{}: {e}", path.display());
    let flags = key;
    match &flags.key_file {
        None => {
            if EncryptedStore::<SqliteStore>::file_is_encrypted(path).map_err(err)? {
                return Err(format!(
                    "{}: the store is encrypted; give --key-file PATH",
                    path.display()
                ));
            }
            let store = SqliteStore::open_with(path, SqliteOptions::default().indexers(indexers))
                .map_err(err)?;
            acting(Box::new(store), flags, None)
        }
        Some(file) => {
            let key =
                Key::read_file(file).map_err(|e| format!("--key-file {}: {e}", file.display()))?;
            let options = EncryptionOptions::default().indexers(indexers);
            let store = EncryptedStore::open_sqlite(path, &key, options).map_err(err)?;
            acting(Box::new(store), flags, Some(&key))
        }
    }
}
