//! Text analysis: normalise, tokenise, remove stop words, stem, build n-grams.
//!
//! The pipeline reproduces scikit-learn 1.9.1's `build_analyzer()` (Python
//! 3.11, Unicode 14) token for token:
//!
//! 1. [`normalize`]: `str.lower()` if `lowercase`, *then* `strip_accents`;
//! 2. by analyzer:
//!    - word: tokenise ([`tokenize`]: the default pattern is a scanner over a
//!      generated table of Python's `\w`, custom patterns are translated to
//!      Python semantics), drop stop words, stem (twofold extra, off by
//!      default), then word n-grams;
//!    - char: squeeze runs of >= 2 Python-whitespace characters into one
//!      space, then all code-point n-grams;
//!    - char_wb: split on Python whitespace, pad each word with one space,
//!      then per-word n-grams with sklearn's short-word rule.
//!
//! ```
//! use twofold::analysis::{Analyzer, AnalyzerConfig};
//!
//! let analyzer = Analyzer::new(AnalyzerConfig { ngram_range: (1, 2), ..Default::default() })?;
//! // Python's \w includes `²` (category No) but not the combining U+0301.
//! assert_eq!(
//!     analyzer.terms("Hello, x² cafe\u{301}!"),
//!     ["hello", "x²", "cafe", "hello x²", "x² cafe"],
//! );
//! # Ok::<(), twofold::Error>(())
//! ```
//!
//! # Order of the twofold extras
//! Stemming runs after stop-word removal (stop words are matched against
//! unstemmed tokens) and before word n-grams (n-grams join stems).
//! [`TokenizerKind::Unicode`] emits every UAX #29 word, including
//! one-character words, and ignores `token_pattern`.
//!
//! # Unicode version
//! Character classes come from tables generated with Python 3.11 (Unicode
//! [`pyword::PYTHON_UNICODE_VERSION`]); lowercasing and NFKD come from Rust
//! and agree with Python on every code point assigned in that version.
//!
//! # Performance
//! [`Analyzer::for_each_term`] passes `&str` slices of the normalised text to
//! the sink. Allocation is per document, not per term: word n-grams are joined
//! in one reused buffer, char n-grams use one offset table; stemming and
//! normalisation that changes the text allocate.
//!
//! # Deviations from scikit-learn
//! - `ngram_range` with a lower bound of 0 is rejected
//!   ([`Error::InvalidNgramRange`]); sklearn accepts it and emits `""`.
//! - Custom `token_pattern`s using constructs whose meaning differs between
//!   Python and Rust, or that twofold does not translate (`(?i)`, `(?x)`,
//!   `(?a)`, `\N{..}`, POSIX classes, conditionals), are rejected with
//!   [`Error::InvalidTokenPattern`] instead of matching differently.
//! - Stemming and [`TokenizerKind::Unicode`] have no sklearn counterpart.
//! - The pattern is only compiled for the word analyzer with
//!   [`TokenizerKind::Pattern`], as in sklearn (which ignores it otherwise).

pub mod ngrams;
pub mod normalize;
mod py_regex;
pub mod pyword;
mod pyword_table;
mod stem;
mod stop_words;
pub mod tokenize;

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use stem::TokenStemmer;
pub use stop_words::english_stop_words;
use stop_words::StopWordSet;
use tokenize::Tokenizer;

/// scikit-learn's default `token_pattern`.
pub const DEFAULT_TOKEN_PATTERN: &str = r"(?u)\b\w\w+\b";

/// How accents are removed (sklearn's `strip_accents`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StripAccents {
    /// NFKD, then drop every non-ASCII code point.
    Ascii,
    /// NFKD, then drop code points with a non-zero canonical combining class.
    Unicode,
}

/// Which stop words are removed (word analyzer only).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum StopWords {
    /// Keep every token (default).
    #[default]
    None,
    /// scikit-learn's `ENGLISH_STOP_WORDS` (318 words).
    English,
    /// A caller-given list, matched exactly against processed tokens.
    Custom(Vec<String>),
}

/// What a feature is made of (sklearn's `analyzer`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnalyzerKind {
    /// Word n-grams (default).
    #[default]
    Word,
    /// Character n-grams over the whole (whitespace-squeezed) text.
    Char,
    /// Character n-grams inside space-padded words.
    CharWb,
}

/// How word tokens are found.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenizerKind {
    /// sklearn's `token_pattern` with Python `re` semantics (default).
    #[default]
    Pattern,
    /// UAX #29 word boundaries (`unicode-segmentation`); ignores `token_pattern`.
    Unicode,
}

/// Analyzer configuration. Field names and defaults follow scikit-learn's
/// `TfidfVectorizer`; `stemmer` and `tokenizer` are twofold extras, off by default.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AnalyzerConfig {
    /// Lowercase before anything else. Default `true`.
    pub lowercase: bool,
    /// Accent stripping, applied after lowercasing. Default `None`.
    pub strip_accents: Option<StripAccents>,
    /// Token regex with Python `re` semantics. Default [`DEFAULT_TOKEN_PATTERN`].
    pub token_pattern: String,
    /// Stop words, removed before n-grams. Default [`StopWords::None`].
    pub stop_words: StopWords,
    /// Inclusive n-gram sizes; the minimum must be at least 1. Default `(1, 1)`.
    pub ngram_range: (usize, usize),
    /// Word or character features. Default [`AnalyzerKind::Word`].
    pub analyzer: AnalyzerKind,
    /// Snowball stemming of word tokens (before n-grams). Default `None`.
    pub stemmer: Option<rust_stemmers::Algorithm>,
    /// Token finder for the word analyzer. Default [`TokenizerKind::Pattern`].
    pub tokenizer: TokenizerKind,
}

impl Default for AnalyzerConfig {
    fn default() -> Self {
        AnalyzerConfig {
            lowercase: true,
            strip_accents: None,
            token_pattern: DEFAULT_TOKEN_PATTERN.to_string(),
            stop_words: StopWords::None,
            ngram_range: (1, 1),
            analyzer: AnalyzerKind::Word,
            stemmer: None,
            tokenizer: TokenizerKind::Pattern,
        }
    }
}

/// A validated, ready-to-run analyzer. Cheap to clone and share across
/// threads (`Send + Sync`); compiled patterns are reference-counted.
#[derive(Clone, Debug)]
pub struct Analyzer {
    config: AnalyzerConfig,
    tokenizer: Tokenizer,
    stop_words: StopWordSet,
    stemmer: Option<TokenStemmer>,
}

impl Analyzer {
    /// Validates `config` and prepares the analyzer.
    ///
    /// # Errors
    /// - [`Error::InvalidNgramRange`] if `ngram_range.0 == 0` or
    ///   `ngram_range.0 > ngram_range.1`;
    /// - [`Error::InvalidTokenPattern`] if `token_pattern` (word analyzer,
    ///   pattern tokenizer) is not a valid Python regex, uses an unsupported
    ///   construct, or compiles too large;
    /// - [`Error::TooManyCaptureGroups`] if it has more than one capturing group.
    pub fn new(config: AnalyzerConfig) -> Result<Self> {
        validate_ngram_range(config.ngram_range)?;
        let tokenizer = if config.analyzer == AnalyzerKind::Word {
            Tokenizer::new(config.tokenizer, &config.token_pattern)?
        } else {
            Tokenizer::WordRuns { min_chars: 2 }
        };
        let stop_words = StopWordSet::new(&config.stop_words);
        let stemmer = config.stemmer.map(TokenStemmer::new);
        Ok(Analyzer {
            config,
            tokenizer,
            stop_words,
            stemmer,
        })
    }

    /// The configuration this analyzer was built from.
    pub fn config(&self) -> &AnalyzerConfig {
        &self.config
    }

    /// Calls `sink` with every feature of `text`, in sklearn's emission order.
    ///
    /// If a custom pattern fails at run time (backtracking limit), the
    /// features found before the failure are kept and the rest of the
    /// document is skipped; use [`Analyzer::try_for_each_term`] to see the error.
    pub fn for_each_term(&self, text: &str, sink: &mut dyn FnMut(&str)) {
        // The error is documented as "rest of the document skipped".
        let _ = self.try_for_each_term(text, sink);
    }

    /// Like [`Analyzer::for_each_term`], reporting pattern failures.
    ///
    /// # Errors
    /// [`Error::TokenPatternRuntime`] if a custom `token_pattern` exceeds
    /// its backtracking limit on `text`.
    pub fn try_for_each_term(&self, text: &str, sink: &mut dyn FnMut(&str)) -> Result<()> {
        let text = normalize::preprocess(text, self.config.lowercase, self.config.strip_accents);
        let range = self.config.ngram_range;
        match self.config.analyzer {
            AnalyzerKind::Word => self.word_terms(&text, sink),
            AnalyzerKind::Char => {
                let text = ngrams::squeeze_whitespace(&text);
                ngrams::char_ngrams(&text, range, &mut Vec::new(), sink);
                Ok(())
            }
            AnalyzerKind::CharWb => {
                ngrams::char_wb_ngrams(&text, range, &mut String::new(), &mut Vec::new(), sink);
                Ok(())
            }
        }
    }

    /// The features of `text` as owned strings (for tests and docs).
    pub fn terms(&self, text: &str) -> Vec<String> {
        let mut out = Vec::new();
        self.for_each_term(text, &mut |t| out.push(t.to_string()));
        out
    }

    /// Word analyzer: tokens -> stop words -> stemming -> n-grams.
    fn word_terms(&self, text: &str, sink: &mut dyn FnMut(&str)) -> Result<()> {
        let filter_stop_words = !self.stop_words.is_empty();
        let keep = |token: &str| !(filter_stop_words && self.stop_words.contains(token));
        if self.config.ngram_range.1 == 1 {
            // Unigrams only: stream tokens straight to the sink.
            return self.tokenizer.for_each_token(text, &mut |token| {
                if keep(token) {
                    match &self.stemmer {
                        Some(stemmer) => sink(&stemmer.stem(token)),
                        None => sink(token),
                    }
                }
            });
        }
        let mut tokens: Vec<Cow<'_, str>> = Vec::new();
        let result = self.tokenizer.for_each_token(text, &mut |token| {
            if keep(token) {
                tokens.push(match &self.stemmer {
                    Some(stemmer) => stemmer.stem(token),
                    None => Cow::Borrowed(token),
                });
            }
        });
        ngrams::word_ngrams(&tokens, self.config.ngram_range, &mut String::new(), sink);
        result
    }
}

fn validate_ngram_range((min_n, max_n): (usize, usize)) -> Result<()> {
    let reason = if min_n == 0 {
        "lower boundary must be at least 1"
    } else if min_n > max_n {
        "lower boundary larger than the upper boundary"
    } else {
        return Ok(());
    };
    let as_i64 = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
    Err(Error::InvalidNgramRange {
        min_n: as_i64(min_n),
        max_n: as_i64(max_n),
        reason,
    })
}

#[cfg(test)]
mod tests;
