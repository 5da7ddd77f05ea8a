//! `SentenceEmbedder` speed: single short query latency and batch documents/s.
//!
//! Needs the model (`scripts/fetch_model.sh` or `TWOFOLD_MODEL`); documents are
//! SciFact abstracts from ../shared/data when present, else a synthetic text.
//! `cargo bench --features embed --bench embed`

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use twofold::embed::{Embedder, SentenceEmbedder};

const DOCS: usize = 64;

fn model_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("TWOFOLD_MODEL")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/models/all-MiniLM-L6-v2"
            ))
        });
    dir.join("model.safetensors").is_file().then_some(dir)
}

fn documents() -> Vec<String> {
    let path = std::env::var_os("TWOFOLD_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data")))
        .join("scifact/corpus.jsonl");
    let from_data: Vec<String> = std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .take(DOCS)
        .map(|d| {
            format!(
                "{} {}",
                d["title"].as_str().unwrap_or(""),
                d["text"].as_str().unwrap_or("")
            )
            .trim()
            .to_string()
        })
        .collect();
    if from_data.len() == DOCS {
        return from_data;
    }
    (0..DOCS)
        .map(|i| {
            format!(
                "document {i}: {}",
                "a sentence about retrieval and embeddings. ".repeat(30)
            )
        })
        .collect()
}

fn bench_embed(c: &mut Criterion) {
    let Some(dir) = model_dir() else {
        eprintln!(
            "skipping embed benches: no model (run scripts/fetch_model.sh or set TWOFOLD_MODEL)"
        );
        return;
    };
    let embedder = SentenceEmbedder::from_dir(&dir).expect("model loads");

    c.bench_function("embed/single_short_query", |b| {
        b.iter(|| {
            embedder
                .embed(black_box("how do I reset my password"))
                .expect("embeds")
        })
    });

    let docs = documents();
    let refs: Vec<&str> = docs.iter().map(String::as_str).collect();
    let mut group = c.benchmark_group("embed/batch");
    group.sample_size(10);
    group.throughput(Throughput::Elements(refs.len() as u64));
    group.bench_function("scifact_docs", |b| {
        b.iter(|| embedder.embed_batch(black_box(&refs)).expect("embeds"))
    });
    group.finish();
}

criterion_group!(benches, bench_embed);
criterion_main!(benches);
