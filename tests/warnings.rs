//! Deal warnings through the CLI: `check` and `deal list` (text and JSON),
//! the list's `--warning` filter, a warning's snooze and its end, the
//! history's facts kept as `deal set` changes the amount and close date,
//! and the report's section.

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};
use tempfile::TempDir;

mod common;

/// The example deal's stakeholders were last engaged 2026-11-23..26 and its
/// next step is due 2026-12-01; its confirmed budget ($450,000) is below its
/// first-year value: one warning, budget_short.
const T0: &str = "2026-11-27T10:00:00Z";

struct Db {
    _dir: TempDir,
    db: PathBuf,
}

impl Db {
    fn new() -> Db {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("deals.db");
        Db { _dir: dir, db }
    }

    fn at(&self, when: &str) -> Command {
        let mut cmd = Command::cargo_bin("qualify").unwrap();
        cmd.env_remove("QUALIFY_DB")
            .env_remove("RUST_LOG")
            .arg("--db")
            .arg(&self.db)
            .args(["--as-of", when, "--user", "dana"]);
        cmd
    }

    fn out(&self, when: &str, args: &[&str]) -> String {
        let out = self.at(when).args(args).output().unwrap();
        assert!(
            out.status.success() || out.status.code() == Some(1) && args[0] == "check",
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn json(&self, when: &str, args: &[&str]) -> Value {
        serde_json::from_str(&self.out(when, args)).unwrap()
    }

    /// The command's exit status and its stderr (which must be one line).
    fn fails(&self, when: &str, args: &[&str]) -> (i32, String) {
        let out = self.at(when).args(args).output().unwrap();
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(err.lines().count(), 1, "{err}");
        (out.status.code().unwrap(), err)
    }

    /// The example deal, imported at T0; its id.
    fn example(&self) -> String {
        self.out(T0, &["deal", "import", common::FIXTURE]);
        "1".into()
    }

    /// The kinds `check ID --json` gives at `when`.
    fn kinds(&self, when: &str, id: &str) -> Vec<String> {
        let check = self.json(when, &["check", id, "--json"]);
        check["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w["kind"].as_str().unwrap().to_string())
            .collect()
    }

    /// The ids `deal list --json` gives with these filters at `when`.
    fn listed(&self, when: &str, filters: &[&str]) -> Vec<i64> {
        let mut args = vec!["deal", "list", "--json"];
        args.extend(filters);
        let rows = self.json(when, &args);
        rows.as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_i64().unwrap())
            .collect()
    }
}

fn path(db: &Db) -> &Path {
    &db.db
}

#[test]
fn check_and_the_list_carry_each_deal_s_warnings() {
    let db = Db::new();
    let id = db.example();
    let check = db.json(T0, &["check", &id, "--json"]);
    assert_eq!(
        check["warnings"],
        serde_json::json!([{
            "kind": "budget_short",
            "severity": "warning",
            "step": 3,
            "why": "Budget $450,000 (confirmed 2026-11-24) is below the first-year value $510,000",
        }])
    );
    let rows = db.json(T0, &["deal", "list", "--json"]);
    assert_eq!(rows[0]["warnings"], serde_json::json!(["budget_short"]));
    // the day after the next step was due, both add it
    let later = "2026-12-02T10:00:00Z";
    assert_eq!(db.kinds(later, &id), ["next_step_overdue", "budget_short"]);
    let rows = db.json(later, &["deal", "list", "--json"]);
    assert_eq!(
        rows[0]["warnings"],
        serde_json::json!(["next_step_overdue", "budget_short"])
    );
    let text = db.out(later, &["check", &id]);
    assert!(
        text.contains(
            "  ! warning next_step_overdue (step 9): Next step \"Send security questionnaire\" was due 2026-12-01, 1 day ago\n"
        ),
        "{text}"
    );
    let all = db.out(later, &["check"]);
    assert!(all.trim_end().ends_with("warnings 2"), "{all}");
    let show = db.json(later, &["deal", "show", &id, "--json"]);
    assert_eq!(show["warnings"].as_array().unwrap().len(), 2);
    let show = db.out(T0, &["deal", "show", &id]);
    assert!(
        show.ends_with("\nWarnings\n  ! warning budget_short (step 3): Budget $450,000 (confirmed 2026-11-24) is below the first-year value $510,000\n"),
        "{show}"
    );
}

#[test]
fn the_list_filter_shows_only_the_deals_warned_of_the_kind() {
    let db = Db::new();
    db.example();
    db.out(
        T0,
        &["deal", "add", "--name", "Bare", "--account", "Initech"],
    );
    assert_eq!(db.listed(T0, &["--warning", "no_economic_buyer"]), [2]);
    assert_eq!(db.listed(T0, &["--warning", "budget_short"]), [1]);
    assert_eq!(db.listed(T0, &["--warning", "amount-cut"]), [] as [i64; 0]);
    // judged at the list's now, as the check judges it
    assert_eq!(
        db.listed(T0, &["--warning", "next_step_overdue"]),
        [] as [i64; 0]
    );
    assert_eq!(
        db.listed("2026-12-02", &["--warning", "next_step_overdue"]),
        [1]
    );
    let text = db.out(T0, &["deal", "list", "--warning", "no_next_step"]);
    assert!(text.contains("Bare") && !text.contains("Finance"), "{text}");
    let (status, err) = db.fails(T0, &["deal", "list", "--warning", "nope"]);
    assert_eq!(status, 2);
    assert!(
        err.contains("not a warning kind (use no_economic_buyer, economic_buyer_silent,"),
        "{err}"
    );
    assert!(path(&db).exists());
}

#[test]
fn a_snooze_silences_one_warning_until_its_day_and_is_in_the_history() {
    let db = Db::new();
    let id = db.example();
    let said = db.out(
        T0,
        &[
            "deal",
            "snooze",
            &id,
            "--warning",
            "budget_short",
            "--until",
            "2026-12-10",
            "--reason",
            "CFO adds the rest in Q1",
        ],
    );
    assert_eq!(
        said,
        "deal 1: budget_short warning silenced until 2026-12-10\n"
    );
    assert_eq!(db.kinds("2026-11-28", &id), [] as [&str; 0]);
    assert_eq!(
        db.listed("2026-11-28", &["--warning", "budget_short"]),
        [] as [i64; 0]
    );
    // the snooze ends on its day
    let kinds = db.kinds("2026-12-09T23:00:00Z", &id);
    assert!(!kinds.contains(&"budget_short".into()), "{kinds:?}");
    assert_eq!(
        db.kinds("2026-12-10T00:00:00Z", &id).last().unwrap(),
        "budget_short"
    );
    assert_eq!(
        db.listed("2026-12-10T00:00:00Z", &["--warning", "budget_short"]),
        [1]
    );
    let history = db.out(T0, &["history", &id]);
    assert!(history.contains("CFO adds the rest in Q1"), "{history}");
    assert!(history.contains("Warning snooze"), "{history}");
    // lifted early, it shows again from then
    let said = db.out(
        "2026-11-29",
        &["deal", "unsnooze", &id, "--warning", "budget_short"],
    );
    assert_eq!(said, "deal 1: budget_short warning snooze lifted\n");
    assert_eq!(db.kinds("2026-11-29", &id), ["budget_short"]);
    assert_eq!(db.listed("2026-11-29", &["--warning", "budget_short"]), [1]);
    // refused: a warning the deal does not have (a rule), a day not ahead
    // or no reason (bad values); nothing written
    let version = |db: &Db| db.json(T0, &["deal", "show", &id, "--json"])["version"].clone();
    let before = version(&db);
    let snooze = |kind: &str, until: &str, reason: &str| {
        db.fails(
            "2026-11-29",
            &[
                "deal",
                "snooze",
                &id,
                "--warning",
                kind,
                "--until",
                until,
                "--reason",
                reason,
            ],
        )
    };
    let (status, err) = snooze("amount_cut", "2026-12-10", "r");
    assert_eq!(status, 1);
    assert!(
        err.contains("the deal has no amount_cut warning now"),
        "{err}"
    );
    let (status, err) = snooze("budget_short", "2026-11-29", "r");
    assert_eq!(status, 2);
    assert!(
        err.contains("--until 2026-11-29 is not after today"),
        "{err}"
    );
    let (status, err) = snooze("budget_short", "2026-12-10", " ");
    assert_eq!(status, 2, "{err}");
    assert_eq!(version(&db), before);
    let (status, err) = db.fails(
        "2026-11-29",
        &["deal", "unsnooze", &id, "--warning", "amount_cut"],
    );
    assert_eq!(status, 1);
    assert!(
        err.contains("the amount_cut warning is not snoozed"),
        "{err}"
    );
}

#[test]
fn amount_cuts_and_close_date_pushes_are_kept_as_deal_set_makes_them() {
    let db = Db::new();
    db.example();
    let set = |when: &str, args: &[&str]| {
        let mut all = vec!["deal", "set", "1"];
        all.extend(args);
        db.out(when, &all);
    };
    set("2026-11-28", &["--amount", "280000"]);
    assert!(!db.kinds("2026-11-28", "1").contains(&"amount_cut".into()));
    set("2026-11-28", &["--amount", "200000"]);
    let check = db.json("2026-11-28", &["check", "1", "--json"]);
    let cut = check["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["kind"] == "amount_cut")
        .expect("amount_cut");
    assert_eq!(
        cut["why"],
        "Amount $200,000 is 33% below its highest, $300,000 (limit 20%)"
    );
    // two pushes on one day count once; a pull-in is none
    set("2026-11-28", &["--close-date", "2027-04-30"]);
    set("2026-11-28", &["--close-date", "2027-05-31"]);
    set("2026-11-29", &["--close-date", "2027-04-15"]);
    assert!(
        !db.kinds("2026-11-29", "1")
            .contains(&"close_date_pushed".into())
    );
    set("2026-11-30", &["--close-date", "2027-06-30"]);
    let kinds = db.kinds("2026-11-30", "1");
    assert!(kinds.contains(&"close_date_pushed".into()), "{kinds:?}");
    assert_eq!(
        db.listed("2026-11-30", &["--warning", "close_date_pushed"]),
        [1]
    );
    // the trail is no change of its own in the history
    let history = db.out("2026-11-30", &["history", "1"]);
    assert!(!history.to_lowercase().contains("trail"), "{history}");
}

#[test]
fn the_report_has_a_warnings_section() {
    let db = Db::new();
    let id = db.example();
    let report = db.out(T0, &["report", &id]);
    assert!(
        report.contains(
            "## Warnings (1)\n\n| Warning | Severity | Step | Why |\n|---|---|---|---|\n| budget short | warning | 3 | Budget $450,000 (confirmed 2026-11-24) is below the first-year value $510,000 |\n"
        ),
        "{report}"
    );
}

#[test]
fn the_list_and_check_agree_on_every_demo_deal() {
    let db = Db::new();
    let now = "2026-12-07T10:00:00Z";
    db.out(now, &["demo"]);
    let check = db.json(now, &["check", "--json"]);
    let rows = db.json(now, &["deal", "list", "--json"]);
    let by_id = |v: &Value, f: &dyn Fn(&Value) -> Vec<String>| -> Vec<(i64, Vec<String>)> {
        let mut all: Vec<_> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|d| (d["id"].as_i64().unwrap(), f(d)))
            .collect();
        all.sort();
        all
    };
    let from_check = by_id(&check, &|d| {
        d["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w["kind"].as_str().unwrap().to_string())
            .collect()
    });
    let from_list = by_id(&rows, &|d| {
        d["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k.as_str().unwrap().to_string())
            .collect()
    });
    assert_eq!(from_check, from_list);
    let kinds: std::collections::BTreeSet<&String> =
        from_check.iter().flat_map(|(_, k)| k).collect();
    assert!(kinds.len() >= 5, "{kinds:?}");
    // and the filter gives the deals the check names
    for kind in kinds {
        let want: Vec<i64> = from_check
            .iter()
            .filter(|(_, k)| k.contains(kind))
            .map(|(id, _)| *id)
            .collect();
        let mut got = db.listed(now, &["--warning", kind]);
        got.sort();
        assert_eq!(got, want, "{kind}");
    }
}

/// The shipped playbook with its `[warnings]` table replaced by `table`.
fn playbook_with(dir: &Path, table: &str) -> PathBuf {
    let shipped =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/playbook.toml"))
            .unwrap();
    let start = shipped
        .find("[warnings]")
        .expect("the shipped playbook has [warnings]");
    let end = start + shipped[start..].find("\n\n").unwrap();
    let path = dir.join("playbook.toml");
    std::fs::write(
        &path,
        format!("{}{table}{}", &shipped[..start], &shipped[end..]),
    )
    .unwrap();
    path
}

#[test]
fn each_limit_is_the_playbook_s_and_an_older_playbook_takes_the_defaults() {
    let db = Db::new();
    let id = db.example();
    let dir = tempfile::tempdir().unwrap();
    let run = |playbook: &Path, when: &str| {
        let mut cmd = db.at(when);
        cmd.arg("--playbook")
            .arg(playbook)
            .args(["check", &id, "--json"]);
        let out = cmd.output().unwrap();
        (
            out.status.code(),
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    };
    let kinds = |stdout: &str| -> Vec<String> {
        let v: Value = serde_json::from_str(stdout).unwrap();
        v["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w["kind"].as_str().unwrap().to_string())
            .collect()
    };
    // without [warnings]: the defaults (the economic buyer, last engaged
    // 2026-11-23, is silent from 2026-12-08)
    let older = playbook_with(dir.path(), "");
    let (_, out, err) = run(&older, "2026-12-07T10:00:00Z");
    assert!(
        !kinds(&out).contains(&"economic_buyer_silent".into()),
        "{err}"
    );
    let (_, out, _) = run(&older, "2026-12-08T10:00:00Z");
    assert!(kinds(&out).contains(&"economic_buyer_silent".into()));
    // a team's own limit
    let strict = playbook_with(dir.path(), "[warnings]\neconomic_buyer_silent_days = 7");
    let (_, out, _) = run(&strict, "2026-12-01T10:00:00Z");
    let check: Value = serde_json::from_str(&out).unwrap();
    let silent = check["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["kind"] == "economic_buyer_silent")
        .expect("silent after 7 days");
    assert_eq!(
        silent["why"],
        "Economic buyer Tom Hale last engaged 2026-11-23, 8 days ago (limit 7)"
    );
    // a limit out of range is refused, naming it and its line
    let wrong = playbook_with(dir.path(), "[warnings]\namount_cut_percent = 150");
    let (status, _, err) = run(&wrong, T0);
    assert_eq!(status, Some(2));
    assert!(
        err.contains("amount_cut_percent") && err.contains("0 to 100"),
        "{err}"
    );
}
