//! The deal's own fields in a form, each checked as it is typed with the
//! message beside it: a new deal (`n` on the list), created in one write
//! when the form is submitted; or an open deal's fields (`E` on the deal
//! screen), filled in with its values, of which those changed are saved in
//! one write ([`crate::ops::set_deal_fields`], the use case `deal set`
//! calls). A refused save keeps the form open with what was typed.

use crate::domain::calendar::parse_date_input;
use crate::domain::deal::{Deal, DealId, FirstYear, NewDeal, parse_support_rate, percent_text};
use crate::domain::deal_edit::{DealEdit, DealField};
use crate::domain::money::Money;
use crate::domain::playbook::Playbook;
use crate::ops::{self, StoreError};
use crate::tui::action::Action;
use crate::tui::shared::{CHANGED_ELSEWHERE, Ctx, Look, Status};
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

const FIELDS: [(DealField, &str, Kind); 11] = [
    (DealField::Name, "Deal name *", Kind::Required),
    (DealField::Account, "Account *", Kind::Required),
    (DealField::Amount, "Licence amount", Kind::Amount),
    (
        DealField::ImplementationFee,
        "Implementation fee",
        Kind::Amount,
    ),
    (DealField::CloseDate, "Close date", Kind::Date),
    (DealField::SupportRate, "Support rate (%)", Kind::Percent),
    (DealField::Stage, "Stage", Kind::Text),
    (DealField::Owner, "Owner (AE)", Kind::Text),
    (DealField::Sa, "Solution architect", Kind::Text),
    (DealField::Manager, "Manager", Kind::Text),
    (DealField::TriggerDate, "Executive meeting", Kind::Date),
];

/// A field's label without the mark of a required one.
fn label(i: usize) -> &'static str {
    FIELDS[i].1.trim_end_matches(" *")
}

/// What the form is for.
enum Purpose {
    New,
    /// Deal `id`'s fields as read at `version`; `was` holds each field's
    /// text as read: a field left as it was is not written.
    Edit {
        id: DealId,
        version: i64,
        was: Vec<String>,
    },
}

pub struct DealForm {
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
    /// Who is creating the deal: its owner unless another is typed.
    you: String,
    purpose: Purpose,
}

pub enum FormOutcome {
    Stay(Option<Status>),
    /// Closed; `keep` when a new deal's form holds something typed (the
    /// app keeps the draft).
    Close {
        keep: bool,
    },
    Created(DealId),
    /// The deal's fields were saved (or nothing had changed), in words.
    Saved(Status),
}

impl DealForm {
    /// An empty form for a new deal, created by `you`.
    pub fn new(playbook: &Playbook, today: NaiveDate, you: &str) -> DealForm {
        DealForm {
            inputs: vec![Input::default(); FIELDS.len()],
            focus: 0,
            tried: false,
            default_stage: playbook.defaults.stage.clone(),
            default_support_rate: playbook.defaults.support_rate_percent,
            today,
            holidays: playbook.targets.holidays.clone(),
            you: you.to_string(),
            purpose: Purpose::New,
        }
    }

    /// `deal`'s own fields, filled in with its values as read.
    pub fn edit(deal: &Deal, playbook: &Playbook, today: NaiveDate) -> DealForm {
        let was: Vec<String> = FIELDS.iter().map(|(f, ..)| f.text(deal)).collect();
        DealForm {
            inputs: was.iter().map(|text| Input::new(text.clone())).collect(),
            purpose: Purpose::Edit {
                id: deal.id,
                version: deal.version,
                was,
            },
            ..DealForm::new(playbook, today, "")
        }
    }

    fn index(field: DealField) -> usize {
        FIELDS
            .iter()
            .position(|f| f.0 == field)
            .expect("every field is in the form")
    }

    fn value(&self, field: DealField) -> &str {
        self.inputs[Self::index(field)].value().trim()
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

    /// The text field `i` had when the deal was read, if the person has
    /// changed it since.
    fn was(&self, i: usize) -> Option<&str> {
        match &self.purpose {
            Purpose::Edit { was, .. } if self.inputs[i].value().trim() != was[i].trim() => {
                Some(&was[i])
            }
            _ => None,
        }
    }

    /// The support rate typed, or the playbook's when none is.
    fn support_rate(&self) -> Option<f64> {
        match self.value(DealField::SupportRate) {
            "" => Some(self.default_support_rate),
            text => parse_support_rate(text).ok(),
        }
    }

    fn amount(&self, field: DealField) -> Option<Money> {
        Money::parse(self.value(field)).ok()
    }

    fn date(&self, field: DealField) -> Option<NaiveDate> {
        parse_date_input(self.value(field), self.today, &self.holidays).ok()
    }

    /// The stage typed, or the playbook's first when none is.
    fn stage(&self) -> String {
        match self.value(DealField::Stage) {
            "" => self.default_stage.clone(),
            text => text.to_string(),
        }
    }

    /// How the first-year value is made up from what is typed so far.
    fn first_year_text(&self) -> String {
        let rate = self.support_rate();
        let licence = self.amount(DealField::Amount);
        let fee = match self.value(DealField::ImplementationFee) {
            "" => Some(None),
            _ => self.amount(DealField::ImplementationFee).map(Some),
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

    /// Whether any field differs from the deal as read (always, for a new
    /// deal's form with something typed).
    pub fn has_changes(&self) -> bool {
        match self.purpose {
            Purpose::New => !self.is_blank(),
            Purpose::Edit { .. } => (0..FIELDS.len()).any(|i| self.was(i).is_some()),
        }
    }

    pub fn update(&mut self, action: Action, ctx: &mut Ctx) -> FormOutcome {
        let editing = matches!(self.purpose, Purpose::Edit { .. });
        match action {
            Action::FocusNext => self.focus = (self.focus + 1) % FIELDS.len(),
            Action::FocusPrev => self.focus = (self.focus + FIELDS.len() - 1) % FIELDS.len(),
            Action::Confirm if !editing && self.focus + 1 < FIELDS.len() => self.focus += 1,
            Action::Confirm | Action::Save => return self.submit(ctx),
            Action::Cancel => {
                return FormOutcome::Close {
                    keep: !editing && !self.is_blank(),
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

    /// Asked to quit while editing a deal's fields: what was changed is
    /// saved; `Err` with the refusal when it could not be.
    pub fn save_before_quit(&mut self, ctx: &mut Ctx) -> Result<(), Status> {
        if !matches!(self.purpose, Purpose::Edit { .. }) || !self.has_changes() {
            return Ok(());
        }
        match self.submit(ctx) {
            FormOutcome::Stay(Some(status)) => Err(Status::error(format!(
                "{}. Your changes are still in the form: fix them and save, or Ctrl-C again to quit without them",
                status.text.trim_end_matches('.')
            ))),
            _ => Ok(()),
        }
    }

    fn submit(&mut self, ctx: &mut Ctx) -> FormOutcome {
        self.tried = true;
        if let Some(bad) = (0..FIELDS.len()).find(|i| self.error(*i).is_some()) {
            self.focus = bad;
            let message = format!("{}: {}", label(bad), self.error(bad).unwrap_or_default());
            return FormOutcome::Stay(Some(Status::error(message)));
        }
        match &self.purpose {
            Purpose::New => self.create(ctx),
            Purpose::Edit { id, version, .. } => {
                let (id, version) = (*id, *version);
                self.save(id, version, ctx)
            }
        }
    }

    fn create(&mut self, ctx: &mut Ctx) -> FormOutcome {
        let stage = self.value(DealField::Stage);
        let new = NewDeal {
            name: self.value(DealField::Name).to_string(),
            account: self.value(DealField::Account).to_string(),
            amount: self.amount(DealField::Amount),
            implementation_fee: self.amount(DealField::ImplementationFee),
            support_rate_percent: parse_support_rate(self.value(DealField::SupportRate)).ok(),
            close_date: self.date(DealField::CloseDate),
            stage: (!stage.is_empty()).then(|| stage.to_string()),
            owner: self.value(DealField::Owner).to_string(),
            sa: self.value(DealField::Sa).to_string(),
            manager: self.value(DealField::Manager).to_string(),
            trigger_date: self.date(DealField::TriggerDate),
        };
        match ops::add_deal(&mut ctx.session, new) {
            Ok(id) => FormOutcome::Created(id),
            Err(e) => self.refused(&e),
        }
    }

    /// The fields the person changed, as an edit of the deal.
    fn changes(&self) -> DealEdit {
        let mut edit = DealEdit::default();
        for (i, (field, ..)) in FIELDS.iter().enumerate() {
            if self.was(i).is_none() {
                continue;
            }
            let text = self.value(*field).to_string();
            match field {
                DealField::Name => edit.name = Some(text),
                DealField::Account => edit.account = Some(text),
                DealField::Amount => edit.amount = Some(self.amount(*field)),
                DealField::ImplementationFee => {
                    edit.implementation_fee = Some(self.amount(*field));
                }
                DealField::SupportRate => edit.support_rate_percent = self.support_rate(),
                DealField::CloseDate => edit.close_date = Some(self.date(*field)),
                DealField::Stage => edit.stage = Some(self.stage()),
                DealField::Owner => edit.owner = Some(text),
                DealField::Sa => edit.sa = Some(text),
                DealField::Manager => edit.manager = Some(text),
                DealField::TriggerDate => edit.trigger_date = Some(self.date(*field)),
            }
        }
        edit
    }

    fn save(&mut self, id: DealId, version: i64, ctx: &mut Ctx) -> FormOutcome {
        let edit = self.changes();
        match ops::set_deal_fields(&mut ctx.session, id, Some(version), &edit) {
            Ok((_, changed)) if changed.is_empty() => {
                FormOutcome::Saved(Status::info("Nothing changed"))
            }
            Ok((_, changed)) => {
                let names: Vec<&str> = changed
                    .iter()
                    .map(|c| label(Self::index(c.field)))
                    .collect();
                FormOutcome::Saved(Status::info(format!("Saved: {}", names.join(", "))))
            }
            Err(StoreError::Conflict { .. }) => {
                if let Ok(latest) = ops::views::deal(&ctx.session, id) {
                    self.rebase(&latest);
                }
                FormOutcome::Stay(Some(Status::error(CHANGED_ELSEWHERE)))
            }
            Err(e) => self.refused(&e),
        }
    }

    /// A refusal: the form stays open with what was typed, the field named
    /// first in the refusal focused, the fields named by their labels.
    fn refused(&mut self, e: &StoreError) -> FormOutcome {
        let field_of = |key: &str| {
            FIELDS.iter().position(|(f, ..)| {
                f.key() == key || (key == "support_rate" && *f == DealField::SupportRate)
            })
        };
        let text = match e {
            StoreError::Invalid(errors) => {
                if let Some(i) = errors.first().and_then(|e| field_of(&e.field)) {
                    self.focus = i;
                }
                let parts: Vec<String> = errors
                    .iter()
                    .map(|e| match field_of(&e.field) {
                        Some(i) => format!("{}: {}", label(i), e.message),
                        None => e.to_string(),
                    })
                    .collect();
                parts.join("; ")
            }
            other => {
                let text = other.to_string();
                let mut chars = text.chars();
                chars
                    .next()
                    .map(|c| c.to_uppercase().collect::<String>() + chars.as_str())
                    .unwrap_or_default()
            }
        };
        FormOutcome::Stay(Some(Status::error(text)))
    }

    /// The deal was changed elsewhere: the form goes on from `latest`.
    /// What the person changed stays as typed; every other field shows the
    /// latest value.
    fn rebase(&mut self, latest: &Deal) {
        let Purpose::Edit { version, was, .. } = &mut self.purpose else {
            return;
        };
        for (i, (field, ..)) in FIELDS.iter().enumerate() {
            let now = field.text(latest);
            if self.inputs[i].value().trim() == was[i].trim() {
                self.inputs[i] = Input::new(now.clone());
            }
            was[i] = now;
        }
        *version = latest.version;
    }

    pub fn render(&self, area: Rect, buf: &mut Buffer, look: Look<'_>) {
        let theme = look.theme;
        let rect = popup(area, 78, FIELDS.len() as u16 + 7);
        Clear.render(rect, buf);
        let title = match &self.purpose {
            Purpose::New => " New deal ".to_string(),
            Purpose::Edit { id, .. } => format!(" Deal {id}: its own fields "),
        };
        let block = Block::bordered()
            .title(title)
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
        for (i, (field, label, _)) in FIELDS.iter().enumerate() {
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
            self.note(i, *field, note_area.width as usize, look)
                .render(note_area, buf);
        }
        let help = match (self.error(self.focus), &self.purpose) {
            (Some(err), _) => Line::styled(err, theme.error),
            (None, Purpose::New) => Line::styled(
                "Tab next field · Enter on the last field or Ctrl-S creates · Esc closes (keeps the draft)",
                theme.dim,
            ),
            (None, Purpose::Edit { .. }) => Line::styled(
                "Tab next field · Ctrl-U empties a field · Enter saves what you changed · Esc cancels (nothing is saved)",
                theme.dim,
            ),
        };
        ratatui::widgets::Paragraph::new(help)
            .wrap(ratatui::widgets::Wrap { trim: true })
            .render(help_area, buf);
    }

    /// What is shown beside field `i`: its error, what it was before the
    /// person changed it, or a hint.
    fn note(&self, i: usize, field: DealField, width: usize, look: Look<'_>) -> Span<'static> {
        let theme = look.theme;
        let kind = FIELDS[i].2;
        let empty = self.inputs[i].value().trim().is_empty();
        if let Some(err) = self.error(i) {
            return Span::styled(
                format!("✗ {}", truncate(short(&err), width.saturating_sub(2))),
                theme.error,
            );
        }
        if let Some(was) = self.was(i) {
            let was = if was.is_empty() { "(none)" } else { was };
            return Span::styled(
                truncate(&format!("was {}", crate::text::shown(was)), width),
                theme.dim,
            );
        }
        let editing = matches!(self.purpose, Purpose::Edit { .. });
        match kind {
            Kind::Date if empty => Span::styled("YYYY-MM-DD or +N", theme.dim),
            Kind::Amount if empty => Span::styled("USD, e.g. 250,000", theme.dim),
            Kind::Text if field == DealField::Stage && empty => {
                Span::styled(format!("default: {}", self.default_stage), theme.dim)
            }
            Kind::Text if field == DealField::Owner && empty && !editing => Span::styled(
                truncate(
                    &format!("default: you ({})", crate::text::shown(&self.you)),
                    width,
                ),
                theme.dim,
            ),
            Kind::Percent if empty => Span::styled(
                format!("default: {}", percent_text(self.default_support_rate)),
                theme.dim,
            ),
            Kind::Amount | Kind::Date | Kind::Percent => Span::styled("✓", theme.pass),
            _ => Span::raw(""),
        }
    }
}

/// The gist of a parse message: the part before its first colon.
fn short(message: &str) -> &str {
    message.split(':').next().unwrap_or(message)
}
