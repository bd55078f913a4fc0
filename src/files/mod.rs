//! Customer files read into records and written back, without loss (feature `files`).
//!
//! [`read_path`] and [`read`] turn a CSV file into records through [`crate::import::RowReader`]
//! and a [`FileRead`] report in which **every data row is either read or refused with its
//! line** ([`RowCounts`] add up). A *data row* is a physical line after the header (lines end
//! with `\n`, `\r\n` or `\r`; empty lines are counted apart), except that a legitimately quoted
//! field spanning line breaks makes its record one data row however many lines it covers.
//!
//! A quoted field is legitimate only if it closes, is followed by a delimiter or the end of the
//! record, and its record has the header's width. A quote that runs across rows (a stray `"` at
//! the start of a cell) is caught: a field that holds a line break and about a whole row's
//! worth of delimiters, runs over [`Limits`], never closes, or leaves its record with another
//! width than the header's is refused **at the line where the quote opened**, and reading
//! resumes at the next physical line, so the rows it swallowed are read on their own.
//! [`CsvRows`] gives the raw cells with the same guarantees, for callers that work on cells.
//!
//! Text may be UTF-8 (with or without a byte-order mark), UTF-16 with a byte-order mark, or
//! GB18030/GBK, detected as [`Encoding`] describes or forced through [`ReadOptions::encoding`];
//! a row that does not decode is refused with its line, never patched with U+FFFD.
//!
//! [`RecordWriter`] and [`write_path`] are the inverse: every field of a record is written
//! (all phones, emails, tags, addresses, national identifiers, custom fields, timestamps and
//! consents; [`Columns`] says how), so that reading the file back gives the same records.
//! [`AtomicFile`] writes through a temporary file renamed on success, so a failed run leaves no
//! partial output.
//!
//! ```
//! use clientele::files::{read, ReadOptions};
//! let csv = "id,full_name,phone\n\
//!            C1,\"Wang, Fang\",13800138000\n\
//!            C2,\"Li Na,13900001111\n\
//!            C3,Zhao Lei,13700002222\n";
//! let file = read(csv.as_bytes(), &ReadOptions::default())?;
//! // The stray quote on line 3 is refused there; line 4 is still read.
//! assert_eq!(file.customers.len(), 2);
//! assert_eq!(file.rejected[0].line, 3);
//! assert_eq!(file.counts.data_rows, file.counts.read + file.counts.rejected);
//! # Ok::<(), clientele::Error>(())
//! ```

mod atomic;
mod csv_rows;
mod decode;
mod extras;
mod lines;
mod options;
mod read;
mod report;
#[cfg(feature = "spreadsheets")]
mod sheet;
mod write;

pub use atomic::AtomicFile;
pub use csv_rows::{CsvRows, DataRows, RawRow};
pub use options::{Encoding, InputFormat, Limits, ReadOptions};
pub use read::{Chunk, WORKBOOK_EXTENSIONS, open_path, read, read_path, read_path_chunks};
pub use report::{FileRead, RejectedRow, RowCounts};
pub use write::{Columns, RecordWriter, write_path};
