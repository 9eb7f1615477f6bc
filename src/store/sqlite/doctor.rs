//! `qualify doctor`: examine a database file without writing to it, and say
//! in plain words what is wrong and what to do. The only change it makes is
//! to the damage marker beside the file: removed when the file checks out,
//! written when it does not.

use super::look::{self, Look};
use super::recipes::{quoted, recovery, restore};
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

/// Examine the database at `path`.
pub fn examine(path: &Path) -> Examination {
    let exam = Examination::new(path);
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
    match look::open(path) {
        Ok(seen) => examine_through(exam, path, seen, empty),
        Err(e) => exam.unusable("file", format!("SQLite cannot open it: {e}"), Vec::new()),
    }
}

/// The checks, read through `seen`; when the file was read as it lay and a
/// writer came along meanwhile, they are made again through an ordinary
/// connection (the `-wal` is there now).
fn examine_through(mut exam: Examination, path: &Path, seen: Look, empty: bool) -> Examination {
    let again = |path: &Path| match safety::open_read_only(path) {
        Ok(conn) => examine_through(Examination::new(path), path, Look::plain(conn), empty),
        Err(e) => Examination::new(path).unusable(
            "file",
            format!("SQLite cannot open it: {e}"),
            Vec::new(),
        ),
    };
    let kind = match safety::classify(&seen.conn) {
        Ok(_) if !seen.still_true(path) => return again(path),
        Ok(kind) => Some(kind),
        Err(e) if look::needs_rollback(&e, path) => {
            drop(seen);
            return unfinished(exam, path);
        }
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
        Err(e) if !safety::is_damage(&e) => {
            drop(seen);
            return unread(exam, path, &e);
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
    let conn = &seen.conn;
    let version = ownership(&mut exam, conn, kind.as_ref(), empty);
    let (pages, keys_ok) = integrity(&mut exam, conn, path, version);
    journal(&mut exam, conn, path, empty);
    let true_still = seen.still_true(path);
    drop(seen);
    if !true_still {
        return again(path);
    }
    permissions(&mut exam, path);
    damage_marker(&mut exam, path, pages, keys_ok);
    exam
}

/// SQLite could not read the file without writing beside it (its folder is
/// read-only and it has a log to apply, say): nothing was checked, and
/// nothing is said to be damaged.
fn unread(mut exam: Examination, path: &Path, e: &rusqlite::Error) -> Examination {
    exam.problem(
        "file",
        format!("it could not be read, so it was not checked: {e}"),
        vec![format!(
            "see the folder and permission findings below, then run `qualify --db {} doctor` again",
            quoted(path)
        )],
    );
    permissions(&mut exam, path);
    exam
}

/// A rollback journal left by a writer stopped midway: the file is read as
/// that writer left it, only to tell whose it is. Nothing is written beside
/// it, and it is not called damaged.
fn unfinished(mut exam: Examination, path: &Path) -> Examination {
    let journal = quoted(&files::with_suffix(path, "-journal"));
    let header = look::header(path);
    let kind = safety::kind_untouched(path).ok();
    let foreign = match &kind {
        Some(Kind::Foreign(why)) => Some(why.clone()),
        Some(_) => None,
        None => header
            .filter(|h| h.application_id != 0 && h.application_id != APPLICATION_ID)
            .map(|h| {
                format!(
                    "it belongs to another program (application id {:#x})",
                    h.application_id
                )
            }),
    };
    if let Some(why) = foreign {
        return exam.unusable(
            "owner",
            format!(
                "it is not a qualify database ({why}), and its program stopped midway, leaving \
                 an unfinished transaction in {journal}; qualify will not touch either"
            ),
            vec![
                "open it with the program it belongs to, which finishes that transaction".into(),
                "use --db with the path of your qualify database".into(),
            ],
        );
    }
    if kind.is_none() {
        return exam.unusable(
            "file",
            format!(
                "a program stopped midway, leaving an unfinished transaction in {journal}, and \
                 the file cannot be read until that program opens it again"
            ),
            vec!["open it with the program that wrote it; use --db with the path of your qualify database".into()],
        );
    }
    exam.problem(
        "journal",
        format!(
            "a qualify stopped midway, leaving an unfinished transaction in {journal}; \
             it was not checked"
        ),
        vec![
            "qualify undoes that transaction the next time it opens the file; then check it again:"
                .into(),
            format!("$ qualify --db {} deal list", quoted(path)),
            format!("$ qualify --db {} doctor", quoted(path)),
        ],
    );
    permissions(&mut exam, path);
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
            let missing = look::missing_objects(conn, *version).unwrap_or_default();
            if !missing.is_empty() {
                exam.problem(
                    "schema",
                    format!(
                        "version {version}, but {}: qualify will not open it",
                        look::missing_text(&missing)
                    ),
                    std::iter::once(
                        "if it is a copy made by a recovery, the copy stopped early: make it \
                         again, into a new file, with the steps `qualify doctor` gives for the \
                         damaged file"
                            .to_string(),
                    )
                    .chain(restore(exam.path.as_path()))
                    .collect(),
                );
            } else if *version == latest {
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

/// `integrity_check` and `foreign_key_check`: whether the pages were found
/// sound (`None`: the check could not run, which is not damage), and
/// whether the keys passed.
fn integrity(
    exam: &mut Examination,
    conn: &Connection,
    path: &Path,
    version: Option<usize>,
) -> (Option<bool>, bool) {
    let rows = conn
        .prepare("PRAGMA integrity_check(20)")
        .and_then(|mut stmt| {
            stmt.query_map([], |r| r.get::<_, String>(0))?
                .collect::<rusqlite::Result<Vec<_>>>()
        });
    let integrity_ok = match rows {
        Ok(rows) if rows == ["ok"] => {
            exam.ok("integrity", "every page and index checks out");
            Some(true)
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
            Some(false)
        }
        Err(e) if safety::is_damage(&e) => {
            exam.problem(
                "integrity",
                format!("the file is damaged: {e}"),
                recovery(path, version),
            );
            Some(false)
        }
        Err(e) => {
            exam.problem(
                "integrity",
                format!("the check could not run, so nothing is known of damage: {e}"),
                Vec::new(),
            );
            None
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
            let fix = if integrity_ok == Some(true) && safety::is_damage(&e) {
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

fn journal(exam: &mut Examination, conn: &Connection, path: &Path, empty: bool) {
    // a file read as it lies reports no WAL: its header says
    let mode = match look::header(path) {
        Some(header) if header.wal => Ok("wal".to_string()),
        _ => conn.query_row("PRAGMA journal_mode", [], |r| r.get::<_, String>(0)),
    };
    match mode {
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
/// when its pages were found damaged (never when they could not be checked).
fn damage_marker(exam: &mut Examination, path: &Path, pages: Option<bool>, keys_ok: bool) {
    let marked = safety::damage_noted(path).is_some();
    let marker = safety::damage_marker(path);
    match pages {
        Some(true) if keys_ok && marked => match safety::clear_damage(path) {
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
        Some(false) => {
            let remembered = if marked {
                Ok(())
            } else {
                let failed = exam
                    .findings
                    .iter()
                    .find(|f| !f.ok && f.topic == "integrity")
                    .map_or("it failed the checks", |f| f.text.as_str())
                    .to_string();
                safety::remember_damage(path, &failed)
            };
            match remembered {
                Ok(()) => exam.ok(
                    "damage",
                    format!("remembered in {} until this check passes", quoted(&marker)),
                ),
                Err(e) => exam.problem(
                    "damage",
                    format!("could not be remembered in {}: {e}", quoted(&marker)),
                    Vec::new(),
                ),
            }
        }
        _ => {}
    }
}
