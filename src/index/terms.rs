//! The sparse model of an index: a growing term dictionary, per-document term
//! counts, exact live statistics, and the weighting snapshot (active terms + idf)
//! that turns counts into TF-IDF rows.
//!
//! Every term ever seen gets a column for good; which columns count is decided by
//! [`Weights`]: a fitted snapshot (frozen mode) or one recomputed after each change
//! (live mode). Inactive columns simply never appear in a weighted row, which is
//! what a fresh scikit-learn fit (whose vocabulary lacks them) gives.

// foldhash (hashbrown's default hasher): the term lookup runs for every query term
// and every indexed token, and SipHash showed up in lookup profiles.
use hashbrown::HashMap;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sprs::CsVec;

use crate::analysis::Analyzer;
use crate::error::{Error, Result};
use crate::tfidf::vocabulary::{Pruning, TermStats};
use crate::tfidf::weighting::{idf, Weighting};
use crate::tfidf::TfidfParams;

/// The term counts of one document (or query): term ids ascending, counts > 0.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct TermCounts {
    /// Term ids, strictly ascending.
    pub ids: Vec<u32>,
    /// Count of each term (field weights applied).
    pub counts: Vec<u32>,
}

impl TermCounts {
    /// Builds from unsorted `(id, count)` pairs with distinct ids.
    fn from_pairs(mut pairs: Vec<(u32, u32)>) -> Self {
        pairs.sort_unstable_by_key(|&(id, _)| id);
        let (ids, counts) = pairs.into_iter().unzip();
        TermCounts { ids, counts }
    }

    /// The count of `term`, 0 when absent.
    pub fn count_of(&self, term: u32) -> u32 {
        self.ids
            .binary_search(&term)
            .ok()
            .and_then(|i| self.counts.get(i).copied())
            .unwrap_or(0)
    }
}

/// Terms with dense ids in first-seen order.
#[derive(Clone, Debug, Default)]
pub(crate) struct Dictionary {
    terms: Vec<String>,
    lookup: HashMap<String, u32>,
}

impl Dictionary {
    /// Rebuilds the lookup of a persisted term list.
    ///
    /// # Errors
    /// [`Error::CorruptPersisted`] when a term is listed twice or there are too many.
    pub fn from_terms(terms: Vec<String>) -> Result<Self> {
        let mut lookup = HashMap::with_capacity(terms.len());
        for (i, term) in terms.iter().enumerate() {
            let id = u32::try_from(i).map_err(|_| corrupt("too many terms"))?;
            if lookup.insert(term.clone(), id).is_some() {
                return Err(corrupt(&format!("term {term:?} listed twice")));
            }
        }
        Ok(Dictionary { terms, lookup })
    }

    pub fn len(&self) -> usize {
        self.terms.len()
    }

    pub fn terms(&self) -> &[String] {
        &self.terms
    }

    pub fn term(&self, id: u32) -> Option<&str> {
        self.terms.get(id as usize).map(String::as_str)
    }

    pub fn get(&self, term: &str) -> Option<u32> {
        self.lookup.get(term).copied()
    }

    /// Forgets the terms with ids `len..` (those a refused change interned).
    pub fn truncate(&mut self, len: usize) {
        for term in self.terms.drain(len.min(self.terms.len())..) {
            self.lookup.remove(&term);
        }
    }

    fn intern(&mut self, term: &str) -> Result<u32> {
        if let Some(id) = self.get(term) {
            return Ok(id);
        }
        let id = u32::try_from(self.terms.len())
            .ok()
            .filter(|&id| id < u32::MAX)
            .ok_or_else(|| {
                Error::InvalidInput("term dictionary is full (2^32 - 1 terms)".into())
            })?;
        self.terms.push(term.to_string());
        self.lookup.insert(term.to_string(), id);
        Ok(id)
    }
}

fn corrupt(detail: &str) -> Error {
    Error::CorruptPersisted {
        what: "term dictionary",
        detail: detail.to_string(),
    }
}

/// One text field and its weight.
pub(crate) type Field<'a> = (&'a str, u32);

/// Counts the terms of several weighted fields with a chunk-local term map
/// (`local` ids are positions in `local_terms`).
fn count_local(
    analyzer: &Analyzer,
    fields: &[Field<'_>],
    local: &mut HashMap<String, u32>,
    local_terms: &mut Vec<String>,
) -> Result<Vec<(u32, u32)>> {
    let mut tally: HashMap<u32, u32> = HashMap::new();
    for &(text, weight) in fields {
        if weight == 0 {
            continue;
        }
        analyzer.try_for_each_term(text, &mut |term| {
            let id = match local.get(term) {
                Some(&id) => id,
                None => {
                    let id = local_terms.len() as u32;
                    local_terms.push(term.to_string());
                    local.insert(term.to_string(), id);
                    id
                }
            };
            let slot = tally.entry(id).or_insert(0);
            *slot = slot.saturating_add(weight);
        })?;
    }
    Ok(tally.into_iter().collect())
}

/// A chunk's local terms and its rows of `(local id, count)`.
type LocalChunk = (Vec<String>, Vec<Vec<(u32, u32)>>);

/// Counts many documents in parallel and interns their terms into `dictionary`
/// (in chunk order, so ids are deterministic for a given thread count).
///
/// # Errors
/// [`Error::InvalidInput`] when the dictionary overflows;
/// [`Error::TokenPatternRuntime`] when a custom token pattern fails on a
/// document (nothing is interned then).
pub(crate) fn count_documents(
    analyzer: &Analyzer,
    dictionary: &mut Dictionary,
    docs: &[Vec<Field<'_>>],
) -> Result<Vec<TermCounts>> {
    let chunk = crate::tfidf::weighting::block_len(docs.len(), 32);
    let chunks: Vec<LocalChunk> = docs
        .par_chunks(chunk)
        .map(|docs| {
            let mut local = HashMap::new();
            let mut local_terms = Vec::new();
            let rows = docs
                .iter()
                .map(|fields| count_local(analyzer, fields, &mut local, &mut local_terms))
                .collect::<Result<_>>()?;
            Ok((local_terms, rows))
        })
        .collect::<Result<_>>()?;
    let mut out = Vec::with_capacity(docs.len());
    for (local_terms, rows) in chunks {
        let remap = local_terms
            .iter()
            .map(|t| dictionary.intern(t))
            .collect::<Result<Vec<u32>>>()?;
        out.par_extend(rows.into_par_iter().map(|row| {
            TermCounts::from_pairs(
                row.into_iter()
                    .filter_map(|(id, c)| Some((*remap.get(id as usize)?, c)))
                    .collect(),
            )
        }));
    }
    Ok(out)
}

/// A query text analysed once, for callers that need its terms as well as its
/// TF-IDF vector (the FAQ cache's lexical veto compares them): the distinct
/// terms in order of first occurrence, each with its dictionary id (`None`:
/// unknown), and the counts of the known ones.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct QueryAnalysis {
    pub terms: Vec<(String, Option<u32>)>,
    pub counts: TermCounts,
}

impl QueryAnalysis {
    /// Analyses `text` against the dictionary without growing it; `counts`
    /// equals [`count_known`]'s.
    pub fn new(analyzer: &Analyzer, dictionary: &Dictionary, text: &str) -> Self {
        let mut terms = Vec::new();
        let counts = tally_known(analyzer, dictionary, text, Some(&mut terms));
        QueryAnalysis { terms, counts }
    }
}

/// Counts a query (or any text) against the dictionary without growing it.
pub(crate) fn count_known(analyzer: &Analyzer, dictionary: &Dictionary, text: &str) -> TermCounts {
    tally_known(analyzer, dictionary, text, None)
}

/// The counts of `text`'s known terms; with `terms`, also lists each distinct
/// term (known or not) at its first occurrence, with its id.
fn tally_known(
    analyzer: &Analyzer,
    dictionary: &Dictionary,
    text: &str,
    mut terms: Option<&mut Vec<(String, Option<u32>)>>,
) -> TermCounts {
    let mut tally: HashMap<u32, u32> = HashMap::new();
    let mut unknown: hashbrown::HashSet<String> = hashbrown::HashSet::new();
    analyzer.for_each_term(text, &mut |term| match dictionary.get(term) {
        Some(id) => {
            let slot = tally.entry(id).or_insert(0);
            if *slot == 0 {
                if let Some(terms) = terms.as_mut() {
                    terms.push((term.to_string(), Some(id)));
                }
            }
            *slot = slot.saturating_add(1);
        }
        None => {
            if let Some(terms) = terms.as_mut() {
                if !unknown.contains(term) {
                    unknown.insert(term.to_string());
                    terms.push((term.to_string(), None));
                }
            }
        }
    });
    TermCounts::from_pairs(tally.into_iter().collect())
}

/// Exact statistics over the live documents.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct LiveStats {
    /// Live documents containing each term.
    pub document_frequencies: Vec<u64>,
    /// Sum of each term's counts over live documents.
    pub total_counts: Vec<u64>,
    /// Number of live documents (empty ones included).
    pub n_documents: u64,
}

impl LiveStats {
    fn grow(&mut self, n_terms: usize) {
        if self.document_frequencies.len() < n_terms {
            self.document_frequencies.resize(n_terms, 0);
            self.total_counts.resize(n_terms, 0);
        }
    }

    /// Counts a document in.
    pub fn add(&mut self, row: &TermCounts, n_terms: usize) {
        self.grow(n_terms);
        self.n_documents += 1;
        for (&id, &count) in row.ids.iter().zip(&row.counts) {
            if let Some(df) = self.document_frequencies.get_mut(id as usize) {
                *df += 1;
            }
            if let Some(total) = self.total_counts.get_mut(id as usize) {
                *total += u64::from(count);
            }
        }
    }

    /// Counts a document out (it must have been counted in).
    pub fn remove(&mut self, row: &TermCounts) {
        self.n_documents = self.n_documents.saturating_sub(1);
        for (&id, &count) in row.ids.iter().zip(&row.counts) {
            if let Some(df) = self.document_frequencies.get_mut(id as usize) {
                *df = df.saturating_sub(1);
            }
            if let Some(total) = self.total_counts.get_mut(id as usize) {
                *total = total.saturating_sub(u64::from(count));
            }
        }
    }
}

/// Scratch space for [`Weights::weigh_into`]: one row's columns, counts and weights.
#[derive(Debug, Default)]
pub(crate) struct RowBuffer {
    pub cols: Vec<u32>,
    tallies: Vec<u32>,
    pub values: Vec<f64>,
}

/// The weighting snapshot: which terms are columns, their idf, the corpus size it came from.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Weights {
    /// Whether each term id is in the fitted vocabulary (ids past the end are not).
    pub active: Vec<bool>,
    /// idf of each term id (meaningful for active terms only).
    pub idf: Vec<f64>,
    /// Documents the snapshot was fitted on.
    pub n_documents: u64,
}

impl Weights {
    /// Fits the snapshot on `stats` with scikit-learn's pruning and idf.
    ///
    /// With no documents the vocabulary is empty (not an error, so that a live
    /// index can be emptied). `strict` turns "no terms remain" into an error.
    ///
    /// # Errors
    /// [`Error::EmptyVocabulary`], [`Error::MaxDfBelowMinDf`], [`Error::NoTermsRemain`]
    /// when `strict`.
    pub fn fit(
        stats: &LiveStats,
        terms: &[String],
        params: &TfidfParams,
        strict: bool,
    ) -> Result<Weights> {
        let active = match active_terms(stats, terms, params) {
            Ok(active) => active,
            Err(err) if strict => return Err(err),
            Err(_) => vec![false; stats.document_frequencies.len()],
        };
        let idf = idf::<f64>(
            &stats.document_frequencies,
            stats.n_documents,
            params.smooth_idf,
        );
        Ok(Weights {
            active,
            idf,
            n_documents: stats.n_documents,
        })
    }

    /// Whether `term` is a column.
    pub fn is_active(&self, term: u32) -> bool {
        self.active.get(term as usize).copied().unwrap_or(false)
    }

    /// The TF-IDF row of `counts`: active terms only, ascending term ids.
    ///
    /// # Errors
    /// [`Error::NonFiniteValue`] (cannot happen with smoothed or positive-df idf).
    pub fn weigh(&self, counts: &TermCounts, params: &TfidfParams) -> Result<(Vec<u32>, Vec<f64>)> {
        let mut row = RowBuffer::default();
        self.weigh_into(counts, params, &mut row)?;
        Ok((row.cols, row.values))
    }

    /// [`weigh`](Self::weigh) into reusable buffers (`row.cols`, `row.values`
    /// are replaced): re-weighing every stored row allocated three vectors per
    /// row, most of a live index's per-insert cost.
    ///
    /// # Errors
    /// As [`weigh`](Self::weigh).
    pub fn weigh_into(
        &self,
        counts: &TermCounts,
        params: &TfidfParams,
        row: &mut RowBuffer,
    ) -> Result<()> {
        row.cols.clear();
        row.tallies.clear();
        for (&id, &count) in counts.ids.iter().zip(&counts.counts) {
            if self.is_active(id) {
                row.cols.push(id);
                row.tallies.push(count);
            }
        }
        let weighting = Weighting::<f64> {
            binary: params.binary,
            sublinear_tf: params.sublinear_tf,
            idf: params.use_idf.then_some(self.idf.as_slice()),
            norm: params.norm,
        };
        weighting.weigh_row(&row.cols, &row.tallies, &mut row.values)
    }

    /// [`weigh`](Self::weigh) as a sparse vector of dimension `dim`.
    ///
    /// # Errors
    /// As [`weigh`](Self::weigh).
    pub fn weigh_vec(
        &self,
        counts: &TermCounts,
        params: &TfidfParams,
        dim: usize,
    ) -> Result<CsVec<f64>> {
        let (cols, values) = self.weigh(counts, params)?;
        let cols = cols.into_iter().map(|c| c as usize).collect();
        CsVec::try_new(dim, cols, values)
            .map_err(|(_, _, err)| Error::InvalidInput(format!("internal: bad tf-idf row: {err}")))
    }
}

/// scikit-learn's vocabulary rule on the live statistics: terms present in a
/// live document and within `min_df..=max_df`, then `max_features` (ties in
/// code-point order, as in [`TfidfVectorizer`](crate::tfidf::TfidfVectorizer)).
fn active_terms(stats: &LiveStats, terms: &[String], params: &TfidfParams) -> Result<Vec<bool>> {
    let n_terms = stats.document_frequencies.len();
    let mut present: Vec<u32> = (0..n_terms as u32)
        .filter(|&t| {
            stats
                .document_frequencies
                .get(t as usize)
                .is_some_and(|&df| df > 0)
        })
        .collect();
    if present.is_empty() {
        return Err(Error::EmptyVocabulary);
    }
    if params.max_features.is_some() {
        present.par_sort_unstable_by(|&a, &b| terms.get(a as usize).cmp(&terms.get(b as usize)));
    }
    let pick = |values: &[u64]| -> Vec<u64> {
        present
            .iter()
            .map(|&t| values.get(t as usize).copied().unwrap_or(0))
            .collect()
    };
    let dfs = pick(&stats.document_frequencies);
    let totals = if params.binary {
        dfs.clone()
    } else {
        pick(&stats.total_counts)
    };
    let pruning = Pruning {
        max_df: params.max_df,
        min_df: params.min_df,
        max_features: params.max_features,
    };
    let keep = pruning.keep_mask(
        stats.n_documents,
        &TermStats {
            document_frequencies: &dfs,
            total_counts: &totals,
        },
    )?;
    let mut active = vec![false; n_terms];
    for (&term, &kept) in present.iter().zip(&keep) {
        if let Some(slot) = active.get_mut(term as usize) {
            *slot = kept;
        }
    }
    Ok(active)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::AnalyzerConfig;

    #[test]
    fn query_analysis_counts_as_count_known_and_lists_each_term_once() {
        let analyzer = Analyzer::new(AnalyzerConfig::default()).unwrap();
        let dictionary =
            Dictionary::from_terms(vec!["reset".into(), "password".into(), "my".into()]).unwrap();
        let text = "Reset my password, my PASSWORD, now now";
        let analysis = QueryAnalysis::new(&analyzer, &dictionary, text);
        assert_eq!(analysis.counts, count_known(&analyzer, &dictionary, text));
        assert_eq!(analysis.counts.count_of(1), 2);
        assert_eq!(
            analysis.terms,
            [
                ("reset".to_string(), Some(0)),
                ("my".to_string(), Some(2)),
                ("password".to_string(), Some(1)),
                ("now".to_string(), None),
            ]
        );
    }
}
