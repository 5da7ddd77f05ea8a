//! Fusion functions against hand-computed values.

use twofold::query::fusion::{
    distribution_based, linear, min_max, normalize, ranks_from_scores, rrf, rrf_lists,
    Normalization, DEFAULT_RRF_K,
};
use twofold::Error;

fn close(found: &[f64], expected: &[f64]) {
    assert_eq!(found.len(), expected.len(), "{found:?} vs {expected:?}");
    for (f, e) in found.iter().zip(expected) {
        assert!((f - e).abs() < 1e-12, "{found:?} vs {expected:?}");
    }
}

#[test]
fn rrf_matches_cormack_normalised_by_the_best_value() {
    // Candidates A, B, C with 1-based ranks (1, 3), (2, 1), (3, 2); k = 60, equal weights.
    // A = (1/61 + 1/63) / (2/61) = (1 + 61/63) / 2 = 124/126, etc.
    let dense = [1, 2, 3];
    let sparse = [3, 1, 2];
    let scores = rrf(&[(&dense, 1.0), (&sparse, 1.0)], DEFAULT_RRF_K).unwrap();
    close(&scores, &[124.0 / 126.0, 123.0 / 124.0, 7625.0 / 7812.0]);
    // First on both sides is exactly 1.
    assert_eq!(rrf(&[(&[1], 1.0), (&[1], 2.0)], 60.0).unwrap(), vec![1.0]);
}

#[test]
fn rrf_weights_scale_contributions() {
    // A (1, 3) with weights (3, 1): (3/61 + 1/63) / (4/61) = (3 + 61/63) / 4 = 250/252.
    let scores = rrf(&[(&[1, 3], 3.0), (&[3, 1], 1.0)], 60.0).unwrap();
    close(&scores, &[250.0 / 252.0, (3.0 * 61.0 / 63.0 + 1.0) / 4.0]);
    // A zero weight removes a side.
    let only_dense = rrf(&[(&[1, 2], 1.0), (&[2, 1], 0.0)], 60.0).unwrap();
    close(&only_dense, &[1.0, 61.0 / 62.0]);
    // All weights zero: nothing to rank by, all zeros (not NaN).
    assert_eq!(
        rrf(&[(&[1, 2], 0.0), (&[2, 1], 0.0)], 60.0).unwrap(),
        vec![0.0, 0.0]
    );
}

#[test]
fn rrf_with_k_zero_and_qdrant_mapping() {
    // k = 0: rank 1 → 1/1, rank 2 → 1/2; normalised by 1/1.
    close(&rrf(&[(&[1, 2], 1.0)], 0.0).unwrap(), &[1.0, 0.5]);
    // Qdrant's default k = 2 scores position p (0-based) as 1/(p + 2) = 1/(rank + 1): our k = 1.
    // Normalised by 1/2: ranks 1, 2, 3 → 1, 2/3, 1/2.
    close(
        &rrf(&[(&[1, 2, 3], 1.0)], 1.0).unwrap(),
        &[1.0, 2.0 / 3.0, 0.5],
    );
}

#[test]
fn rrf_edge_cases_and_errors() {
    assert!(rrf(&[], 60.0).unwrap().is_empty());
    assert!(rrf(&[(&[], 1.0), (&[], 1.0)], 60.0).unwrap().is_empty());
    assert!(matches!(
        rrf(&[(&[1, 2], 1.0), (&[1], 1.0)], 60.0),
        Err(Error::DimensionMismatch {
            expected: 2,
            found: 1
        })
    ));
    assert!(matches!(
        rrf(&[(&[0], 1.0)], 60.0),
        Err(Error::InvalidParameter { .. })
    ));
    assert!(matches!(
        rrf(&[(&[1], 1.0)], -1.0),
        Err(Error::InvalidParameter { .. })
    ));
    assert!(matches!(
        rrf(&[(&[1], 1.0)], f64::NAN),
        Err(Error::InvalidParameter { .. })
    ));
    assert!(matches!(
        rrf(&[(&[1], -0.5)], 60.0),
        Err(Error::InvalidParameter { .. })
    ));
    assert!(matches!(
        rrf(&[(&[1], f64::INFINITY)], 60.0),
        Err(Error::InvalidParameter { .. })
    ));
}

#[test]
fn rrf_lists_absent_contributes_nothing() {
    let first = [1, 2, 3];
    let second = [3, 4, 3];
    let fused = rrf_lists(&[(&first, 1.0), (&second, 1.0)], 60.0).unwrap();
    // 3: (1/63 + 1/61)/(2/61) = 124/126; 1: 1/2; 2 and 4: (1/62)/(2/61) = 61/124, id order.
    let ids: Vec<u32> = fused.iter().map(|h| h.0).collect();
    assert_eq!(ids, vec![3, 1, 2, 4]);
    close(
        &fused.iter().map(|h| h.1).collect::<Vec<_>>(),
        &[124.0 / 126.0, 0.5, 61.0 / 124.0, 61.0 / 124.0],
    );
    assert!(rrf_lists(&[], 60.0).unwrap().is_empty());
    assert_eq!(rrf_lists(&[(&[9], 0.0)], 60.0).unwrap(), vec![(9, 0.0)]);
}

#[test]
fn competition_ranks_share_ties() {
    assert_eq!(
        ranks_from_scores(&[0.2, 0.9, 0.5, 0.9]).unwrap(),
        vec![4, 1, 3, 1]
    );
    assert_eq!(ranks_from_scores(&[0.0]).unwrap(), vec![1]);
    assert!(ranks_from_scores(&[]).unwrap().is_empty());
    assert!(matches!(
        ranks_from_scores(&[0.1, f64::NAN]),
        Err(Error::NonFiniteVector { index: 1 })
    ));
    // Tied candidates get identical fused scores whatever their order.
    let dense = ranks_from_scores(&[0.7, 0.7, 0.1]).unwrap();
    let sparse = ranks_from_scores(&[0.3, 0.3, 0.9]).unwrap();
    let fused = rrf(&[(&dense, 1.0), (&sparse, 1.0)], 60.0).unwrap();
    assert_eq!(fused[0], fused[1]);
}

#[test]
fn min_max_values_and_degenerate_inputs() {
    close(&min_max(&[1.0, 3.0, 2.0]).unwrap(), &[0.0, 1.0, 0.5]);
    close(&min_max(&[-1.0, 1.0]).unwrap(), &[0.0, 1.0]);
    assert_eq!(min_max(&[2.0, 2.0]).unwrap(), vec![0.5, 0.5]);
    assert_eq!(min_max(&[7.0]).unwrap(), vec![0.5]);
    assert!(min_max(&[]).unwrap().is_empty());
    assert!(matches!(
        min_max(&[1.0, f64::INFINITY]),
        Err(Error::NonFiniteVector { index: 1 })
    ));
    // Extreme but finite spans do not overflow into NaN.
    let wide = min_max(&[-f64::MAX, f64::MAX, 0.0]).unwrap();
    assert!(
        wide.iter()
            .all(|v| v.is_finite() && (0.0..=1.0).contains(v)),
        "{wide:?}"
    );
}

#[test]
fn distribution_based_matches_qdrant_formula() {
    // μ = 2, sample σ = 1: [μ - 3σ, μ + 3σ] = [-1, 5].
    close(
        &distribution_based(&[1.0, 2.0, 3.0]).unwrap(),
        &[2.0 / 6.0, 0.5, 4.0 / 6.0],
    );
    assert_eq!(distribution_based(&[4.0]).unwrap(), vec![0.5]);
    assert_eq!(distribution_based(&[4.0, 4.0, 4.0]).unwrap(), vec![0.5; 3]);
    assert!(distribution_based(&[]).unwrap().is_empty());
}

#[test]
fn distribution_based_clips_beyond_three_deviations() {
    // Ten zeros and one 100 (n = 11 > 10, so the outlier lies beyond 3σ).
    let mut scores = vec![0.0; 10];
    scores.push(100.0);
    let mean: f64 = 100.0 / 11.0;
    let sigma = ((10.0 * mean * mean + (100.0 - mean).powi(2)) / 10.0f64).sqrt();
    let zero = (0.0 - (mean - 3.0 * sigma)) / (6.0 * sigma);
    assert!(
        (100.0 - (mean - 3.0 * sigma)) / (6.0 * sigma) > 1.0,
        "test premise"
    );
    let out = distribution_based(&scores).unwrap();
    close(&out[..10], &[zero; 10]);
    assert_eq!(out[10], 1.0);
}

#[test]
fn normalize_dispatches() {
    let s = [1.0, 2.0, 3.0];
    assert_eq!(normalize(&s, Normalization::None).unwrap(), s.to_vec());
    assert_eq!(
        normalize(&s, Normalization::MinMax).unwrap(),
        min_max(&s).unwrap()
    );
    assert_eq!(
        normalize(&s, Normalization::DistributionBased).unwrap(),
        distribution_based(&s).unwrap()
    );
    assert!(matches!(
        normalize(&[f64::NAN], Normalization::None),
        Err(Error::NonFiniteVector { index: 0 })
    ));
}

#[test]
fn linear_fusion_values_and_errors() {
    close(
        &linear(&[1.0, 0.0], &[0.0, 1.0], 0.25).unwrap(),
        &[0.25, 0.75],
    );
    assert_eq!(linear(&[0.3], &[0.9], 1.0).unwrap(), vec![0.3]);
    assert_eq!(linear(&[0.3], &[0.9], 0.0).unwrap(), vec![0.9]);
    assert!(linear(&[], &[], 0.5).unwrap().is_empty());
    for alpha in [-0.1, 1.5, f64::NAN] {
        assert!(matches!(
            linear(&[0.1], &[0.2], alpha),
            Err(Error::InvalidParameter { .. })
        ));
    }
    assert!(matches!(
        linear(&[0.1, 0.2], &[0.2], 0.5),
        Err(Error::DimensionMismatch {
            expected: 2,
            found: 1
        })
    ));
    assert!(matches!(
        linear(&[0.1], &[f64::NAN], 0.5),
        Err(Error::NonFiniteVector { index: 0 })
    ));
}
