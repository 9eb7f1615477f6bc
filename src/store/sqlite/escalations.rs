//! Escalation records: raised by a person or by a rule, routed to a
//! person, acknowledged and resolved or withdrawn, each stamped with who
//! and when.

use super::conn::Store;
use super::stamps::{instant, instant_or_null};
use crate::domain::deal::{Deal, DealId};
use crate::domain::escalation::{EscalationRecord, Stamp};
use crate::domain::playbook::EscalationRule;
use crate::store::error::{Result, StoreError};
use rusqlite::{Connection, OptionalExtension, Row, params};

/// The columns [`read_escalation`] reads, in its order.
pub(super) const ESCALATION_COLUMNS: &str =
    "id, rule, step, reason, raised_at, raised_by, ack_by, ack_at,
    ack_note, resolved_by, resolved_at, resolved_note, due_at, routed_to,
    withdrawn_by, withdrawn_at, withdrawn_note";

pub(super) fn read_escalation(r: &Row<'_>) -> rusqlite::Result<EscalationRecord> {
    let rule: String = r.get(1)?;
    let stamp = |by: usize| -> rusqlite::Result<Option<Stamp>> {
        let who: Option<String> = r.get(by)?;
        let at = instant_or_null(r, by + 1)?;
        let note: Option<String> = r.get(by + 2)?;
        Ok(at.map(|at| Stamp {
            by: who.unwrap_or_default(),
            at,
            note: note.unwrap_or_default(),
        }))
    };
    Ok(EscalationRecord {
        id: r.get(0)?,
        rule: EscalationRule::parse(&rule).ok_or_else(|| {
            rusqlite::Error::FromSqlConversionFailure(
                1,
                rusqlite::types::Type::Text,
                format!("unknown rule {rule}").into(),
            )
        })?,
        step: r.get(2)?,
        reason: r.get(3)?,
        raised_at: instant(r, 4)?,
        due_at: instant(r, 12)?,
        raised_by: r.get(5)?,
        to: r.get(13)?,
        acknowledged: stamp(6)?,
        resolved: stamp(9)?,
        withdrawn: stamp(14)?,
    })
}

/// Store new escalation records (giving them ids) and the acts on old ones.
pub(super) fn write_escalations(tx: &Connection, deal: &mut Deal) -> Result<()> {
    let id = deal.id;
    for e in &mut deal.escalations {
        let stamp = |s: &Option<Stamp>| {
            s.as_ref()
                .map(|s| (s.by.clone(), s.at, s.note.clone()))
                .unwrap_or_default()
        };
        let (ack_by, ack_at, ack_note) = stamp(&e.acknowledged);
        let (res_by, res_at, res_note) = stamp(&e.resolved);
        let (wd_by, wd_at, wd_note) = stamp(&e.withdrawn);
        let some = |v: String| (!v.is_empty()).then_some(v);
        let ack_at = e.acknowledged.as_ref().map(|_| ack_at);
        let res_at = e.resolved.as_ref().map(|_| res_at);
        let wd_at = e.withdrawn.as_ref().map(|_| wd_at);
        if e.id == 0 {
            tx.prepare_cached(
                "INSERT INTO escalations (deal_id, rule, step, reason, raised_at, raised_by,
                    ack_by, ack_at, ack_note, resolved_by, resolved_at, resolved_note, due_at,
                    routed_to, withdrawn_by, withdrawn_at, withdrawn_note)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,
                    ?14, ?15, ?16, ?17)",
            )?
            .execute(params![
                id,
                e.rule.key(),
                e.step,
                e.reason,
                e.raised_at,
                e.raised_by,
                some(ack_by),
                ack_at,
                some(ack_note),
                some(res_by),
                res_at,
                some(res_note),
                e.due_at,
                e.to,
                some(wd_by),
                wd_at,
                some(wd_note),
            ])?;
            e.id = tx.last_insert_rowid();
        } else {
            tx.prepare_cached(
                "UPDATE escalations SET ack_by = ?3, ack_at = ?4, ack_note = ?5,
                    resolved_by = ?6, resolved_at = ?7, resolved_note = ?8,
                    withdrawn_by = ?9, withdrawn_at = ?10, withdrawn_note = ?11
                 WHERE id = ?1 AND deal_id = ?2",
            )?
            .execute(params![
                e.id,
                id,
                some(ack_by),
                ack_at,
                some(ack_note),
                some(res_by),
                res_at,
                some(res_note),
                some(wd_by),
                wd_at,
                some(wd_note),
            ])?;
        }
    }
    Ok(())
}

impl Store {
    /// The deal escalation `id` (stored) belongs to.
    pub fn deal_of_escalation(&self, id: i64) -> Result<Option<DealId>> {
        let found = self
            .conn
            .query_row("SELECT deal_id FROM escalations WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional();
        self.checked(found.map_err(StoreError::from))
    }
}
