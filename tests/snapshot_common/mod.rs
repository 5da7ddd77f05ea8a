//! A stand-in snapshot payload (until `Index` exists) and its builders,
//! shared by the snapshot tests, the crash test, the `snapshot_load` fuzz
//! target and the snapshot bench (the last two include this file by path).
#![allow(dead_code)]

use serde::{Deserialize, Serialize};
use twofold::dense::{Backend, DenseConfig, DenseIndex, PersistedDense};
use twofold::ids::{DocKey, IdMap};
use twofold::snapshot::{Flags, HeaderInfo, SnapshotError, Validate};
use twofold::tfidf::{FittedTfidf, TfidfParams, TfidfVectorizer};
use twofold::Result;

/// What an index snapshot will carry: the fitted TF-IDF model, the dense
/// index and the document keys.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StandIn {
    /// Distinguishes generations in the crash test.
    pub label: String,
    pub tfidf: FittedTfidf,
    pub dense: PersistedDense,
    pub keys: Vec<DocKey>,
}

impl Validate for StandIn {
    fn header_info(&self) -> HeaderInfo {
        HeaderInfo {
            flags: Flags::DENSE,
            dense_dim: self.dense.dim,
            document_count: self.keys.len() as u64,
        }
    }

    fn validate(&self) -> Result<()> {
        if self.tfidf.n_documents() != self.keys.len() as u64 {
            return Err(SnapshotError::Inconsistent {
                what: "keys",
                detail: format!(
                    "{} keys for a tf-idf model fitted on {} documents",
                    self.keys.len(),
                    self.tfidf.n_documents()
                ),
            }
            .into());
        }
        if let Some(&id) = self
            .dense
            .slot_docs
            .iter()
            .find(|&&id| id as usize >= self.keys.len())
        {
            return Err(SnapshotError::Inconsistent {
                what: "dense",
                detail: format!("vector for document #{id} of {}", self.keys.len()),
            }
            .into());
        }
        // The real loader builds the index from the value it owns; the
        // stand-in checks a copy.
        DenseIndex::from_persisted(self.dense.clone()).map(drop)
    }
}

/// Deterministic pseudo-random unit vectors (SplitMix64; no rand dependency,
/// so the fuzz crate can include this file).
pub fn unit_vectors(n: usize, dim: usize, seed: u64) -> Vec<Vec<f32>> {
    let mut s = seed;
    let mut next = move || {
        s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = s;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 40) as f32 / (1u64 << 24) as f32 - 0.5
    };
    (0..n)
        .map(|_| {
            let v: Vec<f32> = (0..dim).map(|_| next()).collect();
            let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-6);
            v.iter().map(|x| x / norm).collect()
        })
        .collect()
}

/// A small HNSW configuration, so the graph is persisted even for small sets.
pub fn small_hnsw() -> DenseConfig {
    DenseConfig {
        backend: Backend::Hnsw,
        max_connections: 8,
        ef_construction: 40,
        parallel_build: false,
        ..DenseConfig::default()
    }
}

/// Builds a stand-in from `(key, text)` documents and one vector each.
pub fn build(
    label: &str,
    docs: &[(String, String)],
    vectors: &[Vec<f32>],
    config: DenseConfig,
) -> Result<StandIn> {
    let texts: Vec<&str> = docs.iter().map(|(_, t)| t.as_str()).collect();
    let tfidf = TfidfVectorizer::new(TfidfParams::default())?.fit(&texts)?;
    let dim = vectors.first().map_or(1, Vec::len);
    let mut dense = DenseIndex::new(dim, config)?;
    let mut ids = IdMap::new();
    let mut batch = Vec::with_capacity(docs.len());
    for ((key, _), v) in docs.iter().zip(vectors) {
        batch.push((ids.insert(key.as_str().into())?, v.as_slice()));
    }
    dense.add_batch(&batch)?;
    Ok(StandIn {
        label: label.to_string(),
        tfidf,
        dense: dense.to_persisted(),
        keys: ids.iter().map(|(_, k)| k.clone()).collect(),
    })
}

/// The shipped sample FAQ as `(id, question + answer)`.
pub fn faq_docs() -> Vec<(String, String)> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/data/faq.jsonl");
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .map(|v| {
            let field = |name: &str| v[name].as_str().unwrap_or_default().to_string();
            (
                field("id"),
                format!("{} {}", field("question"), field("answer")),
            )
        })
        .collect()
}

/// The stand-in over the sample FAQ with 16-d random vectors and an HNSW graph.
pub fn faq_stand_in() -> StandIn {
    let docs = faq_docs();
    assert!(docs.len() >= 100, "examples/data/faq.jsonl is missing");
    let vectors = unit_vectors(docs.len(), 16, 7);
    build("faq", &docs, &vectors, small_hnsw()).expect("the sample builds")
}
