//! Numeric kernels of the BERT forward pass: matrix products, layer norm,
//! softmax and activations, all in `f32`, all writing into caller-owned buffers.
//!
//! The element-wise functions are written branch-free so that the compiler
//! vectorises them; `exp` and `erf` are polynomial approximations accurate to
//! a few units in the last place, which is what PyTorch's vectorised versions
//! give too (the parity test checks the end result against sentence-transformers).

use gemm::Parallelism;

use crate::error::{Error, Result};

/// A strided view of a matrix inside a slice: element `(i, j)` is
/// `data[offset + i * row_stride + j * col_stride]`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Strided {
    pub(crate) offset: usize,
    pub(crate) rows: usize,
    pub(crate) cols: usize,
    pub(crate) row_stride: usize,
    pub(crate) col_stride: usize,
}

impl Strided {
    /// A dense row-major `rows x cols` matrix starting at `offset` with rows `row_stride` apart.
    pub(crate) fn rows(offset: usize, rows: usize, cols: usize, row_stride: usize) -> Strided {
        Strided {
            offset,
            rows,
            cols,
            row_stride,
            col_stride: 1,
        }
    }

    /// The transpose of this view (no data moves).
    pub(crate) fn t(self) -> Strided {
        Strided {
            offset: self.offset,
            rows: self.cols,
            cols: self.rows,
            row_stride: self.col_stride,
            col_stride: self.row_stride,
        }
    }

    /// Checks that every element of the view lies inside a slice of `len` elements.
    fn check(&self, len: usize) -> Result<()> {
        if self.rows == 0 || self.cols == 0 {
            return Ok(());
        }
        let last = (self.rows - 1)
            .checked_mul(self.row_stride)
            .and_then(|a| (self.cols - 1).checked_mul(self.col_stride).map(|b| (a, b)))
            .and_then(|(a, b)| a.checked_add(b))
            .and_then(|a| a.checked_add(self.offset));
        match last {
            Some(last) if last < len => Ok(()),
            _ => Err(Error::Embedding(format!(
                "internal error: a {}x{} matrix view does not fit in {len} values",
                self.rows, self.cols
            ))),
        }
    }
}

/// `dst = scale * lhs * rhs`, or `dst += scale * lhs * rhs` when `accumulate`.
///
/// Shapes and bounds are checked; a mismatch is an [`Error::Embedding`] (it
/// would be a bug in this module, not a caller error).
#[allow(clippy::too_many_arguments)]
pub(crate) fn matmul(
    dst: &mut [f32],
    dst_view: Strided,
    lhs: &[f32],
    lhs_view: Strided,
    rhs: &[f32],
    rhs_view: Strided,
    scale: f32,
    accumulate: bool,
    parallelism: Parallelism,
) -> Result<()> {
    if lhs_view.cols != rhs_view.rows
        || dst_view.rows != lhs_view.rows
        || dst_view.cols != rhs_view.cols
    {
        return Err(Error::Embedding(
            "internal error: matrix shapes do not agree".to_string(),
        ));
    }
    dst_view.check(dst.len())?;
    lhs_view.check(lhs.len())?;
    rhs_view.check(rhs.len())?;
    if dst_view.rows == 0 || dst_view.cols == 0 {
        return Ok(());
    }
    // SAFETY: every element gemm touches lies inside its slice (checked above),
    // `dst` is borrowed mutably so it aliases neither input, and strides fit in
    // isize because they index into existing slices.
    unsafe {
        gemm::gemm(
            dst_view.rows,
            dst_view.cols,
            lhs_view.cols,
            dst.as_mut_ptr().add(dst_view.offset),
            dst_view.col_stride as isize,
            dst_view.row_stride as isize,
            accumulate,
            lhs.as_ptr().add(lhs_view.offset),
            lhs_view.col_stride as isize,
            lhs_view.row_stride as isize,
            rhs.as_ptr().add(rhs_view.offset),
            rhs_view.col_stride as isize,
            rhs_view.row_stride as isize,
            1.0,
            scale,
            false,
            false,
            false,
            parallelism,
        );
    }
    Ok(())
}

/// Normalises each row of `x` (rows of `gamma.len()` values) to zero mean and
/// unit variance, then scales by `gamma` and shifts by `beta`.
pub(crate) fn layer_norm(x: &mut [f32], gamma: &[f32], beta: &[f32], eps: f32) {
    let width = gamma.len();
    if width == 0 {
        return;
    }
    for row in x.chunks_exact_mut(width) {
        let mean = row.iter().sum::<f32>() / width as f32;
        let var = row.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / width as f32;
        let inv = 1.0 / (var + eps).sqrt();
        for ((v, g), b) in row.iter_mut().zip(gamma).zip(beta) {
            *v = (*v - mean) * inv * g + b;
        }
    }
}

/// Replaces each row of `x` (rows of `width` values) by its softmax.
pub(crate) fn softmax_rows(x: &mut [f32], width: usize) {
    if width == 0 {
        return;
    }
    for row in x.chunks_exact_mut(width) {
        let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let mut sum = 0.0f32;
        for v in row.iter_mut() {
            *v = exp(*v - max);
            sum += *v;
        }
        let inv = 1.0 / sum;
        for v in row.iter_mut() {
            *v *= inv;
        }
    }
}

/// The activation between the two feed-forward layers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Activation {
    /// `x * Phi(x)` with the exact (erf) normal CDF: Hugging Face's `gelu`.
    Gelu,
    /// The tanh approximation of GELU: `gelu_new`, `gelu_pytorch_tanh`.
    GeluTanh,
    /// `max(x, 0)`.
    Relu,
}

impl Activation {
    /// Maps a `hidden_act` name from `config.json`.
    pub(crate) fn from_name(name: &str) -> Option<Activation> {
        match name {
            "gelu" => Some(Activation::Gelu),
            "gelu_new" | "gelu_pytorch_tanh" | "gelu_fast" => Some(Activation::GeluTanh),
            "relu" => Some(Activation::Relu),
            _ => None,
        }
    }

    /// Applies the activation in place.
    pub(crate) fn apply(self, x: &mut [f32]) {
        match self {
            Activation::Gelu => x
                .iter_mut()
                .for_each(|v| *v = 0.5 * *v * (1.0 + erf(*v * std::f32::consts::FRAC_1_SQRT_2))),
            Activation::GeluTanh => x.iter_mut().for_each(|v| {
                let inner = 0.797_884_6 * (*v + 0.044_715 * *v * *v * *v);
                *v = 0.5 * *v * (1.0 + tanh(inner));
            }),
            Activation::Relu => x.iter_mut().for_each(|v| *v = v.max(0.0)),
        }
    }
}

/// `e^x` in `f32` (Cephes `expf`: range reduction by `ln 2`, degree-6 polynomial).
/// Inputs below -87.3 give the smallest normal number's neighbourhood, not 0.
#[inline(always)]
pub(crate) fn exp(x: f32) -> f32 {
    const LOG2E: f32 = std::f32::consts::LOG2_E;
    const LN2_HI: f32 = 0.693_359_4;
    const LN2_LO: f32 = -2.121_944_4e-4;
    // 1.5 * 2^23: adding it rounds to an integer that then sits in the low mantissa bits.
    const MAGIC: f32 = 12_582_912.0;
    let x = x.clamp(-87.3, 88.3);
    let shifted = x * LOG2E + MAGIC;
    let n = shifted - MAGIC;
    let r = x - n * LN2_HI - n * LN2_LO;
    let mut p = 1.987_569_1e-4f32;
    p = p * r + 1.398_199_9e-3;
    p = p * r + 8.333_452e-3;
    p = p * r + 4.166_579_6e-2;
    p = p * r + 1.666_666_5e-1;
    p = p * r + 0.5;
    let y = p * r * r + r + 1.0;
    let exponent = (shifted.to_bits() as i32).wrapping_sub(0x4B40_0000);
    let scale = f32::from_bits((exponent.wrapping_add(127) << 23) as u32);
    y * scale
}

/// `tanh(x)` from [`exp`].
#[inline(always)]
fn tanh(x: f32) -> f32 {
    let x = x.clamp(-9.0, 9.0);
    1.0 - 2.0 / (exp(2.0 * x) + 1.0)
}

/// The error function in `f32` (the rational approximation of Eigen and XLA, error below 2e-7).
#[inline(always)]
pub(crate) fn erf(x: f32) -> f32 {
    let x = x.clamp(-4.0, 4.0);
    let x2 = x * x;
    let mut p = -2.726_142_3e-10f32;
    p = p * x2 + 2.770_681_4e-8;
    p = p * x2 + -2.101_024e-6;
    p = p * x2 + -5.692_506_4e-5;
    p = p * x2 + -7.349_906_3e-4;
    p = p * x2 + -2.954_6e-3;
    p = p * x2 + -1.609_603_3e-2;
    p *= x;
    let mut q = -1.456_607_2e-5f32;
    q = q * x2 + -2.133_740_6e-4;
    q = q * x2 + -1.682_827e-3;
    q = q * x2 + -7.373_329e-3;
    q = q * x2 + -1.426_473_9e-2;
    p / q
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_matches_std_to_a_few_ulp() {
        let mut worst = 0.0f32;
        for i in -87_000..=10_000 {
            let x = i as f32 * 1e-3;
            let got = exp(x);
            let want = x.exp();
            worst = worst.max(((got - want) / want).abs());
        }
        assert!(worst < 5e-7, "worst relative error {worst}");
    }

    #[test]
    fn erf_matches_f64_reference() {
        let mut worst = 0.0f64;
        for i in -6_000..=6_000 {
            let x = i as f32 * 1e-3;
            let want = candle_core::cpu::erf::erf_f64(x as f64);
            worst = worst.max((erf(x) as f64 - want).abs());
        }
        assert!(worst < 5e-7, "worst absolute error {worst}");
    }

    #[test]
    fn softmax_rows_sum_to_one_and_keep_order() {
        let mut x = vec![1.0, 2.0, 3.0, -1000.0, 0.0, 1000.0];
        softmax_rows(&mut x, 3);
        assert!((x[0..3].iter().sum::<f32>() - 1.0).abs() < 1e-6);
        assert!(x[0] < x[1] && x[1] < x[2]);
        assert!((x[2] - 0.665_240_9).abs() < 1e-6);
        assert_eq!(x[5], 1.0);
        assert!(x[3] < 1e-30, "{}", x[3]);
    }

    #[test]
    fn layer_norm_gives_zero_mean_unit_variance() {
        let mut x = vec![1.0, 2.0, 3.0, 4.0];
        layer_norm(&mut x, &[1.0; 4], &[0.0; 4], 1e-12);
        let mean: f32 = x.iter().sum::<f32>() / 4.0;
        let var: f32 = x.iter().map(|v| v * v).sum::<f32>() / 4.0;
        assert!(mean.abs() < 1e-6 && (var - 1.0).abs() < 1e-5, "{x:?}");
    }

    #[test]
    fn matmul_with_transposed_views() {
        // a = [[1,2],[3,4]], b = [[5,6],[7,8]]; a * b^T = [[17,23],[39,53]]
        let a = [1.0, 2.0, 3.0, 4.0];
        let b = [5.0, 6.0, 7.0, 8.0];
        let mut c = [1.0f32; 4];
        let view = Strided::rows(0, 2, 2, 2);
        matmul(
            &mut c,
            view,
            &a,
            view,
            &b,
            view.t(),
            1.0,
            true,
            Parallelism::None,
        )
        .unwrap();
        assert_eq!(c, [18.0, 24.0, 40.0, 54.0]);
    }

    #[test]
    fn matmul_rejects_views_outside_the_slice() {
        let a = [1.0f32; 4];
        let mut c = [0.0f32; 4];
        let view = Strided::rows(1, 2, 2, 2);
        let result = matmul(
            &mut c,
            view,
            &a,
            view,
            &a,
            view,
            1.0,
            false,
            Parallelism::None,
        );
        assert!(matches!(result, Err(Error::Embedding(_))));
    }
}
