//! An 8-bit copy of the graph's rows that the HNSW traversal reads.
//!
//! A graph search is bound by memory traffic: each visited node costs one
//! row read (24 cache lines for a 384-d `f32` row), and a search visits
//! ~1–2k nodes. Here each component is stored in one byte, affinely per
//! dimension (`x ≈ lo[d] + step[d] * code`, FAISS's `SQ8`), a quarter of the
//! `f32` bytes, and the traversal's distances are computed from the codes.
//! The nodes a search returns are then rescored from the exact rows, so
//! scores stay exact; the codes only steer the traversal.
//!
//! Ranges come from a sample of rows with the extreme 0.1% of each
//! dimension's values left out (at least one value on each side once the
//! sample has 256 rows): one outlying vector must not take a dimension's
//! whole resolution (with min/max ranges, one vector at 1e5 in a dimension
//! where the rest lie in ±1 gave every other row the same code there, and
//! a search for the outlier no longer found it). Values beyond the ranges
//! are clamped: clamping keeps their order, and scores are exact anyway.
//!
//! The copy covers the graph's slots and is derived data: built when the
//! graph is (re-)extracted and on load, never persisted. Rows are immutable
//! once stored, so codes never go stale; rows appended later extend the copy
//! with the same ranges until the rows have doubled since the ranges were
//! drawn, then the copy is rebuilt.
//!
//! The codes start at a cache-line boundary, so a row of a multiple of 64
//! dimensions (384, 768, 1024...) fills whole lines: a heap buffer is only
//! 16-byte aligned, and a 384-byte row then spanned 7 lines instead of 6.

use super::config::Metric;
use super::kernels;
use super::store::VectorStore;

/// Per-dimension 8-bit codes of rows `0..len()` of a store.
///
/// Not `Clone`: a copied buffer keeps `origin` but not the alignment it
/// stands for (rebuild or `refresh` instead).
#[derive(Debug)]
pub(crate) struct QuantizedRows {
    dim: usize,
    lo: Vec<f32>,
    step: Vec<f32>,
    /// `origin` unused bytes, then `len * dim` codes, row-major.
    codes: Vec<u8>,
    /// Where the codes start in `codes`: the first 64-byte boundary.
    origin: usize,
    /// Per row, `Σ (step[d] * code[d])²`: the row's part of a squared L2
    /// distance (kept for [`Metric::L2`] only).
    sq_norms: Vec<f32>,
    /// Per row, an upper bound of `‖x - x̂‖₂`, the distance between the row
    /// and its reconstruction `lo + step * code` (clamped values included):
    /// what bounds the error of an approximate distance (see
    /// [`QuantizedRows::error_bound`]).
    residuals: Vec<f32>,
    metric: Metric,
    /// Rows when the ranges were drawn.
    ranged_rows: u32,
    /// The integer kernel, which this CPU has (codes are only built then).
    kernel: kernels::U8Kernel,
}

/// Cache-line size in bytes: where the codes start.
const LINE: usize = 64;
/// Rows sampled (evenly spaced) to draw the per-dimension ranges.
const RANGE_SAMPLE: usize = 4096;
/// Fraction of each dimension's sampled values left out at either end.
const TRIM: f64 = 0.001;
/// Samples from which at least one value is left out at either end.
const TRIM_FROM: usize = 256;

/// A query prepared for [`QuantizedRows::distance`]: the distance to a row is
/// `offset + scale * (weights · codes) (+ sq_norm for L2)`, the dot product in
/// integers.
#[derive(Clone, Debug)]
pub(crate) struct QuantizedQuery {
    /// The query's per-dimension weights rounded to `scale` units; at most
    /// [`weight_limit`] in magnitude, so the integer sum cannot overflow.
    weights: Vec<i16>,
    scale: f32,
    offset: f32,
    /// `‖q‖₂` of the (metric-prepared) query.
    norm: f32,
    /// Bound of what rounding the weights changes in a distance:
    /// `scale / 2 * 255 * dim`.
    rounding: f32,
}

/// Largest weight magnitude at which `dim` products with codes up to 255 sum
/// within `i32`: 16383 up to 525 dimensions (15 bits, far finer than the
/// codes' 8), fewer bits beyond.
fn weight_limit(dim: usize) -> i32 {
    let fits = i32::MAX as usize / (255 * dim.max(1));
    fits.min(16383) as i32
}

/// Below this weight resolution (past ~66k dimensions) the traversal reads
/// the `f32` rows instead of the codes.
const MIN_WEIGHT_LIMIT: i32 = 127;

impl QuantizedRows {
    /// Codes for rows `0..rows` of `store`, or `None` on CPUs without the
    /// 8-bit kernel or when a range is not finite (the traversal then reads
    /// the `f32` rows).
    pub(crate) fn build(store: &VectorStore, metric: Metric, rows: u32) -> Option<Self> {
        let dim = store.dim();
        let kernel = kernels::U8Kernel::detect()?;
        if rows == 0 || weight_limit(dim) < MIN_WEIGHT_LIMIT {
            return None;
        }
        let (lo, hi) = ranges(store, rows);
        let step: Vec<f32> = lo.iter().zip(&hi).map(|(l, h)| (h - l) / 255.0).collect();
        if lo.iter().chain(&step).any(|v| !v.is_finite()) {
            return None;
        }
        let mut out = QuantizedRows {
            dim,
            lo,
            step,
            codes: Vec::new(),
            origin: 0,
            sq_norms: Vec::new(),
            residuals: Vec::with_capacity(rows as usize),
            metric,
            ranged_rows: rows,
            kernel,
        };
        out.append(store, 0..rows);
        Some(out)
    }

    /// Extends the codes to rows `0..rows` with the current ranges while the
    /// rows have at most doubled since they were drawn; otherwise (or when
    /// there is no copy yet) rebuilds from scratch.
    pub(crate) fn refresh(
        this: Option<Self>,
        store: &VectorStore,
        metric: Metric,
        rows: u32,
    ) -> Option<Self> {
        match this {
            Some(mut q)
                if q.metric == metric
                    && q.len() <= rows
                    && u64::from(rows) <= 2 * u64::from(q.ranged_rows) =>
            {
                let from = q.len();
                q.append(store, from..rows);
                Some(q)
            }
            _ => Self::build(store, metric, rows),
        }
    }

    /// Number of rows covered.
    pub(crate) fn len(&self) -> u32 {
        ((self.codes.len() - self.origin) / self.dim.max(1)) as u32
    }

    /// Makes room for `extra` more bytes of codes, keeping them aligned.
    fn reserve(&mut self, extra: usize) {
        if self.codes.capacity() - self.codes.len() >= extra {
            return;
        }
        let used = &self.codes[self.origin..];
        let mut moved: Vec<u8> =
            Vec::with_capacity(LINE + (used.len() + extra).max(2 * used.len()));
        // `align_offset` may in principle decline (usize::MAX): the codes
        // then start unaligned, which costs speed only.
        let origin = match moved.as_ptr().align_offset(LINE) {
            offset if offset < LINE => offset,
            _ => 0,
        };
        moved.resize(origin, 0);
        moved.extend_from_slice(used);
        self.codes = moved;
        self.origin = origin;
    }

    fn append(&mut self, store: &VectorStore, slots: std::ops::Range<u32>) {
        self.reserve(slots.len() * self.dim);
        for slot in slots {
            let row = store.row(slot);
            let start = self.codes.len();
            self.codes
                .extend(
                    row.iter()
                        .zip(self.lo.iter().zip(&self.step))
                        .map(|(&x, (&l, &s))| {
                            if s > 0.0 {
                                ((x - l) / s).round().clamp(0.0, 255.0) as u8
                            } else {
                                0
                            }
                        }),
                );
            let codes = &self.codes[start..];
            self.residuals
                .push(residual(row, codes, &self.lo, &self.step));
            if self.metric == Metric::L2 {
                let norm = codes
                    .iter()
                    .zip(&self.step)
                    .map(|(&c, &s)| (s * f32::from(c)) * (s * f32::from(c)))
                    .sum();
                self.sq_norms.push(norm);
            }
        }
    }

    /// The codes of one row.
    #[inline]
    pub(crate) fn row(&self, slot: u32) -> &[u8] {
        let start = self.start(slot);
        &self.codes[start..start + self.dim]
    }

    /// Where a row's codes start in `codes` (not checked: [`row`](Self::row)
    /// slices there, [`prefetch`](Self::prefetch) only hints).
    #[inline(always)]
    fn start(&self, slot: u32) -> usize {
        self.origin
            .wrapping_add((slot as usize).wrapping_mul(self.dim))
    }

    /// Asks the CPU to start loading one row's codes (see
    /// [`prefetch_bytes`](super::graph::prefetch_bytes)): the address is
    /// computed, not sliced, so an out-of-range slot costs nothing here and
    /// fails in [`row`](Self::row) as before.
    #[inline(always)]
    pub(crate) fn prefetch(&self, slot: u32) {
        let start = self.codes.as_ptr().wrapping_add(self.start(slot));
        super::graph::prefetch_bytes(start.cast(), self.dim);
    }

    /// Prepares a (metric-prepared) query.
    pub(crate) fn prepare(&self, query: &[f32]) -> QuantizedQuery {
        let (weights, offset): (Vec<f32>, f32) = match self.metric {
            // -q·x ≈ -(q·lo + Σ q[d] step[d] code[d])
            Metric::Cosine | Metric::Dot => (
                query.iter().zip(&self.step).map(|(q, s)| -q * s).collect(),
                -kernels::dot(query, &self.lo),
            ),
            // |q - x|² ≈ |a|² - 2 Σ a[d] step[d] code[d] + Σ (step[d] code[d])², a = q - lo
            Metric::L2 => {
                let a: Vec<f32> = query.iter().zip(&self.lo).map(|(q, l)| q - l).collect();
                let weights = a
                    .iter()
                    .zip(&self.step)
                    .map(|(a, s)| -2.0 * a * s)
                    .collect();
                (weights, kernels::dot(&a, &a))
            }
        };
        let largest = weights.iter().fold(0f32, |m, w| m.max(w.abs()));
        let limit = weight_limit(self.dim);
        let scale = if largest > 0.0 && largest.is_finite() {
            largest / limit as f32
        } else {
            1.0
        };
        let weights = kernels::round_weights(&weights, scale, limit as f32);
        QuantizedQuery {
            weights,
            scale,
            offset,
            norm: kernels::norm(query),
            rounding: scale * 0.5 * 255.0 * self.dim as f32,
        }
    }

    /// The approximate internal distance (see [`Metric::distance`]) of a row.
    #[inline]
    pub(crate) fn distance(&self, query: &QuantizedQuery, slot: u32) -> f32 {
        let dot = self.kernel.dot(&query.weights, self.row(slot));
        let d = query.offset + query.scale * dot as f32;
        match self.metric {
            Metric::L2 => d + self.sq_norms[slot as usize],
            Metric::Cosine | Metric::Dot => d,
        }
    }

    /// An upper bound of `|distance(query, slot) - exact|`, where `approx` is
    /// [`distance`](Self::distance)`(query, slot)` and `exact` the internal
    /// distance from the `f32` row (see [`Metric::distance`]).
    ///
    /// With `x̂` the row's reconstruction, `r = ‖x - x̂‖` its stored residual and
    /// `ρ` the weights' rounding bound: under cosine and dot `|q·x - q·x̂| ≤
    /// ‖q‖ r` (Cauchy–Schwarz); under L2 `|‖q-x‖² - ‖q-x̂‖²| ≤ r (2‖q-x̂‖ + r)`
    /// with `‖q-x̂‖² ≤ approx + ρ`. A relative slack covers `f32` rounding in
    /// the sums.
    #[inline]
    pub(crate) fn error_bound(&self, query: &QuantizedQuery, slot: u32, approx: f32) -> f32 {
        let r = self.residuals[slot as usize];
        let rho = query.rounding;
        let bound = match self.metric {
            Metric::Cosine | Metric::Dot => query.norm * r + rho,
            Metric::L2 => {
                let reach = (approx + rho).max(0.0).sqrt();
                r * (2.0 * reach + r) + rho
            }
        };
        let slack = 1e-4 * (1.0 + approx.abs() + query.offset.abs());
        bound * 1.001 + slack
    }
}

/// `‖x - x̂‖₂` computed in `f64`, rounded up to the next `f32`.
fn residual(row: &[f32], codes: &[u8], lo: &[f32], step: &[f32]) -> f32 {
    let sum: f64 = row
        .iter()
        .zip(codes)
        .zip(lo.iter().zip(step))
        .map(|((&x, &c), (&l, &s))| {
            let rebuilt = f64::from(l) + f64::from(s) * f64::from(c);
            (f64::from(x) - rebuilt).powi(2)
        })
        .sum();
    let r = sum.sqrt() as f32;
    if f64::from(r) < sum.sqrt() {
        r.next_up()
    } else {
        r
    }
}

/// Per-dimension `(lo, hi)` over an evenly spaced sample of rows `0..rows`,
/// leaving out the extreme [`TRIM`] of the values at either end.
fn ranges(store: &VectorStore, rows: u32) -> (Vec<f32>, Vec<f32>) {
    let dim = store.dim();
    let step = (rows as usize).div_ceil(RANGE_SAMPLE).max(1);
    let sample: Vec<u32> = (0..rows).step_by(step).collect();
    let m = sample.len();
    let trim = if m >= TRIM_FROM {
        ((m as f64 * TRIM) as usize).max(1)
    } else {
        0
    };
    let mut values = vec![0f32; m];
    let (mut lo, mut hi) = (Vec::with_capacity(dim), Vec::with_capacity(dim));
    for d in 0..dim {
        for (v, &slot) in values.iter_mut().zip(&sample) {
            *v = store.row(slot)[d];
        }
        let (_, low, _) = values.select_nth_unstable_by(trim, f32::total_cmp);
        lo.push(*low);
        let (_, high, _) = values.select_nth_unstable_by(m - 1 - trim, f32::total_cmp);
        hi.push(*high);
    }
    (lo, hi)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::DocId;

    fn store(rows: &[Vec<f32>]) -> VectorStore {
        let mut s = VectorStore::new(rows[0].len());
        for (i, r) in rows.iter().enumerate() {
            s.push(DocId(i as u32), r);
        }
        s
    }

    fn rows(n: usize, dim: usize, scale: f32) -> Vec<Vec<f32>> {
        (0..n)
            .map(|i| {
                (0..dim)
                    .map(|d| ((i * 31 + d * 7) as f32 * 0.173).sin() * scale)
                    .collect()
            })
            .collect()
    }

    #[test]
    fn quantized_distances_are_close_to_exact_ones_for_every_metric() {
        if !kernels::has_u8() {
            return;
        }
        let data = rows(50, 37, 3.0);
        let s = store(&data);
        let query: Vec<f32> = (0..37).map(|d| (d as f32 * 0.41).cos()).collect();
        for metric in [Metric::Cosine, Metric::Dot, Metric::L2] {
            let q = QuantizedRows::build(&s, metric, 50).unwrap();
            let prepared = q.prepare(&query);
            for slot in 0..50u32 {
                let exact = metric.distance(&query, s.row(slot));
                let approx = q.distance(&prepared, slot);
                // Each component is off by at most step/2 = 6/510.
                let bound = 37.0 * (6.0 / 510.0) * (1.0 + 3.0 + 2.0 * 3.0);
                assert!(
                    (exact - approx).abs() <= bound,
                    "{metric:?} slot {slot}: {exact} vs {approx}"
                );
            }
        }
    }

    #[test]
    fn error_bounds_hold_for_every_row_metric_and_outlier() {
        if !kernels::has_u8() {
            return;
        }
        let mut data = rows(300, 24, 2.0);
        data[5][7] = 400.0; // clamped: its reconstruction is far off
        data[9][0] = -1e3;
        let s = store(&data);
        for metric in [Metric::Cosine, Metric::Dot, Metric::L2] {
            let q = QuantizedRows::build(&s, metric, 300).unwrap();
            for (i, raw) in data.iter().step_by(13).chain([&data[5]]).enumerate() {
                let query = match metric {
                    Metric::Cosine => metric.prepare(24, raw).unwrap(),
                    _ => raw.iter().map(|x| x * (1.0 + i as f32 * 0.1)).collect(),
                };
                let prepared = q.prepare(&query);
                for slot in 0..300u32 {
                    let exact = metric.distance(&query, s.row(slot));
                    let approx = q.distance(&prepared, slot);
                    let bound = q.error_bound(&prepared, slot, approx);
                    assert!(
                        (exact - approx).abs() <= bound,
                        "{metric:?} query {i} slot {slot}: |{exact} - {approx}| > {bound}"
                    );
                }
            }
            // Rows inside the ranges have tight bounds; the clamped one a loose one.
            assert!(
                q.residuals[5] > 100.0 && q.residuals[1] < 0.2,
                "{:?}",
                &q.residuals[..6]
            );
        }
    }

    #[test]
    fn appended_rows_extend_until_doubled_then_rebuild() {
        if !kernels::has_u8() {
            return;
        }
        let data = rows(20, 8, 1.0);
        let mut s = store(&data);
        let q = QuantizedRows::build(&s, Metric::L2, 20).unwrap();
        let (lo, step) = (q.lo.clone(), q.step.clone());
        // Appended rows reuse the ranges, clamping what lies beyond them.
        s.push(DocId(20), &data[3]);
        s.push(DocId(21), &[50.0; 8]);
        let q = QuantizedRows::refresh(Some(q), &s, Metric::L2, 22).unwrap();
        assert_eq!((q.len(), &q.lo, &q.step), (22, &lo, &step));
        assert_eq!(q.row(20), q.row(3));
        assert!(q.row(21).iter().all(|&c| c == 255));
        // Past twice the rows the ranges were drawn from: drawn again.
        for i in 22..41 {
            s.push(DocId(i), &[50.0; 8]);
        }
        let q = QuantizedRows::refresh(Some(q), &s, Metric::L2, 41).unwrap();
        assert_eq!(q.len(), 41);
        assert!(q.step.iter().zip(&step).all(|(new, old)| new > old));
        let prepared = q.prepare(&[50.0; 8]);
        // Row 40 lies on the top code in every dimension; what remains is the
        // query weights' rounding: 8 dims * 255 * half a unit of
        // |w|/16383 with |w| = 2 * 51 * 51/255 ≈ 20.4, about 1.27.
        assert!(q.distance(&prepared, 40).abs() < 1.3);
        assert!(q.distance(&prepared, 0) > 100.0 * 1.3);
    }

    #[test]
    fn rows_of_whole_lines_start_on_line_boundaries_after_appends() {
        if !kernels::has_u8() {
            return;
        }
        let data = rows(300, 64, 1.0);
        let mut s = store(&data[..10]);
        let mut q = QuantizedRows::build(&s, Metric::Cosine, 10).unwrap();
        // Appends that outgrow the buffer move the codes: they stay aligned
        // and equal to the codes of the same rows before the move.
        for (i, row) in data.iter().enumerate().skip(10).take(10) {
            let before: Vec<Vec<u8>> = (0..q.len()).map(|r| q.row(r).to_vec()).collect();
            s.push(DocId(i as u32), row);
            q = QuantizedRows::refresh(Some(q), &s, Metric::Cosine, i as u32 + 1).unwrap();
            assert_eq!(q.len(), i as u32 + 1);
            for (r, codes) in before.iter().enumerate() {
                assert_eq!(q.row(r as u32), &codes[..], "row {r} after {i} rows");
            }
            for r in 0..q.len() {
                assert_eq!(
                    q.row(r).as_ptr() as usize % LINE,
                    0,
                    "row {r} after {i} rows"
                );
            }
        }
    }

    #[test]
    fn one_outlier_does_not_take_a_dimension_s_resolution() {
        if !kernels::has_u8() {
            return;
        }
        let mut data = rows(400, 4, 1.0);
        data[17][2] = 1e5;
        let q = QuantizedRows::build(&store(&data), Metric::L2, 400).unwrap();
        assert!(q.step[2] < 2.0 / 255.0 * 1.01, "step {}", q.step[2]);
        assert_eq!(q.row(17)[2], 255);
    }

    #[test]
    fn constant_dimensions_and_non_finite_ranges() {
        if !kernels::has_u8() {
            return;
        }
        let s = store(&[vec![1.0, 2.0], vec![1.0, -2.0]]);
        let q = QuantizedRows::build(&s, Metric::Dot, 2).unwrap();
        let prepared = q.prepare(&[3.0, 1.0]);
        assert!((q.distance(&prepared, 0) - -5.0).abs() < 1e-5);
        assert!((q.distance(&prepared, 1) - -1.0).abs() < 1e-5);
        let s = store(&[vec![f32::MAX, 0.0], vec![-f32::MAX, 0.0]]);
        assert!(QuantizedRows::build(&s, Metric::Dot, 2).is_none());
    }
}
