//! Phone numbers: any common written form read as libphonenumber reads it, to E.164, with the
//! number's type and its national and international display forms.
//!
//! The metadata (every region's calling code, international and national prefixes with their
//! parsing and transform rules, number patterns and lengths per type, display formats) is
//! generated into `data/phone_meta.rs` from the `phonenumbers` package; its header names the
//! version and licence. The stages live in `phone_parse.rs` (reading), `phone_region.rs` (the
//! metadata, compiled once per region: one `RegexSet` tells which types a number matches) and
//! `phone_format.rs` (display).

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::{FieldKind, Normalizer};
use crate::model::{mask_phone, mask_value};

#[path = "phone_format.rs"]
mod format;
#[path = "phone_parse.rs"]
mod parse;
#[path = "phone_region.rs"]
mod region;

use region::{Length, compiled, main_of, meta_at, region_for_number, region_index, test_length};

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
    /// A pager.
    Pager,
    /// A voicemail access number.
    Voicemail,
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
    /// The region the number belongs to (`CN`; for shared codes the matching region, else the
    /// code's main region; `001` for non-geographic codes such as +800).
    pub region: &'static str,
    /// An extension, if one was written (`ext. 12`, `转12`, `x12`).
    pub extension: Option<String>,
    /// The kind of line.
    pub kind: PhoneKind,
    /// Whether the number is valid (libphonenumber's `is_valid_number`): it matches one of its
    /// region's number types; `false` means possible by length only.
    pub valid: bool,
}

/// How [`NormalizedPhone::format`] writes a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PhoneFormat {
    /// `+8613800138000` (no extension).
    E164,
    /// `+86 138 0013 8000`: the calling code and the number grouped for international use.
    International,
    /// `138 0013 8000`, `010 6552 9988`: as dialled within the country, national prefix
    /// included.
    National,
}

impl NormalizedPhone {
    /// The number written for display, with the formats of libphonenumber's metadata for its
    /// calling code (grouping, national prefix, the region's extension prefix such as ` ext. `);
    /// a number no format fits is written ungrouped.
    ///
    /// ```
    /// use clientele::normalize::{Normalizer, PhoneFormat};
    /// let n = Normalizer::default();
    /// let p = n.phone("01065529988", Some("CN"))?;
    /// assert_eq!(p.format(PhoneFormat::National), "010 6552 9988");
    /// assert_eq!(p.format(PhoneFormat::International), "+86 10 6552 9988");
    /// assert_eq!(p.format(PhoneFormat::E164), "+861065529988");
    /// let us = n.phone("+1 212 736 5000 x12", None)?;
    /// assert_eq!(us.format(PhoneFormat::National), "(212) 736-5000 ext. 12");
    /// # Ok::<(), clientele::normalize::PhoneError>(())
    /// ```
    pub fn format(&self, format: PhoneFormat) -> String {
        format::format(self, format)
    }
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

impl Normalizer {
    /// Reads a phone number written in any common form, as libphonenumber does: to E.164, with
    /// its region, type and validity.
    ///
    /// Accepts spaces, dashes, dots, slashes, parentheses, digits of any script (full-width
    /// too), `+CC` (also in brackets, `(+86)`), the default region's own international prefix
    /// (`00` in CN, `011` in the US, `010` in JP), a bare calling code when the number fits its
    /// region only without it, the region's national prefix and carrier codes (with its
    /// transform rule: `011 15-2345-6789` in AR is `+5491123456789`), vanity letters
    /// (`1-800-FLOWERS`), and extensions (`ext. 12`, `x12`, `#12`, `,,12`, and `转12`, `分机12`).
    /// `default_region` (`"CN"`) is used for numbers written without a calling code.
    ///
    /// # Errors
    /// [`PhoneError`] when the value is not a number, has no calling code and no default
    /// region, has an unknown calling code or default region, or a length no number of its
    /// region has. A number of possible length that is no valid number parses with
    /// `valid: false`.
    ///
    /// ```
    /// use clientele::normalize::{Normalizer, PhoneKind};
    /// let n = Normalizer::default();
    /// for written in ["138 0013 8000", "+86 138-0013-8000", "(+86) 138 0013 8000", "0086 13800138000", "8613800138000", "１３８００１３８０００"] {
    ///     assert_eq!(n.phone(written, Some("CN"))?.e164, "+8613800138000");
    /// }
    /// let office = n.phone("(010) 6552-9988 转 12", Some("CN"))?;
    /// assert_eq!((office.e164.as_str(), office.extension.as_deref(), office.kind), ("+861065529988", Some("12"), PhoneKind::FixedLine));
    /// assert_eq!(n.phone("+1 (415) 555-2671", None)?.region, "US");
    /// assert_eq!(n.phone("011 44 20 7946 0018", Some("US"))?.e164, "+442079460018");
    /// assert_eq!(n.phone("07640 123456", Some("GB"))?.kind, PhoneKind::Pager);
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
        // under the default rules.
        let text = if self.phone_plain_is_canonical && is_plain(raw) {
            Cow::Borrowed(raw)
        } else {
            self.canonical(FieldKind::Phone, raw)
        };
        if text.trim().is_empty() {
            return Err(PhoneError::Empty);
        }
        let default = match default_region {
            Some(r) => Some(region_index(r).ok_or(PhoneError::UnknownRegion)?),
            None => None,
        };
        // Chinese extension markers, which libphonenumber does not know.
        let (number, cjk_extension) = split_cjk_extension(&text);
        let parsed = parse::parse(number, default)?;
        let extension = cjk_extension.or(parsed.extension);
        let nsn = parsed.nsn.as_str();
        let cc = parsed.cc;
        let found = region_for_number(cc, nsn);
        let kind = found.and_then(|i| compiled(i)?.kind_of(meta_at(i)?, nsn));
        let index = found.or_else(|| main_of(cc));
        let meta = index
            .and_then(meta_at)
            .ok_or(PhoneError::UnknownCountryCode)?;
        // Not valid: kept when of a possible length for the code's main region.
        if kind.is_none() {
            let main = main_of(cc).and_then(meta_at).unwrap_or(meta);
            if test_length(main, nsn) != Length::Possible {
                return Err(PhoneError::InvalidLength);
            }
        }
        Ok(NormalizedPhone {
            e164: e164(cc, nsn),
            country_code: cc,
            national: nsn.to_owned(),
            region: meta.region,
            extension,
            kind: kind.unwrap_or(PhoneKind::Unknown),
            valid: kind.is_some(),
        })
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

/// Splits off an extension written after `转` or `分机` (at least six digits before, only
/// digits, spaces and dots after): the number part (a slice of `s`) and the extension's digits.
fn split_cjk_extension(s: &str) -> (&str, Option<String>) {
    if s.is_ascii() {
        return (s, None);
    }
    let found = ["分机", "转"].iter().find_map(|m| {
        let pos = s.find(m)?;
        let (before, after) = (s.get(..pos)?, s.get(pos + m.len()..)?);
        let digits_before = before.chars().filter(char::is_ascii_digit).count();
        let after = after.trim();
        let after_ok = !after.is_empty()
            && after
                .chars()
                .all(|c| c.is_ascii_digit() || c == ' ' || c == '.');
        (digits_before >= 6 && after_ok).then_some((pos, after))
    });
    match found {
        Some((pos, after)) => {
            let ext: String = after.chars().filter(char::is_ascii_digit).collect();
            (
                s.get(..pos).unwrap_or(s),
                Some(ext).filter(|e| !e.is_empty()),
            )
        }
        None => (s, None),
    }
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
        .and_then(meta_at)
        .map(|m| m.country_code)
}

#[cfg(test)]
mod tests {
    use super::region::{NON_GEOGRAPHIC, REGIONS, compile};
    use super::*;

    #[test]
    fn every_pattern_compiles_under_rust_regex() {
        for (i, m) in REGIONS.iter().chain(NON_GEOGRAPHIC).enumerate() {
            let c = compiled(i).unwrap();
            let declared = m.types().iter().filter(|(_, d)| d.is_some()).count();
            assert_eq!(c.kind_count(), declared, "{}", m.region);
            // Every region gets the one-search set.
            assert!(c.is_set(), "{}", m.region);
            assert_eq!(
                m.general.is_some(),
                c.matches_general("") || m.general.is_some()
            );
            for p in [
                m.international_prefix,
                m.national_prefix_for_parsing,
                m.leading_digits,
            ]
            .into_iter()
            .flatten()
            {
                assert!(regex::Regex::new(p).is_ok(), "{p} in {}", m.region);
            }
            for f in m.formats.iter().chain(m.intl_formats) {
                assert!(
                    regex::Regex::new(f.pattern).is_ok(),
                    "{} in {}",
                    f.pattern,
                    m.region
                );
                if let Some(l) = f.leading {
                    assert!(regex::Regex::new(l).is_ok(), "{l} in {}", m.region);
                }
            }
        }
    }

    #[test]
    fn one_regex_per_pattern_types_numbers_as_the_set_does() {
        let n = Normalizer::default();
        for (raw, region) in [
            ("13800138000", "CN"),
            ("01065529988", "CN"),
            ("07640123456", "GB"),
            ("2127365000", "US"),
        ] {
            let p = n.phone(raw, Some(region)).unwrap();
            let i = region_index(region).unwrap();
            let each = compile(meta_at(i).unwrap(), false);
            assert!(!each.is_set());
            assert_eq!(
                each.kind_of(meta_at(i).unwrap(), &p.national),
                Some(p.kind),
                "{raw}"
            );
        }
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
    fn regions_are_sorted_and_found_by_code() {
        assert!(REGIONS.windows(2).all(|w| w[0].region < w[1].region));
        for (i, m) in REGIONS.iter().enumerate() {
            assert_eq!(region_index(m.region), Some(i));
            assert_eq!(region_index(&m.region.to_lowercase()), Some(i));
        }
        for code in ["", " ", "C", "CNN", "C1", "İT", "001", "ZZ"] {
            assert_eq!(region_index(code), None, "{code:?}");
        }
        assert_eq!(region_index(" cn "), region_index("CN"));
    }

    fn e164_of(raw: &str, region: &str) -> String {
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
            ("011 15-2345-6789", "AR", "+5491123456789"),
            ("(11) 98765-4321", "BR", "+5511987654321"),
        ];
        for (raw, region, want) in cases {
            assert_eq!(e164_of(raw, region), want, "{raw} in {region}");
        }
    }

    #[test]
    fn each_region_uses_its_own_international_prefix() {
        assert_eq!(e164_of("+44 20 7946 0018", "CN"), "+442079460018");
        assert_eq!(e164_of("0044 20 7946 0018", "CN"), "+442079460018");
        assert_eq!(e164_of("011 44 20 7946 0018", "US"), "+442079460018");
        assert_eq!(e164_of("010 44 20 7946 0018", "JP"), "+442079460018");
        assert_eq!(e164_of("001 44 20 7946 0018", "HK"), "+442079460018");
        // `00` is no international prefix in the US: read as a national number, it is none.
        assert_ne!(e164_of("0012015558674", "US"), "+12015558674");
        assert_eq!(e164_of("(+86) 131 2345 6789", "US"), "+8613123456789");
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
            "+1 212 736 5000,,12",
            "+1 212 736 5000 转 12",
            "+1 212 736 5000 分机12",
        ] {
            assert_eq!(
                n.phone(raw, None).unwrap().extension.as_deref(),
                Some("12"),
                "{raw}"
            );
        }
    }

    #[test]
    fn non_geographic_codes_are_read() {
        let p = Normalizer::default().phone("+800 1234 5678", None).unwrap();
        assert_eq!(
            (p.region, p.valid, p.kind),
            ("001", true, PhoneKind::TollFree)
        );
    }

    /// A caller's phone rule that changes nothing: its presence turns the usual-form shortcut
    /// off, so every value goes through the canonical rules.
    #[derive(Debug)]
    struct Unchanged;
    impl crate::normalize::Rule for Unchanged {
        fn name(&self) -> &str {
            "custom.unchanged"
        }
        fn stage(&self) -> crate::normalize::Stage {
            crate::normalize::Stage::Canonical
        }
        fn applies_to(&self, kind: FieldKind) -> bool {
            kind == FieldKind::Phone
        }
        fn apply(&self, _: &str, _: &mut crate::normalize::Context) -> Option<String> {
            None
        }
    }

    /// Written numbers: a prefix, digits with separators, maybe an extension.
    fn written() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        (
            "(\\+|00|011|\\(\\+|＋|tel: ?)?(86|1|44|49|852|54|55|81|999|0)?\\)? ?",
            "[0-9]{0,4}([ .()/-]{0,2}[0-9]{1,4}){0,4}",
            "( ?ext\\.? ?[0-9]{1,4}| ?x[0-9]{1,3}|#[0-9]{1,3}| 转 ?[0-9]{2}|,,[0-9]{2})?",
        )
            .prop_map(|(a, b, c)| format!("{a}{b}{c}"))
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

        /// The usual-form shortcut (no canonical rules for digits and separators) reads every
        /// number as the canonical rules would.
        #[test]
        fn the_usual_form_shortcut_changes_no_result(
            raw in written(),
            region in proptest::sample::select(vec!["CN", "US", "GB", "DE", "AR", "BR", "JP", "AU"]),
        ) {
            let fast = Normalizer::default();
            let mut slow = Normalizer::default();
            slow.push(Unchanged);
            proptest::prop_assert_eq!(fast.phone(&raw, Some(region)), slow.phone(&raw, Some(region)));
            proptest::prop_assert_eq!(fast.phone(&raw, None), slow.phone(&raw, None));
        }

        /// Any text: an answer, never a panic; a parsed number's E.164 form reads back to itself.
        #[test]
        fn any_text_parses_or_is_refused(raw in "\\PC{0,24}", region in proptest::option::of(proptest::sample::select(vec!["CN", "US", "GB", "QQ"]))) {
            let n = Normalizer::default();
            if let Ok(p) = n.phone(&raw, region) {
                proptest::prop_assert_eq!(n.phone(&p.e164, None).map(|q| q.e164), Ok(p.e164.clone()));
                let _ = (p.format(PhoneFormat::National), p.format(PhoneFormat::International));
            }
        }
    }
}
