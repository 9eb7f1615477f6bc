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
    ok(db.qualify_as("dana", &[AS_OF, "step", "1", "1", "complete"]));
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
    // the second AE has a deal of his own, on the same team
    ok(db.qualify_as(
        "lee",
        &[
            AS_OF,
            "deal",
            "add",
            "--name",
            "Lee Retail",
            "--account",
            "Lee Corp",
            "--amount",
            "120000",
        ],
    ));

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

    // the manager sees it on the dashboard's numbers: the team's open
    // pipeline holds both AEs' deals, Dana's part only hers, and her step
    // counts in the metrics
    let numbers = |login: &str, owner: Option<&str>| {
        let mut args = vec![AS_OF, "metrics", "--json"];
        if let Some(owner) = owner {
            args.extend(["--owner", owner]);
        }
        let shown = ok(db.qualify_as(login, &args));
        serde_json::from_str::<serde_json::Value>(&shown).unwrap()
    };
    let team_numbers = numbers("maria", None);
    assert_pipeline(&team_numbers, 2, 420_000, 1);
    let dana_numbers = numbers("maria", Some("Dana Reyes"));
    assert_eq!(dana_numbers["owner"], "Dana Reyes");
    assert_pipeline(&dana_numbers, 1, 300_000, 1);
    assert_pipeline(&numbers("maria", Some("Lee Park")), 1, 120_000, 0);
    ok(db.qualify_as(
        "maria",
        &[AS_OF, "review", "1", "--as", "manager", "--approve"],
    ));
    // another manager sees nothing of it, on the dashboard's numbers or
    // the list, and cannot review it
    assert_pipeline(&numbers("ola", None), 0, 0, 0);
    assert_pipeline(&numbers("ola", Some("Dana Reyes")), 0, 0, 0);
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

    // a second AE sees none of it: his numbers are his own deal's only
    assert_pipeline(&numbers("lee", None), 1, 120_000, 0);
    assert_pipeline(&numbers("lee", Some("Dana Reyes")), 0, 0, 0);
    let lee = ok(db.qualify_as("lee", &[AS_OF, "deal", "list", "--all", "--json"]));
    let lee: serde_json::Value = serde_json::from_str(&lee).unwrap();
    let names: Vec<&str> = lee
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Lee Retail"]);
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

/// `metrics --json` as the dashboard shows it: `deals` open deals worth
/// `amount` dollars, all in the Pipeline category, none closed, and `steps`
/// steps (step 1s) completed in the range, each within its SLA and in order.
fn assert_pipeline(numbers: &serde_json::Value, deals: u64, amount: u64, steps: u64) {
    let total = serde_json::json!({ "deals": deals, "amount": amount });
    let none = serde_json::json!({ "deals": 0, "amount": 0 });
    assert_eq!(
        numbers["open_pipeline"],
        serde_json::json!({
            "deals": deals,
            "amount": amount,
            "categories": {
                "pipeline": total,
                "best_case": none,
                "commit": none,
                "omitted": none,
            },
        }),
        "{numbers}"
    );
    assert_eq!(
        numbers["closed"],
        serde_json::json!({ "won": none, "lost": none, "disqualified": none }),
        "{numbers}"
    );
    for metric in ["process_adherence", "time_per_step"] {
        assert_eq!(numbers[metric]["count"], steps, "{metric}: {numbers}");
        let value = (steps > 0).then_some(100.0);
        assert_eq!(
            numbers[metric]["value"],
            serde_json::json!(value),
            "{metric}"
        );
    }
    assert_eq!(numbers["time_per_step"]["steps"][0]["count"], steps);
    assert_eq!(numbers["time_per_step"]["steps"][0]["within_sla"], steps);
    for metric in [
        "qualification_accuracy",
        "win_rate_impact",
        "stage_velocity",
    ] {
        assert_eq!(numbers[metric]["count"], 0, "{metric}: {numbers}");
    }
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
    // the typed filter's words: not readable as a table, and the function
    // that reads them (as the owner) gives a login only the deals it may see
    for login in ["dana", "sam", "maria", "lee"] {
        fails(login, "SELECT count(*) FROM qualify.deal_search");
        fails(login, "UPDATE qualify.deal_search SET owner = 'Lee Park'");
    }
    for (login, sees) in [("dana", "1"), ("sam", "1"), ("maria", "1"), ("lee", "0")] {
        assert_eq!(
            count(
                login,
                "SELECT count(*) FROM qualify.matching('%acme%', false)"
            ),
            sees,
            "{login}"
        );
    }
    let listed = ok(db.qualify_as("lee", &[AS_OF, "deal", "list", "--filter", "acme"]));
    assert!(!listed.contains("Acme ERP"), "{listed}");
    let listed = ok(db.qualify_as("maria", &[AS_OF, "deal", "list", "--filter", "ACME"]));
    assert!(listed.contains("Acme ERP"), "{listed}");
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
    // the typed filter narrows the list to the deals holding its text in
    // their name, account or owner, without case, on both engines
    for db_arg in [server.as_str(), file] {
        let all = run(db_arg, &["deal", "list", "--all", "--json"]).1;
        let all: Vec<serde_json::Value> = serde_json::from_str(&all).unwrap();
        let found = run(
            db_arg,
            &["deal", "list", "--all", "--json", "--filter", "NoR"],
        )
        .1;
        let found: Vec<serde_json::Value> = serde_json::from_str(&found).unwrap();
        let holds = |d: &serde_json::Value| {
            ["name", "account", "owner"]
                .iter()
                .any(|k| d[k].as_str().unwrap().to_lowercase().contains("nor"))
        };
        assert_eq!(found.len(), all.iter().filter(|d| holds(d)).count());
        assert!(
            !found.is_empty() && found.len() < all.len(),
            "{}",
            found.len()
        );
    }
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
            vec!["--filter", "nor"],
            vec!["--filter", "a", "--reverse"],
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
        // the typed filter: the file's trigram index, the server's words
        vec!["deal", "list", "--filter", "nor"],
        vec!["deal", "list", "--all", "--filter", "NOR"],
        vec![
            "deal", "list", "--all", "--filter", "dana", "--sort", "amount",
        ],
        vec!["deal", "list", "--filter", "a"],
        vec!["deal", "list", "--all", "--filter", "%"],
        vec!["deal", "list", "--all", "--filter", "_"],
        vec!["deal", "list", "--all", "--filter", "corp inc"],
        vec!["deal", "list", "--filter", "nor", "--queue", "sa"],
        vec!["deal", "list", "--filter", "nor", "--stalled", "--json"],
        vec!["deal", "list", "--filter", "zzqx"],
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
                // the typed filter's index: SQLite's is its full-text
                // `deal_search` (left out above), the server's a table of
                // each deal's words with who may see them
                && !c.starts_with("deal_search.")
                // the owner order as a column (SQLite orders by an
                // expression), so that row security lets the list bound it
                && *c != "pipeline.owner_order"
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

/// A local file where three people walked a deal, each change at its own
/// time, and its `deal export --history`; the file's history as JSON.
fn a_walked_file(dir: &std::path::Path) -> (std::path::PathBuf, serde_json::Value) {
    let file = dir.join("local.db");
    let by = |at: &str, user: &str, args: &[&str]| {
        ok(Command::new(env!("CARGO_BIN_EXE_qualify"))
            .arg("--db")
            .arg(&file)
            .arg(format!("--as-of={at}"))
            .args(args)
            .env("QUALIFY_USER", user)
            .env("TZ", "UTC")
            .env_remove("QUALIFY_DB")
            .output()
            .unwrap())
    };
    for (at, user, args) in common::WALK {
        by(at, user, args);
    }
    let doc = dir.join("moved.json");
    std::fs::write(
        &doc,
        by(AS_OF_LOCAL, "Dana Reyes", &["deal", "export", "--history"]),
    )
    .unwrap();
    let history = by(AS_OF_LOCAL, "Dana Reyes", &["history", "1", "--json"]);
    (doc, serde_json::from_str(&history).unwrap())
}

const AS_OF_LOCAL: &str = "2026-11-08T09:00:00Z";

#[test]
fn the_administrator_moves_a_file_to_the_server_keeping_its_history() {
    let db = team("movehist");
    let dir = tempfile::tempdir().unwrap();
    let (doc, was) = a_walked_file(dir.path());
    let out = db.qualify_admin(&[AS_OF, "deal", "import", doc.to_str().unwrap()]);
    assert!(err(&out).is_empty(), "nothing to say: {}", err(&out));
    ok(out);
    // its owner reads the history the file kept, who and when, then the import
    let is = ok(db.qualify_as("dana", &[AS_OF, "history", "1", "--json"]));
    let is: serde_json::Value = serde_json::from_str(&is).unwrap();
    let (was, is) = (was.as_array().unwrap(), is.as_array().unwrap());
    assert_eq!(was.len(), 5, "{was:?}");
    assert_eq!(
        &is[..was.len()],
        &was[..],
        "the history as it was, who and when"
    );
    assert_eq!(is.len(), was.len() + 1, "{is:?}");
    assert_eq!(is[5]["who"], "postgres");
    assert_eq!(is[5]["at"], "2026-12-01T12:00:00+00:00");
    assert_eq!(is[5]["after"], "imported: Acme ERP");
    let deal = ok(db.qualify_as("dana", &[AS_OF, "deal", "show", "1", "--json"]));
    let deal: serde_json::Value = serde_json::from_str(&deal).unwrap();
    assert_eq!(deal["owner"], "Dana Reyes");
    // and the server's export carries it on, row for row
    let out = ok(db.qualify_as("dana", &[AS_OF, "deal", "export", "--history"]));
    let out: serde_json::Value = serde_json::from_str(&out).unwrap();
    let rows = out[0]["history"].as_array().unwrap();
    assert_eq!(rows.len(), is.len());
    for (row, shown) in rows.iter().zip(is) {
        assert_eq!(
            (&row["who"], &row["field"]),
            (&shown["who"], &shown["field"])
        );
    }
}

#[test]
fn an_aes_move_makes_the_deals_theirs_and_keeps_no_history_but_says_so() {
    let db = team("aehist");
    let dir = tempfile::tempdir().unwrap();
    let (doc, _) = a_walked_file(dir.path());
    let out = db.qualify_as("lee", &[AS_OF, "deal", "import", doc.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", err(&out));
    let said = err(&out);
    assert_eq!(said.lines().count(), 1, "one line: {said}");
    assert!(
        said.contains(
            "history of 1 deal not kept: only the administrator's import keeps who did what"
        ),
        "{said}"
    );
    let deal = ok(db.qualify_as("lee", &[AS_OF, "deal", "show", "1", "--json"]));
    let deal: serde_json::Value = serde_json::from_str(&deal).unwrap();
    assert_eq!(deal["owner"], "Lee Park");
    let history = ok(db.qualify_as("lee", &[AS_OF, "history", "1", "--json"]));
    let history: serde_json::Value = serde_json::from_str(&history).unwrap();
    let rows = history.as_array().unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["who"], "Lee Park");
    assert_eq!(rows[0]["after"], "created: Acme ERP");
}

/// What the list reads on a key (its head: count and totals together, in
/// one read on the server) is what the count and the totals read apart
/// give, for every kind of list, a forecast category this build does not
/// know included.
#[test]
fn the_lists_head_is_its_count_and_totals_read_apart() {
    use chrono::{TimeZone, Utc};
    use qualify::ops::{self, ListQuery, ListSort, Queue, Session};
    let db = TestDb::new("head");
    ok(db.qualify_admin(&[AS_OF, "demo"]));
    // a row another program wrote, in a category qualify does not know
    db.psql_as(
        "postgres",
        "UPDATE qualify.pipeline SET forecast = 'someday' WHERE deal_id = 3",
    );
    let now = Utc.with_ymd_and_hms(2026, 12, 1, 12, 0, 0).unwrap();
    let s = Session::on_server(
        &db.admin(),
        qualify::domain::Playbook::default_playbook(),
        qualify::clock::Clock::fixed(now),
    )
    .unwrap();
    let base = ListQuery {
        open_only: true,
        ..s.list_query()
    };
    let mut compared = 0;
    for query in [
        base.clone(),
        ListQuery {
            open_only: false,
            ..base.clone()
        },
        ListQuery {
            stalled: true,
            ..base.clone()
        },
        ListQuery {
            overdue: true,
            ..base.clone()
        },
        ListQuery {
            queue: Queue::SaSignOff,
            ..base.clone()
        },
        ListQuery {
            queue: Queue::ManagerReview,
            sort: ListSort::Amount,
            ..base.clone()
        },
        ListQuery {
            owner: Some("dana reyes".into()),
            open_only: false,
            ..base.clone()
        },
        ListQuery {
            warning: Some(qualify::domain::choices::WarningKind::NoNextStep),
            ..base.clone()
        },
    ] {
        let head = ops::views::list_head(&s, &query).unwrap();
        let count = ops::views::list_count(&s, &query).unwrap();
        assert_eq!(head.total, count, "{query:?}");
        assert_eq!(
            head.totals,
            ops::views::list_totals(&s, &query).unwrap(),
            "{query:?}"
        );
        assert!(head.any);
        compared += usize::from(count > 0);
    }
    assert!(compared >= 6, "{compared} lists had deals");
    // the unknown category's deal is counted, as a count of its own counts it
    let all = ListQuery {
        open_only: false,
        ..base
    };
    let head = ops::views::list_head(&s, &all).unwrap();
    let in_totals: u64 = head.totals.iter().map(|t| t.deals).sum();
    assert_eq!(head.total as u64, in_totals + 1);
}

/// Every policy over a deal's other tables looks its deal up by key (a
/// row's `EXISTS`), never as the set of every deal the login sees (`IN`,
/// which made each read of one deal hash every deal a manager sees).
#[test]
fn each_policy_looks_its_deal_up_by_key() {
    let db = TestDb::new("policies");
    let out = db.psql_as(
        "postgres",
        "SELECT tablename || '.' || policyname || ': ' || coalesce(qual, '') || ' / '
             || coalesce(with_check, '')
         FROM pg_policies WHERE schemaname = 'qualify' ORDER BY 1",
    );
    let policies = text(&out);
    let by_set: Vec<&str> = policies
        .lines()
        .filter(|p| p.contains(" IN ( SELECT") || p.contains(" IN (SELECT"))
        .collect();
    assert!(by_set.is_empty(), "{by_set:#?}");
    let by_key = policies.lines().filter(|p| p.contains("EXISTS")).count();
    assert!(by_key >= 14, "{policies}");
}

/// The owner order, which walks only between the first and last owner a
/// login sees, holds every deal the login's other orders hold, the deals
/// with no owner last (first reversed).
#[test]
fn the_owner_order_holds_every_deal_each_login_sees() {
    let db = team("owners");
    let add = |login: &str, name: &str, extra: &[&str]| {
        let mut args = vec![AS_OF, "deal", "add", "--name", name, "--account", "Zeta"];
        args.extend(extra);
        ok(db.qualify_as(login, &args));
    };
    add("dana", "Dana one", &["--sa", "Sam Okafor"]);
    add("lee", "Lee one", &[]);
    add("dana", "Dana two", &[]);
    add("lee", "Lee two", &["--sa", "Sam Okafor"]);
    // a deal with no owner, brought in by the administrator, Sam its SA
    add("postgres", "Nobody's", &["--sa", "Sam Okafor"]);
    ok(db.qualify_admin(&[AS_OF, "deal", "set", "5", "--owner", ""]));
    let names = |login: &str, extra: &[&str]| -> Vec<String> {
        let mut args = vec![AS_OF, "deal", "list", "--all", "--json"];
        args.extend(extra);
        let rows: Vec<serde_json::Value> =
            serde_json::from_str(&ok(db.qualify_as(login, &args))).unwrap();
        rows.iter()
            .map(|r| r["name"].as_str().unwrap().to_string())
            .collect()
    };
    for (login, sees) in [
        ("dana", vec!["Dana one", "Dana two"]),
        ("lee", vec!["Lee one", "Lee two"]),
        ("sam", vec!["Dana one", "Lee two", "Nobody's"]),
        ("maria", vec!["Dana one", "Dana two", "Lee one", "Lee two"]),
        (
            "postgres",
            vec!["Dana one", "Dana two", "Lee one", "Lee two", "Nobody's"],
        ),
    ] {
        assert_eq!(names(login, &["--sort", "owner"]), sees, "{login}");
        let mut reversed = sees.clone();
        reversed.reverse();
        assert_eq!(
            names(login, &["--sort", "owner", "--reverse"]),
            reversed,
            "{login}"
        );
        let mut by_name = names(login, &["--sort", "name"]);
        by_name.sort();
        let mut expected = sees.clone();
        expected.sort();
        assert_eq!(by_name, expected, "{login}");
    }
}

/// A typed filter's key reads the count, then the page of the deals the
/// count found (matching the words once): that page is the one a page read
/// alone gives, and a deal renamed between the two is not on it.
#[test]
fn a_filter_keys_page_is_of_the_deals_its_count_found_that_still_match() {
    use chrono::{TimeZone, Utc};
    use qualify::ops::{self, ListQuery, ListSort, Session};
    let db = TestDb::new("found");
    ok(db.qualify_admin(&[AS_OF, "demo"]));
    let now = Utc.with_ymd_and_hms(2026, 12, 1, 12, 0, 0).unwrap();
    let s = Session::on_server(
        &db.admin(),
        qualify::domain::Playbook::default_playbook(),
        qualify::clock::Clock::fixed(now),
    )
    .unwrap();
    let ids = |rows: &[qualify::domain::DealSummary]| -> Vec<i64> {
        rows.iter().map(|d| d.id.0).collect()
    };
    let mut seen = 0;
    for filter in ["nor", "NOR", "corp", "a", "zzqx", "50%"] {
        for (open_only, sort) in [(true, ListSort::CloseDate), (false, ListSort::Amount)] {
            let query = ListQuery {
                filter: filter.into(),
                open_only,
                sort,
                ..s.list_query()
            };
            let head = ops::views::list_head(&s, &query).unwrap();
            let page = ops::views::list_page(&s, &query, 0, 20, head.total).unwrap();
            let alone = ops::views::list_rows(&s, &query).unwrap();
            assert_eq!(head.total, alone.len(), "{filter} {open_only}");
            let first: Vec<i64> = ids(&alone).into_iter().take(20).collect();
            assert_eq!(ids(&page), first, "{filter} {open_only}");
            seen += head.total;
        }
    }
    assert!(seen > 0);
    // a deal renamed by someone else between the count and the page
    let query = ListQuery {
        filter: "nor".into(),
        open_only: false,
        ..s.list_query()
    };
    let before = ops::views::list_rows(&s, &query).unwrap();
    let head = ops::views::list_head(&s, &query).unwrap();
    let gone = before[0].id.0.to_string();
    ok(db.qualify_admin(&[
        AS_OF,
        "deal",
        "set",
        &gone,
        "--name",
        "Renamed",
        "--account",
        "Elsewhere",
    ]));
    let page = ops::views::list_page(&s, &query, 0, 50, head.total).unwrap();
    assert!(!ids(&page).contains(&before[0].id.0), "{gone}");
    assert_eq!(
        page.len(),
        before.len().min(50) - usize::from(before.len() <= 50)
    );
}
