//! The shipped FAQ sample (`examples/data/faq.jsonl`, `faq_queries.jsonl`) as
//! test data, shared by `tests/faq_sample.rs` and `tests/faq_snapshot.rs`.
#![allow(dead_code)] // each test binary reads only some of the fields

use serde::Deserialize;

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
