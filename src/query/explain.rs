//! Explanations: side scores, fusion weights, shared terms with their TF-IDF
//! contributions, and the query's most informative terms the document lacks.

use sprs::CsVec;

use super::plan::Plan;
use super::search::Scored;
use super::{Explanation, TermContribution};
use crate::ids::DocId;
use crate::index::Index;

/// How many missing query terms an explanation lists.
const MISSING_TERMS: usize = 5;

pub(crate) fn explain_hit(index: &Index, plan: &Plan, scored: &Scored) -> Explanation {
    let detail = scored.detail.clone();
    let mut notes = Vec::new();
    if plan.dense.is_some() && scored.dense.is_none() {
        notes.push("no vector: no dense score, ranked last on the dense side".to_string());
    }
    let (matched_terms, missing_terms) = match &plan.sparse {
        Some(query) => (
            matched_terms(index, query, scored.id),
            missing_terms(index, query, scored.id),
        ),
        None => (Vec::new(), Vec::new()),
    };
    Explanation {
        sparse: detail.as_ref().and_then(|d| d.sparse.clone()),
        dense: detail.as_ref().and_then(|d| d.dense.clone()),
        weights: detail.and_then(|d| d.weights),
        fused: scored.score,
        matched_terms,
        missing_terms,
        notes,
    }
}

/// The document's TF-IDF row under the current weighting (empty if unknown).
pub(crate) fn document_row(index: &Index, id: DocId) -> (Vec<u32>, Vec<f64>) {
    index
        .record(id)
        .and_then(|r| index.weights().weigh(&r.counts, &index.config().tfidf).ok())
        .unwrap_or_default()
}

/// Terms in both the query and the document, largest contribution first.
pub(crate) fn matched_terms(index: &Index, query: &CsVec<f64>, id: DocId) -> Vec<TermContribution> {
    let (cols, values) = document_row(index, id);
    let mut out: Vec<TermContribution> = query
        .iter()
        .filter_map(|(term, &q)| {
            let pos = cols.binary_search(&(term as u32)).ok()?;
            let d = *values.get(pos)?;
            Some(TermContribution {
                term: index.dictionary().term(term as u32)?.to_string(),
                query_weight: q,
                doc_weight: d,
                contribution: q * d,
            })
        })
        .collect();
    out.sort_by(|a, b| b.contribution.total_cmp(&a.contribution));
    out
}

/// Query terms the document lacks, highest idf first.
fn missing_terms(index: &Index, query: &CsVec<f64>, id: DocId) -> Vec<(String, f64)> {
    let Some(record) = index.record(id) else {
        return Vec::new();
    };
    let mut out: Vec<(String, f64)> = query
        .indices()
        .iter()
        .filter(|&&t| record.counts.count_of(t as u32) == 0)
        .filter_map(|&t| {
            let idf = *index.weights().idf.get(t)?;
            Some((index.dictionary().term(t as u32)?.to_string(), idf))
        })
        .collect();
    out.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    out.truncate(MISSING_TERMS);
    out
}
