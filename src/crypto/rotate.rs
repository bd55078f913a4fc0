//! Key rotation and re-indexing: every value sealed again and every blind key derived again,
//! a batch at a time, while the store stays readable.

use std::sync::Arc;

use super::blind::BlindIndex;
use super::cipher::FieldCipher;
use super::codec::{BLIND_KEYS_FIELD, blind_text};
use super::key::Key;
use super::ring::{Generation, Ring};
use super::store::EncryptedStore;
use super::translate::NAMESPACE;
use crate::error::{Error, Result};
use crate::model::{CustomValue, CustomerId, MergeId};
use crate::store::{Change, CustomerStore, Expected, Fingerprint};

/// What a rotation or a re-index rewrote.
///
/// ```
/// use clientele::crypto::Rewritten;
/// assert_eq!(Rewritten::default().customers, 0);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Rewritten {
    /// Customer records sealed or indexed again.
    pub customers: usize,
    /// Merge records sealed again.
    pub merges: usize,
    /// Documents sealed again.
    pub documents: usize,
}

impl<S> EncryptedStore<S>
where
    S: CustomerStore,
    Error: From<S::Error>,
{
    /// Re-keys the store: from now on values are sealed with `new_key`; every value sealed
    /// before is sealed again with it and every blind key derived again under it, in batches
    /// of [`EncryptionOptions::batch`](super::EncryptionOptions::batch). The store stays
    /// readable throughout: each sealed value names its key, reads open values of either key,
    /// lookups ask for the blind keys of both, and a read that overlapped a switch of keys is
    /// run again. Writers wait for one batch at a time. Rotate from one process at a time.
    ///
    /// When it is interrupted, the store lists both keys: open it with the new key and the
    /// old one ([`EncryptionOptions::previous_key`](super::EncryptionOptions::previous_key))
    /// and rotate to the new key again, which finishes the job.
    ///
    /// ```
    /// use clientele::crypto::{EncryptedStore, EncryptionOptions, Key};
    /// use clientele::store::{CustomerStore, SecondaryKey};
    /// use clientele::{Customer, CustomerId, CustomerKind};
    /// let old = Key::from_hex(&"01".repeat(32))?;
    /// let store = EncryptedStore::memory(&old, EncryptionOptions::default())?;
    /// let c = Customer::builder(CustomerId::new("C1")?, CustomerKind::Person).email("a@b.cn").build();
    /// store.put(c.clone())?;
    /// let before = store.key_id();
    /// let new = Key::from_hex(&"02".repeat(32))?;
    /// assert_eq!(store.rotate(&new)?.customers, 1);
    /// assert_ne!(store.key_id(), before);
    /// assert_eq!(store.get(&c.id)?, Some(c.clone()));
    /// assert_eq!(store.lookup(&SecondaryKey::email("a@b.cn").unwrap())?, vec![c.id]);
    /// # Ok::<(), clientele::Error>(())
    /// ```
    ///
    /// # Errors
    /// The store's errors (the rotation can be resumed, see above).
    pub fn rotate(&self, new_key: &Key) -> Result<Rewritten> {
        self.rotate_to(Generation::of_key(new_key))
    }

    /// [`EncryptedStore::rotate`] to a caller's cipher and blind index.
    ///
    /// # Errors
    /// As [`EncryptedStore::rotate`].
    pub fn rotate_cipher(
        &self,
        cipher: Arc<dyn FieldCipher>,
        blind: BlindIndex,
    ) -> Result<Rewritten> {
        self.rotate_to(Generation { cipher, blind })
    }

    fn rotate_to(&self, new: Generation) -> Result<Rewritten> {
        let _one = self.rotation();
        {
            let _alone = self.exclusive();
            let old = self.ring();
            let others = old.all().filter(|g| g.id() != new.id()).cloned().collect();
            let ring = Ring {
                current: new,
                others,
            };
            self.apply_inner(vec![self.state(&ring)?.put()?])?;
            self.set_ring(ring);
        }
        let mut done = self.rewrite_customers(true)?;
        done.merges = self.rewrite_merges()?;
        done.documents = self.rewrite_documents()?;
        let _alone = self.exclusive();
        let ring = Ring::new(self.ring().current.clone());
        self.apply_inner(vec![self.state(&ring)?.put()?])?;
        self.set_ring(ring);
        Ok(done)
    }

    /// Derives every record's blind keys again with the logical indexers (after they changed),
    /// then records them.
    pub(crate) fn reindex(&self) -> Result<Rewritten> {
        let _one = self.rotation();
        let done = self.rewrite_customers(false)?;
        let _alone = self.exclusive();
        self.apply_inner(vec![self.state(&self.ring())?.put()?])?;
        Ok(done)
    }

    /// Rewrites every record whose values are not all sealed with the current key (when
    /// `rotating`) or whose blind keys differ from the current ones.
    fn rewrite_customers(&self, rotating: bool) -> Result<Rewritten> {
        let mut done = Rewritten::default();
        let mut after: Option<CustomerId> = None;
        loop {
            let _alone = self.exclusive();
            let page = self.inner().scan(after.as_ref(), self.batch_size())?;
            let Some(last) = page.last().map(|c| c.id.clone()) else {
                return Ok(done);
            };
            let ring = self.ring();
            let codec = self.codec();
            let ids: Vec<CustomerId> = page.iter().map(|c| c.id.clone()).collect();
            let activity = if rotating {
                self.inner().activity_many(&ids)?
            } else {
                vec![Default::default(); ids.len()]
            };
            let mut changes = Vec::new();
            for (raw, act) in page.iter().zip(&activity) {
                let plain = codec.open_customer(raw, &*ring)?;
                let blind = blind_text(&plain, self.logical(), &ring.current.blind);
                let stored = match raw.custom.get(BLIND_KEYS_FIELD) {
                    Some(CustomValue::Text(t)) => Some(t.clone()),
                    _ => None,
                };
                let stale_values =
                    rotating && codec.sealed_values(raw).iter().any(|v| !ring.is_current(v));
                let stale_activity = rotating
                    && codec
                        .sealed_activity_values(act)
                        .iter()
                        .any(|v| !ring.is_current(v));
                if !(stale_values || stale_activity || stored != blind) {
                    continue;
                }
                let mut sealed = codec.seal_customer(&plain, &*ring)?;
                if let Some(b) = blind {
                    sealed
                        .custom
                        .insert(BLIND_KEYS_FIELD.to_owned(), CustomValue::Text(b));
                }
                changes.push(Change::Expect {
                    customer: raw.id.clone(),
                    expected: Expected::WithActivity(Fingerprint::with_activity(raw, act)),
                });
                changes.push(Change::Put(sealed));
                if stale_activity {
                    let plain_act = codec.open_activity(act, &*ring)?;
                    changes.push(Change::SetActivity {
                        customer: raw.id.clone(),
                        activity: codec.seal_activity(&plain_act, &*ring)?,
                    });
                }
                done.customers += 1;
            }
            if !changes.is_empty() {
                self.apply_inner(changes)?;
            }
            after = Some(last);
        }
    }

    /// Seals every merge record again with the current key.
    fn rewrite_merges(&self) -> Result<usize> {
        let mut done = 0;
        let mut after: Option<MergeId> = None;
        loop {
            let _alone = self.exclusive();
            let page = self
                .inner()
                .scan_merges(after.as_ref(), self.batch_size())?;
            let Some(last) = page.last().map(|r| r.id.clone()) else {
                return Ok(done);
            };
            let ring = self.ring();
            let mut changes = Vec::with_capacity(page.len() * 2);
            for raw in &page {
                let plain = self.codec().open_merge(raw, &*ring)?;
                changes.push(Change::expect_merge(raw));
                changes.push(Change::PutMergeRecord(
                    self.codec().seal_merge(&plain, &*ring)?,
                ));
                done += 1;
            }
            self.apply_inner(changes)?;
            after = Some(last);
        }
    }

    /// Seals every document again with the current key.
    fn rewrite_documents(&self) -> Result<usize> {
        let mut done = 0;
        for ns in self.inner().document_namespaces()? {
            if ns == NAMESPACE {
                continue;
            }
            let mut after: Option<String> = None;
            loop {
                let _alone = self.exclusive();
                let page = self
                    .inner()
                    .scan_documents(&ns, after.as_deref(), self.batch_size())?;
                let Some(last) = page.last().map(|d| d.key.clone()) else {
                    break;
                };
                let ring = self.ring();
                let mut changes = Vec::with_capacity(page.len());
                for raw in &page {
                    let plain = self.codec().open_document(raw, &*ring)?;
                    changes.push(Change::PutDocument(
                        self.codec().seal_document(&plain, &*ring)?,
                    ));
                    done += 1;
                }
                self.apply_inner(changes)?;
                after = Some(last);
            }
        }
        Ok(done)
    }
}
