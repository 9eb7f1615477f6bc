//! The playbook's steps: what each step is (title, objective, SLA) and the
//! kind of record it captures, and the checks the list of steps passes when
//! a playbook loads. The rules and the faces choose a step's behaviour by
//! the kind it captures, never by its number, so that a team's playbook may
//! order its steps as it likes.

use super::step_number::{STEP_COUNT, StepNumber};
use serde::Deserialize;
use toml::Spanned;

/// The kind of record a step captures: `capture = "…"` in the playbook.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaptureKind {
    /// The MEDDPICC / MEDDICC scorecard and its verdict.
    Scorecard,
    /// The buying group, by name and role.
    Stakeholders,
    /// The budget, who holds it and who confirmed it.
    Budget,
    /// The technical validation plan and the SA's sign-off.
    ValidationPlan,
    /// The alternatives the buyer weighs.
    Competitors,
    /// The decision and paper milestones.
    DecisionProcess,
    /// The compelling event and the close date.
    Timeline,
    /// The risk register.
    Risks,
    /// The next actions, each with an owner and a due date.
    NextSteps,
    /// The opportunity record's fields.
    CrmRecord,
}

impl CaptureKind {
    /// Every kind, in the shipped procedure's order. This is the one table
    /// of each step's standard kind: a step of a team's playbook without a
    /// `capture` line captures the kind its number has here.
    pub const ALL: [CaptureKind; STEP_COUNT] = [
        CaptureKind::Scorecard,
        CaptureKind::Stakeholders,
        CaptureKind::Budget,
        CaptureKind::ValidationPlan,
        CaptureKind::Competitors,
        CaptureKind::DecisionProcess,
        CaptureKind::Timeline,
        CaptureKind::Risks,
        CaptureKind::NextSteps,
        CaptureKind::CrmRecord,
    ];

    /// The kind step `number` captures in the shipped procedure.
    pub fn standard(number: StepNumber) -> CaptureKind {
        CaptureKind::ALL[number.index()]
    }

    /// The playbook's word for it.
    pub fn key(self) -> &'static str {
        match self {
            CaptureKind::Scorecard => "scorecard",
            CaptureKind::Stakeholders => "stakeholders",
            CaptureKind::Budget => "budget",
            CaptureKind::ValidationPlan => "validation_plan",
            CaptureKind::Competitors => "competitors",
            CaptureKind::DecisionProcess => "decision_process",
            CaptureKind::Timeline => "timeline",
            CaptureKind::Risks => "risks",
            CaptureKind::NextSteps => "next_steps",
            CaptureKind::CrmRecord => "crm_record",
        }
    }
}

/// One step of the procedure, as the playbook defines it.
#[derive(Debug, Clone)]
pub struct StepDef {
    pub number: StepNumber,
    pub title: String,
    pub objective: String,
    pub sla_business_days: u32,
    /// What the step's form keeps, and so how the step behaves.
    pub capture: CaptureKind,
}

/// A `[[steps]]` table as the file gives it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawStep {
    number: u8,
    title: String,
    objective: String,
    sla_business_days: u32,
    #[serde(default)]
    capture: Option<Spanned<CaptureKind>>,
}

impl RawStep {
    /// The kind it captures: its `capture` line's, else its number's
    /// standard kind (see [`CaptureKind::ALL`]).
    fn capture(&self, number: StepNumber) -> CaptureKind {
        self.capture
            .as_ref()
            .map_or(CaptureKind::standard(number), |c| *c.get_ref())
    }
}

/// A problem with the steps: where in the file (an offset), the field and
/// what is wrong.
pub(super) type StepError = (usize, String, String);

/// The ten steps, in order, each titled and each capturing its own kind.
pub(super) fn check_order(steps: &[Spanned<RawStep>], at: usize) -> Result<(), StepError> {
    if steps.len() != STEP_COUNT {
        return Err((
            at,
            "steps".into(),
            format!("expected {STEP_COUNT} steps, found {}", steps.len()),
        ));
    }
    for ((i, step), number) in steps.iter().enumerate().zip(StepNumber::all()) {
        let (at, s) = (step.span().start, step.get_ref());
        if s.number != number.get() {
            return Err((
                at,
                format!("steps[{i}].number"),
                format!(
                    "expected {number}, found {} (steps are listed in order)",
                    s.number
                ),
            ));
        }
        if s.title.trim().is_empty() {
            return Err((at, format!("steps[{i}].title"), "must not be empty".into()));
        }
    }
    check_captures(steps)
}

/// Each kind captured by one step at most (so, ten steps and ten kinds, by
/// exactly one).
fn check_captures(steps: &[Spanned<RawStep>]) -> Result<(), StepError> {
    let kinds: Vec<CaptureKind> = steps
        .iter()
        .zip(StepNumber::all())
        .map(|(s, n)| s.get_ref().capture(n))
        .collect();
    for (i, (step, number)) in steps.iter().zip(StepNumber::all()).enumerate() {
        let kind = kinds[i];
        let Some(j) = kinds[..i].iter().position(|k| *k == kind) else {
            continue;
        };
        let other = StepNumber::all().nth(j).expect("an earlier step");
        let key = kind.key();
        let once = "each kind is captured by one step";
        let (at, message) = match &step.get_ref().capture {
            Some(c) => {
                let why = if steps[j].get_ref().capture.is_none() {
                    " (it has no capture line, so it captures its standard kind)"
                } else {
                    ""
                };
                (
                    c.span().start,
                    format!("{key} is captured by step {other} already{why}: {once}"),
                )
            }
            None => (
                step.span().start,
                format!(
                    "step {number} has no capture line, so it captures its standard kind, \
                     {key}, which step {other} captures already: give step {number} a capture \
                     line ({once})"
                ),
            ),
        };
        return Err((at, format!("steps[{i}].capture"), message));
    }
    Ok(())
}

/// Each step's SLA within reach of the calendar.
pub(super) fn check_sla(steps: &[Spanned<RawStep>]) -> Result<(), StepError> {
    for (i, step) in steps.iter().enumerate() {
        if step.get_ref().sla_business_days > 60 {
            return Err((
                step.span().start,
                format!("steps[{i}].sla_business_days"),
                "out of range: use 0 to 60".into(),
            ));
        }
    }
    Ok(())
}

/// Each title and objective within its bound.
pub(super) fn check_texts(steps: &[Spanned<RawStep>]) -> Result<(), StepError> {
    for (i, step) in steps.iter().enumerate() {
        let (at, s) = (step.span().start, step.get_ref());
        for (key, value, max) in [
            ("title", &s.title, crate::text::MAX_SHORT),
            ("objective", &s.objective, crate::text::MAX_LONG),
        ] {
            crate::text::check_length(value, max)
                .map_err(|m| (at, format!("steps[{i}].{key}"), m))?;
        }
    }
    Ok(())
}

/// The checked steps' definitions.
pub(super) fn definitions(steps: Vec<Spanned<RawStep>>) -> Vec<StepDef> {
    steps
        .into_iter()
        .zip(StepNumber::all())
        .map(|(step, number)| {
            let capture = step.get_ref().capture(number);
            let s = step.into_inner();
            StepDef {
                number,
                title: s.title,
                objective: s.objective,
                sla_business_days: s.sla_business_days,
                capture,
            }
        })
        .collect()
}
