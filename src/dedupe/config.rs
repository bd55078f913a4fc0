//! Comparisons and blocking rules as data: what a run compares, how it grades each comparison
//! into levels, and which records it compares at all.
//!
//! A [`DedupeConfig`] is plain serde data. Its default is what the detector has always done
//! (the eleven built-in comparisons and every built-in blocking rule); a caller adds
//! comparisons of any field of the field model ([`Field`], built-in or custom), each graded by
//! [`Level`]s that carry their own thresholds and labels, and blocking rules that compose keys
//! with [`Blocking::And`] and [`Blocking::Or`]. The configuration is saved with the trained
//! model ([`super::TrainedModel::config`]).
//!
//! ```
//! use clientele::dedupe::{Blocking, BlockingRule, Comparison, DedupeConfig, Evidence, Level};
//! use clientele::model::Field;
//!
//! let mut config = DedupeConfig::default();
//! config.comparisons.push(Comparison::field(
//!     Field::parse("loyalty_card"),
//!     vec![Level::Exact, Level::Levenshtein { at_most: 1 }],
//! ).evidence(Evidence::Identifier));
//! config.blocking.push(Blocking::Field(Field::parse("loyalty_card")));
//! config.blocking.push(Blocking::And(vec![
//!     Blocking::Rule(BlockingRule::BirthDate),
//!     Blocking::Field(Field::Postcode),
//! ]));
//! config.check()?;
//! let json = serde_json::to_string(&config)?;
//! assert_eq!(serde_json::from_str::<DedupeConfig>(&json)?, config);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use serde::{Deserialize, Serialize};

use super::blocking::BlockingRule;
use super::compare::BuiltIn;
use crate::error::Error;
use crate::model::Field;

/// What a run compares and blocks on. The default is the detector's zero-configuration
/// behaviour: [`BuiltIn::ALL`] as comparisons and [`BlockingRule::ALL`] as blocking rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DedupeConfig {
    /// The comparisons, in the order they are weighed and explained.
    pub comparisons: Vec<Comparison>,
    /// The blocking rules: two records are compared when they share a key of at least one.
    #[serde(default = "default_blocking")]
    pub blocking: Vec<Blocking>,
}

fn default_blocking() -> Vec<Blocking> {
    BlockingRule::ALL
        .iter()
        .map(|&r| Blocking::Rule(r))
        .collect()
}

impl Default for DedupeConfig {
    fn default() -> Self {
        Self {
            comparisons: BuiltIn::ALL
                .iter()
                .map(|&name| Comparison::Builtin { name })
                .collect(),
            blocking: default_blocking(),
        }
    }
}

/// One comparison: a built-in one with its own logic, or a field graded by levels.
///
/// In JSON, `{"kind": "builtin", "name": "email"}` or
/// `{"kind": "field", "field": "loyalty_card", "levels": [{"kind": "exact"}]}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Comparison {
    /// A built-in comparison (docs/DEDUPE.md §3): names in either order and across scripts,
    /// mailboxes built from the name, postcode, locality and region read as one place, ...
    Builtin {
        /// Which one.
        name: BuiltIn,
    },
    /// A field of the field model, graded by levels.
    Field(FieldComparison),
}

impl Comparison {
    /// A comparison of `field` graded by `levels` (tried in order: a pair's level is the first
    /// that holds), named after the field, its agreement one group of evidence of its own.
    ///
    /// ```
    /// use clientele::dedupe::{Comparison, Level};
    /// use clientele::model::Field;
    /// let c = Comparison::field(Field::parse("wechat"), vec![Level::Exact]);
    /// assert_eq!(c.name(), "wechat");
    /// ```
    pub fn field(field: Field, levels: Vec<Level>) -> Self {
        Self::Field(FieldComparison {
            name: None,
            field,
            levels,
            evidence: Evidence::Group,
        })
    }

    /// The same comparison with another evidence role (field comparisons only; a built-in
    /// comparison keeps its own).
    #[must_use]
    pub fn evidence(mut self, evidence: Evidence) -> Self {
        if let Self::Field(f) = &mut self {
            f.evidence = evidence;
        }
        self
    }

    /// The comparison's name in explanations and the saved model.
    pub fn name(&self) -> &str {
        match self {
            Self::Builtin { name } => name.name(),
            Self::Field(f) => f.name(),
        }
    }
}

/// A comparison of one field of the field model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldComparison {
    /// The name in explanations and the saved model (default: the field's name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The field compared: any field of the field model that holds values to compare (not
    /// `id` or `kind`), a custom one by its name.
    pub field: Field,
    /// The agreement levels, tried in order: a pair's level is the first that holds for any
    /// value of one record and any of the other. "missing" (one side has no value) and
    /// "different" (no level holds) are added around them.
    pub levels: Vec<Level>,
    /// What an agreement counts as for the evidence a match needs (docs/DEDUPE.md §4).
    #[serde(default)]
    pub evidence: Evidence,
}

impl FieldComparison {
    /// The comparison's name: its own, or the field's.
    pub fn name(&self) -> &str {
        self.name.as_deref().unwrap_or_else(|| self.field.name())
    }
}

/// What a field comparison's agreement (any level but "different") counts as for the evidence
/// a match needs (docs/DEDUPE.md §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Evidence {
    /// An independent group of facts, as the birth date or the address are: with another
    /// group, enough.
    #[default]
    Group,
    /// An identifier, as a phone or national ID is: enough on its own (a loyalty card number,
    /// a WeChat id).
    Identifier,
    /// Weighed by the model, never evidence.
    None,
}

/// One agreement level of a field comparison: its test, its threshold and so its label.
///
/// ```
/// use clientele::dedupe::Level;
/// assert_eq!(Level::JaroWinkler { at_least: 0.9 }.label(), "jaro_winkler>=0.90");
/// assert_eq!(Level::DaysWithin { days: 30 }.label(), "days<=30");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Level {
    /// Equal normalized keys.
    Exact,
    /// Jaro-Winkler similarity of the keys at least `at_least` (0 to 1).
    JaroWinkler {
        /// The threshold.
        at_least: f64,
    },
    /// Levenshtein distance of the keys (in characters) at most `at_most`.
    Levenshtein {
        /// The most edits.
        at_most: u32,
    },
    /// Dates (or the days of timestamps) at most `days` apart.
    DaysWithin {
        /// The most days apart.
        days: u32,
    },
    /// Numbers at most `at_most` apart.
    NumberWithin {
        /// The largest difference.
        at_most: f64,
    },
}

impl Level {
    /// The level's label in explanations and the saved model, from its kind and threshold.
    pub fn label(&self) -> String {
        match *self {
            Self::Exact => "exact".to_owned(),
            Self::JaroWinkler { at_least } => format!("jaro_winkler>={at_least:.2}"),
            Self::Levenshtein { at_most } => format!("levenshtein<={at_most}"),
            Self::DaysWithin { days } => format!("days<={days}"),
            Self::NumberWithin { at_most } => format!("difference<={at_most}"),
        }
    }

    /// Why the level cannot be used, if it cannot.
    fn problem(&self) -> Option<&'static str> {
        match *self {
            Self::JaroWinkler { at_least } if !(0.0..=1.0).contains(&at_least) => {
                Some("a Jaro-Winkler threshold is from 0 to 1")
            }
            Self::NumberWithin { at_most } if !(at_most.is_finite() && at_most >= 0.0) => {
                Some("a number difference is finite and at least 0")
            }
            _ => None,
        }
    }
}

/// A blocking rule as data: a built-in rule, a field's keys, or keys composed of others.
///
/// Two records are compared when they share a key. [`Blocking::And`] keys are one key of each
/// part together (records share one when they share a key of every part), [`Blocking::Or`]
/// keys those of any part.
///
/// ```
/// use clientele::dedupe::{Blocking, BlockingRule};
/// use clientele::model::Field;
/// let rule = Blocking::And(vec![Blocking::Rule(BlockingRule::BirthDate), Blocking::Field(Field::Postcode)]);
/// assert_eq!(rule.name(), "birth_date&postcode");
/// assert_eq!(serde_json::to_string(&rule)?, r#"{"and":[{"rule":"birth_date"},{"field":"postcode"}]}"#);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Blocking {
    /// A built-in rule.
    Rule(BlockingRule),
    /// The normalized values of a field of the field model.
    Field(Field),
    /// A key of every part.
    And(Vec<Blocking>),
    /// A key of any part.
    Or(Vec<Blocking>),
}

impl Blocking {
    /// The rule's name in reports and store keys (`dd_<name>`): a built-in rule's or a field's
    /// name, parts joined by `&` (and) or `|` (or), nested ones in parentheses.
    pub fn name(&self) -> String {
        let join = |parts: &[Blocking], sep: &str| {
            parts
                .iter()
                .map(|p| match p {
                    Self::And(_) | Self::Or(_) => format!("({})", p.name()),
                    _ => p.name(),
                })
                .collect::<Vec<_>>()
                .join(sep)
        };
        match self {
            Self::Rule(r) => r.name().to_owned(),
            Self::Field(f) => f.name().to_owned(),
            Self::And(parts) => join(parts, "&"),
            Self::Or(parts) => join(parts, "|"),
        }
    }

    fn problem(&self) -> Option<String> {
        match self {
            Self::Rule(_) => None,
            Self::Field(f) => field_problem(f).map(str::to_owned),
            Self::And(parts) | Self::Or(parts) if parts.is_empty() => {
                Some("an `and` or `or` needs at least one part".to_owned())
            }
            Self::And(parts) | Self::Or(parts) => parts.iter().find_map(Blocking::problem),
        }
    }
}

/// Why a field cannot be compared or blocked on, if it cannot.
fn field_problem(f: &Field) -> Option<&'static str> {
    match f {
        Field::Id | Field::Kind => Some("the record's id and kind are not compared"),
        Field::Custom(name) if name.trim().is_empty() => Some("a custom field needs a name"),
        _ => None,
    }
}

/// The most comparisons a configuration may hold.
pub const MAX_COMPARISONS: usize = 20;

/// The most level combinations a configuration may have (the product of every comparison's
/// level count, "missing" and "different" included): a pair's levels are packed into 31 bits.
pub const MAX_PATTERNS: u64 = 1 << 31;

impl DedupeConfig {
    /// Checks the configuration: at least one comparison, at most [`MAX_COMPARISONS`], names
    /// not repeated, every field comparison on a comparable field with at least one level,
    /// labels not repeated within it, thresholds in range, at most [`MAX_PATTERNS`] level
    /// combinations, every blocking rule well formed. The detector checks it when it runs.
    ///
    /// # Errors
    /// [`Error::InvalidSetting`] for the setting `comparisons` or `blocking`, naming the
    /// comparison or rule and what is wrong.
    ///
    /// ```
    /// use clientele::dedupe::{Comparison, DedupeConfig, Level};
    /// use clientele::model::Field;
    /// let mut config = DedupeConfig::default();
    /// config.comparisons.push(Comparison::field(Field::Id, vec![Level::Exact]));
    /// let err = config.check().unwrap_err().to_string();
    /// assert!(err.contains("id"), "{err}");
    /// ```
    pub fn check(&self) -> Result<(), Error> {
        let bad = |setting: &str, value: &str, reason: String| Error::InvalidSetting {
            setting: setting.to_owned(),
            reason,
            value: value.to_owned(),
        };
        if self.comparisons.is_empty() || self.comparisons.len() > MAX_COMPARISONS {
            return Err(bad(
                "comparisons",
                &self.comparisons.len().to_string(),
                format!("from 1 to {MAX_COMPARISONS} comparisons"),
            ));
        }
        let mut names: Vec<&str> = Vec::new();
        let mut product: u64 = 1;
        for c in &self.comparisons {
            let name = c.name();
            if names.contains(&name) {
                return Err(bad(
                    "comparisons",
                    name,
                    "a comparison named twice".to_owned(),
                ));
            }
            names.push(name);
            let levels = match c {
                Comparison::Builtin { name } => name.labels().len(),
                Comparison::Field(f) => {
                    if let Some(p) = field_problem(&f.field) {
                        return Err(bad(
                            "comparisons",
                            name,
                            format!("field `{}`: {p}", f.field.name()),
                        ));
                    }
                    if f.levels.is_empty() || f.levels.len() > 200 {
                        return Err(bad("comparisons", name, "from 1 to 200 levels".to_owned()));
                    }
                    if let Some(p) = f.levels.iter().find_map(Level::problem) {
                        return Err(bad("comparisons", name, p.to_owned()));
                    }
                    let labels: Vec<String> = f.levels.iter().map(Level::label).collect();
                    if let Some(l) = labels
                        .iter()
                        .enumerate()
                        .find_map(|(i, l)| labels.get(..i)?.contains(l).then_some(l))
                    {
                        return Err(bad("comparisons", name, format!("the level `{l}` twice")));
                    }
                    f.levels.len() + 2
                }
            };
            product = product.saturating_mul(levels as u64);
        }
        if product > MAX_PATTERNS {
            return Err(bad(
                "comparisons",
                &product.to_string(),
                format!(
                    "more than {MAX_PATTERNS} combinations of levels (the product of every \
                     comparison's level count): drop a comparison or some levels"
                ),
            ));
        }
        if self.blocking.is_empty() {
            return Err(bad(
                "blocking",
                "[]",
                "at least one blocking rule".to_owned(),
            ));
        }
        for b in &self.blocking {
            if let Some(p) = b.problem() {
                return Err(bad("blocking", &b.name(), p));
            }
        }
        Ok(())
    }
}
