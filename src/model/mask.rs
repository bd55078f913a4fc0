//! Masking of personal values for `Debug` output, error messages and reports.
//!
//! Every record type that holds a phone number, an email address or an identifier prints it
//! through these functions, so logs never carry the full value.

/// Masks a phone number, keeping its first three and last four digits (`138****5678`).
///
/// Non-digit characters are dropped first. Numbers with fewer than nine digits keep only their
/// last two digits, so that short numbers are not recoverable from the mask either.
///
/// # Examples
/// ```
/// use clientele::model::mask_phone;
/// assert_eq!(mask_phone("+86 138 0013 5678"), "861****5678");
/// assert_eq!(mask_phone("13800135678"), "138****5678");
/// assert_eq!(mask_phone("12345"), "***45");
/// ```
pub fn mask_phone(raw: &str) -> String {
    let digits: Vec<char> = raw.chars().filter(|c| c.is_numeric()).collect();
    let n = digits.len();
    if n >= 9 {
        let head: String = digits.iter().take(3).collect();
        let tail: String = digits.iter().skip(n - 4).collect();
        format!("{head}****{tail}")
    } else {
        let tail: String = digits.iter().skip(n.saturating_sub(2)).collect();
        format!("{}{tail}", "*".repeat(n.saturating_sub(2)))
    }
}

/// Masks an email address, keeping the first character of the local part and the domain
/// (`j***@example.com`).
///
/// A value without `@` is masked like an opaque identifier.
///
/// # Examples
/// ```
/// use clientele::model::mask_email;
/// assert_eq!(mask_email("john.smith@example.com"), "j***@example.com");
/// assert_eq!(mask_email("张伟@qq.com"), "张***@qq.com");
/// assert_eq!(mask_email("no-at-sign"), "n********n");
/// ```
pub fn mask_email(raw: &str) -> String {
    match raw.rsplit_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => mask_id(raw),
    }
}

/// Masks an identifier (resident ID, credit code, any opaque number), keeping its first and last
/// character for values of four characters or more (`1****************X`).
///
/// # Examples
/// ```
/// use clientele::model::mask_id;
/// assert_eq!(mask_id("11010519491231002X"), "1****************X");
/// assert_eq!(mask_id("abc"), "***");
/// ```
pub fn mask_id(raw: &str) -> String {
    let chars: Vec<char> = raw.chars().collect();
    match (chars.first(), chars.last()) {
        (Some(first), Some(last)) if chars.len() >= 4 => {
            format!("{first}{}{last}", "*".repeat(chars.len() - 2))
        }
        _ => "*".repeat(chars.len()),
    }
}

/// Masks a free value of unknown sensitivity: keeps its length and first character only.
///
/// Used in error messages about values that may hold personal data (a bad date, a bad cell).
///
/// # Examples
/// ```
/// use clientele::model::mask_value;
/// assert_eq!(mask_value("31/02/1990"), "3********* (10 chars)");
/// ```
pub fn mask_value(raw: &str) -> String {
    let n = raw.chars().count();
    let first: String = raw.chars().take(1).collect();
    format!("{first}{} ({n} chars)", "*".repeat(n.saturating_sub(1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_mask_hides_the_middle_digits() {
        assert_eq!(mask_phone("138-0013-5678"), "138****5678");
        assert!(!mask_phone("13800135678").contains("0013"));
    }

    #[test]
    fn masks_handle_empty_input() {
        assert_eq!(mask_phone(""), "");
        assert_eq!(mask_email(""), "");
        assert_eq!(mask_id(""), "");
        assert_eq!(mask_value(""), " (0 chars)");
    }
}
