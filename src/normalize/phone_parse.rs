//! Reading a written phone number, in the stages libphonenumber's documentation describes: find
//! where the number starts, check it could be one, split off an extension, take the country
//! calling code from a `+`, the region's international prefix or a bare code, and strip the
//! region's national prefix (applying its transform rule). The metadata's patterns decide; the
//! code is this crate's own.

use std::borrow::Cow;
use std::sync::OnceLock;

use regex::Regex;

use super::PhoneError;
use super::region::{Length, compiled, digit_value, main_of, meta_at, regions_of, test_length};

/// Longest input read (in characters); longer is too long to be a number.
const MAX_INPUT: usize = 250;
/// Shortest and longest national significant numbers.
const MIN_NSN: usize = 2;
const MAX_NSN: usize = 17;

/// Up to [`Digits::CAP`] ASCII digits, on the stack.
#[derive(Clone, Copy)]
pub(crate) struct Digits {
    buf: [u8; Digits::CAP],
    len: usize,
}

impl Digits {
    const CAP: usize = 40;

    pub(crate) const fn new() -> Self {
        Self {
            buf: [0; Self::CAP],
            len: 0,
        }
    }

    /// Appends a digit (0-9); `false` when full.
    fn push(&mut self, d: u8) -> bool {
        match self.buf.get_mut(self.len) {
            Some(slot) => {
                *slot = b'0' + d;
                self.len += 1;
                true
            }
            None => false,
        }
    }

    fn from_str(s: &str) -> Result<Self, PhoneError> {
        let mut out = Self::new();
        for b in s.bytes() {
            if !out.push(b.wrapping_sub(b'0')) {
                return Err(PhoneError::InvalidLength);
            }
        }
        Ok(out)
    }

    pub(crate) fn as_str(&self) -> &str {
        // Only ASCII digits are ever written.
        self.buf
            .get(..self.len)
            .and_then(|b| std::str::from_utf8(b).ok())
            .unwrap_or("")
    }

    fn len(&self) -> usize {
        self.len
    }
}

/// A number read: calling code, national significant number and extension.
pub(crate) struct Parsed {
    pub(crate) cc: u16,
    pub(crate) nsn: Digits,
    pub(crate) extension: Option<String>,
}

fn is_plus(c: char) -> bool {
    c == '+' || c == '＋'
}

fn starts_with_plus(s: &str) -> bool {
    s.chars().next().is_some_and(is_plus)
}

fn without_pluses(s: &str) -> &str {
    s.trim_start_matches(is_plus)
}

/// Punctuation that may separate the digits of a number (dashes, spaces, dots, slashes,
/// brackets, tildes, and `x`, which stands for a carrier code in some written numbers).
fn is_punctuation(c: char) -> bool {
    matches!(
        c,
        '-' | 'x'
            | 'X'
            | '\u{2010}'..='\u{2015}'
            | '\u{2212}'
            | '\u{30FC}'
            | '\u{FF0D}'..='\u{FF0F}'
            | ' '
            | '\u{A0}'
            | '\u{AD}'
            | '\u{200B}'
            | '\u{2060}'
            | '\u{3000}'
            | '('
            | ')'
            | '\u{FF08}'
            | '\u{FF09}'
            | '\u{FF3B}'
            | '\u{FF3D}'
            | '.'
            | '['
            | ']'
            | '/'
            | '~'
            | '\u{2053}'
            | '\u{223C}'
            | '\u{FF5E}'
    )
}

/// The extension markers, each capturing the extension's digits (at most as many as the
/// marker makes likely): `;ext=`, written labels (`ext.`, `extension`, `доб`, `anexo`), single
/// characters (`x`, `#`, `~`) and `int`, a trailing `#` after a dash, and dialler commas.
fn extension_pattern() -> Option<&'static Regex> {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    RE.get_or_init(|| {
        let before = "[ \u{A0}\\t,]*";
        let before_no_comma = "[ \u{A0}\\t]*";
        let after = "[:.．]?[ \u{A0}\\t,-]*";
        let digits = |n: u8| format!("(\\d{{1,{n}}})");
        let alternatives = [
            format!(";ext={}", digits(20)),
            format!(
                "{before}(?:e?xt(?:ensi(?:o\u{301}?|ó))?n?|ｅ?ｘｔｎ?|доб|anexo){after}{}#?",
                digits(20)
            ),
            format!("{before}(?:[xｘ#＃~～]|int|ｉｎｔ){after}{}#?", digits(9)),
            format!("[- ]+{}#", digits(6)),
            format!("{before_no_comma}(?:,{{2}}|;){after}{}#?", digits(15)),
            format!("{before_no_comma},+{after}{}#?", digits(9)),
        ];
        let pattern = format!("(?i)(?:{})$", alternatives.join("|"));
        // A constant pattern, which compiles (tested).
        Regex::new(&pattern).ok()
    })
    .as_ref()
}

/// Whether a character may end the number part (after it, only junk is cut): a letter, a
/// digit or `#`.
fn keeps_end(c: char) -> bool {
    c == '#' || (c != '_' && c.is_alphanumeric())
}

/// The part of `s` that may be a number: from the first `+` or digit, without trailing junk,
/// and without a second number written after a slash (`... x302/x2303`).
fn extract_possible_number(s: &str) -> &str {
    let start = if s.is_ascii() {
        s.bytes().position(|b| b == b'+' || b.is_ascii_digit())
    } else {
        s.char_indices()
            .find(|&(_, c)| is_plus(c) || digit_value(c).is_some())
            .map(|(i, _)| i)
    };
    let Some(start) = start else {
        return "";
    };
    let t = s
        .get(start..)
        .unwrap_or("")
        .trim_end_matches(|c| !keeps_end(c));
    let bytes = t.as_bytes();
    let second = bytes.iter().enumerate().find_map(|(i, &b)| {
        if b != b'/' && b != b'\\' {
            return None;
        }
        let rest = bytes.get(i + 1..)?;
        let spaces = rest.iter().take_while(|&&b| b == b' ').count();
        (rest.get(spaces) == Some(&b'x')).then_some(i)
    });
    match second {
        Some(i) => t.get(..i).unwrap_or(t),
        None => t,
    }
}

/// Whether an RFC 3966 `phone-context` value is well formed: a global number (`+` and
/// digits with visual separators) or a domain name.
fn valid_phone_context(ctx: &str) -> bool {
    if let Some(rest) = ctx.strip_prefix('+') {
        return rest.chars().any(|c| digit_value(c).is_some())
            && rest
                .chars()
                .all(|c| digit_value(c).is_some() || matches!(c, '-' | '.' | '(' | ')'));
    }
    let name = ctx.strip_suffix('.').unwrap_or(ctx);
    let alnum = |c: char| c.is_ascii_alphabetic() || digit_value(c).is_some();
    let label_ok = |l: &str| {
        l.chars().next().is_some_and(alnum)
            && l.chars().last().is_some_and(alnum)
            && l.chars().all(|c| alnum(c) || c == '-')
    };
    let labels: Vec<&str> = name.split('.').collect();
    labels.iter().all(|l| label_ok(l))
        && labels
            .last()
            .and_then(|l| l.chars().next())
            .is_some_and(|c| c.is_ascii_alphabetic())
}

/// The number to read from `s`: the RFC 3966 form (`tel:...;phone-context=...`) put together,
/// else the possible number, without an ISDN subaddress.
fn number_for_parsing(s: &str) -> Result<Cow<'_, str>, PhoneError> {
    const CONTEXT: &str = ";phone-context=";
    // Both RFC 3966 parameters start with `;`: most numbers have none.
    if !s.as_bytes().contains(&b';') {
        return Ok(Cow::Borrowed(extract_possible_number(s)));
    }
    let number = match s.find(CONTEXT) {
        Some(at) => {
            let value = s.get(at + CONTEXT.len()..).unwrap_or("");
            let value = value.split(';').next().unwrap_or("");
            if !valid_phone_context(value) {
                return Err(PhoneError::NotANumber);
            }
            let mut out = String::new();
            if value.starts_with('+') {
                out.push_str(value);
            }
            let from = s.find("tel:").map_or(0, |i| i + 4);
            out.push_str(s.get(from..at).unwrap_or(""));
            Cow::Owned(out)
        }
        None => Cow::Borrowed(extract_possible_number(s)),
    };
    Ok(match number.find(";isub=") {
        Some(at) if at > 0 => match number {
            Cow::Borrowed(b) => Cow::Borrowed(b.get(..at).unwrap_or(b)),
            Cow::Owned(o) => Cow::Owned(o.get(..at).unwrap_or(&o).to_owned()),
        },
        _ => number,
    })
}

/// Leading pluses, then at least three digits among punctuation and `*` before any letter,
/// then punctuation, `*`, letters and digits.
fn is_number_body(s: &str) -> bool {
    if s.is_ascii() {
        return is_ascii_number_body(s.as_bytes());
    }
    let mut digits = 0;
    for c in without_pluses(s).chars() {
        if digit_value(c).is_some() {
            digits += 1;
        } else if !(is_punctuation(c) || c == '*' || (c.is_ascii_alphabetic() && digits >= 3)) {
            return false;
        }
    }
    digits >= 3
}

/// [`is_number_body`] of ASCII text.
fn is_ascii_number_body(s: &[u8]) -> bool {
    let start = s.iter().take_while(|&&b| b == b'+').count();
    let mut digits = 0;
    for &b in s.get(start..).unwrap_or(&[]) {
        match b {
            b'0'..=b'9' => digits += 1,
            b'-' | b'x' | b'X' | b' ' | b'(' | b')' | b'.' | b'[' | b']' | b'/' | b'~' | b'*' => {}
            b'a'..=b'z' | b'A'..=b'Z' if digits >= 3 => {}
            _ => return false,
        }
    }
    digits >= 3
}

/// Whether `s` could be a phone number: two digits alone, or a number body with maybe an
/// extension after it.
fn is_viable(s: &str) -> bool {
    let mut chars = s.chars();
    match (chars.next(), chars.next(), chars.next()) {
        (None, _, _) | (Some(_), None, _) => return false,
        (Some(a), Some(b), None) if digit_value(a).is_some() && digit_value(b).is_some() => {
            return true;
        }
        _ => {}
    }
    is_number_body(s)
        || extension_pattern()
            .and_then(|re| re.find(s))
            .is_some_and(|m| is_number_body(s.get(..m.start()).unwrap_or("")))
}

/// Whether an extension could be written in `s` at all: every marker holds a character other
/// than digits and the usual separators.
fn may_hold_extension(s: &str) -> bool {
    !s.bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b' ' | b'-' | b'.' | b'(' | b')' | b'/' | b'+'))
}

/// The number without its extension, and the extension.
fn strip_extension(s: &str) -> (&str, Option<String>) {
    if !may_hold_extension(s) {
        return (s, None);
    }
    let Some(caps) = extension_pattern().and_then(|re| re.captures(s)) else {
        return (s, None);
    };
    let Some(whole) = caps.get(0) else {
        return (s, None);
    };
    let before = s.get(..whole.start()).unwrap_or("");
    if !is_viable(before) {
        return (s, None);
    }
    match caps.iter().skip(1).flatten().next() {
        Some(ext) => {
            let digits = ext.as_str().chars().filter_map(digit_value);
            (before, Some(digits.map(|d| char::from(b'0' + d)).collect()))
        }
        None => (s, None),
    }
}

/// The keypad digit of a letter (ITU E.161).
fn keypad(c: char) -> Option<u8> {
    let d = match c.to_ascii_uppercase() {
        'A'..='C' => 2,
        'D'..='F' => 3,
        'G'..='I' => 4,
        'J'..='L' => 5,
        'M'..='O' => 6,
        'P'..='S' => 7,
        'T'..='V' => 8,
        'W'..='Z' => 9,
        _ => return None,
    };
    Some(d)
}

/// The digits of `s`: of any script; when three or more Latin letters are written (a vanity
/// number, `1-800-FLOWERS`), ASCII digits and letters read as keypad digits.
fn normalize(s: &str) -> Result<Digits, PhoneError> {
    let mut out = Digits::new();
    let vanity = s.bytes().filter(u8::is_ascii_alphabetic).nth(2).is_some();
    if !vanity && s.is_ascii() {
        for b in s.bytes().filter(u8::is_ascii_digit) {
            if !out.push(b - b'0') {
                return Err(PhoneError::InvalidLength);
            }
        }
        return Ok(out);
    }
    for c in s.chars() {
        let d = if vanity {
            c.is_ascii_digit()
                .then(|| c as u8 - b'0')
                .or_else(|| keypad(c))
        } else {
            digit_value(c)
        };
        if let Some(d) = d
            && !out.push(d)
        {
            return Err(PhoneError::InvalidLength);
        }
    }
    Ok(out)
}

/// `template` with `\1`...`\9` replaced by the groups of `caps` (empty when a group did not
/// take part).
pub(crate) fn expand(template: &str, caps: &regex::Captures<'_>, out: &mut String) {
    let mut chars = template.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\'
            && let Some(d) = chars.peek().and_then(|c| c.to_digit(10))
        {
            chars.next();
            let group = usize::try_from(d).unwrap_or(0);
            out.push_str(caps.get(group).map_or("", |m| m.as_str()));
            continue;
        }
        out.push(c);
    }
}

/// `number` without the national prefix of the region at `index` (the trunk prefix, carrier
/// codes), rewritten by the region's transform rule when that applies; unchanged when the
/// prefix is not there or when stripping it would turn a number of the region into none.
fn strip_national_prefix(number: &Digits, index: usize) -> Result<Digits, PhoneError> {
    let (Some(meta), Some(c)) = (meta_at(index), compiled(index)) else {
        return Ok(*number);
    };
    let s = number.as_str();
    let Some(re) = &c.national_prefix else {
        return Ok(*number);
    };
    if s.is_empty() {
        return Ok(*number);
    }
    // The fast search first: most numbers do not start with the prefix.
    let Some(found) = re.find(s) else {
        return Ok(*number);
    };
    let transform = meta.national_prefix_transform.filter(|t| !t.is_empty());
    let groups = re.captures_len() - 1;
    let candidate = match transform {
        Some(rule) if groups > 0 => {
            let Some(caps) = re.captures(s) else {
                return Ok(*number);
            };
            let end = caps.get(0).map_or(0, |m| m.end());
            let rest = s.get(end..).unwrap_or("");
            if caps.get(groups).is_some() {
                let mut out = String::with_capacity(s.len() + 2);
                expand(rule, &caps, &mut out);
                out.push_str(rest);
                Digits::from_str(&out)?
            } else {
                Digits::from_str(rest)?
            }
        }
        _ => Digits::from_str(s.get(found.end()..).unwrap_or(""))?,
    };
    if c.matches_general(s) && !c.matches_general(candidate.as_str()) {
        return Ok(*number);
    }
    Ok(candidate)
}

/// Country calling codes are prefix-free: at most one of the 1-, 2- and 3-digit prefixes is
/// one; none starts with 0.
fn split_country_code(digits: &str) -> Option<(u16, &str)> {
    if digits.starts_with('0') {
        return None;
    }
    (1..=3).find_map(|n| {
        let cc: u16 = digits.get(..n)?.parse().ok()?;
        let rest = digits.get(n..)?;
        (!regions_of(cc).is_empty()).then_some((cc, rest))
    })
}

/// `cc` in decimal.
fn decimal(cc: u16) -> Digits {
    let mut out = Digits::new();
    let mut div = 10_000;
    let mut started = false;
    while div > 0 {
        let d = u8::try_from(cc / div % 10).unwrap_or(0);
        if d != 0 || started || div == 1 {
            started = true;
            out.push(d);
        }
        div /= 10;
    }
    out
}

/// The calling code written in `number` and the digits after it: after a `+`, after the
/// default region's international prefix, or (read as a national number of the default
/// region) a bare code when the number fits the region only without it. When none is
/// written, `(0, digits)` with all the number's digits.
fn extract_country_code(number: &str, default: Option<usize>) -> Result<(u16, Digits), PhoneError> {
    if number.is_empty() {
        return Ok((0, Digits::new()));
    }
    let international = if starts_with_plus(number) {
        Some(normalize(without_pluses(number))?)
    } else {
        let full = normalize(number)?;
        let idd = default
            .and_then(compiled)
            .and_then(|c| c.international_prefix.as_ref());
        let s = full.as_str();
        // The prefix counts only when no 0 follows (no calling code starts with 0).
        match idd.and_then(|p| p.match_len(s)) {
            Some(n) if s.as_bytes().get(n) != Some(&b'0') => {
                Some(Digits::from_str(s.get(n..).unwrap_or(""))?)
            }
            _ => {
                return national_with_bare_code(full, default);
            }
        }
    };
    let full = international.unwrap_or_else(Digits::new);
    if full.len() <= MIN_NSN {
        return Err(PhoneError::InvalidLength);
    }
    let (cc, rest) = split_country_code(full.as_str()).ok_or(PhoneError::UnknownCountryCode)?;
    Ok((cc, Digits::from_str(rest)?))
}

/// A number written without `+` or international prefix, in the default region: the region's
/// calling code is taken off its start when the number is no number of the region with it
/// but is one without it, or is too long with it.
fn national_with_bare_code(
    full: Digits,
    default: Option<usize>,
) -> Result<(u16, Digits), PhoneError> {
    let none = Ok((0, full));
    let (Some(index), Some(meta)) = (default, default.and_then(meta_at)) else {
        return none;
    };
    let Some(c) = compiled(index) else {
        return none;
    };
    let code = decimal(meta.country_code);
    let Some(rest) = full.as_str().strip_prefix(code.as_str()) else {
        return none;
    };
    let national = strip_national_prefix(&Digits::from_str(rest)?, index)?;
    let fits_without = !c.matches_general(full.as_str()) && c.matches_general(national.as_str());
    if fits_without || test_length(meta, full.as_str()) == Length::TooLong {
        return Ok((meta.country_code, national));
    }
    none
}

/// Reads a number (canonical text) with an optional default region (metadata index).
///
/// # Errors
/// [`PhoneError::NotANumber`] when it could be no number, [`PhoneError::NoRegion`] without a
/// `+` and a default region, [`PhoneError::UnknownCountryCode`] for a calling code no region
/// has, [`PhoneError::InvalidLength`] when too short or too long to be a number at all.
pub(crate) fn parse(text: &str, default: Option<usize>) -> Result<Parsed, PhoneError> {
    if text.len() > MAX_INPUT && text.chars().count() > MAX_INPUT {
        return Err(PhoneError::InvalidLength);
    }
    let number = number_for_parsing(text)?;
    if !is_viable(&number) {
        return Err(PhoneError::NotANumber);
    }
    if default.is_none() && !starts_with_plus(&number) {
        return Err(PhoneError::NoRegion);
    }
    let (number, extension) = strip_extension(&number);
    let (cc, national) = match extract_country_code(number, default) {
        Err(PhoneError::UnknownCountryCode) if starts_with_plus(number) => {
            // A `+` before a national number: read again without it.
            match extract_country_code(without_pluses(number), default)? {
                (0, _) => return Err(PhoneError::UnknownCountryCode),
                found => found,
            }
        }
        other => other?,
    };
    let (cc, index, national) = if cc != 0 {
        (cc, main_of(cc), national)
    } else {
        // No calling code written: all the digits are the national number.
        let meta = default.and_then(meta_at).ok_or(PhoneError::NoRegion)?;
        (meta.country_code, default, national)
    };
    if national.len() < MIN_NSN {
        return Err(PhoneError::InvalidLength);
    }
    let mut nsn = national;
    if let (Some(index), Some(meta)) = (index, index.and_then(meta_at)) {
        let stripped = strip_national_prefix(&national, index)?;
        // Kept only when what is left has a possible length of the region.
        if !matches!(
            test_length(meta, stripped.as_str()),
            Length::TooShort | Length::LocalOnly | Length::Invalid
        ) {
            nsn = stripped;
        }
    }
    if nsn.len() < MIN_NSN || nsn.len() > MAX_NSN {
        return Err(PhoneError::InvalidLength);
    }
    Ok(Parsed { cc, nsn, extension })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_extension_pattern_compiles() {
        assert!(extension_pattern().unwrap().is_match(" ext. 12"));
    }

    #[test]
    fn possible_numbers_start_at_a_digit_or_plus_and_lose_trailing_junk() {
        assert_eq!(extract_possible_number("Tel: +86 138.."), "+86 138");
        assert_eq!(
            extract_possible_number("(530) 583-6985 x302/x2303"),
            "530) 583-6985 x302"
        );
        assert_eq!(extract_possible_number("call"), "");
    }

    #[test]
    fn viability_wants_three_digits_before_letters() {
        assert!(is_viable("12"));
        assert!(is_viable("+86 (138) 0013"));
        assert!(is_viable("1-800-FLOWERS"));
        assert!(!is_viable("1a2b3c"));
        assert!(!is_viable("1"));
        assert!(is_viable("212 736 5000 ext. 12"));
    }

    #[test]
    fn extensions_of_every_marker() {
        for (s, number, ext) in [
            ("212 736 5000 ext. 12", "212 736 5000", "12"),
            ("212 736 5000 x12", "212 736 5000", "12"),
            ("212 736 5000 #12", "212 736 5000", "12"),
            ("212 736 5000 - 12#", "212 736 5000", "12"),
            ("212 736 5000,,12", "212 736 5000", "12"),
            ("212 736 5000;ext=12", "212 736 5000", "12"),
            ("212 736 5000 доб 12", "212 736 5000", "12"),
        ] {
            assert_eq!(strip_extension(s), (number, Some(ext.to_owned())), "{s}");
        }
        assert_eq!(strip_extension("212 736 5000"), ("212 736 5000", None));
    }

    #[test]
    fn vanity_numbers_read_letters_as_keypad_digits() {
        assert_eq!(normalize("1-800-FLOWERS").unwrap().as_str(), "18003569377");
        assert_eq!(normalize("１２3 a").unwrap().as_str(), "123");
        assert_eq!(normalize("٠١٢").unwrap().as_str(), "012");
    }

    #[test]
    fn decimal_writes_calling_codes() {
        for cc in [1, 7, 44, 86, 800, 886, 979] {
            assert_eq!(decimal(cc).as_str(), cc.to_string());
        }
    }

    #[test]
    fn phone_contexts() {
        assert!(valid_phone_context("+86"));
        assert!(valid_phone_context("example.com"));
        assert!(!valid_phone_context(""));
        assert!(!valid_phone_context("+"));
        assert!(!valid_phone_context("-bad.com"));
        let n = number_for_parsing("tel:6552-9988;phone-context=+86-10").unwrap();
        assert_eq!(n, "+86-106552-9988");
    }
}
