//! Bulk writes: demo data, an import (record by record, on a writer
//! thread), a batch of Salesforce rows; each one transaction with a larger
//! page cache, and the secondary indexes put off while many deals are
//! created and built again before the commit.

use super::conn::{Store, begin, commit};
use super::deals::{insert_deal, read_deal, write_deal};
use super::history::record_changes;
use super::safety;
use super::stamps::day_text;
use crate::domain::audit::AuditEntry;
use crate::domain::deal::{Deal, DealId};
use crate::store::Summarizer;
use crate::store::error::{Result, StoreError};
use crate::store::{Batch, Import, Saved};
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use std::path::Path;

impl Store {
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
                    insert_history(tx, deal.id, &history)?;
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
        f: impl FnOnce(&mut BatchTx<'_>) -> Result<T>,
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
        f: impl FnOnce(&mut BatchTx<'_>) -> Result<T>,
    ) -> Result<T> {
        self.watch.allow_write(&self.conn, self.path.as_deref())?;
        self.tell_if_locked();
        let who = self.actor.clone();
        let summarize = self.summarize.as_ref();
        let result = (|| {
            let (tx, last) = begin(&mut self.conn)?;
            let mut batch = BatchTx {
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
        f: impl FnOnce(&mut ImportTx<'_>) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E> {
        self.with_bulk_cache(|s| s.import_in_bulk(force, now, f))
    }

    fn import_in_bulk<T, E: From<StoreError>>(
        &mut self,
        force: bool,
        now: DateTime<Utc>,
        f: impl FnOnce(&mut ImportTx<'_>) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E> {
        self.watch
            .allow_write(&self.conn, self.path.as_deref())
            .map_err(E::from)?;
        self.tell_if_locked();
        let summarize = self.summarize.as_ref();
        let who = self.actor.clone();
        let path = self.path.as_deref();
        let outcome = (|| -> Result<std::result::Result<T, E>> {
            let (tx, last) = begin(&mut self.conn)?;
            let mut import = ImportTx {
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
}

/// A new deal's history rows as given (demo data, a history imported).
fn insert_history(tx: &Connection, id: DealId, rows: &[AuditEntry]) -> Result<()> {
    let mut insert = tx.prepare_cached(
        "INSERT INTO audit (deal_id, at, who, field, before, after)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for h in rows {
        insert.execute(params![id, h.at, h.who, h.field, h.before, h.after])?;
    }
    Ok(())
}

/// An import's open transaction: deals saved one at a time.
pub struct ImportTx<'a> {
    tx: &'a rusqlite::Transaction<'a>,
    summarize: Option<&'a Summarizer>,
    who: String,
    now: DateTime<Utc>,
    force: bool,
    /// The file, to name it in a database error.
    path: Option<&'a Path>,
    deferred: Deferred,
}

impl Import for ImportTx<'_> {
    fn save(&mut self, deal: Deal) -> Result<Saved> {
        self.save_with(deal, None)
    }

    fn save_with_history(&mut self, deal: Deal, history: Vec<AuditEntry>) -> Result<Saved> {
        self.save_with(deal, Some(history))
    }

    fn stored(&self, id: DealId) -> Result<Option<Deal>> {
        if id.0 <= 0 {
            return Ok(None);
        }
        match read_deal(self.tx, id) {
            Ok(deal) => Ok(Some(deal)),
            Err(StoreError::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

impl ImportTx<'_> {
    /// Save a deal; one it creates gets `history` (when given) in place of
    /// its "created" row.
    fn save_with(&mut self, deal: Deal, history: Option<Vec<AuditEntry>>) -> Result<Saved> {
        match (self.write(deal, history), self.path) {
            (Err(e @ StoreError::Engine { .. }), Some(path)) => Err(safety::explain(e, path)),
            (other, _) => other,
        }
    }

    fn write(&mut self, deal: Deal, history: Option<Vec<AuditEntry>>) -> Result<Saved> {
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
                match history {
                    Some(rows) => insert_history(tx, id, &rows)?,
                    None => record_changes(tx, &created, None, &created, who, now)?,
                }
                self.deferred.created(tx)?;
                Ok(Saved { id, replaced: None })
            }
        }
    }
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

/// The writes of one batch, all in the transaction [`Store::batch`] opened:
/// each deal created or changed with its audit rows and pipeline row.
pub struct BatchTx<'a> {
    tx: &'a rusqlite::Transaction<'a>,
    summarize: Option<&'a Summarizer>,
    who: &'a str,
    now: DateTime<Utc>,
}

impl Batch for BatchTx<'_> {
    fn find_salesforce(&self, id: &str) -> Result<Option<DealId>> {
        Ok(self
            .tx
            .prepare_cached(
                "SELECT deal_id FROM deal_content
                 WHERE json_extract(body, '$.salesforce.id') = ?1 ORDER BY deal_id LIMIT 1",
            )?
            .query_row([id], |r| r.get(0))
            .optional()?)
    }

    fn find_same(
        &self,
        name: &str,
        account: &str,
        close_date: Option<NaiveDate>,
    ) -> Result<Option<(DealId, String)>> {
        Ok(self
            .tx
            .prepare_cached(
                "SELECT id, name FROM deals
                 WHERE name = ?1 COLLATE NOCASE AND account = ?2 COLLATE NOCASE
                   AND close_date IS ?3
                 ORDER BY id LIMIT 1",
            )?
            .query_row(params![name, account, day_text(close_date)], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?)
    }

    fn insert(&mut self, mut deal: Deal) -> Result<DealId> {
        let id = insert_deal(self.tx, &mut deal, (self.summarize, self.now))?;
        record_changes(self.tx, &deal, None, &deal, self.who, self.now)?;
        Ok(id)
    }

    fn change(
        &mut self,
        id: DealId,
        change: &mut dyn FnMut(&mut Deal) -> Result<()>,
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
