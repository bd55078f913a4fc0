//! `match_one`: the likely duplicates of one record among a store's records, through the
//! store's secondary-key lookup, and the indexer of the blocking keys it looks up.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::compiled::{self, Compiled};
use super::prepare::{self, Prepared};
use super::{Deduplicator, TrainedModel, evidence, model};
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
        let ready = Ready::new(self, model)?;
        self.match_ready(customer, store, model, &ready)
    }

    /// A [`Matcher`]: this detector and `model` made ready once for many
    /// [`Matcher::match_one`] calls (a sign-up form, an import), which then skip what
    /// [`Deduplicator::match_one`] does on every call: checking the knobs and the
    /// configuration, compiling the model's comparisons and computing its weights.
    ///
    /// ```
    /// use clientele::dedupe::Deduplicator;
    /// use clientele::store::{CustomerStore, KeyIndexers, MemoryStore};
    /// use clientele::{Customer, CustomerId, CustomerKind};
    /// let person = |id: &str, name: &str, phone: &str| {
    ///     Customer::builder(CustomerId::new(id).unwrap(), CustomerKind::Person)
    ///         .full_name(name).phone(phone).build()
    /// };
    /// let dedupe = Deduplicator::new().default_region("CN");
    /// let stored = vec![person("C1", "张伟", "13800138000"), person("C2", "王芳", "13900001111")];
    /// let store = MemoryStore::with_indexers(KeyIndexers::contact().and(dedupe.indexer()));
    /// for c in &stored {
    ///     store.put(c.clone())?;
    /// }
    /// let matcher = dedupe.matcher(dedupe.train(&stored)?)?;
    /// let arriving = person("NEW", "张伟", "+86 138 0013 8000");
    /// let found = matcher.match_one(&arriving, &store)?;
    /// assert_eq!(found, dedupe.match_one(&arriving, &store, matcher.model())?);
    /// assert_eq!(found.first().map(|m| m.id.as_str()), Some("C1"));
    /// # Ok::<(), clientele::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Deduplicator::match_one`] before it reads the store: [`Error::InvalidValue`] for a
    /// knob out of range, or for the field `model` when the model has other comparison levels
    /// than this version's.
    pub fn matcher(&self, model: TrainedModel) -> Result<Matcher, Error> {
        let ready = Ready::new(self, &model)?;
        Ok(Matcher {
            dedupe: self.clone(),
            model,
            ready,
        })
    }

    /// [`Deduplicator::match_one`] with the model made ready.
    fn match_ready<S: CustomerStore + ?Sized>(
        &self,
        customer: &Customer,
        store: &S,
        model: &TrainedModel,
        ready: &Ready,
    ) -> Result<Vec<Match>, Error> {
        let Ready { compiled, weights } = ready;
        let storage = |e: S::Error| Error::storage("match_one: reading the store", e);
        let p = self.prepared(customer, compiled);
        let candidates = self.candidates(&p, customer, store).map_err(storage)?;
        let mut out = Vec::new();
        // Lent, not copied: each candidate is prepared from the store's own record.
        store
            .get_many_with(&candidates, &mut |i, other| {
                let Some(id) = candidates.get(i) else {
                    return;
                };
                if (other.kind == CustomerKind::Company) != p.company {
                    return;
                }
                let q = self.prepared(&other, compiled);
                let (p, q) = (&*p, &*q);
                let pattern = compiled.compare(p, q);
                let w = model.score(compiled, weights, &pattern, p);
                let identical = p.identical(q);
                let prob = if identical {
                    1.0
                } else {
                    model::probability(w)
                };
                let judged = evidence::Common::none();
                if prob >= self.threshold
                    && judged.has_evidence(compiled, (p, q), &pattern, identical)
                {
                    out.push(Match {
                        id: id.clone(),
                        probability: prob,
                        match_weight: w,
                    });
                }
            })
            .map_err(storage)?;
        out.sort_by(|a, b| {
            b.probability
                .total_cmp(&a.probability)
                .then_with(|| a.id.cmp(&b.id))
        });
        Ok(out)
    }

    /// The records `match_one` compares with a prepared record: those sharing a rare key (a
    /// phone, an email: blocks of a few records), always; and of the others, the best
    /// [`RANKED_CANDIDATES`] ranked by the keys they share, each key counting the more the
    /// smaller its block (sharing a birth date with 40 people says less than sharing a postcode
    /// and initial with 3), as the batch run walks large blocks in sorted neighbourhoods
    /// rather than comparing all their pairs.
    ///
    /// Blocks are sized first ([`CustomerStore::key_counts`]): those over `max_block` are
    /// never read, and the others are read smallest first, stopping once what the larger
    /// blocks still to read could add to a record lifts no record not seen yet, and at most
    /// [`MAX_CONTENDERS`] seen, to the score of the last of the best so far: those contenders
    /// are then all compared, so every record a full reading would choose is.
    fn candidates<S: CustomerStore + ?Sized>(
        &self,
        p: &Prepared,
        customer: &Customer,
        store: &S,
    ) -> Result<Vec<CustomerId>, S::Error> {
        let keys = self.keys_of_prepared(p, customer);
        let counts = store.key_counts(&keys, self.max_block.saturating_add(1))?;
        let mut blocks: Vec<(usize, &SecondaryKey)> = counts
            .into_iter()
            .zip(&keys)
            .filter(|(n, _)| (1..=self.max_block).contains(n))
            .collect();
        blocks.sort_unstable();
        blocks.dedup_by(|a, b| a.1 == b.1);
        // What the blocks from each position on could still add to a record's score.
        let mut rest = vec![0.0; blocks.len() + 1];
        for (i, (n, _)) in blocks.iter().enumerate().rev() {
            let after = rest.get(i + 1).copied().unwrap_or(0.0);
            if let Some(r) = rest.get_mut(i) {
                *r = after + 1.0 / *n as f64;
            }
        }
        let mut rare: Vec<CustomerId> = Vec::new();
        // Hashed, not ordered: a few thousand ids at most, and the ranking below sorts them.
        // Each record's score, and whether it is in a rare block (marked here, so that ranking
        // never compares ids with the rare ones).
        let mut score: crate::hashing::IntMap<CustomerId, (f64, bool)> = Default::default();
        // The small blocks are read in one call; the larger ones one by one, while they can
        // still change the ranking.
        let first = blocks
            .iter()
            .take_while(|(n, _)| *n <= SMALL_BLOCK)
            .count()
            .max(1);
        let (mut at, mut take) = (0, RANKED_CANDIDATES);
        while at < blocks.len() {
            let upto = if at == 0 { first } else { at + 1 };
            let chunk = blocks.get(at..upto.min(blocks.len())).unwrap_or(&[]);
            let wanted: Vec<SecondaryKey> = chunk.iter().map(|(_, k)| (*k).clone()).collect();
            let limit = self.max_block.saturating_add(1);
            // The store's ids are lent: one is copied only the first time it is seen.
            store.lookup_many_with(&wanted, limit, &mut |i, id| {
                let Some((n, _)) = chunk.get(i) else {
                    return;
                };
                if *id == customer.id {
                    return;
                }
                let is_rare = *n <= RARE_KEY_BLOCK;
                if is_rare {
                    rare.push(id.clone());
                }
                let weight = 1.0 / (*n).max(1) as f64;
                match score.get_mut(id) {
                    Some((w, r)) => {
                        *w += weight;
                        *r |= is_rare;
                    }
                    None => {
                        score.insert(id.clone(), (weight, is_rare));
                    }
                }
            })?;
            at = upto;
            let left = rest.get(at).copied().unwrap_or(0.0);
            if left > 0.0
                && let Some(n) = settled(&score, left)
            {
                take = n;
                break;
            }
        }
        rare.sort_unstable();
        rare.dedup();
        let mut others: Vec<(f64, CustomerId)> = score
            .into_iter()
            .filter(|(_, (_, is_rare))| !is_rare)
            .map(|(id, (w, _))| (w, id))
            .collect();
        let best_first = |a: &(f64, CustomerId), b: &(f64, CustomerId)| {
            b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1))
        };
        if others.len() > take {
            others.select_nth_unstable_by(take, best_first);
            others.truncate(take);
        }
        others.sort_unstable_by(best_first);
        rare.extend(others.into_iter().map(|(_, id)| id));
        Ok(rare)
    }

    /// A record prepared as [`Deduplicator::prepare_one`] prepares it: from the table of
    /// prepared records when it serves this detector and the model compares no custom fields
    /// (see `features`), else afresh.
    fn prepared(&self, c: &Customer, compiled: &Compiled) -> PreparedRef {
        if compiled.fields().is_empty() && self.features.serves(self.region.as_deref()) {
            PreparedRef::Shared(self.features.prepared(c, &self.normalizer))
        } else {
            PreparedRef::Own(Box::new(self.prepare_one(c, compiled)))
        }
    }

    fn keys_of_prepared(&self, p: &Prepared, c: &Customer) -> Vec<SecondaryKey> {
        let mut out = Vec::new();
        let mut keys = Vec::new();
        for rule in &self.config.blocking {
            keys.clear();
            compiled::blocking_keys(rule, p, c, &self.normalizer, &mut keys);
            let name = format!("dd_{}", rule.name());
            out.extend(keys.iter().map(|k| SecondaryKey::new(&name, k)));
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
        let d = &self.dedupe;
        let p = if d.features.serves(d.region.as_deref()) {
            d.features.prepared(customer, &d.normalizer)
        } else {
            Arc::new(prepare::prepare(
                customer,
                &d.normalizer,
                d.region.as_deref(),
            ))
        };
        out.extend(d.keys_of_prepared(&p, customer));
    }
}

/// When the blocks not read yet (which could add at most `left` to a record's score) can no
/// longer change which records rank among the best [`RANKED_CANDIDATES`] of a full reading,
/// how many of the best seen so far (other than those of rare keys) hold them all: every
/// record whose score plus `left` reaches the score of the last of the best so far, when that
/// is at most [`MAX_CONTENDERS`] records and no record not seen yet can reach it.
fn settled(score: &crate::hashing::IntMap<CustomerId, (f64, bool)>, left: f64) -> Option<usize> {
    let mut scores: Vec<f64> = score
        .values()
        .filter(|(_, is_rare)| !is_rare)
        .map(|(w, _)| *w)
        .collect();
    if scores.len() < RANKED_CANDIDATES {
        return None;
    }
    let desc = |a: &f64, b: &f64| b.total_cmp(a);
    let (_, last, _) = scores.select_nth_unstable_by(RANKED_CANDIDATES - 1, desc);
    let last = *last;
    if left >= last {
        return None;
    }
    let contenders = scores.iter().filter(|w| **w + left >= last).count();
    (contenders <= MAX_CONTENDERS).then_some(contenders)
}

/// The most records `match_one` compares when it stops reading blocks early (see
/// `settled`), beside those of rare keys.
const MAX_CONTENDERS: usize = RANKED_CANDIDATES * 3 / 2;

/// Blocks of at most this many records are read in `match_one`'s first call to the store;
/// larger ones one by one, smallest first, while they can still change the ranking.
const SMALL_BLOCK: usize = 64;

/// Blocks of at most this many records are rare keys: `match_one` compares all their records.
const RARE_KEY_BLOCK: usize = 4;

/// How many other records `match_one` compares, best ranked first.
const RANKED_CANDIDATES: usize = 20;

/// A prepared record, shared with the table of prepared records or made for one call.
enum PreparedRef {
    Shared(Arc<Prepared>),
    Own(Box<Prepared>),
}

impl std::ops::Deref for PreparedRef {
    type Target = Prepared;

    fn deref(&self) -> &Prepared {
        match self {
            Self::Shared(p) => p,
            Self::Own(p) => p,
        }
    }
}

/// A detector and a trained model made ready for [`Matcher::match_one`]
/// ([`Deduplicator::matcher`]). Cheap to share between threads (`&Matcher` is `Sync`).
#[derive(Debug, Clone)]
pub struct Matcher {
    dedupe: Deduplicator,
    model: TrainedModel,
    ready: Ready,
}

impl Matcher {
    /// [`Deduplicator::match_one`] of `customer` in `store` with the matcher's detector and
    /// model: the same matches, without making the model ready again.
    ///
    /// # Errors
    /// The store's errors, as [`Error::Storage`].
    pub fn match_one<S: CustomerStore + ?Sized>(
        &self,
        customer: &Customer,
        store: &S,
    ) -> Result<Vec<Match>, Error> {
        self.dedupe
            .match_ready(customer, store, &self.model, &self.ready)
    }

    /// The detector.
    pub fn detector(&self) -> &Deduplicator {
        &self.dedupe
    }

    /// The trained model.
    pub fn model(&self) -> &TrainedModel {
        &self.model
    }
}

/// What `match_one` needs of a model beside it, checked against the detector: its compiled
/// comparisons and its level weights.
#[derive(Debug, Clone)]
struct Ready {
    compiled: Compiled,
    weights: Vec<Vec<f64>>,
}

impl Ready {
    fn new(dedupe: &Deduplicator, model: &TrainedModel) -> Result<Self, Error> {
        dedupe.check_knobs()?;
        let compiled = model.compile()?;
        // The detector's blocking rules are checked with its configuration.
        Compiled::new(&dedupe.config)?;
        Ok(Self {
            compiled,
            weights: model.weights(),
        })
    }
}

#[cfg(test)]
mod tests {
    /// What [`super::Matcher`]'s documentation promises: threads share one.
    #[test]
    fn a_matcher_is_shared_between_threads() {
        fn shared<T: Send + Sync>() {}
        shared::<super::Matcher>();
    }
}
