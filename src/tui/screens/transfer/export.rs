//! Exporting every deal from the deal list (x): a format and a file are
//! chosen, an existing file is replaced only after a yes, and the export is
//! written on a second connection to the database on another thread (by a
//! temporary file, renamed into place), the screen drawing its progress.

use super::frame::{DialogOutcome, MAX_PATH, dialog, path_field, plural, ratio, working};
use crate::ops::transfer::{self, ExportEvent, ExportFormat, Progress};
use crate::ops::{self, Session};
use crate::text::shown;
use crate::tui::action::Action;
use crate::tui::job::Job;
use crate::tui::keymap::Layer;
use crate::tui::shared::{Ctx, Look, Status};
use crate::tui::widgets::{truncate, type_into};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};
use std::path::PathBuf;
use tui_input::Input;

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
    let total = ops::views::list_count(session, &session.list_query()).map_or(0, |n| n as u64);
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
        // a file there was replaced only after a yes
        let all = transfer::ExportChoice::all(format);
        let deals = transfer::export(s, &all, Some(&file), true, &mut std::io::sink(), &mut on)
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
