//! The record editor: one input per field, each checked as it is typed.

use super::fields::*;
use crate::domain::deal::Deal;
use crate::domain::playbook::CaptureKind;
use crate::domain::step::StepNumber;
use crate::ops::content::{self, Row};
use crate::tui::action::Action;
use crate::tui::shared::{Look, Status};
use crate::tui::theme::Theme;
use crate::tui::widgets::{hanging, popup, text_field, truncate};
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Widget};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;
use unicode_width::UnicodeWidthStr;

/// The record being edited: one input per field.
pub struct RecordEditor {
    pub section: Section,
    pub step: StepNumber,
    pub row: Option<usize>,
    /// The row's name (the element, for the scorecard).
    title: String,
    inputs: Vec<Input>,
    focus: usize,
    /// The battle card of the competitor named in the form, if any.
    battle_card: Option<String>,
    /// The deal's stakeholders, name and title, for a field that picks one.
    people: Vec<(String, String)>,
    /// The row of a list as it was when the editor opened, and the deal's
    /// version then: saving over a row that someone else changed since is
    /// refused rather than guessed.
    pub was: Option<Row>,
    pub read_at: i64,
}

pub enum EditorOutcome {
    Stay(Option<Status>),
    /// Leave; `save` when the values should be written first.
    Leave {
        save: bool,
    },
}

impl RecordEditor {
    pub fn new(
        section: Section,
        step: StepNumber,
        row: Option<usize>,
        deal: &Deal,
    ) -> RecordEditor {
        RecordEditor::with_values(section, step, row, deal, None)
    }

    /// A record editor whose fields start from `prefill` when given.
    pub fn with_values(
        section: Section,
        step: StepNumber,
        row: Option<usize>,
        deal: &Deal,
        prefill: Option<Vec<String>>,
    ) -> RecordEditor {
        let rows = section.rows(deal, step);
        let (title, values) = match row.and_then(|i| rows.get(i)) {
            Some((title, values)) => (title.clone(), values.clone()),
            None if section.is_record() => rows.into_iter().next().unwrap_or_default(),
            None => (String::new(), section.blank_row()),
        };
        let was = row
            .zip(section.list())
            .and_then(|(i, list)| content::row_at(deal, list, i));
        let values = prefill.unwrap_or(values);
        RecordEditor {
            section,
            step,
            row: if section.is_record() { Some(0) } else { row },
            title,
            inputs: values.into_iter().map(Input::new).collect(),
            focus: 0,
            battle_card: None,
            people: deal
                .content
                .stakeholders
                .iter()
                .map(|s| (s.name.trim().to_string(), s.title.trim().to_string()))
                .collect(),
            was,
            read_at: deal.version,
        }
    }

    /// Start typing in field `i`.
    pub fn focus_field(mut self, i: usize) -> RecordEditor {
        self.focus = i.min(self.inputs.len().saturating_sub(1));
        self
    }

    pub fn values(&self) -> Vec<String> {
        self.inputs.iter().map(|i| i.value().to_string()).collect()
    }

    fn first_error(&self, today: &Today<'_>) -> Option<(usize, String)> {
        (0..self.inputs.len()).find_map(|i| self.error(i, today).map(|e| (i, e)))
    }

    /// What is wrong with field `i`'s text, if anything.
    fn error(&self, i: usize, today: &Today<'_>) -> Option<String> {
        let field = &self.section.fields()[i];
        if matches!(field.kind, Kind::Stakeholder) && self.people.is_empty() {
            let step = today
                .playbook
                .step_capturing(CaptureKind::Stakeholders)
                .number;
            return Some(format!(
                "the deal has no stakeholders yet: map them on step {step} first"
            ));
        }
        field_error(field, self.inputs[i].value(), today)
    }

    /// The choices of field `i`: a fixed list, or the deal's stakeholders;
    /// `None` for a field typed into.
    fn choices(&self, i: usize) -> Option<Vec<String>> {
        let kind = self.section.fields()[i].kind;
        if matches!(kind, Kind::Stakeholder) {
            return Some(self.people.iter().map(|(name, _)| name.clone()).collect());
        }
        kind.choices()
            .map(|c| c.into_iter().map(str::to_string).collect())
    }

    fn cycle(&mut self, forward: bool) -> bool {
        let Some(choices) = self.choices(self.focus) else {
            return false;
        };
        if choices.is_empty() {
            return true;
        }
        let at = choices
            .iter()
            .position(|c| *c == self.inputs[self.focus].value().trim())
            .unwrap_or(0);
        let next = if forward {
            (at + 1) % choices.len()
        } else {
            (at + choices.len() - 1) % choices.len()
        };
        self.inputs[self.focus] = Input::new(choices[next].to_string());
        true
    }

    /// The competitor's name, when this edits a competitor (for its battle card).
    pub fn competitor_name(&self) -> Option<&str> {
        (self.section == Section::Competitors)
            .then(|| self.inputs[0].value().trim())
            .filter(|n| !n.is_empty())
    }

    pub fn set_battle_card(&mut self, notes: Option<String>) {
        self.battle_card = notes;
    }

    pub fn update(&mut self, action: Action, today: &Today<'_>) -> EditorOutcome {
        let count = self.inputs.len();
        match action {
            Action::FocusNext => self.focus = (self.focus + 1) % count,
            Action::FocusPrev => self.focus = (self.focus + count - 1) % count,
            Action::Confirm if self.focus + 1 < count => self.focus += 1,
            Action::Confirm | Action::Save => match self.first_error(today) {
                Some((i, e)) => {
                    self.focus = i;
                    return EditorOutcome::Stay(Some(Status::error(format!(
                        "{}: {e}",
                        self.section.fields()[i].label
                    ))));
                }
                None => return EditorOutcome::Leave { save: true },
            },
            Action::Cancel => {
                return match self.first_error(today) {
                    None => EditorOutcome::Leave { save: true },
                    Some((i, e)) => {
                        self.focus = i;
                        EditorOutcome::Stay(Some(Status::error(format!(
                            "{}: {e} (fix it, or Ctrl-D to drop this edit)",
                            self.section.fields()[i].label
                        ))))
                    }
                };
            }
            Action::DropEdit => return EditorOutcome::Leave { save: false },
            Action::PickNext | Action::PickPrev => {
                let forward = action == Action::PickNext;
                if !self.cycle(forward) {
                    let code = if forward {
                        KeyCode::Right
                    } else {
                        KeyCode::Left
                    };
                    self.inputs[self.focus]
                        .handle_event(&Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
                }
            }
            Action::Type(key) => {
                let field = &self.section.fields()[self.focus];
                match self.choices(self.focus) {
                    None => {
                        let max = field.max_chars();
                        crate::tui::widgets::type_into(&mut self.inputs[self.focus], key, max);
                    }
                    // a choice field takes no text: a key picks the choice
                    // it starts, any other is refused with the way to choose
                    Some(choices) => {
                        let names: Vec<&str> = choices.iter().map(String::as_str).collect();
                        let picked = match key.code {
                            KeyCode::Char(c) if !names.is_empty() => {
                                choice_for(&names, self.inputs[self.focus].value(), c)
                            }
                            _ => None,
                        };
                        match picked {
                            Some(i) => self.inputs[self.focus] = Input::new(choices[i].clone()),
                            None => {
                                return EditorOutcome::Stay(Some(Status::info(format!(
                                    "{}: ←/→ to choose (or type the first letter or number of a choice)",
                                    field.label
                                ))));
                            }
                        }
                    }
                }
            }
            _ => {}
        }
        EditorOutcome::Stay(None)
    }

    pub fn render(&self, area: Rect, buf: &mut Buffer, look: Look<'_>, today: &Today<'_>) {
        let theme = look.theme;
        let fields = self.section.fields();
        let extra = u16::from(self.battle_card.is_some()) * 4;
        // the editor takes the room the window has, up to a width that
        // still reads as one form
        let width = area.width.saturating_sub(8).clamp(76, 100).min(area.width);
        // the label column fits the longest label (a label too long for it
        // is cut on the right, marked with …)
        let label_of = |field: &Field| {
            if field.required {
                format!("{} *", field.label)
            } else {
                field.label.to_string()
            }
        };
        let label_width = fields
            .iter()
            .map(|f| label_of(f).width())
            .max()
            .unwrap_or(0)
            .clamp(20, 32);
        let inner_width = usize::from(width.saturating_sub(2));
        let note_width = inner_width.saturating_sub(label_width + INPUT_WIDTH + 2);
        let notes: Vec<(String, Style)> = fields
            .iter()
            .enumerate()
            .map(|(i, field)| self.note(i, field, today, theme))
            .collect();
        // a note cut in its column is said whole under the fields: the
        // focused field's, else the first one cut
        let cut = |i: &usize| notes[*i].0.width() > note_width;
        let whole = Some(self.focus)
            .filter(cut)
            .or_else(|| (0..fields.len()).find(cut))
            .map(|i| {
                let (text, style) = &notes[i];
                hanging(
                    vec![Span::styled(format!("{}: ", fields[i].label), *style)],
                    &[(text.trim_start_matches("✗ "), *style)],
                    inner_width,
                )
            })
            .unwrap_or_default();
        let rect = popup(
            area,
            width,
            fields.len() as u16 + 6 + extra + whole.len() as u16,
        );
        Clear.render(rect, buf);
        let verb = if self.row.is_none() { "New" } else { "Edit" };
        let mut title = format!(" {verb} {} ", self.section.noun());
        if !self.title.is_empty() {
            title = format!(" {}: {} ", self.section.noun(), self.title);
        }
        let block = Block::bordered()
            .title(title)
            .title_style(theme.title)
            .border_style(theme.focus_border);
        let inner = block.inner(rect);
        block.render(rect, buf);
        let [fields_area, _, whole_area, card_area, help_area] = Layout::vertical([
            Constraint::Length(fields.len() as u16),
            Constraint::Length(1),
            Constraint::Length(whole.len() as u16),
            Constraint::Length(extra),
            Constraint::Fill(1),
        ])
        .areas(inner);
        for (i, field) in fields.iter().enumerate() {
            let row = Rect {
                y: fields_area.y + i as u16,
                height: 1,
                ..fields_area
            };
            if row.y >= fields_area.bottom() {
                break;
            }
            let [label_area, input_area, note_area] = Layout::horizontal([
                Constraint::Length(label_width as u16),
                Constraint::Length(INPUT_WIDTH as u16),
                Constraint::Fill(1),
            ])
            .spacing(1)
            .areas(row);
            let focused = i == self.focus;
            let label = truncate(&label_of(field), label_width);
            Line::styled(label, if focused { theme.title } else { Style::new() })
                .right_aligned()
                .render(label_area, buf);
            let input = &self.inputs[i];
            let picker = is_picker(field.kind);
            let shown = if picker {
                format!("‹ {} ›", self.with_title(field.kind, input.value()))
            } else {
                input.value().to_string()
            };
            let cursor = if picker { 0 } else { input.visual_cursor() };
            text_field(
                buf,
                input_area,
                &shown,
                cursor,
                focused && !picker,
                Style::new().add_modifier(Modifier::UNDERLINED),
            );
            if focused && picker {
                buf.set_style(input_area, theme.selected);
            }
            let (note, style) = &notes[i];
            Span::styled(truncate(note, usize::from(note_area.width)), *style)
                .render(note_area, buf);
        }
        Paragraph::new(whole).render(whole_area, buf);
        if let Some(card) = &self.battle_card {
            let lines = hanging(
                vec![Span::styled("Battle card: ", theme.title)],
                &[(card, Style::new())],
                usize::from(card_area.width),
            );
            Paragraph::new(lines).render(card_area, buf);
        }
        let help = Line::styled(
            "Tab next · ←/→ choose · Enter on the last field or Ctrl-S saves · Esc saves and leaves",
            theme.dim,
        );
        Paragraph::new(help)
            .wrap(ratatui::widgets::Wrap { trim: true })
            .render(help_area, buf);
    }

    /// A picked stakeholder as the picker shows them: "Tom Hale · CFO".
    fn with_title(&self, kind: Kind, name: &str) -> String {
        let title = self
            .people
            .iter()
            .find(|(n, _)| n == name.trim())
            .map(|(_, t)| t.as_str())
            .filter(|t| !t.is_empty() && matches!(kind, Kind::Stakeholder));
        match title {
            Some(title) => format!("{} · {title}", name.trim()),
            None => name.to_string(),
        }
    }

    /// What is said beside field `i`: its error, or how to fill it in.
    fn note(&self, i: usize, field: &Field, today: &Today<'_>, theme: &Theme) -> (String, Style) {
        let value = self.inputs[i].value();
        match (self.error(i, today), field.kind) {
            (Some(e), _) => (format!("✗ {e}"), theme.error),
            (None, Kind::Date) if value.trim().is_empty() => ("YYYY-MM-DD or +N".into(), theme.dim),
            (None, kind) if is_picker(kind) && i == self.focus => {
                ("←/→ to choose".into(), theme.dim)
            }
            (None, Kind::Date | Kind::Amount) => ("✓".into(), theme.pass),
            _ => (String::new(), Style::new()),
        }
    }
}

/// The width of a field's input.
const INPUT_WIDTH: usize = 32;

/// Whether a field of `kind` is a fixed choice, picked rather than typed.
fn is_picker(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::Pick(_) | Kind::YesNo | Kind::Score | Kind::OneToFive | Kind::Stakeholder
    )
}
