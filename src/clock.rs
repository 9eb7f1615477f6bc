//! The one clock every time-based rule reads.
//!
//! `--as-of` fixes it; otherwise it reads the system time. Nothing else in the
//! program asks the system for the time.

use chrono::{DateTime, FixedOffset, Local, NaiveDate, Offset, TimeZone, Utc};

/// The one clock, and the user's UTC offset for showing times and for
/// "same day" rules.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    fixed: Option<DateTime<Utc>>,
    /// A set UTC offset (tests, what-if views); otherwise the local zone's
    /// offset at the time asked about, so a change of the clocks is followed.
    offset: Option<FixedOffset>,
}

impl Clock {
    /// A clock that reads the system time.
    pub fn system() -> Self {
        Self {
            fixed: None,
            offset: None,
        }
    }

    /// A clock stopped at `at` (what `--as-of` gives).
    pub fn fixed(at: DateTime<Utc>) -> Self {
        Self {
            fixed: Some(at),
            offset: None,
        }
    }

    /// The same clock showing times at another UTC offset.
    pub fn with_offset(self, offset: FixedOffset) -> Self {
        Self {
            offset: Some(offset),
            ..self
        }
    }

    /// The user's UTC offset now.
    pub fn offset(&self) -> FixedOffset {
        self.offset_at(self.now())
    }

    /// The user's UTC offset at `at`.
    pub fn offset_at(&self, at: DateTime<Utc>) -> FixedOffset {
        self.offset
            .unwrap_or_else(|| Local.from_utc_datetime(&at.naive_utc()).offset().fix())
    }

    /// `at` in the user's time zone.
    pub fn local(&self, at: DateTime<Utc>) -> DateTime<FixedOffset> {
        at.with_timezone(&self.offset_at(at))
    }

    pub fn is_fixed(&self) -> bool {
        self.fixed.is_some()
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.fixed.unwrap_or_else(Utc::now)
    }

    /// Today's date in the user's time zone.
    pub fn today(&self) -> NaiveDate {
        self.local(self.now()).date_naive()
    }

    /// The instant `day` begins in the user's time zone.
    pub fn start_of(&self, day: NaiveDate) -> DateTime<Utc> {
        let midnight = day.and_hms_opt(0, 0, 0).expect("midnight exists");
        match self.offset {
            Some(offset) => {
                midnight.and_utc() - chrono::Duration::seconds(offset.local_minus_utc().into())
            }
            None => Local
                .from_local_datetime(&midnight)
                .earliest()
                .map_or_else(|| midnight.and_utc(), |at| at.with_timezone(&Utc)),
        }
    }
}

/// Parse an `--as-of` value: `YYYY-MM-DD` (midnight, local time) or RFC 3339.
pub fn parse_when(text: &str) -> Result<DateTime<Utc>, String> {
    let text = text.trim();
    let in_range = |at: &DateTime<Utc>| crate::domain::YEARS.contains(&chrono::Datelike::year(at));
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        let at = at.with_timezone(&Utc);
        if in_range(&at) {
            return Ok(at);
        }
    } else if let Ok(date) = crate::domain::parse_date(text) {
        let midnight = date.and_hms_opt(0, 0, 0).expect("midnight exists");
        if let Some(at) = Local.from_local_datetime(&midnight).earliest() {
            return Ok(at.with_timezone(&Utc));
        }
    }
    Err(format!(
        "not a date or time: {:?} (use YYYY-MM-DD or RFC 3339 between 1900 and 2200, e.g. 2026-12-01 or 2026-12-01T09:30:00Z)",
        crate::text::clean(crate::text::head(text, 40))
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_clock_reads_the_fixed_time() {
        let at = parse_when("2026-12-01T09:30:00Z").unwrap();
        assert_eq!(Clock::fixed(at).now(), at);
        assert!(Clock::fixed(at).is_fixed());
    }

    #[test]
    fn a_day_begins_at_midnight_in_the_user_s_zone() {
        let at = parse_when("2026-12-01T09:30:00Z").unwrap();
        let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
        let east = Clock::fixed(at).with_offset(FixedOffset::east_opt(2 * 3600).unwrap());
        assert_eq!(
            east.start_of(day),
            parse_when("2026-12-02T22:00:00Z").unwrap()
        );
        let utc = Clock::fixed(at).with_offset(FixedOffset::east_opt(0).unwrap());
        assert_eq!(
            utc.start_of(day),
            parse_when("2026-12-03T00:00:00Z").unwrap()
        );
    }

    #[test]
    fn when_accepts_dates_and_rfc3339_and_refuses_the_rest() {
        assert!(parse_when("2026-12-01").is_ok());
        assert_eq!(
            parse_when("2026-12-01T10:00:00+01:00").unwrap(),
            parse_when("2026-12-01T09:00:00Z").unwrap()
        );
        let err = parse_when("01/12/2026").unwrap_err();
        assert!(err.contains("YYYY-MM-DD"), "{err}");
        assert!(parse_when("2026-02-30").is_err());
        for bad in [
            "1899-12-31",
            "2201-01-01",
            "9999-12-31T00:00:00Z",
            "0001-01-01T00:00:00Z",
        ] {
            let err = parse_when(bad).unwrap_err();
            assert!(err.contains("between 1900 and 2200"), "{bad}: {err}");
        }
    }
}
