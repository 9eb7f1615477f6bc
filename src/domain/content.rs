//! What each step captures, structured: the MEDDPICC scorecard, the buying
//! group, budget, validation plan, competition, decision process, timeline,
//! risks and next steps. Plain data with serde, so that the store keeps it
//! and the CLI exports and imports it as one document.

pub use super::bounds::{Bounds, PathError, unique_keys};
pub use super::choices::{
    Choice, Element, Framework, ItemStatus, Level, MilestoneKind, Position, RiskCategory, Role,
    Stance,
};
use super::forecast::{Outcome, Prediction, Snooze};
use super::money::Money;
use super::salesforce_ref::SalesforceRef;
pub use super::warning_record::{Trail, WarningSnooze};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ElementScore {
    /// 0 unknown, 1 identified, 2 validated, 3 leveraged.
    pub score: u8,
    /// What, who said it, when.
    #[serde(default)]
    pub evidence: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Scorecard {
    pub framework: Framework,
    /// The elements scored so far.
    #[serde(deserialize_with = "unique_keys")]
    pub elements: BTreeMap<Element, ElementScore>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stakeholder {
    pub name: String,
    #[serde(default)]
    pub title: String,
    pub role: Role,
    #[serde(default = "neutral")]
    pub stance: Stance,
    #[serde(default = "medium")]
    pub influence: Level,
    #[serde(default, deserialize_with = "super::dates::days::optional")]
    pub last_engaged: Option<NaiveDate>,
    #[serde(default, deserialize_with = "super::dates::days::optional")]
    pub confirmed_on: Option<NaiveDate>,
}

fn neutral() -> Stance {
    Stance::Neutral
}

fn medium() -> Level {
    Level::Medium
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Budget {
    pub amount: Option<Money>,
    /// The stakeholder who holds the budget (by name).
    pub holder: String,
    pub source: String,
    pub fiscal_timing: String,
    #[serde(deserialize_with = "super::dates::days::optional")]
    pub confirmed_on: Option<NaiveDate>,
    pub confirmed_by: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValidationItem {
    pub requirement: String,
    #[serde(default)]
    pub success_criterion: String,
    #[serde(default)]
    pub owner: String,
    #[serde(default, deserialize_with = "super::dates::days::optional")]
    pub due: Option<NaiveDate>,
    #[serde(default = "open")]
    pub status: ItemStatus,
}

fn open() -> ItemStatus {
    ItemStatus::Open
}

/// The SA's decision on the validation plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SaDecision {
    pub approved: bool,
    pub by: String,
    pub at: DateTime<Utc>,
    #[serde(default)]
    pub comment: String,
    /// What was signed off, in words (the plan's items, or the amount and
    /// close date): a later change to it makes the sign-off out of date. For
    /// a plan sent back, the plan as it was: once it changes, it waits on
    /// the SA again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basis: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ValidationPlan {
    pub sa: String,
    pub items: Vec<ValidationItem>,
    pub decision: Option<SaDecision>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Competitor {
    pub name: String,
    pub position: Position,
    #[serde(default)]
    pub strengths: String,
    #[serde(default)]
    pub weaknesses: String,
    #[serde(default)]
    pub differentiators: String,
    #[serde(default = "medium")]
    pub threat: Level,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Milestone {
    pub name: String,
    pub kind: MilestoneKind,
    #[serde(default)]
    pub owner: String,
    #[serde(default, deserialize_with = "super::dates::days::optional")]
    pub due: Option<NaiveDate>,
    #[serde(default)]
    pub done: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Timeline {
    /// Why the buyer must decide by a date.
    pub compelling_event: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Risk {
    pub description: String,
    pub category: RiskCategory,
    /// 1 to 5.
    pub likelihood: u8,
    /// 1 to 5.
    pub impact: u8,
    #[serde(default)]
    pub mitigation: String,
    #[serde(default)]
    pub owner: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RiskBand {
    Low,
    Medium,
    High,
    Critical,
}

impl RiskBand {
    pub fn label(self) -> &'static str {
        match self {
            RiskBand::Low => "low",
            RiskBand::Medium => "medium",
            RiskBand::High => "high",
            RiskBand::Critical => "critical",
        }
    }
}

impl Risk {
    pub fn score(&self) -> u8 {
        self.likelihood.saturating_mul(self.impact)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NextStep {
    pub action: String,
    #[serde(default)]
    pub owner: String,
    #[serde(default, deserialize_with = "super::dates::days::optional")]
    pub due: Option<NaiveDate>,
    /// The day it was set: the two-business-day window counts from here.
    #[serde(deserialize_with = "super::dates::days::one")]
    pub set_on: NaiveDate,
    #[serde(default)]
    pub done: bool,
}

/// Everything the ten steps capture for one deal.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DealContent {
    pub meddpicc: Scorecard,
    pub stakeholders: Vec<Stakeholder>,
    pub budget: Budget,
    pub validation_plan: ValidationPlan,
    pub competitors: Vec<Competitor>,
    pub decision_process: Vec<Milestone>,
    pub timeline: Timeline,
    pub risks: Vec<Risk>,
    pub next_steps: Vec<NextStep>,
    /// The manager's review of the deal (needed above the playbook's threshold).
    pub manager_review: Option<SaDecision>,
    /// What implementation needs from the sale, once the deal is won or flagged.
    pub handoff: Handoff,
    /// Won, lost or disqualified, when the deal has closed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Outcome>,
    /// The scorecard's verdict when its step was first completed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prediction: Option<Prediction>,
    /// The stalled flag silenced until a day (a later change ends it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snooze: Option<Snooze>,
    /// The Salesforce opportunity the deal was imported from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub salesforce: Option<SalesforceRef>,
    /// The facts of the history its warnings rest on.
    #[serde(skip_serializing_if = "Trail::is_empty")]
    pub trail: Trail,
    /// Warnings silenced until a day.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warning_snoozes: Vec<WarningSnooze>,
}

/// The handoff to implementation: needed when the deal is won or flagged.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Handoff {
    /// Flagged for handoff before it is won.
    pub flagged: bool,
    pub implementation_contacts: String,
    pub scope: String,
    pub commitments: String,
    pub open_risks: String,
}

impl DealContent {
    /// Every value in range and every row with its identifying field.
    pub fn validate(&self) -> Vec<PathError> {
        let mut errors = Vec::new();
        let mut err = |path: String, message: &str| {
            errors.push(PathError {
                path,
                message: message.to_string(),
            })
        };
        for (element, entry) in &self.meddpicc.elements {
            if entry.score > 3 {
                err(
                    format!("meddpicc.elements.{}.score", element.key()),
                    "must be 0-3 (0 unknown, 1 identified, 2 validated, 3 leveraged)",
                );
            }
            if *element == Element::PaperProcess && self.meddpicc.framework == Framework::Meddicc {
                err(
                    "meddpicc.elements.paper_process".into(),
                    "MEDDICC has no Paper process (use the meddpicc framework)",
                );
            }
        }
        let required = |text: &str| text.trim().is_empty();
        for (i, s) in self.stakeholders.iter().enumerate() {
            if required(&s.name) {
                err(format!("stakeholders[{i}].name"), "required");
            }
        }
        for (i, item) in self.validation_plan.items.iter().enumerate() {
            if required(&item.requirement) {
                err(
                    format!("validation_plan.items[{i}].requirement"),
                    "required",
                );
            }
        }
        if let Some(d) = &self.validation_plan.decision
            && required(&d.by)
        {
            err(
                "validation_plan.decision.by".into(),
                "required: who approved or sent back",
            );
        }
        for (i, c) in self.competitors.iter().enumerate() {
            if required(&c.name) {
                err(format!("competitors[{i}].name"), "required");
            }
        }
        for (i, m) in self.decision_process.iter().enumerate() {
            if required(&m.name) {
                err(format!("decision_process[{i}].name"), "required");
            }
        }
        for (i, r) in self.risks.iter().enumerate() {
            if required(&r.description) {
                err(format!("risks[{i}].description"), "required");
            }
            if !(1..=5).contains(&r.likelihood) {
                err(format!("risks[{i}].likelihood"), "must be 1-5");
            }
            if !(1..=5).contains(&r.impact) {
                err(format!("risks[{i}].impact"), "must be 1-5");
            }
        }
        for (i, n) in self.next_steps.iter().enumerate() {
            if required(&n.action) {
                err(format!("next_steps[{i}].action"), "required");
            }
        }
        errors.extend(self.bounds());
        errors
    }

    /// Every text within its bound and every date between 1900 and 2200.
    fn bounds(&self) -> Vec<PathError> {
        use crate::text::{MAX_LONG as LONG, MAX_SHORT as SHORT};
        let mut check = Bounds::default();
        for (element, entry) in &self.meddpicc.elements {
            check.text(
                || format!("meddpicc.elements.{}.evidence", element.key()),
                &entry.evidence,
                LONG,
            );
        }
        for (i, s) in self.stakeholders.iter().enumerate() {
            let at = |f: &str| format!("stakeholders[{i}].{f}");
            check.text(|| at("name"), &s.name, SHORT);
            check.text(|| at("title"), &s.title, SHORT);
            check.date(|| at("last_engaged"), s.last_engaged);
            check.date(|| at("confirmed_on"), s.confirmed_on);
        }
        let b = &self.budget;
        check.text(|| "budget.holder".to_string(), &b.holder, SHORT);
        check.text(|| "budget.source".to_string(), &b.source, LONG);
        check.text(
            || "budget.fiscal_timing".to_string(),
            &b.fiscal_timing,
            SHORT,
        );
        check.text(|| "budget.confirmed_by".to_string(), &b.confirmed_by, SHORT);
        check.date(|| "budget.confirmed_on".to_string(), b.confirmed_on);
        let plan = &self.validation_plan;
        check.text(|| "validation_plan.sa".to_string(), &plan.sa, SHORT);
        for (i, item) in plan.items.iter().enumerate() {
            let at = |f: &str| format!("validation_plan.items[{i}].{f}");
            check.text(|| at("requirement"), &item.requirement, LONG);
            check.text(|| at("success_criterion"), &item.success_criterion, LONG);
            check.text(|| at("owner"), &item.owner, SHORT);
            check.date(|| at("due"), item.due);
        }
        for (at, decision) in [
            ("validation_plan.decision", &plan.decision),
            ("manager_review", &self.manager_review),
        ] {
            if let Some(d) = decision {
                check.text(|| format!("{at}.by"), &d.by, SHORT);
                check.text(|| format!("{at}.comment"), &d.comment, LONG);
                check.time(|| format!("{at}.at"), d.at);
            }
        }
        for (i, c) in self.competitors.iter().enumerate() {
            let at = |f: &str| format!("competitors[{i}].{f}");
            check.text(|| at("name"), &c.name, SHORT);
            check.text(|| at("strengths"), &c.strengths, LONG);
            check.text(|| at("weaknesses"), &c.weaknesses, LONG);
            check.text(|| at("differentiators"), &c.differentiators, LONG);
        }
        for (i, m) in self.decision_process.iter().enumerate() {
            let at = |f: &str| format!("decision_process[{i}].{f}");
            check.text(|| at("name"), &m.name, SHORT);
            check.text(|| at("owner"), &m.owner, SHORT);
            check.date(|| at("due"), m.due);
        }
        check.text(
            || "timeline.compelling_event".to_string(),
            &self.timeline.compelling_event,
            LONG,
        );
        for (i, r) in self.risks.iter().enumerate() {
            let at = |f: &str| format!("risks[{i}].{f}");
            check.text(|| at("description"), &r.description, LONG);
            check.text(|| at("mitigation"), &r.mitigation, LONG);
            check.text(|| at("owner"), &r.owner, SHORT);
        }
        for (i, n) in self.next_steps.iter().enumerate() {
            let at = |f: &str| format!("next_steps[{i}].{f}");
            check.text(|| at("action"), &n.action, LONG);
            check.text(|| at("owner"), &n.owner, SHORT);
            check.date(|| at("due"), n.due);
            check.date(|| at("set_on"), Some(n.set_on));
        }
        let h = &self.handoff;
        for (f, v) in [
            ("implementation_contacts", &h.implementation_contacts),
            ("scope", &h.scope),
            ("commitments", &h.commitments),
            ("open_risks", &h.open_risks),
        ] {
            check.text(|| format!("handoff.{f}"), v, LONG);
        }
        if let Some(sf) = &self.salesforce {
            for (path, text, max) in sf.bound_texts() {
                check.text(|| path, text, max);
            }
        }
        check.errors
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_of_range_values_are_named_by_path() {
        let mut content = DealContent::default();
        content.risks.push(Risk {
            description: "Security review may slip".into(),
            category: RiskCategory::LegalSecurity,
            likelihood: 9,
            impact: 3,
            mitigation: String::new(),
            owner: String::new(),
        });
        content.meddpicc.elements.insert(
            Element::Champion,
            ElementScore {
                score: 4,
                evidence: "x".into(),
            },
        );
        let errors: Vec<String> = content.validate().iter().map(ToString::to_string).collect();
        assert_eq!(
            errors,
            [
                "meddpicc.elements.champion.score: must be 0-3 (0 unknown, 1 identified, 2 validated, 3 leveraged)",
                "risks[0].likelihood: must be 1-5"
            ]
        );
    }
}
