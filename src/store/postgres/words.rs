//! The list's typed filter on the server: each deal's words (its name,
//! account and owner, lower-cased, in `qualify.deal_search`), the pattern
//! they are matched with, and what a filter's count found for its page.

use crate::store::list::{ListQuery, Queue};

/// What `qualify.deal_search` puts between a deal's name, account and owner.
pub(super) const WORD_SEPARATOR: char = '\u{1f}';

/// The typed filter as a LIKE pattern over a deal's words.
pub(super) fn words_pattern(filter: &str) -> String {
    let escaped: String = filter
        .chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    format!("%{escaped}%")
}

/// Whether the query is a typed filter and nothing else (but open only or
/// not): then its deals are counted from their words alone.
pub(super) fn words_only(query: &ListQuery) -> bool {
    let filter = query.filter.trim();
    !filter.is_empty()
        && !filter.contains(WORD_SEPARATOR)
        && query.owner.is_none()
        && query.sa.is_none()
        && query.category.is_none()
        && query.verdict.is_none()
        && query.queue == Queue::All
        && !query.stalled
        && !query.overdue
        && query.warning.is_none()
        && query.mine.is_none()
}

/// How many of a typed filter's first deals, in the list's order, its count
/// keeps for the page read next (more than a screen holds).
pub(super) const FIRST: usize = 200;

/// A typed filter's count and its first deals in the list's order, from one
/// match of the words. A key of the list reads the count, then the page: the
/// page (taking this) reads the rows of those deals that hold the words
/// still, instead of matching the words again.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Found {
    pub(super) query: ListQuery,
    pub(super) total: usize,
    pub(super) first: Vec<i64>,
}
