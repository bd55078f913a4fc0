//! Segmentation: rule segments, tiers, RFM scores, lifecycle stages and follow-ups.
//!
//! Everything is computed **as of a date**: activity after it is ignored, so a score for a past
//! date can be reproduced. Each customer's activity is first reduced to an
//! [`ActivitySummary`]; the parts below read it.
//!
//! - **Rule segments** ([`Segment`], [`Rule`]): a serde-serializable predicate tree (all, any,
//!   not) over record fields, tags, custom fields, consent and activity aggregates.
//!   [`Segment::compile`] checks it and compiles its regexes once; the [`CompiledSegment`]
//!   evaluates over slices ([`CompiledSegment::select`]) or a store
//!   ([`CompiledSegment::select_store`]) in parallel. A marketing segment never holds a
//!   customer who may not be contacted for marketing ([`crate::privacy::may_contact`]).
//! - **Tiers** ([`TierConfig`]): ordered tiers by spend and purchases over a window, first
//!   match wins.
//! - **RFM** ([`rfm_scores`], [`RfmTable`]): recency, frequency and monetary scores 1..=5 by
//!   quintiles over the population (ties share the score of their first position) and the
//!   named segments (Champions, Loyal, ..., Lost). Customers without a purchase get none.
//! - **Lifecycle stages** ([`StageWindows`]): lead, new, active, at risk, churned, reactivated,
//!   with the date each was entered.
//! - **Scoring** ([`score_records`], [`score_store`]): all of the above per customer as one
//!   [`CustomerScore`] row, and the follow-up list ([`follow_ups`]).
//!
//! Spend only adds up within one currency; see [`ScoringConfig`] for the rule. The guide is
//! `docs/SEGMENTS.md`.
//!
//! ```
//! use clientele::segment::{Cmp, Measure, Rule, Segment, TextTest};
//! use clientele::model::{ConsentPurpose, ConsentStatus};
//! use clientele::{Customer, CustomerId, CustomerKind};
//! use chrono::{TimeZone, Utc};
//!
//! let t = |d| Utc.with_ymd_and_hms(2024, 1, d, 0, 0, 0).unwrap();
//! let vip_mailing = Segment::new("vip mailing", Rule::Tag(TextTest::Eq("vip".into())))
//!     .for_marketing()
//!     .compile()?;
//! let ann = Customer::builder(CustomerId::new("C1")?, CustomerKind::Person)
//!     .tag("vip")
//!     .consent(ConsentPurpose::Marketing, ConsentStatus::Given, t(1), "web")
//!     .build();
//! let bob = Customer::builder(CustomerId::new("C2")?, CustomerKind::Person)
//!     .tag("vip")
//!     .consent(ConsentPurpose::Marketing, ConsentStatus::Given, t(1), "web")
//!     .consent(ConsentPurpose::Marketing, ConsentStatus::Withdrawn, t(5), "call")
//!     .build();
//! let ids = vip_mailing.select(&[ann, bob], &[], &[], t(10));
//! assert_eq!(ids, vec![CustomerId::new("C1")?]);
//! # Ok::<(), clientele::Error>(())
//! ```

mod rfm;
mod rule;
mod score;
pub(crate) use score::follow_up_clock;
mod stage;
mod summary;
mod tier;

pub use rfm::{RfmRule, RfmScore, RfmTable, RfmValues, quintile_scores, rfm_scores};
pub use rule::{
    Cmp, CompiledSegment, DateField, DateWindow, MAX_RULE_DEPTH, Measure, Rule, Segment, TextField,
    TextTest, ValueTest,
};
pub(crate) use score::score_indexed;
pub use score::{
    CustomerScore, ScoringConfig, follow_ups, main_currency_of, score_records, score_store,
};
pub(crate) use stage::plus_days;
pub use stage::{Stage, StageWindows};
pub use summary::ActivitySummary;
pub(crate) use summary::{ActivityIndex, sort_by_id, window_start};
pub use tier::{Tier, TierConfig};

/// The segmentation guide's code examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../../docs/SEGMENTS.md")]
pub struct SegmentsDoctests;
