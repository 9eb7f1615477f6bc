//! How a failure is reported: one line, and the exit status that goes with
//! it. Below both start-up ([`crate::config`]) and the use cases
//! ([`crate::ops`]), which both give failures.

use crate::domain::playbook::PlaybookError;
use crate::domain::step::RuleError;
use crate::store::StoreError;
use crate::text::clean;
use std::process::ExitCode;

/// A failure to report: one line, and the exit status that goes with it.
#[derive(Debug, PartialEq, Eq)]
pub struct Failure {
    /// 1: refused by a rule; 2: bad input or usage, or a database file
    /// qualify cannot or must not use; 0 (with no message): the output's
    /// reader went away, having what it wanted.
    pub status: u8,
    pub message: String,
}

impl Failure {
    pub fn usage(message: impl Into<String>) -> Failure {
        Failure {
            status: 2,
            message: message.into(),
        }
    }

    pub fn refused(message: impl Into<String>) -> Failure {
        Failure {
            status: 1,
            message: message.into(),
        }
    }

    /// The output could not be written. A reader that went away before the
    /// end (`qualify deal list | head -1`) took what it wanted: the command
    /// stops there, quietly and with success; any other failure (a full
    /// disk) is a refusal saying why.
    pub fn cannot_write(e: std::io::Error) -> Failure {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            return Failure {
                status: 0,
                message: String::new(),
            };
        }
        Failure::refused(format!("cannot write the output: {e}"))
    }

    /// Print the one line on stderr (none for a reader that went away) and
    /// give the exit status.
    pub fn report(&self) -> ExitCode {
        if !self.message.is_empty() {
            eprintln!("qualify: {}", clean(&self.message));
        }
        ExitCode::from(self.status)
    }
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Failure {
        let status = match e {
            // a missing reason, note or comment is bad input, not a rule
            StoreError::Rule(
                RuleError::Required(_) | RuleError::TooLong { .. } | RuleError::NoConfirmer { .. },
            ) => 2,
            StoreError::Rule(_)
            | StoreError::Conflict { .. }
            | StoreError::CardChanged { .. }
            | StoreError::Refused(_) => 1,
            // a file qualify cannot or must not use
            StoreError::NotFound(_)
            | StoreError::Invalid(_)
            | StoreError::Open { .. }
            | StoreError::Damaged { .. }
            | StoreError::Database { .. }
            | StoreError::Engine { .. }
            | StoreError::Server { .. } => 2,
        };
        Failure {
            status,
            message: e.to_string(),
        }
    }
}

impl From<PlaybookError> for Failure {
    fn from(e: PlaybookError) -> Failure {
        Failure::usage(e.to_string())
    }
}
