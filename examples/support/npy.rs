//! Reads a float32 `[rows, dim]` `.npy` matrix (C order), e.g. precomputed embeddings.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use twofold::{Error, Result};

use super::bad_input;

/// A row-major float32 matrix.
pub struct Matrix {
    /// Number of rows.
    pub rows: usize,
    /// Number of columns.
    pub dim: usize,
    /// `rows * dim` values, row after row.
    pub data: Vec<f32>,
}

impl Matrix {
    /// The rows as owned vectors.
    pub fn into_rows(self) -> Vec<Vec<f32>> {
        self.data
            .chunks(self.dim.max(1))
            .map(<[f32]>::to_vec)
            .collect()
    }
}

/// Reads `path`.
///
/// # Errors
/// [`Error::Io`]; [`Error::InvalidInput`] naming the file for a shape that is
/// not 2-d and non-empty, Fortran order, a dtype other than float32, or
/// truncated data.
pub fn read_matrix(path: &Path) -> Result<Matrix> {
    let io = |e: std::io::Error| Error::io(path, e);
    let npy = npyz::NpyFile::new(BufReader::new(File::open(path).map_err(io)?)).map_err(io)?;
    let bad = |what: String| bad_input(format!("{}: {what}", path.display()));
    let shape = npy.shape().to_vec();
    let [rows, dim] = shape[..] else {
        return Err(bad(format!("expected a 2-d array, found shape {shape:?}")));
    };
    if rows == 0 || dim == 0 {
        return Err(bad(format!(
            "expected a non-empty array, found shape {shape:?}"
        )));
    }
    if npy.order() != npyz::Order::C {
        return Err(bad("Fortran-order arrays are not supported".into()));
    }
    let descr = npy.dtype().descr();
    let data = npy
        .try_data::<f32>()
        .map_err(|_| bad(format!("expected float32, found dtype {descr}")))?
        .collect::<std::io::Result<Vec<f32>>>()
        .map_err(io)?;
    let (rows, dim) = (rows as usize, dim as usize);
    if data.len() != rows.saturating_mul(dim) {
        return Err(bad("data shorter than its shape".into()));
    }
    Ok(Matrix { rows, dim, data })
}

/// Reads `path` and checks it has one row per document.
///
/// # Errors
/// As [`read_matrix`]; [`Error::InvalidInput`] naming both counts when the
/// row count differs from `documents`.
pub fn read_rows_for(path: &Path, documents: usize) -> Result<Vec<Vec<f32>>> {
    let matrix = read_matrix(path)?;
    if matrix.rows != documents {
        return Err(bad_input(format!(
            "{}: {} vector rows for {documents} documents",
            path.display(),
            matrix.rows
        )));
    }
    Ok(matrix.into_rows())
}
