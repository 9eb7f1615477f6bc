//! A deal as it stood at an earlier instant, rebuilt from its history: the
//! history keeps every changed leaf of the deal's snapshot (see
//! [`audit::snapshot`]) with its value before and after, so undoing, newest
//! first, the changes made after the instant gives the deal as it was then.
//! And the MEDDPICC scorecard over time, read the same way. Pure.
//!
//! What the history cannot give back: a value that was an empty text and a
//! value that was absent read the same (the history writes both as
//! nothing), so an optional part whose every field was empty comes back
//! absent; and the version is counted by the instants changes were made at,
//! so several changes made at one instant (one clock fixed with `--as-of`)
//! count as one. Histories written by `qualify demo` keep only the steps'
//! statuses, the stage and the outcome: what else a demo deal holds is
//! shown as it stands today.

use super::audit::{self, AuditEntry};
use super::content::Scorecard;
use super::deal::Deal;
use super::document::DealDocument;
use super::escalation_record::{EscalationRecord, Stamp};
use super::playbook::{EscalationRule, Playbook};
use super::step_number::StepNumber;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use std::collections::BTreeSet;

/// Why a deal cannot be shown as it stood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PastError {
    /// The deal was created after the instant.
    NotYet { created: DateTime<Utc> },
    /// The history's values do not make a deal (a history edited by hand,
    /// or a value of a form the history never wrote).
    Unreadable(String),
}

impl std::fmt::Display for PastError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PastError::NotYet { created } => {
                write!(f, "it was created later ({})", created.to_rfc3339())
            }
            PastError::Unreadable(why) => {
                write!(f, "its history does not rebuild it ({why})")
            }
        }
    }
}

/// The instant the deal was created: its "created" row, or its own stamp.
pub fn created_at(deal: &Deal, history: &[AuditEntry]) -> DateTime<Utc> {
    history
        .iter()
        .find(|e| e.field == "deal" && e.after.starts_with("created"))
        .map_or(deal.created_at, |e| e.at.min(deal.created_at))
}

/// `deal` (as it stands, with `history` oldest first: its whole history,
/// or at least every row after `at`) as it stood at `at`: every change
/// made after `at` undone.
pub fn deal_at(
    deal: &Deal,
    history: &[AuditEntry],
    at: DateTime<Utc>,
    playbook: &Playbook,
) -> Result<Deal, PastError> {
    let created = created_at(deal, history);
    if created > at {
        return Err(PastError::NotYet { created });
    }
    let later: Vec<&AuditEntry> = history.iter().filter(|e| e.at > at).collect();
    if later.is_empty() {
        return Ok(deal.clone());
    }
    let mut value = audit::snapshot(deal);
    for entry in later.iter().rev() {
        undo(&mut value, entry);
    }
    prune(&mut value);
    let Value::Object(mut map) = value else {
        return Err(PastError::Unreadable("not an object".into()));
    };
    let escalations = map.remove("escalations").unwrap_or(Value::Null);
    let doc: DealDocument = serde_json::from_value(Value::Object(map))
        .map_err(|e| PastError::Unreadable(e.to_string()))?;
    let mut past = doc.into_deal(playbook, deal.created_at);
    past.id = deal.id;
    let instants: BTreeSet<DateTime<Utc>> = later.iter().map(|e| e.at).collect();
    past.version = (deal.version - instants.len() as i64).max(1);
    past.updated_at = history
        .iter()
        .filter(|e| e.at <= at)
        .map(|e| e.at)
        .max()
        .unwrap_or(deal.created_at)
        .min(deal.updated_at);
    past.escalations = escalation_records(&escalations)?;
    Ok(past)
}

/// One point of a deal's scorecard over time: the card from `at` on.
#[derive(Debug, Clone, PartialEq)]
pub struct ScorePoint {
    pub at: DateTime<Utc>,
    pub card: Scorecard,
}

/// The deal's scorecard over time, oldest first: the card it was created
/// with, then the card after each instant its scores changed.
pub fn score_trend(deal: &Deal, history: &[AuditEntry]) -> Result<Vec<ScorePoint>, PastError> {
    let snapshot = audit::snapshot(deal);
    let mut card = snapshot.get("meddpicc").cloned().unwrap_or(Value::Null);
    let mut points = Vec::new();
    let scored: Vec<&AuditEntry> = history
        .iter()
        .filter(|e| e.field.starts_with("meddpicc."))
        .collect();
    let mut i = scored.len();
    while i > 0 {
        let at = scored[i - 1].at;
        points.push(ScorePoint {
            at,
            card: card_of(&card)?,
        });
        while i > 0 && scored[i - 1].at == at {
            let entry = scored[i - 1];
            let path = entry.field.trim_start_matches("meddpicc.");
            set(
                &mut card,
                &segments(path),
                typed(&entry.field, &entry.before, None),
            );
            i -= 1;
        }
    }
    let created = created_at(deal, history);
    if points.last().is_none_or(|p| p.at > created) {
        points.push(ScorePoint {
            at: created,
            card: card_of(&card)?,
        });
    }
    points.reverse();
    Ok(points)
}

fn card_of(value: &Value) -> Result<Scorecard, PastError> {
    let mut value = value.clone();
    prune(&mut value);
    if value.is_null() {
        return Ok(Scorecard::default());
    }
    serde_json::from_value(value).map_err(|e| PastError::Unreadable(e.to_string()))
}

/// Put back the value `entry` replaced.
fn undo(value: &mut Value, entry: &AuditEntry) {
    if entry.field == "deal" {
        return;
    }
    let path = segments(&entry.field);
    let now = get(value, &path).cloned();
    set(
        value,
        &path,
        typed(&entry.field, &entry.before, now.as_ref()),
    );
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Key(String),
    Index(usize),
}

/// `steps[2].notes.outcomes` → steps, 2, notes, outcomes.
fn segments(path: &str) -> Vec<Segment> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let (key, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if !key.is_empty() {
            out.push(Segment::Key(key.to_string()));
        }
        while let Some(close) = rest.find(']') {
            match rest[1..close].parse::<usize>() {
                Ok(i) => out.push(Segment::Index(i)),
                Err(_) => out.push(Segment::Key(rest[..=close].to_string())),
            }
            rest = &rest[close + 1..];
        }
    }
    out
}

fn get<'a>(value: &'a Value, path: &[Segment]) -> Option<&'a Value> {
    path.iter().try_fold(value, |v, s| match s {
        Segment::Key(k) => v.get(k),
        Segment::Index(i) => v.get(i),
    })
}

fn set(value: &mut Value, path: &[Segment], leaf: Value) {
    let Some((first, rest)) = path.split_first() else {
        *value = leaf;
        return;
    };
    let child = match first {
        Segment::Key(k) => {
            if !value.is_object() {
                *value = Value::Object(Map::new());
            }
            let Value::Object(map) = value else {
                unreachable!()
            };
            map.entry(k.clone()).or_insert(Value::Null)
        }
        Segment::Index(i) => {
            if !value.is_array() {
                *value = Value::Array(Vec::new());
            }
            let Value::Array(items) = value else {
                unreachable!()
            };
            if items.len() <= *i {
                items.resize(*i + 1, Value::Null);
            }
            &mut items[*i]
        }
    };
    set(child, rest, leaf);
}

/// A field path without its row numbers and map keys that vary:
/// `meddpicc.elements.paper_process.score` is `meddpicc.elements.score`.
fn shape(field: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    for part in field.split('.') {
        out.push(part.split('[').next().unwrap_or(part));
    }
    if out.first() == Some(&"escalations") && out.len() > 1 {
        out.remove(1);
    }
    if out.starts_with(&["meddpicc", "elements"]) && out.len() > 2 {
        out.remove(2);
    }
    out.join(".")
}

const NUMBERS: [&str; 10] = [
    "amount",
    "implementation_fee",
    "support_rate_percent",
    "budget.amount",
    "meddpicc.elements.score",
    "risks.likelihood",
    "risks.impact",
    "steps.number",
    "escalations.step",
    "salesforce.probability",
];

const YES_NO: [&str; 6] = [
    "steps.actions",
    "decision_process.done",
    "next_steps.done",
    "handoff.flagged",
    "validation_plan.decision.approved",
    "manager_review.approved",
];

/// A value of the history as the JSON it was: nothing is absent, a number
/// or yes-or-no field (by its path, or by the value it holds now) takes its
/// number or boolean, any other field its text.
fn typed(field: &str, text: &str, now: Option<&Value>) -> Value {
    if text.is_empty() {
        return Value::Null;
    }
    let shape = shape(field);
    let number = NUMBERS.contains(&shape.as_str()) || matches!(now, Some(Value::Number(_)));
    let yes_no = YES_NO.contains(&shape.as_str()) || matches!(now, Some(Value::Bool(_)));
    if number && let Ok(n) = text.trim().parse::<serde_json::Number>() {
        return Value::Number(n);
    }
    if yes_no {
        match text.trim() {
            "true" => return Value::Bool(true),
            "false" => return Value::Bool(false),
            _ => {}
        }
    }
    Value::String(text.to_string())
}

/// Drop what holds nothing: absent values, parts whose every field is
/// empty, and rows past the last that holds something. Whether `value`
/// itself holds nothing.
fn prune(value: &mut Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Object(map) => {
            let mut blank = true;
            map.retain(|_, v| {
                let empty = prune(v);
                blank &= empty;
                !empty || v.is_string()
            });
            if blank {
                *value = Value::Null;
            }
            blank
        }
        Value::Array(items) => {
            let blanks: Vec<bool> = items.iter_mut().map(prune).collect();
            let keep = blanks.iter().rposition(|b| !b).map_or(0, |i| i + 1);
            items.truncate(keep);
            false
        }
        _ => false,
    }
}

/// The stored escalations from the snapshot's `escalations` part.
fn escalation_records(value: &Value) -> Result<Vec<EscalationRecord>, PastError> {
    let Value::Object(map) = value else {
        return Ok(Vec::new());
    };
    let bad = |key: &str, what: &str| PastError::Unreadable(format!("escalations.{key}.{what}"));
    let mut out = Vec::new();
    for (key, e) in map {
        let id = key
            .strip_prefix('E')
            .and_then(|n| n.parse::<i64>().ok())
            .ok_or_else(|| bad(key, "id"))?;
        let text = |k: &str| e.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        let instant = |k: &str| {
            e.get(k)
                .and_then(Value::as_str)
                .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                .map(|t| t.with_timezone(&Utc))
                .ok_or_else(|| bad(key, k))
        };
        let stamp = |k: &str| -> Result<Option<Stamp>, PastError> {
            match e.get(k) {
                Some(Value::Object(s)) => {
                    let at = s
                        .get("at")
                        .and_then(Value::as_str)
                        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                        .ok_or_else(|| bad(key, k))?;
                    let field = |f: &str| s.get(f).and_then(Value::as_str).unwrap_or("").into();
                    Ok(Some(Stamp {
                        by: field("by"),
                        at: at.with_timezone(&Utc),
                        note: field("note"),
                    }))
                }
                _ => Ok(None),
            }
        };
        out.push(EscalationRecord {
            id,
            rule: EscalationRule::parse(&text("rule")).ok_or_else(|| bad(key, "rule"))?,
            step: e
                .get("step")
                .and_then(Value::as_u64)
                .and_then(|n| u8::try_from(n).ok())
                .and_then(StepNumber::new),
            reason: text("reason"),
            raised_at: instant("raised_at")?,
            due_at: instant("due_at")?,
            raised_by: text("raised_by"),
            to: text("to"),
            acknowledged: stamp("acknowledged")?,
            resolved: stamp("resolved")?,
            withdrawn: stamp("withdrawn")?,
        });
    }
    out.sort_by_key(|e| e.id);
    Ok(out)
}

mod figures;
pub use figures::{Figures, figures_at};

#[cfg(test)]
mod tests;
