//! Reports at scale: KPIs (`report::kpis`: 12 monthly periods, 12 cohorts, RFM, tiers, stages,
//! the lifecycle models and their predictions; the follow-up list is built only by
//! `follow_ups` and `build_report`) and the data-quality scorecard (completeness, validation,
//! duplicates, staleness, consent) over customers from the seeded generator.
//!
//! ```text
//! cargo bench --bench report                    # 1,000,000 customers, about 10,000,000 transactions
//! cargo bench --bench report -- 100000 11       # customers, mean purchases per entity
//! ```
//!
//! Prints a markdown table row: wall time of each step, and the CPU time the process spent in
//! it (user + system, all threads, from `/proc/self/stat`; `-` elsewhere), which says more than
//! the wall time on a machine shared with other work. The generator (`clientele::synth`: 10% duplicates, half Chinese
//! names, 15% companies) attaches purchases to one record of each entity, from 2024-01-01; the
//! report is as of 2025-12-31. One customer in three gets a rated feedback interaction. The
//! scorecard's duplicate figures come from the generator's truth, as clusters of a dedupe run
//! would (the dedupe itself is measured by `benches/dedupe.rs`).

use std::collections::BTreeMap;
use std::time::Instant;

use chrono::{Duration, TimeZone, Utc};
use clientele::dedupe::Cluster;
use clientele::model::{Interaction, InteractionKind};
use clientele::report::{ReportConfig, kpis, scorecard};
use clientele::synth::{SynthConfig, generate};
use clientele::validate::Validator;

/// CPU seconds (user + system, every thread) the process has used so far, on Linux.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The fields after the command name (which is in parentheses and may hold spaces).
    let rest = stat.get(stat.rfind(')')? + 2..)?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i)?.parse::<f64>().ok();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name and state;
    // in clock ticks, 100 a second on Linux.
    Some((ticks(11)? + ticks(12)?) / 100.0)
}

fn main() {
    let numbers: Vec<f64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.replace('_', "").parse().ok())
        .collect();
    let customers = numbers.first().map_or(1_000_000, |&n| n as usize);
    let mean_purchases = numbers.get(1).copied().unwrap_or(11.5);
    let started = Instant::now();
    let data = generate(&SynthConfig {
        customers,
        mean_purchases,
        ..SynthConfig::default()
    })
    .expect("valid configuration");
    let as_of = Utc.with_ymd_and_hms(2025, 12, 31, 23, 59, 59).unwrap();
    let interactions: Vec<Interaction> = data
        .customers
        .iter()
        .enumerate()
        .filter(|(k, _)| k % 3 == 0)
        .map(|(k, c)| {
            Interaction::new(
                c.id.clone(),
                as_of - Duration::days((k % 700) as i64),
                InteractionKind::Feedback,
            )
            .with_rating((k % 5) as u8 + 1)
        })
        .collect();
    let mut by_entity: BTreeMap<&str, Vec<clientele::CustomerId>> = BTreeMap::new();
    for (id, entity) in &data.truth {
        by_entity.entry(entity).or_default().push(id.clone());
    }
    let clusters: Vec<Cluster> = by_entity
        .into_values()
        .map(|mut members| {
            members.sort();
            Cluster {
                cluster_id: members.first().map(|m| m.to_string()).unwrap_or_default(),
                members,
            }
        })
        .collect();
    let generated = started.elapsed().as_secs_f64();

    let config = ReportConfig::default();
    let started = Instant::now();
    let cpu_start = cpu_seconds();
    let k = kpis(
        &data.customers,
        &data.transactions,
        &interactions,
        &config,
        as_of,
    );
    let kpi_seconds = started.elapsed().as_secs_f64();
    let cpu_kpis = cpu_seconds();

    let validator = Validator::new().as_of(as_of.date_naive());
    let started = Instant::now();
    let card = scorecard(
        &data.customers,
        &validator,
        Some(&clusters),
        &config.quality,
        as_of,
    );
    let card_seconds = started.elapsed().as_secs_f64();
    let cpu_card = cpu_seconds();
    let cpu = |from: Option<f64>, to: Option<f64>| match (from, to) {
        (Some(a), Some(b)) => format!("{:.1} s", b - a),
        _ => "-".to_owned(),
    };

    println!(
        "| customers | transactions | interactions | KPIs | scorecard | total | KPIs CPU | scorecard CPU | threads | buyers | repeat rate | duplicate rate | valid | generated in |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let rate = |v: Option<f64>| v.map_or("-".to_owned(), |v| format!("{:.1}%", 100.0 * v));
    println!(
        "| {} | {} | {} | {kpi_seconds:.2} s | {card_seconds:.2} s | {:.2} s | {} | {} | {} | {} | {} | {} | {} | {generated:.1} s |",
        data.customers.len(),
        data.transactions.len(),
        interactions.len(),
        kpi_seconds + card_seconds,
        cpu(cpu_start, cpu_kpis),
        cpu(cpu_kpis, cpu_card),
        rayon::current_num_threads(),
        k.buyers,
        rate(k.repeat_purchase_rate),
        rate(card.duplicates.and_then(|d| d.duplicate_rate)),
        rate(card.validity.valid_rate),
    );
    if k.models.bgnbd.is_none() {
        eprintln!(
            "report bench: BG/NBD not fitted: {:?}",
            k.models.bgnbd_error
        );
    }
}
