//! Staged construction of an [`Index`]: configuration, embedder, progress hook, documents.

use std::sync::Arc;

use super::state::{embedding_text, Record};
use super::terms::{count_documents, Dictionary, LiveStats, Weights};
use super::{Document, Index, IndexConfig};
use crate::analysis::Analyzer;
use crate::dense::DenseIndex;
use crate::embed::Embedder;
use crate::error::{Error, Result};
use crate::ids::{DocId, IdMap};
use crate::sparse::InvertedIndex;

/// A stage of index construction, reported through [`IndexBuilder::on_progress`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Stage {
    /// Checking keys and vectors.
    Validating,
    /// Embedding documents that came without a vector.
    Embedding,
    /// Analysing text and counting terms.
    Counting,
    /// Fitting the vocabulary and idf, weighing rows, building postings.
    Sparse,
    /// Inserting vectors (and building the HNSW graph when large enough).
    Dense,
    /// Finished.
    Done,
}

/// Progress of [`IndexBuilder::build`]: `done` of `total` units of the current stage
/// (documents, except for [`Stage::Done`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    /// The current stage.
    pub stage: Stage,
    /// Units done in this stage.
    pub done: u64,
    /// Units in this stage.
    pub total: u64,
}

type ProgressHook = Box<dyn Fn(Progress) + Send + Sync>;

/// Builds an [`Index`] (see [`Index::builder`]).
pub struct IndexBuilder {
    config: IndexConfig,
    embedder: Option<Arc<dyn Embedder>>,
    progress: Option<ProgressHook>,
    embed_batch: usize,
}

impl std::fmt::Debug for IndexBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IndexBuilder")
            .field("config", &self.config)
            .field("embedder", &self.embedder.is_some())
            .finish()
    }
}

impl Default for IndexBuilder {
    fn default() -> Self {
        IndexBuilder::new()
    }
}

impl IndexBuilder {
    /// Default configuration, no embedder, no progress hook.
    pub fn new() -> Self {
        IndexBuilder {
            config: IndexConfig::default(),
            embedder: None,
            progress: None,
            embed_batch: 64,
        }
    }

    /// Sets the configuration.
    pub fn config(mut self, config: IndexConfig) -> Self {
        self.config = config;
        self
    }

    /// Gives the index an embedder: documents without a vector are embedded, and
    /// text-only queries also search the dense side.
    pub fn embedder(mut self, embedder: Arc<dyn Embedder>) -> Self {
        self.embedder = Some(embedder);
        self
    }

    /// Calls `hook` as construction advances (e.g. to drive a progress bar).
    pub fn on_progress(mut self, hook: impl Fn(Progress) + Send + Sync + 'static) -> Self {
        self.progress = Some(Box::new(hook));
        self
    }

    /// Texts per embedder call while building. Default 64; 0 is treated as 1.
    pub fn embed_batch(mut self, size: usize) -> Self {
        self.embed_batch = size.max(1);
        self
    }

    fn report(&self, stage: Stage, done: usize, total: usize) {
        if let Some(hook) = &self.progress {
            hook(Progress {
                stage,
                done: done as u64,
                total: total as u64,
            });
        }
    }

    /// Builds the index from `documents` (text analysed and rows weighed in parallel).
    ///
    /// # Errors
    /// [`IndexConfig::validate`]'s errors; [`Error::DuplicateKey`] for a key given
    /// twice; the vector errors ([`Error::DimensionMismatch`], [`Error::NonFiniteVector`],
    /// [`Error::ZeroVector`]; for one of several documents wrapped in an
    /// [`Error::BatchItem`] that names it); the embedder's errors; and scikit-learn's fitting errors
    /// ([`Error::EmptyVocabulary`], [`Error::MaxDfBelowMinDf`], [`Error::NoTermsRemain`])
    /// when at least one document is given.
    pub fn build<I: IntoIterator<Item = Document>>(self, documents: I) -> Result<Index> {
        self.config.validate()?;
        let mut docs: Vec<Document> = documents.into_iter().collect();
        let total = docs.len();
        self.report(Stage::Validating, 0, total);
        let mut index = self.empty_index()?;
        let ids = index.assign_ids(&docs)?;
        self.embed_missing(&mut docs)?;
        if let Some(dense) = index.check_dense(&docs)? {
            index.dense = Some(dense);
        }
        self.report(Stage::Counting, 0, total);
        let records = index.count_records(&docs)?;
        self.report(Stage::Counting, total, total);
        self.report(Stage::Sparse, 0, total);
        for record in &records {
            index.stats.add(&record.counts, index.dictionary.len());
        }
        index.records = records.into_iter().map(Some).collect();
        index.weights = Weights::fit(
            &index.stats,
            index.dictionary.terms(),
            &index.config.tfidf,
            total > 0,
        )?;
        index.rebuild_sparse()?;
        self.report(Stage::Sparse, total, total);
        self.report(Stage::Dense, 0, total);
        index.insert_vectors(&ids, &docs)?;
        self.report(Stage::Dense, total, total);
        self.report(Stage::Done, total, total);
        Ok(index)
    }

    fn empty_index(&self) -> Result<Index> {
        let analyzer = Analyzer::new(self.config.tfidf.analyzer_config())?;
        let dim = self.config.dim.or(self.embedder.as_ref().map(|e| e.dim()));
        if let (Some(dim), Some(e)) = (self.config.dim, &self.embedder) {
            if e.dim() != dim {
                return Err(Error::DimensionMismatch {
                    expected: dim,
                    found: e.dim(),
                });
            }
        }
        let dense = dim
            .map(|dim| DenseIndex::new(dim, self.config.dense.clone()))
            .transpose()?;
        Ok(Index {
            config: self.config.clone(),
            analyzer,
            ids: IdMap::new(),
            records: Vec::new(),
            dictionary: Dictionary::default(),
            stats: LiveStats::default(),
            weights: Weights::default(),
            inverted: InvertedIndex::new(),
            dense,
            embedder: self.embedder.clone(),
        })
    }

    /// Embeds the documents that have no vector, in batches, reporting progress.
    fn embed_missing(&self, docs: &mut [Document]) -> Result<()> {
        let Some(embedder) = &self.embedder else {
            return Ok(());
        };
        let missing: Vec<usize> = (0..docs.len())
            .filter(|&i| docs[i].vector.is_none())
            .collect();
        for (batch_no, batch) in missing.chunks(self.embed_batch).enumerate() {
            self.report(Stage::Embedding, batch_no * self.embed_batch, missing.len());
            let texts: Vec<String> = batch
                .iter()
                .filter_map(|&i| docs.get(i).map(|d| embedding_text(&d.title, &d.body)))
                .collect();
            let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
            let vectors = embedder.embed_batch(&refs)?;
            if vectors.len() != batch.len() {
                return Err(Error::InvalidInput(format!(
                    "embedder returned {} vectors for {} texts",
                    vectors.len(),
                    batch.len()
                )));
            }
            for (&i, v) in batch.iter().zip(vectors) {
                if let Some(doc) = docs.get_mut(i) {
                    doc.vector = Some(v);
                }
            }
        }
        self.report(Stage::Embedding, missing.len(), missing.len());
        Ok(())
    }
}

impl Index {
    /// Assigns ids to new documents; on a duplicate nothing is assigned.
    pub(crate) fn assign_ids(&mut self, docs: &[Document]) -> Result<Vec<DocId>> {
        let mut seen = std::collections::HashSet::with_capacity(docs.len());
        for doc in docs {
            if self.ids.get(&doc.key).is_some() || !seen.insert(&doc.key) {
                return Err(Error::DuplicateKey(doc.key.to_string()));
            }
        }
        docs.iter()
            .map(|d| self.ids.insert(d.key.clone()))
            .collect()
    }

    /// Checks every vector against the dense index, or against a new one
    /// made from the first vector when there is none yet; returns that new
    /// one, for the caller to install once nothing else can refuse the change
    /// (a refused change must not fix a text-only index's dimension).
    ///
    /// A refused vector of a batch of several is named: [`Error::BatchItem`]
    /// with the document's position and key.
    pub(crate) fn check_dense(&self, docs: &[Document]) -> Result<Option<DenseIndex>> {
        let mut vectors = docs
            .iter()
            .enumerate()
            .filter_map(|(i, d)| d.vector.as_ref().map(|v| (i, v)))
            .peekable();
        let in_batch = |i: usize, error: Error| {
            let key = docs.get(i).map(|d| d.key.to_string());
            error.at_batch_item(i, docs.len(), key)
        };
        let created = match (&self.dense, vectors.peek()) {
            (None, Some(&(i, v))) if v.is_empty() => {
                let empty = Error::invalid_parameter("vector", "must have at least 1 dimension");
                return Err(in_batch(i, empty));
            }
            (None, Some((_, v))) => Some(DenseIndex::new(v.len(), self.config.dense.clone())?),
            _ => None,
        };
        if let Some(dense) = created.as_ref().or(self.dense.as_ref()) {
            for (i, v) in vectors {
                if let Err(e) = dense.metric().prepare(dense.dim(), v) {
                    return Err(in_batch(i, e));
                }
            }
        }
        Ok(created)
    }

    /// Analyses and counts the documents in parallel.
    pub(crate) fn count_records(&mut self, docs: &[Document]) -> Result<Vec<Record>> {
        let fields: Vec<_> = docs
            .iter()
            .map(|d| Record::fields(&d.title, &d.body, self.config.fields))
            .collect();
        let counts = count_documents(&self.analyzer, &mut self.dictionary, &fields)?;
        Ok(docs
            .iter()
            .zip(counts)
            .map(|(d, counts)| Record {
                title: d.title.clone(),
                body: d.body.clone(),
                metadata: d.metadata.clone(),
                counts,
            })
            .collect())
    }

    /// Inserts the (already checked) vectors of documents with ids `ids`.
    pub(crate) fn insert_vectors(&mut self, ids: &[DocId], docs: &[Document]) -> Result<()> {
        let items: Vec<(DocId, &[f32])> = ids
            .iter()
            .zip(docs)
            .filter_map(|(&id, d)| d.vector.as_deref().map(|v| (id, v)))
            .collect();
        match &mut self.dense {
            Some(dense) if !items.is_empty() => dense.add_batch(&items),
            _ => Ok(()),
        }
    }
}
