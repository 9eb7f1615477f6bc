//! The database schema, as an ordered list of migrations (tracked in
//! SQLite's `user_version`). Append new migrations; never edit a shipped one.

use rusqlite_migration::{M, Migrations};

/// Each migration's SQL, oldest first: migration `i` takes the schema from
/// version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    "CREATE TABLE deals (
        id                      INTEGER PRIMARY KEY,
        name                    TEXT NOT NULL CHECK (length(trim(name)) > 0),
        account                 TEXT NOT NULL CHECK (length(trim(account)) > 0),
        amount_cents            INTEGER CHECK (amount_cents >= 0),
        implementation_fee_cents INTEGER CHECK (implementation_fee_cents >= 0),
        support_rate_percent    REAL NOT NULL,
        close_date              TEXT,
        stage                   TEXT NOT NULL,
        owner                   TEXT NOT NULL DEFAULT '',
        sa                      TEXT NOT NULL DEFAULT '',
        manager                 TEXT NOT NULL DEFAULT '',
        trigger_date            TEXT,
        created_at              TEXT NOT NULL,
        updated_at              TEXT NOT NULL,
        version                 INTEGER NOT NULL DEFAULT 1
    ) STRICT;
    CREATE INDEX deals_by_close_date ON deals (close_date, id);
    CREATE INDEX deals_by_amount ON deals (amount_cents, id);
    CREATE INDEX deals_by_name ON deals (name COLLATE NOCASE, id);

    CREATE TABLE steps (
        deal_id         INTEGER NOT NULL REFERENCES deals (id) ON DELETE CASCADE,
        number          INTEGER NOT NULL CHECK (number BETWEEN 1 AND 10),
        status          TEXT NOT NULL DEFAULT 'not_started'
                        CHECK (status IN ('not_started', 'in_progress', 'blocked', 'complete')),
        started_at      TEXT,
        completed_at    TEXT,
        blocked_reason  TEXT,
        blocked_since   TEXT,
        actions         INTEGER NOT NULL DEFAULT 0,
        outcomes        TEXT NOT NULL DEFAULT '',
        decisions       TEXT NOT NULL DEFAULT '',
        next_steps      TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (deal_id, number)
    ) STRICT, WITHOUT ROWID;",
    // The list sorts put deals without a date or amount last; index exactly
    // those orders so that a page deep in the list is read from the index.
    "DROP INDEX deals_by_close_date;
        DROP INDEX deals_by_amount;
        CREATE INDEX deals_by_close_date ON deals (close_date IS NULL, close_date, id);
        CREATE INDEX deals_by_amount ON deals (amount_cents IS NULL, amount_cents DESC, id);",
    // What each step captures: the per-step stakeholder confirmation, the
    // structured content as one JSON document per deal, and battle cards kept
    // per competitor across deals.
    "ALTER TABLE steps ADD COLUMN confirmed_with TEXT NOT NULL DEFAULT '';
        ALTER TABLE steps ADD COLUMN confirmed_on TEXT;
        CREATE TABLE deal_content (
            deal_id INTEGER PRIMARY KEY REFERENCES deals (id) ON DELETE CASCADE,
            body    TEXT NOT NULL CHECK (json_valid(body))
        ) STRICT;
        CREATE TABLE battle_cards (
            competitor TEXT PRIMARY KEY COLLATE NOCASE,
            notes      TEXT NOT NULL,
            updated_at TEXT NOT NULL
        ) STRICT;",
    // Escalations raised by people (and blocked-step ones acted on), and the
    // audit trail: every field change with before, after, who and when.
    "CREATE TABLE escalations (
            id            INTEGER PRIMARY KEY,
            deal_id       INTEGER NOT NULL REFERENCES deals (id) ON DELETE CASCADE,
            rule          TEXT NOT NULL,
            step          INTEGER CHECK (step BETWEEN 1 AND 10),
            reason        TEXT NOT NULL,
            raised_at     TEXT NOT NULL,
            due_at        TEXT NOT NULL,
            raised_by     TEXT NOT NULL,
            ack_by        TEXT,
            ack_at        TEXT,
            ack_note      TEXT,
            resolved_by   TEXT,
            resolved_at   TEXT,
            resolved_note TEXT
        ) STRICT;
        CREATE INDEX escalations_by_deal ON escalations (deal_id, id);
        CREATE TABLE audit (
            id      INTEGER PRIMARY KEY,
            deal_id INTEGER NOT NULL REFERENCES deals (id) ON DELETE CASCADE,
            at      TEXT NOT NULL,
            who     TEXT NOT NULL,
            field   TEXT NOT NULL,
            before  TEXT NOT NULL,
            after   TEXT NOT NULL
        ) STRICT;
        CREATE INDEX audit_by_deal ON audit (deal_id, id);",
    // When each step was first completed (kept through a reopening); battle
    // cards carry a version so a stale edit is refused; drafts keep what was
    // being typed when a save failed or qualify was asked to quit.
    "ALTER TABLE steps ADD COLUMN first_completed_at TEXT;
        UPDATE steps SET first_completed_at = completed_at WHERE completed_at IS NOT NULL;
        ALTER TABLE battle_cards ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
        CREATE TABLE drafts (
            key      TEXT PRIMARY KEY,
            deal_id  INTEGER REFERENCES deals (id) ON DELETE CASCADE,
            body     TEXT NOT NULL,
            saved_at TEXT NOT NULL,
            who      TEXT NOT NULL
        ) STRICT;",
    // The pipeline list's columns, kept beside each deal and written in the
    // same transaction as every change (filled for older deals on open).
    // Instants are Unix seconds, compared with the reader's now.
    "CREATE TABLE pipeline (
            deal_id          INTEGER PRIMARY KEY REFERENCES deals (id) ON DELETE CASCADE,
            forecast         TEXT NOT NULL,
            verdict          TEXT,
            meddpicc_total   INTEGER NOT NULL,
            meddpicc_max     INTEGER NOT NULL,
            steps_complete   INTEGER NOT NULL,
            steps_blocked    INTEGER NOT NULL,
            qa_passed        INTEGER NOT NULL,
            qa_total         INTEGER NOT NULL,
            escalations      INTEGER NOT NULL,
            escalation_starts TEXT NOT NULL CHECK (json_valid(escalation_starts)),
            escalation_dues  TEXT NOT NULL CHECK (json_valid(escalation_dues)),
            overdue_from     INTEGER,
            risk_band        TEXT,
            next_step_due    TEXT,
            stalled_from     INTEGER,
            snoozed_until    INTEGER,
            outcome          TEXT,
            awaiting_sa      INTEGER NOT NULL,
            awaiting_manager INTEGER NOT NULL
        ) STRICT;
        CREATE INDEX pipeline_by_forecast ON pipeline (forecast);
        CREATE INDEX pipeline_by_stalled ON pipeline (stalled_from) WHERE outcome IS NULL;
        CREATE INDEX pipeline_by_overdue ON pipeline (overdue_from);
        CREATE INDEX pipeline_awaiting_sa ON pipeline (deal_id) WHERE awaiting_sa;
        CREATE INDEX pipeline_awaiting_manager ON pipeline (deal_id) WHERE awaiting_manager;",
    // Deals imported from Salesforce are found again by the opportunity's Id
    // (kept in the deal's content) when the export is imported again.
    "CREATE INDEX deal_content_by_salesforce_id
            ON deal_content (json_extract(body, '$.salesforce.id'));",
];

pub fn migrations() -> Migrations<'static> {
    Migrations::new(MIGRATIONS.iter().map(|sql| M::up(sql)).collect())
}

/// The SQL that takes a database at `version` to the latest schema, in order.
pub(crate) fn pending(version: usize) -> &'static [&'static str] {
    MIGRATIONS.get(version..).unwrap_or_default()
}

/// The tables some version of qualify's schema has made (how a database
/// written before the application id was set is recognised).
pub(crate) const TABLES: &[&str] = &[
    "deals",
    "steps",
    "deal_content",
    "battle_cards",
    "escalations",
    "audit",
    "drafts",
    "pipeline",
];

/// The schema version a fully migrated database has.
pub fn latest_version() -> usize {
    MIGRATIONS.len()
}

/// The migrations up to `version` (tests: a database as an older qualify left it).
#[cfg(test)]
pub fn migrations_until(version: usize) -> Migrations<'static> {
    Migrations::new(MIGRATIONS[..version].iter().map(|sql| M::up(sql)).collect())
}

#[cfg(test)]
mod tests {
    #[test]
    fn migrations_are_valid() {
        super::migrations().validate().unwrap();
    }

    #[test]
    fn every_table_the_migrations_make_is_known() {
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        super::migrations().to_latest(&mut conn).unwrap();
        let mut stmt = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .unwrap();
        let made: Vec<String> = stmt
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let mut known: Vec<String> = super::TABLES.iter().map(|t| t.to_string()).collect();
        known.sort();
        assert_eq!(made, known);
    }
}
