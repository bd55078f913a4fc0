//! Workbooks read like CSV files (feature `spreadsheets`): the bundled sample written to `.xlsx`
//! reads to the same records as the CSV original, through the library and through
//! `pipeline --store`; numbers, dates, long identifiers held as text, empty rows and `--sheet`
//! selection behave as a person who typed the sheet expects.
#![cfg(feature = "spreadsheets")]

use std::path::Path;

use chrono::NaiveDate;
use clientele::files::{CsvRows, Encoding, RawRow, ReadOptions, read_path};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

#[path = "common/cli_bin.rs"]
mod cli_bin;
use cli_bin::{cli, output, path, sample, temp_dir};

/// The sample's header and rows (cells as text) written to one sheet, row for row.
fn sample_to_xlsx(out: &Path) {
    let text = std::fs::read(sample()).expect("sample");
    let mut rows = CsvRows::new(text.as_slice(), &ReadOptions::default()).expect("sample");
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    for (col, name) in rows.header().to_vec().iter().enumerate() {
        sheet
            .write_string(0, col as u16, name)
            .expect("write header");
    }
    for (row_n, row) in (1u32..).zip(rows.by_ref()) {
        let RawRow::Row { cells, .. } = row.expect("row") else {
            panic!("the sample has a refused row");
        };
        for (col, cell) in cells.iter().enumerate() {
            if !cell.is_empty() {
                sheet
                    .write_string(row_n, col as u16, cell)
                    .expect("write cell");
            }
        }
    }
    book.save(out).expect("save");
}

#[test]
fn the_sample_as_xlsx_reads_to_the_same_records_as_the_csv() {
    let dir = temp_dir("xlsx-sample");
    let xlsx = dir.join("customers.xlsx");
    sample_to_xlsx(&xlsx);
    let csv = read_path(sample(), &ReadOptions::default()).expect("csv");
    let sheet = read_path(&xlsx, &ReadOptions::default()).expect("xlsx");
    assert!(sheet.rejected.is_empty(), "{:?}", sheet.rejected);
    assert_eq!(sheet.customers.len(), csv.customers.len());
    for (got, want) in sheet.customers.iter().zip(&csv.customers) {
        assert!(got == want, "{} differs", want.id);
    }
    assert_eq!(sheet.columns, csv.columns);
    assert_eq!((sheet.encoding, csv.encoding), (None, Some(Encoding::Utf8)));
    let c = sheet.counts;
    assert_eq!(c.data_rows, c.read + c.rejected);
    assert_eq!(
        c.physical_lines,
        c.header_lines + c.blank_lines + c.data_rows + c.continuation_lines
    );
    // Row numbers are the sheet's: the header is row 1, records follow from row 2.
    assert_eq!(sheet.lines.first(), Some(&2));
}

/// A workbook of two sheets: `Notes` first, then `Customers` with a phone and an id stored as
/// numbers, a date, an 18-digit id held as text, an empty row and empty formatted rows at the
/// end.
fn typed_workbook(out: &Path) {
    let mut book = Workbook::new();
    let notes = book.add_worksheet();
    notes.set_name("Notes").expect("name");
    notes.write_string(0, 0, "note").expect("write");
    notes
        .write_string(1, 0, "exported from the shop")
        .expect("write");
    let sheet = book.add_worksheet();
    sheet.set_name("Customers").expect("name");
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let blank = Format::new().set_bold();
    for (col, name) in [
        "id",
        "full_name",
        "phone",
        "birth_date",
        "national_id",
        "loyalty_points",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string(0, col as u16, *name).expect("header");
    }
    sheet.write_number(1, 0, 1001).expect("id");
    sheet.write_string(1, 1, "王芳").expect("name");
    sheet.write_number(1, 2, 13_800_138_000.0).expect("phone");
    let born = ExcelDateTime::from_ymd(1990, 3, 7).expect("date");
    sheet
        .write_datetime_with_format(1, 3, &born, &date)
        .expect("date");
    sheet.write_string(1, 4, "110101199003077777").expect("id");
    sheet.write_number(1, 5, 1250.5).expect("points");
    // Row 3 is empty; row 4 is the second record.
    sheet.write_string(3, 0, "C2").expect("id");
    sheet.write_string(3, 1, "Li Na").expect("name");
    sheet.write_number(3, 2, 13_900_001_111.0).expect("phone");
    // Empty rows at the end that are in the used range (formatted, or an empty string).
    for row in 4..9 {
        sheet.write_blank(row, 0, &blank).expect("blank");
    }
    sheet.write_string(9, 1, "").expect("empty");
    book.save(out).expect("save");
}

fn with_sheet(sheet: &str) -> ReadOptions {
    ReadOptions {
        sheet: Some(sheet.to_owned()),
        ..ReadOptions::default()
    }
}

#[test]
fn numbers_dates_text_ids_and_empty_rows_read_as_typed() {
    let dir = temp_dir("xlsx-typed");
    let xlsx = dir.join("typed.xlsx");
    typed_workbook(&xlsx);
    for pick in ["Customers", "2"] {
        let file = read_path(&xlsx, &with_sheet(pick)).expect("read");
        assert!(file.rejected.is_empty(), "{:?}", file.rejected);
        assert_eq!(file.customers.len(), 2, "{pick}");
        assert_eq!(file.lines, [2, 4], "the sheet's row numbers");
        let first = &file.customers[0];
        assert_eq!(first.id.to_string(), "1001", "an id stored as a number");
        assert!(
            first.phones[0].number.ends_with("13800138000"),
            "a phone stored as a number keeps its digits"
        );
        assert_eq!(first.birth_date, NaiveDate::from_ymd_opt(1990, 3, 7));
        assert_eq!(first.national_ids[0].value, "110101199003077777");
        let points = serde_json::to_string(&first.custom).expect("json");
        assert!(points.contains("1250.5"), "{points}");
        assert!(file.customers[1].phones[0].number.ends_with("13900001111"));
        assert_eq!(file.counts.data_rows, 2, "empty rows are not rows");
        assert!(file.counts.blank_lines >= 1);
    }
    // The first sheet by default.
    let notes = read_path(&xlsx, &ReadOptions::default()).expect("notes");
    assert_eq!(notes.columns, ["note"]);
    // A sheet that is not there is an error naming the sheets.
    for missing in ["3", "0", "Kunden"] {
        let err = read_path(&xlsx, &with_sheet(missing)).expect_err("no such sheet");
        assert!(err.to_string().contains("Customers"), "{err}");
    }
}

#[cfg(feature = "sqlite")]
#[test]
fn pipeline_store_from_the_xlsx_is_the_same_as_from_the_csv() {
    let Some(bin) = cli() else { return };
    let dir = temp_dir("xlsx-pipeline");
    let xlsx = dir.join("customers.xlsx");
    sample_to_xlsx(&xlsx);
    let want = cli_bin::pipeline_store(&bin, &sample(), &dir.join("csv.db"));
    let got = cli_bin::pipeline_store(&bin, &xlsx, &dir.join("xlsx.db"));
    cli_bin::assert_same_store(&got, &want, "xlsx vs csv");
    // `--sheet` reaches every reading command.
    let out = output(&bin, &["stats", path(&xlsx), "--sheet", "9"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no sheet"));
}

/// The committed `.xls` and `.ods` copies of the sample (tests/data/sheets, written by
/// docs/scripts/gen_sheet_fixtures.py), second sheet `Customers`.
fn fixture(ext: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/data/sheets/customers.{ext}"))
}

#[test]
fn the_sample_as_xls_and_ods_reads_to_the_same_records_as_the_csv() {
    let csv = read_path(sample(), &ReadOptions::default()).expect("csv");
    for ext in ["xls", "ods"] {
        let sheet = read_path(fixture(ext), &with_sheet("Customers")).expect(ext);
        assert!(sheet.rejected.is_empty(), "{ext}: {:?}", sheet.rejected);
        assert_eq!(sheet.customers.len(), csv.customers.len(), "{ext}");
        for (got, want) in sheet.customers.iter().zip(&csv.customers) {
            assert!(got == want, "{ext}: {} differs", want.id);
        }
        assert_eq!(sheet.columns, csv.columns, "{ext}");
        assert_eq!(sheet.lines.first(), Some(&2), "{ext}");
        // The first sheet holds a note, not customers: read by default, it yields none.
        let first = read_path(fixture(ext), &ReadOptions::default());
        assert!(
            first.map_or(true, |f| f.customers.is_empty()),
            "{ext}: the notes sheet read as customers"
        );
    }
}

#[cfg(all(feature = "sqlite", feature = "entry"))]
fn import_store(
    bin: &Path,
    file: &Path,
    db: &Path,
    extra: &[&str],
) -> clientele::store::conformance::Snapshot {
    let mut args = vec![
        "import",
        path(file),
        "--store",
        path(db),
        "--source",
        "sample",
    ];
    args.extend_from_slice(extra);
    cli_bin::store_after(bin, &args, file, db)
}

/// The file forms, imported with `import`: GBK, UTF-16 (byte-order mark), .xlsx, .xls
/// and .ods give the same store as the UTF-8 original.
#[cfg(all(feature = "sqlite", feature = "entry"))]
#[test]
fn every_file_form_imports_to_the_same_store_as_the_utf8_csv() {
    let Some(bin) = cli() else { return };
    let dir = temp_dir("import-forms");
    let text = std::fs::read_to_string(sample()).expect("sample");
    let want = import_store(&bin, &sample(), &dir.join("utf8.db"), &[]);
    // GBK lacks three Latin letters of the sample (a Chinese Windows export writes `?`): the
    // GBK copy is compared with the UTF-8 file spelled the same way.
    let plain = text.replace('ß', "ss").replace('ô', "o").replace('ä', "ae");
    let plain_csv = dir.join("plain.csv");
    std::fs::write(&plain_csv, &plain).expect("write");
    let want_plain = import_store(&bin, &plain_csv, &dir.join("plain.db"), &[]);
    let (gbk_bytes, _, unmappable) = encoding_rs::GBK.encode(&plain);
    assert!(!unmappable);
    let gbk = dir.join("gbk.csv");
    std::fs::write(&gbk, &gbk_bytes).expect("write");
    let got = import_store(&bin, &gbk, &dir.join("gbk.db"), &[]);
    cli_bin::assert_same_store(&got, &want_plain, "gbk vs utf-8");
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let utf16_csv = dir.join("utf16.csv");
    std::fs::write(&utf16_csv, &utf16).expect("write");
    let got = import_store(&bin, &utf16_csv, &dir.join("utf16.db"), &[]);
    cli_bin::assert_same_store(&got, &want, "utf-16 vs utf-8");
    let xlsx = dir.join("customers.xlsx");
    sample_to_xlsx(&xlsx);
    let got = import_store(&bin, &xlsx, &dir.join("xlsx.db"), &[]);
    cli_bin::assert_same_store(&got, &want, "xlsx vs utf-8");
    for ext in ["xls", "ods"] {
        let db = dir.join(format!("{ext}.db"));
        let got = import_store(&bin, &fixture(ext), &db, &["--sheet", "Customers"]);
        cli_bin::assert_same_store(&got, &want, ext);
    }
    let _ = std::fs::remove_dir_all(&dir);
}
