//! Reads, each on one connection (inside a read transaction when it takes several statements,
//! so that it sees one state).

use rusqlite::{Connection, OptionalExtension, params};
use serde::de::DeserializeOwned;

use super::codec::{
    FEED_CUSTOMER, FEED_DOCUMENT, FEED_MERGE, INTERACTION, TRANSACTION, count, db, from_json,
    sql_int,
};
use crate::error::Error;
use crate::model::{Activity, Customer, CustomerId, MergeId, MergeRecord, RecordSnapshot};
use crate::store::{Document, FeedEntry, FeedItem, SecondaryKey};

/// The body one query finds by id, parsed.
fn body<T: DeserializeOwned>(conn: &Connection, sql: &str, id: &str) -> Result<Option<T>, Error> {
    let mut stmt = conn.prepare_cached(sql).map_err(db)?;
    let body: Option<String> = stmt.query_row([id], |r| r.get(0)).optional().map_err(db)?;
    body.map(|b| from_json(&b)).transpose()
}

/// The bodies of a keyset page (`?1` the id to start after or NULL, `?2` the limit), parsed.
fn page<T: DeserializeOwned>(
    conn: &Connection,
    sql: &str,
    after: Option<&str>,
    limit: usize,
) -> Result<Vec<T>, Error> {
    let mut stmt = conn.prepare_cached(sql).map_err(db)?;
    let rows = stmt
        .query_map(params![after, sql_int(limit)], |r| r.get::<_, String>(0))
        .map_err(db)?;
    rows.map(|b| from_json(&b.map_err(db)?)).collect()
}

pub(super) fn customer(conn: &Connection, id: &str) -> Result<Option<Customer>, Error> {
    body(conn, "SELECT body FROM customers WHERE id = ?1", id)
}

pub(super) fn exists(conn: &Connection, id: &str) -> Result<bool, Error> {
    let mut stmt = conn
        .prepare_cached("SELECT 1 FROM customers WHERE id = ?1")
        .map_err(db)?;
    stmt.exists([id]).map_err(db)
}

pub(super) fn activity(conn: &Connection, id: &str) -> Result<Activity, Error> {
    let mut stmt = conn
        .prepare_cached("SELECT kind, body FROM activity WHERE customer_id = ?1 ORDER BY kind, pos")
        .map_err(db)?;
    let mut rows = stmt.query([id]).map_err(db)?;
    let mut a = Activity::default();
    while let Some(row) = rows.next().map_err(db)? {
        let kind: i64 = row.get(0).map_err(db)?;
        let body: String = row.get(1).map_err(db)?;
        match kind {
            TRANSACTION => a.transactions.push(from_json(&body)?),
            INTERACTION => a.interactions.push(from_json(&body)?),
            other => {
                return Err(Error::storage_message(format!(
                    "sqlite: an activity row of unknown kind {other}"
                )));
            }
        }
    }
    Ok(a)
}

pub(super) fn merge(conn: &Connection, id: &str) -> Result<Option<MergeRecord>, Error> {
    body(conn, "SELECT body FROM merges WHERE id = ?1", id)
}

pub(super) fn scan(
    conn: &Connection,
    after: Option<&CustomerId>,
    limit: usize,
) -> Result<Vec<Customer>, Error> {
    page(
        conn,
        "SELECT body FROM customers WHERE (?1 IS NULL OR id > ?1) ORDER BY id LIMIT ?2",
        after.map(CustomerId::as_str),
        limit,
    )
}

/// The holders of a key, at most `limit` of them, in id order.
pub(super) fn lookup(
    conn: &Connection,
    key: &SecondaryKey,
    limit: usize,
) -> Result<Vec<CustomerId>, Error> {
    let mut stmt = conn
        .prepare_cached("SELECT customer_id FROM keys WHERE key = ?1 ORDER BY customer_id LIMIT ?2")
        .map_err(db)?;
    let rows = stmt
        .query_map(params![key.as_str(), sql_int(limit)], |r| {
            r.get::<_, String>(0)
        })
        .map_err(db)?;
    rows.map(|id| CustomerId::new(id.map_err(db)?)).collect()
}

/// How many records hold a key, counting at most `limit` (the index entries are read, not the
/// ids returned).
pub(super) fn key_count(
    conn: &Connection,
    key: &SecondaryKey,
    limit: usize,
) -> Result<usize, Error> {
    let mut stmt = conn
        .prepare_cached("SELECT COUNT(*) FROM (SELECT 1 FROM keys WHERE key = ?1 LIMIT ?2)")
        .map_err(db)?;
    count(
        stmt.query_row(params![key.as_str(), sql_int(limit)], |r| r.get(0))
            .map_err(db)?,
    )
}

pub(super) fn len(conn: &Connection) -> Result<usize, Error> {
    let mut stmt = conn
        .prepare_cached("SELECT COUNT(*) FROM customers")
        .map_err(db)?;
    count(stmt.query_row([], |r| r.get(0)).map_err(db)?)
}

pub(super) fn merges_of(
    conn: &Connection,
    customer: &CustomerId,
) -> Result<Vec<MergeRecord>, Error> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT m.body FROM merge_members k JOIN merges m ON m.id = k.merge_id \
             WHERE k.customer_id = ?1 ORDER BY m.id",
        )
        .map_err(db)?;
    let rows = stmt
        .query_map([customer.as_str()], |r| r.get::<_, String>(0))
        .map_err(db)?;
    rows.map(|b| from_json(&b.map_err(db)?)).collect()
}

pub(super) fn scan_merges(
    conn: &Connection,
    after: Option<&MergeId>,
    limit: usize,
) -> Result<Vec<MergeRecord>, Error> {
    page(
        conn,
        "SELECT body FROM merges WHERE (?1 IS NULL OR id > ?1) ORDER BY id LIMIT ?2",
        after.map(MergeId::as_str),
        limit,
    )
}

/// The feed after `after`, each entry with the state it names now (call inside a read
/// transaction).
pub(super) fn changes_since(
    conn: &Connection,
    after: u64,
    limit: usize,
) -> Result<Vec<FeedEntry>, Error> {
    let after = i64::try_from(after).unwrap_or(i64::MAX);
    let keys: Vec<(i64, i64, String)> = {
        let mut stmt = conn
            .prepare_cached("SELECT seq, kind, key FROM feed WHERE seq > ?1 ORDER BY seq LIMIT ?2")
            .map_err(db)?;
        let rows = stmt
            .query_map(params![after, sql_int(limit)], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .map_err(db)?;
        rows.collect::<Result<_, _>>().map_err(db)?
    };
    let mut out = Vec::with_capacity(keys.len());
    for (seq, kind, key) in keys {
        let item = match kind {
            FEED_CUSTOMER => match customer(conn, &key)? {
                Some(c) => FeedItem::Customer(RecordSnapshot {
                    activity: activity(conn, &key)?,
                    customer: c,
                }),
                None => FeedItem::CustomerDeleted(CustomerId::new(&key)?),
            },
            FEED_MERGE => match merge(conn, &key)? {
                Some(r) => FeedItem::Merge(r),
                None => FeedItem::MergeDeleted(MergeId::new(&key)?),
            },
            FEED_DOCUMENT => {
                let (namespace, k): (String, String) = from_json(&key)?;
                match document(conn, &namespace, &k)? {
                    Some(d) => FeedItem::Document(d),
                    None => FeedItem::DocumentDeleted { namespace, key: k },
                }
            }
            other => {
                return Err(Error::storage_message(format!(
                    "sqlite: a feed row of unknown kind {other}"
                )));
            }
        };
        let seq = u64::try_from(seq)
            .map_err(|_| Error::storage_message("sqlite: a negative feed sequence number"))?;
        out.push(FeedEntry { seq, item });
    }
    Ok(out)
}

pub(super) fn document(
    conn: &Connection,
    namespace: &str,
    key: &str,
) -> Result<Option<Document>, Error> {
    let mut stmt = conn
        .prepare_cached("SELECT body FROM documents WHERE namespace = ?1 AND key = ?2")
        .map_err(db)?;
    let body: Option<String> = stmt
        .query_row(params![namespace, key], |r| r.get(0))
        .optional()
        .map_err(db)?;
    Ok(body.map(|b| Document::new(namespace, key, b)))
}

pub(super) fn scan_documents(
    conn: &Connection,
    namespace: &str,
    after: Option<&str>,
    limit: usize,
) -> Result<Vec<Document>, Error> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT key, body FROM documents WHERE namespace = ?1 AND (?2 IS NULL OR key > ?2) \
             ORDER BY key LIMIT ?3",
        )
        .map_err(db)?;
    let rows = stmt
        .query_map(params![namespace, after, sql_int(limit)], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })
        .map_err(db)?;
    rows.map(|r| {
        let (k, b) = r.map_err(db)?;
        Ok(Document::new(namespace, k, b))
    })
    .collect()
}

/// The namespaces holding documents, in byte order.
pub(super) fn document_namespaces(conn: &Connection) -> Result<Vec<String>, Error> {
    let mut stmt = conn
        .prepare_cached("SELECT DISTINCT namespace FROM documents ORDER BY namespace")
        .map_err(db)?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0)).map_err(db)?;
    rows.map(|r| r.map_err(db)).collect()
}
