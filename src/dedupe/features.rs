//! The prepared features of stored records, kept between calls of
//! [`super::Deduplicator::match_one`]: each record is prepared once, when the store indexes it
//! ([`super::Deduplicator::indexer`]) or when `match_one` first reads it, instead of on every
//! call that compares it.
//!
//! An entry is keyed by the record's id and holds a 128-bit hash of the content of the record it
//! was prepared from (`Fingerprint::quick_record`, a tenth of the cost of preparing): it is used
//! only for a record with that very content, so it cannot be stale whatever the store did meanwhile
//! (a batch rolled back, a write from another process, a record indexed for a batch that was never
//! applied). Entries are made with one detector's region and the default normalizer; a detector
//! with another region, or a model with field comparisons, prepares its records afresh.

use std::sync::{Arc, Mutex, OnceLock, RwLock, Weak};

use super::prepare::{self, Prepared};
use crate::hashing::{FNV_START, IntMap, fnv_from};
use crate::model::{Customer, CustomerId};
use crate::normalize::Normalizer;
use crate::store::Fingerprint;

/// Shards of the table, so that threads matching at once rarely wait on one another.
const SHARDS: usize = 16;

/// The most entries held (about 500 bytes each); past it, an arbitrary entry makes room.
const MAX_ENTRIES: usize = 1 << 21;

/// One prepared record and the fingerprint of what it was prepared from.
struct Entry {
    fingerprint: u128,
    prepared: Arc<Prepared>,
}

/// The table of prepared records, shared by a detector and its clones.
pub(crate) struct Features {
    region: Option<String>,
    shards: Vec<RwLock<IntMap<CustomerId, Entry>>>,
}

impl Features {
    /// The table of the process for records prepared with `region`, shared by every detector
    /// preparing them so (entries are checked against the record's content, so sharing is
    /// safe): a store indexed through one detector serves the matches of another. It lives as
    /// long as a detector holds it.
    pub(crate) fn shared(region: Option<&str>) -> Arc<Self> {
        static TABLES: OnceLock<Mutex<Vec<Weak<Features>>>> = OnceLock::new();
        let Ok(mut tables) = TABLES.get_or_init(Mutex::default).lock() else {
            return Arc::new(Self::new(region));
        };
        tables.retain(|t| t.strong_count() > 0);
        if let Some(t) = tables
            .iter()
            .filter_map(Weak::upgrade)
            .find(|t| t.serves(region))
        {
            return t;
        }
        let t = Arc::new(Self::new(region));
        tables.push(Arc::downgrade(&t));
        t
    }

    /// An empty table for records prepared with `region`.
    fn new(region: Option<&str>) -> Self {
        Self {
            region: region.map(str::to_owned),
            shards: (0..SHARDS).map(|_| RwLock::default()).collect(),
        }
    }

    /// Whether the table holds records prepared as a detector with `region` prepares them.
    pub(crate) fn serves(&self, region: Option<&str>) -> bool {
        self.region.as_deref() == region
    }

    fn shard(&self, id: &CustomerId) -> Option<&RwLock<IntMap<CustomerId, Entry>>> {
        let h = fnv_from(FNV_START, id.as_str().as_bytes());
        self.shards.get((h as usize) % SHARDS)
    }

    /// The record prepared (with the table's region and `normalizer`), from the table when it
    /// holds this very record, else prepared now and kept.
    pub(crate) fn prepared(&self, c: &Customer, normalizer: &Normalizer) -> Arc<Prepared> {
        let fingerprint = Fingerprint::quick_record(c);
        let Some(shard) = self.shard(&c.id) else {
            return Arc::new(prepare::prepare(c, normalizer, self.region.as_deref()));
        };
        if let Ok(map) = shard.read()
            && let Some(e) = map.get(&c.id)
            && e.fingerprint == fingerprint
        {
            return Arc::clone(&e.prepared);
        }
        let prepared = Arc::new(prepare::prepare(c, normalizer, self.region.as_deref()));
        if let Ok(mut map) = shard.write() {
            if map.len() >= MAX_ENTRIES / SHARDS && !map.contains_key(&c.id) {
                let victim = map.keys().next().cloned();
                if let Some(v) = victim {
                    map.remove(&v);
                }
            }
            map.insert(
                c.id.clone(),
                Entry {
                    fingerprint,
                    prepared: Arc::clone(&prepared),
                },
            );
        }
        prepared
    }
}

impl std::fmt::Debug for Features {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let held: usize = self
            .shards
            .iter()
            .filter_map(|s| s.read().ok().map(|m| m.len()))
            .sum();
        f.debug_struct("Features").field("held", &held).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::CustomerKind;

    fn person(name: &str) -> Customer {
        Customer::builder(CustomerId::new("C1").unwrap(), CustomerKind::Person)
            .full_name(name)
            .phone("13800138000")
            .build()
    }

    #[test]
    fn a_changed_record_is_prepared_again() {
        let n = Normalizer::default();
        let table = Features::shared(Some("CN"));
        let a = table.prepared(&person("张伟"), &n);
        assert!(Arc::ptr_eq(&a, &table.prepared(&person("张伟"), &n)));
        let b = table.prepared(&person("王芳"), &n);
        assert!(!Arc::ptr_eq(&a, &b));
        let fresh = prepare::prepare(&person("王芳"), &n, Some("CN"));
        assert!(b.identical(&fresh));
        assert!(table.serves(Some("CN")) && !table.serves(None));
        assert!(Arc::ptr_eq(&table, &Features::shared(Some("CN"))));
    }
}
