//! The `import` command: a customers file into a SQLite store that already holds customers,
//! matched against it (and against itself) with the model kept in the store; each row inserted,
//! merged, held for review or rejected, in one transaction each.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use clap::ValueEnum;
use clientele::entry::{Importer, Incoming, OnMatch, Outcome, Policy};

use super::io::{self, outln};
use super::keyed::{self, Db, KeyFile};
use super::{Input, flags};

/// What to do with a row that matches a stored customer.
#[derive(Clone, Copy, ValueEnum)]
pub enum OnMatchArg {
    /// Merge at or above `--merge-above`, hold for review at or above `--review-above`.
    Merge,
    /// Hold every match for review.
    Review,
    /// Skip (reject) the row.
    Skip,
    /// Insert it as a new customer anyway.
    Insert,
}

/// Arguments of `import`.
#[derive(clap::Args)]
pub struct ImportArgs {
    #[command(flatten)]
    input: Input,
    /// The SQLite store (created if absent).
    #[arg(long, value_name = "PATH.db")]
    store: PathBuf,
    #[command(flatten)]
    key: KeyFile,
    /// The source system's name: with each row's id, the key that makes a re-import change
    /// nothing (default: the file's stem).
    #[arg(long)]
    source: Option<String>,
    /// What to do with a row that matches a stored customer.
    #[arg(long, value_enum, default_value = "merge")]
    on_match: OnMatchArg,
    /// Match probability at or above which a row is merged automatically.
    #[arg(long, default_value_t = 0.9, value_parser = flags::probability)]
    merge_above: f64,
    /// Match probability at or above which a row is held for review.
    #[arg(long, default_value_t = 0.5, value_parser = flags::probability)]
    review_above: f64,
    /// Reject rows with an error-severity validation issue.
    #[arg(long)]
    reject_invalid: bool,
    /// Default region for phones written without a country code.
    #[arg(long)]
    region: Option<String>,
    /// Train the model on this customers file (a representative sample, read as the input is)
    /// and save it in the store before importing. Without it, the model saved in the store is
    /// used, trained on the first import when there is none.
    #[arg(long, value_name = "FILE")]
    train: Option<PathBuf>,
    /// Train the model again on the store's records (after this import's rows are in).
    #[arg(long)]
    retrain: bool,
    /// Write the report (every row's outcome) as JSON here.
    #[arg(long, value_name = "OUT.json")]
    report: Option<PathBuf>,
}

/// The importer of the flags.
fn importer(args: &ImportArgs) -> Importer {
    let source = args.source.clone().unwrap_or_else(|| {
        args.input
            .file
            .file_stem()
            .map_or_else(|| "file".to_owned(), |s| s.to_string_lossy().into_owned())
    });
    let on_match = match args.on_match {
        OnMatchArg::Merge => OnMatch::Merge,
        OnMatchArg::Review => OnMatch::Review,
        OnMatchArg::Skip => OnMatch::Skip,
        OnMatchArg::Insert => OnMatch::Insert,
    };
    let policy = Policy::default()
        .on_match(on_match)
        .merge_above(args.merge_above)
        .review_above(args.review_above)
        .reject_invalid(args.reject_invalid);
    let mut i = Importer::new(source).policy(policy);
    if let Some(r) = &args.region {
        i = i.default_region(r);
    }
    i
}

/// Opens (or creates) a store indexing what the importer needs (encrypted with `--key-file`).
pub fn open(path: &Path, importer: &Importer, key: &KeyFile) -> Result<Db, String> {
    keyed::open(path, key, importer.indexers())
}

/// Runs `import`.
pub fn run(args: &ImportArgs) -> Result<(), String> {
    let loaded = io::load(&args.input)?;
    if !io::may_write() {
        return Ok(());
    }
    let mut importer = importer(args);
    // A progress bar on long files, drawn only when standard error is a terminal.
    let bar = (std::io::stderr().is_terminal() && loaded.customers.len() >= 1000).then(|| {
        let bar = indicatif::ProgressBar::new(loaded.customers.len() as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} rows {eta}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    if let Some(bar) = &bar {
        let bar = bar.clone();
        importer = importer.on_progress(move |done, _| bar.set_position(done as u64));
    }
    let store = open(&args.store, &importer, &args.key)?;
    if let Some(sample) = &args.train {
        let options = io::read_options(&args.input.map, args.input.repeated_columns.into())?;
        let sample = io::read_file(sample, &options)?;
        importer
            .train_on(&store, &sample.customers)
            .map_err(|e| format!("{}: {e}", args.store.display()))?;
    }
    let rows: Vec<Incoming> = loaded
        .customers
        .into_iter()
        .zip(loaded.lines)
        .map(|(c, line)| Incoming::new(line, c))
        .collect();
    let report = importer
        .import(&store, rows, chrono::Utc::now())
        .map_err(|e| format!("{}: {e}", args.store.display()))?;
    if args.retrain {
        importer
            .retrain(&store)
            .map_err(|e| format!("{}: {e}", args.store.display()))?;
    }
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let counts = report.counts();
    let rejected = report.rejected_lines();
    if let Some(path) = &args.report {
        let json = serde_json::json!({
            "file": args.input.file.display().to_string(),
            "store": args.store.display().to_string(),
            "source": importer.source(),
            "counts": counts,
            "rejected_lines": rejected,
            "trained": report.trained,
            "rows": report.rows,
        });
        let mut file = io::create(path)?;
        serde_json::to_writer_pretty(&mut file, &json)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        io::commit(file)?;
    }
    outln!(
        "{}: {} rows: {} inserted, {} merged, {} held for review, {} rejected, {} unchanged, {} updated",
        args.input.file.display(),
        report.rows.len(),
        counts.inserted,
        counts.merged,
        counts.held,
        counts.rejected,
        counts.unchanged,
        counts.updated
    )?;
    for r in &report.rows {
        if let Outcome::Rejected { reason } = &r.outcome {
            eprintln!("  line {}: {reason}", r.line);
        }
    }
    if !rejected.is_empty() && !args.input.allow_rejects {
        io::note_refused(rejected.len() as u64);
    }
    Ok(())
}
