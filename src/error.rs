//! The crate's one error type.
//!
//! Every fallible function in twofold returns [`Result<T>`]. Variants are
//! struct-like where the caller may want to act on the details, and messages
//! are lowercase, reuse scikit-learn's wording where one exists, and say what
//! to do next.

use std::path::PathBuf;

/// Everything that can go wrong in twofold.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A parameter is outside its documented domain (sklearn's `InvalidParameterError`).
    #[error("invalid parameter `{name}`: {reason}")]
    InvalidParameter {
        /// The parameter's name, spelled as in the configuration.
        name: String,
        /// Why the value was rejected.
        reason: String,
    },
    /// A configuration key that twofold does not know.
    #[error("unknown parameter `{0}`")]
    UnknownParameter(String),
    /// `ngram_range` with a lower bound of 0 or above its upper bound.
    #[error("invalid value for ngram_range=({min_n}, {max_n}): {reason}")]
    InvalidNgramRange {
        /// Lower bound as given.
        min_n: i64,
        /// Upper bound as given.
        max_n: i64,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A custom `token_pattern` that does not compile or is not supported.
    #[error("invalid token_pattern {pattern:?}: {reason}")]
    InvalidTokenPattern {
        /// The pattern as given.
        pattern: String,
        /// The compiler's complaint.
        reason: String,
    },
    /// A `token_pattern` with more than one capturing group.
    #[error("more than 1 capturing group in token pattern {0:?}; only a single group should be captured")]
    TooManyCaptureGroups(String),
    /// A fixed vocabulary lists the same term twice.
    #[error("duplicate term in vocabulary: {0:?}")]
    DuplicateVocabularyTerm(String),
    /// A fixed vocabulary mapping gives two terms the same column.
    #[error("vocabulary contains repeated indices")]
    RepeatedVocabularyIndex,
    /// A fixed vocabulary mapping leaves a column unassigned.
    #[error("vocabulary of size {size} doesn't contain index {missing}")]
    VocabularyIndexGap {
        /// Number of terms in the vocabulary.
        size: usize,
        /// The first column with no term.
        missing: usize,
    },
    /// A fixed vocabulary with no terms.
    #[error("empty vocabulary passed to fit")]
    EmptyFixedVocabulary,
    /// Fitting produced no terms at all.
    #[error("empty vocabulary; perhaps the documents only contain stop words")]
    EmptyVocabulary,
    /// `max_df` corresponds to fewer documents than `min_df`.
    #[error("max_df corresponds to < documents than min_df")]
    MaxDfBelowMinDf,
    /// Document-frequency pruning removed every term.
    #[error("after pruning, no terms remain; try a lower min_df or a higher max_df")]
    NoTermsRemain,
    /// An operation that needs at least one document got none.
    #[error("found 0 documents while a minimum of 1 is required")]
    NoDocuments,
    /// An infinite value (idf of an unseen fixed-vocabulary term with `smooth_idf=false`) reached normalisation.
    #[error("input contains infinity or a value too large for float64; use smooth_idf=true or norm=null")]
    NonFiniteValue,
    /// A vector with the wrong number of dimensions.
    #[error("vector has {found} dimensions, the index expects {expected}")]
    DimensionMismatch {
        /// Dimensions the index was built with.
        expected: usize,
        /// Dimensions of the vector given.
        found: usize,
    },
    /// A vector component is NaN or infinite, or so large (the largest one)
    /// that the vector's scores would overflow `f32`: a squared norm above
    /// `f32::MAX` (a quarter of it under the L2 metric).
    #[error("vector component {index} is not finite or too large for finite scores")]
    NonFiniteVector {
        /// Position of the first bad component.
        index: usize,
    },
    /// A zero vector cannot be normalised for cosine similarity.
    #[error("zero vector cannot be used with the cosine metric")]
    ZeroVector,
    /// One item of a batch of several was refused (`error` says why); nothing
    /// of the batch was applied. Match on [`Error::root`] to act on the cause
    /// whatever the batch size: a batch of one reports its error unwrapped.
    #[error("batch item {position} of {len}{}: {error}", key.as_ref().map(|k| format!(" (document {k})")).unwrap_or_default())]
    BatchItem {
        /// The item's 0-based position in the batch as given.
        position: usize,
        /// Items in the batch.
        len: usize,
        /// The item's document key as [`DuplicateKey`](Error::DuplicateKey)
        /// names keys (`"doc-3"` quoted, `7` bare), when the item is a document.
        key: Option<String>,
        /// Why the item was refused.
        error: Box<Error>,
    },
    /// An id that is already present.
    #[error("document {0} already exists; use update to replace it")]
    DuplicateKey(String),
    /// An id that is not present.
    #[error("no document {0}")]
    UnknownKey(String),
    /// Malformed caller input that fits no other variant (file formats in examples, etc.).
    #[error("{0}")]
    InvalidInput(String),
    /// An I/O failure on a named path.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory involved.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A JSON document that could not be parsed.
    #[error("invalid JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// A custom `token_pattern` failed while matching a document, e.g. it
    /// exceeded the backtracking limit (catastrophic backtracking).
    #[error("token_pattern {pattern:?} failed on a document: {reason}")]
    TokenPatternRuntime {
        /// The pattern as given.
        pattern: String,
        /// What the regex engine reported.
        reason: String,
    },
    /// A persisted form (e.g. the dense index inside a snapshot) that is
    /// internally inconsistent: lengths, ids or parameters that do not fit.
    #[error("corrupt persisted data: {what}: {detail}; the snapshot is damaged, rebuild it")]
    CorruptPersisted {
        /// Which part failed validation.
        what: &'static str,
        /// What was found.
        detail: String,
    },
    /// A snapshot file that cannot be read (or a payload too large to write);
    /// the inner error says which check failed.
    #[error(transparent)]
    Snapshot(#[from] crate::snapshot::SnapshotError),
    /// A file that a model directory must contain is absent.
    #[error("model file {path} is missing; fetch the model with scripts/fetch_model.sh or point to a sentence-transformers directory")]
    ModelFileMissing {
        /// The file that was looked for.
        path: PathBuf,
    },
    /// A model file exists but cannot be used (unreadable, malformed, or describes an unsupported model).
    #[error("model file {path}: {reason}")]
    ModelFile {
        /// The offending file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The tokenizer or the model failed on input text.
    #[error("embedding failed: {0}")]
    Embedding(String),
    /// An embedder whose fingerprint differs from the one recorded with the
    /// stored vectors (e.g. in a snapshot): its vectors would not be comparable.
    #[error("embedder mismatch: the index was built with {expected:?}, got {found:?}")]
    EmbedderMismatch {
        /// The fingerprint recorded with the stored vectors.
        expected: String,
        /// The fingerprint of the embedder given.
        found: String,
    },
}

/// `Result` with twofold's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Shorthand for [`Error::InvalidParameter`].
    pub fn invalid_parameter(name: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::InvalidParameter {
            name: name.into(),
            reason: reason.into(),
        }
    }

    /// The error itself, or for a [`Error::BatchItem`] the error of its item:
    /// what to match on to act on the cause of a refused batch.
    ///
    /// ```
    /// use twofold::Error;
    ///
    /// let refused = Error::BatchItem {
    ///     position: 3,
    ///     len: 10,
    ///     key: Some("\"doc-3\"".into()),
    ///     error: Box::new(Error::ZeroVector),
    /// };
    /// assert!(matches!(refused.root(), Error::ZeroVector));
    /// assert_eq!(
    ///     refused.to_string(),
    ///     "batch item 3 of 10 (document \"doc-3\"): zero vector cannot be used with the cosine metric"
    /// );
    /// ```
    pub fn root(&self) -> &Error {
        match self {
            Error::BatchItem { error, .. } => error.root(),
            other => other,
        }
    }

    /// Names item `position` of a batch of `len` in `error` (unchanged for a
    /// batch of one, whose caller knows the item).
    pub(crate) fn at_batch_item(self, position: usize, len: usize, key: Option<String>) -> Self {
        if len < 2 {
            return self;
        }
        Error::BatchItem {
            position,
            len,
            key,
            error: Box::new(self),
        }
    }

    /// The language-neutral scikit-learn error kind for this error (the `kind`
    /// names of the sklearn parity fixtures), or `None` for errors sklearn has no
    /// counterpart for (I/O, JSON syntax, index errors, ...).
    pub fn sklearn_kind(&self) -> Option<&'static str> {
        Some(match self {
            Error::UnknownParameter(_) => "UnknownParameter",
            Error::InvalidParameter { .. } => "InvalidParameter",
            Error::InvalidNgramRange { .. } => "InvalidNgramRange",
            Error::DuplicateVocabularyTerm(_) => "DuplicateVocabularyTerm",
            Error::RepeatedVocabularyIndex => "RepeatedVocabularyIndex",
            Error::VocabularyIndexGap { .. } => "VocabularyIndexGap",
            Error::EmptyFixedVocabulary => "EmptyFixedVocabulary",
            Error::TooManyCaptureGroups(_) => "TooManyCaptureGroups",
            Error::InvalidTokenPattern { .. } => "InvalidTokenPattern",
            Error::EmptyVocabulary => "EmptyVocabulary",
            Error::MaxDfBelowMinDf => "MaxDfBelowMinDf",
            Error::NoTermsRemain => "NoTermsRemain",
            Error::NoDocuments => "NoDocuments",
            Error::NonFiniteValue => "NonFiniteValue",
            _ => return None,
        })
    }

    /// Shorthand for [`Error::Io`].
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}
