//! Choosing a hit threshold from labelled data.
//!
//! Each labelled lookup becomes a [`LabelledScore`]: the score of the best
//! stored entry, whether that entry was the right one, and whether any stored
//! entry was right. For every candidate threshold `t` (every distinct score) the
//! [`Calibration`] curve counts what a cache with threshold `t` would have done:
//!
//! * *served* = lookups with best score ≥ `t`;
//! * *correct* = served lookups whose best entry was right, *false* = the rest;
//! * precision = correct / served, recall = correct / answerable lookups,
//!   hit rate = served / all lookups.
//!
//! Precision measured on a few hundred labels is noisy, so the calibrated
//! threshold is the lowest `t` whose precision **lower confidence bound** reaches
//! the target: the one-sided Clopper–Pearson ("exact binomial") bound
//! `B⁻¹(α; c, s − c + 1)` with `α = 1 − confidence`, `c` correct out of `s`
//! served, and `B⁻¹` the Beta quantile (0 when `c = 0`). With 19 correct of 20
//! the one-sided 95 % bound is 0.7839 (0.7513 is the *two-sided* 95 % interval's
//! lower end, i.e. the one-sided 97.5 % bound): a threshold needs many correct
//! hits, not just a high ratio, before it is trusted.
//!
//! The Beta quantile is computed here (regularised incomplete beta by Lentz's
//! continued fraction, inverted by bisection to 1e-12) rather than pulled in
//! from `statrs`, whose default features bring `nalgebra` and `rand`; the
//! routine is ~60 lines and tested against `scipy.stats.beta.ppf`.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// One labelled lookup, reduced to what calibration needs.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct LabelledScore {
    /// The best stored entry's score (the cache's score units, see [`ScoreMode`](super::ScoreMode)).
    pub score: f64,
    /// Whether that best entry was a right answer.
    pub correct: bool,
    /// Whether some stored entry was a right answer (counts towards recall).
    pub answerable: bool,
}

/// What a cache with one threshold would have done on the labels.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct CurvePoint {
    /// The threshold (lookups scoring ≥ it are served).
    pub threshold: f64,
    /// Lookups served.
    pub served: u64,
    /// Served lookups that were right.
    pub correct: u64,
    /// `correct / served` (1 when nothing is served).
    pub precision: f64,
    /// One-sided Clopper–Pearson lower bound of the precision.
    pub precision_lower: f64,
    /// `correct / answerable` (0 when nothing is answerable).
    pub recall: f64,
    /// `served / all labels`.
    pub hit_rate: f64,
}

/// A precision/recall-vs-threshold curve and the calibrated threshold.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    /// One point per distinct score, highest threshold first.
    pub curve: Vec<CurvePoint>,
    /// The precision asked for.
    pub target_precision: f64,
    /// Confidence of the lower bound (e.g. 0.95).
    pub confidence: f64,
    /// The lowest threshold whose precision lower bound reaches the target, or
    /// `None` when no threshold does (more labels or a lower target are needed).
    pub threshold: Option<f64>,
    /// Number of labels.
    pub n_labels: u64,
    /// Labels with a right entry stored.
    pub n_answerable: u64,
}

impl Calibration {
    /// What threshold `t` would have done (served = labels scoring ≥ `t`).
    pub fn point_at(&self, t: f64) -> CurvePoint {
        // The curve is sorted by decreasing threshold; the point for `t` is the
        // last one whose threshold is still ≥ t.
        let served_upto = self.curve.partition_point(|p| p.threshold >= t);
        match served_upto.checked_sub(1).and_then(|i| self.curve.get(i)) {
            Some(p) => CurvePoint { threshold: t, ..*p },
            None => CurvePoint {
                threshold: t,
                served: 0,
                correct: 0,
                precision: 1.0,
                precision_lower: 0.0,
                recall: 0.0,
                hit_rate: 0.0,
            },
        }
    }
}

/// Builds the curve and finds the lowest threshold whose precision lower bound
/// (one-sided Clopper–Pearson at `confidence`) reaches `target_precision`.
///
/// A label with score `−∞` stands for a lookup that found no candidate at all:
/// it counts in recall's and hit rate's denominators but is never served.
///
/// # Errors
/// [`Error::InvalidParameter`] for a target outside `(0, 1]`, a confidence
/// outside `(0, 1)`, or a non-finite score.
pub fn calibrate(
    labels: &[LabelledScore],
    target_precision: f64,
    confidence: f64,
) -> Result<Calibration> {
    check_unit("target_precision", target_precision, true)?;
    check_unit("confidence", confidence, false)?;
    if let Some(bad) = labels
        .iter()
        .find(|l| l.score.is_nan() || l.score == f64::INFINITY)
    {
        return Err(Error::invalid_parameter(
            "labels",
            format!("score {} is NaN or +∞", bad.score),
        ));
    }
    let curve = curve(labels, confidence);
    let threshold = curve
        .iter()
        .filter(|p| p.precision_lower >= target_precision)
        .map(|p| p.threshold)
        .reduce(f64::min);
    Ok(Calibration {
        curve,
        target_precision,
        confidence,
        threshold,
        n_labels: labels.len() as u64,
        n_answerable: labels.iter().filter(|l| l.answerable).count() as u64,
    })
}

fn check_unit(name: &'static str, x: f64, closed_above: bool) -> Result<()> {
    let ok = x > 0.0 && (x < 1.0 || (closed_above && x == 1.0));
    if ok {
        Ok(())
    } else {
        Err(Error::invalid_parameter(
            name,
            format!(
                "{x} is outside (0, 1{}",
                if closed_above { "]" } else { ")" }
            ),
        ))
    }
}

fn curve(labels: &[LabelledScore], confidence: f64) -> Vec<CurvePoint> {
    let mut sorted: Vec<&LabelledScore> = labels.iter().collect();
    sorted.sort_by(|a, b| b.score.total_cmp(&a.score));
    let answerable = labels.iter().filter(|l| l.answerable).count() as u64;
    let total = labels.len().max(1) as f64;
    let mut points = Vec::new();
    let (mut served, mut correct) = (0u64, 0u64);
    let servable = sorted
        .iter()
        .take_while(|l| l.score > f64::NEG_INFINITY)
        .count();
    let sorted = sorted.get(..servable).unwrap_or_default();
    for (i, label) in sorted.iter().enumerate() {
        served += 1;
        correct += u64::from(label.correct);
        let last_of_group = sorted.get(i + 1).is_none_or(|n| n.score < label.score);
        if last_of_group {
            points.push(CurvePoint {
                threshold: label.score,
                served,
                correct,
                precision: correct as f64 / served as f64,
                precision_lower: clopper_pearson_lower(correct, served, confidence),
                recall: if answerable == 0 {
                    0.0
                } else {
                    correct as f64 / answerable as f64
                },
                hit_rate: served as f64 / total,
            });
        }
    }
    points
}

/// One-sided Clopper–Pearson lower confidence bound of a binomial proportion:
/// the `1 − confidence` quantile of `Beta(successes, trials − successes + 1)`,
/// and 0 when `successes == 0` (or `trials == 0`). `successes` above `trials`
/// is treated as `trials`.
///
/// ```
/// let one_sided_95 = twofold::faq::clopper_pearson_lower(19, 20, 0.95);
/// assert!((one_sided_95 - 0.783_89).abs() < 1e-4);
/// // The lower end of the two-sided 95 % interval is the one-sided 97.5 % bound.
/// let two_sided_95 = twofold::faq::clopper_pearson_lower(19, 20, 0.975);
/// assert!((two_sided_95 - 0.751_27).abs() < 1e-4);
/// ```
pub fn clopper_pearson_lower(successes: u64, trials: u64, confidence: f64) -> f64 {
    let successes = successes.min(trials);
    if successes == 0 {
        return 0.0;
    }
    let a = successes as f64;
    let b = (trials - successes) as f64 + 1.0;
    beta_quantile(1.0 - confidence, a, b)
}

/// The `p`-quantile of `Beta(a, b)` (`a, b > 0`), by bisection on the
/// regularised incomplete beta function to an absolute error below 1e-12.
/// `p` is clamped to `[0, 1]`; NaN inputs give NaN.
pub fn beta_quantile(p: f64, a: f64, b: f64) -> f64 {
    if p.is_nan() || a.is_nan() || b.is_nan() || a <= 0.0 || b <= 0.0 {
        return f64::NAN;
    }
    let p = p.clamp(0.0, 1.0);
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if regularized_beta(mid, a, b) < p {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo < 1e-13 {
            break;
        }
    }
    0.5 * (lo + hi)
}

/// The regularised incomplete beta function `I_x(a, b)` (the Beta CDF).
pub fn regularized_beta(x: f64, a: f64, b: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let ln_front = ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln();
    let front = ln_front.exp();
    // The continued fraction converges fast for x < (a + 1) / (a + b + 2);
    // otherwise use the symmetry I_x(a, b) = 1 − I_{1−x}(b, a).
    if x < (a + 1.0) / (a + b + 2.0) {
        front * beta_continued_fraction(x, a, b) / a
    } else {
        1.0 - front * beta_continued_fraction(1.0 - x, b, a) / b
    }
}

/// Lentz's evaluation of the incomplete-beta continued fraction
/// (Numerical Recipes §6.4, `betacf`).
fn beta_continued_fraction(x: f64, a: f64, b: f64) -> f64 {
    const TINY: f64 = 1e-300;
    const EPS: f64 = 1e-15;
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 - qab * x / qap;
    if d.abs() < TINY {
        d = TINY;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..=1000 {
        let m = f64::from(m);
        let m2 = 2.0 * m;
        let even = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + even * d;
        d = if d.abs() < TINY { TINY } else { d };
        c = 1.0 + even / c;
        c = if c.abs() < TINY { TINY } else { c };
        d = 1.0 / d;
        h *= d * c;
        let odd = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + odd * d;
        d = if d.abs() < TINY { TINY } else { d };
        c = 1.0 + odd / c;
        c = if c.abs() < TINY { TINY } else { c };
        d = 1.0 / d;
        let delta = d * c;
        h *= delta;
        if (delta - 1.0).abs() < EPS {
            break;
        }
    }
    h
}

/// `ln Γ(x)` for `x > 0` (Lanczos approximation, g = 7, n = 9; relative error ~1e-15).
fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const COEF: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection: Γ(x)Γ(1−x) = π / sin(πx).
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).abs().ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut sum = COEF[0];
    for (i, &c) in COEF.iter().enumerate().skip(1) {
        sum += c / (x + i as f64);
    }
    let t = x + G + 0.5;
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + sum.ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reference values from scipy 1.x `beta.ppf(0.05, x, n - x + 1)` (one-sided 95 %).
    const SCIPY_LOWER_95: [(u64, u64, f64); 8] = [
        (19, 20, 0.783_893_835_793_152_6),
        (1, 1, 0.05),
        (1, 10, 0.005_116_196_891_823_701),
        (50, 50, 0.941_844_920_883_027_7),
        (90, 100, 0.836_282_376_724_185_2),
        (950, 1000, 0.937_136_596_487_620_3),
        (3, 7, 0.128_756_392_804_242_7),
        (99, 100, 0.953_440_188_546_461_1),
    ];

    #[test]
    fn clopper_pearson_matches_scipy() {
        for (x, n, expected) in SCIPY_LOWER_95 {
            let got = clopper_pearson_lower(x, n, 0.95);
            assert!(
                (got - expected).abs() < 1e-9,
                "{x}/{n}: {got} vs {expected}"
            );
        }
        // beta.ppf(0.025, 19, 2): the two-sided 95 % interval's lower end.
        let two_sided = clopper_pearson_lower(19, 20, 0.975);
        assert!(
            (two_sided - 0.751_267_237_227_972_2).abs() < 1e-9,
            "{two_sided}"
        );
        assert_eq!(clopper_pearson_lower(0, 20, 0.95), 0.0);
        assert_eq!(clopper_pearson_lower(0, 0, 0.95), 0.0);
    }

    #[test]
    fn beta_functions_match_scipy() {
        // beta.ppf(0.025, 5, 3), beta.cdf(0.3, 2.5, 7.5), beta.ppf(0.9, 0.5, 0.5)
        assert!((beta_quantile(0.025, 5.0, 3.0) - 0.290_420_863_737_342_7).abs() < 1e-9);
        assert!((regularized_beta(0.3, 2.5, 7.5) - 0.678_943_485_866_182_1).abs() < 1e-9);
        assert!((beta_quantile(0.9, 0.5, 0.5) - 0.975_528_258_147_576_8).abs() < 1e-9);
        assert!(beta_quantile(f64::NAN, 1.0, 1.0).is_nan());
        assert!(beta_quantile(0.5, 0.0, 1.0).is_nan());
    }

    fn label(score: f64, correct: bool) -> LabelledScore {
        LabelledScore {
            score,
            correct,
            answerable: true,
        }
    }

    #[test]
    fn curve_counts_and_lowest_threshold() {
        // 30 correct hits at 0.9, one wrong at 0.5, then 10 correct at 0.4.
        let mut labels: Vec<LabelledScore> = (0..30).map(|_| label(0.9, true)).collect();
        labels.push(label(0.5, false));
        labels.extend((0..10).map(|_| label(0.4, true)));
        labels.push(LabelledScore {
            score: 0.1,
            correct: false,
            answerable: false,
        });
        let c = calibrate(&labels, 0.9, 0.95).unwrap();
        assert_eq!(c.curve.len(), 4);
        let at_09 = c.point_at(0.9);
        assert_eq!((at_09.served, at_09.correct), (30, 30));
        // 30/30: lower bound 0.05^(1/30) = 0.9050 ≥ 0.9.
        assert!((at_09.precision_lower - 0.05f64.powf(1.0 / 30.0)).abs() < 1e-9);
        let at_04 = c.point_at(0.4);
        assert_eq!((at_04.served, at_04.correct), (41, 40));
        assert!((at_04.recall - 40.0 / 41.0).abs() < 1e-12);
        // 40/41 lower bound is 0.8894 < 0.9, 30/31 is 0.8559: only 0.9 qualifies.
        assert_eq!(c.threshold, Some(0.9));
        let nothing = c.point_at(0.95);
        assert_eq!(nothing.served, 0);
        assert!(calibrate(&labels, 0.999, 0.95).unwrap().threshold.is_none());
    }

    #[test]
    fn calibrate_rejects_bad_parameters() {
        let labels = [label(0.5, true)];
        assert!(calibrate(&labels, 0.0, 0.95).is_err());
        assert!(calibrate(&labels, 1.5, 0.95).is_err());
        assert!(calibrate(&labels, 0.9, 1.0).is_err());
        assert!(calibrate(&[label(f64::NAN, true)], 0.9, 0.95).is_err());
    }
}
