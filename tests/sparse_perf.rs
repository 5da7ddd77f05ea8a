//! Quick latency table for the sparse strategies, interleaved to share machine noise.
//! `cargo test --release --test sparse_perf -- --ignored --nocapture`
//! (criterion numbers: `cargo bench --bench sparse`).

mod sparse_util;

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
