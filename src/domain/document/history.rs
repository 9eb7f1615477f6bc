//! A deal's history as a document carries it (`deal export --history`):
//! one row per recorded change, oldest first, each with when, who, which
//! field, and the value before and after, as the store keeps them. Rows
//! are only history: a sign-off is never made from one.

use crate::domain::bounds::{Bounds, PathError};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One row of a deal's history, every key required.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HistoryRow {
    pub at: DateTime<Utc>,
    pub who: String,
    /// Where, as a JSON path of the deal (`steps[2].status`), or `deal`.
    pub field: String,
    pub before: String,
    pub after: String,
}

/// The problems of a document's history rows, each named by its path
/// (`history[3].who`).
pub(super) fn check(rows: &[HistoryRow]) -> Vec<PathError> {
    use crate::text::{MAX_LONG as LONG, MAX_SHORT as SHORT};
    let mut b = Bounds::default();
    let mut errors = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let at = |f: &str| format!("history[{i}].{f}");
        for (key, value, what) in [
            ("who", &row.who, "the person who made the change"),
            ("field", &row.field, "the field changed, or deal"),
        ] {
            if value.trim().is_empty() {
                errors.push(PathError {
                    path: at(key),
                    message: format!("required ({what})"),
                });
            }
        }
        b.time(|| at("at"), row.at);
        b.text(|| at("who"), &row.who, SHORT);
        b.text(|| at("field"), &row.field, LONG);
        b.text(|| at("before"), &row.before, LONG);
        b.text(|| at("after"), &row.after, LONG);
    }
    errors.extend(b.errors);
    errors
}
