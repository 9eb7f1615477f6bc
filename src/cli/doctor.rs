//! `qualify doctor` and `qualify backup`: they read the database through
//! their own read-only connection, never through [`Store::open`], so that
//! they work on a damaged file and never write to it.
//!
//! [`Store::open`]: crate::store::Store::open

use super::args::Cli;
use crate::config::Failure;
use crate::store::doctor::{self, Verdict};
use crate::store::{files, safety};
use crate::text::clean;
use std::fmt::Write as _;
use std::path::Path;

/// Examine the database; exit 0 when healthy, 1 when problems were found,
/// 2 when the file is not one qualify can use.
pub fn doctor(cli: &Cli) -> Result<u8, Failure> {
    let path = crate::config::db_path(&cli.options())?;
    let exam = doctor::examine(&path);
    let mut out = format!("qualify doctor: {}\n", clean(&path.display().to_string()));
    let width = exam
        .findings
        .iter()
        .map(|f| f.topic.len())
        .max()
        .unwrap_or(0);
    for finding in &exam.findings {
        let mark = if finding.ok { "ok" } else { "PROBLEM" };
        let _ = writeln!(
            out,
            "{mark:<7}  {:<width$}  {}",
            finding.topic,
            clean(&finding.text)
        );
        for step in &finding.fix {
            let _ = writeln!(out, "{:<7}  {:<width$}  → {}", "", "", clean(step));
        }
    }
    let n = exam.problems();
    let verdict = match exam.verdict {
        Verdict::Healthy => "healthy: nothing to do.".to_string(),
        Verdict::Problems => format!(
            "{n} problem{} found; see what to do above.",
            if n == 1 { "" } else { "s" }
        ),
        Verdict::Unusable => "qualify cannot use this file.".to_string(),
    };
    let _ = writeln!(out, "verdict: {verdict}");
    print!("{out}");
    Ok(match exam.verdict {
        Verdict::Healthy => 0,
        Verdict::Problems => 1,
        Verdict::Unusable => 2,
    })
}

/// Write a consistent copy of the database to `target` (0600).
pub fn backup(cli: &Cli, target: &Path) -> Result<u8, Failure> {
    let path = crate::config::db_path(&cli.options())?;
    let shown = |p: &Path| clean(&p.display().to_string());
    if !safety::check_path(&path, false)? {
        return Err(Failure::usage(format!(
            "there is no database at {} to back up",
            shown(&path)
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
    if std::fs::canonicalize(target).ok() == std::fs::canonicalize(&path).ok() && target.exists() {
        return Err(Failure::usage(format!(
            "the backup {} would replace the database itself; give another path",
            shown(target)
        )));
    }
    let conn = safety::open_read_only(&path).map_err(|e| safety::explain(e, &path))?;
    let kind = safety::classify(&conn).map_err(|e| safety::explain(e, &path))?;
    if let safety::Kind::Foreign(why) = &kind {
        return Err(Failure::usage(format!(
            "{} is not a qualify database ({why}); use --db with the path of yours",
            shown(&path)
        )));
    }
    safety::backup(&conn, target).map_err(|e| {
        let next = match &e {
            safety::BackupError::Sql(err) if safety::is_damage(err) => {
                format!(
                    " — the database is damaged: run `qualify --db {} doctor`",
                    shown(&path)
                )
            }
            _ => String::new(),
        };
        Failure::usage(format!(
            "cannot back up {} to {}: {e}{next}",
            shown(&path),
            shown(target)
        ))
    })?;
    println!("{} backed up to {}", shown(&path), shown(target));
    Ok(0)
}
