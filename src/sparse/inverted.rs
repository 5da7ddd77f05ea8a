//! The inverted index: one posting list per term, a forward copy of the rows, tombstones.

use std::sync::Mutex;

use rayon::prelude::*;
use sprs::{CsMat, CsVec};

use super::forward::ForwardRows;
use super::postings::PostingList;
use super::query::QueryTerms;
use super::scratch::SearchScratch;
use super::{exhaustive, max_score, DocIdx, TopKStrategy};
use crate::error::{Error, Result};

/// Sparse document vectors indexed for exact top-k dot-product (cosine) retrieval.
///
/// Rows are documents, numbered `0..len()`; columns are terms. Each term keeps the ids of the
/// documents containing it (ascending) with their weights; a forward (row-major) copy serves
/// exact single-document scoring ([`score`](Self::score)) and [`to_csr`](Self::to_csr).
///
/// Deleting marks a tombstone: the postings stay until the next [`rebuild`](Self::rebuild),
/// but a deleted document is never returned.
///
/// Memory: about 24 bytes per stored weight (postings 12, forward copy 12) plus 1 byte per
/// document and 64 bytes per term.
#[derive(Debug)]
pub struct InvertedIndex {
    postings: Vec<PostingList>,
    forward: ForwardRows,
    deleted: Vec<bool>,
    deleted_count: usize,
    strategy: TopKStrategy,
    scratch_pool: Mutex<Vec<SearchScratch>>,
}

impl Default for InvertedIndex {
    fn default() -> Self {
        InvertedIndex {
            postings: Vec::new(),
            forward: ForwardRows::default(),
            deleted: Vec::new(),
            deleted_count: 0,
            strategy: TopKStrategy::default(),
            scratch_pool: Mutex::new(Vec::new()),
        }
    }
}

impl Clone for InvertedIndex {
    fn clone(&self) -> Self {
        InvertedIndex {
            postings: self.postings.clone(),
            forward: self.forward.clone(),
            deleted: self.deleted.clone(),
            deleted_count: self.deleted_count,
            strategy: self.strategy,
            scratch_pool: Mutex::new(Vec::new()),
        }
    }
}

impl InvertedIndex {
    /// An empty index with no documents and no terms.
    pub fn new() -> InvertedIndex {
        InvertedIndex::default()
    }

    /// Indexes the rows of `matrix` as documents `0..matrix.rows()`.
    ///
    /// Rows should be l2-normalised for the scores to be cosines (TF-IDF rows are); any finite
    /// values are accepted and searched exactly. A CSC matrix is converted first.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] when the matrix has more rows or columns than `u32` ids can
    /// number; [`Error::NonFiniteVector`] (index = term) when a value is NaN or infinite.
    pub fn from_csr(matrix: &CsMat<f64>) -> Result<InvertedIndex> {
        let mut index = InvertedIndex::new();
        index.rebuild(matrix)?;
        Ok(index)
    }

    /// Replaces every document vector with the rows of `matrix` (e.g. after re-weighting all
    /// documents with a new idf), keeping tombstones for ids below `matrix.rows()`.
    ///
    /// # Errors
    /// As [`from_csr`](Self::from_csr); on error the index is unchanged.
    pub fn rebuild(&mut self, matrix: &CsMat<f64>) -> Result<()> {
        let csr;
        let matrix = if matrix.is_csr() {
            matrix
        } else {
            csr = matrix.to_csr();
            &csr
        };
        check_shape(matrix.rows(), matrix.cols())?;
        check_finite(matrix)?;
        refill_postings(&mut self.postings, matrix);
        self.forward.refill(matrix);
        self.deleted.resize(matrix.rows(), false);
        self.deleted_count = self.deleted.iter().filter(|&&d| d).count();
        Ok(())
    }

    /// Adds the vector of a new document `doc`.
    ///
    /// Ids are appended in ascending order: `doc` must be at least [`len`](Self::len); ids
    /// skipped over become empty documents (they never match). Ids are row
    /// numbers, not keys: each skipped one costs memory like an empty row (about
    /// 9 bytes), so `doc = 4_000_000_000` asks for some 36 GB. Terms beyond
    /// [`n_terms`](Self::n_terms) grow the vocabulary to the row's dimension
    /// (64 bytes per term, whether it occurs or not).
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] when `doc < len()` or `doc == u32::MAX`;
    /// [`Error::NonFiniteVector`] when a value is NaN or infinite. The index is unchanged on
    /// error.
    pub fn add_row(&mut self, doc: DocIdx, row: &CsVec<f64>) -> Result<()> {
        self.check_new_doc(doc)?;
        check_shape(doc as usize + 1, row.dim())?;
        if let Some((term, _)) = row.iter().find(|(_, v)| !v.is_finite()) {
            return Err(Error::NonFiniteVector { index: term });
        }
        self.push_row(doc, row.iter().map(|(t, &v)| (t as u32, v)), row.dim());
        Ok(())
    }

    /// Adds the rows of `rows` as documents `first_doc, first_doc + 1, …`.
    ///
    /// # Errors
    /// As [`add_row`](Self::add_row), for the whole batch: on error nothing is added.
    pub fn add_rows(&mut self, first_doc: DocIdx, rows: &CsMat<f64>) -> Result<()> {
        self.check_new_doc(first_doc)?;
        let csr;
        let rows = if rows.is_csr() {
            rows
        } else {
            csr = rows.to_csr();
            &csr
        };
        check_shape(first_doc as usize + rows.rows(), rows.cols())?;
        check_finite(rows)?;
        for (i, row) in rows.outer_iterator().enumerate() {
            let doc = first_doc + i as DocIdx;
            self.push_row(doc, row.iter().map(|(t, &v)| (t as u32, v)), rows.cols());
        }
        Ok(())
    }

    fn check_new_doc(&self, doc: DocIdx) -> Result<()> {
        if (doc as usize) < self.len() {
            return Err(Error::invalid_parameter(
                "doc",
                format!(
                    "document {doc} is already indexed; new ids must be at least {}",
                    self.len()
                ),
            ));
        }
        Ok(())
    }

    /// Appends a validated row.
    fn push_row(&mut self, doc: DocIdx, row: impl Iterator<Item = (u32, f64)>, dim: usize) {
        if self.postings.len() < dim {
            self.postings.resize_with(dim, PostingList::default);
        }
        self.forward.pad_to(doc as usize);
        let row: Vec<(u32, f64)> = row.collect();
        for &(term, weight) in &row {
            if let Some(list) = self.postings.get_mut(term as usize) {
                list.push(doc, weight);
            }
        }
        self.forward.push_row(row.into_iter());
        self.deleted.resize(doc as usize + 1, false);
    }

    /// Marks `doc` deleted: it will never be returned by a search. Returns `false` if it was
    /// already deleted.
    ///
    /// # Errors
    /// [`Error::UnknownKey`] when `doc ≥ len()`.
    pub fn delete(&mut self, doc: DocIdx) -> Result<bool> {
        let flag = self
            .deleted
            .get_mut(doc as usize)
            .ok_or_else(|| Error::UnknownKey(doc.to_string()))?;
        let newly = !*flag;
        *flag = true;
        self.deleted_count += usize::from(newly);
        Ok(newly)
    }

    /// Sets every document's tombstone to `deleted(doc)`.
    pub(crate) fn set_deleted(&mut self, deleted: impl Fn(usize) -> bool) {
        for (doc, flag) in self.deleted.iter_mut().enumerate() {
            *flag = deleted(doc);
        }
        self.deleted_count = self.deleted.iter().filter(|&&d| d).count();
    }

    /// Whether `doc` is deleted (`false` for ids never indexed).
    pub fn is_deleted(&self, doc: DocIdx) -> bool {
        self.deleted.get(doc as usize).copied().unwrap_or(false)
    }

    /// Number of document ids, deleted ones included (the next free id).
    pub fn len(&self) -> usize {
        self.forward.len()
    }

    /// `true` when no document was ever indexed.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether `term` occurs in `doc`'s row (false for an unknown document).
    pub(crate) fn doc_has_term(&self, doc: DocIdx, term: u32) -> bool {
        self.forward.row(doc).0.binary_search(&term).is_ok()
    }

    /// Number of documents not deleted.
    pub fn live_len(&self) -> usize {
        self.len() - self.deleted_count
    }

    /// Number of terms (columns) the index knows.
    pub fn n_terms(&self) -> usize {
        self.postings.len()
    }

    /// Number of stored (document, term) weights, deleted documents included.
    pub fn nnz(&self) -> usize {
        self.forward.nnz()
    }

    /// Number of documents containing `term` (deleted ones included); 0 for unknown terms.
    pub fn posting_len(&self, term: usize) -> usize {
        self.postings.get(term).map_or(0, PostingList::len)
    }

    /// The strategy [`search`](Self::search) uses.
    pub fn strategy(&self) -> TopKStrategy {
        self.strategy
    }

    /// Sets the strategy [`search`](Self::search) uses (default [`TopKStrategy::Auto`]).
    pub fn set_strategy(&mut self, strategy: TopKStrategy) {
        self.strategy = strategy;
    }

    /// The document vectors as a CSR matrix (`len()` rows × `n_terms()` columns), deleted
    /// documents included.
    ///
    /// # Errors
    /// None in practice: the rows were validated when added.
    pub fn to_csr(&self) -> Result<CsMat<f64>> {
        self.forward.to_csr(self.n_terms())
    }

    /// Exact dot product of `query` with document `doc` (its cosine when both are
    /// l2-normalised), summed in ascending term order, bit-identical to the score a search
    /// returns. A deleted document still has its stored score; terms beyond `n_terms()` are
    /// ignored.
    ///
    /// # Errors
    /// [`Error::UnknownKey`] when `doc ≥ len()`; [`Error::NonFiniteVector`] when the query
    /// holds NaN or infinity.
    pub fn score(&self, query: &CsVec<f64>, doc: DocIdx) -> Result<f64> {
        let terms = QueryTerms::new(query, self.n_terms())?;
        self.check_known(doc)?;
        Ok(self.forward.dot(doc, &terms.terms))
    }

    /// [`score`](Self::score) for many documents, checking the query once.
    ///
    /// # Errors
    /// As [`score`](Self::score), for the first failing document.
    pub fn score_many(&self, query: &CsVec<f64>, docs: &[DocIdx]) -> Result<Vec<f64>> {
        let terms = QueryTerms::new(query, self.n_terms())?;
        let mut scores = Vec::with_capacity(docs.len());
        for &doc in docs {
            self.check_known(doc)?;
            scores.push(self.forward.dot(doc, &terms.terms));
        }
        Ok(scores)
    }

    /// Exact score of one document by binary search in the query terms' posting lists
    /// (no forward copy needed); kept to compare against [`score`](Self::score).
    ///
    /// # Errors
    /// As [`score`](Self::score).
    pub fn score_from_postings(&self, query: &CsVec<f64>, doc: DocIdx) -> Result<f64> {
        let terms = QueryTerms::new(query, self.n_terms())?;
        self.check_known(doc)?;
        Ok(terms
            .terms
            .iter()
            .filter_map(|&(term, q)| {
                let weight = self.postings.get(term as usize)?.weight_of(doc)?;
                Some(weight * q)
            })
            .fold(0.0, |sum, v| sum + v))
    }

    fn check_known(&self, doc: DocIdx) -> Result<()> {
        if (doc as usize) < self.len() {
            Ok(())
        } else {
            Err(Error::UnknownKey(doc.to_string()))
        }
    }

    /// Exact top-`k` documents by dot product with `query` (cosine for l2-normalised rows and
    /// query): `(doc, score)` sorted by score descending, then id ascending.
    ///
    /// Only documents with a score `> 0` are hits: a document sharing no term with the query
    /// is never returned, so fewer than `k` hits may come back. Deleted documents are never
    /// returned, nor those for which `filter` returns `false`; the filter is applied inside
    /// the search, so `k` hits come back whenever `k` live, matching, kept documents exist.
    /// Query terms at or beyond [`n_terms`](Self::n_terms) are ignored (no document holds
    /// them). An empty query gives an empty result.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] when `k == 0`; [`Error::NonFiniteVector`] when the query
    /// holds NaN or infinity.
    pub fn search(
        &self,
        query: &CsVec<f64>,
        k: usize,
        filter: Option<&dyn Fn(DocIdx) -> bool>,
    ) -> Result<Vec<(DocIdx, f64)>> {
        let mut scratch = self.take_scratch();
        let result = self.search_with(&mut scratch, self.strategy, query, k, filter);
        self.return_scratch(scratch);
        result
    }

    /// [`search`](Self::search) with caller-owned buffers and an explicit strategy.
    ///
    /// # Errors
    /// As [`search`](Self::search).
    pub fn search_with(
        &self,
        scratch: &mut SearchScratch,
        strategy: TopKStrategy,
        query: &CsVec<f64>,
        k: usize,
        filter: Option<&dyn Fn(DocIdx) -> bool>,
    ) -> Result<Vec<(DocIdx, f64)>> {
        if k == 0 {
            return Err(Error::invalid_parameter("k", "must be at least 1"));
        }
        let terms = QueryTerms::new(query, self.n_terms())?;
        if terms.is_empty() {
            return Ok(Vec::new());
        }
        let live = |doc: DocIdx| !self.is_deleted(doc) && filter.is_none_or(|keep| keep(doc));
        let hits = match self.resolve(strategy, &terms, k) {
            TopKStrategy::Exhaustive => {
                exhaustive::search(&self.postings, self.len(), &terms, k, &live, scratch)
            }
            _ => max_score::search(&self.postings, &terms, k, &live, scratch),
        };
        Ok(hits)
    }

    /// Picks a concrete strategy for [`TopKStrategy::Auto`].
    fn resolve(&self, strategy: TopKStrategy, terms: &QueryTerms, k: usize) -> TopKStrategy {
        match strategy {
            TopKStrategy::Auto => super::choose_strategy(&self.postings, terms, k, self.len()),
            concrete => concrete,
        }
    }

    fn take_scratch(&self) -> SearchScratch {
        let mut pool = self
            .scratch_pool
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        pool.pop().unwrap_or_default()
    }

    fn return_scratch(&self, scratch: SearchScratch) {
        let mut pool = self
            .scratch_pool
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        pool.push(scratch);
    }
}

/// Document ids and term ids are `u32`.
fn check_shape(rows: usize, cols: usize) -> Result<()> {
    if rows > DocIdx::MAX as usize {
        return Err(Error::invalid_parameter(
            "rows",
            format!("{rows} documents exceed the u32 id space"),
        ));
    }
    if cols > u32::MAX as usize {
        return Err(Error::invalid_parameter(
            "cols",
            format!("{cols} terms exceed the u32 id space"),
        ));
    }
    Ok(())
}

fn check_finite(matrix: &CsMat<f64>) -> Result<()> {
    let data = matrix.data();
    match data.par_iter().position_first(|v| !v.is_finite()) {
        Some(at) => Err(Error::NonFiniteVector {
            index: matrix.indices().get(at).copied().unwrap_or(0),
        }),
        None => Ok(()),
    }
}

/// Below this many stored weights posting lists are filled on one thread (rayon's overhead
/// would dominate).
const PARALLEL_BUILD_MIN_NNZ: usize = 200_000;

/// Refills `postings` with the columns of a CSR `matrix` (terms past its width dropped):
/// `sprs`'s counting-sort `to_csc` (a flat scatter, faster than pushing into one list per
/// term), then each list refilled from its column, in parallel by term. Lists keep their
/// memory: a live index refills them on every change, and allocating fresh lists was most of
/// that time.
fn refill_postings(postings: &mut Vec<PostingList>, matrix: &CsMat<f64>) {
    let csc = matrix.to_csc();
    let indptr = csc.indptr();
    let indptr = indptr.to_proper();
    let (docs, weights) = (csc.indices(), csc.data());
    postings.truncate(csc.cols());
    postings.resize_with(csc.cols(), PostingList::default);
    let fill = |(term, list): (usize, &mut PostingList)| {
        let (start, end) = (indptr[term], indptr[term + 1]);
        list.refill(&docs[start..end], &weights[start..end]);
    };
    if matrix.nnz() < PARALLEL_BUILD_MIN_NNZ {
        postings.iter_mut().enumerate().for_each(fill);
    } else {
        postings.par_iter_mut().enumerate().for_each(fill);
    }
}
