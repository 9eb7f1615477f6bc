//! How a deal stands and ends, as plain data the deal keeps and every rule
//! reads: the scorecard's verdict, the forecast category, the outcome once
//! closed, the verdict the scorecard predicted, and a snooze of the
//! stalled flag.
//! The rules that decide them are in `criteria` and `pipeline`.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// The scorecard's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Qualified,
    NeedsWork,
    Disqualify,
}

impl Verdict {
    pub const ALL: [Verdict; 3] = [Verdict::Qualified, Verdict::NeedsWork, Verdict::Disqualify];

    /// The name scripts use (`needs_work`).
    pub fn key(self) -> &'static str {
        match self {
            Verdict::Qualified => "qualified",
            Verdict::NeedsWork => "needs_work",
            Verdict::Disqualify => "disqualify",
        }
    }

    pub fn parse(key: &str) -> Option<Verdict> {
        let key = key.trim().to_lowercase().replace([' ', '-'], "_");
        Verdict::ALL.into_iter().find(|v| v.key() == key)
    }

    pub fn label(self) -> &'static str {
        match self {
            Verdict::Qualified => "qualified",
            Verdict::NeedsWork => "needs work",
            Verdict::Disqualify => "disqualify",
        }
    }
}

/// The forecast categories, in the order a forecast call reads them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ForecastCategory {
    Pipeline,
    BestCase,
    Commit,
    Closed,
    Omitted,
}

impl ForecastCategory {
    pub const ALL: [ForecastCategory; 5] = [
        ForecastCategory::Pipeline,
        ForecastCategory::BestCase,
        ForecastCategory::Commit,
        ForecastCategory::Closed,
        ForecastCategory::Omitted,
    ];

    pub fn label(self) -> &'static str {
        match self {
            ForecastCategory::Pipeline => "Pipeline",
            ForecastCategory::BestCase => "Best Case",
            ForecastCategory::Commit => "Commit",
            ForecastCategory::Closed => "Closed",
            ForecastCategory::Omitted => "Omitted",
        }
    }

    /// The name scripts use (`best_case`).
    pub fn key(self) -> &'static str {
        match self {
            ForecastCategory::Pipeline => "pipeline",
            ForecastCategory::BestCase => "best_case",
            ForecastCategory::Commit => "commit",
            ForecastCategory::Closed => "closed",
            ForecastCategory::Omitted => "omitted",
        }
    }

    pub fn parse(key: &str) -> Option<ForecastCategory> {
        let key = key.trim().to_lowercase().replace([' ', '-'], "_");
        ForecastCategory::ALL.into_iter().find(|c| c.key() == key)
    }
}

/// How a closed deal ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeKind {
    Won,
    Lost,
    Disqualified,
}

impl OutcomeKind {
    pub const ALL: [OutcomeKind; 3] = [
        OutcomeKind::Won,
        OutcomeKind::Lost,
        OutcomeKind::Disqualified,
    ];

    pub fn key(self) -> &'static str {
        match self {
            OutcomeKind::Won => "won",
            OutcomeKind::Lost => "lost",
            OutcomeKind::Disqualified => "disqualified",
        }
    }

    pub fn parse(key: &str) -> Option<OutcomeKind> {
        let key = key.trim().to_lowercase();
        OutcomeKind::ALL.into_iter().find(|o| o.key() == key)
    }

    /// The stage a deal closed this way is in: Closed Won, Closed Lost, or
    /// Disqualified.
    pub fn stage(self) -> &'static str {
        match self {
            OutcomeKind::Won => "Closed Won",
            OutcomeKind::Lost => "Closed Lost",
            OutcomeKind::Disqualified => "Disqualified",
        }
    }
}

/// The deal's outcome, once closed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Outcome {
    pub kind: OutcomeKind,
    /// The day it closed.
    pub on: NaiveDate,
    #[serde(default)]
    pub reason: String,
    /// The competitor it was lost to, if any.
    #[serde(default)]
    pub lost_to: String,
}

/// The verdict the scorecard had when its step was first completed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Prediction {
    pub verdict: Verdict,
    pub at: DateTime<Utc>,
}

/// The stalled flag silenced until a day. A later change to the deal ends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Snooze {
    pub until: NaiveDate,
    pub reason: String,
    pub by: String,
    pub at: DateTime<Utc>,
    /// The deal's last change before the snooze: the snooze itself is not
    /// activity, so the quiet days still count from here.
    pub last_change: DateTime<Utc>,
}
