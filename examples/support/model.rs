//! Loading the sentence-transformers model named by `--model DIR` or `TWOFOLD_MODEL`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use twofold::embed::Embedder;
use twofold::Result;

/// The model directory: `--model`, else the `TWOFOLD_MODEL` environment variable.
pub fn model_dir(flag: Option<&Path>) -> Option<PathBuf> {
    flag.map(Path::to_path_buf)
        .or_else(|| std::env::var_os("TWOFOLD_MODEL").map(PathBuf::from))
}

/// Loads the embedder in `dir`.
///
/// # Errors
/// The model's loading errors (missing or malformed files).
#[cfg(feature = "embed")]
pub fn load(dir: &Path) -> Result<Arc<dyn Embedder>> {
    let embedder = twofold::embed::SentenceEmbedder::from_dir(dir)?;
    Ok(Arc::new(embedder))
}

/// Without the `embed` feature there is no in-process model.
///
/// # Errors
/// Always [`twofold::Error::InvalidInput`], saying to rebuild with `--features embed`.
#[cfg(not(feature = "embed"))]
pub fn load(dir: &Path) -> Result<Arc<dyn Embedder>> {
    Err(super::bad_input(format!(
        "--model {}: this binary was built without the `embed` feature; \
         rebuild with `cargo run --release --features embed --example ...`",
        dir.display()
    )))
}
