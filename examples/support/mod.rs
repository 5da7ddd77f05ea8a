//! Code shared by the `build_index`, `search` and `recommend` examples:
//! argument parsing and one-line errors, progress bars, corpus readers, the
//! `.npy` reader and model loading.
//!
//! Each example includes this module with `mod support;` and uses only part
//! of it, hence the `dead_code` allowance.
#![allow(dead_code)]

pub mod cli;
pub mod corpus;
pub mod model;
pub mod npy;

pub use cli::parse_args;

use std::fmt::Display;
use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use twofold::ids::DocKey;
use twofold::index::{Filter, Index};
use twofold::Error;

/// Runs `body`, turning an error into one `error: ...` line on stderr and exit code 1.
pub fn run(body: impl FnOnce() -> twofold::Result<()>) -> ExitCode {
    match body() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", one_line(&e));
            ExitCode::FAILURE
        }
    }
}

/// `message` with line breaks folded into spaces, so an error is one line.
pub fn one_line(message: &impl Display) -> String {
    message
        .to_string()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// An [`Error::InvalidInput`] with `message`.
pub fn bad_input(message: impl Into<String>) -> Error {
    Error::InvalidInput(message.into())
}

/// A progress bar of `len` units on stderr, hidden with `quiet` or when stderr
/// is not a terminal. `len == 0` gives a spinner.
pub fn progress_bar(len: u64, message: &'static str, quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = if len == 0 {
        ProgressBar::new_spinner()
    } else {
        ProgressBar::new(len)
    };
    let template = if len == 0 {
        "{spinner} {msg} {pos} ({elapsed})"
    } else {
        "{msg:>10} [{bar:30}] {pos}/{len} ({eta} left)"
    };
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(message);
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

/// A progress bar over `bytes` bytes of input (for wrapping a reader).
pub fn byte_bar(bytes: u64, quiet: bool) -> ProgressBar {
    let bar = progress_bar(bytes, "reading", quiet);
    if let Ok(style) =
        ProgressStyle::with_template("{msg:>10} [{bar:30}] {bytes}/{total_bytes} ({eta} left)")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// Parses `FIELD=VALUE` filters and ANDs them; `None` when there are none.
///
/// # Errors
/// [`Error::InvalidInput`] for an item without `=` or with an empty field.
pub fn parse_filters(items: &[String]) -> twofold::Result<Option<Filter>> {
    let mut filter: Option<Filter> = None;
    for item in items {
        let Some((field, value)) = item.split_once('=').filter(|(f, _)| !f.trim().is_empty())
        else {
            return Err(bad_input(format!(
                "--filter {item:?}: expected FIELD=VALUE"
            )));
        };
        let next = Filter::eq(field.trim(), value);
        filter = Some(match filter {
            Some(f) => f.and(next),
            None => next,
        });
    }
    Ok(filter)
}

/// The title of `key` (empty when absent), cut to `max` characters with `…`.
pub fn short_title(index: &Index, key: &DocKey, max: usize) -> String {
    let title = index.get(key).map(|d| d.title).unwrap_or_default();
    truncate(&title, max)
}

/// `text` on one line, cut to `max` characters with `…`.
pub fn truncate(text: &str, max: usize) -> String {
    let flat = one_line(&text);
    if flat.chars().count() <= max {
        return flat;
    }
    let mut cut: String = flat.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// A key as plain text (string keys without quotes).
pub fn key_text(key: &DocKey) -> String {
    match key {
        DocKey::Str(s) => s.to_string(),
        DocKey::U64(n) => n.to_string(),
    }
}

/// The live key named `text`: the string key, or else the numeric key it parses to.
///
/// # Errors
/// [`Error::UnknownKey`] naming `text` when neither is in the index.
pub fn resolve_key(index: &Index, text: &str) -> twofold::Result<DocKey> {
    let as_str = DocKey::from(text);
    if index.contains(&as_str) {
        return Ok(as_str);
    }
    match text.parse::<u64>().map(DocKey::from) {
        Ok(numeric) if index.contains(&numeric) => Ok(numeric),
        _ => Err(Error::UnknownKey(format!("{text:?}"))),
    }
}
