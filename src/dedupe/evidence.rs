//! Evidence: what a pair must agree on before it can be one customer at all.
//!
//! The model weighs agreements; this stage says whether there is anything to weigh. Agreement
//! is counted by *group*, independent kinds of fact about a customer: the name, the company
//! name, the birth date, a national ID, a phone, an email, the address. A pair has evidence
//! when
//!
//! - it agrees on an identifier (ID, phone or email) or on two groups, and on at least one
//!   value that is not very common; or
//! - it agrees on the whole name, and that name is not very common.
//!
//! Exact copies need no rare value for the first (copies make all their values common): they
//! are one customer when they hold an identifier or two groups. So records with nothing to
//! compare, a common name alone (张伟 in a file of 张伟s), or agreement only on values held by a
//! large share of the records (a default phone and the one city of a regional file) never make
//! a match, whatever the weights say.
//!
//! A value is very common when more than [`COMMON_FLOOR`] records hold it and more than
//! [`COMMON_SHARE`] of all records.

use rayon::prelude::*;

use super::compare::{BuiltIn, PLACE_REGION_ONLY, Pattern};
use super::compiled::{Compiled, SlotKind};
use super::config::Evidence;
use super::prepare::{Code, FNV_START, Prepared, Text, fnv_from};

/// A value held by at most this many records is never very common.
pub(crate) const COMMON_FLOOR: u64 = 50;

/// A value held by more than this share of the records (and more than [`COMMON_FLOOR`]) is
/// very common.
pub(crate) const COMMON_SHARE: f64 = 0.01;

/// Values are counted on at most about this many records: in a larger run on a sample of
/// them, every so many in id order (a value held by 1% of a million records is held by about
/// 1,000 of the sample, give or take 3%), so that counting costs the same past this size.
const COUNTED_RECORDS: usize = 100_000;

/// The groups of evidence, as bit positions: the built-in ones, then one per field comparison
/// (bit [`FIELD_GROUPS`] plus its slot).
type Groups = u32;
const NAME: Groups = 1 << 0;
const COMPANY_NAME: Groups = 1 << 1;
const BIRTH: Groups = 1 << 2;
const ID: Groups = 1 << 3;
const PHONES: Groups = 1 << 4;
const EMAILS: Groups = 1 << 5;
const ADDRESS: Groups = 1 << 6;
/// The bit of a field comparison's group is this plus its slot.
const FIELD_GROUPS: usize = 7;

const _: () = assert!(FIELD_GROUPS + super::config::MAX_COMPARISONS <= 32);

/// Built-in groups whose agreement is enough on its own (when the value is not very common).
const IDENTIFIERS: Groups = ID | PHONES | EMAILS;

/// The groups whose agreement is enough on its own: the built-in identifiers and the field
/// comparisons configured as identifiers ([`Evidence::Identifier`]).
fn identifiers(c: &Compiled) -> Groups {
    c.slots()
        .iter()
        .enumerate()
        .filter(|(_, s)| {
            matches!(
                s.kind,
                SlotKind::Field {
                    evidence: Evidence::Identifier,
                    ..
                }
            )
        })
        .fold(IDENTIFIERS, |m, (at, _)| m | 1 << (FIELD_GROUPS + at))
}

/// The kinds of value counted for commonness (an address counts its street, postcode and
/// locality apart), each hashed from its own seed.
#[derive(Clone, Copy)]
enum Kind {
    /// The whole name, order-free.
    Name,
    /// The given name alone, and the family name alone (when only that part agrees).
    Given,
    Family,
    Company,
    Birth,
    Id,
    Phone,
    Email,
    Street,
    Postcode,
    Locality,
    /// The values of a field comparison's field (its place among the configuration's fields).
    Field(u8),
}

impl Kind {
    /// The kind's bit in a set of kinds.
    fn bit(self) -> u64 {
        match self {
            Self::Field(at) => 1 << (16 + u32::from(at).min(40)),
            other => 1 << other.seed(),
        }
    }

    /// The seed the kind's values are hashed from.
    fn seed(self) -> u8 {
        match self {
            Self::Name => 0,
            Self::Given => 1,
            Self::Family => 2,
            Self::Company => 3,
            Self::Birth => 4,
            Self::Id => 5,
            Self::Phone => 6,
            Self::Email => 7,
            Self::Street => 8,
            Self::Postcode => 9,
            Self::Locality => 10,
            Self::Field(at) => 16u8.saturating_add(at),
        }
    }
}

const KINDS: [Kind; 11] = [
    Kind::Name,
    Kind::Given,
    Kind::Family,
    Kind::Company,
    Kind::Birth,
    Kind::Id,
    Kind::Phone,
    Kind::Email,
    Kind::Street,
    Kind::Postcode,
    Kind::Locality,
];

/// Whether a record holds any value that is compared: records without one get no exact-copy
/// key (nor any other), since there is nothing to be a copy of.
pub(crate) fn holds_values(p: &Prepared) -> bool {
    held_groups(p) != 0
}

/// The groups a record holds a value in.
fn held_groups(p: &Prepared) -> Groups {
    let mut g = 0;
    let mut set = |bit: Groups, on: bool| {
        if on {
            g |= bit;
        }
    };
    set(NAME, p.given.is_some() || p.family.is_some());
    set(COMPANY_NAME, p.company_name.is_some());
    set(BIRTH, p.dob.is_some());
    set(ID, !p.ids.is_empty());
    set(PHONES, !p.phones.is_empty());
    set(EMAILS, !p.emails.is_empty());
    set(
        ADDRESS,
        p.street.is_some() || p.postcode.is_some() || p.locality.is_some(),
    );
    g
}

/// Whether a text level (names, company names) is agreement: exact or Jaro-Winkler at least
/// 0.80 (levels 1 to 3).
fn similar(l: u8) -> bool {
    matches!(l, 1..=3)
}

/// Whether a pattern agrees on the whole name: both parts similar, or one similar and the other
/// missing.
fn whole_name(c: &Compiled, p: &Pattern) -> bool {
    let (g, f) = (
        c.level(p, BuiltIn::GivenName),
        c.level(p, BuiltIn::FamilyName),
    );
    (similar(g) || g == 0) && (similar(f) || f == 0) && (similar(g) || similar(f))
}

/// The groups a compared pair agrees on: exact or close levels, never "different", "same
/// year" or "region only"; a field comparison's any level but "different".
fn agreements(c: &Compiled, p: &Pattern) -> Groups {
    let at = |k: BuiltIn| c.level(p, k);
    let close = |l: u8| l == 1 || l == 2;
    let mut g = 0;
    // A name agrees when a part of it does (a changed surname keeps the given name; whether
    // the value agreed on is common is judged on that part).
    if similar(at(BuiltIn::GivenName)) || similar(at(BuiltIn::FamilyName)) {
        g |= NAME;
    }
    if similar(at(BuiltIn::CompanyName)) {
        g |= COMPANY_NAME;
    }
    if matches!(at(BuiltIn::BirthDate), 1..=3) {
        g |= BIRTH;
    }
    if close(at(BuiltIn::NationalId)) {
        g |= ID;
    }
    if close(at(BuiltIn::Phone)) {
        g |= PHONES;
    }
    // A mailbox built from the name agrees as the name does, unless it carries a number: then
    // strangers of one name rarely share it, and it is the customer's own.
    let email = at(BuiltIn::Email);
    if close(email) || email == super::compare::NAME_BUILT_NUMBERED as u8 {
        g |= EMAILS;
    }
    let place = at(BuiltIn::Place);
    if (1..PLACE_REGION_ONLY).contains(&place) || close(at(BuiltIn::Street)) {
        g |= ADDRESS;
    }
    for (slot, s) in c.slots().iter().enumerate() {
        if let SlotKind::Field {
            levels, evidence, ..
        } = &s.kind
            && *evidence != Evidence::None
            && p.get(slot)
                .is_some_and(|&l| (1..=levels.len()).contains(&usize::from(l)))
        {
            g |= 1 << (FIELD_GROUPS + slot);
        }
    }
    g
}

/// The hash of one value of a kind.
fn hash(kind: Kind, bytes: &[u8]) -> u64 {
    fnv_from(fnv_from(FNV_START, &[kind.seed()]), bytes)
}

/// A record's values of one kind, hashed, each given to `f`.
fn each_value(p: &Prepared, kind: Kind, mut f: impl FnMut(u64)) {
    fn text(t: &Option<Text>) -> Option<&[u8]> {
        t.as_ref().map(|t| t.s.as_bytes())
    }
    let one = |b: Option<&[u8]>, f: &mut dyn FnMut(u64)| {
        if let Some(b) = b {
            f(hash(kind, b));
        }
    };
    match kind {
        Kind::Name => {
            // Order-free, across scripts (张伟 and Wei Zhang are one name).
            let words = match (&p.cross, &p.given, &p.family) {
                (Some((g, f)), ..) => Some((g.s.as_bytes(), f.s.as_bytes())),
                (None, g, f) => match (text(g), text(f)) {
                    (None, None) => None,
                    (g, f) => Some((g.unwrap_or_default(), f.unwrap_or_default())),
                },
            };
            if let Some((a, b)) = words {
                let (x, y) = if a <= b { (a, b) } else { (b, a) };
                f(fnv_from(fnv_from(hash(kind, x), b"|"), y));
            }
        }
        Kind::Given | Kind::Family => one(
            super::model::name_word(p, matches!(kind, Kind::Given)).map(str::as_bytes),
            &mut f,
        ),
        Kind::Company => one(text(&p.company_name), &mut f),
        Kind::Birth => {
            if let Some(d) = p.dob {
                f(hash(
                    kind,
                    &chrono::Datelike::num_days_from_ce(&d).to_le_bytes(),
                ));
            }
        }
        Kind::Id | Kind::Phone | Kind::Email => {
            let list: &[Code] = match kind {
                Kind::Id => &p.ids,
                Kind::Phone => &p.phones,
                _ => &p.emails,
            };
            list.iter().for_each(|c| f(hash(kind, c.as_bytes())));
        }
        Kind::Street => {
            if let Some(s) = text(&p.street) {
                let house = p.house.as_ref().map_or(&[][..], Code::as_bytes);
                f(fnv_from(fnv_from(hash(kind, house), b"|"), s));
            }
        }
        Kind::Postcode => one(p.postcode.as_ref().map(Code::as_bytes), &mut f),
        Kind::Locality => one(text(&p.locality), &mut f),
        Kind::Field(at) => p
            .field_keys(usize::from(at))
            .iter()
            .for_each(|k| f(hash(kind, k.text.s.as_bytes()))),
    }
}

/// Up to three kinds of value.
#[derive(Clone, Copy)]
struct KindList {
    kinds: [Kind; 3],
    len: u8,
}

impl KindList {
    fn of(kinds: &[Kind]) -> Self {
        let mut out = Self {
            kinds: [Kind::Name; 3],
            len: 0,
        };
        for (slot, &k) in out.kinds.iter_mut().zip(kinds) {
            *slot = k;
            out.len += 1;
        }
        out
    }

    fn iter(&self) -> impl Iterator<Item = Kind> + '_ {
        self.kinds.iter().copied().take(usize::from(self.len))
    }
}

/// The kinds whose values stand behind a group's agreement, given the pair's pattern.
fn kinds_of(c: &Compiled, group: Groups, p: &Pattern) -> KindList {
    let at = |k: BuiltIn| c.level(p, k);
    let place = at(BuiltIn::Place);
    let street = matches!(at(BuiltIn::Street), 1 | 2);
    let (given, family) = (at(BuiltIn::GivenName), at(BuiltIn::FamilyName));
    let kinds: &[Kind] = match group {
        NAME => match (similar(given), similar(family)) {
            (true, true) => &[Kind::Name],
            (true, false) if family == 0 => &[Kind::Name],
            (false, true) if given == 0 => &[Kind::Name],
            (true, false) => &[Kind::Given],
            _ => &[Kind::Family],
        },
        COMPANY_NAME => &[Kind::Company],
        BIRTH => &[Kind::Birth],
        ID => &[Kind::Id],
        PHONES => &[Kind::Phone],
        EMAILS => &[Kind::Email],
        ADDRESS => match (street, place) {
            (true, 1) => &[Kind::Street, Kind::Postcode, Kind::Locality],
            (true, 2 | 4) => &[Kind::Street, Kind::Postcode],
            (true, 3) => &[Kind::Street, Kind::Locality],
            (true, _) => &[Kind::Street],
            (false, 1) => &[Kind::Postcode, Kind::Locality],
            (false, 2 | 4) => &[Kind::Postcode],
            (false, _) => &[Kind::Locality],
        },
        field => {
            let slot = (field.trailing_zeros() as usize).saturating_sub(FIELD_GROUPS);
            return match c.slots().get(slot).map(|s| &s.kind) {
                Some(SlotKind::Field { at, .. }) => {
                    KindList::of(&[Kind::Field(u8::try_from(*at).unwrap_or(u8::MAX))])
                }
                _ => KindList::of(&[]),
            };
        }
    };
    KindList::of(kinds)
}

/// Each agreed group's bit, in order.
fn each_group(groups: Groups) -> impl Iterator<Item = Groups> {
    (0..32).map(|b| 1 << b).filter(move |g| groups & g != 0)
}

/// The very common values of a run's records (hashed), found among the values that the pairs
/// to be judged agree on.
#[derive(Debug, Default)]
pub(crate) struct Common {
    /// Sorted hashes.
    values: Vec<u64>,
    /// Whether values were counted at all.
    counted: bool,
}

impl Common {
    /// Nothing counted (`match_one`, which cannot count across a store): no value is taken
    /// for very common, and so a name alone, which needs to be known rare, is never evidence.
    pub(crate) fn none() -> Self {
        Self::default()
    }

    /// Counts, over all `records`, the records holding each value that the pairs' agreements
    /// rest on; keeps those over the limit. `pairs` are (record, record, code); `ranks` each
    /// record's rank by id (empty: records are in id order), which chooses the sample.
    pub(crate) fn count(
        c: &Compiled,
        records: &[Prepared],
        ranks: &[u32],
        pairs: &[(u32, u32, u32)],
    ) -> Self {
        Self::count_on(c, records, ranks, pairs, COUNTED_RECORDS)
    }

    /// [`Common::count`], counting on about `counted` records.
    fn count_on(
        c: &Compiled,
        records: &[Prepared],
        ranks: &[u32],
        pairs: &[(u32, u32, u32)],
        counted: usize,
    ) -> Self {
        // The values the pairs' agreements rest on, and the kinds they are of (bits).
        let (mut wanted, kinds): (Vec<u64>, u64) = pairs
            .par_iter()
            .fold(
                || (Vec::new(), 0u64),
                |(mut out, mut kinds), &(i, j, code)| {
                    let p = c.unpack(code);
                    let agree = agreements(c, &p);
                    for group in each_group(agree) {
                        for kind in kinds_of(c, group, &p).iter() {
                            kinds |= kind.bit();
                            for rec in [i, j].iter().filter_map(|&r| records.get(r as usize)) {
                                each_value(rec, kind, |v| out.push(v));
                            }
                        }
                    }
                    (out, kinds)
                },
            )
            .reduce(
                || (Vec::new(), 0),
                |(mut a, x), (b, y)| {
                    a.extend(b);
                    (a, x | y)
                },
            );
        let done = |values| Self {
            values,
            counted: true,
        };
        if wanted.is_empty() {
            return done(Vec::new());
        }
        wanted.par_sort_unstable();
        wanted.dedup();
        // A bit per wanted value (a filter that most of the records' values miss at once).
        let bits = (wanted.len() * 16).next_power_of_two().max(1 << 12);
        let mut filter = vec![0u64; bits / 64];
        let bit = |v: u64| (v >> 20) as usize & (bits - 1);
        for &v in &wanted {
            if let Some(w) = filter.get_mut(bit(v) / 64) {
                *w |= 1 << (bit(v) % 64);
            }
        }
        let maybe = |v: u64| {
            filter
                .get(bit(v) / 64)
                .is_some_and(|w| w & (1 << (bit(v) % 64)) != 0)
        };
        // Each wanted value once per record holding it (a record's values of a kind are
        // distinct, and kinds hash from their own seeds). In a large run, every so many
        // records in id order (so the same whatever the input order) stand for all.
        let every = records.len().div_ceil(counted.max(1)).max(1);
        let mut held: Vec<u64> = records
            .par_iter()
            .enumerate()
            .filter(|(at, _)| {
                let rank = ranks.get(*at).map_or(*at, |&r| r as usize);
                rank % every == 0
            })
            .fold(Vec::new, |mut out, (_, rec)| {
                let fields = (0..c.fields().len())
                    .map(|at| Kind::Field(u8::try_from(at).unwrap_or(u8::MAX)));
                for kind in KINDS
                    .into_iter()
                    .chain(fields)
                    .filter(|&k| kinds & k.bit() != 0)
                {
                    each_value(rec, kind, |v| {
                        if maybe(v) && wanted.binary_search(&v).is_ok() {
                            out.push(v);
                        }
                    });
                }
                out
            })
            .flatten()
            .collect();
        held.par_sort_unstable();
        let limit = COMMON_FLOOR.max((records.len() as f64 * COMMON_SHARE) as u64);
        let values = held
            .chunk_by(|a, b| a == b)
            .filter(|run| (run.len() * every) as u64 > limit)
            .filter_map(|run| run.first().copied())
            .collect();
        done(values)
    }

    fn is_common(&self, v: u64) -> bool {
        self.values.binary_search(&v).is_ok()
    }

    /// Whether an agreement of the pair on `kind` rests on a value that is not very common: a
    /// value both records hold, or (for near agreement) a value of each that is not.
    fn rare(&self, a: &Prepared, b: &Prepared, kind: Kind) -> bool {
        let (mut shared, mut shared_rare, mut a_rare, mut b_rare) = (false, false, false, false);
        each_value(a, kind, |x| {
            let rare = !self.is_common(x);
            a_rare |= rare;
            each_value(b, kind, |y| {
                if x == y {
                    shared = true;
                    shared_rare |= rare;
                }
            });
        });
        each_value(b, kind, |y| b_rare |= !self.is_common(y));
        if shared {
            shared_rare
        } else {
            a_rare && b_rare
        }
    }

    /// Whether a compared pair has evidence (see the module's documentation); `identical`:
    /// the records are exact copies.
    pub(crate) fn has_evidence(
        &self,
        c: &Compiled,
        (a, b): (&Prepared, &Prepared),
        p: &Pattern,
        identical: bool,
    ) -> bool {
        let agree = agreements(c, p);
        let rare = each_group(agree)
            .filter(|&g| kinds_of(c, g, p).iter().any(|k| self.rare(a, b, k)))
            .fold(0, |m, g| m | g);
        let enough = agree & identifiers(c) != 0 || agree.count_ones() >= 2;
        (enough && (rare != 0 || identical))
            || (self.counted && whole_name(c, p) && rare & NAME != 0)
    }
}

#[cfg(test)]
mod tests {
    use super::super::config::DedupeConfig;
    use super::super::prepare::prepare;
    use super::*;
    use crate::normalize::Normalizer;
    use crate::{Customer, CustomerId, CustomerKind};

    fn default() -> Compiled {
        Compiled::new(&DedupeConfig::default()).unwrap()
    }

    fn compare(a: &Prepared, b: &Prepared) -> Pattern {
        default().compare(a, b)
    }

    fn pack(p: &Pattern) -> u32 {
        default().pack(p)
    }

    fn person(id: &str, name: &str, born: Option<i32>, phone: Option<&str>) -> Prepared {
        let mut b =
            Customer::builder(CustomerId::new(id).unwrap(), CustomerKind::Person).full_name(name);
        if let Some(y) = born {
            b = b.birth_date(chrono::NaiveDate::from_ymd_opt(y, 1, 1).unwrap());
        }
        if let Some(ph) = phone {
            b = b.phone(ph);
        }
        prepare(&b.build(), &Normalizer::default(), Some("CN"))
    }

    /// Whether records `i` and `j` have evidence, values counted over all `records`.
    fn judged(records: &[Prepared], i: usize, j: usize) -> bool {
        let p = compare(&records[i], &records[j]);
        let common = Common::count(&default(), records, &[], &[(i as u32, j as u32, pack(&p))]);
        common.has_evidence(
            &default(),
            (&records[i], &records[j]),
            &p,
            records[i].identical(&records[j]),
        )
    }

    #[test]
    fn a_rare_whole_name_is_evidence_a_common_one_is_not() {
        let rare = [
            person("A", "欧阳娜娜", None, None),
            person("B", "欧阳娜娜", None, None),
        ];
        assert!(judged(&rare, 0, 1));
        // Without counting (match_one), a name alone is never enough.
        let p = compare(&rare[0], &rare[1]);
        assert!(!Common::none().has_evidence(&default(), (&rare[0], &rare[1]), &p, true));
        // Sixty copies of 张伟 alone: the name is very common.
        let common: Vec<Prepared> = (0..60)
            .map(|i| person(&format!("Z{i}"), "张伟", None, None))
            .collect();
        assert!(!judged(&common, 0, 1));
        assert!(holds_values(&common[0]));
    }

    #[test]
    fn agreement_only_on_very_common_values_is_not_evidence() {
        // Sixty people named 张伟 born in 1980, each with their own phone.
        let mut records: Vec<Prepared> = (0..60)
            .map(|i| {
                let phone = format!("1390000{i:04}");
                person(&format!("P{i}"), "张伟", Some(1980), Some(&phone))
            })
            .collect();
        assert!(!judged(&records, 0, 1));
        // One of them twice, with the same phone: the phone is theirs alone.
        records.push(person("T", "张伟", Some(1980), Some("13900000000")));
        assert!(judged(&records, 0, 60));
    }

    #[test]
    fn a_sample_finds_the_very_common_values_of_a_large_run() {
        // 6,000 people born in 1980 (5,000 of them 张伟), each with their own phone; counted on
        // about 1,000 of them.
        let records: Vec<Prepared> = (0..6000)
            .map(|i| {
                let phone = format!("1390{i:07}");
                let name = if i < 5000 { "张伟" } else { "王芳" };
                person(&format!("P{i}"), name, Some(1980), Some(&phone))
            })
            .collect();
        let p = compare(&records[0], &records[1]);
        let pairs = [(0, 1, pack(&p))];
        let sampled = Common::count_on(&default(), &records, &[], &pairs, 1000);
        assert_eq!(
            sampled.values,
            Common::count_on(&default(), &records, &[], &pairs, 6000).values
        );
        assert!(!sampled.has_evidence(&default(), (&records[0], &records[1]), &p, false));
        // A pair sharing a phone still has evidence.
        let mut twin = records.clone();
        twin.push(person("T", "张伟", Some(1980), Some("13900000000")));
        let p = compare(&twin[0], &twin[6000]);
        let common = Common::count_on(&default(), &twin, &[], &[(0, 6000, pack(&p))], 1000);
        assert!(common.has_evidence(&default(), (&twin[0], &twin[6000]), &p, true));
    }

    #[test]
    fn exact_copies_need_an_identifier_or_two_groups() {
        let copies: Vec<Prepared> = (0..60)
            .map(|i| person(&format!("C{i}"), "张伟", Some(1980), None))
            .collect();
        assert!(judged(&copies, 0, 1));
        let empty: Vec<Prepared> = (0..2)
            .map(|i| {
                let c = Customer::builder(
                    CustomerId::new(format!("E{i}")).unwrap(),
                    CustomerKind::Company,
                )
                .build();
                prepare(&c, &Normalizer::default(), None)
            })
            .collect();
        assert!(!holds_values(&empty[0]));
        assert!(!judged(&empty, 0, 1));
    }
}
