//! The commands a manager or SA uses on a deal: the QA check, escalations,
//! reviews, the history and the deal report.

use super::print::CheckJson;
use super::{Command, EscalationCommand, Failure, report};
use crate::domain::audit;
use crate::domain::deal::{Deal, DealId};
use crate::domain::escalation::{self, Escalation, EscalationId};
use crate::domain::playbook::EscalationRule;
use crate::domain::qa::{self, QaItem, QaState};
use crate::domain::review::Reviewer;
use crate::domain::step::RuleError;
use crate::ops::{self, Session};
use crate::store::StoreError;
use crate::text::clean;
use clap::ValueEnum;
use serde_json::{Value, json};
use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ScenarioArg {
    Customer,
    LegalSecurity,
    Pricing,
}

impl ScenarioArg {
    fn rule(self) -> EscalationRule {
        match self {
            ScenarioArg::Customer => EscalationRule::Customer,
            ScenarioArg::LegalSecurity => EscalationRule::LegalSecurity,
            ScenarioArg::Pricing => EscalationRule::Pricing,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ReviewerArg {
    Manager,
    Sa,
}

/// Run one of the oversight commands: what to print, and the exit status.
pub fn run(command: &Command, env: &mut Session) -> Result<(String, u8), Failure> {
    let line = |text: String| Ok((text + "\n", 0));
    match command {
        Command::Check { id, json } => {
            let (text, ok) = check(*id, *json, env)?;
            Ok((text, u8::from(!ok)))
        }
        Command::Escalate {
            id,
            scenario,
            reason,
        } => line(escalate(*id, *scenario, reason, env)?),
        Command::Escalation(EscalationCommand::Ack { id, note }) => {
            line(act_on(*id, false, note, env)?)
        }
        Command::Escalation(EscalationCommand::Resolve { id, note }) => {
            line(act_on(*id, true, note, env)?)
        }
        Command::Review {
            id,
            role,
            approve,
            send_back: _,
            comment,
        } => line(record_review(*id, *role, *approve, comment, env)?),
        Command::History { id, json } => Ok((history(*id, *json, env)?, 0)),
        Command::Report { id, out } => Ok((
            write_report(*id, out.as_deref(), env)?.unwrap_or_default(),
            0,
        )),
        _ => unreachable!("only oversight commands are run here"),
    }
}

/// The QA items and open escalations of a deal at the clock's now.
fn state(deal: &Deal, env: &Session) -> (Vec<QaItem>, Vec<Escalation>) {
    let now = env.clock.now();
    (
        qa::checklist(deal, &env.playbook, now),
        escalation::open(deal, &env.playbook, now),
    )
}

fn healthy(qa: &[QaItem], escalations: &[Escalation]) -> bool {
    qa.iter().all(|i| i.state.passed()) && !escalations.iter().any(|e| e.overdue)
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
pub fn check_all(json: bool, env: &Session, out: &mut impl Write) -> Result<u8, Failure> {
    let mut ok = true;
    let write_failure =
        |e: std::io::Error| Failure::refused(format!("cannot write the output: {e}"));
    if json {
        let mut array = super::print::JsonArray::new(&mut *out);
        env.store.each_open_deal(|deal| {
            let (qa, escalations) = state(deal, env);
            ok &= healthy(&qa, &escalations);
            array
                .push(&CheckJson::new(deal, &qa, &escalations))
                .map_err(write_failure)
        })?;
        array.finish().map_err(write_failure)?;
    } else {
        let mut line = String::new();
        env.store.each_open_deal(|deal| {
            let (qa, escalations) = state(deal, env);
            ok &= healthy(&qa, &escalations);
            line.clear();
            let passed = qa.iter().filter(|i| i.state.passed()).count();
            let overdue = escalations.iter().filter(|e| e.overdue).count();
            let _ = writeln!(
                line,
                "{:>5}  {} QA {passed}/{}  escalations {} ({overdue} overdue)",
                deal.id.0,
                crate::text::fit(&clean(&deal.name), 32),
                qa.len(),
                escalations.len()
            );
            out.write_all(line.as_bytes()).map_err(write_failure)
        })?;
    }
    Ok(u8::from(!ok))
}

/// `check [ID]`: the text or JSON, and whether everything holds.
pub fn check(id: Option<DealId>, json: bool, env: &Session) -> Result<(String, bool), Failure> {
    let deals: Vec<Deal> = match id {
        Some(id) => vec![env.store.deal(id)?],
        None => {
            let mut all = Vec::new();
            env.store.each_open_deal(|deal| {
                all.push(deal.clone());
                Ok::<_, StoreError>(())
            })?;
            all
        }
    };
    let now = env.clock.now();
    let mut ok = true;
    let mut docs = Vec::new();
    let mut text = String::new();
    for deal in &deals {
        let (qa, escalations) = state(deal, env);
        ok &= healthy(&qa, &escalations);
        if json {
            docs.push(
                serde_json::to_value(CheckJson::new(deal, &qa, &escalations))
                    .expect("a check serialises"),
            );
        } else if id.is_some() {
            let _ = writeln!(text, "Deal {}: {}", deal.id, clean(&deal.name));
            for item in &qa {
                let _ = writeln!(
                    text,
                    "  {} {}: {}",
                    qa_mark(item.state),
                    item.title,
                    clean(&item.why)
                );
            }
            if escalations.is_empty() {
                let _ = writeln!(text, "  no open escalations");
            }
            for e in &escalations {
                let _ = writeln!(
                    text,
                    "  {} {} -> {} ({}), {}, {}: {}",
                    e.id,
                    e.scenario,
                    e.escalate_to,
                    e.authority,
                    e.status.as_str(),
                    e.timer(now),
                    clean(&e.why)
                );
            }
        } else {
            let passed = qa.iter().filter(|i| i.state.passed()).count();
            let overdue = escalations.iter().filter(|e| e.overdue).count();
            let _ = writeln!(
                text,
                "{:>5}  {} QA {passed}/{}  escalations {} ({overdue} overdue)",
                deal.id.0,
                crate::text::fit(&clean(&deal.name), 32),
                qa.len(),
                escalations.len()
            );
        }
    }
    if json {
        let value = if id.is_some() {
            docs.pop().unwrap_or(Value::Null)
        } else {
            Value::Array(docs)
        };
        text = serde_json::to_string_pretty(&value).expect("JSON") + "\n";
    }
    Ok((text, ok))
}

pub fn escalate(
    id: DealId,
    scenario: ScenarioArg,
    reason: &str,
    env: &mut Session,
) -> Result<String, Failure> {
    let (_, raised) = ops::raise_escalation(env, id, None, scenario.rule(), reason)?;
    Ok(raised)
}

pub fn act_on(
    id: EscalationId,
    resolve: bool,
    note: &str,
    env: &mut Session,
) -> Result<String, Failure> {
    ops::act_on_escalation(env, id, resolve, note, None).map_err(|e| match e {
        StoreError::Rule(RuleError::UnknownEscalation(_)) => Failure::usage(format!(
            "no escalation {id} (`qualify check ID` lists them)"
        )),
        other => other.into(),
    })?;
    Ok(format!(
        "{id} {}",
        if resolve { "resolved" } else { "acknowledged" }
    ))
}

pub fn record_review(
    id: DealId,
    role: ReviewerArg,
    approved: bool,
    comment: &str,
    env: &mut Session,
) -> Result<String, Failure> {
    let reviewer = match role {
        ReviewerArg::Manager => Reviewer::Manager,
        ReviewerArg::Sa => Reviewer::Sa,
    };
    let (_, said) = ops::record_review(env, id, None, reviewer, approved, comment)?;
    let verdict = if approved { "approved" } else { "sent back" };
    Ok(match said {
        Some(more) => format!("deal {id}: {verdict}; {more}"),
        None => format!("deal {id}: {verdict}"),
    })
}

pub fn history(id: DealId, json: bool, env: &Session) -> Result<String, Failure> {
    let entries = env.store.history(id)?;
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
    super::print::truncate(&clean(value), 60)
}

pub fn write_report(
    id: DealId,
    out: Option<&Path>,
    env: &Session,
) -> Result<Option<String>, Failure> {
    let deal = env.store.deal(id)?;
    let (qa, _) = state(&deal, env);
    let all = escalation::all(&deal, &env.playbook, env.clock.now());
    let text = report::markdown(&deal, &env.playbook, &qa, &all, &env.clock);
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
    crate::store::files::write_private(path, text.as_bytes())
}
