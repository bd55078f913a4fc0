//! A customer file read into records through the row reader, every row read or refused.

use std::io::{BufReader, Read};
use std::path::Path;

use rayon::prelude::*;

use super::csv_rows::{CsvRows, DataRows, RawRow};
use super::extras;
use super::options::ReadOptions;
use super::report::{FileRead, RejectedRow};
use crate::error::{Error, Result};
use crate::import::{FieldProblem, ParsedRow, RowReader};
use crate::model::Customer;

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
    kept(open_path(path, options)?, options)
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
    kept(rows, options)
}

/// Records read from a file, one chunk of rows at a time, in file order (see
/// [`read_path_chunks`]).
#[derive(Debug, Default)]
pub struct Chunk {
    /// The records.
    pub customers: Vec<Customer>,
    /// The first line of each record's row.
    pub lines: Vec<u64>,
    /// The cells of each record that could not be typed (kept as custom fields).
    pub problems: Vec<Vec<FieldProblem>>,
}

/// Reads a customer file as [`read_path`] does, handing the records to `sink` a chunk at a
/// time (in file order) instead of keeping them: for callers that turn records into something
/// smaller as they come (the duplicate detector's prepared keys), so that the whole file's
/// records are never held at once. The [`FileRead`] returned has everything but the records,
/// their lines and their problems (which went to `sink`): the refused rows, the counts, the
/// columns filled and the encoding.
///
/// Rows are cut into cells on the calling thread while a second thread reads the cells into
/// records, each chunk's rows in parallel (rayon), and calls `sink`; the outcome is the same
/// as reading the rows one by one (a repeated id is refused at its second row, naming the
/// first).
///
/// ```no_run
/// use clientele::files::{read_path_chunks, ReadOptions};
/// let mut persons = 0;
/// let file = read_path_chunks("customers.csv", &ReadOptions::default(), |chunk| {
///     persons += chunk.customers.iter().filter(|c| c.person_name.is_some()).count();
/// })?;
/// println!("{persons} persons in {} rows read", file.counts.read);
/// # Ok::<(), clientele::Error>(())
/// ```
///
/// # Errors
/// As [`read_path`].
pub fn read_path_chunks(
    path: impl AsRef<Path>,
    options: &ReadOptions,
    sink: impl FnMut(Chunk) + Send,
) -> Result<FileRead> {
    records(open_path(path, options)?, options, sink)
}

/// Every data row read into a record or refused, the records kept.
fn kept(rows: impl DataRows, options: &ReadOptions) -> Result<FileRead> {
    let mut all = Chunk::default();
    let mut file = records(rows, options, |chunk| {
        all.customers.extend(chunk.customers);
        all.lines.extend(chunk.lines);
        all.problems.extend(chunk.problems);
    })?;
    file.customers = all.customers;
    file.lines = all.lines;
    file.problems = all.problems;
    Ok(file)
}

/// Data rows cut into cells, handed from the reading thread to the one making records.
const CHUNK_ROWS: usize = 4096;

/// Every data row read into a record (given to `sink`, a chunk at a time) or refused.
fn records(
    mut rows: impl DataRows,
    options: &ReadOptions,
    mut sink: impl FnMut(Chunk) + Send,
) -> Result<FileRead> {
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
    let width = columns.len();
    // Two chunks in flight: the reader cuts the next while the records of one are made.
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<RawRow>>(2);
    let (made, cut) = std::thread::scope(|s| {
        let worker = s.spawn(|| make_records(reader, rx, width, &mut sink));
        let mut cut = Ok(());
        let mut batch = Vec::with_capacity(CHUNK_ROWS);
        for row in rows.by_ref() {
            match row {
                Ok(row) => batch.push(row),
                Err(e) => {
                    cut = Err(e);
                    break;
                }
            }
            if batch.len() == CHUNK_ROWS {
                let full = std::mem::replace(&mut batch, Vec::with_capacity(CHUNK_ROWS));
                if tx.send(full).is_err() {
                    break;
                }
            }
        }
        if !batch.is_empty() {
            // The worker only stops early by panicking, which `join` passes on.
            let _ = tx.send(batch);
        }
        drop(tx);
        (worker.join(), cut)
    });
    let made = match made {
        Ok(made) => made,
        Err(panic) => std::panic::resume_unwind(panic),
    };
    cut?;
    let mut file = FileRead {
        customers: Vec::new(),
        lines: Vec::new(),
        problems: Vec::new(),
        rejected: made.rejected,
        filled: Default::default(),
        columns,
        counts: rows.counts(),
        encoding: rows.encoding(),
    };
    for (name, n) in file.columns.iter().zip(made.filled) {
        if n > 0 {
            *file.filled.entry(name.clone()).or_default() += n;
        }
    }
    file.counts.read = made.read;
    file.counts.rejected = file.rejected.len() as u64;
    Ok(file)
}

/// What the thread making records found besides the records.
struct Made {
    rejected: Vec<RejectedRow>,
    /// Non-empty cells per column among the rows read.
    filled: Vec<usize>,
    read: u64,
}

/// Adds the non-empty cells of `rows` to `filled` (one count per column), counting and
/// dropping the rows on every core (the sums do not depend on the order).
fn add_filled(filled: &mut [usize], rows: Vec<Vec<String>>) {
    let width = filled.len();
    let counts = rows
        .into_par_iter()
        .fold(
            || vec![0usize; width],
            |mut counts, cells| {
                for (n, cell) in counts.iter_mut().zip(&cells) {
                    *n += usize::from(!cell.trim().is_empty());
                }
                counts
            },
        )
        .reduce(
            || vec![0usize; width],
            |mut a, b| {
                for (x, y) in a.iter_mut().zip(b) {
                    *x += y;
                }
                a
            },
        );
    for (n, c) in filled.iter_mut().zip(counts) {
        *n += c;
    }
}

/// Makes the records of each chunk of rows: parsed in parallel, then admitted in file order
/// (the repeated-id check), and given to `sink`.
fn make_records(
    mut reader: RowReader,
    chunks: std::sync::mpsc::Receiver<Vec<RawRow>>,
    width: usize,
    sink: &mut impl FnMut(Chunk),
) -> Made {
    let mut made = Made {
        rejected: Vec::new(),
        filled: vec![0; width],
        read: 0,
    };
    for rows in chunks {
        let parsed: Vec<Option<ParsedRow>> = rows
            .par_iter()
            .map(|row| match row {
                RawRow::Row { line, cells, .. } => Some(reader.parse(*line, cells)),
                RawRow::Refused(_) => None,
            })
            .collect();
        let mut chunk = Chunk::default();
        // The admitted rows' cells, counted (non-empty cells per column) and dropped on every
        // core once the rows are admitted: only the admission (the repeated-id check) needs
        // file order.
        let mut kept_cells: Vec<Vec<String>> = Vec::with_capacity(rows.len());
        for (row, parsed) in rows.into_iter().zip(parsed) {
            let (line, cells, parsed) = match (row, parsed) {
                (RawRow::Row { line, cells, .. }, Some(p)) => (line, cells, p),
                (RawRow::Refused(r), _) => {
                    made.rejected.push(r);
                    continue;
                }
                (RawRow::Row { .. }, None) => continue,
            };
            match reader.admit(line, parsed) {
                Ok(row) => {
                    kept_cells.push(cells);
                    chunk.lines.push(line);
                    chunk.problems.push(row.problems);
                    chunk.customers.push(row.customer);
                }
                Err(Error::Row { line, reason }) => {
                    made.rejected.push(RejectedRow { line, reason })
                }
                Err(e) => made.rejected.push(RejectedRow {
                    line,
                    reason: e.to_string(),
                }),
            }
        }
        add_filled(&mut made.filled, kept_cells);
        chunk
            .customers
            .par_iter_mut()
            .zip(chunk.problems.par_iter_mut())
            .zip(chunk.lines.par_iter())
            .for_each(|((customer, problems), &line)| {
                extras::decode(customer, line, problems);
            });
        made.read += chunk.customers.len() as u64;
        sink(chunk);
    }
    made
}
