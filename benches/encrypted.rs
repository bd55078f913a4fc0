//! Encryption at rest (features `encryption`, `sqlite`): `cargo bench --bench encrypted [-- N]`
//! (default 100,000 customers).
//!
//! On data from the seeded generator (`clientele::synth`): loading N customers into a fresh
//! SQLite file in batches of 10,000 `Insert`s, plain (`SqliteStore`) and encrypted
//! (`crypto::EncryptedStore` over `SqliteStore`: phones, emails, ID numbers and birth dates
//! sealed with AES-256-GCM, every key stored as an HMAC-SHA-256 blind key), each with the
//! contact keys alone and with the duplicate detector's blocking keys too (what the importer
//! indexes); then a full scan (every record read, and opened when encrypted) and 20,000 phone
//! lookups. Files go to `target/bench-encrypted/` and are deleted afterwards.

use std::path::{Path, PathBuf};
use std::time::Instant;

use clientele::crypto::{EncryptedStore, EncryptionOptions, Key};
use clientele::dedupe::Deduplicator;
use clientele::store::{
    Change, CustomerStore, KeyIndexers, SecondaryKey, SqliteOptions, SqliteStore, batches,
};
use clientele::synth::{SynthConfig, generate};
use clientele::{Customer, Error};

const BATCH: usize = 10_000;
const LOOKUPS: usize = 20_000;

fn fresh(name: &str) -> PathBuf {
    let d = PathBuf::from("target/bench-encrypted");
    std::fs::create_dir_all(&d).expect("bench directory");
    let p = d.join(name);
    remove(&p);
    p
}

fn remove(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut f = path.as_os_str().to_owned();
        f.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(f));
    }
}

/// Seconds to load, scan and look up.
struct Times {
    load: f64,
    scan: f64,
    lookup: f64,
}

fn measure<S: CustomerStore<Error = Error>>(store: &S, customers: &[Customer]) -> Times {
    let t = Instant::now();
    for chunk in customers.chunks(BATCH) {
        let batch: Vec<Change> = chunk.iter().cloned().map(Change::Insert).collect();
        store.apply(batch).expect("load");
    }
    let load = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let mut n = 0;
    for b in batches(store, 4096) {
        n += b.expect("scan").len();
    }
    assert_eq!(n, customers.len());
    let scan = t.elapsed().as_secs_f64();
    let keys: Vec<SecondaryKey> = customers
        .iter()
        .filter_map(|c| c.phones.first())
        .filter_map(|p| SecondaryKey::phone(&p.number))
        .take(LOOKUPS)
        .collect();
    let t = Instant::now();
    let mut found = 0;
    for k in &keys {
        found += usize::from(!store.lookup(k).expect("lookup").is_empty());
    }
    assert_eq!(found, keys.len());
    let lookup = t.elapsed().as_secs_f64() / keys.len().max(1) as f64;
    Times { load, scan, lookup }
}

fn main() {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.replace('_', "").parse().ok())
        .unwrap_or(100_000);
    let data = generate(&SynthConfig {
        customers: n,
        ..SynthConfig::default()
    })
    .expect("generate");
    let customers = data.customers;
    let key = Key::from_bytes([0x5a; 32]);
    println!("| indexers | store | load {n} (s) | vs plain | scan (s) | phone lookup (µs) |");
    println!("|---|---|---:|---:|---:|---:|");
    let sets = [
        ("contact keys", KeyIndexers::contact()),
        (
            "contact + blocking keys",
            KeyIndexers::contact().and(Deduplicator::new().indexer()),
        ),
    ];
    for (name, indexers) in sets {
        let path = fresh("plain.db");
        let plain = {
            let store =
                SqliteStore::open_with(&path, SqliteOptions::default().indexers(indexers.clone()))
                    .expect("open");
            measure(&store, &customers)
        };
        remove(&path);
        let path = fresh("encrypted.db");
        let sealed = {
            let options = EncryptionOptions::default().indexers(indexers);
            let store = EncryptedStore::open_sqlite(&path, &key, options).expect("open");
            measure(&store, &customers)
        };
        remove(&path);
        for (store, t) in [("plain", &plain), ("encrypted", &sealed)] {
            println!(
                "| {name} | {store} | {:.2} | {:.2}x | {:.2} | {:.1} |",
                t.load,
                t.load / plain.load,
                t.scan,
                t.lookup * 1e6
            );
        }
    }
}
