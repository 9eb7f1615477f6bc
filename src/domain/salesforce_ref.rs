//! What a deal keeps of the Salesforce opportunity it was imported from.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What a deal keeps of its Salesforce opportunity: the ids that tie it to
/// the record, and the Salesforce-owned fields qualify has no place for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SalesforceRef {
    /// The opportunity's Id (`006…`): a re-import updates the deal with it.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub id: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub account_id: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub owner_id: String,
    /// The opportunity's Next Step field as Salesforce has it.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub next_step: String,
    /// Probability (%) as Salesforce has it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub probability: Option<u8>,
    /// The forecast category Salesforce had (qualify derives its own).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub forecast_category: String,
    /// Contact Id → the stakeholder it became, so a re-import of the
    /// contact roles never adds the same person twice.
    #[serde(
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "super::bounds::unique_keys"
    )]
    pub contacts: BTreeMap<String, String>,
}

impl SalesforceRef {
    /// Texts over their bound, by path.
    pub fn bound_texts(&self) -> Vec<(String, &str, usize)> {
        use crate::text::{MAX_LONG, MAX_SHORT};
        let mut texts = vec![
            ("salesforce.id".to_string(), self.id.as_str(), MAX_SHORT),
            ("salesforce.account_id".into(), &self.account_id, MAX_SHORT),
            ("salesforce.owner_id".into(), &self.owner_id, MAX_SHORT),
            ("salesforce.next_step".into(), &self.next_step, MAX_LONG),
            (
                "salesforce.forecast_category".into(),
                &self.forecast_category,
                MAX_SHORT,
            ),
        ];
        for (id, name) in &self.contacts {
            texts.push((format!("salesforce.contacts.{id}"), name, MAX_SHORT));
        }
        texts
    }
}
