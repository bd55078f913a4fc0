//! The encrypting store (`crypto::EncryptedStore`, features `encryption` and `sqlite`): the
//! store contract over a `MemoryStore` and a `SqliteStore`; the bundled sample imported into an
//! encrypted file holds none of its phones, emails, ID numbers or birth dates anywhere in the
//! file, finds the same duplicate clusters as a plain store and answers lookups; a wrong key or
//! a plain file is refused; any record round-trips; key rotation while readers read.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{TimeZone, Utc};
use clientele::crypto::{EncryptedStore, EncryptionOptions, Key};
use clientele::entry::{Importer, Incoming, OnMatch, Policy};
use clientele::files::{ReadOptions, read_path};
use clientele::normalize::Normalizer;
use clientele::store::conformance;
use clientele::store::{
    Change, CustomerStore, Document, MemoryStore, SecondaryKey, SqliteOptions, SqliteStore,
};
use clientele::{Customer, CustomerId, Error};
use proptest::prelude::*;

mod common;
use common::clusters::clusters;

#[path = "sqlite_raw/mod.rs"]
mod sqlite_raw;
use sqlite_raw::{Scratch, file_bytes};

fn key(byte: u8) -> Key {
    Key::from_bytes([byte; 32])
}

fn sample() -> Vec<Incoming> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/data/customers.csv");
    let file = read_path(&path, &ReadOptions::default()).unwrap();
    file.customers
        .into_iter()
        .zip(file.lines)
        .map(|(c, line)| Incoming::new(line, c))
        .collect()
}

fn importer() -> Importer {
    Importer::new("sample").policy(
        Policy::default()
            .on_match(OnMatch::Merge)
            .merge_above(0.5)
            .review_above(0.5),
    )
}

fn import_into<S>(store: &S, rows: &[Incoming])
where
    S: CustomerStore<Error = Error>,
{
    let importer = importer();
    let all: Vec<Customer> = rows.iter().map(|r| r.customer.clone()).collect();
    importer.train_on(store, &all).unwrap();
    let at = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
    let report = importer.import(store, rows.to_vec(), at).unwrap();
    assert_eq!(report.counts().rejected, 0, "{:?}", report.rejected_lines());
}

fn encrypted_sqlite(path: &Path, key: &Key) -> EncryptedStore<SqliteStore> {
    let options = EncryptionOptions::default().indexers(importer().indexers());
    EncryptedStore::open_sqlite(path, key, options).unwrap()
}

/// Every written and normalized form of the sample's phones, emails, ID numbers and birth
/// dates that is long enough not to occur in hex ciphertext by chance (9 characters or more).
fn planted(rows: &[Incoming]) -> BTreeSet<String> {
    let n = Normalizer::default();
    let mut out = BTreeSet::new();
    for r in rows {
        let c = &r.customer;
        for p in &c.phones {
            let digits: String = p.number.chars().filter(char::is_ascii_digit).collect();
            out.insert(p.number.clone());
            out.insert(digits);
            if let Some(k) = n.phone_key(&p.number, Some("CN")) {
                out.insert(k.clone());
                out.insert(k.chars().filter(char::is_ascii_digit).collect());
            }
        }
        for e in &c.emails {
            out.insert(e.address.clone());
            out.insert(e.address.to_lowercase());
            if let Some(k) = n.email_key(&e.address) {
                out.insert(k);
            }
        }
        for id in &c.national_ids {
            out.insert(id.value.clone());
            out.insert(id.value.to_uppercase());
        }
        if let Some(d) = c.birth_date {
            out.insert(d.to_string());
        }
    }
    out.retain(|s| s.chars().count() >= 9);
    out
}

#[test]
fn the_sample_in_an_encrypted_file_leaves_no_plain_value_and_finds_the_same_clusters() {
    let rows = sample();
    let scratch = Scratch::new("encrypted-sample");
    let path = scratch.path("store.db");
    let k = key(7);
    {
        let store = encrypted_sqlite(&path, &k);
        import_into(&store, &rows);
        // Lookups by phone, email and ID answer through the blind keys.
        let c = rows
            .iter()
            .map(|r| &r.customer)
            .find(|c| !c.phones.is_empty() && !c.emails.is_empty() && !c.national_ids.is_empty())
            .unwrap();
        for k in [
            SecondaryKey::phone(&c.phones[0].number),
            SecondaryKey::email(&c.emails[0].address),
            SecondaryKey::national_id(&c.national_ids[0].value),
        ] {
            let ids = store.lookup(&k.unwrap()).unwrap();
            assert!(!ids.is_empty(), "no answer for a key of {}", c.id);
        }
        // The same clusters as the same import into a plain store.
        let plain =
            SqliteStore::in_memory_with(SqliteOptions::default().indexers(importer().indexers()))
                .unwrap();
        import_into(&plain, &rows);
        let want = clusters(&plain);
        let got = clusters(&store);
        let want_sets: BTreeSet<_> = want.keys().cloned().collect();
        let got_sets: BTreeSet<_> = got.keys().cloned().collect();
        assert_eq!(got_sets, want_sets);
        assert!(want_sets.len() < rows.len(), "the sample has duplicates");
        for (members, c) in &want {
            let mut g = got[members].clone();
            // Timestamps of the two runs' writes aside, the merged records agree.
            g.created_at = c.created_at;
            g.updated_at = c.updated_at;
            assert_eq!(&g, c, "cluster {members:?}");
        }
        assert!(
            store.scan_merges(None, 1).unwrap().len() == 1,
            "merges were made"
        );
    }
    let bytes = file_bytes(&path);
    let needles = planted(&rows);
    assert!(needles.len() > 500, "{} values searched", needles.len());
    let pattern: Vec<String> = needles.iter().map(|s| regex::escape(s)).collect();
    let re = regex::bytes::Regex::new(&pattern.join("|")).unwrap();
    let found: BTreeSet<String> = re
        .find_iter(&bytes)
        .map(|m| String::from_utf8_lossy(m.as_bytes()).into_owned())
        .collect();
    assert!(found.is_empty(), "plain values in the file: {found:?}");
    // The same search finds them in a plain store's file (the search works).
    let plain_path = scratch.path("plain.db");
    {
        let plain = SqliteStore::open_with(
            &plain_path,
            SqliteOptions::default().indexers(importer().indexers()),
        )
        .unwrap();
        import_into(&plain, &rows[..20]);
    }
    assert!(re.is_match(&file_bytes(&plain_path)));
}

#[test]
fn a_wrong_key_a_plain_file_and_a_plain_inner_store_are_refused() {
    let scratch = Scratch::new("encrypted-refusals");
    let path = scratch.path("store.db");
    let c = Customer::builder(
        CustomerId::new("C1").unwrap(),
        clientele::CustomerKind::Person,
    )
    .phone("13800135678")
    .build();
    encrypted_sqlite(&path, &key(1)).put(c.clone()).unwrap();
    let err = EncryptedStore::open_sqlite(&path, &key(2), EncryptionOptions::default())
        .map(|_| ())
        .unwrap_err();
    assert!(
        matches!(&err, Error::Decrypt { field, .. } if field == "store key"),
        "{err}"
    );
    assert!(err.to_string().contains("another key"), "{err}");
    // The right key still opens it.
    assert_eq!(
        encrypted_sqlite(&path, &key(1)).get(&c.id).unwrap(),
        Some(c.clone())
    );

    // A plain file is refused and left as it was.
    let plain = scratch.path("plain.db");
    SqliteStore::open(&plain).unwrap().put(c.clone()).unwrap();
    let before = std::fs::read(&plain).unwrap();
    let err = EncryptedStore::open_sqlite(&plain, &key(1), EncryptionOptions::default())
        .map(|_| ())
        .unwrap_err();
    assert!(err.to_string().contains("plain"), "{err}");
    assert_eq!(std::fs::read(&plain).unwrap(), before);

    // An inner store not built with the blind-key indexer.
    let err = EncryptedStore::new(MemoryStore::new(), &key(1), EncryptionOptions::default())
        .map(|_| ())
        .unwrap_err();
    assert!(err.to_string().contains("blind keys"), "{err}");
}

#[test]
fn the_store_contract_holds_over_a_memory_store() {
    let store = EncryptedStore::memory(&key(3), EncryptionOptions::default()).unwrap();
    let report = conformance::run(&store).unwrap();
    assert!(report.checks > 100, "only {} checks ran", report.checks);
    conformance::concurrency(&store, 4).unwrap();
    conformance::faults(&store).unwrap();
}

#[test]
fn the_store_contract_holds_over_a_sqlite_file() {
    let scratch = Scratch::new("encrypted-conformance");
    let store = EncryptedStore::open_sqlite(
        scratch.path("store.db"),
        &key(4),
        EncryptionOptions::default(),
    )
    .unwrap();
    conformance::run(&store).unwrap();
    conformance::concurrency(&store, 4).unwrap();
    conformance::faults(&store).unwrap();
}

#[test]
fn the_reserved_namespace_and_fields_are_refused_and_hidden() {
    let store = EncryptedStore::memory(&key(5), EncryptionOptions::default()).unwrap();
    assert!(store.document_namespaces().unwrap().is_empty());
    assert!(store.changes_since(0, 10).unwrap().is_empty());
    let doc = Document::new("clientele.encryption", "state", "{}");
    assert!(store.apply(vec![Change::PutDocument(doc)]).is_err());
    let mut c = Customer::builder(
        CustomerId::new("C1").unwrap(),
        clientele::CustomerKind::Person,
    )
    .build();
    c.custom.insert(
        "_blind_keys".into(),
        clientele::model::CustomValue::Text("x".into()),
    );
    assert!(store.put(c).is_err());
    assert_eq!(store.len().unwrap(), 0);
}

fn filled(n: usize) -> (EncryptedStore<MemoryStore>, Vec<Customer>) {
    let store = EncryptedStore::memory(
        &key(10),
        EncryptionOptions {
            batch: 16,
            ..EncryptionOptions::default()
        },
    )
    .unwrap();
    let people: Vec<Customer> = (0..n)
        .map(|i| {
            let mut c = Customer::builder(
                CustomerId::new(format!("C{i:04}")).unwrap(),
                clientele::CustomerKind::Person,
            )
            .phone(format!("1380013{i:04}"))
            .email(format!("p{i}@example.cn"))
            .build();
            c.birth_date = chrono::NaiveDate::from_ymd_opt(1980, 1, 1 + (i % 28) as u32);
            c
        })
        .collect();
    store
        .apply(people.iter().cloned().map(Change::Insert).collect())
        .unwrap();
    (store, people)
}

#[test]
fn rotation_reseals_everything_while_readers_read_and_writers_write() {
    let (store, people) = filled(300);
    let old_id = store.key_id();
    let stop = AtomicBool::new(false);
    let reads = std::thread::scope(|s| {
        let readers: Vec<_> = (0..2)
            .map(|t| {
                let (store, people, stop) = (&store, &people, &stop);
                s.spawn(move || {
                    let mut n = 0usize;
                    while !stop.load(Ordering::Relaxed) || n == 0 {
                        // The writer changes the first 50 back and forth: read the others.
                        let c = &people[50 + (n * 7 + t) % (people.len() - 50)];
                        assert_eq!(store.get(&c.id).unwrap().as_ref(), Some(c));
                        let k = SecondaryKey::phone(&c.phones[0].number).unwrap();
                        assert_eq!(store.lookup(&k).unwrap(), vec![c.id.clone()]);
                        n += 1;
                    }
                    n
                })
            })
            .collect();
        let writer = s.spawn(|| {
            for person in people.iter().take(50) {
                let mut c = person.clone();
                c.tags.insert("during".into());
                store
                    .apply(vec![Change::expect_record(person), Change::Put(c.clone())])
                    .unwrap();
                store
                    .apply(vec![Change::expect_record(&c), Change::Put(person.clone())])
                    .unwrap();
            }
        });
        let done = store.rotate(&key(11)).unwrap();
        writer.join().unwrap();
        stop.store(true, Ordering::Relaxed);
        assert_eq!(done.customers, 300);
        readers
            .into_iter()
            .map(|r| r.join().unwrap())
            .sum::<usize>()
    });
    assert!(reads > 0);
    assert_ne!(store.key_id(), old_id);
    // Nothing sealed with the old key is left, and the records read back as they were.
    for raw in store.inner().scan(None, usize::MAX).unwrap() {
        assert!(!raw.phones[0].number.contains(&old_id));
    }
    for c in &people {
        assert_eq!(store.get(&c.id).unwrap().as_ref(), Some(c));
    }
    // The old key no longer opens it; the new one does.
    let inner = store.into_inner();
    assert!(EncryptedStore::new(&inner, &key(10), EncryptionOptions::default()).is_err());
    let reopened = EncryptedStore::new(&inner, &key(11), EncryptionOptions::default()).unwrap();
    assert_eq!(reopened.len().unwrap(), 300);
}

#[test]
fn changing_the_logical_indexers_reindexes_on_opening() {
    let scratch = Scratch::new("encrypted-reindex");
    let path = scratch.path("store.db");
    let c = Customer::builder(
        CustomerId::new("C1").unwrap(),
        clientele::CustomerKind::Person,
    )
    .phone("13800135678")
    .build();
    let k = SecondaryKey::phone("13800135678").unwrap();
    {
        let store = EncryptedStore::open_sqlite(
            &path,
            &key(6),
            EncryptionOptions::default().indexers(clientele::store::KeyIndexers::none()),
        )
        .unwrap();
        store.put(c.clone()).unwrap();
        assert!(store.lookup(&k).unwrap().is_empty());
    }
    let store = EncryptedStore::open_sqlite(&path, &key(6), EncryptionOptions::default()).unwrap();
    assert_eq!(store.lookup(&k).unwrap(), vec![c.id]);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Any record written through the encrypted store reads back exactly, over memory and
    /// SQLite, and its phones, emails and ids are not in the inner store's record.
    #[test]
    fn any_record_round_trips(c in common::customer()) {
        let memory = EncryptedStore::memory(&key(8), EncryptionOptions::default()).unwrap();
        let sqlite = EncryptedStore::new(
            SqliteStore::in_memory_with(
                SqliteOptions::default().indexers(EncryptedStore::<SqliteStore>::inner_indexers()),
            ).unwrap(),
            &key(8),
            EncryptionOptions::default(),
        ).unwrap();
        memory.put(c.clone()).unwrap();
        sqlite.put(c.clone()).unwrap();
        prop_assert_eq!(memory.get(&c.id).unwrap(), Some(c.clone()));
        prop_assert_eq!(sqlite.get(&c.id).unwrap(), Some(c.clone()));
        let raw = memory.inner().get(&c.id).unwrap().unwrap();
        for p in &raw.phones {
            prop_assert!(p.number.starts_with("enc1:"));
        }
        for e in &raw.emails {
            prop_assert!(e.address.starts_with("enc1:"));
        }
        prop_assert!(raw.birth_date.is_none());
        for k in memory.indexer().keys_of(&c) {
            prop_assert_eq!(memory.lookup(&k).unwrap(), vec![c.id.clone()]);
        }
    }
}
