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
//! national_id_kind, tags, source, created_at, updated_at`, in any order and any subset. `phone`
//! and `email` may hold several values separated by `;` (the first is primary); `tags` are
//! `;`-separated; dates are `YYYY-MM-DD`, `YYYYMMDD`, `YYYY/M/D` or `YYYY年M月D日`. Any other
//! column becomes a custom field, typed by [`CustomValue::infer`].
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
    Address, CountryCode, CustomValue, Customer, CustomerId, CustomerKind, Email, MaskPolicy,
    MaskedDebug, NationalId, NationalIdKind, PersonName, Phone, STRICT, mask_value, parse_date,
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

/// The columns the reader knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    Id,
    Kind,
    FullName,
    GivenName,
    MiddleName,
    FamilyName,
    CompanyName,
    Phone,
    Email,
    HouseNumber,
    Street,
    Street2,
    Locality,
    Region,
    Postcode,
    Country,
    BirthDate,
    NationalId,
    NationalIdKind,
    Tags,
    Source,
    CreatedAt,
    UpdatedAt,
}

impl Col {
    fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "id" => Self::Id,
            "kind" => Self::Kind,
            "full_name" => Self::FullName,
            "given_name" => Self::GivenName,
            "middle_name" => Self::MiddleName,
            "family_name" => Self::FamilyName,
            "company_name" => Self::CompanyName,
            "phone" => Self::Phone,
            "email" => Self::Email,
            "house_number" => Self::HouseNumber,
            "street" => Self::Street,
            "street2" => Self::Street2,
            "locality" => Self::Locality,
            "region" => Self::Region,
            "postcode" => Self::Postcode,
            "country" => Self::Country,
            "birth_date" => Self::BirthDate,
            "national_id" => Self::NationalId,
            "national_id_kind" => Self::NationalIdKind,
            "tags" => Self::Tags,
            "source" => Self::Source,
            "created_at" => Self::CreatedAt,
            "updated_at" => Self::UpdatedAt,
            _ => return None,
        })
    }
}

/// The names of the columns [`RowReader`] recognises, in their documented order.
pub const KNOWN_COLUMNS: [&str; 23] = [
    "id",
    "kind",
    "full_name",
    "given_name",
    "middle_name",
    "family_name",
    "company_name",
    "phone",
    "email",
    "house_number",
    "street",
    "street2",
    "locality",
    "region",
    "postcode",
    "country",
    "birth_date",
    "national_id",
    "national_id_kind",
    "tags",
    "source",
    "created_at",
    "updated_at",
];

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
    columns: Vec<(String, Option<Col>)>,
    seen: HashMap<CustomerId, u64>,
    default_time: DateTime<Utc>,
}

impl RowReader {
    /// A reader for rows with this header, after applying `map`'s renames.
    pub fn new<S: AsRef<str>>(header: &[S], map: &ColumnMap) -> Self {
        let columns = header
            .iter()
            .map(|h| {
                let name = map.target(h.as_ref().trim()).to_owned();
                let col = Col::from_name(&name);
                (name, col)
            })
            .collect();
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

    /// Whether a renamed column is one the reader types itself (not a custom field).
    pub fn is_known(name: &str) -> bool {
        Col::from_name(name).is_some()
    }

    /// Reads one row. `line` is the row's one-based line number, used in errors.
    ///
    /// # Errors
    /// [`Error::Row`] when the row has another number of cells than the header, no usable id,
    /// an id already read, or a `kind` that is neither person nor company. The reason never
    /// holds a cell's text, only masked forms ([`mask_value`]) and line numbers: a refused row
    /// may hold anything in any column.
    pub fn read<S: AsRef<str>>(&mut self, line: u64, cells: &[S]) -> Result<ImportedRow> {
        if cells.len() != self.columns.len() {
            return Err(Error::Row {
                line,
                reason: format!(
                    "{} cells where the header has {} columns",
                    cells.len(),
                    self.columns.len()
                ),
            });
        }
        let mut known: Vec<(Col, &str)> = Vec::new();
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
        let get = |c: Col| known.iter().find(|(k, _)| *k == c).map(|(_, v)| *v);

        let raw_id = get(Col::Id).ok_or_else(|| Error::Row {
            line,
            reason: "no id".to_owned(),
        })?;
        let id = CustomerId::new(raw_id).map_err(|e| Error::Row {
            line,
            reason: e.to_string(),
        })?;
        if let Some(first) = self.seen.get(&id) {
            return Err(Error::Row {
                line,
                reason: format!("duplicate id, first read on line {first}"),
            });
        }

        let has_person_name = [
            Col::FullName,
            Col::GivenName,
            Col::MiddleName,
            Col::FamilyName,
        ]
        .iter()
        .any(|c| get(*c).is_some());
        let kind = match get(Col::Kind) {
            Some(k) => CustomerKind::parse(k).ok_or_else(|| Error::Row {
                line,
                reason: format!("kind must be person or company, not {}", mask_value(k)),
            })?,
            None if get(Col::CompanyName).is_some() && !has_person_name => CustomerKind::Company,
            None => CustomerKind::Person,
        };

        let mut problems = Vec::new();
        let mut c = Customer::builder(id.clone(), kind)
            .created_at(self.default_time)
            .build();
        if has_person_name {
            c.person_name = Some(PersonName {
                full: get(Col::FullName).map(str::to_owned),
                given: get(Col::GivenName).map(str::to_owned),
                middle: get(Col::MiddleName).map(str::to_owned),
                family: get(Col::FamilyName).map(str::to_owned),
            });
        }
        if let Some(name) = get(Col::CompanyName) {
            c.company_name = Some(crate::model::CompanyName::new(name));
        }
        for (i, number) in split_list(get(Col::Phone)).enumerate() {
            let mut p = Phone::new(number);
            p.primary = i == 0;
            c.phones.push(p);
        }
        for (i, address) in split_list(get(Col::Email)).enumerate() {
            let mut e = Email::new(address);
            e.primary = i == 0;
            c.emails.push(e);
        }
        c.tags = split_list(get(Col::Tags)).map(str::to_owned).collect();
        c.source = get(Col::Source).map(str::to_owned);

        let mut keep_raw = |field: &str, raw: &str, reason: String, c: &mut Customer| {
            problems.push(FieldProblem {
                line,
                field: field.to_owned(),
                reason,
            });
            c.custom
                .insert(field.to_owned(), CustomValue::Text(raw.to_owned()));
        };

        let country = match get(Col::Country) {
            Some(raw) => match CountryCode::new(raw) {
                Ok(cc) => Some(cc),
                Err(_) => {
                    keep_raw(
                        "country",
                        raw,
                        format!("not an ISO 3166 alpha-2 code ({})", mask_value(raw)),
                        &mut c,
                    );
                    None
                }
            },
            None => None,
        };
        let address = Address {
            house_number: get(Col::HouseNumber).map(str::to_owned),
            lines: [get(Col::Street), get(Col::Street2)]
                .into_iter()
                .flatten()
                .map(str::to_owned)
                .collect(),
            locality: get(Col::Locality).map(str::to_owned),
            region: get(Col::Region).map(str::to_owned),
            postcode: get(Col::Postcode).map(str::to_owned),
            country,
            ..Address::default()
        };
        if !address.is_empty() {
            c.addresses.push(address);
        }

        if let Some(raw) = get(Col::BirthDate) {
            match parse_date(raw) {
                Ok(d) => c.birth_date = Some(d),
                Err(e) => {
                    let reason = match e {
                        Error::InvalidValue { reason, masked, .. } => {
                            format!("{reason} ({masked})")
                        }
                        other => other.to_string(),
                    };
                    keep_raw("birth_date", raw, reason, &mut c);
                }
            }
        }
        if let Some(value) = get(Col::NationalId) {
            let kind = get(Col::NationalIdKind)
                .map_or(NationalIdKind::Other(String::new()), NationalIdKind::parse);
            c.national_ids.push(NationalId::new(kind, value));
        } else if let Some(kind) = get(Col::NationalIdKind) {
            // A kind without a value is still caller data.
            c.custom.insert(
                "national_id_kind".to_owned(),
                CustomValue::Text(kind.to_owned()),
            );
        }
        for (col, name) in [
            (Col::CreatedAt, "created_at"),
            (Col::UpdatedAt, "updated_at"),
        ] {
            if let Some(raw) = get(col) {
                match parse_timestamp(raw) {
                    Some(t) if col == Col::CreatedAt => {
                        c.created_at = t;
                        if c.updated_at < t {
                            c.updated_at = t;
                        }
                    }
                    Some(t) => c.updated_at = t,
                    None => keep_raw(
                        name,
                        raw,
                        format!("not a timestamp or date ({})", mask_value(raw)),
                        &mut c,
                    ),
                }
            }
        }
        for (name, raw) in custom {
            c.custom.insert(name.to_owned(), CustomValue::infer(raw));
        }
        self.seen.insert(id, line);
        Ok(ImportedRow {
            customer: c,
            problems,
        })
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
}
