//! What a search asks for: query text and/or vector, k, mode, fusion, filter, knobs.

use crate::ids::DocKey;
use crate::index::Filter;
use crate::query::fusion::{Normalization, DEFAULT_RRF_K};

/// Which side(s) answer a query.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// TF-IDF cosine only (needs query text).
    Sparse,
    /// Dense similarity only (needs a query vector, or text and an embedder).
    Dense,
    /// Both sides, fused.
    Hybrid,
}

/// How the two sides' exact scores of every candidate become one score.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum Fusion {
    /// Weighted Reciprocal Rank Fusion, normalised to `[0, 1]` by its best possible
    /// value (see [`fusion::rrf`](crate::query::fusion::rrf) for the formula and how
    /// `k` maps to Qdrant's and Elasticsearch's settings). `k` is in the paper's
    /// 1-based rank units; 60 is the paper's and Elasticsearch's default.
    Rrf {
        /// The RRF constant (≥ 0).
        k: f64,
        /// Weight of the sparse side (≥ 0).
        sparse_weight: f64,
        /// Weight of the dense side (≥ 0).
        dense_weight: f64,
    },
    /// `alpha · dense' + (1 - alpha) · sparse'` where `'` is the normalisation of
    /// each side's exact scores over the candidates.
    Linear {
        /// Weight of the dense side, in `[0, 1]`.
        alpha: f64,
        /// Per-side normalisation.
        normalization: Normalization,
    },
    /// Query-adaptive linear fusion: each side is min-max normalised over the
    /// candidates and weighted per query by its confidence (the gap between its
    /// best candidate score and the mean of its `depth` best), shrunk towards
    /// `prior` by `blend`. See [`crate::query::adaptive`] for the formula and the
    /// measurements that made it the default.
    Adaptive {
        /// Prior weight of the dense side, in `[0, 1]`.
        prior: f64,
        /// Number of top candidates per side whose gap is measured (≥ 2).
        depth: usize,
        /// How much the per-query weight counts against the prior, in `[0, 1]`
        /// (0 = fixed `prior`, i.e. min-max linear fusion with `alpha = prior`).
        blend: f64,
    },
}

impl Fusion {
    /// RRF with `k = 60` and equal weights.
    pub fn rrf() -> Fusion {
        Fusion::Rrf {
            k: DEFAULT_RRF_K,
            sparse_weight: 1.0,
            dense_weight: 1.0,
        }
    }

    /// Min-max linear fusion with `alpha` on the dense side.
    pub fn linear(alpha: f64) -> Fusion {
        Fusion::Linear {
            alpha,
            normalization: Normalization::MinMax,
        }
    }

    /// DBSF (distribution-based normalisation) with `alpha` on the dense side.
    pub fn dbsf(alpha: f64) -> Fusion {
        Fusion::Linear {
            alpha,
            normalization: Normalization::DistributionBased,
        }
    }

    /// The default adaptive fusion (chosen by measurement; see [`Fusion::default`]).
    pub fn adaptive() -> Fusion {
        Fusion::Adaptive {
            prior: 0.8,
            depth: 20,
            blend: 1.0,
        }
    }
}

impl Default for Fusion {
    /// [`Fusion::adaptive`] (`prior 0.8, depth 20, blend 1.0`): measured on all six
    /// shared sets it has the best worst case against min-max 0.7 and the best
    /// mean of the methods tried (table in [`crate::query::adaptive`]).
    fn default() -> Self {
        Fusion::adaptive()
    }
}

/// A search: build with [`SearchRequest::text`] or [`SearchRequest::vector`],
/// then refine.
///
/// ```
/// use twofold::query::{Fusion, Mode, SearchRequest};
/// use twofold::index::Filter;
/// let request = SearchRequest::text("reset password")
///     .k(5)
///     .mode(Mode::Hybrid)
///     .fusion(Fusion::rrf())
///     .filter(Filter::eq("lang", "en"))
///     .explain(true);
/// assert_eq!(request.k_value(), 5);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct SearchRequest {
    pub(crate) text: Option<String>,
    pub(crate) vector: Option<Vec<f32>>,
    pub(crate) k: usize,
    pub(crate) mode: Option<Mode>,
    pub(crate) filter: Option<Filter>,
    pub(crate) min_score: Option<f64>,
    pub(crate) fusion: Fusion,
    pub(crate) candidates: Option<usize>,
    pub(crate) ef: Option<usize>,
    pub(crate) explain: bool,
    pub(crate) exclude: Vec<DocKey>,
}

impl Default for SearchRequest {
    fn default() -> Self {
        SearchRequest {
            text: None,
            vector: None,
            k: 10,
            mode: None,
            filter: None,
            min_score: None,
            fusion: Fusion::default(),
            candidates: None,
            ef: None,
            explain: false,
            exclude: Vec::new(),
        }
    }
}

impl SearchRequest {
    /// A text query (sparse side; dense side too when the index has an embedder).
    pub fn text(text: impl Into<String>) -> Self {
        SearchRequest::default().with_text(text)
    }

    /// A vector query (dense side).
    pub fn vector(vector: Vec<f32>) -> Self {
        SearchRequest::default().with_vector(vector)
    }

    /// Sets (or replaces) the query text.
    pub fn with_text(mut self, text: impl Into<String>) -> Self {
        self.text = Some(text.into());
        self
    }

    /// Sets (or replaces) the query vector.
    pub fn with_vector(mut self, vector: Vec<f32>) -> Self {
        self.vector = Some(vector);
        self
    }

    /// Number of hits wanted (default 10; 0 is an error at search time).
    pub fn k(mut self, k: usize) -> Self {
        self.k = k;
        self
    }

    /// Forces a mode. Default: [`Mode::Hybrid`] when both sides can run, else the
    /// side that can (stated in [`SearchResults::notes`](crate::query::SearchResults)).
    pub fn mode(mut self, mode: Mode) -> Self {
        self.mode = Some(mode);
        self
    }

    /// Only documents whose metadata pass `filter` (applied inside both retrievers).
    pub fn filter(mut self, filter: Filter) -> Self {
        self.filter = Some(filter);
        self
    }

    /// Drops hits whose final score is below `min_score`.
    pub fn min_score(mut self, min_score: f64) -> Self {
        self.min_score = Some(min_score);
        self
    }

    /// Hybrid fusion method (default [`Fusion::default`]).
    pub fn fusion(mut self, fusion: Fusion) -> Self {
        self.fusion = fusion;
        self
    }

    /// Candidates taken from each side in hybrid mode. Default `max(4k, 100)`.
    pub fn candidates(mut self, n: usize) -> Self {
        self.candidates = Some(n);
        self
    }

    /// HNSW search breadth for the dense side (default: the index's `ef_search`).
    pub fn ef(mut self, ef: usize) -> Self {
        self.ef = Some(ef);
        self
    }

    /// Attach an [`Explanation`](crate::query::Explanation) to every hit.
    pub fn explain(mut self, explain: bool) -> Self {
        self.explain = explain;
        self
    }

    /// Never return these keys (applied inside both retrievers).
    pub fn exclude<I: IntoIterator<Item = DocKey>>(mut self, keys: I) -> Self {
        self.exclude.extend(keys);
        self
    }

    /// The requested number of hits.
    pub fn k_value(&self) -> usize {
        self.k
    }

    /// The number of candidates per side used in hybrid mode.
    pub fn candidates_value(&self) -> usize {
        self.candidates
            .unwrap_or_else(|| self.k.saturating_mul(4).max(100))
            .max(self.k)
    }
}
