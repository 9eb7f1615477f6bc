//! The deal review as Markdown, for a forecast call.

use crate::clock::Clock;
use crate::domain::content::Choice;
use crate::domain::criteria::{self, risk_band, score_total, verdict};
use crate::domain::deal::Deal;
use crate::domain::escalation::Escalation;
use crate::domain::pipeline::forecast_category;
use crate::domain::playbook::{CaptureKind, Playbook};
use crate::domain::qa::{self, QaItem, QaState};
use crate::domain::review::{self, Reviewer, Standing};
use crate::domain::step::StepStatus;
use crate::domain::warnings;
use crate::text::clean;
use chrono::NaiveDate;
use std::fmt::Write;

/// The characters that mean something in the middle of a line of
/// Markdown (GitHub's flavour): emphasis, code, links, HTML and entities,
/// strikethrough, table cells, and the backslash itself.
const MARKDOWN_SPECIAL: &[char] = &['\\', '`', '*', '_', '[', ']', '<', '>', '&', '|', '~'];

/// Text made safe for one Markdown table cell (or the middle of a line of
/// prose): one line, each of Markdown's special characters escaped with a
/// backslash, so that every viewer shows the characters typed (`<script>`
/// as text, never run; `a > b` as it is, where an entity would print
/// `&gt;` in a plain viewer) and `|` cannot split the table.
fn cell(text: &str) -> String {
    let one_line = clean(text.trim()).replace('\u{FFFD}', " ");
    let mut t = String::with_capacity(one_line.len());
    for c in one_line.trim().chars() {
        if MARKDOWN_SPECIAL.contains(&c) {
            t.push('\\');
        }
        t.push(c);
    }
    if t.is_empty() { "—".into() } else { t }
}

fn date(d: Option<NaiveDate>) -> String {
    d.map_or("—".into(), |d| d.to_string())
}

fn table(out: &mut String, header: &[&str], rows: Vec<Vec<String>>) {
    if rows.is_empty() {
        let _ = writeln!(out, "None recorded.\n");
        return;
    }
    let _ = writeln!(out, "| {} |", header.join(" | "));
    let _ = writeln!(out, "|{}", "---|".repeat(header.len()));
    for row in rows {
        let _ = writeln!(out, "| {} |", row.join(" | "));
    }
    out.push('\n');
}

pub fn markdown(
    deal: &Deal,
    pb: &Playbook,
    qa: &[QaItem],
    escalations: &[Escalation],
    clock: &Clock,
) -> String {
    let c = &deal.content;
    let now = clock.now();
    let mut out = String::new();
    let money = |m: Option<crate::domain::Money>| m.map_or("—".into(), |m| m.to_string());
    let _ = writeln!(
        out,
        "# Deal review: {} ({})\n",
        cell(&deal.name),
        cell(&deal.account)
    );
    let _ = writeln!(
        out,
        "As of {}.\n",
        clock.local(now).format("%Y-%m-%d %H:%M")
    );
    let passed = qa.iter().filter(|i| i.state.passed()).count();
    let open = escalations.iter().filter(|e| !e.status.is_closed()).count();
    let overdue = escalations.iter().filter(|e| e.overdue).count();
    let facts = [
        ("Licence amount", money(deal.amount)),
        ("Implementation fee", money(deal.implementation_fee)),
        ("First-year value", money(deal.first_year_value())),
        ("Close date", date(deal.close_date)),
        ("Stage", cell(&deal.stage)),
        (
            "Forecast category",
            forecast_category(deal, pb, clock.now()).label().to_string(),
        ),
        (
            "AE / SA / manager",
            format!(
                "{} / {} / {}",
                cell(&deal.owner),
                cell(&deal.sa),
                cell(&deal.manager)
            ),
        ),
        ("Executive meeting", date(deal.trigger_date)),
        ("Steps complete", format!("{}/10", deal.steps_complete())),
        ("QA checklist", format!("{passed}/{} passing", qa.len())),
        ("Escalations", format!("{open} open, {overdue} overdue")),
    ];
    table(
        &mut out,
        &["Fact", "Value"],
        facts
            .into_iter()
            .map(|(k, v)| vec![k.to_string(), v])
            .collect(),
    );

    let _ = writeln!(out, "## Steps\n");
    let steps = deal
        .steps
        .iter()
        .map(|s| {
            let mut status = s.status.label().to_string();
            if s.status == StepStatus::Blocked {
                status = format!(
                    "blocked: {}",
                    cell(s.blocked_reason.as_deref().unwrap_or(""))
                );
            }
            if crate::domain::rushing::rushed(deal, s.number, pb).is_some() {
                status.push_str(" (rushed)");
            }
            let confirmed = if s.confirmed_with.trim().is_empty() {
                "—".to_string()
            } else {
                format!("{} {}", cell(&s.confirmed_with), date(s.confirmed_on))
            };
            vec![
                s.number.to_string(),
                cell(&pb.step(s.number).title),
                status,
                confirmed,
            ]
        })
        .collect();
    table(&mut out, &["#", "Step", "Status", "Confirmed with"], steps);

    let (total, max) = score_total(&c.meddpicc);
    let verdict =
        verdict(&c.meddpicc, pb).map_or("not yet (some elements unscored)", |v| v.label());
    let _ = writeln!(
        out,
        "## {} scorecard: {total}/{max}, {verdict}\n",
        c.meddpicc.framework.label()
    );
    let scores = c
        .meddpicc
        .framework
        .elements()
        .into_iter()
        .map(|e| match c.meddpicc.elements.get(&e) {
            Some(s) => {
                let word = pb
                    .meddpicc
                    .scale
                    .get(usize::from(s.score))
                    .map(|w| cell(w))
                    .unwrap_or_default();
                vec![
                    e.label().to_string(),
                    format!("{} {word}", s.score),
                    cell(&s.evidence),
                ]
            }
            None => vec![e.label().to_string(), "not scored".into(), "—".into()],
        })
        .collect();
    table(&mut out, &["Element", "Score", "Evidence"], scores);

    let _ = writeln!(out, "## Buying group\n");
    let people = c
        .stakeholders
        .iter()
        .map(|s| {
            vec![
                cell(&s.name),
                cell(&s.title),
                s.role.label().into(),
                s.stance.label().into(),
                s.influence.label().into(),
                date(s.last_engaged),
                date(s.confirmed_on),
            ]
        })
        .collect();
    table(
        &mut out,
        &[
            "Name",
            "Title",
            "Role",
            "Stance",
            "Influence",
            "Last engaged",
            "Confirmed",
        ],
        people,
    );

    let b = &c.budget;
    let _ = writeln!(out, "## Budget\n");
    let budget = vec![
        vec!["Amount".into(), money(b.amount)],
        vec!["Holder".into(), cell(&b.holder)],
        vec!["Source".into(), cell(&b.source)],
        vec!["Fiscal timing".into(), cell(&b.fiscal_timing)],
        vec![
            "Confirmed".into(),
            format!("{} by {}", date(b.confirmed_on), cell(&b.confirmed_by)),
        ],
    ];
    table(&mut out, &["Budget", "Value"], budget);

    let plan = &c.validation_plan;
    let _ = writeln!(out, "## Technical validation plan\n");
    let items = plan
        .items
        .iter()
        .map(|i| {
            vec![
                cell(&i.requirement),
                cell(&i.success_criterion),
                cell(&i.owner),
                date(i.due),
                i.status.label().into(),
            ]
        })
        .collect();
    table(
        &mut out,
        &["Requirement", "Success criterion", "Owner", "Due", "Status"],
        items,
    );
    let sign_off = match review::standing(deal, Reviewer::Sa) {
        Standing::Approved(d) => format!(
            "Approved by {} on {}.",
            cell(&d.by),
            d.at.format("%Y-%m-%d")
        ),
        Standing::OutOfDate(d, why) => format!(
            "Approved by {} on {}, now out of date: {}.",
            cell(&d.by),
            d.at.format("%Y-%m-%d"),
            cell(&why)
        ),
        Standing::SentBack(d) => format!(
            "Sent back by {} on {}: {}",
            cell(&d.by),
            d.at.format("%Y-%m-%d"),
            cell(&d.comment)
        ),
        Standing::Missing => "Waiting on the SA's sign-off.".into(),
    };
    let _ = writeln!(out, "SA sign-off: {sign_off}\n");

    let _ = writeln!(out, "## Competition\n");
    let rivals = c
        .competitors
        .iter()
        .map(|x| {
            vec![
                cell(&x.name),
                x.position.label().into(),
                x.threat.label().into(),
                cell(&x.strengths),
                cell(&x.weaknesses),
                cell(&x.differentiators),
            ]
        })
        .collect();
    table(
        &mut out,
        &[
            "Competitor",
            "Position",
            "Threat",
            "Strengths",
            "Weaknesses",
            "Our differentiators",
        ],
        rivals,
    );

    let _ = writeln!(out, "## Decision process and timeline\n");
    let _ = writeln!(
        out,
        "Compelling event: {}. Target close: {}.\n",
        cell(&c.timeline.compelling_event),
        date(deal.close_date)
    );
    let mut milestones: Vec<_> = c.decision_process.iter().collect();
    milestones.sort_by_key(|m| m.due);
    let plan_rows = milestones
        .into_iter()
        .map(|m| {
            vec![
                date(m.due),
                cell(&m.name),
                m.kind.label().into(),
                cell(&m.owner),
                if m.done { "done".into() } else { "open".into() },
            ]
        })
        .collect();
    table(
        &mut out,
        &["Due", "Milestone", "Kind", "Owner", "Status"],
        plan_rows,
    );

    let band =
        criteria::overall_risk_band(c, pb).map_or("none".to_string(), |b| b.label().to_string());
    let _ = writeln!(out, "## Risk register (deal band: {band})\n");
    let risks = c
        .risks
        .iter()
        .map(|r| {
            vec![
                cell(&r.description),
                r.category.label().into(),
                format!("{}×{} = {}", r.likelihood, r.impact, r.score()),
                risk_band(r, pb).label().into(),
                cell(&r.mitigation),
                cell(&r.owner),
            ]
        })
        .collect();
    table(
        &mut out,
        &["Risk", "Category", "Score", "Band", "Mitigation", "Owner"],
        risks,
    );

    let _ = writeln!(out, "## Next steps\n");
    let next = c
        .next_steps
        .iter()
        .map(|n| {
            vec![
                cell(&n.action),
                cell(&n.owner),
                date(n.due),
                n.set_on.to_string(),
                if n.done { "done".into() } else { "open".into() },
            ]
        })
        .collect();
    table(
        &mut out,
        &["Action", "Owner", "Due", "Set on", "Status"],
        next,
    );

    let found = warnings::warnings(deal, pb, now);
    let _ = writeln!(out, "## Warnings ({})\n", found.len());
    let rows = found
        .iter()
        .map(|w| {
            vec![
                w.kind.label().to_string(),
                w.severity.key().to_string(),
                w.step.to_string(),
                cell(&w.why),
            ]
        })
        .collect();
    table(&mut out, &["Warning", "Severity", "Step", "Why"], rows);

    let _ = writeln!(out, "## QA checklist\n");
    let items = qa
        .iter()
        .map(|i| {
            let state = match i.state {
                QaState::Pass => "pass",
                QaState::Fail => "FAIL",
                QaState::NotApplicable => "n/a",
            };
            vec![cell(&i.title), state.into(), cell(&i.why)]
        })
        .collect();
    table(&mut out, &["Item", "State", "Why"], items);

    let _ = writeln!(out, "## Escalations\n");
    let rows = escalations
        .iter()
        .map(|e| {
            let status = if e.overdue {
                format!("{}, OVERDUE", e.status.as_str())
            } else {
                e.status.as_str().to_string()
            };
            vec![
                e.id.to_string(),
                cell(&e.scenario),
                if e.to.is_empty() {
                    format!(
                        "{} (authority {})",
                        cell(&e.escalate_to),
                        cell(&e.authority)
                    )
                } else {
                    format!(
                        "{} ({}; authority {})",
                        cell(&e.to),
                        cell(&e.escalate_to),
                        cell(&e.authority)
                    )
                },
                clock
                    .local(e.raised_at)
                    .format("%Y-%m-%d %H:%M")
                    .to_string(),
                clock.local(e.due_at).format("%Y-%m-%d %H:%M").to_string(),
                status,
                cell(&e.why),
            ]
        })
        .collect();
    table(
        &mut out,
        &[
            "Id",
            "Scenario",
            "Escalated to",
            "Raised",
            "Due",
            "Status",
            "Why",
        ],
        rows,
    );

    let h = &c.handoff;
    if qa::handoff_due(deal) {
        let _ = writeln!(out, "## Handoff to implementation\n");
        let criteria: Vec<String> = plan
            .items
            .iter()
            .map(|i| cell(&i.success_criterion))
            .filter(|s| s != "—")
            .collect();
        let rows = vec![
            vec![
                "Implementation contacts".into(),
                cell(&h.implementation_contacts),
            ],
            vec!["Scope".into(), cell(&h.scope)],
            vec![
                format!(
                    "Success criteria (step {})",
                    pb.step_capturing(CaptureKind::ValidationPlan).number
                ),
                if criteria.is_empty() {
                    "—".into()
                } else {
                    criteria.join("; ")
                },
            ],
            vec!["Commitments made".into(), cell(&h.commitments)],
            vec!["Open risks".into(), cell(&h.open_risks)],
        ];
        table(&mut out, &["Handoff", "Value"], rows);
    }
    out
}
