//! The fields of each step's form and of the oversight dialogs: their
//! labels, how each field's text is read and checked as it is typed.

use crate::domain::calendar::parse_date_input;
use crate::domain::content::*;
use crate::domain::money::Money;
use crate::domain::playbook::{CaptureKind, Playbook};
use crate::ops::content::List;
use crate::tui::shared::Ctx;
use chrono::{DateTime, NaiveDate, Utc};

/// How a field's text is read.
#[derive(Clone, Copy)]
pub enum Kind {
    Text,
    Date,
    Amount,
    /// One of a fixed list (cycled with ←/→).
    Pick(fn() -> Vec<&'static str>),
    /// A MEDDPICC score, 0-3, or empty for not scored.
    Score,
    /// A whole number from 1 to 5.
    OneToFive,
    YesNo,
    /// One of the deal's stakeholders (cycled with ←/→, or picked by the
    /// first letter of their name).
    Stakeholder,
}

pub struct Field {
    pub label: &'static str,
    /// The table's column heading.
    pub short: &'static str,
    pub kind: Kind,
    pub required: bool,
}

impl Field {
    /// How many characters the field takes (see [`crate::text`]): names and
    /// people are short, descriptions long, dates and amounts short.
    pub fn max_chars(&self) -> usize {
        const SHORT: [&str; 15] = [
            "Confirmed with",
            "Name",
            "Title",
            "Holder (stakeholder)",
            "Fiscal timing",
            "Confirmed by",
            "Owner",
            "Milestone",
            "Stage",
            "Owner (AE)",
            "Solution architect",
            "Manager",
            "Reviewer",
            "Escalation (E7, B12.3)",
            "Routed to",
        ];
        match self.kind {
            Kind::Text if !SHORT.contains(&self.label) => crate::text::MAX_LONG,
            _ => crate::text::MAX_SHORT,
        }
    }
}

const fn f(label: &'static str, short: &'static str, kind: Kind, required: bool) -> Field {
    Field {
        label,
        short,
        kind,
        required,
    }
}

pub(super) fn labels<C: Choice>() -> Vec<&'static str> {
    C::ALL.iter().map(|c| c.label()).collect()
}

pub(super) fn yes_no() -> Vec<&'static str> {
    vec!["no", "yes"]
}

pub(super) fn scores() -> Vec<&'static str> {
    vec!["", "0", "1", "2", "3"]
}

pub(super) fn one_to_five() -> Vec<&'static str> {
    vec!["1", "2", "3", "4", "5"]
}

impl Kind {
    /// The fixed choices of a choice field (`None` for a field typed into).
    pub fn choices(self) -> Option<Vec<&'static str>> {
        match self {
            Kind::Pick(choices) => Some(choices()),
            Kind::YesNo => Some(yes_no()),
            Kind::Score => Some(scores()),
            Kind::OneToFive => Some(one_to_five()),
            // the deal's stakeholders: the editor holds them
            Kind::Text | Kind::Date | Kind::Amount | Kind::Stakeholder => None,
        }
    }
}

/// The choice a typed key picks: the next one after `current` that starts
/// with it (its first letter, any case, or its number), `None` when no
/// choice does.
pub fn choice_for(choices: &[&str], current: &str, typed: char) -> Option<usize> {
    let at = choices.iter().position(|c| *c == current.trim());
    let n = choices.len();
    (1..=n).map(|k| (at.unwrap_or(n - 1) + k) % n).find(|i| {
        choices[*i]
            .chars()
            .next()
            .is_some_and(|first| first.to_lowercase().eq(typed.to_lowercase()))
    })
}

/// What each step's form edits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Scorecard,
    Stakeholders,
    Budget,
    ValidationItems,
    Competitors,
    Milestones,
    Timeline,
    Risks,
    NextSteps,
    Record,
    /// Every step but the scorecard's: which of the deal's stakeholders
    /// confirmed its outcome (picked), and when.
    Confirmation,
    /// The scorecard's step, before the buying group is mapped: who
    /// confirmed its outcome (any name, typed), and when.
    ContactConfirmation,
    /// Raise an escalation of a user scenario.
    Escalate,
    Acknowledge,
    Resolve,
    /// An escalation taken back by its raiser.
    Withdraw,
    /// The manager's review or the SA's sign-off.
    Review,
    /// The handoff to implementation.
    Handoff,
    /// The deal's outcome: won, lost, disqualified, or open again.
    Outcome,
}

const SCORECARD: &[Field] = &[
    f("Score (0-3)", "Score", Kind::Score, false),
    f("Evidence", "Evidence", Kind::Text, false),
];
const STAKEHOLDERS: &[Field] = &[
    f("Name", "Name", Kind::Text, true),
    f("Title", "Title", Kind::Text, false),
    f("Role", "Role", Kind::Pick(labels::<Role>), true),
    f("Stance", "Stance", Kind::Pick(labels::<Stance>), true),
    f("Influence", "Infl.", Kind::Pick(labels::<Level>), true),
    f("Last engaged", "Engaged", Kind::Date, false),
    f("Confirmed on", "Confirmed", Kind::Date, false),
];
const BUDGET: &[Field] = &[
    f("Amount", "Amount", Kind::Amount, false),
    f("Holder (stakeholder)", "Holder", Kind::Text, false),
    f("Source", "Source", Kind::Text, false),
    f("Fiscal timing", "Timing", Kind::Text, false),
    f("Confirmed on", "Confirmed", Kind::Date, false),
    f("Confirmed by", "By", Kind::Text, false),
];
const VALIDATION: &[Field] = &[
    f("Requirement", "Requirement", Kind::Text, true),
    f("Success criterion", "Criterion", Kind::Text, false),
    f("Owner", "Owner", Kind::Text, false),
    f("Due", "Due", Kind::Date, false),
    f("Status", "Status", Kind::Pick(labels::<ItemStatus>), true),
];
const COMPETITORS: &[Field] = &[
    f("Name", "Name", Kind::Text, true),
    f("Position", "Position", Kind::Pick(labels::<Position>), true),
    f("Threat", "Threat", Kind::Pick(labels::<Level>), true),
    f("Strengths", "Strengths", Kind::Text, false),
    f("Weaknesses", "Weaknesses", Kind::Text, false),
    f("Our differentiators", "Differentiators", Kind::Text, false),
];
const MILESTONES: &[Field] = &[
    f("Milestone", "Milestone", Kind::Text, true),
    f("Kind", "Kind", Kind::Pick(labels::<MilestoneKind>), true),
    f("Owner", "Owner", Kind::Text, false),
    f("Due", "Due", Kind::Date, false),
    f("Done", "Done", Kind::YesNo, false),
];
const TIMELINE: &[Field] = &[
    f("Compelling event", "Event", Kind::Text, false),
    f("Target close date", "Close", Kind::Date, false),
];
const RISKS: &[Field] = &[
    f("Description", "Risk", Kind::Text, true),
    f(
        "Category",
        "Category",
        Kind::Pick(labels::<RiskCategory>),
        true,
    ),
    f("Likelihood (1-5)", "L", Kind::OneToFive, true),
    f("Impact (1-5)", "I", Kind::OneToFive, true),
    f("Mitigation", "Mitigation", Kind::Text, false),
    f("Owner", "Owner", Kind::Text, false),
];
const NEXT_STEPS: &[Field] = &[
    f("Action", "Action", Kind::Text, true),
    f("Owner", "Owner", Kind::Text, false),
    f("Due", "Due", Kind::Date, false),
    f("Done", "Done", Kind::YesNo, false),
];
const RECORD: &[Field] = &[
    f("Stage", "Stage", Kind::Text, true),
    f("Owner (AE)", "Owner", Kind::Text, false),
    f("Solution architect", "SA", Kind::Text, false),
    f("Manager", "Manager", Kind::Text, false),
];
pub(super) fn user_scenarios() -> Vec<&'static str> {
    vec!["customer", "legal_security", "pricing"]
}

pub(super) fn reviewers() -> Vec<&'static str> {
    vec!["manager", "sa"]
}

pub(super) fn decisions() -> Vec<&'static str> {
    vec!["approve", "send back"]
}

const ESCALATE: &[Field] = &[
    f("Scenario", "Scenario", Kind::Pick(user_scenarios), true),
    f("Reason", "Reason", Kind::Text, true),
    f("Routed to", "To", Kind::Text, false),
];
const ACKNOWLEDGE: &[Field] = &[
    f("Escalation (E7, B12.3)", "Id", Kind::Text, true),
    f("Note", "Note", Kind::Text, false),
];
const RESOLVE: &[Field] = &[
    f("Escalation (E7, B12.3)", "Id", Kind::Text, true),
    f("How it was resolved", "Note", Kind::Text, true),
];
const WITHDRAW: &[Field] = &[
    f("Escalation (E7, B12.3)", "Id", Kind::Text, true),
    f("Why it is withdrawn", "Reason", Kind::Text, true),
];
const REVIEW: &[Field] = &[
    f("Review as", "As", Kind::Pick(reviewers), true),
    f("Decision", "Decision", Kind::Pick(decisions), true),
    f("Comment", "Comment", Kind::Text, false),
];
pub(super) fn outcomes() -> Vec<&'static str> {
    vec!["won", "lost", "disqualified", "open"]
}

const OUTCOME: &[Field] = &[
    f("Outcome", "Outcome", Kind::Pick(outcomes), true),
    f("Closed on", "On", Kind::Date, false),
    f("Reason (lost, disqualified)", "Reason", Kind::Text, false),
    f("Lost to", "Lost to", Kind::Text, false),
];
const HANDOFF: &[Field] = &[
    f("Flagged for handoff", "Flagged", Kind::YesNo, false),
    f("Implementation contacts", "Contacts", Kind::Text, false),
    f("Scope", "Scope", Kind::Text, false),
    f("Commitments made", "Commitments", Kind::Text, false),
    f("Open risks", "Open risks", Kind::Text, false),
];
const CONFIRMATION: &[Field] = &[
    f("Confirmed with", "With", Kind::Stakeholder, true),
    f("Confirmed on", "On", Kind::Date, true),
];
const CONTACT_CONFIRMATION: &[Field] = &[
    f("Confirmed with", "With", Kind::Text, true),
    f("Confirmed on", "On", Kind::Date, true),
];

/// What an edit is read and applied against: the day (for `+N` dates), the
/// clock, the person acting and the playbook.
pub struct Today<'a> {
    pub date: NaiveDate,
    pub holidays: &'a [NaiveDate],
    pub now: DateTime<Utc>,
    /// The one clock ("same day" escalations end at its zone's midnight).
    pub clock: crate::Clock,
    pub playbook: &'a Playbook,
}

impl<'a> Today<'a> {
    pub fn of(ctx: &'a Ctx) -> Today<'a> {
        Today {
            date: ctx.session.clock.today(),
            holidays: &ctx.session.playbook.targets.holidays,
            now: ctx.session.clock.now(),
            clock: ctx.session.clock,
            playbook: &ctx.session.playbook,
        }
    }
}

pub(super) fn empty(s: &str) -> bool {
    s.trim().is_empty()
}

pub(super) fn date(text: &str, today: &Today<'_>) -> Result<Option<NaiveDate>, String> {
    if empty(text) {
        Ok(None)
    } else {
        parse_date_input(text, today.date, today.holidays).map(Some)
    }
}

pub(super) fn amount(text: &str) -> Result<Option<Money>, String> {
    if empty(text) {
        Ok(None)
    } else {
        Money::parse(text).map(Some)
    }
}

pub(super) fn pick<C: Choice>(text: &str) -> C {
    let t = text.trim();
    C::ALL
        .iter()
        .copied()
        .find(|c| c.label() == t || c.key() == t)
        .unwrap_or(C::ALL[0])
}

pub(super) fn yes(text: &str) -> bool {
    text.trim() == "yes"
}

pub(super) fn date_text(d: Option<NaiveDate>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

pub(super) fn yes_text(b: bool) -> String {
    if b { "yes".into() } else { "no".into() }
}

impl Section {
    /// The form of a step that captures `kind`.
    pub fn for_capture(kind: CaptureKind) -> Section {
        match kind {
            CaptureKind::Scorecard => Section::Scorecard,
            CaptureKind::Stakeholders => Section::Stakeholders,
            CaptureKind::Budget => Section::Budget,
            CaptureKind::ValidationPlan => Section::ValidationItems,
            CaptureKind::Competitors => Section::Competitors,
            CaptureKind::DecisionProcess => Section::Milestones,
            CaptureKind::Timeline => Section::Timeline,
            CaptureKind::Risks => Section::Risks,
            CaptureKind::NextSteps => Section::NextSteps,
            CaptureKind::CrmRecord => Section::Record,
        }
    }

    /// The confirmation form of a step that captures `kind`: a stakeholder
    /// picked, but any name on the scorecard's step (the buying group is
    /// mapped after it).
    pub fn for_confirmation(kind: CaptureKind) -> Section {
        if kind == CaptureKind::Scorecard {
            Section::ContactConfirmation
        } else {
            Section::Confirmation
        }
    }

    /// Whether this is a step's confirmation (either form of it).
    pub fn is_confirmation(self) -> bool {
        matches!(self, Section::Confirmation | Section::ContactConfirmation)
    }

    pub fn fields(self) -> &'static [Field] {
        match self {
            Section::Scorecard => SCORECARD,
            Section::Stakeholders => STAKEHOLDERS,
            Section::Budget => BUDGET,
            Section::ValidationItems => VALIDATION,
            Section::Competitors => COMPETITORS,
            Section::Milestones => MILESTONES,
            Section::Timeline => TIMELINE,
            Section::Risks => RISKS,
            Section::NextSteps => NEXT_STEPS,
            Section::Record => RECORD,
            Section::Confirmation => CONFIRMATION,
            Section::ContactConfirmation => CONTACT_CONFIRMATION,
            Section::Escalate => ESCALATE,
            Section::Acknowledge => ACKNOWLEDGE,
            Section::Resolve => RESOLVE,
            Section::Withdraw => WITHDRAW,
            Section::Review => REVIEW,
            Section::Outcome => OUTCOME,
            Section::Handoff => HANDOFF,
        }
    }

    /// The fields the table shows (the record editor shows them all).
    pub(super) fn columns(self) -> &'static [usize] {
        match self {
            Section::Scorecard => &[0, 1],
            Section::Stakeholders => &[0, 2, 6],
            Section::ValidationItems => &[0, 2, 3, 4],
            Section::Competitors => &[0, 2, 5],
            Section::Milestones => &[0, 1, 3, 4],
            Section::Risks => &[0, 2, 3, 5],
            Section::NextSteps => &[0, 1, 2, 3],
            _ => &[],
        }
    }

    /// A single record (no rows to add or delete).
    pub fn is_record(self) -> bool {
        self.list().is_none()
    }

    /// Whether rows can be added and deleted (a list, not a record).
    pub fn can_add(self) -> bool {
        !self.is_record() && self != Section::Scorecard
    }

    /// The list of the deal's content the section's rows are, if it is one.
    pub fn list(self) -> Option<List> {
        Some(match self {
            Section::Scorecard => List::Scorecard,
            Section::Stakeholders => List::Stakeholders,
            Section::ValidationItems => List::ValidationItems,
            Section::Competitors => List::Competitors,
            Section::Milestones => List::Milestones,
            Section::Risks => List::Risks,
            Section::NextSteps => List::NextSteps,
            _ => return None,
        })
    }

    pub fn noun(self) -> &'static str {
        match self {
            Section::Scorecard => "element",
            Section::Stakeholders => "stakeholder",
            Section::Budget => "budget",
            Section::ValidationItems => "validation item",
            Section::Competitors => "competitor",
            Section::Milestones => "milestone",
            Section::Timeline => "timeline",
            Section::Risks => "risk",
            Section::NextSteps => "next step",
            Section::Record => "opportunity record",
            Section::Confirmation | Section::ContactConfirmation => "confirmation",
            Section::Escalate => "escalation",
            Section::Acknowledge => "acknowledgement",
            Section::Resolve => "resolution",
            Section::Withdraw => "withdrawal",
            Section::Review => "review",
            Section::Outcome => "outcome",
            Section::Handoff => "handoff",
        }
    }
}

/// The message for a field's text, if it is not acceptable.
pub fn field_error(field: &Field, text: &str, today: &Today<'_>) -> Option<String> {
    if field.required && empty(text) {
        return Some("required".into());
    }
    match field.kind {
        Kind::Date => date(text, today).err(),
        Kind::Amount => amount(text).err(),
        Kind::OneToFive => (!one_to_five().contains(&text.trim())).then(|| "must be 1-5".into()),
        Kind::Score => {
            (!scores().contains(&text.trim())).then(|| "0-3, or empty for not scored".into())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typed_key_picks_the_choice_it_starts() {
        let levels = ["high", "medium", "low"];
        assert_eq!(choice_for(&levels, "high", 'l'), Some(2));
        assert_eq!(choice_for(&levels, "high", 'M'), Some(1));
        assert_eq!(choice_for(&levels, "high", '9'), None);
        let categories = ["technical", "commercial", "competitive", "other"];
        assert_eq!(choice_for(&categories, "technical", 'c'), Some(1));
        assert_eq!(
            choice_for(&categories, "commercial", 'c'),
            Some(2),
            "next one"
        );
        assert_eq!(
            choice_for(&categories, "competitive", 'c'),
            Some(1),
            "round"
        );
        assert_eq!(choice_for(&scores(), "", '2'), Some(3));
        assert_eq!(choice_for(&one_to_five(), "3", '7'), None);
    }
}
