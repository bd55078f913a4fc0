//! Every CLI command, run on files of planted personal values in unexpected places (a bad
//! `kind`, an id too long, custom columns, a bad country, bad dates and timestamps, a malformed
//! row, contacts in each other's columns): no planted value reaches standard error, and none
//! reaches a message (reports, JSON issue lines, audit events). Outputs that are the data itself
//! (records, pairs, scores as CSV) are not messages and are not searched.
//!
//! The commands are a table: a new command is one row of [`steps`]. The CLI is built once, by
//! the first test that needs it (`cargo build --example cli`).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use common::planted::SECRETS;

/// The customers file: one clean row (values in their own columns), then rows that put them
/// where nobody expects them.
fn customers_csv() -> String {
    let long_id = format!("13912345678{}", "9".repeat(260));
    let rows = [
        "id,kind,full_name,phone,email,street,postcode,country,birth_date,national_id,national_id_kind,created_at,手机,身份证号,wechat,备注",
        // Everything in its place.
        "C1,person,韩梅梅,+86 139 1234 5678,meimei.han@example.org,建国路88号,100022,CN,1949-12-31,11010519491231002X,cn_resident_id,2024-01-01,18688889999,44030419900101001X,wxid_secret42,says hunter2",
        // The same person again, slightly different: a duplicate to find and merge.
        "C2,person,韓梅梅,13912345678,Meimei.Han@example.org,建国路88号,100022,CN,1949-12-31,11010519491231002X,cn_resident_id,2024-02-01,18688889999,,wxid_secret42,",
        // A resident ID as the kind.
        "C3,110105194912310021,韩梅梅,13912345678,,,,,,,,,,,,",
        // An id too long, made of a phone.
        &format!("{long_id},person,韩梅梅,13912345678,,,,,,,,,,,,"),
        // A duplicate id.
        "C1,person,韩梅梅,18688889999,meimei.han@example.org,,,,,,,,,,,",
        // A malformed row: too few cells.
        "C4,person,韩梅梅,13912345678",
        // A phone as the country, an ID as the birth date, an email as the timestamp.
        "C5,person,韩梅梅,,,,,18688889999,44030419900101001X,,,meimei.han@example.org,,,,",
        // A birth date in another order, contacts in each other's columns, a phone as the
        // identifier's kind.
        "C6,person,韩梅梅,11010519491231002X,18688889999,meimei.han@example.org,,,31/12/1949,13912345678,18688889999,,,,,",
        // A phone that does not parse, an email with two dots, a bad check digit.
        "C7,person,Meimei Han,139123456789,meimei..han@example.org,,1000229,CN,,110105194912310021,cn_resident_id,,,,,",
    ];
    rows.join("\n") + "\n"
}

/// A transactions file with the planted customers' purchases.
fn transactions_csv() -> &'static str {
    "id,date,amount,currency,channel\n\
     C1,2024-01-05,129.00,CNY,app\n\
     C1,2024-02-05,59.50,CNY,app\n\
     C2,2024-03-05,10.00,CNY,store\n\
     C7,2024-03-06,99.00,CNY,store\n"
}

/// A transactions file with personal values where dates and amounts belong.
fn bad_transactions_csv() -> &'static str {
    "id,date,amount,currency,channel\n\
     C1,2024-01-05,129.00,CNY,app\n\
     C1,11010519491231002X,18688889999,CNY,app\n"
}

/// Where a command's standard output goes.
#[derive(Clone, Copy, PartialEq)]
enum Stdout {
    /// A report or messages: searched.
    Message,
    /// The data itself (CSV of records, pairs, scores, normalized values): not searched.
    Data,
}

/// How a command must end.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Outcome {
    Succeeds,
    Fails,
    /// Either: the command's handling of the planted file is not this test's matter.
    Either,
}

/// One command run.
struct Step {
    /// The arguments; `{dir}` is the test's directory.
    args: &'static [&'static str],
    /// Standard input, if any.
    stdin: Option<&'static str>,
    /// Whether standard output is searched.
    stdout: Stdout,
    /// How the command must end (a refused input must still fail without leaking).
    outcome: Outcome,
    /// Files the command writes that are messages (issue lines, audit events), searched too.
    message_files: &'static [&'static str],
    /// A file of the test's directory to save standard output in, for later steps.
    save_stdout: Option<&'static str>,
    /// Whether `--allow-rejects` is added to a command reading the planted customers.
    allow_rejects: bool,
}

const fn step(args: &'static [&'static str], stdout: Stdout) -> Step {
    Step {
        args,
        stdin: None,
        stdout,
        outcome: Outcome::Succeeds,
        message_files: &[],
        save_stdout: None,
        allow_rejects: true,
    }
}

/// Every command, in an order where each finds the files the earlier ones wrote.
fn steps() -> Vec<Step> {
    use Stdout::{Data, Message};
    vec![
        step(&["stats", "{dir}/customers.csv"], Message),
        Step {
            // Without `--allow-rejects` the planted rows stop the command (exit 3): the refusal
            // report is checked here; the other steps go on without those rows.
            outcome: Outcome::Fails,
            allow_rejects: false,
            ..step(&["validate", "{dir}/customers.csv"], Message)
        },
        step(&["stats", "{dir}/customers.csv", "--json"], Message),
        Step {
            stdin: Some(
                "13912345678\nmeimei.han@example.org\n11010519491231002X\n韩梅梅\n建国路88号\n",
            ),
            ..step(&["field", "phone", "--region", "CN"], Data)
        },
        Step {
            stdin: Some("11010519491231002X\n110105194912310021\n"),
            ..step(&["field", "cn-id"], Data)
        },
        step(
            &[
                "validate",
                "{dir}/customers.csv",
                "--region",
                "CN",
                "--as-of",
                "2026-01-01",
            ],
            Message,
        ),
        step(
            &[
                "dedupe",
                "{dir}/customers.csv",
                "--region",
                "CN",
                "--pairs",
                "{dir}/pairs.csv",
                "--clusters",
                "{dir}/clusters.csv",
                "--explain",
                "3",
            ],
            Message,
        ),
        step(
            &[
                "link",
                "{dir}/customers.csv",
                "{dir}/customers.csv",
                "--pairs",
                "{dir}/linked.csv",
            ],
            Message,
        ),
        Step {
            message_files: &["audit.jsonl"],
            ..step(
                &[
                    "merge",
                    "{dir}/customers.csv",
                    "--clusters",
                    "{dir}/clusters.csv",
                    "--out",
                    "{dir}/merged.csv",
                    "--audit",
                    "{dir}/audit.jsonl",
                ],
                Message,
            )
        },
        Step {
            message_files: &["out/issues.jsonl", "out/audit.jsonl"],
            ..step(
                &[
                    "pipeline",
                    "{dir}/customers.csv",
                    "--region",
                    "CN",
                    "--as-of",
                    "2026-01-01",
                    "--out-dir",
                    "{dir}/out",
                ],
                Message,
            )
        },
        step(
            &[
                "pipeline",
                "{dir}/customers.csv",
                "--json",
                "--as-of",
                "2026-01-01",
            ],
            Message,
        ),
        // The same job into a SQLite store, and the commands that read from it.
        step(
            &[
                "pipeline",
                "{dir}/customers.csv",
                "--region",
                "CN",
                "--as-of",
                "2026-01-01",
                "--store",
                "{dir}/crm.db",
            ],
            Message,
        ),
        Step {
            // A second run into a store that holds customers is refused (no `--replace`).
            outcome: Outcome::Fails,
            ..step(
                &[
                    "pipeline",
                    "{dir}/customers.csv",
                    "--json",
                    "--store",
                    "{dir}/crm.db",
                ],
                Message,
            )
        },
        step(
            &[
                "pipeline",
                "{dir}/customers.csv",
                "--json",
                "--store",
                "{dir}/crm.db",
                "--replace",
            ],
            Message,
        ),
        step(
            &[
                "validate",
                "--store",
                "{dir}/crm.db",
                "--region",
                "CN",
                "--as-of",
                "2026-01-01",
            ],
            Message,
        ),
        step(
            &[
                "dedupe",
                "--store",
                "{dir}/crm.db",
                "--region",
                "CN",
                "--pairs",
                "{dir}/store_pairs.csv",
                "--clusters",
                "{dir}/store_clusters.csv",
                "--explain",
                "3",
            ],
            Message,
        ),
        step(
            &[
                "segment",
                "--store",
                "{dir}/crm.db",
                "--transactions",
                "{dir}/transactions.csv",
                "--as-of",
                "2024-06-30",
            ],
            Data,
        ),
        Step {
            outcome: Outcome::Fails,
            ..step(&["validate", "--store", "{dir}/missing.db"], Message)
        },
        Step {
            // `normalize` stops at the malformed row today (its CSV writer refuses a record
            // shorter than the header); whether it should is the CLI's file handling, not this
            // test's matter: what it prints on the way is.
            outcome: Outcome::Either,
            ..step(
                &["normalize", "{dir}/customers.csv", "--region", "CN"],
                Data,
            )
        },
        step(
            &[
                "segment",
                "{dir}/customers.csv",
                "--transactions",
                "{dir}/transactions.csv",
                "--as-of",
                "2024-06-30",
            ],
            Data,
        ),
        Step {
            // The report is aggregates, ids and field names: every output is searched.
            message_files: &["report.html", "report.json", "follow_ups.csv"],
            ..step(
                &[
                    "report",
                    "{dir}/customers.csv",
                    "--transactions",
                    "{dir}/transactions.csv",
                    "--as-of",
                    "2024-06-30",
                    "--region",
                    "CN",
                    "--out",
                    "{dir}/report.html",
                    "--json",
                    "{dir}/report.json",
                    "--follow-ups",
                    "{dir}/follow_ups.csv",
                ],
                Message,
            )
        },
        Step {
            save_stdout: Some("summary.csv"),
            ..step(
                &[
                    "summarize",
                    "{dir}/transactions.csv",
                    "--calibration-end",
                    "2024-06-30",
                ],
                Data,
            )
        },
        Step {
            outcome: Outcome::Fails,
            ..step(
                &[
                    "summarize",
                    "{dir}/bad_transactions.csv",
                    "--calibration-end",
                    "2024-06-30",
                ],
                Message,
            )
        },
        Step {
            outcome: Outcome::Fails,
            ..step(
                &[
                    "segment",
                    "{dir}/customers.csv",
                    "--transactions",
                    "{dir}/bad_transactions.csv",
                    "--as-of",
                    "2024-06-30",
                ],
                Message,
            )
        },
        step(&["lifecycle-fit", "{dir}/summary.csv"], Message),
        step(
            &[
                "evaluate",
                "--pairs",
                "{dir}/pairs.csv",
                "--truth",
                "{dir}/truth.csv",
            ],
            Message,
        ),
        step(
            &[
                "generate",
                "--customers",
                "30",
                "--out",
                "{dir}/generated.csv",
                "--truth",
                "{dir}/generated_truth.csv",
            ],
            Message,
        ),
    ]
}

/// The CLI, built once for all tests of this file.
fn cli() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let exe = std::env::current_exe().expect("test binary");
        let release = exe
            .parent()
            .and_then(Path::parent)
            .and_then(Path::file_name)
            .is_some_and(|n| n == "release");
        let mut cmd = Command::new(cargo);
        cmd.current_dir(env!("CARGO_MANIFEST_DIR")).args([
            "build",
            "--example",
            "cli",
            "--message-format=json",
        ]);
        // The profile `cargo test` built the example with, so that this finds it built
        // (and does not replace it with a slower build the other CLI tests would then run).
        cmd.args(["--profile", if release { "release" } else { "test" }]);
        let out = cmd.stderr(Stdio::inherit()).output().expect("run cargo");
        assert!(out.status.success(), "cargo build --example cli failed");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == "cli")
            .find_map(|m| m["executable"].as_str().map(PathBuf::from))
            .expect("the cli example's executable")
    })
}

/// A fresh directory holding the planted files.
fn planted_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("clientele-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let write = |file: &str, text: &str| std::fs::write(dir.join(file), text).expect("write");
    write("customers.csv", &customers_csv());
    write("transactions.csv", transactions_csv());
    write("bad_transactions.csv", bad_transactions_csv());
    write(
        "truth.csv",
        "id,entity_id\nC1,E1\nC2,E1\nC3,E3\nC5,E5\nC6,E6\nC7,E7\n",
    );
    dir
}

fn leaks(text: &str) -> Vec<&'static str> {
    SECRETS
        .iter()
        .copied()
        .filter(|s| text.contains(s))
        .collect()
}

#[test]
fn no_command_shows_a_planted_value_in_a_message() {
    let dir = planted_dir("privacy");
    let dir_text = dir.to_str().expect("utf-8 temp path");
    let mut failures = Vec::new();
    for s in steps() {
        let mut args = s.args.to_vec();
        if s.allow_rejects && args.contains(&"{dir}/customers.csv") {
            args.push("--allow-rejects");
        }
        let out = run(&dir, &args, s.stdin);
        if let Some(file) = s.save_stdout {
            std::fs::write(dir.join(file), &out.stdout).expect("save standard output");
        }
        let shown = args.join(" ").replace("{dir}", dir_text);
        let ended = if out.status.success() {
            Outcome::Succeeds
        } else {
            Outcome::Fails
        };
        if s.outcome != Outcome::Either && ended != s.outcome {
            failures.push(format!(
                "`{shown}`: expected {:?}, {ended:?}: {}",
                s.outcome,
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        let stderr = String::from_utf8_lossy(&out.stderr);
        if std::env::var_os("CLIENTELE_SHOW_OUTPUT").is_some() {
            eprintln!(
                "$ {shown}\n{stderr}{}",
                String::from_utf8_lossy(&out.stdout)
            );
        }
        for leak in leaks(&stderr) {
            failures.push(format!("`{shown}`: `{leak}` on standard error:\n{stderr}"));
        }
        if s.stdout == Stdout::Message {
            let stdout = String::from_utf8_lossy(&out.stdout);
            for leak in leaks(&stdout) {
                failures.push(format!("`{shown}`: `{leak}` on standard output:\n{stdout}"));
            }
        }
        for file in s.message_files {
            let text = std::fs::read_to_string(dir.join(file)).unwrap_or_default();
            assert!(!text.is_empty(), "`{shown}` wrote no {file}");
            for leak in leaks(&text) {
                failures.push(format!("`{shown}`: `{leak}` in {file}"));
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn the_planted_rows_are_reported_by_line_and_kept_where_they_parse() {
    let dir = planted_dir("privacy-report");
    let out = run(&dir, &["stats", "{dir}/customers.csv", "--json"], None);
    let _ = std::fs::remove_dir_all(&dir);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    // The kind, the long id, the duplicate and the short row are refused, each by its line.
    let lines: Vec<u64> = report["rows_rejected"]
        .as_array()
        .expect("rejected rows")
        .iter()
        .filter_map(|r| r["line"].as_u64())
        .collect();
    assert_eq!(lines, [4, 5, 6, 7], "{report:#}");
    assert_eq!(report["records_read"], 5, "{report:#}");
    // The bad country, birth dates and timestamp are problems of rows that were kept.
    let fields: Vec<&str> = report["field_problems"]
        .as_array()
        .expect("problems")
        .iter()
        .filter_map(|p| p["field"].as_str())
        .collect();
    for f in ["country", "birth_date", "created_at"] {
        assert!(fields.contains(&f), "{f} not reported: {report:#}");
    }
}

#[test]
fn flags_and_column_names_are_shown_so_that_a_typo_can_be_fixed() {
    let dir = planted_dir("privacy-flags");
    let bad_date = run(
        &dir,
        &["validate", "{dir}/customers.csv", "--as-of", "2026-13-01"],
        None,
    );
    let bad_map = run(
        &dir,
        &["stats", "{dir}/customers.csv", "--map", "surname"],
        None,
    );
    let _ = std::fs::remove_dir_all(&dir);
    assert!(!bad_date.status.success());
    let stderr = String::from_utf8_lossy(&bad_date.stderr);
    assert!(stderr.contains("--as-of `2026-13-01`"), "{stderr}");
    assert!(!bad_map.status.success());
    let stderr = String::from_utf8_lossy(&bad_map.stderr);
    assert!(stderr.contains("`surname`"), "{stderr}");
}

/// Runs the CLI with `{dir}` replaced in the arguments.
fn run(dir: &Path, args: &[&str], stdin: Option<&str>) -> std::process::Output {
    use std::io::Write;
    let dir = dir.to_str().expect("utf-8 temp path");
    let args: Vec<String> = args.iter().map(|a| a.replace("{dir}", dir)).collect();
    let mut child = Command::new(cli())
        .args(&args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run cli");
    if let Some(mut input) = child.stdin.take() {
        input
            .write_all(stdin.unwrap_or("").as_bytes())
            .expect("write stdin");
    }
    child.wait_with_output().expect("cli output")
}
