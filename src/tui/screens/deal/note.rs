//! Editing a text: one of the selected step's three notes (e on the notes
//! page), or the battle card of the competitor selected on the competitors'
//! step (B), which is kept across deals; from the guide (g), a note with
//! the step's template for it put in. The text is saved against the
//! version it was read at; when it cannot be saved it is kept as a draft,
//! offered back the next time it is opened.

use super::state::{DealState, ModeOutcome, refusal};
use crate::domain::guidance::with_template;
use crate::domain::step::NoteKind;
use crate::ops::{self, DraftOf, StoreError};
use crate::text::MAX_LONG;
use crate::text::shown;
use crate::tui::action::Action;
use crate::tui::shared::{Ctx, Look, Status};
use crate::tui::widgets::popup;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::widgets::{Block, Clear, Widget};
use ratatui_textarea::TextArea;

/// What the editor is editing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoteTarget {
    /// One of the selected step's notes, with the deal's version and the
    /// note's text when it was read: it is refused only if that very note
    /// changed since.
    Step {
        kind: NoteKind,
        read_at: i64,
        was: String,
    },
    /// A competitor's battle card, kept across deals, and the version read.
    BattleCard { name: String, version: i64 },
}

pub struct NoteEditor {
    pub target: NoteTarget,
    pub area: TextArea<'static>,
}

/// A save refused: the editor stays open on the text, or closes on the
/// note as it now is (the text kept as a draft).
enum Refused {
    Stay(Status),
    Close(Status),
}

/// The draft a text is kept as.
fn draft_of(state: &DealState, target: &NoteTarget) -> DraftOf {
    match target {
        NoteTarget::Step { kind, .. } => state.note_draft(*kind),
        NoteTarget::BattleCard { name, .. } => DraftOf::BattleCard(name.clone()),
    }
}

impl NoteEditor {
    /// Edit the note under the cursor on the notes page.
    pub fn step_note(state: &DealState, ctx: &Ctx) -> (NoteEditor, Option<Status>) {
        let kind = NoteKind::ALL[state.note_cursor];
        let text = state.step().notes.get(kind).to_string();
        let target = NoteTarget::Step {
            kind,
            read_at: state.deal.version,
            was: text.clone(),
        };
        NoteEditor::open(target, &text, state, ctx)
    }

    /// Edit the battle card of the competitor selected on the competitors'
    /// step.
    pub fn battle_card(
        state: &DealState,
        ctx: &Ctx,
    ) -> Result<(NoteEditor, Option<Status>), Status> {
        let Some(c) = state.deal.content.competitors.get(state.capture.row) else {
            return Err(Status::info(
                "Add a competitor first (a); then B edits its battle card",
            ));
        };
        let (notes, version) = state
            .battle_card
            .as_ref()
            .map_or((String::new(), 0), |b| (b.notes.clone(), b.version));
        let target = NoteTarget::BattleCard {
            name: c.name.clone(),
            version,
        };
        Ok(NoteEditor::open(target, &notes, state, ctx))
    }

    /// The selected step's note `kind` with the step's template for it put
    /// in after what the note holds, or after the draft kept for it: nothing
    /// written is lost. Saved as a note is, when the editor is left.
    pub fn with_template(
        state: &DealState,
        kind: NoteKind,
        ctx: &Ctx,
    ) -> Result<(NoteEditor, Option<Status>), Status> {
        let step = state.selected;
        let guidance = &ctx.session.playbook.step(step).guidance;
        let template = kind.template(&guidance.templates);
        if template.trim().is_empty() {
            return Err(Status::info(format!(
                "Step {step}'s guidance has no template for {}",
                kind.label()
            )));
        }
        let saved = state.step().notes.get(kind).to_string();
        let target = NoteTarget::Step {
            kind,
            read_at: state.deal.version,
            was: saved.clone(),
        };
        let (base, status) = match state.offer_draft(&draft_of(state, &target), ctx) {
            Some((draft, offered)) => (
                draft,
                Status::warn(format!("{}; the template is after it", offered.text)),
            ),
            None => (
                saved,
                Status::info(format!(
                    "{} template put in: Esc saves, Ctrl-D leaves the note as it was",
                    kind.label()
                )),
            ),
        };
        let Some(text) = with_template(&base, template, MAX_LONG) else {
            return Err(Status::error(format!(
                "{} is too long to take the template: a note holds at most {MAX_LONG} characters",
                kind.label()
            )));
        };
        Ok((NoteEditor::editing(target, &text), Some(status)))
    }

    /// Edit `text`, or the draft kept for it (with a word on it).
    fn open(
        target: NoteTarget,
        text: &str,
        state: &DealState,
        ctx: &Ctx,
    ) -> (NoteEditor, Option<Status>) {
        let (text, status) = match state.offer_draft(&draft_of(state, &target), ctx) {
            Some((draft, status)) => (draft, Some(status)),
            None => (text.to_string(), None),
        };
        (NoteEditor::editing(target, &text), status)
    }

    /// An editor on `text`, the cursor at its end.
    fn editing(target: NoteTarget, text: &str) -> NoteEditor {
        let mut area = TextArea::new(text.split('\n').map(str::to_string).collect());
        area.set_cursor_line_style(Style::new());
        area.set_wrap_mode(ratatui_textarea::WrapMode::WordOrGlyph);
        area.move_cursor(ratatui_textarea::CursorMove::Bottom);
        area.move_cursor(ratatui_textarea::CursorMove::End);
        NoteEditor { target, area }
    }

    fn text(&self) -> String {
        self.area.lines().join("\n")
    }

    pub fn update(&mut self, action: Action, state: &mut DealState, ctx: &mut Ctx) -> ModeOutcome {
        match action {
            Action::Type(key) => {
                if !crate::tui::widgets::note_full(&self.area, key) {
                    self.area.input(key);
                }
                ModeOutcome::Stay(None)
            }
            Action::Save => match self.save(state, ctx) {
                Ok(_) => ModeOutcome::Stay(None),
                Err(Refused::Stay(status)) => ModeOutcome::Stay(Some(status)),
                Err(Refused::Close(status)) => ModeOutcome::Close(Some(status)),
            },
            Action::Confirm => match self.save(state, ctx) {
                Ok(status) => ModeOutcome::Close(status),
                Err(Refused::Stay(status)) => ModeOutcome::Stay(Some(status)),
                Err(Refused::Close(status)) => ModeOutcome::Close(Some(status)),
            },
            Action::DropEdit => {
                let _ = ops::drop_draft(&mut ctx.session, &draft_of(state, &self.target));
                ModeOutcome::Close(Some(Status::info("Edit dropped: the note is as it was")))
            }
            _ => ModeOutcome::Stay(None),
        }
    }

    /// Commit the text being edited, checking the version it was read at.
    /// When it cannot be saved, it is kept as a draft (offered back the next
    /// time this note is opened) and the editor stays open, except for a
    /// step's note changed elsewhere: the editor closes on the note as it now
    /// is, and the draft is offered back when it is opened again.
    fn save(&mut self, state: &mut DealState, ctx: &mut Ctx) -> Result<Option<Status>, Refused> {
        let text = self.text();
        let draft = draft_of(state, &self.target);
        let result = match &mut self.target {
            NoteTarget::BattleCard { name, version } => {
                let name = name.clone();
                match ops::set_battle_card(&mut ctx.session, &name, &text, Some(*version)) {
                    Ok(new) => {
                        *version = new;
                        Ok(Some(Status::info(format!(
                            "Battle card for {} saved",
                            shown(&name)
                        ))))
                    }
                    Err(e) => Err(e),
                }
            }
            NoteTarget::Step { kind, read_at, was } => {
                let kind = *kind;
                if text == state.step().notes.get(kind) {
                    Ok(None)
                } else {
                    ops::save_note(
                        &mut ctx.session,
                        state.deal.id,
                        *read_at,
                        was,
                        state.selected,
                        kind,
                        &text,
                    )
                    .map(|(deal, _)| {
                        *read_at = deal.version;
                        was.clone_from(&text);
                        state.deal = deal;
                        Some(Status::info(format!("{} saved", kind.label())))
                    })
                }
            }
        };
        match result {
            Ok(status) => {
                let _ = ops::drop_draft(&mut ctx.session, &draft);
                state.refresh(ctx);
                Ok(status)
            }
            Err(e) => {
                let kept = ops::keep_draft(&mut ctx.session, &draft, &text);
                state.reload(ctx);
                match (&self.target, &e) {
                    (NoteTarget::Step { kind, .. }, StoreError::Conflict { .. })
                        if kept.is_ok() =>
                    {
                        Err(Refused::Close(Status::error(format!(
                            "{} was changed elsewhere and is shown as it is now; your text is kept as a draft, offered back when you open the note again (e)",
                            kind.label()
                        ))))
                    }
                    _ => Err(Refused::Stay(Status::error(refusal(
                        &e,
                        kept.is_ok(),
                        "text",
                    )))),
                }
            }
        }
    }

    /// Asked to quit: the text is saved if it can be, else kept as a draft;
    /// `Err` when even the draft failed.
    pub fn save_before_quit(
        &mut self,
        state: &mut DealState,
        ctx: &mut Ctx,
    ) -> Result<(), crate::ops::StoreError> {
        let draft = draft_of(state, &self.target);
        let text = self.text();
        match self.save(state, ctx) {
            Ok(_) => Ok(()),
            Err(_) => ops::keep_draft(&mut ctx.session, &draft, &text),
        }
    }

    /// A battle card is edited in a box over the step's detail (a step's
    /// note is edited in its place on the notes page).
    pub fn render_battle_card(&self, area: Rect, buf: &mut Buffer, look: Look<'_>) {
        let NoteTarget::BattleCard { name, .. } = &self.target else {
            return;
        };
        let theme = look.theme;
        let rect = popup(area, 70, 10);
        Clear.render(rect, buf);
        let block = Block::bordered()
            .title(format!(
                " Battle card: {} · Esc saves · Ctrl-D cancels ",
                shown(name)
            ))
            .title_style(theme.title)
            .border_style(theme.focus_border);
        let inner = block.inner(rect);
        block.render(rect, buf);
        (&self.area).render(inner, buf);
    }
}
