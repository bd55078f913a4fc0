//! Blocking as a plan: each record's key hashes under each rule as a table `(rule, key,
//! record)`, grouped by `(rule, key)` into blocks (sizes, the cap), the members of the blocks
//! kept streamed in key order to the in-memory blocking code block by block, and the pairs
//! of all rules made distinct.

use std::sync::Arc;

use datafusion::arrow::array::{Array, Int64Array, RecordBatch, UInt32Array, UInt64Array};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::catalog::MemTable;
use datafusion::functions_aggregate::expr_fn::{count, min};
use datafusion::prelude::{DataFrame, JoinType, SessionContext, col, lit};
use futures::StreamExt;
use rayon::prelude::*;
use std::ops::Not;

use super::run::engine_error;
use crate::dedupe::{
    BlockingReport, BlockingRule, KeyedRule, Pairs, Prepared, RuleReport, block_pairs, key_hashes,
    shown_key, skipped_warning,
};
use crate::error::Error;

/// Records per batch of the key table (and per parallel task deriving keys).
const BATCH_RECORDS: usize = 16_384;

/// Members gathered before their blocks are walked in parallel.
const WALK_MEMBERS: usize = 1 << 18;

/// Column `at` of a batch as the array type the plan gives it.
fn column<T: Array + 'static>(batch: &RecordBatch, at: usize) -> Result<&T, Error> {
    batch
        .column(at)
        .as_any()
        .downcast_ref::<T>()
        .ok_or_else(|| engine_error("a column of another type was expected"))
}

fn u32s(batch: &RecordBatch, at: usize) -> Result<&UInt32Array, Error> {
    column(batch, at)
}

fn u64s(batch: &RecordBatch, at: usize) -> Result<&UInt64Array, Error> {
    column(batch, at)
}

fn schema(names: &[(&str, DataType)]) -> SchemaRef {
    Arc::new(Schema::new(
        names
            .iter()
            .map(|(n, t)| Field::new(*n, t.clone(), false))
            .collect::<Vec<_>>(),
    ))
}

/// A table of batches spread over `partitions` partitions.
fn table(
    ctx: &SessionContext,
    schema: SchemaRef,
    batches: Vec<RecordBatch>,
) -> Result<DataFrame, Error> {
    let n = ctx.copied_config().target_partitions().max(1);
    let mut parts: Vec<Vec<RecordBatch>> = vec![Vec::new(); n];
    for (k, b) in batches.into_iter().enumerate() {
        if let Some(p) = parts.get_mut(k % n) {
            p.push(b);
        }
    }
    let mem = MemTable::try_new(schema, parts).map_err(engine_error)?;
    ctx.read_table(Arc::new(mem)).map_err(engine_error)
}

/// The key table: each record's key hashes under each rule, `(rule, key, record)`.
fn key_table(
    ctx: &SessionContext,
    records: &[Prepared],
    (rules, keyed): (&[BlockingRule], &[KeyedRule]),
) -> Result<DataFrame, Error> {
    let schema = schema(&[
        ("rule", DataType::UInt32),
        ("key", DataType::UInt64),
        ("record", DataType::UInt32),
    ]);
    let n_rules = rules.len() + keyed.len();
    let batches: Vec<Result<RecordBatch, Error>> = records
        .par_chunks(BATCH_RECORDS)
        .enumerate()
        .map(|(c, chunk)| {
            let (mut rule, mut key, mut record) = (Vec::new(), Vec::new(), Vec::new());
            let mut hashes = Vec::new();
            for r in 0..n_rules {
                let mine = r.checked_sub(rules.len()).and_then(|k| keyed.get(k));
                for (k, p) in chunk.iter().enumerate() {
                    let i = c * BATCH_RECORDS + k;
                    let custom = mine.and_then(|m| m.keys.get(i));
                    key_hashes((rules.get(r), r, custom), p, &mut hashes);
                    let (r32, i32) = (
                        u32::try_from(r).unwrap_or(u32::MAX),
                        u32::try_from(i).unwrap_or(u32::MAX),
                    );
                    for &h in &hashes {
                        rule.push(r32);
                        key.push(h);
                        record.push(i32);
                    }
                }
            }
            RecordBatch::try_new(
                Arc::clone(&schema),
                vec![
                    Arc::new(UInt32Array::from(rule)),
                    Arc::new(UInt64Array::from(key)),
                    Arc::new(UInt32Array::from(record)),
                ],
            )
            .map_err(engine_error)
        })
        .collect();
    let batches = batches.into_iter().collect::<Result<Vec<_>, _>>()?;
    table(ctx, schema, batches)
}

/// A rule's name in reports.
fn rule_name<'a>((rules, keyed): (&'a [BlockingRule], &'a [KeyedRule]), r: usize) -> &'a str {
    rules.get(r).map_or_else(
        || {
            r.checked_sub(rules.len())
                .and_then(|k| keyed.get(k))
                .map_or("custom", |k| k.name.as_str())
        },
        |x| x.name(),
    )
}

/// Candidate pairs and the blocking report, as [`crate::dedupe::Deduplicator::run`] finds
/// them, with the grouping by key planned on `ctx`.
pub(super) async fn candidate_pairs(
    ctx: &SessionContext,
    (records, ranks): (&[Prepared], &[u32]),
    (rules, keyed): (&[BlockingRule], &[KeyedRule]),
    cap: usize,
) -> Result<(Pairs, BlockingReport), Error> {
    let keys = key_table(ctx, records, (rules, keyed))?;
    // Exact copies are chained past the cap.
    let copies = rules
        .iter()
        .position(|r| *r == BlockingRule::Fingerprint)
        .map_or(u32::MAX, |r| u32::try_from(r).unwrap_or(u32::MAX));
    let cap = u64::try_from(cap).unwrap_or(u64::MAX);
    let sizes = keys
        .clone()
        .aggregate(
            vec![col("rule"), col("key")],
            vec![
                count(col("record")).alias("n"),
                min(col("record")).alias("first"),
            ],
        )
        .map_err(engine_error)?;
    let over = col("n").gt(lit(cap)).and(col("rule").not_eq(lit(copies)));
    let skipped = sizes
        .clone()
        .filter(over.clone())
        .map_err(engine_error)?
        .collect()
        .await
        .map_err(engine_error)?;
    let kept = sizes
        .filter(col("n").gt_eq(lit(2i64)).and(over.not()))
        .map_err(engine_error)?
        .select(vec![col("rule").alias("b_rule"), col("key").alias("b_key")])
        .map_err(engine_error)?;
    let members = keys
        .join(
            kept,
            JoinType::Inner,
            &["rule", "key"],
            &["b_rule", "b_key"],
            None,
        )
        .map_err(engine_error)?
        .select(vec![col("rule"), col("key"), col("record")])
        .map_err(engine_error)?
        .sort(vec![
            col("rule").sort(true, false),
            col("key").sort(true, false),
            col("record").sort(true, false),
        ])
        .map_err(engine_error)?;
    let found = walk_blocks(members, (records, ranks), copies).await?;
    let mut report = BlockingReport::default();
    for r in 0..rules.len() + keyed.len() {
        report.rules.push(RuleReport {
            rule: rule_name((rules, keyed), r).to_owned(),
            pairs: 0,
            skipped_blocks: Vec::new(),
        });
    }
    for batch in &skipped {
        let (rule, key) = (u32s(batch, 0)?, u64s(batch, 1)?);
        let (n, first) = (column::<Int64Array>(batch, 2)?, u32s(batch, 3)?);
        for k in 0..batch.num_rows() {
            let r = rule.value(k) as usize;
            let custom = r
                .checked_sub(rules.len())
                .and_then(|x| keyed.get(x))
                .and_then(|x| x.keys.get(first.value(k) as usize));
            let shown = shown_key(
                (rules.get(r), r, custom),
                records.get(first.value(k) as usize),
                key.value(k),
            );
            if let Some(rule) = report.rules.get_mut(r) {
                rule.skipped_blocks
                    .push((usize::try_from(n.value(k)).unwrap_or(usize::MAX), shown));
            }
        }
    }
    for rule in &mut report.rules {
        rule.skipped_blocks
            .sort_unstable_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        if let Some(w) = skipped_warning(
            &rule.rule,
            &rule.skipped_blocks,
            usize::try_from(cap).unwrap_or(usize::MAX),
        ) {
            report.warnings.push(w);
        }
    }
    let pairs = distinct_pairs(ctx, found, &mut report).await?;
    report.candidate_pairs = pairs.len() as u64;
    Ok((Pairs::from_sorted(records.len(), &pairs), report))
}

/// The members of the kept blocks, in `(rule, key, record)` order, walked block by block
/// (gathered, then in parallel): the batches of `(rule, i, j)` found.
async fn walk_blocks(
    members: DataFrame,
    (records, ranks): (&[Prepared], &[u32]),
    copies: u32,
) -> Result<Vec<RecordBatch>, Error> {
    let mut stream = members.execute_stream().await.map_err(engine_error)?;
    let mut blocks: Vec<(u32, Vec<u32>)> = Vec::new();
    let mut gathered = 0usize;
    let mut current: Option<(u32, u64)> = None;
    let mut out = Vec::new();
    while let Some(batch) = stream.next().await {
        let batch = batch.map_err(engine_error)?;
        let (rule, key, record) = (u32s(&batch, 0)?, u64s(&batch, 1)?, u32s(&batch, 2)?);
        for k in 0..batch.num_rows() {
            let at = (rule.value(k), key.value(k));
            if current != Some(at) {
                if gathered >= WALK_MEMBERS {
                    out.push(walk(&blocks, (records, ranks), copies)?);
                    blocks.clear();
                    gathered = 0;
                }
                blocks.push((at.0, Vec::new()));
                current = Some(at);
            }
            if let Some((_, m)) = blocks.last_mut() {
                m.push(record.value(k));
                gathered += 1;
            }
        }
    }
    out.push(walk(&blocks, (records, ranks), copies)?);
    Ok(out)
}

/// The pairs of some blocks, `(rule, i, j)`, found in parallel.
fn walk(
    blocks: &[(u32, Vec<u32>)],
    (records, ranks): (&[Prepared], &[u32]),
    copies: u32,
) -> Result<RecordBatch, Error> {
    let found: Vec<(u32, u32, u32)> = blocks
        .par_iter()
        .flat_map_iter(|(rule, members)| {
            let mut pairs = Vec::new();
            block_pairs(records, ranks, (members, *rule == copies), &mut pairs);
            pairs.into_iter().map(move |(i, j)| (*rule, i, j))
        })
        .collect();
    RecordBatch::try_new(
        pair_schema(),
        vec![
            Arc::new(found.iter().map(|p| p.0).collect::<UInt32Array>()),
            Arc::new(found.iter().map(|p| p.1).collect::<UInt32Array>()),
            Arc::new(found.iter().map(|p| p.2).collect::<UInt32Array>()),
        ],
    )
    .map_err(engine_error)
}

fn pair_schema() -> SchemaRef {
    schema(&[
        ("rule", DataType::UInt32),
        ("i", DataType::UInt32),
        ("j", DataType::UInt32),
    ])
}

/// Each rule's distinct pairs counted into the report; the distinct pairs of all rules,
/// sorted.
async fn distinct_pairs(
    ctx: &SessionContext,
    found: Vec<RecordBatch>,
    report: &mut BlockingReport,
) -> Result<Vec<(u32, u32)>, Error> {
    let found = table(ctx, pair_schema(), found)?;
    let per_rule = found
        .clone()
        .distinct()
        .map_err(engine_error)?
        .aggregate(vec![col("rule")], vec![count(lit(1)).alias("n")])
        .map_err(engine_error)?
        .collect()
        .await
        .map_err(engine_error)?;
    for batch in &per_rule {
        let rule = u32s(batch, 0)?;
        let n = column::<Int64Array>(batch, 1)?;
        for k in 0..batch.num_rows() {
            if let Some(r) = report.rules.get_mut(rule.value(k) as usize) {
                r.pairs = u64::try_from(n.value(k)).unwrap_or(0);
            }
        }
    }
    let mut stream = found
        .select(vec![col("i"), col("j")])
        .map_err(engine_error)?
        .distinct()
        .map_err(engine_error)?
        .sort(vec![col("i").sort(true, false), col("j").sort(true, false)])
        .map_err(engine_error)?
        .execute_stream()
        .await
        .map_err(engine_error)?;
    let mut pairs = Vec::new();
    while let Some(batch) = stream.next().await {
        let batch = batch.map_err(engine_error)?;
        let (i, j) = (u32s(&batch, 0)?, u32s(&batch, 1)?);
        pairs.extend((0..batch.num_rows()).map(|k| (i.value(k), j.value(k))));
    }
    Ok(pairs)
}
