//! The schema, its versions and the migrations between them.
//!
//! The version is SQLite's `user_version`. Version 1 is the layout of the crate's earlier worked
//! example (tests/sqlite, before the store shipped), which never set `user_version`: a file with
//! a `customers` table and version 0 is version 1. Each migration runs inside the opening
//! transaction, so a file is upgraded whole or not at all.

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::codec::{FEED_CUSTOMER, FEED_MERGE, INTERACTION, TRANSACTION, db, from_json, to_json};
use crate::error::Error;
use crate::model::Activity;

/// The schema this version of the crate writes.
pub(super) const CURRENT: i64 = 3;

/// Version 2. Customer rows are numbered in order of writing (a rowid table, with a unique
/// index on the id): ids arrive in any order, and appending bodies of several hundred bytes
/// costs far less than inserting them in id order into a table clustered by id. Each customer
/// row lists its own keys (a JSON array), so that rewriting or deleting it removes exactly those
/// rows of `keys` without a second index on `keys`. The feed numbers its rows itself (the writer
/// continues from the largest number), so a renumbered entry never reuses a number.
const V2: &str = "
CREATE TABLE IF NOT EXISTS customers (
    n INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, keys TEXT NOT NULL, body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS activity (
    customer_id TEXT NOT NULL, kind INTEGER NOT NULL, pos INTEGER NOT NULL, body TEXT NOT NULL,
    PRIMARY KEY (customer_id, kind, pos)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS keys (
    key TEXT NOT NULL, customer_id TEXT NOT NULL, PRIMARY KEY (key, customer_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS merges (id TEXT PRIMARY KEY, body TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS merge_members (
    customer_id TEXT NOT NULL, merge_id TEXT NOT NULL, PRIMARY KEY (customer_id, merge_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS members_by_merge ON merge_members (merge_id);
CREATE TABLE IF NOT EXISTS feed (
    seq INTEGER PRIMARY KEY, kind INTEGER NOT NULL, key TEXT NOT NULL,
    UNIQUE (kind, key)
);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
";

/// Version 3 adds keyed documents ([`crate::store::Document`]), one row each.
const V3: &str = "
CREATE TABLE IF NOT EXISTS documents (
    namespace TEXT NOT NULL, key TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (namespace, key)
) WITHOUT ROWID;
";

/// The version of the file: its `user_version`, or 1 for the unversioned layout.
fn version(conn: &Connection) -> Result<i64, Error> {
    let v: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(db)?;
    if v != 0 {
        return Ok(v);
    }
    let old: Option<String> = conn
        .query_row(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'customers'",
            [],
            |r| r.get(0),
        )
        .optional()
        .map_err(db)?;
    Ok(if old.is_some() { 1 } else { 0 })
}

/// Creates the schema in an empty file or upgrades an older one, in one transaction.
///
/// # Errors
/// [`Error::SchemaTooNew`] for a file of a newer schema (left untouched); SQLite's errors.
pub(super) fn migrate(conn: &mut Connection) -> Result<(), Error> {
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(db)?;
    let found = version(&tx)?;
    if found > CURRENT {
        return Err(Error::SchemaTooNew {
            found,
            supported: CURRENT,
        });
    }
    if found == CURRENT {
        return Ok(());
    }
    if found == 1 {
        v1_to_v2(&tx)?;
    } else if found == 0 {
        tx.execute_batch(V2).map_err(db)?;
    }
    // Version 2 to 3 only adds a table.
    tx.execute_batch(V3).map_err(db)?;
    tx.pragma_update(None, "user_version", CURRENT)
        .map_err(db)?;
    tx.commit().map_err(db)
}

/// Version 1 kept each customer's activity as one JSON body, indexed keys by customer, and had
/// no feed and no record of its indexer: activity becomes one row per item, each customer row
/// gets its list of keys, the feed lists every record and merge record held (so a replay from 0
/// rebuilds the store), and the index is rebuilt on opening (its indexer is unknown).
fn v1_to_v2(tx: &Transaction<'_>) -> Result<(), Error> {
    tx.execute_batch(
        "ALTER TABLE activity RENAME TO activity_v1;
         ALTER TABLE customers RENAME TO customers_v1;
         DROP INDEX IF EXISTS keys_by_customer;
         DELETE FROM keys;",
    )
    .map_err(db)?;
    tx.execute_batch(V2).map_err(db)?;
    tx.execute_batch(
        "INSERT INTO customers (id, keys, body) SELECT id, '[]', body FROM customers_v1 ORDER BY id;
         DROP TABLE customers_v1;",
    )
    .map_err(db)?;
    {
        let mut read = tx
            .prepare("SELECT customer_id, body FROM activity_v1 ORDER BY customer_id")
            .map_err(db)?;
        let rows = read
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
            .map_err(db)?;
        let mut insert = tx
            .prepare("INSERT INTO activity (customer_id, kind, pos, body) VALUES (?1, ?2, ?3, ?4)")
            .map_err(db)?;
        for row in rows {
            let (id, body) = row.map_err(db)?;
            let a: Activity = from_json(&body)?;
            for (pos, t) in a.transactions.iter().enumerate() {
                insert
                    .execute(params![id, TRANSACTION, pos as i64, to_json(t)?])
                    .map_err(db)?;
            }
            for (pos, i) in a.interactions.iter().enumerate() {
                insert
                    .execute(params![id, INTERACTION, pos as i64, to_json(i)?])
                    .map_err(db)?;
            }
        }
    }
    tx.execute_batch(&format!(
        "DROP TABLE activity_v1;
         INSERT INTO feed (seq, kind, key)
             SELECT ROW_NUMBER() OVER (ORDER BY id), {FEED_CUSTOMER}, id FROM customers;
         INSERT INTO feed (seq, kind, key)
             SELECT (SELECT COUNT(*) FROM customers) + ROW_NUMBER() OVER (ORDER BY id),
                    {FEED_MERGE}, id FROM merges;"
    ))
    .map_err(db)?;
    Ok(())
}

/// The names of the indexers the stored keys were derived with, if recorded.
pub(super) fn indexed_with(conn: &Connection) -> Result<Option<String>, Error> {
    conn.query_row("SELECT value FROM meta WHERE name = 'indexers'", [], |r| {
        r.get(0)
    })
    .optional()
    .map_err(db)
}

/// Records the names of the indexers the stored keys were derived with.
pub(super) fn set_indexed_with(tx: &Transaction<'_>, names: &str) -> Result<(), Error> {
    tx.execute(
        "INSERT OR REPLACE INTO meta (name, value) VALUES ('indexers', ?1)",
        [names],
    )
    .map_err(db)?;
    Ok(())
}
