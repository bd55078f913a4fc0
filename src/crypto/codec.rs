//! What an encrypted store seals, and how: records, activity, merge records and documents
//! sealed on the way in and opened on the way out, and the blind keys a sealed record carries.

use std::collections::BTreeSet;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::blind::BlindIndex;
use super::cipher::FieldCipher;
use super::seal::SEALED_BIRTH_DATE;
use crate::error::{Error, Result};
use crate::model::{
    Activity, CustomValue, Customer, Discarded, Field, FieldValue, Interaction, MergeRecord,
    RecordSnapshot, Transaction,
};
use crate::store::{Document, KeyIndexer, SecondaryKey};

/// The custom field of a sealed record that holds its blind keys (one `namespace:value` a
/// line), read by [`BlindKeys`], the inner store's indexer.
pub const BLIND_KEYS_FIELD: &str = "_blind_keys";

/// The associated data of a sealed transaction reference and interaction note.
const REFERENCE: &str = "transaction.reference";
const NOTE: &str = "interaction.note";

/// Which fields are sealed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Codec {
    phone: bool,
    email: bool,
    national_id: bool,
    birth_date: bool,
    custom: BTreeSet<String>,
    activity: bool,
}

fn codec_err(field: &str, reason: &str) -> Error {
    Error::Decrypt {
        field: field.to_owned(),
        reason: reason.to_owned(),
    }
}

fn to_text<T: Serialize>(field: &str, value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|_| codec_err(field, "cannot encode the value"))
}

fn from_text<T: DeserializeOwned>(field: &str, text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|_| codec_err(field, "not a value of this field"))
}

impl Codec {
    /// The codec sealing `fields` (and activity text when `activity`).
    ///
    /// # Errors
    /// [`Error::InvalidSetting`] for a field that cannot be sealed.
    pub(crate) fn new(fields: &[Field], activity: bool) -> Result<Self> {
        let mut c = Self {
            phone: false,
            email: false,
            national_id: false,
            birth_date: false,
            custom: BTreeSet::new(),
            activity,
        };
        for f in fields {
            match f {
                Field::Phone => c.phone = true,
                Field::Email => c.email = true,
                Field::NationalId => c.national_id = true,
                Field::BirthDate => c.birth_date = true,
                Field::Custom(name) if !reserved(name) => {
                    c.custom.insert(name.clone());
                }
                other => {
                    return Err(Error::InvalidSetting {
                        setting: "sealed fields".to_owned(),
                        reason: "phones, emails, national ids, the birth date and custom \
                                 fields (not reserved ones) can be sealed"
                            .to_owned(),
                        value: other.name().to_owned(),
                    });
                }
            }
        }
        Ok(c)
    }

    /// The configuration as text, recorded in the store (a store opened with another one is
    /// refused: its values were sealed by this one).
    pub(crate) fn describe(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        for (on, name) in [
            (self.phone, Field::Phone.name()),
            (self.email, Field::Email.name()),
            (self.national_id, Field::NationalId.name()),
            (self.birth_date, Field::BirthDate.name()),
            (self.activity, "activity_text"),
        ] {
            if on {
                parts.push(name.to_owned());
            }
        }
        parts.extend(self.custom.iter().map(|c| format!("custom:{c}")));
        parts.join(",")
    }

    /// Refuses a record holding a custom field the store reserves.
    pub(crate) fn check_plain(&self, c: &Customer) -> Result<()> {
        match c.custom.keys().find(|k| reserved(k)) {
            Some(name) => Err(Error::InvalidValue {
                field: name.clone(),
                reason: "a custom field name reserved by the encrypted store".to_owned(),
                masked: String::new(),
            }),
            None => Ok(()),
        }
    }

    /// The record with its sealed fields encrypted (no blind keys).
    pub(crate) fn seal_customer(&self, c: &Customer, cipher: &dyn FieldCipher) -> Result<Customer> {
        let mut out = c.clone();
        if self.phone {
            for p in &mut out.phones {
                p.number = cipher.encrypt(Field::Phone.name(), &p.number)?;
            }
        }
        if self.email {
            for e in &mut out.emails {
                e.address = cipher.encrypt(Field::Email.name(), &e.address)?;
            }
        }
        if self.national_id {
            for n in &mut out.national_ids {
                n.value = cipher.encrypt(Field::NationalId.name(), &n.value)?;
            }
        }
        if self.birth_date
            && let Some(d) = out.birth_date.take()
        {
            let field = Field::BirthDate.name();
            let sealed = cipher.encrypt(field, &to_text(field, &d)?)?;
            out.custom
                .insert(SEALED_BIRTH_DATE.to_owned(), CustomValue::Text(sealed));
        }
        for name in &self.custom {
            if let Some(v) = out.custom.get_mut(name) {
                *v = CustomValue::Text(cipher.encrypt(name, &to_text(name, v)?)?);
            }
        }
        Ok(out)
    }

    /// The sealed record opened (its blind keys dropped).
    pub(crate) fn open_customer(&self, c: &Customer, cipher: &dyn FieldCipher) -> Result<Customer> {
        let mut out = c.clone();
        out.custom.remove(BLIND_KEYS_FIELD);
        if self.phone {
            for p in &mut out.phones {
                p.number = cipher.decrypt(Field::Phone.name(), &p.number)?;
            }
        }
        if self.email {
            for e in &mut out.emails {
                e.address = cipher.decrypt(Field::Email.name(), &e.address)?;
            }
        }
        if self.national_id {
            for n in &mut out.national_ids {
                n.value = cipher.decrypt(Field::NationalId.name(), &n.value)?;
            }
        }
        if let Some(v) = out.custom.remove(SEALED_BIRTH_DATE) {
            let field = Field::BirthDate.name();
            let CustomValue::Text(sealed) = v else {
                return Err(codec_err(field, "not a sealed value"));
            };
            out.birth_date = Some(from_text(field, &cipher.decrypt(field, &sealed)?)?);
        }
        for name in &self.custom {
            if let Some(v) = out.custom.get_mut(name) {
                let CustomValue::Text(sealed) = v else {
                    return Err(codec_err(name, "not a sealed value"));
                };
                *v = from_text(name, &cipher.decrypt(name, sealed)?)?;
            }
        }
        Ok(out)
    }

    /// Every sealed value of a stored record (to tell which key sealed them).
    pub(crate) fn sealed_values<'a>(&self, c: &'a Customer) -> Vec<&'a str> {
        let mut out: Vec<&str> = Vec::new();
        if self.phone {
            out.extend(c.phones.iter().map(|p| p.number.as_str()));
        }
        if self.email {
            out.extend(c.emails.iter().map(|e| e.address.as_str()));
        }
        if self.national_id {
            out.extend(c.national_ids.iter().map(|n| n.value.as_str()));
        }
        for (name, v) in &c.custom {
            if (name == SEALED_BIRTH_DATE || self.custom.contains(name))
                && let CustomValue::Text(t) = v
            {
                out.push(t);
            }
        }
        out
    }

    pub(crate) fn seal_transaction(
        &self,
        t: &Transaction,
        cipher: &dyn FieldCipher,
    ) -> Result<Transaction> {
        let mut out = t.clone();
        if self.activity
            && let Some(r) = &mut out.reference
        {
            *r = cipher.encrypt(REFERENCE, r)?;
        }
        Ok(out)
    }

    pub(crate) fn seal_interaction(
        &self,
        i: &Interaction,
        cipher: &dyn FieldCipher,
    ) -> Result<Interaction> {
        let mut out = i.clone();
        if self.activity
            && let Some(n) = &mut out.note
        {
            *n = cipher.encrypt(NOTE, n)?;
        }
        Ok(out)
    }

    pub(crate) fn seal_activity(&self, a: &Activity, cipher: &dyn FieldCipher) -> Result<Activity> {
        if !self.activity {
            return Ok(a.clone());
        }
        Ok(Activity {
            transactions: a
                .transactions
                .iter()
                .map(|t| self.seal_transaction(t, cipher))
                .collect::<Result<_>>()?,
            interactions: a
                .interactions
                .iter()
                .map(|i| self.seal_interaction(i, cipher))
                .collect::<Result<_>>()?,
        })
    }

    pub(crate) fn open_activity(&self, a: &Activity, cipher: &dyn FieldCipher) -> Result<Activity> {
        if !self.activity {
            return Ok(a.clone());
        }
        let mut out = a.clone();
        for t in &mut out.transactions {
            if let Some(r) = &mut t.reference {
                *r = cipher.decrypt(REFERENCE, r)?;
            }
        }
        for i in &mut out.interactions {
            if let Some(n) = &mut i.note {
                *n = cipher.decrypt(NOTE, n)?;
            }
        }
        Ok(out)
    }

    /// Every sealed value of stored activity.
    pub(crate) fn sealed_activity_values<'a>(&self, a: &'a Activity) -> Vec<&'a str> {
        if !self.activity {
            return Vec::new();
        }
        a.transactions
            .iter()
            .filter_map(|t| t.reference.as_deref())
            .chain(a.interactions.iter().filter_map(|i| i.note.as_deref()))
            .collect()
    }

    fn seal_snapshot(
        &self,
        s: &RecordSnapshot,
        cipher: &dyn FieldCipher,
    ) -> Result<RecordSnapshot> {
        Ok(RecordSnapshot {
            customer: self.seal_customer(&s.customer, cipher)?,
            activity: self.seal_activity(&s.activity, cipher)?,
        })
    }

    pub(crate) fn open_snapshot(
        &self,
        s: &RecordSnapshot,
        cipher: &dyn FieldCipher,
    ) -> Result<RecordSnapshot> {
        Ok(RecordSnapshot {
            customer: self.open_customer(&s.customer, cipher)?,
            activity: self.open_activity(&s.activity, cipher)?,
        })
    }

    fn seal_value(&self, v: &FieldValue, cipher: &dyn FieldCipher) -> Result<FieldValue> {
        let mut out = v.clone();
        match &mut out {
            FieldValue::Phone(p) if self.phone => {
                p.number = cipher.encrypt(Field::Phone.name(), &p.number)?;
            }
            FieldValue::Email(e) if self.email => {
                e.address = cipher.encrypt(Field::Email.name(), &e.address)?;
            }
            FieldValue::NationalId(n) if self.national_id => {
                n.value = cipher.encrypt(Field::NationalId.name(), &n.value)?;
            }
            FieldValue::BirthDate(d) if self.birth_date => {
                let field = Field::BirthDate.name();
                let sealed = cipher.encrypt(field, &to_text(field, d)?)?;
                out = FieldValue::Custom(SEALED_BIRTH_DATE.to_owned(), CustomValue::Text(sealed));
            }
            FieldValue::Custom(name, v) if self.custom.contains(name.as_str()) => {
                *v = CustomValue::Text(cipher.encrypt(name, &to_text(name, v)?)?);
            }
            _ => {}
        }
        Ok(out)
    }

    fn open_value(&self, v: &FieldValue, cipher: &dyn FieldCipher) -> Result<FieldValue> {
        let mut out = v.clone();
        match &mut out {
            FieldValue::Phone(p) if self.phone => {
                p.number = cipher.decrypt(Field::Phone.name(), &p.number)?;
            }
            FieldValue::Email(e) if self.email => {
                e.address = cipher.decrypt(Field::Email.name(), &e.address)?;
            }
            FieldValue::NationalId(n) if self.national_id => {
                n.value = cipher.decrypt(Field::NationalId.name(), &n.value)?;
            }
            FieldValue::Custom(name, CustomValue::Text(sealed)) if name == SEALED_BIRTH_DATE => {
                let field = Field::BirthDate.name();
                out = FieldValue::BirthDate(from_text(field, &cipher.decrypt(field, sealed)?)?);
            }
            FieldValue::Custom(name, v) if self.custom.contains(name.as_str()) => {
                let CustomValue::Text(sealed) = v else {
                    return Err(codec_err(name, "not a sealed value"));
                };
                *v = from_text(name, &cipher.decrypt(name, sealed)?)?;
            }
            _ => {}
        }
        Ok(out)
    }

    /// The merge record with every value it keeps sealed: discarded values and snapshots.
    pub(crate) fn seal_merge(
        &self,
        r: &MergeRecord,
        cipher: &dyn FieldCipher,
    ) -> Result<MergeRecord> {
        let mut out = r.clone();
        out.discarded = r
            .discarded
            .iter()
            .map(|d| {
                Ok(Discarded {
                    value: self.seal_value(&d.value, cipher)?,
                    ..d.clone()
                })
            })
            .collect::<Result<_>>()?;
        out.before = r
            .before
            .iter()
            .map(|s| self.seal_snapshot(s, cipher))
            .collect::<Result<_>>()?;
        out.after = r
            .after
            .as_ref()
            .map(|s| self.seal_snapshot(s, cipher))
            .transpose()?;
        Ok(out)
    }

    pub(crate) fn open_merge(
        &self,
        r: &MergeRecord,
        cipher: &dyn FieldCipher,
    ) -> Result<MergeRecord> {
        let mut out = r.clone();
        out.discarded = r
            .discarded
            .iter()
            .map(|d| {
                Ok(Discarded {
                    value: self.open_value(&d.value, cipher)?,
                    ..d.clone()
                })
            })
            .collect::<Result<_>>()?;
        out.before = r
            .before
            .iter()
            .map(|s| self.open_snapshot(s, cipher))
            .collect::<Result<_>>()?;
        out.after = r
            .after
            .as_ref()
            .map(|s| self.open_snapshot(s, cipher))
            .transpose()?;
        Ok(out)
    }

    /// A document with its body sealed, bound to its namespace and key.
    pub(crate) fn seal_document(&self, d: &Document, cipher: &dyn FieldCipher) -> Result<Document> {
        let aad = document_aad(d);
        Ok(Document {
            body: cipher.encrypt(&aad, &d.body)?,
            ..d.clone()
        })
    }

    pub(crate) fn open_document(&self, d: &Document, cipher: &dyn FieldCipher) -> Result<Document> {
        let aad = document_aad(d);
        Ok(Document {
            body: cipher.decrypt(&aad, &d.body)?,
            ..d.clone()
        })
    }
}

fn document_aad(d: &Document) -> String {
    format!("document\u{0}{}\u{0}{}", d.namespace, d.key)
}

/// Whether a custom field name is reserved by the encrypted store.
fn reserved(name: &str) -> bool {
    name == BLIND_KEYS_FIELD || name == SEALED_BIRTH_DATE
}

/// The blind form of a key: its namespace kept (lookups of one kind never meet another's), its
/// value replaced by the keyed HMAC of namespace and value.
pub(crate) fn blind_key(blind: &BlindIndex, key: &SecondaryKey) -> SecondaryKey {
    let ns = key.namespace().replace('\n', "_");
    SecondaryKey::new(&ns, &blind.blind(&ns, key.value()))
}

/// The blind keys of the plain record's logical keys, one a line (`None` for none).
pub(crate) fn blind_text(
    plain: &Customer,
    indexer: &dyn KeyIndexer,
    blind: &BlindIndex,
) -> Option<String> {
    let keys: Vec<String> = indexer
        .keys_of(plain)
        .iter()
        .map(|k| blind_key(blind, k).as_str().to_owned())
        .collect();
    (!keys.is_empty()).then(|| keys.join("\n"))
}

/// The sealed record with the blind keys of the plain record's logical keys.
pub(crate) fn with_blind_keys(
    mut sealed: Customer,
    plain: &Customer,
    indexer: &dyn KeyIndexer,
    blind: &BlindIndex,
) -> Customer {
    if let Some(keys) = blind_text(plain, indexer, blind) {
        sealed
            .custom
            .insert(BLIND_KEYS_FIELD.to_owned(), CustomValue::Text(keys));
    }
    sealed
}

/// The indexer of the store inside an [`EncryptedStore`](super::EncryptedStore): the blind keys
/// its sealed records carry, nothing else. Create the inner store with it
/// ([`EncryptedStore::inner_indexers`](super::EncryptedStore::inner_indexers)).
///
/// ```
/// use clientele::crypto::BlindKeys;
/// use clientele::store::KeyIndexer;
/// assert_eq!(BlindKeys.name(), "clientele.blind-keys.1");
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct BlindKeys;

impl KeyIndexer for BlindKeys {
    fn name(&self) -> String {
        "clientele.blind-keys.1".to_owned()
    }

    fn keys(&self, customer: &Customer, out: &mut Vec<SecondaryKey>) {
        if let Some(CustomValue::Text(lines)) = customer.custom.get(BLIND_KEYS_FIELD) {
            out.extend(lines.lines().filter_map(|l| {
                l.split_once(':')
                    .map(|(ns, value)| SecondaryKey::new(ns, value))
            }));
        }
    }
}
