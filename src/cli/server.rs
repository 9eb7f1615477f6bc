//! `qualify --db URL server init|add-user|users`, and what `doctor` and
//! `backup` say on a server (whose own tools do that work).

use super::args::{Command, ServerCommand};
use crate::config::Failure;
use crate::ops::server::{self, Setup};
use crate::text::clean;

pub fn run(address: &str, command: &ServerCommand) -> Result<u8, Failure> {
    match command {
        ServerCommand::Init => {
            let (label, setup) = server::init(address)?;
            match setup {
                Setup::Done { from: 0, to } => println!(
                    "{}: qualify is set up (schema version {to}); add people with `qualify --db URL server add-user`",
                    clean(&label)
                ),
                Setup::Done { from, to } => println!(
                    "{}: the qualify schema was migrated from version {from} to {to}",
                    clean(&label)
                ),
                Setup::AlreadySetUp { version } => println!(
                    "{}: already set up (schema version {version}); nothing to do",
                    clean(&label)
                ),
            }
        }
        ServerCommand::AddUser {
            name,
            login,
            role,
            manager,
        } => {
            let label = server::add_user(address, name, login, role.key(), manager.as_deref())?;
            println!(
                "{}: {} logs in as {} ({})",
                clean(&label),
                clean(name.trim()),
                clean(login.trim()),
                role.key()
            );
        }
        ServerCommand::Users { json } => {
            let people = server::users(address)?;
            if *json {
                let rows: Vec<serde_json::Value> = people
                    .iter()
                    .map(|p| {
                        serde_json::json!({
                            "name": p.name, "login": p.login, "role": p.role, "manager": p.manager
                        })
                    })
                    .collect();
                println!(
                    "{}",
                    serde_json::to_string_pretty(&rows).expect("json serialises")
                );
            } else if people.is_empty() {
                println!("no people yet: add them with `qualify --db URL server add-user`");
            } else {
                println!("{:<24} {:<16} {:<8} manager", "name", "login", "role");
                for p in &people {
                    println!(
                        "{:<24} {:<16} {:<8} {}",
                        clean(&p.name),
                        clean(&p.login),
                        p.role_label(),
                        clean(p.manager.as_deref().unwrap_or(""))
                    );
                }
            }
        }
    }
    Ok(0)
}

/// `doctor` and `backup` are for a file; a server has its own tools.
pub fn upkeep(address: &str, command: &Command) -> Result<u8, Failure> {
    match command {
        Command::Backup { .. } => Err(Failure::usage(format!(
            "backup copies a SQLite file; back up a server's qualify schema with pg_dump: {}",
            server::backup_command(address)
        ))),
        _ => Err(Failure::usage(
            "doctor checks a SQLite file; on a server, PostgreSQL keeps its own checks (pg_amcheck, the server's log)",
        )),
    }
}
