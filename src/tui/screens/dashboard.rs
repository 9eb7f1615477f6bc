//! The dashboard: the procedure's five metrics against their targets with
//! their weekly trend, the pipeline's amount per forecast category, and the
//! stalled deals and overdue escalations, each a key away from its deal.
//!
//! The metrics walk every deal, so they are computed when the dashboard
//! opens, on `r` and when the data changed, never while drawing, and on
//! another thread with its own connection: the screen keeps answering keys
//! and shows the last figures (none, at first) marked as being computed
//! until the new ones come. The two lists read a page through the list's
//! query.

use crate::domain::deal::DealId;
use crate::domain::metrics::{Metric, Metrics, Range, Tally};
use crate::ops::{self, Attention, Session};
use crate::store::{CategoryTotal, StoreError};
use crate::text::shown;
use crate::tui::action::Action;
use crate::tui::job::Job;
use crate::tui::shared::{Ctx, Look, Status};
use crate::tui::theme::Theme;
use crate::tui::widgets::truncate;
use chrono::{DateTime, Utc};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Bar, BarChart, Block, Paragraph, Row, Sparkline, Table, Widget};

/// The metrics' range: the last 90 days, as the CLI's default.
pub const RANGE_DAYS: i64 = 90;

/// From this width the metrics show as cards, with the charts beside the lists.
const WIDE: u16 = 160;

/// Which list Enter opens a deal from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Stalled,
    Overdue,
}

pub enum DashboardOutcome {
    Stay,
    Back,
    Open(DealId),
}

pub struct DashboardScreen {
    /// Whose deals: `None` for the team.
    owner: Option<String>,
    metrics: Metrics,
    /// The same metrics week by week, oldest first.
    weeks: Vec<Metrics>,
    /// The metrics being computed, if they are.
    computing: Option<Running>,
    /// Whether `metrics` are figures that came for the owner shown (until
    /// the first come, each metric says it is being computed).
    has_figures: bool,
    totals: Vec<CategoryTotal>,
    attention: Attention,
    focus: Pane,
    /// The selected row of each list.
    selected: [usize; 2],
    /// How many rows each list reads (what fits on screen).
    rows: usize,
    /// When the lists were read (the escalations' timers count from it).
    now: DateTime<Utc>,
}

/// What computing the metrics gives: the range's and each week's.
type Computed = Result<(Metrics, Vec<Metrics>), String>;

/// Metrics being computed on another thread.
struct Running {
    /// Whose: figures that come for someone no longer shown are dropped.
    owner: Option<String>,
    job: Job<Computed>,
    /// The data changed (or `r`) while they were computed: compute them
    /// again when they come, rather than running two walks at once.
    again: bool,
}

/// The rows each list has room for in a body of `body`'s size.
fn list_rows(body: Rect) -> usize {
    let rows = if body.width >= WIDE {
        // below the cards (9), two stacked lists with borders and a header
        body.height.saturating_sub(9) / 2
    } else {
        // below the metrics (12) and the forecast (a line, or a chart of 7)
        let rest = body.height.saturating_sub(12);
        if rest >= 15 {
            rest - 7
        } else {
            rest - rest.min(1)
        }
    };
    usize::from(rows.saturating_sub(3)).max(1)
}

impl DashboardScreen {
    /// Start computing the metrics and read the lists for the team.
    pub fn open(body: Rect, session: &mut Session) -> Result<DashboardScreen, String> {
        let range = Range::last(RANGE_DAYS, session.clock.today());
        let mut screen = DashboardScreen {
            owner: None,
            // no figures until the first come
            metrics: Tally::new(range).finish(&session.playbook),
            weeks: Vec::new(),
            computing: None,
            has_figures: false,
            totals: Vec::new(),
            attention: Attention::default(),
            focus: Pane::Stalled,
            selected: [0, 0],
            rows: list_rows(body),
            now: session.clock.now(),
        };
        screen.refresh(session)?;
        Ok(screen)
    }

    /// Whether the metrics are being computed.
    pub fn is_working(&self) -> bool {
        self.computing.is_some()
    }

    /// Take the metrics if they have come (and start them again if asked
    /// meanwhile); whether the screen changed.
    pub fn poll(&mut self, session: &mut Session) -> Result<bool, String> {
        match self.computing.as_mut().and_then(|r| r.job.poll()) {
            Some(done) => self.computed(done, session).map(|()| true),
            None => Ok(false),
        }
    }

    /// Wait for the metrics being computed, and for those asked for
    /// meanwhile (tests and scripts).
    pub fn wait(&mut self, session: &mut Session) -> Result<(), String> {
        while let Some(done) = self.computing.as_mut().map(|r| r.job.wait()) {
            self.computed(done, session)?;
        }
        Ok(())
    }

    fn computed(
        &mut self,
        done: Result<Computed, String>,
        session: &mut Session,
    ) -> Result<(), String> {
        let Some(running) = self.computing.take() else {
            return Ok(());
        };
        let figures = done.and_then(|computed| computed);
        if running.owner == self.owner {
            let (metrics, weeks) = figures?;
            self.metrics = metrics;
            self.weeks = weeks;
            self.has_figures = true;
        }
        if running.again || running.owner != self.owner {
            self.start(session)?;
        }
        Ok(())
    }

    /// Start computing the metrics on another thread (on a database in
    /// memory they are computed at once), unless they are being computed:
    /// then they are computed again when those come.
    fn start(&mut self, session: &mut Session) -> Result<(), String> {
        if let Some(running) = &mut self.computing {
            running.again = true;
            return Ok(());
        }
        let range = Range::last(RANGE_DAYS, session.clock.today());
        let owner = self.owner.clone();
        let job = Job::start(session, move |s, _| {
            ops::metrics(s, owner.as_deref(), range).map_err(|e| e.to_string())
        })?;
        self.computing = Some(Running {
            owner: self.owner.clone(),
            job,
            again: false,
        });
        if session.store.path().is_none() {
            // computed at once: shown at once
            self.poll(session)?;
        }
        Ok(())
    }

    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    pub fn attention(&self) -> &Attention {
        &self.attention
    }

    pub fn focus(&self) -> Pane {
        self.focus
    }

    /// The header's title.
    pub fn header_text(&self) -> String {
        let computing = if self.computing.is_some() {
            " · computing the metrics…"
        } else {
            ""
        };
        format!("qualify · dashboard · {}{computing}", self.who())
    }

    fn who(&self) -> String {
        self.owner
            .as_deref()
            .map_or("the team".to_string(), |o| truncate(&shown(o), 40))
    }

    /// Compute the metrics again (the last 90 days up to today) and re-read
    /// the lists.
    pub fn refresh(&mut self, session: &mut Session) -> Result<(), String> {
        self.start(session)?;
        self.reload(session).map_err(|e| e.to_string())
    }

    /// Re-read what is cheap: the forecast totals and the two lists (their
    /// flags move with the clock).
    pub fn reload(&mut self, session: &Session) -> Result<(), StoreError> {
        let query = crate::store::ListQuery {
            owner: self.owner.clone(),
            ..session.list_query()
        };
        self.now = session.clock.now();
        self.totals = session.category_totals(&query)?;
        self.attention = ops::attention(session, self.owner.as_deref(), self.rows)?;
        self.selected[0] = self.selected[0].min(self.attention.stalled.len().saturating_sub(1));
        self.selected[1] = self.selected[1].min(self.attention.overdue.len().saturating_sub(1));
        if self.len(self.focus) == 0 {
            self.focus = match self.focus {
                Pane::Stalled if !self.attention.overdue.is_empty() => Pane::Overdue,
                Pane::Overdue if !self.attention.stalled.is_empty() => Pane::Stalled,
                same => same,
            };
        }
        Ok(())
    }

    /// The body's size changed: read as many rows as now fit.
    pub fn set_area(&mut self, body: Rect, session: &Session) -> Result<(), StoreError> {
        let rows = list_rows(body);
        if rows == self.rows {
            return Ok(());
        }
        self.rows = rows;
        self.reload(session)
    }

    fn len(&self, pane: Pane) -> usize {
        match pane {
            Pane::Stalled => self.attention.stalled.len(),
            Pane::Overdue => self.attention.overdue.len(),
        }
    }

    fn index(pane: Pane) -> usize {
        match pane {
            Pane::Stalled => 0,
            Pane::Overdue => 1,
        }
    }

    /// The deal of the selected row in the focused list.
    pub fn selected_deal(&self) -> Option<DealId> {
        let i = self.selected[Self::index(self.focus)];
        match self.focus {
            Pane::Stalled => self.attention.stalled.get(i).map(|s| s.deal.id),
            Pane::Overdue => self.attention.overdue.get(i).map(|o| o.deal.id),
        }
    }

    pub fn update(&mut self, action: Action, ctx: &mut Ctx) -> Result<DashboardOutcome, Status> {
        let session = &mut ctx.session;
        let pane = Self::index(self.focus);
        let len = self.len(self.focus);
        let result = match action {
            Action::Down => {
                self.selected[pane] = (self.selected[pane] + 1).min(len.saturating_sub(1));
                Ok(())
            }
            Action::Up => {
                self.selected[pane] = self.selected[pane].saturating_sub(1);
                Ok(())
            }
            Action::FocusNext | Action::FocusPrev => {
                self.focus = match self.focus {
                    Pane::Stalled => Pane::Overdue,
                    Pane::Overdue => Pane::Stalled,
                };
                Ok(())
            }
            Action::Open => {
                return Ok(self
                    .selected_deal()
                    .map_or(DashboardOutcome::Stay, DashboardOutcome::Open));
            }
            Action::Refresh => self.refresh(session).map_err(Status::error),
            Action::CycleOwner => match session.people(false) {
                Ok(people) => {
                    self.owner = match &self.owner {
                        None => people.first().cloned(),
                        Some(o) => people
                            .iter()
                            .position(|p| p == o)
                            .and_then(|i| people.get(i + 1))
                            .cloned(),
                    };
                    // the figures shown were someone else's
                    let range = Range::last(RANGE_DAYS, session.clock.today());
                    self.metrics = Tally::new(range).finish(&session.playbook);
                    self.weeks.clear();
                    self.has_figures = false;
                    self.selected = [0, 0];
                    self.refresh(session).map_err(Status::error)
                }
                Err(e) => Err(Status::error(e.to_string())),
            },
            Action::Back => return Ok(DashboardOutcome::Back),
            _ => Ok(()),
        };
        result.map(|()| DashboardOutcome::Stay)
    }

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
    fn shown(&self, metric: &Metric, theme: &Theme) -> (String, &'static str, Style, String) {
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
            n => format!(" · {n} weeks"),
        };
        format!("last {RANGE_DAYS} days, {} to {}{weeks}", r.from, r.to)
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
        let [stalled, overdue] =
            Layout::horizontal([Constraint::Fill(1), Constraint::Fill(1)]).areas(lists);
        self.render_stalled(stalled, buf, theme, false);
        self.render_overdue(overdue, buf, theme, false);
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

    /// The amount per forecast category on one line.
    fn render_forecast_line(&self, area: Rect, buf: &mut Buffer, theme: &Theme) {
        let mut spans = vec![Span::styled(" Forecast ", theme.title)];
        for t in self.totals.iter().filter(|t| t.deals > 0) {
            spans.push(Span::raw(format!(
                " {} {} ({}) ",
                t.category.label(),
                t.amount.short(),
                t.deals
            )));
            spans.push(Span::styled("·", theme.dim));
        }
        spans.pop();
        let line = Line::from(spans);
        if line.width() > usize::from(area.width) {
            Line::from(line.spans[1..].to_vec()).render(area, buf);
        } else {
            line.render(area, buf);
        }
    }

    /// The amount per forecast category as a bar chart, the bars `gap`
    /// rows apart.
    fn render_forecast_chart(&self, area: Rect, buf: &mut Buffer, theme: &Theme, gap: u16) {
        let total: i64 = self.totals.iter().map(|t| t.amount.cents()).sum();
        let block = Block::bordered()
            .title(format!(
                " Amount by forecast category · {} in all ",
                crate::domain::money::Money::from_cents(total).short()
            ))
            .border_style(theme.border)
            .title_style(theme.title);
        let bars: Vec<Bar> = self
            .totals
            .iter()
            .map(|t| {
                let deals = match t.deals {
                    1 => "1 deal".to_string(),
                    n => format!("{n} deals"),
                };
                Bar::with_label(
                    format!("{:<9}", t.category.label()),
                    (t.amount.cents().max(0) / 100) as u64,
                )
                .text_value(format!(" {} ({deals}) ", t.amount.short()))
            })
            .collect();
        BarChart::horizontal(bars)
            .block(block)
            .bar_width(1)
            .bar_gap(gap)
            .bar_style(theme.key)
            .value_style(theme.selected)
            .render(area, buf);
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
        let (header, widths): (Vec<&str>, Vec<Constraint>) = if wide {
            [
                ("Deal", Constraint::Fill(2)),
                ("Owner", Constraint::Length(14)),
                ("Amount", Constraint::Length(7)),
                ("Steps", Constraint::Length(5)),
                ("Why", Constraint::Fill(3)),
            ]
            .into_iter()
            .unzip()
        } else {
            [
                ("Deal", Constraint::Fill(1)),
                ("Why", Constraint::Length(16)),
            ]
            .into_iter()
            .unzip()
        };
        Table::new(rows, widths)
            .header(Row::new(header).style(theme.title))
            .column_spacing(1)
            .block(block)
            .render(area, buf);
    }

    fn render_overdue(&self, area: Rect, buf: &mut Buffer, theme: &Theme, wide: bool) {
        let a = &self.attention;
        let deals_shown = {
            let mut ids: Vec<DealId> = a.overdue.iter().map(|o| o.deal.id).collect();
            ids.dedup();
            ids.len()
        };
        let title = format!(
            " Overdue escalations on {} {}{} ",
            a.overdue_deals,
            if a.overdue_deals == 1 {
                "deal"
            } else {
                "deals"
            },
            more(deals_shown, a.overdue_deals)
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
        let (header, widths): (Vec<&str>, Vec<Constraint>) = if wide {
            [
                ("Id", Constraint::Length(7)),
                ("Deal", Constraint::Fill(2)),
                ("Escalation → to", Constraint::Fill(3)),
                ("Overdue", Constraint::Length(14)),
            ]
            .into_iter()
            .unzip()
        } else {
            [
                ("Deal", Constraint::Fill(1)),
                ("Overdue", Constraint::Length(14)),
            ]
            .into_iter()
            .unzip()
        };
        Table::new(rows, widths)
            .header(Row::new(header).style(theme.title))
            .column_spacing(1)
            .block(block)
            .render(area, buf);
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
        self.render_steps(steps, buf, look);
        let [stalled, overdue] =
            Layout::vertical([Constraint::Fill(1), Constraint::Fill(1)]).areas(right);
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
        Line::styled(format!("weekly, {} weeks:", self.weeks.len()), theme.dim).render(label, buf);
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

/// " (first 6)" when only part of a list is shown.
fn more(shown: usize, total: usize) -> String {
    if shown < total {
        format!(" (first {shown})")
    } else {
        String::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::playbook::Playbook;
    use crate::store::Store;
    use crate::tui::job::Report;

    /// Metrics computed for `owner` by a worker the test speaks for.
    fn running(owner: Option<&str>) -> (std::sync::mpsc::Sender<Report<Computed>>, Running) {
        let (tx, rx) = std::sync::mpsc::channel();
        let job = Job {
            rx,
            progress: Default::default(),
        };
        let owner = owner.map(String::from);
        (
            tx,
            Running {
                owner,
                job,
                again: false,
            },
        )
    }

    /// While the metrics are being computed the header says so and the
    /// figures are the last ones; when they come they are shown and the
    /// header no longer says it.
    #[test]
    fn the_header_says_the_metrics_are_being_computed_until_they_come() {
        let now = chrono::Utc::now();
        let mut session = Session::new(
            Store::open_in_memory().unwrap(),
            Playbook::default_playbook(),
            crate::Clock::fixed(now),
            "dana",
        );
        let mut screen = DashboardScreen::open(Rect::new(0, 0, 120, 40), &mut session).unwrap();
        assert!(!screen.is_working(), "in memory: at once");
        assert!(!screen.header_text().contains("computing"));
        let (tx, job) = running(None);
        screen.computing = Some(job);
        assert!(screen.is_working());
        assert!(screen.header_text().ends_with("· computing the metrics…"));
        assert_eq!(screen.poll(&mut session), Ok(false), "nothing yet");
        let range = Range::last(RANGE_DAYS, session.clock.today());
        let mut new = Tally::new(range).finish(&session.playbook);
        new.qualification_accuracy.count = 7;
        let weeks = vec![new.clone(); 3];
        tx.send(Report::Done(Ok((new.clone(), weeks)))).unwrap();
        assert_eq!(screen.poll(&mut session), Ok(true));
        assert!(!screen.is_working());
        assert!(!screen.header_text().contains("computing"));
        assert_eq!(screen.metrics().qualification_accuracy.count, 7);
        assert_eq!(screen.weeks.len(), 3);
        // a worker gone without a word is said, and the figures stay
        let (tx, job) = running(None);
        screen.computing = Some(job);
        drop(tx);
        assert!(screen.poll(&mut session).is_err());
        assert!(!screen.is_working());
        assert_eq!(screen.metrics().qualification_accuracy.count, 7);
    }

    /// Asked again while they are being computed, the metrics are computed
    /// once more when those come, not twice at once; figures computed for
    /// someone no longer shown are dropped.
    #[test]
    fn a_second_ask_waits_for_the_first_and_another_owners_figures_are_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let mut session = Session::new(
            Store::open(&dir.path().join("qualify.db")).unwrap(),
            Playbook::default_playbook(),
            crate::Clock::fixed(chrono::Utc::now()),
            "dana",
        );
        let mut screen = DashboardScreen::open(Rect::new(0, 0, 120, 40), &mut session).unwrap();
        // on a file nothing has come yet: each metric says so
        let theme = Theme::plain();
        let value = |screen: &DashboardScreen| {
            let metric = screen.metrics().qualification_accuracy.clone();
            screen.shown(&metric, &theme).0
        };
        assert!(screen.is_working());
        assert_eq!(value(&screen), "computing…");
        screen.wait(&mut session).unwrap();
        assert_eq!(value(&screen), "no data", "figures over no deals");
        let range = Range::last(RANGE_DAYS, session.clock.today());
        let mut figures = Tally::new(range).finish(&session.playbook);
        figures.qualification_accuracy.count = 9;
        // asked again while running: marked, not started twice
        let (tx, first) = running(None);
        screen.computing = Some(first);
        screen.refresh(&mut session).unwrap();
        assert!(screen.computing.as_ref().is_some_and(|r| r.again));
        tx.send(Report::Done(Ok((figures.clone(), vec![]))))
            .unwrap();
        assert_eq!(screen.poll(&mut session), Ok(true));
        assert_eq!(screen.metrics().qualification_accuracy.count, 9, "shown");
        assert!(
            screen.computing.as_ref().is_some_and(|r| !r.again),
            "started again"
        );
        screen.wait(&mut session).unwrap();
        assert_eq!(screen.metrics().qualification_accuracy.count, 0, "no deals");
        // figures for an owner no longer shown are dropped, and the shown
        // owner's are computed
        let (tx, theirs) = running(Some("Kim"));
        screen.computing = Some(theirs);
        tx.send(Report::Done(Ok((figures, vec![])))).unwrap();
        assert_eq!(screen.poll(&mut session), Ok(true));
        assert_eq!(
            screen.metrics().qualification_accuracy.count,
            0,
            "not Kim's"
        );
        assert!(screen.computing.as_ref().is_some_and(|r| r.owner.is_none()));
        screen.wait(&mut session).unwrap();
        assert!(!screen.is_working());
    }
}
