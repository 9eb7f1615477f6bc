//! The step's form: what the selected step captures, as a table of rows or
//! a single record, edited in a record editor whose fields are checked as
//! they are typed. Every confirmed edit is one write.

use crate::domain::calendar::parse_date_input;
use crate::domain::content::*;
use crate::domain::criteria::{self, Check};
use crate::domain::deal::Deal;
use crate::domain::escalation::{self, EscalationId};
use crate::domain::money::Money;
use crate::domain::playbook::EscalationRule;
use crate::domain::playbook::Playbook;
use crate::domain::review::{Reviewer, review};
use crate::store::StoreError;
use crate::text::clean;
use crate::tui::action::Action;
use crate::tui::app::{Ctx, Look, Status};
use crate::tui::widgets::{hanging, popup, text_field, truncate};
use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Row, Table, Widget};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

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

const fn f(label: &'static str, short: &'static str, kind: Kind, required: bool) -> Field {
    Field {
        label,
        short,
        kind,
        required,
    }
}

fn labels<C: Choice>() -> Vec<&'static str> {
    C::ALL.iter().map(|c| c.label()).collect()
}

fn yes_no() -> Vec<&'static str> {
    vec!["no", "yes"]
}

fn scores() -> Vec<&'static str> {
    vec!["", "0", "1", "2", "3"]
}

fn one_to_five() -> Vec<&'static str> {
    vec!["1", "2", "3", "4", "5"]
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
fn user_scenarios() -> Vec<&'static str> {
    vec!["customer", "legal_security", "pricing"]
}

fn reviewers() -> Vec<&'static str> {
    vec!["manager", "sa"]
}

fn decisions() -> Vec<&'static str> {
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
    f("Reviewer", "By", Kind::Text, true),
    f("Comment", "Comment", Kind::Text, false),
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
    /// The user's UTC offset now ("same day" escalations end at its midnight).
    pub offset: FixedOffset,
    pub actor: &'a str,
    pub playbook: &'a Playbook,
}

impl<'a> Today<'a> {
    pub fn of(ctx: &'a Ctx) -> Today<'a> {
        Today {
            date: ctx.clock.today(),
            holidays: &ctx.playbook.targets.holidays,
            now: ctx.clock.now(),
            offset: ctx.clock.offset(),
            actor: ctx.store.actor(),
            playbook: &ctx.playbook,
        }
    }
}

fn empty(s: &str) -> bool {
    s.trim().is_empty()
}

fn date(text: &str, today: &Today<'_>) -> Result<Option<NaiveDate>, String> {
    if empty(text) {
        Ok(None)
    } else {
        parse_date_input(text, today.date, today.holidays).map(Some)
    }
}

fn amount(text: &str) -> Result<Option<Money>, String> {
    if empty(text) {
        Ok(None)
    } else {
        Money::parse(text).map(Some)
    }
}

fn pick<C: Choice>(text: &str) -> C {
    let t = text.trim();
    C::ALL
        .iter()
        .copied()
        .find(|c| c.label() == t || c.key() == t)
        .unwrap_or(C::ALL[0])
}

fn yes(text: &str) -> bool {
    text.trim() == "yes"
}

fn date_text(d: Option<NaiveDate>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

fn yes_text(b: bool) -> String {
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
            Section::Handoff => HANDOFF,
        }
    }

    /// The fields the table shows (the record editor shows them all).
    fn columns(self) -> &'static [usize] {
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

    fn can_add(self) -> bool {
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
                    vec![
                        "manager".into(),
                        "approve".into(),
                        deal.manager.clone(),
                        String::new(),
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
    fn blank_row(self) -> Vec<String> {
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
            Section::Escalate => {
                let rule = EscalationRule::parse(v[0].trim())
                    .ok_or("scenario: customer, legal_security or pricing")?;
                escalation::raise(
                    deal,
                    rule,
                    &v[1],
                    today.actor,
                    today.playbook,
                    today.now,
                    today.offset,
                )
                .map_err(|e| e.to_string())?;
            }
            Section::Acknowledge | Section::Resolve => {
                let id: EscalationId = v[0].parse()?;
                let act = if self == Section::Resolve {
                    escalation::resolve
                } else {
                    escalation::acknowledge
                };
                act(deal, id, today.actor, &v[1], today.playbook, today.now)
                    .map_err(|e| e.to_string())?;
            }
            Section::Review => {
                let reviewer = if v[0].trim() == "sa" {
                    Reviewer::Sa
                } else {
                    Reviewer::Manager
                };
                let by = if empty(&v[2]) {
                    today.actor
                } else {
                    v[2].trim()
                };
                review(
                    deal,
                    reviewer,
                    v[1].trim() == "approve",
                    by,
                    &v[3],
                    today.now,
                )
                .map_err(|e| e.to_string())?;
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

    fn delete(self, deal: &mut Deal, row: usize) {
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

fn put<T>(rows: &mut Vec<T>, row: Option<usize>, value: T) {
    match row.filter(|i| *i < rows.len()) {
        Some(i) => rows[i] = value,
        None => rows.push(value),
    }
}

fn remove<T>(rows: &mut Vec<T>, row: usize) {
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

/// The record being edited: one input per field.
pub struct RecordEditor {
    pub section: Section,
    pub step: u8,
    pub row: Option<usize>,
    /// The row's name (the element, for the scorecard).
    title: String,
    inputs: Vec<Input>,
    focus: usize,
    /// The battle card of the competitor named in the form, if any.
    battle_card: Option<String>,
}

pub enum EditorOutcome {
    Stay(Option<Status>),
    /// Leave; `save` when the values should be written first.
    Leave {
        save: bool,
    },
}

impl RecordEditor {
    pub fn new(section: Section, step: u8, row: Option<usize>, deal: &Deal) -> RecordEditor {
        RecordEditor::with_values(section, step, row, deal, None)
    }

    /// A record editor whose fields start from `prefill` when given.
    pub fn with_values(
        section: Section,
        step: u8,
        row: Option<usize>,
        deal: &Deal,
        prefill: Option<Vec<String>>,
    ) -> RecordEditor {
        let rows = section.rows(deal, step);
        let (title, values) = match row.and_then(|i| rows.get(i)) {
            Some((title, values)) => (title.clone(), values.clone()),
            None if section.is_record() => rows.into_iter().next().unwrap_or_default(),
            None => (String::new(), section.blank_row()),
        };
        let values = prefill.unwrap_or(values);
        RecordEditor {
            section,
            step,
            row: if section.is_record() { Some(0) } else { row },
            title,
            inputs: values.into_iter().map(Input::new).collect(),
            focus: 0,
            battle_card: None,
        }
    }

    /// Start typing in field `i`.
    pub fn focus_field(mut self, i: usize) -> RecordEditor {
        self.focus = i.min(self.inputs.len().saturating_sub(1));
        self
    }

    pub fn values(&self) -> Vec<String> {
        self.inputs.iter().map(|i| i.value().to_string()).collect()
    }

    fn first_error(&self, today: &Today<'_>) -> Option<(usize, String)> {
        let fields = self.section.fields();
        (0..fields.len())
            .find_map(|i| field_error(&fields[i], self.inputs[i].value(), today).map(|e| (i, e)))
    }

    fn cycle(&mut self, forward: bool) -> bool {
        let field = &self.section.fields()[self.focus];
        let choices = match field.kind {
            Kind::Pick(choices) => choices(),
            Kind::YesNo => yes_no(),
            Kind::Score => scores(),
            Kind::OneToFive => one_to_five(),
            _ => return false,
        };
        let at = choices
            .iter()
            .position(|c| *c == self.inputs[self.focus].value().trim())
            .unwrap_or(0);
        let next = if forward {
            (at + 1) % choices.len()
        } else {
            (at + choices.len() - 1) % choices.len()
        };
        self.inputs[self.focus] = Input::new(choices[next].to_string());
        true
    }

    /// The competitor's name, when this edits a competitor (for its battle card).
    pub fn competitor_name(&self) -> Option<&str> {
        (self.section == Section::Competitors)
            .then(|| self.inputs[0].value().trim())
            .filter(|n| !n.is_empty())
    }

    pub fn set_battle_card(&mut self, notes: Option<String>) {
        self.battle_card = notes;
    }

    pub fn update(&mut self, action: Action, today: &Today<'_>) -> EditorOutcome {
        let count = self.inputs.len();
        match action {
            Action::FocusNext => self.focus = (self.focus + 1) % count,
            Action::FocusPrev => self.focus = (self.focus + count - 1) % count,
            Action::Confirm if self.focus + 1 < count => self.focus += 1,
            Action::Confirm | Action::Save => match self.first_error(today) {
                Some((i, e)) => {
                    self.focus = i;
                    return EditorOutcome::Stay(Some(Status::error(format!(
                        "{}: {e}",
                        self.section.fields()[i].label
                    ))));
                }
                None => return EditorOutcome::Leave { save: true },
            },
            Action::Cancel => {
                return match self.first_error(today) {
                    None => EditorOutcome::Leave { save: true },
                    Some((i, e)) => {
                        self.focus = i;
                        EditorOutcome::Stay(Some(Status::error(format!(
                            "{}: {e} (fix it, or Ctrl-D to drop this edit)",
                            self.section.fields()[i].label
                        ))))
                    }
                };
            }
            Action::DropEdit => return EditorOutcome::Leave { save: false },
            Action::PickNext | Action::PickPrev => {
                let forward = action == Action::PickNext;
                if !self.cycle(forward) {
                    let code = if forward {
                        KeyCode::Right
                    } else {
                        KeyCode::Left
                    };
                    self.inputs[self.focus]
                        .handle_event(&Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
                }
            }
            Action::Type(key) => {
                let field = &self.section.fields()[self.focus];
                let typed = matches!(field.kind, Kind::Text | Kind::Date | Kind::Amount);
                if typed {
                    self.inputs[self.focus].handle_event(&Event::Key(key));
                } else if let KeyCode::Char(c) = key.code {
                    // a choice field: type its first letter or digit to jump to it
                    let _ = self.jump_to(c);
                }
            }
            _ => {}
        }
        EditorOutcome::Stay(None)
    }

    fn jump_to(&mut self, c: char) -> bool {
        for _ in 0..20 {
            self.cycle(true);
            if self.inputs[self.focus].value().starts_with(c) {
                return true;
            }
        }
        false
    }

    pub fn render(&self, area: Rect, buf: &mut Buffer, look: Look<'_>, today: &Today<'_>) {
        let theme = look.theme;
        let fields = self.section.fields();
        let extra = u16::from(self.battle_card.is_some()) * 4;
        let rect = popup(area, 76, fields.len() as u16 + 6 + extra);
        Clear.render(rect, buf);
        let verb = if self.row.is_none() { "New" } else { "Edit" };
        let mut title = format!(" {verb} {} ", self.section.noun());
        if !self.title.is_empty() {
            title = format!(" {}: {} ", self.section.noun(), self.title);
        }
        let block = Block::bordered()
            .title(title)
            .title_style(theme.title)
            .border_style(theme.focus_border);
        let inner = block.inner(rect);
        block.render(rect, buf);
        let [fields_area, _, card_area, help_area] = Layout::vertical([
            Constraint::Length(fields.len() as u16),
            Constraint::Length(1),
            Constraint::Length(extra),
            Constraint::Fill(1),
        ])
        .areas(inner);
        for (i, field) in fields.iter().enumerate() {
            let row = Rect {
                y: fields_area.y + i as u16,
                height: 1,
                ..fields_area
            };
            if row.y >= fields_area.bottom() {
                break;
            }
            let [label_area, input_area, note_area] = Layout::horizontal([
                Constraint::Length(20),
                Constraint::Length(32),
                Constraint::Fill(1),
            ])
            .spacing(1)
            .areas(row);
            let focused = i == self.focus;
            let label = if field.required {
                format!("{} *", field.label)
            } else {
                field.label.to_string()
            };
            Line::styled(label, if focused { theme.title } else { Style::new() })
                .right_aligned()
                .render(label_area, buf);
            let input = &self.inputs[i];
            let picker = matches!(
                field.kind,
                Kind::Pick(_) | Kind::YesNo | Kind::Score | Kind::OneToFive
            );
            let shown = if picker {
                format!("‹ {} ›", input.value())
            } else {
                input.value().to_string()
            };
            let cursor = if picker { 0 } else { input.visual_cursor() };
            text_field(
                buf,
                input_area,
                &shown,
                cursor,
                focused && !picker,
                Style::new().add_modifier(Modifier::UNDERLINED),
            );
            if focused && picker {
                buf.set_style(input_area, theme.selected);
            }
            let note = match (field_error(field, input.value(), today), field.kind) {
                (Some(e), _) => Span::styled(
                    format!(
                        "✗ {}",
                        truncate(&e, usize::from(note_area.width).saturating_sub(2))
                    ),
                    theme.error,
                ),
                (None, Kind::Date) if input.value().trim().is_empty() => {
                    Span::styled("YYYY-MM-DD or +N", theme.dim)
                }
                (None, Kind::Pick(_) | Kind::YesNo | Kind::Score | Kind::OneToFive) if focused => {
                    Span::styled("←/→ to choose", theme.dim)
                }
                (None, Kind::Date | Kind::Amount) => Span::styled("✓", theme.pass),
                _ => Span::raw(""),
            };
            note.render(note_area, buf);
        }
        if let Some(card) = &self.battle_card {
            let lines = hanging(
                vec![Span::styled("Battle card: ", theme.title)],
                &[(card, Style::new())],
                usize::from(card_area.width),
            );
            Paragraph::new(lines).render(card_area, buf);
        }
        let help = Line::styled(
            "Tab next · ←/→ choose · Enter on the last field or Ctrl-S saves · Esc saves and leaves",
            theme.dim,
        );
        Paragraph::new(help)
            .wrap(ratatui::widgets::Wrap { trim: true })
            .render(help_area, buf);
    }
}

/// The capture page's state: which row is selected.
#[derive(Default)]
pub struct CaptureForm {
    pub row: usize,
}

impl CaptureForm {
    pub fn move_by(&mut self, down: bool, rows: usize) {
        self.row = if down {
            (self.row + 1).min(rows.saturating_sub(1))
        } else {
            self.row.saturating_sub(1)
        };
    }

    /// Write an edit of `section` as one change of the deal.
    pub fn save(deal: &Deal, editor: &RecordEditor, ctx: &mut Ctx) -> Result<Deal, Status> {
        let values = editor.values();
        let (date, now, actor) = (
            ctx.clock.today(),
            ctx.clock.now(),
            ctx.store.actor().to_string(),
        );
        let today = Today {
            date,
            holidays: &ctx.playbook.targets.holidays,
            now,
            offset: ctx.clock.offset(),
            actor: &actor,
            playbook: &ctx.playbook,
        };
        let (section, step, row) = (editor.section, editor.step, editor.row);
        let result = ctx
            .store
            .update_deal(deal.id, Some(deal.version), now, |d| {
                section.apply(d, step, row, &values, &today).map_err(|e| {
                    StoreError::Invalid(vec![crate::domain::deal::FieldError {
                        field: section.noun().into(),
                        message: e,
                    }])
                })
            });
        match result {
            Ok((deal, ())) => Ok(deal),
            Err(StoreError::Conflict { .. }) => Err(Status::error(
                "The deal was changed elsewhere and reloaded; your edit is kept: save it again",
            )),
            Err(e) => Err(Status::error(e.to_string())),
        }
    }

    /// Remove row `row` of `section` from the deal (in memory).
    pub fn delete(deal: &mut Deal, section: Section, row: usize) {
        section.delete(deal, row);
    }

    pub fn can_add(section: Section) -> bool {
        section.can_add()
    }
}

/// The capture page: the step's criteria, then its form.
pub struct CaptureView<'a> {
    pub deal: &'a Deal,
    pub step: u8,
    pub row: usize,
    pub focused: bool,
    pub checks: &'a [Check],
    pub battle_card: Option<&'a str>,
    pub look: Look<'a>,
}

impl Widget for CaptureView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let theme = self.look.theme;
        let width = usize::from(area.width);
        let mut criteria = Vec::new();
        for c in self.checks {
            let (mark, style) = match (c.met, c.blocking) {
                (true, _) => ("✓ ", theme.pass),
                (false, true) => ("✗ ", theme.fail),
                (false, false) => ("! ", theme.warn),
            };
            let detail = format!("— {}", c.detail);
            criteria.extend(hanging(
                vec![Span::styled(mark, style)],
                &[(&c.label, Style::new()), (&detail, theme.dim)],
                width,
            ));
        }
        let section = Section::for_step(self.step);
        let extra = self.extra_lines(section, width);
        let criteria_height = (criteria.len() as u16).min(area.height / 2);
        let [crit_area, form_area, extra_area] = Layout::vertical([
            Constraint::Length(criteria_height),
            Constraint::Fill(1),
            Constraint::Length((extra.len() as u16).min(area.height / 4)),
        ])
        .areas(area);
        Paragraph::new(criteria).render(crit_area, buf);

        let border = if self.focused {
            theme.focus_border
        } else {
            theme.border
        };
        let rows = section.rows(self.deal, self.step);
        let hint = if section.can_add() {
            " · a add · Enter edit · D delete "
        } else {
            " · Enter edit "
        };
        let title = format!(
            " {}{} ",
            capitalised(section.noun()),
            if rows.len() == 1 || section.is_record() {
                ""
            } else {
                "s"
            }
        );
        let block = Block::bordered()
            .title(Line::from(vec![
                Span::styled(title, theme.title),
                Span::styled(hint, theme.dim),
            ]))
            .border_style(border);
        let inner = block.inner(form_area);
        block.render(form_area, buf);
        if section.is_record() {
            render_record(section, &rows, inner, buf, self.look, self.focused);
        } else if rows.is_empty() {
            Line::styled(
                format!("No {}s yet: press a to add one", section.noun()),
                theme.dim,
            )
            .render(inner, buf);
        } else {
            render_table(
                section,
                &rows,
                self.row,
                inner,
                buf,
                self.look,
                self.focused,
            );
        }
        Paragraph::new(extra).render(extra_area, buf);
    }
}

impl CaptureView<'_> {
    /// What the step shows under its form: the verdict, the battle card, the
    /// mutual close plan, the overall risk band, the forecast category.
    fn extra_lines(&self, section: Section, width: usize) -> Vec<Line<'static>> {
        let theme = self.look.theme;
        let pb: &Playbook = self.look.playbook;
        let c = &self.deal.content;
        let text = |label: &str, value: String| {
            let label = format!("{label}:");
            hanging(
                Vec::new(),
                &[(&label, theme.title), (&value, Style::new())],
                width,
            )
        };
        match section {
            Section::Scorecard => {
                let (total, max) = criteria::score_total(&c.meddpicc);
                let verdict = criteria::verdict(&c.meddpicc, pb)
                    .map_or("not yet (score every element)", |v| v.label());
                text(
                    &format!(
                        "{} · total {total}/{max} · verdict",
                        c.meddpicc.framework.label()
                    ),
                    format!("{verdict}   (m switches MEDDPICC/MEDDICC)"),
                )
            }
            Section::Competitors => self
                .battle_card
                .map(|n| text("Battle card", n.to_string()))
                .unwrap_or_default(),
            Section::Timeline => {
                let mut plan: Vec<&Milestone> = c.decision_process.iter().collect();
                plan.sort_by_key(|m| m.due);
                let steps: Vec<String> = plan
                    .iter()
                    .map(|m| {
                        format!(
                            "{} {}{}",
                            date_text(m.due),
                            clean(&m.name),
                            if m.done { " ✓" } else { "" }
                        )
                    })
                    .collect();
                text(
                    "Mutual close plan",
                    if steps.is_empty() {
                        "no milestones yet (step 6)".into()
                    } else {
                        steps.join(" → ")
                    },
                )
            }
            Section::Risks => {
                let band = criteria::overall_risk_band(c, pb)
                    .map_or("none yet".into(), |b| b.label().to_string());
                text("Deal risk band (worst risk)", band)
            }
            Section::ValidationItems => {
                let decision = match &c.validation_plan.decision {
                    Some(d) if d.approved => {
                        format!("approved by {} {}", d.by, d.at.format("%Y-%m-%d"))
                    }
                    Some(d) => format!("sent back by {}: {}", d.by, d.comment),
                    None => "waiting (A approves, R sends back)".into(),
                };
                text("SA sign-off", decision)
            }
            Section::Record => text(
                "Forecast category",
                criteria::forecast_category(self.deal, pb).label().into(),
            ),
            _ => Vec::new(),
        }
    }
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

fn render_record(
    section: Section,
    rows: &[(String, Vec<String>)],
    area: Rect,
    buf: &mut Buffer,
    look: Look<'_>,
    _focused: bool,
) {
    let theme = look.theme;
    let values = rows.first().map(|r| r.1.clone()).unwrap_or_default();
    let lines: Vec<Line> = section
        .fields()
        .iter()
        .zip(values)
        .map(|(f, v)| {
            let value = if v.trim().is_empty() {
                Span::styled("—", theme.dim)
            } else {
                Span::raw(clean(&v))
            };
            Line::from(vec![
                Span::styled(format!("{:<20} ", f.label), theme.dim),
                value,
            ])
        })
        .collect();
    Paragraph::new(lines).render(area, buf);
}

fn render_table(
    section: Section,
    rows: &[(String, Vec<String>)],
    selected: usize,
    area: Rect,
    buf: &mut Buffer,
    look: Look<'_>,
    focused: bool,
) {
    let theme = look.theme;
    let fields = section.fields();
    let named = section == Section::Scorecard;
    let mut header: Vec<&str> = Vec::new();
    let mut widths = Vec::new();
    if named {
        header.push("Element");
        widths.push(Constraint::Length(18));
    }
    for &i in section.columns() {
        let f = &fields[i];
        header.push(f.short);
        widths.push(match f.kind {
            Kind::Date => Constraint::Length(10),
            Kind::Score | Kind::OneToFive => Constraint::Length(5),
            Kind::YesNo => Constraint::Length(4),
            Kind::Pick(_) => Constraint::Length(12),
            _ if i == 0 => Constraint::Fill(2),
            _ => Constraint::Fill(1),
        });
    }
    let height = usize::from(area.height.saturating_sub(1)).max(1);
    let offset = selected.saturating_sub(height - 1);
    let body = rows
        .iter()
        .enumerate()
        .skip(offset)
        .take(height)
        .map(|(i, (name, values))| {
            let mut cells: Vec<String> = Vec::new();
            if named {
                cells.push(name.clone());
            }
            cells.extend(section.columns().iter().map(|i| clean(&values[*i])));
            let row = Row::new(cells);
            if focused && i == selected {
                row.style(theme.selected)
            } else {
                row
            }
        });
    Table::new(body, widths)
        .header(Row::new(header).style(theme.title))
        .column_spacing(1)
        .render(area, buf);
}
