//! Dedupe at scale: `cargo bench --bench dedupe [-- N ...]` (default 100000).
//!
//! For each size, on data from the seeded generator (`clientele::synth`, 10% duplicates, half
//! Chinese names): records per second end to end (prepare, block, compare, train, score,
//! cluster), candidate pairs compared per second per core, peak memory (the process's
//! high-water mark when the dedupe run ends, generated input included: the records and the
//! generator's list of their entities; the true pairs are built after the run; read the largest
//! size last), pairwise F1 against the generator's truth, the time of each stage (standard error),
//! and `match_one` latency (median and p99 over 1,000 new records) against a store holding all
//! records, with its recall: the share of the stored duplicates of those records it returns.
//!
//! `DEDUPE_LEAVE_ONE_OUT=1` (or a list of rule names) also runs once without each blocking rule
//! and prints the candidate pairs only that rule proposes and the true pairs found only with it
//! (what a rule contributes; docs/PERFORMANCE.md).
//! `DEDUPE_NO_MATCH_ONE=1` skips the `match_one` part (for profiling the batch run alone).
//! `DEDUPE_POPULATION=name_built_emails` generates that population
//! (`clientele::synth::Population`) instead of the default mixed one.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use clientele::dedupe::{BlockingRule, Deduplicator, evaluate, ordered_pair, pairs_from_entities};
use clientele::store::{CustomerStore, MemoryStore};
use clientele::synth::{Population, SynthConfig, generate};

mod common;
use common::cpu_secs;

/// The process's peak resident memory, from /proc (Linux), in MiB.
fn peak_mib() -> Option<f64> {
    status_mib("VmHWM:")
}

/// The process's resident memory now, in MiB.
fn resident_mib() -> Option<f64> {
    status_mib("VmRSS:")
}

fn status_mib(field: &str) -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.replace('_', "").parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        vec![100_000]
    } else {
        sizes
    };
    let population = match std::env::var("DEDUPE_POPULATION").as_deref() {
        Ok("name_built_emails") => Population::NameBuiltEmails,
        Ok("mixed") | Err(_) => Population::Mixed,
        Ok(other) => panic!("DEDUPE_POPULATION: `mixed` or `name_built_emails`, not `{other}`"),
    };
    let cores = rayon::current_num_threads();
    println!(
        "| records | end to end | records/s | candidate pairs | pairs/s per core (compare) | peak memory (resident before the run: the input) | F1 | match_one median | match_one p99 | match_one recall (true pairs) |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for n in sizes {
        let data = generate(&SynthConfig {
            customers: n,
            population,
            ..SynthConfig::default()
        })
        .expect("valid configuration");
        let compare = Arc::new(Mutex::new((None::<Instant>, None::<Instant>)));
        let c2 = compare.clone();
        // When each stage first reported, for the breakdown on standard error.
        // With the resident memory then, and the high-water mark so far.
        let stages = Arc::new(Mutex::new(Vec::<(
            &'static str,
            Instant,
            Option<f64>,
            Option<f64>,
        )>::new()));
        let s2 = stages.clone();
        let d = Deduplicator::new().on_progress(move |p| {
            if let Ok(mut s) = s2.lock()
                && s.last().map(|l| l.0) != Some(p.stage)
            {
                s.push((p.stage, Instant::now(), resident_mib(), peak_mib()));
            }
            if p.stage == "compare"
                && let Ok(mut g) = c2.lock()
            {
                g.0.get_or_insert_with(Instant::now);
                if p.done >= p.total {
                    g.1 = Some(Instant::now());
                }
            }
        });
        let before = resident_mib();
        let t = Instant::now();
        let result = d.run(&data.customers).expect("dedupe");
        let secs = t.elapsed().as_secs_f64();
        let dedupe_peak = peak_mib();
        if let Ok(s) = stages.lock() {
            let end = t + std::time::Duration::from_secs_f64(secs);
            let parts: Vec<String> = s
                .iter()
                .enumerate()
                .map(|(k, (name, at, ..))| {
                    let next = s.get(k + 1).map_or(end, |n| n.1);
                    format!("{name} {:.2} s", next.duration_since(*at).as_secs_f64())
                })
                .collect();
            eprintln!("{n} records: {}", parts.join(", "));
            let memory: Vec<String> = s
                .iter()
                .map(|(name, _, rss, hwm)| {
                    format!("{name} {:.0}/{:.0}", rss.unwrap_or(0.0), hwm.unwrap_or(0.0))
                })
                .collect();
            eprintln!(
                "{n} records, MiB resident/peak at each stage's start: {}; peak at the end {:.0}",
                memory.join(", "),
                dedupe_peak.unwrap_or(0.0)
            );
        }
        let per_rule: Vec<String> = result
            .blocking
            .rules
            .iter()
            .filter(|r| r.pairs > 0)
            .map(|r| format!("{} {}", r.rule, r.pairs))
            .collect();
        eprintln!(
            "{n} records, pairs proposed per rule: {}",
            per_rule.join(", ")
        );
        let compare_secs = match *compare.lock().expect("lock") {
            (Some(s), Some(e)) => e.duration_since(s).as_secs_f64().max(1e-9),
            _ => secs,
        };
        let found: BTreeSet<_> = result
            .pairs
            .iter()
            .map(|p| ordered_pair(p.id_1.as_str(), p.id_2.as_str()))
            .collect();
        // The true pairs are built after the run, so that their memory is not in its peak.
        let truth = pairs_from_entities(data.truth.iter().map(|(id, e)| (id.as_str(), e.as_str())));
        let scores = evaluate(&found, &truth);
        let f1 = scores.f1;
        eprintln!(
            "{n} records: precision {:.4}, recall {:.4}, F1 {f1:.4}",
            scores.precision, scores.recall
        );
        if std::env::var_os("DEDUPE_LEAVE_ONE_OUT").is_some() {
            leave_one_out(&data.customers, &truth, &found, result.compared);
        }
        if std::env::var_os("DEDUPE_NO_MATCH_ONE").is_some() {
            println!(
                "| {n} | {secs:.1} s | {:.0} | {} | {:.0} | {:.0} MiB | {f1:.4} | | | |",
                n as f64 / secs,
                result.compared,
                result.compared as f64 / compare_secs / cores as f64,
                dedupe_peak.unwrap_or(0.0),
            );
            continue;
        }

        // match_one: a store with every record but 1,000 spread over the data, which are then
        // matched one by one with the trained model.
        let plain = Deduplicator::new();
        let store = MemoryStore::with_indexer(plain.indexer());
        let step = (data.customers.len() / 1_000).max(1);
        let (held, stored): (Vec<_>, Vec<_>) = data
            .customers
            .iter()
            .enumerate()
            .partition(|(i, _)| i % step == 0 && i / step < 1_000);
        for (_, c) in &stored {
            store.put((*c).clone()).expect("put");
        }
        // Recall of match_one: of the stored records of the same entity as a new record, the
        // share it returns.
        let entity: std::collections::HashMap<&str, &str> = data
            .truth
            .iter()
            .map(|(id, e)| (id.as_str(), e.as_str()))
            .collect();
        let mut members: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
        for (_, c) in &stored {
            if let Some(e) = entity.get(c.id.as_str()) {
                *members.entry(e).or_default() += 1;
            }
        }
        // The batch run's partners of each held-out record among the stored ones: what
        // match_one should find again.
        let held_ids: BTreeSet<&str> = held.iter().map(|(_, c)| c.id.as_str()).collect();
        let mut batch_partners: std::collections::HashMap<&str, BTreeSet<&str>> =
            std::collections::HashMap::new();
        for p in &result.pairs {
            let (a, b) = (p.id_1.as_str(), p.id_2.as_str());
            match (held_ids.contains(a), held_ids.contains(b)) {
                (true, false) => batch_partners.entry(a).or_default().insert(b),
                (false, true) => batch_partners.entry(b).or_default().insert(a),
                _ => false,
            };
        }
        let (mut batch_wanted, mut batch_got) = (0usize, 0usize);
        let cpu_start = cpu_secs();
        let (mut wanted, mut got) = (0usize, 0usize);
        let mut lat: Vec<f64> = held
            .iter()
            .map(|(_, c)| {
                let t = Instant::now();
                let found = plain
                    .match_one(c, &store, &result.model)
                    .expect("match_one");
                let micros = t.elapsed().as_secs_f64() * 1e6;
                let e = entity.get(c.id.as_str()).copied().unwrap_or("");
                wanted += members.get(e).copied().unwrap_or(0);
                got += found
                    .iter()
                    .filter(|m| entity.get(m.id.as_str()) == Some(&e))
                    .count();
                if let Some(partners) = batch_partners.get(c.id.as_str()) {
                    batch_wanted += partners.len();
                    batch_got += found
                        .iter()
                        .filter(|m| partners.contains(m.id.as_str()))
                        .count();
                }
                micros
            })
            .collect();
        let match_one_recall = if wanted == 0 {
            1.0
        } else {
            got as f64 / wanted as f64
        };
        let cpu_per_call = (cpu_secs() - cpu_start) / held.len().max(1) as f64 * 1e6;
        eprintln!("{n} records: match_one CPU time {cpu_per_call:.0} µs per call (mean)");
        let of_batch = if batch_wanted == 0 {
            1.0
        } else {
            batch_got as f64 / batch_wanted as f64
        };
        eprintln!(
            "{n} records: match_one finds {batch_got} of the batch run's {batch_wanted} pairs of the held-out records ({of_batch:.4})"
        );
        // Throughput with 1, 2 and 8 threads sharing the store, each matching every held-out
        // record.
        for threads in [1usize, 2, 8] {
            let t = Instant::now();
            std::thread::scope(|s| {
                for _ in 0..threads {
                    s.spawn(|| {
                        for (_, c) in &held {
                            std::hint::black_box(
                                plain
                                    .match_one(c, &store, &result.model)
                                    .expect("match_one"),
                            );
                        }
                    });
                }
            });
            let per_sec = (threads * held.len()) as f64 / t.elapsed().as_secs_f64();
            eprintln!("{n} records: match_one with {threads} threads: {per_sec:.0} records/s");
        }
        lat.sort_by(f64::total_cmp);
        let pct = |q: f64| {
            lat.get(((lat.len() as f64 - 1.0) * q) as usize)
                .copied()
                .unwrap_or(0.0)
        };
        println!(
            "| {} | {:.1} s | {:.0} | {} | {:.0} | {} | {:.4} | {:.0} µs | {:.0} µs | {:.3} ({wanted}) |",
            n,
            secs,
            n as f64 / secs,
            result.compared,
            result.compared as f64 / compare_secs / cores as f64,
            match (dedupe_peak, before) {
                (Some(p), Some(b)) => format!("{p:.0} MiB ({b:.0} before)"),
                _ => "n/a".into(),
            },
            f1,
            pct(0.5),
            pct(0.99),
            match_one_recall,
        );
    }
}

/// Runs once without each blocking rule and prints the candidate pairs only that rule proposes
/// (the pairs it costs) and the true pairs found only with it (what it contributes), against
/// the run with every rule.
fn leave_one_out(
    customers: &[clientele::Customer],
    truth: &BTreeSet<(String, String)>,
    found: &BTreeSet<(String, String)>,
    compared: u64,
) {
    let true_found = found.intersection(truth).count();
    eprintln!(
        "leave one rule out: every rule {compared} candidate pairs, {true_found} true pairs found"
    );
    // `DEDUPE_LEAVE_ONE_OUT=name_key,postcode_initial` leaves out only those rules.
    let only = std::env::var("DEDUPE_LEAVE_ONE_OUT").unwrap_or_default();
    let chosen = |r: BlockingRule| only == "1" || only.split(',').any(|n| n.trim() == r.name());
    for &rule in BlockingRule::ALL.iter().filter(|&&r| chosen(r)) {
        let rules: Vec<BlockingRule> = BlockingRule::ALL
            .iter()
            .copied()
            .filter(|&r| r != rule)
            .collect();
        let t = Instant::now();
        let r = Deduplicator::new()
            .blocking_rules(&rules)
            .run(customers)
            .expect("dedupe");
        let without: BTreeSet<_> = r
            .pairs
            .iter()
            .map(|p| ordered_pair(p.id_1.as_str(), p.id_2.as_str()))
            .collect();
        let lost = found
            .intersection(truth)
            .filter(|p| !without.contains(*p))
            .count();
        let gained = without
            .intersection(truth)
            .filter(|p| !found.contains(*p))
            .count();
        let scores = evaluate(&without, truth);
        eprintln!(
            "  without {:<16} {:>10} candidate pairs ({:>9} its own); true pairs found only with it {lost:>5}, only without it {gained:>4}; F1 {:.4}, {:.1} s",
            rule.name(),
            r.compared,
            compared.saturating_sub(r.compared),
            scores.f1,
            t.elapsed().as_secs_f64()
        );
    }
}
