//! The clientele command line: the library's jobs on CSV files.
//!
//! ```text
//! cargo run --release --example cli -- stats examples/data/customers.csv
//! cargo run --release --example cli -- stats febrl3.csv --map surname=family_name --map rec_id=id
//! ```
//!
//! This is the only place of the project that does I/O: it reads CSV into records through
//! `clientele::import` and prints what the library answers.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use clientele::Customer;
use clientele::import::{ColumnMap, FieldProblem, KNOWN_COLUMNS, RowReader};

#[derive(Parser)]
#[command(
    name = "clientele",
    about = "Customer data: load, check, normalize, deduplicate, merge and score",
    version
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args, Clone)]
struct Input {
    /// The customers CSV file (header row required).
    file: PathBuf,
    /// Rename an input column before reading, as SRC=DST (repeatable), e.g. surname=family_name.
    #[arg(long = "map", value_name = "SRC=DST")]
    map: Vec<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Read a customers CSV and report records read, fields filled and rows rejected.
    Stats {
        #[command(flatten)]
        input: Input,
        /// Print the report as one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
}

/// A rejected row.
#[derive(serde::Serialize)]
struct Rejected {
    line: u64,
    reason: String,
}

/// What reading a file gave.
struct Loaded {
    customers: Vec<Customer>,
    rejected: Vec<Rejected>,
    problems: Vec<FieldProblem>,
    /// Non-empty cells per column (after renaming) among accepted rows.
    filled: BTreeMap<String, usize>,
    columns: Vec<String>,
}

fn load(input: &Input) -> Result<Loaded, String> {
    let map = ColumnMap::parse_all(&input.map).map_err(|e| e.to_string())?;
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(&input.file)
        .map_err(|e| format!("{}: {e}", input.file.display()))?;
    let header: Vec<String> = rdr
        .headers()
        .map_err(|e| format!("{}: header: {e}", input.file.display()))?
        .iter()
        .enumerate()
        .map(|(i, h)| {
            if i == 0 {
                h.trim_start_matches('\u{feff}').to_owned()
            } else {
                h.to_owned()
            }
        })
        .collect();
    let mut reader = RowReader::new(&header, &map);
    let columns: Vec<String> = reader.column_names().map(str::to_owned).collect();
    let mut loaded = Loaded {
        customers: Vec::new(),
        rejected: Vec::new(),
        problems: Vec::new(),
        filled: BTreeMap::new(),
        columns,
    };
    for (i, record) in rdr.records().enumerate() {
        // Line of the row's start, falling back to its position after the header.
        let fallback = i as u64 + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(fallback, |p| p.line());
                loaded.rejected.push(Rejected {
                    line,
                    reason: format!("unreadable row: {e}"),
                });
                continue;
            }
        };
        let line = record.position().map_or(fallback, |p| p.line());
        let cells: Vec<&str> = record.iter().collect();
        match reader.read(line, &cells) {
            Ok(row) => {
                for (name, cell) in loaded.columns.iter().zip(&cells) {
                    if !cell.trim().is_empty() {
                        *loaded.filled.entry(name.clone()).or_default() += 1;
                    }
                }
                loaded.problems.extend(row.problems);
                loaded.customers.push(row.customer);
            }
            Err(clientele::Error::Row { line, reason }) => {
                loaded.rejected.push(Rejected { line, reason })
            }
            Err(e) => loaded.rejected.push(Rejected {
                line,
                reason: e.to_string(),
            }),
        }
    }
    Ok(loaded)
}

fn stats(input: &Input, json: bool) -> Result<(), String> {
    let loaded = load(input)?;
    let persons = loaded
        .customers
        .iter()
        .filter(|c| c.kind == clientele::CustomerKind::Person)
        .count();
    let companies = loaded.customers.len() - persons;
    if json {
        let report = serde_json::json!({
            "file": input.file.display().to_string(),
            "records_read": loaded.customers.len(),
            "persons": persons,
            "companies": companies,
            "rows_rejected": loaded.rejected,
            "field_problems": loaded.problems,
            "fields_filled": loaded.filled,
        });
        println!("{report:#}");
        return Ok(());
    }
    let total = loaded.customers.len();
    println!("file: {}", input.file.display());
    println!("records read: {total} ({persons} persons, {companies} companies)");
    println!("rows rejected: {}", loaded.rejected.len());
    for r in &loaded.rejected {
        println!("  line {}: {}", r.line, r.reason);
    }
    println!(
        "field problems (row kept, raw value kept as a custom field): {}",
        loaded.problems.len()
    );
    for p in &loaded.problems {
        println!("  line {}: {}: {}", p.line, p.field, p.reason);
    }
    println!("fields filled:");
    println!("  {:<20} {:>9} {:>7}", "column", "filled", "share");
    for name in &loaded.columns {
        let n = loaded.filled.get(name).copied().unwrap_or(0);
        let share = if total == 0 {
            0.0
        } else {
            100.0 * n as f64 / total as f64
        };
        let note = if RowReader::is_known(name) {
            ""
        } else {
            "  (custom field)"
        };
        println!("  {name:<20} {n:>9} {share:>6.1}%{note}");
    }
    let unmapped: Vec<&str> = KNOWN_COLUMNS
        .iter()
        .copied()
        .filter(|k| !loaded.columns.iter().any(|c| c == k))
        .collect();
    if !unmapped.is_empty() {
        println!("columns not in the file: {}", unmapped.join(", "));
    }
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Stats { input, json } => stats(input, *json),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
