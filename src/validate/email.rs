//! Email syntax: WHATWG's HTML rule extended to internationalized addresses (RFC 6531), with
//! RFC 5321 length limits.

use super::IssueCode;

/// Characters WHATWG allows in a local part besides letters and digits.
const LOCAL_SPECIALS: &str = ".!#$%&'*+/=?^_`{|}~-";

/// Checks an email address's syntax; returns the first problem.
///
/// Local parts may hold ASCII letters, digits, `.!#$%&'*+/=?^_`{|}~-` and any non-ASCII
/// character (RFC 6531); domains are dot-separated labels of letters (any script), digits and
/// inner hyphens, at least two labels, with a top-level label of letters (2+) or `xn--`
/// punycode. Lengths are counted in UTF-8 octets: local part ≤ 64, address ≤ 254, label ≤ 63.
/// Quoted local parts and IP-literal domains, legal in RFC 5321 but never right in customer
/// data, are refused with their own codes.
///
/// # Errors
/// The first broken rule as an `email.*` [`IssueCode`].
///
/// ```
/// use clientele::validate::{check_email, IssueCode};
/// assert!(check_email("zhang.wei@example.com").is_ok());
/// assert!(check_email("张伟@例子.中国").is_ok());
/// assert_eq!(check_email("li..na@qq.com"), Err(IssueCode::EmailDotPosition));
/// assert_eq!(check_email("a@b"), Err(IssueCode::EmailNoDot));
/// assert_eq!(check_email("\"a b\"@example.com"), Err(IssueCode::EmailQuotedLocal));
/// ```
pub fn check_email(raw: &str) -> Result<(), IssueCode> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(IssueCode::EmailEmpty);
    }
    let ats = s.matches('@').count();
    if ats == 0 {
        return Err(IssueCode::EmailMissingAt);
    }
    let Some((local, domain)) = s.rsplit_once('@') else {
        return Err(IssueCode::EmailMissingAt);
    };
    if local.starts_with('"') {
        return Err(IssueCode::EmailQuotedLocal);
    }
    if ats > 1 {
        return Err(IssueCode::EmailMultipleAt);
    }
    if domain.starts_with('[') {
        return Err(IssueCode::EmailIpLiteral);
    }
    if s.len() > 254 {
        return Err(IssueCode::EmailTooLong);
    }
    if local.is_empty() || local.len() > 64 {
        return Err(if local.is_empty() {
            IssueCode::EmailBadLocalChar
        } else {
            IssueCode::EmailLocalTooLong
        });
    }
    if !local.chars().all(|c| {
        c.is_ascii_alphanumeric()
            || LOCAL_SPECIALS.contains(c)
            || (!c.is_ascii() && !c.is_whitespace() && !c.is_control())
    }) {
        return Err(IssueCode::EmailBadLocalChar);
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Err(IssueCode::EmailDotPosition);
    }
    if domain.is_empty() {
        return Err(IssueCode::EmailBadDomainChar);
    }
    if domain.starts_with('.') || domain.ends_with('.') || domain.contains("..") {
        return Err(IssueCode::EmailDotPosition);
    }
    let labels: Vec<&str> = domain.split('.').collect();
    for label in &labels {
        if label.len() > 63 {
            return Err(IssueCode::EmailLabelTooLong);
        }
        if !label.chars().all(|c| {
            c.is_ascii_alphanumeric() || c == '-' || (!c.is_ascii() && c.is_alphanumeric())
        }) {
            return Err(IssueCode::EmailBadDomainChar);
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(IssueCode::EmailBadHyphen);
        }
    }
    if labels.len() < 2 {
        return Err(IssueCode::EmailNoDot);
    }
    let tld = labels.last().copied().unwrap_or("");
    let tld_ok = tld.to_ascii_lowercase().starts_with("xn--")
        || (tld.chars().count() >= 2 && tld.chars().all(char::is_alphabetic));
    if !tld_ok {
        return Err(IssueCode::EmailBadTld);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use IssueCode::*;

    #[test]
    fn a_table_of_addresses() {
        let cases: &[(&str, Result<(), IssueCode>)] = &[
            ("john@example.com", Ok(())),
            ("john.smith+news@gmail.com", Ok(())),
            ("o'brien@example.ie", Ok(())),
            ("a!#$%&'*+/=?^_`{|}~-z@example.com", Ok(())),
            ("user@sub.domain.example.co.uk", Ok(())),
            ("12345@qq.com", Ok(())),
            ("张伟@qq.com", Ok(())),
            ("张伟@例子.中国", Ok(())),
            ("user@xn--fsqu00a.xn--fiqs8s", Ok(())),
            ("müller@bücher.de", Ok(())),
            ("x@a-b.com", Ok(())),
            (" john@example.com ", Ok(())),
            ("", Err(EmailEmpty)),
            ("   ", Err(EmailEmpty)),
            ("zhangwei163.com", Err(EmailMissingAt)),
            ("a@b@example.com", Err(EmailMultipleAt)),
            ("\"john smith\"@example.com", Err(EmailQuotedLocal)),
            ("john@[192.168.0.1]", Err(EmailIpLiteral)),
            ("@example.com", Err(EmailBadLocalChar)),
            ("mary smith@gmail.com", Err(EmailBadLocalChar)),
            ("a(b)@example.com", Err(EmailBadLocalChar)),
            ("a,b@example.com", Err(EmailBadLocalChar)),
            (".john@example.com", Err(EmailDotPosition)),
            ("john.@example.com", Err(EmailDotPosition)),
            ("li..na@qq.com", Err(EmailDotPosition)),
            ("john@.example.com", Err(EmailDotPosition)),
            ("john@example.com.", Err(EmailDotPosition)),
            ("john@example..com", Err(EmailDotPosition)),
            ("john@", Err(EmailBadDomainChar)),
            ("john@exa_mple.com", Err(EmailBadDomainChar)),
            ("john@exa mple.com", Err(EmailBadDomainChar)),
            ("john@-example.com", Err(EmailBadHyphen)),
            ("john@example-.com", Err(EmailBadHyphen)),
            ("john@localhost", Err(EmailNoDot)),
            ("john@example.c", Err(EmailBadTld)),
            ("john@example.123", Err(EmailBadTld)),
            ("john@example.c0m", Err(EmailBadTld)),
        ];
        for (input, want) in cases {
            assert_eq!(&check_email(input), want, "{input:?}");
        }
    }

    #[test]
    fn length_limits_count_octets() {
        let local64 = "a".repeat(64);
        assert!(check_email(&format!("{local64}@example.com")).is_ok());
        assert_eq!(
            check_email(&format!("a{local64}@example.com")),
            Err(EmailLocalTooLong)
        );
        // 22 three-octet characters are 66 octets.
        assert_eq!(
            check_email(&format!("{}@qq.com", "张".repeat(22))),
            Err(EmailLocalTooLong)
        );
        let label = "b".repeat(64);
        assert_eq!(
            check_email(&format!("a@{label}.com")),
            Err(EmailLabelTooLong)
        );
        let long = format!("a@{}.com", vec!["c".repeat(60); 5].join("."));
        assert_eq!(check_email(&long), Err(EmailTooLong));
    }
}
