//! The `segment` command: per customer RFM scores and segment, tier and lifecycle stage (from
//! `clientele::segment`), and probability alive, expected purchases and lifetime value (from
//! BG/NBD and Gamma-Gamma models fitted on the same transactions, `clientele::lifecycle`).

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::{NaiveDate, NaiveTime};
use clientele::lifecycle::{BgNbd, CustomerSummary, GammaGamma, TimeUnit, summarize};
use clientele::model::{CurrencyCode, Transaction};
use clientele::segment::{CustomerScore, ScoringConfig, main_currency_of, score_records};

use super::io;
use super::{flags, lifecycle::read_transactions, store};

/// The contracted columns of the output after the segment scores' first seven
/// (`id,r,f,m,rfm_segment,tier,stage`, [`CustomerScore::COLUMNS`]): the lifecycle models'.
const MODEL_COLUMNS: [&str; 3] = ["p_alive", "expected_purchases_52", "clv"];

/// How many of [`CustomerScore::COLUMNS`] the output starts with.
const SCORE_COLUMNS: usize = 7;

/// The columns `--details` appends, from [`CustomerScore::COLUMNS`].
const DETAILS: [&str; 6] = [
    "stage_since",
    "recency_days",
    "purchases",
    "total_spend_minor",
    "currency",
    "follow_up_due",
];

/// Arguments of `segment`.
#[derive(clap::Args)]
pub struct SegmentArgs {
    #[command(flatten)]
    input: store::Source,
    /// Transactions CSV: `id,date,amount[,currency,channel]`.
    #[arg(long)]
    transactions: PathBuf,
    /// Score as of the end of this day (YYYY-MM-DD); later transactions are ignored.
    #[arg(long)]
    as_of: String,
    /// Spend currency (ISO 4217); default: the currency of most transactions. Purchases in
    /// other currencies count for recency, frequency and stage, not for spend or value.
    #[arg(long)]
    currency: Option<String>,
    /// Months of lifetime value (0 to 1200).
    #[arg(long, default_value_t = 12, value_parser = flags::clv_months)]
    clv_months: u32,
    /// Monthly discount rate of lifetime value (0 to 1).
    #[arg(long, default_value_t = 0.01, value_parser = flags::discount)]
    discount: f64,
    /// Scoring configuration (JSON `ScoringConfig`: tiers, RFM table, stage windows).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Append `stage_since,recency_days,purchases,total_spend_minor,currency,follow_up_due`
    /// after the contracted columns.
    #[arg(long)]
    details: bool,
}

/// The fitted models, or why there are none.
struct Models {
    bgnbd: Result<BgNbd, String>,
    spend: Result<GammaGamma, String>,
}

fn fit(summaries: &[CustomerSummary]) -> Models {
    let bgnbd = BgNbd::fit(summaries).map_err(|e| e.to_string());
    let spend = GammaGamma::fit(summaries).map_err(|e| e.to_string());
    Models { bgnbd, spend }
}

fn number(v: f64) -> String {
    if v.is_finite() {
        format!("{v:.4}")
    } else {
        String::new()
    }
}

/// Runs `segment`.
pub fn run(args: &SegmentArgs) -> Result<(), String> {
    let day = NaiveDate::parse_from_str(args.as_of.trim(), "%Y-%m-%d")
        .map_err(|e| format!("--as-of `{}`: {e}", args.as_of))?;
    let as_of = day
        .and_time(NaiveTime::from_hms_opt(23, 59, 59).unwrap_or(NaiveTime::MIN))
        .and_utc();
    let loaded = store::load(&args.input)?;
    let transactions: Vec<Transaction> = read_transactions(&args.transactions)?
        .into_iter()
        .filter(|t| t.at <= as_of)
        .collect();
    let mut config: ScoringConfig = match &args.config {
        Some(path) => {
            let text =
                std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?
        }
        None => ScoringConfig::default(),
    };
    if let Some(c) = &args.currency {
        config.currency = Some(CurrencyCode::new(c).map_err(|e| format!("--currency: {e}"))?);
    }
    let currency = config.currency.or_else(|| main_currency_of(&transactions));
    // Spend, tiers and the monetary score in the same currency as the lifecycle models.
    config.currency = currency;
    let scores = score_records(&loaded.customers, &transactions, &[], &config, as_of);

    // Lifecycle models on the purchases in the spend currency, in weeks up to the as-of day.
    let in_currency: Vec<Transaction> = transactions
        .iter()
        .filter(|t| currency.as_ref().is_none_or(|c| t.amount.currency == *c))
        .cloned()
        .collect();
    let summaries = summarize(&in_currency, day, TimeUnit::Week);
    let models = fit(&summaries);
    let by_id: BTreeMap<&str, &CustomerSummary> =
        summaries.iter().map(|s| (s.customer.as_str(), s)).collect();

    let mut w = csv::Writer::from_writer(io::stdout());
    let scored = CustomerScore::COLUMNS.get(..SCORE_COLUMNS).unwrap_or(&[]);
    let mut header: Vec<&str> = scored.iter().chain(&MODEL_COLUMNS).copied().collect();
    if args.details {
        header.extend(DETAILS);
    }
    w.write_record(&header).map_err(io::stdout_error)?;
    let mut stages: BTreeMap<&str, usize> = BTreeMap::new();
    for s in &scores {
        *stages.entry(s.stage.as_str()).or_default() += 1;
        let cells = s.cells();
        let mut row: Vec<String> = cells.iter().take(SCORE_COLUMNS).cloned().collect();
        let summary = by_id.get(s.id.as_str());
        let (p_alive, expected, clv) = match (summary, &models.bgnbd) {
            (Some(c), Ok(bg)) => (
                number(bg.p_alive(c.frequency, c.recency, c.t)),
                number(bg.conditional_expected_purchases(52.0, c.frequency, c.recency, c.t)),
                match &models.spend {
                    Ok(gg) => number(
                        gg.try_clv(bg, c, args.clv_months, args.discount, TimeUnit::Week)
                            .map_err(|e| e.to_string())?,
                    ),
                    Err(_) => String::new(),
                },
            ),
            _ => (String::new(), String::new(), String::new()),
        };
        row.extend([p_alive, expected, clv]);
        if args.details {
            row.extend(named_cells(&cells, &DETAILS));
        }
        w.write_record(&row).map_err(io::stdout_error)?;
    }
    w.flush().map_err(io::stdout_error)?;

    let stages: Vec<String> = stages.iter().map(|(s, n)| format!("{s} {n}")).collect();
    eprintln!(
        "{} customers scored as of {day} ({}); {} transactions{}",
        scores.len(),
        stages.join(", "),
        transactions.len(),
        currency
            .as_ref()
            .map(|c| format!(", spend in {}", c.as_str()))
            .unwrap_or_default()
    );
    match (&models.bgnbd, &models.spend) {
        (Ok(bg), Ok(gg)) => eprintln!(
            "BG/NBD r {:.4} alpha {:.4} a {:.4} b {:.4}; Gamma-Gamma p {:.4} q {:.4} gamma {:.4}",
            bg.r, bg.alpha, bg.a, bg.b, gg.p, gg.q, gg.gamma
        ),
        (bg, gg) => {
            if let Err(e) = bg {
                eprintln!("BG/NBD not fitted ({e}): p_alive and expected_purchases_52 left empty");
            }
            if let Err(e) = gg {
                eprintln!("Gamma-Gamma not fitted ({e}): clv left empty");
            }
        }
    }
    Ok(())
}

/// The named columns of a segment score's cells ([`CustomerScore::cells`]), in the order given.
fn named_cells(cells: &[String], names: &[&str]) -> Vec<String> {
    names
        .iter()
        .map(|name| {
            CustomerScore::COLUMNS
                .iter()
                .position(|c| c == name)
                .and_then(|i| cells.get(i))
                .cloned()
                .unwrap_or_default()
        })
        .collect()
}
