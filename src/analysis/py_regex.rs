//! Translation of a Python `re` pattern (str, Unicode) into an equivalent
//! `fancy-regex` pattern, and Python's `findall` loop on top of it.
//!
//! What is translated, so that the Rust pattern means what Python means:
//! - `\w \W \d \D \s \S` become explicit classes generated from Python 3.11
//!   (Unicode 14), also inside `[...]`;
//! - `\b` and `\B` become lookarounds over Python's `\w` (and `\B` does not
//!   match in an empty text, as in Python 3.11);
//! - `^`/`$` follow Python: without `(?m)`, `^` is `\A` and `$` matches at the
//!   end or before a final `\n`; `\Z` is Rust's `\z`;
//! - every literal is emitted as `\x{..}`, so Rust's extra class syntax
//!   (`[[`, `&&`, `--`, `~~`) keeps Python's literal meaning;
//! - Python's `{` that is not a valid repeat is a literal `{`; `{,n}` is `{0,n}`;
//! - `(?P<name>..)`, `(?P=name)`, lookarounds, atomic groups, possessive and
//!   lazy quantifiers, `(?#comments)`, octal and `\x \u \U` escapes.
//!
//! What is rejected with a reason (it would silently differ otherwise):
//! `(?i)` (Python's case folding also matches `ı`/`İ`), `(?x)`, `(?a)`, `(?L)`,
//! scoped `m` flags, conditionals `(?(..)..)`, `\N{name}`, POSIX classes
//! `[[:alpha:]]`, and every escape Python itself rejects (`\p`, `\z`, `\G`,
//! `\K`, `(?<name>..)`, ...).
//!
//! Known residual difference: Python requires fixed-width lookbehind, while
//! fancy-regex also accepts some variable-width ones.

use super::pyword::{push_hex, PyClass};

/// A Python pattern rewritten for fancy-regex.
#[derive(Debug)]
pub(crate) struct Translation {
    /// The fancy-regex pattern.
    pub(crate) pattern: String,
    /// Number of capturing groups (numbered and named), as Python counts them.
    pub(crate) groups: usize,
}

/// Translates `pattern`; the error is a human-readable reason.
pub(crate) fn translate(pattern: &str) -> Result<Translation, String> {
    let mut t = Translator {
        chars: pattern.chars().collect(),
        i: 0,
        out: String::with_capacity(pattern.len() * 2),
        groups: 0,
        multiline: false,
        at_start: true,
        depth: 0,
        global_flag_groups: 0,
    };
    t.run()?;
    Ok(Translation {
        pattern: t.out,
        groups: t.groups,
    })
}

struct Translator {
    chars: Vec<char>,
    i: usize,
    out: String,
    groups: usize,
    multiline: bool,
    /// Nothing but global flags seen yet (where Python accepts `(?flags)`).
    at_start: bool,
    depth: usize,
    global_flag_groups: usize,
}

/// An item of a character class: a single code point or a whole class.
enum ClassItem {
    Char(char),
    Set(String),
}

impl Translator {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.i).copied()
    }

    fn peek_at(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.i + ahead).copied()
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek();
        self.i += 1;
        c
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn eat_str(&mut self, s: &str) -> bool {
        let n = s.chars().count();
        let matches = s
            .chars()
            .enumerate()
            .all(|(k, c)| self.peek_at(k) == Some(c));
        if matches {
            self.i += n;
        }
        matches
    }

    fn run(&mut self) -> Result<(), String> {
        while let Some(c) = self.next() {
            let groups_before = self.groups;
            let len_before = self.out.len();
            let global_flags_before = self.global_flag_groups;
            match c {
                '\\' => self.escape()?,
                '[' => self.class()?,
                '(' => self.group_open()?,
                ')' => {
                    self.depth = self.depth.saturating_sub(1);
                    self.out.push(')');
                }
                '|' | '.' | '*' | '+' | '?' => {
                    self.out.push(c);
                    if matches!(c, '*' | '+' | '?') {
                        self.quantifier_suffix();
                    }
                }
                '{' => self.brace(),
                '^' => self
                    .out
                    .push_str(if self.multiline { "(?m:^)" } else { r"\A" }),
                '$' => self.out.push_str(if self.multiline {
                    "(?m:$)"
                } else {
                    r"(?=\n?\z)"
                }),
                _ => push_literal(&mut self.out, c),
            }
            let only_flags = self.global_flag_groups > global_flags_before
                || (c == '(' && self.groups == groups_before && self.out.len() == len_before);
            if !only_flags {
                self.at_start = false;
            }
        }
        Ok(())
    }

    /// Lazy `?` or possessive `+` after a quantifier.
    fn quantifier_suffix(&mut self) {
        if self.eat('?') {
            self.out.push('?');
        } else if self.eat('+') {
            self.out.push('+');
        }
    }

    /// Python: `{m,n}`, `{m}`, `{m,}`, `{,n}`, `{,}` repeat; anything else is
    /// a literal `{`.
    fn brace(&mut self) {
        let start = self.i;
        let lo = self.digits();
        let (comma, hi) = if self.eat(',') {
            (true, self.digits())
        } else {
            (false, String::new())
        };
        let valid = self.eat('}') && (comma || !lo.is_empty());
        if !valid {
            self.i = start;
            push_literal(&mut self.out, '{');
            return;
        }
        let lo = if lo.is_empty() { "0".to_string() } else { lo };
        self.out.push('{');
        self.out.push_str(&lo);
        if comma {
            self.out.push(',');
            self.out.push_str(&hi);
        }
        self.out.push('}');
        self.quantifier_suffix();
    }

    fn digits(&mut self) -> String {
        let mut s = String::new();
        while let Some(c) = self.peek().filter(char::is_ascii_digit) {
            s.push(c);
            self.i += 1;
        }
        s
    }

    fn group_open(&mut self) -> Result<(), String> {
        self.depth += 1;
        if !self.eat('?') {
            self.groups += 1;
            self.out.push('(');
            return Ok(());
        }
        if self.eat(':') {
            self.out.push_str("(?:");
        } else if self.eat_str("P<") {
            let name = self.name_until('>')?;
            self.groups += 1;
            self.out.push_str("(?P<");
            self.out.push_str(&name);
            self.out.push('>');
        } else if self.eat_str("P=") {
            let name = self.name_until(')')?;
            self.depth -= 1;
            self.out.push_str(r"\k<");
            self.out.push_str(&name);
            self.out.push('>');
        } else if self.eat_str("<=") || self.eat_str("<!") {
            let kind = self.chars.get(self.i - 1).copied().unwrap_or('=');
            self.out.push_str("(?<");
            self.out.push(kind);
        } else if self.eat('=') || self.eat('!') || self.eat('>') {
            let kind = self.chars.get(self.i - 1).copied().unwrap_or('=');
            self.out.push_str("(?");
            self.out.push(kind);
        } else if self.eat('#') {
            self.depth -= 1;
            while let Some(c) = self.next() {
                if c == ')' {
                    return Ok(());
                }
            }
            return Err("missing ), unterminated comment".into());
        } else if self.peek() == Some('(') {
            return Err("conditional groups (?(...)...) are not supported".into());
        } else {
            self.flags()?;
        }
        Ok(())
    }

    fn name_until(&mut self, end: char) -> Result<String, String> {
        let mut name = String::new();
        loop {
            match self.next() {
                Some(c) if c == end => break,
                Some(c) => name.push(c),
                None => return Err("missing group name terminator".into()),
            }
        }
        let mut chars = name.chars();
        let valid_start = chars
            .next()
            .is_some_and(|c| c == '_' || c.is_ascii_alphabetic());
        if !valid_start || !chars.all(|c| c == '_' || c.is_ascii_alphanumeric()) {
            return Err(format!(
                "bad or unsupported group name {name:?} (use ASCII identifiers)"
            ));
        }
        Ok(name)
    }

    /// `(?flags)` at the start of the pattern, or `(?flags:...)` scoped.
    fn flags(&mut self) -> Result<(), String> {
        let mut on = String::new();
        let mut off = String::new();
        let mut negative = false;
        loop {
            match self.next() {
                Some(')') => return self.global_flags(&on, negative),
                Some(':') => return self.scoped_flags(&on, &off),
                Some('-') if !negative => negative = true,
                Some(c) if "aiLmsux".contains(c) => {
                    check_flag(c)?;
                    if negative {
                        off.push(c)
                    } else {
                        on.push(c)
                    }
                }
                Some('<') => {
                    return Err("unknown extension ?< (named groups are (?P<name>...))".into())
                }
                Some(c) => return Err(format!("unknown extension ?{c}")),
                None => return Err("missing -, : or )".into()),
            }
        }
    }

    fn global_flags(&mut self, on: &str, negative: bool) -> Result<(), String> {
        self.depth -= 1;
        if negative {
            return Err("missing : after flags to turn off".into());
        }
        if !self.at_start || self.depth != 0 {
            return Err("global flags not at the start of the expression".into());
        }
        self.global_flag_groups += 1;
        if on.contains('m') {
            self.multiline = true;
        }
        if on.contains('s') {
            self.out.push_str("(?s)");
        }
        Ok(())
    }

    fn scoped_flags(&mut self, on: &str, off: &str) -> Result<(), String> {
        if on.contains('m') || off.contains('m') {
            return Err("scoped (?m:...) is not supported; put (?m) at the start".into());
        }
        self.out.push_str("(?");
        if on.contains('s') {
            self.out.push('s');
        }
        if off.contains('s') {
            self.out.push_str("-s");
        }
        self.out.push(':');
        Ok(())
    }

    fn escape(&mut self) -> Result<(), String> {
        let Some(c) = self.next() else {
            return Err("bad escape (end of pattern)".into());
        };
        let word = || PyClass::Word.regex_items();
        match c {
            'w' | 'W' | 'd' | 'D' | 's' | 'S' => {
                let (class, negated) = class_escape(c);
                push_class(&mut self.out, &class.regex_items(), negated);
            }
            'b' => {
                let w = word();
                self.out
                    .push_str(&format!("(?:(?<=[{w}])(?![{w}])|(?<![{w}])(?=[{w}]))"));
            }
            'B' => {
                let w = word();
                self.out.push_str(&format!(
                    r"(?!\A\z)(?:(?<=[{w}])(?=[{w}])|(?<![{w}])(?![{w}]))"
                ));
            }
            'A' => self.out.push_str(r"\A"),
            'Z' => self.out.push_str(r"\z"),
            '1'..='9' if !self.is_octal_escape(c) => {
                self.out.push('\\');
                self.out.push(c);
                if let Some(d) = self.peek().filter(char::is_ascii_digit) {
                    self.i += 1;
                    self.out.push(d);
                }
            }
            _ => {
                let literal = self.literal_escape(c)?;
                push_literal(&mut self.out, literal);
            }
        }
        Ok(())
    }

    /// `\NNN` with three octal digits is an octal escape in Python.
    fn is_octal_escape(&self, first: char) -> bool {
        let octal = |c: Option<char>| c.is_some_and(|c| ('0'..='7').contains(&c));
        octal(Some(first)) && octal(self.peek()) && octal(self.peek_at(1))
    }

    /// Escapes that stand for one code point (shared by classes).
    fn literal_escape(&mut self, c: char) -> Result<char, String> {
        match c {
            'a' => Ok('\u{7}'),
            'f' => Ok('\u{c}'),
            'n' => Ok('\n'),
            'r' => Ok('\r'),
            't' => Ok('\t'),
            'v' => Ok('\u{b}'),
            'x' => self.hex_escape(2),
            'u' => self.hex_escape(4),
            'U' => self.hex_escape(8),
            '0'..='7' => self.octal_escape(c),
            'N' => Err(r"\N{...} named characters are not supported".into()),
            c if c.is_ascii_alphanumeric() => Err(format!("bad escape \\{c}")),
            c => Ok(c),
        }
    }

    fn hex_escape(&mut self, width: usize) -> Result<char, String> {
        let mut value = 0u32;
        for _ in 0..width {
            let digit = self.next().and_then(|d| d.to_digit(16));
            let Some(digit) = digit else {
                return Err("incomplete hexadecimal escape".into());
            };
            value = value * 16 + digit;
        }
        char::from_u32(value)
            .ok_or_else(|| format!("bad escape: U+{value:X} is not a Unicode scalar value"))
    }

    fn octal_escape(&mut self, first: char) -> Result<char, String> {
        let mut value = first.to_digit(8).unwrap_or(0);
        for _ in 0..2 {
            match self.peek().and_then(|d| d.to_digit(8)) {
                Some(d) => {
                    value = value * 8 + d;
                    self.i += 1;
                }
                None => break,
            }
        }
        if value > 0o377 {
            return Err(format!(
                "octal escape value \\{value:o} outside of range 0-0o377"
            ));
        }
        char::from_u32(value).ok_or_else(|| "bad octal escape".to_string())
    }

    fn class(&mut self) -> Result<(), String> {
        self.out.push('[');
        if self.eat('^') {
            self.out.push('^');
        }
        let mut first = true;
        loop {
            let Some(c) = self.next() else {
                return Err("unterminated character set".into());
            };
            if c == ']' && !first {
                break;
            }
            first = false;
            let item = self.class_item(c)?;
            let is_range = self.peek() == Some('-') && !matches!(self.peek_at(1), Some(']') | None);
            if !is_range {
                push_class_item(&mut self.out, item);
                continue;
            }
            self.i += 1;
            let Some(hi) = self.next() else {
                return Err("unterminated character set".into());
            };
            match (item, self.class_item(hi)?) {
                (ClassItem::Char(lo), ClassItem::Char(hi)) if lo <= hi => {
                    push_hex(&mut self.out, lo);
                    self.out.push('-');
                    push_hex(&mut self.out, hi);
                }
                _ => return Err("bad character range".into()),
            }
        }
        self.out.push(']');
        Ok(())
    }

    fn class_item(&mut self, c: char) -> Result<ClassItem, String> {
        if c == '[' && matches!(self.peek(), Some(':' | '.' | '=')) {
            return Err(
                "POSIX classes like [[:alpha:]] are not supported (Python reads them literally)"
                    .into(),
            );
        }
        if c != '\\' {
            return Ok(ClassItem::Char(c));
        }
        let Some(e) = self.next() else {
            return Err("unterminated character set".into());
        };
        match e {
            'w' | 'W' | 'd' | 'D' | 's' | 'S' => {
                let (class, negated) = class_escape(e);
                let mut set = String::new();
                push_class(&mut set, &class.regex_items(), negated);
                Ok(ClassItem::Set(set))
            }
            'b' => Ok(ClassItem::Char('\u{8}')),
            '8' | '9' | 'A' | 'Z' | 'B' => Err(format!("bad escape \\{e}")),
            _ => Ok(ClassItem::Char(self.literal_escape(e)?)),
        }
    }
}

fn check_flag(c: char) -> Result<(), String> {
    match c {
        'u' | 's' | 'm' => Ok(()),
        'i' => Err("(?i) is not supported: Python's case folding differs from Rust's (ı, İ); lowercase the text instead".into()),
        'x' => Err("verbose mode (?x) is not supported".into()),
        'a' => Err("ASCII mode (?a) is not supported".into()),
        _ => Err(format!("flag (?{c}) is not supported")),
    }
}

fn class_escape(c: char) -> (PyClass, bool) {
    let class = match c.to_ascii_lowercase() {
        'w' => PyClass::Word,
        'd' => PyClass::Digit,
        _ => PyClass::Space,
    };
    (class, c.is_ascii_uppercase())
}

fn push_class(out: &mut String, items: &str, negated: bool) {
    out.push('[');
    if negated {
        out.push('^');
    }
    out.push_str(items);
    out.push(']');
}

fn push_class_item(out: &mut String, item: ClassItem) {
    match item {
        ClassItem::Char(c) => push_hex(out, c),
        ClassItem::Set(set) => out.push_str(&set),
    }
}

/// A literal code point: ASCII letters and digits and non-ASCII characters
/// as they are, everything else as `\x{..}`.
fn push_literal(out: &mut String, c: char) {
    if c.is_ascii_alphanumeric() || (!c.is_ascii() && !c.is_whitespace()) {
        out.push(c);
    } else {
        push_hex(out, c);
    }
}
