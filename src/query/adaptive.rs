//! Query-adaptive fusion weights: trust the side that separates its best documents.
//!
//! For each side, the *confidence* of a query is how far that side's best
//! candidate stands out from its other top candidates:
//!
//! ```text
//! top   = the `depth` best scores of the side among the candidates
//! conf  = (top[0] - mean(top)) / std(top)        (0 when std = 0 or fewer than 2 scores)
//! w_d   = prior · conf_d / (prior · conf_d + (1 - prior) · conf_s)   (prior when both are 0)
//! score = w_d · minmax(dense) + (1 - w_d) · minmax(sparse)
//! ```
//!
//! A lexical query whose words pick out one document gives the sparse side a
//! large gap; a paraphrase with no shared words leaves the sparse scores flat and
//! the dense side takes over, per query, without a fixed weight that is right for
//! one collection and wrong for another. Measured on six collections in
//! `examples/evaluate.rs` (see the crate's README table).

use crate::error::{Error, Result};

/// The confidence of one side (see the module docs). Scores need not be sorted.
pub fn confidence(scores: &[f64], depth: usize) -> f64 {
    let mut top: Vec<f64> = scores.iter().copied().filter(|s| s.is_finite()).collect();
    top.sort_by(|a, b| b.total_cmp(a));
    top.truncate(depth.max(2));
    if top.len() < 2 {
        return 0.0;
    }
    let n = top.len() as f64;
    let mean = top.iter().sum::<f64>() / n;
    let var = top.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / n;
    let std = var.sqrt();
    match top.first() {
        Some(best) if std > 0.0 => ((best - mean) / std).max(0.0),
        _ => 0.0,
    }
}

/// The dense weight for this query, from the sides' confidences and a prior.
///
/// # Errors
/// [`Error::InvalidParameter`] when `prior` is outside `[0, 1]` or `depth < 2`.
pub fn dense_weight(sparse: &[f64], dense: &[f64], prior: f64, depth: usize) -> Result<f64> {
    if !(0.0..=1.0).contains(&prior) {
        return Err(Error::invalid_parameter(
            "prior",
            format!("must be in [0, 1], got {prior}"),
        ));
    }
    if depth < 2 {
        return Err(Error::invalid_parameter("depth", "must be at least 2"));
    }
    let d = prior * confidence(dense, depth);
    let s = (1.0 - prior) * confidence(sparse, depth);
    Ok(if d + s > 0.0 { d / (d + s) } else { prior })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flat_side_gets_no_weight() {
        let flat = [0.5, 0.5, 0.5, 0.5];
        let peaked = [0.9, 0.2, 0.1, 0.1];
        assert_eq!(dense_weight(&flat, &peaked, 0.5, 10).unwrap(), 1.0);
        assert_eq!(dense_weight(&peaked, &flat, 0.5, 10).unwrap(), 0.0);
        assert_eq!(dense_weight(&flat, &flat, 0.3, 10).unwrap(), 0.3);
    }

    #[test]
    fn confidence_is_the_gap_in_deviations() {
        // top = [3, 1, 1, 1]: mean 1.5, population std sqrt(0.75)
        let c = confidence(&[1.0, 3.0, 1.0, 1.0], 4);
        assert!((c - 1.5 / 0.75f64.sqrt()).abs() < 1e-12);
        assert_eq!(confidence(&[1.0], 4), 0.0);
        assert!(dense_weight(&[1.0], &[1.0], 1.5, 4).is_err());
    }
}
