//! A BERT encoder forward pass for one unpadded sequence at a time.
//!
//! Why not candle-transformers' `BertModel`: measured on the 2-core target
//! (reference/embedder.md §4) it allocates a fresh tensor per operation
//! (the batch x heads x L x L attention buffers dominate, so throughput
//! depends on the global allocator, which a library must not choose), pads
//! every batch to its longest text, and runs the exact `erf` scalar per
//! element. Here each sequence runs at its own length in a reusable
//! [`Workspace`] (no allocation once warm, no padding, no attention mask),
//! sequences of a batch run in parallel on rayon, the dense layers multiply
//! by weights packed once at load (`packed.rs`, Q, K and V fused into one),
//! and the small attention products use the `gemm` kernels candle uses.
//!
//! Weights are read with candle's safetensors loader (any float dtype,
//! converted to f32), with or without the `bert.` name prefix.

use std::collections::HashMap;
use std::path::Path;

use candle_core::{DType, Device, Tensor};
use gemm::Parallelism;

use crate::embed::kernels::{layer_norm, matmul, softmax_rows, Activation, Strided};
use crate::embed::model_dir::{model_file, BertConfig};
use crate::embed::packed::{matmul_packed_add, PackedMatrix};
use crate::error::{Error, Result};

/// A dense layer `y = x W^T + b`, with `W^T` (`n_in x n_out`) packed for thin products.
struct Linear {
    weight_t: PackedMatrix,
    bias: Vec<f32>,
}

struct LayerNorm {
    gamma: Vec<f32>,
    beta: Vec<f32>,
}

struct Layer {
    /// Q, K and V projections side by side: output columns `[q | k | v]`.
    qkv: Linear,
    attention_out: Linear,
    attention_norm: LayerNorm,
    up: Linear,
    down: Linear,
    output_norm: LayerNorm,
}

/// The weights and shape of a BERT encoder.
pub(crate) struct Bert {
    word: Vec<f32>,
    position: Vec<f32>,
    token_type: Vec<f32>,
    embedding_norm: LayerNorm,
    layers: Vec<Layer>,
    hidden: usize,
    heads: usize,
    intermediate: usize,
    vocab: usize,
    max_positions: usize,
    type_vocab: usize,
    eps: f32,
    activation: Activation,
}

impl std::fmt::Debug for Bert {
    // The weights are ~90 MB: show the shape only.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bert")
            .field("layers", &self.layers.len())
            .field("hidden", &self.hidden)
            .field("heads", &self.heads)
            .field("intermediate", &self.intermediate)
            .field("vocab", &self.vocab)
            .field("activation", &self.activation)
            .finish_non_exhaustive()
    }
}

/// Scratch buffers for one forward pass; reused across calls so that a warm
/// embedder does not allocate.
#[derive(Debug, Default)]
pub(crate) struct Workspace {
    hidden: Vec<f32>,
    qkv: Vec<f32>,
    context: Vec<f32>,
    residual: Vec<f32>,
    intermediate: Vec<f32>,
    scores: Vec<f32>,
}

/// Named tensors of a checkpoint, as f32 vectors on demand.
struct Checkpoint<'a> {
    tensors: HashMap<String, Tensor>,
    path: &'a Path,
}

impl Checkpoint<'_> {
    fn get(&self, name: &str, shape: &[usize]) -> Result<Vec<f32>> {
        let tensor = self
            .tensors
            .get(name)
            .or_else(|| self.tensors.get(&format!("bert.{name}")))
            .ok_or_else(|| model_file(self.path, format!("tensor {name} is missing")))?;
        if tensor.dims() != shape {
            return Err(model_file(
                self.path,
                format!(
                    "tensor {name} has shape {:?}, expected {shape:?}",
                    tensor.dims()
                ),
            ));
        }
        tensor
            .to_dtype(DType::F32)
            .and_then(|t| t.flatten_all())
            .and_then(|t| t.to_vec1::<f32>())
            .map_err(|e| model_file(self.path, format!("tensor {name}: {e}")))
    }

    /// Reads `name` with either the current (`weight`/`bias`) or the old TF (`gamma`/`beta`) names.
    fn layer_norm(&self, prefix: &str, width: usize) -> Result<LayerNorm> {
        let pick = |new: &str, old: &str| {
            let name = format!("{prefix}.{new}");
            if self.tensors.contains_key(&name)
                || self.tensors.contains_key(&format!("bert.{name}"))
            {
                self.get(&name, &[width])
            } else {
                self.get(&format!("{prefix}.{old}"), &[width])
            }
        };
        Ok(LayerNorm {
            gamma: pick("weight", "gamma")?,
            beta: pick("bias", "beta")?,
        })
    }

    /// Reads one or more dense layers with the same input and stacks their outputs.
    fn linear(&self, prefixes: &[&str], n_in: usize, n_out_each: usize) -> Result<Linear> {
        let n_out = n_out_each * prefixes.len();
        let mut weight_t = vec![0.0f32; n_in * n_out];
        let mut bias = Vec::with_capacity(n_out);
        for (part, prefix) in prefixes.iter().enumerate() {
            let weight = self.get(&format!("{prefix}.weight"), &[n_out_each, n_in])?;
            // weight is n_out_each x n_in; store its transpose in columns part*n_out_each..
            for (o, row) in weight.chunks_exact(n_in).enumerate() {
                let column = part * n_out_each + o;
                for (i, w) in row.iter().enumerate() {
                    weight_t[i * n_out + column] = *w;
                }
            }
            bias.extend(self.get(&format!("{prefix}.bias"), &[n_out_each])?);
        }
        Ok(Linear {
            weight_t: PackedMatrix::from_row_major(&weight_t, n_in, n_out)?,
            bias,
        })
    }
}

impl Bert {
    /// Loads the weights from a safetensors file for the shape in `config`.
    pub(crate) fn load(path: &Path, config: &BertConfig) -> Result<Bert> {
        let tensors = candle_core::safetensors::load(path, &Device::Cpu)
            .map_err(|e| model_file(path, format!("cannot read safetensors: {e}")))?;
        let ckpt = Checkpoint { tensors, path };
        let h = config.hidden_size;
        let inter = config.intermediate_size;
        let layers = (0..config.num_hidden_layers)
            .map(|i| {
                let p = format!("encoder.layer.{i}");
                Ok(Layer {
                    qkv: ckpt.linear(
                        &[
                            &format!("{p}.attention.self.query"),
                            &format!("{p}.attention.self.key"),
                            &format!("{p}.attention.self.value"),
                        ],
                        h,
                        h,
                    )?,
                    attention_out: ckpt.linear(&[&format!("{p}.attention.output.dense")], h, h)?,
                    attention_norm: ckpt
                        .layer_norm(&format!("{p}.attention.output.LayerNorm"), h)?,
                    up: ckpt.linear(&[&format!("{p}.intermediate.dense")], h, inter)?,
                    down: ckpt.linear(&[&format!("{p}.output.dense")], inter, h)?,
                    output_norm: ckpt.layer_norm(&format!("{p}.output.LayerNorm"), h)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let activation = Activation::from_name(&config.hidden_act).ok_or_else(|| {
            model_file(
                path,
                format!("unsupported hidden_act {:?}", config.hidden_act),
            )
        })?;
        Ok(Bert {
            word: ckpt.get("embeddings.word_embeddings.weight", &[config.vocab_size, h])?,
            position: ckpt.get(
                "embeddings.position_embeddings.weight",
                &[config.max_position_embeddings, h],
            )?,
            token_type: ckpt.get(
                "embeddings.token_type_embeddings.weight",
                &[config.type_vocab_size, h],
            )?,
            embedding_norm: ckpt.layer_norm("embeddings.LayerNorm", h)?,
            layers,
            hidden: h,
            heads: config.num_attention_heads,
            intermediate: inter,
            vocab: config.vocab_size,
            max_positions: config.max_position_embeddings,
            type_vocab: config.type_vocab_size,
            eps: config.layer_norm_eps as f32,
            activation,
        })
    }

    /// Width of the token vectors.
    pub(crate) fn hidden_size(&self) -> usize {
        self.hidden
    }

    /// Runs the encoder on one sequence (no padding) and returns its token
    /// vectors, `ids.len() x hidden_size` row-major, borrowed from `ws`.
    pub(crate) fn forward<'w>(
        &self,
        ids: &[u32],
        type_ids: &[u32],
        ws: &'w mut Workspace,
        parallelism: Parallelism,
    ) -> Result<&'w [f32]> {
        let len = ids.len();
        if len > self.max_positions {
            return Err(Error::Embedding(format!(
                "sequence of {len} tokens exceeds max_position_embeddings {}",
                self.max_positions
            )));
        }
        self.embed_tokens(ids, type_ids, ws)?;
        for layer in &self.layers {
            self.attention_block(layer, len, ws, parallelism)?;
            self.feed_forward_block(layer, len, ws, parallelism)?;
        }
        Ok(&ws.hidden[..len * self.hidden])
    }

    fn embed_tokens(&self, ids: &[u32], type_ids: &[u32], ws: &mut Workspace) -> Result<()> {
        let h = self.hidden;
        ws.hidden.clear();
        for (position, &id) in ids.iter().enumerate() {
            let token_type = type_ids.get(position).copied().unwrap_or(0) as usize;
            let id = id as usize;
            if id >= self.vocab || token_type >= self.type_vocab {
                return Err(Error::Embedding(format!(
                    "token id {id} or type id {token_type} is outside the model's vocabulary"
                )));
            }
            let word = &self.word[id * h..(id + 1) * h];
            let pos = &self.position[position * h..(position + 1) * h];
            let tt = &self.token_type[token_type * h..(token_type + 1) * h];
            ws.hidden
                .extend(word.iter().zip(pos).zip(tt).map(|((w, p), t)| w + p + t));
        }
        layer_norm(
            &mut ws.hidden,
            &self.embedding_norm.gamma,
            &self.embedding_norm.beta,
            self.eps,
        );
        Ok(())
    }

    /// `hidden = LayerNorm(hidden + SelfAttention(hidden) W_o + b_o)`.
    fn attention_block(
        &self,
        layer: &Layer,
        len: usize,
        ws: &mut Workspace,
        parallelism: Parallelism,
    ) -> Result<()> {
        let h = self.hidden;
        let head_dim = h / self.heads;
        linear(&layer.qkv, &ws.hidden, len, &mut ws.qkv, parallelism)?;
        resize(&mut ws.context, len * h);
        resize(&mut ws.scores, len * len);
        let qkv_width = 3 * h;
        let scale = 1.0 / (head_dim as f32).sqrt();
        for head in 0..self.heads {
            let q = Strided::rows(head * head_dim, len, head_dim, qkv_width);
            let k = Strided::rows(h + head * head_dim, len, head_dim, qkv_width);
            let v = Strided::rows(2 * h + head * head_dim, len, head_dim, qkv_width);
            let scores = Strided::rows(0, len, len, len);
            matmul(
                &mut ws.scores,
                scores,
                &ws.qkv,
                q,
                &ws.qkv,
                k.t(),
                scale,
                false,
                parallelism,
            )?;
            softmax_rows(&mut ws.scores, len);
            let context = Strided::rows(head * head_dim, len, head_dim, h);
            matmul(
                &mut ws.context,
                context,
                &ws.scores,
                scores,
                &ws.qkv,
                v,
                1.0,
                false,
                parallelism,
            )?;
        }
        // residual = hidden + b_o + context W_o
        add_bias_into(&mut ws.residual, &ws.hidden, &layer.attention_out.bias);
        accumulate(
            &layer.attention_out,
            &ws.context,
            len,
            &mut ws.residual,
            parallelism,
        )?;
        layer_norm(
            &mut ws.residual,
            &layer.attention_norm.gamma,
            &layer.attention_norm.beta,
            self.eps,
        );
        std::mem::swap(&mut ws.hidden, &mut ws.residual);
        Ok(())
    }

    /// `hidden = LayerNorm(hidden + act(hidden W_up + b_up) W_down + b_down)`.
    fn feed_forward_block(
        &self,
        layer: &Layer,
        len: usize,
        ws: &mut Workspace,
        parallelism: Parallelism,
    ) -> Result<()> {
        debug_assert_eq!(layer.up.weight_t.n(), self.intermediate);
        linear(
            &layer.up,
            &ws.hidden,
            len,
            &mut ws.intermediate,
            parallelism,
        )?;
        self.activation.apply(&mut ws.intermediate);
        add_bias_into(&mut ws.residual, &ws.hidden, &layer.down.bias);
        accumulate(
            &layer.down,
            &ws.intermediate,
            len,
            &mut ws.residual,
            parallelism,
        )?;
        layer_norm(
            &mut ws.residual,
            &layer.output_norm.gamma,
            &layer.output_norm.beta,
            self.eps,
        );
        std::mem::swap(&mut ws.hidden, &mut ws.residual);
        Ok(())
    }
}

/// `out = x W^T + b` for `rows` rows of `x`.
fn linear(
    layer: &Linear,
    x: &[f32],
    rows: usize,
    out: &mut Vec<f32>,
    parallelism: Parallelism,
) -> Result<()> {
    out.clear();
    for _ in 0..rows {
        out.extend_from_slice(&layer.bias);
    }
    accumulate(layer, x, rows, out, parallelism)
}

/// `out += x W^T` for `rows` rows of `x`.
fn accumulate(
    layer: &Linear,
    x: &[f32],
    rows: usize,
    out: &mut [f32],
    parallelism: Parallelism,
) -> Result<()> {
    let parallel = matches!(parallelism, Parallelism::Rayon(_));
    matmul_packed_add(out, x, rows, &layer.weight_t, parallel)
}

/// `out = x + bias` row by row (`bias.len()` columns).
fn add_bias_into(out: &mut Vec<f32>, x: &[f32], bias: &[f32]) {
    out.clear();
    if bias.is_empty() {
        return;
    }
    for row in x.chunks_exact(bias.len()) {
        out.extend(row.iter().zip(bias).map(|(a, b)| a + b));
    }
}

fn resize(buffer: &mut Vec<f32>, len: usize) {
    buffer.clear();
    buffer.resize(len, 0.0);
}
