//! Reports: KPIs as of a date and over time, the data-quality scorecard of the periodic
//! review, the follow-up work list, and (feature `report-html`) one self-contained HTML page
//! with charts.
//!
//! Everything is computed **as of a date**, from slices or from any [`CustomerStore`] (read in
//! batches), in parallel, on top of the per-customer scores of [`crate::segment`] and the
//! lifecycle models of [`crate::lifecycle`]:
//!
//! - [`kpis`] / [`kpis_store`]: customers per stage, tier and RFM segment; new, active and
//!   churned customers and the churn rate per period ([`Period`]: week, month, quarter);
//!   repeat-purchase rate; retention per monthly cohort of first purchase; average order value
//!   and purchase frequency; revenue and predicted lifetime value per stage, tier and segment;
//!   purchases expected next period (BG/NBD); satisfaction from rated feedback.
//! - [`scorecard`] / [`scorecard_store`]: completeness per field (the field model), validity
//!   per validation code, duplicates from a dedupe run's clusters, outdated records and
//!   unverified contacts, marketing consent coverage; [`Scorecard::change_since`] compares two.
//! - [`follow_ups`] / [`follow_ups_store`]: who to contact (tier interval, lapsed stage, low
//!   probability alive), with owner, due date and value at risk; [`follow_ups_csv`].
//! - [`build_report`] / [`build_report_store`]: all three as one serde [`Report`];
//!   `render_html` (feature `report-html`) draws it as one page of inline SVG charts.
//!
//! The definitions (what counts as active, churned, a cohort...) are on each type and in
//! `docs/REPORTS.md`.
//!
//! ```
//! use chrono::{Duration, TimeZone, Utc};
//! use clientele::model::{CurrencyCode, Interaction, InteractionKind, Money, Transaction};
//! use clientele::report::{ReportConfig, kpis};
//! use clientele::{Customer, CustomerId, CustomerKind};
//!
//! let as_of = Utc.with_ymd_and_hms(2024, 6, 30, 0, 0, 0).unwrap();
//! let id = CustomerId::new("C1")?;
//! let c = Customer::builder(id.clone(), CustomerKind::Person).build();
//! let buy = Transaction::new(
//!     id.clone(),
//!     as_of - Duration::days(5),
//!     Money {
//!         minor_units: 9_900,
//!         currency: CurrencyCode::new("CNY")?,
//!     },
//! );
//! let survey = Interaction::new(id.clone(), as_of - Duration::days(2), InteractionKind::Feedback)
//!     .with_rating(5);
//! let k = kpis(&[c], &[buy], &[survey], &ReportConfig::default(), as_of);
//! assert_eq!(k.satisfaction.mean, Some(5.0));
//! assert_eq!(k.by_stage.iter().find(|g| g.name == "new").map(|g| g.customers), Some(1));
//! # Ok::<(), clientele::Error>(())
//! ```
//!
//! [`CustomerStore`]: crate::store::CustomerStore

mod bundle;
#[cfg(feature = "report-html")]
mod charts;
mod collect;
mod config;
mod followup;
#[cfg(feature = "report-html")]
mod html;
mod kpi;
mod period;
mod predict;
mod quality;

pub use bundle::{Report, ReportData, build_report, build_report_store};
pub use config::{FollowUpConfig, ReportConfig};
pub use followup::{FollowUp, FollowUpReason, follow_ups, follow_ups_csv, follow_ups_store};
#[cfg(feature = "report-html")]
pub use html::{HtmlOptions, render_html};
pub use kpi::{
    Cohort, Count, GroupKpis, Kpis, LifecycleModels, PeriodKpis, RfmCell, Satisfaction, kpis,
    kpis_store,
};
pub use period::{MAX_PERIODS, Period, PeriodSpan};
pub use quality::{
    CodeValidity, ConsentCoverage, Duplicates, FieldCompleteness, QualityConfig, RateChange,
    Scorecard, ScorecardChange, Staleness, Validity, scorecard, scorecard_store,
};
