//! New deals written a thousand at a time (an import, demo data): their ids
//! reserved from the deals' sequence as they are handed out, and their rows
//! (deal, steps, content, history, pipeline, sign-offs) each written by one
//! statement over arrays, which row security checks as it checks one row.
//! Anything that reads the deals first writes what is pending.

use super::deals::stored_content;
use crate::domain::audit::AuditEntry;
use crate::domain::content::SaDecision;
use crate::domain::criteria::Verdict;
use crate::domain::deal::{Deal, DealId};
use crate::domain::money::Money;
use crate::domain::pipeline::{OutcomeKind, PipelineRow};
use crate::store::Summarizer;
use crate::store::error::Result;
use chrono::{DateTime, NaiveDate, Utc};
use postgres::GenericClient;
use std::collections::VecDeque;

/// How many new deals are held before they are written.
const BATCH: usize = 1_000;

/// New deals not yet written, and ids reserved for the next ones.
#[derive(Default)]
pub(super) struct Pending {
    reserved: VecDeque<i64>,
    deals: Vec<(Deal, Vec<AuditEntry>)>,
}

impl Pending {
    /// Hold a new deal (given its id now) with its history rows; written
    /// once a batch is full, or by [`Pending::flush`].
    pub(super) fn add(
        &mut self,
        c: &mut impl GenericClient,
        mut deal: Deal,
        history: Vec<AuditEntry>,
        summarize: Option<&Summarizer>,
        now: DateTime<Utc>,
    ) -> Result<DealId> {
        if self.reserved.is_empty() {
            let rows = c.query(
                "SELECT nextval(pg_get_serial_sequence('qualify.deals', 'id'))
                 FROM generate_series(1, $1)",
                &[&(BATCH as i32)],
            )?;
            self.reserved
                .extend(rows.iter().map(|r| r.get::<_, i64>(0)));
        }
        let id = DealId(self.reserved.pop_front().expect("ids were reserved"));
        deal.id = id;
        self.deals.push((deal, history));
        if self.deals.len() >= BATCH {
            self.flush(c, summarize, now)?;
        }
        Ok(id)
    }

    /// Whether the deal `id` is one held, not written yet.
    pub(super) fn holds(&self, id: DealId) -> bool {
        self.deals.iter().any(|(d, _)| d.id == id)
    }

    /// Write every deal held.
    pub(super) fn flush(
        &mut self,
        c: &mut impl GenericClient,
        summarize: Option<&Summarizer>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        if self.deals.is_empty() {
            return Ok(());
        }
        let mut deals = std::mem::take(&mut self.deals);
        write_deals(c, &deals)?;
        write_steps(c, &deals)?;
        write_contents(c, &deals)?;
        write_history(c, &deals)?;
        write_signoffs(c, &deals)?;
        // few new deals carry escalations (demo data): one by one
        for (deal, _) in deals.iter_mut().filter(|(d, _)| !d.escalations.is_empty()) {
            super::deals::write_escalations(c, None, deal)?;
        }
        if let Some(summarize) = summarize {
            write_summaries(c, &deals, summarize, now)?;
        }
        Ok(())
    }
}

/// The pipeline rows of new deals, computed as of `now`.
fn write_summaries(
    c: &mut impl GenericClient,
    deals: &[(Deal, Vec<AuditEntry>)],
    summarize: &Summarizer,
    now: DateTime<Utc>,
) -> Result<()> {
    let rows: Vec<(&Deal, PipelineRow)> =
        deals.iter().map(|(d, _)| (d, summarize(d, now))).collect();
    let secs = |t: DateTime<Utc>| t.timestamp();
    let day_start = |d: NaiveDate| d.and_time(chrono::NaiveTime::MIN).and_utc().timestamp();
    let ids: Vec<i64> = rows.iter().map(|(d, _)| d.id.0).collect();
    let forecast: Vec<&str> = rows.iter().map(|(_, p)| p.forecast.key()).collect();
    let verdict: Vec<Option<&str>> = rows
        .iter()
        .map(|(_, p)| p.verdict.map(Verdict::key))
        .collect();
    let int =
        |f: &dyn Fn(&PipelineRow) -> i32| rows.iter().map(|(_, p)| f(p)).collect::<Vec<i32>>();
    // the escalations' instants as one text per deal ("{1,2}"), cast to an
    // array of arrays would need equal lengths
    let starts: Vec<String> = rows
        .iter()
        .map(|(_, p)| array_text(p.escalations.iter().map(|(s, _)| secs(*s))))
        .collect();
    let dues: Vec<String> = rows
        .iter()
        .map(|(_, p)| array_text(p.escalations.iter().map(|(_, d)| secs(*d))))
        .collect();
    let overdue: Vec<Option<i64>> = rows
        .iter()
        .map(|(_, p)| p.escalations.iter().map(|(_, d)| secs(*d)).min())
        .collect();
    let risk: Vec<Option<&str>> = rows.iter().map(|(_, p)| p.risk_band).collect();
    let next: Vec<Option<NaiveDate>> = rows.iter().map(|(_, p)| p.next_step_due).collect();
    let stalled: Vec<Option<i64>> = rows.iter().map(|(_, p)| p.stalled_from.map(secs)).collect();
    let snoozed: Vec<Option<i64>> = rows
        .iter()
        .map(|(_, p)| p.snoozed_until.map(day_start))
        .collect();
    let outcome: Vec<Option<&str>> = rows
        .iter()
        .map(|(_, p)| p.outcome.map(OutcomeKind::key))
        .collect();
    let awaiting_sa: Vec<bool> = rows.iter().map(|(_, p)| p.awaiting_sa).collect();
    let awaiting_manager: Vec<bool> = rows.iter().map(|(_, p)| p.awaiting_manager).collect();
    let text = |f: &dyn Fn(&Deal) -> &str| rows.iter().map(|(d, _)| f(d)).collect::<Vec<&str>>();
    let amounts: Vec<Option<i64>> = rows
        .iter()
        .map(|(d, _)| d.amount.map(Money::cents))
        .collect();
    let closes: Vec<Option<NaiveDate>> = rows.iter().map(|(d, _)| d.close_date).collect();
    let plan_sa: Vec<&str> = rows.iter().map(|(_, p)| p.plan_sa.as_str()).collect();
    let warnings: Vec<&str> = rows.iter().map(|(_, p)| p.warnings.as_str()).collect();
    c.execute(
        "INSERT INTO qualify.pipeline (deal_id, forecast, verdict, meddpicc_total, meddpicc_max,
            steps_complete, steps_blocked, qa_passed, qa_total, escalations, escalation_starts,
            escalation_dues, overdue_from, risk_band, next_step_due, stalled_from, snoozed_until,
            outcome, awaiting_sa, awaiting_manager, owner, sa, amount_cents, name, account,
            close_date, manager, plan_sa, warnings)
         SELECT d, f, v, mt, mm, sc, sb, qp, qt, e, s::bigint[], du::bigint[], o, r, n, st, sn,
            oc, asa, am, ow, sa, amt, nm, ac, cd, mg, ps, w
         FROM unnest($1::bigint[], $2::text[], $3::text[], $4::int[], $5::int[], $6::int[],
            $7::int[], $8::int[], $9::int[], $10::int[], $11::text[], $12::text[], $13::bigint[],
            $14::text[], $15::date[], $16::bigint[], $17::bigint[], $18::text[], $19::bool[],
            $20::bool[], $21::text[], $22::text[], $23::bigint[], $24::text[], $25::text[],
            $26::date[], $27::text[], $28::text[], $29::text[])
            AS t (d, f, v, mt, mm, sc, sb, qp, qt, e, s, du, o, r, n, st, sn, oc, asa, am, ow, sa,
                amt, nm, ac, cd, mg, ps, w)",
        &[
            &ids,
            &forecast,
            &verdict,
            &int(&|p| p.meddpicc_total as i32),
            &int(&|p| p.meddpicc_max as i32),
            &int(&|p| i32::from(p.steps_complete)),
            &int(&|p| i32::from(p.steps_blocked)),
            &int(&|p| i32::from(p.qa_passed)),
            &int(&|p| i32::from(p.qa_total)),
            &int(&|p| p.escalations.len() as i32),
            &starts,
            &dues,
            &overdue,
            &risk,
            &next,
            &stalled,
            &snoozed,
            &outcome,
            &awaiting_sa,
            &awaiting_manager,
            &text(&|d| &d.owner),
            &text(&|d| &d.sa),
            &amounts,
            &text(&|d| &d.name),
            &text(&|d| &d.account),
            &closes,
            &text(&|d| &d.manager),
            &plan_sa,
            &warnings,
        ],
    )?;
    Ok(())
}

/// Numbers as PostgreSQL's array text: `{1,2,3}`.
fn array_text(numbers: impl Iterator<Item = i64>) -> String {
    let items: Vec<String> = numbers.map(|n| n.to_string()).collect();
    format!("{{{}}}", items.join(","))
}

fn write_deals(c: &mut impl GenericClient, deals: &[(Deal, Vec<AuditEntry>)]) -> Result<()> {
    let column = |f: &dyn Fn(&Deal) -> String| deals.iter().map(|(d, _)| f(d)).collect::<Vec<_>>();
    let ids: Vec<i64> = deals.iter().map(|(d, _)| d.id.0).collect();
    let amounts: Vec<Option<i64>> = deals
        .iter()
        .map(|(d, _)| d.amount.map(Money::cents))
        .collect();
    let fees: Vec<Option<i64>> = deals
        .iter()
        .map(|(d, _)| d.implementation_fee.map(Money::cents))
        .collect();
    let rates: Vec<f64> = deals.iter().map(|(d, _)| d.support_rate_percent).collect();
    let closes: Vec<Option<NaiveDate>> = deals.iter().map(|(d, _)| d.close_date).collect();
    let triggers: Vec<Option<NaiveDate>> = deals.iter().map(|(d, _)| d.trigger_date).collect();
    let created: Vec<DateTime<Utc>> = deals.iter().map(|(d, _)| d.created_at).collect();
    let updated: Vec<DateTime<Utc>> = deals.iter().map(|(d, _)| d.updated_at).collect();
    let versions: Vec<i64> = deals.iter().map(|(d, _)| d.version).collect();
    c.execute(
        "INSERT INTO qualify.deals (id, name, account, amount_cents, implementation_fee_cents,
            support_rate_percent, close_date, stage, owner, sa, manager, trigger_date, created_at,
            updated_at, version, plan_sa)
         SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::bigint[],
            $6::float8[], $7::date[], $8::text[], $9::text[], $10::text[], $11::text[],
            $12::date[], $13::timestamptz[], $14::timestamptz[], $15::bigint[], $16::text[])",
        &[
            &ids,
            &column(&|d| d.name.clone()),
            &column(&|d| d.account.clone()),
            &amounts,
            &fees,
            &rates,
            &closes,
            &column(&|d| d.stage.clone()),
            &column(&|d| d.owner.clone()),
            &column(&|d| d.sa.clone()),
            &column(&|d| d.manager.clone()),
            &triggers,
            &created,
            &updated,
            &versions,
            &column(&|d| d.content.validation_plan.sa.trim().to_string()),
        ],
    )?;
    Ok(())
}

fn write_steps(c: &mut impl GenericClient, deals: &[(Deal, Vec<AuditEntry>)]) -> Result<()> {
    let steps: Vec<(i64, &crate::domain::step::Step)> = deals
        .iter()
        .flat_map(|(d, _)| d.steps.iter().map(move |s| (d.id.0, s)))
        .collect();
    let ids: Vec<i64> = steps.iter().map(|(id, _)| *id).collect();
    let numbers: Vec<i16> = steps
        .iter()
        .map(|(_, s)| i16::from(s.number.get()))
        .collect();
    let statuses: Vec<&str> = steps.iter().map(|(_, s)| s.status.as_str()).collect();
    let instant = |f: &dyn Fn(&crate::domain::step::Step) -> Option<DateTime<Utc>>| {
        steps.iter().map(|(_, s)| f(s)).collect::<Vec<_>>()
    };
    let text = |f: &dyn Fn(&crate::domain::step::Step) -> String| {
        steps.iter().map(|(_, s)| f(s)).collect::<Vec<_>>()
    };
    let reasons: Vec<Option<String>> = steps
        .iter()
        .map(|(_, s)| s.blocked_reason.clone())
        .collect();
    let actions: Vec<i64> = steps
        .iter()
        .map(|(_, s)| super::deals::actions_bits(&s.actions))
        .collect();
    let confirmed_on: Vec<Option<NaiveDate>> = steps.iter().map(|(_, s)| s.confirmed_on).collect();
    c.execute(
        "INSERT INTO qualify.steps (deal_id, number, status, started_at, completed_at,
            blocked_reason, blocked_since, actions, outcomes, decisions, next_steps,
            confirmed_with, confirmed_on, first_completed_at)
         SELECT * FROM unnest($1::bigint[], $2::smallint[], $3::text[], $4::timestamptz[],
            $5::timestamptz[], $6::text[], $7::timestamptz[], $8::bigint[], $9::text[],
            $10::text[], $11::text[], $12::text[], $13::date[], $14::timestamptz[])",
        &[
            &ids,
            &numbers,
            &statuses,
            &instant(&|s| s.started_at),
            &instant(&|s| s.completed_at),
            &reasons,
            &instant(&|s| s.blocked_since),
            &actions,
            &text(&|s| s.notes.outcomes.clone()),
            &text(&|s| s.notes.decisions.clone()),
            &text(&|s| s.notes.next_steps.clone()),
            &text(&|s| s.confirmed_with.clone()),
            &confirmed_on,
            &instant(&|s| s.first_completed_at),
        ],
    )?;
    Ok(())
}

fn write_contents(c: &mut impl GenericClient, deals: &[(Deal, Vec<AuditEntry>)]) -> Result<()> {
    let ids: Vec<i64> = deals.iter().map(|(d, _)| d.id.0).collect();
    let bodies: Vec<serde_json::Value> = deals
        .iter()
        .map(|(d, _)| stored_content(&d.content))
        .collect();
    c.execute(
        "INSERT INTO qualify.deal_content (deal_id, body)
         SELECT * FROM unnest($1::bigint[], $2::jsonb[])",
        &[&ids, &bodies],
    )?;
    Ok(())
}

fn write_history(c: &mut impl GenericClient, deals: &[(Deal, Vec<AuditEntry>)]) -> Result<()> {
    let rows: Vec<(i64, &AuditEntry)> = deals
        .iter()
        .flat_map(|(d, h)| h.iter().map(move |e| (d.id.0, e)))
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = rows.iter().map(|(id, _)| *id).collect();
    let ats: Vec<DateTime<Utc>> = rows.iter().map(|(_, e)| e.at).collect();
    let whos: Vec<&str> = rows.iter().map(|(_, e)| e.who.as_str()).collect();
    let fields: Vec<&str> = rows.iter().map(|(_, e)| e.field.as_str()).collect();
    let befores: Vec<&str> = rows.iter().map(|(_, e)| e.before.as_str()).collect();
    let afters: Vec<&str> = rows.iter().map(|(_, e)| e.after.as_str()).collect();
    c.execute(
        "INSERT INTO qualify.audit (deal_id, at, who, field, before, after)
         SELECT * FROM unnest($1::bigint[], $2::timestamptz[], $3::text[], $4::text[],
            $5::text[], $6::text[])",
        &[&ids, &ats, &whos, &fields, &befores, &afters],
    )?;
    Ok(())
}

/// The sign-offs new deals carry: only the administrator's import (acting
/// as the schema's owner) keeps them, so they are written as rows directly,
/// with who signed and when (a login without that right is refused).
fn write_signoffs(c: &mut impl GenericClient, deals: &[(Deal, Vec<AuditEntry>)]) -> Result<()> {
    let mut rows: Vec<(i64, &str, &SaDecision)> = Vec::new();
    for (deal, _) in deals {
        if let Some(d) = &deal.content.validation_plan.decision {
            rows.push((deal.id.0, "sa", d));
        }
        if let Some(d) = &deal.content.manager_review {
            rows.push((deal.id.0, "manager", d));
        }
    }
    if rows.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let kinds: Vec<&str> = rows.iter().map(|r| r.1).collect();
    let approved: Vec<bool> = rows.iter().map(|r| r.2.approved).collect();
    let signers: Vec<&str> = rows.iter().map(|r| r.2.by.as_str()).collect();
    let ats: Vec<DateTime<Utc>> = rows.iter().map(|r| r.2.at).collect();
    let comments: Vec<&str> = rows.iter().map(|r| r.2.comment.as_str()).collect();
    let bases: Vec<Option<&str>> = rows.iter().map(|r| r.2.basis.as_deref()).collect();
    c.execute(
        "INSERT INTO qualify.signoffs (deal_id, kind, approved, signer, at, comment, basis)
         SELECT * FROM unnest($1::bigint[], $2::text[], $3::bool[], $4::text[],
            $5::timestamptz[], $6::text[], $7::text[])",
        &[&ids, &kinds, &approved, &signers, &ats, &comments, &bases],
    )?;
    Ok(())
}
