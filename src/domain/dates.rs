//! Days as qualify reads and refuses them: the years a date may fall in,
//! the one form a typed date takes, and quick readers of stored days.

use chrono::NaiveDate;

/// The years a date may fall in: anything else is a typing slip (or would
/// not sort as text), and is refused wherever a date comes in.
pub const YEARS: std::ops::RangeInclusive<i32> = 1900..=2200;

/// What every refused date says it accepts.
pub const DATE_FORM: &str = "use YYYY-MM-DD between 1900 and 2200, e.g. 2027-03-31";

/// Whether `date` falls in [`YEARS`].
pub fn date_in_range(date: NaiveDate) -> bool {
    YEARS.contains(&chrono::Datelike::year(&date))
}

/// A day written `YYYY-MM-DD` (a four-digit year), read digit by digit:
/// `None` for any other text, which the caller reads with chrono. Whole-
/// database reads meet millions of these, and chrono's general parser
/// costs several times as much for each.
pub fn day_of(text: &str) -> Option<NaiveDate> {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let number = |digits: &[u8]| -> Option<u32> {
        digits.iter().try_fold(0u32, |n, &d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    };
    let year = i32::try_from(number(&b[..4])?).ok()?;
    NaiveDate::from_ymd_opt(year, number(&b[5..7])?, number(&b[8..])?)
}

/// Serde readers of days that try [`day_of`] first, then chrono's own
/// reading (so that every answer and error is chrono's).
pub mod days {
    use chrono::NaiveDate;
    use serde::{Deserialize, Deserializer};

    struct Day(NaiveDate);

    impl<'de> Deserialize<'de> for Day {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct Visitor;
            impl serde::de::Visitor<'_> for Visitor {
                type Value = NaiveDate;
                fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                    // chrono's words
                    f.write_str("a formatted date string")
                }
                fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<NaiveDate, E> {
                    match super::day_of(v) {
                        Some(day) => Ok(day),
                        None => v.parse().map_err(E::custom),
                    }
                }
            }
            d.deserialize_str(Visitor).map(Day)
        }
    }

    /// A day.
    pub fn one<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
        Day::deserialize(d).map(|d| d.0)
    }

    /// A day or null.
    pub fn optional<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
        Option::<Day>::deserialize(d).map(|d| d.map(|d| d.0))
    }
}

/// Parse a date typed as `YYYY-MM-DD`, in the years 1900 to 2200.
pub fn parse_date(text: &str) -> Result<NaiveDate, String> {
    let t = text.trim();
    let shaped = t.len() == 10 && t.as_bytes()[4] == b'-' && t.as_bytes()[7] == b'-';
    match NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        Ok(date) if shaped && date_in_range(date) => Ok(date),
        _ => Err(format!(
            "not a date: {:?} ({DATE_FORM})",
            crate::text::clean(crate::text::head(t, 40))
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// `day_of` reads what chrono reads, or leaves it to chrono.
        #[test]
        fn a_day_is_read_as_chrono_reads_it(
            y in 0u32..10_000, m in 0u32..14, d in 0u32..33,
            junk in "[0-9a-z+ -]{0,12}",
        ) {
            for text in [format!("{y:04}-{m:02}-{d:02}"), junk] {
                let chrono = text.parse::<NaiveDate>().ok();
                match day_of(&text) {
                    Some(day) => proptest::prop_assert_eq!(Some(day), chrono, "{}", text),
                    None => proptest::prop_assert!(
                        chrono.is_none() || text.len() != 10,
                        "{} is read by chrono as {:?}", text, chrono
                    ),
                }
            }
        }
    }

    #[test]
    fn a_day_in_content_reads_as_before() {
        #[derive(serde::Deserialize, Debug)]
        struct T {
            #[serde(default, deserialize_with = "days::optional")]
            a: Option<NaiveDate>,
        }
        let read = |json: &str| {
            serde_json::from_str::<T>(json)
                .map(|t| t.a)
                .map_err(|e| e.to_string())
        };
        assert_eq!(
            read(r#"{"a": "2026-11-23"}"#),
            Ok(NaiveDate::from_ymd_opt(2026, 11, 23))
        );
        assert_eq!(read(r#"{"a": null}"#), Ok(None));
        assert_eq!(read("{}"), Ok(None));
        // chrono's own answers where the quick reading does not apply
        let chrono = |json: &str| {
            #[derive(serde::Deserialize, Debug)]
            struct C {
                #[allow(dead_code)]
                a: Option<NaiveDate>,
            }
            serde_json::from_str::<C>(json)
                .map(|_| ())
                .map_err(|e| e.to_string())
        };
        for bad in [
            r#"{"a": "2026-02-30"}"#,
            r#"{"a": "26-1-1"}"#,
            r#"{"a": 5}"#,
            r#"{"a": "+2026-01-01"}"#,
        ] {
            assert_eq!(read(bad).map(|_| ()), chrono(bad), "{bad}");
        }
    }

    #[test]
    fn dates_are_iso_only() {
        assert_eq!(
            parse_date("2027-02-28").unwrap(),
            NaiveDate::from_ymd_opt(2027, 2, 28).unwrap()
        );
        for bad in ["31/02/2027", "2027-02-31", "2027-2-3", "tomorrow", ""] {
            let err = parse_date(bad).unwrap_err();
            assert!(err.contains("YYYY-MM-DD"), "{bad}: {err}");
        }
    }

    #[test]
    fn dates_outside_1900_to_2200_are_refused_saying_what_is_accepted() {
        assert!(parse_date("1900-01-01").is_ok());
        assert!(parse_date("2200-12-31").is_ok());
        for bad in ["1899-12-31", "2201-01-01", "0001-01-01", "9999-12-31"] {
            assert_eq!(
                parse_date(bad).unwrap_err(),
                format!(
                    "not a date: {bad:?} (use YYYY-MM-DD between 1900 and 2200, e.g. 2027-03-31)"
                )
            );
        }
        let err = parse_date("2027-13-01").unwrap_err();
        assert_eq!(
            err,
            "not a date: \"2027-13-01\" (use YYYY-MM-DD between 1900 and 2200, e.g. 2027-03-31)"
        );
        assert!(!err.contains("out of range") && !err.contains("trailing"));
    }
}
