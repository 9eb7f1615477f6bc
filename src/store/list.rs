//! Which deals the list shows, and in what order: the sorts (any of the
//! pipeline's columns), the review queues and the filters, as every engine
//! is asked them; and the totals per forecast category.

use crate::domain::choices::WarningKind;
use crate::domain::criteria::Verdict;
use crate::domain::money::Money;
use crate::domain::pipeline::{ForecastCategory, OutcomeKind};
use chrono::{DateTime, Utc};

/// How the deal list is ordered: any of the pipeline's columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ListSort {
    #[default]
    CloseDate,
    Amount,
    Name,
    Account,
    Owner,
    Forecast,
    Meddpicc,
    Steps,
    Qa,
    Escalations,
    Risk,
    NextStep,
    Stalled,
}

impl ListSort {
    pub const ALL: [ListSort; 13] = [
        ListSort::CloseDate,
        ListSort::Amount,
        ListSort::Name,
        ListSort::Account,
        ListSort::Owner,
        ListSort::Forecast,
        ListSort::Meddpicc,
        ListSort::Steps,
        ListSort::Qa,
        ListSort::Escalations,
        ListSort::Risk,
        ListSort::NextStep,
        ListSort::Stalled,
    ];

    pub fn next(self) -> ListSort {
        let i = ListSort::ALL.iter().position(|s| *s == self).unwrap_or(0);
        ListSort::ALL[(i + 1) % ListSort::ALL.len()]
    }

    pub fn label(self) -> &'static str {
        match self {
            ListSort::CloseDate => "close date",
            ListSort::Amount => "amount",
            ListSort::Name => "name",
            ListSort::Account => "account",
            ListSort::Owner => "owner",
            ListSort::Forecast => "forecast category",
            ListSort::Meddpicc => "MEDDPICC total",
            ListSort::Steps => "steps done",
            ListSort::Qa => "QA passed",
            ListSort::Escalations => "open escalations",
            ListSort::Risk => "risk band",
            ListSort::NextStep => "next step due",
            ListSort::Stalled => "stalled first",
        }
    }

    /// The name scripts use (`--sort close_date`).
    pub fn key(self) -> &'static str {
        match self {
            ListSort::CloseDate => "close_date",
            ListSort::Amount => "amount",
            ListSort::Name => "name",
            ListSort::Account => "account",
            ListSort::Owner => "owner",
            ListSort::Forecast => "forecast_category",
            ListSort::Meddpicc => "meddpicc_total",
            ListSort::Steps => "steps",
            ListSort::Qa => "qa",
            ListSort::Escalations => "escalations",
            ListSort::Risk => "risk_band",
            ListSort::NextStep => "next_step_due",
            ListSort::Stalled => "stalled",
        }
    }

    pub fn parse(key: &str) -> Option<ListSort> {
        let key = key.trim().to_lowercase().replace([' ', '-'], "_");
        ListSort::ALL.into_iter().find(|s| s.key() == key)
    }
}

/// The review queues: deals waiting on someone's sign-off.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Queue {
    #[default]
    All,
    /// Step 4 has a validation plan the SA has not approved.
    SaSignOff,
    /// Over the threshold and without a current approving manager review.
    ManagerReview,
}

impl Queue {
    pub fn label(self) -> &'static str {
        match self {
            Queue::All => "all deals",
            Queue::SaSignOff => "waiting on SA sign-off",
            Queue::ManagerReview => "waiting on manager review",
        }
    }

    pub fn next(self) -> Queue {
        match self {
            Queue::All => Queue::SaSignOff,
            Queue::SaSignOff => Queue::ManagerReview,
            Queue::ManagerReview => Queue::All,
        }
    }

    /// "mine" in this queue, in words: the deals whose sign-off is yours.
    pub fn mine_label(self) -> &'static str {
        match self {
            Queue::All => "mine",
            Queue::SaSignOff => "mine as SA",
            Queue::ManagerReview => "mine as manager",
        }
    }
}

/// Which deals the list shows, and in what order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListQuery {
    /// Matched, case-insensitively, anywhere in the name, account or owner.
    pub filter: String,
    pub sort: ListSort,
    pub queue: Queue,
    /// Only this owner's deals (names compared without case).
    pub owner: Option<String>,
    pub sa: Option<String>,
    pub category: Option<ForecastCategory>,
    pub verdict: Option<Verdict>,
    /// Only deals stalled at `now` (and not snoozed).
    pub stalled: bool,
    /// Only deals with an escalation past due at `now`.
    pub overdue: bool,
    /// Only deals warned of this kind at `now` (and not snoozed).
    pub warning: Option<WarningKind>,
    /// Only open deals (not won, lost or disqualified).
    pub open_only: bool,
    /// Only this person's deals: in a review queue, those they sign (the
    /// plan's SA, the deal's manager); else those they own, are the SA of
    /// or manage (names compared without case).
    pub mine: Option<String>,
    /// The sort's order reversed.
    pub reverse: bool,
    /// The clock's now: stalled and overdue are judged against it.
    pub now: DateTime<Utc>,
}

impl ListQuery {
    /// The typed filter as a LIKE pattern (`%`, `_` and `\` taken as
    /// themselves, escaped with `\`), matched anywhere.
    pub(crate) fn like_pattern(&self) -> String {
        let escaped: String = self
            .filter
            .trim()
            .chars()
            .flat_map(|c| match c {
                '%' | '_' | '\\' => vec!['\\', c],
                c => vec![c],
            })
            .collect();
        format!("%{escaped}%")
    }

    /// Whether the typed filter is the only condition, but for whether the
    /// closed deals show.
    pub(crate) fn filter_alone(&self) -> bool {
        !self.filter.trim().is_empty()
            && self.owner.is_none()
            && self.sa.is_none()
            && self.category.is_none()
            && self.verdict.is_none()
            && self.queue == Queue::All
            && !self.stalled
            && !self.overdue
            && self.warning.is_none()
            && self.mine.is_none()
    }
}

/// The amount and count of deals in one forecast category.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryTotal {
    pub category: ForecastCategory,
    pub deals: u64,
    pub amount: Money,
}

/// The amount and count of the open deals warned of one kind at the
/// query's now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WarningTotal {
    pub kind: WarningKind,
    pub deals: u64,
    pub amount: Money,
}

impl WarningTotal {
    /// Each kind's count and amount (every kind, in the kinds' order), from
    /// an engine's (key, deals, cents) rows.
    pub(crate) fn of_rows(rows: &[(String, i64, i64)]) -> Vec<WarningTotal> {
        use crate::domain::choices::Choice;
        WarningKind::ALL
            .iter()
            .map(|kind| {
                let (deals, cents) = rows
                    .iter()
                    .find(|(key, ..)| key == kind.key())
                    .map_or((0, 0), |(_, n, cents)| (*n, *cents));
                WarningTotal {
                    kind: *kind,
                    deals: deals as u64,
                    amount: Money::from_cents(cents),
                }
            })
            .collect()
    }
}

/// The amount and count of the closed deals of one outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutcomeTotal {
    pub outcome: OutcomeKind,
    pub deals: u64,
    pub amount: Money,
}

/// Each key's (deals, cents) among `rows` (a key, a count and an amount
/// each, as a grouped read gives them), none where a key has no row.
fn found(rows: &[(String, i64, i64)], key: &str) -> (u64, Money) {
    rows.iter()
        .find(|(k, ..)| k == key)
        .map_or((0, Money::from_cents(0)), |(_, n, cents)| {
            (*n as u64, Money::from_cents(*cents))
        })
}

impl CategoryTotal {
    /// Every forecast category's total from a read grouped by category.
    pub fn from_rows(rows: &[(String, i64, i64)]) -> Vec<CategoryTotal> {
        ForecastCategory::ALL
            .iter()
            .map(|category| {
                let (deals, amount) = found(rows, category.key());
                CategoryTotal {
                    category: *category,
                    deals,
                    amount,
                }
            })
            .collect()
    }
}

impl OutcomeTotal {
    /// Every outcome's total from a read grouped by outcome.
    pub fn from_rows(rows: &[(String, i64, i64)]) -> Vec<OutcomeTotal> {
        OutcomeKind::ALL
            .iter()
            .map(|outcome| {
                let (deals, amount) = found(rows, outcome.key());
                OutcomeTotal {
                    outcome: *outcome,
                    deals,
                    amount,
                }
            })
            .collect()
    }
}
