//! The command line of `qualify --db URL server …` (below `args`, which
//! names it among the commands).

use clap::{Subcommand, ValueEnum};

/// `qualify --db URL server …`: run by the administrator who owns the database.
#[derive(Debug, Subcommand)]
pub enum ServerCommand {
    /// Create the qualify schema, its roles and row rules (or migrate an older one)
    Init,
    /// Map a login (created when missing) to a person with a role and manager
    AddUser {
        /// The person's name, as deals and the history name them
        name: String,
        /// The PostgreSQL login they connect with
        #[arg(long, value_name = "LOGIN")]
        login: String,
        #[arg(long, value_enum)]
        role: RoleArg,
        /// Their manager (a person already added with --role manager)
        #[arg(long, value_name = "NAME")]
        manager: Option<String>,
    },
    /// Everyone mapped to a login: name, login, role, manager
    Users {
        #[arg(long)]
        json: bool,
    },
}

/// A person's role on a team's server.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RoleArg {
    Ae,
    Sa,
    Manager,
}

impl RoleArg {
    pub fn key(self) -> &'static str {
        match self {
            RoleArg::Ae => "ae",
            RoleArg::Sa => "sa",
            RoleArg::Manager => "manager",
        }
    }
}
