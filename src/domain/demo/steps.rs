//! The ten step records: the complete ones with their actions ticked, the
//! confirmation and the notes; the one being worked on started, or blocked
//! with a reason.

use super::super::deal::Deal;
use super::super::playbook::{ACTION_COUNT, CaptureKind};
use super::super::step::{Notes, StepStatus};
use super::dice::Dice;
use super::people::People;
use super::story::Story;

const BLOCK_REASONS: [&str; 4] = [
    "Waiting on the customer's security questionnaire",
    "Economic buyer on leave until further notice",
    "Legal hold on all new vendors",
    "Customer reorganising the IT team",
];

/// Bring the deal's step records to the story's.
pub(super) fn record(deal: &mut Deal, story: &Story, people: &People, d: &mut Dice) {
    let confirmer = people.champion.0.clone();
    for step in &mut deal.steps {
        let (n, i) = (step.number, step.number.index());
        let (started, completed) = story.times[i];
        if story.complete(n) {
            step.status = StepStatus::Complete;
            step.started_at = started;
            step.completed_at = completed;
            step.first_completed_at = completed;
            step.actions = [true; ACTION_COUNT];
            step.actions[ACTION_COUNT - 1] = false;
            step.confirmed_with = confirmer.clone();
            step.confirmed_on = completed.map(|c| c.date_naive());
            step.notes = if story.rushed[i] {
                Notes {
                    outcomes: "Done.".into(),
                    ..Notes::default()
                }
            } else {
                notes(story.pb.step(n).capture, people, d)
            };
        } else if story.working_on(n) {
            step.status = story.current_status;
            step.started_at = started;
            step.actions = [true, true, false, false, false];
            if story.current_status == StepStatus::Blocked {
                step.blocked_since = started;
                step.blocked_reason = Some(d.pick(&BLOCK_REASONS).to_string());
            }
        }
    }
}

/// A completed step's notes, by what it captures: what came out, what was
/// decided, what next.
fn notes(kind: CaptureKind, people: &People, d: &mut Dice) -> Notes {
    let champ = &people.champion.0;
    let eb = &people.economic_buyer.0;
    let outcomes = match kind {
        CaptureKind::Scorecard => format!("Scored the deal with {champ} after the executive meeting; pain and metrics confirmed by {eb}."),
        CaptureKind::Stakeholders => format!("Buying group mapped with {champ}: economic buyer {eb} confirmed, technical buyer engaged."),
        CaptureKind::Budget => format!("{eb} confirmed the budget, its source and the fiscal timing in a call with finance."),
        CaptureKind::ValidationPlan => "Validation plan agreed with the technical team; each requirement has an owner, a date and a criterion.".into(),
        CaptureKind::Competitors => "Alternatives reviewed with the champion; differentiators prepared for each shortlisted vendor.".into(),
        CaptureKind::DecisionProcess => "Decision and paper process walked through with procurement and legal, with owners and dates.".into(),
        CaptureKind::Timeline => "Mutual close plan built around the compelling event; close date checked against the milestones.".into(),
        CaptureKind::Risks => "Risk register reviewed with the SA; each risk scored with a mitigation plan and an owner.".into(),
        CaptureKind::NextSteps => "Next actions agreed at the end of the call, each with an owner and a date in the next two days.".into(),
        CaptureKind::CrmRecord => "Opportunity record brought up to date; every required field filled in for the forecast call.".into(),
    };
    let decisions = d
        .pick(&[
            "Proceed to the next step.",
            "Proceed; revisit the timeline at the next review.",
            "Proceed with the SA joining the next call.",
        ])
        .to_string();
    Notes {
        outcomes,
        decisions,
        next_steps: format!("Follow up with {champ}."),
    }
}
