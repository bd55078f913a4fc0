//! Activity aggregates of one customer as of a date.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::hashing::IntMap;
use crate::model::{
    Activity, CurrencyCode, Customer, CustomerId, Interaction, InteractionKind, Transaction,
};
use crate::store::{CustomerStore, batches};

/// One customer's activity reduced to what segments and scores ask about, as it stood at
/// `as_of`: activity recorded after `as_of` is left out, so a score is reproducible for a past
/// date.
///
/// - A **purchase** is a transaction with a positive amount; a refund (zero or negative amount)
///   is not a purchase, but it does lower the spend.
/// - Counts, first/last purchase and recency are over **every currency**; spend is always asked
///   for **in one currency** ([`ActivitySummary::spend`]), since yen and euros do not add up.
/// - Days are whole days elapsed (`(as_of - t).num_days()`, rounded down).
///
/// Building one costs a sort of the customer's activity (O(n log n)); the queries are linear at
/// most.
///
/// ```
/// use clientele::model::{CurrencyCode, Interaction, InteractionKind, Money, Transaction};
/// use clientele::segment::ActivitySummary;
/// use clientele::CustomerId;
/// use chrono::{TimeZone, Utc};
///
/// let id = CustomerId::new("C1")?;
/// let cny = CurrencyCode::new("CNY")?;
/// let day = |d| Utc.with_ymd_and_hms(2024, 3, d, 12, 0, 0).unwrap();
/// let buy = |d, cents| {
///     Transaction::new(
///         id.clone(),
///         day(d),
///         Money {
///             minor_units: cents,
///             currency: cny,
///         },
///     )
/// };
/// let complaint = Interaction::new(id.clone(), day(5), InteractionKind::Complaint);
/// let txs = [buy(1, 10_000), buy(4, 5_000), buy(30, 99_999)]; // the last one is after as_of
/// let s = ActivitySummary::new(&txs, &[complaint], day(10));
/// assert_eq!(s.purchase_count(None), 2);
/// assert_eq!(s.spend(&cny, None), 15_000);
/// assert_eq!(s.days_since_last_purchase(), Some(6));
/// assert_eq!(s.complaints_within(7), 1);
/// # Ok::<(), clientele::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ActivitySummary {
    as_of: DateTime<Utc>,
    /// Purchases (positive amounts), oldest first.
    purchases: Vec<(DateTime<Utc>, CurrencyCode, i64)>,
    /// Refunds and zero amounts, oldest first.
    refunds: Vec<(DateTime<Utc>, CurrencyCode, i64)>,
    /// Every interaction time, oldest first.
    interactions: Vec<DateTime<Utc>>,
    /// Complaint times, oldest first.
    complaints: Vec<DateTime<Utc>>,
}

/// The start of a window of `days` whole days ending at `as_of`.
pub(crate) fn window_start(as_of: DateTime<Utc>, days: u32) -> DateTime<Utc> {
    as_of
        .checked_sub_signed(Duration::days(i64::from(days)))
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// Whole days from `t` to `as_of`.
pub(crate) fn days_between(t: DateTime<Utc>, as_of: DateTime<Utc>) -> i64 {
    as_of.signed_duration_since(t).num_days()
}

impl ActivitySummary {
    /// Summarises a customer's transactions and interactions as of `as_of`. The items are taken
    /// as the customer's own (their `customer` field is not checked).
    ///
    /// ```
    /// # use clientele::segment::ActivitySummary;
    /// # use clientele::model::{CurrencyCode, Interaction, InteractionKind, Money, Transaction};
    /// # use clientele::CustomerId;
    /// # use chrono::{Duration, TimeZone, Utc};
    /// # let now = Utc.with_ymd_and_hms(2024, 6, 30, 0, 0, 0).unwrap();
    /// # let tx = |days: i64, minor_units: i64, currency: &str| Transaction::new(CustomerId::new("C1").unwrap(), now - Duration::days(days), Money { minor_units, currency: CurrencyCode::new(currency).unwrap() });
    /// # let talk = |days: i64, kind| Interaction::new(CustomerId::new("C1").unwrap(), now - Duration::days(days), kind);
    /// let s = ActivitySummary::new(&[tx(1, 500, "CNY"), tx(-1, 500, "CNY")], &[talk(2, InteractionKind::Call)], now);
    /// assert_eq!(s.purchase_count(None), 1); // the second is after `now`
    /// ```
    pub fn new<'a>(
        transactions: impl IntoIterator<Item = &'a Transaction>,
        interactions: impl IntoIterator<Item = &'a Interaction>,
        as_of: DateTime<Utc>,
    ) -> Self {
        let mut purchases = Vec::new();
        let mut refunds = Vec::new();
        for t in transactions.into_iter().filter(|t| t.at <= as_of) {
            let item = (t.at, t.amount.currency, t.amount.minor_units);
            if t.amount.minor_units > 0 {
                purchases.push(item);
            } else {
                refunds.push(item);
            }
        }
        let mut times = Vec::new();
        let mut complaints = Vec::new();
        for i in interactions.into_iter().filter(|i| i.at <= as_of) {
            times.push(i.at);
            if i.kind == InteractionKind::Complaint {
                complaints.push(i.at);
            }
        }
        purchases.sort_unstable();
        refunds.sort_unstable();
        times.sort_unstable();
        complaints.sort_unstable();
        Self {
            as_of,
            purchases,
            refunds,
            interactions: times,
            complaints,
        }
    }

    /// Summarises an [`Activity`] as read from a store.
    ///
    /// ```
    /// use clientele::model::Activity;
    /// use clientele::segment::ActivitySummary;
    /// use chrono::Utc;
    /// let s = ActivitySummary::from_activity(&Activity::default(), Utc::now());
    /// assert_eq!(s.purchase_count(None), 0);
    /// assert_eq!(s.last_purchase(), None);
    /// ```
    pub fn from_activity(activity: &Activity, as_of: DateTime<Utc>) -> Self {
        Self::new(&activity.transactions, &activity.interactions, as_of)
    }

    /// The date the summary is as of.
    ///
    /// ```
    /// use clientele::segment::ActivitySummary;
    /// use chrono::Utc;
    /// let now = Utc::now();
    /// assert_eq!(ActivitySummary::new([], [], now).as_of(), now);
    /// ```
    pub fn as_of(&self) -> DateTime<Utc> {
        self.as_of
    }

    /// Purchases in every currency, all of them (`None`) or those in the last `days` days.
    ///
    /// ```
    /// # use clientele::segment::ActivitySummary;
    /// # use clientele::model::{CurrencyCode, Interaction, InteractionKind, Money, Transaction};
    /// # use clientele::CustomerId;
    /// # use chrono::{Duration, TimeZone, Utc};
    /// # let now = Utc.with_ymd_and_hms(2024, 6, 30, 0, 0, 0).unwrap();
    /// # let tx = |days: i64, minor_units: i64, currency: &str| Transaction::new(CustomerId::new("C1").unwrap(), now - Duration::days(days), Money { minor_units, currency: CurrencyCode::new(currency).unwrap() });
    /// # let talk = |days: i64, kind| Interaction::new(CustomerId::new("C1").unwrap(), now - Duration::days(days), kind);
    /// let s = ActivitySummary::new(&[tx(3, 500, "CNY"), tx(40, 500, "USD"), tx(5, -200, "CNY")], [], now);
    /// assert_eq!(s.purchase_count(None), 2);
    /// assert_eq!(s.purchase_count(Some(30)), 1);
    /// ```
    pub fn purchase_count(&self, within_days: Option<u32>) -> usize {
        let from = within_days.map(|d| window_start(self.as_of, d));
        self.purchases
            .iter()
            .filter(|(at, _, _)| from.is_none_or(|f| *at >= f))
            .count()
    }

    /// Net spend (purchases minus refunds) in `currency`, in minor units, all of it (`None`) or
    /// in the last `days` days. Transactions in other currencies are left out (see
    /// [`ActivitySummary::other_currency_transactions`]). The sum is exact: it is taken in
    /// `i128`, which no number of `i64` amounts can overflow, so purchases and the refunds of
    /// them always cancel.
    ///
    /// ```
    /// # use clientele::segment::ActivitySummary;
    /// # use clientele::model::{CurrencyCode, Interaction, InteractionKind, Money, Transaction};
    /// # use clientele::CustomerId;
    /// # use chrono::{Duration, TimeZone, Utc};
    /// # let now = Utc.with_ymd_and_hms(2024, 6, 30, 0, 0, 0).unwrap();
    /// # let tx = |days: i64, minor_units: i64, currency: &str| Transaction::new(CustomerId::new("C1").unwrap(), now - Duration::days(days), Money { minor_units, currency: CurrencyCode::new(currency).unwrap() });
    /// # let talk = |days: i64, kind| Interaction::new(CustomerId::new("C1").unwrap(), now - Duration::days(days), kind);
    /// let s = ActivitySummary::new(&[tx(3, 500, "CNY"), tx(40, 700, "CNY"), tx(5, -200, "CNY"), tx(1, 9, "USD")], [], now);
    /// let cny = CurrencyCode::new("CNY").unwrap();
    /// assert_eq!(s.spend(&cny, None), 1_000);
    /// assert_eq!(s.spend(&cny, Some(30)), 300);
    /// ```
    pub fn spend(&self, currency: &CurrencyCode, within_days: Option<u32>) -> i128 {
        let from = within_days.map(|d| window_start(self.as_of, d));
        self.purchases
            .iter()
            .chain(&self.refunds)
            .filter(|(at, c, _)| c == currency && from.is_none_or(|f| *at >= f))
            .map(|(_, _, v)| i128::from(*v))
            .sum()
    }

    /// The number of transactions (purchases and refunds) in currencies other than `currency`.
    ///
    /// ```
    /// # use clientele::segment::ActivitySummary;
    /// # use clientele::model::{CurrencyCode, Interaction, InteractionKind, Money, Transaction};
    /// # use clientele::CustomerId;
    /// # use chrono::{Duration, TimeZone, Utc};
    /// # let now = Utc.with_ymd_and_hms(2024, 6, 30, 0, 0, 0).unwrap();
    /// # let tx = |days: i64, minor_units: i64, currency: &str| Transaction::new(CustomerId::new("C1").unwrap(), now - Duration::days(days), Money { minor_units, currency: CurrencyCode::new(currency).unwrap() });
    /// # let talk = |days: i64, kind| Interaction::new(CustomerId::new("C1").unwrap(), now - Duration::days(days), kind);
    /// let s = ActivitySummary::new(&[tx(3, 500, "CNY"), tx(4, 700, "JPY")], [], now);
    /// assert_eq!(s.other_currency_transactions(&CurrencyCode::new("CNY").unwrap()), 1);
    /// ```
    pub fn other_currency_transactions(&self, currency: &CurrencyCode) -> usize {
        self.purchases
            .iter()
            .chain(&self.refunds)
            .filter(|(_, c, _)| c != currency)
            .count()
    }

    /// The number of transactions (purchases and refunds) per currency.
    ///
    /// ```
    /// # use clientele::segment::ActivitySummary;
    /// # use clientele::model::{CurrencyCode, Interaction, InteractionKind, Money, Transaction};
    /// # use clientele::CustomerId;
    /// # use chrono::{Duration, TimeZone, Utc};
    /// # let now = Utc.with_ymd_and_hms(2024, 6, 30, 0, 0, 0).unwrap();
    /// # let tx = |days: i64, minor_units: i64, currency: &str| Transaction::new(CustomerId::new("C1").unwrap(), now - Duration::days(days), Money { minor_units, currency: CurrencyCode::new(currency).unwrap() });
    /// # let talk = |days: i64, kind| Interaction::new(CustomerId::new("C1").unwrap(), now - Duration::days(days), kind);
    /// let s = ActivitySummary::new(&[tx(3, 500, "CNY"), tx(4, -700, "CNY")], [], now);
    /// assert_eq!(s.transactions_by_currency().get(&CurrencyCode::new("CNY").unwrap()), Some(&2));
    /// ```
    pub fn transactions_by_currency(&self) -> HashMap<CurrencyCode, usize> {
        let mut out = HashMap::new();
        for (_, c, _) in self.purchases.iter().chain(&self.refunds) {
            *out.entry(*c).or_insert(0) += 1;
        }
        out
    }

    /// The purchases (time, currency, minor units), oldest first.
    pub(crate) fn purchases(&self) -> &[(DateTime<Utc>, CurrencyCode, i64)] {
        &self.purchases
    }

    /// The refunds and zero amounts (time, currency, minor units), oldest first.
    pub(crate) fn refunds(&self) -> &[(DateTime<Utc>, CurrencyCode, i64)] {
        &self.refunds
    }

    /// The times of the purchases, oldest first.
    ///
    /// ```
    /// # use clientele::segment::ActivitySummary;
    /// # use clientele::model::{CurrencyCode, Interaction, InteractionKind, Money, Transaction};
    /// # use clientele::CustomerId;
    /// # use chrono::{Duration, TimeZone, Utc};
    /// # let now = Utc.with_ymd_and_hms(2024, 6, 30, 0, 0, 0).unwrap();
    /// # let tx = |days: i64, minor_units: i64, currency: &str| Transaction::new(CustomerId::new("C1").unwrap(), now - Duration::days(days), Money { minor_units, currency: CurrencyCode::new(currency).unwrap() });
    /// # let talk = |days: i64, kind| Interaction::new(CustomerId::new("C1").unwrap(), now - Duration::days(days), kind);
    /// let s = ActivitySummary::new(&[tx(1, 500, "CNY"), tx(9, 500, "CNY")], [], now);
    /// assert_eq!(s.purchase_times().collect::<Vec<_>>(), [now - Duration::days(9), now - Duration::days(1)]);
    /// ```
    pub fn purchase_times(&self) -> impl Iterator<Item = DateTime<Utc>> + '_ {
        self.purchases.iter().map(|(at, _, _)| *at)
    }

    /// When the first purchase was made.
    ///
    /// ```
    /// # use clientele::segment::ActivitySummary;
    /// # use clientele::model::{CurrencyCode, Interaction, InteractionKind, Money, Transaction};
    /// # use clientele::CustomerId;
    /// # use chrono::{Duration, TimeZone, Utc};
    /// # let now = Utc.with_ymd_and_hms(2024, 6, 30, 0, 0, 0).unwrap();
    /// # let tx = |days: i64, minor_units: i64, currency: &str| Transaction::new(CustomerId::new("C1").unwrap(), now - Duration::days(days), Money { minor_units, currency: CurrencyCode::new(currency).unwrap() });
    /// # let talk = |days: i64, kind| Interaction::new(CustomerId::new("C1").unwrap(), now - Duration::days(days), kind);
    /// let s = ActivitySummary::new(&[tx(1, 500, "CNY"), tx(9, 500, "CNY")], [], now);
    /// assert_eq!(s.first_purchase(), Some(now - Duration::days(9)));
    /// ```
    pub fn first_purchase(&self) -> Option<DateTime<Utc>> {
        self.purchases.first().map(|(at, _, _)| *at)
    }

    /// When the latest purchase was made.
    ///
    /// ```
    /// # use clientele::segment::ActivitySummary;
    /// # use clientele::model::{CurrencyCode, Interaction, InteractionKind, Money, Transaction};
    /// # use clientele::CustomerId;
    /// # use chrono::{Duration, TimeZone, Utc};
    /// # let now = Utc.with_ymd_and_hms(2024, 6, 30, 0, 0, 0).unwrap();
    /// # let tx = |days: i64, minor_units: i64, currency: &str| Transaction::new(CustomerId::new("C1").unwrap(), now - Duration::days(days), Money { minor_units, currency: CurrencyCode::new(currency).unwrap() });
    /// # let talk = |days: i64, kind| Interaction::new(CustomerId::new("C1").unwrap(), now - Duration::days(days), kind);
    /// let s = ActivitySummary::new(&[tx(1, 500, "CNY"), tx(9, 500, "CNY")], [], now);
    /// assert_eq!(s.last_purchase(), Some(now - Duration::days(1)));
    /// ```
    pub fn last_purchase(&self) -> Option<DateTime<Utc>> {
        self.purchases.last().map(|(at, _, _)| *at)
    }

    /// When the latest interaction (of any kind) took place.
    ///
    /// ```
    /// # use clientele::segment::ActivitySummary;
    /// # use clientele::model::{CurrencyCode, Interaction, InteractionKind, Money, Transaction};
    /// # use clientele::CustomerId;
    /// # use chrono::{Duration, TimeZone, Utc};
    /// # let now = Utc.with_ymd_and_hms(2024, 6, 30, 0, 0, 0).unwrap();
    /// # let tx = |days: i64, minor_units: i64, currency: &str| Transaction::new(CustomerId::new("C1").unwrap(), now - Duration::days(days), Money { minor_units, currency: CurrencyCode::new(currency).unwrap() });
    /// # let talk = |days: i64, kind| Interaction::new(CustomerId::new("C1").unwrap(), now - Duration::days(days), kind);
    /// let s = ActivitySummary::new([], &[talk(7, InteractionKind::Visit)], now);
    /// assert_eq!(s.last_interaction(), Some(now - Duration::days(7)));
    /// ```
    pub fn last_interaction(&self) -> Option<DateTime<Utc>> {
        self.interactions.last().copied()
    }

    /// Whole days since the latest purchase; `None` without a purchase.
    ///
    /// ```
    /// # use clientele::segment::ActivitySummary;
    /// # use clientele::model::{CurrencyCode, Interaction, InteractionKind, Money, Transaction};
    /// # use clientele::CustomerId;
    /// # use chrono::{Duration, TimeZone, Utc};
    /// # let now = Utc.with_ymd_and_hms(2024, 6, 30, 0, 0, 0).unwrap();
    /// # let tx = |days: i64, minor_units: i64, currency: &str| Transaction::new(CustomerId::new("C1").unwrap(), now - Duration::days(days), Money { minor_units, currency: CurrencyCode::new(currency).unwrap() });
    /// # let talk = |days: i64, kind| Interaction::new(CustomerId::new("C1").unwrap(), now - Duration::days(days), kind);
    /// let s = ActivitySummary::new(&[tx(12, 500, "CNY")], [], now);
    /// assert_eq!(s.days_since_last_purchase(), Some(12));
    /// ```
    pub fn days_since_last_purchase(&self) -> Option<i64> {
        self.last_purchase().map(|t| days_between(t, self.as_of))
    }

    /// Whole days since the latest interaction; `None` without an interaction.
    ///
    /// ```
    /// # use clientele::segment::ActivitySummary;
    /// # use clientele::model::{CurrencyCode, Interaction, InteractionKind, Money, Transaction};
    /// # use clientele::CustomerId;
    /// # use chrono::{Duration, TimeZone, Utc};
    /// # let now = Utc.with_ymd_and_hms(2024, 6, 30, 0, 0, 0).unwrap();
    /// # let tx = |days: i64, minor_units: i64, currency: &str| Transaction::new(CustomerId::new("C1").unwrap(), now - Duration::days(days), Money { minor_units, currency: CurrencyCode::new(currency).unwrap() });
    /// # let talk = |days: i64, kind| Interaction::new(CustomerId::new("C1").unwrap(), now - Duration::days(days), kind);
    /// let s = ActivitySummary::new([], &[talk(4, InteractionKind::Message)], now);
    /// assert_eq!(s.days_since_last_interaction(), Some(4));
    /// ```
    pub fn days_since_last_interaction(&self) -> Option<i64> {
        self.last_interaction().map(|t| days_between(t, self.as_of))
    }

    /// Whole days since the latest purchase or interaction, whichever is later; `None` without
    /// either.
    ///
    /// ```
    /// # use clientele::segment::ActivitySummary;
    /// # use clientele::model::{CurrencyCode, Interaction, InteractionKind, Money, Transaction};
    /// # use clientele::CustomerId;
    /// # use chrono::{Duration, TimeZone, Utc};
    /// # let now = Utc.with_ymd_and_hms(2024, 6, 30, 0, 0, 0).unwrap();
    /// # let tx = |days: i64, minor_units: i64, currency: &str| Transaction::new(CustomerId::new("C1").unwrap(), now - Duration::days(days), Money { minor_units, currency: CurrencyCode::new(currency).unwrap() });
    /// # let talk = |days: i64, kind| Interaction::new(CustomerId::new("C1").unwrap(), now - Duration::days(days), kind);
    /// let s = ActivitySummary::new(&[tx(12, 500, "CNY")], &[talk(4, InteractionKind::Call)], now);
    /// assert_eq!(s.days_since_last_activity(), Some(4));
    /// ```
    pub fn days_since_last_activity(&self) -> Option<i64> {
        self.last_purchase()
            .max(self.last_interaction())
            .map(|t| days_between(t, self.as_of))
    }

    /// Complaints in the last `days` days.
    ///
    /// ```
    /// # use clientele::segment::ActivitySummary;
    /// # use clientele::model::{CurrencyCode, Interaction, InteractionKind, Money, Transaction};
    /// # use clientele::CustomerId;
    /// # use chrono::{Duration, TimeZone, Utc};
    /// # let now = Utc.with_ymd_and_hms(2024, 6, 30, 0, 0, 0).unwrap();
    /// # let tx = |days: i64, minor_units: i64, currency: &str| Transaction::new(CustomerId::new("C1").unwrap(), now - Duration::days(days), Money { minor_units, currency: CurrencyCode::new(currency).unwrap() });
    /// # let talk = |days: i64, kind| Interaction::new(CustomerId::new("C1").unwrap(), now - Duration::days(days), kind);
    /// let s = ActivitySummary::new([], &[talk(4, InteractionKind::Complaint), talk(40, InteractionKind::Complaint)], now);
    /// assert_eq!((s.complaints_within(30), s.complaints_within(60)), (1, 2));
    /// ```
    pub fn complaints_within(&self, days: u32) -> usize {
        let from = window_start(self.as_of, days);
        self.complaints.iter().filter(|at| **at >= from).count()
    }
}

/// The first 16 bytes of an id, big-endian, padded with zeros: ordering these orders the ids
/// (equal prefixes are told apart by the whole id), without reading the id's text behind its
/// pointer at every comparison.
fn id_prefix(id: &CustomerId) -> u128 {
    let mut bytes = [0u8; 16];
    for (b, x) in bytes.iter_mut().zip(id.as_str().as_bytes()) {
        *b = *x;
    }
    u128::from_be_bytes(bytes)
}

/// `items` sorted by customer id, stably (items with the same id keep their order), in
/// parallel: the order `sort_by(|a, b| id(a).cmp(id(b)))` gives, from comparisons of
/// [`id_prefix`]es and of indexes rather than of strings and of whole items moved about.
pub(crate) fn sort_by_id<T: Send + Sync>(
    items: Vec<T>,
    id: impl Fn(&T) -> &CustomerId + Sync,
) -> Vec<T> {
    let mut order: Vec<(u128, usize)> = items
        .par_iter()
        .enumerate()
        .map(|(k, x)| (id_prefix(id(x)), k))
        .collect();
    order.par_sort_unstable_by(|a, b| {
        a.0.cmp(&b.0)
            .then_with(|| match (items.get(a.1), items.get(b.1)) {
                (Some(x), Some(y)) => id(x).cmp(id(y)),
                _ => std::cmp::Ordering::Equal,
            })
            .then(a.1.cmp(&b.1))
    });
    let mut slots: Vec<Option<T>> = items.into_iter().map(Some).collect();
    order
        .iter()
        .filter_map(|(_, k)| slots.get_mut(*k).and_then(Option::take))
        .collect()
}

/// Each customer's transactions and interactions, grouped by id, borrowed from slices.
#[derive(Debug, Default)]
pub(crate) struct ActivityIndex<'a> {
    /// Each customer id's slot. FNV rather than SipHash: the index is built once per
    /// report over every transaction (millions of lookups), from ids the caller holds.
    slot: IntMap<&'a CustomerId, usize>,
    /// The slice the index was built from, and the slot of each of its customers by position.
    customers: &'a [Customer],
    slot_of: Vec<usize>,
    /// Transactions grouped by slot, each customer's in input order; slot `s` holds
    /// `transactions[t_start[s]..t_start[s + 1]]`.
    transactions: Vec<&'a Transaction>,
    t_start: Vec<usize>,
    /// Interactions likewise.
    interactions: Vec<&'a Interaction>,
    i_start: Vec<usize>,
}

/// Items looked up in one piece of work when grouping.
const GROUP_CHUNK: usize = 16 * 1024;

/// Items grouped by their customer's slot (a counting sort, stable), and where each slot's
/// run starts; items of ids without a slot are left out.
fn group<'a, T: Sync>(
    items: &'a [T],
    slot: &IntMap<&CustomerId, usize>,
    slots: usize,
    key: impl Fn(&T) -> &CustomerId + Sync,
) -> (Vec<&'a T>, Vec<usize>) {
    // Logs often list a customer's items together: the slot of the item before is reused
    // when its id is the same (one comparison instead of a hash and a probe).
    let of: Vec<Option<usize>> = items
        .par_chunks(GROUP_CHUNK)
        .flat_map_iter(|chunk| {
            let key = &key;
            let mut last: Option<(&CustomerId, Option<usize>)> = None;
            chunk.iter().map(move |x| {
                let id = key(x);
                match last {
                    Some((seen, s)) if seen == id => s,
                    _ => {
                        let s = slot.get(id).copied();
                        last = Some((id, s));
                        s
                    }
                }
            })
        })
        .collect();
    let mut start = vec![0usize; slots + 1];
    for s in of.iter().flatten() {
        if let Some(n) = start.get_mut(s + 1) {
            *n += 1;
        }
    }
    for k in 1..start.len() {
        let before = start.get(k - 1).copied().unwrap_or(0);
        if let Some(n) = start.get_mut(k) {
            *n += before;
        }
    }
    let mut next = start.clone();
    let Some(first) = items.first() else {
        return (Vec::new(), start);
    };
    // Every place is written once below (the counts above size it), so the filler never stays.
    let mut placed: Vec<&T> = vec![first; start.last().copied().unwrap_or(0)];
    for (x, s) in items.iter().zip(&of) {
        let Some(at) = s.and_then(|s| next.get_mut(s)) else {
            continue;
        };
        if let Some(cell) = placed.get_mut(*at) {
            *cell = x;
        }
        *at += 1;
    }
    (placed, start)
}

/// Run `s` of a grouping.
fn run<'s, 'a, T>(items: &'s [&'a T], start: &[usize], s: Option<usize>) -> &'s [&'a T] {
    let range = s.and_then(|s| Some(*start.get(s)?..*start.get(s + 1)?));
    range.and_then(|r| items.get(r)).unwrap_or(&[])
}

impl<'a> ActivityIndex<'a> {
    /// Indexes the activity of `customers` (activity of other ids is left out): a slot per
    /// customer id, items grouped by slot in parallel, each customer's in input order.
    pub(crate) fn new(
        customers: &'a [Customer],
        transactions: &'a [Transaction],
        interactions: &'a [Interaction],
    ) -> Self {
        let mut slot = IntMap::with_capacity_and_hasher(customers.len(), Default::default());
        let slot_of: Vec<usize> = customers
            .iter()
            .map(|c| {
                let next = slot.len();
                *slot.entry(&c.id).or_insert(next)
            })
            .collect();
        let slots = slot.len();
        let ((transactions, t_start), (interactions, i_start)) = rayon::join(
            || group(transactions, &slot, slots, |t| &t.customer),
            || group(interactions, &slot, slots, |i| &i.customer),
        );
        Self {
            slot,
            customers,
            slot_of,
            transactions,
            t_start,
            interactions,
            i_start,
        }
    }

    /// The activity of customer `k` of `customers`, summarised as of `as_of`.
    fn summary(&self, customers: &[Customer], k: usize, as_of: DateTime<Utc>) -> ActivitySummary {
        let (t, i) = self.items_of(customers, k);
        ActivitySummary::new(t.iter().copied(), i.iter().copied(), as_of)
    }

    /// The items of customer `k` of `customers`: found by position when `customers` is the
    /// slice the index was built from, else by id.
    pub(crate) fn items_of(
        &self,
        customers: &[Customer],
        k: usize,
    ) -> (&[&'a Transaction], &[&'a Interaction]) {
        let s = if std::ptr::eq(customers, self.customers) {
            self.slot_of.get(k).copied()
        } else {
            customers.get(k).and_then(|c| self.slot.get(&c.id).copied())
        };
        (
            run(&self.transactions, &self.t_start, s),
            run(&self.interactions, &self.i_start, s),
        )
    }
}

/// Maps every customer of a store, with its activity summarised as of `as_of` (or an empty
/// summary when `read_activity` is false), in id order: batches read one after the other, each
/// mapped in parallel.
pub(crate) fn map_store<S, T, F>(
    store: &S,
    batch_size: usize,
    as_of: DateTime<Utc>,
    read_activity: bool,
    f: F,
) -> Result<Vec<T>>
where
    S: CustomerStore + ?Sized,
    Error: From<S::Error>,
    T: Send,
    F: Fn(&Customer, &ActivitySummary) -> T + Sync,
{
    let mut out = Vec::new();
    for batch in batches(store, batch_size) {
        let batch = batch?;
        // The batch's activity in one read, then summarised and mapped in parallel.
        let activity = if read_activity {
            let ids: Vec<CustomerId> = batch.iter().map(|c| c.id.clone()).collect();
            store.activity_many(&ids)?
        } else {
            Vec::new()
        };
        let part: Vec<T> = batch
            .par_iter()
            .enumerate()
            .map(|(i, c)| {
                let summary = match activity.get(i) {
                    Some(a) => ActivitySummary::from_activity(a, as_of),
                    None => ActivitySummary::new([], [], as_of),
                };
                f(c, &summary)
            })
            .collect();
        out.extend(part);
    }
    Ok(out)
}

/// Maps every customer of a slice, with its activity from the two slices summarised as of
/// `as_of`, in parallel, in slice order.
pub(crate) fn map_slices<T, F>(
    customers: &[Customer],
    transactions: &[Transaction],
    interactions: &[Interaction],
    as_of: DateTime<Utc>,
    f: F,
) -> Vec<T>
where
    T: Send,
    F: Fn(&Customer, &ActivitySummary) -> T + Sync,
{
    map_indexed(
        customers,
        &ActivityIndex::new(customers, transactions, interactions),
        as_of,
        f,
    )
}

/// [`map_slices`] over activity already indexed.
pub(crate) fn map_indexed<T, F>(
    customers: &[Customer],
    index: &ActivityIndex<'_>,
    as_of: DateTime<Utc>,
    f: F,
) -> Vec<T>
where
    T: Send,
    F: Fn(&Customer, &ActivitySummary) -> T + Sync,
{
    customers
        .par_iter()
        .enumerate()
        .map(|(k, c)| f(c, &index.summary(customers, k, as_of)))
        .collect()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn sort_by_id_orders_as_a_stable_sort_of_the_ids(
            ids in prop::collection::vec("[A-C\\x00é]{0,20}", 0..60),
        ) {
            let items: Vec<(CustomerId, usize)> = ids
                .iter()
                .filter_map(|t| CustomerId::new(t.as_str()).ok())
                .enumerate()
                .map(|(k, id)| (id, k))
                .collect();
            let mut expected = items.clone();
            expected.sort_by(|a, b| a.0.cmp(&b.0));
            prop_assert_eq!(sort_by_id(items, |x| &x.0), expected);
        }
    }
}
