//! Salesforce contact roles in: each row a stakeholder of the deal imported
//! from its opportunity, unless that contact is there already.

use super::records::{Kind, Lines, Shape, csv_reader, each_record, header};
use super::tally::{Event, ImportError, ImportOptions, Tally};
use crate::domain::content::Choice;
use crate::domain::salesforce::{ContactRole, RoleLayout};
use crate::ops::Session;
use std::io::Read;

/// Import a Salesforce contact-role export: each row becomes a stakeholder
/// of the deal imported from its opportunity (unless that contact is there
/// already). Rows for opportunities qualify does not have are skipped. Of
/// `options`, `dry_run` and `strict` (stop at a malformed row) apply.
pub fn import_contact_roles(
    s: &mut Session,
    input: impl Read,
    options: ImportOptions,
    on: &mut dyn FnMut(&Event),
) -> Result<Tally, ImportError> {
    import_contact_roles_counted(s, input, options, on, &mut |_| {})
}

/// [`import_contact_roles`], telling `progress` how many rows it has read.
pub fn import_contact_roles_counted(
    s: &mut Session,
    input: impl Read,
    options: ImportOptions,
    on: &mut dyn FnMut(&Event),
    progress: &mut dyn FnMut(u64),
) -> Result<Tally, ImportError> {
    let lines = Lines::default();
    let mut reader = csv_reader(&lines, input)?;
    let headers = header(&mut reader)?;
    let layout = RoleLayout::of(&headers).map_err(ImportError::Unreadable)?;
    let mut tally = Tally {
        ignored_columns: layout.ignored.clone(),
        ..Tally::default()
    };
    let now = s.clock.now();
    let kind = |i: usize| match layout.column_at(i) {
        Some(_) => Kind::Line,
        None => Kind::Ignored,
    };
    let label = |cells: &[String]| contact_label(&layout, cells);
    let shape = Shape {
        headers: &headers,
        kind: &kind,
        label: &label,
        strict: options.strict,
    };
    let mut stop = None;
    let mut counts = Tally::default();
    let written = s.store.batch(!options.dry_run, now, |b| {
        each_record(&mut reader, &lines, &shape, &mut counts, &mut stop, progress, |record, line, cells| {
            let mut skip = |label: String, reason: String| {
                on(&Event::Skipped {
                    record,
                    line,
                    label,
                    reason,
                });
                tally.skipped += 1;
            };
            let cells = match cells {
                Ok(cells) => cells,
                Err(bad) => {
                    skip(bad.label, bad.reason);
                    return Ok(());
                }
            };
            let role = match ContactRole::read(&layout, &cells) {
                Ok(role) => role,
                Err(e) => {
                    skip(contact_label(&layout, &cells), e.to_string());
                    return Ok(());
                }
            };
            let label = format!("{:?}", crate::text::clean(&role.name));
            let Some(id) = b.find_salesforce(&role.opportunity_id)? else {
                skip(
                    label,
                    format!(
                        "no deal was imported from opportunity {} (import the opportunities first)",
                        crate::text::clean(&role.opportunity_id)
                    ),
                );
                return Ok(());
            };
            let mut added = false;
            match b.update(id, |deal| {
                let before = deal.content.stakeholders.len();
                role.apply(deal);
                added = deal.content.stakeholders.len() > before;
                Ok(())
            })? {
                Some(deal) if added => {
                    tally.created += 1;
                    on(&Event::Stakeholder {
                        id,
                        deal: deal.name.clone(),
                        name: role.name.clone(),
                        role: role.role.label(),
                        sf_role: role.sf_role.clone(),
                    });
                }
                // the contact was there by name: now it is known by its Id too
                Some(_) => tally.updated += 1,
                None => tally.unchanged += 1,
            }
            Ok(())
        })
    });
    if let Some(why) = stop {
        return Err(ImportError::Unreadable(why));
    }
    written?;
    tally.records = counts.records;
    tally.not_records = counts.not_records;
    Ok(tally)
}

/// A row that cannot be read, named by its contact's Id when it has one.
fn contact_label(layout: &RoleLayout, cells: &[String]) -> String {
    layout
        .cell(cells, crate::domain::salesforce::RoleColumn::ContactId)
        .filter(|v| !v.trim().is_empty())
        .map(|v| {
            format!(
                "contact {}",
                crate::text::clean(crate::text::head(v.trim(), 60))
            )
        })
        .unwrap_or_default()
}
