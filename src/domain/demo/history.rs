//! The history a team would have left: the deal created, each step started
//! and completed, the stage moved on by the steps that confirm the budget,
//! the timeline and the opportunity record (3, 7 and 10 in the shipped
//! playbook) and by the close, and the outcome; with the stage the deal
//! reached.

use super::super::audit::AuditEntry;
use super::super::deal::Deal;
use super::super::forecast::OutcomeKind;
use super::super::playbook::CaptureKind;
use super::story::Story;
use chrono::{DateTime, Utc};

/// The stages a deal moves through, and what the step whose completion
/// moves it captures.
const STAGES: [(CaptureKind, &str); 3] = [
    (CaptureKind::Budget, "Solution validation"),
    (CaptureKind::Timeline, "Proposal"),
    (CaptureKind::CrmRecord, "Negotiation"),
];

/// The deal's history, oldest first; the deal takes the stage it reached
/// and a version for each entry.
pub(super) fn record(deal: &mut Deal, story: &Story) -> Vec<AuditEntry> {
    let Story {
        owner,
        closed,
        closed_on,
        last,
        created,
        ..
    } = *story;
    let times = &story.times;
    let mut history = vec![AuditEntry {
        at: created,
        who: owner.to_string(),
        field: "deal".into(),
        before: String::new(),
        after: format!("created: {}", deal.name),
    }];
    let mut stage = deal.stage.clone();
    let mut stage_changes: Vec<(DateTime<Utc>, String)> = STAGES
        .iter()
        .filter_map(|(kind, name)| {
            let done = story.step_done(story.step(*kind));
            done.map(|t| (t, name.to_string()))
        })
        .collect();
    if let (Some(kind), Some(on)) = (closed, closed_on) {
        let name = match kind {
            OutcomeKind::Won => "Closed Won",
            OutcomeKind::Lost => "Closed Lost",
            OutcomeKind::Disqualified => "Disqualified",
        };
        stage_changes.push((on, name.to_string()));
    }
    let mut events: Vec<AuditEntry> = Vec::new();
    for (i, (started, completed)) in times.iter().enumerate() {
        let field = format!("steps[{i}].status");
        if let Some(at) = completed {
            events.push(AuditEntry {
                at: *at,
                who: owner.to_string(),
                field: field.clone(),
                before: "in_progress".into(),
                after: "complete".into(),
            });
        } else if let Some(at) = started {
            events.push(AuditEntry {
                at: *at,
                who: owner.to_string(),
                field,
                before: "not_started".into(),
                after: deal.steps[i].status.as_str().into(),
            });
        }
    }
    for (at, name) in stage_changes {
        events.push(AuditEntry {
            at,
            who: owner.to_string(),
            field: "stage".into(),
            before: std::mem::replace(&mut stage, name.clone()),
            after: name,
        });
    }
    if let Some(o) = &deal.content.outcome {
        // each of the outcome's fields, as a change records them, so that
        // the deal before its close can be rebuilt from the history
        let on = o.on.to_string();
        for (field, value) in [
            ("kind", o.kind.key()),
            ("lost_to", o.lost_to.as_str()),
            ("on", on.as_str()),
            ("reason", o.reason.as_str()),
        ] {
            if value.is_empty() {
                continue;
            }
            events.push(AuditEntry {
                at: closed_on.unwrap_or(last),
                who: owner.to_string(),
                field: format!("outcome.{field}"),
                before: String::new(),
                after: value.into(),
            });
        }
    }
    events.sort_by_key(|e| e.at);
    history.extend(events);
    deal.stage = stage;
    deal.version = history.len() as i64;
    history
}
