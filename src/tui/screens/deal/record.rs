//! Editing in the record editor: a row of the step's form (Enter or e, a
//! adds one), one of the deal's records, or an oversight form. Esc saves
//! and leaves; a save that is refused leaves the editor open with the
//! message, its text kept as a draft (offered back the next time this row
//! is opened); Ctrl-D drops the edit.

use super::state::{DealState, ModeOutcome, capitalise, refusal, stored_battle_card};
use crate::ops;
use crate::ops::StoreError;
use crate::tui::action::Action;
use crate::tui::screens::capture::{self, EditorOutcome, RecordEditor, Section, Today};
use crate::tui::shared::{Ctx, Status};

/// The record editor on row `row` of `section` (a new row when `None`),
/// or on the draft kept for it (with a word on it); `None` when there is
/// no such row and none can be added.
pub fn open(
    section: Section,
    row: Option<usize>,
    state: &DealState,
    ctx: &Ctx,
) -> Option<(RecordEditor, Option<Status>)> {
    let rows = section.rows(&state.deal, state.selected).len();
    let row = if section.is_record() {
        Some(0)
    } else {
        row.filter(|r| *r < rows)
    };
    if row.is_none() && !section.can_add() {
        return None;
    }
    // a step's confirmation starts picked and dated
    let prefill = section
        .is_confirmation()
        .then(|| super::oversight::confirmation_values(section, state, ctx));
    let editor = RecordEditor::with_values(section, state.selected, row, &state.deal, prefill);
    let offered = state
        .offer_draft(&state.row_draft(&editor), ctx)
        .and_then(|(body, status)| {
            let values: Vec<String> = serde_json::from_str(&body).ok()?;
            (values.len() == section.fields().len()).then_some((values, status))
        });
    Some(match offered {
        Some((values, status)) => (
            RecordEditor::with_values(section, state.selected, row, &state.deal, Some(values)),
            Some(status),
        ),
        None => (editor, None),
    })
}

pub fn update(
    editor: &mut RecordEditor,
    action: Action,
    state: &mut DealState,
    ctx: &mut Ctx,
) -> ModeOutcome {
    let outcome = editor.update(action, &Today::of(ctx));
    if let Some(name) = editor.competitor_name() {
        let card = stored_battle_card(ctx, name);
        editor.set_battle_card(card.map(|c| c.notes));
    }
    match outcome {
        EditorOutcome::Stay(status) => ModeOutcome::Stay(status),
        EditorOutcome::Leave { save: false } => {
            let _ = ops::drop_draft(&mut ctx.session, &state.row_draft(editor));
            ModeOutcome::Close(Some(Status::info("Edit dropped")))
        }
        EditorOutcome::Leave { save: true } => match save(editor, state, ctx) {
            Ok(status) => ModeOutcome::Close(status),
            Err(status) => ModeOutcome::Stay(Some(status)),
        },
    }
}

/// Save what the editor holds; on failure the deal is read again and the
/// text is kept as a draft.
fn save(
    editor: &RecordEditor,
    state: &mut DealState,
    ctx: &mut Ctx,
) -> Result<Option<Status>, Status> {
    let (noun, added) = (editor.section.noun(), editor.row.is_none());
    let draft = state.row_draft(editor);
    match capture::save(&state.deal, editor, ctx) {
        Ok(deal) => {
            state.deal = deal;
            let _ = ops::drop_draft(&mut ctx.session, &draft);
            if added {
                state.capture.row = state
                    .section()
                    .rows(&state.deal, state.selected)
                    .len()
                    .saturating_sub(1);
            }
            state.refresh(ctx);
            Ok(Some(Status::info(format!("{} saved", capitalise(noun)))))
        }
        Err(e) => {
            let values = editor.values();
            let kept = ops::keep_draft(
                &mut ctx.session,
                &draft,
                &serde_json::to_string(&values).unwrap_or_default(),
            );
            state.reload(ctx);
            Err(Status::error(refusal(&e, kept.is_ok(), "row")))
        }
    }
}

/// Asked to quit: what the editor holds is saved if it can be, else kept
/// as a draft; `Err` when even the draft failed.
pub fn save_before_quit(
    editor: &RecordEditor,
    state: &mut DealState,
    ctx: &mut Ctx,
) -> Result<(), StoreError> {
    let draft = state.row_draft(editor);
    let values = serde_json::to_string(&editor.values()).unwrap_or_default();
    match save(editor, state, ctx) {
        Ok(_) => Ok(()),
        Err(_) => ops::keep_draft(&mut ctx.session, &draft, &values),
    }
}
