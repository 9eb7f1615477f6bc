//! The oversight forms that start filled in: acknowledging (K) or resolving
//! (X) an escalation, the first one open named; withdrawing (w) one, the
//! first the acting user raised named; recording a review (V) as the
//! reviewer the acting user may be. Each is the record editor on its
//! form (raising an escalation, the handoff, the outcome and a step's
//! confirmation open on theirs as they stand).

use super::state::DealState;
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
