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
use super::exact::{Cand, TopK};
use super::quantized::{QuantizedQuery, QuantizedRows};
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

/// Cache lines of a row requested ahead of its distance computation: whole
/// rows up to 2 KiB (a 384-d row is 6 lines as 8-bit codes, 24 in `f32`).
/// Requesting only the first 4 lines and leaving the rest to the hardware
/// prefetcher made medquad's 17.9k x 384 search (k=20, ef=64) 15–25% slower
/// on the 2-core VM; on 100k synthetic rows the two were within noise.
const PREFETCH_LINES: usize = 32;

/// Asks the CPU to start loading the first cache lines of `row` (a hint only:
/// no effect on results, and a no-op off x86_64).
#[inline(always)]
fn prefetch_row<T>(row: &[T]) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        const LINE: usize = 64;
        let bytes = std::mem::size_of_val(row);
        let start = row.as_ptr().cast::<i8>();
        for offset in (0..bytes).step_by(LINE).take(PREFETCH_LINES) {
            // SAFETY: `offset < bytes`, so the pointer stays inside the live
            // slice; prefetching is a hint that never faults and reads nothing.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(start.add(offset)) };
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = row;
}

/// Where a traversal reads rows from: the exact `f32` rows or their 8-bit
/// codes (see [`QuantizedRows`]).
/// Each implementation carries the query it measures from.
trait Rows {
    fn distance(&self, slot: u32) -> f32;
    fn prefetch(&self, slot: u32);
}

struct FullRows<'a> {
    store: &'a VectorStore,
    metric: Metric,
    query: &'a [f32],
}

impl Rows for FullRows<'_> {
    #[inline(always)]
    fn distance(&self, slot: u32) -> f32 {
        self.metric.distance(self.query, self.store.row(slot))
    }
    #[inline(always)]
    fn prefetch(&self, slot: u32) {
        prefetch_row(self.store.row(slot));
    }
}

struct Coded<'a> {
    rows: &'a QuantizedRows,
    query: QuantizedQuery,
}

impl Rows for Coded<'_> {
    #[inline(always)]
    fn distance(&self, slot: u32) -> f32 {
        self.rows.distance(&self.query, slot)
    }
    #[inline(always)]
    fn prefetch(&self, slot: u32) {
        prefetch_row(self.rows.row(slot));
    }
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
    /// A node's whole layer-0 record: its count, then `stride` neighbour slots.
    #[inline]
    fn layer0_entry(&self, slot: u32) -> &[u32] {
        let w = self.stride as usize + 1;
        let base = slot as usize * w;
        &self.layer0[base..base + w]
    }

    #[inline]
    fn layer0_neighbours(&self, slot: u32) -> &[u32] {
        let entry = self.layer0_entry(slot);
        let count = entry[0] as usize;
        &entry[1..1 + count]
    }

    /// The `k` nearest nodes that `accept` admits among the `ef` found by
    /// HNSW search, with exact distances, and how many found nodes `accept`
    /// admitted. Tombstoned nodes are traversed like live ones (`accept`
    /// decides whether they are returned).
    ///
    /// The traversal reads the 8-bit codes when given (covering every node of
    /// the graph: a quarter of the memory traffic), else the `f32` rows.
    /// After a traversal over the codes, admitted nodes are rescored from the
    /// exact rows in approximate order: the first `k` always, each later one
    /// only while its approximate distance minus its error bound (see
    /// [`QuantizedRows::error_bound`]) could still beat the `k`-th exact
    /// distance, so the result equals rescoring all of them.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn search(
        &self,
        store: &VectorStore,
        codes: Option<&QuantizedRows>,
        metric: Metric,
        query: &[f32],
        ef: usize,
        k: usize,
        accept: &dyn Fn(u32) -> bool,
    ) -> (TopK, usize) {
        match codes {
            Some(rows) if rows.len() >= self.len => {
                let coded = Coded {
                    rows,
                    query: rows.prepare(query),
                };
                let found = self.search_rows(&coded, ef);
                let admitted: Vec<Cand> = found.into_iter().filter(|c| accept(c.slot)).collect();
                let top = rescore(&admitted, &coded, store, metric, query, k);
                (top, admitted.len())
            }
            _ => {
                let rows = FullRows {
                    store,
                    metric,
                    query,
                };
                let mut top = TopK::new(k);
                let mut admitted = 0;
                for c in self.search_rows(&rows, ef) {
                    if accept(c.slot) {
                        top.push(c);
                        admitted += 1;
                    }
                }
                (top, admitted)
            }
        }
    }

    fn search_rows<R: Rows>(&self, rows: &R, ef: usize) -> Vec<Cand> {
        if self.len == 0 {
            return Vec::new();
        }
        let mut cur = Cand {
            dist: rows.distance(self.entry),
            slot: self.entry,
        };
        for layer in self.upper.iter().rev() {
            cur = greedy(layer, rows, cur);
        }
        SCRATCH.with(|s| self.search_layer0(&mut s.borrow_mut(), rows, cur, ef))
    }

    fn search_layer0<R: Rows>(
        &self,
        s: &mut Scratch,
        rows: &R,
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
            // The likely next node's adjacency: its load overlaps this node's
            // distances instead of stalling the next iteration (as in hnswlib).
            if let Some(Reverse(next)) = s.candidates.peek() {
                prefetch_row(self.layer0_entry(next.slot));
            }
            // First mark the unvisited neighbours and start loading their rows,
            // then compute distances: the loads overlap instead of each
            // distance waiting on its own cache misses (as hnswlib does).
            s.fresh.clear();
            for &n in self.layer0_neighbours(c.slot) {
                let seen = &mut s.visited[n as usize];
                if *seen != stamp {
                    *seen = stamp;
                    rows.prefetch(n);
                    s.fresh.push(n);
                }
            }
            for &n in &s.fresh {
                let dist = rows.distance(n);
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
fn greedy<R: Rows>(layer: &UpperLayer, rows: &R, mut cur: Cand) -> Cand {
    loop {
        let mut improved = false;
        for &n in layer.neighbours_of(cur.slot) {
            let dist = rows.distance(n);
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

/// The `k` nearest of `found` (approximate distances, nearest first) by
/// exact distance, computing exact distances only for the nodes that can
/// still enter (see [`CompactGraph::search`]).
fn rescore(
    found: &[Cand],
    coded: &Coded<'_>,
    store: &VectorStore,
    metric: Metric,
    query: &[f32],
    k: usize,
) -> TopK {
    let mut top = TopK::new(k);
    let exact = |c: &Cand| Cand {
        dist: metric.distance(query, store.row(c.slot)),
        slot: c.slot,
    };
    let (first, rest) = found.split_at(k.min(found.len()));
    for c in first {
        prefetch_row(store.row(c.slot));
    }
    for c in first {
        top.push(exact(c));
    }
    // Ties with the k-th enter by slot order, so a node is skipped only when
    // its exact distance is surely larger.
    let may_enter = |c: &Cand, bound: f32| {
        c.dist - coded.rows.error_bound(&coded.query, c.slot, c.dist) <= bound
    };
    let pending: Vec<&Cand> = rest.iter().filter(|c| may_enter(c, top.bound())).collect();
    for c in &pending {
        prefetch_row(store.row(c.slot));
    }
    for c in pending {
        if may_enter(c, top.bound()) {
            top.push(exact(c));
        }
    }
    top
}
