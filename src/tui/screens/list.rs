//! The deal list: sorted, filtered as you type, and reading from the
//! database only the rows that fit on screen.

use super::new_deal::NewDealForm;
use crate::domain::deal::{DealId, DealSummary};
use crate::domain::money::Money;
use crate::store::{ListQuery, Queue, Store, StoreError};
use crate::text::shown;
use crate::tui::action::Action;
use crate::tui::app::{Ctx, Look, Status};
use crate::tui::widgets::text_field;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Paragraph, Row, Table, Widget, Wrap};
use tui_input::Input;

#[derive(Default)]
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
    /// A new-deal form left half-filled, restored by `n`.
    draft: Option<Box<NewDealForm>>,
}

pub enum ListOutcome {
    Stay,
    Open(DealId),
    NewDeal(Box<NewDealForm>),
}

/// Rows of the table inside the list's area: borders, header and filter line.
fn table_height(area: Rect) -> usize {
    usize::from(area.height.saturating_sub(4))
}

impl ListScreen {
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

    pub fn keep_draft(&mut self, draft: Option<Box<NewDealForm>>) {
        self.draft = draft;
    }

    pub fn set_area(&mut self, body: Rect, store: &Store) -> Result<(), StoreError> {
        self.height = table_height(body);
        self.reload(store)
    }

    /// Read the count and the visible page again.
    pub fn reload(&mut self, store: &Store) -> Result<(), StoreError> {
        self.total = store.count_deals(&self.query)?;
        self.any = self.total > 0 || store.count_deals(&ListQuery::default())? > 0;
        self.selected = self.selected.min(self.total.saturating_sub(1));
        if self.selected < self.offset {
            self.offset = self.selected;
        }
        if self.height > 0 && self.selected >= self.offset + self.height {
            self.offset = self.selected + 1 - self.height;
        }
        self.offset = self.offset.min(self.total.saturating_sub(self.height));
        self.rows = store.deal_page(&self.query, self.offset, self.height)?;
        Ok(())
    }

    fn select(&mut self, index: usize, store: &Store) -> Result<(), StoreError> {
        self.selected = index.min(self.total.saturating_sub(1));
        let visible = self.offset..self.offset + self.height;
        if visible.contains(&self.selected) {
            return Ok(());
        }
        self.reload(store)
    }

    pub fn update(&mut self, action: Action, ctx: &mut Ctx) -> Result<ListOutcome, Status> {
        let store = &ctx.store;
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
            Action::NewDeal => {
                let form = self.draft.take().unwrap_or_else(|| {
                    Box::new(NewDealForm::new(&ctx.playbook, ctx.clock.today()))
                });
                return Ok(ListOutcome::NewDeal(form));
            }
            Action::Filter => {
                self.filtering = true;
                Ok(())
            }
            Action::CycleSort => {
                self.query.sort = self.query.sort.next();
                self.reload(store)
            }
            Action::CycleQueue => {
                let over_cents =
                    Money::from_dollars(ctx.playbook.targets.manager_review_over_usd).cents();
                self.query.queue = match self.query.queue {
                    Queue::All => Queue::SaSignOff,
                    Queue::SaSignOff => Queue::ManagerReview { over_cents },
                    Queue::ManagerReview { .. } => Queue::All,
                };
                self.selected = 0;
                self.offset = 0;
                self.reload(store)
            }
            Action::Back | Action::Cancel => {
                self.filtering = false;
                self.filter = Input::default();
                self.set_filter(store)
            }
            Action::Confirm => {
                self.filtering = false;
                Ok(())
            }
            Action::Type(key) => {
                crate::tui::widgets::type_into(&mut self.filter, key, crate::text::MAX_SHORT);
                self.set_filter(store)
            }
            _ => Ok(()),
        };
        result
            .map(|()| ListOutcome::Stay)
            .map_err(|e| Status::error(e.to_string()))
    }

    fn set_filter(&mut self, store: &Store) -> Result<(), StoreError> {
        if self.filter.value() != self.query.filter {
            self.query.filter = self.filter.value().to_string();
            self.selected = 0;
            self.offset = 0;
        }
        self.reload(store)
    }

    pub fn render(&self, area: Rect, buf: &mut Buffer, look: Look<'_>, db_label: &str) {
        let theme = look.theme;
        if !self.any {
            return render_welcome(area, buf, look, db_label);
        }
        let title = format!(
            " Deals ({}) · {} · sorted by {} ",
            self.total,
            self.query.queue.label(),
            self.query.sort.label()
        );
        let block = Block::bordered()
            .title(title)
            .border_style(theme.border)
            .title_style(theme.title);
        let inner = block.inner(area);
        block.render(area, buf);
        let [table_area, filter_area] =
            Layout::vertical([Constraint::Fill(1), Constraint::Length(1)]).areas(inner);

        let wide = area.width >= 120;
        let mut widths = vec![
            Constraint::Fill(3),
            Constraint::Fill(2),
            Constraint::Length(10),
            Constraint::Length(10),
            Constraint::Length(13),
            Constraint::Length(7),
        ];
        let mut header = vec!["Deal", "Account", "Amount", "Close", "Stage", "Steps"];
        if wide {
            widths.push(Constraint::Fill(1));
            header.push("Owner");
        }
        let rows = self.rows.iter().enumerate().map(|(i, d)| {
            let steps = if d.steps_blocked > 0 {
                format!("{}/10 ⊘", d.steps_complete)
            } else {
                format!("{}/10", d.steps_complete)
            };
            let mut cells = vec![
                Line::from(shown(&d.name)),
                Line::from(shown(&d.account)),
                Line::from(d.amount.map_or("-".into(), |m| m.to_string())).right_aligned(),
                Line::from(d.close_date.map_or("-".into(), |c| c.to_string())),
                Line::from(shown(&d.stage)),
                Line::from(steps),
            ];
            if wide {
                cells.push(Line::from(shown(&d.owner)));
            }
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
        } else if !self.query.filter.is_empty() {
            Line::from(vec![
                Span::styled("filter: ", theme.dim),
                Span::raw(shown(&self.query.filter)),
                Span::styled("  (Esc clears)", theme.dim),
            ])
            .render(filter_area, buf);
        } else if self.total > self.height {
            let shown = format!(
                "{}-{} of {}",
                self.offset + 1,
                self.offset + self.rows.len(),
                self.total
            );
            Line::styled(shown, theme.dim)
                .right_aligned()
                .render(filter_area, buf);
        }
    }
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
