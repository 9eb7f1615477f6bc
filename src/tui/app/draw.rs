//! Drawing the app: the header (what is showing, the acting user, a fixed
//! clock), the screen showing with what is open over it, and the footer
//! (the status, else the screen's word and its keys).

use super::{App, MIN_HEIGHT, MIN_WIDTH, View};
use crate::ops;
use crate::tui::keymap::{self, Layer};
use crate::tui::shared::{Look, Tone};
use crate::tui::widgets;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

impl Widget for &App {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let theme = &self.ctx.theme;
        if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
            let text = format!(
                "The window is too small: {}×{}. qualify needs at least {MIN_WIDTH}×{MIN_HEIGHT}.",
                area.width, area.height
            );
            Paragraph::new(text)
                .wrap(Wrap { trim: true })
                .render(area, buf);
            return;
        }
        let look = Look {
            playbook: &self.ctx.session.playbook,
            theme,
        };
        // a status longer than the width wraps onto up to three lines
        let status_lines = self.status_lines(usize::from(area.width));
        // with no status and nothing open over it, the deal screen's word
        // goes above its keys
        let foot_lines = match &self.view {
            View::Deal(d, _)
                if status_lines.is_empty() && self.help.is_none() && d.typing_layer().is_none() =>
            {
                d.foot_note(look.playbook)
                    .map(|note| foot_lines(&note, usize::from(area.width)))
                    .unwrap_or_default()
            }
            _ => Vec::new(),
        };
        let [header, body, footer] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Fill(1),
            Constraint::Length((status_lines.len().max(1) + foot_lines.len()) as u16),
        ])
        .areas(area);
        let as_of = if self.ctx.session.clock.is_fixed() {
            format!(
                "  · as of {}",
                self.ctx.session.clock.now().format("%Y-%m-%d %H:%M UTC")
            )
        } else {
            String::new()
        };
        // who is acting: sign-offs are recorded in this name
        let name = widgets::truncate(&crate::text::clean(&self.ctx.session.user), 24);
        let you = match &self.ctx.session.seat {
            ops::Seat::File => format!("you: {name} "),
            seat => format!(
                "you: {name} ({}) · qualify on {} ",
                seat.person().map_or("administrator", |p| p.role_label()),
                widgets::truncate(&crate::text::clean(&self.ctx.db_label), 32)
            ),
        };
        let you_width = unicode_width::UnicodeWidthStr::width(you.as_str());
        let room =
            usize::from(header.width).saturating_sub(1 + as_of.chars().count() + you_width + 1);
        let title = match &self.view {
            View::Deal(d, _) | View::EditDeal { screen: d, .. } => d.header_text(room),
            View::Dashboard(d) => d.header_text(),
            _ => format!("qualify · {}", self.list.summary_text()),
        };
        let spans = vec![
            Span::styled(format!(" {title}"), theme.title),
            Span::styled(as_of, theme.warn),
        ];
        Line::from(spans).render(header, buf);
        Line::styled(you, theme.dim)
            .right_aligned()
            .render(header, buf);
        match &self.view {
            View::List => self.list.render(body, buf, look, &self.ctx.db_label),
            View::Deal(d, _) => d.render(body, buf, look),
            View::Dashboard(d) => d.render(body, buf, look),
            View::NewDeal(form) => {
                self.list.render(body, buf, look, &self.ctx.db_label);
                form.render(body, buf, look);
            }
            View::EditDeal { form, screen, .. } => {
                screen.render(body, buf, look);
                form.render(body, buf, look);
            }
            View::Import(dialog) => {
                self.list.render(body, buf, look, &self.ctx.db_label);
                dialog.render(body, buf, look);
            }
            View::Export(dialog) => {
                self.list.render(body, buf, look, &self.ctx.db_label);
                dialog.render(body, buf, look);
            }
            View::Snooze(dialog) => {
                self.list.render(body, buf, look, &self.ctx.db_label);
                dialog.render(body, buf, look);
            }
        }
        self.render_footer(footer, buf, status_lines, foot_lines);
        if let Some(help) = &self.help {
            help.render(body, buf, theme);
        }
    }
}

/// The most lines the status takes at the foot of the screen.
const STATUS_LINES: usize = 3;

/// The most lines a screen's word takes above its keys.
const FOOT_LINES: usize = 2;

/// A screen's word for the foot, wrapped to `width` (after a one-column
/// margin) on at most [`FOOT_LINES`] lines, the last ending with … if cut.
fn foot_lines(note: &str, width: usize) -> Vec<String> {
    let room = width.saturating_sub(1).max(1);
    let mut lines = widgets::wrap(&crate::text::shown(note), room);
    if lines.len() > FOOT_LINES {
        let rest = lines.split_off(FOOT_LINES - 1).join(" ");
        lines.push(widgets::truncate(&rest, room));
    }
    lines
}

impl App {
    /// The status word-wrapped to `width` (after a one-column margin), on
    /// at most [`STATUS_LINES`] lines, the last ending with … if cut.
    fn status_lines(&self, width: usize) -> Vec<String> {
        let Some(status) = &self.status else {
            return Vec::new();
        };
        let room = width.saturating_sub(1).max(1);
        let mut lines = widgets::wrap(&crate::text::shown(&status.text), room);
        if lines.len() > STATUS_LINES {
            let rest = lines.split_off(STATUS_LINES - 1).join(" ");
            lines.push(widgets::truncate(&rest, room));
        }
        lines
    }

    fn render_footer(
        &self,
        area: Rect,
        buf: &mut Buffer,
        status_lines: Vec<String>,
        foot_lines: Vec<String>,
    ) {
        let theme = &self.ctx.theme;
        if let Some(status) = &self.status {
            let style = match status.tone {
                Tone::Info => Style::new(),
                Tone::Warn => theme.warn,
                Tone::Error => theme.error,
            };
            let lines: Vec<Line> = status_lines
                .into_iter()
                .map(|l| Line::styled(format!(" {l}"), style))
                .collect();
            Paragraph::new(lines).render(area, buf);
            return;
        }
        let [note_area, keys_area] = Layout::vertical([
            Constraint::Length(foot_lines.len() as u16),
            Constraint::Fill(1),
        ])
        .areas(area);
        let note: Vec<Line> = foot_lines
            .into_iter()
            .map(|l| Line::styled(format!(" {l}"), theme.warn))
            .collect();
        Paragraph::new(note).render(note_area, buf);
        let area = keys_area;
        // the General hints (help, quit) always show; the screen's fill the rest
        let hints = keymap::hints(&self.layers());
        let size = |b: &&keymap::Binding| b.label.chars().count() + b.desc.chars().count() + 3;
        let (general, screen): (Vec<_>, Vec<_>) =
            hints.iter().partition(|b| b.layer == Layer::Normal);
        let mut room =
            usize::from(area.width).saturating_sub(1 + general.iter().map(size).sum::<usize>());
        let mut spans = vec![Span::raw(" ")];
        let fitting = screen.into_iter().filter(|b| {
            let fits = size(b) <= room;
            if fits {
                room -= size(b);
            }
            fits
        });
        for b in fitting.collect::<Vec<_>>().into_iter().chain(general) {
            spans.push(Span::styled(b.label, theme.key));
            spans.push(Span::styled(format!(" {}  ", b.desc), theme.dim));
        }
        Line::from(spans).render(area, buf);
    }
}
