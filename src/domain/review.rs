//! Sign-offs: the SA's on the technical validation plan (the step that
//! captures it, step 4 in the shipped playbook) and the manager's on the
//! deal. A send-back reopens what it concerns.

use super::choices::Choice;
use super::content::SaDecision;
use super::deal::Deal;
pub use super::deal::same_person;
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

    /// Who may sign, as a sales team says it: "the plan's SA" when the
    /// validation plan has an SA of its own, else "the deal's SA"; "the
    /// deal's manager".
    pub fn holder(self, deal: &Deal) -> &'static str {
        match self {
            Reviewer::Sa if !deal.content.validation_plan.sa.trim().is_empty() => "the plan's SA",
            Reviewer::Sa => "the deal's SA",
            Reviewer::Manager => "the deal's manager",
        }
    }

    /// What the sign-off is called: "the SA's sign-off", "the manager's
    /// review".
    pub fn sign_off(self) -> &'static str {
        match self {
            Reviewer::Sa => "the SA's sign-off",
            Reviewer::Manager => "the manager's review",
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

/// Where `reviewer`'s sign-off of `deal` stands. An approval counts only
/// while its signer still holds the role (the plan's SA, else the deal's
/// SA; the deal's manager) and does not own the deal; and it records what
/// it approved: when that has changed since, the approval is out of date.
/// (An approval recorded before qualify kept this record counts as current.)
pub fn standing(deal: &Deal, reviewer: Reviewer) -> Standing<'_> {
    let Some(d) = reviewer.decision(deal) else {
        return Standing::Missing;
    };
    if !d.approved {
        return Standing::SentBack(d);
    }
    if same_person(&d.by, &deal.owner) {
        let why = format!("signed by {}, who owns the deal", clean(d.by.trim()));
        return Standing::OutOfDate(d, why);
    }
    if !same_person(&d.by, reviewer.assigned(deal)) {
        let why = format!(
            "signed by {}, who is no longer {}",
            clean(d.by.trim()),
            reviewer.holder(deal)
        );
        return Standing::OutOfDate(d, why);
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

/// Whether `user` may record `reviewer`'s sign-off on `deal`: never the
/// deal's owner, whatever the fields say; else only the assigned person,
/// and a deal without one says so (and where the opportunity record, which
/// names the people, is kept).
pub fn may_sign(
    deal: &Deal,
    reviewer: Reviewer,
    user: &str,
    playbook: &Playbook,
) -> Result<(), RuleError> {
    let assigned = reviewer.assigned(deal);
    if same_person(user, &deal.owner) {
        return Err(RuleError::OwnerSignsOff {
            owner: clean(deal.owner.trim()),
            role: reviewer.role(),
            signs: reviewer.signs(),
            assigned: if same_person(assigned, &deal.owner) {
                "someone other than its owner".into()
            } else {
                clean(assigned)
            },
        });
    }
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
    // the plan's SA is left as assigned: when it names nobody, the sign-off
    // counts while its signer is the deal's SA
    match reviewer {
        Reviewer::Sa => deal.content.validation_plan.decision = Some(decision),
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

/// A sign-off a document carried that was not kept: an import never
/// records a sign-off on its own word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unrecorded {
    pub reviewer: Reviewer,
    pub decision: SaDecision,
}

impl Unrecorded {
    /// "the manager's review (approved by Morgan Lee on 2026-11-26)".
    pub fn words(&self) -> String {
        let d = &self.decision;
        format!(
            "{} ({} by {} on {})",
            self.reviewer.sign_off(),
            if d.approved { "approved" } else { "sent back" },
            clean(d.by.trim()),
            d.at.format("%Y-%m-%d")
        )
    }
}

/// Keep the sign-offs a document carries (`incoming`, about to be written)
/// only when each is the one already recorded on the deal it updates
/// (`stored`; `None` for a new deal): an export of the deal re-imported.
/// Any other is taken off the deal and returned. A document without a
/// sign-off leaves none, whatever was recorded.
pub fn keep_recorded_sign_offs(incoming: &mut Deal, stored: Option<&Deal>) -> Vec<Unrecorded> {
    let mut dropped = Vec::new();
    for reviewer in [Reviewer::Sa, Reviewer::Manager] {
        let recorded = stored.and_then(|d| reviewer.decision(d));
        let slot = match reviewer {
            Reviewer::Sa => &mut incoming.content.validation_plan.decision,
            Reviewer::Manager => &mut incoming.content.manager_review,
        };
        if slot.is_some() && slot.as_ref() != recorded {
            dropped.push(Unrecorded {
                reviewer,
                decision: slot.take().expect("checked"),
            });
        }
    }
    dropped
}

/// Whether a deal carries any sign-off (an import reads the stored deal
/// only for those that do).
pub fn carries_sign_off(deal: &Deal) -> bool {
    deal.content.validation_plan.decision.is_some() || deal.content.manager_review.is_some()
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
        assert_eq!(
            deal.content.validation_plan.sa, "",
            "the plan's SA is left as assigned"
        );
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

    #[test]
    fn the_owner_signs_nothing_whatever_the_fields_say() {
        let pb = Playbook::default_playbook();
        let now = DateTime::UNIX_EPOCH;
        let mut d = deal();
        d.owner = "Dana Reyes".into();
        // fields set below the rules (a deal kept before the rule existed)
        d.manager = "dana reyes".into();
        let err = review(&mut d, Reviewer::Manager, true, "Dana Reyes", "", &pb, now).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Dana Reyes owns this deal, and nobody signs off their own deal: the deal is signed off by the deal's manager, someone other than its owner"
        );
        d.manager = "Morgan Lee".into();
        let err = review(&mut d, Reviewer::Sa, true, "DANA REYES", "", &pb, now).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Dana Reyes owns this deal, and nobody signs off their own deal: the validation plan is signed off by the deal's SA, Sam Patel"
        );
        assert!(d.content.manager_review.is_none());
        assert!(d.content.validation_plan.decision.is_none());
        // an approval by the owner, however it got there, does not count
        d.content.manager_review = Some(SaDecision {
            approved: true,
            by: "Dana Reyes".into(),
            at: now,
            comment: String::new(),
            basis: None,
        });
        d.manager = "Dana Reyes".into();
        assert_eq!(
            standing(&d, Reviewer::Manager),
            Standing::OutOfDate(
                d.content.manager_review.as_ref().unwrap(),
                "signed by Dana Reyes, who owns the deal".into()
            )
        );
    }

    #[test]
    fn a_sign_off_counts_only_while_its_signer_holds_the_role() {
        let pb = Playbook::default_playbook();
        let now = DateTime::UNIX_EPOCH;
        let mut d = deal();
        review(&mut d, Reviewer::Sa, true, "Sam Patel", "", &pb, now).unwrap();
        review(&mut d, Reviewer::Manager, true, "Morgan Lee", "", &pb, now).unwrap();
        d.manager = "Pat Kim".into();
        let why = |d: &Deal, r| match standing(d, r) {
            Standing::OutOfDate(_, why) => why,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            why(&d, Reviewer::Manager),
            "signed by Morgan Lee, who is no longer the deal's manager"
        );
        d.manager = " morgan LEE".into();
        assert!(standing(&d, Reviewer::Manager).approved(), "back: counts");
        d.sa = "Ana Ruiz".into();
        assert_eq!(
            why(&d, Reviewer::Sa),
            "signed by Sam Patel, who is no longer the deal's SA"
        );
        // the plan's own SA is the one that counts
        d.content.validation_plan.sa = "Sam Patel".into();
        assert!(standing(&d, Reviewer::Sa).approved());
        d.content.validation_plan.sa = "Ana Ruiz".into();
        assert_eq!(
            why(&d, Reviewer::Sa),
            "signed by Sam Patel, who is no longer the plan's SA"
        );
        d.manager.clear();
        assert_eq!(
            why(&d, Reviewer::Manager),
            "signed by Morgan Lee, who is no longer the deal's manager"
        );
    }

    #[test]
    fn an_import_keeps_only_the_sign_offs_already_recorded() {
        let pb = Playbook::default_playbook();
        let now = DateTime::UNIX_EPOCH;
        let mut stored = deal();
        review(
            &mut stored,
            Reviewer::Manager,
            true,
            "Morgan Lee",
            "ok",
            &pb,
            now,
        )
        .unwrap();
        // an export re-imported: kept
        let mut same = stored.clone();
        assert!(keep_recorded_sign_offs(&mut same, Some(&stored)).is_empty());
        assert_eq!(same.content.manager_review, stored.content.manager_review);
        // a new deal, or one whose record differs: dropped, and said
        let mut forged = stored.clone();
        forged.content.validation_plan.decision = Some(SaDecision {
            approved: false,
            by: "Sam Patel".into(),
            at: now,
            comment: "add SSO".into(),
            basis: None,
        });
        let dropped = keep_recorded_sign_offs(&mut forged, None);
        let words: Vec<String> = dropped.iter().map(Unrecorded::words).collect();
        assert_eq!(
            words,
            [
                "the SA's sign-off (sent back by Sam Patel on 1970-01-01)",
                "the manager's review (approved by Morgan Lee on 1970-01-01)"
            ]
        );
        assert!(!carries_sign_off(&forged));
        let mut later = stored.clone();
        later.content.manager_review.as_mut().unwrap().comment = "great".into();
        assert_eq!(keep_recorded_sign_offs(&mut later, Some(&stored)).len(), 1);
        assert!(later.content.manager_review.is_none());
        // a document without them removes nothing it does not carry
        let mut none = deal();
        assert!(keep_recorded_sign_offs(&mut none, Some(&stored)).is_empty());
    }
}
