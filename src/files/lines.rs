//! Physical lines of a byte stream: ended by `\n`, `\r\n` or a lone `\r`, numbered from 1, each
//! bounded in size.

use std::io::{self, BufRead};

/// One physical line: its number, its bytes without the terminator, and the terminator.
pub(super) struct PhysicalLine {
    /// One-based line number in the stream.
    pub number: u64,
    /// The line's bytes (at most the size bound; see `overflow`).
    pub content: Vec<u8>,
    /// `\n`, `\r\n`, `\r`, or empty for a last line without one.
    pub terminator: &'static [u8],
    /// Whether the line was longer than the bound (its rest was skipped).
    pub overflow: bool,
}

impl PhysicalLine {
    /// An empty line (no byte before its terminator).
    pub fn is_blank(&self) -> bool {
        self.content.is_empty() && !self.overflow
    }
}

/// Splits a stream into physical lines.
pub(super) struct Lines<R> {
    inner: R,
    next_number: u64,
    max_bytes: usize,
}

impl<R: BufRead> Lines<R> {
    pub fn new(inner: R, max_bytes: usize) -> Self {
        Self {
            inner,
            next_number: 1,
            max_bytes,
        }
    }

    /// How many lines were read so far.
    pub fn count(&self) -> u64 {
        self.next_number - 1
    }

    /// The next line, or `None` at the end of the stream.
    pub fn next_line(&mut self) -> io::Result<Option<PhysicalLine>> {
        let mut content = Vec::new();
        let mut overflow = false;
        let mut read_any = false;
        let terminator: &'static [u8] = loop {
            let buf = match self.inner.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if buf.is_empty() {
                if !read_any {
                    return Ok(None);
                }
                break b"";
            }
            read_any = true;
            let end = buf.iter().position(|b| *b == b'\n' || *b == b'\r');
            let take = end.unwrap_or(buf.len());
            let room = self.max_bytes.saturating_sub(content.len());
            if take > room {
                overflow = true;
            }
            content.extend_from_slice(buf.get(..take.min(room)).unwrap_or_default());
            let Some(i) = end else {
                let n = buf.len();
                self.inner.consume(n);
                continue;
            };
            let is_cr = buf.get(i) == Some(&b'\r');
            self.inner.consume(i + 1);
            if !is_cr {
                break b"\n";
            }
            // A `\r` ends the line; a `\n` right after it belongs to the same terminator.
            let next = loop {
                match self.inner.fill_buf() {
                    Ok(b) => break b.first().copied(),
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e),
                }
            };
            if next == Some(b'\n') {
                self.inner.consume(1);
                break b"\r\n";
            }
            break b"\r";
        };
        let number = self.next_number;
        self.next_number += 1;
        Ok(Some(PhysicalLine {
            number,
            content,
            terminator,
            overflow,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(bytes: &[u8], max: usize) -> Vec<(u64, Vec<u8>, &'static [u8], bool)> {
        // A tiny buffer so that terminators fall across buffer ends.
        let mut lines = Lines::new(io::BufReader::with_capacity(2, bytes), max);
        let mut out = Vec::new();
        while let Some(l) = lines.next_line().unwrap() {
            out.push((l.number, l.content, l.terminator, l.overflow));
        }
        out
    }

    #[test]
    fn every_terminator_ends_a_line_and_is_kept() {
        let got = split(b"a\nbb\r\ncc\rd\n\ne", 100);
        let want: Vec<(u64, Vec<u8>, &[u8], bool)> = vec![
            (1, b"a".to_vec(), b"\n", false),
            (2, b"bb".to_vec(), b"\r\n", false),
            (3, b"cc".to_vec(), b"\r", false),
            (4, b"d".to_vec(), b"\n", false),
            (5, Vec::new(), b"\n", false),
            (6, b"e".to_vec(), b"", false),
        ];
        assert_eq!(got, want);
        assert!(split(b"", 100).is_empty());
        assert_eq!(split(b"\r", 100).len(), 1);
    }

    #[test]
    fn a_line_over_the_bound_is_cut_and_flagged_and_the_next_one_read() {
        let got = split(b"abcdefgh\nij\n", 4);
        assert_eq!(got[0].1, b"abcd");
        assert!(got[0].3);
        assert_eq!(
            (got[1].0, got[1].1.as_slice(), got[1].3),
            (2, &b"ij"[..], false)
        );
    }
}
