//! `--actor NAME --policy POLICY.json` on the command line: a viewer's report and validation
//! show no full personal value, its writes are refused and change nothing, an admin's import
//! is audited under its name, and the policy saved in the store serves when `--policy` is not
//! given.
//!
//! Skips, saying so, when the CLI example is not built (`cargo test` builds it).
#![cfg(all(feature = "sqlite", feature = "governance"))]

use std::path::Path;

use clientele::governance::{DataPolicy, audit_by};
use clientele::store::SqliteStore;
use clientele::store::conformance::snapshot;

#[path = "common/cli_bin.rs"]
mod cli_bin;
use cli_bin::{cli, output, path, sample, temp_dir};

const POLICY: &str = r#"{"actors": {"ann": {"role": "viewer"}, "wang": {"role": "admin"}}}"#;

/// Every phone, email and ID number of the sample, as written.
fn secrets() -> Vec<String> {
    let read = clientele::files::read_path(sample(), &Default::default()).expect("sample");
    read.customers
        .iter()
        .flat_map(|c| {
            c.phones
                .iter()
                .map(|p| p.number.clone())
                .chain(c.emails.iter().map(|e| e.address.clone()))
                .chain(c.national_ids.iter().map(|n| n.value.clone()))
        })
        .filter(|s| s.len() >= 6)
        .collect()
}

fn transactions() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/data/transactions.csv")
}

#[test]
fn a_viewer_sees_masks_cannot_write_and_an_admin_is_audited() {
    let Some(bin) = cli() else { return };
    let dir = temp_dir("governance");
    let policy = dir.join("policy.json");
    std::fs::write(&policy, POLICY).expect("policy");
    let db = dir.join("x.db");
    // An admin imports the sample: every write is audited under its name.
    let out = output(
        &bin,
        &[
            "import",
            path(&sample()),
            "--store",
            path(&db),
            "--source",
            "sample",
            "--actor",
            "wang",
            "--policy",
            path(&policy),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    {
        let store = SqliteStore::open(&db).expect("open");
        let entries = audit_by(&store, "wang").expect("audit");
        assert!(entries.len() >= 300, "{} entries", entries.len());
        assert!(
            entries
                .iter()
                .all(|e| e.actor == "wang" && e.role == "admin")
        );
    }
    // A viewer's validation and report hold no full phone, email or ID.
    let mut seen = String::new();
    let out = output(
        &bin,
        &[
            "validate",
            "--store",
            path(&db),
            "--actor",
            "ann",
            "--policy",
            path(&policy),
        ],
    );
    seen += &String::from_utf8_lossy(&out.stdout);
    seen += &String::from_utf8_lossy(&out.stderr);
    let json = dir.join("ann.json");
    let out = output(
        &bin,
        &[
            "report",
            "--store",
            path(&db),
            "--transactions",
            path(&transactions()),
            "--as-of",
            "2026-01-01",
            "--out",
            path(&dir.join("ann.html")),
            "--json",
            path(&json),
            "--actor",
            "ann",
            "--policy",
            path(&policy),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    seen += &std::fs::read_to_string(&json).expect("json");
    seen += &std::fs::read_to_string(dir.join("ann.html")).expect("html");
    let leaked: Vec<String> = secrets()
        .into_iter()
        .filter(|s| seen.contains(s.as_str()))
        .collect();
    assert!(leaked.is_empty(), "{} values leaked", leaked.len());
    // A viewer's write is refused, exits non-zero and changes nothing.
    let before = snapshot(&SqliteStore::open(&db).expect("open")).expect("snapshot");
    let out = output(
        &bin,
        &[
            "import",
            path(&sample()),
            "--store",
            path(&db),
            "--source",
            "other",
            "--actor",
            "ann",
            "--policy",
            path(&policy),
        ],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("ann (viewer) may not"));
    assert_eq!(
        snapshot(&SqliteStore::open(&db).expect("open")).expect("snapshot"),
        before
    );
    // An actor the policy does not list is refused; the saved policy serves without --policy.
    let out = output(
        &bin,
        &[
            "validate",
            "--store",
            path(&db),
            "--actor",
            "bob",
            "--policy",
            path(&policy),
        ],
    );
    assert!(!out.status.success());
    let out = output(&bin, &["validate", "--store", path(&db), "--actor", "ann"]);
    assert!(!out.status.success(), "no policy in the store yet");
    DataPolicy::from_json(POLICY)
        .expect("policy")
        .save(&SqliteStore::open(&db).expect("open"))
        .expect("save");
    let out = output(&bin, &["validate", "--store", path(&db), "--actor", "ann"]);
    assert!(
        !out.stdout.is_empty() || !out.stderr.is_empty(),
        "the saved policy serves: validate reports"
    );
    assert!(!String::from_utf8_lossy(&out.stderr).contains("needs --policy"));
    let _ = std::fs::remove_dir_all(&dir);
}
