//! The DataFusion engine (`clientele::scale`, feature `datafusion`) gives the in-memory run's
//! answers: pairs, clusters, blocking report and model.
#![cfg(feature = "datafusion")]

use clientele::dedupe::{BlockingRule, Deduplicator};
use clientele::scale::{ScaleOptions, run, run_batch, udfs};
use clientele::synth::{SynthConfig, generate};

fn customers(n: usize, seed: u64) -> Vec<clientele::Customer> {
    generate(&SynthConfig {
        customers: n,
        seed,
        ..SynthConfig::default()
    })
    .unwrap()
    .customers
}

#[test]
fn a_hundred_thousand_records_get_the_in_memory_answers() {
    let all = customers(100_000, 22);
    let d = Deduplicator::new();
    let want = d.run(&all).unwrap();
    let got = run(&d, &all, &ScaleOptions::default()).unwrap();
    assert!(want.pairs.len() > 5_000, "{} pairs", want.pairs.len());
    assert_eq!(got.blocking, want.blocking);
    assert_eq!(got.model, want.model);
    assert_eq!(got.pairs, want.pairs);
    assert_eq!(got.clusters, want.clusters);
    assert_eq!(got, want);
}

#[test]
fn a_small_pool_gives_the_same_answers() {
    // Blocks over the cap, caller keys and one partition per stage, in a pool of 16 MiB.
    let all = customers(20_000, 5);
    let d = Deduplicator::new()
        .max_block_size(40)
        .blocking_key(|c| vec![c.id.as_str().chars().rev().take(2).collect()]);
    let want = d.run(&all).unwrap();
    assert!(!want.blocking.warnings.is_empty(), "blocks were skipped");
    for partitions in [1, 3] {
        let options = ScaleOptions {
            memory_limit: 16 << 20,
            partitions,
            ..ScaleOptions::default()
        };
        let mut batch = d.batch().unwrap();
        for chunk in all.chunks(7_000) {
            batch.add(chunk);
        }
        let got = run_batch(batch, &options).unwrap();
        assert_eq!(got, want);
    }
}

#[test]
fn rules_of_one_kind_and_no_records_are_handled() {
    let d = Deduplicator::new().blocking_rules(&[BlockingRule::Phone]);
    let all = customers(2_000, 9);
    assert_eq!(
        run(&d, &all, &ScaleOptions::default()).unwrap(),
        d.run(&all).unwrap()
    );
    assert_eq!(
        run(&d, &[], &ScaleOptions::default()).unwrap(),
        d.run(&[]).unwrap()
    );
}

#[test]
fn repeated_ids_are_refused_as_in_memory() {
    let mut all = customers(100, 1);
    all.push(all[0].clone());
    let d = Deduplicator::new();
    assert_eq!(
        run(&d, &all, &ScaleOptions::default())
            .unwrap_err()
            .to_string(),
        d.run(&all).unwrap_err().to_string()
    );
}

#[test]
fn the_udfs_give_the_crates_match_keys() {
    use datafusion::arrow::array::{Array, StringArray};
    use datafusion::logical_expr::{ColumnarValue, ScalarFunctionArgs};
    use std::sync::Arc;
    let d = Deduplicator::new().default_region("CN");
    let f = udfs(&d);
    let phone = f
        .iter()
        .find(|f| f.name() == "clientele_phone_key")
        .unwrap();
    let input: Arc<dyn Array> = Arc::new(StringArray::from(vec![
        Some("138 0013 5678"),
        None,
        Some("x"),
    ]));
    let field = Arc::new(datafusion::arrow::datatypes::Field::new(
        "v",
        datafusion::arrow::datatypes::DataType::Utf8,
        true,
    ));
    let out = phone
        .invoke_with_args(ScalarFunctionArgs {
            args: vec![ColumnarValue::Array(input)],
            arg_fields: vec![Arc::clone(&field)],
            number_rows: 3,
            return_field: field,
            config_options: Arc::new(Default::default()),
        })
        .unwrap();
    let ColumnarValue::Array(out) = out else {
        panic!("an array")
    };
    let out = out.as_any().downcast_ref::<StringArray>().unwrap();
    assert_eq!(out.value(0), "+8613800135678");
    assert!(out.is_null(1) && out.is_null(2));
}
