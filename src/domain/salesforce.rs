//! Salesforce exports in and out, as pure rules: which column is which in
//! both header styles (Data Loader API names and report labels), how a cell
//! is read (dates, datetimes, booleans, amounts, percentages), how an
//! opportunity and a contact role land on a deal, and how a cell is written
//! so that a spreadsheet never runs it as a formula.

use super::content::{Level, NextStep, Role, Stakeholder, Stance};
use super::dates::date_in_range;
use super::deal::{Deal, DealId, MAX_TEXT, NewDeal};
use super::forecast::{Outcome, OutcomeKind};
use super::money::Money;
use super::playbook::Playbook;
pub use super::salesforce_ref::SalesforceRef;
use chrono::{DateTime, NaiveDate, Utc};
use std::fmt;

/// A column's name with case, spaces and punctuation taken away:
/// `Account.Name`, `Account Name` and `account_name` are all `accountname`.
pub fn normalize(header: &str) -> String {
    header
        .trim_start_matches('\u{feff}')
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The columns of an opportunity export qualify reads, each with the names
/// it has in either header style (normalised).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OppColumn {
    Id,
    Name,
    AccountId,
    AccountName,
    Amount,
    CloseDate,
    Stage,
    NextStep,
    Probability,
    IsClosed,
    IsWon,
    ForecastCategory,
    OwnerName,
    OwnerId,
}

impl OppColumn {
    const ALL: [OppColumn; 14] = [
        OppColumn::Id,
        OppColumn::Name,
        OppColumn::AccountId,
        OppColumn::AccountName,
        OppColumn::Amount,
        OppColumn::CloseDate,
        OppColumn::Stage,
        OppColumn::NextStep,
        OppColumn::Probability,
        OppColumn::IsClosed,
        OppColumn::IsWon,
        OppColumn::ForecastCategory,
        OppColumn::OwnerName,
        OppColumn::OwnerId,
    ];

    /// Normalised names, preferred first.
    fn names(self) -> &'static [&'static str] {
        match self {
            OppColumn::Id => &["id", "opportunityid"],
            OppColumn::Name => &["name", "opportunityname"],
            OppColumn::AccountId => &["accountid"],
            OppColumn::AccountName => &["accountname"],
            OppColumn::Amount => &["amount"],
            OppColumn::CloseDate => &["closedate"],
            OppColumn::Stage => &["stagename", "stage"],
            OppColumn::NextStep => &["nextstep"],
            OppColumn::Probability => &["probability"],
            OppColumn::IsClosed => &["isclosed", "closed"],
            OppColumn::IsWon => &["iswon", "won"],
            OppColumn::ForecastCategory => &["forecastcategoryname", "forecastcategory"],
            OppColumn::OwnerName => &["ownername", "opportunityowner", "owner"],
            OppColumn::OwnerId => &["ownerid"],
        }
    }
}

/// The columns of a contact-role export qualify reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleColumn {
    OpportunityId,
    ContactId,
    Role,
    IsPrimary,
    ContactName,
    FirstName,
    LastName,
    Title,
}

impl RoleColumn {
    const ALL: [RoleColumn; 8] = [
        RoleColumn::OpportunityId,
        RoleColumn::ContactId,
        RoleColumn::Role,
        RoleColumn::IsPrimary,
        RoleColumn::ContactName,
        RoleColumn::FirstName,
        RoleColumn::LastName,
        RoleColumn::Title,
    ];

    fn names(self) -> &'static [&'static str] {
        match self {
            RoleColumn::OpportunityId => &["opportunityid"],
            RoleColumn::ContactId => &["contactid"],
            RoleColumn::Role => &["role", "contactrole"],
            RoleColumn::IsPrimary => &["isprimary", "primary"],
            RoleColumn::ContactName => &["contactname", "name", "fullname"],
            RoleColumn::FirstName => &["contactfirstname", "firstname"],
            RoleColumn::LastName => &["contactlastname", "lastname"],
            RoleColumn::Title => &["contacttitle", "title"],
        }
    }
}

/// What kind of export a header row is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportKind {
    Opportunities,
    ContactRoles,
}

/// Which export a header row belongs to, if any: contact roles carry an
/// opportunity id, a role and a contact; opportunities a name.
pub fn detect(headers: &[String]) -> Option<ExportKind> {
    let has = |name: &str| headers.iter().any(|h| normalize(h) == name);
    if has("opportunityid") && (has("role") || has("contactrole")) && has_contact(&has) {
        return Some(ExportKind::ContactRoles);
    }
    if has("name") || has("opportunityname") {
        return Some(ExportKind::Opportunities);
    }
    None
}

fn has_contact(has: &dyn Fn(&str) -> bool) -> bool {
    ["contactid", "contactname", "firstname", "lastname"]
        .iter()
        .any(|n| has(n))
}

/// Where each known column sits in a file's header row, and the columns
/// that are not read (custom fields and the rest), to be reported once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout<C> {
    columns: Vec<(C, usize, String)>,
    pub ignored: Vec<String>,
}

impl<C: Copy + PartialEq> Layout<C> {
    fn build(headers: &[String], all: &[C], names: fn(C) -> &'static [&'static str]) -> Self {
        let normalized: Vec<String> = headers.iter().map(|h| normalize(h)).collect();
        let mut columns = Vec::new();
        let mut used = vec![false; headers.len()];
        for &column in all {
            // the first name the file has, in order of preference
            let found = names(column)
                .iter()
                .find_map(|name| normalized.iter().position(|h| h == name && !h.is_empty()));
            if let Some(i) = found
                && !used[i]
            {
                used[i] = true;
                columns.push((column, i, clean_header(&headers[i])));
            }
        }
        let ignored = headers
            .iter()
            .zip(&used)
            .filter(|(h, used)| !**used && !h.trim().is_empty())
            .map(|(h, _)| clean_header(h))
            .collect();
        Layout { columns, ignored }
    }

    pub fn has(&self, column: C) -> bool {
        self.columns.iter().any(|(c, _, _)| *c == column)
    }

    /// The cell of `column` in `record` (`None` when the file has no such
    /// column; empty when the record is short).
    pub fn cell<'r>(&self, record: &'r [String], column: C) -> Option<&'r str> {
        self.columns
            .iter()
            .find(|(c, _, _)| *c == column)
            .map(|(_, i, _)| record.get(*i).map_or("", |s| s.as_str()))
    }

    /// The column's name as the file spells it.
    pub fn header(&self, column: C) -> &str {
        self.columns
            .iter()
            .find(|(c, _, _)| *c == column)
            .map_or("", |(_, _, h)| h.as_str())
    }
}

fn clean_header(h: &str) -> String {
    crate::text::clean(h.trim_start_matches('\u{feff}').trim())
}

pub type OppLayout = Layout<OppColumn>;
pub type RoleLayout = Layout<RoleColumn>;

impl OppLayout {
    /// The layout of an opportunity export, or why the header is not one.
    pub fn of(headers: &[String]) -> Result<OppLayout, String> {
        let layout = Layout::build(headers, &OppColumn::ALL, OppColumn::names);
        if !layout.has(OppColumn::Name) {
            return Err(
                "no Name or Opportunity Name column: not a Salesforce opportunity export".into(),
            );
        }
        if !layout.has(OppColumn::AccountName) && !layout.has(OppColumn::AccountId) {
            return Err(
                "no Account.Name, Account Name or AccountId column: export the opportunity's account too"
                    .into(),
            );
        }
        Ok(layout)
    }
}

impl RoleLayout {
    /// The layout of a contact-role export, or why the header is not one.
    pub fn of(headers: &[String]) -> Result<RoleLayout, String> {
        let layout = Layout::build(headers, &RoleColumn::ALL, RoleColumn::names);
        if !layout.has(RoleColumn::OpportunityId) {
            return Err(
                "no OpportunityId or Opportunity ID column: not a Salesforce contact-role export"
                    .into(),
            );
        }
        let named = [
            RoleColumn::ContactName,
            RoleColumn::FirstName,
            RoleColumn::LastName,
        ];
        if !named.iter().any(|c| layout.has(*c)) {
            return Err(
                "no Contact.Name or Contact Name column: export the contact's name with the roles"
                    .into(),
            );
        }
        Ok(layout)
    }
}

/// A cell that could not be read: its column as the file names it, the
/// value, and what is accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellError {
    pub column: String,
    pub message: String,
}

impl fmt::Display for CellError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.column, self.message)
    }
}

const SF_DATE_FORM: &str = "use YYYY-MM-DD, M/D/YYYY or MM/DD/YY between 1900 and 2200";

/// A date as Salesforce exports write it: `2027-03-31`, `3/31/2027`,
/// `03/31/27` (US order; two-digit years 69-99 are 19xx, 00-68 20xx), or
/// a datetime `2024-07-11T21:22:07.000+0000` (its date). Empty is none.
pub fn parse_date(text: &str) -> Result<Option<NaiveDate>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let bad = || {
        format!(
            "not a date: {:?} ({SF_DATE_FORM})",
            crate::text::clean(crate::text::head(t, 40))
        )
    };
    let date = if t.contains('/') {
        let parts: Vec<&str> = t.split('/').collect();
        let [m, d, y] = parts[..] else {
            return Err(bad());
        };
        let digits = |s: &str, lens: &[usize]| {
            lens.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
        };
        if !digits(m, &[1, 2]) || !digits(d, &[1, 2]) || !digits(y, &[2, 4]) {
            return Err(bad());
        }
        let (m, d, mut y): (u32, u32, i32) = (
            m.parse().map_err(|_| bad())?,
            d.parse().map_err(|_| bad())?,
            y.parse().map_err(|_| bad())?,
        );
        if y < 100 {
            y += if y >= 69 { 1900 } else { 2000 };
        }
        NaiveDate::from_ymd_opt(y, m, d).ok_or_else(bad)?
    } else if t.len() > 10 && t.as_bytes().get(10) == Some(&b'T') {
        let parsed = ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%dT%H:%M:%S%.f%:z"]
            .iter()
            .find_map(|f| DateTime::parse_from_str(t, f).ok())
            .or_else(|| {
                t.strip_suffix('Z').and_then(|n| {
                    chrono::NaiveDateTime::parse_from_str(n, "%Y-%m-%dT%H:%M:%S%.f")
                        .ok()
                        .map(|n| n.and_utc().fixed_offset())
                })
            });
        parsed.ok_or_else(bad)?.date_naive()
    } else {
        super::dates::parse_date(t).map_err(|_| bad())?
    };
    if date_in_range(date) {
        Ok(Some(date))
    } else {
        Err(bad())
    }
}

/// A checkbox: `TRUE`/`FALSE`, `true`/`false`, `1`/`0`; empty is none.
pub fn parse_bool(text: &str) -> Result<Option<bool>, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "" => Ok(None),
        "true" | "1" => Ok(Some(true)),
        "false" | "0" => Ok(Some(false)),
        _ => Err(format!(
            "not a checkbox value: {:?} (use TRUE, FALSE, 1, 0 or leave it empty)",
            crate::text::clean(crate::text::head(text, 40))
        )),
    }
}

/// An amount: `420000.50`, `$1,250,000.00`, `USD 1,250,000.00`; empty is none.
pub fn parse_amount(text: &str) -> Result<Option<Money>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let t = t.strip_prefix("USD").map_or(t, str::trim_start);
    Money::parse(t).map(Some).map_err(|_| {
        format!(
            "not an amount: {:?} (use 420000.50 or $1,250,000.00)",
            crate::text::clean(crate::text::head(text, 40))
        )
    })
}

/// A percentage 0-100 (`75`, `75%`, `75.0`), rounded; empty is none.
pub fn parse_percent(text: &str) -> Result<Option<u8>, String> {
    let t = text.trim().trim_end_matches('%').trim();
    if t.is_empty() {
        return Ok(None);
    }
    t.parse::<f64>()
        .ok()
        .filter(|p| (0.0..=100.0).contains(p))
        .map(|p| Some(p.round() as u8))
        .ok_or_else(|| {
            format!(
                "not a percentage: {:?} (use 0 to 100)",
                crate::text::clean(crate::text::head(text, 40))
            )
        })
}

/// A cell as written by a spreadsheet-safe export: a leading `'` that
/// neutralised a formula character is taken away again.
fn unneutralized(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_STARTS) => rest,
        _ => cell,
    }
}

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
        let closed = if layout.has(C::IsClosed) || layout.has(C::IsWon) {
            Some(match (is_closed, is_won) {
                (_, Some(true)) => Some(OutcomeKind::Won),
                (Some(true), _) => Some(OutcomeKind::Lost),
                _ => None,
            })
        } else {
            // report exports: the stage says it
            stage.as_deref().map(closed_by_stage)
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
            forecast_category: short(C::ForecastCategory, text(C::ForecastCategory))?,
            closed,
            owner: short(C::OwnerName, text(C::OwnerName))?,
            owner_id: short(C::OwnerId, text(C::OwnerId))?,
        })
    }

    /// How the record names itself in a report: its Id, else its name.
    pub fn label(&self) -> String {
        if self.id.is_empty() {
            format!("{:?}", crate::text::clean(&self.name))
        } else {
            format!("Id {}", crate::text::clean(&self.id))
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
        self.apply(&mut deal, today);
        deal
    }

    /// Bring the deal's Salesforce-owned fields to this record's values:
    /// name, account, amount, close date, stage, owner, the Salesforce ids,
    /// Next Step, probability and forecast category, and the outcome when
    /// the opportunity is closed. Qualification content is never touched.
    pub fn apply(&self, deal: &mut Deal, today: NaiveDate) {
        deal.name = self.name.clone();
        deal.account = self.account.clone();
        if let Some(amount) = self.amount {
            deal.amount = amount;
        }
        if let Some(date) = self.close_date {
            deal.close_date = date;
        }
        if let Some(stage) = self.stage.as_ref().filter(|s| !s.is_empty()) {
            deal.stage = stage.clone();
        }
        if let Some(owner) = self.owner.as_ref().filter(|s| !s.is_empty()) {
            deal.owner = owner.clone();
        }
        let sf = deal.content.salesforce.get_or_insert_with(Default::default);
        if !self.id.is_empty() {
            sf.id = self.id.clone();
        }
        let set = |field: &mut String, value: &Option<String>| {
            if let Some(v) = value {
                *field = v.clone();
            }
        };
        set(&mut sf.account_id, &self.account_id);
        set(&mut sf.owner_id, &self.owner_id);
        set(&mut sf.next_step, &self.next_step);
        set(&mut sf.forecast_category, &self.forecast_category);
        if let Some(p) = self.probability {
            sf.probability = p;
        }
        if let Some(Some(kind)) = self.closed {
            let same = deal
                .content
                .outcome
                .as_ref()
                .is_some_and(|o| o.kind == kind);
            if !same {
                deal.content.outcome = Some(Outcome {
                    kind,
                    on: self.close_date.flatten().unwrap_or(today),
                    reason: match kind {
                        OutcomeKind::Won => String::new(),
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

/// The characters a spreadsheet reads as the start of a formula.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A text cell a spreadsheet will show as text (OWASP's CSV injection
/// advice): one starting with `=`, `+`, `-`, `@`, a tab or a carriage
/// return gets a leading `'`. Control characters other than line breaks and
/// tabs are replaced, so the file is safe to print too.
pub fn safe_cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 1);
    if text.starts_with(FORMULA_STARTS) {
        out.push('\'');
    }
    for c in text.chars() {
        match c {
            '\n' | '\t' => out.push(c),
            '\r' => {}
            c if c.is_control()
                || matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}') =>
            {
                out.push('\u{FFFD}')
            }
            c => out.push(c),
        }
    }
    out
}

/// `text` cut to `max` characters, and whether it was cut.
pub fn cut(text: &str, max: usize) -> (String, bool) {
    match text.char_indices().nth(max) {
        Some((end, _)) => (text[..end].to_string(), true),
        None => (text.to_string(), false),
    }
}

/// An amount as a plain number: `300000`, `300000.5`.
pub fn number(m: Money) -> String {
    let cents = m.cents();
    if cents % 100 == 0 {
        (cents / 100).to_string()
    } else {
        format!("{}.{:02}", cents / 100, cents % 100)
    }
}

/// The columns of the Data Loader export, in order.
pub const LOADER_HEADERS: [&str; 11] = [
    "Id",
    "Name",
    "AccountId",
    "Account.Name",
    "Amount",
    "CloseDate",
    "StageName",
    "NextStep",
    "ForecastCategoryName",
    "Probability",
    "Description",
];

/// Salesforce's limits on the fields qualify writes.
pub const NAME_MAX: usize = 120;
pub const NEXT_STEP_MAX: usize = 255;

/// One Data Loader row of `deal`, and the fields that had to be cut.
pub fn loader_row(
    deal: &Deal,
    playbook: &Playbook,
    now: DateTime<Utc>,
) -> (Vec<String>, Vec<&'static str>) {
    let row = super::pipeline::summarize(deal, playbook, now);
    let sf = deal.content.salesforce.clone().unwrap_or_default();
    let mut cuts = Vec::new();
    let (name, name_cut) = cut(&deal.name, NAME_MAX);
    if name_cut {
        cuts.push("Name");
    }
    // the next open step qualify knows of (soonest due), else Salesforce's own
    let next = deal
        .content
        .next_steps
        .iter()
        .filter(|n| !n.done)
        .min_by_key(|n| (n.due.is_none(), n.due))
        .map(|n| match n.due {
            Some(due) => format!("{} (due {due})", n.action),
            None => n.action.clone(),
        })
        .unwrap_or(sf.next_step.clone());
    let (next, next_cut) = cut(&next, NEXT_STEP_MAX);
    if next_cut {
        cuts.push("NextStep");
    }
    let probability = match deal.content.outcome.as_ref().map(|o| o.kind) {
        Some(OutcomeKind::Won) => Some(100),
        Some(_) => Some(0),
        None => sf.probability,
    };
    let cells = vec![
        safe_cell(&sf.id),
        safe_cell(&name),
        safe_cell(&sf.account_id),
        safe_cell(&deal.account),
        deal.amount.map(number).unwrap_or_default(),
        deal.close_date.map(|d| d.to_string()).unwrap_or_default(),
        safe_cell(&deal.stage),
        safe_cell(&next),
        row.forecast.label().to_string(),
        probability.map(|p| p.to_string()).unwrap_or_default(),
        safe_cell(&description(deal, &row)),
    ];
    (cells, cuts)
}

/// The MEDDPICC summary written to the opportunity's Description.
pub fn description(deal: &Deal, row: &super::pipeline::PipelineRow) -> String {
    use super::content::Choice;
    let card = &deal.content.meddpicc;
    let framework = card.framework.label();
    let verdict = row.verdict.map_or("no verdict yet", |v| v.label());
    let scores: Vec<String> = card
        .framework
        .elements()
        .into_iter()
        .map(|e| {
            let score = card.elements.get(&e).map_or(0, |s| s.score);
            format!("{} {score}", e.label())
        })
        .collect();
    let mut text = format!(
        "{framework} {}/{} ({verdict}): {}. Steps {}/10 complete; QA {}/{}",
        row.meddpicc_total,
        row.meddpicc_max,
        scores.join(", "),
        row.steps_complete,
        row.qa_passed,
        row.qa_total,
    );
    if let Some(band) = row.risk_band {
        text.push_str(&format!("; risk {band}"));
    }
    text.push_str(". From qualify.");
    text
}

/// The spreadsheet export's columns: the pipeline list's.
pub const LIST_HEADERS: [&str; 18] = [
    "Id",
    "Deal",
    "Account",
    "Owner",
    "SA",
    "Amount",
    "Close date",
    "Stage",
    "Forecast category",
    "Verdict",
    "MEDDPICC total",
    "MEDDPICC max",
    "Steps complete",
    "QA passed",
    "QA items",
    "Open escalations",
    "Overdue escalations",
    "Risk band",
];

/// More of the list's columns, after [`LIST_HEADERS`].
pub const LIST_TAIL: [&str; 3] = ["Next step due", "Stalled", "Outcome"];

/// One spreadsheet row of the pipeline list.
pub fn list_row(d: &super::deal::DealSummary) -> Vec<String> {
    vec![
        d.id.to_string(),
        safe_cell(&d.name),
        safe_cell(&d.account),
        safe_cell(&d.owner),
        safe_cell(&d.sa),
        d.amount.map(number).unwrap_or_default(),
        d.close_date.map(|x| x.to_string()).unwrap_or_default(),
        safe_cell(&d.stage),
        d.forecast.label().to_string(),
        d.verdict.map(|v| v.label().to_string()).unwrap_or_default(),
        d.meddpicc_total.to_string(),
        d.meddpicc_max.to_string(),
        d.steps_complete.to_string(),
        d.qa_passed.to_string(),
        d.qa_total.to_string(),
        d.escalations_open.to_string(),
        d.escalations_overdue.to_string(),
        d.risk_band.clone().unwrap_or_default(),
        d.next_step_due.map(|x| x.to_string()).unwrap_or_default(),
        if d.stalled { "yes" } else { "no" }.to_string(),
        d.outcome.map(|o| o.key().to_string()).unwrap_or_default(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, day)
    }

    #[test]
    fn dates_in_every_style_salesforce_writes() {
        assert_eq!(parse_date("2027-03-31"), Ok(d(2027, 3, 31)));
        assert_eq!(parse_date("3/31/2027"), Ok(d(2027, 3, 31)));
        assert_eq!(parse_date("03/31/27"), Ok(d(2027, 3, 31)));
        assert_eq!(parse_date("12/01/99"), Ok(d(1999, 12, 1)));
        assert_eq!(
            parse_date("2024-07-11T21:22:07.000+0000"),
            Ok(d(2024, 7, 11))
        );
        assert_eq!(parse_date("2024-07-11T21:22:07Z"), Ok(d(2024, 7, 11)));
        assert_eq!(parse_date(" "), Ok(None));
        for bad in [
            "2/30/2024",
            "31/12/2024",
            "2024-02-30",
            "1/1/1800",
            "soon",
            "1/2",
            "1/2/3/4",
            "+1/2/2024",
        ] {
            let e = parse_date(bad).unwrap_err();
            assert!(e.contains("M/D/YYYY"), "{bad}: {e}");
        }
    }

    #[test]
    fn booleans_amounts_and_percentages() {
        for (t, v) in [
            ("TRUE", Some(true)),
            ("false", Some(false)),
            ("1", Some(true)),
            ("0", Some(false)),
            ("", None),
        ] {
            assert_eq!(parse_bool(t), Ok(v));
        }
        assert!(parse_bool("yes please").is_err());
        assert_eq!(
            parse_amount("420000.50"),
            Ok(Some(Money::from_cents(42_000_050)))
        );
        assert_eq!(
            parse_amount("$1,250,000.00"),
            Ok(Some(Money::from_dollars(1_250_000)))
        );
        assert_eq!(
            parse_amount("USD 1,000"),
            Ok(Some(Money::from_dollars(1_000)))
        );
        assert_eq!(parse_amount(""), Ok(None));
        assert!(parse_amount("lots").unwrap_err().contains("not an amount"));
        assert!(parse_amount("-5").is_err());
        assert_eq!(parse_percent("75%"), Ok(Some(75)));
        assert_eq!(parse_percent("12.6"), Ok(Some(13)));
        assert!(parse_percent("120").is_err());
    }

    #[test]
    fn both_header_styles_find_the_same_columns() {
        let api: Vec<String> = [
            "\u{feff}Id",
            "AccountId",
            "Name",
            "Amount",
            "CloseDate",
            "StageName",
            "Account.Name",
            "Region__c",
        ]
        .map(String::from)
        .to_vec();
        let report: Vec<String> = [
            "Opportunity Name",
            "Account Name",
            "Amount",
            "Close Date",
            "Stage",
            "Opportunity ID",
            "Custom Thing",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(detect(&api), Some(ExportKind::Opportunities));
        assert_eq!(detect(&report), Some(ExportKind::Opportunities));
        let a = OppLayout::of(&api).unwrap();
        let r = OppLayout::of(&report).unwrap();
        for c in [
            OppColumn::Id,
            OppColumn::Name,
            OppColumn::AccountName,
            OppColumn::CloseDate,
            OppColumn::Stage,
        ] {
            assert!(a.has(c) && r.has(c), "{c:?}");
        }
        assert_eq!(a.ignored, ["Region__c"]);
        assert_eq!(r.ignored, ["Custom Thing"]);
        assert_eq!(a.header(OppColumn::Id), "Id");
        let roles: Vec<String> = [
            "OpportunityId",
            "ContactId",
            "Role",
            "IsPrimary",
            "Contact.Name",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(detect(&roles), Some(ExportKind::ContactRoles));
        assert_eq!(detect(&["What".to_string()]), None);
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

    #[test]
    fn formula_cells_are_neutralised_and_numbers_are_not() {
        assert_eq!(
            safe_cell("=HYPERLINK(\"http://x\",\"y\")"),
            "'=HYPERLINK(\"http://x\",\"y\")"
        );
        for c in ["+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert!(safe_cell(c).starts_with('\''), "{c:?}");
        }
        assert_eq!(safe_cell("Acme\u{1b}[2J"), "Acme\u{FFFD}[2J");
        assert_eq!(safe_cell("a\nb"), "a\nb");
        assert_eq!(number(Money::from_cents(30_000_050)), "300000.50");
        assert_eq!(number(Money::from_dollars(7)), "7");
        assert_eq!(unneutralized("'=1+1"), "=1+1");
        assert_eq!(unneutralized("'quoted"), "'quoted");
        assert_eq!(cut("héllo", 2), ("hé".to_string(), true));
    }
}
