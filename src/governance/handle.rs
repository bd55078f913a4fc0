//! [`ActorStore`]: a store as one actor sees it under an access policy.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::audit::{AUDIT_BY_ACTOR_NAMESPACE, AUDIT_NAMESPACE, AuditValues};
use crate::access::{Access, AccessPolicy, Actor};
use crate::error::{Error, Result};
use crate::model::{Activity, Customer, CustomerId, MergeId, MergeRecord, mask_value};
use crate::store::{CustomerStore, Document, FeedEntry, KeyIndexer, SecondaryKey};

/// A clock: the time an audit entry records.
pub(super) type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;
/// A keyed hash of a field's value, for [`AuditValues::Hashed`].
pub(super) type Hasher = Arc<dyn Fn(&str, &str) -> Option<String> + Send + Sync>;

/// A store handle that acts as one actor under an [`AccessPolicy`], and is itself a
/// [`CustomerStore`], so every part of the crate (segments, reports, exports, duplicate
/// explanations, the importer) works through it and honours the same rules:
///
/// - **reads** return [`AccessPolicy::view`]s: fields of access `none` hidden, `masked` ones
///   masked; records outside the role's scope are not found (`get` gives `None`, scans and
///   lookups leave them out); merge provenance shows viewed snapshots, and documents that may
///   hold personal values (the review queue, archives) are shown only to roles that read every
///   personal field;
/// - **writes** are checked change by change before anything is written: a change to a field
///   the role may not write is refused with [`Error::AccessDenied`] naming the field, and
///   nothing of the batch is written. A view written back stands for the stored values it
///   masked ([`AccessPolicy::unview`]), and expectations ([`Change::Expect`]) are checked
///   against the view the caller read;
/// - every applied change gets one [`AuditEntry`](super::AuditEntry) in the same
///   all-or-nothing batch: who, when, which record, which fields, old and new values kept as
///   the policy says ([`AuditValues`]);
/// - deleting a customer archives it (restorable with [`ActorStore::restore_archived`] until a
///   retention rule purges it), and erasing one ([`crate::privacy::erase_customer`] through the
///   handle) scrubs the values of its audit history too.
///
/// ```
/// use clientele::access::{AccessPolicy, Actor};
/// use clientele::governance::ActorStore;
/// use clientele::store::{CustomerStore, MemoryStore};
/// use clientele::{Customer, CustomerId, CustomerKind, Error};
/// let shared = std::sync::Arc::new(MemoryStore::new());
/// let admin = ActorStore::new(shared.clone(), AccessPolicy::default(), Actor::new("li", "admin"))?;
/// let id = CustomerId::new("C1")?;
/// admin.insert(Customer::builder(id.clone(), CustomerKind::Person).phone("13912345678").build())?;
/// let viewer = ActorStore::new(shared, AccessPolicy::default(), Actor::new("ann", "viewer"))?;
/// assert_eq!(viewer.get(&id)?.unwrap().phones[0].number, "139****5678");
/// let mut c = viewer.get(&id)?.unwrap();
/// c.tags.insert("vip".into());
/// let refused = viewer.put(c).unwrap_err();
/// assert!(matches!(refused.refusal(), Error::AccessDenied { .. }));
/// # Ok::<(), clientele::Error>(())
/// ```
///
/// [`Change::Expect`]: crate::store::Change::Expect
pub struct ActorStore<S> {
    pub(super) inner: S,
    pub(super) policy: Arc<AccessPolicy>,
    pub(super) actor: Actor,
    pub(super) audit: AuditValues,
    pub(super) clock: Clock,
    pub(super) hasher: Option<Hasher>,
    /// The role's restrictions, worked out once.
    pub(super) restrictions: crate::access::Restrictions,
}

impl<S: fmt::Debug> fmt::Debug for ActorStore<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ActorStore")
            .field("inner", &self.inner)
            .field("actor", &self.actor.name)
            .field("role", &self.actor.role)
            .field("audit", &self.audit)
            .finish_non_exhaustive()
    }
}

/// Documents any role may read: the audit history holds no full personal value.
fn public_namespace(ns: &str) -> bool {
    ns == AUDIT_NAMESPACE || ns == AUDIT_BY_ACTOR_NAMESPACE
}

impl<S> ActorStore<S>
where
    S: CustomerStore,
    Error: From<S::Error>,
{
    /// A handle on `inner` acting as `actor` under `policy` (checked here), auditing with masked
    /// values and the system clock.
    ///
    /// # Errors
    /// [`Error::InvalidSetting`] for a policy that fails [`AccessPolicy::check`] or an actor
    /// whose role it does not have.
    pub fn new(inner: S, policy: impl Into<Arc<AccessPolicy>>, actor: Actor) -> Result<Self> {
        let policy = policy.into();
        policy.check()?;
        let restrictions = policy.restrictions(&actor.role)?;
        Ok(Self {
            inner,
            policy,
            actor,
            audit: AuditValues::Masked,
            clock: Arc::new(Utc::now),
            hasher: None,
            restrictions,
        })
    }

    /// How audit entries keep personal values (masked by default).
    ///
    /// # Errors
    /// [`Error::InvalidSetting`] for [`AuditValues::Hashed`] without a key
    /// (see `ActorStore::audit_key`, feature `encryption`).
    pub fn audit_values(mut self, mode: AuditValues) -> Result<Self> {
        if mode == AuditValues::Hashed && self.hasher.is_none() {
            return Err(Error::InvalidSetting {
                setting: "audit.values".into(),
                reason: "hashed audit values need a key (ActorStore::audit_key)".into(),
                value: "hashed".into(),
            });
        }
        self.audit = mode;
        Ok(self)
    }

    /// The key that hashes audit values ([`AuditValues::Hashed`], which this selects): a keyed
    /// blind index (HMAC-SHA-256) of each value.
    #[cfg(feature = "encryption")]
    #[cfg_attr(docsrs, doc(cfg(feature = "encryption")))]
    pub fn audit_key(mut self, key: &crate::crypto::Key) -> Self {
        let blind = crate::crypto::BlindIndex::new(key);
        self.hasher = Some(Arc::new(move |field, value| {
            Some(blind.blind(&format!("audit.{field}"), value))
        }));
        self.audit = AuditValues::Hashed;
        self
    }

    /// The clock audit entries and archives read (the system clock by default).
    pub fn clock(mut self, clock: impl Fn() -> DateTime<Utc> + Send + Sync + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// The actor.
    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    /// The policy.
    pub fn policy(&self) -> &AccessPolicy {
        &self.policy
    }

    /// The store underneath, unchecked (for the application's own trusted jobs, and for reading
    /// the audit history).
    pub fn inner(&self) -> &S {
        &self.inner
    }

    /// What the actor sees of a stored record, or `None` when it is outside the scope: a lent
    /// record is copied only as far as the role sees it, a given one is moved into its view.
    pub(super) fn see(&self, c: Cow<'_, Customer>) -> Result<Option<Customer>> {
        if !self.policy.in_scope(&self.actor, &c)? {
            return Ok(None);
        }
        Ok(Some(match c {
            Cow::Owned(c) if self.reads_all() => c,
            Cow::Borrowed(c) if self.reads_all() => c.clone(),
            Cow::Owned(c) => self.restrictions.apply_owned(c),
            Cow::Borrowed(c) => self.restrictions.apply(c),
        }))
    }

    /// Whether the role reads every field in full: views are then the records themselves.
    pub(super) fn reads_all(&self) -> bool {
        self.restrictions.reads_all()
    }

    /// Free text of activity (references, notes) as the role's personal access shows it.
    pub(super) fn see_activity(&self, mut a: Activity) -> Activity {
        if self.reads_all() {
            return a;
        }
        let access = self
            .policy
            .role(&self.actor.role)
            .map_or(Access::None, |r| r.personal);
        let shown = |v: &mut Option<String>| match access {
            Access::Read | Access::Write => {}
            Access::Masked => *v = v.as_deref().map(mask_value),
            Access::None => *v = None,
        };
        a.transactions
            .iter_mut()
            .for_each(|t| shown(&mut t.reference));
        a.interactions.iter_mut().for_each(|i| shown(&mut i.note));
        a
    }

    fn see_merge(&self, mut r: MergeRecord) -> Result<MergeRecord> {
        if self.reads_all() {
            return Ok(r);
        }
        for snap in r.before.iter_mut().chain(r.after.iter_mut()) {
            snap.customer = self.restrictions.apply(&snap.customer);
            snap.activity = self.see_activity(std::mem::take(&mut snap.activity));
        }
        r.discarded.clear();
        Ok(r)
    }

    fn see_all(&self, found: Vec<Option<Customer>>) -> Result<Vec<Option<Customer>>> {
        found
            .into_iter()
            .map(|c| c.map_or(Ok(None), |c| self.see(Cow::Owned(c))))
            .collect()
    }

    /// Ids left after dropping records outside the scope.
    fn scoped(&self, ids: Vec<CustomerId>) -> Result<Vec<CustomerId>> {
        if self.policy.role(&self.actor.role)?.scope == crate::access::Scope::All {
            return Ok(ids);
        }
        let found = self.inner.get_many(&ids)?;
        let mut out = Vec::with_capacity(ids.len());
        for (id, c) in ids.into_iter().zip(found) {
            if let Some(c) = c
                && self.policy.in_scope(&self.actor, &c)?
            {
                out.push(id);
            }
        }
        Ok(out)
    }
}

impl<S> CustomerStore for ActorStore<S>
where
    S: CustomerStore,
    Error: From<S::Error>,
{
    type Error = Error;

    fn get(&self, id: &CustomerId) -> Result<Option<Customer>> {
        let mut seen = Ok(None);
        self.inner.get_with(id, &mut |c| seen = self.see(c))?;
        seen
    }

    fn get_many(&self, ids: &[CustomerId]) -> Result<Vec<Option<Customer>>> {
        let found = self.inner.get_many(ids)?;
        self.see_all(found)
    }

    fn scan(&self, after: Option<&CustomerId>, limit: usize) -> Result<Vec<Customer>> {
        let mut out = Vec::new();
        let mut cursor = after.cloned();
        while out.len() < limit.max(1) {
            let page = self.inner.scan(cursor.as_ref(), limit.max(1))?;
            let Some(last) = page.last() else { break };
            cursor = Some(last.id.clone());
            let full = page.len() >= limit.max(1);
            for c in page {
                if out.len() < limit
                    && let Some(v) = self.see(Cow::Owned(c))?
                {
                    out.push(v);
                }
            }
            if !full {
                break;
            }
        }
        Ok(out)
    }

    fn lookup(&self, key: &SecondaryKey) -> Result<Vec<CustomerId>> {
        let ids = self.inner.lookup(key)?;
        self.scoped(ids)
    }

    fn lookup_many(&self, keys: &[SecondaryKey], limit: usize) -> Result<Vec<Vec<CustomerId>>> {
        self.inner
            .lookup_many(keys, limit)?
            .into_iter()
            .map(|ids| self.scoped(ids))
            .collect()
    }

    fn activity(&self, id: &CustomerId) -> Result<Activity> {
        match self.inner.get(id)? {
            Some(c) if self.policy.in_scope(&self.actor, &c)? => {
                Ok(self.see_activity(self.inner.activity(id)?))
            }
            _ => Ok(Activity::default()),
        }
    }

    fn activity_many(&self, ids: &[CustomerId]) -> Result<Vec<Activity>> {
        let visible: std::collections::HashSet<CustomerId> =
            self.scoped(ids.to_vec())?.into_iter().collect();
        let all = self.inner.activity_many(ids)?;
        Ok(ids
            .iter()
            .zip(all)
            .map(|(id, a)| {
                if visible.contains(id) {
                    self.see_activity(a)
                } else {
                    Activity::default()
                }
            })
            .collect())
    }

    fn apply(&self, changes: Vec<crate::store::Change>) -> Result<()> {
        let batch = self.checked(changes)?;
        Ok(self.inner.apply(batch)?)
    }

    fn changes_since(&self, after: u64, limit: usize) -> Result<Vec<FeedEntry>> {
        Ok(self.inner.changes_since(after, limit)?)
    }

    fn len(&self) -> Result<usize> {
        Ok(self.inner.len()?)
    }

    fn merge_record(&self, id: &MergeId) -> Result<Option<MergeRecord>> {
        self.inner
            .merge_record(id)?
            .map(|r| self.see_merge(r))
            .transpose()
    }

    fn merges_of(&self, customer: &CustomerId) -> Result<Vec<MergeRecord>> {
        self.inner
            .merges_of(customer)?
            .into_iter()
            .map(|r| self.see_merge(r))
            .collect()
    }

    fn scan_merges(&self, after: Option<&MergeId>, limit: usize) -> Result<Vec<MergeRecord>> {
        self.inner
            .scan_merges(after, limit)?
            .into_iter()
            .map(|r| self.see_merge(r))
            .collect()
    }

    fn document(&self, namespace: &str, key: &str) -> Result<Option<Document>> {
        if !(self.reads_all() || public_namespace(namespace)) {
            return Ok(None);
        }
        Ok(self.inner.document(namespace, key)?)
    }

    fn scan_documents(
        &self,
        namespace: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Document>> {
        if !(self.reads_all() || public_namespace(namespace)) {
            return Ok(Vec::new());
        }
        Ok(self.inner.scan_documents(namespace, after, limit)?)
    }

    fn document_namespaces(&self) -> Result<Vec<String>> {
        Ok(self.inner.document_namespaces()?)
    }

    fn indexer(&self) -> &dyn KeyIndexer {
        self.inner.indexer()
    }
}
