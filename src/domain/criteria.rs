//! Each step's completion criteria, computed from what the step captured,
//! and the scores and verdicts they rest on. A step cannot be completed
//! until its blocking criteria hold; each unmet one says what is missing.

use super::calendar::within_window;
use super::confirmation;
use super::content::{
    Choice, DealContent, Element, Level, MilestoneKind, Risk, RiskBand, Role, Scorecard,
};
use super::deal::Deal;
use super::forecast::Prediction;
pub use super::forecast::Verdict;
use super::playbook::{CaptureKind, CrmField, Playbook};
use super::review::{self, Reviewer, Standing};
use super::step::{self, ChangeOutcome, RuleError, StepChange, StepNumber};
use crate::text::plural;
use chrono::{DateTime, Utc};

/// Total and maximum of the scorecard, counting only the framework's elements.
pub fn score_total(card: &Scorecard) -> (u32, u32) {
    let elements = card.framework.elements();
    let total = elements
        .iter()
        .filter_map(|e| card.elements.get(e))
        .map(|s| u32::from(s.score))
        .sum();
    (total, 3 * elements.len() as u32)
}

/// The framework's elements not scored yet.
pub fn unscored(card: &Scorecard) -> Vec<Element> {
    card.framework
        .elements()
        .into_iter()
        .filter(|e| !card.elements.contains_key(e))
        .collect()
}

/// The verdict once every element is scored.
pub fn verdict(card: &Scorecard, playbook: &Playbook) -> Option<Verdict> {
    if !unscored(card).is_empty() {
        return None;
    }
    let rules = &playbook.meddpicc;
    let (total, max) = score_total(card);
    let [qn, qd] = rules.qualified_ratio;
    let [dn, dd] = rules.disqualify_ratio;
    let must_hold = rules.must_validate.iter().all(|e| {
        card.elements
            .get(e)
            .is_some_and(|s| s.score >= rules.must_score)
    });
    Some(if total * qd >= max * qn && must_hold {
        Verdict::Qualified
    } else if total * dd <= max * dn {
        Verdict::Disqualify
    } else {
        Verdict::NeedsWork
    })
}

pub fn risk_band(risk: &Risk, playbook: &Playbook) -> RiskBand {
    let bands = &playbook.risk_bands;
    match risk.score() {
        s if s >= bands.critical => RiskBand::Critical,
        s if s >= bands.high => RiskBand::High,
        s if s >= bands.medium => RiskBand::Medium,
        _ => RiskBand::Low,
    }
}

/// The deal's risk band: its worst risk's.
pub fn overall_risk_band(content: &DealContent, playbook: &Playbook) -> Option<RiskBand> {
    content.risks.iter().map(|r| risk_band(r, playbook)).max()
}

/// Whether the opportunity record has `field`.
pub fn crm_field_present(deal: &Deal, field: CrmField) -> bool {
    let filled = |s: &str| !s.trim().is_empty();
    match field {
        CrmField::Name => filled(&deal.name),
        CrmField::Account => filled(&deal.account),
        CrmField::Amount => deal.amount.is_some(),
        CrmField::CloseDate => deal.close_date.is_some(),
        CrmField::Stage => filled(&deal.stage),
        CrmField::Owner => filled(&deal.owner),
        CrmField::Sa => filled(&deal.sa),
        CrmField::Manager => filled(&deal.manager),
        CrmField::TriggerDate => deal.trigger_date.is_some(),
        CrmField::NextStep => deal
            .content
            .next_steps
            .iter()
            .any(|n| !n.done && n.due.is_some()),
        // always derivable from the steps (see `forecast_category`)
        CrmField::ForecastCategory => true,
    }
}

/// One completion criterion of a step, met or not, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub label: String,
    pub met: bool,
    /// What is missing (or, when met, what satisfied it).
    pub detail: String,
    /// Blocking checks must hold before the step can be completed; the others
    /// are findings to see, not gates.
    pub blocking: bool,
}

fn check(label: &str, missing: Vec<String>, ok: impl Into<String>) -> Check {
    Check {
        label: label.to_string(),
        met: missing.is_empty(),
        detail: if missing.is_empty() {
            ok.into()
        } else {
            format!("missing: {}", missing.join(", "))
        },
        blocking: true,
    }
}

fn check_if(label: &str, met: bool, why_not: impl Into<String>, ok: impl Into<String>) -> Check {
    Check {
        label: label.to_string(),
        met,
        detail: if met { ok.into() } else { why_not.into() },
        blocking: true,
    }
}

fn blank(s: &str) -> bool {
    s.trim().is_empty()
}

/// The criteria of step `number` for `deal`: those of the kind of record
/// the step captures, and the stakeholder's confirmation every step needs.
pub fn step_checks(number: StepNumber, deal: &Deal, playbook: &Playbook) -> Vec<Check> {
    let c = &deal.content;
    let mut checks = match playbook.step(number).capture {
        CaptureKind::Scorecard => scorecard_checks(&c.meddpicc, playbook),
        CaptureKind::Stakeholders => stakeholder_checks(c),
        CaptureKind::Budget => budget_checks(deal, playbook),
        CaptureKind::ValidationPlan => validation_checks(deal),
        CaptureKind::Competitors => competitor_checks(c),
        CaptureKind::DecisionProcess => decision_process_checks(c),
        CaptureKind::Timeline => timeline_checks(deal),
        CaptureKind::Risks => risk_checks(c, playbook),
        CaptureKind::NextSteps => next_step_checks(c, playbook),
        CaptureKind::CrmRecord => crm_record_checks(deal, playbook),
    };
    if let Some(s) = deal.step(number) {
        let mut missing = Vec::new();
        if blank(&s.confirmed_with) {
            missing.push("stakeholder".to_string());
        }
        if s.confirmed_on.is_none() {
            missing.push("date".to_string());
        }
        checks.push(check(
            "Confirmed with a stakeholder, with a date",
            missing,
            format!(
                "{} on {}",
                s.confirmed_with,
                s.confirmed_on.map(|d| d.to_string()).unwrap_or_default()
            ),
        ));
    }
    checks
}

/// Stakeholders: the economic buyer and the champion confirmed, everyone dated.
fn stakeholder_checks(c: &DealContent) -> Vec<Check> {
    let confirmed = |role: Role| {
        let label = format!("An {} confirmed with a date", role.label())
            .replace("An Champion", "A Champion");
        let who: Vec<&str> = c
            .stakeholders
            .iter()
            .filter(|s| s.role == role && s.confirmed_on.is_some())
            .map(|s| s.name.as_str())
            .collect();
        let none = if c.stakeholders.iter().any(|s| s.role == role) {
            format!("no {} has a confirmation date", role.label())
        } else {
            format!("no {} recorded", role.label())
        };
        check_if(&label, !who.is_empty(), none, who.join(", "))
    };
    let undated = c
        .stakeholders
        .iter()
        .filter(|s| s.last_engaged.is_none())
        .map(|s| s.name.clone())
        .collect();
    vec![
        confirmed(Role::EconomicBuyer),
        confirmed(Role::Champion),
        check(
            "Every stakeholder with a last-engaged date",
            undated,
            plural(c.stakeholders.len(), "stakeholder", "stakeholders"),
        ),
    ]
}

/// The budget: a holder among the stakeholders, and who confirmed it when.
fn budget_checks(deal: &Deal, playbook: &Playbook) -> Vec<Check> {
    let c = &deal.content;
    let b = &c.budget;
    let holder_known = c
        .stakeholders
        .iter()
        .any(|s| s.name.trim().eq_ignore_ascii_case(b.holder.trim()));
    let holder = if blank(&b.holder) {
        check_if("Budget holder set", false, "no holder named", "")
    } else {
        check_if(
            "Budget holder set",
            holder_known,
            format!(
                "{} is not among the stakeholders (step {})",
                crate::text::clean(&b.holder),
                playbook.step_capturing(CaptureKind::Stakeholders).number
            ),
            b.holder.clone(),
        )
    };
    let mut missing = Vec::new();
    if b.confirmed_on.is_none() {
        missing.push("date".to_string());
    }
    if blank(&b.confirmed_by) {
        missing.push("who confirmed".to_string());
    }
    let mut checks = vec![
        holder,
        check("Budget confirmation recorded", missing, "confirmed"),
    ];
    if let (Some(budget), Some(first_year)) = (b.amount, deal.first_year_value()) {
        checks.push(Check {
            label: "Budget covers the first-year value".into(),
            met: budget >= first_year,
            detail: format!("budget {budget} against first-year value {first_year}"),
            blocking: false,
        });
    }
    checks
}

/// The validation plan: complete items, approved by the SA.
fn validation_checks(deal: &Deal) -> Vec<Check> {
    let plan = &deal.content.validation_plan;
    let incomplete = plan
        .items
        .iter()
        .enumerate()
        .filter(|(_, i)| blank(&i.success_criterion) || blank(&i.owner) || i.due.is_none())
        .map(|(n, i)| format!("item {} ({})", n + 1, crate::text::clean(&i.requirement)))
        .collect();
    let standing = review::standing(deal, Reviewer::Sa);
    let (approved, why, detail) = match &standing {
        Standing::Approved(d) => (true, String::new(), d.by.clone()),
        Standing::SentBack(d) => (
            false,
            format!("sent back by {}: {}", d.by, d.comment),
            String::new(),
        ),
        Standing::OutOfDate(_, why) => {
            (false, format!("approval out of date: {why}"), String::new())
        }
        Standing::Missing => (false, "no SA sign-off yet".into(), String::new()),
    };
    vec![
        check_if(
            "At least one validation item",
            !plan.items.is_empty(),
            "no items",
            plural(plan.items.len(), "item", "items"),
        ),
        check(
            "Each item with a success criterion, owner and due date",
            incomplete,
            "all complete",
        ),
        check_if("Approved by the SA", approved, why, detail),
    ]
}

/// The competitors: at least one, each real threat answered.
fn competitor_checks(c: &DealContent) -> Vec<Check> {
    let bare = c
        .competitors
        .iter()
        .filter(|x| matches!(x.threat, Level::Medium | Level::High) && blank(&x.differentiators))
        .map(|x| x.name.clone())
        .collect();
    vec![
        check_if(
            "At least one competitor or alternative",
            !c.competitors.is_empty(),
            "none recorded",
            format!("{}", c.competitors.len()),
        ),
        check(
            "Differentiators for every medium or high threat",
            bare,
            "all covered",
        ),
    ]
}

/// The decision process: decision and paper milestones, each owned and dated.
fn decision_process_checks(c: &DealContent) -> Vec<Check> {
    let has = |kind| c.decision_process.iter().any(|m| m.kind == kind);
    let incomplete = c
        .decision_process
        .iter()
        .filter(|m| blank(&m.owner) || m.due.is_none())
        .map(|m| m.name.clone())
        .collect();
    vec![
        check_if(
            "At least one decision milestone",
            has(MilestoneKind::Decision),
            "none recorded",
            "recorded",
        ),
        check_if(
            "At least one paper milestone",
            has(MilestoneKind::Paper),
            "none recorded",
            "recorded",
        ),
        check(
            "Each milestone with an owner and due date",
            incomplete,
            "all complete",
        ),
    ]
}

/// The timeline: a compelling event, and a close date after the last open milestone.
fn timeline_checks(deal: &Deal) -> Vec<Check> {
    let c = &deal.content;
    let last_open = c
        .decision_process
        .iter()
        .filter(|m| !m.done)
        .filter_map(|m| m.due.map(|d| (d, m)))
        .max_by_key(|(d, _)| *d);
    let close_ok = match (deal.close_date, last_open) {
        (None, _) => check_if(
            "Close date not before the last open milestone",
            false,
            "no close date set",
            "",
        ),
        (Some(close), Some((due, m))) if close < due => check_if(
            "Close date not before the last open milestone",
            false,
            format!(
                "close date {close} is before {} (due {due})",
                crate::text::clean(&m.name)
            ),
            "",
        ),
        (Some(close), _) => check_if(
            "Close date not before the last open milestone",
            true,
            "",
            format!("close {close}"),
        ),
    };
    vec![
        check_if(
            "Compelling event set",
            !blank(&c.timeline.compelling_event),
            "no compelling event",
            "set",
        ),
        close_ok,
    ]
}

/// The risks: at least one, each high or critical one mitigated and owned.
fn risk_checks(c: &DealContent, playbook: &Playbook) -> Vec<Check> {
    let unmitigated = c
        .risks
        .iter()
        .filter(|r| {
            risk_band(r, playbook) >= RiskBand::High && (blank(&r.mitigation) || blank(&r.owner))
        })
        .map(|r| r.description.clone())
        .collect();
    let band = overall_risk_band(c, playbook)
        .map_or("none".into(), |b| format!("overall band {}", b.label()));
    vec![
        check_if(
            "At least one risk",
            !c.risks.is_empty(),
            "no risks recorded",
            band,
        ),
        check(
            "Every high or critical risk with mitigation and owner",
            unmitigated,
            "all covered",
        ),
    ]
}

/// The next steps: one open, owned and due within the window.
fn next_step_checks(c: &DealContent, playbook: &Playbook) -> Vec<Check> {
    let window = playbook.targets.next_step_window_business_days;
    let inside = c.next_steps.iter().filter(|n| !n.done).any(|n| {
        !blank(&n.owner)
            && n.due
                .is_some_and(|due| within_window(n.set_on, due, window, &playbook.targets.holidays))
    });
    let why = if c.next_steps.iter().any(|n| !n.done) {
        format!(
            "no open next step with an owner due within {} of being set",
            plural(window, "business day", "business days")
        )
    } else {
        "no open next step".into()
    };
    vec![check_if(
        &format!(
            "An open next step due within {}",
            plural(window, "business day", "business days")
        ),
        inside,
        why,
        "scheduled",
    )]
}

/// The opportunity record: every required field.
fn crm_record_checks(deal: &Deal, playbook: &Playbook) -> Vec<Check> {
    let missing = playbook
        .crm
        .required_fields
        .iter()
        .filter(|f| !crm_field_present(deal, **f))
        .map(|f| f.label().to_string())
        .collect();
    vec![check(
        "Every required field of the opportunity record",
        missing,
        "complete",
    )]
}

fn scorecard_checks(card: &Scorecard, playbook: &Playbook) -> Vec<Check> {
    let unscored = unscored(card)
        .into_iter()
        .map(|e| e.label().to_string())
        .collect();
    let no_evidence = card
        .framework
        .elements()
        .into_iter()
        .filter(|e| {
            card.elements
                .get(e)
                .is_some_and(|s| s.score > 0 && blank(&s.evidence))
        })
        .map(|e| e.label().to_string())
        .collect();
    let (total, max) = score_total(card);
    let verdict = verdict(card, playbook);
    vec![
        check("Every element scored", unscored, "all scored"),
        check(
            "Evidence on every non-zero score",
            no_evidence,
            "all evidenced",
        ),
        check_if(
            "A verdict",
            verdict.is_some(),
            "scores incomplete",
            verdict
                .map(|v| format!("{} ({total}/{max})", v.label()))
                .unwrap_or_default(),
        ),
    ]
}

/// The blocking criteria of step `number` not met yet, in words.
pub fn unmet(number: StepNumber, deal: &Deal, playbook: &Playbook) -> Vec<String> {
    step_checks(number, deal, playbook)
        .into_iter()
        .filter(|c| c.blocking && !c.met)
        .map(|c| format!("{} ({})", c.label.to_lowercase(), c.detail))
        .collect()
}

/// Whether every blocking criterion of step `number` holds.
pub fn holds(number: StepNumber, deal: &Deal, playbook: &Playbook) -> bool {
    step_checks(number, deal, playbook)
        .iter()
        .all(|c| !c.blocking || c.met)
}

/// Complete steps whose blocking criteria no longer hold (a later edit took
/// away what they need), each with what is missing now. Edits are never
/// refused for this: the record says what is true, and this says so.
pub fn no_longer_met(deal: &Deal, playbook: &Playbook) -> Vec<(StepNumber, Vec<String>)> {
    deal.steps
        .iter()
        .filter(|s| s.is_complete())
        .filter_map(|s| {
            let missing = unmet(s.number, deal, playbook);
            (!missing.is_empty()).then_some((s.number, missing))
        })
        .collect()
}

/// Apply a step change to a deal: the sequence rule, then, for a
/// completion, the step's own criteria. On refusal the deal is unchanged.
pub fn apply_step(
    deal: &mut Deal,
    number: StepNumber,
    change: &StepChange,
    playbook: &Playbook,
    now: DateTime<Utc>,
) -> Result<ChangeOutcome, RuleError> {
    // a confirmation names one of the deal's stakeholders, as they are spelt
    let confirmed;
    let change = match change {
        StepChange::Confirm { with, on } => {
            confirmed = StepChange::Confirm {
                with: confirmation::confirmer(deal, number, with, playbook)?,
                on: *on,
            };
            &confirmed
        }
        other => other,
    };
    let mut steps = deal.steps.clone();
    let first_time = steps
        .iter()
        .any(|s| s.number == number && s.first_completed_at.is_none());
    let outcome = step::apply(&mut steps, number, change, playbook, now)?;
    if *change == StepChange::Complete {
        let missing = unmet(number, deal, playbook);
        if !missing.is_empty() {
            return Err(RuleError::CriteriaUnmet {
                step: number,
                missing,
            });
        }
    }
    deal.steps = steps;
    // the verdict when the scorecard's step is first completed is the deal's
    // prediction, judged later against its outcome (qualification accuracy)
    if playbook.step(number).capture == CaptureKind::Scorecard
        && *change == StepChange::Complete
        && first_time
        && deal.content.prediction.is_none()
        && let Some(verdict) = verdict(&deal.content.meddpicc, playbook)
    {
        deal.content.prediction = Some(Prediction { verdict, at: now });
    }
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::content::*;
    use crate::domain::deal::{DealId, NewDeal};
    use crate::domain::step_number::number;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 27, 10, 0, 0).unwrap()
    }

    fn day(s: &str) -> NaiveDate {
        crate::domain::parse_date(s).unwrap()
    }

    fn deal() -> (Deal, Playbook) {
        let pb = Playbook::default_playbook();
        let new = NewDeal {
            name: "Acme ERP".into(),
            account: "Acme".into(),
            amount: Some(Money::from_dollars(300_000)),
            close_date: Some(day("2027-03-31")),
            owner: "Dana".into(),
            ..Default::default()
        };
        (new.into_deal(DealId(1), &pb, now()), pb)
    }

    use crate::domain::money::Money;
    use chrono::NaiveDate;

    #[test]
    fn a_step_s_criteria_follow_what_it_captures_not_its_number() {
        // a team's playbook that maps the budget before the buying group
        let team = crate::domain::playbook::swapped(CaptureKind::Stakeholders, CaptureKind::Budget);
        let (mut d, shipped) = deal();
        d.content.budget.holder = "Nobody Known".into();
        let labels = |pb: &Playbook, n: StepNumber| -> Vec<String> {
            step_checks(n, &d, pb)
                .into_iter()
                .map(|c| c.label)
                .collect()
        };
        assert_eq!(labels(&team, number(2)), labels(&shipped, number(3)));
        assert_eq!(labels(&team, number(3)), labels(&shipped, number(2)));
        assert_eq!(labels(&team, number(2))[0], "Budget holder set");
        let holder = &step_checks(number(2), &d, &team)[0];
        assert_eq!(
            holder.detail, "Nobody Known is not among the stakeholders (step 3)",
            "names the step that captures them"
        );

        // the verdict becomes the prediction when the scorecard's step is
        // completed, wherever it stands
        let team =
            crate::domain::playbook::swapped(CaptureKind::Scorecard, CaptureKind::Stakeholders);
        let mut d = scored_deal();
        confirm(&mut d, number(1));
        complete(&mut d, number(1), &team);
        assert_eq!(d.content.prediction, None, "step 1 maps the buying group");
        confirm(&mut d, number(2));
        complete(&mut d, number(2), &team);
        assert_eq!(
            d.content.prediction.map(|p| p.verdict),
            Some(Verdict::Qualified)
        );
    }

    /// A deal whose scorecard is qualified and whose buying group is
    /// confirmed: the steps capturing them can be completed once confirmed.
    fn scored_deal() -> Deal {
        let (mut d, _) = deal();
        for e in d.content.meddpicc.framework.elements() {
            score(&mut d.content.meddpicc, e, 3);
        }
        for (name, role) in [
            ("Priya Raman", Role::EconomicBuyer),
            ("Ken Ito", Role::Champion),
        ] {
            d.content.stakeholders.push(Stakeholder {
                name: name.into(),
                title: "VP".into(),
                role,
                stance: Stance::Supports,
                influence: Level::High,
                last_engaged: Some(day("2026-11-20")),
                confirmed_on: Some(day("2026-11-20")),
            });
        }
        d
    }

    fn refused(deal: &mut Deal, n: StepNumber, pb: &Playbook) -> String {
        match apply_step(deal, n, &StepChange::Complete, pb, now()) {
            Err(RuleError::CriteriaUnmet { step, missing }) => {
                assert_eq!(step, n);
                missing.join("; ")
            }
            other => panic!("step {n}: expected a refusal, got {other:?}"),
        }
    }

    fn complete(deal: &mut Deal, n: StepNumber, pb: &Playbook) {
        let before = deal.steps.clone();
        apply_step(deal, n, &StepChange::Complete, pb, now())
            .unwrap_or_else(|e| panic!("step {n}: {e}"));
        assert_ne!(deal.steps, before);
    }

    fn confirm(deal: &mut Deal, n: StepNumber) {
        let s = deal.steps.iter_mut().find(|s| s.number == n).unwrap();
        s.confirmed_with = "Priya Raman".into();
        s.confirmed_on = Some(day("2026-11-26"));
    }

    fn score(card: &mut Scorecard, e: Element, score: u8) {
        card.elements.insert(
            e,
            ElementScore {
                score,
                evidence: format!("{} seen in the call", e.label()),
            },
        );
    }

    /// Fill each step through the domain API and complete the ten in
    /// order; each completion is refused, with its reason, until its content
    /// is present.
    #[test]
    fn each_step_is_refused_until_its_content_is_present() {
        let (mut d, pb) = deal();

        let why = refused(&mut d, number(1), &pb);
        assert!(
            why.contains("every element scored (missing: Metrics, Economic buyer"),
            "{why}"
        );
        for e in Framework::Meddpicc.elements() {
            d.content.meddpicc.elements.insert(
                e,
                ElementScore {
                    score: 2,
                    evidence: String::new(),
                },
            );
        }
        let why = refused(&mut d, number(1), &pb);
        assert!(
            why.contains("evidence on every non-zero score (missing: Metrics"),
            "{why}"
        );
        assert!(why.contains("confirmed with a stakeholder"), "{why}");
        for e in Framework::Meddpicc.elements() {
            score(&mut d.content.meddpicc, e, 2);
        }
        confirm(&mut d, number(1));
        complete(&mut d, number(1), &pb);

        let why = refused(&mut d, number(2), &pb);
        assert!(why.contains("no Economic Buyer recorded"), "{why}");
        d.content.stakeholders.push(Stakeholder {
            name: "Tom Hale".into(),
            title: "CFO".into(),
            role: Role::EconomicBuyer,
            stance: Stance::Supports,
            influence: Level::High,
            last_engaged: Some(day("2026-11-23")),
            confirmed_on: None,
        });
        d.content.stakeholders.push(Stakeholder {
            name: "Priya Raman".into(),
            title: "VP Finance".into(),
            role: Role::Champion,
            stance: Stance::Supports,
            influence: Level::High,
            last_engaged: None,
            confirmed_on: Some(day("2026-11-24")),
        });
        let why = refused(&mut d, number(2), &pb);
        assert!(
            why.contains("no Economic Buyer has a confirmation date"),
            "{why}"
        );
        assert!(
            why.contains("every stakeholder with a last-engaged date (missing: Priya Raman)"),
            "{why}"
        );
        d.content.stakeholders[0].confirmed_on = Some(day("2026-11-23"));
        d.content.stakeholders[1].last_engaged = Some(day("2026-11-26"));
        confirm(&mut d, number(2));
        complete(&mut d, number(2), &pb);

        let why = refused(&mut d, number(3), &pb);
        assert!(why.contains("budget holder set (no holder named)"), "{why}");
        d.content.budget.holder = "Nobody Known".into();
        assert!(
            refused(&mut d, number(3), &pb).contains("Nobody Known is not among the stakeholders")
        );
        d.content.budget = Budget {
            amount: Some(Money::from_dollars(100_000)),
            holder: "Tom Hale".into(),
            source: "FY27".into(),
            fiscal_timing: "Q1".into(),
            confirmed_on: Some(day("2026-11-24")),
            confirmed_by: "Tom Hale".into(),
        };
        confirm(&mut d, number(3));
        let finding = step_checks(number(3), &d, &pb)
            .into_iter()
            .find(|c| !c.blocking)
            .unwrap();
        assert!(
            !finding.met,
            "a budget below the first-year value is a finding"
        );
        assert!(finding.detail.contains("$100,000"), "{}", finding.detail);
        complete(&mut d, number(3), &pb);

        let why = refused(&mut d, number(4), &pb);
        assert!(
            why.contains("at least one validation item (no items)"),
            "{why}"
        );
        d.content.validation_plan.items.push(ValidationItem {
            requirement: "SSO".into(),
            success_criterion: String::new(),
            owner: "Ken".into(),
            due: None,
            status: ItemStatus::Open,
        });
        let why = refused(&mut d, number(4), &pb);
        assert!(why.contains("missing: item 1 (SSO)"), "{why}");
        assert!(why.contains("no SA sign-off yet"), "{why}");
        d.content.validation_plan.items[0].success_criterion = "Login via Okta".into();
        d.content.validation_plan.items[0].due = Some(day("2026-12-04"));
        d.content.validation_plan.decision = Some(SaDecision {
            approved: false,
            by: "Sam".into(),
            at: now(),
            comment: "add load test".into(),
            basis: None,
        });
        assert!(refused(&mut d, number(4), &pb).contains("sent back by Sam: add load test"));
        // an approval counts while its signer is the deal's SA
        d.sa = "Sam".into();
        d.content.validation_plan.decision = Some(SaDecision {
            approved: true,
            by: "Sam".into(),
            at: now(),
            comment: String::new(),
            basis: None,
        });
        confirm(&mut d, number(4));
        complete(&mut d, number(4), &pb);

        assert!(
            refused(&mut d, number(5), &pb)
                .contains("at least one competitor or alternative (none recorded)")
        );
        d.content.competitors.push(Competitor {
            name: "Globex".into(),
            position: Position::Shortlisted,
            strengths: String::new(),
            weaknesses: String::new(),
            differentiators: String::new(),
            threat: Level::High,
        });
        assert!(
            refused(&mut d, number(5), &pb)
                .contains("differentiators for every medium or high threat (missing: Globex)")
        );
        d.content.competitors[0].differentiators = "Audit trail".into();
        confirm(&mut d, number(5));
        complete(&mut d, number(5), &pb);

        let why = refused(&mut d, number(6), &pb);
        assert!(
            why.contains("at least one decision milestone (none recorded)"),
            "{why}"
        );
        assert!(
            why.contains("at least one paper milestone (none recorded)"),
            "{why}"
        );
        let milestone = |name: &str, kind, due: &str| Milestone {
            name: name.into(),
            kind,
            owner: "Ken".into(),
            due: Some(day(due)),
            done: false,
        };
        d.content.decision_process.push(milestone(
            "Evaluation",
            MilestoneKind::Decision,
            "2027-01-10",
        ));
        d.content.decision_process.push(Milestone {
            owner: String::new(),
            ..milestone("Signature", MilestoneKind::Paper, "2027-04-10")
        });
        assert!(
            refused(&mut d, number(6), &pb)
                .contains("each milestone with an owner and due date (missing: Signature)")
        );
        d.content.decision_process[1].owner = "Procurement".into();
        confirm(&mut d, number(6));
        complete(&mut d, number(6), &pb);

        let why = refused(&mut d, number(7), &pb);
        assert!(why.contains("no compelling event"), "{why}");
        assert!(
            why.contains("close date 2027-03-31 is before Signature (due 2027-04-10)"),
            "{why}"
        );
        d.content.timeline.compelling_event = "Audit in April".into();
        d.content.decision_process[1].due = Some(day("2027-03-20"));
        confirm(&mut d, number(7));
        complete(&mut d, number(7), &pb);

        assert!(refused(&mut d, number(8), &pb).contains("at least one risk (no risks recorded)"));
        d.content.risks.push(Risk {
            description: "Security queue".into(),
            category: RiskCategory::LegalSecurity,
            likelihood: 4,
            impact: 3,
            mitigation: String::new(),
            owner: String::new(),
        });
        assert!(refused(&mut d, number(8), &pb).contains("(missing: Security queue)"));
        d.content.risks[0].mitigation = "Questionnaire now".into();
        d.content.risks[0].owner = "Sam".into();
        confirm(&mut d, number(8));
        complete(&mut d, number(8), &pb);

        assert!(refused(&mut d, number(9), &pb).contains("no open next step"));
        d.content.next_steps.push(NextStep {
            action: "Send questionnaire".into(),
            owner: "Sam".into(),
            due: Some(day("2026-12-02")), // a Wednesday: outside a Friday's window
            set_on: day("2026-11-27"),
            done: false,
        });
        assert!(refused(&mut d, number(9), &pb).contains("due within 2 business days"));
        d.content.next_steps[0].due = Some(day("2026-12-01"));
        confirm(&mut d, number(9));
        complete(&mut d, number(9), &pb);

        d.stage = String::new();
        assert!(
            refused(&mut d, number(10), &pb)
                .contains("every required field of the opportunity record (missing: stage)")
        );
        d.stage = "Qualification".into();
        confirm(&mut d, number(10));
        complete(&mut d, number(10), &pb);
        assert!(d.steps.iter().all(|s| s.is_complete()));
    }

    fn card(framework: Framework, scores: &[(Element, u8)], rest: u8) -> Scorecard {
        let mut card = Scorecard {
            framework,
            elements: Default::default(),
        };
        for e in framework.elements() {
            let s = scores
                .iter()
                .find(|(x, _)| *x == e)
                .map_or(rest, |(_, s)| *s);
            card.elements.insert(
                e,
                ElementScore {
                    score: s,
                    evidence: "seen".into(),
                },
            );
        }
        card
    }

    #[test]
    fn meddpicc_verdicts_at_the_boundaries() {
        let pb = Playbook::default_playbook();
        let must = |s| {
            vec![
                (Element::EconomicBuyer, s),
                (Element::IdentifyPain, s),
                (Element::Champion, s),
            ]
        };
        // MEDDPICC: max 24; qualified from 16, disqualify up to 8
        let c = card(
            Framework::Meddpicc,
            &[
                (Element::EconomicBuyer, 2),
                (Element::IdentifyPain, 2),
                (Element::Champion, 2),
                (Element::Metrics, 2),
                (Element::Competition, 0),
            ],
            3,
        );
        assert_eq!(score_total(&c), (17, 24));
        let at16 = card(
            Framework::Meddpicc,
            &[
                must(2),
                vec![
                    (Element::Metrics, 2),
                    (Element::DecisionCriteria, 2),
                    (Element::DecisionProcess, 2),
                    (Element::PaperProcess, 2),
                    (Element::Competition, 2),
                ],
            ]
            .concat(),
            2,
        );
        assert_eq!(score_total(&at16), (16, 24));
        assert_eq!(verdict(&at16, &pb), Some(Verdict::Qualified));
        let mut at15 = at16.clone();
        at15.elements.get_mut(&Element::Metrics).unwrap().score = 1;
        assert_eq!(score_total(&at15).0, 15);
        assert_eq!(verdict(&at15, &pb), Some(Verdict::NeedsWork));
        // high total but the champion only identified: not qualified
        let weak_champion = card(Framework::Meddpicc, &[(Element::Champion, 1)], 3);
        assert_eq!(score_total(&weak_champion).0, 22);
        assert_eq!(verdict(&weak_champion, &pb), Some(Verdict::NeedsWork));
        let at8 = card(Framework::Meddpicc, &[], 1);
        assert_eq!(score_total(&at8), (8, 24));
        assert_eq!(verdict(&at8, &pb), Some(Verdict::Disqualify));
        let mut at9 = at8.clone();
        at9.elements.get_mut(&Element::Metrics).unwrap().score = 2;
        assert_eq!(verdict(&at9, &pb), Some(Verdict::NeedsWork));
        let mut partial = at9.clone();
        partial.elements.remove(&Element::Competition);
        assert_eq!(verdict(&partial, &pb), None);

        // MEDDICC: max 21; qualified from 14, disqualify up to 7; Paper process ignored
        let at14 = card(
            Framework::Meddicc,
            &[
                must(2),
                vec![
                    (Element::Metrics, 2),
                    (Element::DecisionCriteria, 2),
                    (Element::DecisionProcess, 2),
                    (Element::Competition, 2),
                ],
            ]
            .concat(),
            2,
        );
        assert_eq!(score_total(&at14), (14, 21));
        assert_eq!(verdict(&at14, &pb), Some(Verdict::Qualified));
        let mut at13 = at14.clone();
        at13.elements.get_mut(&Element::Metrics).unwrap().score = 1;
        assert_eq!(verdict(&at13, &pb), Some(Verdict::NeedsWork));
        let at7 = card(Framework::Meddicc, &[], 1);
        assert_eq!(score_total(&at7), (7, 21));
        assert_eq!(verdict(&at7, &pb), Some(Verdict::Disqualify));
        let mut at8m = at7.clone();
        at8m.elements.get_mut(&Element::Metrics).unwrap().score = 2;
        assert_eq!(verdict(&at8m, &pb), Some(Verdict::NeedsWork));
        assert_eq!(
            unscored(&at7),
            Vec::<Element>::new(),
            "MEDDICC needs no Paper process"
        );
    }

    #[test]
    fn risk_bands_at_the_boundaries() {
        let pb = Playbook::default_playbook();
        let risk = |l, i| Risk {
            description: "r".into(),
            category: RiskCategory::Other,
            likelihood: l,
            impact: i,
            mitigation: String::new(),
            owner: String::new(),
        };
        for (l, i, band) in [
            (1, 1, RiskBand::Low),
            (2, 2, RiskBand::Low),
            (1, 5, RiskBand::Medium),
            (3, 3, RiskBand::Medium),
            (2, 5, RiskBand::High),
            (3, 5, RiskBand::High),
            (4, 4, RiskBand::Critical),
            (5, 5, RiskBand::Critical),
        ] {
            assert_eq!(risk_band(&risk(l, i), &pb), band, "{l}x{i}");
        }
        let mut content = DealContent::default();
        assert_eq!(overall_risk_band(&content, &pb), None);
        content.risks = vec![risk(1, 2), risk(4, 4), risk(3, 3)];
        assert_eq!(overall_risk_band(&content, &pb), Some(RiskBand::Critical));
    }
}
