//! Saving a form: its fields' text read into what it asks of the use cases
//! (a row or a record of the deal's content, an escalation raised or acted
//! on, a review, the outcome), then the one use case it stands for.

use super::editor::RecordEditor;
use super::fields::*;
use crate::domain::content::*;
use crate::domain::deal::{Deal, FieldError};
use crate::domain::escalation::EscalationId;
use crate::domain::pipeline::{Outcome, OutcomeKind};
use crate::domain::playbook::EscalationRule;
use crate::domain::review::Reviewer;
use crate::domain::step::StepChange;
use crate::ops::StoreError;
use crate::ops::{self, content, content::Place, content::Record, content::Row};
use crate::tui::shared::Ctx;

/// What a saved form asks of the use cases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Intent {
    /// A row of one of the step's lists.
    Row(Row),
    /// One of the deal's records, whole.
    Record(Record),
    Raise {
        rule: EscalationRule,
        reason: String,
        /// The person it goes to (empty: the deal's manager).
        to: String,
    },
    ActOn {
        id: EscalationId,
        resolve: bool,
        note: String,
    },
    Withdraw {
        id: EscalationId,
        reason: String,
    },
    Review {
        reviewer: Reviewer,
        approved: bool,
        comment: String,
    },
    /// `None` reopens the deal.
    Outcome(Option<Outcome>),
    /// Who confirmed the step's outcome, and when.
    Confirm {
        with: String,
        on: Option<chrono::NaiveDate>,
    },
}

impl Section {
    /// What the form's text `v` asks for; `was` is the row being edited as
    /// it was read (the scorecard's row names its element).
    pub fn read(
        self,
        v: &[String],
        was: Option<&Row>,
        today: &Today<'_>,
    ) -> Result<Intent, String> {
        let t = |i: usize| v[i].trim().to_string();
        Ok(match self {
            Section::Scorecard => {
                let Some(Row::Score(element, _)) = was else {
                    return Err("score: not an element of the scorecard".into());
                };
                let score = if empty(&v[0]) {
                    None
                } else {
                    let score = v[0]
                        .trim()
                        .parse::<u8>()
                        .ok()
                        .filter(|s| *s <= 3)
                        .ok_or("score: 0-3")?;
                    Some(ElementScore {
                        score,
                        evidence: t(1),
                    })
                };
                Intent::Row(Row::Score(*element, score))
            }
            Section::Stakeholders => Intent::Row(Row::Stakeholder(Stakeholder {
                name: t(0),
                title: t(1),
                role: pick(&v[2]),
                stance: pick(&v[3]),
                influence: pick(&v[4]),
                last_engaged: date(&v[5], today)?,
                confirmed_on: date(&v[6], today)?,
            })),
            Section::ValidationItems => Intent::Row(Row::ValidationItem(ValidationItem {
                requirement: t(0),
                success_criterion: t(1),
                owner: t(2),
                due: date(&v[3], today)?,
                status: pick(&v[4]),
            })),
            Section::Competitors => Intent::Row(Row::Competitor(Competitor {
                name: t(0),
                position: pick(&v[1]),
                threat: pick(&v[2]),
                strengths: t(3),
                weaknesses: t(4),
                differentiators: t(5),
            })),
            Section::Milestones => Intent::Row(Row::Milestone(Milestone {
                name: t(0),
                kind: pick(&v[1]),
                owner: t(2),
                due: date(&v[3], today)?,
                done: yes(&v[4]),
            })),
            Section::Risks => {
                let scale = |i: usize| {
                    v[i].trim()
                        .parse::<u8>()
                        .ok()
                        .filter(|n| (1..=5).contains(n))
                        .ok_or("must be 1-5")
                };
                Intent::Row(Row::Risk(Risk {
                    description: t(0),
                    category: pick(&v[1]),
                    likelihood: scale(2)?,
                    impact: scale(3)?,
                    mitigation: t(4),
                    owner: t(5),
                }))
            }
            // the day it is set is the use case's to say (kept on a change)
            Section::NextSteps => Intent::Row(Row::NextStep(NextStep {
                action: t(0),
                owner: t(1),
                due: date(&v[2], today)?,
                set_on: today.date,
                done: yes(&v[3]),
            })),
            Section::Budget => Intent::Record(Record::Budget(Budget {
                amount: amount(&v[0])?,
                holder: t(1),
                source: t(2),
                fiscal_timing: t(3),
                confirmed_on: date(&v[4], today)?,
                confirmed_by: t(5),
            })),
            Section::Timeline => Intent::Record(Record::Timeline {
                compelling_event: t(0),
                close_date: date(&v[1], today)?,
            }),
            Section::Record => Intent::Record(Record::Opportunity {
                stage: t(0),
                owner: t(1),
                sa: t(2),
                manager: t(3),
            }),
            Section::Handoff => Intent::Record(Record::Handoff(Handoff {
                flagged: yes(&v[0]),
                implementation_contacts: t(1),
                scope: t(2),
                commitments: t(3),
                open_risks: t(4),
            })),
            Section::Confirmation | Section::ContactConfirmation => Intent::Confirm {
                with: t(0),
                on: date(&v[1], today)?,
            },
            Section::Escalate => EscalationRule::parse(v[0].trim())
                .ok_or_else(|| "scenario: customer, legal_security or pricing".to_string())
                .map(|rule| Intent::Raise {
                    rule,
                    reason: v[1].clone(),
                    to: t(2),
                })?,
            Section::Acknowledge | Section::Resolve => {
                v[0].parse::<EscalationId>().map(|id| Intent::ActOn {
                    id,
                    resolve: self == Section::Resolve,
                    note: v[1].clone(),
                })?
            }
            Section::Withdraw => v[0].parse::<EscalationId>().map(|id| Intent::Withdraw {
                id,
                reason: v[1].clone(),
            })?,
            Section::Outcome => {
                let kind = OutcomeKind::parse(&v[0]);
                date(&v[1], today).map(|on| {
                    Intent::Outcome(kind.map(|kind| Outcome {
                        kind,
                        on: on.unwrap_or(today.date),
                        reason: v[2].trim().to_string(),
                        lost_to: v[3].trim().to_string(),
                    }))
                })?
            }
            Section::Review => Intent::Review {
                reviewer: if v[0].trim() == "sa" {
                    Reviewer::Sa
                } else {
                    Reviewer::Manager
                },
                approved: v[1].trim() == "approve",
                comment: v[2].clone(),
            },
        })
    }
}

/// Write what the editor holds as one change of `deal` (the deal as the
/// screen has it), through the use case it stands for. What went wrong is
/// the error's message.
pub fn save(deal: &Deal, editor: &RecordEditor, ctx: &mut Ctx) -> Result<Deal, StoreError> {
    let section = editor.section;
    let invalid = |message: String| {
        StoreError::Invalid(vec![FieldError {
            field: section.noun().into(),
            message,
        }])
    };
    let read = section.read(&editor.values(), editor.was.as_ref(), &Today::of(ctx));
    let s = &mut ctx.session;
    let version = Some(deal.version);
    match read.map_err(invalid)? {
        // the deal may have moved on since the row was read: that is fine
        // unless this very row changed (or moved) in the meantime
        Intent::Row(row) => {
            let place = match (editor.row, &editor.was) {
                (Some(index), Some(was)) => Place::At {
                    index,
                    was: was.clone(),
                },
                _ => Place::End,
            };
            content::save_row(s, deal.id, editor.read_at, place, row)
        }
        // a record is written whole over whatever it holds now
        Intent::Record(record) => content::save_record(s, deal.id, None, record),
        Intent::Raise { rule, reason, to } => {
            ops::raise_escalation(s, deal.id, version, rule, &reason, &to).map(|(d, _)| d)
        }
        Intent::ActOn { id, resolve, note } => ops::act_on_escalation(s, id, resolve, &note, None),
        Intent::Withdraw { id, reason } => ops::withdraw_escalation(s, id, &reason, None),
        Intent::Review {
            reviewer,
            approved,
            comment,
        } => ops::record_review(s, deal.id, version, reviewer, approved, &comment).map(|(d, _)| d),
        Intent::Outcome(outcome) => ops::set_outcome(s, deal.id, version, outcome),
        // the step's rule: one of the deal's stakeholders (anyone on the
        // scorecard's step), the same as the CLI's `step ID N confirm`
        Intent::Confirm { with, on } => {
            let change = StepChange::Confirm { with, on };
            ops::change_step(s, deal.id, None, editor.step, &change).map(|(d, _)| d)
        }
    }
}
