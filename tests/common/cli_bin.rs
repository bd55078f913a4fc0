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
