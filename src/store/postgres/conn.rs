//! The connection to the server: the address (a `postgres://` URL or a
//! libpq key-value string), TLS where the address asks for it, the person
//! the login is, the schema's version, and the server's failures in the
//! store's terms, each naming the server and the next step.

use super::schema;
use crate::store::Summarizer;
use crate::store::error::{Fault, Result, StoreError};
use fallible_iterator::FallibleIterator;
use postgres::error::SqlState;
use postgres::{Client, Config};
use std::cell::{Cell, RefCell};
use std::str::FromStr;

/// Whether `text` names a PostgreSQL server rather than a SQLite file: a
/// `postgres://` or `postgresql://` URL, or a libpq key-value string (a
/// `key=value` pair with a key libpq knows).
pub fn is_server_address(text: &str) -> bool {
    let t = text.trim();
    if t.starts_with("postgres://") || t.starts_with("postgresql://") {
        return true;
    }
    const KEYS: &[&str] = &[
        "host",
        "hostaddr",
        "port",
        "dbname",
        "user",
        "password",
        "sslmode",
        "application_name",
        "connect_timeout",
        "options",
    ];
    t.split_whitespace().any(|pair| {
        pair.split_once('=')
            .is_some_and(|(key, _)| KEYS.contains(&key))
    })
}

/// The person a login is on the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub name: String,
    pub login: String,
    pub role: String,
    pub manager: Option<String>,
}

impl Person {
    /// The role as the header shows it.
    pub fn role_label(&self) -> &'static str {
        match self.role.as_str() {
            "sa" => "SA",
            "manager" => "manager",
            _ => "AE",
        }
    }
}

/// The PostgreSQL engine: one connection to one database's `qualify`
/// schema, acting as the person its login is.
pub struct Server {
    pub(super) client: RefCell<Client>,
    /// The address as given, to open a second connection.
    pub(super) address: String,
    /// `host/dbname`, as messages and the header name the server.
    pub(super) label: String,
    /// The person the login is (none for an administrator's connection).
    pub(super) person: Option<Person>,
    /// Who the audit trail names: the person.
    pub(super) actor: String,
    pub(super) summarize: Option<Summarizer>,
    /// Changes told by the server (LISTEN/NOTIFY) since the connection opened.
    pub(super) told: Cell<i64>,
    /// The schema owner's role, while an administrator acts as it.
    pub(super) owner_role: Option<String>,
    /// What the last count found for a typed filter, for the page read next.
    pub(super) found: RefCell<Option<super::words::Found>>,
}

impl Server {
    /// Connect to the server at `address` (no identity asked yet).
    pub fn connect(address: &str) -> Result<Server> {
        let config = Config::from_str(address.trim()).map_err(|e| StoreError::Server {
            server: "the server address".into(),
            problem: format!("is not a PostgreSQL address ({e})"),
            next: "give a URL such as postgres://USER@HOST/DB or a key-value string such as \
                   \"host=/run/postgresql dbname=qualify\""
                .into(),
        })?;
        let label = label_of(&config);
        let tls = native_tls::TlsConnector::new().map_err(|e| StoreError::Server {
            server: label.clone(),
            problem: format!("TLS could not be set up ({e})"),
            next: "check the system's certificates".into(),
        })?;
        let mut config = config;
        if config.get_application_name().is_none() {
            config.application_name("qualify");
        }
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(std::time::Duration::from_secs(10));
        }
        let client = config
            .connect(postgres_native_tls::MakeTlsConnector::new(tls))
            .map_err(|e| connect_error(&label, &e))?;
        Ok(Server {
            client: RefCell::new(client),
            address: address.trim().to_string(),
            label,
            person: None,
            actor: "unknown".into(),
            summarize: None,
            told: Cell::new(0),
            owner_role: None,
            found: RefCell::new(None),
        })
    }

    /// Connect as a person: the schema must be there at this build's version
    /// and the login must be mapped to a person. Listens for changes.
    pub fn open(address: &str) -> Result<Server> {
        let mut server = Server::connect(address)?;
        let exists: bool = server
            .client
            .get_mut()
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'qualify')",
                &[],
            )
            .map_err(|e| error_of(&server.label, &e))?
            .get(0);
        if exists && !server.may_use_schema()? && !server.act_as_owner()? {
            return Err(server.not_a_person());
        }
        server.check_schema()?;
        match server.whoami()? {
            Some(person) => {
                server.actor = person.name.clone();
                server.person = Some(person);
            }
            None if server.act_as_owner()? => {}
            None => {
                let login = server
                    .session_user()
                    .unwrap_or_else(|_| "this login".into());
                return Err(StoreError::Server {
                    server: server.label.clone(),
                    problem: format!("the login {login} is not a qualify person"),
                    next: format!(
                        "ask the administrator to run `qualify --db URL server add-user NAME --login {login} --role ae|sa|manager`"
                    ),
                });
            }
        }
        server
            .client
            .get_mut()
            .batch_execute("LISTEN qualify_changes")
            .map_err(|e| server.fail(e))?;
        Ok(server)
    }

    fn not_a_person(&self) -> StoreError {
        let login = self.session_user().unwrap_or_else(|_| "this login".into());
        StoreError::Server {
            server: self.label.clone(),
            problem: format!("has no qualify person for the login {login}"),
            next: format!(
                "ask the administrator to run `qualify --db URL server add-user NAME --login {login} --role ae|sa|manager`"
            ),
        }
    }

    /// Whether the login may use the qualify schema (is one of its people,
    /// or may act as its owner).
    fn may_use_schema(&self) -> Result<bool> {
        let row = self
            .conn()?
            .query_one("SELECT has_schema_privilege('qualify', 'USAGE')", &[])
            .map_err(|e| self.fail(e))?;
        Ok(row.get(0))
    }

    /// The login the connection uses.
    pub fn session_user(&self) -> Result<String> {
        let row = self
            .conn()?
            .query_one("SELECT session_user::text", &[])
            .map_err(|e| self.fail(e))?;
        Ok(row.get(0))
    }

    /// The person the connection's login is, if any.
    pub fn whoami(&self) -> Result<Option<Person>> {
        let mut client = self.conn()?;
        let may: bool = client
            .query_one("SELECT has_schema_privilege('qualify', 'USAGE')", &[])
            .map_err(|e| self.fail(e))?
            .get(0);
        if !may {
            return Ok(None);
        }
        let rows = client
            .query(
                "SELECT name, login, role, manager FROM qualify.people WHERE login = session_user",
                &[],
            )
            .map_err(|e| self.fail(e))?;
        Ok(rows.first().map(|r| Person {
            name: r.get(0),
            login: r.get(1),
            role: r.get(2),
            manager: r.get(3),
        }))
    }

    /// The schema's version: `None` when the server has no qualify schema.
    pub fn schema_version(&self) -> Result<Option<i32>> {
        let mut client = self.conn()?;
        let exists: bool = client
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'qualify')",
                &[],
            )
            .map_err(|e| self.fail(e))?
            .get(0);
        if !exists {
            return Ok(None);
        }
        let row = client
            .query_one("SELECT version FROM qualify.schema_version", &[])
            .map_err(|e| self.fail(e))?;
        Ok(Some(row.get(0)))
    }

    fn check_schema(&self) -> Result<()> {
        let latest = schema::latest_version();
        match self.schema_version()? {
            None => Err(StoreError::Server {
                server: self.label.clone(),
                problem: "has no qualify schema".into(),
                next: "the database's owner sets it up once with `qualify --db URL server init`"
                    .into(),
            }),
            Some(v) if v < latest => Err(StoreError::Server {
                server: self.label.clone(),
                problem: format!(
                    "has an older qualify schema (version {v}, this qualify uses {latest})"
                ),
                next: "the database's owner migrates it with `qualify --db URL server init`".into(),
            }),
            Some(v) if v > latest => Err(StoreError::Server {
                server: self.label.clone(),
                problem: format!(
                    "has a newer qualify schema (version {v}, this qualify knows {latest})"
                ),
                next: "use a newer qualify".into(),
            }),
            Some(_) => Ok(()),
        }
    }

    /// The person acting, once connected as one.
    pub fn person(&self) -> Option<&Person> {
        self.person.as_ref()
    }

    /// Who the history names: the person, or the administrator's login.
    pub fn actor(&self) -> &str {
        &self.actor
    }

    /// `host/dbname`.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The connection, opened again first if the server dropped it (a
    /// restart): the session carries on once the server is back.
    pub(super) fn conn(&self) -> Result<std::cell::RefMut<'_, Client>> {
        if self.client.borrow().is_closed() {
            let fresh = Server::connect(&self.address)?.client.into_inner();
            *self.client.borrow_mut() = fresh;
            let mut client = self.client.borrow_mut();
            if let Some(owner) = &self.owner_role {
                client
                    .batch_execute(&format!("SET ROLE {}", super::schema::quoted(owner)))
                    .map_err(|e| self.fail(e))?;
            }
            if self.person.is_some() {
                client
                    .batch_execute("LISTEN qualify_changes")
                    .map_err(|e| self.fail(e))?;
            }
            return Ok(client);
        }
        Ok(self.client.borrow_mut())
    }

    /// A server failure in the store's terms, naming the server.
    pub(super) fn fail(&self, e: postgres::Error) -> StoreError {
        error_of(&self.label, &e)
    }

    /// Run `f` inside one transaction: all or nothing.
    pub(super) fn write_with<T>(
        &mut self,
        f: impl FnOnce(&mut postgres::Transaction<'_>, Option<&Summarizer>, &str) -> Result<T>,
    ) -> Result<T> {
        drop(self.conn()?);
        let label = self.label.clone();
        let summarize = self.summarize.as_ref();
        let actor = self.actor.as_str();
        let client = self.client.get_mut();
        let mut tx = client.transaction().map_err(|e| error_of(&label, &e))?;
        let value = f(&mut tx, summarize, actor)?;
        tx.commit().map_err(|e| error_of(&label, &e))?;
        Ok(value)
    }

    /// Count the changes the server told of (LISTEN/NOTIFY), reading
    /// what has arrived without waiting.
    pub(super) fn count_told(&self) -> Result<i64> {
        let mut client = self.conn()?;
        let mut told = 0;
        let mut notes = client.notifications();
        // a moment's wait lets the connection's reactor read what arrived
        // (a wait of none returns before it looks)
        let mut iter = notes.timeout_iter(std::time::Duration::from_millis(2));
        while iter
            .next()
            .map_err(|e| error_of(&self.label, &e))?
            .is_some()
        {
            told += 1;
        }
        self.told.set(self.told.get() + told);
        Ok(self.told.get())
    }
}

/// `host/dbname` of an address, for messages.
fn label_of(config: &Config) -> String {
    let host = config
        .get_hosts()
        .first()
        .map(|h| match h {
            postgres::config::Host::Tcp(name) => name.clone(),
            postgres::config::Host::Unix(path) => path.display().to_string(),
        })
        .unwrap_or_else(|| "localhost".into());
    let db = config
        .get_dbname()
        .map(str::to_string)
        .or_else(|| config.get_user().map(str::to_string))
        .unwrap_or_else(|| "postgres".into());
    crate::text::clean(&format!("{host}/{db}"))
}

/// A failure to connect, said with what to do.
fn connect_error(label: &str, e: &postgres::Error) -> StoreError {
    let (problem, next) = match e.code() {
        Some(c) if *c == SqlState::INVALID_PASSWORD => (
            "refused the password".to_string(),
            "check the password (PGPASSFILE or the address's password)".to_string(),
        ),
        Some(c) if *c == SqlState::INVALID_AUTHORIZATION_SPECIFICATION => (
            format!("refused the login ({})", first_line(e)),
            "check the user in the address, and ask the administrator for a login".to_string(),
        ),
        Some(c) if *c == SqlState::INVALID_CATALOG_NAME => (
            format!("has no such database ({})", first_line(e)),
            "check the database name in the address".to_string(),
        ),
        _ => (
            format!("cannot be reached ({})", first_line(e)),
            "check the address and that the server is running".to_string(),
        ),
    };
    StoreError::Server {
        server: label.to_string(),
        problem,
        next,
    }
}

fn first_line(e: &postgres::Error) -> String {
    let text = match e.as_db_error() {
        Some(db) => db.message().to_string(),
        None => {
            let mut text = e.to_string();
            let mut source = std::error::Error::source(e);
            while let Some(s) = source {
                text = s.to_string();
                source = s.source();
            }
            text
        }
    };
    text.lines().next().unwrap_or_default().to_string()
}

/// A server failure in the store's terms.
pub(super) fn error_of(label: &str, e: &postgres::Error) -> StoreError {
    if let Some(db) = e.as_db_error() {
        let code = db.code();
        if *code == SqlState::INSUFFICIENT_PRIVILEGE {
            return StoreError::Refused(format!("the server refused: {}", db.message()));
        }
        if *code == SqlState::T_R_SERIALIZATION_FAILURE || *code == SqlState::T_R_DEADLOCK_DETECTED
        {
            return StoreError::Engine {
                fault: Fault::Busy,
                message: db.message().to_string(),
            };
        }
        if *code == SqlState::UNDEFINED_TABLE || *code == SqlState::INVALID_SCHEMA_NAME {
            return StoreError::Server {
                server: label.to_string(),
                problem: format!("lacks part of the qualify schema ({})", db.message()),
                next: "the database's owner runs `qualify --db URL server init`".into(),
            };
        }
        if *code == SqlState::DISK_FULL {
            return StoreError::Engine {
                fault: Fault::DiskFull,
                message: db.message().to_string(),
            };
        }
        return StoreError::Engine {
            fault: Fault::Other,
            message: db.message().to_string(),
        };
    }
    StoreError::Server {
        server: label.to_string(),
        problem: format!("was lost ({})", first_line(e)),
        next: "nothing was half-written; check that the server is running and try again".into(),
    }
}
