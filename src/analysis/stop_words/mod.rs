//! Stop-word filtering (word analyzer only).
//!
//! As in sklearn, stop words are matched exactly against the *processed*
//! tokens (after lowercasing, accent stripping and tokenising) and are not
//! preprocessed themselves: with `lowercase = false`, `"The"` survives the
//! English list, and a custom `"café"` never matches once `strip_accents`
//! has turned the tokens into `"cafe"`.

mod english;

// foldhash (hashbrown's default): every token of every text is looked up, and
// SipHash showed in FAQ lookup profiles; the keys are a fixed list, not input.
use hashbrown::HashSet;

use super::StopWords;

/// A ready-to-query stop-word set.
#[derive(Clone, Debug, Default)]
pub(crate) struct StopWordSet {
    words: HashSet<Box<str>>,
}

impl StopWordSet {
    pub(crate) fn new(stop_words: &StopWords) -> Self {
        let words = match stop_words {
            StopWords::None => HashSet::new(),
            StopWords::English => english::ENGLISH.iter().map(|&w| w.into()).collect(),
            StopWords::Custom(list) => list.iter().map(|w| w.as_str().into()).collect(),
        };
        StopWordSet { words }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    pub(crate) fn contains(&self, token: &str) -> bool {
        self.words.contains(token)
    }
}

/// scikit-learn's `ENGLISH_STOP_WORDS` (318 words, sorted).
pub fn english_stop_words() -> &'static [&'static str] {
    english::ENGLISH
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_list_is_sklearns() {
        let words = english_stop_words();
        assert_eq!(words.len(), 318);
        assert!(words.windows(2).all(|p| p[0] < p[1]));
        for w in [
            "the", "amoungst", "bill", "fire", "system", "cry", "mill", "interest",
        ] {
            assert!(words.contains(&w), "{w}");
        }
        let set = StopWordSet::new(&StopWords::English);
        assert!(set.contains("the"));
        assert!(!set.contains("The"));
    }

    #[test]
    fn custom_list_matches_exactly() {
        let set = StopWordSet::new(&StopWords::Custom(vec!["café".into(), "x".into()]));
        assert!(set.contains("café"));
        assert!(!set.contains("cafe"));
        assert!(!set.contains("Café"));
        assert!(StopWordSet::new(&StopWords::None).is_empty());
    }
}
