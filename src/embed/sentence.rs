//! [`SentenceEmbedder`]: a sentence-transformers model run in process.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use gemm::Parallelism;
use rayon::prelude::*;
use tokenizers::{Encoding, Tokenizer, TruncationParams};

use crate::embed::bert::{Bert, Workspace};
use crate::embed::long_text::{LongTextStrategy, WindowPool};
use crate::embed::model_dir::{model_file, ModelDir, Pooling};
use crate::embed::pooling::{normalize, pool_tokens, pool_windows};
use crate::embed::Embedder;
use crate::error::{Error, Result};

/// Texts per batch when none is given: enough to keep every core busy, small
/// enough that progress is reported often.
pub const DEFAULT_BATCH_SIZE: usize = 32;

/// Embeds text with a BERT-family sentence-transformers model loaded from a
/// local directory, entirely in process (pure Rust, CPU, f32).
///
/// The directory is what sentence-transformers saves (`config.json`,
/// `model.safetensors`, `tokenizer.json`, `modules.json`,
/// `sentence_bert_config.json` and the pooling module's `config.json`); for
/// all-MiniLM-L6-v2 `scripts/fetch_model.sh` fetches one. The embedder
/// honours the directory's pooling (mean, CLS, max or mean-sqrt-len),
/// `max_seq_length` (texts are truncated to it, overriding the 128 that
/// tokenizer.json often carries), lower-casing and `Normalize` module, so its
/// vectors match sentence-transformers' `encode` to float rounding.
///
/// ```no_run
/// use twofold::embed::{Embedder, SentenceEmbedder};
/// let embedder = SentenceEmbedder::from_dir("models/all-MiniLM-L6-v2")?;
/// let query = embedder.embed("how do I reset my password")?;
/// assert_eq!(query.len(), embedder.dim());
/// # Ok::<(), twofold::Error>(())
/// ```
///
/// Batches ([`embed_batch`](Embedder::embed_batch)) sort texts by length and
/// run them in parallel on the current rayon pool, one text per task with no
/// padding; a single text runs its matrix products on the pool instead.
/// Model and tokenizer are loaded once; a warm single-text call allocates only
/// its result and the tokenizer's output.
#[derive(Debug)]
pub struct SentenceEmbedder {
    bert: Bert,
    tokenizer: Tokenizer,
    pooling: Pooling,
    normalize: bool,
    do_lower_case: bool,
    max_seq_length: usize,
    long_text: LongTextStrategy,
    batch_size: usize,
    fingerprint: String,
    /// Scratch space for single-text calls; a concurrent caller that finds it
    /// busy uses a fresh one rather than waiting.
    single: Mutex<Workspace>,
}

/// Options for [`SentenceEmbedder`]; made by [`SentenceEmbedder::builder`].
#[derive(Debug, Clone)]
pub struct SentenceEmbedderBuilder {
    dir: PathBuf,
    max_seq_length: Option<usize>,
    long_text: LongTextStrategy,
    batch_size: usize,
}

impl SentenceEmbedderBuilder {
    /// Truncates (or windows) at `tokens` instead of the model's
    /// `max_seq_length`; must lie between 2 and that value. Default: the model's.
    pub fn max_seq_length(&mut self, tokens: usize) -> &mut Self {
        self.max_seq_length = Some(tokens);
        self
    }

    /// What to do with texts longer than the maximum sequence length.
    /// Default: [`LongTextStrategy::Truncate`].
    pub fn long_text(&mut self, strategy: LongTextStrategy) -> &mut Self {
        self.long_text = strategy;
        self
    }

    /// Texts per batch in [`Embedder::embed_batch`] (progress is reported after
    /// each batch). Default: [`DEFAULT_BATCH_SIZE`]; 0 is treated as 1.
    pub fn batch_size(&mut self, texts: usize) -> &mut Self {
        self.batch_size = texts.max(1);
        self
    }

    /// Loads the model.
    ///
    /// # Errors
    /// [`Error::ModelFileMissing`] naming the first required file that is
    /// absent; [`Error::ModelFile`] for a file that cannot be parsed or
    /// describes an unsupported model (not BERT, unsupported pooling or extra
    /// modules such as `Dense`); [`Error::InvalidParameter`] for a
    /// `max_seq_length` or window outside its range.
    pub fn build(&self) -> Result<SentenceEmbedder> {
        let dir = ModelDir::read(&self.dir)?;
        let max_seq_length = self.checked_max_seq_length(&dir)?;
        check_long_text(&self.long_text, max_seq_length)?;
        let tokenizer = load_tokenizer(&dir.tokenizer, max_seq_length, &self.long_text)?;
        let bert = Bert::load(&dir.weights, &dir.bert)?;
        let fingerprint = fingerprint(&dir, max_seq_length, &self.long_text)?;
        Ok(SentenceEmbedder {
            bert,
            tokenizer,
            pooling: dir.pooling,
            normalize: dir.normalize,
            do_lower_case: dir.do_lower_case,
            max_seq_length,
            long_text: self.long_text,
            batch_size: self.batch_size,
            fingerprint,
            single: Mutex::new(Workspace::default()),
        })
    }

    fn checked_max_seq_length(&self, dir: &ModelDir) -> Result<usize> {
        match self.max_seq_length {
            None => Ok(dir.max_seq_length),
            Some(n) if (2..=dir.max_seq_length).contains(&n) => Ok(n),
            Some(n) => Err(Error::invalid_parameter(
                "max_seq_length",
                format!(
                    "{n} is outside 2..={} (the model's max_seq_length)",
                    dir.max_seq_length
                ),
            )),
        }
    }
}

/// Special tokens BERT adds around one text: `[CLS]` and `[SEP]`.
const SPECIAL_TOKENS: usize = 2;

fn check_long_text(strategy: &LongTextStrategy, max_seq_length: usize) -> Result<()> {
    if let LongTextStrategy::Windows { window, stride, .. } = *strategy {
        if window <= SPECIAL_TOKENS || window > max_seq_length {
            return Err(Error::invalid_parameter(
                "window",
                format!("{window} is outside 3..={max_seq_length} (the maximum sequence length)"),
            ));
        }
        if stride >= window - SPECIAL_TOKENS {
            return Err(Error::invalid_parameter(
                "stride",
                format!(
                    "{stride} must be below {} (window minus the 2 special tokens)",
                    window - SPECIAL_TOKENS
                ),
            ));
        }
    }
    Ok(())
}

/// Loads tokenizer.json and replaces its truncation and padding: sentence-transformers
/// truncates at max_seq_length and pads per batch; we run unpadded sequences.
fn load_tokenizer(
    path: &Path,
    max_seq_length: usize,
    long_text: &LongTextStrategy,
) -> Result<Tokenizer> {
    let mut tokenizer = Tokenizer::from_file(path)
        .map_err(|e| model_file(path, format!("cannot load tokenizer: {e}")))?;
    let truncation = match *long_text {
        LongTextStrategy::Truncate => TruncationParams {
            max_length: max_seq_length,
            ..TruncationParams::default()
        },
        LongTextStrategy::Windows { window, stride, .. } => TruncationParams {
            max_length: window,
            stride,
            ..TruncationParams::default()
        },
    };
    tokenizer
        .with_truncation(Some(truncation))
        .map_err(|e| model_file(path, format!("cannot set truncation: {e}")))?;
    tokenizer.with_padding(None);
    Ok(tokenizer)
}

/// `name:crc32:pooling[+norm]:max_len=N:long-text`, where the crc covers
/// config.json, tokenizer.json, and the size, head and tail of the weights.
fn fingerprint(
    dir: &ModelDir,
    max_seq_length: usize,
    long_text: &LongTextStrategy,
) -> Result<String> {
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(&dir.config_bytes);
    let tokenizer = std::fs::read(&dir.tokenizer).map_err(|e| Error::io(&dir.tokenizer, e))?;
    hasher.update(&tokenizer);
    hash_head_and_tail(&dir.weights, &mut hasher)?;
    let norm = if dir.normalize { "+norm" } else { "" };
    Ok(format!(
        "{}:{:08x}:{}{norm}:max_len={max_seq_length}:{}",
        dir.name(),
        hasher.finalize(),
        dir.pooling.name(),
        long_text.describe()
    ))
}

fn hash_head_and_tail(path: &Path, hasher: &mut crc32fast::Hasher) -> Result<()> {
    use std::io::{Seek, SeekFrom};
    const SPAN: u64 = 1 << 16;
    let mut file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let size = file.metadata().map_err(|e| Error::io(path, e))?.len();
    hasher.update(&size.to_le_bytes());
    let mut buffer = Vec::new();
    file.by_ref()
        .take(SPAN)
        .read_to_end(&mut buffer)
        .map_err(|e| Error::io(path, e))?;
    file.seek(SeekFrom::Start(size.saturating_sub(SPAN)))
        .map_err(|e| Error::io(path, e))?;
    file.read_to_end(&mut buffer)
        .map_err(|e| Error::io(path, e))?;
    hasher.update(&buffer);
    Ok(())
}

impl SentenceEmbedder {
    /// Loads the model in `dir` with default options.
    ///
    /// # Errors
    /// As [`SentenceEmbedderBuilder::build`].
    pub fn from_dir(dir: impl AsRef<Path>) -> Result<SentenceEmbedder> {
        SentenceEmbedder::builder(dir).build()
    }

    /// Options for loading the model in `dir`.
    pub fn builder(dir: impl AsRef<Path>) -> SentenceEmbedderBuilder {
        SentenceEmbedderBuilder {
            dir: dir.as_ref().to_path_buf(),
            max_seq_length: None,
            long_text: LongTextStrategy::Truncate,
            batch_size: DEFAULT_BATCH_SIZE,
        }
    }

    /// The pooling read from the model directory.
    pub fn pooling(&self) -> Pooling {
        self.pooling
    }

    /// Whether vectors are L2-normalised (the directory has a `Normalize` module).
    pub fn normalizes(&self) -> bool {
        self.normalize
    }

    /// Maximum tokens per model input, special tokens included.
    pub fn max_seq_length(&self) -> usize {
        self.max_seq_length
    }

    /// The long-text strategy in use.
    pub fn long_text(&self) -> LongTextStrategy {
        self.long_text
    }

    /// Embeds `texts` in batches of `batch_size` (0 is treated as 1), calling
    /// `progress(done, total)` after each batch with the number of texts
    /// embedded so far. Texts are processed longest first; the result is in
    /// input order.
    ///
    /// # Errors
    /// [`Error::Embedding`] if the tokenizer fails on a text.
    pub fn embed_batch_with_progress(
        &self,
        texts: &[&str],
        batch_size: usize,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<Vec<Vec<f32>>> {
        if let [text] = texts {
            let vector = self.embed_one(text)?;
            progress(1, 1);
            return Ok(vec![vector]);
        }
        let mut order: Vec<usize> = (0..texts.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(texts.get(i).map_or(0, |t| t.len())));
        let mut out = vec![Vec::new(); texts.len()];
        let mut done = 0;
        for chunk in order.chunks(batch_size.max(1)) {
            let batch: Vec<&str> = chunk
                .iter()
                .filter_map(|&i| texts.get(i).copied())
                .collect();
            let vectors = self.embed_parallel(&batch)?;
            for (&i, vector) in chunk.iter().zip(vectors) {
                if let Some(slot) = out.get_mut(i) {
                    *slot = vector;
                }
            }
            done += chunk.len();
            progress(done, texts.len());
        }
        Ok(out)
    }

    /// One text, latency first: matrix products use the whole rayon pool.
    fn embed_one(&self, text: &str) -> Result<Vec<f32>> {
        let windows = self.encode(&[text])?.pop().unwrap_or_default();
        let mut guard = self.single.try_lock();
        let mut fresh = Workspace::default();
        let ws = match guard.as_deref_mut() {
            Ok(ws) => ws,
            Err(_) => &mut fresh,
        };
        let per_window = windows
            .iter()
            .map(|w| self.embed_sequence(w, ws, Parallelism::Rayon(0)))
            .collect::<Result<Vec<_>>>()?;
        Ok(self.combine_windows(per_window))
    }

    /// Several texts: one sequence per rayon task, single-threaded products.
    fn embed_parallel(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        let encodings = self.encode(texts)?;
        let sequences: Vec<(usize, &Encoding)> = encodings
            .iter()
            .enumerate()
            .flat_map(|(text, windows)| windows.iter().map(move |w| (text, w)))
            .collect();
        let parallelism = if sequences.len() == 1 {
            Parallelism::Rayon(0)
        } else {
            Parallelism::None
        };
        let vectors = sequences
            .par_iter()
            .map_init(Workspace::default, |ws, (_, encoding)| {
                self.embed_sequence(encoding, ws, parallelism)
            })
            .collect::<Result<Vec<_>>>()?;
        let mut per_text: Vec<Vec<Vec<f32>>> = vec![Vec::new(); texts.len()];
        for ((text, _), vector) in sequences.iter().zip(vectors) {
            if let Some(slot) = per_text.get_mut(*text) {
                slot.push(vector);
            }
        }
        Ok(per_text
            .into_iter()
            .map(|windows| self.combine_windows(windows))
            .collect())
    }

    /// Tokenises texts; returns the model inputs (one, or one per window) of each text.
    fn encode(&self, texts: &[&str]) -> Result<Vec<Vec<Encoding>>> {
        let inputs: Vec<String> = texts
            .iter()
            .map(|t| {
                if self.do_lower_case {
                    t.to_lowercase()
                } else {
                    (*t).to_string()
                }
            })
            .collect();
        let encodings = if let [single] = inputs.as_slice() {
            vec![self
                .tokenizer
                .encode_fast(single.as_str(), true)
                .map_err(tokenizer_error)?]
        } else {
            self.tokenizer
                .encode_batch_fast(inputs.iter().map(String::as_str).collect(), true)
                .map_err(tokenizer_error)?
        };
        Ok(encodings
            .into_iter()
            .map(|mut encoding| match self.long_text {
                LongTextStrategy::Truncate => vec![encoding],
                LongTextStrategy::Windows { .. } => {
                    let rest = encoding.take_overflowing();
                    std::iter::once(encoding).chain(rest).collect()
                }
            })
            .collect())
    }

    /// Runs the model on one input and pools (and normalises) its token vectors.
    fn embed_sequence(
        &self,
        encoding: &Encoding,
        ws: &mut Workspace,
        parallelism: Parallelism,
    ) -> Result<Vec<f32>> {
        let width = self.bert.hidden_size();
        let tokens =
            self.bert
                .forward(encoding.get_ids(), encoding.get_type_ids(), ws, parallelism)?;
        if tokens.is_empty() {
            return Err(Error::Embedding(
                "the tokenizer produced no tokens".to_string(),
            ));
        }
        let mut vector = pool_tokens(tokens, width, self.pooling);
        if self.normalize {
            normalize(&mut vector);
        }
        Ok(vector)
    }

    /// One vector from the vectors of a text's windows (one window: unchanged).
    fn combine_windows(&self, mut windows: Vec<Vec<f32>>) -> Vec<f32> {
        if windows.len() == 1 {
            return windows.pop().unwrap_or_default();
        }
        let pool = match self.long_text {
            LongTextStrategy::Windows { pool, .. } => pool,
            LongTextStrategy::Truncate => WindowPool::Mean,
        };
        let mut vector = pool_windows(&windows, pool);
        if self.normalize {
            normalize(&mut vector);
        }
        vector
    }
}

fn tokenizer_error(e: tokenizers::Error) -> Error {
    Error::Embedding(format!("tokenizer: {e}"))
}

impl Embedder for SentenceEmbedder {
    fn dim(&self) -> usize {
        self.bert.hidden_size()
    }

    fn fingerprint(&self) -> String {
        self.fingerprint.clone()
    }

    fn embed_batch(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        self.embed_batch_with_progress(texts, self.batch_size, &mut |_, _| {})
    }
}
