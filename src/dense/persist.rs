//! The persisted form of a [`DenseIndex`] and its strict validation.
//!
//! The graph is persisted in this crate's own compact format, not as an
//! `hnsw_rs` dump: `hnsw_rs`'s loader panics, aborts or exits the process on
//! corrupt input, while [`DenseIndex::from_persisted`] checks every length,
//! id and parameter and returns [`Error::CorruptPersisted`]. Loading does not
//! rebuild the graph. The `hnsw_rs` index itself is not persisted: a loaded
//! index searches its compact graph, scans later additions exactly, and
//! rebuilds `hnsw_rs` from the stored vectors (a full build) only when those
//! additions exceed [`DenseConfig::fresh_capacity`] or tombstones force a
//! compaction.
//!
//! The structs are plain serde (no untagged, flatten or skip), so they encode
//! with bincode; any change to them is a format change.

use serde::{Deserialize, Serialize};

use super::config::{DenseConfig, Metric};
use super::graph::{CompactGraph, UpperLayer};
use super::index::DenseIndex;
use super::kernels;
use super::store::VectorStore;
use crate::ids::DocId;
use crate::{Error, Result};

/// Serde form of a [`DenseIndex`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PersistedDense {
    /// Vector dimension.
    pub dim: u32,
    /// Parameters.
    pub config: DenseConfig,
    /// Row-major vectors, `slot_docs.len() * dim` floats (unit length under cosine).
    pub vectors: Vec<f32>,
    /// The `DocId` of each row.
    pub slot_docs: Vec<u32>,
    /// Tombstoned rows, strictly ascending.
    pub deleted_slots: Vec<u32>,
    /// The compact HNSW graph over the first `graph.len` rows, if built.
    pub graph: Option<PersistedGraph>,
}

/// Serde form of the compact graph.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PersistedGraph {
    /// Rows covered (`0..len`).
    pub len: u32,
    /// Layer-0 words per node minus one (the maximum degree).
    pub stride: u32,
    /// Per node: a neighbour count, then `stride` slots (unused ones 0).
    pub layer0: Vec<u32>,
    /// Layers 1, 2, …
    pub upper: Vec<PersistedLayer>,
    /// Entry point (a member of the top layer).
    pub entry: u32,
}

/// Serde form of one upper layer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PersistedLayer {
    /// Member rows, strictly ascending.
    pub members: Vec<u32>,
    /// CSR offsets, `members.len() + 1` entries, from 0 to `neighbours.len()`.
    pub offsets: Vec<u32>,
    /// Neighbour rows.
    pub neighbours: Vec<u32>,
}

fn corrupt(what: &'static str, detail: impl Into<String>) -> Error {
    Error::CorruptPersisted {
        what,
        detail: detail.into(),
    }
}

impl DenseIndex {
    /// The persisted form (a copy).
    pub fn to_persisted(&self) -> PersistedDense {
        let (data, docs, dead) = self.store.parts();
        let g = &self.graph;
        let graph = (g.len > 0).then(|| PersistedGraph {
            len: g.len,
            stride: g.stride,
            layer0: g.layer0.clone(),
            upper: g
                .upper
                .iter()
                .map(|l| PersistedLayer {
                    members: l.members.clone(),
                    offsets: l.offsets.clone(),
                    neighbours: l.neighbours.clone(),
                })
                .collect(),
            entry: g.entry,
        });
        PersistedDense {
            dim: self.dim() as u32,
            config: self.config.clone(),
            vectors: data.to_vec(),
            slot_docs: docs.iter().map(|d| d.0).collect(),
            deleted_slots: dead,
            graph,
        }
    }

    /// Rebuilds an index from its persisted form, validating everything first.
    ///
    /// # Errors
    /// [`Error::CorruptPersisted`] naming the first inconsistent part.
    pub fn from_persisted(p: PersistedDense) -> Result<Self> {
        p.config
            .validate()
            .map_err(|e| corrupt("config", e.to_string()))?;
        let dim = p.dim as usize;
        let n = validate_rows(&p, dim)?;
        validate_deleted(&p.deleted_slots, n)?;
        validate_docs(&p.slot_docs, &p.deleted_slots)?;
        let graph = match p.graph {
            Some(g) => validate_graph(g, n, &p.config)?,
            None => CompactGraph::default(),
        };
        let docs = p.slot_docs.into_iter().map(DocId).collect();
        let store = VectorStore::from_parts(dim, p.vectors, docs, &p.deleted_slots);
        Ok(DenseIndex::from_parts(p.config, store, graph))
    }
}

/// Checks dimension, lengths and values of the rows; returns the row count.
fn validate_rows(p: &PersistedDense, dim: usize) -> Result<usize> {
    if dim == 0 {
        return Err(corrupt("dim", "0"));
    }
    let n = p.slot_docs.len();
    if n >= u32::MAX as usize || n.checked_mul(dim) != Some(p.vectors.len()) {
        return Err(corrupt(
            "vectors",
            format!(
                "{} floats for {n} rows of {dim} dimensions",
                p.vectors.len()
            ),
        ));
    }
    for (row, v) in p.vectors.chunks_exact(dim).enumerate() {
        if v.iter().any(|x| !x.is_finite()) || !kernels::dot(v, v).is_finite() {
            return Err(corrupt("vectors", format!("row {row} is not finite")));
        }
        if p.config.metric == Metric::Cosine && (kernels::norm(v) - 1.0).abs() > 1e-3 {
            return Err(corrupt(
                "vectors",
                format!("row {row} is not unit length under cosine"),
            ));
        }
    }
    Ok(n)
}

fn validate_deleted(deleted: &[u32], n: usize) -> Result<()> {
    if deleted.windows(2).any(|w| w[0] >= w[1]) {
        return Err(corrupt("deleted_slots", "not strictly ascending"));
    }
    match deleted.last() {
        Some(&last) if last as usize >= n => {
            Err(corrupt("deleted_slots", format!("row {last} of {n}")))
        }
        _ => Ok(()),
    }
}

/// Every live row must name a distinct `DocId` below `u32::MAX`.
fn validate_docs(slot_docs: &[u32], deleted: &[u32]) -> Result<()> {
    let mut live: Vec<u32> = slot_docs
        .iter()
        .enumerate()
        .filter(|(slot, _)| deleted.binary_search(&(*slot as u32)).is_err())
        .map(|(_, &d)| d)
        .collect();
    if slot_docs.contains(&u32::MAX) {
        return Err(corrupt("slot_docs", "DocId u32::MAX is reserved"));
    }
    live.sort_unstable();
    match live.windows(2).find(|w| w[0] == w[1]) {
        Some(w) => Err(corrupt(
            "slot_docs",
            format!("DocId {} has two live rows", w[0]),
        )),
        None => Ok(()),
    }
}

fn validate_graph(g: PersistedGraph, n: usize, config: &DenseConfig) -> Result<CompactGraph> {
    let len = g.len as usize;
    if len == 0 || len > n {
        return Err(corrupt("graph.len", format!("{len} with {n} rows")));
    }
    let stride = g.stride as usize;
    if stride > 2 * 256 {
        return Err(corrupt("graph.stride", format!("{stride}")));
    }
    if len.checked_mul(stride + 1) != Some(g.layer0.len()) {
        return Err(corrupt("graph.layer0", format!("{} words", g.layer0.len())));
    }
    for node in g.layer0.chunks_exact(stride + 1) {
        let count = node[0] as usize;
        if count > stride || node[1..=count].iter().any(|&s| s as usize >= len) {
            return Err(corrupt("graph.layer0", "bad count or neighbour"));
        }
    }
    if g.upper.len() >= config.max_layers {
        return Err(corrupt("graph.upper", format!("{} layers", g.upper.len())));
    }
    let upper = g
        .upper
        .into_iter()
        .map(|l| validate_layer(l, len))
        .collect::<Result<Vec<_>>>()?;
    let entry_ok = (g.entry as usize) < len
        && upper
            .last()
            .is_none_or(|top| top.members.binary_search(&g.entry).is_ok());
    if !entry_ok {
        return Err(corrupt("graph.entry", format!("{}", g.entry)));
    }
    Ok(CompactGraph {
        len: g.len,
        stride: g.stride,
        layer0: g.layer0,
        upper,
        entry: g.entry,
    })
}

fn validate_layer(l: PersistedLayer, len: usize) -> Result<UpperLayer> {
    let members_ok =
        l.members.windows(2).all(|w| w[0] < w[1]) && l.members.iter().all(|&m| (m as usize) < len);
    let offsets_ok = l.offsets.len() == l.members.len() + 1
        && l.offsets.first() == Some(&0)
        && l.offsets.windows(2).all(|w| w[0] <= w[1])
        && l.offsets.last().map(|&o| o as usize) == Some(l.neighbours.len());
    let neighbours_ok = l.neighbours.iter().all(|&s| (s as usize) < len);
    if !(members_ok && offsets_ok && neighbours_ok) {
        return Err(corrupt(
            "graph.upper",
            "members, offsets or neighbours out of range",
        ));
    }
    Ok(UpperLayer {
        members: l.members,
        offsets: l.offsets,
        neighbours: l.neighbours,
    })
}
