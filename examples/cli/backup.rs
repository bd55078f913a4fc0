//! `backup --store x.db OUT` and `restore IN --store y.db`: a whole store to one file and back
//! (`clientele::store::backup` / `restore`).
//!
//! A backup holds the store as its file holds it: a plain store's values in the clear, an
//! encrypted store's values sealed (its key check document included), so backing up an
//! encrypted store needs no key and the backup is as safe as the store. `restore` reads the
//! whole backup and checks it (every frame's digest, order, counts and checksum) before it
//! writes anything, then restores it all or nothing into a store that is empty or new; a new
//! file is removed again when the restore fails. A sealed backup restores into an encrypted
//! store (open it with the key it was made with; `--key-file` on `restore` checks that key); a
//! plain backup restored with `--key-file` is sealed on the way in, giving an encrypted copy.
//!
//! Neither takes `--actor`: a backup must hold everything (a role's view would drop what the
//! role may not see), and a restore writes the backup as it is, its audit history included.

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use clientele::crypto::{EncryptedStore, EncryptionOptions, Key};
use clientele::store::{
    BackupCounts, BackupOptions, KeyIndexers, RestoreOptions, SqliteOptions, SqliteStore, backup,
    restore, verify_backup,
};

use super::io::outln;
use super::keyed::KeyFile;

/// The namespace of an encrypted store's key check: a backup that holds it is sealed.
const SEALED_NAMESPACE: &str = "clientele.encryption";

/// Arguments of `backup`.
#[derive(clap::Args)]
pub struct BackupArgs {
    /// The store to back up.
    #[arg(long, value_name = "PATH.db")]
    store: PathBuf,
    /// The backup file to write (written beside itself first, renamed when complete).
    out: PathBuf,
    /// Overwrite OUT if it exists.
    #[arg(long)]
    replace: bool,
    /// Print the summary as one JSON object.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    key: KeyFile,
}

/// Arguments of `restore`.
#[derive(clap::Args)]
pub struct RestoreArgs {
    /// The backup file to read.
    input: PathBuf,
    /// The store to restore into: a new file, or a store that holds nothing.
    #[arg(long, value_name = "PATH.db", required_unless_present = "verify")]
    store: Option<PathBuf>,
    /// Only read and check the backup; write nothing.
    #[arg(long, conflicts_with = "store")]
    verify: bool,
    /// Print the summary as one JSON object.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    key: KeyFile,
}

fn no_actor(key: &KeyFile, command: &str) -> Result<(), String> {
    match key.actor {
        Some(_) => Err(format!(
            "{command} does not take --actor: it copies the whole store as it is, audit \
             history included (run it as the store's operator)"
        )),
        None => Ok(()),
    }
}

fn read_key(key: &KeyFile) -> Result<Option<Key>, String> {
    key.key_file
        .as_ref()
        .map(|f| Key::read_file(f).map_err(|e| format!("--key-file {}: {e}", f.display())))
        .transpose()
}

/// The store as its file holds it: an encrypted one with its values sealed.
fn sealed_or_plain(path: &Path) -> Result<(SqliteStore, bool), String> {
    let err = |e: clientele::Error| format!("{}: {e}", path.display());
    let sealed = EncryptedStore::<SqliteStore>::file_is_encrypted(path).map_err(err)?;
    let options = if sealed {
        SqliteOptions::default().indexers(EncryptedStore::<SqliteStore>::inner_indexers())
    } else {
        SqliteOptions::default()
    };
    Ok((SqliteStore::open_with(path, options).map_err(err)?, sealed))
}

/// `backup --store x.db OUT`.
pub fn run_backup(args: &BackupArgs) -> Result<(), String> {
    no_actor(&args.key, "backup")?;
    if !args.store.is_file() {
        return Err(format!("{}: no such store", args.store.display()));
    }
    if args.out.exists() && !args.replace {
        return Err(format!(
            "{}: exists; nothing written (--replace overwrites it)",
            args.out.display()
        ));
    }
    let key = read_key(&args.key)?;
    let (store, sealed) = sealed_or_plain(&args.store)?;
    match (&key, sealed) {
        (Some(key), true) => EncryptedStore::check_key(&store, key)
            .map_err(|e| format!("{}: {e}", args.store.display()))?,
        (Some(_), false) => {
            return Err(format!(
                "{}: the store is not encrypted; drop --key-file",
                args.store.display()
            ));
        }
        (None, _) => {}
    }
    let partial = partial_path(&args.out);
    let written = write_backup(&store, &partial).inspect_err(|_| {
        let _ = std::fs::remove_file(&partial);
    })?;
    std::fs::rename(&partial, &args.out).map_err(|e| {
        let _ = std::fs::remove_file(&partial);
        format!("{}: {e}", args.out.display())
    })?;
    if args.json {
        let json = serde_json::to_string(&written).map_err(|e| e.to_string())?;
        outln!("{json}")?;
    } else {
        outln!(
            "backup {}: {}; {} bytes in {} frames, sha256 {}",
            args.out.display(),
            counts(&written.counts),
            written.bytes,
            written.frames,
            written.sha256
        )?;
        if sealed {
            outln!(
                "the store is encrypted: the backup holds its values sealed (restore it and \
                 open the copy with the same key)"
            )?;
        }
    }
    Ok(())
}

fn partial_path(out: &Path) -> PathBuf {
    let mut name = out.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    out.with_file_name(name)
}

fn write_backup(
    store: &SqliteStore,
    path: &Path,
) -> Result<clientele::store::BackupSummary, String> {
    let err = |e: std::io::Error| format!("{}: {e}", path.display());
    let file = File::create(path).map_err(err)?;
    let mut out = BufWriter::new(file);
    let written = backup(store, &mut out, &BackupOptions::new())
        .map_err(|e| format!("{}: {e}", path.display()))?;
    out.flush().map_err(err)?;
    out.get_ref().sync_all().map_err(err)?;
    Ok(written)
}

fn counts(c: &BackupCounts) -> String {
    format!(
        "{} customers, activity of {} ({} transactions, {} interactions), {} merge records, \
         {} documents",
        c.customers, c.activities, c.transactions, c.interactions, c.merges, c.documents
    )
}

fn open_input(path: &Path) -> Result<BufReader<File>, String> {
    File::open(path)
        .map(BufReader::new)
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// `restore IN --store y.db` (or `restore IN --verify`).
pub fn run_restore(args: &RestoreArgs) -> Result<(), String> {
    no_actor(&args.key, "restore")?;
    let bad = |e: clientele::Error| format!("{}: {e}", args.input.display());
    let checked = verify_backup(open_input(&args.input)?).map_err(bad)?;
    let sealed = checked.namespaces.iter().any(|n| n == SEALED_NAMESPACE);
    let Some(path) = &args.store else {
        return report(args, &checked, sealed, "checked");
    };
    let existed = path.exists();
    let restored = restore_into(args, path, sealed, existed).inspect_err(|_| {
        if !existed {
            remove_store_files(path);
        }
    })?;
    report(args, &restored, sealed, "restored")
}

fn restore_into(
    args: &RestoreArgs,
    path: &Path,
    sealed: bool,
    existed: bool,
) -> Result<clientele::store::RestoreSummary, String> {
    let err = |e: clientele::Error| format!("{}: {e}", path.display());
    let bad = |e: clientele::Error| format!("{}: {e}", args.input.display());
    let key = read_key(&args.key)?;
    let input = open_input(&args.input)?;
    let options = RestoreOptions::new();
    let target_sealed = EncryptedStore::<SqliteStore>::file_is_encrypted(path).map_err(err)?;
    match (sealed, key) {
        (false, Some(key)) => {
            // A plain backup sealed on the way in.
            let store = EncryptedStore::open_sqlite(path, &key, EncryptionOptions::default())
                .map_err(err)?;
            restore(input, &store, &options).map_err(|e| restore_error(e, path, &bad))
        }
        (false, None) if target_sealed => Err(format!(
            "{}: the store is encrypted; give --key-file PATH to restore a plain backup into it",
            path.display()
        )),
        (sealed, key) => {
            let indexers = if sealed {
                EncryptedStore::<SqliteStore>::inner_indexers()
            } else {
                KeyIndexers::contact()
            };
            let store = SqliteStore::open_with(path, SqliteOptions::default().indexers(indexers))
                .map_err(err)?;
            let summary =
                restore(input, &store, &options).map_err(|e| restore_error(e, path, &bad))?;
            if let Some(key) = key {
                EncryptedStore::check_key(&store, &key).map_err(|e| {
                    let kept = if existed {
                        "the store keeps what was restored: open it with the key the backup was made with"
                    } else {
                        "nothing kept"
                    };
                    format!("--key-file: {e} (the backup was sealed with another key); {kept}")
                })?;
            }
            Ok(summary)
        }
    }
}

/// A refused target is the store's fault; anything else the backup's.
fn restore_error(
    e: clientele::Error,
    path: &Path,
    bad: &dyn Fn(clientele::Error) -> String,
) -> String {
    match e {
        clientele::Error::RestoreTargetNotEmpty { .. } => {
            format!("{}: {e}", path.display())
        }
        other => bad(other),
    }
}

fn remove_store_files(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut name = path.as_os_str().to_os_string();
        name.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(name));
    }
}

fn report(
    args: &RestoreArgs,
    summary: &clientele::store::RestoreSummary,
    sealed: bool,
    what: &str,
) -> Result<(), String> {
    if args.json {
        let json = serde_json::to_string(summary).map_err(|e| e.to_string())?;
        outln!("{json}")?;
        return Ok(());
    }
    outln!(
        "{what} {} (format {}, made {}): {}; {} bytes, sha256 {}",
        args.input.display(),
        summary.format_version,
        summary.created.format("%Y-%m-%d %H:%M:%S UTC"),
        counts(&summary.counts),
        summary.bytes,
        summary.sha256
    )?;
    if sealed {
        outln!(
            "the backup is of an encrypted store: open the restored store with its key (--key-file)"
        )?;
    }
    Ok(())
}
