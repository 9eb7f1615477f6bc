//! A one-line prompt over the step: what a step is blocked on (b), or the
//! SA's comment approving (A) or sending back (R) the validation plan on
//! the step that captures it. Enter acts, Esc cancels.

use super::state::{DealState, ModeOutcome, refusal};
use crate::domain::review::{self, Reviewer};
use crate::domain::step::{StepChange, StepNumber};
use crate::ops;
use crate::tui::action::Action;
use crate::tui::shared::{Ctx, Look, Status};
use crate::tui::widgets::{popup, text_field};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Clear, Widget};
use tui_input::Input;

/// What the prompt asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ask {
    BlockReason,
    Approve,
    SendBack,
}

pub struct Prompt {
    ask: Ask,
    input: Input,
}

impl Prompt {
    /// What the selected step waits on (its last reason to start with); a
    /// complete step is reopened first.
    pub fn block(state: &DealState) -> Result<Prompt, Status> {
        if state.step().is_complete() {
            return Err(Status::error(format!(
                "Step {} is complete; reopen it (r) before blocking it",
                state.selected
            )));
        }
        let reason = state.step().blocked_reason.clone().unwrap_or_default();
        Ok(Prompt {
            ask: Ask::BlockReason,
            input: Input::new(reason),
        })
    }

    /// The SA's comment on the validation plan, if the acting user is the
    /// deal's SA.
    pub fn sign_off(approve: bool, state: &DealState, ctx: &Ctx) -> Result<Prompt, Status> {
        let ask = if approve { Ask::Approve } else { Ask::SendBack };
        match review::may_sign(
            &state.deal,
            Reviewer::Sa,
            &ctx.session.user,
            &ctx.session.playbook,
        ) {
            Ok(()) => Ok(Prompt {
                ask,
                input: Input::default(),
            }),
            Err(e) => Err(Status::error(e.to_string())),
        }
    }

    pub fn update(&mut self, action: Action, state: &mut DealState, ctx: &mut Ctx) -> ModeOutcome {
        match action {
            Action::Type(key) => {
                crate::tui::widgets::type_into(&mut self.input, key, crate::text::MAX_LONG);
                ModeOutcome::Stay(None)
            }
            Action::Cancel => ModeOutcome::Close(None),
            Action::Confirm => {
                let text = self.input.value().trim().to_string();
                if text.is_empty() && self.ask != Ask::Approve {
                    return ModeOutcome::Stay(Some(Status::error(match self.ask {
                        Ask::BlockReason => "Say what the step is waiting on (or Esc to cancel)",
                        _ => "Say what the plan needs (or Esc to cancel)",
                    })));
                }
                ModeOutcome::Close(match self.ask {
                    Ask::BlockReason => state.change(StepChange::Block { reason: text }, ctx),
                    Ask::Approve | Ask::SendBack => {
                        sign_off(self.ask == Ask::Approve, text, state, ctx)
                    }
                })
            }
            _ => ModeOutcome::Stay(None),
        }
    }

    pub fn render(&self, step: StepNumber, area: Rect, buf: &mut Buffer, look: Look<'_>) {
        let theme = look.theme;
        let (title, ask, help) = match self.ask {
            Ask::BlockReason => (
                format!(" Block step {step} "),
                "What or who is the step waiting on?",
                "Enter blocks the step · Esc cancels",
            ),
            Ask::Approve => (
                " Approve the validation plan ".into(),
                "Comment (optional):",
                "Enter approves · Esc cancels",
            ),
            Ask::SendBack => (
                " Send the validation plan back ".into(),
                "What must change?",
                "Enter sends it back · Esc cancels",
            ),
        };
        let rect = popup(area, 60, 5);
        Clear.render(rect, buf);
        let block = Block::bordered()
            .title(title)
            .title_style(theme.title)
            .border_style(theme.focus_border);
        let inner = block.inner(rect);
        block.render(rect, buf);
        let [ask_area, field, help_area] =
            Layout::vertical([Constraint::Length(1); 3]).areas(inner);
        Line::raw(ask).render(ask_area, buf);
        let underline = Style::new().add_modifier(Modifier::UNDERLINED);
        text_field(
            buf,
            field,
            self.input.value(),
            self.input.visual_cursor(),
            true,
            underline,
        );
        Line::styled(help, theme.dim).render(help_area, buf);
    }
}

/// The SA's decision on the validation plan, by the acting user.
fn sign_off(
    approved: bool,
    comment: String,
    state: &mut DealState,
    ctx: &mut Ctx,
) -> Option<Status> {
    let result = ops::record_review(
        &mut ctx.session,
        state.deal.id,
        Some(state.deal.version),
        Reviewer::Sa,
        approved,
        &comment,
    );
    match result {
        Ok((deal, said)) => {
            state.deal = deal;
            state.refresh(ctx);
            let verdict = if approved {
                "Plan approved"
            } else {
                "Plan sent back"
            };
            Some(Status::info(said.map_or(verdict.to_string(), |more| {
                format!("{verdict}; {more}")
            })))
        }
        Err(e) => {
            state.reload(ctx);
            Some(Status::error(refusal(&e, false, "")))
        }
    }
}
