//! The QA checklist: each item computed from the deal by the rule the
//! playbook binds to it, with the reason it passes or fails.

use super::calendar::within_window;
use super::criteria::{crm_field_present, no_longer_met};
use super::deal::Deal;
use super::forecast::OutcomeKind;
use super::money::Money;
use super::playbook::{CaptureKind, Playbook, QaRule};
use super::review::Standing;
use super::step::{Step, StepNumber};
use crate::text::clean;
use crate::text::plural;
use chrono::{DateTime, NaiveDate, Utc};

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
/// `today` is `now`'s date in UTC: overdue next steps are judged by it.
pub fn checklist(deal: &Deal, playbook: &Playbook, now: DateTime<Utc>) -> Vec<QaItem> {
    let today = now.date_naive();
    playbook
        .qa
        .iter()
        .map(|def| {
            let (state, why) = evaluate(def.rule, deal, playbook, today);
            QaItem {
                rule: def.rule,
                title: def.title.clone(),
                state,
                why,
            }
        })
        .collect()
}

fn evaluate(rule: QaRule, deal: &Deal, playbook: &Playbook, today: NaiveDate) -> (QaState, String) {
    use QaState::*;
    match rule {
        QaRule::StepsInSequence => steps_in_sequence(deal, playbook),
        QaRule::CrmRequiredFields => {
            let missing: Vec<&str> = playbook
                .crm
                .required_fields
                .iter()
                .filter(|f| !crm_field_present(deal, **f))
                .map(|f| f.label())
                .collect();
            if missing.is_empty() {
                (Pass, "every required field is filled in".into())
            } else {
                (Fail, format!("missing: {}", missing.join(", ")))
            }
        }
        QaRule::StakeholdersLogged => stakeholders_logged(deal, playbook),
        QaRule::NextStepsScheduled => next_steps_scheduled(deal, playbook, today),
        QaRule::RisksMitigated => risks_mitigated(deal, playbook),
        QaRule::ManagerReview => manager_review(deal, playbook),
        QaRule::HandoffDocumented => handoff_documented(deal, playbook),
    }
}

/// "(step 2)": where the record of `kind` is kept, for a finding's words.
fn on_step(playbook: &Playbook, kind: CaptureKind) -> String {
    format!("(step {})", playbook.step_capturing(kind).number)
}

/// Above the threshold, an approving manager review.
fn manager_review(deal: &Deal, playbook: &Playbook) -> (QaState, String) {
    let threshold = Money::from_dollars(playbook.targets.manager_review_over_usd);
    let Some(amount) = deal.amount else {
        return (
            QaState::Fail,
            format!("no amount set, so it is unknown whether the deal is over {threshold}"),
        );
    };
    if amount <= threshold {
        return (
            QaState::NotApplicable,
            format!("not needed: {amount} is at or below {threshold}"),
        );
    }
    match super::review::standing(deal, super::review::Reviewer::Manager) {
        Standing::Approved(r) => (
            QaState::Pass,
            format!(
                "approved by {} on {}",
                clean(&r.by),
                r.at.format("%Y-%m-%d")
            ),
        ),
        Standing::SentBack(r) => (
            QaState::Fail,
            format!(
                "sent back by {} on {}: {}",
                clean(&r.by),
                r.at.format("%Y-%m-%d"),
                clean(&r.comment)
            ),
        ),
        Standing::OutOfDate(_, why) => (
            QaState::Fail,
            format!("the approval is out of date: {}", clean(&why)),
        ),
        Standing::Missing => (
            QaState::Fail,
            format!(
                "licence amount {amount} is over {threshold}: no approving manager review recorded"
            ),
        ),
    }
}

/// Whether the deal's handoff to implementation is due: its recorded
/// outcome is won, or it is flagged for handoff. The stage's words decide
/// nothing.
pub fn handoff_due(deal: &Deal) -> bool {
    won(deal) || deal.content.handoff.flagged
}

/// Whether the deal's recorded outcome is won.
fn won(deal: &Deal) -> bool {
    deal.content
        .outcome
        .as_ref()
        .is_some_and(|o| o.kind == OutcomeKind::Won)
}

/// When the handoff is due: contacts, scope, success criteria (from the
/// validation plan), commitments and open risks all written down.
fn handoff_documented(deal: &Deal, playbook: &Playbook) -> (QaState, String) {
    let h = &deal.content.handoff;
    if !handoff_due(deal) {
        return (
            QaState::NotApplicable,
            "not needed: the deal is not won or flagged for handoff".into(),
        );
    }
    let blank = |s: &str| s.trim().is_empty();
    let criteria = format!(
        "success criteria {}",
        on_step(playbook, CaptureKind::ValidationPlan)
    );
    let mut missing = Vec::new();
    if blank(&h.implementation_contacts) {
        missing.push("implementation contacts");
    }
    if blank(&h.scope) {
        missing.push("scope");
    }
    if !deal
        .content
        .validation_plan
        .items
        .iter()
        .any(|i| !blank(&i.success_criterion))
    {
        missing.push(criteria.as_str());
    }
    if blank(&h.commitments) {
        missing.push("commitments made");
    }
    if blank(&h.open_risks) {
        missing.push("open risks");
    }
    let why = if won(deal) {
        format!("stage is {}", clean(&deal.stage))
    } else {
        "flagged for handoff".to_string()
    };
    if missing.is_empty() {
        (QaState::Pass, format!("{why}: handoff complete"))
    } else {
        (
            QaState::Fail,
            format!("{why}: handoff lacks {}", missing.join(", ")),
        )
    }
}

/// Every step complete, each first completed after the one before it, and
/// none whose criteria a later edit took away.
fn steps_in_sequence(deal: &Deal, playbook: &Playbook) -> (QaState, String) {
    let steps = &deal.steps;
    // a complete step that no longer holds is named first: it is the news
    let mut problems: Vec<String> = no_longer_met(deal, playbook)
        .into_iter()
        .map(|(n, missing)| {
            format!(
                "step {n} is complete but its criteria no longer hold: {}",
                missing.join("; ")
            )
        })
        .collect();
    let open: Vec<StepNumber> = steps
        .iter()
        .filter(|s| !s.is_complete())
        .map(|s| s.number)
        .collect();
    if !open.is_empty() {
        let word = if open.len() == 1 { "step" } else { "steps" };
        problems.push(format!("{word} {} not complete", ranges(&open)));
    }
    problems.extend(out_of_order(steps));
    if problems.is_empty() {
        (QaState::Pass, "all 10 steps completed in order".into())
    } else {
        (QaState::Fail, problems.join("; "))
    }
}

/// A step first completed before the step ahead of it. A step reopened and
/// completed again keeps its first completion, so fixing a step later does
/// not put the procedure out of order.
fn out_of_order(steps: &[Step]) -> Option<String> {
    let first = |s: &Step| s.first_completed_at.or(s.completed_at);
    steps
        .windows(2)
        .find_map(|pair| match (first(&pair[0]), first(&pair[1])) {
            (Some(a), Some(b)) if b < a => Some(format!(
                "step {} was completed before step {}",
                pair[1].number, pair[0].number
            )),
            _ => None,
        })
}

fn names<'a>(items: impl Iterator<Item = &'a str>) -> String {
    items.map(crate::text::clean).collect::<Vec<_>>().join(", ")
}

/// Specific names, each with the date they were last engaged.
fn stakeholders_logged(deal: &Deal, playbook: &Playbook) -> (QaState, String) {
    let people = &deal.content.stakeholders;
    if people.is_empty() {
        let on = on_step(playbook, CaptureKind::Stakeholders);
        return (QaState::Fail, format!("no stakeholders recorded {on}"));
    }
    let undated: Vec<&str> = people
        .iter()
        .filter(|s| s.last_engaged.is_none())
        .map(|s| s.name.as_str())
        .collect();
    if undated.is_empty() {
        let latest = people
            .iter()
            .filter_map(|s| s.last_engaged)
            .max()
            .map(|d| d.to_string())
            .unwrap_or_default();
        (
            QaState::Pass,
            format!(
                "{}, last engaged {latest}",
                plural(people.len(), "stakeholder", "stakeholders")
            ),
        )
    } else {
        (
            QaState::Fail,
            format!("no last-engaged date for {}", names(undated.into_iter())),
        )
    }
}

/// Every open next step has an owner and is due within the window of the
/// day it was set, and none is overdue.
fn next_steps_scheduled(deal: &Deal, playbook: &Playbook, today: NaiveDate) -> (QaState, String) {
    let window = playbook.targets.next_step_window_business_days;
    let days = plural(window, "business day", "business days");
    let open: Vec<_> = deal.content.next_steps.iter().filter(|n| !n.done).collect();
    if open.is_empty() {
        let on = on_step(playbook, CaptureKind::NextSteps);
        return (QaState::Fail, format!("no open next step {on}"));
    }
    for n in &open {
        let action = crate::text::clean(&n.action);
        let Some(due) = n.due else {
            return (QaState::Fail, format!("{action}: no due date"));
        };
        if n.owner.trim().is_empty() {
            return (QaState::Fail, format!("{action}: no owner"));
        }
        if !within_window(n.set_on, due, window, &playbook.targets.holidays) {
            return (
                QaState::Fail,
                format!(
                    "{action}: due {due}, more than {days} after it was set on {}",
                    n.set_on
                ),
            );
        }
        if due < today {
            return (QaState::Fail, format!("{action}: overdue since {due}"));
        }
    }
    (
        QaState::Pass,
        format!("{} open, each due within {days}", open.len()),
    )
}

/// At least one risk, each with a mitigation plan.
fn risks_mitigated(deal: &Deal, playbook: &Playbook) -> (QaState, String) {
    let risks = &deal.content.risks;
    if risks.is_empty() {
        let on = on_step(playbook, CaptureKind::Risks);
        return (QaState::Fail, format!("no risks recorded {on}"));
    }
    let bare: Vec<&str> = risks
        .iter()
        .filter(|r| r.mitigation.trim().is_empty())
        .map(|r| r.description.as_str())
        .collect();
    if bare.is_empty() {
        (
            QaState::Pass,
            format!(
                "{}, each with a mitigation plan",
                plural(risks.len(), "risk", "risks")
            ),
        )
    } else {
        (
            QaState::Fail,
            format!("no mitigation plan for {}", names(bare.into_iter())),
        )
    }
}

/// `1, 2, 3, 5, 7, 8` as `1-3, 5, 7-8`.
fn ranges(numbers: &[StepNumber]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < numbers.len() {
        let mut j = i;
        while j + 1 < numbers.len() && numbers[j].next() == Some(numbers[j + 1]) {
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
    use crate::domain::step_number::number;
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
        assert_eq!(ranges(&[1, 2, 3, 5, 7, 8].map(number)), "1-3, 5, 7-8");
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
    fn order_counts_each_step_s_first_completion() {
        let (mut d, pb) = deal(None);
        for n in StepNumber::all() {
            apply(
                &mut d.steps,
                n,
                &StepChange::Complete,
                &pb,
                now() + Duration::hours(n.get().into()),
            )
            .unwrap();
        }
        assert_eq!(out_of_order(&d.steps), None);
        // step 4 reopened to fix it and completed again after 5-10
        apply(&mut d.steps, number(4), &StepChange::Reopen, &pb, now()).unwrap();
        apply(
            &mut d.steps,
            number(4),
            &StepChange::Complete,
            &pb,
            now() + Duration::hours(21),
        )
        .unwrap();
        assert_eq!(d.steps[3].completed_at, Some(now() + Duration::hours(21)));
        assert_eq!(
            out_of_order(&d.steps),
            None,
            "first completions are in order"
        );
        // a record whose step 5 was first completed before step 4
        d.steps[4].first_completed_at = Some(now() + Duration::minutes(30));
        assert_eq!(
            out_of_order(&d.steps).as_deref(),
            Some("step 5 was completed before step 4")
        );
    }

    #[test]
    fn sequence_fails_for_complete_steps_whose_criteria_no_longer_hold() {
        let (mut d, pb) = deal(None);
        for n in StepNumber::all() {
            apply(&mut d.steps, n, &StepChange::Complete, &pb, now()).unwrap();
        }
        // completed without content (as a raw record could be): step 1 first
        let items = checklist(&d, &pb, now());
        let seq = item(&items, QaRule::StepsInSequence);
        assert_eq!(seq.state, QaState::Fail);
        assert!(
            seq.why.starts_with(
                "step 1 is complete but its criteria no longer hold: every element scored"
            ),
            "{}",
            seq.why
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
        // the stage's text decides nothing; the recorded outcome does
        d.stage = "Closed Won".into();
        assert!(
            item(&checklist(&d, &pb, now()), QaRule::HandoffDocumented)
                .state
                .passed()
        );
        d.content.outcome = Some(crate::domain::pipeline::Outcome {
            kind: crate::domain::pipeline::OutcomeKind::Won,
            on: now().date_naive(),
            reason: String::new(),
            lost_to: String::new(),
        });
        assert_eq!(
            item(&checklist(&d, &pb, now()), QaRule::HandoffDocumented).state,
            QaState::Fail
        );
    }

    #[test]
    fn stakeholders_next_steps_and_risks_are_read_from_the_steps_content() {
        use crate::domain::content::*;
        let (mut d, pb) = deal(Some(100_000));
        let day = |s: &str| crate::domain::parse_date(s).unwrap();
        let at = |s: &str| day(s).and_hms_opt(12, 0, 0).unwrap().and_utc();
        d.content.stakeholders.push(Stakeholder {
            name: "Tom Hale".into(),
            title: "CFO".into(),
            role: Role::EconomicBuyer,
            stance: Stance::Supports,
            influence: Level::High,
            last_engaged: None,
            confirmed_on: None,
        });
        let items = checklist(&d, &pb, now());
        assert_eq!(
            item(&items, QaRule::StakeholdersLogged).why,
            "no last-engaged date for Tom Hale"
        );
        d.content.stakeholders[0].last_engaged = Some(day("2026-11-23"));
        let items = checklist(&d, &pb, now());
        assert_eq!(
            item(&items, QaRule::StakeholdersLogged).state,
            QaState::Pass
        );

        // set on a Friday: due Tuesday is inside the window, Wednesday is not
        d.content.next_steps.push(NextStep {
            action: "Send questionnaire".into(),
            owner: "Sam".into(),
            due: Some(day("2026-12-02")),
            set_on: day("2026-11-27"),
            done: false,
        });
        let friday = at("2026-11-27");
        let why = item(&checklist(&d, &pb, friday), QaRule::NextStepsScheduled)
            .why
            .clone();
        assert!(
            why.contains("more than 2 business days after it was set"),
            "{why}"
        );
        d.content.next_steps[0].due = Some(day("2026-12-01"));
        assert_eq!(
            item(&checklist(&d, &pb, friday), QaRule::NextStepsScheduled).state,
            QaState::Pass
        );
        let wednesday = at("2026-12-02");
        let late = checklist(&d, &pb, wednesday);
        assert_eq!(
            item(&late, QaRule::NextStepsScheduled).why,
            "Send questionnaire: overdue since 2026-12-01"
        );

        d.content.risks.push(Risk {
            description: "Security queue".into(),
            category: RiskCategory::LegalSecurity,
            likelihood: 2,
            impact: 2,
            mitigation: String::new(),
            owner: String::new(),
        });
        let items = checklist(&d, &pb, friday);
        assert_eq!(
            item(&items, QaRule::RisksMitigated).why,
            "no mitigation plan for Security queue"
        );
        d.content.risks[0].mitigation = "Questionnaire now".into();
        assert_eq!(
            item(&checklist(&d, &pb, friday), QaRule::RisksMitigated).state,
            QaState::Pass
        );
    }

    #[test]
    fn manager_review_passes_once_approved_and_fails_when_sent_back() {
        use crate::domain::review::{Reviewer, review};
        let (mut d, pb) = deal(Some(300_000));
        d.manager = "Morgan".into();
        review(
            &mut d,
            Reviewer::Manager,
            false,
            "Morgan",
            "tighten the close plan",
            &pb,
            now(),
        )
        .unwrap();
        let why = item(&checklist(&d, &pb, now()), QaRule::ManagerReview)
            .why
            .clone();
        assert_eq!(
            why,
            "sent back by Morgan on 2026-11-02: tighten the close plan"
        );
        review(&mut d, Reviewer::Manager, true, "Morgan", "", &pb, now()).unwrap();
        let items = checklist(&d, &pb, now());
        assert_eq!(item(&items, QaRule::ManagerReview).state, QaState::Pass);
        assert_eq!(
            item(&items, QaRule::ManagerReview).why,
            "approved by Morgan on 2026-11-02"
        );
    }

    #[test]
    fn handoff_applies_when_flagged_and_names_what_it_lacks() {
        use crate::domain::content::*;
        let (mut d, pb) = deal(None);
        d.content.handoff.flagged = true;
        let why = item(&checklist(&d, &pb, now()), QaRule::HandoffDocumented)
            .why
            .clone();
        assert_eq!(
            why,
            "flagged for handoff: handoff lacks implementation contacts, scope, success criteria (step 4), commitments made, open risks"
        );
        d.content.handoff = Handoff {
            flagged: true,
            implementation_contacts: "Ken Ito (IT)".into(),
            scope: "3 ERPs".into(),
            commitments: "Go-live in 90 days".into(),
            open_risks: "Security queue".into(),
        };
        d.content.validation_plan.items.push(ValidationItem {
            requirement: "SSO".into(),
            success_criterion: "Login via Okta".into(),
            owner: "Ken".into(),
            due: None,
            status: ItemStatus::Passed,
        });
        let items = checklist(&d, &pb, now());
        assert_eq!(item(&items, QaRule::HandoffDocumented).state, QaState::Pass);
    }
}
