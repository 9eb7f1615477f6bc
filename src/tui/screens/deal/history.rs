//! The deal's history (H): every change, who made it and when, newest
//! first, scrolled over the screen.

use super::state::{DealState, stored_history};
use crate::domain::audit::{self, AuditEntry};
use crate::text::shown;
use crate::tui::action::Action;
use crate::tui::shared::{Ctx, Look, Status};
use crate::tui::widgets::{hanging, popup, truncate};
use chrono::{DateTime, Utc};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Widget};
use std::cell::Cell;

pub struct HistoryView {
    entries: Vec<AuditEntry>,
    scroll: u16,
    /// How many rows the last drawing had room for, and how many the
    /// entries took, so that the end is scrolled to the last entry and no
    /// further.
    page: Cell<u16>,
    rows: Cell<u16>,
}

impl HistoryView {
    /// The deal's history, read now.
    pub fn open(state: &DealState, ctx: &Ctx) -> Result<HistoryView, Status> {
        match stored_history(ctx, state.deal.id) {
            Ok(entries) => Ok(HistoryView {
                entries,
                scroll: 0,
                page: Cell::default(),
                rows: Cell::default(),
            }),
            Err(e) => Err(Status::error(e.to_string())),
        }
    }

    /// The first row shown when the last entry is at the bottom.
    fn last_top(&self) -> u16 {
        let rows = u16::try_from(self.entries.len()).unwrap_or(u16::MAX);
        self.rows.get().max(rows).saturating_sub(self.page.get())
    }

    pub fn scroll(&mut self, action: Action) {
        let page = self.page.get().max(1);
        self.scroll = match action {
            Action::Down => self.scroll.saturating_add(1),
            Action::Up => self.scroll.saturating_sub(1),
            Action::PageDown => self.scroll.saturating_add(page),
            Action::PageUp => self.scroll.saturating_sub(page),
            Action::Top => 0,
            Action::Bottom => self.last_top(),
            _ => self.scroll,
        }
        .min(self.last_top());
    }

    pub fn render(&self, state: &DealState, area: Rect, buf: &mut Buffer, look: Look<'_>) {
        let theme = look.theme;
        let rect = popup(
            area,
            area.width.saturating_sub(4),
            area.height.saturating_sub(2),
        );
        Clear.render(rect, buf);
        let block = Block::bordered()
            .title(format!(
                " History of {} · {} · Esc closes ",
                shown(&state.deal.name),
                crate::text::plural(self.entries.len(), "change", "changes")
            ))
            .title_style(theme.title)
            .border_style(theme.focus_border);
        let inner = block.inner(rect);
        block.render(rect, buf);
        let width = usize::from(inner.width);
        let local = |at: DateTime<Utc>| at.with_timezone(&state.offset);
        // an entry takes as many rows as its field and values need
        let lines: Vec<Line> = self
            .entries
            .iter()
            .rev()
            .flat_map(|e| {
                let at = local(e.at).format("%Y-%m-%d %H:%M").to_string();
                let words = audit::entry_words(e, look.playbook, local);
                let field = format!("{}:", words.field);
                let text = truncate(
                    &format!("{} → {}", shown(&words.before), shown(&words.after)),
                    240,
                );
                hanging(
                    vec![
                        Span::styled(format!("{at} "), theme.dim),
                        Span::styled(format!("{:<10} ", truncate(&shown(&e.who), 10)), theme.dim),
                    ],
                    &[(&field, theme.title), (&text, Style::new())],
                    width,
                )
            })
            .collect();
        let lines = if lines.is_empty() {
            vec![Line::styled("No changes recorded yet", theme.dim)]
        } else {
            lines
        };
        self.rows
            .set(u16::try_from(lines.len()).unwrap_or(u16::MAX));
        // the end shows the last entry at the bottom, never blank rows past it
        self.page.set(inner.height);
        let scroll = self.scroll.min(self.last_top());
        Paragraph::new(lines).scroll((scroll, 0)).render(inner, buf);
    }
}
