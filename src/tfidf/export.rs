//! Writing fitted models and matrices for other tools (scipy, Python json).

use std::fmt::Display;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use sprs::CsMat;

use super::FittedTfidf;
use crate::error::{Error, Result};

/// Writes `m` as Matrix Market text: header
/// `%%MatrixMarket matrix coordinate real general`, then `rows cols nnz`, then one
/// `row col value` line per stored entry (1-based, row-major), values in Rust's
/// shortest round-trip notation (`inf` for infinity). Always `general`, never
/// `symmetric`; readable by `scipy.io.mmread`.
///
/// # Errors
/// [`Error::Io`] if the file cannot be written.
pub fn write_matrix_market(path: &Path, m: &CsMat<f64>) -> Result<()> {
    write_mm(path, m)
}

/// [`write_matrix_market`] for `f32` matrices: values in `f32`'s shortest
/// round-trip notation, so reading them back as float32 is exact.
///
/// # Errors
/// [`Error::Io`] if the file cannot be written.
pub fn write_matrix_market_f32(path: &Path, m: &CsMat<f32>) -> Result<()> {
    write_mm(path, m)
}

fn write_mm<N: Copy + Default + Display>(path: &Path, m: &CsMat<N>) -> Result<()> {
    let io = |source| Error::io(path, source);
    let mut out = BufWriter::new(File::create(path).map_err(io)?);
    write_mm_to(&mut out, m).map_err(io)?;
    out.flush().map_err(io)
}

pub(crate) fn write_mm_to<N: Copy + Default + Display, W: Write>(
    out: &mut W,
    m: &CsMat<N>,
) -> std::io::Result<()> {
    writeln!(out, "%%MatrixMarket matrix coordinate real general")?;
    writeln!(out, "{} {} {}", m.rows(), m.cols(), m.nnz())?;
    if m.is_csr() {
        for (row, vector) in m.outer_iterator().enumerate() {
            for (col, value) in vector.iter() {
                writeln!(out, "{} {} {}", row + 1, col + 1, value)?;
            }
        }
    } else {
        let csr = m.to_csr();
        return write_mm_to(out, &csr);
    }
    Ok(())
}

/// Writes the terms in column order as a JSON array of strings.
///
/// # Errors
/// [`Error::Io`] if the file cannot be written.
pub fn write_vocabulary_json(path: &Path, fitted: &FittedTfidf) -> Result<()> {
    write_json(path, &fitted.feature_names())
}

/// Writes the idf per column as a JSON array, or `null` when `use_idf=false`.
/// Infinite idf values (possible with a fixed vocabulary and `smooth_idf=false`)
/// are written as `null`, since JSON has no infinity.
///
/// # Errors
/// [`Error::Io`] if the file cannot be written.
pub fn write_idf_json(path: &Path, fitted: &FittedTfidf) -> Result<()> {
    let idf: Option<Vec<Option<f64>>> = fitted
        .idf()
        .map(|idf| idf.iter().map(|&x| x.is_finite().then_some(x)).collect());
    write_json(path, &idf)
}

fn write_json<T: serde::Serialize + ?Sized>(path: &Path, value: &T) -> Result<()> {
    let io = |source| Error::io(path, source);
    let mut out = BufWriter::new(File::create(path).map_err(io)?);
    serde_json::to_writer(&mut out, value)?;
    out.flush().map_err(io)
}
