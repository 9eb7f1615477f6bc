//! The server's migrations after the first, each a constant named for what
//! it does, in the order `schema::MIGRATIONS` lists them (append only).

/// The list's counts kept per group (what the SQLite engine keeps too),
/// by statement triggers over each statement's rows, readable by the
/// groups a login's row rules let it see; and an index for every order
/// the list reads a page in (so that a page is read from it, not sorted).
pub(super) const PIPELINE_COUNTS: &str = r#"
CREATE TABLE qualify.pipeline_counts (
    forecast         text NOT NULL,
    verdict          text NOT NULL,
    outcome          text NOT NULL,
    owner            text NOT NULL,
    sa               text NOT NULL,
    manager          text NOT NULL,
    plan_sa          text NOT NULL,
    awaiting_sa      boolean NOT NULL,
    awaiting_manager boolean NOT NULL,
    deals            bigint NOT NULL,
    amount_cents     bigint NOT NULL,
    PRIMARY KEY (forecast, verdict, outcome, owner, sa, manager, plan_sa, awaiting_sa,
        awaiting_manager)
);
CREATE INDEX pipeline_counts_by_owner ON qualify.pipeline_counts (owner);
CREATE INDEX pipeline_counts_by_sa ON qualify.pipeline_counts (sa);
CREATE INDEX pipeline_counts_by_plan_sa ON qualify.pipeline_counts (plan_sa);
INSERT INTO qualify.pipeline_counts
    SELECT forecast, coalesce(verdict, ''), coalesce(outcome, ''), owner, sa, manager, plan_sa,
        awaiting_sa, awaiting_manager, count(*), coalesce(sum(amount_cents), 0)
    FROM qualify.pipeline GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9;

CREATE FUNCTION qualify.uncount_pipeline() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = qualify, pg_temp AS $$
BEGIN
    UPDATE qualify.pipeline_counts c SET deals = c.deals - o.n, amount_cents = c.amount_cents - o.amt
    FROM (SELECT forecast, coalesce(verdict, '') AS verdict, coalesce(outcome, '') AS outcome,
              owner, sa, manager, plan_sa, awaiting_sa, awaiting_manager, count(*) AS n,
              coalesce(sum(amount_cents), 0) AS amt
          FROM old_rows GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9) o
    WHERE c.forecast = o.forecast AND c.verdict = o.verdict AND c.outcome = o.outcome
        AND c.owner = o.owner AND c.sa = o.sa AND c.manager = o.manager
        AND c.plan_sa = o.plan_sa AND c.awaiting_sa = o.awaiting_sa
        AND c.awaiting_manager = o.awaiting_manager;
    RETURN NULL;
END $$;
CREATE FUNCTION qualify.count_pipeline() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = qualify, pg_temp AS $$
BEGIN
    INSERT INTO qualify.pipeline_counts
        SELECT forecast, coalesce(verdict, ''), coalesce(outcome, ''), owner, sa, manager,
            plan_sa, awaiting_sa, awaiting_manager, count(*), coalesce(sum(amount_cents), 0)
        FROM new_rows GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
    ON CONFLICT (forecast, verdict, outcome, owner, sa, manager, plan_sa, awaiting_sa,
        awaiting_manager)
    DO UPDATE SET deals = pipeline_counts.deals + excluded.deals,
        amount_cents = pipeline_counts.amount_cents + excluded.amount_cents;
    RETURN NULL;
END $$;
CREATE TRIGGER pipeline_uncounted AFTER DELETE ON qualify.pipeline
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
    EXECUTE FUNCTION qualify.uncount_pipeline();
CREATE TRIGGER pipeline_recounted_old AFTER UPDATE ON qualify.pipeline
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
    EXECUTE FUNCTION qualify.uncount_pipeline();
CREATE TRIGGER pipeline_recounted_new AFTER UPDATE ON qualify.pipeline
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION qualify.count_pipeline();
CREATE TRIGGER pipeline_counted AFTER INSERT ON qualify.pipeline
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION qualify.count_pipeline();
REVOKE ALL ON FUNCTION qualify.count_pipeline(), qualify.uncount_pipeline() FROM PUBLIC;

ALTER TABLE qualify.pipeline_counts ENABLE ROW LEVEL SECURITY;
CREATE POLICY counts_seen ON qualify.pipeline_counts FOR SELECT USING (
    owner = (SELECT qualify.me()) OR sa = (SELECT qualify.me())
    OR plan_sa = (SELECT qualify.me()) OR owner = ANY ((SELECT qualify.my_team())::text[]));
GRANT SELECT ON qualify.pipeline_counts TO {users};

CREATE INDEX pipeline_by_close_date ON qualify.pipeline ((close_date IS NULL), close_date, deal_id);
CREATE INDEX pipeline_by_amount ON qualify.pipeline
    ((amount_cents IS NULL), amount_cents DESC, deal_id);
CREATE INDEX pipeline_by_name ON qualify.pipeline (lower(name), deal_id);
CREATE INDEX pipeline_by_account ON qualify.pipeline (lower(account), deal_id);
CREATE INDEX pipeline_by_owner_name ON qualify.pipeline ((owner = ''), lower(owner), deal_id);
CREATE INDEX pipeline_by_forecast_rank ON qualify.pipeline (
    (CASE forecast WHEN 'commit' THEN 0 WHEN 'best_case' THEN 1 WHEN 'pipeline' THEN 2
        WHEN 'closed' THEN 3 ELSE 4 END), deal_id);
CREATE INDEX pipeline_by_steps ON qualify.pipeline (steps_complete DESC, deal_id);
CREATE INDEX pipeline_by_qa ON qualify.pipeline (qa_passed DESC, deal_id);
CREATE INDEX pipeline_by_escalations ON qualify.pipeline (escalations DESC, deal_id);
CREATE INDEX pipeline_by_risk ON qualify.pipeline (
    (CASE risk_band WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2
        WHEN 'low' THEN 3 ELSE 4 END), deal_id);
CREATE INDEX pipeline_by_next_step ON qualify.pipeline
    ((next_step_due IS NULL), next_step_due, deal_id);
CREATE INDEX pipeline_by_stalled_first ON qualify.pipeline (
    (outcome IS NOT NULL), (stalled_from IS NULL), stalled_from, deal_id);
CREATE INDEX pipeline_sa_by_close_date ON qualify.pipeline
    ((close_date IS NULL), close_date, deal_id) WHERE awaiting_sa;
CREATE INDEX pipeline_manager_by_close_date ON qualify.pipeline
    ((close_date IS NULL), close_date, deal_id) WHERE awaiting_manager;
"#;

/// The typed filter read from trigram indexes (pg_trgm, created in the
/// schema by `server init` before this runs), and the deals stalled now
/// from an index of when each open deal stalls.
pub(super) const TRIGRAMS: &str = r#"
CREATE INDEX pipeline_name_trigrams ON qualify.pipeline
    USING gin (name qualify.gin_trgm_ops);
CREATE INDEX pipeline_account_trigrams ON qualify.pipeline
    USING gin (account qualify.gin_trgm_ops);
CREATE INDEX pipeline_owner_trigrams ON qualify.pipeline
    USING gin (owner qualify.gin_trgm_ops);
CREATE INDEX pipeline_stalled_now ON qualify.pipeline (stalled_from, snoozed_until)
    WHERE outcome IS NULL;
"#;

/// Deal warnings: the pipeline row keeps each kind that fires and the
/// instant it fires from (a JSON object, judged against the reader's now);
/// a row written before shows none until its deal is next written.
pub(super) const WARNINGS: &str = r#"
ALTER TABLE qualify.pipeline ADD COLUMN warnings text NOT NULL DEFAULT '{}';
"#;

/// The list's keys under row security. The typed filter reads a narrow
/// table of each deal's words (name, account and owner, lower-cased, kept
/// by statement triggers on the pipeline rows) through a function that
/// runs as the owner and returns only the deals its caller may see: a
/// condition on the pipeline rows themselves could not use their trigram
/// indexes for anyone but the administrator, since row security's rules
/// run first and `ILIKE` is not leak-proof. The open deals (the list's
/// default) have an index in each of the list's orders, so that a page of
/// them never walks past the closed ones; and the deals stalled now are
/// counted and totalled from their index alone.
pub(super) const LIST_UNDER_ROW_SECURITY: &str = r#"
CREATE TABLE qualify.deal_search (
    deal_id bigint PRIMARY KEY REFERENCES qualify.deals (id) ON DELETE CASCADE,
    owner   text NOT NULL,
    sa      text NOT NULL,
    plan_sa text NOT NULL,
    open    boolean NOT NULL,
    words   text NOT NULL
);
ALTER TABLE qualify.deal_search ENABLE ROW LEVEL SECURITY;
INSERT INTO qualify.deal_search
    SELECT deal_id, owner, sa, plan_sa, outcome IS NULL,
        lower(name || chr(31) || account || chr(31) || owner)
    FROM qualify.pipeline;
CREATE INDEX deal_search_trigrams ON qualify.deal_search USING gin (words qualify.gin_trgm_ops);

CREATE FUNCTION qualify.index_words() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = qualify, pg_temp AS $$
BEGIN
    INSERT INTO qualify.deal_search AS s
        SELECT deal_id, owner, sa, plan_sa, outcome IS NULL,
            lower(name || chr(31) || account || chr(31) || owner)
        FROM new_rows
    ON CONFLICT (deal_id) DO UPDATE
        SET owner = excluded.owner, sa = excluded.sa, plan_sa = excluded.plan_sa,
            open = excluded.open, words = excluded.words
        WHERE (s.owner, s.sa, s.plan_sa, s.open, s.words) IS DISTINCT FROM
            (excluded.owner, excluded.sa, excluded.plan_sa, excluded.open, excluded.words);
    RETURN NULL;
END $$;
CREATE TRIGGER pipeline_words_new AFTER INSERT ON qualify.pipeline
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION qualify.index_words();
CREATE TRIGGER pipeline_words_changed AFTER UPDATE ON qualify.pipeline
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION qualify.index_words();
REVOKE ALL ON FUNCTION qualify.index_words() FROM PUBLIC;

-- the deals whose words hold `pattern` (a LIKE pattern), the open ones only
-- or not, that the caller may see: the administrator (no person, acting as
-- the owner) every deal
CREATE FUNCTION qualify.matching(pattern text, open_only boolean) RETURNS SETOF bigint
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = qualify, pg_temp ROWS 1000 AS $$
DECLARE
    who text := qualify.me();
    team text[] := qualify.my_team();
BEGIN
    IF who IS NOT NULL THEN
        RETURN QUERY SELECT s.deal_id FROM qualify.deal_search s
            WHERE s.words LIKE lower(pattern) AND (s.open OR NOT open_only)
              AND (s.owner = who OR s.sa = who OR s.plan_sa = who
                   OR s.owner = ANY (team));
    ELSIF pg_has_role(session_user, current_user, 'MEMBER') THEN
        RETURN QUERY SELECT s.deal_id FROM qualify.deal_search s
            WHERE s.words LIKE lower(pattern) AND (s.open OR NOT open_only);
    END IF;
END $$;
REVOKE ALL ON FUNCTION qualify.matching(text, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION qualify.matching(text, boolean) TO {users};
DROP INDEX qualify.pipeline_name_trigrams;
DROP INDEX qualify.pipeline_account_trigrams;
DROP INDEX qualify.pipeline_owner_trigrams;

DROP INDEX qualify.pipeline_stalled_now;
CREATE INDEX pipeline_stalled_now ON qualify.pipeline (stalled_from, snoozed_until)
    INCLUDE (owner, sa, plan_sa, forecast, amount_cents) WHERE outcome IS NULL;

CREATE INDEX pipeline_open_by_close_date ON qualify.pipeline
    ((close_date IS NULL), close_date, deal_id) WHERE outcome IS NULL;
CREATE INDEX pipeline_open_by_amount ON qualify.pipeline
    ((amount_cents IS NULL), amount_cents DESC, deal_id) WHERE outcome IS NULL;
CREATE INDEX pipeline_open_by_name ON qualify.pipeline (lower(name), deal_id)
    WHERE outcome IS NULL;
CREATE INDEX pipeline_open_by_account ON qualify.pipeline (lower(account), deal_id)
    WHERE outcome IS NULL;
CREATE INDEX pipeline_open_by_owner_name ON qualify.pipeline
    ((owner = ''), lower(owner), deal_id) WHERE outcome IS NULL;
CREATE INDEX pipeline_open_by_forecast_rank ON qualify.pipeline (
    (CASE forecast WHEN 'commit' THEN 0 WHEN 'best_case' THEN 1 WHEN 'pipeline' THEN 2
        WHEN 'closed' THEN 3 ELSE 4 END), deal_id) WHERE outcome IS NULL;
CREATE INDEX pipeline_open_by_meddpicc ON qualify.pipeline (meddpicc_total DESC, deal_id)
    WHERE outcome IS NULL;
CREATE INDEX pipeline_open_by_steps ON qualify.pipeline (steps_complete DESC, deal_id)
    WHERE outcome IS NULL;
CREATE INDEX pipeline_open_by_qa ON qualify.pipeline (qa_passed DESC, deal_id)
    WHERE outcome IS NULL;
CREATE INDEX pipeline_open_by_escalations ON qualify.pipeline (escalations DESC, deal_id)
    WHERE outcome IS NULL;
CREATE INDEX pipeline_open_by_risk ON qualify.pipeline (
    (CASE risk_band WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2
        WHEN 'low' THEN 3 ELSE 4 END), deal_id) WHERE outcome IS NULL;
CREATE INDEX pipeline_open_by_next_step ON qualify.pipeline
    ((next_step_due IS NULL), next_step_due, deal_id) WHERE outcome IS NULL;
"#;

/// The rows of a deal's other tables are those of the deals the login
/// sees, asked per row (`EXISTS`, a look-up by the deal's key) rather than
/// as a set (`IN`, which row security's rules made a hash of every deal
/// the login sees, built again for each read of one deal: 50 ms for a
/// manager of 50,000 deals); the planner still hashes for a read of many.
pub(super) const POLICIES_BY_KEY: &str = r#"
DROP POLICY pipeline_written ON qualify.pipeline;
DROP POLICY pipeline_rewritten ON qualify.pipeline;
DROP POLICY steps_seen ON qualify.steps;
DROP POLICY steps_written ON qualify.steps;
DROP POLICY steps_changed ON qualify.steps;
DROP POLICY content_seen ON qualify.deal_content;
DROP POLICY content_written ON qualify.deal_content;
DROP POLICY content_changed ON qualify.deal_content;
DROP POLICY escalations_seen ON qualify.escalations;
DROP POLICY escalations_raised ON qualify.escalations;
DROP POLICY escalations_changed ON qualify.escalations;
DROP POLICY audit_seen ON qualify.audit;
DROP POLICY audit_written ON qualify.audit;
DROP POLICY signoffs_seen ON qualify.signoffs;
CREATE POLICY pipeline_written ON qualify.pipeline FOR INSERT WITH CHECK (EXISTS (SELECT 1 FROM qualify.deals d WHERE d.id = deal_id));
CREATE POLICY pipeline_rewritten ON qualify.pipeline FOR UPDATE USING (EXISTS (SELECT 1 FROM qualify.deals d WHERE d.id = deal_id)) WITH CHECK (EXISTS (SELECT 1 FROM qualify.deals d WHERE d.id = deal_id));
CREATE POLICY steps_seen ON qualify.steps FOR SELECT USING (EXISTS (SELECT 1 FROM qualify.deals d WHERE d.id = deal_id));
CREATE POLICY steps_written ON qualify.steps FOR INSERT WITH CHECK (EXISTS (SELECT 1 FROM qualify.deals d WHERE d.id = deal_id
        AND d.owner = (SELECT qualify.me())));
CREATE POLICY steps_changed ON qualify.steps FOR UPDATE USING (EXISTS (SELECT 1 FROM qualify.deals d WHERE d.id = deal_id));
CREATE POLICY content_seen ON qualify.deal_content FOR SELECT USING (EXISTS (SELECT 1 FROM qualify.deals d WHERE d.id = deal_id));
CREATE POLICY content_written ON qualify.deal_content FOR INSERT WITH CHECK (EXISTS (SELECT 1 FROM qualify.deals d WHERE d.id = deal_id
        AND d.owner = (SELECT qualify.me())));
CREATE POLICY content_changed ON qualify.deal_content FOR UPDATE USING (EXISTS (SELECT 1 FROM qualify.deals d WHERE d.id = deal_id
        AND d.owner = (SELECT qualify.me())));
CREATE POLICY escalations_seen ON qualify.escalations FOR SELECT USING (EXISTS (SELECT 1 FROM qualify.deals d WHERE d.id = deal_id));
CREATE POLICY escalations_raised ON qualify.escalations FOR INSERT WITH CHECK (EXISTS (SELECT 1 FROM qualify.deals d WHERE d.id = deal_id));
CREATE POLICY escalations_changed ON qualify.escalations FOR UPDATE USING (EXISTS (SELECT 1 FROM qualify.deals d WHERE d.id = deal_id));
CREATE POLICY audit_seen ON qualify.audit FOR SELECT USING (EXISTS (SELECT 1 FROM qualify.deals d WHERE d.id = deal_id));
CREATE POLICY audit_written ON qualify.audit FOR INSERT
    WITH CHECK (who = (SELECT qualify.me()) AND EXISTS (SELECT 1 FROM qualify.deals d WHERE d.id = deal_id));
CREATE POLICY signoffs_seen ON qualify.signoffs FOR SELECT USING (EXISTS (SELECT 1 FROM qualify.deals d WHERE d.id = deal_id));
"#;

/// The owner order as a column of its own (lower-cased, byte order as on
/// SQLite, no owner last), so that the list can start and stop its walk
/// of that order at the owners the login sees: a condition on `lower()`
/// could not be used under row security (it is not leak-proof), and an
/// AE's page walked past every other owner's deals to reach their own.
pub(super) const OWNER_ORDER: &str = r#"
ALTER TABLE qualify.pipeline ADD COLUMN owner_order text COLLATE "C"
    GENERATED ALWAYS AS (CASE WHEN owner = '' THEN chr(1114111) ELSE lower(owner) END) STORED;
DROP INDEX qualify.pipeline_by_owner_name;
DROP INDEX qualify.pipeline_open_by_owner_name;
CREATE INDEX pipeline_by_owner_order ON qualify.pipeline (owner_order, deal_id);
CREATE INDEX pipeline_open_by_owner_order ON qualify.pipeline (owner_order, deal_id)
    WHERE outcome IS NULL;
"#;

/// A typed filter's page read from the deals' words alone: each holds
/// the columns the list's orders read, so that the matches are ordered
/// there and only the page's deals are read from the pipeline rows.
pub(super) const WORDS_HOLD_ORDERS: &str = r#"
ALTER TABLE qualify.deal_search
    ADD COLUMN close_date date, ADD COLUMN amount_cents bigint,
    ADD COLUMN name text NOT NULL DEFAULT '', ADD COLUMN account text NOT NULL DEFAULT '',
    ADD COLUMN owner_order text COLLATE "C", ADD COLUMN forecast text NOT NULL DEFAULT '',
    ADD COLUMN meddpicc_total integer NOT NULL DEFAULT 0,
    ADD COLUMN steps_complete integer NOT NULL DEFAULT 0,
    ADD COLUMN qa_passed integer NOT NULL DEFAULT 0, ADD COLUMN escalations integer NOT NULL DEFAULT 0,
    ADD COLUMN risk_band text, ADD COLUMN next_step_due date, ADD COLUMN outcome text,
    ADD COLUMN stalled_from bigint;
UPDATE qualify.deal_search s SET (close_date, amount_cents, name, account, owner_order, forecast, meddpicc_total, steps_complete, qa_passed, escalations, risk_band, next_step_due, outcome, stalled_from) = (SELECT p.close_date, p.amount_cents, p.name, p.account, p.owner_order, p.forecast, p.meddpicc_total, p.steps_complete, p.qa_passed, p.escalations, p.risk_band, p.next_step_due, p.outcome, p.stalled_from FROM qualify.pipeline p
    WHERE p.deal_id = s.deal_id);

CREATE OR REPLACE FUNCTION qualify.index_words() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = qualify, pg_temp AS $$
BEGIN
    INSERT INTO qualify.deal_search AS s (deal_id, owner, sa, plan_sa, open, words, close_date, amount_cents, name, account, owner_order, forecast, meddpicc_total, steps_complete, qa_passed, escalations, risk_band, next_step_due, outcome, stalled_from)
        SELECT deal_id, owner, sa, plan_sa, outcome IS NULL,
            lower(name || chr(31) || account || chr(31) || owner), close_date, amount_cents, name, account, owner_order, forecast, meddpicc_total, steps_complete, qa_passed, escalations, risk_band, next_step_due, outcome, stalled_from
        FROM new_rows
    ON CONFLICT (deal_id) DO UPDATE
        SET (owner, sa, plan_sa, open, words, close_date, amount_cents, name, account, owner_order, forecast, meddpicc_total, steps_complete, qa_passed, escalations, risk_band, next_step_due, outcome, stalled_from) = (excluded.owner, excluded.sa,
            excluded.plan_sa, excluded.open, excluded.words, excluded.close_date, excluded.amount_cents, excluded.name, excluded.account, excluded.owner_order, excluded.forecast, excluded.meddpicc_total, excluded.steps_complete, excluded.qa_passed, excluded.escalations, excluded.risk_band, excluded.next_step_due, excluded.outcome, excluded.stalled_from)
        WHERE (s.*) IS DISTINCT FROM (excluded.*);
    RETURN NULL;
END $$;

-- the deals' words rows that `matching` gives (with the columns the list's
-- orders read)
CREATE FUNCTION qualify.matching_rows(pattern text, open_only boolean)
    RETURNS SETOF qualify.deal_search
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = qualify, pg_temp ROWS 1000 AS $$
DECLARE
    who text := qualify.me();
    team text[] := qualify.my_team();
BEGIN
    IF who IS NOT NULL THEN
        RETURN QUERY SELECT s.* FROM qualify.deal_search s
            WHERE s.words LIKE lower(pattern) AND (s.open OR NOT open_only)
              AND (s.owner = who OR s.sa = who OR s.plan_sa = who
                   OR s.owner = ANY (team));
    ELSIF pg_has_role(session_user, current_user, 'MEMBER') THEN
        RETURN QUERY SELECT s.* FROM qualify.deal_search s
            WHERE s.words LIKE lower(pattern) AND (s.open OR NOT open_only);
    END IF;
END $$;
REVOKE ALL ON FUNCTION qualify.matching_rows(text, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION qualify.matching_rows(text, boolean) TO {users};
"#;
