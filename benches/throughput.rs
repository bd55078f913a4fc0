//! Throughput benches: `cargo bench --bench throughput` prints a markdown table.
//!
//! A custom harness (std timing, best of several runs) rather than criterion: the numbers wanted
//! are throughputs of whole jobs on realistic data, and the suite must run in CI-sized time on a
//! 2-core machine. See docs/DECISIONS.md.

use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

use clientele::dedupe::similarity::{Chars, jaro_winkler, jaro_winkler_str};
use clientele::model::PersonName;
use clientele::normalize::{FieldKind, Normalizer};
use rayon::prelude::*;

/// Realistic values: the bundled sample's names, phones and emails, plus FEBRL's names when the
/// shared data is present; repeated to `n` values.
fn corpus(column: &str, n: usize) -> Vec<String> {
    let mut values = Vec::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (file, col) in [
        ("examples/data/customers.csv", column),
        (
            "../shared/data/febrl/febrl3.csv",
            if column == "full_name" { "surname" } else { "" },
        ),
    ] {
        let Ok(mut rdr) = csv::Reader::from_path(root.join(file)) else {
            continue;
        };
        let Some(i) = rdr
            .headers()
            .ok()
            .and_then(|h| h.iter().position(|c| c == col))
        else {
            continue;
        };
        values.extend(
            rdr.records()
                .filter_map(Result::ok)
                .filter_map(|r| r.get(i).map(str::to_owned))
                .filter(|v| !v.is_empty()),
        );
    }
    values.iter().cycle().take(n).cloned().collect()
}

/// The bundled sample's records, repeated (with fresh ids) to `n` records.
fn sample_customers(n: usize) -> Vec<clientele::Customer> {
    use clientele::import::{ColumnMap, RowReader};
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/data/customers.csv");
    let Ok(mut rdr) = csv::Reader::from_path(path) else {
        return Vec::new();
    };
    let header: Vec<String> = rdr
        .headers()
        .map(|h| h.iter().map(str::to_owned).collect())
        .unwrap_or_default();
    let mut reader = RowReader::new(&header, &ColumnMap::default());
    let base: Vec<clientele::Customer> = rdr
        .records()
        .filter_map(Result::ok)
        .filter_map(|r| reader.read(0, &r.iter().collect::<Vec<_>>()).ok())
        .map(|row| row.customer)
        .collect();
    (0..n)
        .filter_map(|i| {
            let mut c = base.get(i % base.len().max(1))?.clone();
            c.id = clientele::CustomerId::new(format!("B{i}")).ok()?;
            Some(c)
        })
        .collect()
}

/// Best of `runs` timings of `f`, as items per second.
fn rate(items: usize, runs: usize, mut f: impl FnMut()) -> f64 {
    let mut best = f64::INFINITY;
    for _ in 0..runs {
        let t = Instant::now();
        f();
        best = best.min(t.elapsed().as_secs_f64());
    }
    items as f64 / best
}

fn main() {
    let n = Normalizer::default();
    let size = 200_000;
    let names = corpus("full_name", size);
    let companies = corpus("company_name", size);
    let phones = corpus("phone", size);
    let emails = corpus("email", size);
    let threads = rayon::current_num_threads();

    let mut rows: Vec<(String, f64, f64)> = Vec::new();
    let mut bench = |label: &str, values: &[String], f: &(dyn Fn(&str) + Sync)| {
        let one = rate(values.len(), 3, || values.iter().for_each(|v| f(v)));
        let all = rate(values.len(), 3, || values.par_iter().for_each(|v| f(v)));
        rows.push((label.to_owned(), one, all));
    };
    bench("person names (whole: key, parts, pinyin)", &names, &|v| {
        black_box(n.person_name(&PersonName {
            full: Some(v.to_owned()),
            ..Default::default()
        }));
    });
    bench("person names (one field, key only)", &names, &|v| {
        black_box(n.normalize(FieldKind::PersonName, v));
    });
    bench("company names", &companies, &|v| {
        black_box(n.normalize(FieldKind::CompanyName, v));
    });
    bench("phones to E.164 (default region CN)", &phones, &|v| {
        let _ = black_box(n.phone(v, Some("CN")));
    });
    bench("emails", &emails, &|v| {
        let _ = black_box(n.email(v));
    });

    // Validation of whole records: the bundled sample repeated.
    let sample = sample_customers(size / 4);
    let v = clientele::validate::Validator::new().default_region("CN");
    let one = rate(sample.len(), 3, || {
        sample.iter().for_each(|c| {
            black_box(v.validate(c));
        })
    });
    let all = rate(sample.len(), 3, || {
        black_box(v.validate_all(&sample));
    });
    rows.push(("validate: whole records (sample mix)".to_owned(), one, all));

    // Reading and writing customer files: the sample's rows repeated, in memory.
    let file_rows = size;
    let csv_bytes = {
        let text = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/data/customers.csv"),
        )
        .unwrap_or_default();
        let mut lines = text.lines();
        let header = lines.next().unwrap_or("id").to_owned();
        let body: Vec<&str> = lines.collect();
        let mut out = header + "\n";
        for i in 0..file_rows {
            let line = body.get(i % body.len().max(1)).copied().unwrap_or("");
            // A fresh id per row, so that none is refused as a repeat.
            let rest = line.split_once(',').map_or("", |(_, r)| r);
            out.push_str(&format!("R{i},{rest}\n"));
        }
        out.into_bytes()
    };
    let options = clientele::files::ReadOptions::default();
    let ours = rate(file_rows, 3, || {
        black_box(
            clientele::files::read(csv_bytes.as_slice(), &options).map(|f| f.customers.len()),
        )
        .ok();
    });
    let theirs = rate(file_rows, 3, || {
        use clientele::import::{ColumnMap, RowReader};
        let mut rdr = csv::Reader::from_reader(csv_bytes.as_slice());
        let header: Vec<String> = rdr
            .headers()
            .map(|h| h.iter().map(str::to_owned).collect())
            .unwrap_or_default();
        let mut reader = RowReader::new(&header, &ColumnMap::default());
        // Kept, as `files::read` keeps them.
        let kept: Vec<clientele::Customer> = rdr
            .records()
            .filter_map(Result::ok)
            .filter_map(|r| reader.read(0, &r.iter().collect::<Vec<_>>()).ok())
            .map(|row| row.customer)
            .collect();
        black_box(kept.len());
    });
    rows.push((
        "read: CSV rows to records, clientele::files::read".to_owned(),
        ours,
        ours,
    ));
    rows.push((
        "read: CSV rows to records, csv crate + RowReader".to_owned(),
        theirs,
        theirs,
    ));
    let records = sample_customers(file_rows);
    let columns = clientele::files::Columns::for_records(&records);
    let write = rate(records.len(), 3, || {
        let Ok(mut w) = clientele::files::RecordWriter::new(Vec::new(), "bench", columns.clone())
        else {
            return;
        };
        for c in &records {
            let _ = w.write(c);
        }
        black_box(w.finish().map(|(b, _)| b.len())).ok();
    });
    rows.push((
        "write: records to CSV rows, clientele::files::RecordWriter".to_owned(),
        write,
        write,
    ));

    // Preparing name keys for comparison (done once per record and key).
    let name_keys: Vec<String> = names
        .iter()
        .map(|v| n.normalize(FieldKind::PersonName, v).key)
        .filter(|k| !k.is_empty())
        .collect();
    let prepare = |k: &String| {
        black_box(Chars::new(k));
    };
    let one = rate(name_keys.len(), 3, || name_keys.iter().for_each(prepare));
    let all = rate(name_keys.len(), 3, || {
        name_keys.par_iter().for_each(prepare)
    });
    rows.push((
        "prepare: name keys for Jaro-Winkler (Chars::new)".to_owned(),
        one,
        all,
    ));

    // Jaro-Winkler on name keys: each distinct key against the next 200 (pairs of realistic
    // keys, mostly different, as in a blocked comparison), ours on prepared keys vs strsim.
    let mut keys = name_keys;
    keys.sort();
    keys.dedup();
    let prepared: Vec<Chars> = keys.iter().map(|k| Chars::new(k)).collect();
    let width = 200.min(keys.len().saturating_sub(1));
    let pairs = keys.len() * width;
    let ours = |i: usize| -> f64 {
        let a = &prepared[i];
        (1..=width)
            .map(|d| jaro_winkler(a, &prepared[(i + d) % prepared.len()]))
            .sum()
    };
    let theirs = |i: usize| -> f64 {
        let a = &keys[i];
        (1..=width)
            .map(|d| strsim::jaro_winkler(a, &keys[(i + d) % keys.len()]))
            .sum()
    };
    // As dedupe compares: straight on the key text held in each prepared record.
    let ours_text = |i: usize| -> f64 {
        let a = &keys[i];
        (1..=width)
            .map(|d| jaro_winkler_str(a, &keys[(i + d) % keys.len()]))
            .sum()
    };
    for (label, f) in [
        (
            "compare: Jaro-Winkler pairs, ours on prepared keys",
            &ours as &(dyn Fn(usize) -> f64 + Sync),
        ),
        (
            "compare: Jaro-Winkler pairs, ours on key text (as dedupe runs)",
            &ours_text,
        ),
        ("compare: Jaro-Winkler pairs, strsim", &theirs),
    ] {
        let one = rate(pairs, 3, || {
            black_box((0..keys.len()).map(f).sum::<f64>());
        });
        let all = rate(pairs, 3, || {
            black_box((0..keys.len()).into_par_iter().map(f).sum::<f64>());
        });
        rows.push((format!("{label} ({} keys)", keys.len()), one, all));
    }

    println!("| job | values/s, 1 thread | values/s, {threads} threads |");
    println!("|---|---:|---:|");
    for (label, one, all) in rows {
        let label = if ["validate", "prepare", "compare", "read", "write"]
            .iter()
            .any(|p| label.starts_with(p))
        {
            label
        } else {
            format!("normalize: {label}")
        };
        println!("| {label} | {:.0} | {:.0} |", one, all);
    }
}
