//! An import's or a batch's writes on the server, all in the transaction
//! the seam opened: new deals held and written a thousand at a time, any
//! other deal read (what is pending written first) and written with its
//! history.

use super::bulk;
use super::deals::{self, read_deal, write_deal};
use crate::domain::audit::AuditEntry;
use crate::domain::deal::{Deal, DealId};
use crate::store::error::{Result, StoreError};
use crate::store::{Batch, Import, Saved, Summarizer};
use chrono::{DateTime, NaiveDate, Utc};
use std::cell::RefCell;

/// An import's or a batch's open transaction on the server (its reads
/// take `&self`, so the transaction is borrowed as each needs it).
pub(super) struct ImportTx<'a, 'b> {
    tx: RefCell<&'a mut postgres::Transaction<'b>>,
    summarize: Option<&'a Summarizer>,
    who: &'a str,
    now: DateTime<Utc>,
    force: bool,
    /// New deals not yet written (a thousand at a time).
    pending: RefCell<bulk::Pending>,
    /// The ids of the deals there (those this login sees), read once when
    /// first asked, with those this import creates: a document's id that
    /// names none is known without asking the server.
    there: RefCell<Option<std::collections::HashSet<i64>>>,
}

impl<'a, 'b> ImportTx<'a, 'b> {
    pub(super) fn new(
        tx: &'a mut postgres::Transaction<'b>,
        summarize: Option<&'a Summarizer>,
        who: &'a str,
        now: DateTime<Utc>,
        force: bool,
    ) -> Self {
        ImportTx {
            tx: RefCell::new(tx),
            summarize,
            who,
            now,
            force,
            pending: RefCell::default(),
            there: RefCell::new(None),
        }
    }

    /// Write the new deals held, before anything reads the deals.
    pub(super) fn flush(&self) -> Result<()> {
        let tx = &mut **self.tx.borrow_mut();
        self.pending
            .borrow_mut()
            .flush(tx, self.summarize, self.now)
    }

    /// Whether the deal `id` is there (or held to be written).
    fn is_there(&self, id: DealId) -> Result<bool> {
        if id.0 <= 0 {
            return Ok(false);
        }
        let mut there = self.there.borrow_mut();
        if there.is_none() {
            let rows = self
                .tx
                .borrow_mut()
                .query("SELECT id FROM qualify.deals", &[])?;
            *there = Some(rows.iter().map(|r| r.get::<_, i64>(0)).collect());
        }
        Ok(there.as_ref().is_some_and(|ids| ids.contains(&id.0)))
    }

    fn read(&self, id: DealId, lock: bool) -> Result<Option<Deal>> {
        if !self.is_there(id)? {
            return Ok(None);
        }
        // a deal held is written first; any other is read as it stands
        if self.pending.borrow().holds(id) {
            self.flush()?;
        }
        read_deal(&mut **self.tx.borrow_mut(), id, lock)
    }

    /// Hold a new deal, written with the next thousand: its history the
    /// rows given, else its "created" row.
    fn create(&self, deal: Deal, history: Option<Vec<AuditEntry>>) -> Result<DealId> {
        let history = history.unwrap_or_else(|| deals::changes(None, &deal, self.who, self.now));
        let tx = &mut **self.tx.borrow_mut();
        let id = self
            .pending
            .borrow_mut()
            .add(tx, deal, history, self.summarize, self.now)?;
        if let Some(ids) = self.there.borrow_mut().as_mut() {
            ids.insert(id.0);
        }
        Ok(id)
    }

    fn write(&self, before: Option<&Deal>, deal: &mut Deal) -> Result<()> {
        let tx = &mut **self.tx.borrow_mut();
        write_deal(tx, before, deal, self.who, self.now, self.summarize, None)
    }
}

impl Import for ImportTx<'_, '_> {
    fn save(&mut self, deal: Deal) -> Result<Saved> {
        self.save_with(deal, None)
    }

    fn save_with_history(&mut self, deal: Deal, history: Vec<AuditEntry>) -> Result<Saved> {
        self.save_with(deal, Some(history))
    }

    fn stored(&self, id: DealId) -> Result<Option<Deal>> {
        self.read(id, false)
    }
}

impl ImportTx<'_, '_> {
    /// Save a deal; one it creates gets `history` (when given) in place of
    /// its "created" row.
    fn save_with(&mut self, deal: Deal, history: Option<Vec<AuditEntry>>) -> Result<Saved> {
        // most documents of a move create deals: only a deal that is there
        // is read whole
        match self.read(deal.id, true)? {
            Some(before) => {
                if before.version != deal.version && !self.force {
                    return Err(StoreError::Conflict {
                        id: deal.id,
                        expected: deal.version,
                        found: before.version,
                    });
                }
                let mut replaced = deal;
                replaced.version = before.version + 1;
                replaced.updated_at = self.now;
                replaced.escalations = before.escalations.clone();
                self.write(Some(&before), &mut replaced)?;
                Ok(Saved {
                    id: replaced.id,
                    replaced: Some((before.version, before.name)),
                })
            }
            None => {
                let mut created = deal;
                created.version = 1;
                created.escalations.clear();
                let id = self.create(created, history)?;
                Ok(Saved { id, replaced: None })
            }
        }
    }
}

impl Batch for ImportTx<'_, '_> {
    fn find_salesforce(&self, id: &str) -> Result<Option<DealId>> {
        self.flush()?;
        let row = self.tx.borrow_mut().query_opt(
            "SELECT deal_id FROM qualify.deal_content WHERE body -> 'salesforce' ->> 'id' = $1
             ORDER BY deal_id LIMIT 1",
            &[&id],
        )?;
        Ok(row.map(|r| DealId(r.get(0))))
    }

    fn find_same(
        &self,
        name: &str,
        account: &str,
        close_date: Option<NaiveDate>,
    ) -> Result<Option<(DealId, String)>> {
        self.flush()?;
        let row = self.tx.borrow_mut().query_opt(
            "SELECT id, name FROM qualify.deals
             WHERE lower(name) = lower($1) AND lower(account) = lower($2)
               AND close_date IS NOT DISTINCT FROM $3
             ORDER BY id LIMIT 1",
            &[&name, &account, &close_date],
        )?;
        Ok(row.map(|r| (DealId(r.get(0)), r.get(1))))
    }

    fn insert(&mut self, deal: Deal) -> Result<DealId> {
        self.create(deal, None)
    }

    fn change(
        &mut self,
        id: DealId,
        change: &mut dyn FnMut(&mut Deal) -> Result<()>,
    ) -> Result<Option<Deal>> {
        let before = self.read(id, true)?.ok_or(StoreError::NotFound(id))?;
        let mut deal = before.clone();
        change(&mut deal)?;
        if deal == before {
            return Ok(None);
        }
        deal.id = id;
        deal.version = before.version + 1;
        deal.updated_at = self.now;
        self.write(Some(&before), &mut deal)?;
        Ok(Some(deal))
    }
}
