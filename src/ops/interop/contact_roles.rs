//! Salesforce contact roles in: each row a stakeholder of the deal imported
//! from its opportunity, unless that contact is there already.

use super::records::{Lines, csv_reader, each_record, header};
use super::tally::{Event, ImportError, Tally};
use crate::domain::content::Choice;
use crate::domain::salesforce::{ContactRole, RoleLayout};
use crate::ops::Session;
use std::io::Read;

/// Import a Salesforce contact-role export: each row becomes a stakeholder
/// of the deal imported from its opportunity (unless that contact is there
/// already). Rows for opportunities qualify does not have are skipped.
pub fn import_contact_roles(
    s: &mut Session,
    input: impl Read,
    dry_run: bool,
    on: &mut dyn FnMut(&Event),
) -> Result<Tally, ImportError> {
    import_contact_roles_counted(s, input, dry_run, on, &mut |_| {})
}

/// [`import_contact_roles`], telling `progress` how many rows it has read.
pub fn import_contact_roles_counted(
    s: &mut Session,
    input: impl Read,
    dry_run: bool,
    on: &mut dyn FnMut(&Event),
    progress: &mut dyn FnMut(u64),
) -> Result<Tally, ImportError> {
    let lines = Lines::default();
    let mut reader = csv_reader(lines.counting(input));
    let headers = header(&mut reader)?;
    let layout = RoleLayout::of(&headers).map_err(ImportError::Unreadable)?;
    let mut tally = Tally {
        ignored_columns: layout.ignored.clone(),
        ..Tally::default()
    };
    let now = s.clock.now();
    let columns = headers.len();
    let mut counts = Tally::default();
    s.store.batch(!dry_run, now, |b| {
        each_record(&mut reader, &lines, columns, &mut counts, progress, |record, line, cells| {
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
                Err(reason) => {
                    skip(String::new(), reason);
                    return Ok(());
                }
            };
            let role = match ContactRole::read(&layout, &cells) {
                Ok(role) => role,
                Err(e) => {
                    let label = layout
                        .cell(&cells, crate::domain::salesforce::RoleColumn::ContactId)
                        .filter(|v| !v.trim().is_empty())
                        .map(|v| {
                            format!(
                                "contact {}",
                                crate::text::clean(crate::text::head(v.trim(), 60))
                            )
                        })
                        .unwrap_or_default();
                    skip(label, e.to_string());
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
    })?;
    tally.records = counts.records;
    tally.not_records = counts.not_records;
    Ok(tally)
}
