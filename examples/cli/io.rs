//! The command line's I/O: customer files read through `clientele::files` with refused rows
//! tracked for the exit status, output files written whole or not at all, and standard output
//! that ends quietly when the reader goes away.

use std::io::{self, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use clientele::files::{AtomicFile, FileRead, ReadOptions, read_path};
use clientele::import::{ColumnMap, RepeatedColumns};

use super::Input;

/// Set once standard output's reader has gone (`| head`).
static PIPE_CLOSED: AtomicBool = AtomicBool::new(false);

/// Rows refused while reading input without `--allow-rejects`.
static REFUSED: AtomicU64 = AtomicU64::new(0);

/// The exit status of a run that refused rows without `--allow-rejects`.
pub const EXIT_REFUSED: u8 = 3;

/// Standard output, where a closed pipe ends the output quietly: later writes are dropped and
/// the command finishes as if its reader had read everything.
pub struct Stdout;

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if PIPE_CLOSED.load(Ordering::Relaxed) {
            return Ok(buf.len());
        }
        match io::stdout().lock().write(buf) {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                PIPE_CLOSED.store(true, Ordering::Relaxed);
                Ok(buf.len())
            }
            other => other,
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        if PIPE_CLOSED.load(Ordering::Relaxed) {
            return Ok(());
        }
        match io::stdout().lock().flush() {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                PIPE_CLOSED.store(true, Ordering::Relaxed);
                Ok(())
            }
            other => other,
        }
    }
}

/// Buffered standard output (for tables and CSV).
pub fn stdout() -> io::BufWriter<Stdout> {
    io::BufWriter::with_capacity(1 << 16, Stdout)
}

/// An error writing standard output.
pub fn stdout_error(e: impl std::fmt::Display) -> String {
    format!("standard output: {e}")
}

/// `println!` to [`Stdout`], giving `Result<(), String>`.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!($crate::io::Stdout, $($arg)*).map_err($crate::io::stdout_error)
    }};
}
pub(crate) use outln;

/// Rows refused without `--allow-rejects` so far.
pub fn refused() -> u64 {
    REFUSED.load(Ordering::Relaxed)
}

/// Whether output files may be written: no row was refused without `--allow-rejects`.
pub fn may_write() -> bool {
    refused() == 0
}

/// Reading options from the input flags.
pub fn read_options(map: &[String], repeated: RepeatedColumns) -> Result<ReadOptions, String> {
    Ok(ReadOptions {
        map: ColumnMap::parse_all(map).map_err(|e| e.to_string())?,
        repeated,
        ..ReadOptions::default()
    })
}

/// Reading options from the input flags, `--encoding` included: what every command that reads
/// customers uses.
pub fn options(input: &Input) -> Result<ReadOptions, String> {
    Ok(ReadOptions {
        encoding: input.encoding,
        sheet: input.sheet.clone(),
        ..read_options(&input.map, input.repeated_columns.into())?
    })
}

/// Reads a customers file; refused rows are listed on standard error (the first 20) and, unless
/// `--allow-rejects`, counted for the exit status.
pub fn load(input: &Input) -> Result<FileRead, String> {
    let options = options(input)?;
    let file = read_file(&input.file, &options)?;
    note_rejects(&input.file, &file, input.allow_rejects, true);
    Ok(file)
}

/// Reads a customers file, naming it in every error.
pub fn read_file(path: &Path, options: &ReadOptions) -> Result<FileRead, String> {
    read_path(path, options).map_err(|e| match e {
        clientele::Error::Io { .. } => e.to_string(),
        other => format!("{}: {other}", path.display()),
    })
}

/// Reads a customers file a chunk of records at a time (see
/// [`clientele::files::read_path_chunks`]), naming it in every error.
pub fn read_chunks(
    path: &Path,
    options: &ReadOptions,
    sink: impl FnMut(clientele::files::Chunk) + Send,
) -> Result<FileRead, String> {
    clientele::files::read_path_chunks(path, options, sink).map_err(|e| match e {
        clientele::Error::Io { .. } => e.to_string(),
        other => format!("{}: {other}", path.display()),
    })
}

/// Lists a file's refused rows on standard error (when `list`) and counts them for the exit
/// status unless they are allowed.
pub fn note_rejects(path: &Path, file: &FileRead, allowed: bool, list: bool) {
    let rejected = &file.rejected;
    if rejected.is_empty() {
        return;
    }
    if list {
        eprintln!(
            "{}: {} of {} rows refused:",
            path.display(),
            rejected.len(),
            file.counts.data_rows
        );
        for r in rejected.iter().take(20) {
            eprintln!("  line {}: {}", r.line, r.reason);
        }
        if rejected.len() > 20 {
            eprintln!(
                "  ... and {} more (`stats` lists them all)",
                rejected.len() - 20
            );
        }
    }
    if !allowed {
        REFUSED.fetch_add(rejected.len() as u64, Ordering::Relaxed);
    }
}

/// Counts rows refused by a command that reads rows itself (`normalize`).
pub fn note_refused(n: u64) {
    REFUSED.fetch_add(n, Ordering::Relaxed);
}

/// Starts an output file (written whole or not at all).
pub fn create(path: &Path) -> Result<AtomicFile, String> {
    AtomicFile::create(path).map_err(|e| e.to_string())
}

/// Starts a CSV output file.
pub fn create_csv(path: &Path) -> Result<csv::Writer<AtomicFile>, String> {
    Ok(csv::Writer::from_writer(create(path)?))
}

/// A CSV error of an output file, naming it.
pub fn csv_error(path: &Path) -> impl Fn(csv::Error) -> String + '_ {
    move |e| format!("{}: {e}", path.display())
}

/// Finishes an output file: renamed into place, unless rows were refused without
/// `--allow-rejects` (then it is dropped, and nothing is left behind).
pub fn commit(file: AtomicFile) -> Result<(), String> {
    if may_write() {
        file.commit().map_err(|e| e.to_string())
    } else {
        Ok(())
    }
}

/// Finishes a CSV output file (see [`commit`]).
pub fn commit_csv(w: csv::Writer<AtomicFile>, path: &Path) -> Result<(), String> {
    let file = w
        .into_inner()
        .map_err(|e| format!("{}: {}", path.display(), e.error()))?;
    commit(file)
}

/// An output of one JSON value per line (audit events, provenance), written whole or not at
/// all; without a path the lines go nowhere.
pub struct JsonLines {
    out: Option<(AtomicFile, std::path::PathBuf)>,
}

impl JsonLines {
    /// Starts the output (none without a path).
    pub fn create(path: Option<&Path>) -> Result<Self, String> {
        Ok(Self {
            out: match path {
                Some(p) => Some((create(p)?, p.to_path_buf())),
                None => None,
            },
        })
    }

    /// Writes one value as a line.
    pub fn line<T: serde::Serialize>(&mut self, value: &T) -> Result<(), String> {
        let Some((file, path)) = &mut self.out else {
            return Ok(());
        };
        let json = serde_json::to_string(value).map_err(|e| format!("{}: {e}", path.display()))?;
        writeln!(file, "{json}").map_err(|e| file.error(&e).to_string())
    }

    /// Finishes the output (see [`commit`]).
    pub fn commit(self) -> Result<(), String> {
        match self.out {
            Some((file, _)) => commit(file),
            None => Ok(()),
        }
    }
}
