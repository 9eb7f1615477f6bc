//! The deal row and the whole deal: read with its steps, content and
//! escalations; created and changed (each change one transaction, with its
//! version check, its audit rows and its pipeline row).

use super::conn::{Rows, Store};
use super::escalations::{ESCALATION_COLUMNS, read_escalation, write_escalations};
use super::history::record_changes;
use super::stamps::{InstantText, day_or_null, day_text, instant};
use super::steps::{STEP_COLUMNS, content_from, read_step, write_content, write_steps};
use super::summary::{Summary, write_summary};
use crate::domain::content::DealContent;
use crate::domain::deal::{Deal, DealId};
use crate::domain::money::Money;
use crate::store::error::{Result, StoreError};
use chrono::{DateTime, Utc};
use rusqlite::types::{FromSql, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use rusqlite::{Connection, OptionalExtension, Row, params};

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

/// The columns [`deal_from_row`] reads, in its order (`d` is `deals`).
pub(super) const DEAL_COLUMNS: &str =
    "d.id, d.name, d.account, d.amount_cents, d.implementation_fee_cents,
    d.support_rate_percent, d.close_date, d.stage, d.owner, d.sa, d.manager, d.trigger_date,
    d.created_at, d.updated_at, d.version";

pub(super) fn deal_from_row(r: &Row<'_>) -> rusqlite::Result<Deal> {
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

pub(super) fn read_deal(conn: &Connection, id: DealId) -> Result<Deal> {
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

/// Insert a whole deal (its id is ignored: a new one is given), each row
/// written once: the deal, its ten steps, its content, its escalations and
/// its pipeline row.
pub(super) fn insert_deal(
    tx: &Connection,
    deal: &mut Deal,
    summary: Summary<'_>,
) -> Result<DealId> {
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

/// Write every field, step and the content of an existing deal.
pub(super) fn write_deal(tx: &Connection, deal: &mut Deal, summary: Summary<'_>) -> Result<()> {
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
fn write_parts(tx: &Connection, deal: &mut Deal, summary: Summary<'_>, rows: Rows) -> Result<()> {
    write_steps(tx, deal, rows)?;
    write_content(tx, deal, rows)?;
    write_escalations(tx, deal)?;
    write_summary(tx, deal, summary.0, summary.1, rows)?;
    Ok(())
}

impl Store {
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
            .map_err(StoreError::from);
        self.checked(found)
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
}

/// Read every row of every table on `conn`, each value as what it is, and
/// every deal whole (its content parsed): what a copy must be able to give
/// back. The first value that cannot be read is the error.
pub(super) fn read_every_row(conn: &Connection) -> Result<()> {
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for table in tables {
        let mut stmt =
            conn.prepare(&format!("SELECT * FROM \"{}\"", table.replace('"', "\"\"")))?;
        let columns = stmt.column_count();
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            for i in 0..columns {
                if let ValueRef::Text(bytes) = row.get_ref(i)? {
                    std::str::from_utf8(bytes).map_err(|e| rusqlite::Error::Utf8Error(i, e))?;
                }
            }
        }
    }
    let ids: Vec<DealId> = conn
        .prepare("SELECT id FROM deals ORDER BY id")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for id in ids {
        read_deal(conn, id)?;
    }
    Ok(())
}
