//! Dense-layer weights packed for thin matrix products, and the product itself.
//!
//! A query is ~10–30 tokens, so each dense layer is a product of a thin
//! `rows x k` activation matrix with a wide `k x n` weight matrix. A general
//! GEMM packs (copies) the weights on every call and tiles for square shapes;
//! here the weights are packed **once, at load**, into column panels of
//! [`PANEL`] values (panel `p` holds columns `16p..16p+16` of every weight row,
//! contiguous, zero-padded past `n`), and the product streams each panel once
//! while all activation rows stay in cache. On x86-64 with AVX2 and FMA the
//! micro-kernel keeps a `6 x 16` tile in twelve registers; elsewhere a portable
//! loop computes the same sums.

use rayon::prelude::*;

use crate::error::{Error, Result};

/// Columns per packed panel (two AVX registers).
pub(crate) const PANEL: usize = 16;
/// Activation rows per micro-kernel call.
const TILE_ROWS: usize = 6;
/// Rows of the activation matrix kept hot while the panels stream past: bounds
/// the cache footprint of long sequences (48 x 1536 floats = 288 KiB).
const ROW_GROUP: usize = 48;
/// Multiply-adds below which a product is not split across threads.
const PARALLEL_MIN_WORK: usize = 1 << 20;

/// A `k x n` matrix stored in column panels of [`PANEL`] values.
#[derive(Debug, Clone)]
pub(crate) struct PackedMatrix {
    data: Vec<f32>,
    k: usize,
    n: usize,
}

impl PackedMatrix {
    /// Packs a row-major `k x n` matrix.
    pub(crate) fn from_row_major(values: &[f32], k: usize, n: usize) -> Result<PackedMatrix> {
        if values.len() != k * n {
            return Err(Error::Embedding(format!(
                "internal error: {} values for a {k}x{n} matrix",
                values.len()
            )));
        }
        let panels = n.div_ceil(PANEL);
        let mut data = vec![0.0f32; panels * k * PANEL];
        for (p, panel) in data.chunks_exact_mut(k * PANEL).enumerate() {
            let first = p * PANEL;
            let width = PANEL.min(n - first);
            for (row, packed) in panel.chunks_exact_mut(PANEL).enumerate() {
                let start = row * n + first;
                packed[..width].copy_from_slice(&values[start..start + width]);
            }
        }
        Ok(PackedMatrix { data, k, n })
    }

    /// Columns (the output width).
    pub(crate) fn n(&self) -> usize {
        self.n
    }

    fn panel(&self, p: usize) -> &[f32] {
        &self.data[p * self.k * PANEL..(p + 1) * self.k * PANEL]
    }

    fn panels(&self) -> usize {
        self.n.div_ceil(PANEL)
    }
}

/// `out += x * w` for a row-major `rows x w.k()` matrix `x` and a row-major
/// `rows x w.n()` matrix `out`. With `parallel`, large products split their
/// panels over the rayon pool.
pub(crate) fn matmul_packed_add(
    out: &mut [f32],
    x: &[f32],
    rows: usize,
    w: &PackedMatrix,
    parallel: bool,
) -> Result<()> {
    if x.len() != rows * w.k || out.len() != rows * w.n {
        return Err(Error::Embedding(format!(
            "internal error: a {rows}x{} by {}x{} product does not fit its buffers",
            x.len() / rows.max(1),
            w.k,
            w.n
        )));
    }
    if rows == 0 || w.n == 0 {
        return Ok(());
    }
    let kernel = Kernel::detect();
    let panels = w.panels();
    let work = rows * w.k * w.n;
    let threads = rayon::current_num_threads();
    if !parallel || threads < 2 || work < PARALLEL_MIN_WORK || panels < 2 {
        let target = OutPtr(out.as_mut_ptr());
        // SAFETY: one caller owns `out` mutably and writes every panel once.
        unsafe { product_panels(kernel, target, x, rows, w, 0..panels) };
        return Ok(());
    }
    let per_task = panels.div_ceil(threads);
    let target = OutPtr(out.as_mut_ptr());
    (0..panels)
        .step_by(per_task)
        .collect::<Vec<_>>()
        .into_par_iter()
        .for_each(|first| {
            let range = first..(first + per_task).min(panels);
            // SAFETY: tasks get disjoint panel ranges, so they write disjoint
            // columns of `out`, which stays borrowed mutably for the whole call.
            unsafe { product_panels(kernel, target, x, rows, w, range) };
        });
    Ok(())
}

/// A raw pointer to the output rows, shared by tasks that write disjoint columns.
#[derive(Clone, Copy)]
struct OutPtr(*mut f32);
// SAFETY: see `matmul_packed_add`: concurrent writers touch disjoint elements.
unsafe impl Send for OutPtr {}
unsafe impl Sync for OutPtr {}

/// Which micro-kernel this CPU runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kernel {
    Portable,
    #[cfg(target_arch = "x86_64")]
    Avx2Fma,
}

impl Kernel {
    fn detect() -> Kernel {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2")
                && std::arch::is_x86_feature_detected!("fma")
            {
                return Kernel::Avx2Fma;
            }
        }
        Kernel::Portable
    }
}

/// Computes the output columns of `panels` for all rows.
///
/// # Safety
/// `out` points to a `rows x w.n()` row-major buffer; no one else writes the
/// columns of `panels` meanwhile.
unsafe fn product_panels(
    kernel: Kernel,
    out: OutPtr,
    x: &[f32],
    rows: usize,
    w: &PackedMatrix,
    panels: std::ops::Range<usize>,
) {
    let k = w.k;
    for group in (0..rows).step_by(ROW_GROUP) {
        let group_end = (group + ROW_GROUP).min(rows);
        for p in panels.clone() {
            let panel = w.panel(p);
            let first_col = p * PANEL;
            let cols = PANEL.min(w.n - first_col);
            for row in (group..group_end).step_by(TILE_ROWS) {
                let rows = TILE_ROWS.min(group_end - row);
                let tile = Tile {
                    a: &x[row * k..(row + rows) * k],
                    rows,
                    k,
                    panel,
                    dst: out.0.add(row * w.n + first_col),
                    ld: w.n,
                    cols,
                };
                run_tile(kernel, &tile);
            }
        }
    }
}

/// One micro-kernel call: `dst[r][c] += sum_i a[r][i] * panel[i][c]` for
/// `r < rows`, `c < cols`, where `a` holds `rows x k` values, `panel` `k x PANEL`,
/// and `dst` points to `rows` output rows of at least `cols` writable values,
/// `ld` apart.
struct Tile<'a> {
    a: &'a [f32],
    rows: usize,
    k: usize,
    panel: &'a [f32],
    dst: *mut f32,
    ld: usize,
    cols: usize,
}

/// Runs one tile on the CPU's micro-kernel.
///
/// # Safety
/// `tile.dst` satisfies the contract of [`Tile`] and no one else writes it meanwhile.
#[inline]
unsafe fn run_tile(kernel: Kernel, tile: &Tile) {
    debug_assert!(tile.a.len() == tile.rows * tile.k && tile.panel.len() == tile.k * PANEL);
    match kernel {
        #[cfg(target_arch = "x86_64")]
        Kernel::Avx2Fma => match tile.rows {
            1 => avx::tile::<1>(tile),
            2 => avx::tile::<2>(tile),
            3 => avx::tile::<3>(tile),
            4 => avx::tile::<4>(tile),
            5 => avx::tile::<5>(tile),
            _ => avx::tile::<6>(tile),
        },
        Kernel::Portable => portable_tile(tile),
    }
}

/// The portable micro-kernel: one output row at a time, 16 lanes wide (the
/// compiler vectorises the inner loop).
///
/// # Safety
/// As [`run_tile`].
unsafe fn portable_tile(tile: &Tile) {
    let k = tile.k;
    for r in 0..tile.rows {
        let mut acc = [0.0f32; PANEL];
        let row = &tile.a[r * k..(r + 1) * k];
        for (value, weights) in row.iter().zip(tile.panel.chunks_exact(PANEL)) {
            for (sum, w) in acc.iter_mut().zip(weights) {
                *sum += value * w;
            }
        }
        let out = std::slice::from_raw_parts_mut(tile.dst.add(r * tile.ld), tile.cols);
        for (o, sum) in out.iter_mut().zip(acc) {
            *o += sum;
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod avx {
    use std::arch::x86_64::*;

    use super::{Tile, PANEL};

    /// The AVX2/FMA micro-kernel for `R = tile.rows` rows: `2R` accumulators of 8 lanes.
    ///
    /// # Safety
    /// The CPU supports AVX2 and FMA; the contract of [`super::run_tile`].
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn tile<const R: usize>(tile: &Tile) {
        let Tile {
            a,
            k,
            panel,
            dst,
            ld,
            cols,
            ..
        } = *tile;
        let mut acc = [[_mm256_setzero_ps(); 2]; R];
        let a_ptr = a.as_ptr();
        let mut b_ptr = panel.as_ptr();
        for i in 0..k {
            let b0 = _mm256_loadu_ps(b_ptr);
            let b1 = _mm256_loadu_ps(b_ptr.add(8));
            for (r, acc_row) in acc.iter_mut().enumerate() {
                let value = _mm256_broadcast_ss(&*a_ptr.add(r * k + i));
                acc_row[0] = _mm256_fmadd_ps(value, b0, acc_row[0]);
                acc_row[1] = _mm256_fmadd_ps(value, b1, acc_row[1]);
            }
            b_ptr = b_ptr.add(PANEL);
        }
        for (r, acc_row) in acc.iter().enumerate() {
            let out = dst.add(r * ld);
            if cols == PANEL {
                _mm256_storeu_ps(out, _mm256_add_ps(_mm256_loadu_ps(out), acc_row[0]));
                _mm256_storeu_ps(
                    out.add(8),
                    _mm256_add_ps(_mm256_loadu_ps(out.add(8)), acc_row[1]),
                );
            } else {
                let mut sums = [0.0f32; PANEL];
                _mm256_storeu_ps(sums.as_mut_ptr(), acc_row[0]);
                _mm256_storeu_ps(sums.as_mut_ptr().add(8), acc_row[1]);
                for (c, sum) in sums.iter().take(cols).enumerate() {
                    *out.add(c) += sum;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(x: &[f32], rows: usize, w: &[f32], k: usize, n: usize) -> Vec<f32> {
        let mut out = vec![0.0f32; rows * n];
        for r in 0..rows {
            for c in 0..n {
                out[r * n + c] = (0..k).map(|i| x[r * k + i] * w[i * n + c]).sum();
            }
        }
        out
    }

    fn values(len: usize, seed: u32) -> Vec<f32> {
        // Small integers: sums are exact in f32 whatever the order.
        (0..len as u32)
            .map(|i| ((i.wrapping_mul(2_654_435_761).wrapping_add(seed) >> 7) % 9) as f32 - 4.0)
            .collect()
    }

    fn check(rows: usize, k: usize, n: usize, parallel: bool, kernel: Option<Kernel>) {
        let x = values(rows * k, 1);
        let w = values(k * n, 2);
        let packed = PackedMatrix::from_row_major(&w, k, n).unwrap();
        let start = values(rows * n, 3);
        let mut out = start.clone();
        match kernel {
            None => matmul_packed_add(&mut out, &x, rows, &packed, parallel).unwrap(),
            Some(kernel) => unsafe {
                product_panels(
                    kernel,
                    OutPtr(out.as_mut_ptr()),
                    &x,
                    rows,
                    &packed,
                    0..packed.panels(),
                )
            },
        }
        let expected: Vec<f32> = naive(&x, rows, &w, k, n)
            .iter()
            .zip(&start)
            .map(|(p, s)| p + s)
            .collect();
        assert_eq!(out, expected, "rows {rows} k {k} n {n} parallel {parallel}");
    }

    #[test]
    fn packed_product_matches_naive_on_every_tile_shape() {
        for rows in [1, 2, 5, 6, 7, 13, 28, 49, 100] {
            for (k, n) in [(1, 1), (3, 15), (8, 16), (17, 33), (64, 48), (384, 100)] {
                check(rows, k, n, false, None);
                check(rows, k, n, true, None);
                check(rows, k, n, false, Some(Kernel::Portable));
            }
        }
    }

    #[test]
    fn large_products_split_across_threads_still_add_exactly_once() {
        // Above PARALLEL_MIN_WORK, with a ragged last panel.
        check(28, 384, 1_153, true, None);
        check(3, 1_536, 400, true, None);
    }

    #[test]
    fn mismatched_buffers_are_an_error_not_a_panic() {
        let packed = PackedMatrix::from_row_major(&[1.0; 6], 2, 3).unwrap();
        let mut out = vec![0.0; 3];
        assert!(matmul_packed_add(&mut out, &[1.0; 3], 1, &packed, false).is_err());
        assert!(PackedMatrix::from_row_major(&[1.0; 5], 2, 3).is_err());
        assert_eq!(packed.n(), 3);
    }
}
