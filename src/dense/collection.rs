//! [`VectorCollection`]: a [`DenseIndex`] addressed by the caller's keys.

use super::config::DenseConfig;
use super::index::{DenseIndex, SearchParams};
use crate::ids::{DocId, DocKey, IdMap};
use crate::{Error, Result};

/// A search hit carrying the caller's key.
#[derive(Clone, Debug, PartialEq)]
pub struct KeyedHit {
    /// The document's key.
    pub key: DocKey,
    /// Similarity, higher is better.
    pub score: f32,
}

/// An [`IdMap`] plus a [`DenseIndex`]: vectors added, updated, deleted and
/// found by [`DocKey`]. For standalone use; the full index owns one `IdMap`
/// shared with the sparse side instead.
#[derive(Debug)]
pub struct VectorCollection {
    ids: IdMap,
    index: DenseIndex,
}

impl VectorCollection {
    /// An empty collection of `dim`-dimensional vectors.
    ///
    /// # Errors
    /// As [`DenseIndex::new`].
    pub fn new(dim: usize, config: DenseConfig) -> Result<Self> {
        Ok(VectorCollection {
            ids: IdMap::new(),
            index: DenseIndex::new(dim, config)?,
        })
    }

    /// The underlying index.
    pub fn index(&self) -> &DenseIndex {
        &self.index
    }

    /// The key map.
    pub fn ids(&self) -> &IdMap {
        &self.ids
    }

    /// Number of vectors.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// Whether the collection is empty.
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// Adds a vector under a new key.
    ///
    /// # Errors
    /// [`Error::DuplicateKey`] if `key` exists; the vector errors of [`DenseIndex::add`].
    pub fn add(&mut self, key: impl Into<DocKey>, vector: &[f32]) -> Result<DocId> {
        let key = key.into();
        if self.ids.get(&key).is_some() {
            return Err(Error::DuplicateKey(key.to_string()));
        }
        let v = self.index.metric().prepare(self.index.dim(), vector)?;
        let id = self.ids.insert(key)?;
        self.index.add(id, &v)?;
        Ok(id)
    }

    /// Adds many vectors; nothing is added if any key or vector is bad.
    ///
    /// # Errors
    /// As [`add`](Self::add), for the first bad item (a bad vector in a batch
    /// of several as an [`Error::BatchItem`] naming its key).
    pub fn add_batch<K: Into<DocKey> + Clone>(
        &mut self,
        items: &[(K, &[f32])],
    ) -> Result<Vec<DocId>> {
        let keys: Vec<DocKey> = items.iter().map(|(k, _)| k.clone().into()).collect();
        let mut sorted: Vec<&DocKey> = keys.iter().collect();
        sorted.sort_unstable();
        if let Some(w) = sorted.windows(2).find(|w| w[0] == w[1]) {
            return Err(Error::DuplicateKey(w[0].to_string()));
        }
        if let Some(k) = keys.iter().find(|k| self.ids.get(k).is_some()) {
            return Err(Error::DuplicateKey(k.to_string()));
        }
        for (i, ((_, v), key)) in items.iter().zip(&keys).enumerate() {
            if let Err(e) = self.index.metric().prepare(self.index.dim(), v) {
                return Err(e.at_batch_item(i, items.len(), Some(key.to_string())));
            }
        }
        let ids = keys
            .into_iter()
            .map(|k| self.ids.insert(k))
            .collect::<Result<Vec<_>>>()?;
        let rows: Vec<(DocId, &[f32])> = ids
            .iter()
            .zip(items)
            .map(|(id, (_, v))| (*id, *v))
            .collect();
        self.index.add_batch(&rows)?;
        Ok(ids)
    }

    /// Replaces the vector of `key`.
    ///
    /// # Errors
    /// [`Error::UnknownKey`]; the vector errors of [`DenseIndex::add`].
    pub fn update(&mut self, key: impl Into<DocKey>, vector: &[f32]) -> Result<()> {
        let key = key.into();
        let id = self
            .ids
            .get(&key)
            .ok_or_else(|| Error::UnknownKey(key.to_string()))?;
        self.index.update(id, vector)
    }

    /// Deletes `key` and its vector.
    ///
    /// # Errors
    /// [`Error::UnknownKey`] if `key` does not exist.
    pub fn delete(&mut self, key: impl Into<DocKey>) -> Result<()> {
        let key = key.into();
        let id = self
            .ids
            .remove(&key)
            .ok_or_else(|| Error::UnknownKey(key.to_string()))?;
        self.index.remove(id)?;
        Ok(())
    }

    /// The `params.k` nearest vectors to `query`, best first.
    ///
    /// # Errors
    /// As [`DenseIndex::search`].
    pub fn search(&self, query: &[f32], params: &SearchParams<'_>) -> Result<Vec<KeyedHit>> {
        let hits = self.index.search(query, params)?;
        Ok(hits
            .into_iter()
            .filter_map(|h| {
                self.ids.key(h.id).map(|key| KeyedHit {
                    key: key.clone(),
                    score: h.score,
                })
            })
            .collect())
    }
}
