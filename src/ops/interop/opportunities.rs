//! Salesforce opportunities in: each record updates the deal imported from
//! it (or, from qualify's own export, that deal, under the version check),
//! else creates one, unless a deal like it (name, account, close date) is
//! there and new ones were not asked for.

use super::records::{Kind, Lines, Shape, csv_reader, each_record, header};
use super::tally::{Event, ImportError, ImportOptions, Tally};
use crate::domain::deal::Deal;
use crate::domain::salesforce::{OppLayout, Opportunity};
use crate::ops::Session;
use crate::store::{Batch, StoreError};
use std::io::Read;

/// Import a Salesforce opportunity export (either header style). Deals are
/// matched by the opportunity's Id, else by qualify's own id; a new one is
/// created, a known one has its Salesforce-owned fields brought up to date.
/// With `dry_run` nothing is written.
pub fn import_salesforce(
    s: &mut Session,
    input: impl Read,
    options: ImportOptions,
    on: &mut dyn FnMut(&Event),
) -> Result<Tally, ImportError> {
    import_salesforce_counted(s, input, options, on, &mut |_| {})
}

/// What every record of one opportunity import works with.
struct Context<'a> {
    playbook: &'a crate::domain::playbook::Playbook,
    now: chrono::DateTime<chrono::Utc>,
    today: chrono::NaiveDate,
    options: ImportOptions,
}

/// Where a record is in the file: its number (from 1) and first line.
#[derive(Clone, Copy)]
struct At {
    record: u64,
    line: u64,
}

/// The error that rolls a refused import back (never shown: the tally says
/// why).
fn refusal() -> StoreError {
    StoreError::Invalid(Vec::new())
}

/// [`import_salesforce`], telling `progress` how many records it has read.
pub fn import_salesforce_counted(
    s: &mut Session,
    input: impl Read,
    options: ImportOptions,
    on: &mut dyn FnMut(&Event),
    progress: &mut dyn FnMut(u64),
) -> Result<Tally, ImportError> {
    use crate::domain::salesforce::OppColumn;
    let lines = Lines::default();
    let mut reader = csv_reader(&lines, input)?;
    let headers = header(&mut reader)?;
    let layout = OppLayout::of(&headers).map_err(ImportError::Unreadable)?;
    let mut tally = Tally {
        ignored_columns: layout.ignored.clone(),
        no_ids: !layout.has(OppColumn::Id) && !layout.has(OppColumn::QualifyId),
        ..Tally::default()
    };
    let kind = |i: usize| match layout.column_at(i) {
        Some(OppColumn::NextStep | OppColumn::LossReason) => Kind::Lines,
        Some(_) => Kind::Line,
        None => Kind::Ignored,
    };
    let label = |cells: &[String]| unread_label(&layout, cells);
    let shape = Shape {
        headers: &headers,
        kind: &kind,
        label: &label,
        strict: options.strict,
    };
    let mut stop = None;
    let mut counts = Tally::default();
    let Session {
        store,
        playbook,
        clock,
        ..
    } = s;
    let cx = Context {
        playbook,
        now: clock.now(),
        today: clock.today(),
        options,
    };
    let written = store.batch(!options.dry_run, cx.now, |b| {
        each_record(
            &mut reader,
            &lines,
            &shape,
            &mut counts,
            &mut stop,
            progress,
            |record, line, cells| {
                let at = At { record, line };
                let cells = match cells {
                    Ok(cells) => cells,
                    Err(bad) => {
                        skip(at, bad.label, bad.reason, on, &mut tally);
                        return Ok(());
                    }
                };
                match Opportunity::read(&layout, &cells) {
                    Ok(op) => opportunity(b, &op, at, &cx, on, &mut tally),
                    Err(e) => {
                        let label = unread_label(&layout, &cells);
                        skip(at, label, e.to_string(), on, &mut tally);
                        Ok(())
                    }
                }
            },
        )?;
        if tally.refused() && !options.dry_run {
            return Err(refusal());
        }
        Ok(())
    });
    tally.records = counts.records;
    tally.not_records = counts.not_records;
    if let Some(why) = stop {
        return Err(ImportError::Unreadable(why));
    }
    match written {
        Err(StoreError::Invalid(e)) if e.is_empty() && tally.refused() => {
            Err(ImportError::Refused(tally))
        }
        Err(e) => Err(e.into()),
        Ok(()) => Ok(tally),
    }
}

/// A record not imported, told and counted.
fn skip(at: At, label: String, reason: String, on: &mut dyn FnMut(&Event), tally: &mut Tally) {
    on(&Event::Skipped {
        record: at.record,
        line: at.line,
        label,
        reason,
    });
    tally.skipped += 1;
}

/// A record that cannot be read, named by its Id, else its name, when the
/// file has them.
fn unread_label(layout: &OppLayout, cells: &[String]) -> String {
    use crate::domain::salesforce::OppColumn;
    [OppColumn::Id, OppColumn::Name]
        .iter()
        .find_map(|c| {
            layout
                .cell(cells, *c)
                .filter(|v| !v.trim().is_empty())
                .map(|v| (c, v))
        })
        .map(|(c, v)| {
            let v = crate::text::clean(crate::text::head(v.trim(), 60));
            if *c == OppColumn::Id {
                format!("Id {v}")
            } else {
                format!("{v:?}")
            }
        })
        .unwrap_or_default()
}

/// What an update found besides the fields it changed.
#[derive(Default)]
struct Found {
    /// The deal is tied to another opportunity (its Id).
    other_opportunity: Option<String>,
    /// The deal as changed would not validate (why).
    invalid: Option<String>,
    /// The record's version, and the deal's, when the deal changed since.
    stale: Option<(i64, i64, String)>,
    fields: Vec<&'static str>,
}

/// One readable opportunity: the deal it updates (by its Salesforce Id,
/// else qualify's id), or the deal it creates.
fn opportunity(
    b: &mut dyn Batch,
    op: &Opportunity,
    at: At,
    cx: &Context<'_>,
    on: &mut dyn FnMut(&Event),
    tally: &mut Tally,
) -> Result<(), StoreError> {
    let by_id = if op.id.is_empty() {
        None
    } else {
        b.find_salesforce(&op.id)?
    };
    let Some(id) = by_id.or(op.qualify_id) else {
        return create(b, op, at, cx, on, tally);
    };
    // the record is qualify's row of this very deal: what it says the same
    // as qualify's export would now is no change, and its version is checked
    // (a row found by its Salesforce Id only when it carries one)
    let ours = op.qualify_id == Some(id);
    let check_version = ours && (by_id.is_none() || op.qualify_version.is_some());
    let mut found = Found::default();
    let saved = b.update(id, |deal| {
        let other = deal.content.salesforce.as_ref().map(|r| r.id.as_str());
        if by_id.is_none() && !op.id.is_empty() && other.is_some_and(|o| !o.is_empty()) {
            found.other_opportunity = other.map(str::to_string);
            return Ok(());
        }
        let before = deal.clone();
        let baseline = ours.then(|| Opportunity::of_deal(deal, cx.playbook, cx.now));
        op.apply(deal, baseline.as_ref(), cx.today);
        if let Some(why) = invalid(deal).or_else(|| owner_signs(&before, deal)) {
            found.invalid = Some(why);
            *deal = before;
            return Ok(());
        }
        let exported = op.qualify_version.unwrap_or(0);
        if check_version && *deal != before && exported != before.version {
            found.stale = Some((exported, before.version, before.name.clone()));
            if !cx.options.force {
                *deal = before;
                return Ok(());
            }
        }
        found.fields = changed_fields(&before, deal);
        Ok(())
    });
    let saved = match saved {
        // qualify's id of a deal this database does not have: a new deal
        Err(StoreError::NotFound(missing)) if missing == id && by_id.is_none() => {
            return create(b, op, at, cx, on, tally);
        }
        other => other?,
    };
    if let Some(other) = found.other_opportunity {
        let reason = format!(
            "Qualify_Id__c {id} is a deal imported from opportunity {}, not {}",
            crate::text::clean(&other),
            crate::text::clean(&op.id)
        );
        skip(at, op.label(), reason, on, tally);
        return Ok(());
    }
    if let Some(why) = found.invalid {
        skip(at, op.label(), why, on, tally);
        return Ok(());
    }
    if let Some((exported, version, name)) = found.stale {
        let forced = cx.options.force;
        on(&Event::Stale {
            record: at.record,
            line: at.line,
            id,
            name,
            exported,
            found: version,
            forced,
        });
        if !forced {
            tally.stale += 1;
            return Ok(());
        }
        tally.overwritten += 1;
    }
    match saved {
        Some(deal) => {
            tally.updated += 1;
            on(&Event::Updated {
                id,
                name: deal.name,
                label: op.label(),
                fields: found.fields,
            });
        }
        None => tally.unchanged += 1,
    }
    Ok(())
}

/// A new deal from an opportunity, unless one with its name, account and
/// close date is there already and new ones were not asked for.
fn create(
    b: &mut dyn Batch,
    op: &Opportunity,
    at: At,
    cx: &Context<'_>,
    on: &mut dyn FnMut(&Event),
    tally: &mut Tally,
) -> Result<(), StoreError> {
    let deal = op.new_deal(cx.playbook, cx.now, cx.today);
    if let Some(why) = invalid(&deal) {
        skip(at, op.label(), why, on, tally);
        return Ok(());
    }
    if !cx.options.new
        && let Some((existing, existing_name)) =
            b.find_same(&deal.name, &deal.account, deal.close_date)?
    {
        on(&Event::Duplicate {
            record: at.record,
            line: at.line,
            label: op.label(),
            existing,
            existing_name,
        });
        tally.duplicates += 1;
        return Ok(());
    }
    let name = deal.name.clone();
    let id = b.insert(deal)?;
    tally.created += 1;
    on(&Event::Created {
        id,
        name,
        label: op.label(),
    });
    Ok(())
}

/// The fields that differ between two versions of a deal, by name.
fn changed_fields(before: &Deal, after: &Deal) -> Vec<&'static str> {
    let mut fields = Vec::new();
    let mut check = |differs: bool, name: &'static str| {
        if differs {
            fields.push(name);
        }
    };
    check(before.name != after.name, "name");
    check(before.account != after.account, "account");
    check(before.amount != after.amount, "amount");
    check(before.close_date != after.close_date, "close date");
    check(before.stage != after.stage, "stage");
    check(before.owner != after.owner, "owner");
    check(before.content.outcome != after.content.outcome, "outcome");
    let (a, b) = (&before.content.salesforce, &after.content.salesforce);
    let field = |f: fn(&crate::domain::salesforce::SalesforceRef) -> String| {
        a.as_ref().map(f) != b.as_ref().map(f)
    };
    check(field(|r| r.next_step.clone()), "next step");
    check(field(|r| r.id.clone()), "Salesforce Id");
    check(field(|r| r.account_id.clone()), "account Id");
    check(field(|r| r.owner_id.clone()), "owner Id");
    check(
        field(|r| r.probability.map(|p| p.to_string()).unwrap_or_default()),
        "probability",
    );
    check(field(|r| r.forecast_category.clone()), "forecast category");
    fields
}

/// The validation errors of a deal about to be written, as one line.
fn invalid(deal: &Deal) -> Option<String> {
    let errors = deal.content.validate();
    let first = errors.first()?;
    Some(first.to_string())
}

/// A change of the deal's owner that would make them its SA or manager,
/// refused in words (a deal's people are checked only when they change).
fn owner_signs(before: &Deal, after: &Deal) -> Option<String> {
    let people = after.people();
    if people == before.people() {
        return None;
    }
    people.check().err().map(|e| e.to_string())
}
