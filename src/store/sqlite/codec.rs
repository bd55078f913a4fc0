//! Rows to values and back: JSON bodies, and errors that keep their cause without quoting data.

use crate::error::Error;

/// A SQLite failure, with rusqlite's error as the cause.
pub(super) fn db(e: rusqlite::Error) -> Error {
    Error::storage("sqlite", e)
}

/// A stored body that does not parse. serde_json's messages can quote the input (personal
/// data), so only the category and position are kept, and no cause.
fn json_err(e: &serde_json::Error) -> Error {
    Error::storage_message(format!(
        "sqlite: a stored JSON body is unreadable ({:?} at line {}, column {})",
        e.classify(),
        e.line(),
        e.column()
    ))
}

pub(super) fn to_json<T: serde::Serialize>(v: &T) -> Result<String, Error> {
    serde_json::to_string(v).map_err(|e| json_err(&e))
}

pub(super) fn from_json<T: serde::de::DeserializeOwned>(s: &str) -> Result<T, Error> {
    serde_json::from_str(s).map_err(|e| json_err(&e))
}

/// A count or limit as SQLite's integer (saturating).
pub(super) fn sql_int(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// A count read from SQLite.
pub(super) fn count(n: i64) -> Result<usize, Error> {
    usize::try_from(n).map_err(|_| Error::storage_message("sqlite: a negative count"))
}

/// What a feed row is about.
pub(super) const FEED_CUSTOMER: i64 = 0;
pub(super) const FEED_MERGE: i64 = 1;
/// A document; the feed row's key is the JSON array `[namespace, key]`.
pub(super) const FEED_DOCUMENT: i64 = 2;

/// What an activity row holds.
pub(super) const TRANSACTION: i64 = 0;
pub(super) const INTERACTION: i64 = 1;
