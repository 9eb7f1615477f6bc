//! The past, read from the history, through the real binary: `deal show
//! --on` (the deal as it stood), `deal trend` and `changes --since`.

mod common;
use assert_cmd::Command;
use common::FIXTURE;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

fn qualify(db: &Path, at: &str, user: &str) -> Command {
    let mut cmd = Command::cargo_bin("qualify").expect("the qualify binary is built");
    cmd.env_remove("QUALIFY_DB")
        .env_remove("RUST_LOG")
        .env("TZ", "UTC")
        .env("QUALIFY_USER", user)
        .arg("--db")
        .arg(db)
        .args(["--as-of", at]);
    cmd
}

fn run(db: &Path, at: &str, args: &[&str]) -> String {
    let out = qualify(db, at, "Dana Reyes").args(args).assert().success();
    String::from_utf8(out.get_output().stdout.clone()).unwrap()
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// `deal show --json` without the instant it was asked at.
fn shown(text: &str) -> Value {
    let mut doc = json(text);
    doc.as_object_mut().unwrap().remove("as_of");
    doc
}

/// Change the deal's document (as exported) and import it back.
fn edit(db: &Path, at: &str, change: impl FnOnce(&mut Value)) {
    let mut doc = json(&run(db, at, &["deal", "export", "1"]));
    let doc = match &mut doc {
        Value::Array(items) => &mut items[0],
        one => one,
    };
    change(doc);
    let file = db.with_extension("edit.json");
    std::fs::write(&file, doc.to_string()).unwrap();
    run(db, at, &["deal", "import", file.to_str().unwrap()]);
}

#[test]
fn a_deal_shown_on_a_day_is_what_deal_show_printed_at_the_end_of_that_day() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("deals.db");
    let db = db.as_path();
    let mut recorded: Vec<(&str, Value)> = Vec::new();
    let mut record = |day: &'static str| {
        let at = format!("{day}T23:59:59Z");
        recorded.push((day, shown(&run(db, &at, &["deal", "show", "1", "--json"]))));
    };

    // 1. created from a complete document
    run(db, "2026-11-02T10:00:00Z", &["deal", "import", FIXTURE]);
    record("2026-11-02");

    // 2. the amount and close date moved, step 1 begun and completed
    run(
        db,
        "2026-11-03T09:00:00Z",
        &["deal", "set", "1", "--amount", "350000"],
    );
    run(
        db,
        "2026-11-03T09:05:00Z",
        &["deal", "set", "1", "--close-date", "2027-04-15"],
    );
    run(db, "2026-11-03T09:10:00Z", &["step", "1", "1", "start"]);
    run(
        db,
        "2026-11-03T09:20:00Z",
        &["step", "1", "1", "note", "outcomes", "Scored with the CFO"],
    );
    run(db, "2026-11-03T09:30:00Z", &["step", "1", "1", "complete"]);
    record("2026-11-03");

    // 3. an escalation raised, step 2 begun and blocked
    run(
        db,
        "2026-11-04T11:00:00Z",
        &[
            "escalate",
            "1",
            "--scenario",
            "pricing",
            "--reason",
            "30% discount",
        ],
    );
    run(db, "2026-11-04T11:10:00Z", &["step", "1", "2", "start"]);
    run(
        db,
        "2026-11-04T11:20:00Z",
        &[
            "step",
            "1",
            "2",
            "block",
            "--reason",
            "Waiting for the org chart",
        ],
    );
    record("2026-11-04");

    // 4. scores cut, a stakeholder and a risk gone (an import of the
    // changed document), the block lifted
    edit(db, "2026-11-06T08:00:00Z", |doc| {
        doc["meddpicc"]["elements"]["champion"]["score"] = Value::from(1);
        doc["meddpicc"]["elements"]
            .as_object_mut()
            .unwrap()
            .remove("competition");
        doc["stakeholders"].as_array_mut().unwrap().pop();
        doc["risks"].as_array_mut().unwrap().remove(0);
        doc["timeline"]["compelling_event"] = Value::from("");
    });
    run(db, "2026-11-06T08:10:00Z", &["step", "1", "2", "unblock"]);
    record("2026-11-06");

    // 5. won
    run(
        db,
        "2026-11-09T16:00:00Z",
        &["deal", "outcome", "1", "won", "--on", "2026-11-09"],
    );
    record("2026-11-09");

    let later = "2026-11-20T12:00:00Z";
    for (day, then) in &recorded {
        let now = shown(&run(
            db,
            later,
            &["deal", "show", "1", "--on", day, "--json"],
        ));
        assert_eq!(&now, then, "deal show --on {day}");
    }
    // the points differ from one another: each one was a different deal
    for pair in recorded.windows(2) {
        assert_ne!(pair[0].1, pair[1].1, "{} and {}", pair[0].0, pair[1].0);
    }

    // before it was created: refused; a day to come: bad input
    let out = qualify(db, later, "Dana Reyes")
        .args(["deal", "show", "1", "--on", "2026-11-01"])
        .assert()
        .code(1);
    let err = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(err.contains("created later"), "{err}");
    let out = qualify(db, later, "Dana Reyes")
        .args(["deal", "show", "1", "--on", "2026-11-21"])
        .assert()
        .code(2);
    let err = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(
        err.contains("after today") && err.lines().count() == 1,
        "{err}"
    );

    // `--on` before a command is the TUI's: said on one line
    let out = qualify(db, later, "Dana Reyes")
        .args(["--on", "2026-11-03", "deal", "show", "1"])
        .assert()
        .code(2);
    let err = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(
        err.contains("deal show ID --on") && err.lines().count() == 1,
        "{err}"
    );

    // the scores over time: as imported, then cut on the 6th
    let trend = json(&run(db, later, &["deal", "trend", "1", "--json"]));
    let totals: Vec<(&str, i64)> = trend["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                &p["at"].as_str().unwrap()[..10],
                p["total"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(totals, [("2026-11-02", 18), ("2026-11-06", 14)]);
    assert_eq!(trend["points"][1]["elements"]["competition"], Value::Null);
    let text = run(db, later, &["deal", "trend", "1"]);
    assert!(text.contains("2026-11-06 08:00  14/24"), "{text}");

    // what changed since the 5th: scores, verdict and forecast, then won
    let changed = json(&run(
        db,
        later,
        &["changes", "--since", "2026-11-05", "--json"],
    ));
    let deal = &changed["deals"][0];
    let fields: Vec<&str> = deal["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["field"].as_str().unwrap())
        .collect();
    assert!(fields.starts_with(&["outcome", "meddpicc_total"]), "{deal}");
    assert_eq!(deal["changes"][1]["before"], 18);
    assert_eq!(deal["changes"][1]["after"], 14);
    assert!(
        deal["classes"]
            .as_array()
            .unwrap()
            .contains(&Value::from("won"))
    );
}

/// Counts of each class, computed here from the history rows alone.
fn counted_from_history(db: &Path, at: &str, since: &str, ids: &[i64]) -> BTreeMap<String, usize> {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for id in ids {
        let history = json(&run(db, at, &["history", &id.to_string(), "--json"]));
        let rows: Vec<&Value> = history
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["at"].as_str().unwrap().replace('T', " ")[..10] >= *since)
            .collect();
        let mut classes = Vec::new();
        let created = rows.iter().any(|r| r["field"] == "deal");
        if created {
            classes.push("new");
        }
        // the outcome: its kind the first row since before, and the last after
        let kinds: Vec<&Value> = rows
            .iter()
            .filter(|r| r["field"] == "outcome.kind")
            .copied()
            .collect();
        if let (Some(first), Some(last)) = (kinds.first(), kinds.last()) {
            let (before, after) = (
                first["before"].as_str().unwrap(),
                last["after"].as_str().unwrap(),
            );
            let before = if created { "" } else { before };
            match (before, after) {
                (b, a) if b == a => {}
                (_, "won") => classes.push("won"),
                (_, "lost" | "disqualified") => classes.push("lost"),
                (_, "") => classes.push("reopened"),
                _ => {}
            }
        }
        for class in classes {
            *counts.entry(class.to_string()).or_default() += 1;
        }
    }
    counts
}

#[test]
fn changes_since_a_day_on_the_demo_counts_what_the_history_rows_say() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    let db = db.as_path();
    let at = "2026-11-27T15:00:00Z";
    run(db, at, &["demo", "--deals", "120", "--seed", "4"]);
    let ids: Vec<i64> = json(&run(db, at, &["deal", "list", "--all", "--json"]))
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_i64().unwrap())
        .collect();
    for since in ["2026-11-20", "2026-11-25", "2026-10-01"] {
        let changed = json(&run(db, at, &["changes", "--since", since, "--json"]));
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for t in changed["totals"].as_array().unwrap() {
            let class = t["class"].as_str().unwrap();
            if ["new", "won", "lost", "reopened"].contains(&class) {
                counts.insert(class.into(), t["deals"].as_u64().unwrap() as usize);
            }
        }
        let expected = counted_from_history(db, at, since, &ids);
        assert_eq!(counts, expected, "since {since}");
        assert!(
            expected.get("new").is_some_and(|n| *n > 0),
            "since {since}: {expected:?}"
        );
        // every deal listed is counted in the totals of each of its classes
        let mut by_class: BTreeMap<String, usize> = BTreeMap::new();
        for d in changed["deals"].as_array().unwrap() {
            for c in d["classes"].as_array().unwrap() {
                *by_class.entry(c.as_str().unwrap().into()).or_default() += 1;
            }
        }
        let totals: BTreeMap<String, usize> = changed["totals"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                (
                    t["class"].as_str().unwrap().into(),
                    t["deals"].as_u64().unwrap() as usize,
                )
            })
            .collect();
        assert_eq!(by_class, totals, "since {since}");
    }
    // one owner's: a part of the team's
    let all = json(&run(
        db,
        at,
        &["changes", "--since", "2026-11-20", "--json"],
    ));
    let dana = json(&run(
        db,
        at,
        &[
            "changes",
            "--since",
            "2026-11-20",
            "--owner",
            "dana reyes",
            "--json",
        ],
    ));
    let owners: Vec<&str> = dana["deals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["owner"].as_str().unwrap())
        .collect();
    assert!(
        !owners.is_empty() && owners.iter().all(|o| *o == "Dana Reyes"),
        "{owners:?}"
    );
    assert!(owners.len() < all["deals"].as_array().unwrap().len());
    // a day to come is bad input, said on one line
    let out = qualify(db, at, "Dana Reyes")
        .args(["changes", "--since", "2026-12-01"])
        .assert()
        .code(2);
    let err = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
}

/// A deal walked by three people on `db`, a change each at its own time.
fn walk_a_deal(db: &Path) {
    let by = |at: &str, user: &str, args: &[&str]| {
        qualify(db, at, user).args(args).assert().success();
    };
    for (at, user, args) in common::WALK {
        by(at, user, args);
    }
}

#[test]
fn a_deal_moved_to_a_new_file_keeps_its_history_with_who_and_when() {
    let dir = tempfile::tempdir().unwrap();
    let (old, new) = (dir.path().join("old.db"), dir.path().join("new.db"));
    walk_a_deal(&old);
    let at = "2026-11-08T09:00:00Z";
    // the plain export is as it was: no history
    assert!(!run(&old, at, &["deal", "export"]).contains("\"history\""));
    let file = dir.path().join("moved.json");
    std::fs::write(&file, run(&old, at, &["deal", "export", "--history"])).unwrap();

    let out = qualify(&new, "2026-11-09T08:00:00Z", "Ola Berg")
        .args(["deal", "import", file.to_str().unwrap()])
        .assert()
        .success();
    assert!(out.get_output().stderr.is_empty(), "nothing to say");
    let was = json(&run(&old, at, &["history", "1", "--json"]));
    let is = json(&run(&new, at, &["history", "1", "--json"]));
    let (was, is) = (was.as_array().unwrap(), is.as_array().unwrap());
    assert_eq!(was.len(), 5, "{was:?}");
    assert_eq!(
        &is[..was.len()],
        &was[..],
        "the history as it was, who and when"
    );
    assert_eq!(is.len(), was.len() + 1, "then one row: imported");
    assert_eq!(is[5]["who"], "Ola Berg");
    assert_eq!(is[5]["at"], "2026-11-09T08:00:00+00:00");
    assert_eq!(is[5]["after"], "imported: Acme ERP");
    // the past rebuilt from the history is the same on both files
    for day in ["2026-11-02", "2026-11-04", "2026-11-06"] {
        let then = |db: &Path| {
            let mut doc = shown(&run(db, at, &["deal", "show", "1", "--on", day, "--json"]));
            doc.as_object_mut().unwrap().remove("version");
            doc
        };
        assert_eq!(then(&old), then(&new), "deal show --on {day}");
    }
    // and what changed since a day: created by its creator, when it was
    let since = ["changes", "--since", "2026-11-01", "--json"];
    assert_eq!(
        json(&run(&old, "2026-11-10T09:00:00Z", &since)),
        json(&run(&new, "2026-11-10T09:00:00Z", &since))
    );

    // its export imported again updates the deal, which keeps its own history
    std::fs::write(&file, run(&new, at, &["deal", "export", "--history"])).unwrap();
    let out = qualify(&new, "2026-11-09T09:00:00Z", "Ola Berg")
        .args(["deal", "import", file.to_str().unwrap()])
        .assert()
        .success();
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("history of 1 deal not imported: it updates a deal already here"),
        "{err}"
    );
    let after = json(&run(&new, at, &["history", "1", "--json"]));
    assert_eq!(&after.as_array().unwrap()[..6], &is[..]);
}

#[test]
fn a_malformed_history_row_is_refused_by_its_path_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let (old, new) = (dir.path().join("old.db"), dir.path().join("new.db"));
    walk_a_deal(&old);
    let at = "2026-11-08T09:00:00Z";
    let good = json(&run(&old, at, &["deal", "export", "--history"]));
    let file = dir.path().join("bad.json");
    let refused = |change: &dyn Fn(&mut Value), says: &str| {
        let mut doc = good.clone();
        change(&mut doc[0]["history"]);
        std::fs::write(&file, doc.to_string()).unwrap();
        let err = common::cli::fails(
            common::cli::qualify(&new).args(["deal", "import", file.to_str().unwrap()]),
            2,
        );
        assert!(err.contains(says), "expected {says:?} in {err}");
        let list = json(&run(&new, at, &["deal", "list", "--json"]));
        assert_eq!(list, Value::Array(Vec::new()), "nothing written");
    };
    refused(
        &|h| h[1]["at"] = "2026-13-40".into(),
        "[0].history[1].at: not a time",
    );
    refused(
        &|h| {
            h[2].as_object_mut().unwrap().remove("who");
        },
        "[0].history[2]: missing field `who`",
    );
    refused(
        &|h| h[0]["who"] = " ".into(),
        "[0].history[0].who: required",
    );
    refused(
        &|h| h[0]["by"] = "x".into(),
        "[0].history[0].by: unknown field `by`",
    );
}

#[test]
fn a_sign_off_a_new_file_does_not_keep_is_undone_in_its_history_not_forged_by_it() {
    let dir = tempfile::tempdir().unwrap();
    let (old, new) = (dir.path().join("old.db"), dir.path().join("new.db"));
    run(&old, "2026-11-02T09:00:00Z", &["deal", "import", FIXTURE]);
    qualify(&old, "2026-11-03T09:00:00Z", "Sam Okafor")
        .args(["review", "1", "--as", "sa", "--approve"])
        .assert()
        .success();
    let at = "2026-11-04T09:00:00Z";
    let file = dir.path().join("moved.json");
    std::fs::write(&file, run(&old, at, &["deal", "export", "--history"])).unwrap();
    let signed = json(&run(&old, at, &["deal", "export", "1"]));
    assert_eq!(signed["validation_plan"]["decision"]["by"], "Sam Okafor");

    // a file's import never records a sign-off on a document's word: the
    // history says it was there, then that the import did not keep it
    let out = qualify(&new, "2026-11-05T09:00:00Z", "Dana Reyes")
        .args(["deal", "import", file.to_str().unwrap()])
        .assert()
        .success();
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(err.contains("dropped"), "{err}");
    let now = json(&run(&new, "2026-11-05T10:00:00Z", &["deal", "export", "1"]));
    assert!(now["validation_plan"]["decision"].is_null(), "{now}");
    let was = json(&run(&old, at, &["history", "1", "--json"]));
    let is = json(&run(&new, at, &["history", "1", "--json"]));
    let (was, is) = (was.as_array().unwrap(), is.as_array().unwrap());
    assert_eq!(&is[..was.len()], &was[..]);
    assert_eq!(is[was.len()]["after"], "imported: Acme ERP rollout");
    let undone: Vec<&Value> = is[was.len() + 1..].iter().collect();
    assert!(!undone.is_empty());
    for row in &undone {
        assert_eq!(row["who"], "Dana Reyes");
        assert!(
            row["field"]
                .as_str()
                .unwrap()
                .starts_with("validation_plan.decision"),
            "{row}"
        );
    }
    // the past reads the same on both files, and today as the deal is
    let on = |db: &Path, day: &str| {
        let mut doc = shown(&run(
            db,
            "2026-11-05T10:00:00Z",
            &["deal", "show", "1", "--on", day, "--json"],
        ));
        doc.as_object_mut().unwrap().remove("version");
        doc
    };
    // signed on the 3rd, moved on the 5th: the 4th reads signed on both
    assert_eq!(on(&old, "2026-11-04"), on(&new, "2026-11-04"));
    let today = shown(&run(
        &new,
        "2026-11-05T10:00:00Z",
        &["deal", "show", "1", "--json"],
    ));
    let mut then = on(&new, "2026-11-05");
    then.as_object_mut().unwrap().remove("version");
    let mut today = today;
    today.as_object_mut().unwrap().remove("version");
    assert_eq!(then, today, "the history ends where the deal is");
}
