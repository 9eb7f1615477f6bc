//! Each step's completion criteria, computed from what the step captured,
//! and the scores and verdicts they rest on. A step cannot be completed
//! until its blocking criteria hold; each unmet one says what is missing.

use super::calendar::within_window;
use super::content::{
    Choice, DealContent, Element, Level, MilestoneKind, Risk, RiskBand, Role, Scorecard,
};
use super::deal::Deal;
use super::playbook::{CrmField, Playbook};
use super::step::{self, ChangeOutcome, RuleError, StepChange};
use chrono::{DateTime, Utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Qualified,
    NeedsWork,
    Disqualify,
}

impl Verdict {
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Qualified => "qualified",
            Verdict::NeedsWork => "needs work",
            Verdict::Disqualify => "disqualify",
        }
    }
}

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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForecastCategory {
    Pipeline,
    BestCase,
    Commit,
    Closed,
    Omitted,
}

impl ForecastCategory {
    pub fn label(self) -> &'static str {
        match self {
            ForecastCategory::Pipeline => "Pipeline",
            ForecastCategory::BestCase => "Best Case",
            ForecastCategory::Commit => "Commit",
            ForecastCategory::Closed => "Closed",
            ForecastCategory::Omitted => "Omitted",
        }
    }
}

/// The forecast category the step completion supports.
pub fn forecast_category(deal: &Deal, playbook: &Playbook) -> ForecastCategory {
    if deal.stage.trim().to_ascii_lowercase().starts_with("closed") {
        return ForecastCategory::Closed;
    }
    if verdict(&deal.content.meddpicc, playbook) == Some(Verdict::Disqualify) {
        return ForecastCategory::Omitted;
    }
    let done = deal.steps.iter().take_while(|s| s.is_complete()).count();
    if done >= playbook.forecast.commit_from_steps {
        ForecastCategory::Commit
    } else if done >= playbook.forecast.best_case_from_steps {
        ForecastCategory::BestCase
    } else {
        ForecastCategory::Pipeline
    }
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

/// The criteria of step `number` for `deal`.
pub fn step_checks(number: u8, deal: &Deal, playbook: &Playbook) -> Vec<Check> {
    let c = &deal.content;
    let mut checks = match number {
        1 => scorecard_checks(&c.meddpicc, playbook),
        2 => {
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
                    format!("{} stakeholders", c.stakeholders.len()),
                ),
            ]
        }
        3 => {
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
                        "{} is not among the stakeholders (step 2)",
                        crate::text::clean(&b.holder)
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
        4 => {
            let plan = &c.validation_plan;
            let incomplete = plan
                .items
                .iter()
                .enumerate()
                .filter(|(_, i)| blank(&i.success_criterion) || blank(&i.owner) || i.due.is_none())
                .map(|(n, i)| format!("item {} ({})", n + 1, crate::text::clean(&i.requirement)))
                .collect();
            let approved = plan.decision.as_ref().is_some_and(|d| d.approved);
            let why = match &plan.decision {
                Some(d) if !d.approved => format!("sent back by {}: {}", d.by, d.comment),
                _ => "no SA sign-off yet".into(),
            };
            vec![
                check_if(
                    "At least one validation item",
                    !plan.items.is_empty(),
                    "no items",
                    format!("{} items", plan.items.len()),
                ),
                check(
                    "Each item with a success criterion, owner and due date",
                    incomplete,
                    "all complete",
                ),
                check_if(
                    "Approved by the SA",
                    approved,
                    why,
                    plan.decision
                        .as_ref()
                        .map(|d| d.by.clone())
                        .unwrap_or_default(),
                ),
            ]
        }
        5 => {
            let bare = c
                .competitors
                .iter()
                .filter(|x| {
                    matches!(x.threat, Level::Medium | Level::High) && blank(&x.differentiators)
                })
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
        6 => {
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
        7 => {
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
        8 => {
            let unmitigated = c
                .risks
                .iter()
                .filter(|r| {
                    risk_band(r, playbook) >= RiskBand::High
                        && (blank(&r.mitigation) || blank(&r.owner))
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
        9 => {
            let window = playbook.targets.next_step_window_business_days;
            let inside = c.next_steps.iter().filter(|n| !n.done).any(|n| {
                !blank(&n.owner)
                    && n.due.is_some_and(|due| {
                        within_window(n.set_on, due, window, &playbook.targets.holidays)
                    })
            });
            let why = if c.next_steps.iter().any(|n| !n.done) {
                format!(
                    "no open next step with an owner due within {window} business days of being set"
                )
            } else {
                "no open next step".into()
            };
            vec![check_if(
                &format!("An open next step due within {window} business days"),
                inside,
                why,
                "scheduled",
            )]
        }
        10 => {
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
        _ => Vec::new(),
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
pub fn unmet(number: u8, deal: &Deal, playbook: &Playbook) -> Vec<String> {
    step_checks(number, deal, playbook)
        .into_iter()
        .filter(|c| c.blocking && !c.met)
        .map(|c| format!("{} ({})", c.label.to_lowercase(), c.detail))
        .collect()
}

/// Apply a step change to a deal: the sequence rule, then, for a
/// completion, the step's own criteria. On refusal the deal is unchanged.
pub fn apply_step(
    deal: &mut Deal,
    number: u8,
    change: &StepChange,
    playbook: &Playbook,
    now: DateTime<Utc>,
) -> Result<ChangeOutcome, RuleError> {
    let mut steps = deal.steps.clone();
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
    Ok(outcome)
}
