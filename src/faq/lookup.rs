//! What a lookup asks and what it returns: a hit with its explanation, or a
//! miss with the nearest entries and the guard that refused, if any.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::entry::EntryId;
use crate::query::Mode;

/// A lookup; build with [`LookupRequest::new`].
///
/// ```
/// use twofold::faq::LookupRequest;
/// let request = LookupRequest::new("how do I reset my password?")
///     .namespace("accounts")
///     .threshold(0.8);
/// assert_eq!(request.namespace, "accounts");
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LookupRequest {
    /// The incoming question.
    pub question: String,
    /// Its vector (when the cache has no embedder).
    pub vector: Option<Vec<f32>>,
    /// Namespace searched. Default `""`.
    pub namespace: String,
    /// A stricter threshold than the configured one for this lookup. A looser
    /// one is an error ([`Error::InvalidParameter`](crate::Error::InvalidParameter)),
    /// never silently used: a caller cannot lower the bar the cache was set up with.
    pub threshold: Option<f64>,
    /// Fingerprint of the model that made `vector` (checked against the cache's).
    pub model: Option<String>,
}

impl LookupRequest {
    /// A lookup of `question` in the default namespace with the configured threshold.
    pub fn new(question: impl Into<String>) -> Self {
        LookupRequest {
            question: question.into(),
            ..LookupRequest::default()
        }
    }

    /// Sets the query vector.
    pub fn vector(mut self, vector: Vec<f32>) -> Self {
        self.vector = Some(vector);
        self
    }

    /// Sets the namespace.
    pub fn namespace(mut self, namespace: impl Into<String>) -> Self {
        self.namespace = namespace.into();
        self
    }

    /// Sets a stricter threshold.
    pub fn threshold(mut self, threshold: f64) -> Self {
        self.threshold = Some(threshold);
        self
    }

    /// Names the model that made the vector.
    pub fn model(mut self, fingerprint: impl Into<String>) -> Self {
        self.model = Some(fingerprint.into());
        self
    }
}

/// A stored entry considered by a lookup.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    /// The entry.
    pub entry_id: EntryId,
    /// The phrasing that matched best.
    pub question: String,
    /// The cache score (see [`ScoreMode`](super::ScoreMode)).
    pub score: f64,
    /// TF-IDF cosine, when the sparse side ran.
    pub sparse: Option<f64>,
    /// Dense cosine, when the dense side ran and the entry has a vector.
    pub dense: Option<f64>,
}

/// The result of a lookup.
#[derive(Clone, Debug, PartialEq)]
pub enum Lookup {
    /// A stored answer is served.
    Hit(FaqHit),
    /// Nothing is served; the caller computes a fresh answer (and may insert it).
    Miss(FaqMiss),
}

impl Lookup {
    /// The hit, if any.
    pub fn hit(&self) -> Option<&FaqHit> {
        match self {
            Lookup::Hit(hit) => Some(hit),
            Lookup::Miss(_) => None,
        }
    }

    /// Whether a stored answer is served.
    pub fn is_hit(&self) -> bool {
        matches!(self, Lookup::Hit(_))
    }

    /// The best candidate's entry and score (the hit's, or the nearest miss's).
    pub fn best(&self) -> Option<(EntryId, f64)> {
        match self {
            Lookup::Hit(hit) => Some((hit.entry_id, hit.score)),
            Lookup::Miss(miss) => miss.nearest.first().map(|c| (c.entry_id, c.score)),
        }
    }
}

/// A served answer.
#[derive(Clone, Debug, PartialEq)]
pub struct FaqHit {
    /// The answer.
    pub answer: String,
    /// The stored phrasing that matched.
    pub matched_question: String,
    /// The entry.
    pub entry_id: EntryId,
    /// The cache score.
    pub score: f64,
    /// The entry's metadata.
    pub metadata: BTreeMap<String, String>,
    /// Why it was served.
    pub explain: HitExplanation,
}

/// Why a hit was served.
#[derive(Clone, Debug, PartialEq)]
pub struct HitExplanation {
    /// The side(s) that scored it (hybrid falls back to sparse without a query vector).
    pub mode_used: Mode,
    /// The threshold applied.
    pub threshold: f64,
    /// TF-IDF cosine.
    pub sparse: Option<f64>,
    /// Dense cosine.
    pub dense: Option<f64>,
    /// The best entry with a different answer and the gap to it, if any was a candidate.
    pub runner_up: Option<(EntryId, f64)>,
    /// Guards that were checked and passed.
    pub guards_passed: Vec<&'static str>,
}

/// No answer served.
#[derive(Clone, Debug, PartialEq)]
pub struct FaqMiss {
    /// The nearest entries (best first, at most [`FaqConfig::nearest`](super::FaqConfig)).
    pub nearest: Vec<Candidate>,
    /// The guard that refused a best entry that passed the threshold, if one did.
    pub refused_by: Option<Refusal>,
    /// The threshold applied.
    pub threshold: f64,
}

/// Which side failed a [`DualGate`](super::DualGate).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Side {
    /// TF-IDF.
    Sparse,
    /// Dense vectors.
    Dense,
}

/// Why the lexical veto fired.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum VetoReason {
    /// A number in one question and not in the other.
    Number,
    /// One question is negated, the other is not.
    Negation,
    /// The rest agrees, but a rare term of the stored question is replaced by
    /// the query's term (which is unknown to the index or rare too).
    Substitution {
        /// The stored question's term (as analysed).
        replaced: String,
    },
    /// A rare query term the matched question lacks but another candidate has.
    ContrastTerm {
        /// The term's idf.
        idf: f64,
        /// The candidate that has it.
        other: EntryId,
    },
}

/// A guard's refusal of a best entry that passed the threshold.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Refusal {
    /// One side's own similarity is below its gate (`None`: no score on that side).
    DualGate {
        /// The failing side.
        side: Side,
        /// Its score.
        score: Option<f64>,
        /// Its gate.
        min: f64,
    },
    /// The best entry with a different answer is too close.
    Margin {
        /// That entry.
        runner_up: EntryId,
        /// Best score − its score.
        gap: f64,
        /// The configured δ.
        required: f64,
    },
    /// The questions differ in `term`.
    LexicalVeto {
        /// The differing term, as written (numbers and negations) or as analysed.
        term: String,
        /// What kind of difference.
        reason: VetoReason,
    },
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::DualGate { side, score, min } => {
                write!(f, "dual gate: {side:?} score {score:?} below {min}")
            }
            Refusal::Margin {
                runner_up,
                gap,
                required,
            } => write!(
                f,
                "margin: {runner_up} (different answer) within {gap:.4} < {required}"
            ),
            Refusal::LexicalVeto { term, reason } => {
                write!(f, "lexical veto: questions differ in {term:?} ({reason:?})")
            }
        }
    }
}
