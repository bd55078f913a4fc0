//! Activity kept beside a record: transactions and interactions.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::id::{CurrencyCode, CustomerId};
use super::mask::{mask_category, mask_value};

/// An amount of money in minor units (cents, fen) of an ISO 4217 currency.
///
/// Minor units keep sums exact; converting to a decimal needs the currency's exponent.
///
/// ```
/// use clientele::model::{CurrencyCode, Money};
/// let m = Money { minor_units: 12_950, currency: CurrencyCode::new("CNY")? };
/// assert_eq!(m.to_major(2), 129.5);
/// # Ok::<(), clientele::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    /// The amount in the currency's minor unit (may be negative for refunds).
    pub minor_units: i64,
    /// The currency.
    pub currency: CurrencyCode,
}

impl Money {
    /// The amount in major units for a currency with `exponent` minor digits (2 for CNY, 0 for
    /// JPY, 3 for KWD).
    pub fn to_major(&self, exponent: u8) -> f64 {
        self.minor_units as f64 / 10f64.powi(i32::from(exponent))
    }
}

/// A purchase (or refund) by a customer.
///
/// ```
/// use clientele::model::{CurrencyCode, Money, Transaction};
/// use clientele::CustomerId;
/// use chrono::{TimeZone, Utc};
/// let t = Transaction::new(
///     CustomerId::new("C1")?,
///     Utc.with_ymd_and_hms(2024, 5, 1, 10, 0, 0).unwrap(),
///     Money {
///         minor_units: 2999,
///         currency: CurrencyCode::new("USD")?,
///     },
/// )
/// .with_channel("webshop");
/// assert_eq!(t.amount.minor_units, 2999);
/// # Ok::<(), clientele::Error>(())
/// ```
///
/// `Debug` masks the reference (an order number can lead to the person; erasure drops it).
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Transaction {
    /// Whose transaction it is.
    pub customer: CustomerId,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// How much.
    pub amount: Money,
    /// Through which channel (store, webshop, app, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    /// The caller's own reference (order number), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
}

/// The kind of a customer interaction.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum InteractionKind {
    /// A phone call.
    Call,
    /// A visit (in store, on site).
    Visit,
    /// A complaint.
    Complaint,
    /// Feedback (survey, review).
    Feedback,
    /// A note by staff.
    Note,
    /// An email or message exchange.
    Message,
    /// Anything else, named by the caller.
    Other(String),
}

/// A contact with a customer that is not a purchase.
///
/// ```
/// use clientele::model::{Interaction, InteractionKind};
/// use clientele::CustomerId;
/// use chrono::{TimeZone, Utc};
/// let i = Interaction::new(
///     CustomerId::new("C1")?,
///     Utc.with_ymd_and_hms(2024, 5, 2, 15, 30, 0).unwrap(),
///     InteractionKind::Complaint,
/// )
/// .with_note("late delivery");
/// assert_eq!(i.kind, InteractionKind::Complaint);
/// // Old records without a rating still read.
/// let old: Interaction = serde_json::from_str(
///     r#"{"customer": "C1", "at": "2024-05-02T15:30:00Z", "kind": "feedback"}"#,
/// ).unwrap();
/// assert_eq!(old.rating, None);
/// // The note is free text about a person: `Debug` masks it.
/// assert!(!format!("{i:?}").contains("late delivery"));
/// # Ok::<(), clientele::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Interaction {
    /// With whom.
    pub customer: CustomerId,
    /// When.
    pub at: DateTime<Utc>,
    /// What kind of contact.
    pub kind: InteractionKind,
    /// Free note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The score the customer gave, for feedback (a survey answer, a review's stars), on the
    /// caller's scale (1 to 5 by default in `clientele::report`); `None` when there is none.
    /// Reports average the ratings of [`InteractionKind::Feedback`] interactions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<u8>,
}

impl Transaction {
    /// A transaction of `amount` by `customer` at `at`, with no channel or reference (add them
    /// with [`Transaction::with_channel`] and [`Transaction::with_reference`], or set the
    /// public fields).
    pub fn new(customer: CustomerId, at: DateTime<Utc>, amount: Money) -> Self {
        Self {
            customer,
            at,
            amount,
            channel: None,
            reference: None,
        }
    }

    /// The transaction through `channel`.
    #[must_use]
    pub fn with_channel(mut self, channel: impl Into<String>) -> Self {
        self.channel = Some(channel.into());
        self
    }

    /// The transaction with the caller's `reference` (an order number).
    #[must_use]
    pub fn with_reference(mut self, reference: impl Into<String>) -> Self {
        self.reference = Some(reference.into());
        self
    }
}

impl Interaction {
    /// An interaction of `kind` with `customer` at `at`, with no note or rating (add them with
    /// [`Interaction::with_note`] and [`Interaction::with_rating`], or set the public fields).
    pub fn new(customer: CustomerId, at: DateTime<Utc>, kind: InteractionKind) -> Self {
        Self {
            customer,
            at,
            kind,
            note: None,
            rating: None,
        }
    }

    /// The interaction with a free `note`.
    #[must_use]
    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }

    /// The interaction with the customer's `rating`.
    #[must_use]
    pub fn with_rating(mut self, rating: u8) -> Self {
        self.rating = Some(rating);
        self
    }
}

impl fmt::Debug for Transaction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transaction")
            .field("customer", &self.customer)
            .field("at", &self.at)
            .field("amount", &self.amount)
            .field("channel", &self.channel)
            .field("reference", &self.reference.as_deref().map(mask_value))
            .finish()
    }
}

impl fmt::Debug for InteractionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Self::Call => "Call",
            Self::Visit => "Visit",
            Self::Complaint => "Complaint",
            Self::Feedback => "Feedback",
            Self::Note => "Note",
            Self::Message => "Message",
            Self::Other(name) => {
                return f.debug_tuple("Other").field(&mask_category(name)).finish();
            }
        };
        f.write_str(name)
    }
}

impl fmt::Debug for Interaction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Interaction")
            .field("customer", &self.customer)
            .field("at", &self.at)
            .field("kind", &self.kind)
            .field("note", &self.note.as_deref().map(mask_value))
            .field("rating", &self.rating)
            .finish()
    }
}

/// All activity of one customer, in the order it was recorded.
///
/// ```
/// use clientele::model::Activity;
/// assert!(Activity::default().is_empty());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Activity {
    /// Purchases and refunds.
    #[serde(default)]
    pub transactions: Vec<Transaction>,
    /// Calls, visits, complaints and other contacts.
    #[serde(default)]
    pub interactions: Vec<Interaction>,
}

impl Activity {
    /// Whether there is no activity at all.
    pub fn is_empty(&self) -> bool {
        self.transactions.is_empty() && self.interactions.is_empty()
    }
}
