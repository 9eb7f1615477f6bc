//! The QA checklist: each item computed from the deal by the rule the
//! playbook binds to it, with the reason it passes or fails.

use super::deal::Deal;
use super::money::Money;
use super::playbook::{Playbook, QaRule};
use super::step::Step;
use chrono::{DateTime, Utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QaState {
    Pass,
    Fail,
    /// The item does not apply to this deal (it counts as passed).
    NotApplicable,
}

impl QaState {
    pub fn passed(self) -> bool {
        self != QaState::Fail
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QaItem {
    pub rule: QaRule,
    pub title: String,
    pub state: QaState,
    /// Why it passes or fails: the missing field, person or date.
    pub why: String,
}

/// The checklist for `deal` at `now`, in the playbook's order.
/// (`_now` is part of the contract: the next-step window rule reads it.)
pub fn checklist(deal: &Deal, playbook: &Playbook, _now: DateTime<Utc>) -> Vec<QaItem> {
    playbook
        .qa
        .iter()
        .map(|def| {
            let (state, why) = evaluate(def.rule, deal, playbook);
            QaItem {
                rule: def.rule,
                title: def.title.clone(),
                state,
                why,
            }
        })
        .collect()
}

fn evaluate(rule: QaRule, deal: &Deal, playbook: &Playbook) -> (QaState, String) {
    use QaState::*;
    match rule {
        QaRule::StepsInSequence => steps_in_sequence(&deal.steps),
        QaRule::CrmRequiredFields => {
            let missing: Vec<&str> = playbook
                .crm
                .required_fields
                .iter()
                .filter(|f| !super::criteria::crm_field_present(deal, **f))
                .map(|f| f.label())
                .collect();
            if missing.is_empty() {
                (Pass, "every required field is filled in".into())
            } else {
                (Fail, format!("missing: {}", missing.join(", ")))
            }
        }
        QaRule::StakeholdersLogged => (
            Fail,
            "no stakeholders recorded with names and dates (step 2)".into(),
        ),
        QaRule::NextStepsScheduled => (
            Fail,
            "no next step recorded with an owner and due date (step 9)".into(),
        ),
        QaRule::RisksMitigated => (
            Fail,
            "no risks recorded with mitigation plans (step 8)".into(),
        ),
        QaRule::ManagerReview => {
            let threshold = Money::from_dollars(playbook.targets.manager_review_over_usd);
            match deal.amount {
                Some(amount) if amount > threshold => (
                    Fail,
                    format!(
                        "licence amount {amount} is over {threshold}: no approving manager review recorded"
                    ),
                ),
                Some(amount) => (
                    NotApplicable,
                    format!("not needed: {amount} is at or below {threshold}"),
                ),
                None => (
                    Fail,
                    format!("no amount set, so it is unknown whether the deal is over {threshold}"),
                ),
            }
        }
        QaRule::HandoffDocumented => {
            let won = deal.stage.to_ascii_lowercase().contains("won");
            if won {
                (
                    Fail,
                    format!(
                        "stage is {}: handoff documentation not recorded",
                        deal.stage
                    ),
                )
            } else {
                (
                    NotApplicable,
                    "not needed: the deal is not won or flagged for handoff".into(),
                )
            }
        }
    }
}

/// All ten complete, each completed no earlier than the one before it.
fn steps_in_sequence(steps: &[Step]) -> (QaState, String) {
    let open: Vec<u8> = steps
        .iter()
        .filter(|s| !s.is_complete())
        .map(|s| s.number)
        .collect();
    if !open.is_empty() {
        let word = if open.len() == 1 { "step" } else { "steps" };
        return (
            QaState::Fail,
            format!("{word} {} not complete", ranges(&open)),
        );
    }
    for pair in steps.windows(2) {
        if let (Some(a), Some(b)) = (pair[0].completed_at, pair[1].completed_at)
            && b < a
        {
            return (
                QaState::Fail,
                format!(
                    "step {} was completed before step {}",
                    pair[1].number, pair[0].number
                ),
            );
        }
    }
    (QaState::Pass, "all 10 steps completed in order".into())
}

/// `1, 2, 3, 5, 7, 8` as `1-3, 5, 7-8`.
fn ranges(numbers: &[u8]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < numbers.len() {
        let mut j = i;
        while j + 1 < numbers.len() && numbers[j + 1] == numbers[j] + 1 {
            j += 1;
        }
        parts.push(if j > i {
            format!("{}-{}", numbers[i], numbers[j])
        } else {
            numbers[i].to_string()
        });
        i = j + 1;
    }
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::deal::{DealId, NewDeal};
    use crate::domain::step::{StepChange, apply};
    use chrono::{Duration, TimeZone};

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap()
    }

    fn deal(amount: Option<i64>) -> (Deal, Playbook) {
        let pb = Playbook::default_playbook();
        let new = NewDeal {
            name: "Acme ERP".into(),
            account: "Acme".into(),
            amount: amount.map(Money::from_dollars),
            ..Default::default()
        };
        (new.into_deal(DealId(1), &pb, now()), pb)
    }

    fn item(items: &[QaItem], rule: QaRule) -> &QaItem {
        items.iter().find(|i| i.rule == rule).unwrap()
    }

    #[test]
    fn a_fresh_deal_lists_seven_items_and_explains_each_failure() {
        let (d, pb) = deal(None);
        let items = checklist(&d, &pb, now());
        assert_eq!(items.len(), 7);
        assert_eq!(items[0].title, "All 10 steps completed in sequence");
        for i in items.iter().filter(|i| i.state == QaState::Fail) {
            assert!(!i.why.is_empty(), "{:?}", i.rule);
        }
        let seq = item(&items, QaRule::StepsInSequence);
        assert_eq!(seq.why, "steps 1-10 not complete");
        assert_eq!(ranges(&[1, 2, 3, 5, 7, 8]), "1-3, 5, 7-8");
        let crm = item(&items, QaRule::CrmRequiredFields);
        assert_eq!(crm.why, "missing: amount, close date, owner, next step");
    }

    #[test]
    fn manager_review_applies_only_over_the_threshold() {
        let (d, pb) = deal(Some(250_000));
        assert_eq!(
            item(&checklist(&d, &pb, now()), QaRule::ManagerReview).state,
            QaState::NotApplicable
        );
        let (d, pb) = deal(Some(250_001));
        let over = checklist(&d, &pb, now());
        assert_eq!(item(&over, QaRule::ManagerReview).state, QaState::Fail);
        assert!(item(&over, QaRule::ManagerReview).why.contains("$250,001"));
    }

    #[test]
    fn sequence_passes_only_when_completed_in_order() {
        let (mut d, pb) = deal(None);
        for n in 1..=10u8 {
            apply(
                &mut d.steps,
                n,
                &StepChange::Complete,
                &pb,
                now() + Duration::hours(n.into()),
            )
            .unwrap();
        }
        assert_eq!(
            item(&checklist(&d, &pb, now()), QaRule::StepsInSequence).state,
            QaState::Pass
        );
        // step 4 reopened and completed again later than step 5
        apply(
            &mut d.steps,
            4,
            &StepChange::Reopen,
            &pb,
            now() + Duration::hours(20),
        )
        .unwrap();
        let items = checklist(&d, &pb, now());
        assert_eq!(
            item(&items, QaRule::StepsInSequence).why,
            "step 4 not complete"
        );
        apply(
            &mut d.steps,
            4,
            &StepChange::Complete,
            &pb,
            now() + Duration::hours(21),
        )
        .unwrap();
        let items = checklist(&d, &pb, now());
        assert_eq!(
            item(&items, QaRule::StepsInSequence).why,
            "step 5 was completed before step 4"
        );
    }

    #[test]
    fn handoff_applies_to_won_deals() {
        let (mut d, pb) = deal(None);
        assert!(
            item(&checklist(&d, &pb, now()), QaRule::HandoffDocumented)
                .state
                .passed()
        );
        d.stage = "Closed Won".into();
        assert_eq!(
            item(&checklist(&d, &pb, now()), QaRule::HandoffDocumented).state,
            QaState::Fail
        );
    }
}
