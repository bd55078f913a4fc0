//! The importer on arbitrary rows: no panic, and the store holds exactly what the report says
//! was accepted.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{TimeZone, Utc};
use clientele::entry::{Importer, Incoming, OnMatch, Outcome, Policy, review_queue};
use clientele::store::{CustomerStore, MemoryStore, batches};
use clientele::{Customer, CustomerId};
use proptest::prelude::*;

mod common;

fn rows() -> impl Strategy<Value = Vec<Customer>> {
    // Ids from a small pool, so that files repeat rows.
    prop::collection::vec(
        (0u8..12).prop_flat_map(|n| common::customer_with_id(format!("R{n}"))),
        0..12,
    )
}

fn on_match() -> impl Strategy<Value = OnMatch> {
    prop_oneof![
        Just(OnMatch::Merge),
        Just(OnMatch::Review),
        Just(OnMatch::Skip),
        Just(OnMatch::Insert)
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn the_store_holds_exactly_what_the_report_accepted(
        first in rows(),
        second in rows(),
        on_match in on_match(),
        merge_above in 0.0f64..=1.0,
        reject_invalid in any::<bool>(),
    ) {
        let at = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
        let policy = Policy::default()
            .on_match(on_match)
            .merge_above(merge_above)
            .review_above(0.5)
            .reject_invalid(reject_invalid);
        let importer = Importer::new("prop").policy(policy);
        let store = MemoryStore::with_indexers(importer.indexers());
        let mut outcomes: Vec<(String, Outcome)> = Vec::new();
        for file in [first, second] {
            let incoming: Vec<Incoming> = file
                .into_iter()
                .enumerate()
                .map(|(i, c)| Incoming::new(i as u64 + 2, c))
                .collect();
            let n = incoming.len();
            let report = importer.import(&store, incoming, at).unwrap();
            prop_assert_eq!(report.rows.len(), n);
            outcomes.extend(report.rows.into_iter().map(|r| (r.row_id, r.outcome)));
        }
        // Customers held: one per insert, one per merge less the records it absorbed.
        let mut expected_len: i64 = 0;
        let mut accepted: BTreeSet<CustomerId> = BTreeSet::new();
        let mut last: BTreeMap<String, &Outcome> = BTreeMap::new();
        for (row, o) in &outcomes {
            last.insert(row.clone(), o);
            match o {
                Outcome::Inserted { customer } => {
                    expected_len += 1;
                    accepted.insert(customer.clone());
                }
                Outcome::Merged { merge, .. } => {
                    let record = store.merge_record(merge).unwrap().unwrap();
                    expected_len += 1 - record.absorbed.len() as i64;
                    accepted.insert(CustomerId::new(row.clone()).unwrap());
                }
                _ => {}
            }
        }
        prop_assert_eq!(store.len().unwrap() as i64, expected_len);
        // Every stored customer is an accepted row's.
        for batch in batches(&store, 64) {
            for c in batch.unwrap() {
                prop_assert!(accepted.contains(&c.id), "{} stored but not accepted", c.id);
            }
        }
        // A row whose last outcome is "held" is in the review queue, and only those.
        let queue: BTreeSet<String> =
            review_queue(&store).unwrap().into_iter().map(|i| i.row_id).collect();
        let held: BTreeSet<String> = last
            .iter()
            .filter(|(row, o)| {
                matches!(o, Outcome::Held { .. })
                    && !outcomes.iter().any(|(r, o)| {
                        r == *row && matches!(o, Outcome::Inserted { .. } | Outcome::Merged { .. })
                    })
            })
            .map(|(r, _)| r.clone())
            .collect();
        prop_assert_eq!(queue, held);
    }
}
