//! The audit trail's rule: which fields a change touched, with the value
//! before and after. Pure: the store writes what this finds.

use super::deal::Deal;
use super::document::DealDocument;
use serde_json::{Map, Value};

/// One field that changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldChange {
    /// Where, as a JSON path: `steps[2].status`, `budget.amount`, `escalations.E7.resolved.note`.
    pub field: String,
    pub before: String,
    pub after: String,
}

/// One row of a deal's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub at: chrono::DateTime<chrono::Utc>,
    pub who: String,
    pub field: String,
    pub before: String,
    pub after: String,
}

/// The deal as the audit trail compares it: its document, without what
/// changes on every write or never changes, plus its stored escalations.
pub fn snapshot(deal: &Deal) -> Value {
    let mut value = serde_json::to_value(DealDocument::of(deal)).expect("a deal serialises");
    if let Value::Object(map) = &mut value {
        map.remove("id");
        map.remove("version");
        let escalations: Map<String, Value> = deal
            .escalations
            .iter()
            .map(|e| {
                let stamp = |s: &Option<super::escalation::Stamp>| {
                    s.as_ref().map(|s| serde_json::json!({ "by": s.by, "at": s.at.to_rfc3339(), "note": s.note }))
                };
                let value = serde_json::json!({
                    "rule": e.rule.key(),
                    "step": e.step,
                    "reason": e.reason,
                    "raised_at": e.raised_at.to_rfc3339(),
                    "due_at": e.due_at.to_rfc3339(),
                    "raised_by": e.raised_by,
                    "acknowledged": stamp(&e.acknowledged),
                    "resolved": stamp(&e.resolved),
                });
                (format!("E{}", e.id), value)
            })
            .collect();
        map.insert("escalations".into(), Value::Object(escalations));
    }
    value
}

fn text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Every leaf that differs between `before` and `after`.
pub fn diff(before: &Value, after: &Value) -> Vec<FieldChange> {
    let mut out = Vec::new();
    walk("", before, after, &mut out);
    out
}

fn walk(path: &str, before: &Value, after: &Value, out: &mut Vec<FieldChange>) {
    match (before, after) {
        (Value::Object(a), Value::Object(b)) => {
            let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
            keys.sort();
            keys.dedup();
            for key in keys {
                let child = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                walk(
                    &child,
                    a.get(key).unwrap_or(&Value::Null),
                    b.get(key).unwrap_or(&Value::Null),
                    out,
                );
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            for i in 0..a.len().max(b.len()) {
                let child = format!("{path}[{i}]");
                walk(
                    &child,
                    a.get(i).unwrap_or(&Value::Null),
                    b.get(i).unwrap_or(&Value::Null),
                    out,
                );
            }
        }
        (Value::Null, Value::Object(_) | Value::Array(_)) => {
            walk(path, &empty_like(after), after, out)
        }
        (Value::Object(_) | Value::Array(_), Value::Null) => {
            walk(path, before, &empty_like(before), out)
        }
        // null and "" read the same: no row for a change nobody could see
        (a, b) if text(a) != text(b) => out.push(FieldChange {
            field: path.to_string(),
            before: text(a),
            after: text(b),
        }),
        _ => {}
    }
}

fn empty_like(v: &Value) -> Value {
    match v {
        Value::Object(_) => Value::Object(Map::new()),
        Value::Array(_) => Value::Array(Vec::new()),
        _ => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn leaves_that_changed_are_named_by_path() {
        let before = json!({"stage": "Qualification", "steps": [{"status": "not_started"}], "budget": {"amount": null}});
        let after = json!({"stage": "Proposal", "steps": [{"status": "complete"}], "budget": {"amount": 450000},
            "risks": [{"description": "Queue"}]});
        let changes: Vec<(String, String, String)> = diff(&before, &after)
            .into_iter()
            .map(|c| (c.field, c.before, c.after))
            .collect();
        assert_eq!(
            changes,
            [
                ("budget.amount".into(), "".into(), "450000".into()),
                ("risks[0].description".into(), "".into(), "Queue".into()),
                ("stage".into(), "Qualification".into(), "Proposal".into()),
                (
                    "steps[0].status".into(),
                    "not_started".into(),
                    "complete".into()
                ),
            ]
        );
        assert!(diff(&after, &after).is_empty());
        let removed = diff(&after, &before);
        assert!(
            removed
                .iter()
                .any(|c| c.field == "risks[0].description" && c.after.is_empty())
        );
    }
}
