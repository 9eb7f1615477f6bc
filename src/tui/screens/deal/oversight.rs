//! The forms that start filled in: acknowledging (K) or resolving (X) an
//! escalation, the first one open named; withdrawing (w) one, the first the
//! acting user raised named; recording a review (V) as the reviewer the
//! acting user may be; a step's confirmation (f), picked from the deal's
//! stakeholders and dated today. Each is the record editor on its form
//! (raising an escalation, the handoff and the outcome open on theirs as
//! they stand).

use super::state::DealState;
use crate::domain::confirmation;
use crate::domain::escalation::EscalationStatus;
use crate::domain::review::{self, Reviewer, same_person};
use crate::tui::screens::capture::{RecordEditor, Section};
use crate::tui::shared::{Ctx, Status};

/// Acknowledge (or, with `resolve`, resolve) the first open escalation.
pub fn act_on(resolve: bool, state: &DealState) -> Result<RecordEditor, Status> {
    let section = if resolve {
        Section::Resolve
    } else {
        Section::Acknowledge
    };
    let first = state
        .escalations
        .iter()
        .find(|e| resolve || e.status == EscalationStatus::Open);
    match first {
        Some(e) => {
            // the id comes first and is filled in: Tab moves on to the note
            let prefill = vec![e.id.to_string(), String::new()];
            Ok(RecordEditor::with_values(
                section,
                state.selected,
                Some(0),
                &state.deal,
                Some(prefill),
            ))
        }
        None => Err(Status::info("No open escalation to act on")),
    }
}

/// Withdraw an escalation: the first open one the acting user raised is
/// named (else the first open one, refused on save if not theirs).
pub fn withdraw(state: &DealState, ctx: &Ctx) -> Result<RecordEditor, Status> {
    let user = &ctx.session.user;
    let mine = state
        .escalations
        .iter()
        .find(|e| same_person(user, &e.raised_by))
        .or_else(|| state.escalations.first());
    match mine {
        Some(e) => {
            let prefill = vec![e.id.to_string(), String::new()];
            Ok(RecordEditor::with_values(
                Section::Withdraw,
                state.selected,
                Some(0),
                &state.deal,
                Some(prefill),
            ))
        }
        None => Err(Status::info("No open escalation to withdraw")),
    }
}

/// The review the acting user may sign: the SA's if they are the deal's
/// SA, else the manager's (refused on save if not).
pub fn review(state: &DealState, ctx: &Ctx) -> RecordEditor {
    let user = &ctx.session.user;
    let role = if review::may_sign(&state.deal, Reviewer::Sa, user, &ctx.session.playbook).is_ok() {
        "sa"
    } else {
        "manager"
    };
    let prefill = vec![role.into(), "approve".into(), String::new()];
    RecordEditor::with_values(
        Section::Review,
        state.selected,
        Some(0),
        &state.deal,
        Some(prefill),
    )
}

/// What a step's confirmation form starts with: the person who confirmed
/// the step, else (to pick rather than type) the stakeholder suggested for
/// it; the day it was confirmed, else today. On a step that picks from the
/// stakeholders, a name that is not one of them is not offered.
pub fn confirmation_values(section: Section, state: &DealState, ctx: &Ctx) -> Vec<String> {
    let deal = &state.deal;
    let step = state.step();
    let kept = step.confirmed_with.trim();
    let is_stakeholder = deal
        .content
        .stakeholders
        .iter()
        .any(|s| s.name.trim() == kept);
    let with = if !kept.is_empty() && (is_stakeholder || section == Section::ContactConfirmation) {
        kept.to_string()
    } else {
        confirmation::suggested(deal, state.selected).unwrap_or_default()
    };
    let on = step.confirmed_on.unwrap_or(ctx.session.clock.today());
    vec![with, on.to_string()]
}
