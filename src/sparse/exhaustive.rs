//! Term-at-a-time scoring: every posting of every query term is added into a dense
//! accumulator, then the touched documents go through a k-heap.
//!
//! Cost O(Σ posting lengths + touched · log k), with no pruning. It is the simplest exact
//! method and the reference the pruned one is tested against.

use super::postings::PostingList;
use super::query::QueryTerms;
use super::scratch::SearchScratch;
use super::top_k::TopK;
use super::DocIdx;

/// Exact top-k by accumulation. `live` decides whether a document may be returned.
pub(crate) fn search(
    postings: &[PostingList],
    n_docs: usize,
    query: &QueryTerms,
    k: usize,
    live: &dyn Fn(DocIdx) -> bool,
    scratch: &mut SearchScratch,
) -> Vec<(DocIdx, f64)> {
    let SearchScratch {
        accumulator,
        touched,
        ..
    } = scratch;
    if accumulator.len() < n_docs {
        accumulator.resize(n_docs, 0.0);
    }
    // A slice, not the scratch's vector: pushing to `touched` cannot move it,
    // so its address stays in registers (the loops below reloaded it per
    // posting and per touched document).
    let accumulator = &mut accumulator[..];
    touched.clear();
    // Ascending term order: each sum is formed exactly as sprs's sparse dot product forms it.
    for &(term, q) in &query.terms {
        let Some(list) = postings.get(term as usize) else {
            continue;
        };
        for (&doc, &weight) in list.docs().iter().zip(list.weights()) {
            let slot = &mut accumulator[doc as usize];
            if *slot == 0.0 {
                touched.push(doc);
            }
            *slot += weight * q;
        }
    }
    let mut top = TopK::new(k);
    // Scores below the k-th kept one cannot enter: one comparison skips most
    // touched documents without asking the collector (ties still ask it).
    let mut floor = 0.0;
    for &doc in touched.iter() {
        let slot = &mut accumulator[doc as usize];
        let score = std::mem::take(slot);
        // A doc pushed twice (its sum passed through 0) reads 0 the second time: skipped.
        if score > 0.0
            && score >= floor
            && top.would_accept(score, doc)
            && live(doc)
            && top.push(score, doc)
        {
            floor = top.threshold();
        }
    }
    top.into_sorted()
}
