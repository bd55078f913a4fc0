//! BG/NBD fit at scale: customers drawn from the CDNOW estimates, fitted back.
//!
//! ```text
//! cargo bench --bench lifecycle            # 1,000,000 customers
//! cargo bench --bench lifecycle -- 200000  # another number of customers
//! cargo bench --bench lifecycle -- 1000000 7  # and another seed (default 1)
//! ```
//!
//! Prints a markdown table row: the number of customers and of distinct histories, the time of the fit
//! (summaries in, model out: merging equal histories, then maximum likelihood) and the largest
//! relative error of the recovered parameters. Customers are drawn by `BgNbd::simulate` (the
//! crate's SplitMix64, gamma draws by Marsaglia and Tsang): first purchases spread over a
//! quarter (ages 27 to 39 weeks at the calibration end), recency in whole days.

use std::collections::HashSet;
use std::time::Instant;

use clientele::lifecycle::{BgNbd, TimeUnit};

fn main() {
    // `cargo bench` passes `--bench`; the numbers among the arguments are the size and the seed.
    let numbers: Vec<u64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.replace('_', "").parse().ok())
        .collect();
    let customers = numbers.first().map_or(1_000_000, |&n| n as usize);
    let seed = numbers.get(1).copied().unwrap_or(1);
    // Fader, Hardie and Lee (2005), CDNOW, weeks.
    let truth = BgNbd {
        r: 0.243,
        alpha: 4.414,
        a: 0.793,
        b: 2.426,
        log_likelihood: 0.0,
    };
    let started = Instant::now();
    let summaries = truth.simulate(customers, TimeUnit::Week, (189, 273), seed);
    let simulated = started.elapsed().as_secs_f64();
    let distinct = summaries
        .iter()
        .map(|s| (s.frequency.to_bits(), s.recency.to_bits(), s.t.to_bits()))
        .collect::<HashSet<_>>()
        .len();

    let started = Instant::now();
    let fitted = match BgNbd::fit(&summaries) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("lifecycle bench: fit failed: {e}");
            std::process::exit(1);
        }
    };
    let fit_seconds = started.elapsed().as_secs_f64();

    let errors = [
        ("r", fitted.r, truth.r),
        ("alpha", fitted.alpha, truth.alpha),
        ("a", fitted.a, truth.a),
        ("b", fitted.b, truth.b),
    ];
    let max_error = errors
        .iter()
        .map(|(_, got, want)| (got / want - 1.0).abs())
        .fold(0.0, f64::max);
    let each: Vec<String> = errors
        .iter()
        .map(|(name, got, _)| format!("{name} {got:.4}"))
        .collect();
    println!(
        "| customers (seed) | distinct histories | BG/NBD fit | threads | max parameter error | recovered | simulated in |"
    );
    println!("|---:|---:|---:|---:|---:|---|---:|");
    println!(
        "| {customers} ({seed}) | {distinct} | {fit_seconds:.3} s | {} | {:.2}% | {} | {simulated:.2} s |",
        rayon::current_num_threads(),
        100.0 * max_error,
        each.join(", ")
    );
}
