//! Normalization: explainable, idempotent rules that turn messy input into canonical values and
//! match keys, for Chinese and Latin-script data.
//!
//! A [`Normalizer`] is an ordered list of named [`Rule`]s. Each rule applies to some
//! [`FieldKind`]s and runs in one of two [`Stage`]s:
//! - **canonical** rules produce the value a clean record stores (`（北京）華為技術有限公司` →
//!   `(北京)華為技術有限公司`: width and brackets fixed, script and legal form kept);
//! - **key** rules run after them and produce the match key that comparison and blocking use
//!   (`华为技术`: simplified script, legal form and region removed, kept as structured values).
//!
//! Callers list the rules ([`Normalizer::rules`]), switch them off and on, reorder them and add
//! their own. Every call can record a trace of the rules that changed the value, so a user can
//! see why two values matched. Normalizing a canonical value again changes nothing, and the key
//! of a key is itself (property-tested).
//!
//! ```
//! use clientele::normalize::{FieldKind, Normalizer};
//! let n = Normalizer::default();
//! let a = n.normalize(FieldKind::CompanyName, "（北京）華為技術有限公司");
//! let b = n.normalize(FieldKind::CompanyName, "华为技术有限责任公司");
//! assert_eq!(a.key, b.key);
//! assert_eq!(a.parts.legal_form.as_deref(), Some("有限公司"));
//! assert_eq!(a.parts.region.as_deref(), Some("北京"));
//! // Why: the trace names each rule that changed the value.
//! let traced = n.normalize_traced(FieldKind::CompanyName, "（北京）華為技術有限公司");
//! assert!(traced.trace.iter().any(|s| s.rule == "key.traditional_to_simplified"));
//! ```

mod address;
pub(crate) mod chinese;
mod company;
mod email;
mod match_keys;
mod person;
pub mod phone;
mod record;
mod rules;
mod text;

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::model::{Field, ValueType, mask_value};

pub use address::NormalizedAddress;
pub use chinese::{pinyin_of_char, split_chinese_name, to_simplified};
pub use email::{EmailError, NormalizedEmail};
pub(crate) use match_keys::bounded;
pub use match_keys::{MatchKeys, PHONE_TAIL_DIGITS, national_id_key, phone_tail};
pub use person::{NormalizedPersonName, person_pinyin_word};
pub use phone::{NormalizedPhone, PhoneError, PhoneFormat, PhoneKind};
pub use record::{FieldChange, NormalizedRecord};

/// The kind of value a rule applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum FieldKind {
    /// A person's name (whole or one part).
    PersonName,
    /// A company's name.
    CompanyName,
    /// A phone number (text rules only; parsing to E.164 is [`Normalizer::phone`]).
    Phone,
    /// An email address (text rules only; structure is [`Normalizer::email`]).
    Email,
    /// One address line or part.
    Address,
    /// Any other free text.
    Text,
}

impl FieldKind {
    /// Every kind, in declaration order.
    pub const ALL: &'static [FieldKind] = &[
        FieldKind::PersonName,
        FieldKind::CompanyName,
        FieldKind::Phone,
        FieldKind::Email,
        FieldKind::Address,
        FieldKind::Text,
    ];

    /// The kind of rules that normalize a field's values, from its value type in the field
    /// model: names, phones, emails and address parts by their own rules, anything else
    /// (custom fields included) as text.
    ///
    /// ```
    /// use clientele::model::Field;
    /// use clientele::normalize::FieldKind;
    /// assert_eq!(FieldKind::of(&Field::GivenName), FieldKind::PersonName);
    /// assert_eq!(FieldKind::of(&Field::Postcode), FieldKind::Address);
    /// assert_eq!(FieldKind::of(&Field::Custom("wechat".into())), FieldKind::Text);
    /// ```
    pub fn of(field: &Field) -> Self {
        match field.spec().value {
            ValueType::PersonName => Self::PersonName,
            ValueType::CompanyName => Self::CompanyName,
            ValueType::Phone => Self::Phone,
            ValueType::Email => Self::Email,
            ValueType::AddressPart | ValueType::Postcode => Self::Address,
            _ => Self::Text,
        }
    }
}

/// When a rule runs: on the way to the canonical value, or from there to the match key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Shapes the value a clean record stores.
    Canonical,
    /// Shapes the key used for comparison and blocking (starts from the canonical value).
    Key,
}

/// Structured values that rules take out of a value and keep beside it.
///
/// ```
/// use clientele::normalize::{FieldKind, Normalizer};
/// let n = Normalizer::default();
/// let r = n.normalize(FieldKind::PersonName, "Dr. Anna Müller");
/// assert_eq!(r.parts.honorifics, vec!["dr".to_string()]);
/// assert_eq!(r.key, "anna muller");
/// ```
///
/// `Debug` shows the legal form and the honorifics (vocabulary) and masks the region and the
/// branch (parts of a name).
#[derive(Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Parts {
    /// A company's legal form as found (`有限公司`, `ltd`, `gmbh`), normalized.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_form: Option<String>,
    /// A region named in a company's name (`北京`, `shenzhen`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// A branch named in a company's name (`广州分公司`, `london branch`); kept in the key too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch: Option<String>,
    /// Titles and honorifics removed from a person's name (`mr`, `先生`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub honorifics: Vec<String>,
}

/// A rule's context for one value: the field kind and the structured parts found so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Context {
    /// The kind of value being normalized.
    pub kind: FieldKind,
    /// Parts rules have taken out so far.
    pub parts: Parts,
}

/// A named normalization rule.
///
/// Implement it to add your own; a rule must be **idempotent** (applying it to its own output
/// changes nothing) and must return `None` when it changes nothing, so traces stay short.
///
/// ```
/// use clientele::normalize::{Context, FieldKind, Normalizer, Rule, Stage};
///
/// /// Drops a trailing "(inactive)" marker some CRMs append to names.
/// #[derive(Debug)]
/// struct DropInactive;
/// impl Rule for DropInactive {
///     fn name(&self) -> &str { "custom.drop_inactive" }
///     fn stage(&self) -> Stage { Stage::Canonical }
///     fn applies_to(&self, kind: FieldKind) -> bool { kind == FieldKind::CompanyName }
///     fn apply(&self, value: &str, _ctx: &mut Context) -> Option<String> {
///         value.strip_suffix(" (inactive)").map(str::to_owned)
///     }
/// }
///
/// let mut n = Normalizer::default();
/// n.insert_first(DropInactive);
/// assert_eq!(n.normalize(FieldKind::CompanyName, "Acme Ltd (inactive)").canonical, "Acme Ltd");
/// ```
pub trait Rule: Send + Sync + fmt::Debug {
    /// A stable name (`text.nfkc`, `company.legal_form`), used to list, disable and trace.
    fn name(&self) -> &str;
    /// The stage it runs in (read once, when the rule is added).
    fn stage(&self) -> Stage;
    /// Whether it applies to a field kind (read once per kind, when the rule is added).
    fn applies_to(&self, kind: FieldKind) -> bool;
    /// Transforms the value, or returns `None` when it changes nothing.
    fn apply(&self, value: &str, ctx: &mut Context) -> Option<String>;
    /// A one-line description for listings.
    fn description(&self) -> &str {
        ""
    }
}

/// One change recorded in a trace. `Debug` masks the values before and after.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceStep {
    /// The rule's name.
    pub rule: String,
    /// The stage it ran in.
    pub stage: Stage,
    /// The value before.
    pub before: String,
    /// The value after.
    pub after: String,
}

/// The result of normalizing one value. `Debug` masks the canonical value and the key (and the
/// values of the trace).
#[derive(Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Normalized {
    /// What a clean record stores.
    pub canonical: String,
    /// What comparison and blocking use.
    pub key: String,
    /// Structured values taken out on the way.
    pub parts: Parts,
    /// The rules that changed the value, in order (empty unless traced).
    pub trace: Vec<TraceStep>,
}

impl fmt::Debug for Parts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = |p: &Option<String>| p.as_deref().map(mask_value);
        f.debug_struct("Parts")
            .field("legal_form", &self.legal_form)
            .field("region", &m(&self.region))
            .field("branch", &m(&self.branch))
            .field("honorifics", &self.honorifics)
            .finish()
    }
}

impl fmt::Debug for TraceStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TraceStep")
            .field("rule", &self.rule)
            .field("stage", &self.stage)
            .field("before", &mask_value(&self.before))
            .field("after", &mask_value(&self.after))
            .finish()
    }
}

impl fmt::Debug for Normalized {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Normalized")
            .field("canonical", &mask_value(&self.canonical))
            .field("key", &mask_value(&self.key))
            .field("parts", &self.parts)
            .field("trace", &self.trace)
            .finish()
    }
}

#[derive(Debug, Clone)]
struct Slot {
    rule: Arc<dyn Rule>,
    enabled: bool,
    /// One of [`rules::default_rules`] (not a caller's rule, whatever its name).
    builtin: bool,
}

/// Built-in rules that leave a value of ASCII digits and `-.()/+` separated by single spaces
/// (no space at either end) unchanged: with only these in its canonical stage, a phone of that
/// form is its own canonical value (see [`Normalizer::phone_plain_is_canonical`]).
const PLAIN_PHONE_RULES: [&str; 4] = [
    "text.nfkc",
    "text.strip_invisible",
    "text.unify_punctuation",
    "text.collapse_spaces",
];

/// An ordered, editable list of rules; see the [module docs](self).
///
/// `Normalizer::default()` holds the default rules (listed in `docs/NORMALIZATION.md`);
/// `Normalizer::empty()` holds none. Cloning is cheap (rules are shared).
#[derive(Debug, Clone)]
pub struct Normalizer {
    slots: Vec<Slot>,
    /// Per kind and stage (see [`plan_index`]), the enabled slots that run, in order: worked
    /// out whenever the rules change, so that a value does not ask every rule whether it
    /// applies.
    plan: Vec<Vec<usize>>,
    /// Whether the phone canonical stage runs only [`PLAIN_PHONE_RULES`] (worked out with the
    /// plan).
    phone_plain_is_canonical: bool,
}

/// Where the slots of a kind and a stage are in [`Normalizer`]'s plan.
fn plan_index(kind: FieldKind, stage: Stage) -> usize {
    (kind as usize) * 2 + stage as usize
}

/// A listing entry of [`Normalizer::rules`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleInfo {
    /// The rule's name.
    pub name: String,
    /// Its stage.
    pub stage: Stage,
    /// Whether it currently runs.
    pub enabled: bool,
    /// The kinds it applies to.
    pub kinds: Vec<FieldKind>,
    /// Its description.
    pub description: String,
}

impl Default for Normalizer {
    fn default() -> Self {
        let mut n = Self {
            slots: rules::default_rules()
                .into_iter()
                .map(|rule| Slot {
                    rule,
                    enabled: true,
                    builtin: true,
                })
                .collect(),
            plan: Vec::new(),
            phone_plain_is_canonical: false,
        };
        n.replan();
        n
    }
}

impl Normalizer {
    /// A normalizer with no rule at all (values pass through unchanged).
    pub fn empty() -> Self {
        let mut n = Self {
            slots: Vec::new(),
            plan: Vec::new(),
            phone_plain_is_canonical: false,
        };
        n.replan();
        n
    }

    /// Works out which slots run for each kind and stage (after any change to the rules).
    fn replan(&mut self) {
        let mut plan = vec![Vec::new(); FieldKind::ALL.len() * 2];
        for (i, slot) in self.slots.iter().enumerate().filter(|(_, s)| s.enabled) {
            let stage = slot.rule.stage();
            for &kind in FieldKind::ALL {
                if slot.rule.applies_to(kind)
                    && let Some(p) = plan.get_mut(plan_index(kind, stage))
                {
                    p.push(i);
                }
            }
        }
        self.phone_plain_is_canonical = plan
            .get(plan_index(FieldKind::Phone, Stage::Canonical))
            .is_some_and(|p| {
                p.iter().all(|&i| {
                    self.slots
                        .get(i)
                        .is_some_and(|s| s.builtin && PLAIN_PHONE_RULES.contains(&s.rule.name()))
                })
            });
        self.plan = plan;
    }

    /// Lists the rules in the order they run.
    ///
    /// ```
    /// use clientele::normalize::Normalizer;
    /// let names: Vec<String> = Normalizer::default().rules().into_iter().map(|r| r.name).collect();
    /// assert_eq!(names.first().map(String::as_str), Some("text.nfkc"));
    /// ```
    pub fn rules(&self) -> Vec<RuleInfo> {
        self.slots
            .iter()
            .map(|s| RuleInfo {
                name: s.rule.name().to_owned(),
                stage: s.rule.stage(),
                enabled: s.enabled,
                kinds: FieldKind::ALL
                    .iter()
                    .copied()
                    .filter(|k| s.rule.applies_to(*k))
                    .collect(),
                description: s.rule.description().to_owned(),
            })
            .collect()
    }

    fn position(&self, name: &str) -> Option<usize> {
        self.slots.iter().position(|s| s.rule.name() == name)
    }

    /// Switches a rule off; returns whether a rule of that name exists.
    ///
    /// ```
    /// use clientele::normalize::{FieldKind, Normalizer};
    /// let mut n = Normalizer::default();
    /// assert!(n.disable("key.traditional_to_simplified"));
    /// assert_eq!(n.normalize(FieldKind::PersonName, "張偉").key, "張偉");
    /// ```
    pub fn disable(&mut self, name: &str) -> bool {
        self.set_enabled(name, false)
    }

    /// Switches a rule back on; returns whether a rule of that name exists.
    pub fn enable(&mut self, name: &str) -> bool {
        self.set_enabled(name, true)
    }

    fn set_enabled(&mut self, name: &str, enabled: bool) -> bool {
        match self.position(name).and_then(|i| self.slots.get_mut(i)) {
            Some(slot) => {
                slot.enabled = enabled;
                self.replan();
                true
            }
            None => false,
        }
    }

    /// Adds a rule at the end (it runs last in its stage).
    pub fn push(&mut self, rule: impl Rule + 'static) {
        self.slots.push(Slot {
            rule: Arc::new(rule),
            enabled: true,
            builtin: false,
        });
        self.replan();
    }

    /// Adds a rule at the start (it runs first in its stage).
    pub fn insert_first(&mut self, rule: impl Rule + 'static) {
        self.slots.insert(
            0,
            Slot {
                rule: Arc::new(rule),
                enabled: true,
                builtin: false,
            },
        );
        self.replan();
    }

    /// Adds a rule just before the named one; returns `false` (and adds nothing) when no rule
    /// has that name.
    pub fn insert_before(&mut self, name: &str, rule: impl Rule + 'static) -> bool {
        match self.position(name) {
            Some(i) => {
                self.slots.insert(
                    i,
                    Slot {
                        rule: Arc::new(rule),
                        enabled: true,
                        builtin: false,
                    },
                );
                self.replan();
                true
            }
            None => false,
        }
    }

    /// Moves the named rule to run just before another; returns whether both exist.
    ///
    /// ```
    /// use clientele::normalize::Normalizer;
    /// let mut n = Normalizer::default();
    /// assert!(n.move_before("text.collapse_spaces", "text.nfkc"));
    /// assert_eq!(n.rules()[0].name, "text.collapse_spaces");
    /// ```
    pub fn move_before(&mut self, name: &str, before: &str) -> bool {
        let (Some(from), Some(_)) = (self.position(name), self.position(before)) else {
            return false;
        };
        let slot = self.slots.remove(from);
        let to = self.position(before).unwrap_or(self.slots.len());
        self.slots.insert(to, slot);
        self.replan();
        true
    }

    /// Removes the named rule; returns whether it existed.
    pub fn remove(&mut self, name: &str) -> bool {
        match self.position(name) {
            Some(i) => {
                self.slots.remove(i);
                self.replan();
                true
            }
            None => false,
        }
    }

    fn run(&self, kind: FieldKind, value: &str, trace: bool) -> Normalized {
        let mut ctx = Context {
            kind,
            parts: Parts::default(),
        };
        let mut steps = Vec::new();
        let canonical = self
            .run_stage(
                Stage::Canonical,
                Cow::Borrowed(value),
                &mut ctx,
                trace.then_some(&mut steps),
            )
            .into_owned();
        let key = self
            .run_stage(
                Stage::Key,
                Cow::Borrowed(&canonical),
                &mut ctx,
                trace.then_some(&mut steps),
            )
            .into_owned();
        Normalized {
            canonical,
            key,
            parts: ctx.parts,
            trace: steps,
        }
    }

    /// The canonical value alone, as [`Normalizer::normalize`] gives it, borrowing `value` when
    /// no rule changes it: for callers that need neither key nor parts (phone parsing).
    pub(crate) fn canonical<'a>(&self, kind: FieldKind, value: &'a str) -> Cow<'a, str> {
        let mut ctx = Context {
            kind,
            parts: Parts::default(),
        };
        self.run_stage(Stage::Canonical, Cow::Borrowed(value), &mut ctx, None)
    }

    /// Runs one stage's rules (for `ctx.kind`) over `start`, borrowing it until a rule changes
    /// it; each change is recorded in `trace` when there is one.
    fn run_stage<'a>(
        &self,
        stage: Stage,
        start: Cow<'a, str>,
        ctx: &mut Context,
        mut trace: Option<&mut Vec<TraceStep>>,
    ) -> Cow<'a, str> {
        let mut current = start;
        let planned = self
            .plan
            .get(plan_index(ctx.kind, stage))
            .map_or(&[][..], Vec::as_slice);
        for slot in planned.iter().filter_map(|&i| self.slots.get(i)) {
            if let Some(next) = slot.rule.apply(&current, ctx)
                && next != *current
            {
                if let Some(steps) = trace.as_deref_mut() {
                    steps.push(TraceStep {
                        rule: slot.rule.name().to_owned(),
                        stage,
                        before: current.clone().into_owned(),
                        after: next.clone(),
                    });
                }
                current = Cow::Owned(next);
            }
        }
        current
    }

    /// Normalizes one value of a kind: canonical value, key and parts, without a trace.
    pub fn normalize(&self, kind: FieldKind, value: &str) -> Normalized {
        self.run(kind, value, false)
    }

    /// As [`Normalizer::normalize`], recording every rule that changed the value.
    pub fn normalize_traced(&self, kind: FieldKind, value: &str) -> Normalized {
        self.run(kind, value, true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_rule_has_a_unique_name_and_a_description() {
        let rules = Normalizer::default().rules();
        let mut names: Vec<&str> = rules.iter().map(|r| r.name.as_str()).collect();
        names.sort_unstable();
        let n = names.len();
        names.dedup();
        assert_eq!(names.len(), n);
        assert!(rules.iter().all(|r| !r.description.is_empty()));
    }

    #[test]
    fn an_empty_normalizer_passes_values_through() {
        let r = Normalizer::empty().normalize(FieldKind::Text, " Ａ ");
        assert_eq!((r.canonical.as_str(), r.key.as_str()), (" Ａ ", " Ａ "));
    }

    #[test]
    fn unknown_rule_names_are_reported() {
        let mut n = Normalizer::default();
        assert!(!n.disable("no.such.rule"));
        assert!(!n.move_before("no.such.rule", "text.nfkc"));
        assert!(!n.remove("no.such.rule"));
    }
}

/// The whole pipeline against one built from the reference (previous) versions of the rules
/// made faster: the same canonical value, key, parts and trace for every kind.
#[cfg(test)]
mod reference_tests {
    use super::*;
    use crate::model::PersonName;
    use proptest::prelude::*;

    /// A rule running a reference function in place of a built-in one (same name, stage and
    /// kinds).
    #[derive(Debug)]
    struct Reference {
        name: String,
        stage: Stage,
        kinds: Vec<FieldKind>,
        apply: fn(&str, &mut Context) -> Option<String>,
    }

    impl Rule for Reference {
        fn name(&self) -> &str {
            &self.name
        }
        fn stage(&self) -> Stage {
            self.stage
        }
        fn applies_to(&self, kind: FieldKind) -> bool {
            self.kinds.contains(&kind)
        }
        fn apply(&self, value: &str, ctx: &mut Context) -> Option<String> {
            (self.apply)(value, ctx)
        }
    }

    fn reference_normalizer() -> Normalizer {
        let mut n = Normalizer::default();
        for slot in &mut n.slots {
            let apply: fn(&str, &mut Context) -> Option<String> = match slot.rule.name() {
                "text.nfkc" => |s, _| text::tests::nfkc_reference(s),
                "key.casefold" => |s, _| text::tests::casefold_reference(s),
                "key.strip_punctuation" => |s, _| text::tests::strip_punctuation_reference(s),
                "person.honorifics" => person::tests::honorifics_reference,
                "address.abbreviations" => |s, _| address::tests::abbreviations_reference(s),
                "key.traditional_to_simplified" => {
                    |s, _| match chinese::tests::to_simplified_reference(s) {
                        Cow::Borrowed(_) => None,
                        Cow::Owned(o) => Some(o),
                    }
                }
                _ => continue,
            };
            slot.rule = Arc::new(Reference {
                name: slot.rule.name().to_owned(),
                stage: slot.rule.stage(),
                kinds: FieldKind::ALL
                    .iter()
                    .copied()
                    .filter(|k| slot.rule.applies_to(*k))
                    .collect(),
                apply,
            });
        }
        n.replan();
        n
    }

    /// Names, companies and addresses as they come: titles, honorifics, traditional and
    /// full-width characters, abbreviations, odd spacing, and any text.
    const VALUES: &str = "((Dr\\.?|Mr|MRS|Prof\\.|Jr\\.?|Sr|III|PhD|Anna|Müller|José|O'Brien|SMITH|张伟|張偉|歐陽娜娜|李娜|王|先生|女士|小姐|总|老师|華為技術|有限公司|股份有限公司|（北京）|Ltd\\.?|GmbH|Co\\.|12|5a|St\\.?|Rd|Ave|Hauptstr|Bahnhofstr\\.|Main|北京市朝陽區|建國路|88號|ＡＢＣ|１２３|　|[a-zA-Zß]{1,6}|\\PC{1,3})( {0,2}|,|\t)){0,6}";

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]
        #[test]
        fn the_pipeline_agrees_with_the_reference_rules(s in VALUES) {
            let (new, old) = (Normalizer::default(), reference_normalizer());
            for kind in [FieldKind::PersonName, FieldKind::CompanyName, FieldKind::Address, FieldKind::Email, FieldKind::Text] {
                let (a, b) = (new.normalize_traced(kind, &s), old.normalize_traced(kind, &s));
                prop_assert_eq!(a, b, "{:?} {:?}", kind, s);
            }
            let name = PersonName { full: Some(s.clone()), ..PersonName::default() };
            prop_assert_eq!(new.person_name(&name), old.person_name(&name));
            let parts = PersonName { family: Some(s.clone()), given: Some(s.chars().rev().collect()), ..PersonName::default() };
            prop_assert_eq!(new.person_name(&parts), old.person_name(&parts));
        }
    }

    #[test]
    fn the_reference_normalizer_uses_the_reference_rules() {
        let n = reference_normalizer();
        assert_eq!(n.rules().len(), Normalizer::default().rules().len());
        assert_eq!(
            n.normalize(FieldKind::Address, "12 Main St.").key,
            "12 main street"
        );
    }
}
