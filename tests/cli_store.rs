//! The command line over a SQLite store (`--store PATH.db`): `pipeline` writes its result there
//! in one transaction, `segment`, `validate` and `dedupe` read from it and answer as they do on
//! the merged file, a second `pipeline` is refused unless `--replace`, and a `pipeline` killed
//! while writing leaves the store as it was or with the whole result.
//!
//! `cargo test` builds the examples before it runs the tests, so the CLI binary sits beside this
//! test's own; when it does not (`cargo test --test cli_store` alone, without
//! `cargo build --example cli` first), the tests say so and skip.
#![cfg(feature = "sqlite")]

#[path = "common/cli_bin.rs"]
mod cli_bin;
use cli_bin::{cli, output, path, run_ok as run, temp_dir};

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use clientele::store::conformance::snapshot;
use clientele::store::{CustomerStore, MemoryStore, SecondaryKey, SqliteStore, batches, replay};

fn data(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/data")
        .join(name)
        .to_str()
        .expect("utf-8 path")
        .to_owned()
}

/// The ids of the records a store holds, in id order.
fn store_ids(store: &SqliteStore) -> Vec<String> {
    let mut ids = Vec::new();
    for batch in batches(store, 1000) {
        ids.extend(batch.expect("scan").into_iter().map(|c| c.id.to_string()));
    }
    ids
}

fn merge_count(store: &SqliteStore) -> usize {
    store.scan_merges(None, usize::MAX).expect("merges").len()
}

#[test]
fn pipeline_writes_the_store_and_segment_validate_dedupe_read_it_as_the_merged_file() {
    let Some(bin) = cli() else { return };
    let dir = temp_dir("store");
    let (db, out) = (dir.join("crm.db"), dir.join("out"));
    let sample = data("customers.csv");
    let pipeline = |extra: &[&str]| {
        let mut args = vec!["pipeline", &sample, "--as-of", "2026-01-01", "--json"];
        args.extend(extra);
        output(&bin, &args)
    };
    let first = pipeline(&["--out-dir", path(&out), "--store", path(&db)]);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&first.stdout).expect("JSON report");
    assert_eq!(report["store"]["customers"], report["records_out"]);
    assert_eq!(report["store"]["merge_records"], report["clusters_merged"]);
    assert_eq!(report["store"]["customers_replaced"], 0);

    // The store holds what merged.csv holds, and the merges' provenance.
    let merged = out.join("merged.csv");
    let file = clientele::files::read_path(&merged, &Default::default()).expect("merged.csv");
    {
        let store = SqliteStore::open(&db).expect("open");
        let mut held = Vec::new();
        for batch in batches(&store, 100) {
            held.extend(batch.expect("scan"));
        }
        assert_eq!(held, file.customers, "the store and merged.csv differ");
        let merges = store.scan_merges(None, usize::MAX).expect("merges");
        assert_eq!(
            Some(merges.len() as u64),
            report["clusters_merged"].as_u64()
        );
        for m in &merges {
            assert!(store.get(&m.survivor).expect("get").is_some());
            for absorbed in &m.absorbed {
                assert!(store.get(absorbed).expect("get").is_none());
            }
        }
    }

    // segment, validate and dedupe answer from the store as from the merged file.
    let tx = data("transactions.csv");
    let segment = ["--transactions", &tx, "--as-of", "2026-06-30"];
    let from_file = run(&bin, &[&["segment", path(&merged)], &segment[..]].concat());
    let from_store = run(
        &bin,
        &[&["segment", "--store", path(&db)], &segment[..]].concat(),
    );
    assert_eq!(from_store, from_file);
    assert!(from_store.lines().count() > 200, "{from_store}");

    let validate = ["--as-of", "2026-01-01", "--region", "CN"];
    let from_file = run(
        &bin,
        &[&["validate", path(&merged)], &validate[..]].concat(),
    );
    let from_store = run(
        &bin,
        &[&["validate", "--store", path(&db)], &validate[..]].concat(),
    );
    // The same issues, but for the cells the importer could not type when it read the file
    // (kept as custom fields): those were reported with their line when the file was read,
    // and a store has no lines.
    let import_problems: BTreeSet<(String, String)> = file
        .customers
        .iter()
        .zip(&file.problems)
        .flat_map(|(c, ps)| ps.iter().map(|p| (c.id.to_string(), p.field.clone())))
        .collect();
    assert!(!import_problems.is_empty(), "the sample keeps a bad date");
    let from_file: String = from_file
        .lines()
        .filter(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("issue line");
            let key = (
                v["id"].as_str().unwrap_or("").to_owned(),
                v["field"].as_str().unwrap_or("").to_owned(),
            );
            !import_problems.contains(&key)
        })
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(from_store, from_file);

    let dedupe = |source: &[&str], name: &str| {
        let (pairs, clusters) = (
            dir.join(format!("{name}-pairs.csv")),
            dir.join(format!("{name}-clusters.csv")),
        );
        let args = [
            source,
            &["--pairs", path(&pairs), "--clusters", path(&clusters)],
        ]
        .concat();
        run(&bin, &args);
        let read = |p: &Path| std::fs::read_to_string(p).expect("dedupe output");
        (read(&pairs), read(&clusters))
    };
    let from_file = dedupe(&["dedupe", path(&merged)], "file");
    let from_store = dedupe(&["dedupe", "--store", path(&db)], "store");
    assert_eq!(from_store, from_file);

    // A second run into the same store is refused, and writes nothing.
    let before = snapshot(&SqliteStore::open(&db).expect("open")).expect("snapshot");
    let second = pipeline(&["--store", path(&db)]);
    assert_eq!(second.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(
        stderr.contains("--replace") && stderr.contains("already holds"),
        "{stderr}"
    );
    let after = snapshot(&SqliteStore::open(&db).expect("open")).expect("snapshot");
    assert_eq!(after, before, "a refused run changed the store");

    // With --replace the store holds this run's result alone.
    let third = pipeline(&["--store", path(&db), "--replace"]);
    assert!(
        third.status.success(),
        "{}",
        String::from_utf8_lossy(&third.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&third.stdout).expect("JSON report");
    assert_eq!(report["store"]["customers_replaced"], report["records_out"]);
    let store = SqliteStore::open(&db).expect("open");
    assert_eq!(
        Some(store.len().expect("len") as u64),
        report["records_out"].as_u64()
    );
    assert_eq!(
        Some(merge_count(&store) as u64),
        report["clusters_merged"].as_u64()
    );
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_reading_command_takes_a_file_or_a_store_not_both_nor_neither() {
    let Some(bin) = cli() else { return };
    let dir = temp_dir("store-usage");
    let sample = data("customers.csv");
    let missing = dir.join("missing.db");
    let neither = output(&bin, &["validate"]);
    assert_eq!(neither.status.code(), Some(2), "{neither:?}");
    let both = output(&bin, &["validate", &sample, "--store", path(&missing)]);
    assert_eq!(both.status.code(), Some(2), "{both:?}");
    let stderr = String::from_utf8_lossy(&both.stderr);
    assert!(stderr.contains("--store"), "{stderr}");
    let map = output(
        &bin,
        &[
            "dedupe",
            "--store",
            path(&missing),
            "--map",
            "a=b",
            "--pairs",
            "p",
            "--clusters",
            "c",
        ],
    );
    assert_eq!(map.status.code(), Some(2), "{map:?}");
    // A store that is not there is an error, not a new empty store.
    let absent = output(&bin, &["validate", "--store", path(&missing)]);
    assert_eq!(absent.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&absent.stderr).contains("no such store"));
    assert!(!missing.exists(), "reading a missing store created it");
    // --replace only with --store.
    let replace = output(&bin, &["pipeline", &sample, "--replace"]);
    assert_eq!(replace.status.code(), Some(2), "{replace:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Starts `pipeline FILE --store DB [--replace]`, waits until it says it is writing the store,
/// lets it run `after` more, and kills it (SIGKILL on Unix). Returns whether it had already
/// finished.
fn pipeline_killed(bin: &Path, file: &Path, db: &Path, replace: bool, after: Duration) -> bool {
    let mut args = vec![
        "pipeline",
        path(file),
        "--as-of",
        "2026-01-01",
        "--store",
        path(db),
    ];
    if replace {
        args.push("--replace");
    }
    let mut child = Command::new(bin)
        .args(&args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run cli");
    let stderr = child.stderr.take().expect("stderr");
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let started = Instant::now();
    loop {
        match rx.recv_timeout(Duration::from_secs(600)) {
            Ok(line) if line.starts_with("writing ") => break,
            Ok(_) => {}
            Err(e) => panic!(
                "pipeline never wrote its store ({e}) after {:?}",
                started.elapsed()
            ),
        }
    }
    std::thread::sleep(after);
    let finished = child.try_wait().expect("wait").is_some();
    let _ = child.kill();
    child.wait().expect("wait");
    reader.join().expect("reader");
    finished
}

/// What a store holds, for comparing states: the ids of its records and its merge records'
/// count. Checks on the way that the change feed is in step (replayed into an empty store, it
/// gives the same snapshot) and that the key index answers.
fn state(db: &Path) -> (Vec<String>, usize) {
    let store = SqliteStore::open(db).expect("reopen after the kill");
    let ids = store_ids(&store);
    let merges = merge_count(&store);
    let copy = MemoryStore::new();
    replay(&copy, &store.changes_since(0, usize::MAX).expect("feed")).expect("replay");
    assert_eq!(
        snapshot(&copy).expect("snapshot"),
        snapshot(&store).expect("snapshot"),
        "the feed is out of step"
    );
    // Still a working store, with its index: a held record is found by its phone.
    if let Some(first) = ids.first() {
        let c = store
            .get(&clientele::CustomerId::new(first.as_str()).expect("id"))
            .expect("get")
            .expect("held");
        if let Some(key) = c
            .phones
            .first()
            .and_then(|p| SecondaryKey::phone(&p.number))
        {
            assert!(store.lookup(&key).expect("lookup").contains(&c.id));
        }
    }
    (ids, merges)
}

#[test]
fn a_pipeline_killed_while_writing_its_store_leaves_it_as_before_or_with_the_whole_result() {
    let Some(bin) = cli() else { return };
    let dir = temp_dir("store-kill");
    let (big, truth) = (dir.join("big.csv"), dir.join("truth.csv"));
    run(
        &bin,
        &[
            "generate",
            "--customers",
            "20000",
            "--seed",
            "7",
            "--out",
            path(&big),
            "--truth",
            path(&truth),
        ],
    );
    let small = PathBuf::from(data("customers.csv"));

    // The two whole results, from runs left to finish.
    let whole = |file: &Path, name: &str| {
        let db = dir.join(name);
        run(
            &bin,
            &[
                "pipeline",
                path(file),
                "--as-of",
                "2026-01-01",
                "--store",
                path(&db),
            ],
        );
        let s = state(&db);
        let _ = std::fs::remove_file(&db);
        s
    };
    let big_whole = whole(&big, "big-whole.db");
    let small_whole = whole(&small, "small-whole.db");
    assert!(
        big_whole.0.len() > 15_000 && big_whole.1 > 0,
        "{}",
        big_whole.0.len()
    );

    let mut seen = BTreeSet::new();
    // Into a new store: nothing (the file may be there, empty) or the whole result.
    for (i, ms) in [0u64, 100, 400, 1000].into_iter().enumerate() {
        let db = dir.join(format!("new-{i}.db"));
        let finished = pipeline_killed(&bin, &big, &db, false, Duration::from_millis(ms));
        let s = if db.exists() {
            state(&db)
        } else {
            Default::default()
        };
        assert!(
            s == big_whole || s == Default::default(),
            "killed after {ms} ms: {} customers, {} merges, a partial result",
            s.0.len(),
            s.1
        );
        assert!(
            !finished || s == big_whole,
            "a finished run's result is missing"
        );
        seen.insert((ms, s.0.len()));
    }
    // Replacing a store's content: the former content or the new whole, never a mix.
    for (i, ms) in [0u64, 200, 700, 1500].into_iter().enumerate() {
        let db = dir.join(format!("replace-{i}.db"));
        run(
            &bin,
            &[
                "pipeline",
                path(&small),
                "--as-of",
                "2026-01-01",
                "--store",
                path(&db),
            ],
        );
        pipeline_killed(&bin, &big, &db, true, Duration::from_millis(ms));
        let s = state(&db);
        assert!(
            s == big_whole || s == small_whole,
            "killed after {ms} ms: {} customers, {} merges, neither before nor whole",
            s.0.len(),
            s.1
        );
        seen.insert((ms, s.0.len()));
    }
    eprintln!("(delay in ms, customers found) after the kills: {seen:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The sample's transactions (`id,date,amount,currency,channel`, amounts in yuan), read as the
/// CLI reads them: midnight UTC, minor units rounded.
fn sample_transactions() -> Vec<clientele::model::Transaction> {
    use clientele::model::{CurrencyCode, Money, Transaction};
    let mut rdr = csv::Reader::from_path(data("transactions.csv")).expect("transactions.csv");
    rdr.records()
        .map(|r| {
            let r = r.expect("row");
            let id = clientele::CustomerId::new(&r[0]).expect("id");
            let day = chrono::NaiveDate::parse_from_str(&r[1], "%Y-%m-%d").expect("date");
            let major: f64 = r[2].parse().expect("amount");
            let amount = Money {
                minor_units: (major * 100.0).round() as i64,
                currency: CurrencyCode::new(&r[3]).expect("currency"),
            };
            let mut t =
                Transaction::new(id, day.and_time(chrono::NaiveTime::MIN).and_utc(), amount);
            t.channel = Some(r[4].to_owned()).filter(|c| !c.is_empty());
            t
        })
        .collect()
}

#[test]
fn report_from_a_store_with_its_activity_equals_the_report_from_the_files() {
    use clientele::model::Activity;
    use clientele::store::Change;
    let Some(bin) = cli() else { return };
    let dir = temp_dir("report-store");
    let db = dir.join("crm.db");
    let sample = data("customers.csv");
    let tx = data("transactions.csv");
    let file = clientele::files::read_path(&sample, &Default::default()).expect("customers.csv");
    let mut activity: std::collections::BTreeMap<clientele::CustomerId, Activity> =
        Default::default();
    for t in sample_transactions() {
        activity
            .entry(t.customer.clone())
            .or_default()
            .transactions
            .push(t);
    }
    {
        let store = SqliteStore::open(&db).expect("open");
        let mut changes = Vec::new();
        for c in &file.customers {
            let id = c.id.clone();
            changes.push(Change::Insert(c.clone()));
            if let Some(a) = activity.remove(&id) {
                changes.push(Change::SetActivity {
                    customer: id,
                    activity: a,
                });
            }
        }
        store.apply(changes).expect("write the store");
    }
    let report = |name: &str, source: &[&str]| -> serde_json::Value {
        let (page, json) = (
            dir.join(format!("{name}.html")),
            dir.join(format!("{name}.json")),
        );
        let mut args = vec!["report"];
        args.extend(source);
        args.extend([
            "--as-of",
            "2026-06-30",
            "--out",
            path(&page),
            "--json",
            path(&json),
        ]);
        run(&bin, &args);
        let html = std::fs::read_to_string(&page).expect("page written");
        assert!(html.contains("id=\"chart-stage-funnel\""), "{name}");
        serde_json::from_str(&std::fs::read_to_string(&json).expect("json")).expect("json")
    };
    let from_files = report("files", &[&sample, "--transactions", &tx]);
    let from_store = report("store", &["--store", path(&db)]);
    let store_and_file = report("mixed", &["--store", path(&db), "--transactions", &tx]);
    assert_eq!(from_files["kpis"]["customers"], 311);
    assert!(
        from_files["kpis"]["buyers"].as_u64() > Some(100),
        "{}",
        from_files["kpis"]
    );
    for part in ["kpis", "quality", "follow_ups"] {
        assert_eq!(from_store[part], from_files[part], "{part}: store activity");
        assert_eq!(
            store_and_file[part], from_files[part],
            "{part}: store + file"
        );
    }

    // Interactions are read with transactions from files only; a customers file needs them.
    let page = dir.join("x.html");
    let no_tx = output(
        &bin,
        &[
            "report",
            &sample,
            "--as-of",
            "2026-06-30",
            "--out",
            path(&page),
        ],
    );
    assert!(!no_tx.status.success());
    assert!(String::from_utf8_lossy(&no_tx.stderr).contains("--transactions"));
    let lone = output(
        &bin,
        &[
            "report",
            "--store",
            path(&db),
            "--interactions",
            &tx,
            "--as-of",
            "2026-06-30",
            "--out",
            path(&page),
        ],
    );
    assert!(!lone.status.success());
    assert!(String::from_utf8_lossy(&lone.stderr).contains("--transactions"));
}
