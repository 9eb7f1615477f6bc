//! Pure rules and types: no terminal, no SQL, no I/O, no clock calls.
//! Every time-based rule takes `now` as an argument.
//!
//! The files stand in layers: a file imports only from its own layer or
//! those below (and inside a layer one way too, e.g. `qa` → `criteria` →
//! `review`), so that a rule can be read, and changed, knowing only what
//! lies under it. Bottom to top:
//! 1. values: `money`, `dates`, `calendar`, `bounds`, `choices`, `step_number`
//! 2. the playbook: `guidance`, `step_def`, `warning_rules`, `playbook`
//! 3. what a deal records: `forecast`, `warning_record`, `salesforce_ref`, `escalation_record`,
//!    `step`, `content`
//! 4. the deal: `deal`, and editing its own fields: `deal_edit`
//! 5. rules over a deal: `review`, `confirmation`, `criteria`, `rushing`, `qa`,
//!    `escalation`, `warnings`
//! 6. the pipeline and its figures: `pipeline`, `metrics`
//! 7. formats and the history: `document`, `salesforce`, `ics`, `audit`, `demo`
//! 8. the past, from the history: `past` (a deal as it stood), `changes`
//!    (what changed across the pipeline since a day)
//!
//! `bounds` holds the limits every document value keeps to (texts, dates,
//! keys given once); `choices` the fixed lists a document names by key;
//! `step_number` a step's number, 1 to 10, checked once where it is read;
//! `step_def` what each step of the playbook is and the kind of record it
//! captures, by which the rules and faces choose the step's behaviour, and
//! `guidance` what the playbook tells the AE at each step;
//! `forecast` the verdict, forecast category, outcome, prediction and
//! snooze a deal keeps. A type two layers need lives in the lower one; the
//! module it used to live in re-exports it (`pipeline::Outcome`,
//! `criteria::Verdict`, `escalation::Stamp`, `content::Element`, …), and
//! this file re-exports the days' rules (`domain::parse_date`, …).

pub mod audit;
pub mod bounds;
pub mod calendar;
pub mod changes;
pub mod choices;
pub mod confirmation;
pub mod content;
pub mod criteria;
pub mod dates;
pub mod deal;
pub mod deal_edit;
pub mod demo;
pub mod document;
pub mod escalation;
pub mod escalation_record;
pub mod forecast;
pub mod guidance;
pub mod ics;
pub mod metrics;
pub mod money;
pub mod past;
pub mod pipeline;
pub mod playbook;
pub mod qa;
pub mod review;
pub mod rushing;
pub mod salesforce;
pub mod salesforce_ref;
pub mod step;
pub mod step_def;
pub mod step_number;
pub mod warning_record;
pub mod warning_rules;
pub mod warnings;

pub use dates::{DATE_FORM, YEARS, date_in_range, day_of, days, parse_date};
pub use deal::{Deal, DealId, DealSummary, NewDeal};
pub use escalation::{Escalation, EscalationStatus};
pub use money::Money;
pub use playbook::Playbook;
pub use qa::{QaItem, QaState};
pub use step::{NoteKind, Step, StepChange, StepStatus};
pub use step_number::StepNumber;
