//! Whole-database walks (the checks, the metrics, an export): every deal
//! asked for, whole, in id order, one at a time. On a file the rows are read
//! on a second, read-only connection in another thread.

use super::conn::Store;
use super::deals::{DEAL_COLUMNS, deal_from_row};
use super::escalations::{ESCALATION_COLUMNS, read_escalation};
use super::safety;
use super::stamps::instant;
use super::steps::{STEP_COLUMNS, content_from, read_step};
use crate::domain::deal::{Deal, DealId};
use crate::store::error::{Result, StoreError};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, Row, params};

impl Store {
    /// Every open deal (no outcome), whole, one at a time in id order;
    /// nothing but the deal at hand is held. An error from `each` stops the
    /// reading and is returned as it is.
    pub fn each_open_deal<E: From<StoreError>>(
        &self,
        mut each: impl FnMut(&Deal) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        let walk = Walk {
            open: true,
            owner: None,
            stages: false,
        };
        self.walk(walk, &|_| true, |deal, _| each(deal))
    }

    /// Every deal (or one owner's), whole, one at a time in id order, with
    /// the instants its stage changed (from the history); nothing but the
    /// deal at hand is held. An error from `each` stops the reading and is
    /// returned as it is.
    pub fn each_whole_deal<E: From<StoreError>>(
        &self,
        owner: Option<&str>,
        each: impl FnMut(&Deal, &[DateTime<Utc>]) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        let walk = Walk {
            open: false,
            owner: owner.map(str::trim),
            stages: true,
        };
        self.walk(walk, &|_| true, each)
    }

    /// Every deal (or one owner's), whole, in id order, without its stage
    /// changes.
    pub fn each_deal_without_stages<E: From<StoreError>>(
        &self,
        owner: Option<&str>,
        wanted: &dyn Fn(DealId) -> bool,
        each: impl FnMut(&Deal, &[DateTime<Utc>]) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        let walk = Walk {
            open: false,
            owner: owner.map(str::trim),
            stages: false,
        };
        self.walk(walk, wanted, each)
    }

    /// The deals `walk` names, as [`each_whole_deal`](Self::each_whole_deal)
    /// hands them.
    ///
    /// On a file, the rows are read on a second, read-only connection in
    /// another thread while this one parses each deal's content and hands
    /// it over, so that reading and the work done with each deal overlap
    /// (at most 64 deals wait between the two).
    fn walk<E: From<StoreError>>(
        &self,
        walk: Walk<'_>,
        wanted: &dyn Fn(DealId) -> bool,
        mut each: impl FnMut(&Deal, &[DateTime<Utc>]) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        let mut failed = None;
        let mut take = |read: &mut Read| -> Result<()> {
            if !wanted(read.deal.id) {
                // passed over: its content stays text, freed where it was read
                return Ok(());
            }
            if let Some(body) = read.body.take() {
                read.deal.content = content_from(&body)?;
            }
            let taken = each(&read.deal, &read.stages).map_err(|e| {
                failed = Some(e);
                StoreError::NotFound(DealId(0))
            });
            // the content was made on this thread: freed here
            read.deal.content = Default::default();
            taken
        };
        let result = match self.path.as_deref() {
            Some(path) if self.conn.is_autocommit() => std::thread::scope(|scope| {
                let (send, receive) = std::sync::mpsc::sync_channel::<Read>(64);
                // each deal goes back to be freed where it was made: freeing
                // memory another thread allocated costs both threads a lock
                let (back, done) = std::sync::mpsc::sync_channel::<Read>(128);
                let reader = scope.spawn(move || -> Result<()> {
                    let conn = safety::open_read_only(path)?;
                    walk_deals(&conn, walk, |read| {
                        for used in done.try_iter() {
                            drop(used);
                        }
                        // refused once the taker has stopped: stop reading
                        send.send(read).map_err(|_| StoreError::NotFound(DealId(0)))
                    })
                });
                let mut taken = Ok(());
                for mut read in receive {
                    taken = take(&mut read);
                    if taken.is_err() {
                        break;
                    }
                    let _ = back.try_send(read);
                }
                drop(back);
                let read = reader.join().expect("the reading thread does not panic");
                taken.and(read)
            }),
            _ => walk_deals(&self.conn, walk, |mut read| take(&mut read)),
        };
        if let Some(e) = failed {
            return Err(e);
        }
        self.checked(result).map_err(E::from)
    }
}

/// Which deals a whole-database read walks, in id order.
#[derive(Clone, Copy)]
pub(super) struct Walk<'a> {
    /// Only those without an outcome.
    open: bool,
    /// Only one owner's (without case).
    owner: Option<&'a str>,
    /// With the instants each one's stage changed (from the history).
    stages: bool,
}

/// One deal as a walk reads it, its content document still text.
pub(super) struct Read {
    deal: Deal,
    body: Option<String>,
    stages: Vec<DateTime<Utc>>,
}

/// A walk's four statements (deals with their content, steps, escalations,
/// stage changes), each in deal id order, each bound to the owner (`?1`,
/// NULL for all) and the last to whether stage changes are wanted (`?2`).
pub(super) fn walk_queries(open: bool) -> [String; 4] {
    let (from, key, only) = if open {
        (
            "pipeline p JOIN deals d ON d.id = p.deal_id",
            "p.deal_id",
            "p.outcome IS NULL AND (?1 IS NULL OR p.owner = ?1)",
        )
    } else {
        (
            "deals d",
            "d.id",
            "(?1 IS NULL OR d.owner = ?1 COLLATE NOCASE)",
        )
    };
    let prefixed = |columns: &str, table: &str| {
        columns
            .split(',')
            .map(|c| format!("{table}.{}", c.trim()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    [
        format!(
            "SELECT {DEAL_COLUMNS}, c.body FROM {from}
                LEFT JOIN deal_content c ON c.deal_id = d.id
             WHERE {only} ORDER BY {key}"
        ),
        format!(
            "SELECT {}, s.deal_id FROM {from} JOIN steps s ON s.deal_id = d.id
             WHERE {only} ORDER BY {key}, s.number",
            prefixed(STEP_COLUMNS, "s")
        ),
        format!(
            "SELECT {}, e.deal_id FROM {from} JOIN escalations e ON e.deal_id = d.id
             WHERE {only} ORDER BY {key}, e.id",
            prefixed(ESCALATION_COLUMNS, "e")
        ),
        // CROSS JOIN: by deal, from the history's index by deal, rather
        // than a scan of the whole history sorted in a temporary tree
        format!(
            "SELECT a.at, a.deal_id FROM {from} CROSS JOIN audit a ON a.deal_id = d.id
             WHERE {only} AND a.field = 'stage' AND ?2 ORDER BY {key}, a.id"
        ),
    ]
}

/// Each deal `walk` names, in id order, with its steps and escalations, its
/// content's text (parsed by the caller) and, if asked, its stage changes:
/// one statement a table, stepped side by side, so that nothing but the
/// deal at hand is held.
pub(super) fn walk_deals(
    conn: &Connection,
    walk: Walk<'_>,
    mut each: impl FnMut(Read) -> Result<()>,
) -> Result<()> {
    let [deals, steps, escalations, stages] = walk_queries(walk.open);
    let mut deals = conn.prepare_cached(&deals)?;
    let mut steps = conn.prepare_cached(&steps)?;
    let mut escalations = conn.prepare_cached(&escalations)?;
    let mut stages = conn.prepare_cached(&stages)?;
    let owner = [walk.owner];
    let mut deal_rows = deals.query(owner)?;
    let mut steps = Children::new(steps.query(owner)?, read_step, 13);
    let after = ESCALATION_COLUMNS.split(',').count();
    let mut escalations = Children::new(escalations.query(owner)?, read_escalation, after);
    let mut stages = Children::new(
        stages.query(params![walk.owner, walk.stages])?,
        |r| instant(r, 0),
        1,
    );
    while let Some(r) = deal_rows.next()? {
        let mut read = Read {
            deal: deal_from_row(r)?,
            body: r.get(15)?,
            stages: Vec::new(),
        };
        let id = read.deal.id;
        steps.of(id, &mut read.deal.steps)?;
        escalations.of(id, &mut read.deal.escalations)?;
        stages.of(id, &mut read.stages)?;
        each(read)?;
    }
    Ok(())
}

/// The rows of a child table (steps, escalations, stage changes) read
/// beside the deals, in the same deal order; each row carries its deal's id
/// (in column `id_at`).
struct Children<'s, T> {
    rows: rusqlite::Rows<'s>,
    read: fn(&Row<'_>) -> rusqlite::Result<T>,
    id_at: usize,
    /// A row read ahead: it belongs to a later deal.
    next: Option<(DealId, T)>,
    done: bool,
}

impl<'s, T> Children<'s, T> {
    fn new(
        rows: rusqlite::Rows<'s>,
        read: fn(&Row<'_>) -> rusqlite::Result<T>,
        id_at: usize,
    ) -> Self {
        Children {
            rows,
            read,
            id_at,
            next: None,
            done: false,
        }
    }

    /// Move the rows of deal `id` into `out` (rows of deals before it,
    /// which the deals' query skipped, are dropped).
    fn of(&mut self, id: DealId, out: &mut Vec<T>) -> Result<()> {
        loop {
            if self.next.is_none() && !self.done {
                match self.rows.next()? {
                    Some(r) => self.next = Some((r.get(self.id_at)?, (self.read)(r)?)),
                    None => self.done = true,
                }
            }
            match self.next.take() {
                Some((of, row)) if of == id => out.push(row),
                Some((of, _)) if of < id => {}
                other => {
                    self.next = other;
                    return Ok(());
                }
            }
        }
    }
}
