//! Secondary keys and the indexers that derive them from records.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::model::{Customer, mask_value};
use crate::normalize::{Normalizer, national_id_key, phone_tail};

/// A key under which a store indexes a record besides its id: a namespace and a value, such as
/// `phone:00135678` or `block:name:zhang`.
///
/// Keys are derived by a [`KeyIndexer`], never typed in by hand, so two stores with the same
/// indexer agree on them. `Debug` masks the value, which is often personal data.
///
/// ```
/// use clientele::store::SecondaryKey;
/// let k = SecondaryKey::new("block", "zw");
/// assert_eq!((k.namespace(), k.value()), ("block", "zw"));
/// assert_eq!(k.as_str(), "block:zw");
/// ```
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SecondaryKey(String);

impl SecondaryKey {
    /// A key in a namespace. A `:` in the namespace is replaced by `_` so the split stays
    /// unambiguous.
    pub fn new(namespace: &str, value: &str) -> Self {
        // Built in one allocation (a key is made per rule per record indexed or matched).
        let mut key = String::with_capacity(namespace.len() + 1 + value.len());
        if namespace.contains(':') {
            key.push_str(&namespace.replace(':', "_"));
        } else {
            key.push_str(namespace);
        }
        key.push(':');
        key.push_str(value);
        Self(key)
    }

    /// The phone key: the last [`PHONE_TAIL_DIGITS`](crate::normalize::PHONE_TAIL_DIGITS) digits of the number's match key
    /// ([`Normalizer::phone_key`] read without a default region), so `+86 138-0013-5678`,
    /// `13800135678` and full-width digits give one key; `None` for fewer than 7 digits.
    ///
    /// Eight digits survive every prefix variant (`+86`, `0086`, trunk `0`) while still being
    /// selective; a store's lookup is a candidate search, so the rare collision across countries
    /// is settled by whoever compares the candidates.
    ///
    /// ```
    /// use clientele::store::SecondaryKey;
    /// assert_eq!(SecondaryKey::phone("+86 138 0013 5678"), SecondaryKey::phone("１３８００１３５６７８"));
    /// assert_eq!(SecondaryKey::phone("12-34"), None);
    /// ```
    pub fn phone(raw: &str) -> Option<Self> {
        let key = Normalizer::shared_default().phone_key(raw, None)?;
        Some(Self::new("phone", phone_tail(&key)))
    }

    /// The email key: the address's match key ([`Normalizer::email_key`]: lower case, `+tag`
    /// dropped...), or `None` for a value that is not an address.
    ///
    /// ```
    /// use clientele::store::SecondaryKey;
    /// assert_eq!(SecondaryKey::email(" Ann.Lee+news@Example.COM "), SecondaryKey::email("ann.lee@example.com"));
    /// ```
    pub fn email(raw: &str) -> Option<Self> {
        let key = Normalizer::shared_default().email_key(raw)?;
        Some(Self::new("email", &key))
    }

    /// The identifier key: its match key ([`national_id_key`]: letters and digits only,
    /// upper-cased), or `None` when nothing is left.
    ///
    /// ```
    /// use clientele::store::SecondaryKey;
    /// assert_eq!(SecondaryKey::national_id("11010519491231002x"), SecondaryKey::national_id("110105 19491231 002X"));
    /// ```
    pub fn national_id(raw: &str) -> Option<Self> {
        national_id_key(raw).map(|v| Self::new("nid", &v))
    }

    /// The namespace part.
    pub fn namespace(&self) -> &str {
        self.0.split_once(':').map_or("", |(ns, _)| ns)
    }

    /// The value part.
    pub fn value(&self) -> &str {
        self.0.split_once(':').map_or(self.0.as_str(), |(_, v)| v)
    }

    /// The whole key as stored (`namespace:value`).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecondaryKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "SecondaryKey({}:{})",
            self.namespace(),
            mask_value(self.value())
        )
    }
}

/// Derives the secondary keys of a record; a store indexes every key its indexer yields.
///
/// Implement it to index your own keys (blocking keys of the duplicate detector, a loyalty card
/// number in a custom field). Keys must depend on the record alone, so that the index can be
/// rebuilt, and must be deterministic.
///
/// ```
/// use clientele::store::{KeyIndexer, SecondaryKey};
/// use clientele::model::{Customer, CustomValue};
///
/// #[derive(Debug)]
/// struct LoyaltyCard;
/// impl KeyIndexer for LoyaltyCard {
///     fn keys(&self, c: &Customer, out: &mut Vec<SecondaryKey>) {
///         if let Some(CustomValue::Text(card)) = c.custom.get("loyalty_card") {
///             out.push(SecondaryKey::new("card", card));
///         }
///     }
/// }
/// ```
pub trait KeyIndexer: Send + Sync + fmt::Debug {
    /// Appends the record's keys to `out` (repeats are allowed; stores ignore them).
    fn keys(&self, customer: &Customer, out: &mut Vec<SecondaryKey>);

    /// A name for the keys this indexer derives. A database store records the names of its
    /// indexers and rebuilds its index when they change on reopening; give a new name when
    /// the keys change (by default, the type's name).
    fn name(&self) -> String {
        std::any::type_name::<Self>().to_owned()
    }

    /// The record's keys, sorted and without repeats.
    fn keys_of(&self, customer: &Customer) -> Vec<SecondaryKey> {
        let mut out = Vec::new();
        self.keys(customer, &mut out);
        out.sort();
        out.dedup();
        out
    }
}

/// The default indexer: every phone ([`SecondaryKey::phone`]), email ([`SecondaryKey::email`])
/// and national identifier ([`SecondaryKey::national_id`]) of a record.
///
/// ```
/// use clientele::store::{ContactKeys, KeyIndexer, SecondaryKey};
/// use clientele::{Customer, CustomerId, CustomerKind};
/// let c = Customer::builder(CustomerId::new("C1")?, CustomerKind::Person).email("a@b.cn").build();
/// assert_eq!(ContactKeys.keys_of(&c), vec![SecondaryKey::email("a@b.cn").unwrap()]);
/// # Ok::<(), clientele::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct ContactKeys;

impl KeyIndexer for ContactKeys {
    fn name(&self) -> String {
        // Version 2: keys from the normalizer's match keys (email keys fold `+tags` and
        // provider dots); a database indexed by version 1 rebuilds its index when reopened.
        "contact.2".to_owned()
    }

    fn keys(&self, customer: &Customer, out: &mut Vec<SecondaryKey>) {
        out.extend(
            customer
                .phones
                .iter()
                .filter_map(|p| SecondaryKey::phone(&p.number)),
        );
        out.extend(
            customer
                .emails
                .iter()
                .filter_map(|e| SecondaryKey::email(&e.address)),
        );
        out.extend(
            customer
                .national_ids
                .iter()
                .filter_map(|n| SecondaryKey::national_id(&n.value)),
        );
    }
}

/// Several indexers as one: a store indexes the union of their keys, so contact keys and the
/// duplicate detector's blocking keys live side by side. Each indexer writes keys in its own
/// namespaces (`phone`, `email`, `nid` for [`ContactKeys`]; `dd_<rule>` for the detector), so
/// lookups of one kind never see another's.
///
/// ```
/// use clientele::dedupe::Deduplicator;
/// use clientele::store::{CustomerStore, KeyIndexers, MemoryStore, SecondaryKey};
/// use clientele::{Customer, CustomerId, CustomerKind};
/// let dedupe = Deduplicator::new();
/// let store = MemoryStore::with_indexers(KeyIndexers::contact().and(dedupe.indexer()));
/// let c = Customer::builder(CustomerId::new("C1")?, CustomerKind::Person)
///     .full_name("Li Na").phone("13800135678").build();
/// store.put(c.clone())?;
/// // The phone lookup still works beside the detector's keys.
/// assert_eq!(store.lookup(&SecondaryKey::phone("138 0013 5678").unwrap())?, vec![c.id]);
/// # Ok::<(), clientele::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct KeyIndexers(Vec<Arc<dyn KeyIndexer>>);

impl KeyIndexers {
    /// No indexer at all (a store that answers no lookup).
    pub fn none() -> Self {
        Self(Vec::new())
    }

    /// Contact keys only ([`ContactKeys`]), the stores' default.
    pub fn contact() -> Self {
        Self(vec![Arc::new(ContactKeys)])
    }

    /// One indexer.
    pub fn one(indexer: Arc<dyn KeyIndexer>) -> Self {
        Self(vec![indexer])
    }

    /// The list with one more indexer.
    #[must_use]
    pub fn and(mut self, indexer: Arc<dyn KeyIndexer>) -> Self {
        self.0.push(indexer);
        self
    }

    /// The indexers, in order.
    pub fn iter(&self) -> impl Iterator<Item = &Arc<dyn KeyIndexer>> {
        self.0.iter()
    }

    /// The indexers' names, in order, joined by `+`.
    pub fn names(&self) -> String {
        self.0
            .iter()
            .map(|i| i.name())
            .collect::<Vec<_>>()
            .join("+")
    }
}

impl From<Arc<dyn KeyIndexer>> for KeyIndexers {
    fn from(indexer: Arc<dyn KeyIndexer>) -> Self {
        Self::one(indexer)
    }
}

impl KeyIndexer for KeyIndexers {
    fn name(&self) -> String {
        self.names()
    }

    fn keys(&self, customer: &Customer, out: &mut Vec<SecondaryKey>) {
        for indexer in &self.0 {
            indexer.keys(customer, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_key_ignores_country_prefix_variants() {
        let a = SecondaryKey::phone("+86 10 6552 9988");
        assert_eq!(a, SecondaryKey::phone("010-6552-9988"));
        assert_eq!(a, SecondaryKey::phone("0086 10 65529988"));
    }

    #[test]
    fn debug_masks_the_key_value() {
        let k = SecondaryKey::phone("13800135678").unwrap();
        assert!(!format!("{k:?}").contains("00135678"));
    }

    #[test]
    fn namespace_colons_do_not_break_the_split() {
        let k = SecondaryKey::new("a:b", "c:d");
        assert_eq!(k.namespace(), "a_b");
        assert_eq!(k.value(), "c:d");
    }
}
