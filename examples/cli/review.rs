//! The `review` command: the review queue `import` fills, listed and resolved.

use std::path::PathBuf;

use clientele::entry::{Importer, Outcome, keep_apart, merge_held, review_queue};

use super::import::open;
use super::io::outln;
use super::keyed::KeyFile;

/// Arguments of `review`.
#[derive(clap::Args)]
pub struct ReviewArgs {
    #[command(subcommand)]
    action: Action,
    /// The SQLite store.
    #[arg(long, value_name = "PATH.db", global = true)]
    store: Option<PathBuf>,
    #[command(flatten)]
    key: KeyFile,
}

#[derive(clap::Subcommand)]
enum Action {
    /// One JSON object per held row: `source, row_id, line, candidates` (ids, probabilities and
    /// the explanation of each).
    List,
    /// Merge a held row into its candidates.
    Merge {
        /// The row's source system (as `review list` shows it).
        source: String,
        /// The row's id.
        row_id: String,
    },
    /// Keep a held row apart from its candidates (inserted as a new customer); the pairs are
    /// never proposed again.
    KeepApart {
        /// The row's source system.
        source: String,
        /// The row's id.
        row_id: String,
    },
}

/// Runs `review`.
pub fn run(args: &ReviewArgs) -> Result<(), String> {
    let path = args
        .store
        .as_ref()
        .ok_or_else(|| "give --store PATH.db".to_owned())?;
    if !path.is_file() {
        return Err(format!("{}: no such store", path.display()));
    }
    let importer = Importer::new("review");
    let store = open(path, &importer, &args.key)?;
    let err = |e: clientele::Error| format!("{}: {e}", path.display());
    let now = chrono::Utc::now();
    let outcome = match &args.action {
        Action::List => {
            for item in review_queue(&store).map_err(err)? {
                outln!(
                    "{}",
                    serde_json::json!({
                        "source": item.source, "row_id": item.row_id, "line": item.line,
                        "candidates": item.candidates,
                    })
                )?;
            }
            return Ok(());
        }
        Action::Merge { source, row_id } => {
            merge_held(&store, importer.merger_ref(), source, row_id, now).map_err(err)?
        }
        Action::KeepApart { source, row_id } => {
            keep_apart(&store, source, row_id, now).map_err(err)?
        }
    };
    match outcome {
        Outcome::Merged {
            customer, merge, ..
        } => {
            outln!("merged into {customer} (merge {merge})")
        }
        Outcome::Inserted { customer } => outln!("kept apart as {customer}"),
        other => outln!("{other:?}"),
    }
}
