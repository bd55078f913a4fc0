//! Comparisons: for each field, the level a pair reaches.
//!
//! Level 0 of every comparison is "missing" (one side or both empty): it contributes nothing to
//! the match weight. Higher-numbered levels are weaker agreement; the last is "different".

use chrono::Datelike;

use super::prepare::{Code, Prepared, Text};
use super::similarity::{jaro_winkler_key, within_one_edit};

/// The comparisons, in pattern order, with their level labels.
pub const COMPARISONS: [(&str, &[&str]); 11] = [
    (
        "given_name",
        &[
            "missing",
            "exact",
            "jaro_winkler>=0.92",
            "jaro_winkler>=0.80",
            "different",
        ],
    ),
    (
        "family_name",
        &[
            "missing",
            "exact",
            "jaro_winkler>=0.92",
            "jaro_winkler>=0.80",
            "different",
        ],
    ),
    (
        "birth_date",
        &[
            "missing",
            "exact",
            "day_month_swapped",
            "one_digit_off",
            "same_year",
            "different",
        ],
    ),
    (
        "national_id",
        &["missing", "exact", "one_edit", "different"],
    ),
    ("house_number", &["missing", "exact", "different"]),
    (
        "street",
        &[
            "missing",
            "exact",
            "jaro_winkler>=0.90",
            "jaro_winkler>=0.75",
            "different",
        ],
    ),
    (
        "street2",
        &["missing", "exact", "jaro_winkler>=0.90", "different"],
    ),
    (
        "place",
        &[
            "missing",
            "postcode_and_locality",
            "postcode",
            "locality",
            "postcode_one_edit",
            "region_only",
            "different",
        ],
    ),
    (
        "phone",
        &["missing", "exact", "same_last_8_digits", "different"],
    ),
    (
        "email",
        &["missing", "exact", "local_part_one_edit", "different"],
    ),
    (
        "company_name",
        &[
            "missing",
            "exact",
            "jaro_winkler>=0.92",
            "jaro_winkler>=0.80",
            "different",
        ],
    ),
];

/// Number of comparisons.
pub const N: usize = COMPARISONS.len();

/// The levels of one pair, one byte per comparison.
pub type Pattern = [u8; N];

/// The stride of each comparison in a packed pattern: the product of the level counts before it.
const STRIDES: [u32; N] = {
    let mut out = [0u32; N];
    let mut stride = 1u32;
    let mut i = 0;
    while i < N {
        out[i] = stride;
        stride *= COMPARISONS[i].1.len() as u32;
        i += 1;
    }
    out
};

/// A pattern packed into one number (mixed radix over the level counts: every pattern has its
/// own code, and the codes of all patterns fit in a `u32`), so that millions of compared pairs
/// take 4 bytes each.
pub(crate) fn pack(p: &Pattern) -> u32 {
    p.iter()
        .zip(STRIDES)
        .zip(COMPARISONS)
        .map(|((&l, stride), (_, levels))| u32::from(l).min(levels.len() as u32 - 1) * stride)
        .sum()
}

/// The bit set in a pair's code when its records are exact copies (every compared key equal):
/// above every packed pattern, so that scoring knows it without reading the records again.
pub(crate) const IDENTICAL: u32 = 1 << 31;

/// A compared pair's code: its packed pattern, with [`IDENTICAL`] when the records are exact
/// copies.
#[inline]
pub(crate) fn code(a: &Prepared, b: &Prepared) -> u32 {
    let identical = if a.identical(b) { IDENTICAL } else { 0 };
    pack(&compare(a, b)) | identical
}

/// The packed pattern of a pair's code (without the [`IDENTICAL`] bit).
#[inline]
pub(crate) fn pattern_code(code: u32) -> u32 {
    code & !IDENTICAL
}

/// The pattern of a packed code (the [`IDENTICAL`] bit ignored).
pub(crate) fn unpack(code: u32) -> Pattern {
    let code = pattern_code(code);
    let mut p = [0u8; N];
    for ((slot, stride), (_, levels)) in p.iter_mut().zip(STRIDES).zip(COMPARISONS) {
        *slot = ((code / stride) % levels.len() as u32) as u8;
    }
    p
}

/// Indexes of the comparisons whose exact level is adjusted by term frequency.
pub(crate) const GIVEN: usize = 0;
pub(crate) const FAMILY: usize = 1;
pub(crate) const COMPANY: usize = 10;
pub(crate) const BIRTH_DATE: usize = 2;
pub(crate) const NATIONAL_ID: usize = 3;
pub(crate) const STREET: usize = 5;
pub(crate) const PLACE: usize = 7;
pub(crate) const PHONE: usize = 8;
pub(crate) const EMAIL: usize = 9;

fn text_level(a: &Option<Text>, b: &Option<Text>, bands: &[f64]) -> u8 {
    match (a, b) {
        (Some(a), Some(b)) => text_pair(a, b, bands),
        _ => 0,
    }
}

fn text_pair(a: &Text, b: &Text, bands: &[f64]) -> u8 {
    if a == b {
        return 1;
    }
    let s = jaro_winkler_key(a.s.text(), b.s.text());
    let mut level = 2;
    for &band in bands {
        if s >= band {
            return level;
        }
        level += 1;
    }
    level
}

fn code_level(a: &Option<Code>, b: &Option<Code>, fuzzy: bool) -> u8 {
    match (a, b) {
        (Some(a), Some(b)) if a == b => 1,
        (Some(a), Some(b)) if fuzzy && within_one_edit(a.as_bytes(), b.as_bytes()) => 2,
        (Some(_), Some(_)) => 2 + u8::from(fuzzy),
        _ => 0,
    }
}

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
fn name_levels(a: &Prepared, b: &Prepared) -> (u8, u8) {
    const BANDS: &[f64] = &[0.92, 0.80];
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
    // Swapped fields count only when both agree exactly, so test that first (two key
    // compares) before grading the straight reading.
    let same = |x: &Option<Text>, y: &Option<Text>| match (x, y) {
        (Some(x), Some(y)) => x == y,
        _ => false,
    };
    if same(&a.given, &b.family) && same(&a.family, &b.given) {
        return (1, 1);
    }
    (
        text_level(&a.given, &b.given, BANDS),
        text_level(&a.family, &b.family, BANDS),
    )
}

/// Postcode, locality and region read as one piece of evidence: they describe one place, and
/// counting each as independent would count a shared city three times.
fn place_level(a: &Prepared, b: &Prepared) -> u8 {
    let postcode = code_level(&a.postcode, &b.postcode, true);
    let locality = text_level(&a.locality, &b.locality, &[0.90]);
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
    let (x, y) = (x.as_bytes(), y.as_bytes());
    // Cheapest test first: most pairs differ in more than one edit.
    if !within_one_edit(x, y) {
        return false;
    }
    fn split(s: &[u8]) -> Option<(&[u8], &[u8])> {
        s.iter().rposition(|&b| b == b'@').map(|at| s.split_at(at))
    }
    let (Some((lx, dx)), Some((ly, dy))) = (split(x), split(y)) else {
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

/// Whether two 8-digit dates differ in at most one digit or by one adjacent transposition.
fn one_digit_off(a: &[u8; 8], b: &[u8; 8]) -> bool {
    let mut diff = (0..8).filter(|&i| a.get(i) != b.get(i));
    match (diff.next(), diff.next(), diff.next()) {
        (None, ..) | (Some(_), None, _) => true,
        (Some(i), Some(j), None) => j == i + 1 && a.get(i) == b.get(j) && a.get(j) == b.get(i),
        _ => false,
    }
}

/// Compares two prepared records.
pub(crate) fn compare(a: &Prepared, b: &Prepared) -> Pattern {
    let mut p = [0u8; N];
    let (g, f) = name_levels(a, b);
    p[0] = g;
    p[1] = f;
    p[2] = match (a.dob, b.dob) {
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
    };
    p[3] = list_level(&a.ids, &b.ids, |x, y| {
        within_one_edit(x.as_bytes(), y.as_bytes())
    });
    p[7] = place_level(a, b);
    // A house number or street name is evidence only within one place: "12 Main Street" in two
    // towns are two addresses, and the place level already counts their disagreement.
    if p[7] < 5 {
        p[4] = code_level(&a.house, &b.house, false);
        p[5] = text_level(&a.street, &b.street, &[0.90, 0.75]);
        p[6] = text_level(&a.street2, &b.street2, &[0.90]);
    }
    p[8] = list_level(&a.phones, &b.phones, Code::same_last_8);
    p[9] = list_level(&a.emails, &b.emails, email_near);
    p[10] = text_level(&a.company_name, &b.company_name, &[0.92, 0.80]);
    p
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn packing_is_lossless(levels in prop::collection::vec(0u8..7, N)) {
            let mut p = [0u8; N];
            for ((slot, l), (_, names)) in p.iter_mut().zip(levels).zip(COMPARISONS) {
                *slot = l % names.len() as u8;
            }
            prop_assert_eq!(unpack(pack(&p)), p);
        }
    }

    #[test]
    fn every_code_fits() {
        let top: Pattern = std::array::from_fn(|i| COMPARISONS[i].1.len() as u8 - 1);
        let code = u64::from(pack(&top));
        let product: u64 = COMPARISONS.iter().map(|(_, l)| l.len() as u64).product();
        assert_eq!(code, product - 1);
        assert!(product <= u64::from(IDENTICAL));
    }
}
