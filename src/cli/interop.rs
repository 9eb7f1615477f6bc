//! `deal import` of Salesforce exports and `deal export` in every format:
//! JSON documents, a Data Loader CSV, the pipeline list as CSV, and an
//! iCalendar file.

use super::Failure;
use crate::domain::deal::{Deal, DealId};
use crate::domain::document::DealDocument;
use crate::domain::{ics, salesforce};
use crate::ops::Session;
use crate::ops::interop::{Event, ImportError, Tally};
use crate::store::files;
use crate::text::clean;
use clap::ValueEnum;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ImportFormat {
    /// qualify's deal documents
    Json,
    /// a Salesforce opportunity export (Data Loader or report)
    SalesforceCsv,
    /// a Salesforce OpportunityContactRole export
    ContactRoles,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// qualify's deal documents
    Json,
    /// for Salesforce's Data Loader (API names)
    SalesforceCsv,
    /// the pipeline list's columns, for spreadsheets
    Csv,
    /// an iCalendar file of open next steps and buyer milestones
    Ics,
}

/// FILE, or standard input for `-`, buffered for sniffing.
pub fn open_input(file: &Path) -> Result<Box<dyn BufRead>, Failure> {
    const BUFFER: usize = 1 << 16;
    if file.as_os_str() == "-" {
        return Ok(Box::new(BufReader::with_capacity(BUFFER, std::io::stdin())));
    }
    if std::fs::metadata(file).is_ok_and(|m| m.is_dir()) {
        return Err(Failure::usage(format!(
            "cannot read {}: that is a folder",
            file.display()
        )));
    }
    let f = std::fs::File::open(file)
        .map_err(|e| Failure::usage(format!("cannot read {}: {e}", file.display())))?;
    Ok(Box::new(BufReader::with_capacity(BUFFER, f)))
}

/// What the input is, from its first bytes: JSON documents start with `{`
/// or `[`; a CSV is told by its header row.
pub fn sniff(input: &mut dyn BufRead, file: &Path) -> Result<ImportFormat, Failure> {
    let head = input
        .fill_buf()
        .map_err(|e| Failure::usage(format!("cannot read {}: {e}", file.display())))?;
    let text = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let first = text.iter().find(|b| !b.is_ascii_whitespace());
    if matches!(first, Some(b'{' | b'[')) {
        return Ok(ImportFormat::Json);
    }
    let headers = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text)
        .byte_records()
        .filter_map(Result::ok)
        .find(|r| r.iter().any(|c| !c.iter().all(u8::is_ascii_whitespace)))
        .map(|r| {
            r.iter()
                .map(|c| String::from_utf8_lossy(c).into_owned())
                .collect::<Vec<_>>()
        });
    match headers.as_deref().and_then(crate::ops::interop::kind_of) {
        Some(salesforce::ExportKind::Opportunities) => Ok(ImportFormat::SalesforceCsv),
        Some(salesforce::ExportKind::ContactRoles) => Ok(ImportFormat::ContactRoles),
        None => Err(Failure::usage(format!(
            "{}: neither deal documents (JSON) nor a Salesforce export (a CSV with a Name or \
             Opportunity Name column, or OpportunityId, Role and Contact.Name); nothing was imported",
            file.display()
        ))),
    }
}

/// Import a Salesforce CSV; the summary's text, and the exit status: 0 all
/// imported, 1 some records skipped.
pub fn import_csv(
    s: &mut Session,
    input: Box<dyn BufRead>,
    file: &Path,
    format: ImportFormat,
    dry_run: bool,
    out: &mut dyn Write,
) -> Result<u8, Failure> {
    let mut failed = None;
    let mut on = |event: &Event| {
        let line = match event {
            Event::Created { id, name, label } => {
                if dry_run {
                    format!("would create {:?} ({label})", clean(name))
                } else {
                    format!("created deal {id} {:?} ({label})", clean(name))
                }
            }
            Event::Updated {
                id,
                name,
                label,
                fields,
            } => format!(
                "{} deal {id} {:?} ({label}): {}",
                if dry_run { "would update" } else { "updated" },
                clean(name),
                fields.join(", ")
            ),
            Event::Stakeholder {
                id,
                deal,
                name,
                role,
                sf_role,
            } => {
                let from = if sf_role.is_empty() {
                    String::new()
                } else {
                    format!(", from {:?}", clean(sf_role))
                };
                format!(
                    "{} {:?} ({role}{from}) to deal {id} {:?}",
                    if dry_run { "would add" } else { "added" },
                    clean(name),
                    clean(deal)
                )
            }
            Event::Skipped {
                record,
                line,
                label,
                reason,
            } => {
                let who = if label.is_empty() {
                    String::new()
                } else {
                    format!(", {label}")
                };
                format!("skipped record {record} (line {line}{who}): {reason}")
            }
        };
        if failed.is_none()
            && let Err(e) = writeln!(out, "{line}")
        {
            failed = Some(e);
        }
    };
    let result = match format {
        ImportFormat::ContactRoles => {
            crate::ops::interop::import_contact_roles(s, input, dry_run, &mut on)
        }
        _ => crate::ops::interop::import_salesforce(s, input, dry_run, &mut on),
    };
    let tally = match result {
        Ok(t) => t,
        Err(ImportError::Unreadable(why)) => {
            return Err(Failure::usage(format!(
                "{}: {why}; nothing was imported",
                file.display()
            )));
        }
        Err(ImportError::Store(e)) => {
            let mut f = Failure::from(e);
            f.message = format!("{}: {}", file.display(), f.message);
            return Err(f);
        }
    };
    if let Some(e) = failed {
        return Err(Failure::refused(format!("cannot write the output: {e}")));
    }
    write!(out, "{}", summary(&tally, file, format, dry_run))
        .map_err(|e| Failure::refused(format!("cannot write the output: {e}")))?;
    Ok(if tally.skipped > 0 { 1 } else { 0 })
}

fn summary(t: &Tally, file: &Path, format: ImportFormat, dry_run: bool) -> String {
    let mut text = String::new();
    if !t.ignored_columns.is_empty() {
        text.push_str(&format!(
            "columns not imported: {}\n",
            t.ignored_columns.join(", ")
        ));
    }
    if t.not_records > 0 {
        text.push_str(&format!(
            "{} line{} that are not records (a report's footer) left out\n",
            t.not_records,
            if t.not_records == 1 { "" } else { "s" }
        ));
    }
    if t.no_ids {
        text.push_str(
            "the file has no Id or Opportunity ID column: importing it again creates the deals again\n",
        );
    }
    let plural = |n: u64| if n == 1 { "" } else { "s" };
    let counts = if format == ImportFormat::ContactRoles {
        format!(
            "{} stakeholder{} added, {} linked to their contact, {} already there, {} skipped",
            t.created,
            plural(t.created),
            t.updated,
            t.unchanged,
            t.skipped
        )
    } else {
        format!(
            "{} created, {} updated, {} unchanged, {} skipped",
            t.created, t.updated, t.unchanged, t.skipped
        )
    };
    text.push_str(&format!(
        "{}: {} record{}: {counts}\n",
        file.display(),
        t.records,
        plural(t.records)
    ));
    if dry_run {
        text.push_str("dry run: nothing was written\n");
    }
    text
}

/// Write the export of one deal or all of them to standard output or to
/// FILE (0600, by temporary file and rename).
pub fn export(
    s: &Session,
    id: Option<DealId>,
    format: ExportFormat,
    out_file: Option<&Path>,
    stdout: &mut dyn Write,
) -> Result<(), Failure> {
    let cannot = |e: std::io::Error| Failure::refused(format!("cannot write the output: {e}"));
    let Some(path) = out_file else {
        return write_export(s, id, format, stdout)?.map_err(cannot);
    };
    if std::fs::metadata(path).is_ok_and(|m| m.is_dir()) {
        return Err(Failure::usage(format!(
            "cannot write {}: that is a folder",
            path.display()
        )));
    }
    let fail = |e: std::io::Error| Failure::usage(format!("cannot write {}: {e}", path.display()));
    let (temp, file) = files::temp_beside(path).map_err(fail)?;
    let mut w = std::io::BufWriter::new(file);
    let written = match write_export(s, id, format, &mut w) {
        Ok(r) => r.and_then(|()| w.flush()),
        Err(f) => {
            drop(w);
            let _ = std::fs::remove_file(&temp);
            return Err(f);
        }
    };
    drop(w);
    let done = written.and_then(|()| files::finish(&temp, path));
    if let Err(e) = done {
        let _ = std::fs::remove_file(&temp);
        return Err(fail(e));
    }
    Ok(())
}

/// Every deal asked for, one at a time (nothing else is held).
fn each_deal(
    s: &Session,
    id: Option<DealId>,
    mut each: impl FnMut(Deal) -> std::io::Result<()>,
) -> Result<std::io::Result<()>, Failure> {
    let mut io = Ok(());
    match id {
        Some(id) => io = each(s.store.deal(id)?),
        None => s.store.each_whole_deal(None, |deal, _| {
            if io.is_ok() {
                io = each(deal);
            }
            Ok(())
        })?,
    }
    Ok(io)
}

/// The export itself; the outer error is the database's, the inner the output's.
fn write_export(
    s: &Session,
    id: Option<DealId>,
    format: ExportFormat,
    w: &mut dyn Write,
) -> Result<std::io::Result<()>, Failure> {
    let now = s.clock.now();
    if let Some(id) = id {
        // an unknown id is refused before anything is written
        s.store
            .deal_name(id)?
            .ok_or(crate::store::StoreError::NotFound(id))?;
    }
    match format {
        ExportFormat::Json => {
            let mut w = crate::text::SafeWriter::new(w, crate::text::Output::Json);
            if id.is_some() {
                return each_deal(s, id, |deal| {
                    let doc = DealDocument::from_deal(&deal, &s.playbook);
                    writeln!(w, "{}", serde_json::to_string_pretty(&doc).expect("JSON"))
                });
            }
            let mut first = true;
            let io = each_deal(s, None, |deal| {
                let doc = DealDocument::from_deal(&deal, &s.playbook);
                let sep = if first { "[\n" } else { ",\n" };
                first = false;
                write!(
                    w,
                    "{sep}{}",
                    serde_json::to_string_pretty(&doc).expect("JSON")
                )
            })?;
            Ok(io.and_then(|()| writeln!(w, "{}", if first { "[]" } else { "\n]" })))
        }
        ExportFormat::SalesforceCsv => {
            let mut csv = csv_writer(w);
            if let Err(e) = csv.write_record(salesforce::LOADER_HEADERS) {
                return Ok(Err(e.into()));
            }
            let io = each_deal(s, id, |deal| {
                let (row, cuts) = salesforce::loader_row(&deal, &s.playbook, now);
                for field in cuts {
                    let max = if field == "Name" {
                        salesforce::NAME_MAX
                    } else {
                        salesforce::NEXT_STEP_MAX
                    };
                    eprintln!(
                        "qualify: warning: deal {} ({}): {field} cut to {max} characters, Salesforce's limit",
                        deal.id,
                        clean(crate::text::head(&deal.name, 60))
                    );
                }
                csv.write_record(&row).map_err(std::io::Error::from)
            })?;
            Ok(io.and_then(|()| csv.flush()))
        }
        ExportFormat::Csv => {
            let mut csv = csv_writer(w);
            let headers = salesforce::LIST_HEADERS
                .iter()
                .chain(salesforce::LIST_TAIL.iter());
            if let Err(e) = csv.write_record(headers) {
                return Ok(Err(e.into()));
            }
            let mut io = Ok(());
            let query = s.list_query();
            s.store.each_deal(&query, 0, usize::MAX >> 1, |d| {
                if io.is_ok() && id.is_none_or(|id| id == d.id) {
                    io = csv
                        .write_record(salesforce::list_row(&d))
                        .map_err(std::io::Error::from);
                }
                Ok(())
            })?;
            Ok(io.and_then(|()| csv.flush()))
        }
        ExportFormat::Ics => {
            if let Err(e) = w.write_all(ics::begin().as_bytes()) {
                return Ok(Err(e));
            }
            let io = each_deal(s, id, |deal| {
                w.write_all(ics::components(&deal, now).as_bytes())
            })?;
            Ok(io.and_then(|()| w.write_all(ics::end().as_bytes())))
        }
    }
}

/// CSV for Data Loader and spreadsheets: CRLF records, cells quoted when
/// they need it.
fn csv_writer(w: &mut dyn Write) -> csv::Writer<&mut dyn Write> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(w)
}
