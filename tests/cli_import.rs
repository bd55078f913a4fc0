//! `import` and `review` on the command line: the bundled sample imported in three files ends
//! as `pipeline --store` does; a fourth import changes nothing; the review queue is listed and
//! resolved.
//!
//! Skips, saying so, when the CLI example is not built (`cargo test` builds it).
#![cfg(feature = "sqlite")]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use std::process::{Command, Output};

use clientele::store::{CustomerStore, SqliteStore};

mod common;
use clientele::{Customer, CustomerId};
use common::clusters::cli;

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("clientele-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run(bin: &Path, args: &[&str]) -> Output {
    let out = Command::new(bin).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn clusters(path: &Path) -> BTreeMap<BTreeSet<CustomerId>, Customer> {
    common::clusters::clusters(&SqliteStore::open(path).unwrap())
}

#[test]
fn three_imports_end_as_pipeline_and_a_fourth_changes_nothing() {
    let Some(bin) = cli() else { return };
    let dir = temp_dir("import");
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/data/customers.csv");
    let text = std::fs::read_to_string(&sample).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let rows: Vec<&str> = lines.collect();
    let third = rows.len().div_ceil(3);
    let mut parts = Vec::new();
    for (i, chunk) in rows.chunks(third).enumerate() {
        let p = dir.join(format!("part{i}.csv"));
        std::fs::write(&p, format!("{header}\n{}\n", chunk.join("\n"))).unwrap();
        parts.push(p);
    }
    let db = dir.join("import.db");
    let s = |p: &Path| p.to_str().unwrap().to_owned();
    for (i, part) in parts.iter().enumerate() {
        let mut args = vec![
            "import".to_owned(),
            s(part),
            "--store".into(),
            s(&db),
            "--source".into(),
            "sample".into(),
            "--merge-above".into(),
            "0.5".into(),
            "--report".into(),
            s(&dir.join(format!("report{i}.json"))),
        ];
        if i == 0 {
            args.extend(["--train".into(), s(&sample)]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run(&bin, &args);
    }
    let piped = dir.join("pipeline.db");
    run(&bin, &["pipeline", &s(&sample), "--store", &s(&piped)]);
    let (got, want) = (clusters(&db), clusters(&piped));
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        want.keys().collect::<Vec<_>>()
    );
    for (k, c) in &want {
        let g = &got[k];
        // The pipeline merges at its own time; values and ids must agree.
        assert_eq!(g.id, c.id);
        assert_eq!(g.phones, c.phones);
        assert_eq!(g.emails, c.emails);
        assert_eq!(g.person_name, c.person_name);
    }
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("report2.json")).unwrap()).unwrap();
    assert!(report["counts"]["merged"].as_u64().unwrap() > 0);

    // A fourth import of the first part: every row unchanged, the store's feed unmoved.
    let before = SqliteStore::open(&db)
        .unwrap()
        .changes_since(0, usize::MAX)
        .unwrap();
    let out = run(
        &bin,
        &[
            "import",
            &s(&parts[0]),
            "--store",
            &s(&db),
            "--source",
            "sample",
        ],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(&format!("{} unchanged", third)), "{text}");
    let after = SqliteStore::open(&db)
        .unwrap()
        .changes_since(0, usize::MAX)
        .unwrap();
    assert_eq!(before.len(), after.len());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn review_lists_and_keeps_apart() {
    let Some(bin) = cli() else { return };
    let dir = temp_dir("review");
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/data/customers.csv");
    let db = dir.join("r.db");
    let (sample, db_s) = (sample.to_str().unwrap(), db.to_str().unwrap());
    run(
        &bin,
        &["import", sample, "--store", db_s, "--on-match", "review"],
    );
    let out = run(&bin, &["review", "list", "--store", db_s]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let first: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    let (source, row) = (
        first["source"].as_str().unwrap(),
        first["row_id"].as_str().unwrap(),
    );
    run(
        &bin,
        &["review", "keep-apart", source, row, "--store", db_s],
    );
    let out = run(&bin, &["review", "list", "--store", db_s]);
    let after = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(after.lines().count() + 1, text.lines().count());
    let _ = std::fs::remove_dir_all(&dir);
}
