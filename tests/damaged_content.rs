//! Damage inside a deal's stored content (an overflow page of its JSON
//! zeroed: the pages hold together, the value does not parse) is damage like
//! a damaged page: the message names the file and `doctor`, the damage is
//! remembered, no write reaches any deal, the TUI shows its banner, and
//! `backup` refuses the file. A newer qualify's file is not backed up either.

use qualify::Clock;
use qualify::domain::playbook::Playbook;
use qualify::store::Store;
use qualify::tui::action::Action;
use qualify::tui::theme::Theme;
use qualify::tui::{App, Ctx};
use ratatui::layout::Rect;
use rusqlite::Connection;
use std::path::{Path, PathBuf};

mod common;
use common::cli::{fails, qualify};

use common::tui::{open_row, plain_screen};

/// The end of the big deal's text: it lies on the last overflow page.
const END: &str = "END-OF-THE-BIG-SCOPE-Q21";

/// Deals 1 and 2 small, deal 3 ("Big") with a scope long enough to spill
/// over several overflow pages; the log folded into the file.
fn db_with_a_big_deal(dir: &Path) -> PathBuf {
    let db = dir.join("deals.db");
    let json = dir.join("deals.json");
    let big = format!("{}{END}", "scope ".repeat(2_000));
    let docs = serde_json::json!([
        {"name": "Small one", "account": "Acme", "close_date": "2027-01-31"},
        {"name": "Small two", "account": "Globex", "close_date": "2027-02-28"},
        {"name": "Big", "account": "Initech", "close_date": "2027-03-31",
         "handoff": {"scope": big}},
    ]);
    std::fs::write(&json, docs.to_string()).unwrap();
    qualify(&db)
        .args(["deal", "import"])
        .arg(&json)
        .assert()
        .success();
    Connection::open(&db)
        .unwrap()
        .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .unwrap();
    db
}

/// Zero the last overflow page of the big deal's content (all but its
/// pointer to a next page, which is none): the content is cut short by NULs.
fn zero_the_contents_last_page(db: &Path) {
    let size: usize = Connection::open(db)
        .unwrap()
        .query_row("PRAGMA page_size", [], |r| r.get::<_, i64>(0))
        .unwrap() as usize;
    let mut bytes = std::fs::read(db).unwrap();
    let at = bytes
        .windows(END.len())
        .position(|w| w == END.as_bytes())
        .expect("the end of the big scope is in the file");
    let page = at / size * size;
    bytes[page + 4..page + size].fill(0);
    std::fs::write(db, bytes).unwrap();
    assert!(
        !std::fs::read(db)
            .unwrap()
            .windows(END.len())
            .any(|w| w == END.as_bytes())
    );
}

fn assert_damage_line(line: &str, db: &Path) {
    assert!(line.contains(&db.display().to_string()), "{line}");
    assert!(line.contains("damaged"), "{line}");
    assert!(line.contains("doctor"), "{line}");
    assert!(!line.contains("Conversion error"), "{line}");
}

#[test]
fn damaged_content_is_damage_in_every_command_and_no_deal_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_with_a_big_deal(dir.path());
    zero_the_contents_last_page(&db);
    let marker = dir.path().join("deals.db.damaged");
    for args in [
        vec!["metrics"],
        vec!["deal", "export", "3"],
        vec!["deal", "show", "3"],
    ] {
        let line = fails(qualify(&db).args(&args), 2);
        assert_damage_line(&line, &db);
        assert!(marker.exists(), "{args:?} left no damage mark");
    }
    let before = std::fs::read(&db).unwrap();
    for args in [
        vec!["step", "1", "1", "note", "outcomes", "written?"],
        vec!["deal", "add", "--name", "New", "--account", "New"],
    ] {
        let line = fails(qualify(&db).args(&args), 2);
        assert_damage_line(&line, &db);
        assert!(std::fs::read(&db).unwrap() == before, "{args:?} wrote");
    }
}

#[test]
fn a_write_to_another_deal_is_refused_once_the_content_was_read() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_with_a_big_deal(dir.path());
    zero_the_contents_last_page(&db);
    fails(qualify(&db).args(["deal", "show", "3"]), 2);
    let before = std::fs::read(&db).unwrap();
    let line = fails(
        qualify(&db).args(["step", "2", "1", "note", "outcomes", "written?"]),
        2,
    );
    assert_damage_line(&line, &db);
    assert!(std::fs::read(&db).unwrap() == before);
    let out = qualify(&db).args(["deal", "show", "2"]).output().unwrap();
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains("written?"),
        "the note was not saved"
    );
}

#[test]
fn backup_reads_every_row_and_refuses_damaged_content() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_with_a_big_deal(dir.path());
    let good = dir.path().join("good.db");
    qualify(&db).arg("backup").arg(&good).assert().success();
    zero_the_contents_last_page(&db);
    let target = dir.path().join("copy.db");
    let line = fails(qualify(&db).arg("backup").arg(&target), 2);
    assert_damage_line(&line, &db);
    assert!(!target.exists(), "no copy was kept");
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("copy"))
        .collect();
    assert!(names.is_empty(), "{names:?}");
}

#[test]
fn backup_refuses_a_newer_qualifys_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_with_a_big_deal(dir.path());
    Connection::open(&db)
        .unwrap()
        .pragma_update(None, "user_version", 9_999)
        .unwrap();
    let target = dir.path().join("copy.db");
    let line = fails(qualify(&db).arg("backup").arg(&target), 2);
    assert!(line.contains(&db.display().to_string()), "{line}");
    assert!(line.contains("newer qualify"), "{line}");
    assert!(!target.exists());
}

fn ctx(store: Store, db: &Path) -> Ctx {
    Ctx {
        session: qualify::ops::Session::new(
            store,
            Playbook::default_playbook(),
            Clock::fixed("2026-11-02T09:00:00Z".parse().unwrap()),
            "dana",
        ),
        theme: Theme::plain(),
        db_label: db.display().to_string(),
    }
}

#[test]
fn the_tui_shows_the_damage_banner_once_a_deals_content_cannot_be_read() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_with_a_big_deal(dir.path());
    zero_the_contents_last_page(&db);
    let mut app = App::new(ctx(Store::open(&db).unwrap(), &db));
    app.resize(Rect::new(0, 0, 120, 40));
    assert!(
        plain_screen(&app, 120, 40).contains("Big"),
        "the list shows"
    );
    open_row(&mut app, 2); // the big deal closes last
    let screen = plain_screen(&app, 120, 40);
    assert!(screen.contains("Read-only"), "{screen}");
    assert!(screen.contains("doctor"), "{screen}");
    assert!(dir.path().join("deals.db.damaged").exists());
    app.update(Action::NewDeal);
    let status = app.status().expect("a refusal").text.clone();
    assert!(status.contains("damaged"), "{status}");
}
