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
    /// Makes room for `n` postings in all (exactly that much when the list
    /// has less).
    pub(crate) fn reserve(&mut self, n: usize) {
        self.docs.reserve_exact(n.saturating_sub(self.docs.len()));
        self.weights
            .reserve_exact(n.saturating_sub(self.weights.len()));
    }

    /// Empties the list, keeping its memory.
    pub(crate) fn clear(&mut self) {
        self.docs.clear();
        self.weights.clear();
        self.max_weight = 0.0;
        self.min_weight = 0.0;
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
