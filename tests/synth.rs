//! The generator and the evaluation: determinism, ground truth, FEBRL's true pairs.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use clientele::dedupe::{Deduplicator, evaluate, ordered_pair, pairs_from_entities};
use clientele::synth::{SynthConfig, generate};
use clientele::validate::{Validator, check_cn_resident_id, check_uscc};

#[test]
fn the_same_seed_gives_the_same_data_and_another_seed_other_data() {
    let config = SynthConfig {
        customers: 2_000,
        ..SynthConfig::default()
    };
    let a = generate(&config).unwrap();
    assert_eq!(a.customers, generate(&config).unwrap().customers);
    let b = generate(&SynthConfig { seed: 2, ..config }).unwrap();
    assert_ne!(a.customers, b.customers);
}

#[test]
fn duplicates_come_in_clusters_of_two_to_six_at_the_chosen_share() {
    let data = generate(&SynthConfig {
        customers: 10_000,
        duplicate_share: 0.2,
        ..SynthConfig::default()
    })
    .unwrap();
    assert_eq!(data.customers.len(), 10_000);
    let ids: BTreeSet<_> = data.customers.iter().map(|c| c.id.clone()).collect();
    assert_eq!(ids.len(), 10_000, "ids are unique");
    let mut sizes: BTreeMap<&str, usize> = BTreeMap::new();
    for (_, e) in &data.truth {
        *sizes.entry(e.as_str()).or_default() += 1;
    }
    let in_clusters: usize = sizes.values().filter(|s| **s > 1).sum();
    assert!(
        (1_900..=2_100).contains(&in_clusters),
        "{in_clusters} records in clusters"
    );
    assert!(sizes.values().all(|s| (1..=7).contains(s)));
}

#[test]
fn clean_records_carry_valid_identifiers() {
    let data = generate(&SynthConfig {
        customers: 3_000,
        duplicate_share: 0.0,
        ..SynthConfig::default()
    })
    .unwrap();
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
    let mut checked = 0;
    for c in &data.customers {
        for id in &c.national_ids {
            let ok = match id.kind {
                clientele::model::NationalIdKind::CnResidentId => {
                    check_cn_resident_id(&id.value, today).is_ok()
                }
                clientele::model::NationalIdKind::CnUscc => check_uscc(&id.value).is_ok(),
                _ => true,
            };
            assert!(ok, "{:?}", id);
            checked += 1;
        }
    }
    assert!(checked > 1_000);
    // Phones, emails and postcodes of clean records pass validation.
    let report = Validator::new().as_of(today).validate_all(&data.customers);
    let errors: Vec<_> = report
        .issues
        .iter()
        .filter(|i| i.severity == clientele::validate::Severity::Error)
        .collect();
    assert!(
        errors.len() * 100 < data.customers.len(),
        "{} errors, first {:?}",
        errors.len(),
        errors.first()
    );
}

#[test]
fn generated_duplicates_are_found() {
    let data = generate(&SynthConfig {
        customers: 5_000,
        ..SynthConfig::default()
    })
    .unwrap();
    let truth = pairs_from_entities(data.truth.iter().map(|(id, e)| (id.as_str(), e.as_str())));
    let result = Deduplicator::new().run(&data.customers).unwrap();
    let found: BTreeSet<_> = result
        .pairs
        .iter()
        .map(|p| ordered_pair(p.id_1.as_str(), p.id_2.as_str()))
        .collect();
    let e = evaluate(&found, &truth);
    assert!(e.f1 > 0.9, "{e:?}");
}

fn febrl3_truth() -> Option<BTreeSet<(String, String)>> {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/febrl/febrl3_true_pairs.csv");
    let mut rdr = csv::Reader::from_path(path).ok()?;
    Some(
        rdr.records()
            .map(|r| {
                let r = r.unwrap();
                ordered_pair(&r[0], &r[1])
            })
            .collect(),
    )
}

#[test]
fn febrl3s_true_pairs_against_themselves_score_one_and_a_broken_file_lower() {
    let Some(truth) = febrl3_truth() else {
        eprintln!("skipped: ../shared/data/febrl is absent");
        return;
    };
    let perfect = evaluate(&truth, &truth);
    assert_eq!(
        (perfect.precision, perfect.recall, perfect.f1),
        (1.0, 1.0, 1.0)
    );
    assert_eq!(perfect.cluster_precision, 1.0);
    // Drop every tenth true pair and add 100 wrong ones.
    let mut broken: BTreeSet<(String, String)> = truth
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 10 != 0)
        .map(|(_, p)| p.clone())
        .collect();
    let kept = broken.len();
    for i in 0..100 {
        broken.insert(ordered_pair(
            &format!("rec-{i}-org"),
            &format!("rec-{}-org", i + 1000),
        ));
    }
    let e = evaluate(&broken, &truth);
    assert_eq!(e.true_positives, kept);
    assert_eq!(e.false_positives, 100);
    assert_eq!(e.false_negatives, truth.len() - kept);
    let (p, r) = (
        kept as f64 / (kept + 100) as f64,
        kept as f64 / truth.len() as f64,
    );
    assert!((e.precision - p).abs() < 1e-12 && (e.recall - r).abs() < 1e-12);
    assert!((e.f1 - 2.0 * p * r / (p + r)).abs() < 1e-12);
    assert!(e.cluster_recall < 1.0);
}
