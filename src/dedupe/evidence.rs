//! Evidence: what a pair must agree on before it can be one customer at all.
//!
//! The model weighs agreements; this stage says whether there is anything to weigh. Agreement
//! is counted by *group*, independent kinds of fact about a customer: the name, the company
//! name, the birth date, a national ID, a phone, an email, the address. A pair has evidence
//! when it agrees on at least one value that is not very common, and that agreement is an
//! identifier (ID, phone or email) or the pair agrees on a second group as well. So records
//! with nothing to compare, a name alone (张伟, or a rare one), or agreement only on values held
//! by a large share of the records (a default phone, the one city of a regional file) never
//! make a match, whatever the weights say, and exact copies are one customer only when the
//! copied record itself holds such evidence.
//!
//! A value is very common when more than [`COMMON_FLOOR`] distinct records hold it and more
//! than [`COMMON_SHARE`] of all records. Distinct records: exact copies count once, so two
//! thousand copies of one record do not make its phone a default value.

use rayon::prelude::*;

use super::compare::{
    BIRTH_DATE, COMPANY, EMAIL, FAMILY, GIVEN, NATIONAL_ID, PHONE, PLACE, Pattern, STREET,
};
use super::prepare::{Code, FNV_START, Prepared, Text, fnv_from};

/// A value held by at most this many distinct records is never very common.
pub(crate) const COMMON_FLOOR: u64 = 50;

/// A value held by more than this share of the records (and more than [`COMMON_FLOOR`]) is
/// very common.
pub(crate) const COMMON_SHARE: f64 = 0.01;

/// The groups of evidence, as bit positions.
const NAME: u8 = 1 << 0;
const COMPANY_NAME: u8 = 1 << 1;
const BIRTH: u8 = 1 << 2;
const ID: u8 = 1 << 3;
const PHONES: u8 = 1 << 4;
const EMAILS: u8 = 1 << 5;
const ADDRESS: u8 = 1 << 6;

/// Groups whose agreement is enough on its own (when the value is not very common).
const IDENTIFIERS: u8 = ID | PHONES | EMAILS;

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

/// Whether a record holds enough to be matched at all: an identifier, or values in two groups.
/// Records without it get no exact-copy key, so copies of a bare name are not chained.
pub(crate) fn holds_evidence(p: &Prepared) -> bool {
    let held = held_groups(p);
    held & IDENTIFIERS != 0 || held.count_ones() >= 2
}

/// The groups a record holds a value in.
fn held_groups(p: &Prepared) -> u8 {
    let mut g = 0;
    let mut set = |bit: u8, on: bool| {
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

/// The groups a compared pair agrees on: exact or close levels, never "different", "same
/// year" or "region only".
fn agreements(p: &Pattern) -> u8 {
    let at = |c: usize| p.get(c).copied().unwrap_or(0);
    let close = |l: u8| l == 1 || l == 2;
    let mut g = 0;
    // A name agrees when a part of it agrees closely (a changed surname keeps the given name;
    // whether the value agreed on is common is judged on that part).
    if close(at(GIVEN)) || close(at(FAMILY)) {
        g |= NAME;
    }
    if close(at(COMPANY)) {
        g |= COMPANY_NAME;
    }
    if matches!(at(BIRTH_DATE), 1..=3) {
        g |= BIRTH;
    }
    if close(at(NATIONAL_ID)) {
        g |= ID;
    }
    if close(at(PHONE)) {
        g |= PHONES;
    }
    if close(at(EMAIL)) {
        g |= EMAILS;
    }
    if matches!(at(PLACE), 1..=4) || close(at(STREET)) {
        g |= ADDRESS;
    }
    g
}

/// The hash of one value of a kind.
fn hash(kind: Kind, bytes: &[u8]) -> u64 {
    fnv_from(fnv_from(FNV_START, &[kind as u8]), bytes)
}

/// A record's values of one kind, hashed.
fn values(p: &Prepared, kind: Kind, out: &mut Vec<u64>) {
    fn text(t: &Option<Text>) -> Option<&[u8]> {
        t.as_ref().map(|t| t.s.as_bytes())
    }
    let codes = |list: &[Code], out: &mut Vec<u64>| {
        out.extend(list.iter().map(|c| hash(kind, c.as_bytes())));
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
                out.push(fnv_from(fnv_from(hash(kind, x), b"|"), y));
            }
        }
        Kind::Given | Kind::Family => out.extend(
            super::model::name_word(p, matches!(kind, Kind::Given))
                .map(|w| hash(kind, w.as_bytes())),
        ),
        Kind::Company => out.extend(text(&p.company_name).map(|b| hash(kind, b))),
        Kind::Birth => out.extend(
            p.dob
                .map(|d| hash(kind, &chrono::Datelike::num_days_from_ce(&d).to_le_bytes())),
        ),
        Kind::Id => codes(&p.ids, out),
        Kind::Phone => codes(&p.phones, out),
        Kind::Email => codes(&p.emails, out),
        Kind::Street => {
            if let Some(s) = text(&p.street) {
                let house = p.house.as_ref().map_or(&[][..], Code::as_bytes);
                out.push(fnv_from(fnv_from(hash(kind, house), b"|"), s));
            }
        }
        Kind::Postcode => out.extend(p.postcode.as_ref().map(|c| hash(kind, c.as_bytes()))),
        Kind::Locality => out.extend(text(&p.locality).map(|b| hash(kind, b))),
    }
}

/// The kinds whose values stand behind a group's agreement, given the pair's pattern.
fn kinds_of(group: u8, p: &Pattern) -> &'static [Kind] {
    let close = |c: usize| matches!(p.get(c).copied().unwrap_or(0), 1 | 2);
    let place = p.get(PLACE).copied().unwrap_or(0);
    let street = close(STREET);
    match group {
        NAME => match (close(GIVEN), close(FAMILY)) {
            (true, true) => &[Kind::Name],
            (true, false) => &[Kind::Given],
            _ => &[Kind::Family],
        },
        COMPANY_NAME => &[Kind::Company],
        BIRTH => &[Kind::Birth],
        ID => &[Kind::Id],
        PHONES => &[Kind::Phone],
        EMAILS => &[Kind::Email],
        _ => match (street, place) {
            (true, 1) => &[Kind::Street, Kind::Postcode, Kind::Locality],
            (true, 2 | 4) => &[Kind::Street, Kind::Postcode],
            (true, 3) => &[Kind::Street, Kind::Locality],
            (true, _) => &[Kind::Street],
            (false, 1) => &[Kind::Postcode, Kind::Locality],
            (false, 2 | 4) => &[Kind::Postcode],
            (false, _) => &[Kind::Locality],
        },
    }
}

/// The very common values of a run's records (hashed), found among the values that the pairs
/// to be judged agree on.
#[derive(Debug, Default)]
pub(crate) struct Common {
    /// Sorted hashes.
    values: Vec<u64>,
}

impl Common {
    /// Nothing counted: every value passes as not very common (`match_one`, which cannot count
    /// across a store).
    pub(crate) fn none() -> Self {
        Self::default()
    }

    /// Counts, over all `records`, the distinct records holding each value that the pairs'
    /// agreements rest on; keeps those over the limit. `pairs` are (record, record, code).
    pub(crate) fn count(records: &[Prepared], pairs: &[(u32, u32, u32)]) -> Self {
        // The values the pairs' agreements rest on.
        let mut wanted: Vec<u64> = pairs
            .par_iter()
            .fold(Vec::new, |mut out, &(i, j, code)| {
                let p = super::compare::unpack(code);
                let agree = agreements(&p);
                for group in (0..7).map(|b| 1u8 << b).filter(|g| agree & g != 0) {
                    for &kind in kinds_of(group, &p) {
                        for r in [i, j] {
                            if let Some(rec) = records.get(r as usize) {
                                values(rec, kind, &mut out);
                            }
                        }
                    }
                }
                out
            })
            .flatten()
            .collect();
        if wanted.is_empty() {
            return Self::none();
        }
        wanted.par_sort_unstable();
        wanted.dedup();
        // (value, fingerprint) of every record holding a wanted value: distinct records.
        let mut held: Vec<(u64, u64)> = records
            .par_iter()
            .fold(Vec::new, |mut out, rec| {
                let mut vs = Vec::new();
                for kind in KINDS {
                    vs.clear();
                    values(rec, kind, &mut vs);
                    out.extend(
                        vs.iter()
                            .filter(|v| wanted.binary_search(v).is_ok())
                            .map(|&v| (v, rec.fingerprint)),
                    );
                }
                out
            })
            .flatten()
            .collect();
        held.par_sort_unstable();
        held.dedup();
        let limit = COMMON_FLOOR.max((records.len() as f64 * COMMON_SHARE) as u64);
        let values = held
            .chunk_by(|a, b| a.0 == b.0)
            .filter(|run| run.len() as u64 > limit)
            .filter_map(|run| run.first().map(|x| x.0))
            .collect();
        Self { values }
    }

    fn is_common(&self, v: u64) -> bool {
        self.values.binary_search(&v).is_ok()
    }

    /// Whether an agreement of the pair on `kind` rests on a value that is not very common: a
    /// value both records hold, or (for near agreement) a value of each that is not.
    fn rare(&self, a: &Prepared, b: &Prepared, kind: Kind) -> bool {
        let (mut x, mut y) = (Vec::new(), Vec::new());
        values(a, kind, &mut x);
        values(b, kind, &mut y);
        let shared: Vec<u64> = x.iter().copied().filter(|v| y.contains(v)).collect();
        if !shared.is_empty() {
            return shared.iter().any(|&v| !self.is_common(v));
        }
        x.iter().any(|&v| !self.is_common(v)) && y.iter().any(|&v| !self.is_common(v))
    }

    /// Whether a compared pair has evidence (see the module's documentation).
    pub(crate) fn has_evidence(&self, a: &Prepared, b: &Prepared, p: &Pattern) -> bool {
        let agree = agreements(p);
        let rare = (0..7)
            .map(|bit| 1u8 << bit)
            .filter(|g| agree & g != 0)
            .filter(|&g| kinds_of(g, p).iter().any(|&k| self.rare(a, b, k)))
            .fold(0u8, |m, g| m | g);
        rare != 0 && (rare & IDENTIFIERS != 0 || agree.count_ones() >= 2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::Normalizer;
    use crate::{Customer, CustomerId, CustomerKind};

    fn prepared(id: &str, name: &str, phone: Option<&str>) -> Prepared {
        let mut b = Customer::builder(CustomerId::new(id).unwrap(), CustomerKind::Person)
            .full_name(name)
            .birth_date(chrono::NaiveDate::from_ymd_opt(1980, 1, 1).unwrap());
        if let Some(ph) = phone {
            b = b.phone(ph);
        }
        super::super::prepare::prepare(&b.build(), &Normalizer::default(), Some("CN"))
    }

    #[test]
    fn a_name_alone_is_not_evidence_and_a_name_with_a_second_fact_is() {
        let bare = |id| {
            super::super::prepare::prepare(
                &Customer::builder(CustomerId::new(id).unwrap(), CustomerKind::Person)
                    .full_name("欧阳娜娜")
                    .build(),
                &Normalizer::default(),
                None,
            )
        };
        let (a, b) = (bare("A"), bare("B"));
        let p = super::super::compare::compare(&a, &b);
        assert!(!holds_evidence(&a));
        assert!(!Common::none().has_evidence(&a, &b, &p));
        // Name and birth date: two groups.
        let (c, d) = (
            prepared("C", "欧阳娜娜", None),
            prepared("D", "欧阳娜娜", None),
        );
        let p = super::super::compare::compare(&c, &d);
        assert!(holds_evidence(&c));
        assert!(Common::none().has_evidence(&c, &d, &p));
    }

    #[test]
    fn agreement_only_on_very_common_values_is_not_evidence() {
        // Sixty people named 张伟, born the same day: name and birth date are both held by
        // more than the floor of distinct records (each has its own phone).
        let records: Vec<Prepared> = (0..60)
            .map(|i| prepared(&format!("P{i}"), "张伟", Some(&format!("1390000{i:04}"))))
            .collect();
        let p = super::super::compare::compare(&records[0], &records[1]);
        let code = super::super::compare::pack(&p);
        let common = Common::count(&records, &[(0, 1, code)]);
        assert!(!common.has_evidence(&records[0], &records[1], &p));
        // Two of them sharing a phone: the phone is theirs alone.
        let twin = prepared("T", "张伟", Some("13900000000"));
        let with_twin: Vec<Prepared> = records.iter().cloned().chain([twin]).collect();
        let p = super::super::compare::compare(&with_twin[0], &with_twin[60]);
        let common = Common::count(&with_twin, &[(0, 60, super::super::compare::pack(&p))]);
        assert!(common.has_evidence(&with_twin[0], &with_twin[60], &p));
    }
}
