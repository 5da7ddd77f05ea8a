//! Text analysis: normalise, tokenise, remove stop words, stem, build n-grams.
//!
//! PROVISIONAL: the configuration types are the agreed interface; the
//! implementation below is a placeholder that the analysis work replaces.

use serde::{Deserialize, Serialize};

use crate::error::Result;

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

/// A validated, ready-to-run analyzer. Cheap to share across threads.
#[derive(Clone, Debug)]
pub struct Analyzer {
    config: AnalyzerConfig,
}

impl Analyzer {
    /// Validates `config` and prepares the analyzer.
    pub fn new(config: AnalyzerConfig) -> Result<Self> {
        Ok(Analyzer { config })
    }

    /// The configuration this analyzer was built from.
    pub fn config(&self) -> &AnalyzerConfig {
        &self.config
    }

    /// Calls `sink` with every feature of `text`, in sklearn's emission order.
    pub fn for_each_term(&self, text: &str, sink: &mut dyn FnMut(&str)) {
        let lowered;
        let text = if self.config.lowercase {
            lowered = text.to_lowercase();
            lowered.as_str()
        } else {
            text
        };
        for token in text.split(|c: char| !(c.is_alphanumeric() || c == '_')) {
            if token.chars().count() >= 2 {
                sink(token);
            }
        }
    }

    /// The features of `text` as owned strings (for tests and docs).
    pub fn terms(&self, text: &str) -> Vec<String> {
        let mut out = Vec::new();
        self.for_each_term(text, &mut |t| out.push(t.to_string()));
        out
    }
}
