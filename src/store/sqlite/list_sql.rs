//! What a list query is in SQL: its conditions, its order (each the
//! columns of one index, so that a page is read from it and never sorted)
//! and the columns of a list row.

use crate::domain::choices::Choice;
use crate::domain::criteria::Verdict;
use crate::domain::deal::DealSummary;
use crate::domain::money::Money;
use crate::domain::pipeline::{ForecastCategory, OutcomeKind};
use crate::domain::warnings;
use crate::store::list::{ListQuery, ListSort, Queue};
use rusqlite::Row;
use rusqlite::types::ToSql;

impl ListSort {
    /// Whether the order is a pipeline column's (read from the pipeline's
    /// indexes) rather than a deal's.
    fn on_pipeline(self) -> bool {
        !matches!(
            self,
            ListSort::CloseDate
                | ListSort::Amount
                | ListSort::Name
                | ListSort::Account
                | ListSort::Owner
        )
    }

    /// The order's terms, each with whether it is descending; every order
    /// is exactly the columns of one index (see the schema), the deal's id
    /// last, so that a page is read from that index and never sorted.
    fn terms(self) -> &'static [(&'static str, bool)] {
        match self {
            ListSort::CloseDate => &[
                ("d.close_date IS NULL", false),
                ("d.close_date", false),
                ("d.id", false),
            ],
            ListSort::Amount => &[
                ("d.amount_cents IS NULL", false),
                ("d.amount_cents", true),
                ("d.id", false),
            ],
            ListSort::Name => &[("d.name COLLATE NOCASE", false), ("d.id", false)],
            ListSort::Account => &[("d.account COLLATE NOCASE", false), ("d.id", false)],
            ListSort::Owner => &[
                ("d.owner = ''", false),
                ("d.owner COLLATE NOCASE", false),
                ("d.id", false),
            ],
            ListSort::Forecast => &[
                (
                    "(CASE p.forecast WHEN 'commit' THEN 0 WHEN 'best_case' THEN 1 WHEN 'pipeline' THEN 2
                WHEN 'closed' THEN 3 ELSE 4 END)",
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
                    "(CASE p.risk_band WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2
                WHEN 'low' THEN 3 ELSE 4 END)",
                    false,
                ),
                ("p.deal_id", false),
            ],
            ListSort::NextStep => &[
                ("p.next_step_due IS NULL", false),
                ("p.next_step_due", false),
                ("p.deal_id", false),
            ],
            ListSort::Stalled => &[
                ("p.outcome IS NOT NULL", false),
                ("p.stalled_from IS NULL", false),
                ("p.stalled_from", false),
                ("p.deal_id", false),
            ],
        }
    }

    /// The ORDER BY clause, or its exact reverse; `on_pipeline`, over the
    /// pipeline's copies of the deal's columns (a review queue's indexes).
    fn order_by(self, reverse: bool, on_pipeline: bool) -> String {
        self.terms()
            .iter()
            .map(|(term, desc)| {
                let term = if on_pipeline {
                    term.replace("d.id", "p.deal_id").replace("d.", "p.")
                } else {
                    term.to_string()
                };
                if desc ^ reverse {
                    format!("{term} DESC")
                } else {
                    term
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl Queue {
    /// The condition; each queue's page is read from its own partial
    /// indexes (one per sort), which this term selects.
    fn sql(self) -> &'static str {
        match self {
            Queue::All => "",
            Queue::SaSignOff => " AND p.awaiting_sa",
            Queue::ManagerReview => " AND p.awaiting_manager",
        }
    }
}

/// Which tables a list query's conditions name.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Needs {
    pub(super) deals: bool,
    pipeline: bool,
}

impl ListQuery {
    /// The typed filter as a full-text phrase, when it is long enough for
    /// the trigram index (three characters); shorter ones are matched with
    /// LIKE.
    pub(super) fn phrase(&self) -> Option<String> {
        let text = self.filter.trim();
        (text.chars().count() >= 3).then(|| format!("\"{}\"", text.replace('"', "\"\"")))
    }

    /// Whether the query is answered from the counts kept per group alone
    /// (no typed filter, nothing judged against the clock).
    pub(super) fn counted(&self) -> bool {
        self.filter.trim().is_empty() && !self.stalled && !self.overdue && self.warning.is_none()
    }

    /// "mine" as a condition over the people columns of the table `t` (the
    /// pipeline row, or the counts), `plus` before each column (see
    /// [`ListQuery::conditions_with`]), with `?` for the name: in a review
    /// queue, the person who signs; else anyone on the deal.
    fn mine_sql(&self, t: &str, plus: &str) -> String {
        let is = |column: &str| format!("{plus}{t}.{column} = ? COLLATE NOCASE");
        match self.queue {
            Queue::SaSignOff => format!(" AND {}", is("plan_sa")),
            Queue::ManagerReview => format!(" AND {}", is("manager")),
            Queue::All => format!(
                " AND ({} OR {} OR {} OR {})",
                is("owner"),
                is("sa"),
                is("plan_sa"),
                is("manager")
            ),
        }
    }

    /// Whether the typed filter is the only condition (every deal has its
    /// pipeline row, so its matches in the full-text index are the rows).
    pub(super) fn searched_only(&self) -> bool {
        self.filter_alone() && !self.open_only
    }

    /// The WHERE clause (after `WHERE 1`) and its parameters, from ?1 on;
    /// `id` is the driving table's id column (`d.id` or `p.deal_id`).
    pub(super) fn conditions(&self, id: &str) -> (String, Vec<Box<dyn ToSql>>, Needs) {
        self.conditions_with(id, true)
    }

    /// [`ListQuery::conditions`]; with `ordered`, a typed filter's matches
    /// are tested against each id read in the sort's order, else they are
    /// the ids the query starts from (a count).
    pub(super) fn conditions_with(
        &self,
        id: &str,
        ordered: bool,
    ) -> (String, Vec<Box<dyn ToSql>>, Needs) {
        let mut sql = String::new();
        let mut args: Vec<Box<dyn ToSql>> = Vec::new();
        let mut needs = Needs::default();
        // in the sort's order, each condition tests a row read from the
        // sort's index (`+` keeps the planner from reading another index)
        let plus = if ordered { "+" } else { "" };
        let mut bind = |sql: &mut String, clause: &str, value: Box<dyn ToSql>| {
            args.push(value);
            sql.push_str(&clause.replace('?', &format!("?{}", args.len())));
        };
        if let Some(phrase) = self.phrase() {
            // `+` keeps the planner reading the sort's index, testing each
            // id against the matches (read once), instead of sorting them
            bind(
                &mut sql,
                &format!(
                    " AND {}{id} IN (SELECT rowid FROM deal_search WHERE deal_search MATCH ?)",
                    plus
                ),
                Box::new(phrase),
            );
        } else if !self.filter.trim().is_empty() {
            needs.deals = true;
            bind(
                &mut sql,
                " AND (d.name LIKE ? ESCAPE '\\' OR d.account LIKE ? ESCAPE '\\' OR d.owner LIKE ? ESCAPE '\\')",
                Box::new(self.like_pattern()),
            );
        }
        if let Some(owner) = &self.owner {
            needs.deals = true;
            bind(
                &mut sql,
                &format!(" AND {plus}d.owner = ? COLLATE NOCASE"),
                Box::new(owner.trim().to_string()),
            );
        }
        if let Some(sa) = &self.sa {
            needs.deals = true;
            bind(
                &mut sql,
                &format!(" AND {plus}d.sa = ? COLLATE NOCASE"),
                Box::new(sa.trim().to_string()),
            );
        }
        if let Some(category) = self.category {
            needs.pipeline = true;
            bind(
                &mut sql,
                &format!(" AND {plus}p.forecast = ?"),
                Box::new(category.key()),
            );
        }
        if let Some(verdict) = self.verdict {
            needs.pipeline = true;
            bind(
                &mut sql,
                &format!(" AND {plus}p.verdict = ?"),
                Box::new(verdict.key()),
            );
        }
        if self.stalled {
            needs.pipeline = true;
            bind(
                &mut sql,
                &format!(" AND {plus}{}", stalled_sql("?")),
                Box::new(self.now.timestamp()),
            );
        }
        if self.overdue {
            needs.pipeline = true;
            bind(
                &mut sql,
                &format!(" AND {plus}p.overdue_from <= ?"),
                Box::new(self.now.timestamp()),
            );
        }
        if self.open_only {
            needs.pipeline = true;
            // outside a queue, no `+`: the term is what lets the open
            // deals' partial index be read
            let plus = if self.queue == Queue::All { "" } else { plus };
            sql.push_str(&format!(" AND {plus}p.outcome IS NULL"));
        }
        if let Some(kind) = self.warning {
            // the kind's key is one of a fixed list of [a-z_] words
            needs.pipeline = true;
            bind(
                &mut sql,
                &format!(
                    " AND {plus}json_extract(p.warnings, '$.{}') <= ?",
                    kind.key()
                ),
                Box::new(self.now.timestamp()),
            );
        }
        if let Some(me) = &self.mine {
            needs.pipeline = true;
            bind(
                &mut sql,
                &self.mine_sql("p", plus),
                Box::new(me.trim().to_string()),
            );
        }
        if self.queue != Queue::All {
            needs.pipeline = true;
        }
        // no `+`: the queue's term is what lets its partial index be read
        sql.push_str(self.queue.sql());
        (sql, args, needs)
    }

    /// Whether a page is read from a pipeline index: the sort's own, or a
    /// review queue's or the open deals' (which hold every order over the
    /// pipeline's copies).
    pub(super) fn on_pipeline(&self) -> bool {
        self.sort.on_pipeline() || self.queue != Queue::All || self.open_only
    }

    /// The ORDER BY clause of a page, or its exact reverse.
    pub(super) fn order_by(&self, reverse: bool) -> String {
        self.sort
            .order_by(reverse ^ self.reverse, self.on_pipeline())
    }

    /// The same conditions over the counts table `c` (only for a query
    /// that is [`ListQuery::counted`]).
    pub(super) fn count_conditions(&self) -> (String, Vec<Box<dyn ToSql>>) {
        let mut sql = String::new();
        let mut args: Vec<Box<dyn ToSql>> = Vec::new();
        let mut bind = |sql: &mut String, clause: &str, value: Box<dyn ToSql>| {
            args.push(value);
            sql.push_str(&clause.replace('?', &format!("?{}", args.len())));
        };
        if let Some(owner) = &self.owner {
            bind(
                &mut sql,
                " AND c.owner = ?",
                Box::new(owner.trim().to_string()),
            );
        }
        if let Some(sa) = &self.sa {
            bind(&mut sql, " AND c.sa = ?", Box::new(sa.trim().to_string()));
        }
        if let Some(category) = self.category {
            bind(&mut sql, " AND c.forecast = ?", Box::new(category.key()));
        }
        if let Some(verdict) = self.verdict {
            bind(&mut sql, " AND c.verdict = ?", Box::new(verdict.key()));
        }
        if self.open_only {
            sql.push_str(" AND c.outcome = ''");
        }
        if let Some(me) = &self.mine {
            bind(
                &mut sql,
                &self.mine_sql("c", ""),
                Box::new(me.trim().to_string()),
            );
        }
        sql.push_str(match self.queue {
            Queue::All => "",
            Queue::SaSignOff => " AND c.awaiting_sa",
            Queue::ManagerReview => " AND c.awaiting_manager",
        });
        (sql, args)
    }

    /// The tables a query over these conditions reads, driven by the table
    /// the sort's index belongs to; and that table's id column.
    pub(super) fn from(&self, needs: Needs) -> (String, &'static str) {
        if self.on_pipeline() {
            let join = if needs.deals {
                " CROSS JOIN deals d ON d.id = p.deal_id"
            } else {
                ""
            };
            (format!("pipeline p{join}"), "p.deal_id")
        } else {
            let join = if needs.pipeline {
                " CROSS JOIN pipeline p ON p.deal_id = d.id"
            } else {
                ""
            };
            (format!("deals d{join}"), "d.id")
        }
    }

    /// A query over the matching deals with an escalation past due at the
    /// query's now: `SELECT {select} FROM … WHERE …{tail}`, read from the
    /// index of when each deal's first escalation falls due (each other
    /// condition tests a row it gives). In `select`, `?{now}` is the now's
    /// parameter; in `tail`, `?{limit}` is the one after it.
    pub(super) fn overdue_sql(&self, select: &str, tail: &str) -> (String, Vec<Box<dyn ToSql>>) {
        let others = ListQuery {
            overdue: false,
            ..self.clone()
        };
        let (conditions, mut args, needs) = others.conditions("p.deal_id");
        let join = if needs.deals {
            " CROSS JOIN deals d ON d.id = p.deal_id"
        } else {
            ""
        };
        args.push(Box::new(self.now.timestamp()));
        let now = format!("?{}", args.len());
        let select = select.replace("?{now}", &now);
        let tail = tail.replace("?{limit}", &format!("?{}", args.len() + 1));
        (
            format!(
                "SELECT {select} FROM pipeline p{join} WHERE 1{conditions}
                 AND p.overdue_from <= {now}{tail}"
            ),
            args,
        )
    }

    /// The query that picks the ids of one page: `LIMIT ?{lim} OFFSET ?{off}`
    /// after the conditions' own parameters, in the sort's order (or its
    /// reverse); with its parameters.
    pub(super) fn page_sql(&self, reverse: bool) -> (String, Vec<Box<dyn ToSql>>) {
        let id = if self.on_pipeline() {
            "p.deal_id"
        } else {
            "d.id"
        };
        let (conditions, args, needs) = self.conditions(id);
        let (from, id) = self.from(needs);
        let n = args.len();
        (
            format!(
                "SELECT {id} FROM {from} WHERE 1{conditions} ORDER BY {} LIMIT ?{} OFFSET ?{}",
                self.order_by(reverse),
                n + 1,
                n + 2
            ),
            args,
        )
    }
}

/// The list row's columns (read by [`summary_from_row`]); `now` is the
/// number of the parameter that holds the reader's now. A deal without
/// escalations (most) skips reading its escalation lists.
pub(super) fn row_columns(now: usize) -> String {
    format!(
        "d.id, d.name, d.account, d.amount_cents, d.close_date, d.stage, d.owner, d.sa,
        p.steps_complete, p.steps_blocked, p.forecast, p.verdict, p.meddpicc_total,
        p.meddpicc_max, p.qa_passed, p.qa_total,
        (CASE p.escalations WHEN 0 THEN 0 ELSE
            (SELECT count(*) FROM json_each(p.escalation_starts) WHERE value <= ?{now}) END),
        (CASE p.escalations WHEN 0 THEN 0 ELSE
            (SELECT count(*) FROM json_each(p.escalation_dues) WHERE value <= ?{now}) END),
        p.risk_band, p.next_step_due, coalesce({stalled}, 0), p.outcome,
        (CASE WHEN p.outcome IS NULL AND p.snoozed_until > ?{now} THEN p.snoozed_until END),
        p.warnings, ?{now}",
        stalled = stalled_sql(&format!("?{now}"))
    )
}

pub(super) fn summary_from_row(r: &Row<'_>) -> rusqlite::Result<DealSummary> {
    let forecast: String = r.get(10)?;
    let verdict: Option<String> = r.get(11)?;
    let outcome: Option<String> = r.get(21)?;
    Ok(DealSummary {
        id: r.get(0)?,
        name: r.get(1)?,
        account: r.get(2)?,
        amount: r.get::<_, Option<i64>>(3)?.map(Money::from_cents),
        close_date: r.get(4)?,
        stage: r.get(5)?,
        owner: r.get(6)?,
        sa: r.get(7)?,
        steps_complete: r.get(8)?,
        steps_blocked: r.get(9)?,
        forecast: ForecastCategory::parse(&forecast).unwrap_or(ForecastCategory::Pipeline),
        verdict: verdict.as_deref().and_then(Verdict::parse),
        meddpicc_total: r.get(12)?,
        meddpicc_max: r.get(13)?,
        qa_passed: r.get(14)?,
        qa_total: r.get(15)?,
        escalations_open: r.get(16)?,
        escalations_overdue: r.get(17)?,
        risk_band: r.get(18)?,
        next_step_due: r.get(19)?,
        stalled: r.get(20)?,
        outcome: outcome.as_deref().and_then(OutcomeKind::parse),
        snoozed_until: r
            .get::<_, Option<i64>>(22)?
            .and_then(|at| chrono::DateTime::from_timestamp(at, 0))
            .map(|at| at.date_naive()),
        warnings: {
            let text: String = r.get(23)?;
            chrono::DateTime::from_timestamp(r.get(24)?, 0)
                .map(|now| warnings::row_kinds(&text, now))
                .unwrap_or_default()
        },
    })
}

/// Stalled at the instant bound as `at` (Unix seconds): past its stalled
/// time, open, and not snoozed past that day.
pub(super) fn stalled_sql(at: &str) -> String {
    format!(
        "(p.outcome IS NULL AND p.stalled_from <= {at}
          AND (p.snoozed_until IS NULL OR p.snoozed_until <= {at}))"
    )
}
