//! What the CLI prints: JSON documents and plain-text tables. User text is
//! sanitised before it is printed.

use super::args::{Command, DealCommand, StepCommand};
use crate::config::Failure;
use crate::domain::Money;
use crate::domain::choices::Choice as _;
use crate::domain::deal::{Deal, DealSummary};
use crate::domain::escalation::Escalation;
use crate::domain::metrics::{Metric, Metrics};
use crate::domain::pipeline::ForecastCategory;
use crate::domain::playbook::Playbook;
use crate::domain::qa::{QaItem, QaState};
use crate::domain::step::StepNumber;
use crate::domain::warnings::{self, Warning};
use crate::domain::{criteria, pipeline, rushing};
use crate::ops::{CategoryTotal, OutcomeTotal};
use crate::text::{Output, clean, fit, head};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use std::fmt::Write;

/// Whether `command` prints JSON (its writer escapes rather than replaces).
pub fn output(command: &Command) -> Output {
    let json = match command {
        Command::Check { json, .. }
        | Command::History { json, .. }
        | Command::Changes { json, .. } => *json,
        Command::Deal(
            DealCommand::List { json, .. }
            | DealCommand::Show { json, .. }
            | DealCommand::Trend { json, .. },
        ) => *json,
        Command::Deal(DealCommand::Export { .. }) => true,
        Command::Step {
            change: StepCommand::Guide { json },
            ..
        } => *json,
        _ => false,
    };
    if json { Output::Json } else { Output::Text }
}

/// The output could not be written (a closed pipe, a full disk): see
/// [`Failure::cannot_write`].
pub fn write_failure(e: std::io::Error) -> Failure {
    Failure::cannot_write(e)
}

fn money(m: Option<crate::domain::Money>) -> Value {
    m.map_or(Value::Null, |m| m.to_json())
}

/// One row of `deal list --json`, borrowed from the summary read.
#[derive(serde::Serialize)]
struct SummaryJson<'a> {
    id: i64,
    name: &'a str,
    account: &'a str,
    amount: Option<crate::domain::Money>,
    close_date: Option<chrono::NaiveDate>,
    stage: &'a str,
    owner: &'a str,
    sa: &'a str,
    steps_complete: u8,
    steps_blocked: u8,
    forecast_category: &'static str,
    verdict: Option<&'static str>,
    meddpicc_total: u32,
    qa_passed: u8,
    escalations_open: u32,
    escalations_overdue: u32,
    risk_band: Option<&'a str>,
    next_step_due: Option<chrono::NaiveDate>,
    stalled: bool,
    outcome: Option<&'static str>,
    snoozed_until: Option<chrono::NaiveDate>,
    warnings: Vec<&'static str>,
}

/// Streams the elements of a JSON array as they come: `[`, one element a
/// line, `]` (an empty array when none came). Each element is serialised
/// into a buffer kept between rows and written with one call.
pub struct JsonArray<W: std::io::Write> {
    out: W,
    buf: Vec<u8>,
    first: bool,
}

impl<W: std::io::Write> JsonArray<W> {
    pub fn new(out: W) -> Self {
        JsonArray {
            out,
            buf: Vec::with_capacity(1024),
            first: true,
        }
    }

    pub fn push(&mut self, value: &impl serde::Serialize) -> std::io::Result<()> {
        self.buf.clear();
        self.buf
            .extend_from_slice(if self.first { b"[\n" } else { b",\n" });
        self.first = false;
        serde_json::to_writer(&mut self.buf, value).map_err(std::io::Error::other)?;
        self.out.write_all(&self.buf)
    }

    pub fn finish(mut self) -> std::io::Result<()> {
        self.out
            .write_all(if self.first { b"[]\n" } else { b"\n]\n" })
    }
}

/// `deal list --json`'s element for one row.
pub fn write_summary_json<W: std::io::Write>(
    array: &mut JsonArray<W>,
    d: &DealSummary,
) -> std::io::Result<()> {
    array.push(&SummaryJson {
        id: d.id.0,
        name: &d.name,
        account: &d.account,
        amount: d.amount,
        close_date: d.close_date,
        stage: &d.stage,
        owner: &d.owner,
        sa: &d.sa,
        steps_complete: d.steps_complete,
        steps_blocked: d.steps_blocked,
        forecast_category: d.forecast.key(),
        verdict: d.verdict.map(|v| v.key()),
        meddpicc_total: d.meddpicc_total,
        qa_passed: d.qa_passed,
        escalations_open: d.escalations_open,
        escalations_overdue: d.escalations_overdue,
        risk_band: d.risk_band.as_deref(),
        next_step_due: d.next_step_due,
        stalled: d.stalled,
        outcome: d.outcome.map(|o| o.key()),
        snoozed_until: d.snoozed_until,
        warnings: d.warnings.iter().map(|k| k.key()).collect(),
    })
}

/// `deal list --json`'s element as a value (tests compare the two).
#[cfg(test)]
pub fn summary_json(d: &DealSummary) -> Value {
    json!({
        "id": d.id.0,
        "name": d.name,
        "account": d.account,
        "amount": money(d.amount),
        "close_date": d.close_date,
        "stage": d.stage,
        "owner": d.owner,
        "sa": d.sa,
        "steps_complete": d.steps_complete,
        "steps_blocked": d.steps_blocked,
        "forecast_category": d.forecast.key(),
        "verdict": d.verdict.map(|v| v.key()),
        "meddpicc_total": d.meddpicc_total,
        "qa_passed": d.qa_passed,
        "escalations_open": d.escalations_open,
        "escalations_overdue": d.escalations_overdue,
        "risk_band": d.risk_band,
        "next_step_due": d.next_step_due,
        "stalled": d.stalled,
        "outcome": d.outcome.map(|o| o.key()),
        "snoozed_until": d.snoozed_until,
        "warnings": d.warnings.iter().map(|k| k.key()).collect::<Vec<_>>(),
    })
}

/// An escalation as the JSON outputs give it, borrowed (the fields in the
/// alphabetical order a value tree prints them in).
#[derive(serde::Serialize)]
pub struct EscalationJson<'a> {
    acknowledged: Option<StampJson<'a>>,
    authority: &'a str,
    due_at: String,
    escalate_to: &'a str,
    id: String,
    overdue: bool,
    raised_at: String,
    raised_by: &'a str,
    resolved: Option<StampJson<'a>>,
    scenario: &'a str,
    status: &'static str,
    step: Option<StepNumber>,
    /// The person it is routed to.
    to: &'a str,
    why: &'a str,
    withdrawn: Option<StampJson<'a>>,
}

#[derive(serde::Serialize)]
struct StampJson<'a> {
    at: String,
    by: &'a str,
    note: &'a str,
}

impl<'a> From<&'a Escalation> for EscalationJson<'a> {
    fn from(e: &'a Escalation) -> Self {
        let stamp = |s: &'a Option<crate::domain::escalation::Stamp>| {
            s.as_ref().map(|s| StampJson {
                at: s.at.to_rfc3339(),
                by: &s.by,
                note: &s.note,
            })
        };
        EscalationJson {
            acknowledged: stamp(&e.acknowledged),
            authority: &e.authority,
            due_at: e.due_at.to_rfc3339(),
            escalate_to: &e.escalate_to,
            id: e.id.to_string(),
            overdue: e.overdue,
            raised_at: e.raised_at.to_rfc3339(),
            raised_by: &e.raised_by,
            resolved: stamp(&e.resolved),
            scenario: &e.scenario,
            status: e.status.as_str(),
            step: e.step,
            to: &e.to,
            why: &e.why,
            withdrawn: stamp(&e.withdrawn),
        }
    }
}

/// A QA item as the JSON outputs give it, borrowed.
#[derive(serde::Serialize)]
pub struct QaJson<'a> {
    applicable: bool,
    passed: bool,
    title: &'a str,
    why: &'a str,
}

impl<'a> From<&'a QaItem> for QaJson<'a> {
    fn from(item: &'a QaItem) -> Self {
        QaJson {
            applicable: item.state != QaState::NotApplicable,
            passed: item.state.passed(),
            title: &item.title,
            why: &item.why,
        }
    }
}

/// `check --json`'s element for one deal.
#[derive(serde::Serialize)]
pub struct CheckJson<'a> {
    escalations: Vec<EscalationJson<'a>>,
    id: i64,
    name: &'a str,
    qa: Vec<QaJson<'a>>,
    warnings: Vec<super::warn::WarningJson>,
}

impl<'a> CheckJson<'a> {
    pub fn new(
        deal: &'a Deal,
        qa: &'a [QaItem],
        escalations: &'a [Escalation],
        warnings: &[Warning],
    ) -> Self {
        CheckJson {
            escalations: escalations.iter().map(EscalationJson::from).collect(),
            id: deal.id.0,
            name: &deal.name,
            qa: qa.iter().map(QaJson::from).collect(),
            warnings: super::warn::json(warnings),
        }
    }
}

pub fn deal_json(
    deal: &Deal,
    playbook: &Playbook,
    qa: &[QaItem],
    escalations: &[Escalation],
    now: DateTime<Utc>,
) -> Value {
    let steps: Vec<Value> = deal
        .steps
        .iter()
        .map(|s| {
            json!({
                "number": s.number,
                "title": playbook.step(s.number).title,
                "status": s.status.as_str(),
                "started_at": s.started_at.map(|t| t.to_rfc3339()),
                "completed_at": s.completed_at.map(|t| t.to_rfc3339()),
                "blocked_reason": s.blocked_reason,
                "blocked_since": s.blocked_since.map(|t| t.to_rfc3339()),
                "actions": s.actions,
                "notes": {
                    "outcomes": s.notes.outcomes,
                    "decisions": s.notes.decisions,
                    "next_steps": s.notes.next_steps,
                },
                "rushed": rushing::rushed(deal, s.number, playbook),
            })
        })
        .collect();
    let snooze = pipeline::snooze_in_force(deal, now);
    json!({
        "id": deal.id.0,
        "name": deal.name,
        "account": deal.account,
        "amount": money(deal.amount),
        "implementation_fee": money(deal.implementation_fee),
        "support_rate_percent": deal.support_rate_percent,
        "first_year_value": money(deal.first_year_value()),
        "close_date": deal.close_date,
        "stage": deal.stage,
        "owner": deal.owner,
        "sa": deal.sa,
        "manager": deal.manager,
        "trigger_date": deal.trigger_date,
        "version": deal.version,
        "as_of": now.to_rfc3339(),
        "forecast_category": pipeline::forecast_category(deal, playbook, now).key(),
        "verdict": criteria::verdict(&deal.content.meddpicc, playbook).map(|v| v.key()),
        "prediction": deal.content.prediction.map(|p| p.verdict.key()),
        "outcome": deal.content.outcome.as_ref().map(|o| json!({
            "kind": o.kind.key(), "on": o.on, "reason": o.reason, "lost_to": o.lost_to,
        })),
        "stalled": pipeline::stalled(deal, playbook, now),
        "snoozed_until": snooze.map(|s| s.until),
        "snooze_reason": snooze.map(|s| s.reason.as_str()),
        "snoozed_by": snooze.map(|s| s.by.as_str()),
        "steps": steps,
        "qa": qa.iter().map(QaJson::from).collect::<Vec<_>>(),
        "escalations": escalations.iter().map(EscalationJson::from).collect::<Vec<_>>(),
        "warnings": super::warn::json(&warnings::warnings(deal, playbook, now)),
    })
}

fn or_dash(s: &str) -> String {
    if s.trim().is_empty() {
        "-".into()
    } else {
        clean(s)
    }
}

/// `s` cut to `width` terminal columns, ending with … when cut.
pub fn truncate(s: &str, width: usize) -> String {
    crate::text::truncate(s, width)
}

/// `deal list`'s table; `open_only` when closed deals were left out (an
/// empty list says how to see them).
pub fn summary_table(deals: &[DealSummary], totals: &[CategoryTotal], open_only: bool) -> String {
    let mut out = String::new();
    if deals.is_empty() {
        if open_only {
            out.push_str("No open deals match (--all shows closed ones too). ");
        } else {
            out.push_str("No deals match. ");
        }
        out.push_str("Add one: qualify deal add --name NAME --account ACCOUNT\n");
        return out;
    }
    let _ = writeln!(
        out,
        "{:>5}  {} {} {} {:>12}  {:<10}  {:<9} {:<16} {:<6} {:<4} {:<4} {:<8} {:<10} FLAG",
        "ID",
        fit("NAME", 24),
        fit("ACCOUNT", 16),
        fit("OWNER", 14),
        "AMOUNT",
        "CLOSE",
        "FORECAST",
        "VERDICT",
        "STEPS",
        "QA",
        "ESC",
        "RISK",
        "NEXT STEP"
    );
    for d in deals {
        let verdict = format!(
            "{} {}/{}",
            d.verdict.map_or("-", |v| v.key()),
            d.meddpicc_total,
            d.meddpicc_max
        );
        let flag = match (d.outcome, d.stalled, d.snoozed_until) {
            (Some(o), ..) => o.key().to_string(),
            (None, true, _) => "stalled".into(),
            (None, false, Some(until)) => format!("snoozed until {until}"),
            (None, false, None) => String::new(),
        };
        let esc = format!("{}/{}", d.escalations_open, d.escalations_overdue);
        let steps = format!(
            "{}/10{}",
            d.steps_complete,
            if d.steps_blocked > 0 { "⊘" } else { "" }
        );
        let _ = writeln!(
            out,
            "{:>5}  {} {} {} {:>12}  {:<10}  {:<9} {:<16} {:<6} {:<4} {:<4} {:<8} {:<10} {}",
            d.id.0,
            fit(&clean(head(&d.name, 200)), 24),
            fit(&clean(head(&d.account, 200)), 16),
            fit(&clean(head(&d.owner, 200)), 14),
            d.amount.map_or("-".into(), |m| m.to_string()),
            d.close_date.map_or("-".into(), |c| c.to_string()),
            d.forecast.label(),
            verdict,
            steps,
            format!("{}/{}", d.qa_passed, d.qa_total),
            esc,
            d.risk_band.as_deref().unwrap_or("-"),
            d.next_step_due.map_or("-".into(), |c| c.to_string()),
            flag
        );
    }
    let foot: Vec<String> = totals
        .iter()
        .filter(|t| t.deals > 0)
        .map(|t| format!("{} {} ({})", t.category.label(), t.amount, t.deals))
        .collect();
    let _ = writeln!(out, "\nTotals: {}", foot.join(" · "));
    out
}

pub fn deal_text(
    deal: &Deal,
    playbook: &Playbook,
    qa: &[QaItem],
    escalations: &[Escalation],
    now: DateTime<Utc>,
) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Deal {}: {} ({})",
        deal.id,
        clean(&deal.name),
        clean(&deal.account)
    );
    let _ = writeln!(
        out,
        "Amount {}  First-year value {}  Close {}  Stage {}",
        deal.amount.map_or("-".into(), |m| m.to_string()),
        deal.first_year_value()
            .map_or("-".into(), |m| m.to_string()),
        deal.close_date.map_or("-".into(), |d| d.to_string()),
        or_dash(&deal.stage)
    );
    let _ = writeln!(
        out,
        "AE {}  SA {}  Manager {}",
        or_dash(&deal.owner),
        or_dash(&deal.sa),
        or_dash(&deal.manager)
    );
    if let Some(why) = pipeline::stalled(deal, playbook, now) {
        let _ = writeln!(out, "Stalled: {why}");
    }
    if let Some(snooze) = pipeline::snooze_in_force(deal, now) {
        let _ = writeln!(
            out,
            "Snoozed until {} by {}: {}",
            snooze.until,
            or_dash(&snooze.by),
            clean(&snooze.reason)
        );
    }
    let _ = writeln!(out, "\nSteps ({}/10 complete)", deal.steps_complete());
    for s in &deal.steps {
        let mut line = format!(
            "  {} {:>2}. {}  [{}]",
            s.status.mark(),
            s.number,
            clean(&playbook.step(s.number).title),
            s.status.label()
        );
        if let Some(reason) = &s.blocked_reason {
            let _ = write!(line, " {}", clean(reason));
        }
        if rushing::rushed(deal, s.number, playbook).is_some() {
            line.push_str("  (rushed)");
        }
        let _ = writeln!(out, "{line}");
    }
    let _ = writeln!(out, "\nQA checklist");
    for item in qa {
        let mark = match item.state {
            QaState::Pass => "[x]",
            QaState::NotApplicable => "[-]",
            QaState::Fail => "[ ]",
        };
        let _ = writeln!(out, "  {mark} {}: {}", clean(&item.title), clean(&item.why));
    }
    let _ = writeln!(out, "\nEscalations");
    if escalations.is_empty() {
        let _ = writeln!(out, "  none open");
    }
    for e in escalations {
        let to = if e.to.is_empty() {
            String::new()
        } else {
            format!(", routed to {}", clean(&e.to))
        };
        let _ = writeln!(
            out,
            "  {} {} -> {} (authority {}){to}, {}: {}",
            e.id,
            clean(&e.scenario),
            clean(&e.escalate_to),
            clean(&e.authority),
            e.timer(now),
            clean(&e.why)
        );
    }
    let _ = writeln!(out, "\nWarnings");
    super::warn::check_lines(&mut out, &warnings::warnings(deal, playbook, now));
    out
}

fn metric_json(m: &Metric) -> Value {
    json!({
        "title": m.title,
        "value": m.value.map(|v| (v * 10.0).round() / 10.0),
        "target": m.target,
        "target_text": m.target_text(),
        "met": m.met(),
        "count": m.count,
        "unit": m.unit,
        "owner": m.owner,
        "frequency": m.frequency,
        "why": if m.value.is_none() { "no data" } else { "" },
    })
}

/// The open deals per forecast category (a won deal is not open, so
/// Closed is left out), with their number and amount in all, as the
/// dashboard's forecast shows them.
fn open_totals(open: &[CategoryTotal]) -> (Vec<&CategoryTotal>, u64, Money) {
    let open: Vec<&CategoryTotal> = open
        .iter()
        .filter(|t| t.category != ForecastCategory::Closed)
        .collect();
    let deals = open.iter().map(|t| t.deals).sum();
    let cents = open.iter().map(|t| t.amount.cents()).sum();
    (open, deals, Money::from_cents(cents))
}

/// `metrics --json`: the five metrics, each with value, target, met, count;
/// then the open pipeline now, per forecast category, and the closed deals
/// per outcome.
pub fn metrics_json(
    m: &Metrics,
    owner: Option<&str>,
    open: &[CategoryTotal],
    closed: &[OutcomeTotal],
) -> Value {
    let (open, deals, amount) = open_totals(open);
    let total = |deals: u64, amount: Money| json!({ "deals": deals, "amount": amount.to_json() });
    let mut time = metric_json(&m.time_per_step);
    time["steps"] = m
        .steps
        .iter()
        .map(|s| {
            json!({
                "step": s.step,
                "median_business_hours": s.median_hours.map(|h| (h * 10.0).round() / 10.0),
                "sla_hours": s.sla_hours,
                "within_sla": s.within_sla,
                "count": s.count,
            })
        })
        .collect();
    json!({
        "from": m.range.from,
        "to": m.range.to,
        "owner": owner,
        "qualification_accuracy": metric_json(&m.qualification_accuracy),
        "process_adherence": metric_json(&m.process_adherence),
        "time_per_step": time,
        "win_rate_impact": metric_json(&m.win_rate_impact),
        "stage_velocity": metric_json(&m.stage_velocity),
        "open_pipeline": {
            "deals": deals,
            "amount": amount.to_json(),
            "categories": open
                .iter()
                .map(|t| (t.category.key().to_string(), total(t.deals, t.amount)))
                .collect::<serde_json::Map<_, _>>(),
        },
        "closed": closed
            .iter()
            .map(|t| (t.outcome.key().to_string(), total(t.deals, t.amount)))
            .collect::<serde_json::Map<_, _>>(),
    })
}

/// `metrics`: a line per metric, then time per step, then the open
/// pipeline now and the closed deals.
pub fn metrics_text(
    m: &Metrics,
    owner: Option<&str>,
    open: &[CategoryTotal],
    closed: &[OutcomeTotal],
) -> String {
    let mut out = String::new();
    let who = owner.map_or("the team".to_string(), clean);
    let _ = writeln!(out, "Metrics for {who}, {} to {}", m.range.from, m.range.to);
    let _ = writeln!(
        out,
        "{} {:<14} {:<12} {:<5} {:>6}  {:<10} MEASURED",
        fit("METRIC", 28),
        "VALUE",
        "TARGET",
        "MET",
        "COUNT",
        "OWNER"
    );
    for metric in m.all() {
        let met = match metric.met() {
            Some(true) => "yes",
            Some(false) => "no",
            None => "-",
        };
        let _ = writeln!(
            out,
            "{} {:<14} {:<12} {:<5} {:>6}  {:<10} {}",
            fit(metric.title, 28),
            metric.value_text(),
            metric.target_text(),
            met,
            metric.count,
            metric.owner,
            metric.frequency
        );
    }
    let _ = writeln!(
        out,
        "\nTime per step (median business hours from start to first completion):"
    );
    for s in &m.steps {
        let median = s
            .median_hours
            .map_or("no data".to_string(), |h| format!("{h:.1} h"));
        let _ = writeln!(
            out,
            "  step {:>2}  {:<9} SLA {:>4.0} h  {}/{} within SLA",
            s.step, median, s.sla_hours, s.within_sla, s.count
        );
    }
    let (open, deals, amount) = open_totals(open);
    let mut line = vec![format!("{deals} deals, {amount}")];
    line.extend(
        open.iter()
            .filter(|t| t.deals > 0)
            .map(|t| format!("{} {} ({})", t.category.label(), t.amount, t.deals)),
    );
    let _ = writeln!(out, "\nOpen pipeline now: {}", line.join(" · "));
    let closed: Vec<String> = closed
        .iter()
        .map(|t| format!("{} {} ({})", t.outcome.key(), t.amount, t.deals))
        .collect();
    let _ = writeln!(out, "Closed: {}", closed.join(" · "));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::deal::DealId;
    use crate::domain::pipeline::{ForecastCategory, OutcomeKind};

    #[test]
    fn a_streamed_list_is_the_array_of_its_rows() {
        let row = |id: i64, amount: i64| DealSummary {
            id: DealId(id),
            name: "Acme \u{1b}ERP \"1\"".into(),
            account: "Acme".into(),
            amount: Some(crate::domain::Money::from_cents(amount)),
            close_date: chrono::NaiveDate::from_ymd_opt(2027, 3, 31),
            stage: "Qualification".into(),
            owner: "Dana".into(),
            sa: String::new(),
            steps_complete: 3,
            steps_blocked: 1,
            forecast: ForecastCategory::BestCase,
            verdict: Some(criteria::Verdict::Qualified),
            meddpicc_total: 17,
            meddpicc_max: 24,
            qa_passed: 4,
            qa_total: 7,
            escalations_open: 2,
            escalations_overdue: 1,
            risk_band: Some("high".into()),
            next_step_due: None,
            stalled: true,
            outcome: Some(OutcomeKind::Lost),
            snoozed_until: chrono::NaiveDate::from_ymd_opt(2027, 1, 4),
            warnings: vec![crate::domain::choices::WarningKind::NoNextStep],
        };
        let rows = [row(1, 30_000_000), row(2, 12_345)];
        let mut out = Vec::new();
        let mut array = JsonArray::new(&mut out);
        for r in &rows {
            write_summary_json(&mut array, r).unwrap();
        }
        array.finish().unwrap();
        let streamed: Value = serde_json::from_slice(&out).unwrap();
        let whole = Value::Array(rows.iter().map(summary_json).collect());
        assert_eq!(streamed, whole);

        let mut out = Vec::new();
        JsonArray::new(&mut out).finish().unwrap();
        assert_eq!(serde_json::from_slice::<Value>(&out).unwrap(), json!([]));
    }
}
