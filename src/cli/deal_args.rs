//! The fields `deal add` and `deal set` take, described once (below
//! `args`, which names them among the commands).

use crate::domain::deal::{DealId, NewDeal, parse_support_rate};
use crate::domain::deal_edit::DealEdit;
use crate::domain::money::Money;
use crate::domain::parse_date;
use chrono::NaiveDate;
use clap::Args;

#[derive(Debug, Args)]
pub struct AddArgs {
    /// The deal's name, as the team calls it (e.g. "Acme ERP rollout")
    #[arg(long)]
    pub name: String,
    /// The customer's company
    #[arg(long)]
    pub account: String,
    #[command(flatten)]
    pub fields: FieldArgs,
}

#[derive(Debug, Args)]
pub struct SetArgs {
    /// The deal's id
    pub id: DealId,
    /// The deal's name, as the team calls it
    #[arg(long)]
    pub name: Option<String>,
    /// The customer's company
    #[arg(long)]
    pub account: Option<String>,
    #[command(flatten)]
    pub fields: FieldArgs,
    /// Refuse the change if the deal is no longer at version N (as `deal
    /// show ID --json` gave it), so that a change made since is not
    /// overwritten
    #[arg(long, value_name = "N")]
    pub expect_version: Option<i64>,
}

/// The fields `deal add` and `deal set` share, described once.
#[derive(Debug, Args)]
pub struct FieldArgs {
    /// Licence value in USD, 0 or more: 250000, 250,000 or $250,000.00 ("" for none)
    #[arg(long, value_name = "USD", value_parser = money_or_none, allow_hyphen_values = true)]
    pub amount: Option<OrNone<Money>>,
    /// One-off implementation fee in USD, written as --amount is ("" for none)
    #[arg(long, value_name = "USD", value_parser = money_or_none, allow_hyphen_values = true)]
    pub implementation_fee: Option<OrNone<Money>>,
    /// Annual support as a percentage of the licence, 0 to 100 [a new deal's
    /// default: the playbook's, 20]
    #[arg(long, value_name = "PERCENT", value_parser = parse_support_rate, allow_hyphen_values = true)]
    pub support_rate: Option<f64>,
    /// The day the deal is expected to close: YYYY-MM-DD, not before the day
    /// the deal was created ("" for none)
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = date_or_none)]
    pub close_date: Option<OrNone<NaiveDate>>,
    /// The sales stage, e.g. Qualification or Proposal [a new deal's
    /// default: the playbook's, Qualification]
    #[arg(long)]
    pub stage: Option<String>,
    /// The account executive who owns the deal [a new deal's default: you,
    /// as --user gives]
    #[arg(long, value_name = "NAME")]
    pub owner: Option<String>,
    /// The solution architect, who signs off the validation plan
    #[arg(long, value_name = "NAME")]
    pub sa: Option<String>,
    /// The manager, who reviews the deal when it is over $250K
    #[arg(long, value_name = "NAME")]
    pub manager: Option<String>,
    /// The day of the executive meeting that triggered qualification:
    /// YYYY-MM-DD ("" for none)
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = date_or_none)]
    pub trigger_date: Option<OrNone<NaiveDate>>,
}

/// A flag's value that may be given empty (`--amount ""`): none, which
/// `deal set` takes as clearing the field.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OrNone<T>(pub Option<T>);

fn money_or_none(text: &str) -> Result<OrNone<Money>, String> {
    if text.trim().is_empty() {
        return Ok(OrNone(None));
    }
    Money::parse(text).map(|m| OrNone(Some(m)))
}

fn date_or_none(text: &str) -> Result<OrNone<NaiveDate>, String> {
    if text.trim().is_empty() {
        return Ok(OrNone(None));
    }
    parse_date(text).map(|d| OrNone(Some(d)))
}

impl AddArgs {
    /// The deal to create.
    pub fn new_deal(&self) -> NewDeal {
        let f = &self.fields;
        NewDeal {
            name: self.name.clone(),
            account: self.account.clone(),
            amount: f.amount.and_then(|a| a.0),
            implementation_fee: f.implementation_fee.and_then(|a| a.0),
            support_rate_percent: f.support_rate,
            close_date: f.close_date.and_then(|d| d.0),
            stage: f.stage.clone(),
            owner: f.owner.clone().unwrap_or_default(),
            sa: f.sa.clone().unwrap_or_default(),
            manager: f.manager.clone().unwrap_or_default(),
            trigger_date: f.trigger_date.and_then(|d| d.0),
        }
    }
}

impl SetArgs {
    /// The change to make: the fields given.
    pub fn edit(&self) -> DealEdit {
        let f = &self.fields;
        DealEdit {
            name: self.name.clone(),
            account: self.account.clone(),
            amount: f.amount.map(|a| a.0),
            implementation_fee: f.implementation_fee.map(|a| a.0),
            support_rate_percent: f.support_rate,
            close_date: f.close_date.map(|d| d.0),
            stage: f.stage.clone(),
            owner: f.owner.clone(),
            sa: f.sa.clone(),
            manager: f.manager.clone(),
            trigger_date: f.trigger_date.map(|d| d.0),
        }
    }
}
