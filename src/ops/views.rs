//! The composed reads both faces show, each written once: a deal at the
//! clock's now (its QA checklist and open escalations), the metrics' range
//! unless told otherwise, and the reads of
//! deals, lists, histories and battle cards the faces make through the
//! session rather than the store.

use super::{Result, Session};
use crate::domain::audit::AuditEntry;
use crate::domain::deal::{Deal, DealId, DealSummary};
use crate::domain::escalation::{self, Escalation};
use crate::domain::metrics::Range;
use crate::domain::qa::{self, QaItem};
use crate::domain::warnings::{self, Warning};
use crate::store::{BattleCard, CategoryTotal, ListQuery, OutcomeTotal, StoreError, WarningTotal};
use chrono::{DateTime, NaiveDate, Utc};

/// A deal as it stands at one instant: how it does against the QA
/// checklist and which escalations are open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DealAtNow {
    /// The instant it was judged at: the clock's now.
    pub now: DateTime<Utc>,
    /// The QA checklist, in the playbook's order.
    pub qa: Vec<QaItem>,
    /// The escalations open (or acknowledged) at `now`.
    pub escalations: Vec<Escalation>,
    /// The deal's warnings at `now`, not snoozed.
    pub warnings: Vec<Warning>,
}

impl DealAtNow {
    /// How many QA items pass (an item that does not apply counts as passed).
    pub fn qa_passed(&self) -> usize {
        self.qa.iter().filter(|i| i.state.passed()).count()
    }

    /// How many open escalations are past their window.
    pub fn overdue(&self) -> usize {
        self.escalations.iter().filter(|e| e.overdue).count()
    }

    /// Every QA item passes and no escalation is overdue: what `check` asks.
    pub fn healthy(&self) -> bool {
        self.qa.iter().all(|i| i.state.passed()) && !self.escalations.iter().any(|e| e.overdue)
    }
}

/// `deal` at the clock's now, by the session's playbook.
pub fn deal_at_now(s: &Session, deal: &Deal) -> DealAtNow {
    deal_judged_at(s, deal, s.clock.now())
}

/// `deal` judged at `now` by the session's playbook (a deal as it stood
/// is judged at the instant it is shown at).
pub fn deal_judged_at(s: &Session, deal: &Deal, now: DateTime<Utc>) -> DealAtNow {
    DealAtNow {
        now,
        qa: qa::checklist(deal, &s.playbook, now),
        escalations: escalation::open(deal, &s.playbook, now),
        warnings: warnings::warnings(deal, &s.playbook, now),
    }
}

/// Every open deal at the clock's now, in id order, read one at a time:
/// nothing but the deal at hand is held.
pub fn each_open_deal_at_now<E: From<StoreError>>(
    s: &Session,
    mut each: impl FnMut(&Deal, DealAtNow) -> std::result::Result<(), E>,
) -> std::result::Result<(), E> {
    s.store
        .each_open_deal(|deal| each(deal, deal_at_now(s, deal)))
}

/// How many days the metrics cover unless told otherwise.
pub const METRICS_DAYS: i64 = 90;

/// The days the metrics cover: up to `to` (default: today) from `from`
/// (default: [`METRICS_DAYS`] days up to `to`). Not checked: `from` may
/// come after `to`.
pub fn metrics_range(s: &Session, from: Option<NaiveDate>, to: Option<NaiveDate>) -> Range {
    let to = to.unwrap_or_else(|| s.clock.today());
    Range {
        from: from.unwrap_or_else(|| Range::last(METRICS_DAYS, to).from),
        to,
    }
}

/// One deal, whole.
pub fn deal(s: &Session, id: DealId) -> Result<Deal> {
    s.store.deal(id)
}

/// The pipeline list's rows for `query`, handed over one at a time as they
/// are read: nothing of the list is held.
pub fn each_list_row<E: From<StoreError>>(
    s: &Session,
    query: &ListQuery,
    each: impl FnMut(DealSummary) -> std::result::Result<(), E>,
) -> std::result::Result<(), E> {
    s.store.each_row(query, each)
}

/// Every row of the pipeline list for `query`, in its order.
pub fn list_rows(s: &Session, query: &ListQuery) -> Result<Vec<DealSummary>> {
    s.store.deal_page(query, 0, usize::MAX >> 1)
}

/// One page of the pipeline list for `query`: at most `limit` rows from
/// `offset` on, `total` being how many match (a page past the middle is
/// read from the end).
pub fn list_page(
    s: &Session,
    query: &ListQuery,
    offset: usize,
    limit: usize,
    total: usize,
) -> Result<Vec<DealSummary>> {
    s.store.deal_page_of(query, offset, limit, total)
}

/// What the list reads again on a key, before its page.
#[derive(Debug, Clone, PartialEq)]
pub struct ListHead {
    /// How many deals match.
    pub total: usize,
    /// Whether the list would show any deal without its filters (what the
    /// empty list's words depend on).
    pub any: bool,
    /// The deals and amount per forecast category: read only while no
    /// filter is typed (the foot shows them then).
    pub totals: Vec<CategoryTotal>,
}

/// The list's head for `query`: what a key in the list reads before the page.
pub fn list_head(s: &Session, query: &ListQuery) -> Result<ListHead> {
    let (total, totals) = if query.filter.is_empty() {
        s.store.count_and_totals(query)?
    } else {
        (list_count(s, query)?, Vec::new())
    };
    let any = total > 0 || list_count(s, &s.list_query())? > 0;
    Ok(ListHead { total, any, totals })
}

/// How many deals match `query`.
pub fn list_count(s: &Session, query: &ListQuery) -> Result<usize> {
    s.store.count_deals(query)
}

/// The owners (or, with `sa`, the solution architects) named on any deal,
/// in order: what the list's owner and SA filters cycle through.
pub fn people(s: &Session, sa: bool) -> Result<Vec<String>> {
    s.store.people(sa)
}

/// The query behind the dashboard's forecast: the open deals of the team
/// (every deal the reader may see) or of one owner, at the clock's now.
pub fn forecast_query(s: &Session, owner: Option<&str>) -> ListQuery {
    ListQuery {
        owner: owner.map(str::to_string),
        open_only: true,
        ..s.list_query()
    }
}

/// The deals and amount per forecast category of the list for `query`.
pub fn list_totals(s: &Session, query: &ListQuery) -> Result<Vec<CategoryTotal>> {
    s.store.category_totals(query)
}

/// The closed deals and their amount per outcome (won, lost, disqualified)
/// among those `query` matches, open only or not.
pub fn outcome_totals(s: &Session, query: &ListQuery) -> Result<Vec<OutcomeTotal>> {
    s.store.outcome_totals(query)
}

/// The open deals and their amount per warning kind among those `query`
/// matches, at its now.
pub fn warning_totals(s: &Session, query: &ListQuery) -> Result<Vec<WarningTotal>> {
    s.store.warning_totals(query)
}

/// Every change to a deal, oldest first (a deal that does not exist is
/// refused).
pub fn history(s: &Session, id: DealId) -> Result<Vec<AuditEntry>> {
    s.store.history(id)
}

/// The battle card kept for a competitor, if any.
pub fn battle_card(s: &Session, competitor: &str) -> Result<Option<BattleCard>> {
    s.store.battle_card(competitor)
}
