//! A semantic FAQ cache: serve a stored answer when a new question paraphrases
//! a stored one, refuse when it only looks like one.
//!
//! A help desk or chatbot gets many rephrasings of the same questions.
//! [`FaqCache::lookup`] matches an incoming question against the stored ones;
//! when the best entry's score reaches the threshold and no guard objects it
//! returns [`Lookup::Hit`] with the stored answer, otherwise [`Lookup::Miss`]
//! with the nearest entries, and the caller computes a fresh answer and
//! [`insert`](FaqCache::insert)s it.
//!
//! # Brief overview
//!
//! * [`FaqCache`] (built by [`FaqCacheBuilder`] from a [`FaqConfig`]) owns an
//!   [`Index`](crate::index::Index); each phrasing of an entry is one index
//!   document, so several phrasings lead to one answer.
//! * [`LookupRequest`] → [`Lookup`]; hits carry a [`HitExplanation`], misses the
//!   [`Refusal`] of the guard that fired, if any.
//! * [`calibrate()`] turns labelled lookups into a precision/recall curve and the
//!   lowest threshold whose precision *lower confidence bound* reaches a target.
//! * [`Clock`] makes TTLs testable ([`ManualClock`]).
//! * [`FaqCache::save`] / [`FaqCache::load_with`] ([`FaqLoadOptions`]) keep the
//!   whole cache in one snapshot file (`docs/snapshot-format.md`); TTL
//!   deadlines are absolute times, so they hold across a reload.
//!
//! # Score units
//!
//! Every score is a **similarity** (higher = more alike), never a distance:
//! [`ScoreMode::Sparse`] is the TF-IDF cosine of the two questions in `[0, 1]`,
//! [`ScoreMode::Dense`] the cosine of their vectors in `[-1, 1]`, and
//! [`ScoreMode::Hybrid`] (default) `w·dense + (1−w)·sparse`. A hybrid lookup
//! without a query vector (none given, no embedder) scores sparse-only and says
//! so in [`HitExplanation::mode_used`].
//!
//! Thresholds of other semantic caches, for unit-length embeddings (cosine `c`):
//!
//! | system | setting | unit | hit when | as a dense threshold here |
//! |---|---|---|---|---|
//! | twofold `Dense` | `threshold = t` | cosine similarity | `c ≥ t` | `t` |
//! | RedisVL `SemanticCache` | `distance_threshold = d` | Redis COSINE distance `1 − c`, in `[0, 2]` | `1 − c ≤ d` | `1 − d` (default `d = 0.1` → 0.9) |
//! | GPTCache, `SearchDistanceEvaluation` + faiss L2 | `similarity_threshold = s` (default 0.8), `max_distance = 4` | evaluation `4 − ‖a−b‖²`, rescaled to `[0, 1]` | `‖a−b‖² ≤ 4(1 − s)` | `2s − 1` (0.8 → 0.6) *assumed* |
//! | GPTCache, other evaluators (ONNX cross-encoder, exact match, …) | `similarity_threshold` | the evaluator's own score | — | no fixed conversion |
//!
//! RedisVL's unit is read from its documentation and its issue #407 (native
//! COSINE distance; its LangCache wrapper also offers a "normalized" `[0, 1]`
//! scale). The GPTCache row *assumes* faiss `IndexFlatL2` (squared L2, so
//! `‖a−b‖² = 2 − 2c` for unit vectors) and the adapter's rescaling of the
//! evaluator range `[0, max_distance]` by `similarity_threshold`; other vector
//! stores or evaluators change it. TF-IDF and hybrid scores have no counterpart
//! there: calibrate them.
//!
//! # Guards
//!
//! Each is optional ([`FaqConfig`]) and, when it fires, named in
//! [`FaqMiss::refused_by`]:
//! * **dual gate** ([`DualGate`]): in hybrid mode each side must pass its own bar;
//! * **runner-up margin** (`margin = δ`): the best entry must beat the best entry
//!   with a *different answer* by δ;
//! * **lexical veto** ([`LexicalVeto`], on by default): refuses when the two
//!   questions differ in a number, in negation ("turn on" / "turn off", which
//!   dense models score as near-duplicates), in a swapped rare term
//!   ("pneumonia vaccine" vs "shingles vaccine"; idf from the index's analyzer),
//!   or in a rare term that a close rival entry contains. Numbers on one side
//!   only, negations and swaps veto only when the rest of the two questions
//!   agrees (word Jaccard ≥ [`LexicalVeto::min_overlap`]), so that wordy
//!   paraphrases ("I can't make my appointment, cancel it") still match.
//!
//! A per-lookup threshold ([`LookupRequest::threshold`]) may only be stricter
//! than the configured one; a looser one is an error, never clamped silently.
//!
//! # Lifetimes and consistency
//!
//! Entries may expire (absolute or sliding TTL, [`TtlKind`]); expired entries
//! are never served and are purged lazily and by [`FaqCache::purge_expired`].
//! [`FaqCache::bump_data_version`] drops entries computed under older data;
//! [`FaqCache::on_source_changed`] drops entries citing a changed document.
//! The cache records the embedder's fingerprint and refuses vectors of another
//! model ([`Error::EmbedderMismatch`](crate::Error::EmbedderMismatch)).
//! With `max_entries` set, inserts evict by [`Eviction::Lru`] or [`Eviction::Lfu`].
//!
//! # Concurrency
//!
//! All methods take `&self`, and `FaqCache` is `Send + Sync`. Lookups share a
//! read lock on the index; inserts, removals, invalidations, purges, version
//! bumps and refits take the write lock, and each is one critical section: a
//! lookup sees it whole or not at all (never a half-inserted entry, never an
//! entry of a data version older than the version it can read), and a
//! [`save`](FaqCache::save) is a consistent cut. Counters are atomics bumped
//! after each lookup's decision, so [`FaqCache::stats`] read while lookups run
//! may lag them (`hits + misses` briefly below `lookups`).
//!
//! # Quirks
//!
//! * The cache's index keeps live TF-IDF statistics by default
//!   ([`FaqConfig::default_index`]): every insert re-weighs all rows once
//!   (O(nnz)), and sparse scores of stored entries shift slightly as entries
//!   come and go. With frozen statistics, terms first seen after the last fit
//!   are ignored until a refit ([`FaqConfig::refit_growth`]). Load a FAQ with
//!   [`FaqCache::insert_batch`] (one pass for the whole batch).
//! * Eviction scans all entries (O(n) per evicting insert) and spares the
//!   entries of the inserting batch.

mod cache;
mod calibrate;
mod clock;
mod config;
mod entry;
mod feedback;
mod guards;
mod lookup;
mod maintain;
mod parts;
mod persist;
mod stats;

pub use cache::{FaqCache, FaqCacheBuilder};
pub use calibrate::{
    beta_quantile, calibrate, clopper_pearson_lower, regularized_beta, Calibration, CurvePoint,
    LabelledScore,
};
pub use clock::{millis_since_epoch, Clock, ManualClock, SystemClock};
pub use config::{DualGate, Eviction, FaqConfig, LexicalVeto, ScoreMode};
pub use entry::{EntryId, FaqEntry, InsertOptions, Phrasing, TtlKind};
pub use feedback::DEFAULT_CONFIDENCE;
pub use lookup::{
    Candidate, FaqHit, FaqMiss, HitExplanation, Lookup, LookupRequest, Refusal, Side, VetoReason,
};
pub use maintain::Invalidation;
pub use parts::{FaqParts, FAQ_PARTS_VERSION};
pub use persist::FaqLoadOptions;
pub use stats::FaqStats;
