//! Editing a text: one of the selected step's three notes (e on the notes
//! page), or the battle card of the competitor selected on the competitors'
//! step (B), which is kept across deals. The text is saved against the
//! version it was read at; when it cannot be saved it is kept as a draft,
//! offered back the next time it is opened.

use super::state::{DealState, ModeOutcome, refusal};
use crate::domain::step::{NoteKind, StepChange};
use crate::ops::{self, DraftOf};
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
    Step(NoteKind),
    /// A competitor's battle card, kept across deals, and the version read.
    BattleCard {
        name: String,
        version: i64,
    },
}

pub struct NoteEditor {
    pub target: NoteTarget,
    pub area: TextArea<'static>,
}

/// The draft a text is kept as.
fn draft_of(state: &DealState, target: &NoteTarget) -> DraftOf {
    match target {
        NoteTarget::Step(kind) => state.note_draft(*kind),
        NoteTarget::BattleCard { name, .. } => DraftOf::BattleCard(name.clone()),
    }
}

impl NoteEditor {
    /// Edit the note under the cursor on the notes page.
    pub fn step_note(state: &DealState, ctx: &Ctx) -> (NoteEditor, Option<Status>) {
        let kind = NoteKind::ALL[state.note_cursor];
        let text = state.step().notes.get(kind).to_string();
        NoteEditor::open(NoteTarget::Step(kind), &text, state, ctx)
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
        let mut area = TextArea::new(text.split('\n').map(str::to_string).collect());
        area.set_cursor_line_style(Style::new());
        area.set_wrap_mode(ratatui_textarea::WrapMode::WordOrGlyph);
        area.move_cursor(ratatui_textarea::CursorMove::Bottom);
        area.move_cursor(ratatui_textarea::CursorMove::End);
        (NoteEditor { target, area }, status)
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
            Action::Save => ModeOutcome::Stay(self.save(state, ctx).err()),
            Action::Confirm => match self.save(state, ctx) {
                Ok(status) => ModeOutcome::Close(status),
                Err(status) => ModeOutcome::Stay(Some(status)),
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
    /// time this note is opened) and the editor stays open.
    fn save(&mut self, state: &mut DealState, ctx: &mut Ctx) -> Result<Option<Status>, Status> {
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
            NoteTarget::Step(kind) => {
                let kind = *kind;
                if text == state.step().notes.get(kind) {
                    Ok(None)
                } else {
                    let change = StepChange::SetNote {
                        kind,
                        text: text.clone(),
                    };
                    ops::change_step(
                        &mut ctx.session,
                        state.deal.id,
                        Some(state.deal.version),
                        state.selected,
                        &change,
                    )
                    .map(|(deal, _)| {
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
                Err(Status::error(refusal(&e, kept.is_ok(), "text")))
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
