//! The command line: clap's commands, their arguments and the parsers of
//! their values, turned into the domain's values here; and the command
//! line's own failures (an argument too long, a clap error). Below every
//! other room of the CLI: it names none of them.

pub use super::deal_args::{AddArgs, SetArgs};
pub use super::server_args::{RoleArg, ServerCommand};
use crate::clock::{Clock, parse_when};
use crate::config::{self, Failure};
use crate::domain::calendar::parse_date_input;
use crate::domain::choices::{Choice, WarningKind};
use crate::domain::criteria::Verdict;
use crate::domain::deal::DealId;
use crate::domain::escalation::EscalationId;
use crate::domain::parse_date;
use crate::domain::pipeline::{ForecastCategory, OutcomeKind};
use crate::domain::playbook::{EscalationRule, Playbook};
use crate::domain::review::Reviewer;
use crate::domain::step::{NoteKind, StepChange, StepNumber};
use crate::ops::transfer::{ExportFormat, ImportFormat};
use crate::ops::{ListSort, Queue};
use crate::text::clean;
use chrono::{DateTime, NaiveDate, Utc};
use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(name = "qualify", version, about = "Qualify enterprise deals through a ten-step procedure", long_about = None)]
pub struct Cli {
    /// The database: a file [default: qualify.db in your data directory], or
    /// a team's PostgreSQL server (postgres://USER@HOST/DB or "host=… dbname=…")
    #[arg(long, global = true, env = "QUALIFY_DB", value_name = "PATH|URL")]
    pub db: Option<PathBuf>,
    /// Take "now" to be WHEN: YYYY-MM-DD (midnight, local time) or RFC 3339
    #[arg(long, global = true, value_name = "WHEN", value_parser = parse_when)]
    pub as_of: Option<DateTime<Utc>>,
    /// Use this playbook instead of the built-in one
    #[arg(long, global = true, value_name = "FILE")]
    pub playbook: Option<PathBuf>,
    /// Who you are, for the history and sign-offs [default: your login name]
    #[arg(long, global = true, env = "QUALIFY_USER", value_name = "NAME")]
    pub user: Option<String>,
    /// The TUI: open each deal as it stood at the end of this day, rebuilt
    /// from its history (read only): YYYY-MM-DD
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    pub on: Option<NaiveDate>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

impl Cli {
    /// The start-up choices, for [`config::open`].
    pub fn options(&self) -> config::Options {
        config::Options {
            db: self.db.clone(),
            playbook: self.playbook.clone(),
            as_of: self.as_of,
            user: self.user.clone(),
            on: self.on,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create, list and show deals
    #[command(subcommand)]
    Deal(DealCommand),
    /// The QA checklist and open escalations of a deal, or a line per open deal (exit 1 if any fails)
    Check {
        id: Option<DealId>,
        #[arg(long)]
        json: bool,
    },
    /// Raise an escalation, as the deal's owner, SA or manager; prints its id
    Escalate {
        id: DealId,
        #[arg(long, value_enum)]
        scenario: ScenarioArg,
        #[arg(long)]
        reason: String,
        /// The person it goes to, who acknowledges and resolves it [default: the deal's manager]
        #[arg(long, value_name = "NAME", default_value = "")]
        to: String,
    },
    /// Acknowledge, resolve or withdraw an escalation (ids like E7, or B12.3 for a blocked step)
    #[command(subcommand)]
    Escalation(EscalationCommand),
    /// Record the manager's review of the deal or the SA's sign-off of step 4
    #[command(group(clap::ArgGroup::new("decision").required(true).args(["approve", "send_back"])))]
    Review {
        id: DealId,
        #[arg(long = "as", value_enum, value_name = "ROLE")]
        role: ReviewerArg,
        #[arg(long)]
        approve: bool,
        #[arg(long)]
        send_back: bool,
        /// Required with --send-back: what must change
        #[arg(long, default_value = "")]
        comment: String,
    },
    /// Every deal whose verdict, MEDDPICC total, forecast category, amount,
    /// close date or outcome changed since a day: before → after, who, when
    Changes {
        /// The first day: YYYY-MM-DD
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
        since: NaiveDate,
        /// Only this owner's deals (without case)
        #[arg(long, value_name = "NAME")]
        owner: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Every change to a deal: field, before, after, who, when
    History {
        id: DealId,
        #[arg(long)]
        json: bool,
    },
    /// Write the deal review (Markdown) for a forecast call
    Report {
        id: DealId,
        /// Write to FILE instead of standard output
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Replace FILE when it exists
        #[arg(long, requires = "out")]
        force: bool,
    },
    /// The procedure's metrics for the team or one owner over a range of days
    /// (default: the last 90): value, target, met, and how many deals or steps
    Metrics {
        #[arg(long)]
        json: bool,
        /// Only this owner's deals
        #[arg(long, value_name = "NAME")]
        owner: Option<String>,
        /// First day: YYYY-MM-DD [default: 89 days before --to]
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
        from: Option<NaiveDate>,
        /// Last day: YYYY-MM-DD [default: today]
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
        to: Option<NaiveDate>,
    },
    /// Fill a new, empty database with a realistic demo pipeline (the same
    /// seed gives the same deals), to try qualify: `qualify --db demo.db demo`
    Demo {
        /// How many deals to make
        #[arg(long, default_value_t = 300, value_name = "N",
              value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
        deals: u64,
        /// The seed the deals are made from
        #[arg(long, default_value_t = 1, value_name = "S")]
        seed: u64,
    },
    /// Show or set the battle-card notes kept for a competitor across deals
    Battlecard {
        competitor: String,
        /// Replace the notes with TEXT
        #[arg(long, value_name = "TEXT")]
        set: Option<String>,
    },
    /// Check the database file and say what to do about each problem (exit 1 if any)
    Doctor,
    /// Set up a team's PostgreSQL server and map its logins to people (--db URL)
    #[command(subcommand)]
    Server(ServerCommand),
    /// Write a consistent copy of the database to PATH (readable by you only)
    Backup {
        #[arg(value_name = "PATH")]
        path: PathBuf,
        /// Replace PATH when it exists
        #[arg(long)]
        force: bool,
    },
    /// Move one step of a deal, or read its guidance: qualify step ID N start|complete|block|unblock|reopen|confirm|note|check|uncheck|guide
    Step {
        /// The deal's id
        id: DealId,
        /// The step's number, 1 to 10
        number: StepNumber,
        #[command(subcommand)]
        change: StepCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum EscalationCommand {
    /// Acknowledge: the person escalated to has seen it
    Ack {
        id: EscalationId,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Resolve, saying how
    Resolve {
        id: EscalationId,
        #[arg(long)]
        note: String,
    },
    /// Withdraw one you raised, saying why
    Withdraw {
        id: EscalationId,
        #[arg(long)]
        reason: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum DealCommand {
    /// Create a deal; prints its id alone. Its owner is you (--user) unless
    /// --owner names another
    Add(AddArgs),
    /// Change a deal's own fields: only the fields given change, each change
    /// in the history; checked as `deal add` checks a new deal
    Set(SetArgs),
    /// The pipeline: the open deals (--all: closed ones too) with their
    /// forecast category, verdict, steps, QA, escalations, risk, next step
    /// and stalled or snoozed mark; totals per category
    List {
        #[arg(long)]
        json: bool,
        /// Closed deals (won, lost, disqualified) too
        #[arg(long)]
        all: bool,
        /// Only the deals waiting on a sign-off: sa (the validation plan) or
        /// manager (the deal's review); open deals only
        #[arg(long, value_enum, value_name = "QUEUE")]
        queue: Option<QueueArg>,
        /// Only your deals (--user): in a queue those you sign, else those
        /// you own, are the SA of or manage
        #[arg(long)]
        mine: bool,
        /// Only this forecast category: pipeline, best_case, commit, closed, omitted
        #[arg(long, value_name = "CATEGORY", value_parser = parse_category)]
        category: Option<ForecastCategory>,
        /// Only this owner's deals (names compared without case)
        #[arg(long, value_name = "NAME")]
        owner: Option<String>,
        /// Only deals with this SA
        #[arg(long, value_name = "NAME")]
        sa: Option<String>,
        /// Only this verdict: qualified, needs_work, disqualify
        #[arg(long, value_name = "VERDICT", value_parser = parse_verdict)]
        verdict: Option<Verdict>,
        /// Only deals whose name, account or owner holds TEXT (without case),
        /// as the list's typed filter
        #[arg(long, value_name = "TEXT")]
        filter: Option<String>,
        /// Only stalled deals (not snoozed)
        #[arg(long)]
        stalled: bool,
        /// Only deals with an escalation past due
        #[arg(long)]
        overdue: bool,
        /// Only deals warned of KIND now (not snoozed): no_economic_buyer,
        /// economic_buyer_silent, single_threaded, champion_unconfirmed,
        /// close_before_paper, next_step_overdue, no_next_step, no_activity,
        /// close_date_pushed, amount_cut, undefended_competitor, budget_short,
        /// open_while_disqualified
        #[arg(long, value_name = "KIND", value_parser = parse_warning)]
        warning: Option<WarningKind>,
        /// Order by a column: close_date (default), amount, name, account, owner,
        /// forecast_category, meddpicc_total, steps, qa, escalations, risk_band,
        /// next_step_due, stalled
        #[arg(long, value_name = "COLUMN", value_parser = parse_sort)]
        sort: Option<ListSort>,
        /// The order reversed
        #[arg(long)]
        reverse: bool,
    },
    /// Record how a deal ended (lost and disqualified need a reason); `open` reopens it
    Outcome {
        id: DealId,
        #[arg(value_enum)]
        outcome: OutcomeArg,
        #[arg(long, default_value = "")]
        reason: String,
        /// The competitor it was lost to
        #[arg(long, value_name = "NAME", default_value = "")]
        lost_to: String,
        /// The day it closed: YYYY-MM-DD [default: today]
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
        on: Option<NaiveDate>,
    },
    /// Silence a deal's stalled flag until a day (a change to the deal ends
    /// it), or with --warning one of its warnings until that day
    Snooze {
        id: DealId,
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
        until: NaiveDate,
        #[arg(long)]
        reason: String,
        /// The warning to silence (a kind `check ID` lists)
        #[arg(long, value_name = "KIND", value_parser = parse_warning)]
        warning: Option<WarningKind>,
    },
    /// Lift a deal's snooze: its stalled flag (or with --warning, that
    /// warning) shows again
    Unsnooze {
        id: DealId,
        #[arg(long, value_name = "KIND", value_parser = parse_warning)]
        warning: Option<WarningKind>,
    },
    /// Show one deal: its steps, QA checklist and escalations
    Show {
        id: DealId,
        #[arg(long)]
        json: bool,
        /// As it stood at the end of this day, rebuilt from its history: YYYY-MM-DD
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
        on: Option<NaiveDate>,
    },
    /// A deal's MEDDPICC total and each element over time, from its history
    Trend {
        id: DealId,
        #[arg(long)]
        json: bool,
    },
    /// Export one deal or all of them: deal documents (JSON), a Data Loader
    /// CSV, the pipeline list as CSV, or an iCalendar file
    Export {
        /// The deal [default: every deal]
        id: Option<DealId>,
        /// The same as --format json
        #[arg(long, conflicts_with = "format")]
        json: bool,
        /// json, salesforce-csv, csv or ics [default: json]
        #[arg(long, value_enum, value_name = "FORMAT")]
        format: Option<ExportFormat>,
        /// Write to FILE (readable by you only) instead of standard output
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Replace FILE when it exists
        #[arg(long, requires = "out")]
        force: bool,
        /// Only this owner's deals (names compared without case)
        #[arg(long, value_name = "NAME", conflicts_with = "id")]
        owner: Option<String>,
        /// Only this forecast category: pipeline, best_case, commit, closed, omitted
        #[arg(long, value_name = "CATEGORY", value_parser = parse_category, conflicts_with = "id")]
        category: Option<ForecastCategory>,
        /// With each deal's history (who changed what, when), for moving deals to
        /// another file or a team's server (deal documents only)
        #[arg(long)]
        history: bool,
    },
    /// Create or update deals from deal documents (one object or an array),
    /// a Salesforce opportunity export or a contact-role export; - reads stdin
    Import {
        file: PathBuf,
        /// Overwrite deals changed since the document (or qualify's
        /// Salesforce export) was exported
        #[arg(long)]
        force: bool,
        /// Create deals from Salesforce records even when deals with their
        /// name, account and close date are there already
        #[arg(long)]
        new: bool,
        /// Refuse the whole file when a document carries a sign-off that is not the one
        /// recorded on its deal (without it, such sign-offs are dropped, a line each), or
        /// when a Salesforce CSV has a malformed record: another number of fields than its
        /// header, a control character, or not UTF-8 (without it, such records are skipped)
        #[arg(long)]
        strict: bool,
        /// json, salesforce-csv or contact-roles [default: told from the content]
        #[arg(long, value_enum, value_name = "FORMAT")]
        format: Option<ImportFormat>,
        /// Say what would be imported, and write nothing
        #[arg(long)]
        dry_run: bool,
    },
}

/// A review queue, as `deal list --queue` names it.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum QueueArg {
    /// Validation plans waiting on the SA's sign-off
    Sa,
    /// Deals over the threshold waiting on the manager's review
    Manager,
}

impl QueueArg {
    pub fn queue(self) -> Queue {
        match self {
            QueueArg::Sa => Queue::SaSignOff,
            QueueArg::Manager => Queue::ManagerReview,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum OutcomeArg {
    Won,
    Lost,
    Disqualified,
    Open,
}

fn parse_category(text: &str) -> Result<ForecastCategory, String> {
    ForecastCategory::parse(text).ok_or_else(|| {
        "not a forecast category (use pipeline, best_case, commit, closed or omitted)".into()
    })
}

fn parse_warning(text: &str) -> Result<WarningKind, String> {
    WarningKind::parse(text).ok_or_else(|| {
        let keys: Vec<&str> = WarningKind::ALL.iter().map(|k| k.key()).collect();
        format!("not a warning kind (use {})", keys.join(", "))
    })
}

fn parse_verdict(text: &str) -> Result<Verdict, String> {
    Verdict::parse(text)
        .ok_or_else(|| "not a verdict (use qualified, needs_work or disqualify)".into())
}

fn parse_sort(text: &str) -> Result<ListSort, String> {
    ListSort::parse(text).ok_or_else(|| {
        let keys: Vec<&str> = ListSort::ALL.iter().map(|s| s.key()).collect();
        format!("not a column (use one of {})", keys.join(", "))
    })
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum NoteArg {
    Outcomes,
    Decisions,
    NextSteps,
}

#[derive(Debug, Subcommand)]
pub enum StepCommand {
    /// Mark the step in progress
    Start,
    /// Complete the step (every earlier step must be complete)
    Complete,
    /// Block the step, saying what it waits on
    Block {
        #[arg(long)]
        reason: String,
    },
    /// Lift the block
    Unblock,
    /// Put a completed step back in progress
    Reopen,
    /// Replace one of the step's three notes
    Note { kind: NoteArg, text: String },
    /// Record the stakeholder who confirmed the step's outcome, and when
    Confirm {
        /// One of the deal's stakeholders (on the scorecard's step, anyone)
        #[arg(long = "with", value_name = "NAME")]
        with: String,
        /// YYYY-MM-DD, or +N business days from today [default: today]
        #[arg(long, value_name = "DATE")]
        on: Option<String>,
    },
    /// Tick one of the step's five actions (1-5)
    Check {
        #[arg(value_parser = clap::value_parser!(u8).range(1..=5))]
        action: u8,
    },
    /// Untick one of the step's five actions (1-5)
    Uncheck {
        #[arg(value_parser = clap::value_parser!(u8).range(1..=5))]
        action: u8,
    },
    /// Show the playbook's guidance for the step (changes nothing)
    Guide {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ScenarioArg {
    Customer,
    LegalSecurity,
    Pricing,
}

impl ScenarioArg {
    pub fn rule(self) -> EscalationRule {
        match self {
            ScenarioArg::Customer => EscalationRule::Customer,
            ScenarioArg::LegalSecurity => EscalationRule::LegalSecurity,
            ScenarioArg::Pricing => EscalationRule::Pricing,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ReviewerArg {
    Manager,
    Sa,
}

impl ReviewerArg {
    pub fn reviewer(self) -> Reviewer {
        match self {
            ReviewerArg::Manager => Reviewer::Manager,
            ReviewerArg::Sa => Reviewer::Sa,
        }
    }
}

impl OutcomeArg {
    /// How the deal ended; `None` for `open` (it reopens the deal).
    pub fn kind(self) -> Option<OutcomeKind> {
        match self {
            OutcomeArg::Won => Some(OutcomeKind::Won),
            OutcomeArg::Lost => Some(OutcomeKind::Lost),
            OutcomeArg::Disqualified => Some(OutcomeKind::Disqualified),
            OutcomeArg::Open => None,
        }
    }
}

impl StepCommand {
    /// The change to make, a confirmation's `--on` read against the clock's
    /// today and the playbook's holidays.
    pub fn change(&self, playbook: &Playbook, clock: &Clock) -> Result<StepChange, Failure> {
        Ok(match self {
            StepCommand::Confirm { with, on } => {
                let on = match on {
                    None => clock.today(),
                    Some(text) => parse_date_input(text, clock.today(), &playbook.targets.holidays)
                        .map_err(|e| Failure::usage(format!("--on: {e}")))?,
                };
                StepChange::Confirm {
                    with: with.clone(),
                    on: Some(on),
                }
            }
            StepCommand::Start => StepChange::Start,
            StepCommand::Complete => StepChange::Complete,
            StepCommand::Block { reason } => StepChange::Block {
                reason: reason.clone(),
            },
            StepCommand::Unblock => StepChange::Unblock,
            StepCommand::Reopen => StepChange::Reopen,
            StepCommand::Note { kind, text } => StepChange::SetNote {
                kind: match kind {
                    NoteArg::Outcomes => NoteKind::Outcomes,
                    NoteArg::Decisions => NoteKind::Decisions,
                    NoteArg::NextSteps => NoteKind::NextSteps,
                },
                text: text.clone(),
            },
            StepCommand::Check { action } => StepChange::SetAction {
                index: usize::from(*action) - 1,
                done: true,
            },
            StepCommand::Uncheck { action } => StepChange::SetAction {
                index: usize::from(*action) - 1,
                done: false,
            },
            StepCommand::Guide { .. } => {
                return Err(Failure::usage("`guide` reads a step; it changes nothing"));
            }
        })
    }
}

/// No argument may be longer than the longest text qualify keeps
/// ([`crate::text::MAX_LONG`] characters); shorter bounds (names: 200) are
/// checked where each value is used.
pub fn check_argument_lengths(
    args: impl IntoIterator<Item = std::ffi::OsString>,
) -> Result<(), Failure> {
    for arg in args {
        let arg = arg.to_string_lossy();
        if crate::text::check_length(&arg, crate::text::MAX_LONG).is_err() {
            return Err(Failure::usage(format!(
                "an argument is too long: at most {} characters (it starts {:?})",
                crate::text::MAX_LONG,
                clean(crate::text::head(&arg, 20))
            )));
        }
    }
    Ok(())
}

/// A clap error as one line (help and version print as clap does).
pub fn clap_failure(err: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(
        err.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        let _ = err.print();
        return ExitCode::SUCCESS;
    }
    let rendered = err.render().to_string();
    let line = rendered
        .lines()
        .map(str::trim)
        .take_while(|l| !l.starts_with("Usage:") && !l.starts_with("For more information"))
        .filter(|l| !l.is_empty() && !l.starts_with("tip:"))
        .collect::<Vec<_>>()
        .join(" ");
    let line = line.strip_prefix("error: ").unwrap_or(&line).to_string();
    Failure::usage(line).report()
}
