//! Sign-offs: the SA's on the technical validation plan (step 4) and the
//! manager's on the deal. A send-back reopens what it concerns.

use super::content::SaDecision;
use super::deal::Deal;
use super::step::{RuleError, StepStatus};
use chrono::{DateTime, Utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reviewer {
    /// The solution architect, on step 4's validation plan.
    Sa,
    /// The manager, on the whole deal.
    Manager,
}

impl Reviewer {
    /// The step a send-back reopens.
    pub fn step(self) -> u8 {
        match self {
            Reviewer::Sa => 4,
            Reviewer::Manager => 10,
        }
    }
}

/// Record a review. Returns what else it did, in words (a reopened step).
pub fn review(
    deal: &mut Deal,
    reviewer: Reviewer,
    approved: bool,
    by: &str,
    comment: &str,
    now: DateTime<Utc>,
) -> Result<Option<String>, RuleError> {
    if by.trim().is_empty() {
        return Err(RuleError::Required("the reviewer's name"));
    }
    if !approved && comment.trim().is_empty() {
        return Err(RuleError::Required("a comment saying what must change"));
    }
    let decision = SaDecision {
        approved,
        by: by.trim().to_string(),
        at: now,
        comment: comment.trim().to_string(),
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
    let n = reviewer.step();
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
            ..Default::default()
        }
        .into_deal(DealId(1), &pb, now);
        assert_eq!(
            review(&mut deal, Reviewer::Sa, false, "Sam", "", now),
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
            review(&mut deal, Reviewer::Manager, true, "Morgan", "", now).unwrap(),
            None
        );
        assert!(deal.content.manager_review.as_ref().unwrap().approved);
        assert_eq!(
            deal.steps[9].status,
            StepStatus::NotStarted,
            "an approval reopens nothing"
        );
    }
}
