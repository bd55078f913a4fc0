//! Restoring a backup into an empty store, all or nothing.

use std::io::Read;

use super::read::Decoder;
use super::{RestoreOptions, RestoreSummary};
use crate::error::{Error, Result};
use crate::store::{Change, CustomerStore};

/// A target store's error, in the crate's type.
fn store_failed<E: std::error::Error + Send + Sync + 'static>(
    context: &str,
) -> impl Fn(E) -> Error {
    move |e| Error::storage(context, e)
}

/// Refuses a store that holds any record, merge record or document.
pub(super) fn ensure_empty<S: CustomerStore + ?Sized>(store: &S) -> Result<()> {
    let err = store_failed("reading the restore target");
    let customers = store.len().map_err(&err)?;
    let merges = !store.scan_merges(None, 1).map_err(&err)?.is_empty();
    let namespaces = store.document_namespaces().map_err(&err)?.len();
    if customers == 0 && !merges && namespaces == 0 {
        return Ok(());
    }
    let mut holds = Vec::new();
    if customers > 0 {
        holds.push(format!("{customers} customers"));
    }
    if merges {
        holds.push("merge records".to_owned());
    }
    if namespaces > 0 {
        holds.push(format!("documents in {namespaces} namespaces"));
    }
    Err(Error::RestoreTargetNotEmpty {
        holds: holds.join(", "),
    })
}

/// Restores `input` into `store`, which must be empty; on any failure removes what it wrote.
pub(super) fn restore<R, S>(input: R, store: &S, options: &RestoreOptions) -> Result<RestoreSummary>
where
    R: Read,
    S: CustomerStore + ?Sized,
{
    ensure_empty(store)?;
    let mut decoder = Decoder::open(input)?;
    let mut applied = 0u64;
    match write_all(&mut decoder, store, options.batch_size(), &mut applied) {
        Ok(()) => Ok(decoder.summary(applied)),
        Err(e) if applied == 0 => Err(e),
        Err(e) => match remove_all(store, options.batch_size()) {
            Ok(()) => Err(e),
            Err(cleanup) => Err(Error::Storage {
                message: format!(
                    "restore failed ({e}) and removing the {applied} batches it had written \
                     failed too, so the store holds part of the backup"
                ),
                source: Some(Box::new(cleanup)),
            }),
        },
    }
}

/// Decodes every frame and applies its changes in batches of `batch`; the last batch only
/// once the trailer has checked out.
fn write_all<R, S>(
    decoder: &mut Decoder<R>,
    store: &S,
    batch: usize,
    applied: &mut u64,
) -> Result<()>
where
    R: Read,
    S: CustomerStore + ?Sized,
{
    let err = store_failed("writing restored items");
    let mut pending: Vec<Change> = Vec::new();
    while let Some(items) = decoder.next()? {
        items.into_changes(&mut pending);
        while pending.len() >= batch {
            let rest = pending.split_off(batch);
            store
                .apply(std::mem::replace(&mut pending, rest))
                .map_err(&err)?;
            *applied += 1;
        }
    }
    if !pending.is_empty() {
        store.apply(pending).map_err(&err)?;
        *applied += 1;
    }
    Ok(())
}

/// Deletes every record (with its activity), merge record and document of the store, in
/// batches of `batch`: what a failed restore wrote into the store it found empty.
pub(super) fn remove_all<S: CustomerStore + ?Sized>(store: &S, batch: usize) -> Result<()> {
    let err = store_failed("removing a failed restore");
    loop {
        let page = store.scan(None, batch).map_err(&err)?;
        if page.is_empty() {
            break;
        }
        let changes = page.into_iter().map(|c| Change::Delete(c.id)).collect();
        store.apply(changes).map_err(&err)?;
    }
    loop {
        let page = store.scan_merges(None, batch).map_err(&err)?;
        if page.is_empty() {
            break;
        }
        let changes = page
            .into_iter()
            .map(|r| Change::DeleteMergeRecord(r.id))
            .collect();
        store.apply(changes).map_err(&err)?;
    }
    for ns in store.document_namespaces().map_err(&err)? {
        loop {
            let page = store.scan_documents(&ns, None, batch).map_err(&err)?;
            if page.is_empty() {
                break;
            }
            let changes = page
                .into_iter()
                .map(|d| Change::DeleteDocument {
                    namespace: d.namespace,
                    key: d.key,
                })
                .collect();
            store.apply(changes).map_err(&err)?;
        }
    }
    Ok(())
}
