//! A record's sensitive fields sealed in place, and opened again.

use super::cipher::{FieldCipher, looks_sealed};
use crate::error::{Error, Result};
use crate::model::{CustomValue, Customer, Field};

/// The custom field that holds a sealed birth date (a date field cannot hold ciphertext).
pub const SEALED_BIRTH_DATE: &str = "_sealed_birth_date";

/// The fields [`seal`] encrypts: phones, emails, national ID numbers and the birth date.
pub const DEFAULT_SEALED: &[Field] = &[
    Field::Phone,
    Field::Email,
    Field::NationalId,
    Field::BirthDate,
];

/// Whether a value is sealed.
///
/// ```
/// use clientele::crypto::{AesGcmCipher, FieldCipher, Key, is_sealed};
/// let cipher = AesGcmCipher::new(&Key::from_hex(&"05".repeat(32))?);
/// assert!(is_sealed(&cipher.encrypt("email", "a@b.cn")?));
/// assert!(!is_sealed("a@b.cn"));
/// # Ok::<(), clientele::Error>(())
/// ```
pub fn is_sealed(value: &str) -> bool {
    looks_sealed(value)
}

/// The record with its phones, emails, national ID numbers and birth date encrypted
/// ([`DEFAULT_SEALED`]); see [`seal_fields`]. Values already sealed are left as they are.
///
/// # Errors
/// The cipher's errors.
pub fn seal(customer: &Customer, cipher: &dyn FieldCipher) -> Result<Customer> {
    seal_fields(customer, cipher, DEFAULT_SEALED)
}

/// The record with the named fields encrypted: phones, emails, national ID numbers, the birth
/// date (moved into the custom field [`SEALED_BIRTH_DATE`]) and custom fields holding text.
///
/// ```
/// use clientele::crypto::{AesGcmCipher, Key, seal_fields, unseal};
/// use clientele::model::{CustomValue, Field};
/// use clientele::{Customer, CustomerId, CustomerKind};
/// let cipher = AesGcmCipher::new(&Key::from_hex(&"09".repeat(32))?);
/// let mut c = Customer::builder(CustomerId::new("C1")?, CustomerKind::Person).phone("13800135678").build();
/// c.custom.insert("wechat".into(), CustomValue::Text("lina_88".into()));
/// let sealed = seal_fields(&c, &cipher, &[Field::parse("wechat")])?;
/// assert_eq!(sealed.phones, c.phones); // not named: left plain
/// assert_ne!(sealed.custom, c.custom);
/// assert_eq!(unseal(&sealed, &cipher)?, c);
/// # Ok::<(), clientele::Error>(())
/// ```
///
/// # Errors
/// [`Error::InvalidSetting`] for a field that cannot be sealed (a name, a custom field holding a
/// number...), and the cipher's errors.
pub fn seal_fields(
    customer: &Customer,
    cipher: &dyn FieldCipher,
    fields: &[Field],
) -> Result<Customer> {
    let mut c = customer.clone();
    let seal_text = |field: &str, value: &mut String| -> Result<()> {
        if !looks_sealed(value) {
            *value = cipher.encrypt(field, value)?;
        }
        Ok(())
    };
    for field in fields {
        let name = field.name().to_owned();
        match field {
            Field::Phone => {
                for p in &mut c.phones {
                    seal_text(&name, &mut p.number)?;
                }
            }
            Field::Email => {
                for e in &mut c.emails {
                    seal_text(&name, &mut e.address)?;
                }
            }
            Field::NationalId => {
                for n in &mut c.national_ids {
                    seal_text(&name, &mut n.value)?;
                }
            }
            Field::BirthDate => {
                if let Some(d) = c.birth_date.take() {
                    let sealed = cipher.encrypt(&name, &d.to_string())?;
                    c.custom
                        .insert(SEALED_BIRTH_DATE.to_owned(), CustomValue::Text(sealed));
                }
            }
            Field::Custom(custom) => match c.custom.get_mut(custom) {
                Some(CustomValue::Text(v)) => seal_text(&name, v)?,
                None => {}
                Some(_) => return Err(not_sealable(&name, "only custom fields of text")),
            },
            _ => return Err(not_sealable(&name, "not a field that can be sealed")),
        }
    }
    Ok(c)
}

fn not_sealable(field: &str, reason: &str) -> Error {
    Error::InvalidSetting {
        setting: "sealed fields".to_owned(),
        reason: format!("{field}: {reason}"),
        value: field.to_owned(),
    }
}

/// The record with every sealed value opened: the inverse of [`seal`] and [`seal_fields`].
///
/// # Errors
/// [`Error::Decrypt`] naming the field when a value was sealed with another key, for another
/// field, or changed; the cipher's errors.
pub fn unseal(customer: &Customer, cipher: &dyn FieldCipher) -> Result<Customer> {
    let mut c = customer.clone();
    let open = |field: &str, value: &mut String| -> Result<()> {
        if looks_sealed(value) {
            *value = cipher.decrypt(field, value)?;
        }
        Ok(())
    };
    for p in &mut c.phones {
        open(Field::Phone.name(), &mut p.number)?;
    }
    for e in &mut c.emails {
        open(Field::Email.name(), &mut e.address)?;
    }
    for n in &mut c.national_ids {
        open(Field::NationalId.name(), &mut n.value)?;
    }
    if let Some(CustomValue::Text(sealed)) = c.custom.remove(SEALED_BIRTH_DATE) {
        let text = cipher.decrypt(Field::BirthDate.name(), &sealed)?;
        let date = crate::model::parse_date(&text).map_err(|_| Error::Decrypt {
            field: Field::BirthDate.name().to_owned(),
            reason: "not a date".to_owned(),
        })?;
        c.birth_date = Some(date);
    }
    for (name, value) in &mut c.custom {
        if let CustomValue::Text(v) = value {
            open(name, v)?;
        }
    }
    Ok(c)
}
