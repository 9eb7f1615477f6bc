//! Edits of a deal's content as a person makes them on a step's form: a row
//! of one of the step's lists written or deleted, one of the deal's records
//! (budget, timeline, opportunity record, handoff) written whole, and the
//! scorecard's framework switched. (A step's confirmation is a change of the
//! step: see [`super::change_step`].) Each is one
//! transaction through the store, with its audit rows; content that does
//! not validate is never written.
//!
//! A row is written against the version of the deal it was read at: when
//! the deal has moved on since, the row is still written if that very row
//! is as it was read (another person's change elsewhere in the deal is
//! kept), and refused as a conflict if it changed or moved.

use super::{Result, Session};
use crate::domain::confirmation;
use crate::domain::content::{
    Budget, Competitor, Element, ElementScore, Framework, Handoff, Milestone, NextStep, Risk,
    Stakeholder, ValidationItem,
};
use crate::domain::deal::{Deal, DealId};
use crate::domain::playbook::CaptureKind;
use crate::store::StoreError;
use chrono::NaiveDate;

/// One of the lists a step's form keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum List {
    /// The scorecard: one row per element of its framework, never added to
    /// or deleted.
    Scorecard,
    Stakeholders,
    ValidationItems,
    Competitors,
    Milestones,
    Risks,
    NextSteps,
}

/// A row of one of a step's lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Row {
    /// A scorecard element's score; `None` leaves the element unscored.
    Score(Element, Option<ElementScore>),
    Stakeholder(Stakeholder),
    ValidationItem(ValidationItem),
    Competitor(Competitor),
    Milestone(Milestone),
    Risk(Risk),
    /// A next step. Its `set_on` is not taken from here: a new next step is
    /// set today, and a changed one keeps the day it was set.
    NextStep(NextStep),
}

impl Row {
    /// The list the row belongs to.
    pub fn list(&self) -> List {
        match self {
            Row::Score(..) => List::Scorecard,
            Row::Stakeholder(_) => List::Stakeholders,
            Row::ValidationItem(_) => List::ValidationItems,
            Row::Competitor(_) => List::Competitors,
            Row::Milestone(_) => List::Milestones,
            Row::Risk(_) => List::Risks,
            Row::NextStep(_) => List::NextSteps,
        }
    }
}

/// Where a row is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// Added at the end of its list.
    End,
    /// In place of row `index`, which read `was` when the person opened it.
    At { index: usize, was: Row },
}

/// One of the deal's records, written whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    Budget(Budget),
    /// The compelling event and the target close date.
    Timeline {
        compelling_event: String,
        close_date: Option<NaiveDate>,
    },
    /// The opportunity record's fields a person keeps.
    Opportunity {
        stage: String,
        owner: String,
        sa: String,
        manager: String,
    },
    Handoff(Handoff),
}

/// Row `index` of `list` as the deal has it (for the scorecard, the
/// framework's `index`th element and its score).
pub fn row_at(deal: &Deal, list: List, index: usize) -> Option<Row> {
    let c = &deal.content;
    match list {
        List::Scorecard => {
            let element = *c.meddpicc.framework.elements().get(index)?;
            let score = c.meddpicc.elements.get(&element).cloned();
            Some(Row::Score(element, score))
        }
        List::Stakeholders => c.stakeholders.get(index).cloned().map(Row::Stakeholder),
        List::ValidationItems => c
            .validation_plan
            .items
            .get(index)
            .cloned()
            .map(Row::ValidationItem),
        List::Competitors => c.competitors.get(index).cloned().map(Row::Competitor),
        List::Milestones => c.decision_process.get(index).cloned().map(Row::Milestone),
        List::Risks => c.risks.get(index).cloned().map(Row::Risk),
        List::NextSteps => c.next_steps.get(index).cloned().map(Row::NextStep),
    }
}

/// Write `row` at `place`, the person having read the deal at version
/// `read_at`. Refused with [`StoreError::Conflict`] when the deal moved on
/// since and the row being replaced is no longer as it was read.
pub fn save_row(s: &mut Session, id: DealId, read_at: i64, place: Place, row: Row) -> Result<Deal> {
    let today = s.clock.today();
    super::edit_deal(s, id, None, |deal| {
        if let Place::At { index, was } = &place
            && deal.version != read_at
            && row_at(deal, was.list(), *index).as_ref() != Some(was)
        {
            return Err(StoreError::Conflict {
                id,
                expected: read_at,
                found: deal.version,
            });
        }
        let index = match place {
            Place::End => None,
            Place::At { index, .. } => Some(index),
        };
        put_row(deal, index, row, today);
        Ok(())
    })
    .map(|(deal, ())| deal)
}

/// Write `row` into the deal (in memory) in place of row `index`, or at the
/// end of its list when there is no such row.
fn put_row(deal: &mut Deal, index: Option<usize>, row: Row, today: NaiveDate) {
    let c = &mut deal.content;
    match row {
        Row::Score(element, None) => {
            c.meddpicc.elements.remove(&element);
        }
        Row::Score(element, Some(score)) => {
            c.meddpicc.elements.insert(element, score);
        }
        Row::Stakeholder(s) => put(&mut c.stakeholders, index, s),
        Row::ValidationItem(v) => put(&mut c.validation_plan.items, index, v),
        Row::Competitor(x) => put(&mut c.competitors, index, x),
        Row::Milestone(m) => put(&mut c.decision_process, index, m),
        Row::Risk(r) => put(&mut c.risks, index, r),
        Row::NextStep(n) => {
            let set_on = index
                .and_then(|i| c.next_steps.get(i))
                .map_or(today, |kept| kept.set_on);
            put(&mut c.next_steps, index, NextStep { set_on, ..n });
        }
    }
}

fn put<T>(rows: &mut Vec<T>, index: Option<usize>, value: T) {
    match index.filter(|i| *i < rows.len()) {
        Some(i) => rows[i] = value,
        None => rows.push(value),
    }
}

/// Delete row `index` of `list` (the scorecard's rows are fixed: nothing
/// happens to them). With `expected_version`, a deal that moved on since it
/// was read is refused.
pub fn delete_row(
    s: &mut Session,
    id: DealId,
    expected_version: Option<i64>,
    list: List,
    index: usize,
) -> Result<Deal> {
    super::edit_deal(s, id, expected_version, |deal| {
        let c = &mut deal.content;
        match list {
            List::Scorecard => {}
            List::Stakeholders => remove(&mut c.stakeholders, index),
            List::ValidationItems => remove(&mut c.validation_plan.items, index),
            List::Competitors => remove(&mut c.competitors, index),
            List::Milestones => remove(&mut c.decision_process, index),
            List::Risks => remove(&mut c.risks, index),
            List::NextSteps => remove(&mut c.next_steps, index),
        }
        Ok(())
    })
    .map(|(deal, ())| deal)
}

fn remove<T>(rows: &mut Vec<T>, index: usize) {
    if index < rows.len() {
        rows.remove(index);
    }
}

/// Write one of the deal's records whole. With `expected_version`, a deal
/// that moved on since it was read is refused.
pub fn save_record(
    s: &mut Session,
    id: DealId,
    expected_version: Option<i64>,
    record: Record,
) -> Result<Deal> {
    let budget_step = s.playbook.step_capturing(CaptureKind::Budget).number;
    super::edit_deal(s, id, expected_version, |deal| {
        let c = &mut deal.content;
        match record {
            // the budget's confirmation is its step's too
            Record::Budget(budget) => {
                let before = std::mem::replace(&mut c.budget, budget);
                confirmation::follow_budget(deal, &before, budget_step);
            }
            Record::Timeline {
                compelling_event,
                close_date,
            } => {
                c.timeline.compelling_event = compelling_event;
                deal.close_date = close_date;
            }
            Record::Opportunity {
                stage,
                owner,
                sa,
                manager,
            } => {
                deal.stage = stage;
                deal.owner = owner;
                deal.sa = sa;
                deal.manager = manager;
            }
            Record::Handoff(handoff) => c.handoff = handoff,
        }
        Ok(())
    })
    .map(|(deal, ())| deal)
}

/// Switch the scorecard to `framework`; MEDDICC has no paper process, so
/// its score goes. With `expected_version`, a deal that moved on since it
/// was read is refused.
pub fn set_framework(
    s: &mut Session,
    id: DealId,
    expected_version: Option<i64>,
    framework: Framework,
) -> Result<Deal> {
    super::edit_deal(s, id, expected_version, |deal| {
        let scorecard = &mut deal.content.meddpicc;
        scorecard.framework = framework;
        if framework == Framework::Meddicc {
            scorecard.elements.remove(&Element::PaperProcess);
        }
        Ok(())
    })
    .map(|(deal, ())| deal)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::content::{Level, Role, Stance};
    use crate::domain::deal::NewDeal;
    use crate::domain::playbook::Playbook;
    use crate::store::Store;

    fn session() -> (Session, DealId) {
        let now = chrono::DateTime::parse_from_rfc3339("2026-11-27T15:00:00Z")
            .unwrap()
            .to_utc();
        let mut s = Session::new(
            Store::open_in_memory().unwrap(),
            Playbook::default_playbook(),
            crate::Clock::fixed(now),
            "dana",
        );
        let new = NewDeal {
            name: "Acme".into(),
            account: "Acme".into(),
            ..Default::default()
        };
        let id = super::super::add_deal(&mut s, new).unwrap();
        (s, id)
    }

    fn person(name: &str) -> Row {
        Row::Stakeholder(Stakeholder {
            name: name.into(),
            title: String::new(),
            role: Role::Champion,
            stance: Stance::Supports,
            influence: Level::High,
            last_engaged: None,
            confirmed_on: None,
        })
    }

    #[test]
    fn a_note_read_before_another_change_is_written_unless_it_changed() {
        use crate::domain::step::{NoteKind, StepChange, StepNumber};
        let (mut s, id) = session();
        let one = StepNumber::new(1).unwrap();
        let read_at = s.store.deal(id).unwrap().version;
        // another note of the step changed: this one is still written
        let other = StepChange::SetNote {
            kind: NoteKind::Decisions,
            text: "elsewhere".into(),
        };
        super::super::change_step(&mut s, id, None, one, &other).unwrap();
        let (deal, _) =
            super::super::save_note(&mut s, id, read_at, "", one, NoteKind::Outcomes, "mine")
                .unwrap();
        let notes = &deal.step(one).unwrap().notes;
        assert_eq!(
            (notes.outcomes.as_str(), notes.decisions.as_str()),
            ("mine", "elsewhere")
        );
        // that very note changed since it was read: refused, nothing written
        let refused =
            super::super::save_note(&mut s, id, read_at, "", one, NoteKind::Outcomes, "again");
        assert!(matches!(
            refused,
            Err(StoreError::Conflict { expected, found, .. })
                if expected == read_at && found == deal.version
        ));
        let stored = s.store.deal(id).unwrap();
        assert_eq!(stored.step(one).unwrap().notes.outcomes, "mine");
    }

    #[test]
    fn a_row_read_before_another_change_is_written_unless_it_changed() {
        let (mut s, id) = session();
        let deal = save_row(&mut s, id, 1, Place::End, person("Tom")).unwrap();
        let read_at = deal.version;
        let was = row_at(&deal, List::Stakeholders, 0).unwrap();
        // another change elsewhere in the deal: the row is still written
        let other = save_record(
            &mut s,
            id,
            None,
            Record::Handoff(Handoff {
                scope: "all of it".into(),
                ..Handoff::default()
            }),
        )
        .unwrap();
        assert_ne!(other.version, read_at);
        let place = Place::At {
            index: 0,
            was: was.clone(),
        };
        let deal = save_row(&mut s, id, read_at, place, person("Thomas")).unwrap();
        assert_eq!(deal.content.stakeholders[0].name, "Thomas");
        assert_eq!(deal.content.handoff.scope, "all of it", "kept");
        // the same row changed since it was read: refused, nothing written
        let place = Place::At { index: 0, was };
        let refused = save_row(&mut s, id, read_at, place, person("Tommy"));
        assert!(matches!(
            refused,
            Err(StoreError::Conflict { expected, found, .. })
                if expected == read_at && found == deal.version
        ));
        assert_eq!(
            s.store.deal(id).unwrap().content.stakeholders[0].name,
            "Thomas"
        );
    }

    #[test]
    fn a_next_step_keeps_the_day_it_was_set() {
        let (mut s, id) = session();
        let step = |action: &str, set_on: &str| {
            Row::NextStep(NextStep {
                action: action.into(),
                owner: String::new(),
                due: None,
                set_on: set_on.parse().unwrap(),
                done: false,
            })
        };
        let deal = save_row(&mut s, id, 1, Place::End, step("Call", "2000-01-01")).unwrap();
        let set_on = deal.content.next_steps[0].set_on;
        assert_eq!(set_on, s.clock.today(), "set today");
        let was = row_at(&deal, List::NextSteps, 0).unwrap();
        let place = Place::At { index: 0, was };
        let later = s.clock.now() + chrono::Duration::days(3);
        let deal = save_row(
            s.at(later),
            id,
            deal.version,
            place,
            step("Call Tom", "2000-01-01"),
        )
        .unwrap();
        assert_eq!(deal.content.next_steps[0].action, "Call Tom");
        assert_eq!(deal.content.next_steps[0].set_on, set_on, "kept");
    }

    #[test]
    fn meddicc_drops_the_paper_process_score() {
        let (mut s, id) = session();
        let score = ElementScore {
            score: 2,
            evidence: "legal named".into(),
        };
        let row = Row::Score(Element::PaperProcess, Some(score));
        let deal = save_row(&mut s, id, 1, Place::End, row).unwrap();
        assert!(
            deal.content
                .meddpicc
                .elements
                .contains_key(&Element::PaperProcess)
        );
        let stale = set_framework(&mut s, id, Some(deal.version - 1), Framework::Meddicc);
        assert!(matches!(stale, Err(StoreError::Conflict { .. })));
        let deal = set_framework(&mut s, id, Some(deal.version), Framework::Meddicc).unwrap();
        assert_eq!(deal.content.meddpicc.framework, Framework::Meddicc);
        assert!(deal.content.meddpicc.elements.is_empty());
    }
}
