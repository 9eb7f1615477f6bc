//! Salesforce exports in: opportunities and contact roles, read record by
//! record (nothing but the current record is held) and written in one
//! transaction. A record that cannot be read is skipped and reported; the
//! rest are imported. A record of qualify's own export (its `Qualify_Id__c`)
//! updates that deal, under the version check; a record that would create a
//! deal like one there is (name, account, close date) is refused unless
//! asked for. A refused record refuses the whole import: nothing is written.
//! A dry run does the same work and rolls it back.

use super::Session;
use crate::domain::content::Choice;
use crate::domain::deal::{Deal, DealId, FieldError};
use crate::domain::salesforce::{ContactRole, ExportKind, OppLayout, Opportunity, RoleLayout};
use crate::store::{Batch, StoreError};
use std::io::Read;

/// What happened to one record, as it happens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A deal created from an opportunity (`id` is provisional in a dry run).
    Created {
        id: DealId,
        name: String,
        label: String,
    },
    /// A deal whose Salesforce fields changed, and which.
    Updated {
        id: DealId,
        name: String,
        label: String,
        fields: Vec<&'static str>,
    },
    /// A contact added to a deal's stakeholders.
    Stakeholder {
        id: DealId,
        deal: String,
        name: String,
        role: &'static str,
        sf_role: String,
    },
    /// A record that was not imported: its number (1 is the first after the
    /// header), the line it starts on, who it is, and why.
    Skipped {
        record: u64,
        line: u64,
        label: String,
        reason: String,
    },
    /// A record that would create a deal with the name, account and close
    /// date of one there is (`existing`): the import is refused unless
    /// [`ImportOptions::new`].
    Duplicate {
        record: u64,
        line: u64,
        label: String,
        existing: DealId,
        existing_name: String,
    },
    /// A record of qualify's export of deal `id`, which has changed since
    /// (`exported` is the version the record carries, `found` the deal's),
    /// and which the record would change: the import is refused unless
    /// [`ImportOptions::force`], which overwrites it (`forced`).
    Stale {
        record: u64,
        line: u64,
        id: DealId,
        name: String,
        exported: i64,
        found: i64,
        forced: bool,
    },
}

/// How an opportunity import treats what it finds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportOptions {
    /// Do the work and write nothing.
    pub dry_run: bool,
    /// Overwrite deals changed since qualify exported them (`--force`).
    pub force: bool,
    /// Create deals even when they have the name, account and close date
    /// of one there is (`--new`).
    pub new: bool,
    /// Refuse a file whose documents carry sign-offs not recorded on their
    /// deals, instead of dropping those sign-offs (`--strict`).
    pub strict: bool,
}

impl ImportOptions {
    /// A dry run, or an import, with neither `force` nor `new`.
    pub fn plain(dry_run: bool) -> ImportOptions {
        ImportOptions {
            dry_run,
            ..ImportOptions::default()
        }
    }
}

/// The counts of one import.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    pub records: u64,
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub skipped: u64,
    /// Lines that are not records (a report's footer), left alone.
    pub not_records: u64,
    /// Columns the file has that qualify does not read.
    pub ignored_columns: Vec<String>,
    /// The file has neither an Id nor a Qualify_Id__c column: its records
    /// are told from deals there are only by name, account and close date.
    pub no_ids: bool,
    /// Records that would create a deal like one there is (refused
    /// without `new`).
    pub duplicates: u64,
    /// Records of deals changed since qualify exported them, refused
    /// (without `force`).
    pub stale: u64,
    /// Deals changed since qualify exported them, overwritten (`force`;
    /// counted in `updated` too).
    pub overwritten: u64,
}

impl Tally {
    /// Whether the import is refused whole: a record would duplicate a deal
    /// or overwrite one changed since its export.
    pub fn refused(&self) -> bool {
        self.duplicates > 0 || self.stale > 0
    }
}

/// Why an import did not happen at all.
#[derive(Debug)]
pub enum ImportError {
    /// The file is not such an export (exit 2); nothing was written.
    Unreadable(String),
    /// Records would duplicate deals or overwrite later changes (each told
    /// as an event); nothing was written.
    Refused(Tally),
    Store(StoreError),
}

impl From<StoreError> for ImportError {
    fn from(e: StoreError) -> Self {
        ImportError::Store(e)
    }
}

/// A record's cells as text; `None` when it is not UTF-8.
fn cells(record: &csv::ByteRecord) -> Option<Vec<String>> {
    record
        .iter()
        .map(|c| {
            std::str::from_utf8(c).ok().map(|t| {
                if t.contains('\r') {
                    t.replace("\r\n", "\n")
                } else {
                    t.to_string()
                }
            })
        })
        .collect()
}

/// The header row (blank lines before it are passed over).
fn header<R: Read>(reader: &mut csv::Reader<R>) -> Result<Vec<String>, ImportError> {
    let mut record = csv::ByteRecord::new();
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => return Err(ImportError::Unreadable("the file is empty".into())),
            Ok(true) if record.iter().all(|c| c.iter().all(u8::is_ascii_whitespace)) => {}
            Ok(true) => {
                return cells(&record).ok_or_else(|| {
                    ImportError::Unreadable(
                        "the header row is not UTF-8 text (save the export as UTF-8 CSV)".into(),
                    )
                });
            }
            Err(e) => return Err(ImportError::Unreadable(format!("cannot read it: {e}"))),
        }
    }
}

/// Where the input's line breaks are, for the line a record starts on: the
/// CSV reader gives the byte a record starts at, and reads ahead only a
/// buffer's length, so only the breaks not yet passed are kept.
#[derive(Default, Clone)]
struct Lines(std::rc::Rc<std::cell::RefCell<Breaks>>);

#[derive(Default)]
struct Breaks {
    read: u64,
    ahead: std::collections::VecDeque<u64>,
    passed: u64,
}

impl Lines {
    fn counting<R: Read>(&self, inner: R) -> Counting<R> {
        Counting {
            inner,
            lines: self.clone(),
        }
    }

    /// The line (from 1) that the record starting at `byte` is on; the
    /// reader may place a CRLF's line feed at the record's start.
    fn line_at(&self, byte: u64) -> u64 {
        let mut b = self.0.borrow_mut();
        while b.ahead.front().is_some_and(|at| *at <= byte) {
            b.ahead.pop_front();
            b.passed += 1;
        }
        b.passed + 1
    }
}

struct Counting<R> {
    inner: R,
    lines: Lines,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut b = self.lines.0.borrow_mut();
        let start = b.read;
        for (i, byte) in buf[..n].iter().enumerate() {
            if *byte == b'\n' {
                b.ahead.push_back(start + i as u64);
            }
        }
        b.read += n as u64;
        Ok(n)
    }
}

/// A CSV reader over `input`: any number of cells per line (footers),
/// quoted cells with commas and line breaks, CRLF or LF.
fn csv_reader<R: Read>(input: R) -> csv::Reader<R> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(input)
}

/// Each record after the header, with its number and line; stops at the
/// end or at a read failure (which fails the whole import).
fn each_record<R: Read>(
    reader: &mut csv::Reader<R>,
    lines: &Lines,
    columns: usize,
    tally: &mut Tally,
    progress: &mut dyn FnMut(u64),
    mut each: impl FnMut(u64, u64, Result<Vec<String>, String>) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let mut record = csv::ByteRecord::new();
    let mut number = 0;
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => return Ok(()),
            Ok(true) => {
                let line = record.position().map_or(0, |p| lines.line_at(p.byte()));
                let blank = record.iter().all(|c| c.iter().all(u8::is_ascii_whitespace));
                if blank || (record.len() == 1 && columns > 1) {
                    // a report's footer ("Confidential Information …") or an empty row
                    if !blank {
                        tally.not_records += 1;
                    }
                    continue;
                }
                number += 1;
                tally.records += 1;
                let text = cells(&record)
                    .ok_or_else(|| "not UTF-8 text (save the export as UTF-8 CSV)".to_string());
                each(number, line, text)?;
                progress(number);
            }
            Err(e) => {
                return Err(StoreError::Invalid(vec![FieldError {
                    field: format!("after record {number}"),
                    message: format!("cannot read the file: {e}; nothing was imported"),
                }]));
            }
        }
    }
}

/// Which export `headers` is, as the importers read it.
pub fn kind_of(headers: &[String]) -> Option<ExportKind> {
    crate::domain::salesforce::detect(headers)
}

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
    let mut reader = csv_reader(lines.counting(input));
    let headers = header(&mut reader)?;
    let layout = OppLayout::of(&headers).map_err(ImportError::Unreadable)?;
    let mut tally = Tally {
        ignored_columns: layout.ignored.clone(),
        no_ids: !layout.has(OppColumn::Id) && !layout.has(OppColumn::QualifyId),
        ..Tally::default()
    };
    let columns = headers.len();
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
            columns,
            &mut counts,
            progress,
            |record, line, cells| {
                let at = At { record, line };
                let cells = match cells {
                    Ok(cells) => cells,
                    Err(reason) => {
                        skip(at, String::new(), reason, on, &mut tally);
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
    match written {
        Err(StoreError::Invalid(e)) if e.is_empty() && tally.refused() => {
            Err(ImportError::Refused(tally))
        }
        Err(e) => Err(e.into()),
        Ok(()) => Ok(tally),
    }
}

/// Why an opportunity import was refused, in a few words: how many records
/// would duplicate deals, how many would overwrite later changes, and what
/// to do about each.
pub fn refusal_text(t: &Tally) -> String {
    let records = |n: u64| format!("{n} record{}", if n == 1 { "" } else { "s" });
    let mut parts = Vec::new();
    if t.duplicates > 0 {
        parts.push(format!(
            "{} would create deals with the name, account and close date of deals there are \
             (import them anyway with --new)",
            records(t.duplicates)
        ));
    }
    if t.stale > 0 {
        parts.push(format!(
            "{} would overwrite deals changed since they were exported (export them again, \
             or overwrite them with --force)",
            records(t.stale)
        ));
    }
    parts.join("; ")
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
