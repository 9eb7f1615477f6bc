//! Which top-level keys a deal document gave, recorded as it is read (one
//! pass), so that an import updates only those: a key left out keeps the
//! stored value; `null` (or an empty value) clears it.

use super::{DealDocument, HistoryRow, StepDocument};
use crate::domain::content::{
    Budget, Competitor, Handoff, Milestone, NextStep, Risk, SaDecision, Scorecard, Stakeholder,
    Timeline, ValidationPlan,
};
use crate::domain::deal::Deal;
use crate::domain::forecast::{Outcome, Prediction, Snooze};
use crate::domain::money::Money;
use crate::domain::salesforce_ref::SalesforceRef;
use crate::domain::warning_record::{Trail, WarningSnooze};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Deserializer};

/// The keys a document gave, one bit each in [`KEYS`]' order.
#[derive(Debug, Clone, Copy)]
pub struct Given(u64);

/// Two documents saying the same are equal however they were written:
/// which keys were given is how a document was read, not what it says.
impl PartialEq for Given {
    fn eq(&self, _: &Given) -> bool {
        true
    }
}

impl Default for Given {
    /// Every key: a document made from a deal says all of it.
    fn default() -> Given {
        Given::ALL
    }
}

impl Given {
    pub const ALL: Given = Given((1 << KEYS.len()) - 1);

    /// Whether the document gave every key.
    pub fn all(self) -> bool {
        self.0 == Given::ALL.0
    }

    pub fn has(self, key: &str) -> bool {
        KEYS.iter()
            .position(|k| *k == key)
            .is_some_and(|i| self.0 & (1 << i) != 0)
    }
}

/// A value a document may leave out (`None`), give as `null` (`Some(None)`),
/// or give.
fn given<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

macro_rules! document_keys {
    ($($key:ident: $ty:ty => $wrap:ident),* $(,)?) => {
        /// Every top-level key of a deal document but `name` and `account`,
        /// which a document always gives.
        pub const KEYS: [&str; [$(stringify!($key)),*].len()] = [$(stringify!($key)),*];

        /// A deal document as it is read: each key given or not.
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        pub(super) struct Raw {
            name: String,
            account: String,
            /// Not a field of the deal: an import never merges it.
            #[serde(default)]
            history: Option<Vec<HistoryRow>>,
            $(
                #[serde(default, deserialize_with = "given")]
                $key: Option<Option<$ty>>,
            )*
        }

        impl From<Raw> for DealDocument {
            fn from(raw: Raw) -> DealDocument {
                let mut bits = 0u64;
                let mut bit = 1u64;
                $(
                    if raw.$key.is_some() {
                        bits |= bit;
                    }
                    bit <<= 1;
                )*
                let _ = bit;
                DealDocument {
                    name: raw.name,
                    account: raw.account,
                    history: raw.history,
                    $($key: match raw.$key {
                        Some(Some(v)) => $wrap(v),
                        _ => Default::default(),
                    },)*
                    given: Given(bits),
                }
            }
        }

        impl DealDocument {
            /// This document over the deal it updates: a key it left out
            /// keeps the stored value; `id` and `version` are its own.
            pub fn over(self, stored: &Deal) -> DealDocument {
                if self.given.all() {
                    return self;
                }
                let mut base = DealDocument::of(stored);
                let given = self.given;
                base.name = self.name;
                base.account = self.account;
                base.id = self.id;
                base.version = self.version;
                base.history = self.history;
                $(
                    if given.has(stringify!($key)) {
                        base.$key = self.$key;
                    }
                )*
                base
            }
        }
    };
}

/// A value given for a field that is not an `Option` (those are wrapped
/// in `Some`).
fn same<T>(v: T) -> T {
    v
}

document_keys! {
    id: i64 => Some,
    version: i64 => Some,
    amount: Money => Some,
    implementation_fee: Money => Some,
    support_rate_percent: f64 => Some,
    close_date: NaiveDate => Some,
    stage: String => Some,
    owner: String => same,
    sa: String => same,
    manager: String => same,
    trigger_date: NaiveDate => Some,
    created_at: DateTime<Utc> => Some,
    steps: Vec<StepDocument> => same,
    meddpicc: Scorecard => same,
    stakeholders: Vec<Stakeholder> => same,
    budget: Budget => same,
    validation_plan: ValidationPlan => same,
    competitors: Vec<Competitor> => same,
    decision_process: Vec<Milestone> => same,
    timeline: Timeline => same,
    risks: Vec<Risk> => same,
    next_steps: Vec<NextStep> => same,
    manager_review: SaDecision => Some,
    handoff: Handoff => same,
    outcome: Outcome => Some,
    prediction: Prediction => Some,
    snooze: Snooze => Some,
    salesforce: SalesforceRef => Some,
    trail: Trail => same,
    warning_snoozes: Vec<WarningSnooze> => same,
}

/// What importing `doc` over `stored` would do: the keys whose value it
/// changes, and those it clears (gives as `null` or empty where the deal
/// held something).
pub fn changes(stored: &Deal, doc: &DealDocument) -> (Vec<&'static str>, Vec<&'static str>) {
    let mut merged = doc.clone().over(stored);
    for step in &mut merged.steps {
        step.title = None;
    }
    let json = |d: &DealDocument| serde_json::to_value(d).unwrap_or_default();
    let (before, after) = (json(&DealDocument::of(stored)), json(&merged));
    let (mut changed, mut cleared) = (Vec::new(), Vec::new());
    for key in ["name", "account"].into_iter().chain(KEYS) {
        if matches!(key, "id" | "version") {
            continue;
        }
        let null = serde_json::Value::Null;
        let (b, a) = (
            before.get(key).unwrap_or(&null),
            after.get(key).unwrap_or(&null),
        );
        if b == a {
            continue;
        }
        if empty(a) {
            cleared.push(key)
        } else {
            changed.push(key)
        }
    }
    (changed, cleared)
}

/// Null, an empty text or list, or an object holding only such.
fn empty(v: &serde_json::Value) -> bool {
    use serde_json::Value;
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(m) => m.values().all(empty),
        Value::Bool(b) => !b,
        Value::Number(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse_documents;

    #[test]
    fn a_document_records_the_keys_it_gave_and_null_reads_as_empty() {
        let docs = parse_documents(
            r#"{"id":1,"name":"x","account":"A","amount":null,"owner":null,"steps":[]}"#,
        )
        .unwrap();
        let given = docs[0].given;
        assert!(!given.all());
        for key in ["id", "amount", "owner", "steps"] {
            assert!(given.has(key), "{key}");
        }
        for key in ["version", "close_date", "meddpicc", "risks", "created_at"] {
            assert!(!given.has(key), "{key}");
        }
        assert_eq!(docs[0].owner, "");
        assert_eq!(docs[0].amount, None);
    }
}
