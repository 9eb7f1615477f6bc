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
    /// A failure the engine reported that the store has no words of its own
    /// for (a constraint, a bug), in the engine's words, with the kind of
    /// failure it is (which the engine may explain further, as a file's
    /// [`StoreError::Database`] or [`StoreError::Damaged`]).
    Engine {
        fault: Fault,
        message: String,
    },
    /// The server (PostgreSQL) cannot be used as it is: unreachable, a
    /// refused login, no or another schema; with what to do.
    Server {
        server: String,
        problem: String,
        next: String,
    },
    /// The server refused the change for this login (its row rules).
    Refused(String),
}

/// The kind of failure an engine reported, in terms every engine can give
/// (SQLite's result codes, PostgreSQL's error classes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The stored data is damaged.
    Corrupt,
    /// A stored value cannot be read as what it should be (content that is
    /// not valid JSON, a column holding a value of the wrong kind): the
    /// file's pages hold together, but what is in them is damaged.
    Unreadable,
    /// What is there is not this engine's database (or its header is damaged).
    NotADatabase,
    /// Another writer held a lock for longer than the store waits.
    Busy,
    /// No space is left to write in.
    DiskFull,
    /// The data, or where it is kept, may not be written.
    ReadOnly,
    /// This user may not reach the data.
    PermissionDenied,
    /// The data could not be opened or reached.
    CannotOpen,
    /// The system reported an I/O error.
    Io,
    /// Anything else: the engine's words are all there is.
    Other,
}

impl Fault {
    /// Whether the stored data is found damaged.
    pub fn is_damage(self) -> bool {
        matches!(
            self,
            Fault::Corrupt | Fault::Unreadable | Fault::NotADatabase
        )
    }
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
            StoreError::Engine { message, .. } => write!(f, "database error: {message}"),
            StoreError::Server {
                server,
                problem,
                next,
            } => write!(
                f,
                "the server {} {}; {}",
                crate::text::clean(server),
                crate::text::clean(problem),
                crate::text::clean(next)
            ),
            StoreError::Refused(message) => write!(f, "{}", crate::text::clean(message)),
        }
    }
}

impl std::error::Error for StoreError {}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
