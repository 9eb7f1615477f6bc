//! The `?` overlay: generated from the keymap for the screen beneath it.

use super::popup;
use crate::tui::action::Action;
use crate::tui::keymap::{self, Layer};
use crate::tui::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Widget};

pub struct HelpOverlay {
    layers: Vec<Layer>,
    scroll: u16,
}

impl HelpOverlay {
    pub fn new(layers: Vec<Layer>) -> HelpOverlay {
        HelpOverlay { layers, scroll: 0 }
    }

    pub fn scroll(&mut self, action: Action) {
        match action {
            Action::Down => {
                self.scroll = self
                    .scroll
                    .saturating_add(1)
                    .min(self.lines_len().saturating_sub(1))
            }
            Action::Up => self.scroll = self.scroll.saturating_sub(1),
            _ => {}
        }
    }

    fn lines(&self, theme: &Theme) -> Vec<Line<'static>> {
        let mut lines = Vec::new();
        for (title, rows) in keymap::help_sections(&self.layers) {
            if !lines.is_empty() {
                lines.push(Line::raw(""));
            }
            lines.push(Line::styled(title, theme.title));
            for (label, desc) in rows {
                lines.push(Line::from(vec![
                    Span::styled(format!("  {label:<10}"), theme.key),
                    Span::raw(desc),
                ]));
            }
        }
        lines
    }

    fn lines_len(&self) -> u16 {
        self.lines(&Theme::plain()).len() as u16
    }

    pub fn render(&self, area: Rect, buf: &mut Buffer, theme: &Theme) {
        let lines = self.lines(theme);
        let rect = popup(area, 64, lines.len() as u16 + 2);
        Clear.render(rect, buf);
        let block = Block::bordered()
            .title(" Keys · j/k scroll · ? or Esc closes ")
            .title_style(theme.title)
            .border_style(theme.focus_border);
        Paragraph::new(lines)
            .block(block)
            .scroll((self.scroll, 0))
            .render(rect, buf);
    }
}
