//! `import`: a customers file into a live SQLite store, each row checked for duplicates on the
//! way in (clientele::entry).

use std::collections::BTreeMap;
use std::path::PathBuf;

use clientele::dedupe::Deduplicator;
use clientele::entry::{EntryPolicy, Importer, OnMatch, Outcome};
use clientele::store::{KeyIndexers, SqliteOptions, SqliteStore};

use super::Input;
use super::io::{self, outln};

/// What to do with a row whose best match reaches `--merge-above`.
#[derive(clap::ValueEnum, Clone, Copy)]
pub enum OnMatchArg {
    /// Merge into the matched customer.
    Merge,
    /// Hold for review.
    Review,
    /// Skip the row.
    Skip,
    /// Insert it anyway.
    Insert,
}

/// Arguments of `import`.
#[derive(clap::Args)]
pub struct ImportArgs {
    #[command(flatten)]
    input: Input,
    /// The SQLite store (created when absent).
    #[arg(long)]
    store: PathBuf,
    /// What to do with a row whose best match reaches --merge-above.
    #[arg(long, value_enum, default_value = "merge")]
    on_match: OnMatchArg,
    /// The automatic-merge threshold (a probability).
    #[arg(long, default_value_t = 0.9)]
    merge_above: f64,
    /// The review threshold (a probability).
    #[arg(long, default_value_t = 0.5)]
    review_above: f64,
    /// Default region for phones written without a country code.
    #[arg(long)]
    region: Option<String>,
    /// Write a JSON report here: the counts and each row's outcome by line.
    #[arg(long)]
    report: Option<PathBuf>,
}

/// Runs `import`.
pub fn run(args: &ImportArgs) -> Result<(), String> {
    let file = io::load(&args.input)?;
    let mut dedupe = Deduplicator::new();
    if let Some(r) = &args.region {
        dedupe = dedupe.default_region(r);
    }
    let options = SqliteOptions::default().indexers(KeyIndexers::contact().and(dedupe.indexer()));
    let store = SqliteStore::open_with(&args.store, options).map_err(|e| e.to_string())?;
    let policy = EntryPolicy::default()
        .on_match(match args.on_match {
            OnMatchArg::Merge => OnMatch::Merge,
            OnMatchArg::Review => OnMatch::Review,
            OnMatchArg::Skip => OnMatch::Skip,
            OnMatchArg::Insert => OnMatch::Insert,
        })
        .merge_above(args.merge_above)
        .review_above(args.review_above);
    let importer =
        Importer::open(&store, dedupe, &file.customers, policy).map_err(|e| e.to_string())?;
    let source = args
        .input
        .file
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let now = chrono::Utc::now();
    let mut counts: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut rows = Vec::with_capacity(file.customers.len());
    for (c, line) in file.customers.iter().zip(&file.lines) {
        let row = c.id.as_str().to_owned();
        let outcome = importer
            .import(Some((&source, &row)), c.clone(), now)
            .map_err(|e| format!("line {line}: {e}"))?;
        let name = match &outcome {
            Outcome::Inserted(_) => "inserted",
            Outcome::Merged(_) => "merged",
            Outcome::Held(_) => "held_for_review",
            Outcome::Updated(_) => "updated",
            Outcome::Unchanged(_) => "unchanged",
            Outcome::Skipped(_) => "skipped",
            Outcome::Rejected(_) => "rejected",
            _ => "other",
        };
        *counts.entry(name).or_default() += 1;
        rows.push(serde_json::json!({ "line": line, "outcome": outcome }));
    }
    let rejected: Vec<u64> = file.rejected.iter().map(|r| r.line).collect();
    *counts.entry("rejected").or_default() += rejected.len();
    for (name, n) in &counts {
        outln!("{name}: {n}")?;
    }
    if !rejected.is_empty() {
        outln!("rejected lines: {rejected:?}")?;
    }
    if let Some(path) = &args.report {
        let report =
            serde_json::json!({ "counts": counts, "rejected_lines": rejected, "rows": rows });
        let text = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
        std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(())
}
