//! Pure rules and types: no terminal, no SQL, no I/O, no clock calls.
//! Every time-based rule takes `now` as an argument.

pub mod audit;
pub mod calendar;
pub mod content;
pub mod criteria;
pub mod deal;
pub mod document;
pub mod escalation;
pub mod metrics;
pub mod money;
pub mod pipeline;
pub mod playbook;
pub mod qa;
pub mod review;
pub mod step;

pub use deal::{Deal, DealId, DealSummary, NewDeal};
pub use escalation::{Escalation, EscalationStatus};
pub use money::Money;
pub use playbook::Playbook;
pub use qa::{QaItem, QaState};
pub use step::{NoteKind, Step, StepChange, StepStatus};

use chrono::NaiveDate;

/// Parse a date typed as `YYYY-MM-DD`.
pub fn parse_date(text: &str) -> Result<NaiveDate, String> {
    let t = text.trim();
    let shaped = t.len() == 10 && t.as_bytes()[4] == b'-' && t.as_bytes()[7] == b'-';
    match NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        Ok(date) if shaped => Ok(date),
        _ => Err(format!(
            "not a date: {:?} (use YYYY-MM-DD, e.g. 2027-03-31)",
            crate::text::clean(t)
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
}
