//! Text embedders: turn text into dense vectors for the dense side of an index.
//!
//! An [`Index`](crate::index::Index) may be given an [`Embedder`] so that text-only queries
//! also search the dense side. Without one, callers pass query vectors
//! themselves, and a text-only query runs sparse-only (the result says so).
//!
#![cfg_attr(
    feature = "embed",
    doc = "With the cargo feature `embed`, [`SentenceEmbedder`] runs a BERT-family"
)]
#![cfg_attr(
    not(feature = "embed"),
    doc = "With the cargo feature `embed`, `SentenceEmbedder` runs a BERT-family"
)]
//! sentence-transformers model (e.g. all-MiniLM-L6-v2) in process: pure Rust,
//! no Python, no network; the model is read from a local directory.

use crate::error::Result;

#[cfg(feature = "embed")]
mod bert;
#[cfg(feature = "embed")]
mod kernels;
#[cfg(feature = "embed")]
mod long_text;
#[cfg(feature = "embed")]
mod model_dir;
#[cfg(feature = "embed")]
mod packed;
#[cfg(feature = "embed")]
mod pooling;
#[cfg(feature = "embed")]
mod sentence;

#[cfg(feature = "embed")]
pub use long_text::{LongTextStrategy, WindowPool};
#[cfg(feature = "embed")]
pub use model_dir::Pooling;
#[cfg(feature = "embed")]
pub use sentence::{SentenceEmbedder, SentenceEmbedderBuilder, DEFAULT_BATCH_SIZE};

/// Turns text into fixed-size vectors.
///
/// Only [`dim`](Embedder::dim), [`fingerprint`](Embedder::fingerprint) and
/// [`embed_batch`](Embedder::embed_batch) are required; [`embed`](Embedder::embed)
/// is provided on top of the batch call.
pub trait Embedder: Send + Sync {
    /// Number of dimensions of every vector this embedder returns.
    fn dim(&self) -> usize;

    /// A stable identifier of the model and its settings (for example the model
    /// name plus a hash of its weights and pooling). Stores record it and refuse
    /// to mix vectors from embedders whose fingerprints differ.
    fn fingerprint(&self) -> String;

    /// Embeds `texts`, returning one vector of [`dim`](Embedder::dim) components per text, in order.
    ///
    /// # Errors
    /// Implementation-specific: tokenisation or model failures.
    fn embed_batch(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>>;

    /// Embeds one text.
    ///
    /// # Errors
    /// As [`embed_batch`](Embedder::embed_batch).
    fn embed(&self, text: &str) -> Result<Vec<f32>> {
        let mut vectors = self.embed_batch(&[text])?;
        vectors.pop().ok_or_else(|| {
            crate::Error::InvalidInput("embedder returned no vector for one text".to_string())
        })
    }
}
