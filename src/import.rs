//! Turning rows of text (a CSV file, a form, an API payload) into typed [`Customer`] records.
//!
//! The library reads no files itself: the caller parses its format into a header and rows of
//! cells, and a [`RowReader`] maps them onto records by column name. Bad rows are refused with
//! their line number; bad cells in good rows are reported as [`FieldProblem`]s and their raw text
//! is kept in a custom field of the same name, so nothing is lost. Neither the errors nor the
//! problems ever hold a cell's text (only column names, line numbers and masked forms), so they
//! can be logged: a cell that does not parse may hold a personal value in any column.
//!
//! # Columns
//! `id, kind, full_name, given_name, middle_name, family_name, company_name, phone, email,
//! house_number, street, street2, locality, region, postcode, country, birth_date, national_id,
//! national_id_kind, tags, source, created_at, updated_at`, in any order and any subset, plus
//! `trading_name`, `industry`, `owner`, `team`, `phone_verified_at` and `email_verified_at`
//! (`;`-separated times by position of the phones or emails, an empty entry for a value never
//! verified) and numbered columns for what a record may hold several of: further street
//! lines (`street3`, `street4`...), further addresses (`address2_street`, `address2_locality`,
//! ..., every address column prefixed `address{N}_`) and further national identifiers
//! (`national_id2`, `national_id2_kind`...); see [`Column`]. `phone`, `email` and `tags` may
//! hold several values separated by `;` (the first phone and email are primary); dates are
//! `YYYY-MM-DD`, `YYYYMMDD`, `YYYY/M/D` or `YYYY年M月D日`. Any other column becomes a custom
//! field, typed by [`CustomValue::infer`]. A column name repeated in the header is refused by
//! [`RowReader::try_new`] or kept whole ([`RepeatedColumns::Append`]).
//!
//! # Example
//! ```
//! use clientele::import::{ColumnMap, RowReader};
//! let map = ColumnMap::parse_all(["surname=family_name", "rec_id=id"])?;
//! let mut reader = RowReader::new(&["rec_id", "given_name", "surname", "date_of_birth"], &map);
//! let row = reader.read(2, &["rec-1-org", "kayla", "harrington", "19150612"])?;
//! assert_eq!(row.customer.person_name.unwrap().family.as_deref(), Some("harrington"));
//! // An unknown column is kept as a custom field.
//! assert!(row.customer.custom.contains_key("date_of_birth"));
//! // A second row with the same id is refused, with both line numbers.
//! assert!(reader.read(3, &["rec-1-org", "", "", ""]).is_err());
//! # Ok::<(), clientele::Error>(())
//! ```

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use chrono::{DateTime, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::{
    Address, CountryCode, CustomValue, Customer, CustomerId, CustomerKind, Email, Field,
    MaskPolicy, MaskedDebug, NationalId, NationalIdKind, PersonName, Phone, STRICT, mask_value,
    parse_date,
};

/// Column renames applied before columns are recognised (`surname=family_name`).
///
/// ```
/// use clientele::import::ColumnMap;
/// let map = ColumnMap::parse_all(["suburb=locality"])?;
/// assert_eq!(map.target("suburb"), "locality");
/// assert_eq!(map.target("postcode"), "postcode");
/// assert!(ColumnMap::parse_all(["no-equals-sign"]).is_err());
/// # Ok::<(), clientele::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnMap {
    renames: BTreeMap<String, String>,
}

impl ColumnMap {
    /// Parses `src=dst` pairs.
    ///
    /// # Errors
    /// [`Error::InvalidSetting`] (setting `map`, the pair shown: it is a setting, not a record's
    /// value) for a pair without `=` or with an empty side.
    pub fn parse_all<I, S>(pairs: I) -> Result<Self>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut map = Self::default();
        for pair in pairs {
            let pair = pair.as_ref();
            match pair.split_once('=') {
                Some((src, dst)) if !src.trim().is_empty() && !dst.trim().is_empty() => {
                    map.renames
                        .insert(src.trim().to_owned(), dst.trim().to_owned());
                }
                _ => {
                    return Err(Error::InvalidSetting {
                        setting: "map".to_owned(),
                        reason: "expected SRC=DST".to_owned(),
                        value: pair.to_owned(),
                    });
                }
            }
        }
        Ok(map)
    }

    /// The name a source column is read as.
    pub fn target<'a>(&'a self, source: &'a str) -> &'a str {
        self.renames.get(source).map_or(source, String::as_str)
    }
}

/// A column the reader types itself: one of [`KNOWN_COLUMNS`], or a numbered column of a
/// further address or national identifier.
///
/// Numbers are one-based in names and zero-based here: `street2` is line 1 of address 0,
/// `address2_street` line 0 of address 1, `national_id2_kind` the kind of identifier 1.
///
/// ```
/// use clientele::import::{AddressPart, Column};
/// assert_eq!(Column::parse("phone"), Some(Column::Phone));
/// assert_eq!(Column::parse("street3"), Some(Column::Address(0, AddressPart::Line(2))));
/// assert_eq!(Column::parse("address2_postcode"), Some(Column::Address(1, AddressPart::Postcode)));
/// assert_eq!(Column::parse("national_id2_kind"), Some(Column::NationalIdKind(1)));
/// assert_eq!(Column::parse("loyalty_points"), None);
/// // Every column reads back from its own name.
/// let c = Column::Address(4, AddressPart::Line(1));
/// assert_eq!(c.name(), "address5_street2");
/// assert_eq!(Column::parse(&c.name()), Some(c));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Column {
    /// `id`.
    Id,
    /// `kind`: person or company.
    Kind,
    /// `full_name`.
    FullName,
    /// `given_name`.
    GivenName,
    /// `middle_name`.
    MiddleName,
    /// `family_name`.
    FamilyName,
    /// `company_name`: the legal name.
    CompanyName,
    /// `trading_name`: the company's trading name.
    TradingName,
    /// `phone`: `;`-separated numbers, the first primary.
    Phone,
    /// `email`: `;`-separated addresses, the first primary.
    Email,
    /// A part of an address: address 0 has the unprefixed columns (`house_number`, `street`,
    /// `street2`, `street3`..., `locality`, `region`, `postcode`, `country`), address `k` ≥ 1
    /// the same names prefixed `address{k+1}_`.
    Address(u16, AddressPart),
    /// `birth_date`.
    BirthDate,
    /// A national identifier's value: `national_id`, then `national_id2`, `national_id3`...
    NationalId(u16),
    /// A national identifier's kind: `national_id_kind`, then `national_id2_kind`...
    NationalIdKind(u16),
    /// `tags`: `;`-separated.
    Tags,
    /// `source`.
    Source,
    /// `industry` (行业).
    Industry,
    /// `owner` (负责人).
    Owner,
    /// `team`.
    Team,
    /// `phone_verified_at`: `;`-separated timestamps by position of the phones (an empty entry
    /// for a phone never verified).
    PhoneVerifiedAt,
    /// `email_verified_at`: as `phone_verified_at`, for the emails.
    EmailVerifiedAt,
    /// `created_at`: an RFC 3339 timestamp or a date.
    CreatedAt,
    /// `updated_at`: an RFC 3339 timestamp or a date.
    UpdatedAt,
}

/// A part of an address column ([`Column::Address`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AddressPart {
    /// `house_number`.
    HouseNumber,
    /// A street line: 0 is `street`, 1 `street2`, 2 `street3`...
    Line(u16),
    /// `locality`.
    Locality,
    /// `region`.
    Region,
    /// `postcode`.
    Postcode,
    /// `country`: an ISO 3166 alpha-2 code.
    Country,
}

/// The highest number a numbered column may carry (`address999_street`, `street999`); larger
/// numbers are custom fields.
pub const MAX_COLUMN_NUMBER: u16 = 999;

impl AddressPart {
    fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "house_number" => Self::HouseNumber,
            "street" => Self::Line(0),
            "locality" => Self::Locality,
            "region" => Self::Region,
            "postcode" => Self::Postcode,
            "country" => Self::Country,
            _ => Self::Line(number(name.strip_prefix("street")?)?.checked_sub(1)?),
        })
    }

    fn name(self) -> String {
        match self {
            Self::HouseNumber => "house_number".to_owned(),
            Self::Line(0) => "street".to_owned(),
            Self::Line(n) => format!("street{}", u32::from(n) + 1),
            Self::Locality => "locality".to_owned(),
            Self::Region => "region".to_owned(),
            Self::Postcode => "postcode".to_owned(),
            Self::Country => "country".to_owned(),
        }
    }
}

/// A column number as written in a name: 2 to [`MAX_COLUMN_NUMBER`], without leading zeros.
fn number(digits: &str) -> Option<u16> {
    let n: u16 = digits.parse().ok()?;
    ((2..=MAX_COLUMN_NUMBER).contains(&n) && n.to_string() == digits).then_some(n)
}

impl Column {
    /// The column a (renamed) header name stands for; `None` for a custom field. A built-in
    /// field's name ([`Field::NAMES`]) is the column of its first value (address 0,
    /// identifier 0); numbered names are further addresses, street lines and identifiers.
    pub fn parse(name: &str) -> Option<Self> {
        match Field::parse(name) {
            Field::Custom(_) => Self::parse_numbered(name),
            field => Self::of_field(&field),
        }
    }

    /// The column holding a built-in field's first value; `None` for a custom field.
    ///
    /// ```
    /// use clientele::import::{AddressPart, Column};
    /// use clientele::model::Field;
    /// assert_eq!(Column::of_field(&Field::Street2), Some(Column::Address(0, AddressPart::Line(1))));
    /// assert_eq!(Column::of_field(&Field::Owner), Some(Column::Owner));
    /// // Every built-in field has its column, named as the field is.
    /// for f in Field::built_in() {
    ///     assert_eq!(Column::of_field(&f).map(Column::name).as_deref(), Some(f.name()));
    /// }
    /// ```
    pub fn of_field(field: &Field) -> Option<Self> {
        let address = |part| Some(Self::Address(0, part));
        match field {
            Field::Id => Some(Self::Id),
            Field::Kind => Some(Self::Kind),
            Field::FullName => Some(Self::FullName),
            Field::GivenName => Some(Self::GivenName),
            Field::MiddleName => Some(Self::MiddleName),
            Field::FamilyName => Some(Self::FamilyName),
            Field::CompanyName => Some(Self::CompanyName),
            Field::TradingName => Some(Self::TradingName),
            Field::Phone => Some(Self::Phone),
            Field::Email => Some(Self::Email),
            Field::HouseNumber => address(AddressPart::HouseNumber),
            Field::Street => address(AddressPart::Line(0)),
            Field::Street2 => address(AddressPart::Line(1)),
            Field::Locality => address(AddressPart::Locality),
            Field::Region => address(AddressPart::Region),
            Field::Postcode => address(AddressPart::Postcode),
            Field::Country => address(AddressPart::Country),
            Field::BirthDate => Some(Self::BirthDate),
            Field::NationalId => Some(Self::NationalId(0)),
            Field::NationalIdKind => Some(Self::NationalIdKind(0)),
            Field::Tags => Some(Self::Tags),
            Field::Source => Some(Self::Source),
            Field::Industry => Some(Self::Industry),
            Field::Owner => Some(Self::Owner),
            Field::Team => Some(Self::Team),
            Field::PhoneVerifiedAt => Some(Self::PhoneVerifiedAt),
            Field::EmailVerifiedAt => Some(Self::EmailVerifiedAt),
            Field::CreatedAt => Some(Self::CreatedAt),
            Field::UpdatedAt => Some(Self::UpdatedAt),
            Field::Custom(_) => None,
        }
    }

    /// The field of the field model whose values this column holds (a street line past the
    /// second is [`Field::Street2`]'s kind of value, further lines of the same address).
    ///
    /// ```
    /// use clientele::import::{AddressPart, Column};
    /// use clientele::model::Field;
    /// assert_eq!(Column::Address(2, AddressPart::Postcode).field(), Field::Postcode);
    /// assert_eq!(Column::NationalIdKind(1).field(), Field::NationalIdKind);
    /// ```
    pub fn field(self) -> Field {
        match self {
            Self::Id => Field::Id,
            Self::Kind => Field::Kind,
            Self::FullName => Field::FullName,
            Self::GivenName => Field::GivenName,
            Self::MiddleName => Field::MiddleName,
            Self::FamilyName => Field::FamilyName,
            Self::CompanyName => Field::CompanyName,
            Self::TradingName => Field::TradingName,
            Self::Phone => Field::Phone,
            Self::Email => Field::Email,
            Self::Address(_, part) => match part {
                AddressPart::HouseNumber => Field::HouseNumber,
                AddressPart::Line(0) => Field::Street,
                AddressPart::Line(_) => Field::Street2,
                AddressPart::Locality => Field::Locality,
                AddressPart::Region => Field::Region,
                AddressPart::Postcode => Field::Postcode,
                AddressPart::Country => Field::Country,
            },
            Self::BirthDate => Field::BirthDate,
            Self::NationalId(_) => Field::NationalId,
            Self::NationalIdKind(_) => Field::NationalIdKind,
            Self::Tags => Field::Tags,
            Self::Source => Field::Source,
            Self::Industry => Field::Industry,
            Self::Owner => Field::Owner,
            Self::Team => Field::Team,
            Self::PhoneVerifiedAt => Field::PhoneVerifiedAt,
            Self::EmailVerifiedAt => Field::EmailVerifiedAt,
            Self::CreatedAt => Field::CreatedAt,
            Self::UpdatedAt => Field::UpdatedAt,
        }
    }

    /// Address parts of address 0, further street lines, and the `address{N}_` and
    /// `national_id{N}` families.
    fn parse_numbered(name: &str) -> Option<Self> {
        if let Some(rest) = name.strip_prefix("national_id") {
            return match rest.strip_suffix("_kind") {
                Some(digits) => Some(Self::NationalIdKind(number(digits)? - 1)),
                None => Some(Self::NationalId(number(rest)? - 1)),
            };
        }
        if let Some(rest) = name.strip_prefix("address") {
            let (digits, part) = rest.split_once('_')?;
            return Some(Self::Address(
                number(digits)? - 1,
                AddressPart::parse(part)?,
            ));
        }
        AddressPart::parse(name).map(|part| Self::Address(0, part))
    }

    /// The column's name, as [`Column::parse`] reads it: the field's name for the first
    /// value, numbered names for further addresses, street lines and identifiers.
    pub fn name(self) -> String {
        match self {
            Self::Address(0, part) => part.name(),
            Self::Address(k, part) => format!("address{}_{}", u32::from(k) + 1, part.name()),
            Self::NationalId(k @ 1..) => format!("national_id{}", u32::from(k) + 1),
            Self::NationalIdKind(k @ 1..) => format!("national_id{}_kind", u32::from(k) + 1),
            other => other.field().name().to_owned(),
        }
    }

    /// Whether a repeated column of this kind can add to the record (a list) rather than
    /// compete for one value.
    fn is_list(self) -> bool {
        matches!(self, Self::Phone | Self::Email | Self::Tags)
    }
}

/// The names of the columns [`RowReader`] recognises, in their documented order (the numbered
/// columns of further addresses and identifiers, [`Column`], come on top).
pub const KNOWN_COLUMNS: &[&str] = Field::NAMES;

/// What a reader does with a column name that appears more than once in the header (after
/// renaming).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RepeatedColumns {
    /// Refuse the header, naming the column ([`RowReader::try_new`] fails).
    #[default]
    Refuse,
    /// Keep every value: a repeated `phone`, `email` or `tags` column adds to the list; any
    /// other repeated column becomes a custom field named `NAME#2`, `NAME#3`...
    Append,
}

/// A cell that could not be typed; the row was still read and the raw text kept in
/// `customer.custom[field]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldProblem {
    /// One-based line number.
    pub line: u64,
    /// The column (after renaming).
    pub field: String,
    /// What is wrong, without the value itself.
    pub reason: String,
}

/// One row read into a record, with the cells that could not be typed. `Debug` masks the
/// record's personal values (see [`MaskPolicy`]).
#[derive(Clone, PartialEq)]
pub struct ImportedRow {
    /// The record.
    pub customer: Customer,
    /// Cells kept as text because they could not be typed.
    pub problems: Vec<FieldProblem>,
}

impl fmt::Debug for ImportedRow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.fmt_masked(&STRICT, f)
    }
}

impl MaskedDebug for ImportedRow {
    fn fmt_masked(&self, policy: &MaskPolicy, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImportedRow")
            .field("customer", &policy.show(&self.customer))
            .field("problems", &self.problems)
            .finish()
    }
}

/// Reads rows into records by column name; remembers ids to refuse duplicates.
#[derive(Debug, Clone)]
pub struct RowReader {
    columns: Vec<(String, Option<Column>)>,
    seen: HashMap<CustomerId, u64>,
    default_time: DateTime<Utc>,
}

impl RowReader {
    /// A reader for rows with this header, after applying `map`'s renames. A repeated column is
    /// kept as [`RepeatedColumns::Append`] says (no value is dropped); use
    /// [`RowReader::try_new`] to refuse such a header instead. An empty header cell is named
    /// `column{N}` (its one-based position).
    pub fn new<S: AsRef<str>>(header: &[S], map: &ColumnMap) -> Self {
        let columns = resolve_header(header, map, RepeatedColumns::Append).unwrap_or_default();
        Self::with_columns(columns)
    }

    /// A reader for rows with this header, after applying `map`'s renames, treating repeated
    /// column names as `repeated` says.
    ///
    /// ```
    /// use clientele::import::{ColumnMap, RepeatedColumns, RowReader};
    /// let header = ["id", "phone", "phone"];
    /// assert!(RowReader::try_new(&header, &ColumnMap::default(), RepeatedColumns::Refuse).is_err());
    /// let mut r = RowReader::try_new(&header, &ColumnMap::default(), RepeatedColumns::Append)?;
    /// let row = r.read(2, &["C1", "13800138000", "010 6552 9988"])?;
    /// assert_eq!(row.customer.phones.len(), 2);
    /// # Ok::<(), clientele::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Row`] (line 1) naming the first repeated column when `repeated` is
    /// [`RepeatedColumns::Refuse`].
    pub fn try_new<S: AsRef<str>>(
        header: &[S],
        map: &ColumnMap,
        repeated: RepeatedColumns,
    ) -> Result<Self> {
        Ok(Self::with_columns(resolve_header(header, map, repeated)?))
    }

    fn with_columns(columns: Vec<(String, Option<Column>)>) -> Self {
        Self {
            columns,
            seen: HashMap::new(),
            default_time: DateTime::UNIX_EPOCH,
        }
    }

    /// Sets the creation and update time given to records whose row has none (the Unix epoch by
    /// default, so that reading is deterministic).
    #[must_use]
    pub fn with_default_time(mut self, at: DateTime<Utc>) -> Self {
        self.default_time = at;
        self
    }

    /// The column names after renaming, in header order.
    pub fn column_names(&self) -> impl Iterator<Item = &str> {
        self.columns.iter().map(|(n, _)| n.as_str())
    }

    /// Whether a renamed column is one the reader types itself (not a custom field): one of
    /// [`KNOWN_COLUMNS`] or a numbered [`Column`].
    pub fn is_known(name: &str) -> bool {
        Column::parse(name).is_some()
    }

    /// Reads one row. `line` is the row's one-based line number, used in errors.
    ///
    /// # Errors
    /// [`Error::Row`] when the row has another number of cells than the header, no usable id,
    /// an id already read, or a `kind` that is neither person nor company. The reason never
    /// holds a cell's text, only masked forms ([`mask_value`]) and line numbers: a refused row
    /// may hold anything in any column.
    pub fn read<S: AsRef<str>>(&mut self, line: u64, cells: &[S]) -> Result<ImportedRow> {
        let parsed = self.parse(line, cells);
        self.admit(line, parsed)
    }

    /// Reads one row as [`RowReader::read`] does, except for the check against the ids read
    /// before, which [`RowReader::admit`] makes: rows can be parsed in parallel (`&self`) and
    /// then admitted in file order, with the same outcome as reading them one by one.
    ///
    /// ```
    /// use clientele::import::{ColumnMap, RowReader};
    /// let mut r = RowReader::new(&["id", "full_name"], &ColumnMap::default());
    /// let rows = [(2, ["C1", "Wang Fang"]), (3, ["C1", "Li Na"])];
    /// let parsed: Vec<_> = rows.iter().map(|(line, cells)| r.parse(*line, cells)).collect();
    /// let mut read = Vec::new();
    /// for ((line, _), p) in rows.iter().zip(parsed) {
    ///     read.push(r.admit(*line, p));
    /// }
    /// assert!(read[0].is_ok());
    /// assert!(read[1].is_err()); // the id was read on line 2
    /// ```
    pub fn parse<S: AsRef<str>>(&self, line: u64, cells: &[S]) -> ParsedRow {
        if cells.len() != self.columns.len() {
            return ParsedRow(Err(Error::Row {
                line,
                reason: format!(
                    "{} cells where the header has {} columns",
                    cells.len(),
                    self.columns.len()
                ),
            }));
        }
        let mut known: Vec<(Column, &str)> = Vec::new();
        let mut custom: Vec<(&str, &str)> = Vec::new();
        for ((name, col), cell) in self.columns.iter().zip(cells) {
            let v = cell.as_ref().trim();
            if v.is_empty() {
                continue;
            }
            match col {
                Some(c) => known.push((*c, v)),
                None => custom.push((name.as_str(), v)),
            }
        }
        let cells = Cells { known };
        let id = match id_of(line, &cells) {
            Ok(id) => id,
            Err(e) => return ParsedRow(Err(e)),
        };
        let kind = match kind_of(line, &cells) {
            Ok(kind) => kind,
            Err(e) => return ParsedRow(Ok((id, Err(e)))),
        };
        let mut row = RowBuilder {
            line,
            customer: Customer::builder(id.clone(), kind)
                .created_at(self.default_time)
                .build(),
            problems: Vec::new(),
        };
        row.names_and_contacts(&cells);
        row.addresses(&cells);
        row.birth_date(&cells);
        row.national_ids(&cells);
        row.timestamps(&cells);
        for (name, raw) in custom {
            row.customer
                .custom
                .insert(name.to_owned(), CustomValue::infer(raw));
        }
        ParsedRow(Ok((
            id,
            Ok(ImportedRow {
                customer: row.customer,
                problems: row.problems,
            }),
        )))
    }

    /// Checks a row from [`RowReader::parse`] against the ids read before (a repeated id is
    /// refused, naming the line it was first read on) and remembers its id.
    ///
    /// # Errors
    /// As [`RowReader::read`].
    pub fn admit(&mut self, line: u64, parsed: ParsedRow) -> Result<ImportedRow> {
        let (id, row) = parsed.0?;
        // One hash of the id: the slot found is the one a first reading fills.
        match self.seen.entry(id) {
            std::collections::hash_map::Entry::Occupied(first) => Err(Error::Row {
                line,
                reason: format!("duplicate id, first read on line {}", first.get()),
            }),
            std::collections::hash_map::Entry::Vacant(slot) => {
                let row = row?;
                slot.insert(line);
                Ok(row)
            }
        }
    }
}

/// A row parsed by [`RowReader::parse`], to be checked by [`RowReader::admit`]: its id when it
/// has a usable one, and the record or why it was refused.
#[derive(Debug)]
pub struct ParsedRow(Result<(CustomerId, Result<ImportedRow>)>);

/// A row's id, or why it has none.
fn id_of(line: u64, cells: &Cells<'_>) -> Result<CustomerId> {
    let raw_id = cells.get(Column::Id).ok_or_else(|| Error::Row {
        line,
        reason: "no id".to_owned(),
    })?;
    CustomerId::new(raw_id).map_err(|e| Error::Row {
        line,
        reason: e.to_string(),
    })
}

/// The header's names after renaming, each with the column it stands for; repeated names are
/// refused or kept as `repeated` says.
fn resolve_header<S: AsRef<str>>(
    header: &[S],
    map: &ColumnMap,
    repeated: RepeatedColumns,
) -> Result<Vec<(String, Option<Column>)>> {
    let mut seen: HashMap<String, (usize, usize)> = HashMap::new();
    let mut columns = Vec::with_capacity(header.len());
    for (i, h) in header.iter().enumerate() {
        let raw = h.as_ref().trim();
        let name = if raw.is_empty() {
            format!("column{}", i + 1)
        } else {
            map.target(raw).to_owned()
        };
        let col = Column::parse(&name);
        let entry = seen.entry(name.clone()).or_insert((i, 0));
        entry.1 += 1;
        let (first, count) = *entry;
        if count == 1 {
            columns.push((name, col));
            continue;
        }
        match repeated {
            RepeatedColumns::Refuse => {
                return Err(Error::Row {
                    line: 1,
                    reason: format!(
                        "column `{name}` appears more than once (columns {} and {}); rename one \
                         or keep both with the repeated-columns option",
                        first + 1,
                        i + 1
                    ),
                });
            }
            RepeatedColumns::Append if col.is_some_and(Column::is_list) => {
                columns.push((name, col))
            }
            RepeatedColumns::Append => columns.push((format!("{name}#{count}"), None)),
        }
    }
    Ok(columns)
}

/// The filled known cells of one row, in header order.
struct Cells<'a> {
    known: Vec<(Column, &'a str)>,
}

impl<'a> Cells<'a> {
    /// The first cell of a column.
    fn get(&self, c: Column) -> Option<&'a str> {
        self.known.iter().find(|(k, _)| *k == c).map(|(_, v)| *v)
    }

    /// The `;`-separated items of every cell of a (list) column, in header order.
    fn list(&self, c: Column) -> impl Iterator<Item = &'a str> + '_ {
        self.known
            .iter()
            .filter(move |(k, _)| *k == c)
            .flat_map(|(_, v)| split_list(Some(v)))
    }

    /// The filled address parts, by address number then part.
    fn address_parts(&self) -> BTreeMap<u16, BTreeMap<AddressPart, &'a str>> {
        let mut out: BTreeMap<u16, BTreeMap<AddressPart, &'a str>> = BTreeMap::new();
        for (c, v) in &self.known {
            if let Column::Address(k, part) = c {
                out.entry(*k).or_default().entry(*part).or_insert(v);
            }
        }
        out
    }

    /// The national identifiers' (value, kind) cells, by number.
    fn national_ids(&self) -> BTreeMap<u16, (Option<&'a str>, Option<&'a str>)> {
        let mut out: BTreeMap<u16, (Option<&'a str>, Option<&'a str>)> = BTreeMap::new();
        for (c, v) in &self.known {
            match c {
                Column::NationalId(k) => {
                    out.entry(*k).or_default().0.get_or_insert(v);
                }
                Column::NationalIdKind(k) => {
                    out.entry(*k).or_default().1.get_or_insert(v);
                }
                _ => {}
            }
        }
        out
    }

    fn has_person_name(&self) -> bool {
        [
            Column::FullName,
            Column::GivenName,
            Column::MiddleName,
            Column::FamilyName,
        ]
        .iter()
        .any(|c| self.get(*c).is_some())
    }
}

fn kind_of(line: u64, cells: &Cells<'_>) -> Result<CustomerKind> {
    let has_company =
        cells.get(Column::CompanyName).is_some() || cells.get(Column::TradingName).is_some();
    Ok(match cells.get(Column::Kind) {
        Some(k) => CustomerKind::parse(k).ok_or_else(|| Error::Row {
            line,
            reason: format!("kind must be person or company, not {}", mask_value(k)),
        })?,
        None if has_company && !cells.has_person_name() => CustomerKind::Company,
        None => CustomerKind::Person,
    })
}

/// A record being filled from one row's cells.
struct RowBuilder {
    line: u64,
    customer: Customer,
    problems: Vec<FieldProblem>,
}

impl RowBuilder {
    /// Reports a cell that could not be typed and keeps its text as a custom field.
    fn keep_raw(&mut self, field: &str, raw: &str, reason: String) {
        self.problems.push(FieldProblem {
            line: self.line,
            field: field.to_owned(),
            reason,
        });
        self.customer
            .custom
            .insert(field.to_owned(), CustomValue::Text(raw.to_owned()));
    }

    fn names_and_contacts(&mut self, cells: &Cells<'_>) {
        let c = &mut self.customer;
        if cells.has_person_name() {
            c.person_name = Some(PersonName {
                full: cells.get(Column::FullName).map(str::to_owned),
                given: cells.get(Column::GivenName).map(str::to_owned),
                middle: cells.get(Column::MiddleName).map(str::to_owned),
                family: cells.get(Column::FamilyName).map(str::to_owned),
            });
        }
        let legal = cells.get(Column::CompanyName);
        let trading = cells.get(Column::TradingName);
        if legal.is_some() || trading.is_some() {
            c.company_name = Some(crate::model::CompanyName {
                legal: legal.unwrap_or_default().to_owned(),
                trading: trading.map(str::to_owned),
            });
        }
        for (i, number) in cells.list(Column::Phone).enumerate() {
            let mut p = Phone::new(number);
            p.primary = i == 0;
            c.phones.push(p);
        }
        for (i, address) in cells.list(Column::Email).enumerate() {
            let mut e = Email::new(address);
            e.primary = i == 0;
            c.emails.push(e);
        }
        c.tags = cells.list(Column::Tags).map(str::to_owned).collect();
        c.source = cells.get(Column::Source).map(str::to_owned);
        c.industry = cells.get(Column::Industry).map(str::to_owned);
        c.owner = cells.get(Column::Owner).map(str::to_owned);
        c.team = cells.get(Column::Team).map(str::to_owned);
        self.verified_at(cells, Field::PhoneVerifiedAt, Column::PhoneVerifiedAt);
        self.verified_at(cells, Field::EmailVerifiedAt, Column::EmailVerifiedAt);
    }

    /// The positional verification times of the phones or emails; a cell that does not read
    /// (a bad timestamp, more entries than values) is kept as text and reported.
    fn verified_at(&mut self, cells: &Cells<'_>, field: Field, col: Column) {
        let Some(raw) = cells.get(col) else {
            return;
        };
        let entries: Vec<&str> = raw.split([';', '；']).map(str::trim).collect();
        if let Err(e) = field.set_texts(&mut self.customer, &entries) {
            let reason = match e {
                Error::InvalidValue { reason, masked, .. } => format!("{reason} ({masked})"),
                other => other.to_string(),
            };
            self.keep_raw(&col.name(), raw, reason);
        }
    }

    fn addresses(&mut self, cells: &Cells<'_>) {
        for (k, parts) in cells.address_parts() {
            let get = |p: AddressPart| parts.get(&p).map(|v| (*v).to_owned());
            let country = match parts.get(&AddressPart::Country) {
                Some(raw) => match CountryCode::new(raw) {
                    Ok(cc) => Some(cc),
                    Err(_) => {
                        let field = Column::Address(k, AddressPart::Country).name();
                        self.keep_raw(
                            &field,
                            raw,
                            format!("not an ISO 3166 alpha-2 code ({})", mask_value(raw)),
                        );
                        None
                    }
                },
                None => None,
            };
            let address = Address {
                house_number: get(AddressPart::HouseNumber),
                lines: parts
                    .iter()
                    .filter(|(p, _)| matches!(p, AddressPart::Line(_)))
                    .map(|(_, v)| (*v).to_owned())
                    .collect(),
                locality: get(AddressPart::Locality),
                region: get(AddressPart::Region),
                postcode: get(AddressPart::Postcode),
                country,
                ..Address::default()
            };
            if !address.is_empty() {
                self.customer.addresses.push(address);
            }
        }
    }

    fn birth_date(&mut self, cells: &Cells<'_>) {
        let Some(raw) = cells.get(Column::BirthDate) else {
            return;
        };
        match parse_date(raw) {
            Ok(d) => self.customer.birth_date = Some(d),
            Err(e) => {
                let reason = match e {
                    Error::InvalidValue { reason, masked, .. } => format!("{reason} ({masked})"),
                    other => other.to_string(),
                };
                self.keep_raw("birth_date", raw, reason);
            }
        }
    }

    fn national_ids(&mut self, cells: &Cells<'_>) {
        for (k, (value, kind)) in cells.national_ids() {
            if let Some(value) = value {
                let kind = kind.map_or(NationalIdKind::Other(String::new()), NationalIdKind::parse);
                self.customer
                    .national_ids
                    .push(NationalId::new(kind, value));
            } else if let Some(kind) = kind {
                // A kind without a value is still caller data.
                self.customer.custom.insert(
                    Column::NationalIdKind(k).name(),
                    CustomValue::Text(kind.to_owned()),
                );
            }
        }
    }

    fn timestamps(&mut self, cells: &Cells<'_>) {
        for (col, name) in [
            (Column::CreatedAt, "created_at"),
            (Column::UpdatedAt, "updated_at"),
        ] {
            if let Some(raw) = cells.get(col) {
                let c = &mut self.customer;
                match parse_timestamp(raw) {
                    Some(t) if col == Column::CreatedAt => {
                        c.created_at = t;
                        if c.updated_at < t {
                            c.updated_at = t;
                        }
                    }
                    Some(t) => c.updated_at = t,
                    None => self.keep_raw(
                        name,
                        raw,
                        format!("not a timestamp or date ({})", mask_value(raw)),
                    ),
                }
            }
        }
    }
}

/// Splits a `;`-separated cell (full-width `；` too), dropping empty parts.
fn split_list(cell: Option<&str>) -> impl Iterator<Item = &str> {
    cell.unwrap_or("")
        .split([';', '；'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// An RFC 3339 timestamp, or a date (taken as midnight UTC).
fn parse_timestamp(raw: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        return Some(t.with_timezone(&Utc));
    }
    parse_date(raw)
        .ok()
        .map(|d| d.and_time(NaiveTime::MIN).and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reader(header: &[&str]) -> RowReader {
        RowReader::new(header, &ColumnMap::default())
    }

    #[test]
    fn several_phones_in_one_cell_become_a_list_with_the_first_primary() {
        let mut r = reader(&["id", "phone"]);
        let row = r
            .read(2, &["C1", "+86 138 0013 8000; 010-6552 9988"])
            .unwrap();
        let phones = &row.customer.phones;
        assert_eq!(phones.len(), 2);
        assert!(phones[0].primary && !phones[1].primary);
        assert_eq!(phones[1].number, "010-6552 9988");
    }

    #[test]
    fn a_bad_date_is_reported_and_kept_as_text() {
        let mut r = reader(&["id", "full_name", "birth_date"]);
        let row = r.read(7, &["C1", "Ann", "31/02/1990"]).unwrap();
        assert_eq!(row.customer.birth_date, None);
        assert_eq!(row.problems.len(), 1);
        assert_eq!(row.problems[0].line, 7);
        assert_eq!(row.problems[0].field, "birth_date");
        assert!(!row.problems[0].reason.contains("31/02/1990"));
        assert_eq!(
            row.customer.custom.get("birth_date"),
            Some(&CustomValue::Text("31/02/1990".into()))
        );
    }

    #[test]
    fn kind_is_inferred_from_the_name_columns() {
        let mut r = reader(&["id", "company_name", "full_name"]);
        let company = r.read(2, &["C1", "Acme Ltd", ""]).unwrap();
        assert_eq!(company.customer.kind, CustomerKind::Company);
        let person = r.read(3, &["C2", "Acme Ltd", "Ann Lee"]).unwrap();
        assert_eq!(person.customer.kind, CustomerKind::Person);
    }

    #[test]
    fn rows_without_id_with_wrong_width_or_bad_kind_are_refused_with_their_line() {
        let mut r = reader(&["id", "kind"]);
        for (line, cells) in [
            (2, vec!["", "person"]),
            (3, vec!["C1"]),
            (4, vec!["C1", "robot"]),
        ] {
            match r.read(line, &cells) {
                Err(Error::Row { line: l, .. }) => assert_eq!(l, line),
                other => panic!("line {line}: {other:?}"),
            }
        }
    }

    #[test]
    fn unknown_columns_become_typed_custom_fields() {
        let mut r = reader(&["id", "loyalty_points", "member_no"]);
        let row = r.read(2, &["C1", "1200", "00731"]).unwrap();
        assert_eq!(
            row.customer.custom.get("loyalty_points"),
            Some(&CustomValue::Integer(1200))
        );
        assert_eq!(
            row.customer.custom.get("member_no"),
            Some(&CustomValue::Text("00731".into()))
        );
    }

    #[test]
    fn address_parts_make_one_address() {
        let mut r = reader(&[
            "id",
            "house_number",
            "street",
            "street2",
            "locality",
            "postcode",
            "country",
        ]);
        let row = r
            .read(
                2,
                &[
                    "C1",
                    "7",
                    "wallaby place",
                    "delmar",
                    "cleveland",
                    "2119",
                    "au",
                ],
            )
            .unwrap();
        let a = &row.customer.addresses[0];
        assert_eq!(
            a.lines,
            vec!["wallaby place".to_owned(), "delmar".to_owned()]
        );
        assert_eq!(a.country.map(|c| c.to_string()).as_deref(), Some("AU"));
    }

    #[test]
    fn numbered_columns_read_further_addresses_lines_and_identifiers() {
        let mut r = reader(&[
            "id",
            "street",
            "street3",
            "locality",
            "address2_street",
            "address2_country",
            "national_id",
            "national_id2",
            "national_id2_kind",
            "national_id3_kind",
        ]);
        let row = r
            .read(
                2,
                &[
                    "C1",
                    "1 Main St",
                    "Flat 2",
                    "Leeds",
                    "9 Side Rd",
                    "Narnia",
                    "A1",
                    "B2",
                    "uscc",
                    "cn_id",
                ],
            )
            .unwrap();
        let c = &row.customer;
        assert_eq!(c.addresses.len(), 2);
        assert_eq!(c.addresses[0].lines, ["1 Main St", "Flat 2"]);
        assert_eq!(c.addresses[1].lines, ["9 Side Rd"]);
        // A bad country of the second address is kept under its own column name.
        assert_eq!(row.problems[0].field, "address2_country");
        assert_eq!(
            c.custom.get("address2_country"),
            Some(&CustomValue::Text("Narnia".into()))
        );
        assert_eq!(c.national_ids.len(), 2);
        assert_eq!(c.national_ids[1].kind, NationalIdKind::CnUscc);
        assert_eq!(
            c.custom.get("national_id3_kind"),
            Some(&CustomValue::Text("cn_id".into()))
        );
    }

    #[test]
    fn repeated_columns_are_refused_or_kept_whole() {
        let header = ["id", "phone", "note", "phone", "note"];
        let map = ColumnMap::default();
        match RowReader::try_new(&header, &map, RepeatedColumns::Refuse) {
            Err(Error::Row { line: 1, reason }) => assert!(reason.contains("`phone`"), "{reason}"),
            other => panic!("{other:?}"),
        }
        let mut r = RowReader::try_new(&header, &map, RepeatedColumns::Append).unwrap();
        let row = r.read(2, &["C1", "111", "a", "222", "b"]).unwrap();
        assert_eq!(row.customer.phones.len(), 2);
        assert_eq!(
            row.customer.custom.get("note#2"),
            Some(&CustomValue::Text("b".into()))
        );
        // A rename onto an existing column is a repeat too.
        let map = ColumnMap::parse_all(["surname=family_name"]).unwrap();
        assert!(
            RowReader::try_new(
                &["id", "surname", "family_name"],
                &map,
                RepeatedColumns::Refuse
            )
            .is_err()
        );
    }

    #[test]
    fn column_names_and_parsing_are_inverse() {
        for k in [0u16, 1, 7, MAX_COLUMN_NUMBER - 1] {
            for part in [
                AddressPart::HouseNumber,
                AddressPart::Line(0),
                AddressPart::Line(1),
                AddressPart::Line(k),
                AddressPart::Locality,
                AddressPart::Region,
                AddressPart::Postcode,
                AddressPart::Country,
            ] {
                let c = Column::Address(k, part);
                assert_eq!(Column::parse(&c.name()), Some(c), "{}", c.name());
            }
            for c in [Column::NationalId(k), Column::NationalIdKind(k)] {
                assert_eq!(Column::parse(&c.name()), Some(c), "{}", c.name());
            }
        }
        for &name in KNOWN_COLUMNS {
            assert_eq!(Column::parse(name).map(Column::name).as_deref(), Some(name));
        }
        for custom in [
            "street1",
            "street02",
            "address1_street",
            "address2_note",
            "national_idx",
        ] {
            assert_eq!(Column::parse(custom), None, "{custom}");
        }
    }
}
