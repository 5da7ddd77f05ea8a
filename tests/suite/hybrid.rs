//! Hybrid search: exact both-side scores for every candidate, filters that never
//! leak, missing vectors ranked last, embedders, explanations.

use std::sync::Arc;

use proptest::prelude::*;
use twofold::embed::Embedder;
use twofold::index::{Document, Filter, Index, IndexConfig};
use twofold::query::{Fusion, Mode, ScoreKind, SearchRequest};
use twofold::tfidf::TfidfVectorizer;

const WORDS: [&str; 16] = [
    "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet",
    "kilo", "lima", "mike", "november", "oscar", "papa",
];

/// A deterministic toy corpus: text from a word mix, vectors from a seed, metadata tags.
fn corpus(n: usize) -> Vec<Document> {
    (0..n)
        .map(|i| {
            let words: Vec<&str> = (0..6)
                .map(|j| WORDS[(i * 7 + j * j * 3 + j) % WORDS.len()])
                .collect();
            let vector: Vec<f32> = (0..4)
                .map(|d| (((i * 31 + d * 17) % 11) as f32) - 5.0 + 0.5)
                .collect();
            Document::new(i as u64)
                .title(words[..2].join(" "))
                .body(words.join(" "))
                .vector(vector)
                .meta("colour", ["red", "green", "blue"][i % 3])
                .meta("n", i as f64)
        })
        .collect()
}

fn cosine(a: &[f32], b: &[f32]) -> f64 {
    let dot: f64 = a
        .iter()
        .zip(b)
        .map(|(x, y)| f64::from(*x) * f64::from(*y))
        .sum();
    let na: f64 = a.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>().sqrt();
    let nb: f64 = b.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>().sqrt();
    dot / (na * nb)
}

#[test]
fn every_hybrid_candidate_has_its_exact_score_on_both_sides() {
    let docs = corpus(60);
    let index = Index::builder().build(docs.clone()).unwrap();
    let texts: Vec<String> = docs
        .iter()
        .map(|d| format!("{}\n{}", d.title, d.body))
        .collect();
    let (fitted, matrix) = TfidfVectorizer::new(IndexConfig::default_tfidf())
        .unwrap()
        .fit_transform(&texts)
        .unwrap();
    let query_text = "alpha bravo";
    let query_vec = vec![0.3f32, -1.0, 2.0, 0.1];
    let q = fitted.transform_one(query_text).unwrap();
    let results = index
        .search(
            &SearchRequest::text(query_text)
                .with_vector(query_vec.clone())
                .k(60)
                .candidates(10),
        )
        .unwrap();
    assert_eq!(results.mode_used, Mode::Hybrid);
    let mut dense_only_checked = 0;
    for hit in &results.hits {
        let row = docs.iter().position(|d| d.key == hit.key).unwrap();
        let expected_sparse = matrix.outer_view(row).unwrap().dot(&q);
        let expected_dense = cosine(docs[row].vector.as_ref().unwrap(), &query_vec);
        assert!((hit.sparse_score.unwrap() - expected_sparse).abs() < 1e-12);
        assert!((hit.dense_score.unwrap() - expected_dense).abs() < 1e-5);
        if expected_sparse == 0.0 {
            dense_only_checked += 1;
        }
    }
    // Candidates are max(candidates, k) = 60 per side here: every document; the
    // sparse side alone finds only those sharing a term.
    assert_eq!(results.hits.len(), 60);
    let sparse_top = index
        .search(&SearchRequest::text(query_text).mode(Mode::Sparse).k(60))
        .unwrap();
    let found_by_sparse: Vec<_> = sparse_top.hits.iter().map(|h| h.key.clone()).collect();
    let dense_found_elsewhere = results
        .hits
        .iter()
        .filter(|h| !found_by_sparse.contains(&h.key));
    for hit in dense_found_elsewhere {
        let row = docs.iter().position(|d| d.key == hit.key).unwrap();
        let exact = matrix.outer_view(row).unwrap().dot(&q);
        assert!(
            (hit.sparse_score.unwrap() - exact).abs() < 1e-12,
            "dense-found candidate keeps its true TF-IDF cosine"
        );
        dense_only_checked += 1;
    }
    assert!(
        dense_only_checked > 0,
        "the test must exercise a dense-only candidate"
    );
}

/// A document that only the dense side retrieves, yet shares a term with the
/// query: its sparse score must be its true, positive TF-IDF cosine (computed
/// for it, not defaulted to 0), equal to a brute-force score.
#[test]
fn a_dense_only_candidate_gets_its_positive_tfidf_cosine() {
    let rows: [(&str, [f32; 4]); 7] = [
        ("zebra zebra zebra", [-1.0, 0.0, 0.0, 0.0]),
        ("zebra zebra lion", [0.0, -1.0, 0.0, 0.0]),
        (
            "zebra giraffe hippo rhino otter badger ferret",
            [1.0, 0.0, 0.0, 0.0],
        ),
        ("giraffe hippo", [0.9, 0.1, 0.0, 0.0]),
        ("lion tiger", [0.0, 0.0, 1.0, 0.0]),
        ("bear wolf", [0.0, 0.0, 0.0, 1.0]),
        ("tiger bear", [0.0, 0.0, -1.0, 0.0]),
    ];
    let docs: Vec<Document> = rows
        .iter()
        .enumerate()
        .map(|(i, (text, v))| Document::new(i as u64).body(*text).vector(v.to_vec()))
        .collect();
    let target = docs[2].key.clone();
    let index = Index::builder().build(docs.clone()).unwrap();
    let texts: Vec<String> = docs
        .iter()
        .map(|d| format!("{}\n{}", d.title, d.body))
        .collect();
    let (fitted, matrix) = TfidfVectorizer::new(IndexConfig::default_tfidf())
        .unwrap()
        .fit_transform(&texts)
        .unwrap();
    let (text, vector) = ("zebra", vec![1.0f32, 0.0, 0.0, 0.0]);
    let sparse_top = index
        .search(&SearchRequest::text(text).mode(Mode::Sparse).k(2))
        .unwrap();
    assert!(
        sparse_top.hits.iter().all(|h| h.key != target),
        "the sparse side's top 2 must not contain the target"
    );
    let results = index
        .search(
            &SearchRequest::text(text)
                .with_vector(vector.clone())
                .k(2)
                .candidates(2)
                .fusion(Fusion::linear(0.9)),
        )
        .unwrap();
    assert_eq!(results.mode_used, Mode::Hybrid);
    let hit = results
        .hits
        .iter()
        .find(|h| h.key == target)
        .expect("the dense side's best document is fused into the top 2");
    let q = fitted.transform_one(text).unwrap();
    let expected = matrix.outer_view(2).unwrap().dot(&q);
    assert!(expected > 0.05, "the target shares a term with the query");
    let sparse = hit.sparse_score.unwrap();
    assert!(
        (sparse - expected).abs() < 1e-12,
        "{sparse} vs brute force {expected}"
    );
    let dense = hit.dense_score.unwrap();
    assert!((dense - cosine(&rows[2].1, &vector)).abs() < 1e-6);
}

#[test]
fn documents_without_vectors_rank_last_on_the_dense_side_and_say_so() {
    let mut docs = corpus(20);
    docs[0].vector = None;
    docs[0].title = "alpha alpha alpha".into();
    let index = Index::builder().build(docs).unwrap();
    let results = index
        .search(
            &SearchRequest::text("alpha")
                .with_vector(vec![1.0, 1.0, 1.0, 1.0])
                .k(20)
                .fusion(Fusion::rrf())
                .explain(true),
        )
        .unwrap();
    assert_eq!(results.score_kind, ScoreKind::Rrf);
    let hit = results.hits.iter().find(|h| h.key == 0u64.into()).unwrap();
    assert_eq!(hit.dense_score, None);
    let explanation = hit.explanation.as_ref().unwrap();
    let dense = explanation.dense.as_ref().unwrap();
    assert_eq!(dense.raw, None);
    let max_rank = results
        .hits
        .iter()
        .filter_map(|h| h.explanation.as_ref()?.dense.as_ref().map(|d| d.rank))
        .max()
        .unwrap();
    assert_eq!(dense.rank, max_rank);
    assert!(explanation.notes.iter().any(|n| n.contains("no vector")));
    assert!(explanation.matched_terms.iter().any(|t| t.term == "alpha"));
    let sum: f64 = explanation
        .matched_terms
        .iter()
        .map(|t| t.contribution)
        .sum();
    assert!((sum - hit.sparse_score.unwrap()).abs() < 1e-12);
}

#[test]
fn rrf_scores_are_normalised_and_the_best_possible_is_one() {
    let index = Index::builder().build(corpus(30)).unwrap();
    for fusion in [
        Fusion::rrf(),
        Fusion::linear(0.7),
        Fusion::dbsf(0.5),
        Fusion::default(),
    ] {
        let results = index
            .search(
                &SearchRequest::text("alpha delta")
                    .with_vector(vec![1.0, 0.0, 0.0, 0.0])
                    .fusion(fusion),
            )
            .unwrap();
        for hit in &results.hits {
            assert!(
                (0.0..=1.0).contains(&hit.score),
                "{fusion:?}: {}",
                hit.score
            );
        }
        let scores: Vec<f64> = results.hits.iter().map(|h| h.score).collect();
        assert!(scores.windows(2).all(|w| w[0] >= w[1]));
    }
}

/// A toy embedder: hashed bag of words.
struct HashEmbedder;

impl Embedder for HashEmbedder {
    fn dim(&self) -> usize {
        8
    }
    fn fingerprint(&self) -> String {
        "hash-8".into()
    }
    fn embed_batch(&self, texts: &[&str]) -> twofold::Result<Vec<Vec<f32>>> {
        Ok(texts
            .iter()
            .map(|t| {
                let mut v = vec![0.01f32; 8];
                for w in t.split_whitespace() {
                    let h = w
                        .bytes()
                        .fold(7usize, |h, b| h.wrapping_mul(31).wrapping_add(b as usize));
                    v[h % 8] += 1.0;
                }
                v
            })
            .collect())
    }
}

#[test]
fn an_embedder_makes_text_queries_hybrid_and_fills_missing_vectors() {
    let docs: Vec<Document> = corpus(10)
        .into_iter()
        .map(|mut d| {
            d.vector = None;
            d
        })
        .collect();
    let index = Index::builder()
        .embedder(Arc::new(HashEmbedder))
        .build(docs)
        .unwrap();
    assert_eq!(index.n_vectors(), 10);
    assert_eq!(index.dense_dim(), Some(8));
    let results = index.search(&SearchRequest::text("alpha bravo")).unwrap();
    assert_eq!(results.mode_used, Mode::Hybrid);
    assert!(results.hits.iter().all(|h| h.dense_score.is_some()));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Filters never leak, in any mode, and are applied before truncation: the
    /// sparse side returns exactly the brute-force filtered top k.
    #[test]
    fn filters_never_leak(colours in proptest::collection::vec(0usize..3, 40), min in 0.0f64..40.0, span in 0.0f64..20.0, k in 1usize..12) {
        let docs: Vec<Document> = corpus(40)
            .into_iter()
            .zip(&colours)
            .map(|(d, &c)| d.meta("colour", ["red", "green", "blue"][c]))
            .collect();
        let index = Index::builder().build(docs.clone()).unwrap();
        let filter = Filter::eq("colour", "red").or(Filter::range("n", Some(min), Some(min + span)));
        let passes = |key: &twofold::ids::DocKey| {
            let doc = docs.iter().find(|d| &d.key == key).unwrap();
            filter.matches(&doc.metadata)
        };
        let n_pass = docs.iter().filter(|d| filter.matches(&d.metadata)).count();
        for mode in [Mode::Sparse, Mode::Dense, Mode::Hybrid] {
            let request = SearchRequest::text("alpha charlie echo")
                .with_vector(vec![1.0, -0.5, 0.25, 2.0])
                .mode(mode)
                .k(k)
                .filter(filter.clone());
            let results = index.search(&request).unwrap();
            for hit in &results.hits {
                prop_assert!(passes(&hit.key), "{mode:?} leaked {}", hit.key);
            }
            if mode == Mode::Dense {
                prop_assert_eq!(results.hits.len(), k.min(n_pass));
            }
        }
        let unfiltered = index
            .search(&SearchRequest::text("alpha charlie echo").mode(Mode::Sparse).k(40))
            .unwrap();
        let expected: Vec<_> = unfiltered.hits.iter().filter(|h| passes(&h.key)).take(k).map(|h| h.score).collect();
        let got: Vec<_> = index
            .search(&SearchRequest::text("alpha charlie echo").mode(Mode::Sparse).k(k).filter(filter.clone()))
            .unwrap()
            .hits
            .iter()
            .map(|h| h.score)
            .collect();
        prop_assert_eq!(got, expected);
    }
}

#[test]
fn exclusions_and_min_score_apply() {
    let index = Index::builder().build(corpus(20)).unwrap();
    let all = index
        .search(&SearchRequest::text("alpha").mode(Mode::Sparse).k(20))
        .unwrap();
    let top = all.hits[0].key.clone();
    let without = index
        .search(
            &SearchRequest::text("alpha")
                .mode(Mode::Sparse)
                .k(20)
                .exclude([top.clone()]),
        )
        .unwrap();
    assert!(without.hits.iter().all(|h| h.key != top));
    let threshold = all.hits[2].score;
    let high = index
        .search(
            &SearchRequest::text("alpha")
                .mode(Mode::Sparse)
                .k(20)
                .min_score(threshold),
        )
        .unwrap();
    assert!(high.hits.iter().all(|h| h.score >= threshold));
    assert!(high.hits.len() >= 3);
}

/// `k` and the candidate count are the caller's: values up to `usize::MAX`
/// mean "all" and return what 40 (the corpus size) returns, in every mode
/// (the dense side reserved `k + 1` slots: capacity overflow at
/// `usize::MAX - 1`, an aborted process at 2^40).
#[test]
fn any_k_and_candidate_count_up_to_usize_max_mean_all() {
    let docs = corpus(40);
    let index = Index::builder().build(docs).unwrap();
    let v = vec![0.3f32, -1.0, 2.0, 0.1];
    let requests: [&dyn Fn(usize) -> SearchRequest; 4] = [
        &|k| SearchRequest::vector(v.clone()).k(k),
        &|k| SearchRequest::text("alpha bravo").k(k),
        &|k| {
            SearchRequest::text("alpha bravo")
                .with_vector(v.clone())
                .k(k)
                .candidates(k)
        },
        &|k| {
            SearchRequest::text("alpha bravo")
                .with_vector(v.clone())
                .k(5)
                .candidates(k)
        },
    ];
    let keys = |request: &SearchRequest| -> Vec<_> {
        let results = index.search(request).unwrap();
        results.hits.into_iter().map(|h| h.key).collect()
    };
    for (i, request) in requests.iter().enumerate() {
        let all = keys(&request(40));
        assert!(!all.is_empty());
        for k in [usize::MAX, usize::MAX - 1, 1 << 40] {
            assert_eq!(keys(&request(k)), all, "request {i}, k {k}");
        }
    }
}
