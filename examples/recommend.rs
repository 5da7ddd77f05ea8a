//! Recommends documents like given ones from a snapshot written by `build_index`.
//!
//! ```text
//! # more like one document (never returns the document itself)
//! cargo run --release --example recommend -- --index faq.twofold --id faq-003 --k 5
//! # like several documents and unlike another, diversified with MMR, as JSON
//! cargo run --release --example recommend -- --index faq.twofold --id faq-003 --id faq-004 \
//!     --negative faq-045 --diversity 0.7 --json
//! ```
//!
//! One `--id` without `--negative` runs `Index::more_like_this` (the
//! document's most informative terms plus its vector); several ids or any
//! `--negative` run `Index::recommend` with the chosen `--strategy`. Both sides
//! (TF-IDF and vectors, when the index has them) are fused; the examples are
//! never returned. Prints one line per item (rank, id, score, title) and its
//! top shared terms; with `--json` the last stdout line is one JSON object
//! `{"positive","negative","score_kind","notes","items":[{"rank","id","score",
//! "sparse_score","dense_score","title","shared_terms"}]}`.
//! An unknown id prints one `error: ...` line naming it and exits with code 1.

#[path = "support/mod.rs"]
mod support;

use std::path::PathBuf;

use clap::{Parser, ValueEnum};
use serde_json::{json, Value};
use twofold::ids::DocKey;
use twofold::index::Index;
use twofold::recommend::{
    MoreLikeThis, RecommendOptions, RecommendRequest, Recommendations, Strategy,
};
use twofold::Result;

#[derive(Clone, Copy, Debug, PartialEq, ValueEnum)]
enum StrategyArg {
    /// One query per side: avg(positive) + (avg(positive) - avg(negative)).
    Average,
    /// Per candidate: best similarity to a positive, pushed down when a negative is closer.
    BestScore,
}

#[derive(Parser, Debug)]
// Values such as `--threshold -0.5` are values, not unknown flags.
#[command(allow_negative_numbers = true)]
#[command(about = "Recommend documents like given ones from a twofold snapshot")]
struct Args {
    /// Snapshot file written by build_index.
    #[arg(long)]
    index: PathBuf,
    /// Id of a document to find similar items for; repeat for several positive examples.
    #[arg(long = "id", required = true)]
    ids: Vec<String>,
    /// Id of a document the results should be unlike (repeatable).
    #[arg(long = "negative")]
    negatives: Vec<String>,
    /// Number of items.
    #[arg(long, default_value_t = 10)]
    k: usize,
    /// MMR re-ranking: LAMBDA in [0, 1] trades relevance (1 = none) against
    /// diversity (lower = more diverse). Default: no re-ranking.
    #[arg(long, value_name = "LAMBDA")]
    diversity: Option<f64>,
    /// How several examples combine (with several --id or any --negative).
    #[arg(long, value_enum, default_value_t = StrategyArg::Average)]
    strategy: StrategyArg,
    /// Only documents whose metadata FIELD equals VALUE (or has it as a tag);
    /// repeat to require several.
    #[arg(long = "filter", value_name = "FIELD=VALUE")]
    filters: Vec<String>,
    /// Print the items as one JSON object on the last stdout line.
    #[arg(long)]
    json: bool,
}

fn main() -> std::process::ExitCode {
    let args: Args = support::parse_args();
    support::run(|| recommend(&args))
}

fn recommend(args: &Args) -> Result<()> {
    let index = Index::load(&args.index)?;
    let positive = resolve(&index, &args.ids)?;
    let negative = resolve(&index, &args.negatives)?;
    let options = RecommendOptions {
        filter: support::parse_filters(&args.filters)?,
        mmr: args.diversity,
        ..RecommendOptions::default()
    };
    let recommendations = match (positive.as_slice(), negative.is_empty()) {
        ([single], true) => index.more_like_this(
            single,
            &MoreLikeThis {
                k: args.k,
                options,
                ..MoreLikeThis::default()
            },
        )?,
        _ => index.recommend(&RecommendRequest {
            options,
            ..RecommendRequest::positive(positive)
                .negative(negative)
                .strategy(match args.strategy {
                    StrategyArg::Average => Strategy::AverageVector,
                    StrategyArg::BestScore => Strategy::BestScore,
                })
                .k(args.k)
        })?,
    };
    print_items(&index, &recommendations);
    if args.json {
        println!("{}", to_json(&index, args, &recommendations));
    }
    Ok(())
}

/// The live keys named by `ids`.
///
/// # Errors
/// [`twofold::Error::UnknownKey`] naming the first id the index does not hold.
fn resolve(index: &Index, ids: &[String]) -> Result<Vec<DocKey>> {
    ids.iter()
        .map(|id| support::resolve_key(index, id))
        .collect()
}

fn print_items(index: &Index, r: &Recommendations) {
    println!("{} items, scores {:?}", r.items.len(), r.score_kind);
    for note in &r.notes {
        println!("  note: {note}");
    }
    for (rank, item) in r.items.iter().enumerate() {
        println!(
            "{:>4}  {:<16} {:>8.4}  {}",
            rank + 1,
            support::key_text(&item.key),
            item.score,
            support::short_title(index, &item.key, 60)
        );
        let terms: Vec<&str> = item
            .shared_terms
            .iter()
            .take(5)
            .map(|t| t.term.as_str())
            .collect();
        if !terms.is_empty() {
            println!("        shared: {}", terms.join(", "));
        }
    }
}

fn to_json(index: &Index, args: &Args, r: &Recommendations) -> Value {
    let items: Vec<Value> = r
        .items
        .iter()
        .enumerate()
        .map(|(rank, item)| {
            json!({
                "rank": rank + 1,
                "id": support::key_text(&item.key),
                "score": item.score,
                "sparse_score": item.sparse_score,
                "dense_score": item.dense_score,
                "title": index.get(&item.key).map(|d| d.title).unwrap_or_default(),
                "shared_terms": item.shared_terms.iter().map(|t| json!({
                    "term": t.term,
                    "contribution": t.contribution,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "positive": args.ids,
        "negative": args.negatives,
        "score_kind": format!("{:?}", r.score_kind),
        "notes": r.notes,
        "items": items,
    })
}
