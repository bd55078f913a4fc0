//! `review list|merge|keep-apart`: the review queue of a SQLite store (clientele::entry).

use std::path::PathBuf;

use clientele::CustomerId;
use clientele::dedupe::Deduplicator;
use clientele::entry::{keep_apart, merge_reviewed, review_items};
use clientele::merge::Merger;
use clientele::store::{KeyIndexers, SqliteOptions, SqliteStore};

use super::io::outln;

/// Arguments of `review`.
#[derive(clap::Args)]
pub struct ReviewArgs {
    #[command(subcommand)]
    action: ReviewAction,
    /// The SQLite store.
    #[arg(long, global = true, default_value = "customers.db")]
    store: PathBuf,
}

/// What to do with the queue.
#[derive(clap::Subcommand)]
enum ReviewAction {
    /// List the held records and their candidates (id, probability, match weight).
    List,
    /// Merge a held record into one of its candidates.
    Merge {
        /// The held record's id.
        held: String,
        /// The candidate to merge into.
        into: String,
    },
    /// Keep a held record apart from its candidates (inserted; never proposed again).
    KeepApart {
        /// The held record's id.
        held: String,
    },
}

fn id(raw: &str) -> Result<CustomerId, String> {
    CustomerId::new(raw).map_err(|e| e.to_string())
}

/// Runs `review`.
pub fn run(args: &ReviewArgs) -> Result<(), String> {
    let options = SqliteOptions::default()
        .indexers(KeyIndexers::contact().and(Deduplicator::new().indexer()));
    let store = SqliteStore::open_with(&args.store, options).map_err(|e| e.to_string())?;
    match &args.action {
        ReviewAction::List => {
            for item in review_items(&store).map_err(|e| e.to_string())? {
                outln!("{}", item.customer.id)?;
                for c in &item.candidates {
                    outln!("  {}\t{:.4}\t{:.2}", c.id, c.probability, c.match_weight)?;
                }
            }
        }
        ReviewAction::Merge { held, into } => {
            let out = merge_reviewed(
                &store,
                &Merger::new(),
                &id(held)?,
                &id(into)?,
                chrono::Utc::now(),
            )
            .map_err(|e| e.to_string())?;
            outln!("{out:?}")?;
        }
        ReviewAction::KeepApart { held } => {
            let out = keep_apart(&store, &id(held)?).map_err(|e| e.to_string())?;
            outln!("{out:?}")?;
        }
    }
    Ok(())
}
