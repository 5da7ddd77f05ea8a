//! Distance kernels: dot product and squared L2 over `f32` slices, and the
//! integer dot product of 16-bit weights with 8-bit codes (the graph
//! traversal's).
//!
//! The portable versions use 8 independent accumulators over
//! `chunks_exact(8)`. On x86-64 with AVX2 and FMA (detected at run time with
//! `is_x86_feature_detected!`) explicit 256-bit intrinsics are used instead:
//! four FMA accumulators over 32 floats per step, about 11 instructions per
//! 32 dimensions. Auto-vectorising the portable code under
//! `#[target_feature]` gave 128-bit code with shuffles, several times slower,
//! and these kernels are most of the cost of a graph search.

/// Dot product of two equally long slices (the shorter length wins otherwise).
#[inline]
pub(crate) fn dot(a: &[f32], b: &[f32]) -> f32 {
    #[cfg(target_arch = "x86_64")]
    if has_avx2_fma() {
        // SAFETY: `avx2::dot` only requires AVX2 and FMA, which the CPU reports just above.
        return unsafe { avx2::dot(a, b) };
    }
    dot_portable(a, b)
}

/// Squared Euclidean distance of two equally long slices.
#[inline]
pub(crate) fn l2_squared(a: &[f32], b: &[f32]) -> f32 {
    #[cfg(target_arch = "x86_64")]
    if has_avx2_fma() {
        // SAFETY: `avx2::l2_squared` only requires AVX2 and FMA, which the CPU reports just above.
        return unsafe { avx2::l2_squared(a, b) };
    }
    l2_squared_portable(a, b)
}

#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn has_avx2_fma() -> bool {
    std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma")
}

/// Whether this CPU has the 8-bit kernel [`dot_i16_u8`] (x86-64 with AVX2 and FMA).
#[cfg(test)]
pub(crate) fn has_u8() -> bool {
    U8Kernel::detect().is_some()
}

/// Proof, checked once, that this CPU has the 8-bit kernel's instructions:
/// a graph search computes about a thousand integer dot products, and asking
/// the CPU-feature cache before each one cost ~6k instructions per FAQ lookup.
#[derive(Clone, Copy, Debug)]
pub(crate) struct U8Kernel(());

impl U8Kernel {
    /// The kernel, on CPUs that have it (x86-64 with AVX2 and FMA).
    #[inline(always)]
    pub(crate) fn detect() -> Option<Self> {
        #[cfg(target_arch = "x86_64")]
        if has_avx2_fma() {
            return Some(U8Kernel(()));
        }
        None
    }

    /// Integer dot product of 16-bit weights `a` with 8-bit codes `b` (the
    /// shorter length wins), without asking the CPU again. The caller keeps
    /// `Σ |a[i]| * 255` within `i32` (every partial sum is then in range too).
    #[inline(always)]
    pub(crate) fn dot(self, a: &[i16], b: &[u8]) -> i32 {
        #[cfg(target_arch = "x86_64")]
        {
            // SAFETY: a `U8Kernel` is only made by `detect`, after the CPU
            // reported AVX2 and FMA, all that `avx2::dot_i16_u8` requires.
            unsafe { avx2::dot_i16_u8(a, b) }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            dot_i16_u8_portable(a, b)
        }
    }
}

/// Integer dot product of 16-bit weights `a` with 8-bit codes `b` (the
/// shorter length wins). The caller keeps `Σ |a[i]| * 255` within `i32`
/// (every partial sum is then in range too). Searches call it through a
/// [`U8Kernel`].
#[cfg(test)]
pub(crate) fn dot_i16_u8(a: &[i16], b: &[u8]) -> i32 {
    match U8Kernel::detect() {
        Some(kernel) => kernel.dot(a, b),
        None => dot_i16_u8_portable(a, b),
    }
}

/// `x / scale` rounded to nearest (ties to even) and clamped to `±limit`, as
/// 16-bit integers: a query's traversal weights (`limit ≤ i16::MAX`). Same
/// values on every path; under AVX2 the rounding is one instruction instead
/// of a libm call per element (`round`'s ties-away has no x86 instruction:
/// those calls were 2% of a dense FAQ lookup's instructions).
pub(crate) fn round_weights(xs: &[f32], scale: f32, limit: f32) -> Vec<i16> {
    #[cfg(target_arch = "x86_64")]
    if has_avx2_fma() {
        // SAFETY: `avx2::round_weights` only requires AVX2 and FMA, which the CPU reports just above.
        return unsafe { avx2::round_weights(xs, scale, limit) };
    }
    round_weights_portable(xs, scale, limit)
}

#[inline(always)]
fn round_weights_portable(xs: &[f32], scale: f32, limit: f32) -> Vec<i16> {
    xs.iter()
        .map(|w| (w / scale).round_ties_even().clamp(-limit, limit) as i16)
        .collect()
}

fn dot_i16_u8_portable(a: &[i16], b: &[u8]) -> i32 {
    a.iter()
        .zip(b)
        .map(|(&w, &c)| i32::from(w) * i32::from(c))
        .sum()
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::{
        __m128i, __m256, __m256i, _mm256_add_epi32, _mm256_add_ps, _mm256_castps256_ps128,
        _mm256_castsi256_si128, _mm256_cvtepu8_epi16, _mm256_cvtps_epi32, _mm256_div_ps,
        _mm256_extractf128_ps, _mm256_extracti128_si256, _mm256_fmadd_ps, _mm256_loadu_ps,
        _mm256_loadu_si256, _mm256_madd_epi16, _mm256_max_ps, _mm256_min_ps, _mm256_round_ps,
        _mm256_set1_ps, _mm256_setzero_ps, _mm256_setzero_si256, _mm256_sub_ps, _mm_add_epi32,
        _mm_add_ps, _mm_add_ss, _mm_cvtsi128_si32, _mm_cvtss_f32, _mm_loadu_si128, _mm_movehdup_ps,
        _mm_movehl_ps, _mm_packs_epi32, _mm_shuffle_epi32, _mm_storeu_si128, _MM_FROUND_NO_EXC,
        _MM_FROUND_TO_NEAREST_INT,
    };

    #[target_feature(enable = "avx2,fma")]
    #[inline]
    fn load8(lane: &[f32; 8]) -> __m256 {
        // SAFETY: `lane` is 8 readable floats; `loadu` has no alignment requirement.
        unsafe { _mm256_loadu_ps(lane.as_ptr()) }
    }

    #[target_feature(enable = "avx2,fma")]
    #[inline]
    fn hsum(v: __m256) -> f32 {
        let s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps::<1>(v));
        let s = _mm_add_ps(s, _mm_movehl_ps(s, s));
        _mm_cvtss_f32(_mm_add_ss(s, _mm_movehdup_ps(s)))
    }

    /// Sum over `i < n` of a term of `a[i]` and `b[i]`: `term_v` folds 8 lanes
    /// into an accumulator, four accumulators over 32 elements per step;
    /// `tail` sums the last `n % 8`.
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    fn fold(
        a: &[f32],
        b: &[f32],
        term_v: impl Fn(__m256, __m256, __m256) -> __m256,
        tail: impl Fn(&[f32], &[f32]) -> f32,
    ) -> f32 {
        let n = a.len().min(b.len());
        let (a, b) = (&a[..n], &b[..n]);
        let mut acc = [_mm256_setzero_ps(); 4];
        let ((a32, a), (b32, b)) = (a.as_chunks::<32>(), b.as_chunks::<32>());
        for (x, y) in a32.iter().zip(b32) {
            let (x, y) = (x.as_chunks::<8>().0, y.as_chunks::<8>().0);
            for ((acc, x), y) in acc.iter_mut().zip(x).zip(y) {
                *acc = term_v(load8(x), load8(y), *acc);
            }
        }
        let ((a8, a), (b8, b)) = (a.as_chunks::<8>(), b.as_chunks::<8>());
        for (x, y) in a8.iter().zip(b8) {
            acc[0] = term_v(load8(x), load8(y), acc[0]);
        }
        let total = _mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3]));
        hsum(total) + tail(a, b)
    }

    #[target_feature(enable = "avx2,fma")]
    pub(super) fn dot(a: &[f32], b: &[f32]) -> f32 {
        fold(
            a,
            b,
            |x, y, acc| _mm256_fmadd_ps(x, y, acc),
            |a, b| a.iter().zip(b).map(|(x, y)| x * y).sum(),
        )
    }

    #[target_feature(enable = "avx2,fma")]
    pub(super) fn l2_squared(a: &[f32], b: &[f32]) -> f32 {
        fold(
            a,
            b,
            |x, y, acc| {
                let d = _mm256_sub_ps(x, y);
                _mm256_fmadd_ps(d, d, acc)
            },
            |a, b| a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum(),
        )
    }

    /// 16 bytes widened to 16-bit lanes.
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    fn load16_u8(lane: &[u8; 16]) -> __m256i {
        // SAFETY: `lane` is 16 readable bytes; `loadu` has no alignment requirement.
        _mm256_cvtepu8_epi16(unsafe { _mm_loadu_si128(lane.as_ptr().cast::<__m128i>()) })
    }

    #[target_feature(enable = "avx2,fma")]
    #[inline]
    fn load16_i16(lane: &[i16; 16]) -> __m256i {
        // SAFETY: `lane` is 32 readable bytes; `loadu` has no alignment requirement.
        unsafe { _mm256_loadu_si256(lane.as_ptr().cast::<__m256i>()) }
    }

    /// [`super::round_weights_portable`] 8 lanes at a time: the same IEEE
    /// division, `roundps` to nearest even, the clamp, then an exact
    /// conversion of the (integral, in-range) values and a saturating pack.
    /// The compiler left the portable loop scalar (its `as i16` saturates
    /// and maps NaN to 0 per element). Inputs are finite: NaN would clamp to
    /// `-limit` here, not 0.
    #[target_feature(enable = "avx2,fma")]
    pub(super) fn round_weights(xs: &[f32], scale: f32, limit: f32) -> Vec<i16> {
        let (chunks, tail) = xs.as_chunks::<8>();
        let mut out = Vec::with_capacity(xs.len());
        let (scale_v, lo, hi) = (
            _mm256_set1_ps(scale),
            _mm256_set1_ps(-limit),
            _mm256_set1_ps(limit),
        );
        for chunk in chunks {
            let q = _mm256_div_ps(load8(chunk), scale_v);
            let r = _mm256_round_ps::<{ _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC }>(q);
            let i = _mm256_cvtps_epi32(_mm256_min_ps(_mm256_max_ps(r, lo), hi));
            let packed =
                _mm_packs_epi32(_mm256_castsi256_si128(i), _mm256_extracti128_si256::<1>(i));
            let mut lanes = [0i16; 8];
            // SAFETY: `lanes` is 16 writable bytes; `storeu` has no alignment requirement.
            unsafe { _mm_storeu_si128(lanes.as_mut_ptr().cast::<__m128i>(), packed) };
            out.extend_from_slice(&lanes);
        }
        out.extend(super::round_weights_portable(tail, scale, limit));
        out
    }

    /// `vpmaddwd` over 16 weights and 16 widened codes: pairs of products
    /// summed into 8 `i32` lanes, 3 instructions per 16 dimensions, 128
    /// dimensions per loop step (with 32 per step the loop's own
    /// instructions were a quarter of the kernel's).
    #[target_feature(enable = "avx2,fma")]
    pub(super) fn dot_i16_u8(a: &[i16], b: &[u8]) -> i32 {
        let n = a.len().min(b.len());
        let (a, b) = (&a[..n], &b[..n]);
        let mut acc = [_mm256_setzero_si256(); 4];
        let term = |x: &[i16; 16], y: &[u8; 16]| _mm256_madd_epi16(load16_i16(x), load16_u8(y));
        let ((a128, a), (b128, b)) = (a.as_chunks::<128>(), b.as_chunks::<128>());
        for (x, y) in a128.iter().zip(b128) {
            let (x, y) = (x.as_chunks::<16>().0, y.as_chunks::<16>().0);
            for (i, (x, y)) in x.iter().zip(y).enumerate() {
                acc[i % 4] = _mm256_add_epi32(acc[i % 4], term(x, y));
            }
        }
        let ((a16, a), (b16, b)) = (a.as_chunks::<16>(), b.as_chunks::<16>());
        for (i, (x, y)) in a16.iter().zip(b16).enumerate() {
            acc[i % 2] = _mm256_add_epi32(acc[i % 2], term(x, y));
        }
        let (acc01, acc23) = (
            _mm256_add_epi32(acc[0], acc[1]),
            _mm256_add_epi32(acc[2], acc[3]),
        );
        let total = _mm256_add_epi32(acc01, acc23);
        let s = _mm_add_epi32(
            _mm256_castsi256_si128(total),
            _mm256_extracti128_si256::<1>(total),
        );
        let s = _mm_add_epi32(s, _mm_shuffle_epi32::<0b01_00_11_10>(s));
        let s = _mm_add_epi32(s, _mm_shuffle_epi32::<0b10_11_00_01>(s));
        _mm_cvtsi128_si32(s) + super::dot_i16_u8_portable(a, b)
    }
}

#[inline(always)]
fn dot_portable(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for i in 0..8 {
            acc[i] += x[i] * y[i];
        }
    }
    let mut tail = 0f32;
    for (x, y) in ra.iter().zip(rb) {
        tail += x * y;
    }
    sum8(acc) + tail
}

#[inline(always)]
fn l2_squared_portable(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for i in 0..8 {
            let d = x[i] - y[i];
            acc[i] += d * d;
        }
    }
    let mut tail = 0f32;
    for (x, y) in ra.iter().zip(rb) {
        tail += (x - y) * (x - y);
    }
    sum8(acc) + tail
}

#[inline(always)]
fn sum8(a: [f32; 8]) -> f32 {
    ((a[0] + a[4]) + (a[1] + a[5])) + ((a[2] + a[6]) + (a[3] + a[7]))
}

/// Euclidean norm.
pub(crate) fn norm(v: &[f32]) -> f32 {
    dot(v, v).sqrt()
}

/// Scales `v` to unit length; returns `false` (and leaves `v` alone) for a zero vector.
pub(crate) fn normalize(v: &mut [f32]) -> bool {
    let n = norm(v);
    if n > 0.0 && n.is_finite() {
        v.iter_mut().for_each(|x| *x /= n);
        true
    } else {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounded_weights_match_the_scalar_rounding() {
        let mut xs: Vec<f32> = (0..1000).map(|i| (i as f32 * 0.731).sin() * 40.0).collect();
        // Ties round to even; out-of-range values clamp; a tail of 5.
        xs.extend([0.5, -0.5, 1.5, -2.5, 0.49999997, 1e9, -1e9, 0.0, -0.0, 7.0]);
        xs.extend([3.25; 5]);
        let ties = round_weights(&[0.5, -0.5, 1.5, -2.5], 1.0, 127.0);
        assert_eq!(ties, [0, 0, 2, -2]);
        for (scale, limit) in [(1.0, 127.0), (0.01, 32767.0), (3.0, 5.0)] {
            let expected: Vec<i16> = xs
                .iter()
                .map(|w| (w / scale).round_ties_even().clamp(-limit, limit) as i16)
                .collect();
            assert_eq!(round_weights(&xs, scale, limit), expected);
            assert_eq!(round_weights_portable(&xs, scale, limit), expected);
        }
    }

    #[test]
    fn kernels_match_naive_sums() {
        // Every tail shape of the 32- and 8-float blocks, plus MiniLM's 384.
        for len in (0..=70).chain([127, 128, 129, 144, 255, 256, 384, 389, 400]) {
            let a: Vec<f32> = (0..len).map(|i| (i as f32 * 0.37).sin()).collect();
            let b: Vec<f32> = (0..len).map(|i| (i as f32 * 0.11).cos()).collect();
            let pairs = || {
                a.iter()
                    .zip(&b)
                    .map(|(&x, &y)| (f64::from(x), f64::from(y)))
            };
            let naive_dot: f64 = pairs().map(|(x, y)| x * y).sum();
            let naive_l2: f64 = pairs().map(|(x, y)| (x - y) * (x - y)).sum();
            let tol = 1e-5 * (len as f64 + 1.0);
            assert!(
                (f64::from(dot(&a, &b)) - naive_dot).abs() < tol,
                "dot, len {len}"
            );
            assert!(
                (f64::from(l2_squared(&a, &b)) - naive_l2).abs() < tol,
                "l2, len {len}"
            );
            assert!((f64::from(dot_portable(&a, &b)) - naive_dot).abs() < tol);
            assert!((f64::from(l2_squared_portable(&a, &b)) - naive_l2).abs() < tol);
        }
    }

    #[test]
    fn integer_kernel_matches_exact_sums() {
        // Every tail shape of the 128- and 16-lane blocks, MiniLM's 384, and
        // extreme weights (the caller's bound allows |w| = 16383 at dim 384).
        for len in (0..=70).chain([127, 128, 129, 144, 255, 256, 384, 389, 400]) {
            for extreme in [false, true] {
                let a: Vec<i16> = (0..len)
                    .map(|i| match extreme {
                        true if i % 2 == 0 => 16383,
                        true => -16383,
                        false => ((i * 7919) % 32001) as i16 - 16000,
                    })
                    .collect();
                let b: Vec<u8> = (0..len).map(|i| (i * 97 % 256) as u8).collect();
                let exact: i64 = a
                    .iter()
                    .zip(&b)
                    .map(|(&w, &c)| i64::from(w) * i64::from(c))
                    .sum();
                assert_eq!(i64::from(dot_i16_u8(&a, &b)), exact, "len {len}");
                assert_eq!(i64::from(dot_i16_u8_portable(&a, &b)), exact);
            }
        }
    }

    #[test]
    fn kernels_use_the_shorter_length() {
        let a = [1.0f32; 40];
        let b = [2.0f32; 33];
        assert_eq!(dot(&a, &b), 66.0);
        assert_eq!(l2_squared(&a, &b), 33.0);
    }

    #[test]
    fn normalize_refuses_zero() {
        let mut z = vec![0.0; 5];
        assert!(!normalize(&mut z));
        let mut v = vec![3.0, 4.0];
        assert!(normalize(&mut v));
        assert!((norm(&v) - 1.0).abs() < 1e-6);
    }
}
