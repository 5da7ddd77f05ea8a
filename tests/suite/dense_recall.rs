//! Recall@10 of the HNSW backend against the exact backend at default parameters.

use crate::dense_common;

use dense_common::{clustered, read_npy_rows, recall, shared_data};
use twofold::dense::{Backend, DenseConfig, DenseIndex, SearchParams};
use twofold::ids::{DocId, IdMap};

fn build(base: &[Vec<f32>], backend: Backend) -> DenseIndex {
    let config = DenseConfig {
        backend,
        ..DenseConfig::default()
    };
    let mut idx = DenseIndex::new(base[0].len(), config).unwrap();
    let mut map = IdMap::new();
    let ids: Vec<DocId> = (0..base.len() as u64)
        .map(|i| map.insert(i.into()).unwrap())
        .collect();
    let items: Vec<(DocId, &[f32])> = ids.iter().zip(base).map(|(i, v)| (*i, &v[..])).collect();
    idx.add_batch(&items).unwrap();
    idx
}

/// Recall@10 of HNSW against exact, and whether every HNSW query returned 10 hits.
fn hnsw_recall(base: &[Vec<f32>], queries: &[Vec<f32>]) -> f64 {
    let hnsw = build(base, Backend::Hnsw);
    let exact = build(base, Backend::Exact);
    assert_eq!(hnsw.active_backend(), Backend::Hnsw);
    let params = SearchParams::k(10);
    let ids = |idx: &DenseIndex, q: &[f32]| -> Vec<u32> {
        let hits = idx.search(q, &params).unwrap();
        assert_eq!(hits.len(), 10);
        hits.iter().map(|h| h.id.as_u32()).collect()
    };
    let found: Vec<Vec<u32>> = queries.iter().map(|q| ids(&hnsw, q)).collect();
    let truth: Vec<Vec<u32>> = queries.iter().map(|q| ids(&exact, q)).collect();
    recall(&found, &truth)
}

#[test]
fn scifact_recall_at_default_parameters() {
    let dir = shared_data("scifact");
    let (Some(base), Some(queries)) = (
        read_npy_rows(&dir.join("corpus.emb.npy")),
        read_npy_rows(&dir.join("queries.emb.npy")),
    ) else {
        println!("skipping: scifact vectors not found in {}", dir.display());
        return;
    };
    let r = hnsw_recall(&base, &queries);
    println!("scifact recall@10 = {r:.4}");
    assert!(r >= 0.95, "scifact recall@10 {r}");
}

#[test]
fn clustered_50k_recall_at_default_parameters() {
    // 1000 gaussian clusters in 32 dimensions; queries from the same distribution.
    let all = clustered(50_200, 32, 1000, 0.15, 2026);
    let (base, queries) = all.split_at(50_000);
    let r = hnsw_recall(base, queries);
    println!("clustered 50k recall@10 = {r:.4}");
    assert!(r >= 0.95, "clustered recall@10 {r}");
}
