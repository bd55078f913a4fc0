//! Reading the bundled sample and the FEBRL reference files through `clientele::files` and
//! `import::RowReader`.

use std::path::{Path, PathBuf};

use clientele::files::{ReadOptions, read_path};
use clientele::import::{ColumnMap, FieldProblem};
use clientele::{Customer, CustomerKind};

struct Read {
    customers: Vec<Customer>,
    rejected: Vec<(u64, String)>,
    problems: Vec<FieldProblem>,
}

/// Reads a file as the CLI does (`clientele::files`, then `import::RowReader`), checking that
/// every data row was read or refused.
fn read(path: &Path, map: &[&str]) -> Read {
    let options = ReadOptions {
        map: ColumnMap::parse_all(map).unwrap(),
        ..ReadOptions::default()
    };
    let file = read_path(path, &options).unwrap();
    let c = file.counts;
    assert_eq!(c.data_rows, c.read + c.rejected, "{}", path.display());
    assert_eq!(
        c.physical_lines,
        c.header_lines + c.blank_lines + c.data_rows + c.continuation_lines
    );
    Read {
        problems: file.all_problems().cloned().collect(),
        rejected: file
            .rejected
            .into_iter()
            .map(|r| (r.line, r.reason))
            .collect(),
        customers: file.customers,
    }
}

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

#[test]
fn the_bundled_sample_loads_whole_with_its_one_unreadable_date_kept() {
    let r = read(&repo("examples/data/customers.csv"), &[]);
    let truth = csv::Reader::from_path(repo("examples/data/truth.csv"))
        .unwrap()
        .records()
        .count();
    assert_eq!(r.customers.len(), truth);
    assert!(r.rejected.is_empty(), "{:?}", r.rejected);
    assert_eq!(r.problems.len(), 1, "{:?}", r.problems);
    assert_eq!(r.problems[0].field, "birth_date");
    let kept = r
        .customers
        .iter()
        .find(|c| c.custom.contains_key("birth_date"))
        .unwrap();
    assert_eq!(kept.birth_date, None);
    assert!(r.customers.iter().any(|c| c.kind == CustomerKind::Company));
    assert!(
        r.customers
            .iter()
            .any(|c| c.custom.contains_key("loyalty_points"))
    );
    // Full-width phones and multi-script names survive as written.
    assert!(
        r.customers
            .iter()
            .any(|c| c.phones.iter().any(|p| p.number.contains('１')))
    );
}

const FEBRL_MAP: [&str; 9] = [
    "surname=family_name",
    "suburb=locality",
    "state=region",
    "date_of_birth=birth_date",
    "soc_sec_id=national_id",
    "rec_id=id",
    "street_number=house_number",
    "address_1=street",
    "address_2=street2",
];

#[test]
fn febrl_files_load_with_bad_dates_reported_not_fatal() {
    let dir = repo("../shared/data/febrl");
    if !dir.exists() {
        eprintln!("skipped: {} is absent", dir.display());
        return;
    }
    for (file, records) in [
        ("febrl1.csv", 1000),
        ("febrl2.csv", 5000),
        ("febrl3.csv", 5000),
    ] {
        let r = read(&dir.join(file), &FEBRL_MAP);
        assert_eq!(r.customers.len(), records, "{file}");
        assert!(r.rejected.is_empty(), "{file}: {:?}", r.rejected);
        assert!(r.problems.iter().all(|p| p.field == "birth_date"), "{file}");
        assert!(!r.problems.is_empty(), "{file}: FEBRL has impossible dates");
        let with_dates = r
            .customers
            .iter()
            .filter(|c| c.birth_date.is_some())
            .count();
        assert!(
            with_dates > records * 9 / 10,
            "{file}: only {with_dates} dates parsed"
        );
    }
}
