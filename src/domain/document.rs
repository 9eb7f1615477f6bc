//! The deal document: everything about one deal, as `deal export` prints it
//! and `deal import` reads it. Checked whole, with errors that name the JSON
//! path, before anything is written.

use super::bounds::{Bounds, PathError};
use super::content::{
    Budget, Competitor, DealContent, Handoff, Milestone, NextStep, Risk, SaDecision, Scorecard,
    Stakeholder, Timeline, ValidationPlan,
};
use super::dates::DATE_FORM;
use super::deal::{Deal, DealId, MAX_TEXT, NewDeal};
use super::forecast::{Outcome, Prediction, Snooze};
use super::money::Money;
use super::playbook::{ACTION_COUNT, Playbook, STEP_COUNT};
use super::salesforce_ref::SalesforceRef;
use super::step::{Notes, Step, StepStatus};
use super::step_number::StepNumber;
use super::warning_record::{Trail, WarningSnooze};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

mod given;
mod history;
mod split;

pub use given::{Given, KEYS, changes};
pub use history::HistoryRow;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepDocument {
    /// A number out of range is refused as the document is read, in the
    /// words its check has always used.
    #[serde(deserialize_with = "step_number")]
    pub number: StepNumber,
    /// The playbook's title, for people reading the document (ignored on import).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default = "not_started")]
    pub status: StepStatus,
    #[serde(default)]
    pub started_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub completed_at: Option<DateTime<Utc>>,
    /// When the step was first completed (kept through a reopening);
    /// `completed_at` when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_completed_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub blocked_reason: Option<String>,
    #[serde(default)]
    pub blocked_since: Option<DateTime<Utc>>,
    #[serde(default)]
    pub actions: [bool; ACTION_COUNT],
    #[serde(default)]
    pub notes: Notes,
    #[serde(default)]
    pub confirmed_with: String,
    #[serde(default)]
    pub confirmed_on: Option<NaiveDate>,
}

/// A step's number as a document gives it: what `u8` reads, then from 1 to
/// 10 ("must be 1-10", named by its path like every problem).
fn step_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<StepNumber, D::Error> {
    let n = u8::deserialize(d)?;
    StepNumber::new(n).ok_or_else(|| serde::de::Error::custom("must be 1-10"))
}

fn not_started() -> StepStatus {
    StepStatus::NotStarted
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, from = "given::Raw")]
pub struct DealDocument {
    /// The deal's id: on import, a deal with this id is updated; without one
    /// (or with an unknown one) a new deal is created.
    #[serde(default)]
    pub id: Option<i64>,
    /// The deal's version when it was exported: an import that would update
    /// a deal changed since then is refused (unless forced).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
    pub name: String,
    pub account: String,
    #[serde(default)]
    pub amount: Option<Money>,
    #[serde(default)]
    pub implementation_fee: Option<Money>,
    #[serde(default)]
    pub support_rate_percent: Option<f64>,
    #[serde(default)]
    pub close_date: Option<NaiveDate>,
    #[serde(default)]
    pub stage: Option<String>,
    #[serde(default)]
    pub owner: String,
    #[serde(default)]
    pub sa: String,
    #[serde(default)]
    pub manager: String,
    #[serde(default)]
    pub trigger_date: Option<NaiveDate>,
    #[serde(default)]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub steps: Vec<StepDocument>,
    #[serde(default)]
    pub meddpicc: Scorecard,
    #[serde(default)]
    pub stakeholders: Vec<Stakeholder>,
    #[serde(default)]
    pub budget: Budget,
    #[serde(default)]
    pub validation_plan: ValidationPlan,
    #[serde(default)]
    pub competitors: Vec<Competitor>,
    #[serde(default)]
    pub decision_process: Vec<Milestone>,
    #[serde(default)]
    pub timeline: Timeline,
    #[serde(default)]
    pub risks: Vec<Risk>,
    #[serde(default)]
    pub next_steps: Vec<NextStep>,
    #[serde(default)]
    pub manager_review: Option<SaDecision>,
    #[serde(default)]
    pub handoff: Handoff,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Outcome>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prediction: Option<Prediction>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snooze: Option<Snooze>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub salesforce: Option<SalesforceRef>,
    #[serde(default, skip_serializing_if = "Trail::is_empty")]
    pub trail: Trail,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warning_snoozes: Vec<WarningSnooze>,
    /// The deal's history, oldest first: written only when asked for
    /// (`deal export --history`); kept only by an import that creates the
    /// deal on a file or as a server's administrator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history: Option<Vec<HistoryRow>>,
    /// Which keys the document gave (all, for a document made from a deal).
    #[serde(skip)]
    pub given: Given,
}

impl DealDocument {
    /// The document of `deal`, with each step's title from the playbook.
    pub fn from_deal(deal: &Deal, playbook: &Playbook) -> DealDocument {
        let mut doc = DealDocument::of(deal);
        for step in &mut doc.steps {
            step.title = Some(playbook.step(step.number).title.clone());
        }
        doc
    }

    /// The document of `deal`, without step titles.
    pub fn of(deal: &Deal) -> DealDocument {
        let c = deal.content.clone();
        DealDocument {
            id: Some(deal.id.0),
            version: Some(deal.version),
            name: deal.name.clone(),
            account: deal.account.clone(),
            amount: deal.amount,
            implementation_fee: deal.implementation_fee,
            support_rate_percent: Some(deal.support_rate_percent),
            close_date: deal.close_date,
            stage: Some(deal.stage.clone()),
            owner: deal.owner.clone(),
            sa: deal.sa.clone(),
            manager: deal.manager.clone(),
            trigger_date: deal.trigger_date,
            created_at: Some(deal.created_at),
            steps: deal
                .steps
                .iter()
                .map(|s| StepDocument {
                    number: s.number,
                    title: None,
                    status: s.status,
                    started_at: s.started_at,
                    completed_at: s.completed_at,
                    first_completed_at: s.first_completed_at.filter(|f| Some(*f) != s.completed_at),
                    blocked_reason: s.blocked_reason.clone(),
                    blocked_since: s.blocked_since,
                    actions: s.actions,
                    notes: s.notes.clone(),
                    confirmed_with: s.confirmed_with.clone(),
                    confirmed_on: s.confirmed_on,
                })
                .collect(),
            meddpicc: c.meddpicc,
            stakeholders: c.stakeholders,
            budget: c.budget,
            validation_plan: c.validation_plan,
            competitors: c.competitors,
            decision_process: c.decision_process,
            timeline: c.timeline,
            risks: c.risks,
            next_steps: c.next_steps,
            manager_review: c.manager_review,
            handoff: c.handoff,
            outcome: c.outcome,
            prediction: c.prediction,
            snooze: c.snooze,
            salesforce: c.salesforce,
            trail: c.trail,
            warning_snoozes: c.warning_snoozes,
            history: None,
            given: Given::ALL,
        }
    }

    /// Check the whole document; every problem is named by its path under `at`.
    pub fn validate(&self, at: &str) -> Vec<PathError> {
        let mut errors = Vec::new();
        let mut err = |path: String, message: &str| {
            errors.push(PathError {
                path: format!("{at}{path}"),
                message: message.into(),
            })
        };
        for (field, value) in [("name", &self.name), ("account", &self.account)] {
            if value.trim().is_empty() {
                err(field.into(), "required");
            } else if value.chars().count() > MAX_TEXT {
                err(field.into(), "at most 200 characters");
            } else if value.contains('\0') {
                err(field.into(), super::bounds::NUL_REFUSED);
            }
        }
        if let Some(rate) = self.support_rate_percent
            && !(0.0..=100.0).contains(&rate)
        {
            err("support_rate_percent".into(), "a percentage from 0 to 100");
        }
        let mut seen = [false; STEP_COUNT];
        for (i, s) in self.steps.iter().enumerate() {
            if seen[s.number.index()] {
                err(format!("steps[{i}].number"), "step listed twice");
            }
            seen[s.number.index()] = true;
            if s.status == StepStatus::Blocked
                && s.blocked_reason
                    .as_deref()
                    .is_none_or(|r| r.trim().is_empty())
            {
                err(
                    format!("steps[{i}].blocked_reason"),
                    "required when the step is blocked",
                );
            }
            if s.status == StepStatus::Complete && s.completed_at.is_none() {
                err(
                    format!("steps[{i}].completed_at"),
                    "required when the step is complete",
                );
            }
            if let (Some(start), Some(done)) = (s.started_at, s.completed_at)
                && done < start
            {
                err(format!("steps[{i}].completed_at"), "before started_at");
            }
            // the sequence rule: a complete step needs every earlier step at
            // least begun (a reopened step is in progress, so round trips hold)
            if s.status == StepStatus::Complete {
                let unstarted = StepNumber::all().take_while(|n| *n < s.number).find(|n| {
                    self.steps
                        .iter()
                        .find(|x| x.number == *n)
                        .is_none_or(|x| x.status == StepStatus::NotStarted)
                });
                if let Some(n) = unstarted {
                    err(
                        format!("steps[{i}].status"),
                        &format!("complete while step {n} has not started"),
                    );
                }
            }
        }
        use crate::text::{MAX_LONG as LONG, MAX_SHORT as SHORT};
        let mut b = Bounds::default();
        b.text(|| "owner".into(), &self.owner, SHORT);
        b.text(|| "sa".into(), &self.sa, SHORT);
        b.text(|| "manager".into(), &self.manager, SHORT);
        b.text(
            || "stage".into(),
            self.stage.as_deref().unwrap_or(""),
            SHORT,
        );
        b.date(|| "close_date".into(), self.close_date);
        b.date(|| "trigger_date".into(), self.trigger_date);
        if let Some(t) = self.created_at {
            b.time(|| "created_at".into(), t);
        }
        for (i, s) in self.steps.iter().enumerate() {
            let at = |f: &str| format!("steps[{i}].{f}");
            let reason = s.blocked_reason.as_deref().unwrap_or("");
            b.text(|| at("blocked_reason"), reason, LONG);
            b.text(|| at("notes.outcomes"), &s.notes.outcomes, LONG);
            b.text(|| at("notes.decisions"), &s.notes.decisions, LONG);
            b.text(|| at("notes.next_steps"), &s.notes.next_steps, LONG);
            b.text(|| at("confirmed_with"), &s.confirmed_with, SHORT);
            b.date(|| at("confirmed_on"), s.confirmed_on);
            for (f, t) in [
                ("started_at", s.started_at),
                ("completed_at", s.completed_at),
                ("blocked_since", s.blocked_since),
            ] {
                if let Some(t) = t {
                    b.time(|| at(f), t);
                }
            }
        }
        let rows = self.history.as_deref().unwrap_or_default();
        errors.extend(
            b.errors
                .into_iter()
                .chain(history::check(rows))
                .map(|e| PathError {
                    path: format!("{at}{}", e.path),
                    ..e
                }),
        );
        let content = self.content();
        errors.extend(content.validate().into_iter().map(|e| PathError {
            path: format!("{at}{}", e.path),
            ..e
        }));
        errors
    }

    fn content(&self) -> DealContent {
        DealContent {
            meddpicc: self.meddpicc.clone(),
            stakeholders: self.stakeholders.clone(),
            budget: self.budget.clone(),
            validation_plan: self.validation_plan.clone(),
            competitors: self.competitors.clone(),
            decision_process: self.decision_process.clone(),
            timeline: self.timeline.clone(),
            risks: self.risks.clone(),
            next_steps: self.next_steps.clone(),
            manager_review: self.manager_review.clone(),
            handoff: self.handoff.clone(),
            outcome: self.outcome.clone(),
            prediction: self.prediction,
            snooze: self.snooze.clone(),
            salesforce: self.salesforce.clone(),
            trail: self.trail.clone(),
            warning_snoozes: self.warning_snoozes.clone(),
        }
    }

    /// The deal this (validated) document describes; steps it leaves out are
    /// fresh, defaults come from the playbook.
    pub fn into_deal(self, playbook: &Playbook, now: DateTime<Utc>) -> Deal {
        let content = self.content();
        let mut steps = Step::fresh_set();
        for s in self.steps {
            if let Some(step) = steps.iter_mut().find(|x| x.number == s.number) {
                *step = Step {
                    number: s.number,
                    status: s.status,
                    started_at: s.started_at,
                    completed_at: s.completed_at,
                    first_completed_at: s.first_completed_at.or(s.completed_at),
                    blocked_reason: s.blocked_reason,
                    blocked_since: s.blocked_since,
                    actions: s.actions,
                    notes: s.notes,
                    confirmed_with: s.confirmed_with,
                    confirmed_on: s.confirmed_on,
                };
            }
        }
        let new = NewDeal {
            name: self.name,
            account: self.account,
            amount: self.amount,
            implementation_fee: self.implementation_fee,
            support_rate_percent: self.support_rate_percent,
            close_date: self.close_date,
            stage: self.stage,
            owner: self.owner,
            sa: self.sa,
            manager: self.manager,
            trigger_date: self.trigger_date,
        };
        let mut deal = new.into_deal(DealId(self.id.unwrap_or(0)), playbook, now);
        deal.created_at = self.created_at.unwrap_or(now);
        deal.version = self.version.unwrap_or(0);
        deal.steps = steps;
        deal.content = content;
        deal
    }
}

/// chrono's words for a bad date ("input is out of range", "trailing input")
/// say neither what was wrong nor what is accepted: say both.
fn date_message(path: &str, message: &str) -> String {
    const CHRONO: [&str; 7] = [
        "input is out of range",
        "no possible date and time matching input",
        "input is not enough for unique date and time",
        "input contains invalid characters",
        "premature end of input",
        "trailing input",
        "bad or unsupported format string",
    ];
    if !CHRONO.contains(&message) {
        return message.to_string();
    }
    let field = path.rsplit('.').next().unwrap_or(path);
    if field.ends_with("_at") || field == "at" || field == "blocked_since" {
        "not a time (use RFC 3339 between 1900 and 2200, e.g. 2026-11-23T09:00:00Z)".into()
    } else {
        format!("not a date ({})", DATE_FORM)
    }
}

/// Parse a document file: one deal object or an array of them. Every
/// problem is reported, each with its JSON path; nothing is returned unless
/// the whole file is good.
pub fn parse_documents(text: &str) -> Result<Vec<DealDocument>, Vec<PathError>> {
    let mut docs = Vec::new();
    stream_documents(text.as_bytes(), |doc| {
        docs.push(doc);
        true
    })?;
    Ok(docs)
}

/// Read a document file (one deal object, or an array of them read element
/// by element, so that only the element at hand is held) and hand each good
/// document to `each` in order, as long as every document before it was good
/// and `each` asked for more (it answers `false` to stop being handed
/// documents; the file is still checked to its end). Every problem is
/// reported with its JSON path, as [`parse_documents`] does: a file that is
/// not JSON says only that; else a key given twice says only that; else
/// every document's problems.
pub fn stream_documents<R: std::io::BufRead>(
    mut reader: R,
    mut each: impl FnMut(DealDocument) -> bool,
) -> Result<(), Vec<PathError>> {
    let not_json = |e: serde_json::Error| vec![split::SyntaxError::from(&e).into()];
    let mut checks = Checks::default();
    let mut wanted = true;
    let mut take = |checks: &mut Checks, raw: &str, at: &str| -> Result<(), serde_json::Error> {
        if let Some(doc) = checks.check(raw, at)?
            && wanted
        {
            wanted = each(doc);
        }
        Ok(())
    };
    if first_byte(&mut reader) == Some(b'[') {
        let mut elements = split::Elements::new(reader);
        let mut i = 0;
        loop {
            let syntax = match elements.next() {
                Ok(None) => break,
                Ok(Some(raw)) => match take(&mut checks, raw, &format!("[{i}]")) {
                    Ok(()) => None,
                    Err(e) => Some(elements.not_json(&e)),
                },
                Err(e) => Some(e),
            };
            if let Some(e) = syntax {
                return Err(vec![e.into()]);
            }
            i += 1;
        }
    } else {
        let mut text = String::new();
        reader.read_to_string(&mut text).map_err(|e| {
            vec![PathError {
                path: "(document)".into(),
                message: format!("cannot be read: {e}"),
            }]
        })?;
        // the same checks of syntax as an array's
        let mut de = serde_json::Deserializer::from_str(&text);
        serde::de::Deserialize::deserialize(&mut de)
            .map(|_: serde::de::IgnoredAny| ())
            .map_err(not_json)?;
        de.end().map_err(not_json)?;
        take(&mut checks, &text, "").map_err(not_json)?;
    }
    checks.finish()
}

/// The first byte that is not JSON whitespace, left unread.
fn first_byte(reader: &mut impl std::io::BufRead) -> Option<u8> {
    loop {
        let buf = reader.fill_buf().ok()?;
        let first = *buf.first()?;
        if matches!(first, b' ' | b'\t' | b'\n' | b'\r') {
            reader.consume(1);
        } else {
            return Some(first);
        }
    }
}

/// What the documents read so far have shown.
#[derive(Default)]
struct Checks {
    /// The first key given twice.
    duplicate: Option<PathError>,
    errors: Vec<PathError>,
}

impl Checks {
    /// A document read whole: kept when it and everything before it hold.
    fn validated(&mut self, doc: DealDocument, at: &str) -> Option<DealDocument> {
        let dot = if at.is_empty() {
            String::new()
        } else {
            format!("{at}.")
        };
        let errors = doc.validate(&dot);
        let good = errors.is_empty() && self.errors.is_empty() && self.duplicate.is_none();
        self.errors.extend(errors);
        good.then_some(doc)
    }

    /// Check one document's text (valid JSON), the path prefix `at` (`[3]`,
    /// or empty for a lone document); the document when it is good and
    /// nothing before it was wrong.
    fn check(&mut self, raw: &str, at: &str) -> Result<Option<DealDocument>, serde_json::Error> {
        // One pass first: every object of a document is a struct that
        // refuses a field given twice or unknown, or a map read with
        // `unique_keys`, so a document read whole this way is valid JSON
        // with no key given twice. Anything it refuses is checked for its
        // syntax (the error returned), then read again below to name the
        // path of its problem.
        if let Ok(doc) = serde_json::from_str::<DealDocument>(raw) {
            return Ok(self.validated(doc, at));
        }
        serde_json::from_str::<serde::de::IgnoredAny>(raw)?;
        Ok(self.named(raw, at))
    }

    /// [`Checks::check`] of a document that is valid JSON but not a good
    /// document: each problem named by its path.
    fn named(&mut self, raw: &str, at: &str) -> Option<DealDocument> {
        if self.duplicate.is_none() {
            // a key given twice would otherwise quietly keep the last value
            let mut de = serde_json::Deserializer::from_str(raw);
            if let Ok(Some(duplicate)) =
                serde::de::DeserializeSeed::deserialize(keys::Unique(at.to_string()), &mut de)
            {
                self.duplicate = Some(duplicate);
            }
        }
        let dot = if at.is_empty() {
            String::new()
        } else {
            format!("{at}.")
        };
        let mut de = serde_json::Deserializer::from_str(raw);
        match serde_path_to_error::deserialize::<_, DealDocument>(&mut de) {
            Ok(doc) => self.validated(doc, at),
            Err(e) => {
                let path = e.path().to_string();
                let path = if path == "." {
                    at.to_string()
                } else {
                    format!("{dot}{path}")
                };
                let path = if path.is_empty() {
                    "(document)".to_string()
                } else {
                    path
                };
                let inner = e.into_inner();
                // the position is within this document's text: leave it out,
                // the path says where
                let message = inner.to_string();
                let position = format!(" at line {} column {}", inner.line(), inner.column());
                let message = message.strip_suffix(&position).unwrap_or(&message);
                self.errors.push(PathError {
                    message: date_message(&path, message),
                    path,
                });
                None
            }
        }
    }

    fn finish(self) -> Result<(), Vec<PathError>> {
        match (self.duplicate, self.errors.is_empty()) {
            (Some(duplicate), _) => Err(vec![duplicate]),
            (None, true) => Ok(()),
            (None, false) => Err(self.errors),
        }
    }
}

/// Finding a key given twice in one JSON object, with its path.
mod keys {
    use super::PathError;
    use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
    use std::collections::HashSet;
    use std::fmt;

    /// Walks a value under the path it holds; yields the first duplicate.
    pub struct Unique(pub String);

    impl<'de> DeserializeSeed<'de> for Unique {
        type Value = Option<PathError>;
        fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<Self::Value, D::Error> {
            de.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for Unique {
        type Value = Option<PathError>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON value")
        }

        fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut found = None;
            let mut i = 0;
            loop {
                let at = format!("{}[{i}]", self.0);
                if found.is_some() {
                    if seq.next_element::<IgnoredAny>()?.is_none() {
                        break;
                    }
                } else {
                    match seq.next_element_seed(Unique(at))? {
                        Some(inner) => found = inner,
                        None => break,
                    }
                }
                i += 1;
            }
            Ok(found)
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut seen = HashSet::new();
            let mut found = None;
            while let Some(key) = map.next_key::<String>()? {
                let at = if self.0.is_empty() {
                    key.clone()
                } else {
                    format!("{}.{key}", self.0)
                };
                if found.is_some() {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
                if !seen.insert(key) {
                    map.next_value::<IgnoredAny>()?;
                    found = Some(PathError {
                        path: at,
                        message: "this key is given twice; give each key once".into(),
                    });
                    continue;
                }
                found = map.next_value_seed(Unique(at))?;
            }
            Ok(found)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_given_twice_is_refused_with_its_path() {
        let one = r#"{"name": "A", "account": "B", "name": "C"}"#;
        let errors = parse_documents(one).unwrap_err();
        assert_eq!(errors[0].path, "name");
        assert!(errors[0].message.contains("given twice"));
        let nested = r#"[{"name": "A", "account": "B"},
            {"name": "A", "account": "B", "risks": [{"likelihood": 1, "likelihood": 2}]}]"#;
        let errors = parse_documents(nested).unwrap_err();
        assert_eq!(errors[0].path, "[1].risks[0].likelihood");
        // the same key in different objects is fine
        let fine = r#"[{"name": "A", "account": "B"}, {"name": "A", "account": "B"}]"#;
        assert_eq!(parse_documents(fine).unwrap().len(), 2);
    }

    #[test]
    fn a_key_given_twice_in_a_map_is_refused_with_its_path() {
        // maps (MEDDPICC elements, Salesforce contacts) keep the last value
        // of a repeated key unless read with `unique_keys`: a document read
        // in one pass must not slip one through
        let scored = r#"{"name": "A", "account": "B", "meddpicc": {"elements": {
            "metrics": {"score": 1}, "metrics": {"score": 3}}}}"#;
        let errors = parse_documents(scored).unwrap_err();
        assert_eq!(errors[0].path, "meddpicc.elements.metrics");
        assert!(errors[0].message.contains("given twice"), "{errors:?}");
        let contacts = r#"[{"name": "A", "account": "B", "salesforce": {"id": "006A",
            "contacts": {"003X": "Ann", "003X": "Bob"}}}]"#;
        let errors = parse_documents(contacts).unwrap_err();
        assert_eq!(errors[0].path, "[0].salesforce.contacts.003X");
        // read whole, a repeated key is refused whatever the reader
        let doc: Result<DealDocument, _> = serde_json::from_str(scored);
        assert!(doc.is_err());
    }

    /// A reader of `n` small documents as one JSON array, made as it is
    /// read: the test holds neither the text nor the documents.
    struct Generated {
        n: usize,
        next: usize,
        buf: Vec<u8>,
        at: usize,
    }

    impl std::io::Read for Generated {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            if self.at == self.buf.len() {
                self.buf.clear();
                self.at = 0;
                if self.next == 0 {
                    self.buf.extend_from_slice(b"[");
                }
                if self.next < self.n {
                    let comma = if self.next + 1 < self.n { "," } else { "]" };
                    let doc = format!(
                        r#"{{"name": "Deal {}", "account": "Acme", "risks": [{{"description": "r", "category": "timing", "likelihood": 2, "impact": 3}}]}}{comma}"#,
                        self.next
                    );
                    self.buf.extend_from_slice(doc.as_bytes());
                    self.next += 1;
                } else if self.n == 0 && self.next == 0 {
                    self.buf.extend_from_slice(b"]");
                    self.next = 1;
                }
            }
            let n = out.len().min(self.buf.len() - self.at);
            out[..n].copy_from_slice(&self.buf[self.at..self.at + n]);
            self.at += n;
            Ok(n)
        }
    }

    #[test]
    fn an_array_is_handed_over_one_document_at_a_time() {
        let reader = std::io::BufReader::new(Generated {
            n: 20_000,
            next: 0,
            buf: Vec::new(),
            at: 0,
        });
        let mut count = 0;
        stream_documents(reader, |doc| {
            assert_eq!(doc.name, format!("Deal {count}"));
            count += 1;
            true
        })
        .unwrap();
        assert_eq!(count, 20_000);
    }

    #[test]
    fn after_a_problem_no_document_is_handed_over_and_every_problem_is_named() {
        let text = r#"[{"name": "A", "account": "B"},
            {"name": "", "account": "B"},
            {"name": "C", "account": "B"},
            {"name": "D", "account": "B", "risks": [{"description": "r", "category": "timing", "likelihood": 9, "impact": 1}]}]"#;
        let mut handed = Vec::new();
        let errors = stream_documents(text.as_bytes(), |doc| {
            handed.push(doc.name);
            true
        })
        .unwrap_err();
        assert_eq!(
            handed,
            ["A"],
            "the documents after a problem are only checked"
        );
        let paths: Vec<&str> = errors.iter().map(|e| e.path.as_str()).collect();
        assert!(paths.contains(&"[1].name"), "{paths:?}");
        assert!(paths.contains(&"[3].risks[0].likelihood"), "{paths:?}");

        // a syntax error says only that, with its place in the file
        let broken = "[{\"name\": \"A\", \"account\": \"B\"},\n {\"name\": }]";
        let errors = parse_documents(broken).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].path, "line 2 column 11");
        assert!(errors[0].message.starts_with("not JSON"), "{:?}", errors[0]);
        // a wrong type names the path and no position
        let errors = parse_documents(r#"[{"name": 3, "account": "B"}]"#).unwrap_err();
        assert_eq!(errors[0].path, "[0].name");
        assert_eq!(
            errors[0].message,
            "invalid type: integer `3`, expected a string"
        );
        let errors = parse_documents("42").unwrap_err();
        assert_eq!(errors[0].path, "(document)");
        assert!(parse_documents("[]").unwrap().is_empty());
        assert!(parse_documents("[] x").is_err(), "trailing text is refused");
    }
}
