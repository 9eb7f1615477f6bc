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
    // The list at 100,000 deals: an index for each sort (so that a page is
    // read in order from an index, never sorted), counts per group kept
    // current by triggers in the writing transaction (so that the count and
    // the totals of a filter are never a scan), and a trigram full-text
    // index of name, account and owner for the typed filter. The pipeline
    // row carries the owner, SA and amount its counts are grouped by.
    "ALTER TABLE pipeline ADD COLUMN owner TEXT NOT NULL DEFAULT '' COLLATE NOCASE;
        ALTER TABLE pipeline ADD COLUMN sa TEXT NOT NULL DEFAULT '' COLLATE NOCASE;
        ALTER TABLE pipeline ADD COLUMN amount_cents INTEGER;
        UPDATE pipeline SET owner = d.owner, sa = d.sa, amount_cents = d.amount_cents
            FROM deals d WHERE d.id = pipeline.deal_id;
        CREATE INDEX deals_by_account ON deals (account COLLATE NOCASE, id);
        CREATE INDEX deals_by_owner ON deals (owner = '', owner COLLATE NOCASE, id);
        CREATE INDEX pipeline_by_forecast_rank ON pipeline (
            (CASE forecast WHEN 'commit' THEN 0 WHEN 'best_case' THEN 1 WHEN 'pipeline' THEN 2
                WHEN 'closed' THEN 3 ELSE 4 END), deal_id);
        CREATE INDEX pipeline_by_meddpicc ON pipeline (meddpicc_total DESC, deal_id);
        CREATE INDEX pipeline_by_steps ON pipeline (steps_complete DESC, deal_id);
        CREATE INDEX pipeline_by_qa ON pipeline (qa_passed DESC, deal_id);
        CREATE INDEX pipeline_by_escalations ON pipeline (escalations DESC, deal_id);
        CREATE INDEX pipeline_by_risk ON pipeline (
            (CASE risk_band WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2
                WHEN 'low' THEN 3 ELSE 4 END), deal_id);
        CREATE INDEX pipeline_by_next_step ON pipeline (next_step_due IS NULL, next_step_due, deal_id);
        CREATE INDEX pipeline_by_stalled_first ON pipeline (
            outcome IS NOT NULL, stalled_from IS NULL, stalled_from, deal_id);
        CREATE INDEX pipeline_stalled_now ON pipeline (stalled_from, snoozed_until)
            WHERE outcome IS NULL;

        CREATE TABLE pipeline_counts (
            forecast         TEXT NOT NULL,
            verdict          TEXT NOT NULL,
            owner            TEXT NOT NULL COLLATE NOCASE,
            sa               TEXT NOT NULL COLLATE NOCASE,
            awaiting_sa      INTEGER NOT NULL,
            awaiting_manager INTEGER NOT NULL,
            deals            INTEGER NOT NULL,
            amount_cents     INTEGER NOT NULL,
            PRIMARY KEY (forecast, verdict, owner, sa, awaiting_sa, awaiting_manager)
        ) STRICT, WITHOUT ROWID;
        INSERT INTO pipeline_counts
            SELECT forecast, coalesce(verdict, ''), owner, sa, awaiting_sa, awaiting_manager,
                count(*), coalesce(sum(amount_cents), 0)
            FROM pipeline GROUP BY 1, 2, 3, 4, 5, 6;
        CREATE TRIGGER pipeline_counted AFTER INSERT ON pipeline BEGIN
            INSERT INTO pipeline_counts VALUES (NEW.forecast, coalesce(NEW.verdict, ''), NEW.owner,
                NEW.sa, NEW.awaiting_sa, NEW.awaiting_manager, 1, coalesce(NEW.amount_cents, 0))
            ON CONFLICT DO UPDATE SET deals = deals + 1,
                amount_cents = amount_cents + excluded.amount_cents;
        END;
        CREATE TRIGGER pipeline_uncounted AFTER DELETE ON pipeline BEGIN
            UPDATE pipeline_counts SET deals = deals - 1,
                amount_cents = amount_cents - coalesce(OLD.amount_cents, 0)
            WHERE forecast = OLD.forecast AND verdict = coalesce(OLD.verdict, '')
                AND owner = OLD.owner AND sa = OLD.sa AND awaiting_sa = OLD.awaiting_sa
                AND awaiting_manager = OLD.awaiting_manager;
        END;
        CREATE TRIGGER pipeline_recounted AFTER UPDATE ON pipeline BEGIN
            UPDATE pipeline_counts SET deals = deals - 1,
                amount_cents = amount_cents - coalesce(OLD.amount_cents, 0)
            WHERE forecast = OLD.forecast AND verdict = coalesce(OLD.verdict, '')
                AND owner = OLD.owner AND sa = OLD.sa AND awaiting_sa = OLD.awaiting_sa
                AND awaiting_manager = OLD.awaiting_manager;
            INSERT INTO pipeline_counts VALUES (NEW.forecast, coalesce(NEW.verdict, ''), NEW.owner,
                NEW.sa, NEW.awaiting_sa, NEW.awaiting_manager, 1, coalesce(NEW.amount_cents, 0))
            ON CONFLICT DO UPDATE SET deals = deals + 1,
                amount_cents = amount_cents + excluded.amount_cents;
        END;

        CREATE VIRTUAL TABLE deal_search USING fts5(name, account, owner, tokenize = 'trigram');
        INSERT INTO deal_search (rowid, name, account, owner)
            SELECT id, name, account, owner FROM deals;
        CREATE TRIGGER deals_searchable AFTER INSERT ON deals BEGIN
            INSERT INTO deal_search (rowid, name, account, owner)
                VALUES (NEW.id, NEW.name, NEW.account, NEW.owner);
        END;
        CREATE TRIGGER deals_searched_again AFTER UPDATE OF name, account, owner ON deals
        WHEN OLD.name IS NOT NEW.name OR OLD.account IS NOT NEW.account
            OR OLD.owner IS NOT NEW.owner BEGIN
            DELETE FROM deal_search WHERE rowid = OLD.id;
            INSERT INTO deal_search (rowid, name, account, owner)
                VALUES (NEW.id, NEW.name, NEW.account, NEW.owner);
        END;
        CREATE TRIGGER deals_unsearchable AFTER DELETE ON deals BEGIN
            DELETE FROM deal_search WHERE rowid = OLD.id;
        END;",
    // The review queues at 100,000 deals: each queue has an index per sort
    // holding only the deals waiting in it, so that a queue's page is read
    // in order from its own index rather than by walking every deal. The
    // pipeline row carries the name, account and close date those orders
    // need (written with the rest of the row).
    "ALTER TABLE pipeline ADD COLUMN name TEXT NOT NULL DEFAULT '';
        ALTER TABLE pipeline ADD COLUMN account TEXT NOT NULL DEFAULT '';
        ALTER TABLE pipeline ADD COLUMN close_date TEXT;
        UPDATE pipeline SET name = d.name, account = d.account, close_date = d.close_date
            FROM deals d WHERE d.id = pipeline.deal_id;
        CREATE INDEX pipeline_sa_by_close_date ON pipeline (
            close_date IS NULL, close_date, deal_id)
            WHERE awaiting_sa;
        CREATE INDEX pipeline_sa_by_amount ON pipeline (
            amount_cents IS NULL, amount_cents DESC, deal_id)
            WHERE awaiting_sa;
        CREATE INDEX pipeline_sa_by_name ON pipeline (
            name COLLATE NOCASE, deal_id)
            WHERE awaiting_sa;
        CREATE INDEX pipeline_sa_by_account ON pipeline (
            account COLLATE NOCASE, deal_id)
            WHERE awaiting_sa;
        CREATE INDEX pipeline_sa_by_owner ON pipeline (
            owner = '', owner COLLATE NOCASE, deal_id)
            WHERE awaiting_sa;
        CREATE INDEX pipeline_sa_by_forecast ON pipeline (
            (CASE forecast WHEN 'commit' THEN 0 WHEN 'best_case' THEN 1 WHEN 'pipeline' THEN 2
                WHEN 'closed' THEN 3 ELSE 4 END), deal_id)
            WHERE awaiting_sa;
        CREATE INDEX pipeline_sa_by_meddpicc ON pipeline (
            meddpicc_total DESC, deal_id)
            WHERE awaiting_sa;
        CREATE INDEX pipeline_sa_by_steps ON pipeline (
            steps_complete DESC, deal_id)
            WHERE awaiting_sa;
        CREATE INDEX pipeline_sa_by_qa ON pipeline (
            qa_passed DESC, deal_id)
            WHERE awaiting_sa;
        CREATE INDEX pipeline_sa_by_escalations ON pipeline (
            escalations DESC, deal_id)
            WHERE awaiting_sa;
        CREATE INDEX pipeline_sa_by_risk ON pipeline (
            (CASE risk_band WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2
                WHEN 'low' THEN 3 ELSE 4 END), deal_id)
            WHERE awaiting_sa;
        CREATE INDEX pipeline_sa_by_next_step ON pipeline (
            next_step_due IS NULL, next_step_due, deal_id)
            WHERE awaiting_sa;
        CREATE INDEX pipeline_sa_by_stalled_first ON pipeline (
            outcome IS NOT NULL, stalled_from IS NULL, stalled_from, deal_id)
            WHERE awaiting_sa;
        CREATE INDEX pipeline_manager_by_close_date ON pipeline (
            close_date IS NULL, close_date, deal_id)
            WHERE awaiting_manager;
        CREATE INDEX pipeline_manager_by_amount ON pipeline (
            amount_cents IS NULL, amount_cents DESC, deal_id)
            WHERE awaiting_manager;
        CREATE INDEX pipeline_manager_by_name ON pipeline (
            name COLLATE NOCASE, deal_id)
            WHERE awaiting_manager;
        CREATE INDEX pipeline_manager_by_account ON pipeline (
            account COLLATE NOCASE, deal_id)
            WHERE awaiting_manager;
        CREATE INDEX pipeline_manager_by_owner ON pipeline (
            owner = '', owner COLLATE NOCASE, deal_id)
            WHERE awaiting_manager;
        CREATE INDEX pipeline_manager_by_forecast ON pipeline (
            (CASE forecast WHEN 'commit' THEN 0 WHEN 'best_case' THEN 1 WHEN 'pipeline' THEN 2
                WHEN 'closed' THEN 3 ELSE 4 END), deal_id)
            WHERE awaiting_manager;
        CREATE INDEX pipeline_manager_by_meddpicc ON pipeline (
            meddpicc_total DESC, deal_id)
            WHERE awaiting_manager;
        CREATE INDEX pipeline_manager_by_steps ON pipeline (
            steps_complete DESC, deal_id)
            WHERE awaiting_manager;
        CREATE INDEX pipeline_manager_by_qa ON pipeline (
            qa_passed DESC, deal_id)
            WHERE awaiting_manager;
        CREATE INDEX pipeline_manager_by_escalations ON pipeline (
            escalations DESC, deal_id)
            WHERE awaiting_manager;
        CREATE INDEX pipeline_manager_by_risk ON pipeline (
            (CASE risk_band WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2
                WHEN 'low' THEN 3 ELSE 4 END), deal_id)
            WHERE awaiting_manager;
        CREATE INDEX pipeline_manager_by_next_step ON pipeline (
            next_step_due IS NULL, next_step_due, deal_id)
            WHERE awaiting_manager;
        CREATE INDEX pipeline_manager_by_stalled_first ON pipeline (
            outcome IS NOT NULL, stalled_from IS NULL, stalled_from, deal_id)
            WHERE awaiting_manager",
    // New deals enter the search index when their transaction commits, in
    // one statement (the store's `commit`), not row by row from a trigger:
    // once FTS5 is written in a transaction it flushes its pending terms at
    // every later statement, which made imports several times slower.
    // Changes and deletions keep their triggers.
    "DROP TRIGGER deals_searchable",
    // Whom each escalation is routed to, named when it is raised (empty on
    // older ones: the deal's manager), and its raiser's withdrawal.
    "ALTER TABLE escalations ADD COLUMN routed_to TEXT NOT NULL DEFAULT '';
        ALTER TABLE escalations ADD COLUMN withdrawn_by TEXT;
        ALTER TABLE escalations ADD COLUMN withdrawn_at TEXT;
        ALTER TABLE escalations ADD COLUMN withdrawn_note TEXT;",
    // Queues and totals of open deals: the pipeline row carries the deal's
    // manager and the SA who signs its plan (a review queue narrowed to
    // "mine"), and the counts are kept per outcome (open deals apart from
    // won, lost and disqualified ones) and per those two people. The rows
    // the summary's rules now write differently (a closed deal waits on no
    // review; a plan sent back and not changed waits on the AE; a deal the
    // manager sent back waits until its step is completed again; a plan
    // naming its own SA) are dropped here and written again by the rules
    // when the database is next opened (`fill_pipeline`).
    "ALTER TABLE pipeline ADD COLUMN manager TEXT NOT NULL DEFAULT '' COLLATE NOCASE;
        ALTER TABLE pipeline ADD COLUMN plan_sa TEXT NOT NULL DEFAULT '' COLLATE NOCASE;
        UPDATE pipeline SET manager = d.manager, plan_sa = d.sa
            FROM deals d WHERE d.id = pipeline.deal_id;
        DROP TRIGGER pipeline_counted;
        DROP TRIGGER pipeline_uncounted;
        DROP TRIGGER pipeline_recounted;
        DROP TABLE pipeline_counts;
        DELETE FROM pipeline
            WHERE (outcome IS NOT NULL AND (awaiting_sa OR awaiting_manager))
            OR deal_id IN (SELECT deal_id FROM deal_content
                WHERE json_extract(body, '$.validation_plan.decision.approved') = 0
                    OR json_extract(body, '$.manager_review.approved') = 0
                    OR trim(coalesce(json_extract(body, '$.validation_plan.sa'), '')) != '');
        CREATE TABLE pipeline_counts (
            forecast         TEXT NOT NULL,
            verdict          TEXT NOT NULL,
            outcome          TEXT NOT NULL,
            owner            TEXT NOT NULL COLLATE NOCASE,
            sa               TEXT NOT NULL COLLATE NOCASE,
            manager          TEXT NOT NULL COLLATE NOCASE,
            plan_sa          TEXT NOT NULL COLLATE NOCASE,
            awaiting_sa      INTEGER NOT NULL,
            awaiting_manager INTEGER NOT NULL,
            deals            INTEGER NOT NULL,
            amount_cents     INTEGER NOT NULL,
            PRIMARY KEY (forecast, verdict, outcome, owner, sa, manager, plan_sa, awaiting_sa,
                awaiting_manager)
        ) STRICT, WITHOUT ROWID;
        INSERT INTO pipeline_counts
            SELECT forecast, coalesce(verdict, ''), coalesce(outcome, ''), owner, sa, manager,
                plan_sa, awaiting_sa, awaiting_manager, count(*), coalesce(sum(amount_cents), 0)
            FROM pipeline GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9;
        CREATE TRIGGER pipeline_counted AFTER INSERT ON pipeline BEGIN
            INSERT INTO pipeline_counts VALUES (NEW.forecast, coalesce(NEW.verdict, ''),
                coalesce(NEW.outcome, ''), NEW.owner, NEW.sa, NEW.manager, NEW.plan_sa,
                NEW.awaiting_sa, NEW.awaiting_manager, 1, coalesce(NEW.amount_cents, 0))
            ON CONFLICT DO UPDATE SET deals = deals + 1,
                amount_cents = amount_cents + excluded.amount_cents;
        END;
        CREATE TRIGGER pipeline_uncounted AFTER DELETE ON pipeline BEGIN
            UPDATE pipeline_counts SET deals = deals - 1,
                amount_cents = amount_cents - coalesce(OLD.amount_cents, 0)
            WHERE forecast = OLD.forecast AND verdict = coalesce(OLD.verdict, '')
                AND outcome = coalesce(OLD.outcome, '') AND owner = OLD.owner AND sa = OLD.sa
                AND manager = OLD.manager AND plan_sa = OLD.plan_sa
                AND awaiting_sa = OLD.awaiting_sa AND awaiting_manager = OLD.awaiting_manager;
        END;
        CREATE TRIGGER pipeline_recounted AFTER UPDATE ON pipeline BEGIN
            UPDATE pipeline_counts SET deals = deals - 1,
                amount_cents = amount_cents - coalesce(OLD.amount_cents, 0)
            WHERE forecast = OLD.forecast AND verdict = coalesce(OLD.verdict, '')
                AND outcome = coalesce(OLD.outcome, '') AND owner = OLD.owner AND sa = OLD.sa
                AND manager = OLD.manager AND plan_sa = OLD.plan_sa
                AND awaiting_sa = OLD.awaiting_sa AND awaiting_manager = OLD.awaiting_manager;
            INSERT INTO pipeline_counts VALUES (NEW.forecast, coalesce(NEW.verdict, ''),
                coalesce(NEW.outcome, ''), NEW.owner, NEW.sa, NEW.manager, NEW.plan_sa,
                NEW.awaiting_sa, NEW.awaiting_manager, 1, coalesce(NEW.amount_cents, 0))
            ON CONFLICT DO UPDATE SET deals = deals + 1,
                amount_cents = amount_cents + excluded.amount_cents;
        END;",
    // Deal warnings: the pipeline row keeps each kind that fires and the
    // instant it fires from (a JSON object, judged against the reader's
    // now). Open deals' rows are written again by the rules when the
    // database is next opened (`fill_pipeline`); closed deals have none.
    "ALTER TABLE pipeline ADD COLUMN warnings TEXT NOT NULL DEFAULT '{}';
        DELETE FROM pipeline WHERE outcome IS NULL;",
    // The open deals in each of the list's orders (the list shows open
    // deals by default): a page of them is read from these, never walking
    // past the closed deals that come first in an order (at 100,000 deals
    // the first page walked past some 37,000).
    "CREATE INDEX pipeline_open_by_close_date ON pipeline (close_date IS NULL, close_date, deal_id)
            WHERE outcome IS NULL;
        CREATE INDEX pipeline_open_by_amount ON pipeline (amount_cents IS NULL, amount_cents DESC, deal_id)
            WHERE outcome IS NULL;
        CREATE INDEX pipeline_open_by_name ON pipeline (name COLLATE NOCASE, deal_id)
            WHERE outcome IS NULL;
        CREATE INDEX pipeline_open_by_account ON pipeline (account COLLATE NOCASE, deal_id)
            WHERE outcome IS NULL;
        CREATE INDEX pipeline_open_by_owner ON pipeline (owner = '', owner COLLATE NOCASE, deal_id)
            WHERE outcome IS NULL;
        CREATE INDEX pipeline_open_by_forecast ON pipeline ((CASE forecast WHEN 'commit' THEN 0 WHEN 'best_case' THEN 1 WHEN 'pipeline' THEN 2 WHEN 'closed' THEN 3 ELSE 4 END), deal_id)
            WHERE outcome IS NULL;
        CREATE INDEX pipeline_open_by_meddpicc ON pipeline (meddpicc_total DESC, deal_id)
            WHERE outcome IS NULL;
        CREATE INDEX pipeline_open_by_steps ON pipeline (steps_complete DESC, deal_id)
            WHERE outcome IS NULL;
        CREATE INDEX pipeline_open_by_qa ON pipeline (qa_passed DESC, deal_id)
            WHERE outcome IS NULL;
        CREATE INDEX pipeline_open_by_escalations ON pipeline (escalations DESC, deal_id)
            WHERE outcome IS NULL;
        CREATE INDEX pipeline_open_by_risk ON pipeline ((CASE risk_band WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 WHEN 'low' THEN 3 ELSE 4 END), deal_id)
            WHERE outcome IS NULL;
        CREATE INDEX pipeline_open_by_next_step ON pipeline (next_step_due IS NULL, next_step_due, deal_id)
            WHERE outcome IS NULL;
        CREATE INDEX pipeline_open_by_stalled_first ON pipeline (outcome IS NOT NULL, stalled_from IS NULL, stalled_from, deal_id)
            WHERE outcome IS NULL;",
];

pub fn migrations() -> Migrations<'static> {
    Migrations::new(MIGRATIONS.iter().map(|sql| M::up(sql)).collect())
}

/// The SQL that takes a database at `version` to the latest schema, in order.
pub(crate) fn pending(version: usize) -> &'static [&'static str] {
    MIGRATIONS.get(version..).unwrap_or_default()
}

/// The tables, indexes and triggers ("table deals", "index …") schema
/// `version` has, made by running its migrations in memory (once a process).
pub(crate) fn objects_at(version: usize) -> Vec<String> {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static MADE: OnceLock<Mutex<HashMap<usize, Vec<String>>>> = OnceLock::new();
    let made = MADE.get_or_init(Mutex::default);
    if let Some(objects) = made.lock().ok().and_then(|m| m.get(&version).cloned()) {
        return objects;
    }
    let objects = make_objects_at(version);
    if let Ok(mut m) = made.lock() {
        m.insert(version, objects.clone());
    }
    objects
}

fn make_objects_at(version: usize) -> Vec<String> {
    let made = (|| -> rusqlite::Result<Vec<String>> {
        let conn = rusqlite::Connection::open_in_memory()?;
        for sql in &MIGRATIONS[..version.min(MIGRATIONS.len())] {
            conn.execute_batch(sql)?;
        }
        let mut stmt = conn.prepare(
            "SELECT type || ' ' || name FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
        )?;
        stmt.query_map([], |r| r.get(0))?.collect()
    })();
    made.unwrap_or_default()
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
    "pipeline_counts",
    "deal_search",
    "deal_search_config",
    "deal_search_content",
    "deal_search_data",
    "deal_search_docsize",
    "deal_search_idx",
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

    #[test]
    fn the_objects_of_a_version_are_those_its_migrations_make() {
        let latest = super::objects_at(super::latest_version());
        assert!(latest.contains(&"table deals".to_string()), "{latest:?}");
        assert!(latest.iter().any(|o| o.starts_with("index ")), "{latest:?}");
        assert!(
            latest.iter().any(|o| o.starts_with("trigger ")),
            "{latest:?}"
        );
        assert!(!latest.iter().any(|o| o.contains("sqlite_")), "{latest:?}");
        assert_eq!(super::objects_at(1).len(), 5, "{:?}", super::objects_at(1));
        assert!(super::objects_at(0).is_empty());
    }
}
