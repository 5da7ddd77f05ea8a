//! The inverted index against the brute-force `CsMat * query` product.

use crate::sparse_util;

use proptest::prelude::*;
use sprs::{CsMat, CsVec, TriMat};
use twofold::sparse::{brute_force_top_k, InvertedIndex, SearchScratch, TopKStrategy};
use twofold::Error;

const STRATEGIES: [TopKStrategy; 3] = [
    TopKStrategy::Exhaustive,
    TopKStrategy::MaxScore,
    TopKStrategy::Auto,
];

fn search(
    index: &InvertedIndex,
    strategy: TopKStrategy,
    query: &CsVec<f64>,
    k: usize,
    filter: Option<&dyn Fn(u32) -> bool>,
) -> Vec<(u32, f64)> {
    index
        .search_with(&mut SearchScratch::new(), strategy, query, k, filter)
        .expect("valid query")
}

/// Asserts identical ids and scores within 1e-12 (they are in fact bit-identical).
fn assert_same(found: &[(u32, f64)], expected: &[(u32, f64)], context: &str) {
    assert_eq!(
        found.iter().map(|h| h.0).collect::<Vec<_>>(),
        expected.iter().map(|h| h.0).collect::<Vec<_>>(),
        "{context}"
    );
    for (f, e) in found.iter().zip(expected) {
        assert!((f.1 - e.1).abs() <= 1e-12, "{context}: {f:?} vs {e:?}");
        assert_eq!(f.1.to_bits(), e.1.to_bits(), "{context}: not bit-identical");
    }
}

fn l2_rows(rows: usize, cols: usize, entries: &[(usize, usize, f64)]) -> CsMat<f64> {
    let mut tri = TriMat::new((rows, cols));
    for &(r, c, v) in entries {
        tri.add_triplet(r, c, v);
    }
    let mut m: CsMat<f64> = tri.to_csr();
    for mut row in m.outer_iterator_mut() {
        let norm = row.data().iter().map(|v| v * v).sum::<f64>().sqrt();
        if norm > 0.0 {
            row.map_inplace(|v| v / norm);
        }
    }
    m
}

fn query(dim: usize, entries: &[(usize, f64)]) -> CsVec<f64> {
    let mut e = entries.to_vec();
    e.sort_by_key(|x| x.0);
    e.dedup_by_key(|x| x.0);
    let (i, d) = e.into_iter().unzip();
    CsVec::new(dim, i, d)
}

prop_compose! {
    /// A random matrix with l2-normalised rows; repeated values make ties likely, and negative
    /// values check that pruning bounds hold for any sign.
    fn matrix_and_query()(rows in 1usize..60, cols in 1usize..25)
        (entries in prop::collection::vec((0..rows, 0..cols, prop_oneof![Just(1.0), Just(2.0), 0.01f64..5.0, -3.0f64..-0.01]), 0..400),
         q in prop::collection::vec((0..cols + 3, prop_oneof![Just(1.0), 0.01f64..3.0, -2.0f64..-0.01]), 0..10),
         k in 1usize..15, rows in Just(rows), cols in Just(cols), modulus in 1u32..5)
        -> (CsMat<f64>, Vec<(usize, f64)>, usize, usize, u32) {
        (l2_rows(rows, cols, &entries), q, cols + 3, k, modulus)
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn every_strategy_equals_brute_force((matrix, q, qdim, k, modulus) in matrix_and_query()) {
        let index = InvertedIndex::from_csr(&matrix).unwrap();
        let q = query(qdim, &q);
        let keep = |d: u32| d.is_multiple_of(modulus);
        for filter in [None, Some(&keep as &dyn Fn(u32) -> bool)] {
            let expected = brute_force_top_k(&matrix, &q, k, filter).unwrap();
            for strategy in STRATEGIES {
                assert_same(&search(&index, strategy, &q, k, filter), &expected, &format!("{strategy:?}"));
            }
        }
    }

    #[test]
    fn built_by_appending_equals_built_at_once((matrix, q, qdim, k, _m) in matrix_and_query()) {
        let mut index = InvertedIndex::new();
        let half = matrix.rows() / 2;
        let head = matrix.slice_outer(0..half).to_owned();
        index.add_rows(0, &head).unwrap();
        for doc in half..matrix.rows() {
            let row = matrix.outer_view(doc).unwrap().to_owned();
            index.add_row(doc as u32, &row).unwrap();
        }
        let q = query(qdim, &q);
        let expected = brute_force_top_k(&matrix, &q, k, None).unwrap();
        for strategy in STRATEGIES {
            assert_same(&search(&index, strategy, &q, k, None), &expected, "appended");
        }
        for doc in 0..matrix.rows() as u32 {
            let exact = brute_force_top_k(&matrix, &q, matrix.rows(), Some(&|d| d == doc)).unwrap();
            let want = exact.first().map_or(0.0, |h| h.1);
            let got = index.score(&q, doc).unwrap();
            prop_assert!(got == want || (got <= 0.0 && want == 0.0), "score {got} vs {want}");
            prop_assert_eq!(index.score_from_postings(&q, doc).unwrap().to_bits(), got.to_bits());
        }
    }
}

/// 30 documents all equal to one vector: every hit ties, so ids must come back ascending.
#[test]
fn ties_are_broken_by_ascending_id() {
    let entries: Vec<_> = (0..30).flat_map(|r| [(r, 0, 1.0), (r, 1, 1.0)]).collect();
    let matrix = l2_rows(30, 2, &entries);
    let index = InvertedIndex::from_csr(&matrix).unwrap();
    let q = query(2, &[(0, 1.0)]);
    for strategy in STRATEGIES {
        let hits = search(&index, strategy, &q, 7, None);
        assert_eq!(
            hits.iter().map(|h| h.0).collect::<Vec<_>>(),
            (0..7).collect::<Vec<_>>()
        );
        assert!(hits.iter().all(|h| h.1 == hits[0].1));
    }
}

fn ladder() -> (CsMat<f64>, InvertedIndex) {
    // Document d holds term 0 with weight d+1 and term 1 with weight 1: scores grow with d.
    let entries: Vec<_> = (0..50)
        .flat_map(|r| [(r, 0, (r + 1) as f64), (r, 1, 1.0)])
        .collect();
    let matrix = l2_rows(50, 3, &entries);
    let index = InvertedIndex::from_csr(&matrix).unwrap();
    (matrix, index)
}

#[test]
fn filter_is_applied_inside_the_search_and_never_leaks() {
    let (matrix, index) = ladder();
    let q = query(3, &[(0, 0.8), (1, 0.6)]);
    let odd = |d: u32| d % 2 == 1;
    for strategy in STRATEGIES {
        let hits = search(&index, strategy, &q, 10, Some(&odd));
        assert_eq!(
            hits.len(),
            10,
            "{strategy:?}: k hits while k kept docs exist"
        );
        assert!(hits.iter().all(|h| h.0 % 2 == 1), "{strategy:?}: {hits:?}");
        assert_same(
            &hits,
            &brute_force_top_k(&matrix, &q, 10, Some(&odd)).unwrap(),
            "odd",
        );
        // Only three documents pass: three hits, not k.
        let few = |d: u32| d < 3;
        assert_eq!(search(&index, strategy, &q, 10, Some(&few)).len(), 3);
    }
}

#[test]
fn deleted_documents_are_never_returned_and_k_still_comes_back() {
    let (matrix, mut index) = ladder();
    let q = query(3, &[(0, 0.8), (1, 0.6)]);
    // The best documents are the highest ids: delete the top 20.
    for doc in 30..50 {
        assert!(index.delete(doc).unwrap());
    }
    assert!(
        !index.delete(49).unwrap(),
        "second delete reports no change"
    );
    assert_eq!(index.live_len(), 30);
    assert!(matches!(index.delete(50), Err(Error::UnknownKey(_))));
    let alive = |d: u32| d < 30;
    let expected = brute_force_top_k(&matrix, &q, 10, Some(&alive)).unwrap();
    for strategy in STRATEGIES {
        let hits = search(&index, strategy, &q, 10, None);
        assert_eq!(hits.len(), 10);
        assert_same(&hits, &expected, "deleted");
        assert!(hits.iter().all(|h| h.0 < 30));
    }
    // Tombstones survive a rebuild.
    index.rebuild(&matrix).unwrap();
    assert!(index.is_deleted(40));
    assert_same(
        &index.search(&q, 10, None).unwrap(),
        &expected,
        "after rebuild",
    );
}

#[test]
fn documents_sharing_no_term_are_not_hits() {
    let (_, index) = ladder();
    let q = query(3, &[(2, 1.0)]);
    for strategy in STRATEGIES {
        assert!(search(&index, strategy, &q, 5, None).is_empty());
    }
}

#[test]
fn empty_query_gives_empty_result() {
    let (_, index) = ladder();
    let q = CsVec::new(3, vec![], vec![]);
    assert!(index.search(&q, 5, None).unwrap().is_empty());
    let zero = query(3, &[(0, 0.0)]);
    assert!(index.search(&zero, 5, None).unwrap().is_empty());
}

#[test]
fn k_zero_is_an_invalid_parameter() {
    let (matrix, index) = ladder();
    let q = query(3, &[(0, 1.0)]);
    assert!(matches!(
        index.search(&q, 0, None),
        Err(Error::InvalidParameter { ref name, .. }) if name == "k"
    ));
    assert!(matches!(
        brute_force_top_k(&matrix, &q, 0, None),
        Err(Error::InvalidParameter { .. })
    ));
}

#[test]
fn query_terms_beyond_the_vocabulary_are_ignored() {
    let (matrix, index) = ladder();
    let wide = query(1000, &[(0, 0.6), (1, 0.6), (999, 0.52)]);
    let narrow = query(3, &[(0, 0.6), (1, 0.6)]);
    let expected = brute_force_top_k(&matrix, &narrow, 5, None).unwrap();
    assert_same(&index.search(&wide, 5, None).unwrap(), &expected, "wide");
    assert_same(
        &brute_force_top_k(&matrix, &wide, 5, None).unwrap(),
        &expected,
        "brute wide",
    );
}

#[test]
fn non_finite_values_are_typed_errors() {
    let (_, mut index) = ladder();
    let q = query(3, &[(1, f64::NAN)]);
    assert!(matches!(
        index.search(&q, 5, None),
        Err(Error::NonFiniteVector { index: 1 })
    ));
    assert!(matches!(
        index.score(&q, 0),
        Err(Error::NonFiniteVector { index: 1 })
    ));
    let row = query(3, &[(2, f64::INFINITY)]);
    assert!(matches!(
        index.add_row(50, &row),
        Err(Error::NonFiniteVector { index: 2 })
    ));
    assert_eq!(index.len(), 50, "failed add leaves the index unchanged");
    let bad = CsMat::new((1, 2), vec![0, 1], vec![1], vec![f64::NAN]);
    assert!(matches!(
        InvertedIndex::from_csr(&bad),
        Err(Error::NonFiniteVector { index: 1 })
    ));
}

#[test]
fn appending_rejects_existing_ids_and_fills_gaps() {
    let (_, mut index) = ladder();
    let row = query(3, &[(2, 1.0)]);
    assert!(matches!(
        index.add_row(10, &row),
        Err(Error::InvalidParameter { .. })
    ));
    index.add_row(55, &row).unwrap();
    assert_eq!(index.len(), 56);
    assert_eq!(
        index.search(&query(3, &[(2, 1.0)]), 3, None).unwrap(),
        vec![(55, 1.0)]
    );
    // Rows wider than the vocabulary grow it.
    index.add_row(56, &query(10, &[(9, 1.0)])).unwrap();
    assert_eq!(index.n_terms(), 10);
    assert_eq!(
        index.search(&query(10, &[(9, 0.5)]), 3, None).unwrap(),
        vec![(56, 0.5)]
    );
    assert!(matches!(index.score(&row, 57), Err(Error::UnknownKey(_))));
    let csr = index.to_csr().unwrap();
    assert_eq!(csr.shape(), (57, 10));
    assert_eq!(csr.nnz(), index.nnz());
}

#[test]
fn csc_input_is_accepted() {
    let (matrix, index) = ladder();
    let from_csc = InvertedIndex::from_csr(&matrix.to_csc()).unwrap();
    let q = query(3, &[(0, 0.8), (1, 0.6)]);
    assert_eq!(
        from_csc.search(&q, 5, None).unwrap(),
        index.search(&q, 5, None).unwrap()
    );
}

/// Real TF-IDF: every SciFact query and title, top 10 and top 100, with and without a
/// filter, for every strategy.
#[test]
fn scifact_tfidf_equals_brute_force() {
    let Some(corpus) = sparse_util::beir("scifact", 150) else {
        return;
    };
    let index = InvertedIndex::from_csr(&corpus.matrix).unwrap();
    assert_eq!(index.len(), 5183);
    let keep = |d: u32| !d.is_multiple_of(3);
    let mut scratch = SearchScratch::new();
    for (i, q) in corpus.queries.iter().enumerate() {
        for (k, filter) in [(10, None), (100, Some(&keep as &dyn Fn(u32) -> bool))] {
            let expected = brute_force_top_k(&corpus.matrix, q, k, filter).unwrap();
            for strategy in STRATEGIES {
                let hits = index
                    .search_with(&mut scratch, strategy, q, k, filter)
                    .unwrap();
                assert_same(&hits, &expected, &format!("query {i} k {k} {strategy:?}"));
            }
        }
    }
}
