//! What reading a file gave: the records, the refused rows and the counts that add up.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::options::Encoding;
use crate::import::FieldProblem;
use crate::model::Customer;

/// A data row that gave no record: its first line and why (no personal value in the reason).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RejectedRow {
    /// One-based line number (the line where a stray quote opened, for a runaway quote).
    pub line: u64,
    /// Why the row was refused.
    pub reason: String,
}

/// How the lines of a file were accounted for.
///
/// `data_rows == read + rejected`, and `physical_lines == header_lines + blank_lines +
/// data_rows + continuation_lines`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RowCounts {
    /// Every physical line of the file.
    pub physical_lines: u64,
    /// The header's lines (1).
    pub header_lines: u64,
    /// Empty lines (not data rows).
    pub blank_lines: u64,
    /// Data rows: physical lines after the header, a legitimately quoted multi-line record
    /// counted once.
    pub data_rows: u64,
    /// Records that span several physical lines (legitimately quoted line breaks).
    pub multi_line_rows: u64,
    /// The lines of multi-line records after their first.
    pub continuation_lines: u64,
    /// Rows read into records.
    pub read: u64,
    /// Rows refused (see [`FileRead::rejected`]).
    pub rejected: u64,
    /// Of the refused rows, those refused before their cells were read (stray quotes, NUL
    /// bytes, invalid text).
    pub refused: u64,
}

/// A file read into records, with every row that gave none.
///
/// `Debug` masks personal values (through [`Customer`]'s own `Debug`).
#[derive(Debug, Clone, PartialEq)]
pub struct FileRead {
    /// The records, in file order.
    pub customers: Vec<Customer>,
    /// The first line of each record's row, in record order.
    pub lines: Vec<u64>,
    /// The cells of each record that could not be typed (kept as custom fields), in record
    /// order.
    pub problems: Vec<Vec<FieldProblem>>,
    /// The refused rows, in file order.
    pub rejected: Vec<RejectedRow>,
    /// The column names after renaming, in header order.
    pub columns: Vec<String>,
    /// Non-empty cells per column among the rows read.
    pub filled: BTreeMap<String, usize>,
    /// How every line was accounted for.
    pub counts: RowCounts,
    /// The text encoding the file was read in (forced, or detected: [`Encoding::Utf8`] for
    /// an all-ASCII file); `None` for a workbook.
    pub encoding: Option<Encoding>,
}

impl FileRead {
    /// Every field problem, in file order.
    pub fn all_problems(&self) -> impl Iterator<Item = &FieldProblem> {
        self.problems.iter().flatten()
    }
}
