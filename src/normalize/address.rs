//! Addresses: canonical lines, keys with abbreviations expanded, Chinese administrative units.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::chinese::to_simplified;
use super::{Context, FieldKind, Normalizer};
use crate::model::{Address, CountryCode, mask_value};

/// Street-type and unit abbreviations and their full forms (keys only).
const ABBREVIATIONS: &[(&str, &str)] = &[
    ("st", "street"),
    ("str", "street"),
    ("rd", "road"),
    ("ave", "avenue"),
    ("av", "avenue"),
    ("blvd", "boulevard"),
    ("dr", "drive"),
    ("ln", "lane"),
    ("ct", "court"),
    ("pl", "place"),
    ("cres", "crescent"),
    ("cct", "circuit"),
    ("cir", "circle"),
    ("cl", "close"),
    ("hwy", "highway"),
    ("pde", "parade"),
    ("tce", "terrace"),
    ("sq", "square"),
    ("mt", "mount"),
    ("apt", "apartment"),
    ("ste", "suite"),
    ("fl", "floor"),
    ("bldg", "building"),
    ("gr", "grove"),
    ("esp", "esplanade"),
    ("pkwy", "parkway"),
    ("rte", "route"),
    ("cnr", "corner"),
    ("hts", "heights"),
    ("vlge", "village"),
    ("retrmnt", "retirement"),
    ("ctr", "centre"),
    ("pt", "point"),
];

/// Chinese administrative and street units, longest first.
const CN_UNITS: &[&str] = &[
    "特别行政区",
    "自治区",
    "自治州",
    "街道",
    "省",
    "市",
    "区",
    "县",
    "镇",
    "乡",
    "村",
    "路",
    "街",
    "道",
    "巷",
    "弄",
    "号",
    "栋",
    "楼",
    "室",
    "层",
];

/// What one word of a key becomes under [`abbreviations`], if it changes.
enum Expansion<'a> {
    /// An abbreviation's full form.
    Full(&'static str),
    /// A German `...str`: its stem, written `...strasse`.
    Strasse(&'a str),
}

/// The expansion of one word: a listed abbreviation, else a German `...str` with a stem of
/// three or more characters.
#[inline]
fn expansion(w: &str) -> Option<Expansion<'_>> {
    // Abbreviations are 2 to 7 bytes long; a `...str` word has at least 6.
    if w.len() < 2 {
        return None;
    }
    if w.len() <= 7
        && let Some((_, full)) = ABBREVIATIONS.iter().find(|(a, _)| *a == w)
    {
        return Some(Expansion::Full(full));
    }
    w.strip_suffix("str")
        .filter(|stem| stem.len() >= 3 && stem.chars().count() >= 3)
        .map(Expansion::Strasse)
}

/// Abbreviations expanded word by word (`12 main st` → `12 main street`); German `...str`
/// becomes `...strasse`. Runs after punctuation is stripped, so `St.` and `St` are one word.
pub(crate) fn abbreviations(s: &str, _ctx: &mut Context) -> Option<String> {
    // Most keys have nothing to expand: look before allocating.
    if !s.split(' ').any(|w| expansion(w).is_some()) {
        return None;
    }
    let mut out = String::with_capacity(s.len() + 16);
    for (i, w) in s.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        match expansion(w) {
            Some(Expansion::Full(full)) => out.push_str(full),
            Some(Expansion::Strasse(stem)) => {
                out.push_str(stem);
                out.push_str("strasse");
            }
            None => out.push_str(w),
        }
    }
    Some(out)
}

/// An address normalized for storage and comparison. `Debug` masks every part but the country
/// (and the names of the Chinese units found).
#[derive(Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct NormalizedAddress {
    /// Canonical street lines.
    pub lines: Vec<String>,
    /// Key of the street part: house number and lines, abbreviations expanded.
    pub key: String,
    /// The words of the key, for token-overlap comparison.
    pub tokens: Vec<String>,
    /// The house number as a key (`12a`), from its own field or the first line.
    pub house_number: Option<String>,
    /// Postcode key: upper case, no spaces.
    pub postcode: Option<String>,
    /// Locality key.
    pub locality: Option<String>,
    /// Region key.
    pub region: Option<String>,
    /// Country.
    pub country: Option<CountryCode>,
    /// Chinese administrative and street units found, in order (`("省", "广东省")`, ...).
    pub units: Vec<(String, String)>,
}

impl fmt::Debug for NormalizedAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = |p: &Option<String>| p.as_deref().map(mask_value);
        let all = |v: &[String]| v.iter().map(|s| mask_value(s)).collect::<Vec<_>>();
        let units: Vec<(&str, String)> = self
            .units
            .iter()
            .map(|(unit, value)| (unit.as_str(), mask_value(value)))
            .collect();
        f.debug_struct("NormalizedAddress")
            .field("lines", &all(&self.lines))
            .field("key", &mask_value(&self.key))
            .field("tokens", &all(&self.tokens))
            .field("house_number", &m(&self.house_number))
            .field("postcode", &m(&self.postcode))
            .field("locality", &m(&self.locality))
            .field("region", &m(&self.region))
            .field("country", &self.country)
            .field("units", &units)
            .finish()
    }
}

impl Normalizer {
    /// Normalizes an address.
    ///
    /// ```
    /// use clientele::model::Address;
    /// use clientele::normalize::Normalizer;
    /// let n = Normalizer::default();
    /// let a = n.address(&Address { lines: vec!["12 Main St.".into()], postcode: Some("sw1a 1aa".into()), ..Address::default() });
    /// assert_eq!(a.key, "12 main street");
    /// assert_eq!(a.house_number.as_deref(), Some("12"));
    /// assert_eq!(a.postcode.as_deref(), Some("SW1A1AA"));
    /// let cn = n.address(&Address { lines: vec!["广东省深圳市南山区科技园路18号".into()], ..Address::default() });
    /// assert_eq!(cn.units.iter().map(|(u, _)| u.as_str()).collect::<Vec<_>>(), ["省", "市", "区", "路", "号"]);
    /// assert_eq!(cn.house_number.as_deref(), Some("18"));
    /// ```
    pub fn address(&self, address: &Address) -> NormalizedAddress {
        let lines: Vec<String> = address
            .lines
            .iter()
            .map(|l| self.normalize(FieldKind::Address, l).canonical)
            .filter(|l| !l.is_empty())
            .collect();
        let key_of =
            |s: &str| Some(self.normalize(FieldKind::Address, s).key).filter(|k| !k.is_empty());
        let mut parts: Vec<String> = Vec::new();
        let house = address.house_number.as_deref().and_then(key_of);
        if let Some(h) = &house {
            parts.push(h.clone());
        }
        parts.extend(lines.iter().filter_map(|l| key_of(l)));
        let key = parts.join(" ");
        let tokens: Vec<String> = key
            .split(' ')
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect();
        let units = lines
            .iter()
            .flat_map(|l| cn_units(&to_simplified(l)))
            .collect::<Vec<_>>();
        let house_number = house.or_else(|| {
            units
                .iter()
                .find(|(u, _)| u == "号")
                .and_then(|(_, seg)| {
                    let digits: String = seg
                        .chars()
                        .rev()
                        .skip(1)
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                        .collect();
                    let digits: String = digits.chars().rev().collect();
                    (!digits.is_empty()).then_some(digits.to_lowercase())
                })
                .or_else(|| {
                    tokens
                        .first()
                        .filter(|t| t.chars().next().is_some_and(|c| c.is_ascii_digit()))
                        .cloned()
                })
        });
        let postcode = address
            .postcode
            .as_deref()
            .map(|p| {
                self.normalize(FieldKind::Text, p)
                    .canonical
                    .replace(' ', "")
                    .to_uppercase()
            })
            .filter(|p| !p.is_empty());
        NormalizedAddress {
            lines,
            key,
            tokens,
            house_number,
            postcode,
            locality: address.locality.as_deref().and_then(key_of),
            region: address.region.as_deref().and_then(key_of),
            country: address.country,
            units,
        }
    }
}

/// Splits a Chinese address into segments ending in an administrative or street unit.
fn cn_units(s: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < s.len() {
        let rest = s.get(i..).unwrap_or("");
        if let Some(unit) = CN_UNITS.iter().find(|u| rest.starts_with(**u)) {
            let end = i + unit.len();
            let seg = s.get(start..end).unwrap_or("").trim();
            if seg.chars().count() > unit.chars().count() {
                out.push(((*unit).to_owned(), seg.to_owned()));
            }
            start = end;
            i = end;
        } else {
            i += rest.chars().next().map_or(1, char::len_utf8);
        }
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::normalize::Parts;
    use proptest::prelude::*;

    fn ctx() -> Context {
        Context {
            kind: FieldKind::Address,
            parts: Parts::default(),
        }
    }

    /// [`abbreviations`] as it was: a `String` per word, the table scanned for every word.
    pub(crate) fn abbreviations_reference(s: &str) -> Option<String> {
        let mut changed = false;
        let words: Vec<String> = s
            .split(' ')
            .map(|w| {
                if let Some((_, full)) = ABBREVIATIONS.iter().find(|(a, _)| *a == w) {
                    changed = true;
                    return (*full).to_owned();
                }
                if let Some(stem) = w.strip_suffix("str").filter(|st| st.chars().count() >= 3) {
                    changed = true;
                    return format!("{stem}strasse");
                }
                w.to_owned()
            })
            .collect();
        changed.then(|| words.join(" "))
    }

    #[test]
    fn abbreviations_are_two_to_seven_bytes() {
        assert!(
            ABBREVIATIONS
                .iter()
                .all(|(a, _)| (2..=7).contains(&a.len()))
        );
    }

    #[test]
    fn abbreviations_expand_as_before() {
        for s in [
            "12 main st",
            "hauptstr 5",
            "str",
            "abstr",
            "ästr",
            "äöüstr",
            " st  rd ",
            "",
            "retrmnt vlge",
            "12 main street",
        ] {
            assert_eq!(
                abbreviations(s, &mut ctx()),
                abbreviations_reference(s),
                "{s:?}"
            );
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]
        #[test]
        fn abbreviations_agree_with_the_reference(
            s in "((st|str|rd|ave|dr|retrmnt|ctr|pt|[a-z]{0,3}str|hauptstr|äöstr|ßstr|[a-zA-Z0-9]{1,8}|北京路|[ \u{3000}]{1,2})( {0,2})){0,6}"
        ) {
            prop_assert_eq!(abbreviations(&s, &mut ctx()), abbreviations_reference(&s));
        }

        #[test]
        fn abbreviations_agree_on_any_text(s in "\\PC{0,40}") {
            prop_assert_eq!(abbreviations(&s, &mut ctx()), abbreviations_reference(&s));
        }
    }
}
