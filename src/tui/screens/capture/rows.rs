//! The deal as a step's form shows it: each row's text, field by field.

use super::fields::*;
use crate::domain::content::Choice;
use crate::domain::deal::Deal;
use crate::domain::step::StepNumber;

impl Section {
    /// The rows as the table shows them: each a first cell (the row's name)
    /// and the text of every field.
    pub fn rows(self, deal: &Deal, step: StepNumber) -> Vec<(String, Vec<String>)> {
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
            Section::Escalate => vec![(
                String::new(),
                vec!["customer".into(), String::new(), deal.manager.clone()],
            )],
            Section::Acknowledge | Section::Resolve | Section::Withdraw => {
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
            Section::Confirmation | Section::ContactConfirmation => {
                let s = deal.step(step);
                vec![(
                    format!("step {step}"),
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
}
