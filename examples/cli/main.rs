//! The clientele command line: the library's jobs on CSV files.
//!
//! ```text
//! cargo run --release --example cli -- pipeline examples/data/customers.csv
//! cargo run --release --example cli -- stats febrl3.csv --map surname=family_name --map rec_id=id
//! cargo run --release --example cli -- pipeline examples/data/customers.csv --store crm.db
//! cargo run --release --example cli -- validate --store crm.db
//! ```
//!
//! This is the only place of the project that does I/O: it reads customer files through
//! `clientele::files` and prints what the library answers.
//!
//! Exit status: 0 when the command succeeded; 1 on an error (nothing written); 2 for a usage
//! error (a flag out of range, say); 3 when the command ran but refused input rows and
//! `--allow-rejects` was not given (the report is printed, no output file is written). A closed
//! standard output (`| head`) ends the output quietly.

mod backup;
mod flags;
mod import;
mod io;
mod keyed;
mod lifecycle;
mod merge;
mod normalize;
mod pipeline;
mod report;
mod review;
mod segment;
mod store;
mod timings;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// mimalloc instead of the system allocator: reading a file builds and drops millions of small
/// strings on several threads at once, where glibc's allocator spent about a sixth of the
/// process's time (docs/DECISIONS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::{Parser, Subcommand, ValueEnum};
use clientele::dedupe::{Deduplicator, ordered_pair, pairs_from_entities};
use clientele::files::{Columns, FileRead, RecordWriter};
use clientele::import::{KNOWN_COLUMNS, RepeatedColumns, RowReader};
use clientele::validate::{Issue, Severity, Validator, ValueKind, check_field};

use io::outln;

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

/// What to do with a column name the header repeats.
#[derive(Clone, Copy, Default, ValueEnum)]
enum Repeated {
    /// Refuse the file, naming the column.
    #[default]
    Refuse,
    /// Keep every value: a repeated `phone`, `email` or `tags` column adds to the list, any
    /// other becomes a custom field `NAME#2`.
    Append,
}

impl From<Repeated> for RepeatedColumns {
    fn from(r: Repeated) -> Self {
        match r {
            Repeated::Refuse => Self::Refuse,
            Repeated::Append => Self::Append,
        }
    }
}

#[derive(clap::Args, Clone)]
struct Input {
    /// The customers file (header row required): CSV, or a workbook (.xlsx, .xls, .ods).
    file: PathBuf,
    /// Rename an input column before reading, as SRC=DST (repeatable), e.g. surname=family_name.
    #[arg(long = "map", value_name = "SRC=DST")]
    map: Vec<String>,
    /// Go on without the rows that cannot be read (listed on standard error): write the
    /// outputs and exit 0. Without it a refused row makes the command exit 3 and write no file.
    #[arg(long)]
    allow_rejects: bool,
    /// A column name the header holds twice: refuse the file, or append the values.
    #[arg(long, value_enum, default_value = "refuse")]
    repeated_columns: Repeated,
    /// The file's text encoding: auto (a byte-order mark, else UTF-8 or GB18030 as the first
    /// non-ASCII rows show), utf-8, utf-16le, utf-16be, gbk or gb18030.
    #[arg(long, default_value = "auto", value_parser = flags::encoding)]
    encoding: clientele::files::Encoding,
    /// The sheet of a workbook (.xlsx, .xls, .ods) to read: its name or its number from 1
    /// (the first sheet by default).
    #[arg(long, value_name = "NAME|INDEX")]
    sheet: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// The whole job on one file: validate, normalize, deduplicate and merge, then a short
    /// report (records in, issues found, duplicates merged, records out).
    Pipeline(pipeline::PipelineArgs),
    /// Import a file into a store that already holds customers: each row matched against the
    /// store and the file with the model kept in the store, then inserted, merged, held for
    /// review or rejected; a summary (and `--report OUT.json`). Re-importing a file changes
    /// nothing.
    Import(import::ImportArgs),
    /// The review queue of `import`: `list`, `merge SOURCE ROW_ID`, `keep-apart SOURCE ROW_ID`.
    Review(review::ReviewArgs),
    /// Back up a whole store (customers, activity, merge records, review queue, audit
    /// history, policies) to one checksummed file; an encrypted store's values stay sealed.
    Backup(backup::BackupArgs),
    /// Restore a backup into a new or empty store, all or nothing, after checking all of it
    /// (`--verify` only checks it).
    Restore(backup::RestoreArgs),
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
        input: store::Source,
        /// Default region for phones written without a country code, when a record has no
        /// country.
        #[arg(long)]
        region: Option<String>,
        /// Judge dates as of this day (default: today).
        #[arg(long)]
        as_of: Option<String>,
    },
    /// Find duplicates: scored pairs at or above the threshold and a cluster id for every record.
    Dedupe(DedupeArgs),
    /// Link two files: pairs of a record of A and a record of B.
    Link {
        /// Source A.
        a: PathBuf,
        /// Source B.
        b: PathBuf,
        /// Rename input columns of both files, SRC=DST (repeatable).
        #[arg(long = "map", value_name = "SRC=DST")]
        map: Vec<String>,
        /// Go on without the rows that cannot be read (see `stats --help`).
        #[arg(long)]
        allow_rejects: bool,
        /// A column name a header holds twice: refuse the file, or append the values.
        #[arg(long, value_enum, default_value = "refuse")]
        repeated_columns: Repeated,
        /// The files' text encoding (see `stats --help`).
        #[arg(long, default_value = "auto", value_parser = flags::encoding)]
        encoding: clientele::files::Encoding,
        /// The sheet of workbooks to read (see `stats --help`).
        #[arg(long, value_name = "NAME|INDEX")]
        sheet: Option<String>,
        /// Default region for phones written without a country code.
        #[arg(long)]
        region: Option<String>,
        /// Match probability threshold (0 to 1).
        #[arg(long, default_value_t = 0.5, value_parser = flags::probability)]
        threshold: f64,
        /// Output: `id_1,id_2,probability,match_weight` (`id_1` from A).
        #[arg(long)]
        pairs: PathBuf,
    },
    /// Generate synthetic customers with known duplicates (seeded, deterministic).
    Generate {
        /// Number of records (1 to 20,000,000).
        #[arg(long, value_parser = flags::customers)]
        customers: usize,
        /// Share of records in clusters of duplicates (0 to 1).
        #[arg(long, default_value_t = 0.1, value_parser = flags::probability)]
        duplicates: f64,
        /// Share of Chinese names (0 to 1).
        #[arg(long, default_value_t = 0.5, value_parser = flags::probability)]
        chinese: f64,
        /// Seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Who the customers are: `mixed` (Chinese and Latin-script, several countries) or
        /// `name-built-emails` (US people with Zipf-skewed names and mailboxes built from them
        /// on a few big providers; `--chinese` is not used).
        #[arg(long, value_enum, default_value_t = Population::Mixed)]
        population: Population,
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
    /// the merged records, one JSON audit event per line, and the provenance that undoes it.
    Merge(merge::MergeArgs),
    /// Undo merges: the merged file and its provenance back to the records before the merge.
    Unmerge(merge::UnmergeArgs),
    /// Summarize purchases per customer for lifecycle models; writes CSV
    /// `id,frequency,recency,T,monetary`.
    Summarize(lifecycle::SummarizeArgs),
    /// Fit the BG/NBD and Gamma-Gamma models to summaries; prints JSON.
    LifecycleFit(lifecycle::FitArgs),
    /// Write the records back with canonical values and `*_key` columns; a summary of the rules
    /// that fired goes to standard error.
    Normalize(normalize::NormalizeArgs),
}

/// Arguments of `dedupe`.
#[derive(clap::Args)]
struct DedupeArgs {
    #[command(flatten)]
    input: store::Source,
    /// Default region for phones written without a country code.
    #[arg(long)]
    region: Option<String>,
    /// Match probability (0 to 1) at or above which pairs are written and clustered.
    #[arg(long, default_value_t = 0.5, value_parser = flags::probability)]
    threshold: f64,
    /// Output: `id_1,id_2,probability,match_weight`.
    #[arg(long)]
    pairs: PathBuf,
    /// Output: `id,cluster_id`.
    #[arg(long)]
    clusters: PathBuf,
    /// Print the explanation of the N strongest and N weakest pairs written (N up to 100,000).
    #[arg(long, default_value_t = 0, value_parser = flags::explain)]
    explain: usize,
    /// Write the trained model as JSON.
    #[arg(long)]
    model_out: Option<PathBuf>,
    /// Print the time and memory of each stage (read, prepare, block, compare, train, score,
    /// cluster, write) to standard error at the end.
    #[arg(long)]
    timings: bool,
    /// Comparisons and blocking rules as JSON (`clientele::dedupe::DedupeConfig`, see
    /// docs/DEDUPE.md "Configuration"); without it, the built-in ones.
    #[arg(long)]
    config: Option<PathBuf>,
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
    let mut out = csv::Writer::from_writer(io::stdout());
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
        out.serialize(row).map_err(io::stdout_error)?;
    }
    out.flush().map_err(io::stdout_error)
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
    loaded: &FileRead,
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
            .zip(&loaded.problems)
            .flat_map(|(c, problems)| problems.iter().map(|p| Issue::from_import(&c.id, p))),
    );
    Ok(report)
}

fn validate_file(
    input: &store::Source,
    region: Option<&str>,
    as_of: Option<&str>,
) -> Result<(), String> {
    use std::io::Write;
    let loaded = store::load(input)?;
    let report = validation_report(&loaded, region, as_of)?;
    let mut out = io::stdout();
    let mut line = |l: &IssueLine<'_>| -> Result<(), String> {
        let json = serde_json::to_string(l).map_err(|e| e.to_string())?;
        writeln!(out, "{json}").map_err(io::stdout_error)
    };
    for r in &loaded.rejected {
        let msg = format!("row rejected: {}", r.reason);
        line(&IssueLine {
            id: None,
            field: "",
            code: "row.rejected",
            severity: Severity::Error,
            message: &msg,
            line: Some(r.line),
        })?;
    }
    for i in &report.issues {
        line(&IssueLine {
            id: Some(i.id.as_str()),
            field: &i.field,
            code: i.code.as_str(),
            severity: i.severity,
            message: &i.message,
            line: None,
        })?;
    }
    out.flush().map_err(io::stdout_error)?;
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
    timed_deduplicator(region, threshold, None)
}

/// The detector, marking each stage's start in `timings` when given.
fn timed_deduplicator(
    region: Option<&str>,
    threshold: f64,
    timings: Option<timings::Timings>,
) -> Deduplicator {
    let d = Deduplicator::new()
        .threshold(threshold)
        .on_progress(move |p| {
            if let Some(t) = &timings {
                t.library_stage(p.stage);
            }
            if p.stage == "compare" && p.total > 2_000_000 && p.done % 2_000_000 < 65_536 {
                eprintln!("  compared {} of {} pairs", p.done, p.total);
            }
        });
    match region {
        Some(r) => d.default_region(r),
        None => d,
    }
}

/// A comparison configuration read from a JSON file and checked; an error names the file (and
/// the line and column where it does not read as one).
fn dedupe_config(path: &Path) -> Result<clientele::dedupe::DedupeConfig, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let config: clientele::dedupe::DedupeConfig = serde_json::from_str(&text)
        .map_err(|e| format!("{}: not a comparison configuration: {e}", path.display()))?;
    config
        .check()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(config)
}

/// Writes `id_1,id_2,probability,match_weight`.
fn write_pairs(path: &Path, pairs: &[clientele::dedupe::ScoredPair]) -> Result<(), String> {
    let err = io::csv_error(path);
    let mut w = io::create_csv(path)?;
    w.write_record(["id_1", "id_2", "probability", "match_weight"])
        .map_err(&err)?;
    for p in pairs {
        w.write_record([
            p.id_1.as_str(),
            p.id_2.as_str(),
            &format!("{:.6}", p.probability),
            &format!("{:.4}", p.match_weight),
        ])
        .map_err(&err)?;
    }
    io::commit_csv(w, path)
}

/// Writes `id,cluster_id` for every record, in id order.
fn write_clusters(path: &Path, clusters: &[clientele::dedupe::Cluster]) -> Result<(), String> {
    let err = io::csv_error(path);
    let mut w = io::create_csv(path)?;
    w.write_record(["id", "cluster_id"]).map_err(&err)?;
    let mut rows: Vec<(&str, &str)> = clusters
        .iter()
        .flat_map(|c| {
            c.members
                .iter()
                .map(move |m| (m.as_str(), c.cluster_id.as_str()))
        })
        .collect();
    // Ids are unique, so no two rows are equal and the unstable sort's order is the stable
    // one's; on both cores (a million rows sorted on one thread was 2% of a run's samples).
    rayon::slice::ParallelSliceMut::par_sort_unstable(&mut rows[..]);
    for (id, cl) in rows {
        w.write_record([id, cl]).map_err(&err)?;
    }
    io::commit_csv(w, path)
}

fn dedupe(args: &DedupeArgs) -> Result<(), String> {
    use std::io::Write;
    let started = std::time::Instant::now();
    let timings = args.timings.then(timings::Timings::default);
    if let Some(t) = &timings {
        t.stage("read");
    }
    let threshold = args.threshold;
    let mut d = timed_deduplicator(args.region.as_deref(), threshold, timings.clone());
    if let Some(path) = &args.config {
        d = d.config(dedupe_config(path)?);
    }
    let (result, records) = match args.input.file_input() {
        Some(input) => dedupe_file(&d, &input, timings.as_ref())?,
        None => {
            let loaded = store::load(&args.input)?;
            let result = d.run(&loaded.customers).map_err(|e| e.to_string())?;
            (result, loaded.customers.len())
        }
    };
    if let Some(t) = &timings {
        t.stage("write");
    }
    let (skipped, in_skipped) = result.blocking.skipped();
    eprintln!(
        "blocking: {} candidate pairs; {skipped} blocks over the cap skipped, holding {in_skipped} records",
        result.blocking.candidate_pairs
    );
    for r in &result.blocking.rules {
        eprintln!("  {:<18} {:>12} pairs", r.rule, r.pairs);
    }
    for w in &result.blocking.warnings {
        eprintln!("  warning: {w}");
    }
    write_pairs(&args.pairs, &result.pairs)?;
    write_clusters(&args.clusters, &result.clusters)?;
    if let Some(path) = &args.model_out {
        let json = serde_json::to_string_pretty(&result.model).map_err(|e| e.to_string())?;
        let mut f = io::create(path)?;
        f.write_all(json.as_bytes())
            .map_err(|e| f.error(&e).to_string())?;
        io::commit(f)?;
    }
    for line in timings.iter().flat_map(timings::Timings::lines) {
        eprintln!("  time: {line}");
    }
    let multi = result
        .clusters
        .iter()
        .filter(|c| c.members.len() > 1)
        .count();
    eprintln!(
        "records: {}; pairs at or above {threshold}: {}; clusters with duplicates: {multi}; prior {:.4}; EM iterations {}; {:.2} s",
        records,
        result.pairs.len(),
        result.model.prior,
        result.model.em_iterations,
        started.elapsed().as_secs_f64()
    );
    if args.explain > 0 {
        let mut sorted: Vec<&clientele::dedupe::ScoredPair> = result.pairs.iter().collect();
        sorted.sort_by(|a, b| b.match_weight.total_cmp(&a.match_weight));
        let weakest = sorted.iter().rev().take(args.explain).rev();
        let mut out = io::stdout();
        for p in sorted.iter().take(args.explain).chain(weakest) {
            writeln!(out, "\n{} ~ {}\n{}", p.id_1, p.id_2, p.explanation)
                .map_err(io::stdout_error)?;
        }
        out.flush().map_err(io::stdout_error)?;
    }
    Ok(())
}

/// Deduplicates a customers file read a chunk at a time: each chunk's records are prepared as
/// they are read and then dropped, so the file's records are never all held at once. Refused
/// rows are listed (and counted for the exit status) before the run, as [`io::load`] does.
fn dedupe_file(
    d: &Deduplicator,
    input: &Input,
    timings: Option<&timings::Timings>,
) -> Result<(clientele::dedupe::DedupeResult, usize), String> {
    let options = io::options(input)?;
    let mut batch = d.batch().map_err(|e| e.to_string())?;
    let mut preparing = std::time::Duration::ZERO;
    if let Some(t) = timings {
        t.hold(true);
    }
    let file = io::read_chunks(&input.file, &options, |chunk| {
        let started = std::time::Instant::now();
        batch.add(&chunk.customers);
        preparing += started.elapsed();
        // Dropped on both cores: dropped here, on the thread making records, a chunk's
        // customers (about 20 strings each) were a serial 2% of the run.
        rayon::iter::ParallelIterator::for_each(
            rayon::iter::IntoParallelIterator::into_par_iter(chunk.customers),
            drop,
        );
    })?;
    if let Some(t) = timings {
        t.hold(false);
        t.note(format!(
            "read: of which {:.2} s preparing each chunk's keys, beside the reading",
            preparing.as_secs_f64()
        ));
    }
    io::note_rejects(&input.file, &file, input.allow_rejects, true);
    let records = batch.len();
    let result = batch.run().map_err(|e| e.to_string())?;
    Ok((result, records))
}

fn link(
    (a, b): (&Path, &Path),
    input: &Input,
    region: Option<&str>,
    threshold: f64,
    pairs: &Path,
) -> Result<(), String> {
    let la = io::load(&Input {
        file: a.to_path_buf(),
        ..input.clone()
    })?;
    let lb = io::load(&Input {
        file: b.to_path_buf(),
        ..input.clone()
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
    let err = |e: csv::Error| format!("{}: {e}", path.display());
    let mut rdr = csv::Reader::from_path(path).map_err(err)?;
    let mut out = std::collections::BTreeSet::new();
    for r in rdr.records() {
        let r = r.map_err(err)?;
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
    let err = |e: csv::Error| format!("{}: {e}", truth.display());
    let mut rdr = csv::Reader::from_path(truth).map_err(err)?;
    let header: Vec<String> = rdr
        .headers()
        .map_err(err)?
        .iter()
        .map(str::to_owned)
        .collect();
    // Truth as entities (`id,entity_id`) or as pairs (FEBRL's `rec_id_1,rec_id_2`).
    let truth_pairs = if header.get(1).is_some_and(|h| h == "entity_id") {
        let mut rows = Vec::new();
        for r in rdr.records() {
            let r = r.map_err(err)?;
            if let (Some(id), Some(e)) = (r.get(0), r.get(1)) {
                rows.push((id.to_owned(), e.to_owned()));
            }
        }
        pairs_from_entities(rows.iter().map(|(a, b)| (a.as_str(), b.as_str())))
    } else {
        read_pairs(truth)?
    };
    let e = clientele::dedupe::evaluate(&found, &truth_pairs);
    outln!(
        "{}",
        serde_json::to_string_pretty(&e).map_err(|e| e.to_string())?
    )
}

/// `generate --population`.
#[derive(Clone, Copy, ValueEnum)]
enum Population {
    Mixed,
    NameBuiltEmails,
}

/// What `generate` makes.
struct GenerateArgs<'a> {
    customers: usize,
    duplicates: f64,
    chinese: f64,
    seed: u64,
    population: Population,
    out: &'a Path,
    truth: &'a Path,
    transactions: Option<&'a Path>,
}

fn generate(args: &GenerateArgs<'_>) -> Result<(), String> {
    let started = std::time::Instant::now();
    let config = clientele::synth::SynthConfig {
        customers: args.customers,
        duplicate_share: args.duplicates,
        chinese_share: args.chinese,
        seed: args.seed,
        population: match args.population {
            Population::Mixed => clientele::synth::Population::Mixed,
            Population::NameBuiltEmails => clientele::synth::Population::NameBuiltEmails,
        },
        mean_purchases: if args.transactions.is_some() {
            4.0
        } else {
            0.0
        },
        ..Default::default()
    };
    let data = clientele::synth::generate(&config).map_err(|e| e.to_string())?;
    let generated = started.elapsed().as_secs_f64();
    let out = args.out;
    let file = io::create(out)?;
    let name = out.display().to_string();
    let mut w = RecordWriter::new(file, &name, Columns::for_records(&data.customers))
        .map_err(|e| e.to_string())?;
    for c in &data.customers {
        w.write(c).map_err(|e| e.to_string())?;
    }
    let (file, _) = w.finish().map_err(|e| e.to_string())?;
    let truth = args.truth;
    let mut t = io::create_csv(truth)?;
    let err = io::csv_error(truth);
    t.write_record(["id", "entity_id"]).map_err(&err)?;
    for (id, entity) in &data.truth {
        t.write_record([id.as_str(), entity.as_str()])
            .map_err(&err)?;
    }
    let transactions = match args.transactions {
        Some(path) => Some((write_transactions(path, &data.transactions)?, path)),
        None => None,
    };
    io::commit(file)?;
    io::commit_csv(t, truth)?;
    if let Some((w, path)) = transactions {
        io::commit_csv(w, path)?;
    }
    eprintln!(
        "{} records ({} transactions) generated in {generated:.2} s, written in {:.2} s",
        data.customers.len(),
        data.transactions.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn write_transactions(
    path: &Path,
    transactions: &[clientele::model::Transaction],
) -> Result<csv::Writer<clientele::files::AtomicFile>, String> {
    let err = io::csv_error(path);
    let mut w = io::create_csv(path)?;
    w.write_record(["id", "date", "amount", "currency", "channel"])
        .map_err(&err)?;
    for x in transactions {
        let amount = format!("{:.2}", x.amount.to_major(2));
        w.write_record([
            x.customer.as_str(),
            &x.at.date_naive().to_string(),
            &amount,
            x.amount.currency.as_str(),
            x.channel.as_deref().unwrap_or(""),
        ])
        .map_err(&err)?;
    }
    Ok(w)
}

fn stats(input: &Input, json: bool) -> Result<(), String> {
    let options = io::options(input)?;
    let loaded = io::read_file(&input.file, &options)?;
    // The report lists the refused rows itself.
    io::note_rejects(&input.file, &loaded, input.allow_rejects, false);
    let persons = loaded
        .customers
        .iter()
        .filter(|c| c.kind == clientele::CustomerKind::Person)
        .count();
    let companies = loaded.customers.len() - persons;
    if json {
        let problems: Vec<_> = loaded.all_problems().collect();
        let report = serde_json::json!({
            "file": input.file.display().to_string(),
            "records_read": loaded.customers.len(),
            "persons": persons,
            "companies": companies,
            "rows_rejected": loaded.rejected,
            "field_problems": problems,
            "fields_filled": loaded.filled,
            "counts": loaded.counts,
            "encoding": loaded.encoding,
        });
        return outln!("{report:#}");
    }
    print_stats(input, &loaded, persons, companies)
}

fn print_stats(
    input: &Input,
    loaded: &FileRead,
    persons: usize,
    companies: usize,
) -> Result<(), String> {
    let total = loaded.customers.len();
    let c = &loaded.counts;
    outln!("file: {}", input.file.display())?;
    if let Some(encoding) = loaded.encoding {
        outln!("encoding: {encoding}")?;
    }
    outln!("records read: {total} ({persons} persons, {companies} companies)")?;
    outln!("rows rejected: {}", loaded.rejected.len())?;
    for r in &loaded.rejected {
        outln!("  line {}: {}", r.line, r.reason)?;
    }
    outln!(
        "data rows: {} ({} read, {} rejected; {} lines in the file, {} blank, {} rows over several lines)",
        c.data_rows,
        c.read,
        c.rejected,
        c.physical_lines,
        c.blank_lines,
        c.multi_line_rows
    )?;
    let problems: Vec<_> = loaded.all_problems().collect();
    outln!(
        "field problems (row kept, raw value kept as a custom field): {}",
        problems.len()
    )?;
    for p in problems {
        outln!("  line {}: {}: {}", p.line, p.field, p.reason)?;
    }
    outln!("fields filled:")?;
    outln!("  {:<20} {:>9} {:>7}", "column", "filled", "share")?;
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
        outln!("  {name:<20} {n:>9} {share:>6.1}%{note}")?;
    }
    let unmapped: Vec<&str> = KNOWN_COLUMNS
        .iter()
        .copied()
        .filter(|k| !loaded.columns.iter().any(|c| c == k))
        .collect();
    if !unmapped.is_empty() {
        outln!("columns not in the file: {}", unmapped.join(", "))?;
    }
    Ok(())
}

fn run(command: &Command) -> Result<(), String> {
    match command {
        Command::Stats { input, json } => stats(input, *json),
        Command::Field { kind, region } => field(*kind, region.as_deref()),
        Command::Dedupe(args) => dedupe(args),
        Command::Link {
            a,
            b,
            map,
            allow_rejects,
            repeated_columns,
            encoding,
            sheet,
            region,
            threshold,
            pairs,
        } => {
            let input = Input {
                file: a.clone(),
                map: map.clone(),
                allow_rejects: *allow_rejects,
                repeated_columns: *repeated_columns,
                encoding: *encoding,
                sheet: sheet.clone(),
            };
            link((a, b), &input, region.as_deref(), *threshold, pairs)
        }
        Command::Evaluate { pairs, truth } => evaluate(pairs, truth),
        Command::Generate {
            customers,
            duplicates,
            chinese,
            seed,
            population,
            out,
            truth,
            transactions,
        } => generate(&GenerateArgs {
            customers: *customers,
            duplicates: *duplicates,
            chinese: *chinese,
            seed: *seed,
            population: *population,
            out,
            truth,
            transactions: transactions.as_deref(),
        }),
        Command::Validate {
            input,
            region,
            as_of,
        } => validate_file(input, region.as_deref(), as_of.as_deref()),
        Command::Merge(args) => merge::run(args),
        Command::Unmerge(args) => merge::run_unmerge(args),
        Command::Pipeline(args) => pipeline::run(args),
        Command::Import(args) => import::run(args),
        Command::Review(args) => review::run(args),
        Command::Backup(args) => backup::run_backup(args),
        Command::Restore(args) => backup::run_restore(args),
        Command::Segment(args) => segment::run(args),
        Command::Report(args) => report::run(args),
        Command::Summarize(args) => lifecycle::run_summarize(args),
        Command::LifecycleFit(args) => lifecycle::run_fit(args),
        Command::Normalize(args) => normalize::run(args),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli.command) {
        Ok(()) if io::refused() > 0 => {
            let n = io::refused();
            eprintln!(
                "{n} input {} refused (listed above): no output file written; pass \
                 --allow-rejects to go on without {}",
                if n == 1 { "row" } else { "rows" },
                if n == 1 { "it" } else { "them" },
            );
            ExitCode::from(io::EXIT_REFUSED)
        }
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
