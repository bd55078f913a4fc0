//! `dedupe --config CONFIG.json`: comparisons and blocking rules read from a file
//! (`clientele::dedupe::DedupeConfig`, docs/DEDUPE.md §9), a custom field compared, and bad
//! files refused with their path and a non-zero exit.
//!
//! Like every CLI test, these skip when the `cli` example is not built (see
//! `common/cli_bin.rs`).

#[path = "common/cli_bin.rs"]
mod cli_bin;
use cli_bin::{cli, path, sample, temp_dir};

use std::path::{Path, PathBuf};

/// A loyalty card number for a real-world entity of the sample: eight digits from a hash of
/// its id, so that two entities' cards are (here) never one typo apart.
fn card(entity: &str) -> String {
    let h = entity.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    format!("{:08}", h % 100_000_000)
}

/// The sample with a custom column `loyalty_card` (one card per real-world entity, from
/// `truth.csv`), and one more record, `C9999`: `C0001`'s name and card and nothing else, so
/// that only the card links it to `C0001`.
fn carded_sample(dir: &Path) -> PathBuf {
    let truth = by_id(&sample().with_file_name("truth.csv"));
    let mut rows = csv::Reader::from_path(sample()).expect("sample");
    let mut header = rows.headers().expect("header").clone();
    header.push_field("loyalty_card");
    let at = |name: &str| header.iter().position(|h| h == name).expect(name);
    let (id, kind) = (at("id"), at("kind"));
    let names = [at("full_name"), at("given_name"), at("family_name")];
    let file = dir.join("carded.csv");
    let mut out = csv::Writer::from_path(&file).expect("write");
    out.write_record(&header).expect("header");
    let mut first = None;
    for row in rows.records() {
        let mut row = row.expect("row");
        row.push_field(&card(&truth[&row[id]]));
        out.write_record(&row).expect("row");
        first.get_or_insert(row);
    }
    let first = first.expect("a first record");
    let mut copy = vec![String::new(); header.len()];
    copy[id] = "C9999".to_owned();
    copy[kind] = first[kind].to_owned();
    for n in names {
        copy[n] = first[n].to_owned();
    }
    copy[header.len() - 1] = card(&truth[&first[id]]);
    out.write_record(&copy).expect("row");
    out.flush().expect("flush");
    file
}

/// A configuration as a user writes it: the built-in comparisons, the card compared as an
/// identifier (the same card or one typo apart), and blocking on the card and on birth date
/// and postcode together beside some built-in rules.
const CARD_CONFIG: &str = r#"{
  "comparisons": [
    {"kind": "builtin", "name": "given_name"},
    {"kind": "builtin", "name": "family_name"},
    {"kind": "builtin", "name": "birth_date"},
    {"kind": "builtin", "name": "national_id"},
    {"kind": "builtin", "name": "house_number"},
    {"kind": "builtin", "name": "street"},
    {"kind": "builtin", "name": "street2"},
    {"kind": "builtin", "name": "place"},
    {"kind": "builtin", "name": "phone"},
    {"kind": "builtin", "name": "email"},
    {"kind": "builtin", "name": "company_name"},
    {"kind": "field", "field": "loyalty_card", "evidence": "identifier",
     "levels": [{"kind": "exact"}, {"kind": "levenshtein", "at_most": 1}]}
  ],
  "blocking": [
    {"rule": "phone"}, {"rule": "email"}, {"rule": "national_id"}, {"rule": "name_key"},
    {"rule": "pinyin"}, {"rule": "street"}, {"rule": "fingerprint"},
    {"field": "loyalty_card"},
    {"and": [{"rule": "birth_date"}, {"field": "postcode"}]}
  ]
}"#;

/// The second column by the first (`id,entity_id`, `id,cluster_id`).
fn by_id(file: &Path) -> std::collections::HashMap<String, String> {
    let mut rows = csv::Reader::from_path(file).expect("two columns");
    rows.records()
        .map(|r| {
            let r = r.expect("row");
            (r[0].to_owned(), r[1].to_owned())
        })
        .collect()
}

/// Runs `dedupe FILE --pairs DIR/pairs.csv --clusters DIR/clusters.csv` with `extra` flags.
fn dedupe_output(bin: &Path, file: &Path, dir: &Path, extra: &[&str]) -> std::process::Output {
    let (pairs, clusters) = (dir.join("pairs.csv"), dir.join("clusters.csv"));
    let mut args = vec![
        "dedupe",
        path(file),
        "--pairs",
        path(&pairs),
        "--clusters",
        path(&clusters),
    ];
    args.extend(extra);
    cli_bin::output(bin, &args)
}

/// [`dedupe_output`], which must succeed: the clusters it wrote, and standard error.
fn dedupe(
    bin: &Path,
    file: &Path,
    dir: &Path,
    extra: &[&str],
) -> (std::collections::HashMap<String, String>, String) {
    let o = dedupe_output(bin, file, dir, extra);
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(o.status.success(), "dedupe {extra:?} failed: {stderr}");
    (by_id(&dir.join("clusters.csv")), stderr)
}

#[test]
fn a_configured_custom_field_comparison_links_records_only_it_can() {
    let Some(bin) = cli() else { return };
    let dir = temp_dir("dedupe-config");
    let file = carded_sample(&dir);
    let config = dir.join("config.json");
    std::fs::write(&config, CARD_CONFIG).expect("config");
    let model = dir.join("model.json");

    // Without the configuration, a shared name alone is not evidence enough.
    let (plain, _) = dedupe(&bin, &file, &dir, &[]);
    assert_ne!(plain.get("C9999"), plain.get("C0001"));

    let (configured, stderr) = dedupe(
        &bin,
        &file,
        &dir,
        &["--config", path(&config), "--model-out", path(&model)],
    );
    assert_eq!(configured.len(), 312);
    assert_eq!(configured.get("C9999"), configured.get("C0001"));
    // The blocking report names the configured rules, the composed one by its parts.
    assert!(stderr.contains("loyalty_card"), "{stderr}");
    assert!(stderr.contains("birth_date&postcode"), "{stderr}");
    assert!(!stderr.contains("phonetic"), "{stderr}");

    // The configuration is saved with the model, the card comparison with its labels.
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&model).expect("model")).expect("JSON");
    let comparisons = saved["config"]["comparisons"]
        .as_array()
        .expect("saved comparisons");
    assert_eq!(comparisons.len(), 12);
    assert_eq!(comparisons[11]["field"], "loyalty_card");
    let text = saved.to_string();
    assert!(text.contains("levenshtein<=1"), "labels saved: {text:.400}");
}

#[test]
fn a_bad_configuration_file_fails_the_command_with_its_path_and_the_problem() {
    let Some(bin) = cli() else { return };
    let dir = temp_dir("dedupe-bad-config");
    let s = sample();
    let cases: &[(&str, &str, &[&str])] = &[
        ("unreadable.json", "", &["No such file"]),
        (
            "not_json.json",
            "{\"comparisons\": [",
            &["not a comparison configuration"],
        ),
        (
            "unknown_level.json",
            r#"{"comparisons": [{"kind": "field", "field": "loyalty_points",
                "levels": [{"kind": "soundex"}]}]}"#,
            &["not a comparison configuration", "soundex"],
        ),
        (
            "unknown_builtin.json",
            r#"{"comparisons": [{"kind": "builtin", "name": "shoe_size"}]}"#,
            &["shoe_size"],
        ),
        (
            "no_levels.json",
            r#"{"comparisons": [{"kind": "field", "field": "loyalty_points", "levels": []}]}"#,
            &["comparisons", "loyalty_points"],
        ),
        (
            "bad_threshold.json",
            r#"{"comparisons": [{"kind": "field", "field": "loyalty_points",
                "levels": [{"kind": "jaro_winkler", "at_least": 1.5}]}]}"#,
            &["comparisons", "loyalty_points"],
        ),
        (
            "empty_and.json",
            r#"{"comparisons": [{"kind": "builtin", "name": "phone"}],
                "blocking": [{"and": []}]}"#,
            &["blocking"],
        ),
        (
            "absent_field.json",
            r#"{"comparisons": [{"kind": "field", "field": "loyalty_cart",
                "levels": [{"kind": "exact"}]}]}"#,
            &["loyalty_cart"],
        ),
    ];
    for (name, text, wanted) in cases {
        let config = dir.join(name);
        if !text.is_empty() {
            std::fs::write(&config, text).expect("config");
        }
        let o = dedupe_output(&bin, &s, &dir, &["--config", path(&config)]);
        assert!(!o.status.success(), "{name}: succeeded");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!err.contains("panicked"), "{name}: {err}");
        for w in *wanted {
            assert!(err.contains(w), "{name}: `{w}` not in {err}");
        }
        // The file is named, except when the check runs on the records (the field is named).
        if *name != "absent_field.json" {
            assert!(err.contains(name), "{name}: path not in {err}");
        }
        let written = ["pairs.csv", "clusters.csv"].map(|f| dir.join(f).exists());
        assert_eq!(written, [false, false], "{name}: outputs written");
    }
    // The same command without the bad file succeeds.
    dedupe(&bin, &s, &dir, &[]);
}
