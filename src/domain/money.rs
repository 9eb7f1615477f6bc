//! US-dollar amounts, held as whole cents.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Money(i64);

/// The largest amount accepted: one trillion dollars.
const MAX_CENTS: i64 = 100_000_000_000_000;

impl Money {
    pub const ZERO: Money = Money(0);

    pub fn from_cents(cents: i64) -> Self {
        Money(cents)
    }

    pub fn from_dollars(dollars: i64) -> Self {
        Money(dollars.saturating_mul(100))
    }

    pub fn cents(self) -> i64 {
        self.0
    }

    /// The amount as a JSON number: whole dollars stay integers.
    pub fn to_json(self) -> serde_json::Value {
        if self.0 % 100 == 0 {
            serde_json::Value::from(self.0 / 100)
        } else {
            serde_json::Value::from(self.0 as f64 / 100.0)
        }
    }

    /// Parse an amount as people type it: `250000`, `250,000`, `$250,000.00`.
    pub fn parse(text: &str) -> Result<Money, String> {
        let bad = || {
            format!(
                "not an amount: {:?} (use 250000, 250,000 or $250,000.00; at most $1,000,000,000,000)",
                crate::text::clean(text)
            )
        };
        let t = text.trim();
        let t = t.strip_prefix('$').unwrap_or(t).trim_start();
        if t.starts_with('-') {
            return Err(format!(
                "a negative amount: {:?} (amounts are 0 or more: 250000, 250,000 or $250,000.00)",
                crate::text::clean(text)
            ));
        }
        let (whole, frac) = match t.split_once('.') {
            Some((w, f)) => (w, Some(f)),
            None => (t, None),
        };
        if whole.is_empty() || !whole.chars().all(|c| c.is_ascii_digit() || c == ',') {
            return Err(bad());
        }
        if whole.contains(',') {
            let groups: Vec<&str> = whole.split(',').collect();
            let first_ok = (1..=3).contains(&groups[0].len());
            if !first_ok || groups[1..].iter().any(|g| g.len() != 3) {
                return Err(bad());
            }
        }
        let digits: String = whole.chars().filter(|c| *c != ',').collect();
        let dollars: i64 = digits.parse().map_err(|_| bad())?;
        let cents = match frac {
            None => 0,
            Some(f) if f.is_empty() || f.len() > 2 || !f.chars().all(|c| c.is_ascii_digit()) => {
                return Err(bad());
            }
            Some(f) if f.len() == 1 => f.parse::<i64>().map_err(|_| bad())? * 10,
            Some(f) => f.parse::<i64>().map_err(|_| bad())?,
        };
        dollars
            .checked_mul(100)
            .and_then(|c| c.checked_add(cents))
            .filter(|c| *c <= MAX_CENTS)
            .map(Money)
            .ok_or_else(bad)
    }

    /// Compact form for narrow columns: `$250K`, `$1.2M`.
    pub fn short(self) -> String {
        let d = self.0 as f64 / 100.0;
        if d >= 1_000_000.0 {
            format!("${:.1}M", d / 1_000_000.0)
        } else if d >= 1_000.0 {
            format!("${:.0}K", d / 1_000.0)
        } else {
            format!("${d:.0}")
        }
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let dollars = (self.0 / 100).to_string();
        let mut grouped = String::new();
        for (i, c) in dollars.chars().enumerate() {
            if i > 0 && (dollars.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(c);
        }
        if self.0 % 100 == 0 {
            write!(f, "${grouped}")
        } else {
            write!(f, "${grouped}.{:02}", self.0 % 100)
        }
    }
}

impl serde::Serialize for Money {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.0 % 100 == 0 {
            serializer.serialize_i64(self.0 / 100)
        } else {
            serializer.serialize_f64(self.0 as f64 / 100.0)
        }
    }
}

impl<'de> serde::Deserialize<'de> for Money {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Money;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an amount in USD: 250000 or \"$250,000.00\"")
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Money, E> {
                Money::parse(&v.to_string()).map_err(E::custom)
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Money, E> {
                Money::parse(&v.to_string()).map_err(E::custom)
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Money, E> {
                // the shortest text that reads back as `v`: 0.29 stays "0.29"
                Money::parse(&v.to_string()).map_err(E::custom)
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Money, E> {
                Money::parse(v).map_err(E::custom)
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_the_three_documented_forms() {
        for text in ["250000", "250,000", "$250,000.00", " $250000 "] {
            assert_eq!(
                Money::parse(text).unwrap(),
                Money::from_dollars(250_000),
                "{text}"
            );
        }
        assert_eq!(Money::parse("1,234.5").unwrap().cents(), 123_450);
    }

    #[test]
    fn refuses_what_is_not_an_amount() {
        for text in [
            "abc", "", "$", "12,34", "1.234", "-5", "2.5e5", "1,,000", "$ 1 000",
        ] {
            let err = Money::parse(text).unwrap_err();
            assert!(err.contains("250,000"), "{text}: {err}");
        }
        for text in ["-5", "-$5", "$-5", " -250,000 "] {
            let err = Money::parse(text).unwrap_err();
            assert!(err.starts_with("a negative amount"), "{text}: {err}");
            assert!(err.contains("0 or more"), "{text}: {err}");
        }
    }

    #[test]
    fn displays_with_grouping() {
        assert_eq!(Money::from_dollars(250_000).to_string(), "$250,000");
        assert_eq!(Money::from_cents(123_405).to_string(), "$1,234.05");
        assert_eq!(Money::from_dollars(999).to_string(), "$999");
        assert_eq!(Money::from_dollars(1_500_000).short(), "$1.5M");
        assert_eq!(Money::from_dollars(250_000).short(), "$250K");
    }

    #[test]
    fn json_numbers_and_strings() {
        let m: Money = serde_json::from_str("250000").unwrap();
        assert_eq!(m, Money::from_dollars(250_000));
        let m: Money = serde_json::from_str("\"$1,234.50\"").unwrap();
        assert_eq!(serde_json::to_string(&m).unwrap(), "1234.5");
        assert!(serde_json::from_str::<Money>("-5").is_err());
        assert!(serde_json::from_str::<Money>("1.234").is_err());
        for cents in [29, 115, 205, 99_999] {
            let text = format!("{}.{:02}", cents / 100, cents % 100);
            let m: Money = serde_json::from_str(&text).unwrap();
            assert_eq!(m.cents(), cents, "{text}");
        }
    }

    proptest! {
        #[test]
        fn display_parses_back(cents in 0i64..100_000_000_000) {
            let m = Money::from_cents(cents);
            prop_assert_eq!(Money::parse(&m.to_string()).unwrap(), m);
        }
    }
}
