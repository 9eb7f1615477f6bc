//! The only code that speaks SQL, behind one seam: the [`Database`] trait,
//! which is all that ops knows of the store (the faces know only ops). An
//! engine implements it; today that is SQLite ([`Store`], one file, in
//! `store/sqlite`); a PostgreSQL engine would sit beside it in
//! `store/postgres/` and implement the same trait, without a change to ops.
//!
//! # The surface
//!
//! ops holds a `Box<dyn Database>`. The trait's methods are object-safe;
//! the generic conveniences ops calls (a change that returns a value, walks
//! whose taker has its own error type, an import, a batch) are inherent
//! methods of `dyn Database`, built over those methods, so an engine writes
//! none of them. The methods, by what they are for:
//!
//! - **Who and where**: [`location`](Database::location) (a file, or
//!   memory), [`another`](Database::another) (a second connection, for a
//!   worker thread), [`set_actor`](Database::set_actor) (the audit trail's
//!   "who"), [`set_summarizer`](Database::set_summarizer) (the domain's
//!   rules that fill each deal's pipeline row).
//! - **Watching the data**: [`change_mark`](Database::change_mark) (a
//!   number that moves when another connection commits), and the damage
//!   watch: [`damage`](Database::damage),
//!   [`start_background_check`](Database::start_background_check),
//!   [`checking`](Database::checking),
//!   [`background_check`](Database::background_check).
//! - **Deals and their summary**: [`has_deals`](Database::has_deals),
//!   [`deal`](Database::deal), [`deal_name`](Database::deal_name),
//!   [`insert_deals`](Database::insert_deals),
//!   [`change_deal`](Database::change_deal) (behind `update_deal`),
//!   [`deals_without_summary`](Database::deals_without_summary),
//!   [`resummarize`](Database::resummarize).
//! - **The list** (read from the pipeline summary; see [`ListQuery`]):
//!   [`count_deals`](Database::count_deals),
//!   [`category_totals`](Database::category_totals),
//!   [`outcome_totals`](Database::outcome_totals),
//!   [`warning_totals`](Database::warning_totals),
//!   [`count_overdue_escalations`](Database::count_overdue_escalations),
//!   [`most_overdue`](Database::most_overdue),
//!   [`people`](Database::people), [`list_rows`](Database::list_rows)
//!   (behind `deal_page`, `deal_page_of`, `each_deal`, `each_row`).
//! - **Escalations**: [`deal_of_escalation`](Database::deal_of_escalation)
//!   (escalations are written with their deal; sign-offs live in the deal's
//!   content).
//! - **History and drafts**: [`history`](Database::history),
//!   [`save_draft`](Database::save_draft), [`draft`](Database::draft),
//!   [`drop_draft`](Database::drop_draft).
//! - **Battle cards**: [`battle_card`](Database::battle_card),
//!   [`set_battle_card`](Database::set_battle_card).
//! - **Whole-database walks**: [`walk_open_deals`](Database::walk_open_deals),
//!   [`walk_whole_deals`](Database::walk_whole_deals) (behind
//!   `each_open_deal`, `each_whole_deal`),
//!   [`walk_history_since`](Database::walk_history_since) (the history's
//!   rows since an instant).
//! - **Bulk writes**:
//!   [`insert_deals_with_history`](Database::insert_deals_with_history)
//!   (demo data), [`save_deals`](Database::save_deals),
//!   [`run_import`](Database::run_import) (behind `import`, handing an
//!   [`Import`]), [`run_batch`](Database::run_batch) (behind `batch`, handing
//!   a [`Batch`]).
//!
//! # The rules every engine keeps
//!
//! - **One transaction per change**, all or nothing, with its audit rows
//!   (one per changed field, [`crate::domain::audit::diff`]) written in it.
//! - **The version check**: every deal carries a `version` that moves on
//!   with each change; a change naming an `expected_version` the deal has
//!   moved past is refused with [`StoreError::Conflict`] (a battle card
//!   with [`StoreError::CardChanged`]) and writes nothing.
//! - **The summary in the same transaction**: each deal written has its
//!   pipeline row computed by the summarizer and written in the change's own
//!   transaction, so the list never disagrees with the deals.
//! - **Reads one at a time**: walks and list rows hand over one deal (or
//!   row) at a time and hold nothing else; an error from the taker stops the
//!   reading and is returned as it is.
//! - **Nothing engine-specific crosses**: the engine's failures come out as
//!   [`StoreError`] (its own words in [`StoreError::Engine`], with the
//!   [`Fault`] they are), where the data is as a [`Location`], and what
//!   moves when others write as a plain number.
//!
//! # Rooms
//!
//! Here: [`error`](StoreError) (what can go wrong), [`list`](ListQuery)
//! (which deals the list shows); [`files`] (private files, written by
//! temporary file and rename) is the crate's, re-exported. The SQLite
//! engine, in `sqlite/`: `conn` (the connection, the transaction, errors
//! named with the file), `errors`
//! (SQLite's failures as [`StoreError`]), `deals` and `summary` (the deal
//! and its pipeline row), `list` and `list_sql` (the list's reads and their
//! SQL), `steps` (steps and the content document), `escalations`, `history`
//! (history and drafts), `cards` (battle cards), `walks` (whole-database
//! reads on a second connection in another thread), `bulk` (bulk writes and
//! the deferred indexes), and `safety`, `doctor`, `schema`, `stamps`.

mod error;
pub use crate::files;
mod list;
pub mod postgres;
mod sqlite;

use crate::domain::audit::AuditEntry;
use crate::domain::deal::{Deal, DealId, DealSummary};
use crate::domain::pipeline::PipelineRow;
use chrono::{DateTime, NaiveDate, Utc};
use std::path::Path;

pub use error::{Fault, Result, StoreError};
pub use list::{CategoryTotal, ListQuery, ListSort, OutcomeTotal, Queue, WarningTotal};
pub use sqlite::schema::{latest_version, migrations};
pub use sqlite::{Store, backup_read, doctor, safety};

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

/// Computes a deal's pipeline row as it is written (the domain's rules,
/// injected so that the store keeps none of its own).
pub type Summarizer = Box<dyn Fn(&Deal, DateTime<Utc>) -> PipelineRow + Send>;

/// Told, before a write starts waiting, that another program holds the
/// write lock (see [`Database::on_lock_wait`]).
pub type LockWait = Box<dyn Fn() + Send>;

/// What a whole-deal walk hands each deal to, with the instants its stage
/// changed (see [`Database::walk_whole_deals`]).
pub type WholeDealTaker<'a> = dyn FnMut(&Deal, &[DateTime<Utc>]) -> Result<()> + 'a;

/// What a walk of the history is handed, one row at a time: the deal's id
/// and the row.
pub type HistoryTaker<'a> = dyn FnMut(DealId, AuditEntry) -> Result<()> + 'a;

/// Where an engine keeps the data, as the faces name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location<'a> {
    /// In this process's memory (tests, benchmarks): gone when it ends, and
    /// out of reach of a second connection.
    Memory,
    /// A file on this machine.
    File(&'a Path),
    /// A PostgreSQL server shared by a team, as `host/dbname`.
    Server(&'a str),
}

impl<'a> Location<'a> {
    /// The file the data is in, if it is in one.
    pub fn file(self) -> Option<&'a Path> {
        match self {
            Location::File(path) => Some(path),
            Location::Memory | Location::Server(_) => None,
        }
    }
}

/// What ops needs from a storage engine. See the module's comment for the
/// rules every implementation keeps.
pub trait Database: Send {
    /// Where the data is.
    fn location(&self) -> Location<'_>;

    /// A second connection to the same data, for work on another thread (an
    /// import or export while the screen keeps drawing); `None` when there
    /// can be none (data in memory).
    fn another(&self) -> Option<Result<Box<dyn Database>>>;

    /// Name the person whose changes these are (the audit trail's "who").
    fn set_actor(&mut self, who: &str);

    /// How each deal's pipeline row is computed when it is written.
    fn set_summarizer(&mut self, summarize: Summarizer);

    /// A number that moves when another connection has committed a change
    /// since it was last read (SQLite: `PRAGMA data_version`; a server
    /// engine: a counter every write transaction moves on). It may also move
    /// for this connection's own changes; a reader compares it with the last
    /// one it saw.
    fn change_mark(&self) -> Result<i64>;

    /// Why the data is not to be written to, once it was found damaged.
    fn damage(&self) -> Option<&str>;

    /// Start an integrity check in the background (the TUI, after start);
    /// nothing for an engine that has none.
    fn start_background_check(&mut self);

    /// Call `waiting` whenever a write finds another program holding the
    /// write lock, before it waits for it (the TUI says so instead of
    /// freezing without a word); nothing for an engine that never waits.
    fn on_lock_wait(&mut self, waiting: LockWait);

    /// Whether the background check is still running.
    fn checking(&self) -> bool;

    /// The background check's finding once it is done: `Some(problem)` when
    /// it found the data damaged (from then on nothing is written).
    fn background_check(&mut self) -> Option<String>;

    /// Whether the database holds any deal.
    fn has_deals(&self) -> Result<bool>;

    /// The whole deal with its ten steps.
    fn deal(&self, id: DealId) -> Result<Deal>;

    /// The name of a deal, if it exists.
    fn deal_name(&self, id: DealId) -> Result<Option<String>>;

    /// Create deals (already checked by the caller) in one transaction: all
    /// are created or none. Their ids are given by the store.
    fn insert_deals(&mut self, deals: Vec<Deal>, now: DateTime<Utc>) -> Result<Vec<DealId>>;

    /// Change a deal in one transaction, with its audit rows. With
    /// `expected_version`, the change is refused with [`StoreError::Conflict`]
    /// if the deal moved on since that version was read. `change` (called
    /// once) edits the deal in memory; nothing is written if it fails.
    /// Returns the deal as saved.
    fn change_deal(
        &mut self,
        id: DealId,
        expected_version: Option<i64>,
        now: DateTime<Utc>,
        change: &mut dyn FnMut(&mut Deal) -> Result<()>,
    ) -> Result<Deal>;

    /// Deals without a pipeline row (written before the pipeline existed).
    fn deals_without_summary(&self) -> Result<Vec<DealId>>;

    /// Write the pipeline rows of `ids` again, as of `now`, in one transaction.
    fn resummarize(&mut self, ids: &[DealId], now: DateTime<Utc>) -> Result<()>;

    /// How many deals the list shows.
    fn count_deals(&self, query: &ListQuery) -> Result<usize>;

    /// The amount and count of the matching deals per forecast category.
    fn category_totals(&self, query: &ListQuery) -> Result<Vec<CategoryTotal>>;

    /// How many deals the list shows and their totals per forecast
    /// category, read together (an engine may answer both in one read).
    fn count_and_totals(&self, query: &ListQuery) -> Result<(usize, Vec<CategoryTotal>)> {
        Ok((self.count_deals(query)?, self.category_totals(query)?))
    }

    /// The amount and count of the matching closed deals per outcome, open
    /// only or not.
    fn outcome_totals(&self, query: &ListQuery) -> Result<Vec<OutcomeTotal>>;

    /// The amount and count of the matching open deals per warning kind at
    /// the query's now (every kind, in the kinds' order).
    fn warning_totals(&self, query: &ListQuery) -> Result<Vec<WarningTotal>>;

    /// How many escalations are past due at the query's now on the
    /// matching deals.
    fn count_overdue_escalations(&self, query: &ListQuery) -> Result<usize>;

    /// The matching deals with an escalation past due at the query's now,
    /// the longest overdue first (by the earliest due of each), at most
    /// `limit`.
    fn most_overdue(&self, query: &ListQuery, limit: usize) -> Result<Vec<DealSummary>>;

    /// The distinct owners (or SAs) of the deals, for the list's filters.
    fn people(&self, sa: bool) -> Result<Vec<String>>;

    /// The list's rows from `offset` on (at most `limit`), in order, handed
    /// to `each` one at a time; with `total` (how many match), a page past
    /// the middle may be read from the end backwards. An error from `each`
    /// stops the reading and is returned.
    fn list_rows(
        &self,
        query: &ListQuery,
        offset: usize,
        limit: usize,
        total: Option<usize>,
        each: &mut dyn FnMut(DealSummary) -> Result<()>,
    ) -> Result<()>;

    /// The deal escalation `id` (stored) belongs to.
    fn deal_of_escalation(&self, id: i64) -> Result<Option<DealId>>;

    /// Every recorded change to a deal, oldest first.
    fn history(&self, id: DealId) -> Result<Vec<AuditEntry>>;

    /// Keep what was being typed when it could not be saved.
    fn save_draft(
        &mut self,
        key: &str,
        deal: Option<DealId>,
        body: &str,
        now: DateTime<Utc>,
    ) -> Result<()>;

    /// The draft kept under `key`, if any.
    fn draft(&self, key: &str) -> Result<Option<Draft>>;

    /// Forget the draft kept under `key`.
    fn drop_draft(&mut self, key: &str) -> Result<()>;

    /// The battle-card notes kept for a competitor across deals, with the
    /// version a later save must name.
    fn battle_card(&self, competitor: &str) -> Result<Option<BattleCard>>;

    /// Set a competitor's battle card. With `expected_version` (0: the card
    /// did not exist when read), a card changed since is refused with
    /// [`StoreError::CardChanged`]. Returns the new version.
    fn set_battle_card(
        &mut self,
        competitor: &str,
        notes: &str,
        expected_version: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<i64>;

    /// Every open deal (no outcome), whole, one at a time in id order. An
    /// error from `each` stops the reading and is returned.
    fn walk_open_deals(&self, each: &mut dyn FnMut(&Deal) -> Result<()>) -> Result<()>;

    /// Every deal (or one owner's, without case), whole, one at a time in id
    /// order, with the instants its stage changed (from the history). An
    /// error from `each` stops the reading and is returned.
    fn walk_whole_deals(&self, owner: Option<&str>, each: &mut WholeDealTaker<'_>) -> Result<()>;

    /// [`walk_whole_deals`](Database::walk_whole_deals) without the stage
    /// changes (no history is read): each deal is handed no instants. Only
    /// the deals `wanted` takes (by id) are handed over; the others are
    /// passed over without their content being parsed.
    fn walk_deals(
        &self,
        owner: Option<&str>,
        wanted: &dyn Fn(DealId) -> bool,
        each: &mut WholeDealTaker<'_>,
    ) -> Result<()>;

    /// Every history row made at or after `since`, of every deal (or one
    /// owner's, without case), in deal id order and oldest first within a
    /// deal, one at a time: one read for the whole pipeline (what changed
    /// since a day). An error from `each` stops the reading and is returned.
    fn walk_history_since(
        &self,
        since: DateTime<Utc>,
        owner: Option<&str>,
        each: &mut HistoryTaker<'_>,
    ) -> Result<()>;

    /// Create whole deals, each with the history it already has (demo data),
    /// in one transaction, taken one at a time from `deals`: the pipeline row
    /// is computed as of `now`, and the audit rows are the given ones (in
    /// place of a "created" row). How many were written.
    fn insert_deals_with_history(
        &mut self,
        deals: &mut dyn Iterator<Item = (Deal, Vec<AuditEntry>)>,
        now: DateTime<Utc>,
    ) -> Result<usize>;

    /// Save whole deals (an import) in one transaction. A deal whose id
    /// exists replaces it when its `version` is the stored one (its version
    /// moves on), and is refused with [`StoreError::Conflict`] otherwise
    /// unless `force`; any other is created with a new id.
    fn save_deals(&mut self, deals: &[Deal], force: bool, now: DateTime<Utc>)
    -> Result<Vec<Saved>>;

    /// An import as it is read: one transaction, in which `f` (called once)
    /// saves deals one at a time through the [`Import`] it is handed, by
    /// [`save_deals`](Database::save_deals)' rule. Committed when `f`
    /// succeeds; rolled back, and `f`'s error returned, when it fails.
    fn run_import(
        &mut self,
        force: bool,
        now: DateTime<Utc>,
        f: &mut dyn FnMut(&mut dyn Import) -> Result<()>,
    ) -> Result<()>;

    /// Run `f` (once) with a [`Batch`] inside one transaction (an import,
    /// record by record): committed when `keep`, rolled back otherwise (a
    /// dry run), and rolled back when `f` fails.
    fn run_batch(
        &mut self,
        keep: bool,
        now: DateTime<Utc>,
        f: &mut dyn FnMut(&mut dyn Batch) -> Result<()>,
    ) -> Result<()>;
}

/// An import's open transaction (see [`Database::run_import`]).
pub trait Import {
    /// Save one whole deal: a deal whose id exists replaces it when its
    /// `version` is the stored one (its version moves on), and is refused
    /// with [`StoreError::Conflict`] otherwise unless forced; any other is
    /// created with a new id.
    fn save(&mut self, deal: Deal) -> Result<Saved>;

    /// [`Import::save`], but a deal it creates gets `history` (oldest
    /// first, with who and when as given) as its history rows in place of
    /// the "created" row, in the same transaction; a deal it replaces
    /// keeps its own history (`history` is not written). Only an import
    /// that may write rows naming other people calls it: a server lets
    /// only its administrator.
    fn save_with_history(&mut self, deal: Deal, history: Vec<AuditEntry>) -> Result<Saved>;

    /// The deal `id` as it stands in the transaction (`None`: no such
    /// deal), for the rules that compare a document with what is recorded.
    fn stored(&self, id: DealId) -> Result<Option<Deal>>;
}

/// The writes of one batch, all in the transaction [`Database::run_batch`]
/// opened: each deal created or changed with its audit rows and pipeline row.
pub trait Batch {
    /// The deal imported from the Salesforce opportunity `id`, if any.
    fn find_salesforce(&self, id: &str) -> Result<Option<DealId>>;

    /// The first deal (by id) with this name and account (each compared
    /// without case) and this close date, if any, with its name as stored.
    fn find_same(
        &self,
        name: &str,
        account: &str,
        close_date: Option<NaiveDate>,
    ) -> Result<Option<(DealId, String)>>;

    /// Create a deal (checked by the caller); its id.
    fn insert(&mut self, deal: Deal) -> Result<DealId>;

    /// Change a deal: `change` (called once) edits it in memory. Only a deal
    /// that differs afterwards is written (its version moves on, each changed
    /// field in the history); returns it then.
    fn change(
        &mut self,
        id: DealId,
        change: &mut dyn FnMut(&mut Deal) -> Result<()>,
    ) -> Result<Option<Deal>>;
}

/// The error a taker's own error travels the engine as: it stops the
/// reading, and the taker's error is returned in its place.
fn stopped() -> StoreError {
    StoreError::NotFound(DealId(0))
}

/// The conveniences ops calls, built over the trait's methods (so that an
/// engine writes none of them).
impl dyn Database {
    /// The file the data is in, if it is in one.
    pub fn path(&self) -> Option<&Path> {
        self.location().file()
    }

    /// [`Database::change_deal`] with a change that gives a value back:
    /// returns the deal as saved and that value.
    pub fn update_deal<T>(
        &mut self,
        id: DealId,
        expected_version: Option<i64>,
        now: DateTime<Utc>,
        change: impl FnOnce(&mut Deal) -> Result<T>,
    ) -> Result<(Deal, T)> {
        let mut change = Some(change);
        let mut value = None;
        let deal = self.change_deal(id, expected_version, now, &mut |deal| {
            let change = change.take().expect("a change is made once");
            value = Some(change(deal)?);
            Ok(())
        })?;
        Ok((deal, value.expect("the change was made")))
    }

    /// One page of the deal list: only the rows asked for are read.
    pub fn deal_page(
        &self,
        query: &ListQuery,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<DealSummary>> {
        let mut out = Vec::new();
        self.list_rows(query, offset, limit, None, &mut |d| {
            out.push(d);
            Ok(())
        })?;
        Ok(out)
    }

    /// `deal_page` knowing how many deals match: a page
    /// past the middle is read from the end of the sort's order backwards,
    /// so that End costs what Home does.
    pub fn deal_page_of(
        &self,
        query: &ListQuery,
        offset: usize,
        limit: usize,
        total: usize,
    ) -> Result<Vec<DealSummary>> {
        let mut out = Vec::new();
        self.list_rows(query, offset, limit, Some(total), &mut |d| {
            out.push(d);
            Ok(())
        })?;
        Ok(out)
    }

    /// Each row of the list in order, one at a time (nothing held).
    pub fn each_deal(
        &self,
        query: &ListQuery,
        offset: usize,
        limit: usize,
        mut each: impl FnMut(DealSummary) -> Result<()>,
    ) -> Result<()> {
        self.list_rows(query, offset, limit, None, &mut each)
    }

    /// Each row of the list in order, one at a time (nothing held). An
    /// error from `each` stops the reading and is returned as it is.
    pub fn each_row<E: From<StoreError>>(
        &self,
        query: &ListQuery,
        mut each: impl FnMut(DealSummary) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        let mut failed = None;
        let result = self.list_rows(query, 0, usize::MAX >> 1, None, &mut |row| {
            each(row).map_err(|e| {
                failed = Some(e);
                stopped()
            })
        });
        if let Some(e) = failed {
            return Err(e);
        }
        result.map_err(E::from)
    }

    /// Every open deal (no outcome), whole, one at a time in id order;
    /// nothing but the deal at hand is held. An error from `each` stops the
    /// reading and is returned as it is.
    pub fn each_open_deal<E: From<StoreError>>(
        &self,
        mut each: impl FnMut(&Deal) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        let mut failed = None;
        let result = self.walk_open_deals(&mut |deal| {
            each(deal).map_err(|e| {
                failed = Some(e);
                stopped()
            })
        });
        if let Some(e) = failed {
            return Err(e);
        }
        result.map_err(E::from)
    }

    /// Every deal (or one owner's), whole, one at a time in id order, with
    /// the instants its stage changed (from the history); nothing but the
    /// deal at hand is held. An error from `each` stops the reading and is
    /// returned as it is.
    pub fn each_whole_deal<E: From<StoreError>>(
        &self,
        owner: Option<&str>,
        mut each: impl FnMut(&Deal, &[DateTime<Utc>]) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        let mut failed = None;
        let result = self.walk_whole_deals(owner, &mut |deal, stages| {
            each(deal, stages).map_err(|e| {
                failed = Some(e);
                stopped()
            })
        });
        if let Some(e) = failed {
            return Err(e);
        }
        result.map_err(E::from)
    }

    /// Every deal (or one owner's) that `wanted` takes (by id), whole, one
    /// at a time in id order, without its stage changes (no history read);
    /// an error from `each` stops the reading and is returned as it is.
    pub fn each_deal_whole<E: From<StoreError>>(
        &self,
        owner: Option<&str>,
        wanted: impl Fn(DealId) -> bool,
        mut each: impl FnMut(&Deal) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        let mut failed = None;
        let result = self.walk_deals(owner, &wanted, &mut |deal, _| {
            each(deal).map_err(|e| {
                failed = Some(e);
                stopped()
            })
        });
        if let Some(e) = failed {
            return Err(e);
        }
        result.map_err(E::from)
    }

    /// An import as it is read (see [`Database::run_import`]): `f` saves
    /// deals one at a time through the [`Import`] it is handed; committed
    /// when `f` succeeds, rolled back when it fails (its error is returned
    /// as it is).
    pub fn import<T, E: From<StoreError>>(
        &mut self,
        force: bool,
        now: DateTime<Utc>,
        f: impl FnOnce(&mut dyn Import) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E> {
        let mut f = Some(f);
        let (mut value, mut failed) = (None, None);
        let result = self.run_import(force, now, &mut |import| {
            let f = f.take().expect("an import runs once");
            match f(import) {
                Ok(v) => {
                    value = Some(v);
                    Ok(())
                }
                Err(e) => {
                    failed = Some(e);
                    Err(stopped())
                }
            }
        });
        if let Some(e) = failed {
            return Err(e);
        }
        result.map_err(E::from)?;
        Ok(value.expect("the import ran"))
    }

    /// Run `f` with a [`Batch`] inside one transaction (see
    /// [`Database::run_batch`]): committed when `keep`, rolled back otherwise
    /// and when `f` fails.
    pub fn batch<T>(
        &mut self,
        keep: bool,
        now: DateTime<Utc>,
        f: impl FnOnce(&mut dyn Batch) -> Result<T>,
    ) -> Result<T> {
        let mut f = Some(f);
        let mut value = None;
        self.run_batch(keep, now, &mut |batch| {
            let f = f.take().expect("a batch runs once");
            value = Some(f(batch)?);
            Ok(())
        })?;
        Ok(value.expect("the batch ran"))
    }
}

impl<'a> dyn Batch + 'a {
    /// [`Batch::change`] with a change made once.
    pub fn update(
        &mut self,
        id: DealId,
        change: impl FnOnce(&mut Deal) -> Result<()>,
    ) -> Result<Option<Deal>> {
        let mut change = Some(change);
        self.change(id, &mut |deal| {
            let change = change.take().expect("a change is made once");
            change(deal)
        })
    }
}
