//! Quick latency table for the sparse strategies, interleaved to share machine noise.
//! `cargo test --release --test suite -- --ignored --nocapture sparse_perf::`
//! (criterion numbers: `cargo bench --bench sparse`).

use crate::sparse_util;

use std::time::Instant;

use twofold::sparse::{InvertedIndex, SearchScratch, TopKStrategy};

fn micros_per_query(
    index: &InvertedIndex,
    strategy: TopKStrategy,
    corpus: &sparse_util::Corpus,
    k: usize,
) -> (f64, usize) {
    let mut scratch = SearchScratch::new();
    let start = Instant::now();
    let hits: usize = corpus
        .queries
        .iter()
        .map(|q| {
            index
                .search_with(&mut scratch, strategy, q, k, None)
                .map_or(0, |h| h.len())
        })
        .sum();
    (
        start.elapsed().as_secs_f64() * 1e6 / corpus.queries.len() as f64,
        hits,
    )
}

#[test]
#[ignore = "timing report, run in release by hand"]
fn strategy_latency_report() {
    let mut corpora = Vec::new();
    corpora.extend(sparse_util::beir("scifact", 1000));
    corpora.extend(sparse_util::beir("medquad-liveqa", 1000));
    corpora.push(sparse_util::zipf(60_000, 100_000, 1000, 7));
    for corpus in &corpora {
        let start = Instant::now();
        let index = InvertedIndex::from_csr(&corpus.matrix).unwrap();
        let build = start.elapsed();
        let postings: f64 = corpus
            .queries
            .iter()
            .map(|q| {
                q.indices()
                    .iter()
                    .map(|&t| index.posting_len(t))
                    .sum::<usize>() as f64
            })
            .sum::<f64>()
            / corpus.queries.len() as f64;
        println!(
            "{}: {} docs, {} terms, {} nnz, build {:.1} ms, mean postings/query {:.0}",
            corpus.name,
            index.len(),
            index.n_terms(),
            index.nnz(),
            build.as_secs_f64() * 1e3,
            postings
        );
        for k in [10, 100] {
            let mut best = [f64::MAX; 3];
            let mut counts = [0; 3];
            for _round in 0..5 {
                for (i, s) in [
                    TopKStrategy::Exhaustive,
                    TopKStrategy::MaxScore,
                    TopKStrategy::Auto,
                ]
                .into_iter()
                .enumerate()
                {
                    let (us, hits) = micros_per_query(&index, s, corpus, k);
                    best[i] = best[i].min(us);
                    counts[i] = hits;
                }
            }
            assert!(counts.iter().all(|&c| c == counts[0]), "{counts:?}");
            println!(
                "  k={k}: exhaustive {:.1} µs/q, maxscore {:.1} µs/q, auto {:.1} µs/q",
                best[0], best[1], best[2]
            );
        }
    }
}

/// Exact scoring of 100 candidates per query (what hybrid rescoring asks), forward rows
/// against posting binary search; and a full re-weighting pass (scale every column, re-l2
/// normalise, rebuild).
#[test]
#[ignore = "timing report, run in release by hand"]
fn scoring_and_rebuild_report() {
    let mut corpora = Vec::new();
    corpora.extend(sparse_util::beir("scifact", 100));
    corpora.push(sparse_util::zipf(60_000, 100_000, 100, 7));
    for corpus in &corpora {
        let mut index = InvertedIndex::from_csr(&corpus.matrix).unwrap();
        let docs: Vec<u32> = (0..100).map(|i| (i * 37 % index.len()) as u32).collect();
        let mut best = [f64::MAX; 2];
        for _round in 0..5 {
            let start = Instant::now();
            let a: f64 = corpus
                .queries
                .iter()
                .map(|q| index.score_many(q, &docs).unwrap().iter().sum::<f64>())
                .sum();
            best[0] =
                best[0].min(start.elapsed().as_secs_f64() * 1e6 / corpus.queries.len() as f64);
            let start = Instant::now();
            let b: f64 = corpus
                .queries
                .iter()
                .map(|q| {
                    docs.iter()
                        .map(|&d| index.score_from_postings(q, d).unwrap())
                        .sum::<f64>()
                })
                .sum();
            best[1] =
                best[1].min(start.elapsed().as_secs_f64() * 1e6 / corpus.queries.len() as f64);
            assert_eq!(a.to_bits(), b.to_bits());
        }
        println!(
            "{}: score 100 docs/query: forward {:.1} µs, postings {:.1} µs",
            corpus.name, best[0], best[1]
        );
        // Re-weighting after an idf change: scale columns, re-normalise rows, rebuild.
        let factors: Vec<f64> = (0..index.n_terms())
            .map(|t| 1.0 + (t % 7) as f64 / 10.0)
            .collect();
        let start = Instant::now();
        let mut csr = index.to_csr().unwrap();
        for mut row in csr.outer_iterator_mut() {
            let scaled: Vec<f64> = row.iter().map(|(t, &v)| v * factors[t]).collect();
            let norm = scaled.iter().map(|v| v * v).sum::<f64>().sqrt();
            let mut values = scaled.into_iter();
            row.map_inplace(|_| values.next().unwrap_or(0.0) / norm);
        }
        let reweighted = start.elapsed();
        let start = Instant::now();
        index.rebuild(&csr).unwrap();
        let rebuilt = start.elapsed();
        let start = Instant::now();
        let csc = csr.to_csc();
        println!(
            "  re-weight CSR {:.1} ms + rebuild {:.1} ms ({} nnz); sprs to_csc alone {:.1} ms ({})",
            reweighted.as_secs_f64() * 1e3,
            rebuilt.as_secs_f64() * 1e3,
            index.nnz(),
            start.elapsed().as_secs_f64() * 1e3,
            csc.nnz()
        );
    }
}
