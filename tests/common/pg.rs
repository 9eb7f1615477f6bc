//! The PostgreSQL server the server tests run on: the private cluster
//! `scripts/test` (and `.ci/run`) start, named by `QUALIFY_TEST_PG`. Each
//! test gets a database of its own, set up with `server init`.

use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The cluster's address (a libpq key-value string). A test that needs the
/// server fails, saying how to start one, when none is given: none passes
/// by skipping.
pub fn cluster() -> String {
    std::env::var("QUALIFY_TEST_PG").unwrap_or_else(|_| {
        panic!(
            "the server tests need PostgreSQL 15: run them with `scripts/test` (or `.ci/run`), \
             which starts a private cluster and sets QUALIFY_TEST_PG"
        )
    })
}

/// The value of `key` in a key-value address.
fn part(address: &str, key: &str) -> Option<String> {
    address
        .split_whitespace()
        .find_map(|pair| pair.strip_prefix(&format!("{key}=")).map(str::to_string))
}

/// A database of this test's own on the cluster.
pub struct TestDb {
    pub name: String,
    host: String,
}

static NEXT: AtomicUsize = AtomicUsize::new(0);

impl TestDb {
    /// A new, empty database (nothing set up).
    pub fn empty(tag: &str) -> TestDb {
        TestDb::empty_on(&cluster(), tag)
    }

    /// A new, empty database on the cluster at `cluster`.
    pub fn empty_on(cluster: &str, tag: &str) -> TestDb {
        let cluster = cluster.to_string();
        let host = part(&cluster, "host").expect("QUALIFY_TEST_PG names a host");
        let name = format!(
            "t_{tag}_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        );
        let out = Command::new("psql")
            .args([&cluster, "-qAt", "-v", "ON_ERROR_STOP=1", "-c"])
            .arg(format!("CREATE DATABASE {name}"))
            .output()
            .expect("psql runs");
        assert!(
            out.status.success(),
            "CREATE DATABASE failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        TestDb { name, host }
    }

    /// A new database with the qualify schema set up.
    pub fn new(tag: &str) -> TestDb {
        TestDb::set_up(TestDb::empty(tag))
    }

    /// `db` with the qualify schema set up.
    pub fn set_up(db: TestDb) -> TestDb {
        let out = db.qualify_admin(&["server", "init"]);
        assert!(
            out.status.success(),
            "server init: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        db
    }

    /// The address as the administrator (the cluster's superuser).
    pub fn admin(&self) -> String {
        self.login("postgres")
    }

    /// The address as `login`.
    pub fn login(&self, login: &str) -> String {
        format!("host={} user={login} dbname={}", self.host, self.name)
    }

    /// Run qualify as the administrator.
    pub fn qualify_admin(&self, args: &[&str]) -> std::process::Output {
        self.qualify_as("postgres", args)
    }

    /// Run qualify as `login`.
    pub fn qualify_as(&self, login: &str, args: &[&str]) -> std::process::Output {
        Command::new(env!("CARGO_BIN_EXE_qualify"))
            .arg("--db")
            .arg(self.login(login))
            .args(args)
            .env_remove("QUALIFY_USER")
            .env_remove("QUALIFY_DB")
            .output()
            .expect("qualify runs")
    }

    /// Run SQL with psql as `login`, stopping at the first error.
    pub fn psql_as(&self, login: &str, sql: &str) -> std::process::Output {
        Command::new("psql")
            .arg(self.login(login))
            .args(["-qAt", "-v", "ON_ERROR_STOP=1", "-c", sql])
            .output()
            .expect("psql runs")
    }

    /// Add a person, as the administrator.
    pub fn add(&self, name: &str, login: &str, role: &str, manager: Option<&str>) {
        let mut args = vec!["server", "add-user", name, "--login", login, "--role", role];
        if let Some(m) = manager {
            args.extend(["--manager", m]);
        }
        let out = self.qualify_admin(&args);
        assert!(
            out.status.success(),
            "add-user: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// A private cluster of a test's own, which it may crash and restart
/// without disturbing other tests; stopped and removed when dropped.
pub struct OwnCluster {
    pub dir: std::path::PathBuf,
    pub address: String,
}

impl OwnCluster {
    pub fn start() -> OwnCluster {
        let dir = std::env::temp_dir().join(format!(
            "qualify-own-pg-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        ));
        let out = Command::new(script())
            .arg("start")
            .arg(&dir)
            .output()
            .expect("scripts/pg-cluster runs");
        assert!(
            out.status.success(),
            "a private PostgreSQL 15 cluster could not start (the server tests need it): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let address = String::from_utf8_lossy(&out.stdout).trim().to_string();
        OwnCluster { dir, address }
    }

    /// Kill the server without a shutdown, or start it again.
    pub fn run(&self, action: &str) {
        let out = Command::new(script())
            .arg(action)
            .arg(&self.dir)
            .output()
            .expect("scripts/pg-cluster runs");
        assert!(
            out.status.success(),
            "pg-cluster {action}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for OwnCluster {
    fn drop(&mut self) {
        let _ = Command::new(script()).arg("stop").arg(&self.dir).output();
    }
}

fn script() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/pg-cluster")
}
