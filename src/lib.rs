//! twofold: an embeddable hybrid text-retrieval engine.
//!
//! twofold keeps scikit-learn-compatible TF-IDF and dense vectors (HNSW) in
//! one [`Index`](index::Index), scores every query on both sides, fuses the
//! scores, and saves the whole index to one checksummed snapshot file. It is
//! built for FAQ matching / semantic caching, "more like this"
//! recommendations and hybrid search inside an application, without a Python
//! process next to it.
//!
//! ```
//! use twofold::index::{Document, Filter, Index};
//! use twofold::query::{Mode, SearchRequest};
//!
//! // Documents may carry a vector; here only the sparse (TF-IDF) side is used.
//! let index = Index::builder().build(vec![
//!     Document::new("faq-1").title("Reset your password").body("Open Settings, then Account.").meta("lang", "en"),
//!     Document::new("faq-2").title("Opening hours").body("We open at nine on weekdays.").meta("lang", "en"),
//!     Document::new("faq-3").title("Passwort zurücksetzen").body("Einstellungen, dann Konto.").meta("lang", "de"),
//! ])?;
//! let results = index.search(
//!     &SearchRequest::text("how do I reset my password?")
//!         .k(2)
//!         .filter(Filter::eq("lang", "en"))
//!         .explain(true),
//! )?;
//! assert_eq!(results.hits[0].key, "faq-1".into());
//! // Without vectors or an embedder the query runs sparse-only, and says so.
//! assert_eq!(results.mode_used, Mode::Sparse);
//! # Ok::<(), twofold::Error>(())
//! ```
//!
//! # Brief overview
//! Data flows one way, a module per stage:
//! - [`analysis`]: scikit-learn's analyzer, exactly (Python 3.11 `\w`, accents,
//!   stop words, word/char/char_wb n-grams), plus opt-in stemming and UAX #29 words.
//! - [`tfidf`]: `TfidfVectorizer` with every weighting and vocabulary parameter,
//!   sklearn's JSON parameter names, and `.mtx`/JSON export.
//! - [`sparse`]: an inverted index with exact top-k cosine.
//! - [`dense`]: exact and HNSW k-NN (graph built by `hnsw_rs`, searched as a
//!   compact copy), cosine/dot/L2, deletes and filters.
//! - [`index`] and [`query`]: documents, metadata filters, hybrid search where
//!   every candidate gets its exact score on both sides, fusion (RRF, linear,
//!   distribution-based, query-adaptive), explanations.
//! - [`recommend`]: more-like-this and positive/negative examples, MMR.
//! - [`snapshot`]: the versioned, checksummed one-file format.
//! - [`embed`]: the [`Embedder`](embed::Embedder) trait; with the `embed`
//!   feature, an in-process sentence-transformers model.
//! - [`eval`]: BEIR loading and nDCG/recall/MRR.
//!
//! # Untrusted input
//! No caller-influenced input panics: bad parameters, vectors (wrong
//! dimension, NaN, zero under cosine), ids and snapshot files each give a
//! typed [`Error`]. Snapshots are checksummed, size-limited before any
//! allocation, and validated after decoding.
//!
//! # Crate features
//! - `embed` (off by default): `embed::SentenceEmbedder`, a pure-Rust BERT
//!   sentence embedder for local sentence-transformers directories.
#![warn(missing_docs)]

pub mod analysis;
pub mod dense;
pub mod embed;
pub mod error;
pub mod eval;
pub mod faq;
pub mod ids;
pub mod index;
pub mod query;
pub mod recommend;
pub mod snapshot;
pub mod sparse;
pub mod tfidf;

pub use error::{Error, Result};

/// The README's code blocks, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
