//! `TfidfParams`: every scikit-learn `TfidfVectorizer` parameter, with sklearn's
//! names and defaults, parsed from JSON with sklearn's validation rules.
//!
//! Two twofold extras are off by default: `stemmer` and `word_tokenizer`.
//!
//! Deviations from sklearn 1.9.1 (all documented, all errors rather than silent
//! differences): `input` must be `"content"`; `preprocessor`, `tokenizer` and a
//! callable `analyzer`/`strip_accents` cannot be expressed in JSON and must be
//! null/absent; `min_df`/`max_df` reject JSON `true`; `ngram_range` with a lower
//! bound below 1 is an [`Error::InvalidNgramRange`]; `dtype` accepts only
//! `"float64"` and `"float32"`.

use std::collections::BTreeMap;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use crate::analysis::{
    AnalyzerConfig, AnalyzerKind, StopWords, StripAccents, TokenizerKind, DEFAULT_TOKEN_PATTERN,
};
use crate::error::{Error, Result};

/// A document-frequency threshold (`min_df`, `max_df`).
///
/// JSON `1` is [`Df::Count`] and `1.0` is [`Df::Proportion`]; they mean different
/// things (`max_df=1` keeps only terms that occur in at most one document).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Df {
    /// An absolute number of documents, at least 1.
    Count(u64),
    /// A proportion of the documents, in `[0.0, 1.0]`.
    Proportion(f64),
}

impl Df {
    /// The threshold in documents for a corpus of `n_documents`, exactly as sklearn
    /// computes it: the count itself, or the IEEE product `proportion * n` (never rounded).
    pub fn threshold(self, n_documents: u64) -> f64 {
        match self {
            Df::Count(count) => count as f64,
            Df::Proportion(proportion) => proportion * n_documents as f64,
        }
    }
}

/// Externally tagged form for binary formats (bincode cannot read untagged enums).
#[derive(Serialize, Deserialize)]
enum DfRepr {
    Count(u64),
    Proportion(f64),
}

impl Serialize for Df {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        match (*self, serializer.is_human_readable()) {
            (Df::Count(count), true) => serializer.serialize_u64(count),
            (Df::Proportion(proportion), true) => serializer.serialize_f64(proportion),
            (Df::Count(count), false) => DfRepr::Count(count).serialize(serializer),
            (Df::Proportion(p), false) => DfRepr::Proportion(p).serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for Df {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        if deserializer.is_human_readable() {
            let value = Value::deserialize(deserializer)?;
            parse_df("df", &value).map_err(D::Error::custom)
        } else {
            Ok(match DfRepr::deserialize(deserializer)? {
                DfRepr::Count(count) => Df::Count(count),
                DfRepr::Proportion(p) => Df::Proportion(p),
            })
        }
    }
}

/// sklearn's `stop_words` when not null: the built-in English list or a custom list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StopWordsParam {
    /// `"english"`: scikit-learn's `ENGLISH_STOP_WORDS`.
    English,
    /// A list of words, matched exactly against processed tokens.
    List(Vec<String>),
}

#[derive(Serialize, Deserialize)]
enum StopWordsRepr {
    English,
    List(Vec<String>),
}

impl Serialize for StopWordsParam {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        match (self, serializer.is_human_readable()) {
            (StopWordsParam::English, true) => serializer.serialize_str("english"),
            (StopWordsParam::List(words), true) => words.serialize(serializer),
            (StopWordsParam::English, false) => StopWordsRepr::English.serialize(serializer),
            (StopWordsParam::List(words), false) => {
                StopWordsRepr::List(words.clone()).serialize(serializer)
            }
        }
    }
}

impl<'de> Deserialize<'de> for StopWordsParam {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        if deserializer.is_human_readable() {
            let value = Value::deserialize(deserializer)?;
            match parse_stop_words(&value).map_err(D::Error::custom)? {
                Some(words) => Ok(words),
                None => Err(D::Error::custom("stop_words must not be null here")),
            }
        } else {
            Ok(match StopWordsRepr::deserialize(deserializer)? {
                StopWordsRepr::English => StopWordsParam::English,
                StopWordsRepr::List(words) => StopWordsParam::List(words),
            })
        }
    }
}

/// A fixed vocabulary (`vocabulary`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VocabularyParam {
    /// A JSON array: term `i` gets column `i`; a repeated term is an error.
    List(Vec<String>),
    /// A JSON object `{term: column}`; columns must be exactly `0..len`.
    Map(BTreeMap<String, i64>),
}

#[derive(Serialize, Deserialize)]
enum VocabularyRepr {
    List(Vec<String>),
    Map(BTreeMap<String, i64>),
}

impl Serialize for VocabularyParam {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        match (self, serializer.is_human_readable()) {
            (VocabularyParam::List(terms), true) => terms.serialize(serializer),
            (VocabularyParam::Map(map), true) => map.serialize(serializer),
            (VocabularyParam::List(terms), false) => {
                VocabularyRepr::List(terms.clone()).serialize(serializer)
            }
            (VocabularyParam::Map(map), false) => {
                VocabularyRepr::Map(map.clone()).serialize(serializer)
            }
        }
    }
}

impl<'de> Deserialize<'de> for VocabularyParam {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        if deserializer.is_human_readable() {
            let value = Value::deserialize(deserializer)?;
            match parse_vocabulary(&value).map_err(D::Error::custom)? {
                Some(vocabulary) => Ok(vocabulary),
                None => Err(D::Error::custom("vocabulary must not be null here")),
            }
        } else {
            Ok(match VocabularyRepr::deserialize(deserializer)? {
                VocabularyRepr::List(terms) => VocabularyParam::List(terms),
                VocabularyRepr::Map(map) => VocabularyParam::Map(map),
            })
        }
    }
}

/// A Python callable. It cannot be expressed in JSON, so this type has no values:
/// an `Option<Callable>` is always `None`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Callable {}

/// `decode_error`: what to do with bytes that are not valid in `encoding`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DecodeError {
    /// Fail (default).
    #[default]
    Strict,
    /// Drop the bad bytes.
    Ignore,
    /// Insert U+FFFD for them.
    Replace,
}

/// Output and arithmetic precision (`dtype`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Dtype {
    /// `"float64"` (default).
    #[default]
    Float64,
    /// `"float32"`: idf, tf and products in `f32`, norms summed in `f64` (sklearn §3.5).
    Float32,
}

/// Row normalisation (`norm`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Norm {
    /// Divide by the sum of absolute values.
    L1,
    /// Divide by the Euclidean length (default).
    L2,
}

/// Snowball stemmer languages (`stemmer`, a twofold extra), named in lowercase.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[allow(missing_docs)]
pub enum StemmerLanguage {
    Arabic,
    Danish,
    Dutch,
    English,
    Finnish,
    French,
    German,
    Greek,
    Hungarian,
    Italian,
    Norwegian,
    Portuguese,
    Romanian,
    Russian,
    Spanish,
    Swedish,
    Tamil,
    Turkish,
}

impl StemmerLanguage {
    /// The `rust-stemmers` algorithm for this language.
    pub fn algorithm(self) -> rust_stemmers::Algorithm {
        use rust_stemmers::Algorithm as A;
        match self {
            StemmerLanguage::Arabic => A::Arabic,
            StemmerLanguage::Danish => A::Danish,
            StemmerLanguage::Dutch => A::Dutch,
            StemmerLanguage::English => A::English,
            StemmerLanguage::Finnish => A::Finnish,
            StemmerLanguage::French => A::French,
            StemmerLanguage::German => A::German,
            StemmerLanguage::Greek => A::Greek,
            StemmerLanguage::Hungarian => A::Hungarian,
            StemmerLanguage::Italian => A::Italian,
            StemmerLanguage::Norwegian => A::Norwegian,
            StemmerLanguage::Portuguese => A::Portuguese,
            StemmerLanguage::Romanian => A::Romanian,
            StemmerLanguage::Russian => A::Russian,
            StemmerLanguage::Spanish => A::Spanish,
            StemmerLanguage::Swedish => A::Swedish,
            StemmerLanguage::Tamil => A::Tamil,
            StemmerLanguage::Turkish => A::Turkish,
        }
    }
}

/// Every `TfidfVectorizer` parameter of scikit-learn 1.9.1, with sklearn's names
/// and defaults, plus twofold's `stemmer` and `word_tokenizer` (off by default).
///
/// Build it with [`TfidfParams::from_json`] (sklearn's validation) or by hand from
/// [`TfidfParams::default`]; [`crate::tfidf::TfidfVectorizer::new`] validates either.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TfidfParams {
    /// Only `"content"` (default): documents are given as text.
    pub input: String,
    /// Encoding of byte input (default `"utf-8"`). twofold documents are UTF-8 text, so
    /// this is informational; the `tfidf` example reads files as UTF-8.
    pub encoding: String,
    /// What to do with undecodable input bytes (default [`DecodeError::Strict`]).
    pub decode_error: DecodeError,
    /// Accent stripping after lowercasing (default `None`).
    pub strip_accents: Option<StripAccents>,
    /// Lowercase first (default `true`).
    pub lowercase: bool,
    /// Must be `None` (a Python callable).
    pub preprocessor: Option<Callable>,
    /// Must be `None` (a Python callable); see `word_tokenizer` for twofold's choice.
    pub tokenizer: Option<Callable>,
    /// `"word"` (default), `"char"` or `"char_wb"`.
    pub analyzer: AnalyzerKind,
    /// Stop words (word analyzer only; default `None`).
    pub stop_words: Option<StopWordsParam>,
    /// Token regex, Python `re` semantics (default `(?u)\b\w\w+\b`). `None` is only
    /// valid with a char analyzer.
    pub token_pattern: Option<String>,
    /// Inclusive n-gram sizes `[min_n, max_n]` (default `[1, 1]`); `1 <= min_n <= max_n`.
    pub ngram_range: (usize, usize),
    /// Drop terms in more documents than this (default `Proportion(1.0)`).
    pub max_df: Df,
    /// Drop terms in fewer documents than this (default `Count(1)`).
    pub min_df: Df,
    /// Keep only this many terms, the most frequent ones (default `None`).
    pub max_features: Option<u64>,
    /// A fixed vocabulary (default `None`: learned).
    pub vocabulary: Option<VocabularyParam>,
    /// Count every present term as 1 (default `false`).
    pub binary: bool,
    /// Precision of the arithmetic and output (default [`Dtype::Float64`]).
    pub dtype: Dtype,
    /// Row normalisation (default `Some(Norm::L2)`).
    pub norm: Option<Norm>,
    /// Multiply by idf (default `true`).
    pub use_idf: bool,
    /// `idf = ln((1+n)/(1+df)) + 1` instead of `ln(n/df) + 1` (default `true`).
    pub smooth_idf: bool,
    /// `tf = 1 + ln(tf)` (default `false`).
    pub sublinear_tf: bool,
    /// twofold extra: Snowball stemming of word tokens (default `None`).
    pub stemmer: Option<StemmerLanguage>,
    /// twofold extra: `"pattern"` (sklearn's token_pattern, default) or `"unicode"` (UAX #29).
    pub word_tokenizer: TokenizerKind,
}

impl Default for TfidfParams {
    fn default() -> Self {
        TfidfParams {
            input: "content".to_string(),
            encoding: "utf-8".to_string(),
            decode_error: DecodeError::Strict,
            strip_accents: None,
            lowercase: true,
            preprocessor: None,
            tokenizer: None,
            analyzer: AnalyzerKind::Word,
            stop_words: None,
            token_pattern: Some(DEFAULT_TOKEN_PATTERN.to_string()),
            ngram_range: (1, 1),
            max_df: Df::Proportion(1.0),
            min_df: Df::Count(1),
            max_features: None,
            vocabulary: None,
            binary: false,
            dtype: Dtype::Float64,
            norm: Some(Norm::L2),
            use_idf: true,
            smooth_idf: true,
            sublinear_tf: false,
            stemmer: None,
            word_tokenizer: TokenizerKind::Pattern,
        }
    }
}

/// Every key [`TfidfParams::from_json`] accepts.
pub const PARAMETER_NAMES: [&str; 23] = [
    "input",
    "encoding",
    "decode_error",
    "strip_accents",
    "lowercase",
    "preprocessor",
    "tokenizer",
    "analyzer",
    "stop_words",
    "token_pattern",
    "ngram_range",
    "max_df",
    "min_df",
    "max_features",
    "vocabulary",
    "binary",
    "dtype",
    "norm",
    "use_idf",
    "smooth_idf",
    "sublinear_tf",
    "stemmer",
    "word_tokenizer",
];

impl TfidfParams {
    /// Parses a JSON object of sklearn keyword arguments; absent keys keep their
    /// defaults.
    ///
    /// # Errors
    /// In sklearn's order: [`Error::Json`] for malformed JSON,
    /// [`Error::InvalidInput`] if it is not an object, [`Error::UnknownParameter`]
    /// for a key sklearn does not know, [`Error::InvalidParameter`] for a value
    /// outside its domain (JSON `true` for `min_df`/`max_df` included), then
    /// [`Error::InvalidNgramRange`]. Vocabulary and token-pattern checks happen in
    /// [`crate::tfidf::TfidfVectorizer::new`].
    pub fn from_json(json: &str) -> Result<Self> {
        let value: Value = serde_json::from_str(json)?;
        let Value::Object(map) = value else {
            return Err(Error::InvalidInput(
                "parameters must be a JSON object of sklearn keyword arguments".to_string(),
            ));
        };
        if let Some(unknown) = map.keys().find(|k| !PARAMETER_NAMES.contains(&k.as_str())) {
            return Err(Error::UnknownParameter(unknown.clone()));
        }
        let mut params = TfidfParams::default();
        let mut ngram_error = None;
        for (key, value) in &map {
            if key == "ngram_range" {
                match parse_ngram_range(value) {
                    Ok(range) => params.ngram_range = range,
                    Err(err @ Error::InvalidNgramRange { .. }) => ngram_error = Some(err),
                    Err(err) => return Err(err),
                }
            } else {
                params.set(key, value)?;
            }
        }
        if let Some(err) = ngram_error {
            return Err(err);
        }
        params.validate()?;
        Ok(params)
    }

    /// Sets one parameter from its JSON value (the key is known).
    fn set(&mut self, key: &str, value: &Value) -> Result<()> {
        match key {
            "input" => self.input = parse_choice(key, value, &["content"])?,
            "encoding" => self.encoding = parse_string(key, value)?,
            "decode_error" => self.decode_error = parse_enum(key, value)?,
            "strip_accents" => self.strip_accents = parse_optional_enum(key, value)?,
            "lowercase" => self.lowercase = parse_bool(key, value)?,
            "preprocessor" | "tokenizer" => parse_callable(key, value)?,
            "analyzer" => self.analyzer = parse_enum(key, value)?,
            "stop_words" => self.stop_words = parse_stop_words(value)?,
            "token_pattern" => {
                self.token_pattern = match value {
                    Value::Null => None,
                    _ => Some(parse_string(key, value)?),
                }
            }
            "max_df" => self.max_df = parse_df(key, value)?,
            "min_df" => self.min_df = parse_df(key, value)?,
            "max_features" => self.max_features = parse_max_features(value)?,
            "vocabulary" => self.vocabulary = parse_vocabulary(value)?,
            "binary" => self.binary = parse_bool(key, value)?,
            "dtype" => self.dtype = parse_enum(key, value)?,
            "norm" => self.norm = parse_optional_enum(key, value)?,
            "use_idf" => self.use_idf = parse_bool(key, value)?,
            "smooth_idf" => self.smooth_idf = parse_bool(key, value)?,
            "sublinear_tf" => self.sublinear_tf = parse_bool(key, value)?,
            "stemmer" => self.stemmer = parse_optional_enum(key, value)?,
            "word_tokenizer" => self.word_tokenizer = parse_enum(key, value)?,
            _ => return Err(Error::UnknownParameter(key.to_string())),
        }
        Ok(())
    }

    /// Checks the parameter domains that a hand-built struct can violate, then
    /// `ngram_range`.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] first, then [`Error::InvalidNgramRange`].
    pub fn validate(&self) -> Result<()> {
        if self.input != "content" {
            return Err(Error::invalid_parameter(
                "input",
                format!(
                    "must be 'content' (twofold takes text); got {:?}",
                    self.input
                ),
            ));
        }
        check_df("max_df", self.max_df)?;
        check_df("min_df", self.min_df)?;
        if self.max_features == Some(0) {
            return Err(Error::invalid_parameter(
                "max_features",
                "must be an int in the range [1, inf) or None; got 0",
            ));
        }
        let (min_n, max_n) = self.ngram_range;
        if min_n < 1 {
            return Err(ngram_error(
                min_n as i64,
                max_n as i64,
                "lower boundary must be at least 1",
            ));
        }
        if min_n > max_n {
            return Err(ngram_error(
                min_n as i64,
                max_n as i64,
                "lower boundary larger than the upper boundary",
            ));
        }
        Ok(())
    }

    /// The analysis part of the parameters, for [`crate::analysis::Analyzer::new`].
    /// A `None` token_pattern (valid only for char analyzers, which ignore it) maps
    /// to the default pattern.
    pub fn analyzer_config(&self) -> AnalyzerConfig {
        AnalyzerConfig {
            lowercase: self.lowercase,
            strip_accents: self.strip_accents,
            token_pattern: self
                .token_pattern
                .clone()
                .unwrap_or_else(|| DEFAULT_TOKEN_PATTERN.to_string()),
            stop_words: match &self.stop_words {
                None => StopWords::None,
                Some(StopWordsParam::English) => StopWords::English,
                Some(StopWordsParam::List(words)) => StopWords::Custom(words.clone()),
            },
            ngram_range: self.ngram_range,
            analyzer: self.analyzer,
            stemmer: self.stemmer.map(StemmerLanguage::algorithm),
            tokenizer: self.word_tokenizer,
        }
    }
}

fn ngram_error(min_n: i64, max_n: i64, reason: &'static str) -> Error {
    Error::InvalidNgramRange {
        min_n,
        max_n,
        reason,
    }
}

fn check_df(name: &str, df: Df) -> Result<()> {
    let ok = match df {
        Df::Count(count) => count >= 1,
        Df::Proportion(p) => (0.0..=1.0).contains(&p),
    };
    if ok {
        Ok(())
    } else {
        Err(df_error(name, &format!("{df:?}")))
    }
}

fn df_error(name: &str, got: &str) -> Error {
    Error::invalid_parameter(
        name,
        format!(
            "must be a float in the range [0.0, 1.0] or an int in the range [1, inf); got {got}"
        ),
    )
}

fn type_error(name: &str, expected: &str, got: &Value) -> Error {
    Error::invalid_parameter(name, format!("must be {expected}; got {got}"))
}

fn parse_bool(name: &str, value: &Value) -> Result<bool> {
    value
        .as_bool()
        .ok_or_else(|| type_error(name, "a boolean", value))
}

fn parse_string(name: &str, value: &Value) -> Result<String> {
    value
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| type_error(name, "a string", value))
}

fn parse_choice(name: &str, value: &Value, choices: &[&str]) -> Result<String> {
    match value.as_str() {
        Some(s) if choices.contains(&s) => Ok(s.to_string()),
        _ => Err(type_error(name, &format!("one of {choices:?}"), value)),
    }
}

fn parse_enum<T: serde::de::DeserializeOwned>(name: &str, value: &Value) -> Result<T> {
    match value {
        Value::String(_) => {
            T::deserialize(value).map_err(|e| type_error(name, &e.to_string(), value))
        }
        _ => Err(type_error(name, "a string", value)),
    }
}

fn parse_optional_enum<T: serde::de::DeserializeOwned>(
    name: &str,
    value: &Value,
) -> Result<Option<T>> {
    match value {
        Value::Null => Ok(None),
        _ => parse_enum(name, value).map(Some),
    }
}

fn parse_callable(name: &str, value: &Value) -> Result<()> {
    match value {
        Value::Null => Ok(()),
        _ => Err(type_error(
            name,
            "null (callables cannot be given in JSON)",
            value,
        )),
    }
}

/// `1` is a count, `1.0` a proportion; `true` and strings are rejected.
fn parse_df(name: &str, value: &Value) -> Result<Df> {
    let Value::Number(number) = value else {
        return Err(df_error(name, &value.to_string()));
    };
    let df = if let Some(count) = number.as_u64() {
        Df::Count(count)
    } else if number.is_i64() {
        return Err(df_error(name, &value.to_string()));
    } else {
        Df::Proportion(number.as_f64().unwrap_or(f64::NAN))
    };
    check_df(name, df).map(|()| df)
}

fn parse_max_features(value: &Value) -> Result<Option<u64>> {
    match value {
        Value::Null => Ok(None),
        Value::Number(n) => match n.as_u64() {
            Some(k) if k >= 1 => Ok(Some(k)),
            _ => Err(type_error(
                "max_features",
                "an int in the range [1, inf) or None",
                value,
            )),
        },
        _ => Err(type_error(
            "max_features",
            "an int in the range [1, inf) or None",
            value,
        )),
    }
}

fn parse_ngram_range(value: &Value) -> Result<(usize, usize)> {
    let Value::Array(items) = value else {
        return Err(type_error("ngram_range", "a [min_n, max_n] array", value));
    };
    let bounds: Vec<Option<i64>> = items.iter().map(Value::as_i64).collect();
    match bounds.as_slice() {
        [Some(min_n), Some(max_n)] => {
            let (min_n, max_n) = (*min_n, *max_n);
            if min_n < 1 {
                Err(ngram_error(
                    min_n,
                    max_n,
                    "lower boundary must be at least 1",
                ))
            } else if min_n > max_n {
                Err(ngram_error(
                    min_n,
                    max_n,
                    "lower boundary larger than the upper boundary",
                ))
            } else {
                Ok((min_n as usize, max_n as usize))
            }
        }
        [_, _] => Err(ngram_error(0, 0, "both bounds must be integers")),
        _ => Err(ngram_error(0, 0, "expected exactly 2 values")),
    }
}

fn parse_stop_words(value: &Value) -> Result<Option<StopWordsParam>> {
    let expected = "'english', a list of strings or null";
    match value {
        Value::Null => Ok(None),
        Value::String(s) if s == "english" => Ok(Some(StopWordsParam::English)),
        Value::Array(items) => items
            .iter()
            .map(|item| item.as_str().map(str::to_string))
            .collect::<Option<Vec<_>>>()
            .map(|words| Some(StopWordsParam::List(words)))
            .ok_or_else(|| type_error("stop_words", expected, value)),
        _ => Err(type_error("stop_words", expected, value)),
    }
}

fn parse_vocabulary(value: &Value) -> Result<Option<VocabularyParam>> {
    let expected = "a list of strings, an object {term: index} or null";
    match value {
        Value::Null => Ok(None),
        Value::Array(items) => items
            .iter()
            .map(|item| item.as_str().map(str::to_string))
            .collect::<Option<Vec<_>>>()
            .map(|terms| Some(VocabularyParam::List(terms)))
            .ok_or_else(|| type_error("vocabulary", expected, value)),
        Value::Object(map) => map
            .iter()
            .map(|(term, index)| index.as_i64().map(|i| (term.clone(), i)))
            .collect::<Option<BTreeMap<_, _>>>()
            .map(|map| Some(VocabularyParam::Map(map)))
            .ok_or_else(|| type_error("vocabulary", expected, value)),
        _ => Err(type_error("vocabulary", expected, value)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invalid(json: &str) -> String {
        match TfidfParams::from_json(json) {
            Err(Error::InvalidParameter { name, .. }) => name,
            other => panic!("expected InvalidParameter for {json}, got {other:?}"),
        }
    }

    #[test]
    fn empty_object_gives_sklearn_defaults() {
        let params = TfidfParams::from_json("{}").unwrap();
        assert_eq!(params, TfidfParams::default());
        assert_eq!(params.max_df, Df::Proportion(1.0));
        assert_eq!(params.min_df, Df::Count(1));
        assert_eq!(params.norm, Some(Norm::L2));
        assert_eq!(params.token_pattern.as_deref(), Some(r"(?u)\b\w\w+\b"));
    }

    #[test]
    fn every_key_parses() {
        let json = r#"{"input": "content", "encoding": "latin-1", "decode_error": "replace",
            "strip_accents": "unicode", "lowercase": false, "preprocessor": null, "tokenizer": null,
            "analyzer": "char_wb", "stop_words": "english", "token_pattern": "\\w+",
            "ngram_range": [2, 4], "max_df": 0.9, "min_df": 2, "max_features": 10,
            "vocabulary": ["a", "b"], "binary": true, "dtype": "float32", "norm": "l1",
            "use_idf": false, "smooth_idf": false, "sublinear_tf": true, "stemmer": "french",
            "word_tokenizer": "unicode"}"#;
        let p = TfidfParams::from_json(json).unwrap();
        assert_eq!(p.encoding, "latin-1");
        assert_eq!(p.decode_error, DecodeError::Replace);
        assert_eq!(p.strip_accents, Some(StripAccents::Unicode));
        assert!(!p.lowercase);
        assert_eq!(p.analyzer, AnalyzerKind::CharWb);
        assert_eq!(p.stop_words, Some(StopWordsParam::English));
        assert_eq!(p.token_pattern.as_deref(), Some(r"\w+"));
        assert_eq!(p.ngram_range, (2, 4));
        assert_eq!((p.max_df, p.min_df), (Df::Proportion(0.9), Df::Count(2)));
        assert_eq!(p.max_features, Some(10));
        assert_eq!(
            p.vocabulary,
            Some(VocabularyParam::List(vec!["a".into(), "b".into()]))
        );
        assert!(p.binary && !p.use_idf && !p.smooth_idf && p.sublinear_tf);
        assert_eq!((p.dtype, p.norm), (Dtype::Float32, Some(Norm::L1)));
        assert_eq!(p.stemmer, Some(StemmerLanguage::French));
        assert_eq!(p.word_tokenizer, TokenizerKind::Unicode);
        let config = p.analyzer_config();
        assert_eq!(config.stemmer, Some(rust_stemmers::Algorithm::French));
        assert_eq!(config.stop_words, StopWords::English);
        assert_eq!(config.tokenizer, TokenizerKind::Unicode);
        assert_eq!(config.ngram_range, (2, 4));
    }

    #[test]
    fn integer_and_float_df_stay_apart() {
        let p = TfidfParams::from_json(r#"{"max_df": 1, "min_df": 1.0}"#).unwrap();
        assert_eq!(p.max_df, Df::Count(1));
        assert_eq!(p.min_df, Df::Proportion(1.0));
        let p = TfidfParams::from_json(r#"{"max_df": 1e0}"#).unwrap();
        assert_eq!(p.max_df, Df::Proportion(1.0));
        // Round trip through JSON keeps the distinction.
        let back: TfidfParams = serde_json::from_str(&serde_json::to_string(&p).unwrap()).unwrap();
        assert_eq!(back, p);
        assert_eq!(Df::Proportion(0.07).threshold(100), 7.000000000000001);
    }

    #[test]
    fn df_values_outside_their_domain_are_rejected() {
        for json in [
            r#"{"min_df": true}"#,
            r#"{"min_df": 0}"#,
            r#"{"min_df": 1.5}"#,
            r#"{"min_df": -0.1}"#,
            r#"{"min_df": -3}"#,
            r#"{"min_df": "2"}"#,
            r#"{"min_df": null}"#,
        ] {
            assert_eq!(invalid(json), "min_df", "{json}");
        }
        assert_eq!(invalid(r#"{"max_df": false}"#), "max_df");
    }

    #[test]
    fn unknown_keys_are_rejected_first() {
        assert!(matches!(
            TfidfParams::from_json(r#"{"min_df": true, "foo": 1}"#),
            Err(Error::UnknownParameter(name)) if name == "foo"
        ));
        assert!(matches!(
            TfidfParams::from_json("[1]"),
            Err(Error::InvalidInput(_))
        ));
        assert!(matches!(TfidfParams::from_json("{"), Err(Error::Json(_))));
    }

    #[test]
    fn ngram_range_is_checked_after_other_parameters() {
        for json in [
            r#"{"ngram_range": [0, 1]}"#,
            r#"{"ngram_range": [2, 1]}"#,
            r#"{"ngram_range": [-1, 1]}"#,
            r#"{"ngram_range": [1, 2, 3]}"#,
            r#"{"ngram_range": [1.0, 2]}"#,
        ] {
            assert!(
                matches!(
                    TfidfParams::from_json(json),
                    Err(Error::InvalidNgramRange { .. })
                ),
                "{json}"
            );
        }
        assert!(matches!(
            TfidfParams::from_json(r#"{"ngram_range": [2, 1]}"#),
            Err(Error::InvalidNgramRange {
                min_n: 2,
                max_n: 1,
                ..
            })
        ));
        // An invalid parameter wins even if ngram_range sorts first.
        assert_eq!(invalid(r#"{"ngram_range": [2, 1], "norm": "l3"}"#), "norm");
        assert_eq!(invalid(r#"{"ngram_range": "12"}"#), "ngram_range");
    }

    #[test]
    fn other_invalid_values_name_their_parameter() {
        let cases = [
            (r#"{"norm": "max"}"#, "norm"),
            (r#"{"analyzer": "words"}"#, "analyzer"),
            (r#"{"strip_accents": "latin"}"#, "strip_accents"),
            (r#"{"stop_words": "french"}"#, "stop_words"),
            (r#"{"stop_words": ["a", 1]}"#, "stop_words"),
            (r#"{"lowercase": 1}"#, "lowercase"),
            (r#"{"binary": "true"}"#, "binary"),
            (r#"{"use_idf": null}"#, "use_idf"),
            (r#"{"max_features": 0}"#, "max_features"),
            (r#"{"max_features": 1.5}"#, "max_features"),
            (r#"{"max_features": -2}"#, "max_features"),
            (r#"{"input": "file"}"#, "input"),
            (r#"{"decode_error": "skip"}"#, "decode_error"),
            (r#"{"dtype": "float16"}"#, "dtype"),
            (r#"{"preprocessor": "lower"}"#, "preprocessor"),
            (r#"{"tokenizer": "split"}"#, "tokenizer"),
            (r#"{"token_pattern": 3}"#, "token_pattern"),
            (r#"{"vocabulary": "abc"}"#, "vocabulary"),
            (r#"{"vocabulary": {"a": 0.5}}"#, "vocabulary"),
            (r#"{"stemmer": "klingon"}"#, "stemmer"),
            (r#"{"word_tokenizer": "regex"}"#, "word_tokenizer"),
            (r#"{"encoding": 8}"#, "encoding"),
        ];
        for (json, name) in cases {
            assert_eq!(invalid(json), name, "{json}");
        }
    }

    #[test]
    fn vocabulary_map_and_null_parse() {
        let p = TfidfParams::from_json(r#"{"vocabulary": {"b": 0, "a": 1}, "stop_words": null}"#)
            .unwrap();
        let Some(VocabularyParam::Map(map)) = &p.vocabulary else {
            panic!("expected a map")
        };
        assert_eq!(map.get("a"), Some(&1));
        assert_eq!(p.stop_words, None);
        let back: TfidfParams = serde_json::from_str(&serde_json::to_string(&p).unwrap()).unwrap();
        assert_eq!(back, p);
    }
}
