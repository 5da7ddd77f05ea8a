//! Stored entries: an answer, the phrasings that lead to it, and its lifetime.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// The id of a cache entry (assigned by the cache, never reused).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct EntryId(pub u64);

impl std::fmt::Display for EntryId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "entry-{}", self.0)
    }
}

/// One phrasing of an entry's question, stored as its own index document.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Phrasing {
    /// The index document's key ([`DocKey::U64`](crate::ids::DocKey)).
    pub doc_key: u64,
    /// The question text.
    pub text: String,
}

/// How an entry's lifetime is counted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum TtlKind {
    /// Expires `ttl` after insertion, however often it is served. The default.
    #[default]
    Absolute,
    /// Expires `ttl` after it was last served (or inserted).
    Sliding,
}

/// A stored question/answer pair with everything the cache knows about it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FaqEntry {
    /// The entry's id.
    pub id: EntryId,
    /// The phrasings; the first is the main question.
    pub phrasings: Vec<Phrasing>,
    /// The answer served on a hit.
    pub answer: String,
    /// Namespace: lookups only ever see entries of their own namespace.
    pub namespace: String,
    /// Tags, for [`Invalidation::Tag`](super::Invalidation).
    pub tags: Vec<String>,
    /// The data version the entry was computed under.
    pub data_version: u64,
    /// Ids of the source documents the answer was derived from.
    pub sources: Vec<String>,
    /// Free-form metadata returned with hits.
    pub metadata: BTreeMap<String, String>,
    /// Insertion time, ms since the Unix epoch.
    pub created_ms: u64,
    /// Last time it was served (or inserted), ms since the Unix epoch.
    pub last_used_ms: u64,
    /// Time to live in ms; `None` never expires.
    pub ttl_ms: Option<u64>,
    /// Absolute or sliding TTL.
    pub ttl_kind: TtlKind,
    /// Times served.
    pub hits: u64,
    /// Logical time of the last use (inserts and hits), for LRU order.
    pub last_tick: u64,
}

impl FaqEntry {
    /// The main question (the first phrasing), or "" for a malformed entry.
    pub fn question(&self) -> &str {
        self.phrasings.first().map_or("", |p| p.text.as_str())
    }

    /// The text of the phrasing stored as index document `doc_key`, else the
    /// main question.
    pub fn phrasing_text(&self, doc_key: u64) -> &str {
        self.phrasings
            .iter()
            .find(|p| p.doc_key == doc_key)
            .map_or_else(|| self.question(), |p| p.text.as_str())
    }

    /// When the entry expires (ms since the epoch), if it does.
    pub fn expires_ms(&self) -> Option<u64> {
        let start = match self.ttl_kind {
            TtlKind::Absolute => self.created_ms,
            TtlKind::Sliding => self.last_used_ms,
        };
        self.ttl_ms.map(|ttl| start.saturating_add(ttl))
    }

    /// Whether the entry has expired at `now_ms` (an entry is dead from its expiry instant on).
    pub fn is_expired(&self, now_ms: u64) -> bool {
        self.expires_ms().is_some_and(|at| now_ms >= at)
    }
}

/// Options of [`FaqCache::insert`](super::FaqCache::insert); build with [`InsertOptions::new`].
///
/// ```
/// use std::time::Duration;
/// use twofold::faq::InsertOptions;
/// let options = InsertOptions::new()
///     .namespace("billing")
///     .ttl(Duration::from_secs(3600))
///     .tag("refunds")
///     .source("policy-7")
///     .alternate("how long until I get my money back?");
/// assert_eq!(options.namespace, "billing");
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct InsertOptions {
    /// Namespace. Default `""`.
    pub namespace: String,
    /// Time to live. Default: the cache's [`FaqConfig::default_ttl`](super::FaqConfig).
    pub ttl: Option<Duration>,
    /// Absolute or sliding TTL. Default: the cache's [`FaqConfig::ttl_kind`](super::FaqConfig).
    pub ttl_kind: Option<TtlKind>,
    /// Data version; default the cache's current version. An older one is an error.
    pub data_version: Option<u64>,
    /// Tags.
    pub tags: Vec<String>,
    /// Source document ids.
    pub sources: Vec<String>,
    /// Metadata.
    pub metadata: BTreeMap<String, String>,
    /// Other phrasings of the question (each becomes its own index document).
    pub alternates: Vec<String>,
    /// The question's vector (when the cache has no embedder).
    pub vector: Option<Vec<f32>>,
    /// Vectors of the alternates, in order (all or none).
    pub alternate_vectors: Vec<Vec<f32>>,
    /// Fingerprint of the model that made `vector`; when given it must match the
    /// cache's ([`Error::EmbedderMismatch`](crate::Error::EmbedderMismatch) otherwise).
    pub model: Option<String>,
}

impl InsertOptions {
    /// Defaults: namespace `""`, the cache's TTL, current data version, nothing else.
    pub fn new() -> Self {
        InsertOptions::default()
    }

    /// Sets the namespace.
    pub fn namespace(mut self, namespace: impl Into<String>) -> Self {
        self.namespace = namespace.into();
        self
    }

    /// Sets the time to live.
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = Some(ttl);
        self
    }

    /// Makes the TTL sliding (or absolute).
    pub fn ttl_kind(mut self, kind: TtlKind) -> Self {
        self.ttl_kind = Some(kind);
        self
    }

    /// Sets the data version.
    pub fn data_version(mut self, version: u64) -> Self {
        self.data_version = Some(version);
        self
    }

    /// Adds a tag.
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.tags.push(tag.into());
        self
    }

    /// Adds a source document id.
    pub fn source(mut self, id: impl Into<String>) -> Self {
        self.sources.push(id.into());
        self
    }

    /// Adds a metadata field.
    pub fn meta(mut self, field: impl Into<String>, value: impl Into<String>) -> Self {
        self.metadata.insert(field.into(), value.into());
        self
    }

    /// Adds another phrasing of the question.
    pub fn alternate(mut self, question: impl Into<String>) -> Self {
        self.alternates.push(question.into());
        self
    }

    /// Sets the question's vector.
    pub fn vector(mut self, vector: Vec<f32>) -> Self {
        self.vector = Some(vector);
        self
    }

    /// Names the model that made the vectors (see [`InsertOptions::model`](Self#structfield.model)).
    pub fn model(mut self, fingerprint: impl Into<String>) -> Self {
        self.model = Some(fingerprint.into());
        self
    }

    /// Adds another phrasing with its vector.
    pub fn alternate_with_vector(mut self, question: impl Into<String>, vector: Vec<f32>) -> Self {
        self.alternates.push(question.into());
        self.alternate_vectors.push(vector);
        self
    }
}
