//! What qualify checks before it writes to a database file, and what it does
//! when a file turns out damaged.
//!
//! - The path must be a regular file (or absent, in a folder that exists),
//!   writable, in a writable folder: checked before SQLite sees it, so that
//!   nothing (no journal, no `-wal`) is created beside a file refused.
//! - The file is opened read-only first, without creating anything beside
//!   it (see [`super::look`]), and must be empty, qualify's (marked with
//!   [`APPLICATION_ID`], or recognised by its tables if written before the
//!   mark), not newer than this build, and hold every table, index and
//!   trigger of its schema version. A file refused here is left
//!   byte-for-byte as it was, with nothing beside it.
//! - A file found damaged (SQLite's corruption errors) is remembered by a
//!   marker file beside it, `<file>.damaged`; no write reaches it until
//!   `qualify doctor` finds it sound and removes the marker.
//! - A migration of an existing file is preceded by a backup,
//!   `<file>.pre-v<N>.bak`, and runs in one `BEGIN IMMEDIATE` transaction
//!   that also sets the mark.

use super::errors::fault_of;
use super::look;
pub use super::look::{BUSY_TIMEOUT, open_read_only};
pub use super::marks::{
    clear_damage, damage_marker, damage_noted, migration_backup, note_damage, remember_damage,
};
use super::schema::{self, latest_version};
use crate::store::error::{Fault, Result, StoreError};
use crate::store::files;
use rusqlite::{Connection, ErrorCode, TransactionBehavior};
use std::cell::OnceCell;
use std::path::Path;
use std::sync::mpsc::{Receiver, TryRecvError};
use std::time::Duration;

/// `PRAGMA application_id` of every database qualify writes: "Qual".
pub const APPLICATION_ID: i32 = 0x5175_616C;

fn refuse(path: &Path, reason: impl Into<String>) -> StoreError {
    StoreError::Open {
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}

/// Check `path` before SQLite opens it; nothing is created. Returns whether
/// a file is there. `write` asks for a file qualify may write.
pub fn check_path(path: &Path, write: bool) -> Result<bool> {
    let folder = files::folder_of(path);
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_dir() => Err(refuse(
            path,
            "that is a folder; give a file path such as deals.db",
        )),
        Ok(meta) if !meta.is_file() => Err(refuse(
            path,
            format!(
                "that is {}, not a database file; give --db the path of a file",
                kind_of(&meta)
            ),
        )),
        Ok(_) => {
            if write && !files::writable(path) {
                let mode = files::mode(path).map_or(String::new(), |m| format!(" (mode {m:04o})"));
                return Err(refuse(
                    path,
                    format!(
                        "the file is read-only{mode}; make it writable with `chmod 600 {}`, \
                         or read a copy with --db",
                        path.display()
                    ),
                ));
            }
            if write && !files::writable(folder) {
                return Err(read_only_folder(path, folder));
            }
            Ok(true)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
                return Err(refuse(
                    path,
                    "it is a symlink to a file that does not exist; give --db the real path",
                ));
            }
            if !folder.is_dir() {
                return Err(refuse(
                    path,
                    format!(
                        "the folder {} does not exist; create it first, or give --db a path \
                         in an existing folder",
                        folder.display()
                    ),
                ));
            }
            if write && !files::writable(folder) {
                return Err(read_only_folder(path, folder));
            }
            Ok(false)
        }
        Err(e) => Err(refuse(path, e.to_string())),
    }
}

fn read_only_folder(path: &Path, folder: &Path) -> StoreError {
    refuse(
        path,
        format!(
            "its folder {} is read-only, and qualify keeps its journal beside the database; \
             make the folder writable, or copy the file to a writable folder and use --db",
            folder.display()
        ),
    )
}

#[cfg(unix)]
fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    if t.is_char_device() || t.is_block_device() {
        "a device"
    } else if t.is_fifo() {
        "a named pipe"
    } else if t.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    }
}

#[cfg(not(unix))]
fn kind_of(_: &std::fs::Metadata) -> &'static str {
    "not a regular file"
}

/// What an existing database file is, read without writing anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// No schema at all: qualify may create its own in it.
    Empty,
    /// qualify's, at this schema version; `marked` when it carries the mark.
    Ours { version: usize, marked: bool },
    /// qualify's, written by a newer build.
    Newer { version: usize },
    /// Someone else's: why qualify thinks so.
    Foreign(String),
}

/// Read what the database on `conn` is, from one snapshot (another process
/// may be setting the file up meanwhile).
pub fn classify(conn: &Connection) -> rusqlite::Result<Kind> {
    if conn.is_autocommit() {
        let tx = conn.unchecked_transaction()?;
        return classify(&tx);
    }
    let app: i32 = conn.query_row("PRAGMA application_id", [], |r| r.get(0))?;
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let version = usize::try_from(version).unwrap_or(usize::MAX);
    let mut stmt = conn.prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
         ORDER BY name",
    )?;
    let tables: Vec<String> = stmt
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let objects: i64 = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))?;
    let newer_or = |kind: Kind| {
        if version > latest_version() {
            Kind::Newer { version }
        } else {
            kind
        }
    };
    if app == APPLICATION_ID {
        return Ok(newer_or(if objects == 0 && version == 0 {
            Kind::Empty
        } else {
            Kind::Ours {
                version,
                marked: true,
            }
        }));
    }
    if app != 0 {
        return Ok(Kind::Foreign(format!(
            "it belongs to another program (application id {app:#x})"
        )));
    }
    if objects == 0 {
        return Ok(if version == 0 {
            Kind::Empty
        } else {
            Kind::Foreign(format!(
                "it has no tables but another program set its version to {version}"
            ))
        });
    }
    let strangers: Vec<&String> = tables
        .iter()
        .filter(|t| !schema::TABLES.contains(&t.as_str()))
        .collect();
    let shaped = strangers.is_empty() && version > 0 && looks_like_ours(conn)?;
    if shaped {
        return Ok(newer_or(Kind::Ours {
            version,
            marked: false,
        }));
    }
    let shown: Vec<String> = tables
        .iter()
        .take(4)
        .map(|t| crate::text::clean(t))
        .collect();
    let more = if tables.len() > 4 { ", …" } else { "" };
    Ok(Kind::Foreign(if tables.is_empty() {
        "it holds no qualify tables".to_string()
    } else {
        format!("it holds other tables: {}{more}", shown.join(", "))
    }))
}

/// The first schema's `deals` and `steps` columns are all there.
fn looks_like_ours(conn: &Connection) -> rusqlite::Result<bool> {
    let columns = |table: &str| -> rusqlite::Result<Vec<String>> {
        let mut stmt = conn.prepare("SELECT name FROM pragma_table_info(?1)")?;
        stmt.query_map([table], |r| r.get(0))?.collect()
    };
    let has =
        |found: &[String], wanted: &[&str]| wanted.iter().all(|w| found.iter().any(|f| f == w));
    Ok(has(
        &columns("deals")?,
        &[
            "id",
            "name",
            "account",
            "amount_cents",
            "support_rate_percent",
            "close_date",
            "stage",
            "created_at",
            "updated_at",
            "version",
        ],
    ) && has(
        &columns("steps")?,
        &["deal_id", "number", "status", "actions", "outcomes"],
    ))
}

/// The reason a file of this kind is refused, if it is.
pub fn refusal(kind: &Kind) -> Option<String> {
    match kind {
        Kind::Empty | Kind::Ours { .. } => None,
        Kind::Newer { version } => Some(format!(
            "it was written by a newer qualify (schema version {version}; this qualify knows \
             up to {}); nothing was changed — upgrade qualify to use it",
            latest_version()
        )),
        Kind::Foreign(why) => Some(format!(
            "it is not a qualify database ({why}); nothing was changed — use --db with another path"
        )),
    }
}

/// What the existing file at `path` is, read without creating anything
/// beside it (no `-wal` or `-shm` for a file that is then refused).
/// A file with an unfinished rollback journal is read as that transaction
/// left it (a read-only connection may not roll it back).
pub fn kind_untouched(path: &Path) -> rusqlite::Result<Kind> {
    let seen = look::open(path)?;
    match classify(&seen.conn) {
        Ok(kind) if seen.still_true(path) => Ok(kind),
        Ok(_) => classify(&open_read_only(path)?),
        Err(e) if look::needs_rollback(&e, path) => match look::open_immutable(path) {
            Some(Ok(raw)) => classify(&raw.conn).map_err(|_| e),
            _ => Err(e),
        },
        Err(e) => Err(e),
    }
}

/// Look at the existing file at `path` read-only; refuse it if it is not
/// one qualify may write to.
pub fn inspect(path: &Path) -> Result<Kind> {
    let kind = kind_untouched(path).map_err(|e| {
        if e.sqlite_error_code() == Some(ErrorCode::NotADatabase) {
            refuse(
                path,
                "it is not a SQLite database; nothing was changed — use --db with the path \
                     of a qualify database",
            )
        } else {
            explain(e, path)
        }
    })?;
    if let Some(reason) = refusal(&kind) {
        return Err(refuse(path, reason));
    }
    if let Kind::Ours { version, .. } = kind {
        // (a file with an unfinished transaction is checked once it is undone)
        let missing = match look::open(path).and_then(|l| look::missing_objects(&l.conn, version)) {
            Err(e) if look::needs_rollback(&e, path) => Vec::new(),
            other => other.map_err(|e| explain(e, path))?,
        };
        if !missing.is_empty() {
            return Err(refuse(
                path,
                format!(
                    "it is marked as qualify's (schema version {version}) but {}; nothing was \
                     changed — run `qualify --db {} doctor`",
                    look::missing_text(&missing),
                    path.display()
                ),
            ));
        }
    }
    Ok(kind)
}

/// Whether SQLite says the file is damaged.
pub fn is_damage(e: &rusqlite::Error) -> bool {
    fault_of(e).is_damage()
}

/// A database-level failure as a problem with `path` and the next step;
/// other errors (a constraint, a bug) stay as they are.
pub fn explain(e: impl Into<StoreError>, path: &Path) -> StoreError {
    let e = e.into();
    let StoreError::Engine { fault, message } = &e else {
        return e;
    };
    let db = |problem: &str, next: &str| StoreError::Database {
        path: path.to_path_buf(),
        problem: problem.to_string(),
        next: next.to_string(),
    };
    let folder = files::folder_of(path);
    match fault {
        Fault::Corrupt => StoreError::Damaged {
            path: path.to_path_buf(),
            detail: "the database disk image is malformed".into(),
        },
        Fault::Unreadable => StoreError::Damaged {
            path: path.to_path_buf(),
            detail: message.clone(),
        },
        Fault::NotADatabase => StoreError::Damaged {
            path: path.to_path_buf(),
            detail: "it is not a SQLite database, or its header is damaged".into(),
        },
        Fault::Busy => db(
            &format!(
                "another program held it locked for over {} seconds",
                BUSY_TIMEOUT.as_secs()
            ),
            "try again when the other qualify is done",
        ),
        Fault::DiskFull => db(
            "the disk is full (no room for it, its -wal or its -shm file); nothing was saved",
            "free some space and try again",
        ),
        Fault::ReadOnly if !files::writable(folder) => db(
            &format!("its folder {} is read-only", folder.display()),
            "make the folder writable, or copy the file to a writable folder",
        ),
        Fault::ReadOnly | Fault::PermissionDenied => db(
            "the file cannot be written",
            "check that you own it and may write it (chmod 600)",
        ),
        Fault::CannotOpen => db(
            "the file cannot be opened",
            "check that it and its folder exist and are yours",
        ),
        Fault::Io => db(
            "the system reported an I/O error",
            &format!(
                "check the disk, then run `qualify --db {} doctor`",
                path.display()
            ),
        ),
        Fault::Other => e,
    }
}

/// Switch a new file to WAL. Several processes setting up one new file at
/// once can meet SQLite's deadlock refusal (busy without waiting): retry
/// until the busy timeout.
pub fn switch_to_wal(conn: &Connection) -> rusqlite::Result<String> {
    let deadline = std::time::Instant::now() + BUSY_TIMEOUT;
    let mut pause = 1;
    loop {
        match conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0)) {
            Err(e)
                if e.sqlite_error_code() == Some(ErrorCode::DatabaseBusy)
                    && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(Duration::from_millis(
                    pause + u64::from(std::process::id() % 7),
                ));
                pause = (pause * 2).min(50);
            }
            other => return other,
        }
    }
}

/// Bring the database on `conn` to the latest schema and mark it as
/// qualify's, in one `BEGIN IMMEDIATE` transaction (so that two processes
/// opening a new file do not both migrate it). An existing file is backed
/// up first. Does nothing (and takes no lock) when already done.
pub fn upgrade(conn: &mut Connection, path: Option<&Path>) -> Result<()> {
    let up_to_date = |conn: &Connection| -> rusqlite::Result<bool> {
        let app: i32 = conn.query_row("PRAGMA application_id", [], |r| r.get(0))?;
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        Ok(app == APPLICATION_ID && version == latest_version() as i64)
    };
    if up_to_date(conn)? {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    // another process may have done it while this one waited
    if up_to_date(&tx)? {
        return Ok(());
    }
    let kind = classify(&tx)?;
    if let Some(reason) = refusal(&kind) {
        return Err(refuse(path.unwrap_or(Path::new(":memory:")), reason));
    }
    let version = match kind {
        Kind::Ours { version, .. } => version,
        _ => 0,
    };
    let latest = latest_version();
    if let Some(path) = path
        && version > 0
        && version < latest
    {
        // read through a second connection: this one holds the write lock,
        // so the copy is exactly the file as it is before the migration
        let target = migration_backup(path, latest);
        let source = open_read_only(path)?;
        backup(&source, &target).map_err(|e| {
            refuse(
                path,
                format!(
                    "could not back it up to {} before upgrading it ({e}); nothing was changed",
                    target.display()
                ),
            )
        })?;
        tracing::info!(
            "backed up {} to {} before upgrading it from schema {version} to {latest}",
            path.display(),
            target.display()
        );
    }
    for sql in schema::pending(version) {
        tx.execute_batch(sql)?;
    }
    tx.pragma_update(None, "user_version", latest as i64)?;
    tx.pragma_update(None, "application_id", APPLICATION_ID)?;
    tx.commit()?;
    Ok(())
}

/// Why a backup could not be written.
#[derive(Debug)]
pub enum BackupError {
    Io(std::io::Error),
    Sql(rusqlite::Error),
    /// The copy was written but does not check out.
    Unsound(String),
    /// A value in the copy cannot be read: the source is damaged.
    Damaged(String),
}

impl std::fmt::Display for BackupError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BackupError::Io(e) => write!(f, "{e}"),
            BackupError::Sql(e) => write!(f, "{e}"),
            BackupError::Unsound(why) => write!(f, "the copy does not check out: {why}"),
            BackupError::Damaged(why) => write!(f, "the database is damaged ({why})"),
        }
    }
}

impl From<std::io::Error> for BackupError {
    fn from(e: std::io::Error) -> Self {
        BackupError::Io(e)
    }
}

impl From<rusqlite::Error> for BackupError {
    fn from(e: rusqlite::Error) -> Self {
        BackupError::Sql(e)
    }
}

/// Write a consistent copy of the database on `source` to `target`: `VACUUM
/// INTO` a private temporary file beside `target`, checked, flushed and
/// renamed into place (a symlink at `target` is replaced, not followed).
pub fn backup(source: &Connection, target: &Path) -> Result<(), BackupError> {
    copy(source, target, None)
}

/// [`backup`], with `read` reading the copy before it is kept: a copy
/// holding a value that cannot be read (damaged content) is refused.
pub fn backup_checked(
    source: &Connection,
    target: &Path,
    read: ReadCopy<'_>,
) -> Result<(), BackupError> {
    copy(source, target, Some(read))
}

/// Reads a backup's copy through before it is kept.
pub type ReadCopy<'a> = &'a dyn Fn(&Connection) -> Result<()>;

fn copy(source: &Connection, target: &Path, read: Option<ReadCopy<'_>>) -> Result<(), BackupError> {
    if std::fs::metadata(target).is_ok_and(|m| m.is_dir()) {
        return Err(BackupError::Io(std::io::Error::other(
            "that is a folder; give a file path",
        )));
    }
    let (temp, file) = files::temp_beside(target)?;
    drop(file);
    let result = (|| {
        let name = temp
            .to_str()
            .ok_or_else(|| std::io::Error::other("the path is not valid UTF-8"))?;
        source.execute("VACUUM INTO ?1", [name])?;
        {
            let copy = open_read_only(&temp)?;
            let verdict: String = copy.query_row("PRAGMA quick_check", [], |r| r.get(0))?;
            if verdict != "ok" {
                return Err(BackupError::Unsound(verdict));
            }
            if let Some(read) = read {
                read(&copy).map_err(|e| match e {
                    StoreError::Engine { fault, message } if fault.is_damage() => {
                        BackupError::Damaged(message)
                    }
                    other => BackupError::Unsound(other.to_string()),
                })?;
            }
        }
        files::finish(&temp, target)?;
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
        let _ = std::fs::remove_file(files::with_suffix(&temp, "-journal"));
    }
    result
}

/// The store's watch over its file: whether it was found damaged, and the
/// background check the TUI starts.
#[derive(Default)]
pub struct Watch {
    /// Set once the file is found damaged: from then on nothing is written.
    damage: OnceCell<String>,
    check: Option<Receiver<Option<String>>>,
}

impl Watch {
    pub fn damaged(detail: String) -> Watch {
        Watch {
            damage: OnceCell::from(detail),
            check: None,
        }
    }

    pub fn damage(&self) -> Option<&str> {
        self.damage.get().map(String::as_str)
    }

    /// Record that the file at `path` is damaged (first finding wins).
    pub fn found_damage(&self, conn: &Connection, path: &Path, detail: &str) {
        if self.damage.set(detail.to_string()).is_ok() {
            // closing must not copy the log into a damaged file
            let _ = conn.set_db_config(
                rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
                true,
            );
            note_damage(path, detail);
            tracing::error!("{} is damaged: {detail}", path.display());
        }
    }

    /// Refuse a write if the file was found damaged, here or by any other
    /// qualify since this one opened it.
    pub fn allow_write(&self, conn: &Connection, path: Option<&Path>) -> Result<()> {
        let Some(path) = path else { return Ok(()) };
        if self.damage.get().is_none()
            && let Some(detail) = damage_noted(path)
        {
            self.found_damage(conn, path, &detail);
        }
        match self.damage.get() {
            Some(detail) => Err(StoreError::Damaged {
                path: path.to_path_buf(),
                detail: detail.clone(),
            }),
            None => Ok(()),
        }
    }

    /// Start `PRAGMA quick_check` of `path` on a thread of its own, with its
    /// own read-only connection.
    pub fn start_check(&mut self, path: &Path) {
        let (send, receive) = std::sync::mpsc::channel();
        let path = path.to_path_buf();
        let spawned = std::thread::Builder::new()
            .name("quick_check".into())
            .spawn(move || {
                let verdict = open_read_only(&path).and_then(|conn| {
                    conn.query_row("PRAGMA quick_check", [], |r| r.get::<_, String>(0))
                });
                let problem = match verdict {
                    Ok(v) if v == "ok" => None,
                    Ok(v) => Some(format!("the check found: {v}")),
                    Err(e) if is_damage(&e) => Some(e.to_string()),
                    Err(e) => {
                        tracing::warn!("the background check could not run: {e}");
                        None
                    }
                };
                let _ = send.send(problem);
            });
        if spawned.is_ok() {
            self.check = Some(receive);
        }
    }

    pub fn checking(&self) -> bool {
        self.check.is_some()
    }

    /// The background check's finding, once it is done: `Some` when it found
    /// the file damaged (now remembered).
    pub fn check_result(&mut self, conn: &Connection, path: Option<&Path>) -> Option<String> {
        let receive = self.check.as_ref()?;
        let problem = match receive.try_recv() {
            Ok(problem) => problem,
            Err(TryRecvError::Empty) => return None,
            Err(TryRecvError::Disconnected) => None,
        };
        self.check = None;
        let (problem, path) = (problem?, path?);
        self.found_damage(conn, path, &problem);
        Some(problem)
    }
}
