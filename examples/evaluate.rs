//! Retrieval quality and latency of every search mode on a BEIR directory.
//!
//! ```text
//! cargo run --release --example evaluate -- --data DIR [--params PARAMS.json] [--json] [--snapshot FILE]
//! cargo run --release --features embed --example evaluate -- --data DIR --model MODEL_DIR [--json]
//! ```
//!
//! Loads `corpus.jsonl`, `queries.jsonl`, `qrels.tsv` and, when both exist,
//! `corpus.emb.npy` / `queries.emb.npy` (float32 or float64, row-aligned with the JSONL
//! files). Runs sparse, dense and each hybrid fusion (`hybrid_rrf` = RRF k=60,
//! `hybrid_linear` = min-max α=0.7, `hybrid_dbsf` = DBSF α=0.7,
//! `hybrid_default` = the adaptive default) and prints nDCG@10, Recall@100,
//! MRR@10 and per-query latency percentiles. Hybrid runs take the top 100 of
//! each side as candidates. Without embeddings only sparse runs (and it says so).
//! `--params` is a TfidfParams JSON file (scikit-learn names) for the sparse side.
//! With `--json` the last stdout line is one JSON object keyed by mode.
//! `--snapshot FILE` loads the index from FILE when it exists (`load_s` in the
//! JSON; `--params` is then ignored, the snapshot carries its configuration),
//! otherwise builds it and saves it there (`build_s`, `save_s`).
//! `--model DIR` (or env `TWOFOLD_MODEL`; needs `--features embed`) computes the
//! corpus (`title + " " + text`) and query vectors in-process with that
//! sentence-transformers model instead of reading the `.npy` files (`embed_s`
//! in the JSON), so dense and hybrid scores can be reproduced without Python.
//! Bad input prints one `error: ...` line and exits non-zero.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

#[path = "support/mod.rs"]
mod support;

use clap::Parser;
use support::key_text;
use support::npy::{read_matrix, Matrix};
use twofold::eval::{mrr_at_k, ndcg_at_k, percentile, recall_at_k, BeirDataset};
use twofold::index::{Document, Index, IndexConfig};
use twofold::query::{Fusion, Mode, SearchRequest};
use twofold::tfidf::TfidfParams;
use twofold::{Error, Result};

#[derive(Parser, Debug)]
// Values such as `--threshold -0.5` are values, not unknown flags.
#[command(allow_negative_numbers = true)]
#[command(about = "Evaluate sparse, dense and hybrid retrieval on a BEIR directory")]
struct Args {
    /// BEIR directory (corpus.jsonl, queries.jsonl, qrels.tsv, optional *.emb.npy).
    #[arg(long)]
    data: PathBuf,
    /// JSON file of TfidfParams (scikit-learn names) for the sparse side.
    #[arg(long)]
    params: Option<PathBuf>,
    /// Print one JSON object as the last stdout line.
    #[arg(long)]
    json: bool,
    /// Index snapshot: loaded instead of building when it exists; otherwise
    /// the built index is saved there.
    #[arg(long)]
    snapshot: Option<PathBuf>,
    /// sentence-transformers model directory (needs `--features embed`; also env
    /// TWOFOLD_MODEL): embed corpus and queries in-process instead of reading *.emb.npy.
    #[arg(long)]
    model: Option<PathBuf>,
}

/// Row `i` of `m` as an owned vector, `None` past the end.
fn row_of(m: &Matrix, i: usize) -> Option<Vec<f32>> {
    m.data.get(i * m.dim..(i + 1) * m.dim).map(<[f32]>::to_vec)
}

/// Both embedding files, checked against the corpus and queries, or `None` when absent.
fn read_embeddings(dir: &Path, data: &BeirDataset) -> Result<Option<(Matrix, Matrix)>> {
    let (c, q) = (dir.join("corpus.emb.npy"), dir.join("queries.emb.npy"));
    if !c.exists() || !q.exists() {
        return Ok(None);
    }
    let (corpus, queries) = (read_matrix(&c)?, read_matrix(&q)?);
    if corpus.rows != data.corpus.len()
        || queries.rows != data.queries.len()
        || corpus.dim != queries.dim
    {
        return Err(Error::InvalidInput(format!(
            "embeddings do not match the data: corpus {}x{} for {} documents, queries {}x{} for {} queries",
            corpus.rows,
            corpus.dim,
            data.corpus.len(),
            queries.rows,
            queries.dim,
            data.queries.len()
        )));
    }
    Ok(Some((corpus, queries)))
}

/// Corpus and query vectors computed in-process by the model in `dir`.
#[cfg(feature = "embed")]
fn embed_with_model(dir: &Path, data: &BeirDataset) -> Result<(Matrix, Matrix)> {
    let embedder = twofold::embed::SentenceEmbedder::from_dir(dir)?;
    let corpus: Vec<String> = data
        .corpus
        .iter()
        .map(|d| format!("{} {}", d.title, d.text).trim().to_string())
        .collect();
    let corpus: Vec<&str> = corpus.iter().map(String::as_str).collect();
    let queries: Vec<&str> = data.queries.iter().map(|q| q.text.as_str()).collect();
    Ok((
        embed_texts(&embedder, "corpus", &corpus)?,
        embed_texts(&embedder, "queries", &queries)?,
    ))
}

/// Embeds `texts` in batches with a progress bar on stderr.
#[cfg(feature = "embed")]
fn embed_texts(
    embedder: &twofold::embed::SentenceEmbedder,
    label: &str,
    texts: &[&str],
) -> Result<Matrix> {
    use twofold::embed::Embedder;
    let bar = indicatif::ProgressBar::new(texts.len() as u64).with_message(label.to_string());
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{msg:>8} {wide_bar} {pos}/{len} {per_sec} eta {eta}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let vectors = embedder.embed_batch_with_progress(
        texts,
        twofold::embed::DEFAULT_BATCH_SIZE,
        &mut |done, _| bar.set_position(done as u64),
    )?;
    bar.finish_and_clear();
    let dim = embedder.dim();
    Ok(Matrix {
        rows: vectors.len(),
        dim,
        data: vectors.concat(),
    })
}

#[cfg(not(feature = "embed"))]
fn embed_with_model(_dir: &Path, _data: &BeirDataset) -> Result<(Matrix, Matrix)> {
    Err(Error::InvalidInput(
        "--model needs the embed feature: cargo run --release --features embed --example evaluate -- ..."
            .to_string(),
    ))
}

fn read_params(path: Option<&Path>) -> Result<TfidfParams> {
    match path {
        None => Ok(IndexConfig::default_tfidf()),
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
            TfidfParams::from_json(&text)
        }
    }
}

/// Metrics of one mode.
#[derive(Default)]
struct Tally {
    ndcg: Vec<f64>,
    recall: Vec<f64>,
    mrr: Vec<f64>,
    micros: Vec<f64>,
}

impl Tally {
    fn json(&self) -> serde_json::Value {
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
        serde_json::json!({
            "ndcg@10": mean(&self.ndcg),
            "recall@100": mean(&self.recall),
            "mrr@10": mean(&self.mrr),
            "p50_us": percentile(&self.micros, 50.0),
            "p95_us": percentile(&self.micros, 95.0),
            "p99_us": percentile(&self.micros, 99.0),
            "mean_us": mean(&self.micros),
            "queries": self.ndcg.len(),
        })
    }
}

/// The modes to run, as (name, request template); text and vector are filled per query.
fn modes(dense: bool) -> Vec<(&'static str, Option<Mode>, Fusion)> {
    let mut modes = vec![("sparse", Some(Mode::Sparse), Fusion::default())];
    if dense {
        modes.extend([
            ("dense", Some(Mode::Dense), Fusion::default()),
            ("hybrid_rrf", Some(Mode::Hybrid), Fusion::rrf()),
            ("hybrid_linear", Some(Mode::Hybrid), Fusion::linear(0.7)),
            ("hybrid_dbsf", Some(Mode::Hybrid), Fusion::dbsf(0.7)),
            ("hybrid_default", Some(Mode::Hybrid), Fusion::default()),
        ]);
    }
    modes
}

fn run(args: Args) -> Result<()> {
    let data = BeirDataset::load(&args.data)?;
    let dangling = data.dangling().describe();
    // Either would print a table (and JSON) of zeros or without modes.
    if data.corpus.is_empty() {
        return Err(Error::InvalidInput(format!(
            "{}: no document to index",
            args.data.join("corpus.jsonl").display()
        )));
    }
    if data.judged_queries().next().is_none() {
        return Err(Error::InvalidInput(format!(
            "{}: no query of queries.jsonl has a judgement: nothing to evaluate{}",
            twofold::eval::qrels_path(&args.data).display(),
            dangling.map(|d| format!(" ({d})")).unwrap_or_default()
        )));
    }
    if let Some(line) = dangling {
        eprintln!("warning: {line}");
    }
    let params = read_params(args.params.as_deref())?;
    let model = args
        .model
        .clone()
        .or_else(|| std::env::var_os("TWOFOLD_MODEL").map(PathBuf::from));
    let mut embed_timing = Vec::new();
    let embeddings = match &model {
        Some(dir) => {
            let started = Instant::now();
            let computed = embed_with_model(dir, &data)?;
            let embed_s = started.elapsed().as_secs_f64();
            println!(
                "embedded {} documents and {} queries with {} in {embed_s:.1}s",
                data.corpus.len(),
                data.queries.len(),
                dir.display()
            );
            embed_timing.push(("embed_s", embed_s));
            Some(computed)
        }
        None => read_embeddings(&args.data, &data)?,
    };
    if embeddings.is_none() {
        println!(
            "no corpus.emb.npy/queries.emb.npy in {}: sparse only",
            args.data.display()
        );
    }
    let (index, timings) = match &args.snapshot {
        Some(path) if path.exists() => {
            let started = Instant::now();
            let index = Index::load(path)?;
            let load_s = started.elapsed().as_secs_f64();
            println!("loaded {} in {load_s:.3}s", path.display());
            (index, vec![("load_s", load_s)])
        }
        _ => build_and_save(&data, params, embeddings.as_ref(), args.snapshot.as_deref())?,
    };
    let timings: Vec<(&str, f64)> = embed_timing.into_iter().chain(timings).collect();
    println!(
        "index: {} documents ({} terms, {} vectors)",
        index.len(),
        index.n_terms(),
        index.n_vectors(),
    );
    let mut results: BTreeMap<&str, Tally> = BTreeMap::new();
    for (row, query) in data.judged_queries() {
        let Some(judgements) = data.qrels.get(&query.id) else {
            continue;
        };
        let vector = embeddings.as_ref().and_then(|(_, q)| row_of(q, row));
        for (name, mode, fusion) in modes(vector.is_some()) {
            let mut request = SearchRequest::text(query.text.as_str())
                .k(100)
                .candidates(100)
                .fusion(fusion);
            if let Some(mode) = mode {
                request = request.mode(mode);
            }
            if let Some(v) = &vector {
                request = request.with_vector(v.clone());
            }
            let t = Instant::now();
            let found = index.search(&request)?;
            let micros = t.elapsed().as_secs_f64() * 1e6;
            let ranked: Vec<String> = found.hits.iter().map(|h| key_text(&h.key)).collect();
            let ranked: Vec<&str> = ranked.iter().map(String::as_str).collect();
            let tally = results.entry(name).or_default();
            tally.ndcg.push(ndcg_at_k(&ranked, judgements, 10));
            tally.recall.push(recall_at_k(&ranked, judgements, 100));
            tally.mrr.push(mrr_at_k(&ranked, judgements, 10));
            tally.micros.push(micros);
        }
    }
    print_table(&results);
    if args.json {
        let mut object: serde_json::Map<String, serde_json::Value> = results
            .iter()
            .map(|(k, t)| (k.to_string(), t.json()))
            .collect();
        for (name, seconds) in timings {
            object.insert(name.to_string(), serde_json::json!(seconds));
        }
        println!("{}", serde_json::Value::Object(object));
    }
    Ok(())
}

/// Builds the index; saves it to `snapshot` when given. Returns the index and
/// the timings (`build_s`, and `save_s` when saved).
fn build_and_save(
    data: &BeirDataset,
    params: TfidfParams,
    embeddings: Option<&(Matrix, Matrix)>,
    snapshot: Option<&Path>,
) -> Result<(Index, Vec<(&'static str, f64)>)> {
    let docs: Vec<Document> = data
        .corpus
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let doc = Document::new(d.id.as_str()).title(&d.title).body(&d.text);
            match embeddings.and_then(|(c, _)| row_of(c, i)) {
                Some(v) => doc.vector(v),
                None => doc,
            }
        })
        .collect();
    let config = IndexConfig {
        tfidf: params,
        ..IndexConfig::default()
    };
    let started = Instant::now();
    let index = Index::builder().config(config).build(docs)?;
    let build_s = started.elapsed().as_secs_f64();
    println!("built the index in {build_s:.2}s");
    let mut timings = vec![("build_s", build_s)];
    if let Some(path) = snapshot {
        let started = Instant::now();
        let info = index.save(path)?;
        let save_s = started.elapsed().as_secs_f64();
        println!(
            "saved {} ({} bytes) in {save_s:.3}s",
            path.display(),
            info.file_len()
        );
        timings.push(("save_s", save_s));
    }
    Ok((index, timings))
}

fn print_table(results: &BTreeMap<&str, Tally>) {
    println!(
        "{:<16} {:>8} {:>10} {:>8} {:>9} {:>9} {:>9}",
        "mode", "nDCG@10", "Recall@100", "MRR@10", "p50 µs", "p95 µs", "p99 µs"
    );
    for (name, t) in results {
        let j = t.json();
        let f = |k: &str| j.get(k).and_then(serde_json::Value::as_f64).unwrap_or(0.0);
        println!(
            "{:<16} {:>8.4} {:>10.4} {:>8.4} {:>9.0} {:>9.0} {:>9.0}",
            name,
            f("ndcg@10"),
            f("recall@100"),
            f("mrr@10"),
            f("p50_us"),
            f("p95_us"),
            f("p99_us")
        );
    }
}

fn main() {
    if let Err(err) = run(support::parse_args()) {
        eprintln!("error: {err}");
        std::process::exit(1);
    }
}
