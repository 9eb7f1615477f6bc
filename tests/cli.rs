//! End-to-end tests of the headless face: the real `qualify` binary run
//! against a throw-away database given with `--db` (or `QUALIFY_DB`).

mod common;
use assert_cmd::Command;
use common::{FIXTURE, TITLES};
use predicates::prelude::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use tempfile::TempDir;

/// The fixed "now" the time-based tests start from.
const T0: &str = "2026-11-02T09:00:00Z";

/// The binary with no database chosen and no inherited `QUALIFY_DB`.
fn bare() -> Command {
    let mut cmd = Command::cargo_bin("qualify").expect("the qualify binary is built");
    cmd.env_remove("QUALIFY_DB").env_remove("RUST_LOG");
    cmd
}

/// The binary pointed at `db` with `--db`.
fn qualify(db: &Path) -> Command {
    let mut cmd = bare();
    cmd.arg("--db").arg(db);
    cmd
}

/// A temp folder holding one database file (not created until first use).
struct Fixture {
    dir: TempDir,
    db: PathBuf,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("deals.db");
        Fixture { dir, db }
    }

    fn cmd(&self) -> Command {
        qualify(&self.db)
    }

    /// `deal add --name X --account Y` followed by `extra`.
    fn add_xy(&self, extra: &[&str]) -> Command {
        let mut cmd = self.cmd();
        cmd.args(["deal", "add", "--name", "X", "--account", "Y"])
            .args(extra);
        cmd
    }

    /// `deal add` with these arguments; returns the new id.
    fn add(&self, args: &[&str]) -> i64 {
        let out = self
            .cmd()
            .args(["deal", "add"])
            .args(args)
            .assert()
            .success()
            .stdout(predicate::str::is_match(r"^[0-9]+\n$").unwrap())
            .get_output()
            .stdout
            .clone();
        String::from_utf8(out).unwrap().trim().parse().unwrap()
    }

    fn add_simple(&self) -> i64 {
        self.add(&["--name", "Acme ERP", "--account", "Acme Corp"])
    }

    /// Import the complete fixture document: every step's content present,
    /// no step started. Returns the new deal's id.
    fn import_complete(&self) -> i64 {
        let out = self
            .cmd()
            .args(["deal", "import", FIXTURE])
            .assert()
            .success();
        String::from_utf8(out.get_output().stdout.clone())
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    }

    /// Import the deal document in `file`; returns the new deal's id.
    fn import_complete_from(&self, file: &Path) -> i64 {
        let out = self
            .cmd()
            .args(["deal", "import"])
            .arg(file)
            .assert()
            .success();
        String::from_utf8(out.get_output().stdout.clone())
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    }

    fn export(&self, id: i64) -> Value {
        json_of(
            self.cmd()
                .args(["deal", "export", &id.to_string(), "--json"]),
        )
    }

    /// `deal show ID --json` with the clock fixed at `as_of`.
    fn show(&self, id: i64, as_of: &str) -> Value {
        json_of(
            self.cmd()
                .args(["--as-of", as_of, "deal", "show", &id.to_string(), "--json"]),
        )
    }

    fn list(&self) -> Value {
        json_of(self.cmd().args(["deal", "list", "--json"]))
    }

    /// Everything the CLI can tell about the database, to compare before
    /// and after a refused command.
    fn snapshot(&self) -> Value {
        let list = self.list();
        let shows: Vec<Value> = list
            .as_array()
            .unwrap()
            .iter()
            .map(|d| self.show(d["id"].as_i64().unwrap(), T0))
            .collect();
        serde_json::json!({ "list": list, "shows": shows })
    }

    /// `step ID N ...` at `as_of`, expected to succeed.
    fn step(&self, id: i64, number: u8, as_of: &str, change: &[&str]) {
        self.cmd()
            .args([
                "--as-of",
                as_of,
                "step",
                &id.to_string(),
                &number.to_string(),
            ])
            .args(change)
            .assert()
            .success()
            .stdout(predicate::str::starts_with(format!(
                "deal {id} step {number} ("
            )));
    }
}

/// Run `cmd`, require success, parse stdout as JSON.
fn json_of(cmd: &mut Command) -> Value {
    let out = cmd.assert().success().get_output().stdout.clone();
    serde_json::from_slice(&out)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out)))
}

/// Run `cmd`, require exit `status`, nothing on stdout and exactly one
/// non-empty line on stderr; return that line.
fn fails(cmd: &mut Command, status: i32) -> String {
    let output = cmd.assert().code(status).stdout("").get_output().clone();
    let stderr = String::from_utf8(output.stderr).expect("stderr is UTF-8");
    assert!(
        stderr.ends_with('\n'),
        "stderr should end with a newline: {stderr:?}"
    );
    assert_eq!(
        stderr.matches('\n').count(),
        1,
        "stderr should be exactly one line: {stderr:?}"
    );
    let line = stderr.trim_end_matches('\n').to_string();
    assert!(!line.trim().is_empty(), "stderr line is empty");
    assert!(
        line.trim_start_matches("qualify:").trim().len() > 10,
        "stderr says too little: {line:?}"
    );
    line
}

/// RFC 3339 time `days` days (and `minutes` minutes) after T0.
fn after(days: i64, minutes: i64) -> String {
    let t0 = chrono::DateTime::parse_from_rfc3339(T0).unwrap();
    (t0 + chrono::Duration::days(days) + chrono::Duration::minutes(minutes)).to_rfc3339()
}

fn blocked_escalations(deal: &Value) -> Vec<&Value> {
    deal["escalations"]
        .as_array()
        .expect("escalations is an array")
        .iter()
        .filter(|e| e["scenario"] == "Step blocked > 3 days")
        .collect()
}

// ---------------------------------------------------------------------------
// 1. deal add

#[test]
fn deal_add_prints_only_the_id() {
    let f = Fixture::new();
    f.cmd()
        .args([
            "deal",
            "add",
            "--name",
            "Acme ERP",
            "--account",
            "Acme Corp",
        ])
        .assert()
        .success()
        .stdout(predicate::str::is_match(r"^[0-9]+\n$").unwrap());
    let second = f.add(&["--name", "Globex CRM", "--account", "Globex"]);
    let ids: Vec<i64> = f
        .list()
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids.len(), 2);
    assert!(ids.contains(&second));
}

#[test]
fn deal_add_accepts_the_three_amount_forms() {
    let f = Fixture::new();
    for amount in ["250000", "250,000", "$250,000.00"] {
        let id = f.add(&[
            "--name",
            "Acme ERP",
            "--account",
            "Acme",
            "--amount",
            amount,
        ]);
        let deal = f.show(id, T0);
        assert_eq!(
            deal["amount"],
            serde_json::json!(250_000),
            "--amount {amount}"
        );
    }
}

#[test]
fn deal_add_records_every_field() {
    let f = Fixture::new();
    let id = f.add(&[
        "--name",
        "Acme ERP",
        "--account",
        "Acme Corp",
        "--amount",
        "$1,200,000",
        "--implementation-fee",
        "50,000",
        "--close-date",
        "2027-03-31",
        "--owner",
        "Ada AE",
        "--sa",
        "Sam SA",
        "--manager",
        "Meg Manager",
        "--trigger-date",
        "2026-11-10",
    ]);
    let d = f.show(id, T0);
    assert_eq!(d["id"], id);
    assert_eq!(d["name"], "Acme ERP");
    assert_eq!(d["account"], "Acme Corp");
    assert_eq!(d["amount"], 1_200_000);
    assert_eq!(d["implementation_fee"], 50_000);
    assert_eq!(d["close_date"], "2027-03-31");
    assert_eq!(d["owner"], "Ada AE");
    assert_eq!(d["sa"], "Sam SA");
    assert_eq!(d["manager"], "Meg Manager");
    assert_eq!(d["trigger_date"], "2026-11-10");
}

// ---------------------------------------------------------------------------
// global options: --db / QUALIFY_DB / --as-of

#[test]
fn qualify_db_env_var_chooses_the_database() {
    let f = Fixture::new();
    let out = bare()
        .env("QUALIFY_DB", &f.db)
        .args(["deal", "add", "--name", "Env Deal", "--account", "Env Co"])
        .assert()
        .success()
        .stdout(predicate::str::is_match(r"^[0-9]+\n$").unwrap())
        .get_output()
        .stdout
        .clone();
    let id: i64 = String::from_utf8(out).unwrap().trim().parse().unwrap();
    assert!(f.db.is_file(), "QUALIFY_DB's file was created");
    // the same database seen through --db and through the env var
    let via_flag = f.list();
    assert_eq!(via_flag[0]["id"], id);
    assert_eq!(via_flag[0]["name"], "Env Deal");
    let via_env = json_of(
        bare()
            .env("QUALIFY_DB", &f.db)
            .args(["deal", "list", "--json"]),
    );
    assert_eq!(via_env, via_flag);
}

#[test]
fn db_flag_wins_over_the_env_var() {
    let f = Fixture::new();
    let other = f.dir.path().join("other.db");
    bare()
        .env("QUALIFY_DB", &other)
        .arg("--db")
        .arg(&f.db)
        .args(["deal", "add", "--name", "Flag Deal", "--account", "Flag Co"])
        .assert()
        .success();
    assert_eq!(f.list().as_array().unwrap().len(), 1);
    let in_other = json_of(qualify(&other).args(["deal", "list", "--json"]));
    assert_eq!(in_other, serde_json::json!([]));
}

#[test]
fn global_options_work_before_and_after_the_subcommand() {
    let f = Fixture::new();
    // --db after the subcommand
    bare()
        .args([
            "deal",
            "add",
            "--name",
            "After",
            "--account",
            "A Co",
            "--db",
        ])
        .arg(&f.db)
        .assert()
        .success()
        .stdout(predicate::str::is_match(r"^[0-9]+\n$").unwrap());
    // --db between the two words
    let between = json_of(
        bare()
            .arg("deal")
            .arg("--db")
            .arg(&f.db)
            .args(["list", "--json"]),
    );
    assert_eq!(between.as_array().unwrap().len(), 1);
    let id = between[0]["id"].as_i64().unwrap().to_string();
    // --as-of before and after
    let later = "2026-12-01T10:30:00Z";
    let before = json_of(qualify(&f.db).args(["--as-of", later, "deal", "show", &id, "--json"]));
    let after_cmd = json_of(
        bare()
            .args(["deal", "show", &id, "--json", "--as-of", later, "--db"])
            .arg(&f.db),
    );
    assert_eq!(before["as_of"], "2026-12-01T10:30:00+00:00");
    assert_eq!(after_cmd["as_of"], "2026-12-01T10:30:00+00:00");
    // --as-of after a step command is honoured too
    bare()
        .args([
            "step", &id, "1", "block", "--reason", "waiting", "--as-of", T0, "--db",
        ])
        .arg(&f.db)
        .assert()
        .success();
    let d = f.show(id.parse().unwrap(), T0);
    assert_eq!(d["steps"][0]["blocked_since"], "2026-11-02T09:00:00+00:00");
}

// ---------------------------------------------------------------------------
// 2. deal list --json

#[test]
fn deal_list_json_includes_the_deal() {
    let f = Fixture::new();
    let id = f.add(&[
        "--name",
        "Acme ERP",
        "--account",
        "Acme Corp",
        "--amount",
        "250000",
        "--close-date",
        "2027-01-15",
    ]);
    let list = f.list();
    let deals = list.as_array().expect("deal list --json is an array");
    let d = deals
        .iter()
        .find(|d| d["id"] == id)
        .expect("the new deal is listed");
    for key in ["id", "name", "account", "amount", "close_date"] {
        assert!(d.get(key).is_some(), "key {key} missing in {d}");
    }
    assert_eq!(d["name"], "Acme ERP");
    assert_eq!(d["account"], "Acme Corp");
    assert_eq!(d["amount"], 250_000);
    assert_eq!(d["close_date"], "2027-01-15");
}

#[test]
fn deal_list_json_of_an_empty_database_is_an_empty_array() {
    let f = Fixture::new();
    assert_eq!(f.list(), serde_json::json!([]));
}

// ---------------------------------------------------------------------------
// 3. deal show --json

#[test]
fn deal_show_json_has_the_ten_steps_in_order() {
    let f = Fixture::new();
    let id = f.add_simple();
    let d = f.show(id, T0);
    let steps = d["steps"].as_array().expect("steps is an array");
    assert_eq!(steps.len(), 10);
    for (i, (step, title)) in steps.iter().zip(TITLES).enumerate() {
        assert_eq!(step["number"], i + 1, "{step}");
        assert_eq!(step["title"], title, "{step}");
        assert_eq!(step["status"], "not_started", "{step}");
    }
    assert!(d["escalations"].is_array(), "escalations is an array: {d}");
    assert!(d["qa"].is_array(), "qa is an array: {d}");
}

// ---------------------------------------------------------------------------
// 4. completing out of sequence

#[test]
fn completing_step_two_before_step_one_is_refused_and_changes_nothing() {
    let f = Fixture::new();
    let id = f.add_simple();
    let before = f.snapshot();
    let version = before["shows"][0]["version"].clone();
    let line = fails(
        f.cmd()
            .args(["--as-of", T0, "step", &id.to_string(), "2", "complete"]),
        1,
    );
    assert!(line.contains("step 1 ("), "names step 1: {line}");
    assert!(line.contains(TITLES[0]), "names step 1's title: {line}");
    assert_eq!(f.snapshot(), before);
    assert_eq!(f.show(id, T0)["version"], version);
}

// ---------------------------------------------------------------------------
// 5. blocked steps escalate after more than three days

#[test]
fn a_step_blocked_more_than_three_days_escalates() {
    let f = Fixture::new();
    let id = f.add_simple();
    f.step(id, 1, T0, &["block", "--reason", "CFO on leave"]);

    let d = f.show(id, &after(5, 0));
    let found = blocked_escalations(&d);
    assert_eq!(found.len(), 1, "five days: one escalation: {d}");
    assert_eq!(found[0]["escalate_to"], "Direct manager");
    assert_eq!(found[0]["step"], 1);
    assert!(
        found[0]["why"].as_str().unwrap().contains("CFO on leave"),
        "{}",
        found[0]
    );

    assert!(
        blocked_escalations(&f.show(id, &after(1, 0))).is_empty(),
        "one day: none"
    );
    assert!(
        blocked_escalations(&f.show(id, &after(3, 0))).is_empty(),
        "exactly three days: none"
    );
    assert_eq!(
        blocked_escalations(&f.show(id, &after(3, 1))).len(),
        1,
        "three days and a minute: one"
    );

    f.step(id, 1, &after(4, 0), &["unblock"]);
    assert!(
        blocked_escalations(&f.show(id, &after(5, 0))).is_empty(),
        "unblocked: none"
    );
    assert!(
        blocked_escalations(&f.show(id, &after(9, 0))).is_empty(),
        "unblocked, five days on: none"
    );
}

#[test]
fn the_escalation_shows_in_the_text_view() {
    let f = Fixture::new();
    let id = f.add_simple();
    f.step(id, 1, T0, &["block", "--reason", "CFO on leave"]);
    f.cmd()
        .args(["--as-of", &after(5, 0), "deal", "show", &id.to_string()])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("Step blocked > 3 days")
                .and(predicate::str::contains("Direct manager")),
        );
    f.cmd()
        .args(["--as-of", &after(1, 0), "deal", "show", &id.to_string()])
        .assert()
        .success()
        .stdout(predicate::str::contains("Step blocked > 3 days").not());
}

// ---------------------------------------------------------------------------
// 6. bad input: exit 2, one line, nothing changed

#[test]
fn a_bad_amount_is_refused_and_creates_nothing() {
    let f = Fixture::new();
    f.add_simple();
    let before = f.snapshot();
    let line = fails(&mut f.add_xy(&["--amount", "abc"]), 2);
    assert!(line.contains("abc"), "{line}");
    assert!(line.contains("250,000"), "says what is accepted: {line}");
    let line = fails(&mut f.add_xy(&["--implementation-fee", "12,34"]), 2);
    assert!(line.contains("250,000"), "says what is accepted: {line}");
    assert_eq!(f.snapshot(), before);
}

#[test]
fn a_bad_date_is_refused_and_creates_nothing() {
    let f = Fixture::new();
    f.add_simple();
    let before = f.snapshot();
    for flag in ["--close-date", "--trigger-date"] {
        let line = fails(&mut f.add_xy(&[flag, "31/02/2027"]), 2);
        assert!(line.contains("31/02/2027"), "{line}");
        assert!(line.contains("YYYY-MM-DD"), "says what is accepted: {line}");
    }
    let line = fails(&mut f.add_xy(&["--close-date", "2027-02-31"]), 2);
    assert!(line.contains("YYYY-MM-DD"), "{line}");
    assert_eq!(f.snapshot(), before);
}

#[test]
fn a_bad_as_of_is_refused_and_changes_nothing() {
    let f = Fixture::new();
    let id = f.add_simple().to_string();
    let before = f.snapshot();
    let line = fails(
        f.cmd()
            .args(["--as-of", "yesterday", "step", &id, "1", "start"]),
        2,
    );
    assert!(line.contains("yesterday"), "{line}");
    assert!(line.contains("YYYY-MM-DD"), "says what is accepted: {line}");
    let line = fails(
        f.cmd()
            .args(["step", &id, "1", "start", "--as-of", "yesterday"]),
        2,
    );
    assert!(line.contains("YYYY-MM-DD"), "{line}");
    fails(
        f.cmd().args([
            "--as-of",
            "yesterday",
            "deal",
            "add",
            "--name",
            "X",
            "--account",
            "Y",
        ]),
        2,
    );
    assert_eq!(f.snapshot(), before);
}

#[test]
fn an_unknown_deal_id_is_refused_and_changes_nothing() {
    let f = Fixture::new();
    f.add_simple();
    let before = f.snapshot();
    let line = fails(f.cmd().args(["deal", "show", "999"]), 2);
    assert!(line.contains("999"), "{line}");
    assert!(
        line.contains("deal list"),
        "says where ids come from: {line}"
    );
    let line = fails(f.cmd().args(["deal", "show", "999", "--json"]), 2);
    assert!(line.contains("999"), "{line}");
    let line = fails(f.cmd().args(["step", "999", "1", "start"]), 2);
    assert!(line.contains("999"), "{line}");
    let line = fails(f.cmd().args(["deal", "show", "abc"]), 2);
    assert!(line.contains("abc"), "{line}");
    assert_eq!(f.snapshot(), before);
}

#[test]
fn step_number_eleven_is_refused_and_changes_nothing() {
    let f = Fixture::new();
    let id = f.add_simple().to_string();
    let before = f.snapshot();
    let line = fails(f.cmd().args(["step", &id, "11", "start"]), 2);
    assert!(line.contains("11"), "{line}");
    assert!(line.contains("10"), "says the accepted range: {line}");
    let line = fails(f.cmd().args(["step", &id, "0", "complete"]), 2);
    assert!(line.contains("10"), "{line}");
    let line = fails(f.cmd().args(["step", &id, "1", "check", "6"]), 2);
    assert!(line.contains('6') && line.contains('5'), "{line}");
    assert_eq!(f.snapshot(), before);
}

#[test]
fn a_missing_name_is_refused_and_creates_nothing() {
    let f = Fixture::new();
    f.add_simple();
    let before = f.snapshot();
    let line = fails(
        f.cmd()
            .args(["deal", "add", "--name", "   ", "--account", "Y"]),
        2,
    );
    assert!(line.contains("name"), "{line}");
    let line = fails(f.cmd().args(["deal", "add", "--account", "Y"]), 2);
    assert!(line.contains("--name"), "{line}");
    assert_eq!(f.snapshot(), before);
}

// ---------------------------------------------------------------------------
// 7. rule refusals: exit 1, one line

#[test]
fn completing_a_blocked_step_is_refused() {
    let f = Fixture::new();
    let id = f.add_simple();
    f.step(id, 1, T0, &["block", "--reason", "CFO on leave"]);
    let before = f.snapshot();
    let line = fails(
        f.cmd().args([
            "--as-of",
            &after(1, 0),
            "step",
            &id.to_string(),
            "1",
            "complete",
        ]),
        1,
    );
    assert!(line.contains("blocked"), "{line}");
    assert!(line.contains("step 1"), "{line}");
    assert_eq!(f.snapshot(), before);
    assert_eq!(f.show(id, T0)["steps"][0]["status"], "blocked");
}

#[test]
fn unblocking_a_step_that_is_not_blocked_is_refused() {
    let f = Fixture::new();
    let id = f.add_simple();
    let before = f.snapshot();
    let line = fails(f.cmd().args(["step", &id.to_string(), "3", "unblock"]), 1);
    assert!(
        line.contains("step 3") && line.contains("not blocked"),
        "{line}"
    );
    assert_eq!(f.snapshot(), before);
}

#[test]
fn a_block_without_a_real_reason_is_refused() {
    let f = Fixture::new();
    let id = f.add_simple();
    let before = f.snapshot();
    let line = fails(
        f.cmd()
            .args(["step", &id.to_string(), "1", "block", "--reason", "  "]),
        1,
    );
    assert!(line.contains("reason"), "{line}");
    assert_eq!(f.snapshot(), before);
}

// ---------------------------------------------------------------------------
// 8. the walk through all ten steps

fn qa_item<'a>(deal: &'a Value, title: &str) -> &'a Value {
    deal["qa"]
        .as_array()
        .expect("qa is an array")
        .iter()
        .find(|q| q["title"] == title)
        .unwrap_or_else(|| panic!("no QA item {title:?} in {}", deal["qa"]))
}

#[test]
fn walking_all_ten_steps_in_order_passes_the_sequence_check() {
    let f = Fixture::new();
    let id = f.import_complete();
    // an import records no sign-off: the SA signs the plan
    f.cmd()
        .args(["--as-of", &after(0, 30), "--user", "Sam Okafor", "review"])
        .args([&id.to_string(), "--as", "sa"])
        .arg("--approve")
        .assert()
        .success();
    let fresh = f.show(id, T0);
    let item = qa_item(&fresh, "All 10 steps completed in sequence");
    assert_eq!(item["passed"], false, "{item}");

    for n in 1..=10u8 {
        f.cmd()
            .args([
                "--as-of",
                &after(0, i64::from(n) * 60),
                "step",
                &id.to_string(),
                &n.to_string(),
                "complete",
            ])
            .assert()
            .success()
            .stdout(format!(
                "deal {id} step {n} ({}): complete\n",
                TITLES[usize::from(n) - 1]
            ));
    }
    let d = f.show(id, &after(1, 0));
    let steps = d["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 10);
    assert!(
        steps.iter().all(|s| s["status"] == "complete"),
        "{}",
        d["steps"]
    );
    let item = qa_item(&d, "All 10 steps completed in sequence");
    assert_eq!(item["passed"], true, "{item}");
    assert!(
        item["why"].as_str().is_some_and(|w| !w.trim().is_empty()),
        "{item}"
    );
    for q in d["qa"].as_array().unwrap() {
        assert!(
            q["title"].is_string() && q["passed"].is_boolean() && q["why"].is_string(),
            "{q}"
        );
    }
    let line = fails(f.cmd().args(["step", &id.to_string(), "10", "complete"]), 1);
    assert!(line.contains("already complete"), "{line}");
}

// ---------------------------------------------------------------------------
// 9. the database file

#[cfg(unix)]
#[test]
fn the_database_and_its_new_folder_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let f = Fixture::new();
    // the default database, in a data folder that does not exist yet
    let folder = f.dir.path().join("new");
    let db = folder.join("inner").join("qualify").join("qualify.db");
    bare()
        .env("HOME", f.dir.path())
        .env("XDG_DATA_HOME", folder.join("inner"))
        .args(["deal", "add", "--name", "Acme", "--account", "Acme"])
        .assert()
        .success();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&db), 0o600, "database file mode");
    assert_eq!(mode(&folder), 0o700, "created folder mode");
    assert_eq!(mode(&folder.join("inner")), 0o700, "created folder mode");
    assert_eq!(
        mode(&folder.join("inner").join("qualify")),
        0o700,
        "created folder mode"
    );
    for side in ["qualify.db-wal", "qualify.db-shm"] {
        let p = folder.join("inner").join("qualify").join(side);
        if p.exists() {
            assert_eq!(mode(&p) & 0o077, 0, "{side} is not readable by others");
        }
    }
}

#[test]
fn the_database_is_healthy_and_in_wal_mode() {
    let f = Fixture::new();
    let id = f.import_complete();
    f.step(id, 1, T0, &["complete"]);
    let conn = rusqlite::Connection::open(&f.db).unwrap();
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode.to_ascii_lowercase(), "wal");
}

#[test]
fn a_folder_given_as_the_database_is_refused() {
    let f = Fixture::new();
    let line = fails(qualify(f.dir.path()).args(["deal", "list"]), 2);
    assert!(line.contains("folder"), "{line}");
}

// ---------------------------------------------------------------------------
// 10. a broken playbook

#[test]
fn a_broken_playbook_names_file_line_and_field() {
    let f = Fixture::new();
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/playbook.toml"))
            .unwrap();
    assert!(
        text.contains("min_minutes = 15"),
        "the shipped playbook changed; update this test"
    );
    let broken = text.replacen("min_minutes = 15", "min_minutes = \"soon\"", 1);
    let line_no = broken
        .lines()
        .position(|l| l.contains("min_minutes"))
        .unwrap()
        + 1;
    let file = f.dir.path().join("team.toml");
    std::fs::write(&file, broken).unwrap();

    let line = fails(
        f.cmd()
            .arg("--playbook")
            .arg(&file)
            .args(["deal", "add", "--name", "X", "--account", "Y"]),
        2,
    );
    assert!(
        line.contains(&file.display().to_string()),
        "names the file: {line}"
    );
    assert!(
        line.contains(&format!(":{line_no}")),
        "names line {line_no}: {line}"
    );
    assert!(line.contains("min_minutes"), "names the field: {line}");
    // nothing was created with the broken playbook
    assert_eq!(f.list(), serde_json::json!([]));

    // the option is global: after the subcommand as well
    let line = fails(f.cmd().args(["deal", "list", "--playbook"]).arg(&file), 2);
    assert!(line.contains("min_minutes"), "{line}");
}

#[test]
fn a_missing_playbook_file_is_refused() {
    let f = Fixture::new();
    let file = f.dir.path().join("nope.toml");
    let line = fails(
        f.cmd().arg("--playbook").arg(&file).args(["deal", "list"]),
        2,
    );
    assert!(line.contains("nope.toml"), "{line}");
}

#[test]
fn a_copy_of_the_shipped_playbook_is_accepted() {
    let f = Fixture::new();
    let file = f.dir.path().join("team.toml");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/playbook.toml"),
        &file,
    )
    .unwrap();
    f.cmd()
        .arg("--playbook")
        .arg(&file)
        .args(["deal", "add", "--name", "X", "--account", "Y"])
        .assert()
        .success()
        .stdout(predicate::str::is_match(r"^[0-9]+\n$").unwrap());
}

#[test]
fn a_reader_that_stops_early_ends_the_output_quietly() {
    use std::io::BufRead;
    let f = Fixture::new();
    f.cmd()
        .args(["--as-of", T0, "demo", "--deals", "300"])
        .assert()
        .success();
    // each prints far more than a pipe holds, so the writer meets the
    // closed end (as `qualify deal export | head -1` does)
    for args in [
        &["deal", "export"][..],
        &["deal", "export", "--format", "ics"],
        &["deal", "export", "--format", "salesforce-csv"],
        &["deal", "list", "--json"],
    ] {
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("qualify"))
            .env_remove("QUALIFY_DB")
            .env_remove("RUST_LOG")
            .arg("--db")
            .arg(&f.db)
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        assert!(!first.is_empty(), "{args:?}");
        // the reader has gone: the rest cannot be written
        let out = child.wait_with_output().unwrap();
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            "",
            "{args:?}: nothing said"
        );
        assert_eq!(out.status.code(), Some(0), "{args:?}");
    }
}

// ---------------------------------------------------------------------------
// 11. control characters never reach the terminal raw

fn assert_no_raw_controls(what: &str, bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    let bad: Vec<char> = text
        .chars()
        .filter(|c| c.is_control() && *c != '\n')
        .collect();
    assert!(
        bad.is_empty(),
        "{what} carries raw control characters {bad:?}: {text:?}"
    );
}

#[test]
fn control_characters_in_user_text_are_not_printed_raw() {
    let f = Fixture::new();
    let id = f.add(&[
        "--name",
        "Evil\x1b[2JCorp\rdeal",
        "--account",
        "Bell\x07Account\x1b]0;pwned\x07",
        "--owner",
        "Own\x1b[31mer",
        "--sa",
        "S\x08A",
        "--manager",
        "Man\x1b[Hager",
    ]);
    f.step(
        id,
        1,
        T0,
        &["block", "--reason", "wait\x1b[2J\x1b[Hing\x1b[0m"],
    );
    f.step(id, 2, T0, &["note", "outcomes", "notes\x1b[2J"]);

    let list = f
        .cmd()
        .args(["deal", "list"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert_no_raw_controls("deal list", &list);
    assert!(
        String::from_utf8_lossy(&list).contains("Corp"),
        "the name is still shown"
    );

    let show = f
        .cmd()
        .args(["--as-of", &after(5, 0), "deal", "show", &id.to_string()])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert_no_raw_controls("deal show", &show);
    let show = String::from_utf8_lossy(&show);
    assert!(show.contains("Corp") && show.contains("Account"), "{show}");

    for args in [
        vec!["deal", "list", "--json"],
        vec!["deal", "show", &id.to_string(), "--json"],
    ] {
        let out = f
            .cmd()
            .args(&args)
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        assert_no_raw_controls(&args.join(" "), &out);
    }
    // the JSON still holds the exact text
    assert_eq!(f.show(id, T0)["name"], "Evil\x1b[2JCorp\rdeal");

    // and errors echoing user input are cleaned too
    let out = f
        .cmd()
        .args([
            "deal",
            "add",
            "--name",
            "X",
            "--account",
            "Y",
            "--amount",
            "\x1b[2J",
        ])
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    assert_no_raw_controls("the error line", &out);
}

// ---------------------------------------------------------------------------
// 12. notes and actions

#[test]
fn notes_are_saved_per_step() {
    let f = Fixture::new();
    let id = f.add_simple();
    f.step(id, 3, T0, &["note", "outcomes", "CFO confirmed the budget"]);
    f.step(id, 3, T0, &["note", "decisions", "Go ahead with a pilot"]);
    f.step(id, 3, T0, &["note", "next-steps", "Send the pilot plan"]);
    let d = f.show(id, T0);
    assert_eq!(
        d["steps"][2]["notes"]["outcomes"],
        "CFO confirmed the budget"
    );
    assert_eq!(d["steps"][2]["notes"]["decisions"], "Go ahead with a pilot");
    assert_eq!(d["steps"][2]["notes"]["next_steps"], "Send the pilot plan");
    for (i, s) in d["steps"].as_array().unwrap().iter().enumerate() {
        if i != 2 {
            assert_eq!(s["notes"]["outcomes"], "", "step {} untouched", i + 1);
        }
    }
    // a note replaces the previous one
    f.step(id, 3, T0, &["note", "outcomes", "text"]);
    assert_eq!(f.show(id, T0)["steps"][2]["notes"]["outcomes"], "text");
}

#[test]
fn check_and_uncheck_tick_one_action() {
    let f = Fixture::new();
    let id = f.add_simple();
    f.step(id, 2, T0, &["check", "2"]);
    let d = f.show(id, T0);
    assert_eq!(
        d["steps"][1]["actions"],
        serde_json::json!([false, true, false, false, false])
    );
    assert_eq!(
        d["steps"][0]["actions"],
        serde_json::json!([false, false, false, false, false])
    );
    f.step(id, 2, T0, &["check", "5"]);
    f.step(id, 2, T0, &["uncheck", "2"]);
    let d = f.show(id, T0);
    assert_eq!(
        d["steps"][1]["actions"],
        serde_json::json!([false, false, false, false, true])
    );
}

// ---------------------------------------------------------------------------
// the step command's own output

#[test]
fn step_start_reports_the_new_status() {
    let f = Fixture::new();
    let id = f.add_simple();
    f.cmd()
        .args(["--as-of", T0, "step", &id.to_string(), "1", "start"])
        .assert()
        .success()
        .stdout(format!("deal {id} step 1 ({}): in progress\n", TITLES[0]));
    let d = f.show(id, T0);
    assert_eq!(d["steps"][0]["status"], "in_progress");
    assert_eq!(d["steps"][0]["started_at"], "2026-11-02T09:00:00+00:00");
}

// ---------------------------------------------------------------------------
// the deal document: export and import

#[test]
fn a_fresh_deal_cannot_complete_step_1_and_says_what_it_lacks() {
    let f = Fixture::new();
    let id = f.add_simple();
    let before = f.snapshot();
    let line = fails(f.cmd().args(["step", &id.to_string(), "1", "complete"]), 1);
    assert!(line.contains("step 1 cannot be completed yet"), "{line}");
    assert!(
        line.contains("every element scored (missing: Metrics"),
        "{line}"
    );
    assert!(line.contains("confirmed with a stakeholder"), "{line}");
    assert_eq!(f.snapshot(), before);
}

#[test]
fn export_import_export_is_stable_apart_from_ids() {
    let f = Fixture::new();
    f.add_simple(); // so that the imported deal gets another id
    let id = f.import_complete();
    f.step(id, 1, T0, &["complete"]);
    f.step(id, 2, T0, &["block", "--reason", "CFO travelling"]);
    let first = f.export(id);
    for key in [
        "steps",
        "meddpicc",
        "stakeholders",
        "budget",
        "validation_plan",
        "competitors",
        "decision_process",
        "timeline",
        "risks",
        "next_steps",
    ] {
        assert!(first.get(key).is_some(), "export lacks {key}");
    }
    let file = f.dir.path().join("export.json");
    std::fs::write(&file, serde_json::to_string_pretty(&first).unwrap()).unwrap();

    let empty = Fixture::new();
    let out = empty
        .cmd()
        .args(["deal", "import", file.to_str().unwrap()])
        .assert()
        .success();
    let new_id: i64 = String::from_utf8(out.get_output().stdout.clone())
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let mut second = empty.export(new_id);
    let mut first = first;
    assert_ne!(first["id"], second["id"]);
    assert_eq!(second["version"], 1, "a new deal starts at version 1");
    for key in ["id", "version"] {
        first.as_object_mut().unwrap().remove(key);
        second.as_object_mut().unwrap().remove(key);
    }
    assert_eq!(first, second);
}

#[test]
fn a_malformed_document_is_refused_whole_naming_the_field() {
    let f = Fixture::new();
    f.add_simple();
    let before = f.snapshot();
    let text = std::fs::read_to_string(FIXTURE).unwrap();
    let mut doc: Value = serde_json::from_str(&text).unwrap();
    doc["risks"][0]["likelihood"] = 9.into();
    // an array: the first deal is good, the second is not; neither is written
    let good: Value = serde_json::from_str(&text).unwrap();
    let file = f.dir.path().join("bad.json");
    std::fs::write(
        &file,
        serde_json::to_string(&Value::Array(vec![good, doc])).unwrap(),
    )
    .unwrap();
    let line = fails(f.cmd().args(["deal", "import", file.to_str().unwrap()]), 2);
    assert!(
        line.contains("[1].risks[0].likelihood: must be 1-5"),
        "{line}"
    );
    assert!(line.contains("nothing was imported"), "{line}");
    assert_eq!(f.snapshot(), before);

    let mut wrong_type: Value = serde_json::from_str(&text).unwrap();
    wrong_type["stakeholders"][1]["role"] = "cheerleader".into();
    std::fs::write(&file, wrong_type.to_string()).unwrap();
    let line = fails(f.cmd().args(["deal", "import", file.to_str().unwrap()]), 2);
    assert!(line.contains("stakeholders[1].role"), "{line}");
    assert!(line.contains("cheerleader"), "{line}");
    assert_eq!(f.snapshot(), before);

    std::fs::write(&file, "{ not json").unwrap();
    let line = fails(f.cmd().args(["deal", "import", file.to_str().unwrap()]), 2);
    assert!(line.contains("not JSON"), "{line}");
    let line = fails(f.cmd().args(["deal", "import", "/no/such/file.json"]), 2);
    assert!(line.contains("cannot read"), "{line}");
    assert_eq!(f.snapshot(), before);
}

#[test]
fn importing_a_document_with_a_known_id_updates_that_deal() {
    let f = Fixture::new();
    let id = f.import_complete();
    let mut doc = f.export(id);
    doc["stage"] = "Proposal".into();
    let file = f.dir.path().join("update.json");
    std::fs::write(&file, doc.to_string()).unwrap();
    f.cmd()
        .args(["deal", "import", file.to_str().unwrap()])
        .assert()
        .success()
        .stdout(format!("{id}\n"));
    assert_eq!(f.list().as_array().unwrap().len(), 1);
    assert_eq!(f.export(id)["stage"], "Proposal");
}

#[test]
fn a_step_is_confirmed_with_a_stakeholder_and_a_date() {
    let f = Fixture::new();
    let id = f.import_complete(); // its stakeholders: Tom Hale, Priya Raman, Ken Ito
    f.step(
        id,
        3,
        "2026-11-27T10:00:00Z",
        &["confirm", "--with", "tom hale", "--on", "+2"],
    );
    let doc = f.export(id);
    assert_eq!(
        doc["steps"][2]["confirmed_with"], "Tom Hale",
        "spelt as the buying group spells it"
    );
    assert_eq!(
        doc["steps"][2]["confirmed_on"], "2026-12-01",
        "+2 business days from a Friday"
    );
    f.step(
        id,
        4,
        "2026-11-27T10:00:00Z",
        &["confirm", "--with", "Ken Ito"],
    );
    assert_eq!(
        f.export(id)["steps"][3]["confirmed_on"],
        "2026-11-27",
        "today by default"
    );
    let before = f.snapshot();
    let line = fails(
        f.cmd().args([
            "step",
            &id.to_string(),
            "3",
            "confirm",
            "--with",
            "X",
            "--on",
            "soon",
        ]),
        2,
    );
    assert!(line.contains("+N"), "{line}");
    // an empty name is refused, naming who may be named
    let line = fails(
        f.cmd()
            .args(["step", &id.to_string(), "3", "confirm", "--with", " "]),
        2,
    );
    assert_eq!(
        line,
        "qualify: a confirmation names who confirmed: one of the deal's stakeholders (Tom Hale (CFO), Priya Raman (VP Finance), Ken Ito (IT Director))"
    );
    // someone the buying group does not hold is refused by the rule
    let line = fails(
        f.cmd().args([
            "step",
            &id.to_string(),
            "5",
            "confirm",
            "--with",
            "Bob Stone",
        ]),
        1,
    );
    assert!(
        line.contains("\"Bob Stone\" is not one of the deal's stakeholders (Tom Hale (CFO)"),
        "{line}"
    );
    assert_eq!(f.snapshot(), before, "nothing written");
}

#[test]
fn the_first_step_may_name_a_contact_not_mapped_yet() {
    let f = Fixture::new();
    let id = f.add_simple();
    // step 1 comes before the buying group is mapped: anyone may be named
    f.step(id, 1, T0, &["confirm", "--with", "Sarah Kim"]);
    assert_eq!(f.export(id)["steps"][0]["confirmed_with"], "Sarah Kim");
    let line = fails(
        f.cmd()
            .args(["step", &id.to_string(), "1", "confirm", "--with", ""]),
        2,
    );
    assert!(
        line.contains("the deal has no stakeholders yet (map them on step 2)"),
        "{line}"
    );
    let line = fails(
        f.cmd().args([
            "step",
            &id.to_string(),
            "2",
            "confirm",
            "--with",
            "Sarah Kim",
        ]),
        1,
    );
    assert!(line.contains("map them on step 2 first"), "{line}");
    assert_eq!(f.export(id)["steps"][1]["confirmed_with"], "");
}

/// The complete fixture document with every step's notes left empty.
fn fixture_without_notes() -> Value {
    let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(FIXTURE).unwrap()).unwrap();
    for step in doc["steps"].as_array_mut().unwrap() {
        step["notes"] = serde_json::json!({});
    }
    doc
}

#[test]
fn a_normal_walk_of_the_ten_steps_is_not_flagged_as_rushed() {
    let f = Fixture::new();
    let file = f.dir.path().join("acme.json");
    std::fs::write(&file, fixture_without_notes().to_string()).unwrap();
    let id = f.import_complete_from(&file);
    let walk = |id: &str, n: u8, at: &str| {
        let out = f
            .cmd()
            .args(["--as-of", at, "step", id, &n.to_string(), "complete"])
            .assert()
            .success()
            .get_output()
            .clone();
        String::from_utf8(out.stderr).unwrap()
    };
    // each step filled in on its form, then started and completed two
    // minutes later, with no notes: a prepared step done quickly
    for n in 1..=10u8 {
        let start = after(0, i64::from(n) * 10);
        let done = after(0, i64::from(n) * 10 + 2);
        f.step(id, n, &start, &["start"]);
        if n == 4 {
            f.cmd()
                .args(["--as-of", &start, "--user", "Sam Okafor", "review"])
                .arg(id.to_string())
                .args(["--as", "sa", "--approve"])
                .assert()
                .success();
        }
        let said = walk(&id.to_string(), n, &done);
        assert!(!said.contains("rushed"), "step {n}: {said}");
    }
    let deal = f.show(id, &after(1, 0));
    for step in deal["steps"].as_array().unwrap() {
        assert_eq!(step["status"], "complete");
        assert_eq!(step["rushed"], Value::Null, "{step}");
    }
    let text = String::from_utf8(
        f.cmd()
            .args(["deal", "show", &id.to_string()])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert!(!text.contains("(rushed)"), "{text}");

    // a scorecard of unknowns, without a word of evidence or notes, done in
    // two minutes: rushed, and the warning says why
    let mut doc = fixture_without_notes();
    for (_, e) in doc["meddpicc"]["elements"].as_object_mut().unwrap() {
        *e = serde_json::json!({ "score": 0, "evidence": "" });
    }
    std::fs::write(&file, doc.to_string()).unwrap();
    let thin = f.import_complete_from(&file);
    f.step(thin, 1, &after(0, 0), &["start"]);
    let said = walk(&thin.to_string(), 1, &after(0, 2));
    assert!(
        said.contains("warning: Step 1 looks rushed: completed 2 min after it started, with 0 characters of notes and a form without evidence for Metrics"),
        "{said}"
    );
    assert!(f.show(thin, &after(1, 0))["steps"][0]["rushed"].is_string());
}

#[test]
fn battle_cards_are_kept_per_competitor() {
    let f = Fixture::new();
    fails(f.cmd().args(["battlecard", "Globex"]), 2);
    f.cmd()
        .args(["battlecard", "Globex", "--set", "Lead with the audit trail"])
        .assert()
        .success();
    f.cmd()
        .args(["battlecard", "globex"])
        .assert()
        .success()
        .stdout("Lead with the audit trail\n");
}

#[test]
fn an_import_cannot_complete_a_step_whose_predecessors_never_started() {
    let f = Fixture::new();
    let before = f.snapshot();
    let file = f.dir.path().join("seq.json");
    let doc = serde_json::json!({
        "name": "Seq", "account": "A",
        "steps": [{"number": 5, "status": "complete", "completed_at": "2026-11-02T09:00:00Z"}]
    });
    std::fs::write(&file, doc.to_string()).unwrap();
    let line = fails(f.cmd().args(["deal", "import", file.to_str().unwrap()]), 2);
    assert!(
        line.contains("steps[0].status: complete while step 1 has not started"),
        "{line}"
    );
    assert_eq!(f.snapshot(), before);
}

#[test]
fn an_outcome_moves_the_deal_to_its_closed_stage() {
    let f = Fixture::new();
    for (outcome, reason, stage) in [
        ("won", None, "Closed Won"),
        ("lost", Some("Price"), "Closed Lost"),
        ("disqualified", Some("No budget"), "Disqualified"),
    ] {
        let id = f.add(&["--name", outcome, "--account", "A", "--stage", "Proposal"]);
        let mut cmd = f.cmd();
        cmd.args(["--as-of", T0, "deal", "outcome", &id.to_string(), outcome]);
        if let Some(reason) = reason {
            cmd.args(["--reason", reason]);
        }
        cmd.assert().success();
        assert_eq!(f.show(id, T0)["stage"], stage, "{outcome}");
        let history = json_of(f.cmd().args(["history", &id.to_string(), "--json"]));
        assert!(
            history
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["field"] == "stage" && r["after"] == stage),
            "{history}"
        );
    }
}

#[test]
fn report_out_and_backup_over_an_existing_file_need_force() {
    let f = Fixture::new();
    let id = f.add_simple().to_string();
    let file = f.dir.path().join("review.md");
    let copy = f.dir.path().join("copy.db");
    for (path, args) in [
        (&file, vec!["report", id.as_str(), "--out"]),
        (&copy, vec!["backup"]),
    ] {
        std::fs::write(path, "keep me").unwrap();
        let out = f.cmd().args(&args).arg(path).output().unwrap();
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(
            stderr.contains("exists") && stderr.contains("--force"),
            "{stderr}"
        );
        assert_eq!(std::fs::read_to_string(path).unwrap(), "keep me");
        f.cmd()
            .args(&args)
            .arg(path)
            .arg("--force")
            .assert()
            .success();
        assert_ne!(
            std::fs::read_to_string(path).ok().as_deref(),
            Some("keep me")
        );
    }
    assert!(std::fs::read_to_string(&file).unwrap().contains("Acme ERP"));
}
