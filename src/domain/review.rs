//! Sign-offs: the SA's on the technical validation plan (the step that
//! captures it, step 4 in the shipped playbook) and the manager's on the
//! deal. A send-back reopens what it concerns.

use super::choices::Choice;
use super::content::SaDecision;
use super::deal::Deal;
use super::playbook::{CaptureKind, Playbook};
use super::step::{RuleError, StepNumber, StepStatus};
use crate::text::clean;
use chrono::{DateTime, Utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reviewer {
    /// The solution architect, on the validation plan.
    Sa,
    /// The manager, on the whole deal.
    Manager,
}

impl Reviewer {
    /// The step a send-back reopens: the one that captures the validation
    /// plan for the SA; the last, which closes the procedure, for the
    /// manager's review of the whole deal.
    pub fn step(self, playbook: &Playbook) -> StepNumber {
        match self {
            Reviewer::Sa => playbook.step_capturing(CaptureKind::ValidationPlan).number,
            Reviewer::Manager => StepNumber::last(),
        }
    }

    /// The role, as a sales team says it.
    pub fn role(self) -> &'static str {
        match self {
            Reviewer::Sa => "SA",
            Reviewer::Manager => "manager",
        }
    }

    /// What this reviewer signs off.
    pub fn signs(self) -> &'static str {
        match self {
            Reviewer::Sa => "the validation plan",
            Reviewer::Manager => "the deal",
        }
    }

    /// The person who may sign: the plan's assigned SA (else the deal's SA),
    /// or the deal's manager. Empty when nobody is assigned.
    pub fn assigned(self, deal: &Deal) -> &str {
        match self {
            Reviewer::Sa => {
                let plan = deal.content.validation_plan.sa.trim();
                if plan.is_empty() {
                    deal.sa.trim()
                } else {
                    plan
                }
            }
            Reviewer::Manager => deal.manager.trim(),
        }
    }

    /// The recorded decision, if any.
    pub fn decision(self, deal: &Deal) -> Option<&SaDecision> {
        match self {
            Reviewer::Sa => deal.content.validation_plan.decision.as_ref(),
            Reviewer::Manager => deal.content.manager_review.as_ref(),
        }
    }
}

/// Whether `user` is `name`: names are compared without case.
pub fn same_person(user: &str, name: &str) -> bool {
    user.trim().to_lowercase() == name.trim().to_lowercase()
}

/// What a sign-off covers, in words: the validation plan's items for the
/// SA; the licence amount and close date for the manager.
pub fn basis(deal: &Deal, reviewer: Reviewer) -> String {
    match reviewer {
        Reviewer::Sa => deal
            .content
            .validation_plan
            .items
            .iter()
            .map(|i| {
                format!(
                    "{} | {} | {} | {} | {}",
                    i.requirement.trim(),
                    i.success_criterion.trim(),
                    i.owner.trim(),
                    i.due.map(|d| d.to_string()).unwrap_or_default(),
                    Choice::label(i.status)
                )
            })
            .collect::<Vec<_>>()
            .join("\n"),
        Reviewer::Manager => format!(
            "amount {} · close {}",
            deal.amount.map_or("none".to_string(), |m| m.to_string()),
            deal.close_date
                .map_or("none".to_string(), |d| d.to_string())
        ),
    }
}

/// Where a sign-off stands now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing<'a> {
    /// Nobody has signed.
    Missing,
    Approved(&'a SaDecision),
    SentBack(&'a SaDecision),
    /// Approved, but what was approved has changed since: why, in words.
    OutOfDate(&'a SaDecision, String),
}

impl Standing<'_> {
    pub fn approved(&self) -> bool {
        matches!(self, Standing::Approved(_))
    }
}

/// Where `reviewer`'s sign-off of `deal` stands. An approval records what it
/// approved; when that has changed since, the approval is out of date. (An
/// approval recorded before qualify kept this record counts as current.)
pub fn standing(deal: &Deal, reviewer: Reviewer) -> Standing<'_> {
    let Some(d) = reviewer.decision(deal) else {
        return Standing::Missing;
    };
    if !d.approved {
        return Standing::SentBack(d);
    }
    match &d.basis {
        Some(signed) if *signed != basis(deal, reviewer) => {
            let why = match reviewer {
                Reviewer::Sa => format!(
                    "the plan changed after {} approved it on {}",
                    clean(&d.by),
                    d.at.format("%Y-%m-%d")
                ),
                Reviewer::Manager => format!(
                    "{} approved {} on {}; now {}",
                    clean(&d.by),
                    signed,
                    d.at.format("%Y-%m-%d"),
                    basis(deal, reviewer)
                ),
            };
            Standing::OutOfDate(d, why)
        }
        _ => Standing::Approved(d),
    }
}

/// Whether `user` may record `reviewer`'s sign-off on `deal`: only the
/// assigned person may, and a deal without one says so (and where the
/// opportunity record, which names the people, is kept).
pub fn may_sign(
    deal: &Deal,
    reviewer: Reviewer,
    user: &str,
    playbook: &Playbook,
) -> Result<(), RuleError> {
    let assigned = reviewer.assigned(deal);
    if assigned.is_empty() {
        return Err(RuleError::NoReviewer {
            role: reviewer.role(),
            record: playbook.step_capturing(CaptureKind::CrmRecord).number,
        });
    }
    if !same_person(user, assigned) {
        return Err(RuleError::NotReviewer {
            role: reviewer.role(),
            signs: reviewer.signs(),
            assigned: clean(assigned),
            you: clean(user.trim()),
        });
    }
    Ok(())
}

/// Record a review by `by`, who must be the assigned reviewer. Returns what
/// else it did, in words (a reopened step).
pub fn review(
    deal: &mut Deal,
    reviewer: Reviewer,
    approved: bool,
    by: &str,
    comment: &str,
    playbook: &Playbook,
    now: DateTime<Utc>,
) -> Result<Option<String>, RuleError> {
    if by.trim().is_empty() {
        return Err(RuleError::Required("the reviewer's name"));
    }
    if !approved && comment.trim().is_empty() {
        return Err(RuleError::Required("a comment saying what must change"));
    }
    may_sign(deal, reviewer, by, playbook)?;
    let decision = SaDecision {
        approved,
        by: reviewer.assigned(deal).to_string(),
        at: now,
        comment: comment.trim().to_string(),
        // what was approved; and the plan sent back, which leaves the SA's
        // queue until it changes
        basis: (approved || reviewer == Reviewer::Sa).then(|| basis(deal, reviewer)),
    };
    match reviewer {
        Reviewer::Sa => {
            let plan = &mut deal.content.validation_plan;
            if plan.sa.trim().is_empty() {
                plan.sa = decision.by.clone();
            }
            plan.decision = Some(decision);
        }
        Reviewer::Manager => deal.content.manager_review = Some(decision),
    }
    let n = reviewer.step(playbook);
    let step = deal
        .steps
        .iter_mut()
        .find(|s| s.number == n)
        .expect("a deal has its ten steps");
    if approved || step.status != StepStatus::Complete {
        return Ok(None);
    }
    step.status = StepStatus::InProgress;
    step.completed_at = None;
    Ok(Some(format!(
        "step {n} reopened: sent back by {}: {}",
        by.trim(),
        comment.trim()
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::deal::{DealId, NewDeal};
    use crate::domain::playbook::Playbook;

    #[test]
    fn a_send_back_needs_a_comment_and_reopens_its_step() {
        let pb = Playbook::default_playbook();
        let now = DateTime::UNIX_EPOCH;
        let mut deal = NewDeal {
            name: "A".into(),
            account: "A".into(),
            sa: "Sam".into(),
            manager: "Morgan".into(),
            ..Default::default()
        }
        .into_deal(DealId(1), &pb, now);
        assert_eq!(
            review(&mut deal, Reviewer::Sa, false, "Sam", "", &pb, now),
            Err(RuleError::Required("a comment saying what must change"))
        );
        deal.steps[3].status = StepStatus::Complete;
        deal.steps[3].completed_at = Some(now);
        let said = review(
            &mut deal,
            Reviewer::Sa,
            false,
            "Sam",
            "add a load test",
            &pb,
            now,
        )
        .unwrap();
        assert_eq!(
            said.unwrap(),
            "step 4 reopened: sent back by Sam: add a load test"
        );
        assert_eq!(deal.steps[3].status, StepStatus::InProgress);
        assert_eq!(deal.content.validation_plan.sa, "Sam");
        assert!(
            !deal
                .content
                .validation_plan
                .decision
                .as_ref()
                .unwrap()
                .approved
        );

        assert_eq!(
            review(&mut deal, Reviewer::Manager, true, "Morgan", "", &pb, now).unwrap(),
            None
        );
        assert!(deal.content.manager_review.as_ref().unwrap().approved);
        assert_eq!(
            deal.steps[9].status,
            StepStatus::NotStarted,
            "an approval reopens nothing"
        );
    }

    #[test]
    fn a_send_back_reopens_the_step_that_captures_the_plan() {
        use crate::domain::playbook::swapped;
        let pb = swapped(CaptureKind::ValidationPlan, CaptureKind::Competitors);
        let now = DateTime::UNIX_EPOCH;
        let mut d = deal();
        for s in &mut d.steps[..5] {
            s.status = StepStatus::Complete;
            s.completed_at = Some(now);
        }
        let said = review(&mut d, Reviewer::Sa, false, "Sam Patel", "no SSO", &pb, now);
        assert_eq!(
            said.unwrap().unwrap(),
            "step 5 reopened: sent back by Sam Patel: no SSO"
        );
        assert_eq!(d.steps[4].status, StepStatus::InProgress);
        assert_eq!(d.steps[3].status, StepStatus::Complete);

        // nobody assigned: set on the step that keeps the opportunity record
        let pb = swapped(CaptureKind::CrmRecord, CaptureKind::NextSteps);
        d.manager.clear();
        let err = review(&mut d, Reviewer::Manager, true, "x", "", &pb, now).unwrap_err();
        assert!(
            err.to_string()
                .contains("set it on step 9 (the CRM record)"),
            "{err}"
        );
    }

    fn deal() -> Deal {
        NewDeal {
            name: "A".into(),
            account: "A".into(),
            amount: Some(crate::domain::money::Money::from_dollars(300_000)),
            sa: "Sam Patel".into(),
            manager: "Morgan Lee".into(),
            ..Default::default()
        }
        .into_deal(
            DealId(1),
            &Playbook::default_playbook(),
            DateTime::UNIX_EPOCH,
        )
    }

    #[test]
    fn only_the_assigned_person_signs() {
        let pb = Playbook::default_playbook();
        let now = DateTime::UNIX_EPOCH;
        let mut d = deal();
        let err = review(&mut d, Reviewer::Sa, true, "dana", "", &pb, now).unwrap_err();
        assert_eq!(
            err.to_string(),
            "only the deal's SA, Sam Patel, may sign off the validation plan; you are dana (act as them with --user \"Sam Patel\" or QUALIFY_USER)"
        );
        assert!(d.content.validation_plan.decision.is_none());
        let err = review(&mut d, Reviewer::Manager, true, "Sam Patel", "", &pb, now).unwrap_err();
        assert!(err.to_string().contains("Morgan Lee"), "{err}");
        // names compare without case; the record keeps the assigned spelling
        review(&mut d, Reviewer::Sa, true, "sam PATEL", "", &pb, now).unwrap();
        assert_eq!(
            d.content.validation_plan.decision.as_ref().unwrap().by,
            "Sam Patel"
        );
        review(&mut d, Reviewer::Manager, true, "morgan lee", "", &pb, now).unwrap();
        d.manager.clear();
        assert_eq!(
            review(&mut d, Reviewer::Manager, true, "morgan lee", "", &pb, now)
                .unwrap_err()
                .to_string(),
            "the deal has no manager assigned: set it on step 10 (the CRM record) before signing off"
        );
    }

    #[test]
    fn an_approval_goes_out_of_date_when_what_it_approved_changes() {
        let pb = Playbook::default_playbook();
        let now = DateTime::UNIX_EPOCH;
        let mut d = deal();
        d.content
            .validation_plan
            .items
            .push(crate::domain::content::ValidationItem {
                requirement: "SSO".into(),
                success_criterion: "Login".into(),
                owner: "Ken".into(),
                due: None,
                status: crate::domain::content::ItemStatus::Open,
            });
        review(&mut d, Reviewer::Sa, true, "Sam Patel", "", &pb, now).unwrap();
        review(&mut d, Reviewer::Manager, true, "Morgan Lee", "", &pb, now).unwrap();
        assert!(standing(&d, Reviewer::Sa).approved());
        assert!(standing(&d, Reviewer::Manager).approved());
        d.content.validation_plan.items[0].owner.clear();
        match standing(&d, Reviewer::Sa) {
            Standing::OutOfDate(_, why) => {
                assert_eq!(
                    why,
                    "the plan changed after Sam Patel approved it on 1970-01-01"
                )
            }
            other => panic!("{other:?}"),
        }
        d.amount = Some(crate::domain::money::Money::from_dollars(350_000));
        match standing(&d, Reviewer::Manager) {
            Standing::OutOfDate(_, why) => assert_eq!(
                why,
                "Morgan Lee approved amount $300,000 · close none on 1970-01-01; now amount $350,000 · close none"
            ),
            other => panic!("{other:?}"),
        }
        // putting it back makes the approval current again
        d.amount = Some(crate::domain::money::Money::from_dollars(300_000));
        assert!(standing(&d, Reviewer::Manager).approved());
    }
}
