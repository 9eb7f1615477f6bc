//! Styles. Under `NO_COLOR` the theme uses no colour at all, only bold,
//! reverse and underline (crossterm mis-renders colours there).

use ratatui::style::{Color, Modifier, Style};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Theme {
    pub title: Style,
    pub border: Style,
    pub focus_border: Style,
    pub selected: Style,
    pub dim: Style,
    pub pass: Style,
    pub fail: Style,
    pub warn: Style,
    pub overdue: Style,
    pub key: Style,
    pub error: Style,
}

impl Theme {
    pub fn colour() -> Theme {
        Theme {
            title: Style::new().add_modifier(Modifier::BOLD),
            border: Style::new().fg(Color::DarkGray),
            focus_border: Style::new().fg(Color::Cyan),
            selected: Style::new().add_modifier(Modifier::REVERSED),
            dim: Style::new().fg(Color::DarkGray),
            pass: Style::new().fg(Color::Green),
            fail: Style::new().fg(Color::Red),
            warn: Style::new().fg(Color::Yellow),
            overdue: Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
            key: Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
            error: Style::new().fg(Color::Red),
        }
    }

    pub fn plain() -> Theme {
        let none = Style::new();
        Theme {
            title: none.add_modifier(Modifier::BOLD),
            border: none,
            focus_border: none.add_modifier(Modifier::BOLD),
            selected: none.add_modifier(Modifier::REVERSED),
            dim: none,
            pass: none,
            fail: none.add_modifier(Modifier::BOLD),
            warn: none.add_modifier(Modifier::UNDERLINED),
            overdue: none.add_modifier(Modifier::BOLD | Modifier::REVERSED),
            key: none.add_modifier(Modifier::BOLD),
            error: none.add_modifier(Modifier::BOLD),
        }
    }

    /// The plain theme when `NO_COLOR` is set (and not empty), else colour.
    pub fn from_env() -> Theme {
        match std::env::var_os("NO_COLOR") {
            Some(v) if !v.is_empty() => Theme::plain(),
            _ => Theme::colour(),
        }
    }
}
