//! The commands over the team's whole pipeline rather than one deal:
//! `metrics`, `demo` (filling a new database) and `battlecard` (the notes
//! kept for a competitor across deals).

use super::print;
use crate::config::Failure;
use crate::ops::{self, Session, views};
use crate::text::clean;
use chrono::NaiveDate;
use std::io::Write;

/// `metrics`: the procedure's metrics over `from`..`to` (default: the last
/// 90 days up to today), for the team or one owner.
pub fn metrics(
    json: bool,
    owner: Option<&str>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    s: &Session,
    out: &mut impl Write,
) -> Result<u8, Failure> {
    let range = views::metrics_range(s, from, to);
    if range.from > range.to {
        return Err(Failure::usage(format!(
            "--from {} is after --to {}: give the first day, then the last",
            range.from, range.to
        )));
    }
    let (metrics, _) = ops::metrics(s, owner, range)?;
    // the dashboard's forecast: the open deals now, and the closed apart
    let query = views::forecast_query(s, owner);
    let open = views::list_totals(s, &query)?;
    let closed = views::outcome_totals(s, &query)?;
    if json {
        let json = print::metrics_json(&metrics, owner, &open, &closed);
        writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&json).expect("JSON")
        )
    } else {
        write!(
            out,
            "{}",
            print::metrics_text(&metrics, owner, &open, &closed)
        )
    }
    .map_err(print::write_failure)?;
    Ok(0)
}

/// `demo`: fill a new, empty database with `deals` demo deals made from
/// `seed`, saying how far it got when it takes a while.
pub fn demo(deals: u64, seed: u64, s: &mut Session, out: &mut impl Write) -> Result<u8, Failure> {
    let started = std::time::Instant::now();
    let n = deals as usize;
    let made = ops::demo(s, n, seed, |written| {
        if written < n && started.elapsed() > std::time::Duration::from_secs(2) {
            eprintln!(
                "qualify: {written} of {} written",
                crate::text::plural(n, "deal", "deals")
            );
        }
    })?;
    let parts: Vec<String> = made
        .by_category
        .iter()
        .map(|(category, count)| format!("{count} {}", category.label()))
        .collect();
    writeln!(
        out,
        "made {} (seed {seed}): {}",
        crate::text::plural(made.deals, "demo deal", "demo deals"),
        parts.join(", ")
    )
    .map_err(print::write_failure)?;
    Ok(0)
}

/// `battlecard`: set the competitor's notes when told to, then print them.
pub fn battle_card(
    competitor: &str,
    set: Option<&str>,
    s: &mut Session,
    out: &mut impl Write,
) -> Result<u8, Failure> {
    if let Some(notes) = set {
        ops::set_battle_card(s, competitor, notes, None)?;
    }
    match views::battle_card(s, competitor)? {
        Some(card) => writeln!(out, "{}", crate::text::sanitize(&card.notes, true))
            .map_err(print::write_failure)?,
        None => {
            return Err(Failure::usage(format!(
                "no battle card for {:?} yet (set one with --set TEXT)",
                clean(competitor)
            )));
        }
    }
    Ok(0)
}
