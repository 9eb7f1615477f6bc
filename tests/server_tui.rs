//! The TUI on a team's server, in a real terminal (tmux on a private
//! socket): who you are in the header, another person's change shown live,
//! and the server going away and coming back while a person types.

mod common;

use common::pg::{OwnCluster, TestDb};
use common::tmux::Tmux;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_qualify");

fn ok(out: std::process::Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn team(db: &TestDb) {
    db.add("Maria Chen", "maria", "manager", None);
    db.add("Dana Reyes", "dana", "ae", Some("Maria Chen"));
    ok(db.qualify_as(
        "dana",
        &[
            "deal",
            "add",
            "--name",
            "Acme ERP",
            "--account",
            "Acme Corp",
            "--amount",
            "300000",
        ],
    ));
}

#[test]
fn another_persons_change_shows_in_an_open_tui_within_two_seconds() {
    let db = TestDb::new("tuilive");
    team(&db);
    let command = format!(
        "'{BIN}' --db '{}'; echo EXIT=$?; sleep 60",
        db.login("maria")
    );
    let tmux = Tmux::start("pglive", 140, 40, &command);
    let list = tmux.wait_for("the deal list", |s| s.contains("Acme ERP"));
    assert!(
        list.contains("you: Maria Chen (manager) · qualify on"),
        "the header names the person, role and server:\n{list}"
    );
    tmux.keys(&["Enter"]);
    tmux.wait_for("the deal screen", |s| s.contains("QA checklist"));
    let started = Instant::now();
    ok(db.qualify_as(
        "dana",
        &["step", "1", "1", "block", "--reason", "Waiting on the CFO"],
    ));
    let screen = tmux.wait_for("the block to show", |s| s.contains("Waiting on the CFO"));
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(2),
        "shown after {took:?}, without a key:\n{screen}"
    );
    tmux.keys(&["q"]);
    tmux.wait_for("qualify to exit", |s| s.contains("EXIT=0"));
}

#[test]
fn the_server_going_away_loses_nothing_typed_and_the_tui_carries_on() {
    let cluster = OwnCluster::start();
    let db = TestDb::set_up(TestDb::empty_on(&cluster.address, "tuifault"));
    team(&db);
    let command = format!(
        "'{BIN}' --db '{}'; echo EXIT=$?; sleep 60",
        db.login("dana")
    );
    let tmux = Tmux::start("pgfault", 140, 40, &command);
    tmux.wait_for("the deal list", |s| s.contains("Acme ERP"));
    tmux.keys(&["Enter"]);
    tmux.wait_for("the deal screen", |s| s.contains("Step 1 of 10"));
    tmux.keys(&["Tab", "Tab", "Tab", "e"]);
    tmux.wait_for("the note editor", |s| s.contains("editing: Esc saves"));
    tmux.text("Typed while the server was down");
    tmux.wait_for("the text typed", |s| {
        s.contains("Typed while the server was down")
    });
    cluster.run("crash");
    tmux.keys(&["Escape"]);
    let down = tmux.wait_for("the save refused", |s| s.contains("the server"));
    assert!(!down.contains("Outcomes saved"), "{down}");
    cluster.run("resume");
    // the text is still in the editor, to save once the server is back
    assert!(down.contains("Typed while the server was down"), "{down}");
    assert!(down.contains("editing"), "{down}");
    tmux.keys(&["Escape"]);
    tmux.wait_for("the note saved", |s| s.contains("Outcomes saved"));
    let shown = ok(db.qualify_as("dana", &["deal", "show", "1", "--json"]));
    let doc: serde_json::Value = serde_json::from_str(&shown).unwrap();
    assert_eq!(
        doc["steps"][0]["notes"]["outcomes"],
        "Typed while the server was down"
    );
    tmux.keys(&["Escape", "q"]);
    tmux.wait_for("qualify to exit", |s| s.contains("EXIT=0"));
}
