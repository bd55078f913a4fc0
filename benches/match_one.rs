//! `match_one` for a sign-up form, and importing into a live store:
//! `cargo bench --bench match_one` (features `sqlite` and `entry`, on in benches).
//!
//! For each size N (`MATCH_ONE_SIZES`, default `100000 1000000`), on data from the seeded
//! generator (`clientele::synth`, 10% duplicates, half Chinese names): N + extra records are
//! generated, `extra` of them spread over the data held out (1,000 probes, or the import's new
//! records at the import size) and the N others stored, in a `MemoryStore` and a `SqliteStore`
//! (`MATCH_ONE_STORES`, default `memory sqlite`) indexing contact and blocking keys. A batch run
//! ([`Deduplicator::run`]) over all N + extra records gives the model and the pairs to find
//! again. Then, per store:
//! - `match_one` (through a `Matcher` made once) of each of the 1,000 probes (`MATCH_ONE_PROBES`), one thread: median and p99
//!   latency, recall against the batch run's pairs of the probes with stored records, and
//!   against the true pairs (the probes' stored duplicates);
//! - with 1, 2 and 8 threads (`MATCH_ONE_THREADS`), each matching every probe: calls per second
//!   and the latency of each call (median, p99);
//! - at `MATCH_ONE_IMPORT_AT` (default `1000000`; empty for none): importing the
//!   `MATCH_ONE_IMPORT_NEW` (default 100,000) held-out records with [`Importer::import`] (default
//!   policy, model trained on 100,000 stored records first), records per second, with
//!   `MATCH_ONE_IMPORT_CHUNK` rows planned at once (default 32, the importer's; `1` plans and
//!   commits one row at a time, as the importer did before chunks).
//!
//! `MATCH_ONE_PROFILE_SECS=S` first matches the probes over and over for S seconds (to profile).
//! Files go to `target/bench-match-one/` and are deleted afterwards. Rows of results go to
//! standard output as markdown, details to standard error.

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::time::Instant;

use clientele::dedupe::{Deduplicator, Match, TrainedModel};
use clientele::entry::{Importer, Incoming};
use clientele::store::{
    Change, CustomerStore, KeyIndexers, MemoryStore, SqliteOptions, SqliteStore,
};
use clientele::synth::{SynthConfig, generate};
use clientele::{Customer, Error};

mod common;
use common::{cpu_secs, percentiles};

fn env_list(name: &str, default: &str) -> Vec<String> {
    std::env::var(name)
        .unwrap_or_else(|_| default.to_owned())
        .split_whitespace()
        .map(str::to_owned)
        .collect()
}

fn env_sizes(name: &str, default: &str) -> Vec<usize> {
    env_list(name, default)
        .iter()
        .filter_map(|s| s.replace(['_', ','], "").parse().ok())
        .collect()
}

fn env_usize(name: &str, default: usize) -> usize {
    env_sizes(name, "").first().copied().unwrap_or(default)
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".into())
}

fn bench_path(name: &str) -> PathBuf {
    let dir = PathBuf::from("target/bench-match-one");
    std::fs::create_dir_all(&dir).expect("bench directory");
    let p = dir.join(name);
    remove(&p);
    p
}

fn remove(path: &std::path::Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut f = path.as_os_str().to_owned();
        f.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(f));
    }
}

/// What `match_one` should find for each probe.
struct Expected<'a> {
    /// The batch run's partners of each probe among the stored records.
    batch: HashMap<&'a str, BTreeSet<&'a str>>,
    /// The entity of every record, and how many stored records each entity has.
    entity: HashMap<&'a str, &'a str>,
    stored_members: HashMap<&'a str, usize>,
}

/// Recall against the batch run and against the truth, over the probes.
#[derive(Default)]
struct Recall {
    batch_wanted: usize,
    batch_got: usize,
    true_wanted: usize,
    true_got: usize,
}

impl Recall {
    fn add(&mut self, probe: &Customer, found: &[Match], e: &Expected<'_>) {
        let id = probe.id.as_str();
        if let Some(partners) = e.batch.get(id) {
            self.batch_wanted += partners.len();
            self.batch_got += found
                .iter()
                .filter(|m| partners.contains(m.id.as_str()))
                .count();
        }
        let entity = e.entity.get(id).copied().unwrap_or("");
        self.true_wanted += e.stored_members.get(entity).copied().unwrap_or(0);
        self.true_got += found
            .iter()
            .filter(|m| e.entity.get(m.id.as_str()) == Some(&entity))
            .count();
    }

    fn of_batch(&self) -> f64 {
        ratio(self.batch_got, self.batch_wanted)
    }

    fn of_truth(&self) -> f64 {
        ratio(self.true_got, self.true_wanted)
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 1.0 } else { a as f64 / b as f64 }
}

/// Loads records in batches of 10,000 changes.
fn load<S: CustomerStore>(store: &S, records: &[&Customer]) -> f64 {
    let t = Instant::now();
    for chunk in records.chunks(10_000) {
        let batch = chunk.iter().map(|c| Change::Insert((*c).clone())).collect();
        store.apply(batch).expect("load");
    }
    t.elapsed().as_secs_f64()
}

/// One store's rows: latency and recall on one thread, then the thread counts.
#[allow(clippy::too_many_arguments)]
fn bench_store<S: CustomerStore>(
    label: &str,
    n: usize,
    store: &S,
    dedupe: &Deduplicator,
    model: &TrainedModel,
    probes: &[&Customer],
    expected: &Expected<'_>,
    thread_rows: &mut Vec<String>,
) {
    // Made ready once, as a sign-up form's service would (`Deduplicator::matcher`).
    let matcher = dedupe.matcher(model.clone()).expect("matcher");
    let matcher = &matcher;
    // A first pass warms the caches (and the SQLite reader connections).
    for c in probes.iter().take(100) {
        std::hint::black_box(matcher.match_one(c, store).expect("match_one"));
    }
    // `MATCH_ONE_PROFILE_SECS`: match the probes over and over for that long first (under a
    // profiler).
    let profile = std::time::Duration::from_secs(env_usize("MATCH_ONE_PROFILE_SECS", 0) as u64);
    let t = Instant::now();
    while t.elapsed() < profile {
        for c in probes {
            std::hint::black_box(matcher.match_one(c, store).expect("match_one"));
        }
    }
    let mut recall = Recall::default();
    let cpu = cpu_secs();
    let lat: Vec<f64> = probes
        .iter()
        .map(|c| {
            let t = Instant::now();
            let found = matcher.match_one(c, store).expect("match_one");
            let micros = t.elapsed().as_secs_f64() * 1e6;
            recall.add(c, &found, expected);
            micros
        })
        .collect();
    let cpu_per_call = (cpu_secs() - cpu) / probes.len().max(1) as f64 * 1e6;
    let (p50, p99) = percentiles(lat);
    println!(
        "| {n} | {label} | {p50:.0} µs | {p99:.0} µs | {cpu_per_call:.0} µs | {:.4} ({} of {}) | {:.4} ({} of {}) | {} |",
        recall.of_batch(),
        recall.batch_got,
        recall.batch_wanted,
        recall.of_truth(),
        recall.true_got,
        recall.true_wanted,
        load_average(),
    );
    for threads in env_sizes("MATCH_ONE_THREADS", "1 2 8") {
        let t = Instant::now();
        let lat: Vec<f64> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..threads)
                .map(|k| {
                    s.spawn(move || {
                        // Each thread walks the probes from its own starting point.
                        let start = k * probes.len() / threads.max(1);
                        (0..probes.len())
                            .map(|i| {
                                let c = probes[(start + i) % probes.len()];
                                let t = Instant::now();
                                std::hint::black_box(
                                    matcher.match_one(c, store).expect("match_one"),
                                );
                                t.elapsed().as_secs_f64() * 1e6
                            })
                            .collect::<Vec<f64>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().expect("thread"))
                .collect()
        });
        let per_sec = lat.len() as f64 / t.elapsed().as_secs_f64();
        let (p50, p99) = percentiles(lat);
        thread_rows.push(format!(
            "| {n} | {label} | {threads} | {per_sec:.0} | {p50:.0} µs | {p99:.0} µs | {} |",
            load_average()
        ));
    }
}

/// Imports the held-out records into a store of `stored` records; returns the row.
fn bench_import<S>(label: &str, store: &S, stored: &[&Customer], new: &[&Customer]) -> String
where
    S: CustomerStore,
    Error: From<S::Error>,
{
    let importer = Importer::new("bench").chunk_rows(env_usize("MATCH_ONE_IMPORT_CHUNK", 32));
    let sample: Vec<Customer> = stored.iter().take(100_000).map(|c| (*c).clone()).collect();
    importer.train_on(store, &sample).expect("train");
    drop(sample);
    let rows: Vec<Incoming> = new
        .iter()
        .enumerate()
        .map(|(i, c)| Incoming::new(i as u64 + 2, (*c).clone()))
        .collect();
    let (t, cpu) = (Instant::now(), cpu_secs());
    let report = importer
        .import(store, rows, chrono::Utc::now())
        .expect("import");
    let secs = t.elapsed().as_secs_f64();
    let cpu = cpu_secs() - cpu;
    let c = report.counts();
    format!(
        "| {} | {label} | {} | {secs:.1} s ({cpu:.1} s CPU) | {:.0} | {} inserted, {} merged, {} held, {} rejected | {} |",
        stored.len(),
        new.len(),
        new.len() as f64 / secs,
        c.inserted,
        c.merged,
        c.held,
        c.rejected,
        load_average(),
    )
}

/// One size's inputs, run on each store.
struct Run<'a> {
    n: usize,
    dedupe: &'a Deduplicator,
    model: &'a TrainedModel,
    probes: &'a [&'a Customer],
    expected: &'a Expected<'a>,
    stored: &'a [&'a Customer],
    /// The records to import, when importing.
    held: Option<&'a [&'a Customer]>,
}

impl Run<'_> {
    /// Loads the stored records into `store`, then measures it.
    fn on<S>(&self, label: &str, store: &S, threads: &mut Vec<String>, imports: &mut Vec<String>)
    where
        S: CustomerStore,
        Error: From<S::Error>,
    {
        let secs = load(store, self.stored);
        eprintln!("{}: {label} loaded in {secs:.1} s", self.n);
        bench_store(
            label,
            self.n,
            store,
            self.dedupe,
            self.model,
            self.probes,
            self.expected,
            threads,
        );
        if let Some(held) = self.held {
            imports.push(bench_import(label, store, self.stored, held));
        }
    }
}

fn main() {
    let sizes = env_sizes("MATCH_ONE_SIZES", "100000 1000000");
    let stores = env_list("MATCH_ONE_STORES", "memory sqlite");
    let import_at = env_sizes("MATCH_ONE_IMPORT_AT", "1000000");
    let import_new = env_usize("MATCH_ONE_IMPORT_NEW", 100_000);
    let probe_count = env_usize("MATCH_ONE_PROBES", 1_000);
    println!(
        "| stored | store | median | p99 | CPU per call | recall of the batch run's pairs | recall of the true pairs | load |"
    );
    println!("|---:|---|---:|---:|---:|---:|---:|---:|");
    let (mut thread_rows, mut import_rows) = (Vec::new(), Vec::new());
    for n in sizes {
        let importing = import_at.contains(&n);
        let extra = if importing {
            import_new.max(probe_count)
        } else {
            probe_count
        };
        let t = Instant::now();
        let data = generate(&SynthConfig {
            customers: n + extra,
            ..SynthConfig::default()
        })
        .expect("generate");
        // Held out: `extra` records spread evenly over the data.
        let total = data.customers.len();
        let (mut held, mut stored) = (Vec::new(), Vec::new());
        for (i, c) in data.customers.iter().enumerate() {
            // Record i is held out when it starts a new slot of total / extra records.
            if held.len() < extra && (i * extra) / total != ((i + 1) * extra) / total {
                held.push(c);
            } else {
                stored.push(c);
            }
        }
        let probes: Vec<&Customer> = held
            .iter()
            .step_by((held.len() / probe_count.max(1)).max(1))
            .take(probe_count)
            .copied()
            .collect();
        eprintln!(
            "{n}: generated {total} in {:.1} s; {} held out, {} probes",
            t.elapsed().as_secs_f64(),
            held.len(),
            probes.len()
        );
        let dedupe = Deduplicator::new();
        let t = Instant::now();
        let result = dedupe.run(&data.customers).expect("batch run");
        eprintln!(
            "{n}: batch run over {total} in {:.1} s, {} pairs",
            t.elapsed().as_secs_f64(),
            result.pairs.len()
        );
        let probe_ids: BTreeSet<&str> = probes.iter().map(|c| c.id.as_str()).collect();
        let held_ids: BTreeSet<&str> = held.iter().map(|c| c.id.as_str()).collect();
        let mut batch: HashMap<&str, BTreeSet<&str>> = HashMap::new();
        for p in &result.pairs {
            let (a, b) = (p.id_1.as_str(), p.id_2.as_str());
            for (x, y) in [(a, b), (b, a)] {
                if probe_ids.contains(x) && !held_ids.contains(y) {
                    batch.entry(x).or_default().insert(y);
                }
            }
        }
        let entity: HashMap<&str, &str> = data
            .truth
            .iter()
            .map(|(id, e)| (id.as_str(), e.as_str()))
            .collect();
        let mut stored_members: HashMap<&str, usize> = HashMap::new();
        for c in &stored {
            if let Some(e) = entity.get(c.id.as_str()) {
                *stored_members.entry(e).or_default() += 1;
            }
        }
        let expected = Expected {
            batch,
            entity,
            stored_members,
        };
        let indexers = KeyIndexers::contact().and(dedupe.indexer());
        let run = Run {
            n,
            dedupe: &dedupe,
            model: &result.model,
            probes: &probes,
            expected: &expected,
            stored: &stored,
            held: importing.then_some(&held[..]),
        };
        for kind in &stores {
            match kind.as_str() {
                "memory" => {
                    let store = MemoryStore::with_indexers(indexers.clone());
                    run.on("MemoryStore", &store, &mut thread_rows, &mut import_rows);
                }
                "sqlite" => {
                    let path = bench_path(&format!("match-one-{n}.db"));
                    let options = SqliteOptions::default().indexers(indexers.clone());
                    let store = SqliteStore::open_with(&path, options).expect("open");
                    run.on("SqliteStore", &store, &mut thread_rows, &mut import_rows);
                    drop(store);
                    remove(&path);
                }
                other => panic!("MATCH_ONE_STORES: `memory` or `sqlite`, not `{other}`"),
            }
        }
    }
    if !thread_rows.is_empty() {
        println!();
        println!("| stored | store | threads | calls/s | median | p99 | load |");
        println!("|---:|---|---:|---:|---:|---:|---:|");
        for r in thread_rows {
            println!("{r}");
        }
    }
    if !import_rows.is_empty() {
        println!();
        println!("| stored | store | new records | time | records/s | outcomes | load |");
        println!("|---:|---|---:|---:|---:|---|---:|");
        for r in import_rows {
            println!("{r}");
        }
    }
}
