//! Times `SentenceEmbedder`: single-query latency and batch throughput.
//!
//! ```text
//! cargo run --release --features embed --example embed_bench -- \
//!     --model models/all-MiniLM-L6-v2 --input texts.json [--json]
//! ```
//!
//! `--input` is a JSON object `{"queries": [..], "docs": [..]}`; without it the
//! SciFact queries and first 1,000 docs of ../shared/data are used. The model
//! directory comes from `--model`, else `TWOFOLD_MODEL`, else
//! `models/all-MiniLM-L6-v2`. With `--json` one JSON line is printed (used by
//! benches/compare/embed_vs_sentence_transformers.py).

#[path = "support/cli.rs"]
mod cli;

use std::path::PathBuf;
use std::time::Instant;

use clap::Parser;
use indicatif::{ProgressBar, ProgressStyle};
use twofold::embed::{Embedder, SentenceEmbedder};

#[derive(Parser)]
struct Args {
    /// sentence-transformers model directory [default: $TWOFOLD_MODEL, else models/all-MiniLM-L6-v2].
    #[arg(long)]
    model: Option<PathBuf>,
    /// JSON file `{"queries": [...], "docs": [...]}`.
    #[arg(long)]
    input: Option<PathBuf>,
    /// Texts per batch for the documents.
    #[arg(long, default_value_t = 32)]
    batch_size: usize,
    /// Untimed single-query calls before timing.
    #[arg(long, default_value_t = 20)]
    warmup: usize,
    /// Print one JSON line instead of a table.
    #[arg(long)]
    json: bool,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = cli::parse_args::<Args>();
    let (queries, docs) = load_texts(args.input.as_deref())?;
    let started = Instant::now();
    let model = args
        .model
        .clone()
        .or_else(|| std::env::var_os("TWOFOLD_MODEL").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("models/all-MiniLM-L6-v2"));
    let embedder = SentenceEmbedder::from_dir(&model)?;
    let load_s = started.elapsed().as_secs_f64();

    for q in queries.iter().cycle().take(args.warmup) {
        embedder.embed(q)?;
    }
    let mut latencies: Vec<f64> = Vec::with_capacity(queries.len());
    for q in &queries {
        let t = Instant::now();
        embedder.embed(q)?;
        latencies.push(t.elapsed().as_secs_f64() * 1e3);
    }
    latencies.sort_by(f64::total_cmp);
    let pct = |p: f64| {
        latencies
            .get(((latencies.len() as f64 - 1.0) * p).round() as usize)
            .copied()
            .unwrap_or(0.0)
    };

    let refs: Vec<&str> = docs.iter().map(String::as_str).collect();
    let bar = if args.json {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(refs.len() as u64)
    };
    bar.set_style(ProgressStyle::with_template(
        "{bar:40} {pos}/{len} docs {per_sec} eta {eta}",
    )?);
    let t = Instant::now();
    let vectors = embedder.embed_batch_with_progress(&refs, args.batch_size, &mut |done, _| {
        bar.set_position(done as u64)
    })?;
    let batch_s = t.elapsed().as_secs_f64();
    bar.finish_and_clear();
    assert_eq!(vectors.len(), refs.len());

    let report = serde_json::json!({
        "engine": "twofold",
        "fingerprint": embedder.fingerprint(),
        "load_s": load_s,
        "queries": latencies.len(),
        "single_p50_ms": pct(0.5),
        "single_p90_ms": pct(0.9),
        "single_p99_ms": pct(0.99),
        "single_mean_ms": latencies.iter().sum::<f64>() / latencies.len().max(1) as f64,
        "docs": refs.len(),
        "batch_size": args.batch_size,
        "batch_s": batch_s,
        "batch_docs_per_s": refs.len() as f64 / batch_s,
        "threads": rayon::current_num_threads(),
    });
    if args.json {
        println!("{report}");
    } else {
        println!("{}", serde_json::to_string_pretty(&report)?);
    }
    Ok(())
}

type Texts = (Vec<String>, Vec<String>);

fn load_texts(input: Option<&std::path::Path>) -> Result<Texts, Box<dyn std::error::Error>> {
    if let Some(path) = input {
        let value: serde_json::Value = serde_json::from_slice(&std::fs::read(path)?)?;
        let list = |key: &str| -> Vec<String> {
            value[key]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default()
        };
        return Ok((list("queries"), list("docs")));
    }
    let dir = std::env::var_os("TWOFOLD_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data")))
        .join("scifact");
    let lines = |file: &str| -> Result<Vec<serde_json::Value>, Box<dyn std::error::Error>> {
        let text = std::fs::read_to_string(dir.join(file))?;
        Ok(text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(serde_json::from_str)
            .collect::<Result<_, _>>()?)
    };
    let queries = lines("queries.jsonl")?
        .iter()
        .filter_map(|q| q["text"].as_str().map(str::to_string))
        .collect();
    let docs = lines("corpus.jsonl")?
        .iter()
        .take(1000)
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
    Ok((queries, docs))
}
