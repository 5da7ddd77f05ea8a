//! Document identifiers: the caller's keys and the dense internal ids they map to.
//!
//! A caller names documents with a [`DocKey`] (a `u64` or a string). Inside
//! the engine every document is a [`DocId`], a `u32` assigned densely in
//! insertion order by an [`IdMap`]. The sparse and the dense sides share one
//! `IdMap`, so a hybrid query joins both sides on `DocId`.
//!
//! Removing a key leaves its `DocId` dead forever (a tombstone): a `DocId` is
//! never reused, so a stale `DocId` can never name a different document.

use std::collections::HashMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// The caller's name for a document.
///
/// Serialised as an externally tagged enum (`{"U64":7}` / `{"Str":"faq-1"}`
/// in JSON) because bincode cannot decode untagged enums.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum DocKey {
    /// A numeric key.
    U64(u64),
    /// A string key.
    Str(Box<str>),
}

impl fmt::Display for DocKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DocKey::U64(n) => write!(f, "{n}"),
            DocKey::Str(s) => write!(f, "{s:?}"),
        }
    }
}

impl From<u64> for DocKey {
    fn from(n: u64) -> Self {
        DocKey::U64(n)
    }
}

impl From<&str> for DocKey {
    fn from(s: &str) -> Self {
        DocKey::Str(s.into())
    }
}

impl From<String> for DocKey {
    fn from(s: String) -> Self {
        DocKey::Str(s.into_boxed_str())
    }
}

/// The engine's internal id of a document: dense, assigned in insertion order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct DocId(pub(crate) u32);

impl DocId {
    /// The id as an index into per-document arrays.
    pub fn index(self) -> usize {
        self.0 as usize
    }

    /// The raw `u32`.
    pub fn as_u32(self) -> u32 {
        self.0
    }
}

impl fmt::Display for DocId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// A two-way map between [`DocKey`]s and [`DocId`]s.
///
/// `DocId`s are handed out densely (0, 1, 2, …) in insertion order; a removed
/// key keeps its `DocId` dead forever, and adding the same key again gives it
/// a fresh `DocId`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(try_from = "Vec<Option<DocKey>>", into = "Vec<Option<DocKey>>")]
pub struct IdMap {
    /// `keys[id]` is the key of `DocId(id)`, `None` once removed.
    keys: Vec<Option<DocKey>>,
    by_key: HashMap<DocKey, DocId>,
}

impl IdMap {
    /// An empty map.
    pub fn new() -> Self {
        IdMap::default()
    }

    /// Assigns the next `DocId` to `key`.
    ///
    /// # Errors
    /// [`Error::DuplicateKey`] if `key` is live; [`Error::InvalidInput`] once
    /// 2³² − 1 ids have been assigned.
    pub fn insert(&mut self, key: DocKey) -> Result<DocId> {
        if self.by_key.contains_key(&key) {
            return Err(Error::DuplicateKey(key.to_string()));
        }
        let id = next_id(self.keys.len())?;
        self.by_key.insert(key.clone(), id);
        self.keys.push(Some(key));
        Ok(id)
    }

    /// The live `DocId` of `key`.
    pub fn get(&self, key: &DocKey) -> Option<DocId> {
        self.by_key.get(key).copied()
    }

    /// The key of a live `DocId`.
    pub fn key(&self, id: DocId) -> Option<&DocKey> {
        self.keys.get(id.index()).and_then(Option::as_ref)
    }

    /// Whether `id` names a live document.
    pub fn is_live(&self, id: DocId) -> bool {
        self.key(id).is_some()
    }

    /// Removes `key`, returning its now-dead `DocId`.
    pub fn remove(&mut self, key: &DocKey) -> Option<DocId> {
        let id = self.by_key.remove(key)?;
        if let Some(slot) = self.keys.get_mut(id.index()) {
            *slot = None;
        }
        Some(id)
    }

    /// Number of live keys.
    pub fn len(&self) -> usize {
        self.by_key.len()
    }

    /// Whether no key is live.
    pub fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }

    /// Number of `DocId`s ever assigned (live or dead): every `DocId` is below this.
    pub fn id_bound(&self) -> usize {
        self.keys.len()
    }

    /// Live `(DocId, key)` pairs in `DocId` order.
    pub fn iter(&self) -> impl Iterator<Item = (DocId, &DocKey)> + '_ {
        self.keys
            .iter()
            .enumerate()
            .filter_map(|(i, k)| k.as_ref().map(|k| (DocId(i as u32), k)))
    }
}

fn next_id(len: usize) -> Result<DocId> {
    u32::try_from(len)
        .ok()
        .filter(|&n| n < u32::MAX)
        .map(DocId)
        .ok_or_else(|| Error::InvalidInput("document id space (2^32 - 1 ids) exhausted".into()))
}

impl From<IdMap> for Vec<Option<DocKey>> {
    fn from(map: IdMap) -> Self {
        map.keys
    }
}

impl TryFrom<Vec<Option<DocKey>>> for IdMap {
    type Error = Error;

    /// Rebuilds the reverse map; a key listed twice is [`Error::DuplicateKey`].
    fn try_from(keys: Vec<Option<DocKey>>) -> Result<Self> {
        next_id(keys.len())?;
        let mut by_key = HashMap::with_capacity(keys.len());
        for (i, key) in keys.iter().enumerate() {
            if let Some(key) = key {
                if by_key.insert(key.clone(), DocId(i as u32)).is_some() {
                    return Err(Error::DuplicateKey(key.to_string()));
                }
            }
        }
        Ok(IdMap { keys, by_key })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_dense_and_never_reused() {
        let mut map = IdMap::new();
        let a = map.insert("a".into()).unwrap();
        let b = map.insert(7u64.into()).unwrap();
        assert_eq!((a.index(), b.index()), (0, 1));
        assert_eq!(map.remove(&"a".into()), Some(a));
        assert!(!map.is_live(a));
        let a2 = map.insert("a".into()).unwrap();
        assert_eq!(a2.index(), 2);
        assert_eq!(map.len(), 2);
        assert_eq!(map.id_bound(), 3);
        assert_eq!(map.key(b), Some(&DocKey::U64(7)));
    }

    #[test]
    fn duplicate_key_is_an_error() {
        let mut map = IdMap::new();
        map.insert(String::from("x").into()).unwrap();
        assert!(matches!(
            map.insert("x".into()),
            Err(Error::DuplicateKey(_))
        ));
    }

    #[test]
    fn serde_round_trip_and_duplicate_rejection() {
        let mut map = IdMap::new();
        map.insert("x".into()).unwrap();
        map.insert(3u64.into()).unwrap();
        map.remove(&"x".into());
        let cfg = bincode::config::standard();
        let bytes = bincode::serde::encode_to_vec(&map, cfg).unwrap();
        let (back, _): (IdMap, usize) = bincode::serde::decode_from_slice(&bytes, cfg).unwrap();
        assert_eq!(back.get(&3u64.into()), Some(DocId(1)));
        assert!(!back.is_live(DocId(0)));
        let dup = vec![Some(DocKey::U64(1)), Some(DocKey::U64(1))];
        assert!(matches!(IdMap::try_from(dup), Err(Error::DuplicateKey(_))));
    }
}
