//! `match_one`: the likely duplicates of one record among a store's records, through the
//! store's secondary-key lookup, and the indexer of the blocking keys it looks up.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::prepare::{self, Prepared};
use super::{Deduplicator, TrainedModel, compare, evidence, model};
use crate::error::Error;
use crate::model::{Customer, CustomerId, CustomerKind};
use crate::store::{CustomerStore, KeyIndexer, SecondaryKey};

/// A likely duplicate found by [`Deduplicator::match_one`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Match {
    /// The stored record.
    pub id: CustomerId,
    /// The match probability.
    pub probability: f64,
    /// The match weight.
    pub match_weight: f64,
}

impl Deduplicator {
    /// An indexer of this detector's blocking keys, for stores used with
    /// [`Deduplicator::match_one`]. The keys (`dd_<rule>`) stay the same across versions unless
    /// docs/DEDUPE.md says otherwise; after such a change, re-index the store.
    pub fn indexer(&self) -> Arc<dyn KeyIndexer> {
        Arc::new(BlockingIndexer {
            dedupe: self.clone(),
        })
    }

    /// Finds the likely duplicates of one record among a store's records, through the store's
    /// secondary-key lookup (the store must index [`Deduplicator::indexer`]'s keys, beside its
    /// contact keys if it likes: [`crate::store::KeyIndexers`]), scored
    /// with a trained model. Best first; at most those at or above the threshold.
    ///
    /// A match must agree on real evidence, as in [`Deduplicator::run`], except that values
    /// are not counted across the store: no agreement is discounted as very common.
    ///
    /// # Errors
    /// The store's errors, as [`Error::Storage`]; [`Error::InvalidValue`] for a knob out of
    /// range, or for the field `model` when the model has other comparison levels than this
    /// version's (see [`Deduplicator::run_with_model`]).
    pub fn match_one<S: CustomerStore + ?Sized>(
        &self,
        customer: &Customer,
        store: &S,
        model: &TrainedModel,
    ) -> Result<Vec<Match>, Error> {
        self.check_knobs()?;
        model.check_levels()?;
        let storage = |e: S::Error| Error::storage("match_one: reading the store", e);
        let p = prepare::prepare(customer, &self.normalizer, self.region.as_deref());
        // Records sharing a rare key (a phone, an email: blocks of a few records) are always
        // compared. The others are ranked by the keys they share, each key counting the more
        // the smaller its block (sharing a birth date with 40 people says less than sharing a
        // postcode and initial with 3), and the best few compared, as the batch run walks large
        // blocks in sorted neighbourhoods rather than comparing all their pairs.
        // Every key is looked up in one call and every candidate read in one call.
        let mut candidates: Vec<CustomerId> = Vec::new();
        // Hashed, not ordered: a few thousand ids at most, and the ranking below sorts them.
        let mut score: crate::hashing::IntMap<CustomerId, f64> = Default::default();
        let keys = self.keys_of_prepared(&p, customer);
        // Keys of blocks over the limit are skipped, so no more of their ids is read.
        let limit = self.max_block.saturating_add(1);
        for ids in store.lookup_many(&keys, limit).map_err(storage)? {
            if ids.len() > self.max_block {
                continue;
            }
            let rare = ids.len() <= RARE_KEY_BLOCK;
            let weight = 1.0 / ids.len().max(1) as f64;
            for id in ids {
                if id == customer.id {
                    continue;
                }
                if rare {
                    candidates.push(id.clone());
                }
                *score.entry(id).or_default() += weight;
            }
        }
        candidates.sort();
        candidates.dedup();
        let mut others: Vec<(f64, CustomerId)> = score
            .into_iter()
            .filter(|(id, _)| candidates.binary_search(id).is_err())
            .map(|(id, w)| (w, id))
            .collect();
        others.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        candidates.extend(others.into_iter().take(RANKED_CANDIDATES).map(|(_, id)| id));
        let weights = model.weights();
        let mut out = Vec::new();
        let records = store.get_many(&candidates).map_err(storage)?;
        for (id, other) in candidates.into_iter().zip(records) {
            let Some(other) = other else {
                continue;
            };
            if (other.kind == CustomerKind::Company) != p.company {
                continue;
            }
            let q = prepare::prepare(&other, &self.normalizer, self.region.as_deref());
            let pattern = compare::compare(&p, &q);
            let w = model.score(&weights, &pattern, &p);
            let prob = if p.identical(&q) {
                1.0
            } else {
                model::probability(w)
            };
            let judged = evidence::Common::none();
            if prob >= self.threshold && judged.has_evidence(&p, &q, &pattern, p.identical(&q)) {
                out.push(Match {
                    id,
                    probability: prob,
                    match_weight: w,
                });
            }
        }
        out.sort_by(|a, b| {
            b.probability
                .total_cmp(&a.probability)
                .then_with(|| a.id.cmp(&b.id))
        });
        Ok(out)
    }

    fn keys_of_prepared(&self, p: &Prepared, c: &Customer) -> Vec<SecondaryKey> {
        let mut out = Vec::new();
        let mut keys = Vec::new();
        for rule in &self.rules {
            keys.clear();
            rule.keys(p, &mut keys);
            out.extend(
                keys.iter()
                    .map(|k| SecondaryKey::new(&format!("dd_{}", rule.name()), k)),
            );
        }
        for (i, f) in self.custom_keys.iter().enumerate() {
            out.extend(
                f(c).into_iter()
                    .map(|k| SecondaryKey::new(&format!("dd_custom{i}"), &k)),
            );
        }
        out
    }
}

/// Indexes a detector's blocking keys in a store.
#[derive(Debug)]
struct BlockingIndexer {
    dedupe: Deduplicator,
}

impl KeyIndexer for BlockingIndexer {
    fn keys(&self, customer: &Customer, out: &mut Vec<SecondaryKey>) {
        let p = prepare::prepare(
            customer,
            &self.dedupe.normalizer,
            self.dedupe.region.as_deref(),
        );
        out.extend(self.dedupe.keys_of_prepared(&p, customer));
    }
}

/// Blocks of at most this many records are rare keys: `match_one` compares all their records.
const RARE_KEY_BLOCK: usize = 4;

/// How many other records `match_one` compares, best ranked first.
const RANKED_CANDIDATES: usize = 20;
