//! Word and character n-grams, in sklearn's emission order.
//!
//! Character n-grams are sliced by code point (never by byte or grapheme),
//! as Python slices `str`.

use std::borrow::Cow;

use super::pyword::py_is_space;

/// Word n-grams (`_word_ngrams`): for `n` in `min_n..=max_n`, every window of
/// `n` tokens joined by one ASCII space. With `max_n == 1` the tokens are
/// emitted unchanged. `buf` is scratch space reused across calls.
pub fn word_ngrams<T: AsRef<str>>(
    tokens: &[T],
    (min_n, max_n): (usize, usize),
    buf: &mut String,
    sink: &mut dyn FnMut(&str),
) {
    let min_n = min_n.max(1);
    for n in min_n..=max_n.min(tokens.len()) {
        for window in tokens.windows(n) {
            if let [single] = window {
                sink(single.as_ref());
                continue;
            }
            buf.clear();
            for (i, token) in window.iter().enumerate() {
                if i > 0 {
                    buf.push(' ');
                }
                buf.push_str(token.as_ref());
            }
            sink(buf);
        }
    }
}

/// `re.sub(r"\s\s+", " ", text)` with Python's whitespace: runs of two or
/// more whitespace characters become one `' '`; a single one is kept as is.
pub fn squeeze_whitespace(text: &str) -> Cow<'_, str> {
    if !has_space_run(text) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut run_start: Option<usize> = None;
    let mut run_len = 0usize;
    for (i, c) in text.char_indices() {
        if py_is_space(c) {
            if run_start.is_none() {
                run_start = Some(i);
            }
            run_len += 1;
            continue;
        }
        flush_run(text, &mut out, run_start.take(), run_len, i);
        run_len = 0;
        out.push(c);
    }
    flush_run(text, &mut out, run_start, run_len, text.len());
    Cow::Owned(out)
}

fn flush_run(text: &str, out: &mut String, start: Option<usize>, len: usize, end: usize) {
    match (start, len) {
        (Some(start), 1) => out.push_str(text.get(start..end).unwrap_or(" ")),
        (Some(_), _) => out.push(' '),
        (None, _) => {}
    }
}

fn has_space_run(text: &str) -> bool {
    let mut previous_space = false;
    for c in text.chars() {
        let space = py_is_space(c);
        if space && previous_space {
            return true;
        }
        previous_space = space;
    }
    false
}

/// Character n-grams (`_char_ngrams`) of already squeezed text: for `n` in
/// `min_n..=min(max_n, len)`, every substring of `n` code points.
/// `bounds` is scratch space reused across calls.
pub fn char_ngrams(
    text: &str,
    (min_n, max_n): (usize, usize),
    bounds: &mut Vec<usize>,
    sink: &mut dyn FnMut(&str),
) {
    char_bounds(text, bounds);
    let len = bounds.len() - 1;
    for n in min_n.max(1)..=max_n.min(len) {
        for i in 0..=(len - n) {
            sink(slice(text, bounds, i, i + n));
        }
    }
}

/// Character n-grams inside words (`_char_wb_ngrams`): split on Python
/// whitespace, pad each word with one space on both sides, and for `n` in
/// `min_n..=max_n` emit every window; once `n` reaches the padded length the
/// whole padded word is emitted once and larger `n` are skipped.
pub fn char_wb_ngrams(
    text: &str,
    (min_n, max_n): (usize, usize),
    padded: &mut String,
    bounds: &mut Vec<usize>,
    sink: &mut dyn FnMut(&str),
) {
    for word in text.split(py_is_space).filter(|w| !w.is_empty()) {
        padded.clear();
        padded.push(' ');
        padded.push_str(word);
        padded.push(' ');
        char_bounds(padded, bounds);
        let len = bounds.len() - 1;
        for n in min_n.max(1)..=max_n {
            if n >= len {
                sink(padded);
                break;
            }
            for i in 0..=(len - n) {
                sink(slice(padded, bounds, i, i + n));
            }
        }
    }
}

/// Byte offsets of every code point of `text`, plus `text.len()`.
fn char_bounds(text: &str, bounds: &mut Vec<usize>) {
    bounds.clear();
    bounds.extend(text.char_indices().map(|(i, _)| i));
    bounds.push(text.len());
}

fn slice<'a>(text: &'a str, bounds: &[usize], from: usize, to: usize) -> &'a str {
    match (bounds.get(from), bounds.get(to)) {
        (Some(&a), Some(&b)) => text.get(a..b).unwrap_or(""),
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(tokens: &[&str], range: (usize, usize)) -> Vec<String> {
        let mut out = Vec::new();
        word_ngrams(tokens, range, &mut String::new(), &mut |t| {
            out.push(t.to_string())
        });
        out
    }

    fn chars(text: &str, range: (usize, usize)) -> Vec<String> {
        let mut out = Vec::new();
        let text = squeeze_whitespace(text);
        char_ngrams(&text, range, &mut Vec::new(), &mut |t| {
            out.push(t.to_string())
        });
        out
    }

    fn chars_wb(text: &str, range: (usize, usize)) -> Vec<String> {
        let mut out = Vec::new();
        char_wb_ngrams(text, range, &mut String::new(), &mut Vec::new(), &mut |t| {
            out.push(t.to_string())
        });
        out
    }

    #[test]
    fn word_ngrams_in_sklearn_order() {
        assert_eq!(
            words(&["a", "b", "c"], (1, 2)),
            ["a", "b", "c", "a b", "b c"]
        );
        assert_eq!(words(&["a", "b", "c"], (2, 3)), ["a b", "b c", "a b c"]);
        assert_eq!(words(&["a"], (2, 3)), Vec::<String>::new());
    }

    #[test]
    fn squeeze_keeps_single_whitespace() {
        assert_eq!(squeeze_whitespace("a\tb"), "a\tb");
        assert_eq!(squeeze_whitespace("a \t\nb\u{1c}\u{1d}c"), "a b c");
        assert_eq!(squeeze_whitespace("  x "), " x ");
        assert!(matches!(squeeze_whitespace("a b\u{a0}c"), Cow::Borrowed(_)));
    }

    #[test]
    fn char_ngrams_by_code_point() {
        assert_eq!(chars("ab", (1, 3)), ["a", "b", "ab"]);
        assert_eq!(chars("e\u{301}", (1, 1)), ["e", "\u{301}"]);
        assert_eq!(chars("", (1, 2)), Vec::<String>::new());
    }

    #[test]
    fn char_wb_short_word_rule() {
        assert_eq!(chars_wb("a", (1, 3)), [" ", "a", " ", " a", "a ", " a "]);
        assert_eq!(chars_wb("a", (4, 5)), [" a "]);
        assert_eq!(chars_wb("ab\u{1c}c", (3, 3)), [" ab", "ab ", " c "]);
    }
}
