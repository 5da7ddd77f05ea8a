//! The index: one object that owns documents, their TF-IDF rows and their vectors.
//!
//! An [`Index`] is built by an [`IndexBuilder`] from an iterator of [`Document`]s
//! and then changed by key with [`Index::add`], [`Index::update`] and
//! [`Index::delete`] (and their batch forms). It searches with a
//! [`SearchRequest`](crate::query::SearchRequest) ([`Index::search`]).
//!
//! # Two statistics modes
//!
//! [`StatsMode::Frozen`] (default) fits the vocabulary and idf once and transforms
//! later documents with them, as scikit-learn's `transform` would;
//! [`Index::refit`] refits on the live documents and returns a [`RefitReport`].
//! [`StatsMode::Live`] keeps document frequencies exact under every change and
//! re-weighs all rows in one parallel O(nnz) pass per call, so every score is the
//! score of a fresh scikit-learn fit on the live documents.
//!
//! # Ids
//!
//! Callers name documents by [`DocKey`]. Internally each stored version of a
//! document has a [`DocId`]; an update gives the document a
//! fresh one, so both sides always agree on what an id means.

mod builder;
mod config;
mod document;
mod filter;
mod mutate;
pub(crate) mod parts;
mod state;
pub(crate) mod terms;

use std::sync::Arc;

pub use builder::{IndexBuilder, Progress, Stage};
pub use config::{FieldWeights, IndexConfig, StatsMode};
pub use document::{Document, MetaValue, Metadata};
pub use filter::Filter;
pub use mutate::RefitReport;

use crate::analysis::Analyzer;
use crate::dense::DenseIndex;
use crate::embed::Embedder;
use crate::ids::{DocId, DocKey, IdMap};
use crate::sparse::InvertedIndex;
use state::Record;
use terms::{Dictionary, LiveStats, Weights};

/// Documents with their sparse (TF-IDF) and dense (vector) representations.
///
/// ```
/// use twofold::index::{Document, Index};
/// use twofold::query::SearchRequest;
///
/// let index = Index::builder().build(vec![
///     Document::new("a").title("Reset your password").body("Open settings, then account."),
///     Document::new("b").title("Opening hours").body("We open at nine."),
/// ])?;
/// let results = index.search(&SearchRequest::text("password reset").k(1))?;
/// assert_eq!(results.hits[0].key, "a".into());
/// # Ok::<(), twofold::Error>(())
/// ```
pub struct Index {
    config: IndexConfig,
    analyzer: Analyzer,
    ids: IdMap,
    /// `records[id]` is the stored document of `DocId(id)`, `None` once deleted.
    records: Vec<Option<Record>>,
    dictionary: Dictionary,
    stats: LiveStats,
    weights: Weights,
    inverted: InvertedIndex,
    dense: Option<DenseIndex>,
    embedder: Option<Arc<dyn Embedder>>,
}

impl std::fmt::Debug for Index {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Index")
            .field("documents", &self.len())
            .field("terms", &self.n_terms())
            .field("dense_dim", &self.dense_dim())
            .field("stats", &self.config.stats)
            .field("embedder", &self.embedder.as_ref().map(|e| e.fingerprint()))
            .finish()
    }
}

impl Index {
    /// A builder with [`IndexConfig::default`], no embedder and no progress hook.
    pub fn builder() -> IndexBuilder {
        IndexBuilder::new()
    }

    /// The configuration.
    pub fn config(&self) -> &IndexConfig {
        &self.config
    }

    /// Number of live documents.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether the index holds no live document.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Whether a live document has this key.
    pub fn contains(&self, key: &DocKey) -> bool {
        self.ids.get(key).is_some()
    }

    /// Number of terms in the current vocabulary (the columns a fresh fit would have
    /// in live mode; the fitted vocabulary in frozen mode).
    pub fn n_terms(&self) -> usize {
        self.weights.active.iter().filter(|&&a| a).count()
    }

    /// Number of stored (document, term) weights on the sparse side: the
    /// non-zeros of the TF-IDF matrix. Rows of deleted documents count until
    /// they are compacted away, so after deletes this can exceed the live total.
    ///
    /// ```
    /// use twofold::index::{Document, Index};
    /// let index = Index::builder().build(vec![
    ///     Document::new("a").body("apple banana apple"),
    ///     Document::new("b").title("Banana").body("cherry"),
    /// ])?;
    /// // a: {apple, banana}; b: {banana, cherry} (title and body share a row).
    /// assert_eq!(index.nnz(), 4);
    /// # Ok::<(), twofold::Error>(())
    /// ```
    pub fn nnz(&self) -> usize {
        self.inverted.nnz()
    }

    /// Dimension of the dense side, once known.
    pub fn dense_dim(&self) -> Option<usize> {
        self.dense.as_ref().map(DenseIndex::dim)
    }

    /// Number of live documents with a vector.
    pub fn n_vectors(&self) -> usize {
        self.dense.as_ref().map_or(0, DenseIndex::len)
    }

    /// The embedder, if one was given.
    pub fn embedder(&self) -> Option<&Arc<dyn Embedder>> {
        self.embedder.as_ref()
    }

    /// The stored document of `key` (its vector as stored: unit length under cosine).
    pub fn get(&self, key: &DocKey) -> Option<Document> {
        let id = self.ids.get(key)?;
        let record = self.record(id)?;
        Some(Document {
            key: key.clone(),
            title: record.title.clone(),
            body: record.body.clone(),
            vector: self.vector(id).map(<[f32]>::to_vec),
            metadata: record.metadata.clone(),
        })
    }

    /// The current idf of `term`, when it is in the vocabulary.
    pub fn idf(&self, term: &str) -> Option<f64> {
        self.idf_of_id(self.dictionary.get(term)?)
    }

    /// [`idf`](Self::idf) of the term with dictionary id `id`.
    pub(crate) fn idf_of_id(&self, id: u32) -> Option<f64> {
        if !self.weights.is_active(id) {
            return None;
        }
        self.weights.idf.get(id as usize).copied()
    }

    /// Whether the analysed text of document `id` holds `term`, for a term of
    /// the vocabulary (false otherwise): a look at the document's row, no analysis.
    pub(crate) fn has_term(&self, id: DocId, term: &str) -> bool {
        self.dictionary
            .get(term)
            .is_some_and(|t| self.inverted.doc_has_term(id.0, t))
    }

    /// Live documents' keys, in internal id order.
    pub fn keys(&self) -> impl Iterator<Item = &DocKey> + '_ {
        self.ids.iter().map(|(_, key)| key)
    }

    pub(crate) fn record(&self, id: DocId) -> Option<&Record> {
        self.records.get(id.index()).and_then(Option::as_ref)
    }

    pub(crate) fn vector(&self, id: DocId) -> Option<&[f32]> {
        self.dense.as_ref().and_then(|d| d.vector(id))
    }

    pub(crate) fn ids(&self) -> &IdMap {
        &self.ids
    }

    pub(crate) fn analyzer(&self) -> &Analyzer {
        &self.analyzer
    }

    pub(crate) fn dictionary(&self) -> &Dictionary {
        &self.dictionary
    }

    pub(crate) fn weights(&self) -> &Weights {
        &self.weights
    }

    pub(crate) fn stats(&self) -> &LiveStats {
        &self.stats
    }

    pub(crate) fn inverted(&self) -> &InvertedIndex {
        &self.inverted
    }

    pub(crate) fn dense(&self) -> Option<&DenseIndex> {
        self.dense.as_ref()
    }

    /// The dimension of the sparse vectors (every term ever seen).
    pub(crate) fn sparse_dim(&self) -> usize {
        self.dictionary.len()
    }
}
