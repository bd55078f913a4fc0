//! SqliteStore at scale (feature `sqlite`): `cargo bench --features sqlite --bench store [-- N]`
//! (default 1,000,000 customers).
//!
//! On data from the seeded generator (`clientele::synth`): bulk loading N customers into a
//! fresh file (batches of 10,000 `Insert`s, each batch one transaction; contact keys indexed),
//! `get` and phone `lookup` latency (median and p99 over 20,000 random reads on one thread),
//! read throughput of 8 threads with the reader pool and with one shared connection, and
//! `match_one` latency against a store of N customers indexing contact and blocking keys
//! (1,000 held-out records, model trained on 100,000 records). Files go to
//! `target/bench-store/` and are deleted afterwards. `STORE_BENCH_LOAD_ONLY=1` stops after the
//! first bulk load (for profiling it).

use std::path::{Path, PathBuf};
use std::time::Instant;

use clientele::dedupe::Deduplicator;
use clientele::store::{
    Change, CustomerStore, KeyIndexers, SecondaryKey, SqliteOptions, SqliteStore,
};
use clientele::synth::{SynthConfig, generate};
use clientele::{Customer, CustomerId};

mod common;
use common::{cpu_secs, percentiles};

/// Customers per batch of the bulk loads (`STORE_BENCH_BATCH` to change).
fn batch_size() -> usize {
    std::env::var("STORE_BENCH_BATCH")
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(100_000)
}

fn dir() -> PathBuf {
    let d = PathBuf::from("target/bench-store");
    std::fs::create_dir_all(&d).expect("bench directory");
    d
}

fn fresh(name: &str) -> PathBuf {
    let p = dir().join(name);
    for suffix in ["", "-wal", "-shm"] {
        let mut f = p.as_os_str().to_owned();
        f.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(f));
    }
    p
}

fn remove(path: &Path) {
    if std::env::var_os("STORE_BENCH_KEEP").is_some() {
        return;
    }
    for suffix in ["", "-wal", "-shm"] {
        let mut f = path.as_os_str().to_owned();
        f.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(f));
    }
}

/// Loads the records in batches; returns the wall-clock and CPU seconds it took.
fn load(store: &SqliteStore, customers: &[&Customer]) -> (f64, f64) {
    let (t, cpu) = (Instant::now(), cpu_secs());
    for chunk in customers.chunks(batch_size().max(1)) {
        let batch: Vec<Change> = chunk.iter().map(|c| Change::Insert((*c).clone())).collect();
        store.apply(batch).expect("bulk load");
    }
    (t.elapsed().as_secs_f64(), cpu_secs() - cpu)
}

/// A small seeded generator for picking records.
struct Pick(u64);

impl Pick {
    fn next(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }
}

fn time<T>(f: impl FnOnce() -> T) -> f64 {
    let t = Instant::now();
    let _ = std::hint::black_box(f());
    t.elapsed().as_secs_f64() * 1e6
}

/// Reads per second of 8 threads doing `get` of random ids for about a second each.
fn parallel_gets(store: &SqliteStore, ids: &[CustomerId]) -> f64 {
    let per_thread = 20_000;
    let t = Instant::now();
    std::thread::scope(|s| {
        for k in 0..8u64 {
            s.spawn(move || {
                let mut pick = Pick(0x9E37_79B9 + k);
                for _ in 0..per_thread {
                    let id = &ids[pick.next(ids.len())];
                    std::hint::black_box(store.get(id).expect("get"));
                }
            });
        }
    });
    (8 * per_thread) as f64 / t.elapsed().as_secs_f64()
}

fn main() {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.replace('_', "").parse().ok())
        .unwrap_or(1_000_000);
    let t = Instant::now();
    let data = generate(&SynthConfig {
        customers: n,
        ..SynthConfig::default()
    })
    .expect("generate");
    eprintln!(
        "generated {n} customers in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let all: Vec<&Customer> = data.customers.iter().collect();

    // Bulk load, contact keys.
    let path = fresh("contact.db");
    let store = SqliteStore::open(&path).expect("open");
    let (secs, cpu) = load(&store, &all);
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0)
        + std::fs::metadata(dir().join("contact.db-wal"))
            .map(|m| m.len())
            .unwrap_or(0);
    println!("| job | result |");
    println!("|---|---:|");
    println!(
        "| bulk load {n} customers (contact keys; batches of {}) | {secs:.1} s, {cpu:.1} s of CPU ({:.0} customers/s; file {:.0} MiB) |",
        batch_size(),
        n as f64 / secs,
        size as f64 / 1048576.0
    );

    if std::env::var_os("STORE_BENCH_LOAD_ONLY").is_some() {
        remove(&path);
        return;
    }

    // Point reads on one thread.
    let ids: Vec<CustomerId> = data.customers.iter().map(|c| c.id.clone()).collect();
    let mut pick = Pick(42);
    let gets: Vec<f64> = (0..20_000)
        .map(|_| {
            let id = &ids[pick.next(ids.len())];
            time(|| store.get(id).expect("get"))
        })
        .collect();
    let (p50, p99) = percentiles(gets);
    println!("| `get` latency, median / p99 | {p50:.1} µs / {p99:.1} µs |");
    let phones: Vec<SecondaryKey> = data
        .customers
        .iter()
        .filter_map(|c| c.phones.first())
        .filter_map(|p| SecondaryKey::phone(&p.number))
        .collect();
    let lookups: Vec<f64> = (0..20_000)
        .map(|_| {
            let key = &phones[pick.next(phones.len())];
            time(|| store.lookup(key).expect("lookup"))
        })
        .collect();
    let (p50, p99) = percentiles(lookups);
    println!("| phone `lookup` latency, median / p99 | {p50:.1} µs / {p99:.1} µs |");
    let sample: Vec<CustomerId> = (0..100)
        .map(|_| ids[pick.next(ids.len())].clone())
        .collect();
    let many: Vec<f64> = (0..200)
        .map(|_| time(|| store.get_many(&sample).expect("get_many")))
        .collect();
    let (p50, _) = percentiles(many);
    println!("| `get_many` of 100 ids, median | {p50:.0} µs |");

    // Parallel reads: the reader pool against one shared connection.
    let pooled = parallel_gets(&store, &ids);
    drop(store);
    let shared = SqliteStore::open_with(
        &path,
        SqliteOptions {
            readers: 0,
            ..SqliteOptions::default()
        },
    )
    .expect("reopen");
    let one = parallel_gets(&shared, &ids);
    println!(
        "| 8 threads of `get`: reader pool / one shared connection | {pooled:.0} / {one:.0} reads/s |"
    );
    drop(shared);
    remove(&path);

    // match_one against a store of every record but 1,000, indexing contact and blocking keys.
    let dedupe = Deduplicator::new();
    let step = (n / 1_000).max(1);
    type Numbered<'a> = Vec<(usize, &'a Customer)>;
    let (held, stored): (Numbered, Numbered) = data
        .customers
        .iter()
        .enumerate()
        .partition(|(i, _)| i % step == 0 && i / step < 1_000);
    let t = Instant::now();
    let training: Vec<Customer> = data.customers.iter().take(100_000).cloned().collect();
    let model = dedupe.train(&training).expect("train");
    drop(training);
    eprintln!("trained in {:.1} s", t.elapsed().as_secs_f64());
    let path = fresh("match.db");
    let options = SqliteOptions::default().indexers(KeyIndexers::contact().and(dedupe.indexer()));
    let store = SqliteStore::open_with(&path, options).expect("open");
    let stored: Vec<&Customer> = stored.into_iter().map(|(_, c)| c).collect();
    let (secs, cpu) = load(&store, &stored);
    println!(
        "| bulk load {} customers (contact and blocking keys) | {secs:.1} s, {cpu:.1} s of CPU ({:.0} customers/s) |",
        stored.len(),
        stored.len() as f64 / secs
    );
    let mut found = 0usize;
    let lat: Vec<f64> = held
        .iter()
        .map(|(_, c)| {
            let t = Instant::now();
            let m = dedupe.match_one(c, &store, &model).expect("match_one");
            found += m.len();
            t.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    let (p50, p99) = percentiles(lat);
    println!(
        "| `match_one` against {} stored, median / p99 | {:.2} ms / {:.2} ms ({found} matches for {} records) |",
        stored.len(),
        p50 / 1000.0,
        p99 / 1000.0,
        held.len()
    );
    drop(store);
    remove(&path);
}
