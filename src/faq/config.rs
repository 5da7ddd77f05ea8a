//! The cache's configuration, as data: score mode, threshold, guards, TTL, capacity.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::entry::TtlKind;
use crate::error::{Error, Result};
use crate::index::{IndexConfig, StatsMode};

/// Which similarity the hit threshold is applied to. Every mode is a
/// **similarity** (higher is more alike), never a distance.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ScoreMode {
    /// TF-IDF cosine of the two questions, in `[0, 1]`.
    Sparse,
    /// Dense cosine similarity of the two question vectors, in `[-1, 1]`.
    Dense,
    /// `w · dense + (1 − w) · sparse` of the two exact similarities above, with
    /// `w` = [`FaqConfig::dense_weight`]. The default. This is a fixed linear
    /// fusion of *absolute* scores: the index's rank-based fusions (RRF, min-max)
    /// give the top hit of every query the same score and cannot be thresholded.
    /// Without a query vector (no vector given and no embedder) the score falls
    /// back to the sparse cosine, and the lookup says so.
    #[default]
    Hybrid,
}

/// A second gate for hybrid lookups: each side's own similarity must pass its own bar.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DualGate {
    /// Minimum TF-IDF cosine.
    pub sparse: f64,
    /// Minimum dense cosine.
    pub dense: f64,
}

/// Refuse a hit when the two questions differ in a way that similarity scores miss.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LexicalVeto {
    /// Different numbers on the two sides ("7 days" vs "14 days"), or a number
    /// on one side only when the rest agrees (see [`min_overlap`](Self::min_overlap)). Default on.
    pub numbers: bool,
    /// One question negated and the other not ("not", "no", "never", "off",
    /// "without", "cannot", "…n't") when the rest agrees: "turn on X" vs
    /// "turn off X". Default on.
    pub negations: bool,
    /// A query term with idf ≥ [`min_idf`](Self::min_idf) that the matched
    /// question lacks but a close rival with a different answer has
    /// ("Medicaid" when the match says "Medicare" and a rival says
    /// "Medicaid"). Word analyzers only (skipped for character n-grams). Default on.
    pub contrast_terms: bool,
    /// The rest agrees but a rare stored term is swapped for an unknown or rare
    /// query term ("pneumonia vaccine" vs "shingles vaccine", "Tricare" vs
    /// "Medicaid"). Word analyzers only. Default on.
    pub substitutions: bool,
    /// How much the rest of the two questions must agree (Jaccard of their
    /// lowercased word sets, numbers and negations left out) before a one-sided
    /// number, a negation or a swap vetoes. Default 0.6.
    pub min_overlap: f64,
    /// A rival for [`contrast_terms`](Self::contrast_terms) scores at least this
    /// fraction of the best score. Default 0.8.
    pub rival_ratio: f64,
    /// The idf a contrast term needs (the index's smoothed idf, `1 + ln((1+n)/(1+df))`).
    /// Default 2.0, i.e. the term is in at most ~1/3 of the stored questions.
    pub min_idf: f64,
}

impl Default for LexicalVeto {
    fn default() -> Self {
        LexicalVeto {
            numbers: true,
            negations: true,
            contrast_terms: true,
            substitutions: true,
            min_overlap: 0.6,
            rival_ratio: 0.8,
            min_idf: 2.0,
        }
    }
}

/// Which entry goes when the cache is full.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Eviction {
    /// Least recently used (inserted or served) first. The default.
    #[default]
    Lru,
    /// Least frequently served first; ties go to the least recently used.
    Lfu,
}

/// Everything that configures a [`FaqCache`](super::FaqCache).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FaqConfig {
    /// The similarity thresholded. Default [`ScoreMode::Hybrid`].
    pub score: ScoreMode,
    /// Weight of the dense side in [`ScoreMode::Hybrid`], in `[0, 1]`. Default 0.8:
    /// on paraphrase traffic (StackFAQ, the shipped sample) the dense cosine carries
    /// the decision, and 0.8 beat 0.5 in both precision and recall at every threshold
    /// from 0.5 to 0.75 on StackFAQ (table in the README); the TF-IDF share still
    /// lowers the score of entries that share no informative word with the question.
    pub dense_weight: f64,
    /// Serve a stored answer when the best entry's score is ≥ this. Default 0.6
    /// (a placeholder: calibrate it on your data with
    /// [`FaqCache::calibrate_pairs`](super::FaqCache::calibrate_pairs)).
    /// Per-lookup thresholds may only be stricter.
    pub threshold: f64,
    /// Optional dual gate (hybrid only). Default `None`.
    pub dual_gate: Option<DualGate>,
    /// Runner-up margin δ: the best entry must beat the best entry with a
    /// *different answer* by at least δ. Default `None`.
    pub margin: Option<f64>,
    /// Lexical veto. Default `Some(LexicalVeto::default())`.
    pub lexical_veto: Option<LexicalVeto>,
    /// Index documents (phrasings) fetched from each side per lookup (hybrid:
    /// the union of both sides' top phrasings, each scored exactly on both).
    /// Default 20.
    pub candidates: usize,
    /// Candidates reported in a miss. Default 3.
    pub nearest: usize,
    /// TTL of entries inserted without one. Default `None` (never expire).
    pub default_ttl: Option<Duration>,
    /// TTL kind of entries inserted without one. Default [`TtlKind::Absolute`].
    pub ttl_kind: TtlKind,
    /// Maximum number of entries; inserting beyond it evicts. Default `None`.
    pub max_entries: Option<usize>,
    /// Eviction order. Default [`Eviction::Lru`].
    pub eviction: Eviction,
    /// With frozen index statistics, refit the TF-IDF idf when the number of
    /// stored phrasings has grown by this factor since the last fit (terms
    /// first seen after a fit are otherwise ignored). Default `Some(1.25)`;
    /// `None` never refits automatically (see [`FaqCache::refit`](super::FaqCache::refit)).
    /// An automatic refit that scikit-learn's rules refuse on the grown set
    /// (every term pruned by `min_df`/`max_df`) keeps the previous fit and
    /// does not fail the insert; `FaqCache::refit` reports such an error.
    pub refit_growth: Option<f64>,
    /// The underlying index's configuration. Default [`FaqConfig::default_index`].
    pub index: IndexConfig,
    /// Fingerprint of the model that makes caller-supplied vectors, when the
    /// cache has no embedder. Default `None` (recorded from the first request that names one).
    pub vector_model: Option<String>,
}

impl Default for FaqConfig {
    fn default() -> Self {
        FaqConfig {
            score: ScoreMode::default(),
            dense_weight: 0.8,
            threshold: 0.6,
            dual_gate: None,
            margin: None,
            lexical_veto: Some(LexicalVeto::default()),
            candidates: 20,
            nearest: 3,
            default_ttl: None,
            ttl_kind: TtlKind::default(),
            max_entries: None,
            eviction: Eviction::default(),
            refit_growth: Some(1.25),
            index: FaqConfig::default_index(),
            vector_model: None,
        }
    }
}

impl FaqConfig {
    /// [`IndexConfig::default`] with [`StatsMode::Live`] statistics: a cache
    /// grows one entry at a time, and with frozen statistics the terms of
    /// entries inserted after the last fit would be invisible to the sparse
    /// side (re-asking a just-stored question could miss). Live statistics cost
    /// one O(nnz) re-weighing pass per insert, during which lookups wait (the
    /// insert holds the write lock): on the 2-core VM about 5 ms at 18k entries
    /// and 30–40 ms at 100k (`cargo bench --bench faq` prints "single insert").
    /// A large cache that inserts often can take [`StatsMode::Frozen`] with
    /// [`refit_growth`](Self::refit_growth): an insert then weighs only its
    /// own row (16 µs into a 100k sparse cache), and the full pass runs once
    /// per growth step.
    pub fn default_index() -> IndexConfig {
        IndexConfig {
            stats: StatsMode::Live,
            ..IndexConfig::default()
        }
    }

    /// Checks every field.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for a non-finite threshold, gate, margin or
    /// idf; `dense_weight` outside `[0, 1]`; `candidates == 0`; `max_entries == Some(0)`;
    /// `refit_growth` not above 1; a zero TTL; and the index configuration's errors.
    pub fn validate(&self) -> Result<()> {
        finite("threshold", self.threshold)?;
        if !(0.0..=1.0).contains(&self.dense_weight) {
            return Err(Error::invalid_parameter(
                "dense_weight",
                "must be in [0, 1]",
            ));
        }
        if let Some(gate) = &self.dual_gate {
            finite("dual_gate.sparse", gate.sparse)?;
            finite("dual_gate.dense", gate.dense)?;
        }
        if let Some(margin) = self.margin {
            finite("margin", margin)?;
            if margin < 0.0 {
                return Err(Error::invalid_parameter("margin", "must be ≥ 0"));
            }
        }
        if let Some(veto) = &self.lexical_veto {
            finite("lexical_veto.min_idf", veto.min_idf)?;
            finite("lexical_veto.min_overlap", veto.min_overlap)?;
            finite("lexical_veto.rival_ratio", veto.rival_ratio)?;
        }
        if self.candidates == 0 {
            return Err(Error::invalid_parameter("candidates", "must be at least 1"));
        }
        if self.max_entries == Some(0) {
            return Err(Error::invalid_parameter(
                "max_entries",
                "must be at least 1",
            ));
        }
        if self.refit_growth.is_some_and(|g| g.is_nan() || g <= 1.0) {
            return Err(Error::invalid_parameter("refit_growth", "must be above 1"));
        }
        if self.default_ttl == Some(Duration::ZERO) {
            return Err(Error::invalid_parameter("default_ttl", "must be positive"));
        }
        self.index.validate()
    }
}

fn finite(name: &'static str, x: f64) -> Result<()> {
    if x.is_finite() {
        Ok(())
    } else {
        Err(Error::invalid_parameter(name, "must be finite"))
    }
}
