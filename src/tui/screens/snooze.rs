//! Snoozing a deal from the list (`z`): the day its stalled flag stays
//! silent until and why; or, when a snooze is in force, whether to lift it.
//! With `Z`, one of its warnings (chosen with ←/→) until a day, and why.
//! All go through the use cases `deal snooze` and `deal unsnooze` call.

use crate::domain::calendar::parse_date_input;
use crate::domain::choices::{Choice, WarningKind};
use crate::domain::deal::{DealId, DealSummary};
use crate::ops;
use crate::text::shown;
use crate::tui::action::Action;
use crate::tui::keymap::Layer;
use crate::tui::shared::{Ctx, Look, Status};
use crate::tui::widgets::{popup, text_field, truncate};
use chrono::{Duration, NaiveDate};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Widget};
use tui_input::Input;

/// What the dialog asks.
enum Ask {
    /// Until when (a date, or +N business days) and why; the field typed
    /// in: 0 the warning (when one is snoozed), 1 the day, 2 the reason.
    Snooze {
        until: Input,
        reason: Input,
        focus: usize,
    },
    /// Whether to lift the snooze in force until this day.
    Lift { until: NaiveDate },
}

pub struct SnoozeDialog {
    id: DealId,
    name: String,
    ask: Ask,
    /// The deal's warnings and the one to snooze (`None`: the stalled flag).
    warning: Option<(Vec<WarningKind>, usize)>,
    /// Why the last Enter was refused, shown in the dialog.
    error: Option<String>,
}

/// What a key did: the dialog stays (perhaps saying why not), or closes,
/// having written to the deal or not.
pub enum SnoozeOutcome {
    Stay,
    Close,
    Written(Status),
}

impl SnoozeDialog {
    /// Snooze `row`'s deal (a week from `today` to start with), or lift its
    /// snooze if one is in force.
    pub fn new(row: &DealSummary, today: NaiveDate) -> SnoozeDialog {
        let ask = match row.snoozed_until {
            Some(until) => Ask::Lift { until },
            None => Ask::Snooze {
                until: Input::new((today + Duration::days(7)).to_string()),
                reason: Input::default(),
                focus: 1,
            },
        };
        SnoozeDialog {
            id: row.id,
            name: row.name.clone(),
            ask,
            warning: None,
            error: None,
        }
    }

    /// Snooze one of `row`'s warnings (the first to start with; `None`
    /// when it has none).
    pub fn for_warning(row: &DealSummary, today: NaiveDate) -> Option<SnoozeDialog> {
        if row.warnings.is_empty() {
            return None;
        }
        Some(SnoozeDialog {
            id: row.id,
            name: row.name.clone(),
            ask: Ask::Snooze {
                until: Input::new((today + Duration::days(7)).to_string()),
                reason: Input::default(),
                focus: 0,
            },
            warning: Some((row.warnings.clone(), 0)),
            error: None,
        })
    }

    /// The warning being snoozed, if one is.
    fn kind(&self) -> Option<WarningKind> {
        self.warning.as_ref().map(|(kinds, at)| kinds[*at])
    }

    /// The keys that work now: the two fields, or a yes/no.
    pub fn layer(&self) -> Layer {
        match self.ask {
            Ask::Snooze { .. } => Layer::Snooze,
            Ask::Lift { .. } => Layer::Confirm,
        }
    }

    pub fn update(&mut self, action: Action, ctx: &mut Ctx) -> SnoozeOutcome {
        match (&mut self.ask, action) {
            (_, Action::Cancel) => SnoozeOutcome::Close,
            (Ask::Lift { .. }, Action::Confirm) => {
                match ops::unsnooze(&mut ctx.session, self.id, None) {
                    Ok(_) => SnoozeOutcome::Written(Status::info(format!(
                        "Deal {}: snooze lifted; it shows as stalled again when it is",
                        self.id
                    ))),
                    Err(e) => {
                        self.error = Some(e.to_string());
                        SnoozeOutcome::Stay
                    }
                }
            }
            (Ask::Snooze { focus, .. }, Action::FocusNext | Action::FocusPrev) => {
                // the warning's field first, when there is one
                let first = if self.warning.is_some() { 0 } else { 1 };
                *focus = match (action, *focus) {
                    (Action::FocusNext, 2) => first,
                    (Action::FocusNext, f) => f + 1,
                    (_, f) if f == first => 2,
                    (_, f) => f - 1,
                };
                SnoozeOutcome::Stay
            }
            (Ask::Snooze { focus, .. }, Action::Confirm) if *focus < 2 => {
                *focus += 1;
                SnoozeOutcome::Stay
            }
            (Ask::Snooze { focus: 0, .. }, Action::Type(key)) => {
                use ratatui::crossterm::event::KeyCode;
                if let Some((kinds, at)) = &mut self.warning {
                    match key.code {
                        KeyCode::Left => *at = (*at + kinds.len() - 1) % kinds.len(),
                        KeyCode::Right | KeyCode::Char(' ') => *at = (*at + 1) % kinds.len(),
                        _ => {}
                    }
                }
                SnoozeOutcome::Stay
            }
            (Ask::Snooze { until, reason, .. }, Action::Confirm) => {
                let (until, reason) = (until.value().to_string(), reason.value().to_string());
                self.snooze(&until, &reason, ctx)
            }
            (
                Ask::Snooze {
                    until,
                    reason,
                    focus,
                },
                Action::Type(key),
            ) => {
                let input = if *focus == 1 { until } else { reason };
                crate::tui::widgets::type_into(input, key, crate::text::MAX_SHORT);
                self.error = None;
                SnoozeOutcome::Stay
            }
            _ => SnoozeOutcome::Stay,
        }
    }

    /// Snooze until the day typed, for the reason typed.
    fn snooze(&mut self, until: &str, reason: &str, ctx: &mut Ctx) -> SnoozeOutcome {
        let session = &mut ctx.session;
        let (today, holidays) = (session.clock.today(), &session.playbook.targets.holidays);
        let day = match parse_date_input(until, today, holidays) {
            Ok(day) => day,
            Err(e) => {
                self.error = Some(format!("Until: {e}"));
                self.focus(1);
                return SnoozeOutcome::Stay;
            }
        };
        if reason.trim().is_empty() {
            self.error = Some("Why: say why the deal may stay quiet (or Esc to cancel)".into());
            self.focus(2);
            return SnoozeOutcome::Stay;
        }
        if let Some(kind) = self.kind() {
            return match ops::snooze_warning(session, self.id, None, kind, day, reason) {
                Ok(_) => SnoozeOutcome::Written(Status::info(format!(
                    "Deal {}: {} warning silenced until {day}",
                    self.id,
                    kind.label()
                ))),
                Err(e) => {
                    self.error = Some(e.to_string());
                    SnoozeOutcome::Stay
                }
            };
        }
        match ops::snooze(session, self.id, day, reason) {
            Ok(_) => SnoozeOutcome::Written(Status::info(format!(
                "Deal {}: not flagged as stalled until {day}",
                self.id
            ))),
            Err(e) => {
                self.error = Some(e.to_string());
                SnoozeOutcome::Stay
            }
        }
    }

    fn focus(&mut self, to: usize) {
        if let Ask::Snooze { focus, .. } = &mut self.ask {
            *focus = to;
        }
    }

    pub fn render(&self, area: Rect, buf: &mut Buffer, look: Look<'_>) {
        let theme = look.theme;
        let rect = popup(area, 72, 7);
        Clear.render(rect, buf);
        let what = if self.warning.is_some() {
            "a warning of deal"
        } else {
            "deal"
        };
        let title = format!(" Snooze {what} {}: {} ", self.id, shown(&self.name));
        let block = Block::bordered()
            .title(truncate(&title, usize::from(rect.width.saturating_sub(2))))
            .title_style(theme.title)
            .border_style(theme.focus_border);
        let inner = block.inner(rect);
        block.render(rect, buf);
        let [first, second, third, error, help] =
            Layout::vertical([Constraint::Length(1); 5]).areas(inner);
        let underline = Style::new().add_modifier(Modifier::UNDERLINED);
        let help_text = match &self.ask {
            Ask::Snooze {
                until,
                reason,
                focus,
            } => {
                match self.kind() {
                    None => Line::styled(
                        "The stalled flag stays silent until the day; a change to the deal ends it.",
                        theme.dim,
                    )
                    .render(first, buf),
                    Some(kind) => {
                        let style = if *focus == 0 { theme.key } else { theme.dim };
                        Line::from(vec![
                            Span::styled("What  ", style),
                            Span::styled(format!("‹ {} ›", kind.label()), theme.title),
                            Span::styled(" (←/→ another warning)", theme.dim),
                        ])
                        .render(first, buf);
                    }
                }
                for (i, (row, label, input)) in
                    [(second, "Until ", until), (third, "Why   ", reason)]
                        .into_iter()
                        .enumerate()
                        .map(|(i, field)| (i + 1, field))
                {
                    let label_style = if i == *focus { theme.key } else { theme.dim };
                    buf.set_string(row.x, row.y, label, label_style);
                    let field = Rect {
                        x: row.x + 6,
                        width: row.width.saturating_sub(6),
                        ..row
                    };
                    text_field(
                        buf,
                        field,
                        input.value(),
                        input.visual_cursor(),
                        i == *focus,
                        underline,
                    );
                }
                "YYYY-MM-DD or +N business days · Enter: next, then snooze · Esc cancels"
            }
            Ask::Lift { until } => {
                Line::from(vec![
                    Span::raw("Snoozed until "),
                    Span::styled(until.to_string(), theme.title),
                    Span::raw("."),
                ])
                .render(first, buf);
                Line::raw("Lift the snooze, so that it shows as stalled again when it is?")
                    .render(second, buf);
                "y/Enter lifts it · n/Esc keeps it"
            }
        };
        if let Some(e) = &self.error {
            Line::styled(truncate(&shown(e), usize::from(error.width)), theme.error)
                .render(error, buf);
        }
        Line::styled(help_text, theme.dim).render(help, buf);
    }
}
