//! End to end: the real binary in a real terminal (tmux on a private socket),
//! read back as a person would see it.

mod common;
use common::TITLES;
use common::tmux::Tmux;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_qualify");

fn qualify(db: &Path, args: &[&str]) -> Output {
    let out = Command::new(BIN)
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("QUALIFY_DB")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn setup() -> (tempfile::TempDir, PathBuf, String) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("qualify.db");
    let out = qualify(
        &db,
        &[
            "deal",
            "add",
            "--name",
            "Acme ERP",
            "--account",
            "Acme",
            "--amount",
            "300000",
        ],
    );
    let id = String::from_utf8(out.stdout).unwrap().trim().to_string();
    (dir, db, id)
}

/// The steps sidebar's text, its wrapped lines joined as a person reads them.
fn sidebar_text(screen: &str) -> String {
    let mut words = Vec::new();
    for line in screen.lines().skip(2) {
        let chars: Vec<char> = line.chars().collect();
        if chars.first() != Some(&'│') {
            continue;
        }
        let inside: String = chars[1..].iter().take_while(|c| **c != '│').collect();
        words.extend(inside.split_whitespace().map(str::to_string));
    }
    words.join(" ")
}

#[test]
fn open_a_deal_see_the_procedure_and_leave_cleanly() {
    let (_dir, db, _id) = setup();
    let command = format!("'{BIN}' --db '{}'; echo EXIT=$?; sleep 60", db.display());
    let tmux = Tmux::start("walk", 120, 40, &command);

    let list = tmux.wait_for("the deal list", |s| s.contains("Acme ERP"));
    assert!(list.contains("$300,000"), "{list}");
    assert_eq!(
        tmux.display("#{alternate_on}"),
        "1",
        "the TUI uses the alternate screen"
    );

    tmux.keys(&["Enter"]);
    let deal = tmux.wait_for("the deal screen", |s| s.contains("QA checklist"));
    let sidebar = sidebar_text(&deal);
    for title in TITLES {
        assert!(
            sidebar.contains(title),
            "{title} not in the steps list:\n{deal}"
        );
    }
    assert!(deal.contains("Escalations"), "{deal}");
    assert!(
        deal.contains("Step 1 of 10 · Initial qualification"),
        "{deal}"
    );

    tmux.keys(&["?"]);
    let help = tmux.wait_for("the help overlay", |s| s.contains("Keys · j/k scroll"));
    assert!(
        help.contains("reopen step"),
        "help lists the deal screen's keys:\n{help}"
    );
    tmux.keys(&["Escape"]);
    tmux.wait_for("help closed", |s| !s.contains("Keys · j/k scroll"));

    tmux.keys(&["Escape"]);
    tmux.wait_for("back on the list", |s| s.contains("Deals (1)"));
    tmux.keys(&["q"]);
    let after = tmux.wait_for("qualify to exit", |s| s.contains("EXIT="));
    assert!(after.contains("EXIT=0"), "{after}");
    assert_eq!(
        tmux.display("#{alternate_on}"),
        "0",
        "the terminal is off the alternate screen"
    );
    assert!(
        !after.contains("QA checklist"),
        "the TUI is gone from the screen:\n{after}"
    );
}

#[test]
fn a_confirmed_note_survives_sigkill() {
    let (_dir, db, id) = setup();
    let command = format!("exec '{BIN}' --db '{}'", db.display());
    let tmux = Tmux::start("kill", 100, 30, &command);
    tmux.wait_for("the deal list", |s| s.contains("Acme ERP"));
    tmux.keys(&["Enter"]);
    tmux.wait_for("the deal screen", |s| s.contains("Step 1 of 10"));
    tmux.keys(&["Tab", "Tab", "Tab", "e"]);
    tmux.wait_for("the note editor", |s| s.contains("editing: Esc saves"));
    tmux.text("CFO confirmed budget on the call");
    tmux.keys(&["Escape"]);
    tmux.wait_for("the note saved", |s| s.contains("Outcomes saved"));

    let pid = tmux.display("#{pane_pid}");
    let killed = Command::new("kill").args(["-9", &pid]).status().unwrap();
    assert!(killed.success(), "kill -9 {pid}");

    let out = qualify(&db, &["deal", "show", &id, "--json"]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        doc["steps"][0]["notes"]["outcomes"],
        "CFO confirmed budget on the call"
    );
    assert_eq!(doc["steps"][0]["status"], "in_progress");
    let integrity = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row("PRAGMA integrity_check", [], |r| r.get::<_, String>(0))
        .unwrap();
    assert_eq!(integrity, "ok");
}

#[test]
fn a_note_changed_by_the_cli_while_typed_is_not_overwritten() {
    let (_dir, db, id) = setup();
    let command = format!("exec '{BIN}' --db '{}'", db.display());
    let tmux = Tmux::start("note", 120, 40, &command);
    tmux.wait_for("the deal list", |s| s.contains("Acme ERP"));
    tmux.keys(&["Enter"]);
    tmux.wait_for("the deal screen", |s| s.contains("Step 1 of 10"));
    tmux.keys(&["Tab", "Tab", "Tab", "e"]);
    tmux.wait_for("the note editor", |s| s.contains("editing: Esc saves"));
    tmux.text("Typed in the TUI");
    tmux.wait_for("the text typed", |s| s.contains("Typed in the TUI"));
    qualify(
        &db,
        &["step", &id, "1", "note", "outcomes", "CLI wrote this"],
    );
    tmux.wait_for("the change noticed", |s| s.contains("updated elsewhere"));
    tmux.keys(&["Escape"]);
    let refused = tmux.wait_for("the save refused", |s| s.contains("changed elsewhere"));
    assert!(!refused.contains("Outcomes saved"), "{refused}");
    assert!(refused.contains("CLI wrote this"), "{refused}");
    let outcomes = |db: &Path| {
        let out = qualify(db, &["deal", "show", &id, "--json"]);
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        doc["steps"][0]["notes"]["outcomes"].clone()
    };
    assert_eq!(outcomes(&db), "CLI wrote this", "the CLI's text is kept");

    tmux.keys(&["e"]);
    let back = tmux.wait_for("the draft offered back", |s| {
        s.contains("Your unsaved text")
    });
    assert!(back.contains("Typed in the TUI"), "{back}");
    tmux.keys(&["Escape"]);
    tmux.wait_for("the note saved", |s| s.contains("Outcomes saved"));
    assert_eq!(outcomes(&db), "Typed in the TUI");
}

#[test]
fn sigterm_restores_the_terminal() {
    let (_dir, db, _id) = setup();
    let command = format!("'{BIN}' --db '{}'; echo EXIT=$?; sleep 60", db.display());
    let tmux = Tmux::start("term", 100, 30, &command);
    tmux.wait_for("the deal list", |s| s.contains("Acme ERP"));
    let child = tmux.child();
    assert!(
        Command::new("kill")
            .args(["-TERM", &child])
            .status()
            .unwrap()
            .success()
    );
    let after = tmux.wait_for("qualify to exit", |s| s.contains("EXIT="));
    assert!(after.contains("EXIT=143"), "{after}");
    assert_eq!(
        tmux.display("#{alternate_on}"),
        "0",
        "the terminal is off the alternate screen"
    );
}

#[test]
fn every_signal_restores_the_cursor_and_the_screen() {
    for (signal, status) in [("TERM", 143), ("HUP", 129), ("INT", 130)] {
        let (_dir, db, _id) = setup();
        let command = format!("'{BIN}' --db '{}'; echo EXIT=$?; sleep 60", db.display());
        let tmux = Tmux::start(&format!("sig{signal}"), 100, 30, &command);
        tmux.wait_for("the deal list", |s| s.contains("Acme ERP"));
        assert_eq!(tmux.display("#{alternate_on}"), "1");
        assert_eq!(
            tmux.display("#{cursor_flag}"),
            "0",
            "the TUI hides the cursor"
        );
        let child = tmux.child();
        let sent = Command::new("kill")
            .args([&format!("-{signal}"), &child])
            .status()
            .unwrap();
        assert!(sent.success(), "kill -{signal} {child}");
        let after = tmux.wait_for("qualify to exit", |s| s.contains("EXIT="));
        assert!(
            after.contains(&format!("EXIT={status}")),
            "SIG{signal}: {after}"
        );
        assert_eq!(
            tmux.display("#{alternate_on}"),
            "0",
            "SIG{signal}: the terminal is off the alternate screen"
        );
        assert_eq!(
            tmux.display("#{cursor_flag}"),
            "1",
            "SIG{signal}: the cursor is visible again"
        );
    }
}

#[test]
fn a_stakeholder_typed_in_the_step_form_is_saved() {
    let (_dir, db, id) = setup();
    let command = format!("exec '{BIN}' --db '{}' --user dana", db.display());
    let tmux = Tmux::start("form", 120, 40, &command);
    tmux.wait_for("the deal list", |s| s.contains("Acme ERP"));
    tmux.keys(&["Enter"]);
    tmux.wait_for("the deal screen", |s| s.contains("Step 1 of 10"));
    tmux.keys(&["2", "Tab", "a"]);
    tmux.wait_for("the record editor", |s| s.contains("New stakeholder"));
    tmux.text("Tom Hale");
    tmux.keys(&["Tab"]);
    tmux.text("CFO");
    tmux.keys(&["Tab", "Tab", "Tab", "Tab"]);
    tmux.text("31/12/2026");
    let wrong = tmux.wait_for("the date refused in place", |s| s.contains("✗ not a date"));
    assert!(wrong.contains("Last engaged"), "{wrong}");
    for _ in 0..10 {
        tmux.keys(&["BSpace"]);
    }
    tmux.text("+0");
    tmux.keys(&["C-s"]);
    let saved = tmux.wait_for("the stakeholder saved", |s| s.contains("Stakeholder saved"));
    assert!(saved.contains("Tom Hale"), "{saved}");
    tmux.keys(&["C-c"]);

    let out = qualify(&db, &["deal", "export", &id]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["stakeholders"][0]["name"], "Tom Hale");
    assert_eq!(doc["stakeholders"][0]["role"], "economic_buyer");
    assert!(doc["stakeholders"][0]["last_engaged"].is_string(), "{doc}");
    let history = qualify(&db, &["history", &id, "--json"]);
    let rows: serde_json::Value = serde_json::from_slice(&history.stdout).unwrap();
    assert!(
        rows.as_array()
            .unwrap()
            .iter()
            .any(|r| r["field"] == "stakeholders[0].name" && r["who"] == "dana"),
        "{rows}"
    );
}

#[test]
fn a_change_made_by_the_cli_shows_in_an_open_tui_within_two_seconds() {
    let (_dir, db, id) = setup();
    let command = format!("'{BIN}' --db '{}'; echo EXIT=$?; sleep 60", db.display());
    let tmux = Tmux::start("watch", 120, 40, &command);
    tmux.wait_for("the deal list", |s| s.contains("Acme ERP"));
    tmux.keys(&["Enter"]);
    tmux.wait_for("the deal screen", |s| s.contains("QA checklist"));

    let started = Instant::now();
    qualify(
        &db,
        &["step", &id, "1", "block", "--reason", "Waiting on the CFO"],
    );
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
fn a_note_being_typed_when_sigterm_arrives_is_kept() {
    let (_dir, db, id) = setup();
    let command = format!(
        "'{BIN}' --db '{}' --user dana; echo EXIT=$?; sleep 60",
        db.display()
    );
    let tmux = Tmux::start("sigterm-note", 120, 40, &command);
    tmux.wait_for("the deal list", |s| s.contains("Acme ERP"));
    tmux.keys(&["Enter"]);
    tmux.wait_for("the deal screen", |s| s.contains("Step 1 of 10"));
    tmux.keys(&["Tab", "Tab", "Tab", "e"]);
    tmux.wait_for("the note editor", |s| s.contains("editing: Esc saves"));
    tmux.text("CFO agreed to the pilot scope");
    tmux.wait_for("the typed text", |s| s.contains("pilot scope"));
    let child = tmux.child();
    assert!(
        Command::new("kill")
            .args(["-TERM", &child])
            .status()
            .unwrap()
            .success()
    );
    let after = tmux.wait_for("qualify to exit", |s| s.contains("EXIT="));
    assert!(after.contains("EXIT=143"), "{after}");
    let out = qualify(&db, &["deal", "export", &id]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        doc["steps"][0]["notes"]["outcomes"], "CFO agreed to the pilot scope",
        "the text typed before SIGTERM is saved"
    );
}

/// The dashboard opens at once and its metrics come from another thread;
/// a deal added by another process moves its figures, and it quits cleanly.
#[test]
fn the_dashboard_fills_in_and_follows_another_process() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("qualify.db");
    qualify(&db, &["demo", "--deals", "300", "--seed", "1"]);
    let command = format!("'{BIN}' --db '{}'; echo EXIT=$?; sleep 60", db.display());
    let tmux = Tmux::start("dashboard", 160, 50, &command);
    // the list opens on the open deals
    let list = tmux.wait_for("the deal list", |s| s.contains("open deals"));
    let open = |screen: &str| -> Option<usize> {
        let at = screen.find("Deals (")?;
        let rest = &screen[at + "Deals (".len()..];
        rest.split(')').next()?.parse().ok()
    };
    let open_before = open(&list).expect("the number of open deals");
    assert!(open_before < 300, "closed deals are not listed:\n{list}");
    tmux.keys(&["d"]);
    let total = |screen: &str| -> Option<String> {
        let title = "Open pipeline by forecast category · ";
        let at = screen.find(title)?;
        let rest = &screen[at + title.len()..];
        Some(rest.split_whitespace().next()?.to_string())
    };
    let header = |screen: &str| screen.lines().next().unwrap_or("").to_string();
    let shown = tmux.wait_for("the metrics", |s| {
        header(s).contains("dashboard") && !header(s).contains("computing") && s.contains("% ")
    });
    assert!(shown.contains("Qualification accuracy"), "{shown}");
    let before = total(&shown).expect("the forecast total");
    qualify(
        &db,
        &[
            "deal",
            "add",
            "--name",
            "Zeta",
            "--account",
            "Zeta",
            "--amount",
            "9000000",
        ],
    );
    let after = tmux.wait_for("the new deal counted", |s| {
        !header(s).contains("computing") && total(s).is_some_and(|t| t != before)
    });
    assert!(header(&after).contains("dashboard"), "{after}");
    tmux.keys(&["Escape"]);
    let grown = format!("Deals ({})", open_before + 1);
    tmux.wait_for("back on the list", |s| s.contains(&grown));
    tmux.keys(&["q"]);
    let exit = tmux.wait_for("qualify to exit", |s| s.contains("EXIT="));
    assert!(exit.contains("EXIT=0"), "{exit}");
}

#[test]
fn a_template_from_the_step_s_guidance_goes_into_a_note() {
    let (_dir, db, id) = setup();
    let guide = qualify(&db, &["step", &id, "1", "guide", "--json"]);
    let guide: serde_json::Value = serde_json::from_slice(&guide.stdout).unwrap();
    let template = guide["templates"]["next_steps"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        !template.is_empty(),
        "the shipped playbook has the template"
    );
    let command = format!("exec '{BIN}' --db '{}'", db.display());
    let tmux = Tmux::start("guide", 120, 40, &command);
    tmux.wait_for("the deal list", |s| s.contains("Acme ERP"));
    tmux.keys(&["Enter"]);
    tmux.wait_for("the deal screen", |s| s.contains("Step 1 of 10"));
    tmux.keys(&["g"]);
    tmux.wait_for("the guide", |s| {
        s.contains("Guide · step 1") && s.contains("Questions to ask")
    });
    tmux.keys(&["n"]);
    let editing = tmux.wait_for("the note editor", |s| {
        s.contains("Next steps · editing: Esc saves")
    });
    // the template's first words (its lines wrap in the note's box)
    let start: String = template.chars().take(20).collect();
    assert!(editing.contains(&start), "{start:?} in:\n{editing}");
    tmux.text(" Sam, Friday");
    tmux.keys(&["Escape"]);
    tmux.wait_for("the note saved", |s| s.contains("Next steps saved"));
    let out = qualify(&db, &["deal", "show", &id, "--json"]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        doc["steps"][0]["notes"]["next_steps"],
        format!("{} Sam, Friday", template.trim_end())
    );
}
