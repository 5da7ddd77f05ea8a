//! Per-query working memory, reusable across queries.

use super::DocIdx;

/// Buffers a search needs: a dense score accumulator (one `f64` per document) and the list of
/// documents it touched, plus the small per-term arrays of the pruned search.
///
/// [`InvertedIndex::search`](super::InvertedIndex::search) borrows one from an internal pool;
/// hold your own and call [`InvertedIndex::search_with`](super::InvertedIndex::search_with) to
/// avoid the pool's lock in a hot loop.
#[derive(Debug, Default)]
pub struct SearchScratch {
    pub(crate) accumulator: Vec<f64>,
    pub(crate) touched: Vec<DocIdx>,
    pub(crate) contributions: Vec<f64>,
}

impl SearchScratch {
    /// Empty buffers; they grow to the index's size on first use.
    pub fn new() -> SearchScratch {
        SearchScratch::default()
    }
}
