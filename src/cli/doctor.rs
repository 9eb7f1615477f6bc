//! `qualify doctor` and `qualify backup`: print what [`upkeep`] finds and
//! does (it reads the file through its own read-only connection, so that
//! both work on a damaged file and never write to it).

use super::args::Cli;
use crate::config::Failure;
use crate::ops::upkeep::{self, Verdict};
use crate::text::clean;
use std::fmt::Write as _;
use std::path::Path;

/// Examine the database; exit 0 when healthy, 1 when problems were found,
/// 2 when the file is not one qualify can use.
pub fn doctor(cli: &Cli) -> Result<u8, Failure> {
    let path = crate::config::db_path(&cli.options())?;
    let exam = upkeep::examine(&path);
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
pub fn backup(cli: &Cli, target: &Path, force: bool) -> Result<u8, Failure> {
    let path = crate::config::db_path(&cli.options())?;
    upkeep::backup(&path, target, force)?;
    let shown = |p: &Path| clean(&p.display().to_string());
    println!("{} backed up to {}", shown(&path), shown(target));
    Ok(0)
}
