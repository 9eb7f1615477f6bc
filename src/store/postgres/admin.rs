//! Setting a server up, run by the administrator who owns the database:
//! the schema and its roles (`server init`), and the people each login is
//! (`server add-user`, `server users`).

use super::conn::{Person, Server};
use super::schema::{latest_version, migration_sql, quoted, role_names};
use crate::store::error::{Result, StoreError};

/// What `server init` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Setup {
    /// The schema was created, or migrated from an older version.
    Done { from: i32, to: i32 },
    /// The schema was already at this build's version.
    AlreadySetUp { version: i32 },
}

impl Server {
    /// The database's name.
    pub fn database(&self) -> Result<String> {
        let row = self
            .conn()?
            .query_one("SELECT current_database()::text", &[])
            .map_err(|e| self.fail(e))?;
        Ok(row.get(0))
    }

    /// Create (or migrate) the `qualify` schema, owned by a role nobody
    /// logs in as, and the group role every qualify login joins.
    pub fn init(&mut self) -> Result<Setup> {
        let latest = latest_version();
        let from = self.schema_version()?.unwrap_or(0);
        if from == latest {
            return Ok(Setup::AlreadySetUp { version: from });
        }
        if from > latest {
            return Err(StoreError::Server {
                server: self.label.clone(),
                problem: format!(
                    "has a newer qualify schema (version {from}, this qualify knows {latest})"
                ),
                next: "use a newer qualify".into(),
            });
        }
        let (owner, users) = role_names(&self.database()?);
        let label = self.label.clone();
        let client = self.client.get_mut();
        let fail = |e: postgres::Error| setup_error(&label, &e);
        let mut tx = client.transaction().map_err(fail)?;
        for role in [&owner, &users] {
            let exists: bool = tx
                .query_one(
                    "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)",
                    &[role],
                )
                .map_err(fail)?
                .get(0);
            if !exists {
                tx.batch_execute(&format!("CREATE ROLE {} NOLOGIN", quoted(role)))
                    .map_err(fail)?;
            }
        }
        tx.batch_execute(&format!("GRANT {} TO CURRENT_USER", quoted(&owner)))
            .map_err(fail)?;
        if from == 0 {
            tx.batch_execute(&format!(
                "CREATE SCHEMA IF NOT EXISTS qualify AUTHORIZATION {}",
                quoted(&owner)
            ))
            .map_err(fail)?;
        }
        // the typed filter's trigram indexes (a trusted extension: the
        // database's owner may create it)
        tx.batch_execute("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA qualify")
            .map_err(|e| StoreError::Server {
                server: label.clone(),
                problem: format!(
                    "could not add the pg_trgm extension ({})",
                    e.as_db_error()
                        .map_or_else(|| e.to_string(), |d| d.message().to_string())
                ),
                next: "run `server init` as the database's owner, on a server that offers \
                       pg_trgm (PostgreSQL's contrib modules)"
                    .into(),
            })?;
        tx.batch_execute(&format!("SET LOCAL ROLE {}", quoted(&owner)))
            .map_err(fail)?;
        for i in from as usize..latest as usize {
            tx.batch_execute(&migration_sql(i, &owner, &users))
                .map_err(fail)?;
        }
        tx.execute("UPDATE qualify.schema_version SET version = $1", &[&latest])
            .map_err(fail)?;
        tx.commit().map_err(fail)?;
        Ok(Setup::Done { from, to: latest })
    }

    /// Map `login` (created when missing, able to log in) to a person with
    /// a role and, for an AE or SA, a manager; a person already named is
    /// mapped again.
    pub fn add_user(
        &mut self,
        name: &str,
        login: &str,
        role: &str,
        manager: Option<&str>,
    ) -> Result<()> {
        let invalid = |message: String| {
            StoreError::Invalid(vec![crate::domain::deal::FieldError {
                field: "user".into(),
                message,
            }])
        };
        let name = name.trim();
        let login = login.trim();
        if name.is_empty() || name.chars().any(char::is_control) {
            return Err(invalid(
                "the person's name must be text without control characters".into(),
            ));
        }
        if login.is_empty() || login.chars().any(|c| c.is_control() || c == '"') {
            return Err(invalid("the login must be a PostgreSQL role name".into()));
        }
        if !["ae", "sa", "manager"].contains(&role) {
            return Err(invalid(format!(
                "unknown role {role}: give ae, sa or manager"
            )));
        }
        let (owner, users) = role_names(&self.database()?);
        let label = self.label.clone();
        if let Some(m) = manager {
            let found = self.users()?.into_iter().find(|p| p.name == m.trim());
            match found {
                Some(p) if p.role == "manager" => {}
                Some(p) => {
                    return Err(invalid(format!(
                        "{} is an {}, not a manager",
                        p.name,
                        p.role_label()
                    )));
                }
                None => {
                    return Err(invalid(format!(
                        "no person named {}: add the manager first (`server add-user NAME --login LOGIN --role manager`)",
                        m.trim()
                    )));
                }
            }
        }
        let client = self.client.get_mut();
        let fail = |e: postgres::Error| setup_error(&label, &e);
        let mut tx = client.transaction().map_err(fail)?;
        let exists: bool = tx
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)",
                &[&login],
            )
            .map_err(fail)?
            .get(0);
        if !exists {
            tx.batch_execute(&format!("CREATE ROLE {} LOGIN", quoted(login)))
                .map_err(fail)?;
        }
        tx.batch_execute(&format!("GRANT {} TO {}", quoted(&users), quoted(login)))
            .map_err(fail)?;
        tx.batch_execute(&format!("SET LOCAL ROLE {}", quoted(&owner)))
            .map_err(fail)?;
        tx.execute(
            "INSERT INTO qualify.people (name, login, role, manager) VALUES ($1, $2, $3, $4)
             ON CONFLICT (name) DO UPDATE SET login = excluded.login, role = excluded.role,
                manager = excluded.manager",
            &[&name, &login, &role, &manager.map(str::trim)],
        )
        .map_err(fail)?;
        tx.commit().map_err(fail)?;
        Ok(())
    }

    /// Everyone mapped to a login, by name.
    pub fn users(&self) -> Result<Vec<Person>> {
        let rows = self
            .conn()?
            .query(
                "SELECT name, login, role, manager FROM qualify.people ORDER BY lower(name), name",
                &[],
            )
            .map_err(|e| self.fail(e))?;
        Ok(rows
            .iter()
            .map(|r| Person {
                name: r.get(0),
                login: r.get(1),
                role: r.get(2),
                manager: r.get(3),
            })
            .collect())
    }

    /// Act as the schema's owner (an administrator moving a team's deals
    /// in, keeping who and when): only for a login that may.
    pub fn act_as_owner(&mut self) -> Result<bool> {
        let (owner, _) = role_names(&self.database()?);
        let label = self.label.clone();
        let client = self.client.get_mut();
        let may: bool = client
            .query_one("SELECT pg_has_role(session_user, $1, 'USAGE')", &[&owner])
            .map_err(|e| setup_error(&label, &e))?
            .get(0);
        if may {
            client
                .batch_execute(&format!("SET ROLE {}", quoted(&owner)))
                .map_err(|e| setup_error(&label, &e))?;
            let login: String = client
                .query_one("SELECT session_user::text", &[])
                .map_err(|e| setup_error(&label, &e))?
                .get(0);
            self.actor = login;
            self.owner_role = Some(owner);
        }
        Ok(may)
    }
}

/// A set-up step the server refused, said with what to do.
fn setup_error(label: &str, e: &postgres::Error) -> StoreError {
    match e.as_db_error() {
        Some(db) if *db.code() == postgres::error::SqlState::INSUFFICIENT_PRIVILEGE => {
            StoreError::Server {
                server: label.to_string(),
                problem: format!("refused the set-up ({})", db.message()),
                next: "run it as the database's owner, with the CREATEROLE privilege".into(),
            }
        }
        _ => super::conn::error_of(label, e),
    }
}
