//! The rows of a Salesforce export onto deals: an opportunity becomes a
//! deal (or brings one up to date), a contact role a stakeholder.

use super::super::bounds::NUL_REFUSED;
use super::super::content::{Level, NextStep, Role, Stakeholder, Stance};
use super::super::deal::{Deal, DealId, MAX_TEXT, NewDeal};
use super::super::forecast::{Outcome, OutcomeKind};
use super::super::money::Money;
use super::super::playbook::Playbook;
use super::super::salesforce_ref::SalesforceRef;
use super::cells::{CellError, parse_amount, parse_bool, parse_date, parse_percent, unneutralized};
use super::columns::{OppColumn, OppLayout, RoleColumn, RoleLayout};
use super::export::{DISQUALIFIED, LOADER_HEADERS, loader_row};
use chrono::{DateTime, NaiveDate, Utc};

/// One opportunity as the file has it. `None` is a column the file does
/// not have (the deal's value is kept); an empty cell clears the value.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Opportunity {
    pub id: String,
    pub name: String,
    pub account: String,
    pub account_id: Option<String>,
    pub amount: Option<Option<Money>>,
    pub close_date: Option<Option<NaiveDate>>,
    pub stage: Option<String>,
    pub next_step: Option<String>,
    pub probability: Option<Option<u8>>,
    pub forecast_category: Option<String>,
    /// Closed won, closed lost, or open (`None` when the file does not say).
    pub closed: Option<Option<OutcomeKind>>,
    pub owner: Option<String>,
    pub owner_id: Option<String>,
    /// Why it was lost (`None`: the file has no such column).
    pub loss_reason: Option<String>,
    /// The qualify deal this record is, when qualify exported it.
    pub qualify_id: Option<DealId>,
    /// The deal's version when qualify exported it.
    pub qualify_version: Option<i64>,
}

impl Opportunity {
    /// Read one record; the first cell that cannot be read is the error.
    pub fn read(layout: &OppLayout, record: &[String]) -> Result<Opportunity, CellError> {
        use OppColumn as C;
        let text = |c: C| {
            layout
                .cell(record, c)
                .map(|v| unneutralized(v.trim()).to_string())
        };
        let err = |c: C, message: String| CellError {
            column: layout.header(c).to_string(),
            message,
        };
        let short = |c: C, v: Option<String>| -> Result<Option<String>, CellError> {
            match v {
                Some(v) if v.chars().nth(MAX_TEXT).is_some() => Err(err(
                    c,
                    format!(
                        "too long: at most {MAX_TEXT} characters (this has {})",
                        v.chars().count()
                    ),
                )),
                Some(v) if v.contains('\0') => Err(err(c, NUL_REFUSED.into())),
                other => Ok(other),
            }
        };
        let id = short(C::Id, text(C::Id))?.unwrap_or_default();
        let name = short(C::Name, text(C::Name))?.unwrap_or_default();
        if name.is_empty() {
            return Err(err(C::Name, "empty: every opportunity needs a name".into()));
        }
        let account_id = short(C::AccountId, text(C::AccountId))?;
        let account = short(C::AccountName, text(C::AccountName))?
            .filter(|a| !a.is_empty())
            .or_else(|| account_id.clone().filter(|a| !a.is_empty()))
            .unwrap_or_default();
        if account.is_empty() {
            let column = if layout.has(C::AccountName) {
                C::AccountName
            } else {
                C::AccountId
            };
            return Err(err(
                column,
                "empty: every opportunity needs an account".into(),
            ));
        }
        let amount = match layout.cell(record, C::Amount) {
            Some(v) => Some(parse_amount(v).map_err(|m| err(C::Amount, m))?),
            None => None,
        };
        let close_date = match layout.cell(record, C::CloseDate) {
            Some(v) => Some(parse_date(v).map_err(|m| err(C::CloseDate, m))?),
            None => None,
        };
        let probability = match layout.cell(record, C::Probability) {
            Some(v) => Some(parse_percent(v).map_err(|m| err(C::Probability, m))?),
            None => None,
        };
        let is_closed = match layout.cell(record, C::IsClosed) {
            Some(v) => parse_bool(v).map_err(|m| err(C::IsClosed, m))?,
            None => None,
        };
        let is_won = match layout.cell(record, C::IsWon) {
            Some(v) => parse_bool(v).map_err(|m| err(C::IsWon, m))?,
            None => None,
        };
        let stage = short(C::Stage, text(C::Stage))?;
        let loss_reason = text(C::LossReason);
        if let Some(r) = &loss_reason
            && let Err(m) = crate::text::check_length(r, crate::text::MAX_LONG)
        {
            return Err(err(C::LossReason, m));
        }
        let closed = if layout.has(C::IsClosed) || layout.has(C::IsWon) {
            Some(match (is_closed, is_won) {
                (_, Some(true)) => Some(OutcomeKind::Won),
                (Some(true), _) => Some(OutcomeKind::Lost),
                _ => None,
            })
        } else {
            // report exports and qualify's own: the stage says it
            stage.as_deref().map(closed_by_stage)
        };
        // closed lost as disqualified, the way qualify's export writes it
        let disqualified = loss_reason
            .as_deref()
            .is_some_and(|r| r.trim().eq_ignore_ascii_case(DISQUALIFIED));
        let closed = closed.map(|c| match c {
            Some(OutcomeKind::Lost) if disqualified => Some(OutcomeKind::Disqualified),
            other => other,
        });
        let whole = |c: C, what: &str| -> Result<Option<i64>, CellError> {
            match text(c).filter(|v| !v.is_empty()) {
                None => Ok(None),
                Some(v) => match v.parse::<i64>() {
                    Ok(n) if n > 0 => Ok(Some(n)),
                    _ => Err(err(
                        c,
                        format!(
                            "not {what}: {:?} (a whole number, as qualify's export writes it)",
                            crate::text::clean(crate::text::head(&v, 40))
                        ),
                    )),
                },
            }
        };
        let qualify_id = whole(C::QualifyId, "a qualify deal id")?.map(DealId);
        let qualify_version = whole(C::QualifyVersion, "a version")?;
        // in qualify's own export the forecast category is qualify's (as of
        // the export), not one Salesforce had
        let forecast_category = if layout.has(C::QualifyId) {
            None
        } else {
            short(C::ForecastCategory, text(C::ForecastCategory))?
        };
        let next_step = text(C::NextStep);
        if let Some(n) = &next_step
            && let Err(m) = crate::text::check_length(n, crate::text::MAX_LONG)
        {
            return Err(err(C::NextStep, m));
        }
        Ok(Opportunity {
            id,
            name,
            account,
            account_id,
            amount,
            close_date,
            stage,
            next_step,
            probability,
            forecast_category,
            closed,
            owner: short(C::OwnerName, text(C::OwnerName))?,
            owner_id: short(C::OwnerId, text(C::OwnerId))?,
            loss_reason,
            qualify_id,
            qualify_version,
        })
    }

    /// The record qualify's own export writes for `deal` as it stands (read
    /// back as an import reads it): a cell that says the same changes
    /// nothing.
    pub fn of_deal(deal: &Deal, playbook: &Playbook, now: DateTime<Utc>) -> Opportunity {
        let headers: Vec<String> = LOADER_HEADERS.iter().map(|h| h.to_string()).collect();
        let layout = OppLayout::of(&headers).expect("the export's own header");
        let (cells, _) = loader_row(deal, playbook, now);
        Opportunity::read(&layout, &cells).unwrap_or_default()
    }

    /// How the record names itself in a report: its Id, else qualify's id,
    /// else its name.
    pub fn label(&self) -> String {
        match (self.id.is_empty(), self.qualify_id) {
            (false, _) => format!("Id {}", crate::text::clean(&self.id)),
            (true, Some(id)) => format!("Qualify_Id__c {id}"),
            (true, None) => format!("{:?}", crate::text::clean(&self.name)),
        }
    }

    /// The deal this opportunity becomes on a first import: its Salesforce
    /// fields, its Next Step as an open next step (due date to be set), and
    /// its outcome when closed.
    pub fn new_deal(&self, playbook: &Playbook, now: DateTime<Utc>, today: NaiveDate) -> Deal {
        let new = NewDeal {
            name: self.name.clone(),
            account: self.account.clone(),
            amount: self.amount.flatten(),
            close_date: self.close_date.flatten(),
            stage: self.stage.clone().filter(|s| !s.is_empty()),
            owner: self.owner.clone().unwrap_or_default(),
            ..NewDeal::default()
        };
        let mut deal = new.into_deal(DealId(0), playbook, now);
        if let Some(step) = self.next_step.as_deref().filter(|s| !s.is_empty()) {
            deal.content.next_steps.push(NextStep {
                action: step.to_string(),
                owner: deal.owner.clone(),
                due: None,
                set_on: today,
                done: false,
            });
        }
        self.apply(&mut deal, None, today);
        deal
    }

    /// Bring the deal's Salesforce-owned fields to this record's values:
    /// name, account, amount, close date, stage, owner, the Salesforce ids,
    /// Next Step, probability and forecast category, and the outcome when
    /// the opportunity is closed. Qualification content is never touched.
    /// With `baseline` (the record qualify's export writes for this deal as
    /// it stands, [`Opportunity::of_deal`]), a value the same as the
    /// baseline's is no change: it is what qualify wrote, not a new value.
    pub fn apply(&self, deal: &mut Deal, baseline: Option<&Opportunity>, today: NaiveDate) {
        let before = (deal.amount, deal.close_date);
        self.apply_fields(deal, baseline, today);
        crate::domain::warnings::note_change(deal, before, today);
    }

    fn apply_fields(&self, deal: &mut Deal, baseline: Option<&Opportunity>, today: NaiveDate) {
        let new = |value: &dyn Fn(&Opportunity) -> bool| baseline.is_none_or(|b| !value(b));
        if new(&|b| b.name == self.name) {
            deal.name = self.name.clone();
        }
        if new(&|b| b.account == self.account) {
            deal.account = self.account.clone();
        }
        if let Some(amount) = self.amount
            && new(&|b| b.amount == self.amount)
        {
            deal.amount = amount;
        }
        if let Some(date) = self.close_date
            && new(&|b| b.close_date == self.close_date)
        {
            deal.close_date = date;
        }
        if let Some(stage) = self.stage.as_ref().filter(|s| !s.is_empty())
            && new(&|b| b.stage == self.stage)
        {
            deal.stage = stage.clone();
        }
        if let Some(owner) = self.owner.as_ref().filter(|s| !s.is_empty()) {
            deal.owner = owner.clone();
        }
        let mut sf = deal.content.salesforce.clone().unwrap_or_default();
        if !self.id.is_empty() {
            sf.id = self.id.clone();
        }
        let set = |field: &mut String, value: &Option<String>, same: bool| {
            if let Some(v) = value
                && !same
            {
                *field = v.clone();
            }
        };
        set(
            &mut sf.account_id,
            &self.account_id,
            !new(&|b| b.account_id == self.account_id),
        );
        set(&mut sf.owner_id, &self.owner_id, false);
        set(
            &mut sf.next_step,
            &self.next_step,
            !new(&|b| b.next_step == self.next_step),
        );
        set(&mut sf.forecast_category, &self.forecast_category, false);
        if let Some(p) = self.probability
            && new(&|b| b.probability == self.probability)
        {
            sf.probability = p;
        }
        if deal.content.salesforce.is_some() || sf != SalesforceRef::default() {
            deal.content.salesforce = Some(sf);
        }
        let same_outcome = !new(&|b| b.closed == self.closed && b.loss_reason == self.loss_reason);
        if let Some(Some(kind)) = self.closed
            && !same_outcome
        {
            self.close(deal, kind, today);
        }
    }

    /// Record the outcome the opportunity closed with: a new one when the
    /// deal's differs in kind; the loss reason brought up to date when the
    /// file gives one.
    fn close(&self, deal: &mut Deal, kind: OutcomeKind, today: NaiveDate) {
        let reason = self
            .loss_reason
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty() && kind != OutcomeKind::Won);
        match deal.content.outcome.as_mut() {
            Some(o) if o.kind == kind => {
                // "Disqualified" only says how it closed, not why
                if let Some(reason) = reason.filter(|r| !r.eq_ignore_ascii_case(DISQUALIFIED)) {
                    o.reason = reason.to_string();
                }
            }
            _ => {
                deal.content.outcome = Some(Outcome {
                    kind,
                    on: self.close_date.flatten().unwrap_or(today),
                    reason: match (kind, reason) {
                        (OutcomeKind::Won, _) => String::new(),
                        (_, Some(reason)) => reason.to_string(),
                        _ => format!(
                            "closed lost in Salesforce (stage {})",
                            self.stage.as_deref().unwrap_or("Closed Lost")
                        ),
                    },
                    lost_to: String::new(),
                });
            }
        }
    }
}

/// Report exports have no IsClosed/IsWon: the standard closed stages say it.
fn closed_by_stage(stage: &str) -> Option<OutcomeKind> {
    match stage.trim().to_ascii_lowercase().as_str() {
        "closed won" => Some(OutcomeKind::Won),
        "closed lost" => Some(OutcomeKind::Lost),
        _ => None,
    }
}

/// Salesforce's contact roles onto qualify's (unknown roles are Other).
pub fn map_role(role: &str) -> Role {
    match role.trim().to_ascii_lowercase().as_str() {
        "business user" => Role::BusinessUser,
        "decision maker" => Role::DecisionMaker,
        "economic buyer" | "economic decision maker" => Role::EconomicBuyer,
        "evaluator" => Role::Evaluator,
        "executive sponsor" => Role::ExecutiveSponsor,
        "influencer" => Role::Influencer,
        "technical buyer" => Role::TechnicalBuyer,
        _ => Role::Other,
    }
}

/// One contact role as the file has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactRole {
    pub opportunity_id: String,
    pub contact_id: String,
    pub name: String,
    pub title: String,
    /// The role as Salesforce names it, and qualify's.
    pub sf_role: String,
    pub role: Role,
    pub primary: Option<bool>,
}

impl ContactRole {
    pub fn read(layout: &RoleLayout, record: &[String]) -> Result<ContactRole, CellError> {
        use RoleColumn as C;
        let text = |c: C| {
            layout
                .cell(record, c)
                .map(|v| unneutralized(v.trim()).to_string())
                .unwrap_or_default()
        };
        let err = |c: C, message: String| CellError {
            column: layout.header(c).to_string(),
            message,
        };
        let opportunity_id = text(C::OpportunityId);
        if opportunity_id.is_empty() {
            return Err(err(C::OpportunityId, "empty: which opportunity?".into()));
        }
        let mut name = text(C::ContactName);
        if name.is_empty() {
            name = format!("{} {}", text(C::FirstName), text(C::LastName))
                .trim()
                .to_string();
        }
        let name_column = if layout.has(C::ContactName) {
            C::ContactName
        } else {
            C::LastName
        };
        if name.is_empty() {
            return Err(err(
                name_column,
                "empty: every stakeholder needs a name".into(),
            ));
        }
        let title = text(C::Title);
        for (c, v) in [
            (name_column, &name),
            (C::Title, &title),
            (C::OpportunityId, &opportunity_id),
        ] {
            if let Err(m) = crate::text::check_length(v, MAX_TEXT) {
                return Err(err(c, m));
            }
        }
        let primary = match layout.cell(record, C::IsPrimary) {
            Some(v) => parse_bool(v).map_err(|m| err(C::IsPrimary, m))?,
            None => None,
        };
        let sf_role = text(C::Role);
        Ok(ContactRole {
            contact_id: crate::text::head(&text(C::ContactId), MAX_TEXT).to_string(),
            role: map_role(&sf_role),
            opportunity_id,
            name,
            title,
            sf_role,
            primary,
        })
    }

    /// Add this contact to the deal's stakeholders unless it is there
    /// already (by contact Id, else by name). Whether anything changed.
    pub fn apply(&self, deal: &mut Deal) -> bool {
        let sf = deal.content.salesforce.get_or_insert_with(Default::default);
        let known = sf
            .contacts
            .get(&self.contact_id)
            .filter(|_| !self.contact_id.is_empty())
            .cloned();
        let same = |s: &Stakeholder, name: &str| s.name.trim().eq_ignore_ascii_case(name.trim());
        let present =
            |deal: &Deal, name: &str| deal.content.stakeholders.iter().any(|s| same(s, name));
        let mut changed = false;
        if !(known.as_deref().is_some_and(|n| present(deal, n)) || present(deal, &self.name)) {
            deal.content.stakeholders.push(Stakeholder {
                name: self.name.clone(),
                title: self.title.clone(),
                role: self.role,
                stance: Stance::Neutral,
                influence: Level::Medium,
                last_engaged: None,
                confirmed_on: None,
            });
            changed = true;
        }
        if !self.contact_id.is_empty() && known.is_none() {
            let sf = deal.content.salesforce.get_or_insert_with(Default::default);
            sf.contacts
                .insert(self.contact_id.clone(), self.name.clone());
            changed = true;
        }
        changed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap()
    }

    /// A deal that closed `kind` (with a reason), as qualify keeps it.
    fn closed(kind: OutcomeKind, reason: &str) -> Deal {
        let new = NewDeal {
            name: "Acme ERP".into(),
            account: "Acme".into(),
            amount: Some(Money::from_dollars(100_000)),
            close_date: NaiveDate::from_ymd_opt(2026, 12, 1),
            stage: Some("Proposal".into()),
            ..NewDeal::default()
        };
        let mut deal = new.into_deal(DealId(7), &Playbook::default_playbook(), now());
        deal.content.outcome = Some(Outcome {
            kind,
            on: NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
            reason: reason.into(),
            lost_to: "Globex".into(),
        });
        deal
    }

    #[test]
    fn qualifys_own_row_of_a_deal_changes_nothing_and_an_edited_cell_only_its_field() {
        let pb = Playbook::default_playbook();
        for (kind, reason) in [
            (OutcomeKind::Won, ""),
            (OutcomeKind::Lost, "Price"),
            (OutcomeKind::Disqualified, "No budget"),
        ] {
            let deal = closed(kind, reason);
            let row = Opportunity::of_deal(&deal, &pb, now());
            assert_eq!(row.qualify_id, Some(DealId(7)));
            assert_eq!(row.closed, Some(Some(kind)), "{kind:?}");
            let mut again = deal.clone();
            row.apply(&mut again, Some(&row), now().date_naive());
            assert_eq!(again, deal, "{kind:?}: the deal's stage and reason stay");
            let edited = Opportunity {
                amount: Some(Some(Money::from_dollars(90_000))),
                ..row.clone()
            };
            edited.apply(&mut again, Some(&row), now().date_naive());
            assert_eq!(again.amount, Some(Money::from_dollars(90_000)));
            assert_eq!(again.content.outcome, deal.content.outcome);
            assert_eq!(again.stage, deal.stage);
            // into a database without the deal: the same outcome
            let fresh = row.new_deal(&pb, now(), now().date_naive());
            assert_eq!(fresh.content.outcome.map(|o| o.kind), Some(kind));
        }
    }

    #[test]
    fn disqualified_as_a_loss_reason_does_not_replace_the_reason_kept() {
        let mut deal = closed(OutcomeKind::Disqualified, "No budget");
        let row = Opportunity {
            closed: Some(Some(OutcomeKind::Disqualified)),
            loss_reason: Some("Disqualified".into()),
            name: deal.name.clone(),
            account: deal.account.clone(),
            ..Opportunity::default()
        };
        row.apply(&mut deal, None, now().date_naive());
        assert_eq!(deal.content.outcome.unwrap().reason, "No budget");
    }

    #[test]
    fn roles_map_onto_qualifys() {
        assert_eq!(map_role("Economic Decision Maker"), Role::EconomicBuyer);
        assert_eq!(map_role("economic buyer"), Role::EconomicBuyer);
        assert_eq!(map_role("Technical Buyer"), Role::TechnicalBuyer);
        assert_eq!(map_role("Business User"), Role::BusinessUser);
        assert_eq!(map_role("Executive Sponsor"), Role::ExecutiveSponsor);
        assert_eq!(map_role("Wizard"), Role::Other);
    }
}
