//! What every screen works with, below the screens and the app that routes
//! between them: the session and how things look (`Ctx`), what a render
//! reads besides its own state (`Look`), and the one-line message in the
//! footer (`Status`). Screens import this, never the app.

use super::theme::Theme;
use crate::domain::playbook::Playbook;
use crate::ops::Session;

/// What the screens' `update`s work with: the use cases' session, and
/// how things look.
pub struct Ctx {
    pub session: Session,
    pub theme: Theme,
    /// Where the data is kept, as shown to the user.
    pub db_label: String,
}

/// What the screens' renders read besides their own state.
#[derive(Clone, Copy)]
pub struct Look<'a> {
    pub playbook: &'a Playbook,
    pub theme: &'a Theme,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Info,
    Warn,
    Error,
}

/// A change refused because the deal moved on since the screen read it.
pub const CHANGED_ELSEWHERE: &str =
    "This deal was changed elsewhere and has been reloaded; try again";

/// The one-line message in the footer, until the next key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub text: String,
    pub tone: Tone,
}

impl Status {
    pub fn info(text: impl Into<String>) -> Status {
        Status {
            text: text.into(),
            tone: Tone::Info,
        }
    }
    pub fn warn(text: impl Into<String>) -> Status {
        Status {
            text: text.into(),
            tone: Tone::Warn,
        }
    }
    pub fn error(text: impl Into<String>) -> Status {
        Status {
            text: text.into(),
            tone: Tone::Error,
        }
    }
}
