//! The past, read from the history: `deal show ID --on DATE` (the deal as
//! it stood), `deal trend ID` (its MEDDPICC scores over time) and `changes
//! --since DATE` (what changed across the pipeline).

use super::print;
use crate::config::Failure;
use crate::domain::changes::{Class, DealChanges, What};
use crate::domain::choices::Choice;
use crate::domain::deal::{Deal, DealId};
use crate::domain::money::Money;
use crate::ops::past::{self, Changes};
use crate::ops::views::DealAtNow;
use crate::ops::{Session, views};
use crate::text::{clean, plural};
use chrono::NaiveDate;
use serde_json::{Value, json};
use std::io::Write;

/// Deal `id` as it stood at the end of `day`: a day after today is
/// refused (there is nothing to rebuild yet).
pub fn deal_on(id: DealId, day: NaiveDate, s: &Session) -> Result<(Deal, DealAtNow), Failure> {
    let today = s.clock.today();
    if day > today {
        return Err(Failure::usage(format!(
            "--on {day} is after today ({today}): give a day up to today"
        )));
    }
    Ok(past::deal_on(s, id, day)?)
}

/// `deal trend ID`: the MEDDPICC total and each element over time.
pub fn trend(id: DealId, json: bool, s: &Session, out: &mut impl Write) -> Result<u8, Failure> {
    let name = views::deal(s, id)?.name;
    let points = past::trend(s, id)?;
    let written = if json {
        let rows: Vec<Value> = points
            .iter()
            .map(|p| {
                let scores: serde_json::Map<String, Value> = p
                    .scores
                    .iter()
                    .map(|(e, score)| (e.key().to_string(), json!(score)))
                    .collect();
                json!({"at": p.at.to_rfc3339(), "total": p.total, "max": p.max, "elements": scores})
            })
            .collect();
        let doc = json!({"id": id.0, "name": name, "points": rows});
        writeln!(out, "{}", serde_json::to_string_pretty(&doc).expect("JSON"))
    } else {
        let mut text = format!("Deal {id} {} · MEDDPICC over time\n", clean(&name));
        let letters = |p: &past::TrendPoint| {
            p.scores
                .iter()
                .map(|(e, _)| format!("{:>2}", &e.key()[..1].to_uppercase()))
                .collect::<String>()
        };
        if let Some(first) = points.first() {
            text.push_str(&format!(
                "{:<16}  {:>5} {}\n",
                "When",
                "Total",
                letters(first)
            ));
        }
        for p in &points {
            let scores: String = p
                .scores
                .iter()
                .map(|(_, s)| s.map_or(" -".into(), |s| format!("{s:>2}")))
                .collect();
            let at = s.clock.local(p.at).format("%Y-%m-%d %H:%M");
            text.push_str(&format!(
                "{at:<16}  {:>5} {scores}\n",
                format!("{}/{}", p.total, p.max)
            ));
        }
        write!(out, "{text}")
    };
    written.map_err(print::write_failure)?;
    Ok(0)
}

/// `changes --since DATE [--owner NAME]`.
pub fn changes(
    since: NaiveDate,
    owner: Option<&str>,
    json: bool,
    s: &Session,
    out: &mut impl Write,
) -> Result<u8, Failure> {
    if since > s.clock.today() {
        return Err(Failure::usage(format!(
            "--since {since} is after today ({}): give a day up to today",
            s.clock.today()
        )));
    }
    let changed = past::changes(s, since, owner)?;
    let written = if json {
        write_changes_json(&changed, since, s, out)
    } else {
        write!(out, "{}", changes_text(&changed, since, s))
    };
    written.map_err(print::write_failure)?;
    Ok(0)
}

fn amount(m: Option<Money>) -> Value {
    m.map_or(Value::Null, Money::to_json)
}

/// A value of a change as JSON: a number for an amount or a total, none
/// for nothing, else the key.
fn value(what: What, text: &str) -> Value {
    if text.is_empty() {
        return Value::Null;
    }
    match what {
        What::Amount | What::MeddpiccTotal => text
            .parse::<serde_json::Number>()
            .map_or_else(|_| json!(text), Value::Number),
        _ => json!(text),
    }
}

/// `changes --json`, written as it is made: the same text a value tree
/// printed pretty gives (each object's keys in alphabetical order), without
/// building the tree.
fn write_changes_json(
    changed: &Changes,
    since: NaiveDate,
    s: &Session,
    out: &mut impl Write,
) -> std::io::Result<()> {
    let doc = ChangesJson {
        as_of: s.clock.now().to_rfc3339(),
        deals: DealsJson(&changed.deals),
        since,
        totals: changed
            .totals
            .iter()
            .map(|t| TotalJson {
                amount: t.amount.to_json(),
                class: t.class.key(),
                deals: t.deals,
            })
            .collect(),
        unreadable: changed
            .unreadable
            .iter()
            .map(|(id, why)| UnreadableJson { id: id.0, why })
            .collect(),
    };
    let mut buffered = std::io::BufWriter::with_capacity(1 << 16, &mut *out);
    serde_json::to_writer_pretty(&mut buffered, &doc).map_err(std::io::Error::other)?;
    writeln!(buffered)?;
    buffered.flush()
}

#[derive(serde::Serialize)]
struct ChangesJson<'a> {
    as_of: String,
    deals: DealsJson<'a>,
    since: NaiveDate,
    totals: Vec<TotalJson>,
    unreadable: Vec<UnreadableJson<'a>>,
}

#[derive(serde::Serialize)]
struct TotalJson {
    amount: Value,
    class: String,
    deals: usize,
}

#[derive(serde::Serialize)]
struct UnreadableJson<'a> {
    id: i64,
    why: &'a str,
}

/// The deals, each made as it is written.
struct DealsJson<'a>(&'a [DealChanges]);

impl serde::Serialize for DealsJson<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(DealJson::of))
    }
}

#[derive(serde::Serialize)]
struct DealJson<'a> {
    amount: Value,
    changes: Vec<ChangeJson<'a>>,
    classes: Vec<String>,
    id: i64,
    name: &'a str,
    owner: &'a str,
}

#[derive(serde::Serialize)]
struct ChangeJson<'a> {
    after: Value,
    at: String,
    before: Value,
    classes: Vec<String>,
    field: &'static str,
    who: &'a str,
}

fn keys(classes: &[Class]) -> Vec<String> {
    classes.iter().map(|c| c.key()).collect()
}

impl<'a> DealJson<'a> {
    fn of(d: &'a DealChanges) -> Self {
        DealJson {
            amount: amount(d.amount),
            changes: d
                .changes
                .iter()
                .map(|c| ChangeJson {
                    after: value(c.what, &c.after),
                    at: c.at.to_rfc3339(),
                    before: value(c.what, &c.before),
                    classes: keys(&c.classes),
                    field: c.what.key(),
                    who: &c.who,
                })
                .collect(),
            classes: keys(&d.classes()),
            id: d.id.0,
            name: &d.name,
            owner: &d.owner,
        }
    }
}

/// A value of a change in words.
fn words(what: What, text: &str) -> String {
    if text.is_empty() {
        return "(none)".into();
    }
    match what {
        What::Amount => Money::parse(text).map_or_else(|_| text.into(), |m| m.to_string()),
        _ => clean(&text.replace('_', " ")),
    }
}

fn changes_text(changed: &Changes, since: NaiveDate, s: &Session) -> String {
    let mut text = format!(
        "Since {since}: {} changed\n",
        plural(changed.deals.len(), "deal", "deals")
    );
    for t in &changed.totals {
        text.push_str(&format!(
            "  {:<20} {:>10} {:>16}\n",
            t.class.label(),
            plural(t.deals, "deal", "deals"),
            t.amount.to_string()
        ));
    }
    for d in &changed.deals {
        text.push_str(&deal_text(d, s));
    }
    for (id, why) in &changed.unreadable {
        text.push_str(&format!("\nLeft out: deal {id}: {}\n", clean(why)));
    }
    text
}

fn deal_text(d: &DealChanges, s: &Session) -> String {
    let amount = d.amount.map_or("no amount".into(), |m| m.to_string());
    let mut text = format!(
        "\n#{} {} · {} · {amount}\n",
        d.id,
        clean(&d.name),
        clean(&d.owner)
    );
    for c in &d.changes {
        let classes: Vec<String> = c.classes.iter().map(|c| c.label().to_lowercase()).collect();
        let at = s.clock.local(c.at).format("%Y-%m-%d %H:%M");
        if c.what == What::Deal {
            text.push_str(&format!("  Created (new) · {}, {at}\n", clean(&c.who)));
            continue;
        }
        text.push_str(&format!(
            "  {}: {} → {} ({}) · {}, {at}\n",
            c.what.label(),
            words(c.what, &c.before),
            words(c.what, &c.after),
            classes.join(", "),
            clean(&c.who),
        ));
    }
    text
}
