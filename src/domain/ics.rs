//! An iCalendar (RFC 5545) file of what is coming up on deals: each deal's
//! close date, each open next step and each open decision-process
//! milestone, as an all-day event when it has a date and a to-do when it
//! has none (a deal without a close date has no close event). UIDs are
//! derived from
//! what the item is (the deal, the kind, the action or milestone and the day
//! it was set), so importing a newer export into a calendar updates the
//! items instead of duplicating them.

use super::deal::Deal;
use chrono::{DateTime, NaiveDate, Utc};

/// The calendar's opening lines.
pub fn begin() -> String {
    let mut out = String::new();
    for line in [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//qualify//deal export//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:qualify deals",
    ] {
        push_line(&mut out, line);
    }
    out
}

/// The calendar's closing line.
pub fn end() -> String {
    let mut out = String::new();
    push_line(&mut out, "END:VCALENDAR");
    out
}

/// The events and to-dos of one deal.
pub fn components(deal: &Deal, now: DateTime<Utc>) -> String {
    let mut out = String::new();
    let stamp = now.format("%Y%m%dT%H%M%SZ").to_string();
    let about = format!("{} · {}", deal.name, deal.account);
    if deal.close_date.is_some() {
        // one per deal: a moved close date moves the event
        let uid = format!("deal-{}-close@qualify", deal.id);
        let mut description = format!("Expected close of {about}");
        if let Some(amount) = deal.amount {
            description.push_str(&format!("\nAmount: {amount}"));
        }
        if !deal.stage.is_empty() {
            description.push_str(&format!("\nStage: {}", deal.stage));
        }
        if !deal.owner.is_empty() {
            description.push_str(&format!("\nOwner: {}", deal.owner));
        }
        item(
            &mut out,
            Item {
                uid: &uid,
                stamp: &stamp,
                summary: &format!("Close: {}", deal.name),
                description: &description,
                day: deal.close_date,
            },
        );
    }
    for step in deal.content.next_steps.iter().filter(|n| !n.done) {
        let uid = uid(
            deal,
            "next-step",
            &format!("{}|{}", step.set_on, step.action),
        );
        let mut description = format!("Next step on {about}");
        if !step.owner.is_empty() {
            description.push_str(&format!("\nOwner: {}", step.owner));
        }
        description.push_str(&format!("\nSet on {}", step.set_on));
        item(
            &mut out,
            Item {
                uid: &uid,
                stamp: &stamp,
                summary: &format!("{} — {}", step.action, deal.name),
                description: &description,
                day: step.due,
            },
        );
    }
    for m in deal.content.decision_process.iter().filter(|m| !m.done) {
        let uid = uid(deal, "milestone", &m.name);
        let mut description = format!("Buyer milestone ({}) on {about}", m.kind_label());
        if !m.owner.is_empty() {
            description.push_str(&format!("\nOwner: {}", m.owner));
        }
        item(
            &mut out,
            Item {
                uid: &uid,
                stamp: &stamp,
                summary: &format!("{} — {}", m.name, deal.name),
                description: &description,
                day: m.due,
            },
        );
    }
    out
}

struct Item<'a> {
    uid: &'a str,
    stamp: &'a str,
    summary: &'a str,
    description: &'a str,
    day: Option<NaiveDate>,
}

fn item(out: &mut String, item: Item<'_>) {
    let kind = if item.day.is_some() {
        "VEVENT"
    } else {
        "VTODO"
    };
    push_line(out, &format!("BEGIN:{kind}"));
    push_line(out, &format!("UID:{}", item.uid));
    push_line(out, &format!("DTSTAMP:{}", item.stamp));
    if let Some(day) = item.day {
        push_line(out, &format!("DTSTART;VALUE=DATE:{}", day.format("%Y%m%d")));
        let next = day.succ_opt().unwrap_or(day);
        push_line(out, &format!("DTEND;VALUE=DATE:{}", next.format("%Y%m%d")));
        push_line(out, "TRANSP:TRANSPARENT");
    } else {
        push_line(out, "STATUS:NEEDS-ACTION");
    }
    push_line(out, &format!("SUMMARY:{}", escape(item.summary)));
    push_line(out, &format!("DESCRIPTION:{}", escape(item.description)));
    push_line(out, "CATEGORIES:qualify");
    push_line(out, &format!("END:{kind}"));
}

impl super::content::Milestone {
    fn kind_label(&self) -> &'static str {
        use super::choices::Choice;
        self.kind.label()
    }
}

/// A UID that stays the same for the same item of the same deal.
fn uid(deal: &Deal, kind: &str, what: &str) -> String {
    format!(
        "deal-{}-{kind}-{:016x}@qualify",
        deal.id,
        fnv1a(what.trim().as_bytes())
    )
}

/// FNV-1a, 64 bits: a hash that is the same on every machine and release.
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// TEXT escaping (RFC 5545 3.3.11): backslash, semicolon, comma and line
/// breaks escaped; other control characters dropped.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\r' => out.push_str("\\n"),
            '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Append one content line, folded so that no line is longer than 75
/// octets (continuations start with a space; a character is never split),
/// ended by CRLF.
pub fn push_line(out: &mut String, line: &str) {
    let mut used = 0;
    for c in line.chars() {
        let len = c.len_utf8();
        if used + len > 75 {
            out.push_str("\r\n ");
            used = 1;
        }
        out.push(c);
        used += len;
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_fold_at_75_octets_without_splitting_characters() {
        let mut out = String::new();
        let line = format!("SUMMARY:{}", "日本語".repeat(30));
        push_line(&mut out, &line);
        for physical in out.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(physical.len() <= 75, "{} octets", physical.len());
        }
        let unfolded = out.trim_end_matches("\r\n").replace("\r\n ", "");
        assert_eq!(unfolded, line);
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(escape("a,b;c\\d\r\ne\nf\u{1b}"), "a\\,b\\;c\\\\d\\ne\\nf");
    }

    #[test]
    fn uids_are_stable() {
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }
}
