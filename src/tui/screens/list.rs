//! The deal list: sorted, filtered as you type, and reading from the
//! database only the rows that fit on screen.

use crate::domain::choices::{Choice, WarningKind};
use crate::domain::criteria::Verdict;
use crate::domain::deal::{DealId, DealSummary};
use crate::domain::pipeline::{ForecastCategory, OutcomeKind};
use crate::ops::{self, Session};
use crate::ops::{CategoryTotal, ListQuery, Queue, StoreError};
use crate::text::shown;
use crate::tui::action::Action;
use crate::tui::keymap;
use crate::tui::shared::{Ctx, Look, Status};
use crate::tui::widgets::{text_field, truncate};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Paragraph, Row, Table, Widget, Wrap};
use tui_input::Input;

pub struct ListScreen {
    query: ListQuery,
    filter: Input,
    filtering: bool,
    /// Deals matching the filter.
    total: usize,
    /// Whether any deal exists at all (else the welcome shows).
    any: bool,
    selected: usize,
    offset: usize,
    /// Just the visible rows, `offset..offset + height`.
    rows: Vec<DealSummary>,
    height: usize,
    /// Why the database is read-only: found damaged (shown as a banner).
    damaged: Option<String>,
    /// Amount and deals per forecast category, for the foot.
    totals: Vec<CategoryTotal>,
}

impl Default for ListScreen {
    /// The list as it opens: open deals, by close date.
    fn default() -> ListScreen {
        ListScreen {
            query: ListScreen::opening_query(),
            filter: Input::default(),
            filtering: false,
            total: 0,
            any: false,
            selected: 0,
            offset: 0,
            rows: Vec::new(),
            height: 0,
            damaged: None,
            totals: Vec::new(),
        }
    }
}

/// The next of `items` after `current` (None: all), wrapping to None.
fn cycle<T: Clone + PartialEq>(items: &[T], current: &Option<T>) -> Option<T> {
    match current {
        None => items.first().cloned(),
        Some(c) => items
            .iter()
            .position(|i| i == c)
            .and_then(|p| items.get(p + 1))
            .cloned(),
    }
}

pub enum ListOutcome {
    Stay,
    Open(DealId),
    /// Snooze this deal, or lift its snooze (the database takes writes).
    Snooze(Box<DealSummary>),
    /// Snooze one of this deal's warnings (it has some; the database takes
    /// writes).
    SnoozeWarning(Box<DealSummary>),
    /// The new-deal form (the database takes writes).
    NewDeal,
    Dashboard,
    Import,
    Export,
}

/// The shortest filter matched as it is typed (the full-text index's
/// trigrams); a shorter one is applied with Enter.
const MATCHED_AS_TYPED: usize = 3;

/// Rows of the table inside the list's area: borders, header and filter line.
fn table_height(area: Rect) -> usize {
    usize::from(area.height.saturating_sub(4))
}

impl ListScreen {
    /// Open deals, by close date: how the list opens, and what Esc goes
    /// back to (the sort is kept).
    fn opening_query() -> ListQuery {
        ListQuery {
            open_only: true,
            ..ListQuery::default()
        }
    }

    pub fn is_filtering(&self) -> bool {
        self.filtering
    }

    pub fn selected_id(&self) -> Option<DealId> {
        self.rows
            .get(self.selected.checked_sub(self.offset)?)
            .map(|r| r.id)
    }

    pub fn rows(&self) -> &[DealSummary] {
        &self.rows
    }

    pub fn summary_text(&self) -> String {
        match self.total {
            1 => "1 deal".into(),
            n => format!("{n} deals"),
        }
    }

    /// The queue and the filters in force, in words.
    pub fn filters_text(&self) -> String {
        let q = &self.query;
        // a queue holds open deals only
        let mut parts = vec![match (q.queue, q.open_only) {
            (Queue::All, true) => "open deals".to_string(),
            (Queue::All, false) => "all deals, closed too".to_string(),
            (queue, _) => queue.label().to_string(),
        }];
        if q.mine.is_some() {
            parts.push(q.queue.mine_label().to_string());
        }
        parts.extend(q.category.map(|c| c.label().to_string()));
        parts.extend(q.verdict.map(|v| v.label().to_string()));
        parts.extend(q.owner.as_ref().map(|o| format!("owner {}", shown(o))));
        parts.extend(q.sa.as_ref().map(|o| format!("SA {}", shown(o))));
        if q.stalled {
            parts.push("stalled".into());
        }
        if q.overdue {
            parts.push("overdue".into());
        }
        parts.extend(q.warning.map(|k| format!("warned: {}", k.label())));
        parts.join(" · ")
    }

    /// The amount per forecast category of the deals shown, for the foot.
    pub fn totals_text(&self) -> String {
        self.totals
            .iter()
            .filter(|t| t.deals > 0)
            .map(|t| format!("{} {} ({})", t.category.label(), t.amount.short(), t.deals))
            .collect::<Vec<_>>()
            .join(" · ")
    }

    pub fn set_area(&mut self, body: Rect, store: &Session) -> Result<(), StoreError> {
        self.height = table_height(body);
        self.reload(store)
    }

    /// Whether the list shows the read-only banner of a damaged file.
    pub fn shows_damage(&self) -> bool {
        self.damaged.is_some()
    }

    /// Read the count and the visible page again; note whether the file was
    /// found damaged (then the list is read-only under a banner).
    pub fn reload(&mut self, store: &Session) -> Result<(), StoreError> {
        let result = self.read_page(store);
        self.damaged = ops::watch::damage(store).map(str::to_string);
        if result.is_err() && self.damaged.is_some() {
            self.rows.clear();
        }
        result
    }

    fn read_page(&mut self, store: &Session) -> Result<(), StoreError> {
        self.query.now = store.clock.now();
        let head = ops::views::list_head(store, &self.query)?;
        self.total = head.total;
        self.any = head.any;
        self.totals = head.totals;
        self.selected = self.selected.min(self.total.saturating_sub(1));
        if self.selected < self.offset {
            self.offset = self.selected;
        }
        if self.height > 0 && self.selected >= self.offset + self.height {
            self.offset = self.selected + 1 - self.height;
        }
        self.offset = self.offset.min(self.total.saturating_sub(self.height));
        self.rows =
            ops::views::list_page(store, &self.query, self.offset, self.height, self.total)?;
        Ok(())
    }

    fn select(&mut self, index: usize, store: &Session) -> Result<(), StoreError> {
        self.selected = index.min(self.total.saturating_sub(1));
        let visible = self.offset..self.offset + self.height;
        if visible.contains(&self.selected) {
            return Ok(());
        }
        self.reload(store)
    }

    pub fn update(&mut self, action: Action, ctx: &mut Ctx) -> Result<ListOutcome, Status> {
        let store = &ctx.session;
        let page = self.height.max(1);
        let result = match action {
            Action::Down => self.select(self.selected + 1, store),
            Action::Up => self.select(self.selected.saturating_sub(1), store),
            Action::PageDown => self.select(self.selected + page, store),
            Action::PageUp => self.select(self.selected.saturating_sub(page), store),
            Action::Top => self.select(0, store),
            Action::Bottom => self.select(self.total.saturating_sub(1), store),
            Action::Open => {
                return Ok(self
                    .selected_id()
                    .map_or(ListOutcome::Stay, ListOutcome::Open));
            }
            Action::NewDeal if self.damaged.is_some() => {
                return Err(Status::error(
                    "the database is damaged and read-only: no new deal can be saved in it",
                ));
            }
            Action::NewDeal => return Ok(ListOutcome::NewDeal),
            Action::ShowDashboard => return Ok(ListOutcome::Dashboard),
            Action::Import if self.damaged.is_some() => {
                return Err(Status::error(
                    "the database is damaged and read-only: nothing can be imported into it",
                ));
            }
            Action::Import => return Ok(ListOutcome::Import),
            Action::Export => return Ok(ListOutcome::Export),
            Action::Filter => {
                self.filtering = true;
                Ok(())
            }
            Action::CycleSort => {
                self.query.sort = self.query.sort.next();
                self.reload(store)
            }
            Action::ReverseSort => {
                self.query.reverse = !self.query.reverse;
                self.reload(store)
            }
            Action::Snooze | Action::SnoozeWarning if self.damaged.is_some() => {
                return Err(Status::error(
                    "the database is damaged and read-only: no snooze can be saved in it",
                ));
            }
            Action::Snooze => {
                let row = self.selected.checked_sub(self.offset);
                return Ok(match row.and_then(|i| self.rows.get(i)) {
                    Some(row) => ListOutcome::Snooze(Box::new(row.clone())),
                    None => ListOutcome::Stay,
                });
            }
            Action::SnoozeWarning => {
                let row = self.selected.checked_sub(self.offset);
                return match row.and_then(|i| self.rows.get(i)) {
                    Some(row) if row.warnings.is_empty() => Err(Status::info(format!(
                        "Deal {} has no warning to snooze",
                        row.id
                    ))),
                    Some(row) => Ok(ListOutcome::SnoozeWarning(Box::new(row.clone()))),
                    None => Ok(ListOutcome::Stay),
                };
            }
            Action::CycleCategory
            | Action::CycleOwner
            | Action::CycleSa
            | Action::CycleVerdict
            | Action::ToggleStalled
            | Action::ToggleOverdue
            | Action::CycleWarning
            | Action::ToggleMine
            | Action::ToggleClosed => {
                let q = &mut self.query;
                match action {
                    Action::ToggleMine => {
                        q.mine = match q.mine {
                            Some(_) => None,
                            None => Some(store.user.clone()),
                        }
                    }
                    Action::ToggleClosed => q.open_only = !q.open_only,
                    Action::CycleCategory => {
                        q.category = cycle(&ForecastCategory::ALL, &q.category);
                    }
                    Action::CycleVerdict => q.verdict = cycle(&Verdict::ALL, &q.verdict),
                    Action::CycleOwner => match ops::views::people(store, false) {
                        Ok(people) => q.owner = cycle(&people, &q.owner),
                        Err(e) => return Err(Status::error(e.to_string())),
                    },
                    Action::CycleSa => match ops::views::people(store, true) {
                        Ok(people) => q.sa = cycle(&people, &q.sa),
                        Err(e) => return Err(Status::error(e.to_string())),
                    },
                    Action::ToggleStalled => q.stalled = !q.stalled,
                    Action::CycleWarning => q.warning = cycle(WarningKind::ALL, &q.warning),
                    _ => q.overdue = !q.overdue,
                }
                self.selected = 0;
                self.offset = 0;
                self.reload(store)
            }
            Action::CycleQueue => {
                self.query.queue = self.query.queue.next();
                self.selected = 0;
                self.offset = 0;
                self.reload(store)
            }
            // Esc while typing clears what is typed; on the list, every filter
            Action::Cancel => {
                self.filtering = false;
                self.filter = Input::default();
                if self.query.filter.is_empty() {
                    self.reload(store)
                } else {
                    self.set_filter(store, true)
                }
            }
            Action::Back => {
                self.filtering = false;
                self.filter = Input::default();
                self.query = ListQuery {
                    sort: self.query.sort,
                    reverse: self.query.reverse,
                    ..ListScreen::opening_query()
                };
                self.selected = 0;
                self.offset = 0;
                self.reload(store)
            }
            Action::Confirm => {
                self.filtering = false;
                self.set_filter(store, true)
            }
            Action::Type(key) => {
                crate::tui::widgets::type_into(&mut self.filter, key, crate::text::MAX_SHORT);
                self.set_filter(store, false)
            }
            _ => Ok(()),
        };
        result
            .map(|()| ListOutcome::Stay)
            .map_err(|e| Status::error(e.to_string()))
    }

    /// Whether the typed filter is too short to match as it is typed: one
    /// or two characters are below the full-text index (three) and would
    /// be looked for in every deal.
    fn filter_too_short(&self) -> bool {
        let typed = self.filter.value().trim().chars().count();
        typed > 0 && typed < MATCHED_AS_TYPED
    }

    /// Filter the list by what is typed, from three characters on (fewer
    /// leave the list as it is until `confirmed`, with Enter).
    fn set_filter(&mut self, store: &Session, confirmed: bool) -> Result<(), StoreError> {
        let wanted = if !confirmed && self.filter_too_short() {
            ""
        } else {
            self.filter.value()
        };
        if wanted == self.query.filter {
            return Ok(());
        }
        self.query.filter = wanted.to_string();
        self.selected = 0;
        self.offset = 0;
        self.reload(store)
    }

    pub fn render(&self, area: Rect, buf: &mut Buffer, look: Look<'_>, db_label: &str) {
        let theme = look.theme;
        let area = match &self.damaged {
            Some(detail) => {
                let [banner, rest] =
                    Layout::vertical([Constraint::Length(5), Constraint::Fill(1)]).areas(area);
                render_damaged(banner, buf, look, db_label, detail);
                if self.rows.is_empty() {
                    return;
                }
                rest
            }
            None => area,
        };
        if !self.any {
            return render_welcome(area, buf, look, db_label);
        }
        let title = format!(
            " Deals ({}) · {} · sorted by {}{} ",
            self.total,
            self.filters_text(),
            self.query.sort.label(),
            if self.query.reverse { ", reversed" } else { "" }
        );
        let block = Block::bordered()
            .title(title)
            .border_style(theme.border)
            .title_style(theme.title);
        let inner = block.inner(area);
        block.render(area, buf);
        let [table_area, filter_area] =
            Layout::vertical([Constraint::Fill(1), Constraint::Length(1)]).areas(inner);

        // the pipeline's columns: all from 160 columns, the main ones below
        let wide = area.width >= 160;
        let medium = area.width >= 120;
        let columns: Vec<(&str, Constraint)> = [
            Some(("Deal", Constraint::Fill(3))),
            medium.then_some(("Account", Constraint::Fill(2))),
            medium.then_some(("Owner", Constraint::Fill(2))),
            Some(("Amount", Constraint::Length(10))),
            Some(("Close", Constraint::Length(10))),
            Some(("Forecast", Constraint::Length(9))),
            medium.then_some(if wide {
                ("Verdict", Constraint::Length(16))
            } else {
                ("Score", Constraint::Length(6))
            }),
            Some(("Steps", Constraint::Length(6))),
            Some(("QA", Constraint::Length(3))),
            medium.then_some(("Esc", Constraint::Length(5))),
            medium.then_some(("Warn", Constraint::Length(4))),
            wide.then_some(("Risk", Constraint::Length(8))),
            wide.then_some(("Next step", Constraint::Length(10))),
            Some(("Flag", Constraint::Length(4))),
        ]
        .into_iter()
        .flatten()
        .collect();
        let header: Vec<&str> = columns.iter().map(|(h, _)| *h).collect();
        let widths: Vec<Constraint> = columns.iter().map(|(_, w)| *w).collect();
        let rows = self.rows.iter().enumerate().map(|(i, d)| {
            let steps = if d.steps_blocked > 0 {
                format!("{}/10{}", d.steps_complete, keymap::BLOCKED.symbol)
            } else {
                format!("{}/10", d.steps_complete)
            };
            let verdict = match (d.verdict, wide) {
                (Some(v), true) => format!("{} {}/{}", v.label(), d.meddpicc_total, d.meddpicc_max),
                (None, true) => format!("- {}/{}", d.meddpicc_total, d.meddpicc_max),
                (_, false) => format!("{}/{}", d.meddpicc_total, d.meddpicc_max),
            };
            // open / overdue
            let escalations = match (d.escalations_open, d.escalations_overdue) {
                (0, _) => "-".to_string(),
                (n, 0) => n.to_string(),
                (n, late) => format!("{n}/{late}{}", keymap::OVERDUE.symbol),
            };
            // the legend is the keymap's, shown in the help
            let mark = match (d.outcome, d.stalled, d.snoozed_until) {
                (Some(OutcomeKind::Won), ..) => keymap::WON.symbol,
                (Some(_), ..) => keymap::LOST.symbol,
                (None, true, _) => keymap::STALLED.symbol,
                (None, false, Some(_)) => keymap::SNOOZED.symbol,
                (None, false, None) => "",
            };
            let mut cells = vec![Line::from(shown(&d.name))];
            if medium {
                cells.push(Line::from(shown(&d.account)));
                cells.push(Line::from(shown(&d.owner)));
            }
            cells.push(Line::from(d.amount.map_or("-".into(), |m| m.to_string())).right_aligned());
            cells.push(Line::from(
                d.close_date.map_or("-".into(), |c| c.to_string()),
            ));
            cells.push(Line::from(d.forecast.label()));
            if medium {
                cells.push(Line::from(verdict));
            }
            cells.push(Line::from(steps));
            cells.push(Line::from(format!("{}/{}", d.qa_passed, d.qa_total)));
            if medium {
                cells.push(Line::from(escalations));
                cells.push(match d.warnings.len() {
                    0 => Line::from("-"),
                    n => Line::styled(n.to_string(), theme.warn),
                });
            }
            if wide {
                cells.push(Line::from(
                    d.risk_band.clone().unwrap_or_else(|| "-".into()),
                ));
                cells.push(Line::from(
                    d.next_step_due.map_or("-".into(), |c| c.to_string()),
                ));
            }
            cells.push(Line::styled(mark, theme.warn));
            let row = Row::new(cells);
            if self.offset + i == self.selected {
                row.style(theme.selected)
            } else {
                row
            }
        });
        Table::new(rows, widths)
            .header(Row::new(header).style(theme.title))
            .column_spacing(1)
            .render(table_area, buf);

        if self.filtering {
            buf.set_string(filter_area.x, filter_area.y, "/", theme.key);
            let input = Rect {
                x: filter_area.x + 1,
                width: filter_area.width.saturating_sub(1),
                ..filter_area
            };
            text_field(
                buf,
                input,
                self.filter.value(),
                self.filter.visual_cursor(),
                true,
                ratatui::style::Style::new(),
            );
            if self.filter_too_short() {
                let typed = u16::try_from(self.filter.value().chars().count())
                    .map_or(u16::MAX, |n| n.saturating_add(2));
                if let Some(room) = input.width.checked_sub(typed) {
                    let hint = Rect {
                        x: input.x + typed,
                        width: room,
                        ..input
                    };
                    Line::styled(
                        truncate("type 3 characters to filter, or Enter", usize::from(room)),
                        theme.dim,
                    )
                    .right_aligned()
                    .render(hint, buf);
                }
            }
        } else if !self.query.filter.is_empty() {
            Line::from(vec![
                Span::styled("filter: ", theme.dim),
                Span::raw(shown(&self.query.filter)),
                Span::styled("  (Esc clears)", theme.dim),
            ])
            .render(filter_area, buf);
        } else {
            let shown = (self.total > self.height).then(|| {
                format!(
                    " {}-{} of {}",
                    self.offset + 1,
                    self.offset + self.rows.len(),
                    self.total
                )
            });
            let room = usize::from(filter_area.width)
                .saturating_sub(shown.as_ref().map_or(0, |s| s.chars().count()));
            Line::styled(truncate(&self.totals_text(), room), theme.dim).render(filter_area, buf);
            if let Some(shown) = shown {
                Line::styled(shown, theme.dim)
                    .right_aligned()
                    .render(filter_area, buf);
            }
        }
    }
}

/// The read-only banner shown in place of the list once the file was found damaged.
fn render_damaged(area: Rect, buf: &mut Buffer, look: Look<'_>, db_label: &str, detail: &str) {
    let theme = look.theme;
    let label = shown(db_label);
    let block = Block::bordered()
        .title(" Read-only: the database is damaged ")
        .border_style(theme.error)
        .title_style(theme.error);
    let text = Text::from(vec![
        Line::from(vec![
            Span::styled(label.clone(), theme.title),
            Span::raw(format!(
                " is damaged ({}). Nothing can be changed until it checks out again.",
                shown(detail)
            )),
        ]),
        Line::from(vec![
            Span::raw("Quit and run "),
            Span::styled(format!("qualify --db {label} doctor"), theme.key),
            Span::raw(": it says how to recover the deals or restore a backup."),
        ]),
    ]);
    Paragraph::new(text)
        .wrap(Wrap { trim: false })
        .block(block)
        .render(area, buf);
}

fn render_welcome(area: Rect, buf: &mut Buffer, look: Look<'_>, db_label: &str) {
    let theme = look.theme;
    let block = Block::bordered()
        .title(" Welcome to qualify ")
        .border_style(theme.border)
        .title_style(theme.title);
    let text = Text::from(vec![
        Line::styled(look.playbook.name.clone(), theme.title),
        Line::raw(""),
        Line::raw(
            "No deals yet. Press n to add your first deal: its name and account are enough to start; \
             then walk its ten steps, from MEDDPICC scoring to the CRM record.",
        ),
        Line::raw(""),
        Line::from(vec![
            Span::raw("From a script: "),
            Span::styled(
                "qualify deal add --name \"Acme ERP\" --account Acme --amount 250000",
                theme.key,
            ),
        ]),
        Line::raw(""),
        Line::from(vec![
            Span::raw("Your data is kept in "),
            Span::styled(shown(db_label), theme.title),
            Span::raw(" (readable by you only)."),
        ]),
        Line::raw("Every edit is saved there as soon as you confirm it."),
        Line::raw(""),
        Line::from(vec![
            Span::styled("n", theme.key),
            Span::raw(" new deal   "),
            Span::styled("?", theme.key),
            Span::raw(" all keys   "),
            Span::styled("q", theme.key),
            Span::raw(" quit"),
        ]),
    ]);
    Paragraph::new(text)
        .wrap(Wrap { trim: false })
        .block(block)
        .render(area, buf);
}
