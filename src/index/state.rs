//! Stored documents and the derived sparse structures rebuilt from them.
//!
//! The persisted state of an index is plain data: the id map, one [`Record`]
//! per stored document (text, metadata, term counts), the term dictionary, the
//! live statistics, the weighting snapshot and the dense index. The inverted
//! index is derived (rebuilt from counts × weights), never persisted.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sprs::CsMat;

use super::terms::{Field, RowBuffer, TermCounts, Weights};
use super::{FieldWeights, Index, Metadata};
use crate::error::{Error, Result};
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
    // Blocks of rows weighed in parallel into flat buffers, then joined: one
    // allocation per block, not per row (a live index re-weighs every row on
    // each change).
    let chunk = records
        .len()
        .div_ceil(rayon::current_num_threads() * 4)
        .max(256);
    let blocks: Vec<WeighedBlock> = records
        .par_chunks(chunk)
        .map(|block| weigh_block(block, weights, params))
        .collect::<Result<_>>()?;
    let nnz = blocks.iter().map(|b| b.data.len()).sum();
    let mut indptr = Vec::with_capacity(records.len() + 1);
    let mut indices = Vec::with_capacity(nnz);
    let mut data = Vec::with_capacity(nnz);
    indptr.push(0);
    let mut end = 0;
    for block in blocks {
        for len in block.row_lens {
            end += len;
            indptr.push(end);
        }
        indices.extend(block.indices);
        data.extend(block.data);
    }
    CsMat::try_new((records.len(), n_cols), indptr, indices, data).map_err(|(_, _, _, err)| {
        Error::InvalidInput(format!("internal: bad tf-idf matrix: {err}"))
    })
}

/// Consecutive weighed rows: each row's length, then all their columns and weights.
struct WeighedBlock {
    row_lens: Vec<usize>,
    indices: Vec<usize>,
    data: Vec<f64>,
}

fn weigh_block(
    block: &[Option<Record>],
    weights: &Weights,
    params: &TfidfParams,
) -> Result<WeighedBlock> {
    let mut out = WeighedBlock {
        row_lens: Vec::with_capacity(block.len()),
        indices: Vec::new(),
        data: Vec::new(),
    };
    let mut row = RowBuffer::default();
    for record in block {
        let Some(record) = record else {
            out.row_lens.push(0);
            continue;
        };
        weights.weigh_into(&record.counts, params, &mut row)?;
        out.row_lens.push(row.cols.len());
        out.indices.extend(row.cols.iter().map(|&c| c as usize));
        out.data.extend_from_slice(&row.values);
    }
    Ok(out)
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
        // In place (the inverted index keeps its memory; `rebuild` changes
        // nothing on error), with a tombstone exactly where a record is gone.
        self.inverted.rebuild(&matrix)?;
        let records = &self.records;
        self.inverted
            .set_deleted(|doc| records.get(doc).is_none_or(Option::is_none));
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
