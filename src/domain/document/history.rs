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

#[cfg(test)]
mod tests {
    use super::super::parse_documents;

    #[test]
    fn a_history_is_read_in_order_and_written_only_when_given() {
        let text = r#"{"name": "A", "account": "B", "history": [
            {"at": "2026-11-02T09:00:00Z", "who": "Dana Reyes", "field": "deal",
             "before": "", "after": "created: A"},
            {"at": "2026-11-01T09:00:00Z", "who": "Lee Park", "field": "amount",
             "before": "", "after": "5"}]}"#;
        let docs = parse_documents(text).unwrap();
        let rows = docs[0].history.as_ref().unwrap();
        // the order given is kept, even where the clock went back
        assert_eq!(rows[0].who, "Dana Reyes");
        assert_eq!(rows[1].field, "amount");
        let again = serde_json::to_value(&docs[0]).unwrap();
        assert_eq!(again["history"][1]["who"], "Lee Park");
        // a document without one writes no key
        let plain = parse_documents(r#"{"name": "A", "account": "B"}"#).unwrap();
        assert!(plain[0].history.is_none());
        assert!(
            serde_json::to_value(&plain[0])
                .unwrap()
                .get("history")
                .is_none()
        );
        // a row's text is bounded like the rest of the document
        let long = format!(
            r#"{{"name": "A", "account": "B", "history": [{{"at": "2026-11-02T09:00:00Z",
                "who": "{}", "field": "amount", "before": "", "after": ""}}]}}"#,
            "x".repeat(201)
        );
        let errors = parse_documents(&long).unwrap_err();
        assert_eq!(errors[0].path, "history[0].who");
    }
}
