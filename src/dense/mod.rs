//! Dense vectors: exact and HNSW k-nearest-neighbour search.
//!
//! # Brief overview
//!
//! * [`DenseIndex`] stores at most one vector per [`DocId`](crate::ids::DocId) and answers
//!   k-nearest-neighbour queries, optionally restricted by a predicate over
//!   `DocId`s. It works on internal ids; the index layer owns the
//!   [`IdMap`](crate::ids::IdMap).
//! * [`VectorCollection`] is an `IdMap` plus a `DenseIndex`, addressed by the
//!   caller's [`DocKey`](crate::ids::DocKey), for standalone use.
//! * [`DenseConfig`] holds every parameter with its default; [`Metric`] the
//!   similarity; [`PersistedDense`] the serde form for snapshots.
//!
//! # Backends
//!
//! *Exact*: a scan over contiguous `f32` rows (8-lane dot products that the
//! compiler vectorises), the reference for tests and the best choice for small
//! collections. *HNSW*: `hnsw_rs` builds the graph; the index then copies it
//! into a compact form (contiguous `u32` adjacency per layer, entry point)
//! and searches that copy with its own allocation-free search (3-5× faster
//! than `hnsw_rs`'s own search at equal recall). With [`Backend::Auto`]
//! (the default) the index scans exactly while it holds fewer than
//! [`DenseConfig::exact_below`] live vectors and switches to HNSW above.
//!
//! Vectors added after the compact graph was extracted live in a *fresh*
//! buffer that is scanned exactly and merged into every result; once it holds
//! more than [`DenseConfig::fresh_capacity`] vectors the graph is re-extracted.
//!
//! # Scores
//!
//! Higher is better for every metric:
//!
//! | metric | score |
//! |---|---|
//! | [`Metric::Cosine`] | cosine similarity in \[-1, 1\] (vectors are normalised once on insert) |
//! | [`Metric::Dot`] | the raw dot product |
//! | [`Metric::L2`] | the *negative* Euclidean distance, `-‖q - x‖` (0 is an exact match) |
//!
//! Ties are broken by ascending `DocId`.
//!
//! # Deletes, updates and the k-guarantee
//!
//! `hnsw_rs` cannot remove points, so a deleted vector stays in the graph as a
//! tombstone: traversed, never returned. A search that finds fewer than `k`
//! acceptable points retries with a 4× larger `ef` (up to twice) and then
//! falls back to an exact scan, so it returns `k` hits whenever `k`
//! acceptable live vectors exist. When tombstones exceed
//! [`DenseConfig::max_deleted_fraction`] of the stored rows, the index is
//! compacted and the graph rebuilt.
//!
//! # Filtered search
//!
//! A filter is a predicate over `DocId`s. The index estimates its selectivity
//! on a fixed sample of up to 256 rows; below
//! [`DenseConfig::exact_filter_below`] it scans the allowed rows exactly,
//! otherwise it searches the graph with `ef` scaled by `1 / selectivity`,
//! post-filters, and retries / falls back as above.
//!
//! # Determinism
//!
//! Adding vectors one at a time builds the same graph every time (hnsw_rs's
//! serial insert uses a fixed seed). Batch adds and rebuilds use
//! `hnsw_rs::parallel_insert` when [`DenseConfig::parallel_build`] is true,
//! which is not deterministic.

mod collection;
mod config;
mod exact;
mod graph;
mod hnsw;
mod index;
pub(crate) mod kernels;
mod persist;
mod quantized;
mod store;

pub use collection::{KeyedHit, VectorCollection};
pub use config::{Backend, DenseConfig, Metric};
pub(crate) use index::check_dim;
pub use index::{DenseIndex, Hit, SearchParams};
pub use persist::{PersistedDense, PersistedGraph, PersistedLayer};
