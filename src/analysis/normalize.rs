//! sklearn's preprocessing: `str.lower()`, then `strip_accents`.
//!
//! Both steps return [`Cow`] and allocate only when the text changes.

use std::borrow::Cow;

use unicode_normalization::char::canonical_combining_class;
use unicode_normalization::{is_nfkd_quick, IsNormalized, UnicodeNormalization};

use super::StripAccents;

/// Lowercases then strips accents, in sklearn's order (so NFKD can bring
/// capitals back: `"ℌello"` becomes `"Hello"` even with `lowercase`).
pub fn preprocess(text: &str, lowercase: bool, strip: Option<StripAccents>) -> Cow<'_, str> {
    let lowered = if lowercase {
        lowercase_cow(text)
    } else {
        Cow::Borrowed(text)
    };
    match strip {
        None => lowered,
        Some(kind) => match strip_accents(&lowered, kind) {
            Cow::Borrowed(_) => lowered,
            Cow::Owned(s) => Cow::Owned(s),
        },
    }
}

/// Python's `str.lower()`: the full Unicode mapping with the Final_Sigma
/// rule, which `str::to_lowercase` implements identically on every code
/// point assigned in Unicode 14.
pub fn lowercase_cow(text: &str) -> Cow<'_, str> {
    if text.is_ascii() {
        if text.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(text.to_ascii_lowercase())
        } else {
            Cow::Borrowed(text)
        }
    } else if text.chars().any(changes_when_lowercased) {
        Cow::Owned(text.to_lowercase())
    } else {
        Cow::Borrowed(text)
    }
}

fn changes_when_lowercased(c: char) -> bool {
    let mut lower = c.to_lowercase();
    !(lower.next() == Some(c) && lower.next().is_none())
}

/// sklearn's `strip_accents_ascii` / `strip_accents_unicode`.
pub fn strip_accents(text: &str, kind: StripAccents) -> Cow<'_, str> {
    if text.is_ascii() {
        return Cow::Borrowed(text);
    }
    match kind {
        // NFKD, then drop every non-ASCII code point.
        StripAccents::Ascii => Cow::Owned(text.nfkd().filter(char::is_ascii).collect()),
        // NFKD, then drop canonical combining class != 0 (NOT "category M").
        StripAccents::Unicode => {
            let unchanged = is_nfkd_quick(text.chars()) == IsNormalized::Yes
                && text.chars().all(|c| canonical_combining_class(c) == 0);
            if unchanged {
                Cow::Borrowed(text)
            } else {
                Cow::Owned(
                    text.nfkd()
                        .filter(|&c| canonical_combining_class(c) == 0)
                        .collect(),
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unicode(s: &str) -> String {
        strip_accents(s, StripAccents::Unicode).into_owned()
    }

    fn ascii(s: &str) -> String {
        strip_accents(s, StripAccents::Ascii).into_owned()
    }

    #[test]
    fn lowercase_matches_python() {
        assert_eq!(lowercase_cow("İstanbul"), "i\u{307}stanbul");
        assert_eq!(lowercase_cow("ẞ"), "ß");
        assert_eq!(lowercase_cow("\u{212a}"), "k");
        assert_eq!(lowercase_cow("ΟΔΟΣ"), "οδος");
        assert_eq!(lowercase_cow("ΣΑΣ"), "σας");
        assert_eq!(lowercase_cow("Σ"), "σ");
    }

    #[test]
    fn lowercase_borrows_when_nothing_changes() {
        assert!(matches!(lowercase_cow("already lower"), Cow::Borrowed(_)));
        assert!(matches!(lowercase_cow("déjà vu 中文"), Cow::Borrowed(_)));
        assert!(matches!(lowercase_cow("Déjà"), Cow::Owned(_)));
    }

    #[test]
    fn strip_unicode_drops_only_nonzero_combining_class() {
        assert_eq!(unicode("café"), "cafe");
        assert_eq!(unicode("ﬁancé"), "fiance");
        // Devanagari vowel sign U+093F has ccc 0 and stays; the virama goes.
        assert_eq!(unicode("हिन्दी"), "हिनदी");
        assert_eq!(unicode("x²"), "x2");
        assert_eq!(unicode("한"), "\u{1112}\u{1161}\u{11ab}");
    }

    #[test]
    fn strip_ascii_drops_everything_non_ascii() {
        assert_eq!(ascii("straße"), "strae");
        assert_eq!(ascii("łódź"), "odz");
        assert_eq!(ascii("① Ａ ℌ 中"), "1 A H ");
    }

    #[test]
    fn strip_borrows_when_nothing_changes() {
        assert!(matches!(
            strip_accents("plain", StripAccents::Unicode),
            Cow::Borrowed(_)
        ));
        assert!(matches!(
            strip_accents("中文", StripAccents::Unicode),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn lowercase_happens_before_stripping() {
        assert_eq!(
            preprocess("ℌello", true, Some(StripAccents::Unicode)),
            "Hello"
        );
        assert_eq!(preprocess("™", true, Some(StripAccents::Ascii)), "TM");
        assert_eq!(preprocess("Café", false, None), "Café");
    }

    mod properties {
        use proptest::prelude::*;

        use super::*;

        proptest! {
            #[test]
            fn cow_paths_equal_the_reference(text in "\\PC{0,40}") {
                prop_assert_eq!(lowercase_cow(&text), text.to_lowercase());
                let unicode: String = if text.is_ascii() {
                    text.clone()
                } else {
                    text.nfkd().filter(|&c| canonical_combining_class(c) == 0).collect()
                };
                prop_assert_eq!(strip_accents(&text, StripAccents::Unicode), unicode);
                let ascii: String = text.nfkd().filter(char::is_ascii).collect();
                prop_assert_eq!(strip_accents(&text, StripAccents::Ascii), ascii);
            }
        }
    }
}
