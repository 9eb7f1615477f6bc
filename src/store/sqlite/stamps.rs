//! How the store reads and writes instants and days: in the text
//! rusqlite's own conversions use (`2026-11-20 17:56:00+00:00`,
//! `2026-11-23`), but without parsing a format string for every value,
//! which whole-database reads and imports do millions of times.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::Row;
use rusqlite::types::{FromSql, FromSqlResult, ToSql, ToSqlOutput, ValueRef};

/// An instant as stored (`2026-11-20 17:56:00+00:00`), read with chrono's
/// RFC 3339 parser, which takes the space, instead of rusqlite's, which
/// reads its format string anew for every value: whole-database reads parse
/// a dozen of these per deal. Other forms fall back to rusqlite's reading.
pub(super) struct Instant(DateTime<Utc>);

impl FromSql for Instant {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        if let ValueRef::Text(bytes) = value
            && let Ok(text) = std::str::from_utf8(bytes)
            && let Ok(t) = DateTime::parse_from_rfc3339(text)
        {
            return Ok(Instant(t.with_timezone(&Utc)));
        }
        DateTime::<Utc>::column_result(value).map(Instant)
    }
}

/// A day as stored (`2026-11-23`), read as [`Instant`] is.
pub(super) struct Day(NaiveDate);

impl FromSql for Day {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        if let ValueRef::Text(bytes) = value
            && let Ok(text) = std::str::from_utf8(bytes)
            && let Some(d) = crate::domain::day_of(text)
        {
            return Ok(Day(d));
        }
        NaiveDate::column_result(value).map(Day)
    }
}

/// An instant to write, as rusqlite writes one (`%F %T%.f%:z`), from the
/// format's items read once rather than for every value.
pub(super) struct InstantText(pub(super) DateTime<Utc>);

impl ToSql for InstantText {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        use chrono::format::{Item, StrftimeItems};
        static ITEMS: std::sync::LazyLock<Vec<Item<'static>>> = std::sync::LazyLock::new(|| {
            StrftimeItems::new("%F %T%.f%:z")
                .parse_to_owned()
                .expect("a valid format")
        });
        Ok(ToSqlOutput::from(
            self.0.format_with_items(ITEMS.iter()).to_string(),
        ))
    }
}

/// An instant (or NULL) to write.
pub(super) fn instant_text(t: Option<DateTime<Utc>>) -> Option<InstantText> {
    t.map(InstantText)
}

/// A day (or NULL) to write, as rusqlite writes one (`%F`); chrono's
/// `Display` of a day is that form for the years qualify accepts.
pub(super) fn day_text(d: Option<NaiveDate>) -> Option<String> {
    d.map(|d| d.to_string())
}

/// Column `i` of `r` as an instant.
pub(super) fn instant(r: &Row<'_>, i: usize) -> rusqlite::Result<DateTime<Utc>> {
    r.get::<_, Instant>(i).map(|t| t.0)
}

/// Column `i` of `r` as an instant, or NULL.
pub(super) fn instant_or_null(r: &Row<'_>, i: usize) -> rusqlite::Result<Option<DateTime<Utc>>> {
    r.get::<_, Option<Instant>>(i).map(|t| t.map(|t| t.0))
}

/// Column `i` of `r` as a day, or NULL.
pub(super) fn day_or_null(r: &Row<'_>, i: usize) -> rusqlite::Result<Option<NaiveDate>> {
    r.get::<_, Option<Day>>(i).map(|d| d.map(|d| d.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn text(v: &dyn ToSql) -> String {
        match v.to_sql().unwrap() {
            ToSqlOutput::Owned(rusqlite::types::Value::Text(t)) => t,
            ToSqlOutput::Borrowed(ValueRef::Text(t)) => String::from_utf8(t.to_vec()).unwrap(),
            other => panic!("{other:?}"),
        }
    }

    /// Instants and days are written in exactly the text rusqlite's own
    /// conversions write, and read back as rusqlite reads them (the stored
    /// form every reader expects), including the forms only rusqlite reads.
    #[test]
    fn instants_and_days_are_written_and_read_as_rusqlite_does() {
        for nanos in [0, 5_000_000, 123_456_000, 123_456_789] {
            let t = Utc.with_ymd_and_hms(2026, 11, 20, 17, 56, 7).unwrap()
                + chrono::Duration::nanoseconds(nanos);
            let written = text(&InstantText(t));
            assert_eq!(written, text(&t), "{t:?}");
            let read = Instant::column_result(ValueRef::Text(written.as_bytes())).unwrap();
            assert_eq!(read.0, t);
        }
        for other in [
            "2026-11-20T17:56:07Z",
            "2026-11-20 17:56:07.5+02:00",
            "1795200000",
        ] {
            let value = if other.contains('-') {
                ValueRef::Text(other.as_bytes())
            } else {
                ValueRef::Integer(other.parse().unwrap())
            };
            assert_eq!(
                Instant::column_result(value).unwrap().0,
                DateTime::<Utc>::column_result(value).unwrap(),
                "{other}"
            );
        }
        for day in ["1900-01-01", "2026-02-28", "2200-12-31"] {
            let d: NaiveDate = day.parse().unwrap();
            let written = day_text(Some(d)).unwrap();
            assert_eq!(text(&written), text(&d));
            let read = Day::column_result(ValueRef::Text(written.as_bytes())).unwrap();
            assert_eq!(read.0, d);
        }
    }
}
