//! `qualify demo`: the real binary filling throw-away databases.

use assert_cmd::Command;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

/// The fixed "now" the demo pipeline is made and read at.
const NOW: &str = "2026-11-27T15:00:00Z";

fn qualify(db: &Path) -> Command {
    let mut cmd = Command::cargo_bin("qualify").expect("the qualify binary is built");
    cmd.env_remove("QUALIFY_DB")
        .env_remove("RUST_LOG")
        .env("QUALIFY_USER", "Dana Reyes")
        .arg("--db")
        .arg(db)
        .args(["--as-of", NOW]);
    cmd
}

fn demo(db: &Path, deals: &str, seed: &str) -> String {
    let out = qualify(db)
        .args(["demo", "--deals", deals, "--seed", seed])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    String::from_utf8(out).unwrap()
}

fn read(db: &Path, args: &[&str]) -> String {
    let out = qualify(db)
        .args(args)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    String::from_utf8(out).unwrap()
}

#[test]
fn the_same_seed_into_two_empty_files_gives_the_same_pipeline() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.db"), dir.path().join("b.db"));
    assert_eq!(demo(&a, "300", "7"), demo(&b, "300", "7"));
    let metrics = ["metrics", "--json"];
    let list = ["deal", "list", "--json"];
    assert_eq!(read(&a, &metrics), read(&b, &metrics));
    assert_eq!(read(&a, &list), read(&b, &list));
    assert_eq!(read(&a, &["history", "17"]), read(&b, &["history", "17"]));
    assert_eq!(
        read(&a, &["deal", "export", "42"]),
        read(&b, &["deal", "export", "42"])
    );
}

#[test]
fn three_hundred_deals_of_seed_7_span_every_category_and_every_metric_has_a_value() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    let summary = demo(&db, "300", "7");
    assert!(
        summary.starts_with("made 300 demo deals (seed 7): "),
        "{summary}"
    );
    let all = ["deal", "list", "--json", "--all"];
    let list: Value = serde_json::from_str(&read(&db, &all)).unwrap();
    let deals = list.as_array().unwrap();
    assert_eq!(deals.len(), 300);
    let categories: BTreeSet<&str> = deals
        .iter()
        .map(|d| d["forecast_category"].as_str().unwrap())
        .collect();
    assert_eq!(
        categories,
        BTreeSet::from(["best_case", "closed", "commit", "omitted", "pipeline"])
    );
    for (key, what) in [("stalled", "stalled"), ("escalations_overdue", "overdue")] {
        assert!(
            deals
                .iter()
                .any(|d| d[key] == true || d[key].as_u64().is_some_and(|n| n > 0)),
            "no {what} deal"
        );
    }
    let metrics: Value = serde_json::from_str(&read(&db, &["metrics", "--json"])).unwrap();
    for key in [
        "qualification_accuracy",
        "process_adherence",
        "time_per_step",
        "win_rate_impact",
        "stage_velocity",
    ] {
        let m = &metrics[key];
        assert!(m["value"].is_number(), "{key} has no value: {m}");
        assert!(m["count"].as_u64().unwrap() > 0, "{key}: {m}");
    }
}

#[test]
fn different_seeds_give_different_pipelines() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.db"), dir.path().join("b.db"));
    demo(&a, "50", "1");
    demo(&b, "50", "2");
    let list = ["deal", "list", "--json"];
    assert_ne!(read(&a, &list), read(&b, &list));
}

#[test]
fn a_database_with_deals_is_refused_and_left_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("deals.db");
    qualify(&db)
        .args(["deal", "add", "--name", "Acme ERP", "--account", "Acme"])
        .assert()
        .success();
    let before = read(&db, &["deal", "list", "--json"]);
    let history = read(&db, &["history", "1"]);
    let out = qualify(&db)
        .args(["demo", "--deals", "10"])
        .assert()
        .code(2);
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("already holds deals"), "{stderr}");
    assert!(stderr.contains("--db"), "{stderr}");
    assert!(out.get_output().stdout.is_empty());
    assert_eq!(read(&db, &["deal", "list", "--json"]), before);
    assert_eq!(read(&db, &["history", "1"]), history);
    // a filled demo database is refused the same way
    let filled = dir.path().join("demo.db");
    demo(&filled, "20", "3");
    let list = read(&filled, &["deal", "list", "--json"]);
    qualify(&filled).arg("demo").assert().code(2);
    assert_eq!(read(&filled, &["deal", "list", "--json"]), list);
}

#[test]
fn implementation_fees_are_a_fraction_of_the_licence() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    demo(&db, "300", "1");
    let docs: Value = serde_json::from_str(&read(&db, &["deal", "export"])).unwrap();
    let mut shares = BTreeSet::new();
    for doc in docs.as_array().unwrap() {
        let licence = doc["amount"].as_f64().unwrap();
        let fee = doc["implementation_fee"].as_f64().unwrap();
        let share = fee / licence;
        assert!(
            (0.2..=1.0).contains(&share),
            "{}: fee {fee} on a licence of {licence}",
            doc["name"]
        );
        shares.insert((share * 10.0).round() as i64);
    }
    assert!(shares.len() >= 5, "fees that vary: {shares:?}");
}

/// `metrics` gives the dashboard's forecast beside the metrics: the open
/// deals per forecast category and the closed per outcome, each the sum of
/// the list's rows, for the team and for one owner.
#[test]
fn metrics_gives_the_open_pipeline_and_the_closed_deals_of_the_list() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    demo(&db, "120", "3");
    let json = |args: &[&str]| -> Value { serde_json::from_str(&read(&db, args)).unwrap() };
    let all = json(&["deal", "list", "--all", "--json"]);
    let owner = all[0]["owner"].as_str().unwrap().to_string();
    for who in [None, Some(owner.as_str())] {
        let mine = |d: &&Value| who.is_none_or(|o| d["owner"] == o);
        let rows: Vec<&Value> = all.as_array().unwrap().iter().filter(mine).collect();
        let sum = |keep: &dyn Fn(&Value) -> bool| {
            let kept: Vec<&&Value> = rows.iter().filter(|d| keep(d)).collect();
            let cents: i64 = kept
                .iter()
                .map(|d| (d["amount"].as_f64().unwrap_or(0.0) * 100.0).round() as i64)
                .sum();
            (kept.len() as u64, cents)
        };
        let mut args = vec!["metrics", "--json"];
        if let Some(o) = who {
            args.extend(["--owner", o]);
        }
        let m = json(&args);
        let pair = |v: &Value| {
            let cents = (v["amount"].as_f64().unwrap() * 100.0).round() as i64;
            (v["deals"].as_u64().unwrap(), cents)
        };
        let open = sum(&|d| d["outcome"].is_null());
        assert!(open.0 > 0, "{who:?}");
        assert_eq!(pair(&m["open_pipeline"]), open, "{who:?}");
        for category in ["pipeline", "best_case", "commit", "omitted"] {
            assert_eq!(
                pair(&m["open_pipeline"]["categories"][category]),
                sum(&|d| d["outcome"].is_null() && d["forecast_category"] == category),
                "{who:?} {category}"
            );
        }
        for outcome in ["won", "lost", "disqualified"] {
            assert_eq!(
                pair(&m["closed"][outcome]),
                sum(&|d| d["outcome"] == outcome),
                "{who:?} {outcome}"
            );
        }
        let words: Vec<&str> = args.iter().copied().filter(|a| *a != "--json").collect();
        let text = read(&db, &words);
        assert!(
            text.contains(&format!("Open pipeline now: {} deals, $", open.0)),
            "{text}"
        );
    }
}
