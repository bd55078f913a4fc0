//! Reading a backup: frames checked and decoded into items, section order, key order and the
//! trailer's counts and checksum enforced.

use std::io::Read;

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;

use super::frame::{FrameReader, RawFrame, corrupt, hex};
use super::section::{ActivityEntry, Header, Section, Trailer};
use super::{BackupCounts, RestoreSummary};
use crate::error::Result;
use crate::model::{Customer, CustomerId, MergeId, MergeRecord};
use crate::store::{Change, Document};

/// The items of one frame.
pub(super) enum Items {
    Customers(Vec<Customer>),
    Activity(Vec<ActivityEntry>),
    Merges(Vec<MergeRecord>),
    Documents(Vec<Document>),
}

impl Items {
    /// The changes that restore the items, appended to `into` (customers inserted, so a
    /// repeated id is refused; activity set whole; merge records inserted; documents put).
    pub(super) fn into_changes(self, into: &mut Vec<Change>) {
        match self {
            Self::Customers(v) => into.extend(v.into_iter().map(Change::Insert)),
            Self::Activity(v) => into.extend(v.into_iter().map(|a| Change::SetActivity {
                customer: a.customer,
                activity: a.activity,
            })),
            Self::Merges(v) => into.extend(v.into_iter().map(Change::InsertMergeRecord)),
            Self::Documents(v) => into.extend(v.into_iter().map(Change::PutDocument)),
        }
    }
}

/// Decodes a frame's JSON body; the message names the frame and the kind of failure, never the
/// content (serde's own message may quote a value).
fn decode<T: DeserializeOwned>(frame: &RawFrame, index: u64, section: Section) -> Result<T> {
    serde_json::from_slice(&frame.payload).map_err(|e| {
        let kind = match e.classify() {
            serde_json::error::Category::Io => "a read error",
            serde_json::error::Category::Syntax => "malformed JSON",
            serde_json::error::Category::Data => "content of the wrong shape",
            serde_json::error::Category::Eof => "JSON cut short",
        };
        corrupt(
            frame.offset,
            format!(
                "frame {index} ({}) does not decode: {kind} at line {}, column {}",
                section.name(),
                e.line(),
                e.column()
            ),
        )
    })
}

/// Keys of the last item of each section, to enforce strictly ascending order.
#[derive(Default)]
struct Last {
    customer: Option<CustomerId>,
    activity: Option<CustomerId>,
    merge: Option<MergeId>,
    document: Option<(String, String)>,
}

/// Whether `next` comes strictly after `last` (and becomes the new last).
fn ascending<K: Ord>(last: &mut Option<K>, next: K) -> bool {
    let ok = last.as_ref().is_none_or(|l| *l < next);
    *last = Some(next);
    ok
}

/// Reads a backup frame by frame.
pub(super) struct Decoder<R: Read> {
    frames: FrameReader<R>,
    version: u32,
    created: DateTime<Utc>,
    section: Section,
    counts: BackupCounts,
    last: Last,
    /// The document namespaces read, in order.
    namespaces: Vec<String>,
    done: bool,
}

impl<R: Read> Decoder<R> {
    /// Reads the stream header and the header frame.
    pub(super) fn open(input: R) -> Result<Self> {
        let (mut frames, version) = FrameReader::start(input)?;
        let Some(first) = frames.next()? else {
            return Err(corrupt(
                frames.offset(),
                "truncated: the stream ends before its first frame",
            ));
        };
        if Section::of_tag(first.tag) != Some(Section::Header) {
            return Err(corrupt(first.offset, "the first frame is not the header"));
        }
        let header: Header = decode(&first, 0, Section::Header)?;
        Ok(Self {
            frames,
            version,
            created: header.created,
            section: Section::Header,
            counts: BackupCounts::default(),
            last: Last::default(),
            namespaces: Vec::new(),
            done: false,
        })
    }

    /// The next frame's items; `None` once the trailer has been read and checked and the
    /// stream ends there.
    pub(super) fn next(&mut self) -> Result<Option<Items>> {
        if self.done {
            return Ok(None);
        }
        let index = self.frames.frames();
        let Some(frame) = self.frames.next()? else {
            return Err(corrupt(
                self.frames.offset(),
                "truncated: the stream ends before its trailer",
            ));
        };
        let section = Section::of_tag(frame.tag)
            .ok_or_else(|| corrupt(frame.offset, format!("frame {index} is of no known kind")))?;
        let out_of_order = || {
            corrupt(
                frame.offset,
                format!("frame {index} ({}) is out of order", section.name()),
            )
        };
        if section < self.section {
            return Err(out_of_order());
        }
        self.section = section;
        let items = match section {
            Section::Header => return Err(out_of_order()),
            Section::Trailer => {
                self.trailer(&frame, index)?;
                return Ok(None);
            }
            Section::Customers => self.customers(&frame, index)?,
            Section::Activity => self.activity(&frame, index)?,
            Section::Merges => self.merges(&frame, index)?,
            Section::Documents => self.documents(&frame, index)?,
        };
        Ok(Some(items))
    }

    fn unordered(frame: &RawFrame, index: u64, section: Section) -> crate::Error {
        corrupt(
            frame.offset,
            format!(
                "frame {index} ({}) lists an item out of ascending order or twice",
                section.name()
            ),
        )
    }

    fn customers(&mut self, frame: &RawFrame, index: u64) -> Result<Items> {
        let v: Vec<Customer> = decode(frame, index, Section::Customers)?;
        for c in &v {
            if !ascending(&mut self.last.customer, c.id.clone()) {
                return Err(Self::unordered(frame, index, Section::Customers));
            }
        }
        self.counts.customers += v.len() as u64;
        Ok(Items::Customers(v))
    }

    fn activity(&mut self, frame: &RawFrame, index: u64) -> Result<Items> {
        let v: Vec<ActivityEntry> = decode(frame, index, Section::Activity)?;
        for a in &v {
            if !ascending(&mut self.last.activity, a.customer.clone()) {
                return Err(Self::unordered(frame, index, Section::Activity));
            }
            self.counts.transactions += a.activity.transactions.len() as u64;
            self.counts.interactions += a.activity.interactions.len() as u64;
        }
        self.counts.activities += v.len() as u64;
        Ok(Items::Activity(v))
    }

    fn merges(&mut self, frame: &RawFrame, index: u64) -> Result<Items> {
        let v: Vec<MergeRecord> = decode(frame, index, Section::Merges)?;
        for r in &v {
            if !ascending(&mut self.last.merge, r.id.clone()) {
                return Err(Self::unordered(frame, index, Section::Merges));
            }
        }
        self.counts.merges += v.len() as u64;
        Ok(Items::Merges(v))
    }

    fn documents(&mut self, frame: &RawFrame, index: u64) -> Result<Items> {
        let v: Vec<Document> = decode(frame, index, Section::Documents)?;
        for d in &v {
            let key = (d.namespace.clone(), d.key.clone());
            if !ascending(&mut self.last.document, key) {
                return Err(Self::unordered(frame, index, Section::Documents));
            }
            if self.namespaces.last() != Some(&d.namespace) {
                self.namespaces.push(d.namespace.clone());
            }
        }
        self.counts.documents += v.len() as u64;
        Ok(Items::Documents(v))
    }

    /// Checks the trailer against what was read, and that nothing follows it.
    fn trailer(&mut self, frame: &RawFrame, index: u64) -> Result<()> {
        let trailer: Trailer = decode(frame, index, Section::Trailer)?;
        if trailer.sha256 != hex(&frame.before) {
            return Err(corrupt(
                frame.offset,
                "the SHA-256 of the content differs from the trailer's",
            ));
        }
        if trailer.frames != index || trailer.counts != self.counts {
            return Err(corrupt(
                frame.offset,
                "the trailer's counts differ from what the backup holds",
            ));
        }
        if !self.frames.at_end()? {
            return Err(corrupt(
                self.frames.offset() - 1,
                "bytes follow the trailer",
            ));
        }
        self.done = true;
        Ok(())
    }

    /// What was read, once [`Decoder::next`] has returned `None`.
    pub(super) fn summary(self, batches: u64) -> RestoreSummary {
        let frames = self.frames.frames();
        let (bytes, digest) = self.frames.finish();
        RestoreSummary {
            counts: self.counts,
            frames,
            bytes,
            sha256: hex(&digest),
            created: self.created,
            format_version: self.version,
            namespaces: self.namespaces,
            batches,
        }
    }
}
