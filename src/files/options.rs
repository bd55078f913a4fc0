//! How a file is read: its format, its encoding, column renames and limits.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::import::{ColumnMap, RepeatedColumns};

/// The layout of an input file.
///
/// CSV; workbooks are recognised by [`super::read_path`] from their extension (feature
/// `spreadsheets`) and do not use this.
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
/// [`Encoding::Auto`] (the default) detects it: a byte-order mark first (UTF-8, UTF-16 LE or
/// BE); otherwise the first rows holding non-ASCII bytes (up to 64 KiB of them) decide: valid
/// UTF-8, or mostly UTF-8, is UTF-8; text that is not but decodes as GB18030 without an error
/// is GB18030; anything else is read as whichever of the two gives fewer errors. In every
/// encoding a row that does not decode is refused with its line, never patched with U+FFFD.
/// The other variants force one encoding (a byte-order mark of another encoding is then an
/// error). With GB18030/GBK the delimiter must be one GB18030 never uses inside a character
/// (`,`, `;`, a tab: not `|`).
///
/// ```
/// use clientele::files::Encoding;
/// assert_eq!("gbk".parse::<Encoding>(), Ok(Encoding::Gbk));
/// assert_eq!(Encoding::Utf16Le.to_string(), "utf-16le");
/// assert!("latin1".parse::<Encoding>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Encoding {
    /// Detected from the file (see the type's documentation).
    #[default]
    Auto,
    /// UTF-8 (a leading byte-order mark is skipped).
    Utf8,
    /// UTF-16, little-endian (a leading byte-order mark is skipped).
    #[serde(rename = "utf-16le")]
    Utf16Le,
    /// UTF-16, big-endian (a leading byte-order mark is skipped).
    #[serde(rename = "utf-16be")]
    Utf16Be,
    /// GBK, as Windows' code page 936 writes it (decoded as its superset GB18030).
    Gbk,
    /// GB18030 (GB 18030-2022).
    Gb18030,
}

impl Encoding {
    /// Every encoding, by name (`auto` first).
    pub const ALL: [Self; 6] = [
        Self::Auto,
        Self::Utf8,
        Self::Utf16Le,
        Self::Utf16Be,
        Self::Gbk,
        Self::Gb18030,
    ];

    /// The encoding's name: `auto`, `utf-8`, `utf-16le`, `utf-16be`, `gbk` or `gb18030`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Utf8 => "utf-8",
            Self::Utf16Le => "utf-16le",
            Self::Utf16Be => "utf-16be",
            Self::Gbk => "gbk",
            Self::Gb18030 => "gb18030",
        }
    }
}

impl std::fmt::Display for Encoding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Encoding {
    type Err = String;

    /// Parses a name (case-insensitive; `utf8`, `utf16le`, `cp936` and `gb2312` accepted too).
    fn from_str(s: &str) -> Result<Self, String> {
        let lower = s.trim().to_ascii_lowercase();
        let found = match lower.as_str() {
            "utf8" => Some(Self::Utf8),
            "utf16le" => Some(Self::Utf16Le),
            "utf16be" => Some(Self::Utf16Be),
            "cp936" | "gb2312" => Some(Self::Gbk),
            other => Self::ALL.into_iter().find(|e| e.name() == other),
        };
        found.ok_or_else(|| {
            let names: Vec<&str> = Self::ALL.iter().map(|e| e.name()).collect();
            format!("`{s}` is not an encoding: {}", names.join(", "))
        })
    }
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
    /// The sheet of a workbook to read: its name, else its number from 1 (the first sheet
    /// when `None`); not used for CSV.
    pub sheet: Option<String>,
    /// Bounds on one record.
    pub limits: Limits,
    /// Creation and update time of records whose row has none (the Unix epoch by default).
    pub default_time: Option<DateTime<Utc>>,
}
