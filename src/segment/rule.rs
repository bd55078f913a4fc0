//! Rule segments: a serde-serializable predicate tree, compiled once and evaluated over slices
//! or a store.

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use regex::{Regex, RegexBuilder};
use serde::{Deserialize, Serialize};

use super::summary::{ActivitySummary, map_slices, map_store};
use crate::error::{Error, Result};
use crate::model::{
    ConsentPurpose, CurrencyCode, CustomValue, Customer, CustomerId, CustomerKind, Field,
    Interaction, Transaction,
};
use crate::privacy::may_contact;
use crate::store::CustomerStore;

/// How deep a rule tree may nest; deeper trees are refused by [`Segment::compile`] so that
/// evaluation cannot exhaust the stack.
///
/// ```
/// use clientele::segment::{Rule, Segment, MAX_RULE_DEPTH};
/// let mut rule = Rule::All(vec![]);
/// for _ in 0..=MAX_RULE_DEPTH {
///     rule = Rule::Not(Box::new(rule));
/// }
/// assert!(Segment::new("deep", rule).compile().is_err());
/// ```
pub const MAX_RULE_DEPTH: usize = 64;

/// The largest compiled size of one regular expression (bytes), to bound memory and time.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// A named segment: a rule, and whether it is used for marketing.
///
/// A **marketing** segment never holds a customer who may not be contacted for marketing as of
/// the evaluation date ([`may_contact`] with [`ConsentPurpose::Marketing`]: no consent, a
/// withdrawn consent and an erased record all exclude), whatever the rule says.
///
/// Segments serialize with serde (JSON shown), so they can be stored and edited as data;
/// [`Segment::compile`] checks them once and compiles their regular expressions.
///
/// ```
/// use clientele::segment::{Cmp, Measure, Rule, Segment, TextField, TextTest};
///
/// let json = r#"{
///   "name": "lapsed big spenders in Shanghai",
///   "marketing": true,
///   "rule": {"all": [
///     {"text": {"field": "locality", "test": {"in": ["上海", "Shanghai"]}}},
///     {"activity": {"measure": {"spend": {"currency": "CNY"}}, "cmp": {"ge": 500000}}},
///     {"activity": {"measure": "days_since_last_purchase", "cmp": {"gt": 180}}},
///     {"not": {"tag": {"eq": "do_not_call"}}}
///   ]}
/// }"#;
/// let segment: Segment = serde_json::from_str(json).unwrap();
/// assert!(segment.marketing);
/// let compiled = segment.compile()?;
/// assert!(compiled.needs_activity());
/// # Ok::<(), clientele::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Segment {
    /// The segment's name (shown in errors and reports).
    pub name: String,
    /// Marketing segments leave out customers who may not be contacted for marketing.
    #[serde(default)]
    pub marketing: bool,
    /// Who belongs.
    pub rule: Rule,
}

/// A predicate over one customer (record, consent and activity aggregates), as a tree.
///
/// Serialized externally tagged in snake case: `{"all": [...]}`, `{"not": {...}}`,
/// `{"kind": "company"}`, `{"tag": {"eq": "vip"}}`...
///
/// A test on a value the customer does not have (no birth date, no purchase so no "days since
/// last purchase", a custom field of another type) is **false**; wrap it in [`Rule::Not`] to
/// select those customers.
///
/// ```
/// use clientele::segment::{Rule, TextField, TextTest};
/// use clientele::CustomerKind;
/// let rule = Rule::All(vec![
///     Rule::Kind(CustomerKind::Company),
///     Rule::Text { field: TextField::Country, test: TextTest::Eq("CN".into()) },
/// ]);
/// assert_eq!(
///     serde_json::to_string(&rule).unwrap(),
///     r#"{"all":[{"kind":"company"},{"text":{"field":"country","test":{"eq":"CN"}}}]}"#
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Rule {
    /// Every rule holds (true when empty).
    All(Vec<Rule>),
    /// At least one rule holds (false when empty).
    Any(Vec<Rule>),
    /// The rule does not hold.
    Not(Box<Rule>),
    /// The record is of this kind.
    Kind(CustomerKind),
    /// A text field passes the test (for fields with several values, such as the addresses'
    /// countries, at least one value passes).
    Text {
        /// Which field.
        field: TextField,
        /// The test.
        test: TextTest,
    },
    /// At least one tag passes the test (`{"tag": {"eq": "vip"}}`: has the tag `vip`).
    Tag(TextTest),
    /// A field of the field model ([`Field`]: built-in or custom, by name) has a value that
    /// passes the test (for fields with several values, at least one): `{"field": {"field":
    /// "locality", "test": {"text": {"eq": "北京"}}}}`, `{"field": {"field": "loyalty_points",
    /// "test": {"number": {"ge": 1000}}}}`. Built-in text fields are tested as text,
    /// the birth date as a date, timestamps by their UTC date.
    Field {
        /// Which field.
        field: Field,
        /// The test.
        test: ValueTest,
    },
    /// A custom field is present and passes the test (the same as [`Rule::Field`] on
    /// [`Field::Custom`]).
    Custom {
        /// The custom field's name.
        field: String,
        /// The test.
        test: ValueTest,
    },
    /// A date of the record falls in a window.
    Date {
        /// Which date.
        field: DateField,
        /// The window.
        window: DateWindow,
    },
    /// The customer may be contacted for this purpose as of the evaluation date
    /// ([`may_contact`]).
    Consent(ConsentPurpose),
    /// An activity aggregate compares true.
    Activity {
        /// What is measured.
        measure: Measure,
        /// The comparison.
        cmp: Cmp,
    },
}

/// A text field of a record.
///
/// ```
/// use clientele::segment::TextField;
/// assert_eq!(serde_json::to_string(&TextField::Locality).unwrap(), r#""locality""#);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum TextField {
    /// The customer id.
    Id,
    /// The display name ([`Customer::display_name`]).
    Name,
    /// Any address's country code.
    Country,
    /// Any address's region (province, state).
    Region,
    /// Any address's locality (city).
    Locality,
    /// Any address's postcode.
    Postcode,
    /// The source system.
    Source,
}

impl TextField {
    /// The field of the field model this names; `None` for [`TextField::Name`], the display
    /// name, which is derived from several fields.
    ///
    /// ```
    /// use clientele::model::Field;
    /// use clientele::segment::TextField;
    /// assert_eq!(TextField::Locality.field(), Some(Field::Locality));
    /// assert_eq!(TextField::Name.field(), None);
    /// ```
    pub fn field(self) -> Option<Field> {
        Some(match self {
            Self::Id => Field::Id,
            Self::Name => return None,
            Self::Country => Field::Country,
            Self::Region => Field::Region,
            Self::Locality => Field::Locality,
            Self::Postcode => Field::Postcode,
            Self::Source => Field::Source,
        })
    }
}

/// A test on text.
///
/// `eq` and `in` compare trimmed, lower-cased text (so `"cn"` matches `"CN"`); `regex` runs
/// the pattern ([regex crate syntax](https://docs.rs/regex)) on the text as written, unanchored
/// (use `^...$` to anchor, `(?i)` for case-insensitivity).
///
/// ```
/// use clientele::segment::TextTest;
/// let t: TextTest = serde_json::from_str(r#"{"in": ["vip", "gold"]}"#).unwrap();
/// assert!(matches!(t, TextTest::In(ref s) if s.len() == 2));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum TextTest {
    /// Equal to this text.
    Eq(String),
    /// Equal to one of these texts.
    In(BTreeSet<String>),
    /// The regular expression finds a match.
    Regex(String),
    /// Present and not blank.
    Present,
}

/// A test on a custom field's value.
///
/// ```
/// use clientele::segment::{Cmp, ValueTest};
/// let t: ValueTest = serde_json::from_str(r#"{"number": {"between": [1, 10]}}"#).unwrap();
/// assert_eq!(t, ValueTest::Number(Cmp::Between(1.0, 10.0)));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ValueTest {
    /// The field is present (any value).
    Present,
    /// The value as text ([`CustomValue::to_text`]) passes the test.
    Text(TextTest),
    /// An integer or decimal value compares true.
    Number(Cmp),
    /// A yes/no value equals this.
    Bool(bool),
    /// A date value (or the UTC date of a timestamp value) falls in the window.
    Date(DateWindow),
}

/// A date of the record.
///
/// ```
/// use clientele::segment::DateField;
/// assert_eq!(serde_json::to_string(&DateField::Birth).unwrap(), r#""birth""#);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DateField {
    /// When the record was created (its UTC date).
    Created,
    /// When the record was last changed (its UTC date).
    Updated,
    /// The birth date.
    Birth,
}

impl DateField {
    /// The field of the field model this names.
    ///
    /// ```
    /// use clientele::model::Field;
    /// use clientele::segment::DateField;
    /// assert_eq!(DateField::Birth.field(), Field::BirthDate);
    /// ```
    pub fn field(self) -> Field {
        match self {
            Self::Created => Field::CreatedAt,
            Self::Updated => Field::UpdatedAt,
            Self::Birth => Field::BirthDate,
        }
    }
}

/// A window of calendar dates, absolute or relative to the evaluation date (`as_of`, taken as
/// its UTC date).
///
/// ```
/// use clientele::segment::DateWindow;
/// use chrono::NaiveDate;
/// let as_of = NaiveDate::from_ymd_opt(2024, 6, 30).unwrap();
/// let born = NaiveDate::from_ymd_opt(1990, 7, 1).unwrap();
/// assert!(DateWindow::Years { min: Some(33), max: Some(33) }.contains(born, as_of));
/// assert!(DateWindow::LastDays(10).contains(NaiveDate::from_ymd_opt(2024, 6, 20).unwrap(), as_of));
/// assert!(!DateWindow::LastDays(10).contains(NaiveDate::from_ymd_opt(2024, 6, 19).unwrap(), as_of));
/// // Birthday on 1 July: tomorrow.
/// assert!(DateWindow::AnniversaryWithinDays(1).contains(born, as_of));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DateWindow {
    /// From `from` to `to`, both included; an absent end is open.
    Between {
        /// First date included.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        from: Option<NaiveDate>,
        /// Last date included.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        to: Option<NaiveDate>,
    },
    /// In the last `n` days: from `as_of - n days` to `as_of`, both included.
    LastDays(u32),
    /// More than `n` days before `as_of`.
    OlderThanDays(u32),
    /// Whole years elapsed from the date to `as_of` (an age for a birth date, a tenure for a
    /// creation date) within `min..=max`; an absent bound is open. A date after `as_of` is
    /// never in the window.
    Years {
        /// Fewest whole years.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min: Option<u32>,
        /// Most whole years.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<u32>,
    },
    /// The date's next anniversary (a birthday, say), counted from `as_of`, is at most `n` days
    /// away (`0`: today). A 29 February's anniversary falls on 1 March in other years, the day
    /// [`DateWindow::Years`] counts the year complete.
    AnniversaryWithinDays(u32),
}

impl DateWindow {
    /// Whether `date` falls in the window as of `as_of`.
    ///
    /// ```
    /// use clientele::segment::DateWindow;
    /// use chrono::NaiveDate;
    /// let d = |m, d| NaiveDate::from_ymd_opt(2024, m, d).unwrap();
    /// let q1 = DateWindow::Between { from: Some(d(1, 1)), to: Some(d(3, 31)) };
    /// assert!(q1.contains(d(3, 31), d(6, 1)));
    /// assert!(DateWindow::OlderThanDays(30).contains(d(1, 1), d(6, 1)));
    /// ```
    pub fn contains(&self, date: NaiveDate, as_of: NaiveDate) -> bool {
        match *self {
            Self::Between { from, to } => {
                from.is_none_or(|f| date >= f) && to.is_none_or(|t| date <= t)
            }
            Self::LastDays(n) => date <= as_of && (as_of - date).num_days() <= i64::from(n),
            Self::OlderThanDays(n) => (as_of - date).num_days() > i64::from(n),
            Self::Years { min, max } => match whole_years(date, as_of) {
                Some(y) => min.is_none_or(|m| y >= m) && max.is_none_or(|m| y <= m),
                None => false,
            },
            Self::AnniversaryWithinDays(n) => next_anniversary(date, as_of)
                .is_some_and(|a| (a - as_of).num_days() <= i64::from(n)),
        }
    }
}

/// The first anniversary of `date` on or after `from` (29 February: 1 March in other years).
fn next_anniversary(date: NaiveDate, from: NaiveDate) -> Option<NaiveDate> {
    let in_year = |y: i32| {
        NaiveDate::from_ymd_opt(y, date.month(), date.day())
            .or_else(|| NaiveDate::from_ymd_opt(y, 3, 1))
    };
    [from.year(), from.year().checked_add(1)?]
        .into_iter()
        .filter_map(in_year)
        .find(|a| *a >= from)
}

/// Whole years from `from` to `to` (an age); `None` when `from` is after `to`.
fn whole_years(from: NaiveDate, to: NaiveDate) -> Option<u32> {
    if from > to {
        return None;
    }
    let mut years = to.year() - from.year();
    if (to.month(), to.day()) < (from.month(), from.day()) {
        years -= 1;
    }
    u32::try_from(years).ok()
}

/// An activity aggregate, measured as of the evaluation date (see [`ActivitySummary`]).
///
/// ```
/// use clientele::segment::Measure;
/// let m: Measure = serde_json::from_str(r#"{"complaints": {"within_days": 30}}"#).unwrap();
/// assert_eq!(m, Measure::Complaints { within_days: 30 });
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Measure {
    /// Number of purchases (all currencies), all of them or in the last `within_days` days.
    Purchases {
        /// The window in days; all purchases when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        within_days: Option<u32>,
    },
    /// Net spend in `currency`, in minor units (cents, fen); other currencies are left out.
    Spend {
        /// The currency summed.
        currency: CurrencyCode,
        /// The window in days; all time when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        within_days: Option<u32>,
    },
    /// Whole days since the latest purchase (absent without a purchase).
    DaysSinceLastPurchase,
    /// Whole days since the latest interaction (absent without an interaction).
    DaysSinceLastInteraction,
    /// Whole days since the latest purchase or interaction (absent without either).
    DaysSinceLastActivity,
    /// Number of complaints in the last `within_days` days.
    Complaints {
        /// The window in days.
        within_days: u32,
    },
}

impl Measure {
    /// The value for a customer's activity; `None` when it does not exist.
    ///
    /// ```
    /// use clientele::segment::{ActivitySummary, Measure};
    /// use chrono::Utc;
    /// let s = ActivitySummary::new([], [], Utc::now());
    /// assert_eq!(Measure::Purchases { within_days: None }.value(&s), Some(0.0));
    /// assert_eq!(Measure::DaysSinceLastPurchase.value(&s), None);
    /// ```
    pub fn value(&self, s: &ActivitySummary) -> Option<f64> {
        match self {
            Self::Purchases { within_days } => Some(s.purchase_count(*within_days) as f64),
            Self::Spend {
                currency,
                within_days,
            } => Some(s.spend(currency, *within_days) as f64),
            Self::DaysSinceLastPurchase => s.days_since_last_purchase().map(|d| d as f64),
            Self::DaysSinceLastInteraction => s.days_since_last_interaction().map(|d| d as f64),
            Self::DaysSinceLastActivity => s.days_since_last_activity().map(|d| d as f64),
            Self::Complaints { within_days } => Some(s.complaints_within(*within_days) as f64),
        }
    }
}

/// A numeric comparison. `between` includes both ends. Comparisons with NaN are false.
///
/// ```
/// use clientele::segment::Cmp;
/// assert!(Cmp::Ge(3.0).test(3.0));
/// assert!(Cmp::Between(1.0, 5.0).test(5.0));
/// assert!(!Cmp::Ne(2.0).test(2.0));
/// assert_eq!(serde_json::to_string(&Cmp::Lt(10.0)).unwrap(), r#"{"lt":10.0}"#);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Cmp {
    /// Equal.
    Eq(f64),
    /// Not equal.
    Ne(f64),
    /// Less than.
    Lt(f64),
    /// Less than or equal.
    Le(f64),
    /// Greater than.
    Gt(f64),
    /// Greater than or equal.
    Ge(f64),
    /// Within the range, both ends included.
    Between(f64, f64),
}

impl Cmp {
    /// Whether `value` passes the comparison.
    ///
    /// ```
    /// use clientele::segment::Cmp;
    /// assert!(Cmp::Gt(1.0).test(1.5));
    /// assert!(!Cmp::Between(0.0, 1.0).test(f64::NAN));
    /// ```
    pub fn test(&self, value: f64) -> bool {
        match *self {
            Self::Eq(x) => value == x,
            Self::Ne(x) => !value.is_nan() && !x.is_nan() && value != x,
            Self::Lt(x) => value < x,
            Self::Le(x) => value <= x,
            Self::Gt(x) => value > x,
            Self::Ge(x) => value >= x,
            Self::Between(lo, hi) => value >= lo && value <= hi,
        }
    }
}

/// A text test ready to run: texts lower-cased, regex compiled.
#[derive(Debug, Clone)]
enum TextMatcher {
    Eq(String),
    In(BTreeSet<String>),
    Regex(Regex),
    Present,
}

impl TextMatcher {
    fn compile(test: &TextTest, segment: &str) -> Result<Self> {
        Ok(match test {
            TextTest::Eq(s) => Self::Eq(fold(s)),
            TextTest::In(set) => Self::In(set.iter().map(|s| fold(s)).collect()),
            TextTest::Regex(pattern) => Self::Regex(
                RegexBuilder::new(pattern)
                    .size_limit(REGEX_SIZE_LIMIT)
                    .build()
                    .map_err(|e| Error::InvalidRegex {
                        segment: segment.to_owned(),
                        reason: e.to_string(),
                    })?,
            ),
            TextTest::Present => Self::Present,
        })
    }

    fn test(&self, text: &str) -> bool {
        match self {
            Self::Eq(s) => fold(text) == *s,
            Self::In(set) => set.contains(&fold(text)),
            Self::Regex(re) => re.is_match(text),
            Self::Present => !text.trim().is_empty(),
        }
    }
}

fn fold(s: &str) -> String {
    s.trim().to_lowercase()
}

/// A rule ready to run.
#[derive(Debug, Clone)]
enum Node {
    All(Vec<Node>),
    Any(Vec<Node>),
    Not(Box<Node>),
    Kind(CustomerKind),
    /// The display name (the one text of a record that is not a field of its own).
    Name(TextMatcher),
    Field(Field, ValueMatcher),
    Consent(ConsentPurpose),
    Activity(Measure, Cmp),
}

#[derive(Debug, Clone)]
enum ValueMatcher {
    Present,
    Text(TextMatcher),
    Number(Cmp),
    Bool(bool),
    Date(DateWindow),
}

impl Node {
    fn compile(rule: &Rule, segment: &str, depth: usize) -> Result<Self> {
        if depth > MAX_RULE_DEPTH {
            return Err(Error::InvalidSegment {
                segment: segment.to_owned(),
                reason: format!("the rule nests deeper than {MAX_RULE_DEPTH} levels"),
            });
        }
        let all = |rules: &[Rule]| -> Result<Vec<Node>> {
            rules
                .iter()
                .map(|r| Self::compile(r, segment, depth + 1))
                .collect()
        };
        Ok(match rule {
            Rule::All(rules) => Self::All(all(rules)?),
            Rule::Any(rules) => Self::Any(all(rules)?),
            Rule::Not(rule) => Self::Not(Box::new(Self::compile(rule, segment, depth + 1)?)),
            Rule::Kind(k) => Self::Kind(*k),
            Rule::Text { field, test } => {
                let m = TextMatcher::compile(test, segment)?;
                match field.field() {
                    Some(f) => Self::Field(f, ValueMatcher::Text(m)),
                    None => Self::Name(m),
                }
            }
            Rule::Tag(test) => Self::Field(
                Field::Tags,
                ValueMatcher::Text(TextMatcher::compile(test, segment)?),
            ),
            Rule::Field { field, test } => {
                Self::Field(field.clone(), ValueMatcher::compile(test, segment)?)
            }
            Rule::Custom { field, test } => Self::Field(
                Field::Custom(field.clone()),
                ValueMatcher::compile(test, segment)?,
            ),
            Rule::Date { field, window } => Self::Field(field.field(), ValueMatcher::Date(*window)),
            Rule::Consent(p) => Self::Consent(p.clone()),
            Rule::Activity { measure, cmp } => Self::Activity(measure.clone(), *cmp),
        })
    }

    fn needs_activity(&self) -> bool {
        match self {
            Self::All(n) | Self::Any(n) => n.iter().any(Self::needs_activity),
            Self::Not(n) => n.needs_activity(),
            Self::Activity(..) => true,
            _ => false,
        }
    }

    fn eval(&self, c: &Customer, s: &ActivitySummary) -> bool {
        let as_of = s.as_of();
        match self {
            Self::All(n) => n.iter().all(|n| n.eval(c, s)),
            Self::Any(n) => n.iter().any(|n| n.eval(c, s)),
            Self::Not(n) => !n.eval(c, s),
            Self::Kind(k) => c.kind == *k,
            Self::Name(m) => m.test(&c.display_name()),
            Self::Field(field, m) => field.values(c).iter().any(|v| m.test(v, as_of)),
            Self::Consent(p) => may_contact(c, p, as_of),
            Self::Activity(measure, cmp) => measure.value(s).is_some_and(|v| cmp.test(v)),
        }
    }
}

impl ValueMatcher {
    fn compile(test: &ValueTest, segment: &str) -> Result<Self> {
        Ok(match test {
            ValueTest::Present => Self::Present,
            ValueTest::Text(t) => Self::Text(TextMatcher::compile(t, segment)?),
            ValueTest::Number(c) => Self::Number(*c),
            ValueTest::Bool(b) => Self::Bool(*b),
            ValueTest::Date(w) => Self::Date(*w),
        })
    }

    fn test(&self, v: &CustomValue, as_of: DateTime<Utc>) -> bool {
        match (self, v) {
            (Self::Present, _) => true,
            (Self::Text(m), v) => m.test(&v.to_text()),
            (Self::Number(c), CustomValue::Integer(i)) => c.test(*i as f64),
            (Self::Number(c), CustomValue::Float(f)) => c.test(*f),
            (Self::Bool(b), CustomValue::Bool(v)) => b == v,
            (Self::Date(w), CustomValue::Date(d)) => w.contains(*d, as_of.date_naive()),
            (Self::Date(w), CustomValue::Timestamp(t)) => {
                w.contains(t.date_naive(), as_of.date_naive())
            }
            _ => false,
        }
    }
}

impl Segment {
    /// A segment that is not for marketing.
    ///
    /// ```
    /// use clientele::segment::{Rule, Segment, TextTest};
    /// let s = Segment::new("vip", Rule::Tag(TextTest::Eq("vip".into())));
    /// assert!(!s.marketing);
    /// ```
    pub fn new(name: impl Into<String>, rule: Rule) -> Self {
        Self {
            name: name.into(),
            marketing: false,
            rule,
        }
    }

    /// The same segment, marked for marketing (see [`Segment`]).
    ///
    /// ```
    /// use clientele::segment::{Rule, Segment};
    /// assert!(Segment::new("all", Rule::All(vec![])).for_marketing().marketing);
    /// ```
    pub fn for_marketing(mut self) -> Self {
        self.marketing = true;
        self
    }

    /// Checks the segment and compiles its regular expressions, once, for evaluation.
    ///
    /// # Errors
    /// [`Error::InvalidRegex`] when a pattern does not compile or its compiled form would
    /// exceed 1 MiB; [`Error::InvalidSegment`] when the rule nests deeper than
    /// [`MAX_RULE_DEPTH`].
    ///
    /// ```
    /// use clientele::segment::{Rule, Segment, TextTest};
    /// use clientele::Error;
    /// let bad = Segment::new("broken", Rule::Tag(TextTest::Regex("vip(".into())));
    /// assert!(matches!(bad.compile(), Err(Error::InvalidRegex { .. })));
    /// ```
    pub fn compile(&self) -> Result<CompiledSegment> {
        Ok(CompiledSegment {
            name: self.name.clone(),
            marketing: self.marketing,
            root: Node::compile(&self.rule, &self.name, 0)?,
        })
    }
}

/// A segment ready to evaluate ([`Segment::compile`]). Cheap to share across threads.
///
/// ```
/// use clientele::segment::{ActivitySummary, Rule, Segment, TextTest};
/// use clientele::{Customer, CustomerId, CustomerKind};
/// use chrono::Utc;
/// let vip = Segment::new("vip", Rule::Tag(TextTest::Eq("VIP".into()))).compile()?;
/// let c = Customer::builder(CustomerId::new("C1")?, CustomerKind::Person).tag("vip").build();
/// assert!(vip.matches(&c, &ActivitySummary::new([], [], Utc::now())));
/// # Ok::<(), clientele::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct CompiledSegment {
    name: String,
    marketing: bool,
    root: Node,
}

impl CompiledSegment {
    /// The segment's name.
    ///
    /// ```
    /// use clientele::segment::{Rule, Segment};
    /// assert_eq!(Segment::new("all", Rule::All(vec![])).compile()?.name(), "all");
    /// # Ok::<(), clientele::Error>(())
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether the segment is for marketing.
    ///
    /// ```
    /// use clientele::segment::{Rule, Segment};
    /// assert!(Segment::new("all", Rule::All(vec![])).for_marketing().compile()?.is_marketing());
    /// # Ok::<(), clientele::Error>(())
    /// ```
    pub fn is_marketing(&self) -> bool {
        self.marketing
    }

    /// Whether the rule looks at activity (if not, evaluation over a store reads no activity).
    ///
    /// ```
    /// use clientele::segment::{Cmp, Measure, Rule, Segment, TextTest};
    /// let tags = Segment::new("t", Rule::Tag(TextTest::Present)).compile()?;
    /// assert!(!tags.needs_activity());
    /// let buyers = Segment::new("b", Rule::Activity {
    ///     measure: Measure::Purchases { within_days: None }, cmp: Cmp::Ge(1.0),
    /// }).compile()?;
    /// assert!(buyers.needs_activity());
    /// # Ok::<(), clientele::Error>(())
    /// ```
    pub fn needs_activity(&self) -> bool {
        self.root.needs_activity()
    }

    /// Whether a customer, with its activity summarised as of the evaluation date, belongs.
    /// Runs in time linear in the rule's size (and the customer's tags and addresses).
    ///
    /// ```
    /// use clientele::segment::{ActivitySummary, Rule, Segment};
    /// use clientele::{Customer, CustomerId, CustomerKind};
    /// use chrono::Utc;
    /// let firms = Segment::new("firms", Rule::Kind(CustomerKind::Company)).compile()?;
    /// let c = Customer::builder(CustomerId::new("C1")?, CustomerKind::Company).build();
    /// assert!(firms.matches(&c, &ActivitySummary::new([], [], Utc::now())));
    /// // Not for marketing without consent.
    /// let mailing = Segment::new("firms", Rule::Kind(CustomerKind::Company)).for_marketing().compile()?;
    /// assert!(!mailing.matches(&c, &ActivitySummary::new([], [], Utc::now())));
    /// # Ok::<(), clientele::Error>(())
    /// ```
    pub fn matches(&self, customer: &Customer, activity: &ActivitySummary) -> bool {
        if self.marketing && !may_contact(customer, &ConsentPurpose::Marketing, activity.as_of()) {
            return false;
        }
        self.root.eval(customer, activity)
    }

    /// The ids of the customers of a slice who belong as of `as_of`, in slice order, evaluated
    /// in parallel (rayon). Activity is taken from the two slices, grouped by customer id
    /// (items of customers not in `customers` are ignored).
    ///
    /// ```
    /// use clientele::segment::{Cmp, Measure, Rule, Segment};
    /// use clientele::model::{CurrencyCode, Money, Transaction};
    /// use clientele::{Customer, CustomerId, CustomerKind};
    /// use chrono::{TimeZone, Utc};
    /// let as_of = Utc.with_ymd_and_hms(2024, 6, 1, 0, 0, 0).unwrap();
    /// let buyers = Segment::new("buyers", Rule::Activity {
    ///     measure: Measure::Purchases { within_days: Some(30) }, cmp: Cmp::Ge(1.0),
    /// }).compile()?;
    /// let ids = ["C1", "C2"].map(|i| CustomerId::new(i).unwrap());
    /// let customers = ids.clone().map(|id| Customer::builder(id, CustomerKind::Person).build());
    /// let tx = Transaction::new(
    ///     ids[1].clone(),
    ///     Utc.with_ymd_and_hms(2024, 5, 20, 0, 0, 0).unwrap(),
    ///     Money {
    ///         minor_units: 100,
    ///         currency: CurrencyCode::new("CNY")?,
    ///     },
    /// );
    /// assert_eq!(buyers.select(&customers, &[tx], &[], as_of), vec![ids[1].clone()]);
    /// # Ok::<(), clientele::Error>(())
    /// ```
    pub fn select(
        &self,
        customers: &[Customer],
        transactions: &[Transaction],
        interactions: &[Interaction],
        as_of: DateTime<Utc>,
    ) -> Vec<CustomerId> {
        map_slices(customers, transactions, interactions, as_of, |c, s| {
            self.matches(c, s).then(|| c.id.clone())
        })
        .into_iter()
        .flatten()
        .collect()
    }

    /// The ids of the store's customers who belong as of `as_of`, in id order. The store is
    /// read in batches of `batch_size` records (keyset scan); each batch is evaluated in
    /// parallel (rayon), reading each customer's activity only when the rule needs it. Memory
    /// holds one batch and the result.
    ///
    /// # Errors
    /// The store's errors (the first one met).
    ///
    /// ```
    /// use clientele::segment::{Rule, Segment, TextTest};
    /// use clientele::store::{CustomerStore, MemoryStore};
    /// use clientele::{Customer, CustomerId, CustomerKind};
    /// use chrono::Utc;
    /// let store = MemoryStore::new();
    /// for (id, tag) in [("C1", "vip"), ("C2", "new"), ("C3", "vip")] {
    ///     store.put(Customer::builder(CustomerId::new(id)?, CustomerKind::Person).tag(tag).build())?;
    /// }
    /// let vip = Segment::new("vip", Rule::Tag(TextTest::Eq("vip".into()))).compile()?;
    /// let ids = vip.select_store(&store, Utc::now(), 2)?;
    /// assert_eq!(ids, vec![CustomerId::new("C1")?, CustomerId::new("C3")?]);
    /// # Ok::<(), clientele::Error>(())
    /// ```
    pub fn select_store<S>(
        &self,
        store: &S,
        as_of: DateTime<Utc>,
        batch_size: usize,
    ) -> Result<Vec<CustomerId>>
    where
        S: CustomerStore + ?Sized,
        Error: From<S::Error>,
    {
        let hits = map_store(store, batch_size, as_of, self.needs_activity(), |c, s| {
            self.matches(c, s).then(|| c.id.clone())
        })?;
        Ok(hits.into_iter().flatten().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn a_leap_day_birthday_counts_a_year_on_the_first_of_march() {
        assert_eq!(whole_years(d(2000, 2, 29), d(2001, 2, 28)), Some(0));
        assert_eq!(whole_years(d(2000, 2, 29), d(2001, 3, 1)), Some(1));
        assert_eq!(whole_years(d(2000, 2, 29), d(2004, 2, 29)), Some(4));
        assert_eq!(whole_years(d(2000, 1, 1), d(1999, 12, 31)), None);
    }

    #[test]
    fn anniversaries_wrap_the_year_and_move_leap_days_to_march() {
        let w = |n| DateWindow::AnniversaryWithinDays(n);
        assert!(w(0).contains(d(1990, 6, 30), d(2024, 6, 30)));
        assert!(!w(0).contains(d(1990, 6, 29), d(2024, 6, 30)));
        assert!(w(5).contains(d(1980, 1, 2), d(2023, 12, 29)));
        assert!(!w(3).contains(d(1980, 1, 2), d(2023, 12, 29)));
        assert!(w(0).contains(d(2000, 2, 29), d(2023, 3, 1)));
        assert!(w(0).contains(d(2000, 2, 29), d(2024, 2, 29)));
        assert!(!w(0).contains(d(2000, 2, 29), d(2023, 2, 28)));
    }

    #[test]
    fn windows_at_the_ends_of_the_calendar_do_not_panic() {
        let (lo, hi) = (NaiveDate::MIN, NaiveDate::MAX);
        for w in [
            DateWindow::LastDays(u32::MAX),
            DateWindow::OlderThanDays(u32::MAX),
            DateWindow::Years {
                min: Some(u32::MAX),
                max: None,
            },
        ] {
            let _ = (w.contains(lo, hi), w.contains(hi, lo), w.contains(lo, lo));
        }
        assert!(DateWindow::LastDays(u32::MAX).contains(lo, lo));
    }

    #[test]
    fn text_tests_fold_case_and_trim_but_regexes_see_the_text_as_written() {
        let eq = TextMatcher::compile(&TextTest::Eq(" VIP ".into()), "s");
        assert!(eq.is_ok_and(|m| m.test("vip")));
        let re = TextMatcher::compile(&TextTest::Regex("^VIP$".into()), "s");
        assert!(re.is_ok_and(|m| !m.test("vip") && m.test("VIP")));
        let present = TextMatcher::Present;
        assert!(!present.test("  ") && present.test("x"));
    }
}
