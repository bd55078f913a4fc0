//! One sheet of a workbook (`.xlsx`, `.xlsm`, `.xlsb`, `.xls`, `.ods`) as data rows, through
//! calamine (feature `spreadsheets`).
//!
//! Cells become the text a CSV cell would hold: an integral number without a fractional part
//! (`13800138000`, not `13800138000.0` nor `1.38e10`), other numbers in their shortest
//! round-trip form, dates as `YYYY-MM-DD` (with ` HH:MM:SS` when they hold a time), booleans
//! as `true` / `false`, text as it is (long identifiers that Excel holds as text stay exact). A
//! cell holding an error (`#N/A`, `#DIV/0!`...) refuses its row. Row numbers are the sheet's
//! (row 1 is the sheet's first row, whatever the first used row); rows with no value are not
//! data rows (counted as blank, as are rows of only white space), so empty trailing rows are
//! not rows.

use std::path::Path;

use calamine::{Data, Range, Reader, open_workbook_auto};

use super::csv_rows::{DataRows, RawRow};
use super::report::{RejectedRow, RowCounts};
use crate::error::{Error, Result};

/// The data rows of one sheet.
pub(super) struct SheetRows {
    range: Range<Data>,
    /// The sheet row number (one-based) of the range's first row.
    first_row: u64,
    /// The next range row to give.
    next: usize,
    header: Vec<String>,
    header_line: u64,
    counts: RowCounts,
}

impl SheetRows {
    /// Opens the sheet `sheet` of the workbook at `path` (a name, else a one-based index; the
    /// first sheet without one) and reads its header row.
    pub(super) fn open(path: &Path, sheet: Option<&str>) -> Result<Self> {
        let name = path.display().to_string();
        let io = |reason: String| Error::Io {
            path: name.clone(),
            reason,
        };
        let mut book = open_workbook_auto(path).map_err(|e| io(e.to_string()))?;
        let names = book.sheet_names();
        let index = match sheet {
            None => 0,
            Some(s) => match names.iter().position(|n| n == s) {
                Some(i) => i,
                None => match s.trim().parse::<usize>() {
                    Ok(n) if (1..=names.len()).contains(&n) => n - 1,
                    _ => {
                        return Err(io(format!(
                            "no sheet `{s}`: the sheets are {} (a name or a number from 1)",
                            names.join(", ")
                        )));
                    }
                },
            },
        };
        let range = match book.worksheet_range_at(index) {
            Some(r) => r.map_err(|e| io(e.to_string()))?,
            None => return Err(io("the workbook has no sheet".to_owned())),
        };
        let first_row = range.start().map_or(1, |(r, _)| u64::from(r) + 1);
        let mut rows = Self {
            range,
            first_row,
            next: 0,
            header: Vec::new(),
            header_line: 0,
            counts: RowCounts::default(),
        };
        rows.read_header()?;
        Ok(rows)
    }

    fn read_header(&mut self) -> Result<()> {
        loop {
            let line = self.first_row + self.next as u64;
            let Some(row) = self.range.rows().nth(self.next) else {
                return Err(Error::Row {
                    line: 1,
                    reason: "the sheet is empty: no header row".to_owned(),
                });
            };
            self.next += 1;
            if row.iter().all(blank) {
                self.counts.blank_lines += 1;
                continue;
            }
            let mut header = Vec::with_capacity(row.len());
            for (i, cell) in row.iter().enumerate() {
                match text(cell) {
                    Ok(s) => header.push(s.trim().to_owned()),
                    Err(e) => {
                        return Err(Error::Row {
                            line,
                            reason: format!("header cell {} holds the error {e}", i + 1),
                        });
                    }
                }
            }
            while header.last().is_some_and(String::is_empty) {
                header.pop();
            }
            self.header = header;
            self.header_line = line;
            self.counts.header_lines = 1;
            return Ok(());
        }
    }
}

/// An empty cell, or one holding only white space.
fn blank(cell: &Data) -> bool {
    match cell {
        Data::Empty => true,
        Data::String(s) => s.trim().is_empty(),
        _ => false,
    }
}

/// A cell as the text a CSV file would hold, or the error it holds.
fn text(cell: &Data) -> std::result::Result<String, String> {
    Ok(match cell {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => number(*f),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) if d.is_datetime() => {
            let (y, mo, day, h, mi, s, _) = d.to_ymd_hms_milli();
            if (h, mi, s) == (0, 0, 0) {
                format!("{y:04}-{mo:02}-{day:02}")
            } else {
                format!("{y:04}-{mo:02}-{day:02} {h:02}:{mi:02}:{s:02}")
            }
        }
        Data::DateTime(d) => number(d.as_f64()),
        Data::Error(e) => return Err(e.to_string()),
    })
}

/// A number as written: integral values (to 2^53, where a float is exact) without a fraction.
fn number(f: f64) -> String {
    const EXACT: f64 = 9_007_199_254_740_992.0;
    if f.is_finite() && f.fract() == 0.0 && f.abs() <= EXACT {
        format!("{f:.0}")
    } else {
        f.to_string()
    }
}

impl Iterator for SheetRows {
    type Item = Result<RawRow>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let line = self.first_row + self.next as u64;
            let row = self.range.rows().nth(self.next)?;
            self.next += 1;
            if row.iter().all(blank) {
                self.counts.blank_lines += 1;
                continue;
            }
            self.counts.data_rows += 1;
            let mut cells = Vec::with_capacity(row.len());
            for (i, cell) in row.iter().enumerate() {
                match text(cell) {
                    Ok(s) => cells.push(s),
                    Err(e) => {
                        self.counts.refused += 1;
                        return Some(Ok(RawRow::Refused(RejectedRow {
                            line,
                            reason: format!("column {} holds the error {e}", i + 1),
                        })));
                    }
                }
            }
            // Cells past the header's width that are empty are the sheet's used range, not data.
            while cells.len() > self.header.len() && cells.last().is_some_and(String::is_empty) {
                cells.pop();
            }
            return Some(Ok(RawRow::Row {
                line,
                lines: 1,
                cells,
            }));
        }
    }
}

impl DataRows for SheetRows {
    fn header(&self) -> &[String] {
        &self.header
    }

    fn header_line(&self) -> u64 {
        self.header_line
    }

    fn counts(&self) -> RowCounts {
        RowCounts {
            physical_lines: self.next as u64,
            ..self.counts
        }
    }

    fn encoding(&self) -> Option<crate::files::Encoding> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_as_people_typed_them() {
        assert_eq!(number(13_800_138_000.0), "13800138000");
        assert_eq!(number(42.0), "42");
        assert_eq!(number(-3.0), "-3");
        assert_eq!(number(0.5), "0.5");
        assert_eq!(number(1234.25), "1234.25");
        assert_eq!(text(&Data::Int(7)), Ok("7".to_owned()));
        assert_eq!(
            text(&Data::String("110101199003077777".to_owned())),
            Ok("110101199003077777".to_owned())
        );
        assert!(text(&Data::Error(calamine::CellErrorType::NA)).is_err());
    }
}
