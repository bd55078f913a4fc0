//! Comparisons: for each comparison of a run's configuration, the level a pair reaches.
//!
//! Level 0 of every comparison is "missing" (one side or both empty): it contributes nothing to
//! the match weight. Higher-numbered levels are weaker agreement; the last is "different".
//! The built-in comparisons ([`BuiltIn`]) carry their own logic (names in either order and
//! across scripts, mailboxes built from the name, one place from postcode, locality and
//! region); a field comparison grades any field by its configured [`Level`]s.

use chrono::Datelike;
use serde::{Deserialize, Serialize};

use super::compiled::{Compiled, SlotKind};
use super::config::Level;
use super::prepare::{Code, FieldKey, Prepared, Text};
use super::similarity::{jaro_winkler_key, levenshtein_within, within_one_edit};

/// The levels of one pair, one byte per comparison of the configuration, in its order; the
/// places past its comparisons hold 0 ("missing").
pub type Pattern = [u8; super::config::MAX_COMPARISONS];

/// A Jaro-Winkler level of a built-in text comparison: its label and its threshold, one value.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Band {
    pub(crate) label: &'static str,
    pub(crate) at_least: f64,
}

const fn band(label: &'static str, at_least: f64) -> Band {
    Band { label, at_least }
}

/// Names and company names: exact, then these, then different.
const NAME_BANDS: &[Band] = &[
    band("jaro_winkler>=0.92", 0.92),
    band("jaro_winkler>=0.80", 0.80),
];
const STREET_BANDS: &[Band] = &[
    band("jaro_winkler>=0.90", 0.90),
    band("jaro_winkler>=0.75", 0.75),
];
const LINE_BANDS: &[Band] = &[band("jaro_winkler>=0.90", 0.90)];
/// A locality inside the place comparison (not a level of its own).
const LOCALITY_BANDS: &[Band] = &[band("jaro_winkler>=0.90", 0.90)];

const BIRTH_DATE_LEVELS: &[&str] = &[
    "missing",
    "exact",
    "day_month_swapped",
    "one_digit_off",
    "same_year",
    "different",
];
const ID_LEVELS: &[&str] = &["missing", "exact", "one_edit", "different"];
const HOUSE_LEVELS: &[&str] = &["missing", "exact", "different"];
const PLACE_LEVELS: &[&str] = &[
    "missing",
    "postcode_and_locality",
    "postcode",
    "locality",
    "postcode_one_edit",
    "region_only",
    "different",
];
const PHONE_LEVELS: &[&str] = &["missing", "exact", "same_last_8_digits", "different"];
const EMAIL_LEVELS_LABELS: &[&str] = &[
    "missing",
    "exact",
    "local_part_one_edit",
    "name_built_with_number",
    "name_built_exact",
    "name_built_one_edit",
    "different",
];

/// The place of a label in a level list, at compile time (so that no level index is typed by
/// hand beside its label).
const fn level_of(levels: &[&str], label: &str) -> u8 {
    let mut i = 0;
    while i < levels.len() {
        let (a, b) = (levels[i].as_bytes(), label.as_bytes());
        if a.len() == b.len() {
            let mut k = 0;
            while k < a.len() && a[k] == b[k] {
                k += 1;
            }
            if k == a.len() {
                return i as u8;
            }
        }
        i += 1;
    }
    panic!("no such level")
}

/// The email comparison's levels used by name and by the model.
pub(crate) const EMAIL_LEVELS: usize = EMAIL_LEVELS_LABELS.len();
pub(crate) const NAME_BUILT_NUMBERED: usize =
    level_of(EMAIL_LEVELS_LABELS, "name_built_with_number") as usize;
pub(crate) const NAME_BUILT_EXACT: usize =
    level_of(EMAIL_LEVELS_LABELS, "name_built_exact") as usize;
pub(crate) const NAME_BUILT_ONE_EDIT: usize =
    level_of(EMAIL_LEVELS_LABELS, "name_built_one_edit") as usize;
const EMAIL_DIFFERENT: u8 = level_of(EMAIL_LEVELS_LABELS, "different");
/// Place levels from this one on say nothing of a shared address.
pub(crate) const PLACE_REGION_ONLY: u8 = level_of(PLACE_LEVELS, "region_only");

/// A built-in comparison: one with logic of its own (docs/DEDUPE.md §3), usable by name in a
/// configuration (`{"kind": "builtin", "name": "email"}`).
///
/// ```
/// use clientele::dedupe::BuiltIn;
/// assert_eq!(BuiltIn::GivenName.name(), "given_name");
/// assert_eq!(BuiltIn::Phone.labels(), ["missing", "exact", "same_last_8_digits", "different"]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum BuiltIn {
    /// Given name: exact (or given and family swapped), Jaro-Winkler ≥ 0.92, ≥ 0.80; a Han name
    /// against a romanized one through its pinyin.
    GivenName,
    /// Family name, as the given name.
    FamilyName,
    /// Birth date: exact, day and month swapped, one digit off, same year.
    BirthDate,
    /// National identifiers: exact, one edit apart.
    NationalId,
    /// House number, within one place.
    HouseNumber,
    /// First street line, within one place: exact, Jaro-Winkler ≥ 0.90, ≥ 0.75.
    Street,
    /// Second street line, within one place: exact, Jaro-Winkler ≥ 0.90.
    Street2,
    /// Postcode, locality and region as one place.
    Place,
    /// Phones: exact E.164, same last 8 digits.
    Phone,
    /// Emails: exact, one edit apart, and the same told apart when the name explains them.
    Email,
    /// Company name: exact key, Jaro-Winkler ≥ 0.92, ≥ 0.80.
    CompanyName,
}

impl BuiltIn {
    /// Every built-in comparison, in the default configuration's order.
    pub const ALL: &[BuiltIn] = &[
        Self::GivenName,
        Self::FamilyName,
        Self::BirthDate,
        Self::NationalId,
        Self::HouseNumber,
        Self::Street,
        Self::Street2,
        Self::Place,
        Self::Phone,
        Self::Email,
        Self::CompanyName,
    ];

    /// The comparison's name in explanations and the saved model.
    pub fn name(self) -> &'static str {
        match self {
            Self::GivenName => "given_name",
            Self::FamilyName => "family_name",
            Self::BirthDate => "birth_date",
            Self::NationalId => "national_id",
            Self::HouseNumber => "house_number",
            Self::Street => "street",
            Self::Street2 => "street2",
            Self::Place => "place",
            Self::Phone => "phone",
            Self::Email => "email",
            Self::CompanyName => "company_name",
        }
    }

    /// The comparison's levels: Jaro-Winkler bands between "exact" and "different" for a
    /// text comparison, else its own labels.
    const fn levels(self) -> Levels {
        match self {
            Self::GivenName | Self::FamilyName | Self::CompanyName => Levels::Bands(NAME_BANDS),
            Self::Street => Levels::Bands(STREET_BANDS),
            Self::Street2 => Levels::Bands(LINE_BANDS),
            Self::BirthDate => Levels::Fixed(BIRTH_DATE_LEVELS),
            Self::NationalId => Levels::Fixed(ID_LEVELS),
            Self::HouseNumber => Levels::Fixed(HOUSE_LEVELS),
            Self::Place => Levels::Fixed(PLACE_LEVELS),
            Self::Phone => Levels::Fixed(PHONE_LEVELS),
            Self::Email => Levels::Fixed(EMAIL_LEVELS_LABELS),
        }
    }

    /// The number of levels, "missing" and "different" included.
    pub(crate) const fn level_count(self) -> usize {
        match self.levels() {
            Levels::Bands(bands) => bands.len() + 3,
            Levels::Fixed(labels) => labels.len(),
        }
    }

    /// The level labels, "missing" first and "different" last.
    pub fn labels(self) -> Vec<&'static str> {
        match self.levels() {
            Levels::Bands(bands) => {
                let mut out = vec!["missing", "exact"];
                out.extend(bands.iter().map(|b| b.label));
                out.push("different");
                out
            }
            Levels::Fixed(labels) => labels.to_vec(),
        }
    }
}

/// A built-in comparison's levels (see [`BuiltIn::levels`]).
enum Levels {
    Bands(&'static [Band]),
    Fixed(&'static [&'static str]),
}

/// The strides of the default configuration's packed patterns ([`BuiltIn::ALL`] in order),
/// as constants: the default configuration packs as it always has.
pub(crate) const DEFAULT_STRIDES: [u32; BuiltIn::ALL.len()] = {
    let mut out = [0u32; BuiltIn::ALL.len()];
    let mut stride = 1u32;
    let mut i = 0;
    while i < out.len() {
        out[i] = stride;
        stride *= BuiltIn::ALL[i].level_count() as u32;
        i += 1;
    }
    out
};

/// The default configuration's level counts, as constants.
pub(crate) const DEFAULT_LEVELS: [u32; BuiltIn::ALL.len()] = {
    let mut out = [0u32; BuiltIn::ALL.len()];
    let mut i = 0;
    while i < out.len() {
        out[i] = BuiltIn::ALL[i].level_count() as u32;
        i += 1;
    }
    out
};

/// The bit set in a pair's code when its records are exact copies (every compared key equal):
/// above every packed pattern, so that scoring knows it without reading the records again.
pub(crate) const IDENTICAL: u32 = 1 << 31;

/// The packed pattern of a pair's code (without the [`IDENTICAL`] bit).
#[inline]
pub(crate) fn pattern_code(code: u32) -> u32 {
    code & !IDENTICAL
}
/// Whether an email's local part holds a digit (a name-built mailbox with a number is told
/// apart from one without: far fewer strangers share it).
fn numbered(email: &Code) -> bool {
    split_at_domain(email.as_bytes()).is_some_and(|(l, _)| l.iter().any(u8::is_ascii_digit))
}

#[inline(always)]
fn text_level(a: &Option<Text>, b: &Option<Text>, bands: &[Band]) -> u8 {
    match (a, b) {
        (Some(a), Some(b)) => text_pair(a, b, bands),
        _ => 0,
    }
}

fn text_pair(a: &Text, b: &Text, bands: &[Band]) -> u8 {
    if a == b {
        return 1;
    }
    let s = jaro_winkler_key(a.s.text(), b.s.text());
    let mut level = 2;
    for band in bands {
        if s >= band.at_least {
            return level;
        }
        level += 1;
    }
    level
}

#[inline(always)]
fn code_level(a: &Option<Code>, b: &Option<Code>, fuzzy: bool) -> u8 {
    match (a, b) {
        (Some(a), Some(b)) if a == b => 1,
        (Some(a), Some(b)) if fuzzy && within_one_edit(a.as_bytes(), b.as_bytes()) => 2,
        (Some(_), Some(_)) => 2 + u8::from(fuzzy),
        _ => 0,
    }
}

#[inline(always)]
fn list_level(a: &[Code], b: &[Code], near: impl Fn(&Code, &Code) -> bool) -> u8 {
    if a.is_empty() || b.is_empty() {
        return 0;
    }
    if a.iter().any(|x| b.contains(x)) {
        return 1;
    }
    if a.iter().any(|x| b.iter().any(|y| near(x, y))) {
        return 2;
    }
    3
}

/// The name levels of a pair: given and family, in either order, across scripts through pinyin.
#[inline(always)]
fn name_levels(a: &Prepared, b: &Prepared) -> (u8, u8) {
    const BANDS: &[Band] = NAME_BANDS;
    if a.han != b.han {
        // One Han, one romanized: compare the pinyin words with the other's name words.
        let (Some((ag, af)), Some((bg, bf))) = (&a.cross, &b.cross) else {
            return (0, 0);
        };
        let straight = (text_pair(ag, bg, BANDS), text_pair(af, bf, BANDS));
        let swapped = (text_pair(ag, bf, BANDS), text_pair(af, bg, BANDS));
        return if swapped.0 + swapped.1 < straight.0 + straight.1 {
            swapped
        } else {
            straight
        };
    }
    // The swapped reading ("Jimenez Ashkey" for Ashley Jimenez) counts only when one of its
    // two names agrees exactly, so test that first (two key compares) before grading.
    let same = |x: &Option<Text>, y: &Option<Text>| match (x, y) {
        (Some(x), Some(y)) => x == y,
        _ => false,
    };
    let given_as_family = same(&a.given, &b.family);
    let family_as_given = same(&a.family, &b.given);
    if given_as_family && family_as_given {
        return (1, 1);
    }
    let straight = (
        text_level(&a.given, &b.given, BANDS),
        text_level(&a.family, &b.family, BANDS),
    );
    if given_as_family || family_as_given {
        let swapped = (
            text_level(&a.given, &b.family, BANDS),
            text_level(&a.family, &b.given, BANDS),
        );
        // Level 0 is "missing": a reading with a missing name is no better.
        let score = |(g, f): (u8, u8)| if g == 0 || f == 0 { u8::MAX } else { g + f };
        if score(swapped) < score(straight) {
            return swapped;
        }
    }
    straight
}

/// Postcode, locality and region read as one piece of evidence: they describe one place, and
/// counting each as independent would count a shared city three times.
#[inline(always)]
fn place_level(a: &Prepared, b: &Prepared) -> u8 {
    let postcode = code_level(&a.postcode, &b.postcode, true);
    let locality = text_level(&a.locality, &b.locality, LOCALITY_BANDS);
    let region = code_level(&a.region, &b.region, false);
    if postcode == 0 && locality == 0 && region == 0 {
        return 0;
    }
    let locality_same = matches!(locality, 1 | 2);
    match postcode {
        1 if locality_same => 1,
        1 => 2,
        _ if locality_same => 3,
        2 => 4,
        _ if region == 1 => 5,
        _ => 6,
    }
}

/// Whether two email keys are one typo apart on the same domain. Local parts that differ only
/// in their digits (`anthony.davis324` / `anthony.davis724`) are different mailboxes, not
/// typos: mailboxes built from names and a number are common, and counting them as near would
/// make everyone who shares a name look alike.
fn email_near(x: &Code, y: &Code) -> bool {
    near_bytes(x.as_bytes(), y.as_bytes())
}

/// [`email_near`] on bytes (email keys, or their shapes: see [`shape`]).
fn near_bytes(x: &[u8], y: &[u8]) -> bool {
    // Cheapest test first: most pairs differ in more than one edit.
    if !within_one_edit(x, y) {
        return false;
    }
    let (Some((lx, dx)), Some((ly, dy))) = (split_at_domain(x), split_at_domain(y)) else {
        return false;
    };
    if dx != dy || !within_one_edit(lx, ly) {
        return false;
    }
    fn letters(s: &[u8]) -> impl Iterator<Item = &u8> {
        s.iter().filter(|c| !c.is_ascii_digit())
    }
    !letters(lx).eq(letters(ly))
}

/// An email key's local part and its domain (from the last `@` on).
fn split_at_domain(s: &[u8]) -> Option<(&[u8], &[u8])> {
    s.iter().rposition(|&b| b == b'@').map(|at| s.split_at(at))
}

/// The longest local part [`shape`] reads (an email key is at most 64 characters).
const SHAPE_MAX: usize = super::prepare::MAX_KEY_CHARS;

/// The markers of a shape: the given name, the family name, their initials.
const GIVEN_MARK: u8 = 1;
const FAMILY_MARK: u8 = 2;
const GIVEN_INITIAL: u8 = 3;
const FAMILY_INITIAL: u8 = 4;

/// An email key's **shape** when its local part is built from the record's own name: every
/// letter of it is the given name, the family name or one of their initials, which are
/// replaced by markers; digits, `.`, `_` and `-` are kept, and so is the domain
/// (`john.smith84@yahoo.com` of John Smith is `G.F84@yahoo.com`, `jsmith@aol.com` is
/// `gF@aol.com`). `None` when a letter is not explained by the name (`jsmith@` of Mary Smith,
/// `smithy@`, a pinyin mailbox of another name) or the record has no name words.
///
/// Two records of one name with mailboxes of one shape have the same mailbox: given that
/// their names agree, what their emails' agreement adds is only the agreement of the shapes
/// (the provider, the pattern, the number), which strangers of one name share as often as
/// any two records share a shape. `write` receives the shape's bytes and which name words it
/// uses whole ([`USES_GIVEN`], [`USES_FAMILY`]).
pub(crate) fn shape<T>(
    p: &Prepared,
    email: &Code,
    write: impl FnOnce(&[u8], u8) -> T,
) -> Option<T> {
    let (local, domain) = split_at_domain(email.as_bytes())?;
    if local.is_empty() || local.len() > SHAPE_MAX || !local.is_ascii() {
        return None;
    }
    let word = |given: bool| {
        super::model::name_word(p, given)
            .map(str::as_bytes)
            .filter(|w| !w.is_empty() && w.is_ascii())
    };
    let (g, f) = (word(true), word(false));
    if g.is_none() && f.is_none() {
        return None;
    }
    // The pieces a position can start, in order of preference: (marker, length).
    let pieces = |at: usize| -> [Option<(u8, usize)>; 5] {
        let rest = local.get(at..).unwrap_or_default();
        let whole =
            |w: Option<&[u8]>, m: u8| w.filter(|w| rest.starts_with(w)).map(|w| (m, w.len()));
        let initial = |w: Option<&[u8]>, m: u8| {
            w.and_then(|w| w.first())
                .filter(|&&c| rest.first() == Some(&c))
                .map(|_| (m, 1))
        };
        let kept = rest
            .first()
            .filter(|c| c.is_ascii_digit() || matches!(c, b'.' | b'_' | b'-'))
            .map(|&c| (c, 1));
        [
            kept,
            whole(g, GIVEN_MARK),
            whole(f, FAMILY_MARK),
            initial(g, GIVEN_INITIAL),
            initial(f, FAMILY_INITIAL),
        ]
    };
    // done[i]: the local part can be read from position i to its end.
    let mut done = [false; SHAPE_MAX + 1];
    if let Some(end) = done.get_mut(local.len()) {
        *end = true;
    }
    for at in (0..local.len()).rev() {
        let ok = pieces(at)
            .into_iter()
            .flatten()
            .any(|(_, len)| done.get(at + len).copied().unwrap_or(false));
        if let Some(slot) = done.get_mut(at) {
            *slot = ok;
        }
    }
    if !done.first().copied().unwrap_or(false) {
        return None;
    }
    let mut out = [0u8; SHAPE_MAX * 2 + 1];
    let (mut len, mut at, mut uses) = (0, 0, 0);
    while at < local.len() {
        let (mark, step) = pieces(at)
            .into_iter()
            .flatten()
            .find(|(_, l)| done.get(at + l).copied().unwrap_or(false))?;
        *out.get_mut(len)? = mark;
        uses |= match mark {
            GIVEN_MARK => USES_GIVEN,
            FAMILY_MARK => USES_FAMILY,
            _ => 0,
        };
        len += 1;
        at += step;
    }
    for &b in domain {
        *out.get_mut(len)? = b;
        len += 1;
    }
    out.get(..len).map(|s| write(s, uses))
}

/// A shape uses the whole given name, the whole family name.
pub(crate) const USES_GIVEN: u8 = 1;
pub(crate) const USES_FAMILY: u8 = 2;

/// The name-built level of two agreeing emails (`exact`: equal keys, else one edit apart):
/// `name_built_exact` or `name_built_one_edit` when the name explains their agreement, else
/// the level as it is.
///
/// The name explains it when both emails have a [`shape`], read with each record's own name
/// words or both with the words of one of them (so that a typo in one record's name does not
/// hide that its mailbox is the other's name), the shapes agree (equal keys, or shapes one
/// edit apart), and the pair's names agree (exact or Jaro-Winkler ≥ 0.80: `names`, the
/// pair's given and family levels) on every name word the shapes use whole: that agreement is
/// already weighed, and the emails add only the agreement of their shapes.
fn name_built(a: &Prepared, x: &Code, b: &Prepared, y: &Code, exact: bool, names: (u8, u8)) -> u8 {
    let level = if exact { 1 } else { 2 };
    let close = |l: u8| matches!(l, 1..=3);
    let agreed = |uses: u8| {
        (uses & USES_GIVEN == 0 || close(names.0)) && (uses & USES_FAMILY == 0 || close(names.1))
    };
    let explained = |wa: &Prepared, wb: &Prepared| {
        shape(wa, x, |sx, ux| {
            shape(wb, y, |sy, uy| {
                agreed(ux | uy) && (exact || sx == sy || near_bytes(sx, sy))
            })
        })
        .flatten()
        .unwrap_or(false)
    };
    if !(explained(a, b) || explained(a, a) || explained(b, b)) {
        level
    } else if !exact {
        NAME_BUILT_ONE_EDIT as u8
    } else if numbered(x) {
        NAME_BUILT_NUMBERED as u8
    } else {
        NAME_BUILT_EXACT as u8
    }
}

/// The email level of a pair: the closest agreement of any two of their emails, told apart
/// by whether the name explains it (`names`: the pair's given and family levels).
#[inline(always)]
fn email_level(a: &Prepared, b: &Prepared, names: (u8, u8)) -> u8 {
    const DIFFERENT: u8 = EMAIL_DIFFERENT;
    if a.emails.is_empty() || b.emails.is_empty() {
        return 0;
    }
    let mut best = DIFFERENT;
    for x in a.emails.iter() {
        for y in b.emails.iter() {
            let level = if x == y {
                name_built(a, x, b, y, true, names)
            } else if email_near(x, y) {
                name_built(a, x, b, y, false, names)
            } else {
                continue;
            };
            // Levels are in order of strength: an agreement the name does not explain first.
            best = best.min(level);
            if best == 1 {
                return best;
            }
        }
    }
    best
}

/// The email level two records would reach if their names agreed: `name_built_exact` (or
/// `name_built_with_number`) when both have emails of one shape ([`shape`]), `name_built_one_edit` when their shapes are one
/// edit apart on one domain, `different` otherwise; 0 when one has no email. Counted over
/// random pairs, it gives the name-built levels' u: how often two records that agree on a name
/// without being one customer agree on a mailbox built from it.
pub(crate) fn email_given_name(a: &Prepared, b: &Prepared) -> u8 {
    const DIFFERENT: u8 = EMAIL_DIFFERENT;
    if a.emails.is_empty() || b.emails.is_empty() {
        return 0;
    }
    let mut best = DIFFERENT;
    for x in a.emails.iter() {
        for y in b.emails.iter() {
            fn domain(c: &Code) -> Option<&[u8]> {
                split_at_domain(c.as_bytes()).map(|(_, d)| d)
            }
            // Shapes keep the domain: only emails of one domain can agree (the cheap test).
            if domain(x) != domain(y) {
                continue;
            }
            let level = shape(a, x, |sx, _| {
                shape(b, y, |sy, _| {
                    if sx == sy && numbered(x) {
                        NAME_BUILT_NUMBERED as u8
                    } else if sx == sy {
                        NAME_BUILT_EXACT as u8
                    } else if near_bytes(sx, sy) {
                        NAME_BUILT_ONE_EDIT as u8
                    } else {
                        DIFFERENT
                    }
                })
            })
            .flatten()
            .unwrap_or(DIFFERENT);
            best = best.min(level);
        }
    }
    best
}

/// Whether two 8-digit dates differ in at most one digit or by one adjacent transposition.
fn one_digit_off(a: &[u8; 8], b: &[u8; 8]) -> bool {
    let mut diff = (0..8).filter(|&i| a.get(i) != b.get(i));
    match (diff.next(), diff.next(), diff.next()) {
        (None, ..) | (Some(_), None, _) => true,
        (Some(i), Some(j), None) => j == i + 1 && a.get(i) == b.get(j) && a.get(j) == b.get(i),
        _ => false,
    }
}

/// The birth-date level of a pair.
#[inline(always)]
fn birth_date_level(a: &Prepared, b: &Prepared) -> u8 {
    match (a.dob, b.dob) {
        (Some(x), Some(y)) if x == y => 1,
        (Some(x), Some(y))
            if x.year() == y.year() && x.month() == y.day() && x.day() == y.month() =>
        {
            2
        }
        (Some(_), Some(_)) if one_digit_off(&a.dob_digits, &b.dob_digits) => 3,
        (Some(x), Some(y)) if x.year() == y.year() => 4,
        (Some(_), Some(_)) => 5,
        _ => 0,
    }
}

/// What several built-in comparisons share, computed once per pair: the name levels (the
/// email comparison reads them) and the place level (house number and streets count only
/// within one place).
pub(crate) struct Shared {
    names: (u8, u8),
    place: u8,
}

impl Shared {
    pub(crate) fn of(c: &Compiled, a: &Prepared, b: &Prepared) -> Self {
        Self {
            names: if c.needs_names() {
                name_levels(a, b)
            } else {
                (0, 0)
            },
            place: if c.needs_place() {
                place_level(a, b)
            } else {
                0
            },
        }
    }
}

/// The level of a built-in comparison.
#[inline(always)]
fn builtin_level(kind: BuiltIn, a: &Prepared, b: &Prepared, s: &Shared) -> u8 {
    // A house number or street name is evidence only within one place: "12 Main Street" in two
    // towns are two addresses, and the place level already counts their disagreement.
    let same_place = s.place < PLACE_REGION_ONLY;
    match kind {
        BuiltIn::GivenName => s.names.0,
        BuiltIn::FamilyName => s.names.1,
        BuiltIn::BirthDate => birth_date_level(a, b),
        BuiltIn::NationalId => list_level(&a.ids, &b.ids, |x, y| {
            within_one_edit(x.as_bytes(), y.as_bytes())
        }),
        BuiltIn::HouseNumber if same_place => code_level(&a.house, &b.house, false),
        BuiltIn::Street if same_place => text_level(&a.street, &b.street, STREET_BANDS),
        BuiltIn::Street2 if same_place => text_level(&a.street2, &b.street2, LINE_BANDS),
        BuiltIn::HouseNumber | BuiltIn::Street | BuiltIn::Street2 => 0,
        BuiltIn::Place => s.place,
        BuiltIn::Phone => list_level(&a.phones, &b.phones, Code::same_last_8),
        BuiltIn::Email => email_level(a, b, s.names),
        BuiltIn::CompanyName => text_level(&a.company_name, &b.company_name, NAME_BANDS),
    }
}

/// Whether a field comparison's level holds for two values.
fn level_holds(level: &Level, x: &FieldKey, y: &FieldKey) -> bool {
    match *level {
        Level::Exact => x.text == y.text,
        Level::JaroWinkler { at_least } => {
            x.text == y.text || jaro_winkler_key(x.text.s.text(), y.text.s.text()) >= at_least
        }
        Level::Levenshtein { at_most } => {
            levenshtein_within(x.text.as_str(), y.text.as_str(), at_most)
        }
        Level::DaysWithin { days } => match (x.day, y.day) {
            (Some(a), Some(b)) => a.abs_diff(b) <= days,
            _ => false,
        },
        Level::NumberWithin { at_most } => match (x.number, y.number) {
            (Some(a), Some(b)) => (a - b).abs() <= at_most,
            _ => false,
        },
    }
}

/// The level of a field comparison: the first of `levels` that holds for any value of one
/// record and any of the other (1-based), "different" after them, 0 when one has no value.
fn field_level(a: &[FieldKey], b: &[FieldKey], levels: &[Level]) -> u8 {
    if a.is_empty() || b.is_empty() {
        return 0;
    }
    let different = levels.len() + 1;
    let mut best = different;
    for x in a {
        for y in b {
            if let Some(at) = levels
                .iter()
                .take(best - 1)
                .position(|l| level_holds(l, x, y))
            {
                best = at + 1;
            }
            if best == 1 {
                return 1;
            }
        }
    }
    u8::try_from(best).unwrap_or(u8::MAX)
}

/// Compares two prepared records under the default configuration ([`BuiltIn::ALL`] in
/// order): the same levels as [`compare`], with every comparison's kind known when compiled.
#[inline]
pub(crate) fn compare_default(a: &Prepared, b: &Prepared) -> Pattern {
    let mut p = [0u8; super::config::MAX_COMPARISONS];
    let shared = Shared {
        names: name_levels(a, b),
        place: place_level(a, b),
    };
    // Written out, each kind a constant (so each level is its straight-line code, no match
    // per comparison); in the order of `BuiltIn::ALL`, as a test holds.
    let level = |kind| builtin_level(kind, a, b, &shared);
    let levels = [
        level(BuiltIn::GivenName),
        level(BuiltIn::FamilyName),
        level(BuiltIn::BirthDate),
        level(BuiltIn::NationalId),
        level(BuiltIn::HouseNumber),
        level(BuiltIn::Street),
        level(BuiltIn::Street2),
        level(BuiltIn::Place),
        level(BuiltIn::Phone),
        level(BuiltIn::Email),
        level(BuiltIn::CompanyName),
    ];
    for (out, l) in p.iter_mut().zip(levels) {
        *out = l;
    }
    p
}

/// Compares two prepared records under a compiled configuration.
pub(crate) fn compare(c: &Compiled, a: &Prepared, b: &Prepared) -> Pattern {
    let mut p = [0u8; super::config::MAX_COMPARISONS];
    let shared = Shared::of(c, a, b);
    for (slot, out) in c.slots().iter().zip(p.iter_mut()) {
        *out = match &slot.kind {
            SlotKind::BuiltIn(kind) => builtin_level(*kind, a, b, &shared),
            SlotKind::Field { at, levels, .. } => {
                field_level(a.field_keys(*at), b.field_keys(*at), levels)
            }
        };
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The email slot of the default configuration.
    const EMAIL: usize = 9;

    /// Two records compared under the default configuration.
    fn compare(a: &Prepared, b: &Prepared) -> Pattern {
        let c = Compiled::new(&super::super::config::DedupeConfig::default()).unwrap();
        assert_eq!(c.at(BuiltIn::Email), Some(EMAIL));
        super::compare(&c, a, b)
    }

    fn person(given: &str, family: &str, email: &str) -> Prepared {
        let c = crate::Customer::builder(
            crate::CustomerId::new("P").unwrap(),
            crate::CustomerKind::Person,
        )
        .given_name(given)
        .family_name(family)
        .email(email)
        .build();
        super::super::prepare::prepare(&c, &crate::normalize::Normalizer::default(), None)
    }

    fn shape_of(p: &Prepared) -> Option<Vec<u8>> {
        shape(p, p.emails.first()?, |s, _| s.to_vec())
    }

    #[test]
    fn a_mailbox_built_from_the_name_has_a_shape_without_the_name() {
        let a = person("John", "Smith", "John.Smith84@yahoo.com");
        let b = person("Mary", "Jones", "mary.jones84@yahoo.com");
        assert_eq!(shape_of(&a), Some(b"\x01.\x0284@yahoo.com".to_vec()));
        assert_eq!(shape_of(&a), shape_of(&b));
        let initial = person("John", "Smith", "jsmith@aol.com");
        assert_eq!(shape_of(&initial), Some(b"\x03\x02@aol.com".to_vec()));
        // A letter the name does not explain: no shape.
        assert_eq!(shape_of(&person("Mary", "Smith", "jsmith@aol.com")), None);
        assert_eq!(shape_of(&person("John", "Smith", "smithy@aol.com")), None);
        // Pinyin mailboxes are read with the pinyin words.
        let han = person("伟", "张", "zhangwei123@163.com");
        assert_eq!(shape_of(&han), Some(b"\x02\x01123@163.com".to_vec()));
    }

    #[test]
    fn strangers_of_one_name_sharing_its_mailbox_reach_the_name_built_level() {
        let a = person("John", "Smith", "john.smith@yahoo.com");
        let b = person("John", "Smith", "john.smith@yahoo.com");
        assert_eq!(compare(&a, &b)[EMAIL], NAME_BUILT_EXACT as u8);
        let c = person("John", "Smith", "john_smith@yahoo.com");
        assert_eq!(compare(&a, &c)[EMAIL], NAME_BUILT_ONE_EDIT as u8);
        let n = person("John", "Smith", "john.smith84@yahoo.com");
        assert_eq!(compare(&n, &n.clone())[EMAIL], NAME_BUILT_NUMBERED as u8);
        // A mailbox that is not the name keeps its full weight.
        let d = person("John", "Smith", "jsm1966x@yahoo.com");
        assert_eq!(compare(&d, &d.clone())[EMAIL], 1);
        // Names that disagree do not explain the mailbox they share.
        let e = person("Linda", "Henry", "l.henry01@yahoo.com");
        let f = person("Lara", "Brown", "l.henry01@yahoo.com");
        assert_eq!(compare(&e, &f)[EMAIL], 1);
        // Names in swapped fields, one mistyped, agree in that reading, and explain it.
        let swapped = person("Henry", "Linad", "l.henry01@yahoo.com");
        assert_eq!(name_levels(&e, &swapped), (2, 1));
        assert_eq!(compare(&e, &swapped)[EMAIL], NAME_BUILT_NUMBERED as u8);
        // What the pair would reach if the names agreed: counted for u.
        let g = person("Mary", "Jones", "mary.jones@yahoo.com");
        assert_eq!(email_given_name(&a, &g), NAME_BUILT_EXACT as u8);
    }
}
