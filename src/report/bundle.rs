//! The whole report in one value: KPIs, the data-quality scorecard and the follow-up list, from
//! one pass over the customers (and one over the records for the scorecard).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::config::ReportConfig;
use super::followup::FollowUp;
use super::kpi::{Kpis, Want, analyze, analyze_store};
use super::quality::{Scorecard, scorecard, scorecard_store};
use crate::dedupe::Cluster;
use crate::error::{Error, Result};
use crate::model::{Customer, Interaction, Transaction};
use crate::store::CustomerStore;
use crate::validate::Validator;

/// Everything the periodic report shows, serde-serializable (the `report` command's JSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// The date.
    pub as_of: DateTime<Utc>,
    /// KPIs, series, cohorts and the RFM grid.
    pub kpis: Kpis,
    /// Data quality.
    pub quality: Scorecard,
    /// Who to contact, by value at risk.
    pub follow_ups: Vec<FollowUp>,
}

/// The data a report is computed from, borrowed.
#[derive(Debug, Clone, Copy)]
pub struct ReportData<'a> {
    /// The records.
    pub customers: &'a [Customer],
    /// Their purchases and refunds.
    pub transactions: &'a [Transaction],
    /// Their interactions (feedback ratings among them).
    pub interactions: &'a [Interaction],
    /// Clusters of a duplicate-detection run over the records, when there was one.
    pub clusters: Option<&'a [Cluster]>,
}

/// The whole report of slices as of `as_of`: [`crate::report::kpis`],
/// [`crate::report::scorecard`] (validated by `validator`) and [`crate::report::follow_ups`],
/// with the KPIs and the list from one pass.
///
/// ```
/// use chrono::Utc;
/// use clientele::report::{ReportConfig, ReportData, build_report};
/// use clientele::validate::Validator;
/// use clientele::{Customer, CustomerId, CustomerKind};
/// let customers = [Customer::builder(CustomerId::new("C1")?, CustomerKind::Person).full_name("Ann").build()];
/// let data = ReportData { customers: &customers, transactions: &[], interactions: &[], clusters: None };
/// let report = build_report(data, &Validator::new(), &ReportConfig::default(), Utc::now());
/// assert_eq!((report.kpis.customers, report.quality.records), (1, 1));
/// let json = serde_json::to_string(&report).unwrap();
/// assert!(json.contains("\"follow_ups\""));
/// # Ok::<(), clientele::Error>(())
/// ```
pub fn build_report(
    data: ReportData<'_>,
    validator: &Validator,
    config: &ReportConfig,
    as_of: DateTime<Utc>,
) -> Report {
    let a = analyze(
        data.customers,
        data.transactions,
        data.interactions,
        config,
        as_of,
        Want::FollowUps,
    );
    let quality = scorecard(
        data.customers,
        validator,
        data.clusters,
        &config.quality,
        as_of,
    );
    Report {
        as_of,
        kpis: a.kpis,
        quality,
        follow_ups: a.follow_ups,
    }
}

/// [`build_report`] over a store, read in batches.
///
/// # Errors
/// The store's errors (the first one met).
pub fn build_report_store<S>(
    store: &S,
    clusters: Option<&[Cluster]>,
    validator: &Validator,
    config: &ReportConfig,
    as_of: DateTime<Utc>,
) -> Result<Report>
where
    S: CustomerStore + ?Sized,
    Error: From<S::Error>,
{
    let a = analyze_store(store, config, as_of, Want::FollowUps)?;
    let quality = scorecard_store(store, validator, clusters, &config.quality, as_of)?;
    Ok(Report {
        as_of,
        kpis: a.kpis,
        quality,
        follow_ups: a.follow_ups,
    })
}
