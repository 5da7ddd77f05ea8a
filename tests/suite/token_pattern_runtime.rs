//! A custom token pattern that exceeds fancy-regex's backtracking limit on a
//! document is a typed error on every vectorizer and index path, never a
//! document silently counted up to the failure.
//!
//! Each failure runs the regex engine to its backtracking limit (200M steps),
//! so every path is hit once: fit, transform, counts, index build and add.

use twofold::index::{Document, Index, IndexConfig};
use twofold::tfidf::{TfidfParams, TfidfVectorizer};
use twofold::Error;

/// Exponential backtracking: `(?:a|a)*` has 2^n ways to match n `a`s, and the
/// lookahead for a `b` that never comes makes the engine try them all.
const CATASTROPHIC: &str = r"(?:a|a)*(?=b)\w";

fn params() -> TfidfParams {
    TfidfParams {
        token_pattern: Some(CATASTROPHIC.into()),
        ..TfidfParams::default()
    }
}

/// Fits on these: the pattern matches "ab" normally (one term), and the long
/// run of `a`s hits the limit.
fn good_docs() -> Vec<String> {
    vec!["ab xab".into(), "ab".into()]
}

fn bad_doc() -> String {
    format!("ab {}", "a".repeat(64))
}

fn assert_runtime_error<T: std::fmt::Debug>(result: twofold::Result<T>, what: &str) {
    match result {
        Err(Error::TokenPatternRuntime { pattern, reason }) => {
            assert_eq!(pattern, CATASTROPHIC, "{what}");
            assert!(!reason.is_empty(), "{what}");
        }
        other => panic!("{what}: expected TokenPatternRuntime, got {other:?}"),
    }
}

#[test]
fn the_pattern_works_on_ordinary_text() {
    let fitted = TfidfVectorizer::new(params())
        .unwrap()
        .fit(&good_docs())
        .unwrap();
    assert!(fitted.n_features() >= 1);
    assert!(fitted.term_index("ab").is_some());
}

#[test]
fn fit_reports_the_failure() {
    let mut docs = good_docs();
    docs.push(bad_doc());
    let vectorizer = TfidfVectorizer::new(params()).unwrap();
    assert_runtime_error(vectorizer.fit(&docs), "fit");
}

#[test]
fn transform_and_counts_report_the_failure() {
    let fitted = TfidfVectorizer::new(params())
        .unwrap()
        .fit(&good_docs())
        .unwrap();
    assert!(fitted.transform(&["ab"]).is_ok());
    assert_runtime_error(fitted.transform(&[bad_doc()]), "transform");
    assert_runtime_error(fitted.counts(&[bad_doc()]), "counts");
}

#[test]
fn index_build_and_add_report_the_failure() {
    let config = IndexConfig {
        tfidf: params(),
        ..IndexConfig::default()
    };
    let docs = |texts: Vec<String>| {
        texts
            .into_iter()
            .enumerate()
            .map(|(i, t)| Document::new(format!("d{i}")).title(t))
            .collect::<Vec<_>>()
    };
    let mut with_bad = good_docs();
    with_bad.push(bad_doc());
    assert_runtime_error(
        Index::builder()
            .config(config.clone())
            .build(docs(with_bad)),
        "build",
    );
    let mut index = Index::builder()
        .config(config)
        .build(docs(good_docs()))
        .unwrap();
    assert_runtime_error(index.add(Document::new("bad").title(bad_doc())), "add");
    assert_eq!(index.len(), 2, "the failed document is not added");
    assert!(!index.contains(&"bad".into()));
}
