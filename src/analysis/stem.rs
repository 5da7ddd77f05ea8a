//! Snowball stemming of word tokens (a twofold extra; sklearn has none).
//!
//! Stemming runs after stop-word removal and before word n-grams, so stop
//! words are matched against unstemmed tokens and n-grams join stems.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use rust_stemmers::{Algorithm, Stemmer};

/// A shareable `rust_stemmers::Stemmer`.
#[derive(Clone)]
pub(crate) struct TokenStemmer {
    stemmer: Arc<Stemmer>,
    algorithm: Algorithm,
}

impl TokenStemmer {
    pub(crate) fn new(algorithm: Algorithm) -> Self {
        TokenStemmer {
            stemmer: Arc::new(Stemmer::create(algorithm)),
            algorithm,
        }
    }

    pub(crate) fn stem<'a>(&self, token: &'a str) -> Cow<'a, str> {
        self.stemmer.stem(token)
    }
}

impl fmt::Debug for TokenStemmer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenStemmer")
            .field("algorithm", &self.algorithm)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_is_porter2() {
        let s = TokenStemmer::new(Algorithm::English);
        assert_eq!(s.stem("running"), "run");
        assert_eq!(s.stem("generously"), "generous");
        assert_eq!(s.stem("cats"), "cat");
    }
}
