//! Looking after the database file itself, beside any session: `doctor`
//! examines it and `backup` copies it. Both read it through their own
//! read-only connection, never through a session's store, so that they work
//! on a damaged file and never write to it.

use crate::failure::Failure;
use crate::files;
use crate::store::safety;
use crate::text::clean;
use std::path::Path;

pub use crate::store::doctor::{Examination, Finding, Verdict};

/// What is wrong with the database at `path`, if anything, and what to do.
pub fn examine(path: &Path) -> Examination {
    crate::store::doctor::examine(path)
}

/// Write a consistent copy of the database at `path` to `target` (0600),
/// checked, by temporary file and rename; a file at `target` is replaced
/// only when `replace`.
pub fn backup(path: &Path, target: &Path, replace: bool) -> Result<(), Failure> {
    let shown = |p: &Path| clean(&p.display().to_string());
    if !safety::check_path(path, false)? {
        return Err(Failure::usage(format!(
            "there is no database at {} to back up",
            shown(path)
        )));
    }
    let folder = files::folder_of(target);
    if !folder.is_dir() {
        return Err(Failure::usage(format!(
            "cannot write the backup {}: the folder {} does not exist",
            shown(target),
            shown(folder)
        )));
    }
    if std::fs::canonicalize(target).ok() == std::fs::canonicalize(path).ok() && target.exists() {
        return Err(Failure::usage(format!(
            "the backup {} would replace the database itself; give another path",
            shown(target)
        )));
    }
    super::transfer::check_replace(target, replace)?;
    // another program's file is refused before SQLite opens it as a source
    // (which would leave a -wal and -shm beside it)
    if let Ok(safety::Kind::Foreign(why)) = safety::kind_untouched(path) {
        return Err(Failure::usage(format!(
            "{} is not a qualify database ({why}); use --db with the path of yours",
            shown(path)
        )));
    }
    let conn = safety::open_read_only(path).map_err(|e| safety::explain(e, path))?;
    let kind = safety::classify(&conn).map_err(|e| safety::explain(e, path))?;
    if let safety::Kind::Foreign(why) = &kind {
        return Err(Failure::usage(format!(
            "{} is not a qualify database ({why}); use --db with the path of yours",
            shown(path)
        )));
    }
    if let safety::Kind::Newer { .. } = &kind
        && let Some(why) = safety::refusal(&kind)
    {
        return Err(Failure::usage(format!(
            "cannot back up {}: {why}",
            shown(path)
        )));
    }
    crate::store::backup_read(&conn, target).map_err(|e| {
        let next = match &e {
            safety::BackupError::Sql(err) if safety::is_damage(err) => {
                format!(
                    " — the database is damaged: run `qualify --db {} doctor`",
                    shown(path)
                )
            }
            safety::BackupError::Damaged(_) => {
                format!(" — run `qualify --db {} doctor`", shown(path))
            }
            _ => String::new(),
        };
        Failure::usage(format!(
            "cannot back up {} to {}: {e}{next}",
            shown(path),
            shown(target)
        ))
    })
}
