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
use crate::error::Result;
use crate::tfidf::weighting::{block_len, join_blocks, Block};
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
/// [`Error::NonFiniteValue`](crate::Error::NonFiniteValue) from the weighting.
pub(crate) fn weigh_all(
    records: &[Option<Record>],
    weights: &Weights,
    params: &TfidfParams,
    n_cols: usize,
) -> Result<CsMat<f64>> {
    // Blocks of rows weighed in parallel into flat buffers, then joined: one
    // allocation per block, not per row (a live index re-weighs every row on
    // each change).
    let blocks: Vec<Block<f64>> = records
        .par_chunks(block_len(records.len(), 256))
        .map(|block| weigh_block(block, weights, params))
        .collect::<Result<_>>()?;
    join_blocks(blocks, n_cols)
}

fn weigh_block(
    records: &[Option<Record>],
    weights: &Weights,
    params: &TfidfParams,
) -> Result<Block<f64>> {
    let mut block = Block::with_rows(records.len());
    let mut row = RowBuffer::default();
    for record in records {
        let Some(record) = record else {
            block.row_nnz.push(0);
            continue;
        };
        weights.weigh_into(&record.counts, params, &mut row)?;
        block.row_nnz.push(row.cols.len());
        block.indices.extend(row.cols.iter().map(|&c| c as usize));
        block.data.extend_from_slice(&row.values);
    }
    Ok(block)
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
