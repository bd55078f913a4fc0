//! A record's match keys: the one place where a phone, an email or a national identifier
//! becomes the text by which two records are recognised as the same customer.
//!
//! The duplicate detector compares these keys, merge survivorship tells repeated values apart
//! by them, and the store's contact index ([`crate::store::ContactKeys`]) is derived from them,
//! so the three never disagree about whether two written forms are one value.

use std::fmt;
use std::sync::OnceLock;

use super::Normalizer;
use crate::model::{Customer, mask_value};

/// The most characters of a value read for a key. No phone or email is this long (an email has
/// at most 254); a value that is (a pasted document, a broken export) is read up to here, so a
/// key costs what its value's first thousand characters cost.
pub(crate) const MAX_READ_CHARS: usize = 1000;

/// The first [`MAX_READ_CHARS`] characters of `s`.
pub(crate) fn bounded(s: &str) -> &str {
    if s.len() <= MAX_READ_CHARS {
        return s;
    }
    match s.char_indices().nth(MAX_READ_CHARS) {
        Some((cut, _)) => s.get(..cut).unwrap_or(s),
        None => s,
    }
}

/// The fewest digits a phone key has: shorter numbers are not told apart by their digits.
const MIN_PHONE_DIGITS: usize = 7;

/// The digits of a phone number that the phone index keeps: the last eight of its key, which
/// survive every prefix variant (`+86`, `0086`, a trunk `0`) and a missing default region.
pub const PHONE_TAIL_DIGITS: usize = 8;

/// A record's match keys, each list sorted and without repeats. `Debug` masks every value.
///
/// ```
/// use clientele::normalize::Normalizer;
/// use clientele::{Customer, CustomerId, CustomerKind};
/// let c = Customer::builder(CustomerId::new("C1")?, CustomerKind::Person)
///     .phone("138 0013 5678").phone("+86 13800135678").email("Ann.Lee+shop@GoogleMail.com")
///     .build();
/// let keys = Normalizer::default().match_keys(&c, Some("CN"));
/// assert_eq!(keys.phones, vec!["+8613800135678".to_owned()]);
/// assert_eq!(keys.emails, vec!["annlee@gmail.com".to_owned()]);
/// assert!(keys.national_ids.is_empty());
/// # Ok::<(), clientele::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct MatchKeys {
    /// Phone keys ([`Normalizer::phone_key`]).
    pub phones: Vec<String>,
    /// Email keys ([`Normalizer::email_key`]).
    pub emails: Vec<String>,
    /// National identifier keys ([`national_id_key`]).
    pub national_ids: Vec<String>,
}

impl fmt::Debug for MatchKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let masked = |v: &[String]| v.iter().map(|s| mask_value(s)).collect::<Vec<_>>();
        f.debug_struct("MatchKeys")
            .field("phones", &masked(&self.phones))
            .field("emails", &masked(&self.emails))
            .field("national_ids", &masked(&self.national_ids))
            .finish()
    }
}

impl Normalizer {
    /// The default normalizer, built once and shared (for keys derived where no normalizer is
    /// at hand, such as a store's contact index).
    pub(crate) fn shared_default() -> &'static Normalizer {
        static DEFAULT: OnceLock<Normalizer> = OnceLock::new();
        DEFAULT.get_or_init(Normalizer::default)
    }

    /// A phone's match key: its E.164 form when it parses ([`Normalizer::phone`], with
    /// `default_region` for numbers written without a country code; the extension is not part
    /// of it), otherwise its digits when there are at least seven, otherwise `None`.
    ///
    /// ```
    /// use clientele::normalize::Normalizer;
    /// let n = Normalizer::default();
    /// assert_eq!(n.phone_key("+86 138-0013-5678", None).as_deref(), Some("+8613800135678"));
    /// assert_eq!(n.phone_key("138 0013 5678", Some("CN")).as_deref(), Some("+8613800135678"));
    /// // Without a region a national number is kept as its digits.
    /// assert_eq!(n.phone_key("１３８００１３５６７８", None).as_deref(), Some("13800135678"));
    /// assert_eq!(n.phone_key("12-34", None), None);
    /// ```
    pub fn phone_key(&self, raw: &str, default_region: Option<&str>) -> Option<String> {
        self.phone_key_and_extension(raw, default_region)
            .map(|(key, _)| key)
    }

    /// [`Normalizer::phone_key`] with the extension the number was written with, from one
    /// parse (merge tells two extensions of one line apart).
    pub(crate) fn phone_key_and_extension(
        &self,
        raw: &str,
        default_region: Option<&str>,
    ) -> Option<(String, Option<String>)> {
        let raw = bounded(raw);
        if let Ok(x) = self.phone(raw, default_region) {
            return Some((x.e164, x.extension));
        }
        let digits: String = raw
            .chars()
            .filter_map(|c| match c {
                '0'..='9' => Some(c),
                // Full-width digits, common in Chinese input.
                '０'..='９' => char::from_digit(c as u32 - '０' as u32, 10),
                _ => None,
            })
            .collect();
        (digits.len() >= MIN_PHONE_DIGITS).then_some((digits, None))
    }

    /// An email's match key ([`Normalizer::email`]'s `key`: lower case, `+tag` dropped, dots
    /// dropped where the provider ignores them, internationalized domains in Unicode), or `None`
    /// for a value that is not an address.
    ///
    /// ```
    /// use clientele::normalize::Normalizer;
    /// let n = Normalizer::default();
    /// assert_eq!(n.email_key(" Ann.Lee@Example.COM ").as_deref(), Some("ann.lee@example.com"));
    /// assert_eq!(n.email_key("no-at-sign"), None);
    /// ```
    pub fn email_key(&self, raw: &str) -> Option<String> {
        self.email(bounded(raw)).ok().map(|x| x.key)
    }

    /// A record's match keys. Phones are read in the region of the record's first address
    /// with a country, else in `default_region`.
    pub fn match_keys(&self, customer: &Customer, default_region: Option<&str>) -> MatchKeys {
        let country = customer.addresses.iter().find_map(|a| a.country);
        let region = country.as_ref().map(|c| c.as_str()).or(default_region);
        let sorted = |mut v: Vec<String>| {
            v.sort();
            v.dedup();
            v
        };
        MatchKeys {
            phones: sorted(
                customer
                    .phones
                    .iter()
                    .filter_map(|p| self.phone_key(&p.number, region))
                    .collect(),
            ),
            emails: sorted(
                customer
                    .emails
                    .iter()
                    .filter_map(|e| self.email_key(&e.address))
                    .collect(),
            ),
            national_ids: sorted(
                customer
                    .national_ids
                    .iter()
                    .filter_map(|id| national_id_key(&id.value))
                    .collect(),
            ),
        }
    }
}

/// A national identifier's match key: its letters and digits, upper-cased, or `None` when
/// nothing is left.
///
/// ```
/// use clientele::normalize::national_id_key;
/// assert_eq!(national_id_key("110105 19491231 002x"), national_id_key("11010519491231002X"));
/// assert_eq!(national_id_key(" - "), None);
/// ```
pub fn national_id_key(raw: &str) -> Option<String> {
    let v: String = bounded(raw)
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_uppercase)
        .collect();
    (!v.is_empty()).then_some(v)
}

/// The last [`PHONE_TAIL_DIGITS`] digits of a phone key (all of them when it has fewer).
///
/// ```
/// use clientele::normalize::phone_tail;
/// assert_eq!(phone_tail("+8613800135678"), "00135678");
/// assert_eq!(phone_tail("5551234"), "5551234");
/// ```
pub fn phone_tail(key: &str) -> &str {
    let digits = key.trim_start_matches('+');
    let cut = digits.len().saturating_sub(PHONE_TAIL_DIGITS);
    digits.get(cut..).unwrap_or(digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_read_up_to_their_first_thousand_characters() {
        let long = "9".repeat(5000);
        assert_eq!(bounded(&long).len(), MAX_READ_CHARS);
        assert_eq!(
            national_id_key(&long).map(|k| k.len()),
            Some(MAX_READ_CHARS)
        );
    }

    #[test]
    fn every_written_form_of_one_number_has_one_tail() {
        let n = Normalizer::default();
        let forms = [
            "+86 138 0013 5678",
            "0086 138-0013-5678",
            "13800135678",
            "１３８００１３５６７８",
        ];
        for region in [None, Some("CN")] {
            let tails: Vec<String> = forms
                .iter()
                .filter_map(|f| n.phone_key(f, region))
                .map(|k| phone_tail(&k).to_owned())
                .collect();
            assert_eq!(tails, vec!["00135678"; 4], "{region:?}");
        }
    }
}
