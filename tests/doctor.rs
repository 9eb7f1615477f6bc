//! `qualify doctor`, run as a person would: its advice followed word for
//! word by a script, files it must not call damaged (a read-only folder,
//! another program's unfinished transaction), a recovered copy missing its
//! tables, and nothing created beside a file qualify refuses.

mod common;

use assert_cmd::Command;
use common::cli::fails;
use rusqlite::Connection;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// qualify's mark in `PRAGMA application_id`.
const MARK: i32 = 0x5175_616C;

fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("qualify")
}

fn qualify(db: &Path) -> Command {
    let mut cmd = Command::new(bin());
    cmd.env_remove("QUALIFY_DB")
        .env_remove("RUST_LOG")
        .arg("--db")
        .arg(db);
    cmd
}

fn doctor(db: &Path) -> (i32, String) {
    let out = qualify(db).arg("doctor").output().unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stdout).to_string(),
    )
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

/// A qualify database with deals named "`tag` 1" … "`tag` `count`".
fn qualify_db(db: &Path, tag: &str, count: usize) {
    for i in 1..=count {
        qualify(db)
            .args(["deal", "add", "--name", &format!("{tag} {i}")])
            .args(["--account", &format!("{tag} account {i}")])
            .assert()
            .success();
    }
}

fn deal_names(db: &Path) -> Vec<String> {
    let conn = Connection::open(db).unwrap();
    let mut stmt = conn.prepare("SELECT name FROM deals ORDER BY id").unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

/// Zero the root page of `table` in the file (closed cleanly beforehand).
fn zero_root_page(db: &Path, table: &str) {
    let (root, size): (i64, i64) = {
        let conn = Connection::open(db).unwrap();
        let root = conn
            .query_row(
                "SELECT rootpage FROM sqlite_master WHERE name = ?1",
                [table],
                |r| r.get(0),
            )
            .unwrap();
        let size = conn
            .query_row("PRAGMA page_size", [], |r| r.get(0))
            .unwrap();
        (root, size)
    };
    let mut bytes = std::fs::read(db).unwrap();
    let start = ((root - 1) * size) as usize;
    bytes[start..start + size as usize].fill(0);
    std::fs::write(db, bytes).unwrap();
}

/// The commands among doctor's advice: the text after "→ $ " (or, in the
/// older wording, after "cp " with the rest of the sentence dropped).
fn commands(advice: &str) -> Vec<String> {
    advice
        .lines()
        .filter_map(|line| {
            let step = line.split_once("→ ")?.1;
            if let Some(command) = step.strip_prefix("$ ") {
                Some(command.to_string())
            } else {
                let at = step.find(": cp ")?;
                let command = &step[at + 2..];
                Some(command.split(" (").next().unwrap().to_string())
            }
        })
        .collect()
}

/// Run one of doctor's commands in a shell, the way a person pastes it
/// (`qualify` being this build).
fn run(command: &str, dir: &Path) -> std::process::Output {
    let command = command.replacen("qualify ", &format!("{} ", bin().display()), 1);
    std::process::Command::new("sh")
        .arg("-c")
        .arg(&command)
        .current_dir(dir)
        .env_remove("QUALIFY_DB")
        .output()
        .unwrap()
}

/// A writer killed with changes still in the `-wal`: they were never
/// copied into the file, and the `-wal` (and `-shm`) stay beside it.
fn leave_a_wal(db: &Path) {
    let conn = Connection::open(db).unwrap();
    conn.pragma_update(None, "wal_autocheckpoint", 0).unwrap();
    conn.execute(
        "INSERT INTO battle_cards (competitor, notes, updated_at) VALUES ('Rival', ?1, '2026-01-01')",
        ["notes long enough to fill a page ".repeat(200)],
    )
    .unwrap();
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
        true,
    )
    .unwrap();
    drop(conn);
}

// ---------------------------------------------------------------------------
// 4. the restore advice, followed word for word

#[test]
fn doctors_restore_advice_followed_word_for_word_gives_back_the_backup() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("deals.db");
    qualify_db(&db, "Kept", 3);
    let backup = dir.path().join("monday.db");
    qualify(&db).arg("backup").arg(&backup).assert().success();
    qualify_db(&db, "Later", 1);
    zero_root_page(&db, "steps");
    leave_a_wal(&db);
    assert!(dir.path().join("deals.db-wal").exists());

    let (code, advice) = doctor(&db);
    assert_eq!(code, 1, "{advice}");
    assert!(advice.contains("damaged"), "{advice}");
    assert!(advice.contains("quit qualify"), "{advice}");
    let restore = commands(&advice)
        .into_iter()
        .find(|c| c.contains("cp "))
        .unwrap_or_else(|| panic!("no restore command in: {advice}"));
    let restore = restore.replace("BACKUP", &backup.display().to_string());
    let out = run(&restore, dir.path());
    assert!(
        out.status.success(),
        "{restore}: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    // the restored file is the backup, healthy; the damaged one kept aside
    let conn =
        Connection::open_with_flags(&db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let verdict: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    drop(conn);
    assert_eq!(verdict, "ok", "after: {restore}");
    assert_eq!(deal_names(&db), ["Kept 1", "Kept 2", "Kept 3"]);
    let (code, text) = doctor(&db);
    assert_eq!(code, 0, "{text}");
    assert!(!dir.path().join("deals.db.damaged").exists(), "{text}");
    let aside = dir.path().join("deals.db.aside");
    assert!(aside.join("deals.db").exists(), "{:?}", listing(dir.path()));
    assert!(aside.join("deals.db-wal").exists(), "{:?}", listing(&aside));
    qualify(&db)
        .args(["deal", "list"])
        .assert()
        .success()
        .stdout(predicates::str::contains("Kept 3"));
}

// ---------------------------------------------------------------------------
// 5. recovery: .dump first, and a copy missing its tables is not healthy

/// Whether a `sqlite3` command runs here, and whether its `.recover` does.
fn sqlite3() -> (bool, bool) {
    let runs = |args: &[&str]| {
        std::process::Command::new("sqlite3")
            .args(args)
            .stdin(std::process::Stdio::null())
            .output()
            .is_ok_and(|o| o.status.success())
    };
    (runs(&["-version"]), runs(&[":memory:", ".recover"]))
}

#[test]
fn a_copy_with_no_tables_is_not_called_healthy_and_commands_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    // what `sqlite3 deals.db .recover | sqlite3 copy.db` leaves where
    // .recover fails, after the PRAGMAs that mark it as qualify's
    let copy = dir.path().join("copy.db");
    let conn = Connection::open(&copy).unwrap();
    conn.execute_batch(&format!(
        "PRAGMA user_version = {}; PRAGMA application_id = {MARK};",
        qualify::store::latest_version()
    ))
    .unwrap();
    drop(conn);
    set_mode(&copy, 0o600);
    let (code, text) = doctor(&copy);
    assert_eq!(code, 1, "{text}");
    assert!(!text.contains("healthy"), "{text}");
    assert!(text.contains("missing") && text.contains("deals"), "{text}");
    for args in [vec!["deal", "list"], vec!["metrics"]] {
        let line = fails(qualify(&copy).args(&args), 2);
        assert!(line.contains(&copy.display().to_string()), "{line}");
        assert!(line.contains("missing"), "{line}");
        assert!(!line.contains("no such table"), "{line}");
    }

    // one table gone is named
    let db = dir.path().join("deals.db");
    qualify_db(&db, "Deal", 1);
    Connection::open(&db)
        .unwrap()
        .execute_batch("DROP TABLE battle_cards")
        .unwrap();
    let (code, text) = doctor(&db);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("battle_cards"), "{text}");
    assert!(!text.contains("healthy"), "{text}");
}

#[test]
fn the_recovery_recipe_followed_word_for_word_gives_a_healthy_copy() {
    let (installed, recovers) = sqlite3();
    if !installed {
        eprintln!("no sqlite3 command here: the recipe cannot be followed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("deals.db");
    qualify_db(&db, "Deal", 3);
    zero_root_page(&db, "steps");
    let (code, advice) = doctor(&db);
    assert_eq!(code, 1, "{advice}");
    assert!(advice.contains(".dump"), "{advice}");
    if !recovers {
        assert!(
            !advice.contains(".recover |"),
            "this sqlite3 fails .recover: {advice}"
        );
    }
    let steps = commands(&advice);
    // copy, tighten, mark, check the copy
    let recipe: Vec<&String> = steps.iter().take_while(|c| !c.contains("mkdir")).collect();
    assert!(recipe.len() >= 3, "{advice}");
    let mut last = None;
    for command in &recipe {
        let out = run(command, dir.path());
        last = Some(out.clone());
        if !command.contains("doctor") {
            assert!(
                out.status.success(),
                "{command}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
    let out = last.unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "the copy's doctor: {text}");
    assert!(text.contains("healthy"), "{text}");
    let copy = dir.path().join("deals.db.recovered");
    assert_eq!(deal_names(&copy), ["Deal 1", "Deal 2", "Deal 3"]);
}

// ---------------------------------------------------------------------------
// 7. not damage: a read-only folder, another program's unfinished transaction

fn euid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail
    unsafe { libc::geteuid() }
}

#[test]
fn a_healthy_file_in_a_read_only_folder_is_not_called_damaged() {
    let dir = tempfile::tempdir().unwrap();
    set_mode(dir.path(), 0o755);
    let folder = dir.path().join("locked");
    std::fs::create_dir(&folder).unwrap();
    let db = folder.join("deals.db");
    qualify_db(&db, "Deal", 2);
    let mut cmd = if euid() == 0 {
        // as root every folder is writable: run as nobody, with a copy of
        // the binary that nobody may run
        let nobody = 65534;
        let own = |p: &Path| std::os::unix::fs::chown(p, Some(nobody), Some(nobody)).unwrap();
        for entry in std::fs::read_dir(&folder).unwrap() {
            own(&entry.unwrap().path());
        }
        own(&folder);
        let copy = dir.path().join("qualify");
        std::fs::copy(bin(), &copy).unwrap();
        set_mode(&copy, 0o755);
        let mut cmd = std::process::Command::new("setpriv");
        cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(&copy)
            .env("HOME", &folder);
        cmd
    } else {
        let mut cmd = std::process::Command::new(bin());
        cmd.env("HOME", dir.path());
        cmd
    };
    set_mode(&folder, 0o500);
    let before = listing(&folder);
    let out = cmd
        .env_remove("QUALIFY_DB")
        .env_remove("RUST_LOG")
        .arg("--db")
        .arg(&db)
        .arg("doctor")
        .output()
        .unwrap();
    set_mode(&folder, 0o700);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("every page and index checks out"), "{text}");
    assert!(text.contains("read-only"), "{text}");
    assert!(!text.contains("damage"), "{text}");
    assert!(!text.contains("readonly database"), "{text}");
    assert_eq!(listing(&folder), before);
}

/// Another program's database (rollback journal) copied, with its
/// journal, in the middle of a transaction: the copy has a hot journal, as
/// when that program is killed midway. (Without `synchronous = OFF` SQLite
/// writes the journal's header zeroed until its first sync, and a journal
/// whose header is zero is not hot: about one run in eight left one so.)
fn foreign_with_hot_journal(dir: &Path) -> PathBuf {
    let live = dir.join("live.db");
    let conn = Connection::open(&live).unwrap();
    conn.execute_batch(
        "CREATE TABLE notes (body BLOB);
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)
         INSERT INTO notes SELECT randomblob(200) FROM n;
         PRAGMA cache_size = 2;
         PRAGMA synchronous = OFF;
         BEGIN;
         UPDATE notes SET body = randomblob(200);",
    )
    .unwrap();
    let copy = dir.join("notes.db");
    std::fs::copy(&live, &copy).unwrap();
    std::fs::copy(dir.join("live.db-journal"), dir.join("notes.db-journal")).unwrap();
    conn.execute_batch("ROLLBACK").unwrap();
    drop(conn);
    std::fs::remove_file(&live).unwrap();
    copy
}

/// Another program's database, that program (sqlite3) killed in the middle
/// of a transaction; `None` when there is no sqlite3 here.
fn foreign_killed_midway(dir: &Path) -> Option<PathBuf> {
    use std::io::{BufRead, Write};
    if !sqlite3().0 {
        return None;
    }
    let db = dir.join("notes.db");
    let conn = Connection::open(&db).unwrap();
    conn.execute_batch(
        "CREATE TABLE notes (body BLOB);
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)
         INSERT INTO notes SELECT randomblob(200) FROM n;",
    )
    .unwrap();
    drop(conn);
    let mut child = std::process::Command::new("sqlite3")
        .arg(&db)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    writeln!(
        stdin,
        "PRAGMA cache_size = 2; PRAGMA synchronous = OFF; BEGIN; UPDATE notes SET body = randomblob(200); SELECT 'written';"
    )
    .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line.trim(), "written");
    child.kill().unwrap(); // SIGKILL, the transaction unfinished
    child.wait().unwrap();
    Some(db)
}

#[test]
fn another_programs_unfinished_transaction_is_not_damage_and_nothing_is_written() {
    let copied = tempfile::tempdir().unwrap();
    let killed = tempfile::tempdir().unwrap();
    let mut made = vec![foreign_with_hot_journal(copied.path())];
    made.extend(foreign_killed_midway(killed.path()));
    for db in made {
        foreign_hot_journal_is_left_alone(&db);
    }
}

fn foreign_hot_journal_is_left_alone(db: &Path) {
    let dir = db.parent().unwrap();
    let db = db.to_path_buf();
    let before = listing(dir);
    assert_eq!(before, ["notes.db", "notes.db-journal"]);
    let bytes = std::fs::read(&db).unwrap();
    let journal = std::fs::read(dir.join("notes.db-journal")).unwrap();

    let (code, text) = doctor(&db);
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("not a qualify database"), "{text}");
    assert!(text.contains("unfinished"), "{text}");
    assert!(!text.contains("damaged"), "{text}");
    assert!(!text.contains("application_id"), "{text}");
    for args in [vec!["deal", "list"], vec!["backup", "copy.db"]] {
        let line = fails(qualify(&db).args(&args).current_dir(dir), 2);
        assert!(line.contains("not a qualify database"), "{args:?}: {line}");
    }
    assert_eq!(listing(dir), before);
    assert!(std::fs::read(&db).unwrap() == bytes);
    assert!(std::fs::read(dir.join("notes.db-journal")).unwrap() == journal);
}

// ---------------------------------------------------------------------------
// 9. nothing created beside a refused file

#[test]
fn a_refused_file_gets_no_wal_or_shm_beside_it() {
    let dir = tempfile::tempdir().unwrap();
    // another program's file in WAL mode, closed cleanly
    let foreign = dir.path().join("notes.db");
    let conn = Connection::open(&foreign).unwrap();
    conn.execute_batch("PRAGMA journal_mode = WAL; CREATE TABLE notes (body TEXT);")
        .unwrap();
    drop(conn);
    // a qualify file written by a newer qualify
    let newer = dir.path().join("newer.db");
    qualify_db(&newer, "Deal", 1);
    Connection::open(&newer)
        .unwrap()
        .pragma_update(None, "user_version", 999)
        .unwrap();
    // a healthy qualify file made read-only
    let read_only = dir.path().join("read-only.db");
    qualify_db(&read_only, "Deal", 1);
    set_mode(&read_only, 0o444);
    let before = listing(dir.path());
    assert!(
        !before
            .iter()
            .any(|n| n.ends_with("-wal") || n.ends_with("-shm")),
        "{before:?}"
    );

    for db in [&foreign, &newer, &read_only] {
        for args in [vec!["deal", "list"], vec!["metrics"], vec!["doctor"]] {
            let _ = qualify(db).args(&args).output().unwrap();
            assert_eq!(listing(dir.path()), before, "{} {args:?}", db.display());
        }
    }
    let _ = qualify(&foreign)
        .arg("backup")
        .arg(dir.path().join("copy.db"))
        .output();
    assert_eq!(listing(dir.path()), before, "backup");
}
