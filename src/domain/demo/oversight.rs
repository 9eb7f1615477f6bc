//! What the team did around the deal: the manager's review over the
//! threshold and the basis of the sign-offs, the escalations people raised
//! (resolved, acknowledged, overdue), and a stalled deal's snooze.

use super::super::content::SaDecision;
use super::super::deal::Deal;
use super::super::escalation::due_at;
use super::super::escalation_record::{EscalationRecord, Stamp};
use super::super::forecast::Snooze;
use super::super::money::Money;
use super::super::playbook::EscalationRule;
use super::super::review::{Reviewer, basis};
use super::super::step::StepNumber;
use super::dice::Dice;
use super::story::{Plan, Story, work_back};
use chrono::{Duration, FixedOffset};

/// The manager's review, over the threshold, once the deal is far along;
/// then what the SA signed off or sent back, in words.
pub(super) fn reviews(deal: &mut Deal, story: &Story, d: &mut Dice) {
    let Story {
        plan,
        pb,
        amount,
        done,
        manager,
        last,
        ..
    } = *story;
    let threshold = Money::from_dollars(pb.targets.manager_review_over_usd);
    if amount > threshold && (done >= 8) && (plan == Plan::Commit || d.chance(75)) {
        let last_done = StepNumber::from_index(done - 1).and_then(|n| story.step_done(n));
        let at = last_done.unwrap_or(last) - d.minutes(5, 90);
        let basis = basis(deal, Reviewer::Manager);
        deal.content.manager_review = Some(SaDecision {
            approved: true,
            by: manager.to_string(),
            at,
            comment: "Reviewed in the forecast call".into(),
            basis: Some(basis),
        });
    }
    // what the SA approved or sent back (a plan sent back and not changed
    // since waits on the AE, not the SA)
    if let Some(decision) = &mut deal.content.validation_plan.decision {
        decision.basis = None;
        let signed = basis(deal, Reviewer::Sa);
        if let Some(decision) = &mut deal.content.validation_plan.decision {
            decision.basis = Some(signed);
        }
    }
}

/// Now and then an escalation raised by the owner.
pub(super) fn escalation(deal: &mut Deal, story: &Story, d: &mut Dice) {
    let Story {
        pb,
        now,
        holidays,
        owner,
        manager,
        closed,
        created,
        ..
    } = *story;
    if d.chance(if closed.is_some() { 8 } else { 18 }) {
        let rule = *d.pick(&[
            EscalationRule::Customer,
            EscalationRule::LegalSecurity,
            EscalationRule::Pricing,
        ]);
        let reason = match rule {
            EscalationRule::Customer => "Customer unhappy with the pilot's pace",
            EscalationRule::LegalSecurity => "Security review blocks the data-processing terms",
            _ => "Customer asks for a multi-year discount beyond policy",
        };
        let resolved = closed.is_some() || d.chance(40);
        let raised_at = if resolved {
            work_back(holidays, deal.updated_at - Duration::days(d.range(1, 10)))
        } else if d.chance(50) {
            // inside its window still
            now - d.minutes(30, 5 * 60)
        } else {
            // past its window
            now - Duration::days(d.range(4, 9))
        };
        let raised_at = raised_at.max(created).min(now);
        if let Some(row) = pb.escalation(rule) {
            let utc = |_| FixedOffset::east_opt(0).expect("UTC");
            let due = due_at(row.window, raised_at, &utc);
            let stamp = |by: &str, at, note: &str| Stamp {
                by: by.to_string(),
                at,
                note: note.to_string(),
            };
            let ack_at = raised_at + Duration::hours(2);
            deal.escalations.push(EscalationRecord {
                id: 0,
                rule,
                step: None,
                reason: reason.to_string(),
                raised_at,
                due_at: due,
                raised_by: owner.to_string(),
                to: manager.to_string(),
                acknowledged: (resolved || d.chance(50))
                    .then(|| stamp(manager, ack_at.min(now), "On it")),
                resolved: resolved.then(|| {
                    stamp(
                        manager,
                        (raised_at + Duration::hours(20)).min(now),
                        "Agreed a way forward with the customer",
                    )
                }),
                withdrawn: None,
            });
            if !resolved {
                deal.updated_at = deal.updated_at.max(raised_at.min(now));
            }
        }
    }
}

/// A stalled deal now and then snoozed by its owner.
pub(super) fn snooze(deal: &mut Deal, story: &Story, d: &mut Dice) {
    let Story {
        plan, now, owner, ..
    } = *story;
    if plan == Plan::Stalled && d.chance(25) {
        let at = now - d.minutes(60, 24 * 60);
        deal.content.snooze = Some(Snooze {
            until: now.date_naive() + Duration::days(d.range(3, 10)),
            reason: "Customer on holiday; restarts after the break".into(),
            by: owner.to_string(),
            at: at.max(deal.updated_at),
            last_change: deal.updated_at,
        });
    }
}
