//! The list on the server: the pipeline rows the login may see (row
//! security picks them), filtered and sorted as the SQLite engine does.

use super::conn::Server;
use super::words::{FIRST, Found, WORD_SEPARATOR, words_only};
use crate::domain::choices::Choice;
use crate::domain::criteria::Verdict;
use crate::domain::deal::{DealId, DealSummary};
use crate::domain::money::Money;
use crate::domain::pipeline::{ForecastCategory, OutcomeKind};
use crate::domain::warnings;
use crate::store::error::Result;
use crate::store::list::{CategoryTotal, ListQuery, ListSort, OutcomeTotal, Queue, WarningTotal};
use postgres::types::ToSql;

type Args = Vec<Box<dyn ToSql + Sync>>;

/// The sort's terms over the pipeline row `p` (which holds the deal's list
/// columns), each with whether it is descending, the deal's id last.
fn terms(sort: ListSort) -> &'static [(&'static str, bool)] {
    match sort {
        ListSort::CloseDate => &[
            ("(p.close_date IS NULL)", false),
            ("p.close_date", false),
            ("p.deal_id", false),
        ],
        ListSort::Amount => &[
            ("(p.amount_cents IS NULL)", false),
            ("p.amount_cents", true),
            ("p.deal_id", false),
        ],
        ListSort::Name => &[("lower(p.name)", false), ("p.deal_id", false)],
        ListSort::Account => &[("lower(p.account)", false), ("p.deal_id", false)],
        ListSort::Owner => &[("p.owner_order", false), ("p.deal_id", false)],
        ListSort::Forecast => &[
            (
                "(CASE p.forecast WHEN 'commit' THEN 0 WHEN 'best_case' THEN 1
                    WHEN 'pipeline' THEN 2 WHEN 'closed' THEN 3 ELSE 4 END)",
                false,
            ),
            ("p.deal_id", false),
        ],
        ListSort::Meddpicc => &[("p.meddpicc_total", true), ("p.deal_id", false)],
        ListSort::Steps => &[("p.steps_complete", true), ("p.deal_id", false)],
        ListSort::Qa => &[("p.qa_passed", true), ("p.deal_id", false)],
        ListSort::Escalations => &[("p.escalations", true), ("p.deal_id", false)],
        ListSort::Risk => &[
            (
                "(CASE p.risk_band WHEN 'critical' THEN 0 WHEN 'high' THEN 1
                    WHEN 'medium' THEN 2 WHEN 'low' THEN 3 ELSE 4 END)",
                false,
            ),
            ("p.deal_id", false),
        ],
        ListSort::NextStep => &[
            ("(p.next_step_due IS NULL)", false),
            ("p.next_step_due", false),
            ("p.deal_id", false),
        ],
        ListSort::Stalled => &[
            ("(p.outcome IS NOT NULL)", false),
            ("(p.stalled_from IS NULL)", false),
            ("p.stalled_from", false),
            ("p.deal_id", false),
        ],
    }
}

fn order_by(query: &ListQuery) -> String {
    terms(query.sort)
        .iter()
        .map(|(term, desc)| {
            // each nullable column follows its own IS NULL term, so where
            // NULLs fall within it never matters: the index's order is kept
            if desc ^ query.reverse {
                format!("{term} DESC")
            } else {
                term.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn stalled_sql(at: &str) -> String {
    format!(
        "(p.outcome IS NULL AND p.stalled_from <= {at}
          AND (p.snoozed_until IS NULL OR p.snoozed_until <= {at}))"
    )
}

/// A condition with its one parameter (every `?` in `clause` is it).
fn bind(sql: &mut String, args: &mut Args, clause: &str, value: Box<dyn ToSql + Sync>) {
    args.push(value);
    sql.push_str(&clause.replace('?', &format!("${}", args.len())));
}

/// The conditions over the columns the pipeline rows (`t` = `p`) and the
/// counts kept per group (`t` = `c`) both have; `open` is an open deal's
/// condition over `t`.
fn group_conditions(query: &ListQuery, t: &str, open: &str, args: &mut Args) -> String {
    let mut sql = String::from("TRUE");
    let lower = |v: &str| v.trim().to_lowercase();
    if let Some(owner) = &query.owner {
        bind(
            &mut sql,
            args,
            &format!(" AND lower({t}.owner) = ?"),
            Box::new(lower(owner)),
        );
    }
    if let Some(sa) = &query.sa {
        bind(
            &mut sql,
            args,
            &format!(" AND lower({t}.sa) = ?"),
            Box::new(lower(sa)),
        );
    }
    if let Some(category) = query.category {
        bind(
            &mut sql,
            args,
            &format!(" AND {t}.forecast = ?"),
            Box::new(category.key()),
        );
    }
    if let Some(verdict) = query.verdict {
        bind(
            &mut sql,
            args,
            &format!(" AND {t}.verdict = ?"),
            Box::new(verdict.key()),
        );
    }
    if query.open_only {
        sql.push_str(&format!(" AND {open}"));
    }
    if let Some(me) = &query.mine {
        let is = |column: &str| format!("lower({t}.{column}) = ?");
        let clause = match query.queue {
            Queue::SaSignOff => format!(" AND {}", is("plan_sa")),
            Queue::ManagerReview => format!(" AND {}", is("manager")),
            Queue::All => format!(
                " AND ({} OR {} OR {} OR {})",
                is("owner"),
                is("sa"),
                is("plan_sa"),
                is("manager")
            ),
        };
        bind(&mut sql, args, &clause, Box::new(lower(me)));
    }
    sql.push_str(&match query.queue {
        Queue::All => String::new(),
        Queue::SaSignOff => format!(" AND {t}.awaiting_sa"),
        Queue::ManagerReview => format!(" AND {t}.awaiting_manager"),
    });
    sql
}

/// In the owner order, the walk held between the first and the last owner
/// of the deals the login sees (the counts kept per group tell them, under
/// the same rules): an AE's page starts at their own deals.
fn owners_seen(query: &ListQuery) -> &'static str {
    if query.sort != ListSort::Owner {
        return "";
    }
    " AND p.owner_order BETWEEN
        (SELECT min(CASE WHEN c.owner = '' THEN chr(1114111) ELSE lower(c.owner) END COLLATE \"C\")
         FROM qualify.pipeline_counts c WHERE c.deals > 0)
      AND (SELECT max(CASE WHEN c.owner = '' THEN chr(1114111) ELSE lower(c.owner) END COLLATE \"C\")
         FROM qualify.pipeline_counts c WHERE c.deals > 0)"
}

/// The WHERE clause over the pipeline row `p` and its parameters.
fn conditions(query: &ListQuery, args: &mut Args) -> String {
    let mut sql = group_conditions(query, "p", "p.outcome IS NULL", args);
    let filter = query.filter.trim();
    if !filter.is_empty() {
        // the deals' words are kept lower-cased, a unit separator between
        // name, account and owner: a filter holding one matches nothing
        if filter.contains(WORD_SEPARATOR) {
            sql.push_str(" AND FALSE");
        } else {
            bind(
                &mut sql,
                args,
                &format!(
                    " AND p.deal_id IN (SELECT qualify.matching(?, {}))",
                    query.open_only
                ),
                Box::new(query.like_pattern()),
            );
        }
    }
    let now = query.now.timestamp();
    if query.stalled {
        bind(
            &mut sql,
            args,
            &format!(" AND {}", stalled_sql("?")),
            Box::new(now),
        );
    }
    if query.overdue {
        bind(&mut sql, args, " AND p.overdue_from <= ?", Box::new(now));
    }
    if let Some(kind) = query.warning {
        // the kind's key is one of a fixed list of [a-z_] words
        let clause = format!(
            " AND ((p.warnings::jsonb) ->> '{}')::bigint <= ?",
            kind.key()
        );
        bind(&mut sql, args, &clause, Box::new(now));
    }
    sql
}

/// Whether the query is answered from the counts kept per group (no typed
/// filter, nothing judged against the clock).
fn counted(query: &ListQuery) -> bool {
    query.filter.trim().is_empty() && !query.stalled && !query.overdue && query.warning.is_none()
}

/// The same conditions over the counts `c` (for a [`counted`] query).
fn count_conditions(query: &ListQuery, args: &mut Args) -> String {
    group_conditions(query, "c", "c.outcome = ''", args)
}

/// The list row's columns over `p`; `now` is the parameter holding the
/// reader's now (Unix seconds).
fn row_columns(now: &str) -> String {
    format!(
        "p.deal_id, p.name, p.account, p.amount_cents, p.close_date,
        (SELECT d.stage FROM qualify.deals d WHERE d.id = p.deal_id), p.owner, p.sa,
        p.steps_complete, p.steps_blocked, p.forecast, p.verdict, p.meddpicc_total,
        p.meddpicc_max, p.qa_passed, p.qa_total,
        (SELECT count(*) FROM unnest(p.escalation_starts) v WHERE v <= {now})::bigint,
        (SELECT count(*) FROM unnest(p.escalation_dues) v WHERE v <= {now})::bigint,
        p.risk_band, p.next_step_due, coalesce({stalled}, false), p.outcome,
        (CASE WHEN p.outcome IS NULL AND p.snoozed_until > {now} THEN p.snoozed_until END),
        p.warnings, {now}::bigint",
        stalled = stalled_sql(now)
    )
}

fn summary_from_row(r: &postgres::Row) -> DealSummary {
    let forecast: String = r.get(10);
    let verdict: Option<String> = r.get(11);
    let outcome: Option<String> = r.get(21);
    let small = |i: usize| u8::try_from(r.get::<_, i32>(i)).unwrap_or(u8::MAX);
    DealSummary {
        id: DealId(r.get(0)),
        name: r.get(1),
        account: r.get(2),
        amount: r.get::<_, Option<i64>>(3).map(Money::from_cents),
        close_date: r.get(4),
        stage: r.get(5),
        owner: r.get(6),
        sa: r.get(7),
        steps_complete: small(8),
        steps_blocked: small(9),
        forecast: ForecastCategory::parse(&forecast).unwrap_or(ForecastCategory::Pipeline),
        verdict: verdict.as_deref().and_then(Verdict::parse),
        meddpicc_total: r.get::<_, i32>(12).max(0) as u32,
        meddpicc_max: r.get::<_, i32>(13).max(0) as u32,
        qa_passed: small(14),
        qa_total: small(15),
        escalations_open: r.get::<_, i64>(16).max(0) as u32,
        escalations_overdue: r.get::<_, i64>(17).max(0) as u32,
        risk_band: r.get(18),
        next_step_due: r.get(19),
        stalled: r.get(20),
        outcome: outcome.as_deref().and_then(OutcomeKind::parse),
        snoozed_until: r
            .get::<_, Option<i64>>(22)
            .and_then(|at| chrono::DateTime::from_timestamp(at, 0))
            .map(|at| at.date_naive()),
        warnings: chrono::DateTime::from_timestamp(r.get(24), 0)
            .map(|now| warnings::row_kinds(r.get(23), now))
            .unwrap_or_default(),
    }
}

fn refs(args: &Args) -> Vec<&(dyn ToSql + Sync)> {
    args.iter()
        .map(|a| a.as_ref() as &(dyn ToSql + Sync))
        .collect()
}

impl Server {
    pub(super) fn count_deals(&self, query: &ListQuery) -> Result<usize> {
        self.found.replace(None);
        if words_only(query) {
            return self.count_words(query);
        }
        let mut args = Args::new();
        let sql = if counted(query) {
            let cond = count_conditions(query, &mut args);
            format!(
                "SELECT coalesce(sum(c.deals), 0)::bigint FROM qualify.pipeline_counts c WHERE {cond}"
            )
        } else {
            let cond = conditions(query, &mut args);
            format!("SELECT count(*) FROM qualify.pipeline p WHERE {cond}")
        };
        let row = self
            .conn()?
            .query_one(&sql, &refs(&args))
            .map_err(|e| self.fail(e))?;
        Ok(row.get::<_, i64>(0) as usize)
    }

    /// The deals' words that hold the pattern in parameter `pattern`, the
    /// open ones only when parameter `open_only` says so, that the login may
    /// see: through `qualify.matching_rows` for a person; read directly by
    /// the administrator, who acts as the tables' owner (no row rules apply).
    fn words_matching(&self, pattern: usize, open_only: usize) -> String {
        if self.owner_role.is_some() {
            format!(
                "(SELECT * FROM qualify.deal_search
                  WHERE words LIKE lower(${pattern}) AND (open OR NOT ${open_only}))"
            )
        } else {
            format!("qualify.matching_rows(${pattern}, ${open_only})")
        }
    }

    /// A typed filter's count, its first deals kept for the page read next.
    fn count_words(&self, query: &ListQuery) -> Result<usize> {
        let rows = self
            .conn()?
            .query(
                &format!(
                    "SELECT count(*) OVER (), p.deal_id FROM {} p ORDER BY {} LIMIT $3",
                    self.words_matching(1, 2),
                    order_by(query)
                ),
                &[&query.like_pattern(), &query.open_only, &(FIRST as i64)],
            )
            .map_err(|e| self.fail(e))?;
        let total = rows
            .first()
            .map_or(0, |r| r.get::<_, i64>(0).max(0) as usize);
        self.found.replace(Some(Found {
            query: query.clone(),
            total,
            first: rows.iter().map(|r| r.get(1)).collect(),
        }));
        Ok(total)
    }

    /// The page a typed filter's count found (`offset`, `limit`), when it
    /// holds it: the rows of those deals that hold the words still.
    fn found_page(
        &self,
        query: &ListQuery,
        offset: usize,
        limit: usize,
    ) -> Result<Option<Vec<DealSummary>>> {
        let Some(found) = self.found.take() else {
            return Ok(None);
        };
        let held =
            found.first.len() == found.total || offset.saturating_add(limit) <= found.first.len();
        if found.query != *query || !held {
            return Ok(None);
        }
        let ids: Vec<i64> = found
            .first
            .iter()
            .skip(offset)
            .take(limit)
            .copied()
            .collect();
        let rows = self
            .conn()?
            .query(
                &format!(
                    "SELECT {} FROM qualify.pipeline p WHERE p.deal_id = ANY($2)
                       AND (p.name ILIKE $3 OR p.account ILIKE $3 OR p.owner ILIKE $3)
                     ORDER BY {}",
                    row_columns("$1"),
                    order_by(query)
                ),
                &[&query.now.timestamp(), &ids, &query.like_pattern()],
            )
            .map_err(|e| self.fail(e))?;
        Ok(Some(rows.iter().map(summary_from_row).collect()))
    }

    /// The matching deals' count and amount grouped by a column of the
    /// counts (`counted`), or by the same over the pipeline rows.
    fn totals_by(
        &self,
        query: &ListQuery,
        counted_by: &str,
        group: &str,
    ) -> Result<Vec<(String, i64, i64)>> {
        let mut args = Args::new();
        let sql = if counted(query) {
            let cond = count_conditions(query, &mut args);
            format!(
                "SELECT c.{counted_by}, sum(c.deals)::bigint, sum(c.amount_cents)::bigint
                 FROM qualify.pipeline_counts c WHERE {cond} GROUP BY 1"
            )
        } else {
            let cond = conditions(query, &mut args);
            format!(
                "SELECT {group}, count(*), coalesce(sum(p.amount_cents), 0)::bigint
                 FROM qualify.pipeline p WHERE {cond} GROUP BY 1"
            )
        };
        let rows = self
            .conn()?
            .query(&sql, &refs(&args))
            .map_err(|e| self.fail(e))?;
        Ok(rows
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2)))
            .collect())
    }

    pub(super) fn category_totals(&self, query: &ListQuery) -> Result<Vec<CategoryTotal>> {
        let rows = self.totals_by(query, "forecast", "p.forecast")?;
        Ok(CategoryTotal::from_rows(&rows))
    }

    /// The count and the totals per category from one read: the count is
    /// the sum over every group the read gives (a category this build does
    /// not know included), so it is the count a read of its own gives.
    pub(super) fn count_and_totals(
        &self,
        query: &ListQuery,
    ) -> Result<(usize, Vec<CategoryTotal>)> {
        let rows = self.totals_by(query, "forecast", "p.forecast")?;
        let count: i64 = rows.iter().map(|(_, deals, _)| deals).sum();
        Ok((count.max(0) as usize, CategoryTotal::from_rows(&rows)))
    }

    pub(super) fn outcome_totals(&self, query: &ListQuery) -> Result<Vec<OutcomeTotal>> {
        let query = ListQuery {
            open_only: false,
            ..query.clone()
        };
        let rows = self.totals_by(&query, "outcome", "coalesce(p.outcome, '')")?;
        Ok(OutcomeTotal::from_rows(&rows))
    }

    pub(super) fn warning_totals(&self, query: &ListQuery) -> Result<Vec<WarningTotal>> {
        let query = ListQuery {
            open_only: true,
            ..query.clone()
        };
        let mut args = Args::new();
        let cond = conditions(&query, &mut args);
        args.push(Box::new(query.now.timestamp()));
        let rows = self
            .client
            .borrow_mut()
            .query(
                &format!(
                    "SELECT w.key, count(*)::bigint, coalesce(sum(p.amount_cents), 0)::bigint
                     FROM qualify.pipeline p, jsonb_each_text(p.warnings::jsonb) w
                     WHERE {cond} AND w.value::bigint <= ${} GROUP BY w.key",
                    args.len()
                ),
                &refs(&args),
            )
            .map_err(|e| self.fail(e))?;
        let rows: Vec<(String, i64, i64)> = rows
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2)))
            .collect();
        Ok(WarningTotal::of_rows(&rows))
    }

    pub(super) fn count_overdue_escalations(&self, query: &ListQuery) -> Result<usize> {
        let others = ListQuery {
            overdue: false,
            ..query.clone()
        };
        let mut args = Args::new();
        let cond = conditions(&others, &mut args);
        args.push(Box::new(query.now.timestamp()));
        let now = format!("${}", args.len());
        let row = self
            .conn()?
            .query_one(
                &format!(
                    "SELECT coalesce(sum((SELECT count(*) FROM unnest(p.escalation_dues) v
                        WHERE v <= {now})), 0)::bigint
                     FROM qualify.pipeline p WHERE {cond} AND p.overdue_from <= {now}"
                ),
                &refs(&args),
            )
            .map_err(|e| self.fail(e))?;
        Ok(row.get::<_, i64>(0) as usize)
    }

    pub(super) fn most_overdue(&self, query: &ListQuery, limit: usize) -> Result<Vec<DealSummary>> {
        let others = ListQuery {
            overdue: false,
            ..query.clone()
        };
        let mut args = Args::new();
        let cond = conditions(&others, &mut args);
        args.push(Box::new(query.now.timestamp()));
        let now = format!("${}", args.len());
        args.push(Box::new(limit.min(i64::MAX as usize) as i64));
        let lim = format!("${}", args.len());
        let rows = self
            .conn()?
            .query(
                &format!(
                    "SELECT {} FROM qualify.pipeline p
                     WHERE {cond} AND p.overdue_from <= {now}
                     ORDER BY p.overdue_from, p.deal_id LIMIT {lim}",
                    row_columns(&now)
                ),
                &refs(&args),
            )
            .map_err(|e| self.fail(e))?;
        Ok(rows.iter().map(summary_from_row).collect())
    }

    pub(super) fn people(&self, sa: bool) -> Result<Vec<String>> {
        let column = if sa { "sa" } else { "owner" };
        let rows = self
            .conn()?
            .query(
                &format!(
                    "SELECT {column} FROM qualify.pipeline_counts WHERE {column} != ''
                     GROUP BY {column} HAVING sum(deals) > 0 ORDER BY lower({column}), {column}"
                ),
                &[],
            )
            .map_err(|e| self.fail(e))?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    /// The rows from `offset` on, at most `limit`, a page at a time.
    pub(super) fn list_rows(
        &self,
        query: &ListQuery,
        offset: usize,
        limit: usize,
        each: &mut dyn FnMut(DealSummary) -> Result<()>,
    ) -> Result<()> {
        if let Some(page) = self.found_page(query, offset, limit)? {
            for row in page {
                each(row)?;
            }
            return Ok(());
        }
        const PAGE: usize = 1_000;
        let mut at = offset;
        let end = offset.saturating_add(limit);
        while at < end {
            let take = (end - at).min(PAGE);
            let mut args = Args::new();
            // the typed filter alone has no conditions over the rows
            let cond = if words_only(query) {
                String::new()
            } else {
                conditions(query, &mut args)
            };
            args.push(Box::new(query.now.timestamp()));
            let now = format!("${}", args.len());
            args.push(Box::new(take as i64));
            args.push(Box::new(at.min(i64::MAX as usize) as i64));
            let n = args.len();
            let sql = if words_only(query) {
                // the typed filter alone: the matches ordered among the
                // deals' words (which hold the orders' columns), and only
                // the page's deals read from their rows
                args.push(Box::new(query.like_pattern()));
                args.push(Box::new(query.open_only));
                format!(
                    "SELECT {} FROM qualify.pipeline p WHERE p.deal_id IN (
                        SELECT p.deal_id FROM {} p
                        ORDER BY {order} LIMIT ${} OFFSET ${n})
                     ORDER BY {order}",
                    row_columns(&now),
                    self.words_matching(n + 1, n + 2),
                    n - 1,
                    order = order_by(query),
                )
            } else {
                format!(
                    "SELECT {} FROM qualify.pipeline p
                     WHERE {cond}{} ORDER BY {} LIMIT ${} OFFSET ${n}",
                    row_columns(&now),
                    owners_seen(query),
                    order_by(query),
                    n - 1
                )
            };
            let rows = self
                .conn()?
                .query(&sql, &refs(&args))
                .map_err(|e| self.fail(e))?;
            let got = rows.len();
            for r in &rows {
                each(summary_from_row(r))?;
            }
            if got < take {
                break;
            }
            at += got;
        }
        Ok(())
    }
}
