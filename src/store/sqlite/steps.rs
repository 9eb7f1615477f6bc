//! A deal's ten steps (one row each) and its content document (one JSON
//! text), which holds what each step captures, the SA's sign-off and the
//! manager's review among it.

use super::conn::Rows;
use super::stamps::{day_or_null, day_text, instant_or_null, instant_text};
use crate::domain::content::DealContent;
use crate::domain::deal::Deal;
use crate::domain::step::{Notes, Step, StepNumber, StepStatus};
use crate::store::error::{Result, StoreError};
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use rusqlite::{Connection, Row, params};

/// A step's number is an integer column (`steps.number`, `escalations.step`).
impl ToSql for StepNumber {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(i64::from(self.get())))
    }
}

/// Read once here, where it comes in: a number out of range is refused.
impl FromSql for StepNumber {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let n = i64::column_result(value)?;
        u8::try_from(n)
            .ok()
            .and_then(StepNumber::new)
            .ok_or(FromSqlError::OutOfRange(n))
    }
}

/// The columns [`read_step`] reads, in its order.
pub(super) const STEP_COLUMNS: &str = "number, status, started_at, completed_at, blocked_reason,
    blocked_since, actions, outcomes, decisions, next_steps, confirmed_with, confirmed_on,
    first_completed_at";

pub(super) fn read_step(r: &Row<'_>) -> rusqlite::Result<Step> {
    let status: String = r.get(1)?;
    let bits: i64 = r.get(6)?;
    let mut actions = [false; crate::domain::playbook::ACTION_COUNT];
    for (i, slot) in actions.iter_mut().enumerate() {
        *slot = bits & (1 << i) != 0;
    }
    Ok(Step {
        number: r.get(0)?,
        status: StepStatus::parse(&status).ok_or_else(|| {
            rusqlite::Error::FromSqlConversionFailure(
                1,
                rusqlite::types::Type::Text,
                format!("unknown status {status}").into(),
            )
        })?,
        started_at: instant_or_null(r, 2)?,
        completed_at: instant_or_null(r, 3)?,
        blocked_reason: r.get(4)?,
        blocked_since: instant_or_null(r, 5)?,
        actions,
        notes: Notes {
            outcomes: r.get(7)?,
            decisions: r.get(8)?,
            next_steps: r.get(9)?,
        },
        confirmed_with: r.get(10)?,
        confirmed_on: day_or_null(r, 11)?,
        first_completed_at: instant_or_null(r, 12)?,
    })
}

macro_rules! insert_step {
    () => {
        "INSERT INTO steps (deal_id, number, status, started_at, completed_at, blocked_reason,
            blocked_since, actions, outcomes, decisions, next_steps, confirmed_with, confirmed_on,
            first_completed_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"
    };
}

/// Write the deal's ten steps: inserted, or (`Rows::Existing`) inserted or
/// updated.
pub(super) fn write_steps(tx: &Connection, deal: &Deal, rows: Rows) -> Result<()> {
    let mut write = tx.prepare_cached(match rows {
        Rows::New => insert_step!(),
        Rows::Existing => concat!(
            insert_step!(),
            " ON CONFLICT (deal_id, number) DO UPDATE SET status = excluded.status,
            started_at = excluded.started_at, completed_at = excluded.completed_at,
            blocked_reason = excluded.blocked_reason, blocked_since = excluded.blocked_since,
            actions = excluded.actions, outcomes = excluded.outcomes,
            decisions = excluded.decisions, next_steps = excluded.next_steps,
            confirmed_with = excluded.confirmed_with, confirmed_on = excluded.confirmed_on,
            first_completed_at = excluded.first_completed_at"
        ),
    })?;
    for s in &deal.steps {
        write.execute(params![
            deal.id,
            s.number,
            s.status.as_str(),
            instant_text(s.started_at),
            instant_text(s.completed_at),
            s.blocked_reason,
            instant_text(s.blocked_since),
            actions_bits(&s.actions),
            s.notes.outcomes,
            s.notes.decisions,
            s.notes.next_steps,
            s.confirmed_with,
            day_text(s.confirmed_on),
            instant_text(s.first_completed_at),
        ])?;
    }
    Ok(())
}

fn actions_bits(actions: &[bool]) -> i64 {
    actions
        .iter()
        .enumerate()
        .filter(|(_, done)| **done)
        .map(|(i, _)| 1 << i)
        .sum()
}

macro_rules! insert_content {
    () => {
        "INSERT INTO deal_content (deal_id, body) VALUES (?1, ?2)"
    };
}

/// The deal's content document, as one JSON text.
pub(super) fn write_content(tx: &Connection, deal: &Deal, rows: Rows) -> Result<()> {
    let body = serde_json::to_string(&deal.content).expect("content serialises");
    tx.prepare_cached(match rows {
        Rows::New => insert_content!(),
        Rows::Existing => concat!(
            insert_content!(),
            " ON CONFLICT (deal_id) DO UPDATE SET body = excluded.body"
        ),
    })?
    .execute(params![deal.id, body])?;
    Ok(())
}

/// The deal's content document from its stored JSON.
pub(super) fn content_from(body: &str) -> Result<DealContent> {
    serde_json::from_str(body).map_err(|e| {
        StoreError::from(rusqlite::Error::FromSqlConversionFailure(
            0,
            rusqlite::types::Type::Text,
            Box::new(e),
        ))
    })
}
