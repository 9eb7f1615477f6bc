//! The list's typed filter on the server: each deal's words (its name,
//! account and owner, lower-cased, in `qualify.deal_search`), the pattern
//! they are matched with, and what a filter's count found for its page.

use crate::store::list::ListQuery;

/// What `qualify.deal_search` puts between a deal's name, account and owner.
pub(super) const WORD_SEPARATOR: char = '\u{1f}';

/// Whether the query is a typed filter and nothing else (but open only or
/// not), one that deals' words can hold: then its deals are counted and
/// ordered from their words alone.
pub(super) fn words_only(query: &ListQuery) -> bool {
    query.filter_alone() && !query.filter.contains(WORD_SEPARATOR)
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
