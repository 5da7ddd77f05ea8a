//! scikit-learn-compatible TF-IDF (`TfidfVectorizer`, scikit-learn 1.9.1).
//!
//! [`TfidfVectorizer`] holds validated [`TfidfParams`]; fitting returns a
//! [`FittedTfidf`] (vocabulary, document frequencies, idf) that transforms text
//! into `sprs` CSR rows. The pipeline and arithmetic follow sklearn exactly:
//! analysis → counts → (learned vocabulary) `min_df`/`max_df` with unrounded
//! float thresholds → `max_features` → columns in code-point order; then
//! `tf` (raw or binary) → `1 + ln(tf)` if sublinear → `× idf` → l1/l2 norm
//! summed in `f64`. After `fit_transform` with a learned vocabulary each row's
//! norm is summed in the terms' global first-occurrence order, as sklearn stores
//! it, so values are bitwise equal; everywhere else rows are summed in column order.
//!
//! Documented deviation: `max_features` ties at the cut are broken by the stable
//! rule (count descending, then code-point order ascending); sklearn's numpy
//! argsort has no fixed rule there.

mod counting;
pub mod export;
pub mod params;
pub(crate) mod vocabulary;
pub(crate) mod weighting;

use std::collections::BTreeSet;
use std::sync::Arc;

use rayon::prelude::*;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sprs::{CsMat, CsVec};

use crate::analysis::{Analyzer, AnalyzerKind, TokenizerKind};
use crate::error::{Error, Result};
use counting::{count_known, count_learned, CountRows, Interner, TermArena};
pub use params::{
    Callable, DecodeError, Df, Dtype, Norm, StemmerLanguage, StopWordsParam, TfidfParams,
    VocabularyParam,
};
use vocabulary::{fixed_terms, Pruning, TermStats};
use weighting::{weigh_rows, Columns, Real, Weighting};

/// A validated TF-IDF configuration, ready to fit.
#[derive(Clone, Debug)]
pub struct TfidfVectorizer {
    params: TfidfParams,
    /// Shared with every model fitted from this vectorizer.
    analyzer: Arc<Analyzer>,
    fixed_vocabulary: Option<Vec<String>>,
    keep_pruned_terms: bool,
}

impl TfidfVectorizer {
    /// Validates `params` and builds the analyzer.
    ///
    /// # Errors
    /// In sklearn's order: [`Error::InvalidParameter`], [`Error::InvalidNgramRange`],
    /// fixed-vocabulary errors ([`Error::DuplicateVocabularyTerm`],
    /// [`Error::RepeatedVocabularyIndex`], [`Error::VocabularyIndexGap`],
    /// [`Error::EmptyFixedVocabulary`]), then token-pattern errors
    /// ([`Error::InvalidTokenPattern`], [`Error::TooManyCaptureGroups`]).
    pub fn new(params: TfidfParams) -> Result<Self> {
        params.validate()?;
        let fixed_vocabulary = params.vocabulary.as_ref().map(fixed_terms).transpose()?;
        let uses_pattern = params.analyzer == AnalyzerKind::Word
            && params.word_tokenizer == TokenizerKind::Pattern;
        if uses_pattern && params.token_pattern.is_none() {
            return Err(Error::InvalidTokenPattern {
                pattern: "None".to_string(),
                reason: "first argument must be string or compiled pattern".to_string(),
            });
        }
        let analyzer = Arc::new(Analyzer::new(params.analyzer_config())?);
        Ok(TfidfVectorizer {
            params,
            analyzer,
            fixed_vocabulary,
            keep_pruned_terms: false,
        })
    }

    /// Whether fitting keeps the set of terms removed by `min_df`, `max_df` and
    /// `max_features` (sklearn's former `stop_words_`), available from
    /// [`FittedTfidf::pruned_terms`]. Off by default: it can be large.
    pub fn keep_pruned_terms(mut self, keep: bool) -> Self {
        self.keep_pruned_terms = keep;
        self
    }

    /// The validated parameters.
    pub fn params(&self) -> &TfidfParams {
        &self.params
    }

    /// Learns the vocabulary, document frequencies and idf of `docs`.
    ///
    /// # Errors
    /// Learned vocabulary: [`Error::EmptyVocabulary`] (no terms at all, 0 documents
    /// included), [`Error::MaxDfBelowMinDf`], [`Error::NoTermsRemain`]. Fixed
    /// vocabulary: [`Error::NoDocuments`] for 0 documents. Either:
    /// [`Error::TokenPatternRuntime`] when a custom token pattern fails on a
    /// document (its backtracking limit); no document is counted partially.
    pub fn fit<S: AsRef<str> + Sync>(&self, docs: &[S]) -> Result<FittedTfidf> {
        self.fit_counts(docs).map(|(fitted, _, _)| fitted)
    }

    /// Fits and returns the TF-IDF matrix of `docs` (one row per document).
    /// With `dtype=float32` the arithmetic is `f32` and the values are widened
    /// exactly to `f64`.
    ///
    /// # Errors
    /// As [`TfidfVectorizer::fit`], plus [`Error::NonFiniteValue`] (never for a
    /// learned vocabulary).
    pub fn fit_transform<S: AsRef<str> + Sync>(
        &self,
        docs: &[S],
    ) -> Result<(FittedTfidf, CsMat<f64>)> {
        let (fitted, rows, to_column) = self.fit_counts(docs)?;
        let matrix = match fitted.params.dtype {
            Dtype::Float64 => fitted.weigh::<f64>(&rows, to_column.as_deref())?,
            Dtype::Float32 => widen(&fitted.weigh::<f32>(&rows, to_column.as_deref())?),
        };
        Ok((fitted, matrix))
    }

    /// [`TfidfVectorizer::fit_transform`] returning `f32` values: exact sklearn
    /// float32 output with `dtype=float32`, rounded `f64` results otherwise.
    ///
    /// # Errors
    /// As [`TfidfVectorizer::fit_transform`].
    pub fn fit_transform_f32<S: AsRef<str> + Sync>(
        &self,
        docs: &[S],
    ) -> Result<(FittedTfidf, CsMat<f32>)> {
        let (fitted, rows, to_column) = self.fit_counts(docs)?;
        let matrix = match fitted.params.dtype {
            Dtype::Float32 => fitted.weigh::<f32>(&rows, to_column.as_deref())?,
            Dtype::Float64 => narrow(&fitted.weigh::<f64>(&rows, to_column.as_deref())?),
        };
        Ok((fitted, matrix))
    }

    /// Fits and returns the count rows and, for a learned vocabulary, the map
    /// from provisional (first-occurrence) ids to columns.
    fn fit_counts<S: AsRef<str> + Sync>(
        &self,
        docs: &[S],
    ) -> Result<(FittedTfidf, CountRows, Option<Vec<u32>>)> {
        let n_documents = docs.len() as u64;
        let (vocabulary, document_frequencies, rows, to_column, pruned) =
            match &self.fixed_vocabulary {
                Some(terms) => {
                    if docs.is_empty() {
                        return Err(Error::NoDocuments);
                    }
                    let vocabulary = Interner::from_terms(terms.clone());
                    let rows = count_known(&self.analyzer, &vocabulary, docs)?;
                    let dfs = column_document_frequencies(&rows, vocabulary.len());
                    (vocabulary, dfs, rows, None, None)
                }
                None => {
                    let learned = self.learn(docs)?;
                    (
                        learned.vocabulary,
                        learned.document_frequencies,
                        learned.rows,
                        Some(learned.to_column),
                        learned.pruned,
                    )
                }
            };
        let idf = self.params.use_idf.then(|| match self.params.dtype {
            Dtype::Float64 => {
                weighting::idf::<f64>(&document_frequencies, n_documents, self.params.smooth_idf)
            }
            Dtype::Float32 => {
                weighting::idf::<f32>(&document_frequencies, n_documents, self.params.smooth_idf)
                    .into_iter()
                    .map(f64::from)
                    .collect()
            }
        });
        let fitted = FittedTfidf {
            params: self.params.clone(),
            analyzer: Arc::clone(&self.analyzer),
            vocabulary,
            idf,
            document_frequencies,
            n_documents,
            pruned_terms: pruned,
        };
        Ok((fitted, rows, to_column))
    }

    /// Learns and prunes the vocabulary (sklearn's `_count_vocab`,
    /// `_sort_features` and `_limit_features`).
    fn learn<S: AsRef<str> + Sync>(&self, docs: &[S]) -> Result<Learned> {
        let counts = count_learned(&self.analyzer, docs)?;
        let n_terms = counts.vocabulary.len();
        if n_terms == 0 {
            return Err(Error::EmptyVocabulary);
        }
        let mut provisional_dfs = vec![0u64; n_terms];
        let mut provisional_totals = vec![0u64; n_terms];
        let binary = self.params.binary;
        for (&id, &count) in counts.rows.ids.iter().zip(&counts.rows.counts) {
            if let Some(df) = provisional_dfs.get_mut(id as usize) {
                *df += 1;
            }
            if let Some(total) = provisional_totals.get_mut(id as usize) {
                *total += if binary { 1 } else { u64::from(count) };
            }
        }
        // Columns in code-point order (Rust `str` order = Python `str` order).
        let terms = counts.vocabulary;
        let mut order: Vec<u32> = (0..n_terms as u32).collect();
        order.par_sort_unstable_by(|&a, &b| terms.term_bytes(a).cmp(terms.term_bytes(b)));
        let sorted_dfs: Vec<u64> = order
            .iter()
            .map(|&id| provisional_dfs[id as usize])
            .collect();
        let sorted_totals: Vec<u64> = order
            .iter()
            .map(|&id| provisional_totals[id as usize])
            .collect();
        let pruning = Pruning {
            max_df: self.params.max_df,
            min_df: self.params.min_df,
            max_features: self.params.max_features,
        };
        let keep = pruning.keep_mask(
            docs.len() as u64,
            &TermStats {
                document_frequencies: &sorted_dfs,
                total_counts: &sorted_totals,
            },
        )?;
        Ok(self.apply_mask(&terms, &order, &keep, &sorted_dfs, counts.rows))
    }

    fn apply_mask(
        &self,
        terms: &TermArena,
        order: &[u32],
        keep: &[bool],
        sorted_dfs: &[u64],
        rows: CountRows,
    ) -> Learned {
        let mut to_column = vec![u32::MAX; terms.len()];
        let mut kept_terms = Vec::new();
        let mut document_frequencies = Vec::new();
        let mut pruned = self.keep_pruned_terms.then(BTreeSet::new);
        for ((&id, &kept), &df) in order.iter().zip(keep).zip(sorted_dfs) {
            if kept {
                if let Some(slot) = to_column.get_mut(id as usize) {
                    *slot = kept_terms.len() as u32;
                }
                kept_terms.push(terms.term(id).to_string());
                document_frequencies.push(df);
            } else if let Some(pruned) = pruned.as_mut() {
                pruned.insert(terms.term(id).to_string());
            }
        }
        Learned {
            vocabulary: Interner::from_terms(kept_terms),
            document_frequencies,
            rows,
            to_column,
            pruned,
        }
    }
}

struct Learned {
    vocabulary: Interner,
    document_frequencies: Vec<u64>,
    rows: CountRows,
    to_column: Vec<u32>,
    pruned: Option<BTreeSet<String>>,
}

fn column_document_frequencies(rows: &CountRows, n_cols: usize) -> Vec<u64> {
    let mut dfs = vec![0u64; n_cols];
    for &col in &rows.ids {
        if let Some(df) = dfs.get_mut(col as usize) {
            *df += 1;
        }
    }
    dfs
}

fn widen(matrix: &CsMat<f32>) -> CsMat<f64> {
    matrix.map(|&v| f64::from(v))
}

fn narrow(matrix: &CsMat<f64>) -> CsMat<f32> {
    matrix.map(|&v| v as f32)
}

/// A fitted TF-IDF model: vocabulary (columns), document frequencies, idf and the
/// parameters and analyzer that produced them.
///
/// Serializes as `{params, terms, idf, document_frequencies, n_documents}`; the
/// analyzer and term index are rebuilt on deserialization, and pruned terms are
/// never persisted.
#[derive(Clone, Debug)]
pub struct FittedTfidf {
    params: TfidfParams,
    analyzer: Arc<Analyzer>,
    vocabulary: Interner,
    /// Stored widened to f64 for `dtype=float32` (exact).
    idf: Option<Vec<f64>>,
    document_frequencies: Vec<u64>,
    n_documents: u64,
    pruned_terms: Option<BTreeSet<String>>,
}

impl FittedTfidf {
    /// The TF-IDF rows of `docs` with the fitted vocabulary; unknown terms are
    /// ignored and documents without known terms (or empty ones) give all-zero rows.
    /// Rows are normalised in column order (as sklearn's `transform`).
    ///
    /// # Errors
    /// [`Error::NoDocuments`] for 0 documents (sklearn's behaviour);
    /// [`Error::NonFiniteValue`] when an infinite idf (fixed vocabulary,
    /// `smooth_idf=false`, df = 0) meets a norm;
    /// [`Error::TokenPatternRuntime`] when a custom token pattern fails on a
    /// document (its backtracking limit).
    pub fn transform<S: AsRef<str> + Sync>(&self, docs: &[S]) -> Result<CsMat<f64>> {
        let counts = self.counts_checked(docs)?;
        match self.params.dtype {
            Dtype::Float64 => self.weigh::<f64>(&counts, None),
            Dtype::Float32 => self.weigh::<f32>(&counts, None).map(|m| widen(&m)),
        }
    }

    /// [`FittedTfidf::transform`] with `f32` values (exact sklearn output for
    /// `dtype=float32`).
    ///
    /// # Errors
    /// As [`FittedTfidf::transform`].
    pub fn transform_f32<S: AsRef<str> + Sync>(&self, docs: &[S]) -> Result<CsMat<f32>> {
        let counts = self.counts_checked(docs)?;
        match self.params.dtype {
            Dtype::Float32 => self.weigh::<f32>(&counts, None),
            Dtype::Float64 => self.weigh::<f64>(&counts, None).map(|m| narrow(&m)),
        }
    }

    /// The TF-IDF vector of one document (a query).
    ///
    /// # Errors
    /// [`Error::NonFiniteValue`] as in [`FittedTfidf::transform`].
    pub fn transform_one(&self, doc: &str) -> Result<CsVec<f64>> {
        let matrix = self.transform(&[doc])?;
        let (_, indices, data) = matrix.into_raw_storage();
        CsVec::try_new(self.n_features(), indices, data).map_err(|(_, _, err)| {
            Error::InvalidInput(format!("internal: invalid tf-idf row: {err}"))
        })
    }

    /// Raw term counts of `docs` (binary not applied) with the fitted vocabulary:
    /// the input of [`FittedTfidf::weight_counts`]. 0 documents give a 0-row matrix.
    ///
    /// # Errors
    /// [`Error::TokenPatternRuntime`] when a custom token pattern fails on a
    /// document (its backtracking limit): no document is counted partially.
    pub fn counts<S: AsRef<str> + Sync>(&self, docs: &[S]) -> Result<CsMat<f64>> {
        let rows = count_known(&self.analyzer, &self.vocabulary, docs)?;
        let unit = Weighting::<f64> {
            binary: false,
            sublinear_tf: false,
            idf: None,
            norm: None,
        };
        // Cannot fail: no norm, and rows are sorted by construction.
        Ok(
            weigh_rows(&rows, &Columns::Sorted, &unit, self.n_features())
                .unwrap_or_else(|_| CsMat::zero((rows.n_rows(), self.n_features()))),
        )
    }

    /// Applies this model's weighting (binary, sublinear tf, idf, norm) in place to
    /// a count matrix with one column per feature, e.g. to reweigh rows after the
    /// idf changed. Rows are normalised in column order.
    ///
    /// # Errors
    /// [`Error::DimensionMismatch`] if the column count differs from
    /// [`FittedTfidf::n_features`]; [`Error::NonFiniteValue`] as in `transform`
    /// (the matrix is then left partly weighted).
    pub fn weight_counts(&self, counts: &mut CsMat<f64>) -> Result<()> {
        if counts.cols() != self.n_features() {
            return Err(Error::DimensionMismatch {
                expected: self.n_features(),
                found: counts.cols(),
            });
        }
        let weighting = Weighting {
            binary: self.params.binary,
            sublinear_tf: self.params.sublinear_tf,
            idf: self.idf.as_deref(),
            norm: self.params.norm,
        };
        let mut cols = Vec::new();
        let mut tallies = Vec::new();
        let mut values = Vec::new();
        for mut row in counts.outer_iterator_mut() {
            cols.clear();
            tallies.clear();
            for (col, &count) in row.iter() {
                cols.push(col as u32);
                tallies.push(if count >= u32::MAX as f64 {
                    u32::MAX
                } else {
                    count as u32
                });
            }
            weighting.weigh_row(&cols, &tallies, &mut values)?;
            for ((_, slot), &value) in row.iter_mut().zip(&values) {
                *slot = value;
            }
        }
        Ok(())
    }

    /// Terms in column order (sklearn's `get_feature_names_out()`).
    pub fn feature_names(&self) -> &[String] {
        self.vocabulary.terms()
    }

    /// Number of columns.
    pub fn n_features(&self) -> usize {
        self.vocabulary.len()
    }

    /// The column of `term`, if it is in the vocabulary.
    pub fn term_index(&self, term: &str) -> Option<usize> {
        self.vocabulary.get(term).map(|id| id as usize)
    }

    /// The idf per column (sklearn's `idf_`); `None` when `use_idf=false`. With
    /// `dtype=float32` these are the `f32` values, widened.
    pub fn idf(&self) -> Option<&[f64]> {
        self.idf.as_deref()
    }

    /// Number of fitted documents containing each column's term.
    pub fn document_frequencies(&self) -> &[u64] {
        &self.document_frequencies
    }

    /// Number of fitted documents, empty ones included.
    pub fn n_documents(&self) -> u64 {
        self.n_documents
    }

    /// The parameters the model was fitted with.
    pub fn params(&self) -> &TfidfParams {
        &self.params
    }

    /// The analyzer (same configuration as fitting).
    pub fn analyzer(&self) -> &Analyzer {
        &self.analyzer
    }

    /// Terms removed by `min_df`, `max_df` or `max_features` (sklearn's former
    /// `stop_words_`). `None` unless [`TfidfVectorizer::keep_pruned_terms`] was set,
    /// for a fixed vocabulary, and after deserialization (never persisted).
    #[doc(alias = "stop_words_")]
    pub fn pruned_terms(&self) -> Option<&BTreeSet<String>> {
        self.pruned_terms.as_ref()
    }

    fn counts_checked<S: AsRef<str> + Sync>(&self, docs: &[S]) -> Result<CountRows> {
        if docs.is_empty() {
            return Err(Error::NoDocuments);
        }
        count_known(&self.analyzer, &self.vocabulary, docs)
    }

    fn weigh<R: Real>(&self, rows: &CountRows, to_column: Option<&[u32]>) -> Result<CsMat<R>> {
        let idf: Option<Vec<R>> = self
            .idf
            .as_ref()
            .map(|idf| idf.iter().map(|&x| R::from_f64(x)).collect());
        let weighting = Weighting {
            binary: self.params.binary,
            sublinear_tf: self.params.sublinear_tf,
            idf: idf.as_deref(),
            norm: self.params.norm,
        };
        let columns = match to_column {
            Some(table) => Columns::Provisional(table),
            None => Columns::Sorted,
        };
        weigh_rows(rows, &columns, &weighting, self.n_features())
    }
}

/// The persisted form of [`FittedTfidf`].
#[derive(Serialize)]
struct FittedRef<'a> {
    params: &'a TfidfParams,
    terms: &'a [String],
    idf: &'a Option<Vec<f64>>,
    document_frequencies: &'a [u64],
    n_documents: u64,
}

#[derive(Deserialize)]
struct FittedOwned {
    params: TfidfParams,
    terms: Vec<String>,
    idf: Option<Vec<f64>>,
    document_frequencies: Vec<u64>,
    n_documents: u64,
}

impl Serialize for FittedTfidf {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        FittedRef {
            params: &self.params,
            terms: self.vocabulary.terms(),
            idf: &self.idf,
            document_frequencies: &self.document_frequencies,
            n_documents: self.n_documents,
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for FittedTfidf {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        use serde::de::Error as _;
        let owned = FittedOwned::deserialize(deserializer)?;
        FittedTfidf::from_parts(owned).map_err(D::Error::custom)
    }
}

impl FittedTfidf {
    /// Rebuilds a model from persisted parts, checking their consistency.
    fn from_parts(parts: FittedOwned) -> Result<Self> {
        let n = parts.terms.len();
        let inconsistent =
            |what: &str| Error::InvalidInput(format!("inconsistent fitted tf-idf: {what}"));
        if parts.document_frequencies.len() != n {
            return Err(inconsistent(
                "document_frequencies length differs from the vocabulary",
            ));
        }
        if parts.idf.as_ref().is_some_and(|idf| idf.len() != n) {
            return Err(inconsistent("idf length differs from the vocabulary"));
        }
        if parts.idf.is_some() != parts.params.use_idf {
            return Err(inconsistent("idf presence differs from use_idf"));
        }
        if u32::try_from(n).is_err() {
            return Err(inconsistent("too many terms"));
        }
        let vocabulary = Interner::from_terms(parts.terms);
        if vocabulary.len() != n {
            return Err(inconsistent("duplicate terms"));
        }
        let analyzer = TfidfVectorizer::new(parts.params.clone())?.analyzer;
        Ok(FittedTfidf {
            params: parts.params,
            analyzer,
            vocabulary,
            idf: parts.idf,
            document_frequencies: parts.document_frequencies,
            n_documents: parts.n_documents,
            pruned_terms: None,
        })
    }
}

#[cfg(test)]
mod tests;
