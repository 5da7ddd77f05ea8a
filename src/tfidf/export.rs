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
    if !m.is_csr() {
        return write_mm_to(out, &m.to_csr());
    }
    writeln!(out, "%%MatrixMarket matrix coordinate real general")?;
    writeln!(out, "{} {} {}", m.rows(), m.cols(), m.nnz())?;
    for (row, vector) in m.outer_iterator().enumerate() {
        for (col, value) in vector.iter() {
            writeln!(out, "{} {} {}", row + 1, col + 1, value)?;
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tfidf::{TfidfParams, TfidfVectorizer};

    #[test]
    fn matrix_market_text_is_exact() {
        let m = CsMat::new(
            (3, 4),
            vec![0, 2, 2, 3],
            vec![0, 3, 1],
            vec![0.5, 1.0 / 3.0, f64::INFINITY],
        );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.mtx");
        write_matrix_market(&path, &m).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            text,
            "%%MatrixMarket matrix coordinate real general\n3 4 3\n1 1 0.5\n1 4 0.3333333333333333\n3 2 inf\n"
        );
        let m32 = CsMat::new((1, 2), vec![0, 1], vec![1], vec![1.0f32 / 3.0]);
        write_matrix_market_f32(&path, &m32).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            text,
            "%%MatrixMarket matrix coordinate real general\n1 2 1\n1 2 0.33333334\n"
        );
    }

    #[test]
    fn empty_matrix_and_csc_input() {
        let mut out = Vec::new();
        write_mm_to(&mut out, &CsMat::<f64>::zero((2, 2))).unwrap();
        assert_eq!(
            out,
            b"%%MatrixMarket matrix coordinate real general\n2 2 0\n"
        );
        let csc = CsMat::new_csc((2, 2), vec![0, 1, 2], vec![1, 0], vec![2.0, 3.0]);
        let mut out = Vec::new();
        write_mm_to(&mut out, &csc).unwrap();
        assert_eq!(
            out,
            b"%%MatrixMarket matrix coordinate real general\n2 2 2\n1 2 3\n2 1 2\n"
        );
    }

    #[test]
    fn vocabulary_and_idf_json() {
        let dir = tempfile::tempdir().unwrap();
        let fitted = TfidfVectorizer::new(
            TfidfParams::from_json(r#"{"smooth_idf": false, "vocabulary": ["b", "zz", "aa"]}"#)
                .unwrap(),
        )
        .unwrap()
        .fit(&["aa bb", "aa"])
        .unwrap();
        let vocab = dir.path().join("v.json");
        write_vocabulary_json(&vocab, &fitted).unwrap();
        assert_eq!(
            std::fs::read_to_string(&vocab).unwrap(),
            r#"["b","zz","aa"]"#
        );
        let idf = dir.path().join("idf.json");
        write_idf_json(&idf, &fitted).unwrap();
        assert_eq!(std::fs::read_to_string(&idf).unwrap(), "[null,null,1.0]");
        let no_idf = TfidfVectorizer::new(TfidfParams::from_json(r#"{"use_idf": false}"#).unwrap())
            .unwrap()
            .fit(&["aa bb"])
            .unwrap();
        write_idf_json(&idf, &no_idf).unwrap();
        assert_eq!(std::fs::read_to_string(&idf).unwrap(), "null");
        let missing = dir.path().join("no/such/dir/v.json");
        assert!(matches!(
            write_vocabulary_json(&missing, &no_idf),
            Err(Error::Io { .. })
        ));
    }
}
