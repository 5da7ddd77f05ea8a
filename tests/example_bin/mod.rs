//! Locating the example binaries that `cargo test` builds next to the test
//! binaries (`target/<profile>/examples/<name>`), shared by `tests/suite/examples.rs`
//! and `tests/suite/examples_cli.rs`.

use std::path::PathBuf;

/// The example binary `name`, or `None` (with a printed line) when it was not
/// built (e.g. `cargo test --test suite -- examples_cli::` on a fresh target dir; note that
/// `--test X` alone does not rebuild the examples: `cargo build --examples` does).
pub fn example(name: &str) -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    // target/<profile>/deps/<test>-<hash> -> target/<profile>/examples/<name>
    let profile_dir = exe.parent()?.parent()?;
    let path = profile_dir
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    if path.is_file() {
        Some(path)
    } else {
        println!(
            "skipped: example binary {} not built (run `cargo test` or `cargo build --examples`)",
            path.display()
        );
        None
    }
}
