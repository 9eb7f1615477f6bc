//! The audit trail's rule: which fields a change touched, with the value
//! before and after; and the history's entries in the words a person uses.
//! Pure: the store writes what this finds.

use super::choices::{
    Choice, Framework, ItemStatus, Level, MilestoneKind, Position, RiskCategory, Role, Stance,
};
use super::deal::{Deal, percent_text};
use super::document::{DealDocument, HistoryRow};
use super::forecast::{OutcomeKind, Verdict};
use super::money::Money;
use super::playbook::{EscalationRule, Playbook};
use super::step::StepStatus;
use super::step_number::StepNumber;
use chrono::{DateTime, FixedOffset, Utc};
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

/// A document's history row, as the store keeps it.
impl From<HistoryRow> for AuditEntry {
    fn from(r: HistoryRow) -> AuditEntry {
        AuditEntry {
            at: r.at,
            who: r.who,
            field: r.field,
            before: r.before,
            after: r.after,
        }
    }
}

/// A stored history row, as a document carries it.
impl From<AuditEntry> for HistoryRow {
    fn from(e: AuditEntry) -> HistoryRow {
        HistoryRow {
            at: e.at,
            who: e.who,
            field: e.field,
            before: e.before,
            after: e.after,
        }
    }
}

/// The deal as the audit trail compares it: its document, without what
/// changes on every write or never changes, plus its stored escalations.
pub fn snapshot(deal: &Deal) -> Value {
    let mut value = serde_json::to_value(DealDocument::of(deal)).expect("a deal serialises");
    if let Value::Object(map) = &mut value {
        map.remove("id");
        map.remove("version");
        // the trail follows the amount and close date, whose changes are
        // recorded themselves
        map.remove("trail");
        let escalations: Map<String, Value> = deal
            .escalations
            .iter()
            .map(|e| {
                let stamp = |s: &Option<super::escalation_record::Stamp>| {
                    s.as_ref().map(|s| serde_json::json!({ "by": s.by, "at": s.at.to_rfc3339(), "note": s.note }))
                };
                let value = serde_json::json!({
                    "rule": e.rule.key(),
                    "step": e.step,
                    "reason": e.reason,
                    "raised_at": e.raised_at.to_rfc3339(),
                    "due_at": e.due_at.to_rfc3339(),
                    "raised_by": e.raised_by,
                    "to": e.to,
                    "acknowledged": stamp(&e.acknowledged),
                    "resolved": stamp(&e.resolved),
                    "withdrawn": stamp(&e.withdrawn),
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

/// A field path of the audit trail in words: `steps[6].notes.outcomes` is
/// "Step 7 Timeline validation · outcomes note", `validation_plan.items[0].owner`
/// "Validation item 1 · owner". A path it does not know is shown as it is.
pub fn field_label(path: &str, playbook: &Playbook) -> String {
    let (head, rest) = match path.split_once('.') {
        Some((head, rest)) => (head, Some(rest)),
        None => (path, None),
    };
    let (name, index) = match head.split_once('[') {
        Some((name, i)) => (name, i.trim_end_matches(']').parse::<usize>().ok()),
        None => (head, None),
    };
    let row = |noun: &str| match (index, rest) {
        (Some(i), Some(rest)) => Some(format!("{noun} {} · {}", i + 1, words(rest))),
        (Some(i), None) => Some(format!("{noun} {}", i + 1)),
        _ => None,
    };
    let part = |noun: &str| rest.map(|rest| format!("{noun} · {}", words(rest)));
    let label = match name {
        "deal" if rest.is_none() => Some("Deal".to_string()),
        "steps" => index.and_then(|i| {
            let number = StepNumber::from_index(i)?;
            let title = &playbook.step(number).title;
            Some(match rest {
                Some(rest) => format!("Step {number} {title} · {}", step_part(rest)),
                None => format!("Step {number} {title}"),
            })
        }),
        "meddpicc" => rest.map(scorecard_part),
        "stakeholders" => row("Stakeholder"),
        "competitors" => row("Competitor"),
        "decision_process" => row("Milestone"),
        "risks" => row("Risk"),
        "next_steps" => row("Next step"),
        "budget" => part("Budget"),
        "timeline" => part("Timeline"),
        "handoff" => part("Handoff"),
        "manager_review" => part("Manager review"),
        "outcome" => part("Outcome"),
        "prediction" => part("Prediction"),
        "snooze" => part("Snooze"),
        "warning_snoozes" => row("Warning snooze"),
        "salesforce" => part("Salesforce"),
        "validation_plan" => rest.map(validation_part),
        "escalations" => rest.map(|rest| match rest.split_once('.') {
            Some((id, what)) => format!("Escalation {id} · {}", words(what)),
            None => format!("Escalation {rest}"),
        }),
        _ if rest.is_none() && index.is_none() => deal_field(name).map(str::to_string),
        _ => None,
    };
    label.unwrap_or_else(|| path.to_string())
}

/// The deal's own fields, as the new-deal form names them.
fn deal_field(key: &str) -> Option<&'static str> {
    Some(match key {
        "name" => "Deal name",
        "account" => "Account",
        "amount" => "Licence amount",
        "implementation_fee" => "Implementation fee",
        "support_rate_percent" => "Support rate (%)",
        "close_date" => "Close date",
        "stage" => "Stage",
        "owner" => "Owner (AE)",
        "sa" => "Solution architect",
        "manager" => "Manager",
        "trigger_date" => "Executive meeting",
        "created_at" => "Created",
        _ => return None,
    })
}

fn step_part(rest: &str) -> String {
    if let Some(kind) = rest.strip_prefix("notes.") {
        return format!("{} note", words(kind));
    }
    if let Some(i) = rest
        .strip_prefix("actions[")
        .and_then(|i| i.trim_end_matches(']').parse::<usize>().ok())
    {
        return format!("action {}", i + 1);
    }
    match rest {
        "started_at" => "started".into(),
        "completed_at" => "completed".into(),
        "first_completed_at" => "first completed".into(),
        other => words(other),
    }
}

fn scorecard_part(rest: &str) -> String {
    use super::choices::{Choice, Element};
    match rest
        .strip_prefix("elements.")
        .and_then(|r| r.split_once('.'))
    {
        Some((key, what)) => {
            let element = Element::ALL
                .iter()
                .find(|e| e.key() == key)
                .map_or_else(|| words(key), |e| e.label().to_string());
            format!("Scorecard · {element} {}", words(what))
        }
        None => format!("Scorecard · {}", words(rest)),
    }
}

fn validation_part(rest: &str) -> String {
    if let Some(item) = rest.strip_prefix("items[") {
        let (i, what) = item.split_once(']').unwrap_or((item, ""));
        let what = what.trim_start_matches('.');
        return match (i.parse::<usize>(), what.is_empty()) {
            (Ok(i), true) => format!("Validation item {}", i + 1),
            (Ok(i), false) => format!("Validation item {} · {}", i + 1, words(what)),
            _ => format!("Validation plan · {}", words(rest)),
        };
    }
    match rest.strip_prefix("decision.") {
        Some(what) => format!("SA sign-off · {}", words(what)),
        None => format!("Validation plan · {}", words(rest)),
    }
}

/// `resolved.note` → "resolved note", `sa` → "SA".
fn words(key: &str) -> String {
    key.split(['.', '_'])
        .filter(|w| !w.is_empty())
        .map(|w| match w {
            "sa" => "SA",
            other => other,
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A value of the audit trail as a person reads it: an instant (RFC 3339,
/// to the nanosecond) becomes local time to the minute; any other text is
/// kept as it is.
pub fn value_text(value: &str, local: impl Fn(DateTime<Utc>) -> DateTime<FixedOffset>) -> String {
    match DateTime::parse_from_rfc3339(value.trim()) {
        Ok(at) => local(at.with_timezone(&Utc))
            .format("%Y-%m-%d %H:%M")
            .to_string(),
        Err(_) => value.to_string(),
    }
}

/// An entry of the history in a person's words: the field as the screens
/// name it, and each value as they show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryWords {
    pub field: String,
    pub before: String,
    pub after: String,
}

/// An entry of the history as the TUI and the CLI table show it, in the
/// same words (`history --json` keeps the stored values): the field in
/// words (see [`field_label`]), and each value in words for its field:
/// nothing is "(empty)", a key of a fixed list is its label (`in_progress`
/// as a step's status is "In progress", `legal_security` as an escalation's
/// rule is its scenario, "Legal/security blocker"), an amount is money
/// (`420000.5` is "$420,000.50"), the support rate a percentage, a yes-or-no
/// field "yes" or "no" (never `true`/`false`), an instant local time to the
/// minute (see [`value_text`]), and any other text is kept as it is.
pub fn entry_words(
    entry: &AuditEntry,
    playbook: &Playbook,
    local: impl Fn(DateTime<Utc>) -> DateTime<FixedOffset>,
) -> EntryWords {
    let shape = shape(&entry.field);
    let value = |v: &str| {
        if v.is_empty() {
            "(empty)".to_string()
        } else {
            key_words(&shape, v, playbook)
                .or_else(|| typed_words(&shape, v))
                .unwrap_or_else(|| value_text(v, &local))
        }
    };
    EntryWords {
        field: field_label(&entry.field, playbook),
        before: value(&entry.before),
        after: value(&entry.after),
    }
}

/// A field path without its row numbers: `stakeholders[2].role` is
/// `stakeholders.role`, `steps[0].actions[4]` is `steps.actions`.
fn shape(field: &str) -> String {
    let mut shape = String::with_capacity(field.len());
    let mut in_index = false;
    for c in field.chars() {
        match c {
            '[' => in_index = true,
            ']' => in_index = false,
            c if !in_index => shape.push(c),
            _ => {}
        }
    }
    shape
}

/// The words of a value stored as JSON's number or boolean: an amount as
/// money, the support rate as a percentage, a yes-or-no field as "yes" or
/// "no". `None` when the field holds no such value (or the value is not one).
fn typed_words(shape: &str, value: &str) -> Option<String> {
    match shape {
        "amount" | "implementation_fee" | "budget.amount" => {
            Money::parse(value).ok().map(|m| m.to_string())
        }
        "support_rate_percent" => value.trim().parse::<f64>().ok().map(percent_text),
        "steps.actions"
        | "decision_process.done"
        | "next_steps.done"
        | "handoff.flagged"
        | "validation_plan.decision.approved"
        | "manager_review.approved" => match value.trim() {
            "true" => Some("yes".into()),
            "false" => Some("no".into()),
            _ => None,
        },
        _ => None,
    }
}

/// The words of `key` when the field of shape `shape` (see [`shape`])
/// holds a key of a fixed list, e.g. a step's status, a stakeholder's role
/// or an escalation's rule.
fn key_words(shape: &str, key: &str, playbook: &Playbook) -> Option<String> {
    fn label<C: Choice>(key: &str) -> Option<&'static str> {
        C::ALL.iter().find(|c| c.key() == key).map(|c| c.label())
    }
    let words = match shape {
        "steps.status" => StepStatus::parse(key).map(StepStatus::label),
        "meddpicc.framework" => label::<Framework>(key),
        "stakeholders.role" => label::<Role>(key),
        "stakeholders.stance" => label::<Stance>(key),
        "stakeholders.influence" | "competitors.threat" => label::<Level>(key),
        "validation_plan.items.status" => label::<ItemStatus>(key),
        "competitors.position" => label::<Position>(key),
        "decision_process.kind" => label::<MilestoneKind>(key),
        "risks.category" => label::<RiskCategory>(key),
        "outcome.kind" => OutcomeKind::ALL
            .into_iter()
            .map(OutcomeKind::key)
            .find(|k| *k == key),
        "prediction.verdict" => Verdict::ALL
            .into_iter()
            .find(|v| v.key() == key)
            .map(Verdict::label),
        _ if shape.starts_with("escalations.") && shape.ends_with(".rule") => {
            let rule = EscalationRule::parse(key)?;
            playbook.escalation(rule).map(|row| row.scenario.as_str())
        }
        _ => None,
    }?;
    let mut chars = words.chars();
    let first = chars.next()?;
    Some(first.to_uppercase().chain(chars).collect())
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

    #[test]
    fn field_paths_read_as_words() {
        let pb = Playbook::default_playbook();
        let label = |p: &str| field_label(p, &pb);
        assert_eq!(
            label("steps[6].notes.outcomes"),
            "Step 7 Timeline validation · outcomes note"
        );
        assert_eq!(
            label("steps[1].status"),
            "Step 2 Stakeholder mapping verification · status"
        );
        assert_eq!(
            label("steps[0].actions[4]"),
            "Step 1 Initial qualification using MEDDICC/MEDDPICC · action 5"
        );
        assert_eq!(
            label("validation_plan.items[0].owner"),
            "Validation item 1 · owner"
        );
        assert_eq!(label("validation_plan.decision.at"), "SA sign-off · at");
        assert_eq!(
            label("manager_review.approved"),
            "Manager review · approved"
        );
        assert_eq!(label("risks[2].mitigation"), "Risk 3 · mitigation");
        assert_eq!(label("next_steps[0].set_on"), "Next step 1 · set on");
        assert_eq!(
            label("meddpicc.elements.economic_buyer.score"),
            "Scorecard · Economic buyer score"
        );
        assert_eq!(label("budget.confirmed_by"), "Budget · confirmed by");
        assert_eq!(
            label("escalations.E7.resolved.note"),
            "Escalation E7 · resolved note"
        );
        assert_eq!(label("amount"), "Licence amount");
        assert_eq!(label("deal"), "Deal");
        assert_eq!(
            label("steps[12].status"),
            "steps[12].status",
            "unknown: as it is"
        );
        assert_eq!(label("mystery.key"), "mystery.key");
    }

    #[test]
    fn an_entry_reads_in_the_words_a_person_uses() {
        let pb = Playbook::default_playbook();
        let utc = |t: DateTime<Utc>| t.fixed_offset();
        let words = |field: &str, before: &str, after: &str| {
            let entry = AuditEntry {
                at: DateTime::UNIX_EPOCH,
                who: "dana".into(),
                field: field.into(),
                before: before.into(),
                after: after.into(),
            };
            let w = entry_words(&entry, &pb, utc);
            format!("{}: {} → {}", w.field, w.before, w.after)
        };
        assert_eq!(
            words("steps[1].status", "not_started", "in_progress"),
            "Step 2 Stakeholder mapping verification · status: Not started → In progress"
        );
        assert_eq!(
            words("steps[0].status", "blocked", "complete"),
            "Step 1 Initial qualification using MEDDICC/MEDDPICC · status: Blocked → Complete"
        );
        assert_eq!(
            words("stakeholders[0].role", "", "economic_buyer"),
            "Stakeholder 1 · role: (empty) → Economic Buyer"
        );
        assert_eq!(
            words("stakeholders[2].stance", "neutral", "supports"),
            "Stakeholder 3 · stance: Neutral → Supports"
        );
        assert_eq!(
            words("validation_plan.items[1].status", "open", "in_progress"),
            "Validation item 2 · status: Open → In progress"
        );
        assert_eq!(
            words("risks[0].category", "legal_security", "timing"),
            "Risk 1 · category: Legal / security → Timing"
        );
        assert_eq!(
            words("competitors[0].position", "shortlisted", "status_quo"),
            "Competitor 1 · position: Shortlisted → Status quo / no decision"
        );
        assert_eq!(
            words("meddpicc.framework", "meddpicc", "meddicc"),
            "Scorecard · framework: MEDDPICC → MEDDICC"
        );
        assert_eq!(
            words("outcome.kind", "", "won"),
            "Outcome · kind: (empty) → Won"
        );
        assert_eq!(
            words("prediction.verdict", "", "needs_work"),
            "Prediction · verdict: (empty) → Needs work"
        );
        assert_eq!(
            words("escalations.E7.rule", "", "pricing"),
            "Escalation E7 · rule: (empty) → Pricing exception"
        );
        // amounts are money, the rate a percentage, yes-or-no fields yes or no
        assert_eq!(
            words("amount", "300000", "420000.5"),
            "Licence amount: $300,000 → $420,000.50"
        );
        assert_eq!(
            words("budget.amount", "", "450000"),
            "Budget · amount: (empty) → $450,000"
        );
        assert_eq!(
            words("support_rate_percent", "20.0", "17.5"),
            "Support rate (%): 20% → 17.5%"
        );
        assert_eq!(
            words("steps[0].actions[2]", "false", "true"),
            "Step 1 Initial qualification using MEDDICC/MEDDPICC · action 3: no → yes"
        );
        assert_eq!(
            words("manager_review.approved", "", "true"),
            "Manager review · approved: (empty) → yes"
        );
        assert_eq!(
            words("snooze.until", "", "2026-12-20"),
            "Snooze · until: (empty) → 2026-12-20"
        );
        // a text that only looks like one is kept as it is
        assert_eq!(
            words("steps[0].notes.outcomes", "", "true"),
            "Step 1 Initial qualification using MEDDICC/MEDDPICC · outcomes note: (empty) → true"
        );
        // what is not a key of its field is kept as it is; instants are local
        assert_eq!(
            words("stage", "Qualification", "in_progress"),
            "Stage: Qualification → in_progress"
        );
        assert_eq!(
            words("steps[0].status", "", "someday"),
            "Step 1 Initial qualification using MEDDICC/MEDDPICC · status: (empty) → someday"
        );
        assert_eq!(
            words("steps[0].started_at", "", "2026-11-27T15:00:59.123Z"),
            "Step 1 Initial qualification using MEDDICC/MEDDPICC · started: (empty) → 2026-11-27 15:00"
        );
        assert_eq!(
            words("deal", "", "created: Acme"),
            "Deal: (empty) → created: Acme"
        );
    }

    #[test]
    fn instants_are_shown_local_to_the_minute() {
        let two_hours = FixedOffset::east_opt(2 * 3600).unwrap();
        let local = |t: DateTime<Utc>| t.with_timezone(&two_hours);
        assert_eq!(
            value_text("2026-11-27T15:00:59.123456789+00:00", local),
            "2026-11-27 17:00"
        );
        assert_eq!(
            value_text("2026-11-27T15:00:00Z", local),
            "2026-11-27 17:00"
        );
        assert_eq!(value_text("2026-11-27", local), "2026-11-27");
        assert_eq!(
            value_text("Close plan is thin", local),
            "Close plan is thin"
        );
    }
}
