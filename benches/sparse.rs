//! Top-10 latency of the inverted index: exhaustive term-at-a-time against MaxScore, on
//! SciFact (skipped when the shared data is absent) and on a synthetic Zipfian corpus of
//! 60,000 documents. One iteration runs every query, so time / queries = latency per query.
//! Also: exact single-document scoring (forward rows against posting binary search), and
//! build/rebuild time.
//!
//! `cargo bench --bench sparse`; quick check: `cargo bench --bench sparse -- --test`.

#[path = "../tests/sparse_util/mod.rs"]
mod sparse_util;

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use sparse_util::Corpus;
use twofold::sparse::{brute_force_top_k, InvertedIndex, SearchScratch, TopKStrategy};

fn corpora() -> Vec<Corpus> {
    let mut corpora = Vec::new();
    if let Some(scifact) = sparse_util::beir("scifact", 1000) {
        corpora.push(scifact);
    }
    corpora.push(sparse_util::zipf(60_000, 100_000, 1000, 7));
    corpora
}

/// Runs every query; returns the number of hits so the result is checked and used.
fn run_all(
    index: &InvertedIndex,
    scratch: &mut SearchScratch,
    strategy: TopKStrategy,
    corpus: &Corpus,
) -> usize {
    corpus
        .queries
        .iter()
        .map(|q| {
            index
                .search_with(scratch, strategy, black_box(q), 10, None)
                .map_or(0, |hits| hits.len())
        })
        .sum()
}

fn top10(c: &mut Criterion) {
    for corpus in corpora() {
        let index = InvertedIndex::from_csr(&corpus.matrix).expect("valid matrix");
        let mut scratch = SearchScratch::new();
        // Every strategy must return the brute-force hit count (criterion checks nothing).
        let expected: usize = corpus
            .queries
            .iter()
            .map(|q| brute_force_top_k(&corpus.matrix, q, 10, None).map_or(0, |h| h.len()))
            .sum();
        let mut group = c.benchmark_group(format!("top10/{}", corpus.name));
        group.throughput(Throughput::Elements(corpus.queries.len() as u64));
        for strategy in [
            TopKStrategy::Exhaustive,
            TopKStrategy::MaxScore,
            TopKStrategy::Auto,
        ] {
            assert_eq!(run_all(&index, &mut scratch, strategy, &corpus), expected);
            group.bench_with_input(
                BenchmarkId::from_parameter(format!("{strategy:?}")),
                &strategy,
                |b, &strategy| b.iter(|| run_all(&index, &mut scratch, strategy, &corpus)),
            );
        }
        group.finish();
    }
}

fn exact_score(c: &mut Criterion) {
    for corpus in corpora() {
        let index = InvertedIndex::from_csr(&corpus.matrix).expect("valid matrix");
        // 100 candidates per query, as the hybrid layer rescoring would ask.
        let docs: Vec<u32> = (0..100).map(|i| (i * 37 % index.len()) as u32).collect();
        let queries = &corpus.queries[..100.min(corpus.queries.len())];
        let mut group = c.benchmark_group(format!("score100/{}", corpus.name));
        group.throughput(Throughput::Elements(queries.len() as u64));
        group.bench_function("forward", |b| {
            b.iter(|| {
                queries
                    .iter()
                    .map(|q| index.score_many(q, &docs).map_or(0.0, |s| s.iter().sum()))
                    .sum::<f64>()
            })
        });
        group.bench_function("postings", |b| {
            b.iter(|| {
                queries
                    .iter()
                    .map(|q| {
                        docs.iter()
                            .map(|&d| index.score_from_postings(q, d).unwrap_or(0.0))
                            .sum::<f64>()
                    })
                    .sum::<f64>()
            })
        });
        group.finish();
    }
}

fn build(c: &mut Criterion) {
    for corpus in corpora() {
        let mut group = c.benchmark_group(format!("build/{}", corpus.name));
        group.bench_function("from_csr", |b| {
            b.iter(|| InvertedIndex::from_csr(black_box(&corpus.matrix)).map_or(0, |i| i.nnz()))
        });
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10).measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_secs(1));
    targets = top10, exact_score, build
}
criterion_main!(benches);
