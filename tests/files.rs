//! The `files` feature's guarantees: records written and read back are the same records; a
//! damaged sample has every data row read or refused, untouched rows read as before, and no
//! accepted record holding another row's values; the reader agrees with the csv crate on
//! well-formed files.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, Utc};
use clientele::files::{Columns, FileRead};
use clientele::files::{CsvRows, RawRow, ReadOptions, RecordWriter, read, read_path};
use clientele::model::{
    Address, CompanyName, Consent, ConsentPurpose, ConsentStatus, CountryCode, CustomValue, Email,
    NationalId, NationalIdKind, PersonName, Phone,
};
use clientele::{Customer, CustomerId, CustomerKind};
use proptest::prelude::*;

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/data/customers.csv")
}

fn write_all(records: &[Customer]) -> Vec<u8> {
    let mut w = RecordWriter::new(Vec::new(), "output", Columns::for_records(records)).unwrap();
    for c in records {
        w.write(c).unwrap();
    }
    w.finish().unwrap().0
}

// ---- Round trip: record -> row -> record.

/// Text the reader keeps as written: trimmed, non-empty, with commas, quotes, line breaks and
/// Chinese, but no `;` (the list separator).
fn text() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 ,\"'\\n\\r\\.@+一-龥-]{1,12}"
        .prop_map(|s| s.trim().to_owned())
        .prop_filter("non-empty after trimming", |s| !s.is_empty())
}

fn opt_text() -> impl Strategy<Value = Option<String>> {
    prop::option::of(text())
}

fn time() -> impl Strategy<Value = DateTime<Utc>> {
    (-2_000_000_000i64..4_000_000_000, 0u32..1_000_000_000)
        .prop_map(|(s, n)| DateTime::from_timestamp(s, n).unwrap_or(DateTime::UNIX_EPOCH))
}

fn date() -> impl Strategy<Value = NaiveDate> {
    (1900i32..2100, 1u32..=12, 1u32..=28)
        .prop_map(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d).unwrap())
}

fn address() -> impl Strategy<Value = Address> {
    (
        opt_text(),
        prop::collection::vec(text(), 0..4),
        opt_text(),
        opt_text(),
        opt_text(),
        prop::option::of(prop::sample::select(vec!["CN", "US", "GB", "FR"])),
    )
        .prop_map(
            |(house_number, lines, locality, region, postcode, country)| Address {
                house_number,
                lines,
                locality,
                region,
                postcode,
                country: country.and_then(|c| CountryCode::new(c).ok()),
                ..Address::default()
            },
        )
        .prop_filter("an address with something in it", |a| !a.is_empty())
}

fn custom_value() -> impl Strategy<Value = CustomValue> {
    prop_oneof![
        any::<i64>().prop_map(CustomValue::Integer),
        (-1e12f64..1e12).prop_map(CustomValue::Float),
        any::<bool>().prop_map(CustomValue::Bool),
        text().prop_map(CustomValue::Text),
        "[0-9]{1,6}".prop_map(CustomValue::Text), // text that reads as a number
        date().prop_map(CustomValue::Date),
        time().prop_map(CustomValue::Timestamp),
    ]
}

fn consent() -> impl Strategy<Value = Consent> {
    (
        prop_oneof![
            Just(ConsentPurpose::Marketing),
            text().prop_map(ConsentPurpose::Other)
        ],
        any::<bool>(),
        time(),
        text(),
    )
        .prop_map(|(purpose, given, at, channel)| {
            Consent::new(
                purpose,
                if given {
                    ConsentStatus::Given
                } else {
                    ConsentStatus::Withdrawn
                },
                at,
                channel,
            )
        })
}

prop_compose! {
    fn customer(i: usize)(
        company in any::<bool>(),
        name in prop::option::of((opt_text(), opt_text(), opt_text(), text())),
        company_name in prop::option::of((text(), opt_text())),
        phones in prop::collection::vec(text(), 0..4),
        emails in prop::collection::vec(text(), 0..3),
        addresses in prop::collection::vec(address(), 0..4),
        birth in prop::option::of(date()),
        bad_birth in prop::option::of("[0-9]{2}/[0-9]{2}"),
        ids in prop::collection::vec((prop::sample::select(vec!["cn_resident_id", "cn_uscc", "", "passport"]), text()), 0..4),
        tags in prop::collection::btree_set(text(), 0..4),
        custom in prop::collection::btree_map("[a-z_]{1,10}", custom_value(), 0..5),
        source in opt_text(),
        created in time(),
        updated in time(),
        consents in prop::collection::vec(consent(), 0..3),
    ) -> Customer {
        let kind = if company { CustomerKind::Company } else { CustomerKind::Person };
        let mut c = Customer::builder(CustomerId::new(format!("C{i}")).unwrap(), kind).build();
        c.person_name = name.map(|(full, given, middle, family)| PersonName { full, given, middle, family: Some(family) });
        c.company_name = company_name.map(|(legal, trading)| CompanyName { legal, trading });
        // Verification times by position: on some values only, so empty entries are written too.
        c.phones = phones.into_iter().enumerate().map(|(k, n)| {
            let p = Phone::new(n).with_primary(k == 0);
            if (k + i) % 2 == 1 { p.with_verified_at(created) } else { p }
        }).collect();
        c.emails = emails.into_iter().enumerate().map(|(k, e)| {
            let e = Email::new(e).with_primary(k == 0);
            if k == 1 { e.with_verified_at(updated) } else { e }
        }).collect();
        c.addresses = addresses;
        c.birth_date = birth;
        c.national_ids = ids.into_iter().map(|(k, v)| NationalId::new(NationalIdKind::parse(k), v)).collect();
        c.tags = tags.into_iter().map(|t| t.replace(['\n', '\r'], " ")).collect();
        c.custom = custom;
        // A birth date the reader could not type, kept as text under its column's name.
        if let (None, Some(raw)) = (birth, bad_birth) {
            c.custom.insert("birth_date".into(), CustomValue::Text(raw));
        }
        c.source = source;
        c.created_at = created;
        c.updated_at = updated;
        c.consents = consents;
        c
    }
}

fn customers() -> impl Strategy<Value = Vec<Customer>> {
    (1usize..6).prop_flat_map(|n| (0..n).map(customer).collect::<Vec<_>>())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn records_written_and_read_back_are_the_same_records(records in customers()) {
        let bytes = write_all(&records);
        let back = read(bytes.as_slice(), &ReadOptions::default()).unwrap();
        prop_assert!(back.rejected.is_empty(), "{:?}", back.rejected);
        prop_assert_eq!(&back.customers, &records);
        prop_assert_eq!(back.counts.data_rows, records.len() as u64);
    }
}

#[test]
fn the_sample_read_written_and_read_again_is_unchanged() {
    let first = read_path(sample(), &ReadOptions::default()).unwrap();
    assert_eq!(first.customers.len(), 311);
    let bytes = write_all(&first.customers);
    let again = read(bytes.as_slice(), &ReadOptions::default()).unwrap();
    assert_eq!(again.customers, first.customers);
    // The custom column is a column of its own, and nothing went to the typed column.
    let header = String::from_utf8_lossy(bytes.split(|b| *b == b'\n').next().unwrap());
    assert!(
        header.ends_with(",created_at,updated_at,loyalty_points"),
        "{header}"
    );
}

// ---- A damaged sample.

#[derive(Debug, Clone)]
enum Mutation {
    /// A `"` before the byte at this share of the line.
    Quote(usize, f64),
    /// One delimiter of the line removed.
    DropDelimiter(usize, f64),
    /// A NUL byte inserted.
    Nul(usize, f64),
    /// The line cut at this share.
    Truncate(usize, f64),
    /// The line's terminator `\r\n` instead of `\n` (or back).
    Crlf(usize),
}

fn mutation(lines: usize) -> impl Strategy<Value = Mutation> {
    // Line indexes 1.. (after the header).
    let l = 1..lines;
    let at = 0.0f64..1.0;
    prop_oneof![
        3 => (l.clone(), at.clone()).prop_map(|(l, a)| Mutation::Quote(l, a)),
        1 => (l.clone(), at.clone()).prop_map(|(l, a)| Mutation::DropDelimiter(l, a)),
        1 => (l.clone(), at.clone()).prop_map(|(l, a)| Mutation::Nul(l, a)),
        1 => (l.clone(), at).prop_map(|(l, a)| Mutation::Truncate(l, a)),
        1 => l.prop_map(Mutation::Crlf),
    ]
}

/// A byte position at about `share` of the line, on a character boundary.
fn position(line: &str, share: f64) -> usize {
    let mut i = ((line.len() as f64) * share) as usize;
    while !line.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The sample's lines (without terminators) after the mutations, each with its terminator, and
/// which line indexes were touched.
fn mutate(text: &str, mutations: &[Mutation]) -> (Vec<(String, &'static str)>, BTreeSet<usize>) {
    let mut lines: Vec<(String, &'static str)> =
        text.lines().map(|l| (l.to_owned(), "\n")).collect();
    let mut touched = BTreeSet::new();
    for m in mutations {
        let (i, line) = match m {
            Mutation::Quote(i, _)
            | Mutation::DropDelimiter(i, _)
            | Mutation::Nul(i, _)
            | Mutation::Truncate(i, _)
            | Mutation::Crlf(i) => (*i, &mut lines[*i]),
        };
        match m {
            Mutation::Quote(_, a) => line.0.insert(position(&line.0, *a), '"'),
            Mutation::Nul(_, a) => line.0.insert(position(&line.0, *a), '\0'),
            Mutation::Truncate(_, a) => line.0.truncate(position(&line.0, *a)),
            Mutation::DropDelimiter(_, a) => {
                let commas: Vec<usize> = line.0.match_indices(',').map(|(k, _)| k).collect();
                if let Some(k) = commas.get(((commas.len() as f64) * a) as usize) {
                    line.0.remove(*k);
                }
            }
            Mutation::Crlf(_) => line.1 = if line.1 == "\n" { "\r\n" } else { "\n" },
        }
        if !matches!(m, Mutation::Crlf(_)) {
            touched.insert(i);
        }
    }
    (lines, touched)
}

/// Every string in a record, for looking for other rows' values.
fn strings(c: &Customer) -> String {
    serde_json::to_string(c).unwrap()
}

fn by_line(file: &FileRead) -> BTreeMap<u64, &Customer> {
    file.lines.iter().copied().zip(&file.customers).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn a_damaged_sample_has_every_row_read_or_refused_and_no_row_swallowed(
        mutations in prop::collection::vec(mutation(312), 1..6)
    ) {
        let text = std::fs::read_to_string(sample()).unwrap();
        let original = read_path(sample(), &ReadOptions::default()).unwrap();
        let (lines, touched) = mutate(&text, &mutations);
        let bytes: Vec<u8> = lines.iter().flat_map(|(l, t)| format!("{l}{t}").into_bytes()).collect();
        let file = read(bytes.as_slice(), &ReadOptions::default()).unwrap();
        let c = file.counts;

        // The counts add up, and to the file's own lines counted here.
        prop_assert_eq!(c.data_rows, c.read + c.rejected);
        let data_lines = lines.iter().skip(1).filter(|(l, _)| !l.is_empty()).count() as u64;
        prop_assert_eq!(c.physical_lines, lines.len() as u64);
        prop_assert_eq!(c.data_rows + c.continuation_lines, data_lines);
        prop_assert_eq!(c.continuation_lines, 0);

        // Every data line is a record's line or a refused row's line.
        let mut accounted: BTreeSet<u64> = file.lines.iter().copied().collect();
        accounted.extend(file.rejected.iter().map(|r| r.line));
        let expected: BTreeSet<u64> = lines.iter().enumerate().skip(1)
            .filter(|(_, (l, _))| !l.is_empty()).map(|(i, _)| i as u64 + 1).collect();
        prop_assert_eq!(accounted, expected);

        // Untouched rows read exactly as before.
        let before = by_line(&original);
        let after = by_line(&file);
        for (i, _) in lines.iter().enumerate().skip(1) {
            let line = i as u64 + 1;
            if !touched.contains(&i) {
                prop_assert_eq!(after.get(&line), before.get(&line), "line {}", line);
            }
        }

        // No accepted record holds a line break or another row's id.
        let ids = regex::Regex::new(r"C[0-9]{4}").unwrap();
        for c in &file.customers {
            let s = strings(c);
            prop_assert!(!s.contains("\\n") && !s.contains("\\r"), "{}", c.id);
            for m in ids.find_iter(&s) {
                prop_assert!(c.id.as_str().contains(m.as_str()), "{} holds {}", c.id, m.as_str());
            }
        }
    }
}

#[test]
fn one_stray_quote_in_the_sample_costs_one_row_wherever_it_is() {
    let text = std::fs::read_to_string(sample()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    // The tester's cases: a quote at the start of a cell of line 4, in each column.
    let cells = lines[3].split(',').count();
    for col in 0..cells {
        let mut row: Vec<String> = lines[3].split(',').map(str::to_owned).collect();
        row[col].insert(0, '"');
        let mut damaged = lines.clone();
        let joined = row.join(",");
        damaged[3] = &joined;
        let file = read(damaged.join("\n").as_bytes(), &ReadOptions::default()).unwrap();
        assert_eq!(file.customers.len(), 310, "column {col}");
        assert_eq!(file.rejected.len(), 1, "column {col}");
        assert_eq!(file.rejected[0].line, 4, "column {col}");
        assert!(
            file.rejected[0].reason.contains("quote"),
            "{}",
            file.rejected[0].reason
        );
    }
}

// ---- Agreement with the csv crate on well-formed files.

proptest! {
    #[test]
    fn well_formed_csv_reads_as_the_csv_crate_reads_it(
        rows in prop::collection::vec(prop::collection::vec("[a-z,\" \\n\\r]{0,6}", 8), 1..20)
    ) {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(["a", "b", "c", "d", "e", "f", "g", "h"]).unwrap();
        for r in &rows {
            w.write_record(r).unwrap();
        }
        let bytes = w.into_inner().unwrap();
        let mut theirs = csv::ReaderBuilder::new().from_reader(bytes.as_slice());
        let want: Vec<Vec<String>> = theirs.records()
            .map(|r| r.unwrap().iter().map(str::to_owned).collect()).collect();
        let ours = CsvRows::new(bytes.as_slice(), &ReadOptions::default()).unwrap();
        let got: Vec<Vec<String>> = ours.map(|r| match r.unwrap() {
            RawRow::Row { cells, .. } => cells,
            RawRow::Refused(r) => panic!("{r:?}"),
        }).collect();
        prop_assert_eq!(got, want);
    }
}

#[test]
fn reading_in_chunks_gives_what_one_read_gives() {
    // More rows than one chunk of the parallel reader (4,096), with a repeated id in a later
    // chunk than its first, a stray quote and a row of the wrong width.
    let generated = common::generated(9_000);
    let mut bytes = write_all(&generated);
    let first_id = generated[0].id.as_str().to_owned();
    let width = String::from_utf8_lossy(&bytes)
        .lines()
        .next()
        .unwrap()
        .split(',')
        .count();
    bytes.extend(format!("{first_id}{}\n", ",".repeat(width - 1)).as_bytes());
    bytes.extend(b"X1,\"stray\nX2,too,few\n");
    let path = std::env::temp_dir().join(format!("clientele-chunks-{}.csv", std::process::id()));
    std::fs::write(&path, &bytes).unwrap();
    let options = ReadOptions::default();
    let whole = read_path(&path, &options).unwrap();
    let mut customers = Vec::new();
    let mut lines = Vec::new();
    let mut chunks = 0;
    let chunked = clientele::files::read_path_chunks(&path, &options, |chunk| {
        chunks += 1;
        lines.extend(chunk.lines);
        customers.extend(chunk.customers);
    })
    .unwrap();
    std::fs::remove_file(&path).unwrap();
    assert!(chunks > 2, "{chunks} chunks");
    assert!(chunked.customers.is_empty());
    assert_eq!(customers, whole.customers);
    assert_eq!(lines, whole.lines);
    assert_eq!(chunked.rejected, whole.rejected);
    assert_eq!(chunked.counts, whole.counts);
    assert_eq!(chunked.filled, whole.filled);
    assert_eq!(whole.customers.len(), 9_000);
    assert!(whole.rejected.len() >= 3, "{:?}", whole.rejected);
    assert!(
        whole.rejected[0]
            .reason
            .contains("duplicate id, first read on line 2")
    );
}
