//! The README's main command: twofold end to end on the shipped sample.
//!
//! ```text
//! cargo run --release --example demo [-- --data DIR] [--threshold T] [--snapshot FILE] [--show N] [--json]
//! ```
//!
//! On the Larkspur Pharmacy help-desk sample in `examples/data` (150 FAQ entries,
//! 120 labelled user questions, MiniLM vectors precomputed by the
//! `embed_sample` example), it
//!
//! 1. builds a hybrid [`Index`] (TF-IDF + HNSW) of the FAQ: key = entry id,
//!    title = question, body = answer, metadata `category`, vector = the
//!    question's vector;
//! 2. saves it as one snapshot file (`target/demo/faq.twofold` by default),
//!    loads it back and uses the loaded index from then on;
//! 3. fills a [`FaqCache`] (hybrid score `0.9·dense + 0.1·sparse`, lexical veto
//!    on) from the loaded index and answers the 120 sample questions with their
//!    vectors: HIT or MISS, score, matched question, and a summary against the
//!    `expected` labels (precision = correct hits / hits, recall = correct hits /
//!    questions that have an expected entry);
//! 4. shows "more like this" for three entries and one hybrid search.
//!
//! Files: `faq.jsonl`, `faq.emb.npy`, `faq_queries.jsonl`,
//! `faq_queries.emb.npy` in `--data`. A missing or malformed file prints one
//! line `error: ...` and exits non-zero. With `--json` the last stdout line is
//! one JSON object with the summary (keys documented on [`Summary`]).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use serde::{Deserialize, Serialize};
use twofold::faq::{EntryId, FaqCache, FaqConfig, InsertOptions, Lookup, LookupRequest, ScoreMode};
use twofold::ids::DocKey;
use twofold::index::{Document, Index, Progress, Stage};
use twofold::query::SearchRequest;
use twofold::recommend::MoreLikeThis;
use twofold::tfidf::{StemmerLanguage, StopWordsParam};
use twofold::{Error, Result};

#[path = "support/cli.rs"]
mod cli;
#[path = "support/npy.rs"]
mod npy;
use npy::read_rows_for;

/// Weight of the dense cosine in the cache's hybrid score
/// `w·dense + (1 − w)·sparse`.
const DENSE_WEIGHT: f64 = 0.9;

/// The hit threshold on that score.
///
/// Both were chosen on this sample's labels (so they flatter it): on the grid
/// `w ∈ {0.6, …, 1.0}`, `t ∈ {0.50, 0.55, …, 0.75}`, the lowest threshold whose
/// precision reaches 0.9 with the best recall. MiniLM paraphrases share few
/// words, so the dense side carries the score; the sparse side still finds
/// candidates and drives the lexical veto. Calibrate both on your own data.
const DEFAULT_THRESHOLD: f64 = 0.65;

/// Entries shown with their nearest neighbours ("more like this").
const MORE_LIKE_THIS: [&str; 3] = ["faq-001", "faq-057", "faq-109"];

/// The sample question used for the hybrid search demonstration.
const SEARCH_QUERY: &str = "q-002";

#[derive(Parser, Debug)]
// Values such as `--threshold -0.5` are values, not unknown flags.
#[command(allow_negative_numbers = true)]
#[command(
    about = "twofold on the shipped sample: hybrid index, snapshot, FAQ answers, recommendations"
)]
struct Args {
    /// Directory with faq.jsonl, faq.emb.npy, faq_queries.jsonl, faq_queries.emb.npy.
    #[arg(long, default_value = "examples/data")]
    data: PathBuf,
    /// Serve a stored answer when the hybrid score is at least this.
    #[arg(long, default_value_t = DEFAULT_THRESHOLD)]
    threshold: f64,
    /// Where the snapshot is written (its directory is created).
    #[arg(long, default_value = "target/demo/faq.twofold")]
    snapshot: PathBuf,
    /// Sample questions printed one per line (all are counted in the summary).
    #[arg(long, default_value_t = 15)]
    show: usize,
    /// Print the summary as one JSON object on the last line.
    #[arg(long)]
    json: bool,
}

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
    let data = Sample::read(&args.data)?;
    let built = build_index(&data.entries)?;
    let (index, snapshot) = save_and_load(&built, &args.snapshot)?;
    drop(built);
    println!(
        "index: {} documents, {} terms, {} vectors of {} dims; snapshot {} ({}), saved in {:.1} ms, loaded in {:.1} ms",
        index.len(),
        index.n_terms(),
        index.n_vectors(),
        index.dense_dim().unwrap_or(0),
        args.snapshot.display(),
        human_bytes(snapshot.bytes),
        snapshot.save_ms,
        snapshot.load_ms,
    );

    let (cache, entry_keys) = fill_cache(&index, &data.entries, args.threshold)?;
    let outcomes = answer_questions(&cache, &entry_keys, &data.queries)?;
    print_answers(&outcomes, args.show);
    let summary = Summary::new(&index, &snapshot, args.threshold, &outcomes);
    summary.print();

    more_like_this(&index)?;
    search(&index, &data.queries)?;

    if args.json {
        println!("{}", serde_json::to_string(&summary)?);
    }
    Ok(())
}

// ---------------------------------------------------------------- the sample

/// One FAQ entry as stored in `faq.jsonl`.
#[derive(Deserialize)]
struct Entry {
    id: String,
    question: String,
    answer: String,
    category: String,
    #[serde(skip)]
    vector: Vec<f32>,
}

/// One labelled user question of `faq_queries.jsonl`.
#[derive(Deserialize)]
struct Query {
    id: String,
    text: String,
    expected: Option<String>,
    #[serde(skip)]
    vector: Vec<f32>,
}

struct Sample {
    entries: Vec<Entry>,
    queries: Vec<Query>,
}

impl Sample {
    fn read(dir: &Path) -> Result<Sample> {
        let mut entries: Vec<Entry> = read_jsonl(&dir.join("faq.jsonl"))?;
        let mut queries: Vec<Query> = read_jsonl(&dir.join("faq_queries.jsonl"))?;
        let entry_vectors = read_rows_for(&dir.join("faq.emb.npy"), entries.len())?;
        let query_vectors = read_rows_for(&dir.join("faq_queries.emb.npy"), queries.len())?;
        for (entry, vector) in entries.iter_mut().zip(entry_vectors) {
            entry.vector = vector;
        }
        for (query, vector) in queries.iter_mut().zip(query_vectors) {
            query.vector = vector;
        }
        eprintln!(
            "read {}: {} FAQ entries, {} sample questions, with their vectors",
            dir.display(),
            entries.len(),
            queries.len()
        );
        Ok(Sample { entries, queries })
    }
}

fn read_jsonl<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<Vec<T>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(n, line)| {
            serde_json::from_str(line)
                .map_err(|e| Error::InvalidInput(format!("{}:{}: {e}", path.display(), n + 1)))
        })
        .collect()
}

// ---------------------------------------------------------------- index and snapshot

fn build_index(entries: &[Entry]) -> Result<Index> {
    let started = Instant::now();
    let documents = entries.iter().map(|e| {
        Document::new(e.id.as_str())
            .title(e.question.as_str())
            .body(e.answer.as_str())
            .meta("category", e.category.as_str())
            .vector(e.vector.clone())
    });
    let index = Index::builder()
        .on_progress(report_stage)
        .build(documents)?;
    eprintln!(
        "built the hybrid index in {:.1} ms",
        started.elapsed().as_secs_f64() * 1e3
    );
    Ok(index)
}

fn report_stage(progress: Progress) {
    let stage = match progress.stage {
        Stage::Validating => "checking keys and vectors",
        Stage::Embedding => "embedding",
        Stage::Counting => "analysing text",
        Stage::Sparse => "fitting TF-IDF, building postings",
        Stage::Dense => "inserting vectors",
        _ => return,
    };
    if progress.done == 0 {
        eprintln!("  {stage} ({} documents)", progress.total);
    }
}

/// What saving and loading the snapshot cost.
struct SnapshotCost {
    bytes: u64,
    save_ms: f64,
    load_ms: f64,
}

fn save_and_load(index: &Index, path: &Path) -> Result<(Index, SnapshotCost)> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    let started = Instant::now();
    let info = index.save(path)?;
    let save_ms = started.elapsed().as_secs_f64() * 1e3;
    let started = Instant::now();
    let loaded = Index::load(path)?;
    let load_ms = started.elapsed().as_secs_f64() * 1e3;
    eprintln!("saved and reloaded {}", path.display());
    Ok((
        loaded,
        SnapshotCost {
            bytes: info.file_len(),
            save_ms,
            load_ms,
        },
    ))
}

// ---------------------------------------------------------------- FAQ answers

/// The FAQ cache's configuration: hybrid scores, English stop words and
/// stemming on the TF-IDF side (as the `faq` example's default), lexical veto on.
fn faq_config(threshold: f64) -> FaqConfig {
    let mut index = FaqConfig::default_index();
    index.tfidf.stop_words = Some(StopWordsParam::English);
    index.tfidf.stemmer = Some(StemmerLanguage::English);
    FaqConfig {
        score: ScoreMode::Hybrid,
        dense_weight: DENSE_WEIGHT,
        threshold,
        index,
        ..FaqConfig::default()
    }
}

/// Fills a cache with the loaded index's documents, in the sample's order.
fn fill_cache(
    index: &Index,
    entries: &[Entry],
    threshold: f64,
) -> Result<(FaqCache, HashMap<EntryId, String>)> {
    let cache = FaqCache::builder().config(faq_config(threshold)).build()?;
    let mut batch = Vec::with_capacity(entries.len());
    for entry in entries {
        let key = DocKey::from(entry.id.as_str());
        let doc = index.get(&key).ok_or_else(|| {
            Error::InvalidInput(format!("{} is missing from the loaded snapshot", entry.id))
        })?;
        let mut options = InsertOptions::new().meta("id", entry.id.as_str());
        options.vector = doc.vector;
        batch.push((doc.title, doc.body, options));
    }
    let ids = cache.insert_batch(batch)?;
    let keys = ids
        .into_iter()
        .zip(entries.iter().map(|e| e.id.clone()))
        .collect();
    Ok((cache, keys))
}

/// How one sample question went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Verdict {
    /// Served the expected entry's answer.
    CorrectHit,
    /// Served an answer, but not the expected one (or the question has none).
    FalseHit,
    /// Nothing served although an entry answers it.
    MissedAnswer,
    /// Nothing served, and no entry answers it.
    RightMiss,
}

struct Outcome {
    query_id: String,
    question: String,
    hit: bool,
    score: Option<f64>,
    matched: String,
    note: String,
    answerable: bool,
    verdict: Verdict,
}

fn answer_questions(
    cache: &FaqCache,
    keys: &HashMap<EntryId, String>,
    queries: &[Query],
) -> Result<Vec<Outcome>> {
    queries
        .iter()
        .map(|q| {
            let request = LookupRequest::new(q.text.as_str()).vector(q.vector.clone());
            let lookup = cache.lookup_with(&request)?;
            Ok(outcome(q, &lookup, keys))
        })
        .collect()
}

fn outcome(query: &Query, lookup: &Lookup, keys: &HashMap<EntryId, String>) -> Outcome {
    let expected = query.expected.as_deref();
    let (hit, score, matched, note, served) = match lookup {
        Lookup::Hit(hit) => (
            true,
            Some(hit.score),
            hit.matched_question.clone(),
            String::new(),
            keys.get(&hit.entry_id).map(String::as_str),
        ),
        Lookup::Miss(miss) => {
            let nearest = miss.nearest.first();
            let note = miss
                .refused_by
                .as_ref()
                .map_or_else(String::new, |r| format!("refused: {r}"));
            (
                false,
                nearest.map(|c| c.score),
                nearest.map_or_else(String::new, |c| c.question.clone()),
                note,
                None,
            )
        }
    };
    let verdict = match (hit, expected) {
        (true, Some(e)) if served == Some(e) => Verdict::CorrectHit,
        (true, _) => Verdict::FalseHit,
        (false, Some(_)) => Verdict::MissedAnswer,
        (false, None) => Verdict::RightMiss,
    };
    Outcome {
        query_id: query.id.clone(),
        question: query.text.clone(),
        hit,
        score,
        matched,
        note,
        answerable: expected.is_some(),
        verdict,
    }
}

fn print_answers(outcomes: &[Outcome], show: usize) {
    println!();
    println!(
        "{:<6} {:<4} {:>5}  {:<6}  {:<44}  matched (or nearest) stored question",
        "id", "", "score", "label", "sample question"
    );
    for o in outcomes.iter().take(show) {
        let label = match o.verdict {
            Verdict::CorrectHit | Verdict::RightMiss => "ok",
            Verdict::FalseHit => "wrong",
            Verdict::MissedAnswer => "missed",
        };
        let score = o
            .score
            .map_or_else(|| "-".to_string(), |s| format!("{s:.3}"));
        let matched = if o.note.is_empty() {
            truncate(&o.matched, 60)
        } else {
            format!("{} [{}]", truncate(&o.matched, 40), truncate(&o.note, 40))
        };
        println!(
            "{:<6} {:<4} {:>5}  {:<6}  {:<44}  {matched}",
            o.query_id,
            if o.hit { "HIT" } else { "MISS" },
            score,
            label,
            truncate(&o.question, 44),
        );
    }
    if outcomes.len() > show {
        println!("... and {} more (--show N)", outcomes.len() - show);
    }
}

/// The demo's summary (`--json` prints it as one object).
#[derive(Serialize)]
struct Summary {
    /// FAQ entries in the index.
    documents: usize,
    /// Distinct TF-IDF terms in the index.
    terms: usize,
    /// Stored vectors.
    vectors: usize,
    /// Snapshot file size in bytes.
    snapshot_bytes: u64,
    /// Time to save the snapshot.
    save_ms: f64,
    /// Time to load it back.
    load_ms: f64,
    /// The hit threshold used.
    threshold: f64,
    /// Sample questions asked.
    questions: usize,
    /// Questions that have an expected entry.
    answerable: usize,
    /// Questions served a stored answer.
    hits: usize,
    /// Hits that served the expected entry.
    correct_hits: usize,
    /// Hits that served another entry, or answered an unanswerable question.
    false_hits: usize,
    /// Questions not served.
    misses: usize,
    /// Misses of questions that have an expected entry.
    missed_answers: usize,
    /// correct_hits / hits (1 when there is no hit).
    precision: f64,
    /// correct_hits / answerable.
    recall: f64,
}

impl Summary {
    fn new(index: &Index, snapshot: &SnapshotCost, threshold: f64, outcomes: &[Outcome]) -> Self {
        let count = |v: Verdict| outcomes.iter().filter(|o| o.verdict == v).count();
        let correct_hits = count(Verdict::CorrectHit);
        let false_hits = count(Verdict::FalseHit);
        let missed_answers = count(Verdict::MissedAnswer);
        let hits = correct_hits + false_hits;
        let answerable = outcomes.iter().filter(|o| o.answerable).count();
        Summary {
            documents: index.len(),
            terms: index.n_terms(),
            vectors: index.n_vectors(),
            snapshot_bytes: snapshot.bytes,
            save_ms: snapshot.save_ms,
            load_ms: snapshot.load_ms,
            threshold,
            questions: outcomes.len(),
            answerable,
            hits,
            correct_hits,
            false_hits,
            misses: outcomes.len() - hits,
            missed_answers,
            precision: ratio(correct_hits, hits, 1.0),
            recall: ratio(correct_hits, answerable, 0.0),
        }
    }

    fn print(&self) {
        println!();
        println!(
            "{} questions ({} with an expected entry), threshold {:.2}:",
            self.questions, self.answerable, self.threshold
        );
        println!(
            "  hits {} = correct {} + false {}; misses {} ({} of them had an answer)",
            self.hits, self.correct_hits, self.false_hits, self.misses, self.missed_answers
        );
        println!(
            "  precision {:.3} (correct / hits), recall {:.3} (correct / answerable)",
            self.precision, self.recall
        );
    }
}

fn ratio(part: usize, whole: usize, empty: f64) -> f64 {
    if whole == 0 {
        empty
    } else {
        part as f64 / whole as f64
    }
}

// ---------------------------------------------------------------- recommendations and search

fn more_like_this(index: &Index) -> Result<()> {
    println!();
    println!("more like this (fused score; sparse = TF-IDF of the entry's informative terms, dense = its vector):");
    let request = MoreLikeThis {
        k: 3,
        ..MoreLikeThis::default()
    };
    for id in MORE_LIKE_THIS {
        let key = DocKey::from(id);
        let Some(doc) = index.get(&key) else {
            continue;
        };
        println!("  {id}  {}", truncate(&doc.title, 70));
        for item in index.more_like_this(&key, &request)?.items {
            print_ranked(
                index,
                &item.key,
                item.score,
                Some(item.sparse_score),
                item.dense_score,
            );
        }
    }
    Ok(())
}

fn search(index: &Index, queries: &[Query]) -> Result<()> {
    let Some(query) = queries.iter().find(|q| q.id == SEARCH_QUERY) else {
        return Ok(());
    };
    println!();
    println!(
        "hybrid search for sample question {} (its text + its MiniLM vector), top 5: {:?}",
        query.id, query.text
    );
    let request = SearchRequest::text(query.text.as_str())
        .with_vector(query.vector.clone())
        .k(5);
    let results = index.search(&request)?;
    for hit in &results.hits {
        print_ranked(
            index,
            &hit.key,
            hit.score,
            hit.sparse_score,
            hit.dense_score,
        );
    }
    Ok(())
}

/// One ranked document: key, fused score, each side's exact score, title.
fn print_ranked(index: &Index, key: &DocKey, score: f64, sparse: Option<f64>, dense: Option<f64>) {
    let title = index.get(key).map(|d| d.title).unwrap_or_default();
    println!(
        "    {:<8} {score:.3}  (sparse {} dense {})  {}",
        key_text(key),
        side(sparse),
        side(dense),
        truncate(&title, 60)
    );
}

fn side(score: Option<f64>) -> String {
    score.map_or_else(|| "-".to_string(), |s| format!("{s:.3}"))
}

// ---------------------------------------------------------------- formatting

fn key_text(key: &DocKey) -> String {
    match key {
        DocKey::Str(s) => s.to_string(),
        DocKey::U64(n) => n.to_string(),
    }
}

/// `text` cut to at most `max` characters, with an ellipsis when cut.
fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

fn human_bytes(bytes: u64) -> String {
    if bytes >= 1 << 20 {
        format!("{:.1} MiB", bytes as f64 / f64::from(1 << 20))
    } else {
        format!("{:.1} KiB", bytes as f64 / 1024.0)
    }
}
