//! Looking at a database file without writing anything beside it.
//!
//! SQLite's read-only connection to a file in WAL mode creates its `-wal`
//! and `-shm` beside it (with the file's own mode: 0444 ones for a 0444
//! file), and cannot open one that has an unfinished rollback journal. Here
//! the file's header is read first, and a file in WAL mode with no `-wal`
//! (so no writer has it open) is read as `immutable`: nothing is created.
//! Such a read is checked afterwards: when the file changed meanwhile (a
//! writer came along), it is read again through an ordinary connection.

use super::schema;
use crate::store::files;
use rusqlite::{Connection, ErrorCode, OpenFlags};
use std::path::Path;
use std::time::{Duration, SystemTime};

/// How long a writer waits for another to finish: longer than the largest
/// import, so that concurrent writers queue instead of failing.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(120);

/// Open `path` read-only (nothing is written, no journal mode changed).
pub fn open_read_only(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    Ok(conn)
}

/// What the first 100 bytes of a SQLite file say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// In WAL mode (read and write versions 2).
    pub wal: bool,
    pub user_version: i64,
    pub application_id: i32,
}

/// The header of the SQLite file at `path`; `None` when it is shorter
/// than a header or is not SQLite.
pub fn header(path: &Path) -> Option<Header> {
    use std::io::Read;
    let mut bytes = [0u8; 100];
    std::fs::File::open(path)
        .ok()?
        .read_exact(&mut bytes)
        .ok()?;
    if &bytes[..16] != b"SQLite format 3\0" {
        return None;
    }
    let int =
        |at: usize| i32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
    Some(Header {
        wal: bytes[18] == 2 || bytes[19] == 2,
        user_version: i64::from(int(60)),
        application_id: int(68),
    })
}

/// The rollback journal beside `path`, if there is one (a writer is in a
/// transaction, or one was stopped midway and left it "hot").
pub fn journal_beside(path: &Path) -> Option<std::path::PathBuf> {
    let journal = files::with_suffix(path, "-journal");
    std::fs::metadata(&journal)
        .is_ok_and(|m| m.is_file() && m.len() > 0)
        .then_some(journal)
}

/// What is known of the file when it was read as immutable.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Stamp {
    len: u64,
    modified: Option<SystemTime>,
}

fn stamp(path: &Path) -> Option<Stamp> {
    let meta = std::fs::metadata(path).ok()?;
    Some(Stamp {
        len: meta.len(),
        modified: meta.modified().ok(),
    })
}

/// A read-only connection that wrote nothing beside the file.
pub struct Look {
    pub conn: Connection,
    /// Set when the file was read as immutable: what it was then.
    stamp: Option<Stamp>,
}

impl Look {
    /// An ordinary read-only connection, as a [`Look`].
    pub fn plain(conn: Connection) -> Look {
        Look { conn, stamp: None }
    }

    /// Whether what was read through this connection is the file as it is:
    /// always for an ordinary connection; for an immutable read, when no
    /// writer came along meanwhile.
    pub fn still_true(&self, path: &Path) -> bool {
        match &self.stamp {
            None => true,
            Some(before) => {
                stamp(path).as_ref() == Some(before) && !files::with_suffix(path, "-wal").exists()
            }
        }
    }
}

/// Open `path` read-only without creating anything beside it where that can
/// be done (see the module's notes).
pub fn open(path: &Path) -> rusqlite::Result<Look> {
    let wal_mode = header(path).is_some_and(|h| h.wal);
    if wal_mode
        && !files::with_suffix(path, "-wal").exists()
        && let Some(look) = open_immutable(path)
    {
        return look;
    }
    Ok(Look {
        conn: open_read_only(path)?,
        stamp: None,
    })
}

/// `path` read as immutable (no locks, no journal, nothing created); `None`
/// when its path cannot be given as a URI.
pub fn open_immutable(path: &Path) -> Option<rusqlite::Result<Look>> {
    let absolute = std::path::absolute(path).ok()?;
    let text = absolute.to_str()?;
    let mut uri = String::from("file:");
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"/-._~".contains(&byte) {
            uri.push(char::from(byte));
        } else {
            uri.push_str(&format!("%{byte:02X}"));
        }
    }
    uri.push_str("?immutable=1");
    let before = stamp(path)?;
    let opened = Connection::open_with_flags(
        &uri,
        OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    );
    Some(opened.map(|conn| Look {
        conn,
        stamp: Some(before),
    }))
}

/// Whether `e` is SQLite refusing to read a file whose unfinished rollback
/// journal it may not roll back (a read-only connection).
pub fn needs_rollback(e: &rusqlite::Error, path: &Path) -> bool {
    e.sqlite_error_code() == Some(ErrorCode::ReadOnly) && journal_beside(path).is_some()
}

/// The tables, indexes and triggers qualify's schema `version` has that the
/// database on `conn` lacks (a recovery that stopped early leaves them out).
pub fn missing_objects(conn: &Connection, version: usize) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare("SELECT type || ' ' || name FROM sqlite_master")?;
    let found: Vec<String> = stmt
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(schema::objects_at(version)
        .into_iter()
        .filter(|o| !found.contains(o))
        .collect())
}

/// Missing objects in words: "its tables deals, steps, … are missing (12 of 40 objects)".
pub fn missing_text(missing: &[String]) -> String {
    let tables: Vec<&str> = missing
        .iter()
        .filter_map(|o| o.strip_prefix("table "))
        .collect();
    let (what, names): (&str, Vec<&str>) = if tables.is_empty() {
        ("its", missing.iter().map(String::as_str).collect())
    } else {
        ("its tables", tables)
    };
    let shown: Vec<String> = names
        .iter()
        .take(5)
        .map(|n| crate::text::clean(n))
        .collect();
    let more = if names.len() > 5 { ", …" } else { "" };
    format!(
        "{what} {}{more} {} missing ({} of qualify's tables, indexes and triggers)",
        shown.join(", "),
        if names.len() == 1 { "is" } else { "are" },
        missing.len()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wal_file_is_read_as_it_lies_and_a_writer_coming_along_is_seen() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("weird name?#%.db");
        let conn = Connection::open(&db).unwrap();
        conn.execute_batch("PRAGMA journal_mode = WAL; CREATE TABLE t (x);")
            .unwrap();
        drop(conn);
        assert!(header(&db).is_some_and(|h| h.wal));
        let seen = open(&db).unwrap();
        let tables: i64 = seen
            .conn
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
            .unwrap();
        assert_eq!(tables, 1);
        assert!(seen.still_true(&db));
        let names = |dir: &Path| std::fs::read_dir(dir).unwrap().count();
        assert_eq!(names(dir.path()), 1, "nothing beside it");

        let writer = Connection::open(&db).unwrap();
        writer.execute("INSERT INTO t VALUES (1)", []).unwrap();
        assert!(!seen.still_true(&db), "a writer came along");
        drop(writer);
        assert!(!seen.still_true(&db), "and its checkpoint changed the file");
    }
}
