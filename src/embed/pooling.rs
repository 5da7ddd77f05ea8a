//! From token vectors to one sentence vector: pooling, window pooling, normalisation.

use crate::embed::long_text::WindowPool;
use crate::embed::model_dir::Pooling;

/// Pools `tokens` (row-major, `width` columns, at least one row) into one vector.
pub(crate) fn pool_tokens(tokens: &[f32], width: usize, pooling: Pooling) -> Vec<f32> {
    let rows = tokens.chunks_exact(width);
    let count = rows.len().max(1) as f32;
    match pooling {
        Pooling::Cls => tokens
            .get(..width)
            .map(<[f32]>::to_vec)
            .unwrap_or_else(|| vec![0.0; width]),
        Pooling::Max => {
            let mut out = vec![f32::NEG_INFINITY; width];
            for row in rows {
                out.iter_mut().zip(row).for_each(|(o, v)| *o = o.max(*v));
            }
            out
        }
        Pooling::Mean | Pooling::MeanSqrtLen => {
            let mut out = vec![0.0f32; width];
            for row in rows {
                out.iter_mut().zip(row).for_each(|(o, v)| *o += v);
            }
            let divisor = if pooling == Pooling::Mean {
                count
            } else {
                count.sqrt()
            };
            out.iter_mut().for_each(|o| *o /= divisor);
            out
        }
    }
}

/// Combines window vectors of one text (at least one) into one vector.
pub(crate) fn pool_windows(windows: &[Vec<f32>], pool: WindowPool) -> Vec<f32> {
    let width = windows.first().map_or(0, Vec::len);
    match pool {
        WindowPool::Mean => {
            let mut out = vec![0.0f32; width];
            for w in windows {
                out.iter_mut().zip(w).for_each(|(o, v)| *o += v);
            }
            let count = windows.len().max(1) as f32;
            out.iter_mut().for_each(|o| *o /= count);
            out
        }
        WindowPool::Max => {
            let mut out = vec![f32::NEG_INFINITY; width];
            for w in windows {
                out.iter_mut().zip(w).for_each(|(o, v)| *o = o.max(*v));
            }
            out
        }
    }
}

/// Scales `v` to unit L2 norm (sentence-transformers' `Normalize`: norm clamped at 1e-12).
pub(crate) fn normalize(v: &mut [f32]) {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12);
    v.iter_mut().for_each(|x| *x /= norm);
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKENS: [f32; 6] = [1.0, -2.0, 3.0, 4.0, 5.0, -6.0];

    #[test]
    fn token_pooling_modes() {
        assert_eq!(
            pool_tokens(&TOKENS, 2, Pooling::Mean),
            vec![3.0, -4.0 / 3.0]
        );
        assert_eq!(pool_tokens(&TOKENS, 2, Pooling::Cls), vec![1.0, -2.0]);
        assert_eq!(pool_tokens(&TOKENS, 2, Pooling::Max), vec![5.0, 4.0]);
        let sqrt = pool_tokens(&TOKENS, 2, Pooling::MeanSqrtLen);
        assert!((sqrt[0] - 9.0 / 3f32.sqrt()).abs() < 1e-6);
    }

    #[test]
    fn window_pooling_and_normalisation() {
        let windows = vec![vec![1.0, 0.0], vec![0.0, 3.0]];
        assert_eq!(pool_windows(&windows, WindowPool::Mean), vec![0.5, 1.5]);
        assert_eq!(pool_windows(&windows, WindowPool::Max), vec![1.0, 3.0]);
        let mut v = vec![3.0, 4.0];
        normalize(&mut v);
        assert_eq!(v, vec![0.6, 0.8]);
        let mut zero = vec![0.0, 0.0];
        normalize(&mut zero);
        assert_eq!(zero, vec![0.0, 0.0]);
    }
}
