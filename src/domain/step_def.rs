//! The playbook's steps: what each step is (title, objective, SLA) and the
//! kind of record it captures, and the checks the list of steps passes when
//! a playbook loads. The rules and the faces choose a step's behaviour by
//! the kind it captures, never by its number, so that a team's playbook may
//! order its steps as it likes.

use super::guidance::Guidance;
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
    /// What the playbook tells the AE at this step (empty when it says
    /// nothing).
    pub guidance: Guidance,
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
    #[serde(default)]
    guidance: Guidance,
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

/// Each step's guidance within its bounds, its examples one per score of
/// the scale (`scale` words) and given on the scorecard's step only.
pub(super) fn check_guidance(steps: &[Spanned<RawStep>], scale: usize) -> Result<(), StepError> {
    for ((i, step), number) in steps.iter().enumerate().zip(StepNumber::all()) {
        let (at, s) = (step.span().start, step.get_ref());
        let field = |key: &str| format!("steps[{i}].guidance.{key}");
        if !s.guidance.examples.is_empty() && s.capture(number) != CaptureKind::Scorecard {
            let why = "examples of evidence by score belong to the step capturing the scorecard";
            return Err((at, field("examples"), why.into()));
        }
        s.guidance
            .check(scale)
            .map_err(|(key, message)| (at, field(&key), message))?;
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
                guidance: s.guidance,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::CaptureKind;
    use crate::domain::choices::{Choice, Element};
    use crate::domain::playbook::{DEFAULT_TOML, Playbook};

    #[test]
    fn the_shipped_playbook_guides_every_step() {
        let p = Playbook::default_playbook();
        for step in &p.steps {
            let g = &step.guidance;
            assert!(g.questions.len() >= 4, "step {}", step.number);
            assert!(!g.talk_track.trim().is_empty(), "step {}", step.number);
            assert!(!g.good_evidence.is_empty(), "step {}", step.number);
            for t in [
                &g.templates.outcomes,
                &g.templates.decisions,
                &g.templates.next_steps,
            ] {
                assert!(!t.trim().is_empty(), "step {}", step.number);
            }
        }
        // step 1: every element's evidence at every score of the scale
        let scorecard = &p.step_capturing(CaptureKind::Scorecard).guidance;
        for element in Element::ALL {
            let e = scorecard
                .examples_of(*element)
                .unwrap_or_else(|| panic!("{}", element.key()));
            assert_eq!(e.scores.len(), p.meddpicc.scale.len(), "{}", element.key());
            assert!(e.scores.iter().all(|s| !s.trim().is_empty()));
        }
    }

    /// The shipped playbook with every guidance table taken out.
    fn without_guidance() -> String {
        let mut out = Vec::new();
        let mut skipping = false;
        for line in DEFAULT_TOML.lines() {
            if line.starts_with('[') {
                skipping =
                    line.starts_with("[steps.guidance") || line.starts_with("[[steps.guidance");
            }
            if !skipping {
                out.push(line);
            }
        }
        out.join("\n")
    }

    #[test]
    fn a_playbook_without_guidance_loads_with_none() {
        let text = without_guidance();
        assert!(!text.contains("talk_track"));
        let p = Playbook::parse(&text, "old.toml").unwrap();
        assert!(p.steps.iter().all(|s| s.guidance.is_empty()));
    }

    #[test]
    fn guidance_in_the_wrong_place_or_shape_names_its_line_and_field() {
        // examples on a step that does not capture the scorecard
        let text = without_guidance().replace(
            "sla_business_days = 2",
            "sla_business_days = 2\n[[steps.guidance.examples]]\nelement = \"champion\"\nscores = [\"a\", \"b\", \"c\", \"d\"]",
        );
        let err = Playbook::parse(&text, "team.toml").unwrap_err();
        assert_eq!(err.field, "steps[3].guidance.examples");
        assert!(err.message.contains("scorecard"), "{err}");
        let step4 = text.lines().position(|l| l == "number = 4").unwrap();
        assert_eq!(err.line, step4, "the line of the step's table");

        // an element with too few examples
        let text = DEFAULT_TOML.replacen(
            "  \"No number yet: 'they want to be more efficient'.\",\n",
            "",
            1,
        );
        let err = Playbook::parse(&text, "team.toml").unwrap_err();
        assert_eq!(err.field, "steps[0].guidance.examples[0].scores");
        assert!(err.message.contains("expected 4"), "{err}");

        // an unknown key
        let text = DEFAULT_TOML.replacen("talk_track =", "pitch =", 1);
        let err = Playbook::parse(&text, "team.toml").unwrap_err();
        assert!(err.message.contains("pitch"), "{err}");

        // a text over its bound
        let long = "x".repeat(crate::text::MAX_LONG + 1);
        let text = without_guidance().replace(
            "sla_business_days = 2",
            &format!("sla_business_days = 2\n[steps.guidance]\ntalk_track = \"{long}\""),
        );
        let err = Playbook::parse(&text, "team.toml").unwrap_err();
        assert_eq!(err.field, "steps[3].guidance.talk_track");
    }

    #[test]
    fn terminal_escapes_in_guidance_are_cleaned_at_load() {
        let text = DEFAULT_TOML
            .replacen(
                "questions = [\n",
                "questions = [\n  \"Who\\u001b[2J signs?\",\n",
                1,
            )
            .replacen("outcomes = \"\"\"\n", "outcomes = \"\"\"\n\\u0007Bell\n", 1);
        let p = Playbook::parse(&text, "team.toml").unwrap();
        let g = &p.steps[0].guidance;
        assert!(!g.questions[0].contains('\u{1b}'), "{:?}", g.questions[0]);
        assert!(g.questions[0].contains("signs?"));
        assert!(!g.templates.outcomes.contains('\u{7}'));
        assert!(g.templates.outcomes.contains("Bell\nMetrics"));
    }
}
