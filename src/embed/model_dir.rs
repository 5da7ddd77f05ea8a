//! Reading a local sentence-transformers model directory.
//!
//! A sentence-transformers directory is a Hugging Face model (`config.json`,
//! `model.safetensors`, `tokenizer.json`) plus the files that say how token
//! vectors become one sentence vector: `modules.json` (the pipeline:
//! Transformer, Pooling, optional Normalize), the pooling module's
//! `config.json` (usually `1_Pooling/config.json`) and
//! `sentence_bert_config.json` (`max_seq_length`, `do_lower_case`).

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Error, Result};

/// How the token vectors of one text are pooled into one vector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pooling {
    /// Average of all token vectors, special tokens included (`pooling_mode_mean_tokens`).
    Mean,
    /// The vector of the first token, `[CLS]` (`pooling_mode_cls_token`).
    Cls,
    /// Component-wise maximum over the tokens (`pooling_mode_max_tokens`).
    Max,
    /// Sum of the token vectors divided by the square root of their number
    /// (`pooling_mode_mean_sqrt_len_tokens`).
    MeanSqrtLen,
}

impl Pooling {
    /// The short name used in fingerprints: `mean`, `cls`, `max` or `mean_sqrt_len`.
    pub fn name(self) -> &'static str {
        match self {
            Pooling::Mean => "mean",
            Pooling::Cls => "cls",
            Pooling::Max => "max",
            Pooling::MeanSqrtLen => "mean_sqrt_len",
        }
    }
}

/// The transformer's shape, from `config.json` (BERT family only).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct BertConfig {
    #[serde(default)]
    pub(crate) model_type: Option<String>,
    pub(crate) vocab_size: usize,
    pub(crate) hidden_size: usize,
    pub(crate) num_hidden_layers: usize,
    pub(crate) num_attention_heads: usize,
    pub(crate) intermediate_size: usize,
    #[serde(default = "default_hidden_act")]
    pub(crate) hidden_act: String,
    pub(crate) max_position_embeddings: usize,
    #[serde(default = "default_type_vocab_size")]
    pub(crate) type_vocab_size: usize,
    #[serde(default = "default_layer_norm_eps")]
    pub(crate) layer_norm_eps: f64,
    #[serde(default)]
    pub(crate) position_embedding_type: Option<String>,
}

fn default_hidden_act() -> String {
    "gelu".to_string()
}

fn default_type_vocab_size() -> usize {
    2
}

fn default_layer_norm_eps() -> f64 {
    1e-12
}

#[derive(Debug, Deserialize)]
struct ModuleEntry {
    #[serde(default)]
    path: String,
    #[serde(rename = "type")]
    kind: String,
}

#[derive(Debug, Deserialize)]
struct PoolingConfig {
    #[serde(default)]
    pooling_mode_cls_token: bool,
    #[serde(default)]
    pooling_mode_mean_tokens: bool,
    #[serde(default)]
    pooling_mode_max_tokens: bool,
    #[serde(default)]
    pooling_mode_mean_sqrt_len_tokens: bool,
    #[serde(default)]
    pooling_mode_weightedmean_tokens: bool,
    #[serde(default)]
    pooling_mode_lasttoken: bool,
}

#[derive(Debug, Deserialize)]
struct SentenceBertConfig {
    max_seq_length: usize,
    #[serde(default)]
    do_lower_case: bool,
}

/// Everything read from a model directory except the weights and the tokenizer.
#[derive(Debug, Clone)]
pub(crate) struct ModelDir {
    pub(crate) root: PathBuf,
    pub(crate) bert: BertConfig,
    pub(crate) pooling: Pooling,
    pub(crate) normalize: bool,
    pub(crate) max_seq_length: usize,
    pub(crate) do_lower_case: bool,
    pub(crate) weights: PathBuf,
    pub(crate) tokenizer: PathBuf,
    /// Bytes of `config.json`, kept for the fingerprint.
    pub(crate) config_bytes: Vec<u8>,
}

impl ModelDir {
    /// Reads and checks every file of the directory except the (large) weights.
    pub(crate) fn read(root: &Path) -> Result<ModelDir> {
        if !root.is_dir() {
            return Err(Error::ModelFileMissing {
                path: root.to_path_buf(),
            });
        }
        let config_path = root.join("config.json");
        let config_bytes = read_file(&config_path)?;
        let bert: BertConfig = parse_json(&config_path, &config_bytes)?;
        check_bert(&config_path, &bert)?;
        let weights = existing(root.join("model.safetensors"))?;
        let tokenizer = existing(root.join("tokenizer.json"))?;
        let (pooling_dir, normalize) = read_modules(root)?;
        let pooling = read_pooling(&root.join(pooling_dir).join("config.json"))?;
        let sbert_path = root.join("sentence_bert_config.json");
        let sbert: SentenceBertConfig = parse_json(&sbert_path, &read_file(&sbert_path)?)?;
        if sbert.max_seq_length < 2 || sbert.max_seq_length > bert.max_position_embeddings {
            return Err(model_file(
                &sbert_path,
                format!(
                    "max_seq_length {} must be between 2 and max_position_embeddings {}",
                    sbert.max_seq_length, bert.max_position_embeddings
                ),
            ));
        }
        Ok(ModelDir {
            root: root.to_path_buf(),
            bert,
            pooling,
            normalize,
            max_seq_length: sbert.max_seq_length,
            do_lower_case: sbert.do_lower_case,
            weights,
            tokenizer,
            config_bytes,
        })
    }

    /// The directory's last component, used as the model's name.
    pub(crate) fn name(&self) -> String {
        self.root
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "model".to_string())
    }
}

/// Reads `modules.json`: returns the pooling module's directory and whether a Normalize module follows.
fn read_modules(root: &Path) -> Result<(String, bool)> {
    let path = root.join("modules.json");
    let modules: Vec<ModuleEntry> = parse_json(&path, &read_file(&path)?)?;
    let mut pooling_dir = None;
    let mut normalize = false;
    for (position, module) in modules.iter().enumerate() {
        let kind = module.kind.rsplit('.').next().unwrap_or(&module.kind);
        match (position, kind) {
            (0, "Transformer") => {}
            (1, "Pooling") => pooling_dir = Some(module.path.clone()),
            (2, "Normalize") => normalize = true,
            _ => {
                return Err(model_file(
                    &path,
                    format!(
                        "module {position} of type {:?} is not supported; expected Transformer, Pooling, then optionally Normalize",
                        module.kind
                    ),
                ))
            }
        }
    }
    let pooling_dir = pooling_dir
        .ok_or_else(|| model_file(&path, "no Pooling module after the Transformer".to_string()))?;
    Ok((pooling_dir, normalize))
}

fn read_pooling(path: &Path) -> Result<Pooling> {
    let config: PoolingConfig = parse_json(path, &read_file(path)?)?;
    if config.pooling_mode_weightedmean_tokens || config.pooling_mode_lasttoken {
        return Err(model_file(
            path,
            "weighted-mean and last-token pooling are not supported".to_string(),
        ));
    }
    let modes = [
        (config.pooling_mode_mean_tokens, Pooling::Mean),
        (config.pooling_mode_cls_token, Pooling::Cls),
        (config.pooling_mode_max_tokens, Pooling::Max),
        (
            config.pooling_mode_mean_sqrt_len_tokens,
            Pooling::MeanSqrtLen,
        ),
    ];
    let mut chosen = modes.iter().filter(|(on, _)| *on).map(|(_, mode)| *mode);
    match (chosen.next(), chosen.next()) {
        (Some(mode), None) => Ok(mode),
        (None, _) => Err(model_file(path, "no pooling mode is enabled".to_string())),
        (Some(_), Some(_)) => Err(model_file(
            path,
            "several pooling modes at once (concatenated vectors) are not supported".to_string(),
        )),
    }
}

fn check_bert(path: &Path, bert: &BertConfig) -> Result<()> {
    if let Some(kind) = &bert.model_type {
        if kind != "bert" {
            return Err(model_file(
                path,
                format!("model_type {kind:?} is not supported; only \"bert\" models are"),
            ));
        }
    }
    if let Some(kind) = &bert.position_embedding_type {
        if kind != "absolute" {
            return Err(model_file(
                path,
                format!("position_embedding_type {kind:?} is not supported; only \"absolute\" is"),
            ));
        }
    }
    if crate::embed::kernels::Activation::from_name(&bert.hidden_act).is_none() {
        return Err(model_file(
            path,
            format!(
                "hidden_act {:?} is not supported (gelu, gelu_new, gelu_pytorch_tanh, relu)",
                bert.hidden_act
            ),
        ));
    }
    let heads = bert.num_attention_heads;
    if heads == 0 || bert.hidden_size == 0 || !bert.hidden_size.is_multiple_of(heads) {
        return Err(model_file(
            path,
            format!(
                "hidden_size {} is not a positive multiple of num_attention_heads {heads}",
                bert.hidden_size
            ),
        ));
    }
    Ok(())
}

fn existing(path: PathBuf) -> Result<PathBuf> {
    if path.is_file() {
        Ok(path)
    } else {
        Err(Error::ModelFileMissing { path })
    }
}

fn read_file(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|source| {
        if source.kind() == std::io::ErrorKind::NotFound {
            Error::ModelFileMissing {
                path: path.to_path_buf(),
            }
        } else {
            Error::ModelFile {
                path: path.to_path_buf(),
                reason: source.to_string(),
            }
        }
    })
}

fn parse_json<T: serde::de::DeserializeOwned>(path: &Path, bytes: &[u8]) -> Result<T> {
    serde_json::from_slice(bytes).map_err(|e| model_file(path, format!("invalid JSON: {e}")))
}

pub(crate) fn model_file(path: &Path, reason: String) -> Error {
    Error::ModelFile {
        path: path.to_path_buf(),
        reason,
    }
}
