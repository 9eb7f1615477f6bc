//! The pipeline summary: each deal's row of figures the list sorts and
//! filters by, computed by the domain's rules (the injected summarizer) and
//! written in the same transaction as the change it summarises.

use super::conn::Rows;
use crate::domain::criteria::Verdict;
use crate::domain::deal::Deal;
use crate::domain::money::Money;
use crate::domain::pipeline::OutcomeKind;
use crate::store::Summarizer;
use crate::store::error::Result;
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, params};

/// The summarizer and the change's time, handed to `write_deal`.
pub(super) type Summary<'a> = (Option<&'a Summarizer>, DateTime<Utc>);

/// Write the deal's pipeline row (when a summarizer is set).
pub(super) fn write_summary(
    tx: &Connection,
    deal: &Deal,
    summarize: Option<&Summarizer>,
    now: DateTime<Utc>,
    rows: Rows,
) -> Result<()> {
    let Some(summarize) = summarize else {
        return Ok(());
    };
    let p = summarize(deal, now);
    let secs = |t: DateTime<Utc>| t.timestamp();
    let starts: Vec<i64> = p.escalations.iter().map(|(s, _)| secs(*s)).collect();
    let dues: Vec<i64> = p.escalations.iter().map(|(_, d)| secs(*d)).collect();
    let day_start = |d: NaiveDate| d.and_time(chrono::NaiveTime::MIN).and_utc().timestamp();
    macro_rules! insert_pipeline {
        () => {
            "INSERT INTO pipeline (deal_id, forecast, verdict, meddpicc_total, meddpicc_max,
            steps_complete, steps_blocked, qa_passed, qa_total, escalations, escalation_starts,
            escalation_dues, overdue_from, risk_band, next_step_due, stalled_from, snoozed_until,
            outcome, awaiting_sa, awaiting_manager, owner, sa, amount_cents, name, account,
            close_date, manager, plan_sa, warnings)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,
            ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29)"
        };
    }
    tx.prepare_cached(match rows {
        Rows::New => insert_pipeline!(),
        Rows::Existing => concat!(
            insert_pipeline!(),
            " ON CONFLICT (deal_id) DO UPDATE SET forecast = excluded.forecast,
            verdict = excluded.verdict, meddpicc_total = excluded.meddpicc_total,
            meddpicc_max = excluded.meddpicc_max, steps_complete = excluded.steps_complete,
            steps_blocked = excluded.steps_blocked, qa_passed = excluded.qa_passed,
            qa_total = excluded.qa_total, escalations = excluded.escalations,
            escalation_starts = excluded.escalation_starts,
            escalation_dues = excluded.escalation_dues,
            overdue_from = excluded.overdue_from, risk_band = excluded.risk_band,
            next_step_due = excluded.next_step_due, stalled_from = excluded.stalled_from,
            snoozed_until = excluded.snoozed_until, outcome = excluded.outcome,
            awaiting_sa = excluded.awaiting_sa, awaiting_manager = excluded.awaiting_manager,
            owner = excluded.owner, sa = excluded.sa, amount_cents = excluded.amount_cents,
            name = excluded.name, account = excluded.account, close_date = excluded.close_date,
            manager = excluded.manager, plan_sa = excluded.plan_sa,
            warnings = excluded.warnings"
        ),
    })?
    .execute(params![
        deal.id,
        p.forecast.key(),
        p.verdict.map(Verdict::key),
        p.meddpicc_total,
        p.meddpicc_max,
        p.steps_complete,
        p.steps_blocked,
        p.qa_passed,
        p.qa_total,
        p.escalations.len() as i64,
        serde_json::to_string(&starts).expect("numbers serialise"),
        serde_json::to_string(&dues).expect("numbers serialise"),
        dues.iter().min(),
        p.risk_band,
        p.next_step_due,
        p.stalled_from.map(secs),
        p.snoozed_until.map(day_start),
        p.outcome.map(OutcomeKind::key),
        p.awaiting_sa,
        p.awaiting_manager,
        deal.owner,
        deal.sa,
        deal.amount.map(Money::cents),
        deal.name,
        deal.account,
        deal.close_date,
        deal.manager,
        p.plan_sa,
        p.warnings,
    ])?;
    Ok(())
}
