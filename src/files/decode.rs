//! Text encodings of an input stream: byte-order marks, UTF-16 transcoded to UTF-8 as it
//! streams, and cells of ASCII-compatible text (UTF-8, GB18030/GBK) decoded strictly, with the
//! choice between those two made from the first non-ASCII rows.
//!
//! Lines are split on bytes (`\n`, `\r`), which is sound for UTF-8 and GB18030 (neither uses
//! those bytes inside a character) but not for UTF-16, which is therefore transcoded to UTF-8
//! before it is split. A UTF-16 code unit that does not decode (a lone surrogate, an odd last
//! byte) becomes an invalid UTF-8 byte, so its row is refused with its line like any row whose
//! text does not decode.

use std::borrow::Cow;
use std::io::{self, BufRead, BufReader, Read};

use encoding_rs::{DecoderResult, GB18030, GBK, UTF_16BE, UTF_16LE};

use super::options::Encoding;

/// How much non-ASCII text (bytes) [`Text::Auto`] looks at before it decides.
pub(super) const SAMPLE_BYTES: usize = 64 << 10;

/// The most lines read ahead to gather the sample.
pub(super) const SAMPLE_LINES: usize = 10_000;

/// The most bytes read ahead (and held) to gather the sample, ASCII lines included.
pub(super) const AHEAD_BYTES: usize = 8 << 20;

/// The stream, as bytes of an ASCII-compatible encoding.
pub(super) enum Source<R> {
    /// The stream itself (UTF-8 or GB18030/GBK, or yet to be decided).
    Bytes(R),
    /// UTF-16 transcoded to UTF-8.
    Utf16(BufReader<Utf16<R>>),
}

impl<R: BufRead> Read for Source<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Self::Bytes(r) => r.read(buf),
            Self::Utf16(r) => r.read(buf),
        }
    }
}

impl<R: BufRead> BufRead for Source<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        match self {
            Self::Bytes(r) => r.fill_buf(),
            Self::Utf16(r) => r.fill_buf(),
        }
    }

    fn consume(&mut self, n: usize) {
        match self {
            Self::Bytes(r) => r.consume(n),
            Self::Utf16(r) => r.consume(n),
        }
    }
}

/// How cells' bytes become text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Text {
    /// Not decided yet: ASCII so far.
    Auto,
    /// Decided or forced.
    Is(Encoding),
}

/// Opens `inner` for `wanted`: skips a byte-order mark and transcodes UTF-16.
///
/// Returns the source, how its cells decode, and (for a UTF-16 or forced encoding) the
/// encoding that is final.
///
/// # Errors
/// A message when a byte-order mark contradicts a forced encoding; an I/O error.
pub(super) fn open<R: BufRead>(
    mut inner: R,
    wanted: Encoding,
) -> io::Result<Result<(Source<R>, Text), String>> {
    let head = loop {
        match inner.fill_buf() {
            Ok(b) => break b.get(..3.min(b.len())).unwrap_or_default().to_vec(),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    };
    let bom = if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
        Some((Encoding::Utf8, 3))
    } else if head.starts_with(&[0xFF, 0xFE]) {
        Some((Encoding::Utf16Le, 2))
    } else if head.starts_with(&[0xFE, 0xFF]) {
        Some((Encoding::Utf16Be, 2))
    } else {
        None
    };
    let chosen = match (bom, wanted) {
        (Some((found, n)), Encoding::Auto) => {
            inner.consume(n);
            found
        }
        (Some((found, n)), w) if found == w => {
            inner.consume(n);
            found
        }
        (Some((found, _)), w) => {
            return Ok(Err(format!(
                "the file starts with a {found} byte-order mark but the encoding {w} was asked for"
            )));
        }
        (None, w) => w,
    };
    Ok(Ok(match chosen {
        Encoding::Utf16Le | Encoding::Utf16Be => (
            Source::Utf16(BufReader::with_capacity(1 << 16, Utf16::new(inner, chosen))),
            Text::Is(chosen),
        ),
        Encoding::Auto => (Source::Bytes(inner), Text::Auto),
        other => (Source::Bytes(inner), Text::Is(other)),
    }))
}

/// UTF-16 read as UTF-8, an undecodable unit turned into the invalid byte `0xFF`.
pub(super) struct Utf16<R> {
    inner: R,
    decoder: encoding_rs::Decoder,
    pending: Vec<u8>,
    done: bool,
}

impl<R: BufRead> Utf16<R> {
    fn new(inner: R, encoding: Encoding) -> Self {
        let which = if encoding == Encoding::Utf16Be {
            UTF_16BE
        } else {
            UTF_16LE
        };
        Self {
            inner,
            decoder: which.new_decoder_without_bom_handling(),
            pending: Vec::new(),
            done: false,
        }
    }

    /// Decodes the next input into `pending` (empty only at the end).
    fn refill(&mut self) -> io::Result<()> {
        while self.pending.is_empty() && !self.done {
            let input = match self.inner.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            let last = input.is_empty();
            let mut out = vec![0u8; input.len() * 3 / 2 + 16];
            let mut written = 0;
            let mut read = 0;
            loop {
                let rest = input.get(read..).unwrap_or_default();
                let space = out.get_mut(written..).unwrap_or_default();
                let (result, r, w) = self
                    .decoder
                    .decode_to_utf8_without_replacement(rest, space, last);
                read += r;
                written += w;
                match result {
                    DecoderResult::InputEmpty => break,
                    DecoderResult::OutputFull => out.resize(out.len() * 2 + 16, 0),
                    DecoderResult::Malformed(..) => {
                        out.truncate(written);
                        out.push(0xFF);
                        written += 1;
                        out.resize(written + rest.len() * 3 / 2 + 16, 0);
                    }
                }
            }
            out.truncate(written);
            self.inner.consume(read);
            self.pending = out;
            self.done = last;
        }
        Ok(())
    }
}

impl<R: BufRead> Read for Utf16<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.refill()?;
        let n = buf.len().min(self.pending.len());
        if let (Some(to), Some(from)) = (buf.get_mut(..n), self.pending.get(..n)) {
            to.copy_from_slice(from);
        }
        self.pending.drain(..n);
        Ok(n)
    }
}

/// A cell's text in `encoding` (UTF-8 for the already transcoded UTF-16), or `None` when it
/// does not decode.
pub(super) fn cell(bytes: Vec<u8>, encoding: Encoding) -> Option<String> {
    match encoding {
        Encoding::Gbk | Encoding::Gb18030 if !bytes.is_ascii() => {
            let which = if encoding == Encoding::Gbk {
                GBK
            } else {
                GB18030
            };
            which
                .decode_without_bom_handling_and_without_replacement(&bytes)
                .map(Cow::into_owned)
        }
        _ => String::from_utf8(bytes).ok(),
    }
}

/// The encoding of a sample of non-ASCII lines (see [`Encoding`]'s documentation).
pub(super) fn detect(sample: &[u8]) -> Encoding {
    let (valid, invalid) = utf8_sequences(sample);
    if invalid == 0 || valid > invalid {
        return Encoding::Utf8;
    }
    let gb_errors = gb18030_errors(sample);
    if gb_errors < invalid {
        Encoding::Gb18030
    } else {
        Encoding::Utf8
    }
}

/// Valid multi-byte UTF-8 sequences and invalid ones in `bytes`.
fn utf8_sequences(mut bytes: &[u8]) -> (usize, usize) {
    let lead = |b: &[u8]| b.iter().filter(|b| **b >= 0xC0).count();
    let (mut valid, mut invalid) = (0, 0);
    loop {
        match std::str::from_utf8(bytes) {
            Ok(s) => return (valid + lead(s.as_bytes()), invalid),
            Err(e) => {
                let (ok, rest) = bytes.split_at(e.valid_up_to());
                valid += lead(ok);
                invalid += 1;
                let skip = e.error_len().unwrap_or(rest.len()).max(1);
                bytes = rest.get(skip..).unwrap_or_default();
            }
        }
    }
}

/// How many malformed sequences decoding `bytes` as GB18030 meets.
fn gb18030_errors(bytes: &[u8]) -> usize {
    let mut decoder = GB18030.new_decoder_without_bom_handling();
    let mut out = vec![0u8; 4096];
    let (mut read, mut errors) = (0, 0);
    loop {
        let rest = bytes.get(read..).unwrap_or_default();
        let (result, r, _) = decoder.decode_to_utf8_without_replacement(rest, &mut out, true);
        read += r;
        match result {
            DecoderResult::InputEmpty => return errors,
            DecoderResult::OutputFull => {}
            DecoderResult::Malformed(..) => errors += 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detection_prefers_utf8_then_gb18030_then_fewer_errors() {
        let utf8 = "张伟,北京市朝阳区".as_bytes();
        let (gbk, _, _) = GBK.encode("张伟,北京市朝阳区");
        assert_eq!(detect(utf8), Encoding::Utf8);
        assert_eq!(detect(&gbk), Encoding::Gb18030);
        let mut damaged = "张伟,北京市朝阳区\n李娜,上海".as_bytes().to_vec();
        damaged.push(0xFF);
        assert_eq!(detect(&damaged), Encoding::Utf8);
        assert_eq!(detect(&[0xFF, 0xFF, 0xFF]), Encoding::Utf8);
    }

    #[test]
    fn utf16_is_transcoded_and_a_lone_surrogate_becomes_an_invalid_byte() {
        let mut le: Vec<u8> = "a,张\n".encode_utf16().flat_map(u16::to_le_bytes).collect();
        le.extend_from_slice(&[0x00, 0xD8, b'\n', 0]);
        let mut out = Vec::new();
        Utf16::new(le.as_slice(), Encoding::Utf16Le)
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out, b"a,\xE5\xBC\xA0\n\xFF\n");
    }

    #[test]
    fn a_contradicting_byte_order_mark_is_an_error() {
        let bytes = b"\xEF\xBB\xBFid\n";
        assert!(open(&bytes[..], Encoding::Gbk).unwrap().is_err());
        let (_, text) = open(&bytes[..], Encoding::Auto).unwrap().unwrap();
        assert_eq!(text, Text::Is(Encoding::Utf8));
    }
}
