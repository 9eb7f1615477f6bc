//! Files in and out, for both faces: opening an import (a file, or `-` for
//! standard input), telling its format from its first bytes, importing a
//! whole file with its progress, and writing an export to a private file by
//! temporary file and rename.

use super::Session;
use super::interop::{Event, ImportError, ImportOptions, Tally};
use crate::domain::deal::{Deal, DealId};
use crate::domain::document::{DealDocument, parse_documents};
use crate::domain::pipeline::{self, ForecastCategory};
use crate::domain::{ics, salesforce};
use crate::failure::Failure;
use crate::store::ListQuery;
use crate::store::files;
use crate::text::clean;
use clap::ValueEnum;
use std::cell::Cell;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::rc::Rc;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ImportFormat {
    /// qualify's deal documents
    Json,
    /// a Salesforce opportunity export (Data Loader or report)
    SalesforceCsv,
    /// a Salesforce OpportunityContactRole export
    ContactRoles,
}

impl ImportFormat {
    /// What the file is, in words, with the name `--format` gives it.
    pub fn label(self) -> &'static str {
        match self {
            ImportFormat::Json => "deal documents (json)",
            ImportFormat::SalesforceCsv => "Salesforce opportunities (salesforce-csv)",
            ImportFormat::ContactRoles => "Salesforce contact roles (contact-roles)",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// qualify's deal documents
    Json,
    /// for Salesforce's Data Loader (API names)
    SalesforceCsv,
    /// the pipeline list's columns, for spreadsheets
    Csv,
    /// an iCalendar file of the open deals' close dates, next steps and buyer milestones
    Ics,
}

impl ExportFormat {
    pub const ALL: [ExportFormat; 4] = [
        ExportFormat::Json,
        ExportFormat::SalesforceCsv,
        ExportFormat::Csv,
        ExportFormat::Ics,
    ];

    /// The name `--format` takes.
    pub fn name(self) -> &'static str {
        match self {
            ExportFormat::Json => "json",
            ExportFormat::SalesforceCsv => "salesforce-csv",
            ExportFormat::Csv => "csv",
            ExportFormat::Ics => "ics",
        }
    }

    /// What the file holds, in words.
    pub fn description(self) -> &'static str {
        match self {
            ExportFormat::Json => "deal documents, every field (import them again)",
            ExportFormat::SalesforceCsv => "a CSV for Salesforce's Data Loader",
            ExportFormat::Csv => "the pipeline list's columns, for spreadsheets",
            ExportFormat::Ics => {
                "open deals' close dates, next steps and milestones, for a calendar"
            }
        }
    }

    /// A file name for an export in this format.
    pub fn file_name(self) -> &'static str {
        match self {
            ExportFormat::Json => "qualify-deals.json",
            ExportFormat::SalesforceCsv => "qualify-salesforce.csv",
            ExportFormat::Csv => "qualify-pipeline.csv",
            ExportFormat::Ics => "qualify-deals.ics",
        }
    }
}

/// A path as typed: surrounding blanks dropped, and a leading `~` (alone or
/// before `/`) standing for the home folder.
pub fn expand_path(typed: &str) -> PathBuf {
    let typed = typed.trim();
    let home = || std::env::var_os("HOME").filter(|h| !h.is_empty());
    if typed == "~" {
        if let Some(home) = home() {
            return PathBuf::from(home);
        }
    } else if let Some(rest) = typed.strip_prefix("~/")
        && let Some(home) = home()
    {
        return PathBuf::from(home).join(rest);
    }
    PathBuf::from(typed)
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

/// The rest of the input as text (JSON documents).
pub fn read_all(input: &mut dyn BufRead, file: &Path) -> Result<String, Failure> {
    let mut bytes = Vec::new();
    input
        .read_to_end(&mut bytes)
        .map_err(|e| Failure::usage(format!("cannot read {}: {e}", file.display())))?;
    String::from_utf8(bytes).map_err(|_| {
        Failure::usage(format!(
            "cannot read {}: stream did not contain valid UTF-8",
            file.display()
        ))
    })
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
    match headers.as_deref().and_then(super::interop::kind_of) {
        Some(salesforce::ExportKind::Opportunities) => Ok(ImportFormat::SalesforceCsv),
        Some(salesforce::ExportKind::ContactRoles) => Ok(ImportFormat::ContactRoles),
        None => Err(Failure::usage(format!(
            "{}: neither deal documents (JSON) nor a Salesforce export (a CSV with a Name or \
             Opportunity Name column, or OpportunityId, Role and Contact.Name); nothing was imported",
            file.display()
        ))),
    }
}

/// How far an import has read: records (or deal documents) and bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    pub records: u64,
    pub bytes: u64,
}

/// What a whole-file import found (or, in a dry run, would do).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    pub format: ImportFormat,
    /// For deal documents: `records` is their count, `created` the deals
    /// written (nothing else is counted).
    pub tally: Tally,
}

/// Import FILE whatever its format (told from its content): a Salesforce
/// export record by record, deal documents all at once; each in one
/// transaction, nothing written in a dry run. `on` hears each record's
/// fate, `progress` how far the reading has gone. Errors are the one-line
/// messages `deal import` gives; an opportunity import refused (records
/// that would duplicate deals or overwrite later changes) is one line
/// saying how many and what to do, each record told to `on`.
pub fn import_file(
    s: &mut Session,
    file: &Path,
    options: ImportOptions,
    on: &mut dyn FnMut(&Event),
    progress: &mut dyn FnMut(Progress),
) -> Result<Imported, Failure> {
    let dry_run = options.dry_run;
    let mut input = open_input(file)?;
    let format = sniff(&mut input, file)?;
    let bytes = Rc::new(Cell::new(0));
    let mut counted = Counted {
        inner: input,
        bytes: bytes.clone(),
    };
    if format == ImportFormat::Json {
        let text = read_all(&mut counted, file)?;
        let docs = parse_documents(&text).map_err(|errors| {
            Failure::usage(format!(
                "{}: {}; nothing was imported",
                file.display(),
                super::documents::describe(&errors)
            ))
        })?;
        let records = docs.len() as u64;
        progress(Progress {
            records,
            bytes: bytes.get(),
        });
        let mut tally = Tally {
            records,
            ..Tally::default()
        };
        if !dry_run {
            tally.created = super::documents::import(s, docs, false, false)?.saved.len() as u64;
        }
        return Ok(Imported { format, tally });
    }
    let mut each = |records: u64| {
        progress(Progress {
            records,
            bytes: bytes.get(),
        })
    };
    let result = match format {
        ImportFormat::ContactRoles => {
            super::interop::import_contact_roles_counted(s, counted, options, on, &mut each)
        }
        _ => super::interop::import_salesforce_counted(s, counted, options, on, &mut each),
    };
    match result {
        Ok(tally) => Ok(Imported { format, tally }),
        Err(ImportError::Refused(tally)) => Err(Failure::refused(format!(
            "{}: {}; nothing was imported",
            file.display(),
            super::interop::refusal_text(&tally)
        ))),
        Err(ImportError::Unreadable(why)) => Err(Failure::usage(format!(
            "{}: {why}; nothing was imported",
            file.display()
        ))),
        Err(ImportError::Store(e)) => {
            let mut f = Failure::from(e);
            f.message = format!("{}: {}", file.display(), f.message);
            Err(f)
        }
    }
}

/// A reader that counts the bytes read through it.
struct Counted<R> {
    inner: R,
    bytes: Rc<Cell<u64>>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bytes.set(self.bytes.get() + n as u64);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Counted<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.inner.fill_buf()
    }
    fn consume(&mut self, amt: usize) {
        self.bytes.set(self.bytes.get() + amt as u64);
        self.inner.consume(amt);
    }
}

/// What an export tells as it goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExportEvent {
    /// This many deals are written so far.
    Written(u64),
    /// A cell was cut to Salesforce's limit (the warning, in words).
    Cut(String),
}

/// Which deals an export writes: one, or every deal (or one owner's, or
/// one forecast category's), in a format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportChoice {
    pub id: Option<DealId>,
    pub format: ExportFormat,
    /// Only this owner's deals (names compared without case).
    pub owner: Option<String>,
    /// Only the deals in this forecast category.
    pub category: Option<ForecastCategory>,
    /// Deal documents with each deal's history (`deal export --history`).
    pub history: bool,
}

impl ExportChoice {
    /// Every deal, in `format`.
    pub fn all(format: ExportFormat) -> ExportChoice {
        ExportChoice {
            id: None,
            format,
            owner: None,
            category: None,
            history: false,
        }
    }
}

/// A file about to be written at `path`: refused when a device, named pipe
/// or socket is there, even with `replace` ([`files::check_output`]), and when
/// anything else is there, unless `replace` (one line naming `--force`, exit 2).
pub fn check_replace(path: &Path, replace: bool) -> Result<(), Failure> {
    files::check_output(path).map_err(Failure::usage)?;
    if !replace && std::fs::symlink_metadata(path).is_ok() {
        return Err(Failure::usage(format!(
            "{} exists: give --force to replace it; nothing was written",
            path.display()
        )));
    }
    Ok(())
}

/// Write the export of the deals chosen to `stdout`, or to FILE (0600, by
/// temporary file and rename: a reader never sees half of it), replacing a
/// file there only when `replace`. How many deals were written.
pub fn export(
    s: &Session,
    choice: &ExportChoice,
    out_file: Option<&Path>,
    replace: bool,
    stdout: &mut dyn Write,
    on: &mut dyn FnMut(ExportEvent),
) -> Result<u64, Failure> {
    let cannot = Failure::cannot_write;
    let Some(path) = out_file else {
        let (deals, io) = write_export(s, choice, stdout, on)?;
        return io.map(|()| deals).map_err(cannot);
    };
    if std::fs::metadata(path).is_ok_and(|m| m.is_dir()) {
        return Err(Failure::usage(format!(
            "cannot write {}: that is a folder",
            path.display()
        )));
    }
    check_replace(path, replace)?;
    let fail = |e: std::io::Error| Failure::usage(format!("cannot write {}: {e}", path.display()));
    let (temp, file) = files::temp_beside(path).map_err(fail)?;
    let mut w = std::io::BufWriter::new(file);
    let (deals, written) = match write_export(s, choice, &mut w, on) {
        Ok((deals, r)) => (deals, r.and_then(|()| w.flush())),
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
    Ok(deals)
}

/// Every deal asked for, one at a time (nothing else is held).
fn each_deal(
    s: &Session,
    choice: &ExportChoice,
    mut each: impl FnMut(&Deal) -> std::io::Result<()>,
) -> Result<std::io::Result<()>, Failure> {
    let mut io = Ok(());
    let now = s.clock.now();
    match choice.id {
        Some(id) => io = each(&s.store.deal(id)?),
        None => {
            let walked = s.store.each_whole_deal(choice.owner.as_deref(), |deal, _| {
                if let Some(category) = choice.category
                    && pipeline::forecast_category(deal, &s.playbook, now) != category
                {
                    return Ok(());
                }
                // an output that fails stops the reading
                io = each(deal);
                io.as_ref()
                    .map_err(|_| crate::store::StoreError::NotFound(deal.id))
                    .copied()
            });
            if io.is_ok() {
                walked?;
            }
        }
    }
    Ok(io)
}

/// The export itself and how many deals it wrote; the outer error is the
/// database's, the inner the output's.
fn write_export(
    s: &Session,
    choice: &ExportChoice,
    w: &mut dyn Write,
    on: &mut dyn FnMut(ExportEvent),
) -> Result<(u64, std::io::Result<()>), Failure> {
    let now = s.clock.now();
    let (id, format) = (choice.id, choice.format);
    if choice.history && format != ExportFormat::Json {
        return Err(Failure::usage(format!(
            "--history is written only in deal documents (--format json), not {}; nothing was written",
            format.name()
        )));
    }
    if let Some(id) = id {
        // an unknown id is refused before anything is written
        s.store
            .deal_name(id)?
            .ok_or(crate::store::StoreError::NotFound(id))?;
    }
    let mut deals = 0;
    let mut count = |on: &mut dyn FnMut(ExportEvent)| {
        deals += 1;
        on(ExportEvent::Written(deals));
    };
    let io = match format {
        ExportFormat::Json => {
            let mut w = crate::text::SafeWriter::new(w, crate::text::Output::Json);
            // a history that cannot be read stops the export with its error
            let mut unread = None;
            let mut document = |deal: &Deal| -> std::io::Result<DealDocument> {
                let mut doc = DealDocument::from_deal(deal, &s.playbook);
                if choice.history {
                    match s.store.history(deal.id) {
                        Ok(rows) => doc.history = Some(rows.into_iter().map(Into::into).collect()),
                        Err(e) => {
                            unread = Some(e);
                            return Err(std::io::Error::other("the history was not read"));
                        }
                    }
                }
                Ok(doc)
            };
            let io = if id.is_some() {
                each_deal(s, choice, |deal| {
                    count(on);
                    let doc = document(deal)?;
                    writeln!(w, "{}", serde_json::to_string_pretty(&doc).expect("JSON"))
                })?
            } else {
                let mut first = true;
                let io = each_deal(s, choice, |deal| {
                    count(on);
                    let doc = document(deal)?;
                    let sep = if first { "[\n" } else { ",\n" };
                    first = false;
                    write!(
                        w,
                        "{sep}{}",
                        serde_json::to_string_pretty(&doc).expect("JSON")
                    )
                })?;
                io.and_then(|()| writeln!(w, "{}", if first { "[]" } else { "\n]" }))
            };
            if let Some(e) = unread {
                return Err(e.into());
            }
            io
        }
        ExportFormat::SalesforceCsv => {
            let mut csv = csv_writer(w);
            if let Err(e) = csv.write_record(salesforce::LOADER_HEADERS) {
                return Ok((0, Err(csv_io(e))));
            }
            let io = each_deal(s, choice, |deal| {
                count(on);
                let (row, cuts) = salesforce::loader_row(deal, &s.playbook, now);
                for field in cuts {
                    let max = if field == "Name" {
                        salesforce::NAME_MAX
                    } else {
                        salesforce::NEXT_STEP_MAX
                    };
                    on(ExportEvent::Cut(format!(
                        "deal {} ({}): {field} cut to {max} characters, Salesforce's limit",
                        deal.id,
                        clean(crate::text::head(&deal.name, 60))
                    )));
                }
                csv.write_record(&row).map_err(csv_io)
            })?;
            io.and_then(|()| csv.flush())
        }
        ExportFormat::Csv => {
            let mut csv = csv_writer(w);
            let headers = salesforce::LIST_HEADERS
                .iter()
                .chain(salesforce::LIST_TAIL.iter());
            if let Err(e) = csv.write_record(headers) {
                return Ok((0, Err(csv_io(e))));
            }
            let mut io = Ok(());
            let query = ListQuery {
                owner: choice.owner.clone(),
                category: choice.category,
                ..s.list_query()
            };
            s.store.each_deal(&query, 0, usize::MAX >> 1, |d| {
                if io.is_ok() && id.is_none_or(|id| id == d.id) {
                    count(on);
                    io = csv.write_record(salesforce::list_row(&d)).map_err(csv_io);
                }
                Ok(())
            })?;
            io.and_then(|()| csv.flush())
        }
        ExportFormat::Ics => {
            if let Err(e) = w.write_all(ics::begin().as_bytes()) {
                return Ok((0, Err(e)));
            }
            // what is still to come: open deals only
            let io = each_deal(s, choice, |deal| {
                if deal.content.outcome.is_some() {
                    return Ok(());
                }
                count(on);
                w.write_all(ics::components(deal, now).as_bytes())
            })?;
            io.and_then(|()| w.write_all(ics::end().as_bytes()))
        }
    };
    Ok((deals, io))
}

/// A CSV writer's failure as the output's: its own I/O error when it is
/// one (so that a reader gone away is told apart from a full disk).
fn csv_io(e: csv::Error) -> std::io::Error {
    if !e.is_io_error() {
        return std::io::Error::other(e);
    }
    match e.into_kind() {
        csv::ErrorKind::Io(io) => io,
        other => std::io::Error::other(format!("{other:?}")),
    }
}

/// CSV for Data Loader and spreadsheets: CRLF records, cells quoted when
/// they need it.
fn csv_writer(w: &mut dyn Write) -> csv::Writer<&mut dyn Write> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(w)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tilde_is_the_home_folder() {
        let home = std::env::var_os("HOME").map(PathBuf::from);
        if let Some(home) = home.filter(|h| !h.as_os_str().is_empty()) {
            assert_eq!(expand_path(" ~/deals.csv "), home.join("deals.csv"));
            assert_eq!(expand_path("~"), home);
        }
        assert_eq!(expand_path("~dana/x"), PathBuf::from("~dana/x"));
        assert_eq!(expand_path("/tmp/a~b"), PathBuf::from("/tmp/a~b"));
    }
}
