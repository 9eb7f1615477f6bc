//! The figures a forecast reads of a deal as it stood (outcome, scorecard,
//! amount, close date, the steps' statuses), read without rebuilding the
//! whole deal: only the parts that hold them are put through the history's
//! undo, exactly as [`deal_at`](super::deal_at) puts the whole deal.

use super::{AuditEntry, PastError, created_at, prune, undo};
use crate::domain::content::Scorecard;
use crate::domain::deal::Deal;
use crate::domain::forecast::Outcome;
use crate::domain::money::Money;
use crate::domain::step::StepStatus;
use chrono::{DateTime, NaiveDate, Utc};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// What [`deal_at`](super::deal_at)'s deal holds of the figures.
#[derive(Debug, Clone, PartialEq)]
pub struct Figures {
    pub outcome: Option<Outcome>,
    pub meddpicc: Scorecard,
    pub amount: Option<Money>,
    pub close_date: Option<NaiveDate>,
    /// Each step's status, in the steps' order.
    pub statuses: Vec<StepStatus>,
}

impl Figures {
    /// The figures of `deal` as it stands.
    pub fn of(deal: &Deal) -> Figures {
        Figures {
            outcome: deal.content.outcome.clone(),
            meddpicc: deal.content.meddpicc.clone(),
            amount: deal.amount,
            close_date: deal.close_date,
            statuses: deal.steps.iter().map(|s| s.status).collect(),
        }
    }

    /// How many steps are complete in a row from the first.
    pub fn steps_done(&self) -> usize {
        self.statuses
            .iter()
            .take_while(|s| **s == StepStatus::Complete)
            .count()
    }
}

/// Whether undoing a row of `field` touches only the figures (or nothing
/// the deal is rebuilt from: the deal's own rows; the stage, a text that
/// always reads back).
fn figures_only(field: &str) -> bool {
    field == "deal"
        || field == "stage"
        || field == "amount"
        || field == "close_date"
        || field.starts_with("outcome.")
        || field.starts_with("meddpicc.")
        || step_status(field).is_some()
}

/// `steps[N].status` → N.
fn step_status(field: &str) -> Option<usize> {
    field
        .strip_prefix("steps[")?
        .strip_suffix("].status")?
        .parse()
        .ok()
}

/// A part as the rebuilt document reads it: `Some(None)` when it holds
/// nothing (the document leaves it out), `None` when it does not read.
fn read<T: DeserializeOwned>(mut value: Value) -> Option<Option<T>> {
    if prune(&mut value) && !value.is_string() {
        return Some(None);
    }
    serde_json::from_value::<Option<T>>(value).ok()
}

/// `deal`'s figures as [`deal_at`](super::deal_at) rebuilds them at `at`
/// (the same `history`), or `None` when only the whole rebuild can tell:
/// a row after `at` changes more than the figures and the stage, or a value
/// it puts back does not read (the rebuild says what is wrong). A deal
/// created after `at` is refused as the rebuild refuses it.
pub fn figures_at(
    deal: &Deal,
    history: &[AuditEntry],
    at: DateTime<Utc>,
) -> Result<Option<Figures>, PastError> {
    let created = created_at(deal, history);
    if created > at {
        return Err(PastError::NotYet { created });
    }
    let mut later = history.iter().filter(|e| e.at > at).peekable();
    if later.peek().is_none() {
        return Ok(Some(Figures::of(deal)));
    }
    let steps = deal.steps.len();
    // the rebuild puts each step back by its number: in order, all there
    let numbered = deal
        .steps
        .iter()
        .enumerate()
        .all(|(i, s)| usize::from(s.number.get()) == i + 1)
        && steps == crate::domain::step::Step::fresh_set().len();
    if !numbered {
        return Ok(None);
    }
    let later: Vec<&AuditEntry> = later.collect();
    let simple = later
        .iter()
        .all(|e| figures_only(&e.field) && step_status(&e.field).is_none_or(|i| i < steps));
    if !simple {
        return Ok(None);
    }
    // a part no row changes reads back as it is (each holds a number or a
    // text that is never empty): only the parts rows change are put back
    let touched = |part: &str| later.iter().any(|e| e.field.starts_with(part));
    let json = |v: Result<Value, serde_json::Error>| v.expect("a deal's figures serialise");
    let mut parts = Map::new();
    parts.insert("amount".into(), json(serde_json::to_value(deal.amount)));
    parts.insert(
        "close_date".into(),
        json(serde_json::to_value(deal.close_date)),
    );
    let (meddpicc_rows, outcome_rows) = (touched("meddpicc."), touched("outcome."));
    if meddpicc_rows {
        parts.insert(
            "meddpicc".into(),
            json(serde_json::to_value(&deal.content.meddpicc)),
        );
    }
    if outcome_rows {
        parts.insert(
            "outcome".into(),
            json(serde_json::to_value(&deal.content.outcome)),
        );
    }
    let statuses: Vec<Value> = deal
        .steps
        .iter()
        .map(|s| {
            let mut step = Map::new();
            step.insert("status".into(), json(serde_json::to_value(s.status)));
            Value::Object(step)
        })
        .collect();
    parts.insert("steps".into(), Value::Array(statuses));
    let mut value = Value::Object(parts);
    for entry in later.iter().rev() {
        if entry.field != "stage" {
            undo(&mut value, entry);
        }
    }
    let Value::Object(mut parts) = value else {
        unreachable!("the figures stay an object")
    };
    let mut take = |key: &str| parts.remove(key).unwrap_or(Value::Null);
    let (Some(amount), Some(close_date)) = (
        read::<Money>(take("amount")),
        read::<NaiveDate>(take("close_date")),
    ) else {
        return Ok(None);
    };
    let meddpicc = if meddpicc_rows {
        match read::<Scorecard>(take("meddpicc")) {
            Some(card) => card.unwrap_or_default(),
            None => return Ok(None),
        }
    } else {
        deal.content.meddpicc.clone()
    };
    let outcome = if outcome_rows {
        match read::<Outcome>(take("outcome")) {
            Some(outcome) => outcome,
            None => return Ok(None),
        }
    } else {
        deal.content.outcome.clone()
    };
    let Value::Array(steps) = take("steps") else {
        unreachable!("the steps stay a list")
    };
    let mut statuses = Vec::with_capacity(steps.len());
    for mut step in steps {
        let status = step
            .as_object_mut()
            .and_then(|s| s.remove("status"))
            .unwrap_or(Value::Null);
        // a status that holds nothing is left out: not started
        match read::<StepStatus>(status) {
            Some(status) => statuses.push(status.unwrap_or(StepStatus::NotStarted)),
            None => return Ok(None),
        }
    }
    Ok(Some(Figures {
        outcome,
        meddpicc,
        amount,
        close_date,
        statuses,
    }))
}
