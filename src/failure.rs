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
    /// qualify cannot or must not use.
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

    /// Print the one line on stderr and give the exit status.
    pub fn report(&self) -> ExitCode {
        eprintln!("qualify: {}", clean(&self.message));
        ExitCode::from(self.status)
    }
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Failure {
        let status = match e {
            // a missing reason, note or comment is bad input, not a rule
            StoreError::Rule(RuleError::Required(_) | RuleError::TooLong { .. }) => 2,
            StoreError::Rule(_) | StoreError::Conflict { .. } | StoreError::CardChanged { .. } => 1,
            // a file qualify cannot or must not use
            StoreError::NotFound(_)
            | StoreError::Invalid(_)
            | StoreError::Open { .. }
            | StoreError::Damaged { .. }
            | StoreError::Database { .. }
            | StoreError::Engine { .. } => 2,
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
