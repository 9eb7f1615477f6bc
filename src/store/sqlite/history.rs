//! The history (one audit row per changed field, written in the change's
//! own transaction) and drafts (text kept when it could not be saved).

use super::conn::Store;
use super::stamps::{InstantText, instant};
use crate::domain::audit::{self, AuditEntry};
use crate::domain::deal::{Deal, DealId};
use crate::store::error::{Result, StoreError};
use crate::store::{Draft, HistoryTaker};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

/// Write one audit row per field that differs between `before` (none for a
/// new deal) and `after`, in the change's own transaction.
pub(super) fn record_changes(
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

impl Store {
    /// Every recorded change to a deal, oldest first.
    pub fn history(&self, id: DealId) -> Result<Vec<AuditEntry>> {
        self.deal(id)?;
        let stmt = self.conn.prepare_cached(
            "SELECT at, who, field, before, after FROM audit WHERE deal_id = ?1 ORDER BY id",
        );
        let mut stmt = self.checked(stmt.map_err(StoreError::from))?;
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
        self.checked(rows.map_err(StoreError::from))
    }

    /// Every history row made at or after `since` (of one owner's deals,
    /// without case), in deal id order, oldest first within a deal.
    pub fn history_since(
        &self,
        since: DateTime<Utc>,
        owner: Option<&str>,
        each: &mut HistoryTaker<'_>,
    ) -> Result<()> {
        let result = (|| -> Result<()> {
            // instants are stored in UTC as `%F %T%.f%:z`, which sorts as
            // text; a row kept in another form is checked again below
            let mut stmt = self.conn.prepare_cached(
                "SELECT a.deal_id, a.at, a.who, a.field, a.before, a.after
                 FROM audit a JOIN deals d ON d.id = a.deal_id
                 WHERE a.at >= ?1 AND (?2 IS NULL OR d.owner = ?2 COLLATE NOCASE)
                 ORDER BY a.deal_id, a.id",
            )?;
            let mut rows = stmt.query(params![InstantText(since), owner.map(str::trim)])?;
            while let Some(r) = rows.next()? {
                let entry = AuditEntry {
                    at: instant(r, 1)?,
                    who: r.get(2)?,
                    field: r.get(3)?,
                    before: r.get(4)?,
                    after: r.get(5)?,
                };
                if entry.at >= since {
                    each(r.get(0)?, entry)?;
                }
            }
            Ok(())
        })();
        self.checked(result)
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
}
