//! The only code that speaks SQL. One SQLite file; every write is one
//! `BEGIN IMMEDIATE` transaction; each deal carries a `version` so that a
//! writer holding stale data is refused instead of overwriting.

pub mod doctor;
pub mod files;
pub mod safety;
mod schema;
mod stamps;

use crate::domain::audit::{self, AuditEntry};
use crate::domain::content::DealContent;
use crate::domain::criteria::Verdict;
use crate::domain::deal::{Deal, DealId, DealSummary, FieldError};
use crate::domain::escalation::{EscalationRecord, Stamp};
use crate::domain::money::Money;
use crate::domain::pipeline::{ForecastCategory, OutcomeKind, PipelineRow};
use crate::domain::playbook::EscalationRule;
use crate::domain::step::{Notes, RuleError, Step, StepStatus};
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::types::{FromSql, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params};
use std::fmt;
use std::path::{Path, PathBuf};

pub use schema::{latest_version, migrations};
use stamps::{InstantText, day_or_null, day_text, instant, instant_or_null, instant_text};

impl ToSql for DealId {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        self.0.to_sql()
    }
}

impl FromSql for DealId {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        i64::column_result(value).map(DealId)
    }
}

#[derive(Debug)]
pub enum StoreError {
    /// The database file could not be opened or created.
    Open {
        path: PathBuf,
        reason: String,
    },
    NotFound(DealId),
    /// Someone else changed the deal since it was read.
    Conflict {
        id: DealId,
        expected: i64,
        found: i64,
    },
    /// A battle card changed since it was read.
    CardChanged {
        competitor: String,
    },
    Rule(RuleError),
    Invalid(Vec<FieldError>),
    /// The file was found damaged (now or earlier): nothing is written to it
    /// until `qualify doctor` finds it sound.
    Damaged {
        path: PathBuf,
        detail: String,
    },
    /// A database-level failure (disk full, locked, read-only …) and what to do.
    Database {
        path: PathBuf,
        problem: String,
        next: String,
    },
    Sql(rusqlite::Error),
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Open { path, reason } => {
                write!(
                    f,
                    "cannot open the database {}: {reason}",
                    crate::text::clean(&path.display().to_string())
                )
            }
            StoreError::NotFound(id) => write!(
                f,
                "no deal with id {id} (`qualify deal list` shows the ids)"
            ),
            StoreError::Conflict { id, .. } => {
                write!(
                    f,
                    "deal {id} was changed elsewhere since it was read; reload it and try again"
                )
            }
            StoreError::CardChanged { competitor } => write!(
                f,
                "the battle card for {} was changed elsewhere since it was read; show it again and redo the change",
                crate::text::clean(competitor)
            ),
            StoreError::Rule(e) => write!(f, "{e}"),
            StoreError::Invalid(errors) => {
                let parts: Vec<String> = errors.iter().map(ToString::to_string).collect();
                write!(f, "{}", parts.join("; "))
            }
            StoreError::Damaged { path, detail } => {
                let path = crate::text::clean(&path.display().to_string());
                write!(
                    f,
                    "the database {path} is damaged ({}); qualify will not write to it — \
                     run `qualify --db {path} doctor`",
                    crate::text::clean(detail)
                )
            }
            StoreError::Database {
                path,
                problem,
                next,
            } => write!(
                f,
                "the database {}: {}; {}",
                crate::text::clean(&path.display().to_string()),
                crate::text::clean(problem),
                crate::text::clean(next)
            ),
            StoreError::Sql(e) => write!(f, "database error: {e}"),
        }
    }
}

impl std::error::Error for StoreError {}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Sql(e)
    }
}

impl From<rusqlite_migration::Error> for StoreError {
    fn from(e: rusqlite_migration::Error) -> Self {
        match e {
            rusqlite_migration::Error::RusqliteError { err, .. } => StoreError::Sql(err),
            other => StoreError::Open {
                path: PathBuf::new(),
                reason: other.to_string(),
            },
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// A competitor's battle card and its version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BattleCard {
    pub notes: String,
    pub version: i64,
}

/// Text kept when it could not be saved, offered back later.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    pub body: String,
    pub saved_at: DateTime<Utc>,
    pub who: String,
}

/// One deal an import wrote: its id, and when it replaced a deal, the
/// version it overwrote and that deal's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Saved {
    pub id: DealId,
    pub replaced: Option<(i64, String)>,
}

/// How the deal list is ordered: any of the pipeline's columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ListSort {
    #[default]
    CloseDate,
    Amount,
    Name,
    Account,
    Owner,
    Forecast,
    Meddpicc,
    Steps,
    Qa,
    Escalations,
    Risk,
    NextStep,
    Stalled,
}

impl ListSort {
    pub const ALL: [ListSort; 13] = [
        ListSort::CloseDate,
        ListSort::Amount,
        ListSort::Name,
        ListSort::Account,
        ListSort::Owner,
        ListSort::Forecast,
        ListSort::Meddpicc,
        ListSort::Steps,
        ListSort::Qa,
        ListSort::Escalations,
        ListSort::Risk,
        ListSort::NextStep,
        ListSort::Stalled,
    ];

    pub fn next(self) -> ListSort {
        let i = ListSort::ALL.iter().position(|s| *s == self).unwrap_or(0);
        ListSort::ALL[(i + 1) % ListSort::ALL.len()]
    }

    pub fn label(self) -> &'static str {
        match self {
            ListSort::CloseDate => "close date",
            ListSort::Amount => "amount",
            ListSort::Name => "name",
            ListSort::Account => "account",
            ListSort::Owner => "owner",
            ListSort::Forecast => "forecast category",
            ListSort::Meddpicc => "MEDDPICC total",
            ListSort::Steps => "steps done",
            ListSort::Qa => "QA passed",
            ListSort::Escalations => "open escalations",
            ListSort::Risk => "risk band",
            ListSort::NextStep => "next step due",
            ListSort::Stalled => "stalled first",
        }
    }

    /// The name scripts use (`--sort close_date`).
    pub fn key(self) -> &'static str {
        match self {
            ListSort::CloseDate => "close_date",
            ListSort::Amount => "amount",
            ListSort::Name => "name",
            ListSort::Account => "account",
            ListSort::Owner => "owner",
            ListSort::Forecast => "forecast_category",
            ListSort::Meddpicc => "meddpicc_total",
            ListSort::Steps => "steps",
            ListSort::Qa => "qa",
            ListSort::Escalations => "escalations",
            ListSort::Risk => "risk_band",
            ListSort::NextStep => "next_step_due",
            ListSort::Stalled => "stalled",
        }
    }

    pub fn parse(key: &str) -> Option<ListSort> {
        let key = key.trim().to_lowercase().replace([' ', '-'], "_");
        ListSort::ALL.into_iter().find(|s| s.key() == key)
    }

    /// Whether the order is a pipeline column's (read from the pipeline's
    /// indexes) rather than a deal's.
    fn on_pipeline(self) -> bool {
        !matches!(
            self,
            ListSort::CloseDate
                | ListSort::Amount
                | ListSort::Name
                | ListSort::Account
                | ListSort::Owner
        )
    }

    /// The order's terms, each with whether it is descending; every order
    /// is exactly the columns of one index (see the schema), the deal's id
    /// last, so that a page is read from that index and never sorted.
    fn terms(self) -> &'static [(&'static str, bool)] {
        match self {
            ListSort::CloseDate => &[
                ("d.close_date IS NULL", false),
                ("d.close_date", false),
                ("d.id", false),
            ],
            ListSort::Amount => &[
                ("d.amount_cents IS NULL", false),
                ("d.amount_cents", true),
                ("d.id", false),
            ],
            ListSort::Name => &[("d.name COLLATE NOCASE", false), ("d.id", false)],
            ListSort::Account => &[("d.account COLLATE NOCASE", false), ("d.id", false)],
            ListSort::Owner => &[
                ("d.owner = ''", false),
                ("d.owner COLLATE NOCASE", false),
                ("d.id", false),
            ],
            ListSort::Forecast => &[
                (
                    "(CASE p.forecast WHEN 'commit' THEN 0 WHEN 'best_case' THEN 1 WHEN 'pipeline' THEN 2
                WHEN 'closed' THEN 3 ELSE 4 END)",
                    false,
                ),
                ("p.deal_id", false),
            ],
            ListSort::Meddpicc => &[("p.meddpicc_total", true), ("p.deal_id", false)],
            ListSort::Steps => &[("p.steps_complete", true), ("p.deal_id", false)],
            ListSort::Qa => &[("p.qa_passed", true), ("p.deal_id", false)],
            ListSort::Escalations => &[("p.escalations", true), ("p.deal_id", false)],
            ListSort::Risk => &[
                (
                    "(CASE p.risk_band WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2
                WHEN 'low' THEN 3 ELSE 4 END)",
                    false,
                ),
                ("p.deal_id", false),
            ],
            ListSort::NextStep => &[
                ("p.next_step_due IS NULL", false),
                ("p.next_step_due", false),
                ("p.deal_id", false),
            ],
            ListSort::Stalled => &[
                ("p.outcome IS NOT NULL", false),
                ("p.stalled_from IS NULL", false),
                ("p.stalled_from", false),
                ("p.deal_id", false),
            ],
        }
    }

    /// The ORDER BY clause, or its exact reverse; `on_pipeline`, over the
    /// pipeline's copies of the deal's columns (a review queue's indexes).
    fn order_by(self, reverse: bool, on_pipeline: bool) -> String {
        self.terms()
            .iter()
            .map(|(term, desc)| {
                let term = if on_pipeline {
                    term.replace("d.id", "p.deal_id").replace("d.", "p.")
                } else {
                    term.to_string()
                };
                if desc ^ reverse {
                    format!("{term} DESC")
                } else {
                    term
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The review queues: deals waiting on someone's sign-off.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Queue {
    #[default]
    All,
    /// Step 4 has a validation plan the SA has not approved.
    SaSignOff,
    /// Over the threshold and without a current approving manager review.
    ManagerReview,
}

impl Queue {
    pub fn label(self) -> &'static str {
        match self {
            Queue::All => "all deals",
            Queue::SaSignOff => "waiting on SA sign-off",
            Queue::ManagerReview => "waiting on manager review",
        }
    }

    pub fn next(self) -> Queue {
        match self {
            Queue::All => Queue::SaSignOff,
            Queue::SaSignOff => Queue::ManagerReview,
            Queue::ManagerReview => Queue::All,
        }
    }

    /// The condition; each queue's page is read from its own partial
    /// indexes (one per sort), which this term selects.
    fn sql(self) -> &'static str {
        match self {
            Queue::All => "",
            Queue::SaSignOff => " AND p.awaiting_sa",
            Queue::ManagerReview => " AND p.awaiting_manager",
        }
    }
}

/// Which deals the list shows, and in what order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListQuery {
    /// Matched, case-insensitively, anywhere in the name, account or owner.
    pub filter: String,
    pub sort: ListSort,
    pub queue: Queue,
    /// Only this owner's deals (names compared without case).
    pub owner: Option<String>,
    pub sa: Option<String>,
    pub category: Option<ForecastCategory>,
    pub verdict: Option<Verdict>,
    /// Only deals stalled at `now` (and not snoozed).
    pub stalled: bool,
    /// Only deals with an escalation past due at `now`.
    pub overdue: bool,
    /// The clock's now: stalled and overdue are judged against it.
    pub now: DateTime<Utc>,
}

/// Which tables a list query's conditions name.
#[derive(Debug, Default, Clone, Copy)]
struct Needs {
    deals: bool,
    pipeline: bool,
}

impl ListQuery {
    fn pattern(&self) -> String {
        let escaped: String = self
            .filter
            .trim()
            .chars()
            .flat_map(|c| match c {
                '%' | '_' | '\\' => vec!['\\', c],
                c => vec![c],
            })
            .collect();
        format!("%{escaped}%")
    }

    /// The typed filter as a full-text phrase, when it is long enough for
    /// the trigram index (three characters); shorter ones are matched with
    /// LIKE.
    fn phrase(&self) -> Option<String> {
        let text = self.filter.trim();
        (text.chars().count() >= 3).then(|| format!("\"{}\"", text.replace('"', "\"\"")))
    }

    /// Whether the query is answered from the counts kept per group alone
    /// (no typed filter, nothing judged against the clock).
    fn counted(&self) -> bool {
        self.filter.trim().is_empty() && !self.stalled && !self.overdue
    }

    /// Whether the typed filter is the only condition (every deal has its
    /// pipeline row, so its matches in the full-text index are the rows).
    fn searched_only(&self) -> bool {
        self.owner.is_none()
            && self.sa.is_none()
            && self.category.is_none()
            && self.verdict.is_none()
            && self.queue == Queue::All
            && !self.stalled
            && !self.overdue
    }

    /// The WHERE clause (after `WHERE 1`) and its parameters, from ?1 on;
    /// `id` is the driving table's id column (`d.id` or `p.deal_id`).
    fn conditions(&self, id: &str) -> (String, Vec<Box<dyn ToSql>>, Needs) {
        self.conditions_with(id, true)
    }

    /// [`ListQuery::conditions`]; with `ordered`, a typed filter's matches
    /// are tested against each id read in the sort's order, else they are
    /// the ids the query starts from (a count).
    fn conditions_with(&self, id: &str, ordered: bool) -> (String, Vec<Box<dyn ToSql>>, Needs) {
        let mut sql = String::new();
        let mut args: Vec<Box<dyn ToSql>> = Vec::new();
        let mut needs = Needs::default();
        // in the sort's order, each condition tests a row read from the
        // sort's index (`+` keeps the planner from reading another index)
        let plus = if ordered { "+" } else { "" };
        let mut bind = |sql: &mut String, clause: &str, value: Box<dyn ToSql>| {
            args.push(value);
            sql.push_str(&clause.replace('?', &format!("?{}", args.len())));
        };
        if let Some(phrase) = self.phrase() {
            // `+` keeps the planner reading the sort's index, testing each
            // id against the matches (read once), instead of sorting them
            bind(
                &mut sql,
                &format!(
                    " AND {}{id} IN (SELECT rowid FROM deal_search WHERE deal_search MATCH ?)",
                    plus
                ),
                Box::new(phrase),
            );
        } else if !self.filter.trim().is_empty() {
            needs.deals = true;
            bind(
                &mut sql,
                " AND (d.name LIKE ? ESCAPE '\\' OR d.account LIKE ? ESCAPE '\\' OR d.owner LIKE ? ESCAPE '\\')",
                Box::new(self.pattern()),
            );
        }
        if let Some(owner) = &self.owner {
            needs.deals = true;
            bind(
                &mut sql,
                &format!(" AND {plus}d.owner = ? COLLATE NOCASE"),
                Box::new(owner.trim().to_string()),
            );
        }
        if let Some(sa) = &self.sa {
            needs.deals = true;
            bind(
                &mut sql,
                &format!(" AND {plus}d.sa = ? COLLATE NOCASE"),
                Box::new(sa.trim().to_string()),
            );
        }
        if let Some(category) = self.category {
            needs.pipeline = true;
            bind(
                &mut sql,
                &format!(" AND {plus}p.forecast = ?"),
                Box::new(category.key()),
            );
        }
        if let Some(verdict) = self.verdict {
            needs.pipeline = true;
            bind(
                &mut sql,
                &format!(" AND {plus}p.verdict = ?"),
                Box::new(verdict.key()),
            );
        }
        if self.stalled {
            needs.pipeline = true;
            bind(
                &mut sql,
                &format!(" AND {plus}{}", stalled_sql("?")),
                Box::new(self.now.timestamp()),
            );
        }
        if self.overdue {
            needs.pipeline = true;
            bind(
                &mut sql,
                &format!(" AND {plus}p.overdue_from <= ?"),
                Box::new(self.now.timestamp()),
            );
        }
        if self.queue != Queue::All {
            needs.pipeline = true;
        }
        // no `+`: the queue's term is what lets its partial index be read
        sql.push_str(self.queue.sql());
        (sql, args, needs)
    }

    /// Whether a page is read from a pipeline index: the sort's own, or a
    /// review queue's (which hold every order over the pipeline's copies).
    fn on_pipeline(&self) -> bool {
        self.sort.on_pipeline() || self.queue != Queue::All
    }

    /// The ORDER BY clause of a page, or its exact reverse.
    fn order_by(&self, reverse: bool) -> String {
        self.sort.order_by(reverse, self.on_pipeline())
    }

    /// The same conditions over the counts table `c` (only for a query
    /// that is [`ListQuery::counted`]).
    fn count_conditions(&self) -> (String, Vec<Box<dyn ToSql>>) {
        let mut sql = String::new();
        let mut args: Vec<Box<dyn ToSql>> = Vec::new();
        let mut bind = |sql: &mut String, clause: &str, value: Box<dyn ToSql>| {
            args.push(value);
            sql.push_str(&clause.replace('?', &format!("?{}", args.len())));
        };
        if let Some(owner) = &self.owner {
            bind(
                &mut sql,
                " AND c.owner = ?",
                Box::new(owner.trim().to_string()),
            );
        }
        if let Some(sa) = &self.sa {
            bind(&mut sql, " AND c.sa = ?", Box::new(sa.trim().to_string()));
        }
        if let Some(category) = self.category {
            bind(&mut sql, " AND c.forecast = ?", Box::new(category.key()));
        }
        if let Some(verdict) = self.verdict {
            bind(&mut sql, " AND c.verdict = ?", Box::new(verdict.key()));
        }
        sql.push_str(match self.queue {
            Queue::All => "",
            Queue::SaSignOff => " AND c.awaiting_sa",
            Queue::ManagerReview => " AND c.awaiting_manager",
        });
        (sql, args)
    }

    /// The tables a query over these conditions reads, driven by the table
    /// the sort's index belongs to; and that table's id column.
    fn from(&self, needs: Needs) -> (String, &'static str) {
        if self.on_pipeline() {
            let join = if needs.deals {
                " CROSS JOIN deals d ON d.id = p.deal_id"
            } else {
                ""
            };
            (format!("pipeline p{join}"), "p.deal_id")
        } else {
            let join = if needs.pipeline {
                " CROSS JOIN pipeline p ON p.deal_id = d.id"
            } else {
                ""
            };
            (format!("deals d{join}"), "d.id")
        }
    }

    /// The query that picks the ids of one page: `LIMIT ?{lim} OFFSET ?{off}`
    /// after the conditions' own parameters, in the sort's order (or its
    /// reverse); with its parameters.
    fn page_sql(&self, reverse: bool) -> (String, Vec<Box<dyn ToSql>>) {
        let id = if self.on_pipeline() {
            "p.deal_id"
        } else {
            "d.id"
        };
        let (conditions, args, needs) = self.conditions(id);
        let (from, id) = self.from(needs);
        let n = args.len();
        (
            format!(
                "SELECT {id} FROM {from} WHERE 1{conditions} ORDER BY {} LIMIT ?{} OFFSET ?{}",
                self.order_by(reverse),
                n + 1,
                n + 2
            ),
            args,
        )
    }
}

/// The list row's columns (read by [`summary_from_row`]); `now` is the
/// number of the parameter that holds the reader's now. A deal without
/// escalations (most) skips reading its escalation lists.
fn row_columns(now: usize) -> String {
    format!(
        "d.id, d.name, d.account, d.amount_cents, d.close_date, d.stage, d.owner, d.sa,
        p.steps_complete, p.steps_blocked, p.forecast, p.verdict, p.meddpicc_total,
        p.meddpicc_max, p.qa_passed, p.qa_total,
        (CASE p.escalations WHEN 0 THEN 0 ELSE
            (SELECT count(*) FROM json_each(p.escalation_starts) WHERE value <= ?{now}) END),
        (CASE p.escalations WHEN 0 THEN 0 ELSE
            (SELECT count(*) FROM json_each(p.escalation_dues) WHERE value <= ?{now}) END),
        p.risk_band, p.next_step_due, coalesce({stalled}, 0), p.outcome",
        stalled = stalled_sql(&format!("?{now}"))
    )
}

fn summary_from_row(r: &Row<'_>) -> rusqlite::Result<DealSummary> {
    let forecast: String = r.get(10)?;
    let verdict: Option<String> = r.get(11)?;
    let outcome: Option<String> = r.get(21)?;
    Ok(DealSummary {
        id: r.get(0)?,
        name: r.get(1)?,
        account: r.get(2)?,
        amount: r.get::<_, Option<i64>>(3)?.map(Money::from_cents),
        close_date: r.get(4)?,
        stage: r.get(5)?,
        owner: r.get(6)?,
        sa: r.get(7)?,
        steps_complete: r.get(8)?,
        steps_blocked: r.get(9)?,
        forecast: ForecastCategory::parse(&forecast).unwrap_or(ForecastCategory::Pipeline),
        verdict: verdict.as_deref().and_then(Verdict::parse),
        meddpicc_total: r.get(12)?,
        meddpicc_max: r.get(13)?,
        qa_passed: r.get(14)?,
        qa_total: r.get(15)?,
        escalations_open: r.get(16)?,
        escalations_overdue: r.get(17)?,
        risk_band: r.get(18)?,
        next_step_due: r.get(19)?,
        stalled: r.get(20)?,
        outcome: outcome.as_deref().and_then(OutcomeKind::parse),
    })
}

/// Stalled at the instant bound as `at` (Unix seconds): past its stalled
/// time, open, and not snoozed past that day.
fn stalled_sql(at: &str) -> String {
    format!(
        "(p.outcome IS NULL AND p.stalled_from <= {at}
          AND (p.snoozed_until IS NULL OR p.snoozed_until <= {at}))"
    )
}

/// The amount and count of deals in one forecast category.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryTotal {
    pub category: ForecastCategory,
    pub deals: u64,
    pub amount: Money,
}

/// Computes a deal's pipeline row as it is written (the domain's rules,
/// injected so that the store keeps none of its own).
pub type Summarizer = Box<dyn Fn(&Deal, DateTime<Utc>) -> PipelineRow + Send>;

pub struct Store {
    conn: Connection,
    path: Option<PathBuf>,
    /// Who the audit trail says made the changes.
    actor: String,
    /// Fills the pipeline summary in each change's transaction.
    summarize: Option<Summarizer>,
    /// Whether the file was found damaged; the background check.
    watch: safety::Watch,
}

impl Store {
    /// Open (or create) the database at `path`, whose folder must exist. The
    /// file is 0600 (tightened if looser), since it holds customer data. A
    /// file that is not qualify's, or is newer than this build, is refused
    /// untouched (see [`safety`]); one found damaged opens read-only.
    pub fn open(path: &Path) -> Result<Store> {
        let fail = |reason: String| StoreError::Open {
            path: path.to_path_buf(),
            reason,
        };
        let exists = safety::check_path(path, true)?;
        if let Some(detail) = safety::damage_noted(path) {
            return Store::open_damaged(path, detail);
        }
        if exists && std::fs::metadata(path).is_ok_and(|m| m.len() > 0) {
            match safety::inspect(path) {
                Ok(_) => {}
                Err(StoreError::Damaged { detail, .. }) => {
                    safety::note_damage(path, &detail);
                    return Store::open_damaged(path, detail);
                }
                Err(e) => return Err(e),
            }
        }
        files::create_private_file(path).map_err(|e| fail(e.to_string()))?;
        for file in [
            path.to_path_buf(),
            files::with_suffix(path, "-wal"),
            files::with_suffix(path, "-shm"),
        ] {
            files::tighten(&file, 0o600).map_err(|e| fail(e.to_string()))?;
        }
        let opened = Connection::open_with_flags(
            path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(StoreError::Sql)
        .and_then(|conn| Store::init(conn, Some(path.to_path_buf())));
        match opened {
            Err(StoreError::Sql(e)) => match safety::explain(e, path) {
                StoreError::Damaged { detail, .. } => {
                    safety::note_damage(path, &detail);
                    Store::open_damaged(path, detail)
                }
                other => Err(other),
            },
            other => other,
        }
    }

    /// A file found damaged: opened read-only, never migrated or written.
    fn open_damaged(path: &Path, detail: String) -> Result<Store> {
        let conn = safety::open_read_only(path).map_err(|_| StoreError::Damaged {
            path: path.to_path_buf(),
            detail: detail.clone(),
        })?;
        Ok(Store {
            conn,
            path: Some(path.to_path_buf()),
            actor: "unknown".into(),
            summarize: None,
            watch: safety::Watch::damaged(detail),
        })
    }

    /// A private database in memory (tests and benchmarks).
    pub fn open_in_memory() -> Result<Store> {
        Store::init(Connection::open_in_memory()?, None)
    }

    fn init(mut conn: Connection, path: Option<PathBuf>) -> Result<Store> {
        conn.busy_timeout(safety::BUSY_TIMEOUT)?;
        if path.is_some() {
            let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
            let mode = if mode.eq_ignore_ascii_case("wal") {
                mode
            } else {
                safety::switch_to_wal(&conn)?
            };
            if !mode.eq_ignore_ascii_case("wal") {
                return Err(StoreError::Open {
                    path: path.unwrap_or_default(),
                    reason: format!("could not switch to WAL journal mode (got {mode})"),
                });
            }
        }
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        safety::upgrade(&mut conn, path.as_deref())?;
        Ok(Store {
            conn,
            path,
            actor: "unknown".into(),
            summarize: None,
            watch: safety::Watch::default(),
        })
    }

    /// How each deal's pipeline row is computed when it is written.
    pub fn set_summarizer(&mut self, summarize: Summarizer) {
        self.summarize = Some(summarize);
    }

    /// Deals without a pipeline row (written before the pipeline existed).
    pub fn deals_without_summary(&self) -> Result<Vec<DealId>> {
        let result = (|| -> Result<Vec<DealId>> {
            let mut stmt = self.conn.prepare(
                "SELECT id FROM deals WHERE id NOT IN (SELECT deal_id FROM pipeline) ORDER BY id",
            )?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })();
        self.checked(result)
    }

    /// Write the pipeline rows of `ids` again, as of `now`, in one transaction.
    pub fn resummarize(&mut self, ids: &[DealId], now: DateTime<Utc>) -> Result<()> {
        self.write_with(|tx, summarize| {
            for id in ids {
                let deal = read_deal(tx, *id)?;
                write_summary(tx, &deal, summarize, now, Rows::Existing)?;
            }
            Ok(())
        })
    }

    /// Why the file is not to be written to, once it was found damaged.
    pub fn damage(&self) -> Option<&str> {
        self.watch.damage()
    }

    /// Start `PRAGMA quick_check` in the background (the TUI, after start):
    /// see [`Store::background_check`].
    pub fn start_background_check(&mut self) {
        if let Some(path) = &self.path {
            self.watch.start_check(path);
        }
    }

    /// Whether the background check is still running.
    pub fn checking(&self) -> bool {
        self.watch.checking()
    }

    /// The background check's finding once it is done: `Some(problem)` when
    /// it found the file damaged (from then on nothing is written).
    pub fn background_check(&mut self) -> Option<String> {
        self.watch.check_result(&self.conn, self.path.as_deref())
    }

    /// Database-level failures name the file and the next step; a damaged
    /// file is remembered so that nothing more is written to it.
    fn checked<T>(&self, result: Result<T>) -> Result<T> {
        let (Err(StoreError::Sql(e)), Some(path)) = (&result, &self.path) else {
            return result;
        };
        let damaged = safety::is_damage(e);
        let Err(StoreError::Sql(e)) = result else {
            unreachable!()
        };
        let explained = safety::explain(e, path);
        if damaged && let StoreError::Damaged { detail, .. } = &explained {
            self.watch.found_damage(&self.conn, path, detail);
        }
        Err(explained)
    }

    /// Name the person whose changes these are (the audit trail's "who").
    pub fn set_actor(&mut self, who: &str) {
        self.actor = who.trim().to_string();
    }

    pub fn actor(&self) -> &str {
        &self.actor
    }

    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Run `f` inside one `BEGIN IMMEDIATE` transaction: all or nothing.
    /// Refused once the file was found damaged.
    fn write<T>(&mut self, f: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T>) -> Result<T> {
        self.write_with(|tx, _| f(tx))
    }

    /// [`Store::write`], handing `f` the pipeline summarizer too.
    fn write_with<T>(
        &mut self,
        f: impl FnOnce(&rusqlite::Transaction<'_>, Option<&Summarizer>) -> Result<T>,
    ) -> Result<T> {
        self.watch.allow_write(&self.conn, self.path.as_deref())?;
        let summarize = self.summarize.as_ref();
        let result = (|| {
            let (tx, last) = begin(&mut self.conn)?;
            let value = f(&tx, summarize)?;
            commit(tx, last)?;
            Ok(value)
        })();
        self.checked(result)
    }

    /// Create deals (already checked by the caller) in one transaction: all
    /// are created or none. Their ids are given by the store.
    pub fn insert_deals(&mut self, deals: Vec<Deal>, now: DateTime<Utc>) -> Result<Vec<DealId>> {
        let who = self.actor.clone();
        self.write_with(|tx, summarize| {
            deals
                .into_iter()
                .map(|mut deal| {
                    let id = insert_deal(tx, &mut deal, (summarize, now))?;
                    record_changes(tx, &deal, None, &deal, &who, now)?;
                    Ok(id)
                })
                .collect()
        })
    }

    /// Whether the database holds any deal.
    pub fn has_deals(&self) -> Result<bool> {
        let found = self
            .conn
            .query_row("SELECT EXISTS (SELECT 1 FROM deals)", [], |r| r.get(0))
            .map_err(StoreError::Sql);
        self.checked(found)
    }

    /// Create whole deals, each with the history it already has (demo data),
    /// in one transaction, taken one at a time from `deals`: every row is written once, the pipeline row is
    /// computed as of `now`, and the audit rows are the given ones (in
    /// place of a "created" row). Ids are given by the store.
    pub fn insert_deals_with_history(
        &mut self,
        deals: impl IntoIterator<Item = (Deal, Vec<AuditEntry>)>,
        now: DateTime<Utc>,
    ) -> Result<usize> {
        self.with_bulk_cache(|s| {
            s.write_with(|tx, summarize| {
                let mut count = 0;
                let mut deferred = Deferred::new(tx)?;
                for (mut deal, history) in deals {
                    count += 1;
                    insert_deal(tx, &mut deal, (summarize, now))?;
                    let mut insert = tx.prepare_cached(
                        "INSERT INTO audit (deal_id, at, who, field, before, after)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    )?;
                    for h in &history {
                        insert
                            .execute(params![deal.id, h.at, h.who, h.field, h.before, h.after])?;
                    }
                    drop(insert);
                    deferred.created(tx)?;
                }
                deferred.finish(tx)?;
                Ok(count)
            })
        })
    }

    /// Save whole deals (an import) in one transaction. A deal whose id
    /// exists replaces it when its `version` is the stored one (its version
    /// moves on), and is refused with [`StoreError::Conflict`] otherwise
    /// unless `force`; any other is created with a new id.
    pub fn save_deals(
        &mut self,
        deals: &[Deal],
        force: bool,
        now: DateTime<Utc>,
    ) -> Result<Vec<Saved>> {
        self.import(force, now, |import| {
            deals
                .iter()
                .map(|deal| import.save(deal.clone()))
                .collect::<Result<Vec<Saved>>>()
        })
    }

    /// Run `f` with a [`Batch`] inside one `BEGIN IMMEDIATE` transaction
    /// (an import, record by record): committed when `keep`, rolled back
    /// otherwise (a dry run), and rolled back when `f` fails.
    pub fn batch<T>(
        &mut self,
        keep: bool,
        now: DateTime<Utc>,
        f: impl FnOnce(&mut Batch<'_>) -> Result<T>,
    ) -> Result<T> {
        self.with_bulk_cache(|s| s.batch_in_bulk(keep, now, f))
    }

    /// Run a bulk write with a page cache of 16 MiB rather than SQLite's
    /// 2 MiB (32 MiB was no faster and took the import's peak past 64 MiB), so that the index pages a long transaction keeps touching are
    /// not spilled to the WAL and written again before it commits, and with
    /// statement journals kept in memory rather than in temporary files (a
    /// pipeline row's insert journals the index pages it changes); the
    /// defaults are restored after. (A failed pragma only costs speed.)
    fn with_bulk_cache<T>(&mut self, f: impl FnOnce(&mut Self) -> T) -> T {
        let _ = self.conn.pragma_update(None, "cache_size", -16_384);
        let _ = self.conn.pragma_update(None, "temp_store", "MEMORY");
        let value = f(self);
        let _ = self.conn.pragma_update(None, "temp_store", "DEFAULT");
        let _ = self.conn.pragma_update(None, "cache_size", -2_000);
        value
    }

    fn batch_in_bulk<T>(
        &mut self,
        keep: bool,
        now: DateTime<Utc>,
        f: impl FnOnce(&mut Batch<'_>) -> Result<T>,
    ) -> Result<T> {
        self.watch.allow_write(&self.conn, self.path.as_deref())?;
        let who = self.actor.clone();
        let summarize = self.summarize.as_ref();
        let result = (|| {
            let (tx, last) = begin(&mut self.conn)?;
            let mut batch = Batch {
                tx: &tx,
                summarize,
                who: &who,
                now,
            };
            let value = f(&mut batch)?;
            if keep {
                commit(tx, last)?;
            } else {
                tx.rollback()?;
            }
            Ok(value)
        })();
        self.checked(result)
    }

    /// An import as it is read: one transaction, in which `f` saves deals
    /// one at a time through the [`Import`] it is handed (as
    /// [`Store::save_deals`] does). It is committed when `f` succeeds and
    /// rolled back when `f` fails, so that nothing is written.
    pub fn import<T, E: From<StoreError>>(
        &mut self,
        force: bool,
        now: DateTime<Utc>,
        f: impl FnOnce(&mut Import<'_>) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E> {
        self.with_bulk_cache(|s| s.import_in_bulk(force, now, f))
    }

    fn import_in_bulk<T, E: From<StoreError>>(
        &mut self,
        force: bool,
        now: DateTime<Utc>,
        f: impl FnOnce(&mut Import<'_>) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E> {
        self.watch
            .allow_write(&self.conn, self.path.as_deref())
            .map_err(E::from)?;
        let summarize = self.summarize.as_ref();
        let who = self.actor.clone();
        let path = self.path.as_deref();
        let outcome = (|| -> Result<std::result::Result<T, E>> {
            let (tx, last) = begin(&mut self.conn)?;
            let mut import = Import {
                tx: &tx,
                summarize,
                who,
                now,
                force,
                path,
                deferred: Deferred::new(&tx)?,
            };
            match f(&mut import) {
                Ok(value) => {
                    import.deferred.finish(&tx)?;
                    commit(tx, last)?;
                    Ok(Ok(value))
                }
                // dropped without a commit: rolled back
                Err(e) => Ok(Err(e)),
            }
        })();
        match self.checked(outcome) {
            Ok(result) => result,
            Err(e) => Err(E::from(e)),
        }
    }

    /// The name of a deal, if it exists.
    pub fn deal_name(&self, id: DealId) -> Result<Option<String>> {
        let result = (|| -> Result<Option<String>> {
            Ok(self
                .conn
                .query_row("SELECT name FROM deals WHERE id = ?1", [id], |r| r.get(0))
                .optional()?)
        })();
        self.checked(result)
    }

    /// The whole deal with its ten steps.
    pub fn deal(&self, id: DealId) -> Result<Deal> {
        self.checked(read_deal(&self.conn, id))
    }

    /// How many deals the list shows: from the counts kept per group when
    /// the query allows, else counted through the indexes its conditions
    /// use (the trigram index for a typed filter).
    pub fn count_deals(&self, query: &ListQuery) -> Result<usize> {
        let (sql, args) = if let Some(phrase) = query.phrase().filter(|_| query.searched_only()) {
            // the typed filter alone: its matches are counted in the index,
            // without reading a row of each
            (
                "SELECT count(*) FROM deal_search WHERE deal_search MATCH ?1".to_string(),
                vec![Box::new(phrase) as Box<dyn ToSql>],
            )
        } else if query.counted() {
            let (conditions, args) = query.count_conditions();
            (
                format!(
                    "SELECT coalesce(sum(c.deals), 0) FROM pipeline_counts c WHERE 1{conditions}"
                ),
                args,
            )
        } else {
            let (conditions, args, needs) = query.conditions_with("p.deal_id", false);
            let join = if needs.deals {
                " JOIN deals d ON d.id = p.deal_id"
            } else {
                ""
            };
            (
                format!("SELECT count(*) FROM pipeline p{join} WHERE 1{conditions}"),
                args,
            )
        };
        let n: rusqlite::Result<i64> = self.conn.prepare_cached(&sql).and_then(|mut stmt| {
            stmt.query_row(
                rusqlite::params_from_iter(args.iter().map(|a| a.as_ref())),
                |r| r.get(0),
            )
        });
        Ok(self.checked(n.map_err(StoreError::Sql))? as usize)
    }

    /// The distinct owners (or SAs) of the deals, for the list's filters.
    pub fn people(&self, sa: bool) -> Result<Vec<String>> {
        let result = (|| -> Result<Vec<String>> {
            let column = if sa { "sa" } else { "owner" };
            let mut stmt = self.conn.prepare_cached(&format!(
                "SELECT DISTINCT {column} FROM pipeline_counts
                 WHERE {column} != '' AND deals > 0 ORDER BY {column} COLLATE NOCASE"
            ))?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })();
        self.checked(result)
    }

    /// The amount and count of the matching deals per forecast category.
    pub fn category_totals(&self, query: &ListQuery) -> Result<Vec<CategoryTotal>> {
        let result = (|| -> Result<Vec<CategoryTotal>> {
            let (sql, args) = if query.counted() {
                let (conditions, args) = query.count_conditions();
                (
                    format!(
                        "SELECT c.forecast, sum(c.deals), sum(c.amount_cents)
                         FROM pipeline_counts c WHERE 1{conditions} GROUP BY c.forecast"
                    ),
                    args,
                )
            } else {
                let (conditions, args, needs) = query.conditions_with("p.deal_id", false);
                let join = if needs.deals {
                    " JOIN deals d ON d.id = p.deal_id"
                } else {
                    ""
                };
                (
                    format!(
                        "SELECT p.forecast, count(*), coalesce(sum(p.amount_cents), 0)
                         FROM pipeline p{join} WHERE 1{conditions} GROUP BY p.forecast"
                    ),
                    args,
                )
            };
            let mut stmt = self.conn.prepare_cached(&sql)?;
            let rows = stmt.query_map(
                rusqlite::params_from_iter(args.iter().map(|a| a.as_ref())),
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, i64>(1)?,
                        r.get::<_, i64>(2)?,
                    ))
                },
            )?;
            let mut totals: Vec<CategoryTotal> = ForecastCategory::ALL
                .iter()
                .map(|c| CategoryTotal {
                    category: *c,
                    deals: 0,
                    amount: Money::ZERO,
                })
                .collect();
            for row in rows {
                let (key, n, cents) = row?;
                if let Some(t) = totals.iter_mut().find(|t| t.category.key() == key) {
                    t.deals = n as u64;
                    t.amount = Money::from_cents(cents);
                }
            }
            Ok(totals)
        })();
        self.checked(result)
    }

    /// One page of the deal list: only the rows asked for are read.
    pub fn deal_page(
        &self,
        query: &ListQuery,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<DealSummary>> {
        let mut out = Vec::new();
        self.each_deal(query, offset, limit, |d| {
            out.push(d);
            Ok(())
        })?;
        Ok(out)
    }

    /// Every open deal (no outcome), whole, one at a time in id order;
    /// nothing but the deal at hand is held. An error from `each` stops the
    /// reading and is returned as it is.
    pub fn each_open_deal<E: From<StoreError>>(
        &self,
        mut each: impl FnMut(&Deal) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        let walk = Walk {
            open: true,
            owner: None,
            stages: false,
        };
        self.walk(walk, |deal, _| each(deal))
    }

    /// Every deal (or one owner's), whole, one at a time in id order, with
    /// the instants its stage changed (from the history); nothing but the
    /// deal at hand is held. An error from `each` stops the reading and is
    /// returned as it is.
    pub fn each_whole_deal<E: From<StoreError>>(
        &self,
        owner: Option<&str>,
        each: impl FnMut(&Deal, &[DateTime<Utc>]) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        let walk = Walk {
            open: false,
            owner: owner.map(str::trim),
            stages: true,
        };
        self.walk(walk, each)
    }

    /// The deals `walk` names, as [`each_whole_deal`](Self::each_whole_deal)
    /// hands them.
    ///
    /// On a file, the rows are read on a second, read-only connection in
    /// another thread while this one parses each deal's content and hands
    /// it over, so that reading and the work done with each deal overlap
    /// (at most 64 deals wait between the two).
    fn walk<E: From<StoreError>>(
        &self,
        walk: Walk<'_>,
        mut each: impl FnMut(&Deal, &[DateTime<Utc>]) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        let mut failed = None;
        let mut take = |read: &mut Read| -> Result<()> {
            if let Some(body) = read.body.take() {
                read.deal.content = content_from(&body)?;
            }
            let taken = each(&read.deal, &read.stages).map_err(|e| {
                failed = Some(e);
                StoreError::NotFound(DealId(0))
            });
            // the content was made on this thread: freed here
            read.deal.content = Default::default();
            taken
        };
        let result = match self.path.as_deref() {
            Some(path) if self.conn.is_autocommit() => std::thread::scope(|scope| {
                let (send, receive) = std::sync::mpsc::sync_channel::<Read>(64);
                // each deal goes back to be freed where it was made: freeing
                // memory another thread allocated costs both threads a lock
                let (back, done) = std::sync::mpsc::sync_channel::<Read>(128);
                let reader = scope.spawn(move || -> Result<()> {
                    let conn = safety::open_read_only(path)?;
                    walk_deals(&conn, walk, |read| {
                        for used in done.try_iter() {
                            drop(used);
                        }
                        // refused once the taker has stopped: stop reading
                        send.send(read).map_err(|_| StoreError::NotFound(DealId(0)))
                    })
                });
                let mut taken = Ok(());
                for mut read in receive {
                    taken = take(&mut read);
                    if taken.is_err() {
                        break;
                    }
                    let _ = back.try_send(read);
                }
                drop(back);
                let read = reader.join().expect("the reading thread does not panic");
                taken.and(read)
            }),
            _ => walk_deals(&self.conn, walk, |mut read| take(&mut read)),
        };
        if let Some(e) = failed {
            return Err(e);
        }
        self.checked(result).map_err(E::from)
    }

    /// Each row of the list in order, one at a time (nothing held). An
    /// error from `each` stops the reading and is returned as it is.
    pub fn each_row<E: From<StoreError>>(
        &self,
        query: &ListQuery,
        mut each: impl FnMut(DealSummary) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        let mut failed = None;
        let result = self.each_deal(query, 0, usize::MAX >> 1, |row| {
            each(row).map_err(|e| {
                failed = Some(e);
                StoreError::NotFound(DealId(0))
            })
        });
        if let Some(e) = failed {
            return Err(e);
        }
        result.map_err(E::from)
    }

    /// Each row of the list in order, one at a time (nothing held).
    pub fn each_deal(
        &self,
        query: &ListQuery,
        offset: usize,
        limit: usize,
        each: impl FnMut(DealSummary) -> Result<()>,
    ) -> Result<()> {
        self.each_deal_of(query, offset, limit, None, each)
    }

    /// [`Store::deal_page`] knowing how many deals match: a page past the
    /// middle is read from the end of the sort's index backwards, so that
    /// End costs what Home does.
    pub fn deal_page_of(
        &self,
        query: &ListQuery,
        offset: usize,
        limit: usize,
        total: usize,
    ) -> Result<Vec<DealSummary>> {
        let mut out = Vec::new();
        self.each_deal_of(query, offset, limit, Some(total), |d| {
            out.push(d);
            Ok(())
        })?;
        Ok(out)
    }

    fn each_deal_of(
        &self,
        query: &ListQuery,
        offset: usize,
        limit: usize,
        total: Option<usize>,
        mut each: impl FnMut(DealSummary) -> Result<()>,
    ) -> Result<()> {
        let limit = limit.min(i64::MAX as usize);
        let result = if offset == 0 && limit >= (usize::MAX >> 2) {
            self.every_row(query, &mut each)
        } else {
            self.page_rows(query, offset, limit, total, &mut each)
        };
        self.checked(result)
    }

    /// Every matching row in order, from one statement that walks the
    /// sort's index (the other table joined to each row).
    fn every_row(
        &self,
        query: &ListQuery,
        each: &mut impl FnMut(DealSummary) -> Result<()>,
    ) -> Result<()> {
        let on_pipeline = query.on_pipeline();
        let id = if on_pipeline { "p.deal_id" } else { "d.id" };
        let (conditions, mut args, _) = query.conditions(id);
        args.push(Box::new(query.now.timestamp()));
        let from = if on_pipeline {
            "pipeline p CROSS JOIN deals d ON d.id = p.deal_id"
        } else {
            "deals d CROSS JOIN pipeline p ON p.deal_id = d.id"
        };
        let sql = format!(
            "SELECT {} FROM {from} WHERE 1{conditions} ORDER BY {}",
            row_columns(args.len()),
            query.order_by(false)
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut rows = stmt.query(rusqlite::params_from_iter(args.iter().map(|a| a.as_ref())))?;
        while let Some(r) = rows.next()? {
            each(summary_from_row(r)?)?;
        }
        Ok(())
    }

    /// One page: its ids from the sort's index (from the end backwards when
    /// the page is past the middle of `total`), then each row by its id.
    fn page_rows(
        &self,
        query: &ListQuery,
        offset: usize,
        limit: usize,
        total: Option<usize>,
        each: &mut impl FnMut(DealSummary) -> Result<()>,
    ) -> Result<()> {
        let (reverse, skip, take) = match total {
            Some(total) if offset > total / 2 && offset < total => {
                let end = (offset + limit).min(total);
                (true, total - end, end - offset)
            }
            _ => (false, offset, limit),
        };
        let (page, mut args) = query.page_sql(reverse);
        args.push(Box::new(take as i64));
        args.push(Box::new(skip as i64));
        let mut ids: Vec<DealId> = {
            let mut stmt = self.conn.prepare_cached(&page)?;
            let rows = stmt.query_map(
                rusqlite::params_from_iter(args.iter().map(|a| a.as_ref())),
                |r| r.get(0),
            )?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        if reverse {
            ids.reverse();
        }
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {} FROM deals d JOIN pipeline p ON p.deal_id = d.id WHERE d.id = ?1",
            row_columns(2)
        ))?;
        for id in ids {
            let row = stmt
                .query_row(params![id, query.now.timestamp()], summary_from_row)
                .optional()?;
            if let Some(row) = row {
                each(row)?;
            }
        }
        Ok(())
    }

    /// Change a deal in one transaction, with its audit rows. With
    /// `expected_version`, the change is refused with [`StoreError::Conflict`]
    /// if the deal moved on since that version was read. `change` edits the
    /// deal in memory (the rules are the caller's); nothing is written if it
    /// fails. Returns the deal as saved.
    pub fn update_deal<T>(
        &mut self,
        id: DealId,
        expected_version: Option<i64>,
        now: DateTime<Utc>,
        change: impl FnOnce(&mut Deal) -> Result<T>,
    ) -> Result<(Deal, T)> {
        let who = self.actor.clone();
        self.write_with(|tx, summarize| {
            let mut deal = read_deal(tx, id)?;
            let before = deal.clone();
            if let Some(expected) = expected_version
                && expected != deal.version
            {
                return Err(StoreError::Conflict {
                    id,
                    expected,
                    found: deal.version,
                });
            }
            let value = change(&mut deal)?;
            deal.id = id;
            deal.version += 1;
            deal.updated_at = now;
            write_deal(tx, &mut deal, (summarize, now))?;
            record_changes(tx, &deal, Some(&before), &deal, &who, now)?;
            Ok((deal, value))
        })
    }

    /// The deal escalation `id` (stored) belongs to.
    pub fn deal_of_escalation(&self, id: i64) -> Result<Option<DealId>> {
        let found = self
            .conn
            .query_row("SELECT deal_id FROM escalations WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional();
        self.checked(found.map_err(StoreError::Sql))
    }

    /// Every recorded change to a deal, oldest first.
    pub fn history(&self, id: DealId) -> Result<Vec<AuditEntry>> {
        self.deal(id)?;
        let stmt = self.conn.prepare_cached(
            "SELECT at, who, field, before, after FROM audit WHERE deal_id = ?1 ORDER BY id",
        );
        let mut stmt = self.checked(stmt.map_err(StoreError::Sql))?;
        let rows = stmt.query_map([id], |r| {
            Ok(AuditEntry {
                at: r.get(0)?,
                who: r.get(1)?,
                field: r.get(2)?,
                before: r.get(3)?,
                after: r.get(4)?,
            })
        });
        let rows = rows.and_then(|rows| rows.collect::<rusqlite::Result<_>>());
        self.checked(rows.map_err(StoreError::Sql))
    }

    /// The battle-card notes kept for a competitor across deals, with the
    /// version a later save must name.
    pub fn battle_card(&self, competitor: &str) -> Result<Option<BattleCard>> {
        let found = self
            .conn
            .query_row(
                "SELECT notes, version FROM battle_cards WHERE competitor = ?1",
                [competitor.trim()],
                |r| {
                    Ok(BattleCard {
                        notes: r.get(0)?,
                        version: r.get(1)?,
                    })
                },
            )
            .optional();
        self.checked(found.map_err(StoreError::Sql))
    }

    /// Set a competitor's battle card. With `expected_version` (0: the card
    /// did not exist when read), a card changed since is refused.
    pub fn set_battle_card(
        &mut self,
        competitor: &str,
        notes: &str,
        expected_version: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let name = competitor.trim().to_string();
        self.write(|tx| {
            let found: i64 = tx
                .query_row(
                    "SELECT version FROM battle_cards WHERE competitor = ?1",
                    [&name],
                    |r| r.get(0),
                )
                .optional()?
                .unwrap_or(0);
            if let Some(expected) = expected_version
                && expected != found
            {
                return Err(StoreError::CardChanged { competitor: name.clone() });
            }
            tx.execute(
                "INSERT INTO battle_cards (competitor, notes, updated_at, version) VALUES (?1, ?2, ?3, 1)
                 ON CONFLICT (competitor) DO UPDATE SET notes = excluded.notes,
                    updated_at = excluded.updated_at, version = battle_cards.version + 1",
                params![name, notes, now],
            )?;
            Ok(found + 1)
        })
    }

    /// Keep what was being typed when it could not be saved.
    pub fn save_draft(
        &mut self,
        key: &str,
        deal: Option<DealId>,
        body: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let who = self.actor.clone();
        self.write(|tx| {
            tx.execute(
                "INSERT INTO drafts (key, deal_id, body, saved_at, who) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (key) DO UPDATE SET body = excluded.body, saved_at = excluded.saved_at,
                    who = excluded.who",
                params![key, deal, body, now, who],
            )?;
            Ok(())
        })
    }

    /// The draft kept under `key`, if any.
    pub fn draft(&self, key: &str) -> Result<Option<Draft>> {
        let result = (|| -> Result<Option<Draft>> {
            Ok(self
                .conn
                .query_row(
                    "SELECT body, saved_at, who FROM drafts WHERE key = ?1",
                    [key],
                    |r| {
                        Ok(Draft {
                            body: r.get(0)?,
                            saved_at: r.get(1)?,
                            who: r.get(2)?,
                        })
                    },
                )
                .optional()?)
        })();
        self.checked(result)
    }

    /// The keys of the drafts kept for a deal.
    pub fn drafts_of(&self, deal: DealId) -> Result<Vec<String>> {
        let result = (|| -> Result<Vec<String>> {
            let mut stmt = self
                .conn
                .prepare_cached("SELECT key FROM drafts WHERE deal_id = ?1 ORDER BY key")?;
            let rows = stmt.query_map([deal], |r| r.get(0))?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })();
        self.checked(result)
    }

    pub fn drop_draft(&mut self, key: &str) -> Result<()> {
        self.write(|tx| {
            tx.execute("DELETE FROM drafts WHERE key = ?1", [key])?;
            Ok(())
        })
    }

    /// SQLite's count of changes committed by other connections: when it
    /// moves, someone else wrote to the file.
    pub fn data_version(&self) -> Result<i64> {
        let result = (|| -> Result<i64> {
            Ok(self
                .conn
                .query_row("PRAGMA data_version", [], |r| r.get(0))?)
        })();
        self.checked(result)
    }

    /// `PRAGMA integrity_check`'s verdict ("ok" when healthy).
    pub fn integrity_check(&self) -> Result<String> {
        Ok(self
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))?)
    }

    pub fn journal_mode(&self) -> Result<String> {
        Ok(self
            .conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))?)
    }
}

/// An import's open transaction: deals saved one at a time.
pub struct Import<'a> {
    tx: &'a rusqlite::Transaction<'a>,
    summarize: Option<&'a Summarizer>,
    who: String,
    now: DateTime<Utc>,
    force: bool,
    /// The file, to name it in a database error.
    path: Option<&'a Path>,
    deferred: Deferred,
}

impl Import<'_> {
    /// Save one whole deal: a deal whose id exists replaces it when its
    /// `version` is the stored one (its version moves on), and is refused
    /// with [`StoreError::Conflict`] otherwise unless forced; any other is
    /// created with a new id.
    pub fn save(&mut self, deal: Deal) -> Result<Saved> {
        match (self.write(deal), self.path) {
            (Err(StoreError::Sql(e)), Some(path)) => Err(safety::explain(e, path)),
            (other, _) => other,
        }
    }

    fn write(&mut self, deal: Deal) -> Result<Saved> {
        let (tx, now, who) = (self.tx, self.now, self.who.as_str());
        let summary = (self.summarize, now);
        let existing: Option<i64> = if deal.id.0 > 0 {
            tx.prepare_cached("SELECT version FROM deals WHERE id = ?1")?
                .query_row([deal.id], |r| r.get(0))
                .optional()?
        } else {
            None
        };
        match existing {
            Some(version) => {
                if version != deal.version && !self.force {
                    return Err(StoreError::Conflict {
                        id: deal.id,
                        expected: deal.version,
                        found: version,
                    });
                }
                let before = read_deal(tx, deal.id)?;
                let mut replaced = deal;
                replaced.version = version + 1;
                replaced.updated_at = now;
                replaced.escalations = before.escalations.clone();
                write_deal(tx, &mut replaced, summary)?;
                record_changes(tx, &replaced, Some(&before), &replaced, who, now)?;
                Ok(Saved {
                    id: replaced.id,
                    replaced: Some((version, before.name)),
                })
            }
            None => {
                let mut created = deal;
                created.version = 1;
                created.escalations.clear();
                let id = insert_deal(tx, &mut created, summary)?;
                record_changes(tx, &created, None, &created, who, now)?;
                self.deferred.created(tx)?;
                Ok(Saved { id, replaced: None })
            }
        }
    }
}

/// Write the deal's pipeline row (when a summarizer is set).
fn write_summary(
    tx: &Connection,
    deal: &Deal,
    summarize: Option<&Summarizer>,
    now: DateTime<Utc>,
    rows: Rows,
) -> Result<()> {
    let Some(summarize) = summarize else {
        return Ok(());
    };
    let p = summarize(deal, now);
    let secs = |t: DateTime<Utc>| t.timestamp();
    let starts: Vec<i64> = p.escalations.iter().map(|(s, _)| secs(*s)).collect();
    let dues: Vec<i64> = p.escalations.iter().map(|(_, d)| secs(*d)).collect();
    let day_start = |d: NaiveDate| d.and_time(chrono::NaiveTime::MIN).and_utc().timestamp();
    macro_rules! insert_pipeline {
        () => {
            "INSERT INTO pipeline (deal_id, forecast, verdict, meddpicc_total, meddpicc_max,
            steps_complete, steps_blocked, qa_passed, qa_total, escalations, escalation_starts,
            escalation_dues, overdue_from, risk_band, next_step_due, stalled_from, snoozed_until,
            outcome, awaiting_sa, awaiting_manager, owner, sa, amount_cents, name, account,
            close_date)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,
            ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26)"
        };
    }
    tx.prepare_cached(match rows {
        Rows::New => insert_pipeline!(),
        Rows::Existing => concat!(
            insert_pipeline!(),
            " ON CONFLICT (deal_id) DO UPDATE SET forecast = excluded.forecast,
            verdict = excluded.verdict, meddpicc_total = excluded.meddpicc_total,
            meddpicc_max = excluded.meddpicc_max, steps_complete = excluded.steps_complete,
            steps_blocked = excluded.steps_blocked, qa_passed = excluded.qa_passed,
            qa_total = excluded.qa_total, escalations = excluded.escalations,
            escalation_starts = excluded.escalation_starts,
            escalation_dues = excluded.escalation_dues,
            overdue_from = excluded.overdue_from, risk_band = excluded.risk_band,
            next_step_due = excluded.next_step_due, stalled_from = excluded.stalled_from,
            snoozed_until = excluded.snoozed_until, outcome = excluded.outcome,
            awaiting_sa = excluded.awaiting_sa, awaiting_manager = excluded.awaiting_manager,
            owner = excluded.owner, sa = excluded.sa, amount_cents = excluded.amount_cents,
            name = excluded.name, account = excluded.account, close_date = excluded.close_date"
        ),
    })?
    .execute(params![
        deal.id,
        p.forecast.key(),
        p.verdict.map(Verdict::key),
        p.meddpicc_total,
        p.meddpicc_max,
        p.steps_complete,
        p.steps_blocked,
        p.qa_passed,
        p.qa_total,
        p.escalations.len() as i64,
        serde_json::to_string(&starts).expect("numbers serialise"),
        serde_json::to_string(&dues).expect("numbers serialise"),
        dues.iter().min(),
        p.risk_band,
        p.next_step_due,
        p.stalled_from.map(secs),
        p.snoozed_until.map(day_start),
        p.outcome.map(OutcomeKind::key),
        p.awaiting_sa,
        p.awaiting_manager,
        deal.owner,
        deal.sa,
        deal.amount.map(Money::cents),
        deal.name,
        deal.account,
        deal.close_date,
    ])?;
    Ok(())
}

/// Begin a writing transaction (`BEGIN IMMEDIATE`); with it, the last
/// deal id so far, for [`commit`].
fn begin(conn: &mut Connection) -> rusqlite::Result<(rusqlite::Transaction<'_>, i64)> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let last = tx
        .prepare_cached("SELECT coalesce(max(id), 0) FROM deals")?
        .query_row([], |r| r.get(0))?;
    Ok((tx, last))
}

/// The secondary indexes of the tables a bulk write fills, put off while it
/// writes: once it has created as many deals as a quarter of those it found
/// (and at least [`Deferred::AFTER`]), they are dropped, and they are built
/// again, each in one sorted pass, before the transaction commits; another
/// connection sees them dropped at no point, and a rollback puts them back.
/// Building an index over every row costs about an eighth of keeping it
/// current row by row (the 40 indexes of the pipeline summary, the five of
/// the deals), so a write that many deals would otherwise spend most of its
/// time in them. Only indexes the bulk write itself does not read are put
/// off (the escalations' and the history's are read by deal).
struct Deferred {
    /// Deals there were when the write began.
    existing: i64,
    /// Deals it has created so far.
    created: i64,
    /// The dropped indexes' definitions, to build them again.
    dropped: Option<Vec<String>>,
}

impl Deferred {
    /// Deals a write creates before its indexes may be put off.
    const AFTER: i64 = 1_000;

    fn new(tx: &Connection) -> rusqlite::Result<Self> {
        let existing = tx
            .prepare_cached("SELECT count(*) FROM pipeline")?
            .query_row([], |r| r.get(0))?;
        Ok(Self {
            existing,
            created: 0,
            dropped: None,
        })
    }

    /// One more deal created.
    fn created(&mut self, tx: &Connection) -> rusqlite::Result<()> {
        self.created += 1;
        if self.dropped.is_some() || self.created < Self::AFTER.max(self.existing / 4) {
            return Ok(());
        }
        let indexes = tx
            .prepare(
                "SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL
                    AND tbl_name IN ('deals', 'deal_content', 'pipeline') ORDER BY name",
            )?
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut dropped = Vec::with_capacity(indexes.len());
        for (name, sql) in indexes {
            tx.execute_batch(&format!("DROP INDEX \"{}\"", name.replace('"', "\"\"")))?;
            dropped.push(sql);
        }
        self.dropped = Some(dropped);
        Ok(())
    }

    /// Build again the indexes put off, if any. Their sorts spill to
    /// temporary files, not memory (a bulk write keeps its temporary storage
    /// in memory, where sorting the keys of two million rows took 200 MB).
    fn finish(self, tx: &Connection) -> rusqlite::Result<()> {
        let Some(dropped) = self.dropped else {
            return Ok(());
        };
        let temp: i64 = tx.query_row("PRAGMA temp_store", [], |r| r.get(0))?;
        // (a refusal only costs memory)
        let _ = tx.pragma_update(None, "temp_store", "FILE");
        for sql in dropped {
            tx.execute_batch(&sql)?;
        }
        let _ = tx.pragma_update(None, "temp_store", temp);
        Ok(())
    }
}

/// Commit a transaction [`begin`] opened, first adding the deals it
/// created (those past `last`) to the search index in one statement. A
/// deal created and then renamed in the same transaction is already there
/// (the rename's trigger put it there).
fn commit(tx: rusqlite::Transaction<'_>, last: i64) -> rusqlite::Result<()> {
    let newest: i64 = tx
        .prepare_cached("SELECT coalesce(max(id), 0) FROM deals")?
        .query_row([], |r| r.get(0))?;
    let mut index = tx.prepare_cached(
        "INSERT INTO deal_search (rowid, name, account, owner)
         SELECT d.id, d.name, d.account, d.owner FROM deals d
         WHERE d.id > ?1 AND d.id <= ?2
            AND NOT EXISTS (SELECT 1 FROM deal_search s WHERE s.rowid = d.id)",
    )?;
    // a few thousand deals a statement: each statement's journal (kept in
    // memory during bulk writes) holds only the pages that one changes
    let mut from = last;
    while from < newest {
        let to = newest.min(from + 5_000);
        index.execute([from, to])?;
        from = to;
    }
    drop(index);
    tx.commit()
}

/// Insert a whole deal (its id is ignored: a new one is given), each row
/// written once: the deal, its ten steps, its content, its escalations and
/// its pipeline row.
fn insert_deal(tx: &Connection, deal: &mut Deal, summary: Summary<'_>) -> Result<DealId> {
    tx.prepare_cached(
        "INSERT INTO deals (name, account, amount_cents, implementation_fee_cents,
            support_rate_percent, close_date, stage, owner, sa, manager, trigger_date, created_at,
            updated_at, version)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )?
    .execute(params![
        deal.name,
        deal.account,
        deal.amount.map(Money::cents),
        deal.implementation_fee.map(Money::cents),
        deal.support_rate_percent,
        day_text(deal.close_date),
        deal.stage,
        deal.owner,
        deal.sa,
        deal.manager,
        day_text(deal.trigger_date),
        InstantText(deal.created_at),
        InstantText(deal.updated_at),
        deal.version,
    ])?;
    let id = DealId(tx.last_insert_rowid());
    deal.id = id;
    write_parts(tx, deal, summary, Rows::New)?;
    Ok(id)
}

macro_rules! insert_content {
    () => {
        "INSERT INTO deal_content (deal_id, body) VALUES (?1, ?2)"
    };
}

/// The deal's content document, as one JSON text.
fn write_content(tx: &Connection, deal: &Deal, rows: Rows) -> Result<()> {
    let body = serde_json::to_string(&deal.content).expect("content serialises");
    tx.prepare_cached(match rows {
        Rows::New => insert_content!(),
        Rows::Existing => concat!(
            insert_content!(),
            " ON CONFLICT (deal_id) DO UPDATE SET body = excluded.body"
        ),
    })?
    .execute(params![deal.id, body])?;
    Ok(())
}

/// Write every field, step and the content of an existing deal.
fn write_deal(tx: &Connection, deal: &mut Deal, summary: Summary<'_>) -> Result<()> {
    tx.prepare_cached(
        "UPDATE deals SET name = ?2, account = ?3, amount_cents = ?4, implementation_fee_cents = ?5,
            support_rate_percent = ?6, close_date = ?7, stage = ?8, owner = ?9, sa = ?10, manager = ?11,
            trigger_date = ?12, created_at = ?13, updated_at = ?14, version = ?15
         WHERE id = ?1",
    )?
    .execute(params![
        deal.id,
        deal.name,
        deal.account,
        deal.amount.map(Money::cents),
        deal.implementation_fee.map(Money::cents),
        deal.support_rate_percent,
        deal.close_date,
        deal.stage,
        deal.owner,
        deal.sa,
        deal.manager,
        deal.trigger_date,
        deal.created_at,
        deal.updated_at,
        deal.version,
    ])?;
    write_parts(tx, deal, summary, Rows::Existing)
}

/// Everything of a deal but its own row: its ten steps (inserted or
/// updated), its content, its escalations and its pipeline row.
macro_rules! insert_step {
    () => {
        "INSERT INTO steps (deal_id, number, status, started_at, completed_at, blocked_reason,
            blocked_since, actions, outcomes, decisions, next_steps, confirmed_with, confirmed_on,
            first_completed_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"
    };
}

/// Which rows a deal's write finds: none (a deal just inserted, whose rows
/// are plain inserts, which SQLite writes without a statement journal) or
/// some (each row inserted or updated).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Rows {
    New,
    Existing,
}

fn write_parts(tx: &Connection, deal: &mut Deal, summary: Summary<'_>, rows: Rows) -> Result<()> {
    let mut write = tx.prepare_cached(match rows {
        Rows::New => insert_step!(),
        Rows::Existing => concat!(
            insert_step!(),
            " ON CONFLICT (deal_id, number) DO UPDATE SET status = excluded.status,
            started_at = excluded.started_at, completed_at = excluded.completed_at,
            blocked_reason = excluded.blocked_reason, blocked_since = excluded.blocked_since,
            actions = excluded.actions, outcomes = excluded.outcomes,
            decisions = excluded.decisions, next_steps = excluded.next_steps,
            confirmed_with = excluded.confirmed_with, confirmed_on = excluded.confirmed_on,
            first_completed_at = excluded.first_completed_at"
        ),
    })?;
    for s in &deal.steps {
        write.execute(params![
            deal.id,
            s.number,
            s.status.as_str(),
            instant_text(s.started_at),
            instant_text(s.completed_at),
            s.blocked_reason,
            instant_text(s.blocked_since),
            actions_bits(&s.actions),
            s.notes.outcomes,
            s.notes.decisions,
            s.notes.next_steps,
            s.confirmed_with,
            day_text(s.confirmed_on),
            instant_text(s.first_completed_at),
        ])?;
    }
    write_content(tx, deal, rows)?;
    write_escalations(tx, deal)?;
    write_summary(tx, deal, summary.0, summary.1, rows)?;
    Ok(())
}

/// The writes of one import, all in the transaction [`Store::batch`] opened:
/// each deal created or changed with its audit rows and pipeline row.
pub struct Batch<'a> {
    tx: &'a rusqlite::Transaction<'a>,
    summarize: Option<&'a Summarizer>,
    who: &'a str,
    now: DateTime<Utc>,
}

impl Batch<'_> {
    /// The deal imported from the Salesforce opportunity `id`, if any.
    pub fn find_salesforce(&self, id: &str) -> Result<Option<DealId>> {
        Ok(self
            .tx
            .prepare_cached(
                "SELECT deal_id FROM deal_content
                 WHERE json_extract(body, '$.salesforce.id') = ?1 ORDER BY deal_id LIMIT 1",
            )?
            .query_row([id], |r| r.get(0))
            .optional()?)
    }

    /// Create a deal (checked by the caller); its id.
    pub fn insert(&mut self, mut deal: Deal) -> Result<DealId> {
        let id = insert_deal(self.tx, &mut deal, (self.summarize, self.now))?;
        record_changes(self.tx, &deal, None, &deal, self.who, self.now)?;
        Ok(id)
    }

    /// Change a deal: `change` edits it in memory and says whether to keep
    /// the edit. Only a deal that differs afterwards is written (its version
    /// moves on, each changed field in the history); returns it then.
    pub fn update(
        &mut self,
        id: DealId,
        change: impl FnOnce(&mut Deal) -> Result<()>,
    ) -> Result<Option<Deal>> {
        let before = read_deal(self.tx, id)?;
        let mut deal = before.clone();
        change(&mut deal)?;
        if deal == before {
            return Ok(None);
        }
        deal.id = id;
        deal.version = before.version + 1;
        deal.updated_at = self.now;
        write_deal(self.tx, &mut deal, (self.summarize, self.now))?;
        record_changes(self.tx, &deal, Some(&before), &deal, self.who, self.now)?;
        Ok(Some(deal))
    }
}

/// The summarizer and the change's time, handed to `write_deal`.
type Summary<'a> = (Option<&'a Summarizer>, DateTime<Utc>);

/// Store new escalation records (giving them ids) and the acts on old ones.
fn write_escalations(tx: &Connection, deal: &mut Deal) -> Result<()> {
    let id = deal.id;
    for e in &mut deal.escalations {
        let stamp = |s: &Option<Stamp>| {
            s.as_ref()
                .map(|s| (s.by.clone(), s.at, s.note.clone()))
                .unwrap_or_default()
        };
        let (ack_by, ack_at, ack_note) = stamp(&e.acknowledged);
        let (res_by, res_at, res_note) = stamp(&e.resolved);
        let some = |v: String| (!v.is_empty()).then_some(v);
        let ack_at = e.acknowledged.as_ref().map(|_| ack_at);
        let res_at = e.resolved.as_ref().map(|_| res_at);
        if e.id == 0 {
            tx.prepare_cached(
                "INSERT INTO escalations (deal_id, rule, step, reason, raised_at, raised_by,
                    ack_by, ack_at, ack_note, resolved_by, resolved_at, resolved_note, due_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            )?
            .execute(params![
                id,
                e.rule.key(),
                e.step,
                e.reason,
                e.raised_at,
                e.raised_by,
                some(ack_by),
                ack_at,
                some(ack_note),
                some(res_by),
                res_at,
                some(res_note),
                e.due_at,
            ])?;
            e.id = tx.last_insert_rowid();
        } else {
            tx.prepare_cached(
                "UPDATE escalations SET ack_by = ?3, ack_at = ?4, ack_note = ?5,
                    resolved_by = ?6, resolved_at = ?7, resolved_note = ?8
                 WHERE id = ?1 AND deal_id = ?2",
            )?
            .execute(params![
                e.id,
                id,
                some(ack_by),
                ack_at,
                some(ack_note),
                some(res_by),
                res_at,
                some(res_note)
            ])?;
        }
    }
    Ok(())
}

/// Write one audit row per field that differs between `before` (none for a
/// new deal) and `after`, in the change's own transaction.
fn record_changes(
    tx: &Connection,
    deal: &Deal,
    before: Option<&Deal>,
    after: &Deal,
    who: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let mut insert = tx.prepare_cached(
        "INSERT INTO audit (deal_id, at, who, field, before, after) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    let Some(before) = before else {
        insert.execute(params![
            deal.id,
            InstantText(now),
            who,
            "deal",
            "",
            format!("created: {}", deal.name)
        ])?;
        return Ok(());
    };
    for change in audit::diff(&audit::snapshot(before), &audit::snapshot(after)) {
        insert.execute(params![
            deal.id,
            now,
            who,
            change.field,
            change.before,
            change.after
        ])?;
    }
    Ok(())
}

fn actions_bits(actions: &[bool]) -> i64 {
    actions
        .iter()
        .enumerate()
        .filter(|(_, done)| **done)
        .map(|(i, _)| 1 << i)
        .sum()
}

/// The columns [`deal_from_row`] reads, in its order (`d` is `deals`).
const DEAL_COLUMNS: &str = "d.id, d.name, d.account, d.amount_cents, d.implementation_fee_cents,
    d.support_rate_percent, d.close_date, d.stage, d.owner, d.sa, d.manager, d.trigger_date,
    d.created_at, d.updated_at, d.version";

/// The columns [`read_step`] reads, in its order.
const STEP_COLUMNS: &str = "number, status, started_at, completed_at, blocked_reason,
    blocked_since, actions, outcomes, decisions, next_steps, confirmed_with, confirmed_on,
    first_completed_at";

/// The columns [`read_escalation`] reads, in its order.
const ESCALATION_COLUMNS: &str = "id, rule, step, reason, raised_at, raised_by, ack_by, ack_at,
    ack_note, resolved_by, resolved_at, resolved_note, due_at";

fn deal_from_row(r: &Row<'_>) -> rusqlite::Result<Deal> {
    Ok(Deal {
        id: r.get(0)?,
        name: r.get(1)?,
        account: r.get(2)?,
        amount: r.get::<_, Option<i64>>(3)?.map(Money::from_cents),
        implementation_fee: r.get::<_, Option<i64>>(4)?.map(Money::from_cents),
        support_rate_percent: r.get(5)?,
        close_date: day_or_null(r, 6)?,
        stage: r.get(7)?,
        owner: r.get(8)?,
        sa: r.get(9)?,
        manager: r.get(10)?,
        trigger_date: day_or_null(r, 11)?,
        created_at: instant(r, 12)?,
        updated_at: instant(r, 13)?,
        version: r.get(14)?,
        steps: Vec::new(),
        content: DealContent::default(),
        escalations: Vec::new(),
    })
}

fn read_escalation(r: &Row<'_>) -> rusqlite::Result<EscalationRecord> {
    let rule: String = r.get(1)?;
    let stamp = |by: usize| -> rusqlite::Result<Option<Stamp>> {
        let who: Option<String> = r.get(by)?;
        let at = instant_or_null(r, by + 1)?;
        let note: Option<String> = r.get(by + 2)?;
        Ok(at.map(|at| Stamp {
            by: who.unwrap_or_default(),
            at,
            note: note.unwrap_or_default(),
        }))
    };
    Ok(EscalationRecord {
        id: r.get(0)?,
        rule: EscalationRule::parse(&rule).ok_or_else(|| {
            rusqlite::Error::FromSqlConversionFailure(
                1,
                rusqlite::types::Type::Text,
                format!("unknown rule {rule}").into(),
            )
        })?,
        step: r.get(2)?,
        reason: r.get(3)?,
        raised_at: instant(r, 4)?,
        due_at: instant(r, 12)?,
        raised_by: r.get(5)?,
        acknowledged: stamp(6)?,
        resolved: stamp(9)?,
    })
}

/// The deal's content document from its stored JSON.
fn content_from(body: &str) -> Result<DealContent> {
    serde_json::from_str(body).map_err(|e| {
        StoreError::Sql(rusqlite::Error::FromSqlConversionFailure(
            0,
            rusqlite::types::Type::Text,
            Box::new(e),
        ))
    })
}

fn read_deal(conn: &Connection, id: DealId) -> Result<Deal> {
    let deal = conn
        .prepare_cached(&format!(
            "SELECT {DEAL_COLUMNS} FROM deals d WHERE d.id = ?1"
        ))?
        .query_row([id], deal_from_row)
        .optional()?;
    let mut deal = deal.ok_or(StoreError::NotFound(id))?;
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {STEP_COLUMNS} FROM steps WHERE deal_id = ?1 ORDER BY number"
    ))?;
    deal.steps = stmt
        .query_map([id], read_step)?
        .collect::<rusqlite::Result<_>>()?;
    let body: Option<String> = conn
        .prepare_cached("SELECT body FROM deal_content WHERE deal_id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?;
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {ESCALATION_COLUMNS} FROM escalations WHERE deal_id = ?1 ORDER BY id"
    ))?;
    deal.escalations = stmt
        .query_map([id], read_escalation)?
        .collect::<rusqlite::Result<_>>()?;
    if let Some(body) = body {
        deal.content = content_from(&body)?;
    }
    Ok(deal)
}

/// Which deals a whole-database read walks, in id order.
#[derive(Clone, Copy)]
struct Walk<'a> {
    /// Only those without an outcome.
    open: bool,
    /// Only one owner's (without case).
    owner: Option<&'a str>,
    /// With the instants each one's stage changed (from the history).
    stages: bool,
}

/// One deal as a walk reads it, its content document still text.
struct Read {
    deal: Deal,
    body: Option<String>,
    stages: Vec<DateTime<Utc>>,
}

/// A walk's four statements (deals with their content, steps, escalations,
/// stage changes), each in deal id order, each bound to the owner (`?1`,
/// NULL for all) and the last to whether stage changes are wanted (`?2`).
fn walk_queries(open: bool) -> [String; 4] {
    let (from, key, only) = if open {
        (
            "pipeline p JOIN deals d ON d.id = p.deal_id",
            "p.deal_id",
            "p.outcome IS NULL AND (?1 IS NULL OR p.owner = ?1)",
        )
    } else {
        (
            "deals d",
            "d.id",
            "(?1 IS NULL OR d.owner = ?1 COLLATE NOCASE)",
        )
    };
    let prefixed = |columns: &str, table: &str| {
        columns
            .split(',')
            .map(|c| format!("{table}.{}", c.trim()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    [
        format!(
            "SELECT {DEAL_COLUMNS}, c.body FROM {from}
                LEFT JOIN deal_content c ON c.deal_id = d.id
             WHERE {only} ORDER BY {key}"
        ),
        format!(
            "SELECT {}, s.deal_id FROM {from} JOIN steps s ON s.deal_id = d.id
             WHERE {only} ORDER BY {key}, s.number",
            prefixed(STEP_COLUMNS, "s")
        ),
        format!(
            "SELECT {}, e.deal_id FROM {from} JOIN escalations e ON e.deal_id = d.id
             WHERE {only} ORDER BY {key}, e.id",
            prefixed(ESCALATION_COLUMNS, "e")
        ),
        // CROSS JOIN: by deal, from the history's index by deal, rather
        // than a scan of the whole history sorted in a temporary tree
        format!(
            "SELECT a.at, a.deal_id FROM {from} CROSS JOIN audit a ON a.deal_id = d.id
             WHERE {only} AND a.field = 'stage' AND ?2 ORDER BY {key}, a.id"
        ),
    ]
}

/// Each deal `walk` names, in id order, with its steps and escalations, its
/// content's text (parsed by the caller) and, if asked, its stage changes:
/// one statement a table, stepped side by side, so that nothing but the
/// deal at hand is held.
fn walk_deals(
    conn: &Connection,
    walk: Walk<'_>,
    mut each: impl FnMut(Read) -> Result<()>,
) -> Result<()> {
    let [deals, steps, escalations, stages] = walk_queries(walk.open);
    let mut deals = conn.prepare_cached(&deals)?;
    let mut steps = conn.prepare_cached(&steps)?;
    let mut escalations = conn.prepare_cached(&escalations)?;
    let mut stages = conn.prepare_cached(&stages)?;
    let owner = [walk.owner];
    let mut deal_rows = deals.query(owner)?;
    let mut steps = Children::new(steps.query(owner)?, read_step, 13);
    let mut escalations = Children::new(escalations.query(owner)?, read_escalation, 13);
    let mut stages = Children::new(
        stages.query(params![walk.owner, walk.stages])?,
        |r| instant(r, 0),
        1,
    );
    while let Some(r) = deal_rows.next()? {
        let mut read = Read {
            deal: deal_from_row(r)?,
            body: r.get(15)?,
            stages: Vec::new(),
        };
        let id = read.deal.id;
        steps.of(id, &mut read.deal.steps)?;
        escalations.of(id, &mut read.deal.escalations)?;
        stages.of(id, &mut read.stages)?;
        each(read)?;
    }
    Ok(())
}

/// The rows of a child table (steps, escalations, stage changes) read
/// beside the deals, in the same deal order; each row carries its deal's id
/// (in column `id_at`).
struct Children<'s, T> {
    rows: rusqlite::Rows<'s>,
    read: fn(&Row<'_>) -> rusqlite::Result<T>,
    id_at: usize,
    /// A row read ahead: it belongs to a later deal.
    next: Option<(DealId, T)>,
    done: bool,
}

impl<'s, T> Children<'s, T> {
    fn new(
        rows: rusqlite::Rows<'s>,
        read: fn(&Row<'_>) -> rusqlite::Result<T>,
        id_at: usize,
    ) -> Self {
        Children {
            rows,
            read,
            id_at,
            next: None,
            done: false,
        }
    }

    /// Move the rows of deal `id` into `out` (rows of deals before it,
    /// which the deals' query skipped, are dropped).
    fn of(&mut self, id: DealId, out: &mut Vec<T>) -> Result<()> {
        loop {
            if self.next.is_none() && !self.done {
                match self.rows.next()? {
                    Some(r) => self.next = Some((r.get(self.id_at)?, (self.read)(r)?)),
                    None => self.done = true,
                }
            }
            match self.next.take() {
                Some((of, row)) if of == id => out.push(row),
                Some((of, _)) if of < id => {}
                other => {
                    self.next = other;
                    return Ok(());
                }
            }
        }
    }
}

fn read_step(r: &Row<'_>) -> rusqlite::Result<Step> {
    let status: String = r.get(1)?;
    let bits: i64 = r.get(6)?;
    let mut actions = [false; crate::domain::playbook::ACTION_COUNT];
    for (i, slot) in actions.iter_mut().enumerate() {
        *slot = bits & (1 << i) != 0;
    }
    Ok(Step {
        number: r.get(0)?,
        status: StepStatus::parse(&status).ok_or_else(|| {
            rusqlite::Error::FromSqlConversionFailure(
                1,
                rusqlite::types::Type::Text,
                format!("unknown status {status}").into(),
            )
        })?,
        started_at: instant_or_null(r, 2)?,
        completed_at: instant_or_null(r, 3)?,
        blocked_reason: r.get(4)?,
        blocked_since: instant_or_null(r, 5)?,
        actions,
        notes: Notes {
            outcomes: r.get(7)?,
            decisions: r.get(8)?,
            next_steps: r.get(9)?,
        },
        confirmed_with: r.get(10)?,
        confirmed_on: day_or_null(r, 11)?,
        first_completed_at: instant_or_null(r, 12)?,
    })
}

#[cfg(test)]
mod tests;
