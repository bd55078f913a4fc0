//! ISO 3166-1 country and ISO 4217 currency codes.

#[path = "data/codes.rs"]
mod data;

/// Whether a code is an officially assigned ISO 3166-1 alpha-2 country code (case-insensitive).
///
/// ```
/// use clientele::validate::is_country;
/// assert!(is_country("CN") && is_country("de"));
/// assert!(!is_country("XX") && !is_country("UK"));
/// ```
pub fn is_country(code: &str) -> bool {
    let upper = code.trim().to_ascii_uppercase();
    data::COUNTRIES.binary_search(&upper.as_str()).is_ok()
}

/// The minor-unit exponent of an ISO 4217 currency (`CNY` → 2, `JPY` → 0, `KWD` → 3), `None`
/// for an unknown code; `Some(None)` for codes without minor units (gold, SDR).
///
/// ```
/// use clientele::validate::currency_minor_units;
/// assert_eq!(currency_minor_units("cny"), Some(Some(2)));
/// assert_eq!(currency_minor_units("JPY"), Some(Some(0)));
/// assert_eq!(currency_minor_units("KWD"), Some(Some(3)));
/// assert_eq!(currency_minor_units("RMB"), None);
/// ```
pub fn currency_minor_units(code: &str) -> Option<Option<u8>> {
    let upper = code.trim().to_ascii_uppercase();
    data::CURRENCIES
        .binary_search_by(|(c, _)| (*c).cmp(upper.as_str()))
        .ok()
        .and_then(|i| data::CURRENCIES.get(i))
        .map(|(_, e)| *e)
}
