//! The built `cli` example, for the tests that run the command line.
//!
//! `cargo test` builds the examples before it runs the tests, so the binary sits beside the
//! test's own; when it does not (`cargo test --test NAME` alone, without
//! `cargo build --example cli` first), the tests say so and skip. Each test file uses some.
#![allow(dead_code)]

use std::path::PathBuf;

/// The built `cli` example, if there is one (a message on standard error otherwise).
pub fn cli() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let bin = exe
        .parent()?
        .parent()?
        .join("examples")
        .join(format!("cli{}", std::env::consts::EXE_SUFFIX));
    if bin.exists() {
        Some(bin)
    } else {
        eprintln!(
            "skipped: {} not built (run the whole `cargo test`)",
            bin.display()
        );
        None
    }
}

/// The bundled sample, `examples/data/customers.csv`.
pub fn sample() -> PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/data/customers.csv")
}

/// A fresh temporary directory for one test (`clientele-cli-NAME-PID`).
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("clientele-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// A path as the `&str` argument of a command line.
pub fn path(p: &std::path::Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// Runs the CLI with `args`.
pub fn output(bin: &std::path::Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(bin)
        .args(args)
        .output()
        .expect("run cli")
}

/// Runs `pipeline FILE --as-of 2026-01-01 --store DB` (which must succeed) and returns the
/// store's contents, as [`store_after`] reads them.
#[cfg(feature = "sqlite")]
pub fn pipeline_store(
    bin: &std::path::Path,
    file: &std::path::Path,
    db: &std::path::Path,
) -> clientele::store::conformance::Snapshot {
    let args = [
        "pipeline",
        path(file),
        "--as-of",
        "2026-01-01",
        "--store",
        path(db),
    ];
    store_after(bin, &args, file, db)
}

/// Runs the CLI with `args` (which must succeed, about `file`) and returns the contents of the
/// store `db` it wrote, the merged records' update times (the run's clock) set to their
/// creation times so that two runs compare.
#[cfg(feature = "sqlite")]
pub fn store_after(
    bin: &std::path::Path,
    args: &[&str],
    file: &std::path::Path,
    db: &std::path::Path,
) -> clientele::store::conformance::Snapshot {
    let out = output(bin, args);
    assert!(
        out.status.success(),
        "{}: {}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let store = clientele::store::SqliteStore::open(db).expect("open");
    let mut snap = clientele::store::conformance::snapshot(&store).expect("snapshot");
    for c in &mut snap.customers {
        c.updated_at = c.created_at;
    }
    snap
}

/// Asserts that two stores hold the same customers, keys and number of merges.
#[cfg(feature = "sqlite")]
pub fn assert_same_store(
    got: &clientele::store::conformance::Snapshot,
    want: &clientele::store::conformance::Snapshot,
    what: &str,
) {
    assert!(!want.customers.is_empty());
    assert_eq!(got.customers.len(), want.customers.len(), "{what}");
    for (g, w) in got.customers.iter().zip(&want.customers) {
        assert!(g == w, "{what}: {} differs", w.id);
    }
    assert_eq!(got.index, want.index, "{what}");
    assert_eq!(got.merges.len(), want.merges.len(), "{what}");
}

/// The bytes of a SQLite store's file and its write-ahead log.
pub fn file_bytes(db: &std::path::Path) -> Vec<u8> {
    let mut bytes = std::fs::read(db).expect("db");
    if let Ok(wal) = std::fs::read(format!("{}-wal", db.display())) {
        bytes.extend(wal);
    }
    bytes
}

/// Asserts that `bytes` hold none of the bundled sample's phones, emails or ID numbers, as
/// written in the sample (values of nine characters or more, over 300 of them).
pub fn assert_holds_no_sample_value(bytes: &[u8], what: &str) {
    let bytes = String::from_utf8_lossy(bytes);
    let mut rows = csv::Reader::from_path(sample()).expect("sample");
    let mut checked = 0;
    for row in rows.deserialize::<std::collections::HashMap<String, String>>() {
        let row = row.expect("row");
        for column in ["phone", "email", "national_id"] {
            let cell = row.get(column).map_or("", String::as_str);
            for value in cell.split(';').filter(|v| v.chars().count() >= 9) {
                assert!(!bytes.contains(value), "{value} in {what}");
                checked += 1;
            }
        }
    }
    assert!(checked > 300, "{checked} values checked");
}

/// Runs the CLI, which must succeed; returns standard output.
pub fn run_ok(bin: &std::path::Path, args: &[&str]) -> String {
    let out = output(bin, args);
    assert!(
        out.status.success(),
        "cli {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

/// Runs the CLI, which must fail; returns standard error.
pub fn run_err(bin: &std::path::Path, args: &[&str]) -> String {
    let out = output(bin, args);
    assert!(!out.status.success(), "cli {args:?} succeeded");
    String::from_utf8_lossy(&out.stderr).into_owned()
}
