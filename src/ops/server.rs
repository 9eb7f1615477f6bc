//! The team server's set-up, for the administrator who owns the database:
//! create or migrate the schema, map logins to people, list them. These
//! run on a connection that is nobody's person yet, so they take the
//! server's address rather than a [`Session`](super::Session).

use crate::store::StoreError;
use crate::store::postgres::Server;
pub use crate::store::postgres::admin::Setup;
pub use crate::store::postgres::{Person, is_server_address};

/// Whether a `--db` value names a PostgreSQL server.
pub fn names_server(db: &str) -> bool {
    is_server_address(db)
}

/// Create the `qualify` schema on the server at `address`, or migrate an
/// older one; said as it is when already set up.
pub fn init(address: &str) -> Result<(String, Setup), StoreError> {
    let mut server = Server::connect(address)?;
    let setup = server.init()?;
    Ok((server.label().to_string(), setup))
}

/// Map a login to a person with a role (and a manager).
pub fn add_user(
    address: &str,
    name: &str,
    login: &str,
    role: &str,
    manager: Option<&str>,
) -> Result<String, StoreError> {
    let mut server = opened(address)?;
    server.add_user(name, login, role, manager)?;
    Ok(server.label().to_string())
}

/// Everyone mapped to a login.
pub fn users(address: &str) -> Result<Vec<Person>, StoreError> {
    opened(address)?.users()
}

/// A connection to a server whose schema is set up.
fn opened(address: &str) -> Result<Server, StoreError> {
    let server = Server::connect(address)?;
    if server.schema_version()?.is_none() {
        return Err(StoreError::Server {
            server: server.label().to_string(),
            problem: "has no qualify schema".into(),
            next: "set it up first with `qualify --db URL server init`".into(),
        });
    }
    Ok(server)
}

/// The `pg_dump` command that backs up the server's qualify schema (any
/// password in the address left out: pg_dump reads ~/.pgpass or asks).
pub fn backup_command(address: &str) -> String {
    format!(
        "pg_dump --schema=qualify --format=custom --file=qualify.dump '{}'",
        without_password(address).replace('\'', "'\\''")
    )
}

/// The address without its password.
fn without_password(address: &str) -> String {
    let address = address.trim();
    if let Some(rest) = address
        .strip_prefix("postgres://")
        .or_else(|| address.strip_prefix("postgresql://"))
    {
        let scheme = &address[..address.len() - rest.len()];
        return match rest.split_once('@') {
            Some((user, host)) => {
                let user = user.split_once(':').map_or(user, |(u, _)| u);
                format!("{scheme}{user}@{host}")
            }
            None => address.to_string(),
        };
    }
    address
        .split_whitespace()
        .filter(|pair| !pair.starts_with("password="))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backup_command_never_shows_a_password() {
        let url = backup_command("postgres://dana:s3cret@db.example.com/qualify");
        assert!(
            url.contains("postgres://dana@db.example.com/qualify"),
            "{url}"
        );
        let kv = backup_command("host=/run/pg user=dana password=s3cret dbname=q");
        assert!(kv.contains("'host=/run/pg user=dana dbname=q'"), "{kv}");
        for c in [url, kv] {
            assert!(!c.contains("s3cret"), "{c}");
        }
    }
}
