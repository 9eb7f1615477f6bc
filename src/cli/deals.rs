//! The deal commands: `deal add|set|list|outcome|snooze|unsnooze|show` and
//! `step`. Each parses, calls one use case or read of ops, and prints its
//! line, table or JSON.

use super::args::{DealCommand, QueueArg, SetArgs, StepCommand};
use super::print;
use crate::config::Failure;
use crate::domain::audit::field_label;
use crate::domain::choices::Choice as _;
use crate::domain::deal::DealId;
use crate::domain::pipeline::{self, Outcome, OutcomeKind};
use crate::domain::step::StepNumber;
use crate::ops::ListQuery;
use crate::ops::{self, Session, views};
use crate::text::clean;
use std::io::Write;

/// Run a deal command (not `export` or `import`: see [`super::interop`]);
/// the exit status.
pub fn run(command: &DealCommand, s: &mut Session, out: &mut impl Write) -> Result<u8, Failure> {
    let written = match command {
        DealCommand::Add(args) => {
            let id = ops::add_deal(s, args.new_deal())?;
            writeln!(out, "{id}")
        }
        DealCommand::Set(args) => return set(args, s, out),
        DealCommand::List {
            json,
            all,
            queue,
            mine,
            category,
            owner,
            sa,
            verdict,
            filter,
            stalled,
            overdue,
            warning,
            sort,
            reverse,
        } => {
            let query = ListQuery {
                open_only: !*all,
                queue: queue.map(QueueArg::queue).unwrap_or_default(),
                mine: mine.then(|| s.user.clone()),
                category: *category,
                owner: owner.clone(),
                sa: sa.clone(),
                verdict: *verdict,
                filter: filter.clone().unwrap_or_default(),
                stalled: *stalled,
                overdue: *overdue,
                warning: *warning,
                sort: sort.unwrap_or_default(),
                reverse: *reverse,
                ..s.list_query()
            };
            if *json {
                // row by row to the output: nothing of the list is held
                let mut array = print::JsonArray::new(&mut *out);
                views::each_list_row(s, &query, |d| {
                    print::write_summary_json(&mut array, &d).map_err(print::write_failure)
                })?;
                array.finish()
            } else {
                let deals = views::list_rows(s, &query)?;
                let totals = views::list_totals(s, &query)?;
                let table = print::summary_table(&deals, &totals, query.open_only);
                write!(out, "{table}")
            }
        }
        DealCommand::Outcome {
            id,
            outcome,
            reason,
            lost_to,
            on,
        } => {
            let kind = outcome.kind();
            let on = on.unwrap_or_else(|| s.clock.today());
            let outcome = kind.map(|kind| Outcome {
                kind,
                on,
                reason: reason.clone(),
                lost_to: lost_to.clone(),
            });
            let deal = ops::set_outcome(s, *id, None, outcome)?;
            let now = s.clock.now();
            let category = pipeline::forecast_category(&deal, &s.playbook, now);
            writeln!(
                out,
                "deal {id}: {} · forecast {}",
                kind.map_or("open again", OutcomeKind::key),
                category.label()
            )
        }
        DealCommand::Snooze {
            id,
            until,
            reason,
            warning: Some(kind),
        } => {
            ops::snooze_warning(s, *id, None, *kind, *until, reason)?;
            writeln!(
                out,
                "deal {id}: {} warning silenced until {until}",
                kind.key()
            )
        }
        DealCommand::Snooze {
            id, until, reason, ..
        } => {
            ops::snooze(s, *id, *until, reason)?;
            writeln!(out, "deal {id}: not flagged as stalled until {until}")
        }
        DealCommand::Unsnooze {
            id,
            warning: Some(kind),
        } => {
            ops::unsnooze_warning(s, *id, None, *kind)?;
            writeln!(out, "deal {id}: {} warning snooze lifted", kind.key())
        }
        DealCommand::Unsnooze { id, warning: None } => {
            ops::unsnooze(s, *id, None)?;
            writeln!(out, "deal {id}: snooze lifted")
        }
        DealCommand::Show { id, json, on } => {
            // the deal as it stood is shown by the same path as today's
            let (deal, view) = match on {
                Some(day) => super::past::deal_on(*id, *day, s)?,
                None => {
                    let deal = views::deal(s, *id)?;
                    let view = views::deal_at_now(s, &deal);
                    (deal, view)
                }
            };
            let (playbook, now) = (&s.playbook, view.now);
            let (items, escalations) = (&view.qa, &view.escalations);
            if *json {
                let doc = print::deal_json(&deal, playbook, items, escalations, now);
                writeln!(out, "{}", serde_json::to_string_pretty(&doc).expect("JSON"))
            } else {
                if let Some(day) = on {
                    writeln!(
                        out,
                        "As it stood at the end of {day}, rebuilt from its history"
                    )
                    .map_err(print::write_failure)?;
                }
                write!(
                    out,
                    "{}",
                    print::deal_text(&deal, playbook, items, escalations, now)
                )
            }
        }
        DealCommand::Trend { id, json } => return super::past::trend(*id, *json, s, out),
        DealCommand::Export { .. } | DealCommand::Import { .. } => {
            unreachable!("export and import are run by the interop room")
        }
    };
    written.map_err(print::write_failure)?;
    Ok(0)
}

/// `deal set ID --FIELD VALUE …`: change the fields given; one line saying
/// what changed, from what to what.
fn set(args: &SetArgs, s: &mut Session, out: &mut impl Write) -> Result<u8, Failure> {
    let edit = args.edit();
    if edit.is_empty() {
        return Err(Failure::usage(
            "deal set: nothing to change: give one or more of --name, --account, --amount, \
             --implementation-fee, --support-rate, --close-date, --stage, --owner, --sa, \
             --manager, --trigger-date (qualify deal set --help describes them)",
        ));
    }
    let (deal, changed) = ops::set_deal_fields(s, args.id, args.expect_version, &edit)?;
    let id = deal.id;
    let written = if changed.is_empty() {
        writeln!(
            out,
            "deal {id}: nothing changed (each value given is the deal's already)"
        )
    } else {
        let said = |text: &str| match text {
            "" => "(none)".to_string(),
            text => clean(text),
        };
        let changes: Vec<String> = changed
            .iter()
            .map(|c| {
                format!(
                    "{} {} → {}",
                    field_label(c.field.key(), &s.playbook),
                    said(&c.before),
                    said(&c.after)
                )
            })
            .collect();
        writeln!(
            out,
            "deal {id}: {} · version {}",
            changes.join(" · "),
            deal.version
        )
    };
    written.map_err(print::write_failure)?;
    Ok(0)
}

/// `step ID N CHANGE`: move or edit one step; warnings go to stderr.
pub fn step(
    id: DealId,
    number: StepNumber,
    change: &StepCommand,
    s: &mut Session,
    out: &mut impl Write,
) -> Result<u8, Failure> {
    let change = change.change(&s.playbook, &s.clock)?;
    let (deal, outcome) = ops::change_step(s, id, None, number, &change)?;
    for warning in &outcome.warnings {
        eprintln!("qualify: warning: {}", clean(warning));
    }
    let step = deal.step(number).expect("the changed step exists");
    writeln!(
        out,
        "deal {} step {} ({}): {}",
        deal.id,
        number,
        clean(&s.playbook.step(number).title),
        step.status.label()
    )
    .map_err(print::write_failure)?;
    Ok(0)
}
