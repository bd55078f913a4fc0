//! Connections: one writer behind a mutex (SQLite has one writer at a time anyway), and a pool
//! of reader connections that WAL mode lets read in parallel with it and with each other.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use rusqlite::Connection;

use super::SqliteOptions;
use super::codec::db;
use crate::error::Error;

pub(super) struct Pool {
    writer: Mutex<Connection>,
    /// Idle reader connections; `None` for an in-memory database, whose reads share the
    /// writer's connection (another connection would see another database).
    idle: Option<Mutex<Vec<Connection>>>,
    path: Option<PathBuf>,
    options: SqliteOptions,
}

fn poisoned() -> Error {
    Error::storage_message("sqlite: a connection lock is poisoned (a thread panicked in a call)")
}

/// Settings every connection gets.
fn configure(conn: &Connection, options: &SqliteOptions, cache_mib: usize) -> Result<(), Error> {
    conn.busy_timeout(options.busy_timeout).map_err(db)?;
    conn.set_prepared_statement_cache_capacity(64);
    let synchronous = if options.durable { "FULL" } else { "NORMAL" };
    let cache_kib = cache_mib.saturating_mul(1024);
    conn.execute_batch(&format!(
        "PRAGMA secure_delete = ON;
         PRAGMA synchronous = {synchronous};
         PRAGMA cache_size = -{cache_kib};"
    ))
    .map_err(db)
}

impl Pool {
    /// Opens the writer connection (creating the file when absent, switching it to WAL).
    pub(super) fn open(path: Option<&Path>, options: SqliteOptions) -> Result<Self, Error> {
        let writer = match path {
            Some(p) => Connection::open(p),
            None => Connection::open_in_memory(),
        }
        .map_err(db)?;
        if path.is_some() {
            // Takes effect only on a new, empty file (before WAL mode is set).
            writer
                .execute_batch(&format!("PRAGMA page_size = {};", options.page_size))
                .map_err(db)?;
            let mode: String = writer
                .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
                .map_err(db)?;
            if !mode.eq_ignore_ascii_case("wal") {
                return Err(Error::storage_message(format!(
                    "sqlite: the database refused WAL mode (journal mode {mode})"
                )));
            }
        }
        configure(&writer, &options, options.cache_mib)?;
        writer
            .execute_batch(&format!(
                "PRAGMA wal_autocheckpoint = {};",
                options.checkpoint_pages
            ))
            .map_err(db)?;
        Ok(Self {
            writer: Mutex::new(writer),
            idle: path.map(|_| Mutex::new(Vec::new())),
            path: path.map(Path::to_path_buf),
            options,
        })
    }

    pub(super) fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    pub(super) fn options(&self) -> &SqliteOptions {
        &self.options
    }

    pub(super) fn writer(&self) -> Result<MutexGuard<'_, Connection>, Error> {
        self.writer.lock().map_err(|_| poisoned())
    }

    /// Runs a read on a reader connection: an idle one, or a new one when all are busy (kept
    /// afterwards while fewer than `readers` are idle).
    pub(super) fn read<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let (Some(idle), Some(path)) = (&self.idle, &self.path) else {
            return f(&*self.writer()?);
        };
        if self.options.readers == 0 {
            return f(&*self.writer()?);
        }
        let taken = idle.lock().map_err(|_| poisoned())?.pop();
        let conn = match taken {
            Some(c) => c,
            None => {
                let c = Connection::open(path).map_err(db)?;
                configure(&c, &self.options, 2)?;
                c
            }
        };
        let out = f(&conn);
        let mut idle = idle.lock().map_err(|_| poisoned())?;
        if idle.len() < self.options.readers {
            idle.push(conn);
        }
        out
    }
}
