//! The compact HNSW graph this crate searches: `u32` adjacency per layer.
//!
//! Layer 0 is a fixed-stride array (`stride + 1` words per node: a count,
//! then up to `stride` neighbour slots), as in hnswlib. Upper layers hold few
//! nodes, so each is a sorted member list plus CSR adjacency, looked up by
//! binary search during the greedy descent.
//!
//! Search uses a generation-stamped visited array and heaps kept in a
//! thread-local scratch, so a query allocates only its result vector.

use std::cell::RefCell;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::config::Metric;
use super::exact::Cand;
use super::store::VectorStore;

/// One upper layer (level ≥ 1).
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct UpperLayer {
    /// Slots present on this layer, ascending.
    pub(crate) members: Vec<u32>,
    /// CSR offsets into `neighbours`, `members.len() + 1` entries.
    pub(crate) offsets: Vec<u32>,
    pub(crate) neighbours: Vec<u32>,
}

impl UpperLayer {
    fn neighbours_of(&self, slot: u32) -> &[u32] {
        match self.members.binary_search(&slot) {
            Ok(i) => &self.neighbours[self.offsets[i] as usize..self.offsets[i + 1] as usize],
            Err(_) => &[],
        }
    }
}

/// A read-only HNSW graph over slots `0..len`.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct CompactGraph {
    /// Number of slots covered.
    pub(crate) len: u32,
    /// Maximum layer-0 degree.
    pub(crate) stride: u32,
    /// `len * (stride + 1)` words: per node a count then neighbour slots.
    pub(crate) layer0: Vec<u32>,
    /// `upper[l - 1]` is layer `l`.
    pub(crate) upper: Vec<UpperLayer>,
    /// Entry point: a node on the top layer.
    pub(crate) entry: u32,
}

struct Scratch {
    visited: Vec<u32>,
    stamp: u32,
    candidates: BinaryHeap<Reverse<Cand>>,
    results: BinaryHeap<Cand>,
    /// Unvisited neighbours of the node being expanded, whose rows are being prefetched.
    fresh: Vec<u32>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = const { RefCell::new(Scratch {
        visited: Vec::new(),
        stamp: 0,
        candidates: BinaryHeap::new(),
        results: BinaryHeap::new(),
        fresh: Vec::new(),
    }) };
}

/// Cache lines of a row requested ahead of its distance computation; the
/// hardware prefetcher streams the rest of a row once its start is in flight.
const PREFETCH_LINES: usize = 4;

/// Asks the CPU to start loading the first cache lines of `row` (a hint only:
/// no effect on results, and a no-op off x86_64).
#[inline(always)]
fn prefetch_row(row: &[f32]) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        const FLOATS_PER_LINE: usize = 64 / std::mem::size_of::<f32>();
        for line in row.chunks(FLOATS_PER_LINE).take(PREFETCH_LINES) {
            // SAFETY: prefetching is a hint that never faults; the pointer is
            // derived from a live slice and is not dereferenced.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(line.as_ptr().cast::<i8>()) };
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = row;
}

impl Scratch {
    /// Starts a new query over `n` nodes; returns the stamp marking "visited".
    fn begin(&mut self, n: usize) -> u32 {
        if self.visited.len() < n {
            self.visited.resize(n, 0);
        }
        self.stamp = self.stamp.wrapping_add(1);
        if self.stamp == 0 {
            self.visited.iter_mut().for_each(|v| *v = 0);
            self.stamp = 1;
        }
        self.candidates.clear();
        self.results.clear();
        self.fresh.clear();
        self.stamp
    }
}

impl CompactGraph {
    #[inline]
    fn layer0_neighbours(&self, slot: u32) -> &[u32] {
        let w = self.stride as usize + 1;
        let base = slot as usize * w;
        let count = self.layer0[base] as usize;
        &self.layer0[base + 1..base + 1 + count]
    }

    /// The `ef` nodes nearest to `query` found by HNSW search, nearest first.
    /// Tombstoned nodes are traversed and returned like live ones.
    pub(crate) fn search(
        &self,
        store: &VectorStore,
        metric: Metric,
        query: &[f32],
        ef: usize,
    ) -> Vec<Cand> {
        if self.len == 0 {
            return Vec::new();
        }
        let mut cur = Cand {
            dist: metric.distance(query, store.row(self.entry)),
            slot: self.entry,
        };
        for layer in self.upper.iter().rev() {
            cur = greedy(layer, store, metric, query, cur);
        }
        SCRATCH.with(|s| self.search_layer0(&mut s.borrow_mut(), store, metric, query, cur, ef))
    }

    fn search_layer0(
        &self,
        s: &mut Scratch,
        store: &VectorStore,
        metric: Metric,
        query: &[f32],
        start: Cand,
        ef: usize,
    ) -> Vec<Cand> {
        let stamp = s.begin(self.len as usize);
        s.visited[start.slot as usize] = stamp;
        s.candidates.push(Reverse(start));
        s.results.push(start);
        while let Some(Reverse(c)) = s.candidates.pop() {
            let worst = s.results.peek().map_or(f32::INFINITY, |w| w.dist);
            if c.dist > worst && s.results.len() >= ef {
                break;
            }
            // First mark the unvisited neighbours and start loading their rows,
            // then compute distances: the loads overlap instead of each
            // distance waiting on its own cache misses (as hnswlib does).
            s.fresh.clear();
            for &n in self.layer0_neighbours(c.slot) {
                let seen = &mut s.visited[n as usize];
                if *seen != stamp {
                    *seen = stamp;
                    prefetch_row(store.row(n));
                    s.fresh.push(n);
                }
            }
            for &n in &s.fresh {
                let dist = metric.distance(query, store.row(n));
                let full = s.results.len() >= ef;
                if !full || dist < s.results.peek().map_or(f32::INFINITY, |w| w.dist) {
                    let cand = Cand { dist, slot: n };
                    s.candidates.push(Reverse(cand));
                    s.results.push(cand);
                    if s.results.len() > ef {
                        s.results.pop();
                    }
                }
            }
        }
        let mut out: Vec<Cand> = s.results.drain().collect();
        out.sort_unstable();
        out
    }
}

/// Greedy descent on one upper layer: move to the nearest neighbour until none is nearer.
fn greedy(
    layer: &UpperLayer,
    store: &VectorStore,
    metric: Metric,
    query: &[f32],
    mut cur: Cand,
) -> Cand {
    loop {
        let mut improved = false;
        for &n in layer.neighbours_of(cur.slot) {
            let dist = metric.distance(query, store.row(n));
            if dist < cur.dist {
                cur = Cand { dist, slot: n };
                improved = true;
            }
        }
        if !improved {
            return cur;
        }
    }
}
