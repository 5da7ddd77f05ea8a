//! Recommendations: "more like this" for one document, and recommendations from
//! positive and negative examples, on both sides of an [`Index`], fused.
//!
//! - [`Index::more_like_this`] builds a sparse query from the document's most
//!   informative terms (its highest TF-IDF weights, with Elasticsearch-like
//!   knobs in [`MoreLikeThis`]) and a dense query from its vector; the document
//!   itself is never returned.
//! - [`Index::recommend`] takes positive and negative example keys and a
//!   [`Strategy`] (as Qdrant offers): [`Strategy::AverageVector`] searches with
//!   `avg(positive) + (avg(positive) − avg(negative))` on each side;
//!   [`Strategy::BestScore`] scores each candidate by its best similarity to any
//!   positive, pushed below every such document when a negative is closer.
//!   Negatives act on both sides; examples are excluded from the results.
//!
//! Every candidate gets its exact score on both sides before fusion (as in
//! [`Index::search`]); filters and exclusions are applied inside both retrievers;
//! optional MMR re-ranking (`mmr(lambda)`) diversifies over both signals. Each
//! [`Recommendation`] explains itself: shared terms with their contributions and
//! the vector similarity.

use std::collections::HashSet;

use sprs::CsVec;

use crate::dense::SearchParams;
use crate::error::{Error, Result};
use crate::ids::{DocId, DocKey};
use crate::index::{Filter, Index};
use crate::query::{fuse_candidates, matched_terms, Candidate};
use crate::query::{Fusion, ScoreKind, TermContribution};

/// Knobs of [`Index::more_like_this`] (names as in Elasticsearch's `more_like_this`).
#[derive(Clone, Debug, PartialEq)]
pub struct MoreLikeThis {
    /// Results wanted. Default 10.
    pub k: usize,
    /// At most this many terms of the document form the sparse query, highest
    /// TF-IDF weight first. Default 25 (Elasticsearch's default).
    pub max_query_terms: usize,
    /// Terms counted fewer times in the document are ignored. Default 1
    /// (Elasticsearch uses 2, tuned for long documents; FAQ entries are short).
    pub min_term_freq: u32,
    /// Terms in fewer live documents are ignored. Default 2 (a term only the
    /// document itself holds cannot find anything; Elasticsearch uses 5).
    pub min_doc_freq: u64,
    /// Terms in more live documents are ignored. Default `None` (no limit).
    pub max_doc_freq: Option<u64>,
    /// Shared recommendation options.
    pub options: RecommendOptions,
}

impl Default for MoreLikeThis {
    fn default() -> Self {
        MoreLikeThis {
            k: 10,
            max_query_terms: 25,
            min_term_freq: 1,
            min_doc_freq: 2,
            max_doc_freq: None,
            options: RecommendOptions::default(),
        }
    }
}

/// How positive and negative examples become scores (Qdrant's strategies).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Strategy {
    /// One query per side: `avg(pos) + (avg(pos) − avg(neg))`, or `avg(pos)`
    /// without negatives. Fast; works best when positives are alike. The default.
    #[default]
    AverageVector,
    /// Per side and candidate: `best_pos` = highest similarity to a positive,
    /// `best_neg` = highest similarity to a negative; the score is `best_pos` when
    /// `best_pos > best_neg`, else `−best_neg` (below every document nearer a positive).
    BestScore,
}

/// Options shared by [`MoreLikeThis`] and [`RecommendRequest`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RecommendOptions {
    /// Only documents passing this filter. Default none.
    pub filter: Option<Filter>,
    /// Keys never returned (e.g. already seen). Default empty.
    pub exclude: Vec<DocKey>,
    /// Fusion of the two sides. Default [`Fusion::default`].
    pub fusion: Fusion,
    /// Candidates per side and query. Default `max(4k, 100)`.
    pub candidates: Option<usize>,
    /// MMR re-ranking: `lambda · relevance − (1 − lambda) · max similarity to
    /// the results already chosen`, similarity averaged over both signals.
    /// `None` (default) keeps the fused order; `Some(1.0)` is the same as `None`.
    pub mmr: Option<f64>,
}

/// A recommendation from examples (see [`Index::recommend`]).
#[derive(Clone, Debug, PartialEq)]
pub struct RecommendRequest {
    /// Documents like these are wanted (at least one).
    pub positive: Vec<DocKey>,
    /// Documents like these are not.
    pub negative: Vec<DocKey>,
    /// How examples combine. Default [`Strategy::AverageVector`].
    pub strategy: Strategy,
    /// Results wanted. Default 10.
    pub k: usize,
    /// Terms per example row used as a sparse query. Default 25.
    pub max_query_terms: usize,
    /// Shared options.
    pub options: RecommendOptions,
}

impl RecommendRequest {
    /// A request from positive examples with the defaults.
    pub fn positive<I: IntoIterator<Item = DocKey>>(keys: I) -> Self {
        RecommendRequest {
            positive: keys.into_iter().collect(),
            negative: Vec::new(),
            strategy: Strategy::default(),
            k: 10,
            max_query_terms: 25,
            options: RecommendOptions::default(),
        }
    }

    /// Adds negative examples.
    pub fn negative<I: IntoIterator<Item = DocKey>>(mut self, keys: I) -> Self {
        self.negative.extend(keys);
        self
    }

    /// Sets the strategy.
    pub fn strategy(mut self, strategy: Strategy) -> Self {
        self.strategy = strategy;
        self
    }

    /// Sets `k`.
    pub fn k(mut self, k: usize) -> Self {
        self.k = k;
        self
    }
}

/// One recommended document.
#[derive(Clone, Debug, PartialEq)]
pub struct Recommendation {
    /// Its key.
    pub key: DocKey,
    /// The final score ([`Recommendations::score_kind`]; MMR keeps the fused score).
    pub score: f64,
    /// Exact sparse-side score (TF-IDF cosine to the sparse query, or the best-score rule).
    pub sparse_score: f64,
    /// Exact dense-side score; `None` without a vector on either end.
    pub dense_score: Option<f64>,
    /// Terms shared with the sparse query (the example's informative terms), largest first.
    pub shared_terms: Vec<TermContribution>,
}

/// The answer of [`Index::more_like_this`] and [`Index::recommend`].
#[derive(Clone, Debug, PartialEq)]
pub struct Recommendations {
    /// Best first.
    pub items: Vec<Recommendation>,
    /// What the scores are.
    pub score_kind: ScoreKind,
    /// Remarks, e.g. that the dense side did not run.
    pub notes: Vec<String>,
}

/// Per-side queries: one (average) or several (best score) with signs.
struct SideQueries {
    sparse: Vec<(CsVec<f64>, bool)>,
    dense: Vec<(Vec<f32>, bool)>,
    strategy: Strategy,
}

impl Index {
    /// Documents like `key`'s (never `key` itself).
    ///
    /// # Errors
    /// [`Error::UnknownKey`]; [`Error::InvalidParameter`] for `k == 0`,
    /// `max_query_terms == 0` or a bad fusion/MMR parameter.
    pub fn more_like_this(&self, key: &DocKey, request: &MoreLikeThis) -> Result<Recommendations> {
        let id = self.live_id(key)?;
        if request.max_query_terms == 0 {
            return Err(Error::invalid_parameter(
                "max_query_terms",
                "must be at least 1",
            ));
        }
        let sparse = self.informative_query(id, request)?;
        let queries = SideQueries {
            sparse: vec![(sparse, true)],
            dense: self
                .vector(id)
                .map(|v| vec![(v.to_vec(), true)])
                .unwrap_or_default(),
            strategy: Strategy::AverageVector,
        };
        self.run_recommendation(&queries, &[id], request.k, &request.options)
    }

    /// Documents like the positive examples and unlike the negative ones.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] without positives, for `k == 0`, or for a
    /// key that is both a positive and a negative example (a contradiction
    /// that would silently cancel out); [`Error::UnknownKey`] for an example
    /// that is not live.
    pub fn recommend(&self, request: &RecommendRequest) -> Result<Recommendations> {
        if request.positive.is_empty() {
            return Err(Error::invalid_parameter(
                "positive",
                "give at least one positive example",
            ));
        }
        if let Some(both) = request
            .negative
            .iter()
            .find(|k| request.positive.contains(k))
        {
            return Err(Error::invalid_parameter(
                "negative",
                format!("{both} is also a positive example"),
            ));
        }
        let pos = request
            .positive
            .iter()
            .map(|k| self.live_id(k))
            .collect::<Result<Vec<_>>>()?;
        let neg = request
            .negative
            .iter()
            .map(|k| self.live_id(k))
            .collect::<Result<Vec<_>>>()?;
        let mlt = MoreLikeThis {
            max_query_terms: request.max_query_terms.max(1),
            min_doc_freq: 1,
            ..MoreLikeThis::default()
        };
        let queries = match request.strategy {
            Strategy::AverageVector => self.average_queries(&pos, &neg, &mlt)?,
            Strategy::BestScore => self.example_queries(&pos, &neg, &mlt)?,
        };
        let examples: Vec<DocId> = pos.iter().chain(&neg).copied().collect();
        self.run_recommendation(&queries, &examples, request.k, &request.options)
    }

    fn live_id(&self, key: &DocKey) -> Result<DocId> {
        self.ids()
            .get(key)
            .ok_or_else(|| Error::UnknownKey(key.to_string()))
    }

    /// The document's most informative terms as an l2-normalised sparse query.
    fn informative_query(&self, id: DocId, knobs: &MoreLikeThis) -> Result<CsVec<f64>> {
        let (cols, values) = crate::query::document_row(self, id);
        let record = self
            .record(id)
            .ok_or_else(|| Error::UnknownKey(id.to_string()))?;
        let dfs = &self.stats().document_frequencies;
        let mut terms: Vec<(u32, f64)> = cols
            .into_iter()
            .zip(values)
            .filter(|&(t, _)| {
                let df = dfs.get(t as usize).copied().unwrap_or(0);
                record.counts.count_of(t) >= knobs.min_term_freq
                    && df >= knobs.min_doc_freq
                    && knobs.max_doc_freq.is_none_or(|max| df <= max)
            })
            .collect();
        terms.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        terms.truncate(knobs.max_query_terms);
        terms.sort_by_key(|&(t, _)| t);
        sparse_vec(self.sparse_dim(), terms, true)
    }

    fn average_queries(
        &self,
        pos: &[DocId],
        neg: &[DocId],
        knobs: &MoreLikeThis,
    ) -> Result<SideQueries> {
        let rows = |ids: &[DocId]| {
            ids.iter()
                .map(|&id| self.informative_query(id, knobs))
                .collect::<Result<Vec<_>>>()
        };
        let sparse = rocchio_sparse(self.sparse_dim(), &rows(pos)?, &rows(neg)?)?;
        let vectors = |ids: &[DocId]| {
            ids.iter()
                .filter_map(|&id| self.vector(id))
                .collect::<Vec<_>>()
        };
        let dense = rocchio_dense(&vectors(pos), &vectors(neg));
        Ok(SideQueries {
            sparse: vec![(sparse, true)],
            dense: dense.map(|v| vec![(v, true)]).unwrap_or_default(),
            strategy: Strategy::AverageVector,
        })
    }

    fn example_queries(
        &self,
        pos: &[DocId],
        neg: &[DocId],
        knobs: &MoreLikeThis,
    ) -> Result<SideQueries> {
        let mut sparse = Vec::new();
        let mut dense = Vec::new();
        for (ids, positive) in [(pos, true), (neg, false)] {
            for &id in ids {
                sparse.push((self.informative_query(id, knobs)?, positive));
                if let Some(v) = self.vector(id) {
                    dense.push((v.to_vec(), positive));
                }
            }
        }
        if !dense.iter().any(|(_, p)| *p) {
            dense.clear();
        }
        Ok(SideQueries {
            sparse,
            dense,
            strategy: Strategy::BestScore,
        })
    }

    fn run_recommendation(
        &self,
        queries: &SideQueries,
        examples: &[DocId],
        k: usize,
        options: &RecommendOptions,
    ) -> Result<Recommendations> {
        if k == 0 {
            return Err(Error::invalid_parameter("k", "must be at least 1"));
        }
        if let Some(lambda) = options.mmr {
            if !(0.0..=1.0).contains(&lambda) {
                return Err(Error::invalid_parameter(
                    "mmr",
                    format!("lambda must be in [0, 1], got {lambda}"),
                ));
            }
        }
        let mut excluded: HashSet<DocId> = examples.iter().copied().collect();
        excluded.extend(options.exclude.iter().filter_map(|key| self.ids().get(key)));
        let accept = |id: DocId| {
            !excluded.contains(&id)
                && self.record(id).is_some_and(|r| {
                    options
                        .filter
                        .as_ref()
                        .is_none_or(|f| f.matches(&r.metadata))
                })
        };
        let n = options
            .candidates
            .unwrap_or_else(|| k.saturating_mul(4).max(100))
            .max(k);
        let ids = self.recommend_candidates(queries, n, &accept)?;
        let candidates = self.recommend_scores(queries, &ids)?;
        let mut notes = Vec::new();
        let (scores, kind) = if queries.dense.is_empty() {
            notes.push("dense side not used: no example vector".to_string());
            (
                candidates.iter().map(|c| c.sparse).collect(),
                ScoreKind::TfidfCosine,
            )
        } else {
            let fused = fuse_candidates(&candidates, &options.fusion)?;
            (fused.0, fused.1)
        };
        let order = match options.mmr {
            Some(lambda) if lambda < 1.0 => self.mmr_order(&candidates, &scores, k, lambda),
            _ => ranked(&candidates, &scores),
        };
        let items = order
            .into_iter()
            .take(k)
            .filter_map(|i| self.recommendation(queries, candidates.get(i)?, *scores.get(i)?))
            .collect();
        Ok(Recommendations {
            items,
            score_kind: kind,
            notes,
        })
    }

    /// Union of the top `n` of every positive query on each side.
    fn recommend_candidates(
        &self,
        queries: &SideQueries,
        n: usize,
        accept: &(dyn Fn(DocId) -> bool + Sync),
    ) -> Result<Vec<DocId>> {
        let mut seen = HashSet::new();
        let mut ids = Vec::new();
        let sparse_accept = |d: u32| accept(DocId(d));
        for (query, _) in queries.sparse.iter().filter(|(_, p)| *p) {
            let positive_part = positive_part(query)?;
            for (d, _) in self
                .inverted()
                .search(&positive_part, n, Some(&sparse_accept))?
            {
                if seen.insert(DocId(d)) {
                    ids.push(DocId(d));
                }
            }
        }
        if let Some(dense) = self.dense() {
            for (query, _) in queries.dense.iter().filter(|(_, p)| *p) {
                let params = SearchParams::k(n).filter(accept);
                for hit in dense.search(query, &params)? {
                    if seen.insert(hit.id) {
                        ids.push(hit.id);
                    }
                }
            }
        }
        Ok(ids)
    }

    /// Exact side scores of every candidate under the strategy.
    fn recommend_scores(&self, queries: &SideQueries, ids: &[DocId]) -> Result<Vec<Candidate>> {
        let raw: Vec<u32> = ids.iter().map(|id| id.as_u32()).collect();
        let sparse_lists = queries
            .sparse
            .iter()
            .map(|(q, p)| Ok((self.inverted().score_many(q, &raw)?, *p)))
            .collect::<Result<Vec<_>>>()?;
        let prepared = queries
            .dense
            .iter()
            .filter_map(|(v, p)| {
                let dense = self.dense()?;
                Some(dense.metric().prepare(dense.dim(), v).map(|v| (v, *p)))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(ids
            .iter()
            .enumerate()
            .map(|(i, &id)| {
                let sparse: Vec<(f64, bool)> = sparse_lists
                    .iter()
                    .filter_map(|(s, p)| Some((*s.get(i)?, *p)))
                    .collect();
                let dense: Option<Vec<(f64, bool)>> = prepared
                    .iter()
                    .map(|(q, p)| self.dense_score(q, id).map(|s| (s, *p)))
                    .collect();
                Candidate {
                    id,
                    sparse: combine_examples(&sparse, queries.strategy),
                    dense: dense
                        .filter(|d| !d.is_empty())
                        .map(|d| combine_examples(&d, queries.strategy)),
                }
            })
            .collect())
    }

    /// Greedy MMR over the candidates: relevance = fused score min-max scaled,
    /// similarity = mean of TF-IDF cosine and dense similarity (TF-IDF only when
    /// either document lacks a vector).
    fn mmr_order(
        &self,
        candidates: &[Candidate],
        scores: &[f64],
        k: usize,
        lambda: f64,
    ) -> Vec<usize> {
        let relevance = crate::query::fusion::min_max(scores).unwrap_or_else(|_| scores.to_vec());
        let pool: Vec<usize> = ranked(candidates, scores)
            .into_iter()
            .take(k.saturating_mul(5).max(50))
            .collect();
        let rows: Vec<CsVec<f64>> = pool
            .iter()
            .map(|&i| {
                let (cols, values) = crate::query::document_row(self, candidates[i].id);
                let terms = cols.into_iter().zip(values).collect();
                sparse_vec(self.sparse_dim(), terms, false)
                    .unwrap_or_else(|_| CsVec::empty(self.sparse_dim()))
            })
            .collect();
        let similarity = |a: usize, b: usize| -> f64 {
            let lexical = rows[a].dot(&rows[b]);
            let va = self.vector(candidates[pool[a]].id);
            let vb = self.vector(candidates[pool[b]].id);
            match (va, vb, self.dense()) {
                (Some(x), Some(y), Some(d)) => {
                    let m = d.metric();
                    0.5 * (lexical + f64::from(m.score(m.distance(x, y))))
                }
                _ => lexical,
            }
        };
        let mut chosen: Vec<usize> = Vec::new();
        let mut max_sim = vec![0.0f64; pool.len()];
        while chosen.len() < k.min(pool.len()) {
            let best = (0..pool.len())
                .filter(|p| !chosen.contains(p))
                .max_by(|&a, &b| {
                    let score =
                        |p: usize| lambda * relevance[pool[p]] - (1.0 - lambda) * max_sim[p];
                    score(a).total_cmp(&score(b)).then(b.cmp(&a))
                });
            let Some(best) = best else { break };
            chosen.push(best);
            for (p, sim) in max_sim.iter_mut().enumerate() {
                *sim = sim.max(similarity(p, best));
            }
        }
        chosen.into_iter().map(|p| pool[p]).collect()
    }

    fn recommendation(
        &self,
        queries: &SideQueries,
        c: &Candidate,
        score: f64,
    ) -> Option<Recommendation> {
        let shared_terms = queries
            .sparse
            .iter()
            .filter(|(_, p)| *p)
            .flat_map(|(q, _)| matched_terms(self, q, c.id))
            .collect();
        Some(Recommendation {
            key: self.ids().key(c.id)?.clone(),
            score,
            sparse_score: c.sparse,
            dense_score: c.dense,
            shared_terms,
        })
    }
}

/// Candidate indexes by score descending, ties by id.
fn ranked(candidates: &[Candidate], scores: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..candidates.len().min(scores.len())).collect();
    order.sort_by(|&a, &b| {
        scores[b]
            .total_cmp(&scores[a])
            .then(candidates[a].id.cmp(&candidates[b].id))
    });
    order
}

/// Qdrant's best-score rule over `(similarity, is_positive)`; the average
/// strategy has a single positive query, whose score passes through.
fn combine_examples(scores: &[(f64, bool)], strategy: Strategy) -> f64 {
    let best = |positive: bool| {
        scores
            .iter()
            .filter(|(_, p)| *p == positive)
            .map(|(s, _)| *s)
            .fold(f64::NEG_INFINITY, f64::max)
    };
    let (pos, neg) = (best(true), best(false));
    match strategy {
        Strategy::AverageVector if pos.is_finite() => pos,
        Strategy::AverageVector => 0.0,
        Strategy::BestScore if neg.is_finite() && neg >= pos => -neg,
        Strategy::BestScore if pos.is_finite() => pos,
        Strategy::BestScore => 0.0,
    }
}

/// Builds a sparse vector from ascending `(term, weight)`, l2-normalised when asked.
fn sparse_vec(dim: usize, terms: Vec<(u32, f64)>, normalize: bool) -> Result<CsVec<f64>> {
    let norm = terms.iter().map(|(_, w)| w * w).sum::<f64>().sqrt();
    let (cols, values): (Vec<usize>, Vec<f64>) = terms
        .into_iter()
        .map(|(t, w)| {
            (
                t as usize,
                if normalize && norm > 0.0 { w / norm } else { w },
            )
        })
        .unzip();
    CsVec::try_new(dim, cols, values)
        .map_err(|(_, _, err)| Error::InvalidInput(format!("internal: bad sparse query: {err}")))
}

/// The positive entries of a signed query (candidate generation needs non-negative weights).
fn positive_part(query: &CsVec<f64>) -> Result<CsVec<f64>> {
    let terms = query
        .iter()
        .filter(|(_, &w)| w > 0.0)
        .map(|(t, &w)| (t as u32, w))
        .collect();
    sparse_vec(query.dim(), terms, false)
}

/// `avg(pos) + (avg(pos) − avg(neg))` (just `avg(pos)` without negatives), l2-normalised.
fn rocchio_sparse(dim: usize, pos: &[CsVec<f64>], neg: &[CsVec<f64>]) -> Result<CsVec<f64>> {
    let mut acc = vec![0.0f64; dim];
    let scale_pos = if neg.is_empty() { 1.0 } else { 2.0 } / pos.len().max(1) as f64;
    for q in pos {
        for (t, &w) in q.iter() {
            if let Some(a) = acc.get_mut(t) {
                *a += scale_pos * w;
            }
        }
    }
    for q in neg {
        for (t, &w) in q.iter() {
            if let Some(a) = acc.get_mut(t) {
                *a -= w / neg.len() as f64;
            }
        }
    }
    let terms = acc
        .into_iter()
        .enumerate()
        .filter(|&(_, w)| w != 0.0)
        .map(|(t, w)| (t as u32, w))
        .collect();
    sparse_vec(dim, terms, true)
}

/// The dense Rocchio query; `None` without positive vectors, `avg(pos)` if the
/// difference vanishes.
fn rocchio_dense(pos: &[&[f32]], neg: &[&[f32]]) -> Option<Vec<f32>> {
    let dim = pos.first()?.len();
    let mean = |vs: &[&[f32]]| -> Vec<f32> {
        let mut m = vec![0.0f32; dim];
        for v in vs {
            m.iter_mut()
                .zip(v.iter())
                .for_each(|(a, b)| *a += b / vs.len() as f32);
        }
        m
    };
    let avg_pos = mean(pos);
    if neg.is_empty() {
        return Some(avg_pos);
    }
    let avg_neg = mean(neg);
    let query: Vec<f32> = avg_pos
        .iter()
        .zip(&avg_neg)
        .map(|(p, n)| 2.0 * p - n)
        .collect();
    if query.iter().all(|x| *x == 0.0) {
        Some(avg_pos)
    } else {
        Some(query)
    }
}
