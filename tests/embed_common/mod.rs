//! Helpers shared by the embedder tests: locating the model and the shared data.
#![allow(dead_code)]

use std::path::PathBuf;

/// The model directory from `TWOFOLD_MODEL`, else `models/all-MiniLM-L6-v2`;
/// `None` (with a printed reason) when it has no weights.
pub fn model_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("TWOFOLD_MODEL")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/models/all-MiniLM-L6-v2"
            ))
        });
    if dir.join("model.safetensors").is_file() {
        Some(dir)
    } else {
        println!(
            "skipping: no model in {} (run scripts/fetch_model.sh or set TWOFOLD_MODEL)",
            dir.display()
        );
        None
    }
}

/// `TWOFOLD_SHARED_DATA/<set>` or `../shared/data/<set>`; `None` (printed) when absent.
pub fn dataset(set: &str) -> Option<PathBuf> {
    let root = std::env::var_os("TWOFOLD_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data")));
    let dir = root.join(set);
    if dir.join("corpus.jsonl").is_file() {
        Some(dir)
    } else {
        println!("skipping: no data set in {}", dir.display());
        None
    }
}

/// Cosine similarity of two vectors.
pub fn cosine(a: &[f32], b: &[f32]) -> f64 {
    let dot: f64 = a.iter().zip(b).map(|(x, y)| *x as f64 * *y as f64).sum();
    let na: f64 = a.iter().map(|x| (*x as f64).powi(2)).sum::<f64>().sqrt();
    let nb: f64 = b.iter().map(|x| (*x as f64).powi(2)).sum::<f64>().sqrt();
    dot / (na * nb)
}
