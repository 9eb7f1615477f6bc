//! An escalation as a deal keeps it: who raised it, why and when, whom it
//! is routed to, and who acknowledged and resolved (or its raiser
//! withdrew) it. The matrix's rules over it are in `escalation`.

use super::playbook::EscalationRule;
use super::step_number::StepNumber;
use chrono::{DateTime, Utc};

/// Who did something, when, and what they said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    pub by: String,
    pub at: DateTime<Utc>,
    pub note: String,
}

/// An escalation as stored: raised by a person, or a blocked step's once a
/// person acted on it or the step was unblocked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EscalationRecord {
    /// 0 until the store gives it one.
    pub id: i64,
    pub rule: EscalationRule,
    pub step: Option<StepNumber>,
    pub reason: String,
    pub raised_at: DateTime<Utc>,
    /// Fixed when it is raised, so that a change of the clocks later (or a
    /// view from another time zone) does not move it.
    pub due_at: DateTime<Utc>,
    pub raised_by: String,
    /// The person it is routed to, named when it was raised; empty (an
    /// escalation kept before qualify named one, or a blocked step's): the
    /// deal's manager.
    pub to: String,
    pub acknowledged: Option<Stamp>,
    pub resolved: Option<Stamp>,
    /// Taken back by its raiser, with the reason.
    pub withdrawn: Option<Stamp>,
}
