//! Stored documents and the derived sparse structures rebuilt from them.
//!
//! The persisted state of an index is plain data: the id map, one [`Record`]
//! per stored document (text, metadata, term counts), the term dictionary, the
//! live statistics, the weighting snapshot and the dense index. The inverted
//! index is derived (rebuilt from counts × weights), never persisted.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sprs::CsMat;

use super::terms::{Field, TermCounts, Weights};
use super::{FieldWeights, Index, Metadata};
use crate::error::{Error, Result};
use crate::sparse::InvertedIndex;
use crate::tfidf::TfidfParams;

/// One stored document, without its vector (that lives in the dense index).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct Record {
    pub title: String,
    pub body: String,
    pub metadata: Metadata,
    /// Term counts of the weighted fields.
    pub counts: TermCounts,
}

impl Record {
    /// The text fields with their weights, for counting.
    pub fn fields<'a>(title: &'a str, body: &'a str, weights: FieldWeights) -> Vec<Field<'a>> {
        vec![(title, weights.title), (body, weights.body)]
    }
}

/// The text an embedder sees for a document: title and body on separate lines.
pub(crate) fn embedding_text(title: &str, body: &str) -> String {
    match (title.trim().is_empty(), body.trim().is_empty()) {
        (true, _) => body.to_string(),
        (false, true) => title.to_string(),
        (false, false) => format!("{title}\n{body}"),
    }
}

/// Weighs every stored row (deleted ids give empty rows) into a CSR matrix.
///
/// # Errors
/// [`Error::NonFiniteValue`] from the weighting.
pub(crate) fn weigh_all(
    records: &[Option<Record>],
    weights: &Weights,
    params: &TfidfParams,
    n_cols: usize,
) -> Result<CsMat<f64>> {
    let rows: Vec<(Vec<u32>, Vec<f64>)> = records
        .par_iter()
        .map(|r| match r {
            Some(r) => weights.weigh(&r.counts, params),
            None => Ok((Vec::new(), Vec::new())),
        })
        .collect::<Result<_>>()?;
    let nnz = rows.iter().map(|(c, _)| c.len()).sum();
    let mut indptr = Vec::with_capacity(rows.len() + 1);
    let mut indices = Vec::with_capacity(nnz);
    let mut data = Vec::with_capacity(nnz);
    indptr.push(0);
    for (cols, values) in rows {
        indices.extend(cols.into_iter().map(|c| c as usize));
        data.extend(values);
        indptr.push(indices.len());
    }
    CsMat::try_new((records.len(), n_cols), indptr, indices, data).map_err(|(_, _, _, err)| {
        Error::InvalidInput(format!("internal: bad tf-idf matrix: {err}"))
    })
}

impl Index {
    /// Re-weighs every row with the current snapshot and rebuilds the inverted
    /// index (one parallel O(nnz) pass), keeping tombstones.
    pub(crate) fn rebuild_sparse(&mut self) -> Result<()> {
        let matrix = weigh_all(
            &self.records,
            &self.weights,
            &self.config.tfidf,
            self.dictionary.len(),
        )?;
        let mut inverted = InvertedIndex::from_csr(&matrix)?;
        for (i, record) in self.records.iter().enumerate() {
            if record.is_none() {
                inverted.delete(i as u32)?;
            }
        }
        self.inverted = inverted;
        Ok(())
    }

    /// Refits the weighting snapshot on the live statistics (not strict: an
    /// emptied index has an empty vocabulary) and rebuilds the sparse side.
    pub(crate) fn refresh_live(&mut self) -> Result<()> {
        self.weights = Weights::fit(
            &self.stats,
            self.dictionary.terms(),
            &self.config.tfidf,
            false,
        )?;
        self.rebuild_sparse()
    }
}
