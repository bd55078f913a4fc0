//! How a file is read: its format, its encoding, column renames and limits.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::import::{ColumnMap, RepeatedColumns};

/// The layout of an input file.
///
/// Only CSV today; spreadsheets come as further variants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum InputFormat {
    /// Delimited text (RFC 4180 quoting with `"`), a header row first.
    Csv {
        /// The byte between cells (`b','` by default; `b';'` and `b'\t'` are common).
        delimiter: u8,
    },
}

impl Default for InputFormat {
    fn default() -> Self {
        Self::Csv { delimiter: b',' }
    }
}

/// The text encoding of an input file.
///
/// Only UTF-8 today (a leading byte-order mark is skipped); a UTF-16 file is recognised by its
/// byte-order mark and refused with a message, and other encodings come as further variants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Encoding {
    /// UTF-8; a row that is not valid UTF-8 is refused with its line.
    #[default]
    Utf8,
}

/// Bounds on one record, past which a quoted field is taken for a stray quote (and refused at
/// the line it opened) rather than read on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// The most physical lines one record may span (default 100).
    pub max_record_lines: u32,
    /// The most bytes one record (or one physical line) may hold (default 1 MiB).
    pub max_record_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_record_lines: 100,
            max_record_bytes: 1 << 20,
        }
    }
}

/// How [`super::read`] reads a file.
///
/// ```
/// use clientele::files::ReadOptions;
/// use clientele::import::{ColumnMap, RepeatedColumns};
/// let options = ReadOptions {
///     map: ColumnMap::parse_all(["surname=family_name"])?,
///     repeated: RepeatedColumns::Append,
///     ..ReadOptions::default()
/// };
/// assert_eq!(options.limits.max_record_lines, 100);
/// # Ok::<(), clientele::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ReadOptions {
    /// Column renames applied before columns are recognised.
    pub map: ColumnMap,
    /// What to do with a column name the header holds twice (refuse by default).
    pub repeated: RepeatedColumns,
    /// The file's layout.
    pub format: InputFormat,
    /// The file's encoding.
    pub encoding: Encoding,
    /// Bounds on one record.
    pub limits: Limits,
    /// Creation and update time of records whose row has none (the Unix epoch by default).
    pub default_time: Option<DateTime<Utc>>,
}
