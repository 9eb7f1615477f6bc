//! The dashboard's warnings: how many open deals each kind of warning is
//! on, and their amount (a deal with two kinds counts under each).

use super::DashboardScreen;
use crate::domain::choices::Choice;
use crate::tui::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Row, Table, Widget};

/// From this width (below the wide layout) the warnings sit beside the
/// two lists.
pub const BESIDE: u16 = 120;

impl DashboardScreen {
    /// The rows the panel takes in the wide layout: a kind a line, borders
    /// and header (at least a line saying there are none).
    pub(super) fn warned_height(&self) -> u16 {
        let kinds = self.warned.iter().filter(|w| w.deals > 0).count();
        kinds.max(1) as u16 + 3
    }

    /// The open deals and amount per warning kind, most deals first.
    pub(super) fn render_warned(&self, area: Rect, buf: &mut Buffer, theme: &Theme) {
        let mut kinds: Vec<_> = self.warned.iter().filter(|w| w.deals > 0).collect();
        kinds.sort_by_key(|w| std::cmp::Reverse(w.deals));
        let deals: u64 = kinds.iter().map(|w| w.deals).sum();
        let block = Block::bordered()
            .title(" Open deals by warning ")
            .border_style(theme.border)
            .title_style(if deals == 0 { theme.title } else { theme.warn });
        let inner = block.inner(area);
        block.render(area, buf);
        if kinds.is_empty() {
            Paragraph::new(Line::styled(
                "no open deal is warned of anything",
                theme.dim,
            ))
            .render(inner, buf);
            return;
        }
        let rows = kinds.iter().map(|w| {
            Row::new([
                Line::from(w.kind.label()),
                Line::from(w.deals.to_string()).right_aligned(),
                Line::from(w.amount.short()).right_aligned(),
            ])
        });
        Table::new(
            rows,
            [
                Constraint::Fill(1),
                Constraint::Length(5),
                Constraint::Length(7),
            ],
        )
        .header(Row::new(["Warning", "Deals", "Amount"]).style(theme.title))
        .column_spacing(1)
        .render(inner, buf);
    }
}
