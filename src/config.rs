//! Start-up, owned by neither face: which database, which playbook, who is
//! acting and which clock. A failure to start is a [`Failure`] (one line and
//! an exit status), which lives in [`crate::failure`] and is re-exported
//! here.

use crate::clock::Clock;
use crate::domain::playbook::Playbook;
use crate::ops::Session;
use crate::store::Store;
use crate::text::clean;
use chrono::{DateTime, NaiveDate, Utc};
use std::path::{Path, PathBuf};

pub use crate::failure::Failure;

/// What the command line (or the environment) chose.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub db: Option<PathBuf>,
    pub playbook: Option<PathBuf>,
    pub as_of: Option<DateTime<Utc>>,
    pub user: Option<String>,
    /// The TUI's deal screen shows deals as they stood at the end of this day.
    pub on: Option<NaiveDate>,
}

/// Open what `options` name: the playbook, the database, the user, the clock.
pub fn open(options: &Options) -> Result<Session, Failure> {
    let playbook = load_playbook(options.playbook.as_deref())?;
    if let Some(address) = server_address(options) {
        return open_server(options, &address, playbook);
    }
    let path = db_path(options)?;
    let user = actor(options);
    let store = Store::open(&path)?;
    let mut session = Session::new(store, playbook, clock(options), &user);
    session.db = path;
    session.fill_pipeline()?;
    shown_on(session, options)
}

/// The day deals are shown as they stood (`--on`): up to today.
fn shown_on(mut session: Session, options: &Options) -> Result<Session, Failure> {
    if let Some(day) = options.on {
        let today = session.clock.today();
        if day > today {
            return Err(Failure::usage(format!(
                "--on {day} is after today ({today}): give a day up to today"
            )));
        }
        session.on = Some(day);
    }
    Ok(session)
}

/// The PostgreSQL server `--db` / `QUALIFY_DB` names, if it names one.
pub fn server_address(options: &Options) -> Option<String> {
    let db = options.db.as_ref()?.to_str()?;
    crate::ops::server::names_server(db).then(|| db.to_string())
}

/// A session on a team's server: the person acting is the one the login
/// is mapped to, so `--user` is refused there.
fn open_server(options: &Options, address: &str, playbook: Playbook) -> Result<Session, Failure> {
    if options.user.is_some() {
        return Err(Failure::usage(
            "--user and QUALIFY_USER are not taken on a server: you are the person your login is mapped to (`qualify --db URL server users` lists them)",
        ));
    }
    let session = Session::on_server(address, playbook, clock(options))?;
    shown_on(session, options)
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

/// The database `--db` / `QUALIFY_DB` names (its folder must exist), or the
/// default one, whose folder is created 0700 (and tightened if looser).
pub fn db_path(options: &Options) -> Result<PathBuf, Failure> {
    match &options.db {
        Some(path) if path.as_os_str().is_empty() => Err(Failure::usage("--db needs a file path")),
        Some(path) => Ok(path.clone()),
        None => {
            let path = crate::paths::default_db().ok_or_else(|| {
                Failure::usage("no data directory is known for this user; give --db PATH")
            })?;
            let folder = crate::files::folder_of(&path);
            crate::files::private_folder(folder).map_err(|e| {
                Failure::usage(format!(
                    "cannot create the data folder {}: {e}; give --db PATH",
                    folder.display()
                ))
            })?;
            Ok(path)
        }
    }
}

pub fn clock(options: &Options) -> Clock {
    options.as_of.map_or_else(Clock::system, Clock::fixed)
}

/// Who is acting: `--user` / `QUALIFY_USER`, else the login name.
pub fn actor(options: &Options) -> String {
    let login = ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok())
        .or_else(os_user);
    options
        .user
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
