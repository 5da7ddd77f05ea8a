//! Dense index: build throughput and k=10 query latency for both backends,
//! plus hnsw_rs's own search on the same graph parameters as a baseline.
//!
//! Uses SciFact's MiniLM vectors (`../shared/data/scifact`, or
//! `$TWOFOLD_SHARED_DATA/scifact`) when present, otherwise 5,000 synthetic
//! clustered 384-d vectors.

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use hnsw_rs::prelude::{Distance, Hnsw};
use twofold::dense::{Backend, DenseConfig, DenseIndex, SearchParams};
use twofold::ids::{DocId, IdMap};

struct Data {
    name: &'static str,
    base: Vec<Vec<f32>>,
    queries: Vec<Vec<f32>>,
}

fn read_rows(path: PathBuf) -> Option<Vec<Vec<f32>>> {
    let bytes = std::fs::read(path).ok()?;
    let npy = npyz::NpyFile::new(&bytes[..]).ok()?;
    let dim = *npy.shape().get(1)? as usize;
    let data: Vec<f32> = npy.into_vec().ok()?;
    Some(data.chunks_exact(dim).map(<[f32]>::to_vec).collect())
}

fn synthetic(n: usize, dim: usize, seed: u64) -> Vec<Vec<f32>> {
    // A small LCG keeps the bench free of extra dependencies' APIs.
    let mut s = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let mut next = move || {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((s >> 40) as f32 / (1u64 << 24) as f32) - 0.5
    };
    let centres: Vec<Vec<f32>> = (0..64)
        .map(|_| (0..dim).map(|_| next()).collect())
        .collect();
    (0..n)
        .map(|i| centres[i % 64].iter().map(|c| c + 0.3 * next()).collect())
        .collect()
}

fn load() -> Data {
    let root = std::env::var_os("TWOFOLD_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data")));
    let dir = root.join("scifact");
    match (
        read_rows(dir.join("corpus.emb.npy")),
        read_rows(dir.join("queries.emb.npy")),
    ) {
        (Some(base), Some(queries)) => Data {
            name: "scifact",
            base,
            queries,
        },
        _ => {
            eprintln!(
                "scifact vectors not found under {}: using synthetic data",
                root.display()
            );
            Data {
                name: "synthetic",
                base: synthetic(5000, 384, 1),
                queries: synthetic(300, 384, 2),
            }
        }
    }
}

fn build(data: &Data, backend: Backend, parallel: bool) -> DenseIndex {
    let config = DenseConfig {
        backend,
        parallel_build: parallel,
        ..DenseConfig::default()
    };
    let mut idx = DenseIndex::new(data.base[0].len(), config).expect("valid config");
    let mut ids = IdMap::new();
    let docs: Vec<DocId> = (0..data.base.len() as u64)
        .map(|i| ids.insert(i.into()).expect("fresh key"))
        .collect();
    let items: Vec<(DocId, &[f32])> = docs
        .iter()
        .zip(&data.base)
        .map(|(d, v)| (*d, &v[..]))
        .collect();
    idx.add_batch(&items).expect("valid vectors");
    idx
}

fn bench_build(c: &mut Criterion) {
    let data = load();
    let mut g = c.benchmark_group(format!("dense_build/{}", data.name));
    g.sample_size(10);
    g.throughput(Throughput::Elements(data.base.len() as u64));
    g.bench_function("exact", |b| {
        b.iter(|| black_box(build(&data, Backend::Exact, false).len()))
    });
    g.bench_function("hnsw_parallel", |b| {
        b.iter(|| black_box(build(&data, Backend::Hnsw, true).len()))
    });
    g.finish();
}

#[derive(Clone, Copy, Default)]
struct DotClamped;
impl Distance<f32> for DotClamped {
    fn eval(&self, a: &[f32], b: &[f32]) -> f32 {
        (1.0 - a.iter().zip(b).map(|(x, y)| x * y).sum::<f32>()).max(0.0)
    }
}

fn bench_query(c: &mut Criterion) {
    let data = load();
    let exact = build(&data, Backend::Exact, true);
    let hnsw = build(&data, Backend::Hnsw, true);
    let mut g = c.benchmark_group(format!("dense_query_k10/{}", data.name));
    g.throughput(Throughput::Elements(data.queries.len() as u64));
    g.sample_size(10);
    let run = |idx: &DenseIndex, ef: usize| {
        let params = SearchParams::k(10).ef(ef);
        let mut n = 0;
        for q in &data.queries {
            n += idx.search(q, &params).expect("valid query").len();
        }
        assert_eq!(n, 10 * data.queries.len(), "every query returns k hits");
        n
    };
    g.bench_function("exact", |b| b.iter(|| black_box(run(&exact, 10))));
    for ef in [16, 32, 64] {
        g.bench_with_input(BenchmarkId::new("compact_hnsw", ef), &ef, |b, &ef| {
            b.iter(|| black_box(run(&hnsw, ef)))
        });
    }
    // hnsw_rs's own search over a graph built with the same parameters.
    let native: Hnsw<'static, f32, DotClamped> =
        Hnsw::new(16, data.base.len(), 16, 200, DotClamped);
    let refs: Vec<(&[f32], usize)> = data
        .base
        .iter()
        .enumerate()
        .map(|(i, v)| (&v[..], i))
        .collect();
    native.parallel_insert_slice(&refs);
    for ef in [16, 32, 64] {
        g.bench_with_input(BenchmarkId::new("hnsw_rs_search", ef), &ef, |b, &ef| {
            b.iter(|| {
                let n: usize = data
                    .queries
                    .iter()
                    .map(|q| native.search(q, 10, ef).len())
                    .sum();
                assert_eq!(n, 10 * data.queries.len());
                black_box(n)
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench_build, bench_query);
criterion_main!(benches);
