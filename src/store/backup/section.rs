//! What the frames carry: the sections in restore order, and the header and trailer bodies.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::BackupCounts;
use crate::model::{Activity, CustomerId};

/// The kinds of frame, in the order a backup holds (and a restore writes) them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Section {
    /// The header: when and by what the backup was written.
    Header,
    /// Customer records, in id order.
    Customers,
    /// Activity, by customer in id order.
    Activity,
    /// Merge records, in id order.
    Merges,
    /// Documents, by namespace and key in byte order.
    Documents,
    /// The trailer: counts and the SHA-256 of everything before it.
    Trailer,
}

impl Section {
    /// Every section, in order.
    pub(super) const ALL: [Section; 6] = [
        Self::Header,
        Self::Customers,
        Self::Activity,
        Self::Merges,
        Self::Documents,
        Self::Trailer,
    ];

    /// The frame tag.
    pub(super) fn tag(self) -> u8 {
        match self {
            Self::Header => b'H',
            Self::Customers => b'C',
            Self::Activity => b'A',
            Self::Merges => b'M',
            Self::Documents => b'D',
            Self::Trailer => b'E',
        }
    }

    /// The section of a tag, if it is one.
    pub(super) fn of_tag(tag: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.tag() == tag)
    }

    /// Its name in messages.
    pub(super) fn name(self) -> &'static str {
        match self {
            Self::Header => "header",
            Self::Customers => "customers",
            Self::Activity => "activity",
            Self::Merges => "merge records",
            Self::Documents => "documents",
            Self::Trailer => "trailer",
        }
    }
}

/// The header frame's body.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct Header {
    /// When the backup was written.
    pub(super) created: DateTime<Utc>,
    /// What wrote it (`clientele 0.1.0`).
    pub(super) generator: String,
}

/// The trailer frame's body.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct Trailer {
    /// Items of each kind.
    pub(super) counts: BackupCounts,
    /// Frames before the trailer (the header included).
    pub(super) frames: u64,
    /// SHA-256 of every byte before the trailer frame, in lower-case hex.
    pub(super) sha256: String,
}

/// One customer's activity, as the activity section holds it.
#[derive(Serialize, Deserialize)]
pub(super) struct ActivityEntry {
    /// Whose.
    pub(super) customer: CustomerId,
    /// All of it, in the store's order.
    pub(super) activity: Activity,
}
