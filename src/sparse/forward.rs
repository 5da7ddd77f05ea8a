//! A row-major (CSR) copy of the document vectors: exact scoring of one document, re-export
//! to `sprs`, and the source a rebuild or re-weighting starts from.

use sprs::CsMat;

use super::DocIdx;
use crate::error::{Error, Result};

/// Document rows: terms ascending with their weights, `indptr` delimiting each row.
#[derive(Clone, Debug)]
pub(crate) struct ForwardRows {
    indptr: Vec<usize>,
    terms: Vec<u32>,
    weights: Vec<f64>,
}

impl Default for ForwardRows {
    fn default() -> Self {
        ForwardRows {
            indptr: vec![0],
            terms: Vec::new(),
            weights: Vec::new(),
        }
    }
}

impl ForwardRows {
    /// Replaces the rows with those of a CSR matrix whose columns fit in `u32`
    /// (checked by the caller), reusing this copy's memory.
    pub(crate) fn refill(&mut self, matrix: &CsMat<f64>) {
        self.indptr.clear();
        self.indptr.extend(matrix.indptr().to_proper().iter());
        self.terms.clear();
        self.terms
            .extend(matrix.indices().iter().map(|&t| t as u32));
        self.weights.clear();
        self.weights.extend_from_slice(matrix.data());
    }

    /// Number of rows.
    pub(crate) fn len(&self) -> usize {
        self.indptr.len() - 1
    }

    pub(crate) fn nnz(&self) -> usize {
        self.terms.len()
    }

    /// Appends empty rows until there are `len` rows.
    pub(crate) fn pad_to(&mut self, len: usize) {
        let end = self.terms.len();
        while self.len() < len {
            self.indptr.push(end);
        }
    }

    /// Appends one row (terms ascending).
    pub(crate) fn push_row(&mut self, row: impl Iterator<Item = (u32, f64)>) {
        for (term, weight) in row {
            self.terms.push(term);
            self.weights.push(weight);
        }
        self.indptr.push(self.terms.len());
    }

    /// The terms and weights of `doc`; empty if out of range.
    pub(crate) fn row(&self, doc: DocIdx) -> (&[u32], &[f64]) {
        let doc = doc as usize;
        match (self.indptr.get(doc), self.indptr.get(doc + 1)) {
            (Some(&start), Some(&end)) => (&self.terms[start..end], &self.weights[start..end]),
            _ => (&[], &[]),
        }
    }

    /// `Σ weight · query` over the terms `doc` shares with the sorted `query`, summed in
    /// ascending term order (bit-identical to `sprs`'s sparse dot product).
    pub(crate) fn dot(&self, doc: DocIdx, query: &[(u32, f64)]) -> f64 {
        let (terms, weights) = self.row(doc);
        let mut sum = 0.0;
        let (mut i, mut j) = (0, 0);
        while let (Some(&term), Some(&(q_term, q))) = (terms.get(i), query.get(j)) {
            if term == q_term {
                sum += weights[i] * q;
            }
            if term <= q_term {
                i += 1;
            }
            if term >= q_term {
                j += 1;
            }
        }
        sum
    }

    /// The rows as a `sprs` CSR matrix with `n_terms` columns.
    pub(crate) fn to_csr(&self, n_terms: usize) -> Result<CsMat<f64>> {
        let indices = self.terms.iter().map(|&t| t as usize).collect();
        CsMat::try_new(
            (self.len(), n_terms),
            self.indptr.clone(),
            indices,
            self.weights.clone(),
        )
        .map_err(|(_, _, _, e)| Error::InvalidInput(format!("internal CSR export failed: {e}")))
    }
}
