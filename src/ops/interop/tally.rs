//! What a Salesforce import is asked and what it tells: its options, what
//! happened to each record as it happens, the counts, and why an import did
//! not happen at all (in words, for a refusal).

use crate::domain::deal::DealId;
use crate::store::StoreError;

/// What happened to one record, as it happens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A deal created from an opportunity (`id` is provisional in a dry run).
    Created {
        id: DealId,
        name: String,
        label: String,
    },
    /// A deal whose Salesforce fields changed, and which.
    Updated {
        id: DealId,
        name: String,
        label: String,
        fields: Vec<&'static str>,
    },
    /// A contact added to a deal's stakeholders.
    Stakeholder {
        id: DealId,
        deal: String,
        name: String,
        role: &'static str,
        sf_role: String,
    },
    /// A record that was not imported: its number (1 is the first after the
    /// header), the line it starts on, who it is, and why.
    Skipped {
        record: u64,
        line: u64,
        label: String,
        reason: String,
    },
    /// A record that would create a deal with the name, account and close
    /// date of one there is (`existing`): the import is refused unless
    /// [`ImportOptions::new`].
    Duplicate {
        record: u64,
        line: u64,
        label: String,
        existing: DealId,
        existing_name: String,
    },
    /// A record of qualify's export of deal `id`, which has changed since
    /// (`exported` is the version the record carries, `found` the deal's),
    /// and which the record would change: the import is refused unless
    /// [`ImportOptions::force`], which overwrites it (`forced`).
    Stale {
        record: u64,
        line: u64,
        id: DealId,
        name: String,
        exported: i64,
        found: i64,
        forced: bool,
    },
}

/// A skipped record in words: which record, on which line, who it is, and
/// why (`record 3 (line 4, Id 006A): …`), the same in both faces.
pub fn skipped_text(record: u64, line: u64, label: &str, reason: &str) -> String {
    let who = if label.is_empty() {
        String::new()
    } else {
        format!(", {label}")
    };
    format!("record {record} (line {line}{who}): {reason}")
}

/// How an opportunity import treats what it finds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportOptions {
    /// Do the work and write nothing.
    pub dry_run: bool,
    /// Overwrite deals changed since qualify exported them (`--force`).
    pub force: bool,
    /// Create deals even when they have the name, account and close date
    /// of one there is (`--new`).
    pub new: bool,
    /// Refuse a file whose documents carry sign-offs not recorded on their
    /// deals, instead of dropping those sign-offs (`--strict`).
    pub strict: bool,
}

impl ImportOptions {
    /// A dry run, or an import, with neither `force` nor `new`.
    pub fn plain(dry_run: bool) -> ImportOptions {
        ImportOptions {
            dry_run,
            ..ImportOptions::default()
        }
    }
}

/// The counts of one import.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    pub records: u64,
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub skipped: u64,
    /// Lines that are not records (a report's footer), left alone.
    pub not_records: u64,
    /// Columns the file has that qualify does not read.
    pub ignored_columns: Vec<String>,
    /// The file has neither an Id nor a Qualify_Id__c column: its records
    /// are told from deals there are only by name, account and close date.
    pub no_ids: bool,
    /// Records that would create a deal like one there is (refused
    /// without `new`).
    pub duplicates: u64,
    /// Records of deals changed since qualify exported them, refused
    /// (without `force`).
    pub stale: u64,
    /// Deals changed since qualify exported them, overwritten (`force`;
    /// counted in `updated` too).
    pub overwritten: u64,
}

impl Tally {
    /// Whether the import is refused whole: a record would duplicate a deal
    /// or overwrite one changed since its export.
    pub fn refused(&self) -> bool {
        self.duplicates > 0 || self.stale > 0
    }
}

/// Why an import did not happen at all.
#[derive(Debug)]
pub enum ImportError {
    /// The file is not such an export (exit 2); nothing was written.
    Unreadable(String),
    /// Records would duplicate deals or overwrite later changes (each told
    /// as an event); nothing was written.
    Refused(Tally),
    Store(StoreError),
}

impl From<StoreError> for ImportError {
    fn from(e: StoreError) -> Self {
        ImportError::Store(e)
    }
}

/// Why an opportunity import was refused, in a few words: how many records
/// would duplicate deals, how many would overwrite later changes, and what
/// to do about each.
pub fn refusal_text(t: &Tally) -> String {
    let records = |n: u64| format!("{n} record{}", if n == 1 { "" } else { "s" });
    let mut parts = Vec::new();
    if t.duplicates > 0 {
        parts.push(format!(
            "{} would create deals with the name, account and close date of deals there are \
             (import them anyway with --new)",
            records(t.duplicates)
        ));
    }
    if t.stale > 0 {
        parts.push(format!(
            "{} would overwrite deals changed since they were exported (export them again, \
             or overwrite them with --force)",
            records(t.stale)
        ));
    }
    parts.join("; ")
}
