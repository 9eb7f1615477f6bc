//! The new-deal form: each field checked as it is typed, the message beside
//! it; the deal is created in one write when the form is submitted.

use crate::domain::calendar::parse_date_input;
use crate::domain::deal::{DealId, FirstYear, NewDeal, parse_support_rate, percent_text};
use crate::domain::money::Money;
use crate::domain::playbook::Playbook;
use crate::tui::action::Action;
use crate::tui::shared::{Ctx, Look, Status};
use crate::tui::widgets::{popup, text_field, truncate};
use chrono::NaiveDate;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Widget};
use tui_input::Input;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Required,
    Text,
    Amount,
    /// A percentage; empty for the playbook's default.
    Percent,
    Date,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Name,
    Account,
    Amount,
    Fee,
    CloseDate,
    SupportRate,
    Stage,
    Owner,
    Sa,
    Manager,
    TriggerDate,
}

const FIELDS: [(Slot, &str, Kind); 11] = [
    (Slot::Name, "Deal name *", Kind::Required),
    (Slot::Account, "Account *", Kind::Required),
    (Slot::Amount, "Licence amount", Kind::Amount),
    (Slot::Fee, "Implementation fee", Kind::Amount),
    (Slot::CloseDate, "Close date", Kind::Date),
    (Slot::SupportRate, "Support rate (%)", Kind::Percent),
    (Slot::Stage, "Stage", Kind::Text),
    (Slot::Owner, "Owner (AE)", Kind::Text),
    (Slot::Sa, "Solution architect", Kind::Text),
    (Slot::Manager, "Manager", Kind::Text),
    (Slot::TriggerDate, "Executive meeting", Kind::Date),
];

pub struct NewDealForm {
    inputs: Vec<Input>,
    focus: usize,
    /// After a refused submit, empty required fields show as errors too.
    tried: bool,
    default_stage: String,
    /// The playbook's support rate, used when none is typed.
    default_support_rate: f64,
    /// Dates may be typed as +N business days from this day.
    today: NaiveDate,
    holidays: Vec<NaiveDate>,
}

pub enum FormOutcome {
    Stay(Option<Status>),
    /// Closed; `keep` when something was typed (the app keeps the draft).
    Close {
        keep: bool,
    },
    Created(DealId),
}

impl NewDealForm {
    pub fn new(playbook: &Playbook, today: NaiveDate) -> NewDealForm {
        NewDealForm {
            inputs: vec![Input::default(); FIELDS.len()],
            focus: 0,
            tried: false,
            default_stage: playbook.defaults.stage.clone(),
            default_support_rate: playbook.defaults.support_rate_percent,
            today,
            holidays: playbook.targets.holidays.clone(),
        }
    }

    fn value(&self, slot: Slot) -> &str {
        let i = FIELDS
            .iter()
            .position(|f| f.0 == slot)
            .expect("every slot is a field");
        self.inputs[i].value().trim()
    }

    /// The message for field `i`, if its text is not acceptable.
    fn error(&self, i: usize) -> Option<String> {
        let text = self.inputs[i].value().trim();
        match FIELDS[i].2 {
            Kind::Required if text.is_empty() && self.tried => Some("required".into()),
            Kind::Amount if !text.is_empty() => Money::parse(text).err(),
            Kind::Percent if !text.is_empty() => parse_support_rate(text).err(),
            Kind::Date if !text.is_empty() => {
                parse_date_input(text, self.today, &self.holidays).err()
            }
            _ => None,
        }
    }

    /// The support rate typed, if any and valid.
    fn support_rate(&self) -> Option<f64> {
        parse_support_rate(self.value(Slot::SupportRate)).ok()
    }

    /// How the first-year value is made up from what is typed so far.
    fn first_year_text(&self) -> String {
        let rate = match self.value(Slot::SupportRate) {
            "" => Some(self.default_support_rate),
            _ => self.support_rate(),
        };
        let licence = Money::parse(self.value(Slot::Amount)).ok();
        let fee = match self.value(Slot::Fee) {
            "" => Some(None),
            text => Money::parse(text).ok().map(Some),
        };
        match (licence, fee, rate) {
            (Some(licence), Some(fee), Some(rate)) => {
                let year = FirstYear::of(licence, fee, rate);
                format!(
                    "First-year value {} = {} licence + {} implementation + {} support ({})",
                    year.total(),
                    year.licence,
                    year.implementation,
                    year.support,
                    percent_text(rate)
                )
            }
            _ => format!(
                "First-year value = licence + implementation + support ({} of licence)",
                rate.map_or_else(|| "a rate".to_string(), percent_text)
            ),
        }
    }

    fn is_blank(&self) -> bool {
        self.inputs.iter().all(|i| i.value().trim().is_empty())
    }

    pub fn update(&mut self, action: Action, ctx: &mut Ctx) -> FormOutcome {
        match action {
            Action::FocusNext => self.focus = (self.focus + 1) % FIELDS.len(),
            Action::FocusPrev => self.focus = (self.focus + FIELDS.len() - 1) % FIELDS.len(),
            Action::Confirm if self.focus + 1 < FIELDS.len() => self.focus += 1,
            Action::Confirm | Action::Save => return self.submit(ctx),
            Action::Cancel => {
                return FormOutcome::Close {
                    keep: !self.is_blank(),
                };
            }
            Action::Type(key) => {
                let input = &mut self.inputs[self.focus];
                crate::tui::widgets::type_into(input, key, crate::text::MAX_SHORT);
            }
            _ => {}
        }
        FormOutcome::Stay(None)
    }

    fn submit(&mut self, ctx: &mut Ctx) -> FormOutcome {
        self.tried = true;
        if let Some(bad) = (0..FIELDS.len()).find(|i| self.error(*i).is_some()) {
            self.focus = bad;
            let message = format!(
                "{}: {}",
                FIELDS[bad].1.trim_end_matches(" *"),
                self.error(bad).unwrap_or_default()
            );
            return FormOutcome::Stay(Some(Status::error(message)));
        }
        let amount = |slot| Money::parse(self.value(slot)).ok();
        let date = |slot| parse_date_input(self.value(slot), self.today, &self.holidays).ok();
        let stage = self.value(Slot::Stage);
        let new = NewDeal {
            name: self.value(Slot::Name).to_string(),
            account: self.value(Slot::Account).to_string(),
            amount: amount(Slot::Amount),
            implementation_fee: amount(Slot::Fee),
            support_rate_percent: self.support_rate(),
            close_date: date(Slot::CloseDate),
            stage: (!stage.is_empty()).then(|| stage.to_string()),
            owner: self.value(Slot::Owner).to_string(),
            sa: self.value(Slot::Sa).to_string(),
            manager: self.value(Slot::Manager).to_string(),
            trigger_date: date(Slot::TriggerDate),
        };
        match crate::ops::add_deal(&mut ctx.session, new) {
            Ok(id) => FormOutcome::Created(id),
            Err(e) => FormOutcome::Stay(Some(Status::error(e.to_string()))),
        }
    }

    pub fn render(&self, area: Rect, buf: &mut Buffer, look: Look<'_>) {
        let theme = look.theme;
        let rect = popup(area, 78, FIELDS.len() as u16 + 7);
        Clear.render(rect, buf);
        let block = Block::bordered()
            .title(" New deal ")
            .title_style(theme.title)
            .border_style(theme.focus_border);
        let inner = block.inner(rect);
        block.render(rect, buf);
        let [fields_area, _, value_area, help_area] = Layout::vertical([
            Constraint::Length(FIELDS.len() as u16),
            Constraint::Length(1),
            Constraint::Length(2),
            Constraint::Fill(1),
        ])
        .areas(inner);
        ratatui::widgets::Paragraph::new(Line::raw(self.first_year_text()))
            .wrap(ratatui::widgets::Wrap { trim: true })
            .render(value_area, buf);
        for (i, (slot, label, kind)) in FIELDS.iter().enumerate() {
            let y = fields_area.y + i as u16;
            if y >= fields_area.bottom() {
                break;
            }
            let row = Rect {
                y,
                height: 1,
                ..fields_area
            };
            let [label_area, input_area, note_area] = Layout::horizontal([
                Constraint::Length(20),
                Constraint::Length(30),
                Constraint::Fill(1),
            ])
            .spacing(1)
            .areas(row);
            let focused = i == self.focus;
            let label_style = if focused { theme.title } else { Style::new() };
            Line::styled(*label, label_style)
                .right_aligned()
                .render(label_area, buf);
            let input = &self.inputs[i];
            text_field(
                buf,
                input_area,
                input.value(),
                input.visual_cursor(),
                focused,
                Style::new().add_modifier(ratatui::style::Modifier::UNDERLINED),
            );
            let note = match (self.error(i), kind) {
                (Some(err), _) => Span::styled(
                    format!("✗ {}", truncate(short(&err), note_area.width as usize - 2)),
                    theme.error,
                ),
                (None, Kind::Date) if input.value().trim().is_empty() => {
                    Span::styled("YYYY-MM-DD or +N", theme.dim)
                }
                (None, Kind::Amount) if input.value().trim().is_empty() => {
                    Span::styled("USD, e.g. 250,000", theme.dim)
                }
                (None, Kind::Text) if *slot == Slot::Stage && input.value().is_empty() => {
                    Span::styled(format!("default: {}", self.default_stage), theme.dim)
                }
                (None, Kind::Percent) if input.value().trim().is_empty() => Span::styled(
                    format!("default: {}", percent_text(self.default_support_rate)),
                    theme.dim,
                ),
                (None, Kind::Amount | Kind::Date | Kind::Percent) => Span::styled("✓", theme.pass),
                _ => Span::raw(""),
            };
            note.render(note_area, buf);
        }
        let help = match self.error(self.focus) {
            Some(err) => Line::styled(err, theme.error),
            None => Line::styled(
                "Tab next field · Enter on the last field or Ctrl-S creates · Esc closes (keeps the draft)",
                theme.dim,
            ),
        };
        ratatui::widgets::Paragraph::new(help)
            .wrap(ratatui::widgets::Wrap { trim: true })
            .render(help_area, buf);
    }
}

/// The gist of a parse message: the part before its first colon.
fn short(message: &str) -> &str {
    message.split(':').next().unwrap_or(message)
}
