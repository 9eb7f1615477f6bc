//! The headless face: clap commands that parse, call the domain and the
//! store, and print text or JSON. Never touches the terminal's modes.

mod oversight;
mod print;
mod report;

use crate::clock::{Clock, parse_when};
use crate::domain::calendar::parse_date_input;
use crate::domain::deal::{DealId, NewDeal};
use crate::domain::document::{DealDocument, parse_documents};
use crate::domain::escalation::EscalationId;
use crate::domain::money::Money;
use crate::domain::playbook::{Playbook, PlaybookError};
use crate::domain::step::{NoteKind, RuleError, StepChange};
use crate::domain::{escalation, parse_date, qa};
use crate::store::{ListQuery, Store, StoreError};
use crate::text::clean;
use chrono::{DateTime, NaiveDate, Utc};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(name = "qualify", version, about = "Qualify enterprise deals through a ten-step procedure", long_about = None)]
pub struct Cli {
    /// The database file [default: qualify.db in your data directory]
    #[arg(long, global = true, env = "QUALIFY_DB", value_name = "PATH")]
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
    #[command(subcommand)]
    pub command: Option<Command>,
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
    /// Raise an escalation; prints its id
    Escalate {
        id: DealId,
        #[arg(long, value_enum)]
        scenario: oversight::ScenarioArg,
        #[arg(long)]
        reason: String,
    },
    /// Acknowledge or resolve an escalation (ids like E7, or B12.3 for a blocked step)
    #[command(subcommand)]
    Escalation(EscalationCommand),
    /// Record the manager's review of the deal or the SA's sign-off of step 4
    #[command(group(clap::ArgGroup::new("decision").required(true).args(["approve", "send_back"])))]
    Review {
        id: DealId,
        #[arg(long = "as", value_enum, value_name = "ROLE")]
        role: oversight::ReviewerArg,
        /// The reviewer [default: --user]
        #[arg(long, value_name = "NAME")]
        by: Option<String>,
        #[arg(long)]
        approve: bool,
        #[arg(long)]
        send_back: bool,
        /// Required with --send-back: what must change
        #[arg(long, default_value = "")]
        comment: String,
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
    },
    /// Show or set the battle-card notes kept for a competitor across deals
    Battlecard {
        competitor: String,
        /// Replace the notes with TEXT
        #[arg(long, value_name = "TEXT")]
        set: Option<String>,
    },
    /// Move one step of a deal: qualify step ID N start|complete|block|unblock|reopen|confirm|note|check|uncheck
    Step {
        /// The deal's id
        id: DealId,
        /// The step's number, 1 to 10
        #[arg(value_parser = clap::value_parser!(u8).range(1..=10))]
        number: u8,
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
}

#[derive(Debug, Subcommand)]
pub enum DealCommand {
    /// Create a deal; prints its id alone
    Add(AddArgs),
    /// List the deals, soonest close date first
    List {
        #[arg(long)]
        json: bool,
    },
    /// Show one deal: its steps, QA checklist and escalations
    Show {
        id: DealId,
        #[arg(long)]
        json: bool,
    },
    /// Print the whole deal document (JSON): steps and everything they captured
    Export {
        id: DealId,
        /// The document is JSON (accepted for symmetry with the other reads)
        #[arg(long)]
        json: bool,
    },
    /// Create or update deals from documents (one object or an array; - reads stdin)
    Import { file: PathBuf },
}

#[derive(Debug, Args)]
pub struct AddArgs {
    #[arg(long)]
    pub name: String,
    #[arg(long)]
    pub account: String,
    /// Licence value in USD: 250000, 250,000 or $250,000.00
    #[arg(long, value_name = "USD", value_parser = Money::parse)]
    pub amount: Option<Money>,
    #[arg(long, value_name = "USD", value_parser = Money::parse)]
    pub implementation_fee: Option<Money>,
    /// Annual support as a percentage of licence [default: the playbook's, 20]
    #[arg(long, value_name = "PERCENT")]
    pub support_rate: Option<f64>,
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    pub close_date: Option<NaiveDate>,
    #[arg(long)]
    pub stage: Option<String>,
    /// The account executive who owns the deal
    #[arg(long, default_value = "")]
    pub owner: String,
    /// The solution architect
    #[arg(long, default_value = "")]
    pub sa: String,
    #[arg(long, default_value = "")]
    pub manager: String,
    /// The date of the executive meeting that triggered qualification
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    pub trigger_date: Option<NaiveDate>,
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
}

impl StepCommand {
    fn change(&self, playbook: &Playbook, clock: &Clock) -> Result<StepChange, Failure> {
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
        })
    }
}

/// A failure to report: one line, and the exit status that goes with it.
#[derive(Debug, PartialEq, Eq)]
pub struct Failure {
    /// 1: refused by a rule; 2: bad input or usage.
    pub status: u8,
    pub message: String,
}

impl Failure {
    pub fn usage(message: impl Into<String>) -> Failure {
        Failure {
            status: 2,
            message: message.into(),
        }
    }

    pub fn refused(message: impl Into<String>) -> Failure {
        Failure {
            status: 1,
            message: message.into(),
        }
    }

    /// Print the one line on stderr and give the exit status.
    pub fn report(&self) -> ExitCode {
        eprintln!("qualify: {}", clean(&self.message));
        ExitCode::from(self.status)
    }
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Failure {
        let status = match e {
            // a missing reason, note or comment is bad input, not a rule
            StoreError::Rule(RuleError::Required(_) | RuleError::TooLong { .. }) => 2,
            StoreError::Rule(_) | StoreError::Conflict { .. } | StoreError::Sql(_) => 1,
            StoreError::NotFound(_) | StoreError::Invalid(_) | StoreError::Open { .. } => 2,
        };
        Failure {
            status,
            message: e.to_string(),
        }
    }
}

impl From<PlaybookError> for Failure {
    fn from(e: PlaybookError) -> Failure {
        Failure::usage(e.to_string())
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

/// Load the playbook named by `--playbook`, or the built-in one.
pub fn load_playbook(path: Option<&Path>) -> Result<Playbook, Failure> {
    match path {
        None => Ok(Playbook::default_playbook()),
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                Failure::usage(format!("cannot read the playbook {}: {e}", path.display()))
            })?;
            Ok(Playbook::parse(&text, &path.display().to_string())?)
        }
    }
}

/// The database `--db` / `QUALIFY_DB` names, or the default one.
pub fn db_path(cli: &Cli) -> Result<PathBuf, Failure> {
    match &cli.db {
        Some(path) if path.as_os_str().is_empty() => Err(Failure::usage("--db needs a file path")),
        Some(path) => Ok(path.clone()),
        None => crate::paths::default_db().ok_or_else(|| {
            Failure::usage("no data directory is known for this user; give --db PATH")
        }),
    }
}

pub fn clock(cli: &Cli) -> Clock {
    cli.as_of.map_or_else(Clock::system, Clock::fixed)
}

/// Who is acting: `--user` / `QUALIFY_USER`, else the login name.
pub fn actor(cli: &Cli) -> String {
    let login = ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok())
        .or_else(os_user);
    cli.user
        .clone()
        .or(login)
        .map(|s| clean(s.trim()))
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown".into())
}

/// The login name of the process's user from the system's user database,
/// for when no USER or LOGNAME is set (services, containers).
fn os_user() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let uid = status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))?
        .split_whitespace()
        .next()?
        .to_string();
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|l| {
        let fields: Vec<&str> = l.split(':').collect();
        (fields.len() > 2 && fields[2] == uid).then(|| fields[0].to_string())
    })
}

/// Run one headless command; the exit status when it ran (1 from `check`
/// when something fails).
pub fn execute(cli: &Cli, command: &Command) -> Result<u8, Failure> {
    let playbook = load_playbook(cli.playbook.as_deref())?;
    let clock = clock(cli);
    let mut store = Store::open(&db_path(cli)?)?;
    store.set_actor(&actor(cli));
    let mut out = crate::text::SafeWriter::new(std::io::stdout().lock(), print::output(command));
    let mut status = 0;
    let result = match command {
        oversight_command @ (Command::Check { .. }
        | Command::Escalate { .. }
        | Command::Escalation(_)
        | Command::Review { .. }
        | Command::History { .. }
        | Command::Report { .. }) => {
            let mut env = oversight::Env {
                store: &mut store,
                playbook: &playbook,
                clock: &clock,
            };
            let (text, code) = oversight::run(oversight_command, &mut env)?;
            status = code;
            write!(out, "{text}")
        }
        Command::Deal(DealCommand::Add(args)) => {
            let new = NewDeal {
                name: args.name.clone(),
                account: args.account.clone(),
                amount: args.amount,
                implementation_fee: args.implementation_fee,
                support_rate_percent: args.support_rate,
                close_date: args.close_date,
                stage: args.stage.clone(),
                owner: args.owner.clone(),
                sa: args.sa.clone(),
                manager: args.manager.clone(),
                trigger_date: args.trigger_date,
            };
            let id = store.add_deal(new, &playbook, clock.now())?;
            writeln!(out, "{id}")
        }
        Command::Deal(DealCommand::List { json }) => {
            let query = ListQuery::default();
            let deals = store.deal_page(&query, 0, usize::MAX >> 1)?;
            if *json {
                let list: Vec<_> = deals.iter().map(print::summary_json).collect();
                writeln!(
                    out,
                    "{}",
                    serde_json::to_string_pretty(&list).expect("JSON")
                )
            } else {
                write!(out, "{}", print::summary_table(&deals))
            }
        }
        Command::Deal(DealCommand::Show { id, json }) => {
            let deal = store.deal(*id)?;
            let now = clock.now();
            let items = qa::checklist(&deal, &playbook, now);
            let escalations = escalation::open(&deal, &playbook, now);
            if *json {
                let doc = print::deal_json(&deal, &playbook, &items, &escalations, now);
                writeln!(out, "{}", serde_json::to_string_pretty(&doc).expect("JSON"))
            } else {
                write!(
                    out,
                    "{}",
                    print::deal_text(&deal, &playbook, &items, &escalations, now)
                )
            }
        }
        Command::Deal(DealCommand::Export { id, json: _ }) => {
            let doc = DealDocument::from_deal(&store.deal(*id)?, &playbook);
            writeln!(out, "{}", serde_json::to_string_pretty(&doc).expect("JSON"))
        }
        Command::Deal(DealCommand::Import { file }) => {
            let text = read_input(file)?;
            let docs = parse_documents(&text).map_err(|errors| {
                let more = match errors.len() {
                    1 => String::new(),
                    n => format!(
                        " (and {} more problem{})",
                        n - 1,
                        if n == 2 { "" } else { "s" }
                    ),
                };
                Failure::usage(format!(
                    "{}: {}{more}; nothing was imported",
                    file.display(),
                    errors[0]
                ))
            })?;
            let now = clock.now();
            let deals: Vec<_> = docs
                .into_iter()
                .map(|d| d.into_deal(&playbook, now))
                .collect();
            let ids = store.save_deals(&deals, now)?;
            ids.iter().try_for_each(|id| writeln!(out, "{id}"))
        }
        Command::Battlecard { competitor, set } => {
            if let Some(notes) = set {
                store.set_battle_card(competitor, notes, clock.now())?;
            }
            match store.battle_card(competitor)? {
                Some(notes) => writeln!(out, "{}", crate::text::sanitize(&notes, true)),
                None => Err(Failure::usage(format!(
                    "no battle card for {:?} yet (set one with --set TEXT)",
                    clean(competitor)
                )))?,
            }
        }
        Command::Step { id, number, change } => {
            let change = change.change(&playbook, &clock)?;
            let (deal, outcome) =
                store.change_step(*id, None, *number, &change, &playbook, clock.now())?;
            for warning in &outcome.warnings {
                eprintln!("qualify: warning: {}", clean(warning));
            }
            let step = deal.step(*number).expect("the changed step exists");
            writeln!(
                out,
                "deal {} step {} ({}): {}",
                deal.id,
                number,
                clean(&playbook.step(*number).title),
                step.status.label()
            )
        }
    };
    result.map_err(|e| Failure::refused(format!("cannot write the output: {e}")))?;
    Ok(status)
}

/// The text of FILE, or of standard input for `-`.
fn read_input(file: &Path) -> Result<String, Failure> {
    if file.as_os_str() == "-" {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
            .map_err(|e| Failure::usage(format!("cannot read standard input: {e}")))?;
        return Ok(text);
    }
    std::fs::read_to_string(file)
        .map_err(|e| Failure::usage(format!("cannot read {}: {e}", file.display())))
}
