//! What a search returns: hits with scores that say what they are, and explanations.

use crate::ids::DocKey;
use crate::query::Mode;

/// What [`Hit::score`] means. Higher is better for every kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ScoreKind {
    /// TF-IDF cosine similarity (dot product of l2-normalised rows), in `[0, 1]`.
    TfidfCosine,
    /// The dense metric's similarity (cosine in `[-1, 1]` by default).
    DenseSimilarity,
    /// Weighted RRF divided by its best possible value (rank 1 on every side), in `[0, 1]`.
    Rrf,
    /// Linear fusion of min-max normalised sides, in `[0, 1]`.
    LinearMinMax,
    /// Linear fusion of DBSF (μ ± 3σ) normalised sides, in `[0, 1]`.
    LinearDistributionBased,
    /// Linear fusion of raw scores.
    LinearRaw,
    /// Query-adaptive linear fusion of min-max normalised sides, in `[0, 1]`.
    Adaptive,
}

/// One side's view of a hit.
#[derive(Clone, Debug, PartialEq)]
pub struct SideScore {
    /// The exact score on this side (TF-IDF cosine or dense similarity); `None`
    /// when the document has no vector (dense side).
    pub raw: Option<f64>,
    /// The value fed to fusion after normalisation (RRF: the side's reciprocal-rank
    /// term before weighting; documents without a score get the lowest value).
    pub normalized: f64,
    /// 1-based rank among the candidates on this side (documents without a score
    /// share the last rank).
    pub rank: u32,
}

/// A query term the document contains, with its contribution to the TF-IDF cosine.
#[derive(Clone, Debug, PartialEq)]
pub struct TermContribution {
    /// The term (as analysed: lowercased, possibly stemmed or an n-gram).
    pub term: String,
    /// The term's weight in the query vector.
    pub query_weight: f64,
    /// The term's weight in the document vector.
    pub doc_weight: f64,
    /// `query_weight × doc_weight`; the contributions sum to the cosine.
    pub contribution: f64,
}

/// Why a hit scored what it did.
#[derive(Clone, Debug, PartialEq)]
pub struct Explanation {
    /// The sparse side (when it ran).
    pub sparse: Option<SideScore>,
    /// The dense side (when it ran).
    pub dense: Option<SideScore>,
    /// Per-side fusion weights actually used (sparse, dense), when fused.
    pub weights: Option<(f64, f64)>,
    /// The final score.
    pub fused: f64,
    /// Shared terms, largest contribution first.
    pub matched_terms: Vec<TermContribution>,
    /// Query terms the document lacks, highest idf first (at most 5), with their idf.
    pub missing_terms: Vec<(String, f64)>,
    /// Plain-language remarks (e.g. "no vector: ranked last on the dense side").
    pub notes: Vec<String>,
}

/// One result.
#[derive(Clone, Debug, PartialEq)]
pub struct Hit {
    /// The document's key.
    pub key: DocKey,
    /// The final score (see [`SearchResults::score_kind`]).
    pub score: f64,
    /// Exact TF-IDF cosine, when the sparse side ran.
    pub sparse_score: Option<f64>,
    /// Exact dense similarity, when the dense side ran and the document has a vector.
    pub dense_score: Option<f64>,
    /// Present when the request asked for explanations.
    pub explanation: Option<Explanation>,
}

/// The answer to a [`SearchRequest`](crate::query::SearchRequest).
#[derive(Clone, Debug, PartialEq)]
pub struct SearchResults {
    /// Best first (score descending, ties by insertion order).
    pub hits: Vec<Hit>,
    /// The mode that actually ran.
    pub mode_used: Mode,
    /// What the scores are.
    pub score_kind: ScoreKind,
    /// Remarks on how the query ran, e.g. that a hybrid request fell back to
    /// sparse-only because there was neither a query vector nor an embedder.
    pub notes: Vec<String>,
}
