//! Pairs scored one by one with a trained model get what the batch run gave them.

use std::collections::HashMap;

use clientele::Customer;
use clientele::dedupe::Deduplicator;
use clientele::synth::{SynthConfig, generate};

#[test]
fn a_runs_pairs_rescored_one_by_one_get_its_probabilities_and_explanations() {
    let data = generate(&SynthConfig {
        customers: 5000,
        ..SynthConfig::default()
    })
    .unwrap();
    let d = Deduplicator::new();
    let result = d.run(&data.customers).unwrap();
    assert!(result.pairs.len() > 100, "{} pairs", result.pairs.len());
    let by_id: HashMap<&str, &Customer> =
        data.customers.iter().map(|c| (c.id.as_str(), c)).collect();
    // Given either way round.
    let pairs: Vec<(&Customer, &Customer)> = result
        .pairs
        .iter()
        .enumerate()
        .map(|(k, p)| {
            let (a, b) = (by_id[p.id_1.as_str()], by_id[p.id_2.as_str()]);
            if k % 2 == 0 { (a, b) } else { (b, a) }
        })
        .collect();
    let scored = d.score_pairs(&result.model, &pairs).unwrap();
    assert_eq!(scored, result.pairs);
    let one = &result.pairs[0];
    let again = d
        .score_pair(
            &result.model,
            by_id[one.id_2.as_str()],
            by_id[one.id_1.as_str()],
        )
        .unwrap();
    assert_eq!(&again, one);
}

#[test]
fn a_model_of_other_levels_is_refused() {
    let data = generate(&SynthConfig {
        customers: 50,
        ..SynthConfig::default()
    })
    .unwrap();
    let d = Deduplicator::new();
    let mut model = d.train(&data.customers).unwrap();
    model.comparisons.pop();
    let (a, b) = (&data.customers[0], &data.customers[1]);
    assert!(d.score_pair(&model, a, b).is_err());
}
