//! Seeded synthetic customers with ground truth (feature `synth`).
//!
//! Realistic values (surname frequency skew, Chinese and Latin-script people and companies,
//! phones of several regions, valid identifiers) and duplicates carrying the corruptions seen in
//! real CRMs, each at a configurable rate. The same configuration and seed always give the same
//! data.
//!
//! ```
//! use clientele::synth::{generate, SynthConfig};
//! let data = generate(&SynthConfig { customers: 1_000, ..SynthConfig::default() })?;
//! assert_eq!(data.customers.len(), 1_000);
//! assert_eq!(data.truth.len(), 1_000);
//! let again = generate(&SynthConfig { customers: 1_000, ..SynthConfig::default() })?;
//! assert_eq!(again.customers, data.customers);
//! # Ok::<(), clientele::Error>(())
//! ```

mod values;
mod western;

use chrono::{DateTime, Duration, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::{
    CurrencyCode, Customer, CustomerId, Email, Money, PersonName, Phone, Transaction,
};
use crate::normalize::chinese::to_traditional;
use crate::normalize::pinyin_of_char;

/// How often each corruption is applied to a duplicate record (each independently).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Corruptions {
    /// A typo (insert, delete, substitute, transpose) in a name.
    pub typo: f64,
    /// An OCR confusion (0/O, 1/l, 5/S, 8/B, rn/m) in a name or street.
    pub ocr: f64,
    /// A keyboard-neighbour slip in a name or email.
    pub keyboard: f64,
    /// Traditional script for a Chinese name or company.
    pub traditional: f64,
    /// Full-width characters in a name or phone.
    pub full_width: f64,
    /// Another spelling of the company's legal form.
    pub legal_form: f64,
    /// The phone written in another format.
    pub phone_format: f64,
    /// A changed phone number.
    pub phone_changed: f64,
    /// Given and family names swapped.
    pub swap_names: f64,
    /// A Chinese name written in pinyin.
    pub pinyin: f64,
    /// A field left empty (per field: email, phone, birth date, address, ID).
    pub missing: f64,
    /// A new address.
    pub moved: f64,
    /// A slip in the birth date (day and month swapped, or one digit off).
    pub date_slip: f64,
    /// One wrong digit in a national identifier.
    pub id_slip: f64,
}

impl Default for Corruptions {
    fn default() -> Self {
        Self {
            typo: 0.3,
            ocr: 0.05,
            keyboard: 0.1,
            traditional: 0.3,
            full_width: 0.1,
            legal_form: 0.5,
            phone_format: 0.6,
            phone_changed: 0.15,
            swap_names: 0.1,
            pinyin: 0.15,
            missing: 0.2,
            moved: 0.15,
            date_slip: 0.12,
            id_slip: 0.15,
        }
    }
}

/// Who the generated customers are.
///
/// ```
/// use clientele::synth::{generate, Population, SynthConfig};
/// let data = generate(&SynthConfig {
///     customers: 200,
///     population: Population::NameBuiltEmails,
///     ..SynthConfig::default()
/// })?;
/// let email = &data.customers[0].emails[0].address;
/// assert!(email.contains('@'));
/// # Ok::<(), clientele::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Population {
    /// Chinese and Latin-script people and companies of several countries (`chinese_share`
    /// of them Chinese), each mailbox carrying a number unique to its customer.
    #[default]
    Mixed,
    /// People of one country (the United States) with Zipf-skewed given and family names,
    /// mailboxes built from the name (`first.last`, `first_last`, `firstlast`, `f.last`,
    /// `flast`, some with a number) on six big providers and never checked to be free, so two
    /// people of one name can share one; US phones and addresses. `chinese_share` is not
    /// used; companies (`company_share`) are Latin-script.
    NameBuiltEmails,
}

/// What to generate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SynthConfig {
    /// Number of records.
    pub customers: usize,
    /// Share of records that belong to a cluster of duplicates (2 to 6 records each).
    pub duplicate_share: f64,
    /// Share of entities with Chinese names.
    pub chinese_share: f64,
    /// Share of entities that are companies.
    pub company_share: f64,
    /// Corruption rates of duplicates.
    pub corruptions: Corruptions,
    /// Mean number of purchases per entity (0 for none).
    pub mean_purchases: f64,
    /// The seed.
    pub seed: u64,
    /// Who the customers are (the mixed population when absent from a serialized config).
    #[serde(default)]
    pub population: Population,
}

impl Default for SynthConfig {
    fn default() -> Self {
        Self {
            customers: 10_000,
            duplicate_share: 0.1,
            chinese_share: 0.5,
            company_share: 0.15,
            corruptions: Corruptions::default(),
            mean_purchases: 0.0,
            seed: 1,
            population: Population::Mixed,
        }
    }
}

/// The most records [`generate`] makes in one data set: 20 million (about 1.2 KB of memory a
/// record, measured at 200,000: some 23 GB; ids are unique up to 10^9).
pub const MAX_CUSTOMERS: usize = 20_000_000;

/// The most purchases per entity on average [`generate`] accepts (each entity has at most 200).
pub const MAX_MEAN_PURCHASES: f64 = 200.0;

impl SynthConfig {
    /// Checks the configuration before anything is allocated.
    ///
    /// ```
    /// use clientele::synth::{SynthConfig, MAX_CUSTOMERS};
    /// assert!(SynthConfig::default().check().is_ok());
    /// assert!(SynthConfig { customers: MAX_CUSTOMERS + 1, ..SynthConfig::default() }.check().is_err());
    /// assert!(SynthConfig { duplicate_share: f64::NAN, ..SynthConfig::default() }.check().is_err());
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidValue`] naming the field: more than [`MAX_CUSTOMERS`] records, a share or
    /// corruption rate outside [0, 1] (or not a number), a mean number of purchases that is
    /// negative, not finite or over [`MAX_MEAN_PURCHASES`].
    pub fn check(&self) -> Result<()> {
        let invalid = |field: &str, reason: String, value: String| {
            Err(Error::InvalidValue {
                field: field.to_owned(),
                reason,
                masked: value,
            })
        };
        if self.customers > MAX_CUSTOMERS {
            return invalid(
                "customers",
                format!("at most {MAX_CUSTOMERS} records are generated at once"),
                self.customers.to_string(),
            );
        }
        let c = &self.corruptions;
        for (field, share) in [
            ("duplicate_share", self.duplicate_share),
            ("chinese_share", self.chinese_share),
            ("company_share", self.company_share),
            ("corruptions.typo", c.typo),
            ("corruptions.ocr", c.ocr),
            ("corruptions.keyboard", c.keyboard),
            ("corruptions.traditional", c.traditional),
            ("corruptions.full_width", c.full_width),
            ("corruptions.legal_form", c.legal_form),
            ("corruptions.phone_format", c.phone_format),
            ("corruptions.phone_changed", c.phone_changed),
            ("corruptions.swap_names", c.swap_names),
            ("corruptions.pinyin", c.pinyin),
            ("corruptions.missing", c.missing),
            ("corruptions.moved", c.moved),
            ("corruptions.date_slip", c.date_slip),
            ("corruptions.id_slip", c.id_slip),
        ] {
            if !(0.0..=1.0).contains(&share) {
                return invalid(field, "a share from 0 to 1".to_owned(), share.to_string());
            }
        }
        if !(0.0..=MAX_MEAN_PURCHASES).contains(&self.mean_purchases) {
            return invalid(
                "mean_purchases",
                format!("from 0 to {MAX_MEAN_PURCHASES}"),
                self.mean_purchases.to_string(),
            );
        }
        Ok(())
    }
}

/// Generated records and their ground truth.
#[derive(Debug, Clone, PartialEq)]
pub struct SynthData {
    /// The records.
    pub customers: Vec<Customer>,
    /// `(record id, entity id)` for every record.
    pub truth: Vec<(CustomerId, String)>,
    /// Purchases, attached to one record of each entity.
    pub transactions: Vec<Transaction>,
}

/// The generator's random source: SplitMix64 with sampling helpers.
pub(crate) struct Rng(crate::rng::SplitMix);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Self(crate::rng::SplitMix(seed))
    }
    pub(crate) fn unit(&mut self) -> f64 {
        self.0.unit()
    }
    pub(crate) fn below(&mut self, n: usize) -> usize {
        self.0.below(n)
    }
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        items.get(self.below(items.len()))
    }
    /// Picks by weight.
    pub(crate) fn weighted<'a, T>(&mut self, items: &'a [(T, f64)]) -> Option<&'a T> {
        let total: f64 = items.iter().map(|(_, w)| w).sum();
        let mut x = self.unit() * total;
        for (item, w) in items {
            if x < *w {
                return Some(item);
            }
            x -= w;
        }
        items.last().map(|(i, _)| i)
    }
    fn digits(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b'0' + self.below(10) as u8))
            .collect()
    }
}

/// Generates a data set.
///
/// # Errors
/// As [`SynthConfig::check`], before anything is allocated.
pub fn generate(config: &SynthConfig) -> Result<SynthData> {
    config.check()?;
    let mut r = Rng::new(config.seed ^ 0xC11E_27E1);
    let n = config.customers;
    let dup_records = ((n as f64) * config.duplicate_share.clamp(0.0, 1.0)).round() as usize;
    let mut customers = Vec::with_capacity(n);
    let mut truth = Vec::with_capacity(n);
    let mut transactions = Vec::new();
    let mut entity = 0usize;
    let mut left_dup = dup_records;
    while customers.len() < n {
        let remaining = n - customers.len();
        let size = if left_dup >= 2 && remaining >= 2 {
            let s = (2 + r.below(5)).min(left_dup).min(remaining);
            // Never leave a single duplicate record behind.
            let s = if left_dup - s == 1 { s + 1 } else { s };
            s.min(remaining).max(2)
        } else {
            1
        };
        // Ids scramble the record number (a bijection), so they never repeat.
        let record_id =
            |idx: usize| CustomerId::new(format!("S{:09}", scramble(config.seed, idx as u64)));
        let Ok(first_id) = record_id(customers.len()) else {
            break;
        };
        let base = values::entity(&mut r, config, first_id);
        let eid = format!("E{entity:08}");
        for k in 0..size {
            let mut c = if k == 0 {
                base.clone()
            } else {
                corrupt(&mut r, &base, config)
            };
            if let Ok(id) = record_id(customers.len()) {
                c.id = id;
            }
            truth.push((c.id.clone(), eid.clone()));
            if k == 0 && config.mean_purchases > 0.0 {
                transactions.extend(purchases(&mut r, &c.id, config.mean_purchases));
            }
            customers.push(c);
        }
        if size > 1 {
            left_dup = left_dup.saturating_sub(size);
        }
        entity += 1;
    }
    Ok(SynthData {
        customers,
        truth,
        transactions,
    })
}

/// A record number mixed so that id order says nothing of who is whom: a bijection of 0..10^9,
/// so ids never repeat. The numbers are permuted over 30 bits (an xor with the seed, then
/// multiplications by odd numbers and xor-shifts, each invertible) and walked along their
/// cycle back into 0..10^9. (A multiplication modulo 10^9 alone kept consecutive records a
/// fixed distance apart, so a duplicate was usually its original's neighbour in id order.)
fn scramble(seed: u64, i: u64) -> u64 {
    const M: u64 = 1_000_000_000;
    const MASK: u64 = (1 << 30) - 1;
    let permute = |x: u64| {
        let mut x = (x ^ seed) & MASK;
        x = x.wrapping_mul(0x2545_F491) & MASK;
        x ^= x >> 15;
        x = x.wrapping_mul(0x1B87_3593) & MASK;
        x ^ (x >> 13)
    };
    let mut x = permute(i % M);
    while x >= M {
        x = permute(x);
    }
    x
}

fn purchases(r: &mut Rng, id: &CustomerId, mean: f64) -> Vec<Transaction> {
    let start = Utc
        .with_ymd_and_hms(2024, 1, 1, 9, 0, 0)
        .single()
        .unwrap_or(DateTime::UNIX_EPOCH);
    let count = ((-mean * (1.0 - r.unit()).ln()).round() as usize).min(200);
    let Ok(currency) = CurrencyCode::new("CNY") else {
        return Vec::new();
    };
    let mut day = r.below(120) as i64;
    (0..count)
        .map(|_| {
            day += 1 + r.below(60) as i64;
            Transaction {
                customer: id.clone(),
                at: start + Duration::days(day) + Duration::minutes(r.below(600) as i64),
                amount: Money {
                    minor_units: 1_000 + r.below(50_000) as i64,
                    currency,
                },
                channel: r
                    .pick(&["store", "webshop", "app"])
                    .map(|s| (*s).to_owned()),
                reference: None,
            }
        })
        .collect()
}

const OCR: &[(&str, &str)] = &[
    ("0", "O"),
    ("O", "0"),
    ("1", "l"),
    ("l", "1"),
    ("5", "S"),
    ("8", "B"),
    ("m", "rn"),
    ("rn", "m"),
    ("e", "c"),
];
const KEYBOARD: &[(char, &str)] = &[
    ('a', "qws"),
    ('b', "vgn"),
    ('c', "xvd"),
    ('d', "sfe"),
    ('e', "wrd"),
    ('f', "dgr"),
    ('g', "fht"),
    ('h', "gjy"),
    ('i', "uok"),
    ('j', "hku"),
    ('k', "jli"),
    ('l', "ko"),
    ('m', "nj"),
    ('n', "bmh"),
    ('o', "ipl"),
    ('p', "o"),
    ('q', "wa"),
    ('r', "etf"),
    ('s', "adw"),
    ('t', "ryg"),
    ('u', "yij"),
    ('v', "cbf"),
    ('w', "qes"),
    ('x', "zcs"),
    ('y', "tuh"),
    ('z', "xa"),
];

/// A typo: insert, delete, substitute or transpose one character.
pub(crate) fn typo(r: &mut Rng, s: &str) -> String {
    let mut c: Vec<char> = s.chars().collect();
    if c.len() < 2 {
        return s.to_owned();
    }
    let i = 1 + r.below(c.len() - 1);
    let letter = char::from(b'a' + r.below(26) as u8);
    match r.below(4) {
        0 => c.insert(i, letter),
        1 => {
            c.remove(i);
        }
        2 => {
            if let Some(x) = c.get_mut(i) {
                *x = letter;
            }
        }
        _ => c.swap(i - 1, i),
    }
    c.into_iter().collect()
}

fn ocr(r: &mut Rng, s: &str) -> String {
    let hits: Vec<&(&str, &str)> = OCR.iter().filter(|(a, _)| s.contains(a)).collect();
    match r.pick(&hits) {
        Some((a, b)) => s.replacen(a, b, 1),
        None => s.to_owned(),
    }
}

fn keyboard(r: &mut Rng, s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let positions: Vec<usize> = (0..chars.len())
        .filter(|&i| chars.get(i).is_some_and(|c| c.is_ascii_lowercase()))
        .collect();
    let Some(&i) = r.pick(&positions) else {
        return s.to_owned();
    };
    let Some(near) = chars
        .get(i)
        .and_then(|c| KEYBOARD.iter().find(|(k, _)| k == c))
        .map(|(_, n)| *n)
    else {
        return s.to_owned();
    };
    let replacement = near.chars().nth(r.below(near.len())).unwrap_or('x');
    chars
        .iter()
        .enumerate()
        .map(|(j, c)| if j == i { replacement } else { *c })
        .collect()
}

fn full_width(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '!'..='~' => char::from_u32(c as u32 + 0xFEE0).unwrap_or(c),
            ' ' => '\u{3000}',
            _ => c,
        })
        .collect()
}

fn pinyin_name(family: &str, given: &str) -> Option<(String, String)> {
    let cap = |w: String| {
        let mut cs = w.chars();
        cs.next()
            .map(|f| f.to_ascii_uppercase().to_string() + cs.as_str())
            .unwrap_or_default()
    };
    let py = |s: &str| {
        s.chars()
            .map(pinyin_of_char)
            .collect::<Option<Vec<_>>>()
            .map(|v| v.concat())
    };
    Some((cap(py(family)?), cap(py(given)?)))
}

fn han(s: &str) -> bool {
    !s.is_ascii()
}

/// A corrupted copy of an entity's record.
fn corrupt(r: &mut Rng, base: &Customer, config: &SynthConfig) -> Customer {
    let k = &config.corruptions;
    let mut c = base.clone();
    if let Some(name) = c.person_name.as_mut() {
        let (mut given, mut family) = (
            name.given.clone().unwrap_or_default(),
            name.family.clone().unwrap_or_default(),
        );
        if han(&family) {
            if r.chance(k.pinyin) {
                if let Some((f, g)) = pinyin_name(&family, &given) {
                    (family, given) = (f, g);
                }
            } else if r.chance(k.traditional) {
                family = to_traditional(&family);
                given = to_traditional(&given);
            }
        }
        if !han(&family) {
            if r.chance(k.typo) {
                if r.chance(0.5) {
                    given = typo(r, &given)
                } else {
                    family = typo(r, &family)
                }
            }
            if r.chance(k.ocr) {
                family = ocr(r, &family);
            }
            if r.chance(k.keyboard) {
                given = keyboard(r, &given);
            }
        }
        if r.chance(k.swap_names) {
            std::mem::swap(&mut given, &mut family);
        }
        let latin = !han(&family);
        let mut full = if latin {
            format!("{given} {family}")
        } else {
            format!("{family}{given}")
        };
        if r.chance(k.full_width) {
            full = full_width(&full);
        }
        *name = PersonName {
            full: Some(full),
            given: Some(given),
            family: Some(family),
            middle: None,
        };
    }
    if let Some(co) = c.company_name.as_mut() {
        let mut legal = values::legal_form_variant(r, &co.legal, k.legal_form);
        if han(&legal) && r.chance(k.traditional) {
            legal = to_traditional(&legal);
        }
        if r.chance(k.full_width) {
            legal = full_width(&legal);
        }
        if !han(&legal) && r.chance(k.typo) {
            legal = typo(r, &legal);
        }
        co.legal = legal;
    }
    if let Some(p) = c.phones.first_mut() {
        if r.chance(k.phone_changed) {
            *p = Phone {
                number: values::phone_like(r, &p.number),
                ..p.clone()
            };
        } else if r.chance(k.phone_format) {
            p.number = values::reformat_phone(r, &p.number);
            if r.chance(k.full_width) {
                p.number = full_width(&p.number);
            }
        }
    }
    if let Some(e) = c.emails.first_mut() {
        if r.chance(k.keyboard) {
            if let Some((local, domain)) = e.address.split_once('@') {
                *e = Email {
                    address: format!("{}@{domain}", keyboard(r, local)),
                    ..e.clone()
                };
            }
        } else if r.chance(0.2) {
            e.address = e.address.to_uppercase();
        }
    }
    if r.chance(k.moved) {
        c.addresses = vec![match config.population {
            Population::Mixed => values::address(
                r,
                c.addresses
                    .first()
                    .and_then(|a| a.country)
                    .map(|cc| cc.as_str() == "CN")
                    .unwrap_or(true),
            ),
            Population::NameBuiltEmails => western::address(r),
        }];
    }
    if r.chance(k.ocr)
        && let Some(line) = c.addresses.first_mut().and_then(|a| a.lines.first_mut())
    {
        *line = ocr(r, line);
    }
    if let Some(d) = c.birth_date.filter(|_| r.chance(k.date_slip)) {
        use chrono::Datelike;
        let slipped = if r.chance(0.5) {
            d.with_day(d.month()).and_then(|x| x.with_month(d.day()))
        } else {
            d.with_day(((d.day() + 9) % 28) + 1)
        };
        c.birth_date = slipped.or(Some(d));
    }
    if let Some(id) = c.national_ids.first_mut().filter(|_| r.chance(k.id_slip)) {
        let mut chars: Vec<char> = id.value.chars().collect();
        let i = 6 + r.below(chars.len().saturating_sub(7).max(1));
        if let Some(ch) = chars.get_mut(i).filter(|ch| ch.is_ascii_digit()) {
            *ch = char::from(
                b'0' + ((ch.to_digit(10).unwrap_or(0) + 1 + r.below(8) as u32) % 10) as u8,
            );
        }
        id.value = chars.into_iter().collect();
    }
    if r.chance(k.missing) {
        c.emails.clear();
    }
    if r.chance(k.missing) {
        c.phones.clear();
    }
    if r.chance(k.missing) {
        c.birth_date = None;
    }
    if r.chance(k.missing) {
        c.national_ids.clear();
    }
    if r.chance(k.missing / 2.0) {
        c.addresses.clear();
    }
    c
}

#[cfg(test)]
mod tests {
    use super::scramble;

    #[test]
    fn ids_are_distinct_and_consecutive_records_are_not_near() {
        let ids: Vec<u64> = (0..200_000).map(|i| scramble(42, i)).collect();
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), ids.len());
        assert!(ids.iter().all(|&x| x < 1_000_000_000));
        // A record's neighbour by number lands anywhere: the gap is as often large as small.
        let near = ids
            .windows(2)
            .filter(|w| w[0].abs_diff(w[1]) < 10_000_000)
            .count();
        assert!(near < ids.len() / 20, "{near} consecutive ids within 10^7");
    }
}
