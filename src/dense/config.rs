//! Parameters of the dense index and the similarity metric.

use serde::{Deserialize, Serialize};

use super::kernels;
use crate::{Error, Result};

/// How vectors are compared. See the module docs for the score of each.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Metric {
    /// Cosine similarity; vectors are normalised once on insert, zero vectors
    /// are rejected ([`Error::ZeroVector`]). The default.
    #[default]
    Cosine,
    /// Raw dot product (maximum inner product). The HNSW graph is built on
    /// the vectors' directions and searched by dot product, so recall can drop
    /// when norms vary widely; for unit vectors it equals cosine.
    Dot,
    /// Euclidean distance; the score is `-distance`.
    L2,
}

impl Metric {
    /// Internal distance, lower is nearer: `-dot` or squared L2.
    #[inline]
    pub(crate) fn distance(self, a: &[f32], b: &[f32]) -> f32 {
        match self {
            Metric::Cosine | Metric::Dot => -kernels::dot(a, b),
            Metric::L2 => kernels::l2_squared(a, b),
        }
    }

    /// The public score (higher is better) of an internal distance.
    #[inline]
    pub(crate) fn score(self, distance: f32) -> f32 {
        match self {
            Metric::Cosine | Metric::Dot => -distance,
            Metric::L2 => -distance.max(0.0).sqrt(),
        }
    }

    /// How many times an accepted vector's squared norm a score may reach:
    /// `|a·b| ≤ max(|a|², |b|²)`, while `|a - b|² ≤ 4 max(|a|², |b|²)`.
    fn norm_headroom(self) -> f32 {
        match self {
            Metric::L2 => 4.0,
            Metric::Cosine | Metric::Dot => 1.0,
        }
    }

    /// Validates a vector and returns the form that is stored or searched.
    ///
    /// Under cosine any finite non-zero vector is accepted (it is normalised);
    /// under dot a vector whose squared norm overflows `f32`, and under L2 one
    /// whose squared norm exceeds a quarter of `f32::MAX` (distances would
    /// overflow), is rejected as [`Error::NonFiniteVector`] pointing at its
    /// largest component.
    pub(crate) fn prepare(self, dim: usize, v: &[f32]) -> Result<Vec<f32>> {
        if v.len() != dim {
            return Err(Error::DimensionMismatch {
                expected: dim,
                found: v.len(),
            });
        }
        if let Some(index) = v.iter().position(|x| !x.is_finite()) {
            return Err(Error::NonFiniteVector { index });
        }
        let mut out = v.to_vec();
        if self == Metric::Cosine {
            // Pre-scaling by the largest magnitude keeps huge finite vectors from overflowing.
            let max = out.iter().fold(0f32, |m, x| m.max(x.abs()));
            if max == 0.0 {
                return Err(Error::ZeroVector);
            }
            out.iter_mut().for_each(|x| *x /= max);
            kernels::normalize(&mut out);
        } else if !(self.norm_headroom() * kernels::dot(&out, &out)).is_finite() {
            // Finite components whose squares overflow would poison every
            // score; under L2 a difference of two accepted vectors can be up
            // to 4x either squared norm, so that must stay finite too.
            let index = (0..out.len())
                .max_by(|&a, &b| out[a].abs().total_cmp(&out[b].abs()))
                .unwrap_or(0);
            return Err(Error::NonFiniteVector { index });
        }
        Ok(out)
    }
}

/// Which search structure answers queries.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Backend {
    /// Exact below [`DenseConfig::exact_below`] live vectors, HNSW above. The default.
    #[default]
    Auto,
    /// Always scan exactly (no graph is built).
    Exact,
    /// Always use the HNSW graph.
    Hnsw,
}

/// Parameters of a [`DenseIndex`](super::DenseIndex). Every field documents its default.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DenseConfig {
    /// Similarity metric. Default [`Metric::Cosine`].
    pub metric: Metric,
    /// Backend choice. Default [`Backend::Auto`].
    pub backend: Backend,
    /// With [`Backend::Auto`], the number of live vectors (not bytes) below
    /// which the exact scan is used. Default 4096 (an exact scan of 4096
    /// 384-d vectors takes about 0.2 ms).
    pub exact_below: usize,
    /// `M` in the HNSW paper: links per node on the upper layers; layer 0
    /// keeps `2M`. Default 16, allowed 2..=256.
    pub max_connections: usize,
    /// `efConstruction`: candidate list size while building. Default 200,
    /// allowed 1..=1048576 (2^20).
    pub ef_construction: usize,
    /// `ef`: candidate list size while searching (raised to `k` when smaller);
    /// per query overridable with [`SearchParams::ef`](super::SearchParams). Default 64, at least 1.
    pub ef_search: usize,
    /// Maximum number of layers. Default 16, allowed 1..=16.
    pub max_layers: usize,
    /// Vectors added after the last graph extraction that are searched
    /// exactly before the graph is re-extracted. Default 256.
    pub fresh_capacity: usize,
    /// Fraction of stored rows that may be tombstones before the index is
    /// compacted (and the graph rebuilt). Default 0.25, in (0, 1].
    pub max_deleted_fraction: f32,
    /// Estimated filter selectivity below which filtered searches scan the
    /// allowed rows exactly instead of searching the graph. Default 0.05, in \[0, 1\].
    pub exact_filter_below: f32,
    /// Build with `hnsw_rs::parallel_insert` (rayon) in batch adds and
    /// rebuilds; not deterministic. Default true.
    pub parallel_build: bool,
}

impl Default for DenseConfig {
    fn default() -> Self {
        DenseConfig {
            metric: Metric::Cosine,
            backend: Backend::Auto,
            exact_below: 4096,
            max_connections: 16,
            ef_construction: 200,
            ef_search: 64,
            max_layers: 16,
            fresh_capacity: 256,
            max_deleted_fraction: 0.25,
            exact_filter_below: 0.05,
            parallel_build: true,
        }
    }
}

/// The largest `ef_construction` a config takes: hnsw_rs reserves room for
/// `ef` candidates in every search of a build, so `usize::MAX` overflowed and
/// 2^40 aborted the process; typical values are 100–500.
const MAX_EF_CONSTRUCTION: usize = 1 << 20;

impl DenseConfig {
    /// Checks every field against its documented domain.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming the first bad field.
    pub fn validate(&self) -> Result<()> {
        let bad = |name: &str, reason: &str| Err(Error::invalid_parameter(name, reason));
        if !(2..=256).contains(&self.max_connections) {
            return bad("max_connections", "must be in 2..=256");
        }
        if !(1..=MAX_EF_CONSTRUCTION).contains(&self.ef_construction) {
            return bad("ef_construction", "must be in 1..=1048576");
        }
        if self.ef_search == 0 {
            return bad("ef_search", "must be at least 1");
        }
        if !(1..=16).contains(&self.max_layers) {
            return bad("max_layers", "must be in 1..=16");
        }
        let f = self.max_deleted_fraction;
        if !(f > 0.0 && f <= 1.0) {
            return bad("max_deleted_fraction", "must be in (0, 1]");
        }
        let s = self.exact_filter_below;
        if !(0.0..=1.0).contains(&s) {
            return bad("exact_filter_below", "must be in [0, 1]");
        }
        Ok(())
    }
}
