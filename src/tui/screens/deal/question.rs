//! A yes/no question before a change that is hard to take back: reopening
//! a step while later steps are complete (r), deleting a row of the step's
//! form (D). y or Enter goes ahead; n or Esc changes nothing.

use super::state::{DealState, ModeOutcome, capitalise};
use crate::domain::step::{StepChange, StepNumber};
use crate::ops::{self, content};
use crate::text::shown;
use crate::tui::action::Action;
use crate::tui::shared::{Ctx, Look, Status};
use crate::tui::widgets::{popup, truncate, wrap};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Clear, Paragraph, Widget};

/// What a yes would do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Confirming {
    /// Reopen the selected step although later steps are complete.
    Reopen,
    /// Delete row `n` of the selected step's form.
    DeleteRow(usize),
}

pub struct Question {
    what: Confirming,
    text: String,
}

impl Question {
    /// Asked before reopening the selected step when later steps are
    /// complete; `None` when there is nothing to ask.
    pub fn reopen(state: &DealState) -> Option<Question> {
        let later = ops::complete_after(&state.deal, state.selected);
        if !state.step().is_complete() || later.is_empty() {
            return None;
        }
        let steps: Vec<String> = later.iter().map(StepNumber::to_string).collect();
        Some(Question {
            what: Confirming::Reopen,
            text: format!(
                "Reopen step {}? Steps {} stay complete; their order is kept. y reopens, n or Esc cancels",
                state.selected,
                steps.join(", ")
            ),
        })
    }

    /// Asked before deleting the selected row of the step's form; `Err`
    /// says how D works when no row of a list is selected.
    pub fn delete_row(state: &DealState) -> Result<Option<Question>, Status> {
        let section = state.section();
        if !section.can_add() || state.focus != super::state::Focus::Capture {
            return Err(Status::info(
                "D deletes the selected row of a step's list (Tab to it first)",
            ));
        }
        let rows = section.rows(&state.deal, state.selected);
        let Some(row) = rows.get(state.capture.row) else {
            return Ok(None);
        };
        let name = row.1.first().cloned().unwrap_or_default();
        Ok(Some(Question {
            what: Confirming::DeleteRow(state.capture.row),
            text: format!(
                "Delete the {} \"{}\"? y deletes, n or Esc keeps it",
                section.noun(),
                shown(&truncate(&name, 40))
            ),
        }))
    }

    pub fn update(&self, action: Action, state: &mut DealState, ctx: &mut Ctx) -> ModeOutcome {
        match action {
            Action::Confirm => ModeOutcome::Close(match self.what {
                Confirming::Reopen => state.change(StepChange::Reopen, ctx),
                Confirming::DeleteRow(row) => delete_row(row, state, ctx),
            }),
            Action::Cancel => ModeOutcome::Close(Some(Status::info("Nothing changed"))),
            _ => ModeOutcome::Stay(None),
        }
    }

    /// The question over the screen.
    pub fn render(&self, area: Rect, buf: &mut Buffer, look: Look<'_>) {
        let theme = look.theme;
        let width = area.width.saturating_sub(8).min(64);
        let lines = wrap(&self.text, usize::from(width.saturating_sub(2)));
        let rect = popup(area, width, lines.len() as u16 + 2);
        Clear.render(rect, buf);
        let block = Block::bordered()
            .title(" Are you sure? ")
            .title_style(theme.title)
            .border_style(theme.focus_border);
        let inner = block.inner(rect);
        block.render(rect, buf);
        Paragraph::new(lines.into_iter().map(Line::from).collect::<Vec<_>>()).render(inner, buf);
    }
}

/// Delete row `row` of the selected step's list, if the deal has not moved on.
fn delete_row(row: usize, state: &mut DealState, ctx: &mut Ctx) -> Option<Status> {
    let section = state.section();
    let list = section.list()?;
    let result = content::delete_row(
        &mut ctx.session,
        state.deal.id,
        Some(state.deal.version),
        list,
        row,
    );
    state.written(result, ctx).or_else(|| {
        Some(Status::info(format!(
            "{} deleted",
            capitalise(section.noun())
        )))
    })
}
