//! The persisted form of an [`Index`]: plain data in, validated index out.
//!
//! [`IndexParts`] holds exactly what cannot be recomputed: configuration, the id
//! map, the stored documents with their term counts, the term dictionary, the
//! weighting snapshot (frozen mode's fitted idf is history, not derivable) and
//! the dense index. Live statistics, the analyzer and the inverted index are
//! rebuilt on load. Validation order: configuration → ids vs records → term
//! dictionary → each record's counts → weighting snapshot → dense side.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::state::Record;
use super::terms::{Dictionary, LiveStats, Weights};
use super::{Index, IndexConfig};
use crate::analysis::Analyzer;
use crate::dense::{DenseIndex, PersistedDense};
use crate::embed::Embedder;
use crate::error::{Error, Result};
use crate::ids::{DocId, IdMap};
use crate::sparse::InvertedIndex;

/// Everything an [`Index`] persists (see the module docs).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct IndexParts {
    pub config: IndexConfig,
    pub ids: Vec<Option<crate::ids::DocKey>>,
    pub records: Vec<Option<Record>>,
    pub terms: Vec<String>,
    pub weights: Weights,
    pub dense: Option<PersistedDense>,
}

fn corrupt(what: &'static str, detail: impl Into<String>) -> Error {
    Error::CorruptPersisted {
        what,
        detail: detail.into(),
    }
}

impl Index {
    /// The persisted form (the embedder is not part of it).
    #[allow(dead_code)] // the snapshot layer's entry point
    pub(crate) fn to_parts(&self) -> IndexParts {
        IndexParts {
            config: self.config.clone(),
            ids: self.ids.clone().into(),
            records: self.records.clone(),
            terms: self.dictionary.terms().to_vec(),
            weights: self.weights.clone(),
            dense: self.dense.as_ref().map(DenseIndex::to_persisted),
        }
    }

    /// Validates `parts` and rebuilds the index around them.
    ///
    /// # Errors
    /// [`Error::CorruptPersisted`] naming the first inconsistent part; the
    /// configuration's validation errors; [`Error::DimensionMismatch`] when the
    /// embedder's dimension differs from the stored vectors'.
    #[allow(dead_code)] // the snapshot layer's entry point
    pub(crate) fn from_parts(
        parts: IndexParts,
        embedder: Option<Arc<dyn Embedder>>,
    ) -> Result<Index> {
        parts.config.validate()?;
        let analyzer = Analyzer::new(parts.config.tfidf.analyzer_config())?;
        let ids = check_ids(parts.ids, &parts.records)?;
        let dictionary = Dictionary::from_terms(parts.terms)?;
        let stats = check_records(&parts.records, dictionary.len())?;
        check_weights(&parts.weights, dictionary.len())?;
        let dense = parts.dense.map(DenseIndex::from_persisted).transpose()?;
        check_dense(dense.as_ref(), &ids, embedder.as_deref())?;
        let mut index = Index {
            config: parts.config,
            analyzer,
            ids,
            records: parts.records,
            dictionary,
            stats,
            weights: parts.weights,
            inverted: InvertedIndex::new(),
            dense,
            embedder,
        };
        index.rebuild_sparse()?;
        Ok(index)
    }
}

fn check_ids(keys: Vec<Option<crate::ids::DocKey>>, records: &[Option<Record>]) -> Result<IdMap> {
    if keys.len() != records.len() {
        return Err(corrupt(
            "ids",
            format!("{} ids for {} records", keys.len(), records.len()),
        ));
    }
    if let Some(i) = keys
        .iter()
        .zip(records)
        .position(|(k, r)| k.is_some() != r.is_some())
    {
        return Err(corrupt("ids", format!("id {i} is live on one side only")));
    }
    IdMap::try_from(keys).map_err(|e| corrupt("ids", e.to_string()))
}

/// Checks every record's counts and recomputes the live statistics.
fn check_records(records: &[Option<Record>], n_terms: usize) -> Result<LiveStats> {
    let mut stats = LiveStats::default();
    for (i, record) in records.iter().enumerate() {
        let Some(record) = record else { continue };
        let counts = &record.counts;
        let ascending = counts.ids.windows(2).all(|w| w[0] < w[1]);
        let in_range = counts.ids.last().is_none_or(|&t| (t as usize) < n_terms);
        if counts.ids.len() != counts.counts.len()
            || !ascending
            || !in_range
            || counts.counts.contains(&0)
        {
            return Err(corrupt(
                "term counts",
                format!("record {i} has malformed counts"),
            ));
        }
        stats.add(counts, n_terms);
    }
    Ok(stats)
}

fn check_weights(weights: &Weights, n_terms: usize) -> Result<()> {
    if weights.active.len() > n_terms || weights.idf.len() != weights.active.len() {
        return Err(corrupt(
            "weights",
            format!(
                "{} active flags and {} idf values for {n_terms} terms",
                weights.active.len(),
                weights.idf.len()
            ),
        ));
    }
    if let Some(t) = weights.idf.iter().position(|x| !x.is_finite()) {
        return Err(corrupt("weights", format!("idf of term {t} is not finite")));
    }
    Ok(())
}

fn check_dense(
    dense: Option<&DenseIndex>,
    ids: &IdMap,
    embedder: Option<&dyn Embedder>,
) -> Result<()> {
    let Some(dense) = dense else { return Ok(()) };
    if let Some(e) = embedder {
        if e.dim() != dense.dim() {
            return Err(Error::DimensionMismatch {
                expected: dense.dim(),
                found: e.dim(),
            });
        }
    }
    let live_with_vector = (0..ids.id_bound() as u32)
        .map(DocId)
        .filter(|&id| dense.contains(id))
        .collect::<Vec<_>>();
    if let Some(id) = live_with_vector.iter().find(|&&id| !ids.is_live(id)) {
        return Err(corrupt("dense", format!("vector for dead document {id}")));
    }
    if live_with_vector.len() != dense.len() {
        return Err(corrupt("dense", "vectors for documents that do not exist"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::Document;
    use crate::query::{Mode, SearchRequest};

    fn index() -> Index {
        let docs = vec![
            Document::new("a").title("red apple").vector(vec![1.0, 0.0]),
            Document::new("b")
                .title("green apple pie")
                .vector(vec![0.5, 0.5]),
            Document::new("c").title("banana bread"),
        ];
        let mut index = Index::builder().build(docs).unwrap();
        index.delete(&"b".into()).unwrap();
        index
            .add(
                Document::new("d")
                    .title("apple crumble")
                    .vector(vec![0.0, 1.0]),
            )
            .unwrap();
        index
    }

    fn results(index: &Index) -> Vec<(String, f64)> {
        let request = SearchRequest::text("apple")
            .with_vector(vec![1.0, 0.2])
            .mode(Mode::Hybrid);
        index
            .search(&request)
            .unwrap()
            .hits
            .into_iter()
            .map(|h| (h.key.to_string(), h.score))
            .collect()
    }

    #[test]
    fn parts_round_trip_through_bincode() {
        let index = index();
        let cfg = bincode::config::standard();
        let bytes = bincode::serde::encode_to_vec(index.to_parts(), cfg).unwrap();
        let (parts, _): (IndexParts, usize) =
            bincode::serde::decode_from_slice(&bytes, cfg).unwrap();
        let back = Index::from_parts(parts, None).unwrap();
        assert_eq!(results(&back), results(&index));
        assert_eq!(back.stats, index.stats);
    }

    #[test]
    fn inconsistent_parts_are_rejected() {
        let mut parts = index().to_parts();
        parts.ids.pop();
        assert!(matches!(
            Index::from_parts(parts, None),
            Err(Error::CorruptPersisted { what: "ids", .. })
        ));
        let mut parts = index().to_parts();
        if let Some(Some(record)) = parts.records.first_mut() {
            record.counts.ids = vec![999];
            record.counts.counts = vec![1];
        }
        assert!(matches!(
            Index::from_parts(parts, None),
            Err(Error::CorruptPersisted {
                what: "term counts",
                ..
            })
        ));
        let mut parts = index().to_parts();
        parts.terms.push(parts.terms[0].clone());
        assert!(matches!(
            Index::from_parts(parts, None),
            Err(Error::CorruptPersisted { .. })
        ));
        let mut parts = index().to_parts();
        parts.weights.idf.pop();
        assert!(matches!(
            Index::from_parts(parts, None),
            Err(Error::CorruptPersisted {
                what: "weights",
                ..
            })
        ));
    }
}
