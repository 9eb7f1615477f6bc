//! The playbook's thresholds for deal warnings (`[warnings]`): each has a
//! default, so that a playbook written before warnings loads as it is.

use serde::Deserialize;

/// When a deal is warned of; every number a playbook value.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WarningRules {
    /// The economic buyer is silent when last engaged more than this many
    /// days before today.
    pub economic_buyer_silent_days: u32,
    /// A stakeholder counts as engaged when last engaged within this many
    /// days of today.
    pub engaged_within_days: u32,
    /// Single-threaded: fewer engaged stakeholders than this.
    pub min_engaged_stakeholders: u32,
    /// No activity: no change in the deal's history for more than this many
    /// days.
    pub no_activity_days: u32,
    /// Close date pushed: moved later on this many days or more.
    pub close_date_pushes: u32,
    /// Amount cut: more than this percentage below the highest it has been.
    pub amount_cut_percent: u32,
}

impl Default for WarningRules {
    fn default() -> Self {
        WarningRules {
            economic_buyer_silent_days: 14,
            engaged_within_days: 30,
            min_engaged_stakeholders: 2,
            no_activity_days: 14,
            close_date_pushes: 2,
            amount_cut_percent: 20,
        }
    }
}

impl WarningRules {
    /// The first number out of range, as (key, the range accepted).
    pub fn out_of_range(&self) -> Option<(&'static str, &'static str)> {
        let days = [
            (
                "economic_buyer_silent_days",
                self.economic_buyer_silent_days,
            ),
            ("engaged_within_days", self.engaged_within_days),
            ("no_activity_days", self.no_activity_days),
        ];
        if let Some((key, _)) = days.iter().find(|(_, d)| *d > 3650) {
            return Some((key, "0 to 3650"));
        }
        if self.min_engaged_stakeholders > 100 {
            return Some(("min_engaged_stakeholders", "0 to 100"));
        }
        if !(1..=100).contains(&self.close_date_pushes) {
            return Some(("close_date_pushes", "1 to 100"));
        }
        if self.amount_cut_percent > 100 {
            return Some(("amount_cut_percent", "0 to 100"));
        }
        None
    }
}
