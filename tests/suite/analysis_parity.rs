//! Token-for-token parity with scikit-learn 1.9.1's `build_analyzer()`.
//!
//! The golden file is produced by `tests/data/analysis/gen_analysis_golden.py`
//! (Python 3.11, Unicode 14) over hard probe strings and seeded random
//! mixed-script strings, times configurations covering every analyzer option.

use std::collections::HashMap;

use serde::Deserialize;
use twofold::analysis::{Analyzer, AnalyzerConfig};
use twofold::Error;

#[derive(Deserialize)]
struct Golden {
    meta: HashMap<String, String>,
    configs: HashMap<String, AnalyzerConfig>,
    cases: Vec<Case>,
    pattern_errors: Vec<PatternError>,
}

#[derive(Deserialize)]
struct Case {
    config: String,
    text: String,
    terms: Vec<String>,
}

#[derive(Deserialize)]
struct PatternError {
    pattern: String,
    python: String,
}

fn golden() -> Golden {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/analysis/golden.json"
    );
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn golden_was_made_by_the_pinned_python() {
    let g = golden();
    assert_eq!(g.meta["unicode"], "14.0.0");
    assert_eq!(g.meta["sklearn"], "1.9.1");
    assert_eq!(
        twofold::analysis::pyword::PYTHON_UNICODE_VERSION,
        g.meta["unicode"]
    );
}

#[test]
fn every_case_matches_sklearn_in_order() {
    let g = golden();
    let analyzers: HashMap<&str, Analyzer> = g
        .configs
        .iter()
        .map(|(name, config)| {
            let analyzer = Analyzer::new(config.clone()).unwrap_or_else(|e| panic!("{name}: {e}"));
            (name.as_str(), analyzer)
        })
        .collect();
    let mut failures = Vec::new();
    for case in &g.cases {
        let got = analyzers[case.config.as_str()].terms(&case.text);
        if got != case.terms {
            failures.push(format!(
                "[{}] {:?}\n  sklearn: {:?}\n  twofold: {:?}",
                case.config, case.text, case.terms, got
            ));
        }
    }
    assert!(
        g.cases.len() > 2000,
        "golden file too small: {}",
        g.cases.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        g.cases.len(),
        failures
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn patterns_python_rejects_are_rejected() {
    for case in golden().pattern_errors {
        let config = AnalyzerConfig {
            token_pattern: case.pattern.clone(),
            ..AnalyzerConfig::default()
        };
        let result = Analyzer::new(config);
        match (case.python.as_str(), &result) {
            ("re.error", Err(Error::InvalidTokenPattern { .. })) => {}
            ("too_many_groups", Err(Error::TooManyCaptureGroups(_))) => {}
            ("ok", Ok(_)) => {}
            (python, Err(e)) => panic!("{:?}: python {python}, twofold error {e}", case.pattern),
            (python, Ok(_)) => panic!("{:?}: python {python}, twofold accepted it", case.pattern),
        }
    }
}
