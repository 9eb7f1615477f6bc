//! The SQLite engine: one file (or memory), opened with the checks in
//! [`safety`], migrated by [`schema`]; every write one `BEGIN IMMEDIATE`
//! transaction. [`Store`]'s own methods live in the rooms named by what
//! they keep; here they are mapped onto the [`Database`] seam.

mod bulk;
mod cards;
mod conn;
mod deals;
pub mod doctor;
mod errors;
mod escalations;
mod history;
mod list;
mod list_sql;
mod look;
mod marks;
mod recipes;
pub mod safety;
pub(super) mod schema;
mod stamps;
mod steps;
mod summary;
mod walks;

pub use conn::Store;

/// Back up the database on `source` to `target` as [`safety::backup`]
/// does, reading every row of the copy, each deal whole, before it is kept:
/// a damaged source is refused ([`safety::BackupError::Damaged`]).
pub fn backup_read(
    source: &rusqlite::Connection,
    target: &std::path::Path,
) -> std::result::Result<(), safety::BackupError> {
    safety::backup_checked(source, target, &deals::read_every_row)
}

use crate::domain::audit::AuditEntry;
use crate::domain::deal::{Deal, DealId, DealSummary};
use crate::store::{
    Batch, BattleCard, CategoryTotal, Database, Draft, HistoryTaker, Import, ListQuery, Location,
    OutcomeTotal, Result, Saved, Summarizer, WarningTotal, WholeDealTaker,
};
use chrono::{DateTime, Utc};

impl From<Store> for Box<dyn Database> {
    fn from(store: Store) -> Self {
        Box::new(store)
    }
}

/// The seam, room by room: each method is the [`Store`] method of the
/// same meaning.
impl Database for Store {
    fn location(&self) -> Location<'_> {
        match self.path() {
            Some(path) => Location::File(path),
            None => Location::Memory,
        }
    }

    /// A second connection to the file; none for a database in memory.
    fn another(&self) -> Option<Result<Box<dyn Database>>> {
        let path = self.path()?;
        Some(Store::open(path).map(Box::from))
    }

    fn set_actor(&mut self, who: &str) {
        Store::set_actor(self, who);
    }

    fn set_summarizer(&mut self, summarize: Summarizer) {
        Store::set_summarizer(self, summarize);
    }

    /// SQLite's `PRAGMA data_version`.
    fn change_mark(&self) -> Result<i64> {
        self.data_version()
    }

    fn damage(&self) -> Option<&str> {
        Store::damage(self)
    }

    fn start_background_check(&mut self) {
        Store::start_background_check(self);
    }

    fn on_lock_wait(&mut self, waiting: crate::store::LockWait) {
        Store::on_lock_wait(self, waiting);
    }

    fn checking(&self) -> bool {
        Store::checking(self)
    }

    fn background_check(&mut self) -> Option<String> {
        Store::background_check(self)
    }

    fn has_deals(&self) -> Result<bool> {
        Store::has_deals(self)
    }

    fn deal(&self, id: DealId) -> Result<Deal> {
        Store::deal(self, id)
    }

    fn deal_name(&self, id: DealId) -> Result<Option<String>> {
        Store::deal_name(self, id)
    }

    fn insert_deals(&mut self, deals: Vec<Deal>, now: DateTime<Utc>) -> Result<Vec<DealId>> {
        Store::insert_deals(self, deals, now)
    }

    fn change_deal(
        &mut self,
        id: DealId,
        expected_version: Option<i64>,
        now: DateTime<Utc>,
        change: &mut dyn FnMut(&mut Deal) -> Result<()>,
    ) -> Result<Deal> {
        Store::update_deal(self, id, expected_version, now, change).map(|(deal, ())| deal)
    }

    fn deals_without_summary(&self) -> Result<Vec<DealId>> {
        Store::deals_without_summary(self)
    }

    fn resummarize(&mut self, ids: &[DealId], now: DateTime<Utc>) -> Result<()> {
        Store::resummarize(self, ids, now)
    }

    fn count_deals(&self, query: &ListQuery) -> Result<usize> {
        Store::count_deals(self, query)
    }

    fn category_totals(&self, query: &ListQuery) -> Result<Vec<CategoryTotal>> {
        Store::category_totals(self, query)
    }

    fn outcome_totals(&self, query: &ListQuery) -> Result<Vec<OutcomeTotal>> {
        Store::outcome_totals(self, query)
    }

    fn warning_totals(&self, query: &ListQuery) -> Result<Vec<WarningTotal>> {
        Store::warning_totals(self, query)
    }

    fn count_overdue_escalations(&self, query: &ListQuery) -> Result<usize> {
        Store::count_overdue_escalations(self, query)
    }

    fn most_overdue(&self, query: &ListQuery, limit: usize) -> Result<Vec<DealSummary>> {
        Store::most_overdue(self, query, limit)
    }

    fn people(&self, sa: bool) -> Result<Vec<String>> {
        Store::people(self, sa)
    }

    fn list_rows(
        &self,
        query: &ListQuery,
        offset: usize,
        limit: usize,
        total: Option<usize>,
        each: &mut dyn FnMut(DealSummary) -> Result<()>,
    ) -> Result<()> {
        self.each_deal_of(query, offset, limit, total, each)
    }

    fn deal_of_escalation(&self, id: i64) -> Result<Option<DealId>> {
        Store::deal_of_escalation(self, id)
    }

    fn history(&self, id: DealId) -> Result<Vec<AuditEntry>> {
        Store::history(self, id)
    }

    fn save_draft(
        &mut self,
        key: &str,
        deal: Option<DealId>,
        body: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        Store::save_draft(self, key, deal, body, now)
    }

    fn draft(&self, key: &str) -> Result<Option<Draft>> {
        Store::draft(self, key)
    }

    fn drop_draft(&mut self, key: &str) -> Result<()> {
        Store::drop_draft(self, key)
    }

    fn battle_card(&self, competitor: &str) -> Result<Option<BattleCard>> {
        Store::battle_card(self, competitor)
    }

    fn set_battle_card(
        &mut self,
        competitor: &str,
        notes: &str,
        expected_version: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        Store::set_battle_card(self, competitor, notes, expected_version, now)
    }

    fn walk_open_deals(&self, each: &mut dyn FnMut(&Deal) -> Result<()>) -> Result<()> {
        self.each_open_deal(each)
    }

    fn walk_whole_deals(&self, owner: Option<&str>, each: &mut WholeDealTaker<'_>) -> Result<()> {
        self.each_whole_deal(owner, each)
    }

    fn walk_deals(
        &self,
        owner: Option<&str>,
        wanted: &dyn Fn(DealId) -> bool,
        each: &mut WholeDealTaker<'_>,
    ) -> Result<()> {
        self.each_deal_without_stages(owner, wanted, each)
    }

    fn walk_history_since(
        &self,
        since: DateTime<Utc>,
        owner: Option<&str>,
        each: &mut HistoryTaker<'_>,
    ) -> Result<()> {
        Store::history_since(self, since, owner, each)
    }

    fn insert_deals_with_history(
        &mut self,
        deals: &mut dyn Iterator<Item = (Deal, Vec<AuditEntry>)>,
        now: DateTime<Utc>,
    ) -> Result<usize> {
        Store::insert_deals_with_history(self, deals, now)
    }

    fn save_deals(
        &mut self,
        deals: &[Deal],
        force: bool,
        now: DateTime<Utc>,
    ) -> Result<Vec<Saved>> {
        Store::save_deals(self, deals, force, now)
    }

    fn run_import(
        &mut self,
        force: bool,
        now: DateTime<Utc>,
        f: &mut dyn FnMut(&mut dyn Import) -> Result<()>,
    ) -> Result<()> {
        self.import(force, now, |import| f(import))
    }

    fn run_batch(
        &mut self,
        keep: bool,
        now: DateTime<Utc>,
        f: &mut dyn FnMut(&mut dyn Batch) -> Result<()>,
    ) -> Result<()> {
        self.batch(keep, now, |batch| f(batch))
    }
}

#[cfg(test)]
mod tests;
