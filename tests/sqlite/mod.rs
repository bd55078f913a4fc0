//! A worked example of `CustomerStore` over a real database: SQLite through rusqlite.
//!
//! Records, activity and merge records are stored as JSON text; secondary keys and the
//! customers named by merge records live in index tables kept in step with every write. Every
//! `apply` runs in one SQLite transaction, so a refused change (or a crash) leaves nothing
//! behind. `secure_delete` is on, so deleted or overwritten rows are zeroed in the file too
//! (what an erasure needs).
#![allow(dead_code)]

use std::sync::{Arc, Mutex, MutexGuard};

use clientele::Error;
use clientele::merge::{MergeId, MergeRecord};
use clientele::model::{Activity, Customer, CustomerId};
use clientele::store::{Change, ContactKeys, CustomerStore, KeyIndexer, SecondaryKey};
use rusqlite::{Connection, OptionalExtension, Transaction, params};

const SCHEMA: &str = "
PRAGMA secure_delete = ON;
CREATE TABLE IF NOT EXISTS customers (id TEXT PRIMARY KEY, body TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS activity (customer_id TEXT PRIMARY KEY, body TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS keys (
    key TEXT NOT NULL, customer_id TEXT NOT NULL, PRIMARY KEY (key, customer_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS keys_by_customer ON keys (customer_id);
CREATE TABLE IF NOT EXISTS merges (id TEXT PRIMARY KEY, body TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS merge_members (
    customer_id TEXT NOT NULL, merge_id TEXT NOT NULL, PRIMARY KEY (customer_id, merge_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS members_by_merge ON merge_members (merge_id);
";

fn db(e: rusqlite::Error) -> Error {
    Error::Storage {
        message: format!("sqlite: {e}"),
    }
}

fn json_err(e: serde_json::Error) -> Error {
    // serde_json messages can quote input; keep only the category and position.
    Error::Storage {
        message: format!(
            "stored JSON unreadable ({:?} at line {}, column {})",
            e.classify(),
            e.line(),
            e.column()
        ),
    }
}

fn to_json<T: serde::Serialize>(v: &T) -> Result<String, Error> {
    serde_json::to_string(v).map_err(json_err)
}

fn from_json<T: serde::de::DeserializeOwned>(s: &str) -> Result<T, Error> {
    serde_json::from_str(s).map_err(json_err)
}

/// `CustomerStore` over SQLite.
pub struct SqliteStore {
    conn: Mutex<Connection>,
    indexer: Arc<dyn KeyIndexer>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore").finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// A store in a private in-memory database.
    pub fn in_memory() -> Result<Self, Error> {
        Self::from_connection(Connection::open_in_memory().map_err(db)?)
    }

    /// A store in a database file (created when absent).
    pub fn open(path: &std::path::Path) -> Result<Self, Error> {
        Self::from_connection(Connection::open(path).map_err(db)?)
    }

    fn from_connection(conn: Connection) -> Result<Self, Error> {
        conn.execute_batch(SCHEMA).map_err(db)?;
        Ok(Self {
            conn: Mutex::new(conn),
            indexer: Arc::new(ContactKeys),
        })
    }

    fn conn(&self) -> Result<MutexGuard<'_, Connection>, Error> {
        self.conn.lock().map_err(|_| Error::Storage {
            message: "sqlite connection lock poisoned".into(),
        })
    }

    /// Every row of every table, as text, table by table in key order: what a search of the
    /// whole database sees.
    pub fn dump(&self) -> Result<Vec<String>, Error> {
        let conn = self.conn()?;
        let mut out = Vec::new();
        for (table, cols) in [
            ("customers", "id, body"),
            ("activity", "customer_id, body"),
            ("keys", "key, customer_id"),
            ("merges", "id, body"),
            ("merge_members", "customer_id, merge_id"),
        ] {
            let mut stmt = conn
                .prepare(&format!("SELECT {cols} FROM {table} ORDER BY 1, 2"))
                .map_err(db)?;
            let rows = stmt
                .query_map([], |r| {
                    Ok(format!(
                        "{table}\t{}\t{}",
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?
                    ))
                })
                .map_err(db)?;
            for row in rows {
                out.push(row.map_err(db)?);
            }
        }
        Ok(out)
    }
}

fn get_customer(tx: &Connection, id: &str) -> Result<Option<Customer>, Error> {
    let body: Option<String> = tx
        .query_row("SELECT body FROM customers WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .optional()
        .map_err(db)?;
    body.map(|b| from_json(&b)).transpose()
}

fn get_activity(tx: &Connection, id: &str) -> Result<Activity, Error> {
    let body: Option<String> = tx
        .query_row(
            "SELECT body FROM activity WHERE customer_id = ?1",
            [id],
            |r| r.get(0),
        )
        .optional()
        .map_err(db)?;
    Ok(body.map(|b| from_json(&b)).transpose()?.unwrap_or_default())
}

fn get_merge(tx: &Connection, id: &str) -> Result<Option<MergeRecord>, Error> {
    let body: Option<String> = tx
        .query_row("SELECT body FROM merges WHERE id = ?1", [id], |r| r.get(0))
        .optional()
        .map_err(db)?;
    body.map(|b| from_json(&b)).transpose()
}

fn set_activity(tx: &Transaction<'_>, id: &str, activity: &Activity) -> Result<(), Error> {
    if activity.is_empty() {
        tx.execute("DELETE FROM activity WHERE customer_id = ?1", [id])
            .map_err(db)?;
    } else {
        tx.execute(
            "INSERT OR REPLACE INTO activity (customer_id, body) VALUES (?1, ?2)",
            params![id, to_json(activity)?],
        )
        .map_err(db)?;
    }
    Ok(())
}

fn put_customer(tx: &Transaction<'_>, indexer: &dyn KeyIndexer, c: &Customer) -> Result<(), Error> {
    let id = c.id.as_str();
    tx.execute(
        "INSERT OR REPLACE INTO customers (id, body) VALUES (?1, ?2)",
        params![id, to_json(c)?],
    )
    .map_err(db)?;
    tx.execute("DELETE FROM keys WHERE customer_id = ?1", [id])
        .map_err(db)?;
    for key in indexer.keys_of(c) {
        tx.execute(
            "INSERT OR IGNORE INTO keys (key, customer_id) VALUES (?1, ?2)",
            params![key.as_str(), id],
        )
        .map_err(db)?;
    }
    Ok(())
}

fn put_merge(tx: &Transaction<'_>, r: &MergeRecord) -> Result<(), Error> {
    let id = r.id.as_str();
    tx.execute(
        "INSERT OR REPLACE INTO merges (id, body) VALUES (?1, ?2)",
        params![id, to_json(r)?],
    )
    .map_err(db)?;
    tx.execute("DELETE FROM merge_members WHERE merge_id = ?1", [id])
        .map_err(db)?;
    for c in r.customers() {
        tx.execute(
            "INSERT OR IGNORE INTO merge_members (customer_id, merge_id) VALUES (?1, ?2)",
            params![c.as_str(), id],
        )
        .map_err(db)?;
    }
    Ok(())
}

fn require(tx: &Connection, id: &CustomerId) -> Result<(), Error> {
    let n: i64 = tx
        .query_row(
            "SELECT COUNT(*) FROM customers WHERE id = ?1",
            [id.as_str()],
            |r| r.get(0),
        )
        .map_err(db)?;
    if n == 0 {
        Err(Error::NotFound { id: id.clone() })
    } else {
        Ok(())
    }
}

fn apply_one(tx: &Transaction<'_>, indexer: &dyn KeyIndexer, change: Change) -> Result<(), Error> {
    match change {
        Change::Put(c) => put_customer(tx, indexer, &c),
        Change::Insert(c) => {
            if get_customer(tx, c.id.as_str())?.is_some() {
                return Err(Error::AlreadyExists { id: c.id });
            }
            put_customer(tx, indexer, &c)
        }
        Change::Delete(id) => {
            require(tx, &id)?;
            for table in [
                "DELETE FROM customers WHERE id = ?1",
                "DELETE FROM activity WHERE customer_id = ?1",
                "DELETE FROM keys WHERE customer_id = ?1",
            ] {
                tx.execute(table, [id.as_str()]).map_err(db)?;
            }
            Ok(())
        }
        Change::AddTransaction(t) => {
            require(tx, &t.customer)?;
            let mut a = get_activity(tx, t.customer.as_str())?;
            let id = t.customer.clone();
            a.transactions.push(t);
            set_activity(tx, id.as_str(), &a)
        }
        Change::AddInteraction(i) => {
            require(tx, &i.customer)?;
            let mut a = get_activity(tx, i.customer.as_str())?;
            let id = i.customer.clone();
            a.interactions.push(i);
            set_activity(tx, id.as_str(), &a)
        }
        Change::SetActivity { customer, activity } => {
            require(tx, &customer)?;
            let foreign = activity.transactions.iter().any(|t| t.customer != customer)
                || activity.interactions.iter().any(|i| i.customer != customer);
            if foreign {
                return Err(Error::InvalidValue {
                    field: "activity".into(),
                    reason: format!("an item names a customer other than `{customer}`"),
                    masked: String::new(),
                });
            }
            set_activity(tx, customer.as_str(), &activity)
        }
        Change::InsertMergeRecord(r) => {
            if get_merge(tx, r.id.as_str())?.is_some() {
                return Err(Error::InvalidValue {
                    field: "merge_record".into(),
                    reason: format!("merge `{}` already exists", r.id),
                    masked: String::new(),
                });
            }
            put_merge(tx, &r)
        }
        Change::PutMergeRecord(r) => put_merge(tx, &r),
        Change::DeleteMergeRecord(id) => {
            if get_merge(tx, id.as_str())?.is_none() {
                return Err(Error::MergeNotFound {
                    merge: id.to_string(),
                });
            }
            tx.execute("DELETE FROM merges WHERE id = ?1", [id.as_str()])
                .map_err(db)?;
            tx.execute(
                "DELETE FROM merge_members WHERE merge_id = ?1",
                [id.as_str()],
            )
            .map_err(db)?;
            Ok(())
        }
        other => Err(Error::Storage {
            message: format!("change not supported by this store: {other:?}"),
        }),
    }
}

impl CustomerStore for SqliteStore {
    type Error = Error;

    fn get(&self, id: &CustomerId) -> Result<Option<Customer>, Error> {
        get_customer(&*self.conn()?, id.as_str())
    }

    fn scan(&self, after: Option<&CustomerId>, limit: usize) -> Result<Vec<Customer>, Error> {
        let conn = self.conn()?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut stmt = conn
            .prepare(
                "SELECT body FROM customers WHERE (?1 IS NULL OR id > ?1) ORDER BY id LIMIT ?2",
            )
            .map_err(db)?;
        let rows = stmt
            .query_map(params![after.map(CustomerId::as_str), limit], |r| {
                r.get::<_, String>(0)
            })
            .map_err(db)?;
        rows.map(|b| from_json(&b.map_err(db)?)).collect()
    }

    fn lookup(&self, key: &SecondaryKey) -> Result<Vec<CustomerId>, Error> {
        let conn = self.conn()?;
        let mut stmt = conn
            .prepare("SELECT customer_id FROM keys WHERE key = ?1 ORDER BY customer_id")
            .map_err(db)?;
        let rows = stmt
            .query_map([key.as_str()], |r| r.get::<_, String>(0))
            .map_err(db)?;
        rows.map(|id| CustomerId::new(id.map_err(db)?)).collect()
    }

    fn activity(&self, id: &CustomerId) -> Result<Activity, Error> {
        get_activity(&*self.conn()?, id.as_str())
    }

    fn apply(&mut self, changes: Vec<Change>) -> Result<(), Error> {
        let indexer = Arc::clone(&self.indexer);
        let mut conn = self.conn()?;
        let tx = conn.transaction().map_err(db)?;
        for (index, change) in changes.into_iter().enumerate() {
            if let Err(source) = apply_one(&tx, indexer.as_ref(), change) {
                // Dropping the transaction rolls it back.
                drop(tx);
                return Err(Error::BatchRefused {
                    index,
                    source: Box::new(source),
                });
            }
        }
        tx.commit().map_err(db)
    }

    fn len(&self) -> Result<usize, Error> {
        let n: i64 = self
            .conn()?
            .query_row("SELECT COUNT(*) FROM customers", [], |r| r.get(0))
            .map_err(db)?;
        usize::try_from(n).map_err(|_| Error::Storage {
            message: "negative count".into(),
        })
    }

    fn indexer(&self) -> &dyn KeyIndexer {
        self.indexer.as_ref()
    }

    fn merge_record(&self, id: &MergeId) -> Result<Option<MergeRecord>, Error> {
        get_merge(&*self.conn()?, id.as_str())
    }

    fn merges_of(&self, customer: &CustomerId) -> Result<Vec<MergeRecord>, Error> {
        let conn = self.conn()?;
        let mut stmt = conn
            .prepare(
                "SELECT m.body FROM merge_members k JOIN merges m ON m.id = k.merge_id \
                 WHERE k.customer_id = ?1 ORDER BY m.id",
            )
            .map_err(db)?;
        let rows = stmt
            .query_map([customer.as_str()], |r| r.get::<_, String>(0))
            .map_err(db)?;
        rows.map(|b| from_json(&b.map_err(db)?)).collect()
    }

    fn scan_merges(
        &self,
        after: Option<&MergeId>,
        limit: usize,
    ) -> Result<Vec<MergeRecord>, Error> {
        let conn = self.conn()?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut stmt = conn
            .prepare("SELECT body FROM merges WHERE (?1 IS NULL OR id > ?1) ORDER BY id LIMIT ?2")
            .map_err(db)?;
        let rows = stmt
            .query_map(params![after.map(MergeId::as_str), limit], |r| {
                r.get::<_, String>(0)
            })
            .map_err(db)?;
        rows.map(|b| from_json(&b.map_err(db)?)).collect()
    }
}
