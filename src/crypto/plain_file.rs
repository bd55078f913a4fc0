//! A plain SQLite store is refused before it is opened as an encrypted one: opening it with
//! the blind-key indexer would rebuild (and so change) its index.

use std::path::Path;

use rusqlite::{Connection, OpenFlags, OptionalExtension};

use super::codec::BlindKeys;
use crate::error::{Error, Result};
use crate::store::KeyIndexer;

fn db(e: rusqlite::Error) -> Error {
    Error::storage("checking the store file", e)
}

/// Refuses a database file that holds a plain store with data. A missing file, an empty one,
/// or an encrypted one passes.
///
/// # Errors
/// [`Error::InvalidSetting`] for a plain store; SQLite's errors.
pub(super) fn refuse_plain(path: &Path) -> Result<()> {
    if !path.exists() {
        return Ok(());
    }
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(db)?;
    let table = |name: &str| -> Result<bool> {
        conn.query_row(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1",
            [name],
            |_| Ok(()),
        )
        .optional()
        .map(|r| r.is_some())
        .map_err(db)
    };
    if !table("meta")? {
        return Ok(());
    }
    let indexers: Option<String> = conn
        .query_row("SELECT value FROM meta WHERE name = 'indexers'", [], |r| {
            r.get(0)
        })
        .optional()
        .map_err(db)?;
    if indexers.as_deref().is_none_or(|n| n == BlindKeys.name()) {
        return Ok(());
    }
    let mut rows: i64 = 0;
    for t in ["customers", "merges", "documents"] {
        if table(t)? {
            rows += conn
                .query_row(&format!("SELECT COUNT(*) FROM {t}"), [], |r| {
                    r.get::<_, i64>(0)
                })
                .map_err(db)?;
        }
    }
    if rows == 0 {
        return Ok(());
    }
    Err(Error::InvalidSetting {
        setting: "store".to_owned(),
        reason: format!(
            "{} holds a plain (unencrypted) store; it is left untouched",
            path.display()
        ),
        value: String::new(),
    })
}

/// Whether the database file at `path` holds an encrypted store (its index is of blind keys).
///
/// # Errors
/// SQLite's errors.
pub(super) fn is_encrypted(path: &Path) -> Result<bool> {
    if !path.exists() {
        return Ok(false);
    }
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(db)?;
    let meta: Option<i64> = conn
        .query_row(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'",
            [],
            |r| r.get(0),
        )
        .optional()
        .map_err(db)?;
    if meta.is_none() {
        return Ok(false);
    }
    let indexers: Option<String> = conn
        .query_row("SELECT value FROM meta WHERE name = 'indexers'", [], |r| {
            r.get(0)
        })
        .optional()
        .map_err(db)?;
    Ok(indexers.is_some_and(|n| n == BlindKeys.name()))
}
