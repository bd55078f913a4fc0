//! Scoring given pairs with a trained model: candidate pairs made elsewhere (another engine's
//! blocking, a review tool) get the probability and explanation a run would give them.

use rayon::prelude::*;

use super::compare;
use super::compiled::Compiled;
use super::prepare::Prepared;
use super::{Deduplicator, ScoredPair, TrainedModel};
use crate::error::Error;
use crate::model::Customer;

/// The two records of a pair in the order a run compares them in: by layout key (the
/// order-free name words), then by id, as records are laid out (`layout::layout`). A pair's
/// pattern, term-frequency adjustments and explanation are those of that order.
pub(crate) fn oriented<'a>(a: &'a Prepared, b: &'a Prepared) -> (&'a Prepared, &'a Prepared) {
    let key = |p: &'a Prepared| (p.layout_key(), p.id.as_ref().map(|id| id.as_str()));
    if key(b) < key(a) { (b, a) } else { (a, b) }
}

/// A compared pair scored: its probability, weight and explanation, ids smaller first. The
/// batch run's scoring gives each pair the same numbers (one formula: [`TrainedModel::score`]
/// and [`TrainedModel::explain`]).
pub(crate) fn score_prepared(
    compiled: &Compiled,
    model: &TrainedModel,
    weights: &[Vec<f64>],
    (a, b): (&Prepared, &Prepared),
) -> Option<(ScoredPair, u32)> {
    let (a, b) = oriented(a, b);
    let code = compiled.code(a, b);
    let pattern = compiled.unpack(code);
    let identical = code & compare::IDENTICAL != 0;
    let weight = model.score(compiled, weights, &pattern, a);
    let (x, y) = (a.id.clone()?, b.id.clone()?);
    let (id_1, id_2) = if x <= y { (x, y) } else { (y, x) };
    let explanation = model.explain(compiled, &pattern, a, identical);
    Some((
        ScoredPair {
            id_1,
            id_2,
            probability: if identical {
                1.0
            } else {
                super::model::probability(weight)
            },
            match_weight: weight,
            explanation,
        },
        code,
    ))
}

impl Deduplicator {
    /// Scores one pair of records with a trained model: the probability, match weight and
    /// explanation [`Deduplicator::run_with_model`] gives the pair when it is a candidate
    /// (whichever record is given first), with the detector's normalization (its default
    /// region). The threshold and the evidence rule are not applied: they judge a run's
    /// pairs against each other and the record base.
    ///
    /// ```
    /// use clientele::dedupe::Deduplicator;
    /// use clientele::{Customer, CustomerId, CustomerKind};
    ///
    /// let person = |id: &str, name: &str, phone: &str| {
    ///     Customer::builder(CustomerId::new(id).unwrap(), CustomerKind::Person)
    ///         .full_name(name).phone(phone).build()
    /// };
    /// let records = vec![
    ///     person("A", "张伟", "+86 138 0013 8000"),
    ///     person("B", "張偉", "13800138000"),
    ///     person("C", "王芳", "+86 139 0000 1111"),
    /// ];
    /// let dedupe = Deduplicator::new().default_region("CN");
    /// let model = dedupe.train(&records)?;
    /// let pair = dedupe.score_pair(&model, &records[1], &records[0])?;
    /// assert_eq!((pair.id_1.as_str(), pair.id_2.as_str()), ("A", "B"));
    /// assert!(pair.probability > dedupe.score_pair(&model, &records[0], &records[2])?.probability);
    /// # Ok::<(), clientele::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidValue`] for the field `model` when the model was trained with other
    /// comparison levels than this version's (see [`Deduplicator::run_with_model`]).
    pub fn score_pair(
        &self,
        model: &TrainedModel,
        a: &Customer,
        b: &Customer,
    ) -> Result<ScoredPair, Error> {
        self.score_pairs(model, &[(a, b)])?
            .pop()
            .ok_or_else(|| Error::InvalidValue {
                field: "pairs".to_owned(),
                reason: "a pair could not be scored".to_owned(),
                masked: String::new(),
            })
    }

    /// Scores a batch of pairs (in parallel) as [`Deduplicator::score_pair`] does, in the
    /// order given.
    ///
    /// # Errors
    /// As [`Deduplicator::score_pair`].
    pub fn score_pairs(
        &self,
        model: &TrainedModel,
        pairs: &[(&Customer, &Customer)],
    ) -> Result<Vec<ScoredPair>, Error> {
        let compiled = model.compile()?;
        let weights = model.weights();
        Ok(pairs
            .par_iter()
            .filter_map(|(a, b)| {
                let (x, y) = (
                    self.prepare_one(a, &compiled),
                    self.prepare_one(b, &compiled),
                );
                score_prepared(&compiled, model, &weights, (&x, &y)).map(|s| s.0)
            })
            .collect())
    }
}
