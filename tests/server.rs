//! qualify on a team's PostgreSQL server: set-up, identity from the login,
//! the database's own rules over who sees and signs what (through qualify
//! and through raw SQL over the same login), and the same answers as the
//! SQLite engine on the same deals.

mod common;

use common::pg::TestDb;
use std::process::{Command, Output};

fn text(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn err(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn ok(out: Output) -> String {
    assert!(
        out.status.success(),
        "expected success, got {:?}: {}{}",
        out.status.code(),
        text(&out),
        err(&out)
    );
    text(&out)
}

fn refused(out: &Output, code: i32, says: &str) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "stdout: {} stderr: {}",
        text(out),
        err(out)
    );
    assert!(
        err(out).contains(says),
        "expected {says:?} in: {}",
        err(out)
    );
    assert_eq!(err(out).trim().lines().count(), 1, "one line: {}", err(out));
}

/// The team of the end-to-end walk: a manager, two AEs of hers, an SA.
fn team(tag: &str) -> TestDb {
    let db = TestDb::new(tag);
    db.add("Maria Chen", "maria", "manager", None);
    db.add("Dana Reyes", "dana", "ae", Some("Maria Chen"));
    db.add("Lee Park", "lee", "ae", Some("Maria Chen"));
    db.add("Sam Okafor", "sam", "sa", Some("Maria Chen"));
    db.add("Ola Berg", "ola", "manager", None);
    db
}

const AS_OF: &str = "--as-of=2026-12-01T12:00:00Z";

#[test]
fn init_twice_says_already_set_up_and_users_lists_the_people() {
    let db = TestDb::empty("init");
    let first = ok(db.qualify_admin(&["server", "init"]));
    assert!(first.contains("qualify is set up"), "{first}");
    let second = ok(db.qualify_admin(&["server", "init"]));
    assert!(second.contains("already set up"), "{second}");
    db.add("Maria Chen", "maria", "manager", None);
    db.add("Dana Reyes", "dana", "ae", Some("Maria Chen"));
    let users = ok(db.qualify_admin(&["server", "users", "--json"]));
    let people: serde_json::Value = serde_json::from_str(&users).unwrap();
    assert_eq!(people[0]["name"], "Dana Reyes");
    assert_eq!(people[0]["manager"], "Maria Chen");
    assert_eq!(people[1]["role"], "manager");
    // the tables belong to a role nobody logs in as
    let owner = db.psql_as(
        "postgres",
        "SELECT DISTINCT r.rolcanlogin FROM pg_tables t JOIN pg_roles r ON r.rolname = t.tableowner
         WHERE t.schemaname = 'qualify'",
    );
    assert_eq!(text(&owner).trim(), "f");
}

#[test]
fn a_manager_must_exist_and_be_a_manager() {
    let db = TestDb::new("mgr");
    db.add("Sam Okafor", "sam", "sa", None);
    let out = db.qualify_admin(&[
        "server",
        "add-user",
        "Dana Reyes",
        "--login",
        "dana",
        "--role",
        "ae",
        "--manager",
        "Nobody",
    ]);
    refused(&out, 2, "no person named Nobody");
    let out = db.qualify_admin(&[
        "server",
        "add-user",
        "Dana Reyes",
        "--login",
        "dana",
        "--role",
        "ae",
        "--manager",
        "Sam Okafor",
    ]);
    refused(&out, 2, "not a manager");
}

#[test]
fn faults_at_the_door_each_get_one_line_and_exit_2() {
    let db = TestDb::empty("door");
    // no schema yet
    refused(
        &db.qualify_admin(&["deal", "list"]),
        2,
        "has no qualify schema",
    );
    let out = db.qualify_as("postgres", &["server", "users"]);
    refused(&out, 2, "server init");
    let db = TestDb::new("door2");
    // a login that is not a qualify person
    db.psql_as("postgres", "CREATE ROLE stranger LOGIN");
    refused(
        &db.qualify_as("stranger", &["deal", "list"]),
        2,
        "has no qualify person for the login",
    );
    // a login the server does not know
    refused(
        &db.qualify_as("ghost_login", &["deal", "list"]),
        2,
        "refused the login",
    );
    // --user is refused on a server
    db.add("Dana Reyes", "dana", "ae", None);
    let out = Command::new(env!("CARGO_BIN_EXE_qualify"))
        .args([
            "--db",
            &db.login("dana"),
            "--user",
            "Maria Chen",
            "deal",
            "list",
        ])
        .output()
        .unwrap();
    refused(&out, 2, "--user and QUALIFY_USER are not taken on a server");
    // a bad URL and an unreachable host
    let out = Command::new(env!("CARGO_BIN_EXE_qualify"))
        .args(["--db", "postgres://dana@/db?sslmode=bogus", "deal", "list"])
        .output()
        .unwrap();
    refused(&out, 2, "is not a PostgreSQL address");
    let out = Command::new(env!("CARGO_BIN_EXE_qualify"))
        .args([
            "--db",
            "host=/nonexistent/socket dbname=x user=y",
            "deal",
            "list",
        ])
        .output()
        .unwrap();
    refused(&out, 2, "cannot be reached");
    // backup and doctor say what to use instead
    refused(&db.qualify_as("dana", &["backup", "/tmp/x"]), 2, "pg_dump");
    refused(
        &db.qualify_as("dana", &["doctor"]),
        2,
        "doctor checks a SQLite file",
    );
    // a schema newer than this qualify, or older
    db.psql_as("postgres", "UPDATE qualify.schema_version SET version = 99");
    refused(
        &db.qualify_as("dana", &["deal", "list"]),
        2,
        "has a newer qualify schema",
    );
    refused(
        &db.qualify_admin(&["server", "init"]),
        2,
        "has a newer qualify schema",
    );
    db.psql_as("postgres", "UPDATE qualify.schema_version SET version = 0");
    refused(
        &db.qualify_as("dana", &["deal", "list"]),
        2,
        "has an older qualify schema",
    );
}

#[test]
fn the_team_walks_a_deal_and_each_role_gets_only_what_it_may() {
    let db = team("walk");
    // the AE brings in a deal with its validation plan and walks it; it is theirs
    let mut doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(common::FIXTURE).unwrap()).unwrap();
    doc["owner"] = "Dana Reyes".into();
    doc["sa"] = "Sam Okafor".into();
    doc["manager"] = "Maria Chen".into();
    doc["validation_plan"]["sa"] = "Sam Okafor".into();
    doc["validation_plan"]["decision"] = serde_json::Value::Null;
    doc["manager_review"] = serde_json::Value::Null;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("deal.json");
    std::fs::write(&path, doc.to_string()).unwrap();
    ok(db.qualify_as("dana", &[AS_OF, "deal", "import", path.to_str().unwrap()]));
    ok(db.qualify_as("dana", &[AS_OF, "step", "1", "1", "start"]));
    ok(db.qualify_as(
        "dana",
        &[
            AS_OF,
            "step",
            "1",
            "4",
            "note",
            "outcomes",
            "Plan: SSO, load test",
        ],
    ));
    let shown = ok(db.qualify_as("dana", &[AS_OF, "deal", "show", "1", "--json"]));
    let deal: serde_json::Value = serde_json::from_str(&shown).unwrap();
    assert_eq!(deal["owner"], "Dana Reyes");

    // the SA sees it waiting on them and signs step 4
    let queue = ok(db.qualify_as("sam", &[AS_OF, "deal", "list", "--queue", "sa", "--json"]));
    let queue: serde_json::Value = serde_json::from_str(&queue).unwrap();
    assert_eq!(queue.as_array().unwrap().len(), 1, "{queue}");
    ok(db.qualify_as("sam", &[AS_OF, "review", "1", "--as", "sa", "--approve"]));
    // and writes step 4's notes, but not the amount
    ok(db.qualify_as(
        "sam",
        &[AS_OF, "step", "1", "4", "note", "decisions", "SSO proven"],
    ));
    refused(
        &db.qualify_as("sam", &[AS_OF, "deal", "set", "1", "--amount", "1"]),
        1,
        "only the deal's owner",
    );
    // nor review it as a manager
    refused(
        &db.qualify_as(
            "sam",
            &[AS_OF, "review", "1", "--as", "manager", "--approve"],
        ),
        1,
        "manager",
    );

    // the manager sees it on the dashboard's numbers and reviews it
    let metrics = ok(db.qualify_as("maria", &[AS_OF, "deal", "list", "--json"]));
    assert!(metrics.contains("Acme ERP"), "{metrics}");
    ok(db.qualify_as(
        "maria",
        &[AS_OF, "review", "1", "--as", "manager", "--approve"],
    ));
    // another manager sees nothing of it and cannot review it
    let other = ok(db.qualify_as("ola", &[AS_OF, "deal", "list", "--all", "--json"]));
    assert_eq!(other.trim(), "[]");
    refused(
        &db.qualify_as(
            "ola",
            &[AS_OF, "review", "1", "--as", "manager", "--approve"],
        ),
        2,
        "no deal with id 1",
    );

    // a second AE sees none of it
    let lee = ok(db.qualify_as("lee", &[AS_OF, "deal", "list", "--all", "--json"]));
    assert_eq!(lee.trim(), "[]");
    refused(
        &db.qualify_as("lee", &[AS_OF, "deal", "show", "1"]),
        2,
        "no deal with id 1",
    );

    // the AE cannot grant themselves a sign-off by editing the manager field
    refused(
        &db.qualify_as(
            "dana",
            &[AS_OF, "deal", "set", "1", "--manager", "Dana Reyes"],
        ),
        1,
        "nobody signs off their own deal",
    );
    refused(
        &db.qualify_as(
            "dana",
            &[AS_OF, "review", "1", "--as", "manager", "--approve"],
        ),
        1,
        "manager",
    );

    // the history names each person from their login
    let history = ok(db.qualify_as("dana", &[AS_OF, "history", "1", "--json"]));
    let rows: serde_json::Value = serde_json::from_str(&history).unwrap();
    let who = |field: &str| {
        rows.as_array()
            .unwrap()
            .iter()
            .find(|r| r["field"].as_str().unwrap().starts_with(field))
            .map(|r| r["who"].as_str().unwrap().to_string())
    };
    assert_eq!(
        who("validation_plan.decision").as_deref(),
        Some("Sam Okafor")
    );
    assert_eq!(who("manager_review").as_deref(), Some("Maria Chen"));
    assert_eq!(who("deal").as_deref(), Some("Dana Reyes"));
}

#[test]
fn raw_sql_over_the_same_logins_gets_no_more_than_qualify_gives() {
    let db = team("rawsql");
    ok(db.qualify_as(
        "dana",
        &[
            AS_OF,
            "deal",
            "add",
            "--name",
            "Acme ERP",
            "--account",
            "Acme Corp",
            "--amount",
            "300000",
            "--sa",
            "Sam Okafor",
        ],
    ));
    ok(db.qualify_as("sam", &[AS_OF, "review", "1", "--as", "sa", "--approve"]));
    let count = |login: &str, sql: &str| text(&db.psql_as(login, sql)).trim().to_string();
    // reading another AE's deal: no rows, in every table
    for table in [
        "deals",
        "steps",
        "deal_content",
        "audit",
        "signoffs",
        "pipeline",
    ] {
        let id = if table == "deals" { "id" } else { "deal_id" };
        assert_eq!(
            count(
                "lee",
                &format!("SELECT count(*) FROM qualify.{table} WHERE {id} = 1")
            ),
            "0",
            "{table}"
        );
    }
    let fails = |login: &str, sql: &str| {
        let out = db.psql_as(login, sql);
        assert!(!out.status.success(), "{login} ran {sql}: {}", text(&out));
    };
    // moving or deleting a sign-off, by anyone, even its signer or the owner
    for login in ["dana", "sam", "maria"] {
        fails(login, "UPDATE qualify.signoffs SET approved = false");
        fails(login, "DELETE FROM qualify.signoffs");
        fails(
            login,
            "INSERT INTO qualify.signoffs (deal_id, kind, approved, signer, at)
             VALUES (1, 'manager', true, 'Maria Chen', now())",
        );
    }
    // a sign-off slipped into the content the AE writes
    fails(
        "dana",
        "UPDATE qualify.deal_content SET body = jsonb_set(body, '{manager_review}',
            '{\"approved\": true, \"by\": \"Maria Chen\", \"at\": \"2026-12-01T00:00:00Z\"}')",
    );
    // the AE signing through the function
    fails(
        "dana",
        "SELECT qualify.record_signoff(1, 'manager', true, '', NULL, now(), '{}', '{}', '{}', 'Maria Chen')",
    );
    // an SA changing the amount
    fails(
        "sam",
        "UPDATE qualify.deals SET amount_cents = 1 WHERE id = 1",
    );
    assert_eq!(
        count(
            "dana",
            "SELECT amount_cents FROM qualify.deals WHERE id = 1"
        ),
        "30000000"
    );
    // anyone changing the history
    for login in ["dana", "sam", "maria", "lee"] {
        fails(login, "UPDATE qualify.audit SET who = 'x'");
        fails(login, "DELETE FROM qualify.audit");
        fails(login, "TRUNCATE qualify.audit");
    }
    // a history row in someone else's name
    fails(
        "dana",
        "INSERT INTO qualify.audit (deal_id, at, who, field, before, after)
         VALUES (1, now(), 'Maria Chen', 'manager_review.approved', '', 'true')",
    );
    // creating a deal owned by another AE
    fails(
        "dana",
        "INSERT INTO qualify.deals (name, account, support_rate_percent, stage, owner,
            created_at, updated_at) VALUES ('x', 'y', 20, 'Qualification', 'Lee Park', now(), now())",
    );
    // what qualify wrote is still as it was
    assert_eq!(
        count(
            "dana",
            "SELECT count(*) FROM qualify.signoffs WHERE approved"
        ),
        "1"
    );
}

/// The same demo deals on both engines give the same answers, byte for byte.
#[test]
fn both_engines_answer_the_same_on_the_same_deals() {
    let db = TestDb::new("same");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("demo.db");
    let file = file.to_str().unwrap();
    let run = |db_arg: &str, args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_qualify"))
            .args(["--db", db_arg, AS_OF])
            .args(args)
            .env_remove("QUALIFY_USER")
            // the file names the same person the server's administrator login is
            .env("USER", "postgres")
            .output()
            .unwrap();
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{args:?}: {}",
            err(&out)
        );
        (out.status.code(), text(&out))
    };
    let server = db.admin();
    // the first line that differs, not the whole output
    let same = |a: &(Option<i32>, String), b: &(Option<i32>, String), what: &str| {
        assert_eq!(a.0, b.0, "{what}: exit");
        if let Some((n, (x, y))) =
            a.1.lines()
                .zip(b.1.lines())
                .enumerate()
                .find(|(_, (x, y))| x != y)
        {
            panic!("{what}: line {} differs:\nserver: {x}\nfile:   {y}", n + 1);
        }
        assert_eq!(
            a.1.lines().count(),
            b.1.lines().count(),
            "{what}: line count"
        );
    };
    same(&run(&server, &["demo"]), &run(file, &["demo"]), "demo");
    let mut compared = 0;
    for sort in [
        "close_date",
        "amount",
        "name",
        "account",
        "owner",
        "forecast_category",
        "meddpicc_total",
        "steps",
        "qa",
        "escalations",
        "risk_band",
        "next_step_due",
        "stalled",
    ] {
        for extra in [
            vec![],
            vec!["--reverse"],
            vec!["--queue", "sa"],
            vec!["--queue", "manager"],
            vec!["--stalled"],
            vec!["--overdue"],
            vec!["--category", "commit"],
            vec!["--verdict", "qualified"],
        ] {
            let mut args = vec!["deal", "list", "--all", "--json", "--sort", sort];
            args.extend(extra.iter());
            let (a, b) = (run(&server, &args), run(file, &args));
            assert_eq!(a.0, Some(0));
            same(&a, &b, &format!("deal list {args:?}"));
            compared += 1;
        }
    }
    assert!(compared > 100);
    // the same changes on both: the counts kept per group follow them
    for args in [
        vec!["deal", "set", "7", "--amount", "990000"],
        vec!["deal", "outcome", "12", "won"],
        vec!["deal", "outcome", "19", "lost", "--reason", "budget cut"],
        vec!["step", "5", "2", "start"],
        vec![
            "deal",
            "snooze",
            "7",
            "--until",
            "2026-12-20",
            "--reason",
            "holidays",
        ],
    ] {
        same(
            &run(&server, &args),
            &run(file, &args),
            &format!("{args:?}"),
        );
    }
    for args in [
        vec!["deal", "list"],
        vec!["deal", "list", "--all"],
        vec!["deal", "list", "--queue", "sa"],
        vec![
            "deal",
            "list",
            "--queue",
            "manager",
            "--owner",
            "dana reyes",
        ],
        vec!["deal", "list", "--category", "commit", "--all"],
        vec!["deal", "list", "--warning", "no_next_step"],
        vec![
            "deal",
            "list",
            "--warning",
            "budget_short",
            "--owner",
            "dana reyes",
        ],
        vec!["metrics"],
        vec!["check", "--json"],
        vec!["metrics", "--json"],
        vec!["deal", "show", "7", "--json"],
        vec!["deal", "show", "7", "--on", "2026-11-10", "--json"],
        vec!["deal", "trend", "7", "--json"],
        vec!["changes", "--since", "2026-11-20", "--json"],
        // more than 256 deals changed, not all: every deal is walked, those
        // without a change passed over
        vec!["changes", "--since", "2026-10-01", "--json"],
        vec!["changes", "--since", "2026-09-01", "--owner", "dana reyes"],
        vec!["history", "7", "--json"],
        vec!["deal", "export"],
    ] {
        same(
            &run(&server, &args),
            &run(file, &args),
            &format!("{args:?}"),
        );
    }
}

/// The two engines' schemas hold the same tables and columns, but for the
/// parts each engine has on its own (named here, with why).
#[test]
fn the_two_schemas_match() {
    let db = TestDb::new("schema");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("s.db");
    ok(Command::new(env!("CARGO_BIN_EXE_qualify"))
        .args(["--db", file.to_str().unwrap(), "deal", "list"])
        .output()
        .unwrap());
    let lite = Command::new("sqlite3")
        .arg(&file)
        .arg(
            "SELECT m.name || '.' || p.name FROM sqlite_schema m, pragma_table_info(m.name) p
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE 'deal_search%'
             ORDER BY 1",
        )
        .output()
        .unwrap();
    let lite: std::collections::BTreeSet<String> =
        text(&lite).lines().map(str::to_string).collect();
    let pg = db.psql_as(
        "postgres",
        "SELECT table_name || '.' || column_name FROM information_schema.columns
         WHERE table_schema = 'qualify' ORDER BY 1",
    );
    let pg: std::collections::BTreeSet<String> = text(&pg).lines().map(str::to_string).collect();
    let only_lite: Vec<&String> = lite.difference(&pg).collect();
    assert!(only_lite.is_empty(), "only in SQLite: {only_lite:?}");
    // the server only: who each login is, the sign-offs as rows, the
    // schema's version (SQLite's is in the file header), and the plan's SA
    // on the deal row (which row security reads)
    let only_pg: Vec<&String> = pg
        .difference(&lite)
        .filter(|c| {
            !c.starts_with("people.")
                && !c.starts_with("signoffs.")
                && !c.starts_with("schema_version.")
                && *c != "deals.plan_sa"
        })
        .collect();
    assert!(only_pg.is_empty(), "only on the server: {only_pg:?}");
    assert!(lite.len() > 80, "{}", lite.len());
}

#[test]
fn a_stale_change_is_refused_on_the_server_as_on_a_file() {
    let db = team("stale");
    ok(db.qualify_as(
        "dana",
        &[AS_OF, "deal", "add", "--name", "A", "--account", "B"],
    ));
    let doc = ok(db.qualify_as("dana", &[AS_OF, "deal", "export"]));
    ok(db.qualify_as("dana", &[AS_OF, "deal", "set", "1", "--amount", "5"]));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("d.json");
    std::fs::write(&path, doc).unwrap();
    let out = db.qualify_as("dana", &[AS_OF, "deal", "import", path.to_str().unwrap()]);
    refused(
        &out,
        2,
        "changed since a document of version 1 was exported",
    );
}
