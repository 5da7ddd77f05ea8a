//! Deciding how a request runs: which sides, with which query vectors, and what to tell the caller.

use std::collections::HashSet;

use sprs::CsVec;

use super::{Mode, SearchRequest};
use crate::error::{Error, Result};
use crate::ids::DocId;
use crate::index::terms::{count_known, QueryAnalysis, TermCounts};
use crate::index::Index;

/// A checked, resolved request.
pub(crate) struct Plan {
    pub mode: Mode,
    /// TF-IDF query vector (sparse or hybrid).
    pub sparse: Option<CsVec<f64>>,
    /// Prepared (validated, normalised under cosine) dense query vector.
    pub dense: Option<Vec<f32>>,
    pub notes: Vec<String>,
    excluded: HashSet<DocId>,
}

impl Plan {
    /// Checks `request` and resolves its mode.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for `k == 0`, `candidates == 0`, `ef == 0`, a
    /// non-finite `min_score`, a request with neither text nor vector, or a forced
    /// mode that cannot run; the vector errors for a bad query vector; the
    /// embedder's errors.
    pub fn new(index: &Index, request: &SearchRequest) -> Result<Plan> {
        Plan::with_analysis(index, request, None)
    }

    /// As [`new`](Self::new), with the request text's analysis done already
    /// (it must be of `request.text` by this index's analyzer).
    ///
    /// # Errors
    /// As [`new`](Self::new).
    pub fn with_analysis(
        index: &Index,
        request: &SearchRequest,
        analysis: Option<&QueryAnalysis>,
    ) -> Result<Plan> {
        check_knobs(request)?;
        let mut notes = Vec::new();
        let dense = dense_query(index, request, &mut notes)?;
        let text = request.text.as_deref();
        let mode = resolve_mode(request.mode, text.is_some(), dense.is_some(), &mut notes)?;
        let sparse = match (mode, text) {
            (Mode::Sparse | Mode::Hybrid, Some(text)) => Some(match analysis {
                Some(analysis) => index.weigh_query(&analysis.counts)?,
                None => index.sparse_query(text)?,
            }),
            _ => None,
        };
        let excluded = request
            .exclude
            .iter()
            .filter_map(|key| index.ids().get(key))
            .collect();
        Ok(Plan {
            mode,
            sparse,
            dense: if mode == Mode::Sparse { None } else { dense },
            notes,
            excluded,
        })
    }

    /// Whether the request restricts documents beyond liveness (both retrievers
    /// already skip deleted documents, and run faster without a predicate).
    pub fn restricts(&self, request: &SearchRequest) -> bool {
        request.filter.is_some() || !self.excluded.is_empty()
    }

    /// Whether a document may be returned: live, not excluded, passing the filter.
    pub fn accepts(&self, index: &Index, request: &SearchRequest, id: DocId) -> bool {
        let Some(record) = index.record(id) else {
            return false;
        };
        !self.excluded.contains(&id)
            && request
                .filter
                .as_ref()
                .is_none_or(|f| f.matches(&record.metadata))
    }
}

fn check_knobs(request: &SearchRequest) -> Result<()> {
    if request.k == 0 {
        return Err(Error::invalid_parameter("k", "must be at least 1"));
    }
    if request.candidates == Some(0) {
        return Err(Error::invalid_parameter("candidates", "must be at least 1"));
    }
    if request.ef == Some(0) {
        return Err(Error::invalid_parameter("ef", "must be at least 1"));
    }
    if request.min_score.is_some_and(|s| !s.is_finite()) {
        return Err(Error::invalid_parameter("min_score", "must be finite"));
    }
    if request.text.is_none() && request.vector.is_none() {
        return Err(Error::invalid_parameter(
            "query",
            "give query text, a query vector, or both",
        ));
    }
    Ok(())
}

/// The prepared dense query: the caller's vector, else the embedded text.
fn dense_query(
    index: &Index,
    request: &SearchRequest,
    notes: &mut Vec<String>,
) -> Result<Option<Vec<f32>>> {
    let Some(dense) = index.dense() else {
        if request.vector.is_some() {
            notes.push("the index has no vectors: the query vector was not used".into());
        }
        return Ok(None);
    };
    let raw = match (&request.vector, &request.text, index.embedder()) {
        (Some(v), _, _) => v.clone(),
        (None, Some(text), Some(embedder)) if request.mode != Some(Mode::Sparse) => {
            embedder.embed(text)?
        }
        _ => return Ok(None),
    };
    dense.metric().prepare(dense.dim(), &raw).map(Some)
}

fn resolve_mode(
    wanted: Option<Mode>,
    text: bool,
    vector: bool,
    notes: &mut Vec<String>,
) -> Result<Mode> {
    let unavailable = |what: &str| Err(Error::invalid_parameter("mode", what.to_string()));
    match wanted {
        Some(Mode::Sparse) if !text => unavailable("sparse mode needs query text"),
        Some(Mode::Dense) if !vector => unavailable(
            "dense mode needs a query vector, or query text and an index with an embedder and vectors",
        ),
        Some(Mode::Sparse) => Ok(Mode::Sparse),
        Some(Mode::Dense) => Ok(Mode::Dense),
        None | Some(Mode::Hybrid) => Ok(match (text, vector) {
            (true, true) => Mode::Hybrid,
            (true, false) => {
                notes.push(
                    "sparse only: no query vector and no embedder (or no vectors in the index)"
                        .into(),
                );
                Mode::Sparse
            }
            _ => {
                notes.push("dense only: no query text".into());
                Mode::Dense
            }
        }),
    }
}

impl Index {
    /// The TF-IDF vector of a query text under the current weighting.
    ///
    /// # Errors
    /// [`Error::NonFiniteValue`] (not reachable with smoothed idf).
    pub(crate) fn sparse_query(&self, text: &str) -> Result<CsVec<f64>> {
        self.weigh_query(&count_known(self.analyzer(), self.dictionary(), text))
    }

    /// The TF-IDF vector of a query's term counts under the current weighting.
    ///
    /// # Errors
    /// As [`sparse_query`](Self::sparse_query).
    pub(crate) fn weigh_query(&self, counts: &TermCounts) -> Result<CsVec<f64>> {
        self.weights()
            .weigh_vec(counts, &self.config().tfidf, self.sparse_dim())
    }

    /// The analysis of a query text (its terms and their counts), for callers
    /// that need the terms too; pass it to [`scored_candidates`](Self::scored_candidates).
    pub(crate) fn analyse_query(&self, text: &str) -> QueryAnalysis {
        QueryAnalysis::new(self.analyzer(), self.dictionary(), text)
    }
}
