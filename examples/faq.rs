//! A semantic FAQ cache over a FAQ collection: answer questions, or evaluate.
//!
//! ```text
//! # answer questions from stdin (or --questions FILE), one per line
//! cargo run --release --example faq -- --data examples/data/faq.jsonl [--threshold T] \
//!     [--calibrate examples/data/faq_queries.jsonl]
//! # evaluate on a BEIR-layout directory
//! cargo run --release --example faq -- --data DIR --eval [--mode sparse|dense|hybrid] \
//!     [--threshold T] [--json]
//! ```
//!
//! `--data` is a JSONL file of `{"question","answer"}` lines (optional `"id"`,
//! `"alternates"`) or a BEIR directory (`corpus.jsonl` {"id","title","text"}:
//! the stored question is the title, or the text when the title is empty; a
//! line with neither is left out, and stderr names it; `queries.jsonl`;
//! `qrels.tsv`, or BEIR's `qrels/test.tsv`; optional `corpus.emb.npy`/
//! `queries.emb.npy`). A query without a judgement is one the cache should not
//! answer; with `qrels/test.tsv`, queries judged only in the other split files
//! there (`dev.tsv`, `train.tsv`) are not test questions and are left out.
//!
//! `--eval` looks every query up, takes its best entry and score (no guards),
//! and prints the precision/recall-vs-threshold table: a query is a correct hit
//! when its best entry is relevant and scores ≥ t, a false hit when it scores ≥ t
//! but is not relevant; precision = correct/(correct+false), recall =
//! correct/(queries with a relevant entry), hit_rate = (correct+false)/queries.
//! `calibrated_threshold_p95` is the lowest threshold whose one-sided 95 %
//! Clopper–Pearson lower bound of precision reaches 0.95 (`null` if none does);
//! without `--threshold` the summary uses it (or 1.0 when it is `null`). The mode
//! defaults to hybrid when both `.npy` files exist, else sparse. With `--json`
//! the last stdout line is one JSON object
//! `{"mode","threshold","precision","recall","hit_rate","calibrated_threshold_p95"}`.
//!
//! `--analyzer english` (default) uses English stop words and the Snowball
//! stemmer for the TF-IDF side; `--analyzer sklearn` uses scikit-learn's
//! defaults; `--analyzer charwb` character 3..5-grams. `--guards` applies the
//! lexical veto in `--eval` (a refused query then counts as not served).

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, ValueEnum};
use serde::Deserialize;
use twofold::analysis::AnalyzerKind;
use twofold::eval::{
    check_unique_ids, other_split_queries, read_jsonl, BeirDataset, CorpusDoc, Qrels,
};
use twofold::faq::{
    calibrate, Calibration, CurvePoint, EntryId, FaqCache, FaqConfig, InsertOptions, LabelledScore,
    Lookup, LookupRequest, ScoreMode,
};
use twofold::index::IndexConfig;
use twofold::tfidf::{StemmerLanguage, StopWordsParam};
use twofold::{Error, Result};

#[path = "support/cli.rs"]
mod cli;
#[path = "support/npy.rs"]
mod npy;
use npy::read_rows_for;

#[derive(Clone, Copy, Debug, PartialEq, ValueEnum)]
enum ModeArg {
    Sparse,
    Dense,
    Hybrid,
}

#[derive(Clone, Copy, Debug, PartialEq, ValueEnum)]
enum AnalyzerArg {
    /// English stop words + Snowball stemmer.
    English,
    /// scikit-learn's defaults (word unigrams).
    Sklearn,
    /// Character 3..5-grams within word boundaries (char_wb).
    Charwb,
}

#[derive(Parser, Debug)]
// Values such as `--threshold -0.5` are values, not unknown flags.
#[command(allow_negative_numbers = true)]
#[command(about = "Semantic FAQ cache: answer questions or evaluate on a BEIR directory")]
struct Args {
    /// FAQ collection: a JSONL file or a BEIR-layout directory.
    #[arg(long)]
    data: PathBuf,
    /// Evaluate on the BEIR directory's queries and qrels.
    #[arg(long)]
    eval: bool,
    /// Score mode (default: hybrid when vectors exist, else sparse).
    #[arg(long, value_enum)]
    mode: Option<ModeArg>,
    /// Hit threshold (default: calibrated at precision 0.95 in --eval, else 0.6).
    #[arg(long)]
    threshold: Option<f64>,
    /// Print a one-line JSON summary last.
    #[arg(long)]
    json: bool,
    /// TF-IDF analysis.
    #[arg(long, value_enum, default_value_t = AnalyzerArg::English)]
    analyzer: AnalyzerArg,
    /// Weight of the dense side in hybrid mode (default: FaqConfig's, 0.8).
    #[arg(long, default_value_t = twofold::faq::FaqConfig::default().dense_weight)]
    dense_weight: f64,
    /// Target precision for calibration.
    #[arg(long, default_value_t = 0.95)]
    target: f64,
    /// Questions to answer (one per line; default stdin).
    #[arg(long)]
    questions: Option<PathBuf>,
    /// Labelled queries {"text","expected"} to calibrate the threshold on
    /// (`expected`: an entry id, or null when no entry should match).
    #[arg(long)]
    calibrate: Option<PathBuf>,
    /// HNSW search breadth of the dense side (default: the index's `ef_search`).
    #[arg(long)]
    ef: Option<usize>,
    /// In --eval, apply the guards (lexical veto; a refused query is never served).
    #[arg(long)]
    guards: bool,
}

fn main() -> ExitCode {
    let args = cli::parse_args::<Args>();
    let result = if args.eval {
        evaluate(&args)
    } else {
        answer(&args)
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// One stored FAQ item.
#[derive(Clone)]
struct Item {
    id: String,
    question: String,
    answer: String,
    alternates: Vec<String>,
    vector: Option<Vec<f32>>,
}

fn config(args: &Args, mode: ModeArg, threshold: f64) -> FaqConfig {
    let mut index = IndexConfig::default();
    match args.analyzer {
        AnalyzerArg::English => {
            index.tfidf.stop_words = Some(StopWordsParam::English);
            index.tfidf.stemmer = Some(StemmerLanguage::English);
        }
        AnalyzerArg::Charwb => {
            index.tfidf.analyzer = AnalyzerKind::CharWb;
            index.tfidf.ngram_range = (3, 5);
        }
        AnalyzerArg::Sklearn => {}
    }
    if let Some(ef) = args.ef {
        index.dense.ef_search = ef;
    }
    FaqConfig {
        score: match mode {
            ModeArg::Sparse => ScoreMode::Sparse,
            ModeArg::Dense => ScoreMode::Dense,
            ModeArg::Hybrid => ScoreMode::Hybrid,
        },
        dense_weight: args.dense_weight,
        threshold,
        index,
        ..FaqConfig::default()
    }
}

fn build(config: FaqConfig, items: Vec<Item>) -> Result<(FaqCache, HashMap<EntryId, String>)> {
    let cache = FaqCache::builder().config(config).build()?;
    let ids: Vec<String> = items.iter().map(|i| i.id.clone()).collect();
    let batch = items
        .into_iter()
        .map(|item| {
            let mut options = InsertOptions::new().meta("id", item.id);
            options.alternates = item.alternates;
            options.vector = item.vector;
            (item.question, item.answer, options)
        })
        .collect();
    // The cache names a refused item by its position in this batch, which
    // skips entries without a question: name it by its id instead.
    let entry_ids = cache.insert_batch(batch).map_err(|e| match &e {
        Error::BatchItem { position, .. } => match ids.get(*position) {
            Some(id) => Error::InvalidInput(format!("entry {id:?}: {}", e.root())),
            None => e,
        },
        _ => e,
    })?;
    Ok((cache, entry_ids.into_iter().zip(ids).collect()))
}

// ---------------------------------------------------------------- evaluation

fn evaluate(args: &Args) -> Result<()> {
    // As the cache itself refuses one (answer mode): a NaN or infinite
    // threshold would print `"threshold": null` with a meaningless summary.
    if args.threshold.is_some_and(|t| !t.is_finite()) {
        return Err(Error::invalid_parameter("threshold", "must be finite"));
    }
    let dir = &args.data;
    // The shared BEIR reader (repeated ids refused, as by `evaluate`).
    let data = BeirDataset::load(dir)?;
    let dangling = data.dangling().describe();
    let mut items = corpus_items(data.corpus);
    check_entries(&dir.join("corpus.jsonl"), &items)?;
    // Before the warning: an empty queries file makes every judgement dangle.
    if data.queries.is_empty() {
        return Err(Error::InvalidInput(format!(
            "{}: no query to evaluate",
            dir.join("queries.jsonl").display()
        )));
    }
    if let Some(line) = dangling {
        eprintln!("warning: {line}");
    }
    let queries: Vec<(String, String)> = data.queries.into_iter().map(|q| (q.id, q.text)).collect();
    let judgements = data.qrels;
    // BEIR's own layout lists every split's queries; those judged only in
    // qrels/train.tsv or dev.tsv are not test questions (counted here as
    // "nothing relevant", each hit of theirs would be a false one).
    let elsewhere: HashSet<String> = other_split_queries(dir)?.into_iter().collect();
    let keep: Vec<bool> = queries
        .iter()
        .map(|(id, _)| !elsewhere.contains(id))
        .collect();
    if !elsewhere.is_empty() {
        eprintln!(
            "left out {} queries judged only in another split of {}",
            keep.iter().filter(|k| !**k).count(),
            dir.join("qrels").display()
        );
    }
    let qrels = relevant_entries(judgements);
    let vectors = read_vectors(dir, items.len(), queries.len())?;
    let mode = args.mode.unwrap_or(if vectors.is_some() {
        ModeArg::Hybrid
    } else {
        ModeArg::Sparse
    });
    let query_vectors = match (mode, vectors) {
        (ModeArg::Sparse, _) => None,
        (_, Some((corpus, queries))) => {
            for (item, v) in items.iter_mut().zip(corpus) {
                item.vector = Some(v);
            }
            Some(queries)
        }
        (_, None) => {
            return Err(Error::InvalidInput(format!(
                "{mode:?} mode needs corpus.emb.npy and queries.emb.npy"
            )))
        }
    };
    let queries = kept(queries, &keep);
    let query_vectors = query_vectors.map(|v| kept(v, &keep));
    if queries.is_empty() {
        return Err(Error::InvalidInput(format!(
            "{}: no test query to evaluate",
            dir.display()
        )));
    }
    let items = storable(items);
    if items.is_empty() {
        return Err(Error::InvalidInput(format!(
            "{}: no entry with a question to store",
            dir.join("corpus.jsonl").display()
        )));
    }
    let unanswerable = match queries
        .iter()
        .filter(|(id, _)| qrels.get(id).is_none_or(HashSet::is_empty))
        .count()
    {
        0 => String::new(),
        n => format!(
            " ({n} without a relevant entry: the cache should not answer them, \
             a served one is a false hit)"
        ),
    };
    eprintln!(
        "{}: {} entries, {} queries{unanswerable}, mode {mode:?}",
        dir.display(),
        items.len(),
        queries.len()
    );
    let mut config = config(args, mode, 0.0);
    if !args.guards {
        config.lexical_veto = None;
    }
    let (cache, keys) = build(config, items)?;
    let labels = label_queries(&cache, &keys, &queries, &qrels, query_vectors)?;
    let calibration = calibrate(&labels, args.target, 0.95)?;
    print_table(&calibration, mode);
    let threshold = args.threshold.or(calibration.threshold).unwrap_or(1.0);
    let point = calibration.point_at(threshold);
    summary(args, mode, threshold, &point, &calibration);
    Ok(())
}

/// The rows of `rows` whose `keep` is true.
fn kept<T>(rows: Vec<T>, keep: &[bool]) -> Vec<T> {
    rows.into_iter()
        .zip(keep)
        .filter_map(|(row, &k)| k.then_some(row))
        .collect()
}

/// The corpus entries a cache can store: one with neither title nor text has
/// no question (the cache refuses an empty one), so it is left out, and said
/// so on stderr. Queries whose relevant entries are all left out still count
/// as answerable: they lower recall instead of disappearing.
fn storable(items: Vec<Item>) -> Vec<Item> {
    let (kept, empty): (Vec<Item>, Vec<Item>) = items
        .into_iter()
        .partition(|i| !i.question.trim().is_empty());
    if !empty.is_empty() {
        let ids: Vec<&str> = empty.iter().take(10).map(|i| i.id.as_str()).collect();
        eprintln!(
            "skipped {} corpus entries with an empty title and text (ids {}{})",
            empty.len(),
            ids.join(", "),
            if empty.len() > ids.len() { ", ..." } else { "" }
        );
    }
    kept
}

fn label_queries(
    cache: &FaqCache,
    keys: &HashMap<EntryId, String>,
    queries: &[(String, String)],
    qrels: &HashMap<String, HashSet<String>>,
    vectors: Option<Vec<Vec<f32>>>,
) -> Result<Vec<LabelledScore>> {
    let mut vectors = vectors.map(Vec::into_iter);
    let empty = HashSet::new();
    queries
        .iter()
        .map(|(qid, text)| {
            let mut request = LookupRequest::new(text.clone());
            if let Some(v) = vectors.as_mut().and_then(Iterator::next) {
                request = request.vector(v);
            }
            let relevant = qrels.get(qid).unwrap_or(&empty);
            let (best, refusal) = cache
                .assess(&request)
                .map_err(|e| Error::InvalidInput(format!("query {qid:?}: {e}")))?;
            let best = best.filter(|_| refusal.is_none());
            Ok(LabelledScore {
                score: best.as_ref().map_or(f64::NEG_INFINITY, |b| b.score),
                correct: best
                    .is_some_and(|b| keys.get(&b.entry_id).is_some_and(|k| relevant.contains(k))),
                answerable: !relevant.is_empty(),
            })
        })
        .collect()
}

fn print_table(calibration: &Calibration, mode: ModeArg) {
    println!(
        "mode {mode:?}: {} queries, {} with a relevant entry",
        calibration.n_labels, calibration.n_answerable
    );
    println!(
        "{:>9} {:>7} {:>7} {:>9} {:>9} {:>7} {:>8}",
        "threshold", "served", "correct", "precision", "p_lower95", "recall", "hit_rate"
    );
    let mut grid: Vec<f64> = (6..=20).map(|i| f64::from(i) * 0.05).collect();
    if let Some(t) = calibration.threshold {
        grid.push(t);
        grid.sort_by(f64::total_cmp);
    }
    for t in grid {
        let p = calibration.point_at(t);
        let mark = if Some(t) == calibration.threshold {
            "  <- lowest t with p_lower95 >= target"
        } else {
            ""
        };
        println!(
            "{:>9.4} {:>7} {:>7} {:>9.4} {:>9.4} {:>7.4} {:>8.4}{mark}",
            t, p.served, p.correct, p.precision, p.precision_lower, p.recall, p.hit_rate
        );
    }
}

fn summary(
    args: &Args,
    mode: ModeArg,
    threshold: f64,
    point: &CurvePoint,
    calibration: &Calibration,
) {
    let mode = format!("{mode:?}").to_lowercase();
    println!(
        "at threshold {threshold:.4}: precision {:.4}, recall {:.4}, hit rate {:.4}",
        point.precision, point.recall, point.hit_rate
    );
    if args.json {
        let json = serde_json::json!({
            "mode": mode,
            "threshold": threshold,
            "precision": point.precision,
            "recall": point.recall,
            "hit_rate": point.hit_rate,
            "calibrated_threshold_p95": calibration.threshold,
        });
        println!("{json}");
    }
}

// ---------------------------------------------------------------- answering

fn answer(args: &Args) -> Result<()> {
    let items = if args.data.is_dir() {
        read_corpus(&args.data)?
    } else {
        read_faq_jsonl(&args.data)?
    };
    let mode = args.mode.unwrap_or(ModeArg::Sparse);
    if mode != ModeArg::Sparse {
        // Without this check dense mode failed at the first question and
        // hybrid quietly ran sparse-only.
        return Err(Error::InvalidInput(format!(
            "--mode {} needs a vector for every question, and this example has no embedder \
             for typed questions: answer with --mode sparse, or evaluate with --eval on a \
             BEIR directory with .npy vectors",
            format!("{mode:?}").to_lowercase()
        )));
    }
    let mut threshold = args.threshold.unwrap_or(FaqConfig::default().threshold);
    if let Some(path) = &args.calibrate {
        let (cache, keys) = build(config(args, mode, threshold), items.clone())?;
        let ids: HashMap<&String, EntryId> = keys.iter().map(|(e, k)| (k, *e)).collect();
        // A mistyped id must not turn a labelled query into "nothing should
        // match" (a negative that would count its correct hit as false).
        let pairs = read_labelled(path)?
            .into_iter()
            .enumerate()
            .map(|(i, (text, expected))| {
                let entry = match expected {
                    None => None,
                    Some(id) => Some(ids.get(&id).copied().ok_or_else(|| {
                        Error::InvalidInput(format!(
                            "{}: labelled query {} expects entry {id:?}, which is not a stored \
                             entry of {}",
                            path.display(),
                            i + 1,
                            args.data.display()
                        ))
                    })?),
                };
                Ok((LookupRequest::new(text), entry))
            })
            .collect::<Result<Vec<(LookupRequest, Option<EntryId>)>>>()?;
        let calibration = cache.calibrate_pairs(&pairs, args.target)?;
        print_table(&calibration, mode);
        match calibration.threshold {
            Some(t) => threshold = t,
            None => eprintln!(
                "no threshold reaches precision {} with 95% confidence; keeping {threshold}",
                args.target
            ),
        }
    }
    let (cache, _) = build(config(args, mode, threshold), items)?;
    eprintln!(
        "{} entries, threshold {threshold:.4}; one question per line",
        cache.len()
    );
    let input: Box<dyn BufRead> = match &args.questions {
        Some(path) => Box::new(BufReader::new(
            File::open(path).map_err(|e| Error::io(path, e))?,
        )),
        None => Box::new(BufReader::new(std::io::stdin())),
    };
    for line in input.lines() {
        let line = line.map_err(|e| Error::io("<input>", e))?;
        if line.trim().is_empty() {
            continue;
        }
        print_lookup(&line, &cache.lookup(&line)?);
    }
    let stats = cache.stats();
    println!(
        "lookups {} hits {} misses {} hit rate {:.3}",
        stats.lookups,
        stats.hits,
        stats.misses,
        stats.hit_rate()
    );
    Ok(())
}

fn print_lookup(question: &str, lookup: &Lookup) {
    match lookup {
        Lookup::Hit(hit) => println!(
            "HIT  {:.3}  {question:?} ~ {:?}\n     -> {}",
            hit.score, hit.matched_question, hit.answer
        ),
        Lookup::Miss(miss) => {
            let nearest = miss.nearest.first().map_or_else(
                || "none".to_string(),
                |c| format!("{:.3} {:?}", c.score, c.question),
            );
            let why = miss
                .refused_by
                .as_ref()
                .map_or_else(String::new, |r| format!(" [{r}]"));
            println!("MISS {question:?} (nearest: {nearest}){why}");
        }
    }
}

// ---------------------------------------------------------------- reading

fn read_faq_jsonl(path: &Path) -> Result<Vec<Item>> {
    #[derive(Deserialize)]
    struct Line {
        /// A string or a number; the line's position when absent.
        id: Option<serde_json::Value>,
        question: String,
        answer: String,
        #[serde(default)]
        alternates: Vec<String>,
    }
    // `read_jsonl` names the file and line of a malformed record.
    let items: Vec<Item> = read_jsonl::<Line>(path)?
        .into_iter()
        .enumerate()
        .map(|(n, line)| Item {
            id: match line.id {
                Some(serde_json::Value::String(id)) => id,
                Some(other) => other.to_string(),
                None => n.to_string(),
            },
            question: line.question,
            answer: line.answer,
            alternates: line.alternates,
            vector: None,
        })
        .collect();
    check_entries(path, &items)?;
    Ok(items)
}

/// Refuses a FAQ with no entry or with an id twice (answers and judgements
/// are matched by id: a repeated one would count under either copy).
fn check_entries(path: &Path, items: &[Item]) -> Result<()> {
    if items.is_empty() {
        return Err(Error::InvalidInput(format!(
            "{}: no entry to store",
            path.display()
        )));
    }
    check_unique_ids(path, items.iter().map(|i| i.id.as_str()))
}

/// A BEIR directory's corpus as entries: the title is the question and the
/// text the answer; without a title the text is the question.
fn read_corpus(dir: &Path) -> Result<Vec<Item>> {
    let path = dir.join("corpus.jsonl");
    let items = corpus_items(read_jsonl::<CorpusDoc>(&path)?);
    check_entries(&path, &items)?;
    Ok(items)
}

/// BEIR corpus documents as entries (see [`read_corpus`]).
fn corpus_items(docs: Vec<CorpusDoc>) -> Vec<Item> {
    docs.into_iter()
        .map(|doc| {
            let (question, answer) = if doc.title.trim().is_empty() {
                (doc.text, format!("[answer of {}]", doc.id))
            } else {
                (doc.title, doc.text)
            };
            Item {
                id: doc.id,
                question,
                answer,
                alternates: Vec::new(),
                vector: None,
            }
        })
        .collect()
}

fn read_labelled(path: &Path) -> Result<Vec<(String, Option<String>)>> {
    #[derive(Deserialize)]
    struct Line {
        text: String,
        expected: Option<String>,
    }
    // `read_jsonl` names the file and line of a malformed record.
    Ok(read_jsonl::<Line>(path)?
        .into_iter()
        .map(|q| (q.text, q.expected))
        .collect())
}

/// The entries judged relevant (score > 0) to each query.
fn relevant_entries(qrels: Qrels) -> HashMap<String, HashSet<String>> {
    qrels
        .into_iter()
        .map(|(query, judged)| {
            let relevant = judged
                .into_iter()
                .filter(|&(_, score)| score > 0)
                .map(|(doc, _)| doc)
                .collect();
            (query, relevant)
        })
        .collect()
}

type Vectors = (Vec<Vec<f32>>, Vec<Vec<f32>>);

fn read_vectors(dir: &Path, n_corpus: usize, n_queries: usize) -> Result<Option<Vectors>> {
    let (c, q) = (dir.join("corpus.emb.npy"), dir.join("queries.emb.npy"));
    if !c.exists() || !q.exists() {
        return Ok(None);
    }
    let corpus = read_rows_for(&c, n_corpus)?;
    let queries = read_rows_for(&q, n_queries)?;
    Ok(Some((corpus, queries)))
}
