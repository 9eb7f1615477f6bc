//! Business days: weekends and the playbook's holidays are not business days.

use super::dates::{date_in_range, parse_date};
use chrono::{Datelike, Days, NaiveDate, Weekday};

pub fn is_business_day(date: NaiveDate, holidays: &[NaiveDate]) -> bool {
    !matches!(date.weekday(), Weekday::Sat | Weekday::Sun) && !holidays.contains(&date)
}

/// The `n`th business day after `from` (`from` itself does not count).
pub fn add_business_days(from: NaiveDate, n: u32, holidays: &[NaiveDate]) -> NaiveDate {
    let mut date = from;
    let mut left = n;
    while left > 0 {
        date = date + Days::new(1);
        if is_business_day(date, holidays) {
            left -= 1;
        }
    }
    date
}

/// Whether something due on `due`, set on `set_on`, is due no later than the
/// `window`th business day after the day it was set.
pub fn within_window(
    set_on: NaiveDate,
    due: NaiveDate,
    window: u32,
    holidays: &[NaiveDate],
) -> bool {
    due >= set_on && due <= add_business_days(set_on, window, holidays)
}

/// The calendar quarter a day falls in, as (year, 1 to 4): the quarter a
/// forecast is called for. A close date moved into a later quarter has
/// slipped out of its own.
pub fn quarter(date: NaiveDate) -> (i32, u32) {
    (date.year(), date.month0() / 3 + 1)
}

/// A date typed as `YYYY-MM-DD`, or `+N` for N business days after `today`.
pub fn parse_date_input(
    text: &str,
    today: NaiveDate,
    holidays: &[NaiveDate],
) -> Result<NaiveDate, String> {
    let t = text.trim();
    let refused = || {
        format!(
            "not a date: {:?} (use YYYY-MM-DD between 1900 and 2200, or +N for N business days from today)",
            crate::text::clean(crate::text::head(t, 40))
        )
    };
    if let Some(n) = t.strip_prefix('+') {
        return n
            .parse::<u32>()
            .ok()
            .filter(|n| *n <= 365)
            .map(|n| add_business_days(today, n, holidays))
            .filter(|d| date_in_range(*d))
            .ok_or_else(refused);
    }
    parse_date(t).map_err(|_| refused())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn quarters_are_the_calendar_s_three_months() {
        assert_eq!(quarter(d("2026-01-01")), (2026, 1));
        assert_eq!(quarter(d("2026-03-31")), (2026, 1));
        assert_eq!(quarter(d("2026-04-01")), (2026, 2));
        assert_eq!(quarter(d("2026-09-30")), (2026, 3));
        assert_eq!(quarter(d("2026-12-31")), (2026, 4));
        assert!(quarter(d("2026-12-31")) < quarter(d("2027-01-01")));
    }

    #[test]
    fn typed_dates_stay_between_1900_and_2200() {
        let holidays = [];
        assert!(parse_date_input("2200-12-31", d("2026-11-27"), &holidays).is_ok());
        let err = parse_date_input("2201-01-01", d("2026-11-27"), &holidays).unwrap_err();
        assert!(err.contains("between 1900 and 2200"), "{err}");
        let err = parse_date_input("+5", d("2200-12-30"), &holidays).unwrap_err();
        assert!(err.contains("between 1900 and 2200"), "{err}");
        assert!(parse_date_input("+5", d("2026-11-27"), &holidays).is_ok());
    }

    #[test]
    fn friday_to_tuesday_is_inside_wednesday_outside() {
        let friday = d("2026-11-27");
        assert_eq!(friday.weekday(), Weekday::Fri);
        assert!(within_window(friday, d("2026-12-01"), 2, &[]), "Tuesday");
        assert!(!within_window(friday, d("2026-12-02"), 2, &[]), "Wednesday");
        assert!(within_window(friday, friday, 2, &[]), "the same day");
        assert!(
            !within_window(friday, d("2026-11-26"), 2, &[]),
            "before it was set"
        );
    }

    #[test]
    fn a_monday_holiday_moves_the_window_one_day() {
        let friday = d("2026-11-27");
        let monday = [d("2026-11-30")];
        assert!(
            within_window(friday, d("2026-12-02"), 2, &monday),
            "Wednesday now inside"
        );
        assert!(
            !within_window(friday, d("2026-12-03"), 2, &monday),
            "Thursday outside"
        );
    }

    #[test]
    fn plus_n_is_business_days_from_today() {
        let friday = d("2026-11-27");
        assert_eq!(
            parse_date_input("+1", friday, &[]).unwrap(),
            d("2026-11-30")
        );
        assert_eq!(
            parse_date_input("+2", friday, &[d("2026-11-30")]).unwrap(),
            d("2026-12-02")
        );
        assert_eq!(
            parse_date_input("2027-01-04", friday, &[]).unwrap(),
            d("2027-01-04")
        );
        assert!(
            parse_date_input("+x", friday, &[])
                .unwrap_err()
                .contains("+N")
        );
        assert!(
            parse_date_input("04/01/2027", friday, &[])
                .unwrap_err()
                .contains("YYYY-MM-DD")
        );
    }

    /// The simplest possible oracle: list the days after `set_on` one by
    /// one, keep the business days, and take the `window`th as the deadline.
    fn oracle(set_on: NaiveDate, due: NaiveDate, window: u32, holidays: &[NaiveDate]) -> bool {
        let business_days = set_on.iter_days().skip(1).filter(|day| {
            let weekend = day.weekday() == Weekday::Sat || day.weekday() == Weekday::Sun;
            !weekend && !holidays.contains(day)
        });
        let deadline = if window == 0 {
            set_on
        } else {
            business_days.take(window as usize).last().unwrap()
        };
        set_on <= due && due <= deadline
    }

    proptest! {
        #[test]
        fn window_agrees_with_day_walking(
            start in 0i64..3000,
            ahead in -3i64..30,
            window in 0u32..6,
            holiday_offsets in prop::collection::vec(0i64..30, 0..5),
        ) {
            let base = d("2026-01-01");
            let set_on = base + chrono::Duration::days(start);
            let due = set_on + chrono::Duration::days(ahead);
            let holidays: Vec<NaiveDate> = holiday_offsets.iter().map(|o| set_on + chrono::Duration::days(*o)).collect();
            prop_assert_eq!(within_window(set_on, due, window, &holidays), oracle(set_on, due, window, &holidays));
        }
    }
}
