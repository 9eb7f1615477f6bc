//! Importing from the deal list (i): a file is asked for, a dry run shows
//! what it holds and writes nothing, and only a yes writes it — through the
//! use case `deal import` calls, deal documents read as they come. For deal
//! documents, and qualify's own Salesforce rows of deals changed since, f
//! chooses to overwrite deals changed since they were exported (`--force`).
//! Salesforce records that would create deals like ones there are (name,
//! account, close date) are listed, and the yes is asked for them too
//! (`--new`). The work runs on a second connection to the database on
//! another thread, so the screen keeps drawing a progress bar; an import is
//! still one transaction.

use super::frame::{
    DialogOutcome, MAX_PATH, dialog, file_name, frame, path_field, plural, ratio, working,
};
use crate::ops::Session;
use crate::ops::file_import;
use crate::ops::interop::{Event, ImportOptions, Tally};
use crate::ops::transfer::{self, ImportFormat, Imported, Progress};
use crate::text::shown;
use crate::tui::action::Action;
use crate::tui::job::Job;
use crate::tui::keymap::Layer;
use crate::tui::shared::{Ctx, Look, Status};
use crate::tui::widgets::{hanging, popup, type_into};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};
use std::path::{Path, PathBuf};
use tui_input::Input;

/// The skipped records a summary keeps (the CLI's dry run lists them all).
const KEEP_SKIPPED: usize = 100;

/// The records like deals there are, and the deals changed since their
/// export, a summary lists (the CLI's dry run lists them all).
const LISTED: usize = 5;

/// What an import run found (or wrote): its counts, the first records it
/// skipped and the first that match deals there are or that would
/// overwrite later changes, each in words, and how many deals a forced
/// import overwrote.
#[derive(Debug, Clone)]
struct Found {
    imported: Imported,
    skipped: Vec<String>,
    matches: Vec<String>,
    changed: Vec<String>,
    overwritten: usize,
    /// The sign-offs deal documents carried that were not kept, and their
    /// histories not kept, each in the line `deal import` prints.
    dropped: Vec<String>,
}

impl Found {
    /// Whether f may be pressed: deal documents, or rows of deals changed
    /// since they were exported.
    fn may_overwrite(&self) -> bool {
        self.imported.format == ImportFormat::Json || self.imported.tally.stale > 0
    }
}

fn run_import(
    s: &mut Session,
    path: &Path,
    options: ImportOptions,
    progress: &mut dyn FnMut(Progress),
) -> Result<Found, String> {
    let (mut skipped, mut matches, mut changed) = (Vec::new(), Vec::new(), Vec::new());
    let mut on = |event: &Event| {
        let (list, text) = match event {
            Event::Skipped {
                record,
                line,
                label,
                reason,
            } => {
                let text = crate::ops::interop::skipped_text(*record, *line, label, reason);
                (&mut skipped, text)
            }
            Event::Duplicate {
                record,
                line,
                label,
                existing,
                existing_name,
            } => {
                let text = format!(
                    "record {record} (line {line}, {label}) is like deal {existing} {:?}",
                    existing_name
                );
                (&mut matches, text)
            }
            Event::Stale {
                id, name, found, ..
            } => {
                let text = format!("deal {id} {name:?}, now at version {found}");
                (&mut changed, text)
            }
            _ => return,
        };
        let keep = if matches!(event, Event::Skipped { .. }) {
            KEEP_SKIPPED
        } else {
            LISTED
        };
        if list.len() < keep {
            list.push(text);
        }
    };
    let done = file_import::import_file(s, path, options, &mut on, progress)?;
    let overwritten = done.saved.iter().filter(|d| d.replaced.is_some()).count()
        + done.imported.tally.overwritten as usize;
    Ok(Found {
        imported: done.imported,
        skipped,
        matches,
        changed,
        overwritten,
        dropped: (done.dropped.iter().map(ToString::to_string))
            .chain(done.history)
            .collect(),
    })
}

/// The counts of an import, before (`dry_run`) or after writing it.
fn counts_text(format: ImportFormat, t: &Tally, dry_run: bool) -> String {
    let records = plural(t.records, "record", "records");
    match (format, dry_run) {
        (ImportFormat::Json, true) => plural(t.records, "deal document", "deal documents"),
        (ImportFormat::Json, false) => format!("{} created or updated", t.created),
        (ImportFormat::ContactRoles, true) => format!(
            "{records}: {} to add, {} to link to their contact, {} already there, {} skipped",
            plural(t.created, "stakeholder", "stakeholders"),
            t.updated,
            t.unchanged,
            t.skipped
        ),
        (ImportFormat::ContactRoles, false) => format!(
            "{records}: {} added, {} linked to their contact, {} already there, {} skipped",
            plural(t.created, "stakeholder", "stakeholders"),
            t.updated,
            t.unchanged,
            t.skipped
        ),
        (ImportFormat::SalesforceCsv, true) => format!(
            "{records}: {} to create, {} to update, {} unchanged, {} skipped",
            t.created + t.duplicates,
            t.updated + t.stale,
            t.unchanged,
            t.skipped
        ),
        (ImportFormat::SalesforceCsv, false) => format!(
            "{records}: {} created, {} updated, {} unchanged, {} skipped",
            t.created, t.updated, t.unchanged, t.skipped
        ),
    }
}

/// The size of a file, for the progress of reading it (0: unknown).
fn size_of(path: &Path) -> u64 {
    std::fs::metadata(path).map_or(0, |m| m.len())
}

pub struct ImportDialog {
    stage: ImportStage,
}

enum ImportStage {
    /// The path being typed, and why the last one was refused.
    Path { input: Input, error: Option<String> },
    /// The dry run.
    Reading {
        input: Input,
        path: PathBuf,
        size: u64,
        job: Job<Result<Found, String>>,
    },
    /// What the dry run found; writing waits for a yes, overwriting deals
    /// changed since their export when `force`.
    Summary {
        path: PathBuf,
        found: Found,
        force: bool,
    },
    /// The import itself, in one transaction.
    Writing {
        path: PathBuf,
        records: u64,
        job: Job<Result<Found, String>>,
    },
}

impl Default for ImportDialog {
    fn default() -> Self {
        ImportDialog::new()
    }
}

impl ImportDialog {
    pub fn new() -> ImportDialog {
        ImportDialog {
            stage: ImportStage::Path {
                input: Input::default(),
                error: None,
            },
        }
    }

    /// The keymap layers the dialog answers to, the first winning; none
    /// while it works. Deal documents may be forced over later changes.
    pub fn layers(&self) -> Vec<Layer> {
        match &self.stage {
            ImportStage::Path { .. } => vec![Layer::Prompt],
            ImportStage::Summary { found, .. } if found.may_overwrite() => {
                vec![Layer::ImportDocuments, Layer::Confirm]
            }
            ImportStage::Summary { .. } => vec![Layer::Confirm],
            ImportStage::Reading { .. } | ImportStage::Writing { .. } => Vec::new(),
        }
    }

    pub fn is_working(&self) -> bool {
        matches!(
            self.stage,
            ImportStage::Reading { .. } | ImportStage::Writing { .. }
        )
    }

    pub fn update(&mut self, action: Action, ctx: &mut Ctx) -> DialogOutcome {
        let stage = std::mem::replace(
            &mut self.stage,
            ImportStage::Path {
                input: Input::default(),
                error: None,
            },
        );
        let (stage, outcome) = match (stage, action) {
            (ImportStage::Path { mut input, .. }, Action::Type(key)) => {
                type_into(&mut input, key, MAX_PATH);
                (
                    ImportStage::Path { input, error: None },
                    DialogOutcome::Stay,
                )
            }
            (ImportStage::Path { input, .. }, Action::Confirm) => {
                (read(input, &mut ctx.session), DialogOutcome::Stay)
            }
            (stage @ ImportStage::Path { .. }, Action::Cancel) => {
                (stage, DialogOutcome::Close(None))
            }
            (ImportStage::Summary { path, found, force }, Action::ToggleForce) => (
                ImportStage::Summary {
                    path,
                    found,
                    force: !force,
                },
                DialogOutcome::Stay,
            ),
            (ImportStage::Summary { path, found, force }, Action::Confirm) => {
                let records = found.imported.tally.records;
                let file = path.clone();
                // the yes was asked for the deals like ones there are too
                let options = ImportOptions {
                    dry_run: false,
                    force,
                    new: true,
                    // the dialog drops forged sign-offs and says so
                    strict: false,
                };
                match Job::start(&mut ctx.session, move |s, progress| {
                    run_import(s, &file, options, progress)
                }) {
                    Ok(job) => (
                        ImportStage::Writing { path, records, job },
                        DialogOutcome::Stay,
                    ),
                    Err(e) => (
                        ImportStage::Summary { path, found, force },
                        DialogOutcome::Close(Some(Status::error(e))),
                    ),
                }
            }
            (stage @ ImportStage::Summary { .. }, Action::Cancel) => {
                let ImportStage::Summary { path, .. } = &stage else {
                    unreachable!()
                };
                let text = format!("Nothing was imported from {}", file_name(path));
                (stage, DialogOutcome::Close(Some(Status::info(text))))
            }
            (stage, _) => (stage, DialogOutcome::Stay),
        };
        self.stage = stage;
        outcome
    }

    /// Take what the work reported; what the app should do once it is done.
    pub fn poll(&mut self) -> DialogOutcome {
        let done = match &mut self.stage {
            ImportStage::Reading { job, .. } | ImportStage::Writing { job, .. } => job.poll(),
            _ => None,
        };
        done.map_or(DialogOutcome::Stay, |d| self.finish(d))
    }

    /// Wait for the work to finish (tests; the app polls instead).
    pub fn wait(&mut self) -> DialogOutcome {
        let done = match &mut self.stage {
            ImportStage::Reading { job, .. } | ImportStage::Writing { job, .. } => job.wait(),
            _ => return DialogOutcome::Stay,
        };
        self.finish(done)
    }

    fn finish(&mut self, done: Result<Result<Found, String>, String>) -> DialogOutcome {
        let done = done.and_then(|r| r);
        let stage = std::mem::replace(
            &mut self.stage,
            ImportStage::Path {
                input: Input::default(),
                error: None,
            },
        );
        match stage {
            ImportStage::Reading { input, path, .. } => {
                self.stage = match done {
                    Ok(found) => ImportStage::Summary {
                        path,
                        found,
                        force: false,
                    },
                    Err(error) => ImportStage::Path {
                        input,
                        error: Some(error),
                    },
                };
                DialogOutcome::Stay
            }
            ImportStage::Writing { path, .. } => match done {
                Ok(found) => {
                    let t = &found.imported.tally;
                    let mut text = format!(
                        "Imported {}: {}",
                        file_name(&path),
                        counts_text(found.imported.format, t, false)
                    );
                    if found.overwritten > 0 {
                        text.push_str(&format!(
                            "; overwrote {} changed since {} exported",
                            plural(found.overwritten as u64, "deal", "deals"),
                            if found.overwritten == 1 {
                                "it was"
                            } else {
                                "they were"
                            }
                        ));
                    }
                    for dropped in &found.dropped {
                        text.push_str("; ");
                        text.push_str(dropped);
                    }
                    let warn = t.skipped > 0 || found.overwritten > 0 || !found.dropped.is_empty();
                    DialogOutcome::Written(if warn {
                        Status::warn(text)
                    } else {
                        Status::info(text)
                    })
                }
                Err(e) => DialogOutcome::Written(Status::error(e)),
            },
            stage => {
                self.stage = stage;
                DialogOutcome::Stay
            }
        }
    }

    pub fn render(&self, area: Rect, buf: &mut Buffer, look: Look<'_>) {
        let theme = look.theme;
        match &self.stage {
            ImportStage::Path { input, error } => {
                let inner = dialog(area, buf, look, " Import deals ", 9);
                let [about, _, field, message] = Layout::vertical([
                    Constraint::Length(2),
                    Constraint::Length(1),
                    Constraint::Length(1),
                    Constraint::Fill(1),
                ])
                .areas(inner);
                Paragraph::new(
                    "A Salesforce opportunity or contact-role export (CSV), or deal documents \
                     (JSON). Nothing is written before you have seen what it holds.",
                )
                .wrap(ratatui::widgets::Wrap { trim: true })
                .render(about, buf);
                path_field(buf, field, "File ", input, theme.key);
                if let Some(error) = error {
                    Paragraph::new(shown(error))
                        .style(theme.error)
                        .wrap(ratatui::widgets::Wrap { trim: true })
                        .render(message, buf);
                }
            }
            ImportStage::Reading {
                path, size, job, ..
            } => {
                let inner = dialog(area, buf, look, " Import deals: dry run ", 6);
                let ratio = ratio(job.progress.bytes, *size);
                let label = format!("{} read", plural(job.progress.records, "record", "records"));
                working(
                    inner,
                    buf,
                    look,
                    (
                        &format!("Reading {}", shown(&path.display().to_string())),
                        "A dry run: nothing is written.",
                    ),
                    ratio,
                    &label,
                );
            }
            ImportStage::Writing { path, records, job } => {
                let inner = dialog(area, buf, look, " Import deals: writing ", 6);
                let ratio = ratio(job.progress.records, *records);
                let label = format!(
                    "{} of {} written",
                    job.progress.records,
                    plural(*records, "record", "records")
                );
                working(
                    inner,
                    buf,
                    look,
                    (
                        &format!("Importing {}", shown(&path.display().to_string())),
                        "One transaction: all of it is written, or nothing.",
                    ),
                    ratio,
                    &label,
                );
            }
            ImportStage::Summary { path, found, force } => {
                let width = area.width.saturating_sub(4).min(100);
                let width_in = usize::from(width.saturating_sub(2));
                let lines = summary_lines(path, found, *force, width_in, look);
                let room = usize::from(area.height.saturating_sub(2)).saturating_sub(2);
                let lines = fit(lines, room, found, look);
                let rect = popup(area, width, lines.len() as u16 + 2);
                let inner = frame(rect, buf, look, " Import deals: what the dry run found ");
                Paragraph::new(lines).render(inner, buf);
            }
        }
    }
}

/// Check the typed path at once (the same one-line messages as `deal
/// import`), then start the dry run.
fn read(input: Input, session: &mut Session) -> ImportStage {
    let refuse = |input, error: String| ImportStage::Path {
        input,
        error: Some(error),
    };
    let typed = input.value().trim();
    if typed.is_empty() {
        return refuse(input, "type the path of the file to import".into());
    }
    if typed == "-" {
        return refuse(
            input,
            "standard input cannot be read here; give a file".into(),
        );
    }
    let path = transfer::expand_path(typed);
    let checked = transfer::open_input(&path).and_then(|mut r| transfer::sniff(&mut r, &path));
    if let Err(f) = checked {
        return refuse(input, f.message);
    }
    let size = size_of(&path);
    let file = path.clone();
    match Job::start(session, move |s, progress| {
        run_import(s, &file, ImportOptions::plain(true), progress)
    }) {
        Ok(job) => ImportStage::Reading {
            input,
            path,
            size,
            job,
        },
        Err(e) => refuse(input, e),
    }
}

/// The summary's lines, each labelled, wrapped to `width`.
fn summary_lines(
    path: &Path,
    found: &Found,
    force: bool,
    width: usize,
    look: Look<'_>,
) -> Vec<Line<'static>> {
    let theme = look.theme;
    let t = &found.imported.tally;
    let label = |text: &str| vec![Span::styled(format!("{text:<10}"), theme.title)];
    let mut lines = Vec::new();
    let mut row = |name: &str, text: &str, style: Style| {
        lines.extend(hanging(label(name), &[(text, style)], width));
    };
    row("File", &path.display().to_string(), Style::new());
    row("Format", found.imported.format.label(), Style::new());
    row(
        "Records",
        &counts_text(found.imported.format, t, true),
        Style::new(),
    );
    if !t.ignored_columns.is_empty() {
        row("Not read", &t.ignored_columns.join(", "), theme.dim);
    }
    if t.not_records > 0 {
        let text = format!(
            "{} that {} not records (a report's footer)",
            plural(t.not_records, "line", "lines"),
            if t.not_records == 1 { "is" } else { "are" }
        );
        row("Left out", &text, theme.dim);
    }
    if t.no_ids {
        row(
            "Note",
            "the file has no Id or Opportunity ID column (nor Qualify_Id__c): importing it again \
             would create its deals again",
            theme.warn,
        );
    }
    if t.duplicates > 0 {
        let text = format!(
            "{} (the same name, account and close date): a yes creates {} too",
            plural(
                t.duplicates,
                "record is like a deal there is",
                "records are like deals there are"
            ),
            if t.duplicates == 1 { "it" } else { "them" }
        );
        row("New?", &text, theme.warn);
        for m in &found.matches {
            row("", m, theme.warn);
        }
        more(&mut row, t.duplicates, found.matches.len());
    }
    if found.may_overwrite() {
        let (its, their) = if found.imported.format == ImportFormat::Json {
            ("its document", "their document")
        } else {
            ("its row", "their row")
        };
        for (i, c) in found.changed.iter().enumerate() {
            row(if i == 0 { "Changed" } else { "" }, c, theme.warn);
        }
        more(&mut row, t.stale, found.changed.len());
        if force {
            let text =
                format!("yes: deals changed since {their} was exported are overwritten (f: no)");
            row("Overwrite", &text, theme.warn);
        } else {
            let text = format!("no: a deal changed since {its} was exported is refused (f: yes)");
            row("Overwrite", &text, theme.dim);
        }
    }
    for (i, skipped) in found.skipped.iter().enumerate() {
        row(if i == 0 { "Skipped" } else { "" }, skipped, theme.warn);
    }
    lines
}

/// "… and N more" under a list cut to [`LISTED`] lines.
fn more(row: &mut dyn FnMut(&str, &str, Style), all: u64, listed: usize) {
    let rest = all.saturating_sub(listed as u64);
    if rest > 0 {
        let text = format!("… and {rest} more (`qualify deal import FILE --dry-run` lists them)");
        row("", &text, Style::new());
    }
}

/// The summary cut to `room` lines (the skipped records go first), with
/// the question at the end.
fn fit(
    mut lines: Vec<Line<'static>>,
    room: usize,
    found: &Found,
    look: Look<'_>,
) -> Vec<Line<'static>> {
    let t = &found.imported.tally;
    let listed = found.skipped.len() as u64;
    let question = Line::from(vec![
        Span::raw("Nothing is written yet. "),
        Span::styled("y/Enter", look.theme.key),
        Span::raw(" imports it, "),
        Span::styled("n/Esc", look.theme.key),
        Span::raw(" leaves it."),
    ]);
    let body = room.saturating_sub(2).max(1);
    let more = if lines.len() > body || t.skipped > listed {
        lines.truncate(body.saturating_sub(1));
        Some(Line::styled(
            "… more skipped records: `qualify deal import FILE --dry-run` lists them all",
            look.theme.dim,
        ))
    } else {
        None
    };
    lines.extend(more);
    lines.push(Line::raw(""));
    lines.push(question);
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::playbook::Playbook;
    use crate::tui::theme::Theme;

    fn text(buf: &Buffer) -> String {
        let area = buf.area;
        (0..area.height)
            .map(|y| {
                (0..area.width)
                    .map(|x| buf[(x, y)].symbol())
                    .collect::<String>()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn a_summary_too_long_for_the_window_keeps_its_question_and_says_more() {
        let skipped: Vec<String> = (1..=30)
            .map(|n| format!("record {n} (line {}): Amount: not a number", n + 1))
            .collect();
        let found = Found {
            imported: Imported {
                format: ImportFormat::SalesforceCsv,
                tally: Tally {
                    records: 40,
                    created: 10,
                    skipped: 30,
                    ..Tally::default()
                },
            },
            skipped,
            matches: Vec::new(),
            changed: Vec::new(),
            overwritten: 0,
            dropped: Vec::new(),
        };
        let dialog = ImportDialog {
            stage: ImportStage::Summary {
                path: PathBuf::from("opps.csv"),
                found,
                force: false,
            },
        };
        let (playbook, theme) = (Playbook::default_playbook(), Theme::plain());
        let look = Look {
            playbook: &playbook,
            theme: &theme,
        };
        let mut buf = Buffer::empty(Rect::new(0, 0, 80, 22));
        dialog.render(buf.area, &mut buf, look);
        let shown = text(&buf);
        assert!(shown.contains("40 records: 10 to create"), "{shown}");
        assert!(shown.contains("record 1 (line 2)"), "{shown}");
        assert!(!shown.contains("record 30 "), "{shown}");
        assert!(shown.contains("… more skipped records"), "{shown}");
        assert!(shown.contains("y/Enter imports it"), "{shown}");
    }

    #[test]
    fn the_progress_bar_fills_with_the_records_written() {
        use crate::tui::job::{Report, stopped};
        use std::sync::mpsc;
        let (tx, rx) = mpsc::channel();
        tx.send(Report::Progress(Progress {
            records: 250,
            bytes: 0,
        }))
        .unwrap();
        let mut job: Job<Result<Found, String>> = Job {
            rx,
            progress: Progress::default(),
        };
        assert!(job.poll().is_none(), "still working");
        let mut dialog = ImportDialog {
            stage: ImportStage::Writing {
                path: PathBuf::from("opps.csv"),
                records: 1000,
                job,
            },
        };
        let (playbook, theme) = (Playbook::default_playbook(), Theme::plain());
        let look = Look {
            playbook: &playbook,
            theme: &theme,
        };
        let mut buf = Buffer::empty(Rect::new(0, 0, 80, 22));
        dialog.render(buf.area, &mut buf, look);
        let shown = text(&buf);
        assert!(shown.contains("250 of 1000 records written"), "{shown}");
        let bar = shown.lines().find(|l| l.contains("written")).unwrap();
        let filled = bar.chars().filter(|c| *c == '█').count();
        assert!(
            (15..=22).contains(&filled),
            "a quarter of 76 columns: {bar}"
        );
        // the worker gone without a word: said, not waited on forever
        drop(tx);
        assert_eq!(
            dialog.poll(),
            DialogOutcome::Written(Status::error(stopped()))
        );
    }
}
