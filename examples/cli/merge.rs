//! The `merge` command: clusters of duplicates merged into one record each, with an audit trail.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use clientele::CustomerId;
use clientele::merge::Merger;
use clientele::store::{CustomerStore, MemoryStore, batches};

use super::{Input, customer_row, load, out_columns};

/// Arguments of `merge`.
#[derive(clap::Args)]
pub struct MergeArgs {
    #[command(flatten)]
    input: Input,
    /// Clusters: `id,cluster_id`, as written by `dedupe --clusters`.
    #[arg(long)]
    clusters: PathBuf,
    /// Output: the merged records, with the same columns as the input writer.
    #[arg(long)]
    out: PathBuf,
    /// Output: one JSON audit event per line.
    #[arg(long)]
    audit: PathBuf,
    /// Default region for phones written without a country code (for telling repeats apart).
    #[arg(long)]
    region: Option<String>,
}

/// Reads `id,cluster_id` rows into clusters of ids, in cluster id order.
fn read_clusters(path: &PathBuf) -> Result<BTreeMap<String, Vec<CustomerId>>, String> {
    let err = |e: csv::Error| format!("{}: {e}", path.display());
    let mut rdr = csv::Reader::from_path(path).map_err(err)?;
    let header = rdr.headers().map_err(err)?.clone();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h.trim_start_matches('\u{feff}') == name)
            .ok_or_else(|| format!("{}: no `{name}` column", path.display()))
    };
    let (id_col, cluster_col) = (col("id")?, col("cluster_id")?);
    let mut clusters: BTreeMap<String, Vec<CustomerId>> = BTreeMap::new();
    for row in rdr.records() {
        let row = row.map_err(err)?;
        let (Some(id), Some(cluster)) = (row.get(id_col), row.get(cluster_col)) else {
            continue;
        };
        let id = CustomerId::new(id).map_err(|e| format!("{}: {e}", path.display()))?;
        clusters.entry(cluster.to_owned()).or_default().push(id);
    }
    Ok(clusters)
}

/// Merges each cluster (ids not in the store skipped, clusters of fewer than two present ids
/// left alone) and writes the audit events as JSON lines; returns (clusters merged, unknown ids).
pub fn merge_clusters<'a>(
    store: &mut MemoryStore,
    clusters: impl Iterator<Item = &'a Vec<CustomerId>>,
    merger: &Merger,
    audit: &mut dyn Write,
) -> Result<(usize, usize), String> {
    let now = chrono::Utc::now();
    let (mut merged, mut unknown) = (0usize, 0usize);
    for ids in clusters {
        let mut present = Vec::with_capacity(ids.len());
        for id in ids {
            if store.get(id).map_err(|e| e.to_string())?.is_some() {
                if !present.contains(id) {
                    present.push(id.clone());
                }
            } else {
                unknown += 1;
            }
        }
        if present.len() < 2 {
            continue;
        }
        let (_, events) = merger
            .merge(store, &present, now)
            .map_err(|e| e.to_string())?;
        for e in &events {
            let line = serde_json::to_string(e).map_err(|e| e.to_string())?;
            writeln!(audit, "{line}").map_err(|e| format!("audit: {e}"))?;
        }
        merged += 1;
    }
    Ok((merged, unknown))
}

/// Writes every record of the store as CSV in the input writer's columns; returns the count.
pub fn write_store(store: &MemoryStore, path: &Path) -> Result<usize, String> {
    let err = |e: csv::Error| format!("{}: {e}", path.display());
    let mut w = csv::Writer::from_path(path).map_err(err)?;
    w.write_record(out_columns()).map_err(err)?;
    let mut written = 0usize;
    for batch in batches(store, 4096) {
        for c in batch.map_err(|e| e.to_string())? {
            w.write_record(customer_row(&c)).map_err(err)?;
            written += 1;
        }
    }
    w.flush().map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(written)
}

/// Runs `merge`.
pub fn run(args: &MergeArgs) -> Result<(), String> {
    let loaded = load(&args.input)?;
    if !loaded.rejected.is_empty() {
        eprintln!(
            "{} rows rejected (run `stats` for details)",
            loaded.rejected.len()
        );
    }
    let records_in = loaded.customers.len();
    let mut store = MemoryStore::new();
    for c in loaded.customers {
        store.put(c).map_err(|e| e.to_string())?;
    }
    let clusters = read_clusters(&args.clusters)?;
    let mut merger = Merger::new();
    if let Some(r) = &args.region {
        merger = merger.default_region(r);
    }
    let audit_file =
        std::fs::File::create(&args.audit).map_err(|e| format!("{}: {e}", args.audit.display()))?;
    let mut audit = std::io::BufWriter::new(audit_file);
    let (merged, unknown) = merge_clusters(&mut store, clusters.values(), &merger, &mut audit)?;
    audit
        .flush()
        .map_err(|e| format!("{}: {e}", args.audit.display()))?;
    let records_out = write_store(&store, &args.out)?;
    if unknown > 0 {
        eprintln!("{unknown} cluster rows name ids not in the input (ignored)");
    }
    eprintln!("clusters merged: {merged}; records in: {records_in}; records out: {records_out}");
    Ok(())
}
