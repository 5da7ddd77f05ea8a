//! twofold: embeddable hybrid text retrieval.
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
