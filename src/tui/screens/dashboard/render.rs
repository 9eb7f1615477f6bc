//! Drawing the dashboard: below 160 columns the metrics a line or two each,
//! the forecast and the two lists; from 160 the metrics as cards, with the
//! time per step.

use super::since::SincePanel;
use super::{DashboardScreen, Pane, SINCE_FROM, WIDE};
use crate::domain::metrics::Metric;
use crate::ops::views::METRICS_DAYS;
use crate::text::shown;
use crate::tui::shared::Look;
use crate::tui::theme::Theme;
use crate::tui::widgets::truncate;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Row, Sparkline, Table, Widget};
use unicode_width::UnicodeWidthStr;

impl DashboardScreen {
    pub fn render(&self, area: Rect, buf: &mut Buffer, look: Look<'_>) {
        if area.width >= WIDE {
            self.render_wide(area, buf, look);
        } else {
            self.render_compact(area, buf, look.theme);
        }
    }

    /// A metric's value, whether it meets its target (and that mark's
    /// style) and what it rests on, as shown: "computing…" until the first
    /// figures come.
    pub(super) fn shown(
        &self,
        metric: &Metric,
        theme: &Theme,
    ) -> (String, &'static str, Style, String) {
        if !self.has_figures {
            return ("computing…".into(), "", theme.dim, String::new());
        }
        let (mark, style) = met(metric, theme);
        (metric.value_text(), mark, style, metric.count_text())
    }

    fn range_text(&self) -> String {
        let r = self.metrics.range;
        let weeks = match self.weeks.len() {
            0 => String::new(),
            n => format!(" · {}", crate::text::plural(n, "week", "weeks")),
        };
        format!("last {METRICS_DAYS} days, {} to {}{weeks}", r.from, r.to)
    }

    /// Below 160 columns: the metrics a line or two each, the forecast as a
    /// line (or a chart when there is height), the two lists side by side.
    fn render_compact(&self, area: Rect, buf: &mut Buffer, theme: &Theme) {
        let [metrics_area, rest] =
            Layout::vertical([Constraint::Length(12), Constraint::Fill(1)]).areas(area);
        let block = Block::bordered()
            .title(format!(
                " Metrics · {} · {} ",
                self.who(),
                self.range_text()
            ))
            .border_style(theme.border)
            .title_style(theme.title);
        let inner = block.inner(metrics_area);
        block.render(metrics_area, buf);
        let rows = Layout::vertical([Constraint::Length(2); 5]).split(inner);
        for ((metric, row), trend) in self.metrics.all().into_iter().zip(rows.iter()).zip(0..) {
            self.render_metric_lines(metric, trend, *row, buf, theme);
        }
        let chart = rest.height >= 15;
        let [forecast, lists] = Layout::vertical([
            Constraint::Length(if chart { 7 } else { 1 }),
            Constraint::Fill(1),
        ])
        .areas(rest);
        if chart {
            self.render_forecast_chart(forecast, buf, theme, 0);
        } else {
            self.render_forecast_line(forecast, buf, theme);
        }
        let since = if lists.height >= SINCE_FROM {
            SincePanel::COMPACT
        } else {
            0
        };
        let [lists, since_area] =
            Layout::vertical([Constraint::Fill(1), Constraint::Length(since)]).areas(lists);
        self.render_since(since_area, buf, theme);
        if area.width >= super::warned::BESIDE {
            let [stalled, overdue, warned] =
                Layout::horizontal([Constraint::Fill(1); 3]).areas(lists);
            self.render_warned(warned, buf, theme);
            self.render_stalled(stalled, buf, theme, false);
            self.render_overdue(overdue, buf, theme, false);
            return;
        }
        let [stalled, overdue] =
            Layout::horizontal([Constraint::Fill(1), Constraint::Fill(1)]).areas(lists);
        self.render_stalled(stalled, buf, theme, false);
        self.render_overdue(overdue, buf, theme, false);
    }

    /// What changed since last week, when there is room for it.
    fn render_since(&self, area: Rect, buf: &mut Buffer, theme: &Theme) {
        if area.height >= 3 {
            SincePanel {
                since: &self.since,
                theme,
            }
            .render(area, buf);
        }
    }

    /// One metric on two lines: title, value, whether met and the target;
    /// then what it rests on, who owns it, how often, and its weekly trend.
    fn render_metric_lines(
        &self,
        metric: &Metric,
        which: usize,
        area: Rect,
        buf: &mut Buffer,
        theme: &Theme,
    ) {
        let [first, second] =
            Layout::vertical([Constraint::Length(1), Constraint::Length(1)]).areas(area);
        let (value, mark, met_style, count) = self.shown(metric, theme);
        Line::from(vec![
            Span::raw(format!("{:<26}", metric.title)),
            Span::styled(format!("{value:>13}"), theme.title),
            Span::raw("  "),
            Span::styled(format!("{mark:<11}"), met_style),
            Span::styled(format!("target {}", metric.target_text()), theme.dim),
        ])
        .render(first, buf);
        let rests_on = if count.is_empty() {
            String::new()
        } else {
            format!("{count} · ")
        };
        Line::styled(format!("  {rests_on}{}", owner_text(metric)), theme.dim).render(second, buf);
        let weeks = self.weeks.len() as u16;
        let label = "weekly ";
        let width = weeks + label.len() as u16;
        if weeks > 0 && second.width >= width + 40 {
            let x = second.right() - width;
            buf.set_string(x, second.y, label, theme.dim);
            let spark = Rect::new(x + label.len() as u16, second.y, weeks, 1);
            self.render_trend(which, spark, buf, theme, 1);
        }
    }

    /// Metric `which`'s weekly values as a sparkline, each week `repeat`
    /// columns wide; a week with no data is left as a dot.
    fn render_trend(
        &self,
        which: usize,
        area: Rect,
        buf: &mut Buffer,
        theme: &Theme,
        repeat: usize,
    ) {
        let metric = self.metrics.all()[which];
        let values: Vec<Option<f64>> = self.weeks.iter().map(|w| w.all()[which].value).collect();
        // percentages on 0-100, points on -100..+100 (0 at half height),
        // days up to the largest week or the target
        let (offset, max) = match metric.unit {
            "%" => (0.0, 100.0),
            "points" => (100.0, 200.0),
            _ => (
                0.0,
                values
                    .iter()
                    .flatten()
                    .fold(metric.target, |a, b| a.max(*b))
                    .max(1.0),
            ),
        };
        let data: Vec<Option<u64>> = values
            .iter()
            .flat_map(|v| {
                let bar = v.map(|v| ((v + offset).clamp(0.0, max) * 10.0).round() as u64);
                std::iter::repeat_n(bar, repeat)
            })
            .collect();
        Sparkline::default()
            .data(data.iter().copied())
            .max((max * 10.0) as u64)
            .style(theme.key)
            .absent_value_symbol(" ")
            .render(area, buf);
        // a week with no data is a dot on the baseline (not a zero)
        for (x, bar) in (area.x..area.right()).zip(&data) {
            if bar.is_none() && area.height > 0 {
                buf.set_string(x, area.bottom() - 1, "·", theme.dim);
            }
        }
    }

    /// The open deals' amount per forecast category on one line, then the
    /// closed deals' per outcome: without the labels, then without the
    /// closed deals' counts when it is too long, and cut short at last.
    fn render_forecast_line(&self, area: Rect, buf: &mut Buffer, theme: &Theme) {
        let open: Vec<String> = self
            .open_totals()
            .filter(|t| t.deals > 0)
            .map(|t| format!("{} {} ({})", t.category.label(), t.amount.short(), t.deals))
            .collect();
        let open = open.join(" · ");
        let width = usize::from(area.width);
        let line = |label: bool, counts: bool| {
            let closed = self.closed_text_with(counts);
            let mut spans = Vec::new();
            if label {
                spans.push(Span::styled(" Open ", theme.title));
            }
            spans.push(Span::raw(format!(" {open}")));
            if !closed.is_empty() {
                spans.push(Span::styled("  Closed ", theme.title));
                spans.push(Span::styled(closed, theme.dim));
            }
            Line::from(spans)
        };
        let fitting = [(true, true), (false, true), (false, false)]
            .into_iter()
            .map(|(label, counts)| line(label, counts))
            .find(|l| l.width() <= width);
        match fitting {
            Some(l) => l.render(area, buf),
            None => {
                let text: String = line(false, false)
                    .spans
                    .iter()
                    .map(|s| s.content.as_ref())
                    .collect();
                Line::styled(truncate(&text, width), theme.dim).render(area, buf);
            }
        }
    }

    /// The forecast categories an open deal can be in (Closed is for won
    /// deals), with the open deals' amount and count in each.
    fn open_totals(&self) -> impl Iterator<Item = &crate::ops::CategoryTotal> {
        self.totals
            .iter()
            .filter(|t| t.category != crate::domain::pipeline::ForecastCategory::Closed)
    }

    /// The closed deals per outcome, in words: "won $15.1M (57) · lost …".
    fn closed_text(&self) -> String {
        self.closed_text_with(true)
    }

    /// [`Self::closed_text`], with or without the number of deals.
    fn closed_text_with(&self, counts: bool) -> String {
        self.closed
            .iter()
            .filter(|t| t.deals > 0)
            .map(|t| {
                let n = if counts {
                    format!(" ({})", t.deals)
                } else {
                    String::new()
                };
                format!("{} {}{n}", t.outcome.key(), t.amount.short())
            })
            .collect::<Vec<_>>()
            .join(" · ")
    }

    /// The open deals' amount per forecast category as bars drawn from zero
    /// in proportion to their amounts (one cell at least for an amount
    /// above zero), `gap` rows apart; the total of the open pipeline in the
    /// title, and the closed deals per outcome apart on the last line.
    fn render_forecast_chart(&self, area: Rect, buf: &mut Buffer, theme: &Theme, gap: u16) {
        let (deals, cents) = self
            .open_totals()
            .fold((0, 0), |(n, c), t| (n + t.deals, c + t.amount.cents()));
        let block = Block::bordered()
            .title(format!(
                " Open pipeline by forecast category · {} in {} ",
                crate::domain::money::Money::from_cents(cents).short(),
                match deals {
                    1 => "1 deal".to_string(),
                    n => format!("{n} deals"),
                }
            ))
            .border_style(theme.border)
            .title_style(theme.title);
        let inner = block.inner(area);
        block.render(area, buf);
        let values: Vec<(String, String, i64)> = self
            .open_totals()
            .map(|t| {
                let deals = match t.deals {
                    1 => "1 deal".to_string(),
                    n => format!("{n} deals"),
                };
                (
                    format!("{:<9} ", t.category.label()),
                    format!(" {} ({deals})", t.amount.short()),
                    t.amount.cents().max(0),
                )
            })
            .collect();
        let label_width = values.iter().map(|(l, ..)| l.width()).max().unwrap_or(0);
        let value_width = values.iter().map(|(_, v, _)| v.width()).max().unwrap_or(0);
        let room = usize::from(inner.width).saturating_sub(label_width + value_width);
        let largest = values.iter().map(|(.., c)| *c).max().unwrap_or(0);
        // the closed deals on the last lines (two, when there is room for
        // the bars above them)
        let label = "Closed    ";
        let closed_room = usize::from(inner.width).saturating_sub(label.len());
        let mut closed = match self.closed_text() {
            text if text.is_empty() => Vec::new(),
            text => crate::tui::widgets::wrap(&text, closed_room.max(1)),
        };
        let bars = (values.len() as u16 * (1 + gap)).saturating_sub(gap);
        closed.truncate(usize::from(inner.height.saturating_sub(bars)).max(1));
        let bar_rows = inner.height.saturating_sub(closed.len() as u16);
        for (i, (label, value, amount)) in values.iter().enumerate() {
            let y = inner.y + i as u16 * (1 + gap);
            if y >= inner.y + bar_rows {
                break;
            }
            let length = bar_length(*amount, largest, room);
            let row = Rect::new(inner.x, y, inner.width, 1);
            Line::from(vec![
                Span::raw(label.clone()),
                Span::styled("█".repeat(length), theme.key),
                Span::raw(value.clone()),
            ])
            .render(row, buf);
        }
        for (i, text) in closed.iter().enumerate() {
            let y = inner.y + bar_rows + i as u16;
            if y >= inner.bottom() {
                break;
            }
            let row = Rect::new(inner.x, y, inner.width, 1);
            let head = if i == 0 { label } else { "          " };
            Line::from(vec![
                Span::styled(head, theme.title),
                Span::styled(truncate(text, closed_room), theme.dim),
            ])
            .render(row, buf);
        }
    }

    fn list_block(&self, pane: Pane, title: String, theme: &Theme) -> Block<'static> {
        let style = if self.focus == pane {
            theme.focus_border
        } else {
            theme.border
        };
        Block::bordered()
            .title(title)
            .border_style(style)
            .title_style(theme.title)
    }

    fn row_style(&self, pane: Pane, i: usize, theme: &Theme) -> Style {
        if self.focus == pane && self.selected[Self::index(pane)] == i {
            theme.selected
        } else {
            Style::new()
        }
    }

    fn render_stalled(&self, area: Rect, buf: &mut Buffer, theme: &Theme, wide: bool) {
        let a = &self.attention;
        let title = format!(
            " Stalled deals: {}{} ",
            a.stalled_deals,
            more(a.stalled.len(), a.stalled_deals)
        );
        let block = self.list_block(Pane::Stalled, title, theme);
        if a.stalled.is_empty() {
            Paragraph::new(Line::styled("Nothing stalled.", theme.dim))
                .block(block)
                .render(area, buf);
            return;
        }
        let rows = a.stalled.iter().enumerate().map(|(i, s)| {
            let d = &s.deal;
            let cells = if wide {
                vec![
                    Line::from(shown(&d.name)),
                    Line::from(shown(&d.owner)),
                    Line::from(d.amount.map_or("-".into(), |m| m.short())).right_aligned(),
                    Line::from(format!("{}/10", d.steps_complete)),
                    Line::from(shown(&s.why)),
                ]
            } else {
                vec![Line::from(shown(&d.name)), Line::from(shown(&s.short))]
            };
            Row::new(cells).style(self.row_style(Pane::Stalled, i, theme))
        });
        let columns: &[(&str, Constraint)] = if wide {
            &[
                ("Deal", Constraint::Fill(2)),
                ("Owner", Constraint::Length(14)),
                ("Amount", Constraint::Length(7)),
                ("Steps", Constraint::Length(5)),
                ("Why", Constraint::Fill(3)),
            ]
        } else {
            &[
                ("Deal", Constraint::Fill(1)),
                ("Why", Constraint::Length(16)),
            ]
        };
        list_table(rows, columns, block, theme).render(area, buf);
    }

    fn render_overdue(&self, area: Rect, buf: &mut Buffer, theme: &Theme, wide: bool) {
        let a = &self.attention;
        // the longest overdue first
        let title = format!(
            " Overdue escalations: {}{} ",
            a.overdue_escalations,
            more(a.overdue.len(), a.overdue_escalations)
        );
        let block = self.list_block(Pane::Overdue, title, theme);
        if a.overdue.is_empty() {
            Paragraph::new(Line::styled("No escalation is overdue.", theme.dim))
                .block(block)
                .render(area, buf);
            return;
        }
        let rows = a.overdue.iter().enumerate().map(|(i, o)| {
            let e = &o.escalation;
            let late = e.timer(self.now);
            let cells = if wide {
                vec![
                    Line::from(e.id.to_string()),
                    Line::from(shown(&o.deal.name)),
                    Line::from(format!(
                        "{} → {}",
                        shown(&e.scenario),
                        shown(&e.escalate_to)
                    )),
                    Line::styled(late, theme.overdue),
                ]
            } else {
                vec![
                    Line::from(shown(&o.deal.name)),
                    Line::styled(late, theme.overdue),
                ]
            };
            Row::new(cells).style(self.row_style(Pane::Overdue, i, theme))
        });
        let columns: &[(&str, Constraint)] = if wide {
            &[
                ("Id", Constraint::Length(7)),
                ("Deal", Constraint::Fill(2)),
                ("Escalation → to", Constraint::Fill(3)),
                ("Overdue", Constraint::Length(14)),
            ]
        } else {
            &[
                ("Deal", Constraint::Fill(1)),
                ("Overdue", Constraint::Length(14)),
            ]
        };
        list_table(rows, columns, block, theme).render(area, buf);
    }

    /// From 160 columns: a card per metric with its trend; the forecast
    /// chart and time per step on the left, the two lists on the right.
    fn render_wide(&self, area: Rect, buf: &mut Buffer, look: Look<'_>) {
        let theme = look.theme;
        let [cards, rest] =
            Layout::vertical([Constraint::Length(9), Constraint::Fill(1)]).areas(area);
        let card_areas = Layout::horizontal([Constraint::Fill(1); 5]).split(cards);
        for (i, (metric, card)) in self
            .metrics
            .all()
            .into_iter()
            .zip(card_areas.iter())
            .enumerate()
        {
            self.render_card(i, metric, *card, buf, theme);
        }
        let [left, right] =
            Layout::horizontal([Constraint::Length(60), Constraint::Fill(1)]).areas(rest);
        let [chart, steps] =
            Layout::vertical([Constraint::Length(11), Constraint::Fill(1)]).areas(left);
        self.render_forecast_chart(chart, buf, theme, 1);
        let [steps, warned] = Layout::vertical([
            Constraint::Fill(1),
            Constraint::Length(self.warned_height()),
        ])
        .areas(steps);
        self.render_steps(steps, buf, look);
        self.render_warned(warned, buf, theme);
        let [stalled, overdue, since] = Layout::vertical([
            Constraint::Fill(1),
            Constraint::Fill(1),
            Constraint::Length(SincePanel::WIDE),
        ])
        .areas(right);
        self.render_since(since, buf, theme);
        self.render_stalled(stalled, buf, theme, true);
        self.render_overdue(overdue, buf, theme, true);
    }

    fn render_card(
        &self,
        which: usize,
        metric: &Metric,
        area: Rect,
        buf: &mut Buffer,
        theme: &Theme,
    ) {
        let (value_text, mark, met_style, count_text) = self.shown(metric, theme);
        let block = Block::bordered()
            .title(format!(" {} ", metric.title))
            .border_style(theme.border)
            .title_style(theme.title);
        let inner = block.inner(area);
        block.render(area, buf);
        let [value, target, count, owner, label, trend] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(2),
        ])
        .areas(inner);
        Line::styled(value_text, theme.title).render(value, buf);
        Line::styled(mark, met_style)
            .right_aligned()
            .render(value, buf);
        Line::from(format!("target {}", metric.target_text())).render(target, buf);
        Line::styled(count_text, theme.dim).render(count, buf);
        Line::styled(owner_text(metric), theme.dim).render(owner, buf);
        if self.weeks.is_empty() {
            return;
        }
        let weeks = crate::text::plural(self.weeks.len(), "week", "weeks");
        Line::styled(format!("weekly, {weeks}:"), theme.dim).render(label, buf);
        let weeks = self.weeks.len().max(1);
        let repeat = (usize::from(trend.width) / weeks).max(1);
        let width = (weeks * repeat).min(usize::from(trend.width)) as u16;
        self.render_trend(which, Rect { width, ..trend }, buf, theme, repeat);
    }

    /// Time per step: each step's median business hours against its SLA.
    fn render_steps(&self, area: Rect, buf: &mut Buffer, look: Look<'_>) {
        let theme = look.theme;
        let block = Block::bordered()
            .title(" Time per step (business hours, median) ")
            .border_style(theme.border)
            .title_style(theme.title);
        // as wide as the widest "within/count", so no figure is cut
        let in_sla = |s: &crate::domain::metrics::StepTime| format!("{}/{}", s.within_sla, s.count);
        let in_sla_width = self
            .metrics
            .steps
            .iter()
            .map(|s| in_sla(s).len())
            .max()
            .unwrap_or(0)
            .max(6) as u16;
        let rows = self.metrics.steps.iter().map(|s| {
            let none = if self.has_figures {
                "no data"
            } else {
                "computing…"
            };
            let median = s.median_hours.map_or(none.into(), |h| format!("{h:.1} h"));
            let style = match s.median_hours {
                Some(h) if h > s.sla_hours => theme.fail,
                Some(_) => theme.pass,
                None => theme.dim,
            };
            Row::new(vec![
                Line::from(format!("{:>2}", s.step)),
                Line::from(look.playbook.step(s.step).title.clone()),
                Line::from(median).style(style).right_aligned(),
                Line::from(format!("{:.0} h", s.sla_hours)).right_aligned(),
                Line::from(in_sla(s)).right_aligned(),
            ])
        });
        Table::new(
            rows,
            [
                Constraint::Length(2),
                Constraint::Fill(1),
                Constraint::Length(9),
                Constraint::Length(5),
                Constraint::Length(in_sla_width),
            ],
        )
        .header(
            Row::new([
                Line::from(""),
                Line::from("Step"),
                Line::from("Median").right_aligned(),
                Line::from("SLA").right_aligned(),
                Line::from("In SLA").right_aligned(),
            ])
            .style(theme.title),
        )
        .column_spacing(1)
        .block(block)
        .render(area, buf);
    }
}

/// Whether the metric meets its target, in words and the style that goes with it.
fn met(metric: &Metric, theme: &Theme) -> (&'static str, Style) {
    match metric.met() {
        Some(true) => ("✓ met", theme.pass),
        Some(false) => ("✗ not met", theme.fail),
        None => ("– no data", theme.dim),
    }
}

/// Who owns the metric and how often it is measured (the procedure names
/// neither for stage velocity).
fn owner_text(metric: &Metric) -> String {
    let known = |s: &str| !s.trim().is_empty() && s != "—";
    match (known(metric.owner), known(metric.frequency)) {
        (true, true) => format!("owner {} · {}", metric.owner, metric.frequency),
        (true, false) => format!("owner {}", metric.owner),
        (false, true) => format!("measured {}", metric.frequency),
        (false, false) => "no owner or frequency set".into(),
    }
}

/// The cells of a bar for `amount` when the largest amount fills `room`:
/// in proportion, rounded, and one at least for an amount above zero.
fn bar_length(amount: i64, largest: i64, room: usize) -> usize {
    if amount <= 0 || largest <= 0 {
        return 0;
    }
    let cells = (i128::from(amount) * room as i128 + i128::from(largest) / 2) / i128::from(largest);
    (cells as usize).clamp(1, room.max(1))
}

/// " (first 6)" when only part of a list is shown.
fn more(shown: usize, total: usize) -> String {
    if shown < total {
        format!(" (first {shown})")
    } else {
        String::new()
    }
}

/// One of the dashboard's lists as a table: its rows under a header of the
/// columns' names, each column as wide as its constraint.
fn list_table<'a>(
    rows: impl IntoIterator<Item = Row<'a>>,
    columns: &[(&'a str, Constraint)],
    block: Block<'a>,
    theme: &Theme,
) -> Table<'a> {
    let (header, widths): (Vec<&str>, Vec<Constraint>) = columns.iter().copied().unzip();
    Table::new(rows, widths)
        .header(Row::new(header).style(theme.title))
        .column_spacing(1)
        .block(block)
}
