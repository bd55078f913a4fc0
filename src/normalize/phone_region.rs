//! The numbering metadata of regions: lookups by region code and calling code, each region's
//! patterns compiled once, and what a national number is in a region (its type, its length).

use std::sync::OnceLock;

use regex::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};

use super::PhoneKind;

/// A number pattern and its possible lengths.
#[derive(Debug)]
pub(crate) struct Desc {
    pub(crate) pattern: &'static str,
    pub(crate) lengths: &'static [u8],
}

/// A display format: the national number's groups (`pattern`), how they are written (`format`,
/// `\1` for a group), for numbers starting as `leading` says, and the rule that writes the first
/// group with the national prefix (`0\1`, `(\1)`) in the national format.
#[derive(Debug)]
pub(crate) struct Format {
    pub(crate) pattern: &'static str,
    pub(crate) format: &'static str,
    pub(crate) leading: Option<&'static str>,
    pub(crate) national_rule: Option<&'static str>,
}

/// One region's numbering metadata (or one non-geographic calling code's, region `001`).
#[derive(Debug)]
pub(crate) struct RegionMeta {
    pub(crate) region: &'static str,
    pub(crate) country_code: u16,
    /// The place in the calling code's list of regions: 0 for its main region.
    pub(crate) rank: u8,
    /// The prefix dialled to call abroad from the region (a pattern: `00`, `011`, `0(?:0[25-79]|19)`).
    pub(crate) international_prefix: Option<&'static str>,
    /// What a national number may start with that is not part of it (a pattern matched at the
    /// start: the trunk prefix, carrier codes).
    pub(crate) national_prefix_for_parsing: Option<&'static str>,
    /// What replaces that start when the pattern's last group matched (`9\1`).
    pub(crate) national_prefix_transform: Option<&'static str>,
    /// For regions sharing a calling code: how their numbers start.
    pub(crate) leading_digits: Option<&'static str>,
    pub(crate) same_mobile_and_fixed_line: bool,
    /// Written before an extension instead of ` ext. `.
    pub(crate) extension_prefix: Option<&'static str>,
    pub(crate) general: Option<Desc>,
    /// Lengths of numbers dialled locally only (without the area code).
    pub(crate) local_lengths: &'static [u8],
    pub(crate) fixed_line: Option<Desc>,
    pub(crate) mobile: Option<Desc>,
    pub(crate) toll_free: Option<Desc>,
    pub(crate) premium: Option<Desc>,
    pub(crate) shared_cost: Option<Desc>,
    pub(crate) voip: Option<Desc>,
    pub(crate) personal: Option<Desc>,
    pub(crate) pager: Option<Desc>,
    pub(crate) uan: Option<Desc>,
    pub(crate) voicemail: Option<Desc>,
    pub(crate) formats: &'static [Format],
    pub(crate) intl_formats: &'static [Format],
}

#[path = "data/phone_meta.rs"]
mod meta;
pub(crate) use meta::{DIGIT_ZEROS, NON_GEOGRAPHIC, REGIONS};

impl RegionMeta {
    /// The types, in the order a number is tried against them (the first that matches names it;
    /// fixed line and mobile last, since a number may be both).
    pub(crate) fn types(&self) -> [(PhoneKind, &Option<Desc>); 10] {
        [
            (PhoneKind::PremiumRate, &self.premium),
            (PhoneKind::TollFree, &self.toll_free),
            (PhoneKind::SharedCost, &self.shared_cost),
            (PhoneKind::Voip, &self.voip),
            (PhoneKind::Personal, &self.personal),
            (PhoneKind::Pager, &self.pager),
            (PhoneKind::Uan, &self.uan),
            (PhoneKind::Voicemail, &self.voicemail),
            (PhoneKind::FixedLine, &self.fixed_line),
            (PhoneKind::Mobile, &self.mobile),
        ]
    }
}

/// The metadata at an index: the regions first, then the non-geographic codes.
pub(crate) fn meta_at(index: usize) -> Option<&'static RegionMeta> {
    REGIONS
        .get(index)
        .or_else(|| NON_GEOGRAPHIC.get(index.checked_sub(REGIONS.len())?))
}

fn all_meta() -> impl Iterator<Item = (usize, &'static RegionMeta)> {
    REGIONS.iter().chain(NON_GEOGRAPHIC).enumerate()
}

/// The metadata index of a region code (case-insensitive, surrounding space ignored).
pub(crate) fn region_index(region: &str) -> Option<usize> {
    let region = region.trim();
    // Two letters (every region code is two): looked up in a table.
    if let &[a, b] = region.as_bytes()
        && a.is_ascii_alphabetic()
        && b.is_ascii_alphabetic()
    {
        return two_letter_regions()
            .get(two_letter_slot(a, b))
            .copied()
            .flatten();
    }
    None
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
            if let &[a, b] = m.region.as_bytes()
                && a.is_ascii_uppercase()
                && b.is_ascii_uppercase()
                && let Some(slot) = table.get_mut(two_letter_slot(a, b))
            {
                *slot = Some(i);
            }
        }
        table
    })
}

/// For every calling code (index), the metadata indexes sharing it, main region first; built once.
fn regions_by_code() -> &'static [Vec<usize>] {
    static TABLE: OnceLock<Vec<Vec<usize>>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut table: Vec<Vec<usize>> = vec![Vec::new(); 1000];
        for (i, m) in all_meta() {
            if let Some(slot) = table.get_mut(usize::from(m.country_code)) {
                slot.push(i);
            }
        }
        for v in &mut table {
            v.sort_by_key(|&i| meta_at(i).map_or(u8::MAX, |m| m.rank));
        }
        table
    })
}

/// The metadata indexes of the regions sharing a calling code, main region first.
pub(crate) fn regions_of(cc: u16) -> &'static [usize] {
    regions_by_code()
        .get(usize::from(cc))
        .map_or(&[], Vec::as_slice)
}

/// The main region of a calling code.
pub(crate) fn main_of(cc: u16) -> Option<usize> {
    regions_of(cc).first().copied()
}

/// A prefix pattern matched at the start of a number: a plain digit string compared directly,
/// anything else as an anchored regex.
pub(crate) enum Prefix {
    Literal(&'static str),
    Pattern(Regex),
}

impl Prefix {
    fn new(pattern: Option<&'static str>) -> Option<Self> {
        let pattern = pattern.filter(|p| !p.is_empty())?;
        if pattern.bytes().all(|b| b.is_ascii_digit()) {
            return Some(Self::Literal(pattern));
        }
        digits_regex(&format!("^(?:{pattern})")).map(Self::Pattern)
    }

    /// The length of the prefix `s` starts with, if it does.
    pub(crate) fn match_len(&self, s: &str) -> Option<usize> {
        match self {
            Self::Literal(p) => s.starts_with(p).then_some(p.len()),
            Self::Pattern(re) => re.find(s).map(|m| m.end()),
        }
    }
}

/// A region's patterns, compiled on first use.
pub(crate) struct Compiled {
    /// The general pattern (full match).
    general: Option<Regex>,
    /// Each type's pattern (full match), in [`RegionMeta::types`] order, with its kind and lengths.
    kinds: Vec<(PhoneKind, &'static [u8])>,
    /// Where fixed line and mobile are in `kinds`.
    fixed_at: Option<usize>,
    mobile_at: Option<usize>,
    matcher: Matcher,
    pub(crate) international_prefix: Option<Prefix>,
    /// The national prefix for parsing, anchored, with its groups.
    pub(crate) national_prefix: Option<Regex>,
    pub(crate) leading_digits: Option<Regex>,
}

pub(crate) enum Matcher {
    /// All the type patterns in one set: one search tells which match.
    Set(RegexSet),
    /// One regex per pattern, in the same order: if the set cannot be built (its size limit).
    Each(Vec<Regex>),
}

/// A metadata pattern compiled for ASCII digits: its `\d` is `[0-9]` (the numbers it reads are
/// ASCII digits by then), which compiles several times faster and into a smaller automaton
/// than Unicode's `\d`; a pattern that needs Unicode mode is compiled in it.
pub(crate) fn digits_regex(pattern: &str) -> Option<Regex> {
    RegexBuilder::new(pattern)
        .unicode(false)
        .build()
        .or_else(|_| Regex::new(pattern))
        .ok()
}

/// [`digits_regex`] for a set of patterns.
fn digits_set(patterns: &[String]) -> Option<RegexSet> {
    RegexSetBuilder::new(patterns)
        .unicode(false)
        .build()
        .or_else(|_| RegexSet::new(patterns))
        .ok()
}

fn full_match(pattern: &str) -> String {
    format!("^(?:{pattern})$")
}

/// The compiled patterns of the metadata at `index`.
pub(crate) fn compiled(index: usize) -> Option<&'static Compiled> {
    static CACHE: OnceLock<Vec<OnceLock<Compiled>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| all_meta().map(|_| OnceLock::new()).collect());
    let meta = meta_at(index)?;
    Some(cache.get(index)?.get_or_init(|| compile(meta, true)))
}

/// A region's patterns compiled: the types in one set if `set_wanted` and the set can be built.
pub(crate) fn compile(meta: &'static RegionMeta, set_wanted: bool) -> Compiled {
    let general = meta
        .general
        .as_ref()
        .and_then(|d| digits_regex(&full_match(d.pattern)));
    // In the set, the general pattern first (when there is one), then the types.
    let mut patterns: Vec<String> = general.iter().map(|g| g.as_str().to_owned()).collect();
    let mut regexes = Vec::new();
    let mut kinds = Vec::new();
    for (kind, d) in meta.types() {
        let Some(d) = d else { continue };
        let pattern = full_match(d.pattern);
        if let Some(re) = digits_regex(&pattern) {
            patterns.push(pattern);
            regexes.push(re);
            kinds.push((kind, d.lengths));
        }
    }
    let set = if set_wanted && general.is_some() {
        digits_set(&patterns)
    } else {
        None
    };
    let matcher = match set {
        Some(set) => Matcher::Set(set),
        None => Matcher::Each(regexes),
    };
    let anchored = |p: Option<&str>| p.and_then(|p| digits_regex(&format!("^(?:{p})")));
    let at = |kind: PhoneKind| kinds.iter().position(|(k, _)| *k == kind);
    let (fixed_at, mobile_at) = (at(PhoneKind::FixedLine), at(PhoneKind::Mobile));
    Compiled {
        general,
        kinds,
        fixed_at,
        mobile_at,
        matcher,
        international_prefix: Prefix::new(meta.international_prefix),
        national_prefix: anchored(meta.national_prefix_for_parsing.filter(|p| !p.is_empty())),
        leading_digits: anchored(meta.leading_digits),
    }
}

impl Compiled {
    /// Whether `nsn` matches the general pattern (whatever its length).
    pub(crate) fn matches_general(&self, nsn: &str) -> bool {
        self.general.as_ref().is_some_and(|g| g.is_match(nsn))
    }

    /// The number type of `nsn`, or `None` when it is no valid number of the region.
    pub(crate) fn kind_of(&self, meta: &RegionMeta, nsn: &str) -> Option<PhoneKind> {
        let len = u8::try_from(nsn.len()).unwrap_or(u8::MAX);
        let general = meta.general.as_ref()?;
        if !general.lengths.is_empty() && !general.lengths.contains(&len) {
            return None;
        }
        // A type counts when the number has one of its lengths and matches its pattern.
        let long_enough = |i: usize| {
            self.kinds
                .get(i)
                .is_some_and(|(_, l)| l.is_empty() || l.contains(&len))
        };
        match &self.matcher {
            Matcher::Set(set) => {
                // Pattern 0 is the general one, type `i` is pattern `i + 1`.
                let matches = set.matches(nsn);
                if !matches.matched(0) {
                    return None;
                }
                self.first_kind(meta, |i| long_enough(i) && matches.matched(i + 1))
            }
            Matcher::Each(regexes) => {
                if !self.matches_general(nsn) {
                    return None;
                }
                self.first_kind(meta, |i| {
                    long_enough(i) && regexes.get(i).is_some_and(|re| re.is_match(nsn))
                })
            }
        }
    }

    /// The kind named by the first matching type; a fixed line that is also mobile (or of a
    /// region whose fixed and mobile numbers look alike) is either.
    fn first_kind(&self, meta: &RegionMeta, matched: impl Fn(usize) -> bool) -> Option<PhoneKind> {
        // The other types come before fixed line and mobile.
        let others = [self.fixed_at, self.mobile_at]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(self.kinds.len());
        if let Some(i) = (0..others).find(|&i| matched(i)) {
            return self.kinds.get(i).map(|(k, _)| *k);
        }
        let fixed = self.fixed_at.is_some_and(&matched);
        let mobile = || self.mobile_at.is_some_and(&matched);
        if fixed {
            if meta.same_mobile_and_fixed_line || mobile() {
                return Some(PhoneKind::FixedLineOrMobile);
            }
            return Some(PhoneKind::FixedLine);
        }
        (!meta.same_mobile_and_fixed_line && mobile()).then_some(PhoneKind::Mobile)
    }

    /// The number of types compiled (for tests).
    #[cfg(test)]
    pub(crate) fn kind_count(&self) -> usize {
        self.kinds.len()
    }

    #[cfg(test)]
    pub(crate) fn is_set(&self) -> bool {
        matches!(self.matcher, Matcher::Set(_))
    }
}

/// How a national number's length fares against a region's possible lengths.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Length {
    Possible,
    LocalOnly,
    TooShort,
    TooLong,
    Invalid,
}

/// The length test of a national number against a region's general lengths.
pub(crate) fn test_length(meta: &RegionMeta, nsn: &str) -> Length {
    let Some(general) = &meta.general else {
        return Length::Invalid;
    };
    let len = nsn.len();
    let has = |ls: &[u8]| ls.iter().any(|&l| usize::from(l) == len);
    if has(meta.local_lengths) {
        return Length::LocalOnly;
    }
    match (general.lengths.first(), general.lengths.last()) {
        (Some(&min), _) if len < usize::from(min) => Length::TooShort,
        (_, Some(&max)) if len > usize::from(max) => Length::TooLong,
        (Some(_), _) if has(general.lengths) => Length::Possible,
        _ => Length::Invalid,
    }
}

/// The region (metadata index) a number of calling code `cc` belongs to: the only one, or of
/// regions sharing the code the first whose leading digits or number types it fits.
pub(crate) fn region_for_number(cc: u16, nsn: &str) -> Option<usize> {
    let regions = regions_of(cc);
    if let [only] = regions {
        return Some(*only);
    }
    regions.iter().copied().find(|&i| {
        let (Some(meta), Some(c)) = (meta_at(i), compiled(i)) else {
            return false;
        };
        match &c.leading_digits {
            Some(re) => re.is_match(nsn),
            None => c.kind_of(meta, nsn).is_some(),
        }
    })
}

/// The value of a decimal digit of any script (Unicode category Nd).
pub(crate) fn digit_value(c: char) -> Option<u8> {
    if c.is_ascii_digit() {
        return Some(c as u8 - b'0');
    }
    let cp = u32::from(c);
    if cp < 0x660 {
        return None;
    }
    let at = DIGIT_ZEROS.partition_point(|&z| z <= cp);
    let zero = *DIGIT_ZEROS.get(at.checked_sub(1)?)?;
    u8::try_from(cp - zero).ok().filter(|&d| d < 10)
}
