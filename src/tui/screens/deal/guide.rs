//! The selected step's guidance (g), over the screen: on the step capturing
//! the competitors the battle cards of this deal's competitors first, then
//! the playbook's questions, talk track, good evidence, the scorecard's
//! evidence by score and the note templates, which o, d and n put into the
//! step's notes (see [`super::note::NoteEditor::with_template`]).

use super::state::{DealState, stored_battle_card};
use crate::domain::choices::Choice;
use crate::domain::playbook::CaptureKind;
use crate::domain::step::{NoteKind, StepNumber};
use crate::text::{shown, shown_lines};
use crate::tui::action::Action;
use crate::tui::keymap::{self, Layer};
use crate::tui::shared::{Ctx, Look};
use crate::tui::widgets::{hanging, popup, wrap};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Widget};
use std::cell::Cell;

/// A competitor of the deal and its battle card, read when the guide opens.
struct Card {
    competitor: String,
    position: &'static str,
    threat: &'static str,
    notes: Option<String>,
}

pub struct GuideView {
    step: StepNumber,
    /// On the step capturing the competitors: the deal's, with their cards.
    cards: Option<Vec<Card>>,
    scroll: u16,
    /// The rows the last drawing had room for, and the rows it took.
    page: Cell<u16>,
    rows: Cell<u16>,
}

/// The key that puts `kind`'s template in, as the keymap writes it.
fn template_key(kind: NoteKind) -> &'static str {
    keymap::label_of(Layer::Guide, Action::InsertTemplate(kind)).unwrap_or("?")
}

impl GuideView {
    /// The guide of the selected step; the battle cards read now.
    pub fn open(state: &DealState, ctx: &Ctx) -> GuideView {
        let cards = (state.kind == CaptureKind::Competitors).then(|| {
            state
                .deal
                .content
                .competitors
                .iter()
                .map(|c| Card {
                    competitor: c.name.clone(),
                    position: c.position.label(),
                    threat: c.threat.label(),
                    notes: stored_battle_card(ctx, &c.name).map(|b| b.notes),
                })
                .collect()
        });
        GuideView {
            step: state.selected,
            cards,
            scroll: 0,
            page: Cell::default(),
            rows: Cell::default(),
        }
    }

    fn last_top(&self) -> u16 {
        self.rows.get().saturating_sub(self.page.get())
    }

    pub fn scroll(&mut self, action: Action) {
        let page = self.page.get().max(1);
        self.scroll = match action {
            Action::Down => self.scroll.saturating_add(1),
            Action::Up => self.scroll.saturating_sub(1),
            Action::PageDown => self.scroll.saturating_add(page),
            Action::PageUp => self.scroll.saturating_sub(page),
            _ => self.scroll,
        }
        .min(self.last_top());
    }

    /// What the guide says, as lines `width` wide.
    fn lines(&self, state: &DealState, look: Look<'_>, width: usize) -> Vec<Line<'static>> {
        let theme = look.theme;
        let def = look.playbook.step(self.step);
        let g = &def.guidance;
        let mut lines: Vec<Line<'static>> = Vec::new();
        let heading = |lines: &mut Vec<Line<'static>>, text: &str| {
            if !lines.is_empty() {
                lines.push(Line::raw(""));
            }
            lines.push(Line::styled(text.to_string(), theme.title));
        };
        let indented = |lines: &mut Vec<Line<'static>>, text: &str, by: usize, style: Style| {
            for piece in wrap(text, width.saturating_sub(by)) {
                lines.push(Line::styled(format!("{}{piece}", " ".repeat(by)), style));
            }
        };
        let bullet = |text: &str| hanging(vec![Span::raw("  • ")], &[(text, Style::new())], width);
        if let Some(cards) = &self.cards {
            heading(&mut lines, "Battle cards of this deal's competitors");
            if cards.is_empty() {
                let none = format!(
                    "No competitors yet: step {}'s form adds them (a)",
                    self.step
                );
                indented(&mut lines, &none, 2, theme.dim);
            }
            for c in cards {
                let head = format!(
                    "{} · {} · threat {}",
                    shown(&c.competitor),
                    c.position,
                    c.threat
                );
                indented(&mut lines, &head, 2, theme.title);
                match &c.notes {
                    Some(notes) if !notes.trim().is_empty() => {
                        indented(&mut lines, &shown_lines(notes.trim()), 4, Style::new())
                    }
                    _ => indented(
                        &mut lines,
                        "No battle card yet: B on the competitor writes one",
                        4,
                        theme.dim,
                    ),
                }
            }
        }
        if g.is_empty() {
            heading(&mut lines, "No guidance");
            let none = format!(
                "This playbook gives no guidance for step {}: add a [steps.guidance] table to it",
                self.step
            );
            indented(&mut lines, &none, 2, theme.dim);
            return lines;
        }
        if !g.questions.is_empty() {
            heading(&mut lines, "Questions to ask");
            g.questions.iter().for_each(|q| lines.extend(bullet(q)));
        }
        if !g.talk_track.trim().is_empty() {
            heading(&mut lines, "Talk track");
            indented(&mut lines, g.talk_track.trim(), 2, Style::new());
        }
        if !g.good_evidence.is_empty() {
            heading(&mut lines, "Good evidence");
            g.good_evidence.iter().for_each(|e| lines.extend(bullet(e)));
        }
        if !g.examples.is_empty() {
            heading(&mut lines, "Evidence by score");
            // the elements the deal's scorecard scores (MEDDICC: no paper process)
            let scored = state.deal.content.meddpicc.framework.elements();
            for e in g.examples.iter().filter(|e| scored.contains(&e.element)) {
                indented(&mut lines, e.element.label(), 2, theme.title);
                let scale = &look.playbook.meddpicc.scale;
                for (score, (evidence, label)) in e.scores.iter().zip(scale).enumerate() {
                    let first = vec![Span::styled(format!("    {score} {label}: "), theme.dim)];
                    lines.extend(hanging(first, &[(evidence, Style::new())], width));
                }
            }
        }
        if !g.templates.is_empty() {
            heading(
                &mut lines,
                "Note templates (its key puts it into the step's note, to edit)",
            );
            for kind in NoteKind::ALL {
                let template = kind.template(&g.templates).trim();
                if template.is_empty() {
                    continue;
                }
                lines.push(Line::from(vec![
                    Span::styled(format!("  {}  ", template_key(kind)), theme.key),
                    Span::styled(kind.label().to_string(), theme.title),
                ]));
                indented(&mut lines, template, 5, theme.dim);
            }
        }
        lines
    }

    pub fn render(&self, state: &DealState, area: Rect, buf: &mut Buffer, look: Look<'_>) {
        let theme = look.theme;
        let rect = popup(
            area,
            area.width.saturating_sub(4),
            area.height.saturating_sub(2),
        );
        Clear.render(rect, buf);
        let title = &look.playbook.step(self.step).title;
        let block = Block::bordered()
            .title(format!(
                " Guide · step {} · {title} · {} ",
                self.step,
                shown(&state.deal.name)
            ))
            .title_style(theme.title)
            .border_style(theme.focus_border);
        let inner = block.inner(rect);
        block.render(rect, buf);
        let lines = self.lines(state, look, usize::from(inner.width));
        self.rows
            .set(u16::try_from(lines.len()).unwrap_or(u16::MAX));
        self.page.set(inner.height);
        let scroll = self.scroll.min(self.last_top());
        Paragraph::new(lines).scroll((scroll, 0)).render(inner, buf);
    }
}
