//! Records prepared for comparison: every key computed once, held in plain vectors.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use chrono::{Datelike, NaiveDate};

use super::similarity::Chars;
use crate::model::{Customer, CustomerId, CustomerKind};
use crate::normalize::{FieldKind, Normalizer};

/// Byte equality without a call to `memcmp`: keys are short, and the call costs more than the
/// loop.
#[inline]
fn same_bytes(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).all(|(x, y)| x == y)
}

/// FNV-1a's offset basis: the state of a hash of nothing.
pub(crate) const FNV_START: u64 = 0xcbf2_9ce4_8422_2325;

/// FNV-1a over the bytes, continuing from `state`: a fixed, fast hash for telling unequal keys
/// apart (and for grouping blocking keys).
pub(crate) fn fnv_from(state: u64, bytes: &[u8]) -> u64 {
    bytes.iter().fold(state, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn fnv(s: &str) -> u64 {
    fnv_from(FNV_START, s.as_bytes())
}

/// The first eight bytes as a big-endian number (zero-padded), so that the numbers sort as the
/// byte strings' prefixes.
pub(crate) fn prefix_u64(bytes: impl IntoIterator<Item = u8>) -> u64 {
    let mut x = [0u8; 8];
    for (slot, b) in x.iter_mut().zip(bytes) {
        *slot = b;
    }
    u64::from_be_bytes(x)
}

/// A key and its characters, for exact and fuzzy comparison.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Text {
    pub(crate) s: String,
    pub(crate) c: Chars,
    /// Hash of `s`: keys with different hashes differ, without comparing bytes.
    pub(crate) h: u64,
}

impl Text {
    fn new(s: String) -> Option<Self> {
        (!s.is_empty()).then(|| Self {
            c: Chars::new(&s),
            h: fnv(&s),
            s,
        })
    }

    /// Whether two keys are equal (hash first, bytes only when the hashes agree).
    #[inline]
    pub(crate) fn same(&self, other: &Self) -> bool {
        self.h == other.h && same_bytes(&self.s, &other.s)
    }
}

/// A key compared for equality only (phone, email, identifier, postcode...), with its hash so
/// that the comparison of unequal keys costs one integer compare.
#[derive(Debug, Clone, Default, Eq, PartialOrd, Ord)]
pub(crate) struct Code {
    h: u64,
    /// The last eight bytes, packed (phones are compared on their last eight digits).
    tail: u64,
    s: String,
}

impl PartialEq for Code {
    #[inline]
    fn eq(&self, other: &Self) -> bool {
        self.h == other.h && same_bytes(&self.s, &other.s)
    }
}

impl Hash for Code {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.s.hash(state);
    }
}

impl Code {
    pub(crate) fn new(s: String) -> Self {
        let bytes = s.as_bytes();
        let tail = bytes
            .get(bytes.len().saturating_sub(8)..)
            .unwrap_or(bytes)
            .iter()
            .fold(0u64, |t, &b| (t << 8) | u64::from(b));
        Self {
            h: fnv(&s),
            tail,
            s,
        }
    }

    /// Whether both keys have at least eight bytes and end in the same eight.
    #[inline]
    pub(crate) fn same_last_8(&self, other: &Self) -> bool {
        self.s.len() >= 8 && other.s.len() >= 8 && self.tail == other.tail
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.s
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.s)
    }
}

/// One record's comparison keys.
#[derive(Debug, Clone, Default)]
pub(crate) struct Prepared {
    pub(crate) id: Option<CustomerId>,
    pub(crate) source: u8,
    pub(crate) company: bool,
    pub(crate) given: Option<Text>,
    pub(crate) family: Option<Text>,
    /// Han names: the pinyin of the family and the given name (each one word).
    pub(crate) pinyin: Option<(String, String)>,
    /// The name words as compared across scripts: pinyin words for Han names, the given and
    /// family keys without spaces for Latin ones.
    pub(crate) cross: Option<(Text, Text)>,
    /// The birth date's eight digits (YYYYMMDD), for one-digit-off comparison.
    pub(crate) dob_digits: [u8; 8],
    pub(crate) han: bool,
    pub(crate) company_name: Option<Text>,
    pub(crate) phones: Vec<Code>,
    pub(crate) emails: Vec<Code>,
    pub(crate) ids: Vec<Code>,
    pub(crate) house: Option<Code>,
    pub(crate) street: Option<Text>,
    pub(crate) street2: Option<Text>,
    pub(crate) locality: Option<Text>,
    pub(crate) postcode: Option<Code>,
    pub(crate) region: Option<Code>,
    pub(crate) dob: Option<NaiveDate>,
    /// A hash of every key: equal for exact copies.
    pub(crate) fingerprint: u64,
    /// Whether the record has anything to compare at all.
    pub(crate) empty: bool,
}

/// The key records are laid out by before preparation (see `locality_order`): the first 16
/// bytes of the order-free name key, as pinyin words for Han names.
pub(crate) fn locality_key(c: &Customer, n: &Normalizer) -> [u64; 2] {
    let key = match (&c.company_name, &c.person_name) {
        (Some(company), _) if c.kind == CustomerKind::Company => {
            n.normalize(FieldKind::CompanyName, &company.legal).key
        }
        (_, Some(name)) if !name.is_empty() => {
            let r = n.person_name(name);
            r.pinyin.unwrap_or(r.key)
        }
        _ => String::new(),
    };
    [prefix_u64(key.bytes()), prefix_u64(key.bytes().skip(8))]
}

/// Prepares a record. `region` is the default region for phones without a country code; phones
/// that do not parse are compared on their digits.
pub(crate) fn prepare(c: &Customer, n: &Normalizer, region: Option<&str>) -> Prepared {
    let mut p = Prepared {
        id: Some(c.id.clone()),
        company: c.kind == CustomerKind::Company,
        ..Prepared::default()
    };
    if let Some(name) = c.person_name.as_ref().filter(|n| !n.is_empty()) {
        let r = n.person_name(name);
        p.han = !r.key.is_ascii() && r.pinyin.is_some();
        if p.han {
            if let (Some(f), Some(g)) = (r.family.as_deref(), r.given.as_deref()) {
                let f_py = crate::normalize::person_pinyin_word(f, true);
                let g_py = crate::normalize::person_pinyin_word(g, false);
                if let (Some(f), Some(g)) = (f_py, g_py) {
                    p.pinyin = Some((f, g));
                }
            }
        }
        p.given = r.given.and_then(Text::new);
        p.family = r.family.and_then(Text::new);
        if p.given.is_none() && p.family.is_none() {
            p.family = Text::new(r.key);
        }
    }
    if let Some(company) = &c.company_name {
        p.company_name = Text::new(n.normalize(FieldKind::CompanyName, &company.legal).key);
    }
    let country = c
        .addresses
        .iter()
        .find_map(|a| a.country)
        .map(|cc| cc.as_str().to_owned());
    let phone_region = country.as_deref().or(region);
    for ph in &c.phones {
        match n.phone(&ph.number, phone_region) {
            Ok(x) => p.phones.push(Code::new(x.e164)),
            Err(_) => {
                let digits: String = ph
                    .number
                    .chars()
                    .filter_map(|ch| ch.to_digit(10))
                    .filter_map(|d| char::from_digit(d, 10))
                    .collect();
                if digits.len() >= 7 {
                    p.phones.push(Code::new(digits));
                }
            }
        }
    }
    for e in &c.emails {
        if let Ok(x) = n.email(&e.address) {
            p.emails.push(Code::new(x.key));
        }
    }
    for id in &c.national_ids {
        let v: String = id
            .value
            .chars()
            .filter(|ch| ch.is_alphanumeric())
            .flat_map(char::to_uppercase)
            .collect();
        if !v.is_empty() {
            p.ids.push(Code::new(v));
        }
    }
    if let Some(a) = c.addresses.iter().find(|a| !a.is_empty()) {
        let key = |s: &str| Some(n.normalize(FieldKind::Address, s).key).filter(|k| !k.is_empty());
        p.house = a.house_number.as_deref().and_then(key).map(Code::new);
        p.street = a.lines.first().and_then(|l| key(l)).and_then(Text::new);
        p.street2 = a.lines.get(1).and_then(|l| key(l)).and_then(Text::new);
        p.locality = a.locality.as_deref().and_then(key).and_then(Text::new);
        p.postcode = a
            .postcode
            .as_deref()
            .map(|s| {
                s.chars()
                    .filter(|ch| ch.is_alphanumeric())
                    .flat_map(char::to_uppercase)
                    .collect::<String>()
            })
            .filter(|s| !s.is_empty())
            .map(Code::new);
        p.region = a.region.as_deref().and_then(key).map(Code::new);
    }
    p.dob = c.birth_date;
    if let Some(d) = p.dob {
        let text = format!(
            "{:04}{:02}{:02}",
            d.year().clamp(0, 9999),
            d.month(),
            d.day()
        );
        for (slot, b) in p.dob_digits.iter_mut().zip(text.bytes()) {
            *slot = b;
        }
    }
    p.cross = match (&p.pinyin, &p.given, &p.family) {
        (Some((f, g)), _, _) => Text::new(g.clone()).zip(Text::new(f.clone())),
        (None, Some(g), Some(f)) if !p.han => {
            Text::new(g.s.replace(' ', "")).zip(Text::new(f.s.replace(' ', "")))
        }
        _ => None,
    };
    p.phones.sort();
    p.phones.dedup();
    p.emails.sort();
    p.emails.dedup();
    p.ids.sort();
    p.ids.dedup();

    let mut h = DefaultHasher::new();
    let texts = [
        &p.given,
        &p.family,
        &p.company_name,
        &p.street,
        &p.street2,
        &p.locality,
    ];
    for t in texts {
        t.as_ref().map(|t| &t.s).hash(&mut h);
    }
    (
        &p.phones,
        &p.emails,
        &p.ids,
        &p.house,
        &p.postcode,
        &p.region,
    )
        .hash(&mut h);
    p.dob.map(|d| d.num_days_from_ce()).hash(&mut h);
    p.company.hash(&mut h);
    p.fingerprint = h.finish();
    p.empty = texts.iter().all(|t| t.is_none())
        && p.phones.is_empty()
        && p.emails.is_empty()
        && p.ids.is_empty()
        && p.house.is_none()
        && p.postcode.is_none()
        && p.region.is_none()
        && p.dob.is_none();
    p
}

/// American Soundex of a Latin word (`robert` → `R163`), `None` without an ASCII letter.
pub(crate) fn soundex(s: &str) -> Option<String> {
    let code = |c: char| match c {
        'b' | 'f' | 'p' | 'v' => '1',
        'c' | 'g' | 'j' | 'k' | 'q' | 's' | 'x' | 'z' => '2',
        'd' | 't' => '3',
        'l' => '4',
        'm' | 'n' => '5',
        'r' => '6',
        'h' | 'w' => '-',
        _ => '0',
    };
    let letters: Vec<char> = s
        .chars()
        .filter(char::is_ascii_alphabetic)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    let first = *letters.first()?;
    let mut out = String::with_capacity(4);
    out.push(first.to_ascii_uppercase());
    let mut last = code(first);
    for &c in letters.iter().skip(1) {
        let d = code(c);
        if d == '-' {
            continue;
        }
        if d != '0' && d != last {
            out.push(d);
            if out.len() == 4 {
                break;
            }
        }
        last = d;
    }
    while out.len() < 4 {
        out.push('0');
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn soundex_codes_match_the_published_examples() {
        for (w, c) in [
            ("robert", "R163"),
            ("rupert", "R163"),
            ("rubin", "R150"),
            ("ashcraft", "A261"),
            ("tymczak", "T522"),
            ("pfister", "P236"),
            ("honeyman", "H555"),
        ] {
            assert_eq!(soundex(w).as_deref(), Some(c), "{w}");
        }
        assert_eq!(soundex("张"), None);
    }
}
