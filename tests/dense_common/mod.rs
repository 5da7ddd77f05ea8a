//! Shared helpers for the dense tests: data generators and loaders.
#![allow(dead_code)]

use std::path::PathBuf;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// `n` vectors of `dim` dimensions drawn around `clusters` gaussian centres.
pub fn clustered(n: usize, dim: usize, clusters: usize, spread: f32, seed: u64) -> Vec<Vec<f32>> {
    let mut rng = StdRng::seed_from_u64(seed);
    let centres: Vec<Vec<f32>> = (0..clusters)
        .map(|_| gaussian(&mut rng, dim, 1.0))
        .collect();
    (0..n)
        .map(|_| {
            let c = &centres[rng.random_range(0..clusters)];
            let noise = gaussian(&mut rng, dim, spread);
            c.iter().zip(noise).map(|(a, b)| a + b).collect()
        })
        .collect()
}

/// A standard gaussian vector scaled by `scale` (Box-Muller).
pub fn gaussian(rng: &mut StdRng, dim: usize, scale: f32) -> Vec<f32> {
    (0..dim)
        .map(|_| {
            let u1: f32 = rng.random_range(f32::EPSILON..1.0);
            let u2: f32 = rng.random_range(0.0..1.0);
            scale * (-2.0 * u1.ln()).sqrt() * (std::f32::consts::TAU * u2).cos()
        })
        .collect()
}

/// `../shared/data/<set>` or `$TWOFOLD_SHARED_DATA/<set>`.
pub fn shared_data(set: &str) -> PathBuf {
    let root = std::env::var_os("TWOFOLD_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data")));
    root.join(set)
}

/// Rows of a float32 `[n, d]` `.npy` file, or `None` when it is absent.
pub fn read_npy_rows(path: &std::path::Path) -> Option<Vec<Vec<f32>>> {
    let bytes = std::fs::read(path).ok()?;
    let npy = npyz::NpyFile::new(&bytes[..]).ok()?;
    let shape = npy.shape().to_vec();
    let dim = *shape.get(1)? as usize;
    let data: Vec<f32> = npy.into_vec().ok()?;
    Some(data.chunks_exact(dim).map(<[f32]>::to_vec).collect())
}

/// Fraction of `truth` ids found in `found`, summed over queries.
pub fn recall(found: &[Vec<u32>], truth: &[Vec<u32>]) -> f64 {
    let mut hit = 0;
    let mut total = 0;
    for (f, t) in found.iter().zip(truth) {
        hit += f.iter().filter(|id| t.contains(id)).count();
        total += t.len();
    }
    hit as f64 / total.max(1) as f64
}
