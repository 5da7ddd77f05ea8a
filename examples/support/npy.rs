//! Reads a `[rows, dim]` `.npy` matrix of float32 or float64 (e.g.
//! precomputed embeddings) as float32 rows, in C or Fortran order.
//!
//! The one `.npy` reader of the examples: each includes this file on its own
//! (`#[path = "support/npy.rs"] mod npy;`) or through `support`, hence the
//! `dead_code` allowance.
#![allow(dead_code)]

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use twofold::{Error, Result};

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
    /// Row `i` (panics past the last row, like slice indexing).
    pub fn row(&self, i: usize) -> &[f32] {
        &self.data[i * self.dim..(i + 1) * self.dim]
    }

    /// The rows as owned vectors.
    pub fn into_rows(self) -> Vec<Vec<f32>> {
        self.data
            .chunks(self.dim.max(1))
            .map(<[f32]>::to_vec)
            .collect()
    }
}

/// Reads `path`. float64 values are rounded to float32 (numpy's default
/// dtype is float64: `np.save` of a computed matrix often writes it); a
/// Fortran-order array (`np.asfortranarray`, a transposed view) is read as
/// the same matrix.
///
/// # Errors
/// [`Error::Io`]; [`Error::InvalidInput`] naming the file for a shape that is
/// not 2-d and non-empty, a dtype other than float32 or float64, or truncated
/// data.
pub fn read_matrix(path: &Path) -> Result<Matrix> {
    let io = |e: std::io::Error| Error::io(path, e);
    let npy = npyz::NpyFile::new(BufReader::new(File::open(path).map_err(io)?)).map_err(io)?;
    let bad = |what: String| Error::InvalidInput(format!("{}: {what}", path.display()));
    let shape = npy.shape().to_vec();
    let [rows, dim] = shape[..] else {
        return Err(bad(format!("expected a 2-d array, found shape {shape:?}")));
    };
    if rows == 0 || dim == 0 {
        return Err(bad(format!(
            "expected a non-empty array, found shape {shape:?}"
        )));
    }
    let (rows, dim) = (
        usize::try_from(rows).map_err(|_| bad(format!("shape {shape:?} is too large")))?,
        usize::try_from(dim).map_err(|_| bad(format!("shape {shape:?} is too large")))?,
    );
    let fortran = npy.order() == npyz::Order::Fortran;
    let descr = npy.dtype().descr();
    let data: Vec<f32> = match descr
        .trim_matches('\'')
        .trim_start_matches(['<', '>', '=', '|'])
    {
        "f4" => npy
            .try_data::<f32>()
            .map_err(|_| bad(format!("cannot read dtype {descr} as float32")))?
            .collect::<std::io::Result<_>>()
            .map_err(io)?,
        // `as` rounds to nearest; beyond f32's range a value becomes
        // infinite and the index refuses it (a typed vector error).
        "f8" => npy
            .try_data::<f64>()
            .map_err(|_| bad(format!("cannot read dtype {descr} as float64")))?
            .map(|x| x.map(|x| x as f32))
            .collect::<std::io::Result<_>>()
            .map_err(io)?,
        _ => {
            return Err(bad(format!(
                "expected float32 or float64, found dtype {descr}"
            )))
        }
    };
    if data.len() != rows.saturating_mul(dim) {
        return Err(bad("data shorter than its shape".into()));
    }
    let data = if fortran {
        // Column after column: element (r, c) is at c * rows + r.
        (0..rows)
            .flat_map(|r| (0..dim).map(move |c| (r, c)))
            .map(|(r, c)| data[c * rows + r])
            .collect()
    } else {
        data
    };
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
        return Err(Error::InvalidInput(format!(
            "{}: {} vector rows for {documents} documents",
            path.display(),
            matrix.rows
        )));
    }
    Ok(matrix.into_rows())
}
