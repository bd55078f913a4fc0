//! Raw reads of a SqliteStore's file, independent of the store's own code: every row of every
//! table, and the bytes of the file and its write-ahead log. Also scratch databases that delete
//! themselves.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use clientele::store::rusqlite::{Connection, OpenFlags, types::Value};
use clientele::store::{SqliteOptions, SqliteStore};

/// A scratch directory removed on drop.
pub struct Scratch {
    pub dir: PathBuf,
}

impl Scratch {
    pub fn new(name: &str) -> Self {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "clientele-{name}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self { dir }
    }

    pub fn path(&self, file: &str) -> PathBuf {
        self.dir.join(file)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A store in a fresh file, with the scratch directory that holds it (keep both alive).
pub fn file_store(name: &str) -> (SqliteStore, Scratch) {
    file_store_with(name, SqliteOptions::default())
}

pub fn file_store_with(name: &str, options: SqliteOptions) -> (SqliteStore, Scratch) {
    let scratch = Scratch::new(name);
    let store = SqliteStore::open_with(scratch.path("store.db"), options).unwrap();
    (store, scratch)
}

/// A read-only connection of our own to the file.
pub fn raw(path: &Path) -> Connection {
    Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap()
}

fn text(v: Value) -> String {
    match v {
        Value::Null => "NULL".into(),
        Value::Integer(i) => i.to_string(),
        Value::Real(r) => r.to_string(),
        Value::Text(t) => t,
        Value::Blob(b) => format!("{b:?}"),
    }
}

/// Every row of every table, as text, table by table in order of all columns: what a search of
/// the whole database sees.
pub fn dump(path: &Path) -> Vec<String> {
    let conn = raw(path);
    let tables: Vec<String> = {
        let mut stmt = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    let mut out = Vec::new();
    for table in tables {
        let mut stmt = conn.prepare(&format!("SELECT * FROM \"{table}\"")).unwrap();
        let n = stmt.column_count();
        let mut rows: Vec<String> = stmt
            .query_map([], |r| {
                let cells: Vec<String> = (0..n).map(|i| text(r.get_unwrap(i))).collect();
                Ok(format!("{table}\t{}", cells.join("\t")))
            })
            .unwrap()
            .map(Result::unwrap)
            .collect();
        rows.sort();
        out.extend(rows);
    }
    out
}

/// The bytes of the database file and its write-ahead log (when there is one).
pub fn file_bytes(path: &Path) -> Vec<u8> {
    let mut bytes = std::fs::read(path).unwrap();
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    if let Ok(w) = std::fs::read(PathBuf::from(wal)) {
        bytes.extend(w);
    }
    bytes
}

/// Whether `needle` occurs in `hay`.
pub fn contains(hay: &[u8], needle: &str) -> bool {
    let n = needle.as_bytes();
    !n.is_empty() && hay.windows(n.len()).any(|w| w == n)
}
