//! The past, read from the history: a deal as it stood at the end of a
//! day, its MEDDPICC scores over time, and what changed across the pipeline
//! since a day. Reads only.

use super::views::{self, DealAtNow};
use super::{Result, Session, StoreError};
use crate::domain::audit::AuditEntry;
use crate::domain::changes::{self, ClassTotal, DealChanges};
use crate::domain::choices::Element;
use crate::domain::criteria::score_total;
use crate::domain::deal::{Deal, DealId};
use crate::domain::past;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use std::ops::Range;

/// The last instant of `day` in the user's zone, or now when the day is
/// not over.
pub fn end_of(s: &Session, day: NaiveDate) -> DateTime<Utc> {
    let next = day.succ_opt().unwrap_or(day);
    (s.clock.start_of(next) - Duration::nanoseconds(1)).min(s.clock.now())
}

/// Deal `id` as it stood at the end of `day` (a day after today is the
/// caller's to refuse), judged at that instant.
pub fn deal_on(s: &Session, id: DealId, day: NaiveDate) -> Result<(Deal, DealAtNow)> {
    let deal = s.store.deal(id)?;
    let history = s.store.history(id)?;
    let at = end_of(s, day);
    let past = past::deal_at(&deal, &history, at, &s.playbook).map_err(|e| {
        StoreError::Refused(format!(
            "deal {id} cannot be shown as it stood on {day}: {e}"
        ))
    })?;
    let view = views::deal_judged_at(s, &past, at);
    Ok((past, view))
}

/// One point of a deal's MEDDPICC scores over time: from `at` on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrendPoint {
    pub at: DateTime<Utc>,
    pub total: u32,
    pub max: u32,
    /// Each of the framework's elements with its score (none: unscored).
    pub scores: Vec<(Element, Option<u8>)>,
}

/// Deal `id`'s MEDDPICC total and elements over time, oldest first.
pub fn trend(s: &Session, id: DealId) -> Result<Vec<TrendPoint>> {
    let deal = s.store.deal(id)?;
    let history = s.store.history(id)?;
    trend_of(&deal, &history).map_err(|e| StoreError::Refused(format!("deal {id}: {e}")))
}

/// [`trend`] of a deal at hand.
pub fn trend_of(deal: &Deal, history: &[AuditEntry]) -> Result<Vec<TrendPoint>, past::PastError> {
    Ok(past::score_trend(deal, history)?
        .into_iter()
        .map(|p| {
            let (total, max) = score_total(&p.card);
            let scores = p
                .card
                .framework
                .elements()
                .into_iter()
                .map(|e| (e, p.card.elements.get(&e).map(|s| s.score)))
                .collect();
            TrendPoint {
                at: p.at,
                total,
                max,
                scores,
            }
        })
        .collect())
}

/// What changed across the pipeline since a day.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    /// The deals that changed, in id order.
    pub deals: Vec<DealChanges>,
    /// The deals and amount of each class.
    pub totals: Vec<ClassTotal>,
    /// Deals whose history does not rebuild their past, with why.
    pub unreadable: Vec<(DealId, String)>,
}

/// At most this many changed deals are read one by one; more, and every
/// deal is walked once instead.
const READ_ONE_BY_ONE: usize = 256;

/// Every deal (or one owner's) whose verdict, MEDDPICC total, forecast
/// category, amount, close date or outcome changed since the start of
/// `since`: the history since then read once, then the deals it names.
pub fn changes(s: &Session, since: NaiveDate, owner: Option<&str>) -> Result<Changes> {
    let from = s.clock.start_of(since);
    let now = s.clock.now();
    // the rows side by side, each deal's a run of them (the store hands
    // them over in deal id order): one list to grow, not one a deal
    let mut entries: Vec<AuditEntry> = Vec::new();
    let mut runs: Vec<(DealId, Range<usize>)> = Vec::new();
    s.store.walk_history_since(from, owner, &mut |id, entry| {
        match runs.last_mut() {
            Some((last, run)) if *last == id => run.end += 1,
            _ => runs.push((id, entries.len()..entries.len() + 1)),
        }
        entries.push(entry);
        Ok(())
    })?;
    let rows_of = |id: DealId| {
        runs.binary_search_by_key(&id, |(id, _)| *id)
            .ok()
            .map(|i| &entries[runs[i].1.clone()])
    };
    let mut out = Changes::default();
    let mut judge = |deal: &Deal, history: &[AuditEntry]| match changes::deal_changes(
        deal,
        history,
        from,
        &s.playbook,
        now,
    ) {
        Ok(Some(changed)) => out.deals.push(changed),
        Ok(None) => {}
        Err(e) => out.unreadable.push((deal.id, e.to_string())),
    };
    if runs.len() <= READ_ONE_BY_ONE {
        for (id, run) in &runs {
            judge(&s.store.deal(*id)?, &entries[run.clone()]);
        }
    } else {
        // the stage changes are not needed: no history is read twice; and
        // a deal with no rows is passed over unparsed
        s.store.each_deal_whole(
            owner,
            |id| rows_of(id).is_some(),
            |deal| {
                if let Some(history) = rows_of(deal.id) {
                    judge(deal, history);
                }
                Ok::<(), StoreError>(())
            },
        )?;
    }
    out.totals = changes::totals(&out.deals);
    Ok(out)
}
