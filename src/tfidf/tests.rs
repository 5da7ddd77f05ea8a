//! Behaviour of the vectorizer against values produced by scikit-learn 1.9.1
//! (`TfidfVectorizer(**params).fit_transform(DOCS)`, indices sorted).
#![allow(clippy::approx_constant)] // sklearn's printed values, not approximations of constants

use super::*;
use crate::error::Error;

const DOCS: [&str; 4] = [
    "the cat sat on the mat",
    "the dog sat",
    "",
    "a cat and a dog and a bird",
];
const TERMS: [&str; 8] = ["and", "bird", "cat", "dog", "mat", "on", "sat", "the"];
const INDPTR: [usize; 5] = [0, 5, 8, 8, 12];
const INDICES: [usize; 12] = [2, 4, 5, 6, 7, 3, 6, 7, 0, 1, 2, 3];

fn vectorizer(json: &str) -> TfidfVectorizer {
    TfidfVectorizer::new(TfidfParams::from_json(json).unwrap()).unwrap()
}

fn assert_matrix(m: &CsMat<f64>, indptr: &[usize], indices: &[usize], data: &[f64]) {
    assert_eq!(m.indptr().raw_storage(), indptr);
    assert_eq!(m.indices(), indices);
    assert_eq!(m.data(), data, "values differ from sklearn");
}

#[test]
fn default_params_match_sklearn_bitwise() {
    let (fitted, m) = vectorizer("{}").fit_transform(&DOCS).unwrap();
    assert_eq!(fitted.feature_names(), TERMS);
    let (a, b) = (1.916290731874155, 1.5108256237659907);
    assert_eq!(fitted.idf().unwrap(), [a, a, b, b, a, a, b, b]);
    assert_eq!(fitted.document_frequencies(), [1, 1, 2, 2, 1, 1, 2, 2]);
    assert_eq!(fitted.n_documents(), 4);
    assert_eq!(m.shape(), (4, 8));
    assert_matrix(
        &m,
        &INDPTR,
        &INDICES,
        &[
            0.3293763839936038,
            0.4177721783483124,
            0.4177721783483124,
            0.3293763839936038,
            0.6587527679872076,
            0.5773502691896257,
            0.5773502691896257,
            0.5773502691896257,
            0.8004364950338771,
            0.4002182475169386,
            0.3155366632994909,
            0.3155366632994909,
        ],
    );
}

#[test]
fn sublinear_l1_matches_sklearn() {
    let (_, m) = vectorizer(r#"{"sublinear_tf": true, "norm": "l1"}"#)
        .fit_transform(&DOCS)
        .unwrap();
    assert_matrix(
        &m,
        &INDPTR,
        &INDICES,
        &[
            0.16051638553618922,
            0.20359468166167477,
            0.20359468166167477,
            0.16051638553618922,
            0.271777865604272,
            0.3333333333333333,
            0.3333333333333333,
            0.3333333333333333,
            0.39652435964806515,
            0.2341936744783932,
            0.18464098293677075,
            0.18464098293677075,
        ],
    );
}

#[test]
fn unsmoothed_binary_matches_sklearn() {
    let (fitted, m) = vectorizer(r#"{"smooth_idf": false, "binary": true}"#)
        .fit_transform(&DOCS)
        .unwrap();
    assert_eq!(fitted.idf().unwrap()[0], 2.386294361119891);
    assert_eq!(fitted.idf().unwrap()[2], 1.6931471805599454);
    assert_matrix(
        &m,
        &INDPTR,
        &INDICES,
        &[
            0.3787029631368446,
            0.533737855662366,
            0.533737855662366,
            0.3787029631368446,
            0.3787029631368446,
            0.5773502691896257,
            0.5773502691896257,
            0.5773502691896257,
            0.5766907836489544,
            0.5766907836489544,
            0.40917934949647056,
            0.40917934949647056,
        ],
    );
}

#[test]
fn raw_counts_without_idf_or_norm() {
    let (fitted, m) = vectorizer(r#"{"use_idf": false, "norm": null}"#)
        .fit_transform(&DOCS)
        .unwrap();
    assert!(fitted.idf().is_none());
    assert_matrix(
        &m,
        &INDPTR,
        &INDICES,
        &[1.0, 1.0, 1.0, 1.0, 2.0, 1.0, 1.0, 1.0, 2.0, 1.0, 1.0, 1.0],
    );
}

#[test]
fn min_df_count_prunes_and_reports_pruned_terms() {
    let v = vectorizer(r#"{"min_df": 2}"#).keep_pruned_terms(true);
    let (fitted, m) = v.fit_transform(&DOCS).unwrap();
    assert_eq!(fitted.feature_names(), ["cat", "dog", "sat", "the"]);
    let pruned: Vec<_> = fitted.pruned_terms().unwrap().iter().cloned().collect();
    assert_eq!(pruned, ["and", "bird", "mat", "on"]);
    assert_matrix(
        &m,
        &[0, 3, 6, 6, 8],
        &[0, 2, 3, 1, 2, 3, 0, 1],
        &[
            0.408248290463863,
            0.408248290463863,
            0.816496580927726,
            0.5773502691896257,
            0.5773502691896257,
            0.5773502691896257,
            0.7071067811865475,
            0.7071067811865475,
        ],
    );
    assert!(vectorizer(r#"{"min_df": 2}"#)
        .fit(&DOCS)
        .unwrap()
        .pruned_terms()
        .is_none());
}

#[test]
fn max_df_proportion_and_count() {
    // 0.5 * 4 = 2.0: every term has df <= 2.
    assert_eq!(
        vectorizer(r#"{"max_df": 0.5}"#)
            .fit(&DOCS)
            .unwrap()
            .n_features(),
        8
    );
    // max_df=1 (a count) keeps df <= 1 only; max_df=1.0 keeps everything.
    let fitted = vectorizer(r#"{"max_df": 1}"#).fit(&DOCS).unwrap();
    assert_eq!(fitted.feature_names(), ["and", "bird", "mat", "on"]);
    assert_eq!(
        vectorizer(r#"{"max_df": 1.0}"#)
            .fit(&DOCS)
            .unwrap()
            .n_features(),
        8
    );
}

#[test]
fn max_features_matches_sklearn_without_ties() {
    let (fitted, m) = vectorizer(r#"{"max_features": 1}"#)
        .fit_transform(&DOCS)
        .unwrap();
    assert_eq!(fitted.feature_names(), ["the"]);
    assert_matrix(&m, &[0, 1, 2, 2, 2], &[0, 0], &[1.0, 1.0]);
}

#[test]
fn max_features_ties_use_the_stable_rule() {
    // "the" (3) is kept, then and/cat/dog/sat tie at 2: the stable rule keeps the
    // first in code-point order. sklearn 1.9.1 picked "dog" on the fixture machine
    // (numpy's argsort is unstable), a documented deviation.
    let fitted = vectorizer(r#"{"max_features": 3}"#).fit(&DOCS).unwrap();
    assert_eq!(fitted.feature_names(), ["and", "cat", "the"]);
    // Binary counts rank by df: the, cat, dog and sat tie at 2, "and" has 1.
    let fitted = vectorizer(r#"{"max_features": 2, "binary": true}"#)
        .fit(&DOCS)
        .unwrap();
    assert_eq!(fitted.feature_names(), ["cat", "dog"]);
}

#[test]
fn float32_arithmetic_matches_sklearn() {
    let v = vectorizer(r#"{"dtype": "float32"}"#);
    let (fitted, m) = v.fit_transform_f32(&DOCS).unwrap();
    let (a, b) = (1.9162907600402832f64, 1.5108256340026855f64);
    assert_eq!(fitted.idf().unwrap(), [a, a, b, b, a, a, b, b]);
    let expected: Vec<f32> = [
        0.32937636971473694,
        0.41777217388153076,
        0.41777217388153076,
        0.32937636971473694,
        0.6587527394294739,
        0.5773502588272095,
        0.5773502588272095,
        0.5773502588272095,
        0.8004364967346191,
        0.40021824836730957,
        0.3155366778373718,
        0.3155366778373718f64,
    ]
    .iter()
    .map(|&x| x as f32)
    .collect();
    assert_eq!(m.data(), expected.as_slice());
    let (_, wide) = v.fit_transform(&DOCS).unwrap();
    assert_eq!(wide.data()[0], f64::from(expected[0]));
    assert_eq!(
        fitted.transform_f32(&DOCS).unwrap().data(),
        expected.as_slice()
    );
}

#[test]
fn transform_ignores_unknown_terms_and_gives_zero_rows() {
    let fitted = vectorizer("{}").fit(&DOCS).unwrap();
    let m = fitted
        .transform(&["unseen words cat cat", "zzz", ""])
        .unwrap();
    assert_matrix(&m, &[0, 1, 1, 1], &[2], &[1.0]);
    let q = fitted.transform_one("dog bird").unwrap();
    assert_eq!(q.dim(), 8);
    assert_eq!(q.indices(), [1, 3]);
    assert!(matches!(
        fitted.transform(&[] as &[&str]),
        Err(Error::NoDocuments)
    ));
}

#[test]
fn transform_after_fit_agrees_with_fit_transform_closely() {
    let (fitted, m) = vectorizer("{}").fit_transform(&DOCS).unwrap();
    let t = fitted.transform(&DOCS).unwrap();
    assert_eq!(m.indices(), t.indices());
    for (x, y) in m.data().iter().zip(t.data()) {
        assert!((x - y).abs() <= 1e-15, "{x} vs {y}");
    }
}

#[test]
fn fixed_vocabulary_keeps_columns_and_ignores_df_limits() {
    let v = vectorizer(
        r#"{"vocabulary": {"dog": 1, "cat": 0, "zebra": 2}, "smooth_idf": false, "min_df": 3, "max_df": 1}"#,
    );
    let (fitted, m) = v.fit_transform(&DOCS).unwrap();
    assert_eq!(fitted.feature_names(), ["cat", "dog", "zebra"]);
    assert_eq!(fitted.document_frequencies(), [2, 2, 0]);
    let idf = fitted.idf().unwrap();
    assert_eq!(idf[0], 1.6931471805599454);
    assert!(idf[2].is_infinite());
    // Column-order sum gives ...476 here where the learned vocabulary gives ...475.
    assert_matrix(
        &m,
        &[0, 1, 2, 2, 4],
        &[0, 1, 0, 1],
        &[1.0, 1.0, 0.7071067811865476, 0.7071067811865476],
    );
    assert!(matches!(
        fitted.transform(&["zebra"]),
        Err(Error::NonFiniteValue)
    ));
    assert!(fitted.pruned_terms().is_none());

    let raw =
        vectorizer(r#"{"vocabulary": ["cat", "dog", "zebra"], "smooth_idf": false, "norm": null}"#);
    let row = raw.fit(&DOCS).unwrap().transform(&["zebra cat"]).unwrap();
    assert_eq!(row.data()[0], 1.6931471805599454);
    assert!(row.data()[1].is_infinite());
}

#[test]
fn fixed_vocabulary_with_no_documents_is_no_documents() {
    let v = vectorizer(r#"{"vocabulary": ["cat"]}"#);
    assert!(matches!(v.fit(&[] as &[&str]), Err(Error::NoDocuments)));
}

#[test]
fn fit_errors_in_sklearn_order() {
    let none: [&str; 0] = [];
    assert!(matches!(
        vectorizer("{}").fit(&none),
        Err(Error::EmptyVocabulary)
    ));
    assert!(matches!(
        vectorizer("{}").fit(&["", "a b c"]),
        Err(Error::EmptyVocabulary)
    ));
    // min_df=3 on 2 documents: 2.0 < 3.
    assert!(matches!(
        vectorizer(r#"{"min_df": 3}"#).fit(&["aa", "bb"]),
        Err(Error::MaxDfBelowMinDf)
    ));
    assert!(matches!(
        vectorizer(r#"{"max_df": 0.0}"#).fit(&["aa"]),
        Err(Error::MaxDfBelowMinDf)
    ));
    assert!(matches!(
        vectorizer(r#"{"min_df": 2}"#).fit(&["aa", "bb"]),
        Err(Error::NoTermsRemain)
    ));
}

#[test]
fn vectorizer_validation_errors() {
    let new = |json: &str| TfidfVectorizer::new(TfidfParams::from_json(json).unwrap());
    assert!(
        matches!(new(r#"{"vocabulary": ["a", "a"]}"#), Err(Error::DuplicateVocabularyTerm(t)) if t == "a")
    );
    assert!(matches!(
        new(r#"{"vocabulary": {"a": 0, "b": 0}}"#),
        Err(Error::RepeatedVocabularyIndex)
    ));
    assert!(matches!(
        new(r#"{"vocabulary": {"a": 0, "b": 2}}"#),
        Err(Error::VocabularyIndexGap {
            size: 2,
            missing: 1
        })
    ));
    assert!(matches!(
        new(r#"{"vocabulary": []}"#),
        Err(Error::EmptyFixedVocabulary)
    ));
    assert!(matches!(
        new(r#"{"vocabulary": {}}"#),
        Err(Error::EmptyFixedVocabulary)
    ));
    assert!(matches!(
        new(r#"{"token_pattern": null}"#),
        Err(Error::InvalidTokenPattern { .. })
    ));
    assert!(new(r#"{"token_pattern": null, "analyzer": "char"}"#).is_ok());
    let bad = TfidfParams {
        ngram_range: (2, 1),
        ..TfidfParams::default()
    };
    assert!(matches!(
        TfidfVectorizer::new(bad),
        Err(Error::InvalidNgramRange {
            min_n: 2,
            max_n: 1,
            ..
        })
    ));
    let bad = TfidfParams {
        min_df: Df::Proportion(1.5),
        ..TfidfParams::default()
    };
    assert!(
        matches!(TfidfVectorizer::new(bad), Err(Error::InvalidParameter { name, .. }) if name == "min_df")
    );
    let bad = TfidfParams {
        input: "file".into(),
        ..TfidfParams::default()
    };
    assert!(
        matches!(TfidfVectorizer::new(bad), Err(Error::InvalidParameter { name, .. }) if name == "input")
    );
}

#[test]
fn weight_counts_reproduces_transform() {
    let fitted = vectorizer(r#"{"sublinear_tf": true}"#).fit(&DOCS).unwrap();
    let mut counts = fitted.counts(&DOCS).unwrap();
    assert_eq!(
        counts.data(),
        [1.0, 1.0, 1.0, 1.0, 2.0, 1.0, 1.0, 1.0, 2.0, 1.0, 1.0, 1.0]
    );
    fitted.weight_counts(&mut counts).unwrap();
    assert_eq!(counts, fitted.transform(&DOCS).unwrap());
    let mut wrong = CsMat::<f64>::zero((1, 3));
    assert!(matches!(
        fitted.weight_counts(&mut wrong),
        Err(Error::DimensionMismatch {
            expected: 8,
            found: 3
        })
    ));
}

#[test]
fn fitted_model_round_trips_through_json_and_bincode() {
    let (fitted, m) =
        vectorizer(r#"{"min_df": 1.0e-9, "max_df": 2, "stop_words": ["zzz"], "vocabulary": null}"#)
            .keep_pruned_terms(true)
            .fit_transform(&DOCS)
            .unwrap();
    let json = serde_json::to_string(&fitted).unwrap();
    let back: FittedTfidf = serde_json::from_str(&json).unwrap();
    assert_eq!(back.params(), fitted.params());
    assert_eq!(back.feature_names(), fitted.feature_names());
    assert_eq!(
        back.transform(&DOCS).unwrap(),
        fitted.transform(&DOCS).unwrap()
    );
    assert!(back.pruned_terms().is_none());
    assert_eq!(m.rows(), 4);

    let cfg = bincode::config::standard();
    let bytes = bincode::serde::encode_to_vec(&fitted, cfg).unwrap();
    let (back, used): (FittedTfidf, usize) =
        bincode::serde::decode_from_slice(&bytes, cfg).unwrap();
    assert_eq!(used, bytes.len());
    assert_eq!(back.params(), fitted.params());
    assert_eq!(back.term_index("dog"), Some(3));
    assert_eq!(back.idf(), fitted.idf());
}

#[test]
fn deserializing_inconsistent_parts_fails() {
    let fitted = vectorizer("{}").fit(&DOCS).unwrap();
    let mut value = serde_json::to_value(&fitted).unwrap();
    value["document_frequencies"] = serde_json::json!([1, 2]);
    assert!(serde_json::from_value::<FittedTfidf>(value).is_err());
    let mut value = serde_json::to_value(&fitted).unwrap();
    value["terms"] = serde_json::json!(["a", "a", "b", "c", "d", "e", "f", "g"]);
    assert!(serde_json::from_value::<FittedTfidf>(value).is_err());
}

#[test]
fn large_corpus_is_independent_of_chunking() {
    // Enough documents for several parallel chunks; compare with a sequential fit
    // of the same corpus one document at a time through transform.
    let docs: Vec<String> = (0..1000)
        .map(|i| format!("doc{} shared{} common words here word{}", i, i % 7, i % 13))
        .collect();
    let (fitted, m) = vectorizer("{}").fit_transform(&docs).unwrap();
    assert_eq!(fitted.n_features(), 1000 + 7 + 13 + 3);
    let names = fitted.feature_names();
    assert!(names.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(
        fitted.document_frequencies()[fitted.term_index("common").unwrap()],
        1000
    );
    assert_eq!(
        fitted.document_frequencies()[fitted.term_index("shared3").unwrap()],
        143
    );
    let t = fitted.transform(&docs).unwrap();
    assert_eq!(m.indices(), t.indices());
    for (x, y) in m.data().iter().zip(t.data()) {
        assert!((x - y).abs() <= 1e-15);
    }
}

#[test]
fn error_kinds_name_sklearn_errors() {
    assert_eq!(Error::NoDocuments.sklearn_kind(), Some("NoDocuments"));
    assert_eq!(
        Error::UnknownParameter("x".into()).sklearn_kind(),
        Some("UnknownParameter")
    );
    assert_eq!(Error::ZeroVector.sklearn_kind(), None);
}
