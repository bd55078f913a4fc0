//! The `report` command: KPIs, cohorts, the data-quality scorecard and the follow-up list of a
//! customers file (or a store) and its transactions as of a day, as one self-contained HTML
//! page (`clientele::report::render_html`) and optionally the same figures as JSON and the
//! follow-up list as CSV.
//!
//! With `--store x.db` the customers come from the store; without `--transactions` their
//! activity (transactions and interactions) is the one the store holds
//! (`clientele::report::build_report_store`), with `--transactions` it is read from the files.

use std::path::{Path, PathBuf};

use chrono::{NaiveDate, NaiveTime};
use clientele::CustomerId;
use clientele::model::{CurrencyCode, Interaction, InteractionKind, mask_value};
use clientele::report::{
    HtmlOptions, Period, Report, ReportConfig, ReportData, build_report, build_report_store,
    follow_ups_csv, render_html,
};
use clientele::validate::Validator;

use super::{deduplicator, flags, io, lifecycle::read_transactions, store};

/// Periods of the series.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Step {
    Week,
    Month,
    Quarter,
}

/// Arguments of `report`.
#[derive(clap::Args)]
pub struct ReportArgs {
    #[command(flatten)]
    input: store::Source,
    /// Transactions CSV: `id,date,amount[,currency,channel]`. Required with a customers file;
    /// with `--store` and without it, the activity the store holds is reported.
    #[arg(long, required_unless_present = "store")]
    transactions: Option<PathBuf>,
    /// Interactions CSV: `id,date,kind[,rating,note]` (kind: call, visit, complaint, feedback,
    /// note, message or another word; rating: a whole number, read on feedback). Read with
    /// `--transactions` only.
    #[arg(long, requires = "transactions")]
    interactions: Option<PathBuf>,
    /// Report as of the end of this day (YYYY-MM-DD); later activity is ignored.
    #[arg(long)]
    as_of: String,
    /// Output: the HTML page.
    #[arg(long)]
    out: PathBuf,
    /// Output: the same figures as JSON.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Output: the whole follow-up list as CSV.
    #[arg(long)]
    follow_ups: Option<PathBuf>,
    /// Report configuration (JSON `ReportConfig`: scoring, period, cohorts, follow-up rules,
    /// quality windows).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Step of the series (overrides the configuration's).
    #[arg(long, value_enum)]
    period: Option<Step>,
    /// Number of periods in the series and of monthly cohorts (overrides the configuration's).
    #[arg(long, value_parser = flags::periods)]
    periods: Option<usize>,
    /// Spend currency (ISO 4217); default: the currency of most transactions.
    #[arg(long)]
    currency: Option<String>,
    /// Default region for phones written without a country code (validation, duplicates).
    #[arg(long)]
    region: Option<String>,
    /// Match probability at or above which records count as duplicates.
    #[arg(long, default_value_t = 0.5, value_parser = flags::probability)]
    threshold: f64,
    /// Page title.
    #[arg(long)]
    title: Option<String>,
}

/// Writes an output file whole (or, when rows were refused without `--allow-rejects`, not at
/// all).
fn write(path: &Path, text: &str) -> Result<(), String> {
    use std::io::Write as _;
    let mut file = io::create(path)?;
    file.write_all(text.as_bytes())
        .map_err(|e| format!("{}: {e}", path.display()))?;
    io::commit(file)
}

fn config(args: &ReportArgs) -> Result<ReportConfig, String> {
    let mut config: ReportConfig = match &args.config {
        Some(path) => {
            let text =
                std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?
        }
        None => ReportConfig::default(),
    };
    if let Some(step) = args.period {
        config.period = match step {
            Step::Week => Period::Week,
            Step::Month => Period::Month,
            Step::Quarter => Period::Quarter,
        };
    }
    if let Some(n) = args.periods {
        config.periods = n;
        config.cohorts = n;
    }
    if let Some(c) = &args.currency {
        config.scoring.currency =
            Some(CurrencyCode::new(c).map_err(|e| format!("--currency: {e}"))?);
    }
    Ok(config)
}

/// Reads an interactions CSV (`id,date,kind[,rating,note]`, header required); a row that cannot
/// be read is an error naming its line (cells masked).
fn read_interactions(path: &Path) -> Result<Vec<Interaction>, String> {
    let at = |line: u64, reason: String| format!("{}: line {line}: {reason}", path.display());
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let header: Vec<String> = rdr
        .headers()
        .map_err(|e| at(1, e.to_string()))?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').trim().to_ascii_lowercase())
        .collect();
    let col = |name: &str| header.iter().position(|h| h == name);
    let need = |name: &str| col(name).ok_or_else(|| at(1, format!("no `{name}` column")));
    let (id_col, date_col, kind_col) = (need("id")?, need("date")?, need("kind")?);
    let (rating_col, note_col) = (col("rating"), col("note"));
    let mut out = Vec::new();
    for (i, record) in rdr.records().enumerate() {
        let record = record.map_err(|e| at(i as u64 + 2, e.to_string()))?;
        let line = record.position().map_or(i as u64 + 2, |p| p.line());
        let cell = |c: Option<usize>| c.and_then(|c| record.get(c)).map(str::trim).unwrap_or("");
        let customer = CustomerId::new(cell(Some(id_col))).map_err(|e| at(line, e.to_string()))?;
        let date = NaiveDate::parse_from_str(cell(Some(date_col)), "%Y-%m-%d").map_err(|e| {
            at(
                line,
                format!("date {}: {e}", mask_value(cell(Some(date_col)))),
            )
        })?;
        let kind = match cell(Some(kind_col)).to_ascii_lowercase().as_str() {
            "call" => InteractionKind::Call,
            "visit" => InteractionKind::Visit,
            "complaint" => InteractionKind::Complaint,
            "feedback" => InteractionKind::Feedback,
            "note" => InteractionKind::Note,
            "message" => InteractionKind::Message,
            other => InteractionKind::Other(other.to_owned()),
        };
        let rating = match cell(rating_col) {
            "" => None,
            raw => Some(raw.parse::<u8>().map_err(|_| {
                at(
                    line,
                    format!("rating {} is not a whole number 0-255", mask_value(raw)),
                )
            })?),
        };
        let note = Some(cell(note_col))
            .filter(|n| !n.is_empty())
            .map(str::to_owned);
        let mut interaction =
            Interaction::new(customer, date.and_time(NaiveTime::MIN).and_utc(), kind);
        interaction.note = note;
        interaction.rating = rating;
        out.push(interaction);
    }
    Ok(out)
}

/// Runs `report`.
pub fn run(args: &ReportArgs) -> Result<(), String> {
    let day = NaiveDate::parse_from_str(args.as_of.trim(), "%Y-%m-%d")
        .map_err(|e| format!("--as-of `{}`: {e}", args.as_of))?;
    let as_of = day
        .and_time(NaiveTime::from_hms_opt(23, 59, 59).unwrap_or(NaiveTime::MIN))
        .and_utc();
    let config = config(args)?;
    let loaded = store::load(&args.input)?;
    let region = args.region.as_deref();
    let clusters = deduplicator(region, args.threshold)
        .run(&loaded.customers)
        .map(|r| r.clusters)
        .map_err(|e| format!("duplicate detection: {e}"))?;
    let mut validator = Validator::new().as_of(day);
    if let Some(r) = region {
        validator = validator.default_region(r);
    }
    let (report, activity) = match (&args.transactions, args.input.store_path()) {
        (None, Some(path)) => {
            let s = store::open_existing(path, args.input.key())?;
            let report = build_report_store(&s, Some(&clusters), &validator, &config, as_of)
                .map_err(|e| format!("{}: {e}", path.display()))?;
            (report, "the store's activity".to_owned())
        }
        (transactions, _) => {
            let transactions = match transactions {
                Some(path) => read_transactions(path)?,
                None => Vec::new(),
            };
            let interactions = match &args.interactions {
                Some(path) => read_interactions(path)?,
                None => Vec::new(),
            };
            let data = ReportData {
                customers: &loaded.customers,
                transactions: &transactions,
                interactions: &interactions,
                clusters: Some(&clusters),
            };
            let read = format!(
                "{} transactions, {} interactions",
                transactions.len(),
                interactions.len()
            );
            (build_report(data, &validator, &config, as_of), read)
        }
    };
    write_outputs(args, &report)?;
    let k = &report.kpis;
    let rate = |v: Option<f64>| v.map_or("-".to_owned(), |v| format!("{:.1}%", 100.0 * v));
    let written = if io::may_write() {
        format!("page written to {}", args.out.display())
    } else {
        "nothing written".to_owned()
    };
    eprintln!(
        "{} customers ({} rows refused), {activity} as of {day}: repeat-purchase rate {}, valid records {}, {} follow-ups; {written}",
        k.customers,
        loaded.rejected.len(),
        rate(k.repeat_purchase_rate),
        rate(report.quality.validity.valid_rate),
        report.follow_ups.len(),
    );
    Ok(())
}

/// Writes the page, and the JSON and the follow-up list when asked for.
fn write_outputs(args: &ReportArgs, report: &Report) -> Result<(), String> {
    let options = HtmlOptions {
        title: args
            .title
            .clone()
            .unwrap_or_else(|| HtmlOptions::default().title),
        ..HtmlOptions::default()
    };
    let page = render_html(report, &options).map_err(|e| e.to_string())?;
    write(&args.out, &page)?;
    if let Some(path) = &args.json {
        let json = serde_json::to_string_pretty(report).map_err(|e| e.to_string())?;
        write(path, &json)?;
    }
    if let Some(path) = &args.follow_ups {
        write(path, &follow_ups_csv(&report.follow_ups))?;
    }
    Ok(())
}
