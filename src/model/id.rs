//! Identifier and code newtypes.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::mask::mask_value;

/// The maximum length of a customer id, in bytes; longer ids are refused so that storage back
/// ends can index them.
pub const MAX_ID_LEN: usize = 256;

/// A customer's identifier, unique within a store.
///
/// Ids are trimmed, non-empty, at most [`MAX_ID_LEN`] bytes and free of control characters. They
/// are the caller's own keys (a CRM's record number, say), not personal data, so `Debug` and error
/// messages print them in full.
///
/// The text is shared (`Arc<str>`): cloning an id, which stores and indexes do for every lookup,
/// costs a reference count, not an allocation.
///
/// # Examples
/// ```
/// use clientele::CustomerId;
/// let id = CustomerId::new(" C0001 ")?;
/// assert_eq!(id.as_str(), "C0001");
/// assert!(CustomerId::new("").is_err());
/// # Ok::<(), clientele::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CustomerId(Arc<str>);

impl CustomerId {
    /// Makes an id from text, trimming surrounding whitespace.
    ///
    /// # Errors
    /// [`Error::InvalidId`] when the trimmed text is empty, longer than [`MAX_ID_LEN`] bytes or
    /// holds control characters.
    pub fn new(raw: impl AsRef<str>) -> Result<Self> {
        let trimmed = raw.as_ref().trim();
        if trimmed.is_empty() {
            return Err(Error::InvalidId {
                reason: "the id is empty",
            });
        }
        if trimmed.len() > MAX_ID_LEN {
            return Err(Error::InvalidId {
                reason: "the id is longer than 256 bytes",
            });
        }
        if trimmed.chars().any(char::is_control) {
            return Err(Error::InvalidId {
                reason: "the id holds control characters",
            });
        }
        Ok(Self(Arc::from(trimmed)))
    }

    /// The id as text.
    ///
    /// ```
    /// # use clientele::CustomerId;
    /// assert_eq!(CustomerId::new("42")?.as_str(), "42");
    /// # Ok::<(), clientele::Error>(())
    /// ```
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for CustomerId {
    type Error = Error;
    fn try_from(value: String) -> Result<Self> {
        Self::new(value)
    }
}

impl TryFrom<&str> for CustomerId {
    type Error = Error;
    fn try_from(value: &str) -> Result<Self> {
        Self::new(value)
    }
}

/// `"C0001".parse::<CustomerId>()` is [`CustomerId::new`].
///
/// ```
/// use clientele::CustomerId;
/// let id: CustomerId = " C0001 ".parse()?;
/// assert_eq!(id.as_ref(), "C0001");
/// # Ok::<(), clientele::Error>(())
/// ```
impl FromStr for CustomerId {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Self::new(s)
    }
}

impl AsRef<str> for CustomerId {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl From<CustomerId> for String {
    fn from(id: CustomerId) -> Self {
        id.0.to_string()
    }
}

impl fmt::Display for CustomerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for CustomerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CustomerId({:?})", self.0)
    }
}

/// Defines a code newtype of N upper-case ASCII letters.
macro_rules! letter_code {
    ($(#[$doc:meta])* $name:ident, $len:literal, $what:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name([u8; $len]);

        impl $name {
            /// Parses the code, trimming and upper-casing it.
            ///
            /// Only the shape is checked here (letters, length); whether the code is assigned is
            /// the validator's question, so that an unknown code can still be loaded and reported.
            ///
            /// # Errors
            /// [`Error::InvalidValue`] when the trimmed text is not exactly that many ASCII
            /// letters.
            pub fn new(raw: &str) -> Result<Self> {
                let t = raw.trim();
                let mut out = [0u8; $len];
                let mut n = 0;
                for c in t.chars() {
                    if !c.is_ascii_alphabetic() || n >= $len {
                        return Err(Self::bad(t));
                    }
                    if let Some(slot) = out.get_mut(n) {
                        *slot = c.to_ascii_uppercase() as u8;
                    }
                    n += 1;
                }
                if n != $len {
                    return Err(Self::bad(t));
                }
                Ok(Self(out))
            }

            /// A record's cell may hold anything: the value is masked (see
            /// [`Error::for_setting`] to show a value the caller typed as a setting).
            fn bad(t: &str) -> Error {
                Error::InvalidValue {
                    field: $what.to_owned(),
                    reason: format!("expected {} ASCII letters", $len),
                    masked: mask_value(t),
                }
            }

            /// The code as text.
            pub fn as_str(&self) -> &str {
                // The bytes are ASCII letters by construction.
                std::str::from_utf8(&self.0).unwrap_or("")
            }
        }

        impl TryFrom<String> for $name {
            type Error = Error;
            fn try_from(value: String) -> Result<Self> {
                Self::new(&value)
            }
        }

        impl FromStr for $name {
            type Err = Error;
            fn from_str(s: &str) -> Result<Self> {
                Self::new(s)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }

        impl From<$name> for String {
            fn from(code: $name) -> Self {
                code.as_str().to_owned()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.as_str())
            }
        }
    };
}

letter_code!(
    /// An ISO 3166-1 alpha-2 country code such as `CN` or `DE` (shape-checked; see
    /// [`CountryCode::new`]).
    ///
    /// ```
    /// use clientele::model::CountryCode;
    /// assert_eq!(CountryCode::new(" cn")?.as_str(), "CN");
    /// assert_eq!("de".parse::<CountryCode>()?.as_ref(), "DE");
    /// assert!(CountryCode::new("China").is_err());
    /// # Ok::<(), clientele::Error>(())
    /// ```
    CountryCode,
    2,
    "country"
);

letter_code!(
    /// An ISO 4217 currency code such as `CNY` or `EUR` (shape-checked; see
    /// [`CurrencyCode::new`]).
    ///
    /// ```
    /// use clientele::model::CurrencyCode;
    /// assert_eq!(CurrencyCode::new("cny")?.as_str(), "CNY");
    /// assert!(CurrencyCode::new("RMB1").is_err());
    /// # Ok::<(), clientele::Error>(())
    /// ```
    CurrencyCode,
    3,
    "currency"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_refuse_control_characters_and_overlong_text() {
        assert!(CustomerId::new("a\u{0}b").is_err());
        assert!(CustomerId::new("x".repeat(257)).is_err());
        assert!(CustomerId::new("x".repeat(256)).is_ok());
    }

    #[test]
    fn codes_refuse_non_letters_and_wrong_lengths() {
        assert!(CountryCode::new("C1").is_err());
        assert!(CountryCode::new("CHN").is_err());
        assert!(CountryCode::new("中国").is_err());
        assert!(CurrencyCode::new("EU").is_err());
    }

    #[test]
    fn codes_deserialize_through_validation() {
        let bad: std::result::Result<CountryCode, _> = serde_json_like("\"C1\"");
        assert!(bad.is_err());
    }

    fn serde_json_like(s: &str) -> std::result::Result<CountryCode, Error> {
        // Go through the same conversion serde uses without a JSON dependency in the library.
        CountryCode::try_from(s.trim_matches('"').to_owned())
    }
}
