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
//! - [`TopKStrategy::Auto`] (default) picks per query; today it always picks exhaustive.
//!
//! # Measurements
//!
//! Top-k latency per query, single thread, 1,000 queries, every strategy returning identical
//! results (`tests/suite/sparse_perf.rs`; `benches/sparse.rs` has the criterion version). Measured
//! on a 2-core machine at load ≈ 11 (other builds running), so absolute numbers are inflated
//! about 4–5× against an idle machine (crates.md: 32 µs/q exhaustive on SciFact); the ratios
//! are what counts.
//!
//! | corpus (docs / nnz / postings per query) | k | exhaustive | MaxScore (DAAT) | bounded TAAT |
//! |---|---|---|---|---|
//! | SciFact (5,183 / 634k / 15.6k) | 10 | **150 µs** | 288 µs | 1,298 µs |
//! | SciFact | 100 | **223 µs** | 773 µs | 2,810 µs |
//! | medquad-liveqa (17,850 / 1.8M / 51k) | 10 | 465 µs | **452 µs** | 2,100 µs |
//! | medquad-liveqa | 100 | **771 µs** | 1,962 µs | 8,039 µs |
//! | Zipf synthetic (60,000 / 5.7M / 124k) | 10 | **1,328 µs** | 1,426 µs | 5,445 µs |
//! | Zipf synthetic | 100 | **1,500 µs** | 3,461 µs | 12,590 µs |
//!
//! Why pruning does not pay here: with sublinear tf and l2-normalised rows, a term's maximum
//! weight comes from some short document and is close to 1, so each term's upper bound is
//! close to its query weight and the bounds of the remaining terms rarely fall below the
//! k-th score. A term-at-a-time form of MaxScore (bounded TAAT, in git history) was slower
//! still. Block-max bounds (per block of 64–128 postings) would be far tighter and are the
//! next thing to try; `TopKStrategy::MaxScore` stays available for that comparison.
//!
//! # Ids
//!
//! Documents are numbered by [`DocIdx`], dense from 0 (rows of the matrix); the index layer
//! maps its own ids onto them.

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
    /// Chooses per query; currently always [`Exhaustive`](Self::Exhaustive), the fastest in
    /// every measurement (module docs, "Measurements").
    #[default]
    Auto,
}

/// The rule behind [`TopKStrategy::Auto`]: exhaustive, until a pruned method wins somewhere.
fn choose_strategy(
    _postings: &[PostingList],
    _terms: &QueryTerms,
    _k: usize,
    _n_docs: usize,
) -> TopKStrategy {
    TopKStrategy::Exhaustive
}
