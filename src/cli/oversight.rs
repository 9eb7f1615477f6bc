//! The commands a manager or SA uses on a deal: the QA check, escalations,
//! reviews, the history and the deal report.

use super::args::{Command, EscalationCommand, ReviewerArg, ScenarioArg};
use super::print::{self, CheckJson, write_failure};
use super::report;
use crate::config::Failure;
use crate::domain::audit;
use crate::domain::deal::DealId;
use crate::domain::escalation::{self, EscalationId};
use crate::domain::qa::QaState;
use crate::domain::step::RuleError;
use crate::ops::StoreError;
use crate::ops::views::{self, DealAtNow};
use crate::ops::{self, Session};
use crate::text::clean;
use serde_json::{Value, json};
use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

/// Run one of the oversight commands, writing what it prints to `out`; the
/// exit status (1 from `check` when something fails).
pub fn run(command: &Command, env: &mut Session, out: &mut impl Write) -> Result<u8, Failure> {
    if let Command::Check { id: None, json } = command {
        return check_all(*json, env, out);
    }
    let line = |text: String| (text + "\n", 0);
    let (text, status) = match command {
        Command::Check { id: Some(id), json } => {
            let (text, ok) = check(*id, *json, env)?;
            (text, u8::from(!ok))
        }
        Command::Escalate {
            id,
            scenario,
            reason,
            to,
        } => line(escalate(*id, *scenario, reason, to, env)?),
        Command::Escalation(EscalationCommand::Ack { id, note }) => {
            line(act_on(*id, false, note, env)?)
        }
        Command::Escalation(EscalationCommand::Resolve { id, note }) => {
            line(act_on(*id, true, note, env)?)
        }
        Command::Escalation(EscalationCommand::Withdraw { id, reason }) => {
            line(withdraw(*id, reason, env)?)
        }
        Command::Review {
            id,
            role,
            approve,
            send_back: _,
            comment,
        } => line(record_review(*id, *role, *approve, comment, env)?),
        Command::History { id, json } => (history(*id, *json, env)?, 0),
        Command::Report { id, out, force } => (
            write_report(*id, out.as_deref(), *force, env)?.unwrap_or_default(),
            0,
        ),
        _ => unreachable!("only oversight commands are run here"),
    };
    write!(out, "{text}").map_err(write_failure)?;
    Ok(status)
}

fn qa_mark(state: QaState) -> &'static str {
    match state {
        QaState::Pass => "[x]",
        QaState::NotApplicable => "[-]",
        QaState::Fail => "[ ]",
    }
}

/// `check` without an id: a line (or a JSON element) per open deal, in id
/// order, written as each deal is read, so that nothing but the deal at hand
/// is held. The exit status: 1 when any deal fails.
fn check_all(json: bool, env: &Session, out: &mut impl Write) -> Result<u8, Failure> {
    let mut ok = true;
    if json {
        let mut array = print::JsonArray::new(&mut *out);
        views::each_open_deal_at_now(env, |deal, view| {
            ok &= view.healthy();
            array
                .push(&CheckJson::new(
                    deal,
                    &view.qa,
                    &view.escalations,
                    &view.warnings,
                ))
                .map_err(write_failure)
        })?;
        array.finish().map_err(write_failure)?;
    } else {
        let mut line = String::new();
        views::each_open_deal_at_now(env, |deal, view| {
            ok &= view.healthy();
            line.clear();
            summary_line(&mut line, deal.id, &deal.name, &view);
            out.write_all(line.as_bytes()).map_err(write_failure)
        })?;
    }
    Ok(u8::from(!ok))
}

/// A deal's line in `check` without an id: its QA passed and its open and
/// overdue escalations.
fn summary_line(line: &mut String, id: DealId, name: &str, view: &DealAtNow) {
    let _ = writeln!(
        line,
        "{:>5}  {} QA {}/{}  escalations {} ({} overdue)  warnings {}",
        id.0,
        crate::text::fit(&clean(name), 32),
        view.qa_passed(),
        view.qa.len(),
        view.escalations.len(),
        view.overdue(),
        view.warnings.len()
    );
}

/// `check ID`: the text or JSON, and whether everything holds.
fn check(id: DealId, json: bool, env: &Session) -> Result<(String, bool), Failure> {
    let deal = views::deal(env, id)?;
    let view = views::deal_at_now(env, &deal);
    let ok = view.healthy();
    if json {
        let check = CheckJson::new(&deal, &view.qa, &view.escalations, &view.warnings);
        let value = serde_json::to_value(check).expect("a check serialises");
        return Ok((
            serde_json::to_string_pretty(&value).expect("JSON") + "\n",
            ok,
        ));
    }
    let mut text = String::new();
    let _ = writeln!(text, "Deal {}: {}", deal.id, clean(&deal.name));
    for item in &view.qa {
        let _ = writeln!(
            text,
            "  {} {}: {}",
            qa_mark(item.state),
            item.title,
            clean(&item.why)
        );
    }
    if view.escalations.is_empty() {
        let _ = writeln!(text, "  no open escalations");
    }
    for e in &view.escalations {
        let _ = writeln!(
            text,
            "  {} {} -> {} ({}), {}, {}, {}: {}",
            e.id,
            e.scenario,
            e.escalate_to,
            e.authority,
            routed(&e.to),
            e.status.as_str(),
            e.timer(view.now),
            clean(&e.why)
        );
    }
    super::warn::check_lines(&mut text, &view.warnings);
    Ok((text, ok))
}

fn escalate(
    id: DealId,
    scenario: ScenarioArg,
    reason: &str,
    to: &str,
    env: &mut Session,
) -> Result<String, Failure> {
    let (_, raised) = ops::raise_escalation(env, id, None, scenario.rule(), reason, to)?;
    Ok(raised)
}

/// An unknown escalation id is bad input (exit 2).
fn unknown(id: EscalationId) -> impl Fn(StoreError) -> Failure {
    move |e| match e {
        StoreError::Rule(RuleError::UnknownEscalation(_)) => Failure::usage(format!(
            "no escalation {id} (`qualify check ID` lists them)"
        )),
        other => other.into(),
    }
}

fn act_on(
    id: EscalationId,
    resolve: bool,
    note: &str,
    env: &mut Session,
) -> Result<String, Failure> {
    ops::act_on_escalation(env, id, resolve, note, None).map_err(unknown(id))?;
    Ok(format!(
        "{id} {}",
        if resolve { "resolved" } else { "acknowledged" }
    ))
}

fn withdraw(id: EscalationId, reason: &str, env: &mut Session) -> Result<String, Failure> {
    ops::withdraw_escalation(env, id, reason, None).map_err(unknown(id))?;
    Ok(format!("{id} withdrawn"))
}

/// "routed to Morgan Lee" (or to nobody, when the deal has no manager).
fn routed(to: &str) -> String {
    if to.is_empty() {
        "routed to nobody (no manager)".into()
    } else {
        format!("routed to {}", clean(to))
    }
}

fn record_review(
    id: DealId,
    role: ReviewerArg,
    approved: bool,
    comment: &str,
    env: &mut Session,
) -> Result<String, Failure> {
    let (_, said) = ops::record_review(env, id, None, role.reviewer(), approved, comment)?;
    let verdict = if approved { "approved" } else { "sent back" };
    Ok(match said {
        Some(more) => format!("deal {id}: {verdict}; {more}"),
        None => format!("deal {id}: {verdict}"),
    })
}

fn history(id: DealId, json: bool, env: &Session) -> Result<String, Failure> {
    let entries = views::history(env, id)?;
    if json {
        let rows: Vec<Value> = entries
            .iter()
            .map(|e| {
                json!({
                    "at": e.at.to_rfc3339(),
                    "who": e.who,
                    "field": e.field,
                    "label": audit::field_label(&e.field, &env.playbook),
                    "before": e.before,
                    "after": e.after,
                })
            })
            .collect();
        return Ok(serde_json::to_string_pretty(&rows).expect("JSON") + "\n");
    }
    let mut text = String::new();
    for e in &entries {
        let at = env.clock.local(e.at).format("%Y-%m-%d %H:%M");
        let words = audit::entry_words(e, &env.playbook, |at| env.clock.local(at));
        let _ = writeln!(
            text,
            "{at}  {} {}: {} -> {}",
            crate::text::fit(&clean(&e.who), 12),
            words.field,
            shown(&words.before),
            shown(&words.after)
        );
    }
    Ok(text)
}

fn shown(value: &str) -> String {
    print::truncate(&clean(value), 60)
}

fn write_report(
    id: DealId,
    out: Option<&Path>,
    force: bool,
    env: &Session,
) -> Result<Option<String>, Failure> {
    let deal = views::deal(env, id)?;
    if let Some(path) = out {
        crate::ops::transfer::check_replace(path, force)?;
    }
    let view = views::deal_at_now(env, &deal);
    let all = escalation::all(&deal, &env.playbook, view.now);
    let text = report::markdown(&deal, &env.playbook, &view.qa, &all, &env.clock);
    match out {
        None => Ok(Some(text)),
        Some(path) => {
            write_private(path, &text)
                .map_err(|e| Failure::usage(format!("cannot write {}: {e}", path.display())))?;
            Ok(None)
        }
    }
}

/// Write a file readable by its owner only: a report holds customer data.
/// Written to a temporary file beside it and renamed, so a symlink at `path`
/// is replaced, never written through.
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    crate::files::write_private(path, text.as_bytes())
}
