//! Pipeline-level tests: configuration errors and stage order.

use super::*;

fn analyzer(config: AnalyzerConfig) -> Analyzer {
    Analyzer::new(config).unwrap_or_else(|e| panic!("{e}"))
}

fn with_pattern(pattern: &str) -> Result<Analyzer> {
    Analyzer::new(AnalyzerConfig {
        token_pattern: pattern.to_string(),
        ..AnalyzerConfig::default()
    })
}

fn assert_invalid_pattern(pattern: &str) {
    match with_pattern(pattern) {
        Err(Error::InvalidTokenPattern { pattern: p, .. }) => assert_eq!(p, pattern),
        Err(other) => panic!("{pattern:?}: expected InvalidTokenPattern, got {other:?}"),
        Ok(_) => panic!("{pattern:?}: expected InvalidTokenPattern, got Ok"),
    }
}

#[test]
fn analyzer_is_send_sync_clone() {
    fn check<T: Send + Sync + Clone>() {}
    check::<Analyzer>();
}

#[test]
fn default_config_is_sklearns() {
    let a = analyzer(AnalyzerConfig::default());
    assert_eq!(
        a.terms("The Quick brown fox, a fox!"),
        ["the", "quick", "brown", "fox", "fox"]
    );
    assert_eq!(a.config(), &AnalyzerConfig::default());
}

#[test]
fn ngram_range_errors() {
    for (range, reason) in [
        ((0, 1), "at least 1"),
        ((2, 1), "larger"),
        ((0, 0), "at least 1"),
    ] {
        let config = AnalyzerConfig {
            ngram_range: range,
            ..AnalyzerConfig::default()
        };
        match Analyzer::new(config) {
            Err(Error::InvalidNgramRange {
                min_n,
                max_n,
                reason: r,
            }) => {
                assert_eq!((min_n, max_n), (range.0 as i64, range.1 as i64));
                assert!(r.contains(reason), "{r}");
            }
            other => panic!("{range:?}: {other:?}"),
        }
    }
}

#[test]
fn ngram_range_error_applies_to_char_analyzers() {
    let config = AnalyzerConfig {
        analyzer: AnalyzerKind::Char,
        ngram_range: (3, 2),
        ..AnalyzerConfig::default()
    };
    assert!(matches!(
        Analyzer::new(config),
        Err(Error::InvalidNgramRange { .. })
    ));
}

#[test]
fn too_many_capture_groups() {
    for pattern in [r"(a)(b)", r"(?P<x>a)(b)", r"((a))"] {
        match with_pattern(pattern) {
            Err(Error::TooManyCaptureGroups(p)) => assert_eq!(p, pattern),
            other => panic!("{pattern:?}: {other:?}"),
        }
    }
    // Non-capturing groups and lookarounds do not count.
    assert!(with_pattern(r"(?:a)(b)(?=c)").is_ok());
}

#[test]
fn invalid_python_patterns() {
    // Python itself raises re.error on these.
    for pattern in [
        "(",
        "[a",
        r"\",
        r"\p{L}",
        r"\z",
        r"\G",
        r"\K",
        "(?<name>a)",
        "a**",
        "[z-a]",
        r"\x4",
        "a(?u)",
        "(?P<1>a)",
    ] {
        assert_invalid_pattern(pattern);
    }
}

#[test]
fn unsupported_constructs_are_errors_not_differences() {
    for pattern in [
        "(?i)[a-z]+",
        "(?x) a b",
        "(?a)\\w+",
        r"\N{DIGIT ONE}",
        "[[:alpha:]]+",
        "(a)?(?(1)b|c)",
        "(?m:^a)",
        "(?U)a+",
    ] {
        assert_invalid_pattern(pattern);
    }
}

#[test]
fn huge_pattern_hits_size_limit() {
    assert_invalid_pattern(r"(?:\w{1000}){100}");
}

#[test]
fn char_analyzers_ignore_the_pattern() {
    let config = AnalyzerConfig {
        analyzer: AnalyzerKind::Char,
        token_pattern: "(".into(),
        ..AnalyzerConfig::default()
    };
    assert!(Analyzer::new(config).is_ok());
}

#[test]
fn stop_words_before_ngrams() {
    let a = analyzer(AnalyzerConfig {
        stop_words: StopWords::English,
        ngram_range: (1, 2),
        ..AnalyzerConfig::default()
    });
    assert_eq!(a.terms("the cat and the hat"), ["cat", "hat", "cat hat"]);
}

#[test]
fn stop_words_are_not_preprocessed() {
    let a = analyzer(AnalyzerConfig {
        lowercase: false,
        stop_words: StopWords::English,
        ..AnalyzerConfig::default()
    });
    assert_eq!(a.terms("The the"), ["The"]);
    let a = analyzer(AnalyzerConfig {
        strip_accents: Some(StripAccents::Unicode),
        stop_words: StopWords::Custom(vec!["café".into()]),
        ..AnalyzerConfig::default()
    });
    assert_eq!(a.terms("café"), ["cafe"]);
}

#[test]
fn stemming_after_stop_words_before_ngrams() {
    let a = analyzer(AnalyzerConfig {
        stop_words: StopWords::Custom(vec!["running".into()]),
        stemmer: Some(rust_stemmers::Algorithm::English),
        ngram_range: (1, 2),
        ..AnalyzerConfig::default()
    });
    assert_eq!(
        a.terms("cats running jumping dogs"),
        ["cat", "jump", "dog", "cat jump", "jump dog"]
    );
    let unigrams = analyzer(AnalyzerConfig {
        stemmer: Some(rust_stemmers::Algorithm::English),
        ..AnalyzerConfig::default()
    });
    assert_eq!(unigrams.terms("Running cats"), ["run", "cat"]);
}

#[test]
fn stop_words_ignored_by_char_analyzers() {
    let a = analyzer(AnalyzerConfig {
        analyzer: AnalyzerKind::CharWb,
        stop_words: StopWords::English,
        ngram_range: (4, 5),
        ..AnalyzerConfig::default()
    });
    assert_eq!(a.terms("a the"), [" a ", " the", "the ", " the "]);
}

#[test]
fn unicode_tokenizer() {
    let a = analyzer(AnalyzerConfig {
        tokenizer: TokenizerKind::Unicode,
        ..AnalyzerConfig::default()
    });
    assert_eq!(a.terms("Can't stop a 3.5"), ["can't", "stop", "a", "3.5"]);
}

#[test]
fn runtime_failure_is_reported() {
    let a = analyzer(AnalyzerConfig {
        token_pattern: r"(?:a|a)*(?=b)\w".into(),
        ..AnalyzerConfig::default()
    });
    let text = "a".repeat(64);
    let result = a.try_for_each_term(&text, &mut |_| {});
    assert!(
        matches!(result, Err(Error::TokenPatternRuntime { .. })),
        "{result:?}"
    );
}

/// Regression (randomized sklearn parity, seed 7): a backtracking pattern over a
/// 5,000-character word run hit a 1M-step limit and silently lost the terms after it.
#[test]
fn backtracking_pattern_survives_a_long_word_run() {
    let a = with_pattern(r"(\w+)ing\b").unwrap();
    let text = format!("{} reading jumping", "abcdefghij".repeat(500));
    let mut terms = Vec::new();
    a.try_for_each_term(&text, &mut |t| terms.push(t.to_string()))
        .unwrap();
    assert_eq!(terms, ["read", "jump"]);
}
