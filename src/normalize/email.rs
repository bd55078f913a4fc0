//! Email addresses: canonical form and provider-aware match keys; internationalized domains
//! keyed through IDNA (feature `idna`).

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::{FieldKind, Normalizer};
use crate::model::{mask_email, mask_value};

/// An email address split and normalized. `Debug` masks the address, its key and the key's local
/// part (the domain is shown, as [`mask_email`] does).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NormalizedEmail {
    /// Trimmed and width-normalized, local part as written, domain lower-cased.
    pub canonical: String,
    /// Match key: lower-cased, plus-tag dropped, provider rules applied (gmail ignores dots;
    /// googlemail.com is gmail.com); an internationalized domain in its Unicode form whether
    /// written so or in punycode (`xn--fsqu00a.xn--fiqs8s` is `例子.中国`; feature `idna`).
    pub key: String,
    /// The local part of the key.
    pub local_key: String,
    /// The domain of the key.
    pub domain: String,
}

impl fmt::Debug for NormalizedEmail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NormalizedEmail")
            .field("canonical", &mask_email(&self.canonical))
            .field("key", &mask_email(&self.key))
            .field("local_key", &mask_value(&self.local_key))
            .field("domain", &self.domain)
            .finish()
    }
}

/// Why a value is not an email address at all (full syntax checks are the validator's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum EmailError {
    /// Nothing left after trimming.
    #[error("the email is empty")]
    Empty,
    /// No `@`.
    #[error("the email has no @")]
    MissingAt,
    /// Nothing before the `@`.
    #[error("the email has nothing before the @")]
    EmptyLocal,
    /// Nothing after the `@`.
    #[error("the email has no domain")]
    EmptyDomain,
}

impl EmailError {
    /// The stable code (`email.missing_at`).
    pub fn code(self) -> &'static str {
        match self {
            Self::Empty => "email.empty",
            Self::MissingAt => "email.missing_at",
            Self::EmptyLocal => "email.empty_local",
            Self::EmptyDomain => "email.empty_domain",
        }
    }
}

/// Domains whose mailboxes ignore dots in the local part.
const DOTLESS: &[&str] = &["gmail.com"];
/// Domains that are another name of a provider's main domain.
const ALIASES: &[(&str, &str)] = &[("googlemail.com", "gmail.com")];

impl Normalizer {
    /// Normalizes an email address.
    ///
    /// # Errors
    /// [`EmailError`] when there is no `@` or nothing on one side of it.
    ///
    /// ```
    /// use clientele::normalize::Normalizer;
    /// let n = Normalizer::default();
    /// let e = n.email(" Ann.Lee+shop@GoogleMail.com ")?;
    /// assert_eq!(e.canonical, "Ann.Lee+shop@googlemail.com");
    /// assert_eq!(e.key, "annlee@gmail.com");
    /// assert_eq!(n.email("张伟@例子.中国")?.key, "张伟@例子.中国");
    /// # #[cfg(feature = "idna")]
    /// assert_eq!(n.email("张伟@XN--FSQU00A.xn--fiqs8s")?.key, "张伟@例子.中国");
    /// assert!(n.email("no-at-sign").is_err());
    /// # Ok::<(), clientele::normalize::EmailError>(())
    /// ```
    pub fn email(&self, raw: &str) -> Result<NormalizedEmail, EmailError> {
        let text = self.normalize(FieldKind::Email, raw).canonical;
        if text.is_empty() {
            return Err(EmailError::Empty);
        }
        let (local, domain) = text.rsplit_once('@').ok_or(EmailError::MissingAt)?;
        if local.is_empty() {
            return Err(EmailError::EmptyLocal);
        }
        if domain.is_empty() {
            return Err(EmailError::EmptyDomain);
        }
        let domain = domain.to_lowercase();
        let canonical = format!("{local}@{domain}");
        let mapped = key_domain(&domain);
        let key_domain = ALIASES
            .iter()
            .find(|(alias, _)| *alias == mapped)
            .map_or(mapped.as_ref(), |(_, main)| main)
            .to_owned();
        let mut local_key = local.to_lowercase();
        if let Some((base, _tag)) = local_key.split_once('+')
            && !base.is_empty()
        {
            local_key = base.to_owned();
        }
        if DOTLESS.contains(&key_domain.as_str()) {
            local_key.retain(|c| c != '.');
        }
        Ok(NormalizedEmail {
            key: format!("{local_key}@{key_domain}"),
            canonical,
            local_key,
            domain: key_domain,
        })
    }
}

/// The domain (lower-cased) as keys compare it: an internationalized one (non-ASCII, or with an
/// `xn--` label) through UTS #46 to its Unicode form, so that the written and the punycode form
/// meet; a domain IDNA refuses, and every domain without the `idna` feature, as it is.
fn key_domain(domain: &str) -> Cow<'_, str> {
    #[cfg(feature = "idna")]
    if !domain.is_ascii() || domain.split('.').any(|l| l.starts_with("xn--")) {
        let (unicode, result) = idna::domain_to_unicode(domain);
        if result.is_ok() {
            return Cow::Owned(unicode);
        }
    }
    Cow::Borrowed(domain)
}

#[cfg(all(test, feature = "idna"))]
mod tests {
    use super::*;

    #[test]
    fn internationalized_domains_meet_their_punycode_form() {
        let n = Normalizer::default();
        let key = |s: &str| n.email(s).unwrap().key;
        for written in [
            "张伟@xn--fsqu00a.xn--fiqs8s",
            "张伟@XN--FSQU00A.XN--FIQS8S",
            "张伟@例子.中国",
            "张伟@例子。中国",
        ] {
            assert_eq!(key(written), "张伟@例子.中国", "{written}");
        }
        assert_eq!(key("anna@xn--bcher-kva.de"), key("Anna@BÜCHER.de"));
        assert_eq!(key("anna@bücher.de"), "anna@bücher.de");
        // ASCII domains are only lower-cased; one IDNA refuses is kept as written.
        assert_eq!(key("a@Example.COM"), "a@example.com");
        assert_eq!(key("a@xn--.com"), "a@xn--.com");
    }
}
