//! The `normalize` command: the input's cells back with canonical values and `*_key` columns.
//!
//! Rows are read as every command reads them (`clientele::files::open_path`, then the row
//! reader): a row either command would refuse is refused here too, with its line, and the
//! output is written only when no row was refused (or `--allow-rejects` is given).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;

use clientele::files::{AtomicFile, DataRows, RawRow, RejectedRow, open_path};
use clientele::import::RowReader;
use clientele::model::{Address, PersonName};
use clientele::normalize::{FieldKind, Normalizer};

use super::Input;
use super::io::{self, Stdout};

/// Arguments of `normalize`.
#[derive(clap::Args)]
pub struct NormalizeArgs {
    #[command(flatten)]
    input: Input,
    /// Default region for phones written without a country code.
    #[arg(long)]
    region: Option<String>,
    /// Output file (standard output when absent).
    #[arg(long)]
    out: Option<PathBuf>,
}

/// How a column is normalized.
fn column_kind(name: &str) -> Option<FieldKind> {
    Some(match name {
        "full_name" | "given_name" | "middle_name" | "family_name" => FieldKind::PersonName,
        "company_name" => FieldKind::CompanyName,
        "phone" => FieldKind::Phone,
        "email" => FieldKind::Email,
        "street" | "street2" | "house_number" => FieldKind::Address,
        "locality" | "region" | "postcode" => FieldKind::Text,
        _ => return None,
    })
}

/// The key columns the header allows, in order.
fn key_columns(header: &[String]) -> Vec<&'static str> {
    let has = |c: &str| header.iter().any(|h| h == c);
    [
        "person_name_key",
        "company_name_key",
        "phone_key",
        "email_key",
        "address_key",
    ]
    .into_iter()
    .filter(|k| match *k {
        "person_name_key" => ["full_name", "given_name", "family_name"]
            .iter()
            .any(|c| has(c)),
        "company_name_key" => has("company_name"),
        "phone_key" => has("phone"),
        "email_key" => has("email"),
        _ => ["street", "street2", "house_number"].iter().any(|c| has(c)),
    })
    .collect()
}

fn split_cell(cell: &str) -> impl Iterator<Item = &str> {
    cell.split([';', '；'])
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

/// What the rules did, for the summary.
#[derive(Default)]
struct Tally {
    fired: BTreeMap<String, usize>,
    rows: usize,
    bad_phones: usize,
    bad_emails: usize,
}

/// Normalizes the cells of one row.
struct RowNormalizer<'a> {
    n: Normalizer,
    region: Option<&'a str>,
    header: &'a [String],
    keys: Vec<&'static str>,
}

impl RowNormalizer<'_> {
    fn value(&self, kind: FieldKind, name: &str, v: &str, tally: &mut Tally) -> String {
        let r = self.n.normalize_traced(kind, v);
        for step in &r.trace {
            *tally.fired.entry(step.rule.clone()).or_default() += 1;
        }
        match kind {
            FieldKind::Phone => match self.n.phone(v, self.region) {
                Ok(p) => {
                    *tally.fired.entry("phone.e164".into()).or_default() +=
                        usize::from(p.e164 != v);
                    p.e164
                }
                Err(_) => {
                    tally.bad_phones += 1;
                    r.canonical
                }
            },
            FieldKind::Email => match self.n.email(v) {
                Ok(e) => e.canonical,
                Err(_) => {
                    tally.bad_emails += 1;
                    r.canonical
                }
            },
            FieldKind::Text if name == "postcode" => r.canonical.to_uppercase(),
            _ => r.canonical,
        }
    }

    fn key(&self, key: &str, cell: &dyn Fn(&str) -> String) -> String {
        let n = &self.n;
        match key {
            "person_name_key" => {
                let opt = |c: &str| Some(cell(c)).filter(|s| !s.is_empty());
                n.person_name(&PersonName {
                    full: opt("full_name"),
                    given: opt("given_name"),
                    middle: opt("middle_name"),
                    family: opt("family_name"),
                })
                .key
            }
            "company_name_key" => {
                n.normalize(FieldKind::CompanyName, &cell("company_name"))
                    .key
            }
            "phone_key" => split_cell(&cell("phone"))
                .filter_map(|v| n.phone(v, self.region).ok().map(|p| p.e164))
                .collect::<Vec<_>>()
                .join(";"),
            "email_key" => split_cell(&cell("email"))
                .filter_map(|v| n.email(v).ok().map(|e| e.key))
                .collect::<Vec<_>>()
                .join(";"),
            _ => {
                let lines: Vec<String> = [cell("street"), cell("street2")]
                    .into_iter()
                    .filter(|s| !s.is_empty())
                    .collect();
                let house = Some(cell("house_number")).filter(|s| !s.is_empty());
                n.address(&Address {
                    lines,
                    house_number: house,
                    ..Address::default()
                })
                .key
            }
        }
    }

    fn row(&self, cells: &[String], tally: &mut Tally) -> Vec<String> {
        tally.rows += 1;
        let cell = |c: &str| {
            self.header
                .iter()
                .position(|h| h == c)
                .and_then(|i| cells.get(i))
                .map(|v| v.trim().to_owned())
                .unwrap_or_default()
        };
        let mut out: Vec<String> = Vec::with_capacity(cells.len() + self.keys.len());
        for (name, value) in self.header.iter().zip(cells) {
            let Some(kind) = column_kind(name) else {
                out.push(value.clone());
                continue;
            };
            let parts: Vec<String> = split_cell(value)
                .map(|v| self.value(kind, name, v, tally))
                .collect();
            out.push(parts.join(";"));
        }
        for k in &self.keys {
            out.push(self.key(k, &cell));
        }
        out
    }
}

/// Where the rows go.
enum Sink {
    File(AtomicFile),
    Stdout(std::io::BufWriter<Stdout>),
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Self::File(f) => f.write(buf),
            Self::Stdout(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Self::File(f) => f.flush(),
            Self::Stdout(s) => s.flush(),
        }
    }
}

/// Runs `normalize`.
pub fn run(args: &NormalizeArgs) -> Result<(), String> {
    let path = &args.input.file;
    let name = path.display().to_string();
    let options = io::options(&args.input)?;
    let at = |e: clientele::Error| match e {
        clientele::Error::Io { .. } => e.to_string(),
        other => format!("{name}: {other}"),
    };
    let mut rows = open_path(path, &options).map_err(at)?;
    let mut reader =
        RowReader::try_new(rows.header(), &options.map, options.repeated).map_err(at)?;
    let header: Vec<String> = reader.column_names().map(str::to_owned).collect();
    let normalizer = RowNormalizer {
        n: Normalizer::default(),
        region: args.region.as_deref(),
        header: &header,
        keys: key_columns(&header),
    };
    let (sink, out_name) = match &args.out {
        Some(p) => (Sink::File(io::create(p)?), p.display().to_string()),
        None => (Sink::Stdout(io::stdout()), "standard output".to_owned()),
    };
    let write_err = |e: csv::Error| format!("{out_name}: {e}");
    let mut w = csv::Writer::from_writer(sink);
    let mut out_header = header.clone();
    out_header.extend(normalizer.keys.iter().map(|k| (*k).to_owned()));
    w.write_record(&out_header).map_err(write_err)?;
    let mut tally = Tally::default();
    let mut rejected: Vec<RejectedRow> = Vec::new();
    for row in rows.by_ref() {
        let (line, cells) = match row.map_err(at)? {
            RawRow::Row { line, cells, .. } => (line, cells),
            RawRow::Refused(r) => {
                rejected.push(r);
                continue;
            }
        };
        if let Err(e) = reader.read(line, &cells) {
            let reason = match e {
                clientele::Error::Row { reason, .. } => reason,
                other => other.to_string(),
            };
            rejected.push(RejectedRow { line, reason });
            continue;
        }
        w.write_record(normalizer.row(&cells, &mut tally))
            .map_err(write_err)?;
    }
    let sink = w
        .into_inner()
        .map_err(|e| format!("{out_name}: {}", e.error()))?;
    if !rejected.is_empty() {
        eprintln!(
            "{name}: {} of {} rows refused:",
            rejected.len(),
            rows.counts().data_rows
        );
        for r in rejected.iter().take(20) {
            eprintln!("  line {}: {}", r.line, r.reason);
        }
        if !args.input.allow_rejects {
            io::note_refused(rejected.len() as u64);
        }
    }
    match sink {
        Sink::File(f) => io::commit(f)?,
        Sink::Stdout(mut s) => s.flush().map_err(io::stdout_error)?,
    }
    summary(&tally);
    Ok(())
}

fn summary(t: &Tally) {
    eprintln!(
        "rows normalized: {}; phones not parsed: {}; emails not parsed: {}",
        t.rows, t.bad_phones, t.bad_emails
    );
    eprintln!("rules that changed a value (rule, times):");
    let mut counts: Vec<(&String, &usize)> = t.fired.iter().collect();
    counts.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
    for (rule, count) in counts {
        eprintln!("  {rule:<32} {count:>8}");
    }
}
