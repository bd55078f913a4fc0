//! Writes: one change of a batch, inside the batch's transaction.

use rusqlite::{Transaction, params};

use super::codec::{FEED_CUSTOMER, FEED_MERGE, INTERACTION, TRANSACTION, db, to_json};
use super::read;
use crate::error::Error;
use crate::model::{Activity, Customer, CustomerId, MergeRecord};
use crate::store::{Change, KeyIndexer, refuse};

/// Moves a customer or merge record to the end of the change feed.
fn touch(tx: &Transaction<'_>, kind: i64, key: &str) -> Result<(), Error> {
    tx.prepare_cached("INSERT OR REPLACE INTO feed (kind, key) VALUES (?1, ?2)")
        .map_err(db)?
        .execute(params![kind, key])
        .map_err(db)?;
    Ok(())
}

/// Writes a record and its keys; `new` when the id is known to be absent (no old keys).
fn put_customer(
    tx: &Transaction<'_>,
    indexer: &dyn KeyIndexer,
    c: &Customer,
    new: bool,
) -> Result<(), Error> {
    let id = c.id.as_str();
    tx.prepare_cached("INSERT OR REPLACE INTO customers (id, body) VALUES (?1, ?2)")
        .map_err(db)?
        .execute(params![id, to_json(c)?])
        .map_err(db)?;
    if !new {
        tx.prepare_cached("DELETE FROM keys WHERE customer_id = ?1")
            .map_err(db)?
            .execute([id])
            .map_err(db)?;
    }
    index(tx, indexer, c)?;
    touch(tx, FEED_CUSTOMER, id)
}

/// Inserts the keys of a record (which has none indexed).
pub(super) fn index(
    tx: &Transaction<'_>,
    indexer: &dyn KeyIndexer,
    c: &Customer,
) -> Result<(), Error> {
    let mut stmt = tx
        .prepare_cached("INSERT OR IGNORE INTO keys (key, customer_id) VALUES (?1, ?2)")
        .map_err(db)?;
    for key in indexer.keys_of(c) {
        stmt.execute(params![key.as_str(), c.id.as_str()])
            .map_err(db)?;
    }
    Ok(())
}

fn require(tx: &Transaction<'_>, id: &CustomerId) -> Result<(), Error> {
    if read::exists(tx, id.as_str())? {
        Ok(())
    } else {
        Err(Error::NotFound { id: id.clone() })
    }
}

/// Appends one activity item.
fn append(tx: &Transaction<'_>, id: &str, kind: i64, body: String) -> Result<(), Error> {
    tx.prepare_cached(
        "INSERT INTO activity (customer_id, kind, pos, body) \
         SELECT ?1, ?2, COALESCE(MAX(pos), -1) + 1, ?3 FROM activity \
         WHERE customer_id = ?1 AND kind = ?2",
    )
    .map_err(db)?
    .execute(params![id, kind, body])
    .map_err(db)?;
    Ok(())
}

fn set_activity(tx: &Transaction<'_>, id: &str, activity: &Activity) -> Result<(), Error> {
    tx.prepare_cached("DELETE FROM activity WHERE customer_id = ?1")
        .map_err(db)?
        .execute([id])
        .map_err(db)?;
    let mut stmt = tx
        .prepare_cached(
            "INSERT INTO activity (customer_id, kind, pos, body) VALUES (?1, ?2, ?3, ?4)",
        )
        .map_err(db)?;
    for (pos, t) in activity.transactions.iter().enumerate() {
        stmt.execute(params![id, TRANSACTION, pos as i64, to_json(t)?])
            .map_err(db)?;
    }
    for (pos, i) in activity.interactions.iter().enumerate() {
        stmt.execute(params![id, INTERACTION, pos as i64, to_json(i)?])
            .map_err(db)?;
    }
    Ok(())
}

fn put_merge(tx: &Transaction<'_>, r: &MergeRecord) -> Result<(), Error> {
    let id = r.id.as_str();
    tx.prepare_cached("INSERT OR REPLACE INTO merges (id, body) VALUES (?1, ?2)")
        .map_err(db)?
        .execute(params![id, to_json(r)?])
        .map_err(db)?;
    delete_members(tx, id)?;
    let mut stmt = tx
        .prepare_cached(
            "INSERT OR IGNORE INTO merge_members (customer_id, merge_id) VALUES (?1, ?2)",
        )
        .map_err(db)?;
    for c in r.customers() {
        stmt.execute(params![c.as_str(), id]).map_err(db)?;
    }
    touch(tx, FEED_MERGE, id)
}

fn delete_members(tx: &Transaction<'_>, merge: &str) -> Result<(), Error> {
    tx.prepare_cached("DELETE FROM merge_members WHERE merge_id = ?1")
        .map_err(db)?
        .execute([merge])
        .map_err(db)?;
    Ok(())
}

/// Applies one change of a batch (the caller rolls the transaction back on error).
pub(super) fn apply_one(
    tx: &Transaction<'_>,
    indexer: &dyn KeyIndexer,
    change: Change,
) -> Result<(), Error> {
    match change {
        Change::Put(c) => put_customer(tx, indexer, &c, false),
        Change::Insert(c) => {
            if read::exists(tx, c.id.as_str())? {
                return Err(Error::AlreadyExists { id: c.id });
            }
            put_customer(tx, indexer, &c, true)
        }
        Change::Delete(id) => {
            require(tx, &id)?;
            for sql in [
                "DELETE FROM customers WHERE id = ?1",
                "DELETE FROM activity WHERE customer_id = ?1",
                "DELETE FROM keys WHERE customer_id = ?1",
            ] {
                tx.prepare_cached(sql)
                    .map_err(db)?
                    .execute([id.as_str()])
                    .map_err(db)?;
            }
            touch(tx, FEED_CUSTOMER, id.as_str())
        }
        Change::AddTransaction(t) => {
            require(tx, &t.customer)?;
            append(tx, t.customer.as_str(), TRANSACTION, to_json(&t)?)?;
            touch(tx, FEED_CUSTOMER, t.customer.as_str())
        }
        Change::AddInteraction(i) => {
            require(tx, &i.customer)?;
            append(tx, i.customer.as_str(), INTERACTION, to_json(&i)?)?;
            touch(tx, FEED_CUSTOMER, i.customer.as_str())
        }
        Change::SetActivity { customer, activity } => {
            require(tx, &customer)?;
            refuse::foreign_activity(&customer, &activity)?;
            set_activity(tx, customer.as_str(), &activity)?;
            touch(tx, FEED_CUSTOMER, customer.as_str())
        }
        Change::InsertMergeRecord(r) => {
            if read::merge(tx, r.id.as_str())?.is_some() {
                return Err(refuse::merge_exists(&r.id));
            }
            put_merge(tx, &r)
        }
        Change::PutMergeRecord(r) => put_merge(tx, &r),
        Change::DeleteMergeRecord(id) => {
            if read::merge(tx, id.as_str())?.is_none() {
                return Err(refuse::merge_absent(&id));
            }
            tx.prepare_cached("DELETE FROM merges WHERE id = ?1")
                .map_err(db)?
                .execute([id.as_str()])
                .map_err(db)?;
            delete_members(tx, id.as_str())?;
            touch(tx, FEED_MERGE, id.as_str())
        }
        Change::Expect { customer, expected } => {
            let now = read::customer(tx, customer.as_str())?;
            let activity = match (&now, expected.needs_activity()) {
                (Some(_), true) => Some(read::activity(tx, customer.as_str())?),
                _ => None,
            };
            refuse::expect_customer(&customer, &expected, now.as_ref(), activity.as_ref())
        }
        Change::ExpectMerge { merge, expected } => {
            let now = read::merge(tx, merge.as_str())?;
            refuse::expect_merge(&merge, expected, now.as_ref())
        }
    }
}

/// Rebuilds the whole key index with the given indexer (inside the caller's transaction).
pub(super) fn reindex(tx: &Transaction<'_>, indexer: &dyn KeyIndexer) -> Result<(), Error> {
    tx.execute("DELETE FROM keys", []).map_err(db)?;
    let mut after: Option<CustomerId> = None;
    loop {
        let batch = read::scan(tx, after.as_ref(), 1024)?;
        let Some(last) = batch.last() else {
            return Ok(());
        };
        after = Some(last.id.clone());
        for c in &batch {
            index(tx, indexer, c)?;
        }
    }
}
