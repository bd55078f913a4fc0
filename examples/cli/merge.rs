//! The `merge` and `unmerge` commands: clusters of duplicates merged into one record each, with
//! an audit trail and the provenance that undoes them; and the undo, from those files.

use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};

use clientele::CustomerId;
use clientele::files::{AtomicFile, Columns, RecordWriter};
use clientele::merge::{AuditEvent, MergeRecord, Merger, OnSurvivorChange, unmerge};
use clientele::store::{Change, CustomerStore, MemoryStore, batches};

use super::io::{self, JsonLines};
use super::{Input, Repeated};

/// Arguments of `merge`.
#[derive(clap::Args)]
pub struct MergeArgs {
    #[command(flatten)]
    input: Input,
    /// Clusters: `id,cluster_id`, as written by `dedupe --clusters`.
    #[arg(long)]
    clusters: PathBuf,
    /// Output: the merged records, every field of them (see `clientele::files::Columns`).
    #[arg(long)]
    out: PathBuf,
    /// Output: one JSON audit event per line (no personal values).
    #[arg(long)]
    audit: PathBuf,
    /// Output: one merge record per line (JSON `MergeRecord`: every input record as it was and
    /// every value set aside), for `unmerge`. It holds personal data. Default: beside `--out`,
    /// named `<OUT stem>.provenance.jsonl`.
    #[arg(long)]
    provenance: Option<PathBuf>,
    /// Default region for phones written without a country code (for telling repeats apart).
    #[arg(long)]
    region: Option<String>,
}

/// Arguments of `unmerge`.
#[derive(clap::Args)]
pub struct UnmergeArgs {
    /// The merged records, as `merge --out` (or `pipeline`'s `merged.csv`) wrote them.
    merged: PathBuf,
    /// The provenance the merge wrote (`merge --provenance`, `pipeline`'s `provenance.jsonl`);
    /// `--audit` is accepted for it too (an audit file alone holds no values to restore).
    #[arg(long, visible_alias = "audit", value_name = "PROVENANCE.jsonl")]
    provenance: PathBuf,
    /// Output: the records as they were before the merges.
    #[arg(long)]
    out: PathBuf,
    /// Restore a merged record even if it changed after the merge (its changes are dropped).
    #[arg(long)]
    force: bool,
    /// Output: the unmerge's own audit events, one JSON object per line.
    #[arg(long)]
    audit_out: Option<PathBuf>,
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

/// Where a merge writes its trail.
pub struct Trail {
    /// Audit events.
    pub audit: JsonLines,
    /// Merge records (provenance).
    pub provenance: JsonLines,
}

/// Merges each cluster (ids not in the store skipped, clusters of fewer than two present ids
/// left alone), writing the audit events and each merge's record; returns (clusters merged,
/// unknown ids).
pub fn merge_clusters<'a>(
    store: &mut MemoryStore,
    clusters: impl Iterator<Item = &'a Vec<CustomerId>>,
    merger: &Merger,
    trail: &mut Trail,
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
        let (plan, events) = merger
            .merge(store, &present, now)
            .map_err(|e| e.to_string())?;
        for e in &events {
            trail.audit.line(e)?;
        }
        let record = store
            .merge_record(&plan.id)
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("merge `{}`: its record is not in the store", plan.id))?;
        trail.provenance.line(&record)?;
        merged += 1;
    }
    Ok((merged, unknown))
}

/// Writes every record of the store, every field, as CSV (not yet in place: the caller commits
/// the file once every output is ready); returns the file and the count.
pub fn write_store(store: &MemoryStore, path: &Path) -> Result<(AtomicFile, usize), String> {
    let mut records = Vec::new();
    for batch in batches(store, 4096) {
        records.extend(batch.map_err(|e| e.to_string())?);
    }
    let name = path.display().to_string();
    let mut w = RecordWriter::new(io::create(path)?, &name, Columns::for_records(&records))
        .map_err(|e| e.to_string())?;
    for c in &records {
        w.write(c).map_err(|e| e.to_string())?;
    }
    w.finish().map_err(|e| e.to_string())
}

/// Where `merge` writes the provenance by default: `<OUT stem>.provenance.jsonl` beside `--out`.
fn default_provenance(out: &Path) -> PathBuf {
    let stem = out
        .file_stem()
        .map_or_else(|| "merged".to_owned(), |s| s.to_string_lossy().into_owned());
    out.with_file_name(format!("{stem}.provenance.jsonl"))
}

/// Runs `merge`.
pub fn run(args: &MergeArgs) -> Result<(), String> {
    let loaded = io::load(&args.input)?;
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
    let provenance = args
        .provenance
        .clone()
        .unwrap_or_else(|| default_provenance(&args.out));
    let mut trail = Trail {
        audit: JsonLines::create(Some(&args.audit))?,
        provenance: JsonLines::create(Some(&provenance))?,
    };
    let (merged, unknown) = merge_clusters(&mut store, clusters.values(), &merger, &mut trail)?;
    let (out, records_out) = write_store(&store, &args.out)?;
    io::commit(out)?;
    trail.audit.commit()?;
    trail.provenance.commit()?;
    if unknown > 0 {
        eprintln!("{unknown} cluster rows name ids not in the input (ignored)");
    }
    eprintln!("clusters merged: {merged}; records in: {records_in}; records out: {records_out}");
    if io::may_write() {
        eprintln!("provenance (for `unmerge`): {}", provenance.display());
    }
    Ok(())
}

/// Reads merge records, one JSON object per line.
fn read_provenance(path: &Path) -> Result<Vec<MergeRecord>, String> {
    let at = |line: usize, what: String| format!("{}: line {line}: {what}", path.display());
    let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut out = Vec::new();
    for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|e| format!("{}: {e}", path.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<MergeRecord>(&line) {
            Ok(r) => out.push(r),
            Err(_) if serde_json::from_str::<AuditEvent>(&line).is_ok() => {
                return Err(at(
                    i + 1,
                    "an audit event, which holds no values to restore: pass the provenance \
                     the merge wrote beside it (`merge --provenance`, `provenance.jsonl`)"
                        .to_owned(),
                ));
            }
            // serde's message could quote a value: only where and what kind of error.
            Err(e) => {
                return Err(at(
                    i + 1,
                    format!(
                        "not a merge record ({:?} error at column {})",
                        e.classify(),
                        e.column()
                    ),
                ));
            }
        }
    }
    Ok(out)
}

/// Runs `unmerge`.
pub fn run_unmerge(args: &UnmergeArgs) -> Result<(), String> {
    let merged = io::load(&Input {
        file: args.merged.clone(),
        map: Vec::new(),
        allow_rejects: false,
        repeated_columns: Repeated::Refuse,
        encoding: clientele::files::Encoding::Auto,
        sheet: None,
    })?;
    let records_in = merged.customers.len();
    let mut records = read_provenance(&args.provenance)?;
    let store = MemoryStore::new();
    for c in merged.customers {
        store.put(c).map_err(|e| e.to_string())?;
    }
    // The latest merge is undone first.
    records.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| b.id.cmp(&a.id)));
    let inserts = records
        .iter()
        .map(|r| Change::InsertMergeRecord(r.clone()))
        .collect();
    store
        .apply(inserts)
        .map_err(|e| format!("{}: {e}", args.provenance.display()))?;
    let on_change = if args.force {
        OnSurvivorChange::Restore
    } else {
        OnSurvivorChange::Refuse
    };
    let mut audit = JsonLines::create(args.audit_out.as_deref())?;
    let now = chrono::Utc::now();
    for r in &records {
        let events = unmerge(&store, &r.id, now, on_change).map_err(|e| match e {
            clientele::Error::SurvivorChanged { .. } => format!(
                "{e} (in {}); --force restores it anyway, dropping the changes",
                args.merged.display()
            ),
            other => other.to_string(),
        })?;
        for e in &events {
            audit.line(e)?;
        }
    }
    let (out, records_out) = write_store(&store, &args.out)?;
    io::commit(out)?;
    audit.commit()?;
    eprintln!(
        "merges undone: {}; records in: {records_in}; records out: {records_out}",
        records.len()
    );
    Ok(())
}
