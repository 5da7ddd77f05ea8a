//! Bounded top-k collection with a deterministic order: score descending, then document id
//! ascending.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::DocIdx;

/// One collected hit as one integer that orders hits by rank: a higher
/// score ranks first, then a lower id. The score's bits go through
/// [`f64::total_cmp`]'s integer image, so ties and order are exactly those
/// of `total_cmp`; the heap compares one `i128` instead of a score through
/// `total_cmp` and then an id (its sifting was ~170 instructions per hit
/// replaced on medquad's long questions).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Rank(i128);

impl Rank {
    fn new(score: f64, doc: DocIdx) -> Self {
        let order = total_order_bits(score.to_bits() as i64);
        Rank((i128::from(order) << 32) | i128::from(DocIdx::MAX - doc))
    }

    fn score(self) -> f64 {
        f64::from_bits(total_order_bits((self.0 >> 32) as i64) as u64)
    }

    fn doc(self) -> DocIdx {
        DocIdx::MAX - self.0 as u32
    }
}

/// The bits of an `f64` as an `i64` that orders as [`f64::total_cmp`] does
/// (the transform `total_cmp` applies); applied twice it gives the bits back.
fn total_order_bits(bits: i64) -> i64 {
    bits ^ (((bits >> 63) as u64) >> 1) as i64
}

/// Keeps the best `k` hits seen so far.
#[derive(Debug)]
pub(crate) struct TopK {
    k: usize,
    /// A min-heap by rank: its top is the worst hit kept.
    heap: BinaryHeap<Reverse<Rank>>,
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
            Some(Reverse(worst)) if self.is_full() => Rank::new(score, doc) > *worst,
            _ => true,
        }
    }

    /// Adds a hit if it ranks among the best `k`. Returns `true` when the entry threshold
    /// may have changed (the collection was full after the insertion).
    pub(crate) fn push(&mut self, score: f64, doc: DocIdx) -> bool {
        if !self.would_accept(score, doc) {
            return false;
        }
        let hit = Reverse(Rank::new(score, doc));
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
            Some(Reverse(worst)) if self.is_full() => worst.score().max(0.0),
            _ => 0.0,
        }
    }

    /// The hits, best first.
    pub(crate) fn into_sorted(self) -> Vec<(DocIdx, f64)> {
        self.heap
            .into_sorted_vec()
            .into_iter()
            .map(|Reverse(hit)| (hit.doc(), hit.score()))
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
    fn ranks_order_as_score_then_id_and_give_them_back() {
        let scores = [
            f64::NEG_INFINITY,
            -2.0,
            -0.0,
            0.0,
            5e-324,
            0.5,
            0.5000000000000001,
            3.0,
            f64::INFINITY,
        ];
        let hits: Vec<(f64, DocIdx)> = scores
            .iter()
            .flat_map(|&s| [0, 1, 9, DocIdx::MAX].map(|d| (s, d)))
            .collect();
        for &(sa, da) in &hits {
            let a = Rank::new(sa, da);
            assert_eq!((a.score().to_bits(), a.doc()), (sa.to_bits(), da));
            for &(sb, db) in &hits {
                // Ranks first: the higher score, then the lower id.
                let expected = sa.total_cmp(&sb).then(db.cmp(&da));
                assert_eq!(
                    a.cmp(&Rank::new(sb, db)),
                    expected,
                    "{sa} {da} vs {sb} {db}"
                );
            }
        }
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
