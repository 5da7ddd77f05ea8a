//! The shipped FAQ sample (`examples/data/faq.jsonl`, `faq_queries.jsonl`) as
//! test data, and small cache helpers, shared by the `faq*` test modules.
#![allow(dead_code)] // each test binary reads only some of the fields

use serde::Deserialize;
use twofold::faq::{FaqCache, FaqConfig, InsertOptions, Lookup, ScoreMode};

/// One stored FAQ item of `faq.jsonl`.
#[derive(Deserialize)]
pub struct Entry {
    pub id: String,
    pub question: String,
    pub answer: String,
    pub tags: Vec<String>,
    #[serde(default)]
    pub alternates: Vec<String>,
}

/// One labelled incoming question of `faq_queries.jsonl`.
#[derive(Deserialize)]
pub struct Query {
    pub id: String,
    pub text: String,
    pub expected: Option<String>,
}

/// Every line of `examples/data/<name>`, parsed.
pub fn read_jsonl<T: for<'de> Deserialize<'de>>(name: &str) -> Vec<T> {
    let path = format!("{}/examples/data/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The sample's entries as `insert_batch` items (tags, alternates, and the
/// sample id as `faq_id` metadata).
pub fn sample_items(entries: &[Entry]) -> Vec<(String, String, InsertOptions)> {
    entries
        .iter()
        .map(|e| {
            let mut options = InsertOptions::new().meta("faq_id", e.id.clone());
            options.tags = e.tags.clone();
            options.alternates = e.alternates.clone();
            (e.question.clone(), e.answer.clone(), options)
        })
        .collect()
}

/// The default configuration with sparse scoring at `threshold`.
pub fn sparse(threshold: f64) -> FaqConfig {
    FaqConfig {
        score: ScoreMode::Sparse,
        threshold,
        ..FaqConfig::default()
    }
}

/// A few unrelated questions so that idf means something.
pub fn filler(cache: &FaqCache) {
    for (q, a) in [
        ("What are your opening hours?", "9 to 5."),
        ("Where is the nearest store?", "Main Street."),
        ("Do you sell gift cards?", "Yes, in store."),
        ("How do I contact support?", "Call us."),
    ] {
        cache.insert(q, a, InsertOptions::new()).unwrap();
    }
}

/// The served answer, if the lookup is a hit.
pub fn answer(lookup: &Lookup) -> Option<&str> {
    lookup.hit().map(|h| h.answer.as_str())
}
