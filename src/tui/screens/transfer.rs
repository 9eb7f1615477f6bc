//! Import and export from the deal list. An import asks for a file, shows
//! what a dry run found and writes only when confirmed; an export asks for
//! a format and a file, and for leave to replace one that exists. The work
//! runs on a second connection to the database on another thread, so the
//! screen keeps drawing a progress bar; an import is still one transaction.

use crate::ops::Session;
use crate::ops::interop::{Event, Tally};
use crate::ops::transfer::{self, ExportEvent, ExportFormat, ImportFormat, Imported, Progress};
use crate::text::shown;
use crate::tui::action::Action;
use crate::tui::job::Job;
use crate::tui::keymap::Layer;
use crate::tui::shared::{Ctx, Look, Status};
use crate::tui::widgets::{hanging, popup, text_field, truncate, type_into};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Gauge, Paragraph, Widget};
use std::path::{Path, PathBuf};
use tui_input::Input;

/// The longest path the prompts take.
const MAX_PATH: usize = 4096;

/// The skipped records a summary keeps (the CLI's dry run lists them all).
const KEEP_SKIPPED: usize = 100;

/// What a dialog asks of the app after an action or when its work is done.
#[derive(Debug, PartialEq, Eq)]
pub enum DialogOutcome {
    Stay,
    /// Closed; nothing was written.
    Close(Option<Status>),
    /// Something was written: the list is read again.
    Written(Status),
}

/// What an import run found (or wrote): its counts and the first records
/// it skipped, each in words.
#[derive(Debug, Clone)]
struct Found {
    imported: Imported,
    skipped: Vec<String>,
}

fn run_import(
    s: &mut Session,
    path: &Path,
    dry_run: bool,
    progress: &mut dyn FnMut(Progress),
) -> Result<Found, String> {
    let mut skipped = Vec::new();
    let mut on = |event: &Event| {
        if let Event::Skipped {
            record,
            line,
            label,
            reason,
        } = event
            && skipped.len() < KEEP_SKIPPED
        {
            let who = if label.is_empty() {
                String::new()
            } else {
                format!(", {label}")
            };
            skipped.push(format!("record {record} (line {line}{who}): {reason}"));
        }
    };
    let imported =
        transfer::import_file(s, path, dry_run, &mut on, progress).map_err(|f| f.message)?;
    Ok(Found { imported, skipped })
}

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
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
            t.created, t.updated, t.unchanged, t.skipped
        ),
        (ImportFormat::SalesforceCsv, false) => format!(
            "{records}: {} created, {} updated, {} unchanged, {} skipped",
            t.created, t.updated, t.unchanged, t.skipped
        ),
    }
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
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
    /// What the dry run found; writing waits for a yes.
    Summary { path: PathBuf, found: Found },
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

    /// The keymap layer the dialog answers to; `None` while it works.
    pub fn layer(&self) -> Option<Layer> {
        match self.stage {
            ImportStage::Path { .. } => Some(Layer::Prompt),
            ImportStage::Summary { .. } => Some(Layer::Confirm),
            ImportStage::Reading { .. } | ImportStage::Writing { .. } => None,
        }
    }

    pub fn is_working(&self) -> bool {
        self.layer().is_none()
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
            (ImportStage::Summary { path, found }, Action::Confirm) => {
                let records = found.imported.tally.records;
                let file = path.clone();
                match Job::start(&mut ctx.session, move |s, progress| {
                    run_import(s, &file, false, progress)
                }) {
                    Ok(job) => (
                        ImportStage::Writing { path, records, job },
                        DialogOutcome::Stay,
                    ),
                    Err(e) => (
                        ImportStage::Summary { path, found },
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
                    Ok(found) => ImportStage::Summary { path, found },
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
                    let text = format!(
                        "Imported {}: {}",
                        file_name(&path),
                        counts_text(found.imported.format, t, false)
                    );
                    DialogOutcome::Written(if t.skipped > 0 {
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
            ImportStage::Summary { path, found } => {
                let width = area.width.saturating_sub(4).min(100);
                let lines = summary_lines(path, found, usize::from(width.saturating_sub(2)), look);
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
        run_import(s, &file, true, progress)
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
fn summary_lines(path: &Path, found: &Found, width: usize, look: Look<'_>) -> Vec<Line<'static>> {
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
            "the file has no Id or Opportunity ID column: importing it again creates the deals again",
            theme.warn,
        );
    }
    for (i, skipped) in found.skipped.iter().enumerate() {
        row(if i == 0 { "Skipped" } else { "" }, skipped, theme.warn);
    }
    lines
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

fn ratio(done: u64, total: u64) -> f64 {
    if total == 0 {
        0.0
    } else {
        (done as f64 / total as f64).clamp(0.0, 1.0)
    }
}

/// A bordered dialog of `height` rows centred in `area`; its inside.
fn dialog(area: Rect, buf: &mut Buffer, look: Look<'_>, title: &str, height: u16) -> Rect {
    let rect = popup(area, area.width.saturating_sub(4).min(78), height);
    frame(rect, buf, look, title)
}

fn frame(rect: Rect, buf: &mut Buffer, look: Look<'_>, title: &str) -> Rect {
    Clear.render(rect, buf);
    let block = Block::bordered()
        .title(title.to_string())
        .title_style(look.theme.title)
        .border_style(look.theme.focus_border);
    let inner = block.inner(rect);
    block.render(rect, buf);
    inner
}

/// What is being done, and a progress bar.
fn working(
    inner: Rect,
    buf: &mut Buffer,
    look: Look<'_>,
    (what, foot): (&str, &str),
    ratio: f64,
    label: &str,
) {
    let [line, _, bar, area_foot] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(inner);
    Line::raw(truncate(what, usize::from(line.width))).render(line, buf);
    Gauge::default()
        .gauge_style(look.theme.key)
        .use_unicode(true)
        .ratio(ratio)
        .label(label.to_string())
        .render(bar, buf);
    Line::styled(foot.to_string(), look.theme.dim).render(area_foot, buf);
}

/// A labelled one-line path field.
fn path_field(buf: &mut Buffer, area: Rect, label: &str, input: &Input, style: Style) {
    let width = label.chars().count() as u16;
    buf.set_string(area.x, area.y, label, style);
    let field = Rect {
        x: area.x + width,
        width: area.width.saturating_sub(width),
        ..area
    };
    text_field(
        buf,
        field,
        input.value(),
        input.visual_cursor(),
        true,
        Style::new(),
    );
}

pub struct ExportDialog {
    stage: ExportStage,
}

enum ExportStage {
    /// The format and the file being chosen, and why the last try failed.
    Choose {
        format: ExportFormat,
        input: Input,
        error: Option<String>,
    },
    /// The file exists: replace it?
    Overwrite {
        format: ExportFormat,
        input: Input,
        path: PathBuf,
    },
    Writing {
        format: ExportFormat,
        input: Input,
        path: PathBuf,
        total: u64,
        job: Job<Result<Exported, String>>,
    },
}

/// What an export wrote: deals, and the cells cut to Salesforce's limits.
struct Exported {
    deals: u64,
    cuts: u64,
}

/// The path first offered for a format: the file name in the home folder.
fn default_path(format: ExportFormat) -> String {
    format!("~/{}", format.file_name())
}

impl Default for ExportDialog {
    fn default() -> Self {
        ExportDialog::new()
    }
}

impl ExportDialog {
    pub fn new() -> ExportDialog {
        let format = ExportFormat::Json;
        ExportDialog {
            stage: ExportStage::Choose {
                format,
                input: Input::new(default_path(format)),
                error: None,
            },
        }
    }

    pub fn layer(&self) -> Option<Layer> {
        match self.stage {
            ExportStage::Choose { .. } => Some(Layer::Export),
            ExportStage::Overwrite { .. } => Some(Layer::Confirm),
            ExportStage::Writing { .. } => None,
        }
    }

    pub fn is_working(&self) -> bool {
        self.layer().is_none()
    }

    pub fn update(&mut self, action: Action, ctx: &mut Ctx) -> DialogOutcome {
        let stage = std::mem::replace(
            &mut self.stage,
            ExportStage::Choose {
                format: ExportFormat::Json,
                input: Input::default(),
                error: None,
            },
        );
        let (stage, outcome) = match (stage, action) {
            (ExportStage::Choose { format, input, .. }, Action::FocusNext | Action::FocusPrev) => {
                let all = ExportFormat::ALL;
                let at = all.iter().position(|f| *f == format).unwrap_or(0);
                let next = if action == Action::FocusNext {
                    all[(at + 1) % all.len()]
                } else {
                    all[(at + all.len() - 1) % all.len()]
                };
                // a path left as offered follows the format
                let input = if input.value() == default_path(format) {
                    Input::new(default_path(next))
                } else {
                    input
                };
                let stage = ExportStage::Choose {
                    format: next,
                    input,
                    error: None,
                };
                (stage, DialogOutcome::Stay)
            }
            (
                ExportStage::Choose {
                    format, mut input, ..
                },
                Action::Type(key),
            ) => {
                type_into(&mut input, key, MAX_PATH);
                let stage = ExportStage::Choose {
                    format,
                    input,
                    error: None,
                };
                (stage, DialogOutcome::Stay)
            }
            (ExportStage::Choose { format, input, .. }, Action::Confirm) => {
                let typed = input.value().trim();
                let path = transfer::expand_path(typed);
                let refuse = |input, error: String| ExportStage::Choose {
                    format,
                    input,
                    error: Some(error),
                };
                let stage = if typed.is_empty() {
                    refuse(input, "type the path of the file to write".into())
                } else if std::fs::metadata(&path).is_ok_and(|m| m.is_dir()) {
                    let error = format!("cannot write {}: that is a folder", path.display());
                    refuse(input, error)
                } else if std::fs::symlink_metadata(&path).is_ok() {
                    ExportStage::Overwrite {
                        format,
                        input,
                        path,
                    }
                } else {
                    write(format, input, path, &mut ctx.session)
                };
                (stage, DialogOutcome::Stay)
            }
            (
                ExportStage::Overwrite {
                    format,
                    input,
                    path,
                },
                Action::Confirm,
            ) => (
                write(format, input, path, &mut ctx.session),
                DialogOutcome::Stay,
            ),
            (ExportStage::Overwrite { format, input, .. }, Action::Cancel) => {
                let stage = ExportStage::Choose {
                    format,
                    input,
                    error: None,
                };
                (stage, DialogOutcome::Stay)
            }
            (stage @ ExportStage::Choose { .. }, Action::Cancel) => {
                (stage, DialogOutcome::Close(None))
            }
            (stage, _) => (stage, DialogOutcome::Stay),
        };
        self.stage = stage;
        outcome
    }

    pub fn poll(&mut self) -> DialogOutcome {
        let done = match &mut self.stage {
            ExportStage::Writing { job, .. } => job.poll(),
            _ => None,
        };
        done.map_or(DialogOutcome::Stay, |d| self.finish(d))
    }

    pub fn wait(&mut self) -> DialogOutcome {
        let done = match &mut self.stage {
            ExportStage::Writing { job, .. } => job.wait(),
            _ => return DialogOutcome::Stay,
        };
        self.finish(done)
    }

    fn finish(&mut self, done: Result<Result<Exported, String>, String>) -> DialogOutcome {
        let stage = std::mem::replace(
            &mut self.stage,
            ExportStage::Choose {
                format: ExportFormat::Json,
                input: Input::default(),
                error: None,
            },
        );
        let ExportStage::Writing {
            format,
            input,
            path,
            ..
        } = stage
        else {
            self.stage = stage;
            return DialogOutcome::Stay;
        };
        match done.and_then(|r| r) {
            Ok(Exported { deals, cuts }) => {
                let mut text = format!(
                    "Exported {} to {} ({})",
                    plural(deals, "deal", "deals"),
                    path.display(),
                    format.name()
                );
                if cuts > 0 {
                    text.push_str(&format!(
                        "; {} cut to Salesforce's limits (the CLI names them)",
                        plural(cuts, "cell", "cells")
                    ));
                }
                DialogOutcome::Close(Some(if cuts > 0 {
                    Status::warn(text)
                } else {
                    Status::info(text)
                }))
            }
            Err(error) => {
                self.stage = ExportStage::Choose {
                    format,
                    input,
                    error: Some(error),
                };
                DialogOutcome::Stay
            }
        }
    }

    pub fn render(&self, area: Rect, buf: &mut Buffer, look: Look<'_>) {
        let theme = look.theme;
        match &self.stage {
            ExportStage::Choose {
                format,
                input,
                error,
            } => {
                let inner = dialog(area, buf, look, " Export every deal ", 11);
                let [formats, _, field, message] = Layout::vertical([
                    Constraint::Length(ExportFormat::ALL.len() as u16),
                    Constraint::Length(1),
                    Constraint::Length(1),
                    Constraint::Fill(1),
                ])
                .areas(inner);
                for (i, f) in ExportFormat::ALL.iter().enumerate() {
                    let chosen = f == format;
                    let row = Rect {
                        y: formats.y + i as u16,
                        height: 1,
                        ..formats
                    };
                    let style = if chosen { theme.selected } else { Style::new() };
                    let text = format!(
                        "{} {:<15}{}",
                        if chosen { "›" } else { " " },
                        f.name(),
                        f.description()
                    );
                    Line::styled(truncate(&text, usize::from(row.width)), style).render(row, buf);
                }
                path_field(buf, field, "File ", input, theme.key);
                if let Some(error) = error {
                    Paragraph::new(shown(error))
                        .style(theme.error)
                        .wrap(ratatui::widgets::Wrap { trim: true })
                        .render(message, buf);
                } else {
                    Paragraph::new(
                        "Written readable by you only; an existing file is replaced only if you say so.",
                    )
                    .style(theme.dim)
                    .wrap(ratatui::widgets::Wrap { trim: true })
                    .render(message, buf);
                }
            }
            ExportStage::Overwrite { path, .. } => {
                let inner = dialog(area, buf, look, " Replace the file? ", 6);
                let text = vec![
                    Line::raw(format!("{} exists.", shown(&path.display().to_string()))),
                    Line::raw(""),
                    Line::from(vec![
                        Span::styled("y/Enter", theme.key),
                        Span::raw(" replaces it, "),
                        Span::styled("n/Esc", theme.key),
                        Span::raw(" keeps it and goes back."),
                    ]),
                ];
                Paragraph::new(text)
                    .wrap(ratatui::widgets::Wrap { trim: true })
                    .render(inner, buf);
            }
            ExportStage::Writing {
                format,
                path,
                total,
                job,
                ..
            } => {
                let inner = dialog(area, buf, look, " Export every deal: writing ", 6);
                let label = format!(
                    "{} of {} written",
                    job.progress.records,
                    plural(*total, "deal", "deals")
                );
                let what = format!(
                    "Writing {} ({})",
                    shown(&path.display().to_string()),
                    format.name()
                );
                working(
                    inner,
                    buf,
                    look,
                    (&what, "By a temporary file, renamed into place when done."),
                    ratio(job.progress.records, *total),
                    &label,
                );
            }
        }
    }
}

/// Start writing the export.
fn write(format: ExportFormat, input: Input, path: PathBuf, session: &mut Session) -> ExportStage {
    let total = session
        .count_deals(&session.list_query())
        .map_or(0, |n| n as u64);
    let file = path.clone();
    let job = Job::start(session, move |s, progress| {
        let mut cuts = 0;
        let mut on = |event: ExportEvent| match event {
            ExportEvent::Written(deals) => progress(Progress {
                records: deals,
                bytes: 0,
            }),
            ExportEvent::Cut(_) => cuts += 1,
        };
        let deals = transfer::export(s, None, format, Some(&file), &mut std::io::sink(), &mut on)
            .map_err(|f| f.message)?;
        Ok(Exported { deals, cuts })
    });
    match job {
        Ok(job) => ExportStage::Writing {
            format,
            input,
            path,
            total,
            job,
        },
        Err(error) => ExportStage::Choose {
            format,
            input,
            error: Some(error),
        },
    }
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
        };
        let dialog = ImportDialog {
            stage: ImportStage::Summary {
                path: PathBuf::from("opps.csv"),
                found,
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
