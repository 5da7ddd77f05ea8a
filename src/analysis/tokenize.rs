//! Word tokenisers: sklearn's default pattern as a scanner, custom
//! `token_pattern`s with Python `re` semantics, and UAX #29 words.

use std::sync::{Arc, OnceLock};

use fancy_regex::{Regex, RegexBuilder, RegexInput};
use unicode_segmentation::UnicodeSegmentation;

use super::py_regex::translate;
use super::pyword::py_is_word;
use super::{TokenizerKind, DEFAULT_TOKEN_PATTERN};
use crate::error::{Error, Result};

/// Compiled-program limit for custom patterns (bytes of the delegated
/// regex-automata program). Python's `\w` table alone is ~700 ranges.
pub const TOKEN_PATTERN_SIZE_LIMIT: usize = 32 << 20;

/// Backtracking steps allowed per search before
/// [`Error::TokenPatternRuntime`] is reported.
pub const TOKEN_PATTERN_BACKTRACK_LIMIT: usize = 1_000_000;

/// A ready word tokeniser.
#[derive(Clone, Debug)]
pub(crate) enum Tokenizer {
    /// `(?u)\b\w\w+\b` and equivalents: maximal runs of at least `min_chars`
    /// Python-`\w` code points.
    WordRuns {
        /// Shortest run kept (2 for sklearn's default pattern).
        min_chars: usize,
    },
    /// Any other pattern, through fancy-regex.
    Pattern(Arc<PyPattern>),
    /// UAX #29 words.
    Unicode,
}

impl Tokenizer {
    pub(crate) fn new(kind: TokenizerKind, token_pattern: &str) -> Result<Self> {
        match kind {
            TokenizerKind::Unicode => Ok(Tokenizer::Unicode),
            TokenizerKind::Pattern => match word_run_pattern(token_pattern) {
                Some(min_chars) => Ok(Tokenizer::WordRuns { min_chars }),
                None => Ok(Tokenizer::Pattern(Arc::new(PyPattern::new(token_pattern)?))),
            },
        }
    }

    pub(crate) fn for_each_token<'t>(
        &self,
        text: &'t str,
        sink: &mut dyn FnMut(&'t str),
    ) -> Result<()> {
        match self {
            Tokenizer::WordRuns { min_chars } => {
                word_runs_min(text, *min_chars, sink);
                Ok(())
            }
            Tokenizer::Pattern(pattern) => pattern.findall(text, sink),
            Tokenizer::Unicode => {
                text.unicode_words().for_each(sink);
                Ok(())
            }
        }
    }
}

/// Patterns whose `findall` is exactly "maximal runs of Python-`\w` of at
/// least N code points", served by the scanner instead of a regex: sklearn's
/// default, and the common `\b\w+\b` / `\w+` (each with or without the
/// redundant `(?u)`). The property tests check each against the regex path.
pub(crate) const WORD_RUN_PATTERNS: &[(&str, usize)] = &[
    (DEFAULT_TOKEN_PATTERN, 2),
    (r"\b\w\w+\b", 2),
    (r"(?u)\w\w+", 2),
    (r"\w\w+", 2),
    (r"(?u)\b\w+\b", 1),
    (r"\b\w+\b", 1),
    (r"(?u)\w+", 1),
    (r"\w+", 1),
];

fn word_run_pattern(pattern: &str) -> Option<usize> {
    WORD_RUN_PATTERNS
        .iter()
        .find(|(p, _)| *p == pattern)
        .map(|&(_, min_chars)| min_chars)
}

/// Calls `sink` with every maximal run of at least two Python-`\w` code
/// points: exactly what `re.findall(r"(?u)\b\w\w+\b", text)` returns.
pub fn word_runs<'t>(text: &'t str, sink: &mut dyn FnMut(&'t str)) {
    word_runs_min(text, 2, sink);
}

/// Calls `sink` with every maximal run of at least `min_chars` (>= 1)
/// Python-`\w` code points.
pub fn word_runs_min<'t>(text: &'t str, min_chars: usize, sink: &mut dyn FnMut(&'t str)) {
    let min_chars = min_chars.max(1);
    let bytes = text.as_bytes();
    let mut run_start = 0usize;
    let mut run_chars = 0usize;
    let mut i = 0usize;
    while let Some(&b) = bytes.get(i) {
        let (is_word, width) = if b < 0x80 {
            (b.is_ascii_alphanumeric() || b == b'_', 1)
        } else {
            match text.get(i..).and_then(|rest| rest.chars().next()) {
                Some(c) => (py_is_word(c), c.len_utf8()),
                None => (false, 1),
            }
        };
        if is_word {
            if run_chars == 0 {
                run_start = i;
            }
            run_chars += 1;
        } else {
            emit_run(text, run_start, i, run_chars, min_chars, sink);
            run_chars = 0;
        }
        i += width;
    }
    emit_run(text, run_start, text.len(), run_chars, min_chars, sink);
}

#[inline]
fn emit_run<'t>(
    text: &'t str,
    start: usize,
    end: usize,
    chars: usize,
    min_chars: usize,
    sink: &mut dyn FnMut(&'t str),
) {
    if chars >= min_chars && chars > 0 {
        if let Some(run) = text.get(start..end) {
            sink(run);
        }
    }
}

/// Instruction limit of the backtracking program of custom patterns.
pub const TOKEN_PATTERN_PROGRAM_LIMIT: usize = 1 << 20;

/// A custom `token_pattern` with Python `re.findall` semantics.
#[derive(Clone)]
pub(crate) struct PyPattern {
    source: String,
    regex: Regex,
    /// The same pattern, refusing empty matches: Python's "must advance"
    /// search after an empty match. Compiled on first use (most patterns
    /// never match empty); `Ok(None)` when no non-empty match exists.
    nonempty: Arc<OnceLock<std::result::Result<Option<Regex>, String>>>,
    /// The translated fancy-regex pattern, kept for the lazy compile.
    translated: Arc<str>,
    /// Exactly one capturing group: its text is the token.
    grouped: bool,
}

impl PyPattern {
    pub(crate) fn new(source: &str) -> Result<Self> {
        let invalid = |reason: String| Error::InvalidTokenPattern {
            pattern: source.to_string(),
            reason,
        };
        let translation = translate(source).map_err(invalid)?;
        if translation.groups > 1 {
            return Err(Error::TooManyCaptureGroups(source.to_string()));
        }
        let regex = build(&translation.pattern, false).map_err(|e| invalid(e.to_string()))?;
        Ok(PyPattern {
            source: source.to_string(),
            regex,
            nonempty: Arc::new(OnceLock::new()),
            translated: translation.pattern.into(),
            grouped: translation.groups == 1,
        })
    }

    /// Python's `findall`: after an empty match at `p`, the next match may
    /// not be empty at `p` (but may be a non-empty match starting at `p`);
    /// after a non-empty match ending at `p`, an empty match at `p` is fine.
    pub(crate) fn findall<'t>(&self, text: &'t str, sink: &mut dyn FnMut(&'t str)) -> Result<()> {
        let mut pos = 0usize;
        let mut must_advance = false;
        while pos <= text.len() {
            let found = if must_advance {
                self.search_advancing(text, pos)?
            } else {
                self.search(text, pos)?
            };
            let Some(caps) = found else { break };
            let Some(whole) = caps.get(0) else { break };
            let token = if self.grouped {
                caps.get(1).map_or("", |g| g.as_str())
            } else {
                whole.as_str()
            };
            sink(token);
            must_advance = whole.start() == whole.end();
            pos = whole.end();
        }
        Ok(())
    }

    fn search<'t>(
        &self,
        text: &'t str,
        pos: usize,
    ) -> Result<Option<fancy_regex::Captures<'t, str>>> {
        self.regex
            .captures_from_pos(text, pos)
            .map_err(|e| self.runtime_error(e))
    }

    fn search_advancing<'t>(
        &self,
        text: &'t str,
        pos: usize,
    ) -> Result<Option<fancy_regex::Captures<'t, str>>> {
        if let Some(nonempty) = self.nonempty_regex()? {
            let input = RegexInput::new(text).from_pos(pos).anchored(true);
            if let Some(caps) = nonempty
                .captures_input(input)
                .map_err(|e| self.runtime_error(e))?
            {
                return Ok(Some(caps));
            }
        }
        match text.get(pos..).and_then(|rest| rest.chars().next()) {
            Some(c) => self.search(text, pos + c.len_utf8()),
            None => Ok(None),
        }
    }

    fn nonempty_regex(&self) -> Result<Option<&Regex>> {
        let compiled = self
            .nonempty
            .get_or_init(|| match build(&self.translated, true) {
                Ok(regex) => Ok(Some(regex)),
                Err(fancy_regex::Error::CompileError(e))
                    if matches!(*e, fancy_regex::CompileError::PatternCanNeverMatch) =>
                {
                    Ok(None)
                }
                Err(e) => Err(e.to_string()),
            });
        match compiled {
            Ok(regex) => Ok(regex.as_ref()),
            Err(reason) => Err(Error::TokenPatternRuntime {
                pattern: self.source.clone(),
                reason: reason.clone(),
            }),
        }
    }

    fn runtime_error(&self, error: fancy_regex::Error) -> Error {
        Error::TokenPatternRuntime {
            pattern: self.source.clone(),
            reason: error.to_string(),
        }
    }
}

impl std::fmt::Debug for PyPattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The translated pattern is tens of kilobytes of ranges: show the source.
        f.debug_struct("PyPattern")
            .field("source", &self.source)
            .field("grouped", &self.grouped)
            .finish()
    }
}

fn build(pattern: &str, find_not_empty: bool) -> std::result::Result<Regex, fancy_regex::Error> {
    RegexBuilder::new(pattern)
        .delegate_size_limit(TOKEN_PATTERN_SIZE_LIMIT)
        .backtrack_limit(TOKEN_PATTERN_BACKTRACK_LIMIT)
        .max_prog_size(TOKEN_PATTERN_PROGRAM_LIMIT)
        .find_not_empty(find_not_empty)
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runs(text: &str) -> Vec<&str> {
        let mut out = Vec::new();
        word_runs(text, &mut |t| out.push(t));
        out
    }

    fn findall(pattern: &str, text: &str) -> Vec<String> {
        let mut out = Vec::new();
        let p = PyPattern::new(pattern).unwrap_or_else(|e| panic!("{pattern}: {e}"));
        p.findall(text, &mut |t| out.push(t.to_string()))
            .unwrap_or_else(|e| panic!("{e}"));
        out
    }

    #[test]
    fn word_runs_follow_python_word_class() {
        assert_eq!(runs("a bc d_e x"), ["bc", "d_e"]);
        assert_eq!(runs("cafe\u{301} nai\u{308}ve"), ["cafe", "nai", "ve"]);
        assert_eq!(runs("x² h₂o km²"), ["x²", "h₂o", "km²"]);
        assert_eq!(runs("foo‿bar ⓐⓑⓒ"), ["foo", "bar"]);
        assert_eq!(runs(""), Vec::<&str>::new());
        assert_eq!(runs("中文"), ["中文"]);
    }

    #[test]
    fn python_empty_match_rules() {
        assert_eq!(findall(r"\w*", "ab cd"), ["ab", "", "cd", ""]);
        assert_eq!(findall(r"x*", "axbxx"), ["", "x", "", "xx", ""]);
        // After the empty match at 0, Python backtracks to the `y` branch at 0.
        assert_eq!(findall(r"x*|y", "y"), ["", "y", ""]);
        assert_eq!(findall(r"a??", "aa"), ["", "a", "", "a", ""]);
    }

    #[test]
    fn one_group_gives_group_text_or_empty() {
        assert_eq!(findall(r"(x)?\w+", "hello xyz"), ["", "x"]);
        assert_eq!(findall(r"(\w+)@", "me@host you@there"), ["me", "you"]);
        assert_eq!(findall(r"(?P<w>\w+)@", "me@host"), ["me"]);
    }

    #[test]
    fn python_word_boundary_and_classes() {
        assert_eq!(findall(r"(?u)\b\w+\b", "x² cafe\u{301}"), ["x²", "cafe"]);
        assert_eq!(findall(r"\S+", "a\u{1c}b c"), ["a", "b", "c"]);
        assert_eq!(findall(r"[\w-]+", "foo-bar baz"), ["foo-bar", "baz"]);
        assert_eq!(findall(r"\d+", "٣٤ ² 12"), ["٣٤", "12"]);
        assert_eq!(findall(r"[^\W\d]+", "ab12cd"), ["ab", "cd"]);
    }

    #[test]
    fn python_literal_syntax() {
        assert_eq!(findall(r"a{", "a{"), ["a{"]);
        assert_eq!(findall(r"a{,2}", "aaa"), ["aa", "a", ""]);
        assert_eq!(findall(r"[[a]+", "[a["), ["[a["]);
        assert_eq!(findall(r"[a&&b]+", "a&b"), ["a&b"]);
        assert_eq!(findall(r"\x41\u0042\101", "ABA"), ["ABA"]);
        assert_eq!(findall(r"a$", "a\n"), ["a"]);
        assert_eq!(findall(r"(?m)^\w+$", "ab\ncd"), ["ab", "cd"]);
        assert_eq!(findall(r"(?#note)ab", "ab"), ["ab"]);
        assert_eq!(findall(r"(?s).", "\n"), ["\n"]);
        assert_eq!(findall(r".", "\n"), Vec::<String>::new());
    }

    #[test]
    fn python_escapes_and_classes() {
        // Expected values from Python 3.11 `re.findall`.
        assert_eq!(findall(r"(?P<a>\w)(?P=a)", "aabcc"), ["a", "c"]);
        assert_eq!(findall(r"[\b]+", "a\u{8}\u{8}b"), ["\u{8}\u{8}"]);
        assert_eq!(findall(r"\0\01", "\u{0}\u{1}"), ["\u{0}\u{1}"]);
        assert_eq!(findall(r"[]a]+", "a]b"), ["a]"]);
        assert_eq!(findall(r"[^]a]+", "a]bc"), ["bc"]);
        assert_eq!(findall(r"a{1,2}?", "aaa"), ["a", "a", "a"]);
        assert_eq!(findall(r"\$\.\*", "$.*"), ["$.*"]);
        assert_eq!(findall(r"[\d-]+", "1-2 x"), ["1-2"]);
        assert_eq!(findall(r"[-a]+", "-a b"), ["-a"]);
        assert_eq!(findall(r"\w+(?#c)\s", " ab c"), ["ab "]);
    }

    #[test]
    fn default_pattern_is_recognised() {
        let runs = |p: &str| match Tokenizer::new(TokenizerKind::Pattern, p) {
            Ok(Tokenizer::WordRuns { min_chars }) => Some(min_chars),
            _ => None,
        };
        assert_eq!(runs(r"(?u)\b\w\w+\b"), Some(2));
        assert_eq!(runs(r"\b\w\w+\b"), Some(2));
        assert_eq!(runs(r"\b\w+\b"), Some(1));
        assert_eq!(runs(r"\w+"), Some(1));
        assert_eq!(runs(r"\w{2,}"), None);
    }

    #[test]
    fn unicode_words() {
        let t = Tokenizer::new(TokenizerKind::Unicode, "ignored").unwrap_or_else(|e| panic!("{e}"));
        let mut out = Vec::new();
        t.for_each_token("can't stop 32.3 x²", &mut |w| out.push(w))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(out, ["can't", "stop", "32.3", "x", "²"]);
    }

    mod properties {
        use proptest::prelude::*;

        use super::*;

        const MIXED: &[char] = &[
            'a', 'Z', '0', '_', ' ', '\t', '\n', '-', '\'', '.', 'é', 'e', '\u{301}', '²', '₂',
            '½', '㉑', '中', '文', 'ภ', 'า', '\u{e34}', 'ह', '\u{93f}', '\u{94d}', 'م', '\u{64e}',
            '‿', '＿', '\u{200c}', '\u{200d}', '\u{fe0f}', '\u{20e3}', 'ⓐ', '\u{1c}', '\u{a0}',
            '👍', 'İ', 'ı', '٣', '፩',
        ];

        fn mixed_text() -> impl Strategy<Value = String> {
            prop::collection::vec(prop::sample::select(MIXED), 0..80)
                .prop_map(|v| v.into_iter().collect())
        }

        static DEFAULT: std::sync::LazyLock<PyPattern> = std::sync::LazyLock::new(|| {
            PyPattern::new(DEFAULT_TOKEN_PATTERN).unwrap_or_else(|e| panic!("{e}"))
        });
        static AT_LEAST_TWO: std::sync::LazyLock<PyPattern> = std::sync::LazyLock::new(|| {
            PyPattern::new(r"\b\w{2,}\b").unwrap_or_else(|e| panic!("{e}"))
        });

        static SCANNER_PATTERNS: std::sync::LazyLock<Vec<(PyPattern, usize)>> =
            std::sync::LazyLock::new(|| {
                WORD_RUN_PATTERNS
                    .iter()
                    .map(|&(p, min)| (PyPattern::new(p).unwrap_or_else(|e| panic!("{e}")), min))
                    .collect()
            });

        fn via_regex(pattern: &PyPattern, text: &str) -> Vec<String> {
            let mut out = Vec::new();
            pattern
                .findall(text, &mut |t| out.push(t.to_string()))
                .unwrap_or_else(|e| panic!("{e}"));
            out
        }

        fn via_scanner(text: &str) -> Vec<String> {
            let mut out = Vec::new();
            word_runs(text, &mut |t| out.push(t.to_string()));
            out
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(256))]

            #[test]
            fn scanner_equals_translated_default_pattern(text in mixed_text()) {
                prop_assert_eq!(via_scanner(&text), via_regex(&DEFAULT, &text));
            }

            #[test]
            fn every_scanner_pattern_equals_its_regex(text in mixed_text()) {
                for (compiled, min_chars) in SCANNER_PATTERNS.iter() {
                    let mut scanned = Vec::new();
                    word_runs_min(&text, *min_chars, &mut |t| scanned.push(t.to_string()));
                    prop_assert_eq!(&scanned, &via_regex(compiled, &text), "{:?}", compiled);
                }
            }

            #[test]
            fn scanner_equals_translated_default_pattern_any_chars(text in "\\PC{0,60}") {
                prop_assert_eq!(via_scanner(&text), via_regex(&AT_LEAST_TWO, &text));
            }
        }
    }
}
