//! The clientele command line: the library's jobs on CSV files.
//!
//! ```text
//! cargo run --release --example cli -- pipeline examples/data/customers.csv
//! cargo run --release --example cli -- stats febrl3.csv --map surname=family_name --map rec_id=id
//! ```
//!
//! This is the only place of the project that does I/O: it reads CSV into records through
//! `clientele::import` and prints what the library answers.

mod lifecycle;
mod merge;
mod pipeline;
mod report;
mod segment;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use clientele::Customer;
use clientele::dedupe::{Deduplicator, ordered_pair, pairs_from_entities};
use clientele::import::{ColumnMap, FieldProblem, KNOWN_COLUMNS, RowReader};
use clientele::model::{Address, PersonName};
use clientele::normalize::{FieldKind, Normalizer};
use clientele::validate::{Issue, Severity, Validator, ValueKind, check_field};

#[derive(Parser)]
#[command(
    name = "clientele",
    about = "Customer data: load, check, normalize, deduplicate, merge and score",
    version
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args, Clone)]
struct Input {
    /// The customers CSV file (header row required).
    file: PathBuf,
    /// Rename an input column before reading, as SRC=DST (repeatable), e.g. surname=family_name.
    #[arg(long = "map", value_name = "SRC=DST")]
    map: Vec<String>,
}

#[derive(Subcommand)]
enum Command {
    /// The whole job on one file: validate, normalize, deduplicate and merge, then a short
    /// report (records in, issues found, duplicates merged, records out).
    Pipeline(pipeline::PipelineArgs),
    /// Score every customer as of a day: `id,r,f,m,rfm_segment,tier,stage,p_alive,
    /// expected_purchases_52,clv` (RFM, tier and stage from the rules; probability alive,
    /// purchases expected in the next 52 weeks and lifetime value from BG/NBD and Gamma-Gamma
    /// models fitted on the same transactions).
    Segment(segment::SegmentArgs),
    /// One self-contained HTML page of KPIs (stage funnel, tiers, RFM segments and grid, cohort
    /// retention, revenue and active customers per period), the data-quality scorecard and the
    /// follow-up list as of a day; optionally the same figures as JSON and the list as CSV.
    Report(report::ReportArgs),
    /// Read a customers CSV and report records read, fields filled and rows rejected.
    Stats {
        #[command(flatten)]
        input: Input,
        /// Print the report as one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Check and normalize one value per line from standard input; writes CSV
    /// `input,valid,normalized,key,code`.
    Field {
        /// What the values are.
        kind: Kind,
        /// Default region (ISO 3166 alpha-2) for phones written without a country code.
        #[arg(long)]
        region: Option<String>,
    },
    /// Validate every record; one JSON object per issue on standard output
    /// (`id, field, code, severity, message`), a summary per code on standard error.
    Validate {
        #[command(flatten)]
        input: Input,
        /// Default region for phones written without a country code, when a record has no
        /// country.
        #[arg(long)]
        region: Option<String>,
        /// Judge dates as of this day (default: today).
        #[arg(long)]
        as_of: Option<String>,
    },
    /// Find duplicates: scored pairs at or above the threshold and a cluster id for every record.
    Dedupe {
        #[command(flatten)]
        input: Input,
        /// Default region for phones written without a country code.
        #[arg(long)]
        region: Option<String>,
        /// Match probability at or above which pairs are written and clustered.
        #[arg(long, default_value_t = 0.5)]
        threshold: f64,
        /// Output: `id_1,id_2,probability,match_weight`.
        #[arg(long)]
        pairs: PathBuf,
        /// Output: `id,cluster_id`.
        #[arg(long)]
        clusters: PathBuf,
        /// Print the explanation of the N strongest and N weakest pairs written.
        #[arg(long, default_value_t = 0)]
        explain: usize,
        /// Write the trained model as JSON.
        #[arg(long)]
        model_out: Option<PathBuf>,
    },
    /// Link two files: pairs of a record of A and a record of B.
    Link {
        /// Source A.
        a: PathBuf,
        /// Source B.
        b: PathBuf,
        /// Rename input columns of both files, SRC=DST (repeatable).
        #[arg(long = "map", value_name = "SRC=DST")]
        map: Vec<String>,
        /// Default region for phones written without a country code.
        #[arg(long)]
        region: Option<String>,
        /// Match probability threshold.
        #[arg(long, default_value_t = 0.5)]
        threshold: f64,
        /// Output: `id_1,id_2,probability,match_weight` (`id_1` from A).
        #[arg(long)]
        pairs: PathBuf,
    },
    /// Generate synthetic customers with known duplicates (seeded, deterministic).
    Generate {
        /// Number of records.
        #[arg(long)]
        customers: usize,
        /// Share of records in clusters of duplicates.
        #[arg(long, default_value_t = 0.1)]
        duplicates: f64,
        /// Share of Chinese names.
        #[arg(long, default_value_t = 0.5)]
        chinese: f64,
        /// Seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Output records CSV.
        #[arg(long)]
        out: PathBuf,
        /// Output truth CSV `id,entity_id`.
        #[arg(long)]
        truth: PathBuf,
        /// Also write purchases, `id,date,amount,currency,channel`.
        #[arg(long)]
        transactions: Option<PathBuf>,
    },
    /// Pairwise precision, recall and F1 (and cluster figures) of a pairs file against the truth.
    Evaluate {
        /// Found pairs: CSV whose first two columns are ids.
        #[arg(long)]
        pairs: PathBuf,
        /// Truth: `id,entity_id`, or a pairs file (`id_1,id_2`, as FEBRL's true pairs).
        #[arg(long)]
        truth: PathBuf,
    },
    /// Merge clusters of duplicates (`id,cluster_id` from `dedupe`) into one record each; writes
    /// the merged records and one JSON audit event per line.
    Merge(merge::MergeArgs),
    /// Summarize purchases per customer for lifecycle models; writes CSV
    /// `id,frequency,recency,T,monetary`.
    Summarize(lifecycle::SummarizeArgs),
    /// Fit the BG/NBD and Gamma-Gamma models to summaries; prints JSON.
    LifecycleFit(lifecycle::FitArgs),
    /// Write the records back with canonical values and `*_key` columns; a summary of the rules
    /// that fired goes to standard error.
    Normalize {
        #[command(flatten)]
        input: Input,
        /// Default region for phones written without a country code.
        #[arg(long)]
        region: Option<String>,
        /// Output file (standard output when absent).
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

/// Value kinds of the `field` command.
#[derive(Clone, Copy, ValueEnum)]
enum Kind {
    PersonName,
    CompanyName,
    Phone,
    Email,
    Address,
    Uscc,
    CnId,
    Postcode,
}

impl Kind {
    fn value_kind(self) -> ValueKind {
        match self {
            Self::PersonName => ValueKind::PersonName,
            Self::CompanyName => ValueKind::CompanyName,
            Self::Phone => ValueKind::Phone,
            Self::Email => ValueKind::Email,
            Self::Address => ValueKind::Address,
            Self::Uscc => ValueKind::Uscc,
            Self::CnId => ValueKind::CnId,
            Self::Postcode => ValueKind::Postcode,
        }
    }
}

/// One answer of the `field` command.
#[derive(serde::Serialize)]
struct FieldRow {
    input: String,
    valid: bool,
    normalized: String,
    key: String,
    code: String,
}

fn field(kind: Kind, region: Option<&str>) -> Result<(), String> {
    use std::io::BufRead;
    let today = chrono::Utc::now().date_naive();
    let mut out = csv::Writer::from_writer(std::io::stdout().lock());
    for line in std::io::stdin().lock().lines() {
        let input = line.map_err(|e| format!("standard input: {e}"))?;
        let v = check_field(kind.value_kind(), &input, region, today);
        let row = FieldRow {
            input,
            valid: v.valid,
            normalized: v.normalized,
            key: v.key,
            code: v.code.map(|c| c.to_string()).unwrap_or_default(),
        };
        out.serialize(row).map_err(|e| e.to_string())?;
    }
    out.flush().map_err(|e| e.to_string())
}

/// One line of the `validate` command's JSON Lines output.
#[derive(serde::Serialize)]
struct IssueLine<'a> {
    id: Option<&'a str>,
    field: &'a str,
    code: &'a str,
    severity: Severity,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<u64>,
}

/// Validates the loaded records; cells the importer could not type are issues too, on the record
/// they belong to.
fn validation_report(
    loaded: &Loaded,
    region: Option<&str>,
    as_of: Option<&str>,
) -> Result<clientele::validate::ValidationReport, String> {
    let mut v = Validator::new();
    if let Some(r) = region {
        v = v.default_region(r);
    }
    if let Some(d) = as_of {
        let day =
            clientele::model::parse_date(d).map_err(|e| e.for_setting("--as-of", d).to_string())?;
        v = v.as_of(day);
    }
    let mut report = v.validate_all(&loaded.customers);
    report.add(
        loaded
            .customers
            .iter()
            .zip(&loaded.problems_by_record)
            .flat_map(|(c, problems)| problems.iter().map(|p| Issue::from_import(&c.id, p))),
    );
    Ok(report)
}

fn validate_file(input: &Input, region: Option<&str>, as_of: Option<&str>) -> Result<(), String> {
    use std::io::Write;
    let loaded = load(input)?;
    let report = validation_report(&loaded, region, as_of)?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for r in &loaded.rejected {
        let msg = format!("row rejected: {}", r.reason);
        let line = IssueLine {
            id: None,
            field: "",
            code: "row.rejected",
            severity: Severity::Error,
            message: &msg,
            line: Some(r.line),
        };
        writeln!(
            out,
            "{}",
            serde_json::to_string(&line).map_err(|e| e.to_string())?
        )
        .map_err(|e| e.to_string())?;
    }
    for i in &report.issues {
        let line = IssueLine {
            id: Some(i.id.as_str()),
            field: &i.field,
            code: i.code.as_str(),
            severity: i.severity,
            message: &i.message,
            line: None,
        };
        writeln!(
            out,
            "{}",
            serde_json::to_string(&line).map_err(|e| e.to_string())?
        )
        .map_err(|e| e.to_string())?;
    }
    out.flush().map_err(|e| e.to_string())?;
    eprintln!(
        "records checked: {}; issues: {}; rows rejected: {}",
        report.records,
        report.issues.len(),
        loaded.rejected.len()
    );
    for line in report.summary() {
        eprintln!("  {line}");
    }
    Ok(())
}

fn deduplicator(region: Option<&str>, threshold: f64) -> Deduplicator {
    let d = Deduplicator::new().threshold(threshold).on_progress(|p| {
        if p.stage == "compare" && p.total > 2_000_000 && p.done % 2_000_000 < 65_536 {
            eprintln!("  compared {} of {} pairs", p.done, p.total);
        }
    });
    match region {
        Some(r) => d.default_region(r),
        None => d,
    }
}

fn write_pairs(path: &Path, pairs: &[clientele::dedupe::ScoredPair]) -> Result<(), String> {
    let mut w = csv::Writer::from_path(path).map_err(|e| format!("{}: {e}", path.display()))?;
    w.write_record(["id_1", "id_2", "probability", "match_weight"])
        .map_err(|e| e.to_string())?;
    for p in pairs {
        w.write_record([
            p.id_1.as_str(),
            p.id_2.as_str(),
            &format!("{:.6}", p.probability),
            &format!("{:.4}", p.match_weight),
        ])
        .map_err(|e| e.to_string())?;
    }
    w.flush().map_err(|e| e.to_string())
}

/// Writes `id,cluster_id` for every record, in id order.
fn write_clusters(path: &Path, clusters: &[clientele::dedupe::Cluster]) -> Result<(), String> {
    let err = |e: csv::Error| format!("{}: {e}", path.display());
    let mut w = csv::Writer::from_path(path).map_err(err)?;
    w.write_record(["id", "cluster_id"]).map_err(err)?;
    let mut rows: Vec<(&str, &str)> = clusters
        .iter()
        .flat_map(|c| {
            c.members
                .iter()
                .map(move |m| (m.as_str(), c.cluster_id.as_str()))
        })
        .collect();
    rows.sort();
    for (id, cl) in rows {
        w.write_record([id, cl]).map_err(err)?;
    }
    w.flush().map_err(|e| format!("{}: {e}", path.display()))
}

fn dedupe(
    input: &Input,
    region: Option<&str>,
    threshold: f64,
    pairs_path: &Path,
    clusters_path: &Path,
    explain: usize,
    model_out: Option<&Path>,
) -> Result<(), String> {
    let started = std::time::Instant::now();
    let loaded = load(input)?;
    if !loaded.rejected.is_empty() {
        eprintln!(
            "{} rows rejected (run `stats` for details)",
            loaded.rejected.len()
        );
    }
    let result = deduplicator(region, threshold)
        .run(&loaded.customers)
        .map_err(|e| e.to_string())?;
    eprintln!(
        "blocking: {} candidate pairs",
        result.blocking.candidate_pairs
    );
    for r in &result.blocking.rules {
        eprintln!("  {:<18} {:>12} pairs", r.rule, r.pairs);
    }
    for w in &result.blocking.warnings {
        eprintln!("  warning: {w}");
    }
    write_pairs(pairs_path, &result.pairs)?;
    write_clusters(clusters_path, &result.clusters)?;
    let multi = result
        .clusters
        .iter()
        .filter(|c| c.members.len() > 1)
        .count();
    eprintln!(
        "records: {}; pairs at or above {threshold}: {}; clusters with duplicates: {multi}; prior {:.4}; EM iterations {}; {:.2} s",
        loaded.customers.len(),
        result.pairs.len(),
        result.model.prior,
        result.model.em_iterations,
        started.elapsed().as_secs_f64()
    );
    if explain > 0 {
        let mut sorted: Vec<&clientele::dedupe::ScoredPair> = result.pairs.iter().collect();
        sorted.sort_by(|a, b| b.match_weight.total_cmp(&a.match_weight));
        let weakest = sorted.iter().rev().take(explain).rev();
        for p in sorted.iter().take(explain).chain(weakest) {
            println!("\n{} ~ {}\n{}", p.id_1, p.id_2, p.explanation);
        }
    }
    if let Some(path) = model_out {
        let json = serde_json::to_string_pretty(&result.model).map_err(|e| e.to_string())?;
        std::fs::write(path, json).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(())
}

fn link(
    a: &Path,
    b: &Path,
    map: &[String],
    region: Option<&str>,
    threshold: f64,
    pairs: &Path,
) -> Result<(), String> {
    let la = load(&Input {
        file: a.to_path_buf(),
        map: map.to_vec(),
    })?;
    let lb = load(&Input {
        file: b.to_path_buf(),
        map: map.to_vec(),
    })?;
    let found = deduplicator(region, threshold)
        .link(&la.customers, &lb.customers)
        .map_err(|e| e.to_string())?;
    write_pairs(pairs, &found)?;
    eprintln!(
        "A: {} records; B: {} records; linked pairs: {}",
        la.customers.len(),
        lb.customers.len(),
        found.len()
    );
    Ok(())
}

/// Reads pairs from the first two columns of a CSV, each pair ordered.
fn read_pairs(path: &Path) -> Result<std::collections::BTreeSet<(String, String)>, String> {
    let mut rdr = csv::Reader::from_path(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut out = std::collections::BTreeSet::new();
    for r in rdr.records() {
        let r = r.map_err(|e| format!("{}: {e}", path.display()))?;
        if let (Some(a), Some(b)) = (r.get(0), r.get(1)) {
            let (a, b) = (a.trim().to_owned(), b.trim().to_owned());
            if a != b {
                out.insert(ordered_pair(&a, &b));
            }
        }
    }
    Ok(out)
}

fn evaluate(pairs: &Path, truth: &Path) -> Result<(), String> {
    let found = read_pairs(pairs)?;
    let header: Vec<String> = csv::Reader::from_path(truth)
        .map_err(|e| format!("{}: {e}", truth.display()))?
        .headers()
        .map_err(|e| e.to_string())?
        .iter()
        .map(str::to_owned)
        .collect();
    // Truth as entities (`id,entity_id`) or as pairs (FEBRL's `rec_id_1,rec_id_2`).
    let truth_pairs = if header.get(1).is_some_and(|h| h == "entity_id") {
        let mut rows = Vec::new();
        let mut rdr = csv::Reader::from_path(truth).map_err(|e| e.to_string())?;
        for r in rdr.records() {
            let r = r.map_err(|e| e.to_string())?;
            if let (Some(id), Some(e)) = (r.get(0), r.get(1)) {
                rows.push((id.to_owned(), e.to_owned()));
            }
        }
        pairs_from_entities(rows.iter().map(|(a, b)| (a.as_str(), b.as_str())))
    } else {
        read_pairs(truth)?
    };
    let e = clientele::dedupe::evaluate(&found, &truth_pairs);
    println!(
        "{}",
        serde_json::to_string_pretty(&e).map_err(|e| e.to_string())?
    );
    Ok(())
}

/// The CSV columns records are written with: the importer's columns up to `source`.
fn out_columns() -> &'static [&'static str] {
    KNOWN_COLUMNS.get(..21).unwrap_or(&KNOWN_COLUMNS)
}

/// A record as a CSV row of [`out_columns`].
fn customer_row(c: &Customer) -> Vec<String> {
    let name = c.person_name.clone().unwrap_or_default();
    let a = c.addresses.first().cloned().unwrap_or_default();
    let join = |v: Vec<String>| v.join(";");
    vec![
        c.id.to_string(),
        c.kind.as_str().to_owned(),
        name.full.unwrap_or_default(),
        name.given.unwrap_or_default(),
        name.middle.unwrap_or_default(),
        name.family.unwrap_or_default(),
        c.company_name
            .as_ref()
            .map(|n| n.legal.clone())
            .unwrap_or_default(),
        join(c.phones.iter().map(|p| p.number.clone()).collect()),
        join(c.emails.iter().map(|e| e.address.clone()).collect()),
        a.house_number.unwrap_or_default(),
        a.lines.first().cloned().unwrap_or_default(),
        a.lines.get(1).cloned().unwrap_or_default(),
        a.locality.unwrap_or_default(),
        a.region.unwrap_or_default(),
        a.postcode.unwrap_or_default(),
        a.country.map(|c| c.to_string()).unwrap_or_default(),
        c.birth_date.map(|d| d.to_string()).unwrap_or_default(),
        c.national_ids
            .first()
            .map(|n| n.value.clone())
            .unwrap_or_default(),
        c.national_ids
            .first()
            .map(|n| n.kind.as_str().to_owned())
            .unwrap_or_default(),
        join(c.tags.iter().cloned().collect()),
        c.source.clone().unwrap_or_default(),
    ]
}

fn generate(
    n: usize,
    duplicates: f64,
    chinese: f64,
    seed: u64,
    out: &Path,
    truth: &Path,
    transactions: Option<&Path>,
) -> Result<(), String> {
    let started = std::time::Instant::now();
    let config = clientele::synth::SynthConfig {
        customers: n,
        duplicate_share: duplicates,
        chinese_share: chinese,
        seed,
        mean_purchases: if transactions.is_some() { 4.0 } else { 0.0 },
        ..Default::default()
    };
    let data = clientele::synth::generate(&config);
    let generated = started.elapsed().as_secs_f64();
    let err = |p: &Path, e: csv::Error| format!("{}: {e}", p.display());
    let mut w = csv::Writer::from_path(out).map_err(|e| err(out, e))?;
    w.write_record(out_columns()).map_err(|e| err(out, e))?;
    for c in &data.customers {
        w.write_record(customer_row(c)).map_err(|e| err(out, e))?;
    }
    w.flush().map_err(|e| e.to_string())?;
    let mut t = csv::Writer::from_path(truth).map_err(|e| err(truth, e))?;
    t.write_record(["id", "entity_id"])
        .map_err(|e| err(truth, e))?;
    for (id, entity) in &data.truth {
        t.write_record([id.as_str(), entity.as_str()])
            .map_err(|e| err(truth, e))?;
    }
    t.flush().map_err(|e| e.to_string())?;
    if let Some(path) = transactions {
        let mut w = csv::Writer::from_path(path).map_err(|e| err(path, e))?;
        w.write_record(["id", "date", "amount", "currency", "channel"])
            .map_err(|e| err(path, e))?;
        for x in &data.transactions {
            let amount = format!("{:.2}", x.amount.to_major(2));
            w.write_record([
                x.customer.as_str(),
                &x.at.date_naive().to_string(),
                &amount,
                x.amount.currency.as_str(),
                x.channel.as_deref().unwrap_or(""),
            ])
            .map_err(|e| err(path, e))?;
        }
        w.flush().map_err(|e| e.to_string())?;
    }
    eprintln!(
        "{} records ({} transactions) generated in {generated:.2} s, written in {:.2} s",
        data.customers.len(),
        data.transactions.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// How a column is normalized by the `normalize` command.
fn column_kind(name: &str) -> Option<FieldKind> {
    Some(match name {
        "full_name" | "given_name" | "middle_name" | "family_name" => FieldKind::PersonName,
        "company_name" => FieldKind::CompanyName,
        "phone" => FieldKind::Phone,
        "email" => FieldKind::Email,
        "street" | "street2" | "house_number" => FieldKind::Address,
        "locality" | "region" | "postcode" => FieldKind::Text,
        _ => return None,
    })
}

fn normalize_file(
    input: &Input,
    region: Option<&str>,
    out_path: Option<&Path>,
) -> Result<(), String> {
    let n = Normalizer::default();
    let map = ColumnMap::parse_all(&input.map).map_err(|e| e.to_string())?;
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(&input.file)
        .map_err(|e| format!("{}: {e}", input.file.display()))?;
    let header: Vec<String> = rdr
        .headers()
        .map_err(|e| format!("{}: header: {e}", input.file.display()))?
        .iter()
        .map(|h| {
            map.target(h.trim_start_matches('\u{feff}').trim())
                .to_owned()
        })
        .collect();
    let has = |c: &str| header.iter().any(|h| h == c);
    let key_columns: Vec<&str> = [
        "person_name_key",
        "company_name_key",
        "phone_key",
        "email_key",
        "address_key",
    ]
    .into_iter()
    .filter(|k| match *k {
        "person_name_key" => ["full_name", "given_name", "family_name"]
            .iter()
            .any(|c| has(c)),
        "company_name_key" => has("company_name"),
        "phone_key" => has("phone"),
        "email_key" => has("email"),
        _ => ["street", "street2", "house_number"].iter().any(|c| has(c)),
    })
    .collect();
    let sink: Box<dyn std::io::Write> = match out_path {
        Some(p) => Box::new(std::fs::File::create(p).map_err(|e| format!("{}: {e}", p.display()))?),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut w = csv::Writer::from_writer(sink);
    let mut out_header = header.clone();
    out_header.extend(key_columns.iter().map(|k| (*k).to_owned()));
    w.write_record(&out_header).map_err(|e| e.to_string())?;
    let mut fired: BTreeMap<String, usize> = BTreeMap::new();
    let (mut rows, mut bad_phones, mut bad_emails) = (0usize, 0usize, 0usize);
    for (i, record) in rdr.records().enumerate() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                eprintln!("line {}: unreadable row skipped: {e}", i + 2);
                continue;
            }
        };
        rows += 1;
        let cell = |c: &str| {
            header
                .iter()
                .position(|h| h == c)
                .and_then(|i| record.get(i))
                .unwrap_or("")
                .trim()
        };
        let mut cells: Vec<String> = Vec::with_capacity(out_header.len());
        for (name, value) in header.iter().zip(record.iter()) {
            let Some(kind) = column_kind(name) else {
                cells.push(value.to_owned());
                continue;
            };
            let parts: Vec<String> = value
                .split([';', '；'])
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(|v| {
                    let r = n.normalize_traced(kind, v);
                    for step in &r.trace {
                        *fired.entry(step.rule.clone()).or_default() += 1;
                    }
                    match kind {
                        FieldKind::Phone => match n.phone(v, region) {
                            Ok(p) => {
                                *fired.entry("phone.e164".into()).or_default() +=
                                    usize::from(p.e164 != v);
                                p.e164
                            }
                            Err(_) => {
                                bad_phones += 1;
                                r.canonical
                            }
                        },
                        FieldKind::Email => match n.email(v) {
                            Ok(e) => e.canonical,
                            Err(_) => {
                                bad_emails += 1;
                                r.canonical
                            }
                        },
                        FieldKind::Text if name == "postcode" => r.canonical.to_uppercase(),
                        _ => r.canonical,
                    }
                })
                .collect();
            cells.push(parts.join(";"));
        }
        for k in &key_columns {
            let value = match *k {
                "person_name_key" => {
                    let opt = |c: &str| Some(cell(c).to_owned()).filter(|s| !s.is_empty());
                    n.person_name(&PersonName {
                        full: opt("full_name"),
                        given: opt("given_name"),
                        middle: opt("middle_name"),
                        family: opt("family_name"),
                    })
                    .key
                }
                "company_name_key" => {
                    n.normalize(FieldKind::CompanyName, cell("company_name"))
                        .key
                }
                "phone_key" => split_cell(cell("phone"))
                    .filter_map(|v| n.phone(v, region).ok().map(|p| p.e164))
                    .collect::<Vec<_>>()
                    .join(";"),
                "email_key" => split_cell(cell("email"))
                    .filter_map(|v| n.email(v).ok().map(|e| e.key))
                    .collect::<Vec<_>>()
                    .join(";"),
                _ => {
                    let lines: Vec<String> = [cell("street"), cell("street2")]
                        .into_iter()
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned)
                        .collect();
                    let house = Some(cell("house_number").to_owned()).filter(|s| !s.is_empty());
                    n.address(&Address {
                        lines,
                        house_number: house,
                        ..Address::default()
                    })
                    .key
                }
            };
            cells.push(value);
        }
        w.write_record(&cells).map_err(|e| e.to_string())?;
    }
    w.flush().map_err(|e| e.to_string())?;
    eprintln!(
        "rows written: {rows}; phones not parsed: {bad_phones}; emails not parsed: {bad_emails}"
    );
    eprintln!("rules that changed a value (rule, times):");
    let mut counts: Vec<(String, usize)> = fired.into_iter().collect();
    counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    for (rule, count) in counts {
        eprintln!("  {rule:<32} {count:>8}");
    }
    Ok(())
}

fn split_cell(cell: &str) -> impl Iterator<Item = &str> {
    cell.split([';', '；'])
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

/// A rejected row.
#[derive(serde::Serialize)]
struct Rejected {
    line: u64,
    reason: String,
}

/// What reading a file gave.
struct Loaded {
    customers: Vec<Customer>,
    rejected: Vec<Rejected>,
    problems: Vec<FieldProblem>,
    /// The problems of each accepted record, in record order.
    problems_by_record: Vec<Vec<FieldProblem>>,
    /// Non-empty cells per column (after renaming) among accepted rows.
    filled: BTreeMap<String, usize>,
    columns: Vec<String>,
}

fn load(input: &Input) -> Result<Loaded, String> {
    let map = ColumnMap::parse_all(&input.map).map_err(|e| e.to_string())?;
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(&input.file)
        .map_err(|e| format!("{}: {e}", input.file.display()))?;
    let header: Vec<String> = rdr
        .headers()
        .map_err(|e| format!("{}: header: {e}", input.file.display()))?
        .iter()
        .enumerate()
        .map(|(i, h)| {
            if i == 0 {
                h.trim_start_matches('\u{feff}').to_owned()
            } else {
                h.to_owned()
            }
        })
        .collect();
    let mut reader = RowReader::new(&header, &map);
    let columns: Vec<String> = reader.column_names().map(str::to_owned).collect();
    let mut loaded = Loaded {
        customers: Vec::new(),
        rejected: Vec::new(),
        problems: Vec::new(),
        problems_by_record: Vec::new(),
        filled: BTreeMap::new(),
        columns,
    };
    for (i, record) in rdr.records().enumerate() {
        // Line of the row's start, falling back to its position after the header.
        let fallback = i as u64 + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(fallback, |p| p.line());
                loaded.rejected.push(Rejected {
                    line,
                    reason: format!("unreadable row: {e}"),
                });
                continue;
            }
        };
        let line = record.position().map_or(fallback, |p| p.line());
        let cells: Vec<&str> = record.iter().collect();
        match reader.read(line, &cells) {
            Ok(row) => {
                for (name, cell) in loaded.columns.iter().zip(&cells) {
                    if !cell.trim().is_empty() {
                        *loaded.filled.entry(name.clone()).or_default() += 1;
                    }
                }
                loaded.problems.extend(row.problems.iter().cloned());
                loaded.problems_by_record.push(row.problems);
                loaded.customers.push(row.customer);
            }
            Err(clientele::Error::Row { line, reason }) => {
                loaded.rejected.push(Rejected { line, reason })
            }
            Err(e) => loaded.rejected.push(Rejected {
                line,
                reason: e.to_string(),
            }),
        }
    }
    Ok(loaded)
}

fn stats(input: &Input, json: bool) -> Result<(), String> {
    let loaded = load(input)?;
    let persons = loaded
        .customers
        .iter()
        .filter(|c| c.kind == clientele::CustomerKind::Person)
        .count();
    let companies = loaded.customers.len() - persons;
    if json {
        let report = serde_json::json!({
            "file": input.file.display().to_string(),
            "records_read": loaded.customers.len(),
            "persons": persons,
            "companies": companies,
            "rows_rejected": loaded.rejected,
            "field_problems": loaded.problems,
            "fields_filled": loaded.filled,
        });
        println!("{report:#}");
        return Ok(());
    }
    let total = loaded.customers.len();
    println!("file: {}", input.file.display());
    println!("records read: {total} ({persons} persons, {companies} companies)");
    println!("rows rejected: {}", loaded.rejected.len());
    for r in &loaded.rejected {
        println!("  line {}: {}", r.line, r.reason);
    }
    println!(
        "field problems (row kept, raw value kept as a custom field): {}",
        loaded.problems.len()
    );
    for p in &loaded.problems {
        println!("  line {}: {}: {}", p.line, p.field, p.reason);
    }
    println!("fields filled:");
    println!("  {:<20} {:>9} {:>7}", "column", "filled", "share");
    for name in &loaded.columns {
        let n = loaded.filled.get(name).copied().unwrap_or(0);
        let share = if total == 0 {
            0.0
        } else {
            100.0 * n as f64 / total as f64
        };
        let note = if RowReader::is_known(name) {
            ""
        } else {
            "  (custom field)"
        };
        println!("  {name:<20} {n:>9} {share:>6.1}%{note}");
    }
    let unmapped: Vec<&str> = KNOWN_COLUMNS
        .iter()
        .copied()
        .filter(|k| !loaded.columns.iter().any(|c| c == k))
        .collect();
    if !unmapped.is_empty() {
        println!("columns not in the file: {}", unmapped.join(", "));
    }
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Stats { input, json } => stats(input, *json),
        Command::Field { kind, region } => field(*kind, region.as_deref()),
        Command::Dedupe {
            input,
            region,
            threshold,
            pairs,
            clusters,
            explain,
            model_out,
        } => dedupe(
            input,
            region.as_deref(),
            *threshold,
            pairs,
            clusters,
            *explain,
            model_out.as_deref(),
        ),
        Command::Link {
            a,
            b,
            map,
            region,
            threshold,
            pairs,
        } => link(a, b, map, region.as_deref(), *threshold, pairs),
        Command::Evaluate { pairs, truth } => evaluate(pairs, truth),
        Command::Generate {
            customers,
            duplicates,
            chinese,
            seed,
            out,
            truth,
            transactions,
        } => generate(
            *customers,
            *duplicates,
            *chinese,
            *seed,
            out,
            truth,
            transactions.as_deref(),
        ),
        Command::Validate {
            input,
            region,
            as_of,
        } => validate_file(input, region.as_deref(), as_of.as_deref()),
        Command::Merge(args) => merge::run(args),
        Command::Pipeline(args) => pipeline::run(args),
        Command::Segment(args) => segment::run(args),
        Command::Report(args) => report::run(args),
        Command::Summarize(args) => lifecycle::run_summarize(args),
        Command::LifecycleFit(args) => lifecycle::run_fit(args),
        Command::Normalize { input, region, out } => {
            normalize_file(input, region.as_deref(), out.as_deref())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
