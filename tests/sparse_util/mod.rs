//! Test and bench support for the sparse index: a small TF-IDF (lowercase alphanumeric
//! tokens, sublinear tf, smooth idf, l2 norm), the SciFact data and a synthetic Zipfian
//! corpus. Shared by `tests/sparse*.rs` and `benches/sparse.rs` (via `#[path]`).
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::PathBuf;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sprs::{CsMat, CsVec};

/// Where the shared BEIR-layout data lives.
pub fn shared_data() -> PathBuf {
    std::env::var_os("TWOFOLD_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data")))
}

/// Lowercase runs of alphanumeric characters.
pub fn tokens(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(str::to_lowercase)
}

/// A TF-IDF model fitted on token-id documents.
pub struct Tfidf {
    pub idf: Vec<f64>,
}

impl Tfidf {
    /// Smooth idf: ln((1 + n) / (1 + df)) + 1.
    pub fn fit(docs: &[Vec<u32>], n_terms: usize) -> Tfidf {
        let mut df = vec![0usize; n_terms];
        for doc in docs {
            let mut seen: Vec<u32> = doc.clone();
            seen.sort_unstable();
            seen.dedup();
            for t in seen {
                df[t as usize] += 1;
            }
        }
        let n = docs.len() as f64;
        let idf = df
            .iter()
            .map(|&d| ((1.0 + n) / (1.0 + d as f64)).ln() + 1.0)
            .collect();
        Tfidf { idf }
    }

    /// Sublinear tf · idf, l2-normalised, as (sorted term, weight) pairs.
    pub fn weights(&self, doc: &[u32]) -> Vec<(usize, f64)> {
        let mut counts: HashMap<u32, usize> = HashMap::new();
        for &t in doc {
            if (t as usize) < self.idf.len() {
                *counts.entry(t).or_default() += 1;
            }
        }
        let mut row: Vec<(usize, f64)> = counts
            .into_iter()
            .map(|(t, c)| (t as usize, (1.0 + (c as f64).ln()) * self.idf[t as usize]))
            .collect();
        row.sort_unstable_by_key(|&(t, _)| t);
        let norm = row.iter().map(|&(_, w)| w * w).sum::<f64>().sqrt();
        if norm > 0.0 {
            row.iter_mut().for_each(|(_, w)| *w /= norm);
        }
        row
    }

    pub fn vector(&self, doc: &[u32]) -> CsVec<f64> {
        let (indices, data) = self.weights(doc).into_iter().unzip();
        CsVec::new(self.idf.len(), indices, data)
    }

    pub fn matrix(&self, docs: &[Vec<u32>]) -> CsMat<f64> {
        let mut indptr = vec![0];
        let mut indices = Vec::new();
        let mut data = Vec::new();
        for doc in docs {
            for (t, w) in self.weights(doc) {
                indices.push(t);
                data.push(w);
            }
            indptr.push(indices.len());
        }
        CsMat::new((docs.len(), self.idf.len()), indptr, indices, data)
    }
}

/// A corpus and its queries as TF-IDF vectors.
pub struct Corpus {
    pub name: String,
    pub matrix: CsMat<f64>,
    pub queries: Vec<CsVec<f64>>,
}

fn read_jsonl_texts(path: &std::path::Path, fields: &[&str]) -> Option<Vec<String>> {
    let text = std::fs::read_to_string(path).ok()?;
    let mut out = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let value: serde_json::Value = serde_json::from_str(line).ok()?;
        let joined: Vec<&str> = fields.iter().filter_map(|f| value[*f].as_str()).collect();
        out.push(joined.join(" "));
    }
    Some(out)
}

/// A BEIR set from the shared data (`None`, with a message, when absent). Documents are
/// title + text; queries are the query texts followed by the document titles, up to
/// `max_queries`.
pub fn beir(set: &str, max_queries: usize) -> Option<Corpus> {
    let dir = shared_data().join(set);
    let (Some(docs), Some(queries), Some(titles)) = (
        read_jsonl_texts(&dir.join("corpus.jsonl"), &["title", "text"]),
        read_jsonl_texts(&dir.join("queries.jsonl"), &["text"]),
        read_jsonl_texts(&dir.join("corpus.jsonl"), &["title"]),
    ) else {
        eprintln!("skipping: {} not found", dir.display());
        return None;
    };
    let mut vocabulary: HashMap<String, u32> = HashMap::new();
    let docs: Vec<Vec<u32>> = docs
        .iter()
        .map(|d| {
            tokens(d)
                .map(|t| {
                    let next = vocabulary.len() as u32;
                    *vocabulary.entry(t).or_insert(next)
                })
                .collect()
        })
        .collect();
    let model = Tfidf::fit(&docs, vocabulary.len());
    let queries = queries
        .iter()
        .chain(titles.iter())
        .take(max_queries)
        .map(|q| {
            let ids: Vec<u32> = tokens(q)
                .filter_map(|t| vocabulary.get(&t).copied())
                .collect();
            model.vector(&ids)
        })
        .collect();
    Some(Corpus {
        name: set.to_string(),
        matrix: model.matrix(&docs),
        queries,
    })
}

/// Cumulative Zipf(s) weights over `n` ranks, for inverse-CDF sampling.
fn zipf_cdf(n: usize, s: f64) -> Vec<f64> {
    let mut total = 0.0;
    (1..=n)
        .map(|r| {
            total += 1.0 / (r as f64).powf(s);
            total
        })
        .collect()
}

fn sample(cdf: &[f64], rng: &mut StdRng) -> u32 {
    let total = cdf.last().copied().unwrap_or(1.0);
    let x = rng.random::<f64>() * total;
    cdf.partition_point(|&c| c < x).min(cdf.len() - 1) as u32
}

/// Synthetic text: `n_docs` documents of 30–250 tokens drawn from a Zipf(1.07) vocabulary
/// of `n_terms`, and `n_queries` queries of 2–12 tokens (half drawn from a document, half
/// from the same Zipf law), as TF-IDF.
pub fn zipf(n_docs: usize, n_terms: usize, n_queries: usize, seed: u64) -> Corpus {
    let mut rng = StdRng::seed_from_u64(seed);
    let cdf = zipf_cdf(n_terms, 1.07);
    let docs: Vec<Vec<u32>> = (0..n_docs)
        .map(|_| {
            let len = rng.random_range(30..250);
            (0..len).map(|_| sample(&cdf, &mut rng)).collect()
        })
        .collect();
    let model = Tfidf::fit(&docs, n_terms);
    let queries = (0..n_queries)
        .map(|i| {
            let len = rng.random_range(2..12);
            let ids: Vec<u32> = if i % 2 == 0 {
                let doc = &docs[rng.random_range(0..docs.len())];
                (0..len)
                    .map(|_| doc[rng.random_range(0..doc.len())])
                    .collect()
            } else {
                (0..len).map(|_| sample(&cdf, &mut rng)).collect()
            };
            model.vector(&ids)
        })
        .collect();
    Corpus {
        name: format!("zipf-{n_docs}"),
        matrix: model.matrix(&docs),
        queries,
    }
}
