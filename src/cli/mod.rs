//! The headless face: clap commands that parse, call ops, and print text or
//! JSON. Never touches the terminal's modes. This file only routes each
//! command to its room:
//!
//! - `args`: the command line (clap's types, the value parsers, the
//!   command line's own failures), below every other room;
//! - `print`: what is printed (JSON documents, tables, the output's kind);
//! - `deals`: `deal add|set|list|outcome|snooze|unsnooze|show` and `step`;
//! - `guide`: `step ID N guide`, the playbook's guidance for a step;
//! - `interop`: `deal import` and `deal export` in every format;
//! - `oversight`: `check`, `escalate`, `escalation`, `review`, `history`
//!   and `report` (written by `report`);
//! - `team`: `metrics`, `demo` and `battlecard`;
//! - `doctor`: `doctor` and `backup`, which never open the store.

mod args;
mod deal_args;
mod deals;
mod doctor;
mod guide;
mod interop;
mod oversight;
mod past;
mod print;
mod report;
mod server;
mod server_args;
mod team;
mod warn;

pub use crate::config::Failure;
pub use args::{
    AddArgs, Cli, Command, DealCommand, EscalationCommand, NoteArg, OutcomeArg, ReviewerArg,
    RoleArg, ScenarioArg, ServerCommand, StepCommand, check_argument_lengths, clap_failure,
};

use crate::ops::interop::ImportOptions;
use crate::ops::transfer::{ExportChoice, ExportFormat};
use std::io::Write;

/// Run one headless command; the exit status when it ran (1 from `check`
/// when something fails).
pub fn execute(cli: &Cli, command: &Command) -> Result<u8, Failure> {
    if cli.on.is_some() {
        return Err(Failure::usage(
            "--on before a command opens the TUI on a day; for one deal give it after the command: qualify deal show ID --on YYYY-MM-DD",
        ));
    }
    if let Some(address) = crate::config::server_address(&cli.options()) {
        match command {
            Command::Server(c) => return server::run(&address, c),
            Command::Doctor | Command::Backup { .. } => return server::upkeep(&address, command),
            _ => {}
        }
    }
    match command {
        Command::Server(_) => {
            return Err(Failure::usage(
                "`server` sets up a team's PostgreSQL server: give --db postgres://USER@HOST/DB (or \"host=… dbname=…\")",
            ));
        }
        Command::Doctor => return doctor::doctor(cli),
        Command::Backup { path, force } => return doctor::backup(cli, path, *force),
        _ => {}
    }
    let mut session = crate::config::open(&cli.options())?;
    let s = &mut session;
    let mut out = crate::text::SafeWriter::new(
        std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock()),
        print::output(command),
    );
    let status = match command {
        Command::Check { .. }
        | Command::Escalate { .. }
        | Command::Escalation(_)
        | Command::Review { .. }
        | Command::History { .. }
        | Command::Report { .. } => oversight::run(command, s, &mut out)?,
        Command::Deal(DealCommand::Export {
            id,
            json: _,
            format,
            out: file,
            force,
            owner,
            category,
            history,
        }) => {
            let choice = ExportChoice {
                id: *id,
                format: format.unwrap_or(ExportFormat::Json),
                owner: owner.clone(),
                category: *category,
                history: *history,
            };
            interop::run_export(choice, file.as_deref(), *force, s, &mut out)?
        }
        Command::Deal(DealCommand::Import {
            file,
            force,
            new,
            strict,
            format,
            dry_run,
        }) => {
            let options = ImportOptions {
                dry_run: *dry_run,
                force: *force,
                new: *new,
                strict: *strict,
            };
            return interop::import(file, options, *format, s, &mut out);
        }
        Command::Deal(deal_command) => deals::run(deal_command, s, &mut out)?,
        Command::Step {
            id,
            number,
            change: StepCommand::Guide { json },
        } => guide::guide(*id, *number, *json, s, &mut out)?,
        Command::Step { id, number, change } => deals::step(*id, *number, change, s, &mut out)?,
        Command::Metrics {
            json,
            owner,
            from,
            to,
        } => team::metrics(*json, owner.as_deref(), *from, *to, s, &mut out)?,
        Command::Demo { deals, seed } => team::demo(*deals, *seed, s, &mut out)?,
        Command::Changes { since, owner, json } => {
            past::changes(*since, owner.as_deref(), *json, s, &mut out)?
        }
        Command::Battlecard { competitor, set } => {
            team::battle_card(competitor, set.as_deref(), s, &mut out)?
        }
        // they never open the store (see the top of this function)
        Command::Doctor | Command::Backup { .. } | Command::Server(_) => 0,
    };
    out.flush().map_err(print::write_failure)?;
    Ok(status)
}
