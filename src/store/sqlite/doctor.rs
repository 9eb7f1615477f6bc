//! `qualify doctor`: examine a database file without writing to it, and say
//! in plain words what is wrong and what to do. The only change it makes is
//! to the damage marker beside the file: removed when the file checks out,
//! written when it does not.

use super::safety::{self, APPLICATION_ID, Kind};
use super::schema::latest_version;
use crate::store::files;
use rusqlite::Connection;
use std::path::{Path, PathBuf};

/// One thing looked at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub topic: &'static str,
    /// False when this is a problem to act on.
    pub ok: bool,
    pub text: String,
    /// What to do about it, one step a line.
    pub fix: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Everything checks out.
    Healthy,
    /// qualify's file, with problems listed with their fixes.
    Problems,
    /// Not a file qualify can examine or use (missing, not SQLite, another program's).
    Unusable,
}

#[derive(Debug, Clone)]
pub struct Examination {
    pub path: PathBuf,
    pub findings: Vec<Finding>,
    pub verdict: Verdict,
}

impl Examination {
    fn new(path: &Path) -> Examination {
        Examination {
            path: path.to_path_buf(),
            findings: Vec::new(),
            verdict: Verdict::Healthy,
        }
    }

    fn ok(&mut self, topic: &'static str, text: impl Into<String>) {
        self.findings.push(Finding {
            topic,
            ok: true,
            text: text.into(),
            fix: Vec::new(),
        });
    }

    fn problem(&mut self, topic: &'static str, text: impl Into<String>, fix: Vec<String>) {
        self.findings.push(Finding {
            topic,
            ok: false,
            text: text.into(),
            fix,
        });
        if self.verdict == Verdict::Healthy {
            self.verdict = Verdict::Problems;
        }
    }

    fn unusable(mut self, topic: &'static str, text: impl Into<String>, fix: Vec<String>) -> Self {
        self.problem(topic, text, fix);
        self.verdict = Verdict::Unusable;
        self
    }

    pub fn problems(&self) -> usize {
        self.findings.iter().filter(|f| !f.ok).count()
    }
}

fn quoted(path: &Path) -> String {
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

/// Examine the database at `path`.
pub fn examine(path: &Path) -> Examination {
    let mut exam = Examination::new(path);
    match safety::check_path(path, false) {
        Ok(true) => {}
        Ok(false) => {
            return exam.unusable(
                "file",
                "there is no database here",
                vec![
                    "check the path; qualify creates the file on the first command that saves something".into(),
                ],
            );
        }
        Err(e) => {
            let reason = match e {
                crate::store::error::StoreError::Open { reason, .. } => reason,
                other => other.to_string(),
            };
            return exam.unusable("file", reason, Vec::new());
        }
    }
    let empty = std::fs::metadata(path).is_ok_and(|m| m.len() == 0);
    let conn = match safety::open_read_only(path) {
        Ok(conn) => conn,
        Err(e) => {
            return exam.unusable("file", format!("SQLite cannot open it: {e}"), Vec::new());
        }
    };
    let kind = match safety::classify(&conn) {
        Ok(kind) => Some(kind),
        Err(e)
            if e.sqlite_error_code() == Some(rusqlite::ErrorCode::NotADatabase)
                && !damaged_before(path) =>
        {
            return exam.unusable(
                "file",
                "it is not a SQLite database",
                vec![format!(
                    "use --db with the path of your qualify database, not {}",
                    quoted(path)
                )],
            );
        }
        Err(_) => None,
    };
    if let Some(Kind::Foreign(why)) = &kind {
        return exam.unusable(
            "owner",
            format!("it is not a qualify database ({why}); qualify will not touch it"),
            vec!["use --db with another path".into()],
        );
    }
    let version = ownership(&mut exam, &conn, kind.as_ref(), empty);
    let (pages_ok, keys_ok) = integrity(&mut exam, &conn, path, version);
    journal(&mut exam, &conn, empty);
    permissions(&mut exam, path);
    drop(conn);
    damage_marker(&mut exam, path, pages_ok, keys_ok);
    exam
}

fn damaged_before(path: &Path) -> bool {
    safety::damage_noted(path).is_some()
}

/// Schema version and application id; the schema version found, if read.
fn ownership(
    exam: &mut Examination,
    conn: &Connection,
    kind: Option<&Kind>,
    empty: bool,
) -> Option<usize> {
    let latest = latest_version();
    match kind {
        None => {
            exam.problem(
                "schema",
                "its schema cannot be read",
                vec!["see the integrity check below".into()],
            );
            None
        }
        Some(Kind::Empty) => {
            exam.ok(
                "schema",
                if empty {
                    "an empty file: qualify sets it up the first time it saves something"
                } else {
                    "no tables yet: qualify sets it up the first time it saves something"
                },
            );
            Some(0)
        }
        Some(Kind::Newer { version }) => {
            exam.problem(
                "schema",
                format!(
                    "version {version}, written by a newer qualify (this one knows up to {latest}); \
                     this qualify will not open it"
                ),
                vec!["upgrade qualify".into()],
            );
            Some(*version)
        }
        Some(Kind::Ours { version, marked }) => {
            if *version == latest {
                exam.ok("schema", format!("version {version}, this qualify's"));
            } else {
                exam.ok(
                    "schema",
                    format!(
                        "version {version}, older than this qualify's {latest}: it is upgraded the \
                         next time qualify opens it, after a backup beside it"
                    ),
                );
            }
            let app: i32 = conn
                .query_row("PRAGMA application_id", [], |r| r.get(0))
                .unwrap_or(0);
            if *marked {
                exam.ok(
                    "owner",
                    format!("marked as a qualify database (application id {app:#x})"),
                );
            } else {
                exam.ok(
                    "owner",
                    format!(
                        "a qualify database from before the mark (application id {APPLICATION_ID:#x}); \
                         it is marked the next time qualify opens it"
                    ),
                );
            }
            Some(*version)
        }
        Some(Kind::Foreign(_)) => None,
    }
}

/// `integrity_check` and `foreign_key_check`: whether each passed.
fn integrity(
    exam: &mut Examination,
    conn: &Connection,
    path: &Path,
    version: Option<usize>,
) -> (bool, bool) {
    let rows = conn
        .prepare("PRAGMA integrity_check(20)")
        .and_then(|mut stmt| {
            stmt.query_map([], |r| r.get::<_, String>(0))?
                .collect::<rusqlite::Result<Vec<_>>>()
        });
    let integrity_ok = match rows {
        Ok(rows) if rows == ["ok"] => {
            exam.ok("integrity", "every page and index checks out");
            true
        }
        Ok(rows) => {
            let first = crate::text::clean(rows.first().map_or("", String::as_str));
            let more = match rows.len() {
                0 | 1 => String::new(),
                n => format!(" (and {} more)", n - 1),
            };
            exam.problem(
                "integrity",
                format!("the file is damaged: {first}{more}"),
                recovery(path, version),
            );
            false
        }
        Err(e) => {
            exam.problem(
                "integrity",
                format!("the file is damaged: {e}"),
                recovery(path, version),
            );
            false
        }
    };
    let orphans = conn
        .prepare("PRAGMA foreign_key_check")
        .and_then(|mut stmt| {
            stmt.query_map([], |r| r.get::<_, String>(0))?
                .collect::<rusqlite::Result<Vec<_>>>()
        });
    let keys_ok = match orphans {
        Ok(rows) if rows.is_empty() => {
            exam.ok("foreign keys", "every row belongs to a deal that exists");
            true
        }
        Ok(rows) => {
            let mut tables: Vec<String> = rows.iter().map(|t| crate::text::clean(t)).collect();
            tables.dedup();
            exam.problem(
                "foreign keys",
                format!(
                    "{} row{} in {} belong to deals that no longer exist (changed outside qualify?)",
                    rows.len(),
                    if rows.len() == 1 { "" } else { "s" },
                    tables.join(", ")
                ),
                recovery(path, version),
            );
            false
        }
        Err(e) => {
            // a damaged file: the integrity finding above says what to do
            let fix = if integrity_ok {
                recovery(path, version)
            } else {
                Vec::new()
            };
            exam.problem("foreign keys", format!("the check could not run: {e}"), fix);
            false
        }
    };
    (integrity_ok, keys_ok)
}

/// How to get the rows back: SQLite's own recovery into a new file, or a backup.
fn recovery(path: &Path, version: Option<usize>) -> Vec<String> {
    let file = quoted(path);
    let new = quoted(&files::with_suffix(path, ".recovered"));
    let version = version.filter(|v| *v > 0).unwrap_or(latest_version());
    let mut steps = vec![
        "qualify writes nothing to it until this check passes; reading may still work".into(),
        format!(
            "copy what can be read into a new file: sqlite3 {file} .recover | sqlite3 {new} \
             (if .recover fails, use .dump in its place)"
        ),
        format!(
            "mark the copy as qualify's: sqlite3 {new} 'PRAGMA user_version = {version}; \
             PRAGMA application_id = {APPLICATION_ID}'"
        ),
        format!("check the copy: qualify --db {new} doctor"),
        format!("then move {file} aside and rename the copy to its name"),
    ];
    let backups = backups_beside(path);
    if backups.is_empty() {
        steps.push(format!(
            "or restore a backup you made with `qualify backup`: cp BACKUP {file}"
        ));
    } else {
        let list: Vec<String> = backups.iter().map(|b| quoted(b)).collect();
        steps.push(format!(
            "or restore a backup (changes since it was made are lost): cp {} {file} \
             (backups found: {})",
            list[list.len() - 1],
            list.join(", ")
        ));
    }
    steps
}

/// The automatic pre-upgrade backups beside `path`, oldest version first.
fn backups_beside(path: &Path) -> Vec<PathBuf> {
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

fn journal(exam: &mut Examination, conn: &Connection, empty: bool) {
    match conn.query_row("PRAGMA journal_mode", [], |r| r.get::<_, String>(0)) {
        Ok(mode) if mode.eq_ignore_ascii_case("wal") => {
            exam.ok("journal", "write-ahead log (WAL), as qualify sets it")
        }
        Ok(mode) if empty => exam.ok(
            "journal",
            format!("{mode}; qualify switches it to WAL when it sets the file up"),
        ),
        Ok(mode) => exam.ok(
            "journal",
            format!("{mode}; qualify switches it to WAL the next time it opens it"),
        ),
        Err(e) => exam.problem("journal", format!("cannot be read: {e}"), Vec::new()),
    }
}

fn permissions(exam: &mut Examination, path: &Path) {
    for (label, file) in [
        ("file", path.to_path_buf()),
        ("-wal", files::with_suffix(path, "-wal")),
        ("-shm", files::with_suffix(path, "-shm")),
    ] {
        let Some(mode) = files::mode(&file) else {
            continue;
        };
        let name = if label == "file" {
            "the file".to_string()
        } else {
            format!("its {label} file")
        };
        if mode & 0o077 != 0 {
            exam.problem(
                "permissions",
                format!("{name} is {mode:04o}: other users can read customer data"),
                vec![format!(
                    "chmod 600 {} (qualify also tightens it the next time it opens the file)",
                    quoted(&file)
                )],
            );
        } else if mode & 0o200 == 0 {
            exam.problem(
                "permissions",
                format!("{name} is {mode:04o}: read-only, so qualify will not open it"),
                vec![format!("chmod 600 {}", quoted(&file))],
            );
        } else {
            exam.ok("permissions", format!("{name} is {mode:04o}, yours alone"));
        }
    }
    let folder = files::folder_of(path);
    let Some(mode) = files::mode(folder) else {
        return;
    };
    let ours = crate::paths::default_db()
        .is_some_and(|db| files::folder_of(&db) == folder || db.parent() == Some(folder));
    let shared_writable = mode & 0o002 != 0 && mode & 0o1000 == 0;
    if shared_writable || (ours && mode & 0o077 != 0) {
        exam.problem(
            "folder",
            format!(
                "{} is {mode:04o}: other users can {} files there",
                quoted(folder),
                if shared_writable { "replace" } else { "list" }
            ),
            vec![format!("chmod 700 {}", quoted(folder))],
        );
    } else if !files::writable(folder) {
        exam.problem(
            "folder",
            format!(
                "{} is read-only ({mode:04o}): qualify keeps its journal beside the database",
                quoted(folder)
            ),
            vec![format!("chmod u+w {}", quoted(folder))],
        );
    } else {
        exam.ok("folder", format!("{} is {mode:04o}", quoted(folder)));
    }
}

/// The marker beside the file: removed when the file checks out, written
/// when its pages do not.
fn damage_marker(exam: &mut Examination, path: &Path, pages_ok: bool, keys_ok: bool) {
    let marked = safety::damage_noted(path).is_some();
    let marker = safety::damage_marker(path);
    if !marked && pages_ok {
        return;
    }
    match (pages_ok && keys_ok, marked) {
        (true, true) => match safety::clear_damage(path) {
            Ok(_) => exam.ok(
                "damage",
                "it was marked damaged earlier and now checks out: the mark is removed, \
                 qualify writes to it again",
            ),
            Err(e) => exam.problem(
                "damage",
                format!("it checks out, but the damage mark could not be removed: {e}"),
                vec![format!("rm {}", quoted(&marker))],
            ),
        },
        (false, _) => {
            if !marked {
                let failed = exam
                    .findings
                    .iter()
                    .find(|f| !f.ok && f.topic == "integrity")
                    .map_or("it failed the checks", |f| f.text.as_str())
                    .to_string();
                safety::note_damage(path, &failed);
            }
            exam.ok(
                "damage",
                format!("remembered in {} until this check passes", quoted(&marker)),
            );
        }
        (true, false) => {}
    }
}
