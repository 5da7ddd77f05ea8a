//! Score fusion: how a candidate's dense and sparse scores (or ranks) become one score.
//!
//! Free functions over plain slices, in the spirit of qdrant's `reciprocal_rank_fusion.rs` and
//! `score_fusion.rs`. In twofold's hybrid search every candidate has an exact score, hence a
//! rank, on *both* sides (rescoring gives each candidate its exact TF-IDF cosine and its exact
//! dense similarity), so the functions take a candidate × side table: slice `i` of every side
//! describes candidate `i`, and every output is a `Vec<f64>` aligned with the candidates. The
//! caller sorts. [`rrf_lists`] also covers the classic "ranked lists, absent means nothing"
//! shape.
//!
//! Every output is finite and, except for [`Normalization::None`], lies in `[0, 1]`. Inputs
//! must be finite: a NaN or infinity is an [`Error::NonFiniteVector`] (index = candidate),
//! never a silently poisoned ranking.

use std::collections::HashMap;

use crate::error::{Error, Result};

/// The RRF constant of Cormack et al. (2009) and of Elasticsearch (`rank_constant`).
pub const DEFAULT_RRF_K: f64 = 60.0;

fn check_finite(scores: &[f64]) -> Result<()> {
    match scores.iter().position(|s| !s.is_finite()) {
        Some(index) => Err(Error::NonFiniteVector { index }),
        None => Ok(()),
    }
}

fn check_rrf_k(k: f64) -> Result<()> {
    if k.is_finite() && k >= 0.0 {
        Ok(())
    } else {
        Err(Error::invalid_parameter(
            "k",
            format!("the RRF constant must be finite and >= 0, got {k}; 60 is the usual value"),
        ))
    }
}

fn check_weight(weight: f64) -> Result<()> {
    if weight.is_finite() && weight >= 0.0 {
        Ok(())
    } else {
        Err(Error::invalid_parameter(
            "weight",
            format!("fusion weights must be finite and >= 0, got {weight}"),
        ))
    }
}

/// Reciprocal Rank Fusion over a candidate × side rank table, normalised to `(0, 1]`.
///
/// Cormack, Clarke and Büttcher, "Reciprocal Rank Fusion outperforms Condorcet and individual
/// Rank Learning Methods", SIGIR 2009:
///
/// ```text
/// rrf(d) = Σ_i w_i / (k + r_i(d))        r_i(d) ≥ 1 is d's 1-based rank on side i
/// score(d) = rrf(d) / Σ_i w_i / (k + 1)  (the best possible value: rank 1 everywhere)
/// ```
///
/// so a candidate ranked first on every side scores exactly 1.0 and one threshold means the
/// same thing for every query. `sides` holds `(ranks, weight)`: `ranks[c]` is candidate `c`'s
/// rank on that side (use [`ranks_from_scores`] to get them from exact scores).
///
/// How `k` maps to other engines:
/// - Elasticsearch `rank_constant` (default 60) uses 1-based ranks: the same `k`.
/// - Qdrant (`lib/segment/src/common/reciprocal_rank_fusion.rs`) computes `1 / (position + k)`
///   with a 0-based position, i.e. `1 / (r - 1 + k)` with our 1-based `r`: Qdrant's `k` is
///   our `k + 1`. Its default `k = 2` is our `k = 1`; our 60 is Qdrant's 61. Qdrant's
///   weights also differ: they stretch positions (`1 / (r / w + k - 1)`) instead of scaling
///   the contribution.
///
/// Edge cases: no sides or no candidates → empty scores; all weights 0 → every score 0.0
/// (nothing to rank by); a side with weight 0 contributes nothing.
///
/// # Errors
/// [`Error::InvalidParameter`] when `k` is negative or not finite, a weight is negative or not
/// finite, or a rank is 0; [`Error::DimensionMismatch`] when sides have different lengths.
pub fn rrf(sides: &[(&[u32], f64)], k: f64) -> Result<Vec<f64>> {
    check_rrf_k(k)?;
    let n = sides.first().map_or(0, |(ranks, _)| ranks.len());
    for &(ranks, weight) in sides {
        check_weight(weight)?;
        if ranks.len() != n {
            return Err(Error::DimensionMismatch {
                expected: n,
                found: ranks.len(),
            });
        }
        if ranks.contains(&0) {
            return Err(Error::invalid_parameter("rank", "ranks are 1-based; got 0"));
        }
    }
    let best: f64 = sides.iter().map(|&(_, w)| w / (k + 1.0)).sum();
    let mut scores = vec![0.0; n];
    if best <= 0.0 {
        return Ok(scores);
    }
    for &(ranks, weight) in sides {
        for (score, &rank) in scores.iter_mut().zip(ranks) {
            *score += weight / (k + f64::from(rank));
        }
    }
    scores.iter_mut().for_each(|s| *s = (*s / best).min(1.0));
    Ok(scores)
}

/// Reciprocal Rank Fusion over ranked id lists (best first), where a list that does not hold
/// a candidate contributes nothing for it. Same formula and normalisation as [`rrf`]; ranks
/// are positions + 1. An id repeated in one list counts at its first position only.
///
/// Returns `(id, score)` sorted by score descending, then id ascending.
///
/// # Errors
/// [`Error::InvalidParameter`] for a bad `k` or weight, as in [`rrf`].
pub fn rrf_lists(lists: &[(&[u32], f64)], k: f64) -> Result<Vec<(u32, f64)>> {
    check_rrf_k(k)?;
    for &(_, weight) in lists {
        check_weight(weight)?;
    }
    let best: f64 = lists.iter().map(|&(_, w)| w / (k + 1.0)).sum();
    let mut fused: HashMap<u32, f64> = HashMap::new();
    for &(ids, weight) in lists {
        let mut seen = std::collections::HashSet::with_capacity(ids.len());
        for (position, &id) in ids.iter().enumerate() {
            if seen.insert(id) {
                *fused.entry(id).or_insert(0.0) += weight / (k + position as f64 + 1.0);
            }
        }
    }
    let mut out: Vec<(u32, f64)> = fused
        .into_iter()
        .map(|(id, s)| (id, if best > 0.0 { (s / best).min(1.0) } else { 0.0 }))
        .collect();
    out.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    Ok(out)
}

/// 1-based ranks from scores, higher score = better rank, using standard competition ranking
/// ("1224"): equal scores share the best rank of their group, so fusion treats tied
/// candidates identically whatever their order in the slice.
///
/// # Errors
/// [`Error::NonFiniteVector`] when a score is NaN or infinite.
pub fn ranks_from_scores(scores: &[f64]) -> Result<Vec<u32>> {
    check_finite(scores)?;
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let mut ranks = vec![0u32; scores.len()];
    let mut previous: Option<(f64, u32)> = None;
    for (position, &candidate) in order.iter().enumerate() {
        let score = scores[candidate];
        let rank = match previous {
            Some((s, r)) if s == score => r,
            _ => u32::try_from(position + 1).unwrap_or(u32::MAX),
        };
        ranks[candidate] = rank;
        previous = Some((score, rank));
    }
    Ok(ranks)
}

/// How one side's raw scores are put on a common scale before [`linear`] fusion.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Normalization {
    /// Raw scores, unchanged (cosines are already in `[-1, 1]`).
    None,
    /// [`min_max`]: the best candidate gets 1, the worst 0.
    #[default]
    MinMax,
    /// [`distribution_based`]: Qdrant's DBSF, `μ ± 3σ` mapped to `[0, 1]`.
    DistributionBased,
}

/// Applies a [`Normalization`].
///
/// # Errors
/// [`Error::NonFiniteVector`] when a score is NaN or infinite.
pub fn normalize(scores: &[f64], normalization: Normalization) -> Result<Vec<f64>> {
    match normalization {
        Normalization::None => {
            check_finite(scores)?;
            Ok(scores.to_vec())
        }
        Normalization::MinMax => min_max(scores),
        Normalization::DistributionBased => distribution_based(scores),
    }
}

/// Min-max normalisation: `(s - min) / (max - min)`, in `[0, 1]`.
///
/// When every score is equal (including a single candidate), the side carries no ranking
/// information and every candidate gets 0.5, as in Qdrant's `score_fusion.rs` (which,
/// unlike twofold, returns a lone candidate's raw score). Empty in, empty out.
///
/// # Errors
/// [`Error::NonFiniteVector`] when a score is NaN or infinite.
pub fn min_max(scores: &[f64]) -> Result<Vec<f64>> {
    check_finite(scores)?;
    let min = scores.iter().copied().fold(f64::INFINITY, f64::min);
    let max = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    Ok(rescale(scores, min, max))
}

/// Maps `[low, high]` onto `[0, 1]`, clipping; 0.5 everywhere when `low == high`.
fn rescale(scores: &[f64], low: f64, high: f64) -> Vec<f64> {
    let span = high - low;
    scores
        .iter()
        .map(|&s| {
            if span > 0.0 && span.is_finite() {
                ((s - low) / span).clamp(0.0, 1.0)
            } else {
                0.5
            }
        })
        .collect()
}

/// Distribution-based score fusion normalisation (DBSF; M. Mazzeschi, "Distribution-based
/// Score Fusion", 2023; Qdrant's `Fusion::Dbsf`):
///
/// ```text
/// μ = mean(s),  σ = sample standard deviation (n - 1 denominator, as Qdrant)
/// s' = clip((s - (μ - 3σ)) / 6σ, 0, 1)
/// ```
///
/// Qdrant does not clip; twofold does, so outputs stay in `[0, 1]`. The two agree whenever
/// `n ≤ 10`: with the sample deviation no score can lie beyond `(n - 1)/√n < 3` deviations.
/// Fewer than two candidates, or σ = 0, gives 0.5 for every candidate (Qdrant's choice).
///
/// # Errors
/// [`Error::NonFiniteVector`] when a score is NaN or infinite.
pub fn distribution_based(scores: &[f64]) -> Result<Vec<f64>> {
    check_finite(scores)?;
    if scores.len() < 2 {
        return Ok(vec![0.5; scores.len()]);
    }
    let n = scores.len() as f64;
    let mean = scores.iter().sum::<f64>() / n;
    let variance = scores.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / (n - 1.0);
    let deviation = variance.sqrt();
    Ok(rescale(
        scores,
        mean - 3.0 * deviation,
        mean + 3.0 * deviation,
    ))
}

/// Weighted linear fusion of two normalised score columns:
/// `alpha · dense + (1 - alpha) · sparse`.
///
/// `alpha = 1` is dense only, `alpha = 0` sparse only. With both inputs in `[0, 1]` the
/// output is in `[0, 1]`.
///
/// # Errors
/// [`Error::InvalidParameter`] when `alpha` is outside `[0, 1]` (or NaN);
/// [`Error::DimensionMismatch`] when the columns differ in length;
/// [`Error::NonFiniteVector`] when a score is NaN or infinite.
pub fn linear(dense: &[f64], sparse: &[f64], alpha: f64) -> Result<Vec<f64>> {
    if !(0.0..=1.0).contains(&alpha) {
        return Err(Error::invalid_parameter(
            "alpha",
            format!("must be in [0, 1], got {alpha}"),
        ));
    }
    if dense.len() != sparse.len() {
        return Err(Error::DimensionMismatch {
            expected: dense.len(),
            found: sparse.len(),
        });
    }
    check_finite(dense)?;
    check_finite(sparse)?;
    Ok(dense
        .iter()
        .zip(sparse)
        .map(|(&d, &s)| alpha * d + (1.0 - alpha) * s)
        .collect())
}
