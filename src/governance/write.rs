//! The handle's writes: each change checked against the policy, views written back put
//! together with what they masked, expectations translated, archives and audit entries added.

use std::collections::{BTreeSet, HashMap};

use super::archive;
use super::audit::{self, AUDIT_BY_ACTOR_NAMESPACE, AUDIT_NAMESPACE, AuditEntry, AuditOp};
use super::handle::ActorStore;
use crate::access::Access;
use crate::error::{Error, Result};
use crate::model::{Activity, Customer, CustomerId};
use crate::privacy::is_erased;
use crate::store::{Change, CustomerStore, Expected, Fingerprint};

/// What the batch has done so far to the records it touches (raw, as stored).
#[derive(Default)]
struct Overlay {
    customers: HashMap<CustomerId, Option<Customer>>,
    /// Activity replaced by the batch (set, or emptied by a deletion).
    activity: HashMap<CustomerId, Activity>,
    /// Transactions and interactions the batch appends, after what is stored or replaced.
    added: HashMap<CustomerId, Activity>,
}

fn refused(index: usize, e: Error) -> Error {
    Error::BatchRefused {
        index,
        source: Box::new(e),
    }
}

/// Whether a namespace is written by the handle alone.
fn reserved(ns: &str) -> bool {
    ns == AUDIT_NAMESPACE || ns == AUDIT_BY_ACTOR_NAMESPACE || ns == archive::ARCHIVE_NAMESPACE
}

impl<S> ActorStore<S>
where
    S: CustomerStore,
    Error: From<S::Error>,
{
    fn denied(&self, field: Option<&str>, reason: &str) -> Error {
        Error::AccessDenied {
            actor: self.actor.name.clone(),
            role: self.actor.role.clone(),
            field: field.map(str::to_owned),
            reason: reason.to_owned(),
        }
    }

    fn current(&self, o: &Overlay, id: &CustomerId) -> Result<Option<Customer>> {
        match o.customers.get(id) {
            Some(c) => Ok(c.clone()),
            None => Ok(self.inner.get(id)?),
        }
    }

    fn current_activity(&self, o: &Overlay, id: &CustomerId) -> Result<Activity> {
        let mut a = match o.activity.get(id) {
            Some(a) => a.clone(),
            None => self.inner.activity(id)?,
        };
        if let Some(added) = o.added.get(id) {
            a.transactions.extend(added.transactions.iter().cloned());
            a.interactions.extend(added.interactions.iter().cloned());
        }
        Ok(a)
    }

    /// Refuses a change unless the role writes non-personal fields (activity, documents) and
    /// the record, when there is one, is in scope.
    fn may_write_activity(&self, o: &Overlay, id: &CustomerId) -> Result<()> {
        let role = self.policy.role(&self.actor.role)?;
        if role.default < Access::Write {
            return Err(self.denied(Some("activity"), "the role may not change it"));
        }
        if let Some(c) = self.current(o, id)?
            && !self.policy.in_scope(&self.actor, &c)?
        {
            return Err(self.denied(None, "the record is outside the role's scope"));
        }
        Ok(())
    }

    fn entry(&self, op: AuditOp) -> AuditEntry {
        AuditEntry::new((self.clock)(), &self.actor, op)
    }

    fn hash(&self) -> impl Fn(&str, &str) -> Option<String> + '_ {
        move |field, value| self.hasher.as_ref().and_then(|h| h(field, value))
    }

    /// The record as it will be written, checked, and its audit entry.
    fn record_write(&self, o: &Overlay, written: Customer) -> Result<(Customer, AuditEntry, bool)> {
        let before = self.current(o, &written.id)?;
        let after = match &before {
            Some(b) if !self.reads_all() => self.policy.unview(&self.actor, b, &written)?,
            _ => written,
        };
        self.policy
            .check_change(&self.actor, before.as_ref(), &after)?;
        let erasing = is_erased(&after) && !before.as_ref().is_some_and(is_erased);
        let op = match (&before, erasing) {
            (_, true) => AuditOp::Erase,
            (None, _) => AuditOp::Insert,
            (Some(_), _) => AuditOp::Update,
        };
        let mut e = self.entry(op);
        e.customer = Some(after.id.clone());
        e.changes = audit::diff(before.as_ref(), Some(&after), self.audit, &self.hash());
        if erasing {
            e = e.scrubbed();
        }
        Ok((after, e, erasing))
    }

    fn delete(
        &self,
        o: &Overlay,
        id: &CustomerId,
        unarchived: bool,
        out: &mut Vec<Change>,
    ) -> Result<AuditEntry> {
        let mut e = self.entry(AuditOp::Delete);
        e.customer = Some(id.clone());
        let Some(before) = self.current(o, id)? else {
            return Ok(e); // the store refuses it
        };
        let mut blank = Customer::builder(id.clone(), before.kind).build();
        blank.created_at = before.created_at;
        blank.updated_at = before.updated_at;
        self.policy
            .check_change(&self.actor, Some(&before), &blank)?;
        e.changes = audit::diff(Some(&before), None, self.audit, &self.hash());
        if !unarchived {
            let activity = self.current_activity(o, id)?;
            out.push(archive::archive_change(
                &before,
                &activity,
                e.at,
                &self.actor.name,
            )?);
        }
        Ok(e)
    }

    /// An expectation on what the caller read (a view) as one on what is stored.
    fn expectation(&self, o: &Overlay, id: &CustomerId, expected: Expected) -> Result<Change> {
        let raw = self.current(o, id)?;
        let seen = match &raw {
            Some(c) => self.see(std::borrow::Cow::Borrowed(c))?,
            None => None,
        };
        let (raw_act, seen_act) = if expected.needs_activity() && raw.is_some() {
            let a = self.current_activity(o, id)?;
            (Some(a.clone()), Some(self.see_activity(a)))
        } else {
            (None, None)
        };
        if !expected.holds(seen.as_ref(), seen_act.as_ref()) {
            return Err(Error::Conflict { id: id.clone() });
        }
        let expected = match (&raw, expected) {
            (_, Expected::Absent) | (None, _) => Expected::Absent,
            (Some(c), Expected::Record(_)) => Expected::Record(Fingerprint::record(c)),
            (Some(c), Expected::WithActivity(_)) => Expected::WithActivity(
                Fingerprint::with_activity(c, raw_act.as_ref().unwrap_or(&Activity::default())),
            ),
        };
        Ok(Change::Expect {
            customer: id.clone(),
            expected,
        })
    }

    fn merge_expectation(
        &self,
        merge: crate::model::MergeId,
        expected: Option<Fingerprint>,
    ) -> Result<Change> {
        let raw = self.inner.merge_record(&merge)?;
        let seen = CustomerStore::merge_record(self, &merge)?;
        if seen.as_ref().map(Fingerprint::merge) != expected {
            return Err(Error::MergeConflict {
                merge: merge.to_string(),
            });
        }
        Ok(Change::ExpectMerge {
            merge,
            expected: raw.as_ref().map(Fingerprint::merge),
        })
    }

    /// The batch the inner store applies: the caller's changes checked and translated, the
    /// archives of deleted records, and one audit entry per applied change.
    pub(super) fn checked(&self, changes: Vec<Change>) -> Result<Vec<Change>> {
        self.checked_with(changes, false)
    }

    /// [`ActorStore::checked`]; `internal` lets the handle's own jobs (restoring an archive,
    /// retention) write its reserved namespaces and delete without archiving.
    pub(super) fn checked_with(&self, changes: Vec<Change>, internal: bool) -> Result<Vec<Change>> {
        let absorbed: BTreeSet<CustomerId> = changes
            .iter()
            .filter_map(|c| match c {
                Change::InsertMergeRecord(r) | Change::PutMergeRecord(r) => Some(r),
                _ => None,
            })
            .flat_map(|r| r.absorbed.iter().cloned())
            .collect();
        let mut o = Overlay::default();
        let mut out = Vec::with_capacity(changes.len() * 3);
        let mut entries = Vec::with_capacity(changes.len());
        let mut erased = BTreeSet::new();
        for (index, change) in changes.into_iter().enumerate() {
            self.one(
                change,
                internal,
                &absorbed,
                &mut o,
                &mut out,
                &mut entries,
                &mut erased,
            )
            .map_err(|e| refused(index, e))?;
        }
        for id in &erased {
            audit::scrub_customer(&self.inner, id, &[], &mut out)?;
        }
        for e in entries {
            let e = match &e.customer {
                Some(c) if erased.contains(c) => e.scrubbed(),
                _ => e,
            };
            audit::write(e, &mut out)?;
        }
        Ok(out)
    }

    #[allow(clippy::too_many_arguments)]
    fn one(
        &self,
        change: Change,
        internal: bool,
        absorbed: &BTreeSet<CustomerId>,
        o: &mut Overlay,
        out: &mut Vec<Change>,
        entries: &mut Vec<AuditEntry>,
        erased: &mut BTreeSet<CustomerId>,
    ) -> Result<()> {
        match change {
            Change::Put(c) => {
                let (after, e, erasing) = self.record_write(o, c)?;
                if erasing {
                    erased.insert(after.id.clone());
                }
                entries.push(e);
                o.customers.insert(after.id.clone(), Some(after.clone()));
                out.push(Change::Put(after));
            }
            Change::Insert(c) => {
                let (after, mut e, _) = self.record_write(o, c)?;
                if internal {
                    e.op = AuditOp::Restore;
                }
                entries.push(e);
                o.customers.insert(after.id.clone(), Some(after.clone()));
                out.push(Change::Insert(after));
            }
            Change::Delete(id) => {
                entries.push(self.delete(o, &id, internal || absorbed.contains(&id), out)?);
                o.customers.insert(id.clone(), None);
                o.activity.insert(id.clone(), Activity::default());
                o.added.remove(&id);
                out.push(Change::Delete(id));
            }
            Change::AddTransaction(t) => {
                self.may_write_activity(o, &t.customer)?;
                let mut e = self.entry(AuditOp::AddTransaction);
                e.customer = Some(t.customer.clone());
                entries.push(e);
                o.added
                    .entry(t.customer.clone())
                    .or_default()
                    .transactions
                    .push(t.clone());
                out.push(Change::AddTransaction(t));
            }
            Change::AddInteraction(i) => {
                self.may_write_activity(o, &i.customer)?;
                let mut e = self.entry(AuditOp::AddInteraction);
                e.customer = Some(i.customer.clone());
                entries.push(e);
                o.added
                    .entry(i.customer.clone())
                    .or_default()
                    .interactions
                    .push(i.clone());
                out.push(Change::AddInteraction(i));
            }
            Change::SetActivity { customer, activity } => {
                self.may_write_activity(o, &customer)?;
                let mut e = self.entry(AuditOp::SetActivity);
                e.customer = Some(customer.clone());
                entries.push(e);
                o.activity.insert(customer.clone(), activity.clone());
                o.added.remove(&customer);
                out.push(Change::SetActivity { customer, activity });
            }
            c @ (Change::InsertMergeRecord(_)
            | Change::PutMergeRecord(_)
            | Change::DeleteMergeRecord(_)) => {
                let role = self.policy.role(&self.actor.role)?;
                if role.personal < Access::Write || role.default < Access::Write {
                    return Err(self.denied(Some("merge_record"), "the role may not change it"));
                }
                let mut e = self.entry(AuditOp::MergeRecord);
                match &c {
                    Change::InsertMergeRecord(r) | Change::PutMergeRecord(r) => {
                        e.merge = Some(r.id.clone());
                        e.customer = Some(r.survivor.clone());
                    }
                    Change::DeleteMergeRecord(id) => e.merge = Some(id.clone()),
                    _ => {}
                }
                entries.push(e);
                out.push(c);
            }
            c @ (Change::PutDocument(_) | Change::DeleteDocument { .. }) => {
                let (ns, key) = match &c {
                    Change::PutDocument(d) => (d.namespace.clone(), d.key.clone()),
                    Change::DeleteDocument { namespace, key } => (namespace.clone(), key.clone()),
                    _ => (String::new(), String::new()),
                };
                if internal {
                    out.push(c);
                    return Ok(());
                }
                if reserved(&ns) {
                    return Err(self.denied(None, "this namespace is written by the handle only"));
                }
                let role = self.policy.role(&self.actor.role)?;
                if role.default < Access::Write || !self.reads_all() {
                    return Err(self.denied(Some("document"), "the role may not change it"));
                }
                let mut e = self.entry(AuditOp::Document);
                e.document = Some(format!("{ns}/{key}"));
                entries.push(e);
                out.push(c);
            }
            Change::Expect { customer, expected } => {
                out.push(self.expectation(o, &customer, expected)?);
            }
            Change::ExpectMerge { merge, expected } => {
                out.push(self.merge_expectation(merge, expected)?);
            }
        }
        Ok(())
    }
}
