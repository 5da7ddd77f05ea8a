//! Python 3.11's character classes (`\w`, `\d`, `\s`, `str.isspace`).
//!
//! Rust's `\w` and `char::is_whitespace` differ from Python's on thousands of
//! code points (combining marks, `No` digits such as `²`, connector
//! punctuation, U+001C..U+001F). sklearn's tokens are defined by Python, so
//! twofold uses tables generated from Python itself (`gen_pyword_table.py`,
//! Unicode [`PYTHON_UNICODE_VERSION`]).

use std::cmp::Ordering;

use super::pyword_table::{PY_DIGIT, PY_SPACE, PY_WORD, UNICODE_VERSION};

/// The Unicode version of Python's tables (Python 3.11: `"14.0.0"`).
pub const PYTHON_UNICODE_VERSION: &str = UNICODE_VERSION;

/// `\w` for ASCII, indexed by byte.
const ASCII_WORD: [bool; 128] = {
    let mut table = [false; 128];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric() || c == b'_';
        b += 1;
    }
    table
};

/// Whether `c` matches Python's `\w` in a str pattern: general category
/// `L*` or `N*`, or `'_'` (Unicode 14).
#[inline]
pub fn py_is_word(c: char) -> bool {
    if c.is_ascii() {
        ASCII_WORD[c as usize]
    } else {
        in_ranges(PY_WORD, c)
    }
}

/// Whether `c` matches Python's `\d` in a str pattern (general category `Nd`).
#[inline]
pub fn py_is_digit(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_digit()
    } else {
        in_ranges(PY_DIGIT, c)
    }
}

/// Whether `c` is whitespace for Python (`str.isspace`, `\s`, `str.split()`):
/// Rust's `char::is_whitespace` plus U+001C..U+001F.
#[inline]
pub fn py_is_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

fn in_ranges(ranges: &[(char, char)], c: char) -> bool {
    ranges
        .binary_search_by(|&(lo, hi)| {
            if hi < c {
                Ordering::Less
            } else if lo > c {
                Ordering::Greater
            } else {
                Ordering::Equal
            }
        })
        .is_ok()
}

/// Which Python class a regex translation needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PyClass {
    Word,
    Digit,
    Space,
}

impl PyClass {
    fn ranges(self) -> &'static [(char, char)] {
        match self {
            PyClass::Word => PY_WORD,
            PyClass::Digit => PY_DIGIT,
            PyClass::Space => PY_SPACE,
        }
    }

    /// The class's items in Rust regex syntax, without the surrounding
    /// brackets, so that they can be spliced into a bigger class.
    pub(crate) fn regex_items(self) -> String {
        let mut out = String::new();
        for &(lo, hi) in self.ranges() {
            push_hex(&mut out, lo);
            if hi != lo {
                out.push('-');
                push_hex(&mut out, hi);
            }
        }
        out
    }
}

/// Appends `c` as `\x{HEX}`, which is a literal in any regex context.
pub(crate) fn push_hex(out: &mut String, c: char) {
    use std::fmt::Write;
    // Writing to a String cannot fail.
    let _ = write!(out, "\\x{{{:X}}}", c as u32);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_follows_python_not_rust() {
        for c in [
            'a', 'Z', '0', '_', 'é', '²', '₂', '½', '㉑', '፩', 'ß', '中', 'ㄱ',
        ] {
            assert!(py_is_word(c), "{c:?} is \\w in Python");
        }
        // Combining marks, connector punctuation, joiners, circled letters
        // and keycaps are \w in Rust but not in Python.
        for c in [
            '\u{301}', '\u{94d}', '\u{e34}', '‿', '＿', '\u{200c}', '\u{200d}', 'ⓐ', '\u{fe0f}',
            '\u{20e3}', '-', ' ',
        ] {
            assert!(!py_is_word(c), "{c:?} is not \\w in Python");
        }
    }

    #[test]
    fn space_includes_information_separators() {
        for c in [
            '\u{1c}', '\u{1d}', '\u{1e}', '\u{1f}', ' ', '\t', '\u{a0}', '\u{3000}', '\u{85}',
        ] {
            assert!(py_is_space(c), "{c:?}");
        }
        assert!(!py_is_space('\u{200b}'));
        assert!(!py_is_space('a'));
    }

    #[test]
    fn space_function_agrees_with_generated_table() {
        for cp in 0..0x11_0000u32 {
            if let Some(c) = char::from_u32(cp) {
                assert_eq!(py_is_space(c), in_ranges(PY_SPACE, c), "U+{cp:04X}");
            }
        }
    }

    #[test]
    fn ascii_fast_path_agrees_with_table() {
        for b in 0u8..128 {
            let c = b as char;
            assert_eq!(py_is_word(c), in_ranges(PY_WORD, c), "{c:?}");
            assert_eq!(py_is_digit(c), in_ranges(PY_DIGIT, c), "{c:?}");
        }
    }

    #[test]
    fn digits_are_nd_only() {
        assert!(py_is_digit('٣'));
        assert!(py_is_digit('३'));
        assert!(!py_is_digit('²'));
        assert!(!py_is_digit('a'));
    }

    #[test]
    fn tables_are_sorted_and_disjoint() {
        for table in [PY_WORD, PY_DIGIT, PY_SPACE] {
            for pair in table.windows(2) {
                assert!(pair[0].0 <= pair[0].1 && pair[0].1 < pair[1].0);
            }
        }
    }
}
