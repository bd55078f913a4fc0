//! A customer file read into records through the row reader, every row read or refused.

use std::io::{BufReader, Read};
use std::path::Path;

use super::csv_rows::{CsvRows, DataRows, RawRow};
use super::extras;
use super::options::ReadOptions;
use super::report::{FileRead, RejectedRow};
use crate::error::{Error, Result};
use crate::import::RowReader;

/// The file extensions [`read_path`] reads as workbooks (compared in lower case).
pub const WORKBOOK_EXTENSIONS: [&str; 5] = ["xlsx", "xlsm", "xlsb", "xls", "ods"];

/// Whether `path` names a workbook, by its extension.
fn is_workbook(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| WORKBOOK_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// Reads a customer file: CSV, or (feature `spreadsheets`) a sheet of a workbook when the
/// extension is `.xlsx`, `.xlsm`, `.xlsb`, `.xls` or `.ods` ([`ReadOptions::sheet`] chooses it).
///
/// ```no_run
/// use clientele::files::{read_path, ReadOptions};
/// let file = read_path("customers.csv", &ReadOptions::default())?;
/// for r in &file.rejected {
///     eprintln!("line {}: {}", r.line, r.reason);
/// }
/// # Ok::<(), clientele::Error>(())
/// ```
///
/// # Errors
/// [`Error::Io`] naming the file when it cannot be opened or read (or is a workbook without
/// feature `spreadsheets`, or has no such sheet); as [`read`] otherwise (a header error does
/// not repeat the path: the caller knows it).
pub fn read_path(path: impl AsRef<Path>, options: &ReadOptions) -> Result<FileRead> {
    records(open_path(path, options)?, options)
}

/// The data rows of a customer file (CSV, or a sheet of a workbook as for [`read_path`]), for
/// callers that work on cells.
///
/// ```no_run
/// use clientele::files::{open_path, DataRows, ReadOptions};
/// let rows = open_path("customers.xlsx", &ReadOptions::default())?;
/// println!("{:?}", rows.header());
/// # Ok::<(), clientele::Error>(())
/// ```
///
/// # Errors
/// As [`read_path`], for the header.
pub fn open_path(path: impl AsRef<Path>, options: &ReadOptions) -> Result<Box<dyn DataRows>> {
    let path = path.as_ref();
    let name = path.display().to_string();
    if is_workbook(path) {
        #[cfg(feature = "spreadsheets")]
        return Ok(Box::new(super::sheet::SheetRows::open(
            path,
            options.sheet.as_deref(),
        )?));
        #[cfg(not(feature = "spreadsheets"))]
        return Err(Error::Io {
            path: name,
            reason: "a workbook: this build reads them with feature `spreadsheets`".to_owned(),
        });
    }
    let file = std::fs::File::open(path).map_err(|e| Error::Io {
        path: name.clone(),
        reason: e.to_string(),
    })?;
    let rows = CsvRows::named(BufReader::with_capacity(1 << 16, file), &name, options)?;
    Ok(Box::new(rows))
}

/// Reads customers from a stream: a header row, then one record per data row. Rows the row
/// reader refuses (wrong width, no id, a repeated id...) and rows refused while reading (a stray
/// quote, a NUL byte, text that does not decode in the file's [`super::Encoding`]) are in [`FileRead::rejected`] with their line;
/// the counts add up to the file's data rows.
///
/// ```
/// use clientele::files::{read, ReadOptions};
/// let file = read("id,phone,phone\nC1,111,222\n".as_bytes(), &ReadOptions::default());
/// assert!(file.is_err()); // a repeated column is refused unless asked to append
/// # Ok::<(), clientele::Error>(())
/// ```
///
/// # Errors
/// [`Error::Row`] (the header's line) for a missing or unreadable header or a repeated column
/// name (unless [`ReadOptions::repeated`] appends); [`Error::Io`] when reading fails.
pub fn read<R: Read>(source: R, options: &ReadOptions) -> Result<FileRead> {
    let rows = CsvRows::new(BufReader::with_capacity(1 << 16, source), options)?;
    records(rows, options)
}

/// Every data row read into a record or refused.
fn records(mut rows: impl DataRows, options: &ReadOptions) -> Result<FileRead> {
    let header_line = rows.header_line();
    let mut reader =
        RowReader::try_new(rows.header(), &options.map, options.repeated).map_err(|e| match e {
            Error::Row { reason, .. } => Error::Row {
                line: header_line,
                reason,
            },
            other => other,
        })?;
    if let Some(at) = options.default_time {
        reader = reader.with_default_time(at);
    }
    let columns: Vec<String> = reader.column_names().map(str::to_owned).collect();
    let mut file = FileRead {
        customers: Vec::new(),
        lines: Vec::new(),
        problems: Vec::new(),
        rejected: Vec::new(),
        filled: Default::default(),
        columns,
        counts: Default::default(),
        encoding: None,
    };
    let mut filled = vec![0usize; file.columns.len()];
    for row in rows.by_ref() {
        let (line, cells) = match row? {
            RawRow::Row { line, cells, .. } => (line, cells),
            RawRow::Refused(r) => {
                file.rejected.push(r);
                continue;
            }
        };
        match reader.read(line, &cells) {
            Ok(mut row) => {
                for (n, cell) in filled.iter_mut().zip(&cells) {
                    *n += usize::from(!cell.trim().is_empty());
                }
                extras::decode(&mut row.customer, line, &mut row.problems);
                file.lines.push(line);
                file.problems.push(row.problems);
                file.customers.push(row.customer);
            }
            Err(Error::Row { line, reason }) => file.rejected.push(RejectedRow { line, reason }),
            Err(e) => file.rejected.push(RejectedRow {
                line,
                reason: e.to_string(),
            }),
        }
    }
    for (name, n) in file.columns.iter().zip(filled) {
        if n > 0 {
            *file.filled.entry(name.clone()).or_default() += n;
        }
    }
    file.counts = rows.counts();
    file.encoding = rows.encoding();
    file.counts.read = file.customers.len() as u64;
    file.counts.rejected = file.rejected.len() as u64;
    Ok(file)
}
