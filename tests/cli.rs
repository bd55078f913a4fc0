//! The command line's contracts, run on the bundled sample: the `pipeline` report and its output
//! files.
//!
//! `cargo test` builds the examples before it runs the tests, so the CLI binary sits beside this
//! test's own; when it does not (`cargo test --test cli` alone), the tests say so and skip.

#[path = "common/cli_bin.rs"]
mod cli_bin;
use cli_bin::cli;

use std::path::{Path, PathBuf};
use std::process::Command;

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

/// Runs the CLI and returns its whole output, whatever the status.
fn output(bin: &Path, args: &[&str]) -> std::process::Output {
    Command::new(bin).args(args).output().expect("run cli")
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("clientele-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn path(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// The records a file reads as, by id.
fn records(file: &Path) -> std::collections::BTreeMap<String, clientele::Customer> {
    let read =
        clientele::files::read_path(file, &clientele::files::ReadOptions::default()).expect("read");
    assert!(read.rejected.is_empty(), "{:?}", read.rejected);
    read.customers
        .into_iter()
        .map(|c| (c.id.as_str().to_owned(), c))
        .collect()
}

/// The sample with line `line` (1-based) changed by `edit`.
fn damaged_sample(dir: &Path, line: usize, edit: impl Fn(&str) -> String) -> PathBuf {
    let text = std::fs::read_to_string(sample()).expect("sample");
    let lines: Vec<String> = text
        .lines()
        .enumerate()
        .map(|(i, l)| if i + 1 == line { edit(l) } else { l.to_owned() })
        .collect();
    let p = dir.join("damaged.csv");
    std::fs::write(&p, lines.join("\n") + "\n").expect("write");
    p
}

#[test]
fn a_cli_merge_of_the_sample_is_undone_from_its_provenance() {
    let Some(bin) = cli() else { return };
    let dir = temp_dir("unmerge");
    let (pairs, clusters) = (dir.join("pairs.csv"), dir.join("clusters.csv"));
    let (merged, audit, provenance) = (
        dir.join("merged.csv"),
        dir.join("audit.jsonl"),
        dir.join("provenance.jsonl"),
    );
    let restored = dir.join("restored.csv");
    let s = sample();
    run(
        &bin,
        &[
            "dedupe",
            path(&s),
            "--pairs",
            path(&pairs),
            "--clusters",
            path(&clusters),
        ],
    );
    run(
        &bin,
        &[
            "merge",
            path(&s),
            "--clusters",
            path(&clusters),
            "--out",
            path(&merged),
            "--audit",
            path(&audit),
            "--provenance",
            path(&provenance),
        ],
    );
    // Every field of the merged records is written: the custom column and further addresses.
    let header = &csv_rows(&merged)[0];
    for col in [
        "loyalty_points",
        "address2_street",
        "created_at",
        "updated_at",
    ] {
        assert!(
            header.iter().any(|h| h == col),
            "{col} missing from {header:?}"
        );
    }
    assert_eq!(
        std::fs::read_to_string(&provenance)
            .expect("provenance")
            .lines()
            .count(),
        52
    );
    // The audit file alone cannot restore anything, and says so.
    let wrong = output(
        &bin,
        &[
            "unmerge",
            path(&merged),
            "--audit",
            path(&audit),
            "--out",
            path(&restored),
        ],
    );
    assert_eq!(wrong.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("provenance"));
    assert!(!restored.exists());

    run(
        &bin,
        &[
            "unmerge",
            path(&merged),
            "--provenance",
            path(&provenance),
            "--out",
            path(&restored),
        ],
    );
    // The restored file reads as exactly the records the input reads as.
    let (before, after) = (records(&s), records(&restored));
    assert_eq!(after.len(), 311);
    assert_eq!(after, before);
    // And as sets of field values, column by column of the input (lists as sets).
    let input = csv_rows(&s);
    let output_rows = csv_rows(&restored);
    let index = |rows: &[Vec<String>]| -> std::collections::BTreeMap<String, Vec<String>> {
        rows[1..]
            .iter()
            .map(|r| (r[0].clone(), r.clone()))
            .collect()
    };
    let (ins, outs) = (index(&input), index(&output_rows));
    let set = |cell: &str| -> std::collections::BTreeSet<String> {
        cell.split(';')
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
            .collect()
    };
    for (i, name) in input[0].iter().enumerate() {
        if name == "birth_date" {
            continue; // dates come back in one format (the records are equal above)
        }
        let j = output_rows[0]
            .iter()
            .position(|h| h == name)
            .expect("column kept");
        for (id, row) in &ins {
            assert_eq!(set(&row[i]), set(&outs[id][j]), "{id} {name}");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_stray_quote_is_refused_with_its_line_and_the_command_exits_non_zero() {
    let Some(bin) = cli() else { return };
    let dir = temp_dir("quote");
    // The tester's case: a quote at the start of a name on line 5.
    let bad = damaged_sample(&dir, 5, |l| l.replacen(",罗强", ",\"罗强", 1));
    let out = output(&bin, &["stats", path(&bad)]);
    assert_eq!(out.status.code(), Some(3));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("records read: 310"), "{text}");
    assert!(
        text.contains("line 5: the quoted field in column 3"),
        "{text}"
    );
    let out = output(&bin, &["stats", path(&bad), "--allow-rejects", "--json"]);
    assert!(out.status.success());
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(json["counts"]["data_rows"], 311);
    assert_eq!(json["counts"]["read"], 310);

    // The pipeline says so in its report, writes nothing, and exits non-zero.
    let out_dir = dir.join("out");
    let out = output(&bin, &["pipeline", path(&bad), "--out-dir", path(&out_dir)]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("records in:         310 (1 rows rejected)")
    );
    let written: Vec<_> = std::fs::read_dir(&out_dir).expect("dir").collect();
    assert!(written.is_empty(), "{written:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn normalize_on_a_ragged_row_names_the_line_and_leaves_nothing() {
    let Some(bin) = cli() else { return };
    let dir = temp_dir("ragged");
    let bad = damaged_sample(&dir, 9, |l| {
        l.rsplitn(3, ',').last().unwrap_or(l).to_owned()
    });
    let out_file = dir.join("normalized.csv");
    let out = output(&bin, &["normalize", path(&bad), "--out", path(&out_file)]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("line 9: 20 cells where the header has 22 columns"),
        "{err}"
    );
    assert!(!out_file.exists());
    assert_eq!(
        std::fs::read_dir(&dir).expect("dir").count(),
        1,
        "a temporary file left"
    );
    // With --allow-rejects the other rows are written.
    run(
        &bin,
        &[
            "normalize",
            path(&bad),
            "--out",
            path(&out_file),
            "--allow-rejects",
        ],
    );
    assert_eq!(csv_rows(&out_file).len() - 1, 310);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_repeated_column_is_refused_unless_appended() {
    let Some(bin) = cli() else { return };
    let dir = temp_dir("repeated");
    let file = dir.join("two_phones.csv");
    std::fs::write(&file, "id,phone,phone\nC1,13800138000,01065529988\n").expect("write");
    let out = output(&bin, &["stats", path(&file)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("column `phone` appears more than once"));
    let json = run(
        &bin,
        &[
            "stats",
            path(&file),
            "--repeated-columns",
            "append",
            "--json",
        ],
    );
    let json: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert_eq!(json["records_read"], 1);
    // Both phone cells were read (the second one appended to the list).
    assert_eq!(json["fields_filled"]["phone"], 2);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn numeric_flags_out_of_range_or_not_finite_are_refused_with_the_flags_name() {
    let Some(bin) = cli() else { return };
    let s = sample();
    let t = sample_file("transactions.csv");
    let dir = temp_dir("flags");
    let o = |n: &str| dir.join(n).to_str().expect("path").to_owned();
    let (pairs, clusters, out, truth) = (o("p.csv"), o("c.csv"), o("g.csv"), o("t.csv"));
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec![
                "dedupe",
                path(&s),
                "--pairs",
                &pairs,
                "--clusters",
                &clusters,
                "--threshold",
                "nan",
            ],
            "--threshold",
        ),
        (
            vec![
                "dedupe",
                path(&s),
                "--pairs",
                &pairs,
                "--clusters",
                &clusters,
                "--threshold",
                "1.5",
            ],
            "--threshold",
        ),
        (
            vec![
                "dedupe",
                path(&s),
                "--pairs",
                &pairs,
                "--clusters",
                &clusters,
                "--explain=-1",
            ],
            "--explain",
        ),
        (
            vec!["pipeline", path(&s), "--threshold", "inf"],
            "--threshold",
        ),
        (
            vec![
                "link",
                path(&s),
                path(&s),
                "--pairs",
                &pairs,
                "--threshold",
                "NaN",
            ],
            "--threshold",
        ),
        (
            vec![
                "generate",
                "--customers",
                "18446744073709551615",
                "--out",
                &out,
                "--truth",
                &truth,
            ],
            "--customers",
        ),
        (
            vec![
                "generate",
                "--customers",
                "3000000000",
                "--out",
                &out,
                "--truth",
                &truth,
            ],
            "--customers",
        ),
        (
            vec![
                "generate",
                "--customers",
                "10",
                "--duplicates",
                "nan",
                "--out",
                &out,
                "--truth",
                &truth,
            ],
            "--duplicates",
        ),
        (
            vec![
                "segment",
                path(&s),
                "--transactions",
                path(&t),
                "--as-of",
                "2026-06-30",
                "--clv-months",
                "10000000",
            ],
            "--clv-months",
        ),
        (
            vec![
                "segment",
                path(&s),
                "--transactions",
                path(&t),
                "--as-of",
                "2026-06-30",
                "--discount",
                "nan",
            ],
            "--discount",
        ),
    ];
    for (args, flag) in cases {
        let out = output(&bin, &args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(flag), "{args:?}: {err}");
    }
    assert_eq!(std::fs::read_dir(&dir).expect("dir").count(), 0);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_closed_pipe_ends_the_output_quietly() {
    use std::io::Read;
    let Some(bin) = cli() else { return };
    let s = sample();
    let dir = temp_dir("pipe");
    let (pairs, clusters) = (dir.join("p.csv"), dir.join("c.csv"));
    let runs: Vec<Vec<&str>> = vec![
        vec!["stats", path(&s), "--json"],
        vec![
            "dedupe",
            path(&s),
            "--pairs",
            path(&pairs),
            "--clusters",
            path(&clusters),
            "--explain",
            "50",
        ],
    ];
    for args in runs {
        let mut child = Command::new(&bin)
            .args(&args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn");
        let mut head = [0u8; 10];
        child
            .stdout
            .take()
            .expect("stdout")
            .read_exact(&mut head)
            .expect("read");
        // The reader goes away, as `head -c 10` does.
        let out = child.wait_with_output().expect("wait");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(
            matches!(out.status.code(), Some(0) | Some(141)),
            "{args:?}: {:?} {err}",
            out.status
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_full_disk_is_reported_with_the_files_name() {
    let Some(bin) = cli() else { return };
    let full = Path::new("/dev/full");
    if !full.exists() {
        eprintln!("skipped: no /dev/full here");
        return;
    }
    let dir = temp_dir("full");
    let s = sample();
    let out = output(
        &bin,
        &[
            "dedupe",
            path(&s),
            "--pairs",
            "/dev/full",
            "--clusters",
            path(&dir.join("c.csv")),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/dev/full: No space left on device"));
    // A device is written to, never replaced.
    assert!(!std::fs::metadata(full).expect("metadata").is_file());
    let _ = std::fs::remove_dir_all(&dir);
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

#[test]
fn report_writes_the_page_and_its_json_and_refuses_a_bad_row_by_line() {
    let Some(bin) = cli() else { return };
    let dir = temp_dir("report");
    let (page, json) = (dir.join("report.html"), dir.join("report.json"));
    let transactions = sample_file("transactions.csv");
    let args = |customers: &Path| {
        [
            "report".to_owned(),
            customers.display().to_string(),
            "--transactions".to_owned(),
            transactions.display().to_string(),
            "--as-of".to_owned(),
            "2026-06-30".to_owned(),
            "--out".to_owned(),
            page.display().to_string(),
            "--json".to_owned(),
            json.display().to_string(),
        ]
    };
    let sample_args = args(&sample());
    let refs: Vec<&str> = sample_args.iter().map(String::as_str).collect();
    run(&bin, &refs);
    let html = std::fs::read_to_string(&page).expect("page written");
    assert!(html.contains("default-src 'none'") && !html.contains("<script"));
    for id in [
        "chart-stage-funnel",
        "chart-rfm-grid",
        "chart-cohorts",
        "follow-up-list",
    ] {
        assert!(html.contains(&format!("id=\"{id}\"")), "{id}");
    }
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("json written")).expect("json");
    assert_eq!(report["kpis"]["customers"], 311);
    assert_eq!(report["quality"]["records"], 311);
    std::fs::remove_file(&page).expect("remove");
    std::fs::remove_file(&json).expect("remove");

    // A stray quote: refused with its line, exit 3, no page and no JSON.
    let bad = damaged_sample(&dir, 5, |l| l.replacen(",罗强", ",\"罗强", 1));
    let bad_args = args(&bad);
    let refs: Vec<&str> = bad_args.iter().map(String::as_str).collect();
    let out = output(&bin, &refs);
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("line 5: the quoted field in column 3"),
        "{err}"
    );
    assert!(!page.exists() && !json.exists());
    let _ = std::fs::remove_dir_all(&dir);
}
