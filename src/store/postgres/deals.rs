//! The deal on the server: its row, ten steps, content, escalations,
//! sign-offs (rows of their own, written only through `record_signoff`),
//! history and pipeline row. A change writes only the rows that changed,
//! so that an SA's sign-off touches nothing the row rules keep for the
//! deal's owner.

use super::conn::error_of;
use crate::domain::audit::{self, AuditEntry};
use crate::domain::content::{DealContent, SaDecision};
use crate::domain::criteria::Verdict;
use crate::domain::deal::{Deal, DealId};
use crate::domain::escalation::{EscalationRecord, Stamp};
use crate::domain::money::Money;
use crate::domain::pipeline::OutcomeKind;
use crate::domain::playbook::EscalationRule;
use crate::domain::step::{Notes, Step, StepNumber, StepStatus};
use crate::store::Summarizer;
use crate::store::error::{Result, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use postgres::GenericClient;
use postgres::types::ToSql;

impl From<postgres::Error> for StoreError {
    fn from(e: postgres::Error) -> Self {
        error_of("the server", &e)
    }
}

fn bad(what: String) -> StoreError {
    StoreError::Engine {
        fault: crate::store::Fault::Corrupt,
        message: what,
    }
}

pub(super) const DEAL_COLUMNS: &str = "d.id, d.name, d.account, d.amount_cents,
    d.implementation_fee_cents, d.support_rate_percent, d.close_date, d.stage, d.owner, d.sa,
    d.manager, d.trigger_date, d.created_at, d.updated_at, d.version";

pub(super) fn deal_from_row(r: &postgres::Row) -> Deal {
    Deal {
        id: DealId(r.get(0)),
        name: r.get(1),
        account: r.get(2),
        amount: r.get::<_, Option<i64>>(3).map(Money::from_cents),
        implementation_fee: r.get::<_, Option<i64>>(4).map(Money::from_cents),
        support_rate_percent: r.get(5),
        close_date: r.get(6),
        stage: r.get(7),
        owner: r.get(8),
        sa: r.get(9),
        manager: r.get(10),
        trigger_date: r.get(11),
        created_at: r.get(12),
        updated_at: r.get(13),
        version: r.get(14),
        steps: Vec::new(),
        content: DealContent::default(),
        escalations: Vec::new(),
    }
}

pub(super) const STEP_COLUMNS: &str = "number, status, started_at, completed_at, blocked_reason,
    blocked_since, actions, outcomes, decisions, next_steps, confirmed_with, confirmed_on,
    first_completed_at, deal_id";

pub(super) fn step_from_row(r: &postgres::Row) -> Result<Step> {
    let number: i16 = r.get(0);
    let status: String = r.get(1);
    let bits: i64 = r.get(6);
    let mut actions = [false; crate::domain::playbook::ACTION_COUNT];
    for (i, slot) in actions.iter_mut().enumerate() {
        *slot = bits & (1 << i) != 0;
    }
    Ok(Step {
        number: u8::try_from(number)
            .ok()
            .and_then(StepNumber::new)
            .ok_or_else(|| bad(format!("step number {number} out of range")))?,
        status: StepStatus::parse(&status)
            .ok_or_else(|| bad(format!("unknown status {status}")))?,
        started_at: r.get(2),
        completed_at: r.get(3),
        blocked_reason: r.get(4),
        blocked_since: r.get(5),
        actions,
        notes: Notes {
            outcomes: r.get(7),
            decisions: r.get(8),
            next_steps: r.get(9),
        },
        confirmed_with: r.get(10),
        confirmed_on: r.get(11),
        first_completed_at: r.get(12),
    })
}

pub(super) const ESCALATION_COLUMNS: &str = "id, rule, step, reason, raised_at, raised_by, ack_by,
    ack_at, ack_note, resolved_by, resolved_at, resolved_note, due_at, routed_to, withdrawn_by,
    withdrawn_at, withdrawn_note, deal_id";

pub(super) fn escalation_from_row(r: &postgres::Row) -> Result<EscalationRecord> {
    let rule: String = r.get(1);
    let stamp = |by: usize| -> Option<Stamp> {
        let at: Option<DateTime<Utc>> = r.get(by + 1);
        at.map(|at| Stamp {
            by: r.get::<_, Option<String>>(by).unwrap_or_default(),
            at,
            note: r.get::<_, Option<String>>(by + 2).unwrap_or_default(),
        })
    };
    let step: Option<i16> = r.get(2);
    Ok(EscalationRecord {
        id: r.get(0),
        rule: EscalationRule::parse(&rule).ok_or_else(|| bad(format!("unknown rule {rule}")))?,
        step: step
            .and_then(|n| u8::try_from(n).ok())
            .and_then(StepNumber::new),
        reason: r.get(3),
        raised_at: r.get(4),
        due_at: r.get(12),
        raised_by: r.get(5),
        to: r.get::<_, Option<String>>(13).unwrap_or_default(),
        acknowledged: stamp(6),
        resolved: stamp(9),
        withdrawn: stamp(14),
    })
}

pub(super) fn put_signoff(content: &mut DealContent, r: &postgres::Row) {
    let kind: String = r.get(0);
    let approved: Option<bool> = r.get(1);
    let decision = approved.map(|approved| SaDecision {
        approved,
        by: r.get(2),
        at: r.get(3),
        comment: r.get(4),
        basis: r.get(5),
    });
    match kind.as_str() {
        "sa" => content.validation_plan.decision = decision,
        _ => content.manager_review = decision,
    }
}

/// The latest sign-off of each kind of the deals `ids`, oldest deal first.
pub(super) const LATEST_SIGNOFFS: &str = "SELECT DISTINCT ON (deal_id, kind)
        kind, approved, signer, at, comment, basis, deal_id
     FROM qualify.signoffs WHERE deal_id = ANY($1) ORDER BY deal_id, kind, id DESC";

pub(super) fn content_from(body: serde_json::Value) -> Result<DealContent> {
    serde_json::from_value(body).map_err(|e| bad(format!("a deal's content cannot be read: {e}")))
}

/// The deal `id` as stored (`None`: no such deal, or not one this login
/// may see); `lock` holds its row until the transaction ends.
pub(super) fn read_deal(
    c: &mut impl GenericClient,
    id: DealId,
    lock: bool,
) -> Result<Option<Deal>> {
    let lock = if lock { " FOR UPDATE" } else { "" };
    let Some(row) = c.query_opt(
        &format!("SELECT {DEAL_COLUMNS} FROM qualify.deals d WHERE d.id = $1{lock}"),
        &[&id.0],
    )?
    else {
        return Ok(None);
    };
    let mut deal = deal_from_row(&row);
    for r in c.query(
        &format!("SELECT {STEP_COLUMNS} FROM qualify.steps WHERE deal_id = $1 ORDER BY number"),
        &[&id.0],
    )? {
        deal.steps.push(step_from_row(&r)?);
    }
    if let Some(r) = c.query_opt(
        "SELECT body FROM qualify.deal_content WHERE deal_id = $1",
        &[&id.0],
    )? {
        deal.content = content_from(r.get(0))?;
    }
    for r in c.query(LATEST_SIGNOFFS, &[&vec![id.0]])? {
        put_signoff(&mut deal.content, &r);
    }
    for r in c.query(
        &format!(
            "SELECT {ESCALATION_COLUMNS} FROM qualify.escalations WHERE deal_id = $1 ORDER BY id"
        ),
        &[&id.0],
    )? {
        deal.escalations.push(escalation_from_row(&r)?);
    }
    Ok(Some(deal))
}

/// The content as the server keeps it: without its sign-offs.
pub(super) fn stored_content(content: &DealContent) -> serde_json::Value {
    let mut content = content.clone();
    content.validation_plan.decision = None;
    content.manager_review = None;
    serde_json::to_value(&content).expect("content serialises")
}

pub(super) fn actions_bits(actions: &[bool]) -> i64 {
    actions
        .iter()
        .enumerate()
        .filter(|(_, done)| **done)
        .map(|(i, _)| 1_i64 << i)
        .sum()
}

fn step_number(n: StepNumber) -> i16 {
    i16::from(n.get())
}

/// Write the deal `after`: every row when `before` is none (a new deal),
/// else only the rows that differ from `before`. Sign-offs that changed go
/// through `record_signoff` with their history rows; the other history
/// rows are written here. `history`: the audit rows to write (none: the
/// ones the change makes).
pub(super) fn write_deal(
    c: &mut impl GenericClient,
    before: Option<&Deal>,
    after: &mut Deal,
    who: &str,
    now: DateTime<Utc>,
    summarize: Option<&Summarizer>,
    history: Option<&[AuditEntry]>,
) -> Result<()> {
    let plan_sa = after.content.validation_plan.sa.trim().to_string();
    match before {
        None => {
            let row = c.query_one(
                "INSERT INTO qualify.deals (name, account, amount_cents, implementation_fee_cents,
                    support_rate_percent, close_date, stage, owner, sa, manager, trigger_date,
                    created_at, updated_at, version, plan_sa)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
                 RETURNING id",
                &[
                    &after.name,
                    &after.account,
                    &after.amount.map(Money::cents),
                    &after.implementation_fee.map(Money::cents),
                    &after.support_rate_percent,
                    &after.close_date,
                    &after.stage,
                    &after.owner,
                    &after.sa,
                    &after.manager,
                    &after.trigger_date,
                    &after.created_at,
                    &after.updated_at,
                    &after.version,
                    &plan_sa,
                ],
            )?;
            after.id = DealId(row.get(0));
        }
        Some(_) => {
            c.execute(
                "UPDATE qualify.deals SET name = $2, account = $3, amount_cents = $4,
                    implementation_fee_cents = $5, support_rate_percent = $6, close_date = $7,
                    stage = $8, owner = $9, sa = $10, manager = $11, trigger_date = $12,
                    created_at = $13, updated_at = $14, version = $15, plan_sa = $16
                 WHERE id = $1",
                &[
                    &after.id.0,
                    &after.name,
                    &after.account,
                    &after.amount.map(Money::cents),
                    &after.implementation_fee.map(Money::cents),
                    &after.support_rate_percent,
                    &after.close_date,
                    &after.stage,
                    &after.owner,
                    &after.sa,
                    &after.manager,
                    &after.trigger_date,
                    &after.created_at,
                    &after.updated_at,
                    &after.version,
                    &plan_sa,
                ],
            )?;
        }
    }
    let id = after.id.0;
    for step in &after.steps {
        let old = before.and_then(|b| b.steps.iter().find(|s| s.number == step.number));
        if old == Some(step) {
            continue;
        }
        let params: [&(dyn ToSql + Sync); 14] = [
            &id,
            &step_number(step.number),
            &step.status.as_str(),
            &step.started_at,
            &step.completed_at,
            &step.blocked_reason,
            &step.blocked_since,
            &actions_bits(&step.actions),
            &step.notes.outcomes,
            &step.notes.decisions,
            &step.notes.next_steps,
            &step.confirmed_with,
            &step.confirmed_on,
            &step.first_completed_at,
        ];
        if old.is_some() {
            c.execute(
                "UPDATE qualify.steps SET status = $3, started_at = $4, completed_at = $5,
                    blocked_reason = $6, blocked_since = $7, actions = $8, outcomes = $9,
                    decisions = $10, next_steps = $11, confirmed_with = $12, confirmed_on = $13,
                    first_completed_at = $14
                 WHERE deal_id = $1 AND number = $2",
                &params,
            )?;
        } else {
            c.execute(
                "INSERT INTO qualify.steps (deal_id, number, status, started_at, completed_at,
                    blocked_reason, blocked_since, actions, outcomes, decisions, next_steps,
                    confirmed_with, confirmed_on, first_completed_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
                 ON CONFLICT (deal_id, number) DO UPDATE SET status = excluded.status,
                    started_at = excluded.started_at, completed_at = excluded.completed_at,
                    blocked_reason = excluded.blocked_reason,
                    blocked_since = excluded.blocked_since, actions = excluded.actions,
                    outcomes = excluded.outcomes, decisions = excluded.decisions,
                    next_steps = excluded.next_steps, confirmed_with = excluded.confirmed_with,
                    confirmed_on = excluded.confirmed_on,
                    first_completed_at = excluded.first_completed_at",
                &params,
            )?;
        }
    }
    let body = stored_content(&after.content);
    let old_body = before.map(|b| stored_content(&b.content));
    if old_body.as_ref() != Some(&body) {
        c.execute(
            "INSERT INTO qualify.deal_content (deal_id, body) VALUES ($1, $2)
             ON CONFLICT (deal_id) DO UPDATE SET body = excluded.body",
            &[&id, &body],
        )?;
    }
    write_escalations(c, before, after)?;
    // the history: the sign-offs' rows go with them through the server's
    // function, which checks the signer
    let entries: Vec<AuditEntry> = match history {
        Some(given) => given.to_vec(),
        None => changes(before, after, who, now),
    };
    // each sign-off that changed: its kind, where its history rows start,
    // and the decision as it is now
    let changed: Vec<(&str, &str, Option<&SaDecision>)> = [
        (
            "sa",
            "validation_plan.decision",
            before.and_then(|b| b.content.validation_plan.decision.as_ref()),
            after.content.validation_plan.decision.as_ref(),
        ),
        (
            "manager",
            "manager_review",
            before.and_then(|b| b.content.manager_review.as_ref()),
            after.content.manager_review.as_ref(),
        ),
    ]
    .into_iter()
    .filter(|(.., old, new)| old != new)
    .map(|(kind, prefix, _, new)| (kind, prefix, new))
    .collect();
    for (kind, prefix, new) in &changed {
        let rows: Vec<&AuditEntry> = entries
            .iter()
            .filter(|e| e.field.starts_with(prefix))
            .collect();
        let fields: Vec<&str> = rows.iter().map(|e| e.field.as_str()).collect();
        let befores: Vec<&str> = rows.iter().map(|e| e.before.as_str()).collect();
        let afters: Vec<&str> = rows.iter().map(|e| e.after.as_str()).collect();
        c.execute(
            "SELECT qualify.record_signoff($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            &[
                &id,
                kind,
                &new.map(|d| d.approved),
                &new.map(|d| d.comment.as_str()).unwrap_or(""),
                &new.and_then(|d| d.basis.as_deref()),
                &new.map_or(now, |d| d.at),
                &fields,
                &befores,
                &afters,
                &new.map_or(who, |d| d.by.as_str()),
            ],
        )?;
    }
    // the other rows are written here
    let rest: Vec<&AuditEntry> = entries
        .iter()
        .filter(|e| {
            !changed
                .iter()
                .any(|(_, prefix, _)| e.field.starts_with(prefix))
        })
        .collect();
    if !rest.is_empty() {
        let ats: Vec<DateTime<Utc>> = rest.iter().map(|e| e.at).collect();
        let whos: Vec<&str> = rest.iter().map(|e| e.who.as_str()).collect();
        let fields: Vec<&str> = rest.iter().map(|e| e.field.as_str()).collect();
        let befores: Vec<&str> = rest.iter().map(|e| e.before.as_str()).collect();
        let afters: Vec<&str> = rest.iter().map(|e| e.after.as_str()).collect();
        c.execute(
            "INSERT INTO qualify.audit (deal_id, at, who, field, before, after)
             SELECT $1, * FROM unnest($2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[])",
            &[&id, &ats, &whos, &fields, &befores, &afters],
        )?;
    }
    write_summary(c, after, summarize, now)?;
    Ok(())
}

/// The history rows a change makes: "created" for a new deal, else one per
/// changed field.
pub(super) fn changes(
    before: Option<&Deal>,
    after: &Deal,
    who: &str,
    now: DateTime<Utc>,
) -> Vec<AuditEntry> {
    match before {
        None => vec![AuditEntry {
            at: now,
            who: who.to_string(),
            field: "deal".into(),
            before: String::new(),
            after: format!("created: {}", after.name),
        }],
        Some(before) => audit::diff(&audit::snapshot(before), &audit::snapshot(after))
            .into_iter()
            .map(|c| AuditEntry {
                at: now,
                who: who.to_string(),
                field: c.field,
                before: c.before,
                after: c.after,
            })
            .collect(),
    }
}

pub(super) fn write_escalations(
    c: &mut impl GenericClient,
    before: Option<&Deal>,
    deal: &mut Deal,
) -> Result<()> {
    let id = deal.id.0;
    for e in &mut deal.escalations {
        let old = before.and_then(|b| b.escalations.iter().find(|o| o.id == e.id && e.id != 0));
        if old == Some(e) {
            continue;
        }
        let part = |s: &Option<Stamp>| {
            (
                s.as_ref().map(|s| s.by.clone()).filter(|v| !v.is_empty()),
                s.as_ref().map(|s| s.at),
                s.as_ref().map(|s| s.note.clone()).filter(|v| !v.is_empty()),
            )
        };
        let (ack_by, ack_at, ack_note) = part(&e.acknowledged);
        let (res_by, res_at, res_note) = part(&e.resolved);
        let (wd_by, wd_at, wd_note) = part(&e.withdrawn);
        if e.id == 0 {
            let row = c.query_one(
                "INSERT INTO qualify.escalations (deal_id, rule, step, reason, raised_at,
                    raised_by, ack_by, ack_at, ack_note, resolved_by, resolved_at, resolved_note,
                    due_at, routed_to, withdrawn_by, withdrawn_at, withdrawn_note)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
                 RETURNING id",
                &[
                    &id,
                    &e.rule.key(),
                    &e.step.map(step_number),
                    &e.reason,
                    &e.raised_at,
                    &e.raised_by,
                    &ack_by,
                    &ack_at,
                    &ack_note,
                    &res_by,
                    &res_at,
                    &res_note,
                    &e.due_at,
                    &e.to,
                    &wd_by,
                    &wd_at,
                    &wd_note,
                ],
            )?;
            e.id = row.get(0);
        } else {
            c.execute(
                "UPDATE qualify.escalations SET ack_by = $3, ack_at = $4, ack_note = $5,
                    resolved_by = $6, resolved_at = $7, resolved_note = $8, withdrawn_by = $9,
                    withdrawn_at = $10, withdrawn_note = $11
                 WHERE id = $1 AND deal_id = $2",
                &[
                    &e.id, &id, &ack_by, &ack_at, &ack_note, &res_by, &res_at, &res_note, &wd_by,
                    &wd_at, &wd_note,
                ],
            )?;
        }
    }
    Ok(())
}

/// The deal's pipeline row, computed as of `now`.
pub(super) fn write_summary(
    c: &mut impl GenericClient,
    deal: &Deal,
    summarize: Option<&Summarizer>,
    now: DateTime<Utc>,
) -> Result<()> {
    let Some(summarize) = summarize else {
        return Ok(());
    };
    let p = summarize(deal, now);
    let secs = |t: DateTime<Utc>| t.timestamp();
    let starts: Vec<i64> = p.escalations.iter().map(|(s, _)| secs(*s)).collect();
    let dues: Vec<i64> = p.escalations.iter().map(|(_, d)| secs(*d)).collect();
    let day_start = |d: NaiveDate| d.and_time(chrono::NaiveTime::MIN).and_utc().timestamp();
    c.execute(
        "INSERT INTO qualify.pipeline (deal_id, forecast, verdict, meddpicc_total, meddpicc_max,
            steps_complete, steps_blocked, qa_passed, qa_total, escalations, escalation_starts,
            escalation_dues, overdue_from, risk_band, next_step_due, stalled_from, snoozed_until,
            outcome, awaiting_sa, awaiting_manager, owner, sa, amount_cents, name, account,
            close_date, manager, plan_sa, warnings)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,
            $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29)
         ON CONFLICT (deal_id) DO UPDATE SET forecast = excluded.forecast,
            verdict = excluded.verdict, meddpicc_total = excluded.meddpicc_total,
            meddpicc_max = excluded.meddpicc_max, steps_complete = excluded.steps_complete,
            steps_blocked = excluded.steps_blocked, qa_passed = excluded.qa_passed,
            qa_total = excluded.qa_total, escalations = excluded.escalations,
            escalation_starts = excluded.escalation_starts,
            escalation_dues = excluded.escalation_dues, overdue_from = excluded.overdue_from,
            risk_band = excluded.risk_band, next_step_due = excluded.next_step_due,
            stalled_from = excluded.stalled_from, snoozed_until = excluded.snoozed_until,
            outcome = excluded.outcome, awaiting_sa = excluded.awaiting_sa,
            awaiting_manager = excluded.awaiting_manager, owner = excluded.owner,
            sa = excluded.sa, amount_cents = excluded.amount_cents, name = excluded.name,
            account = excluded.account, close_date = excluded.close_date,
            manager = excluded.manager, plan_sa = excluded.plan_sa,
            warnings = excluded.warnings",
        &[
            &deal.id.0,
            &p.forecast.key(),
            &p.verdict.map(Verdict::key),
            &(p.meddpicc_total as i32),
            &(p.meddpicc_max as i32),
            &i32::from(p.steps_complete),
            &i32::from(p.steps_blocked),
            &i32::from(p.qa_passed),
            &i32::from(p.qa_total),
            &(p.escalations.len() as i32),
            &starts,
            &dues,
            &dues.iter().min().copied(),
            &p.risk_band,
            &p.next_step_due,
            &p.stalled_from.map(secs),
            &p.snoozed_until.map(day_start),
            &p.outcome.map(OutcomeKind::key),
            &p.awaiting_sa,
            &p.awaiting_manager,
            &deal.owner,
            &deal.sa,
            &deal.amount.map(Money::cents),
            &deal.name,
            &deal.account,
            &deal.close_date,
            &deal.manager,
            &p.plan_sa,
            &p.warnings,
        ],
    )?;
    Ok(())
}
