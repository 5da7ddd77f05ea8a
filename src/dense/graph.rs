//! The compact HNSW graph this crate searches: `u32` adjacency per layer.
//!
//! Layer 0 is a fixed-stride array (`stride + 1` words per node: a count,
//! then up to `stride` neighbour slots), as in hnswlib. Upper layers hold few
//! nodes, so each is a sorted member list plus CSR adjacency, looked up by
//! binary search during the greedy descent.
//!
//! Search uses a generation-stamped visited array (one byte per node, so it
//! stays in the L1/L2 caches: 18 KB at 18k nodes, where `u32` stamps took
//! 72 KB; it is cleared once every 255 searches) and a sorted pool kept in a
//! thread-local scratch, so a query allocates only its result vector.

use std::cell::RefCell;

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

/// What a graph search reads: the exact rows, their 8-bit codes when built
/// (see [`CompactGraph::search`]), and the metric.
#[derive(Clone, Copy)]
pub(crate) struct RowSource<'a> {
    pub(crate) store: &'a VectorStore,
    pub(crate) codes: Option<&'a QuantizedRows>,
    pub(crate) metric: Metric,
}

struct Scratch {
    visited: Vec<u8>,
    stamp: u8,
    /// The nearest nodes found so far (at most `ef`), nearest first.
    pool: Vec<PoolEntry>,
    /// Room for the unvisited neighbours of the node being expanded, whose
    /// rows are being prefetched (at least the graph's degree).
    fresh: Vec<u32>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = const { RefCell::new(Scratch {
        visited: Vec::new(),
        stamp: 0,
        pool: Vec::new(),
        fresh: Vec::new(),
    }) };
}

/// Cache lines of a row requested ahead of its distance computation: whole
/// rows up to 2 KiB (a 384-d row is 6 lines as 8-bit codes, 24 in `f32`).
/// Requesting only the first 4 lines and leaving the rest to the hardware
/// prefetcher made medquad's 17.9k x 384 search (k=20, ef=64) 15–25% slower
/// on the 2-core VM; on 100k synthetic rows the two were within noise.
const PREFETCH_LINES: usize = 32;

/// Asks the CPU to start loading `row`'s cache lines, up to
/// [`PREFETCH_LINES`] counted from its start, two per step (so a row of an
/// odd number of lines also asks for the next line). A hint only: no effect
/// on results, and a no-op off x86_64.
#[inline(always)]
pub(crate) fn prefetch_row<T>(row: &[T]) {
    prefetch_bytes(row.as_ptr().cast::<i8>(), std::mem::size_of_val(row));
}

/// [`prefetch_row`] for the `bytes` bytes from `start`, which need not be
/// readable: a traversal computes a row's address without the bounds check
/// that slicing it costs (~10 instructions per visited node), and the
/// distance computation checks it anyway.
#[inline(always)]
pub(crate) fn prefetch_bytes(start: *const i8, bytes: usize) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        const LINE: usize = 64;
        let end = bytes.min(PREFETCH_LINES * LINE);
        let mut offset = 0;
        // Two lines per step (a row of an odd number of lines asks for the
        // line after it too: a hint, harmless): this runs for every node a
        // search visits, and one line per step cost 4 instructions a line.
        while offset < end {
            // SAFETY: prefetching is a hint that never faults and reads
            // nothing; `wrapping_add` computes the addresses without
            // dereferencing them.
            unsafe {
                _mm_prefetch::<_MM_HINT_T0>(start.wrapping_add(offset));
                _mm_prefetch::<_MM_HINT_T0>(start.wrapping_add(offset + LINE));
            }
            offset += 2 * LINE;
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (start, bytes);
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
        self.rows.prefetch(slot);
    }
}

impl Scratch {
    /// Starts a new query over `n` nodes of at most `degree` neighbours;
    /// returns the stamp marking "visited".
    fn begin(&mut self, n: usize, degree: usize) -> u8 {
        if self.visited.len() < n {
            self.visited.resize(n, 0);
        }
        self.stamp = self.stamp.wrapping_add(1);
        if self.stamp == 0 {
            self.visited.fill(0);
            self.stamp = 1;
        }
        self.pool.clear();
        if self.fresh.len() < degree {
            self.fresh.resize(degree, 0);
        }
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
    pub(crate) fn search(
        &self,
        source: RowSource<'_>,
        query: &[f32],
        ef: usize,
        k: usize,
        accept: &dyn Fn(u32) -> bool,
    ) -> (TopK, usize) {
        let RowSource {
            store,
            codes,
            metric,
        } = source;
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

    /// The `ef` nearest nodes that a best-first search of layer 0 from
    /// `start` finds, nearest first.
    ///
    /// HNSW's search (Malkov & Yashunin, algorithm 2) keeps a candidate heap
    /// and a result heap; this keeps one sorted pool of at most `ef` nodes,
    /// each flagged once expanded, and always expands the nearest unexpanded
    /// one (as NSG and DiskANN do). The two expand the same nodes in the same
    /// order: a candidate the heaps would pop after it left the results is
    /// farther than every result, so popping it ends their search, just as
    /// finding no unexpanded node ends this one. The pool saves the heaps'
    /// sifting (8% of a medquad lookup's instructions).
    fn search_layer0<R: Rows>(
        &self,
        s: &mut Scratch,
        rows: &R,
        start: Cand,
        ef: usize,
    ) -> Vec<Cand> {
        let stamp = s.begin(self.len as usize, self.stride as usize);
        // Slices, not the scratch's vectors: nothing in the loop can grow
        // them, so their addresses stay in registers.
        let Scratch {
            visited,
            pool,
            fresh,
            ..
        } = s;
        let (visited, fresh) = (&mut visited[..], &mut fresh[..]);
        visited[start.slot as usize] = stamp;
        pool.push(PoolEntry::new(start));
        // Every pool entry before `next` is expanded.
        let mut next = 0;
        // The farthest pooled distance once the pool holds `ef` nodes.
        let farthest = |pool: &[PoolEntry]| match pool.last() {
            Some(w) if pool.len() >= ef => w.cand().dist,
            _ => f32::INFINITY,
        };
        let mut worst = farthest(pool);
        while let Some(offset) = pool[next..].iter().position(|e| !e.expanded) {
            next += offset;
            let c = pool[next].cand();
            pool[next].expanded = true;
            // The likely next node's adjacency: its load overlaps this node's
            // distances instead of stalling the next iteration (as in hnswlib).
            if let Some(likely) = pool[next + 1..].iter().find(|e| !e.expanded) {
                prefetch_row(self.layer0_entry(likely.slot()));
            }
            // First mark the unvisited neighbours and start loading their rows,
            // then compute distances: the loads overlap instead of each
            // distance waiting on its own cache misses (as hnswlib does).
            let mut n_fresh = 0;
            for &n in self.layer0_neighbours(c.slot) {
                let seen = &mut visited[n as usize];
                if *seen != stamp {
                    *seen = stamp;
                    rows.prefetch(n);
                    fresh[n_fresh] = n;
                    n_fresh += 1;
                }
            }
            for &n in &fresh[..n_fresh] {
                let dist = rows.distance(n);
                let full = pool.len() >= ef;
                if full && dist >= worst {
                    continue;
                }
                let entry = PoolEntry::new(Cand { dist, slot: n });
                let at = pool.partition_point(|e| e.key < entry.key);
                if full {
                    pool.pop();
                }
                pool.insert(at, entry);
                next = next.min(at);
                worst = farthest(pool);
            }
        }
        pool.iter().map(|e| e.cand()).collect()
    }
}

/// A node found by a layer-0 search, and whether its neighbours were visited.
///
/// The pool is sorted by `key`, which orders entries exactly as [`Cand`]
/// orders (the distance's total order, then the slot) but compares as one
/// integer: comparing `Cand`s field by field through `total_cmp` took 21
/// instructions per step of the pool's binary search.
#[derive(Clone, Copy, Debug)]
struct PoolEntry {
    key: i64,
    expanded: bool,
}

impl PoolEntry {
    fn new(cand: Cand) -> Self {
        let order = total_order_bits(cand.dist.to_bits() as i32);
        PoolEntry {
            key: (i64::from(order) << 32) | i64::from(cand.slot),
            expanded: false,
        }
    }

    fn slot(self) -> u32 {
        self.key as u32
    }

    fn cand(self) -> Cand {
        let bits = total_order_bits((self.key >> 32) as i32);
        Cand {
            dist: f32::from_bits(bits as u32),
            slot: self.slot(),
        }
    }
}

/// The bits of an `f32` as an `i32` that orders as [`f32::total_cmp`] does
/// (negative values' magnitude bits flipped, the same transform
/// `total_cmp` applies); applied twice it gives the bits back.
fn total_order_bits(bits: i32) -> i32 {
    bits ^ (((bits >> 31) as u32) >> 1) as i32
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

#[cfg(test)]
mod tests {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;

    use super::*;

    /// Points in the plane, distances to a fixed query.
    struct Points {
        points: Vec<[f32; 2]>,
        query: [f32; 2],
    }

    impl Rows for Points {
        fn distance(&self, slot: u32) -> f32 {
            let p = self.points[slot as usize];
            (p[0] - self.query[0]).powi(2) + (p[1] - self.query[1]).powi(2)
        }
        fn prefetch(&self, _slot: u32) {}
    }

    /// HNSW's layer search as the paper writes it: a candidate min-heap and
    /// a result max-heap.
    fn two_heap_search(graph: &CompactGraph, rows: &Points, start: Cand, ef: usize) -> Vec<Cand> {
        let mut visited = vec![false; graph.len as usize];
        visited[start.slot as usize] = true;
        let mut candidates = BinaryHeap::from([Reverse(start)]);
        let mut results = BinaryHeap::from([start]);
        while let Some(Reverse(c)) = candidates.pop() {
            let worst = results.peek().map_or(f32::INFINITY, |w: &Cand| w.dist);
            if c.dist > worst && results.len() >= ef {
                break;
            }
            for &n in graph.layer0_neighbours(c.slot) {
                if std::mem::replace(&mut visited[n as usize], true) {
                    continue;
                }
                let dist = rows.distance(n);
                let worst = results.peek().map_or(f32::INFINITY, |w| w.dist);
                if results.len() < ef || dist < worst {
                    candidates.push(Reverse(Cand { dist, slot: n }));
                    results.push(Cand { dist, slot: n });
                    if results.len() > ef {
                        results.pop();
                    }
                }
            }
        }
        results.into_sorted_vec()
    }

    #[test]
    fn pool_keys_order_as_candidates_and_give_them_back() {
        let dists = [
            f32::NEG_INFINITY,
            -3.5,
            -1e-40,
            -0.0,
            0.0,
            1e-40,
            0.25,
            0.25000003,
            7.0,
            f32::MAX,
            f32::INFINITY,
        ];
        let cands: Vec<Cand> = dists
            .iter()
            .flat_map(|&dist| [0, 1, 7, u32::MAX].map(|slot| Cand { dist, slot }))
            .collect();
        for &a in &cands {
            let entry = PoolEntry::new(a);
            let back = entry.cand();
            assert_eq!((back.dist.to_bits(), back.slot), (a.dist.to_bits(), a.slot));
            for &b in &cands {
                assert_eq!(
                    entry.key.cmp(&PoolEntry::new(b).key),
                    a.cmp(&b),
                    "{a:?} vs {b:?}"
                );
            }
        }
    }

    #[test]
    fn every_search_starts_with_nothing_visited_when_the_stamp_wraps() {
        let mut s = Scratch {
            visited: Vec::new(),
            stamp: 0,
            pool: Vec::new(),
            fresh: Vec::new(),
        };
        for search in 0..600 {
            let stamp = s.begin(10, 4);
            assert!(
                s.visited.iter().all(|&v| v != stamp),
                "search {search}: stale marks {:?} for stamp {stamp}",
                s.visited
            );
            // The first search visits every node; later ones none, so its
            // marks stay until the stamp comes round to them again.
            if search == 0 {
                s.visited.fill(stamp);
            }
        }
    }

    #[test]
    fn pool_search_expands_what_the_two_heap_search_expands() {
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) as u32
        };
        let n = 3000u32;
        let unit = |x: u32| (x % 1_000_000) as f32 / 1_000_000.0;
        let points: Vec<[f32; 2]> = (0..n).map(|_| [unit(next()), unit(next())]).collect();
        // Each node: its 6 nearest by index order plus 4 random links.
        let lists: Vec<Vec<u32>> = (0..n)
            .map(|i| {
                let mut list: Vec<u32> = (1..=3)
                    .flat_map(|d| [(i + d) % n, (i + n - d) % n])
                    .collect();
                list.extend((0..4).map(|_| next() % n));
                list.sort_unstable();
                list.dedup();
                list.retain(|&j| j != i);
                list
            })
            .collect();
        let graph = crate::dense::hnsw::assemble_for_test(n, lists, 0);
        for q in 0..60 {
            let rows = Points {
                points: points.clone(),
                query: [unit(next()), unit(next())],
            };
            let ef = [1, 2, 10, 64, 200][q % 5];
            let start = Cand {
                dist: rows.distance(q as u32),
                slot: q as u32,
            };
            let pool = SCRATCH.with(|s| graph.search_layer0(&mut s.borrow_mut(), &rows, start, ef));
            assert_eq!(
                pool,
                two_heap_search(&graph, &rows, start, ef),
                "query {q}, ef {ef}"
            );
        }
    }
}
