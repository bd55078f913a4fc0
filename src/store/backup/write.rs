//! Writing a backup: the store read page by page, section by section, into frames.

use std::io::Write;

use serde::Serialize;

use super::frame::{FrameWriter, hex};
use super::section::{ActivityEntry, Header, Section, Trailer};
use super::{BackupCounts, BackupOptions, BackupSummary};
use crate::error::{Error, Result};
use crate::model::MergeId;
use crate::store::{CustomerStore, batches};

/// A store's read error, in the crate's type.
fn read_failed<E: std::error::Error + Send + Sync + 'static>(e: E) -> Error {
    Error::storage("reading the store for a backup", e)
}

/// Encodes one value as JSON.
fn json<T: Serialize>(value: &T, into: &mut Vec<u8>) -> Result<()> {
    serde_json::to_writer(into, value)
        .map_err(|e| Error::storage("encoding an item of the backup", e))
}

/// A store that breaks the trait's ordering contract; a backup of it would not restore.
fn out_of_order(what: &str) -> Error {
    Error::storage_message(format!(
        "the store listed {what} out of ascending order; no backup written"
    ))
}

/// The items of one section, gathered into frames of about `limit` bytes (a JSON array each).
struct Items {
    tag: u8,
    limit: usize,
    buf: Vec<u8>,
    held: usize,
}

impl Items {
    fn new(section: Section, limit: usize) -> Self {
        Self {
            tag: section.tag(),
            limit,
            buf: Vec::new(),
            held: 0,
        }
    }

    fn push<W: Write, T: Serialize>(&mut self, w: &mut FrameWriter<W>, item: &T) -> Result<()> {
        self.buf.push(if self.held == 0 { b'[' } else { b',' });
        json(item, &mut self.buf)?;
        self.held += 1;
        if self.buf.len() >= self.limit {
            self.flush(w)?;
        }
        Ok(())
    }

    fn flush<W: Write>(&mut self, w: &mut FrameWriter<W>) -> Result<()> {
        if self.held > 0 {
            self.buf.push(b']');
            w.frame(self.tag, &self.buf)?;
            self.buf.clear();
            self.held = 0;
        }
        Ok(())
    }
}

/// Writes the backup of `store` to `out`.
pub(super) fn write<S, W>(store: &S, out: W, options: &BackupOptions) -> Result<BackupSummary>
where
    S: CustomerStore + ?Sized,
    W: Write,
{
    let created = options.created_at();
    let mut w = FrameWriter::start(out)?;
    let header = Header {
        created,
        generator: format!("clientele {}", env!("CARGO_PKG_VERSION")),
    };
    let mut body = Vec::new();
    json(&header, &mut body)?;
    w.frame(Section::Header.tag(), &body)?;
    let mut counts = BackupCounts::default();
    customers(store, &mut w, options, &mut counts)?;
    activity(store, &mut w, options, &mut counts)?;
    merges(store, &mut w, options, &mut counts)?;
    documents(store, &mut w, options, &mut counts)?;
    let trailer = Trailer {
        counts,
        frames: w.frames(),
        sha256: hex(&w.digest_so_far()),
    };
    body.clear();
    json(&trailer, &mut body)?;
    w.frame(Section::Trailer.tag(), &body)?;
    let frames = w.frames();
    let (bytes, digest) = w.finish()?;
    Ok(BackupSummary {
        counts,
        frames,
        bytes,
        sha256: hex(&digest),
        created,
    })
}

fn customers<S, W>(
    store: &S,
    w: &mut FrameWriter<W>,
    options: &BackupOptions,
    counts: &mut BackupCounts,
) -> Result<()>
where
    S: CustomerStore + ?Sized,
    W: Write,
{
    let mut items = Items::new(Section::Customers, options.frame_size());
    let mut last = None;
    for batch in batches(store, options.page_size()) {
        for c in batch.map_err(read_failed)? {
            if last.as_ref().is_some_and(|l| *l >= c.id) {
                return Err(out_of_order("customers"));
            }
            items.push(w, &c)?;
            counts.customers += 1;
            last = Some(c.id);
        }
    }
    items.flush(w)
}

fn activity<S, W>(
    store: &S,
    w: &mut FrameWriter<W>,
    options: &BackupOptions,
    counts: &mut BackupCounts,
) -> Result<()>
where
    S: CustomerStore + ?Sized,
    W: Write,
{
    let mut items = Items::new(Section::Activity, options.frame_size());
    for batch in batches(store, options.page_size()) {
        let ids: Vec<_> = batch
            .map_err(read_failed)?
            .into_iter()
            .map(|c| c.id)
            .collect();
        let activities = store.activity_many(&ids).map_err(read_failed)?;
        for (customer, activity) in ids.into_iter().zip(activities) {
            if activity.is_empty() {
                continue;
            }
            counts.activities += 1;
            counts.transactions += activity.transactions.len() as u64;
            counts.interactions += activity.interactions.len() as u64;
            items.push(w, &ActivityEntry { customer, activity })?;
        }
    }
    items.flush(w)
}

fn merges<S, W>(
    store: &S,
    w: &mut FrameWriter<W>,
    options: &BackupOptions,
    counts: &mut BackupCounts,
) -> Result<()>
where
    S: CustomerStore + ?Sized,
    W: Write,
{
    let mut items = Items::new(Section::Merges, options.frame_size());
    let mut after: Option<MergeId> = None;
    loop {
        let page = store
            .scan_merges(after.as_ref(), options.page_size())
            .map_err(read_failed)?;
        let Some(next) = page.last().map(|r| r.id.clone()) else {
            break;
        };
        for r in &page {
            if after.as_ref().is_some_and(|a| *a >= r.id) {
                return Err(out_of_order("merge records"));
            }
            items.push(w, r)?;
            counts.merges += 1;
            after = Some(r.id.clone());
        }
        after = Some(next);
    }
    items.flush(w)
}

fn documents<S, W>(
    store: &S,
    w: &mut FrameWriter<W>,
    options: &BackupOptions,
    counts: &mut BackupCounts,
) -> Result<()>
where
    S: CustomerStore + ?Sized,
    W: Write,
{
    let mut items = Items::new(Section::Documents, options.frame_size());
    let mut last: Option<(String, String)> = None;
    for ns in store.document_namespaces().map_err(read_failed)? {
        let mut after: Option<String> = None;
        loop {
            let page = store
                .scan_documents(&ns, after.as_deref(), options.page_size())
                .map_err(read_failed)?;
            let Some(next) = page.last().map(|d| d.key.clone()) else {
                break;
            };
            for d in &page {
                let key = (d.namespace.clone(), d.key.clone());
                if d.namespace != ns || last.as_ref().is_some_and(|l| *l >= key) {
                    return Err(out_of_order("documents"));
                }
                items.push(w, d)?;
                counts.documents += 1;
                last = Some(key);
            }
            after = Some(next);
        }
    }
    items.flush(w)
}
