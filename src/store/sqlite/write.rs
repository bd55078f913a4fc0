//! Writes: one change of a batch, inside the batch's transaction.

use std::collections::{BTreeMap, HashMap};

use rusqlite::{OptionalExtension, Transaction, params};

use super::codec::{
    FEED_CUSTOMER, FEED_DOCUMENT, FEED_MERGE, INTERACTION, TRANSACTION, db, from_json, to_json,
};
use super::read;
use crate::error::Error;
use crate::model::{Activity, Customer, CustomerId, MergeRecord};
use crate::store::{Change, KeyIndexer, SecondaryKey, refuse};

/// What a batch's writer carries from change to change: its transaction, the feed's last
/// number, and the writes it holds back to the end of the batch.
///
/// Index rows and feed entries are written at the end, in key order: ids and keys arrive in
/// random order, and B-tree inserts in key order touch each page once per batch instead of once
/// per row (a large batch is several times faster). Nothing in a batch reads them before then:
/// a rewrite in the same batch drops its record's held-back keys, and a feed entry written twice
/// keeps its last number.
pub(super) struct Writer<'a> {
    tx: &'a Transaction<'a>,
    seq: i64,
    /// Held-back index rows `(key, customer id)`, each with the number of the write that added
    /// it; sorted once at the end (cheaper than keeping a sorted set through a large batch).
    keys: Vec<(String, String, u64)>,
    /// Index rows a later write dropped, with the number of that write: a row added before it
    /// is not written, one added after it is.
    dropped: HashMap<(String, String), u64>,
    /// Writes so far, numbering `keys` and `dropped`.
    writes: u64,
    feed: BTreeMap<(i64, String), i64>,
}

impl<'a> Writer<'a> {
    /// Starts writing in a transaction, continuing the feed's numbering.
    pub(super) fn new(tx: &'a Transaction<'a>) -> Result<Self, Error> {
        let seq: i64 = tx
            .prepare_cached("SELECT COALESCE(MAX(seq), 0) FROM feed")
            .map_err(db)?
            .query_row([], |r| r.get(0))
            .map_err(db)?;
        Ok(Self {
            tx,
            seq,
            keys: Vec::new(),
            dropped: HashMap::new(),
            writes: 0,
            feed: BTreeMap::new(),
        })
    }

    /// Moves a customer or merge record to the end of the change feed.
    fn touch(&mut self, kind: i64, key: &str) -> Result<(), Error> {
        self.seq += 1;
        self.feed.insert((kind, key.to_owned()), self.seq);
        Ok(())
    }

    /// Writes what was held back; call once, after the batch's last change.
    pub(super) fn finish(mut self) -> Result<(), Error> {
        let dropped = std::mem::take(&mut self.dropped);
        if !dropped.is_empty() {
            self.keys.retain(|(key, id, at)| {
                dropped
                    .get(&(key.clone(), id.clone()))
                    .is_none_or(|gone| at > gone)
            });
        }
        self.keys.sort_unstable();
        self.keys.dedup_by(|a, b| a.0 == b.0 && a.1 == b.1);
        let mut stmt = self
            .tx
            .prepare_cached("INSERT OR IGNORE INTO keys (key, customer_id) VALUES (?1, ?2)")
            .map_err(db)?;
        for (key, id, _) in &self.keys {
            stmt.execute(params![key, id]).map_err(db)?;
        }
        let mut stmt = self
            .tx
            .prepare_cached("INSERT OR REPLACE INTO feed (seq, kind, key) VALUES (?1, ?2, ?3)")
            .map_err(db)?;
        for ((kind, key), seq) in &self.feed {
            stmt.execute(params![seq, kind, key]).map_err(db)?;
        }
        Ok(())
    }
}

/// A record made ready for writing: its body and its keys (work done before the batch takes
/// the write lock, in parallel for large batches).
pub(super) struct Encoded {
    body: String,
    keys: Vec<SecondaryKey>,
}

/// The body and keys of a `Put` or `Insert`; `None` for other changes.
pub(super) fn encode(change: &Change, indexer: &dyn KeyIndexer) -> Result<Option<Encoded>, Error> {
    match change {
        Change::Put(c) | Change::Insert(c) => Ok(Some(Encoded {
            body: to_json(c)?,
            keys: indexer.keys_of(c),
        })),
        _ => Ok(None),
    }
}

/// The keys a stored record was indexed under.
fn stored_keys(tx: &Transaction<'_>, id: &str) -> Result<Option<Vec<String>>, Error> {
    let keys: Option<String> = tx
        .prepare_cached("SELECT keys FROM customers WHERE id = ?1")
        .map_err(db)?
        .query_row([id], |r| r.get(0))
        .optional()
        .map_err(db)?;
    keys.map(|k| from_json(&k)).transpose()
}

/// Removes a stored record's keys from the index (held back or written); whether the record
/// was there.
fn unindex(w: &mut Writer<'_>, id: &str) -> Result<bool, Error> {
    let Some(keys) = stored_keys(w.tx, id)? else {
        return Ok(false);
    };
    let mut stmt =
        w.tx.prepare_cached("DELETE FROM keys WHERE key = ?1 AND customer_id = ?2")
            .map_err(db)?;
    for key in keys {
        stmt.execute(params![key, id]).map_err(db)?;
        w.writes += 1;
        w.dropped.insert((key, id.to_owned()), w.writes);
    }
    Ok(true)
}

/// Writes a record and its keys; refuses an id already held unless `replace`.
fn put_customer(
    w: &mut Writer<'_>,
    c: &Customer,
    encoded: Encoded,
    replace: bool,
) -> Result<(), Error> {
    let id = c.id.as_str();
    let names: Vec<&str> = encoded.keys.iter().map(SecondaryKey::as_str).collect();
    let keys = to_json(&names)?;
    if replace {
        unindex(w, id)?;
        w.tx.prepare_cached(
            "INSERT OR REPLACE INTO customers (id, keys, body) VALUES (?1, ?2, ?3)",
        )
        .map_err(db)?
        .execute(params![id, keys, encoded.body])
        .map_err(db)?;
    } else {
        // A plain insert: the primary key refuses an id already held, with no read before.
        let inserted =
            w.tx.prepare_cached("INSERT INTO customers (id, keys, body) VALUES (?1, ?2, ?3)")
                .map_err(db)?
                .execute(params![id, keys, encoded.body]);
        match inserted {
            Ok(_) => {}
            Err(rusqlite::Error::SqliteFailure(f, _))
                if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE =>
            {
                return Err(Error::AlreadyExists { id: c.id.clone() });
            }
            Err(e) => return Err(db(e)),
        }
    }
    w.writes += 1;
    let at = w.writes;
    w.keys
        .extend(names.iter().map(|k| ((*k).to_owned(), id.to_owned(), at)));
    w.touch(FEED_CUSTOMER, id)
}

fn insert_keys(tx: &Transaction<'_>, id: &str, keys: &[&str]) -> Result<(), Error> {
    let mut stmt = tx
        .prepare_cached("INSERT OR IGNORE INTO keys (key, customer_id) VALUES (?1, ?2)")
        .map_err(db)?;
    for key in keys {
        stmt.execute(params![key, id]).map_err(db)?;
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

fn put_merge(w: &mut Writer<'_>, r: &MergeRecord) -> Result<(), Error> {
    let tx = w.tx;
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
    w.touch(FEED_MERGE, id)
}

fn delete_members(tx: &Transaction<'_>, merge: &str) -> Result<(), Error> {
    tx.prepare_cached("DELETE FROM merge_members WHERE merge_id = ?1")
        .map_err(db)?
        .execute([merge])
        .map_err(db)?;
    Ok(())
}

/// Applies one change of a batch (the caller rolls the transaction back on error); `encoded`
/// is [`encode`]'s work for it.
pub(super) fn apply_one(
    w: &mut Writer<'_>,
    change: Change,
    encoded: Option<Encoded>,
) -> Result<(), Error> {
    let tx = w.tx;
    match (change, encoded) {
        (Change::Put(c), Some(e)) => put_customer(w, &c, e, true),
        (Change::Insert(c), Some(e)) => put_customer(w, &c, e, false),
        (Change::Put(c) | Change::Insert(c), None) => Err(Error::storage_message(format!(
            "sqlite: customer `{}` was not encoded before writing",
            c.id
        ))),
        (Change::Delete(id), _) => {
            if !unindex(w, id.as_str())? {
                return Err(Error::NotFound { id });
            }
            for sql in [
                "DELETE FROM customers WHERE id = ?1",
                "DELETE FROM activity WHERE customer_id = ?1",
            ] {
                tx.prepare_cached(sql)
                    .map_err(db)?
                    .execute([id.as_str()])
                    .map_err(db)?;
            }
            w.touch(FEED_CUSTOMER, id.as_str())
        }
        (Change::AddTransaction(t), _) => {
            require(tx, &t.customer)?;
            append(tx, t.customer.as_str(), TRANSACTION, to_json(&t)?)?;
            w.touch(FEED_CUSTOMER, t.customer.as_str())
        }
        (Change::AddInteraction(i), _) => {
            require(tx, &i.customer)?;
            append(tx, i.customer.as_str(), INTERACTION, to_json(&i)?)?;
            w.touch(FEED_CUSTOMER, i.customer.as_str())
        }
        (Change::SetActivity { customer, activity }, _) => {
            require(tx, &customer)?;
            refuse::foreign_activity(&customer, &activity)?;
            set_activity(tx, customer.as_str(), &activity)?;
            w.touch(FEED_CUSTOMER, customer.as_str())
        }
        (Change::InsertMergeRecord(r), _) => {
            if read::merge(tx, r.id.as_str())?.is_some() {
                return Err(refuse::merge_exists(&r.id));
            }
            put_merge(w, &r)
        }
        (Change::PutMergeRecord(r), _) => put_merge(w, &r),
        (Change::DeleteMergeRecord(id), _) => {
            if read::merge(tx, id.as_str())?.is_none() {
                return Err(refuse::merge_absent(&id));
            }
            tx.prepare_cached("DELETE FROM merges WHERE id = ?1")
                .map_err(db)?
                .execute([id.as_str()])
                .map_err(db)?;
            delete_members(tx, id.as_str())?;
            w.touch(FEED_MERGE, id.as_str())
        }
        (Change::PutDocument(d), _) => {
            tx.prepare_cached(
                "INSERT OR REPLACE INTO documents (namespace, key, body) VALUES (?1, ?2, ?3)",
            )
            .map_err(db)?
            .execute(params![d.namespace, d.key, d.body])
            .map_err(db)?;
            w.touch(FEED_DOCUMENT, &to_json(&(&d.namespace, &d.key))?)
        }
        (Change::DeleteDocument { namespace, key }, _) => {
            let n = tx
                .prepare_cached("DELETE FROM documents WHERE namespace = ?1 AND key = ?2")
                .map_err(db)?
                .execute(params![namespace, key])
                .map_err(db)?;
            if n == 0 {
                return Err(refuse::document_absent(&namespace, &key));
            }
            w.touch(FEED_DOCUMENT, &to_json(&(&namespace, &key))?)
        }
        (Change::Expect { customer, expected }, _) => {
            let now = read::customer(tx, customer.as_str())?;
            let activity = match (&now, expected.needs_activity()) {
                (Some(_), true) => Some(read::activity(tx, customer.as_str())?),
                _ => None,
            };
            refuse::expect_customer(&customer, &expected, now.as_ref(), activity.as_ref())
        }
        (Change::ExpectMerge { merge, expected }, _) => {
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
        let mut set = tx
            .prepare_cached("UPDATE customers SET keys = ?2 WHERE id = ?1")
            .map_err(db)?;
        for c in &batch {
            let keys = indexer.keys_of(c);
            let names: Vec<&str> = keys.iter().map(SecondaryKey::as_str).collect();
            set.execute(params![c.id.as_str(), to_json(&names)?])
                .map_err(db)?;
            insert_keys(tx, c.id.as_str(), &names)?;
        }
    }
}
