//! The report as one self-contained HTML page: inline SVG charts, inline CSS, no script and
//! no request of any kind (a Content-Security-Policy of `default-src 'none'` says so to the
//! browser).

use serde::{Deserialize, Serialize};

use super::bundle::Report;
use super::charts::{FONT, HeatMap, bars, columns, heat_map, line, short};
use super::kpi::{FUNNEL, Kpis};
use super::quality::Scorecard;
use crate::error::Result;
use crate::segment::Stage;

/// How the page is titled and how long its follow-up table is.
///
/// ```
/// use clientele::report::HtmlOptions;
/// assert_eq!(HtmlOptions::default().follow_up_rows, 50);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct HtmlOptions {
    /// The page's title and heading.
    pub title: String,
    /// Rows of the follow-up list shown (the JSON and CSV hold all of them).
    pub follow_up_rows: usize,
}

impl Default for HtmlOptions {
    fn default() -> Self {
        Self {
            title: "Customer report 客户报告".to_owned(),
            follow_up_rows: 50,
        }
    }
}

/// Escapes text for HTML content and attribute values.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn percent(v: Option<f64>) -> String {
    v.map_or_else(|| "–".to_owned(), |v| format!("{:.1}%", 100.0 * v))
}

fn money(v: Option<f64>) -> String {
    v.map_or_else(|| "–".to_owned(), |v| format!("{v:.2}"))
}

/// A stage's label, English and Chinese.
pub(crate) fn stage_label(s: Stage) -> String {
    let zh = match s {
        Stage::Lead => "潜在",
        Stage::New => "新客",
        Stage::Active => "活跃",
        Stage::AtRisk => "流失风险",
        Stage::Churned => "已流失",
        Stage::Reactivated => "回流",
    };
    format!("{} {zh}", s.as_str())
}

fn figure(id: &str, svg: &str) -> String {
    format!("<figure id=\"{id}\" class=\"chart\">{svg}</figure>\n")
}

fn tiles(k: &Kpis) -> String {
    let current = k.current_period();
    let tiles = [
        ("Customers 客户数", k.customers.to_string()),
        ("Buyers 购买客户", k.buyers.to_string()),
        (
            "Repeat-purchase rate 复购率",
            percent(k.repeat_purchase_rate),
        ),
        (
            "Churn rate this period 本期流失率",
            percent(current.and_then(|p| p.churn_rate)),
        ),
        ("Average order value 客单价", money(k.average_order_value)),
        ("Purchases per buyer 购买频次", money(k.purchase_frequency)),
        ("Revenue 营收", money(Some(k.revenue))),
        (
            "Predicted lifetime value 预测终身价值",
            money(k.lifetime_value),
        ),
        (
            "Purchases expected next period 下期预计购买",
            money(k.expected_purchases_next_period),
        ),
        (
            "Satisfaction 满意度",
            match k.satisfaction.mean {
                Some(m) => format!(
                    "{m:.2} ({} rated, {} satisfied)",
                    k.satisfaction.ratings,
                    percent(k.satisfaction.satisfied_share)
                ),
                None => "no rated feedback 暂无评分".to_owned(),
            },
        ),
    ];
    let mut out = String::from("<section id=\"summary\" class=\"tiles\">\n");
    for (name, value) in tiles {
        out.push_str(&format!(
            "<div class=\"tile\"><div class=\"name\">{}</div><div class=\"value\">{}</div></div>\n",
            esc(name),
            esc(&value)
        ));
    }
    out.push_str("</section>\n");
    out
}

fn customer_charts(k: &Kpis) -> Result<String> {
    let label_of = |name: &str| {
        FUNNEL
            .iter()
            .find(|s| s.as_str() == name)
            .map_or_else(|| name.to_owned(), |s| stage_label(*s))
    };
    let (names, values): (Vec<String>, Vec<f64>) = k
        .by_stage
        .iter()
        .map(|g| (label_of(&g.name), g.customers as f64))
        .unzip();
    let mut out = figure(
        "chart-stage-funnel",
        &bars("Lifecycle stages 生命周期漏斗", &names, &values)?,
    );
    let sizes = |groups: &[super::kpi::GroupKpis]| -> (Vec<String>, Vec<f64>) {
        groups
            .iter()
            .map(|g| (g.name.clone(), g.customers as f64))
            .unzip()
    };
    let (names, values) = sizes(&k.by_tier);
    out.push_str(&figure(
        "chart-tiers",
        &bars("Customers per tier 客户分级", &names, &values)?,
    ));
    let (names, values) = sizes(&k.by_segment);
    out.push_str(&figure(
        "chart-segments",
        &bars("Customers per RFM segment RFM 分群", &names, &values)?,
    ));
    let most = k
        .rfm_grid
        .iter()
        .map(|c| c.customers)
        .max()
        .unwrap_or(0)
        .max(1);
    let (mut shade, mut text) = (Vec::new(), Vec::new());
    for f in (1..=5u8).rev() {
        let cells: Vec<_> = (1..=5u8)
            .filter_map(|r| k.rfm_grid.iter().find(|c| c.r == r && c.f == f))
            .collect();
        shade.push(
            cells
                .iter()
                .map(|c| Some(c.customers as f64 / most as f64))
                .collect(),
        );
        text.push(cells.iter().map(|c| c.customers.to_string()).collect());
    }
    let grid = HeatMap {
        title: "RFM grid: customers by recency and frequency RFM 矩阵",
        columns: (1..=5).map(|r| r.to_string()).collect(),
        rows: (1..=5).rev().map(|f| f.to_string()).collect(),
        x_desc: "R (recency score 近度)",
        y_desc: "F (frequency 频度)",
        shade,
        text,
    };
    out.push_str(&figure("chart-rfm-grid", &heat_map(&grid)?));
    Ok(out)
}

fn trend_charts(k: &Kpis) -> Result<String> {
    let labels: Vec<String> = k.series.iter().map(|p| p.span.label.clone()).collect();
    let revenue: Vec<f64> = k.series.iter().map(|p| p.revenue).collect();
    let active: Vec<f64> = k.series.iter().map(|p| p.active_customers as f64).collect();
    let currency = k.currency.as_ref().map(|c| c.as_str()).unwrap_or("");
    let mut out = figure(
        "chart-revenue",
        &columns(
            &format!("Revenue per period 营收 ({currency})"),
            &labels,
            &revenue,
        )?,
    );
    out.push_str(&figure(
        "chart-active",
        &line("Active customers per period 活跃客户", &labels, &active)?,
    ));
    let width = k
        .cohorts
        .iter()
        .map(|c| c.retention.len())
        .max()
        .unwrap_or(0);
    let cohorts = HeatMap {
        title: "Cohort retention by month of first purchase 同期群留存",
        columns: (0..width).map(|m| format!("+{m}")).collect(),
        rows: k
            .cohorts
            .iter()
            .map(|c| format!("{} ({})", c.label, c.size))
            .collect(),
        x_desc: "months after first purchase 首购后月数",
        y_desc: "cohort 同期群",
        shade: k.cohorts.iter().map(|c| c.retention.clone()).collect(),
        text: k
            .cohorts
            .iter()
            .map(|c| {
                c.retention
                    .iter()
                    .map(|r| r.map(|r| format!("{:.0}", 100.0 * r)).unwrap_or_default())
                    .collect()
            })
            .collect(),
    };
    out.push_str(&figure("chart-cohorts", &heat_map(&cohorts)?));
    Ok(out)
}

fn quality_section(q: &Scorecard) -> Result<String> {
    let mut out = String::from("<section id=\"quality\">\n<h2>Data quality 数据质量</h2>\n");
    let dup = q.duplicates;
    let rows = [
        ("Records reviewed 记录数", q.records.to_string()),
        ("Valid records 有效率", percent(q.validity.valid_rate)),
        (
            "Duplicate rate 重复率",
            dup.map_or_else(
                || "not checked 未检测".to_owned(),
                |d| {
                    format!(
                        "{} ({} clusters, {} records a merge would absorb)",
                        percent(d.duplicate_rate),
                        d.clusters,
                        d.absorbed
                    )
                },
            ),
        ),
        (
            "Outdated or unverified 待更新",
            format!(
                "{} ({} not updated in {} days, {} of {} contacts unverified)",
                percent(q.staleness.stale_rate),
                q.staleness.not_updated,
                q.staleness.stale_after_days,
                q.staleness.contacts_unverified,
                q.staleness.contacts
            ),
        ),
        (
            "Contactable for marketing 可营销",
            format!(
                "{} ({} withdrawn, {} never asked)",
                percent(q.consent.contactable_rate),
                q.consent.withdrawn,
                q.consent.never_asked
            ),
        ),
    ];
    out.push_str("<table id=\"quality-scorecard\">\n");
    for (name, value) in rows {
        out.push_str(&format!(
            "<tr><th>{}</th><td>{}</td></tr>\n",
            esc(name),
            esc(&value)
        ));
    }
    out.push_str("</table>\n");
    let (names, values): (Vec<String>, Vec<f64>) = q
        .completeness
        .iter()
        .map(|f| (f.field.to_string(), 100.0 * f.rate.unwrap_or(0.0)))
        .unzip();
    out.push_str(&figure(
        "chart-completeness",
        &bars("Completeness per field, % 字段完整率", &names, &values)?,
    ));
    out.push_str("<table id=\"validity-codes\">\n<tr><th>code</th><th>severity</th><th>records</th><th>valid</th></tr>\n");
    for c in &q.validity.codes {
        out.push_str(&format!(
            "<tr><td>{}</td><td>{:?}</td><td>{}</td><td>{}</td></tr>\n",
            esc(c.code.as_str()),
            c.severity,
            c.records,
            percent(c.validity_rate)
        ));
    }
    out.push_str("</table>\n</section>\n");
    Ok(out)
}

fn follow_up_section(report: &Report, rows: usize) -> String {
    let list = &report.follow_ups;
    let mut out = format!(
        "<section id=\"follow-ups\">\n<h2>Follow-ups 待跟进客户</h2>\n<p>{} customers due; the {} of most value at risk:</p>\n",
        list.len(),
        rows.min(list.len())
    );
    out.push_str("<table id=\"follow-up-list\">\n<tr><th>id</th><th>owner 负责人</th><th>tier</th><th>stage</th><th>why</th><th>due</th><th>p alive</th><th>value at risk</th></tr>\n");
    for f in list.iter().take(rows) {
        let reasons: Vec<&str> = f.reasons.iter().map(|r| r.as_str()).collect();
        out.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            esc(f.id.as_str()),
            esc(f.owner.as_deref().unwrap_or("unassigned 未分配")),
            esc(f.tier.as_deref().unwrap_or("")),
            esc(&stage_label(f.stage)),
            esc(&reasons.join(", ")),
            f.due.format("%Y-%m-%d"),
            f.p_alive.map(short).unwrap_or_default(),
            money(Some(f.value_at_risk)),
        ));
    }
    out.push_str("</table>\n</section>\n");
    out
}

/// The report as one HTML page: summary tiles, the stage funnel, tier and segment sizes, the
/// RFM grid and cohort retention as heat maps, revenue and active customers per period, the
/// data-quality scorecard and the follow-up list. Charts are inline SVG (plotters' SVG
/// backend); the page loads nothing, runs no script, and its labels use a font stack that
/// covers Chinese. Every chart is a `<figure>` with a stable id (`chart-stage-funnel`,
/// `chart-tiers`, `chart-segments`, `chart-rfm-grid`, `chart-revenue`, `chart-active`,
/// `chart-cohorts`, `chart-completeness`).
///
/// # Errors
/// [`crate::Error::Render`] when a chart cannot be drawn.
///
/// ```
/// use chrono::Utc;
/// use clientele::report::{HtmlOptions, ReportConfig, ReportData, build_report, render_html};
/// use clientele::validate::Validator;
/// let data = ReportData { customers: &[], transactions: &[], interactions: &[], clusters: None };
/// let report = build_report(data, &Validator::new(), &ReportConfig::default(), Utc::now());
/// let page = render_html(&report, &HtmlOptions::default())?;
/// assert!(page.contains("id=\"chart-cohorts\"") && page.contains("<svg"));
/// // Nothing to load: no script, no link, no source (the SVG namespace is a name, not a request).
/// assert!(!page.contains("<script") && !page.contains("href=") && !page.contains(" src="));
/// # Ok::<(), clientele::Error>(())
/// ```
pub fn render_html(report: &Report, options: &HtmlOptions) -> Result<String> {
    let k = &report.kpis;
    let currency = k.currency.as_ref().map(|c| c.as_str()).unwrap_or("–");
    let mut body = format!(
        "<header><h1>{}</h1><p>As of 截至 {} · money in 货币 {} · {} periods of one {:?}</p></header>\n",
        esc(&options.title),
        report.as_of.format("%Y-%m-%d %H:%M UTC"),
        esc(currency),
        k.series.len(),
        k.period
    );
    body.push_str(&tiles(k));
    body.push_str("<section id=\"customers\">\n<h2>Customers 客户</h2>\n");
    body.push_str(&customer_charts(k)?);
    body.push_str("</section>\n<section id=\"trends\">\n<h2>Trends 趋势</h2>\n");
    body.push_str(&trend_charts(k)?);
    body.push_str("</section>\n");
    body.push_str(&quality_section(&report.quality)?);
    body.push_str(&follow_up_section(report, options.follow_up_rows));
    Ok(format!(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>\n{}\n</style>\n</head>\n<body>\n{}</body>\n</html>\n",
        esc(&options.title),
        css(),
        body
    ))
}

fn css() -> String {
    format!(
        "body {{ font-family: {FONT}; margin: 24px; color: #222; background: #fafafa; }}\n\
svg text {{ font-family: {FONT}; }}\n\
h1 {{ font-size: 24px; margin-bottom: 4px; }} h2 {{ font-size: 19px; margin-top: 28px; }}\n\
section {{ display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }}\n\
section > h2, section > p, section > table {{ flex-basis: 100%; }}\n\
.tiles .tile {{ background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 10px 14px; min-width: 170px; }}\n\
.tile .name {{ font-size: 12px; color: #666; }} .tile .value {{ font-size: 20px; font-weight: 600; }}\n\
figure.chart {{ margin: 0; background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 6px; }}\n\
table {{ border-collapse: collapse; background: #fff; font-size: 13px; }}\n\
th, td {{ border: 1px solid #ddd; padding: 4px 8px; text-align: left; }}"
    )
}
