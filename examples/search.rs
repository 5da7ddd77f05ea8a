//! Searches a snapshot written by `build_index`: ranked hits, optionally explained.
//!
//! ```text
//! cargo run --release --example search -- --index faq.twofold \
//!     --query "How do I transfer a prescription from another pharmacy?" --k 5 --explain
//! # one query per line, filtered, as JSON (last stdout line: a JSON array)
//! cargo run --release --example search -- --index faq.twofold --queries questions.txt \
//!     --filter category=billing --json
//! # hybrid search: a query vector, or the model the index was built with
//! cargo run --release --example search -- --index corpus.twofold --query "..." --vector "[0.1, ...]"
//! cargo run --release --features embed --example search -- --index faq.twofold \
//!     --model models/all-MiniLM-L6-v2 --query "can I get my medicine delivered?"
//! ```
//!
//! Prints, per query, the mode that actually ran (default: hybrid when the
//! index has vectors and there is a query vector or model, else sparse, with a
//! note saying why), then one line per hit: rank, id, score, title (cut to 60
//! characters). `--explain` adds each hit's side scores (raw, normalised,
//! rank), the fusion weights, the matched terms with their contributions and
//! the query's highest-idf terms the document lacks. With `--json` the last
//! stdout line is one JSON object (`--query`) or an array of them
//! (`--queries`): `{"query","mode","score_kind","notes","hits":[{"rank","id",
//! "score","sparse_score","dense_score","title","explanation"?}]}`.
//! Bad input prints one `error: ...` line and exits with code 1.

#[path = "support/mod.rs"]
mod support;

use std::path::PathBuf;

use clap::{ArgGroup, Parser, ValueEnum};
use serde_json::{json, Value};
use twofold::index::{Filter, Index};
use twofold::query::{Explanation, Hit, Mode, SearchRequest, SearchResults, SideScore};
use twofold::{Error, Result};

#[derive(Clone, Copy, Debug, PartialEq, ValueEnum)]
enum ModeArg {
    /// TF-IDF cosine only.
    Sparse,
    /// Dense similarity only (needs --vector or --model).
    Dense,
    /// Both sides, fused.
    Hybrid,
}

#[derive(Parser, Debug)]
// Values such as `--threshold -0.5` are values, not unknown flags.
#[command(allow_negative_numbers = true)]
#[command(about = "Search a twofold snapshot: ranked hits, optionally explained")]
#[command(group(ArgGroup::new("input").required(true).args(["query", "queries"])))]
struct Args {
    /// Snapshot file written by build_index.
    #[arg(long)]
    index: PathBuf,
    /// The query text.
    #[arg(long)]
    query: Option<String>,
    /// A file of queries, one per line (blank lines skipped).
    #[arg(long)]
    queries: Option<PathBuf>,
    /// Query vector as a JSON array of numbers (with --query only).
    #[arg(long, conflicts_with_all = ["queries", "model"])]
    vector: Option<String>,
    /// Sentence-transformers model directory that embeds the query text (the
    /// one the index was built with); needs a build with `--features embed`.
    /// Default: the `TWOFOLD_MODEL` environment variable, if set.
    #[arg(long)]
    model: Option<PathBuf>,
    /// Number of hits per query.
    #[arg(long, default_value_t = 10)]
    k: usize,
    /// Search mode. Default: hybrid when the index has vectors and there is a
    /// query vector or model, otherwise sparse (the output says which ran and why).
    #[arg(long, value_enum)]
    mode: Option<ModeArg>,
    /// Only documents whose metadata FIELD equals VALUE (or has it as a tag);
    /// repeat to require several.
    #[arg(long = "filter", value_name = "FIELD=VALUE")]
    filters: Vec<String>,
    /// Explain every hit: side scores, matched and missing terms.
    #[arg(long)]
    explain: bool,
    /// Print the results as JSON on the last stdout line.
    #[arg(long)]
    json: bool,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
}

fn main() -> std::process::ExitCode {
    let args: Args = support::parse_args();
    support::run(|| search(&args))
}

fn search(args: &Args) -> Result<()> {
    let filter = support::parse_filters(&args.filters)?;
    let vector = args.vector.as_deref().map(parse_vector).transpose()?;
    let index = load_index(args)?;
    let queries = queries(args)?;
    let bar = support::progress_bar(
        queries.len() as u64,
        "searching",
        args.quiet || queries.len() < 2,
    );
    let mut answers = Vec::with_capacity(queries.len());
    for query in &queries {
        let request = request(args, query, vector.clone(), filter.clone());
        let mut results = index.search(&request)?;
        results.notes.extend(hybrid_hint(&index, args, &results));
        bar.inc(1);
        answers.push(answer_json(&index, query, &results));
        print_results(&index, query, &results, args.explain);
    }
    bar.finish_and_clear();
    if args.json {
        let out = match (&args.query, answers.len()) {
            (Some(_), 1) => answers.swap_remove(0),
            _ => Value::Array(answers),
        };
        println!("{out}");
    }
    Ok(())
}

fn load_index(args: &Args) -> Result<Index> {
    match support::model::model_dir(args.model.as_deref()) {
        Some(dir) => Index::load_with_embedder(&args.index, support::model::load(&dir)?),
        None => Index::load(&args.index),
    }
}

fn parse_vector(text: &str) -> Result<Vec<f32>> {
    serde_json::from_str::<Vec<f32>>(text)
        .map_err(|e| support::bad_input(format!("--vector: expected a JSON array of numbers: {e}")))
}

fn queries(args: &Args) -> Result<Vec<String>> {
    if let Some(query) = &args.query {
        return Ok(vec![query.clone()]);
    }
    let Some(path) = &args.queries else {
        return Err(support::bad_input("give --query or --queries"));
    };
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let queries: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    if queries.is_empty() {
        return Err(support::bad_input(format!(
            "{}: no queries",
            path.display()
        )));
    }
    Ok(queries)
}

fn request(
    args: &Args,
    query: &str,
    vector: Option<Vec<f32>>,
    filter: Option<Filter>,
) -> SearchRequest {
    let mut request = SearchRequest::text(query).k(args.k).explain(args.explain);
    if let Some(vector) = vector {
        request = request.with_vector(vector);
    }
    if let Some(filter) = filter {
        request = request.filter(filter);
    }
    if let Some(mode) = args.mode {
        request = request.mode(match mode {
            ModeArg::Sparse => Mode::Sparse,
            ModeArg::Dense => Mode::Dense,
            ModeArg::Hybrid => Mode::Hybrid,
        });
    }
    request
}

/// Says how to get hybrid search when the index has vectors but the query ran sparse.
fn hybrid_hint(index: &Index, args: &Args, results: &SearchResults) -> Option<String> {
    let unasked = args.mode.is_none() || args.mode == Some(ModeArg::Hybrid);
    (unasked && results.mode_used == Mode::Sparse && index.n_vectors() > 0).then(|| {
        format!(
            "the index has {} vectors; give --vector or --model (the model it was built with) for hybrid search",
            index.n_vectors()
        )
    })
}

fn mode_name(mode: Mode) -> &'static str {
    match mode {
        Mode::Sparse => "sparse",
        Mode::Dense => "dense",
        Mode::Hybrid => "hybrid",
    }
}

// ---------------------------------------------------------------- text output

fn print_results(index: &Index, query: &str, results: &SearchResults, explain: bool) {
    println!(
        "query {:?}: mode {}, scores {:?}, {} hits",
        support::truncate(query, 80),
        mode_name(results.mode_used),
        results.score_kind,
        results.hits.len()
    );
    for note in &results.notes {
        println!("  note: {note}");
    }
    for (rank, hit) in results.hits.iter().enumerate() {
        println!(
            "{:>4}  {:<16} {:>8.4}  {}",
            rank + 1,
            support::key_text(&hit.key),
            hit.score,
            support::short_title(index, &hit.key, 60)
        );
        if let (true, Some(explanation)) = (explain, &hit.explanation) {
            print_explanation(explanation);
        }
    }
}

fn print_explanation(e: &Explanation) {
    let side = |name: &str, s: &Option<SideScore>| {
        s.as_ref().map(|s| {
            let raw = s.raw.map_or_else(|| "-".to_string(), |r| format!("{r:.4}"));
            format!(
                "{name} {raw} (normalised {:.4}, rank {})",
                s.normalized, s.rank
            )
        })
    };
    let mut parts: Vec<String> = [side("sparse", &e.sparse), side("dense", &e.dense)]
        .into_iter()
        .flatten()
        .collect();
    if let Some((s, d)) = e.weights {
        parts.push(format!("weights sparse {s:.2} dense {d:.2}"));
    }
    println!("        {}", parts.join("; "));
    if !e.matched_terms.is_empty() {
        let terms: Vec<String> = e
            .matched_terms
            .iter()
            .map(|t| format!("{} {:.4}", t.term, t.contribution))
            .collect();
        println!("        matched: {}", terms.join(", "));
    }
    if !e.missing_terms.is_empty() {
        let terms: Vec<String> = e
            .missing_terms
            .iter()
            .map(|(t, idf)| format!("{t} (idf {idf:.2})"))
            .collect();
        println!("        missing: {}", terms.join(", "));
    }
    for note in &e.notes {
        println!("        note: {note}");
    }
}

// ---------------------------------------------------------------- JSON output

fn answer_json(index: &Index, query: &str, results: &SearchResults) -> Value {
    let hits: Vec<Value> = results
        .hits
        .iter()
        .enumerate()
        .map(|(rank, hit)| hit_json(index, rank + 1, hit))
        .collect();
    json!({
        "query": query,
        "mode": mode_name(results.mode_used),
        "score_kind": format!("{:?}", results.score_kind),
        "notes": results.notes,
        "hits": hits,
    })
}

fn hit_json(index: &Index, rank: usize, hit: &Hit) -> Value {
    let mut value = json!({
        "rank": rank,
        "id": support::key_text(&hit.key),
        "score": hit.score,
        "sparse_score": hit.sparse_score,
        "dense_score": hit.dense_score,
        "title": index.get(&hit.key).map(|d| d.title).unwrap_or_default(),
    });
    if let (Some(e), Some(map)) = (&hit.explanation, value.as_object_mut()) {
        map.insert("explanation".into(), explanation_json(e));
    }
    value
}

fn explanation_json(e: &Explanation) -> Value {
    let side = |s: &Option<SideScore>| {
        s.as_ref()
            .map(|s| json!({"raw": s.raw, "normalized": s.normalized, "rank": s.rank}))
    };
    json!({
        "sparse": side(&e.sparse),
        "dense": side(&e.dense),
        "weights": e.weights.map(|(s, d)| json!({"sparse": s, "dense": d})),
        "fused": e.fused,
        "matched_terms": e.matched_terms.iter().map(|t| json!({
            "term": t.term,
            "query_weight": t.query_weight,
            "doc_weight": t.doc_weight,
            "contribution": t.contribution,
        })).collect::<Vec<_>>(),
        "missing_terms": e.missing_terms.iter()
            .map(|(t, idf)| json!({"term": t, "idf": idf}))
            .collect::<Vec<_>>(),
        "notes": e.notes,
    })
}
