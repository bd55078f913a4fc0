//! Masking of personal values for `Debug` output, error messages and reports: one policy for the
//! whole crate.
//!
//! The policy itself is documented on [`MaskPolicy`].

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::customer::CustomValue;
use super::field::Sensitivity;

/// Masks a phone number, keeping its first three and last four digits (`138****5678`).
///
/// Non-digit characters are dropped first. Numbers with fewer than nine digits keep only their
/// last two digits (none for four digits or fewer), so that short numbers are not recoverable
/// from the mask either.
///
/// # Examples
/// ```
/// use clientele::model::mask_phone;
/// assert_eq!(mask_phone("+86 138 0013 5678"), "861****5678");
/// assert_eq!(mask_phone("13800135678"), "138****5678");
/// assert_eq!(mask_phone("12345"), "***45");
/// assert_eq!(mask_phone("110"), "***");
/// ```
pub fn mask_phone(raw: &str) -> String {
    let mut out = String::new();
    mask_phone_into(raw, &mut out);
    out
}

/// [`mask_phone`] appending to `out` (no allocation when `out` has room).
pub(crate) fn mask_phone_into(raw: &str, out: &mut String) {
    if raw.is_ascii() {
        // Only '0'..='9' are numeric in ASCII: bytes, no character decoding.
        let digits = || raw.bytes().filter(u8::is_ascii_digit).map(char::from);
        return mask_digits(digits, out);
    }
    mask_digits(|| raw.chars().filter(|c| c.is_numeric()), out);
}

/// The phone mask of the digits `digits()` yields.
fn mask_digits<I: Iterator<Item = char>>(digits: impl Fn() -> I, out: &mut String) {
    let n = digits().count();
    if n >= 9 {
        out.extend(digits().take(3));
        out.push_str("****");
        out.extend(digits().skip(n - 4));
    } else if n > 4 {
        push_stars(out, n - 2);
        out.extend(digits().skip(n - 2));
    } else {
        push_stars(out, n);
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
    let mut out = String::new();
    mask_email_into(raw, &mut out);
    out
}

/// [`mask_email`] appending to `out`.
pub(crate) fn mask_email_into(raw: &str, out: &mut String) {
    match raw.rsplit_once('@') {
        Some((local, domain)) => {
            out.extend(local.chars().take(1));
            out.push_str("***@");
            out.push_str(domain);
        }
        None => mask_id_into(raw, out),
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
    let mut out = String::new();
    mask_id_into(raw, &mut out);
    out
}

/// [`mask_id`] appending to `out`.
pub(crate) fn mask_id_into(raw: &str, out: &mut String) {
    let n = char_count(raw);
    match (raw.chars().next(), raw.chars().next_back()) {
        (Some(first), Some(last)) if n >= 4 => {
            out.push(first);
            push_stars(out, n - 2);
            out.push(last);
        }
        _ => push_stars(out, n),
    }
}

/// Masks a free value of unknown sensitivity (a name, an address line, a note, a bad cell):
/// keeps its length and, for values of three characters or more, its first character.
///
/// Used in `Debug` of names and free text, and in error messages about values that may hold
/// personal data (a bad date, a bad cell).
///
/// # Examples
/// ```
/// use clientele::model::mask_value;
/// assert_eq!(mask_value("31/02/1990"), "3********* (10 chars)");
/// assert_eq!(mask_value("王芳"), "** (2 chars)");
/// assert_eq!(mask_value("伟"), "* (1 char)");
/// ```
pub fn mask_value(raw: &str) -> String {
    let mut out = String::new();
    mask_value_into(raw, &mut out);
    out
}

/// [`mask_value`] appending to `out`.
pub(crate) fn mask_value_into(raw: &str, out: &mut String) {
    let n = char_count(raw);
    out.reserve(n + 16);
    match raw.chars().next() {
        Some(first) if n >= 3 => {
            out.push(first);
            push_stars(out, n - 1);
        }
        _ => push_stars(out, n),
    }
    out.push_str(" (");
    push_decimal(out, n);
    out.push_str(if n == 1 { " char)" } else { " chars)" });
}

/// The number of characters of `s` (its length when ASCII, the common case).
fn char_count(s: &str) -> usize {
    if s.is_ascii() {
        s.len()
    } else {
        s.chars().count()
    }
}

/// Appends `n` asterisks, a slice at a time.
fn push_stars(out: &mut String, n: usize) {
    const STARS: &str = "********************************";
    let mut left = n;
    while left > 0 {
        let k = left.min(STARS.len());
        out.push_str(STARS.get(..k).unwrap_or_default());
        left -= k;
    }
}

/// Appends `n` in decimal (what `write!` would, without the formatting machinery).
fn push_decimal(out: &mut String, n: usize) {
    let mut digits = [0u8; 20];
    let mut len = 0;
    let mut rest = n;
    loop {
        if let Some(d) = digits.get_mut(len) {
            *d = b'0' + (rest % 10) as u8;
        }
        len += 1;
        rest /= 10;
        if rest == 0 || len == digits.len() {
            break;
        }
    }
    for d in digits.iter().take(len).rev() {
        out.push(char::from(*d));
    }
}

/// The masked form of a date that is personal (a birth date): `****-**-**`.
pub(crate) const MASKED_DATE: &str = "****-**-**";

/// A category name as `Debug` shows it (a contact label, an identifier scheme, an interaction
/// kind or a consent purpose the caller named): in full when it looks like a name, masked with
/// [`mask_value`] when it does not (longer than 32 characters, an `@`, or a run of five digits
/// or more), so that a personal value written into a category column does not reach a log.
pub(crate) fn mask_category(name: &str) -> Cow<'_, str> {
    let mut run = 0usize;
    let mut long_run = false;
    for c in name.chars() {
        run = if c.is_numeric() { run + 1 } else { 0 };
        long_run |= run >= 5;
    }
    if name.chars().count() > 32 || name.contains('@') || long_run {
        Cow::Owned(mask_value(name))
    } else {
        Cow::Borrowed(name)
    }
}

/// Writes text as is (no quotes): a variant name, a mask that is already text.
pub(crate) struct Plain<'a>(pub(crate) &'a str);

impl fmt::Debug for Plain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// The masking policy: which values `Debug`, `Display`, errors, validation messages and reports
/// may show in full.
///
/// A value is **personal** when it describes or identifies a person: names (person and
/// company), phones, emails, addresses, birth dates, national identifiers, tags, interaction
/// notes, transaction references, every key derived from those (match keys, E.164 forms,
/// blocking and secondary keys, term frequencies), and every custom field unless declared
/// non-personal here. These are the values a privacy erasure removes
/// ([`crate::privacy::erase_customer`]). A raw cell that could not be read into its field (a bad
/// `kind`, a bad date, a bad country) is personal too, whatever its column: it may hold
/// anything. Personal values are masked ([`mask_phone`], [`mask_email`], [`mask_id`],
/// [`mask_value`], `****-**-**` for dates).
///
/// **Not personal**, and shown in full so that a user can find a record and fix a typo:
/// customer and merge ids (the caller's keys: do not key records by a phone or an email), kinds,
/// codes (country, currency, issue codes), category names (labels, schemes, purposes; masked
/// all the same when they look like a number or an address), sources, channels, record
/// timestamps, consent history, amounts, column and rule names, and every value the caller typed
/// as a setting (a flag, a column map, a date given as `--as-of`: see
/// [`crate::Error::for_setting`]).
///
/// Every `Debug` of the crate uses the strictest policy, [`MaskPolicy::new`]; format a value
/// through [`MaskPolicy::show`] to apply a policy with declarations (the types that hold custom
/// fields implement [`MaskedDebug`]). The policy is plain data (serde), so it can live in a
/// configuration file; it will grow a sensitivity class per field of the field model.
///
/// ```
/// use clientele::model::{CustomValue, MaskPolicy};
/// use clientele::{Customer, CustomerId, CustomerKind};
/// let c = Customer::builder(CustomerId::new("C1")?, CustomerKind::Person)
///     .custom("手机", CustomValue::Text("13800135678".into()))
///     .custom("loyalty_points", CustomValue::Integer(1200))
///     .build();
/// // By default every custom value is masked.
/// let strict = format!("{c:?}");
/// assert!(!strict.contains("13800135678") && !strict.contains("1200"));
/// // Declared non-personal, a custom field is shown; the others stay masked.
/// let policy = MaskPolicy::new().non_personal_custom("loyalty_points");
/// let shown = format!("{:?}", policy.show(&c));
/// assert!(shown.contains("Integer(1200)") && !shown.contains("13800135678"));
/// # Ok::<(), clientele::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaskPolicy {
    /// Custom field names whose values are shown in full.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    non_personal_custom: BTreeSet<String>,
}

/// The strictest policy, used by every `Debug` of the crate.
pub(crate) static STRICT: MaskPolicy = MaskPolicy::new();

impl MaskPolicy {
    /// The strictest policy: every custom field is personal.
    pub const fn new() -> Self {
        Self {
            non_personal_custom: BTreeSet::new(),
        }
    }

    /// Declares a custom field non-personal: its values are shown in full (repeatable).
    #[must_use]
    pub fn non_personal_custom(mut self, name: impl Into<String>) -> Self {
        self.non_personal_custom.insert(name.into());
        self
    }

    /// The custom fields declared non-personal, in name order.
    pub fn non_personal_custom_fields(&self) -> impl Iterator<Item = &str> {
        self.non_personal_custom.iter().map(String::as_str)
    }

    /// The sensitivity of a custom field: personal unless declared otherwise.
    pub fn custom_sensitivity(&self, name: &str) -> Sensitivity {
        if self.non_personal_custom.contains(name) {
            Sensitivity::NotPersonal
        } else {
            Sensitivity::Personal
        }
    }

    /// A custom value as a message or report may show it: its text when the field is declared
    /// non-personal, masked ([`mask_value`]) otherwise.
    ///
    /// ```
    /// use clientele::model::{CustomValue, MaskPolicy};
    /// let p = MaskPolicy::new().non_personal_custom("tier");
    /// assert_eq!(p.custom_text("tier", &CustomValue::Text("gold".into())), "gold");
    /// assert_eq!(p.custom_text("wechat", &CustomValue::Text("wxid_abc".into())), "w******* (8 chars)");
    /// ```
    pub fn custom_text(&self, name: &str, value: &CustomValue) -> String {
        match self.custom_sensitivity(name) {
            Sensitivity::NotPersonal => value.to_text(),
            Sensitivity::Personal | Sensitivity::Sensitive => mask_value(&value.to_text()),
        }
    }

    /// Formats a value under this policy: `format!("{:?}", policy.show(&customer))`.
    pub fn show<'a, T: MaskedDebug + ?Sized>(&'a self, value: &'a T) -> Masked<'a, T> {
        Masked {
            value,
            policy: self,
        }
    }
}

/// A `Debug` that takes a [`MaskPolicy`]: implemented by the types that hold custom fields (and
/// their containers), whose plain `Debug` is this with the strictest policy.
pub trait MaskedDebug {
    /// Writes the value as `Debug` does, masking what `policy` says is personal.
    ///
    /// # Errors
    /// The formatter's errors.
    fn fmt_masked(&self, policy: &MaskPolicy, f: &mut fmt::Formatter<'_>) -> fmt::Result;
}

/// A value formatted under a policy; made by [`MaskPolicy::show`].
pub struct Masked<'a, T: ?Sized> {
    value: &'a T,
    policy: &'a MaskPolicy,
}

impl<T: MaskedDebug + ?Sized> fmt::Debug for Masked<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.value.fmt_masked(self.policy, f)
    }
}

impl<T: MaskedDebug> MaskedDebug for [T] {
    fn fmt_masked(&self, policy: &MaskPolicy, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.iter().map(|v| policy.show(v)))
            .finish()
    }
}

impl<T: MaskedDebug> MaskedDebug for Vec<T> {
    fn fmt_masked(&self, policy: &MaskPolicy, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.as_slice().fmt_masked(policy, f)
    }
}

impl<T: MaskedDebug> MaskedDebug for Option<T> {
    fn fmt_masked(&self, policy: &MaskPolicy, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Some(v) => f.debug_tuple("Some").field(&policy.show(v)).finish(),
            None => f.write_str("None"),
        }
    }
}

impl<T: MaskedDebug + ?Sized> MaskedDebug for &T {
    fn fmt_masked(&self, policy: &MaskPolicy, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (**self).fmt_masked(policy, f)
    }
}

/// One custom value, shown or masked.
pub(crate) struct CustomShown<'a> {
    pub(crate) value: &'a CustomValue,
    pub(crate) masked: bool,
}

impl fmt::Debug for CustomShown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = self.value;
        if !self.masked {
            return match v {
                CustomValue::Text(s) => f.debug_tuple("Text").field(s).finish(),
                CustomValue::Integer(i) => f.debug_tuple("Integer").field(i).finish(),
                CustomValue::Float(x) => f.debug_tuple("Float").field(x).finish(),
                CustomValue::Bool(b) => f.debug_tuple("Bool").field(b).finish(),
                CustomValue::Date(d) => f.debug_tuple("Date").field(d).finish(),
                CustomValue::Timestamp(t) => f.debug_tuple("Timestamp").field(t).finish(),
            };
        }
        let (variant, masked) = match v {
            CustomValue::Text(s) => ("Text", mask_value(s)),
            CustomValue::Integer(_) => ("Integer", mask_value(&v.to_text())),
            CustomValue::Float(_) => ("Float", mask_value(&v.to_text())),
            CustomValue::Bool(_) => ("Bool", "*".to_owned()),
            CustomValue::Date(_) => ("Date", MASKED_DATE.to_owned()),
            CustomValue::Timestamp(_) => ("Timestamp", format!("{MASKED_DATE}T**:**:**Z")),
        };
        f.debug_tuple(variant).field(&Plain(&masked)).finish()
    }
}

/// The custom fields of a record under a policy: names in full, values as the policy says.
pub(crate) struct CustomFields<'a, I> {
    pub(crate) fields: I,
    pub(crate) policy: &'a MaskPolicy,
}

impl<'a, I> fmt::Debug for CustomFields<'a, I>
where
    I: Iterator<Item = (&'a String, &'a CustomValue)> + Clone,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.fields.clone().map(|(name, value)| {
                let masked = self.policy.custom_sensitivity(name).is_personal();
                (name, CustomShown { value, masked })
            }))
            .finish()
    }
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
    fn ascii_phone_mask_agrees_with_the_general_rule() {
        let general = |raw: &str| {
            let mut out = String::new();
            mask_digits(|| raw.chars().filter(|c| c.is_numeric()), &mut out);
            out
        };
        let mut raw = String::new();
        for k in 0..40 {
            for v in [raw.clone(), format!("+{raw}"), format!("{raw}-x 1")] {
                assert_eq!(mask_phone(&v), general(&v), "{v}");
            }
            raw.push(char::from(b'0' + (k * 7 % 10) as u8));
            if k % 3 == 0 {
                raw.push(' ');
            }
        }
    }

    #[test]
    fn mask_value_counts_like_format() {
        for n in [0usize, 1, 2, 9, 10, 99, 100, 12345] {
            let raw = "x".repeat(n);
            let unit = if n == 1 { "char" } else { "chars" };
            assert!(mask_value(&raw).ends_with(&format!(" ({n} {unit})")), "{n}");
        }
    }

    #[test]
    fn masks_handle_empty_input() {
        assert_eq!(mask_phone(""), "");
        assert_eq!(mask_email(""), "");
        assert_eq!(mask_id(""), "");
        assert_eq!(mask_value(""), " (0 chars)");
    }

    #[test]
    fn short_values_keep_no_character() {
        for v in ["x", "xy", "王", "王芳"] {
            assert!(!mask_value(v).contains(v), "{v}");
        }
        assert_eq!(mask_phone("12"), "**");
    }

    #[test]
    fn category_names_are_shown_unless_they_look_personal() {
        assert_eq!(mask_category("passport"), "passport");
        assert_eq!(mask_category("家庭"), "家庭");
        for v in ["13800135678", "a@b.cn", "x".repeat(40).as_str()] {
            assert!(!mask_category(v).contains(v), "{v}");
        }
    }
}
