//! Editing a deal's own fields, in both faces: `deal set` (the real binary
//! against a throw-away database) and the deal screen's `E` form (typed
//! through the keymap with the shared harness); and what `deal add` checks
//! that `deal set` checks too: no negative amounts, no close date before
//! the deal was created, every flag described, the owner defaulted to the
//! person creating the deal.

mod common;

use assert_cmd::Command;
use common::tui::*;
use qualify::domain::DealId;
use qualify::domain::deal_edit::DealEdit;
use qualify::domain::money::Money;
use qualify::domain::parse_date;
use qualify::ops::{self, Session};
use qualify::store::Store;
use qualify::tui::App;
use qualify::tui::app::Flow;
use qualify::tui::keymap::Layer;
use qualify::tui::shared::{CHANGED_ELSEWHERE, Tone};
use ratatui::crossterm::event::{KeyCode, KeyModifiers};
use serde_json::Value;
use std::path::PathBuf;
use tempfile::TempDir;

// ---------------------------------------------------------------------------
// the command line

/// The day the CLI tests' deals are created.
const T0: &str = "2026-11-02T09:00:00Z";
/// A day later: the edits.
const T1: &str = "2026-11-03T10:00:00Z";

/// A throw-away database, worked on as "Dana Reyes".
struct Fixture {
    _dir: TempDir,
    db: PathBuf,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("deals.db");
        Fixture { _dir: dir, db }
    }

    /// The binary on this database, as nobody in particular.
    fn bare(&self) -> Command {
        let mut cmd = Command::cargo_bin("qualify").expect("the qualify binary is built");
        cmd.env_remove("QUALIFY_DB")
            .env_remove("QUALIFY_USER")
            .env_remove("RUST_LOG")
            .arg("--db")
            .arg(&self.db);
        cmd
    }

    /// The binary on this database as Dana Reyes, at `at`.
    fn at(&self, at: &str) -> Command {
        let mut cmd = self.bare();
        cmd.args(["--user", "Dana Reyes", "--as-of", at]);
        cmd
    }

    /// `deal add` at T0 with these arguments; the new id.
    fn add(&self, args: &[&str]) -> String {
        let out = self
            .at(T0)
            .args(["deal", "add"])
            .args(args)
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        String::from_utf8(out).unwrap().trim().to_string()
    }

    /// Acme with every field given, at T0.
    fn add_acme(&self) -> String {
        self.add(&[
            "--name",
            "Acme ERP",
            "--account",
            "Acme Corp",
            "--amount",
            "300,000",
            "--implementation-fee",
            "150,000",
            "--support-rate",
            "20",
            "--close-date",
            "2027-03-31",
            "--stage",
            "Qualification",
            "--owner",
            "Dana Reyes",
            "--sa",
            "Sam Architect",
            "--manager",
            "Morgan Lead",
            "--trigger-date",
            "2026-11-10",
        ])
    }

    /// `deal set ID ARGS` at T1, expected to succeed; its one line.
    fn set(&self, id: &str, args: &[&str]) -> String {
        let out = self
            .at(T1)
            .args(["deal", "set", id])
            .args(args)
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        let out = String::from_utf8(out).unwrap();
        assert_eq!(out.matches('\n').count(), 1, "one line: {out:?}");
        out.trim_end().to_string()
    }

    fn show(&self, id: &str) -> Value {
        json_of(self.at(T1).args(["deal", "show", id, "--json"]))
    }

    fn history(&self, id: &str) -> Vec<Value> {
        json_of(self.at(T1).args(["history", id, "--json"]))
            .as_array()
            .unwrap()
            .clone()
    }

    fn list(&self) -> Value {
        json_of(self.at(T1).args(["deal", "list", "--json"]))
    }
}

fn json_of(cmd: &mut Command) -> Value {
    let out = cmd.assert().success().get_output().stdout.clone();
    serde_json::from_slice(&out)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out)))
}

/// Run `cmd`: exit `status`, nothing on stdout, one line on stderr; the line.
fn fails(cmd: &mut Command, status: i32) -> String {
    let output = cmd.assert().code(status).stdout("").get_output().clone();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(
        stderr.matches('\n').count(),
        1,
        "one line on stderr: {stderr:?}"
    );
    assert!(stderr.ends_with('\n'), "{stderr:?}");
    stderr.trim_end().to_string()
}

#[test]
fn deal_set_changes_each_field_given_with_a_history_row_each() {
    let f = Fixture::new();
    let id = f.add_acme();
    let created = f.history(&id).len();
    // (flag, value, the deal's JSON key, the value it then has)
    let edits: [(&str, &str, &str, Value); 11] = [
        (
            "--name",
            "Acme ERP phase 2",
            "name",
            "Acme ERP phase 2".into(),
        ),
        ("--account", "Acme Group", "account", "Acme Group".into()),
        ("--amount", "$350,000", "amount", 350_000.into()),
        (
            "--implementation-fee",
            "120000",
            "implementation_fee",
            120_000.into(),
        ),
        ("--support-rate", "18%", "support_rate_percent", 18.0.into()),
        (
            "--close-date",
            "2027-04-30",
            "close_date",
            "2027-04-30".into(),
        ),
        ("--stage", "Proposal", "stage", "Proposal".into()),
        ("--owner", "Lee Park", "owner", "Lee Park".into()),
        ("--sa", "Sam Okafor", "sa", "Sam Okafor".into()),
        ("--manager", "Morgan Lee", "manager", "Morgan Lee".into()),
        (
            "--trigger-date",
            "2026-11-12",
            "trigger_date",
            "2026-11-12".into(),
        ),
    ];
    for (i, (flag, value, key, expected)) in edits.iter().enumerate() {
        let line = f.set(&id, &[flag, value]);
        assert!(line.starts_with(&format!("deal {id}: ")), "{line}");
        assert!(line.ends_with(&format!("version {}", i + 2)), "{line}");
        let deal = f.show(&id);
        assert_eq!(&deal[key], expected, "{flag} {value}: {deal}");
    }
    let line = f.set(&id, &["--name", "Acme ERP phase 3"]);
    assert_eq!(
        line,
        format!("deal {id}: Deal name Acme ERP phase 2 → Acme ERP phase 3 · version 13")
    );

    // one row per change, by Dana, naming the field; nothing else written
    let history = f.history(&id);
    let rows = &history[created..];
    let fields: Vec<&str> = rows.iter().map(|r| r["field"].as_str().unwrap()).collect();
    assert_eq!(
        fields,
        [
            "name",
            "account",
            "amount",
            "implementation_fee",
            "support_rate_percent",
            "close_date",
            "stage",
            "owner",
            "sa",
            "manager",
            "trigger_date",
            "name"
        ]
    );
    assert!(rows.iter().all(|r| r["who"] == "Dana Reyes"), "{rows:?}");
    assert_eq!(rows[0]["before"], "Acme ERP");
    assert_eq!(rows[0]["after"], "Acme ERP phase 2");
    assert_eq!(rows[5]["before"], "2027-03-31");
    assert_eq!(rows[5]["after"], "2027-04-30");
    assert_eq!(rows[7]["before"], "Dana Reyes");
    assert_eq!(rows[7]["after"], "Lee Park");
    assert!(
        rows[2]["after"].as_str().unwrap().contains("350"),
        "{rows:?}"
    );

    // values the deal has already: nothing written, not even a version
    let line = f.set(&id, &["--stage", "Proposal", "--amount", "350000"]);
    assert_eq!(
        line,
        format!("deal {id}: nothing changed (each value given is the deal's already)")
    );
    assert_eq!(f.history(&id).len(), history.len());
    assert_eq!(f.show(&id)["version"], 13);

    // "" clears what a deal may be without; two fields, two rows
    let line = f.set(&id, &["--amount", "", "--trigger-date", ""]);
    assert!(line.contains("→ (none)"), "{line}");
    let deal = f.show(&id);
    assert_eq!(deal["amount"], Value::Null);
    assert_eq!(deal["trigger_date"], Value::Null);
    assert_eq!(deal["name"], "Acme ERP phase 3", "the others kept");
    assert_eq!(f.history(&id).len(), history.len() + 2);
}

#[test]
fn deal_set_with_no_field_is_a_usage_error() {
    let f = Fixture::new();
    let id = f.add_acme();
    let before = f.show(&id);
    let line = fails(f.at(T1).args(["deal", "set", &id]), 2);
    assert!(line.contains("nothing to change"), "{line}");
    assert!(
        line.contains("--amount") && line.contains("--close-date"),
        "{line}"
    );
    assert_eq!(f.show(&id), before);
}

#[test]
fn deal_set_checks_what_deal_add_checks_and_writes_nothing_refused() {
    let f = Fixture::new();
    let id = f.add_acme();
    let before = f.show(&id);
    let line = fails(f.at(T1).args(["deal", "set", &id, "--name", "  "]), 2);
    assert!(line.contains("name: required"), "{line}");
    let line = fails(
        f.at(T1).args(["deal", "set", &id, "--support-rate", "120"]),
        2,
    );
    assert!(line.contains("0 to 100"), "{line}");
    let long = "x".repeat(201);
    let line = fails(f.at(T1).args(["deal", "set", &id, "--sa", &long]), 2);
    assert!(line.contains("sa: at most 200 characters"), "{line}");
    let line = fails(f.at(T1).args(["deal", "set", "99", "--name", "Z"]), 2);
    assert!(line.contains("no deal with id 99"), "{line}");
    assert_eq!(f.show(&id), before);
}

#[test]
fn deal_set_never_makes_the_owner_the_deal_s_manager_or_sa() {
    let f = Fixture::new();
    let id = f.add_acme();
    let before = f.show(&id);
    for flag in ["--manager", "--sa"] {
        let line = fails(f.at(T1).args(["deal", "set", &id, flag, " dana reyes "]), 1);
        assert!(line.contains("Dana Reyes"), "{line}");
    }
    // nor the manager the owner
    fails(
        f.at(T1)
            .args(["deal", "set", &id, "--owner", "Morgan Lead"]),
        1,
    );
    assert_eq!(f.show(&id), before, "a refused edit writes nothing");
}

#[test]
fn deal_set_with_a_version_refuses_a_deal_changed_since() {
    let f = Fixture::new();
    let id = f.add_acme();
    f.set(&id, &["--stage", "Proposal"]); // version 2 now
    let line = fails(
        f.at(T1)
            .args(["deal", "set", &id, "--expect-version", "1", "--amount", "1"]),
        1,
    );
    assert!(line.contains("changed elsewhere"), "{line}");
    assert_eq!(f.show(&id)["amount"], 300_000);
    let line = f.set(&id, &["--expect-version", "2", "--amount", "1"]);
    assert!(line.ends_with("version 3"), "{line}");
}

#[test]
fn a_negative_amount_is_refused_saying_what_is_accepted() {
    let f = Fixture::new();
    let id = f.add_acme();
    let before = f.list();
    for args in [
        &[
            "deal",
            "add",
            "--name",
            "X",
            "--account",
            "Y",
            "--amount",
            "-5",
        ][..],
        &[
            "deal",
            "add",
            "--name",
            "X",
            "--account",
            "Y",
            "--implementation-fee",
            "-$1,000",
        ],
        &["deal", "set", &id, "--amount", "-5"],
    ] {
        let line = fails(f.at(T1).args(args), 2);
        assert!(line.contains("a negative amount"), "{args:?}: {line}");
        assert!(
            line.contains("0 or more") && line.contains("250,000"),
            "says what is accepted: {line}"
        );
    }
    let line = fails(
        f.at(T1).args(["deal", "set", &id, "--support-rate", "-5"]),
        2,
    );
    assert!(line.contains("0 to 100"), "{line}");
    assert_eq!(f.list(), before, "nothing written");
}

#[test]
fn a_close_date_before_the_deal_was_created_is_refused() {
    let f = Fixture::new();
    let id = f.add_acme(); // created on 2026-11-02
    let before = f.list();
    let line = fails(
        f.at(T0).args([
            "deal",
            "add",
            "--name",
            "X",
            "--account",
            "Y",
            "--close-date",
            "1999-01-01",
        ]),
        2,
    );
    assert_eq!(
        line,
        "qualify: close_date: 1999-01-01 is before the deal was created (2026-11-02); give a day from 2026-11-02 on, as YYYY-MM-DD"
    );
    let line = fails(
        f.at(T1)
            .args(["deal", "set", &id, "--close-date", "2026-11-01"]),
        2,
    );
    assert!(
        line.contains("2026-11-01 is before the deal was created (2026-11-02)"),
        "{line}"
    );
    assert_eq!(f.list(), before, "nothing written");
    // the day of creation itself is a close date
    f.set(&id, &["--close-date", "2026-11-02"]);
    assert_eq!(f.show(&id)["close_date"], "2026-11-02");
}

#[test]
fn a_new_deal_is_owned_by_the_person_creating_it_unless_another_is_named() {
    let f = Fixture::new();
    let mine = f.add(&["--name", "Acme ERP", "--account", "Acme"]);
    assert_eq!(f.show(&mine)["owner"], "Dana Reyes");
    let out = f
        .bare()
        .env("QUALIFY_USER", "Ada Brooks")
        .args(["deal", "add", "--name", "Globex", "--account", "Globex"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let ada = String::from_utf8(out).unwrap().trim().to_string();
    assert_eq!(f.show(&ada)["owner"], "Ada Brooks");
    let lee = f.add(&[
        "--name",
        "Initech",
        "--account",
        "Initech",
        "--owner",
        "Lee Park",
    ]);
    assert_eq!(f.show(&lee)["owner"], "Lee Park");
}

#[test]
fn every_deal_add_and_deal_set_flag_is_described_in_help() {
    let f = Fixture::new();
    for command in ["add", "set"] {
        let out = f
            .bare()
            .args(["deal", command, "--help"])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        let help = String::from_utf8(out).unwrap();
        let options = help
            .split("Options:")
            .nth(1)
            .unwrap_or_else(|| panic!("no options in {help}"));
        let mut flags = 0;
        for line in options.lines().filter(|l| l.trim_start().starts_with('-')) {
            flags += 1;
            let described = line
                .trim()
                .split_once("  ")
                .is_some_and(|(_, words)| !words.trim().is_empty());
            assert!(described, "deal {command}: {line:?} has no description");
        }
        assert!(flags >= 12, "deal {command}: {flags} flags in {help}");
        for flag in [
            "--name",
            "--account",
            "--amount",
            "--implementation-fee",
            "--support-rate",
            "--close-date",
            "--stage",
            "--owner",
            "--sa",
            "--manager",
            "--trigger-date",
        ] {
            assert!(help.contains(flag), "deal {command} lacks {flag}");
        }
    }
}

// ---------------------------------------------------------------------------
// the deal screen's form

/// Globex (with an SA, a manager and an amount) alone, in memory, its deal
/// screen open.
fn globex_app() -> (App, DealId) {
    let mut app = app(acme_less(), 120, 40);
    open_row(&mut app, 0);
    (app, DealId(1))
}

fn acme_less() -> Session {
    let mut s = session(Store::open_in_memory().unwrap());
    ops::add_deals(s.at(now()), vec![new_globex()]).unwrap();
    s
}

fn deal_of(app: &App, id: DealId) -> qualify::domain::Deal {
    ops::views::deal(&app.ctx().session, id).unwrap()
}

/// Empty the focused field (Ctrl-U, as typed) and type `text` into it.
fn retype(app: &mut App, text: &str) {
    press_with(app, KeyCode::Char('u'), KeyModifiers::CONTROL);
    type_text(app, text);
}

#[test]
fn e_opens_the_deal_s_fields_filled_in_and_enter_saves_each_change() {
    let (mut app, id) = globex_app();
    let rows_before = ops::views::history(&app.ctx().session, id).unwrap().len();
    press(&mut app, KeyCode::Char('E'));
    assert_eq!(app.layers()[0], Layer::EditDeal);
    let text = screen(&app, 120, 40);
    for value in [
        "Globex analytics",
        "$120,000",
        "$60,000",
        "2027-02-15",
        "20%",
        "Qualification",
        "Lee Park",
        "Sam Architect",
        "Morgan Lead",
    ] {
        assert!(text.contains(value), "{value} filled in: {text}");
    }
    // the form's fields, in its order, each typed over
    let values = [
        "Globex analytics II",
        "Globex Corp",
        "150,000",
        "60,000.50",
        "2027-03-15",
        "18",
        "Proposal",
        "Dana Reyes",
        "Sam Okafor",
        "Morgan Lee",
        "2026-12-01",
    ];
    for value in values {
        retype(&mut app, value);
        press(&mut app, KeyCode::Tab);
    }
    insta::assert_snapshot!("edit_deal_form_120x40", screen(&app, 120, 40));
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.layers()[0], Layer::Deal, "the form closed");
    let status = app.status().unwrap();
    assert_eq!(status.tone, Tone::Info);
    assert_eq!(
        status.text,
        "Saved: Deal name, Account, Licence amount, Implementation fee, Support rate (%), \
         Close date, Stage, Owner (AE), Solution architect, Manager, Executive meeting"
    );
    let deal = deal_of(&app, id);
    assert_eq!(deal.name, "Globex analytics II");
    assert_eq!(deal.account, "Globex Corp");
    assert_eq!(deal.amount, Some(Money::from_dollars(150_000)));
    assert_eq!(deal.implementation_fee, Some(Money::from_cents(6_000_050)));
    assert_eq!(deal.support_rate_percent, 18.0);
    assert_eq!(deal.close_date, Some(parse_date("2027-03-15").unwrap()));
    assert_eq!(deal.stage, "Proposal");
    assert_eq!(deal.owner, "Dana Reyes");
    assert_eq!(deal.sa, "Sam Okafor");
    assert_eq!(deal.manager, "Morgan Lee");
    assert_eq!(deal.trigger_date, Some(parse_date("2026-12-01").unwrap()));
    assert_eq!(deal.version, 2, "one write");
    let history = ops::views::history(&app.ctx().session, id).unwrap();
    let fields: Vec<&str> = history[rows_before..]
        .iter()
        .map(|r| r.field.as_str())
        .collect();
    assert_eq!(
        fields.len(),
        11,
        "a row per field, no more: {:?}",
        &history[rows_before..]
    );
    for key in [
        "name",
        "account",
        "amount",
        "implementation_fee",
        "support_rate_percent",
        "close_date",
        "stage",
        "owner",
        "sa",
        "manager",
        "trigger_date",
    ] {
        assert!(fields.contains(&key), "{key} in {fields:?}");
    }
    assert!(history[rows_before..].iter().all(|r| r.who == "dana"));
    // the screen shows the deal as saved
    assert!(screen(&app, 120, 40).contains("Globex analytics II"));

    // opened again and saved untouched: nothing written
    press(&mut app, KeyCode::Char('E'));
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.status().unwrap().text, "Nothing changed");
    assert_eq!(deal_of(&app, id).version, 2);
}

#[test]
fn a_refused_save_keeps_the_form_and_what_was_typed_and_esc_cancels() {
    let (mut app, id) = globex_app();
    let before = deal_of(&app, id);
    press(&mut app, KeyCode::Char('E'));
    for _ in 0..4 {
        press(&mut app, KeyCode::Tab); // to the close date
    }
    retype(&mut app, "1999-01-01");
    press(&mut app, KeyCode::Enter);
    let status = app.status().unwrap().clone();
    assert_eq!(status.tone, Tone::Error);
    assert_eq!(
        status.text,
        "Close date: 1999-01-01 is before the deal was created (2026-11-27); give a day from 2026-11-27 on, as YYYY-MM-DD"
    );
    assert_eq!(app.layers()[0], Layer::EditDeal, "still open");
    assert!(screen(&app, 120, 40).contains("1999-01-01"), "kept");
    assert_eq!(deal_of(&app, id), before, "nothing written");

    // a negative amount is named in place, and refused on save
    press(&mut app, KeyCode::BackTab);
    press(&mut app, KeyCode::BackTab); // the licence amount
    retype(&mut app, "-5");
    assert!(screen(&app, 120, 40).contains("✗ a negative amount"));
    press(&mut app, KeyCode::Enter);
    assert!(
        app.status()
            .unwrap()
            .text
            .starts_with("Licence amount: a negative amount"),
        "{:?}",
        app.status()
    );
    assert_eq!(app.layers()[0], Layer::EditDeal);

    // Esc leaves without writing anything
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.layers()[0], Layer::Deal);
    assert_eq!(deal_of(&app, id), before);
}

#[test]
fn a_stale_screen_s_edit_is_refused_and_the_form_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("q.db");
    let mut mine = session(Store::open(&path).unwrap());
    let id = ops::add_deal(mine.at(now()), new_globex()).unwrap();
    let mut elsewhere = session(Store::open(&path).unwrap());
    let mut app = app(mine, 120, 40);
    open_row(&mut app, 0);

    // another window moves the close date; this screen has not looked yet
    let moved = DealEdit {
        close_date: Some(Some(parse_date("2027-05-31").unwrap())),
        ..Default::default()
    };
    ops::set_deal_fields(&mut elsewhere, id, None, &moved).unwrap();
    press(&mut app, KeyCode::Char('E'));
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab); // the licence amount
    retype(&mut app, "999,000");
    press(&mut app, KeyCode::Enter);
    let status = app.status().unwrap().clone();
    assert_eq!(status.tone, Tone::Error);
    assert_eq!(status.text, CHANGED_ELSEWHERE);
    assert_eq!(app.layers()[0], Layer::EditDeal, "the form is kept");
    let text = screen(&app, 120, 40);
    assert!(text.contains("999,000"), "what was typed stays: {text}");
    assert!(text.contains("2027-05-31"), "the latest close date: {text}");
    let deal = ops::views::deal(&elsewhere, id).unwrap();
    assert_eq!(deal.amount, Some(Money::from_dollars(120_000)), "refused");

    // saved again over the latest: the amount, and the other change kept
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.status().unwrap().text, "Saved: Licence amount");
    let deal = ops::views::deal(&elsewhere, id).unwrap();
    assert_eq!(deal.amount, Some(Money::from_dollars(999_000)));
    assert_eq!(deal.close_date, Some(parse_date("2027-05-31").unwrap()));
}

#[test]
fn ctrl_c_in_the_form_saves_what_was_changed() {
    let (mut app, id) = globex_app();
    press(&mut app, KeyCode::Char('E'));
    for _ in 0..8 {
        press(&mut app, KeyCode::Tab); // the SA
    }
    retype(&mut app, "Sam Okafor");
    press_with(&mut app, KeyCode::Char('c'), KeyModifiers::CONTROL);
    assert_eq!(deal_of(&app, id).sa, "Sam Okafor");
}

#[test]
fn ctrl_c_in_the_form_stays_once_when_the_change_cannot_be_saved() {
    let (mut app, id) = globex_app();
    press(&mut app, KeyCode::Char('E'));
    retype(&mut app, " ");
    assert_eq!(
        app.update(qualify::tui::action::Action::ForceQuit),
        Flow::Continue
    );
    assert!(
        app.status().unwrap().text.contains("still in the form"),
        "{:?}",
        app.status()
    );
    assert_eq!(deal_of(&app, id).name, "Globex analytics");
    assert_eq!(
        app.update(qualify::tui::action::Action::ForceQuit),
        Flow::Quit
    );
}

#[test]
fn a_deal_made_in_the_new_deal_form_is_owned_by_its_maker() {
    let mut app = app(session(Store::open_in_memory().unwrap()), 120, 40);
    press(&mut app, KeyCode::Char('n'));
    assert!(
        screen(&app, 120, 40).contains("default: you (dana)"),
        "the form says so"
    );
    type_text(&mut app, "Umbrella CRM");
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "Umbrella");
    press_with(&mut app, KeyCode::Char('s'), KeyModifiers::CONTROL);
    assert_eq!(deal_of(&app, DealId(1)).owner, "dana");
}
