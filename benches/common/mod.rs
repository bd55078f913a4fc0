//! Measuring helpers shared by the benches (`mod common;` in each).

#![allow(dead_code)] // each bench uses some of them

/// The process's CPU time so far (user and system, all threads), in seconds, from /proc: the
/// cost of a stage that is less disturbed by other work on the machine than its wall time.
pub fn cpu_secs() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let field = |i: usize| f.get(i).and_then(|x| x.parse::<f64>().ok()).unwrap_or(0.0);
    (field(11) + field(12)) / 100.0
}

/// Median and p99 of latencies.
pub fn percentiles(mut micros: Vec<f64>) -> (f64, f64) {
    micros.sort_by(f64::total_cmp);
    let at = |q: f64| {
        micros
            .get(((micros.len() as f64 - 1.0) * q) as usize)
            .copied()
            .unwrap_or(0.0)
    };
    (at(0.5), at(0.99))
}

/// The sizes given on the command line (`1_000_000` accepted), or `default` when none is.
pub fn sizes(default: usize) -> Vec<usize> {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.replace('_', "").parse().ok())
        .collect();
    if sizes.is_empty() {
        vec![default]
    } else {
        sizes
    }
}
