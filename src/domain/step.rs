//! A deal's step records and the rules that move them.

use super::playbook::{ACTION_COUNT, Playbook, STEP_COUNT};
pub use super::step_number::StepNumber;
use chrono::{DateTime, NaiveDate, Utc};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    NotStarted,
    InProgress,
    Blocked,
    Complete,
}

impl StepStatus {
    pub const ALL: [StepStatus; 4] = [
        StepStatus::NotStarted,
        StepStatus::InProgress,
        StepStatus::Blocked,
        StepStatus::Complete,
    ];

    /// The stored and JSON form: `not_started`, `in_progress`, `blocked`, `complete`.
    pub fn as_str(self) -> &'static str {
        match self {
            StepStatus::NotStarted => "not_started",
            StepStatus::InProgress => "in_progress",
            StepStatus::Blocked => "blocked",
            StepStatus::Complete => "complete",
        }
    }

    pub fn parse(text: &str) -> Option<StepStatus> {
        StepStatus::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// The one-character mark lists show beside a step.
    pub fn mark(self) -> &'static str {
        match self {
            StepStatus::NotStarted => "○",
            StepStatus::InProgress => "◐",
            StepStatus::Blocked => "⊘",
            StepStatus::Complete => "●",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            StepStatus::NotStarted => "not started",
            StepStatus::InProgress => "in progress",
            StepStatus::Blocked => "blocked",
            StepStatus::Complete => "complete",
        }
    }
}

/// The three notes every step keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NoteKind {
    Outcomes,
    Decisions,
    NextSteps,
}

impl NoteKind {
    pub const ALL: [NoteKind; 3] = [NoteKind::Outcomes, NoteKind::Decisions, NoteKind::NextSteps];

    pub fn label(self) -> &'static str {
        match self {
            NoteKind::Outcomes => "Outcomes",
            NoteKind::Decisions => "Decisions",
            NoteKind::NextSteps => "Next steps",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            NoteKind::Outcomes => "outcomes",
            NoteKind::Decisions => "decisions",
            NoteKind::NextSteps => "next_steps",
        }
    }

    /// This note's template in a step's guidance (empty when it gives none).
    pub fn template(self, templates: &super::guidance::Templates) -> &str {
        match self {
            NoteKind::Outcomes => &templates.outcomes,
            NoteKind::Decisions => &templates.decisions,
            NoteKind::NextSteps => &templates.next_steps,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Notes {
    pub outcomes: String,
    pub decisions: String,
    pub next_steps: String,
}

impl Notes {
    pub fn get(&self, kind: NoteKind) -> &str {
        match kind {
            NoteKind::Outcomes => &self.outcomes,
            NoteKind::Decisions => &self.decisions,
            NoteKind::NextSteps => &self.next_steps,
        }
    }

    fn get_mut(&mut self, kind: NoteKind) -> &mut String {
        match kind {
            NoteKind::Outcomes => &mut self.outcomes,
            NoteKind::Decisions => &mut self.decisions,
            NoteKind::NextSteps => &mut self.next_steps,
        }
    }

    /// Characters of real content across the three notes.
    pub fn content_chars(&self) -> usize {
        NoteKind::ALL
            .iter()
            .map(|k| self.get(*k).chars().filter(|c| !c.is_whitespace()).count())
            .sum()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub number: StepNumber,
    pub status: StepStatus,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    /// When the step was first completed: kept through a reopening, so that
    /// fixing a step later does not put the procedure out of sequence.
    pub first_completed_at: Option<DateTime<Utc>>,
    pub blocked_reason: Option<String>,
    pub blocked_since: Option<DateTime<Utc>>,
    pub actions: [bool; ACTION_COUNT],
    pub notes: Notes,
    /// The stakeholder who confirmed this step's outcome, and when.
    pub confirmed_with: String,
    pub confirmed_on: Option<NaiveDate>,
}

impl Step {
    pub fn new(number: StepNumber) -> Step {
        Step {
            number,
            status: StepStatus::NotStarted,
            started_at: None,
            completed_at: None,
            first_completed_at: None,
            blocked_reason: None,
            blocked_since: None,
            actions: [false; ACTION_COUNT],
            notes: Notes::default(),
            confirmed_with: String::new(),
            confirmed_on: None,
        }
    }

    /// The ten fresh steps of a new deal.
    pub fn fresh_set() -> Vec<Step> {
        StepNumber::all().map(Step::new).collect()
    }

    pub fn is_complete(&self) -> bool {
        self.status == StepStatus::Complete
    }
}

/// A change a person asks of one step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepChange {
    Start,
    Complete,
    Block {
        reason: String,
    },
    Unblock,
    Reopen,
    SetAction {
        index: usize,
        done: bool,
    },
    SetNote {
        kind: NoteKind,
        text: String,
    },
    /// Record who confirmed the step's outcome, and when.
    Confirm {
        with: String,
        on: Option<NaiveDate>,
    },
}

impl StepChange {
    /// Whether this change is a status transition (as opposed to content).
    pub fn is_transition(&self) -> bool {
        !matches!(
            self,
            StepChange::SetAction { .. } | StepChange::SetNote { .. }
        )
    }
}

/// Why a step change was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleError {
    NoSuchStep(StepNumber),
    /// The step cannot be completed while an earlier one is incomplete.
    OutOfSequence {
        step: StepNumber,
        earliest: StepNumber,
        earliest_title: String,
    },
    AlreadyComplete(StepNumber),
    IsBlocked {
        step: StepNumber,
        reason: String,
    },
    NotBlocked(StepNumber),
    NotComplete(StepNumber),
    EmptyReason,
    NoSuchAction(usize),
    /// The step's own completion criteria do not hold yet.
    CriteriaUnmet {
        step: StepNumber,
        missing: Vec<String>,
    },
    UnknownEscalation(String),
    EscalationResolved(String),
    AlreadyAcknowledged {
        id: String,
        by: String,
    },
    /// The scenario is raised by qualify itself, not by a person.
    RaisedByTool(String),
    /// A note, reason or comment is required here.
    Required(&'static str),
    /// A sign-off by someone who is not the assigned reviewer.
    NotReviewer {
        role: &'static str,
        signs: &'static str,
        assigned: String,
        you: String,
    },
    /// Nobody is assigned to sign.
    NoReviewer {
        role: &'static str,
        /// The step that keeps the opportunity record, which names them.
        record: StepNumber,
    },
    /// A step's confirmation without a name: the deal's stakeholders (with
    /// their titles), who may be named, and the step that maps them.
    NoConfirmer {
        stakeholders: Vec<String>,
        mapped_on: StepNumber,
    },
    /// A step's confirmation naming someone who is not one of the deal's
    /// stakeholders (only the scorecard's step takes anyone's name).
    NotAStakeholder {
        name: String,
        stakeholders: Vec<String>,
        mapped_on: StepNumber,
    },
    /// A text over its bound (see [`crate::text::MAX_SHORT`] and `MAX_LONG`).
    TooLong {
        what: &'static str,
        max: usize,
    },
    /// The deal's owner named as its SA or manager: nobody signs off their
    /// own deal.
    OwnerHoldsRole {
        owner: String,
        /// "SA", "manager", "validation plan's SA".
        role: &'static str,
    },
    /// A sign-off by the deal's owner, whatever the fields say.
    OwnerSignsOff {
        owner: String,
        role: &'static str,
        signs: &'static str,
        /// Who may sign it (empty: nobody assigned).
        assigned: String,
    },
    /// An escalation raised by someone who is not on the deal.
    NotOnDeal {
        you: String,
        deal: i64,
    },
    /// An escalation with nobody to route it to.
    NobodyToRouteTo {
        /// The step that keeps the opportunity record, which names the manager.
        record: StepNumber,
    },
    /// An escalation routed to who raises it or to the deal's owner.
    BadRoute {
        to: String,
        why: &'static str,
    },
    /// The raiser of an escalation acting on it.
    RaiserActs {
        id: String,
        act: &'static str,
        /// Who acts on it instead, in words.
        who: String,
    },
    /// Someone acting on an escalation that is not routed to them.
    NotRoutedTo {
        id: String,
        to: String,
        /// The deal's manager, who may act too (empty: none, or the one it
        /// is routed to).
        manager: String,
        you: String,
    },
    /// Someone else than its raiser withdrawing an escalation.
    NotRaiser {
        id: String,
        raiser: String,
        you: String,
    },
    /// The escalation qualify raises while a step stays blocked.
    RaisedByQualify {
        id: String,
        step: StepNumber,
    },
    EscalationWithdrawn(String),
    /// An import refused whole by a rule on one of its documents, in words
    /// that name the document (a sign-off not recorded, with `--strict`; an
    /// owner named as SA or manager).
    ImportRefused(String),
    /// A snooze lifted from a deal that has none in force.
    NotSnoozed,
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RuleError::NoSuchStep(n) => write!(
                f,
                "there is no step {n}: steps are numbered 1 to {STEP_COUNT}"
            ),
            RuleError::OutOfSequence {
                step,
                earliest,
                earliest_title,
            } => write!(
                f,
                "step {step} cannot be completed: step {earliest} ({earliest_title}) is not complete yet"
            ),
            RuleError::AlreadyComplete(n) => write!(
                f,
                "step {n} is already complete (reopen it to change its status)"
            ),
            RuleError::IsBlocked { step, reason } => {
                write!(f, "step {step} is blocked ({reason}): unblock it first")
            }
            RuleError::NotBlocked(n) => write!(f, "step {n} is not blocked"),
            RuleError::NotComplete(n) => {
                write!(f, "step {n} is not complete, so there is nothing to reopen")
            }
            RuleError::EmptyReason => write!(
                f,
                "a block needs a reason (what or who the step is waiting on)"
            ),
            RuleError::UnknownEscalation(id) => {
                write!(
                    f,
                    "no open escalation {id} on this deal (`qualify check ID` lists them)"
                )
            }
            RuleError::EscalationResolved(id) => write!(f, "escalation {id} is already resolved"),
            RuleError::AlreadyAcknowledged { id, by } => {
                write!(f, "escalation {id} was already acknowledged by {by}")
            }
            RuleError::RaisedByTool(scenario) => {
                write!(
                    f,
                    "\"{scenario}\" is raised by qualify itself from the step's state"
                )
            }
            RuleError::Required(what) => write!(f, "{what} is required"),
            RuleError::NotReviewer {
                role,
                signs,
                assigned,
                you,
            } => write!(
                f,
                "only the deal's {role}, {assigned}, may sign off {signs}; you are {you} (act as them with --user \"{assigned}\" or QUALIFY_USER)"
            ),
            RuleError::NoReviewer { role, record } => write!(
                f,
                "the deal has no {role} assigned: set it on step {record} (the CRM record) before signing off"
            ),
            RuleError::NoConfirmer {
                stakeholders,
                mapped_on,
            } if stakeholders.is_empty() => write!(
                f,
                "a confirmation names who confirmed; the deal has no stakeholders yet (map them on step {mapped_on})"
            ),
            RuleError::NoConfirmer { stakeholders, .. } => write!(
                f,
                "a confirmation names who confirmed: one of the deal's stakeholders ({})",
                stakeholders.join(", ")
            ),
            RuleError::NotAStakeholder {
                name,
                stakeholders,
                mapped_on,
            } if stakeholders.is_empty() => write!(
                f,
                "{:?} is not one of the deal's stakeholders, and it has none yet: map them on step {mapped_on} first",
                crate::text::clean(name)
            ),
            RuleError::NotAStakeholder {
                name,
                stakeholders,
                mapped_on,
            } => write!(
                f,
                "{:?} is not one of the deal's stakeholders ({}): name one of them, or map them on step {mapped_on} first",
                crate::text::clean(name),
                stakeholders.join(", ")
            ),
            RuleError::TooLong { what, max } => {
                write!(f, "{what} is too long: at most {max} characters")
            }
            RuleError::NotSnoozed => {
                write!(f, "the deal is not snoozed: there is no snooze to lift")
            }
            RuleError::CriteriaUnmet { step, missing } => {
                write!(
                    f,
                    "step {step} cannot be completed yet: {}",
                    missing.join("; ")
                )
            }
            RuleError::NoSuchAction(i) => write!(
                f,
                "there is no action {}: actions are numbered 1 to {ACTION_COUNT}",
                i + 1
            ),
            RuleError::OwnerHoldsRole { owner, role } => write!(
                f,
                "{owner} owns the deal and cannot also be its {role}: nobody signs off their own deal (name someone else as {role}, or another owner)"
            ),
            RuleError::OwnerSignsOff {
                owner,
                role,
                signs,
                assigned,
            } => {
                write!(
                    f,
                    "{owner} owns this deal, and nobody signs off their own deal: {signs} is signed off by the deal's {role}"
                )?;
                if assigned.is_empty() {
                    write!(f, " (none is assigned yet)")
                } else {
                    write!(f, ", {assigned}")
                }
            }
            RuleError::NotOnDeal { you, deal } => write!(
                f,
                "{you} is not on deal {deal}: its owner, SA or manager raises its escalations (act as one of them with --user NAME or QUALIFY_USER)"
            ),
            RuleError::NobodyToRouteTo { record } => write!(
                f,
                "the deal has no manager to route the escalation to: name who it goes to (--to NAME), or set the manager on step {record} (the CRM record)"
            ),
            RuleError::BadRoute { to, why } => write!(
                f,
                "an escalation is not routed to {to}, {why}: name someone else (--to NAME)"
            ),
            RuleError::RaiserActs { id, act, who } => write!(
                f,
                "you raised {id}, so you do not {act} it: {who} does; withdraw it instead if it is no longer needed (qualify escalation withdraw {id} --reason TEXT)"
            ),
            RuleError::NotRoutedTo {
                id,
                to,
                manager,
                you,
            } => {
                write!(f, "{id} is routed to {to}: only they")?;
                if !manager.is_empty() {
                    write!(f, " or the deal's manager, {manager},")?;
                }
                write!(
                    f,
                    " act on it; you are {you} (act as them with --user NAME or QUALIFY_USER)"
                )
            }
            RuleError::NotRaiser { id, raiser, you } => write!(
                f,
                "only {raiser}, who raised {id}, withdraws it; you are {you}"
            ),
            RuleError::RaisedByQualify { id, step } => write!(
                f,
                "{id} is raised by qualify while step {step} stays blocked: unblocking the step ends it"
            ),
            RuleError::EscalationWithdrawn(id) => {
                write!(f, "escalation {id} was withdrawn: nothing more to do on it")
            }
            RuleError::ImportRefused(line) => write!(f, "{line}"),
        }
    }
}

impl std::error::Error for RuleError {}

/// What a successful change has to say: warnings that do not block.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangeOutcome {
    pub warnings: Vec<String>,
}

/// The earliest step before `number` that is not complete.
pub fn earliest_incomplete_before(steps: &[Step], number: StepNumber) -> Option<StepNumber> {
    steps
        .iter()
        .filter(|s| s.number < number && !s.is_complete())
        .map(|s| s.number)
        .min()
}

/// Apply `change` to step `number` of `steps` at `now`. On refusal `steps`
/// is left exactly as it was.
pub fn apply(
    steps: &mut [Step],
    number: StepNumber,
    change: &StepChange,
    playbook: &Playbook,
    now: DateTime<Utc>,
) -> Result<ChangeOutcome, RuleError> {
    let index = steps
        .iter()
        .position(|s| s.number == number)
        .ok_or(RuleError::NoSuchStep(number))?;
    let (what, text, max) = match change {
        StepChange::SetNote { text, .. } => ("the note", text.as_str(), crate::text::MAX_LONG),
        StepChange::Block { reason } => ("the reason", reason.as_str(), crate::text::MAX_LONG),
        StepChange::Confirm { with, .. } => ("the name", with.as_str(), crate::text::MAX_SHORT),
        _ => ("", "", usize::MAX),
    };
    if crate::text::check_length(text, max).is_err() {
        return Err(RuleError::TooLong { what, max });
    }
    let earliest = earliest_incomplete_before(steps, number);
    let step = &mut steps[index];
    let outcome = ChangeOutcome::default();
    match change {
        StepChange::Start => match step.status {
            StepStatus::NotStarted => {
                step.status = StepStatus::InProgress;
                step.started_at = Some(now);
            }
            StepStatus::InProgress => {}
            StepStatus::Blocked => {
                return Err(RuleError::IsBlocked {
                    step: number,
                    reason: step.blocked_reason.clone().unwrap_or_default(),
                });
            }
            StepStatus::Complete => return Err(RuleError::AlreadyComplete(number)),
        },
        StepChange::Complete => {
            match step.status {
                StepStatus::Complete => return Err(RuleError::AlreadyComplete(number)),
                StepStatus::Blocked => {
                    return Err(RuleError::IsBlocked {
                        step: number,
                        reason: step.blocked_reason.clone().unwrap_or_default(),
                    });
                }
                StepStatus::NotStarted | StepStatus::InProgress => {}
            }
            if let Some(earliest) = earliest {
                return Err(RuleError::OutOfSequence {
                    step: number,
                    earliest,
                    earliest_title: playbook.step(earliest).title.clone(),
                });
            }
            step.status = StepStatus::Complete;
            step.started_at.get_or_insert(now);
            step.completed_at = Some(now);
            step.first_completed_at.get_or_insert(now);
        }
        StepChange::Block { reason } => {
            let reason = reason.trim();
            if reason.is_empty() {
                return Err(RuleError::EmptyReason);
            }
            if step.is_complete() {
                return Err(RuleError::AlreadyComplete(number));
            }
            if step.status != StepStatus::Blocked {
                step.blocked_since = Some(now);
            }
            step.status = StepStatus::Blocked;
            step.started_at.get_or_insert(now);
            step.blocked_reason = Some(reason.to_string());
        }
        StepChange::Unblock => {
            if step.status != StepStatus::Blocked {
                return Err(RuleError::NotBlocked(number));
            }
            step.status = StepStatus::InProgress;
            step.blocked_reason = None;
            step.blocked_since = None;
        }
        StepChange::Reopen => {
            if !step.is_complete() {
                return Err(RuleError::NotComplete(number));
            }
            step.status = StepStatus::InProgress;
            step.completed_at = None;
        }
        StepChange::SetAction { index, done } => {
            let slot = step
                .actions
                .get_mut(*index)
                .ok_or(RuleError::NoSuchAction(*index))?;
            *slot = *done;
        }
        StepChange::Confirm { with, on } => {
            if with.trim().is_empty() {
                return Err(RuleError::Required("the name of who confirmed"));
            }
            step.confirmed_with = with.trim().to_string();
            step.confirmed_on = *on;
        }
        StepChange::SetNote { kind, text } => {
            *step.notes.get_mut(*kind) = text.clone();
            if step.status == StepStatus::NotStarted && !text.trim().is_empty() {
                step.status = StepStatus::InProgress;
                step.started_at = Some(now);
            }
        }
    }
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::step_number::number;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn t(minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap()
            + chrono::Duration::minutes(minute.into())
    }

    fn playbook() -> Playbook {
        Playbook::default_playbook()
    }

    #[test]
    fn completing_out_of_order_names_the_earliest_incomplete_step() {
        let pb = playbook();
        let mut steps = Step::fresh_set();
        let before = steps.clone();
        let err = apply(&mut steps, number(2), &StepChange::Complete, &pb, t(0)).unwrap_err();
        assert_eq!(
            err,
            RuleError::OutOfSequence {
                step: number(2),
                earliest: number(1),
                earliest_title: "Initial qualification using MEDDICC/MEDDPICC".into()
            }
        );
        assert!(
            err.to_string().contains("step 1 (Initial qualification"),
            "{err}"
        );
        assert_eq!(steps, before, "a refused change leaves the steps untouched");
    }

    #[test]
    fn the_walk_in_order_completes_every_step() {
        let pb = playbook();
        let mut steps = Step::fresh_set();
        for n in StepNumber::all() {
            let minute = u32::from(n.get()) * 60;
            apply(&mut steps, n, &StepChange::Start, &pb, t(minute)).unwrap();
            apply(&mut steps, n, &StepChange::Complete, &pb, t(minute + 30)).unwrap();
        }
        assert!(steps.iter().all(Step::is_complete));
        assert_eq!(steps[3].started_at, Some(t(240)));
        assert_eq!(steps[3].completed_at, Some(t(270)));
    }

    #[test]
    fn block_unblock_and_reopen() {
        let pb = playbook();
        let mut steps = Step::fresh_set();
        assert_eq!(
            apply(
                &mut steps,
                number(1),
                &StepChange::Block {
                    reason: "  ".into()
                },
                &pb,
                t(0)
            ),
            Err(RuleError::EmptyReason)
        );
        apply(
            &mut steps,
            number(1),
            &StepChange::Block {
                reason: "CFO on leave".into(),
            },
            &pb,
            t(0),
        )
        .unwrap();
        assert_eq!(steps[0].status, StepStatus::Blocked);
        assert_eq!(steps[0].blocked_since, Some(t(0)));
        // blocking again with a new reason keeps the original since-time
        apply(
            &mut steps,
            number(1),
            &StepChange::Block {
                reason: "still on leave".into(),
            },
            &pb,
            t(10),
        )
        .unwrap();
        assert_eq!(steps[0].blocked_since, Some(t(0)));
        let err = apply(&mut steps, number(1), &StepChange::Complete, &pb, t(20)).unwrap_err();
        assert!(matches!(err, RuleError::IsBlocked { step, .. } if step == number(1)));
        apply(&mut steps, number(1), &StepChange::Unblock, &pb, t(30)).unwrap();
        assert_eq!(steps[0].status, StepStatus::InProgress);
        assert_eq!(steps[0].blocked_since, None);
        assert_eq!(
            apply(&mut steps, number(1), &StepChange::Unblock, &pb, t(31)),
            Err(RuleError::NotBlocked(number(1)))
        );
        apply(&mut steps, number(1), &StepChange::Complete, &pb, t(40)).unwrap();
        apply(&mut steps, number(1), &StepChange::Reopen, &pb, t(50)).unwrap();
        assert_eq!(steps[0].status, StepStatus::InProgress);
        assert_eq!(steps[0].completed_at, None);
    }

    #[test]
    fn typing_a_note_starts_the_step() {
        let pb = playbook();
        let mut steps = Step::fresh_set();
        let change = StepChange::SetNote {
            kind: NoteKind::Decisions,
            text: "Go".into(),
        };
        apply(&mut steps, number(4), &change, &pb, t(7)).unwrap();
        assert_eq!(steps[3].status, StepStatus::InProgress);
        assert_eq!(steps[3].started_at, Some(t(7)));
        assert_eq!(steps[3].notes.decisions, "Go");
    }

    fn status_strategy() -> impl Strategy<Value = StepStatus> {
        prop::sample::select(StepStatus::ALL.to_vec())
    }

    fn step_strategy() -> impl Strategy<Value = StepNumber> {
        prop::sample::select(StepNumber::all().collect::<Vec<_>>())
    }

    proptest! {
        /// Completing step n succeeds exactly when every earlier step is
        /// complete (and n itself is open); a refusal names the earliest
        /// incomplete step and changes nothing.
        #[test]
        fn sequence_rule(statuses in prop::collection::vec(status_strategy(), 10), n in step_strategy()) {
            let pb = playbook();
            let mut steps = Step::fresh_set();
            for (s, status) in steps.iter_mut().zip(&statuses) {
                s.status = *status;
                if *status == StepStatus::Blocked {
                    s.blocked_reason = Some("waiting".into());
                }
            }
            let before = steps.clone();
            let result = apply(&mut steps, n, &StepChange::Complete, &pb, t(0));
            let own = statuses[n.index()];
            let earliest = statuses[..n.index()]
                .iter()
                .position(|s| *s != StepStatus::Complete)
                .and_then(StepNumber::from_index);
            match result {
                Ok(_) => {
                    prop_assert!(earliest.is_none());
                    prop_assert!(matches!(own, StepStatus::NotStarted | StepStatus::InProgress));
                    prop_assert_eq!(steps[n.index()].status, StepStatus::Complete);
                }
                Err(RuleError::OutOfSequence { earliest: named, .. }) => {
                    prop_assert_eq!(Some(named), earliest);
                    prop_assert_eq!(&steps, &before);
                }
                Err(_) => {
                    prop_assert!(matches!(own, StepStatus::Complete | StepStatus::Blocked));
                    prop_assert_eq!(&steps, &before);
                }
            }
        }

        /// Whatever a person does (short of reopening), the complete steps
        /// always form an unbroken run from step 1.
        #[test]
        fn complete_steps_form_a_prefix(ops in prop::collection::vec((step_strategy(), 0u8..4), 0..60)) {
            let pb = playbook();
            let mut steps = Step::fresh_set();
            for (i, (n, op)) in ops.into_iter().enumerate() {
                let change = match op {
                    0 => StepChange::Start,
                    1 => StepChange::Complete,
                    2 => StepChange::Block { reason: "waiting".into() },
                    _ => StepChange::Unblock,
                };
                let _ = apply(&mut steps, n, &change, &pb, t(i as u32));
                let done = steps.iter().take_while(|s| s.is_complete()).count();
                prop_assert!(steps[done..].iter().all(|s| !s.is_complete()));
            }
        }
    }
}
