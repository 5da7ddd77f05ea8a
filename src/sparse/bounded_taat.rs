//! Term-at-a-time with MaxScore early termination (the TAAT form of Turtle & Flood 1995).
//!
//! Query terms are processed by upper bound `U_t` descending into a dense accumulator. Before
//! each term, `R_i = Σ_{j ≥ i} U_j` bounds the score of any document not yet touched; once
//! `R_i` falls below `θ'`, the k-th best partial score among live touched documents (a lower
//! bound of the final k-th score, since contributions are non-negative), no untouched document
//! can enter and the remaining — usually long, low-idf — lists are not traversed. Touched
//! documents whose `partial + R_i` cannot reach `θ'` are dropped; the survivors get their
//! exact score from the forward rows, summed in ascending term order (bit-identical to the
//! other strategies and to `sprs`).
//!
//! Needs non-negative contributions (`q_t · w ≥ 0`, true for TF-IDF); otherwise it defers to
//! the exhaustive method.

use super::exhaustive;
use super::forward::ForwardRows;
use super::postings::PostingList;
use super::query::QueryTerms;
use super::scratch::SearchScratch;
use super::top_k::TopK;
use super::DocIdx;

/// A document whose bound is within this relative distance of the threshold is still scored.
const PRUNING_SLACK: f64 = 1e-9;

fn floor(threshold: f64) -> f64 {
    threshold - PRUNING_SLACK * (1.0 + threshold.abs())
}

/// Exact top-k; `live` decides whether a document may be returned.
pub(crate) fn search(
    postings: &[PostingList],
    forward: &ForwardRows,
    query: &QueryTerms,
    k: usize,
    live: &dyn Fn(DocIdx) -> bool,
    scratch: &mut SearchScratch,
) -> Vec<(DocIdx, f64)> {
    let mut lists: Vec<(f64, &PostingList, f64)> = Vec::with_capacity(query.terms.len());
    for &(term, q) in &query.terms {
        let Some(list) = postings.get(term as usize) else {
            continue;
        };
        if list.len() == 0 {
            continue;
        }
        if list.contribution_floor(q) < 0.0 {
            return exhaustive::search(postings, forward.len(), query, k, live, scratch);
        }
        lists.push((list.contribution_bound(q), list, q));
    }
    lists.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut remaining: Vec<f64> = vec![0.0; lists.len() + 1];
    for i in (0..lists.len()).rev() {
        remaining[i] = remaining[i + 1] + lists[i].0;
    }

    let SearchScratch {
        accumulator,
        touched,
        ..
    } = scratch;
    if accumulator.len() < forward.len() {
        accumulator.resize(forward.len(), 0.0);
    }
    touched.clear();
    let mut max_partial: f64 = 0.0;
    let mut processed = lists.len();
    for (i, &(_, list, q)) in lists.iter().enumerate() {
        if i > 0 && max_partial >= floor(remaining[i]) {
            let lower = kth_partial(accumulator, touched, k, live);
            if remaining[i] < floor(lower) {
                processed = i;
                break;
            }
        }
        for (&doc, &weight) in list.docs().iter().zip(list.weights()) {
            let slot = &mut accumulator[doc as usize];
            if *slot == 0.0 {
                touched.push(doc);
            }
            *slot += weight * q;
            max_partial = max_partial.max(*slot);
        }
    }

    let rest = remaining[processed];
    let entry = floor(kth_partial(accumulator, touched, k, live));
    let mut top = TopK::new(k);
    for &doc in touched.iter() {
        let partial = std::mem::take(&mut accumulator[doc as usize]);
        if partial == 0.0 || partial + rest < entry {
            continue;
        }
        let score = forward.dot(doc, &query.terms);
        if score > 0.0 && top.would_accept(score, doc) && live(doc) {
            top.push(score, doc);
        }
    }
    top.into_sorted()
}

/// The k-th best partial score among live touched documents (0 with fewer than k).
fn kth_partial(
    accumulator: &[f64],
    touched: &[DocIdx],
    k: usize,
    live: &dyn Fn(DocIdx) -> bool,
) -> f64 {
    let mut top = TopK::new(k);
    for &doc in touched {
        let partial = accumulator[doc as usize];
        if partial > 0.0 && top.would_accept(partial, doc) && live(doc) {
            top.push(partial, doc);
        }
    }
    top.threshold()
}
