//! The only code that speaks SQL. One SQLite file; every write is one
//! `BEGIN IMMEDIATE` transaction; each deal carries a `version` so that a
//! writer holding stale data is refused instead of overwriting.

pub mod doctor;
pub mod files;
pub mod safety;
mod schema;

use crate::domain::audit::{self, AuditEntry};
use crate::domain::content::DealContent;
use crate::domain::criteria;
use crate::domain::deal::{Deal, DealId, DealSummary, FieldError, NewDeal};
use crate::domain::escalation::{self, EscalationRecord, Stamp};
use crate::domain::money::Money;
use crate::domain::playbook::EscalationRule;
use crate::domain::playbook::Playbook;
use crate::domain::step::{ChangeOutcome, Notes, RuleError, Step, StepChange, StepStatus};
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::types::{FromSql, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params};
use std::fmt;
use std::path::{Path, PathBuf};

pub use schema::{latest_version, migrations};

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

/// How the deal list is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ListSort {
    #[default]
    CloseDate,
    Amount,
    Name,
}

impl ListSort {
    pub fn next(self) -> ListSort {
        match self {
            ListSort::CloseDate => ListSort::Amount,
            ListSort::Amount => ListSort::Name,
            ListSort::Name => ListSort::CloseDate,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ListSort::CloseDate => "close date",
            ListSort::Amount => "amount",
            ListSort::Name => "name",
        }
    }

    fn order_by(self) -> &'static str {
        match self {
            ListSort::CloseDate => "d.close_date IS NULL, d.close_date, d.id",
            ListSort::Amount => "d.amount_cents IS NULL, d.amount_cents DESC, d.id",
            ListSort::Name => "d.name COLLATE NOCASE, d.id",
        }
    }
}

/// The review queues: deals waiting on someone's sign-off.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Queue {
    #[default]
    All,
    /// Step 4 has a validation plan the SA has not approved.
    SaSignOff,
    /// Over the threshold (in cents) and without an approving manager review.
    ManagerReview { over_cents: i64 },
}

impl Queue {
    pub fn label(self) -> &'static str {
        match self {
            Queue::All => "all deals",
            Queue::SaSignOff => "waiting on SA sign-off",
            Queue::ManagerReview { .. } => "waiting on manager review",
        }
    }

    fn sql(self) -> String {
        let body = "(SELECT body FROM deal_content WHERE deal_id = d.id)";
        match self {
            Queue::All => String::new(),
            Queue::SaSignOff => format!(
                " AND coalesce(json_array_length({body}, '$.validation_plan.items'), 0) > 0
                  AND coalesce(json_extract({body}, '$.validation_plan.decision.approved'), 0) = 0"
            ),
            // the threshold is a number from the playbook, never user text
            Queue::ManagerReview { over_cents } => format!(
                " AND d.amount_cents > {over_cents}
                  AND coalesce(json_extract({body}, '$.manager_review.approved'), 0) = 0"
            ),
        }
    }
}

/// Which deals the list shows, and in what order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListQuery {
    /// Matched, case-insensitively, anywhere in the name, account or owner.
    pub filter: String,
    pub sort: ListSort,
    pub queue: Queue,
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
}

const FILTER_SQL: &str = "(?1 = '%%' OR d.name LIKE ?1 ESCAPE '\\' OR d.account LIKE ?1 ESCAPE '\\' OR d.owner LIKE ?1 ESCAPE '\\')";

pub struct Store {
    conn: Connection,
    path: Option<PathBuf>,
    /// Who the audit trail says made the changes.
    actor: String,
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
            watch: safety::Watch::default(),
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
        self.watch.allow_write(&self.conn, self.path.as_deref())?;
        let result = (|| {
            let tx = self
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)?;
            let value = f(&tx)?;
            tx.commit()?;
            Ok(value)
        })();
        self.checked(result)
    }

    pub fn add_deal(
        &mut self,
        new: NewDeal,
        playbook: &Playbook,
        now: DateTime<Utc>,
    ) -> Result<DealId> {
        let ids = self.add_deals(vec![new], playbook, now)?;
        Ok(ids[0])
    }

    /// Create several deals in one transaction: all are created or none.
    pub fn add_deals(
        &mut self,
        deals: Vec<NewDeal>,
        playbook: &Playbook,
        now: DateTime<Utc>,
    ) -> Result<Vec<DealId>> {
        for new in &deals {
            new.validate().map_err(StoreError::Invalid)?;
        }
        let who = self.actor.clone();
        self.write(|tx| {
            deals
                .into_iter()
                .map(|new| {
                    let mut deal = new.into_deal(DealId(0), playbook, now);
                    let id = insert_deal(tx, &mut deal)?;
                    record_changes(tx, &Deal { ..deal.clone() }, None, &deal, &who, now)?;
                    Ok(id)
                })
                .collect()
        })
    }

    /// Save whole deals (an import) in one transaction: a deal whose id exists
    /// is replaced (its version moves on), any other is created with a new id.
    pub fn save_deals(&mut self, deals: &[Deal], now: DateTime<Utc>) -> Result<Vec<DealId>> {
        let who = self.actor.clone();
        self.write(|tx| {
            let mut ids = Vec::with_capacity(deals.len());
            for deal in deals {
                let existing: Option<i64> = tx
                    .query_row("SELECT version FROM deals WHERE id = ?1", [deal.id], |r| {
                        r.get(0)
                    })
                    .optional()?;
                match existing {
                    Some(version) => {
                        let before = read_deal(tx, deal.id)?;
                        let mut replaced = deal.clone();
                        replaced.version = version + 1;
                        replaced.updated_at = now;
                        replaced.escalations = before.escalations.clone();
                        write_deal(tx, &mut replaced)?;
                        record_changes(tx, &replaced, Some(&before), &replaced, &who, now)?;
                        ids.push(deal.id);
                    }
                    None => {
                        let mut created = deal.clone();
                        created.escalations.clear();
                        let id = insert_deal(tx, &mut created)?;
                        record_changes(tx, &created, None, &created, &who, now)?;
                        ids.push(id);
                    }
                }
            }
            Ok(ids)
        })
    }

    /// The whole deal with its ten steps.
    pub fn deal(&self, id: DealId) -> Result<Deal> {
        self.checked(read_deal(&self.conn, id))
    }

    pub fn count_deals(&self, query: &ListQuery) -> Result<usize> {
        let sql = format!(
            "SELECT count(*) FROM deals d WHERE {FILTER_SQL}{}",
            query.queue.sql()
        );
        let n: rusqlite::Result<i64> = self.conn.query_row(&sql, [query.pattern()], |r| r.get(0));
        Ok(self.checked(n.map_err(StoreError::Sql))? as usize)
    }

    /// One page of the deal list: only the rows asked for are read.
    pub fn deal_page(
        &self,
        query: &ListQuery,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<DealSummary>> {
        // pick the page's ids from the index first, then read just those rows
        let order = query.sort.order_by();
        let queue = query.queue.sql();
        let sql = format!(
            "WITH page AS (SELECT d.id FROM deals d WHERE {FILTER_SQL}{queue} ORDER BY {order} LIMIT ?2 OFFSET ?3)
             SELECT d.id, d.name, d.account, d.amount_cents, d.close_date, d.stage, d.owner,
                (SELECT count(*) FROM steps s WHERE s.deal_id = d.id AND s.status = 'complete'),
                (SELECT count(*) FROM steps s WHERE s.deal_id = d.id AND s.status = 'blocked')
             FROM page JOIN deals d ON d.id = page.id ORDER BY {order}"
        );
        let mut stmt = self.checked(self.conn.prepare_cached(&sql).map_err(StoreError::Sql))?;
        let rows = stmt.query_map(params![query.pattern(), limit as i64, offset as i64], |r| {
            Ok(DealSummary {
                id: r.get(0)?,
                name: r.get(1)?,
                account: r.get(2)?,
                amount: r.get::<_, Option<i64>>(3)?.map(Money::from_cents),
                close_date: r.get(4)?,
                stage: r.get(5)?,
                owner: r.get(6)?,
                steps_complete: r.get(7)?,
                steps_blocked: r.get(8)?,
            })
        });
        let rows = rows.and_then(|rows| rows.collect::<rusqlite::Result<_>>());
        self.checked(rows.map_err(StoreError::Sql))
    }

    /// Change a deal in one transaction. With `expected_version`, the change
    /// is refused with [`StoreError::Conflict`] if the deal moved on since that
    /// version was read. `change` edits the deal in memory; nothing is written
    /// if it fails or leaves content that does not validate. Returns the deal
    /// as saved.
    pub fn update_deal<T>(
        &mut self,
        id: DealId,
        expected_version: Option<i64>,
        now: DateTime<Utc>,
        change: impl FnOnce(&mut Deal) -> Result<T>,
    ) -> Result<(Deal, T)> {
        let who = self.actor.clone();
        self.write(|tx| {
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
            let errors = deal.content.validate();
            if !errors.is_empty() {
                return Err(StoreError::Invalid(
                    errors
                        .into_iter()
                        .map(|e| FieldError {
                            field: e.path,
                            message: e.message,
                        })
                        .collect(),
                ));
            }
            deal.id = id;
            deal.version += 1;
            deal.updated_at = now;
            write_deal(tx, &mut deal)?;
            record_changes(tx, &deal, Some(&before), &deal, &who, now)?;
            Ok((deal, value))
        })
    }

    /// Apply a change to one step: the sequence rule and the step's criteria
    /// are checked first (see [`criteria::apply_step`]).
    pub fn change_step(
        &mut self,
        id: DealId,
        expected_version: Option<i64>,
        number: u8,
        change: &StepChange,
        playbook: &Playbook,
        now: DateTime<Utc>,
    ) -> Result<(Deal, ChangeOutcome)> {
        let who = self.actor.clone();
        self.update_deal(id, expected_version, now, |deal| {
            if *change == StepChange::Unblock {
                escalation::clear_blocked(deal, number, &who, playbook, now);
            }
            criteria::apply_step(deal, number, change, playbook, now).map_err(StoreError::Rule)
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

    /// The battle-card notes kept for a competitor across deals.
    pub fn battle_card(&self, competitor: &str) -> Result<Option<String>> {
        let found = self
            .conn
            .query_row(
                "SELECT notes FROM battle_cards WHERE competitor = ?1",
                [competitor.trim()],
                |r| r.get(0),
            )
            .optional();
        self.checked(found.map_err(StoreError::Sql))
    }

    pub fn set_battle_card(
        &mut self,
        competitor: &str,
        notes: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let name = competitor.trim();
        if name.is_empty() {
            return Err(StoreError::Invalid(vec![FieldError {
                field: "competitor".into(),
                message: "required".into(),
            }]));
        }
        self.write(|tx| {
            tx.execute(
                "INSERT INTO battle_cards (competitor, notes, updated_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (competitor) DO UPDATE SET notes = excluded.notes, updated_at = excluded.updated_at",
                params![name, notes, now],
            )?;
            Ok(())
        })
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

/// Insert a whole deal (its id is ignored: a new one is given); the row is
/// created bare and `write_deal` fills in every field.
fn insert_deal(tx: &Connection, deal: &mut Deal) -> Result<DealId> {
    tx.prepare_cached(
        "INSERT INTO deals (name, account, support_rate_percent, stage, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        deal.name,
        deal.account,
        deal.support_rate_percent,
        deal.stage,
        deal.created_at,
        deal.updated_at
    ])?;
    let id = DealId(tx.last_insert_rowid());
    let mut insert = tx.prepare_cached("INSERT INTO steps (deal_id, number) VALUES (?1, ?2)")?;
    for s in &deal.steps {
        insert.execute(params![id, s.number])?;
    }
    deal.id = id;
    write_deal(tx, deal)?;
    Ok(id)
}

/// Write every field, step and the content of an existing deal.
fn write_deal(tx: &Connection, deal: &mut Deal) -> Result<()> {
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
    let mut update = tx.prepare_cached(
        "UPDATE steps SET status = ?3, started_at = ?4, completed_at = ?5, blocked_reason = ?6,
            blocked_since = ?7, actions = ?8, outcomes = ?9, decisions = ?10, next_steps = ?11,
            confirmed_with = ?12, confirmed_on = ?13
         WHERE deal_id = ?1 AND number = ?2",
    )?;
    for s in &deal.steps {
        update.execute(params![
            deal.id,
            s.number,
            s.status.as_str(),
            s.started_at,
            s.completed_at,
            s.blocked_reason,
            s.blocked_since,
            actions_bits(&s.actions),
            s.notes.outcomes,
            s.notes.decisions,
            s.notes.next_steps,
            s.confirmed_with,
            s.confirmed_on,
        ])?;
    }
    let body = serde_json::to_string(&deal.content).expect("content serialises");
    tx.prepare_cached(
        "INSERT INTO deal_content (deal_id, body) VALUES (?1, ?2)
         ON CONFLICT (deal_id) DO UPDATE SET body = excluded.body",
    )?
    .execute(params![deal.id, body])?;
    write_escalations(tx, deal)?;
    Ok(())
}

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
            now,
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

fn read_deal(conn: &Connection, id: DealId) -> Result<Deal> {
    let deal = conn
        .query_row(
            "SELECT id, name, account, amount_cents, implementation_fee_cents, support_rate_percent, close_date,
                stage, owner, sa, manager, trigger_date, created_at, updated_at, version
             FROM deals WHERE id = ?1",
            [id],
            |r| {
                Ok(Deal {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    account: r.get(2)?,
                    amount: r.get::<_, Option<i64>>(3)?.map(Money::from_cents),
                    implementation_fee: r.get::<_, Option<i64>>(4)?.map(Money::from_cents),
                    support_rate_percent: r.get(5)?,
                    close_date: r.get::<_, Option<NaiveDate>>(6)?,
                    stage: r.get(7)?,
                    owner: r.get(8)?,
                    sa: r.get(9)?,
                    manager: r.get(10)?,
                    trigger_date: r.get(11)?,
                    created_at: r.get(12)?,
                    updated_at: r.get(13)?,
                    version: r.get(14)?,
                    steps: Vec::new(),
                    content: DealContent::default(),
                    escalations: Vec::new(),
                })
            },
        )
        .optional()?;
    let mut deal = deal.ok_or(StoreError::NotFound(id))?;
    let mut stmt = conn.prepare_cached(
        "SELECT number, status, started_at, completed_at, blocked_reason, blocked_since, actions,
            outcomes, decisions, next_steps, confirmed_with, confirmed_on
         FROM steps WHERE deal_id = ?1 ORDER BY number",
    )?;
    deal.steps = stmt
        .query_map([id], read_step)?
        .collect::<rusqlite::Result<_>>()?;
    let body: Option<String> = conn
        .query_row(
            "SELECT body FROM deal_content WHERE deal_id = ?1",
            [id],
            |r| r.get(0),
        )
        .optional()?;
    let mut stmt = conn.prepare_cached(
        "SELECT id, rule, step, reason, raised_at, raised_by, ack_by, ack_at, ack_note,
            resolved_by, resolved_at, resolved_note, due_at
         FROM escalations WHERE deal_id = ?1 ORDER BY id",
    )?;
    deal.escalations = stmt
        .query_map([id], |r| {
            let rule: String = r.get(1)?;
            let stamp = |by: usize| -> rusqlite::Result<Option<Stamp>> {
                let who: Option<String> = r.get(by)?;
                let at: Option<DateTime<Utc>> = r.get(by + 1)?;
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
                raised_at: r.get(4)?,
                due_at: r.get(12)?,
                raised_by: r.get(5)?,
                acknowledged: stamp(6)?,
                resolved: stamp(9)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    if let Some(body) = body {
        deal.content = serde_json::from_str(&body).map_err(|e| {
            StoreError::Sql(rusqlite::Error::FromSqlConversionFailure(
                0,
                rusqlite::types::Type::Text,
                Box::new(e),
            ))
        })?;
    }
    Ok(deal)
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
        started_at: r.get(2)?,
        completed_at: r.get(3)?,
        blocked_reason: r.get(4)?,
        blocked_since: r.get(5)?,
        actions,
        notes: Notes {
            outcomes: r.get(7)?,
            decisions: r.get(8)?,
            next_steps: r.get(9)?,
        },
        confirmed_with: r.get(10)?,
        confirmed_on: r.get(11)?,
    })
}

#[cfg(test)]
mod tests;
