//! End-to-end tests of the oversight commands: `check`, `escalate`,
//! `escalation ack|resolve`, `review`, `history` and `report`, run through
//! the real `qualify` binary against a throw-away database (`--db`), with
//! the clock fixed by `--as-of` and the actor named by `--user`.

mod common;
use assert_cmd::Command;
use chrono::{DateTime, Duration, FixedOffset};
use common::FIXTURE;
use predicates::prelude::*;
use serde_json::Value;
use std::path::PathBuf;
use tempfile::TempDir;

/// The user the tests act as unless they say otherwise.
const USER: &str = "dana";

/// A Monday morning, far from the fixture's dates: the block tests start here.
const T0: &str = "2026-11-02T09:00:00Z";

/// When the complete deal is checked: its next step (due 2026-12-01) is not
/// overdue yet.
const CHECK_AT: &str = "2026-11-28T10:00:00Z";

/// The seven QA items, in the order PRODUCT.md lists them.
const QA_TITLES: [&str; 7] = [
    "All 10 steps completed in sequence",
    "Opportunity record updated with all required fields",
    "Stakeholder engagement logged with specific names and dates",
    "Next steps scheduled within 2 business days",
    "Risk factors documented with mitigation plans",
    "Manager review completed for deals > $250K",
    "Handoff documentation complete (if applicable)",
];

const MANAGER_REVIEW: &str = "Manager review completed for deals > $250K";
const RISKS: &str = "Risk factors documented with mitigation plans";

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

    /// The binary on this database, with nothing inherited that would
    /// change what it does: no `QUALIFY_DB`/`QUALIFY_USER`, and the machine
    /// zone pinned to UTC so local-time output is stable.
    fn bare(&self) -> Command {
        let mut cmd = Command::cargo_bin("qualify").expect("the qualify binary is built");
        cmd.env_remove("QUALIFY_DB")
            .env_remove("QUALIFY_USER")
            .env_remove("RUST_LOG")
            .env("TZ", "UTC")
            .arg("--db")
            .arg(&self.db);
        cmd
    }

    /// The binary with the clock at `as_of`, acting as [`USER`].
    fn at(&self, as_of: &str) -> Command {
        self.at_as(as_of, USER)
    }

    /// The binary with the clock at `as_of`, acting as `who`.
    fn at_as(&self, as_of: &str, who: &str) -> Command {
        let mut cmd = self.bare();
        cmd.args(["--as-of", as_of, "--user", who]);
        cmd
    }

    /// `deal add` with these arguments at `as_of`; returns the new id.
    fn add(&self, as_of: &str, args: &[&str]) -> i64 {
        let out = self
            .at(as_of)
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

    /// A fresh deal: a name and an account, nothing else.
    fn add_fresh(&self) -> i64 {
        self.add(T0, &["--name", "Acme ERP", "--account", "Acme Corp"])
    }

    /// A fresh deal owned by [`USER`], with [`MANAGER`] as its manager (to
    /// whom its escalations go).
    fn add_owned(&self) -> i64 {
        self.add(
            T0,
            &[
                "--name",
                "Acme ERP",
                "--account",
                "Acme Corp",
                "--owner",
                USER,
                "--manager",
                MANAGER,
            ],
        )
    }

    /// Import a document file at `as_of`; returns the id it printed.
    fn import(&self, as_of: &str, file: &str) -> i64 {
        let out = self
            .at(as_of)
            .args(["deal", "import", file])
            .assert()
            .success()
            .stdout(predicate::str::is_match(r"^[0-9]+\n$").unwrap())
            .get_output()
            .stdout
            .clone();
        String::from_utf8(out).unwrap().trim().parse().unwrap()
    }

    fn export(&self, id: i64) -> Value {
        json_of(
            self.bare()
                .args(["deal", "export", &id.to_string(), "--json"]),
        )
    }

    /// `step ID N ...` at `as_of`, expected to succeed.
    fn step(&self, id: i64, number: u8, as_of: &str, change: &[&str]) {
        self.at(as_of)
            .args(["step", &id.to_string(), &number.to_string()])
            .args(change)
            .assert()
            .success()
            .stdout(predicate::str::starts_with(format!(
                "deal {id} step {number} ("
            )));
    }

    /// `check ID --json` at `as_of`: the exit status and the document.
    fn check(&self, id: i64, as_of: &str) -> (i32, Value) {
        run_json(self.at(as_of).args(["check", &id.to_string(), "--json"]))
    }

    /// `history ID --json`: the rows.
    fn history(&self, id: i64) -> Vec<Value> {
        json_of(self.bare().args(["history", &id.to_string(), "--json"]))
            .as_array()
            .expect("history is an array")
            .clone()
    }

    /// Import the complete fixture (all content there, no step started).
    fn import_fixture(&self, as_of: &str) -> i64 {
        self.import(as_of, FIXTURE)
    }

    /// Export the deal, let `edit` change the document, import it back.
    fn edit(&self, id: i64, as_of: &str, edit: impl FnOnce(&mut Value)) {
        let mut doc = self.export(id);
        edit(&mut doc);
        let file = self.dir.path().join(format!("edit-{id}.json"));
        std::fs::write(&file, doc.to_string()).unwrap();
        assert_eq!(
            self.import(as_of, file.to_str().unwrap()),
            id,
            "updated in place"
        );
    }

    /// The complete fixture walked to a deal that passes every QA item at
    /// [`CHECK_AT`]: the SA's sign-off (an import records none), the ten
    /// steps completed in order on 2026-11-27, the manager's approval, and
    /// a mitigation for the second risk.
    fn passing_deal(&self) -> i64 {
        let id = self.import_fixture("2026-11-27T08:00:00Z");
        self.at_as("2026-11-27T08:30:00Z", "Sam Okafor")
            .args(["review", &id.to_string(), "--as", "sa", "--approve"])
            .assert()
            .success();
        for n in 1..=10u8 {
            let when = format!("2026-11-27T{:02}:00:00Z", 8 + n);
            self.step(id, n, &when, &["complete"]);
        }
        self.at_as("2026-11-27T19:00:00Z", "Morgan Lee")
            .args(["review", &id.to_string(), "--as", "manager", "--approve"])
            .assert()
            .success();
        self.edit(id, "2026-11-27T20:00:00Z", |doc| {
            doc["risks"][1]["mitigation"] = "Lead with the audit trail references".into();
        });
        id
    }
}

/// Run `cmd`, require success, parse stdout as JSON.
fn json_of(cmd: &mut Command) -> Value {
    let out = cmd.assert().success().get_output().stdout.clone();
    serde_json::from_slice(&out)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out)))
}

/// Run `cmd` (exit 0 or 1, as `check` does), parse stdout as JSON; the
/// status and the value.
fn run_json(cmd: &mut Command) -> (i32, Value) {
    let output = cmd.output().expect("the binary runs");
    let code = output.status.code().expect("an exit status");
    assert!(
        code == 0 || code == 1,
        "exit {code}; stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    });
    (code, value)
}

/// Run `cmd`, require an exit status among `codes`, nothing on stdout and
/// exactly one non-empty line on stderr; the status and that line.
fn fails_with(cmd: &mut Command, codes: &[i32]) -> (i32, String) {
    let output = cmd.output().expect("the binary runs");
    let code = output.status.code().expect("an exit status");
    let stderr = String::from_utf8(output.stderr).expect("stderr is UTF-8");
    assert!(
        codes.contains(&code),
        "exit {code}, wanted one of {codes:?}; stderr: {stderr:?}"
    );
    assert!(
        output.stdout.is_empty(),
        "nothing on stdout: {:?}",
        String::from_utf8_lossy(&output.stdout)
    );
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
    assert!(
        line.trim_start_matches("qualify:").trim().len() > 10,
        "stderr says too little: {line:?}"
    );
    (code, line)
}

/// [`fails_with`] for exactly one status.
fn fails(cmd: &mut Command, code: i32) -> String {
    fails_with(cmd, &[code]).1
}

fn instant(text: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(text).unwrap_or_else(|e| panic!("not RFC 3339 ({e}): {text:?}"))
}

/// An instant read from a JSON field.
fn instant_of(value: &Value) -> DateTime<FixedOffset> {
    instant(
        value
            .as_str()
            .unwrap_or_else(|| panic!("not a string: {value}")),
    )
}

/// `base` moved on by `d`, as RFC 3339.
fn plus(base: &str, d: Duration) -> String {
    (instant(base) + d).to_rfc3339()
}

fn qa_item<'a>(check: &'a Value, title: &str) -> &'a Value {
    check["qa"]
        .as_array()
        .expect("qa is an array")
        .iter()
        .find(|q| q["title"] == title)
        .unwrap_or_else(|| panic!("no QA item {title:?} in {}", check["qa"]))
}

fn escalations(check: &Value) -> &Vec<Value> {
    check["escalations"]
        .as_array()
        .unwrap_or_else(|| panic!("escalations is an array: {check}"))
}

fn why(item: &Value) -> &str {
    item["why"]
        .as_str()
        .unwrap_or_else(|| panic!("why is a string: {item}"))
}

// ---------------------------------------------------------------------------
// 1. check: the seven QA items, one deal or every open deal

#[test]
fn check_of_a_fresh_deal_lists_the_seven_items_and_fails() {
    let f = Fixture::new();
    let id = f.add_fresh();

    let out = f
        .at(T0)
        .args(["check", &id.to_string()])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    for title in QA_TITLES {
        assert_eq!(
            text.lines().filter(|l| l.contains(title)).count(),
            1,
            "one line for {title:?}:\n{text}"
        );
    }
    assert!(text.contains("Acme ERP"), "names the deal:\n{text}");

    let (code, doc) = f.check(id, T0);
    assert_eq!(code, 1, "a fresh deal fails: {doc}");
    let qa = doc["qa"].as_array().expect("qa is an array");
    let titles: Vec<&str> = qa.iter().map(|q| q["title"].as_str().unwrap()).collect();
    assert_eq!(titles, QA_TITLES, "the seven titles, in order");
    for item in qa {
        assert!(item["passed"].is_boolean(), "{item}");
        if item["passed"] == false {
            assert!(!why(item).trim().is_empty(), "a failure says why: {item}");
        }
    }
    assert!(
        qa.iter().filter(|q| q["passed"] == false).count() >= 4,
        "steps, record, stakeholders, next steps, risks all fail on a fresh deal: {}",
        doc["qa"]
    );
    assert_eq!(
        qa_item(&doc, QA_TITLES[0])["passed"],
        false,
        "no step is complete"
    );
    assert!(escalations(&doc).is_empty(), "{doc}");
}

#[test]
fn a_deal_walked_through_the_procedure_passes_check() {
    let f = Fixture::new();
    let id = f.import_fixture("2026-11-27T08:00:00Z");
    approve_as(&f, id, "sa", "Sam Okafor", "2026-11-27T08:30:00Z")
        .assert()
        .success();
    for n in 1..=10u8 {
        let when = format!("2026-11-27T{:02}:00:00Z", 8 + n);
        f.step(id, n, &when, &["complete"]);
    }
    let (code, doc) = f.check(id, CHECK_AT);
    assert_eq!(code, 1, "no manager review, a bare risk: {doc}");
    assert_eq!(qa_item(&doc, QA_TITLES[0])["passed"], true, "{doc}");
    assert_eq!(qa_item(&doc, MANAGER_REVIEW)["passed"], false, "{doc}");
    let risks = qa_item(&doc, RISKS);
    assert_eq!(risks["passed"], false, "{risks}");
    assert!(
        why(risks).contains("Globex discounts 30%"),
        "names the risk without a plan: {risks}"
    );

    f.at_as("2026-11-27T19:00:00Z", "Morgan Lee")
        .args(["review", &id.to_string(), "--as", "manager", "--approve"])
        .assert()
        .success();
    let (code, doc) = f.check(id, CHECK_AT);
    assert_eq!(code, 1, "the risk still has no plan: {doc}");
    assert_eq!(qa_item(&doc, MANAGER_REVIEW)["passed"], true, "{doc}");

    f.edit(id, "2026-11-27T20:00:00Z", |doc| {
        doc["risks"][1]["mitigation"] = "Lead with the audit trail references".into();
    });
    let (code, doc) = f.check(id, CHECK_AT);
    assert_eq!(code, 0, "every item passes, nothing overdue: {doc}");
    for item in doc["qa"].as_array().unwrap() {
        assert_eq!(item["passed"], true, "{item}");
    }
    assert!(escalations(&doc).is_empty(), "{doc}");
    f.at(CHECK_AT)
        .args(["check", &id.to_string()])
        .assert()
        .code(0);

    // the next step falls due on 2026-12-01: overdue from the 2nd
    let (code, doc) = f.check(id, "2026-12-02T10:00:00Z");
    assert_eq!(code, 1, "an overdue next step fails: {doc}");
    assert_eq!(
        qa_item(&doc, "Next steps scheduled within 2 business days")["passed"],
        false
    );
}

#[test]
fn check_without_an_id_covers_every_open_deal() {
    let f = Fixture::new();
    let good = f.passing_deal();
    // closed deals are left out, passing or not (this one lacks a handoff)
    let old = f.add(T0, &["--name", "Old deal", "--account", "Initech"]);
    f.at(T0)
        .args(["deal", "outcome", &old.to_string(), "won"])
        .assert()
        .success();
    let (code, all) = run_json(f.at(CHECK_AT).args(["check", "--json"]));
    let list = all.as_array().unwrap_or_else(|| panic!("an array: {all}"));
    assert_eq!(list.len(), 1, "the closed deal is left out: {all}");
    assert_eq!(list[0]["id"], good);
    assert_eq!(code, 0, "the one open deal passes: {all}");

    let fresh = f.add_fresh();
    let (code, all) = run_json(f.at(CHECK_AT).args(["check", "--json"]));
    let list = all.as_array().unwrap_or_else(|| panic!("an array: {all}"));
    assert_eq!(list.len(), 2, "one element per open deal: {all}");
    let mut ids: Vec<i64> = list.iter().map(|d| d["id"].as_i64().unwrap()).collect();
    ids.sort_unstable();
    assert_eq!(ids, [good, fresh]);
    for deal in list {
        assert_eq!(deal["qa"].as_array().unwrap().len(), 7, "{deal}");
        assert!(deal["escalations"].is_array(), "{deal}");
    }
    assert_eq!(code, 1, "the fresh deal fails: {all}");

    let text = f
        .at(CHECK_AT)
        .arg("check")
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(text).unwrap();
    assert_eq!(text.lines().count(), 2, "a line per open deal:\n{text}");
    assert!(text.contains("Acme ERP rollout"), "{text}");
    assert!(!text.contains("Old deal"), "{text}");
}

// ---------------------------------------------------------------------------
// 2. the manager's review

/// The deals these tests make name Morgan as their manager.
const MANAGER: &str = "Morgan";

fn review(f: &Fixture, id: i64, as_of: &str, args: &[&str]) -> Command {
    let mut cmd = f.at_as(as_of, MANAGER);
    cmd.args(["review", &id.to_string(), "--as", "manager"])
        .args(args);
    cmd
}

#[test]
fn the_manager_review_item_applies_over_250k() {
    let f = Fixture::new();
    let big = f.add(
        T0,
        &[
            "--name",
            "Big",
            "--account",
            "Acme",
            "--amount",
            "300000",
            "--manager",
            MANAGER,
        ],
    );
    let small = f.add(
        T0,
        &["--name", "Small", "--account", "Acme", "--amount", "200000"],
    );

    let item = qa_item(&f.check(big, T0).1, MANAGER_REVIEW).clone();
    assert_eq!(item["passed"], false, "unreviewed at $300,000: {item}");
    assert!(!why(&item).trim().is_empty(), "{item}");
    let item = qa_item(&f.check(small, T0).1, MANAGER_REVIEW).clone();
    assert_eq!(item["passed"], true, "not needed at $200,000: {item}");

    review(&f, big, T0, &["--approve"]).assert().success();
    let item = qa_item(&f.check(big, T0).1, MANAGER_REVIEW).clone();
    assert_eq!(item["passed"], true, "approved: {item}");
    assert!(why(&item).contains("Morgan"), "names the reviewer: {item}");
}

#[test]
fn a_send_back_needs_a_comment_and_fails_the_item() {
    let f = Fixture::new();
    let id = f.add(
        T0,
        &[
            "--name",
            "Big",
            "--account",
            "Acme",
            "--amount",
            "300000",
            "--manager",
            MANAGER,
        ],
    );
    review(&f, id, T0, &["--approve"]).assert().success();
    let before = f.export(id);

    fails_with(&mut review(&f, id, T0, &["--send-back"]), &[2]);
    fails_with(
        &mut review(&f, id, T0, &["--send-back", "--comment", "  "]),
        &[2],
    );
    assert_eq!(f.export(id), before, "a refused send-back changes nothing");
    assert_eq!(
        qa_item(&f.check(id, T0).1, MANAGER_REVIEW)["passed"],
        true,
        "still approved"
    );

    review(
        &f,
        id,
        T0,
        &["--send-back", "--comment", "Rework the discount plan"],
    )
    .assert()
    .success();
    let item = qa_item(&f.check(id, T0).1, MANAGER_REVIEW).clone();
    assert_eq!(item["passed"], false, "sent back: {item}");
    assert!(
        why(&item).contains("Rework the discount plan"),
        "the why carries the comment: {item}"
    );
}

#[test]
fn a_review_must_approve_or_send_back() {
    let f = Fixture::new();
    let id = f.add_fresh();
    fails(&mut review(&f, id, T0, &[]), 2);
    fails(&mut review(&f, id, T0, &["--comment", "looks fine"]), 2);
    assert!(f.export(id)["manager_review"].is_null(), "nothing recorded");
}

// ---------------------------------------------------------------------------
// 3. escalations raised by people

#[test]
fn a_pricing_exception_is_due_in_72_hours_and_leaves_check_once_resolved() {
    let f = Fixture::new();
    let id = f.passing_deal();
    let t = CHECK_AT;
    // raised by the deal's owner, routed to its manager, who acts on it
    f.at_as(t, "Dana Reyes")
        .args([
            "escalate",
            &id.to_string(),
            "--scenario",
            "pricing",
            "--reason",
            "30% discount",
        ])
        .assert()
        .success()
        .stdout("E1\n");

    let (code, doc) = f.check(id, &plus(t, Duration::hours(71)));
    assert_eq!(code, 0, "open but not overdue: {doc}");
    let list = escalations(&doc);
    assert_eq!(list.len(), 1, "{doc}");
    let e = &list[0];
    assert_eq!(e["id"], "E1");
    assert_eq!(e["escalate_to"], "Finance + VP Sales");
    assert_eq!(e["authority"], "CFO");
    assert_eq!(e["overdue"], false, "{e}");
    assert_eq!(instant_of(&e["raised_at"]), instant(t));
    assert_eq!(instant_of(&e["due_at"]), instant(t) + Duration::hours(72));
    assert_eq!(e["why"], "30% discount");

    let late = plus(t, Duration::hours(73));
    let (code, doc) = f.check(id, &late);
    assert_eq!(escalations(&doc)[0]["overdue"], true, "{doc}");
    assert_eq!(code, 1, "an overdue escalation fails check: {doc}");
    f.at(&late)
        .args(["check", &id.to_string()])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("E1").and(predicate::str::contains("OVERDUE")));

    f.at_as(&late, "Morgan Lee")
        .args(["escalation", "ack", "E1", "--note", "seen"])
        .assert()
        .success();
    let (code, doc) = f.check(id, &late);
    assert_eq!(escalations(&doc)[0]["status"], "acknowledged", "{doc}");
    assert_eq!(code, 1, "acknowledged is not resolved: {doc}");

    fails(
        f.at_as(&late, "Morgan Lee")
            .args(["escalation", "resolve", "E1"]),
        2,
    );
    fails_with(
        f.at_as(&late, "Morgan Lee")
            .args(["escalation", "resolve", "E1", "--note", "  "]),
        &[2],
    );
    assert_eq!(
        escalations(&f.check(id, &late).1)[0]["status"],
        "acknowledged",
        "a refused resolve changes nothing"
    );
    fails_with(
        f.at_as(&late, "Morgan Lee")
            .args(["escalation", "resolve", "E99", "--note", "approved"]),
        &[2],
    );
    fails_with(
        f.at_as(&late, "Morgan Lee")
            .args(["escalation", "ack", "E99", "--note", "seen"]),
        &[2],
    );

    f.at_as(&late, "Morgan Lee")
        .args(["escalation", "resolve", "E1", "--note", "approved"])
        .assert()
        .success();
    let (code, doc) = f.check(id, &late);
    assert!(
        !escalations(&doc).iter().any(|e| e["id"] == "E1"),
        "resolved: gone from check: {doc}"
    );
    assert_eq!(code, 0, "{doc}");
    fails_with(
        f.at_as(&late, "Morgan Lee")
            .args(["escalation", "resolve", "E1", "--note", "again"]),
        &[1],
    );

    let history = f.history(id);
    let row = |field: &str| {
        history
            .iter()
            .find(|r| r["field"] == field)
            .unwrap_or_else(|| panic!("no history row for {field}: {history:?}"))
    };
    assert_eq!(row("escalations.E1.acknowledged.note")["after"], "seen");
    assert_eq!(row("escalations.E1.acknowledged.by")["after"], "Morgan Lee");
    assert_eq!(row("escalations.E1.resolved.note")["after"], "approved");
    assert_eq!(row("escalations.E1.resolved.note")["before"], "");
    assert_eq!(row("escalations.E1.resolved.by")["after"], "Morgan Lee");
    assert_eq!(row("escalations.E1.resolved.note")["who"], "Morgan Lee");
    assert_eq!(row("escalations.E1.to")["after"], "Morgan Lee");
}

#[test]
fn a_customer_escalation_is_due_at_the_end_of_that_day() {
    let f = Fixture::new();
    let id = f.add_owned();
    let raised = "2026-11-27T21:30:00+00:00";
    f.at(raised)
        .env("TZ", "UTC")
        .args([
            "escalate",
            &id.to_string(),
            "--scenario",
            "customer",
            "--reason",
            "CIO unhappy with the demo",
        ])
        .assert()
        .success()
        .stdout(predicate::str::is_match(r"^E[0-9]+\n$").unwrap());

    let check_utc = |as_of: &str| {
        run_json(
            f.at(as_of)
                .env("TZ", "UTC")
                .args(["check", &id.to_string(), "--json"]),
        )
        .1
    };
    let doc = check_utc("2026-11-27T21:31:00+00:00");
    let e = &escalations(&doc)[0];
    assert_eq!(e["escalate_to"], "CSM + VP Sales", "{e}");
    let (at, due) = (instant_of(&e["raised_at"]), instant_of(&e["due_at"]));
    assert_eq!(at, instant(raised));
    assert!(due > at, "due after it was raised: {e}");
    assert_eq!(
        (due - Duration::seconds(1)).date_naive(),
        at.date_naive(),
        "due on the day it was raised (UTC): {e}"
    );
    assert_eq!(
        due,
        instant("2026-11-28T00:00:00Z"),
        "at the end of that day: {e}"
    );
    assert_eq!(e["overdue"], false);
    let doc = check_utc("2026-11-27T23:59:00Z");
    assert_eq!(escalations(&doc)[0]["overdue"], false, "{doc}");
    let doc = check_utc("2026-11-28T00:01:00Z");
    assert_eq!(escalations(&doc)[0]["overdue"], true, "{doc}");

    // raised two hours east of UTC, 21:30 UTC is 23:30: due half an hour later,
    // wherever it is looked at from
    f.at("2026-11-27T21:30:00Z")
        .env("TZ", "UTC-2")
        .args([
            "escalate",
            &id.to_string(),
            "--scenario",
            "customer",
            "--reason",
            "CIO again",
        ])
        .assert()
        .success();
    let doc = check_utc("2026-11-27T21:31:00Z");
    let east = escalations(&doc)
        .iter()
        .find(|e| e["why"] == "CIO again")
        .expect("the second escalation")
        .clone();
    assert_eq!(
        instant_of(&east["due_at"]),
        instant("2026-11-27T22:00:00Z"),
        "{doc}"
    );
}

/// A same-day window ends at midnight of the day it was raised, at the
/// user's offset on that day: where the clocks change between the raising
/// and the looking, the due time must not move.
#[test]
fn a_customer_escalation_keeps_its_due_time_across_a_clock_change() {
    // Central European time as a POSIX rule (no zoneinfo needed): +02:00
    // until 2026-10-25 01:00 UTC, +01:00 after
    const CET: &str = "CET-1CEST,M3.5.0,M10.5.0/3";
    let f = Fixture::new();
    let id = f.add_owned();
    // 23:30 local on Saturday 2026-10-24: due at local midnight, 22:00 UTC
    f.at("2026-10-24T21:30:00Z")
        .env("TZ", CET)
        .args([
            "escalate",
            &id.to_string(),
            "--scenario",
            "customer",
            "--reason",
            "CIO unhappy with the demo",
        ])
        .assert()
        .success();
    let due_seen_at = |as_of: &str| {
        let doc = run_json(
            f.at(as_of)
                .env("TZ", CET)
                .args(["check", &id.to_string(), "--json"]),
        )
        .1;
        instant_of(&escalations(&doc)[0]["due_at"])
    };
    let midnight = instant("2026-10-24T22:00:00Z");
    assert_eq!(due_seen_at("2026-10-24T21:45:00Z"), midnight);
    assert_eq!(
        due_seen_at("2026-10-26T09:00:00Z"),
        midnight,
        "seen after the clocks went back"
    );
}

#[test]
fn the_escalation_scenario_must_be_known_and_a_reason_given() {
    let f = Fixture::new();
    let id = f.add_fresh();
    fails(
        f.at(T0).args([
            "escalate",
            &id.to_string(),
            "--scenario",
            "blocked",
            "--reason",
            "x",
        ]),
        2,
    );
    fails_with(
        f.at(T0).args([
            "escalate",
            &id.to_string(),
            "--scenario",
            "legal-security",
            "--reason",
            " ",
        ]),
        &[2],
    );
    assert!(escalations(&f.check(id, T0).1).is_empty());
}

// ---------------------------------------------------------------------------
// 4. a step blocked more than three days

#[test]
fn a_blocked_step_escalates_after_three_days_and_unblocking_clears_it() {
    let f = Fixture::new();
    let id = f.add_fresh();
    f.step(id, 1, T0, &["block", "--reason", "CFO away"]);

    let (_, doc) = f.check(id, &plus(T0, Duration::days(3)));
    assert!(escalations(&doc).is_empty(), "exactly three days: {doc}");

    let (code, doc) = f.check(id, &plus(T0, Duration::days(3) + Duration::minutes(1)));
    assert_eq!(code, 1);
    let list = escalations(&doc);
    assert_eq!(list.len(), 1, "{doc}");
    let e = &list[0];
    assert_eq!(e["scenario"], "Step blocked > 3 days");
    assert_eq!(e["escalate_to"], "Direct manager");
    assert_eq!(e["id"], format!("B{id}.1"));
    assert_eq!(e["step"], 1);
    assert_eq!(
        instant_of(&e["due_at"]),
        instant(T0) + Duration::days(4),
        "due a day after the three days: {e}"
    );
    assert!(why(e).contains("CFO away"), "{e}");

    f.step(id, 1, &plus(T0, Duration::days(5)), &["unblock"]);
    let (_, doc) = f.check(id, &plus(T0, Duration::days(5) + Duration::minutes(1)));
    assert!(escalations(&doc).is_empty(), "unblocked: {doc}");

    let history = f.history(id);
    assert!(
        history.iter().any(|r| {
            r["field"].as_str().unwrap().starts_with("escalations.")
                && r["after"] == "step 1 unblocked"
        }),
        "the cleared escalation is kept in the history: {history:?}"
    );
}

#[test]
fn a_blocked_step_escalation_is_acknowledged_by_its_id() {
    let f = Fixture::new();
    let id = f.add_owned();
    f.step(id, 1, T0, &["block", "--reason", "CFO away"]);
    let when = plus(T0, Duration::days(3) + Duration::minutes(1));
    let (_, doc) = f.check(id, &when);
    let list = escalations(&doc);
    assert_eq!(list.len(), 1, "{doc}");
    let eid = list[0]["id"].as_str().unwrap().to_string();
    assert!(eid.starts_with('B'), "{eid}");

    f.at_as(&when, MANAGER)
        .args(["escalation", "ack", &eid, "--note", "calling the CFO"])
        .assert()
        .success();
    let (_, doc) = f.check(id, &when);
    let list = escalations(&doc);
    assert_eq!(list.len(), 1, "acknowledged once, not doubled: {doc}");
    let e = &list[0];
    assert_eq!(e["scenario"], "Step blocked > 3 days");
    assert_eq!(e["status"], "acknowledged", "{e}");
    assert_eq!(e["acknowledged"]["note"], "calling the CFO", "{e}");
    assert_eq!(e["acknowledged"]["by"], MANAGER, "{e}");

    fails_with(
        f.at_as(&when, MANAGER)
            .args(["escalation", "ack", &eid, "--note", "again"]),
        &[1],
    );
    // another deal's id is not this one's
    fails_with(
        f.at(&when)
            .args(["escalation", "ack", &format!("B{}.1", id + 1)]),
        &[2],
    );
}

// ---------------------------------------------------------------------------
// 5. the history

#[test]
fn history_shows_every_change_with_before_after_and_who() {
    let f = Fixture::new();
    let id = f.add(
        T0,
        &[
            "--name",
            "Big",
            "--account",
            "Acme",
            "--amount",
            "300000",
            "--manager",
            MANAGER,
        ],
    );
    f.step(id, 2, T0, &["note", "outcomes", "x"]);
    // the actor from QUALIFY_USER this time, written as they like
    f.bare()
        .env("QUALIFY_USER", "morgan")
        .args([
            "--as-of",
            "2026-11-02T10:00:00Z",
            "review",
            &id.to_string(),
            "--as",
            "manager",
            "--approve",
        ])
        .assert()
        .success();

    let history = f.history(id);
    for row in &history {
        for key in ["at", "who", "field", "before", "after"] {
            assert!(row[key].is_string(), "{key} in {row}");
        }
    }
    let note = history
        .iter()
        .find(|r| r["field"] == "steps[1].notes.outcomes")
        .unwrap_or_else(|| panic!("no row for the note: {history:?}"));
    assert_eq!(note["before"], "");
    assert_eq!(note["after"], "x");
    assert_eq!(note["who"], USER);
    assert_eq!(instant_of(&note["at"]), instant(T0));

    let by = history
        .iter()
        .find(|r| r["field"] == "manager_review.by")
        .unwrap_or_else(|| panic!("no row for the review: {history:?}"));
    assert_eq!(by["after"], "Morgan", "the assigned spelling");
    assert_eq!(by["who"], "morgan", "the actor as they gave their name");
    assert!(
        history
            .iter()
            .any(|r| r["field"] == "manager_review.approved" && r["after"] == "true"),
        "{history:?}"
    );

    let text = f
        .bare()
        .args(["history", &id.to_string()])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(text).unwrap();
    assert_eq!(
        text.lines().count(),
        history.len(),
        "a line per row:\n{text}"
    );
    let line = text
        .lines()
        .find(|l| l.contains("Step 2 Stakeholder mapping verification · outcomes note"))
        .unwrap_or_else(|| panic!("no line for the note:\n{text}"));
    assert!(line.contains(USER) && line.contains('x'), "{line}");
    assert!(
        text.lines().any(|l| l.contains("Manager review · by")
            && l.contains("morgan")
            && l.contains("Morgan")),
        "{text}"
    );
}

#[test]
fn history_shows_a_step_started_then_completed_in_words_and_json_keeps_the_keys() {
    let f = Fixture::new();
    let id = f.import_fixture(T0);
    f.step(id, 1, T0, &["start"]);
    f.step(id, 1, "2026-11-02T11:00:00Z", &["complete"]);
    let text = f
        .bare()
        .args(["history", &id.to_string()])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(text).unwrap();
    let status = "Step 1 Initial qualification using MEDDICC/MEDDPICC · status: ";
    for change in ["Not started -> In progress", "In progress -> Complete"] {
        assert!(
            text.lines()
                .any(|l| l.ends_with(&format!("{status}{change}"))),
            "{change}:\n{text}"
        );
    }
    assert!(!text.contains("in_progress"), "{text}");
    let keys: Vec<(Value, Value)> = f
        .history(id)
        .into_iter()
        .filter(|r| r["field"] == "steps[0].status")
        .map(|r| (r["before"].clone(), r["after"].clone()))
        .collect();
    assert_eq!(
        keys,
        [
            ("not_started".into(), "in_progress".into()),
            ("in_progress".into(), "complete".into())
        ],
        "--json keeps the keys"
    );
}

#[test]
fn history_of_an_unknown_deal_is_refused() {
    let f = Fixture::new();
    f.add_fresh();
    fails_with(f.bare().args(["history", "99", "--json"]), &[2]);
}

// ---------------------------------------------------------------------------
// 6. the deal report

#[test]
fn the_report_is_markdown_for_the_forecast_call() {
    let f = Fixture::new();
    let id = f.import_fixture("2026-11-27T08:00:00Z");
    approve_as(&f, id, "sa", "Sam Okafor", "2026-11-27T08:30:00Z")
        .assert()
        .success();
    f.at_as("2026-11-27T15:00:00Z", "Dana Reyes")
        .args([
            "escalate",
            &id.to_string(),
            "--scenario",
            "pricing",
            "--reason",
            "Procurement asks for 30% off",
        ])
        .assert()
        .success()
        .stdout("E1\n");

    let report = |cmd: &mut Command| {
        cmd.env("TZ", "UTC")
            .args(["--as-of", CHECK_AT, "--user", "dana", "report"])
            .arg(id.to_string());
    };
    let mut cmd = f.bare();
    report(&mut cmd);
    let out = cmd.assert().success().get_output().stdout.clone();
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("Acme ERP rollout"), "{text}");
    assert!(text.contains("## QA checklist"), "{text}");
    assert!(text.contains("## Escalations"), "{text}");
    assert!(text.contains("| E1 |"), "{text}");
    for title in QA_TITLES {
        // Markdown's special characters are escaped with a backslash
        let title = title.replace('>', "\\>");
        assert!(text.contains(&title), "{title:?} in\n{text}");
    }
    assert!(!text.contains("&gt;"), "no entity is printed:\n{text}");
    insta::assert_snapshot!("report_acme", text);

    let file = f.dir.path().join("review.md");
    let mut cmd = f.bare();
    report(&mut cmd);
    cmd.arg("--out")
        .arg(&file)
        .assert()
        .success()
        .stdout("")
        .stderr("");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), text);
}

/// The handoff section is there when the domain says a handoff is due: the
/// deal's recorded outcome is won (or it is flagged for handoff), whatever
/// its stage's words say, as the QA checklist's handoff item judges it.
#[test]
fn the_report_s_handoff_section_follows_the_recorded_outcome_not_the_stage() {
    let f = Fixture::new();
    const HANDOFF: &str = "## Handoff to implementation";
    let report = |id: i64| {
        let out = f
            .at(T0)
            .args(["report", &id.to_string()])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        String::from_utf8(out).unwrap()
    };
    let handoff_applies = |id: i64| {
        let (_, check) = f.check(id, T0);
        qa_item(&check, "Handoff documentation complete (if applicable)")["applicable"] == true
    };

    // the stage's words say won, but no outcome is recorded: no handoff yet
    let said = f.add(
        T0,
        &[
            "--name",
            "Acme ERP",
            "--account",
            "Acme Corp",
            "--stage",
            "Closed Won",
        ],
    );
    assert!(!handoff_applies(said));
    let text = report(said);
    assert!(!text.contains(HANDOFF), "{text}");

    // won on the record, with another stage: the handoff is due
    let won = f.add(
        T0,
        &[
            "--name",
            "Globex CRM",
            "--account",
            "Globex",
            "--stage",
            "Negotiation",
        ],
    );
    f.at(T0)
        .args(["deal", "outcome", &won.to_string(), "won"])
        .assert()
        .success();
    assert!(handoff_applies(won));
    let text = report(won);
    assert!(text.contains(HANDOFF), "{text}");
}

#[test]
fn a_report_that_cannot_be_written_is_refused() {
    let f = Fixture::new();
    let id = f.add_fresh();
    let file = f.dir.path().join("no-such-folder").join("review.md");
    fails_with(
        f.at(T0)
            .args(["report", &id.to_string(), "--out"])
            .arg(&file),
        &[1, 2],
    );
    assert!(!file.exists());
}

// ---------------------------------------------------------------------------
// Trust in the record: who signs, what "complete" means, stale writers

const SEQUENCE: &str = "All 10 steps completed in sequence";

/// `review ID --as ROLE --approve` acting as `who`.
fn approve_as(f: &Fixture, id: i64, role: &str, who: &str, as_of: &str) -> Command {
    let mut cmd = f.at_as(as_of, who);
    cmd.args(["review", &id.to_string(), "--as", role, "--approve"]);
    cmd
}

#[test]
fn only_the_deal_s_sa_and_manager_may_sign_off() {
    let f = Fixture::new();
    let id = f.import_fixture(T0); // SA Sam Okafor, manager Morgan Lee
    let before = f.export(id);
    let line = fails(&mut approve_as(&f, id, "sa", USER, T0), 1);
    assert_eq!(
        line,
        "qualify: only the deal's SA, Sam Okafor, may sign off the validation plan; you are dana (act as them with --user \"Sam Okafor\" or QUALIFY_USER)"
    );
    let line = fails(&mut approve_as(&f, id, "manager", "Sam Okafor", T0), 1);
    assert!(
        line.contains("only the deal's manager, Morgan Lee"),
        "{line}"
    );
    assert_eq!(f.export(id), before, "a refused sign-off writes nothing");

    approve_as(&f, id, "sa", "sam okafor", T0)
        .assert()
        .success();
    approve_as(&f, id, "manager", "Morgan Lee", T0)
        .assert()
        .success();
    let doc = f.export(id);
    assert_eq!(doc["validation_plan"]["decision"]["by"], "Sam Okafor");
    assert_eq!(doc["manager_review"]["by"], "Morgan Lee");

    // a deal with nobody assigned says so
    // (its owner defaults to its creator, who never signs it: ask another)
    let bare = f.add(T0, &["--name", "Lone", "--account", "Acme"]);
    let line = fails(&mut approve_as(&f, bare, "manager", "Sam Okafor", T0), 1);
    assert!(line.contains("has no manager assigned"), "{line}");
}

// ---------------------------------------------------------------------------
// Sign-offs nobody grants themselves

/// The deal's people as these tests name them.
const OWNER: &str = "Dana Reyes";
const SA: &str = "Sam Okafor";
const BOSS: &str = "Morgan Lee";

/// A $300,000 deal owned by Dana Reyes, with Sam Okafor as SA and Morgan
/// Lee as manager.
fn staffed_deal(f: &Fixture) -> i64 {
    f.add(
        T0,
        &[
            "--name",
            "Big",
            "--account",
            "Acme",
            "--amount",
            "300000",
            "--owner",
            OWNER,
            "--sa",
            SA,
            "--manager",
            BOSS,
        ],
    )
}

#[test]
fn the_owner_is_never_the_deal_s_sa_or_manager() {
    let f = Fixture::new();
    for (role, flag) in [("manager", "--manager"), ("SA", "--sa")] {
        let line = fails(
            f.at(T0).args([
                "deal",
                "add",
                "--name",
                "Big",
                "--account",
                "Acme",
                "--owner",
                OWNER,
                flag,
                " dana REYES ",
            ]),
            1,
        );
        assert!(
            line.contains(&format!(
                "Dana Reyes owns the deal and cannot also be its {role}"
            )),
            "{line}"
        );
    }
    assert!(list_json(&f, T0, &[]).is_empty(), "nothing created");

    // an import that names the owner as manager is refused whole
    let file = f.dir.path().join("self.json");
    std::fs::write(
        &file,
        r#"[{"name": "A", "account": "Acme"},
            {"name": "B", "account": "Acme", "owner": "Dana Reyes", "manager": "dana reyes"}]"#,
    )
    .unwrap();
    let line = fails(f.at(T0).args(["deal", "import", file.to_str().unwrap()]), 1);
    assert!(line.contains("cannot also be its manager"), "{line}");
    assert!(line.contains("nothing was imported"), "{line}");
    assert!(list_json(&f, T0, &[]).is_empty(), "nothing imported");
}

#[test]
fn a_sign_off_goes_out_of_date_when_the_manager_changes() {
    let f = Fixture::new();
    let id = f.passing_deal();
    assert_eq!(
        f.check(id, CHECK_AT).0,
        0,
        "passes with Morgan Lee's approval"
    );
    f.edit(id, "2026-11-27T21:00:00Z", |doc| {
        doc["manager"] = "Pat Kim".into();
    });
    let (code, check) = f.check(id, CHECK_AT);
    assert_eq!(code, 1, "{check}");
    let item = qa_item(&check, MANAGER_REVIEW);
    assert_eq!(item["passed"], false, "{item}");
    assert_eq!(
        why(item),
        "the approval is out of date: signed by Morgan Lee, who is no longer the deal's manager",
        "{item}"
    );
    let report = f
        .at(CHECK_AT)
        .args(["report", &id.to_string()])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let report = String::from_utf8(report).unwrap();
    assert!(
        report.contains("signed by Morgan Lee, who is no longer the deal's manager"),
        "{report}"
    );
    // the new manager's own approval counts
    approve_as(&f, id, "manager", "Pat Kim", "2026-11-27T22:00:00Z")
        .assert()
        .success();
    assert_eq!(f.check(id, CHECK_AT).0, 0);
}

#[test]
fn the_sa_s_sign_off_goes_out_of_date_when_the_plan_s_sa_changes() {
    let f = Fixture::new();
    let id = f.import_fixture("2026-11-27T08:00:00Z");
    approve_as(&f, id, "sa", SA, "2026-11-27T08:30:00Z")
        .assert()
        .success();
    for n in 1..=4u8 {
        let when = format!("2026-11-27T{:02}:00:00Z", 8 + n);
        f.step(id, n, &when, &["complete"]);
    }
    f.edit(id, "2026-11-27T14:00:00Z", |doc| {
        doc["validation_plan"]["sa"] = "Ana Ruiz".into();
    });
    let (code, check) = f.check(id, CHECK_AT);
    assert_eq!(code, 1);
    let reason = why(qa_item(&check, SEQUENCE)).to_string();
    assert!(
        reason
            .contains("approval out of date: signed by Sam Okafor, who is no longer the plan's SA"),
        "{reason}"
    );
}

/// Write `doc` to a file in the fixture's folder; its path.
fn document_file(f: &Fixture, name: &str, doc: &Value) -> String {
    let file = f.dir.path().join(name);
    std::fs::write(&file, doc.to_string()).unwrap();
    file.to_str().unwrap().to_string()
}

#[test]
fn an_import_never_creates_a_sign_off() {
    let f = Fixture::new();
    let id = staffed_deal(&f);
    let mut forged = f.export(id);
    forged["manager_review"] = serde_json::json!({
        "approved": true, "by": BOSS, "at": "2026-11-01T10:00:00Z", "comment": "fine"
    });
    forged["validation_plan"]["decision"] = serde_json::json!({
        "approved": true, "by": SA, "at": "2026-11-01T10:00:00Z"
    });
    let file = document_file(&f, "forged.json", &forged);

    // --strict refuses the whole file, writes nothing
    let before = f.export(id);
    let line = fails(f.at(T0).args(["deal", "import", "--strict", &file]), 1);
    assert!(
        line.contains(&format!(
            "deal {id} (Big): the SA's sign-off (approved by Sam Okafor on 2026-11-01) is not one recorded on this deal"
        )),
        "{line}"
    );
    assert!(line.contains("nothing was imported"), "{line}");
    assert_eq!(f.export(id), before);

    // without it the sign-offs are dropped, a line each, and the rest imported
    let out = f
        .at(T0)
        .args(["deal", "import", &file])
        .assert()
        .success()
        .stdout(format!("{id}\n"))
        .get_output()
        .clone();
    let said = String::from_utf8(out.stderr).unwrap();
    let lines: Vec<&str> = said.lines().collect();
    assert_eq!(lines.len(), 2, "one line per sign-off: {said}");
    assert!(
        lines.iter().any(|l| l.contains("the SA's sign-off")
            && l.contains("approved by Sam Okafor on 2026-11-01")),
        "{said}"
    );
    assert!(
        lines.iter().any(|l| l.contains(&format!("deal {id} (Big)"))
            && l.contains("the manager's review")
            && l.contains("approved by Morgan Lee")
            && l.contains("not one recorded on this deal")),
        "{said}"
    );
    let doc = f.export(id);
    assert!(doc["manager_review"].is_null(), "{doc}");
    assert!(doc["validation_plan"]["decision"].is_null(), "{doc}");
    assert_eq!(doc["version"], 2, "the rest was imported");

    // a forged document naming a new deal gets none either
    let mut new = forged.clone();
    new["id"] = Value::Null;
    new["version"] = Value::Null;
    let file = document_file(&f, "new.json", &new);
    let out = f.at(T0).args(["deal", "import", &file]).assert().success();
    let said = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert_eq!(said.lines().count(), 2, "{said}");
    let created: i64 = String::from_utf8(out.get_output().stdout.clone())
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(f.export(created)["manager_review"].is_null());
}

#[test]
fn an_export_re_imported_keeps_its_sign_offs() {
    let f = Fixture::new();
    let id = staffed_deal(&f);
    approve_as(&f, id, "manager", BOSS, T0).assert().success();
    let export = f.export(id);
    let file = document_file(&f, "export.json", &export);
    f.at(T0)
        .args(["deal", "import", "--strict", &file])
        .assert()
        .success()
        .stdout(format!("{id}\n"))
        .stderr("");
    let doc = f.export(id);
    assert_eq!(doc["manager_review"], export["manager_review"], "kept");
    assert_eq!(qa_item(&f.check(id, T0).1, MANAGER_REVIEW)["passed"], true);

    // the same review with another signer or time is not the one recorded
    let mut changed = doc.clone();
    changed["manager_review"]["at"] = "2026-11-01T09:00:00Z".into();
    let file = document_file(&f, "changed.json", &changed);
    let out = f.at(T0).args(["deal", "import", &file]).assert().success();
    let said = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert_eq!(said.lines().count(), 1, "{said}");
    assert!(f.export(id)["manager_review"].is_null());
}

/// `escalate ID --scenario pricing --reason R` acting as `who`, with more
/// arguments.
fn escalate_as(f: &Fixture, id: i64, who: &str, more: &[&str]) -> Command {
    let mut cmd = f.at_as(T0, who);
    cmd.args([
        "escalate",
        &id.to_string(),
        "--scenario",
        "pricing",
        "--reason",
        "30% discount",
    ])
    .args(more);
    cmd
}

/// `escalation VERB ESC ...` acting as `who`.
fn act_as(f: &Fixture, who: &str, args: &[&str]) -> Command {
    let mut cmd = f.at_as(T0, who);
    cmd.arg("escalation").args(args);
    cmd
}

#[test]
fn an_escalation_is_acted_on_by_whom_it_is_routed_to_never_its_raiser() {
    let f = Fixture::new();
    let id = staffed_deal(&f);
    // raising is for the people on the deal
    let line = fails(&mut escalate_as(&f, id, "Eve Outsider", &[]), 1);
    assert!(line.contains("Eve Outsider is not on deal"), "{line}");
    escalate_as(&f, id, OWNER, &[])
        .assert()
        .success()
        .stdout("E1\n");
    let check = f.check(id, T0).1;
    let e = &escalations(&check)[0];
    assert_eq!(e["to"], BOSS, "routed to the deal's manager: {e}");
    assert_eq!(e["raised_by"], OWNER);

    // the raiser neither acknowledges nor resolves it
    for args in [
        &["ack", "E1", "--note", "seen"][..],
        &["resolve", "E1", "--note", "approved 20%"][..],
    ] {
        let line = fails(&mut act_as(&f, OWNER, args), 1);
        assert!(line.contains("you raised E1"), "{line}");
        assert!(line.contains("withdraw"), "{line}");
    }
    let line = fails(&mut act_as(&f, SA, &["resolve", "E1", "--note", "x"]), 1);
    assert!(line.contains("routed to Morgan Lee"), "{line}");
    assert_eq!(escalations(&f.check(id, T0).1)[0]["status"], "open");
    act_as(&f, BOSS, &["ack", "E1", "--note", "seen"])
        .assert()
        .success();
    act_as(
        &f,
        "morgan lee",
        &["resolve", "E1", "--note", "approved 20%"],
    )
    .assert()
    .success();

    // routed to someone else: they act, and so does the deal's manager
    escalate_as(&f, id, SA, &["--to", "Fiona Finance"])
        .assert()
        .success()
        .stdout("E2\n");
    escalate_as(&f, id, SA, &["--to", "Fiona Finance"])
        .assert()
        .success()
        .stdout("E3\n");
    let shown = String::from_utf8(
        f.at(T0)
            .args(["check", &id.to_string()])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert!(shown.contains("routed to Fiona Finance"), "{shown}");
    act_as(&f, "Fiona Finance", &["resolve", "E2", "--note", "ok"])
        .assert()
        .success();
    act_as(&f, BOSS, &["resolve", "E3", "--note", "ok"])
        .assert()
        .success();

    // nobody routes an escalation to themselves or to the deal's owner
    let line = fails(&mut escalate_as(&f, id, SA, &["--to", "sam okafor"]), 1);
    assert!(line.contains("--to"), "{line}");
    let line = fails(&mut escalate_as(&f, id, SA, &["--to", OWNER]), 1);
    assert!(line.contains("--to"), "{line}");
}

#[test]
fn the_raiser_withdraws_their_own_escalation_with_a_reason() {
    let f = Fixture::new();
    let id = staffed_deal(&f);
    escalate_as(&f, id, OWNER, &[]).assert().success();
    fails(&mut act_as(&f, OWNER, &["withdraw", "E1"]), 2);
    let line = fails(
        &mut act_as(&f, BOSS, &["withdraw", "E1", "--reason", "not needed"]),
        1,
    );
    assert!(line.contains("only Dana Reyes, who raised E1"), "{line}");
    act_as(
        &f,
        OWNER,
        &["withdraw", "E1", "--reason", "customer took list price"],
    )
    .assert()
    .success()
    .stdout("E1 withdrawn\n");
    let (_, check) = f.check(id, T0);
    assert!(
        escalations(&check).is_empty(),
        "withdrawn: not open: {check}"
    );
    fails(
        &mut act_as(&f, BOSS, &["resolve", "E1", "--note", "too late"]),
        1,
    );
    let history = f.history(id);
    assert!(
        history
            .iter()
            .any(|r| r["field"] == "escalations.E1.withdrawn.note"
                && r["after"] == "customer took list price"
                && r["who"] == OWNER),
        "{history:?}"
    );
}

#[test]
fn a_blocked_step_escalation_is_routed_to_the_deal_s_manager() {
    let f = Fixture::new();
    let id = staffed_deal(&f);
    f.at_as(T0, OWNER)
        .args([
            "step",
            &id.to_string(),
            "1",
            "block",
            "--reason",
            "CFO away",
        ])
        .assert()
        .success();
    let when = plus(T0, Duration::days(3) + Duration::minutes(1));
    let doc = f.check(id, &when).1;
    let e = &escalations(&doc)[0];
    assert_eq!(e["to"], BOSS, "{e}");
    let eid = e["id"].as_str().unwrap().to_string();
    let line = fails(
        f.at_as(&when, OWNER)
            .args(["escalation", "ack", &eid, "--note", "x"]),
        1,
    );
    assert!(line.contains("routed to Morgan Lee"), "{line}");
    f.at_as(&when, BOSS)
        .args(["escalation", "ack", &eid, "--note", "calling the CFO"])
        .assert()
        .success();
}

#[test]
fn a_complete_step_whose_criteria_an_edit_took_away_fails_check_and_the_approval_goes_stale() {
    let f = Fixture::new();
    let id = f.import_fixture("2026-11-27T08:00:00Z");
    approve_as(&f, id, "sa", "Sam Okafor", "2026-11-27T08:30:00Z")
        .assert()
        .success();
    for n in 1..=4u8 {
        let when = format!("2026-11-27T{:02}:00:00Z", 8 + n);
        f.step(id, n, &when, &["complete"]);
    }
    // the validation item's owner leaves: the edit is accepted, and says so
    f.edit(id, "2026-11-27T14:00:00Z", |doc| {
        doc["validation_plan"]["items"][0]["owner"] = "".into();
    });
    let doc = f.export(id);
    assert_eq!(doc["steps"][3]["status"], "complete", "still complete");
    let (code, check) = f.check(id, CHECK_AT);
    assert_eq!(code, 1);
    let item = qa_item(&check, SEQUENCE);
    assert_eq!(item["passed"], false);
    let reason = why(item);
    assert!(
        reason.contains("step 4 is complete but its criteria no longer hold"),
        "{reason}"
    );
    assert!(reason.contains("item 1 (Consolidate 3 ERPs)"), "{reason}");
    assert!(
        reason.contains("approval out of date: the plan changed after Sam Okafor approved it"),
        "{reason}"
    );
}

#[test]
fn the_manager_s_approval_goes_stale_when_the_amount_changes() {
    let f = Fixture::new();
    let id = f.passing_deal();
    assert_eq!(
        qa_item(&f.check(id, CHECK_AT).1, MANAGER_REVIEW)["passed"],
        true
    );
    f.edit(id, "2026-11-27T21:00:00Z", |doc| {
        doc["amount"] = 350_000.into();
    });
    let (_, check) = f.check(id, CHECK_AT);
    let item = qa_item(&check, MANAGER_REVIEW);
    assert_eq!(item["passed"], false, "{item}");
    assert!(
        why(item).contains("out of date: Morgan Lee approved amount $300,000"),
        "{item}"
    );
}

#[test]
fn reopening_a_step_to_fix_it_keeps_the_procedure_in_sequence() {
    let f = Fixture::new();
    let id = f.passing_deal();
    let (code, _) = f.check(id, CHECK_AT);
    assert_eq!(code, 0);
    f.step(id, 7, "2026-11-27T21:00:00Z", &["reopen"]);
    let doc = f.export(id);
    for n in 8..=10 {
        assert_eq!(doc["steps"][n - 1]["status"], "complete", "step {n} kept");
    }
    f.step(id, 7, "2026-11-27T22:00:00Z", &["complete"]);
    let (code, check) = f.check(id, CHECK_AT);
    let item = qa_item(&check, SEQUENCE);
    assert_eq!(item["passed"], true, "{item}");
    assert_eq!(code, 0, "{check}");
}

#[test]
fn importing_a_stale_export_is_refused_and_force_says_what_it_replaced() {
    let f = Fixture::new();
    let id = f.import_fixture(T0);
    let stale = f.export(id);
    f.step(id, 1, T0, &["note", "outcomes", "Agreed with the CFO"]);
    let after = f.export(id);
    let file = f.dir.path().join("stale.json");
    std::fs::write(&file, stale.to_string()).unwrap();
    let line = fails_with(
        f.at(T0).args(["deal", "import", file.to_str().unwrap()]),
        &[1, 2],
    )
    .1;
    assert!(
        line.contains(&format!("deal {id} (Acme ERP rollout)")),
        "{line}"
    );
    assert!(line.contains("--force"), "{line}");
    assert_eq!(f.export(id), after, "the later edit is kept");

    let out = f
        .at(T0)
        .args(["deal", "import", "--force", file.to_str().unwrap()])
        .assert()
        .success()
        .get_output()
        .clone();
    let said = String::from_utf8(out.stderr).unwrap();
    assert!(
        said.contains(&format!(
            "replaced deal {id} (Acme ERP rollout) as it stood at version"
        )),
        "{said}"
    );
    assert_eq!(
        f.export(id)["steps"][0]["notes"]["outcomes"],
        stale["steps"][0]["notes"]["outcomes"],
        "the document's text is back"
    );
}

#[test]
fn a_document_with_a_key_given_twice_is_refused() {
    let f = Fixture::new();
    let file = f.dir.path().join("twice.json");
    std::fs::write(
        &file,
        r#"{"name": "Acme", "account": "Acme Corp", "name": "Globex"}"#,
    )
    .unwrap();
    let line = fails(f.at(T0).args(["deal", "import", file.to_str().unwrap()]), 2);
    assert!(line.contains("name: this key is given twice"), "{line}");
}

// ---------------------------------------------------------------------------
// The pipeline: outcomes, forecast category, stalled deals, the list

fn list_json(f: &Fixture, as_of: &str, args: &[&str]) -> Vec<Value> {
    json_of(f.at(as_of).args(["deal", "list", "--json"]).args(args))
        .as_array()
        .expect("an array")
        .clone()
}

#[test]
fn outcomes_are_recorded_lost_needs_a_reason_and_open_reopens() {
    let f = Fixture::new();
    let id = f.add_fresh().to_string();
    let before = f.export(id.parse().unwrap());
    let line = fails(f.at(T0).args(["deal", "outcome", &id, "lost"]), 2);
    assert!(line.contains("needs a reason"), "{line}");
    assert_eq!(f.export(id.parse().unwrap()), before, "nothing written");
    f.at(T0)
        .args([
            "deal",
            "outcome",
            &id,
            "lost",
            "--reason",
            "Budget frozen",
            "--lost-to",
            "Globex",
        ])
        .assert()
        .success()
        .stdout("deal 1: lost · forecast Omitted\n");
    assert!(
        list_json(&f, T0, &[]).is_empty(),
        "the list is of open deals"
    );
    f.at(T0)
        .args(["deal", "list"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with(
            "No open deals match (--all shows closed ones too).",
        ));
    let row = &list_json(&f, T0, &["--all"])[0];
    assert_eq!(row["outcome"], "lost");
    assert_eq!(row["forecast_category"], "omitted");
    f.at(T0)
        .args(["deal", "outcome", &id, "open"])
        .assert()
        .success();
    let row = &list_json(&f, T0, &[])[0];
    assert_eq!(row["outcome"], Value::Null);
    assert_eq!(row["forecast_category"], "pipeline");
    // the history keeps it
    let history = f.history(id.parse().unwrap());
    assert!(
        history
            .iter()
            .any(|r| r["field"] == "outcome.kind" && r["after"] == "lost"),
        "{history:?}"
    );
}

#[test]
fn the_list_carries_the_pipeline_columns_and_filters() {
    let f = Fixture::new();
    let good = f.passing_deal();
    let fresh = f.add(
        T0,
        &[
            "--name",
            "Fresh",
            "--account",
            "Initech",
            "--owner",
            "Lee Park",
            "--sa",
            "Sam Okafor",
        ],
    );
    let rows = list_json(&f, CHECK_AT, &[]);
    assert_eq!(rows.len(), 2);
    let acme = rows.iter().find(|r| r["id"] == good).unwrap();
    for key in [
        "forecast_category",
        "verdict",
        "meddpicc_total",
        "qa_passed",
        "escalations_open",
        "escalations_overdue",
        "risk_band",
        "next_step_due",
        "stalled",
        "outcome",
    ] {
        assert!(acme.get(key).is_some(), "{key} in {acme}");
    }
    assert_eq!(acme["forecast_category"], "commit", "{acme}");
    assert_eq!(acme["verdict"], "qualified");
    assert_eq!(acme["meddpicc_total"], 18);
    assert_eq!(acme["qa_passed"], 7);
    assert_eq!(acme["risk_band"], "high");
    assert_eq!(acme["next_step_due"], "2026-12-01");

    let ids = |rows: Vec<Value>| {
        rows.iter()
            .map(|r| r["id"].as_i64().unwrap())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        ids(list_json(&f, CHECK_AT, &["--category", "commit"])),
        [good]
    );
    assert_eq!(
        ids(list_json(&f, CHECK_AT, &["--owner", "lee park"])),
        [fresh]
    );
    assert_eq!(
        ids(list_json(&f, CHECK_AT, &["--sa", "Sam Okafor"])),
        [good, fresh]
    );
    assert_eq!(
        ids(list_json(&f, CHECK_AT, &["--verdict", "qualified"])),
        [good]
    );
    assert_eq!(
        ids(list_json(&f, CHECK_AT, &["--sort", "meddpicc_total"])),
        [good, fresh]
    );
    assert_eq!(
        ids(list_json(&f, CHECK_AT, &["--sort", "name"])),
        [good, fresh],
        "Acme before Fresh"
    );
    let line = fails(f.at(T0).args(["deal", "list", "--category", "maybe"]), 2);
    assert!(
        line.contains("pipeline, best_case, commit, closed or omitted"),
        "{line}"
    );
    let line = fails(f.at(T0).args(["deal", "list", "--sort", "colour"]), 2);
    assert!(line.contains("close_date"), "{line}");
    // the text list ends with totals per category
    let text = f
        .at(CHECK_AT)
        .args(["deal", "list"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(text).unwrap();
    assert!(
        text.contains("Totals: Pipeline $0 (1) · Commit $300,000 (1)"),
        "{text}"
    );
}

#[test]
fn a_deal_stalls_after_seven_quiet_days_and_a_snooze_silences_it() {
    let f = Fixture::new();
    let id = f.add(T0, &["--name", "Quiet", "--account", "Acme"]);
    let stalled = |as_of: &str| -> Vec<Value> { list_json(&f, as_of, &["--stalled"]) };
    // T0 is Monday 2 November 09:00
    assert!(
        stalled("2026-11-09T08:59:59Z").is_empty(),
        "6 days 23:59 quiet"
    );
    assert_eq!(stalled("2026-11-09T09:00:00Z").len(), 1, "7 days quiet");
    assert_eq!(
        list_json(&f, "2026-11-09T09:00:00Z", &[])[0]["stalled"],
        true
    );

    let line = fails(
        f.at("2026-11-10T09:00:00Z").args([
            "deal",
            "snooze",
            &id.to_string(),
            "--until",
            "2026-11-20",
        ]),
        2,
    );
    assert!(line.contains("--reason"), "{line}");
    f.at("2026-11-10T09:00:00Z")
        .args([
            "deal",
            "snooze",
            &id.to_string(),
            "--until",
            "2026-11-20",
            "--reason",
            "Board meets on the 19th",
        ])
        .assert()
        .success();
    assert!(stalled("2026-11-19T23:59:00Z").is_empty(), "snoozed");
    assert_eq!(stalled("2026-11-20T00:00:00Z").len(), 1, "the snooze ended");
    // a change ends the snooze, and is activity
    f.step(id, 1, "2026-11-12T09:00:00Z", &["start"]);
    assert!(stalled("2026-11-12T10:00:00Z").is_empty());
    assert!(
        f.history(id)
            .iter()
            .any(|r| r["field"] == "snooze.reason" && r["after"] == "Board meets on the 19th"),
        "the snooze is in the history"
    );
}

/// The ids of `deal list --json` with these arguments, acting as `who`.
fn list_ids_as(f: &Fixture, who: &str, args: &[&str]) -> Vec<i64> {
    json_of(
        f.at_as(CHECK_AT, who)
            .args(["deal", "list", "--json"])
            .args(args),
    )
    .as_array()
    .expect("an array")
    .iter()
    .map(|r| r["id"].as_i64().unwrap())
    .collect()
}

#[test]
fn the_review_queues_hold_open_deals_and_narrow_to_mine() {
    let f = Fixture::new();
    // two deals over the threshold, managed by Morgan Lee; one is won
    let open = f.import_fixture(T0);
    let won = f.import_fixture(T0);
    f.at(T0)
        .args(["deal", "outcome", &won.to_string(), "won"])
        .assert()
        .success();
    let other = f.add(
        T0,
        &[
            "--name",
            "Globex",
            "--account",
            "Globex",
            "--amount",
            "400000",
            "--manager",
            "Kim Lead",
        ],
    );
    let manager = ["--queue", "manager"];
    assert_eq!(
        list_ids_as(&f, USER, &manager),
        [open, other],
        "no won deal"
    );
    let all = ["--queue", "manager", "--all"];
    assert_eq!(
        list_ids_as(&f, USER, &all),
        [open, other],
        "a queue is open"
    );
    let mine = ["--queue", "manager", "--mine"];
    assert_eq!(list_ids_as(&f, "Morgan Lee", &mine), [open]);
    assert_eq!(list_ids_as(&f, "kim lead", &mine), [other]);
    assert!(list_ids_as(&f, USER, &mine).is_empty());

    // the plan the SA sent back waits on the AE until it changes
    let sa = ["--queue", "sa"];
    f.at_as(T0, "Sam Okafor")
        .args(["review", &open.to_string(), "--as", "sa", "--send-back"])
        .args(["--comment", "Add a load test"])
        .assert()
        .success();
    assert!(list_ids_as(&f, USER, &sa).is_empty(), "sent back to the AE");
    f.edit(open, T0, |doc| {
        let items = doc["validation_plan"]["items"].as_array_mut().unwrap();
        let mut load = items[0].clone();
        load["requirement"] = "Load test at month-end volume".into();
        items.push(load);
    });
    assert_eq!(list_ids_as(&f, USER, &sa), [open], "resubmitted");
    let sa_mine = ["--queue", "sa", "--mine"];
    assert_eq!(list_ids_as(&f, "Sam Okafor", &sa_mine), [open]);
    assert!(list_ids_as(&f, USER, &sa_mine).is_empty());
    let line = fails(f.at(T0).args(["deal", "list", "--queue", "ae"]), 2);
    assert!(line.contains("sa") && line.contains("manager"), "{line}");
}

#[test]
fn the_list_shows_open_deals_unless_all_and_reverses() {
    let f = Fixture::new();
    let add = |name: &str, close: &str| {
        f.add(
            T0,
            &["--name", name, "--account", "Acme", "--close-date", close],
        )
    };
    let (a, b, c) = (
        add("First", "2027-01-10"),
        add("Second", "2027-02-10"),
        add("Third", "2027-03-10"),
    );
    f.at(T0)
        .args(["deal", "outcome", &b.to_string(), "won"])
        .assert()
        .success();
    assert_eq!(list_ids_as(&f, USER, &[]), [a, c], "open deals only");
    assert_eq!(list_ids_as(&f, USER, &["--all"]), [a, b, c]);
    assert_eq!(list_ids_as(&f, USER, &["--all", "--reverse"]), [c, b, a]);
    assert_eq!(
        list_ids_as(&f, USER, &["--sort", "name", "--reverse"]),
        [c, a],
        "Third, First"
    );
    let text = |args: &[&str]| {
        let out = f
            .at(CHECK_AT)
            .args(["deal", "list"])
            .args(args)
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        String::from_utf8(out).unwrap()
    };
    assert!(!text(&[]).contains("Second"), "{}", text(&[]));
    let all = text(&["--all"]);
    let second = all.lines().find(|l| l.contains("Second")).unwrap();
    assert!(second.trim_end().ends_with("won"), "{second}");
}

#[test]
fn a_snooze_shows_in_the_list_show_and_json_and_unsnooze_lifts_it() {
    let f = Fixture::new();
    let id = f
        .add(T0, &["--name", "Quiet", "--account", "Acme"])
        .to_string();
    let at = "2026-11-12T09:00:00Z"; // ten quiet days: stalled
    f.at(at)
        .args(["deal", "snooze", &id, "--until", "2026-11-20"])
        .args(["--reason", "Board meets on the 19th"])
        .assert()
        .success();
    let row = &list_json(&f, at, &[])[0];
    assert_eq!(row["stalled"], false);
    assert_eq!(row["snoozed_until"], "2026-11-20");
    let list = String::from_utf8(
        f.at(at)
            .args(["deal", "list"])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone(),
    )
    .unwrap();
    assert!(list.contains("snoozed until 2026-11-20"), "{list}");
    let show = |json: bool| {
        let mut cmd = f.at(at);
        cmd.args(["deal", "show", &id]);
        if json {
            cmd.arg("--json");
        }
        String::from_utf8(cmd.assert().success().get_output().stdout.clone()).unwrap()
    };
    assert!(
        show(false).contains("Snoozed until 2026-11-20 by dana: Board meets on the 19th"),
        "{}",
        show(false)
    );
    let doc: Value = serde_json::from_str(&show(true)).unwrap();
    assert_eq!(doc["snoozed_until"], "2026-11-20");
    assert_eq!(doc["snooze_reason"], "Board meets on the 19th");
    assert_eq!(doc["snoozed_by"], "dana");
    assert_eq!(doc["stalled"], Value::Null);

    f.at(at)
        .args(["deal", "unsnooze", &id])
        .assert()
        .success()
        .stdout(format!("deal {id}: snooze lifted\n"));
    let row = &list_json(&f, at, &[])[0];
    assert_eq!(row["stalled"], true, "the quiet days still count");
    assert_eq!(row["snoozed_until"], Value::Null);
    let doc: Value = serde_json::from_str(&show(true)).unwrap();
    assert_eq!(doc["snoozed_until"], Value::Null);
    assert!(show(false).contains("Stalled: no change for 10 days"));
    let line = fails(f.at(at).args(["deal", "unsnooze", &id]), 1);
    assert!(line.contains("not snoozed"), "{line}");
}
