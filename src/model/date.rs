//! Lenient parsing of the date forms found in customer files.

use chrono::NaiveDate;

use crate::error::{Error, Result};
use crate::model::mask::mask_value;

/// Parses a calendar date written as `YYYY-MM-DD`, `YYYYMMDD`, `YYYY/M/D` or `YYYY年M月D日`
/// (full-width digits accepted; surrounding whitespace ignored).
///
/// # Errors
/// [`Error::InvalidValue`] (field `date`, value masked) when the text has none of these forms or
/// names a day that does not exist (`1999-02-30`).
///
/// # Examples
/// ```
/// use clientele::model::parse_date;
/// use chrono::NaiveDate;
/// let d = NaiveDate::from_ymd_opt(1990, 2, 3).unwrap();
/// assert_eq!(parse_date("1990-02-03")?, d);
/// assert_eq!(parse_date("19900203")?, d);
/// assert_eq!(parse_date("1990/2/3")?, d);
/// assert_eq!(parse_date("1990年2月3日")?, d);
/// assert!(parse_date("31/02/1990").is_err());
/// assert!(parse_date("19990230").is_err());
/// # Ok::<(), clientele::Error>(())
/// ```
pub fn parse_date(raw: &str) -> Result<NaiveDate> {
    let text: String = raw
        .trim()
        .chars()
        .map(|c| match c {
            // Full-width digits and separators, common in Chinese input.
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            '／' => '/',
            '－' => '-',
            _ => c,
        })
        .collect();
    let bad = |reason: &str| Error::InvalidValue {
        field: "date".to_owned(),
        reason: reason.to_owned(),
        masked: mask_value(raw.trim()),
    };
    let parts: Vec<&str> = if text.len() == 8 && text.bytes().all(|b| b.is_ascii_digit()) {
        vec![
            text.get(0..4).unwrap_or(""),
            text.get(4..6).unwrap_or(""),
            text.get(6..8).unwrap_or(""),
        ]
    } else if let Some(rest) = text.strip_suffix('日') {
        rest.split(['年', '月']).collect()
    } else if text.contains('-') {
        text.split('-').collect()
    } else {
        text.split('/').collect()
    };
    let [y, m, d] = parts.as_slice() else {
        return Err(bad(
            "expected YYYY-MM-DD, YYYYMMDD, YYYY/M/D or YYYY年M月D日",
        ));
    };
    if y.len() != 4 || !(1..=2).contains(&m.len()) || !(1..=2).contains(&d.len()) {
        return Err(bad(
            "expected YYYY-MM-DD, YYYYMMDD, YYYY/M/D or YYYY年M月D日",
        ));
    }
    let num = |s: &str| -> Result<u32> {
        if s.bytes().all(|b| b.is_ascii_digit()) {
            s.parse::<u32>().map_err(|_| bad("not a number"))
        } else {
            Err(bad(
                "expected YYYY-MM-DD, YYYYMMDD, YYYY/M/D or YYYY年M月D日",
            ))
        }
    };
    let (y, m, d) = (num(y)?, num(m)?, num(d)?);
    let year = i32::try_from(y).map_err(|_| bad("year out of range"))?;
    NaiveDate::from_ymd_opt(year, m, d).ok_or_else(|| bad("no such day"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_width_dates_parse() {
        assert_eq!(
            parse_date("１９９０年２月３日").ok(),
            NaiveDate::from_ymd_opt(1990, 2, 3)
        );
    }

    #[test]
    fn malformed_dates_are_errors_not_panics() {
        for s in [
            "",
            "2020",
            "2020-1",
            "2020-01-01-01",
            "abcd-ef-gh",
            "2020年1月",
            "99-1-1",
            "2020/13/1",
            "2020/0/10",
            "+020-01-01",
        ] {
            assert!(parse_date(s).is_err(), "{s}");
        }
    }

    #[test]
    fn error_message_does_not_echo_the_value() {
        let e = parse_date("31/02/1990").unwrap_err().to_string();
        assert!(!e.contains("31/02/1990"), "{e}");
    }
}
