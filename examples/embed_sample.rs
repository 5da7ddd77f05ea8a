//! Regenerates the sample vectors shipped in `examples/data` with twofold's own
//! embedder, so that the `demo` example is hybrid without a model download.
//!
//! ```text
//! scripts/fetch_model.sh          # once: models/all-MiniLM-L6-v2 (git-ignored)
//! cargo run --release --features embed --example embed_sample [-- --model DIR --data DIR]
//! ```
//!
//! Writes four float32 `.npy` files of shape `[rows, 384]`, L2-normalised:
//!
//! | file | row `i` is the vector of |
//! |---|---|
//! | `faq.emb.npy` | line `i` of `faq.jsonl`: its `question` |
//! | `faq_queries.emb.npy` | line `i` of `faq_queries.jsonl`: its `text` |
//! | `faq_beir/corpus.emb.npy` | line `i` of `faq_beir/corpus.jsonl`: `title` + " " + `text`, trimmed |
//! | `faq_beir/queries.emb.npy` | line `i` of `faq_beir/queries.jsonl`: its `text` |
//!
//! The BEIR corpus holds the stored questions (empty titles), so its file is
//! byte-identical to `faq.emb.npy`, and likewise for the queries; git stores
//! each pair once. The model directory comes from `--model`, else
//! `TWOFOLD_MODEL`, else `models/all-MiniLM-L6-v2`.

#[path = "support/cli.rs"]
mod cli;

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;
use npyz::WriterBuilder;
use serde_json::Value;
use twofold::embed::{Embedder, SentenceEmbedder};
use twofold::{Error, Result};

#[derive(Parser, Debug)]
#[command(about = "Regenerate examples/data/*.emb.npy with the in-process MiniLM embedder")]
struct Args {
    /// sentence-transformers model directory [default: $TWOFOLD_MODEL, else models/all-MiniLM-L6-v2].
    #[arg(long)]
    model: Option<PathBuf>,
    /// The sample data directory.
    #[arg(long, default_value = "examples/data")]
    data: PathBuf,
}

/// One output file: which JSONL file, how to get each line's text, where to write.
struct Job {
    input: &'static str,
    text: fn(&Value) -> Option<String>,
    output: &'static str,
}

const JOBS: [Job; 4] = [
    Job {
        input: "faq.jsonl",
        text: field_question,
        output: "faq.emb.npy",
    },
    Job {
        input: "faq_queries.jsonl",
        text: field_text,
        output: "faq_queries.emb.npy",
    },
    Job {
        input: "faq_beir/corpus.jsonl",
        text: beir_document,
        output: "faq_beir/corpus.emb.npy",
    },
    Job {
        input: "faq_beir/queries.jsonl",
        text: field_text,
        output: "faq_beir/queries.emb.npy",
    },
];

fn main() -> ExitCode {
    match run(&cli::parse_args::<Args>()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<()> {
    let model = args
        .model
        .clone()
        .or_else(|| std::env::var_os("TWOFOLD_MODEL").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("models/all-MiniLM-L6-v2"));
    let embedder = SentenceEmbedder::from_dir(&model)?;
    eprintln!("model {} ({})", model.display(), embedder.fingerprint());
    for job in &JOBS {
        let texts = read_texts(&args.data.join(job.input), job.text)?;
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let vectors = embedder.embed_batch(&refs)?;
        let path = args.data.join(job.output);
        write_npy(&path, &vectors, embedder.dim())?;
        eprintln!("{}: {} x {}", path.display(), vectors.len(), embedder.dim());
    }
    Ok(())
}

fn field_question(line: &Value) -> Option<String> {
    line["question"].as_str().map(str::to_string)
}

fn field_text(line: &Value) -> Option<String> {
    line["text"].as_str().map(str::to_string)
}

/// BEIR's usual document text: title and text joined by a space.
fn beir_document(line: &Value) -> Option<String> {
    let title = line["title"].as_str().unwrap_or("");
    let text = line["text"].as_str()?;
    Some(format!("{title} {text}").trim().to_string())
}

fn read_texts(path: &Path, text: fn(&Value) -> Option<String>) -> Result<Vec<String>> {
    let content = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    content
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(n, line)| {
            let value: Value = serde_json::from_str(line)?;
            text(&value).ok_or_else(|| {
                Error::InvalidInput(format!("{}:{}: no text field", path.display(), n + 1))
            })
        })
        .collect()
}

fn write_npy(path: &Path, vectors: &[Vec<f32>], dim: usize) -> Result<()> {
    let io = |e: std::io::Error| Error::io(path, e);
    let file = BufWriter::new(File::create(path).map_err(io)?);
    let mut writer = npyz::WriteOptions::<f32>::new()
        .default_dtype()
        .shape(&[vectors.len() as u64, dim as u64])
        .writer(file)
        .begin_nd()
        .map_err(io)?;
    for vector in vectors {
        if vector.len() != dim {
            return Err(Error::InvalidInput(format!(
                "the embedder returned {} dimensions, expected {dim}",
                vector.len()
            )));
        }
        writer.extend(vector.iter().copied()).map_err(io)?;
    }
    writer.finish().map_err(io)?;
    Ok(())
}
