//! The slow, obviously-correct reference: `sprs`'s `&csr * &csvec` over every row, then a sort.
//!
//! The inverted index must return exactly what this returns (tests and benches check it).

use sprs::{CsMat, CsVec};

use super::query::QueryTerms;
use super::top_k::TopK;
use super::DocIdx;
use crate::error::{Error, Result};

/// Exact top-`k` rows of `matrix` by dot product with `query`, computed by brute force.
///
/// Same contract as [`InvertedIndex::search`](super::InvertedIndex::search): scores descending
/// then ids ascending, only scores `> 0`, `filter` (when given) must return `true` for a row to
/// be returned, query terms at or beyond `matrix.cols()` are ignored.
///
/// # Errors
/// [`Error::InvalidParameter`] when `k == 0` or `matrix` has more rows than `u32` ids can
/// number; [`Error::NonFiniteVector`] when the query holds NaN or infinity.
pub fn brute_force_top_k(
    matrix: &CsMat<f64>,
    query: &CsVec<f64>,
    k: usize,
    filter: Option<&dyn Fn(DocIdx) -> bool>,
) -> Result<Vec<(DocIdx, f64)>> {
    if k == 0 {
        return Err(Error::invalid_parameter("k", "must be at least 1"));
    }
    if matrix.rows() > DocIdx::MAX as usize {
        return Err(Error::invalid_parameter(
            "matrix",
            "more rows than u32 document ids can number",
        ));
    }
    let terms = QueryTerms::new(query, matrix.cols())?;
    let (indices, data) = terms
        .terms
        .iter()
        .map(|&(term, value)| (term as usize, value))
        .unzip();
    let query = CsVec::new(matrix.cols(), indices, data);
    let csr = if matrix.is_csr() {
        std::borrow::Cow::Borrowed(matrix)
    } else {
        std::borrow::Cow::Owned(matrix.to_csr())
    };
    let scores = &*csr * &query;
    let mut top = TopK::new(k);
    for (row, &score) in scores.iter() {
        let doc = row as DocIdx;
        if score > 0.0 && filter.is_none_or(|keep| keep(doc)) {
            top.push(score, doc);
        }
    }
    Ok(top.into_sorted())
}
