//! `--key-file PATH`: every command that opens a store opens (or creates) it encrypted with the
//! key in the file (64 hex digits), through `crypto::EncryptedStore`; without it, a plain
//! `SqliteStore`. An encrypted store opened without its key is refused (nothing is read or
//! changed), as is a plain store opened with a key.

use std::path::{Path, PathBuf};

use clientele::crypto::{EncryptedStore, EncryptionOptions, Key};
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
}

/// Opens (or creates) the store at `path`, indexing the keys of `indexers`.
pub fn open(path: &Path, key: &KeyFile, indexers: KeyIndexers) -> Result<Db, String> {
    let err = |e: clientele::Error| format!("{}: {e}", path.display());
    match &key.key_file {
        None => {
            if EncryptedStore::<SqliteStore>::file_is_encrypted(path).map_err(err)? {
                return Err(format!(
                    "{}: the store is encrypted; give --key-file PATH",
                    path.display()
                ));
            }
            let store = SqliteStore::open_with(path, SqliteOptions::default().indexers(indexers))
                .map_err(err)?;
            Ok(Box::new(store))
        }
        Some(file) => {
            let key =
                Key::read_file(file).map_err(|e| format!("--key-file {}: {e}", file.display()))?;
            let options = EncryptionOptions::default().indexers(indexers);
            Ok(Box::new(
                EncryptedStore::open_sqlite(path, &key, options).map_err(err)?,
            ))
        }
    }
}
