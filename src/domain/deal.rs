//! The deal: the opportunity being qualified, with its ten step records.

use super::content::DealContent;
use super::escalation_record::EscalationRecord;
use super::forecast::{ForecastCategory, OutcomeKind, Verdict};
use super::money::Money;
use super::playbook::Playbook;
use super::step::{RuleError, Step, StepNumber, StepStatus};
use chrono::{DateTime, NaiveDate, Utc};
use std::fmt;

/// A deal's id, as shown to people and scripts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DealId(pub i64);

impl fmt::Display for DealId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl std::str::FromStr for DealId {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        s.trim()
            .parse::<i64>()
            .ok()
            .filter(|n| *n > 0)
            .map(DealId)
            .ok_or_else(|| {
                format!(
                    "not a deal id: {:?} (ids are whole numbers; `qualify deal list` shows them)",
                    crate::text::clean(s)
                )
            })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Deal {
    pub id: DealId,
    pub name: String,
    pub account: String,
    /// Licence value.
    pub amount: Option<Money>,
    pub implementation_fee: Option<Money>,
    pub support_rate_percent: f64,
    pub close_date: Option<NaiveDate>,
    pub stage: String,
    pub owner: String,
    pub sa: String,
    pub manager: String,
    /// When the executive meeting that triggered qualification takes place.
    pub trigger_date: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Bumped by every change; a writer holding an older version is refused.
    pub version: i64,
    pub steps: Vec<Step>,
    /// What the steps captured.
    pub content: DealContent,
    /// Escalations raised by people, and blocked-step ones acted on.
    pub escalations: Vec<EscalationRecord>,
}

impl Deal {
    pub fn steps_complete(&self) -> usize {
        self.steps.iter().filter(|s| s.is_complete()).count()
    }

    pub fn step(&self, number: StepNumber) -> Option<&Step> {
        self.steps.iter().find(|s| s.number == number)
    }

    /// Licence + implementation + the first year of support.
    pub fn first_year_value(&self) -> Option<Money> {
        let licence = self.amount?;
        Some(FirstYear::of(licence, self.implementation_fee, self.support_rate_percent).total())
    }

    /// The step a person would work on next: the first one not complete.
    pub fn current_step(&self) -> Option<StepNumber> {
        self.steps
            .iter()
            .find(|s| !s.is_complete())
            .map(|s| s.number)
    }

    pub fn blocked_steps(&self) -> impl Iterator<Item = &Step> {
        self.steps
            .iter()
            .filter(|s| s.status == StepStatus::Blocked)
    }

    /// Who is on the deal.
    pub fn people(&self) -> People {
        People {
            owner: self.owner.clone(),
            sa: self.sa.clone(),
            plan_sa: self.content.validation_plan.sa.clone(),
            manager: self.manager.clone(),
        }
    }

    /// Whether `name` is on the deal: its owner, SA (the deal's or the
    /// validation plan's) or manager.
    pub fn is_on_deal(&self, name: &str) -> bool {
        [
            &self.owner,
            &self.sa,
            &self.content.validation_plan.sa,
            &self.manager,
        ]
        .iter()
        .any(|p| same_person(name, p))
    }
}

/// Whether two typed names are the same person: on one local file names
/// are typed, so they are compared trimmed and without case. An empty name
/// is nobody.
pub fn same_person(a: &str, b: &str) -> bool {
    let (a, b) = (a.trim(), b.trim());
    !a.is_empty() && a.to_lowercase() == b.to_lowercase()
}

/// The people on a deal, as every path that sets them checks them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct People {
    pub owner: String,
    pub sa: String,
    /// The SA assigned to the validation plan (empty: the deal's SA).
    pub plan_sa: String,
    pub manager: String,
}

impl People {
    /// The rule on a deal's people: its owner is never its SA, its
    /// validation plan's SA or its manager, since those sign the deal off
    /// and nobody signs off their own deal.
    pub fn check(&self) -> Result<(), RuleError> {
        for (role, name) in [
            ("manager", &self.manager),
            ("SA", &self.sa),
            ("validation plan's SA", &self.plan_sa),
        ] {
            if same_person(&self.owner, name) {
                return Err(RuleError::OwnerHoldsRole {
                    owner: crate::text::clean(self.owner.trim()),
                    role,
                });
            }
        }
        Ok(())
    }
}

/// What a deal's first-year value is made of: the licence, the
/// implementation fee and a year of support at a rate of the licence.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FirstYear {
    pub licence: Money,
    pub implementation: Money,
    pub support: Money,
    pub support_rate_percent: f64,
}

impl FirstYear {
    pub fn of(licence: Money, implementation: Option<Money>, rate_percent: f64) -> FirstYear {
        let support = (licence.cents() as f64 * rate_percent / 100.0).round() as i64;
        FirstYear {
            licence,
            implementation: implementation.unwrap_or(Money::ZERO),
            support: Money::from_cents(support),
            support_rate_percent: rate_percent,
        }
    }

    pub fn total(&self) -> Money {
        Money::from_cents(self.licence.cents() + self.implementation.cents() + self.support.cents())
    }
}

/// A support rate as typed: `20`, `20%` or `17.5`, from 0 to 100.
pub fn parse_support_rate(text: &str) -> Result<f64, String> {
    text.trim()
        .trim_end_matches('%')
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|r| (0.0..=100.0).contains(r))
        .ok_or_else(|| format!("not a percentage: {text:?} (use 0 to 100, e.g. 20)"))
}

/// A rate as a person writes it: `20%`, `17.5%`.
pub fn percent_text(rate: f64) -> String {
    format!("{rate}%")
}

/// One line of the deal list.
#[derive(Debug, Clone, PartialEq)]
pub struct DealSummary {
    pub id: DealId,
    pub name: String,
    pub account: String,
    pub amount: Option<Money>,
    pub close_date: Option<NaiveDate>,
    pub stage: String,
    pub owner: String,
    pub sa: String,
    pub steps_complete: u8,
    pub steps_blocked: u8,
    pub forecast: ForecastCategory,
    pub verdict: Option<Verdict>,
    pub meddpicc_total: u32,
    pub meddpicc_max: u32,
    pub qa_passed: u8,
    pub qa_total: u8,
    /// Escalations open now, and how many of them are past due.
    pub escalations_open: u32,
    pub escalations_overdue: u32,
    pub risk_band: Option<String>,
    pub next_step_due: Option<NaiveDate>,
    /// Stalled now (and not snoozed).
    pub stalled: bool,
    pub outcome: Option<OutcomeKind>,
    /// The day the snooze in force now ends (the stalled flag is silenced
    /// until then).
    pub snoozed_until: Option<NaiveDate>,
    /// The kinds of warning on it now (not snoozed), in the kinds' order.
    pub warnings: Vec<super::choices::WarningKind>,
}

/// A deal as a person or a script asks to create it, before it has an id.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewDeal {
    pub name: String,
    pub account: String,
    pub amount: Option<Money>,
    pub implementation_fee: Option<Money>,
    pub support_rate_percent: Option<f64>,
    pub close_date: Option<NaiveDate>,
    pub stage: Option<String>,
    pub owner: String,
    pub sa: String,
    pub manager: String,
    pub trigger_date: Option<NaiveDate>,
}

/// A problem with one field of a new deal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// A close date before the day the deal was created is a slip (1999 for
/// 2029): refused, saying from which day a close date is accepted.
pub fn close_date_error(close: NaiveDate, created_on: NaiveDate) -> Option<FieldError> {
    (close < created_on).then(|| FieldError {
        field: "close_date".into(),
        message: format!(
            "{close} is before the deal was created ({created_on}); give a day from {created_on} on, as YYYY-MM-DD"
        ),
    })
}

/// Names, accounts, people and stages: see [`crate::text::MAX_SHORT`].
pub const MAX_TEXT: usize = crate::text::MAX_SHORT;

impl NewDeal {
    /// Check what cannot be caught while parsing single values.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        for (field, value) in [("name", &self.name), ("account", &self.account)] {
            if value.trim().is_empty() {
                errors.push(FieldError {
                    field: field.into(),
                    message: "required".into(),
                });
            }
        }
        for (field, value) in [
            ("name", self.name.as_str()),
            ("account", &self.account),
            ("owner", &self.owner),
            ("sa", &self.sa),
            ("manager", &self.manager),
            ("stage", self.stage.as_deref().unwrap_or("")),
        ] {
            if value.chars().nth(MAX_TEXT).is_some() {
                errors.push(FieldError {
                    field: field.into(),
                    message: format!("at most {MAX_TEXT} characters"),
                });
            } else if value.contains('\0') {
                errors.push(FieldError {
                    field: field.into(),
                    message: super::bounds::NUL_REFUSED.into(),
                });
            }
        }
        if let Some(rate) = self.support_rate_percent
            && !(0.0..=100.0).contains(&rate)
        {
            errors.push(FieldError {
                field: "support_rate".into(),
                message: "a percentage from 0 to 100".into(),
            });
        }
        for (field, value) in [
            ("amount", self.amount),
            ("implementation_fee", self.implementation_fee),
        ] {
            if value.is_some_and(|m| m < Money::ZERO) {
                errors.push(FieldError {
                    field: field.into(),
                    message: "an amount of 0 or more, e.g. 250,000".into(),
                });
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// [`validate`](Self::validate) for a deal created on `created_on`
    /// (the creator's day): its close date, too, is not before that day.
    pub fn validate_on(&self, created_on: NaiveDate) -> Result<(), Vec<FieldError>> {
        let mut errors = self.validate().err().unwrap_or_default();
        errors.extend(
            self.close_date
                .and_then(|close| close_date_error(close, created_on)),
        );
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// Who the new deal names (see [`People::check`]).
    pub fn people(&self) -> People {
        People {
            owner: self.owner.clone(),
            sa: self.sa.clone(),
            plan_sa: String::new(),
            manager: self.manager.clone(),
        }
    }

    /// The deal as created: playbook defaults filled in, ten fresh steps.
    pub fn into_deal(self, id: DealId, playbook: &Playbook, now: DateTime<Utc>) -> Deal {
        Deal {
            id,
            name: self.name.trim().to_string(),
            account: self.account.trim().to_string(),
            amount: self.amount,
            implementation_fee: self.implementation_fee,
            support_rate_percent: self
                .support_rate_percent
                .unwrap_or(playbook.defaults.support_rate_percent),
            close_date: self.close_date,
            stage: self
                .stage
                .unwrap_or_else(|| playbook.defaults.stage.clone()),
            owner: self.owner.trim().to_string(),
            sa: self.sa.trim().to_string(),
            manager: self.manager.trim().to_string(),
            trigger_date: self.trigger_date,
            created_at: now,
            updated_at: now,
            version: 1,
            steps: Step::fresh_set(),
            content: DealContent::default(),
            escalations: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::step_number::number;

    #[test]
    fn name_and_account_are_required() {
        let errors = NewDeal::default().validate().unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "account"]);
        let ok = NewDeal {
            name: "Acme ERP".into(),
            account: "Acme".into(),
            ..Default::default()
        };
        assert!(ok.validate().is_ok());
    }

    #[test]
    fn first_year_value_adds_support_at_the_rate() {
        let pb = Playbook::default_playbook();
        let new = NewDeal {
            name: "Acme ERP".into(),
            account: "Acme".into(),
            amount: Some(Money::from_dollars(300_000)),
            implementation_fee: Some(Money::from_dollars(150_000)),
            ..Default::default()
        };
        let deal = new.into_deal(DealId(1), &pb, DateTime::UNIX_EPOCH);
        assert_eq!(deal.support_rate_percent, 20.0);
        assert_eq!(deal.first_year_value(), Some(Money::from_dollars(510_000)));
        assert_eq!(deal.stage, "Qualification");
        assert_eq!(deal.steps.len(), 10);
        assert_eq!(deal.current_step(), Some(number(1)));
    }

    #[test]
    fn support_rates_are_percentages() {
        assert_eq!(parse_support_rate("20"), Ok(20.0));
        assert_eq!(parse_support_rate(" 17.5 % "), Ok(17.5));
        assert!(parse_support_rate("120").unwrap_err().contains("0 to 100"));
        assert!(parse_support_rate("twenty").is_err());
        assert_eq!(percent_text(20.0), "20%");
        assert_eq!(percent_text(17.5), "17.5%");
        let year = FirstYear::of(Money::from_dollars(300_000), None, 20.0);
        assert_eq!(year.support, Money::from_dollars(60_000));
        assert_eq!(year.total(), Money::from_dollars(360_000));
    }

    #[test]
    fn the_owner_is_never_the_deal_s_sa_or_manager() {
        let new = |owner: &str, sa: &str, manager: &str| NewDeal {
            name: "A".into(),
            account: "A".into(),
            owner: owner.into(),
            sa: sa.into(),
            manager: manager.into(),
            ..Default::default()
        };
        assert!(new("Dana", "Sam", "Morgan").people().check().is_ok());
        assert!(new("", "", "").people().check().is_ok(), "nobody is nobody");
        let err = new("Dana Reyes", "Sam", " dana reyes ")
            .people()
            .check()
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "Dana Reyes owns the deal and cannot also be its manager: nobody signs off their own deal (name someone else as manager, or another owner)"
        );
        assert!(new("Dana", "DANA", "Morgan").people().check().is_err());
        let mut deal = new("Dana", "Sam", "Morgan").into_deal(
            DealId(1),
            &Playbook::default_playbook(),
            DateTime::UNIX_EPOCH,
        );
        deal.content.validation_plan.sa = "dana".into();
        assert!(matches!(
            deal.people().check(),
            Err(RuleError::OwnerHoldsRole {
                role: "validation plan's SA",
                ..
            })
        ));
        assert!(deal.is_on_deal(" MORGAN "));
        assert!(!deal.is_on_deal("Eve"));
        assert!(!deal.is_on_deal(""));
    }

    #[test]
    fn ids_are_positive_whole_numbers() {
        assert_eq!("42".parse::<DealId>().unwrap(), DealId(42));
        assert!("0".parse::<DealId>().is_err());
        assert!("x1".parse::<DealId>().unwrap_err().contains("deal list"));
    }
}
