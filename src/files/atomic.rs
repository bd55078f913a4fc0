//! An output file that appears only once it is whole: written to a temporary file in the same
//! directory and renamed over the target on success.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{Error, Result};

/// Temporary files made by this process so far (for unique names).
static MADE: AtomicU64 = AtomicU64::new(0);

/// A file written in full or not at all.
///
/// Bytes go to `.NAME.PID-N.tmp` beside the target; [`AtomicFile::commit`] flushes, syncs and
/// renames it over the target. Dropped without a commit (an error, a panic), the temporary
/// file is removed and the target is left as it was.
///
/// ```
/// use std::io::Write;
/// use clientele::files::AtomicFile;
/// let path = std::env::temp_dir().join(format!("clientele-doc-{}.txt", std::process::id()));
/// let mut f = AtomicFile::create(&path)?;
/// f.write_all(b"half").map_err(|e| f.error(&e))?;
/// drop(f); // no commit: nothing appears
/// assert!(!path.exists());
/// let mut f = AtomicFile::create(&path)?;
/// f.write_all(b"whole").map_err(|e| f.error(&e))?;
/// f.commit()?;
/// assert_eq!(std::fs::read(&path).unwrap(), b"whole");
/// # std::fs::remove_file(&path).unwrap();
/// # Ok::<(), clientele::Error>(())
/// ```
pub struct AtomicFile {
    /// The path as given (for messages).
    target: PathBuf,
    /// Where the temporary file is renamed to: the target, or the file a link points to.
    dest: PathBuf,
    /// The temporary file, or `None` when writing straight to a target that is not a regular
    /// file (a device such as `/dev/null`, a pipe), which must not be replaced.
    temp: Option<PathBuf>,
    out: Option<BufWriter<File>>,
}

impl AtomicFile {
    /// Starts writing `target` (its directory must exist). A target that exists and is not a
    /// regular file (`/dev/null`, a named pipe) is written to directly; a symbolic link is
    /// followed, so the link stays and its file is replaced.
    ///
    /// # Errors
    /// [`Error::Io`] naming the target when the temporary file (or the target) cannot be
    /// created.
    pub fn create(target: impl AsRef<Path>) -> Result<Self> {
        let given = target.as_ref();
        let dest =
            std::fs::canonicalize(given).unwrap_or_else(|_| match std::fs::read_link(given) {
                // A link to a file not there yet: the file it names.
                Ok(to) => given.parent().map_or(to.clone(), |dir| dir.join(&to)),
                Err(_) => given.to_path_buf(),
            });
        let special = std::fs::metadata(&dest).is_ok_and(|m| !m.is_file());
        let open = |path: &Path| File::create(path).map_err(|e| io_error(given, &e));
        let (file, temp) = if special {
            (open(&dest)?, None)
        } else {
            let name = dest
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "output".to_owned());
            let n = MADE.fetch_add(1, Ordering::Relaxed);
            let temp = dest.with_file_name(format!(".{name}.{}-{n}.tmp", std::process::id()));
            (open(&temp)?, Some(temp))
        };
        Ok(Self {
            target: given.to_path_buf(),
            dest,
            temp,
            out: Some(BufWriter::with_capacity(1 << 16, file)),
        })
    }

    /// The file being written.
    pub fn path(&self) -> &Path {
        &self.target
    }

    /// An I/O error of this file, naming it.
    pub fn error(&self, e: &io::Error) -> Error {
        io_error(&self.target, e)
    }

    /// Flushes, syncs and renames the temporary file over the target.
    ///
    /// # Errors
    /// [`Error::Io`] naming the target when any step fails (a full disk shows here at the
    /// latest); the temporary file is then removed.
    pub fn commit(mut self) -> Result<()> {
        let Some(out) = self.out.take() else {
            return Ok(());
        };
        let file = out
            .into_inner()
            .map_err(|e| io_error(&self.target, e.error()))?;
        let Some(temp) = &self.temp else {
            return Ok(());
        };
        file.sync_all().map_err(|e| io_error(&self.target, &e))?;
        drop(file);
        std::fs::rename(temp, &self.dest).map_err(|e| io_error(&self.target, &e))?;
        self.temp = None;
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.out {
            Some(out) => out.write(buf),
            None => Err(io::Error::other("file already committed")),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.out {
            Some(out) => out.flush(),
            None => Ok(()),
        }
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        // Not committed (or the commit failed): remove the temporary file.
        self.out = None;
        if let Some(temp) = &self.temp {
            let _ = std::fs::remove_file(temp);
        }
    }
}

/// An I/O error naming the file.
pub(super) fn io_error(path: &Path, e: &io::Error) -> Error {
    Error::Io {
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}
