//! Records prepared for comparison: every key computed once, held in plain vectors.

use chrono::{Datelike, NaiveDate};

use super::similarity::KeyText;

use crate::model::{Customer, CustomerId, CustomerKind};
use crate::normalize::{FieldKind, Normalizer, bounded};

/// Byte equality without a call to `memcmp`: keys are short, and the call costs more than the
/// loop.
#[inline]
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
}

pub(crate) use crate::hashing::{FNV_START, fnv_from};

/// The first eight bytes as a big-endian number (zero-padded), so that the numbers sort as the
/// byte strings' prefixes.
pub(crate) fn prefix_u64(bytes: impl IntoIterator<Item = u8>) -> u64 {
    let mut x = [0u8; 8];
    for (slot, b) in x.iter_mut().zip(bytes) {
        *slot = b;
    }
    u64::from_be_bytes(x)
}

/// Bytes a [`Key`] holds inline, without an allocation: most keys (names, phones, postcodes,
/// most emails and street keys) are shorter.
const INLINE: usize = 30;

// Key equality reads an inline buffer as two overlapping 16-byte halves.
const _: () = assert!(INLINE >= 16 && INLINE <= 32);

/// A short string held inline up to [`INLINE`] bytes and boxed beyond, so that a prepared
/// record's keys live inside the record: no allocation per key, and the keys of records laid
/// out next to each other are next to each other in memory.
#[derive(Clone)]
pub(crate) enum Key {
    Inline { len: u8, buf: [u8; INLINE] },
    Heap(Box<str>),
}

impl Default for Key {
    fn default() -> Self {
        Self::Inline {
            len: 0,
            buf: [0; INLINE],
        }
    }
}

/// The longest key compared, in characters: a longer value is held as its first
/// [`KEPT_CHARS`] characters, `#` and the hex FNV-1a hash of the whole key (64 characters in
/// all), so that comparing it costs what comparing a name costs (one bit-parallel
/// Jaro-Winkler, see `similarity`), and equality still tells two long values apart.
pub(crate) const MAX_KEY_CHARS: usize = 64;

/// The characters of a long value kept in its key, before the hash.
const KEPT_CHARS: usize = MAX_KEY_CHARS - 17;

impl Key {
    pub(crate) fn new(s: &str) -> Self {
        // Only a value of more than 64 bytes can have more than 64 characters.
        if s.len() > MAX_KEY_CHARS
            && let Some((cut, _)) = s.char_indices().nth(KEPT_CHARS)
            && s.char_indices().nth(MAX_KEY_CHARS).is_some()
        {
            let kept = s.get(..cut).unwrap_or_default();
            let whole = fnv_from(FNV_START, s.as_bytes());
            return Self::exact(&format!("{kept}#{whole:016x}"));
        }
        Self::exact(s)
    }

    /// The key of `s` as it is.
    fn exact(s: &str) -> Self {
        let bytes = s.as_bytes();
        if bytes.len() <= INLINE {
            let mut buf = [0; INLINE];
            for (slot, &b) in buf.iter_mut().zip(bytes) {
                *slot = b;
            }
            Self::Inline {
                len: bytes.len() as u8,
                buf,
            }
        } else {
            Self::Heap(s.into())
        }
    }

    #[inline]
    pub(crate) fn as_bytes(&self) -> &[u8] {
        match self {
            Self::Inline { len, buf } => buf.get(..usize::from(*len)).unwrap_or(&[]),
            Self::Heap(s) => s.as_bytes(),
        }
    }

    /// The bytes with their head word and ASCII flag, for the Jaro-Winkler kernels (the inline
    /// buffer is zero-padded, so the head word is one load).
    #[inline]
    pub(crate) fn text(&self) -> KeyText<'_> {
        match self {
            Self::Inline { len, buf } => {
                let bytes = buf.get(..usize::from(*len)).unwrap_or(&[]);
                KeyText {
                    bytes,
                    head: buf.first_chunk().map_or(0, |w| u64::from_le_bytes(*w)),
                    ascii: bytes.is_ascii(),
                }
            }
            Self::Heap(s) => KeyText::new(s.as_bytes()),
        }
    }

    /// The text (built from a `&str`, so always valid UTF-8).
    pub(crate) fn as_str(&self) -> &str {
        std::str::from_utf8(self.as_bytes()).unwrap_or_default()
    }
}

impl PartialEq for Key {
    /// Inline keys are zero-padded, so two of them are equal when their lengths and buffers
    /// are (two 16-byte compares); an inline key (at most [`INLINE`] bytes) never equals a boxed
    /// one (longer).
    #[inline]
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Inline { len: a, buf: x }, Self::Inline { len: b, buf: y }) => {
                let halves = |buf: &[u8; INLINE]| {
                    (
                        buf.first_chunk::<16>().map(|w| u128::from_ne_bytes(*w)),
                        buf.last_chunk::<16>().map(|w| u128::from_ne_bytes(*w)),
                    )
                };
                a == b && halves(x) == halves(y)
            }
            (Self::Heap(x), Self::Heap(y)) => same_bytes(x.as_bytes(), y.as_bytes()),
            _ => false,
        }
    }
}

impl Eq for Key {}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Key {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_bytes().cmp(other.as_bytes())
    }
}

impl std::fmt::Debug for Key {
    /// Keys hold personal data: only their length is shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Key({} bytes)", self.as_bytes().len())
    }
}

/// A key for exact and fuzzy comparison.
#[derive(Clone, PartialEq, Eq, Default)]
pub(crate) struct Text {
    pub(crate) s: Key,
}

impl Text {
    fn new(s: &str) -> Option<Self> {
        (!s.is_empty()).then(|| Self { s: Key::new(s) })
    }

    /// The key's FNV hash (for the fingerprint).
    fn hash(&self) -> u64 {
        fnv_from(FNV_START, self.s.as_bytes())
    }

    /// The key's text.
    pub(crate) fn as_str(&self) -> &str {
        self.s.as_str()
    }
}

/// A key compared for equality only (phone, email, identifier, postcode...).
#[derive(Clone, Default, PartialEq, Eq)]
pub(crate) struct Code {
    s: Key,
}

/// Codes sort by their FNV hash, then their bytes: the order a record's lists are kept in, and
/// so the order they enter its fingerprint (which store keys are made of: keep it).
impl Ord for Code {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.hash(), &self.s).cmp(&(other.hash(), &other.s))
    }
}

impl PartialOrd for Code {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// Keys hold personal data, and a fast hash of a phone or an ID number is as good as the
/// number: `Debug` shows only the length.
impl std::fmt::Debug for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.s.fmt(f)
    }
}

impl std::fmt::Debug for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.s.fmt(f)
    }
}

impl Code {
    pub(crate) fn new(s: &str) -> Self {
        Self { s: Key::new(s) }
    }

    /// The key's FNV hash (for the fingerprint and the order of lists).
    fn hash(&self) -> u64 {
        fnv_from(FNV_START, self.s.as_bytes())
    }

    /// Whether both keys have at least eight bytes and end in the same eight (phones are
    /// compared on their last eight digits).
    #[inline]
    pub(crate) fn same_last_8(&self, other: &Self) -> bool {
        let (a, b) = (self.s.as_bytes(), other.s.as_bytes());
        match (
            a.get(a.len().wrapping_sub(8)..),
            b.get(b.len().wrapping_sub(8)..),
        ) {
            (Some(x), Some(y)) if a.len() >= 8 && b.len() >= 8 => x == y,
            _ => false,
        }
    }

    pub(crate) fn as_bytes(&self) -> &[u8] {
        self.s.as_bytes()
    }

    pub(crate) fn as_str(&self) -> &str {
        self.s.as_str()
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A record's phones, emails or identifiers: one held inline (the usual case), more boxed.
#[derive(Debug, Clone, Default)]
pub(crate) enum Codes {
    #[default]
    None,
    One(Code),
    Many(Box<[Code]>),
}

impl Codes {
    /// From sorted, distinct codes.
    fn from_vec(mut v: Vec<Code>) -> Self {
        match v.len() {
            0 => Self::None,
            1 => v.pop().map_or(Self::None, Self::One),
            _ => Self::Many(v.into_boxed_slice()),
        }
    }
}

impl std::ops::Deref for Codes {
    type Target = [Code];

    fn deref(&self) -> &[Code] {
        match self {
            Self::None => &[],
            Self::One(c) => std::slice::from_ref(c),
            Self::Many(v) => v,
        }
    }
}

/// One record's comparison keys, held inline (see [`Key`]): a record is one block of memory.
#[derive(Clone, Default)]
pub(crate) struct Prepared {
    pub(crate) id: Option<CustomerId>,
    pub(crate) source: u8,
    pub(crate) company: bool,
    pub(crate) han: bool,
    pub(crate) given: Option<Text>,
    pub(crate) family: Option<Text>,
    /// The name words as compared across scripts: pinyin words (given, family) for Han names,
    /// the given and family keys without spaces for Latin ones.
    pub(crate) cross: Option<(Text, Text)>,
    /// The birth date's eight digits (YYYYMMDD), for one-digit-off comparison.
    pub(crate) dob_digits: [u8; 8],
    pub(crate) company_name: Option<Text>,
    pub(crate) phones: Codes,
    pub(crate) emails: Codes,
    pub(crate) ids: Codes,
    pub(crate) house: Option<Code>,
    pub(crate) street: Option<Text>,
    pub(crate) street2: Option<Text>,
    pub(crate) locality: Option<Text>,
    pub(crate) postcode: Option<Code>,
    pub(crate) region: Option<Code>,
    pub(crate) dob: Option<NaiveDate>,
    /// A hash of every key: equal for exact copies.
    pub(crate) fingerprint: u64,
    /// The keys of the configuration's field comparisons, field by field (see
    /// [`prepare_fields`]); `None` in the default configuration, which has none (one pointer:
    /// every byte of a prepared record costs at a million records).
    pub(crate) fields: Option<Box<FieldKeys>>,
}

/// One value of a field compared by a field comparison: its normalized text key, and the number
/// or day it is when it is one.
///
/// Two keys are equal when their texts are (the number and the day are read from the value
/// the text is made of).
#[derive(Clone, Default)]
pub(crate) struct FieldKey {
    pub(crate) text: Text,
    pub(crate) number: Option<f64>,
    /// Days since the common era, for dates and the dates of timestamps.
    pub(crate) day: Option<i32>,
}

impl PartialEq for FieldKey {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl std::fmt::Debug for FieldKey {
    /// Custom values are personal unless declared otherwise: only the key's length is shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.text.fmt(f)
    }
}

/// A record's keys of the configuration's field comparisons, one list per field.
pub(crate) type FieldKeys = Box<[Box<[FieldKey]>]>;

/// The keys of `fields` on a record, one list per field (the configuration's field
/// comparisons): each value's text normalized by its field's kind and capped as every key is,
/// with its number or day when it is one.
pub(crate) fn prepare_fields(
    c: &Customer,
    n: &Normalizer,
    fields: &[crate::model::Field],
) -> FieldKeys {
    use crate::model::CustomValue;
    fields
        .iter()
        .map(|field| {
            let kind = FieldKind::of(field);
            let mut keys: Vec<FieldKey> = field
                .values(c)
                .into_iter()
                .filter_map(|v| {
                    let text = v.to_text();
                    let key = n.normalize(kind, bounded(&text)).key;
                    let mut k = FieldKey {
                        text: Text::new(&key)?,
                        ..FieldKey::default()
                    };
                    match v {
                        CustomValue::Integer(i) => k.number = Some(i as f64),
                        CustomValue::Float(x) if x.is_finite() => k.number = Some(x),
                        CustomValue::Date(d) => k.day = Some(d.num_days_from_ce()),
                        CustomValue::Timestamp(t) => {
                            k.day = Some(t.date_naive().num_days_from_ce())
                        }
                        CustomValue::Text(t) => {
                            k.number = t.trim().parse::<f64>().ok().filter(|x| x.is_finite());
                            k.day = crate::model::parse_date(&t)
                                .ok()
                                .map(|d| d.num_days_from_ce());
                        }
                        _ => {}
                    }
                    Some(k)
                })
                .collect();
            keys.sort_by(|a, b| a.text.s.cmp(&b.text.s));
            keys.dedup_by(|a, b| a.text == b.text);
            keys.into_boxed_slice()
        })
        .collect()
}

impl Prepared {
    /// The keys of the configuration's `at`th field (empty when the record has none).
    #[inline]
    pub(crate) fn field_keys(&self, at: usize) -> &[FieldKey] {
        self.fields
            .as_deref()
            .and_then(|f| f.get(at))
            .map_or(&[], |k| k)
    }

    /// The key records are laid out by (see `Deduplicator`'s layout): the first 16 bytes of the
    /// order-free name key (the cross-script words, pinyin for Han names, in sorted order; the
    /// company key for companies). Records likely to be compared with each other are then
    /// next to each other.
    pub(crate) fn layout_key(&self) -> [u64; 2] {
        let words = |a: &[u8], b: &[u8]| -> [u64; 2] {
            let (x, y) = if a <= b { (a, b) } else { (b, a) };
            let bytes = x.iter().chain(b" ").chain(y).copied();
            [prefix_u64(bytes.clone()), prefix_u64(bytes.skip(8))]
        };
        let one = |t: &Text| {
            let b = t.s.as_bytes().iter().copied();
            [prefix_u64(b.clone()), prefix_u64(b.skip(8))]
        };
        match (&self.company_name, &self.cross, &self.given, &self.family) {
            (Some(c), ..) if self.company => one(c),
            (_, Some((g, f)), ..) => words(g.s.as_bytes(), f.s.as_bytes()),
            (_, None, Some(g), Some(f)) => words(g.s.as_bytes(), f.s.as_bytes()),
            (_, None, Some(t), None) | (_, None, None, Some(t)) => one(t),
            _ => [u64::MAX; 2],
        }
    }
}

impl std::fmt::Debug for Prepared {
    /// The id only: every other field is personal data.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Prepared")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl Prepared {
    /// Whether two records are exact copies (every compared key equal): equal fingerprints,
    /// confirmed key by key, so that a hash collision (FNV collisions can be built on purpose)
    /// never makes two records one at probability 1.
    pub(crate) fn identical(&self, other: &Self) -> bool {
        self.fingerprint == other.fingerprint
            && self.company == other.company
            && self.dob == other.dob
            && self.given == other.given
            && self.family == other.family
            && self.company_name == other.company_name
            && self.street == other.street
            && self.street2 == other.street2
            && self.locality == other.locality
            && self.house == other.house
            && self.postcode == other.postcode
            && self.region == other.region
            && *self.phones == *other.phones
            && *self.emails == *other.emails
            && *self.ids == *other.ids
            && self.fields == other.fields
    }
}

impl Prepared {
    /// A total order on the compared keys, `Equal` exactly for [`Prepared::identical`]
    /// records (whatever their fingerprints): exact copies sort next to each other.
    pub(crate) fn content_cmp(&self, other: &Self) -> std::cmp::Ordering {
        fn text(t: &Option<Text>) -> Option<&Key> {
            t.as_ref().map(|t| &t.s)
        }
        fn texts(p: &Prepared) -> [Option<&Key>; 6] {
            [
                text(&p.given),
                text(&p.family),
                text(&p.company_name),
                text(&p.street),
                text(&p.street2),
                text(&p.locality),
            ]
        }
        fn codes(p: &Prepared) -> [Option<&Code>; 3] {
            [p.house.as_ref(), p.postcode.as_ref(), p.region.as_ref()]
        }
        (self.company, self.dob)
            .cmp(&(other.company, other.dob))
            .then_with(|| texts(self).cmp(&texts(other)))
            .then_with(|| codes(self).cmp(&codes(other)))
            .then_with(|| (*self.phones).cmp(&*other.phones))
            .then_with(|| (*self.emails).cmp(&*other.emails))
            .then_with(|| (*self.ids).cmp(&*other.ids))
            .then_with(|| {
                let keys = |p: &Self| -> Vec<Vec<Key>> {
                    p.fields
                        .iter()
                        .flat_map(|f| f.iter())
                        .map(|f| f.iter().map(|k| k.text.s.clone()).collect())
                        .collect()
                };
                if self.fields.is_none() && other.fields.is_none() {
                    std::cmp::Ordering::Equal
                } else {
                    keys(self).cmp(&keys(other))
                }
            })
    }
}

/// One step of the fingerprint's hash: order-sensitive, so that the same values in other
/// fields give another fingerprint.
fn mix(state: u64, x: u64) -> u64 {
    (state.rotate_left(5) ^ x).wrapping_mul(0x517c_c1b7_2722_0a95)
}

/// A date's eight digits, `YYYYMMDD` (the year clamped to 0..=9999), written without
/// formatting (once a record).
fn date_digits(d: NaiveDate) -> [u8; 8] {
    let (year, month, day) = (d.year().clamp(0, 9999) as u32, d.month(), d.day());
    let mut out = [b'0'; 8];
    for (slot, (value, unit)) in out.iter_mut().zip([
        (year, 1000),
        (year, 100),
        (year, 10),
        (year, 1),
        (month, 10),
        (month, 1),
        (day, 10),
        (day, 1),
    ]) {
        // Each digit is below 10, so the cast keeps it.
        *slot = b'0' + (value / unit % 10) as u8;
    }
    out
}

/// `s` without its spaces, borrowed when it has none (most name keys).
fn without_spaces(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains(' ') {
        std::borrow::Cow::Owned(s.replace(' ', ""))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// Prepares a record. `region` is the default region for phones without a country code; phones
/// that do not parse are compared on their digits.
pub(crate) fn prepare(c: &Customer, n: &Normalizer, region: Option<&str>) -> Prepared {
    let mut p = Prepared {
        id: Some(c.id.clone()),
        company: c.kind == CustomerKind::Company,
        ..Prepared::default()
    };
    let mut pinyin = None;
    if let Some(name) = c.person_name.as_ref().filter(|n| !n.is_empty()) {
        let read;
        let name = if [&name.full, &name.given, &name.middle, &name.family]
            .into_iter()
            .flatten()
            .any(|s| bounded(s).len() < s.len())
        {
            let mut b = name.clone();
            for part in [&mut b.full, &mut b.given, &mut b.middle, &mut b.family]
                .into_iter()
                .flatten()
            {
                let keep = bounded(part).len();
                part.truncate(keep);
            }
            read = b;
            &read
        } else {
            name
        };
        let r = n.person_name(name);
        p.han = !r.key.is_ascii() && r.pinyin.is_some();
        if p.han
            && let (Some(f), Some(g)) = (r.family.as_deref(), r.given.as_deref())
        {
            let f_py = crate::normalize::person_pinyin_word(f, true);
            let g_py = crate::normalize::person_pinyin_word(g, false);
            pinyin = f_py.zip(g_py);
        }
        p.given = r.given.as_deref().and_then(Text::new);
        p.family = r.family.as_deref().and_then(Text::new);
        if p.given.is_none() && p.family.is_none() {
            p.family = Text::new(&r.key);
        }
    }
    if let Some(company) = &c.company_name {
        p.company_name = Text::new(
            &n.normalize(FieldKind::CompanyName, bounded(&company.legal))
                .key,
        );
    }
    let keys = n.match_keys(c, region);
    let codes = |v: &[String]| v.iter().map(|k| Code::new(k)).collect::<Vec<_>>();
    let (mut phones, mut emails, mut ids) = (
        codes(&keys.phones),
        codes(&keys.emails),
        codes(&keys.national_ids),
    );
    let code_of = |s: &str| -> String {
        bounded(s)
            .chars()
            .filter(|ch| ch.is_alphanumeric())
            .flat_map(char::to_uppercase)
            .collect()
    };
    if let Some(a) = c.addresses.iter().find(|a| !a.is_empty()) {
        let key = |s: &str| {
            Some(n.normalize(FieldKind::Address, bounded(s)).key).filter(|k| !k.is_empty())
        };
        p.house = a
            .house_number
            .as_deref()
            .and_then(key)
            .map(|k| Code::new(&k));
        p.street = a
            .lines
            .first()
            .and_then(|l| key(l))
            .and_then(|k| Text::new(&k));
        p.street2 = a
            .lines
            .get(1)
            .and_then(|l| key(l))
            .and_then(|k| Text::new(&k));
        p.locality = a
            .locality
            .as_deref()
            .and_then(key)
            .and_then(|k| Text::new(&k));
        p.postcode = a
            .postcode
            .as_deref()
            .map(code_of)
            .filter(|s| !s.is_empty())
            .map(|k| Code::new(&k));
        p.region = a.region.as_deref().and_then(key).map(|k| Code::new(&k));
    }
    p.dob = c.birth_date;
    if let Some(d) = p.dob {
        p.dob_digits = date_digits(d);
    }
    p.cross = match (&pinyin, &p.given, &p.family) {
        (Some((f, g)), _, _) => Text::new(g).zip(Text::new(f)),
        (None, Some(g), Some(f)) if !p.han => {
            Text::new(&without_spaces(g.as_str())).zip(Text::new(&without_spaces(f.as_str())))
        }
        _ => None,
    };
    for (list, out) in [
        (&mut phones, &mut p.phones),
        (&mut emails, &mut p.emails),
        (&mut ids, &mut p.ids),
    ] {
        list.sort();
        list.dedup();
        *out = Codes::from_vec(std::mem::take(list));
    }

    let texts = [
        &p.given,
        &p.family,
        &p.company_name,
        &p.street,
        &p.street2,
        &p.locality,
    ];
    let codes = [&p.house, &p.postcode, &p.region];
    let mut h = FNV_START;
    for t in texts {
        h = mix(h, t.as_ref().map_or(0, Text::hash));
    }
    for list in [&*p.phones, &*p.emails, &*p.ids] {
        h = mix(h, list.len() as u64);
        for code in list {
            h = mix(h, code.hash());
        }
    }
    for code in codes {
        h = mix(h, code.as_ref().map_or(0, Code::hash));
    }
    let days = p.dob.map_or(0, |d| i64::from(d.num_days_from_ce()) + 1);
    h = mix(h, days as u64);
    h = mix(h, u64::from(p.company));
    p.fingerprint = h;
    p
}

/// American Soundex of a Latin word (`robert` → `R163`), `None` without an ASCII letter.
pub(crate) fn soundex(s: &str) -> Option<[u8; 4]> {
    let code = |c: u8| match c {
        b'b' | b'f' | b'p' | b'v' => b'1',
        b'c' | b'g' | b'j' | b'k' | b'q' | b's' | b'x' | b'z' => b'2',
        b'd' | b't' => b'3',
        b'l' => b'4',
        b'm' | b'n' => b'5',
        b'r' => b'6',
        b'h' | b'w' => b'-',
        _ => b'0',
    };
    let mut letters = s
        .bytes()
        .filter(u8::is_ascii_alphabetic)
        .map(|c| c.to_ascii_lowercase());
    let first = letters.next()?;
    let mut out = [b'0'; 4];
    out[0] = first.to_ascii_uppercase();
    let mut len = 1;
    let mut last = code(first);
    for c in letters {
        let d = code(c);
        if d == b'-' {
            continue;
        }
        if d != b'0' && d != last {
            if let Some(slot) = out.get_mut(len) {
                *slot = d;
            }
            len += 1;
            if len == 4 {
                break;
            }
        }
        last = d;
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
            assert_eq!(
                soundex(w),
                Some(*c.as_bytes().first_chunk().unwrap_or(&[0; 4])),
                "{w}"
            );
        }
        assert_eq!(soundex("张"), None);
    }
}

#[cfg(test)]
mod digit_tests {
    use super::*;

    #[test]
    fn date_digits_are_the_formatted_date() {
        for (y, m, d) in [(1984, 7, 3), (2001, 12, 31), (5, 1, 9), (9999, 2, 28)] {
            let date = NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
            let text = format!("{y:04}{m:02}{d:02}");
            assert_eq!(&date_digits(date), text.as_bytes());
        }
        assert_eq!(without_spaces("de la cruz"), "delacruz");
        assert_eq!(without_spaces("smith"), "smith");
    }
}

#[cfg(test)]
mod long_value_tests {
    use super::*;

    #[test]
    fn long_keys_are_capped_and_still_tell_values_apart() {
        let a = format!("{}x", "名".repeat(200));
        let b = format!("{}y", "名".repeat(200));
        let (ka, kb) = (Key::new(&a), Key::new(&b));
        assert_eq!(ka.as_str().chars().count(), MAX_KEY_CHARS);
        assert!(ka.as_str().starts_with(&"名".repeat(KEPT_CHARS)));
        assert_ne!(ka, kb);
        assert_eq!(ka, Key::new(&a.clone()));
        // Up to the cap, a key is its value.
        let short = "a".repeat(MAX_KEY_CHARS);
        assert_eq!(Key::new(&short).as_str(), short);
    }

    #[test]
    fn values_are_read_up_to_their_first_thousand_characters() {
        let long = "é".repeat(5000);
        assert_eq!(bounded(&long).chars().count(), 1000);
        assert_eq!(bounded("short"), "short");
    }
}

#[cfg(test)]
mod layout_tests {
    use super::*;

    /// The batch run holds one prepared record per customer: at a million records every 64
    /// bytes here is 61 MiB (docs/DECISIONS.md, "Prepared keys held inside the record").
    #[test]
    fn a_prepared_record_stays_small() {
        let size = std::mem::size_of::<Prepared>();
        assert!(size <= 512, "Prepared is {size} bytes");
        assert_eq!(std::mem::size_of::<Key>(), 32);
    }
}
