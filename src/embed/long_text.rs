//! What to do with texts longer than the model's maximum sequence length.

/// How window vectors are combined into one text vector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WindowPool {
    /// Component-wise mean of the window vectors.
    #[default]
    Mean,
    /// Component-wise maximum of the window vectors.
    Max,
}

/// Strategy for texts with more tokens than fit in one pass of the model.
///
/// The default is [`Truncate`](LongTextStrategy::Truncate), which is what
/// sentence-transformers does, so vectors match its `encode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LongTextStrategy {
    /// Keep the first `max_seq_length` tokens (special tokens included) and drop the rest.
    #[default]
    Truncate,
    /// Embed overlapping windows of tokens and pool the window vectors.
    ///
    /// Each window is a model input of at most `window` tokens, special tokens
    /// (`[CLS]`, `[SEP]`) included, and is pooled and normalised as the model
    /// would a short text. Consecutive windows share `stride` tokens (the
    /// `stride` of Hugging Face tokenizers' truncation). The window vectors are
    /// then combined by `pool` and, if the model normalises, normalised again.
    /// A text that fits in one window gives the same vector as with `Truncate`.
    ///
    /// Constraints, checked when the embedder is built: `window` is at most the
    /// model's `max_seq_length` and leaves room for at least one text token
    /// besides the special tokens, and `stride` is smaller than that room.
    Windows {
        /// Tokens per window, special tokens included.
        window: usize,
        /// Tokens shared by consecutive windows.
        stride: usize,
        /// How window vectors are combined.
        pool: WindowPool,
    },
}

impl LongTextStrategy {
    /// A short description used in fingerprints, e.g. `truncate` or `windows(256,64,mean)`.
    pub fn describe(&self) -> String {
        match self {
            LongTextStrategy::Truncate => "truncate".to_string(),
            LongTextStrategy::Windows {
                window,
                stride,
                pool,
            } => {
                let pool = match pool {
                    WindowPool::Mean => "mean",
                    WindowPool::Max => "max",
                };
                format!("windows({window},{stride},{pool})")
            }
        }
    }
}
