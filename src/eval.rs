//! Retrieval evaluation: BEIR-layout data sets and the usual ranking metrics.
//!
//! A BEIR directory holds `corpus.jsonl` (`{"id","title","text"}`),
//! `queries.jsonl` (`{"id","text"}`) and `qrels.tsv` (header
//! `query-id\tcorpus-id\tscore`, then one judgement per line). The metrics
//! follow `trec_eval` as `pytrec_eval` runs it: graded gains (the qrels score)
//! with a `log2(rank + 1)` discount for nDCG, binary relevance (score > 0)
//! for recall and MRR.

use std::collections::HashMap;
use std::fs;
use std::path::Path;

use serde::Deserialize;

use crate::error::{Error, Result};

/// One corpus document of a BEIR data set.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct CorpusDoc {
    /// Document id.
    pub id: String,
    /// Title; empty when the set has none.
    #[serde(default)]
    pub title: String,
    /// Body text.
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
    /// Query id.
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
    /// Loads `corpus.jsonl`, `queries.jsonl` and `qrels.tsv` from `dir`.
    ///
    /// # Errors
    /// [`Error::Io`] for a missing or unreadable file, [`Error::InvalidInput`]
    /// for a malformed line (with file and line number).
    pub fn load(dir: &Path) -> Result<Self> {
        Ok(BeirDataset {
            corpus: read_jsonl(&dir.join("corpus.jsonl"))?,
            queries: read_jsonl(&dir.join("queries.jsonl"))?,
            qrels: read_qrels(&dir.join("qrels.tsv"))?,
        })
    }

    /// Queries that have at least one judgement, in file order, with their row numbers.
    pub fn judged_queries(&self) -> impl Iterator<Item = (usize, &Query)> {
        self.queries
            .iter()
            .enumerate()
            .filter(|(_, q)| self.qrels.contains_key(&q.id))
    }
}

fn read_text(path: &Path) -> Result<String> {
    fs::read_to_string(path).map_err(|e| Error::io(path, e))
}

/// Reads a JSON-lines file, skipping blank lines.
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

/// Reads a BEIR `qrels.tsv` (the header line is required).
///
/// # Errors
/// [`Error::Io`] or [`Error::InvalidInput`] naming the file and line.
pub fn read_qrels(path: &Path) -> Result<Qrels> {
    let text = read_text(path)?;
    let mut lines = text.lines().enumerate();
    let bad =
        |n: usize, why: &str| Error::InvalidInput(format!("{}:{}: {why}", path.display(), n + 1));
    match lines.next() {
        Some((_, header)) if header.trim_end() == "query-id\tcorpus-id\tscore" => {}
        _ => {
            return Err(bad(
                0,
                "expected the header `query-id<TAB>corpus-id<TAB>score`",
            ))
        }
    }
    let mut qrels = Qrels::new();
    for (n, line) in lines {
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.trim_end_matches('\r').split('\t').collect();
        let [query, doc, score] = fields[..] else {
            return Err(bad(n, "expected three tab-separated fields"));
        };
        let score: i64 = score
            .trim()
            .parse()
            .map_err(|_| bad(n, "score is not an integer"))?;
        qrels
            .entry(query.to_string())
            .or_default()
            .insert(doc.to_string(), score);
    }
    Ok(qrels)
}

/// nDCG@k with graded gains and the `log2(rank + 1)` discount (trec_eval's `ndcg_cut_k`).
///
/// `ranked` is the system's ranking, best first. Returns 0 when the query has no
/// relevant document.
pub fn ndcg_at_k(ranked: &[&str], judgements: &HashMap<String, i64>, k: usize) -> f64 {
    let dcg: f64 = ranked
        .iter()
        .take(k)
        .enumerate()
        .map(|(i, d)| gain(judgements, d) / discount(i))
        .sum();
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
    fn qrels_need_a_header_and_three_fields() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("qrels.tsv");
        fs::write(&path, "query-id\tcorpus-id\tscore\nq1\td1\t1\nq1\td2\t2\n").unwrap();
        let q = read_qrels(&path).unwrap();
        assert_eq!(q["q1"]["d2"], 2);
        fs::write(&path, "q1\td1\t1\n").unwrap();
        assert!(matches!(read_qrels(&path), Err(Error::InvalidInput(_))));
        fs::write(&path, "query-id\tcorpus-id\tscore\nq1\td1\n").unwrap();
        assert!(matches!(read_qrels(&path), Err(Error::InvalidInput(_))));
    }
}
