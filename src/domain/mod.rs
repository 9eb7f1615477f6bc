//! Pure rules and types: no terminal, no SQL, no I/O, no clock calls.
//! Every time-based rule takes `now` as an argument.

pub mod audit;
pub mod calendar;
pub mod content;
pub mod criteria;
pub mod deal;
pub mod demo;
pub mod document;
pub mod escalation;
pub mod ics;
pub mod metrics;
pub mod money;
pub mod pipeline;
pub mod playbook;
pub mod qa;
pub mod review;
pub mod salesforce;
pub mod step;

pub use deal::{Deal, DealId, DealSummary, NewDeal};
pub use escalation::{Escalation, EscalationStatus};
pub use money::Money;
pub use playbook::Playbook;
pub use qa::{QaItem, QaState};
pub use step::{NoteKind, Step, StepChange, StepStatus};

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
