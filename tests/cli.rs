//! The command line's contracts, run on the bundled sample: the `pipeline` report and its output
//! files.
//!
//! `cargo test` builds the examples before it runs the tests, so the CLI binary sits beside this
//! test's own; when it does not (`cargo test --test cli` alone), the tests say so and skip.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The built `cli` example, if there is one.
fn cli() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let profile_dir = exe.parent()?.parent()?;
    let bin = profile_dir
        .join("examples")
        .join(format!("cli{}", std::env::consts::EXE_SUFFIX));
    if bin.exists() {
        Some(bin)
    } else {
        eprintln!(
            "skipped: {} not built (run the whole `cargo test`)",
            bin.display()
        );
        None
    }
}

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/data/customers.csv")
}

fn run(bin: &Path, args: &[&str]) -> String {
    let out = Command::new(bin).args(args).output().expect("run cli");
    assert!(
        out.status.success(),
        "cli {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

fn csv_rows(path: &Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(path).expect("read output");
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let mut rows = vec![
        rdr.headers()
            .expect("header")
            .iter()
            .map(str::to_owned)
            .collect(),
    ];
    for r in rdr.records() {
        rows.push(r.expect("row").iter().map(str::to_owned).collect());
    }
    rows
}

#[test]
fn pipeline_reports_every_stage_on_the_sample_and_writes_its_outputs() {
    let Some(bin) = cli() else { return };
    let dir = std::env::temp_dir().join(format!("clientele-cli-{}", std::process::id()));
    let sample = sample();
    let json = run(
        &bin,
        &[
            "pipeline",
            sample.to_str().expect("path"),
            "--as-of",
            "2026-01-01",
            "--json",
            "--out-dir",
            dir.to_str().expect("path"),
        ],
    );
    let report: serde_json::Value = serde_json::from_str(&json).expect("JSON report");
    // The sample's documented facts (examples/data/README.md): 311 rows, 52 clusters of
    // duplicates holding 110 records, 17 planted bad values.
    assert_eq!(report["records_in"], 311);
    assert_eq!(report["rows_rejected"], 0);
    assert_eq!(report["records_with_issues"], 17);
    assert_eq!(report["duplicate_clusters"], 52);
    assert_eq!(report["records_in_clusters"], 110);
    assert_eq!(report["clusters_merged"], 52);
    assert_eq!(report["records_out"], 311 - 110 + 52);

    // Every output is there with its contracted header, and agrees with the report.
    let merged = csv_rows(&dir.join("merged.csv"));
    assert_eq!(merged.len() - 1, 311 - 110 + 52);
    assert_eq!(merged[0].first().map(String::as_str), Some("id"));
    let clusters = csv_rows(&dir.join("clusters.csv"));
    assert_eq!(clusters[0], ["id", "cluster_id"]);
    assert_eq!(clusters.len() - 1, 311);
    let pairs = csv_rows(&dir.join("pairs.csv"));
    assert_eq!(pairs[0], ["id_1", "id_2", "probability", "match_weight"]);
    let normalized = csv_rows(&dir.join("normalized.csv"));
    assert_eq!(normalized.len() - 1, 311);
    let audit = std::fs::read_to_string(dir.join("audit.jsonl")).expect("audit");
    assert!(audit.lines().count() >= 52);
    let issues = std::fs::read_to_string(dir.join("issues.jsonl")).expect("issues");
    assert_eq!(
        issues.lines().count(),
        report["issues"].as_u64().unwrap() as usize
    );
    // Phones come out in E.164 after normalization; merged records keep them so.
    let phone_col = normalized[0]
        .iter()
        .position(|h| h == "phone")
        .expect("phone column");
    let phones: Vec<&str> = normalized[1..]
        .iter()
        .filter_map(|r| r.get(phone_col))
        .flat_map(|cell| cell.split(';'))
        .filter(|p| !p.is_empty())
        .collect();
    let e164 = phones.iter().filter(|p| p.starts_with('+')).count();
    assert!(
        e164 * 10 >= phones.len() * 9,
        "{e164} of {} phones in E.164",
        phones.len()
    );
    let _ = std::fs::remove_dir_all(&dir);

    // The text report names every stage.
    let text = run(&bin, &["pipeline", sample.to_str().expect("path")]);
    for line in [
        "records in:",
        "issues found:",
        "duplicates merged:",
        "records out:",
    ] {
        assert!(text.contains(line), "{line} missing from\n{text}");
    }
}

fn sample_file(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/data")
        .join(name)
}

#[test]
fn segment_scores_every_sample_customer_with_the_contracted_columns() {
    let Some(bin) = cli() else { return };
    let (customers, transactions) = (sample(), sample_file("transactions.csv"));
    let out = run(
        &bin,
        &[
            "segment",
            customers.to_str().expect("path"),
            "--transactions",
            transactions.to_str().expect("path"),
            "--as-of",
            "2026-06-30",
        ],
    );
    let mut rdr = csv::Reader::from_reader(out.as_bytes());
    let header: Vec<String> = rdr
        .headers()
        .expect("header")
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        header,
        [
            "id",
            "r",
            "f",
            "m",
            "rfm_segment",
            "tier",
            "stage",
            "p_alive",
            "expected_purchases_52",
            "clv"
        ]
    );
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.expect("row")).collect();
    assert_eq!(rows.len(), 311);
    let buyers: std::collections::BTreeSet<String> = std::fs::read_to_string(&transactions)
        .expect("transactions")
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').next().map(str::to_owned))
        .collect();
    let mut segments = std::collections::BTreeSet::new();
    for row in &rows {
        let cell = |i: usize| row.get(i).unwrap_or("");
        let bought = buyers.contains(cell(0));
        // Buyers get scores 1-5, a named segment and model figures; the others are leads.
        assert_eq!(!cell(1).is_empty(), bought, "{row:?}");
        if bought {
            for i in 1..=3 {
                let s: u8 = cell(i).parse().expect("score");
                assert!((1..=5).contains(&s), "{row:?}");
            }
            segments.insert(cell(4).to_owned());
            let p: f64 = cell(7).parse().expect("p_alive");
            assert!((0.0..=1.0).contains(&p), "{row:?}");
            let e: f64 = cell(8).parse().expect("expected purchases");
            assert!(e >= 0.0, "{row:?}");
            let v: f64 = cell(9).parse().expect("clv");
            assert!(v >= 0.0, "{row:?}");
        } else {
            assert_eq!(cell(6), "lead", "{row:?}");
            assert!(cell(7).is_empty() && cell(9).is_empty(), "{row:?}");
        }
    }
    assert!(segments.len() >= 6, "{segments:?}");
}

#[test]
fn summarize_and_lifecycle_fit_read_each_others_output() {
    let Some(bin) = cli() else { return };
    let transactions = sample_file("transactions.csv");
    let summary = run(
        &bin,
        &[
            "summarize",
            transactions.to_str().expect("path"),
            "--calibration-end",
            "2026-06-30",
        ],
    );
    assert!(summary.starts_with("id,frequency,recency,T,monetary\n"));
    let path = std::env::temp_dir().join(format!("clientele-summary-{}.csv", std::process::id()));
    std::fs::write(&path, &summary).expect("write summary");
    let json = run(&bin, &["lifecycle-fit", path.to_str().expect("path")]);
    let _ = std::fs::remove_file(&path);
    let fit: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    for key in ["r", "alpha", "a", "b", "log_likelihood"] {
        assert!(
            fit["bgnbd"][key].as_f64().is_some(),
            "bgnbd.{key} in {json}"
        );
    }
    for key in ["p", "q", "gamma"] {
        assert!(
            fit["gamma_gamma"][key].as_f64().is_some(),
            "gamma_gamma.{key} in {json}"
        );
    }
}

/// `pipeline --json` on a CSV file written into the test's own temporary directory.
fn pipeline_on(
    bin: &Path,
    name: &str,
    header: &str,
    rows: impl Iterator<Item = String>,
) -> serde_json::Value {
    let dir = std::env::temp_dir().join(format!("clientele-cli-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join(format!("{name}.csv"));
    let mut text = format!("{header}\n");
    for row in rows {
        text.push_str(&row);
        text.push('\n');
    }
    std::fs::write(&file, text).expect("write input");
    let json = run(bin, &["pipeline", file.to_str().expect("path"), "--json"]);
    let _ = std::fs::remove_dir_all(&dir);
    serde_json::from_str(&json).expect("JSON report")
}

#[test]
fn pipeline_merges_nothing_without_evidence_and_all_exact_copies() {
    let Some(bin) = cli() else { return };
    // 200 records holding only an id and a source, only a kind and a country, or only a name.
    let shapes = [
        ("id_and_source", "id,source", "crm"),
        ("company_in_cn", "id,kind,country", "company,CN"),
        ("name_only", "id,full_name", "张伟"),
    ];
    for (name, header, rest) in shapes {
        let report = pipeline_on(
            &bin,
            name,
            header,
            (0..200).map(|i| format!("R{i:04},{rest}")),
        );
        assert_eq!(report["records_out"], 200, "{name}: {report}");
        assert_eq!(report["duplicate_pairs"], 0, "{name}");
    }
    // 2,000 exact copies of one full record: one record out, and the blocks of the copies
    // that other rules skip are summarised, one warning per rule.
    let report = pipeline_on(
        &bin,
        "copies",
        "id,full_name,phone,email,locality,country",
        (0..2000).map(|i| {
            format!("C{i:05},Jonathan Whitfield,+44 20 7946 0958,jw@example.com,London,GB")
        }),
    );
    assert_eq!(report["records_out"], 1, "{report}");
    let warnings = report["blocking_warnings"].as_array().expect("warnings");
    assert!(!warnings.is_empty());
    assert!(
        warnings.len() <= 11,
        "one warning per rule at most: {warnings:?}"
    );
    assert!(report["blocks_skipped"].as_u64().unwrap() >= 1);
}

#[test]
fn a_nan_or_out_of_range_threshold_fails_the_command() {
    let Some(bin) = cli() else { return };
    let sample = sample();
    for t in ["nan", "7", "-5"] {
        let out = Command::new(&bin)
            .args([
                "pipeline",
                sample.to_str().expect("path"),
                &format!("--threshold={t}"),
            ])
            .output()
            .expect("run cli");
        assert!(!out.status.success(), "--threshold {t} succeeded");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("threshold"), "{t}: {err}");
    }
}
