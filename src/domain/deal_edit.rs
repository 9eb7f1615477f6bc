//! Editing a deal's own fields (its name, account, amounts, dates and
//! people): what `deal set` and the deal screen's edit form change, checked
//! by the same rules a new deal is ([`NewDeal::validate`]).

use super::deal::{Deal, FieldError, NewDeal, percent_text};
use super::money::Money;
use chrono::NaiveDate;

/// A deal's own fields, as `deal add` and `deal set` name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DealField {
    Name,
    Account,
    Amount,
    ImplementationFee,
    SupportRate,
    CloseDate,
    Stage,
    Owner,
    Sa,
    Manager,
    TriggerDate,
}

impl DealField {
    pub const ALL: [DealField; 11] = [
        DealField::Name,
        DealField::Account,
        DealField::Amount,
        DealField::ImplementationFee,
        DealField::SupportRate,
        DealField::CloseDate,
        DealField::Stage,
        DealField::Owner,
        DealField::Sa,
        DealField::Manager,
        DealField::TriggerDate,
    ];

    /// The deal document's key, by which the history names the field.
    pub fn key(self) -> &'static str {
        match self {
            DealField::Name => "name",
            DealField::Account => "account",
            DealField::Amount => "amount",
            DealField::ImplementationFee => "implementation_fee",
            DealField::SupportRate => "support_rate_percent",
            DealField::CloseDate => "close_date",
            DealField::Stage => "stage",
            DealField::Owner => "owner",
            DealField::Sa => "sa",
            DealField::Manager => "manager",
            DealField::TriggerDate => "trigger_date",
        }
    }

    /// The field's value on `deal` as a person reads it; empty when the
    /// deal has none.
    pub fn text(self, deal: &Deal) -> String {
        let money = |m: Option<Money>| m.map(|m| m.to_string()).unwrap_or_default();
        let date = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
        match self {
            DealField::Name => deal.name.clone(),
            DealField::Account => deal.account.clone(),
            DealField::Amount => money(deal.amount),
            DealField::ImplementationFee => money(deal.implementation_fee),
            DealField::SupportRate => percent_text(deal.support_rate_percent),
            DealField::CloseDate => date(deal.close_date),
            DealField::Stage => deal.stage.clone(),
            DealField::Owner => deal.owner.clone(),
            DealField::Sa => deal.sa.clone(),
            DealField::Manager => deal.manager.clone(),
            DealField::TriggerDate => date(deal.trigger_date),
        }
    }
}

/// One field an edit changed, its value before and after in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Changed {
    pub field: DealField,
    pub before: String,
    pub after: String,
}

/// A change to a deal's own fields: each field given (`Some`) is set, the
/// others keep their values. A value a deal may be without (an amount, a
/// date) is cleared by `Some(None)`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DealEdit {
    pub name: Option<String>,
    pub account: Option<String>,
    pub amount: Option<Option<Money>>,
    pub implementation_fee: Option<Option<Money>>,
    pub support_rate_percent: Option<f64>,
    pub close_date: Option<Option<NaiveDate>>,
    pub stage: Option<String>,
    pub owner: Option<String>,
    pub sa: Option<String>,
    pub manager: Option<String>,
    pub trigger_date: Option<Option<NaiveDate>>,
}

impl DealEdit {
    /// Whether the edit gives no field at all.
    pub fn is_empty(&self) -> bool {
        *self == DealEdit::default()
    }

    /// Apply the edit to `deal`, created on `created_on` (its creator's
    /// day). The deal's fields as they would be afterwards are checked as a
    /// new deal's are ([`NewDeal::validate`]; a close date given, also
    /// against the day the deal was created, [`NewDeal::validate_on`]); when
    /// they fail, the deal is left as it was. The fields whose value
    /// changed, in [`DealField::ALL`]'s order (none: nothing changed).
    pub fn apply(
        &self,
        deal: &mut Deal,
        created_on: NaiveDate,
    ) -> Result<Vec<Changed>, Vec<FieldError>> {
        let mut fields = NewDeal::of(deal);
        self.fill(&mut fields);
        match self.close_date {
            Some(Some(_)) => fields.validate_on(created_on)?,
            _ => fields.validate()?,
        }
        let before = DealField::ALL.map(|f| f.text(deal));
        write(fields, deal);
        Ok(DealField::ALL
            .into_iter()
            .zip(before)
            .filter_map(|(field, before)| {
                let after = field.text(deal);
                (after != before).then_some(Changed {
                    field,
                    before,
                    after,
                })
            })
            .collect())
    }

    /// The fields given, set on `fields`.
    fn fill(&self, fields: &mut NewDeal) {
        let set = |to: &mut String, value: &Option<String>| {
            if let Some(value) = value {
                to.clone_from(value);
            }
        };
        set(&mut fields.name, &self.name);
        set(&mut fields.account, &self.account);
        set(&mut fields.owner, &self.owner);
        set(&mut fields.sa, &self.sa);
        set(&mut fields.manager, &self.manager);
        if let Some(amount) = self.amount {
            fields.amount = amount;
        }
        if let Some(fee) = self.implementation_fee {
            fields.implementation_fee = fee;
        }
        if let Some(rate) = self.support_rate_percent {
            fields.support_rate_percent = Some(rate);
        }
        if let Some(close) = self.close_date {
            fields.close_date = close;
        }
        if let Some(stage) = &self.stage {
            fields.stage = Some(stage.clone());
        }
        if let Some(trigger) = self.trigger_date {
            fields.trigger_date = trigger;
        }
    }
}

impl NewDeal {
    /// A deal's own fields as they are, as a new deal would give them.
    pub fn of(deal: &Deal) -> NewDeal {
        NewDeal {
            name: deal.name.clone(),
            account: deal.account.clone(),
            amount: deal.amount,
            implementation_fee: deal.implementation_fee,
            support_rate_percent: Some(deal.support_rate_percent),
            close_date: deal.close_date,
            stage: Some(deal.stage.clone()),
            owner: deal.owner.clone(),
            sa: deal.sa.clone(),
            manager: deal.manager.clone(),
            trigger_date: deal.trigger_date,
        }
    }
}

/// Write checked fields onto the deal, trimmed as a new deal's are.
fn write(fields: NewDeal, deal: &mut Deal) {
    deal.name = fields.name.trim().to_string();
    deal.account = fields.account.trim().to_string();
    deal.amount = fields.amount;
    deal.implementation_fee = fields.implementation_fee;
    if let Some(rate) = fields.support_rate_percent {
        deal.support_rate_percent = rate;
    }
    deal.close_date = fields.close_date;
    if let Some(stage) = fields.stage {
        deal.stage = stage.trim().to_string();
    }
    deal.owner = fields.owner.trim().to_string();
    deal.sa = fields.sa.trim().to_string();
    deal.manager = fields.manager.trim().to_string();
    deal.trigger_date = fields.trigger_date;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::deal::DealId;
    use crate::domain::parse_date;
    use crate::domain::playbook::Playbook;
    use chrono::{TimeZone, Utc};

    fn acme() -> Deal {
        let new = NewDeal {
            name: "Acme ERP".into(),
            account: "Acme".into(),
            amount: Some(Money::from_dollars(300_000)),
            close_date: Some(parse_date("2027-03-31").unwrap()),
            owner: "Dana Reyes".into(),
            ..Default::default()
        };
        let at = Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap();
        new.into_deal(DealId(1), &Playbook::default_playbook(), at)
    }

    fn day(text: &str) -> NaiveDate {
        parse_date(text).unwrap()
    }

    #[test]
    fn only_the_fields_given_change_and_each_change_is_named() {
        let mut deal = acme();
        let edit = DealEdit {
            amount: Some(Some(Money::from_dollars(350_000))),
            sa: Some(" Sam Okafor ".into()),
            stage: Some("Qualification".into()),
            ..Default::default()
        };
        let changed = edit.apply(&mut deal, day("2026-11-02")).unwrap();
        assert_eq!(
            changed,
            [
                Changed {
                    field: DealField::Amount,
                    before: "$300,000".into(),
                    after: "$350,000".into()
                },
                Changed {
                    field: DealField::Sa,
                    before: String::new(),
                    after: "Sam Okafor".into()
                },
            ],
            "the stage given is the deal's already"
        );
        assert_eq!(deal.name, "Acme ERP");
        assert_eq!(deal.sa, "Sam Okafor");
        let clear = DealEdit {
            close_date: Some(None),
            ..Default::default()
        };
        clear.apply(&mut deal, day("2026-11-02")).unwrap();
        assert_eq!(deal.close_date, None);
    }

    #[test]
    fn an_edit_is_checked_as_a_new_deal_is_and_a_refused_one_changes_nothing() {
        let mut deal = acme();
        let before = deal.clone();
        let edit = DealEdit {
            name: Some("  ".into()),
            amount: Some(Some(Money::from_cents(-500))),
            support_rate_percent: Some(120.0),
            close_date: Some(Some(day("1999-12-31"))),
            ..Default::default()
        };
        let errors = edit.apply(&mut deal, day("2026-11-02")).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "support_rate", "amount", "close_date"]);
        assert!(
            errors[3]
                .message
                .contains("before the deal was created (2026-11-02)"),
            "{}",
            errors[3]
        );
        assert_eq!(deal, before);
    }

    #[test]
    fn a_close_date_kept_is_not_checked_against_the_creation_again() {
        // a deal imported closed: its close date is before it came in
        let mut deal = acme();
        deal.close_date = Some(day("2026-09-30"));
        let edit = DealEdit {
            manager: Some("Morgan Lee".into()),
            ..Default::default()
        };
        assert_eq!(edit.apply(&mut deal, day("2026-11-02")).unwrap().len(), 1);
        let edit = DealEdit {
            close_date: Some(Some(day("2026-11-02"))),
            ..Default::default()
        };
        assert!(
            edit.apply(&mut deal, day("2026-11-02")).is_ok(),
            "the day itself"
        );
    }
}
