//! The PostgreSQL engine: a team's shared server, in schema `qualify`,
//! where the database itself decides who sees and signs what (row-level
//! security over every table; sign-offs only through a function that checks
//! the signer). The acting person is the one the connection's login is
//! mapped to. Rooms: `conn` (the address, the login's person, failures),
//! `schema` (ordered migrations), `admin` (set-up and people), `deals`
//! (a deal's rows), `list` (the pipeline list), and here the seam.

pub mod admin;
mod bulk;
mod conn;
mod deals;
mod history;
mod import;
mod list;
mod migrations;
pub(crate) mod schema;
mod words;

pub use conn::{Person, Server, is_server_address};

use crate::domain::audit::AuditEntry;
use crate::domain::deal::{Deal, DealId, DealSummary};
use crate::store::error::{Result, StoreError};
use crate::store::{
    Batch, BattleCard, CategoryTotal, Database, Draft, HistoryTaker, Import, ListQuery, Location,
    LockWait, OutcomeTotal, Saved, Summarizer, WarningTotal, WholeDealTaker,
};
use chrono::{DateTime, Utc};
use deals::{
    DEAL_COLUMNS, ESCALATION_COLUMNS, LATEST_SIGNOFFS, STEP_COLUMNS, content_from, deal_from_row,
    escalation_from_row, put_signoff, read_deal, step_from_row, write_deal, write_summary,
};

impl From<Server> for Box<dyn Database> {
    fn from(server: Server) -> Self {
        Box::new(server)
    }
}

/// How many deals a walk reads at a time.
const WALK_CHUNK: i64 = 500;

impl Server {
    /// Name the server in a failure that was said without it.
    fn named<T>(&self, result: Result<T>) -> Result<T> {
        result.map_err(|e| match e {
            StoreError::Server {
                server,
                problem,
                next,
            } if server == "the server" => StoreError::Server {
                server: self.label.clone(),
                problem,
                next,
            },
            other => other,
        })
    }

    fn change(
        &mut self,
        id: DealId,
        expected_version: Option<i64>,
        now: DateTime<Utc>,
        change: &mut dyn FnMut(&mut Deal) -> Result<()>,
    ) -> Result<Deal> {
        let result = self.write_with(|tx, summarize, who| {
            let before = read_deal(tx, id, true)?.ok_or(StoreError::NotFound(id))?;
            if let Some(expected) = expected_version
                && expected != before.version
            {
                return Err(StoreError::Conflict {
                    id,
                    expected,
                    found: before.version,
                });
            }
            let mut deal = before.clone();
            change(&mut deal)?;
            deal.id = id;
            deal.version = before.version + 1;
            deal.updated_at = now;
            write_deal(tx, Some(&before), &mut deal, who, now, summarize, None)?;
            Ok(deal)
        });
        self.named(result)
    }

    /// Every deal (open ones only, or one owner's), whole, in id order, a
    /// chunk at a time; with its stage changes when asked.
    fn walk(
        &self,
        open: bool,
        owner: Option<&str>,
        stages: bool,
        wanted: &dyn Fn(DealId) -> bool,
        each: &mut WholeDealTaker<'_>,
    ) -> Result<()> {
        let mut last = 0_i64;
        let owner = owner.map(|o| o.trim().to_lowercase());
        loop {
            let mut chunk: Vec<Deal> = Vec::new();
            let mut stage_times: Vec<Vec<DateTime<Utc>>> = Vec::new();
            {
                let mut client = self.conn()?;
                let only = if open {
                    "AND d.id IN (SELECT deal_id FROM qualify.pipeline WHERE outcome IS NULL)"
                } else {
                    ""
                };
                let rows = client
                    .query(
                        &format!(
                            "SELECT {DEAL_COLUMNS}, c.body FROM qualify.deals d
                             LEFT JOIN qualify.deal_content c ON c.deal_id = d.id
                             WHERE d.id > $1 AND ($2::text IS NULL OR lower(d.owner) = $2) {only}
                             ORDER BY d.id LIMIT $3"
                        ),
                        &[&last, &owner, &WALK_CHUNK],
                    )
                    .map_err(|e| self.fail(e))?;
                for r in &rows {
                    let mut deal = deal_from_row(r);
                    if wanted(deal.id)
                        && let Some(body) = r.get::<_, Option<serde_json::Value>>(15)
                    {
                        deal.content = content_from(body)?;
                    }
                    chunk.push(deal);
                }
                let Some(end) = chunk.last().map(|d| d.id.0) else {
                    return Ok(());
                };
                let ids: Vec<i64> = chunk.iter().map(|d| d.id.0).collect();
                let at = |id: i64| ids.binary_search(&id).ok();
                for r in client
                    .query(
                        &format!(
                            "SELECT {STEP_COLUMNS} FROM qualify.steps WHERE deal_id = ANY($1)
                             ORDER BY deal_id, number"
                        ),
                        &[&ids],
                    )
                    .map_err(|e| self.fail(e))?
                {
                    if let Some(i) = at(r.get(13)) {
                        chunk[i].steps.push(step_from_row(&r)?);
                    }
                }
                for r in client
                    .query(LATEST_SIGNOFFS, &[&ids])
                    .map_err(|e| self.fail(e))?
                {
                    if let Some(i) = at(r.get(6)) {
                        put_signoff(&mut chunk[i].content, &r);
                    }
                }
                for r in client
                    .query(
                        &format!(
                            "SELECT {ESCALATION_COLUMNS} FROM qualify.escalations
                             WHERE deal_id = ANY($1) ORDER BY deal_id, id"
                        ),
                        &[&ids],
                    )
                    .map_err(|e| self.fail(e))?
                {
                    if let Some(i) = at(r.get(17)) {
                        chunk[i].escalations.push(escalation_from_row(&r)?);
                    }
                }
                stage_times.resize(chunk.len(), Vec::new());
                if stages {
                    for r in client
                        .query(
                            "SELECT deal_id, at FROM qualify.audit
                             WHERE deal_id = ANY($1) AND field = 'stage' ORDER BY deal_id, id",
                            &[&ids],
                        )
                        .map_err(|e| self.fail(e))?
                    {
                        if let Some(i) = at(r.get(0)) {
                            stage_times[i].push(r.get(1));
                        }
                    }
                }
                last = end;
            }
            for (deal, stages) in chunk.iter().zip(&stage_times) {
                if wanted(deal.id) {
                    each(deal, stages)?;
                }
            }
        }
    }
}

impl Database for Server {
    fn location(&self) -> Location<'_> {
        Location::Server(&self.label)
    }

    fn another(&self) -> Option<Result<Box<dyn Database>>> {
        Some(Server::open(&self.address).map(Box::from))
    }

    /// The audit trail names the person the login is; on the server no
    /// other name is taken.
    fn set_actor(&mut self, who: &str) {
        if self.person.is_none() {
            self.actor = who.trim().to_string();
        }
    }

    fn set_summarizer(&mut self, summarize: Summarizer) {
        self.summarize = Some(summarize);
    }

    /// The changes the server told of (LISTEN/NOTIFY, each a deal's id).
    fn change_mark(&self) -> Result<i64> {
        self.count_told()
    }

    fn damage(&self) -> Option<&str> {
        None
    }

    fn start_background_check(&mut self) {}

    /// A server's row locks are held for one short transaction each; the
    /// wait is not announced (a limit the README names).
    fn on_lock_wait(&mut self, _waiting: LockWait) {}

    fn checking(&self) -> bool {
        false
    }

    fn background_check(&mut self) -> Option<String> {
        None
    }

    fn has_deals(&self) -> Result<bool> {
        let row = self
            .conn()?
            .query_one("SELECT EXISTS (SELECT 1 FROM qualify.deals)", &[])
            .map_err(|e| self.fail(e))?;
        Ok(row.get(0))
    }

    fn deal(&self, id: DealId) -> Result<Deal> {
        let found = read_deal(&mut *self.conn()?, id, false);
        self.named(found)?.ok_or(StoreError::NotFound(id))
    }

    fn deal_name(&self, id: DealId) -> Result<Option<String>> {
        let row = self
            .conn()?
            .query_opt("SELECT name FROM qualify.deals WHERE id = $1", &[&id.0])
            .map_err(|e| self.fail(e))?;
        Ok(row.map(|r| r.get(0)))
    }

    fn insert_deals(&mut self, deals: Vec<Deal>, now: DateTime<Utc>) -> Result<Vec<DealId>> {
        let result = self.write_with(|tx, summarize, who| {
            deals
                .into_iter()
                .map(|mut deal| {
                    write_deal(tx, None, &mut deal, who, now, summarize, None)?;
                    Ok(deal.id)
                })
                .collect()
        });
        self.named(result)
    }

    fn change_deal(
        &mut self,
        id: DealId,
        expected_version: Option<i64>,
        now: DateTime<Utc>,
        change: &mut dyn FnMut(&mut Deal) -> Result<()>,
    ) -> Result<Deal> {
        self.change(id, expected_version, now, change)
    }

    fn deals_without_summary(&self) -> Result<Vec<DealId>> {
        let rows = self.conn()?
            .query(
                "SELECT id FROM qualify.deals WHERE id NOT IN (SELECT deal_id FROM qualify.pipeline)
                 ORDER BY id",
                &[],
            )
            .map_err(|e| self.fail(e))?;
        Ok(rows.iter().map(|r| DealId(r.get(0))).collect())
    }

    fn resummarize(&mut self, ids: &[DealId], now: DateTime<Utc>) -> Result<()> {
        let result = self.write_with(|tx, summarize, _| {
            for id in ids {
                if let Some(deal) = read_deal(tx, *id, false)? {
                    write_summary(tx, &deal, summarize, now)?;
                }
            }
            Ok(())
        });
        self.named(result)
    }

    fn count_deals(&self, query: &ListQuery) -> Result<usize> {
        Server::count_deals(self, query)
    }

    fn category_totals(&self, query: &ListQuery) -> Result<Vec<CategoryTotal>> {
        Server::category_totals(self, query)
    }

    fn count_and_totals(&self, query: &ListQuery) -> Result<(usize, Vec<CategoryTotal>)> {
        Server::count_and_totals(self, query)
    }

    fn outcome_totals(&self, query: &ListQuery) -> Result<Vec<OutcomeTotal>> {
        Server::outcome_totals(self, query)
    }

    fn warning_totals(&self, query: &ListQuery) -> Result<Vec<WarningTotal>> {
        Server::warning_totals(self, query)
    }

    fn count_overdue_escalations(&self, query: &ListQuery) -> Result<usize> {
        Server::count_overdue_escalations(self, query)
    }

    fn most_overdue(&self, query: &ListQuery, limit: usize) -> Result<Vec<DealSummary>> {
        Server::most_overdue(self, query, limit)
    }

    fn people(&self, sa: bool) -> Result<Vec<String>> {
        Server::people(self, sa)
    }

    fn list_rows(
        &self,
        query: &ListQuery,
        offset: usize,
        limit: usize,
        _total: Option<usize>,
        each: &mut dyn FnMut(DealSummary) -> Result<()>,
    ) -> Result<()> {
        Server::list_rows(self, query, offset, limit, each)
    }

    fn deal_of_escalation(&self, id: i64) -> Result<Option<DealId>> {
        let row = self
            .conn()?
            .query_opt(
                "SELECT deal_id FROM qualify.escalations WHERE id = $1",
                &[&id],
            )
            .map_err(|e| self.fail(e))?;
        Ok(row.map(|r| DealId(r.get(0))))
    }

    fn history(&self, id: DealId) -> Result<Vec<AuditEntry>> {
        self.deal(id)?;
        let rows = self
            .conn()?
            .query(
                "SELECT at, who, field, before, after FROM qualify.audit WHERE deal_id = $1
                 ORDER BY id",
                &[&id.0],
            )
            .map_err(|e| self.fail(e))?;
        Ok(rows
            .iter()
            .map(|r| AuditEntry {
                at: r.get(0),
                who: r.get(1),
                field: r.get(2),
                before: r.get(3),
                after: r.get(4),
            })
            .collect())
    }

    fn save_draft(
        &mut self,
        key: &str,
        deal: Option<DealId>,
        body: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let result = self.write_with(|tx, _, who| {
            tx.execute(
                "INSERT INTO qualify.drafts (key, who, deal_id, body, saved_at)
                 VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (who, key) DO UPDATE SET body = excluded.body,
                    saved_at = excluded.saved_at, deal_id = excluded.deal_id",
                &[&key, &who, &deal.map(|d| d.0), &body, &now],
            )?;
            Ok(())
        });
        self.named(result)
    }

    fn draft(&self, key: &str) -> Result<Option<Draft>> {
        let row = self
            .conn()?
            .query_opt(
                "SELECT body, saved_at, who FROM qualify.drafts WHERE key = $1 AND who = $2",
                &[&key, &self.actor],
            )
            .map_err(|e| self.fail(e))?;
        Ok(row.map(|r| Draft {
            body: r.get(0),
            saved_at: r.get(1),
            who: r.get(2),
        }))
    }

    fn drop_draft(&mut self, key: &str) -> Result<()> {
        let result = self.write_with(|tx, _, who| {
            tx.execute(
                "DELETE FROM qualify.drafts WHERE key = $1 AND who = $2",
                &[&key, &who],
            )?;
            Ok(())
        });
        self.named(result)
    }

    fn battle_card(&self, competitor: &str) -> Result<Option<BattleCard>> {
        let row = self.conn()?
            .query_opt(
                "SELECT notes, version FROM qualify.battle_cards WHERE lower(competitor) = lower($1)",
                &[&competitor.trim()],
            )
            .map_err(|e| self.fail(e))?;
        Ok(row.map(|r| BattleCard {
            notes: r.get(0),
            version: r.get(1),
        }))
    }

    fn set_battle_card(
        &mut self,
        competitor: &str,
        notes: &str,
        expected_version: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let name = competitor.trim().to_string();
        let result = self.write_with(|tx, _, _| {
            let found: i64 = tx
                .query_opt(
                    "SELECT version FROM qualify.battle_cards WHERE lower(competitor) = lower($1)
                     FOR UPDATE",
                    &[&name],
                )?
                .map_or(0, |r| r.get(0));
            if let Some(expected) = expected_version
                && expected != found
            {
                return Err(StoreError::CardChanged {
                    competitor: name.clone(),
                });
            }
            if found == 0 {
                tx.execute(
                    "INSERT INTO qualify.battle_cards (competitor, notes, updated_at, version)
                     VALUES ($1, $2, $3, 1)",
                    &[&name, &notes, &now],
                )?;
            } else {
                tx.execute(
                    "UPDATE qualify.battle_cards SET notes = $2, updated_at = $3,
                        version = version + 1 WHERE lower(competitor) = lower($1)",
                    &[&name, &notes, &now],
                )?;
            }
            Ok(found + 1)
        });
        self.named(result)
    }

    fn walk_open_deals(&self, each: &mut dyn FnMut(&Deal) -> Result<()>) -> Result<()> {
        self.walk(true, None, false, &|_| true, &mut |deal, _| each(deal))
    }

    fn walk_whole_deals(&self, owner: Option<&str>, each: &mut WholeDealTaker<'_>) -> Result<()> {
        self.walk(false, owner, true, &|_| true, each)
    }

    fn walk_deals(
        &self,
        owner: Option<&str>,
        wanted: &dyn Fn(DealId) -> bool,
        each: &mut WholeDealTaker<'_>,
    ) -> Result<()> {
        self.walk(false, owner, false, wanted, each)
    }

    fn walk_history_since(
        &self,
        since: DateTime<Utc>,
        owner: Option<&str>,
        each: &mut HistoryTaker<'_>,
    ) -> Result<()> {
        self.history_since(since, owner, each)
    }

    fn insert_deals_with_history(
        &mut self,
        deals: &mut dyn Iterator<Item = (Deal, Vec<AuditEntry>)>,
        now: DateTime<Utc>,
    ) -> Result<usize> {
        let result = self.write_with(|tx, summarize, _| {
            let mut pending = bulk::Pending::default();
            let mut count = 0;
            for (deal, history) in deals {
                pending.add(tx, deal, history, summarize, now)?;
                count += 1;
            }
            pending.flush(tx, summarize, now)?;
            Ok(count)
        });
        self.named(result)
    }

    fn save_deals(
        &mut self,
        deals: &[Deal],
        force: bool,
        now: DateTime<Utc>,
    ) -> Result<Vec<Saved>> {
        let mut out = Vec::new();
        self.run_import(force, now, &mut |import| {
            for deal in deals {
                out.push(import.save(deal.clone())?);
            }
            Ok(())
        })?;
        Ok(out)
    }

    fn run_import(
        &mut self,
        force: bool,
        now: DateTime<Utc>,
        f: &mut dyn FnMut(&mut dyn Import) -> Result<()>,
    ) -> Result<()> {
        let result = self.write_with(|tx, summarize, who| {
            let mut import = import::ImportTx::new(tx, summarize, who, now, force);
            f(&mut import)?;
            import.flush()
        });
        self.named(result)
    }

    fn run_batch(
        &mut self,
        keep: bool,
        now: DateTime<Utc>,
        f: &mut dyn FnMut(&mut dyn Batch) -> Result<()>,
    ) -> Result<()> {
        drop(self.conn()?);
        let label = self.label.clone();
        let summarize = self.summarize.as_ref();
        let who = self.actor.as_str();
        let client = self.client.get_mut();
        let mut tx = client
            .transaction()
            .map_err(|e| conn::error_of(&label, &e))?;
        let mut batch = import::ImportTx::new(&mut tx, summarize, who, now, false);
        f(&mut batch)?;
        batch.flush()?;
        if keep {
            tx.commit().map_err(|e| conn::error_of(&label, &e))?;
        } else {
            tx.rollback().map_err(|e| conn::error_of(&label, &e))?;
        }
        Ok(())
    }
}
