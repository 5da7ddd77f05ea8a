//! Tokenisation throughput on the SciFact corpus (title + text).
//!
//! Skips (prints a line) when the shared data directory is absent. Set
//! TWOFOLD_SHARED_DATA to point elsewhere.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use twofold::analysis::tokenize::word_runs;
use twofold::analysis::{Analyzer, AnalyzerConfig, AnalyzerKind};

fn data_dir() -> PathBuf {
    std::env::var_os("TWOFOLD_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data")))
}

fn scifact_docs() -> Option<Vec<String>> {
    let path = data_dir().join("scifact/corpus.jsonl");
    let text = std::fs::read_to_string(&path).ok()?;
    let docs = text
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .map(|doc| {
            let field = |k: &str| {
                doc.get(k)
                    .and_then(|v| v.as_str())
                    .unwrap_or("")
                    .to_string()
            };
            format!("{} {}", field("title"), field("text"))
        })
        .collect();
    Some(docs)
}

fn count_terms(analyzer: &Analyzer, docs: &[String]) -> usize {
    let mut n = 0usize;
    for doc in docs {
        analyzer.for_each_term(doc, &mut |t| n += t.len());
    }
    n
}

fn tokenize(c: &mut Criterion) {
    let Some(docs) = scifact_docs() else {
        println!(
            "analysis bench: SciFact corpus not found under {}; skipping",
            data_dir().display()
        );
        return;
    };
    let bytes: usize = docs.iter().map(String::len).sum();
    let mut group = c.benchmark_group("scifact");
    group.throughput(Throughput::Bytes(bytes as u64));

    group.bench_function("scanner_only", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for doc in &docs {
                word_runs(doc, &mut |t| n += t.len());
            }
            black_box(n)
        })
    });
    let regex = regex::Regex::new(r"(?u)\b\w\w+\b").unwrap_or_else(|e| panic!("{e}"));
    group.bench_function("regex_crate_baseline_not_python_exact", |b| {
        b.iter(|| {
            black_box(
                docs.iter()
                    .map(|d| regex.find_iter(d).map(|m| m.len()).sum::<usize>())
                    .sum::<usize>(),
            )
        })
    });
    let analyzers = [
        ("analyzer_default", AnalyzerConfig::default()),
        (
            "analyzer_ngram_1_2",
            AnalyzerConfig {
                ngram_range: (1, 2),
                ..AnalyzerConfig::default()
            },
        ),
        (
            "analyzer_pattern_word1_scanner",
            AnalyzerConfig {
                token_pattern: r"(?u)\b\w+\b".into(),
                ..AnalyzerConfig::default()
            },
        ),
        (
            "analyzer_pattern_delegated_regex",
            AnalyzerConfig {
                token_pattern: r"[\w']+".into(),
                ..AnalyzerConfig::default()
            },
        ),
        (
            "analyzer_pattern_lookaround_vm",
            AnalyzerConfig {
                token_pattern: r"\b\w{2,}\b".into(),
                ..AnalyzerConfig::default()
            },
        ),
        (
            "analyzer_char_wb_3_5",
            AnalyzerConfig {
                analyzer: AnalyzerKind::CharWb,
                ngram_range: (3, 5),
                ..AnalyzerConfig::default()
            },
        ),
    ];
    for (name, config) in analyzers {
        let analyzer = Analyzer::new(config).unwrap_or_else(|e| panic!("{e}"));
        group.bench_function(name, |b| {
            b.iter(|| black_box(count_terms(&analyzer, &docs)))
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10).measurement_time(Duration::from_secs(3));
    targets = tokenize
}
criterion_main!(benches);
