//! Postal codes by country.

use std::sync::OnceLock;

use regex::Regex;

use super::IssueCode;

/// Countries with a postcode rule, and the rule (full match, after upper-casing and collapsing
/// spaces).
const RULES: &[(&str, &str)] = &[
    // China: six digits; codes start 0-8.
    ("CN", r"[0-8]\d{5}"),
    ("US", r"\d{5}(?:-\d{4})?"),
    // UK: outward code, a space, inward code (the space may be missing); GIR 0AA.
    (
        "GB",
        r"(?:[A-Z]{1,2}\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2}|GIR ?0AA)",
    ),
    // Canada: no D F I O Q U, and no W or Z first.
    (
        "CA",
        r"[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z] ?\d[ABCEGHJ-NPRSTV-Z]\d",
    ),
    ("DE", r"\d{5}"),
    ("FR", r"\d{5}"),
    ("JP", r"\d{3}-?\d{4}"),
    ("AU", r"\d{4}"),
    ("SG", r"\d{6}"),
];

/// Countries that have no postal codes: a code given there is unexpected.
const NONE: &[&str] = &["HK", "MO"];

fn compiled() -> &'static [(&'static str, Regex)] {
    static CELL: OnceLock<Vec<(&'static str, Regex)>> = OnceLock::new();
    CELL.get_or_init(|| {
        RULES
            .iter()
            .filter_map(|(c, p)| Regex::new(&format!("^(?:{p})$")).ok().map(|r| (*c, r)))
            .collect()
    })
}

/// Upper case, trimmed, inner spaces collapsed.
fn canonical(raw: &str) -> String {
    raw.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_uppercase()
}

/// Checks a postcode against its country's format; returns the canonical form (upper case,
/// one space; Japanese codes with their hyphen, British ones with their space).
///
/// # Errors
/// `postcode.bad_format` when it does not fit the country, `postcode.unexpected` for a country
/// without postcodes (HK, MO), `postcode.unsupported_country` when there is no rule for the
/// country (reported as information).
///
/// ```
/// use clientele::validate::{check_postcode, IssueCode};
/// assert_eq!(check_postcode("100020", "CN").as_deref(), Ok("100020"));
/// assert_eq!(check_postcode("sw1a1aa", "GB").as_deref(), Ok("SW1A 1AA"));
/// assert_eq!(check_postcode("1500001", "JP").as_deref(), Ok("150-0001"));
/// assert_eq!(check_postcode("10020", "CN"), Err(IssueCode::PostcodeBadFormat));
/// assert_eq!(check_postcode("999077", "HK"), Err(IssueCode::PostcodeUnexpected));
/// ```
pub fn check_postcode(raw: &str, country: &str) -> Result<String, IssueCode> {
    let country = country.trim().to_ascii_uppercase();
    let code = canonical(raw);
    if NONE.contains(&country.as_str()) {
        return Err(IssueCode::PostcodeUnexpected);
    }
    let Some((_, re)) = compiled().iter().find(|(c, _)| *c == country) else {
        return Err(IssueCode::PostcodeUnsupportedCountry);
    };
    if !re.is_match(&code) {
        return Err(IssueCode::PostcodeBadFormat);
    }
    Ok(match country.as_str() {
        "GB" | "CA" if !code.contains(' ') && code.len() > 3 => {
            let (out, inw) = code.split_at(code.len() - 3);
            format!("{out} {inw}")
        }
        "JP" if !code.contains('-') => format!(
            "{}-{}",
            code.get(..3).unwrap_or(""),
            code.get(3..).unwrap_or("")
        ),
        _ => code,
    })
}

/// The supported countries whose format a postcode fits (a consistency check of postcode
/// against country).
///
/// ```
/// use clientele::validate::postcode_countries;
/// assert_eq!(postcode_countries("SW1A 1AA"), vec!["GB"]);
/// assert!(postcode_countries("100020").contains(&"CN"));
/// ```
pub fn postcode_countries(raw: &str) -> Vec<&'static str> {
    let code = canonical(raw);
    compiled()
        .iter()
        .filter(|(_, re)| re.is_match(&code))
        .map(|(c, _)| *c)
        .collect()
}
