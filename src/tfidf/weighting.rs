//! TfidfTransformer arithmetic: idf, sublinear tf, idf scaling and row norms,
//! generic over `f64` and `f32` so `dtype=float32` follows sklearn §3.5.

use rayon::prelude::*;
use sprs::CsMatI;

use super::counting::CountRows;
use super::params::Norm;
use crate::error::{Error, Result};

/// The two output precisions.
pub(crate) trait Real:
    Copy
    + Send
    + Sync
    + PartialEq
    + std::ops::Mul<Output = Self>
    + std::ops::Add<Output = Self>
    + 'static
{
    const ONE: Self;
    fn from_u64(x: u64) -> Self;
    fn from_f64(x: f64) -> Self;
    fn to_f64(self) -> f64;
    fn ln(self) -> Self;
    fn is_finite(self) -> bool;
}

impl Real for f64 {
    const ONE: Self = 1.0;
    fn from_u64(x: u64) -> Self {
        x as f64
    }
    fn from_f64(x: f64) -> Self {
        x
    }
    fn to_f64(self) -> f64 {
        self
    }
    fn ln(self) -> Self {
        f64::ln(self)
    }
    fn is_finite(self) -> bool {
        f64::is_finite(self)
    }
}

impl Real for f32 {
    const ONE: Self = 1.0;
    fn from_u64(x: u64) -> Self {
        x as f32
    }
    fn from_f64(x: f64) -> Self {
        x as f32
    }
    fn to_f64(self) -> f64 {
        f64::from(self)
    }
    fn ln(self) -> Self {
        f32::ln(self)
    }
    fn is_finite(self) -> bool {
        f32::is_finite(self)
    }
}

/// `idf = ln((n + s) / (df + s)) + 1` with `s = 1` when smoothing, every step in `R`
/// (df is cast to `R`, then `s` added; n + s is cast to `R`). `df = 0` without
/// smoothing gives `+inf`, as in sklearn.
pub(crate) fn idf<R: Real>(document_frequencies: &[u64], n_documents: u64, smooth: bool) -> Vec<R> {
    let s = u64::from(smooth);
    let numerator = R::from_u64(n_documents.saturating_add(s));
    let smoothing = R::from_u64(s);
    document_frequencies
        .iter()
        .map(|&df| {
            let ratio = R::from_f64(numerator.to_f64() / (R::from_u64(df) + smoothing).to_f64());
            ratio.ln() + R::ONE
        })
        .collect()
}

/// Everything the per-row arithmetic needs.
pub(crate) struct Weighting<'a, R> {
    pub binary: bool,
    pub sublinear_tf: bool,
    pub idf: Option<&'a [R]>,
    pub norm: Option<Norm>,
}

impl<R: Real> Weighting<'_, R> {
    /// Weighs one row in place. `cols` give the idf of each value; the norm sums in
    /// the order given, so the caller picks sklearn's storage order.
    ///
    /// # Errors
    /// [`Error::NonFiniteValue`] when a norm is requested and a value is infinite.
    pub fn weigh_row(&self, cols: &[u32], counts: &[u32], out: &mut Vec<R>) -> Result<()> {
        out.clear();
        for (&col, &count) in cols.iter().zip(counts) {
            let mut tf = if self.binary {
                R::ONE
            } else {
                R::from_u64(u64::from(count))
            };
            if self.sublinear_tf {
                tf = tf.ln() + R::ONE;
            }
            if let Some(idf) = self.idf {
                tf = tf * idf.get(col as usize).copied().unwrap_or(R::ONE);
            }
            out.push(tf);
        }
        let Some(norm) = self.norm else {
            return Ok(());
        };
        if !out.iter().all(|x| x.is_finite()) {
            return Err(Error::NonFiniteValue);
        }
        let mut sum = 0.0f64;
        match norm {
            Norm::L2 => out.iter().for_each(|&x| sum += (x * x).to_f64()),
            Norm::L1 => out.iter().for_each(|&x| sum += x.to_f64().abs()),
        }
        if sum == 0.0 {
            return Ok(());
        }
        if norm == Norm::L2 {
            sum = sum.sqrt();
        }
        for x in out.iter_mut() {
            *x = R::from_f64(x.to_f64() / sum);
        }
        Ok(())
    }
}

/// How row entries map to output columns.
pub(crate) enum Columns<'a> {
    /// Ids are the output columns and each row is sorted by them.
    Sorted,
    /// Ids are provisional (first-occurrence) ids: sum in id order, then map via
    /// the table (`u32::MAX` = pruned) and sort by column.
    Provisional(&'a [u32]),
}

/// One chunk of output rows: each row's length, then all their columns and values.
pub(crate) struct Block<R> {
    pub row_nnz: Vec<usize>,
    pub indices: Vec<usize>,
    pub data: Vec<R>,
}

impl<R> Block<R> {
    /// An empty block with room for `rows` row lengths.
    pub(crate) fn with_rows(rows: usize) -> Self {
        Block {
            row_nnz: Vec::with_capacity(rows),
            indices: Vec::new(),
            data: Vec::new(),
        }
    }
}

/// Rows per parallel block for `n_rows` rows: about four blocks per thread,
/// at least `min` rows each.
pub(crate) fn block_len(n_rows: usize, min: usize) -> usize {
    n_rows.div_ceil(rayon::current_num_threads() * 4).max(min)
}

/// Joins consecutive blocks of rows into one CSR matrix with `n_cols` columns.
///
/// # Errors
/// [`Error::InvalidInput`] if the blocks do not form a valid matrix (a bug).
pub(crate) fn join_blocks<R>(blocks: Vec<Block<R>>, n_cols: usize) -> Result<CsMatI<R, usize>> {
    let n_rows = blocks.iter().map(|b| b.row_nnz.len()).sum();
    let nnz = blocks.iter().map(|b| b.data.len()).sum();
    let mut indptr = Vec::with_capacity(n_rows + 1);
    let mut indices = Vec::with_capacity(nnz);
    let mut data = Vec::with_capacity(nnz);
    indptr.push(0);
    for block in blocks {
        for len in block.row_nnz {
            indptr.push(indptr.last().copied().unwrap_or(0) + len);
        }
        indices.extend(block.indices);
        data.extend(block.data);
    }
    CsMatI::try_new((n_rows, n_cols), indptr, indices, data).map_err(|(_, _, _, err)| {
        Error::InvalidInput(format!("internal: invalid tf-idf matrix: {err}"))
    })
}

/// Weighs every row of `rows` into a CSR matrix with `n_cols` columns, in parallel.
///
/// # Errors
/// [`Error::NonFiniteValue`] (see [`Weighting::weigh_row`]).
pub(crate) fn weigh_rows<R: Real>(
    rows: &CountRows,
    columns: &Columns<'_>,
    weighting: &Weighting<'_, R>,
    n_cols: usize,
) -> Result<CsMatI<R, usize>> {
    let n_rows = rows.n_rows();
    let chunk = block_len(n_rows, 256);
    let starts: Vec<usize> = (0..n_rows).step_by(chunk).collect();
    let blocks: Vec<Block<R>> = starts
        .par_iter()
        .map(|&start| weigh_block(rows, start..(start + chunk).min(n_rows), columns, weighting))
        .collect::<Result<_>>()?;
    join_blocks(blocks, n_cols)
}

fn weigh_block<R: Real>(
    rows: &CountRows,
    range: std::ops::Range<usize>,
    columns: &Columns<'_>,
    weighting: &Weighting<'_, R>,
) -> Result<Block<R>> {
    let mut block = Block::with_rows(range.len());
    let mut entries: Vec<(u32, u32)> = Vec::new();
    let mut cols: Vec<u32> = Vec::new();
    let mut counts: Vec<u32> = Vec::new();
    let mut values: Vec<R> = Vec::new();
    let mut sorted: Vec<(u32, R)> = Vec::new();
    for row in range {
        let (ids, tallies) = rows.row(row);
        cols.clear();
        counts.clear();
        match columns {
            Columns::Sorted => {
                cols.extend_from_slice(ids);
                counts.extend_from_slice(tallies);
            }
            Columns::Provisional(to_column) => {
                entries.clear();
                entries.extend(ids.iter().copied().zip(tallies.iter().copied()));
                entries.sort_unstable_by_key(|&(id, _)| id);
                for &(id, count) in &entries {
                    let col = to_column.get(id as usize).copied().unwrap_or(u32::MAX);
                    if col != u32::MAX {
                        cols.push(col);
                        counts.push(count);
                    }
                }
            }
        }
        weighting.weigh_row(&cols, &counts, &mut values)?;
        block.row_nnz.push(values.len());
        if matches!(columns, Columns::Sorted) {
            block.indices.extend(cols.iter().map(|&c| c as usize));
            block.data.extend_from_slice(&values);
        } else {
            sorted.clear();
            sorted.extend(cols.iter().copied().zip(values.iter().copied()));
            sorted.sort_unstable_by_key(|&(col, _)| col);
            block
                .indices
                .extend(sorted.iter().map(|&(c, _)| c as usize));
            block.data.extend(sorted.iter().map(|&(_, v)| v));
        }
    }
    Ok(block)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idf_matches_sklearn_formula() {
        let smooth: Vec<f64> = idf(&[1, 2, 0], 4, true);
        assert_eq!(smooth[0], (5.0f64 / 2.0).ln() + 1.0);
        assert_eq!(smooth[1], (5.0f64 / 3.0).ln() + 1.0);
        assert_eq!(smooth[2], 5.0f64.ln() + 1.0);
        let raw: Vec<f64> = idf(&[1, 0], 4, false);
        assert_eq!(raw[0], 4.0f64.ln() + 1.0);
        assert!(raw[1].is_infinite());
        let single: Vec<f32> = idf(&[3], 7, true);
        assert_eq!(single[0], (8.0f32 / 4.0f32).ln() + 1.0f32);
    }

    #[test]
    fn rows_are_sublinear_then_idf_then_normalised() {
        let idf = [2.0f64, 3.0];
        let w = Weighting {
            binary: false,
            sublinear_tf: true,
            idf: Some(&idf[..]),
            norm: Some(Norm::L2),
        };
        let mut out = Vec::new();
        w.weigh_row(&[0, 1], &[1, 3], &mut out).unwrap();
        let a = 2.0;
        let b = (3.0f64.ln() + 1.0) * 3.0;
        let n = (a * a + b * b).sqrt();
        assert_eq!(out, vec![a / n, b / n]);
        let l1 = Weighting {
            binary: true,
            sublinear_tf: false,
            idf: Some(&idf[..]),
            norm: Some(Norm::L1),
        };
        l1.weigh_row(&[0, 1], &[5, 7], &mut out).unwrap();
        assert_eq!(out, vec![2.0 / 5.0, 3.0 / 5.0]);
    }

    #[test]
    fn infinite_values_fail_only_with_a_norm() {
        let idf = [f64::INFINITY];
        let mut out = Vec::new();
        let normed = Weighting {
            binary: false,
            sublinear_tf: false,
            idf: Some(&idf[..]),
            norm: Some(Norm::L2),
        };
        assert!(matches!(
            normed.weigh_row(&[0], &[1], &mut out),
            Err(Error::NonFiniteValue)
        ));
        let raw = Weighting {
            binary: false,
            sublinear_tf: false,
            idf: Some(&idf[..]),
            norm: None,
        };
        raw.weigh_row(&[0], &[1], &mut out).unwrap();
        assert_eq!(out, vec![f64::INFINITY]);
    }
}
