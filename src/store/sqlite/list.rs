//! The deal list as read: how many deals match, their totals per forecast
//! category, the people to filter by, and the rows of a page (only those
//! asked for are read) or of the whole list, in order.

use super::conn::Store;
use super::list_sql::{row_columns, summary_from_row};
use crate::domain::deal::{DealId, DealSummary};
use crate::store::error::{Result, StoreError};
use crate::store::list::WarningTotal;
use crate::store::list::{CategoryTotal, ListQuery, OutcomeTotal};
use rusqlite::types::ToSql;
use rusqlite::{OptionalExtension, params};

impl Store {
    /// How many deals the list shows: from the counts kept per group when
    /// the query allows, else counted through the indexes its conditions
    /// use (the trigram index for a typed filter).
    pub fn count_deals(&self, query: &ListQuery) -> Result<usize> {
        let (sql, args) = if let Some(phrase) = query.phrase().filter(|_| query.searched_only()) {
            // the typed filter alone: its matches are counted in the index,
            // without reading a row of each
            (
                "SELECT count(*) FROM deal_search WHERE deal_search MATCH ?1".to_string(),
                vec![Box::new(phrase) as Box<dyn ToSql>],
            )
        } else if query.counted() {
            let (conditions, args) = query.count_conditions();
            (
                format!(
                    "SELECT coalesce(sum(c.deals), 0) FROM pipeline_counts c WHERE 1{conditions}"
                ),
                args,
            )
        } else {
            let (conditions, args, needs) = query.conditions_with("p.deal_id", false);
            let join = if needs.deals {
                " JOIN deals d ON d.id = p.deal_id"
            } else {
                ""
            };
            (
                format!("SELECT count(*) FROM pipeline p{join} WHERE 1{conditions}"),
                args,
            )
        };
        let n: rusqlite::Result<i64> = self.conn.prepare_cached(&sql).and_then(|mut stmt| {
            stmt.query_row(
                rusqlite::params_from_iter(args.iter().map(|a| a.as_ref())),
                |r| r.get(0),
            )
        });
        Ok(self.checked(n.map_err(StoreError::from))? as usize)
    }

    /// The distinct owners (or SAs) of the deals, for the list's filters.
    pub fn people(&self, sa: bool) -> Result<Vec<String>> {
        let result = (|| -> Result<Vec<String>> {
            let column = if sa { "sa" } else { "owner" };
            let mut stmt = self.conn.prepare_cached(&format!(
                "SELECT DISTINCT {column} FROM pipeline_counts
                 WHERE {column} != '' AND deals > 0 ORDER BY {column} COLLATE NOCASE"
            ))?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })();
        self.checked(result)
    }

    /// The amount and count of the matching deals per forecast category.
    pub fn category_totals(&self, query: &ListQuery) -> Result<Vec<CategoryTotal>> {
        let result = self
            .totals_by(query, "forecast", "p.forecast")
            .map(|rows| CategoryTotal::from_rows(&rows));
        self.checked(result)
    }

    /// The amount and count of the matching closed deals per outcome (won,
    /// lost, disqualified), whether or not the query is of open deals only.
    pub fn outcome_totals(&self, query: &ListQuery) -> Result<Vec<OutcomeTotal>> {
        let query = ListQuery {
            open_only: false,
            ..query.clone()
        };
        let result = self
            .totals_by(&query, "outcome", "coalesce(p.outcome, '')")
            .map(|rows| OutcomeTotal::from_rows(&rows));
        self.checked(result)
    }

    /// The matching open deals' count and amount per warning kind at the
    /// query's now (each kind, in the kinds' order), in one read of their
    /// pipeline rows.
    pub fn warning_totals(&self, query: &ListQuery) -> Result<Vec<WarningTotal>> {
        let query = ListQuery {
            open_only: true,
            ..query.clone()
        };
        let (conditions, mut args, needs) = query.conditions_with("p.deal_id", false);
        let join = if needs.deals {
            " JOIN deals d ON d.id = p.deal_id"
        } else {
            ""
        };
        args.push(Box::new(query.now.timestamp()));
        let sql = format!(
            "SELECT w.key, count(*), coalesce(sum(p.amount_cents), 0)
             FROM pipeline p{join}, json_each(p.warnings) w
             WHERE 1{conditions} AND w.value <= ?{} GROUP BY w.key",
            args.len()
        );
        let rows: Result<Vec<(String, i64, i64)>> = (|| {
            let mut stmt = self.conn.prepare_cached(&sql)?;
            let rows = stmt.query_map(
                rusqlite::params_from_iter(args.iter().map(|a| a.as_ref())),
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })();
        let totals = rows.map(|rows| WarningTotal::of_rows(&rows));
        self.checked(totals)
    }

    /// The matching deals' count and amount grouped by a column of the
    /// counts table (`counted`), or by the same over the pipeline rows.
    fn totals_by(
        &self,
        query: &ListQuery,
        counted: &str,
        pipeline: &str,
    ) -> Result<Vec<(String, i64, i64)>> {
        let (sql, args) = if query.counted() {
            let (conditions, args) = query.count_conditions();
            (
                format!(
                    "SELECT c.{counted}, sum(c.deals), sum(c.amount_cents)
                     FROM pipeline_counts c WHERE 1{conditions} GROUP BY c.{counted}"
                ),
                args,
            )
        } else {
            let (conditions, args, needs) = query.conditions_with("p.deal_id", false);
            let join = if needs.deals {
                " JOIN deals d ON d.id = p.deal_id"
            } else {
                ""
            };
            (
                format!(
                    "SELECT {pipeline}, count(*), coalesce(sum(p.amount_cents), 0)
                     FROM pipeline p{join} WHERE 1{conditions} GROUP BY {pipeline}"
                ),
                args,
            )
        };
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(
            rusqlite::params_from_iter(args.iter().map(|a| a.as_ref())),
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// How many escalations are past due at the query's now on the
    /// matching deals (each deal's own, counted from its pipeline row).
    pub fn count_overdue_escalations(&self, query: &ListQuery) -> Result<usize> {
        let (sql, args) = query.overdue_sql(
            "coalesce(sum((SELECT count(*) FROM json_each(p.escalation_dues) WHERE value <= ?{now})), 0)",
            "",
        );
        let n: rusqlite::Result<i64> = self.conn.prepare_cached(&sql).and_then(|mut stmt| {
            stmt.query_row(
                rusqlite::params_from_iter(args.iter().map(|a| a.as_ref())),
                |r| r.get(0),
            )
        });
        Ok(self.checked(n.map_err(StoreError::from))? as usize)
    }

    /// The matching deals with an escalation past due at the query's now,
    /// the longest overdue first (by the earliest due of each), at most
    /// `limit`: read in that order from the index of when each deal's
    /// first escalation falls due.
    pub fn most_overdue(&self, query: &ListQuery, limit: usize) -> Result<Vec<DealSummary>> {
        let result = (|| -> Result<Vec<DealSummary>> {
            let (sql, mut args) = query.overdue_sql(
                "p.deal_id",
                " ORDER BY p.overdue_from, p.deal_id LIMIT ?{limit}",
            );
            args.push(Box::new(limit.min(i64::MAX as usize) as i64));
            let ids: Vec<DealId> = {
                let mut stmt = self.conn.prepare_cached(&sql)?;
                let rows = stmt.query_map(
                    rusqlite::params_from_iter(args.iter().map(|a| a.as_ref())),
                    |r| r.get(0),
                )?;
                rows.collect::<rusqlite::Result<_>>()?
            };
            let mut stmt = self.conn.prepare_cached(&format!(
                "SELECT {} FROM deals d JOIN pipeline p ON p.deal_id = d.id WHERE d.id = ?1",
                row_columns(2)
            ))?;
            let mut out = Vec::with_capacity(ids.len());
            for id in ids {
                let row = stmt
                    .query_row(params![id, query.now.timestamp()], summary_from_row)
                    .optional()?;
                out.extend(row);
            }
            Ok(out)
        })();
        self.checked(result)
    }

    /// One page of the deal list: only the rows asked for are read.
    pub fn deal_page(
        &self,
        query: &ListQuery,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<DealSummary>> {
        let mut out = Vec::new();
        self.each_deal(query, offset, limit, |d| {
            out.push(d);
            Ok(())
        })?;
        Ok(out)
    }

    /// Each row of the list in order, one at a time (nothing held). An
    /// error from `each` stops the reading and is returned as it is.
    pub fn each_row<E: From<StoreError>>(
        &self,
        query: &ListQuery,
        mut each: impl FnMut(DealSummary) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        let mut failed = None;
        let result = self.each_deal(query, 0, usize::MAX >> 1, |row| {
            each(row).map_err(|e| {
                failed = Some(e);
                StoreError::NotFound(DealId(0))
            })
        });
        if let Some(e) = failed {
            return Err(e);
        }
        result.map_err(E::from)
    }

    /// Each row of the list in order, one at a time (nothing held).
    pub fn each_deal(
        &self,
        query: &ListQuery,
        offset: usize,
        limit: usize,
        each: impl FnMut(DealSummary) -> Result<()>,
    ) -> Result<()> {
        self.each_deal_of(query, offset, limit, None, each)
    }

    /// [`Store::deal_page`] knowing how many deals match: a page past the
    /// middle is read from the end of the sort's index backwards, so that
    /// End costs what Home does.
    pub fn deal_page_of(
        &self,
        query: &ListQuery,
        offset: usize,
        limit: usize,
        total: usize,
    ) -> Result<Vec<DealSummary>> {
        let mut out = Vec::new();
        self.each_deal_of(query, offset, limit, Some(total), |d| {
            out.push(d);
            Ok(())
        })?;
        Ok(out)
    }

    pub(super) fn each_deal_of(
        &self,
        query: &ListQuery,
        offset: usize,
        limit: usize,
        total: Option<usize>,
        mut each: impl FnMut(DealSummary) -> Result<()>,
    ) -> Result<()> {
        let limit = limit.min(i64::MAX as usize);
        let result = if offset == 0 && limit >= (usize::MAX >> 2) {
            self.every_row(query, &mut each)
        } else {
            self.page_rows(query, offset, limit, total, &mut each)
        };
        self.checked(result)
    }

    /// Every matching row in order, from one statement that walks the
    /// sort's index (the other table joined to each row).
    fn every_row(
        &self,
        query: &ListQuery,
        each: &mut impl FnMut(DealSummary) -> Result<()>,
    ) -> Result<()> {
        let on_pipeline = query.on_pipeline();
        let id = if on_pipeline { "p.deal_id" } else { "d.id" };
        let (conditions, mut args, _) = query.conditions(id);
        args.push(Box::new(query.now.timestamp()));
        let from = if on_pipeline {
            "pipeline p CROSS JOIN deals d ON d.id = p.deal_id"
        } else {
            "deals d CROSS JOIN pipeline p ON p.deal_id = d.id"
        };
        let sql = format!(
            "SELECT {} FROM {from} WHERE 1{conditions} ORDER BY {}",
            row_columns(args.len()),
            query.order_by(false)
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut rows = stmt.query(rusqlite::params_from_iter(args.iter().map(|a| a.as_ref())))?;
        while let Some(r) = rows.next()? {
            each(summary_from_row(r)?)?;
        }
        Ok(())
    }

    /// One page: its ids from the sort's index (from the end backwards when
    /// the page is past the middle of `total`), then each row by its id.
    fn page_rows(
        &self,
        query: &ListQuery,
        offset: usize,
        limit: usize,
        total: Option<usize>,
        each: &mut impl FnMut(DealSummary) -> Result<()>,
    ) -> Result<()> {
        let (reverse, skip, take) = match total {
            Some(total) if offset > total / 2 && offset < total => {
                let end = (offset + limit).min(total);
                (true, total - end, end - offset)
            }
            _ => (false, offset, limit),
        };
        let (page, mut args) = query.page_sql(reverse);
        args.push(Box::new(take as i64));
        args.push(Box::new(skip as i64));
        let mut ids: Vec<DealId> = {
            let mut stmt = self.conn.prepare_cached(&page)?;
            let rows = stmt.query_map(
                rusqlite::params_from_iter(args.iter().map(|a| a.as_ref())),
                |r| r.get(0),
            )?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        if reverse {
            ids.reverse();
        }
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {} FROM deals d JOIN pipeline p ON p.deal_id = d.id WHERE d.id = ?1",
            row_columns(2)
        ))?;
        for id in ids {
            let row = stmt
                .query_row(params![id, query.now.timestamp()], summary_from_row)
                .optional()?;
            if let Some(row) = row {
                each(row)?;
            }
        }
        Ok(())
    }
}
