//! Query vectors checked once, before any posting is touched.

use sprs::CsVec;

use crate::error::{Error, Result};

/// The query terms that can contribute to a score, in ascending term order.
///
/// Terms at or beyond the index's vocabulary size are dropped (no document contains them), as
/// are explicit zeros. The ascending order is what makes every score bit-identical to
/// `sprs`'s `&csr * &csvec`, which sums `weight * query` over matching terms in that order.
#[derive(Debug, Default)]
pub(crate) struct QueryTerms {
    pub(crate) terms: Vec<(u32, f64)>,
}

impl QueryTerms {
    /// Checks `query` and keeps the terms below `n_terms`.
    ///
    /// # Errors
    /// [`Error::NonFiniteVector`] when a component is NaN or infinite (whatever its index).
    pub(crate) fn new(query: &CsVec<f64>, n_terms: usize) -> Result<QueryTerms> {
        let mut terms = Vec::with_capacity(query.nnz());
        for (term, &value) in query.iter() {
            if !value.is_finite() {
                return Err(Error::NonFiniteVector { index: term });
            }
            if term < n_terms && value != 0.0 {
                // n_terms ≤ u32::MAX + 1 is checked at build time, so the cast is lossless.
                terms.push((term as u32, value));
            }
        }
        Ok(QueryTerms { terms })
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }
}
