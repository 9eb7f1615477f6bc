//! What every value of a deal document keeps to, checked as the document is
//! read or walked: texts within their bounds, days and instants between
//! 1900 and 2200, and a map's keys given once; with the error that names
//! where one does not.

use super::dates::{DATE_FORM, date_in_range};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use std::collections::BTreeMap;

/// What a text holding a NUL character is told: no name, account or other
/// short text may hold one (the database reads a text only up to it, so a
/// name starting with one would be stored empty).
pub const NUL_REFUSED: &str = "contains a NUL character, which is not accepted";

/// A problem at one place in a deal document: `risks[0].likelihood: must be 1-5`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathError {
    pub path: String,
    pub message: String,
}

impl std::fmt::Display for PathError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// A map read from JSON that refuses a key given twice (serde's maps keep
/// the last quietly), as derived structs refuse a field given twice: so
/// that a document read in one pass is refused wherever a key repeats.
pub fn unique_keys<'de, D, K, V>(de: D) -> Result<BTreeMap<K, V>, D::Error>
where
    D: serde::Deserializer<'de>,
    K: Deserialize<'de> + Ord + std::fmt::Debug,
    V: Deserialize<'de>,
{
    struct Unique<K, V>(std::marker::PhantomData<(K, V)>);
    impl<'de, K, V> serde::de::Visitor<'de> for Unique<K, V>
    where
        K: Deserialize<'de> + Ord + std::fmt::Debug,
        V: Deserialize<'de>,
    {
        type Value = BTreeMap<K, V>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a map")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut map: A,
        ) -> Result<Self::Value, A::Error> {
            let mut out = BTreeMap::new();
            while let Some((key, value)) = map.next_entry::<K, V>()? {
                if out.contains_key(&key) {
                    return Err(serde::de::Error::custom(format!("key {key:?} given twice")));
                }
                out.insert(key, value);
            }
            Ok(out)
        }
    }
    de.deserialize_map(Unique(std::marker::PhantomData))
}

/// Texts, dates and times checked against their bounds as a document is
/// walked: the path of a value is only made when the value fails.
#[derive(Default)]
pub struct Bounds {
    pub errors: Vec<PathError>,
}

impl Bounds {
    /// A text of at most `max` characters.
    pub fn text(&mut self, path: impl FnOnce() -> String, text: &str, max: usize) {
        if let Err(message) = crate::text::check_length(text, max) {
            self.errors.push(PathError {
                path: path(),
                message,
            });
        }
    }

    /// A day between 1900 and 2200.
    pub fn date(&mut self, path: impl FnOnce() -> String, date: Option<NaiveDate>) {
        if let Some(d) = date
            && !date_in_range(d)
        {
            self.errors.push(PathError {
                path: path(),
                message: format!("not a date: \"{d}\" ({})", DATE_FORM),
            });
        }
    }

    /// An instant between 1900 and 2200.
    pub fn time(&mut self, path: impl FnOnce() -> String, at: DateTime<Utc>) {
        if !date_in_range(at.date_naive()) {
            self.errors.push(PathError {
                path: path(),
                message: format!(
                    "not a time: \"{}\" (use RFC 3339 between 1900 and 2200, e.g. 2026-11-23T09:00:00Z)",
                    at.to_rfc3339()
                ),
            });
        }
    }
}
