//! `deal import` of deal documents and Salesforce exports, and `deal
//! export` in every format: JSON documents, a Data Loader CSV, the pipeline
//! list as CSV, and an iCalendar file. Opening, sniffing and writing files
//! is in [`crate::ops::transfer`], which the TUI calls too.

use super::print::write_failure;
use crate::config::Failure;
use crate::domain::content::PathError;
use crate::ops::interop::{Event, ImportError, ImportOptions, Tally};
use crate::ops::transfer::{ExportChoice, ExportEvent};
use crate::ops::{self, Session};
use crate::text::clean;
use std::io::{BufRead, Write};
use std::path::Path;

use crate::ops::transfer::{ExportFormat, ImportFormat, open_input, sniff};

/// `deal import FILE`: deal documents, streamed into one transaction, or a
/// Salesforce export; the exit status (1 when a CSV import skipped records
/// or was refused).
///
/// A CSV import and a dry run leave `out` to be flushed when it is dropped
/// (a failure to write it then goes unreported); a document import flushes
/// it here and reports a failure.
pub fn import(
    file: &Path,
    options: ImportOptions,
    format: Option<ImportFormat>,
    s: &mut Session,
    out: &mut impl Write,
) -> Result<u8, Failure> {
    let (force, dry_run, strict) = (options.force, options.dry_run, options.strict);
    let mut input = open_input(file)?;
    let format = match format {
        Some(f) => f,
        None => sniff(&mut input, file)?,
    };
    if format != ImportFormat::Json {
        return import_csv(s, input, file, format, options, out);
    }
    let refused = |errors: Vec<PathError>| {
        Failure::usage(format!(
            "{}: {}; nothing was imported",
            file.display(),
            ops::describe(&errors)
        ))
    };
    if dry_run {
        let previews = ops::preview_from(s, input).map_err(|e| match e {
            ops::ImportError::Documents(errors) => refused(errors),
            ops::ImportError::Store(e) => e.into(),
        })?;
        let docs = previews.len();
        writeln!(
            out,
            "{}: {} deal document{} to import",
            file.display(),
            docs,
            if docs == 1 { "" } else { "s" }
        )
        .map_err(write_failure)?;
        for preview in &previews {
            writeln!(out, "{preview}").map_err(write_failure)?;
        }
        writeln!(out, "dry run: nothing was written").map_err(write_failure)?;
        return Ok(0);
    }
    let done = ops::import_from(s, input, force, strict).map_err(|e| match e {
        ops::ImportError::Documents(errors) => refused(errors),
        ops::ImportError::Store(e) => e.into(),
    })?;
    for dropped in &done.dropped {
        eprintln!("qualify: {dropped}");
    }
    for line in done.history_lines() {
        eprintln!("qualify: {line}");
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
/// imported, 1 some records skipped, or the import refused (records that
/// would duplicate deals, or overwrite deals changed since their export:
/// one line each on stderr, and nothing written, so nothing else said); a
/// file that is not such an export, or that stops the import (an
/// unbalanced quote, or with `--strict` a malformed record), is a usage
/// failure (exit 2, one line, nothing written).
fn import_csv(
    s: &mut Session,
    input: Box<dyn BufRead>,
    file: &Path,
    format: ImportFormat,
    options: ImportOptions,
    out: &mut dyn Write,
) -> Result<u8, Failure> {
    let dry_run = options.dry_run;
    // what a real import did is said once it is written: a refusal found
    // at its end writes nothing
    let mut said = if dry_run {
        Said::Now(&mut *out)
    } else {
        Said::Later(Spool::beside(&s.db))
    };
    let mut failed = None;
    let mut on = |event: &Event| {
        let line = match event_line(event, file, dry_run) {
            Told::Out(line) => line,
            Told::Err(line) => {
                eprintln!("qualify: {}", clean(&line));
                return;
            }
        };
        if failed.is_none()
            && let Err(e) = writeln!(said, "{line}")
        {
            failed = Some(e);
        }
    };
    let result = match format {
        ImportFormat::ContactRoles => {
            crate::ops::interop::import_contact_roles(s, input, options, &mut on)
        }
        _ => crate::ops::interop::import_salesforce(s, input, options, &mut on),
    };
    let tally = match result {
        Ok(t) => t,
        // each record refused was told on stderr
        Err(ImportError::Refused(_)) => return Ok(1),
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
    if let Said::Later(spool) = said {
        spool.copy_to(out).map_err(write_failure)?;
    }
    write!(out, "{}", summary(&tally, file, format, dry_run)).map_err(write_failure)?;
    Ok(if tally.skipped > 0 || tally.refused() {
        1
    } else {
        0
    })
}

/// Where an event's line goes: standard output with the others, or
/// standard error (a refusal, and a deal overwritten).
enum Told {
    Out(String),
    Err(String),
}

/// One record's fate in words.
fn event_line(event: &Event, file: &Path, dry_run: bool) -> Told {
    Told::Out(match event {
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
        } => format!(
            "skipped {}",
            crate::ops::interop::skipped_text(*record, *line, label, reason)
        ),
        Event::Duplicate {
            record,
            line,
            label,
            existing,
            existing_name,
        } => {
            return Told::Err(format!(
                "{}: record {record} (line {line}, {label}) would create a deal like deal \
                 {existing} {:?} (the same name, account and close date): give --new to \
                 create it anyway; nothing was imported",
                file.display(),
                clean(existing_name)
            ));
        }
        Event::Stale {
            id,
            name,
            exported,
            found,
            forced: true,
            ..
        } => {
            let _ = exported;
            return Told::Err(format!(
                "{} deal {id} ({}) as it stood at version {found}",
                if dry_run { "would replace" } else { "replaced" },
                clean(name)
            ));
        }
        Event::Stale {
            record,
            line,
            id,
            name,
            exported,
            found,
            forced: false,
        } => {
            let exported = if *exported == 0 {
                "a row without a version".to_string()
            } else {
                format!("a row of version {exported}")
            };
            return Told::Err(format!(
                "{}: deal {id} ({}): it is at version {found}, changed since {exported} was \
                 exported (record {record}, line {line}); export it again, or use --force to \
                 overwrite it; nothing was imported",
                file.display(),
                clean(name)
            ));
        }
    })
}

/// Where an import's lines are said: at once (a dry run), or kept until
/// the import is written.
enum Said<'a> {
    Now(&'a mut dyn Write),
    Later(Spool),
}

impl Write for Said<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Said::Now(w) => w.write(buf),
            Said::Later(spool) => spool.write(buf),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Said::Now(w) => w.flush(),
            Said::Later(_) => Ok(()),
        }
    }
}

/// Lines kept until they can be said: in memory up to [`Spool::IN_MEMORY`]
/// bytes, then in a private temporary file beside the database (its name
/// removed at once where the system allows, and in any case when dropped),
/// so that a long import's memory stays flat.
struct Spool {
    beside: std::path::PathBuf,
    memory: Vec<u8>,
    file: Option<(std::path::PathBuf, std::fs::File)>,
}

impl Spool {
    const IN_MEMORY: usize = 1 << 20;

    fn beside(db: &Path) -> Spool {
        Spool {
            beside: db.to_path_buf(),
            memory: Vec::new(),
            file: None,
        }
    }

    /// Everything kept, written to `out`.
    fn copy_to(mut self, out: &mut dyn Write) -> std::io::Result<()> {
        out.write_all(&self.memory)?;
        if let Some((_, file)) = self.file.as_mut() {
            use std::io::Seek;
            file.seek(std::io::SeekFrom::Start(0))?;
            std::io::copy(file, out)?;
        }
        Ok(())
    }
}

impl Write for Spool {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.file.is_none() && self.memory.len() + buf.len() > Self::IN_MEMORY {
            let (path, mut file) = crate::files::temp_beside(&self.beside)?;
            // the name is not needed once the file is open
            let kept = if std::fs::remove_file(&path).is_ok() {
                std::path::PathBuf::new()
            } else {
                path
            };
            file.write_all(&std::mem::take(&mut self.memory))?;
            self.file = Some((kept, file));
        }
        match self.file.as_mut() {
            Some((_, file)) => file.write(buf),
            None => {
                self.memory.extend_from_slice(buf);
                Ok(buf.len())
            }
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for Spool {
    fn drop(&mut self) {
        if let Some((path, _)) = &self.file
            && !path.as_os_str().is_empty()
        {
            let _ = std::fs::remove_file(path);
        }
    }
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
            "the file has no Id or Opportunity ID column (nor Qualify_Id__c): importing it again \
             would create its deals again, refused without --new\n",
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
        let refused = t.duplicates + t.stale;
        format!(
            "{} created, {} updated, {} unchanged, {} skipped{}",
            t.created,
            t.updated,
            t.unchanged,
            t.skipped,
            if refused > 0 {
                format!(", {refused} refused")
            } else {
                String::new()
            }
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
///
/// `file` replaces a file there only with `force`; `owner` and `category`
/// choose the deals of a whole export.
pub fn run_export(
    choice: ExportChoice,
    file: Option<&Path>,
    force: bool,
    s: &Session,
    out: &mut impl Write,
) -> Result<u8, Failure> {
    if choice.format == ExportFormat::Json && file.is_none() {
        export(s, &choice, None, force, out)?;
    } else {
        let mut raw = std::io::stdout().lock();
        export(s, &choice, file, force, &mut raw)?;
    }
    Ok(0)
}

/// Write the export of the deals chosen to standard output or to FILE
/// (0600, by temporary file and rename); a cut cell is a warning on stderr.
fn export(
    s: &Session,
    choice: &ExportChoice,
    out_file: Option<&Path>,
    force: bool,
    stdout: &mut dyn Write,
) -> Result<(), Failure> {
    let mut warn = |event: ExportEvent| {
        if let ExportEvent::Cut(warning) = event {
            eprintln!("qualify: warning: {warning}");
        }
    };
    crate::ops::transfer::export(s, choice, out_file, force, stdout, &mut warn).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spool_past_its_memory_goes_to_a_private_file_that_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("deals.db");
        let mut spool = Spool::beside(&db);
        let line = "created deal 12 \"Acme ERP rollout\" (Id 0065g00000AAAA1AAA)\n";
        let mut expected = String::new();
        while expected.len() <= Spool::IN_MEMORY * 2 {
            spool.write_all(line.as_bytes()).unwrap();
            expected.push_str(line);
        }
        assert!(spool.file.is_some(), "past the memory's limit");
        let mut out = Vec::new();
        spool.copy_to(&mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), expected);
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert!(left.is_empty(), "{left:?}");
    }
}
