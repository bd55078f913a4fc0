//! Customer lifecycle scoring: who is still a customer, how much they will buy, and what they are
//! worth.
//!
//! The models of the "buy till you die" literature, fitted on a transaction log:
//! 1. [`summarize`] turns transactions into one [`CustomerSummary`] per customer
//!    (frequency, recency, T, monetary) for a calibration period, in a [`TimeUnit`].
//! 2. [`BgNbd`] (Fader, Hardie and Lee 2005) models purchase counts and dropout: the
//!    probability a customer is still alive ([`BgNbd::p_alive`]) and the purchases to expect
//!    ([`BgNbd::conditional_expected_purchases`]).
//! 3. [`GammaGamma`] (Fader and Hardie 2013) models spend per purchase; with a BG/NBD model it
//!    gives a customer lifetime value ([`GammaGamma::clv`]).
//!
//! The special functions the models need are public in [`special`]. With the `synth` feature,
//! `BgNbd::simulate` draws customers from a model, to check that a fit recovers it. Fitting reproduces the
//! published CDNOW results (see `docs/LIFECYCLE.md`).
//!
//! ```
//! use chrono::{NaiveDate, TimeZone, Utc};
//! use clientele::lifecycle::{BgNbd, TimeUnit, summarize};
//! use clientele::model::{CurrencyCode, Money, Transaction};
//! use clientele::CustomerId;
//!
//! // Customer k buys every (k + 1) weeks from 1 January; customers 5.. stop after March.
//! let usd = CurrencyCode::new("USD")?;
//! let mut log = Vec::new();
//! for k in 0..12i64 {
//!     let start = Utc.with_ymd_and_hms(2024, 1, 1, 9, 0, 0).unwrap();
//!     for w in (0..40).step_by(k as usize + 1) {
//!         let at = start + chrono::Duration::weeks(w) + chrono::Duration::days(k % 3);
//!         if k >= 5 && w > 12 {
//!             break;
//!         }
//!         log.push(Transaction::new(
//!             CustomerId::new(format!("C{k:02}"))?,
//!             at,
//!             Money {
//!                 minor_units: 1500 + 100 * k,
//!                 currency: usd,
//!             },
//!         ));
//!     }
//! }
//! let end = NaiveDate::from_ymd_opt(2024, 9, 30).unwrap();
//! let summaries = summarize(&log, end, TimeUnit::Week);
//! let model = BgNbd::fit(&summaries)?;
//! // A regular buyer seen last week is likelier alive than one silent since March.
//! let (regular, gone) = (&summaries[0], &summaries[11]);
//! assert!(model.p_alive(regular.frequency, regular.recency, regular.t)
//!     > model.p_alive(gone.frequency, gone.recency, gone.t));
//! # Ok::<(), clientele::Error>(())
//! ```

mod bgnbd;
mod gamma_gamma;
mod optimize;
#[cfg(feature = "synth")]
mod simulate;
pub mod special;
mod summary;

pub use bgnbd::BgNbd;
pub use gamma_gamma::{GammaGamma, MAX_CLV_MONTHS};
pub(crate) use summary::summarize_one;
pub use summary::{CustomerSummary, TimeUnit, summarize};
