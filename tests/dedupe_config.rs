//! Comparisons and blocking rules as data: a custom field compared by a configured comparison,
//! configurations checked with typed errors, saved with the model and read back.

use std::collections::{BTreeMap, BTreeSet};

use clientele::dedupe::{
    Blocking, BlockingRule, Comparison, DedupeConfig, DedupeResult, Deduplicator, Evidence, Level,
    pairs_from_entities,
};
use clientele::model::{CustomValue, Field};
use clientele::synth::{SynthConfig, generate};
use clientele::{Customer, Error};

type PairSet = BTreeSet<(String, String)>;

fn found(r: &DedupeResult) -> BTreeSet<(String, String)> {
    r.pairs
        .iter()
        .map(|p| clientele::dedupe::ordered_pair(p.id_1.as_str(), p.id_2.as_str()))
        .collect()
}

/// The loyalty-card comparison of these tests: the same card, or one typo apart; an
/// identifier (enough evidence on its own), and a blocking key.
fn card_config() -> DedupeConfig {
    let mut config = DedupeConfig::default();
    config.comparisons.push(
        Comparison::field(
            Field::parse("loyalty_card"),
            vec![Level::Exact, Level::Levenshtein { at_most: 1 }],
        )
        .evidence(Evidence::Identifier),
    );
    config
        .blocking
        .push(Blocking::Field(Field::parse("loyalty_card")));
    config
}

/// Generated customers, each entity with its own loyalty card (a custom field), and the pairs
/// that only the card can find: in every other entity with duplicates, the duplicates have
/// moved and changed every contact (no phone, email, ID, address or birth date in common) and
/// kept only their name (as the generator wrote it) and card, which a tenth of them typed with
/// one digit changed.
fn carded(n: usize) -> (Vec<Customer>, PairSet, PairSet) {
    let data = generate(&SynthConfig {
        customers: n,
        ..SynthConfig::default()
    })
    .unwrap();
    let entity: BTreeMap<String, String> = data
        .truth
        .iter()
        .map(|(id, e)| (id.to_string(), e.clone()))
        .collect();
    let numbers: BTreeMap<&String, usize> = data
        .truth
        .iter()
        .map(|(_, e)| e)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .enumerate()
        .map(|(k, e)| (e, k))
        .collect();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let customers: Vec<Customer> = data
        .customers
        .into_iter()
        .map(|mut c| {
            let e = entity[c.id.as_str()].clone();
            let k = numbers[&e];
            let copy = *seen.entry(e.clone()).and_modify(|s| *s += 1).or_default();
            // Cards spread at random over 7 digits (a multiplicative hash of the entity's
            // number), as a card system's numbers are.
            let spread = ((k as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40) % 10_000_000;
            let mut card = format!("LC-{spread:07}");
            if copy > 0 && k.is_multiple_of(2) {
                c.phones.clear();
                c.emails.clear();
                c.national_ids.clear();
                c.addresses.clear();
                c.birth_date = None;
                if k.is_multiple_of(20) {
                    // One digit typed wrong (never the same card as another entity's: cards
                    // are spread far apart).
                    let last = card.pop().and_then(|d| d.to_digit(10)).unwrap_or(0);
                    card.push(char::from_digit((last + 1) % 10, 10).unwrap_or('0'));
                }
            }
            c.custom
                .insert("loyalty_card".to_owned(), CustomValue::Text(card));
            c
        })
        .collect();
    let truth = pairs_from_entities(entity.iter().map(|(id, e)| (id.as_str(), e.as_str())));
    let hidden = truth
        .iter()
        .filter(|(a, _)| {
            let k = numbers[&entity[a.as_str()]];
            k.is_multiple_of(2)
        })
        .cloned()
        .collect();
    (customers, truth, hidden)
}

#[test]
fn a_configured_loyalty_card_comparison_joins_the_records_only_the_card_links() {
    let (customers, truth, hidden) = carded(3_000);
    let recall_of = |pairs: &BTreeSet<(String, String)>, of: &BTreeSet<(String, String)>| {
        pairs.intersection(of).count() as f64 / of.len().max(1) as f64
    };
    let precision = |pairs: &BTreeSet<(String, String)>| {
        pairs.intersection(&truth).count() as f64 / pairs.len().max(1) as f64
    };
    let plain = found(&Deduplicator::new().run(&customers).unwrap());
    let result = Deduplicator::new()
        .config(card_config())
        .run(&customers)
        .unwrap();
    let carded = found(&result);
    // Not all: where the generator also rewrote both names (a nickname, a new surname), a card
    // alone against two disagreeing names stays below the threshold, as it should.
    let (before, after) = (recall_of(&plain, &hidden), recall_of(&carded, &hidden));
    assert!(
        hidden.len() > 50,
        "{} pairs only the card links",
        hidden.len()
    );
    assert!(
        before < 0.5 && after >= 0.9,
        "pairs only the card links: recall {before:.3} without the card, {after:.3} with it"
    );
    assert!(
        precision(&carded) >= precision(&plain) - 1e-9 && precision(&carded) >= 0.99,
        "precision {:.4} with the card, {:.4} without",
        precision(&carded),
        precision(&plain)
    );
    // The model and explanations know the comparison and its levels by their labels.
    let card = result.model.comparisons.last().unwrap();
    assert_eq!(card.name, "loyalty_card");
    let labels: Vec<&str> = card.levels.iter().map(|l| l.label.as_str()).collect();
    assert_eq!(labels, ["missing", "exact", "levenshtein<=1", "different"]);
    assert!(card.levels[1].weight() > 5.0, "{card:?}");
    let typo = result.pairs.iter().find(|p| {
        p.explanation
            .contributions
            .iter()
            .any(|c| c.comparison == "loyalty_card" && c.level == "levenshtein<=1")
    });
    assert!(typo.is_some(), "a pair linked through a mistyped card");
    // The blocking rule on the card is reported under its name.
    assert!(
        result
            .blocking
            .rules
            .iter()
            .any(|r| r.rule == "loyalty_card" && r.pairs > 0)
    );
    // The configuration is saved with the model, and a run with the model compares the card.
    let json = serde_json::to_string(&result.model).unwrap();
    let model: clientele::dedupe::TrainedModel = serde_json::from_str(&json).unwrap();
    assert_eq!(model.config, card_config());
    let again = Deduplicator::new()
        .blocking_rules(BlockingRule::ALL)
        .config(card_config())
        .run_with_model(&customers, &model)
        .unwrap();
    assert_eq!(found(&again), carded);
}

#[test]
fn the_default_configuration_is_the_zero_configuration_detector() {
    let (customers, ..) = carded(1_500);
    let plain = Deduplicator::new().run(&customers).unwrap();
    let configured = Deduplicator::new()
        .config(DedupeConfig::default())
        .run(&customers)
        .unwrap();
    assert_eq!(plain.pairs, configured.pairs);
    assert_eq!(plain.clusters, configured.clusters);
    // A model saved before configurations existed (no `config`) reads as the default one.
    let mut json: serde_json::Value = serde_json::to_value(&plain.model).unwrap();
    json.as_object_mut().unwrap().remove("config");
    let old: clientele::dedupe::TrainedModel = serde_json::from_value(json).unwrap();
    assert_eq!(old.config, DedupeConfig::default());
    let rerun = Deduplicator::new()
        .run_with_model(&customers, &old)
        .unwrap();
    assert_eq!(rerun.pairs, plain.pairs);
}

#[test]
fn a_configuration_naming_a_field_no_record_holds_is_an_error_naming_it() {
    let (customers, ..) = carded(200);
    let mut config = DedupeConfig::default();
    config.comparisons.push(Comparison::field(
        Field::parse("loyalty_crad"),
        vec![Level::Exact],
    ));
    let err = Deduplicator::new()
        .config(config)
        .run(&customers)
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidSetting { setting, value, .. }
            if setting == "comparisons" && value == "loyalty_crad"),
        "{err}"
    );
    assert!(err.to_string().contains("loyalty_crad"), "{err}");
}

#[test]
fn bad_configurations_are_typed_errors_never_panics() {
    let field = |levels: Vec<Level>| {
        let mut c = DedupeConfig::default();
        c.comparisons
            .push(Comparison::field(Field::parse("card"), levels));
        c
    };
    let cases: Vec<(&str, DedupeConfig)> = vec![
        ("no levels", field(vec![])),
        (
            "threshold",
            field(vec![Level::JaroWinkler { at_least: f64::NAN }]),
        ),
        (
            "difference",
            field(vec![Level::NumberWithin { at_most: -1.0 }]),
        ),
        ("same level twice", field(vec![Level::Exact, Level::Exact])),
        ("id", {
            let mut c = DedupeConfig::default();
            c.comparisons
                .push(Comparison::field(Field::Id, vec![Level::Exact]));
            c
        }),
        ("name twice", {
            let mut c = DedupeConfig::default();
            c.comparisons
                .push(Comparison::field(Field::Phone, vec![Level::Exact]));
            c
        }),
        ("too many combinations", {
            let mut c = DedupeConfig::default();
            for k in 0..6 {
                c.comparisons.push(Comparison::field(
                    Field::parse(&format!("f{k}")),
                    vec![Level::Exact, Level::Levenshtein { at_most: 1 }],
                ));
            }
            c
        }),
        (
            "no comparison",
            DedupeConfig {
                comparisons: Vec::new(),
                ..DedupeConfig::default()
            },
        ),
        ("empty and", {
            let mut c = DedupeConfig::default();
            c.blocking.push(Blocking::And(Vec::new()));
            c
        }),
    ];
    for (what, config) in cases {
        let err = Deduplicator::new().config(config).run(&[]).unwrap_err();
        assert!(matches!(err, Error::InvalidSetting { .. }), "{what}: {err}");
    }
    // Unknown built-in names and level kinds are refused by serde, naming them.
    let err = serde_json::from_str::<DedupeConfig>(
        r#"{"comparisons": [{"kind": "builtin", "name": "shoe_size"}]}"#,
    )
    .unwrap_err();
    assert!(err.to_string().contains("shoe_size"), "{err}");
}

#[test]
fn composed_blocking_rules_pair_records_sharing_a_key_of_every_part() {
    let (customers, ..) = carded(2_000);
    let only = |rules: Vec<Blocking>| {
        let config = DedupeConfig {
            blocking: rules,
            ..DedupeConfig::default()
        };
        Deduplicator::new().config(config).run(&customers).unwrap()
    };
    let birth = Blocking::Rule(BlockingRule::BirthDate);
    let postcode = Blocking::Field(Field::Postcode);
    let and = only(vec![Blocking::And(vec![birth.clone(), postcode.clone()])]);
    let or = only(vec![Blocking::Or(vec![birth.clone(), postcode.clone()])]);
    let (b, p) = (only(vec![birth]), only(vec![postcode]));
    let proposed = |r: &DedupeResult| r.blocking.candidate_pairs;
    assert_eq!(and.blocking.rules[0].rule, "birth_date&postcode");
    assert_eq!(or.blocking.rules[0].rule, "birth_date|postcode");
    assert!(proposed(&and) > 0 && proposed(&and) < proposed(&or));
    // An `or` proposes the pairs of its parts: at least as many as either, at most both.
    assert!(proposed(&or) >= proposed(&b).max(proposed(&p)));
    assert!(proposed(&or) <= proposed(&b) + proposed(&p));
}
