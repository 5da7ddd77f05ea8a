//! Index-level tests: sparse search equals the brute-force CsMat product, changes
//! are visible at once on both sides, live statistics equal a fresh fit, typed errors.

use std::path::PathBuf;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Deserialize;
use sprs::CsMat;
use twofold::eval::BeirDataset;
use twofold::ids::DocKey;
use twofold::index::{Document, Index, IndexConfig, StatsMode};
use twofold::query::{Mode, SearchRequest};
use twofold::sparse::brute_force_top_k;
use twofold::tfidf::{FittedTfidf, TfidfVectorizer};
use twofold::Error;

#[derive(Deserialize)]
struct FaqEntry {
    id: String,
    question: String,
    answer: String,
    category: String,
}

#[derive(Deserialize)]
struct FaqQuery {
    text: String,
}

fn read_jsonl<T: for<'de> Deserialize<'de>>(path: &str) -> Vec<T> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn faq_documents() -> Vec<Document> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/data/faq.jsonl");
    read_jsonl::<FaqEntry>(path)
        .into_iter()
        .map(|e| {
            Document::new(e.id)
                .title(e.question)
                .body(e.answer)
                .meta("category", e.category)
        })
        .collect()
}

fn faq_queries() -> Vec<String> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/data/faq_queries.jsonl"
    );
    read_jsonl::<FaqQuery>(path)
        .into_iter()
        .map(|q| q.text)
        .collect()
}

fn shared_data() -> PathBuf {
    std::env::var_os("TWOFOLD_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data")))
}

/// The text a fresh scikit-learn fit sees for a document (unigrams: the same counts
/// as the index's separately analysed fields).
fn full_text(doc: &Document) -> String {
    format!("{}\n{}", doc.title, doc.body)
}

fn fresh_fit(docs: &[Document], config: &IndexConfig) -> (FittedTfidf, CsMat<f64>) {
    let texts: Vec<String> = docs.iter().map(full_text).collect();
    TfidfVectorizer::new(config.tfidf.clone())
        .unwrap()
        .fit_transform(&texts)
        .unwrap()
}

/// Checks an index's sparse top-k against the brute-force product over a fresh
/// fit: equal scores rank by rank (1e-12), equal ids except inside score ties.
fn assert_sparse_equals_brute_force(
    index: &Index,
    docs: &[Document],
    queries: &[String],
    k: usize,
) {
    let (fitted, matrix) = fresh_fit(docs, index.config());
    for query in queries {
        let q = fitted.transform_one(query).unwrap();
        let expected = brute_force_top_k(&matrix, &q, k, None).unwrap();
        let got = index
            .search(&SearchRequest::text(query.as_str()).k(k).mode(Mode::Sparse))
            .unwrap();
        assert_eq!(got.hits.len(), expected.len(), "query {query:?}");
        for (rank, (hit, &(row, score))) in got.hits.iter().zip(&expected).enumerate() {
            let tied = |s: f64| expected.iter().filter(|e| (e.1 - s).abs() < 1e-12).count() > 1;
            assert!(
                (hit.score - score).abs() < 1e-12,
                "query {query:?} rank {rank}: {} vs {score}",
                hit.score
            );
            if !tied(score) {
                assert_eq!(
                    hit.key, docs[row as usize].key,
                    "query {query:?} rank {rank}"
                );
            }
        }
    }
}

#[test]
fn sparse_top_k_equals_brute_force_on_the_sample_faq() {
    let docs = faq_documents();
    let index = Index::builder().build(docs.clone()).unwrap();
    assert_sparse_equals_brute_force(&index, &docs, &faq_queries(), 10);
}

#[test]
fn sparse_top_k_equals_brute_force_on_the_shared_corpora() {
    let root = shared_data();
    if !root.exists() {
        println!("skipping: no shared data at {}", root.display());
        return;
    }
    for set in [
        "scifact",
        "cisi",
        "cranfield",
        "medline",
        "medquad-liveqa",
        "stackfaq",
    ] {
        let Ok(data) = BeirDataset::load(&root.join(set)) else {
            println!("skipping {set}: not found");
            continue;
        };
        let docs: Vec<Document> = data
            .corpus
            .iter()
            .map(|d| Document::new(d.id.as_str()).title(&d.title).body(&d.text))
            .collect();
        let index = Index::builder().build(docs.clone()).unwrap();
        let queries: Vec<String> = data
            .queries
            .iter()
            .take(40)
            .map(|q| q.text.clone())
            .collect();
        assert_sparse_equals_brute_force(&index, &docs, &queries, 10);
    }
}

fn tiny_docs() -> Vec<Document> {
    vec![
        Document::new("a")
            .title("red apple")
            .body("a red apple a day")
            .vector(vec![1.0, 0.0, 0.0]),
        Document::new("b")
            .title("green apple")
            .body("green apples are sour")
            .vector(vec![0.0, 1.0, 0.0]),
        Document::new("c")
            .title("banana")
            .body("yellow banana bread")
            .vector(vec![0.0, 0.0, 1.0]),
        Document::new("d")
            .title("cherry")
            .body("red cherry pie")
            .vector(vec![0.7, 0.0, 0.7]),
    ]
}

fn keys(index: &Index, request: &SearchRequest) -> Vec<DocKey> {
    index
        .search(request)
        .unwrap()
        .hits
        .into_iter()
        .map(|h| h.key)
        .collect()
}

#[test]
fn deletes_and_updates_are_visible_at_once_on_both_sides() {
    for mode in [StatsMode::Frozen, StatsMode::Live] {
        let config = IndexConfig {
            stats: mode,
            ..IndexConfig::default()
        };
        let mut index = Index::builder().config(config).build(tiny_docs()).unwrap();
        let sparse = SearchRequest::text("red apple").mode(Mode::Sparse);
        let dense = SearchRequest::vector(vec![1.0, 0.0, 0.0]).mode(Mode::Dense);
        assert_eq!(keys(&index, &sparse)[0], "a".into());
        assert_eq!(keys(&index, &dense)[0], "a".into());

        index.delete(&"a".into()).unwrap();
        assert!(!keys(&index, &sparse).contains(&"a".into()));
        assert!(!keys(&index, &dense).contains(&"a".into()));
        assert_eq!(index.len(), 3);

        let moved = Document::new("c")
            .title("red apple pie")
            .body("apple")
            .vector(vec![1.0, 0.0, 0.0]);
        index.update(moved).unwrap();
        assert_eq!(keys(&index, &dense)[0], "c".into());
        assert_eq!(keys(&index, &sparse)[0], "c".into());
        assert!(
            !keys(&index, &SearchRequest::text("banana").mode(Mode::Sparse)).contains(&"c".into())
        );

        index
            .add(Document::new("a").title("kiwi").vector(vec![0.0, 1.0, 0.1]))
            .unwrap();
        assert!(index.contains(&"a".into()));
        assert!(!keys(&index, &sparse).contains(&"a".into()));
    }
}

#[test]
fn typed_errors_for_bad_input() {
    let mut index = Index::builder().build(tiny_docs()).unwrap();
    let k0 = index.search(&SearchRequest::text("apple").k(0));
    assert!(matches!(k0, Err(Error::InvalidParameter { ref name, .. }) if name == "k"));
    let dim = index.search(&SearchRequest::vector(vec![1.0, 0.0]));
    assert!(matches!(
        dim,
        Err(Error::DimensionMismatch {
            expected: 3,
            found: 2
        })
    ));
    let nan = index.search(&SearchRequest::vector(vec![1.0, f32::NAN, 0.0]));
    assert!(matches!(nan, Err(Error::NonFiniteVector { index: 1 })));
    assert!(matches!(
        index.add(Document::new("a")),
        Err(Error::DuplicateKey(_))
    ));
    let twice = vec![Document::new("x"), Document::new("x")];
    assert!(matches!(
        index.add_batch(twice),
        Err(Error::DuplicateKey(_))
    ));
    assert!(matches!(
        index.delete(&"zz".into()),
        Err(Error::UnknownKey(_))
    ));
    assert!(matches!(
        index.update(Document::new("zz")),
        Err(Error::UnknownKey(_))
    ));
    let bad = Document::new("e").title("x").vector(vec![1.0; 4]);
    assert!(matches!(
        index.add(bad),
        Err(Error::DimensionMismatch {
            expected: 3,
            found: 4
        })
    ));
    // In a batch of several, the refused document is named by position and key.
    let batch = vec![
        Document::new("f").title("fig").vector(vec![1.0, 0.0, 0.0]),
        Document::new("g")
            .title("grape")
            .vector(vec![0.0, 0.0, 0.0]),
        Document::new("h").title("kiwi").vector(vec![1.0; 2]),
    ];
    match index.add_batch(batch) {
        Err(err @ Error::BatchItem { .. }) => {
            assert!(
                matches!(
                    err,
                    Error::BatchItem { position: 1, len: 3, key: Some(ref k), .. } if k == "\"g\""
                ),
                "{err:?}"
            );
            assert!(matches!(err.root(), Error::ZeroVector));
            assert!(err
                .to_string()
                .starts_with("batch item 1 of 3 (document \"g\"): zero vector"));
        }
        other => panic!("expected BatchItem, got {other:?}"),
    }
    let update = vec![
        Document::new("a").title("apple"),
        Document::new("b")
            .title("banana")
            .vector(vec![f32::NAN, 0.0, 0.0]),
    ];
    let refused = index.update_batch(update).unwrap_err();
    assert!(matches!(
        refused,
        Error::BatchItem { position: 1, len: 2, key: Some(ref k), .. } if k == "\"b\""
    ));
    assert!(matches!(
        refused.root(),
        Error::NonFiniteVector { index: 0 }
    ));
    let built = Index::builder().build(vec![
        Document::new("p").title("pear").vector(vec![1.0, 0.0]),
        Document::new("q").title("plum").vector(vec![1.0, 0.0, 0.0]),
    ]);
    assert!(matches!(
        built,
        Err(Error::BatchItem { position: 1, len: 2, key: Some(ref k), ref error })
            if k == "\"q\"" && matches!(**error, Error::DimensionMismatch { expected: 2, found: 3 })
    ));
    assert_eq!(index.len(), 4, "failed calls change nothing");
    assert!(!index.contains(&"x".into()));
    assert!(!index.contains(&"f".into()));
    let none = index.search(&SearchRequest::default());
    assert!(matches!(none, Err(Error::InvalidParameter { .. })));
    let dense_without_vector = index.search(&SearchRequest::text("apple").mode(Mode::Dense));
    assert!(matches!(
        dense_without_vector,
        Err(Error::InvalidParameter { .. })
    ));
}

#[test]
fn text_only_query_without_embedder_says_it_ran_sparse_only() {
    let index = Index::builder().build(tiny_docs()).unwrap();
    let results = index.search(&SearchRequest::text("red apple")).unwrap();
    assert_eq!(results.mode_used, Mode::Sparse);
    assert!(
        results.notes.iter().any(|n| n.contains("sparse only")),
        "{:?}",
        results.notes
    );
    let both = index
        .search(&SearchRequest::text("red apple").with_vector(vec![1.0, 0.0, 0.0]))
        .unwrap();
    assert_eq!(both.mode_used, Mode::Hybrid);
    assert!(both.notes.is_empty());
}

const WORDS: [&str; 24] = [
    "apple", "banana", "cherry", "delta", "echo", "fox", "golf", "hotel", "india", "juliet",
    "kilo", "lima", "mike", "november", "oscar", "papa", "quebec", "romeo", "sierra", "tango",
    "uniform", "victor", "whiskey", "xray",
];

fn random_doc(rng: &mut StdRng, key: u64) -> Document {
    let mut sentence = |n: usize| -> String {
        (0..n)
            .map(|_| {
                // Zipf-like: low indexes are common.
                let i = (rng.random::<f64>().powi(3) * WORDS.len() as f64) as usize;
                WORDS[i.min(WORDS.len() - 1)]
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    let title = sentence(3);
    let body = sentence(12);
    Document::new(key).title(title).body(body)
}

/// Every (query, live document) score equals the fresh fit's within 1e-12.
fn assert_scores_equal_fresh_fit(index: &Index, live: &[Document], seed: u64) {
    let (fitted, matrix) = fresh_fit(live, index.config());
    for query in [
        "apple banana",
        "cherry delta echo",
        "xray whiskey apple apple",
        "tango",
    ] {
        let q = fitted.transform_one(query).unwrap();
        let expected = brute_force_top_k(&matrix, &q, live.len(), None).unwrap();
        let got = index
            .search(&SearchRequest::text(query).k(live.len()).mode(Mode::Sparse))
            .unwrap();
        assert_eq!(
            got.hits.len(),
            expected.len(),
            "seed {seed} query {query:?}"
        );
        for &(row, score) in &expected {
            let key = &live[row as usize].key;
            let hit = got.hits.iter().find(|h| &h.key == key).unwrap();
            assert!(
                (hit.score - score).abs() < 1e-12,
                "seed {seed} {key}: {} vs {score}",
                hit.score
            );
        }
    }
}

#[test]
fn live_mode_equals_a_fresh_fit_after_random_adds_and_deletes() {
    for seed in 0..8u64 {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut live: Vec<Document> = (0..20).map(|k| random_doc(&mut rng, k)).collect();
        let config = IndexConfig {
            stats: StatsMode::Live,
            ..IndexConfig::default()
        };
        let mut index = Index::builder().config(config).build(live.clone()).unwrap();
        let mut next_key = 20;
        for _ in 0..12 {
            match rng.random_range(0..3) {
                0 => {
                    let batch: Vec<Document> = (0..rng.random_range(1..4))
                        .map(|_| {
                            next_key += 1;
                            random_doc(&mut rng, next_key)
                        })
                        .collect();
                    index.add_batch(batch.clone()).unwrap();
                    live.extend(batch);
                }
                1 if live.len() > 3 => {
                    let victim = live.remove(rng.random_range(0..live.len()));
                    index.delete(&victim.key).unwrap();
                }
                _ => {
                    let i = rng.random_range(0..live.len());
                    let replacement = random_doc(&mut rng, 0);
                    let replacement = Document {
                        key: live[i].key.clone(),
                        ..replacement
                    };
                    index.update(replacement.clone()).unwrap();
                    live[i] = replacement;
                }
            }
            assert_scores_equal_fresh_fit(&index, &live, seed);
        }
    }
}

#[test]
fn frozen_mode_ignores_new_terms_until_refit_and_reports_drift() {
    let mut index = Index::builder().build(tiny_docs()).unwrap();
    index
        .add(
            Document::new("e")
                .title("durian")
                .body("durian durian")
                .vector(vec![0.0, 1.0, 1.0]),
        )
        .unwrap();
    let before = index
        .search(&SearchRequest::text("durian").mode(Mode::Sparse))
        .unwrap();
    assert!(
        before.hits.is_empty(),
        "a term unseen at fit time is not a column"
    );
    let report = index.refit().unwrap();
    assert_eq!(report.terms_added, 1);
    assert_eq!(report.terms_removed, 0);
    assert_eq!((report.previous_n_documents, report.n_documents), (4, 5));
    assert!(report.max_abs_idf_change > 0.0);
    assert!(report.mean_abs_idf_change <= report.max_abs_idf_change);
    let after = index
        .search(&SearchRequest::text("durian").mode(Mode::Sparse))
        .unwrap();
    assert_eq!(after.hits[0].key, "e".into());
}

#[test]
fn a_refused_first_vector_leaves_a_text_only_index_without_a_dense_side() {
    // A text-only index takes its dimension from the first vector it is
    // given; a batch refused for a bad vector must not have fixed it.
    let text_only: Vec<Document> = tiny_docs()
        .into_iter()
        .map(|d| Document::new(d.key.clone()).title(d.title.clone()))
        .collect();
    let mut index = Index::builder().build(text_only).unwrap();
    let mixed = vec![
        Document::new("x").title("kiwi").vector(vec![1.0, 0.0]),
        Document::new("y").title("plum").vector(vec![0.0, 1.0, 0.0]),
    ];
    let refused = index.add_batch(mixed).unwrap_err();
    assert!(matches!(refused, Error::BatchItem { position: 1, .. }));
    assert!(matches!(
        refused.root(),
        Error::DimensionMismatch {
            expected: 2,
            found: 3
        }
    ));
    let zero = Document::new("z").title("fig").vector(vec![0.0; 5]);
    assert!(matches!(index.add(zero), Err(Error::ZeroVector)));
    assert_eq!(index.dense_dim(), None, "failed calls change nothing");
    index
        .add(Document::new("y").title("plum").vector(vec![0.0, 1.0, 0.0]))
        .unwrap();
    assert_eq!(index.dense_dim(), Some(3));
    let dense = SearchRequest::vector(vec![0.0, 1.0, 0.0]).mode(Mode::Dense);
    assert_eq!(keys(&index, &dense), vec![DocKey::from("y")]);
}

#[test]
fn a_first_add_that_cannot_be_fitted_leaves_an_empty_index_empty() {
    // An index built empty fits its vocabulary on its first documents; when
    // that fit fails (only stop words), the add is refused and nothing stays.
    let mut config = IndexConfig::default();
    config.tfidf.stop_words = Some(twofold::tfidf::StopWordsParam::English);
    let mut index = Index::builder().config(config).build(Vec::new()).unwrap();
    let stop_words_only = Document::new("s").title("the and of").body("which is it");
    assert!(matches!(
        index.add(stop_words_only),
        Err(Error::EmptyVocabulary)
    ));
    assert_eq!(index.len(), 0, "failed calls change nothing");
    assert!(!index.contains(&"s".into()));
    index
        .add(Document::new("s").title("red apple pie"))
        .unwrap();
    let hits = keys(&index, &SearchRequest::text("apple").mode(Mode::Sparse));
    assert_eq!(hits, vec![DocKey::from("s")]);
}
