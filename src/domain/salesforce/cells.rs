//! One cell of a Salesforce file: how a date, a checkbox, an amount or a
//! percentage is read (saying what is accepted when it cannot be), and how
//! a text cell is written so that a spreadsheet never runs it as a formula.

use super::super::dates::{date_in_range, parse_date as typed_date};
use super::super::money::Money;
use chrono::{DateTime, NaiveDate};
use std::fmt;

/// A cell that could not be read: its column as the file names it, the
/// value, and what is accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellError {
    pub column: String,
    pub message: String,
}

impl fmt::Display for CellError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.column, self.message)
    }
}

/// Why a cell holding a control character is refused, or `None` when it
/// holds none: a tab is accepted in any cell, a line break (LF or CR) only
/// where `lines` (a long text, such as Next Step); anything else (escape,
/// NUL, a line break in a one-line cell …) is not.
pub fn control_char(text: &str, lines: bool) -> Option<String> {
    let c = text
        .chars()
        .find(|&c| c.is_control() && c != '\t' && !(lines && matches!(c, '\n' | '\r')))?;
    if c == '\0' {
        return Some(super::super::bounds::NUL_REFUSED.into());
    }
    let accepted = if lines {
        "tabs and line breaks are"
    } else {
        "tabs are, line breaks only in Next Step and Loss Reason"
    };
    Some(format!(
        "contains a control character (U+{:04X}), which is not accepted ({accepted})",
        c as u32
    ))
}

const SF_DATE_FORM: &str = "use YYYY-MM-DD, M/D/YYYY or MM/DD/YY between 1900 and 2200";

/// A date as Salesforce exports write it: `2027-03-31`, `3/31/2027`,
/// `03/31/27` (US order; two-digit years 69-99 are 19xx, 00-68 20xx), or
/// a datetime `2024-07-11T21:22:07.000+0000` (its date). Empty is none.
pub fn parse_date(text: &str) -> Result<Option<NaiveDate>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let bad = || {
        format!(
            "not a date: {:?} ({SF_DATE_FORM})",
            crate::text::clean(crate::text::head(t, 40))
        )
    };
    let date = if t.contains('/') {
        let parts: Vec<&str> = t.split('/').collect();
        let [m, d, y] = parts[..] else {
            return Err(bad());
        };
        let digits = |s: &str, lens: &[usize]| {
            lens.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
        };
        if !digits(m, &[1, 2]) || !digits(d, &[1, 2]) || !digits(y, &[2, 4]) {
            return Err(bad());
        }
        let (m, d, mut y): (u32, u32, i32) = (
            m.parse().map_err(|_| bad())?,
            d.parse().map_err(|_| bad())?,
            y.parse().map_err(|_| bad())?,
        );
        if y < 100 {
            y += if y >= 69 { 1900 } else { 2000 };
        }
        NaiveDate::from_ymd_opt(y, m, d).ok_or_else(bad)?
    } else if t.len() > 10 && t.as_bytes().get(10) == Some(&b'T') {
        let parsed = ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%dT%H:%M:%S%.f%:z"]
            .iter()
            .find_map(|f| DateTime::parse_from_str(t, f).ok())
            .or_else(|| {
                t.strip_suffix('Z').and_then(|n| {
                    chrono::NaiveDateTime::parse_from_str(n, "%Y-%m-%dT%H:%M:%S%.f")
                        .ok()
                        .map(|n| n.and_utc().fixed_offset())
                })
            });
        parsed.ok_or_else(bad)?.date_naive()
    } else {
        typed_date(t).map_err(|_| bad())?
    };
    if date_in_range(date) {
        Ok(Some(date))
    } else {
        Err(bad())
    }
}

/// A checkbox: `TRUE`/`FALSE`, `true`/`false`, `1`/`0`; empty is none.
pub fn parse_bool(text: &str) -> Result<Option<bool>, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "" => Ok(None),
        "true" | "1" => Ok(Some(true)),
        "false" | "0" => Ok(Some(false)),
        _ => Err(format!(
            "not a checkbox value: {:?} (use TRUE, FALSE, 1, 0 or leave it empty)",
            crate::text::clean(crate::text::head(text, 40))
        )),
    }
}

/// An amount: `420000.50`, `$1,250,000.00`, `USD 1,250,000.00`; empty is none.
pub fn parse_amount(text: &str) -> Result<Option<Money>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let t = t.strip_prefix("USD").map_or(t, str::trim_start);
    Money::parse(t).map(Some).map_err(|_| {
        format!(
            "not an amount: {:?} (use 420000.50 or $1,250,000.00)",
            crate::text::clean(crate::text::head(text, 40))
        )
    })
}

/// A percentage 0-100 (`75`, `75%`, `75.0`), rounded; empty is none.
pub fn parse_percent(text: &str) -> Result<Option<u8>, String> {
    let t = text.trim().trim_end_matches('%').trim();
    if t.is_empty() {
        return Ok(None);
    }
    t.parse::<f64>()
        .ok()
        .filter(|p| (0.0..=100.0).contains(p))
        .map(|p| Some(p.round() as u8))
        .ok_or_else(|| {
            format!(
                "not a percentage: {:?} (use 0 to 100)",
                crate::text::clean(crate::text::head(text, 40))
            )
        })
}

/// A cell as written by a spreadsheet-safe export: a leading `'` that
/// neutralised a formula character is taken away again.
pub(super) fn unneutralized(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_STARTS) => rest,
        _ => cell,
    }
}

/// The characters a spreadsheet reads as the start of a formula.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A text cell a spreadsheet will show as text (OWASP's CSV injection
/// advice): one starting with `=`, `+`, `-`, `@`, a tab or a carriage
/// return gets a leading `'`. Control characters other than line breaks and
/// tabs are replaced, so the file is safe to print too.
pub fn safe_cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 1);
    if text.starts_with(FORMULA_STARTS) {
        out.push('\'');
    }
    for c in text.chars() {
        match c {
            '\n' | '\t' => out.push(c),
            '\r' => {}
            c if c.is_control()
                || matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}') =>
            {
                out.push('\u{FFFD}')
            }
            c => out.push(c),
        }
    }
    out
}

/// `text` cut to `max` characters, and whether it was cut.
pub fn cut(text: &str, max: usize) -> (String, bool) {
    match text.char_indices().nth(max) {
        Some((end, _)) => (text[..end].to_string(), true),
        None => (text.to_string(), false),
    }
}

/// An amount as a plain number: `300000`, `300000.5`.
pub fn number(m: Money) -> String {
    let cents = m.cents();
    if cents % 100 == 0 {
        (cents / 100).to_string()
    } else {
        format!("{}.{:02}", cents / 100, cents % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, day)
    }

    #[test]
    fn dates_in_every_style_salesforce_writes() {
        assert_eq!(parse_date("2027-03-31"), Ok(d(2027, 3, 31)));
        assert_eq!(parse_date("3/31/2027"), Ok(d(2027, 3, 31)));
        assert_eq!(parse_date("03/31/27"), Ok(d(2027, 3, 31)));
        assert_eq!(parse_date("12/01/99"), Ok(d(1999, 12, 1)));
        assert_eq!(
            parse_date("2024-07-11T21:22:07.000+0000"),
            Ok(d(2024, 7, 11))
        );
        assert_eq!(parse_date("2024-07-11T21:22:07Z"), Ok(d(2024, 7, 11)));
        assert_eq!(parse_date(" "), Ok(None));
        for bad in [
            "2/30/2024",
            "31/12/2024",
            "2024-02-30",
            "1/1/1800",
            "soon",
            "1/2",
            "1/2/3/4",
            "+1/2/2024",
        ] {
            let e = parse_date(bad).unwrap_err();
            assert!(e.contains("M/D/YYYY"), "{bad}: {e}");
        }
    }

    #[test]
    fn booleans_amounts_and_percentages() {
        for (t, v) in [
            ("TRUE", Some(true)),
            ("false", Some(false)),
            ("1", Some(true)),
            ("0", Some(false)),
            ("", None),
        ] {
            assert_eq!(parse_bool(t), Ok(v));
        }
        assert!(parse_bool("yes please").is_err());
        assert_eq!(
            parse_amount("420000.50"),
            Ok(Some(Money::from_cents(42_000_050)))
        );
        assert_eq!(
            parse_amount("$1,250,000.00"),
            Ok(Some(Money::from_dollars(1_250_000)))
        );
        assert_eq!(
            parse_amount("USD 1,000"),
            Ok(Some(Money::from_dollars(1_000)))
        );
        assert_eq!(parse_amount(""), Ok(None));
        assert!(parse_amount("lots").unwrap_err().contains("not an amount"));
        assert!(parse_amount("-5").is_err());
        assert_eq!(parse_percent("75%"), Ok(Some(75)));
        assert_eq!(parse_percent("12.6"), Ok(Some(13)));
        assert!(parse_percent("120").is_err());
    }

    #[test]
    fn formula_cells_are_neutralised_and_numbers_are_not() {
        assert_eq!(
            safe_cell("=HYPERLINK(\"http://x\",\"y\")"),
            "'=HYPERLINK(\"http://x\",\"y\")"
        );
        for c in ["+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert!(safe_cell(c).starts_with('\''), "{c:?}");
        }
        assert_eq!(safe_cell("Acme\u{1b}[2J"), "Acme\u{FFFD}[2J");
        assert_eq!(safe_cell("a\nb"), "a\nb");
        assert_eq!(number(Money::from_cents(30_000_050)), "300000.50");
        assert_eq!(number(Money::from_dollars(7)), "7");
        assert_eq!(unneutralized("'=1+1"), "=1+1");
        assert_eq!(unneutralized("'quoted"), "'quoted");
        assert_eq!(cut("héllo", 2), ("hé".to_string(), true));
    }
}
