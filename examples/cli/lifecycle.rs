//! The lifecycle commands: `summarize` (transactions to per-customer summaries) and
//! `lifecycle-fit` (BG/NBD and Gamma-Gamma models from summaries).

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use clientele::CustomerId;
use clientele::lifecycle::{BgNbd, CustomerSummary, GammaGamma, TimeUnit, summarize};
use clientele::model::{CurrencyCode, Money, Transaction, mask_value};
use clientele::validate::currency_minor_units;

/// Time units of `summarize`.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Unit {
    Week,
    Day,
}

/// Arguments of `summarize`.
#[derive(clap::Args)]
pub struct SummarizeArgs {
    /// Transactions CSV: `id,date,amount` and optionally `currency,channel` (date YYYY-MM-DD,
    /// amount in major units such as 12.50), as `generate --transactions` writes.
    transactions: PathBuf,
    /// Last day of the calibration period (YYYY-MM-DD, inclusive); later transactions are ignored.
    #[arg(long)]
    calibration_end: String,
    /// Unit of recency and T.
    #[arg(long, value_enum, default_value = "week")]
    unit: Unit,
}

/// Arguments of `lifecycle-fit`.
#[derive(clap::Args)]
pub struct FitArgs {
    /// Summaries CSV: `id,frequency,recency,T[,monetary]` as `summarize` writes (the CDNOW
    /// files' `ID,frequency,recency,T` and `ID,x,t_x,T,zbar` are read too).
    summary: PathBuf,
}

/// Opens a CSV with a header row; the column names trimmed, without a byte-order mark, in lower
/// case.
fn open_csv(path: &Path) -> Result<(csv::Reader<std::fs::File>, Vec<String>), String> {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let header = rdr
        .headers()
        .map_err(|e| format!("{}: line 1: {e}", path.display()))?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').trim().to_ascii_lowercase())
        .collect();
    Ok((rdr, header))
}

/// Reads a transactions CSV (`id,date,amount[,currency,channel]`, header required).
///
/// A row that cannot be read is an error naming its line; amounts are in major units of the
/// row's currency (`XXX`, no currency, when the column is absent or empty).
pub(crate) fn read_transactions(path: &Path) -> Result<Vec<Transaction>, String> {
    let at = |line: u64, reason: String| format!("{}: line {line}: {reason}", path.display());
    let (mut rdr, header) = open_csv(path)?;
    let col = |name: &str| header.iter().position(|h| h == name);
    let need = |name: &str| col(name).ok_or_else(|| at(1, format!("no `{name}` column")));
    let (id_col, date_col, amount_col) = (need("id")?, need("date")?, need("amount")?);
    let (currency_col, channel_col) = (col("currency"), col("channel"));
    let no_currency = CurrencyCode::new("XXX").map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for (i, record) in rdr.records().enumerate() {
        let fallback = i as u64 + 2;
        let record = record.map_err(|e| {
            let line = e.position().map_or(fallback, |p| p.line());
            at(line, e.to_string())
        })?;
        let line = record.position().map_or(fallback, |p| p.line());
        let cell = |c: Option<usize>| c.and_then(|c| record.get(c)).map(str::trim);
        let id = CustomerId::new(cell(Some(id_col)).unwrap_or(""))
            .map_err(|e| at(line, e.to_string()))?;
        let date_text = cell(Some(date_col)).unwrap_or("");
        let date = NaiveDate::parse_from_str(date_text, "%Y-%m-%d")
            .map_err(|e| at(line, format!("date {}: {e}", mask_value(date_text))))?;
        let currency = match cell(currency_col) {
            Some(c) if !c.is_empty() => {
                CurrencyCode::new(c).map_err(|e| at(line, e.to_string()))?
            }
            _ => no_currency,
        };
        let exponent = currency_minor_units(currency.as_str())
            .flatten()
            .unwrap_or(2);
        let amount_text = cell(Some(amount_col)).unwrap_or("");
        let major: f64 = amount_text
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite())
            .ok_or_else(|| {
                at(
                    line,
                    format!("amount {} is not a number", mask_value(amount_text)),
                )
            })?;
        let minor = (major * 10f64.powi(i32::from(exponent))).round();
        if minor.abs() > 9.0e15 {
            return Err(at(
                line,
                format!("amount {} is too large", mask_value(amount_text)),
            ));
        }
        let mut tx = Transaction::new(
            id,
            date.and_time(chrono::NaiveTime::MIN).and_utc(),
            Money {
                minor_units: minor as i64,
                currency,
            },
        );
        tx.channel = cell(channel_col)
            .filter(|c| !c.is_empty())
            .map(str::to_owned);
        out.push(tx);
    }
    Ok(out)
}

/// Runs `summarize`: CSV `id,frequency,recency,T,monetary` on standard output.
pub fn run_summarize(args: &SummarizeArgs) -> Result<(), String> {
    let end = NaiveDate::parse_from_str(args.calibration_end.trim(), "%Y-%m-%d")
        .map_err(|e| format!("--calibration-end `{}`: {e}", args.calibration_end))?;
    let unit = match args.unit {
        Unit::Week => TimeUnit::Week,
        Unit::Day => TimeUnit::Day,
    };
    let transactions = read_transactions(&args.transactions)?;
    let summaries = summarize(&transactions, end, unit);
    let mut w = csv::Writer::from_writer(super::io::stdout());
    w.write_record(["id", "frequency", "recency", "T", "monetary"])
        .map_err(super::io::stdout_error)?;
    for s in &summaries {
        w.write_record([
            s.customer.as_str(),
            &s.frequency.to_string(),
            &s.recency.to_string(),
            &s.t.to_string(),
            &s.monetary.to_string(),
        ])
        .map_err(super::io::stdout_error)?;
    }
    w.flush().map_err(super::io::stdout_error)?;
    eprintln!(
        "{} transactions, {} customers summarized up to {end}",
        transactions.len(),
        summaries.len()
    );
    Ok(())
}

/// Reads summaries; also returns whether the file has a spend column.
fn read_summaries(path: &Path) -> Result<(Vec<CustomerSummary>, bool), String> {
    let at = |line: u64, reason: String| format!("{}: line {line}: {reason}", path.display());
    let (mut rdr, header) = open_csv(path)?;
    let col = |names: &[&str]| header.iter().position(|h| names.contains(&h.as_str()));
    let need = |names: &[&str]| {
        col(names).ok_or_else(|| at(1, format!("no `{}` column", names.join("` or `"))))
    };
    let id = need(&["id"])?;
    let frequency = need(&["frequency", "x"])?;
    let recency = need(&["recency", "t_x"])?;
    let age = need(&["t"])?;
    let monetary = col(&["monetary", "zbar"]);
    let mut out = Vec::new();
    for (i, record) in rdr.records().enumerate() {
        let fallback = i as u64 + 2;
        let record = record.map_err(|e| at(fallback, e.to_string()))?;
        let line = record.position().map_or(fallback, |p| p.line());
        let number = |c: usize, name: &str| -> Result<f64, String> {
            let text = record.get(c).unwrap_or("").trim();
            text.parse()
                .map_err(|_| at(line, format!("{name} {} is not a number", mask_value(text))))
        };
        out.push(CustomerSummary {
            customer: CustomerId::new(record.get(id).unwrap_or(""))
                .map_err(|e| at(line, e.to_string()))?,
            frequency: number(frequency, "frequency")?,
            recency: number(recency, "recency")?,
            t: number(age, "T")?,
            monetary: match monetary {
                Some(c) => number(c, "monetary")?,
                None => 0.0,
            },
        });
    }
    Ok((out, monetary.is_some()))
}

/// Runs `lifecycle-fit`: the fitted models as one JSON object on standard output.
pub fn run_fit(args: &FitArgs) -> Result<(), String> {
    let started = std::time::Instant::now();
    let (customers, has_spend) = read_summaries(&args.summary)?;
    let bgnbd = BgNbd::fit(&customers).map_err(|e| format!("BG/NBD: {e}"))?;
    let gamma_gamma = if has_spend {
        match GammaGamma::fit(&customers) {
            Ok(m) => Some(m),
            Err(e) => {
                eprintln!("Gamma-Gamma not fitted: {e}");
                None
            }
        }
    } else {
        eprintln!("Gamma-Gamma not fitted: the file has no monetary column");
        None
    };
    let report = serde_json::json!({ "bgnbd": bgnbd, "gamma_gamma": gamma_gamma });
    super::io::outln!("{report:#}")?;
    eprintln!(
        "{} customers fitted in {:.3} s",
        customers.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
