//! Golden parity with scikit-learn 1.9.1's `TfidfVectorizer`.
//!
//! Every case in `tests/data/sklearn/cases/*.json` (written by
//! `tests/sklearn/gen_fixtures.py`) is run through twofold's public API:
//! `TfidfParams::from_json` → `TfidfVectorizer::new` → `fit_transform` on the
//! case's corpus → `transform` of the corpus queries. The vocabulary must match
//! exactly, idf and matrix values within 1e-9 relative (1e-6 for
//! `dtype: "float32"`), the sparse structure exactly, and errors by
//! `Error::sklearn_kind()`.
//!
//! All cases run; the test fails at the end with one line per failing case and
//! its first difference. Set `TWOFOLD_PARITY_FILTER=substring` to run a subset.

use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use serde_json::Value;
use sprs::CsMat;
use twofold::tfidf::{TfidfParams, TfidfVectorizer};

const FIXTURE_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/sklearn");
const RTOL_F64: f64 = 1e-9;
const RTOL_F32: f64 = 1e-6;

/// A corpus file: documents to fit and unseen queries to transform.
struct Corpus {
    documents: Vec<String>,
    queries: Vec<String>,
}

/// One fixture case, as written by gen_fixtures.py.
struct Case {
    name: String,
    corpus: String,
    params_json: String,
    rtol: f64,
    expected: Expected,
}

enum Expected {
    /// The whole pipeline must fail with this kind (at from_json, new or fit).
    Error(String),
    /// Fitting succeeds.
    Fitted(Box<FittedExpectation>),
}

struct FittedExpectation {
    vocabulary: Vec<String>,
    idf: Option<Vec<f64>>,
    fit_transform: Csr,
    /// Either the transform of the queries or the error kind it raises.
    transform: Result<Csr, String>,
}

/// A CSR matrix with indices sorted within each row.
#[derive(Debug)]
struct Csr {
    shape: (usize, usize),
    indptr: Vec<usize>,
    indices: Vec<usize>,
    data: Vec<f64>,
}

fn fixture_dir() -> PathBuf {
    PathBuf::from(FIXTURE_DIR)
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read fixture {}: {e}", path.display()));
    serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("fixture {} is not valid JSON: {e}", path.display()))
}

/// A float written by the generator: a JSON number, or "inf"/"-inf"/"nan".
fn float(value: &Value) -> f64 {
    match value {
        Value::Number(n) => n.as_f64().expect("JSON number is representable as f64"),
        Value::String(s) if s == "inf" => f64::INFINITY,
        Value::String(s) if s == "-inf" => f64::NEG_INFINITY,
        Value::String(s) if s == "nan" => f64::NAN,
        other => panic!("not a fixture float: {other}"),
    }
}

fn usizes(value: &Value) -> Vec<usize> {
    value
        .as_array()
        .expect("array of indices")
        .iter()
        .map(|v| v.as_u64().expect("non-negative integer") as usize)
        .collect()
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .expect("array of strings")
        .iter()
        .map(|v| v.as_str().expect("string").to_string())
        .collect()
}

fn parse_csr(value: &Value) -> Csr {
    let shape = usizes(&value["shape"]);
    Csr {
        shape: (shape[0], shape[1]),
        indptr: usizes(&value["indptr"]),
        indices: usizes(&value["indices"]),
        data: value["data"]
            .as_array()
            .expect("data array")
            .iter()
            .map(float)
            .collect(),
    }
}

fn parse_case(path: &Path) -> Case {
    let json = read_json(path);
    let expected = &json["expected"];
    let expected = if let Some(kind) = expected["error_kind"].as_str() {
        Expected::Error(kind.to_string())
    } else {
        let transform = match expected["transform_error_kind"].as_str() {
            Some(kind) => Err(kind.to_string()),
            None => Ok(parse_csr(&expected["transform"])),
        };
        Expected::Fitted(Box::new(FittedExpectation {
            vocabulary: strings(&expected["vocabulary"]),
            idf: expected["idf"]
                .as_array()
                .map(|values| values.iter().map(float).collect()),
            fit_transform: parse_csr(&expected["fit_transform"]),
            transform,
        }))
    };
    let float32 = json["params"]["dtype"].as_str() == Some("float32");
    Case {
        name: json["name"].as_str().expect("case name").to_string(),
        corpus: json["corpus"].as_str().expect("corpus name").to_string(),
        params_json: json["params_json"]
            .as_str()
            .expect("params_json")
            .to_string(),
        rtol: if float32 { RTOL_F32 } else { RTOL_F64 },
        expected,
    }
}

fn load_corpora() -> BTreeMap<String, Corpus> {
    let mut corpora = BTreeMap::new();
    let dir = fixture_dir().join("corpora");
    for entry in std::fs::read_dir(&dir).expect("tests/data/sklearn/corpora exists") {
        let path = entry.expect("directory entry").path();
        let json = read_json(&path);
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("UTF-8 corpus file name")
            .to_string();
        corpora.insert(
            name,
            Corpus {
                documents: strings(&json["documents"]),
                queries: strings(&json["queries"]),
            },
        );
    }
    corpora
}

fn load_cases() -> Vec<Case> {
    let dir = fixture_dir().join("cases");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/data/sklearn/cases exists")
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    paths.sort();
    paths.iter().map(|path| parse_case(path)).collect()
}

// ---------------------------------------------------------------------------
// Comparison

fn close(expected: f64, actual: f64, rtol: f64) -> bool {
    if expected == actual || (expected.is_nan() && actual.is_nan()) {
        return true;
    }
    if !expected.is_finite() || !actual.is_finite() {
        return false;
    }
    (expected - actual).abs() <= rtol * expected.abs().max(actual.abs())
}

fn to_csr(matrix: &CsMat<f64>) -> Csr {
    let matrix = if matrix.is_csr() {
        matrix.clone()
    } else {
        matrix.to_csr()
    };
    Csr {
        shape: (matrix.rows(), matrix.cols()),
        indptr: matrix.indptr().to_proper().to_vec(),
        indices: matrix.indices().to_vec(),
        data: matrix.data().to_vec(),
    }
}

fn first_vocabulary_difference(expected: &[String], actual: &[String]) -> Option<String> {
    if expected == actual {
        return None;
    }
    let position = expected
        .iter()
        .zip(actual)
        .position(|(e, a)| e != a)
        .unwrap_or(expected.len().min(actual.len()));
    let show = |terms: &[String]| {
        terms
            .get(position)
            .map_or("<end>".to_string(), |t| format!("{:?}", abbreviate(t)))
    };
    let missing: Vec<&String> = expected.iter().filter(|t| !actual.contains(t)).collect();
    let extra: Vec<&String> = actual.iter().filter(|t| !expected.contains(t)).collect();
    Some(format!(
        "vocabulary: {} terms expected, {} got; first difference at column {position}: expected {}, got {}; \
         {} missing (e.g. {:?}), {} extra (e.g. {:?})",
        expected.len(),
        actual.len(),
        show(expected),
        show(actual),
        missing.len(),
        missing.iter().take(3).map(|t| abbreviate(t)).collect::<Vec<_>>(),
        extra.len(),
        extra.iter().take(3).map(|t| abbreviate(t)).collect::<Vec<_>>(),
    ))
}

fn abbreviate(term: &str) -> String {
    if term.chars().count() <= 40 {
        term.to_string()
    } else {
        let head: String = term.chars().take(37).collect();
        format!("{head}...")
    }
}

fn compare_idf(
    expected: &Option<Vec<f64>>,
    actual: Option<&[f64]>,
    rtol: f64,
) -> Result<(), String> {
    match (expected, actual) {
        (None, None) => Ok(()),
        (None, Some(_)) => Err("idf: expected none (use_idf=false), got values".into()),
        (Some(_), None) => Err("idf: expected values, got none".into()),
        (Some(expected), Some(actual)) => {
            if expected.len() != actual.len() {
                return Err(format!(
                    "idf: {} values expected, {} got",
                    expected.len(),
                    actual.len()
                ));
            }
            match expected
                .iter()
                .zip(actual)
                .position(|(&e, &a)| !close(e, a, rtol))
            {
                None => Ok(()),
                Some(i) => Err(format!(
                    "idf[{i}]: expected {:?}, got {:?}",
                    expected[i], actual[i]
                )),
            }
        }
    }
}

fn compare_matrix(what: &str, expected: &Csr, actual: &Csr, rtol: f64) -> Result<(), String> {
    if expected.shape != actual.shape {
        return Err(format!(
            "{what}: shape expected {:?}, got {:?}",
            expected.shape, actual.shape
        ));
    }
    for row in 0..expected.shape.0 {
        let (e_start, e_end) = (expected.indptr[row], expected.indptr[row + 1]);
        let (a_start, a_end) = (actual.indptr[row], actual.indptr[row + 1]);
        let e_cols = &expected.indices[e_start..e_end];
        let a_cols = &actual.indices[a_start..a_end];
        if e_cols != a_cols {
            return Err(format!(
                "{what}: row {row} stores columns {:?}, expected {:?}",
                preview(a_cols),
                preview(e_cols)
            ));
        }
        let e_vals = &expected.data[e_start..e_end];
        let a_vals = &actual.data[a_start..a_end];
        if let Some(k) = e_vals
            .iter()
            .zip(a_vals)
            .position(|(&e, &a)| !close(e, a, rtol))
        {
            return Err(format!(
                "{what}: value at ({row}, {}) expected {:?}, got {:?}",
                e_cols[k], e_vals[k], a_vals[k]
            ));
        }
    }
    Ok(())
}

fn preview(columns: &[usize]) -> String {
    if columns.len() <= 12 {
        format!("{columns:?}")
    } else {
        format!("{:?}... ({} entries)", &columns[..12], columns.len())
    }
}

fn kind_of(error: &twofold::Error) -> String {
    match error.sklearn_kind() {
        Some(kind) => kind.to_string(),
        None => format!("<no sklearn kind: {error}>"),
    }
}

// ---------------------------------------------------------------------------
// Running one case

/// `Ok(())` when twofold matches sklearn, else the first difference.
fn run_case(case: &Case, corpus: &Corpus) -> Result<(), String> {
    let documents: Vec<&str> = corpus.documents.iter().map(String::as_str).collect();
    let queries: Vec<&str> = corpus.queries.iter().map(String::as_str).collect();
    let fitted = TfidfParams::from_json(&case.params_json)
        .and_then(TfidfVectorizer::new)
        .and_then(|vectorizer| vectorizer.fit_transform(&documents));
    let (expected, (fitted, matrix)) = match (&case.expected, fitted) {
        (Expected::Error(kind), Err(error)) if *kind == kind_of(&error) => return Ok(()),
        (Expected::Error(kind), Err(error)) => {
            return Err(format!(
                "error kind: expected {kind}, got {} ({error})",
                kind_of(&error)
            ))
        }
        (Expected::Error(kind), Ok(_)) => {
            return Err(format!("expected error {kind}, but fitting succeeded"))
        }
        (Expected::Fitted(_), Err(error)) => {
            return Err(format!(
                "expected success, got error {}: {error}",
                kind_of(&error)
            ))
        }
        (Expected::Fitted(expected), Ok(fitted)) => (expected, fitted),
    };
    if let Some(difference) =
        first_vocabulary_difference(&expected.vocabulary, fitted.feature_names())
    {
        return Err(difference);
    }
    compare_idf(&expected.idf, fitted.idf(), case.rtol)?;
    compare_matrix(
        "fit_transform",
        &expected.fit_transform,
        &to_csr(&matrix),
        case.rtol,
    )?;
    match (&expected.transform, fitted.transform(&queries)) {
        (Ok(want), Ok(got)) => compare_matrix("transform", want, &to_csr(&got), case.rtol),
        (Err(kind), Err(error)) if *kind == kind_of(&error) => Ok(()),
        (Err(kind), Err(error)) => Err(format!(
            "transform error kind: expected {kind}, got {} ({error})",
            kind_of(&error)
        )),
        (Err(kind), Ok(_)) => Err(format!("transform: expected error {kind}, got a matrix")),
        (Ok(_), Err(error)) => Err(format!(
            "transform: expected a matrix, got error {}: {error}",
            kind_of(&error)
        )),
    }
}

#[test]
fn tfidf_matches_sklearn_golden_fixtures() {
    let corpora = load_corpora();
    let filter = std::env::var("TWOFOLD_PARITY_FILTER").unwrap_or_default();
    let cases: Vec<Case> = load_cases()
        .into_iter()
        .filter(|case| case.name.contains(&filter))
        .collect();
    assert!(
        filter.is_empty() && cases.len() >= 30 || !filter.is_empty() && !cases.is_empty(),
        "too few fixture cases found ({}) in {FIXTURE_DIR}",
        cases.len()
    );
    let mut failures = Vec::new();
    for case in &cases {
        let Some(corpus) = corpora.get(&case.corpus) else {
            failures.push(format!("{}: unknown corpus {:?}", case.name, case.corpus));
            continue;
        };
        let outcome = catch_unwind(AssertUnwindSafe(|| run_case(case, corpus)))
            .unwrap_or_else(|_| Err("panicked (see the panic message above)".to_string()));
        if let Err(difference) = outcome {
            failures.push(format!("{}: {difference}", case.name));
        }
    }
    println!(
        "sklearn golden parity: {} of {} cases match",
        cases.len() - failures.len(),
        cases.len()
    );
    if !failures.is_empty() {
        panic!(
            "{} of {} sklearn parity cases differ:\n  {}",
            failures.len(),
            cases.len(),
            failures.join("\n  ")
        );
    }
}
