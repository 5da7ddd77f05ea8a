//! The cache's state as plain serde data, for persistence next to the index.
//!
//! [`FaqCache::to_parts`] copies everything but the index into [`FaqParts`];
//! [`FaqCache::from_parts`] checks the parts against the index it is given and
//! rebuilds the cache. The snapshot module stores the parts with the index.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::cache::{FaqCache, FastMap, State};
use super::calibrate::LabelledScore;
use super::clock::Clock;
use super::config::FaqConfig;
use super::entry::{EntryId, FaqEntry};
use super::stats::{Counters, FaqStats};
use crate::error::{Error, Result};
use crate::ids::DocKey;
use crate::index::Index;

/// Version of the [`FaqParts`] layout.
pub const FAQ_PARTS_VERSION: u32 = 1;

/// Everything a [`FaqCache`] holds besides its index.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FaqParts {
    /// Layout version ([`FAQ_PARTS_VERSION`]).
    pub version: u32,
    /// The configuration.
    pub config: FaqConfig,
    /// The entries, by id.
    pub entries: Vec<FaqEntry>,
    /// The next entry id to assign.
    pub next_entry: u64,
    /// The next index document key to assign.
    pub next_doc: u64,
    /// The logical clock of LRU order.
    pub tick: u64,
    /// The data version.
    pub data_version: u64,
    /// The embedding model's fingerprint.
    pub fingerprint: Option<String>,
    /// Feedback labels.
    pub labels: Vec<LabelledScore>,
    /// The counters.
    pub stats: FaqStats,
    /// Phrasings at the last TF-IDF fit.
    pub fitted_at: u64,
}

impl FaqCache {
    /// A copy of the cache's state (without the index; see [`FaqCache::index_read`]).
    pub fn to_parts(&self) -> FaqParts {
        let state = self.lock_state();
        let mut entries: Vec<FaqEntry> = state.entries.values().cloned().collect();
        entries.sort_by_key(|e| e.id);
        FaqParts {
            version: FAQ_PARTS_VERSION,
            config: self.config.clone(),
            entries,
            next_entry: state.next_entry,
            next_doc: state.next_doc,
            tick: state.tick,
            data_version: state.data_version,
            fingerprint: state.fingerprint.clone(),
            labels: state.labels.clone(),
            stats: self.counters.snapshot(),
            fitted_at: state.fitted_at,
        }
    }

    /// Rebuilds a cache from its parts and its index.
    ///
    /// Checks, in order: the layout version; the configuration; entry ids unique
    /// and below `next_entry`; every entry with at least one phrasing; document
    /// keys unique, below `next_doc`, live in `index`, and the index holding no
    /// other document; the index's embedder fingerprint equal to the recorded one.
    ///
    /// # Errors
    /// [`Error::CorruptPersisted`] for a failed check; [`Error::EmbedderMismatch`]
    /// when the index's embedder is another model; the configuration's errors.
    pub fn from_parts(
        parts: FaqParts,
        index: Index,
        clock: Option<Arc<dyn Clock>>,
    ) -> Result<FaqCache> {
        if parts.version != FAQ_PARTS_VERSION {
            return Err(corrupt(
                "version",
                format!("{} (supported: {FAQ_PARTS_VERSION})", parts.version),
            ));
        }
        parts.config.validate()?;
        let (entries, doc_to_entry) = check_entries(&parts, &index)?;
        let mut fingerprint = parts.fingerprint;
        if let Some(embedder) = index.embedder() {
            let found = embedder.fingerprint();
            match &fingerprint {
                Some(expected) if *expected != found => {
                    return Err(Error::EmbedderMismatch {
                        expected: expected.clone(),
                        found,
                    });
                }
                _ => fingerprint = Some(found),
            }
        }
        let state = State {
            entries,
            doc_to_entry,
            next_entry: parts.next_entry,
            next_doc: parts.next_doc,
            tick: parts.tick,
            data_version: parts.data_version,
            fingerprint,
            labels: parts.labels,
            fitted_at: parts.fitted_at,
            namespaces: Default::default(),
        };
        let counters = Counters::from_snapshot(&parts.stats);
        Ok(FaqCache::assemble(
            parts.config,
            index,
            state,
            counters,
            clock,
        ))
    }

    /// Splits the cache into its parts and its index (e.g. to persist both).
    pub fn into_parts(self) -> (FaqParts, Index) {
        let parts = self.to_parts();
        let index = self
            .index
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        (parts, index)
    }

    /// Runs `f` with the index under a read lock (e.g. to save it).
    pub fn index_read<T>(&self, f: impl FnOnce(&Index) -> T) -> T {
        f(&self.read_index())
    }
}

type Tables = (FastMap<EntryId, FaqEntry>, FastMap<u64, EntryId>);

fn check_entries(parts: &FaqParts, index: &Index) -> Result<Tables> {
    let mut entries = FastMap::with_capacity_and_hasher(parts.entries.len(), Default::default());
    let mut doc_to_entry = FastMap::default();
    for entry in &parts.entries {
        if entry.id.0 >= parts.next_entry {
            return Err(corrupt(
                "entry id",
                format!("{} is not below next_entry {}", entry.id, parts.next_entry),
            ));
        }
        if entry.phrasings.is_empty() {
            return Err(corrupt("entry", format!("{} has no phrasing", entry.id)));
        }
        for p in &entry.phrasings {
            if p.doc_key >= parts.next_doc {
                return Err(corrupt(
                    "document key",
                    format!("{} is not below next_doc {}", p.doc_key, parts.next_doc),
                ));
            }
            if !index.contains(&DocKey::U64(p.doc_key)) {
                return Err(corrupt(
                    "document key",
                    format!("{} of {} is not in the index", p.doc_key, entry.id),
                ));
            }
            if doc_to_entry.insert(p.doc_key, entry.id).is_some() {
                return Err(corrupt(
                    "document key",
                    format!("{} is used twice", p.doc_key),
                ));
            }
        }
        if entries.insert(entry.id, entry.clone()).is_some() {
            return Err(corrupt("entry id", format!("{} is used twice", entry.id)));
        }
    }
    if index.len() != doc_to_entry.len() {
        return Err(corrupt(
            "index",
            format!(
                "{} documents for {} phrasings",
                index.len(),
                doc_to_entry.len()
            ),
        ));
    }
    Ok((entries, doc_to_entry))
}

fn corrupt(what: &'static str, detail: String) -> Error {
    Error::CorruptPersisted { what, detail }
}
