//! `--store PATH.db`: the command line over a [`SqliteStore`].
//!
//! `pipeline FILE --store x.db` writes its result (the merged customers, their activity and the
//! merge records that undo the merges) into the store in one transaction; `validate`, `dedupe`,
//! `segment` and `report` read their customers from a store instead of a file ([`Source`]).
//!
//! A second `pipeline` into a store that already holds customers or merge records is refused
//! (nothing is written) unless `--replace` is given: then the same transaction deletes
//! everything the store held (customers, their activity, merge records) and writes the new
//! result, so the store holds the old state or the new one, never a mix of both.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clientele::files::{FileRead, RowCounts};
use clientele::store::{Change, CustomerStore, KeyIndexers, MemoryStore, batches};

use super::io;
use super::keyed::{self, Db, KeyFile};
use super::{Input, Repeated};

/// Records read per batch when walking a store.
const PAGE: usize = 4096;

/// Where a reading command takes its customers from: a CSV file, or a store.
#[derive(clap::Args, Clone)]
pub struct Source {
    /// The customers CSV file (header row required). Give it or `--store`, not both.
    #[arg(required_unless_present = "store")]
    file: Option<PathBuf>,
    /// Read the customers from this SQLite store (as `pipeline --store` wrote it) instead of
    /// a file.
    #[arg(long, value_name = "PATH.db", conflicts_with = "file")]
    store: Option<PathBuf>,
    /// Rename an input column before reading, as SRC=DST (repeatable), e.g. surname=family_name.
    #[arg(long = "map", value_name = "SRC=DST", conflicts_with = "store")]
    map: Vec<String>,
    /// Go on without the rows that cannot be read (listed on standard error): write the
    /// outputs and exit 0. Without it a refused row makes the command exit 3 and write no file.
    #[arg(long)]
    allow_rejects: bool,
    /// A column name the header holds twice: refuse the file, or append the values.
    #[arg(long, value_enum, default_value = "refuse")]
    repeated_columns: Repeated,
    /// The file's text encoding: auto (a byte-order mark, else UTF-8 or GB18030 as the first
    /// non-ASCII rows show), utf-8, utf-16le, utf-16be, gbk or gb18030.
    #[arg(long, default_value = "auto", value_parser = crate::flags::encoding)]
    encoding: clientele::files::Encoding,
    /// The sheet of a workbook (.xlsx, .xls, .ods) to read: its name or its number from 1
    /// (the first sheet by default).
    #[arg(long, value_name = "NAME|INDEX")]
    sheet: Option<String>,
    #[command(flatten)]
    key: KeyFile,
}

impl Source {
    /// The store the customers are read from, when `--store` was given.
    pub fn store_path(&self) -> Option<&Path> {
        self.store.as_deref()
    }

    /// The file to read, with its reading flags, when the customers come from a file.
    pub fn file_input(&self) -> Option<Input> {
        match (&self.file, &self.store) {
            (Some(file), None) => Some(Input {
                file: file.clone(),
                map: self.map.clone(),
                allow_rejects: self.allow_rejects,
                repeated_columns: self.repeated_columns,
                encoding: self.encoding,
                sheet: self.sheet.clone(),
            }),
            _ => None,
        }
    }

    /// The `--key-file` of the store.
    pub fn key(&self) -> &KeyFile {
        &self.key
    }
}

/// Reads the customers of a file or of a store. A store's records are read in id order, with
/// no row refused and no cell problem (they were checked when they were written).
pub fn load(source: &Source) -> Result<FileRead, String> {
    if let Some(input) = source.file_input() {
        return io::load(&input);
    }
    match &source.store {
        Some(path) => read_store(path, &source.key),
        None => Err("give either a customers FILE or --store PATH.db".to_owned()),
    }
}

/// Opens an existing store (a missing file is an error, not a new empty store), encrypted
/// with `--key-file` when given.
pub fn open_existing(path: &Path, key: &KeyFile) -> Result<Db, String> {
    if !path.is_file() {
        return Err(format!("{}: no such store", path.display()));
    }
    keyed::open(path, key, KeyIndexers::contact())
}

fn read_store(path: &Path, key: &KeyFile) -> Result<FileRead, String> {
    let store = open_existing(path, key)?;
    let err = |e: clientele::Error| format!("{}: {e}", path.display());
    let mut customers = Vec::new();
    for batch in batches(&store, PAGE) {
        customers.extend(batch.map_err(err)?);
    }
    let n = customers.len() as u64;
    Ok(FileRead {
        lines: Vec::new(),
        problems: vec![Vec::new(); customers.len()],
        customers,
        rejected: Vec::new(),
        encoding: None,
        columns: Vec::new(),
        filled: BTreeMap::new(),
        counts: RowCounts {
            data_rows: n,
            read: n,
            ..RowCounts::default()
        },
    })
}

/// Refuses, before any work, to write into a store that holds something unless `replace`.
/// A missing file is fine (it is created when the result is written).
pub fn check_writable(path: &Path, replace: bool, key: &KeyFile) -> Result<(), String> {
    if replace || !path.exists() {
        return Ok(());
    }
    let store = open_existing(path, key)?;
    let err = |e: clientele::Error| format!("{}: {e}", path.display());
    let customers = store.len().map_err(err)?;
    let merges = store.scan_merges(None, 1).map_err(err)?.len();
    if customers > 0 || merges > 0 {
        return Err(format!(
            "{}: the store already holds {customers} customers{}; nothing written \
             (--replace replaces them with this run's result, in one transaction)",
            path.display(),
            if merges > 0 { " and merge records" } else { "" }
        ));
    }
    Ok(())
}

/// What [`write_result`] wrote.
pub struct Written {
    /// Customers written.
    pub customers: usize,
    /// Merge records written.
    pub merges: usize,
    /// Customers the store held before, deleted (`--replace`).
    pub replaced: usize,
}

/// Writes every record, activity and merge record of `result` into the store at `path` as one
/// batch (one transaction); with `replace`, the batch first deletes everything the store held.
pub fn write_result(
    path: &Path,
    result: &MemoryStore,
    replace: bool,
    key: &KeyFile,
) -> Result<Written, String> {
    let store = keyed::open(path, key, KeyIndexers::contact())?;
    let err = |e: clientele::Error| format!("{}: {e}", path.display());
    let mut changes = Vec::new();
    let mut replaced = 0;
    if replace {
        for batch in batches(&store, PAGE) {
            for c in batch.map_err(err)? {
                changes.push(Change::Delete(c.id));
                replaced += 1;
            }
        }
        for_each_merge(&store, |r| changes.push(Change::DeleteMergeRecord(r.id)))?;
    }
    let mut customers = 0;
    for batch in batches(result, PAGE) {
        let batch = batch.map_err(|e| e.to_string())?;
        let ids: Vec<_> = batch.iter().map(|c| c.id.clone()).collect();
        let activity = result.activity_many(&ids).map_err(|e| e.to_string())?;
        for (c, activity) in batch.into_iter().zip(activity) {
            let customer = c.id.clone();
            changes.push(Change::Insert(c));
            if !activity.transactions.is_empty() || !activity.interactions.is_empty() {
                changes.push(Change::SetActivity { customer, activity });
            }
            customers += 1;
        }
    }
    let mut merges = 0;
    for_each_merge(result, |r| {
        changes.push(Change::InsertMergeRecord(r));
        merges += 1;
    })?;
    eprintln!(
        "writing {} changes into {} (one transaction)",
        changes.len(),
        path.display()
    );
    // A second run that raced this one past `check_writable` is refused here, inside the
    // batch: an Insert of an id already held refuses the whole batch.
    store.apply(changes).map_err(err)?;
    Ok(Written {
        customers,
        merges,
        replaced,
    })
}

/// Calls `f` with every merge record of a store, in id order.
fn for_each_merge<S>(
    store: &S,
    mut f: impl FnMut(clientele::merge::MergeRecord),
) -> Result<(), String>
where
    S: CustomerStore<Error = clientele::Error>,
{
    let mut after = None;
    loop {
        let page = store
            .scan_merges(after.as_ref(), PAGE)
            .map_err(|e| e.to_string())?;
        let Some(last) = page.last() else {
            return Ok(());
        };
        after = Some(last.id.clone());
        page.into_iter().for_each(&mut f);
    }
}
