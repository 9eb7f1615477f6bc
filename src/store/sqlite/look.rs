//! Looking at a database file without writing anything beside it.
//!
//! SQLite's read-only connection to a file in WAL mode creates its `-wal`
//! and `-shm` beside it (with the file's own mode: 0444 ones for a 0444
//! file), and cannot open one that has an unfinished rollback journal. Here
//! the file's header is read first, and a file in WAL mode with no `-wal`
//! (so no writer has it open) is read as `immutable`: nothing is created.
//! Such a read is checked afterwards: when the file changed meanwhile (a
//! writer came along), it is read again through an ordinary connection.

use super::safety::{self, Kind};
use crate::store::files;
use rusqlite::{Connection, ErrorCode, OpenFlags};
use std::path::Path;
use std::time::SystemTime;

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
    if wal_mode && !files::with_suffix(path, "-wal").exists() {
        if let Some(look) = open_immutable(path) {
            return look;
        }
    }
    Ok(Look {
        conn: safety::open_read_only(path)?,
        stamp: None,
    })
}

/// `path` read as immutable (no locks, no journal, nothing created); `None`
/// when its path cannot be given as a URI.
fn open_immutable(path: &Path) -> Option<rusqlite::Result<Look>> {
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

/// What the file at `path` is, read without writing anything beside it;
/// with it, whether it has an unfinished (hot) rollback journal, in which
/// case the file was read as that transaction left it.
pub fn kind(path: &Path) -> rusqlite::Result<(Kind, bool)> {
    let look = open(path)?;
    match safety::classify(&look.conn) {
        Ok(kind) if look.still_true(path) => Ok((kind, false)),
        Ok(_) => Ok((safety::classify(&safety::open_read_only(path)?)?, false)),
        Err(e) if needs_rollback(&e, path) => match open_immutable(path) {
            Some(Ok(raw)) => match safety::classify(&raw.conn) {
                Ok(kind) => Ok((kind, true)),
                Err(_) => Err(e),
            },
            _ => Err(e),
        },
        Err(e) => Err(e),
    }
}
