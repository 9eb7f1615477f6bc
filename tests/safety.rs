//! Safe with any file: the real binary run against foreign, newer, damaged,
//! read-only and oddly placed files. A file qualify must not use is left
//! byte-for-byte as it was; a damaged one is never written to again until
//! `qualify doctor` finds it sound.

use assert_cmd::Command;
use qualify::Clock;
use qualify::domain::playbook::Playbook;
use qualify::store::Store;
use qualify::tui::action::Action;
use qualify::tui::theme::Theme;
use qualify::tui::{App, Ctx};
use rusqlite::Connection;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

mod common;
use common::cli::{fails, qualify};

use common::tui::plain_screen;

/// qualify's mark in `PRAGMA application_id`.
const MARK: i32 = 0x5175_616C;

fn mode(path: &Path) -> u32 {
    std::fs::symlink_metadata(path)
        .unwrap()
        .permissions()
        .mode()
        & 0o7777
}

fn set_mode(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// The names in a folder, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// `count` deal documents as one JSON array.
fn deals_json(count: usize, tag: &str) -> String {
    let docs: Vec<serde_json::Value> = (0..count)
        .map(|i| {
            serde_json::json!({
                "name": format!("{tag} deal {i}"),
                "account": format!("{tag} account {i}, a name long enough to fill pages"),
                "amount": 50_000 + i,
                "close_date": "2027-03-31",
            })
        })
        .collect();
    serde_json::to_string(&docs).unwrap()
}

/// A qualify database with `count` deals, closed cleanly.
fn qualify_db(dir: &Path, name: &str, count: usize) -> PathBuf {
    let db = dir.join(name);
    let json = dir.join(format!("{name}.json"));
    std::fs::write(&json, deals_json(count, "Seed")).unwrap();
    qualify(&db)
        .args(["deal", "import"])
        .arg(&json)
        .assert()
        .success();
    db
}

/// The commands every refused file is tried with.
fn refused_commands() -> Vec<Vec<&'static str>> {
    vec![
        vec!["deal", "list"],
        vec!["deal", "add", "--name", "Acme", "--account", "Acme"],
        vec!["check"],
        vec!["deal", "import", "-"],
    ]
}

/// Every refused command exits 2 naming the file and saying `expect`, and
/// leaves the file and its folder exactly as they were.
fn assert_refused_untouched(db: &Path, expect: &str) {
    let before = std::fs::read(db).unwrap();
    let files_before = listing(db.parent().unwrap());
    for args in refused_commands() {
        let line = fails(qualify(db).args(&args).write_stdin("[]"), 2);
        assert!(line.contains(&db.display().to_string()), "{args:?}: {line}");
        assert!(line.contains(expect), "{args:?}: {line}");
        assert!(!line.contains("CREATE TABLE"), "{args:?}: {line}");
        assert!(
            std::fs::read(db).unwrap() == before,
            "{args:?} changed {}",
            db.display()
        );
        assert_eq!(listing(db.parent().unwrap()), files_before, "{args:?}");
    }
}

// ---------------------------------------------------------------------------
// 1. ownership

#[test]
fn another_programs_database_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "notes.db",
            "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('mine');",
        ),
        (
            "versioned.db",
            "CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('x'); PRAGMA user_version = 3;",
        ),
        (
            "deals.db",
            "CREATE TABLE deals (id INTEGER PRIMARY KEY, title TEXT, owner TEXT); INSERT INTO deals (title) VALUES ('theirs');",
        ),
        (
            "marked.db",
            "CREATE TABLE things (x); PRAGMA application_id = 1234;",
        ),
    ];
    for (name, sql) in cases {
        let db = dir.path().join(name);
        Connection::open(&db).unwrap().execute_batch(sql).unwrap();
        assert_refused_untouched(&db, "not a qualify database");
        let line = fails(qualify(&db).args(["deal", "list"]), 2);
        assert!(line.contains("--db with another path"), "{line}");
    }
}

#[test]
fn a_newer_qualify_database_is_refused_with_its_journal_mode_kept() {
    let dir = tempfile::tempdir().unwrap();
    let db = qualify_db(dir.path(), "newer.db", 3);
    {
        let conn = Connection::open(&db).unwrap();
        let mode: String = conn
            .query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "delete");
        conn.pragma_update(None, "user_version", 99).unwrap();
    }
    assert_refused_untouched(&db, "upgrade qualify");
    let line = fails(qualify(&db).args(["deal", "list"]), 2);
    assert!(line.contains("newer qualify"), "{line}");
    assert!(!line.contains("too far ahead"), "{line}");
    let mode: String = Connection::open(&db)
        .unwrap()
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "delete");
}

#[test]
fn a_file_that_is_not_sqlite_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("random.db");
    let bytes: Vec<u8> = (0..10_000u32).map(|i| (i * 7919 % 251) as u8).collect();
    std::fs::write(&db, &bytes).unwrap();
    for args in refused_commands() {
        let line = fails(qualify(&db).args(&args).write_stdin("[]"), 2);
        assert!(line.contains("random.db"), "{line}");
    }
    assert_eq!(std::fs::read(&db).unwrap(), bytes);
    assert_eq!(listing(dir.path()), ["random.db"]);
}

#[test]
fn a_database_from_before_the_mark_is_recognised_and_marked() {
    let dir = tempfile::tempdir().unwrap();
    let db = qualify_db(dir.path(), "old.db", 2);
    Connection::open(&db)
        .unwrap()
        .pragma_update(None, "application_id", 0)
        .unwrap();
    qualify(&db)
        .args(["deal", "list"])
        .assert()
        .success()
        .stdout(predicates::str::contains("Seed deal 1"));
    let app: i32 = Connection::open(&db)
        .unwrap()
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .unwrap();
    assert_eq!(app, MARK);
}

#[test]
fn a_migration_leaves_a_backup_of_the_file_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("v1.db");
    {
        let mut conn = Connection::open(&db).unwrap();
        qualify::store::migrations()
            .to_version(&mut conn, 1)
            .unwrap();
        conn.execute_batch(
            "INSERT INTO deals (name, account, support_rate_percent, stage, created_at, updated_at)
             VALUES ('Old deal', 'Old account', 20.0, 'Qualification', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z');
             INSERT INTO steps (deal_id, number) VALUES (1, 1), (1, 2), (1, 3), (1, 4), (1, 5),
                 (1, 6), (1, 7), (1, 8), (1, 9), (1, 10);",
        )
        .unwrap();
    }
    qualify(&db)
        .args(["deal", "list"])
        .assert()
        .success()
        .stdout(predicates::str::contains("Old deal"));
    let latest = qualify::store::latest_version();
    let backup = dir.path().join(format!("v1.db.pre-v{latest}.bak"));
    assert!(backup.exists(), "{:?}", listing(dir.path()));
    assert_eq!(mode(&backup), 0o600);
    let conn = Connection::open(&backup).unwrap();
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 1, "the backup is the file before the migration");
    let name: String = conn
        .query_row("SELECT name FROM deals", [], |r| r.get(0))
        .unwrap();
    assert_eq!(name, "Old deal");
    let migrated: i64 = Connection::open(&db)
        .unwrap()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(migrated as usize, latest);
}

// ---------------------------------------------------------------------------
// 2. damage

/// Zero the root page of the deals table, so that any read of a deal fails.
fn damage(db: &Path) {
    let (root, page_size): (i64, i64) = {
        let conn = Connection::open(db).unwrap();
        let root = conn
            .query_row(
                "SELECT rootpage FROM sqlite_master WHERE name = 'deals'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        let size = conn
            .query_row("PRAGMA page_size", [], |r| r.get(0))
            .unwrap();
        (root, size)
    };
    let mut bytes = std::fs::read(db).unwrap();
    let start = ((root - 1) * page_size) as usize;
    bytes[start..start + page_size as usize].fill(0);
    std::fs::write(db, bytes).unwrap();
}

#[test]
fn once_a_damaged_file_is_met_no_write_reaches_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = qualify_db(dir.path(), "deals.db", 300);
    damage(&db);
    let line = fails(qualify(&db).args(["deal", "list"]), 2);
    assert!(line.contains(&db.display().to_string()), "{line}");
    assert!(line.contains("doctor"), "{line}");
    let marker = dir.path().join("deals.db.damaged");
    assert!(marker.exists());
    assert_eq!(mode(&marker), 0o600);
    let before = std::fs::read(&db).unwrap();
    let json = dir.path().join("more.json");
    std::fs::write(&json, deals_json(2, "More")).unwrap();
    let writes: Vec<Vec<String>> = vec![
        vec!["deal", "add", "--name", "Acme", "--account", "Acme"],
        vec!["step", "1", "1", "note", "outcomes", "written?"],
        vec!["step", "1", "1", "start"],
        vec!["battlecard", "Globex", "--set", "notes"],
        vec!["deal", "import", json.to_str().unwrap()],
    ]
    .into_iter()
    .map(|v| v.into_iter().map(String::from).collect())
    .collect();
    for args in &writes {
        let line = fails(qualify(&db).args(args), 2);
        assert!(line.contains(&db.display().to_string()), "{args:?}: {line}");
        assert!(line.contains("qualify --db"), "{args:?}: {line}");
        assert!(line.contains("doctor"), "{args:?}: {line}");
        assert!(
            std::fs::read(&db).unwrap() == before,
            "{args:?} wrote to it"
        );
    }
}

/// An import into a file that cannot be written says so at once, before
/// reading the documents: a problem in the file is not what it reports.
#[test]
fn an_import_into_a_damaged_file_is_refused_before_the_file_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let db = qualify_db(dir.path(), "deals.db", 30);
    damage(&db);
    let json = dir.path().join("bad.json");
    std::fs::write(
        &json,
        r#"[{"name": "Good", "account": "A"}, {"name": 5, "account": "B"}]"#,
    )
    .unwrap();
    let line = fails(
        qualify(&db).args(["deal", "import", json.to_str().unwrap()]),
        2,
    );
    assert!(line.contains("doctor"), "{line}");
    assert!(!line.contains("[1]"), "the documents were not read: {line}");
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
fn the_tui_shows_a_damaged_file_read_only_and_refuses_new_deals() {
    let dir = tempfile::tempdir().unwrap();
    let db = qualify_db(dir.path(), "deals.db", 300);
    damage(&db);
    fails(qualify(&db).args(["deal", "list"]), 2);
    let before = std::fs::read(&db).unwrap();
    let mut app = App::new(ctx(Store::open(&db).unwrap(), &db));
    let screen = plain_screen(&app, 120, 40);
    assert!(screen.contains("Read-only"), "{screen}");
    assert!(screen.contains("doctor"), "{screen}");
    assert!(!screen.contains("No deals yet"), "{screen}");
    app.update(Action::NewDeal);
    let status = app.status().expect("a refusal").text.clone();
    assert!(status.contains("damaged"), "{status}");
    drop(app);
    assert!(std::fs::read(&db).unwrap() == before);
}

#[test]
fn the_tui_background_check_finds_damage_the_list_did_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let db = qualify_db(dir.path(), "deals.db", 300);
    // the audit trail's root page: the list never reads it
    let (root, size): (i64, i64) = {
        let conn = Connection::open(&db).unwrap();
        (
            conn.query_row(
                "SELECT rootpage FROM sqlite_master WHERE name = 'audit'",
                [],
                |r| r.get(0),
            )
            .unwrap(),
            conn.query_row("PRAGMA page_size", [], |r| r.get(0))
                .unwrap(),
        )
    };
    let mut bytes = std::fs::read(&db).unwrap();
    let start = ((root - 1) * size) as usize;
    bytes[start..start + size as usize].fill(0);
    std::fs::write(&db, bytes).unwrap();

    let mut store = Store::open(&db).unwrap();
    store.start_background_check();
    let mut app = App::new(ctx(store, &db));
    assert!(
        plain_screen(&app, 120, 40).contains("Seed deal 1"),
        "the list shows first"
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    while !app.health_check() {
        assert!(
            Instant::now() < deadline,
            "the background check never reported"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let screen = plain_screen(&app, 120, 40);
    assert!(screen.contains("Read-only"), "{screen}");
    assert!(dir.path().join("deals.db.damaged").exists());
    app.update(Action::NewDeal);
    assert!(app.status().is_some_and(|s| s.text.contains("damaged")));
}

// ---------------------------------------------------------------------------
// 3. doctor and backup

fn doctor(db: &Path) -> (i32, String) {
    let out = qualify(db).arg("doctor").output().unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stdout).to_string(),
    )
}

#[test]
fn doctor_says_healthy_damaged_or_loose() {
    let dir = tempfile::tempdir().unwrap();
    let healthy = qualify_db(dir.path(), "healthy.db", 5);
    let (code, text) = doctor(&healthy);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("healthy"), "{text}");
    assert!(text.contains("integrity"), "{text}");
    assert!(
        text.contains("version 4") || text.contains("version"),
        "{text}"
    );

    let loose = qualify_db(dir.path(), "loose.db", 5);
    set_mode(&loose, 0o644);
    let (code, text) = doctor(&loose);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("0644"), "{text}");
    assert!(text.contains("chmod 600"), "{text}");
    assert_eq!(mode(&loose), 0o644, "doctor reports, it does not change");

    let damaged = qualify_db(dir.path(), "damaged.db", 300);
    damage(&damaged);
    let before = std::fs::read(&damaged).unwrap();
    let (code, text) = doctor(&damaged);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("damaged"), "{text}");
    assert!(text.contains(".recover"), "{text}");
    assert!(text.contains("backup"), "{text}");
    assert!(
        std::fs::read(&damaged).unwrap() == before,
        "doctor wrote to it"
    );
    assert!(dir.path().join("damaged.db.damaged").exists());
}

#[test]
fn doctor_clears_the_damage_mark_once_the_file_is_sound() {
    let dir = tempfile::tempdir().unwrap();
    let db = qualify_db(dir.path(), "deals.db", 300);
    let good = std::fs::read(&db).unwrap();
    damage(&db);
    fails(qualify(&db).args(["deal", "list"]), 2);
    fails(
        qualify(&db).args(["deal", "add", "--name", "A", "--account", "B"]),
        2,
    );
    std::fs::write(&db, good).unwrap(); // restored from a copy
    fails(
        qualify(&db).args(["deal", "add", "--name", "A", "--account", "B"]),
        2,
    );
    let (code, text) = doctor(&db);
    assert_eq!(code, 0, "{text}");
    assert!(!dir.path().join("deals.db.damaged").exists());
    qualify(&db)
        .args(["deal", "add", "--name", "A", "--account", "B"])
        .assert()
        .success();
}

#[test]
fn doctor_refuses_to_judge_another_programs_file() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("notes.db");
    Connection::open(&db)
        .unwrap()
        .execute_batch("CREATE TABLE notes (body TEXT)")
        .unwrap();
    let before = std::fs::read(&db).unwrap();
    let (code, text) = doctor(&db);
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("not a qualify database"), "{text}");
    assert_eq!(std::fs::read(&db).unwrap(), before);
}

#[test]
fn backup_writes_a_private_sound_copy() {
    let dir = tempfile::tempdir().unwrap();
    let db = qualify_db(dir.path(), "deals.db", 50);
    let target = dir.path().join("copy.db");
    qualify(&db).arg("backup").arg(&target).assert().success();
    assert_eq!(mode(&target), 0o600);
    let conn = Connection::open(&target).unwrap();
    let verdict: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(verdict, "ok");
    let n: i64 = conn
        .query_row("SELECT count(*) FROM deals", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 50);
    drop(conn);
    qualify(&target)
        .args(["deal", "list"])
        .assert()
        .success()
        .stdout(predicates::str::contains("Seed deal 49"));
    let leftovers: Vec<_> = listing(dir.path())
        .into_iter()
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

// ---------------------------------------------------------------------------
// 4. files

#[test]
fn an_explicit_db_in_a_missing_folder_is_refused_and_nothing_created() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("no").join("such").join("deals.db");
    let line = fails(
        qualify(&db).args(["deal", "add", "--name", "A", "--account", "B"]),
        2,
    );
    assert!(line.contains("does not exist"), "{line}");
    assert!(line.contains(&db.display().to_string()), "{line}");
    assert!(listing(dir.path()).is_empty());
}

#[test]
fn dev_null_a_folder_and_a_fifo_are_refused_and_nothing_created() {
    let line = fails(qualify(Path::new("/dev/null")).args(["deal", "list"]), 2);
    assert!(
        line.contains("/dev/null") && line.contains("device"),
        "{line}"
    );
    assert!(!Path::new("/dev/null-journal").exists());
    assert!(!Path::new("/dev/null-wal").exists());

    let dir = tempfile::tempdir().unwrap();
    let line = fails(qualify(dir.path()).args(["deal", "list"]), 2);
    assert!(line.contains("folder"), "{line}");
    let fifo = dir.path().join("pipe");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(status.success());
    let line = fails(qualify(&fifo).args(["deal", "list"]), 2);
    assert!(line.contains("named pipe"), "{line}");
    assert_eq!(listing(dir.path()), ["pipe"]);
}

#[test]
fn a_read_only_file_is_refused_without_leaving_sidecars() {
    let dir = tempfile::tempdir().unwrap();
    let db = qualify_db(dir.path(), "deals.db", 2);
    set_mode(&db, 0o400);
    let before = listing(dir.path());
    for args in [
        vec!["deal", "list"],
        vec!["deal", "add", "--name", "A", "--account", "B"],
    ] {
        let line = fails(qualify(&db).args(&args), 2);
        assert!(line.contains("read-only"), "{line}");
        assert!(line.contains("chmod 600"), "{line}");
        assert!(!line.contains("readonly database"), "{line}");
    }
    assert_eq!(listing(dir.path()), before);
    assert!(!dir.path().join("deals.db-wal").exists());
}

#[test]
fn a_read_only_folder_is_reported_as_such() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("locked");
    std::fs::create_dir(&folder).unwrap();
    let db = qualify_db(&folder, "deals.db", 2);
    std::fs::remove_file(folder.join("deals.db.json")).unwrap();
    set_mode(&folder, 0o500);
    let line = fails(
        qualify(&db).args(["deal", "add", "--name", "A", "--account", "B"]),
        2,
    );
    set_mode(&folder, 0o700);
    assert!(
        line.contains("folder") && line.contains("read-only"),
        "{line}"
    );
    assert!(!line.contains("readonly database"), "{line}");
}

#[test]
fn loose_files_and_the_data_folder_are_tightened() {
    let dir = tempfile::tempdir().unwrap();
    let db = qualify_db(dir.path(), "deals.db", 2);
    set_mode(&db, 0o644);
    qualify(&db).args(["deal", "list"]).assert().success();
    assert_eq!(mode(&db), 0o600);
    for side in ["deals.db-wal", "deals.db-shm"] {
        let p = dir.path().join(side);
        if p.exists() {
            assert_eq!(mode(&p) & 0o077, 0, "{side}");
        }
    }

    // the default data folder: created 0700, and tightened when found looser
    let home = dir.path().join("home");
    let data = home.join("share");
    let run = || {
        let mut cmd = Command::cargo_bin("qualify").unwrap();
        cmd.env_remove("QUALIFY_DB")
            .env("HOME", &home)
            .env("XDG_DATA_HOME", &data)
            .args(["deal", "add", "--name", "A", "--account", "B"])
            .assert()
            .success();
    };
    run();
    let folder = data.join("qualify");
    assert_eq!(mode(&folder), 0o700);
    assert_eq!(mode(&folder.join("qualify.db")), 0o600);
    set_mode(&folder, 0o755);
    run();
    assert_eq!(mode(&folder), 0o700);
}

#[test]
fn a_report_through_a_symlink_replaces_the_link_not_its_target() {
    let dir = tempfile::tempdir().unwrap();
    let db = qualify_db(dir.path(), "deals.db", 1);
    let victim = dir.path().join("victim.txt");
    std::fs::write(&victim, "someone else's file").unwrap();
    set_mode(&victim, 0o644);
    let link = dir.path().join("report.md");
    std::os::unix::fs::symlink(&victim, &link).unwrap();
    qualify(&db)
        .args(["report", "1", "--force", "--out"])
        .arg(&link)
        .assert()
        .success();
    assert_eq!(
        std::fs::read_to_string(&victim).unwrap(),
        "someone else's file"
    );
    assert_eq!(mode(&victim), 0o644);
    let meta = std::fs::symlink_metadata(&link).unwrap();
    assert!(meta.file_type().is_file());
    assert_eq!(mode(&link), 0o600);
    assert!(
        std::fs::read_to_string(&link)
            .unwrap()
            .contains("Seed deal 0")
    );
}

/// A tmux server of our own, killed when the test ends.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn run(&self, args: &[&str]) -> Output {
        std::process::Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux is installed")
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        self.run(&["kill-server"]);
    }
}

#[test]
fn the_log_file_is_private() {
    let dir = tempfile::tempdir().unwrap();
    let db = qualify_db(dir.path(), "deals.db", 1);
    let log = dir.path().join("qualify.log");
    std::fs::write(&log, "an older line\n").unwrap();
    set_mode(&log, 0o644);
    let tmux = Tmux {
        socket: format!("qualify-safety-{}", std::process::id()),
    };
    let command = format!(
        "{} --db {}; sleep 30",
        env!("CARGO_BIN_EXE_qualify"),
        db.display()
    );
    let out = tmux.run(&[
        "-f",
        "/dev/null",
        "new-session",
        "-d",
        "-x",
        "120",
        "-y",
        "40",
        &command,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let screen = tmux.run(&["capture-pane", "-p"]);
        if String::from_utf8_lossy(&screen.stdout).contains("Seed deal 0") {
            break;
        }
        assert!(Instant::now() < deadline, "the TUI did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    tmux.run(&["send-keys", "q"]);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !std::fs::read_to_string(&log).is_ok_and(|t| t.contains("qualify started")) {
        assert!(Instant::now() < deadline, "nothing was logged");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(mode(&log), 0o600);
}

// ---------------------------------------------------------------------------
// 5. concurrent writers wait

/// `processes` imports of `deals` deals each, started together on one new
/// file: all succeed and every deal is there.
fn concurrent_imports(processes: usize, deals: usize) -> Duration {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("deals.db");
    let files: Vec<PathBuf> = (0..processes)
        .map(|p| {
            let file = dir.path().join(format!("import-{p}.json"));
            std::fs::write(&file, deals_json(deals, &format!("P{p}"))).unwrap();
            file
        })
        .collect();
    let bin = env!("CARGO_BIN_EXE_qualify");
    let started = Instant::now();
    let children: Vec<_> = files
        .iter()
        .map(|file| {
            std::process::Command::new(bin)
                .env_remove("QUALIFY_DB")
                .arg("--db")
                .arg(&db)
                .args(["deal", "import"])
                .arg(file)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let failures: Vec<String> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .filter(|o| !o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stderr).to_string())
        .collect();
    let took = started.elapsed();
    assert!(
        failures.is_empty(),
        "{} of {processes} failed: {:?}",
        failures.len(),
        failures.first()
    );
    let n: i64 = Connection::open(&db)
        .unwrap()
        .query_row("SELECT count(*) FROM deals", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n as usize, processes * deals);
    took
}

#[test]
fn concurrent_imports_wait_for_each_other() {
    concurrent_imports(12, 300);
}

/// The issue's figure; slow in a debug build, so run by hand:
/// `cargo test --release --test safety -- --ignored --nocapture`.
#[test]
#[ignore]
fn forty_concurrent_imports_of_2000_deals_all_succeed() {
    let took = concurrent_imports(40, 2000);
    eprintln!("40 imports of 2,000 deals: {took:?}");
}

/// A special file at `path`: the character device 1,3 (the one `/dev/null`
/// is) when `device`, else a named pipe. Fails loudly when the system does not
/// allow it (making a device needs root, as in CI).
fn special_file(path: &Path, device: bool) {
    use std::os::unix::ffi::OsStrExt;
    let c_path = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
    // SAFETY: `c_path` is a valid NUL-terminated string for the call's duration.
    let made = unsafe {
        if device {
            libc::mknod(c_path.as_ptr(), libc::S_IFCHR | 0o666, libc::makedev(1, 3))
        } else {
            libc::mkfifo(c_path.as_ptr(), 0o666)
        }
    };
    assert_eq!(
        made,
        0,
        "cannot make {} at {} (a device needs root): {}",
        if device {
            "a character device"
        } else {
            "a FIFO"
        },
        path.display(),
        std::io::Error::last_os_error()
    );
}

fn is_special(path: &Path, device: bool) -> bool {
    use std::os::unix::fs::FileTypeExt;
    let kind = std::fs::symlink_metadata(path).unwrap().file_type();
    if device {
        kind.is_char_device()
    } else {
        kind.is_fifo()
    }
}

#[test]
fn out_and_backup_refuse_a_device_or_a_fifo_and_leave_it_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let db = qualify_db(dir.path(), "deals.db", 1);
    for device in [true, false] {
        let what = if device {
            "a character device"
        } else {
            "a named pipe"
        };
        let commands: [&[&str]; 3] = [
            &["deal", "export", "--out"],
            &["report", "1", "--out"],
            &["backup"],
        ];
        for args in commands {
            for force in [false, true] {
                let target = dir.path().join(format!("node-{device}-{force}"));
                special_file(&target, device);
                let mut cmd = qualify(&db);
                cmd.args(args).arg(&target);
                if force {
                    cmd.arg("--force");
                }
                let err = fails(&mut cmd, 2);
                assert!(
                    err.contains(what) && err.contains("not a regular file"),
                    "{args:?} --force {force}: {err}"
                );
                assert!(
                    err.contains(&target.display().to_string()),
                    "{args:?}: {err}"
                );
                assert!(is_special(&target, device), "{args:?} {what} replaced");
                std::fs::remove_file(&target).unwrap();
            }
        }
        let leftovers: Vec<_> = listing(dir.path())
            .into_iter()
            .filter(|n| n.ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }
}
