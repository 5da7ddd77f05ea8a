//! Fusing the candidate table (exact sparse score, exact-or-missing dense score).
//!
//! A missing dense score (a document without a vector) is never read as 0: the
//! document takes the last rank on the dense side and the lowest normalised
//! value, and its explanation says so.

use super::adaptive;
use super::fusion::{self, Normalization};
use super::search::Candidate;
use super::{Fusion, ScoreKind, SideScore};
use crate::error::Result;

/// The fused scores and everything an explanation needs.
pub(crate) struct Fused {
    pub scores: Vec<f64>,
    pub kind: ScoreKind,
    sparse: Vec<SideScore>,
    dense: Vec<SideScore>,
    weights: (f64, f64),
}

/// Per-hit fusion detail.
#[derive(Clone, Debug)]
pub(crate) struct FusionDetail {
    pub sparse: Option<SideScore>,
    pub dense: Option<SideScore>,
    pub weights: Option<(f64, f64)>,
}

impl FusionDetail {
    /// The detail of a single-side result at `position`.
    pub fn single(sparse: bool, score: f64, position: usize) -> Self {
        let side = SideScore {
            raw: Some(score),
            normalized: score,
            rank: u32::try_from(position + 1).unwrap_or(u32::MAX),
        };
        FusionDetail {
            sparse: sparse.then(|| side.clone()),
            dense: (!sparse).then_some(side),
            weights: None,
        }
    }
}

impl Fused {
    pub fn detail(&self, i: usize) -> Option<FusionDetail> {
        Some(FusionDetail {
            sparse: Some(self.sparse.get(i)?.clone()),
            dense: Some(self.dense.get(i)?.clone()),
            weights: Some(self.weights),
        })
    }
}

/// Ranks with missing scores sharing the rank after the last present one.
fn ranks_with_missing(scores: &[Option<f64>]) -> Result<Vec<u32>> {
    let present: Vec<f64> = scores.iter().flatten().copied().collect();
    let ranks = fusion::ranks_from_scores(&present)?;
    let last = u32::try_from(present.len() + 1).unwrap_or(u32::MAX);
    let mut it = ranks.into_iter();
    Ok(scores
        .iter()
        .map(|s| match s {
            Some(_) => it.next().unwrap_or(last),
            None => last,
        })
        .collect())
}

/// Normalises present scores; missing ones get 0 (the lowest normalised value).
fn normalize_with_missing(scores: &[Option<f64>], how: Normalization) -> Result<Vec<f64>> {
    let present: Vec<f64> = scores.iter().flatten().copied().collect();
    let normalized = fusion::normalize(&present, how)?;
    let mut it = normalized.into_iter();
    Ok(scores
        .iter()
        .map(|s| match s {
            Some(_) => it.next().unwrap_or(0.0),
            None => 0.0,
        })
        .collect())
}

fn sides(raw: &[Option<f64>], normalized: &[f64], ranks: &[u32]) -> Vec<SideScore> {
    raw.iter()
        .zip(normalized)
        .zip(ranks)
        .map(|((&raw, &normalized), &rank)| SideScore {
            raw,
            normalized,
            rank,
        })
        .collect()
}

/// Fuses the candidates' exact scores with `fusion`.
///
/// # Errors
/// [`Error::InvalidParameter`](crate::Error::InvalidParameter) for fusion
/// parameters outside their domain.
pub(crate) fn fuse(candidates: &[Candidate], fusion: &Fusion) -> Result<Fused> {
    let sparse_raw: Vec<Option<f64>> = candidates.iter().map(|c| Some(c.sparse)).collect();
    let dense_raw: Vec<Option<f64>> = candidates.iter().map(|c| c.dense).collect();
    let sparse_ranks = ranks_with_missing(&sparse_raw)?;
    let dense_ranks = ranks_with_missing(&dense_raw)?;
    let (sparse_norm, dense_norm, weights, scores, kind) = match *fusion {
        Fusion::Rrf {
            k,
            sparse_weight,
            dense_weight,
        } => {
            let scores = fusion::rrf(
                &[(&sparse_ranks, sparse_weight), (&dense_ranks, dense_weight)],
                k,
            )?;
            let term = |r: &u32| 1.0 / (k + f64::from(*r));
            let s: Vec<f64> = sparse_ranks.iter().map(term).collect();
            let d: Vec<f64> = dense_ranks.iter().map(term).collect();
            (s, d, (sparse_weight, dense_weight), scores, ScoreKind::Rrf)
        }
        Fusion::Linear {
            alpha,
            normalization,
        } => {
            let s = normalize_with_missing(&sparse_raw, normalization)?;
            let d = normalize_with_missing(&dense_raw, normalization)?;
            let scores = fusion::linear(&d, &s, alpha)?;
            let kind = match normalization {
                Normalization::MinMax => ScoreKind::LinearMinMax,
                Normalization::DistributionBased => ScoreKind::LinearDistributionBased,
                _ => ScoreKind::LinearRaw,
            };
            (s, d, (1.0 - alpha, alpha), scores, kind)
        }
        Fusion::Adaptive {
            prior,
            depth,
            blend,
        } => {
            let present_sparse: Vec<f64> = sparse_raw.iter().flatten().copied().collect();
            let present_dense: Vec<f64> = dense_raw.iter().flatten().copied().collect();
            let alpha =
                adaptive::dense_weight(&present_sparse, &present_dense, prior, depth, blend)?;
            let s = normalize_with_missing(&sparse_raw, Normalization::MinMax)?;
            let d = normalize_with_missing(&dense_raw, Normalization::MinMax)?;
            let scores = fusion::linear(&d, &s, alpha)?;
            (s, d, (1.0 - alpha, alpha), scores, ScoreKind::Adaptive)
        }
    };
    Ok(Fused {
        scores,
        kind,
        sparse: sides(&sparse_raw, &sparse_norm, &sparse_ranks),
        dense: sides(&dense_raw, &dense_norm, &dense_ranks),
        weights,
    })
}
