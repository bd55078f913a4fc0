//! A caller's batch of plain changes turned into the inner store's batch of sealed ones.
//!
//! Writes are sealed one for one, so positions in the batch (and in its refusals) stay the
//! same. Expectations state fingerprints of plain records, while the inner store holds sealed
//! ones (sealed with fresh nonces, so no plain fingerprint ever equals a sealed one): each is
//! checked here against the plain state at its point of the batch (the inner store's state
//! before the batch, changed by the batch's earlier writes) and, when it holds, replaced by an
//! expectation of the sealed state it was checked against, which the inner store checks again
//! inside the batch. A write by someone else in between makes the inner check fail; the caller
//! (`EncryptedStore::apply`) then translates again from the new state.

use std::collections::{BTreeSet, HashMap};

use super::codec::{Codec, with_blind_keys};
use super::ring::Ring;
use crate::error::{Error, Result};
use crate::model::{Activity, Customer, CustomerId, MergeId, MergeRecord};
use crate::store::{Change, CustomerStore, Expected, Fingerprint, KeyIndexer};

/// The reserved namespace of the encrypted store's own state.
pub(crate) const NAMESPACE: &str = "clientele.encryption";

/// The inner batch, and the positions of the expectations that held when translated (a
/// conflict refused at one of them is worth a retry).
pub(crate) struct Translated {
    pub(crate) changes: Vec<Change>,
    pub(crate) held: BTreeSet<usize>,
}

/// Whether the inner store's refusal is a conflict at an expectation that held when
/// translated (`held`): the state moved under the batch, and translating again may succeed.
pub(crate) fn retryable(held: &BTreeSet<usize>, e: &Error) -> bool {
    match e {
        Error::BatchRefused { index, source } => {
            held.contains(index)
                && matches!(
                    source.refusal(),
                    Error::Conflict { .. } | Error::MergeConflict { .. }
                )
        }
        _ => false,
    }
}

/// The sealed state the batch's expectations need, as the inner store holds it now, updated
/// change by change.
#[derive(Default)]
struct Overlay {
    customers: HashMap<CustomerId, Option<Customer>>,
    activity: HashMap<CustomerId, Activity>,
    merges: HashMap<MergeId, Option<MergeRecord>>,
}

impl Overlay {
    fn load<S>(inner: &S, changes: &[Change]) -> Result<Self>
    where
        S: CustomerStore,
        Error: From<S::Error>,
    {
        let mut ids = BTreeSet::new();
        let mut with_activity = BTreeSet::new();
        let mut merges = BTreeSet::new();
        for c in changes {
            match c {
                Change::Expect { customer, expected } => {
                    ids.insert(customer.clone());
                    if expected.needs_activity() {
                        with_activity.insert(customer.clone());
                    }
                }
                Change::ExpectMerge { merge, .. } => {
                    merges.insert(merge.clone());
                }
                _ => {}
            }
        }
        let mut o = Self::default();
        let ids: Vec<CustomerId> = ids.into_iter().collect();
        for (id, c) in ids.iter().zip(inner.get_many(&ids)?) {
            o.customers.insert(id.clone(), c);
        }
        let ids: Vec<CustomerId> = with_activity.into_iter().collect();
        for (id, a) in ids.iter().zip(inner.activity_many(&ids)?) {
            o.activity.insert(id.clone(), a);
        }
        for id in merges {
            let r = inner.merge_record(&id)?;
            o.merges.insert(id, r);
        }
        Ok(o)
    }

    fn set_customer(&mut self, id: &CustomerId, c: Option<&Customer>) {
        if let Some(slot) = self.customers.get_mut(id) {
            *slot = c.cloned();
        }
    }

    fn activity_mut(&mut self, id: &CustomerId) -> Option<&mut Activity> {
        self.activity.get_mut(id)
    }

    fn set_merge(&mut self, id: &MergeId, r: Option<&MergeRecord>) {
        if let Some(slot) = self.merges.get_mut(id) {
            *slot = r.cloned();
        }
    }
}

fn reserved_namespace(index: usize, namespace: &str) -> Result<()> {
    if namespace == NAMESPACE {
        Err(Error::BatchRefused {
            index,
            source: Box::new(Error::InvalidValue {
                field: "document".to_owned(),
                reason: format!("the namespace `{NAMESPACE}` is reserved by the encrypted store"),
                masked: String::new(),
            }),
        })
    } else {
        Ok(())
    }
}

/// What the translation needs besides the batch.
pub(crate) struct Context<'a, S> {
    pub(crate) inner: &'a S,
    pub(crate) ring: &'a Ring,
    pub(crate) codec: &'a Codec,
    pub(crate) indexer: &'a dyn KeyIndexer,
}

impl<S> Context<'_, S>
where
    S: CustomerStore,
    Error: From<S::Error>,
{
    fn seal_record(&self, index: usize, c: &Customer) -> Result<Customer> {
        self.codec.check_plain(c).map_err(|e| Error::BatchRefused {
            index,
            source: Box::new(e),
        })?;
        let sealed = self.codec.seal_customer(c, self.ring)?;
        Ok(with_blind_keys(
            sealed,
            c,
            self.indexer,
            &self.ring.current.blind,
        ))
    }

    /// Translates the batch.
    pub(crate) fn translate(&self, changes: &[Change]) -> Result<Translated> {
        let mut o = Overlay::load(self.inner, changes)?;
        let mut out = Vec::with_capacity(changes.len());
        let mut held = BTreeSet::new();
        for (index, change) in changes.iter().enumerate() {
            let t = match change {
                Change::Put(c) | Change::Insert(c) => {
                    let sealed = self.seal_record(index, c)?;
                    o.set_customer(&c.id, Some(&sealed));
                    if matches!(change, Change::Put(_)) {
                        Change::Put(sealed)
                    } else {
                        Change::Insert(sealed)
                    }
                }
                Change::Delete(id) => {
                    o.set_customer(id, None);
                    if let Some(a) = o.activity_mut(id) {
                        *a = Activity::default();
                    }
                    Change::Delete(id.clone())
                }
                Change::AddTransaction(t) => {
                    let sealed = self.codec.seal_transaction(t, self.ring)?;
                    if let Some(a) = o.activity_mut(&t.customer) {
                        a.transactions.push(sealed.clone());
                    }
                    Change::AddTransaction(sealed)
                }
                Change::AddInteraction(i) => {
                    let sealed = self.codec.seal_interaction(i, self.ring)?;
                    if let Some(a) = o.activity_mut(&i.customer) {
                        a.interactions.push(sealed.clone());
                    }
                    Change::AddInteraction(sealed)
                }
                Change::SetActivity { customer, activity } => {
                    let sealed = self.codec.seal_activity(activity, self.ring)?;
                    if let Some(a) = o.activity_mut(customer) {
                        *a = sealed.clone();
                    }
                    Change::SetActivity {
                        customer: customer.clone(),
                        activity: sealed,
                    }
                }
                Change::InsertMergeRecord(r) | Change::PutMergeRecord(r) => {
                    let sealed = self.codec.seal_merge(r, self.ring)?;
                    o.set_merge(&r.id, Some(&sealed));
                    if matches!(change, Change::InsertMergeRecord(_)) {
                        Change::InsertMergeRecord(sealed)
                    } else {
                        Change::PutMergeRecord(sealed)
                    }
                }
                Change::DeleteMergeRecord(id) => {
                    o.set_merge(id, None);
                    Change::DeleteMergeRecord(id.clone())
                }
                Change::PutDocument(d) => {
                    reserved_namespace(index, &d.namespace)?;
                    Change::PutDocument(self.codec.seal_document(d, self.ring)?)
                }
                Change::DeleteDocument { namespace, .. } => {
                    reserved_namespace(index, namespace)?;
                    change.clone()
                }
                Change::Expect { customer, expected } => {
                    let (t, ok) = self.expect(&o, customer, expected)?;
                    if ok {
                        held.insert(index);
                    }
                    t
                }
                Change::ExpectMerge { merge, expected } => {
                    let now = o.merges.get(merge).cloned().flatten();
                    let plain = now
                        .as_ref()
                        .map(|r| self.codec.open_merge(r, self.ring))
                        .transpose()?;
                    if plain.as_ref().map(Fingerprint::merge) == *expected {
                        held.insert(index);
                        Change::ExpectMerge {
                            merge: merge.clone(),
                            expected: now.as_ref().map(Fingerprint::merge),
                        }
                    } else {
                        change.clone()
                    }
                }
            };
            out.push(t);
        }
        Ok(Translated { changes: out, held })
    }

    /// A customer expectation: the sealed one when the plain one holds (and `true`), else the
    /// plain one as given, which the inner store refuses at the same position.
    fn expect(
        &self,
        o: &Overlay,
        customer: &CustomerId,
        expected: &Expected,
    ) -> Result<(Change, bool)> {
        let now = o.customers.get(customer).cloned().flatten();
        let activity = o.activity.get(customer);
        let plain = now
            .as_ref()
            .map(|c| self.codec.open_customer(c, self.ring))
            .transpose()?;
        let plain_activity = activity
            .map(|a| self.codec.open_activity(a, self.ring))
            .transpose()?;
        if !expected.holds(plain.as_ref(), plain_activity.as_ref()) {
            return Ok((
                Change::Expect {
                    customer: customer.clone(),
                    expected: *expected,
                },
                false,
            ));
        }
        let sealed = match (expected, &now) {
            (Expected::Record(_), Some(c)) => Expected::Record(Fingerprint::record(c)),
            (Expected::WithActivity(_), Some(c)) => {
                let empty = Activity::default();
                Expected::WithActivity(Fingerprint::with_activity(c, activity.unwrap_or(&empty)))
            }
            (other, _) => *other,
        };
        Ok((
            Change::Expect {
                customer: customer.clone(),
                expected: sealed,
            },
            true,
        ))
    }
}
