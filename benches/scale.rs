//! The DataFusion engine beside the in-memory run: `cargo bench --features datafusion --bench
//! scale [-- N ...]` (default 100000).
//!
//! For each size, on data from the seeded generator (`clientele::synth`): records per second
//! end to end and CPU seconds for `Deduplicator::run` and for `scale::run` (blocking planned on
//! DataFusion, `SCALE_MEMORY_MIB` of pool, default 8192), whether their answers are equal, and
//! the process's peak memory after each (generated input included). `SCALE_ENGINE=memory` or
//! `datafusion` runs one engine only, so that each peak is its own (run each in its own
//! process for docs/SCALE.md).

use std::time::Instant;

use clientele::dedupe::Deduplicator;
use clientele::scale::{ScaleOptions, run};
use clientele::synth::{SynthConfig, generate};

mod common;
use common::cpu_secs;

fn peak_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn main() {
    let sizes = common::sizes(100_000);
    let engine = std::env::var("SCALE_ENGINE").unwrap_or_default();
    let memory_mib: usize = std::env::var("SCALE_MEMORY_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(8192);
    let options = ScaleOptions {
        memory_limit: memory_mib << 20,
        ..ScaleOptions::default()
    };
    for n in sizes {
        let data = generate(&SynthConfig {
            customers: n,
            ..SynthConfig::default()
        })
        .expect("generate");
        let d = Deduplicator::new();
        println!(
            "{n} records, pool {memory_mib} MiB, {} partitions",
            options.partitions
        );
        let mut answers = Vec::new();
        for name in ["memory", "datafusion"] {
            if !engine.is_empty() && engine != name {
                continue;
            }
            let (wall, cpu) = (Instant::now(), cpu_secs());
            let result = match name {
                "memory" => d.run(&data.customers),
                _ => run(&d, &data.customers, &options),
            }
            .expect("dedupe");
            let secs = wall.elapsed().as_secs_f64();
            println!(
                "  {name:<10} {:>10.0} records/s  {secs:>7.2} s wall  {:>7.2} s CPU  {} pairs  {} candidate pairs  peak {:.0} MiB",
                n as f64 / secs,
                cpu_secs() - cpu,
                result.pairs.len(),
                result.blocking.candidate_pairs,
                peak_mib()
            );
            answers.push(result);
        }
        if let [a, b] = answers.as_slice() {
            println!("  same answers: {}", a == b);
        }
    }
}
