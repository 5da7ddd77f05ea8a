//! Builds a twofold index from a corpus and saves it as one snapshot file.
//!
//! ```text
//! # the shipped FAQ sample, sparse (TF-IDF) only
//! cargo run --release --example build_index -- --input examples/data/faq.jsonl \
//!     --text-field answer --title-field question --meta-field category --out faq.twofold
//! # hybrid: vectors from a row-aligned float32 .npy, a JSONL field, or a local model
//! cargo run --release --example build_index -- --input corpus.jsonl --vectors corpus.emb.npy --out corpus.twofold
//! cargo run --release --example build_index -- --input corpus.jsonl --vector-field embedding --out corpus.twofold
//! cargo run --release --features embed --example build_index -- --input examples/data/faq.jsonl \
//!     --text-field answer --title-field question --model models/all-MiniLM-L6-v2 --out faq.twofold
//! # a directory of .txt / .md files, or a CSV file with a header row
//! cargo run --release --example build_index -- --input notes/ --out notes.twofold
//! cargo run --release --example build_index -- --input items.csv --text-field description --out items.twofold
//! ```
//!
//! Prints a summary: documents, terms, non-zeros (stored TF-IDF weights),
//! vectors and their dimension, file size, and read / build / save times; with
//! `--json` the last stdout line is that summary as one JSON object
//! `{"input","out","documents","terms","nnz","vectors","dim","file_bytes","read_s","build_s","save_s"}`.
//!
//! Every record that cannot be used (bad JSON, a missing id or text field, a
//! duplicate id, a vector of the wrong length, an `.npy` whose row count
//! differs from the number of documents) stops the build with one
//! `error: FILE:LINE: ...` line on stderr and exit code 1; nothing is dropped
//! silently.

#[path = "support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use clap::{Parser, ValueEnum};
use twofold::dense::Metric;
use twofold::embed::Embedder;
use twofold::index::{Document, FieldWeights, Index, IndexConfig, Progress, Stage};
use twofold::tfidf::TfidfParams;
use twofold::{Error, Result};

use support::corpus::{self, Fields};

#[derive(Clone, Copy, Debug, PartialEq, ValueEnum)]
enum MetricArg {
    /// Cosine similarity (vectors normalised on insert).
    Cosine,
    /// Raw dot product.
    Dot,
    /// Euclidean distance (score = -distance).
    L2,
}

#[derive(Parser, Debug)]
// Values such as `--threshold -0.5` are values, not unknown flags.
#[command(allow_negative_numbers = true)]
#[command(
    about = "Build a twofold index (TF-IDF + optional vectors) and save it as one snapshot file"
)]
struct Args {
    /// Corpus: a .jsonl file (one object per line), a .csv file with a header
    /// row, or a directory of .txt / .md files (recursive; id = relative path,
    /// title = first `# ` heading of a .md file or the file stem).
    #[arg(long)]
    input: PathBuf,
    /// Snapshot file to write (replaced atomically).
    #[arg(long)]
    out: PathBuf,
    /// Id field (JSONL/CSV). Default: `id` when a record has it, otherwise the
    /// line number; when given, every record must have it.
    #[arg(long)]
    id_field: Option<String>,
    /// Text field(s) forming the body (JSONL/CSV); repeat to concatenate several.
    /// Default: `text`.
    #[arg(long = "text-field")]
    text_fields: Vec<String>,
    /// Title field (JSONL/CSV); optional in the data.
    #[arg(long, default_value = "title")]
    title_field: String,
    /// Field copied into the metadata for filters (JSONL/CSV; repeatable):
    /// strings, numbers, booleans and arrays of strings (tags).
    #[arg(long = "meta-field")]
    meta_fields: Vec<String>,
    /// Field holding each record's vector as a JSON array of numbers (JSONL; in
    /// a CSV, a cell with a JSON array). Required on every record.
    #[arg(long, conflicts_with_all = ["vectors", "model"])]
    vector_field: Option<String>,
    /// Row-aligned float32 (or float64) [n, d] .npy file: row i is the vector of document i
    /// in input order.
    #[arg(long, conflicts_with = "model")]
    vectors: Option<PathBuf>,
    /// Sentence-transformers model directory used to embed every document
    /// (title + body); needs a build with `--features embed`. Default: the
    /// `TWOFOLD_MODEL` environment variable, if set.
    #[arg(long)]
    model: Option<PathBuf>,
    /// TF-IDF parameters as JSON with scikit-learn's names, e.g.
    /// {"ngram_range": [1, 2], "min_df": 2}. Default: scikit-learn's defaults
    /// plus sublinear_tf=true and English stop words.
    #[arg(long)]
    params: Option<PathBuf>,
    /// Dense similarity metric.
    #[arg(long, value_enum, default_value_t = MetricArg::Cosine)]
    metric: MetricArg,
    /// Weight of the title field on the TF-IDF side (0 leaves it out).
    #[arg(long, default_value_t = 1)]
    title_weight: u32,
    /// Weight of the body field on the TF-IDF side (0 leaves it out).
    #[arg(long, default_value_t = 1)]
    body_weight: u32,
    /// Print the summary as one JSON object on the last stdout line.
    #[arg(long)]
    json: bool,
    /// No progress bars.
    #[arg(long)]
    quiet: bool,
}

/// What was built, for the summary.
struct Summary {
    documents: usize,
    terms: usize,
    nnz: usize,
    vectors: usize,
    dim: Option<usize>,
    file_bytes: u64,
    read_s: f64,
    build_s: f64,
    save_s: f64,
}

fn main() -> std::process::ExitCode {
    let args: Args = support::parse_args();
    support::run(|| build(&args))
}

fn build(args: &Args) -> Result<()> {
    let config = index_config(args)?;
    let embedder = match support::model::model_dir(args.model.as_deref()) {
        Some(dir) => Some(support::model::load(&dir)?),
        None => None,
    };
    let started = Instant::now();
    let documents = read_documents(args)?;
    let read_s = started.elapsed().as_secs_f64();
    check_vectors(&documents, config.dense.metric)?;
    let started = Instant::now();
    let index = build_index(config, embedder, documents, args.quiet)?;
    let build_s = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let info = index.save(&args.out)?;
    let summary = Summary {
        documents: index.len(),
        terms: index.n_terms(),
        nnz: index.nnz(),
        vectors: index.n_vectors(),
        dim: index.dense_dim(),
        file_bytes: info.file_len(),
        read_s,
        build_s,
        save_s: started.elapsed().as_secs_f64(),
    };
    print_summary(args, &summary);
    Ok(())
}

fn index_config(args: &Args) -> Result<IndexConfig> {
    let tfidf = match &args.params {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
            TfidfParams::from_json(&text)
                .map_err(|e| support::bad_input(format!("{}: {e}", path.display())))?
        }
        None => IndexConfig::default_tfidf(),
    };
    let mut config = IndexConfig {
        tfidf,
        fields: FieldWeights {
            title: args.title_weight,
            body: args.body_weight,
        },
        ..IndexConfig::default()
    };
    config.dense.metric = match args.metric {
        MetricArg::Cosine => Metric::Cosine,
        MetricArg::Dot => Metric::Dot,
        MetricArg::L2 => Metric::L2,
    };
    config.validate()?;
    Ok(config)
}

/// The corpus, with the `.npy` rows attached when `--vectors` is given.
fn read_documents(args: &Args) -> Result<Vec<Document>> {
    if args.input.is_dir() && (!args.meta_fields.is_empty() || args.vector_field.is_some()) {
        return Err(support::bad_input(
            "--meta-field and --vector-field apply to .jsonl and .csv input, not to a directory",
        ));
    }
    let fields = Fields {
        id: args.id_field.clone(),
        text: if args.text_fields.is_empty() {
            vec!["text".to_string()]
        } else {
            args.text_fields.clone()
        },
        title: args.title_field.clone(),
        meta: args.meta_fields.clone(),
        vector: args.vector_field.clone(),
    };
    let mut documents = corpus::read(&args.input, &fields, args.quiet)?;
    if let Some(path) = &args.vectors {
        attach_vectors(&mut documents, path)?;
    }
    Ok(documents)
}

fn attach_vectors(documents: &mut [Document], path: &Path) -> Result<()> {
    let rows = support::npy::read_rows_for(path, documents.len())?;
    for (document, row) in documents.iter_mut().zip(rows) {
        document.vector = Some(row);
    }
    Ok(())
}

/// Vectors the index would refuse, named by document (the index's own error
/// would not say which one): non-finite components, or zero under cosine.
fn check_vectors(documents: &[Document], metric: Metric) -> Result<()> {
    for (row, document) in documents.iter().enumerate() {
        let Some(v) = &document.vector else { continue };
        let problem = if v.iter().any(|x| !x.is_finite()) {
            "has a non-finite component"
        } else if metric == Metric::Cosine && v.iter().all(|&x| x == 0.0) {
            "is all zeros, which the cosine metric cannot use"
        } else {
            continue;
        };
        return Err(support::bad_input(format!(
            "the vector of document {} (row {row}) {problem}",
            document.key
        )));
    }
    Ok(())
}

fn build_index(
    config: IndexConfig,
    embedder: Option<Arc<dyn Embedder>>,
    documents: Vec<Document>,
    quiet: bool,
) -> Result<Index> {
    let bar = support::progress_bar(documents.len() as u64, "building", quiet);
    let hook_bar = bar.clone();
    let mut builder = Index::builder()
        .config(config)
        .on_progress(move |p: Progress| {
            hook_bar.set_message(stage_name(p.stage));
            hook_bar.set_length(p.total);
            hook_bar.set_position(p.done);
        });
    if let Some(embedder) = embedder {
        builder = builder.embedder(embedder);
    }
    let index = builder.build(documents);
    bar.finish_and_clear();
    index
}

fn stage_name(stage: Stage) -> &'static str {
    match stage {
        Stage::Validating => "checking",
        Stage::Embedding => "embedding",
        Stage::Counting => "counting",
        Stage::Sparse => "tf-idf",
        Stage::Dense => "vectors",
        _ => "done",
    }
}

fn print_summary(args: &Args, s: &Summary) {
    let dim = s.dim.map_or_else(|| "-".to_string(), |d| d.to_string());
    println!("documents  {}", s.documents);
    println!("terms      {}", s.terms);
    println!("non-zeros  {}", s.nnz);
    println!("vectors    {} (dim {dim})", s.vectors);
    println!("file       {} ({} bytes)", args.out.display(), s.file_bytes);
    println!(
        "time       read {:.3}s, build {:.3}s, save {:.3}s",
        s.read_s, s.build_s, s.save_s
    );
    if args.json {
        let json = serde_json::json!({
            "input": args.input.display().to_string(),
            "out": args.out.display().to_string(),
            "documents": s.documents,
            "terms": s.terms,
            "nnz": s.nnz,
            "vectors": s.vectors,
            "dim": s.dim,
            "file_bytes": s.file_bytes,
            "read_s": s.read_s,
            "build_s": s.build_s,
            "save_s": s.save_s,
        });
        println!("{json}");
    }
}
