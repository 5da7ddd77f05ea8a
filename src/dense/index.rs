//! [`DenseIndex`]: one vector per `DocId`, exact or HNSW k-NN search.

use rayon::prelude::*;

use super::config::{Backend, DenseConfig, Metric};
use super::exact::{self, Cand, TopK};
use super::graph::{prefetch_row, CompactGraph, RowSource};
use super::hnsw::GraphBuilder;
use super::quantized::QuantizedRows;
use super::store::VectorStore;
use crate::ids::DocId;
use crate::{Error, Result};

/// One search result.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Hit {
    /// The document.
    pub id: DocId,
    /// Its similarity to the query; higher is better (see the module docs).
    pub score: f32,
}

/// Per-query parameters.
#[derive(Clone, Copy)]
pub struct SearchParams<'a> {
    /// Number of hits wanted, at least 1. Default 10.
    pub k: usize,
    /// Overrides [`DenseConfig::ef_search`] for this query (at least 1). Default `None`.
    pub ef: Option<usize>,
    /// Only documents for which this returns `true` are returned. Default `None`.
    pub filter: Option<&'a (dyn Fn(DocId) -> bool + Sync)>,
}

impl Default for SearchParams<'_> {
    fn default() -> Self {
        SearchParams {
            k: 10,
            ef: None,
            filter: None,
        }
    }
}

impl std::fmt::Debug for SearchParams<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchParams")
            .field("k", &self.k)
            .field("ef", &self.ef)
            .field("filter", &self.filter.is_some())
            .finish()
    }
}

impl<'a> SearchParams<'a> {
    /// `k` hits, everything else default.
    pub fn k(k: usize) -> Self {
        SearchParams {
            k,
            ..SearchParams::default()
        }
    }

    /// Sets the per-query `ef`.
    pub fn ef(mut self, ef: usize) -> Self {
        self.ef = Some(ef);
        self
    }

    /// Sets the filter.
    pub fn filter(mut self, filter: &'a (dyn Fn(DocId) -> bool + Sync)) -> Self {
        self.filter = Some(filter);
        self
    }
}

/// Rows sampled to estimate a filter's selectivity.
const SELECTIVITY_SAMPLE: usize = 256;
/// Graph attempts (ef, 4 ef, 16 ef) before the exact fallback.
const GRAPH_ATTEMPTS: usize = 3;

/// Vectors addressed by [`DocId`], searched exactly or through an HNSW graph.
///
/// See the [module docs](super) for backends, scores, deletes and filters.
#[derive(Debug)]
pub struct DenseIndex {
    pub(crate) config: DenseConfig,
    pub(crate) store: VectorStore,
    /// Compact graph over slots `0..graph.len`; later slots are "fresh".
    pub(crate) graph: CompactGraph,
    /// 8-bit codes of the graph's rows, read by its traversal (derived, not persisted).
    codes: Option<QuantizedRows>,
    /// hnsw_rs index over every slot, or `None` (not needed yet, or after loading).
    builder: Option<GraphBuilder>,
}

impl DenseIndex {
    /// An empty index for `dim`-dimensional vectors.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for `dim` 0 or above `u32::MAX`, or a config
    /// field outside its domain.
    pub fn new(dim: usize, config: DenseConfig) -> Result<Self> {
        check_dim(dim)?;
        config.validate()?;
        Ok(Self::from_parts(
            config,
            VectorStore::new(dim),
            CompactGraph::default(),
        ))
    }

    pub(crate) fn from_parts(config: DenseConfig, store: VectorStore, graph: CompactGraph) -> Self {
        let codes = QuantizedRows::build(&store, config.metric, graph.len);
        DenseIndex {
            config,
            store,
            graph,
            codes,
            builder: None,
        }
    }

    /// Vector dimension.
    pub fn dim(&self) -> usize {
        self.store.dim()
    }

    /// The configuration.
    pub fn config(&self) -> &DenseConfig {
        &self.config
    }

    /// The metric.
    pub fn metric(&self) -> Metric {
        self.config.metric
    }

    /// Number of documents with a vector.
    pub fn len(&self) -> usize {
        self.store.len_live()
    }

    /// Whether no document has a vector.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether `id` has a vector.
    pub fn contains(&self, id: DocId) -> bool {
        self.store.slot_of(id).is_some()
    }

    /// The stored vector of `id` (unit length under [`Metric::Cosine`]).
    pub fn vector(&self, id: DocId) -> Option<&[f32]> {
        self.store.slot_of(id).map(|s| self.store.row(s))
    }

    /// The similarity ([`Metric::score`]) of a prepared query with the vector
    /// of each of `ids` (`None`: no vector), as a search scores it. All rows
    /// are requested from memory before the first is read, so their loads
    /// overlap instead of each score waiting on its own.
    pub(crate) fn scores_of(&self, query: &[f32], ids: &[DocId]) -> Vec<Option<f32>> {
        let rows: Vec<Option<&[f32]>> = ids.iter().map(|&id| self.vector(id)).collect();
        for row in rows.iter().flatten() {
            prefetch_row(row);
        }
        let metric = self.metric();
        rows.into_iter()
            .map(|row| row.map(|r| metric.score(metric.distance(query, r))))
            .collect()
    }

    /// The backend that answers unfiltered queries right now: [`Backend::Exact`]
    /// or [`Backend::Hnsw`].
    pub fn active_backend(&self) -> Backend {
        if self.uses_graph() {
            Backend::Hnsw
        } else {
            Backend::Exact
        }
    }

    fn uses_graph(&self) -> bool {
        self.config.backend != Backend::Exact && self.graph.len > 0
    }

    /// Adds the vector of `id`.
    ///
    /// # Errors
    /// [`Error::DuplicateKey`] if `id` already has a vector (use [`update`](Self::update));
    /// [`Error::DimensionMismatch`], [`Error::NonFiniteVector`], [`Error::ZeroVector`] (cosine).
    pub fn add(&mut self, id: DocId, vector: &[f32]) -> Result<()> {
        let v = self.config.metric.prepare(self.dim(), vector)?;
        if self.contains(id) {
            return Err(Error::DuplicateKey(id.to_string()));
        }
        self.push_rows(&[(id, v)])
    }

    /// Adds many vectors; all are validated before any is added. The graph
    /// is built with `parallel_insert` when [`DenseConfig::parallel_build`].
    ///
    /// # Errors
    /// As [`add`](Self::add), a vector error naming the first bad item of a
    /// batch of several ([`Error::BatchItem`]); also [`Error::DuplicateKey`]
    /// for an id listed twice.
    pub fn add_batch(&mut self, items: &[(DocId, &[f32])]) -> Result<()> {
        // Checked in parallel, reported in order: the first bad item is named.
        let checked: Vec<Result<(DocId, Vec<f32>)>> = items
            .par_iter()
            .enumerate()
            .map(
                |(i, (id, v))| match self.config.metric.prepare(self.dim(), v) {
                    Ok(v) => Ok((*id, v)),
                    Err(e) => Err(e.at_batch_item(i, items.len(), Some(id.to_string()))),
                },
            )
            .collect();
        let prepared = checked.into_iter().collect::<Result<Vec<_>>>()?;
        let mut ids: Vec<DocId> = prepared.iter().map(|(id, _)| *id).collect();
        ids.sort_unstable();
        if let Some(w) = ids.windows(2).find(|w| w[0] == w[1]) {
            return Err(Error::DuplicateKey(w[0].to_string()));
        }
        if let Some(id) = ids.iter().find(|id| self.contains(**id)) {
            return Err(Error::DuplicateKey(id.to_string()));
        }
        self.push_rows(&prepared)
    }

    /// Replaces the vector of `id`.
    ///
    /// # Errors
    /// [`Error::UnknownKey`] if `id` has no vector; the vector errors of [`add`](Self::add).
    pub fn update(&mut self, id: DocId, vector: &[f32]) -> Result<()> {
        let v = self.config.metric.prepare(self.dim(), vector)?;
        if !self.store.remove(id) {
            return Err(Error::UnknownKey(id.to_string()));
        }
        self.push_rows(&[(id, v)])
    }

    /// Removes the vector of `id`; returns whether it had one.
    pub fn remove(&mut self, id: DocId) -> Result<bool> {
        let removed = self.store.remove(id);
        if removed {
            self.maintain()?;
        }
        Ok(removed)
    }

    fn push_rows(&mut self, rows: &[(DocId, Vec<f32>)]) -> Result<()> {
        let first = self.store.len_slots() as u32;
        for (id, v) in rows {
            self.store.push(*id, v);
        }
        if let Some(builder) = &mut self.builder {
            let end = self.store.len_slots() as u32;
            let store = &self.store;
            builder.insert(
                (first..end).map(|s| store.row(s)),
                self.config.parallel_build,
            );
        }
        self.maintain()
    }

    /// Compacts when tombstones pass their fraction and keeps the graph current.
    fn maintain(&mut self) -> Result<()> {
        let slots = self.store.len_slots();
        if self.store.n_deleted() as f64 > self.config.max_deleted_fraction as f64 * slots as f64 {
            self.store.compact();
            self.builder = None;
            self.graph = CompactGraph::default();
            self.codes = None;
        }
        if !self.wants_graph() {
            return Ok(());
        }
        let fresh = self.store.len_slots() - self.graph.len as usize;
        let stale = fresh > self.config.fresh_capacity || (self.graph.len == 0 && fresh > 0);
        if stale {
            self.refresh_graph()?;
        }
        Ok(())
    }

    fn wants_graph(&self) -> bool {
        match self.config.backend {
            Backend::Exact => false,
            Backend::Hnsw => true,
            Backend::Auto => self.store.len_live() >= self.config.exact_below,
        }
    }

    /// Re-extracts the compact graph, (re)building hnsw_rs first if there is none.
    fn refresh_graph(&mut self) -> Result<()> {
        if self.builder.is_none() {
            if self.store.n_deleted() > 0 {
                self.store.compact();
                self.codes = None;
            }
            let n = self.store.len_slots();
            let mut builder = GraphBuilder::new(&self.config, n);
            let store = &self.store;
            builder.insert(
                (0..n as u32).map(|s| store.row(s)),
                self.config.parallel_build,
            );
            self.builder = Some(builder);
        }
        if let Some(builder) = &self.builder {
            debug_assert_eq!(builder.len(), self.store.len_slots());
            self.graph = builder.extract()?;
            self.codes = QuantizedRows::refresh(
                self.codes.take(),
                &self.store,
                self.config.metric,
                self.graph.len,
            );
        }
        Ok(())
    }

    /// The `params.k` nearest documents to `query`, best first.
    ///
    /// Returns `min(k, number of acceptable documents)` hits.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for `k == 0` or `ef == Some(0)`;
    /// [`Error::DimensionMismatch`], [`Error::NonFiniteVector`], [`Error::ZeroVector`] (cosine).
    pub fn search(&self, query: &[f32], params: &SearchParams<'_>) -> Result<Vec<Hit>> {
        if params.k == 0 {
            return Err(Error::invalid_parameter("k", "must be at least 1"));
        }
        if params.ef == Some(0) {
            return Err(Error::invalid_parameter("ef", "must be at least 1"));
        }
        let q = self.config.metric.prepare(self.dim(), query)?;
        self.search_prepared(&q, params)
    }

    /// [`search`](Self::search) with a query already [prepared](Metric::prepare)
    /// for this index's metric and dimension (the hybrid query plan prepares it
    /// once and scores other candidates with the same vector, so the scores of
    /// both agree bit for bit).
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for `k == 0` or `ef == Some(0)`;
    /// [`Error::DimensionMismatch`] for a query of another dimension.
    pub(crate) fn search_prepared(&self, q: &[f32], params: &SearchParams<'_>) -> Result<Vec<Hit>> {
        if params.k == 0 {
            return Err(Error::invalid_parameter("k", "must be at least 1"));
        }
        if params.ef == Some(0) {
            return Err(Error::invalid_parameter("ef", "must be at least 1"));
        }
        if q.len() != self.dim() {
            return Err(Error::DimensionMismatch {
                expected: self.dim(),
                found: q.len(),
            });
        }
        if self.store.len_live() == 0 {
            return Ok(Vec::new());
        }
        let filter = params.filter;
        let store = &self.store;
        let accept = |slot: u32| filter.is_none_or(|f| f(store.doc(slot)));
        let cands = self.search_slots(q, params, &accept);
        Ok(self.to_hits(cands))
    }

    /// [`search`](Self::search) for many queries, in parallel on the current rayon pool.
    ///
    /// # Errors
    /// The first error of any query.
    pub fn search_batch(
        &self,
        queries: &[&[f32]],
        params: &SearchParams<'_>,
    ) -> Result<Vec<Vec<Hit>>> {
        queries.par_iter().map(|q| self.search(q, params)).collect()
    }

    /// Exact search regardless of the backend: the reference for tests and recall.
    ///
    /// # Errors
    /// As [`search`](Self::search).
    pub fn search_exact(&self, query: &[f32], params: &SearchParams<'_>) -> Result<Vec<Hit>> {
        if params.k == 0 {
            return Err(Error::invalid_parameter("k", "must be at least 1"));
        }
        let q = self.config.metric.prepare(self.dim(), query)?;
        let filter = params.filter;
        let store = &self.store;
        let accept = |slot: u32| filter.is_none_or(|f| f(store.doc(slot)));
        Ok(self.to_hits(self.exact_slots(&q, params.k, &accept)))
    }

    fn exact_slots(&self, q: &[f32], k: usize, accept: &dyn Fn(u32) -> bool) -> Vec<Cand> {
        let mut top = TopK::new(k);
        let n = self.store.len_slots() as u32;
        exact::scan(&self.store, self.config.metric, q, 0..n, accept, &mut top);
        top.into_sorted()
    }

    fn search_slots(
        &self,
        q: &[f32],
        params: &SearchParams<'_>,
        accept: &dyn Fn(u32) -> bool,
    ) -> Vec<Cand> {
        let k = params.k;
        if !self.uses_graph() {
            return self.exact_slots(q, k, accept);
        }
        let selectivity = match params.filter {
            Some(_) => self.estimate_selectivity(accept),
            None => 1.0,
        };
        if selectivity < self.config.exact_filter_below as f64 {
            return self.exact_slots(q, k, accept);
        }
        let live_fraction = self.store.len_live() as f64 / self.store.len_slots() as f64;
        let base_ef = params.ef.unwrap_or(self.config.ef_search).max(k);
        let oversampled = (base_ef as f64 / (selectivity * live_fraction).max(1e-6)).ceil();
        let mut ef = (oversampled as usize).max(base_ef);
        for _ in 0..GRAPH_ATTEMPTS {
            if ef >= self.graph.len as usize {
                break;
            }
            if let Some(found) = self.graph_attempt(q, k, ef, accept) {
                return found;
            }
            ef = ef.saturating_mul(4);
        }
        self.exact_slots(q, k, accept)
    }

    /// One graph search plus the fresh rows; `None` if the graph gave fewer than `k` acceptable hits.
    fn graph_attempt(
        &self,
        q: &[f32],
        k: usize,
        ef: usize,
        accept: &dyn Fn(u32) -> bool,
    ) -> Option<Vec<Cand>> {
        let metric = self.config.metric;
        let store = &self.store;
        let admit = |slot: u32| !store.is_deleted(slot) && accept(slot);
        let source = RowSource {
            store,
            codes: self.codes.as_ref(),
            metric,
        };
        let (mut top, from_graph) = self.graph.search(source, q, ef, k, &admit);
        if from_graph < k {
            return None;
        }
        let fresh = self.graph.len..self.store.len_slots() as u32;
        exact::scan(&self.store, metric, q, fresh, accept, &mut top);
        Some(top.into_sorted())
    }

    /// Fraction of live rows in a fixed, evenly spaced sample that `accept` admits.
    fn estimate_selectivity(&self, accept: &dyn Fn(u32) -> bool) -> f64 {
        let n = self.store.len_slots();
        let step = n.div_ceil(SELECTIVITY_SAMPLE).max(1);
        let (mut live, mut hits) = (0usize, 0usize);
        for slot in (0..n as u32).step_by(step) {
            if !self.store.is_deleted(slot) {
                live += 1;
                hits += usize::from(accept(slot));
            }
        }
        if live == 0 {
            return 1.0;
        }
        hits as f64 / live as f64
    }

    fn to_hits(&self, cands: Vec<Cand>) -> Vec<Hit> {
        let metric = self.config.metric;
        let mut hits: Vec<(f32, DocId)> = cands
            .iter()
            .map(|c| (c.dist, self.store.doc(c.slot)))
            .collect();
        hits.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        hits.into_iter()
            .map(|(dist, id)| Hit {
                id,
                score: metric.score(dist),
            })
            .collect()
    }
}

/// The dimensions a dense index takes: 1 to `u32::MAX` (snapshots store it as
/// a `u32`).
pub(crate) fn check_dim(dim: usize) -> Result<()> {
    if dim == 0 {
        return Err(Error::invalid_parameter("dim", "must be at least 1"));
    }
    if u32::try_from(dim).is_err() {
        return Err(Error::invalid_parameter(
            "dim",
            "must be at most 4294967295",
        ));
    }
    Ok(())
}
