//! The deal screen: the ten steps, the selected step's form, criteria,
//! actions and notes, and beside them the live QA checklist and escalation
//! matrix.
//!
//! Its rooms, one way: `state` holds the deal and what is worked out from
//! it, and makes the changes every mode shares; each mode takes a file and
//! works on the state — `record` (the record editor: a row of the form, a
//! record, an oversight form, some opened filled in by `oversight`), `note`
//! (a step's note or a battle card), `prompt` (a blocked reason, the SA's
//! comment), `question` (yes or no), `history` and `guide` (the step's
//! guidance, whose templates open `note`); this file routes keys to
//! the open mode or to the screen itself; `render` draws it all.

mod guide;
mod history;
mod note;
mod oversight;
mod prompt;
mod question;
mod record;
mod render;
mod state;
mod trend;

pub use state::Focus;

use crate::domain::content::{Choice, Framework};
use crate::domain::deal::{Deal, DealId};
use crate::domain::playbook::{ACTION_COUNT, CaptureKind, Playbook};
use crate::domain::rushing;
use crate::domain::step::{NoteKind, StepChange, StepNumber};
use crate::ops::StoreError;
use crate::ops::content;
use crate::tui::action::Action;
use crate::tui::keymap::Layer;
use crate::tui::screens::capture::{RecordEditor, Section};
use crate::tui::shared::{Ctx, Status};
use guide::GuideView;
use history::HistoryView;
use note::NoteEditor;
use prompt::Prompt;
use question::Question;
use state::{DealState, ModeOutcome};

/// The deal screen's exclusive modes: at most one is open, and it takes the
/// keys first.
enum Modal {
    History(HistoryView),
    Guide(GuideView),
    Record(RecordEditor),
    Note(Box<NoteEditor>),
    Prompt(Prompt),
    Confirm(Question),
}

impl Modal {
    fn layer(&self) -> Layer {
        match self {
            Modal::History(_) => Layer::History,
            Modal::Guide(_) => Layer::Guide,
            Modal::Record(_) => Layer::Record,
            Modal::Note(_) => Layer::Editor,
            Modal::Prompt(_) => Layer::Prompt,
            Modal::Confirm(_) => Layer::Confirm,
        }
    }
}

pub struct DealScreen {
    state: DealState,
    modal: Option<Modal>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DealOutcome {
    Stay,
    Back,
    /// Open the form of the deal's own fields (the app shows it over the
    /// screen).
    EditFields,
}

impl DealScreen {
    pub fn open(id: DealId, ctx: &Ctx) -> Result<DealScreen, StoreError> {
        Ok(DealScreen {
            state: DealState::open(id, ctx)?,
            modal: None,
        })
    }

    pub fn deal(&self) -> &Deal {
        &self.state.deal
    }

    pub fn selected(&self) -> StepNumber {
        self.state.selected
    }

    pub fn focus(&self) -> Focus {
        self.state.focus
    }

    /// The layer of the open modal, which takes the keys first.
    pub fn typing_layer(&self) -> Option<Layer> {
        self.modal.as_ref().map(Modal::layer)
    }

    /// Why step `n`, complete, no longer meets its criteria.
    pub fn no_longer_met(&self, n: StepNumber) -> Option<&[String]> {
        self.state.no_longer_met(n)
    }

    /// What the screen's foot says of the selected step: the notes expected
    /// before it is completed, while it holds too little to show for it
    /// (see [`rushing::expected`]).
    pub fn foot_note(&self, playbook: &Playbook) -> Option<String> {
        rushing::expected(&self.state.deal, self.state.selected, playbook)
    }

    /// The header line, dropping the least useful facts to fit `width`.
    pub fn header_text(&self, width: usize) -> String {
        self.state.header_text(width)
    }

    pub fn update(&mut self, action: Action, ctx: &mut Ctx) -> (DealOutcome, Option<Status>) {
        let state = &mut self.state;
        let outcome = match &mut self.modal {
            Some(Modal::History(history)) => match action {
                Action::Back => ModeOutcome::Close(None),
                other => {
                    history.scroll(other);
                    ModeOutcome::Stay(None)
                }
            },
            Some(Modal::Guide(guide)) => match action {
                Action::Back => ModeOutcome::Close(None),
                Action::InsertTemplate(kind) => {
                    let status = self.insert_template(kind, ctx);
                    return (DealOutcome::Stay, status);
                }
                other => {
                    guide.scroll(other);
                    ModeOutcome::Stay(None)
                }
            },
            Some(Modal::Record(editor)) => record::update(editor, action, state, ctx),
            Some(Modal::Note(editor)) => editor.update(action, state, ctx),
            Some(Modal::Prompt(prompt)) => prompt.update(action, state, ctx),
            Some(Modal::Confirm(question)) => question.update(action, state, ctx),
            None => return self.update_screen(action, ctx),
        };
        let status = match outcome {
            ModeOutcome::Stay(status) => status,
            ModeOutcome::Close(status) => {
                self.modal = None;
                status
            }
        };
        (DealOutcome::Stay, status)
    }

    /// Open `modal`; the word that goes with it.
    fn show(&mut self, modal: Modal, status: Option<Status>) -> Option<Status> {
        self.modal = Some(modal);
        status
    }

    /// Open the record editor on row `row` of `section` (a new row when
    /// `None`), if there is such a row or one can be added.
    fn edit(&mut self, section: Section, row: Option<usize>, ctx: &Ctx) -> Option<Status> {
        let (editor, status) = record::open(section, row, &self.state, ctx)?;
        self.show(Modal::Record(editor), status)
    }

    /// Edit the row the form's cursor is on.
    fn edit_selected_row(&mut self, ctx: &Ctx) -> Option<Status> {
        let row = Some(self.state.capture.row);
        self.edit(self.state.section(), row, ctx)
    }

    fn edit_note(&mut self, ctx: &Ctx) -> Option<Status> {
        let (editor, status) = NoteEditor::step_note(&self.state, ctx);
        self.show(Modal::Note(Box::new(editor)), status)
    }

    /// From the guide: the step's template for `kind` put into that note,
    /// after what it holds (or the draft kept for it), in its editor; the
    /// guide stays open when there is none or it does not fit.
    fn insert_template(&mut self, kind: NoteKind, ctx: &Ctx) -> Option<Status> {
        let s = &mut self.state;
        match NoteEditor::with_template(s, kind, ctx) {
            Ok((editor, status)) => {
                s.focus = Focus::Notes;
                s.note_cursor = NoteKind::ALL.iter().position(|k| *k == kind).unwrap_or(0);
                self.show(Modal::Note(Box::new(editor)), status)
            }
            Err(status) => Some(status),
        }
    }

    fn toggle_action(&mut self, ctx: &mut Ctx) -> Option<Status> {
        let index = self.state.action_cursor;
        let done = !self.state.step().actions[index];
        self.state
            .change(StepChange::SetAction { index, done }, ctx)
    }

    /// A key with no mode open.
    fn update_screen(&mut self, action: Action, ctx: &mut Ctx) -> (DealOutcome, Option<Status>) {
        if let Some(day) = self.state.shown_on
            && !past_keys(action, self.state.focus)
        {
            let why = format!(
                "Shown as it stood at the end of {day}: nothing changes here (start qualify without --on to change it)"
            );
            return (DealOutcome::Stay, Some(Status::info(why)));
        }
        let s = &mut self.state;
        let status = match action {
            Action::Back => return (DealOutcome::Back, None),
            Action::EditDeal => return (DealOutcome::EditFields, None),
            Action::Down | Action::Up => {
                let down = action == Action::Down;
                match s.focus {
                    Focus::Steps => {
                        let n = if down {
                            s.selected.next()
                        } else {
                            s.selected.previous()
                        };
                        s.select(n.unwrap_or(s.selected), ctx);
                    }
                    Focus::Capture => {
                        let rows = s.section().rows(&s.deal, s.selected).len();
                        s.capture.move_by(down, rows);
                    }
                    Focus::Actions => {
                        s.action_cursor = step_cursor(s.action_cursor, down, ACTION_COUNT)
                    }
                    Focus::Notes => {
                        s.note_cursor = step_cursor(s.note_cursor, down, NoteKind::ALL.len())
                    }
                }
                s.refresh(ctx);
                None
            }
            Action::SelectStep(n) => {
                s.select(n, ctx);
                s.focus = Focus::Steps;
                None
            }
            Action::FocusNext => {
                s.focus = s.focus.next();
                None
            }
            Action::FocusPrev => {
                s.focus = s.focus.prev();
                None
            }
            Action::Open => match s.focus {
                Focus::Steps => {
                    s.focus = Focus::Capture;
                    None
                }
                Focus::Capture => self.edit_selected_row(ctx),
                Focus::Actions => self.toggle_action(ctx),
                Focus::Notes => self.edit_note(ctx),
            },
            Action::ToggleAction if s.focus == Focus::Actions => self.toggle_action(ctx),
            Action::ToggleAction => {
                s.focus = Focus::Actions;
                Some(Status::info("Actions: j/k to move, Space to tick"))
            }
            Action::EditNote if s.focus == Focus::Notes => self.edit_note(ctx),
            Action::EditNote if s.focus == Focus::Actions => {
                s.focus = Focus::Notes;
                self.edit_note(ctx)
            }
            Action::EditNote => {
                s.focus = Focus::Capture;
                self.edit_selected_row(ctx)
            }
            Action::AddRow => {
                s.focus = Focus::Capture;
                let section = s.section();
                if section.can_add() {
                    self.edit(section, None, ctx)
                } else {
                    Some(Status::info(format!(
                        "Step {}'s form has fixed rows: Enter edits them",
                        s.selected
                    )))
                }
            }
            Action::DeleteRow => match Question::delete_row(s) {
                Ok(Some(question)) => self.show(Modal::Confirm(question), None),
                Ok(None) => None,
                Err(status) => Some(status),
            },
            Action::ConfirmWith => {
                let section = Section::for_confirmation(s.kind);
                self.edit(section, Some(0), ctx)
            }
            Action::ToggleFramework if s.kind == CaptureKind::Scorecard => {
                let next = match s.deal.content.meddpicc.framework {
                    Framework::Meddpicc => Framework::Meddicc,
                    Framework::Meddicc => Framework::Meddpicc,
                };
                let result =
                    content::set_framework(&mut ctx.session, s.deal.id, Some(s.deal.version), next);
                s.written(result, ctx)
                    .or_else(|| Some(Status::info(format!("Scorecard: {}", next.label()))))
            }
            Action::Approve | Action::SendBack if s.kind == CaptureKind::ValidationPlan => {
                match Prompt::sign_off(action == Action::Approve, s, ctx) {
                    Ok(prompt) => self.show(Modal::Prompt(prompt), None),
                    Err(status) => Some(status),
                }
            }
            Action::EditBattleCard if s.kind == CaptureKind::Competitors => {
                match NoteEditor::battle_card(s, ctx) {
                    Ok((editor, status)) => self.show(Modal::Note(Box::new(editor)), status),
                    Err(status) => Some(status),
                }
            }
            Action::RaiseEscalation => self.edit(Section::Escalate, Some(0), ctx),
            Action::AcknowledgeEscalation | Action::ResolveEscalation => {
                match oversight::act_on(action == Action::ResolveEscalation, s) {
                    Ok(editor) => self.show(Modal::Record(editor), None),
                    Err(status) => Some(status),
                }
            }
            Action::WithdrawEscalation => match oversight::withdraw(s, ctx) {
                Ok(editor) => self.show(Modal::Record(editor), None),
                Err(status) => Some(status),
            },
            Action::RecordReview => {
                let editor = oversight::review(s, ctx);
                self.show(Modal::Record(editor), None)
            }
            Action::EditHandoff => self.edit(Section::Handoff, Some(0), ctx),
            Action::RecordOutcome => self.edit(Section::Outcome, Some(0), ctx),
            Action::ShowGuide => {
                let guide = GuideView::open(s, ctx);
                self.show(Modal::Guide(guide), None)
            }
            Action::ShowHistory => match HistoryView::open(s, ctx) {
                Ok(history) => self.show(Modal::History(history), None),
                Err(status) => Some(status),
            },
            Action::ToggleFramework => Some(Status::info(format!(
                "m switches the scorecard on step {}",
                on_step(ctx, CaptureKind::Scorecard)
            ))),
            Action::Approve | Action::SendBack => Some(Status::info(format!(
                "The SA signs off the plan on step {}",
                on_step(ctx, CaptureKind::ValidationPlan)
            ))),
            Action::EditBattleCard => Some(Status::info(format!(
                "Battle cards are on step {}",
                on_step(ctx, CaptureKind::Competitors)
            ))),
            Action::StartStep => s.change(StepChange::Start, ctx),
            Action::CompleteStep => s.change(StepChange::Complete, ctx),
            Action::UnblockStep => s.change(StepChange::Unblock, ctx),
            Action::ReopenStep => match Question::reopen(s) {
                Some(question) => self.show(Modal::Confirm(question), None),
                None => s.change(StepChange::Reopen, ctx),
            },
            Action::BlockStep => match Prompt::block(s) {
                Ok(prompt) => self.show(Modal::Prompt(prompt), None),
                Err(status) => Some(status),
            },
            Action::TogglePanels => {
                s.show_panels = !s.show_panels;
                None
            }
            _ => None,
        };
        (DealOutcome::Stay, status)
    }

    /// Asked to quit (Ctrl-C, a signal): what is being typed is saved if it
    /// can be, else kept as a draft. `Err` when even the draft failed, so
    /// that the app stays open rather than lose it.
    pub fn save_before_quit(&mut self, ctx: &mut Ctx) -> Result<(), Status> {
        let kept = match &mut self.modal {
            Some(Modal::Note(editor)) => editor.save_before_quit(&mut self.state, ctx),
            Some(Modal::Record(editor)) => record::save_before_quit(editor, &mut self.state, ctx),
            _ => Ok(()),
        };
        kept.map_err(|e| {
            Status::error(format!(
                "Your text could not be saved or kept ({e}); copy it before quitting, or Ctrl-C again to quit anyway"
            ))
        })
    }

    /// Read the deal again (its fields were edited over the screen).
    pub fn reload(&mut self, ctx: &Ctx) {
        self.state.reload(ctx);
    }

    /// Time moved or the database changed: timers move, and a change made
    /// elsewhere is picked up. What is being typed stays in its editor.
    pub fn tick(&mut self, ctx: &Ctx) -> Option<Status> {
        self.state.tick(ctx)
    }
}

/// The step that captures `kind`, for the words of a key used elsewhere.
fn on_step(ctx: &Ctx, kind: CaptureKind) -> StepNumber {
    ctx.session.playbook.step_capturing(kind).number
}

fn step_cursor(at: usize, down: bool, len: usize) -> usize {
    if down {
        (at + 1).min(len - 1)
    } else {
        at.saturating_sub(1)
    }
}

/// The keys that work on a deal shown as it stood: moving about, its
/// history and panels, and leaving.
fn past_keys(action: Action, focus: Focus) -> bool {
    match action {
        Action::Open => focus == Focus::Steps,
        Action::Back
        | Action::Down
        | Action::Up
        | Action::SelectStep(_)
        | Action::FocusNext
        | Action::FocusPrev
        | Action::ShowHistory
        | Action::TogglePanels => true,
        _ => false,
    }
}
