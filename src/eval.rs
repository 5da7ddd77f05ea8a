//! Retrieval evaluation: BEIR-layout data sets and the usual ranking metrics.
//!
//! A BEIR directory holds `corpus.jsonl` (`{"id","title","text"}`),
//! `queries.jsonl` (`{"id","text"}`) and `qrels.tsv` (header
//! `query-id\tcorpus-id\tscore`, then one judgement per line). The files of
//! the original BEIR distribution load too: ids under `_id`, ids written as
//! JSON numbers, a `null` title, `qrels/test.tsv` in place of `qrels.tsv`.
//! The metrics
//! follow `trec_eval` as `pytrec_eval` runs it: graded gains (the qrels score)
//! with a `log2(rank + 1)` discount for nDCG, binary relevance (score > 0)
//! for recall and MRR.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::Path;

use serde::Deserialize;

use crate::error::{Error, Result};

/// One corpus document of a BEIR data set.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct CorpusDoc {
    /// Document id (`id` or BEIR's `_id`; a JSON number is read as its text).
    #[serde(alias = "_id", deserialize_with = "id_text")]
    pub id: String,
    /// Title; empty when the set has none (absent or `null`).
    #[serde(default, deserialize_with = "text_or_null")]
    pub title: String,
    /// Body text (`null` reads as empty).
    #[serde(deserialize_with = "text_or_null")]
    pub text: String,
}

impl CorpusDoc {
    /// `title + " " + text`, trimmed, as the shared baselines index it.
    pub fn full_text(&self) -> String {
        format!("{} {}", self.title, self.text).trim().to_string()
    }
}

/// One query of a BEIR data set.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct Query {
    /// Query id (`id` or BEIR's `_id`; a JSON number is read as its text).
    #[serde(alias = "_id", deserialize_with = "id_text")]
    pub id: String,
    /// Query text.
    pub text: String,
}

/// Relevance judgements: query id → (document id → graded relevance).
pub type Qrels = HashMap<String, HashMap<String, i64>>;

/// A BEIR-layout data set loaded in memory.
#[derive(Clone, Debug)]
pub struct BeirDataset {
    /// Documents in file order (row `i` of `corpus.emb.npy` belongs to `corpus[i]`).
    pub corpus: Vec<CorpusDoc>,
    /// Queries in file order (row `i` of `queries.emb.npy` belongs to `queries[i]`).
    pub queries: Vec<Query>,
    /// Judgements.
    pub qrels: Qrels,
}

impl BeirDataset {
    /// Loads `corpus.jsonl`, `queries.jsonl` and the judgements ([`qrels_path`]) from `dir`.
    ///
    /// # Errors
    /// [`Error::Io`] for a missing or unreadable file, [`Error::InvalidInput`]
    /// for a malformed line (with file and line number).
    pub fn load(dir: &Path) -> Result<Self> {
        let corpus_path = dir.join("corpus.jsonl");
        let corpus: Vec<CorpusDoc> = read_jsonl(&corpus_path)?;
        check_unique_ids(&corpus_path, corpus.iter().map(|d| d.id.as_str()))?;
        let queries_path = dir.join("queries.jsonl");
        let queries: Vec<Query> = read_jsonl(&queries_path)?;
        check_unique_ids(&queries_path, queries.iter().map(|q| q.id.as_str()))?;
        Ok(BeirDataset {
            corpus,
            queries,
            qrels: read_qrels(&qrels_path(dir))?,
        })
    }

    /// Judgements naming a query or document this data set does not have.
    pub fn dangling(&self) -> Dangling {
        Dangling::find(
            &self.qrels,
            self.queries.iter().map(|q| q.id.as_str()),
            self.corpus.iter().map(|d| d.id.as_str()),
        )
    }

    /// Queries that have at least one judgement, in file order, with their row numbers.
    pub fn judged_queries(&self) -> impl Iterator<Item = (usize, &Query)> {
        self.queries
            .iter()
            .enumerate()
            .filter(|(_, q)| self.qrels.contains_key(&q.id))
    }
}

/// Refuses a file whose records repeat an id: judgements name documents and
/// queries by id, so a repeated one would be counted under either record (or
/// a query asked twice).
///
/// # Errors
/// [`Error::InvalidInput`] naming the file, the id and the two records
/// (1-based, counting records, not blank lines).
pub fn check_unique_ids<'a>(path: &Path, ids: impl IntoIterator<Item = &'a str>) -> Result<()> {
    let mut first = HashMap::new();
    for (n, id) in ids.into_iter().enumerate() {
        if let Some(earlier) = first.insert(id, n) {
            return Err(Error::InvalidInput(format!(
                "{}: id {id:?} appears twice (records {} and {})",
                path.display(),
                earlier + 1,
                n + 1
            )));
        }
    }
    Ok(())
}

/// Judgements naming a query or a document that the data set does not have
/// (a typo, or judgements of another version of the corpus), sorted. They
/// still count where they are (as in `pytrec_eval`): a relevant document that
/// is missing lowers recall, a query that is missing is never asked.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Dangling {
    /// Judged query ids with no query.
    pub queries: Vec<String>,
    /// Judged document ids with no document.
    pub documents: Vec<String>,
}

impl Dangling {
    /// The judgements of `qrels` whose query is not in `query_ids` or whose
    /// document is not in `document_ids`.
    pub fn find<'a>(
        qrels: &Qrels,
        query_ids: impl IntoIterator<Item = &'a str>,
        document_ids: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        let queries: HashSet<&str> = query_ids.into_iter().collect();
        let documents: HashSet<&str> = document_ids.into_iter().collect();
        let missing = |ids: &mut dyn Iterator<Item = &String>, known: &HashSet<&str>| {
            let mut missing: Vec<String> = ids
                .filter(|id| !known.contains(id.as_str()))
                .cloned()
                .collect();
            missing.sort_unstable();
            missing.dedup();
            missing
        };
        Dangling {
            queries: missing(&mut qrels.keys(), &queries),
            documents: missing(&mut qrels.values().flat_map(HashMap::keys), &documents),
        }
    }

    /// One line for a report, naming up to ten ids of each kind; `None`
    /// when every judgement names a known query and document.
    pub fn describe(&self) -> Option<String> {
        let part = |ids: &[String], what: &str, file: &str| {
            let plural = if ids.len() == 1 { "" } else { "s" };
            (!ids.is_empty()).then(|| {
                let shown: Vec<&str> = ids.iter().take(10).map(String::as_str).collect();
                let more = if ids.len() > shown.len() { ", ..." } else { "" };
                format!(
                    "{} {what}{plural} not in {file} ({}{more})",
                    ids.len(),
                    shown.join(", ")
                )
            })
        };
        let parts: Vec<String> = [
            part(&self.queries, "query id", "queries.jsonl"),
            part(&self.documents, "document id", "corpus.jsonl"),
        ]
        .into_iter()
        .flatten()
        .collect();
        (!parts.is_empty()).then(|| format!("the judgements name {}", parts.join(" and ")))
    }
}

/// The judgements file of a BEIR directory: `qrels.tsv`, or the original
/// distribution's `qrels/test.tsv` when only that exists.
pub fn qrels_path(dir: &Path) -> std::path::PathBuf {
    let flat = dir.join("qrels.tsv");
    let split = dir.join("qrels").join("test.tsv");
    if !flat.exists() && split.exists() {
        split
    } else {
        flat
    }
}

/// Queries of BEIR's original layout that belong to another split: judged in
/// a `qrels/*.tsv` next to the `qrels/test.tsv` that [`qrels_path`] picks
/// (`train.tsv`, `dev.tsv`) and not in `test.tsv`. `queries.jsonl` lists the
/// queries of every split; an evaluation that counts a query without test
/// judgements as "nothing relevant" (a FAQ cache's false hits) must leave
/// these out. Empty with a flat `qrels.tsv`. Sorted.
///
/// # Errors
/// As [`read_qrels`], for any of the split files.
pub fn other_split_queries(dir: &Path) -> Result<Vec<String>> {
    let test = qrels_path(dir);
    if test == dir.join("qrels.tsv") {
        return Ok(Vec::new());
    }
    let tested = read_qrels(&test)?;
    let mut others = std::collections::BTreeSet::new();
    let listing = fs::read_dir(dir.join("qrels")).map_err(|e| Error::io(dir.join("qrels"), e))?;
    for entry in listing {
        let path = entry.map_err(|e| Error::io(dir.join("qrels"), e))?.path();
        if path == test || path.extension().is_none_or(|e| e != "tsv") {
            continue;
        }
        others.extend(
            read_qrels(&path)?
                .into_keys()
                .filter(|query| !tested.contains_key(query)),
        );
    }
    Ok(others.into_iter().collect())
}

/// An id written as a JSON string or number (some BEIR exports use numbers).
fn id_text<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> std::result::Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Id {
        Text(String),
        Integer(i64),
        Unsigned(u64),
    }
    Ok(match Id::deserialize(deserializer)? {
        Id::Text(id) => id,
        Id::Integer(id) => id.to_string(),
        Id::Unsigned(id) => id.to_string(),
    })
}

/// A text field that may be `null` (read as empty).
fn text_or_null<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> std::result::Result<String, D::Error> {
    Ok(Option::<String>::deserialize(deserializer)?.unwrap_or_default())
}

/// The file's text without a leading UTF-8 byte-order mark (Windows tools
/// write one; JSON parsers refuse it as "expected value at line 1").
fn read_text(path: &Path) -> Result<String> {
    let text = fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    Ok(match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    })
}

/// Reads a JSON-lines file, skipping blank lines (and a byte-order mark).
///
/// # Errors
/// [`Error::Io`] or [`Error::InvalidInput`] naming the file and line.
pub fn read_jsonl<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<Vec<T>> {
    let text = read_text(path)?;
    let mut out = Vec::new();
    for (number, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let item = serde_json::from_str(line)
            .map_err(|e| Error::InvalidInput(format!("{}:{}: {e}", path.display(), number + 1)))?;
        out.push(item);
    }
    Ok(out)
}

/// Reads a BEIR `qrels.tsv`: `query-id<TAB>corpus-id<TAB>score` lines, after
/// an optional header line (a first line whose score is not a number). Scores
/// are integers (`1.0` is read as 1: some exports write floats).
///
/// # Errors
/// [`Error::Io`] or [`Error::InvalidInput`] naming the file and line.
pub fn read_qrels(path: &Path) -> Result<Qrels> {
    let text = read_text(path)?;
    let bad =
        |n: usize, why: &str| Error::InvalidInput(format!("{}:{}: {why}", path.display(), n + 1));
    let mut qrels = Qrels::new();
    let mut first = true;
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let may_be_header = std::mem::take(&mut first);
        let fields: Vec<&str> = line.trim_end_matches('\r').split('\t').collect();
        let [query, doc, score] = fields[..] else {
            return Err(bad(
                n,
                "expected three tab-separated fields (query-id, corpus-id, score)",
            ));
        };
        let score = score.trim();
        let Some(score) = judgement_score(score) else {
            if may_be_header && score.parse::<f64>().is_err() {
                continue; // the header
            }
            return Err(bad(n, "score is not an integer"));
        };
        qrels
            .entry(query.to_string())
            .or_default()
            .insert(doc.to_string(), score);
    }
    Ok(qrels)
}

/// A qrels score: an integer, or a float with no fractional part.
fn judgement_score(text: &str) -> Option<i64> {
    text.parse::<i64>().ok().or_else(|| {
        let x = text.parse::<f64>().ok()?;
        (x.fract() == 0.0 && x.abs() < 1e15).then_some(x as i64)
    })
}

/// nDCG@k with graded gains and the `log2(rank + 1)` discount (trec_eval's `ndcg_cut_k`).
///
/// `ranked` is the system's ranking, best first. Returns 0 when the query has no
/// relevant document.
pub fn ndcg_at_k(ranked: &[&str], judgements: &HashMap<String, i64>, k: usize) -> f64 {
    // `+ 0.0`: an empty `f64` sum is -0.0, which printed as "-0.0000".
    let dcg: f64 = ranked
        .iter()
        .take(k)
        .enumerate()
        .map(|(i, d)| gain(judgements, d) / discount(i))
        .sum::<f64>()
        + 0.0;
    let mut ideal: Vec<f64> = judgements
        .values()
        .filter(|&&g| g > 0)
        .map(|&g| g as f64)
        .collect();
    ideal.sort_by(|a, b| b.total_cmp(a));
    let idcg: f64 = ideal
        .iter()
        .take(k)
        .enumerate()
        .map(|(i, g)| g / discount(i))
        .sum();
    if idcg > 0.0 {
        dcg / idcg
    } else {
        0.0
    }
}

/// Recall@k: the share of relevant documents (score > 0) found in the top `k`.
pub fn recall_at_k(ranked: &[&str], judgements: &HashMap<String, i64>, k: usize) -> f64 {
    let relevant = judgements.values().filter(|&&g| g > 0).count();
    if relevant == 0 {
        return 0.0;
    }
    let found = ranked
        .iter()
        .take(k)
        .filter(|d| gain(judgements, d) > 0.0)
        .count();
    found as f64 / relevant as f64
}

/// MRR@k: the reciprocal rank of the first relevant document in the top `k`, else 0.
pub fn mrr_at_k(ranked: &[&str], judgements: &HashMap<String, i64>, k: usize) -> f64 {
    ranked
        .iter()
        .take(k)
        .position(|d| gain(judgements, d) > 0.0)
        .map_or(0.0, |i| 1.0 / (i + 1) as f64)
}

fn gain(judgements: &HashMap<String, i64>, doc: &str) -> f64 {
    judgements.get(doc).map_or(0.0, |&g| g.max(0) as f64)
}

fn discount(rank0: usize) -> f64 {
    ((rank0 + 2) as f64).log2()
}

/// The `p`-th percentile (0–100, nearest rank) of `values`; 0 for an empty slice.
pub fn percentile(values: &[f64], p: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judged(pairs: &[(&str, i64)]) -> HashMap<String, i64> {
        pairs.iter().map(|(d, g)| (d.to_string(), *g)).collect()
    }

    #[test]
    fn ndcg_matches_hand_computation() {
        let j = judged(&[("a", 2), ("b", 1), ("z", 0)]);
        // ranking: x, a, b -> dcg = 2/log2(3) + 1/log2(4); ideal = 2/1 + 1/log2(3)
        let got = ndcg_at_k(&["x", "a", "b"], &j, 10);
        let want = (2.0 / 3f64.log2() + 0.5) / (2.0 + 1.0 / 3f64.log2());
        assert!((got - want).abs() < 1e-12, "{got} vs {want}");
        assert_eq!(ndcg_at_k(&["a", "b"], &j, 10), 1.0);
        assert_eq!(ndcg_at_k(&["x"], &judged(&[("q", 0)]), 10), 0.0);
    }

    #[test]
    fn cut_off_is_respected() {
        let j = judged(&[("a", 1)]);
        assert_eq!(ndcg_at_k(&["x", "a"], &j, 1), 0.0);
        assert_eq!(recall_at_k(&["x", "a"], &j, 1), 0.0);
        assert_eq!(recall_at_k(&["x", "a"], &j, 2), 1.0);
        assert_eq!(mrr_at_k(&["x", "a"], &j, 10), 0.5);
        assert_eq!(mrr_at_k(&["x", "a"], &j, 1), 0.0);
    }

    #[test]
    fn percentile_is_nearest_rank() {
        let v = [5.0, 1.0, 3.0, 2.0, 4.0];
        assert_eq!(percentile(&v, 50.0), 3.0);
        assert_eq!(percentile(&v, 100.0), 5.0);
        assert_eq!(percentile(&v, 0.0), 1.0);
        assert_eq!(percentile(&[], 50.0), 0.0);
    }

    #[test]
    fn qrels_have_three_fields_and_an_optional_header() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("qrels.tsv");
        fs::write(&path, "query-id\tcorpus-id\tscore\nq1\td1\t1\nq1\td2\t2\n").unwrap();
        let q = read_qrels(&path).unwrap();
        assert_eq!(q["q1"]["d2"], 2);
        fs::write(&path, "q1\td1\t1\nq2\td3\t0.0\n").unwrap();
        let q = read_qrels(&path).unwrap();
        assert_eq!((q["q1"]["d1"], q["q2"]["d3"]), (1, 0));
        fs::write(&path, "query-id\tcorpus-id\tscore\nq1\td1\n").unwrap();
        assert!(matches!(read_qrels(&path), Err(Error::InvalidInput(_))));
        fs::write(&path, "q1\td1\t1\nq1\td2\thigh\n").unwrap();
        let err = read_qrels(&path).unwrap_err().to_string();
        assert!(
            err.contains("qrels.tsv:2: score is not an integer"),
            "{err}"
        );
        fs::write(&path, "q1\td1\t0.5\n").unwrap();
        assert!(matches!(read_qrels(&path), Err(Error::InvalidInput(_))));
    }

    #[test]
    fn the_original_beir_files_load() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::write(
            root.join("corpus.jsonl"),
            "{\"_id\": \"d1\", \"title\": null, \"text\": \"alpha\", \"metadata\": {}}\n\
             {\"_id\": 2, \"title\": \"Two\", \"text\": \"beta\"}\n",
        )
        .unwrap();
        fs::write(
            root.join("queries.jsonl"),
            "{\"_id\": 7, \"text\": \"alpha?\", \"metadata\": {}}\n",
        )
        .unwrap();
        fs::create_dir(root.join("qrels")).unwrap();
        fs::write(
            root.join("qrels").join("test.tsv"),
            "query-id\tcorpus-id\tscore\n7\td1\t1\n",
        )
        .unwrap();
        let data = BeirDataset::load(root).unwrap();
        let ids: Vec<&str> = data.corpus.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(ids, ["d1", "2"]);
        assert_eq!(data.corpus[0].full_text(), "alpha");
        assert_eq!(data.queries[0].id, "7");
        assert_eq!(data.qrels["7"]["d1"], 1);
        // The flat file wins when both exist.
        fs::write(root.join("qrels.tsv"), "7\t2\t1\n").unwrap();
        let data = BeirDataset::load(root).unwrap();
        assert!(data.qrels["7"].contains_key("2"));
    }

    /// An empty `f64` sum is -0.0; a query with no hit scored "-0.0000".
    #[test]
    fn a_ranking_without_hits_scores_positive_zero() {
        let judged: HashMap<String, i64> = [("d1".to_string(), 1)].into();
        let ndcg = ndcg_at_k(&[], &judged, 10);
        assert!(ndcg == 0.0 && ndcg.is_sign_positive(), "{ndcg}");
    }

    #[test]
    fn a_repeated_id_is_refused_with_both_records() {
        let path = Path::new("queries.jsonl");
        assert!(check_unique_ids(path, ["a", "b", "c"]).is_ok());
        let err = check_unique_ids(path, ["a", "b", "a"]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "queries.jsonl: id \"a\" appears twice (records 1 and 3)"
        );
    }

    #[test]
    fn judgements_of_unknown_queries_and_documents_are_found() {
        let mut qrels = Qrels::new();
        qrels.insert("q1".into(), judged(&[("d1", 1), ("zz", 1)]));
        qrels.insert("q9".into(), judged(&[("d1", 1), ("zz", 0)]));
        let dangling = Dangling::find(&qrels, ["q1", "q2"], ["d1", "d2"]);
        assert_eq!(dangling.queries, ["q9"]);
        assert_eq!(dangling.documents, ["zz"]);
        assert_eq!(
            dangling.describe().as_deref(),
            Some(
                "the judgements name 1 query id not in queries.jsonl (q9) \
                 and 1 document id not in corpus.jsonl (zz)"
            )
        );
        let complete = Dangling::find(&qrels, ["q1", "q9"], ["d1", "zz"]);
        assert_eq!(complete, Dangling::default());
        assert_eq!(complete.describe(), None);
    }

    #[test]
    fn files_saved_by_windows_tools_load() {
        // A UTF-8 byte-order mark and CRLF line ends, in every file.
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let write = |name: &str, lines: &[&str]| {
            fs::write(
                root.join(name),
                format!("\u{feff}{}\r\n", lines.join("\r\n")),
            )
            .unwrap();
        };
        write(
            "corpus.jsonl",
            &[
                "{\"_id\": \"d1\", \"text\": \"alpha\"}",
                "{\"_id\": \"d2\", \"text\": \"beta\"}",
            ],
        );
        write(
            "queries.jsonl",
            &["{\"_id\": \"q1\", \"text\": \"alpha?\"}"],
        );
        write("qrels.tsv", &["query-id\tcorpus-id\tscore", "q1\td1\t1"]);
        let data = BeirDataset::load(root).unwrap();
        let ids: Vec<&str> = data.corpus.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(ids, ["d1", "d2"]);
        assert_eq!(data.queries[0].id, "q1");
        assert_eq!(data.qrels["q1"]["d1"], 1);
        // Without a header the first judgement survives its mark.
        write("qrels.tsv", &["q1\td2\t1"]);
        assert_eq!(BeirDataset::load(root).unwrap().qrels["q1"]["d2"], 1);
    }
}
