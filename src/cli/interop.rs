//! `deal import` of deal documents and Salesforce exports, and `deal
//! export` in every format: JSON documents, a Data Loader CSV, the pipeline
//! list as CSV, and an iCalendar file. Opening, sniffing and writing files
//! is in [`crate::ops::transfer`], which the TUI calls too.

use super::print::write_failure;
use crate::config::Failure;
use crate::domain::content::PathError;
use crate::domain::deal::DealId;
use crate::domain::document::stream_documents;
use crate::ops::interop::{Event, ImportError, Tally};
use crate::ops::transfer::ExportEvent;
use crate::ops::{self, Session};
use crate::text::clean;
use std::io::{BufRead, Write};
use std::path::Path;

use crate::ops::transfer::{ExportFormat, ImportFormat, open_input, sniff};

/// `deal import FILE`: deal documents, streamed into one transaction, or a
/// Salesforce export; the exit status (1 when a CSV import skipped records).
///
/// A CSV import and a dry run leave `out` to be flushed when it is dropped
/// (a failure to write it then goes unreported); a document import flushes
/// it here and reports a failure.
pub fn import(
    file: &Path,
    force: bool,
    strict: bool,
    format: Option<ImportFormat>,
    dry_run: bool,
    s: &mut Session,
    out: &mut impl Write,
) -> Result<u8, Failure> {
    let mut input = open_input(file)?;
    let format = match format {
        Some(f) => f,
        None => sniff(&mut input, file)?,
    };
    if format != ImportFormat::Json {
        return import_csv(s, input, file, format, dry_run, out);
    }
    let refused = |errors: Vec<PathError>| {
        Failure::usage(format!(
            "{}: {}; nothing was imported",
            file.display(),
            ops::describe(&errors)
        ))
    };
    if dry_run {
        let mut docs = 0usize;
        stream_documents(input, |_| {
            docs += 1;
            true
        })
        .map_err(refused)?;
        writeln!(
            out,
            "{}: {} deal document{} to import\ndry run: nothing was written",
            file.display(),
            docs,
            if docs == 1 { "" } else { "s" }
        )
        .map_err(write_failure)?;
        return Ok(0);
    }
    let done = ops::import_from(s, input, force, strict).map_err(|e| match e {
        ops::ImportError::Documents(errors) => refused(errors),
        ops::ImportError::Store(e) => e.into(),
    })?;
    for dropped in &done.dropped {
        eprintln!("qualify: {dropped}");
    }
    let saved = done.saved;
    for deal in &saved {
        if let (true, Some((version, name))) = (force, &deal.replaced) {
            eprintln!(
                "qualify: replaced deal {} ({}) as it stood at version {version}",
                deal.id,
                clean(name)
            );
        }
    }
    saved
        .iter()
        .try_for_each(|d| writeln!(out, "{}", d.id))
        .map_err(write_failure)?;
    out.flush().map_err(write_failure)?;
    Ok(0)
}

/// Import a Salesforce CSV; the summary's text, and the exit status: 0 all
/// imported, 1 some records skipped.
fn import_csv(
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
        return Err(write_failure(e));
    }
    write!(out, "{}", summary(&tally, file, format, dry_run)).map_err(write_failure)?;
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

/// `deal export [ID]`: JSON documents to `out`, made safe like every
/// output; CSV and iCalendar to standard output as they are, keeping their
/// CRLF line ends (their cells are made safe one by one: formulas and
/// control characters); any format to FILE.
pub fn run_export(
    id: Option<DealId>,
    format: Option<ExportFormat>,
    file: Option<&Path>,
    s: &Session,
    out: &mut impl Write,
) -> Result<u8, Failure> {
    let format = format.unwrap_or(ExportFormat::Json);
    if format == ExportFormat::Json && file.is_none() {
        export(s, id, format, None, out)?;
    } else {
        let mut raw = std::io::stdout().lock();
        export(s, id, format, file, &mut raw)?;
    }
    Ok(0)
}

/// Write the export of one deal or all of them to standard output or to
/// FILE (0600, by temporary file and rename); a cut cell is a warning on
/// stderr.
fn export(
    s: &Session,
    id: Option<DealId>,
    format: ExportFormat,
    out_file: Option<&Path>,
    stdout: &mut dyn Write,
) -> Result<(), Failure> {
    let mut warn = |event: ExportEvent| {
        if let ExportEvent::Cut(warning) = event {
            eprintln!("qualify: warning: {warning}");
        }
    };
    crate::ops::transfer::export(s, id, format, out_file, stdout, &mut warn).map(|_| ())
}
