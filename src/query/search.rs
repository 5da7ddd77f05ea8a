//! Running a search: candidates from each side (filters pushed inside), exact
//! rescoring of every candidate on both sides, fusion, truncation.

use super::combine::{fuse, Fused};
use super::explain::explain_hit;
use super::plan::Plan;
use super::{Hit, Mode, ScoreKind, SearchRequest, SearchResults};
use crate::dense::SearchParams;
use crate::error::Result;
use crate::ids::DocId;
use crate::index::terms::QueryAnalysis;
use crate::index::Index;

/// One candidate with its exact scores on both sides.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Candidate {
    pub id: DocId,
    pub sparse: f64,
    /// `None` when the document has no vector.
    pub dense: Option<f64>,
}

impl Index {
    /// Runs `request`.
    ///
    /// Sparse mode returns the exact top `k` by TF-IDF cosine (identical to a
    /// brute-force matrix product); dense mode the top `k` of the dense index
    /// (exact or HNSW); hybrid mode takes the top [`candidates`](SearchRequest::candidates)
    /// of each side, gives every candidate its exact score on both sides, and fuses.
    /// Filters and exclusions are applied inside both retrievers.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`](crate::Error::InvalidParameter) for `k == 0` and
    /// the other bad knobs listed at [`SearchRequest`], or a forced mode that cannot
    /// run; [`Error::DimensionMismatch`](crate::Error::DimensionMismatch),
    /// [`Error::NonFiniteVector`](crate::Error::NonFiniteVector),
    /// [`Error::ZeroVector`](crate::Error::ZeroVector) for a bad query vector; the
    /// embedder's errors.
    pub fn search(&self, request: &SearchRequest) -> Result<SearchResults> {
        let plan = Plan::new(self, request)?;
        let (mut scored, kind) = match plan.mode {
            Mode::Sparse => (self.sparse_only(&plan, request)?, ScoreKind::TfidfCosine),
            Mode::Dense => (self.dense_only(&plan, request)?, ScoreKind::DenseSimilarity),
            Mode::Hybrid => {
                let candidates = self.hybrid_candidates(&plan, request)?;
                let fused = fuse(&candidates, &request.fusion)?;
                let kind = fused.kind;
                (self.rank_fused(&candidates, fused), kind)
            }
        };
        if let Some(min) = request.min_score {
            scored.retain(|s| s.score >= min);
        }
        scored.truncate(request.k);
        let hits = scored
            .into_iter()
            .filter_map(|s| self.make_hit(&plan, request, s))
            .collect();
        Ok(SearchResults {
            hits,
            mode_used: plan.mode,
            score_kind: kind,
            notes: plan.notes,
        })
    }

    /// Every candidate of `request` with its exact per-side scores and the
    /// mode that ran, for callers that score candidates themselves (the FAQ
    /// cache thresholds a fixed linear mix): the top
    /// [`candidates`](SearchRequest::candidates) of each side that runs (hybrid:
    /// their union, each scored on both sides), in no particular order, with no
    /// fusion, `min_score`, truncation to `k` or hit construction. Filters and
    /// exclusions apply as in [`search`](Self::search).
    ///
    /// # Errors
    /// As [`search`](Self::search).
    ///
    /// `analysis`, when given, is [`analyse_query`](Self::analyse_query) of the
    /// request's text, which is then not analysed again.
    pub(crate) fn scored_candidates(
        &self,
        request: &SearchRequest,
        analysis: Option<&QueryAnalysis>,
    ) -> Result<(Mode, Vec<SideScores>)> {
        let plan = Plan::with_analysis(self, request, analysis)?;
        let n = request.candidates_value();
        let scored = match plan.mode {
            Mode::Sparse => self
                .sparse_candidates(&plan, request, n)?
                .into_iter()
                .map(|(id, s)| SideScores {
                    id,
                    sparse: Some(s),
                    dense: None,
                })
                .collect(),
            Mode::Dense => self
                .dense_candidates(&plan, request, n)?
                .into_iter()
                .map(|(id, d)| SideScores {
                    id,
                    sparse: None,
                    dense: Some(d),
                })
                .collect(),
            Mode::Hybrid => self
                .hybrid_candidates(&plan, request)?
                .into_iter()
                .map(|c| SideScores {
                    id: c.id,
                    sparse: Some(c.sparse),
                    dense: c.dense,
                })
                .collect(),
        };
        Ok((plan.mode, scored))
    }

    fn sparse_only(&self, plan: &Plan, request: &SearchRequest) -> Result<Vec<Scored>> {
        let hits = self.sparse_candidates(plan, request, request.k)?;
        Ok(hits
            .into_iter()
            .enumerate()
            .map(|(i, (id, score))| Scored::single(id, score, Some(score), None, i))
            .collect())
    }

    fn dense_only(&self, plan: &Plan, request: &SearchRequest) -> Result<Vec<Scored>> {
        let hits = self.dense_candidates(plan, request, request.k)?;
        Ok(hits
            .into_iter()
            .enumerate()
            .map(|(i, (id, score))| Scored::single(id, score, None, Some(score), i))
            .collect())
    }

    fn sparse_candidates(
        &self,
        plan: &Plan,
        request: &SearchRequest,
        n: usize,
    ) -> Result<Vec<(DocId, f64)>> {
        let Some(query) = &plan.sparse else {
            return Ok(Vec::new());
        };
        let accept = |doc: u32| plan.accepts(self, request, DocId(doc));
        let filter: Option<&dyn Fn(u32) -> bool> = plan.restricts(request).then_some(&accept);
        let hits = self.inverted().search(query, n, filter)?;
        Ok(hits.into_iter().map(|(d, s)| (DocId(d), s)).collect())
    }

    fn dense_candidates(
        &self,
        plan: &Plan,
        request: &SearchRequest,
        n: usize,
    ) -> Result<Vec<(DocId, f64)>> {
        let (Some(query), Some(dense)) = (&plan.dense, self.dense()) else {
            return Ok(Vec::new());
        };
        let accept = |id: DocId| plan.accepts(self, request, id);
        let mut params = SearchParams::k(n);
        if plan.restricts(request) {
            params = params.filter(&accept);
        }
        if let Some(ef) = request.ef {
            params = params.ef(ef);
        }
        // `query` is prepared already (the plan validated and normalised it).
        let hits = dense.search_prepared(query, &params)?;
        Ok(hits
            .into_iter()
            .map(|h| (h.id, f64::from(h.score)))
            .collect())
    }

    /// Top-N of each side, then every candidate's exact score on both sides.
    ///
    /// A side's own candidates keep the exact score that side computed (the
    /// same number a single-document score gives: the sparse search sums
    /// in the same order as a single-document score, and the dense side scores
    /// the same prepared vector with the same kernel); only the other side's
    /// score is computed. Candidates are listed sparse first, then the dense
    /// side's new ones, each side best first.
    pub(crate) fn hybrid_candidates(
        &self,
        plan: &Plan,
        request: &SearchRequest,
    ) -> Result<Vec<Candidate>> {
        let n = request.candidates_value();
        let sparse = self.sparse_candidates(plan, request, n)?;
        let dense = self.dense_candidates(plan, request, n)?;
        // foldhash (hashbrown's default): these maps live for one query, and
        // SipHash showed up at ~10% of a FAQ lookup's instructions.
        let dense_of: hashbrown::HashMap<DocId, f64> = dense.iter().copied().collect();
        let sparse_only: Vec<DocId> = sparse
            .iter()
            .map(|&(id, _)| id)
            .filter(|id| !dense_of.contains_key(id))
            .collect();
        let mut computed = self.dense_scores(plan, &sparse_only).into_iter();
        // Room for the dense-only candidates appended below.
        let mut candidates: Vec<Candidate> = Vec::with_capacity(sparse.len() + dense.len());
        candidates.extend(sparse.iter().map(|&(id, score)| Candidate {
            id,
            sparse: score,
            dense: match dense_of.get(&id) {
                Some(&d) => Some(d),
                None => computed.next().flatten(),
            },
        }));
        let in_sparse: hashbrown::HashSet<DocId> = sparse.iter().map(|&(id, _)| id).collect();
        let dense_only: Vec<(DocId, f64)> = dense
            .into_iter()
            .filter(|(id, _)| !in_sparse.contains(id))
            .collect();
        let raw: Vec<u32> = dense_only.iter().map(|(id, _)| id.as_u32()).collect();
        let sparse_scores = match &plan.sparse {
            Some(query) => self.inverted().score_many(query, &raw)?,
            None => vec![0.0; raw.len()],
        };
        candidates.extend(dense_only.into_iter().zip(sparse_scores).map(
            |((id, dense), sparse)| Candidate {
                id,
                sparse,
                dense: Some(dense),
            },
        ));
        Ok(candidates)
    }

    /// The plan's dense query's exact similarity with each of `ids` (`None`:
    /// no vector, or no dense query).
    fn dense_scores(&self, plan: &Plan, ids: &[DocId]) -> Vec<Option<f64>> {
        match (plan.dense.as_deref(), self.dense()) {
            (Some(query), Some(dense)) => dense
                .scores_of(query, ids)
                .into_iter()
                .map(|s| s.map(f64::from))
                .collect(),
            _ => vec![None; ids.len()],
        }
    }

    /// Exact dense similarity of a prepared query with a stored vector.
    pub(crate) fn dense_score(&self, query: &[f32], id: DocId) -> Option<f64> {
        let dense = self.dense()?;
        let stored = dense.vector(id)?;
        let metric = dense.metric();
        Some(f64::from(metric.score(metric.distance(query, stored))))
    }

    fn rank_fused(&self, candidates: &[Candidate], fused: Fused) -> Vec<Scored> {
        let mut scored: Vec<Scored> = candidates
            .iter()
            .enumerate()
            .filter_map(|(i, c)| {
                Some(Scored {
                    id: c.id,
                    score: *fused.scores.get(i)?,
                    sparse: Some(c.sparse),
                    dense: c.dense,
                    detail: Some(fused.detail(i)?),
                })
            })
            .collect();
        scored.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.id.cmp(&b.id)));
        scored
    }

    fn make_hit(&self, plan: &Plan, request: &SearchRequest, s: Scored) -> Option<Hit> {
        let key = self.ids().key(s.id)?.clone();
        let explanation = request.explain.then(|| explain_hit(self, plan, &s));
        Some(Hit {
            key,
            score: s.score,
            sparse_score: s.sparse,
            dense_score: s.dense,
            explanation,
        })
    }
}

/// A candidate's exact score on each side that ran (see [`Index::scored_candidates`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct SideScores {
    pub id: DocId,
    /// TF-IDF cosine; `None` when the sparse side did not run.
    pub sparse: Option<f64>,
    /// Dense similarity; `None` when the dense side did not run or the document has no vector.
    pub dense: Option<f64>,
}

/// A scored document on its way to becoming a [`Hit`].
#[derive(Clone, Debug)]
pub(crate) struct Scored {
    pub id: DocId,
    pub score: f64,
    pub sparse: Option<f64>,
    pub dense: Option<f64>,
    /// Per-side fusion detail (hybrid) or the single side's rank.
    pub detail: Option<super::combine::FusionDetail>,
}

impl Scored {
    fn single(
        id: DocId,
        score: f64,
        sparse: Option<f64>,
        dense: Option<f64>,
        position: usize,
    ) -> Self {
        Scored {
            id,
            score,
            sparse,
            dense,
            detail: Some(super::combine::FusionDetail::single(
                sparse.is_some(),
                score,
                position,
            )),
        }
    }
}
