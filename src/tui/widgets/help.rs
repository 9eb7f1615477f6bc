//! The `?` overlay: generated from the keymap for the screen beneath it.

use super::{hanging, popup};
use crate::tui::action::Action;
use crate::tui::keymap::{self, Layer};
use crate::tui::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Widget};
use std::cell::Cell;
use unicode_width::UnicodeWidthStr;

pub struct HelpOverlay {
    layers: Vec<Layer>,
    scroll: u16,
    /// How far the help scrolls as it was last drawn (its lines depend on
    /// the width it was drawn at).
    max_scroll: Cell<u16>,
}

/// The key column's width, before each description.
const KEY_COLUMN: usize = 12;

/// The help's widest box: wider reads worse.
const MAX_WIDTH: u16 = 96;

impl HelpOverlay {
    pub fn new(layers: Vec<Layer>) -> HelpOverlay {
        HelpOverlay {
            layers,
            scroll: 0,
            max_scroll: Cell::new(u16::MAX),
        }
    }

    pub fn scroll(&mut self, action: Action) {
        match action {
            Action::Down => self.scroll = self.scroll.saturating_add(1).min(self.max_scroll.get()),
            Action::Up => self.scroll = self.scroll.saturating_sub(1),
            _ => {}
        }
    }

    /// The help's lines at `width` (inside its border): a description too
    /// long for its line wraps under itself, never cut.
    fn lines(&self, theme: &Theme, width: usize) -> Vec<Line<'static>> {
        let mut lines = Vec::new();
        for (title, rows) in keymap::help_sections(&self.layers) {
            if !lines.is_empty() {
                lines.push(Line::raw(""));
            }
            lines.push(Line::styled(title, theme.title));
            for (label, desc) in rows {
                let key = Span::styled(
                    format!("  {label:<width$}", width = KEY_COLUMN - 2),
                    theme.key,
                );
                lines.extend(hanging(vec![key], &[(desc, Style::new())], width));
            }
        }
        lines
    }

    /// The width the help's longest line needs, border included.
    fn natural_width(&self) -> u16 {
        let longest = keymap::help_sections(&self.layers)
            .iter()
            .flat_map(|(title, rows)| {
                std::iter::once(title.width())
                    .chain(rows.iter().map(|(_, desc)| KEY_COLUMN + desc.width()))
            })
            .max()
            .unwrap_or(0);
        (longest + 2).min(usize::from(MAX_WIDTH)) as u16
    }

    pub fn render(&self, area: Rect, buf: &mut Buffer, theme: &Theme) {
        let width = self.natural_width().max(64).min(area.width);
        let lines = self.lines(theme, usize::from(width.saturating_sub(2)));
        let rect = popup(area, width, lines.len() as u16 + 2);
        let visible = rect.height.saturating_sub(2);
        self.max_scroll
            .set((lines.len() as u16).saturating_sub(visible));
        Clear.render(rect, buf);
        let block = Block::bordered()
            .title(" Keys · j/k scroll · ? or Esc closes ")
            .title_style(theme.title)
            .border_style(theme.focus_border);
        Paragraph::new(lines)
            .block(block)
            .scroll((self.scroll.min(self.max_scroll.get()), 0))
            .render(rect, buf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each line of `buf`, as text.
    fn rows(buf: &Buffer) -> Vec<String> {
        (0..buf.area.height)
            .map(|y| (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect())
            .collect()
    }

    #[test]
    fn a_narrow_help_wraps_each_description_under_itself() {
        let help = HelpOverlay::new(vec![Layer::Deal]);
        let area = Rect::new(0, 0, 40, 80);
        let mut buf = Buffer::empty(area);
        help.render(area, &mut buf, &Theme::plain());
        let text = rows(&buf)
            .iter()
            .map(|l| l.trim_matches(|c| c == '│' || c == ' ').to_string())
            .collect::<Vec<_>>()
            .join(" ");
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        for (_, rows) in keymap::help_sections(&[Layer::Deal]) {
            for (_, desc) in rows {
                assert!(text.contains(desc), "{desc:?} in {text}");
            }
        }
        // a continuation starts under the description, not under the key
        let lines = rows(&buf);
        let at = lines
            .iter()
            .position(|l| l.contains("record the outcome"))
            .unwrap();
        assert!(lines[at + 1].starts_with(&format!("│{}", " ".repeat(KEY_COLUMN))));
    }
}
