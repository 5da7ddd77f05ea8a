//! One term's posting list: the documents containing it, ascending, with their weights.

use super::DocIdx;

/// Documents (ascending ids) and the term's weight in each, plus the extremes that bound any
/// contribution of this term to a score (what MaxScore prunes with).
#[derive(Clone, Debug, Default)]
pub(crate) struct PostingList {
    docs: Vec<DocIdx>,
    weights: Vec<f64>,
    max_weight: f64,
    min_weight: f64,
}

impl PostingList {
    /// Replaces the postings with one CSC column (row ids ascending, below `u32::MAX`,
    /// checked by the caller), keeping the list's memory.
    pub(crate) fn refill(&mut self, docs: &[usize], weights: &[f64]) {
        let fold = |(low, high): (f64, f64), &w: &f64| (low.min(w), high.max(w));
        (self.min_weight, self.max_weight) = match weights.split_first() {
            Some((&first, rest)) => rest.iter().fold((first, first), fold),
            None => (0.0, 0.0),
        };
        self.docs.clear();
        self.docs.extend(docs.iter().map(|&d| d as DocIdx));
        self.weights.clear();
        self.weights.extend_from_slice(weights);
    }

    /// Appends a posting. The caller guarantees `doc` is above every id already held.
    pub(crate) fn push(&mut self, doc: DocIdx, weight: f64) {
        debug_assert!(self.docs.last().is_none_or(|&last| last < doc));
        if self.docs.is_empty() {
            self.max_weight = weight;
            self.min_weight = weight;
        } else {
            self.max_weight = self.max_weight.max(weight);
            self.min_weight = self.min_weight.min(weight);
        }
        self.docs.push(doc);
        self.weights.push(weight);
    }

    pub(crate) fn docs(&self) -> &[DocIdx] {
        &self.docs
    }

    pub(crate) fn weights(&self) -> &[f64] {
        &self.weights
    }

    pub(crate) fn len(&self) -> usize {
        self.docs.len()
    }

    /// The largest value `query_weight * w` takes over this list, or 0 if all are negative:
    /// an upper bound of what the term adds to any document's score.
    pub(crate) fn contribution_bound(&self, query_weight: f64) -> f64 {
        (query_weight * self.max_weight)
            .max(query_weight * self.min_weight)
            .max(0.0)
    }

    /// The weight of `doc`, if it holds the term (binary search).
    pub(crate) fn weight_of(&self, doc: DocIdx) -> Option<f64> {
        let at = self.docs.binary_search(&doc).ok()?;
        self.weights.get(at).copied()
    }
}
