//! The "since last week" panel: how many deals, and how much, moved in each
//! class of the forecast call (pushed, slipped, new, won, into Commit, …)
//! since the same day last week; computed with the metrics.

use crate::domain::changes::ClassTotal;
use crate::ops::{self, Session};
use crate::text::plural;
use crate::tui::theme::Theme;
use crate::tui::widgets::truncate;
use chrono::{Days, NaiveDate};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Widget};

/// What changed since a day, in counts and amounts per class.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Since {
    /// The first day counted (none: not computed yet).
    pub day: Option<NaiveDate>,
    /// How many deals changed.
    pub deals: usize,
    pub totals: Vec<ClassTotal>,
}

/// What changed since the same day last week (or for one owner).
pub fn last_week(s: &Session, owner: Option<&str>) -> Result<Since, String> {
    let day = s.clock.today() - Days::new(7);
    let changed = ops::past::changes(s, day, owner).map_err(|e| e.to_string())?;
    Ok(Since {
        day: Some(day),
        deals: changed.deals.len(),
        totals: changed.totals,
    })
}

/// The panel: a row per class, two columns of them when wide enough.
pub struct SincePanel<'a> {
    pub since: &'a Since,
    pub theme: &'a Theme,
}

impl SincePanel<'_> {
    /// The column width of one class's row.
    const CELL: usize = 38;
    /// Its rows below 160 columns and from 160 (borders included).
    pub const COMPACT: u16 = 6;
    pub const WIDE: u16 = 7;
}

impl Widget for SincePanel<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let theme = self.theme;
        let title = match self.since.day {
            None => " Since last week · computing… ".to_string(),
            Some(day) => format!(
                " Since last week ({day}) · {} changed ",
                plural(self.since.deals, "deal", "deals")
            ),
        };
        let width = usize::from(area.width.saturating_sub(2));
        let block = Block::bordered()
            .title(truncate(&title, width))
            .title_style(theme.title)
            .border_style(theme.border);
        let inner = block.inner(area);
        block.render(area, buf);
        if self.since.day.is_some() && self.since.totals.is_empty() {
            Line::styled("Nothing moved", theme.dim).render(inner, buf);
            return;
        }
        let columns = (width / Self::CELL).clamp(1, 2);
        let cell = width / columns;
        let totals = &self.since.totals;
        let room = usize::from(inner.height) * columns;
        let rows = totals.len().min(room).div_ceil(columns).max(1);
        for (i, t) in totals.iter().enumerate().take(room) {
            let (column, row) = (i / rows, i % rows);
            let x = inner.x + (column * cell) as u16;
            let place = Rect::new(x, inner.y + row as u16, cell as u16, 1);
            let text = if i + 1 == room && totals.len() > room {
                // the last cell says what did not fit, and where to see it
                let more = totals.len() - room + 1;
                vec![Span::styled(
                    format!("+{more} more: qualify changes --since"),
                    theme.dim,
                )]
            } else {
                vec![
                    Span::raw(format!("{:<18}", t.class.label())),
                    Span::styled(format!("{:>4} ", t.deals), theme.title),
                    Span::styled(format!("{:>8}", t.amount.short()), theme.dim),
                ]
            };
            Line::from(text).render(place, buf);
        }
    }
}
