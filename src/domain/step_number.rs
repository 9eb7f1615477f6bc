//! A step's number: 1 to [`STEP_COUNT`], made only by a checked
//! constructor or parse, so that code holding one never asks whether it is
//! in range. Parsed once at the edges (the command line, a key, a database
//! column, a document or playbook file); the playbook step it names is
//! `playbook.step(number)`.

use serde::de::{self, Unexpected, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// How many steps the procedure has.
pub const STEP_COUNT: usize = 10;

/// What a step number is, in the words of every refusal.
pub const EXPECTED: &str = "a step number from 1 to 10";

/// A step of the procedure, by its number: 1 to [`STEP_COUNT`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StepNumber(u8);

impl StepNumber {
    /// Step `n`, when there is one.
    pub const fn new(n: u8) -> Option<StepNumber> {
        if n >= 1 && n as usize <= STEP_COUNT {
            Some(StepNumber(n))
        } else {
            None
        }
    }

    /// The step at 0-based position `index` of the procedure.
    pub fn from_index(index: usize) -> Option<StepNumber> {
        u8::try_from(index + 1).ok().and_then(StepNumber::new)
    }

    /// The number, 1 to [`STEP_COUNT`].
    pub const fn get(self) -> u8 {
        self.0
    }

    /// The 0-based position of the step in the procedure.
    pub const fn index(self) -> usize {
        self.0 as usize - 1
    }

    pub const fn first() -> StepNumber {
        StepNumber(1)
    }

    pub const fn last() -> StepNumber {
        StepNumber(STEP_COUNT as u8)
    }

    /// Every step, in order.
    pub fn all() -> impl DoubleEndedIterator<Item = StepNumber> + ExactSizeIterator + Clone {
        (1..=STEP_COUNT as u8).map(StepNumber)
    }

    /// The step after this one; `None` after the last.
    pub fn next(self) -> Option<StepNumber> {
        StepNumber::new(self.0 + 1)
    }

    /// The step before this one; `None` before the first.
    pub fn previous(self) -> Option<StepNumber> {
        StepNumber::new(self.0 - 1)
    }
}

/// The number, as a person reads it (width and alignment are kept:
/// `{:>2}` pads it).
impl fmt::Display for StepNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// Text that is not a step number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotAStepNumber;

impl fmt::Display for NotAStepNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "expected {EXPECTED}")
    }
}

impl std::error::Error for NotAStepNumber {}

/// The number as typed: what `u8` accepts (digits, an optional `+`), from
/// 1 to [`STEP_COUNT`].
impl std::str::FromStr for StepNumber {
    type Err = NotAStepNumber;
    fn from_str(text: &str) -> Result<StepNumber, NotAStepNumber> {
        text.parse::<u8>()
            .ok()
            .and_then(StepNumber::new)
            .ok_or(NotAStepNumber)
    }
}

/// A plain number.
impl Serialize for StepNumber {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u8(self.0)
    }
}

/// A plain number; one out of range is refused with what is accepted.
impl<'de> Deserialize<'de> for StepNumber {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<StepNumber, D::Error> {
        struct Number;
        impl Visitor<'_> for Number {
            type Value = StepNumber;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(EXPECTED)
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<StepNumber, E> {
                u8::try_from(n)
                    .ok()
                    .and_then(StepNumber::new)
                    .ok_or_else(|| E::invalid_value(Unexpected::Unsigned(n), &self))
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<StepNumber, E> {
                u8::try_from(n)
                    .ok()
                    .and_then(StepNumber::new)
                    .ok_or_else(|| E::invalid_value(Unexpected::Signed(n), &self))
            }
        }
        deserializer.deserialize_u8(Number)
    }
}

/// Step `n` in a test, which names its steps by their numbers.
#[cfg(test)]
pub(crate) fn number(n: u8) -> StepNumber {
    StepNumber::new(n).expect("a step number from 1 to 10")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The simple statement the type is checked against, written apart
    /// from the code it checks.
    #[allow(clippy::manual_range_contains)]
    fn oracle(n: i64) -> bool {
        1 <= n && n <= 10
    }

    #[test]
    fn the_bounds_and_the_walk() {
        assert_eq!(StepNumber::first().get(), 1);
        assert_eq!(StepNumber::last().get(), 10);
        assert_eq!(StepNumber::first().previous(), None);
        assert_eq!(StepNumber::last().next(), None);
        assert_eq!(StepNumber::first().index(), 0);
        assert_eq!(StepNumber::last().index(), STEP_COUNT - 1);
        let all: Vec<u8> = StepNumber::all().map(StepNumber::get).collect();
        assert_eq!(all, (1..=10).collect::<Vec<u8>>());
        assert_eq!(StepNumber::from_index(3), StepNumber::new(4));
        assert_eq!(StepNumber::from_index(10), None);
        let four = StepNumber::new(4).unwrap();
        assert_eq!(four.next(), StepNumber::new(5));
        assert_eq!(four.previous(), StepNumber::new(3));
        assert!(StepNumber::first() < four && four < StepNumber::last());
        assert_eq!(format!("{four}|{four:>2}|{four:<3}|"), "4| 4|4  |");
    }

    #[test]
    fn a_refusal_says_what_is_accepted() {
        let err = "11".parse::<StepNumber>().unwrap_err();
        assert_eq!(err.to_string(), "expected a step number from 1 to 10");
        assert!("x".parse::<StepNumber>().is_err());
        assert!(" 3".parse::<StepNumber>().is_err());
        assert_eq!("+3".parse::<StepNumber>().ok(), StepNumber::new(3));
    }

    #[test]
    fn serde_is_a_plain_number_and_refuses_out_of_range() {
        let seven = StepNumber::new(7).unwrap();
        assert_eq!(serde_json::to_string(&seven).unwrap(), "7");
        assert_eq!(serde_json::from_str::<StepNumber>("7").unwrap(), seven);
        for bad in ["0", "11", "300", "-1"] {
            let err = serde_json::from_str::<StepNumber>(bad).unwrap_err();
            assert!(
                err.to_string()
                    .contains("expected a step number from 1 to 10"),
                "{bad}: {err}"
            );
        }
        let err = serde_json::from_str::<StepNumber>("\"3\"").unwrap_err();
        assert!(err.to_string().contains("invalid type"), "{err}");
        #[derive(serde::Deserialize)]
        struct Row {
            number: StepNumber,
        }
        let row: Row = toml::from_str("number = 10").unwrap();
        assert_eq!(row.number, StepNumber::last());
        let err = toml::from_str::<Row>("number = 12").err().unwrap();
        assert!(
            err.message().contains("a step number from 1 to 10"),
            "{err}"
        );
    }

    proptest! {
        #[test]
        fn new_and_parse_agree_with_the_oracle(n in any::<u8>()) {
            let made = StepNumber::new(n);
            prop_assert_eq!(made.is_some(), oracle(i64::from(n)));
            prop_assert_eq!(n.to_string().parse::<StepNumber>().ok(), made);
            if let Some(s) = made {
                prop_assert_eq!(s.get(), n);
                prop_assert_eq!(s.index(), usize::from(n) - 1);
                prop_assert_eq!(s.to_string(), n.to_string());
                prop_assert_eq!(StepNumber::from_index(s.index()), Some(s));
            }
        }

        #[test]
        fn any_text_parses_only_to_a_number_in_range(text in "[+-]?[0-9]{0,4}|.{0,6}") {
            match text.parse::<StepNumber>() {
                Ok(s) => {
                    prop_assert!(oracle(i64::from(s.get())));
                    prop_assert_eq!(text.parse::<u8>().ok(), Some(s.get()));
                }
                Err(e) => prop_assert!(
                    text.parse::<i64>().map_or(true, |n| !oracle(n)),
                    "{text:?} refused: {e}"
                ),
            }
        }

        #[test]
        fn serde_round_trips_and_refuses_by_the_oracle(n in -20i64..300) {
            let read = serde_json::from_str::<StepNumber>(&n.to_string());
            prop_assert_eq!(read.is_ok(), oracle(n));
            if let Ok(s) = read {
                prop_assert_eq!(serde_json::to_string(&s).unwrap(), n.to_string());
            }
        }
    }
}
