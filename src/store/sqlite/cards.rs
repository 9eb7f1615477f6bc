//! Battle cards: notes kept per competitor across deals, each with a
//! version so that a card changed elsewhere is not overwritten.

use super::conn::Store;
use crate::store::BattleCard;
use crate::store::error::{Result, StoreError};
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

impl Store {
    /// The battle-card notes kept for a competitor across deals, with the
    /// version a later save must name.
    pub fn battle_card(&self, competitor: &str) -> Result<Option<BattleCard>> {
        let found = self
            .conn
            .query_row(
                "SELECT notes, version FROM battle_cards WHERE competitor = ?1",
                [competitor.trim()],
                |r| {
                    Ok(BattleCard {
                        notes: r.get(0)?,
                        version: r.get(1)?,
                    })
                },
            )
            .optional();
        self.checked(found.map_err(StoreError::from))
    }

    /// Set a competitor's battle card. With `expected_version` (0: the card
    /// did not exist when read), a card changed since is refused.
    pub fn set_battle_card(
        &mut self,
        competitor: &str,
        notes: &str,
        expected_version: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let name = competitor.trim().to_string();
        self.write(|tx| {
            let found: i64 = tx
                .query_row(
                    "SELECT version FROM battle_cards WHERE competitor = ?1",
                    [&name],
                    |r| r.get(0),
                )
                .optional()?
                .unwrap_or(0);
            if let Some(expected) = expected_version
                && expected != found
            {
                return Err(StoreError::CardChanged { competitor: name.clone() });
            }
            tx.execute(
                "INSERT INTO battle_cards (competitor, notes, updated_at, version) VALUES (?1, ?2, ?3, 1)
                 ON CONFLICT (competitor) DO UPDATE SET notes = excluded.notes,
                    updated_at = excluded.updated_at, version = battle_cards.version + 1",
                params![name, notes, now],
            )?;
            Ok(found + 1)
        })
    }
}
