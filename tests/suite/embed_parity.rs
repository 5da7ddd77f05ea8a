//! Parity with sentence-transformers: the stored SciFact vectors (made by
//! ../shared/data/tools/embed.py) against `SentenceEmbedder` on the same texts.
#![cfg(feature = "embed")]

use crate::embed_common;

use std::path::Path;

use embed_common::{cosine, dataset, model_dir};
use twofold::embed::{Embedder, SentenceEmbedder};

const MIN_COSINE: f64 = 0.9999;
const CORPUS_DOCS: usize = 500;

fn read_jsonl(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn read_npy(path: &Path) -> (Vec<f32>, usize) {
    let bytes = std::fs::read(path).unwrap();
    let npy = npyz::NpyFile::new(&bytes[..]).unwrap();
    let shape = npy.shape().to_vec();
    assert_eq!(shape.len(), 2, "{}", path.display());
    (npy.into_vec::<f32>().unwrap(), shape[1] as usize)
}

/// Embeds `texts` and compares each vector with row i of `stored`; returns (min, mean) cosine.
fn compare(
    embedder: &SentenceEmbedder,
    texts: &[String],
    stored: &(Vec<f32>, usize),
    label: &str,
) -> (f64, f64) {
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let vectors = embedder.embed_batch(&refs).unwrap();
    let (data, width) = stored;
    assert_eq!(*width, embedder.dim());
    let mut worst = (f64::INFINITY, 0);
    let mut sum = 0.0;
    for (i, v) in vectors.iter().enumerate() {
        let c = cosine(v, &data[i * width..(i + 1) * width]);
        sum += c;
        if c < worst.0 {
            worst = (c, i);
        }
    }
    let mean = sum / vectors.len() as f64;
    println!(
        "{label}: n={} min cosine {:.8} (row {}) mean {:.8}",
        vectors.len(),
        worst.0,
        worst.1,
        mean
    );
    assert!(
        worst.0 >= MIN_COSINE,
        "{label} row {}: cosine {} < {MIN_COSINE}",
        worst.1,
        worst.0
    );
    (worst.0, mean)
}

#[test]
fn scifact_queries_and_corpus_match_sentence_transformers() {
    let (Some(model), Some(data)) = (model_dir(), dataset("scifact")) else {
        return;
    };
    let embedder = SentenceEmbedder::from_dir(&model).unwrap();

    let queries: Vec<String> = read_jsonl(&data.join("queries.jsonl"))
        .iter()
        .map(|q| q["text"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(queries.len(), 300);
    compare(
        &embedder,
        &queries,
        &read_npy(&data.join("queries.emb.npy")),
        "queries",
    );

    let corpus: Vec<String> = read_jsonl(&data.join("corpus.jsonl"))
        .iter()
        .take(CORPUS_DOCS)
        .map(|d| {
            let title = d["title"].as_str().unwrap_or("");
            let text = d["text"].as_str().unwrap_or("");
            format!("{title} {text}").trim().to_string()
        })
        .collect();
    assert_eq!(corpus.len(), CORPUS_DOCS);
    compare(
        &embedder,
        &corpus,
        &read_npy(&data.join("corpus.emb.npy")),
        "corpus",
    );
}
