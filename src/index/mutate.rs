//! Changing an index by key: add, update, delete (one or a batch), and refit.
//!
//! Every operation checks all of its input before it changes anything, so an
//! error leaves the index as it was.

use std::collections::HashSet;

use super::state::{embedding_text, Record};
use super::terms::Weights;
use super::{Document, Index, StatsMode};
use crate::dense::DenseIndex;
use crate::error::{Error, Result};
use crate::ids::{DocId, DocKey};

/// What [`Index::refit`] changed: how far the vocabulary and idf had drifted
/// from the live documents.
#[derive(Clone, Debug, PartialEq)]
pub struct RefitReport {
    /// Live documents the new fit is based on.
    pub n_documents: u64,
    /// Documents the previous fit was based on.
    pub previous_n_documents: u64,
    /// Terms in the new vocabulary that were not in the old one.
    pub terms_added: usize,
    /// Terms of the old vocabulary that are gone.
    pub terms_removed: usize,
    /// Size of the new vocabulary.
    pub n_terms: usize,
    /// Largest `|new idf - old idf|` over terms in both vocabularies (0 if none).
    pub max_abs_idf_change: f64,
    /// Mean `|new idf - old idf|` over terms in both vocabularies (0 if none).
    pub mean_abs_idf_change: f64,
}

impl Index {
    /// Adds one document.
    ///
    /// # Errors
    /// [`Error::DuplicateKey`] if the key is live; [`Error::DimensionMismatch`],
    /// [`Error::NonFiniteVector`], [`Error::ZeroVector`] for a bad vector; the
    /// embedder's errors; scikit-learn's fitting errors ([`Error::EmptyVocabulary`],
    /// [`Error::MaxDfBelowMinDf`], [`Error::NoTermsRemain`]) when these are the
    /// first documents of an index with frozen statistics built empty (they fit
    /// its vocabulary). The index is unchanged on error.
    pub fn add(&mut self, document: Document) -> Result<()> {
        self.add_batch(vec![document])
    }

    /// Adds documents; in [`StatsMode::Live`] the statistics are refreshed once for the batch.
    ///
    /// # Errors
    /// As [`add`](Self::add), also for a key listed twice in the batch; in a
    /// batch of several a bad vector is reported as an [`Error::BatchItem`]
    /// naming the document (its [`root`](Error::root) is the vector error).
    /// Nothing is added on error.
    pub fn add_batch(&mut self, documents: Vec<Document>) -> Result<()> {
        let mut documents = documents;
        self.check_new_keys(&documents, &HashSet::new())?;
        let new_dense = self.prepare_vectors(&mut documents)?;
        let records = self.count_checked(&documents, &[])?;
        self.install_dense(new_dense);
        self.insert_prepared(&documents, records)?;
        self.after_change()
    }

    /// Replaces the document with the same key (text, metadata and vector; a
    /// document given without a vector loses its old one unless the index has an embedder).
    ///
    /// # Errors
    /// [`Error::UnknownKey`] if the key is not live; the vector and embedder errors
    /// of [`add`](Self::add). The index is unchanged on error.
    pub fn update(&mut self, document: Document) -> Result<()> {
        self.update_batch(vec![document])
    }

    /// Replaces several documents (see [`update`](Self::update)).
    ///
    /// # Errors
    /// As [`update`](Self::update) (a bad vector in a batch of several as an
    /// [`Error::BatchItem`], see [`add_batch`](Self::add_batch));
    /// [`Error::DuplicateKey`] for a key listed twice.
    pub fn update_batch(&mut self, documents: Vec<Document>) -> Result<()> {
        let mut documents = documents;
        let keys: Vec<DocKey> = documents.iter().map(|d| d.key.clone()).collect();
        self.check_live_keys(&keys)?;
        let replaced: HashSet<DocKey> = keys.iter().cloned().collect();
        self.check_new_keys(&documents, &replaced)?;
        let new_dense = self.prepare_vectors(&mut documents)?;
        let records = self.count_checked(&documents, &keys)?;
        self.install_dense(new_dense);
        for key in &keys {
            self.remove_one(key)?;
        }
        self.insert_prepared(&documents, records)?;
        self.after_change()
    }

    /// Deletes the document with this key from both sides.
    ///
    /// # Errors
    /// [`Error::UnknownKey`] if the key is not live.
    pub fn delete(&mut self, key: &DocKey) -> Result<()> {
        self.delete_batch(std::slice::from_ref(key))
    }

    /// Deletes several documents; in [`StatsMode::Live`] the statistics are refreshed once.
    ///
    /// # Errors
    /// [`Error::UnknownKey`] if a key is not live (or listed twice); nothing is deleted then.
    pub fn delete_batch(&mut self, keys: &[DocKey]) -> Result<()> {
        self.check_live_keys(keys)?;
        for key in keys {
            self.remove_one(key)?;
        }
        self.after_change()
    }

    /// Refits the vocabulary and idf on the live documents, re-weighs every row,
    /// and reports the drift. In [`StatsMode::Live`] the snapshot is already
    /// current, so the report shows no change.
    ///
    /// # Errors
    /// scikit-learn's fitting errors on the live documents ([`Error::EmptyVocabulary`],
    /// [`Error::MaxDfBelowMinDf`], [`Error::NoTermsRemain`]) when at least one is
    /// live; the index is unchanged then.
    pub fn refit(&mut self) -> Result<RefitReport> {
        let strict = self.stats.n_documents > 0;
        let new = Weights::fit(
            &self.stats,
            self.dictionary.terms(),
            &self.config.tfidf,
            strict,
        )?;
        let report = drift(&self.weights, &new);
        self.weights = new;
        self.rebuild_sparse()?;
        Ok(report)
    }

    fn after_change(&mut self) -> Result<()> {
        match self.config.stats {
            StatsMode::Live => self.refresh_live(),
            // An index built empty has nothing fitted yet: its first documents fit it.
            StatsMode::Frozen if self.weights.n_documents == 0 && self.stats.n_documents > 0 => {
                self.refit().map(|_| ())
            }
            StatsMode::Frozen => Ok(()),
        }
    }

    fn check_new_keys(&self, docs: &[Document], replaced: &HashSet<DocKey>) -> Result<()> {
        let mut seen = HashSet::with_capacity(docs.len());
        for doc in docs {
            let live = self.ids.get(&doc.key).is_some() && !replaced.contains(&doc.key);
            if live || !seen.insert(&doc.key) {
                return Err(Error::DuplicateKey(doc.key.to_string()));
            }
        }
        Ok(())
    }

    fn check_live_keys(&self, keys: &[DocKey]) -> Result<()> {
        let mut seen = HashSet::with_capacity(keys.len());
        for key in keys {
            if self.ids.get(key).is_none() {
                return Err(Error::UnknownKey(key.to_string()));
            }
            if !seen.insert(key) {
                return Err(Error::DuplicateKey(key.to_string()));
            }
        }
        Ok(())
    }

    /// Embeds documents without a vector (if there is an embedder) and checks
    /// every vector; returns the dense index to install when this is a
    /// text-only index's first vector (see [`check_dense`](Self::check_dense)).
    fn prepare_vectors(&self, docs: &mut [Document]) -> Result<Option<DenseIndex>> {
        if let Some(embedder) = &self.embedder {
            let missing: Vec<usize> = (0..docs.len())
                .filter(|&i| docs[i].vector.is_none())
                .collect();
            if !missing.is_empty() {
                let texts: Vec<String> = missing
                    .iter()
                    .filter_map(|&i| docs.get(i).map(|d| embedding_text(&d.title, &d.body)))
                    .collect();
                let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
                let vectors = embedder.embed_batch(&refs)?;
                if vectors.len() != missing.len() {
                    return Err(Error::InvalidInput(format!(
                        "embedder returned {} vectors for {} texts",
                        vectors.len(),
                        missing.len()
                    )));
                }
                for (&i, v) in missing.iter().zip(vectors) {
                    if let Some(doc) = docs.get_mut(i) {
                        doc.vector = Some(v);
                    }
                }
            }
        }
        self.check_dense(docs)
    }

    /// Installs the dense index [`check_dense`](Self::check_dense) made for a
    /// text-only index's first vectors.
    fn install_dense(&mut self, created: Option<DenseIndex>) {
        if created.is_some() {
            self.dense = created;
        }
    }

    /// Counts the terms of `docs` (adding their new terms to the dictionary)
    /// and, when replacing the documents of `replaced` with them gives a
    /// frozen index its first fit, checks that this fit succeeds. On error
    /// the dictionary is as it was: a refused change leaves no terms behind.
    fn count_checked(&mut self, docs: &[Document], replaced: &[DocKey]) -> Result<Vec<Record>> {
        let terms_before = self.dictionary.len();
        let checked = self.count_records(docs).and_then(|records| {
            self.check_first_fit(replaced, &records)?;
            Ok(records)
        });
        if checked.is_err() {
            self.dictionary.truncate(terms_before);
        }
        checked
    }

    /// A frozen index with no fit yet (built empty) fits on its first
    /// documents after they are inserted (see `after_change`); this runs that
    /// fit beforehand on the statistics the change would leave, so that a
    /// first batch scikit-learn cannot fit (only stop words, say) is refused
    /// before anything is stored.
    fn check_first_fit(&self, replaced: &[DocKey], records: &[Record]) -> Result<()> {
        if self.config.stats != StatsMode::Frozen || self.weights.n_documents > 0 {
            return Ok(());
        }
        let mut stats = self.stats.clone();
        for key in replaced {
            let old = self
                .ids
                .get(key)
                .and_then(|id| self.records.get(id.index()));
            if let Some(Some(record)) = old {
                stats.remove(&record.counts);
            }
        }
        for record in records {
            stats.add(&record.counts, self.dictionary.len());
        }
        if stats.n_documents == 0 {
            return Ok(());
        }
        Weights::fit(&stats, self.dictionary.terms(), &self.config.tfidf, true).map(|_| ())
    }

    /// Inserts checked documents, counted as `records`, on both sides (the
    /// sparse rows weighed with the current snapshot; live mode re-weighs
    /// afterwards).
    fn insert_prepared(&mut self, docs: &[Document], records: Vec<Record>) -> Result<()> {
        let ids: Vec<DocId> = docs
            .iter()
            .map(|d| self.ids.insert(d.key.clone()))
            .collect::<Result<_>>()?;
        for (&id, record) in ids.iter().zip(records) {
            self.stats.add(&record.counts, self.dictionary.len());
            if self.config.stats == StatsMode::Frozen {
                let row = self.weights.weigh_vec(
                    &record.counts,
                    &self.config.tfidf,
                    self.dictionary.len(),
                )?;
                self.inverted.add_row(id.as_u32(), &row)?;
            }
            if self.records.len() <= id.index() {
                self.records.resize(id.index() + 1, None);
            }
            if let Some(slot) = self.records.get_mut(id.index()) {
                *slot = Some(record);
            }
        }
        self.insert_vectors(&ids, docs)
    }

    /// Removes a live key from the id map, the records, the statistics and both sides.
    fn remove_one(&mut self, key: &DocKey) -> Result<()> {
        let id = self
            .ids
            .remove(key)
            .ok_or_else(|| Error::UnknownKey(key.to_string()))?;
        if let Some(record) = self.records.get_mut(id.index()).and_then(Option::take) {
            self.stats.remove(&record.counts);
        }
        if id.index() < self.inverted.len() {
            self.inverted.delete(id.as_u32())?;
        }
        if let Some(dense) = &mut self.dense {
            dense.remove(id)?;
        }
        Ok(())
    }
}

/// Compares two weighting snapshots.
fn drift(old: &Weights, new: &Weights) -> RefitReport {
    let n = old.active.len().max(new.active.len());
    let (mut added, mut removed, mut both, mut max, mut sum) = (0, 0, 0usize, 0f64, 0f64);
    for term in 0..n as u32 {
        match (old.is_active(term), new.is_active(term)) {
            (false, true) => added += 1,
            (true, false) => removed += 1,
            (true, true) => {
                let a = old.idf.get(term as usize).copied().unwrap_or(0.0);
                let b = new.idf.get(term as usize).copied().unwrap_or(0.0);
                let change = (a - b).abs();
                max = max.max(change);
                sum += change;
                both += 1;
            }
            (false, false) => {}
        }
    }
    RefitReport {
        n_documents: new.n_documents,
        previous_n_documents: old.n_documents,
        terms_added: added,
        terms_removed: removed,
        n_terms: new.active.iter().filter(|&&a| a).count(),
        max_abs_idf_change: max,
        mean_abs_idf_change: if both > 0 { sum / both as f64 } else { 0.0 },
    }
}
