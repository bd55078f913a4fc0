//! `backup --store x.db OUT` and `restore IN --store y.db` on the command line: a store
//! written by `import` round-trips to an identical snapshot; a damaged backup, a store that is
//! not empty, an existing output and `--actor` are refused with nothing written; an encrypted
//! store's backup holds its values sealed and restores into a store its key opens; a plain
//! backup restored with `--key-file` becomes an encrypted store.
//!
//! The CLI binary is built by `cargo test` before the tests run; alone, the tests say so and
//! skip.
#![cfg(feature = "sqlite")]

#[path = "common/cli_bin.rs"]
mod cli_bin;
use cli_bin::{
    assert_holds_no_sample_value, cli, file_bytes, path, run_err, run_ok, sample, temp_dir,
};

use std::path::Path;

use clientele::crypto::{EncryptedStore, EncryptionOptions, Key};
use clientele::store::SqliteStore;
use clientele::store::conformance::{Snapshot, snapshot};

fn plain(db: &Path) -> Snapshot {
    snapshot(&SqliteStore::open(db).expect("open")).expect("snapshot")
}

fn opened(db: &Path, key: &str) -> Snapshot {
    let key = Key::from_hex(key).expect("key");
    let store = EncryptedStore::open_sqlite(db, &key, EncryptionOptions::default()).expect("open");
    snapshot(&store).expect("snapshot")
}

#[test]
fn a_store_backed_up_and_restored_is_identical_and_damage_is_refused() {
    let Some(bin) = cli() else { return };
    let dir = temp_dir("cli-backup");
    let (db, bak, copy) = (dir.join("crm.db"), dir.join("crm.bak"), dir.join("copy.db"));
    run_ok(&bin, &["import", path(&sample()), "--store", path(&db)]);
    let out = run_ok(&bin, &["backup", "--store", path(&db), path(&bak)]);
    assert!(out.contains("sha256"), "{out}");
    let checked = run_ok(&bin, &["restore", path(&bak), "--verify"]);
    assert!(checked.starts_with("checked"), "{checked}");
    run_ok(&bin, &["restore", path(&bak), "--store", path(&copy)]);
    let want = plain(&db);
    assert!(!want.documents.is_empty(), "import keeps its external ids");
    assert_eq!(plain(&copy), want);

    // A second restore into the now full store: refused, the store unchanged.
    let err = run_err(&bin, &["restore", path(&bak), "--store", path(&copy)]);
    assert!(err.contains("not empty"), "{err}");
    assert_eq!(plain(&copy), want);

    // An existing output is kept unless --replace.
    let before = std::fs::read(&bak).expect("backup");
    let err = run_err(&bin, &["backup", "--store", path(&db), path(&bak)]);
    assert!(err.contains("--replace"), "{err}");
    assert_eq!(std::fs::read(&bak).expect("backup"), before);
    run_ok(
        &bin,
        &["backup", "--store", path(&db), path(&bak), "--replace"],
    );

    // Truncated, or one byte changed: refused, and no store file is left behind.
    let bytes = std::fs::read(&bak).expect("backup");
    let cut = dir.join("cut.bak");
    let flipped = dir.join("flipped.bak");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).expect("write");
    let mut changed = bytes.clone();
    if let Some(b) = changed.get_mut(bytes.len() / 3) {
        *b ^= 0x20;
    }
    std::fs::write(&flipped, &changed).expect("write");
    for bad in [&cut, &flipped] {
        let target = dir.join("target.db");
        let err = run_err(&bin, &["restore", path(bad), "--store", path(&target)]);
        assert!(err.contains("refused"), "{err}");
        assert!(!target.exists(), "{}: a store file was left", bad.display());
        run_err(&bin, &["restore", path(bad), "--verify"]);
    }

    // Not as an actor.
    let err = run_err(
        &bin,
        &[
            "backup",
            "--store",
            path(&db),
            path(&dir.join("x.bak")),
            "--actor",
            "ann",
        ],
    );
    assert!(err.contains("--actor"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_encrypted_store_backs_up_sealed_and_a_plain_backup_restores_encrypted() {
    let Some(bin) = cli() else { return };
    let dir = temp_dir("cli-backup-sealed");
    let (db, bak, copy) = (dir.join("crm.db"), dir.join("crm.bak"), dir.join("copy.db"));
    let (key, other) = (dir.join("key"), dir.join("other"));
    let (key_hex, other_hex) = ("3d".repeat(32), "4e".repeat(32));
    std::fs::write(&key, &key_hex).expect("key");
    std::fs::write(&other, &other_hex).expect("key");
    let sample = sample();
    run_ok(
        &bin,
        &[
            "import",
            path(&sample),
            "--store",
            path(&db),
            "--key-file",
            path(&key),
        ],
    );
    // No key needed to back it up; the backup holds no plain value.
    let out = run_ok(&bin, &["backup", "--store", path(&db), path(&bak)]);
    assert!(out.contains("sealed"), "{out}");
    assert_holds_no_sample_value(&std::fs::read(&bak).expect("backup"), "the backup");
    // A wrong key is refused, and nothing is kept.
    let restore = |backup: &Path, store: &Path, key: &Path| {
        [
            "restore",
            path(backup),
            "--store",
            path(store),
            "--key-file",
            path(key),
        ]
        .map(str::to_owned)
    };
    let args = restore(&bak, &copy, &other);
    let err = run_err(&bin, &args.each_ref().map(String::as_str));
    assert!(err.contains("another key"), "{err}");
    assert!(!copy.exists());
    let args = restore(&bak, &copy, &key);
    run_ok(&bin, &args.each_ref().map(String::as_str));
    assert_holds_no_sample_value(&file_bytes(&copy), "the restored file");
    assert_eq!(opened(&copy, &key_hex), opened(&db, &key_hex));
    let err = run_err(&bin, &["validate", "--store", path(&copy)]);
    assert!(err.contains("--key-file"), "{err}");

    // A plain store's backup restored with a key: sealed on the way in.
    let (plain_db, plain_bak) = (dir.join("plain.db"), dir.join("plain.bak"));
    let sealed_copy = dir.join("sealed-copy.db");
    run_ok(&bin, &["import", path(&sample), "--store", path(&plain_db)]);
    run_ok(
        &bin,
        &["backup", "--store", path(&plain_db), path(&plain_bak)],
    );
    let args = restore(&plain_bak, &sealed_copy, &key);
    run_ok(&bin, &args.each_ref().map(String::as_str));
    assert_holds_no_sample_value(&file_bytes(&sealed_copy), "the sealed copy");
    let (got, want) = (opened(&sealed_copy, &key_hex), plain(&plain_db));
    assert_eq!(got.customers, want.customers);
    assert_eq!(got.merges, want.merges);
    assert_eq!(got.documents, want.documents);
    let _ = std::fs::remove_dir_all(&dir);
}
