//! Deal warnings as the CLI prints them: a JSON element, a line of
//! `check`, a cell of the list.

use crate::domain::choices::Choice;
use crate::domain::warnings::Warning;
use crate::text::clean;
use std::fmt::Write;

/// A warning as the JSON outputs give it (the fields in alphabetical
/// order, as a value tree prints them).
#[derive(serde::Serialize)]
pub struct WarningJson {
    kind: &'static str,
    severity: &'static str,
    step: u8,
    why: String,
}

impl From<&Warning> for WarningJson {
    fn from(w: &Warning) -> Self {
        WarningJson {
            kind: w.kind.key(),
            severity: w.severity.key(),
            step: w.step.get(),
            why: clean(&w.why),
        }
    }
}

/// The JSON array of `warnings`.
pub fn json(warnings: &[Warning]) -> Vec<WarningJson> {
    warnings.iter().map(WarningJson::from).collect()
}

/// `check ID`'s lines: one a warning, or that there is none.
pub fn check_lines(text: &mut String, warnings: &[Warning]) {
    if warnings.is_empty() {
        let _ = writeln!(text, "  no warnings");
    }
    for w in warnings {
        let _ = writeln!(
            text,
            "  ! {} {} (step {}): {}",
            w.severity.key(),
            w.kind.key(),
            w.step,
            clean(&w.why)
        );
    }
}
