//! The procedure as data: read from `assets/playbook.toml` (embedded) or a
//! team's own file. Parsing is pure: the caller reads the file.

use super::choices::Element;
use super::step_def::{self, RawStep};
pub use super::step_def::{CaptureKind, StepDef};
pub use super::warning_rules::WarningRules;
use chrono::NaiveDate;
use serde::Deserialize;
use std::fmt;
use toml::Spanned;

/// The playbook shipped with qualify.
pub const DEFAULT_TOML: &str = include_str!("../../assets/playbook.toml");

pub use super::step_number::STEP_COUNT;
use super::step_number::StepNumber;

/// How many actions each step asks for.
pub const ACTION_COUNT: usize = 5;

#[derive(Debug, Clone)]
pub struct Playbook {
    pub name: String,
    pub scope: String,
    pub trigger: String,
    pub duration_business_days: [u32; 2],
    pub participants: Vec<String>,
    pub actions: Vec<String>,
    pub quality_criteria: Vec<String>,
    pub rushing: Rushing,
    pub defaults: Defaults,
    pub targets: Targets,
    pub crm: Crm,
    pub meddpicc: MeddpiccRules,
    pub risk_bands: RiskBands,
    pub forecast: Forecast,
    pub pipeline: PipelineRules,
    /// When a deal is warned of.
    pub warnings: WarningRules,
    pub steps: Vec<StepDef>,
    pub qa: Vec<QaDef>,
    pub escalations: Vec<EscalationDef>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rushing {
    pub warning: String,
    pub min_minutes: u32,
    pub min_note_chars: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Defaults {
    pub stage: String,
    pub support_rate_percent: f64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Targets {
    pub qualification_accuracy_percent: f64,
    pub process_adherence_percent: f64,
    pub win_rate_uplift_points: f64,
    pub stage_velocity_days: u32,
    pub manager_review_over_usd: i64,
    pub next_step_window_business_days: u32,
    /// The share of steps to finish within their SLA (time per step).
    #[serde(default = "ninety")]
    pub time_per_step_percent: f64,
    #[serde(default)]
    pub holidays: Vec<NaiveDate>,
}

fn ninety() -> f64 {
    90.0
}

/// When a deal counts as stalled.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PipelineRules {
    /// Days without any change after which an open deal is stalled.
    #[serde(default = "seven")]
    pub stalled_after_days: u32,
}

impl Default for PipelineRules {
    fn default() -> Self {
        PipelineRules {
            stalled_after_days: seven(),
        }
    }
}

fn seven() -> u32 {
    7
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Crm {
    pub required_fields: Vec<CrmField>,
}

/// A field of the opportunity record that the playbook can require.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CrmField {
    Name,
    Account,
    Amount,
    CloseDate,
    Stage,
    Owner,
    Sa,
    Manager,
    TriggerDate,
    NextStep,
    ForecastCategory,
}

impl CrmField {
    pub fn label(self) -> &'static str {
        match self {
            CrmField::Name => "name",
            CrmField::Account => "account",
            CrmField::Amount => "amount",
            CrmField::CloseDate => "close date",
            CrmField::Stage => "stage",
            CrmField::Owner => "owner",
            CrmField::Sa => "SA",
            CrmField::Manager => "manager",
            CrmField::TriggerDate => "trigger date",
            CrmField::NextStep => "next step",
            CrmField::ForecastCategory => "forecast category",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeddpiccRules {
    pub scale: Vec<String>,
    pub qualified_ratio: [u32; 2],
    pub disqualify_ratio: [u32; 2],
    pub must_validate: Vec<Element>,
    pub must_score: u8,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RiskBands {
    pub medium: u8,
    pub high: u8,
    pub critical: u8,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Forecast {
    pub best_case_from_steps: usize,
    pub commit_from_steps: usize,
}

/// The rules the code knows how to compute, bound to QA items by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QaRule {
    StepsInSequence,
    CrmRequiredFields,
    StakeholdersLogged,
    NextStepsScheduled,
    RisksMitigated,
    ManagerReview,
    HandoffDocumented,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QaDef {
    pub rule: QaRule,
    pub title: String,
}

/// The escalation rows the code knows, bound by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EscalationRule {
    StepBlocked,
    Customer,
    LegalSecurity,
    Pricing,
}

impl EscalationRule {
    pub const ALL: [EscalationRule; 4] = [
        EscalationRule::StepBlocked,
        EscalationRule::Customer,
        EscalationRule::LegalSecurity,
        EscalationRule::Pricing,
    ];

    /// The id the playbook and the database use.
    pub fn key(self) -> &'static str {
        match self {
            EscalationRule::StepBlocked => "step_blocked",
            EscalationRule::Customer => "customer",
            EscalationRule::LegalSecurity => "legal_security",
            EscalationRule::Pricing => "pricing",
        }
    }

    pub fn parse(key: &str) -> Option<EscalationRule> {
        EscalationRule::ALL.into_iter().find(|r| r.key() == key)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RaisedBy {
    Tool,
    User,
}

/// How long the escalated party has to act.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub enum Window {
    Hours(u32),
    SameDay,
}

impl TryFrom<String> for Window {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        let t = text.trim().to_ascii_lowercase();
        if t == "same day" {
            return Ok(Window::SameDay);
        }
        t.strip_suffix('h')
            .and_then(|h| h.trim().parse::<u32>().ok())
            .filter(|h| *h > 0)
            .map(Window::Hours)
            .ok_or_else(|| {
                format!("window {text:?}: use a number of hours such as \"24h\", or \"same day\"")
            })
    }
}

impl fmt::Display for Window {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Window::Hours(h) => write!(f, "{}", crate::text::plural(*h, "hour", "hours")),
            Window::SameDay => write!(f, "same day"),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EscalationDef {
    pub rule: EscalationRule,
    pub scenario: String,
    pub escalate_to: String,
    pub window: Window,
    pub authority: String,
    pub raised_by: RaisedBy,
    #[serde(default)]
    pub blocked_for_days: Option<u32>,
}

/// Why a playbook was refused: the file, the line and the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaybookError {
    pub file: String,
    pub line: usize,
    pub field: String,
    pub message: String,
}

impl fmt::Display for PlaybookError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "playbook {}:{}: {}: {}",
            self.file, self.line, self.field, self.message
        )
    }
}

impl std::error::Error for PlaybookError {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    name: String,
    scope: String,
    trigger: String,
    duration_business_days: [u32; 2],
    participants: Vec<String>,
    actions: Spanned<Vec<String>>,
    quality_criteria: Vec<String>,
    rushing: Rushing,
    defaults: Defaults,
    targets: Targets,
    crm: Crm,
    meddpicc: Spanned<MeddpiccRules>,
    risk_bands: RiskBands,
    forecast: Forecast,
    #[serde(default)]
    pipeline: PipelineRules,
    #[serde(default)]
    warnings: WarningRules,
    steps: Spanned<Vec<Spanned<RawStep>>>,
    qa: Spanned<Vec<Spanned<QaDef>>>,
    escalations: Spanned<Vec<Spanned<EscalationDef>>>,
}

impl Playbook {
    /// The playbook shipped with qualify.
    pub fn default_playbook() -> Playbook {
        Playbook::parse(DEFAULT_TOML, "assets/playbook.toml")
            .expect("the shipped playbook is valid")
    }

    /// Parse and validate a playbook; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<Playbook, PlaybookError> {
        let line_of = |offset: usize| text[..offset.min(text.len())].matches('\n').count() + 1;
        let error = |offset: usize, field: &str, message: String| PlaybookError {
            file: file.to_string(),
            line: line_of(offset),
            field: field.to_string(),
            message,
        };
        let raw: Raw = toml::from_str(text).map_err(|e| {
            let offset = e.span().map(|s| s.start).unwrap_or(0);
            let field = field_at(text, offset);
            error(offset, &field, e.message().trim().to_string())
        })?;

        if raw.actions.get_ref().len() != ACTION_COUNT {
            return Err(error(
                raw.actions.span().start,
                "actions",
                format!(
                    "expected {ACTION_COUNT} actions, found {}",
                    raw.actions.get_ref().len()
                ),
            ));
        }
        if raw.meddpicc.get_ref().scale.len() != 4 {
            return Err(error(
                raw.meddpicc.span().start,
                "meddpicc.scale",
                "expected 4 words, for scores 0 to 3".into(),
            ));
        }
        let steps_span = raw.steps.span();
        let steps = raw.steps.into_inner();
        let step_error = |(at, field, message): step_def::StepError| error(at, &field, message);
        step_def::check_order(&steps, steps_span.start).map_err(step_error)?;
        let qa = raw.qa.into_inner();
        for (i, item) in qa.iter().enumerate() {
            if qa[..i]
                .iter()
                .any(|q| q.get_ref().rule == item.get_ref().rule)
            {
                return Err(error(
                    item.span().start,
                    &format!("qa[{i}].rule"),
                    "rule listed twice".into(),
                ));
            }
        }
        let escalations = raw.escalations.into_inner();
        for (i, row) in escalations.iter().enumerate() {
            let r = row.get_ref();
            if r.rule == EscalationRule::StepBlocked && r.blocked_for_days.is_none() {
                return Err(error(
                    row.span().start,
                    &format!("escalations[{i}].blocked_for_days"),
                    "the step_blocked row needs blocked_for_days".into(),
                ));
            }
            if escalations[..i].iter().any(|e| e.get_ref().rule == r.rule) {
                return Err(error(
                    row.span().start,
                    &format!("escalations[{i}].rule"),
                    "rule listed twice".into(),
                ));
            }
        }

        // numbers that would overflow dates or money are refused here, with
        // the line of the key that holds them
        let key_line = |key: &str| {
            text.lines()
                .position(|l| {
                    let l = l.trim_start();
                    l.strip_prefix(key)
                        .is_some_and(|rest| rest.trim_start().starts_with('='))
                })
                .map_or(1, |i| i + 1)
        };
        let out_of_range = |key: &str, line: usize, range: &str| PlaybookError {
            file: file.to_string(),
            line,
            field: key.to_string(),
            message: format!("out of range: use {range}"),
        };
        let t = &raw.targets;
        let checks: [(&str, bool, &str); 8] = [
            (
                "manager_review_over_usd",
                (0..=1_000_000_000_000).contains(&t.manager_review_over_usd),
                "0 to 1000000000000",
            ),
            (
                "next_step_window_business_days",
                t.next_step_window_business_days <= 60,
                "0 to 60",
            ),
            (
                "stage_velocity_days",
                t.stage_velocity_days <= 3650,
                "0 to 3650",
            ),
            (
                "min_minutes",
                raw.rushing.min_minutes <= 10_080,
                "0 to 10080",
            ),
            (
                "must_score",
                raw.meddpicc.get_ref().must_score <= 3,
                "0 to 3",
            ),
            (
                "critical",
                (1..raw.risk_bands.high).contains(&raw.risk_bands.medium)
                    && raw.risk_bands.high < raw.risk_bands.critical
                    && raw.risk_bands.critical <= 25,
                "1 <= medium < high < critical <= 25",
            ),
            (
                "commit_from_steps",
                raw.forecast.best_case_from_steps <= raw.forecast.commit_from_steps
                    && raw.forecast.commit_from_steps <= STEP_COUNT,
                "best_case_from_steps <= commit_from_steps <= 10",
            ),
            (
                "qualified_ratio",
                raw.meddpicc.get_ref().qualified_ratio[1] > 0
                    && raw.meddpicc.get_ref().disqualify_ratio[1] > 0,
                "two whole numbers, the second above 0",
            ),
        ];
        if let Some((key, _, range)) = checks.iter().find(|(_, ok, _)| !ok) {
            return Err(out_of_range(key, key_line(key), range));
        }
        if let Some((key, range)) = raw.warnings.out_of_range() {
            return Err(out_of_range(key, key_line(key), range));
        }
        step_def::check_sla(&steps).map_err(step_error)?;
        for (i, row) in escalations.iter().enumerate() {
            let r = row.get_ref();
            if matches!(r.window, Window::Hours(h) if h > 8760) {
                return Err(error(
                    row.span().start,
                    &format!("escalations[{i}].window"),
                    "out of range: at most 8760h (a year)".into(),
                ));
            }
            if r.blocked_for_days.is_some_and(|d| d > 365) {
                return Err(error(
                    row.span().start,
                    &format!("escalations[{i}].blocked_for_days"),
                    "out of range: use 0 to 365".into(),
                ));
            }
        }

        // every text is bounded, and cleaned of control characters once here,
        // so that a team's file cannot drive the terminal it is shown on
        let short = crate::text::MAX_SHORT;
        let long = crate::text::MAX_LONG;
        let too_long = |at: usize, field: String, value: &str, max: usize| {
            crate::text::check_length(value, max).map_err(|m| error(at, &field, m))
        };
        step_def::check_texts(&steps).map_err(step_error)?;
        let scale = raw.meddpicc.get_ref().scale.len();
        step_def::check_guidance(&steps, scale).map_err(step_error)?;
        for (i, item) in qa.iter().enumerate() {
            let at = item.span().start;
            too_long(at, format!("qa[{i}].title"), &item.get_ref().title, short)?;
        }
        for (i, row) in escalations.iter().enumerate() {
            let (at, r) = (row.span().start, row.get_ref());
            for (key, value) in [
                ("scenario", &r.scenario),
                ("escalate_to", &r.escalate_to),
                ("authority", &r.authority),
            ] {
                too_long(at, format!("escalations[{i}].{key}"), value, short)?;
            }
        }
        let lists: [(&str, &[String], usize); 4] = [
            ("participants", &raw.participants, short),
            ("actions", raw.actions.get_ref(), long),
            ("quality_criteria", &raw.quality_criteria, long),
            ("scale", &raw.meddpicc.get_ref().scale, short),
        ];
        let singles: [(&str, &String, usize); 5] = [
            ("name", &raw.name, short),
            ("scope", &raw.scope, long),
            ("trigger", &raw.trigger, long),
            ("warning", &raw.rushing.warning, long),
            ("stage", &raw.defaults.stage, short),
        ];
        let all = lists
            .iter()
            .flat_map(|(key, values, max)| values.iter().map(move |v| (*key, v, *max)))
            .chain(singles.iter().map(|(key, v, max)| (*key, *v, *max)));
        for (key, value, max) in all {
            crate::text::check_length(value, max).map_err(|message| PlaybookError {
                file: file.to_string(),
                line: key_line(key),
                field: key.to_string(),
                message,
            })?;
        }

        let mut playbook = Playbook {
            name: raw.name,
            scope: raw.scope,
            trigger: raw.trigger,
            duration_business_days: raw.duration_business_days,
            participants: raw.participants,
            actions: raw.actions.into_inner(),
            quality_criteria: raw.quality_criteria,
            rushing: raw.rushing,
            defaults: raw.defaults,
            targets: raw.targets,
            crm: raw.crm,
            meddpicc: raw.meddpicc.into_inner(),
            risk_bands: raw.risk_bands,
            forecast: raw.forecast,
            pipeline: raw.pipeline,
            warnings: raw.warnings,
            steps: step_def::definitions(steps),
            qa: qa.into_iter().map(Spanned::into_inner).collect(),
            escalations: escalations.into_iter().map(Spanned::into_inner).collect(),
        };
        playbook.clean_texts();
        Ok(playbook)
    }

    /// Every text of the playbook through the one sanitiser: control
    /// characters (escape sequences, bells) replaced, one line each except
    /// the longer texts, whose newlines are kept.
    fn clean_texts(&mut self) {
        use crate::text::{clean, sanitize};
        let one_line = |s: &mut String| *s = clean(s);
        let lines = |s: &mut String| *s = sanitize(s, true);
        one_line(&mut self.name);
        lines(&mut self.scope);
        lines(&mut self.trigger);
        self.participants.iter_mut().for_each(one_line);
        self.actions.iter_mut().for_each(one_line);
        self.quality_criteria.iter_mut().for_each(one_line);
        lines(&mut self.rushing.warning);
        one_line(&mut self.defaults.stage);
        self.meddpicc.scale.iter_mut().for_each(one_line);
        for step in &mut self.steps {
            one_line(&mut step.title);
            lines(&mut step.objective);
            step.guidance.clean();
        }
        for item in &mut self.qa {
            one_line(&mut item.title);
        }
        for row in &mut self.escalations {
            one_line(&mut row.scenario);
            one_line(&mut row.escalate_to);
            one_line(&mut row.authority);
        }
    }

    /// The definition of step `number`.
    pub fn step(&self, number: StepNumber) -> &StepDef {
        &self.steps[number.index()]
    }

    /// The step that captures `kind`: a loaded playbook has one for each.
    pub fn step_capturing(&self, kind: CaptureKind) -> &StepDef {
        self.steps
            .iter()
            .find(|s| s.capture == kind)
            .expect("a loaded playbook has a step capturing each kind")
    }

    pub fn escalation(&self, rule: EscalationRule) -> Option<&EscalationDef> {
        self.escalations.iter().find(|e| e.rule == rule)
    }
}

/// The key written on the line at `offset`, as the field an error names.
fn field_at(text: &str, offset: usize) -> String {
    let start = text[..offset.min(text.len())]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let line = text[start..].lines().next().unwrap_or("").trim();
    if let Some(table) = line.strip_prefix('[') {
        return table
            .trim_matches(|c| c == '[' || c == ']')
            .trim()
            .to_string();
    }
    match line.split_once('=') {
        Some((key, _)) => key.trim().to_string(),
        None => "(top level)".to_string(),
    }
}

/// The shipped playbook with the steps that capture `a` and `b` swapping
/// what they capture: a team's order, for tests that behaviour follows the
/// kind rather than the number.
#[cfg(test)]
pub(crate) fn swapped(a: CaptureKind, b: CaptureKind) -> Playbook {
    let line = |k: CaptureKind| format!("capture = \"{}\"", k.key());
    // the scorecard's examples stay with the step that captures it: here,
    // dropped, as a team that moved the scorecard would move them
    let mut pieces = DEFAULT_TOML.split("\n[[steps.guidance.examples]]\n");
    let mut text = pieces.next().unwrap_or_default().to_string();
    for piece in pieces {
        text.push_str(piece.split_once("\n]\n").map_or(piece, |(_, rest)| rest));
    }
    let text = text
        .replace(&line(a), "capture = \"swap\"")
        .replace(&line(b), &line(a))
        .replace("capture = \"swap\"", &line(b));
    Playbook::parse(&text, "team.toml").expect("a playbook with two kinds swapped")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::step_number::number;

    #[test]
    fn the_shipped_playbook_has_the_procedure() {
        let p = Playbook::default_playbook();
        assert_eq!(p.steps.len(), 10);
        assert_eq!(
            p.steps[0].title,
            "Initial qualification using MEDDICC/MEDDPICC"
        );
        assert_eq!(p.steps[9].title, "CRM documentation requirements");
        assert_eq!(p.qa.len(), 7);
        assert_eq!(p.qa[0].title, "All 10 steps completed in sequence");
        assert_eq!(p.escalations.len(), 4);
        let blocked = p.escalation(EscalationRule::StepBlocked).unwrap();
        assert_eq!(blocked.escalate_to, "Direct manager");
        assert_eq!(blocked.window, Window::Hours(24));
        assert_eq!(
            p.escalation(EscalationRule::Customer).unwrap().window,
            Window::SameDay
        );
        assert_eq!(p.targets.manager_review_over_usd, 250_000);
    }

    #[test]
    fn a_bad_value_names_file_line_and_field() {
        let text = DEFAULT_TOML.replace("min_minutes = 15", "min_minutes = \"soon\"");
        let line = text
            .lines()
            .position(|l| l.contains("min_minutes"))
            .unwrap()
            + 1;
        let err = Playbook::parse(&text, "team.toml").unwrap_err();
        assert_eq!(err.file, "team.toml");
        assert_eq!(err.line, line);
        assert_eq!(err.field, "min_minutes");
        assert!(
            err.to_string()
                .starts_with(&format!("playbook team.toml:{line}: min_minutes:")),
            "{err}"
        );
    }

    #[test]
    fn an_unknown_rule_and_a_bad_window_are_refused() {
        let text = DEFAULT_TOML.replace("rule = \"risks_mitigated\"", "rule = \"vibes\"");
        let err = Playbook::parse(&text, "p.toml").unwrap_err();
        assert_eq!(err.field, "rule");
        assert!(err.message.contains("vibes"), "{err}");

        let text = DEFAULT_TOML.replace("window = \"48h\"", "window = \"two days\"");
        let err = Playbook::parse(&text, "p.toml").unwrap_err();
        assert_eq!(err.field, "window");
        assert!(err.message.contains("same day"), "{err}");
    }

    #[test]
    fn numbers_that_would_overflow_are_refused() {
        let text = DEFAULT_TOML.replace("window = \"72h\"", "window = \"4000000000h\"");
        let err = Playbook::parse(&text, "p.toml").unwrap_err();
        assert_eq!(err.field, "escalations[3].window");
        let text = DEFAULT_TOML.replace(
            "next_step_window_business_days = 2",
            "next_step_window_business_days = 4000000000",
        );
        let err = Playbook::parse(&text, "p.toml").unwrap_err();
        assert_eq!(err.field, "next_step_window_business_days");
        assert_eq!(
            err.line,
            text.lines()
                .position(|l| l.starts_with("next_step_window"))
                .unwrap()
                + 1
        );
        let text = DEFAULT_TOML.replace(
            "manager_review_over_usd = 250000",
            "manager_review_over_usd = -5",
        );
        assert_eq!(
            Playbook::parse(&text, "p.toml").unwrap_err().field,
            "manager_review_over_usd"
        );
    }

    #[test]
    fn terminal_escapes_in_the_playbook_are_cleaned_at_load() {
        let hostile = "\\u001b]0;owned\\u0007\\u001b[2JBudget";
        let text = DEFAULT_TOML
            .replace(
                "title = \"Budget authority confirmation\"",
                &format!("title = \"{hostile}\""),
            )
            .replace("\"Direct manager\"", "\"Boss\\u009b2J\"")
            .replace(
                "title = \"All 10 steps completed in sequence\"",
                "title = \"All\\r\\nsteps\"",
            );
        let p = Playbook::parse(&text, "p.toml").unwrap();
        assert_eq!(
            p.steps[2].title,
            "\u{FFFD}]0;owned\u{FFFD}\u{FFFD}[2JBudget"
        );
        assert_eq!(
            p.escalation(EscalationRule::StepBlocked)
                .unwrap()
                .escalate_to,
            "Boss\u{FFFD}2J"
        );
        assert_eq!(p.qa[0].title, "All\u{FFFD}\u{FFFD}steps");
    }

    #[test]
    fn playbook_texts_are_bounded() {
        let long = "x".repeat(crate::text::MAX_SHORT + 1);
        let text = DEFAULT_TOML.replace(
            "title = \"Budget authority confirmation\"",
            &format!("title = \"{long}\""),
        );
        let err = Playbook::parse(&text, "p.toml").unwrap_err();
        assert_eq!(err.field, "steps[2].title");
        assert!(err.message.contains("at most 200 characters"), "{err}");
        let text = DEFAULT_TOML.replacen("name = \"", &format!("name = \"{long}"), 1);
        let err = Playbook::parse(&text, "p.toml").unwrap_err();
        assert_eq!(err.field, "name");
    }

    #[test]
    fn a_missing_step_is_refused_with_its_line() {
        let cut = DEFAULT_TOML.find("[[steps]]\nnumber = 10").unwrap();
        let end = DEFAULT_TOML[cut..].find("[[qa]]").unwrap() + cut;
        let text = format!("{}{}", &DEFAULT_TOML[..cut], &DEFAULT_TOML[end..]);
        let err = Playbook::parse(&text, "p.toml").unwrap_err();
        assert_eq!(err.field, "steps");
        assert!(err.message.contains("expected 10 steps, found 9"), "{err}");

        let text = DEFAULT_TOML.replacen("number = 3", "number = 4", 1);
        let err = Playbook::parse(&text, "p.toml").unwrap_err();
        assert_eq!(err.field, "steps[2].number");
        let line = text.lines().position(|l| l == "number = 4").unwrap();
        assert_eq!(err.line, line, "points at the [[steps]] header");
    }

    #[test]
    fn each_step_captures_its_own_kind() {
        let p = Playbook::default_playbook();
        for (def, kind) in p.steps.iter().zip(CaptureKind::ALL) {
            assert_eq!(def.capture, kind, "step {}", def.number);
            assert_eq!(p.step_capturing(kind).number, def.number);
        }
        // two steps may swap their kinds: each behaves by what it captures
        let p = swapped(CaptureKind::Stakeholders, CaptureKind::Budget);
        assert_eq!(p.steps[1].capture, CaptureKind::Budget);
        assert_eq!(
            p.step_capturing(CaptureKind::Stakeholders).number,
            number(3)
        );
    }

    #[test]
    fn a_playbook_without_capture_lines_captures_the_standard_kinds() {
        let text: String = DEFAULT_TOML
            .lines()
            .filter(|l| !l.starts_with("capture = "))
            .map(|l| format!("{l}\n"))
            .collect();
        let p = Playbook::parse(&text, "p.toml").unwrap();
        let kinds: Vec<CaptureKind> = p.steps.iter().map(|s| s.capture).collect();
        assert_eq!(kinds, CaptureKind::ALL);
    }

    #[test]
    fn a_kind_captured_twice_or_unknown_is_refused() {
        let text = DEFAULT_TOML.replace("capture = \"timeline\"", "capture = \"competitors\"");
        let err = Playbook::parse(&text, "p.toml").unwrap_err();
        assert_eq!(err.field, "steps[6].capture");
        assert_eq!(
            err.message,
            "competitors is captured by step 5 already: each kind is captured by one step"
        );
        let line = text
            .lines()
            .enumerate()
            .filter(|(_, l)| *l == "capture = \"competitors\"")
            .nth(1)
            .unwrap()
            .0;
        assert_eq!(err.line, line + 1, "points at the second capture line");

        // a step without a line captures its standard kind, which may clash
        let text = DEFAULT_TOML
            .replace("capture = \"competitors\"\n", "")
            .replace("capture = \"validation_plan\"", "capture = \"competitors\"");
        let err = Playbook::parse(&text, "p.toml").unwrap_err();
        assert_eq!(err.field, "steps[4].capture");
        assert!(
            err.message.starts_with(
                "step 5 has no capture line, so it captures its standard kind, competitors, which step 4 captures already"
            ),
            "{err}"
        );

        let text = DEFAULT_TOML.replace("capture = \"risks\"", "capture = \"vibes\"");
        let err = Playbook::parse(&text, "p.toml").unwrap_err();
        assert_eq!(err.field, "capture");
        assert!(err.message.contains("vibes"), "{err}");
        assert!(
            err.message.contains("crm_record"),
            "says what is known: {err}"
        );
    }
}
