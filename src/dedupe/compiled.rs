//! A configuration compiled for a run: its comparisons as slots of a pattern, the place of each
//! built-in comparison, the fields prepared records hold keys of, and how patterns pack into
//! 32-bit codes.

use std::borrow::Cow;

use rayon::prelude::*;

use super::blocking::{BlockingRule, KeyedRule};
use super::compare::{BuiltIn, DEFAULT_LEVELS, DEFAULT_STRIDES, IDENTICAL, Pattern};
use super::config::{Blocking, Comparison, DedupeConfig, Evidence, Level, MAX_COMPARISONS};
use super::prepare::Prepared;
use crate::error::Error;
use crate::model::{Customer, Field};
use crate::normalize::Normalizer;

/// What a slot of the pattern compares.
#[derive(Debug, Clone)]
pub(crate) enum SlotKind {
    /// A built-in comparison.
    BuiltIn(BuiltIn),
    /// A field comparison: `at` is the place of its field's keys in [`Prepared::field_keys`].
    Field {
        at: usize,
        levels: Vec<Level>,
        evidence: Evidence,
    },
}

/// One comparison of the compiled configuration.
#[derive(Debug, Clone)]
pub(crate) struct Slot {
    pub(crate) name: Cow<'static, str>,
    /// "missing" first, "different" last.
    pub(crate) labels: Vec<Cow<'static, str>>,
    pub(crate) kind: SlotKind,
}

/// A checked configuration, ready for comparing, packing, training and scoring.
#[derive(Debug, Clone)]
pub(crate) struct Compiled {
    slots: Vec<Slot>,
    /// The stride of each slot in a packed pattern: the product of the level counts before it.
    strides: [u32; MAX_COMPARISONS],
    /// The slot of each built-in comparison, by its discriminant (its place in
    /// [`BuiltIn::ALL`]).
    builtin: [Option<u8>; 11],
    /// Whether the name levels, the place level are needed (see [`Compiled::needs_names`]).
    names: bool,
    place: bool,
    /// Whether this is the default configuration's comparisons ([`BuiltIn::ALL`] in order),
    /// compared and packed by the paths specialised for it.
    default: bool,
    /// The fields of field comparisons, in the order of [`Prepared::field_keys`].
    fields: Vec<Field>,
    /// The blocking rules that are built-in rules, and the others.
    rules: Vec<BlockingRule>,
    composed: Vec<Blocking>,
}

const _: () = assert!(BuiltIn::ALL.len() == 11);

impl Compiled {
    /// Checks and compiles a configuration.
    ///
    /// # Errors
    /// As [`DedupeConfig::check`].
    pub(crate) fn new(config: &DedupeConfig) -> Result<Self, Error> {
        config.check()?;
        let mut slots = Vec::with_capacity(config.comparisons.len());
        let mut fields: Vec<Field> = Vec::new();
        let mut builtin = [None; 11];
        for (at, c) in config.comparisons.iter().enumerate() {
            let slot = match c {
                Comparison::Builtin { name } => {
                    if let Some(s) = builtin.get_mut(*name as usize) {
                        *s = u8::try_from(at).ok();
                    }
                    Slot {
                        name: Cow::Borrowed(name.name()),
                        labels: name.labels().into_iter().map(Cow::Borrowed).collect(),
                        kind: SlotKind::BuiltIn(*name),
                    }
                }
                Comparison::Field(f) => {
                    let at = match fields.iter().position(|x| *x == f.field) {
                        Some(at) => at,
                        None => {
                            fields.push(f.field.clone());
                            fields.len() - 1
                        }
                    };
                    let labels = std::iter::once(Cow::Borrowed("missing"))
                        .chain(f.levels.iter().map(|l| Cow::Owned(l.label())))
                        .chain([Cow::Borrowed("different")])
                        .collect();
                    Slot {
                        name: Cow::Owned(f.name().to_owned()),
                        labels,
                        kind: SlotKind::Field {
                            at,
                            levels: f.levels.clone(),
                            evidence: f.evidence,
                        },
                    }
                }
            };
            slots.push(slot);
        }
        let mut strides = [0u32; MAX_COMPARISONS];
        let mut stride = 1u32;
        for (s, slot) in strides.iter_mut().zip(&slots) {
            *s = stride;
            // Checked: the product of the level counts is at most 2^31.
            stride = stride.saturating_mul(slot.labels.len() as u32);
        }
        let (mut rules, mut composed) = (Vec::new(), Vec::new());
        for b in &config.blocking {
            match b {
                Blocking::Rule(r) => rules.push(*r),
                other => composed.push(other.clone()),
            }
        }
        let has = |k: &[BuiltIn]| {
            k.iter()
                .any(|&k| builtin.get(k as usize).copied().flatten().is_some())
        };
        let names = has(&[BuiltIn::GivenName, BuiltIn::FamilyName, BuiltIn::Email]);
        let place = has(&[
            BuiltIn::Place,
            BuiltIn::HouseNumber,
            BuiltIn::Street,
            BuiltIn::Street2,
        ]);
        let default = slots.len() == BuiltIn::ALL.len()
            && slots
                .iter()
                .zip(BuiltIn::ALL)
                .all(|(s, b)| matches!(s.kind, SlotKind::BuiltIn(k) if k == *b));
        Ok(Self {
            slots,
            strides,
            builtin,
            names,
            place,
            default,
            fields,
            rules,
            composed,
        })
    }

    /// The slots, in pattern order.
    pub(crate) fn slots(&self) -> &[Slot] {
        &self.slots
    }

    /// The number of comparisons.
    pub(crate) fn len(&self) -> usize {
        self.slots.len()
    }

    /// The slot of a built-in comparison, if the configuration has it.
    #[inline]
    pub(crate) fn at(&self, kind: BuiltIn) -> Option<usize> {
        self.builtin
            .get(kind as usize)
            .copied()
            .flatten()
            .map(usize::from)
    }

    /// A pattern's level at a built-in comparison (0, "missing", when the configuration does
    /// not have it).
    #[inline]
    pub(crate) fn level(&self, p: &Pattern, kind: BuiltIn) -> u8 {
        self.at(kind).and_then(|at| p.get(at).copied()).unwrap_or(0)
    }

    /// The fields prepared records hold keys of.
    pub(crate) fn fields(&self) -> &[Field] {
        &self.fields
    }

    /// The built-in blocking rules, and the composed ones.
    pub(crate) fn blocking(&self) -> (&[BlockingRule], &[Blocking]) {
        (&self.rules, &self.composed)
    }

    /// Whether the name levels are needed (by the name or email comparisons).
    #[inline]
    pub(crate) fn needs_names(&self) -> bool {
        self.names
    }

    /// Whether the place level is needed (by the place or address comparisons).
    #[inline]
    pub(crate) fn needs_place(&self) -> bool {
        self.place
    }

    /// Each comparison's level count.
    pub(crate) fn level_counts(&self) -> impl Iterator<Item = usize> + '_ {
        self.slots.iter().map(|s| s.labels.len())
    }

    /// A pattern packed into one number (mixed radix over the level counts: every pattern has
    /// its own code, and the codes of all patterns fit in 31 bits), so that millions of
    /// compared pairs take 4 bytes each.
    #[inline]
    pub(crate) fn pack(&self, p: &Pattern) -> u32 {
        if self.default {
            return p
                .iter()
                .zip(DEFAULT_STRIDES)
                .zip(DEFAULT_LEVELS)
                .map(|((&l, stride), levels)| u32::from(l).min(levels - 1) * stride)
                .sum();
        }
        p.iter()
            .zip(self.strides)
            .zip(&self.slots)
            .map(|((&l, stride), slot)| u32::from(l).min(slot.labels.len() as u32 - 1) * stride)
            .sum()
    }

    /// The pattern of a packed code (the [`IDENTICAL`] bit ignored).
    pub(crate) fn unpack(&self, code: u32) -> Pattern {
        let code = super::compare::pattern_code(code);
        let mut p = [0u8; MAX_COMPARISONS];
        for ((slot, stride), s) in p.iter_mut().zip(self.strides).zip(&self.slots) {
            *slot = ((code / stride.max(1)) % s.labels.len() as u32) as u8;
        }
        p
    }

    /// Two records compared.
    #[inline]
    pub(crate) fn compare(&self, a: &Prepared, b: &Prepared) -> Pattern {
        if self.default {
            super::compare::compare_default(a, b)
        } else {
            super::compare::compare(self, a, b)
        }
    }

    /// A compared pair's code: its packed pattern, with [`IDENTICAL`] when the records are
    /// exact copies.
    #[inline]
    pub(crate) fn code(&self, a: &Prepared, b: &Prepared) -> u32 {
        let identical = if a.identical(b) { IDENTICAL } else { 0 };
        self.pack(&self.compare(a, b)) | identical
    }
}

/// The most keys a composed rule gives one record (an `and` of parts with many keys each
/// multiplies them).
const MAX_COMPOSED_KEYS: usize = 256;

/// A record's keys under a configured blocking rule, as text (blocking and store indexes).
///
/// A built-in rule's keys are its own; a field's are its values' normalized keys; an `and`'s
/// are one key of each part joined (so two records share one when they share a key of every
/// part); an `or`'s those of every part, each marked with its part.
pub(crate) fn blocking_keys(
    rule: &Blocking,
    p: &Prepared,
    c: &Customer,
    n: &Normalizer,
    out: &mut Vec<String>,
) {
    match rule {
        Blocking::Rule(r) => r.keys(p, out),
        Blocking::Field(f) => {
            let keys = super::prepare::prepare_fields(c, n, std::slice::from_ref(f));
            out.extend(keys.iter().flatten().map(|k| k.text.as_str().to_owned()));
        }
        Blocking::And(parts) => {
            let mut acc = vec![String::new()];
            let mut part_keys = Vec::new();
            for part in parts {
                part_keys.clear();
                blocking_keys(part, p, c, n, &mut part_keys);
                part_keys.sort_unstable();
                part_keys.dedup();
                acc = acc
                    .iter()
                    .flat_map(|a| part_keys.iter().map(move |k| format!("{a}\u{1f}{k}")))
                    .take(MAX_COMPOSED_KEYS)
                    .collect();
                if acc.is_empty() {
                    return;
                }
            }
            out.extend(acc);
        }
        Blocking::Or(parts) => {
            let mut part_keys = Vec::new();
            for (i, part) in parts.iter().enumerate() {
                part_keys.clear();
                blocking_keys(part, p, c, n, &mut part_keys);
                out.extend(part_keys.iter().map(|k| format!("{i}\u{1e}{k}")));
            }
        }
    }
}

impl Compiled {
    /// Every record's keys under each configured rule that is not a built-in one, as rules for
    /// blocking (`records` and `customers` in the same order).
    pub(crate) fn composed_rules(
        &self,
        records: &[Prepared],
        customers: &[&Customer],
        n: &Normalizer,
    ) -> Vec<KeyedRule> {
        self.composed
            .iter()
            .map(|rule| KeyedRule {
                name: rule.name(),
                keys: records
                    .par_iter()
                    .zip(customers.par_iter())
                    .map(|(p, c)| {
                        let mut keys = Vec::new();
                        blocking_keys(rule, p, c, n, &mut keys);
                        keys
                    })
                    .collect(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn compiled() -> Compiled {
        let mut config = DedupeConfig::default();
        config.comparisons.push(Comparison::field(
            Field::parse("card"),
            vec![Level::Exact, Level::Levenshtein { at_most: 1 }],
        ));
        Compiled::new(&config).unwrap()
    }

    proptest! {
        #[test]
        fn packing_is_lossless(levels in prop::collection::vec(0u8..7, 12)) {
            let c = compiled();
            let mut p = [0u8; MAX_COMPARISONS];
            for ((slot, l), n) in p.iter_mut().zip(levels).zip(c.level_counts()) {
                *slot = l % n as u8;
            }
            prop_assert_eq!(c.unpack(c.pack(&p)), p);
        }
    }

    /// The paths specialised for the default configuration give what the general ones give.
    #[test]
    fn the_default_paths_agree_with_the_general_ones() {
        let data = crate::synth::generate(&crate::synth::SynthConfig {
            customers: 400,
            ..crate::synth::SynthConfig::default()
        })
        .unwrap();
        let n = Normalizer::default();
        let records: Vec<Prepared> = data
            .customers
            .iter()
            .map(|c| super::super::prepare::prepare(c, &n, None))
            .collect();
        let c = Compiled::new(&DedupeConfig::default()).unwrap();
        assert!(c.default);
        let mut general = c.clone();
        general.default = false;
        for (i, a) in records.iter().enumerate() {
            for b in records.iter().skip(i + 1).step_by(7) {
                let p = c.compare(a, b);
                assert_eq!(p, general.compare(a, b));
                assert_eq!(c.pack(&p), general.pack(&p));
            }
        }
    }

    #[test]
    fn every_code_of_the_default_configuration_fits() {
        let c = Compiled::new(&DedupeConfig::default()).unwrap();
        let mut top = [0u8; MAX_COMPARISONS];
        for (slot, n) in top.iter_mut().zip(c.level_counts()) {
            *slot = n as u8 - 1;
        }
        let product: u64 = c.level_counts().map(|n| n as u64).product();
        assert_eq!(u64::from(c.pack(&top)), product - 1);
        assert!(product <= u64::from(IDENTICAL));
        assert_eq!(c.len(), BuiltIn::ALL.len());
    }
}
