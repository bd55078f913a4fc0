//! The report's charts as SVG text, drawn with plotters' SVG backend. Text is written as SVG
//! `<text>` elements in the [`FONT`] stack and left to the browser to lay out: nothing here
//! reads a font file.

use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::error::{Error, Result};

/// The font stack of every chart label: CJK first, so Chinese labels render.
pub(crate) const FONT: &str =
    "Noto Sans CJK SC, Source Han Sans SC, PingFang SC, Microsoft YaHei, sans-serif";

const BAR: RGBColor = RGBColor(49, 110, 178);
const LINE: RGBColor = RGBColor(214, 96, 38);
const INK: RGBColor = RGBColor(40, 40, 40);
/// The two ends of the heat maps' scale.
const COLD: (u8, u8, u8) = (240, 245, 252);
const HOT: (u8, u8, u8) = (22, 78, 150);

fn drawn<T, E: std::fmt::Display>(r: std::result::Result<T, E>) -> Result<T> {
    r.map_err(|e| Error::Render {
        reason: e.to_string(),
    })
}

/// The label of a category axis position.
fn category(labels: &[String], v: &SegmentValue<usize>) -> String {
    match v {
        SegmentValue::CenterOf(i) => labels.get(*i).cloned().unwrap_or_default(),
        _ => String::new(),
    }
}

/// The label of a period axis position: every k-th label, so that at most 12 show.
fn sparse(labels: &[String], v: &SegmentValue<usize>) -> String {
    let every = labels.len().div_ceil(12).max(1);
    match v {
        SegmentValue::CenterOf(i)
            if labels
                .len()
                .checked_sub(i + 1)
                .is_some_and(|k| k % every == 0) =>
        {
            category(labels, v)
        }
        _ => String::new(),
    }
}

/// A number as a label: whole numbers without decimals, others with up to two.
pub(crate) fn short(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

/// Horizontal bars, one per label, the first at the top, with the value at the end of each.
pub(crate) fn bars(title: &str, labels: &[String], values: &[f64]) -> Result<String> {
    let n = labels.len().max(1);
    // Plotters' y axis runs upwards: the first label goes in the top slot.
    let labels: Vec<String> = labels.iter().rev().cloned().collect();
    let values: Vec<f64> = values.iter().rev().copied().collect();
    let height = 70 + 30 * u32::try_from(n).unwrap_or(20);
    let max = values.iter().copied().fold(0.0, f64::max).max(1.0) * 1.15;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (640, height)).into_drawing_area();
        drawn(root.fill(&WHITE))?;
        let mut chart = drawn(
            ChartBuilder::on(&root)
                .caption(title, (FONT, 18))
                .margin(10)
                .x_label_area_size(28)
                .y_label_area_size(170)
                .build_cartesian_2d(0.0..max, (0..n).into_segmented()),
        )?;
        drawn(
            chart
                .configure_mesh()
                .disable_y_mesh()
                .y_labels(n)
                .y_label_formatter(&|v| category(&labels, v))
                .x_label_formatter(&|v| short(*v))
                .light_line_style(TRANSPARENT)
                .label_style((FONT, 13))
                .draw(),
        )?;
        drawn(chart.draw_series(values.iter().enumerate().map(|(i, v)| {
            let mut r = Rectangle::new(
                [
                    (0.0, SegmentValue::Exact(i)),
                    (*v, SegmentValue::Exact(i + 1)),
                ],
                BAR.filled(),
            );
            r.set_margin(4, 4, 0, 0);
            r
        })))?;
        let style = TextStyle::from((FONT, 13).into_font())
            .color(&INK)
            .pos(Pos::new(HPos::Left, VPos::Center));
        drawn(chart.draw_series(values.iter().enumerate().map(|(i, v)| {
            Text::new(
                format!(" {}", short(*v)),
                (*v, SegmentValue::CenterOf(i)),
                style.clone(),
            )
        })))?;
        drawn(root.present())?;
    }
    Ok(svg)
}

/// Vertical bars over periods (revenue by month).
pub(crate) fn columns(title: &str, labels: &[String], values: &[f64]) -> Result<String> {
    let n = labels.len().max(1);
    let (lo, hi) = values
        .iter()
        .fold((0.0f64, 0.0f64), |(lo, hi), v| (lo.min(*v), hi.max(*v)));
    let hi = hi.max(1.0) * 1.1;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (640, 300)).into_drawing_area();
        drawn(root.fill(&WHITE))?;
        let mut chart = drawn(
            ChartBuilder::on(&root)
                .caption(title, (FONT, 18))
                .margin(10)
                .x_label_area_size(40)
                .y_label_area_size(70)
                .build_cartesian_2d((0..n).into_segmented(), lo * 1.1..hi),
        )?;
        drawn(
            chart
                .configure_mesh()
                .disable_x_mesh()
                .x_labels(n)
                .x_label_formatter(&|v| sparse(labels, v))
                .y_label_formatter(&|v| short(*v))
                .light_line_style(TRANSPARENT)
                .label_style((FONT, 11))
                .draw(),
        )?;
        drawn(chart.draw_series(values.iter().enumerate().map(|(i, v)| {
            let mut r = Rectangle::new(
                [
                    (SegmentValue::Exact(i), 0.0),
                    (SegmentValue::Exact(i + 1), *v),
                ],
                BAR.filled(),
            );
            r.set_margin(0, 0, 3, 3);
            r
        })))?;
        drawn(root.present())?;
    }
    Ok(svg)
}

/// A line with a dot per period (active customers by month).
pub(crate) fn line(title: &str, labels: &[String], values: &[f64]) -> Result<String> {
    let n = labels.len().max(1);
    let hi = values.iter().copied().fold(0.0, f64::max).max(1.0) * 1.1;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (640, 300)).into_drawing_area();
        drawn(root.fill(&WHITE))?;
        let mut chart = drawn(
            ChartBuilder::on(&root)
                .caption(title, (FONT, 18))
                .margin(10)
                .x_label_area_size(40)
                .y_label_area_size(60)
                .build_cartesian_2d((0..n).into_segmented(), 0.0..hi),
        )?;
        drawn(
            chart
                .configure_mesh()
                .disable_x_mesh()
                .x_labels(n)
                .x_label_formatter(&|v| sparse(labels, v))
                .y_label_formatter(&|v| short(*v))
                .light_line_style(TRANSPARENT)
                .label_style((FONT, 11))
                .draw(),
        )?;
        let points = || {
            values
                .iter()
                .enumerate()
                .map(|(i, v)| (SegmentValue::CenterOf(i), *v))
        };
        drawn(chart.draw_series(LineSeries::new(points(), LINE.stroke_width(2))))?;
        drawn(chart.draw_series(points().map(|p| Circle::new(p, 3, LINE.filled()))))?;
        drawn(root.present())?;
    }
    Ok(svg)
}

/// A heat map: `cells[row][column]` shaded from light (0) to dark (1), `None` left white, with
/// the given text in each cell; the first row is drawn at the top.
pub(crate) struct HeatMap<'a> {
    pub(crate) title: &'a str,
    pub(crate) columns: Vec<String>,
    pub(crate) rows: Vec<String>,
    pub(crate) x_desc: &'a str,
    pub(crate) y_desc: &'a str,
    pub(crate) shade: Vec<Vec<Option<f64>>>,
    pub(crate) text: Vec<Vec<String>>,
}

fn mix(t: f64) -> RGBColor {
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let c = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * t).round() as u8;
    RGBColor(c(COLD.0, HOT.0), c(COLD.1, HOT.1), c(COLD.2, HOT.2))
}

pub(crate) fn heat_map(m: &HeatMap<'_>) -> Result<String> {
    let (nx, ny) = (m.columns.len().max(1), m.rows.len().max(1));
    let width = (160 + 52 * u32::try_from(nx).unwrap_or(30)).clamp(420, 1000);
    let height = 110 + 28 * u32::try_from(ny).unwrap_or(30);
    // Rows are drawn top down: row r sits at y = ny - 1 - r.
    let row_labels: Vec<String> = m.rows.iter().rev().cloned().collect();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        drawn(root.fill(&WHITE))?;
        let mut chart = drawn(
            ChartBuilder::on(&root)
                .caption(m.title, (FONT, 18))
                .margin(10)
                .x_label_area_size(40)
                .y_label_area_size(80)
                .build_cartesian_2d((0..nx).into_segmented(), (0..ny).into_segmented()),
        )?;
        drawn(
            chart
                .configure_mesh()
                .disable_mesh()
                .x_labels(nx)
                .y_labels(ny)
                .x_label_formatter(&|v| category(&m.columns, v))
                .y_label_formatter(&|v| category(&row_labels, v))
                .x_desc(m.x_desc)
                .y_desc(m.y_desc)
                .label_style((FONT, 12))
                .axis_desc_style((FONT, 13))
                .draw(),
        )?;
        let cells = m.shade.iter().enumerate().flat_map(|(r, row)| {
            row.iter()
                .enumerate()
                .map(move |(x, v)| (x, ny.saturating_sub(r + 1), *v))
        });
        drawn(chart.draw_series(cells.clone().map(|(x, y, v)| {
            let color = v.map_or(WHITE, mix);
            let mut r = Rectangle::new(
                [
                    (SegmentValue::Exact(x), SegmentValue::Exact(y)),
                    (SegmentValue::Exact(x + 1), SegmentValue::Exact(y + 1)),
                ],
                color.filled(),
            );
            r.set_margin(1, 1, 1, 1);
            r
        })))?;
        let centre = Pos::new(HPos::Center, VPos::Center);
        drawn(chart.draw_series(cells.filter_map(|(x, y, v)| {
            let r = ny.saturating_sub(y + 1);
            let label = m.text.get(r)?.get(x)?.clone();
            let ink: &RGBColor = if v.is_some_and(|v| v > 0.55) {
                &WHITE
            } else {
                &INK
            };
            let style = TextStyle::from((FONT, 11).into_font())
                .color(ink)
                .pos(centre);
            Some(Text::new(
                label,
                (SegmentValue::CenterOf(x), SegmentValue::CenterOf(y)),
                style,
            ))
        })))?;
        drawn(root.present())?;
    }
    Ok(svg)
}
