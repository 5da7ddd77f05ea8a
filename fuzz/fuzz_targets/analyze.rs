//! The analyzer must never panic: the first bytes choose a configuration,
//! the rest is the document (lossy UTF-8).
#![no_main]

use std::cell::RefCell;
use std::collections::HashMap;

use libfuzzer_sys::fuzz_target;
use rust_stemmers::Algorithm;
use twofold::analysis::{Analyzer, AnalyzerConfig, AnalyzerKind, StopWords, StripAccents, TokenizerKind};

const PATTERNS: &[&str] = &[
    r"(?u)\b\w\w+\b",
    r"(?u)\b\w+\b",
    r"\w*",
    r"(\w+)@",
    r"\S+",
    r"x*|y",
    r"[^\W\d_]+",
    r"(?m)^\w+|\w+$",
    r"\B\w+",
];

fn config(head: &[u8; 4]) -> AnalyzerConfig {
    let [a, b, c, d] = *head;
    let analyzer = match a % 3 {
        0 => AnalyzerKind::Word,
        1 => AnalyzerKind::Char,
        _ => AnalyzerKind::CharWb,
    };
    let min_n = usize::from(b % 4) + 1;
    let max_n = min_n + usize::from((b >> 2) % (5 - min_n as u8));
    let strip_accents = match c % 3 {
        0 => None,
        1 => Some(StripAccents::Ascii),
        _ => Some(StripAccents::Unicode),
    };
    let stop_words = match (c >> 2) % 3 {
        0 => StopWords::None,
        1 => StopWords::English,
        _ => StopWords::Custom(vec!["the".into(), "x".into(), String::new()]),
    };
    let stemmer = match (c >> 4) % 3 {
        0 => None,
        1 => Some(Algorithm::English),
        _ => Some(Algorithm::Russian),
    };
    let tokenizer = if d & 0x80 != 0 { TokenizerKind::Unicode } else { TokenizerKind::Pattern };
    let token_pattern = PATTERNS[usize::from(d & 0x7f) % PATTERNS.len()].to_string();
    AnalyzerConfig {
        lowercase: a & 0x80 == 0,
        strip_accents,
        token_pattern,
        stop_words,
        ngram_range: (min_n, max_n),
        analyzer,
        stemmer,
        tokenizer,
    }
}

thread_local! {
    /// Compiling a custom pattern (Python's \w class) costs milliseconds:
    /// reuse analyzers so the fuzzer spends its time analysing text.
    /// Keyed by the configuration (many head bytes map to the same one).
    static CACHE: RefCell<HashMap<String, Option<Analyzer>>> = RefCell::new(HashMap::new());
}

fn analyzer(head: &[u8; 4]) -> Option<Analyzer> {
    CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        if cache.len() > 16_384 {
            cache.clear();
        }
        let config = config(head);
        let key = format!("{config:?}");
        cache.entry(key).or_insert_with(|| Analyzer::new(config).ok()).clone()
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((head, rest)) = data.split_first_chunk::<4>() else { return };
    let Some(analyzer) = analyzer(head) else { return };
    let text = String::from_utf8_lossy(rest);
    let mut n = 0usize;
    analyzer.for_each_term(&text, &mut |t| n += t.len());
    std::hint::black_box(n);
});
