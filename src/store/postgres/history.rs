//! The history's rows since an instant, across the pipeline, a chunk at a
//! time (what changed since a day).

use super::Server;
use crate::domain::audit::AuditEntry;
use crate::domain::deal::DealId;
use crate::store::HistoryTaker;
use crate::store::error::Result;
use chrono::{DateTime, Utc};

/// How many history rows are read at a time.
const CHUNK: i64 = 5000;

impl Server {
    /// Every history row made at or after `since` (of one owner's deals,
    /// without case), in deal id order, oldest first within a deal.
    pub(super) fn history_since(
        &self,
        since: DateTime<Utc>,
        owner: Option<&str>,
        each: &mut HistoryTaker<'_>,
    ) -> Result<()> {
        let owner = owner.map(|o| o.trim().to_lowercase());
        let (mut deal, mut id) = (0_i64, 0_i64);
        loop {
            let rows = self
                .client
                .borrow_mut()
                .query(
                    "SELECT a.deal_id, a.id, a.at, a.who, a.field, a.before, a.after
                     FROM qualify.audit a JOIN qualify.deals d ON d.id = a.deal_id
                     WHERE a.at >= $1 AND ($2::text IS NULL OR lower(d.owner) = $2)
                       AND (a.deal_id, a.id) > ($3, $4)
                     ORDER BY a.deal_id, a.id LIMIT $5",
                    &[&since, &owner, &deal, &id, &CHUNK],
                )
                .map_err(|e| self.fail(e))?;
            for r in &rows {
                (deal, id) = (r.get(0), r.get(1));
                let entry = AuditEntry {
                    at: r.get(2),
                    who: r.get(3),
                    field: r.get(4),
                    before: r.get(5),
                    after: r.get(6),
                };
                each(DealId(deal), entry)?;
            }
            if (rows.len() as i64) < CHUNK {
                return Ok(());
            }
        }
    }
}
