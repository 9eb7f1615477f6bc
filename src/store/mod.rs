//! The only code that speaks SQL. One SQLite file; every write is one
//! `BEGIN IMMEDIATE` transaction; each deal carries a `version` so that a
//! writer holding stale data is refused instead of overwriting.

mod error;
pub mod files;
mod list;
mod sqlite;

use crate::domain::deal::{Deal, DealId};
use crate::domain::pipeline::PipelineRow;
use chrono::{DateTime, Utc};

pub use error::{Fault, Result, StoreError};
pub use list::{CategoryTotal, ListQuery, ListSort, Queue};
pub use sqlite::schema::{latest_version, migrations};
pub use sqlite::{Batch, Import, Store, doctor, safety};

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
