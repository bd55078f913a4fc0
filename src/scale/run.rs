//! The whole dedupe with its blocking planned on DataFusion: the session (memory pool, spill
//! directory, partitions) and the stages around the plan.

use std::path::PathBuf;
use std::sync::Arc;

use datafusion::execution::memory_pool::FairSpillPool;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::prelude::{SessionConfig, SessionContext};

use super::block;
use crate::dedupe::{Batch, DedupeResult, Deduplicator};
use crate::error::Error;
use crate::model::Customer;

/// How a scaled run uses the machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScaleOptions {
    /// The memory pool of the plan's operators (grouping, joins, sorts), in bytes: past it
    /// they spill to disk. Default 8 GiB.
    pub memory_limit: usize,
    /// Partitions each stage runs in (and threads of the engine). Default: the machine's
    /// cores.
    pub partitions: usize,
    /// Where spilled data goes (default: the system's temporary directory).
    pub spill_dir: Option<PathBuf>,
}

impl Default for ScaleOptions {
    fn default() -> Self {
        Self {
            memory_limit: 8 << 30,
            partitions: std::thread::available_parallelism().map_or(2, usize::from),
            spill_dir: None,
        }
    }
}

pub(super) fn engine_error(e: impl std::fmt::Display) -> Error {
    Error::Engine {
        message: e.to_string(),
    }
}

/// A session whose operators share a fair spilling pool of the options' size.
pub(super) fn session(options: &ScaleOptions) -> Result<SessionContext, Error> {
    let limit = options.memory_limit.max(1 << 20);
    let pool = Arc::new(FairSpillPool::new(limit));
    let mut runtime = RuntimeEnvBuilder::new().with_memory_pool(pool);
    if let Some(dir) = &options.spill_dir {
        runtime = runtime.with_temp_file_path(dir);
    }
    // What a sort keeps back for merging its spills: DataFusion's 10 MiB, or less in a small
    // pool (a sixteenth of it), so that a small pool spills instead of failing.
    let config = SessionConfig::new()
        .with_target_partitions(options.partitions.max(1))
        .with_sort_spill_reservation_bytes((limit / 16).min(10 << 20));
    Ok(SessionContext::new_with_config_rt(
        config,
        runtime.build_arc().map_err(engine_error)?,
    ))
}

/// Runs a batch (its records added, see [`Deduplicator::batch`]) with its blocking planned on
/// DataFusion: the result [`Batch::run`] gives (see the module's documentation).
///
/// The engine runs on a runtime of its own, on a thread of its own, so this may be called
/// from within another async runtime.
///
/// # Errors
/// As [`Batch::run`]; [`Error::Engine`] when the plan fails (its memory pool too small for
/// an operator that cannot spill, a full spill disk).
pub fn run_batch(batch: Batch<'_>, options: &ScaleOptions) -> Result<DedupeResult, Error> {
    let Batch {
        dedupe,
        compiled,
        blocking,
        records,
        keyed,
    } = batch;
    let ctx = session(options)?;
    let cap = dedupe.block_cap();
    let threads = options.partitions.max(1);
    let compared = dedupe.compare_prepared_with(
        records,
        keyed,
        (&compiled, &blocking),
        |records, ranks, rules, keyed| {
            std::thread::scope(|s| {
                s.spawn(|| {
                    let rt = tokio::runtime::Builder::new_multi_thread()
                        .worker_threads(threads)
                        .enable_all()
                        .build()
                        .map_err(engine_error)?;
                    rt.block_on(block::candidate_pairs(
                        &ctx,
                        (records, ranks),
                        (rules, keyed),
                        cap,
                    ))
                })
                .join()
                .unwrap_or_else(|_| Err(engine_error("the engine's thread panicked")))
            })
        },
    )?;
    dedupe.run_compared(&compiled, compared, None)
}

/// [`run_batch`] on records in memory: the result [`Deduplicator::run`] gives.
///
/// # Errors
/// As [`run_batch`].
pub fn run(
    dedupe: &Deduplicator,
    customers: &[Customer],
    options: &ScaleOptions,
) -> Result<DedupeResult, Error> {
    let mut batch = dedupe.batch()?;
    batch.add(customers);
    run_batch(batch, options)
}
