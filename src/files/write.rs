//! Records written back as CSV rows that read back as the same records.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Write;
use std::path::Path;

use super::atomic::AtomicFile;
use super::extras::{self, CONSENTS, CUSTOM_TYPED};
use crate::error::{Error, Result};
use crate::import::{AddressPart, Column, KNOWN_COLUMNS};
use crate::model::{CountryCode, CustomValue, Customer, Field, NationalIdKind, parse_date};

/// One output column.
#[derive(Debug, Clone, PartialEq, Eq)]
enum OutCol {
    Known(Column),
    Consents,
    Typed,
    Custom(String),
}

/// Where a custom value is written.
enum Place {
    /// In the typed column whose text it is (a cell the row reader could not type, kept raw).
    Known(Column),
    /// In its own column: the row reader infers the same value from its text.
    Plain,
    /// In `custom_typed`, with its type.
    Typed,
}

/// The columns records are written with, chosen from the records so that nothing is lost.
///
/// Always the 23 [`KNOWN_COLUMNS`] first, in their order (so every file has the same head);
/// then as the records need them: `trading_name`; further street lines (`street3`...);
/// further addresses (`address2_house_number`, `address2_street`, ..., `address2_country`);
/// further national identifiers (`national_id2`, `national_id2_kind`...); `consents` (the
/// consent history as a JSON list); `custom_typed` (custom values a plain column would not
/// give back — a date, a timestamp, text that reads as a number — as a JSON object); then one
/// column per custom field, by name. Lists are `;`-separated, dates `YYYY-MM-DD`, timestamps
/// RFC 3339.
///
/// Reading the file back ([`super::read`]) gives the same records for every record whose text
/// values are trimmed, non-empty and free of NUL bytes, whose list items hold no `;`, whose
/// first phone and email are the primary ones and whose contact labels are unspecified — every
/// record the row reader produces, and every merge of such records.
///
/// ```
/// use clientele::files::{read, Columns, ReadOptions, RecordWriter};
/// use clientele::model::{Address, CustomValue};
/// use clientele::{Customer, CustomerId, CustomerKind};
/// let home = Address { lines: vec!["1 Main St".into()], ..Address::default() };
/// let work = Address { lines: vec!["9 Side Rd".into()], ..Address::default() };
/// let c = Customer::builder(CustomerId::new("C1")?, CustomerKind::Person)
///     .full_name("Ann Lee").phone("111").phone("222").address(home).address(work)
///     .custom("since", CustomValue::Date(chrono::NaiveDate::from_ymd_opt(2020, 1, 2).unwrap()))
///     .build();
/// let columns = Columns::for_records([&c]);
/// assert!(columns.names().iter().any(|n| n == "address2_street"));
/// let mut w = RecordWriter::new(Vec::new(), "output", columns)?;
/// w.write(&c)?;
/// let (bytes, written) = w.finish()?;
/// assert_eq!(written, 1);
/// let back = read(bytes.as_slice(), &ReadOptions::default())?;
/// assert_eq!(back.customers, [c]);
/// # Ok::<(), clientele::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Columns {
    cols: Vec<OutCol>,
    names: Vec<String>,
    known: HashMap<Column, usize>,
}

/// What the columns must make room for, gathered over the records.
#[derive(Default)]
struct Needs {
    /// The columns of [`OPTIONAL`] some record fills.
    optional: Vec<Column>,
    /// Street lines per address.
    lines: Vec<u16>,
    national_ids: usize,
    consents: bool,
    typed: bool,
    raw: BTreeSet<String>,
    custom: BTreeSet<String>,
}

/// Known columns written only when some record fills them (files of most users have none).
const OPTIONAL: [Column; 6] = [
    Column::TradingName,
    Column::Industry,
    Column::Owner,
    Column::Team,
    Column::PhoneVerifiedAt,
    Column::EmailVerifiedAt,
];

impl Columns {
    /// The columns that hold every field of these records.
    pub fn for_records<'a, I>(records: I) -> Self
    where
        I: IntoIterator<Item = &'a Customer>,
    {
        let mut needs = Needs::default();
        for c in records {
            needs.add(c);
        }
        let mut cols: Vec<OutCol> = KNOWN_COLUMNS
            .iter()
            .filter_map(|n| Column::parse(n))
            .filter(|c| !OPTIONAL.contains(c) || needs.optional.contains(c))
            .map(OutCol::Known)
            .collect();
        let push = |col: Column, cols: &mut Vec<OutCol>| {
            if !cols.contains(&OutCol::Known(col)) {
                cols.push(OutCol::Known(col));
            }
        };
        for (k, lines) in needs.lines.iter().enumerate() {
            let k = u16::try_from(k).unwrap_or(u16::MAX);
            for part in address_parts(*lines) {
                push(Column::Address(k, part), &mut cols);
            }
        }
        for k in 1..needs.national_ids {
            let k = u16::try_from(k).unwrap_or(u16::MAX);
            push(Column::NationalId(k), &mut cols);
            push(Column::NationalIdKind(k), &mut cols);
        }
        for name in &needs.raw {
            if let Some(col) = Column::parse(name) {
                push(col, &mut cols);
            }
        }
        if needs.consents {
            cols.push(OutCol::Consents);
        }
        if needs.typed {
            cols.push(OutCol::Typed);
        }
        cols.extend(needs.custom.into_iter().map(OutCol::Custom));
        let names = cols
            .iter()
            .map(|c| match c {
                OutCol::Known(col) => col.name(),
                OutCol::Consents => CONSENTS.to_owned(),
                OutCol::Typed => CUSTOM_TYPED.to_owned(),
                OutCol::Custom(name) => name.clone(),
            })
            .collect();
        let known = cols
            .iter()
            .enumerate()
            .filter_map(|(i, c)| match c {
                OutCol::Known(col) => Some((*col, i)),
                _ => None,
            })
            .collect();
        Self { cols, names, known }
    }

    /// The header.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// A record as a row of these columns. Fields the columns were not chosen for (a record
    /// not among those given to [`Columns::for_records`]) are left out.
    ///
    /// # Errors
    /// [`Error::InvalidValue`] when a consent or typed custom value cannot be written as JSON
    /// (a non-finite number).
    pub fn row(&self, c: &Customer) -> Result<Vec<String>> {
        let mut typed: BTreeMap<&str, &CustomValue> = BTreeMap::new();
        let mut raw: Vec<(Column, &str)> = Vec::new();
        for (name, value) in &c.custom {
            match place(c, name, value) {
                Place::Known(col) => match value {
                    CustomValue::Text(t) => raw.push((col, t)),
                    _ => {
                        typed.insert(name, value);
                    }
                },
                Place::Plain => {}
                Place::Typed => {
                    typed.insert(name, value);
                }
            }
        }
        let mut cells = Vec::with_capacity(self.cols.len());
        for col in &self.cols {
            cells.push(match col {
                OutCol::Known(col) => known_cell(c, *col),
                OutCol::Consents if c.consents.is_empty() => String::new(),
                OutCol::Consents => extras::encode_consents(&c.consents)?,
                OutCol::Typed if typed.is_empty() => String::new(),
                OutCol::Typed => extras::encode_typed(&typed)?,
                OutCol::Custom(name) => match c.custom.get(name) {
                    Some(v) if matches!(place(c, name, v), Place::Plain) => v.to_text(),
                    _ => String::new(),
                },
            });
        }
        for (col, text) in raw {
            if let Some(cell) = self.known.get(&col).and_then(|i| cells.get_mut(*i)) {
                text.clone_into(cell);
            }
        }
        Ok(cells)
    }
}

impl Needs {
    fn add(&mut self, c: &Customer) {
        for col in OPTIONAL {
            if !self.optional.contains(&col) && !known_cell(c, col).is_empty() {
                self.optional.push(col);
            }
        }
        for (k, a) in c.addresses.iter().enumerate() {
            if self.lines.len() <= k {
                self.lines.resize(k + 1, 0);
            }
            let n = u16::try_from(a.lines.len()).unwrap_or(u16::MAX);
            if let Some(l) = self.lines.get_mut(k) {
                *l = (*l).max(n);
            }
        }
        self.national_ids = self.national_ids.max(c.national_ids.len());
        self.consents |= !c.consents.is_empty();
        for (name, value) in &c.custom {
            match place(c, name, value) {
                Place::Known(_) => {
                    self.raw.insert(name.clone());
                }
                Place::Plain => {
                    self.custom.insert(name.clone());
                }
                Place::Typed => self.typed = true,
            }
        }
    }
}

/// The columns of address `lines` lines long (at least `street`; address 0's first two lines
/// are among the known columns already).
fn address_parts(lines: u16) -> Vec<AddressPart> {
    let mut parts = vec![AddressPart::HouseNumber];
    parts.extend((0..lines.max(1)).map(AddressPart::Line));
    parts.extend([
        AddressPart::Locality,
        AddressPart::Region,
        AddressPart::Postcode,
        AddressPart::Country,
    ]);
    parts
}

/// Where a custom value goes so that the row reader gives it back.
fn place(c: &Customer, name: &str, value: &CustomValue) -> Place {
    if extras::is_extra(name) {
        return Place::Typed;
    }
    if let Some(col) = Column::parse(name) {
        return match value {
            CustomValue::Text(t) if is_clean(t) && kept_raw(c, col, t) => Place::Known(col),
            _ => Place::Typed,
        };
    }
    let clean_name = is_clean(name) && !name.contains(['\r', '\n']);
    let text = value.to_text();
    if clean_name && is_clean(&text) && CustomValue::infer(&text) == *value {
        Place::Plain
    } else {
        Place::Typed
    }
}

fn is_clean(text: &str) -> bool {
    !text.is_empty() && text.trim() == text && !text.contains('\0')
}

/// Whether the row reader, given `text` in `col`'s cell of this record, keeps it as the custom
/// field of that name (a value it cannot type) and leaves the typed field as the record has it.
fn kept_raw(c: &Customer, col: Column, text: &str) -> bool {
    match col {
        Column::BirthDate => c.birth_date.is_none() && parse_date(text).is_err(),
        Column::Address(k, AddressPart::Country) => {
            let country = c.addresses.get(usize::from(k)).and_then(|a| a.country);
            country.is_none() && CountryCode::new(text).is_err()
        }
        Column::NationalIdKind(k) => c.national_ids.get(usize::from(k)).is_none(),
        _ => false,
    }
}

fn known_cell(c: &Customer, col: Column) -> String {
    let name = c.person_name.as_ref();
    let opt = |v: Option<&String>| v.cloned().unwrap_or_default();
    let join = |items: Vec<&str>| items.join(";");
    match col {
        Column::Id => c.id.as_str().to_owned(),
        Column::Kind => c.kind.as_str().to_owned(),
        Column::FullName => opt(name.and_then(|n| n.full.as_ref())),
        Column::GivenName => opt(name.and_then(|n| n.given.as_ref())),
        Column::MiddleName => opt(name.and_then(|n| n.middle.as_ref())),
        Column::FamilyName => opt(name.and_then(|n| n.family.as_ref())),
        Column::CompanyName => opt(c.company_name.as_ref().map(|n| &n.legal)),
        Column::TradingName => opt(c.company_name.as_ref().and_then(|n| n.trading.as_ref())),
        Column::Phone => join(c.phones.iter().map(|p| p.number.as_str()).collect()),
        Column::Email => join(c.emails.iter().map(|e| e.address.as_str()).collect()),
        Column::Address(k, part) => c
            .addresses
            .get(usize::from(k))
            .map(|a| match part {
                AddressPart::HouseNumber => opt(a.house_number.as_ref()),
                AddressPart::Line(n) => opt(a.lines.get(usize::from(n))),
                AddressPart::Locality => opt(a.locality.as_ref()),
                AddressPart::Region => opt(a.region.as_ref()),
                AddressPart::Postcode => opt(a.postcode.as_ref()),
                AddressPart::Country => a.country.map(|cc| cc.to_string()).unwrap_or_default(),
            })
            .unwrap_or_default(),
        Column::BirthDate => c.birth_date.map(|d| d.to_string()).unwrap_or_default(),
        Column::NationalId(k) => opt(c.national_ids.get(usize::from(k)).map(|n| &n.value)),
        Column::NationalIdKind(k) => match c.national_ids.get(usize::from(k)).map(|n| &n.kind) {
            // An identifier of no stated kind reads back from an empty kind cell.
            Some(NationalIdKind::Other(name)) if name.is_empty() => String::new(),
            Some(kind) => kind.as_str().to_owned(),
            None => String::new(),
        },
        Column::Tags => join(c.tags.iter().map(String::as_str).collect()),
        Column::Source => opt(c.source.as_ref()),
        Column::Industry => opt(c.industry.as_ref()),
        Column::Owner => opt(c.owner.as_ref()),
        Column::Team => opt(c.team.as_ref()),
        Column::PhoneVerifiedAt => Field::PhoneVerifiedAt.texts(c).join(";"),
        Column::EmailVerifiedAt => Field::EmailVerifiedAt.texts(c).join(";"),
        Column::CreatedAt => c.created_at.to_rfc3339(),
        Column::UpdatedAt => c.updated_at.to_rfc3339(),
    }
}

/// Writes records as CSV rows of chosen [`Columns`], the header first.
pub struct RecordWriter<W: Write> {
    out: csv::Writer<W>,
    columns: Columns,
    name: String,
    written: usize,
}

impl<W: Write> RecordWriter<W> {
    /// Starts writing to `out` (named `name` in errors) and writes the header.
    ///
    /// # Errors
    /// [`Error::Io`] naming `name` when writing fails.
    pub fn new(out: W, name: &str, columns: Columns) -> Result<Self> {
        let mut w = Self {
            out: csv::Writer::from_writer(out),
            columns,
            name: name.to_owned(),
            written: 0,
        };
        let header = w.columns.names().to_vec();
        w.out.write_record(&header).map_err(|e| w.error(&e))?;
        Ok(w)
    }

    fn error(&self, e: &csv::Error) -> Error {
        Error::Io {
            path: self.name.clone(),
            reason: e.to_string(),
        }
    }

    /// Writes one record.
    ///
    /// # Errors
    /// [`Error::Io`] naming the output when writing fails; as [`Columns::row`].
    pub fn write(&mut self, c: &Customer) -> Result<()> {
        let row = self.columns.row(c)?;
        self.out.write_record(&row).map_err(|e| self.error(&e))?;
        self.written += 1;
        Ok(())
    }

    /// Flushes and hands back the output with the number of records written.
    ///
    /// # Errors
    /// [`Error::Io`] naming the output when flushing fails.
    pub fn finish(self) -> Result<(W, usize)> {
        let name = self.name;
        let written = self.written;
        let out = self.out.into_inner().map_err(|e| Error::Io {
            path: name,
            reason: e.error().to_string(),
        })?;
        Ok((out, written))
    }
}

/// Writes records to a CSV file in full or not at all ([`AtomicFile`]); returns how many.
///
/// # Errors
/// [`Error::Io`] naming the file when it cannot be written; as [`Columns::row`].
pub fn write_path(path: impl AsRef<Path>, records: &[Customer]) -> Result<usize> {
    let file = AtomicFile::create(path.as_ref())?;
    let name = file.path().display().to_string();
    let mut w = RecordWriter::new(file, &name, Columns::for_records(records))?;
    for c in records {
        w.write(c)?;
    }
    let (file, n) = w.finish()?;
    file.commit()?;
    Ok(n)
}
