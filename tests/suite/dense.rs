//! One test battery over both dense backends (exact and HNSW), run by a macro.

use crate::dense_common;

use std::collections::{BTreeMap, HashSet};

use dense_common::{clustered, gaussian};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use twofold::dense::{
    Backend, DenseConfig, DenseIndex, Hit, Metric, PersistedDense, SearchParams, VectorCollection,
};
use twofold::ids::{DocId, IdMap};
use twofold::Error;

/// `n` consecutive DocIds 0..n, minted the only public way: through an IdMap.
fn doc_ids(n: usize) -> Vec<DocId> {
    let mut map = IdMap::new();
    (0..n as u64)
        .map(|i| map.insert(i.into()).unwrap())
        .collect()
}

/// Small graph parameters so debug builds stay quick; tiny fresh buffer and
/// tombstone fraction so merges and compactions happen often.
fn config(backend: Backend, metric: Metric) -> DenseConfig {
    DenseConfig {
        backend,
        metric,
        max_connections: 8,
        ef_construction: 64,
        ef_search: 32,
        fresh_capacity: 16,
        max_deleted_fraction: 0.2,
        parallel_build: false,
        ..DenseConfig::default()
    }
}

/// Exact top-k over a model map, with the index's score conventions.
fn model_top_k(
    model: &BTreeMap<DocId, Vec<f32>>,
    metric: Metric,
    q: &[f32],
    k: usize,
    keep: impl Fn(DocId) -> bool,
) -> Vec<(DocId, f32)> {
    let norm = |v: &[f32]| v.iter().map(|x| x * x).sum::<f32>().sqrt();
    let mut scored: Vec<(DocId, f32)> = model
        .iter()
        .filter(|(id, _)| keep(**id))
        .map(|(id, v)| {
            let s = match metric {
                Metric::Cosine => {
                    v.iter().zip(q).map(|(a, b)| a * b).sum::<f32>() / (norm(v) * norm(q))
                }
                Metric::Dot => v.iter().zip(q).map(|(a, b)| a * b).sum::<f32>(),
                Metric::L2 => -v
                    .iter()
                    .zip(q)
                    .map(|(a, b)| (a - b) * (a - b))
                    .sum::<f32>()
                    .sqrt(),
            };
            (*id, s)
        })
        .collect();
    scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    scored.truncate(k);
    scored
}

fn ids(hits: &[Hit]) -> Vec<DocId> {
    hits.iter().map(|h| h.id).collect()
}

macro_rules! battery {
    ($name:ident, $backend:expr) => {
        mod $name {
            use super::*;
            const BACKEND: Backend = $backend;

            fn index(dim: usize, metric: Metric) -> DenseIndex {
                DenseIndex::new(dim, config(BACKEND, metric)).unwrap()
            }

            fn filled(n: usize, dim: usize, metric: Metric) -> (DenseIndex, Vec<Vec<f32>>) {
                let data = clustered(n, dim, 8, 0.3, 7);
                let mut idx = index(dim, metric);
                let ids = doc_ids(n);
                let items: Vec<(DocId, &[f32])> =
                    ids.iter().zip(&data).map(|(i, v)| (*i, &v[..])).collect();
                idx.add_batch(&items).unwrap();
                (idx, data)
            }

            #[test]
            fn finds_each_vector_first() {
                for metric in [Metric::Cosine, Metric::Dot, Metric::L2] {
                    let (idx, data) = filled(300, 12, metric);
                    let expect = if BACKEND == Backend::Exact {
                        Backend::Exact
                    } else {
                        Backend::Hnsw
                    };
                    assert_eq!(idx.active_backend(), expect);
                    let mut first = 0;
                    for (i, v) in data.iter().enumerate() {
                        let hits = idx.search(v, &SearchParams::k(5)).unwrap();
                        assert_eq!(hits.len(), 5);
                        assert!(
                            hits.windows(2).all(|w| w[0].score >= w[1].score),
                            "sorted best first"
                        );
                        first += usize::from(metric != Metric::Dot && hits[0].id.index() == i);
                    }
                    if metric != Metric::Dot {
                        assert!(
                            first >= 297,
                            "{metric:?}: {first}/300 found themselves first"
                        );
                    }
                }
            }

            #[test]
            fn scores_follow_the_documented_conversion() {
                let ids = doc_ids(2);
                for (metric, expect) in [
                    (Metric::Cosine, 0.6),
                    (Metric::Dot, 6.0),
                    (Metric::L2, -(17f32).sqrt()),
                ] {
                    let mut idx = index(2, metric);
                    idx.add(ids[0], &[3.0, 4.0]).unwrap();
                    let hits = idx.search(&[2.0, 0.0], &SearchParams::k(1)).unwrap();
                    assert!(
                        (hits[0].score - expect).abs() < 1e-5,
                        "{metric:?}: {}",
                        hits[0].score
                    );
                }
            }

            #[test]
            fn bad_inputs_give_typed_errors() {
                let ids = doc_ids(4);
                let mut idx = index(3, Metric::Cosine);
                assert!(matches!(
                    idx.add(ids[0], &[1.0, 2.0]),
                    Err(Error::DimensionMismatch {
                        expected: 3,
                        found: 2
                    })
                ));
                assert!(matches!(
                    idx.add(ids[0], &[1.0, f32::NAN, 2.0]),
                    Err(Error::NonFiniteVector { index: 1 })
                ));
                assert!(matches!(
                    idx.add(ids[0], &[f32::INFINITY, 0.0, 2.0]),
                    Err(Error::NonFiniteVector { index: 0 })
                ));
                assert!(matches!(idx.add(ids[0], &[0.0; 3]), Err(Error::ZeroVector)));
                idx.add(ids[0], &[1.0, 0.0, 0.0]).unwrap();
                assert!(matches!(
                    idx.add(ids[0], &[0.0, 1.0, 0.0]),
                    Err(Error::DuplicateKey(_))
                ));
                assert!(matches!(
                    idx.update(ids[1], &[0.0, 1.0, 0.0]),
                    Err(Error::UnknownKey(_))
                ));
                let batch: Vec<(DocId, &[f32])> =
                    vec![(ids[1], &[1.0, 1.0, 0.0]), (ids[1], &[1.0, 0.0, 1.0])];
                assert!(matches!(idx.add_batch(&batch), Err(Error::DuplicateKey(_))));
                assert_eq!(idx.len(), 1, "a rejected batch adds nothing");
                // The first bad vector of a batch is named, checked in parallel or not.
                let batch: Vec<(DocId, &[f32])> = vec![
                    (ids[1], &[1.0, 1.0, 0.0]),
                    (ids[2], &[0.0, 0.0]),
                    (ids[3], &[0.0, 0.0, 0.0]),
                ];
                let refused = idx.add_batch(&batch).unwrap_err();
                assert!(matches!(
                    refused,
                    Error::BatchItem {
                        position: 1,
                        len: 3,
                        key: Some(_),
                        ..
                    }
                ));
                assert!(matches!(
                    refused.root(),
                    Error::DimensionMismatch {
                        expected: 3,
                        found: 2
                    }
                ));
                assert_eq!(idx.len(), 1, "a rejected batch adds nothing");
                assert!(matches!(
                    idx.search(&[1.0, 0.0, 0.0], &SearchParams::k(0)),
                    Err(Error::InvalidParameter { .. })
                ));
                assert!(matches!(
                    idx.search(&[1.0, 0.0, 0.0], &SearchParams::k(1).ef(0)),
                    Err(Error::InvalidParameter { .. })
                ));
                assert!(matches!(
                    idx.search(&[1.0, 0.0], &SearchParams::k(1)),
                    Err(Error::DimensionMismatch { .. })
                ));
                assert!(matches!(
                    idx.search(&[0.0; 3], &SearchParams::k(1)),
                    Err(Error::ZeroVector)
                ));
                assert!(matches!(
                    idx.search(&[f32::NAN, 0.0, 0.0], &SearchParams::k(1)),
                    Err(Error::NonFiniteVector { .. })
                ));
                idx.add(ids[2], &[3e38, 3e38, 0.0]).unwrap(); // huge but finite: normalised fine
                let mut l2 = index(3, Metric::L2);
                assert!(matches!(
                    l2.add(ids[0], &[1.0, 3e38, 2e38]),
                    Err(Error::NonFiniteVector { index: 1 })
                ));
                // Under L2 a difference can reach 4x a squared norm: vectors
                // whose distance would overflow are refused, the largest
                // acceptable ones give finite scores.
                assert!(matches!(
                    l2.add(ids[0], &[1.8e19, 0.0, 0.0]),
                    Err(Error::NonFiniteVector { index: 0 })
                ));
                l2.add(ids[0], &[9e18, 0.0, 0.0]).unwrap();
                let far = l2.search(&[-9e18, 0.0, 0.0], &SearchParams::k(1)).unwrap();
                assert!(far[0].score.is_finite(), "{far:?}");
                // Zero vectors are fine under dot and L2.
                let mut dot = index(3, Metric::Dot);
                dot.add(ids[0], &[0.0; 3]).unwrap();
                assert_eq!(dot.search(&[0.0; 3], &SearchParams::k(1)).unwrap().len(), 1);
            }

            #[test]
            fn invalid_configs_are_rejected() {
                let base = config(BACKEND, Metric::Cosine);
                let cases = [
                    DenseConfig {
                        max_connections: 257,
                        ..base.clone()
                    },
                    DenseConfig {
                        max_connections: 1,
                        ..base.clone()
                    },
                    DenseConfig {
                        ef_construction: 0,
                        ..base.clone()
                    },
                    DenseConfig {
                        ef_search: 0,
                        ..base.clone()
                    },
                    DenseConfig {
                        max_layers: 0,
                        ..base.clone()
                    },
                    DenseConfig {
                        max_layers: 17,
                        ..base.clone()
                    },
                    DenseConfig {
                        max_deleted_fraction: 0.0,
                        ..base.clone()
                    },
                    DenseConfig {
                        max_deleted_fraction: f32::NAN,
                        ..base.clone()
                    },
                    DenseConfig {
                        exact_filter_below: 1.5,
                        ..base.clone()
                    },
                ];
                for c in cases {
                    assert!(matches!(
                        DenseIndex::new(4, c),
                        Err(Error::InvalidParameter { .. })
                    ));
                }
                assert!(matches!(
                    DenseIndex::new(0, base),
                    Err(Error::InvalidParameter { .. })
                ));
            }

            #[test]
            fn empty_index_returns_nothing() {
                let idx = index(4, Metric::L2);
                assert!(idx
                    .search(&[1.0, 2.0, 3.0, 4.0], &SearchParams::k(3))
                    .unwrap()
                    .is_empty());
            }

            #[test]
            fn random_operations_match_an_exact_model() {
                for metric in [Metric::Cosine, Metric::L2] {
                    random_operations(metric, 11);
                }
            }

            fn random_operations(metric: Metric, seed: u64) {
                let dim = 8;
                let mut rng = StdRng::seed_from_u64(seed);
                let all_ids = doc_ids(600);
                let mut idx = index(dim, metric);
                let mut model: BTreeMap<DocId, Vec<f32>> = BTreeMap::new();
                let (mut found, mut total) = (0usize, 0usize);
                for step in 0..3000 {
                    let id = all_ids[rng.random_range(0..all_ids.len())];
                    let v = gaussian(&mut rng, dim, 1.0);
                    match (rng.random_range(0..10), model.contains_key(&id)) {
                        (0..=4, false) => {
                            idx.add(id, &v).unwrap();
                            model.insert(id, v);
                        }
                        (0..=4, true) => {
                            assert!(matches!(idx.add(id, &v), Err(Error::DuplicateKey(_))))
                        }
                        (5..=6, true) => {
                            idx.update(id, &v).unwrap();
                            model.insert(id, v);
                        }
                        (5..=6, false) => {
                            assert!(matches!(idx.update(id, &v), Err(Error::UnknownKey(_))))
                        }
                        (_, present) => {
                            assert_eq!(idx.remove(id).unwrap(), present);
                            model.remove(&id);
                        }
                    }
                    assert_eq!(idx.len(), model.len());
                    if step % 10 == 0 {
                        let q = gaussian(&mut rng, dim, 1.0);
                        let hits = idx.search(&q, &SearchParams::k(10)).unwrap();
                        let truth = model_top_k(&model, metric, &q, 10, |_| true);
                        assert_eq!(
                            hits.len(),
                            truth.len(),
                            "step {step}: k results whenever k live points exist"
                        );
                        assert!(
                            hits.iter().all(|h| model.contains_key(&h.id)),
                            "step {step}: deleted id returned"
                        );
                        let t: HashSet<DocId> = truth.iter().map(|(id, _)| *id).collect();
                        found += hits.iter().filter(|h| t.contains(&h.id)).count();
                        total += truth.len();
                        if BACKEND == Backend::Exact {
                            assert_eq!(
                                ids(&hits),
                                truth.iter().map(|(id, _)| *id).collect::<Vec<_>>(),
                                "step {step}"
                            );
                        }
                    }
                }
                let recall = found as f64 / total as f64;
                assert!(
                    recall >= 0.97,
                    "{metric:?}: recall {recall} against the model"
                );
            }

            #[test]
            fn filters_return_only_matching_ids_and_k_of_them() {
                let (mut idx, data) = filled(2000, 16, Metric::Cosine);
                let all = doc_ids(2000);
                for id in all.iter().step_by(7) {
                    idx.remove(*id).unwrap();
                }
                let live = |id: DocId| id.index() % 7 != 0;
                let selective = |id: DocId| id.index() % 100 == 3; // ~1%: 17 live matches
                let unselective = |id: DocId| id.index() % 2 == 0;
                let single = |id: DocId| id.index() == 1999;
                for (name, f, k) in [
                    (
                        "selective",
                        &selective as &(dyn Fn(DocId) -> bool + Sync),
                        10,
                    ),
                    ("selective, k above matches", &selective, 50),
                    ("unselective", &unselective, 10),
                    ("single", &single, 5),
                ] {
                    let matching = (0..2000)
                        .map(|i| all[i])
                        .filter(|id| live(*id) && f(*id))
                        .count();
                    for q in data.iter().step_by(97) {
                        let hits = idx.search(q, &SearchParams::k(k).filter(f)).unwrap();
                        assert_eq!(hits.len(), k.min(matching), "{name}");
                        assert!(
                            hits.iter().all(|h| f(h.id) && live(h.id)),
                            "{name}: non-matching or deleted id"
                        );
                        let exact = idx.search_exact(q, &SearchParams::k(k).filter(f)).unwrap();
                        let overlap = hits
                            .iter()
                            .filter(|h| exact.iter().any(|e| e.id == h.id))
                            .count();
                        assert!(overlap + 1 >= hits.len(), "{name}: filtered recall too low");
                    }
                }
            }

            #[test]
            fn persisted_round_trip_gives_identical_results() {
                let (mut idx, data) = filled(800, 16, Metric::Cosine);
                for id in doc_ids(800).iter().step_by(11) {
                    idx.remove(*id).unwrap();
                }
                let cfg = bincode::config::standard().with_limit::<{ 1 << 28 }>();
                let bytes = bincode::serde::encode_to_vec(idx.to_persisted(), cfg).unwrap();
                let (p, used): (PersistedDense, usize) =
                    bincode::serde::decode_from_slice(&bytes, cfg).unwrap();
                assert_eq!(used, bytes.len());
                let back = DenseIndex::from_persisted(p).unwrap();
                assert_eq!(back.len(), idx.len());
                assert_eq!(back.active_backend(), idx.active_backend());
                for q in data.iter().step_by(13) {
                    let params = SearchParams::k(10);
                    assert_eq!(
                        back.search(q, &params).unwrap(),
                        idx.search(q, &params).unwrap()
                    );
                }
                // The loaded index keeps working: adds go to the fresh buffer, then a rebuild.
                let mut back = back;
                let more = doc_ids(900);
                for (id, v) in more[800..].iter().zip(clustered(100, 16, 8, 0.3, 99)) {
                    back.add(*id, &v).unwrap();
                }
                let hits = back.search(&data[1], &SearchParams::k(10)).unwrap();
                assert_eq!(hits.len(), 10);
            }
        }
    };
}

battery!(exact_backend, Backend::Exact);
battery!(hnsw_backend, Backend::Hnsw);

#[test]
fn auto_switches_to_hnsw_at_exact_below() {
    let cfg = DenseConfig {
        exact_below: 100,
        ..config(Backend::Auto, Metric::Cosine)
    };
    let mut idx = DenseIndex::new(8, cfg).unwrap();
    let data = clustered(100, 8, 4, 0.3, 3);
    let ids = doc_ids(100);
    for (i, (id, v)) in ids.iter().zip(&data).enumerate() {
        idx.add(*id, v).unwrap();
        let expect = if i + 1 < 100 {
            Backend::Exact
        } else {
            Backend::Hnsw
        };
        assert_eq!(idx.active_backend(), expect, "after {} adds", i + 1);
    }
}

#[test]
fn collection_addresses_vectors_by_key() {
    let mut c = VectorCollection::new(2, config(Backend::Hnsw, Metric::Cosine)).unwrap();
    c.add("a", &[1.0, 0.0]).unwrap();
    c.add(7u64, &[0.0, 1.0]).unwrap();
    assert!(matches!(
        c.add("a", &[1.0, 1.0]),
        Err(Error::DuplicateKey(_))
    ));
    let hits = c.search(&[0.1, 1.0], &SearchParams::k(1)).unwrap();
    assert_eq!(hits[0].key, 7u64.into());
    c.update(7u64, &[-1.0, 0.0]).unwrap();
    assert_eq!(
        c.search(&[0.1, 1.0], &SearchParams::k(1)).unwrap()[0].key,
        "a".into()
    );
    c.delete("a").unwrap();
    assert!(matches!(c.delete("a"), Err(Error::UnknownKey(_))));
    assert!(matches!(
        c.update("zz", &[1.0, 0.0]),
        Err(Error::UnknownKey(_))
    ));
    let hits = c.search(&[1.0, 0.0], &SearchParams::k(5)).unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].key, 7u64.into());
    // Re-adding a deleted key works and gets a new DocId.
    let id = c.add("a", &[1.0, 0.0]).unwrap();
    assert_eq!(id.index(), 2);
    let batch: Vec<(&str, &[f32])> = vec![("b", &[1.0, 2.0]), ("b", &[2.0, 1.0])];
    assert!(matches!(c.add_batch(&batch), Err(Error::DuplicateKey(_))));
    let batch: Vec<(&str, &[f32])> = vec![("b", &[1.0, 2.0]), ("c", &[2.0, 1.0, 0.0])];
    let refused = c.add_batch(&batch).unwrap_err();
    assert!(matches!(
        refused,
        Error::BatchItem { position: 1, len: 2, key: Some(ref k), .. } if k == "\"c\""
    ));
    assert!(matches!(refused.root(), Error::DimensionMismatch { .. }));
    assert_eq!(c.len(), 2);
}

#[test]
fn serial_builds_are_deterministic() {
    let data = clustered(400, 8, 4, 0.3, 5);
    let ids = doc_ids(400);
    let build = || {
        let mut idx = DenseIndex::new(8, config(Backend::Hnsw, Metric::Cosine)).unwrap();
        for (id, v) in ids.iter().zip(&data) {
            idx.add(*id, v).unwrap();
        }
        idx.to_persisted()
    };
    assert_eq!(build(), build());
}

/// Graph search may traverse 8-bit codes of the rows (on CPUs with AVX2),
/// but the hits it returns carry exact `f32` scores: the same numbers as the
/// exact scan, also once the graph holds a vector far outside the others'
/// ranges (the codes clamp it).
#[test]
fn graph_hits_carry_exact_scores_also_for_an_outlying_vector() {
    let n = 400;
    let data = clustered(n, 16, 8, 0.3, 11);
    let ids = doc_ids(n + 20);
    for metric in [Metric::Cosine, Metric::Dot, Metric::L2] {
        let mut idx = DenseIndex::new(16, config(Backend::Hnsw, metric)).unwrap();
        let items: Vec<(DocId, &[f32])> =
            ids.iter().zip(&data).map(|(i, v)| (*i, &v[..])).collect();
        idx.add_batch(&items).unwrap();
        let check = |idx: &DenseIndex| {
            for q in data.iter().step_by(7) {
                let hits = idx.search(q, &SearchParams::k(10)).unwrap();
                let exact = idx.search_exact(q, &SearchParams::k(n + 1)).unwrap();
                for hit in &hits {
                    let truth = exact.iter().find(|h| h.id == hit.id).unwrap();
                    assert_eq!(hit.score, truth.score, "{metric:?}: exact score");
                }
            }
        };
        check(&idx);
        if metric == Metric::Cosine {
            continue; // normalised on insert: no outlier
        }
        let mut huge = data[0].clone();
        huge[3] = 1e5;
        idx.add(ids[n], &huge).unwrap();
        check(&idx);
        let hits = idx.search(&huge, &SearchParams::k(3)).unwrap();
        if metric == Metric::L2 {
            assert_eq!(hits[0].id, ids[n], "finds the fresh outlying vector");
        }
        // More than `fresh_capacity` (16) further rows: the graph is
        // re-extracted over the outlier and the codes extended with it.
        for (i, v) in data.iter().take(19).enumerate() {
            let shifted: Vec<f32> = v.iter().map(|x| x + 0.01).collect();
            idx.add(ids[n + 1 + i], &shifted).unwrap();
        }
        check(&idx);
    }
}

/// The graph rescoring skips nodes whose approximate distance, less its error
/// bound, cannot beat the k-th exact one: with `ef` just short of the whole
/// set (so the graph is searched, and finds every node that matters), the
/// top k must equal the exact top k, ids and scores, under every metric and
/// with rows far outside the codes' ranges.
#[test]
fn bounded_rescoring_returns_the_exact_top_k_of_what_the_graph_found() {
    let n = 300;
    let mut data = clustered(n, 16, 8, 0.3, 5);
    data[40][2] = 60.0;
    data[41][9] = -80.0;
    let ids = doc_ids(n);
    for metric in [Metric::Cosine, Metric::Dot, Metric::L2] {
        let mut idx = DenseIndex::new(16, config(Backend::Hnsw, metric)).unwrap();
        let items: Vec<(DocId, &[f32])> =
            ids.iter().zip(&data).map(|(i, v)| (*i, &v[..])).collect();
        idx.add_batch(&items).unwrap();
        for q in data.iter().step_by(5).chain([&data[40], &data[41]]) {
            for k in [1, 10] {
                let params = SearchParams::k(k).ef(n - 1);
                let hits = idx.search(q, &params).unwrap();
                let exact = idx.search_exact(q, &SearchParams::k(k)).unwrap();
                assert_eq!(hits, exact, "{metric:?} k={k}");
            }
        }
    }
}

/// `k` and `ef` are the caller's: any value up to `usize::MAX` means "as many
/// as there are" (no capacity overflow, no huge reservation), on both
/// backends, with and without a filter, exact or through the graph.
#[test]
fn any_k_and_ef_up_to_usize_max_return_every_vector() {
    let data = clustered(60, 8, 4, 0.3, 5);
    let ids = doc_ids(60);
    for backend in [Backend::Exact, Backend::Hnsw] {
        let mut idx = DenseIndex::new(8, config(backend, Metric::Cosine)).unwrap();
        for (id, v) in ids.iter().zip(&data) {
            idx.add(*id, v).unwrap();
        }
        let even = |d: DocId| d.index().is_multiple_of(2);
        for k in [usize::MAX, usize::MAX - 1, 1 << 40] {
            for params in [
                SearchParams::k(k),
                SearchParams::k(k).ef(k),
                SearchParams::k(10).ef(k),
            ] {
                let want = params.k.min(60);
                assert_eq!(idx.search(&data[0], &params).unwrap().len(), want);
                assert_eq!(idx.search_exact(&data[0], &params).unwrap().len(), want);
                let filtered = params.filter(&even);
                assert_eq!(idx.search(&data[0], &filtered).unwrap().len(), want.min(30));
            }
        }
    }
}

/// `ef_construction` is bounded (hnsw_rs reserves `ef` slots per search of
/// a build: `usize::MAX` overflowed, 2^40 aborted the process).
#[test]
fn an_ef_construction_past_its_bound_is_refused() {
    for ef_construction in [usize::MAX, (1 << 20) + 1] {
        let cfg = DenseConfig {
            ef_construction,
            ..DenseConfig::default()
        };
        let err = DenseIndex::new(8, cfg).unwrap_err();
        assert!(
            matches!(err, Error::InvalidParameter { ref name, .. } if name == "ef_construction"),
            "{err}"
        );
    }
    let largest = DenseConfig {
        ef_construction: 1 << 20,
        ..DenseConfig::default()
    };
    assert!(largest.validate().is_ok());
}

#[test]
fn a_dimension_above_u32_max_is_refused_up_front() {
    let too_wide = u32::MAX as usize + 1;
    let err = DenseIndex::new(too_wide, DenseConfig::default()).unwrap_err();
    assert!(matches!(err, Error::InvalidParameter { ref name, .. } if name == "dim"));
    assert!(DenseIndex::new(u32::MAX as usize, DenseConfig::default()).is_ok());
    // Through the index's config too (a snapshot stores the dimension as a
    // u32: 2^32 was accepted, saved as 0, and the file failed to load).
    let config = twofold::index::IndexConfig {
        dim: Some(too_wide),
        ..Default::default()
    };
    let err = config.validate().unwrap_err();
    assert!(matches!(err, Error::InvalidParameter { ref name, .. } if name == "dim"));
}
