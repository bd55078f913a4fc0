//! Files as people have them: the bundled sample in GBK and in UTF-16 reads to exactly the
//! records of the UTF-8 original, through the library and through `pipeline --store`; the
//! encoding is detected honestly (a byte-order mark first, then UTF-8, then GB18030), forced with
//! `--encoding`, and a row that does not decode is refused with its line, never patched.
//!
//! The CLI tests need the built `cli` example (`cargo test` builds it); without it they skip.

#[path = "common/cli_bin.rs"]
mod cli_bin;
use cli_bin::{cli, output, path, sample, temp_dir};

use clientele::files::{Encoding, FileRead, ReadOptions, read, read_path};
use encoding_rs::{GB18030, GBK};
use proptest::prelude::*;

fn gbk(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = GBK.encode(text);
    assert!(!unmappable, "the text has characters GBK lacks");
    bytes.into_owned()
}

fn gb18030(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = GB18030.encode(text);
    assert!(!unmappable);
    bytes.into_owned()
}

/// The sample's text, and the same with the three Latin letters GBK lacks (ß, ô, ä: a Chinese
/// Windows export writes `?` for them) spelled out, so that it converts to GBK whole.
fn sample_texts() -> (String, String) {
    let text = std::fs::read_to_string(sample()).expect("sample");
    let plain = text.replace('ß', "ss").replace('ô', "o").replace('ä', "ae");
    (text, plain)
}

fn utf16le_bom(text: &str) -> Vec<u8> {
    let mut out = vec![0xFF, 0xFE];
    out.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    out
}

fn utf16be_bom(text: &str) -> Vec<u8> {
    let mut out = vec![0xFE, 0xFF];
    out.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
    out
}

fn with(encoding: Encoding) -> ReadOptions {
    ReadOptions {
        encoding,
        ..ReadOptions::default()
    }
}

fn read_bytes(bytes: &[u8], encoding: Encoding) -> FileRead {
    read(bytes, &with(encoding)).expect("read")
}

fn assert_same(got: &FileRead, want: &FileRead, what: &str) {
    assert!(got.rejected.is_empty(), "{what}: {:?}", got.rejected);
    assert_eq!(got.customers, want.customers, "{what}: records differ");
    assert_eq!(got.lines, want.lines, "{what}: lines differ");
    assert_eq!(got.counts, want.counts, "{what}: counts differ");
}

#[test]
fn the_sample_in_gbk_and_utf16_reads_to_the_same_records_as_utf8() {
    let (text, plain) = sample_texts();
    assert!(!text.is_ascii(), "the sample should hold Chinese text");
    let original = read_path(sample(), &ReadOptions::default()).expect("sample");
    assert!(original.rejected.is_empty());
    let mut with_bom = "\u{feff}".as_bytes().to_vec();
    with_bom.extend_from_slice(text.as_bytes());
    for (what, bytes, found) in [
        ("utf-8 with BOM", with_bom, Encoding::Utf8),
        ("gb18030", gb18030(&text), Encoding::Gb18030),
        ("utf-16le", utf16le_bom(&text), Encoding::Utf16Le),
        ("utf-16be", utf16be_bom(&text), Encoding::Utf16Be),
    ] {
        let file = read_bytes(&bytes, Encoding::Auto);
        assert_same(&file, &original, what);
        assert_eq!(file.encoding, Some(found), "{what}");
    }
    let forced = read_bytes(&gb18030(&text), Encoding::Gb18030);
    assert_same(&forced, &original, "gb18030 forced");
    let plain_original = read_bytes(plain.as_bytes(), Encoding::Utf8);
    assert_same(
        &read_bytes(&gbk(&plain), Encoding::Auto),
        &plain_original,
        "gbk",
    );
    assert_same(
        &read_bytes(&gbk(&plain), Encoding::Gbk),
        &plain_original,
        "gbk forced",
    );
}

#[test]
fn a_byte_order_mark_wins_over_gbk_looking_bytes() {
    let mut bytes = b"\xEF\xBB\xBFid,full_name\nC1,Li Na\n".to_vec();
    bytes.extend(b"C2,");
    bytes.extend(gbk("王芳"));
    bytes.extend(b"\nC3,Zhao Lei\n");
    let file = read_bytes(&bytes, Encoding::Auto);
    assert_eq!(file.customers.len(), 2);
    assert_eq!(file.rejected.len(), 1);
    assert_eq!(file.rejected[0].line, 3);
    assert!(
        file.rejected[0].reason.contains("utf-8"),
        "{:?}",
        file.rejected
    );
    assert_eq!(
        file.counts.data_rows,
        file.counts.read + file.counts.rejected
    );
    // Forcing an encoding the byte-order mark contradicts is an error, not a guess.
    assert!(read(bytes.as_slice(), &with(Encoding::Gbk)).is_err());
}

#[test]
fn a_utf8_file_with_one_invalid_byte_refuses_that_row_only() {
    let mut bytes = "id,full_name,city\nC1,张伟,北京\nC2,李娜,上海\n"
        .as_bytes()
        .to_vec();
    bytes.extend(b"C3,\xFF\xE7\x8E\x8B,\xE5\xB9\xBF\xE5\xB7\x9E\n");
    bytes.extend("C4,赵磊,深圳\n".as_bytes());
    let file = read_bytes(&bytes, Encoding::Auto);
    assert_eq!(file.customers.len(), 3);
    assert_eq!(file.rejected.len(), 1, "{:?}", file.rejected);
    assert_eq!(file.rejected[0].line, 4);
    assert_eq!(file.lines, [2, 3, 5]);
    let json = serde_json::to_string(&file.customers).expect("json");
    assert!(!json.contains('\u{FFFD}'));
}

#[test]
fn gbk_after_many_ascii_rows_is_still_detected() {
    let mut bytes = b"id,full_name\n".to_vec();
    for i in 0..20_000 {
        bytes.extend(format!("A{i},Li Na\n").bytes());
    }
    bytes.extend(b"B1,");
    bytes.extend(gbk("王芳"));
    bytes.extend(b"\n");
    let file = read_bytes(&bytes, Encoding::Auto);
    assert!(file.rejected.is_empty(), "{:?}", file.rejected);
    assert_eq!(file.customers.len(), 20_001);
}

#[test]
fn forcing_an_encoding_reads_in_it_and_refuses_what_does_not_decode() {
    let text = "id,full_name\nC1,王芳\nC2,Li Na\n";
    // GBK bytes forced as UTF-8: the Chinese row is refused, with its line.
    let file = read_bytes(&gbk(text), Encoding::Utf8);
    assert_eq!(file.customers.len(), 1);
    assert_eq!(file.rejected[0].line, 2);
    // UTF-16 without a byte-order mark is read when forced.
    let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let file = read_bytes(&le, Encoding::Utf16Le);
    assert_eq!(file.customers.len(), 2);
    assert_eq!(
        read_bytes(text.as_bytes(), Encoding::Utf8).customers,
        file.customers
    );
    // Without the force the NUL bytes give it away: the header is refused.
    assert!(read(le.as_slice(), &ReadOptions::default()).is_err());
}

#[test]
fn an_odd_utf16_tail_refuses_its_row() {
    let mut bytes = utf16le_bom("id,full_name\nC1,王芳\nC2,Li");
    bytes.push(b'x');
    let file = read_bytes(&bytes, Encoding::Auto);
    assert_eq!(file.customers.len(), 1);
    assert_eq!(file.rejected[0].line, 3);
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic_and_every_row_is_read_or_reported(
        head in prop::sample::select(vec![
            &b""[..], b"\xEF\xBB\xBF", b"\xFF\xFE", b"\xFE\xFF",
        ]),
        body in prop::collection::vec(
            prop_oneof![
                Just(b'\n'), Just(b','), Just(b'"'), Just(b'\r'), Just(0u8),
                0x80u8..=0xFF, b'a'..=b'z',
            ],
            0..400,
        ),
        encoding in prop::sample::select(Encoding::ALL.to_vec()),
    ) {
        let mut bytes = head.to_vec();
        bytes.extend(b"id,full_name,phone\n");
        bytes.extend(&body);
        if let Ok(file) = read(bytes.as_slice(), &with(encoding)) {
            let c = file.counts;
            prop_assert_eq!(c.data_rows, c.read + c.rejected);
            prop_assert_eq!(
                c.physical_lines,
                c.header_lines + c.blank_lines + c.data_rows + c.continuation_lines
            );
            prop_assert_eq!(file.customers.len() as u64, c.read);
            let json = serde_json::to_string(&file.customers).expect("json");
            let replaced = json.contains(char::REPLACEMENT_CHARACTER);
            prop_assert!(!replaced);
        }
    }
}

#[cfg(feature = "sqlite")]
#[test]
fn pipeline_store_is_the_same_from_every_encoding() {
    let Some(bin) = cli() else { return };
    let dir = temp_dir("enc-pipeline");
    let (text, plain) = sample_texts();
    let mut stores = Vec::new();
    for (name, bytes) in [
        ("utf8.csv", text.as_bytes().to_vec()),
        ("gb18030.csv", gb18030(&text)),
        ("utf16.csv", utf16le_bom(&text)),
        ("plain-utf8.csv", plain.as_bytes().to_vec()),
        ("gbk.csv", gbk(&plain)),
    ] {
        let file = dir.join(name);
        std::fs::write(&file, bytes).expect("write");
        let db = dir.join(format!("{name}.db"));
        stores.push((name, cli_bin::pipeline_store(&bin, &file, &db)));
    }
    // Each file against its UTF-8 original: the full sample, and the GBK-able one.
    for (got, want) in [(1, 0), (2, 0), (4, 3)] {
        let ((name, got), (first, want)) = (&stores[got], &stores[want]);
        cli_bin::assert_same_store(got, want, &format!("{name} vs {first}"));
    }
}

#[test]
fn the_cli_refuses_undecodable_rows_unless_allowed_and_takes_encoding() {
    let Some(bin) = cli() else { return };
    let dir = temp_dir("enc-flags");
    let file = dir.join("gbk.csv");
    std::fs::write(&file, gbk("id,full_name\nC1,王芳\nC2,Li Na\n")).expect("write");
    let auto = output(&bin, &["stats", path(&file)]);
    assert!(String::from_utf8_lossy(&auto.stdout).contains("encoding: gb18030"));
    assert!(
        auto.status.success(),
        "{}",
        String::from_utf8_lossy(&auto.stderr)
    );
    let forced = output(&bin, &["stats", path(&file), "--encoding", "utf-8"]);
    assert_eq!(
        forced.status.code(),
        Some(3),
        "a refused row exits non-zero"
    );
    let allowed = output(
        &bin,
        &[
            "validate",
            path(&file),
            "--encoding",
            "utf-8",
            "--allow-rejects",
        ],
    );
    assert!(
        allowed.status.success(),
        "{}",
        String::from_utf8_lossy(&allowed.stderr)
    );
    assert!(String::from_utf8_lossy(&allowed.stderr).contains("line 2"));
    let bad = output(&bin, &["stats", path(&file), "--encoding", "latin1"]);
    assert!(!bad.status.success());
}
