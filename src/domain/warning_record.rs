//! What a deal keeps for its warnings: the facts of its history the
//! warnings need (its highest amount, the days its close date was pushed),
//! kept as each change is made so that the list never reads the history,
//! and the warnings silenced until a day.

use super::choices::WarningKind;
use super::money::Money;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// The facts of the deal's history its warnings rest on, noted as each
/// change to the amount or the close date is made.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Trail {
    /// The highest amount the deal has had since it was first noted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub highest_amount: Option<Money>,
    /// The days the close date moved later (a day once, however many
    /// changes were made on it), oldest first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub close_pushed_on: Vec<NaiveDate>,
}

impl Trail {
    pub fn is_empty(&self) -> bool {
        *self == Trail::default()
    }

    /// Note a change made on `today` from (`amount`, `close`) before it to
    /// (`new_amount`, `new_close`): the highest amount, and the day when
    /// the close date moved later.
    pub fn note(
        &mut self,
        (amount, close): (Option<Money>, Option<NaiveDate>),
        (new_amount, new_close): (Option<Money>, Option<NaiveDate>),
        today: NaiveDate,
    ) {
        let highest = [self.highest_amount, amount, new_amount]
            .into_iter()
            .flatten()
            .max();
        if new_amount != amount || self.highest_amount.is_some() {
            self.highest_amount = highest;
        }
        if let (Some(before), Some(after)) = (close, new_close)
            && after > before
            && self.close_pushed_on.last() != Some(&today)
        {
            self.close_pushed_on.push(today);
        }
    }
}

/// One warning silenced until a day (the day it shows again).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WarningSnooze {
    pub kind: WarningKind,
    pub until: NaiveDate,
    pub reason: String,
    pub by: String,
    pub at: DateTime<Utc>,
    /// The deal's last change before the snooze: a snooze is not activity.
    pub last_change: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn the_trail_keeps_the_highest_amount_and_one_push_a_day() {
        let m = |d| Some(Money::from_dollars(d));
        let mut t = Trail::default();
        let close = Some(day("2026-12-31"));
        t.note((m(100), close), (m(100), close), day("2026-11-01"));
        assert!(t.is_empty(), "nothing moved, nothing noted");
        t.note((m(100), close), (m(80), close), day("2026-11-01"));
        assert_eq!(t.highest_amount, m(100));
        t.note((m(80), close), (m(120), close), day("2026-11-02"));
        t.note((m(120), close), (m(90), close), day("2026-11-03"));
        assert_eq!(t.highest_amount, m(120));
        let later = Some(day("2027-01-31"));
        let latest = Some(day("2027-02-28"));
        t.note((m(90), close), (m(90), later), day("2026-11-04"));
        t.note((m(90), later), (m(90), latest), day("2026-11-04"));
        assert_eq!(t.close_pushed_on, [day("2026-11-04")], "one day, once");
        t.note((m(90), latest), (m(90), close), day("2026-11-05"));
        assert_eq!(t.close_pushed_on.len(), 1, "pulled in is no push");
        t.note((m(90), close), (m(90), later), day("2026-11-06"));
        assert_eq!(t.close_pushed_on, [day("2026-11-04"), day("2026-11-06")]);
    }
}
