//! The team's views over all its deals (or one owner's): the five metrics
//! with their weekly trend, what needs someone today (stalled deals and
//! overdue escalations), and the demo database that fills an empty file
//! with a team's worth of deals.

use super::{Result, Session};
use crate::domain::deal::{DealSummary, FieldError};
use crate::domain::demo;
use crate::domain::escalation;
use crate::domain::metrics::{Metrics, Range, Tally};
use crate::domain::pipeline::{self, ForecastCategory};
use crate::store::{ListQuery, StoreError};

/// The five metrics for the team (or one owner) over `range`, and the same
/// for each week of it (the dashboard's trend), in one pass over the deals.
pub fn metrics(s: &Session, owner: Option<&str>, range: Range) -> Result<(Metrics, Vec<Metrics>)> {
    let mut total = Tally::new(range);
    let weeks = range.weeks();
    let mut weekly: Vec<Tally> = weeks.iter().map(|w| Tally::new(*w)).collect();
    s.store.each_whole_deal(owner, |deal, stages| {
        total.add(deal, stages, &s.playbook);
        for week in &mut weekly {
            week.add(deal, stages, &s.playbook);
        }
        Ok::<_, StoreError>(())
    })?;
    Ok((
        total.finish(&s.playbook),
        weekly.into_iter().map(|w| w.finish(&s.playbook)).collect(),
    ))
}

/// A stalled deal and why it counts as stalled.
#[derive(Debug, Clone)]
pub struct StalledDeal {
    pub deal: DealSummary,
    pub why: String,
    /// The same in a few words: "21 days quiet", "step 3 past SLA".
    pub short: String,
}

/// An escalation past its window, and the deal it concerns.
#[derive(Debug, Clone)]
pub struct OverdueEscalation {
    pub deal: DealSummary,
    pub escalation: escalation::Escalation,
}

/// What needs someone today: the first stalled deals (largest first) and
/// the overdue escalations (the longest overdue first), each list a page of
/// at most `rows`, with how many stalled deals and overdue escalations
/// there are in all.
#[derive(Debug, Clone, Default)]
pub struct Attention {
    pub stalled: Vec<StalledDeal>,
    pub stalled_deals: usize,
    pub overdue: Vec<OverdueEscalation>,
    pub overdue_escalations: usize,
}

/// The stalled deals and the overdue escalations of the team (or one
/// owner), read through the list's query: a page of deals, not every deal.
pub fn attention(s: &Session, owner: Option<&str>, rows: usize) -> Result<Attention> {
    let now = s.clock.now();
    let base = ListQuery {
        owner: owner.map(str::to_string),
        sort: crate::store::ListSort::Amount,
        ..s.list_query()
    };
    let stalled_query = ListQuery {
        stalled: true,
        ..base.clone()
    };
    let overdue_query = ListQuery {
        overdue: true,
        ..base
    };
    let mut out = Attention {
        stalled_deals: s.store.count_deals(&stalled_query)?,
        overdue_escalations: s.store.count_overdue_escalations(&overdue_query)?,
        ..Attention::default()
    };
    for deal in s.store.deal_page(&stalled_query, 0, rows)? {
        let whole = s.store.deal(deal.id)?;
        let stall = pipeline::stall(&whole, &s.playbook, now);
        let why = stall.map(pipeline::Stall::why).unwrap_or_default();
        let short = stall.map(pipeline::Stall::short).unwrap_or_default();
        out.stalled.push(StalledDeal { deal, why, short });
    }
    // the deals in the order of their longest overdue escalation: the
    // first `rows` of them hold the `rows` longest overdue escalations
    for deal in s.store.most_overdue(&overdue_query, rows)? {
        let whole = s.store.deal(deal.id)?;
        let late = escalation::open(&whole, &s.playbook, now)
            .into_iter()
            .filter(|e| e.overdue);
        for escalation in late {
            out.overdue.push(OverdueEscalation {
                deal: deal.clone(),
                escalation,
            });
        }
    }
    out.overdue
        .sort_by_key(|o| (o.escalation.due_at, o.deal.id, o.escalation.id.to_string()));
    out.overdue.truncate(rows);
    Ok(out)
}

/// What `demo` made: how many deals, and how many in each forecast category.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoSummary {
    pub deals: usize,
    pub by_category: Vec<(ForecastCategory, u64)>,
}

/// Deals per transaction when filling a demo database: large enough to be
/// fast, while each is made as it is written, so memory stays flat.
pub const DEMO_BATCH: usize = 5_000;

/// Fill an empty database with `n` demo deals made from `seed` as of the
/// clock's now (see [`crate::domain::demo`]), in transactions of
/// [`DEMO_BATCH`] deals; `progress` hears how many are written after each.
/// A database that already holds deals is refused untouched.
pub fn demo(
    s: &mut Session,
    n: usize,
    seed: u64,
    mut progress: impl FnMut(usize),
) -> Result<DemoSummary> {
    if s.store.has_deals()? {
        return Err(StoreError::Invalid(vec![FieldError {
            field: crate::text::clean(&s.db.display().to_string()),
            message: "already holds deals, and demo only fills an empty database; \
                      give a new file with --db (e.g. qualify --db demo.db demo)"
                .into(),
        }]));
    }
    let now = s.clock.now();
    let playbook = s.playbook.clone();
    let mut deals = demo::deals(seed, n, &playbook, now).map(|d| (d.deal, d.history));
    let mut written = 0;
    while written < n {
        let batch = s
            .store
            .insert_deals_with_history(&mut deals.by_ref().take(DEMO_BATCH), now)?;
        if batch == 0 {
            break;
        }
        written += batch;
        progress(written);
    }
    let totals = s.store.category_totals(&s.list_query())?;
    Ok(DemoSummary {
        deals: written,
        by_category: ForecastCategory::ALL
            .iter()
            .map(|c| {
                let count = totals
                    .iter()
                    .find(|t| t.category == *c)
                    .map_or(0, |t| t.deals);
                (*c, count)
            })
            .collect(),
    })
}
