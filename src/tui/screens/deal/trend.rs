//! The MEDDPICC total over time, drawn below the steps as a sparkline:
//! from the deal's creation to now, each column the total at its instant.

use crate::ops::past::TrendPoint;
use crate::tui::theme::Theme;
use chrono::{DateTime, FixedOffset, Utc};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::{Block, Sparkline, Widget};

pub struct ScoreTrend<'a> {
    /// Oldest first.
    pub points: &'a [TrendPoint],
    pub now: DateTime<Utc>,
    pub offset: FixedOffset,
    pub theme: &'a Theme,
}

impl ScoreTrend<'_> {
    /// Its rows: a border above and below, three of bars.
    pub const HEIGHT: u16 = 5;

    /// Drawn once the total has changed: one point says nothing over time.
    pub fn shown(&self) -> bool {
        self.points.len() >= 2
    }

    /// The total at each of `width` instants from the first point to now.
    fn columns(&self, width: usize) -> Vec<u64> {
        let (Some(first), Some(last)) = (self.points.first(), self.points.last()) else {
            return Vec::new();
        };
        let end = self.now.max(last.at);
        let span = (end - first.at).num_seconds().max(1);
        (0..width)
            .map(|i| {
                let offset = span * i as i64 / (width.max(2) as i64 - 1);
                let at = first.at + chrono::Duration::seconds(offset);
                let point = self
                    .points
                    .iter()
                    .rev()
                    .find(|p| p.at <= at)
                    .unwrap_or(first);
                u64::from(point.total)
            })
            .collect()
    }
}

impl Widget for ScoreTrend<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let (Some(first), Some(last)) = (self.points.first(), self.points.last()) else {
            return;
        };
        let since = first.at.with_timezone(&self.offset).format("%m-%d");
        let title = format!(" MEDDPICC {}/{} since {since} ", last.total, last.max);
        let block = Block::bordered()
            .title(crate::tui::widgets::truncate(
                &title,
                usize::from(area.width.saturating_sub(2)),
            ))
            .title_style(self.theme.title)
            .border_style(self.theme.border);
        let inner = block.inner(area);
        block.render(area, buf);
        let data = self.columns(usize::from(inner.width));
        Sparkline::default()
            .data(&data)
            .max(u64::from(last.max.max(1)))
            .style(self.theme.pass)
            .render(inner, buf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn point(day: u32, total: u32) -> TrendPoint {
        TrendPoint {
            at: Utc.with_ymd_and_hms(2026, 11, day, 0, 0, 0).unwrap(),
            total,
            max: 24,
            scores: Vec::new(),
        }
    }

    #[test]
    fn each_column_holds_the_total_at_its_instant() {
        let points = [point(1, 6), point(3, 12), point(5, 24)];
        let theme = Theme::plain();
        let trend = ScoreTrend {
            points: &points,
            now: Utc.with_ymd_and_hms(2026, 11, 9, 0, 0, 0).unwrap(),
            offset: FixedOffset::east_opt(0).unwrap(),
            theme: &theme,
        };
        // nine columns, a day each from the 1st to the 9th
        assert_eq!(trend.columns(9), [6, 6, 12, 12, 24, 24, 24, 24, 24]);
        assert!(trend.shown());
        let one = ScoreTrend {
            points: &points[..1],
            ..trend
        };
        assert!(!one.shown());
    }
}
