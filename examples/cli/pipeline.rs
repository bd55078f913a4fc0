//! The `pipeline` command: the whole job on one customers file — validate, normalize,
//! deduplicate, merge — and a short report.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use clientele::merge::Merger;
use clientele::normalize::Normalizer;
use clientele::store::{CustomerStore, MemoryStore};
use clientele::validate::Severity;

use super::io::{self, JsonLines, outln};
use super::store::{Written, check_writable, write_result};
use super::{Input, deduplicator, flags, merge, validation_report, write_clusters, write_pairs};

/// Arguments of `pipeline`.
#[derive(clap::Args)]
pub struct PipelineArgs {
    #[command(flatten)]
    input: Input,
    /// Default region for phones written without a country code, when a record has no country.
    #[arg(long)]
    region: Option<String>,
    /// Judge dates as of this day (default: today).
    #[arg(long)]
    as_of: Option<String>,
    /// Match probability (0 to 1) at or above which records are merged.
    #[arg(long, default_value_t = 0.5, value_parser = flags::probability)]
    threshold: f64,
    /// Write every stage's output here: `issues.jsonl`, `normalized.csv`, `pairs.csv`,
    /// `clusters.csv`, `merged.csv` (every field), `audit.jsonl` and `provenance.jsonl` (the
    /// merge records, for `unmerge`; personal data).
    #[arg(long)]
    out_dir: Option<PathBuf>,
    /// Also write the result into this SQLite store, in one transaction: the merged customers
    /// and the merge records that undo the merges (personal data). A store that already holds
    /// customers or merge records is refused (nothing written) unless `--replace`.
    #[arg(long, value_name = "PATH.db")]
    store: Option<PathBuf>,
    /// With `--store`: replace everything the store holds (customers, their activity, merge
    /// records) by this run's result, in the same transaction.
    #[arg(long, requires = "store")]
    replace: bool,
    #[command(flatten)]
    key: super::keyed::KeyFile,
    /// Print the report as one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

/// What went into the store (`--store`).
#[derive(serde::Serialize)]
struct StoreReport {
    path: String,
    customers: usize,
    merge_records: usize,
    customers_replaced: usize,
}

/// What the run found, stage by stage.
#[derive(serde::Serialize)]
struct Report {
    file: String,
    records_in: usize,
    rows_rejected: usize,
    issues: usize,
    issues_by_severity: BTreeMap<&'static str, usize>,
    records_with_issues: usize,
    issue_codes: BTreeMap<String, usize>,
    records_normalized: usize,
    values_normalized: usize,
    candidate_pairs: u64,
    blocks_skipped: usize,
    records_in_skipped_blocks: usize,
    blocking_warnings: Vec<String>,
    duplicate_pairs: usize,
    duplicate_clusters: usize,
    records_in_clusters: usize,
    clusters_merged: usize,
    records_out: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    store: Option<StoreReport>,
    seconds: f64,
}

fn severity_name(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        _ => "info",
    }
}

/// Runs `pipeline`.
pub fn run(args: &PipelineArgs) -> Result<(), String> {
    let started = Instant::now();
    let out = |name: &str| args.out_dir.as_ref().map(|d| d.join(name));
    if let Some(dir) = &args.out_dir {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let region = args.region.as_deref();
    if let Some(path) = &args.store {
        check_writable(path, args.replace, &args.key)?;
    }

    // 1. Read and validate the records as they came.
    let loaded = io::load(&args.input)?;
    let report = validation_report(&loaded, region, args.as_of.as_deref())?;
    let mut by_severity: BTreeMap<&'static str, usize> = BTreeMap::new();
    for i in &report.issues {
        *by_severity.entry(severity_name(i.severity)).or_default() += 1;
    }
    let records_with_issues = {
        let mut ids: Vec<&str> = report.issues.iter().map(|i| i.id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        ids.len()
    };
    let mut issues = JsonLines::create(out("issues.jsonl").as_deref())?;
    for i in &report.issues {
        issues.line(&serde_json::json!({
            "id": i.id.as_str(), "field": i.field, "code": i.code.as_str(),
            "severity": severity_name(i.severity), "message": i.message,
        }))?;
    }

    // 2. Normalize every record (the raw values stay in the change list).
    let normalizer = Normalizer::default();
    let mut customers = Vec::with_capacity(loaded.customers.len());
    let (mut records_normalized, mut values_normalized) = (0usize, 0usize);
    for c in &loaded.customers {
        let r = normalizer.customer(c, region);
        records_normalized += usize::from(!r.changes.is_empty());
        values_normalized += r.changes.len();
        customers.push(r.customer);
    }

    // 3. Find duplicates among the normalized records.
    let result = deduplicator(region, args.threshold)
        .run(&customers)
        .map_err(|e| e.to_string())?;
    let mut store = MemoryStore::new();
    for c in customers {
        store.put(c).map_err(|e| e.to_string())?;
    }
    let normalized = match out("normalized.csv") {
        Some(path) => Some(merge::write_store(&store, &path)?.0),
        None => None,
    };
    let multi: Vec<_> = result
        .clusters
        .iter()
        .filter(|c| c.members.len() > 1)
        .collect();
    if let Some(path) = out("pairs.csv") {
        write_pairs(&path, &result.pairs)?;
    }
    if let Some(path) = out("clusters.csv") {
        write_clusters(&path, &result.clusters)?;
    }

    // 4. Merge each cluster into one record, keeping every other value in its provenance.
    let mut merger = Merger::new();
    if let Some(r) = region {
        merger = merger.default_region(r);
    }
    let mut trail = merge::Trail {
        audit: JsonLines::create(out("audit.jsonl").as_deref())?,
        provenance: JsonLines::create(out("provenance.jsonl").as_deref())?,
    };
    let members: Vec<Vec<clientele::CustomerId>> =
        multi.iter().map(|c| c.members.clone()).collect();
    let (merged, _) = merge::merge_clusters(&mut store, members.iter(), &merger, &mut trail)?;
    let (merged_file, records_out) = match out("merged.csv") {
        Some(path) => {
            let (file, n) = merge::write_store(&store, &path)?;
            (Some(file), n)
        }
        None => (None, store.len().map_err(|e| e.to_string())?),
    };
    // Every output is ready: the store first (one transaction, refused whole if another run
    // wrote it meanwhile), then the files, together.
    let written = match &args.store {
        Some(path) if io::may_write() => {
            let Written {
                customers,
                merges,
                replaced,
            } = write_result(path, &store, args.replace, &args.key)?;
            Some(StoreReport {
                path: path.display().to_string(),
                customers,
                merge_records: merges,
                customers_replaced: replaced,
            })
        }
        _ => None,
    };
    issues.commit()?;
    for file in [normalized, merged_file].into_iter().flatten() {
        io::commit(file)?;
    }
    trail.audit.commit()?;
    trail.provenance.commit()?;

    let report = Report {
        file: args.input.file.display().to_string(),
        records_in: loaded.customers.len(),
        rows_rejected: loaded.rejected.len(),
        issues: report.issues.len(),
        issues_by_severity: by_severity,
        records_with_issues,
        issue_codes: report
            .records_per_code
            .iter()
            .map(|(code, n)| (code.as_str().to_owned(), *n))
            .collect(),
        records_normalized,
        values_normalized,
        candidate_pairs: result.blocking.candidate_pairs,
        blocks_skipped: result.blocking.skipped().0,
        records_in_skipped_blocks: result.blocking.skipped().1,
        blocking_warnings: result.blocking.warnings.clone(),
        duplicate_pairs: result.pairs.len(),
        duplicate_clusters: multi.len(),
        records_in_clusters: multi.iter().map(|c| c.members.len()).sum(),
        clusters_merged: merged,
        records_out,
        store: written,
        seconds: started.elapsed().as_secs_f64(),
    };
    if args.json {
        let json = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
        outln!("{json}")
    } else {
        print_report(&report, args.out_dir.as_ref())
    }
}

fn print_report(r: &Report, out_dir: Option<&PathBuf>) -> Result<(), String> {
    let severities: Vec<String> = r
        .issues_by_severity
        .iter()
        .map(|(s, n)| format!("{n} {s}{}", if *n == 1 { "" } else { "s" }))
        .collect();
    outln!("file:               {}", r.file)?;
    outln!(
        "records in:         {} ({} rows rejected)",
        r.records_in,
        r.rows_rejected
    )?;
    outln!(
        "issues found:       {} on {} records ({})",
        r.issues,
        r.records_with_issues,
        severities.join(", ")
    )?;
    let mut codes: Vec<(&String, &usize)> = r.issue_codes.iter().collect();
    codes.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    for (code, n) in codes.iter().take(5) {
        outln!("  {code:<30} on {n} records")?;
    }
    outln!(
        "normalized:         {} values on {} records",
        r.values_normalized,
        r.records_normalized
    )?;
    outln!(
        "duplicates found:   {} clusters holding {} records ({} pairs of {} compared)",
        r.duplicate_clusters,
        r.records_in_clusters,
        r.duplicate_pairs,
        r.candidate_pairs
    )?;
    if r.blocks_skipped > 0 {
        outln!(
            "blocks skipped:     {} over the cap, holding {} records (not compared)",
            r.blocks_skipped,
            r.records_in_skipped_blocks
        )?;
        for w in &r.blocking_warnings {
            outln!("  warning: {w}")?;
        }
    }
    outln!(
        "duplicates merged:  {} clusters, {} records absorbed",
        r.clusters_merged,
        r.records_in - r.records_out
    )?;
    outln!("records out:        {}", r.records_out)?;
    if let Some(s) = &r.store {
        outln!(
            "store:              {} ({} customers, {} merge records{})",
            s.path,
            s.customers,
            s.merge_records,
            if s.customers_replaced > 0 {
                format!("; {} customers replaced", s.customers_replaced)
            } else {
                String::new()
            }
        )?;
    }
    match out_dir {
        Some(d) if io::may_write() => outln!("outputs in:         {}", d.display()),
        Some(_) => outln!("outputs:            not written (input rows refused)"),
        None => outln!("(add --out-dir DIR to write each stage's output)"),
    }?;
    outln!("time:               {:.2} s", r.seconds)?;
    Ok(())
}
