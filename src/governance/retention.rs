//! Retention: rules that purge archived customers, or drop fields of (or purge) customers
//! inactive too long, run as a job that reports what it removed. Purged values leave no
//! trace: the archive, the record (and so its index rows), the values in the audit history
//! and the merge provenance naming the customer all go in the same batch.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::archive::{ARCHIVE_NAMESPACE, scan_archived};
use super::audit::{self, AuditOp};
use super::handle::ActorStore;
use crate::access::Access;
use crate::error::{Error, Result};
use crate::model::{Activity, Customer, CustomerId, Field};
use crate::store::{Change, CustomerStore};

/// Which records a rule applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordClass {
    /// Deleted customers in the archive, by the time of their deletion.
    Archived,
    /// Live customers by their last activity: the latest of their last change, transaction and
    /// interaction.
    Inactive,
}

/// What a rule does to the records it applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RetentionAction {
    /// Removes the record and everything that names it.
    #[default]
    Purge,
    /// Clears the rule's `fields` (live customers only).
    DropFields,
}

/// One retention rule of the data-management policy.
///
/// ```
/// use clientele::governance::{RecordClass, RetentionAction, RetentionRule};
/// let rule = RetentionRule::purge("archive-3y", RecordClass::Archived, 3 * 365);
/// assert_eq!(rule.action, RetentionAction::Purge);
/// let drop = RetentionRule::drop_fields("idle-5y", 5 * 365, ["national_id", "birth_date"]);
/// assert_eq!(drop.fields.len(), 2);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionRule {
    /// The rule's name, for the report.
    pub name: String,
    /// Which records.
    pub applies_to: RecordClass,
    /// How old (days since deletion, or since last activity) a record must be.
    pub after_days: u32,
    /// What to do.
    #[serde(default)]
    pub action: RetentionAction,
    /// The fields a [`RetentionAction::DropFields`] rule clears.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<String>,
}

impl RetentionRule {
    /// A rule that purges records of `class` older than `after_days`.
    pub fn purge(name: impl Into<String>, class: RecordClass, after_days: u32) -> Self {
        Self {
            name: name.into(),
            applies_to: class,
            after_days,
            action: RetentionAction::Purge,
            fields: Vec::new(),
        }
    }

    /// A rule that clears `fields` of customers inactive for `after_days`.
    pub fn drop_fields<I, F>(name: impl Into<String>, after_days: u32, fields: I) -> Self
    where
        I: IntoIterator<Item = F>,
        F: Into<String>,
    {
        Self {
            name: name.into(),
            applies_to: RecordClass::Inactive,
            after_days,
            action: RetentionAction::DropFields,
            fields: fields.into_iter().map(Into::into).collect(),
        }
    }

    fn cutoff(&self, as_of: DateTime<Utc>) -> DateTime<Utc> {
        as_of - Duration::days(i64::from(self.after_days))
    }
}

/// What one rule removed.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RuleOutcome {
    /// The rule's name.
    pub rule: String,
    /// The customers it purged or cleared fields of.
    pub customers: Vec<CustomerId>,
    /// The fields it cleared (for a drop-fields rule).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<String>,
    /// Merge records scrubbed because they named a purged customer.
    pub merge_records_scrubbed: usize,
    /// Audit entries whose values were scrubbed.
    pub audit_entries_scrubbed: usize,
}

/// What a retention run removed, rule by rule.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RetentionReport {
    /// The run's date.
    pub as_of: DateTime<Utc>,
    /// One outcome per rule, in the order given.
    pub rules: Vec<RuleOutcome>,
}

/// The last time a customer did or had something done.
fn last_active(c: &Customer, a: &Activity) -> DateTime<Utc> {
    let t = a.transactions.iter().map(|t| t.at);
    let i = a.interactions.iter().map(|i| i.at);
    t.chain(i)
        .fold(c.updated_at.max(c.created_at), DateTime::max)
}

/// The record with the fields cleared, or `None` when none of them held anything.
fn cleared(c: &Customer, fields: &[Field]) -> Option<Customer> {
    let mut out = c.clone();
    for f in fields {
        match f {
            Field::BirthDate => out.birth_date = None,
            Field::Custom(name) => {
                out.custom.remove(name);
            }
            f => {
                let _ = f.set_texts::<&str>(&mut out, &[]);
            }
        }
    }
    (out != *c).then_some(out)
}

impl<S> ActorStore<S>
where
    S: CustomerStore,
    Error: From<S::Error>,
{
    /// Runs retention rules as of a date, each customer in its own all-or-nothing batch, and
    /// reports what went. The actor's role must write every field (an administrator's job).
    ///
    /// ```
    /// use chrono::{Duration, Utc};
    /// use clientele::access::{AccessPolicy, Actor};
    /// use clientele::governance::{ActorStore, RecordClass, RetentionRule, archived};
    /// use clientele::store::{CustomerStore, MemoryStore};
    /// use clientele::{Customer, CustomerId, CustomerKind};
    /// let store = ActorStore::new(MemoryStore::new(), AccessPolicy::default(), Actor::new("li", "admin"))?;
    /// let id = CustomerId::new("C1")?;
    /// store.insert(Customer::builder(id.clone(), CustomerKind::Person).phone("13912345678").build())?;
    /// store.delete(&id)?;
    /// let rules = [RetentionRule::purge("archive-90d", RecordClass::Archived, 90)];
    /// let report = store.run_retention(&rules, Utc::now() + Duration::days(91))?;
    /// assert_eq!(report.rules[0].customers, [id.clone()]);
    /// assert!(archived(store.inner(), &id)?.is_none());
    /// # Ok::<(), clientele::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::AccessDenied`] for a role that does not write every field;
    /// [`Error::InvalidSetting`] for a rule naming an unknown field; the store's errors (the
    /// customers purged before stay purged, and the run can be repeated).
    pub fn run_retention(
        &self,
        rules: &[RetentionRule],
        as_of: DateTime<Utc>,
    ) -> Result<RetentionReport> {
        let role = self.policy.role(&self.actor.role)?;
        if role.default < Access::Write
            || role.personal < Access::Write
            || role.fields.values().any(|a| *a < Access::Write)
        {
            return Err(Error::AccessDenied {
                actor: self.actor.name.clone(),
                role: self.actor.role.clone(),
                field: None,
                reason: "retention needs a role that writes every field".into(),
            });
        }
        let mut report = RetentionReport {
            as_of,
            rules: Vec::new(),
        };
        for rule in rules {
            let mut out = RuleOutcome {
                rule: rule.name.clone(),
                fields: rule.fields.clone(),
                ..RuleOutcome::default()
            };
            match (rule.applies_to, rule.action) {
                (RecordClass::Archived, _) => self.purge_archived(rule, as_of, &mut out)?,
                (RecordClass::Inactive, action) => {
                    self.sweep_inactive(rule, action, as_of, &mut out)?;
                }
            }
            report.rules.push(out);
        }
        Ok(report)
    }

    /// The scrub of everything that names a customer: audit values (of `fields`, or all) and
    /// merge provenance; and the purge's own audit entry.
    fn scrub(
        &self,
        id: &CustomerId,
        fields: &[Field],
        as_of: DateTime<Utc>,
        batch: &mut Vec<Change>,
        out: &mut RuleOutcome,
    ) -> Result<()> {
        let before = batch.len();
        audit::scrub_customer(&self.inner, id, fields, batch)?;
        out.audit_entries_scrubbed += batch.len() - before;
        for r in self.inner.merges_of(id)? {
            if r.erased_at.is_none() {
                batch.push(Change::PutMergeRecord(r.scrubbed(as_of)));
                out.merge_records_scrubbed += 1;
            }
        }
        let mut e = audit::AuditEntry::new((self.clock)(), &self.actor, AuditOp::Purge);
        e.customer = Some(id.clone());
        e.changes = fields
            .iter()
            .map(|f| audit::FieldChange {
                field: f.name().to_owned(),
                old: Vec::new(),
                new: Vec::new(),
            })
            .collect();
        e.scrubbed = true;
        audit::write(e, batch)
    }

    fn purge_archived(
        &self,
        rule: &RetentionRule,
        as_of: DateTime<Utc>,
        out: &mut RuleOutcome,
    ) -> Result<()> {
        let cutoff = rule.cutoff(as_of);
        let mut after: Option<CustomerId> = None;
        loop {
            let page = scan_archived(&self.inner, after.as_ref(), 256)?;
            let Some(last) = page.last() else {
                return Ok(());
            };
            after = Some(last.customer.id.clone());
            for a in page.into_iter().filter(|a| a.deleted_at <= cutoff) {
                let id = a.customer.id;
                let mut batch = vec![Change::DeleteDocument {
                    namespace: ARCHIVE_NAMESPACE.into(),
                    key: id.as_str().to_owned(),
                }];
                self.scrub(&id, &[], as_of, &mut batch, out)?;
                self.inner.apply(batch)?;
                out.customers.push(id);
            }
        }
    }

    fn sweep_inactive(
        &self,
        rule: &RetentionRule,
        action: RetentionAction,
        as_of: DateTime<Utc>,
        out: &mut RuleOutcome,
    ) -> Result<()> {
        let cutoff = rule.cutoff(as_of);
        let fields: Vec<Field> = rule.fields.iter().map(|f| Field::parse(f)).collect();
        let mut after: Option<CustomerId> = None;
        loop {
            let page = self.inner.scan(after.as_ref(), 512)?;
            let Some(last) = page.last() else {
                return Ok(());
            };
            after = Some(last.id.clone());
            let ids: Vec<CustomerId> = page.iter().map(|c| c.id.clone()).collect();
            let activity = self.inner.activity_many(&ids)?;
            for (c, a) in page.iter().zip(&activity) {
                if last_active(c, a) > cutoff || crate::privacy::is_erased(c) {
                    continue;
                }
                let mut batch = vec![Change::expect_with_activity(c, a)];
                match action {
                    RetentionAction::Purge => {
                        batch.push(Change::Delete(c.id.clone()));
                        self.scrub(&c.id, &[], as_of, &mut batch, out)?;
                    }
                    RetentionAction::DropFields => {
                        let Some(new) = cleared(c, &fields) else {
                            continue;
                        };
                        batch.push(Change::Put(new));
                        self.scrub(&c.id, &fields, as_of, &mut batch, out)?;
                    }
                }
                self.inner.apply(batch)?;
                out.customers.push(c.id.clone());
            }
        }
    }
}
