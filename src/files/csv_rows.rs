//! Records of a CSV stream, assembled from physical lines, with stray quotes caught.
//!
//! A record is parsed line by line (RFC 4180: a field starting with `"` is quoted, `""` inside
//! it is one quote). While a quoted field is open at a line's end the record takes the next
//! line; the field is judged a stray quote, and its record refused at its first line, as soon
//! as it holds a line break and a row's worth of delimiters, or spans more lines or bytes than
//! the limits, or never closes, or closes leaving text after the quote or a record of another
//! width than the header. The lines it had taken are then read again on their own.

use std::collections::VecDeque;
use std::fmt;
use std::io::BufRead;

use super::decode::{self, AHEAD_BYTES, SAMPLE_BYTES, SAMPLE_LINES, Source, Text};
use super::lines::{Lines, PhysicalLine};
use super::options::{Encoding, InputFormat, Limits, ReadOptions};
use super::report::{RejectedRow, RowCounts};
use crate::error::{Error, Result};

/// One data row of a CSV stream, as [`CsvRows`] gives it.
///
/// `Debug` prints the line and the number of cells, never their text.
#[derive(Clone, PartialEq, Eq)]
pub enum RawRow {
    /// The row's cells (decoded, not trimmed).
    Row {
        /// The row's first line.
        line: u64,
        /// How many physical lines it spans (more than one for a quoted field holding line
        /// breaks).
        lines: u64,
        /// The cells.
        cells: Vec<String>,
    },
    /// A row refused before its cells could be read (a stray quote, a NUL byte, invalid text).
    Refused(RejectedRow),
}

impl fmt::Debug for RawRow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Row { line, lines, cells } => f
                .debug_struct("Row")
                .field("line", line)
                .field("lines", lines)
                .field("cells", &cells.len())
                .finish(),
            Self::Refused(r) => f.debug_tuple("Refused").field(r).finish(),
        }
    }
}

/// Data rows after a header row, each read or refused with its line: a CSV stream's
/// ([`CsvRows`]) or a sheet's; what [`super::open_path`] gives.
pub trait DataRows: Iterator<Item = Result<RawRow>> {
    /// The header's cells (trimmed), as written.
    fn header(&self) -> &[String];
    /// The header's line (a sheet's row number for a sheet).
    fn header_line(&self) -> u64;
    /// The counts so far (`read` and `rejected` are left to the caller, which decides which
    /// rows it accepts).
    fn counts(&self) -> RowCounts;
    /// The text encoding rows are read in so far (`None` for a workbook, whose cells are
    /// typed).
    fn encoding(&self) -> Option<Encoding>;
}

impl<T: DataRows + ?Sized> DataRows for Box<T> {
    fn header(&self) -> &[String] {
        (**self).header()
    }

    fn header_line(&self) -> u64 {
        (**self).header_line()
    }

    fn counts(&self) -> RowCounts {
        (**self).counts()
    }

    fn encoding(&self) -> Option<Encoding> {
        (**self).encoding()
    }
}

impl<R: BufRead> DataRows for CsvRows<R> {
    fn header(&self) -> &[String] {
        CsvRows::header(self)
    }

    fn header_line(&self) -> u64 {
        CsvRows::header_line(self)
    }

    fn counts(&self) -> RowCounts {
        CsvRows::counts(self)
    }

    fn encoding(&self) -> Option<Encoding> {
        Some(CsvRows::encoding(self))
    }
}

/// The data rows of a CSV stream with a header row, every physical line accounted for.
///
/// ```
/// use clientele::files::{CsvRows, RawRow, ReadOptions};
/// let text = "id,note\nC1,\"two\nlines\"\nC2,\"stray\nC3,fine\n";
/// let mut rows = CsvRows::new(text.as_bytes(), &ReadOptions::default())?;
/// assert_eq!(rows.header(), ["id", "note"]);
/// let all: Vec<RawRow> = rows.by_ref().collect::<Result<_, _>>()?;
/// assert!(matches!(&all[0], RawRow::Row { line: 2, lines: 2, cells } if cells[1] == "two\nlines"));
/// assert!(matches!(&all[1], RawRow::Refused(r) if r.line == 4));
/// assert!(matches!(&all[2], RawRow::Row { line: 5, .. }));
/// assert_eq!(rows.counts().data_rows, 3);
/// # Ok::<(), clientele::Error>(())
/// ```
pub struct CsvRows<R> {
    lines: Lines<Source<R>>,
    text: Text,
    pushed: VecDeque<PhysicalLine>,
    delimiter: u8,
    limits: Limits,
    header: Vec<String>,
    header_line: u64,
    counts: RowCounts,
    source: String,
    failed: bool,
}

impl<R: BufRead> CsvRows<R> {
    /// Reads the header row of `inner` (blank lines before it are skipped).
    ///
    /// # Errors
    /// [`Error::Row`] for an empty stream, a byte-order mark that contradicts a forced
    /// [`Encoding`], a header that does not decode (or holds a NUL byte) or whose quoted cell
    /// does not close on its line; [`Error::Io`] when reading fails.
    pub fn new(inner: R, options: &ReadOptions) -> Result<Self> {
        Self::named(inner, "input", options)
    }

    /// As [`CsvRows::new`], naming the source in I/O errors (usually its path).
    ///
    /// # Errors
    /// As [`CsvRows::new`].
    pub fn named(inner: R, source: &str, options: &ReadOptions) -> Result<Self> {
        let InputFormat::Csv { delimiter } = options.format;
        let io_error = |e: std::io::Error| Error::Io {
            path: source.to_owned(),
            reason: e.to_string(),
        };
        let (inner, text) = decode::open(inner, options.encoding)
            .map_err(io_error)?
            .map_err(|reason| Error::Row { line: 1, reason })?;
        let mut rows = Self {
            lines: Lines::new(inner, options.limits.max_record_bytes),
            text,
            pushed: VecDeque::new(),
            delimiter,
            limits: options.limits,
            header: Vec::new(),
            header_line: 0,
            counts: RowCounts::default(),
            source: source.to_owned(),
            failed: false,
        };
        rows.read_header()?;
        Ok(rows)
    }

    /// The header's cells (trimmed, without a byte-order mark), as written.
    pub fn header(&self) -> &[String] {
        &self.header
    }

    /// The file's encoding: forced, found by its byte-order mark, or detected from the rows
    /// read so far ([`Encoding::Utf8`] while they are all ASCII).
    pub fn encoding(&self) -> Encoding {
        match self.text {
            Text::Auto => Encoding::Utf8,
            Text::Is(e) => e,
        }
    }

    /// The header's line number.
    pub fn header_line(&self) -> u64 {
        self.header_line
    }

    /// The counts so far (`read` and `rejected` are left to the caller, which decides which
    /// rows it accepts).
    pub fn counts(&self) -> RowCounts {
        RowCounts {
            physical_lines: self.lines.count(),
            ..self.counts
        }
    }

    fn next_physical(&mut self) -> Result<Option<PhysicalLine>> {
        if let Some(l) = self.pushed.pop_front() {
            return Ok(Some(l));
        }
        self.lines.next_line().map_err(|e| Error::Io {
            path: self.source.clone(),
            reason: e.to_string(),
        })
    }

    fn read_header(&mut self) -> Result<()> {
        let mut first = loop {
            match self.next_physical()? {
                None => {
                    return Err(Error::Row {
                        line: 1,
                        reason: "the file is empty: no header row".to_owned(),
                    });
                }
                Some(l) if l.is_blank() => self.counts.blank_lines += 1,
                Some(l) => break l,
            }
        };
        let line = first.number;
        let refuse = |reason: String| Err(Error::Row { line, reason });
        if let Some(rest) = first.content.strip_prefix("\u{feff}".as_bytes()) {
            first.content = rest.to_vec();
        }
        if first.overflow {
            return refuse(format!(
                "the header is longer than {} bytes",
                self.limits.max_record_bytes
            ));
        }
        let mut record = Record::new(line, self.delimiter, usize::MAX);
        record.feed(&first.content);
        if let Some(q) = &record.quote {
            return refuse(format!(
                "the quoted header cell {} opens on this line and does not close on it",
                q.column + 1
            ));
        }
        record.finish();
        self.decide(&record.cells)?;
        let mut header = Vec::with_capacity(record.cells.len());
        for (i, cell) in record.cells.into_iter().enumerate() {
            if cell.contains(&0) {
                return refuse(format!(
                    "a NUL byte in header cell {} (a UTF-16 file without a byte-order mark, or \
                     a binary file?)",
                    i + 1
                ));
            }
            match decode::cell(cell, self.encoding()) {
                Some(s) => header.push(s.trim().to_owned()),
                None => {
                    return refuse(format!(
                        "header cell {} is not valid {} (is the file in another encoding?)",
                        i + 1,
                        self.encoding_label()
                    ));
                }
            }
        }
        self.header = header;
        self.header_line = line;
        self.counts.header_lines = 1;
        Ok(())
    }

    /// "column 3 (`full_name`)".
    fn column(&self, i: usize) -> String {
        match self.header.get(i) {
            Some(name) if !name.is_empty() => format!("column {} (`{name}`)", i + 1),
            _ => format!("column {}", i + 1),
        }
    }

    /// The delimiters a quoted field holding a line break may carry before it is taken for a
    /// stray quote: about one row's worth.
    fn delimiter_bound(&self) -> usize {
        match self.header.len() {
            0 | 1 => usize::MAX,
            n => (n - 1).max(2),
        }
    }

    fn next_row(&mut self) -> Result<Option<RawRow>> {
        let first = loop {
            match self.next_physical()? {
                None => return Ok(None),
                Some(l) if l.is_blank() => self.counts.blank_lines += 1,
                Some(l) => break l,
            }
        };
        self.counts.data_rows += 1;
        let line = first.number;
        if first.overflow {
            return Ok(Some(self.refused(
                line,
                format!("line longer than {} bytes", self.limits.max_record_bytes),
            )));
        }
        let mut record = Record::new(line, self.delimiter, self.delimiter_bound());
        record.feed(&first.content);
        let mut taken: Vec<PhysicalLine> = Vec::new();
        let mut terminator = first.terminator;
        while let Some(q) = record.quote {
            let spanned = taken.len() as u64 + 1;
            let verdict = if record.bytes > self.limits.max_record_bytes {
                Some(format!("over {} bytes", self.limits.max_record_bytes))
            } else if spanned > u64::from(self.limits.max_record_lines) {
                Some(format!("over {} lines", self.limits.max_record_lines))
            } else if q.breaks > 0 && q.delimiters >= record.delimiter_bound {
                Some(format!(
                    "{spanned} lines holding {} delimiters",
                    q.delimiters
                ))
            } else {
                None
            };
            if let Some(what) = verdict {
                return Ok(Some(self.runaway(line, &q, &what, taken)));
            }
            let Some(next) = self.next_physical()? else {
                let what = format!("{spanned} lines to the end of the file without closing");
                return Ok(Some(self.runaway(line, &q, &what, taken)));
            };
            if next.overflow {
                let what = format!("a line over {} bytes", self.limits.max_record_bytes);
                taken.push(next);
                return Ok(Some(self.runaway(line, &q, &what, taken)));
            }
            record.line_break(terminator);
            record.feed(&next.content);
            terminator = next.terminator;
            taken.push(next);
        }
        record.finish();
        let spanned = taken.len() as u64 + 1;
        if spanned > 1 {
            if let Some(reason) = self.illegitimate(&record, spanned) {
                return Ok(Some(self.push_back(line, reason, taken)));
            }
            self.counts.multi_line_rows += 1;
            self.counts.continuation_lines += spanned - 1;
        } else if let Some(col) = record.text_after_quote {
            return Ok(Some(self.refused(
                line,
                format!(
                    "text after the closing quote in {} (a stray quote?)",
                    self.column(col)
                ),
            )));
        }
        self.decide(&record.cells)?;
        let mut cells = Vec::with_capacity(record.cells.len());
        for (i, cell) in record.cells.into_iter().enumerate() {
            if cell.contains(&0) {
                let reason = format!(
                    "a NUL byte in {} (binary data, or a UTF-16 file?)",
                    self.column(i)
                );
                return Ok(Some(self.refused(line, reason)));
            }
            match decode::cell(cell, self.encoding()) {
                Some(s) => cells.push(s),
                None => {
                    let reason = format!(
                        "{} is not valid {} (is the file in another encoding?)",
                        self.column(i),
                        self.encoding_label()
                    );
                    return Ok(Some(self.refused(line, reason)));
                }
            }
        }
        Ok(Some(RawRow::Row {
            line,
            lines: spanned,
            cells,
        }))
    }

    /// Decides the encoding, if it is still open and `cells` are not all ASCII, from them and
    /// the non-ASCII lines that follow (read ahead and kept to be read again), up to
    /// [`SAMPLE_BYTES`] of them, [`SAMPLE_LINES`] lines or [`AHEAD_BYTES`] read ahead.
    fn decide(&mut self, cells: &[Vec<u8>]) -> Result<()> {
        if self.text != Text::Auto || cells.iter().all(|c| c.is_ascii()) {
            return Ok(());
        }
        let mut sample: Vec<u8> = Vec::new();
        for cell in cells.iter().filter(|c| !c.is_ascii()) {
            sample.extend_from_slice(cell);
            sample.push(b'\n');
        }
        for line in &self.pushed {
            if !line.content.is_ascii() {
                sample.extend_from_slice(&line.content);
                sample.push(b'\n');
            }
        }
        let (mut ahead, mut ahead_bytes) = (0, 0);
        while sample.len() < SAMPLE_BYTES && ahead < SAMPLE_LINES && ahead_bytes < AHEAD_BYTES {
            let next = self.lines.next_line().map_err(|e| Error::Io {
                path: self.source.clone(),
                reason: e.to_string(),
            })?;
            let Some(line) = next else { break };
            ahead += 1;
            ahead_bytes += line.content.len();
            if !line.content.is_ascii() {
                sample.extend_from_slice(&line.content);
                sample.push(b'\n');
            }
            self.pushed.push_back(line);
        }
        self.text = Text::Is(decode::detect(&sample));
        Ok(())
    }

    /// "UTF-8" or "GB18030 (detected)": the encoding rows are refused in.
    fn encoding_label(&self) -> String {
        match self.text {
            Text::Is(e) => e.to_string(),
            Text::Auto => Encoding::Utf8.to_string(),
        }
    }

    /// Why a record spanning several lines is not a legitimately quoted one, if it is not.
    fn illegitimate(&self, record: &Record, spanned: u64) -> Option<String> {
        let q = record.first_multi_line?;
        let opened = self.quote_place(record.first_line, &q);
        if let Some(delimiters) = record.runaway_delimiters {
            return Some(format!(
                "{opened} runs across {spanned} lines holding {delimiters} delimiters (a stray \
                 quote?); the lines after it are read on their own"
            ));
        }
        if let Some(col) = record.text_after_quote {
            return Some(format!(
                "{opened} runs across {spanned} lines and text follows a closing quote in {} (a \
                 stray quote?); the lines after it are read on their own",
                self.column(col)
            ));
        }
        (record.cells.len() != self.header.len()).then(|| {
            format!(
                "{opened} runs across {spanned} lines into a record of {} cells where the header \
                 has {} (a stray quote?); the lines after it are read on their own",
                record.cells.len(),
                self.header.len()
            )
        })
    }

    /// "the quoted field in column 3 (`full_name`) opened on this line" (or on line N).
    fn quote_place(&self, first_line: u64, q: &OpenQuote) -> String {
        let place = if q.line == first_line {
            "this line".to_owned()
        } else {
            format!("line {}", q.line)
        };
        format!(
            "the quoted field in {} opened on {place}",
            self.column(q.column)
        )
    }

    fn runaway(
        &mut self,
        line: u64,
        q: &OpenQuote,
        what: &str,
        taken: Vec<PhysicalLine>,
    ) -> RawRow {
        let reason = format!(
            "{} runs across {what} (a stray quote?); the lines after it are read on their own",
            self.quote_place(line, q)
        );
        self.push_back(line, reason, taken)
    }

    /// Refuses the record at `line` and puts the lines it had taken back to be read again.
    fn push_back(&mut self, line: u64, reason: String, taken: Vec<PhysicalLine>) -> RawRow {
        for l in taken.into_iter().rev() {
            self.pushed.push_front(l);
        }
        self.refused(line, reason)
    }

    fn refused(&mut self, line: u64, reason: String) -> RawRow {
        self.counts.refused += 1;
        RawRow::Refused(RejectedRow { line, reason })
    }
}

impl<R: BufRead> Iterator for CsvRows<R> {
    type Item = Result<RawRow>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        match self.next_row() {
            Ok(row) => row.map(Ok),
            Err(e) => {
                self.failed = true;
                Some(Err(e))
            }
        }
    }
}

/// A quoted field that is open: where it opened and what it holds so far.
#[derive(Debug, Clone, Copy)]
struct OpenQuote {
    line: u64,
    column: usize,
    delimiters: usize,
    breaks: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// At the start of a field.
    Start,
    /// In a field that did not start with a quote.
    Unquoted,
    /// In a quoted field.
    Quoted,
    /// In a quoted field, just after a quote (which closes it unless another follows).
    QuoteInQuoted,
    /// After a closed quoted field, before the delimiter.
    AfterClose,
}

/// One record being parsed.
struct Record {
    first_line: u64,
    line: u64,
    delimiter: u8,
    delimiter_bound: usize,
    state: State,
    cells: Vec<Vec<u8>>,
    field: Vec<u8>,
    quote: Option<OpenQuote>,
    /// The first quoted field that took a line break.
    first_multi_line: Option<OpenQuote>,
    /// Delimiters of a closed field that held a line break and a row's worth of them.
    runaway_delimiters: Option<usize>,
    /// The first column with text after its closing quote.
    text_after_quote: Option<usize>,
    bytes: usize,
}

impl Record {
    fn new(line: u64, delimiter: u8, delimiter_bound: usize) -> Self {
        Self {
            first_line: line,
            line,
            delimiter,
            delimiter_bound,
            state: State::Start,
            cells: Vec::new(),
            field: Vec::new(),
            quote: None,
            first_multi_line: None,
            runaway_delimiters: None,
            text_after_quote: None,
            bytes: 0,
        }
    }

    fn feed(&mut self, bytes: &[u8]) {
        self.bytes += bytes.len();
        let mut rest = bytes;
        while let Some((&b, tail)) = rest.split_first() {
            rest = match self.state {
                // Runs of plain bytes are copied at once; only delimiters and quotes are
                // looked at one by one.
                State::Unquoted | State::AfterClose => self.run(rest),
                State::Quoted => {
                    let end = rest.iter().position(|c| *c == b'"').unwrap_or(rest.len());
                    let (chunk, after) = rest.split_at(end);
                    if let Some(q) = &mut self.quote {
                        q.delimiters += chunk.iter().filter(|c| **c == self.delimiter).count();
                    }
                    self.field.extend_from_slice(chunk);
                    match after.split_first() {
                        Some((&quote, tail)) => {
                            self.byte(quote);
                            tail
                        }
                        None => after,
                    }
                }
                State::Start if b != self.delimiter && b != b'"' => {
                    self.state = State::Unquoted;
                    rest
                }
                State::Start | State::QuoteInQuoted => {
                    self.byte(b);
                    tail
                }
            };
        }
        if self.state == State::QuoteInQuoted {
            // The quote ended the line: it closes the field.
            self.close_quote();
            self.state = State::AfterClose;
        }
    }

    /// Copies the bytes of an unquoted field before the next delimiter into the field, then
    /// handles the delimiter; returns what follows it.
    fn run<'b>(&mut self, rest: &'b [u8]) -> &'b [u8] {
        let delimiter = self.delimiter;
        let end = rest
            .iter()
            .position(|c| *c == delimiter)
            .unwrap_or(rest.len());
        let (chunk, after) = rest.split_at(end);
        if !chunk.is_empty() && self.state == State::AfterClose {
            self.text_after_quote.get_or_insert(self.cells.len());
        }
        self.field.extend_from_slice(chunk);
        match after.split_first() {
            Some((&b, tail)) => {
                self.byte(b);
                tail
            }
            None => after,
        }
    }

    fn byte(&mut self, b: u8) {
        match self.state {
            State::Start if b == self.delimiter => self.end_field(),
            State::Start if b == b'"' => {
                self.quote = Some(OpenQuote {
                    line: self.line,
                    column: self.cells.len(),
                    delimiters: 0,
                    breaks: 0,
                });
                self.state = State::Quoted;
            }
            State::Start | State::Unquoted | State::AfterClose if b == self.delimiter => {
                self.end_field();
            }
            State::Start | State::Unquoted => {
                self.field.push(b);
                self.state = State::Unquoted;
            }
            State::AfterClose => self.field.push(b),
            State::Quoted if b == b'"' => self.state = State::QuoteInQuoted,
            State::Quoted => {
                if b == self.delimiter
                    && let Some(q) = &mut self.quote
                {
                    q.delimiters += 1;
                }
                self.field.push(b);
            }
            State::QuoteInQuoted if b == b'"' => {
                self.field.push(b);
                self.state = State::Quoted;
            }
            State::QuoteInQuoted => {
                self.close_quote();
                self.state = State::AfterClose;
                if b == self.delimiter {
                    self.end_field();
                } else {
                    self.text_after_quote.get_or_insert(self.cells.len());
                    self.field.push(b);
                }
            }
        }
    }

    fn close_quote(&mut self) {
        if let Some(q) = self.quote.take()
            && q.breaks > 0
            && q.delimiters >= self.delimiter_bound
        {
            self.runaway_delimiters.get_or_insert(q.delimiters);
        }
    }

    fn end_field(&mut self) {
        self.cells.push(std::mem::take(&mut self.field));
        self.state = State::Start;
    }

    /// The open quoted field takes the line break that ended the line.
    fn line_break(&mut self, terminator: &[u8]) {
        self.field.extend_from_slice(terminator);
        self.line += 1;
        if let Some(q) = &mut self.quote {
            q.breaks += 1;
            self.first_multi_line.get_or_insert(*q);
        }
    }

    fn finish(&mut self) {
        self.close_quote();
        self.end_field();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(text: &str) -> (Vec<RawRow>, RowCounts) {
        let mut r = CsvRows::new(text.as_bytes(), &ReadOptions::default()).unwrap();
        let all = r.by_ref().collect::<Result<Vec<_>>>().unwrap();
        (all, r.counts())
    }

    fn cells(row: &RawRow) -> Vec<&str> {
        match row {
            RawRow::Row { cells, .. } => cells.iter().map(String::as_str).collect(),
            RawRow::Refused(r) => panic!("refused: {r:?}"),
        }
    }

    fn refused_line(row: &RawRow) -> u64 {
        match row {
            RawRow::Refused(r) => r.line,
            other => panic!("not refused: {other:?}"),
        }
    }

    #[test]
    fn quoting_follows_rfc_4180() {
        let (all, counts) = rows("a,b,c\n\"x,1\",\"say \"\"hi\"\"\",\n,\"\",z\r\n");
        assert_eq!(cells(&all[0]), ["x,1", "say \"hi\"", ""]);
        assert_eq!(cells(&all[1]), ["", "", "z"]);
        assert_eq!(counts.data_rows, 2);
        // A quote inside an unquoted field is a character like any other.
        let (all, _) = rows("a,b\nO\"Brien,x\n");
        assert_eq!(cells(&all[0]), ["O\"Brien", "x"]);
    }

    #[test]
    fn a_legitimate_multi_line_field_is_one_row() {
        let (all, counts) = rows("id,note,n\nC1,\"first\r\nsecond, third\",5\nC2,x,6\n");
        assert_eq!(cells(&all[0]), ["C1", "first\r\nsecond, third", "5"]);
        assert!(matches!(
            all[0],
            RawRow::Row {
                line: 2,
                lines: 2,
                ..
            }
        ));
        assert!(matches!(all[1], RawRow::Row { line: 4, .. }));
        assert_eq!(counts.multi_line_rows, 1);
        assert_eq!(counts.continuation_lines, 1);
        assert_eq!(
            counts.physical_lines,
            counts.header_lines + counts.blank_lines + counts.data_rows + counts.continuation_lines
        );
    }

    #[test]
    fn a_stray_quote_is_refused_where_it_opened_and_the_next_rows_are_read() {
        let text = "id,name,phone,city\n\
                    C1,Ann,111,Oslo\n\
                    C2,\"Bob,222,Rome\n\
                    C3,Cid,333,Pisa\n\
                    C4,Dan,444,Bari\n";
        let (all, counts) = rows(text);
        assert_eq!(all.len(), 4);
        assert_eq!(refused_line(&all[1]), 3);
        assert_eq!(cells(&all[2]), ["C3", "Cid", "333", "Pisa"]);
        assert_eq!(cells(&all[3])[0], "C4");
        assert_eq!(counts.data_rows, 4);
        assert_eq!(counts.refused, 1);
    }

    #[test]
    fn a_stray_quote_closed_by_a_later_quote_is_caught_too() {
        // The field would close at the next row's quoted cell, leaving text after the quote.
        let text = "id,name,company,city\n\
                    C1,\"Ann,,Oslo\n\
                    C2,Bob,\"Acme, Ltd\",Rome\n";
        let (all, _) = rows(text);
        assert_eq!(refused_line(&all[0]), 2);
        assert_eq!(cells(&all[1]), ["C2", "Bob", "Acme, Ltd", "Rome"]);
        // Two stray quotes that pair up into a record of the right width still hold a row's
        // worth of delimiters; the second row, read on its own, keeps its quote as a character.
        let text = "id,name,company,city\n\
                    C1,\"Ann,x,Oslo\n\
                    C2,Bob\",y,Rome\n";
        let (all, _) = rows(text);
        assert_eq!(refused_line(&all[0]), 2);
        assert_eq!(cells(&all[1]), ["C2", "Bob\"", "y", "Rome"]);
    }

    #[test]
    fn a_quote_that_never_closes_or_runs_past_the_limits_is_refused() {
        let (all, _) = rows("id,note\nC1,ok\nC2,\"open\n");
        assert_eq!(refused_line(&all[1]), 3);
        let long: String = (0..150).map(|i| format!("line {i}\n")).collect();
        let (all, counts) = rows(&format!("id,note\nC1,\"{long}\"\n"));
        assert_eq!(refused_line(&all[0]), 2);
        // Every line it took is read again: 149 lines of one cell, and the closing quote,
        // which on its own opens a field that never closes.
        assert_eq!(counts.data_rows, 1 + 150);
        assert_eq!(refused_line(&all[150]), 152);
    }

    #[test]
    fn text_after_a_closing_quote_nul_bytes_and_bad_utf8_are_refused() {
        let (all, _) = rows("a,b\n\"x\"y,1\nq,\0\n");
        assert_eq!(refused_line(&all[0]), 2);
        assert_eq!(refused_line(&all[1]), 3);
        let mut bytes = b"a,b\nx,".to_vec();
        bytes.extend_from_slice(&[0xC3, 0x28, b'\n']);
        let mut r = CsvRows::new(bytes.as_slice(), &ReadOptions::default()).unwrap();
        assert!(matches!(r.next(), Some(Ok(RawRow::Refused(_)))));
    }

    #[test]
    fn the_header_skips_a_byte_order_mark_and_refuses_an_open_quote() {
        let r = CsvRows::new("\u{feff}id , name\n".as_bytes(), &ReadOptions::default()).unwrap();
        assert_eq!(r.header(), ["id", "name"]);
        let r = CsvRows::new(&b"\xFF\xFEi\0d\0"[..], &ReadOptions::default()).unwrap();
        assert_eq!(
            (r.header(), r.encoding()),
            (&["id".to_owned()][..], Encoding::Utf16Le)
        );
        for bad in [&b"id\0,x\n"[..], b"id,\"name\nx\n", b"", b"\n\n"] {
            assert!(
                CsvRows::new(bad, &ReadOptions::default()).is_err(),
                "{bad:?}"
            );
        }
    }
}
