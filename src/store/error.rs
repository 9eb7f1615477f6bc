//! What can go wrong in the store, in words a person can act on.

use crate::domain::deal::{DealId, FieldError};
use crate::domain::step::RuleError;
use std::fmt;
use std::path::PathBuf;

#[derive(Debug)]
pub enum StoreError {
    /// The database file could not be opened or created.
    Open {
        path: PathBuf,
        reason: String,
    },
    NotFound(DealId),
    /// Someone else changed the deal since it was read.
    Conflict {
        id: DealId,
        expected: i64,
        found: i64,
    },
    /// A battle card changed since it was read.
    CardChanged {
        competitor: String,
    },
    Rule(RuleError),
    Invalid(Vec<FieldError>),
    /// The file was found damaged (now or earlier): nothing is written to it
    /// until `qualify doctor` finds it sound.
    Damaged {
        path: PathBuf,
        detail: String,
    },
    /// A database-level failure (disk full, locked, read-only …) and what to do.
    Database {
        path: PathBuf,
        problem: String,
        next: String,
    },
    Sql(rusqlite::Error),
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Open { path, reason } => {
                write!(
                    f,
                    "cannot open the database {}: {reason}",
                    crate::text::clean(&path.display().to_string())
                )
            }
            StoreError::NotFound(id) => write!(
                f,
                "no deal with id {id} (`qualify deal list` shows the ids)"
            ),
            StoreError::Conflict { id, .. } => {
                write!(
                    f,
                    "deal {id} was changed elsewhere since it was read; reload it and try again"
                )
            }
            StoreError::CardChanged { competitor } => write!(
                f,
                "the battle card for {} was changed elsewhere since it was read; show it again and redo the change",
                crate::text::clean(competitor)
            ),
            StoreError::Rule(e) => write!(f, "{e}"),
            StoreError::Invalid(errors) => {
                let parts: Vec<String> = errors.iter().map(ToString::to_string).collect();
                write!(f, "{}", parts.join("; "))
            }
            StoreError::Damaged { path, detail } => {
                let path = crate::text::clean(&path.display().to_string());
                write!(
                    f,
                    "the database {path} is damaged ({}); qualify will not write to it — \
                     run `qualify --db {path} doctor`",
                    crate::text::clean(detail)
                )
            }
            StoreError::Database {
                path,
                problem,
                next,
            } => write!(
                f,
                "the database {}: {}; {}",
                crate::text::clean(&path.display().to_string()),
                crate::text::clean(problem),
                crate::text::clean(next)
            ),
            StoreError::Sql(e) => write!(f, "database error: {e}"),
        }
    }
}

impl std::error::Error for StoreError {}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Sql(e)
    }
}

impl From<rusqlite_migration::Error> for StoreError {
    fn from(e: rusqlite_migration::Error) -> Self {
        match e {
            rusqlite_migration::Error::RusqliteError { err, .. } => StoreError::Sql(err),
            other => StoreError::Open {
                path: PathBuf::new(),
                reason: other.to_string(),
            },
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
