//! Fit a scikit-learn-compatible TF-IDF model on a corpus file and export it.
//!
//! ```text
//! cargo run --release --example tfidf -- --input CORPUS --params PARAMS.json --out DIR [--transform QUERIES] [--timing]
//! ```
//!
//! CORPUS and QUERIES are `.jsonl` (one object per line with a string `text` and an
//! optional `title`, used as `title + " " + text` when it is a non-empty string;
//! blank lines are skipped) or `.txt` (one document per line, split on `\n`, one
//! trailing `\r` stripped). PARAMS.json holds sklearn's `TfidfVectorizer` keyword
//! arguments (default: sklearn's defaults). Writes `DIR/vocabulary.json`,
//! `DIR/idf.json`, `DIR/matrix.mtx` and, with `--transform`, `DIR/transform.mtx`.
//! With `--timing`, one JSON line with the in-process fit_transform time goes to
//! stderr.
//!
//! On failure it prints one line, `error: <sklearn kind>: <message>` when sklearn
//! has a matching error kind (else `error: <message>`), and exits with status 1.

#[path = "support/cli.rs"]
mod cli;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Parser;
use indicatif::ProgressBar;
use serde_json::Value;
use twofold::tfidf::export::{
    write_idf_json, write_matrix_market, write_matrix_market_f32, write_vocabulary_json,
};
use twofold::tfidf::{DecodeError, Dtype, FittedTfidf, TfidfParams, TfidfVectorizer};
use twofold::{Error, Result};

/// Fit scikit-learn-compatible TF-IDF on a corpus and export vocabulary, idf and matrices.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// Corpus: .jsonl (field `text`, optional `title`) or .txt (one document per line).
    #[arg(long)]
    input: PathBuf,
    /// JSON file: an object of sklearn TfidfVectorizer parameters (default: sklearn defaults).
    #[arg(long)]
    params: Option<PathBuf>,
    /// Output directory (created if missing).
    #[arg(long)]
    out: PathBuf,
    /// Documents to transform with the fitted model, written to transform.mtx.
    #[arg(long)]
    transform: Option<PathBuf>,
    /// Print {"fit_transform_seconds": ..} (in-process, best of --repeat) to stderr.
    #[arg(long)]
    timing: bool,
    /// With --timing: run fit_transform this many times and report the best.
    #[arg(long, default_value_t = 1)]
    repeat: u32,
}

fn main() -> ExitCode {
    let args = cli::parse_args::<Args>();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            let message = err.to_string().replace('\n', " ");
            match err.sklearn_kind() {
                Some(kind) => eprintln!("error: {kind}: {message}"),
                None => eprintln!("error: {message}"),
            }
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<()> {
    let params = match &args.params {
        Some(path) => TfidfParams::from_json(&read_text(path, DecodeError::Strict)?)?,
        None => TfidfParams::default(),
    };
    let vectorizer = TfidfVectorizer::new(params.clone())?;
    let progress = ProgressBar::new_spinner();
    progress.enable_steady_tick(Duration::from_millis(120));
    progress.set_message(format!("reading {}", args.input.display()));
    let docs = read_corpus(&args.input, params.decode_error)?;
    progress.set_message(format!("fitting {} documents", docs.len()));
    std::fs::create_dir_all(&args.out).map_err(|e| Error::io(&args.out, e))?;
    let mut best = f64::INFINITY;
    let mut fit = None;
    for _ in 0..args.repeat.max(1) {
        let started = Instant::now();
        fit = Some(fit_transform(&vectorizer, &docs, params.dtype)?);
        best = best.min(started.elapsed().as_secs_f64());
    }
    let Some((fitted, matrix)) = fit else {
        return Err(Error::InvalidInput("nothing was fitted".to_string()));
    };
    progress.set_message("writing");
    matrix.write(&args.out.join("matrix.mtx"))?;
    write_vocabulary_json(&args.out.join("vocabulary.json"), &fitted)?;
    write_idf_json(&args.out.join("idf.json"), &fitted)?;
    if let Some(queries) = &args.transform {
        let queries = read_corpus(queries, params.decode_error)?;
        let path = args.out.join("transform.mtx");
        match params.dtype {
            Dtype::Float64 => write_matrix_market(&path, &fitted.transform(&queries)?)?,
            Dtype::Float32 => write_matrix_market_f32(&path, &fitted.transform_f32(&queries)?)?,
        }
    }
    progress.finish_and_clear();
    if args.timing {
        eprintln!(
            "{}",
            serde_json::json!({
                "fit_transform_seconds": best,
                "n_documents": docs.len(),
                "n_features": fitted.n_features(),
                "nnz": matrix.nnz(),
            })
        );
    }
    Ok(())
}

/// The fitted matrix in the precision `dtype` asks for.
enum Matrix {
    F64(sprs::CsMat<f64>),
    F32(sprs::CsMat<f32>),
}

impl Matrix {
    fn nnz(&self) -> usize {
        match self {
            Matrix::F64(m) => m.nnz(),
            Matrix::F32(m) => m.nnz(),
        }
    }

    fn write(&self, path: &Path) -> Result<()> {
        match self {
            Matrix::F64(m) => write_matrix_market(path, m),
            Matrix::F32(m) => write_matrix_market_f32(path, m),
        }
    }
}

fn fit_transform(
    vectorizer: &TfidfVectorizer,
    docs: &[String],
    dtype: Dtype,
) -> Result<(FittedTfidf, Matrix)> {
    Ok(match dtype {
        Dtype::Float64 => {
            let (fitted, m) = vectorizer.fit_transform(docs)?;
            (fitted, Matrix::F64(m))
        }
        Dtype::Float32 => {
            let (fitted, m) = vectorizer.fit_transform_f32(docs)?;
            (fitted, Matrix::F32(m))
        }
    })
}

/// Reads a file as text, handling invalid UTF-8 as sklearn's `decode_error` says.
fn read_text(path: &Path, decode_error: DecodeError) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    match String::from_utf8(bytes) {
        Ok(text) => Ok(text),
        Err(err) => match decode_error {
            DecodeError::Strict => Err(Error::InvalidInput(format!(
                "{}: invalid UTF-8 at byte {}",
                path.display(),
                err.utf8_error().valid_up_to()
            ))),
            DecodeError::Replace => Ok(String::from_utf8_lossy(err.as_bytes()).into_owned()),
            DecodeError::Ignore => Ok(err
                .as_bytes()
                .utf8_chunks()
                .map(|chunk| chunk.valid())
                .collect()),
        },
    }
}

/// Reads a `.jsonl` or `.txt` corpus (see the module docs).
fn read_corpus(path: &Path, decode_error: DecodeError) -> Result<Vec<String>> {
    let text = read_text(path, decode_error)?;
    match path.extension().and_then(|e| e.to_str()) {
        Some("jsonl") => text
            .lines()
            .enumerate()
            .filter(|(_, line)| !line.trim().is_empty())
            .map(|(i, line)| jsonl_document(path, i + 1, line))
            .collect(),
        // Not `lines()`: it leaves a `\r` on a last line that has no `\n`.
        Some("txt") => Ok(text
            .split_terminator('\n')
            .map(|line| line.strip_suffix('\r').unwrap_or(line).to_string())
            .collect()),
        _ => Err(Error::InvalidInput(format!(
            "{}: unsupported corpus format (expected .jsonl or .txt)",
            path.display()
        ))),
    }
}

fn jsonl_document(path: &Path, line_no: usize, line: &str) -> Result<String> {
    let bad = |what: String| Error::InvalidInput(format!("{}:{line_no}: {what}", path.display()));
    let value: Value = serde_json::from_str(line).map_err(|e| bad(format!("invalid JSON: {e}")))?;
    let Some(text) = value.get("text").and_then(Value::as_str) else {
        return Err(bad("missing string field `text`".to_string()));
    };
    Ok(match value.get("title").and_then(Value::as_str) {
        Some(title) if !title.is_empty() => format!("{title} {text}"),
        _ => text.to_string(),
    })
}
