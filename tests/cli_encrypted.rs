//! `--key-file` on the command line: `import` creates an encrypted store, `dedupe`, `validate`
//! and `review` read it with the key, the file holds none of the sample's phones or emails,
//! and the store is refused without its key or with another one; `pipeline --store
//! --key-file` writes an encrypted store that `segment` reads.
//!
//! The CLI binary is built by `cargo test` before the tests run; alone (`cargo test --test
//! cli_encrypted` without `cargo build --example cli`), the tests say so and skip.
#![cfg(feature = "sqlite")]

#[path = "common/cli_bin.rs"]
mod cli_bin;
use cli_bin::{
    assert_holds_no_sample_value, cli, file_bytes, path, run_err, run_ok, sample, temp_dir,
};

#[test]
fn import_with_a_key_file_writes_an_encrypted_store_the_other_commands_read_with_it() {
    let Some(bin) = cli() else { return };
    let dir = temp_dir("encrypted");
    let (db, key, other) = (dir.join("crm.db"), dir.join("key"), dir.join("other"));
    std::fs::write(&key, format!("{}\n", "5a".repeat(32))).expect("key");
    std::fs::write(&other, "6b".repeat(32)).expect("key");
    let sample = sample();
    let (db_s, key_s) = (path(&db), path(&key));
    run_ok(
        &bin,
        &[
            "import",
            path(&sample),
            "--store",
            db_s,
            "--key-file",
            key_s,
        ],
    );

    // Read back with the key: the same customers a plain import holds.
    let plain = dir.join("plain.db");
    run_ok(&bin, &["import", path(&sample), "--store", path(&plain)]);
    let dedupe = |db: &str, key: Option<&str>| {
        let out = dir.join(format!("clusters-{}.csv", key.is_some()));
        let pairs = dir.join(format!("pairs-{}.csv", key.is_some()));
        let mut args = vec![
            "dedupe",
            "--store",
            db,
            "--pairs",
            path(&pairs),
            "--clusters",
            path(&out),
        ];
        if let Some(k) = key {
            args.extend(["--key-file", k]);
        }
        run_ok(&bin, &args);
        std::fs::read_to_string(&out).expect("clusters")
    };
    assert_eq!(dedupe(db_s, Some(key_s)), dedupe(path(&plain), None));
    let issues = run_ok(&bin, &["validate", "--store", db_s, "--key-file", key_s]);
    let plain_issues = run_ok(&bin, &["validate", "--store", path(&plain)]);
    assert_eq!(issues, plain_issues);
    run_ok(
        &bin,
        &["review", "list", "--store", db_s, "--key-file", key_s],
    );

    // Refused without the key, and with another key.
    let err = run_err(&bin, &["validate", "--store", db_s]);
    assert!(
        err.contains("encrypted") && err.contains("--key-file"),
        "{err}"
    );
    let err = run_err(
        &bin,
        &["validate", "--store", db_s, "--key-file", path(&other)],
    );
    assert!(err.contains("another key"), "{err}");

    // The file holds none of the sample's phones or emails (as written in the sample).
    assert_holds_no_sample_value(&file_bytes(&db), "the encrypted file");
    assert!(
        String::from_utf8_lossy(&file_bytes(&plain)).contains("@"),
        "the plain store holds emails (the search works)"
    );
}

#[test]
fn pipeline_with_a_key_file_writes_an_encrypted_store_segment_reads() {
    let Some(bin) = cli() else { return };
    let dir = temp_dir("encrypted-pipeline");
    let (db, key) = (dir.join("crm.db"), dir.join("key"));
    std::fs::write(&key, "7c".repeat(32)).expect("key");
    let sample = sample();
    run_ok(
        &bin,
        &[
            "pipeline",
            path(&sample),
            "--as-of",
            "2026-01-01",
            "--store",
            path(&db),
            "--key-file",
            path(&key),
        ],
    );
    let transactions = sample.with_file_name("transactions.csv");
    let out = run_ok(
        &bin,
        &[
            "segment",
            "--store",
            path(&db),
            "--key-file",
            path(&key),
            "--transactions",
            path(&transactions),
            "--as-of",
            "2026-06-30",
        ],
    );
    assert!(out.lines().count() > 100, "{out}");
    let bytes = String::from_utf8_lossy(&file_bytes(&db)).into_owned();
    assert!(!bytes.contains("ouyang.jianhua@foxmail.com"));
}
