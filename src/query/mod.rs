//! Queries: requests, candidate generation, exact rescoring, fusion, results.
//!
//! A [`SearchRequest`] runs through [`Index::search`](crate::index::Index::search):
//!
//! 1. *plan*: which sides can run (a text-only query on an index without an
//!    embedder runs sparse-only, and [`SearchResults::notes`] says so);
//! 2. *candidates*: the top `N` of each side, with the filter pushed into both
//!    retrievers (`N` = [`SearchRequest::candidates`], default `max(4k, 100)`);
//! 3. *rescore*: every candidate gets its exact score on both sides, so a
//!    document found only by the dense side still has its true TF-IDF cosine;
//! 4. *fuse*: [`Fusion`] (RRF, linear with min-max / DBSF / no normalisation,
//!    or the query-adaptive default), then `min_score` and truncation to `k`.
//!
//! # Scores
//!
//! [`SearchResults::score_kind`] says what [`Hit::score`] is; higher is better
//! for every kind. Every hit also carries its raw per-side scores.

pub mod adaptive;
mod combine;
mod explain;
pub mod fusion;
mod plan;
mod request;
mod results;
mod search;

pub use request::{Fusion, Mode, SearchRequest};
pub use results::{Explanation, Hit, ScoreKind, SearchResults, SideScore, TermContribution};

pub(crate) use explain::{document_row, matched_terms};
pub(crate) use search::{Candidate, SideScores};

/// Fuses a candidate table (used by recommendations): scores aligned with
/// `candidates` and their kind.
pub(crate) fn fuse_candidates(
    candidates: &[Candidate],
    fusion: &Fusion,
) -> crate::Result<(Vec<f64>, ScoreKind)> {
    combine::fuse(candidates, fusion).map(|f| (f.scores, f.kind))
}
