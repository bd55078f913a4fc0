//! The byte layer of a backup: the stream header, frames with chained SHA-256 digests, and the
//! running SHA-256 of the whole stream.
//!
//! ```text
//! stream  := MAGIC  VERSION(u32, big-endian)  frame*
//! frame   := TAG(u8)  LEN(u32, big-endian)  PAYLOAD(LEN bytes)  DIGEST(32 bytes)
//! DIGEST  := SHA-256(previous DIGEST ‖ TAG ‖ LEN ‖ PAYLOAD)
//! ```
//!
//! The first frame's "previous digest" is SHA-256(MAGIC ‖ VERSION), so each digest covers its
//! frame and, through the chain, every byte before it: a changed byte is caught at its frame,
//! and a frame dropped, repeated or moved at the next one.

use std::io::{self, BufReader, BufWriter, Read, Write};

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// The first bytes of every backup (PNG-style: a high byte, a name, and line endings a text
/// transfer would mangle).
pub(super) const MAGIC: &[u8; 21] = b"\x89CLIENTELE BACKUP\r\n\x1a\n";

/// The format version this crate writes, and the newest it reads.
pub(super) const FORMAT_VERSION: u32 = 1;

/// The largest payload a frame may have (256 MiB): a longer declared length is refused before
/// anything is read, so a damaged length cannot make a reader allocate without bound.
pub(super) const MAX_PAYLOAD: usize = 256 << 20;

/// Length of a frame's digest.
const DIGEST_LEN: usize = 32;

/// The digest that precedes the first frame: SHA-256 of the magic and the version.
fn seed(version: u32) -> [u8; DIGEST_LEN] {
    let mut h = Sha256::new();
    h.update(MAGIC);
    h.update(version.to_be_bytes());
    h.finalize().into()
}

/// A frame's chained digest.
fn chained(previous: &[u8; DIGEST_LEN], tag: u8, len: [u8; 4], payload: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(previous);
    h.update([tag]);
    h.update(len);
    h.update(payload);
    h.finalize().into()
}

/// Lower-case hexadecimal of a digest.
pub(super) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    s
}

fn write_failed(e: &io::Error) -> Error {
    Error::Io {
        path: "output".to_owned(),
        reason: e.to_string(),
    }
}

/// Writes the stream: header, frames, and the running digests.
pub(super) struct FrameWriter<W: Write> {
    out: BufWriter<W>,
    whole: Sha256,
    chain: [u8; DIGEST_LEN],
    bytes: u64,
    frames: u64,
}

impl<W: Write> FrameWriter<W> {
    /// Writes the magic and the version.
    pub(super) fn start(out: W) -> Result<Self> {
        let mut w = Self {
            out: BufWriter::with_capacity(1 << 16, out),
            whole: Sha256::new(),
            chain: seed(FORMAT_VERSION),
            bytes: 0,
            frames: 0,
        };
        w.raw(MAGIC)?;
        w.raw(&FORMAT_VERSION.to_be_bytes())?;
        Ok(w)
    }

    fn raw(&mut self, bytes: &[u8]) -> Result<()> {
        self.out.write_all(bytes).map_err(|e| write_failed(&e))?;
        self.whole.update(bytes);
        self.bytes += bytes.len() as u64;
        Ok(())
    }

    /// Writes one frame.
    ///
    /// # Errors
    /// `Error::InvalidValue` when the payload exceeds [`MAX_PAYLOAD`]; `Error::Io` when the
    /// writer fails.
    pub(super) fn frame(&mut self, tag: u8, payload: &[u8]) -> Result<()> {
        if payload.len() > MAX_PAYLOAD {
            return Err(Error::InvalidValue {
                field: "backup frame".to_owned(),
                reason: format!(
                    "one item encodes to {} bytes, over the {MAX_PAYLOAD}-byte frame limit",
                    payload.len()
                ),
                masked: String::new(),
            });
        }
        let len = u32::try_from(payload.len())
            .unwrap_or(u32::MAX)
            .to_be_bytes();
        let digest = chained(&self.chain, tag, len, payload);
        self.raw(&[tag])?;
        self.raw(&len)?;
        self.raw(payload)?;
        self.raw(&digest)?;
        self.chain = digest;
        self.frames += 1;
        Ok(())
    }

    /// The SHA-256 of every byte written so far.
    pub(super) fn digest_so_far(&self) -> [u8; DIGEST_LEN] {
        self.whole.clone().finalize().into()
    }

    /// Frames written so far.
    pub(super) fn frames(&self) -> u64 {
        self.frames
    }

    /// Flushes the writer; returns the bytes written and the SHA-256 of all of them.
    pub(super) fn finish(mut self) -> Result<(u64, [u8; DIGEST_LEN])> {
        self.out.flush().map_err(|e| write_failed(&e))?;
        Ok((self.bytes, self.whole.finalize().into()))
    }
}

/// One frame as read, its digest checked.
pub(super) struct RawFrame {
    /// Where the frame starts in the stream.
    pub(super) offset: u64,
    /// Its kind.
    pub(super) tag: u8,
    /// Its payload.
    pub(super) payload: Vec<u8>,
    /// The SHA-256 of every byte of the stream before this frame.
    pub(super) before: [u8; DIGEST_LEN],
}

/// Reads the stream back, checking every frame's digest.
pub(super) struct FrameReader<R: Read> {
    input: BufReader<R>,
    whole: Sha256,
    chain: [u8; DIGEST_LEN],
    offset: u64,
    frames: u64,
}

/// A refusal of the stream at `offset`.
pub(super) fn corrupt(offset: u64, reason: impl Into<String>) -> Error {
    Error::BackupCorrupt {
        offset,
        reason: reason.into(),
    }
}

impl<R: Read> FrameReader<R> {
    /// Reads and checks the magic and the version.
    ///
    /// # Errors
    /// `Error::BackupCorrupt` for a stream that is not a backup (or too short to be one),
    /// `Error::BackupTooNew` for a newer format version; `Error::Io` when the reader fails.
    pub(super) fn start(input: R) -> Result<(Self, u32)> {
        let mut r = Self {
            input: BufReader::with_capacity(1 << 16, input),
            whole: Sha256::new(),
            chain: [0; DIGEST_LEN],
            offset: 0,
            frames: 0,
        };
        let mut magic = [0u8; MAGIC.len()];
        let got = r.fill(&mut magic)?;
        if got < MAGIC.len() || &magic != MAGIC {
            return Err(corrupt(
                0,
                "not a clientele backup (its first bytes differ)",
            ));
        }
        let mut version = [0u8; 4];
        if r.fill(&mut version)? < version.len() {
            return Err(corrupt(
                MAGIC.len() as u64,
                "truncated: the stream ends in its header",
            ));
        }
        let version = u32::from_be_bytes(version);
        if version > FORMAT_VERSION {
            return Err(Error::BackupTooNew {
                found: version,
                supported: FORMAT_VERSION,
            });
        }
        if version == 0 {
            return Err(corrupt(
                MAGIC.len() as u64,
                "format version 0 does not exist",
            ));
        }
        r.chain = seed(version);
        Ok((r, version))
    }

    /// Reads until `buf` is full or the stream ends; returns how many bytes were read.
    fn fill(&mut self, buf: &mut [u8]) -> Result<usize> {
        let mut n = 0;
        while n < buf.len() {
            let Some(rest) = buf.get_mut(n..) else { break };
            match self.input.read(rest) {
                Ok(0) => break,
                Ok(k) => n += k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    return Err(Error::Io {
                        path: "input".to_owned(),
                        reason: e.to_string(),
                    });
                }
            }
        }
        if let Some(read) = buf.get(..n) {
            self.whole.update(read);
        }
        self.offset += n as u64;
        Ok(n)
    }

    /// Reads exactly `buf.len()` bytes of the frame starting at `start`.
    fn exact(&mut self, buf: &mut [u8], start: u64) -> Result<()> {
        if self.fill(buf)? < buf.len() {
            return Err(corrupt(start, "truncated: the stream ends inside a frame"));
        }
        Ok(())
    }

    /// Reads the next frame and checks its digest; `None` when the stream ends exactly at a
    /// frame boundary.
    ///
    /// # Errors
    /// `Error::BackupCorrupt` for a frame cut short, too long or whose digest differs;
    /// `Error::Io` when the reader fails.
    pub(super) fn next(&mut self) -> Result<Option<RawFrame>> {
        let start = self.offset;
        let before: [u8; DIGEST_LEN] = self.whole.clone().finalize().into();
        let mut head = [0u8; 5];
        match self.fill(&mut head)? {
            0 => return Ok(None),
            n if n < head.len() => {
                return Err(corrupt(start, "truncated: the stream ends inside a frame"));
            }
            _ => {}
        }
        let [tag, l0, l1, l2, l3] = head;
        let len = [l0, l1, l2, l3];
        let size = usize::try_from(u32::from_be_bytes(len)).unwrap_or(usize::MAX);
        if size > MAX_PAYLOAD {
            return Err(corrupt(
                start,
                format!(
                    "frame {} declares {size} bytes, over the frame limit",
                    self.frames
                ),
            ));
        }
        let mut payload = Vec::new();
        let got = (&mut self.input)
            .take(size as u64)
            .read_to_end(&mut payload)
            .map_err(|e| Error::Io {
                path: "input".to_owned(),
                reason: e.to_string(),
            })?;
        self.whole.update(&payload);
        self.offset += got as u64;
        if got < size {
            return Err(corrupt(start, "truncated: the stream ends inside a frame"));
        }
        let mut digest = [0u8; DIGEST_LEN];
        self.exact(&mut digest, start)?;
        let want = chained(&self.chain, tag, len, &payload);
        if digest != want {
            return Err(corrupt(
                start,
                format!(
                    "frame {} fails its SHA-256 check (changed bytes, or a frame missing or moved)",
                    self.frames
                ),
            ));
        }
        self.chain = digest;
        self.frames += 1;
        Ok(Some(RawFrame {
            offset: start,
            tag,
            payload,
            before,
        }))
    }

    /// Whether the stream has ended (reads one byte to know).
    pub(super) fn at_end(&mut self) -> Result<bool> {
        let mut one = [0u8; 1];
        Ok(self.fill(&mut one)? == 0)
    }

    /// Frames read so far.
    pub(super) fn frames(&self) -> u64 {
        self.frames
    }

    /// Bytes read so far.
    pub(super) fn offset(&self) -> u64 {
        self.offset
    }

    /// Bytes read so far and their SHA-256.
    pub(super) fn finish(self) -> (u64, [u8; DIGEST_LEN]) {
        (self.offset, self.whole.finalize().into())
    }
}
