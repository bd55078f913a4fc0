//! Phone numbers: parsing any common written form to E.164, with libphonenumber's metadata.
//!
//! The metadata (country calling codes for every region; national number patterns and lengths)
//! is generated into `data/phone_meta.rs` from the `phonenumbers` package; its header names the
//! version and licence. Patterns are compiled lazily, once per region, into one `RegexSet`, so
//! that one search tells which of a region's patterns a number matches.

use std::borrow::Cow;
use std::fmt;
use std::sync::OnceLock;

use regex::{Regex, RegexSet};
use serde::{Deserialize, Serialize};

use super::{FieldKind, Normalizer};
use crate::model::{mask_phone, mask_value};

/// A number pattern and its possible lengths.
#[derive(Debug)]
pub(crate) struct Desc {
    pub(crate) pattern: &'static str,
    pub(crate) lengths: &'static [u8],
}

/// One region's numbering metadata.
#[derive(Debug)]
pub(crate) struct RegionMeta {
    pub(crate) region: &'static str,
    pub(crate) country_code: u16,
    pub(crate) national_prefix: Option<&'static str>,
    pub(crate) main: bool,
    pub(crate) general: Option<Desc>,
    pub(crate) fixed_line: Option<Desc>,
    pub(crate) mobile: Option<Desc>,
    pub(crate) toll_free: Option<Desc>,
    pub(crate) premium: Option<Desc>,
    pub(crate) shared_cost: Option<Desc>,
    pub(crate) voip: Option<Desc>,
    pub(crate) personal: Option<Desc>,
    pub(crate) uan: Option<Desc>,
}

#[path = "data/phone_meta.rs"]
mod meta;
use meta::REGIONS;

/// What kind of line a number is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PhoneKind {
    /// A fixed (landline) number.
    FixedLine,
    /// A mobile number.
    Mobile,
    /// A number that may be either (NANP numbers, for instance).
    FixedLineOrMobile,
    /// Free to the caller.
    TollFree,
    /// Premium-rate.
    PremiumRate,
    /// Cost shared between caller and receiver.
    SharedCost,
    /// Voice over IP.
    Voip,
    /// A personal (follow-me) number.
    Personal,
    /// A universal access number of a company.
    Uan,
    /// Possible by length, but matching no known number type of the region.
    Unknown,
}

impl PhoneKind {
    /// Whether this is an ordinary customer line (fixed or mobile); other kinds are possible
    /// but unusual for a customer record.
    pub fn is_usual(self) -> bool {
        matches!(
            self,
            Self::FixedLine | Self::Mobile | Self::FixedLineOrMobile
        )
    }
}

/// Why a value is not a phone number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PhoneError {
    /// Nothing left after trimming.
    #[error("the phone is empty")]
    Empty,
    /// Letters or other characters where digits are expected, or no digits at all.
    #[error("the phone is not a number")]
    NotANumber,
    /// No country calling code was written and no default region was given.
    #[error("no country code and no default region")]
    NoRegion,
    /// The default region is not a known region.
    #[error("unknown default region")]
    UnknownRegion,
    /// The country calling code is assigned to no region.
    #[error("unknown country calling code")]
    UnknownCountryCode,
    /// The national number has a length no number of its region has.
    #[error("the number has an impossible length for its region")]
    InvalidLength,
}

impl PhoneError {
    /// The stable code (`phone.invalid_length`).
    pub fn code(self) -> &'static str {
        match self {
            Self::Empty => "phone.empty",
            Self::NotANumber => "phone.not_a_number",
            Self::NoRegion => "phone.no_region",
            Self::UnknownRegion => "phone.unknown_region",
            Self::UnknownCountryCode => "phone.unknown_country_code",
            Self::InvalidLength => "phone.invalid_length",
        }
    }
}

/// A parsed phone number. The E.164 form is as personal as the number: `Debug` masks it, the
/// national number and the extension.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct NormalizedPhone {
    /// E.164 form: `+` country code and national number (`+8613800138000`).
    pub e164: String,
    /// The country calling code.
    pub country_code: u16,
    /// The national significant number (no trunk prefix).
    pub national: String,
    /// The region the number belongs to (`CN`; for shared codes the matching region).
    pub region: &'static str,
    /// An extension, if one was written (`ext. 12`, `转12`, `x12`).
    pub extension: Option<String>,
    /// The kind of line.
    pub kind: PhoneKind,
    /// Whether the number matches its region's patterns; `false` means possible by length only.
    pub valid: bool,
}

impl fmt::Debug for NormalizedPhone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NormalizedPhone")
            .field("e164", &mask_phone(&self.e164))
            .field("country_code", &self.country_code)
            .field("national", &mask_phone(&self.national))
            .field("region", &self.region)
            .field("extension", &self.extension.as_deref().map(mask_value))
            .field("kind", &self.kind)
            .field("valid", &self.valid)
            .finish()
    }
}

/// A region's compiled patterns: the general one and each type's, in order (those that compile).
struct Compiled {
    /// Whether the general pattern is there (it is then pattern 0, and the types follow).
    general: bool,
    /// The types, in order.
    kinds: Vec<PhoneKind>,
    matcher: Matcher,
}

enum Matcher {
    /// All the patterns in one set: one search tells which match.
    Set(RegexSet),
    /// One regex per pattern, in the same order: if the set cannot be built (its size limit).
    Each(Vec<Regex>),
}

fn full_match(pattern: &str) -> String {
    format!("^(?:{pattern})$")
}

fn compiled(index: usize) -> Option<&'static Compiled> {
    static CACHE: OnceLock<Vec<OnceLock<Compiled>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| REGIONS.iter().map(|_| OnceLock::new()).collect());
    let meta = REGIONS.get(index)?;
    Some(cache.get(index)?.get_or_init(|| compile(meta, true)))
}

/// A region's patterns compiled: in one set if `set_wanted` and the set can be built.
fn compile(meta: &RegionMeta, set_wanted: bool) -> Compiled {
    let mut patterns = Vec::new();
    let mut regexes = Vec::new();
    let mut add = |d: &Option<Desc>| {
        let pattern = full_match(d.as_ref()?.pattern);
        let re = Regex::new(&pattern).ok()?;
        patterns.push(pattern);
        regexes.push(re);
        Some(())
    };
    let general = add(&meta.general).is_some();
    let mut kinds = Vec::new();
    for (kind, d) in [
        (PhoneKind::FixedLine, &meta.fixed_line),
        (PhoneKind::Mobile, &meta.mobile),
        (PhoneKind::TollFree, &meta.toll_free),
        (PhoneKind::PremiumRate, &meta.premium),
        (PhoneKind::SharedCost, &meta.shared_cost),
        (PhoneKind::Voip, &meta.voip),
        (PhoneKind::Personal, &meta.personal),
        (PhoneKind::Uan, &meta.uan),
    ] {
        if add(d).is_some() {
            kinds.push(kind);
        }
    }
    let set = if set_wanted {
        RegexSet::new(&patterns).ok()
    } else {
        None
    };
    let matcher = match set {
        Some(set) => Matcher::Set(set),
        None => Matcher::Each(regexes),
    };
    Compiled {
        general,
        kinds,
        matcher,
    }
}

/// The metadata index of a region code (case-insensitive).
fn region_index(region: &str) -> Option<usize> {
    let region = region.trim();
    // Two letters (every region code is two): looked up in a table.
    if let &[a, b] = region.as_bytes() {
        if a.is_ascii_alphabetic() && b.is_ascii_alphabetic() {
            return two_letter_regions()
                .get(two_letter_slot(a, b))
                .copied()
                .flatten();
        }
    }
    let wanted = region.bytes().map(|b| b.to_ascii_uppercase());
    REGIONS
        .binary_search_by(|m| m.region.bytes().cmp(wanted.clone()))
        .ok()
}

/// Where a two-letter code (either case) is in [`two_letter_regions`].
fn two_letter_slot(a: u8, b: u8) -> usize {
    let letter = |c: u8| usize::from(c.to_ascii_uppercase().wrapping_sub(b'A')) % 26;
    letter(a) * 26 + letter(b)
}

/// For every pair of letters, the metadata index of the region with that code; built once.
fn two_letter_regions() -> &'static [Option<usize>] {
    static TABLE: OnceLock<Vec<Option<usize>>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut table = vec![None; 26 * 26];
        for (i, m) in REGIONS.iter().enumerate() {
            if let &[a, b] = m.region.as_bytes() {
                if a.is_ascii_uppercase() && b.is_ascii_uppercase() {
                    if let Some(slot) = table.get_mut(two_letter_slot(a, b)) {
                        *slot = Some(i);
                    }
                }
            }
        }
        table
    })
}

/// For every calling code (index), the regions sharing it, main region first; built once.
fn regions_by_code() -> &'static [Vec<usize>] {
    static TABLE: OnceLock<Vec<Vec<usize>>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut table: Vec<Vec<usize>> = vec![Vec::new(); 1000];
        for (i, m) in REGIONS.iter().enumerate() {
            if let Some(slot) = table.get_mut(usize::from(m.country_code)) {
                slot.push(i);
            }
        }
        for v in &mut table {
            v.sort_by_key(|&i| REGIONS.get(i).is_none_or(|m| !m.main));
        }
        table
    })
}

/// The indexes of the regions sharing a calling code, main region first.
fn regions_of(cc: u16) -> &'static [usize] {
    regions_by_code()
        .get(usize::from(cc))
        .map_or(&[], Vec::as_slice)
}

/// The country calling code of a region (`CN` → 86), for every region libphonenumber knows.
///
/// ```
/// use clientele::normalize::phone::country_code_of;
/// assert_eq!(country_code_of("cn"), Some(86));
/// assert_eq!(country_code_of("GB"), Some(44));
/// assert_eq!(country_code_of("XX"), None);
/// ```
pub fn country_code_of(region: &str) -> Option<u16> {
    region_index(region)
        .and_then(|i| REGIONS.get(i))
        .map(|m| m.country_code)
}

/// How a national number fares in one region.
#[cfg_attr(test, derive(Debug, PartialEq, Eq))]
enum Fit {
    Valid(PhoneKind),
    Possible,
    No,
}

fn fit(index: usize, nsn: &str) -> Fit {
    let (Some(meta), Some(c)) = (REGIONS.get(index), compiled(index)) else {
        return Fit::No;
    };
    fit_compiled(meta, c, nsn)
}

fn fit_compiled(meta: &RegionMeta, c: &Compiled, nsn: &str) -> Fit {
    let len = u8::try_from(nsn.len()).unwrap_or(u8::MAX);
    let possible = meta
        .general
        .as_ref()
        .is_some_and(|g| g.lengths.contains(&len));
    if !possible {
        return Fit::No;
    }
    match &c.matcher {
        Matcher::Set(set) => {
            let matches = set.matches(nsn);
            classify(c, |i| matches.matched(i))
        }
        Matcher::Each(regexes) => {
            classify(c, |i| regexes.get(i).is_some_and(|re| re.is_match(nsn)))
        }
    }
}

/// The fit of a number of possible length, from which of the region's patterns it matches.
fn classify(c: &Compiled, matched: impl Fn(usize) -> bool) -> Fit {
    if !c.general || !matched(0) {
        return Fit::Possible;
    }
    // The first type that matches names the number; a fixed-line pattern that a mobile one
    // (next in order) also matches means either.
    let mut types = c.kinds.iter().enumerate().map(|(i, k)| (i + 1, *k));
    match types.find(|&(i, _)| matched(i)) {
        None => Fit::Possible,
        Some((i, PhoneKind::FixedLine)) => {
            // Pattern `i` is the fixed line's: the next type is `kinds[i]`, pattern `i + 1`.
            if c.kinds.get(i) == Some(&PhoneKind::Mobile) && matched(i + 1) {
                Fit::Valid(PhoneKind::FixedLineOrMobile)
            } else {
                Fit::Valid(PhoneKind::FixedLine)
            }
        }
        Some((_, k)) => Fit::Valid(k),
    }
}

/// A byte of a number written without extension: a digit or a separator.
fn is_number_byte(b: u8) -> bool {
    matches!(
        b,
        b'0'..=b'9' | b' ' | b'-' | b'.' | b'(' | b')' | b'/' | b'+'
    )
}

/// Digits and separators only, with single spaces and none at either end: what the default
/// phone rules ([`super::PLAIN_PHONE_RULES`]) leave unchanged.
fn is_plain(s: &str) -> bool {
    // The byte before; a space to begin with, so that a leading space fails as a doubled one.
    let mut previous = b' ';
    for b in s.bytes() {
        if !is_number_byte(b) || (b == b' ' && previous == b' ') {
            return false;
        }
        previous = b;
    }
    previous != b' ' || s.is_empty()
}

/// Splits off an extension (`ext. 12`, `extension 12`, `x12`, `#12`, `转12`, `分机12`): the
/// number part (a slice of `s`) and the extension's digits.
fn split_extension(s: &str) -> (&str, Option<String>) {
    // Digits and separators only (most numbers): no marker, no extension.
    if s.bytes().all(is_number_byte) {
        return (s, None);
    }
    let lower = s.to_lowercase();
    let markers = ["extension", "ext.", "ext", "分机", "转", "x", "#", ",", ";"];
    let mut best: Option<(usize, usize)> = None;
    for m in markers {
        let mut from = 0;
        while let Some(pos) = lower.get(from..).and_then(|t| t.find(m)).map(|p| p + from) {
            let before_digits = lower
                .get(..pos)
                .unwrap_or("")
                .chars()
                .filter(char::is_ascii_digit)
                .count();
            let after = lower.get(pos + m.len()..).unwrap_or("");
            let after_ok = !after.trim().is_empty()
                && after
                    .trim()
                    .chars()
                    .all(|c| c.is_ascii_digit() || c == ' ' || c == '.');
            if before_digits >= 6 && after_ok {
                if best.is_none_or(|(p, _)| pos < p) {
                    best = Some((pos, m.len()));
                }
                break;
            }
            from = pos + m.len();
        }
    }
    match best {
        Some((pos, len)) => {
            let ext: String = lower
                .get(pos + len..)
                .unwrap_or("")
                .chars()
                .filter(char::is_ascii_digit)
                .collect();
            // `pos` is an offset into the lower-cased text; where lower-casing changed lengths
            // it may fall inside a character of `s`, and then the whole of `s` is the number.
            (
                s.get(..pos).unwrap_or(s),
                Some(ext).filter(|e| !e.is_empty()),
            )
        }
        None => (s, None),
    }
}

/// `digits` (ASCII digits) without a leading `cc` in decimal (`86` off `8613800138000`).
fn strip_country_code(digits: &str, cc: u16) -> Option<&str> {
    let width = match cc {
        0..=9 => 1,
        10..=99 => 2,
        100..=999 => 3,
        1000..=9999 => 4,
        _ => 5,
    };
    // Of as many digits as `cc` has, only `cc` itself has its value (a leading 0 would lower it).
    let head: u16 = digits.get(..width)?.parse().ok()?;
    (head == cc).then(|| digits.get(width..)).flatten()
}

/// `+`, the country code and the national number.
fn e164(cc: u16, nsn: &str) -> String {
    let mut out = String::with_capacity(nsn.len() + 6);
    out.push('+');
    push_decimal(&mut out, cc);
    out.push_str(nsn);
    out
}

/// `n` in decimal, as `{n}` formats it.
fn push_decimal(out: &mut String, n: u16) {
    if n >= 10 {
        push_decimal(out, n / 10);
    }
    out.extend(char::from_digit(u32::from(n % 10), 10));
}

/// Country calling codes are prefix-free: at most one of the 1-, 2- and 3-digit prefixes is one.
fn split_country_code(digits: &str) -> Option<(u16, &str)> {
    (1..=3).find_map(|n| {
        let cc: u16 = digits.get(..n)?.parse().ok()?;
        let rest = digits.get(n..)?;
        (!regions_of(cc).is_empty()).then_some((cc, rest))
    })
}

impl Normalizer {
    /// Parses a phone number written in any common form to E.164.
    ///
    /// Accepts spaces, dashes, dots, parentheses, full-width digits, `+CC`, `00CC` and (when the
    /// rest is a valid number) bare `CC` prefixes, a trunk `0`, and extensions. `default_region`
    /// (`"CN"`) is used for numbers written without a country code.
    ///
    /// # Errors
    /// [`PhoneError`] when the value is not a number, has no country code and no default region,
    /// or has a length impossible for its region. A number of possible length that matches no
    /// pattern parses with `valid: false`.
    ///
    /// ```
    /// use clientele::normalize::{Normalizer, PhoneKind};
    /// let n = Normalizer::default();
    /// for written in ["138 0013 8000", "+86 138-0013-8000", "0086 13800138000", "8613800138000", "１３８００１３８０００"] {
    ///     assert_eq!(n.phone(written, Some("CN"))?.e164, "+8613800138000");
    /// }
    /// let office = n.phone("(010) 6552-9988 转 12", Some("CN"))?;
    /// assert_eq!((office.e164.as_str(), office.extension.as_deref(), office.kind), ("+861065529988", Some("12"), PhoneKind::FixedLine));
    /// assert_eq!(n.phone("+1 (415) 555-2671", None)?.region, "US");
    /// assert!(n.phone("13800", Some("CN")).is_err());
    /// // Possible by length, but no CN number looks like this: parsed, flagged not valid.
    /// assert!(!n.phone("1380013800", Some("CN"))?.valid);
    /// # Ok::<(), clientele::normalize::PhoneError>(())
    /// ```
    pub fn phone(
        &self,
        raw: &str,
        default_region: Option<&str>,
    ) -> Result<NormalizedPhone, PhoneError> {
        // The usual form (digits and separators, single spaces) is its own canonical value
        // under the default rules, and holds no extension.
        let plain = self.phone_plain_is_canonical && is_plain(raw);
        let text = if plain {
            Cow::Borrowed(raw)
        } else {
            self.canonical(FieldKind::Phone, raw)
        };
        if text.is_empty() {
            return Err(PhoneError::Empty);
        }
        let (trimmed, extension) = if plain {
            // Nothing to split off or trim.
            (raw, None)
        } else {
            let (main, extension) = split_extension(&text);
            (main.trim(), extension)
        };
        let plus = trimmed.starts_with('+');
        // Digits and separators only (all ASCII), and a `+` at most at the start.
        let mut count = 0;
        let mut separated = false;
        for (i, b) in trimmed.bytes().enumerate() {
            match b {
                b'0'..=b'9' => count += 1,
                b' ' | b'-' | b'.' | b'(' | b')' | b'/' => separated = true,
                b'+' if i == 0 => separated = true,
                _ => return Err(PhoneError::NotANumber),
            }
        }
        if count == 0 {
            return Err(PhoneError::NotANumber);
        }
        // The digits: `trimmed` itself when it has no separator, else gathered on the stack
        // (on the heap when unusually many).
        let mut stack = [0u8; 32];
        let heap: String;
        let digits: &str = if !separated {
            trimmed
        } else if let Some(slots) = stack.get_mut(..count) {
            for (slot, b) in slots
                .iter_mut()
                .zip(trimmed.bytes().filter(u8::is_ascii_digit))
            {
                *slot = b;
            }
            std::str::from_utf8(slots).map_err(|_| PhoneError::NotANumber)?
        } else {
            heap = trimmed.chars().filter(char::is_ascii_digit).collect();
            &heap
        };
        let default = match default_region {
            Some(r) => Some(region_index(r).ok_or(PhoneError::UnknownRegion)?),
            None => None,
        };

        // Candidate (country code, national part) readings, most explicit first: at most two.
        let first: (u16, &str);
        let mut second: Option<(u16, &str)> = None;
        let international = if plus {
            Some(digits)
        } else {
            digits.strip_prefix("00")
        };
        if let Some(intl) = international {
            first = split_country_code(intl).ok_or(PhoneError::UnknownCountryCode)?;
        } else if let Some(i) = default {
            let meta = REGIONS.get(i).ok_or(PhoneError::NoRegion)?;
            first = (meta.country_code, digits);
            // A bare country code (`86 138...`) counts only when the rest is valid.
            second =
                strip_country_code(digits, meta.country_code).map(|rest| (meta.country_code, rest));
        } else {
            first = split_country_code(digits).ok_or(PhoneError::NoRegion)?;
        }

        let bare_cc_candidate = !plus && international.is_none() && second.is_some();
        let mut possible: Option<(u16, &str, usize)> = None;
        for (i, (cc, national)) in std::iter::once(first).chain(second).enumerate() {
            let needs_valid =
                bare_cc_candidate && i > 0 || (default.is_none() && international.is_none());
            for &index in regions_of(cc) {
                let Some(meta) = REGIONS.get(index) else {
                    continue;
                };
                // Without the national (trunk) prefix first, then as written.
                let stripped = meta
                    .national_prefix
                    .and_then(|np| national.strip_prefix(np));
                for nsn in stripped.into_iter().chain([national]) {
                    match fit(index, nsn) {
                        Fit::Valid(kind) => {
                            return Ok(NormalizedPhone {
                                e164: e164(cc, nsn),
                                country_code: cc,
                                national: nsn.to_owned(),
                                region: meta.region,
                                extension,
                                kind,
                                valid: true,
                            });
                        }
                        Fit::Possible if !needs_valid && possible.is_none() => {
                            possible = Some((cc, nsn, index));
                        }
                        _ => {}
                    }
                }
            }
        }
        match possible {
            Some((cc, nsn, index)) => Ok(NormalizedPhone {
                e164: e164(cc, nsn),
                country_code: cc,
                national: nsn.to_owned(),
                region: REGIONS.get(index).map_or("ZZ", |m| m.region),
                extension,
                kind: PhoneKind::Unknown,
                valid: false,
            }),
            None if default.is_none() && international.is_none() => Err(PhoneError::NoRegion),
            None => Err(PhoneError::InvalidLength),
        }
    }
}

#[cfg(test)]
#[path = "phone_reference.rs"]
mod reference;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pattern_compiles_under_rust_regex() {
        for (i, m) in REGIONS.iter().enumerate() {
            let c = compiled(i).unwrap();
            assert_eq!(c.general, m.general.is_some(), "{}", m.region);
            let declared = [
                &m.fixed_line,
                &m.mobile,
                &m.toll_free,
                &m.premium,
                &m.shared_cost,
                &m.voip,
                &m.personal,
                &m.uan,
            ]
            .iter()
            .filter(|d| d.is_some())
            .count();
            assert_eq!(c.kinds.len(), declared, "{}", m.region);
            // Every region gets the one-search set.
            assert!(matches!(c.matcher, Matcher::Set(_)), "{}", m.region);
        }
    }

    #[test]
    fn fixed_line_or_mobile_only_when_the_mobile_pattern_matches() {
        let c = |kinds: Vec<PhoneKind>| Compiled {
            general: true,
            kinds,
            matcher: Matcher::Each(Vec::new()),
        };
        use PhoneKind::*;
        let all = |_| true;
        assert_eq!(
            classify(&c(vec![FixedLine, Mobile, TollFree]), all),
            Fit::Valid(FixedLineOrMobile)
        );
        assert_eq!(
            classify(&c(vec![FixedLine, TollFree]), all),
            Fit::Valid(FixedLine)
        );
        assert_eq!(
            classify(&c(vec![FixedLine, Mobile, TollFree]), |i| i != 2),
            Fit::Valid(FixedLine)
        );
        assert_eq!(
            classify(&c(vec![FixedLine, Mobile]), |i| i == 0 || i == 2),
            Fit::Valid(Mobile)
        );
        assert_eq!(classify(&c(vec![Mobile]), |i| i == 0), Fit::Possible);
        assert_eq!(classify(&c(vec![Mobile]), |i| i == 1), Fit::Possible);
    }

    #[test]
    fn e164_writes_the_country_code_in_decimal() {
        for cc in [0, 1, 7, 10, 86, 99, 100, 886, 999, 1000, 65535] {
            assert_eq!(super::e164(cc, "123"), format!("+{cc}123"));
        }
    }

    #[test]
    fn plain_numbers_are_digits_and_separators_with_single_inner_spaces() {
        for s in ["", "1", "+86 138-0013.8000", "(010) 6552/9988"] {
            assert!(is_plain(s), "{s:?}");
        }
        for s in [" ", " 1", "1 ", "1  2", "1\t2", "１", "1x"] {
            assert!(!is_plain(s), "{s:?}");
        }
    }

    #[test]
    fn regions_are_sorted_for_binary_search() {
        assert!(REGIONS.windows(2).all(|w| w[0].region < w[1].region));
    }

    fn e164(raw: &str, region: &str) -> String {
        Normalizer::default()
            .phone(raw, Some(region))
            .map(|p| p.e164)
            .unwrap_or_else(|e| e.code().to_owned())
    }

    #[test]
    fn national_formats_of_the_listed_regions() {
        let cases = [
            ("13800138000", "CN", "+8613800138000"),
            ("021-6288 8888", "CN", "+862162888888"),
            ("0755 8888 6666", "CN", "+8675588886666"),
            ("9123 4567", "HK", "+85291234567"),
            ("6612 3456", "MO", "+85366123456"),
            ("0912 345 678", "TW", "+886912345678"),
            ("9123 4567", "SG", "+6591234567"),
            ("090-1234-5678", "JP", "+819012345678"),
            ("03-1234-5678", "JP", "+81312345678"),
            ("010-1234-5678", "KR", "+821012345678"),
            ("(212) 736-5000", "US", "+12127365000"),
            ("1-416-555-0123", "CA", "+14165550123"),
            ("020 7946 0018", "GB", "+442079460018"),
            ("07700 900123", "GB", "+447700900123"),
            ("030 12345678", "DE", "+493012345678"),
            ("01 42 68 53 00", "FR", "+33142685300"),
            ("(02) 9374 4000", "AU", "+61293744000"),
            ("0412 345 678", "AU", "+61412345678"),
            ("098765 43210", "IN", "+919876543210"),
        ];
        for (raw, region, want) in cases {
            assert_eq!(e164(raw, region), want, "{raw} in {region}");
        }
    }

    #[test]
    fn a_written_country_code_wins_over_the_default_region() {
        assert_eq!(e164("+44 20 7946 0018", "CN"), "+442079460018");
        assert_eq!(e164("0044 20 7946 0018", "CN"), "+442079460018");
    }

    #[test]
    fn unparseable_values_are_errors_not_guesses() {
        let n = Normalizer::default();
        assert_eq!(n.phone("call me", Some("CN")), Err(PhoneError::NotANumber));
        assert_eq!(n.phone("13800138000", None), Err(PhoneError::NoRegion));
        assert_eq!(n.phone("12345", Some("CN")), Err(PhoneError::InvalidLength));
        assert_eq!(
            n.phone("+999 1234", None),
            Err(PhoneError::UnknownCountryCode)
        );
        assert_eq!(n.phone("", Some("CN")), Err(PhoneError::Empty));
        assert_eq!(n.phone("123", Some("QQ")), Err(PhoneError::UnknownRegion));
    }

    #[test]
    fn extensions_in_several_spellings() {
        let n = Normalizer::default();
        for raw in [
            "+1 212 736 5000 ext. 12",
            "+1 212 736 5000 x12",
            "+1 212-736-5000 #12",
            "+1 212 736 5000 extension 12",
        ] {
            assert_eq!(
                n.phone(raw, None).unwrap().extension.as_deref(),
                Some("12"),
                "{raw}"
            );
        }
    }
}
