//! Which column of a Salesforce export is which, in both header styles
//! (Data Loader API names and report labels), and which export a header
//! row belongs to.

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
    /// Why a closed-lost opportunity was lost (`Loss_Reason__c`).
    LossReason,
    /// qualify's own id of the deal (`Qualify_Id__c`), written by its export.
    QualifyId,
    /// The deal's version when qualify exported it (`Qualify_Version__c`).
    QualifyVersion,
}

impl OppColumn {
    const ALL: [OppColumn; 17] = [
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
        OppColumn::LossReason,
        OppColumn::QualifyId,
        OppColumn::QualifyVersion,
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
            OppColumn::LossReason => &["lossreasonc", "lossreason"],
            OppColumn::QualifyId => &["qualifyidc"],
            OppColumn::QualifyVersion => &["qualifyversionc"],
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

    /// The known column at position `i` of a record (`None`: a column
    /// qualify does not read).
    pub fn column_at(&self, i: usize) -> Option<C> {
        self.columns
            .iter()
            .find(|(_, at, _)| *at == i)
            .map(|(c, _, _)| *c)
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
