//! What `qualify doctor` tells a person to run, written so that it works
//! when followed word for word on this machine: a command to run is one
//! step of its own, starting with `$ `.
//!
//! - A file is replaced only after it is moved aside with its `-wal`,
//!   `-shm` and `-journal`: SQLite would otherwise replay the old log over
//!   the file put in its place and damage it at once.
//! - Rows are copied out with `.dump` (every sqlite3 has it; a damaged
//!   file's dump ends in `ROLLBACK`, turned back into `COMMIT` so that what
//!   was read is kept), and with `.recover` only where this sqlite3 runs it.

use super::safety::APPLICATION_ID;
use super::schema::latest_version;
use crate::store::files;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// `path` as a shell word.
pub fn quoted(path: &Path) -> String {
    let text = path.display().to_string();
    if text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-+".contains(c))
    {
        text
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

/// A name beside `path` that nothing has yet: `path` + `suffix`, or with
/// `-2`, `-3`, … after it.
fn unused(path: &Path, suffix: &str) -> PathBuf {
    let free = |p: &PathBuf| std::fs::symlink_metadata(p).is_err();
    let first = files::with_suffix(path, suffix);
    if free(&first) {
        return first;
    }
    (2..1000)
        .map(|n| files::with_suffix(path, &format!("{suffix}-{n}")))
        .find(free)
        .unwrap_or(first)
}

/// Whether a `sqlite3` command is installed, and whether its `.recover` runs.
fn sqlite3() -> (bool, bool) {
    static FOUND: OnceLock<(bool, bool)> = OnceLock::new();
    *FOUND.get_or_init(|| {
        let runs = |args: &[&str]| {
            Command::new("sqlite3")
                .args(args)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        };
        let installed = runs(&["-version"]);
        (installed, installed && runs(&[":memory:", ".recover"]))
    })
}

/// The command that moves `path` and its `-wal`, `-shm` and `-journal`
/// into a new folder beside it, then runs `then` (the `-wal` and the
/// others are moved where they are; missing ones are no matter).
fn move_aside_then(path: &Path, then: &str) -> String {
    let file = quoted(path);
    let aside = quoted(&unused(path, ".aside"));
    let leaves: Vec<String> = ["-wal", "-shm", "-journal"]
        .iter()
        .map(|s| quoted(&files::with_suffix(path, s)))
        .collect();
    format!(
        "$ mkdir {aside} && mv {file} {aside}/ && (mv {} {aside}/ 2>/dev/null; {then})",
        leaves.join(" ")
    )
}

/// How to restore a backup over `path` (`BACKUP` when none is known).
pub fn restore(path: &Path) -> Vec<String> {
    let file = quoted(path);
    let backups = backups_beside(path);
    let (from, found) = match backups.last() {
        Some(last) => {
            let list: Vec<String> = backups.iter().map(|b| quoted(b)).collect();
            (
                quoted(last),
                format!(" (backups found beside it: {})", list.join(", ")),
            )
        }
        None => (
            "BACKUP".to_string(),
            " (BACKUP: the file `qualify backup` wrote)".to_string(),
        ),
    };
    vec![
        format!(
            "or restore a backup{found}, losing the changes made since: quit qualify wherever \
             it uses {file}, then run these"
        ),
        move_aside_then(path, &format!("cp {from} {file}")),
        format!("$ qualify --db {file} doctor"),
    ]
}

/// How to get the rows of the damaged file at `path` back: SQLite's own
/// copy into a new file, checked, put in its place; or a backup.
pub fn recovery(path: &Path, version: Option<usize>) -> Vec<String> {
    let file = quoted(path);
    let new_path = unused(path, ".recovered");
    let new = quoted(&new_path);
    let version = version.filter(|v| *v > 0).unwrap_or(latest_version());
    let (installed, recovers) = sqlite3();
    let mut steps =
        vec!["qualify writes nothing to it until this check passes; reading may still work".into()];
    if !installed {
        steps.push("install the sqlite3 command (SQLite's shell) to run the copy below".into());
    }
    steps.push(
        "copy what can be read into a new file, mark the copy as qualify's and check it:".into(),
    );
    steps.push(format!(
        "$ sqlite3 {file} .dump | sed 's/^ROLLBACK; -- due to errors$/COMMIT;/' | sqlite3 {new}"
    ));
    steps.push(format!("$ chmod 600 {new}"));
    if recovers {
        let again = quoted(&unused(&new_path, "-more"));
        steps.push(format!(
            "(if rows are missing from that copy, this sqlite3's .recover may find more: \
             sqlite3 {file} .recover | sqlite3 {again}, then use {again} below)"
        ));
    }
    steps.push(format!(
        "$ sqlite3 {new} 'PRAGMA user_version = {version}; PRAGMA application_id = {APPLICATION_ID}'"
    ));
    steps.push(format!("$ qualify --db {new} doctor"));
    steps.push(format!(
        "when that says every table is there, quit qualify wherever it uses {file} and put \
         the copy in its place:"
    ));
    steps.push(move_aside_then(path, &format!("mv {new} {file}")));
    steps.push(format!("$ qualify --db {file} doctor"));
    steps.extend(restore(path));
    steps
}

/// The automatic pre-upgrade backups beside `path`, oldest version first.
pub fn backups_beside(path: &Path) -> Vec<PathBuf> {
    let Some(name) = path.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return Vec::new();
    };
    let prefix = format!("{name}.pre-v");
    let mut found: Vec<PathBuf> = std::fs::read_dir(files::folder_of(path))
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .filter(|e| {
                    let n = e.file_name().to_string_lossy().into_owned();
                    n.starts_with(&prefix) && n.ends_with(".bak")
                })
                .map(|e| e.path())
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found
}
