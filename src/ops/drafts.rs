//! Drafts: what a person was typing (a step's note, a row of a step's form,
//! a battle card) kept under its key when they leave without saving, and
//! offered back the next time it is opened.

use super::{Result, Session};
use crate::domain::deal::DealId;
use crate::domain::step::{NoteKind, StepNumber};
use crate::store::Draft;

/// What a draft is of: the key it is kept under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DraftOf {
    /// One of a step's three notes.
    Note {
        deal: DealId,
        step: StepNumber,
        kind: NoteKind,
    },
    /// A row of a step's form (`None`: a new row), by the form's name.
    Row {
        deal: DealId,
        step: StepNumber,
        form: &'static str,
        row: Option<usize>,
    },
    /// A competitor's battle card.
    BattleCard(String),
}

impl DraftOf {
    pub fn key(&self) -> String {
        match self {
            DraftOf::Note { deal, step, kind } => {
                format!("deal/{deal}/step/{step}/note/{}", kind.key())
            }
            DraftOf::Row {
                deal,
                step,
                form,
                row,
            } => format!(
                "deal/{deal}/step/{step}/{form}/{}",
                row.map_or("new".to_string(), |r| r.to_string())
            ),
            DraftOf::BattleCard(name) => {
                format!("battlecard/{}", name.trim().to_lowercase())
            }
        }
    }

    fn deal(&self) -> Option<DealId> {
        match self {
            DraftOf::Note { deal, .. } | DraftOf::Row { deal, .. } => Some(*deal),
            DraftOf::BattleCard(_) => None,
        }
    }
}

/// Keep `body` as a draft of `of`, to be offered back the next time it is
/// opened.
pub fn keep_draft(s: &mut Session, of: &DraftOf, body: &str) -> Result<()> {
    let now = s.clock.now();
    s.store.save_draft(&of.key(), of.deal(), body, now)
}

/// The draft kept for `of`, if any.
pub fn draft(s: &Session, of: &DraftOf) -> Result<Option<Draft>> {
    s.store.draft(&of.key())
}

/// Forget the draft of `of` (it was saved, or dropped on purpose).
pub fn drop_draft(s: &mut Session, of: &DraftOf) -> Result<()> {
    if s.store.draft(&of.key())?.is_some() {
        s.store.drop_draft(&of.key())?;
    }
    Ok(())
}
