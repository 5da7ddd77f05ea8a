//! The only file that touches `hnsw_rs`: it builds the graph, and
//! [`GraphBuilder::extract`] copies it into a [`CompactGraph`].
//!
//! `hnsw_rs` sees slot numbers as its `DataId`s, unit vectors under
//! [`DotClamped`] for the cosine and dot metrics (for `Dot` the directions of
//! the vectors) and raw vectors under squared L2 for [`Metric::L2`].

use hnsw_rs::prelude::{Distance, Hnsw};

use super::config::{DenseConfig, Metric};
use super::graph::{CompactGraph, UpperLayer};
use super::kernels;
use crate::{Error, Result};

/// `hnsw_rs` distance: `(1 - <a, b>).max(0)` for unit vectors, or squared L2.
///
/// Never asserts (hnsw_rs's scalar `DistDot` panics on unit vectors whose
/// self-dot rounds above 1) and always returns a non-negative number, which
/// hnsw_rs's internal assertions require.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct DotClamped {
    l2: bool,
}

impl Distance<f32> for DotClamped {
    fn eval(&self, a: &[f32], b: &[f32]) -> f32 {
        let d = if self.l2 {
            kernels::l2_squared(a, b)
        } else {
            1.0 - kernels::dot(a, b)
        };
        // `max` also maps NaN to 0, keeping hnsw_rs's sign assertions true.
        d.max(0.0)
    }
}

/// A growing `hnsw_rs` index whose `DataId`s are slots `0..len`.
pub(crate) struct GraphBuilder {
    inner: Hnsw<'static, f32, DotClamped>,
    metric: Metric,
    len: usize,
}

impl std::fmt::Debug for GraphBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GraphBuilder")
            .field("len", &self.len)
            .finish()
    }
}

impl GraphBuilder {
    /// A new empty builder. `config` must be validated (M ≤ 256, else hnsw_rs exits the process).
    pub(crate) fn new(config: &DenseConfig, capacity: usize) -> Self {
        let dist = DotClamped {
            l2: config.metric == Metric::L2,
        };
        let inner = Hnsw::new(
            config.max_connections,
            capacity.max(1),
            config.max_layers,
            config.ef_construction,
            dist,
        );
        GraphBuilder {
            inner,
            metric: config.metric,
            len: 0,
        }
    }

    /// Number of points inserted (= slots covered).
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The vector hnsw_rs should see for a stored row.
    fn graph_vector(&self, row: &[f32]) -> Vec<f32> {
        let mut v = row.to_vec();
        if self.metric == Metric::Dot {
            // A zero vector stays zero: distance 1 to everything, harmless.
            kernels::normalize(&mut v);
        }
        v
    }

    /// Inserts rows for slots `len..len + rows.len()`, in parallel if asked.
    pub(crate) fn insert<'a>(&mut self, rows: impl Iterator<Item = &'a [f32]>, parallel: bool) {
        let prepared: Vec<(Vec<f32>, usize)> = rows
            .enumerate()
            .map(|(i, r)| (self.graph_vector(r), self.len + i))
            .collect();
        if parallel && prepared.len() > 1 {
            let refs: Vec<(&[f32], usize)> = prepared.iter().map(|(v, id)| (&v[..], *id)).collect();
            self.inner.parallel_insert_slice(&refs);
        } else {
            for (v, id) in &prepared {
                self.inner.insert_slice((v, *id));
            }
        }
        self.len += prepared.len();
    }

    /// Copies hnsw_rs's graph into a [`CompactGraph`] over slots `0..len`.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] if hnsw_rs's graph disagrees with what was
    /// inserted (a neighbour or point id outside `0..len`).
    pub(crate) fn extract(&self) -> Result<CompactGraph> {
        let n = self.len;
        let mut layer0_lists: Vec<Vec<u32>> = vec![Vec::new(); n];
        let mut upper_lists: Vec<Vec<(u32, Vec<u32>)>> = Vec::new();
        for point in self.inner.get_point_indexation() {
            let slot = checked_slot(point.get_origin_id(), n)?;
            let level = point.get_point_id().0 as usize;
            for (l, layer) in point
                .get_neighborhood_id()
                .into_iter()
                .enumerate()
                .take(level + 1)
            {
                let ids = layer
                    .iter()
                    .map(|nb| checked_slot(nb.d_id, n))
                    .collect::<Result<Vec<u32>>>()?;
                if l == 0 {
                    layer0_lists[slot as usize] = ids;
                } else {
                    if upper_lists.len() < l {
                        upper_lists.resize_with(l, Vec::new);
                    }
                    upper_lists[l - 1].push((slot, ids));
                }
            }
        }
        let entry = self.entry_point(n)?;
        Ok(assemble(n as u32, layer0_lists, upper_lists, entry))
    }

    fn entry_point(&self, n: usize) -> Result<u32> {
        if n == 0 {
            return Ok(0);
        }
        let top = self.inner.get_max_level_observed() as usize;
        let indexation = self.inner.get_point_indexation();
        match indexation.get_layer_iterator(top).next() {
            Some(p) => checked_slot(p.get_origin_id(), n),
            None => Err(Error::InvalidInput(
                "hnsw_rs graph has no entry point".into(),
            )),
        }
    }
}

fn checked_slot(id: usize, n: usize) -> Result<u32> {
    if id < n {
        Ok(id as u32)
    } else {
        Err(Error::InvalidInput(format!(
            "hnsw_rs returned point {id} outside 0..{n}"
        )))
    }
}

/// Packs per-node lists into the compact layout.
/// [`assemble`] for tests elsewhere in the crate: a graph with only layer 0.
#[cfg(test)]
pub(crate) fn assemble_for_test(n: u32, layer0_lists: Vec<Vec<u32>>, entry: u32) -> CompactGraph {
    assemble(n, layer0_lists, Vec::new(), entry)
}

fn assemble(
    n: u32,
    layer0_lists: Vec<Vec<u32>>,
    upper_lists: Vec<Vec<(u32, Vec<u32>)>>,
    entry: u32,
) -> CompactGraph {
    let stride = layer0_lists.iter().map(Vec::len).max().unwrap_or(0);
    let mut layer0 = Vec::with_capacity(n as usize * (stride + 1));
    for list in &layer0_lists {
        layer0.push(list.len() as u32);
        layer0.extend_from_slice(list);
        layer0.resize(layer0.len() + stride - list.len(), 0);
    }
    let upper = upper_lists.into_iter().map(pack_upper).collect();
    CompactGraph {
        len: n,
        stride: stride as u32,
        layer0,
        upper,
        entry,
    }
}

fn pack_upper(mut nodes: Vec<(u32, Vec<u32>)>) -> UpperLayer {
    nodes.sort_unstable_by_key(|(slot, _)| *slot);
    let mut layer = UpperLayer {
        offsets: vec![0],
        ..UpperLayer::default()
    };
    for (slot, list) in nodes {
        layer.members.push(slot);
        layer.neighbours.extend_from_slice(&list);
        layer.offsets.push(layer.neighbours.len() as u32);
    }
    layer
}
