//! The SQLite connection: opening (or creating) the file, the one
//! `BEGIN IMMEDIATE` transaction every write runs in, database-level
//! failures named with the file and the next step, and the watch that keeps
//! a damaged file from being written.

use super::safety;
use crate::store::error::{Result, StoreError};
use crate::store::files;
use crate::store::{LockWait, Summarizer};
use rusqlite::{Connection, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Which rows a deal's write finds: none (a deal just inserted, whose rows
/// are plain inserts, which SQLite writes without a statement journal) or
/// some (each row inserted or updated).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Rows {
    New,
    Existing,
}

/// The SQLite engine: one connection to one file (or to memory).
pub struct Store {
    pub(super) conn: Connection,
    pub(super) path: Option<PathBuf>,
    /// Who the audit trail says made the changes.
    pub(super) actor: String,
    /// Fills the pipeline summary in each change's transaction.
    pub(super) summarize: Option<Summarizer>,
    /// Whether the file was found damaged; the background check.
    pub(super) watch: safety::Watch,
    /// Told before a write waits for another program's write lock.
    pub(super) lock_wait: Option<LockWait>,
}

impl Store {
    /// Open (or create) the database at `path`, whose folder must exist. The
    /// file is 0600 (tightened if looser), since it holds customer data. A
    /// file that is not qualify's, or is newer than this build, is refused
    /// untouched (see [`safety`]); one found damaged opens read-only.
    pub fn open(path: &Path) -> Result<Store> {
        let fail = |reason: String| StoreError::Open {
            path: path.to_path_buf(),
            reason,
        };
        let exists = safety::check_path(path, true)?;
        if let Some(detail) = safety::damage_noted(path) {
            return Store::open_damaged(path, detail);
        }
        if exists && std::fs::metadata(path).is_ok_and(|m| m.len() > 0) {
            match safety::inspect(path) {
                Ok(_) => {}
                Err(StoreError::Damaged { detail, .. }) => {
                    safety::note_damage(path, &detail);
                    return Store::open_damaged(path, detail);
                }
                Err(e) => return Err(e),
            }
        }
        files::create_private_file(path).map_err(|e| fail(e.to_string()))?;
        for file in [
            path.to_path_buf(),
            files::with_suffix(path, "-wal"),
            files::with_suffix(path, "-shm"),
        ] {
            files::tighten(&file, 0o600).map_err(|e| fail(e.to_string()))?;
        }
        let opened = Connection::open_with_flags(
            path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(StoreError::from)
        .and_then(|conn| Store::init(conn, Some(path.to_path_buf())));
        match opened {
            Err(e @ StoreError::Engine { .. }) => match safety::explain(e, path) {
                StoreError::Damaged { detail, .. } => {
                    safety::note_damage(path, &detail);
                    Store::open_damaged(path, detail)
                }
                other => Err(other),
            },
            other => other,
        }
    }

    /// A file found damaged: opened read-only, never migrated or written.
    fn open_damaged(path: &Path, detail: String) -> Result<Store> {
        let conn = safety::open_read_only(path).map_err(|_| StoreError::Damaged {
            path: path.to_path_buf(),
            detail: detail.clone(),
        })?;
        Ok(Store {
            conn,
            path: Some(path.to_path_buf()),
            actor: "unknown".into(),
            summarize: None,
            watch: safety::Watch::damaged(detail),
            lock_wait: None,
        })
    }

    /// A private database in memory (tests and benchmarks).
    pub fn open_in_memory() -> Result<Store> {
        Store::init(Connection::open_in_memory()?, None)
    }

    fn init(mut conn: Connection, path: Option<PathBuf>) -> Result<Store> {
        conn.busy_timeout(safety::BUSY_TIMEOUT)?;
        if path.is_some() {
            let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
            let mode = if mode.eq_ignore_ascii_case("wal") {
                mode
            } else {
                safety::switch_to_wal(&conn)?
            };
            if !mode.eq_ignore_ascii_case("wal") {
                return Err(StoreError::Open {
                    path: path.unwrap_or_default(),
                    reason: format!("could not switch to WAL journal mode (got {mode})"),
                });
            }
        }
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        safety::upgrade(&mut conn, path.as_deref())?;
        Ok(Store {
            conn,
            path,
            actor: "unknown".into(),
            summarize: None,
            watch: safety::Watch::default(),
            lock_wait: None,
        })
    }

    /// How each deal's pipeline row is computed when it is written.
    pub fn set_summarizer(&mut self, summarize: Summarizer) {
        self.summarize = Some(summarize);
    }

    /// Why the file is not to be written to, once it was found damaged.
    pub fn damage(&self) -> Option<&str> {
        self.watch.damage()
    }

    /// Call `waiting` whenever a write finds another program holding the
    /// write lock, before it waits for it.
    pub fn on_lock_wait(&mut self, waiting: LockWait) {
        self.lock_wait = Some(waiting);
    }

    /// With someone to tell: whether another program holds the write lock
    /// now (asked without waiting); if so, they are told.
    pub(super) fn tell_if_locked(&self) {
        let (Some(tell), Some(_)) = (&self.lock_wait, &self.path) else {
            return;
        };
        if !self.conn.is_autocommit() || self.conn.busy_timeout(Duration::ZERO).is_err() {
            return;
        }
        let busy = match self.conn.execute_batch("BEGIN IMMEDIATE") {
            Ok(()) => {
                let _ = self.conn.execute_batch("ROLLBACK");
                false
            }
            Err(e) => super::errors::fault_of(&e) == crate::store::error::Fault::Busy,
        };
        let _ = self.conn.busy_timeout(safety::BUSY_TIMEOUT);
        if busy {
            tell();
        }
    }

    /// Start `PRAGMA quick_check` in the background (the TUI, after start):
    /// see [`Store::background_check`].
    pub fn start_background_check(&mut self) {
        if let Some(path) = &self.path {
            self.watch.start_check(path);
        }
    }

    /// Whether the background check is still running.
    pub fn checking(&self) -> bool {
        self.watch.checking()
    }

    /// The background check's finding once it is done: `Some(problem)` when
    /// it found the file damaged (from then on nothing is written).
    pub fn background_check(&mut self) -> Option<String> {
        self.watch.check_result(&self.conn, self.path.as_deref())
    }

    /// Database-level failures name the file and the next step; a damaged
    /// file is remembered so that nothing more is written to it.
    pub(super) fn checked<T>(&self, result: Result<T>) -> Result<T> {
        let (Err(StoreError::Engine { fault, .. }), Some(path)) = (&result, &self.path) else {
            return result;
        };
        let damaged = fault.is_damage();
        let Err(e) = result else { unreachable!() };
        let explained = safety::explain(e, path);
        if damaged && let StoreError::Damaged { detail, .. } = &explained {
            self.watch.found_damage(&self.conn, path, detail);
        }
        Err(explained)
    }

    /// Name the person whose changes these are (the audit trail's "who").
    pub fn set_actor(&mut self, who: &str) {
        self.actor = who.trim().to_string();
    }

    pub fn actor(&self) -> &str {
        &self.actor
    }

    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Run `f` inside one `BEGIN IMMEDIATE` transaction: all or nothing.
    /// Refused once the file was found damaged.
    pub(super) fn write<T>(
        &mut self,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T>,
    ) -> Result<T> {
        self.write_with(|tx, _| f(tx))
    }

    /// [`Store::write`], handing `f` the pipeline summarizer too.
    pub(super) fn write_with<T>(
        &mut self,
        f: impl FnOnce(&rusqlite::Transaction<'_>, Option<&Summarizer>) -> Result<T>,
    ) -> Result<T> {
        self.watch.allow_write(&self.conn, self.path.as_deref())?;
        self.tell_if_locked();
        let summarize = self.summarize.as_ref();
        let result = (|| {
            let (tx, last) = begin(&mut self.conn)?;
            let value = f(&tx, summarize)?;
            commit(tx, last)?;
            Ok(value)
        })();
        self.checked(result)
    }

    /// SQLite's count of changes committed by other connections: when it
    /// moves, someone else wrote to the file.
    pub fn data_version(&self) -> Result<i64> {
        let result = (|| -> Result<i64> {
            Ok(self
                .conn
                .query_row("PRAGMA data_version", [], |r| r.get(0))?)
        })();
        self.checked(result)
    }

    /// `PRAGMA integrity_check`'s verdict ("ok" when healthy).
    pub fn integrity_check(&self) -> Result<String> {
        Ok(self
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))?)
    }

    pub fn journal_mode(&self) -> Result<String> {
        Ok(self
            .conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))?)
    }
}

/// Begin a writing transaction (`BEGIN IMMEDIATE`); with it, the last
/// deal id so far, for [`commit`].
pub(super) fn begin(conn: &mut Connection) -> rusqlite::Result<(rusqlite::Transaction<'_>, i64)> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let last = tx
        .prepare_cached("SELECT coalesce(max(id), 0) FROM deals")?
        .query_row([], |r| r.get(0))?;
    Ok((tx, last))
}

/// Commit a transaction [`begin`] opened, first adding the deals it
/// created (those past `last`) to the search index in one statement. A
/// deal created and then renamed in the same transaction is already there
/// (the rename's trigger put it there).
pub(super) fn commit(tx: rusqlite::Transaction<'_>, last: i64) -> rusqlite::Result<()> {
    let newest: i64 = tx
        .prepare_cached("SELECT coalesce(max(id), 0) FROM deals")?
        .query_row([], |r| r.get(0))?;
    let mut index = tx.prepare_cached(
        "INSERT INTO deal_search (rowid, name, account, owner)
         SELECT d.id, d.name, d.account, d.owner FROM deals d
         WHERE d.id > ?1 AND d.id <= ?2
            AND NOT EXISTS (SELECT 1 FROM deal_search s WHERE s.rowid = d.id)",
    )?;
    // a few thousand deals a statement: each statement's journal (kept in
    // memory during bulk writes) holds only the pages that one changes
    let mut from = last;
    while from < newest {
        let to = newest.min(from + 5_000);
        index.execute([from, to])?;
        from = to;
    }
    drop(index);
    tx.commit()
}
