//! What changed across the pipeline since a day, in the classes a forecast
//! call reads: close dates pushed, pulled in or slipped out of their
//! quarter; deals new, won, lost or reopened; amounts up or down; scores up
//! or down; the verdict; deals moved into or out of a forecast category.
//! Each deal's standing before is its past: the figures the history gives
//! back (see [`past::figures_at`]), or its whole past deal rebuilt when only
//! that tells (see [`past::deal_at`]). Pure.

use super::audit::AuditEntry;
use super::calendar::quarter;
use super::criteria::{score_total, verdict};
use super::deal::{Deal, DealId};
use super::forecast::{ForecastCategory, OutcomeKind, Verdict};
use super::money::Money;
use super::past::{self, PastError};
use super::pipeline::{category_of, forecast_category};
use super::playbook::Playbook;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use std::cell::Cell;

/// How a deal stands on the figures a forecast call reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing {
    pub outcome: Option<OutcomeKind>,
    pub category: ForecastCategory,
    pub verdict: Option<Verdict>,
    pub total: u32,
    pub amount: Option<Money>,
    pub close_date: Option<NaiveDate>,
}

/// `deal`'s standing at `now`.
pub fn standing(deal: &Deal, playbook: &Playbook, now: DateTime<Utc>) -> Standing {
    Standing {
        outcome: deal.content.outcome.as_ref().map(|o| o.kind),
        category: forecast_category(deal, playbook, now),
        verdict: verdict(&deal.content.meddpicc, playbook),
        total: score_total(&deal.content.meddpicc).0,
        amount: deal.amount,
        close_date: deal.close_date,
    }
}

/// The class of a change, as forecast-flow tools name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Class {
    New,
    Won,
    Lost,
    Reopened,
    Pushed,
    PulledIn,
    Slipped,
    DateSet,
    DateCleared,
    AmountUp,
    AmountDown,
    ScoreUp,
    ScoreDown,
    Verdict,
    Into(ForecastCategory),
    OutOf(ForecastCategory),
}

impl Class {
    /// Every class, in the order a forecast call reads them.
    pub fn all() -> Vec<Class> {
        let mut all = vec![
            Class::New,
            Class::Won,
            Class::Lost,
            Class::Reopened,
            Class::Pushed,
            Class::PulledIn,
            Class::Slipped,
            Class::DateSet,
            Class::DateCleared,
            Class::AmountUp,
            Class::AmountDown,
            Class::ScoreUp,
            Class::ScoreDown,
            Class::Verdict,
        ];
        all.extend(ForecastCategory::ALL.map(Class::Into));
        all.extend(ForecastCategory::ALL.map(Class::OutOf));
        all
    }

    /// The name scripts use (`pulled_in`, `into_best_case`).
    pub fn key(self) -> String {
        match self {
            Class::New => "new".into(),
            Class::Won => "won".into(),
            Class::Lost => "lost".into(),
            Class::Reopened => "reopened".into(),
            Class::Pushed => "pushed".into(),
            Class::PulledIn => "pulled_in".into(),
            Class::Slipped => "slipped".into(),
            Class::DateSet => "date_set".into(),
            Class::DateCleared => "date_cleared".into(),
            Class::AmountUp => "amount_up".into(),
            Class::AmountDown => "amount_down".into(),
            Class::ScoreUp => "score_up".into(),
            Class::ScoreDown => "score_down".into(),
            Class::Verdict => "verdict".into(),
            Class::Into(c) => format!("into_{}", c.key()),
            Class::OutOf(c) => format!("out_of_{}", c.key()),
        }
    }

    /// In a person's words (`Pulled in`, `Into Best Case`).
    pub fn label(self) -> String {
        match self {
            Class::New => "New".into(),
            Class::Won => "Won".into(),
            Class::Lost => "Lost".into(),
            Class::Reopened => "Reopened".into(),
            Class::Pushed => "Pushed".into(),
            Class::PulledIn => "Pulled in".into(),
            Class::Slipped => "Slipped".into(),
            Class::DateSet => "Close date set".into(),
            Class::DateCleared => "Close date cleared".into(),
            Class::AmountUp => "Amount up".into(),
            Class::AmountDown => "Amount down".into(),
            Class::ScoreUp => "Score up".into(),
            Class::ScoreDown => "Score down".into(),
            Class::Verdict => "Verdict changed".into(),
            Class::Into(c) => format!("Into {}", c.label()),
            Class::OutOf(c) => format!("Out of {}", c.label()),
        }
    }
}

/// Which figure changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum What {
    Deal,
    Outcome,
    CloseDate,
    Amount,
    MeddpiccTotal,
    Verdict,
    ForecastCategory,
}

impl What {
    pub fn key(self) -> &'static str {
        match self {
            What::Deal => "deal",
            What::Outcome => "outcome",
            What::CloseDate => "close_date",
            What::Amount => "amount",
            What::MeddpiccTotal => "meddpicc_total",
            What::Verdict => "verdict",
            What::ForecastCategory => "forecast_category",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            What::Deal => "Deal",
            What::Outcome => "Outcome",
            What::CloseDate => "Close date",
            What::Amount => "Amount",
            What::MeddpiccTotal => "MEDDPICC total",
            What::Verdict => "Verdict",
            What::ForecastCategory => "Forecast",
        }
    }

    /// Whether a history row moves this figure (the category: any row
    /// does; the deal itself: its "created" row, not a row saying it was
    /// imported with its history).
    fn moved_by(self, row: &AuditEntry) -> bool {
        let field = row.field.as_str();
        match self {
            What::Deal => field == "deal" && row.after.starts_with("created"),
            What::Outcome => field.starts_with("outcome."),
            What::CloseDate => field == "close_date",
            What::Amount => field == "amount",
            What::MeddpiccTotal | What::Verdict => field.starts_with("meddpicc."),
            What::ForecastCategory => true,
        }
    }
}

/// One figure of a deal that changed: before → after (the keys scripts
/// use; empty: none), who changed it last and when, and its classes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub what: What,
    pub before: String,
    pub after: String,
    pub who: String,
    pub at: DateTime<Utc>,
    pub classes: Vec<Class>,
}

/// A deal that changed since the day asked about, with each change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DealChanges {
    pub id: DealId,
    pub name: String,
    pub owner: String,
    /// Its amount now (or, when it has none now, before).
    pub amount: Option<Money>,
    pub changes: Vec<Change>,
}

impl DealChanges {
    /// Each class once, in [`Class::all`]'s order.
    pub fn classes(&self) -> Vec<Class> {
        let mut classes: Vec<Class> = self
            .changes
            .iter()
            .flat_map(|c| c.classes.iter().copied())
            .collect();
        let order = Class::all();
        classes.sort_by_key(|c| order.iter().position(|o| o == c));
        classes.dedup();
        classes
    }
}

/// What changed on `deal` since `since`, or `None` when no figure did.
/// `history`: its rows from `since` on (more is fine), oldest first; the
/// standing before is the deal as it stood just before `since`, judged
/// then; the standing after is judged at `now`.
pub fn deal_changes(
    deal: &Deal,
    history: &[AuditEntry],
    since: DateTime<Utc>,
    playbook: &Playbook,
    now: DateTime<Utc>,
) -> Result<Option<DealChanges>, PastError> {
    changes_of(deal, history, since, playbook, now, false)
}

/// `deal`'s standing as it stood at `at`, judged then: from the figures
/// the history gives back when they tell it (see [`past::figures_at`]),
/// else (or with `whole`) from the whole deal rebuilt.
fn standing_then(
    deal: &Deal,
    history: &[AuditEntry],
    at: DateTime<Utc>,
    playbook: &Playbook,
    whole: bool,
) -> Result<Standing, PastError> {
    if !whole && let Some(figures) = past::figures_at(deal, history, at)? {
        let outcome = figures.outcome.as_ref().map(|o| o.kind);
        let verdict = verdict(&figures.meddpicc, playbook);
        // whether the QA decides the category: only the whole deal tells
        let qa_asked = Cell::new(false);
        let category = category_of(
            outcome,
            || verdict,
            figures.steps_done(),
            playbook,
            || {
                qa_asked.set(true);
                false
            },
        );
        if !qa_asked.get() {
            return Ok(Standing {
                outcome,
                category,
                verdict,
                total: score_total(&figures.meddpicc).0,
                amount: figures.amount,
                close_date: figures.close_date,
            });
        }
    }
    let past = past::deal_at(deal, history, at, playbook)?;
    Ok(standing(&past, playbook, at))
}

/// [`deal_changes`], the standing before read from the whole deal rebuilt
/// when `whole` (what the figures alone must agree with).
fn changes_of(
    deal: &Deal,
    history: &[AuditEntry],
    since: DateTime<Utc>,
    playbook: &Playbook,
    now: DateTime<Utc>,
    whole: bool,
) -> Result<Option<DealChanges>, PastError> {
    let history: Vec<&AuditEntry> = history.iter().filter(|e| e.at >= since).collect();
    if history.is_empty() && deal.created_at < since {
        return Ok(None);
    }
    let last = |what: What| {
        history
            .iter()
            .rev()
            .find(|e| what.moved_by(e))
            .or(history.last())
            .map_or((deal.owner.clone(), deal.created_at), |e| {
                (e.who.clone(), e.at)
            })
    };
    let after = standing(deal, playbook, now);
    let mut changes = Vec::new();
    let mut push = |what: What, before: String, after: String, classes: Vec<Class>| {
        let (who, at) = last(what);
        changes.push(Change {
            what,
            before,
            after,
            who,
            at,
            classes,
        });
    };
    let owned: Vec<AuditEntry> = history.iter().map(|e| (*e).clone()).collect();
    let just_before = since - Duration::nanoseconds(1);
    let before = match standing_then(deal, &owned, just_before, playbook, whole) {
        Ok(before) => Some(before),
        Err(PastError::NotYet { .. }) => None,
        Err(e) => return Err(e),
    };
    let outcome_key = |o: Option<OutcomeKind>| o.map_or(String::new(), |k| k.key().to_string());
    let Some(before) = before else {
        push(
            What::Deal,
            String::new(),
            "created".into(),
            vec![Class::New],
        );
        if let Some(class) = outcome_class(None, after.outcome) {
            push(
                What::Outcome,
                String::new(),
                outcome_key(after.outcome),
                vec![class],
            );
        }
        return Ok(Some(DealChanges {
            id: deal.id,
            name: deal.name.clone(),
            owner: deal.owner.clone(),
            amount: after.amount,
            changes,
        }));
    };
    if let Some(class) = outcome_class(before.outcome, after.outcome) {
        push(
            What::Outcome,
            outcome_key(before.outcome),
            outcome_key(after.outcome),
            vec![class],
        );
    }
    if let Some(class) = date_class(before.close_date, after.close_date) {
        let day = |d: Option<NaiveDate>| d.map_or(String::new(), |d| d.to_string());
        push(
            What::CloseDate,
            day(before.close_date),
            day(after.close_date),
            vec![class],
        );
    }
    if before.amount != after.amount {
        let cents = |m: Option<Money>| m.map_or(0, Money::cents);
        let class = if cents(after.amount) > cents(before.amount) {
            Class::AmountUp
        } else {
            Class::AmountDown
        };
        let text = |m: Option<Money>| m.map_or(String::new(), |m| m.to_json().to_string());
        push(
            What::Amount,
            text(before.amount),
            text(after.amount),
            vec![class],
        );
    }
    if before.total != after.total {
        let class = if after.total > before.total {
            Class::ScoreUp
        } else {
            Class::ScoreDown
        };
        push(
            What::MeddpiccTotal,
            before.total.to_string(),
            after.total.to_string(),
            vec![class],
        );
    }
    if before.verdict != after.verdict {
        let key = |v: Option<Verdict>| v.map_or(String::new(), |v| v.key().to_string());
        push(
            What::Verdict,
            key(before.verdict),
            key(after.verdict),
            vec![Class::Verdict],
        );
    }
    if before.category != after.category {
        push(
            What::ForecastCategory,
            before.category.key().into(),
            after.category.key().into(),
            vec![Class::Into(after.category), Class::OutOf(before.category)],
        );
    }
    if changes.is_empty() {
        return Ok(None);
    }
    Ok(Some(DealChanges {
        id: deal.id,
        name: deal.name.clone(),
        owner: deal.owner.clone(),
        amount: after.amount.or(before.amount),
        changes,
    }))
}

fn outcome_class(before: Option<OutcomeKind>, after: Option<OutcomeKind>) -> Option<Class> {
    match (before, after) {
        (b, a) if b == a => None,
        (_, Some(OutcomeKind::Won)) => Some(Class::Won),
        (_, Some(_)) => Some(Class::Lost),
        (Some(_), None) => Some(Class::Reopened),
        (None, None) => None,
    }
}

/// A close date later in its quarter is pushed, in a later quarter
/// slipped, earlier pulled in.
pub fn date_class(before: Option<NaiveDate>, after: Option<NaiveDate>) -> Option<Class> {
    match (before, after) {
        (Some(b), Some(a)) if a > b && quarter(a) > quarter(b) => Some(Class::Slipped),
        (Some(b), Some(a)) if a > b => Some(Class::Pushed),
        (Some(b), Some(a)) if a < b => Some(Class::PulledIn),
        (None, Some(_)) => Some(Class::DateSet),
        (Some(_), None) => Some(Class::DateCleared),
        _ => None,
    }
}

/// How many deals, and how much, each class holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassTotal {
    pub class: Class,
    pub deals: usize,
    pub amount: Money,
}

/// The deals and amount of each class that has any, in [`Class::all`]'s
/// order; a deal counts once in each of its classes.
pub fn totals(changed: &[DealChanges]) -> Vec<ClassTotal> {
    Class::all()
        .into_iter()
        .filter_map(|class| {
            let deals: Vec<&DealChanges> = changed
                .iter()
                .filter(|d| d.changes.iter().any(|c| c.classes.contains(&class)))
                .collect();
            (!deals.is_empty()).then(|| ClassTotal {
                class,
                deals: deals.len(),
                amount: Money::from_cents(
                    deals
                        .iter()
                        .filter_map(|d| d.amount)
                        .map(Money::cents)
                        .sum(),
                ),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests;
