//! A process killed in the middle of writing leaves the database as it was before the batch or
//! with the whole batch, never part of one (feature `sqlite`).
//!
//! The test runs its own binary again as the writer (`child_writer`, which does nothing unless
//! `CLIENTELE_KILL_CHILD` names a database), waits until it is writing, kills it with SIGKILL
//! at various moments, and reopens the file.
#![cfg(feature = "sqlite")]

mod sqlite_raw;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use clientele::model::{CurrencyCode, Money, Transaction};
use clientele::store::{Change, CustomerStore, SecondaryKey, SqliteStore};
use clientele::{Customer, CustomerId, CustomerKind};
use sqlite_raw::{Scratch, raw};

const ENV: &str = "CLIENTELE_KILL_CHILD";
/// Customers in the large batch.
const LARGE: usize = 20_000;
/// Customers in each of the small batches that follow.
const SMALL: usize = 500;

fn customer(batch: usize, i: usize) -> Customer {
    Customer::builder(
        CustomerId::new(format!("b{batch:05}-{i:06}")).unwrap(),
        CustomerKind::Person,
    )
    .full_name(format!("Person {batch} {i}"))
    .phone(format!("+86 139 {:04} {:04}", batch % 10_000, i % 10_000))
    .email(format!("p{batch}.{i}@example.com"))
    .build()
}

fn batch(number: usize, size: usize) -> Vec<Change> {
    let mut out = Vec::with_capacity(size * 2);
    for i in 0..size {
        let c = customer(number, i);
        out.push(Change::AddTransaction(Transaction::new(
            c.id.clone(),
            chrono::DateTime::UNIX_EPOCH,
            Money {
                minor_units: i as i64,
                currency: CurrencyCode::new("CNY").unwrap(),
            },
        )));
        out.insert(out.len() - 1, Change::Insert(c));
    }
    out
}

/// The writer: one large batch, then small batches until killed.
#[test]
fn child_writer() {
    let Some(path) = std::env::var_os(ENV) else {
        return;
    };
    let store = SqliteStore::open(Path::new(&path)).unwrap();
    println!("KILLTEST large-start");
    store.apply(batch(0, LARGE)).unwrap();
    println!("KILLTEST large-done");
    for n in 1.. {
        store.apply(batch(n, SMALL)).unwrap();
        println!("KILLTEST small {n}");
    }
}

/// Starts the writer on `path`, waits for `signal` on its output, lets it run `after`, kills it.
/// Returns the last line it printed.
fn run_and_kill(path: &Path, signal: &str, after: Duration) -> String {
    let exe = std::env::current_exe().unwrap();
    let mut child = Command::new(exe)
        .args(["--exact", "child_writer", "--nocapture", "--test-threads=1"])
        .env(ENV, path)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            // The harness may print `test child_writer ... ` before the first line.
            if let Some((_, rest)) = line.split_once("KILLTEST ")
                && tx.send(rest.to_owned()).is_err()
            {
                break;
            }
        }
    });
    let started = Instant::now();
    loop {
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "never saw {signal:?}"
        );
        match rx.recv_timeout(Duration::from_secs(120)) {
            Ok(line) if line == signal => break,
            Ok(_) => {}
            Err(e) => panic!(
                "the writer never said {signal:?} ({e}) after {:?}",
                started.elapsed()
            ),
        }
    }
    std::thread::sleep(after);
    child.kill().unwrap();
    child.wait().unwrap();
    reader.join().unwrap();
    let mut last = signal.to_owned();
    while let Ok(line) = rx.try_recv() {
        last = line;
    }
    last
}

/// Reopens the file and checks that it holds whole batches only: the large one or nothing,
/// then small batches each complete, with their keys, activity and feed entries.
fn check_whole_batches(path: &Path) -> usize {
    let store = SqliteStore::open(path).unwrap();
    let n = store.len().unwrap();
    assert!(
        n == 0 || (n >= LARGE && (n - LARGE).is_multiple_of(SMALL)),
        "{n} customers: a batch was kept in part"
    );
    let conn = raw(path);
    let count = |sql: &str| -> usize {
        let c: i64 = conn.query_row(sql, [], |r| r.get(0)).unwrap();
        c as usize
    };
    assert_eq!(
        count("SELECT COUNT(*) FROM keys"),
        2 * n,
        "keys out of step"
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM activity"),
        n,
        "activity out of step"
    );
    assert_eq!(count("SELECT COUNT(*) FROM feed"), n, "feed out of step");
    if n > 0 {
        let last_large = customer(0, LARGE - 1);
        assert_eq!(store.get(&last_large.id).unwrap(), Some(last_large.clone()));
        let key = SecondaryKey::email(&last_large.emails[0].address).unwrap();
        assert_eq!(store.lookup(&key).unwrap(), vec![last_large.id]);
    }
    // Still a working store.
    store.put(customer(99_999, 0)).unwrap();
    n
}

#[test]
fn a_writer_killed_mid_batch_leaves_the_state_before_or_the_whole_result() {
    if std::env::var_os(ENV).is_some() {
        return;
    }
    let mut seen = std::collections::BTreeSet::new();
    for (i, delay) in [0u64, 20, 80, 200, 500, 1200].into_iter().enumerate() {
        let scratch = Scratch::new(&format!("kill-large-{i}"));
        let path = scratch.path("store.db");
        let last = run_and_kill(&path, "large-start", Duration::from_millis(delay));
        let n = check_whole_batches(&path);
        // A batch reported committed is there (one committed but not yet reported may be too).
        if last != "large-start" {
            assert!(
                n >= LARGE,
                "the large batch was reported committed, then lost"
            );
        }
        seen.insert(n);
    }
    // Between small batches, at several moments.
    for (i, delay) in [0u64, 40, 150, 400].into_iter().enumerate() {
        let scratch = Scratch::new(&format!("kill-small-{i}"));
        let path = scratch.path("store.db");
        let last = run_and_kill(&path, "large-done", Duration::from_millis(delay));
        let n = check_whole_batches(&path);
        assert!(n >= LARGE, "the committed large batch was lost");
        if let Some(k) = last
            .strip_prefix("small ")
            .and_then(|k| k.parse::<usize>().ok())
        {
            assert!(
                n >= LARGE + k * SMALL,
                "a batch reported committed was lost"
            );
        }
        seen.insert(n);
    }
    eprintln!("customers found after the kills: {seen:?}");
}
