//! How the deal ended: the verdict step 1 predicted, the outcome once
//! closed (with the reason, and the competitor a loss went to), and the
//! handoff of a won deal.

use super::super::content::Handoff;
use super::super::criteria::verdict;
use super::super::deal::Deal;
use super::super::forecast::{Outcome, OutcomeKind, Prediction};
use super::super::playbook::CaptureKind;
use super::content::COMPETITORS;
use super::dice::Dice;
use super::people::People;
use super::story::Story;

const LOST_REASONS: [&str; 4] = [
    "Chose a competitor on price",
    "Budget moved to next fiscal year",
    "No decision: project deprioritised",
    "Champion left in a reorganisation",
];

const DISQUALIFY_REASONS: [&str; 4] = [
    "No budget this fiscal year",
    "No access to the economic buyer",
    "Requirements fit a different product",
    "Buying cycle beyond twelve months",
];

/// The prediction, the outcome and the handoff.
pub(super) fn close(
    deal: &mut Deal,
    story: &Story,
    people: &People,
    rivals: &[String],
    d: &mut Dice,
) {
    let Story {
        pb,
        sa,
        account,
        project,
        closed,
        closed_on,
        ..
    } = *story;
    if let Some(at) = story.step_done(story.step(CaptureKind::Scorecard)) {
        deal.content.prediction =
            verdict(&deal.content.meddpicc, pb).map(|verdict| Prediction { verdict, at });
    }
    if let (Some(kind), Some(on)) = (closed, closed_on) {
        let reason = match kind {
            OutcomeKind::Won => String::new(),
            OutcomeKind::Lost => d.pick(&LOST_REASONS).to_string(),
            OutcomeKind::Disqualified => d.pick(&DISQUALIFY_REASONS).to_string(),
        };
        let lost_to = match kind {
            OutcomeKind::Lost if reason.starts_with("Chose") => rivals
                .first()
                .cloned()
                .unwrap_or_else(|| d.pick(&COMPETITORS).0.to_string()),
            _ => String::new(),
        };
        deal.content.outcome = Some(Outcome {
            kind,
            on: on.date_naive(),
            reason,
            lost_to,
        });
        if kind == OutcomeKind::Won {
            deal.content.handoff = Handoff {
                flagged: false,
                implementation_contacts: format!("{} (customer), {} (SA)", people.others[0].0, sa),
                scope: format!("{project} for {account}, phase one"),
                commitments: "Go-live within two quarters; weekly steering".into(),
                open_risks: "Data migration volume to confirm in week one".into(),
            };
        }
        deal.updated_at = on;
    }
}
