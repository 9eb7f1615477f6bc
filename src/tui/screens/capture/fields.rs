//! The fields of each step's form, and how their text is read into the deal.

use crate::domain::calendar::parse_date_input;
use crate::domain::content::*;
use crate::domain::deal::Deal;
use crate::domain::escalation::EscalationId;
use crate::domain::money::Money;
use crate::domain::pipeline::{Outcome, OutcomeKind};
use crate::domain::playbook::EscalationRule;
use crate::domain::playbook::Playbook;
use crate::domain::review::Reviewer;
use crate::tui::shared::Ctx;
use chrono::{DateTime, NaiveDate, Utc};

/// What an oversight dialog asks of the use cases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Intent {
    Raise {
        rule: EscalationRule,
        reason: String,
    },
    ActOn {
        id: EscalationId,
        resolve: bool,
        note: String,
    },
    Review {
        reviewer: Reviewer,
        approved: bool,
        comment: String,
    },
    /// `None` reopens the deal.
    Outcome(Option<Outcome>),
}

/// How a field's text is read.
#[derive(Clone, Copy)]
pub enum Kind {
    Text,
    Date,
    Amount,
    /// One of a fixed list (cycled with ←/→).
    Pick(fn() -> Vec<&'static str>),
    /// A MEDDPICC score, 0-3, or empty for not scored.
    Score,
    /// A whole number from 1 to 5.
    OneToFive,
    YesNo,
}

pub struct Field {
    pub label: &'static str,
    /// The table's column heading.
    pub short: &'static str,
    pub kind: Kind,
    pub required: bool,
}

impl Field {
    /// How many characters the field takes (see [`crate::text`]): names and
    /// people are short, descriptions long, dates and amounts short.
    pub fn max_chars(&self) -> usize {
        const SHORT: [&str; 13] = [
            "Name",
            "Title",
            "Holder (stakeholder)",
            "Fiscal timing",
            "Confirmed by",
            "Owner",
            "Milestone",
            "Stage",
            "Owner (AE)",
            "Solution architect",
            "Manager",
            "Reviewer",
            "Escalation (E7, B12.3)",
        ];
        match self.kind {
            Kind::Text if !SHORT.contains(&self.label) => crate::text::MAX_LONG,
            _ => crate::text::MAX_SHORT,
        }
    }
}

const fn f(label: &'static str, short: &'static str, kind: Kind, required: bool) -> Field {
    Field {
        label,
        short,
        kind,
        required,
    }
}

pub(super) fn labels<C: Choice>() -> Vec<&'static str> {
    C::ALL.iter().map(|c| c.label()).collect()
}

pub(super) fn yes_no() -> Vec<&'static str> {
    vec!["no", "yes"]
}

pub(super) fn scores() -> Vec<&'static str> {
    vec!["", "0", "1", "2", "3"]
}

pub(super) fn one_to_five() -> Vec<&'static str> {
    vec!["1", "2", "3", "4", "5"]
}

impl Kind {
    /// The fixed choices of a choice field (`None` for a field typed into).
    pub fn choices(self) -> Option<Vec<&'static str>> {
        match self {
            Kind::Pick(choices) => Some(choices()),
            Kind::YesNo => Some(yes_no()),
            Kind::Score => Some(scores()),
            Kind::OneToFive => Some(one_to_five()),
            Kind::Text | Kind::Date | Kind::Amount => None,
        }
    }
}

/// The choice a typed key picks: the next one after `current` that starts
/// with it (its first letter, any case, or its number), `None` when no
/// choice does.
pub fn choice_for(choices: &[&str], current: &str, typed: char) -> Option<usize> {
    let at = choices.iter().position(|c| *c == current.trim());
    let n = choices.len();
    (1..=n).map(|k| (at.unwrap_or(n - 1) + k) % n).find(|i| {
        choices[*i]
            .chars()
            .next()
            .is_some_and(|first| first.to_lowercase().eq(typed.to_lowercase()))
    })
}

/// What each step's form edits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Scorecard,
    Stakeholders,
    Budget,
    ValidationItems,
    Competitors,
    Milestones,
    Timeline,
    Risks,
    NextSteps,
    Record,
    /// Every step: who confirmed its outcome, and when.
    Confirmation,
    /// Raise an escalation of a user scenario.
    Escalate,
    Acknowledge,
    Resolve,
    /// The manager's review or the SA's sign-off.
    Review,
    /// The handoff to implementation.
    Handoff,
    /// The deal's outcome: won, lost, disqualified, or open again.
    Outcome,
}

const SCORECARD: &[Field] = &[
    f("Score (0-3)", "Score", Kind::Score, false),
    f("Evidence", "Evidence", Kind::Text, false),
];
const STAKEHOLDERS: &[Field] = &[
    f("Name", "Name", Kind::Text, true),
    f("Title", "Title", Kind::Text, false),
    f("Role", "Role", Kind::Pick(labels::<Role>), true),
    f("Stance", "Stance", Kind::Pick(labels::<Stance>), true),
    f("Influence", "Infl.", Kind::Pick(labels::<Level>), true),
    f("Last engaged", "Engaged", Kind::Date, false),
    f("Confirmed on", "Confirmed", Kind::Date, false),
];
const BUDGET: &[Field] = &[
    f("Amount", "Amount", Kind::Amount, false),
    f("Holder (stakeholder)", "Holder", Kind::Text, false),
    f("Source", "Source", Kind::Text, false),
    f("Fiscal timing", "Timing", Kind::Text, false),
    f("Confirmed on", "Confirmed", Kind::Date, false),
    f("Confirmed by", "By", Kind::Text, false),
];
const VALIDATION: &[Field] = &[
    f("Requirement", "Requirement", Kind::Text, true),
    f("Success criterion", "Criterion", Kind::Text, false),
    f("Owner", "Owner", Kind::Text, false),
    f("Due", "Due", Kind::Date, false),
    f("Status", "Status", Kind::Pick(labels::<ItemStatus>), true),
];
const COMPETITORS: &[Field] = &[
    f("Name", "Name", Kind::Text, true),
    f("Position", "Position", Kind::Pick(labels::<Position>), true),
    f("Threat", "Threat", Kind::Pick(labels::<Level>), true),
    f("Strengths", "Strengths", Kind::Text, false),
    f("Weaknesses", "Weaknesses", Kind::Text, false),
    f("Our differentiators", "Differentiators", Kind::Text, false),
];
const MILESTONES: &[Field] = &[
    f("Milestone", "Milestone", Kind::Text, true),
    f("Kind", "Kind", Kind::Pick(labels::<MilestoneKind>), true),
    f("Owner", "Owner", Kind::Text, false),
    f("Due", "Due", Kind::Date, false),
    f("Done", "Done", Kind::YesNo, false),
];
const TIMELINE: &[Field] = &[
    f("Compelling event", "Event", Kind::Text, false),
    f("Target close date", "Close", Kind::Date, false),
];
const RISKS: &[Field] = &[
    f("Description", "Risk", Kind::Text, true),
    f(
        "Category",
        "Category",
        Kind::Pick(labels::<RiskCategory>),
        true,
    ),
    f("Likelihood (1-5)", "L", Kind::OneToFive, true),
    f("Impact (1-5)", "I", Kind::OneToFive, true),
    f("Mitigation", "Mitigation", Kind::Text, false),
    f("Owner", "Owner", Kind::Text, false),
];
const NEXT_STEPS: &[Field] = &[
    f("Action", "Action", Kind::Text, true),
    f("Owner", "Owner", Kind::Text, false),
    f("Due", "Due", Kind::Date, false),
    f("Done", "Done", Kind::YesNo, false),
];
const RECORD: &[Field] = &[
    f("Stage", "Stage", Kind::Text, true),
    f("Owner (AE)", "Owner", Kind::Text, false),
    f("Solution architect", "SA", Kind::Text, false),
    f("Manager", "Manager", Kind::Text, false),
];
pub(super) fn user_scenarios() -> Vec<&'static str> {
    vec!["customer", "legal_security", "pricing"]
}

pub(super) fn reviewers() -> Vec<&'static str> {
    vec!["manager", "sa"]
}

pub(super) fn decisions() -> Vec<&'static str> {
    vec!["approve", "send back"]
}

const ESCALATE: &[Field] = &[
    f("Scenario", "Scenario", Kind::Pick(user_scenarios), true),
    f("Reason", "Reason", Kind::Text, true),
];
const ACKNOWLEDGE: &[Field] = &[
    f("Escalation (E7, B12.3)", "Id", Kind::Text, true),
    f("Note", "Note", Kind::Text, false),
];
const RESOLVE: &[Field] = &[
    f("Escalation (E7, B12.3)", "Id", Kind::Text, true),
    f("How it was resolved", "Note", Kind::Text, true),
];
const REVIEW: &[Field] = &[
    f("Review as", "As", Kind::Pick(reviewers), true),
    f("Decision", "Decision", Kind::Pick(decisions), true),
    f("Comment", "Comment", Kind::Text, false),
];
pub(super) fn outcomes() -> Vec<&'static str> {
    vec!["won", "lost", "disqualified", "open"]
}

const OUTCOME: &[Field] = &[
    f("Outcome", "Outcome", Kind::Pick(outcomes), true),
    f("Closed on", "On", Kind::Date, false),
    f("Reason (lost, disqualified)", "Reason", Kind::Text, false),
    f("Lost to", "Lost to", Kind::Text, false),
];
const HANDOFF: &[Field] = &[
    f("Flagged for handoff", "Flagged", Kind::YesNo, false),
    f("Implementation contacts", "Contacts", Kind::Text, false),
    f("Scope", "Scope", Kind::Text, false),
    f("Commitments made", "Commitments", Kind::Text, false),
    f("Open risks", "Open risks", Kind::Text, false),
];
const CONFIRMATION: &[Field] = &[
    f("Confirmed with", "With", Kind::Text, true),
    f("Confirmed on", "On", Kind::Date, true),
];

/// What an edit is read and applied against: the day (for `+N` dates), the
/// clock, the person acting and the playbook.
pub struct Today<'a> {
    pub date: NaiveDate,
    pub holidays: &'a [NaiveDate],
    pub now: DateTime<Utc>,
    /// The one clock ("same day" escalations end at its zone's midnight).
    pub clock: crate::Clock,
    pub playbook: &'a Playbook,
}

impl<'a> Today<'a> {
    pub fn of(ctx: &'a Ctx) -> Today<'a> {
        Today {
            date: ctx.session.clock.today(),
            holidays: &ctx.session.playbook.targets.holidays,
            now: ctx.session.clock.now(),
            clock: ctx.session.clock,
            playbook: &ctx.session.playbook,
        }
    }
}

pub(super) fn empty(s: &str) -> bool {
    s.trim().is_empty()
}

pub(super) fn date(text: &str, today: &Today<'_>) -> Result<Option<NaiveDate>, String> {
    if empty(text) {
        Ok(None)
    } else {
        parse_date_input(text, today.date, today.holidays).map(Some)
    }
}

pub(super) fn amount(text: &str) -> Result<Option<Money>, String> {
    if empty(text) {
        Ok(None)
    } else {
        Money::parse(text).map(Some)
    }
}

pub(super) fn pick<C: Choice>(text: &str) -> C {
    let t = text.trim();
    C::ALL
        .iter()
        .copied()
        .find(|c| c.label() == t || c.key() == t)
        .unwrap_or(C::ALL[0])
}

pub(super) fn yes(text: &str) -> bool {
    text.trim() == "yes"
}

pub(super) fn date_text(d: Option<NaiveDate>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

pub(super) fn yes_text(b: bool) -> String {
    if b { "yes".into() } else { "no".into() }
}

impl Section {
    pub fn for_step(number: u8) -> Section {
        match number {
            1 => Section::Scorecard,
            2 => Section::Stakeholders,
            3 => Section::Budget,
            4 => Section::ValidationItems,
            5 => Section::Competitors,
            6 => Section::Milestones,
            7 => Section::Timeline,
            8 => Section::Risks,
            9 => Section::NextSteps,
            _ => Section::Record,
        }
    }

    pub fn fields(self) -> &'static [Field] {
        match self {
            Section::Scorecard => SCORECARD,
            Section::Stakeholders => STAKEHOLDERS,
            Section::Budget => BUDGET,
            Section::ValidationItems => VALIDATION,
            Section::Competitors => COMPETITORS,
            Section::Milestones => MILESTONES,
            Section::Timeline => TIMELINE,
            Section::Risks => RISKS,
            Section::NextSteps => NEXT_STEPS,
            Section::Record => RECORD,
            Section::Confirmation => CONFIRMATION,
            Section::Escalate => ESCALATE,
            Section::Acknowledge => ACKNOWLEDGE,
            Section::Resolve => RESOLVE,
            Section::Review => REVIEW,
            Section::Outcome => OUTCOME,
            Section::Handoff => HANDOFF,
        }
    }

    /// The fields the table shows (the record editor shows them all).
    pub(super) fn columns(self) -> &'static [usize] {
        match self {
            Section::Scorecard => &[0, 1],
            Section::Stakeholders => &[0, 2, 6],
            Section::ValidationItems => &[0, 2, 3, 4],
            Section::Competitors => &[0, 2, 5],
            Section::Milestones => &[0, 1, 3, 4],
            Section::Risks => &[0, 2, 3, 5],
            Section::NextSteps => &[0, 1, 2, 3],
            _ => &[],
        }
    }

    /// A single record (no rows to add or delete).
    pub fn is_record(self) -> bool {
        !matches!(
            self,
            Section::Scorecard
                | Section::Stakeholders
                | Section::ValidationItems
                | Section::Competitors
                | Section::Milestones
                | Section::Risks
                | Section::NextSteps
        )
    }

    /// Whether rows can be added and deleted (a list, not a record).
    pub fn can_add(self) -> bool {
        !self.is_record() && self != Section::Scorecard
    }

    pub fn noun(self) -> &'static str {
        match self {
            Section::Scorecard => "element",
            Section::Stakeholders => "stakeholder",
            Section::Budget => "budget",
            Section::ValidationItems => "validation item",
            Section::Competitors => "competitor",
            Section::Milestones => "milestone",
            Section::Timeline => "timeline",
            Section::Risks => "risk",
            Section::NextSteps => "next step",
            Section::Record => "opportunity record",
            Section::Confirmation => "confirmation",
            Section::Escalate => "escalation",
            Section::Acknowledge => "acknowledgement",
            Section::Resolve => "resolution",
            Section::Review => "review",
            Section::Outcome => "outcome",
            Section::Handoff => "handoff",
        }
    }

    /// The rows as the table shows them: each a first cell (the row's name)
    /// and the text of every field.
    pub fn rows(self, deal: &Deal, step: u8) -> Vec<(String, Vec<String>)> {
        let c = &deal.content;
        match self {
            Section::Scorecard => c
                .meddpicc
                .framework
                .elements()
                .into_iter()
                .map(|e| {
                    let s = c.meddpicc.elements.get(&e);
                    let score = s.map_or(String::new(), |s| s.score.to_string());
                    (
                        e.label().to_string(),
                        vec![score, s.map_or(String::new(), |s| s.evidence.clone())],
                    )
                })
                .collect(),
            Section::Stakeholders => c
                .stakeholders
                .iter()
                .map(|s| {
                    (
                        String::new(),
                        vec![
                            s.name.clone(),
                            s.title.clone(),
                            s.role.label().into(),
                            s.stance.label().into(),
                            s.influence.label().into(),
                            date_text(s.last_engaged),
                            date_text(s.confirmed_on),
                        ],
                    )
                })
                .collect(),
            Section::ValidationItems => c
                .validation_plan
                .items
                .iter()
                .map(|i| {
                    (
                        String::new(),
                        vec![
                            i.requirement.clone(),
                            i.success_criterion.clone(),
                            i.owner.clone(),
                            date_text(i.due),
                            i.status.label().into(),
                        ],
                    )
                })
                .collect(),
            Section::Competitors => c
                .competitors
                .iter()
                .map(|x| {
                    (
                        String::new(),
                        vec![
                            x.name.clone(),
                            x.position.label().into(),
                            x.threat.label().into(),
                            x.strengths.clone(),
                            x.weaknesses.clone(),
                            x.differentiators.clone(),
                        ],
                    )
                })
                .collect(),
            Section::Milestones => c
                .decision_process
                .iter()
                .map(|m| {
                    (
                        String::new(),
                        vec![
                            m.name.clone(),
                            m.kind.label().into(),
                            m.owner.clone(),
                            date_text(m.due),
                            yes_text(m.done),
                        ],
                    )
                })
                .collect(),
            Section::Risks => c
                .risks
                .iter()
                .map(|r| {
                    (
                        String::new(),
                        vec![
                            r.description.clone(),
                            r.category.label().into(),
                            r.likelihood.to_string(),
                            r.impact.to_string(),
                            r.mitigation.clone(),
                            r.owner.clone(),
                        ],
                    )
                })
                .collect(),
            Section::NextSteps => c
                .next_steps
                .iter()
                .map(|n| {
                    (
                        String::new(),
                        vec![
                            n.action.clone(),
                            n.owner.clone(),
                            date_text(n.due),
                            yes_text(n.done),
                        ],
                    )
                })
                .collect(),
            Section::Budget => {
                let b = &c.budget;
                vec![(
                    String::new(),
                    vec![
                        b.amount.map(|m| m.to_string()).unwrap_or_default(),
                        b.holder.clone(),
                        b.source.clone(),
                        b.fiscal_timing.clone(),
                        date_text(b.confirmed_on),
                        b.confirmed_by.clone(),
                    ],
                )]
            }
            Section::Timeline => {
                vec![(
                    String::new(),
                    vec![
                        c.timeline.compelling_event.clone(),
                        date_text(deal.close_date),
                    ],
                )]
            }
            Section::Record => vec![(
                String::new(),
                vec![
                    deal.stage.clone(),
                    deal.owner.clone(),
                    deal.sa.clone(),
                    deal.manager.clone(),
                ],
            )],
            Section::Escalate => vec![(String::new(), vec!["customer".into(), String::new()])],
            Section::Acknowledge | Section::Resolve => {
                vec![(String::new(), vec![String::new(), String::new()])]
            }
            Section::Review => {
                vec![(
                    String::new(),
                    vec!["manager".into(), "approve".into(), String::new()],
                )]
            }
            Section::Outcome => {
                let o = c.outcome.as_ref();
                vec![(
                    String::new(),
                    vec![
                        o.map_or("won", |o| o.kind.key()).to_string(),
                        date_text(o.map(|o| o.on)),
                        o.map(|o| o.reason.clone()).unwrap_or_default(),
                        o.map(|o| o.lost_to.clone()).unwrap_or_default(),
                    ],
                )]
            }
            Section::Handoff => {
                let h = &c.handoff;
                vec![(
                    String::new(),
                    vec![
                        yes_text(h.flagged),
                        h.implementation_contacts.clone(),
                        h.scope.clone(),
                        h.commitments.clone(),
                        h.open_risks.clone(),
                    ],
                )]
            }
            Section::Confirmation => {
                let s = deal.step(step);
                vec![(
                    String::new(),
                    vec![
                        s.map(|s| s.confirmed_with.clone()).unwrap_or_default(),
                        date_text(s.and_then(|s| s.confirmed_on)),
                    ],
                )]
            }
        }
    }

    /// The text a new row starts with.
    pub(super) fn blank_row(self) -> Vec<String> {
        self.fields()
            .iter()
            .map(|f| match f.kind {
                Kind::Pick(choices) => choices()[0].to_string(),
                Kind::YesNo => "no".into(),
                Kind::OneToFive => "3".into(),
                _ => String::new(),
            })
            .collect()
    }

    /// What a saved oversight dialog asks for, read from its fields; `None`
    /// for the sections that edit the deal's content.
    pub fn intent(self, v: &[String], today: &Today<'_>) -> Option<Result<Intent, String>> {
        Some(match self {
            Section::Escalate => EscalationRule::parse(v[0].trim())
                .ok_or_else(|| "scenario: customer, legal_security or pricing".to_string())
                .map(|rule| Intent::Raise {
                    rule,
                    reason: v[1].clone(),
                }),
            Section::Acknowledge | Section::Resolve => {
                v[0].parse::<EscalationId>().map(|id| Intent::ActOn {
                    id,
                    resolve: self == Section::Resolve,
                    note: v[1].clone(),
                })
            }
            Section::Outcome => {
                let kind = OutcomeKind::parse(&v[0]);
                date(&v[1], today).map(|on| {
                    Intent::Outcome(kind.map(|kind| Outcome {
                        kind,
                        on: on.unwrap_or(today.date),
                        reason: v[2].trim().to_string(),
                        lost_to: v[3].trim().to_string(),
                    }))
                })
            }
            Section::Review => Ok(Intent::Review {
                reviewer: if v[0].trim() == "sa" {
                    Reviewer::Sa
                } else {
                    Reviewer::Manager
                },
                approved: v[1].trim() == "approve",
                comment: v[2].clone(),
            }),
            _ => return None,
        })
    }

    /// Write `values` into row `row` (a new row when `None`).
    pub fn apply(
        self,
        deal: &mut Deal,
        step: u8,
        row: Option<usize>,
        v: &[String],
        today: &Today<'_>,
    ) -> Result<(), String> {
        let c = &mut deal.content;
        let t = |i: usize| v[i].trim().to_string();
        match self {
            Section::Scorecard => {
                let element = c.meddpicc.framework.elements()[row.unwrap_or(0)];
                if empty(&v[0]) {
                    c.meddpicc.elements.remove(&element);
                } else {
                    let score = v[0]
                        .trim()
                        .parse::<u8>()
                        .ok()
                        .filter(|s| *s <= 3)
                        .ok_or("score: 0-3")?;
                    c.meddpicc.elements.insert(
                        element,
                        ElementScore {
                            score,
                            evidence: t(1),
                        },
                    );
                }
            }
            Section::Stakeholders => {
                let s = Stakeholder {
                    name: t(0),
                    title: t(1),
                    role: pick(&v[2]),
                    stance: pick(&v[3]),
                    influence: pick(&v[4]),
                    last_engaged: date(&v[5], today)?,
                    confirmed_on: date(&v[6], today)?,
                };
                put(&mut c.stakeholders, row, s);
            }
            Section::ValidationItems => {
                let item = ValidationItem {
                    requirement: t(0),
                    success_criterion: t(1),
                    owner: t(2),
                    due: date(&v[3], today)?,
                    status: pick(&v[4]),
                };
                put(&mut c.validation_plan.items, row, item);
            }
            Section::Competitors => {
                let x = Competitor {
                    name: t(0),
                    position: pick(&v[1]),
                    threat: pick(&v[2]),
                    strengths: t(3),
                    weaknesses: t(4),
                    differentiators: t(5),
                };
                put(&mut c.competitors, row, x);
            }
            Section::Milestones => {
                let m = Milestone {
                    name: t(0),
                    kind: pick(&v[1]),
                    owner: t(2),
                    due: date(&v[3], today)?,
                    done: yes(&v[4]),
                };
                put(&mut c.decision_process, row, m);
            }
            Section::Risks => {
                let scale = |i: usize| {
                    v[i].trim()
                        .parse::<u8>()
                        .ok()
                        .filter(|n| (1..=5).contains(n))
                        .ok_or("must be 1-5")
                };
                let r = Risk {
                    description: t(0),
                    category: pick(&v[1]),
                    likelihood: scale(2)?,
                    impact: scale(3)?,
                    mitigation: t(4),
                    owner: t(5),
                };
                put(&mut c.risks, row, r);
            }
            Section::NextSteps => {
                let set_on = row
                    .and_then(|i| c.next_steps.get(i))
                    .map_or(today.date, |n| n.set_on);
                let n = NextStep {
                    action: t(0),
                    owner: t(1),
                    due: date(&v[2], today)?,
                    set_on,
                    done: yes(&v[3]),
                };
                put(&mut c.next_steps, row, n);
            }
            Section::Budget => {
                c.budget = Budget {
                    amount: amount(&v[0])?,
                    holder: t(1),
                    source: t(2),
                    fiscal_timing: t(3),
                    confirmed_on: date(&v[4], today)?,
                    confirmed_by: t(5),
                };
            }
            Section::Timeline => {
                c.timeline.compelling_event = t(0);
                deal.close_date = date(&v[1], today)?;
            }
            Section::Record => {
                deal.stage = t(0);
                deal.owner = t(1);
                deal.sa = t(2);
                deal.manager = t(3);
            }
            Section::Escalate
            | Section::Acknowledge
            | Section::Resolve
            | Section::Review
            | Section::Outcome => {
                return Err(format!("the {} is not a change of the form", self.noun()));
            }
            Section::Handoff => {
                c.handoff = Handoff {
                    flagged: yes(&v[0]),
                    implementation_contacts: t(1),
                    scope: t(2),
                    commitments: t(3),
                    open_risks: t(4),
                };
            }
            Section::Confirmation => {
                if let Some(s) = deal.steps.iter_mut().find(|s| s.number == step) {
                    s.confirmed_with = t(0);
                    s.confirmed_on = date(&v[1], today)?;
                }
            }
        }
        Ok(())
    }

    /// Remove row `row` from the deal (in memory).
    pub fn delete(self, deal: &mut Deal, row: usize) {
        let c = &mut deal.content;
        match self {
            Section::Stakeholders => remove(&mut c.stakeholders, row),
            Section::ValidationItems => remove(&mut c.validation_plan.items, row),
            Section::Competitors => remove(&mut c.competitors, row),
            Section::Milestones => remove(&mut c.decision_process, row),
            Section::Risks => remove(&mut c.risks, row),
            Section::NextSteps => remove(&mut c.next_steps, row),
            _ => {}
        }
    }
}

pub(super) fn put<T>(rows: &mut Vec<T>, row: Option<usize>, value: T) {
    match row.filter(|i| *i < rows.len()) {
        Some(i) => rows[i] = value,
        None => rows.push(value),
    }
}

pub(super) fn remove<T>(rows: &mut Vec<T>, row: usize) {
    if row < rows.len() {
        rows.remove(row);
    }
}

/// The message for a field's text, if it is not acceptable.
pub fn field_error(field: &Field, text: &str, today: &Today<'_>) -> Option<String> {
    if field.required && empty(text) {
        return Some("required".into());
    }
    match field.kind {
        Kind::Date => date(text, today).err(),
        Kind::Amount => amount(text).err(),
        Kind::OneToFive => (!one_to_five().contains(&text.trim())).then(|| "must be 1-5".into()),
        Kind::Score => {
            (!scores().contains(&text.trim())).then(|| "0-3, or empty for not scored".into())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typed_key_picks_the_choice_it_starts() {
        let levels = ["high", "medium", "low"];
        assert_eq!(choice_for(&levels, "high", 'l'), Some(2));
        assert_eq!(choice_for(&levels, "high", 'M'), Some(1));
        assert_eq!(choice_for(&levels, "high", '9'), None);
        let categories = ["technical", "commercial", "competitive", "other"];
        assert_eq!(choice_for(&categories, "technical", 'c'), Some(1));
        assert_eq!(
            choice_for(&categories, "commercial", 'c'),
            Some(2),
            "next one"
        );
        assert_eq!(
            choice_for(&categories, "competitive", 'c'),
            Some(1),
            "round"
        );
        assert_eq!(choice_for(&scores(), "", '2'), Some(3));
        assert_eq!(choice_for(&one_to_five(), "3", '7'), None);
    }
}
