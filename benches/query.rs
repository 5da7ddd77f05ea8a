//! Query latency of `Index::search` at k = 10: sparse, dense and hybrid (default
//! fusion, default candidates = 100 per side), on SciFact with its MiniLM
//! embeddings (skipped when the shared data is absent) and on a synthetic corpus
//! of 50,000 documents (Zipfian text, 384-d vectors around 64 clusters). One
//! iteration runs every query, so time / queries = latency per query. Before
//! the criterion groups, a manual loop prints per-query p50/p90/p99 for each
//! workload and mode (three passes over the queries), the figures the latency
//! targets are stated in.
//!
//! `cargo bench --bench query`; quick check: `cargo bench --bench query -- --test`.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use twofold::eval::BeirDataset;
use twofold::index::{Document, Index};
use twofold::query::{Mode, SearchRequest};

struct Workload {
    name: String,
    index: Index,
    queries: Vec<(String, Vec<f32>)>,
}

fn read_npy(path: &std::path::Path) -> Option<(usize, Vec<f32>)> {
    let bytes = std::fs::read(path).ok()?;
    let npy = npyz::NpyFile::new(&bytes[..]).ok()?;
    let dim = *npy.shape().get(1)? as usize;
    let data: Vec<f32> = npy.into_vec().ok()?;
    Some((dim, data))
}

fn scifact() -> Option<Workload> {
    let dir = std::env::var_os("TWOFOLD_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data")))
        .join("scifact");
    let data = BeirDataset::load(&dir).ok()?;
    let (dim, corpus) = read_npy(&dir.join("corpus.emb.npy"))?;
    let (_, queries) = read_npy(&dir.join("queries.emb.npy"))?;
    let docs = data
        .corpus
        .iter()
        .zip(corpus.chunks_exact(dim))
        .map(|(d, v)| {
            Document::new(d.id.as_str())
                .title(&d.title)
                .body(&d.text)
                .vector(v.to_vec())
        });
    let index = Index::builder().build(docs).ok()?;
    let queries = data
        .queries
        .iter()
        .zip(queries.chunks_exact(dim))
        .map(|(q, v)| (q.text.clone(), v.to_vec()))
        .collect();
    Some(Workload {
        name: "scifact".into(),
        index,
        queries,
    })
}

fn zipf_word(rng: &mut StdRng, vocabulary: usize) -> String {
    let x: f64 = rng.random();
    format!(
        "w{}",
        ((vocabulary as f64).powf(x) as usize).saturating_sub(1)
    )
}

fn clustered_vector(rng: &mut StdRng, centres: &[Vec<f32>], dim: usize) -> Vec<f32> {
    let centre = &centres[rng.random_range(0..centres.len())];
    (0..dim)
        .map(|d| centre[d] + rng.random_range(-0.3f32..0.3))
        .collect()
}

fn synthetic(n: usize) -> Workload {
    let (dim, vocabulary) = (384, 50_000);
    let mut rng = StdRng::seed_from_u64(7);
    let centres: Vec<Vec<f32>> = (0..64)
        .map(|_| (0..dim).map(|_| rng.random_range(-1.0f32..1.0)).collect())
        .collect();
    let text = |rng: &mut StdRng, words: usize| {
        (0..words)
            .map(|_| zipf_word(rng, vocabulary))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let docs: Vec<Document> = (0..n as u64)
        .map(|i| {
            let (title, body) = (text(&mut rng, 8), text(&mut rng, 80));
            Document::new(i)
                .title(title)
                .body(body)
                .vector(clustered_vector(&mut rng, &centres, dim))
        })
        .collect();
    let index = Index::builder()
        .build(docs)
        .expect("synthetic corpus indexes");
    let queries = (0..200)
        .map(|_| (text(&mut rng, 6), clustered_vector(&mut rng, &centres, dim)))
        .collect();
    Workload {
        name: format!("synthetic{}k", n / 1000),
        index,
        queries,
    }
}

/// Runs every query in `mode`; returns the hit count so the result is checked.
fn run_all(w: &Workload, mode: Mode) -> usize {
    w.queries
        .iter()
        .map(|(text, vector)| {
            let request = SearchRequest::text(text.as_str())
                .with_vector(vector.clone())
                .k(10)
                .mode(mode);
            w.index
                .search(black_box(&request))
                .map_or(0, |r| r.hits.len())
        })
        .sum()
}

/// Prints p50/p90/p99 of single-query latency over three passes.
fn percentiles(w: &Workload, name: &str, mode: Mode) {
    let mut times: Vec<Duration> = Vec::new();
    for _ in 0..3 {
        for (text, vector) in &w.queries {
            let request = SearchRequest::text(text.as_str())
                .with_vector(vector.clone())
                .k(10)
                .mode(mode);
            let start = Instant::now();
            let found = w.index.search(black_box(&request));
            times.push(start.elapsed());
            assert!(found.is_ok(), "{name}: query failed");
        }
    }
    times.sort();
    let at = |p: f64| times[((times.len() as f64 - 1.0) * p) as usize];
    println!(
        "query/{}/{name}: n={} p50 {:?} p90 {:?} p99 {:?}",
        w.name,
        times.len(),
        at(0.5),
        at(0.9),
        at(0.99)
    );
}

fn query_latency(c: &mut Criterion) {
    let mut workloads: Vec<Workload> = scifact().into_iter().collect();
    workloads.push(synthetic(50_000));
    for w in &workloads {
        let mut group = c.benchmark_group(format!("query/{}", w.name));
        group.throughput(Throughput::Elements(w.queries.len() as u64));
        group
            .sample_size(10)
            .measurement_time(Duration::from_secs(5));
        for (name, mode) in [
            ("sparse", Mode::Sparse),
            ("dense", Mode::Dense),
            ("hybrid", Mode::Hybrid),
        ] {
            // Dense and hybrid always fill k; sparse may return fewer (no shared term).
            let hits = run_all(w, mode);
            assert!(
                hits > 0 && hits <= w.queries.len() * 10,
                "{name}: {hits} hits"
            );
            if mode != Mode::Sparse {
                assert_eq!(hits, w.queries.len() * 10, "{name}");
            }
            percentiles(w, name, mode);
            group.bench_function(name, |b| b.iter(|| run_all(w, mode)));
        }
        group.finish();
    }
}

criterion_group!(benches, query_latency);
criterion_main!(benches);
