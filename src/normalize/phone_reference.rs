//! The phone parser as it was before the fast path (one regex search per pattern, owned
//! strings throughout), kept word for word as the reference the current parser must agree
//! with on every input; and the tests that check that agreement.

use std::sync::OnceLock;

use regex::Regex;

use super::meta::REGIONS;
use super::{Desc, Fit, NormalizedPhone, PhoneError, PhoneKind, regions_of};
use crate::normalize::{FieldKind, Normalizer};

struct Compiled {
    general: Option<Regex>,
    types: Vec<(PhoneKind, Regex)>,
}

fn compile(d: &Option<Desc>) -> Option<Regex> {
    d.as_ref()
        .and_then(|d| Regex::new(&format!("^(?:{})$", d.pattern)).ok())
}

fn compiled(index: usize) -> Option<&'static Compiled> {
    static CACHE: OnceLock<Vec<OnceLock<Compiled>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| REGIONS.iter().map(|_| OnceLock::new()).collect());
    let meta = REGIONS.get(index)?;
    Some(cache.get(index)?.get_or_init(|| {
        let mut types = Vec::new();
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
            if let Some(re) = compile(d) {
                types.push((kind, re));
            }
        }
        Compiled {
            general: compile(&meta.general),
            types,
        }
    }))
}

/// The metadata index of a region code (case-insensitive).
fn region_index(region: &str) -> Option<usize> {
    let wanted = region.trim().bytes().map(|b| b.to_ascii_uppercase());
    REGIONS
        .binary_search_by(|m| m.region.bytes().cmp(wanted.clone()))
        .ok()
}

pub(super) fn fit(index: usize, nsn: &str) -> Fit {
    let (Some(meta), Some(c)) = (REGIONS.get(index), compiled(index)) else {
        return Fit::No;
    };
    let len = u8::try_from(nsn.len()).unwrap_or(u8::MAX);
    let possible = meta
        .general
        .as_ref()
        .is_some_and(|g| g.lengths.contains(&len));
    if !possible {
        return Fit::No;
    }
    if !c.general.as_ref().is_some_and(|g| g.is_match(nsn)) {
        return Fit::Possible;
    }
    // The first type that matches names the number; a fixed-line pattern that a mobile one
    // (next in order) also matches means either.
    let mut matches = c.types.iter().filter(|(_, re)| re.is_match(nsn));
    match matches.next().map(|(k, _)| *k) {
        None => Fit::Possible,
        Some(PhoneKind::FixedLine) => match matches.next() {
            Some((PhoneKind::Mobile, _)) => Fit::Valid(PhoneKind::FixedLineOrMobile),
            _ => Fit::Valid(PhoneKind::FixedLine),
        },
        Some(k) => Fit::Valid(k),
    }
}

/// Splits off an extension (`ext. 12`, `extension 12`, `x12`, `#12`, `转12`, `分机12`).
fn split_extension(s: &str) -> (String, Option<String>) {
    // Digits and separators only (most numbers): no marker, no extension.
    if s.bytes()
        .all(|b| b.is_ascii_digit() || b" -.()/+".contains(&b))
    {
        return (s.to_owned(), None);
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
            (
                s.get(..pos).unwrap_or(s).to_owned(),
                Some(ext).filter(|e| !e.is_empty()),
            )
        }
        None => (s.to_owned(), None),
    }
}

/// Country calling codes are prefix-free: at most one of the 1-, 2- and 3-digit prefixes is one.
fn split_country_code(digits: &str) -> Option<(u16, &str)> {
    (1..=3).find_map(|n| {
        let cc: u16 = digits.get(..n)?.parse().ok()?;
        let rest = digits.get(n..)?;
        (!regions_of(cc).is_empty()).then_some((cc, rest))
    })
}

/// `Normalizer::phone` as it was.
pub(super) fn phone_reference(
    n: &Normalizer,
    raw: &str,
    default_region: Option<&str>,
) -> Result<NormalizedPhone, PhoneError> {
    let text = n.normalize(FieldKind::Phone, raw).canonical;
    if text.is_empty() {
        return Err(PhoneError::Empty);
    }
    let (main, extension) = split_extension(&text);
    let trimmed = main.trim();
    let plus = trimmed.starts_with('+');
    let allowed = |c: char| c.is_ascii_digit() || " -.()/+".contains(c);
    if !trimmed.chars().all(allowed) || trimmed.chars().skip(1).any(|c| c == '+') {
        return Err(PhoneError::NotANumber);
    }
    let digits: String = trimmed.chars().filter(char::is_ascii_digit).collect();
    if digits.is_empty() {
        return Err(PhoneError::NotANumber);
    }
    let default = match default_region {
        Some(r) => Some(region_index(r).ok_or(PhoneError::UnknownRegion)?),
        None => None,
    };

    // Candidate (country code, national part) readings, most explicit first.
    let mut candidates: Vec<(u16, String)> = Vec::new();
    let international = if plus {
        Some(digits.as_str())
    } else {
        digits.strip_prefix("00")
    };
    if let Some(intl) = international {
        let (cc, rest) = split_country_code(intl).ok_or(PhoneError::UnknownCountryCode)?;
        candidates.push((cc, rest.to_owned()));
    } else {
        if let Some(meta) = default.and_then(|i| REGIONS.get(i)) {
            candidates.push((meta.country_code, digits.clone()));
            // A bare country code (`86 138...`) counts only when the rest is valid.
            if let Some(rest) = digits.strip_prefix(&meta.country_code.to_string()) {
                candidates.push((meta.country_code, rest.to_owned()));
            }
        } else if let Some((cc, rest)) = split_country_code(&digits) {
            candidates.push((cc, rest.to_owned()));
        }
        if candidates.is_empty() {
            return Err(PhoneError::NoRegion);
        }
    }

    let bare_cc_candidate = !plus && international.is_none() && candidates.len() > 1;
    let mut possible: Option<(u16, String, usize)> = None;
    for (i, (cc, national)) in candidates.iter().enumerate() {
        let needs_valid =
            bare_cc_candidate && i > 0 || (default.is_none() && international.is_none());
        for &index in regions_of(*cc) {
            let Some(meta) = REGIONS.get(index) else {
                continue;
            };
            // Without the national (trunk) prefix first, then as written.
            let stripped = meta
                .national_prefix
                .and_then(|np| national.strip_prefix(np));
            for nsn in stripped.into_iter().chain([national.as_str()]) {
                match fit(index, nsn) {
                    Fit::Valid(kind) => {
                        return Ok(NormalizedPhone {
                            e164: format!("+{cc}{nsn}"),
                            country_code: *cc,
                            national: nsn.to_owned(),
                            region: meta.region,
                            extension,
                            kind,
                            valid: true,
                        });
                    }
                    Fit::Possible if !needs_valid && possible.is_none() => {
                        possible = Some((*cc, nsn.to_owned(), index));
                    }
                    _ => {}
                }
            }
        }
    }
    match possible {
        Some((cc, nsn, index)) => Ok(NormalizedPhone {
            e164: format!("+{cc}{nsn}"),
            country_code: cc,
            national: nsn,
            region: REGIONS.get(index).map_or("ZZ", |m| m.region),
            extension,
            kind: PhoneKind::Unknown,
            valid: false,
        }),
        None if default.is_none() && international.is_none() => Err(PhoneError::NoRegion),
        None => Err(PhoneError::InvalidLength),
    }
}

mod tests {
    use proptest::prelude::*;
    use proptest::strategy::ValueTree;
    use proptest::test_runner::{Config, TestRunner};

    use super::*;

    /// The current parser and the reference, on one input.
    fn agree(n: &Normalizer, raw: &str, region: Option<&str>) -> Result<(), TestCaseError> {
        prop_assert_eq!(
            n.phone(raw, region),
            phone_reference(n, raw, region),
            "{:?} in {:?}",
            raw,
            region
        );
        Ok(())
    }

    fn region() -> impl Strategy<Value = Option<String>> {
        let any_region = prop::sample::select(REGIONS.iter().map(|m| m.region).collect::<Vec<_>>());
        prop_oneof![
            4 => prop::sample::select(vec!["CN", "US", "GB", "DE"]).prop_map(|r| Some(r.to_owned())),
            2 => Just(None),
            1 => prop::sample::select(vec!["QQ", "cn", " gb ", "Us", "", "C", "CNN", "İT"]).prop_map(|r| Some(r.to_owned())),
            1 => any_region.prop_map(|r| Some(r.to_owned())),
        ]
    }

    /// National numbers in the shapes people write (CN, NANP, GB, DE and random digits).
    fn national() -> impl Strategy<Value = String> {
        prop_oneof![
            "1[3-9][0-9]{9}",
            "0?(10|2[0-9]|[3-9][0-9]{2})[0-9]{7,8}",
            "(400|800|950)[0-9]{7}",
            "1?[2-9][0-9]{2}[2-9][0-9]{6}",
            "0?[1-9][0-9]{8,9}",
            "0?[1-9][0-9]{5,11}",
            "[0-9]{0,18}",
        ]
    }

    /// A written phone: prefix, national number with separators, extension, maybe junk.
    fn written() -> impl Strategy<Value = String> {
        let prefix = "(\\+|00|＋|\\+ |\\(\\+|\\(|tel: ?)?(86|1|44|49|852|33|81|999|0)?\\)? ?";
        let seps = prop::collection::vec(
            (
                0..20usize,
                prop::sample::select(vec![
                    " ", "-", ".", "/", "(", ")", "  ", "—", "－", "\u{3000}", "\t", "\u{200B}",
                    " - ",
                ]),
            ),
            0..5,
        );
        let ext = prop_oneof![
            3 => Just(String::new()),
            2 => "( ?ext\\.? ?| ?x| ?#|,|;| ?extension |转|分机| ?EXT |X| ?转 )[0-9 .]{0,5}",
        ];
        let junk = prop::option::weighted(
            0.2,
            (
                0..40usize,
                prop::sample::select(vec![
                    'a', 'x', 'X', 'İ', '转', '+', '#', 'é', 'ß', 'Ω', '０', '\u{301}',
                ]),
            ),
        );
        (prefix, national(), seps, any::<bool>(), ext, junk).prop_map(
            |(prefix, national, seps, full_width, ext, junk)| {
                let mut body = national;
                for (at, sep) in seps {
                    let at = at % (body.len() + 1);
                    if body.is_char_boundary(at) {
                        body.insert_str(at, sep);
                    }
                }
                if full_width {
                    body = body
                        .chars()
                        .map(|c| match c.to_digit(10) {
                            Some(d) if c.is_ascii_digit() => {
                                char::from_u32(0xFF10 + d).unwrap_or(c)
                            }
                            _ => c,
                        })
                        .collect();
                }
                let mut s = format!("{prefix}{body}{ext}");
                if let Some((at, c)) = junk {
                    let chars: Vec<char> = s.chars().collect();
                    let at = at % (chars.len() + 1);
                    s = chars[..at]
                        .iter()
                        .chain([c].iter())
                        .chain(chars[at..].iter())
                        .collect();
                }
                s
            },
        )
    }

    /// A caller's phone rule: every `5` written `6` (it changes plain numbers too).
    #[derive(Debug)]
    struct FivesToSixes(&'static str);
    impl crate::normalize::Rule for FivesToSixes {
        fn name(&self) -> &str {
            self.0
        }
        fn stage(&self) -> crate::normalize::Stage {
            crate::normalize::Stage::Canonical
        }
        fn applies_to(&self, kind: FieldKind) -> bool {
            kind == FieldKind::Phone
        }
        fn apply(&self, value: &str, _ctx: &mut crate::normalize::Context) -> Option<String> {
            value.contains('5').then(|| value.replace('5', "6"))
        }
    }

    /// The default normalizer and edited ones: rules off, a caller's rule (one named like a
    /// built-in one too), none at all.
    fn normalizer() -> impl Strategy<Value = Normalizer> {
        (0..6usize).prop_map(|i| {
            let mut n = Normalizer::default();
            match i {
                1 => {
                    n.disable("text.collapse_spaces");
                }
                2 => n.push(FivesToSixes("custom.fives")),
                3 => n.insert_first(FivesToSixes("text.nfkc")),
                4 => n = Normalizer::empty(),
                _ => {}
            }
            n
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]

        #[test]
        fn edited_normalizers_agree_with_the_reference(
            raw in written(),
            region in region(),
            n in normalizer(),
        ) {
            agree(&n, &raw, region.as_deref())?;
        }

        #[test]
        fn the_parser_agrees_with_the_reference_on_written_numbers(raw in written(), region in region()) {
            agree(&Normalizer::default(), &raw, region.as_deref())?;
        }

        #[test]
        fn the_parser_agrees_with_the_reference_on_any_text(
            raw in prop_oneof!["\\PC{0,16}", "[0-9 +()\\-.x#转İ０]{0,24}"],
            region in region(),
        ) {
            agree(&Normalizer::default(), &raw, region.as_deref())?;
        }
    }

    /// Inputs on which an earlier version of the fast parser disagreed (found by the property
    /// tests above while it was written).
    #[test]
    fn inputs_once_parsed_differently_agree() {
        let n = Normalizer::default();
        for (raw, region) in [
            ("5781000000", "DE"),
            ("０+", "CN"),
            ("(+13000000000", "CN"),
            ("2002000000", "CN"),
        ] {
            assert_eq!(
                n.phone(raw, Some(region)),
                phone_reference(&n, raw, Some(region)),
                "{raw:?} in {region}"
            );
        }
    }

    #[test]
    fn region_codes_are_found_as_by_the_reference() {
        let letters = ('a'..='z').chain('A'..='Z');
        let mut codes: Vec<String> = letters
            .clone()
            .flat_map(|a| letters.clone().map(move |b| format!("{a}{b}")))
            .collect();
        codes.extend(
            [
                "", " ", "C", " cn ", "CNN", "C1", "1C", "İT", "cN\t", "001", "ZZ",
            ]
            .map(String::from),
        );
        for code in codes {
            assert_eq!(
                super::super::region_index(&code),
                region_index(&code),
                "{code:?}"
            );
        }
    }

    /// Numbers drawn from every pattern of every region (general and each type), so that each
    /// type's branch is taken: `fit` and the whole parser (national form in the region, `+CC`
    /// form without one) agree with the reference.
    #[test]
    fn the_parser_agrees_with_the_reference_on_every_pattern_of_every_region() {
        let n = Normalizer::default();
        let mut runner = TestRunner::new_with_rng(
            Config::default(),
            proptest::test_runner::TestRng::deterministic_rng(
                proptest::test_runner::RngAlgorithm::ChaCha,
            ),
        );
        let each: Vec<_> = REGIONS
            .iter()
            .map(|m| super::super::compile(m, false))
            .collect();
        for (index, m) in REGIONS.iter().enumerate() {
            let descs = [
                &m.general,
                &m.fixed_line,
                &m.mobile,
                &m.toll_free,
                &m.premium,
                &m.shared_cost,
                &m.voip,
                &m.personal,
                &m.uan,
            ];
            for d in descs.into_iter().flatten() {
                let pattern = format!("(?:{})", d.pattern.replace("\\d", "[0-9]"));
                let strategy = proptest::string::string_regex(&pattern).unwrap();
                for _ in 0..12 {
                    let nsn = strategy.new_tree(&mut runner).unwrap().current();
                    let want = fit(index, &nsn);
                    assert_eq!(
                        super::super::fit(index, &nsn),
                        want,
                        "{nsn} in {}",
                        m.region
                    );
                    // The one-regex-per-pattern fallback too.
                    assert_eq!(
                        super::super::fit_compiled(m, &each[index], &nsn),
                        want,
                        "{nsn} in {} (one regex per pattern)",
                        m.region
                    );
                    let national = match m.national_prefix {
                        Some(np) => format!("{np}{nsn}"),
                        None => nsn.clone(),
                    };
                    let cases: [(String, Option<&str>); 6] = [
                        (nsn.clone(), Some(m.region)),
                        (national, Some(m.region)),
                        (format!("+{} {nsn}", m.country_code), None),
                        (format!("{}{nsn}", m.country_code), Some(m.region)),
                        (format!("{}{nsn}", m.country_code), None),
                        (format!("{nsn} ext. 12"), Some(m.region)),
                    ];
                    for (raw, region) in cases {
                        assert_eq!(
                            n.phone(&raw, region),
                            phone_reference(&n, &raw, region),
                            "{raw:?} in {region:?}"
                        );
                    }
                }
            }
        }
    }
}
