//! SQLite's failures in the store's terms: each error becomes a
//! [`StoreError::Engine`] with SQLite's words and the kind of failure its
//! result code names.

use crate::store::error::{Fault, StoreError};
use rusqlite::ErrorCode;

/// The kind of failure a SQLite error is.
pub(super) fn fault_of(e: &rusqlite::Error) -> Fault {
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

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Engine {
            fault: fault_of(&e),
            message: e.to_string(),
        }
    }
}
