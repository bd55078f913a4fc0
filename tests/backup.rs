//! Backup and restore of a whole store (feature `backup`): round trips between `MemoryStore` and
//! `SqliteStore` to identical snapshots and byte-identical second backups; truncated, flipped,
//! reordered, forged and newer-version backups refused with the target left empty; non-empty
//! targets refused; any store content round-trips (proptest).
#![cfg(all(feature = "backup", feature = "sqlite", feature = "entry"))]

mod common;
#[path = "sqlite_raw/mod.rs"]
mod sqlite_raw;

use std::path::Path;
use std::sync::OnceLock;

use chrono::{DateTime, TimeZone, Utc};
use clientele::entry::{Importer, Incoming, OnMatch, Policy, review_queue};
use clientele::files::{ReadOptions, read_path};
use clientele::merge::Merger;
use clientele::model::{CurrencyCode, Interaction, InteractionKind, Money, Transaction};
use clientele::store::conformance::{Snapshot, snapshot};
use clientele::store::{
    BackupOptions, Change, CustomerStore, Document, MemoryStore, RestoreOptions, SqliteOptions,
    SqliteStore, backup, restore, verify_backup,
};
use clientele::{Customer, CustomerId, CustomerKind, Error};
use proptest::prelude::*;
use sha2::{Digest, Sha256};
use sqlite_raw::Scratch;

/// Length of the stream header: the magic (21 bytes) and the version (4).
const HEAD: usize = 25;

fn at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 2, 9, 0, 0).unwrap()
}

fn options() -> BackupOptions {
    BackupOptions::new().created(at())
}

fn id(s: &str) -> CustomerId {
    CustomerId::new(s).unwrap()
}

fn tx(customer: &CustomerId, cents: i64) -> Transaction {
    Transaction::new(
        customer.clone(),
        at(),
        Money {
            minor_units: cents,
            currency: CurrencyCode::new("CNY").unwrap(),
        },
    )
    .with_reference(format!("order-{cents}"))
}

fn call(customer: &CustomerId) -> Interaction {
    Interaction::new(customer.clone(), at(), InteractionKind::Call).with_note("回电 138 0013 5678")
}

/// Adds a transaction and an interaction to every `step`-th customer of the store.
fn add_activity<S: CustomerStore<Error = Error>>(store: &S, step: usize) {
    let ids: Vec<CustomerId> = clientele::store::batches(store, 1000)
        .flat_map(|b| b.unwrap())
        .map(|c| c.id)
        .step_by(step)
        .collect();
    let mut changes = Vec::new();
    for (i, c) in ids.iter().enumerate() {
        changes.push(Change::AddTransaction(tx(c, 1000 + i as i64)));
        changes.push(Change::AddInteraction(call(c)));
    }
    store.apply(changes).unwrap();
}

/// The bundled sample imported with the entry importer (two thirds merging matches, the rest
/// holding them for review: external ids, review queue and model documents), activity on every 5th customer, a
/// merge by the Merger and a caller's document.
fn sample_store() -> MemoryStore {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/data/customers.csv");
    let file = read_path(&path, &ReadOptions::default()).unwrap();
    let importer =
        Importer::new("sample").policy(Policy::default().merge_above(0.5).review_above(0.5));
    let store = MemoryStore::with_indexers(importer.indexers());
    importer.train_on(&store, &file.customers).unwrap();
    let rows: Vec<Incoming> = file
        .customers
        .into_iter()
        .zip(file.lines)
        .map(|(c, line)| Incoming::new(line, c))
        .collect();
    // Two thirds merged automatically, the rest held for review.
    let cut = rows.len() * 2 / 3;
    importer.import(&store, rows[..cut].to_vec(), at()).unwrap();
    let reviewing = Importer::new("sample").policy(Policy::default().on_match(OnMatch::Review));
    let report = reviewing
        .import(&store, rows[cut..].to_vec(), at())
        .unwrap();
    assert!(report.counts().held > 0, "{:?}", report.counts());
    add_activity(&store, 5);
    let two: Vec<CustomerId> = store
        .scan(None, 2)
        .unwrap()
        .into_iter()
        .map(|c| c.id)
        .collect();
    Merger::new().merge(&store, &two, at()).unwrap();
    store
        .apply(vec![Change::PutDocument(Document::new(
            "app.audit",
            "0001",
            r#"{"actor":"ann","action":"restore"}"#,
        ))])
        .unwrap();
    store
}

/// The sample store's backup (frames of about 4 KiB) and its snapshot, made once.
fn sample() -> &'static (Vec<u8>, Snapshot) {
    static SAMPLE: OnceLock<(Vec<u8>, Snapshot)> = OnceLock::new();
    SAMPLE.get_or_init(|| {
        let store = sample_store();
        let mut bytes = Vec::new();
        backup(&store, &mut bytes, &options().frame_bytes(4096)).unwrap();
        (bytes, snapshot(&store).unwrap().data())
    })
}

/// A small store: three customers, activity, a merge (the Merger) and two documents.
fn small_store() -> MemoryStore {
    let store = MemoryStore::new();
    for (i, (name, phone)) in [
        ("李娜", "+86 138 0013 5678"),
        ("Li Na", "13800135678"),
        ("王伟", "+86 139 1234 5678"),
    ]
    .into_iter()
    .enumerate()
    {
        let c = Customer::builder(id(&format!("C{i}")), CustomerKind::Person)
            .full_name(name)
            .phone(phone)
            .build();
        store.insert(c).unwrap();
    }
    add_activity(&store, 1);
    Merger::new()
        .merge(&store, &[id("C0"), id("C1")], at())
        .unwrap();
    store
        .apply(vec![
            Change::PutDocument(Document::new("app.audit", "1", "{\"who\":\"ann\"}")),
            Change::PutDocument(Document::new("app.notes", "k", "note")),
        ])
        .unwrap();
    store
}

fn small() -> &'static Vec<u8> {
    static SMALL: OnceLock<Vec<u8>> = OnceLock::new();
    SMALL.get_or_init(|| {
        let mut bytes = Vec::new();
        backup(&small_store(), &mut bytes, &options().frame_bytes(256)).unwrap();
        bytes
    })
}

fn empty() -> Snapshot {
    Snapshot::default()
}

fn data<S: CustomerStore<Error = Error>>(store: &S) -> Snapshot {
    snapshot(store).unwrap().data()
}

fn backup_bytes<S: CustomerStore<Error = Error>>(store: &S) -> Vec<u8> {
    let mut bytes = Vec::new();
    backup(store, &mut bytes, &options().frame_bytes(4096)).unwrap();
    bytes
}

/// Restores `bytes` into `target`, which must refuse them and stay empty.
fn refused<S: CustomerStore<Error = Error>>(bytes: &[u8], target: &S, what: &str) -> Error {
    let err = restore(bytes, target, &RestoreOptions::new().batch(64))
        .err()
        .unwrap_or_else(|| panic!("{what}: restored"));
    assert!(target.is_empty().unwrap(), "{what}: records left");
    assert_eq!(data(target), empty(), "{what}: target not empty");
    err
}

#[test]
fn memory_to_sqlite_to_memory_gives_identical_snapshots_and_byte_identical_backups() {
    let (first, want) = sample();
    assert!(!want.merges.is_empty(), "the sample has merges");
    assert!(!want.activity.is_empty());
    let namespaces: std::collections::BTreeSet<&str> =
        want.documents.keys().map(|(ns, _)| ns.as_str()).collect();
    assert!(namespaces.len() >= 4, "documents of {namespaces:?}");

    let scratch = Scratch::new("backup-roundtrip");
    let importer = Importer::new("sample");
    let sqlite = SqliteStore::open_with(
        scratch.path("copy.db"),
        SqliteOptions::default().indexers(importer.indexers()),
    )
    .unwrap();
    let read = restore(first.as_slice(), &sqlite, &RestoreOptions::new().batch(500)).unwrap();
    assert!(read.batches > 1, "{} batches", read.batches);
    assert_eq!(read.counts.customers, want.customers.len() as u64);
    assert_eq!(read.counts.merges, want.merges.len() as u64);
    assert_eq!(read.counts.documents, want.documents.len() as u64);
    assert_eq!(read.created, at());
    assert_eq!(data(&sqlite), *want);
    // The importer's state reads back through the restored store.
    assert!(!review_queue(&sqlite).unwrap().is_empty());
    let second = backup_bytes(&sqlite);
    assert!(second == *first, "the SQLite copy's backup differs");

    let memory = MemoryStore::new();
    restore(second.as_slice(), &memory, &RestoreOptions::new()).unwrap();
    assert_eq!(data(&memory), *want);
    assert!(backup_bytes(&memory) == *first);
    // And the lookups of the restored stores answer from their own indexes.
    let c = &want.customers[want.customers.len() / 2];
    for key in memory.indexer().keys_of(c) {
        assert!(memory.lookup(&key).unwrap().contains(&c.id));
        assert!(sqlite.lookup(&key).unwrap().contains(&c.id));
    }
}

#[test]
fn summaries_count_what_the_backup_holds_and_agree_on_the_checksum() {
    let store = small_store();
    let mut bytes = Vec::new();
    let written = backup(&store, &mut bytes, &options()).unwrap();
    assert_eq!(written.bytes, bytes.len() as u64);
    assert_eq!(
        (written.counts.customers, written.counts.activities),
        (2, 2),
        "C1 was absorbed into C0"
    );
    assert_eq!(written.counts.transactions, 3, "C0 holds C1's too");
    assert_eq!((written.counts.merges, written.counts.documents), (1, 2));
    let hex: String = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(written.sha256, hex);
    let checked = verify_backup(bytes.as_slice()).unwrap();
    assert_eq!(
        (checked.counts, checked.sha256.clone()),
        (written.counts, hex)
    );
    assert_eq!((checked.frames, checked.batches), (written.frames, 0));
    assert_eq!(checked.namespaces, ["app.audit", "app.notes"]);
}

#[test]
fn a_backup_truncated_at_every_4_kib_boundary_or_odd_offsets_is_refused_and_the_target_stays_empty()
{
    let (bytes, _) = sample();
    assert!(bytes.len() > 64 * 1024, "{} bytes", bytes.len());
    let mut cuts: Vec<usize> = (0..bytes.len()).step_by(4096).collect();
    cuts.extend([
        1,
        7,
        HEAD - 1,
        HEAD,
        HEAD + 3,
        4097,
        10_001,
        bytes.len() - 33,
        bytes.len() - 1,
    ]);
    let mut rolled_back = 0;
    for (i, &cut) in cuts.iter().enumerate() {
        let target = MemoryStore::new();
        let err = refused(&bytes[..cut], &target, &format!("cut at {cut}"));
        assert!(
            matches!(err, Error::BackupCorrupt { .. }),
            "cut at {cut}: {err}"
        );
        assert!(err.to_string().contains("truncated") || cut < HEAD, "{err}");
        // Batches of 64 were written before the cut was found, then removed.
        if !target.changes_since(0, 1).unwrap().is_empty() {
            rolled_back += 1;
        }
        if i % 8 == 0 {
            let sqlite = SqliteStore::in_memory().unwrap();
            refused(&bytes[..cut], &sqlite, &format!("cut at {cut} (SQLite)"));
        }
    }
    assert!(
        rolled_back > cuts.len() / 2,
        "{rolled_back} of {} rolled back",
        cuts.len()
    );
}

#[test]
fn every_single_byte_flipped_is_refused_and_the_target_stays_empty() {
    let bytes = small();
    assert!(bytes.len() < 16 * 1024, "{} bytes", bytes.len());
    for pos in 0..bytes.len() {
        for mask in [0x01u8, 0x80, 0xff] {
            let mut bad = bytes.clone();
            bad[pos] ^= mask;
            let what = format!("byte {pos} ^ {mask:#04x}");
            let err = refused(&bad, &MemoryStore::new(), &what);
            assert!(
                matches!(
                    err,
                    Error::BackupCorrupt { .. } | Error::BackupTooNew { .. }
                ),
                "{what}: {err}"
            );
            assert!(verify_backup(bad.as_slice()).is_err(), "{what}: verified");
            if mask == 0x01 && pos % 23 == 0 {
                refused(&bad, &SqliteStore::in_memory().unwrap(), &what);
            }
        }
    }
}

#[test]
fn a_newer_format_version_is_refused_by_its_number() {
    let mut bad = small().clone();
    bad[HEAD - 4..HEAD].copy_from_slice(&2u32.to_be_bytes());
    let err = refused(&bad, &MemoryStore::new(), "version 2");
    assert!(
        matches!(
            err,
            Error::BackupTooNew {
                found: 2,
                supported: 1
            }
        ),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "the backup has format version 2; this version of clientele reads up to 1; nothing was restored"
    );
}

#[test]
fn a_target_that_holds_anything_is_refused_and_left_unchanged() {
    let bytes = small();
    let with_customer = MemoryStore::new();
    with_customer
        .insert(Customer::builder(id("X"), CustomerKind::Person).build())
        .unwrap();
    let with_document = MemoryStore::new();
    with_document
        .apply(vec![Change::PutDocument(Document::new("n", "k", "b"))])
        .unwrap();
    let with_merge = MemoryStore::new();
    let merge = snapshot(&small_store())
        .unwrap()
        .merges
        .into_values()
        .next()
        .unwrap();
    with_merge
        .apply(vec![Change::InsertMergeRecord(merge)])
        .unwrap();
    for (what, target) in [
        ("a customer", &with_customer),
        ("a document", &with_document),
        ("a merge record", &with_merge),
    ] {
        let before = snapshot(target).unwrap();
        let feed = target.changes_since(0, usize::MAX).unwrap();
        let err = restore(bytes.as_slice(), target, &RestoreOptions::new()).unwrap_err();
        assert!(
            matches!(err, Error::RestoreTargetNotEmpty { .. }),
            "{what}: {err}"
        );
        assert_eq!(snapshot(target).unwrap(), before, "{what}");
        assert_eq!(target.changes_since(0, usize::MAX).unwrap(), feed, "{what}");
    }
    let sqlite = SqliteStore::in_memory().unwrap();
    sqlite
        .insert(Customer::builder(id("X"), CustomerKind::Person).build())
        .unwrap();
    let err = restore(bytes.as_slice(), &sqlite, &RestoreOptions::new()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the target store is not empty (1 customers); nothing was restored"
    );
}

/// The frames of a backup: (offset, length in bytes) of each, after the stream header.
fn frames(bytes: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut at = HEAD;
    while at < bytes.len() {
        let len = u32::from_be_bytes(bytes[at + 1..at + 5].try_into().unwrap()) as usize;
        out.push((at, 5 + len + 32));
        at += 5 + len + 32;
    }
    out
}

#[test]
fn a_frame_dropped_repeated_or_moved_and_bytes_after_the_trailer_are_refused() {
    let bytes = small();
    let f = frames(bytes);
    assert!(f.len() >= 6, "{} frames", f.len());
    let piece = |i: usize| &bytes[f[i].0..f[i].0 + f[i].1];
    let rebuild = |order: &[usize]| {
        let mut out = bytes[..HEAD].to_vec();
        for &i in order {
            out.extend_from_slice(piece(i));
        }
        out
    };
    let all: Vec<usize> = (0..f.len()).collect();
    assert!(rebuild(&all) == *bytes);
    let mut cases = Vec::new();
    for drop in 0..f.len() {
        let order: Vec<usize> = all.iter().copied().filter(|&i| i != drop).collect();
        cases.push((format!("frame {drop} dropped"), rebuild(&order)));
    }
    let mut repeated = all.clone();
    repeated.insert(2, 1);
    cases.push(("frame 1 repeated".into(), rebuild(&repeated)));
    let mut swapped = all.clone();
    swapped.swap(1, 2);
    cases.push(("frames 1 and 2 swapped".into(), rebuild(&swapped)));
    let mut longer = bytes.clone();
    longer.push(0);
    cases.push(("a byte after the trailer".into(), longer));
    let mut twice = bytes.clone();
    twice.extend_from_slice(&bytes[HEAD..]);
    cases.push(("the frames twice".into(), twice));
    cases.push(("nothing".into(), Vec::new()));
    cases.push(("another file".into(), b"id,name\nC1,Ann\n".to_vec()));
    for (what, bad) in cases {
        let err = refused(&bad, &MemoryStore::new(), &what);
        assert!(matches!(err, Error::BackupCorrupt { .. }), "{what}: {err}");
    }
}

/// A frame with a valid chained digest after `previous` (the digest of the frame before).
fn forged_frame(previous: &[u8], tag: u8, payload: &[u8]) -> Vec<u8> {
    let len = (payload.len() as u32).to_be_bytes();
    let mut h = Sha256::new();
    h.update(previous);
    h.update([tag]);
    h.update(len);
    h.update(payload);
    let mut out = vec![tag];
    out.extend_from_slice(&len);
    out.extend_from_slice(payload);
    out.extend_from_slice(&h.finalize());
    out
}

#[test]
fn a_forged_frame_with_a_valid_digest_is_refused_without_quoting_its_content() {
    let bytes = small();
    let f = frames(bytes);
    // The stream header and the header frame, then a forged customers frame.
    let head_end = f[0].0 + f[0].1;
    let previous = &bytes[head_end - 32..head_end];
    let planted = "13800138000";
    for (what, payload) in [
        (
            "wrong shape",
            format!(r#"[{{"id":"C1","kind":"person","phones":"{planted}"}}]"#),
        ),
        ("malformed", format!(r#"[{{"id":"{planted}""#)),
        (
            "unknown kind",
            format!(r#"[{{"id":"C1","kind":"{planted}"}}]"#),
        ),
    ] {
        let mut bad = bytes[..head_end].to_vec();
        bad.extend(forged_frame(previous, b'C', payload.as_bytes()));
        let target = MemoryStore::new();
        let err = refused(&bad, &target, what);
        let text = format!("{err} {err:?}");
        assert!(text.contains("does not decode"), "{what}: {text}");
        assert!(!text.contains(planted), "{what}: {text}");
    }
    // Valid items out of order (a repeated id) are refused too.
    let c = Customer::builder(id("C1"), CustomerKind::Person).build();
    let twice = serde_json::to_vec(&vec![c.clone(), c]).unwrap();
    let mut bad = bytes[..head_end].to_vec();
    bad.extend(forged_frame(previous, b'C', &twice));
    let err = refused(&bad, &MemoryStore::new(), "repeated id");
    assert!(err.to_string().contains("out of ascending order"), "{err}");
}

#[test]
fn an_empty_store_round_trips() {
    let bytes = backup_bytes(&MemoryStore::new());
    let target = SqliteStore::in_memory().unwrap();
    let read = restore(bytes.as_slice(), &target, &RestoreOptions::new()).unwrap();
    assert_eq!(read.batches, 0);
    assert_eq!(data(&target), empty());
    assert!(backup_bytes(&target) == bytes);
}

fn content() -> impl Strategy<Value = (Vec<Customer>, Vec<(usize, i64)>, Vec<Document>)> {
    let customers = proptest::collection::vec(common::customer(), 0..8).prop_map(|v| {
        let mut seen = std::collections::BTreeSet::new();
        v.into_iter()
            .filter(|c| seen.insert(c.id.clone()))
            .collect::<Vec<_>>()
    });
    let activity = proptest::collection::vec((0usize..8, -10_000i64..10_000), 0..6);
    let documents = proptest::collection::vec(
        ("[a-z.]{1,6}", any::<String>(), any::<String>())
            .prop_map(|(ns, k, b)| Document::new(ns, k, b)),
        0..5,
    );
    (customers, activity, documents)
}

/// Writes generated content into a store.
fn fill<S: CustomerStore<Error = Error>>(
    store: &S,
    (customers, activity, documents): &(Vec<Customer>, Vec<(usize, i64)>, Vec<Document>),
) {
    let mut changes: Vec<Change> = customers.iter().cloned().map(Change::Put).collect();
    for &(i, cents) in activity {
        if let Some(c) = customers.get(i % customers.len().max(1)) {
            changes.push(Change::AddTransaction(tx(&c.id, cents)));
            changes.push(Change::AddInteraction(call(&c.id)));
        }
    }
    changes.extend(documents.iter().cloned().map(Change::PutDocument));
    store.apply(changes).unwrap();
    if let [a, b, ..] = customers.as_slice() {
        Merger::new()
            .merge(store, &[a.id.clone(), b.id.clone()], at())
            .ok();
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn any_store_content_round_trips_to_the_same_snapshot_and_bytes(
        content in content(),
        frame in 1usize..2048,
        batch in 1usize..40,
    ) {
        let source = MemoryStore::new();
        fill(&source, &content);
        let mut bytes = Vec::new();
        backup(&source, &mut bytes, &options().frame_bytes(frame)).unwrap();
        let sqlite = SqliteStore::in_memory().unwrap();
        restore(bytes.as_slice(), &sqlite, &RestoreOptions::new().batch(batch)).unwrap();
        prop_assert_eq!(data(&sqlite), data(&source));
        let memory = MemoryStore::new();
        restore(bytes.as_slice(), &memory, &RestoreOptions::new().batch(batch)).unwrap();
        prop_assert_eq!(data(&memory), data(&source));
        let mut again = Vec::new();
        backup(&sqlite, &mut again, &options().frame_bytes(frame)).unwrap();
        prop_assert!(again == bytes, "second backup differs");
    }
}
