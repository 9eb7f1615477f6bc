//! SQLite's failures in the store's terms: each error becomes a
//! [`StoreError::Engine`] with SQLite's words and the kind of failure its
//! result code names.

use crate::store::error::{Fault, StoreError};
use rusqlite::{Error, ErrorCode, ffi};

/// The kind of failure a SQLite error is. A stored value that cannot be
/// converted to what qualify wrote there (invalid JSON content, text that is
/// not UTF-8, a column of the wrong kind or out of range) is damage too.
pub(super) fn fault_of(e: &Error) -> Fault {
    if unreadable(e).is_some() {
        return Fault::Unreadable;
    }
    if let Error::SqliteFailure(f, _) = e
        && no_room_for_shared_memory(f.extended_code)
    {
        return Fault::DiskFull;
    }
    match e.sqlite_error_code() {
        Some(ErrorCode::DatabaseCorrupt) => Fault::Corrupt,
        Some(ErrorCode::NotADatabase) => Fault::NotADatabase,
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => Fault::Busy,
        Some(ErrorCode::DiskFull) => Fault::DiskFull,
        Some(ErrorCode::ReadOnly) => Fault::ReadOnly,
        Some(ErrorCode::PermissionDenied) => Fault::PermissionDenied,
        Some(ErrorCode::CannotOpen) => Fault::CannotOpen,
        Some(ErrorCode::SystemIoFailure) => Fault::Io,
        _ => Fault::Other,
    }
}

/// SQLite's I/O errors that, for the `-shm` file, mean the disk has no room
/// for it: growing it (`SQLITE_IOERR_SHMSIZE`, a write of one byte per
/// page, fails only when no block can be had) and mapping it
/// (`SQLITE_IOERR_SHMMAP`, on a file that could not be grown).
fn no_room_for_shared_memory(extended: i32) -> bool {
    extended == ffi::SQLITE_IOERR_SHMSIZE || extended == ffi::SQLITE_IOERR_SHMMAP
}

/// What was wrong with a stored value that could not be read, if that is
/// what `e` is.
fn unreadable(e: &Error) -> Option<String> {
    match e {
        Error::FromSqlConversionFailure(_, _, why) => Some(why.to_string()),
        Error::IntegralValueOutOfRange(column, value) => {
            Some(format!("column {column} holds {value}, out of range"))
        }
        Error::Utf8Error(..) => Some("a stored text is not valid UTF-8".into()),
        Error::InvalidColumnType(_, name, kind) => Some(format!(
            "column {name} holds a value of the wrong kind ({kind})"
        )),
        _ => None,
    }
}

impl From<Error> for StoreError {
    fn from(e: Error) -> Self {
        let fault = fault_of(&e);
        let message = match unreadable(&e) {
            Some(why) => format!("a stored value cannot be read: {why}"),
            None => e.to_string(),
        };
        StoreError::Engine { fault, message }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn io(extended: i32) -> Error {
        Error::SqliteFailure(ffi::Error::new(extended), None)
    }

    #[test]
    fn no_room_for_the_shared_memory_file_is_a_full_disk() {
        assert_eq!(fault_of(&io(ffi::SQLITE_IOERR_SHMSIZE)), Fault::DiskFull);
        assert_eq!(fault_of(&io(ffi::SQLITE_IOERR_SHMMAP)), Fault::DiskFull);
        assert_eq!(fault_of(&io(ffi::SQLITE_FULL)), Fault::DiskFull);
        assert_eq!(fault_of(&io(ffi::SQLITE_IOERR_READ)), Fault::Io);
    }

    #[test]
    fn a_stored_value_that_cannot_be_read_is_damage() {
        let bad = Error::FromSqlConversionFailure(
            0,
            rusqlite::types::Type::Text,
            "control character found".into(),
        );
        assert_eq!(fault_of(&bad), Fault::Unreadable);
        assert!(fault_of(&bad).is_damage());
        let StoreError::Engine { message, .. } = StoreError::from(bad) else {
            panic!("an engine error");
        };
        assert!(message.contains("control character found"), "{message}");
        assert!(fault_of(&Error::IntegralValueOutOfRange(2, 300)).is_damage());
    }
}
