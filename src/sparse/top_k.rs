//! Bounded top-k collection with a deterministic order: score descending, then document id
//! ascending.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::DocIdx;

/// One collected hit, ordered so that the heap's maximum is the *worst* hit.
#[derive(Clone, Copy, Debug)]
struct Worst {
    score: f64,
    doc: DocIdx,
}

impl Worst {
    /// `true` when `(score, doc)` ranks strictly before `self`.
    fn is_beaten_by(&self, score: f64, doc: DocIdx) -> bool {
        match score.total_cmp(&self.score) {
            Ordering::Greater => true,
            Ordering::Less => false,
            Ordering::Equal => doc < self.doc,
        }
    }
}

impl PartialEq for Worst {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Worst {}

impl PartialOrd for Worst {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Worst {
    /// Greater means worse: a lower score, or the same score and a higher id.
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .score
            .total_cmp(&self.score)
            .then(self.doc.cmp(&other.doc))
    }
}

/// Keeps the best `k` hits seen so far.
#[derive(Debug)]
pub(crate) struct TopK {
    k: usize,
    heap: BinaryHeap<Worst>,
}

impl TopK {
    /// A collector for `k ≥ 1` hits.
    pub(crate) fn new(k: usize) -> TopK {
        TopK {
            k,
            heap: BinaryHeap::with_capacity(k.saturating_add(1).min(4096)),
        }
    }

    fn is_full(&self) -> bool {
        self.heap.len() >= self.k
    }

    /// Whether a hit with this score and id would enter the collection.
    pub(crate) fn would_accept(&self, score: f64, doc: DocIdx) -> bool {
        match self.heap.peek() {
            Some(worst) if self.is_full() => worst.is_beaten_by(score, doc),
            _ => true,
        }
    }

    /// Adds a hit if it ranks among the best `k`. Returns `true` when the entry threshold
    /// may have changed (the collection was full after the insertion).
    pub(crate) fn push(&mut self, score: f64, doc: DocIdx) -> bool {
        if !self.would_accept(score, doc) {
            return false;
        }
        let hit = Worst { score, doc };
        if !self.is_full() {
            self.heap.push(hit);
        } else if let Some(mut worst) = self.heap.peek_mut() {
            // One sift down in place of a pop and a push (which sift twice).
            *worst = hit;
        }
        self.is_full()
    }

    /// The score a hit must reach to possibly enter: the worst kept score once `k` hits are
    /// held, 0 before (only positive scores are hits).
    pub(crate) fn threshold(&self) -> f64 {
        match self.heap.peek() {
            Some(worst) if self.is_full() => worst.score.max(0.0),
            _ => 0.0,
        }
    }

    /// The hits, best first.
    pub(crate) fn into_sorted(self) -> Vec<(DocIdx, f64)> {
        self.heap
            .into_sorted_vec()
            .into_iter()
            .map(|w| (w.doc, w.score))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_best_k_with_id_tie_break() {
        let mut top = TopK::new(3);
        for (doc, score) in [(5, 0.5), (1, 0.9), (7, 0.5), (2, 0.5), (3, 0.1)] {
            top.push(score, doc);
        }
        assert_eq!(top.threshold(), 0.5);
        assert_eq!(top.into_sorted(), vec![(1, 0.9), (2, 0.5), (5, 0.5)]);
    }

    #[test]
    fn threshold_is_zero_until_full() {
        let mut top = TopK::new(2);
        top.push(0.7, 0);
        assert_eq!(top.threshold(), 0.0);
        top.push(0.3, 1);
        assert_eq!(top.threshold(), 0.3);
        assert!(!top.would_accept(0.3, 2));
        assert!(top.would_accept(0.3, 0));
    }
}
