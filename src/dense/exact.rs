//! Exact top-k: a scan over store rows keeping the k nearest in a bounded heap.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::config::Metric;
use super::store::VectorStore;

/// A candidate: internal distance (lower is nearer) and slot.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Cand {
    pub(crate) dist: f32,
    pub(crate) slot: u32,
}

impl PartialEq for Cand {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Cand {}
impl PartialOrd for Cand {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Cand {
    fn cmp(&self, other: &Self) -> Ordering {
        self.dist
            .total_cmp(&other.dist)
            .then(self.slot.cmp(&other.slot))
    }
}

/// The `k` smallest candidates seen so far (a max-heap of size `k`).
pub(crate) struct TopK {
    k: usize,
    heap: BinaryHeap<Cand>,
}

impl TopK {
    /// A collector for the `k` nearest. `k` is the caller's and may be far
    /// above the number of rows (`usize::MAX` means "all"): room is reserved
    /// for at most 4096 up front and the heap grows past that as it fills.
    pub(crate) fn new(k: usize) -> Self {
        TopK {
            k,
            heap: BinaryHeap::with_capacity(k.saturating_add(1).min(4096)),
        }
    }

    #[inline]
    pub(crate) fn push(&mut self, c: Cand) {
        if self.heap.len() < self.k {
            self.heap.push(c);
        } else if let Some(mut worst) = self.heap.peek_mut() {
            if c < *worst {
                *worst = c;
            }
        }
    }

    /// The distance a candidate must not exceed to enter: the k-th smallest
    /// so far, or infinity while fewer than `k` are held.
    #[inline]
    pub(crate) fn bound(&self) -> f32 {
        match self.heap.peek() {
            Some(worst) if self.heap.len() >= self.k => worst.dist,
            _ => f32::INFINITY,
        }
    }

    /// Candidates sorted nearest first.
    pub(crate) fn into_sorted(self) -> Vec<Cand> {
        self.heap.into_sorted_vec()
    }
}

/// Pushes every live row in `slots` that `accept` admits into `top`.
pub(crate) fn scan(
    store: &VectorStore,
    metric: Metric,
    query: &[f32],
    slots: std::ops::Range<u32>,
    accept: &dyn Fn(u32) -> bool,
    top: &mut TopK,
) {
    for slot in slots {
        if !store.is_deleted(slot) && accept(slot) {
            let dist = metric.distance(query, store.row(slot));
            top.push(Cand { dist, slot });
        }
    }
}
