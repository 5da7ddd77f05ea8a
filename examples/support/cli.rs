//! Command-line parsing shared by every example: a usage error is one line.
//!
//! Self-contained (clap only), so that examples which do not use the rest of
//! `support` include it alone with `#[path = "support/cli.rs"] mod cli;`.

use clap::Parser;

/// Parses the command line; a usage error prints one line (`error: ...`, the
/// message without clap's usage and tip lines) and exits with code 2;
/// `--help` and `--version` print in full and exit 0.
pub fn parse_args<A: Parser>() -> A {
    match A::try_parse() {
        Ok(args) => args,
        Err(e) if !e.use_stderr() => e.exit(),
        Err(e) => {
            let message = e.to_string();
            let lines: Vec<&str> = message
                .lines()
                .map(str::trim)
                .take_while(|l| !l.starts_with("Usage:") && !l.starts_with("tip:"))
                .filter(|l| !l.starts_with("For more information"))
                .filter(|l| !l.is_empty())
                .collect();
            eprintln!("{}", lines.join(" "));
            std::process::exit(2);
        }
    }
}
