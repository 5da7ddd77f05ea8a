//! Changing a cache: insert, remove, invalidate, expire, evict, refit.

use std::sync::atomic::AtomicU64;

use super::cache::{FaqCache, State, NAMESPACE_FIELD};
use super::clock::duration_millis;
use super::config::Eviction;
use super::entry::{EntryId, FaqEntry, InsertOptions, Phrasing};
use super::stats::Counters;
use crate::error::{Error, Result};
use crate::ids::DocKey;
use crate::index::{Document, Index, StatsMode};

/// What to invalidate ([`FaqCache::invalidate`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Invalidation {
    /// One entry.
    Entry(EntryId),
    /// Every entry with this tag.
    Tag(String),
    /// Every entry of this namespace.
    Namespace(String),
    /// Every entry stored under a data version below this one.
    OlderThan(u64),
    /// Every entry citing this source document id.
    Source(String),
}

impl Invalidation {
    fn matches(&self, entry: &FaqEntry) -> bool {
        match self {
            Invalidation::Entry(id) => entry.id == *id,
            Invalidation::Tag(tag) => entry.tags.iter().any(|t| t == tag),
            Invalidation::Namespace(ns) => entry.namespace == *ns,
            Invalidation::OlderThan(v) => entry.data_version < *v,
            Invalidation::Source(doc) => entry.sources.iter().any(|s| s == doc),
        }
    }
}

/// One new entry, checked and ready to index.
struct Prepared {
    entry: FaqEntry,
    documents: Vec<Document>,
}

impl FaqCache {
    /// Stores `answer` for `question` and returns the new entry's id. When the
    /// cache is full, entries are evicted first ([`FaqConfig::eviction`](super::FaqConfig)).
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for an empty question, a zero TTL, a data version
    /// older than the current one, or alternate vectors that do not match the
    /// alternates; [`Error::EmbedderMismatch`] when `options.model` differs from the
    /// cache's model; the index's vector errors; [`Error::InvalidInput`] when the
    /// cache has run out of entry ids (only a cache rebuilt from crafted
    /// [`FaqParts`](super::FaqParts) can). The cache is unchanged on error.
    pub fn insert(&self, question: &str, answer: &str, options: InsertOptions) -> Result<EntryId> {
        let ids = self.insert_batch(vec![(question.to_string(), answer.to_string(), options)])?;
        ids.first()
            .copied()
            .ok_or_else(|| Error::InvalidInput("insert produced no entry".into()))
    }

    /// Stores several entries with one index update (the fast way to load a FAQ).
    ///
    /// # Errors
    /// As [`insert`](Self::insert), for any item; in a batch of several the
    /// error is an [`Error::BatchItem`] naming the first refused item ("batch
    /// item 517 of 1400: invalid parameter `question`: must not be empty"; its
    /// [`root`](Error::root) is the item's own error). Nothing is stored then,
    /// and the model fingerprint is not recorded.
    pub fn insert_batch(
        &self,
        items: Vec<(String, String, InsertOptions)>,
    ) -> Result<Vec<EntryId>> {
        let now = self.now_ms();
        let mut index = self.write_index();
        let mut state = self.lock_state();
        let batch_len = items.len();
        let mut prepared = Vec::with_capacity(batch_len);
        // What preparing items changes before anything is stored: restored
        // when an item or the index refuses the batch.
        let before = (
            state.next_entry,
            state.next_doc,
            state.tick,
            state.fingerprint.clone(),
        );
        let restore = |state: &mut State| {
            let (next_entry, next_doc, tick, fingerprint) = before.clone();
            (state.next_entry, state.next_doc, state.tick) = (next_entry, next_doc, tick);
            state.fingerprint = fingerprint;
        };
        for (i, (question, answer, options)) in items.into_iter().enumerate() {
            match self.prepare(&mut state, question, answer, options, now) {
                Ok(p) => prepared.push(p),
                Err(e) => {
                    restore(&mut state);
                    return Err(e.at_batch_item(i, batch_len, None));
                }
            }
        }
        // The batch item of each document (an entry has one per phrasing).
        let doc_items: Vec<usize> = prepared
            .iter()
            .enumerate()
            .flat_map(|(item, p)| std::iter::repeat_n(item, p.documents.len()))
            .collect();
        let documents: Vec<Document> = prepared
            .iter_mut()
            .flat_map(|p| std::mem::take(&mut p.documents))
            .collect();
        if let Err(e) = index.add_batch(documents) {
            restore(&mut state);
            return Err(name_batch_item(e, &doc_items, batch_len));
        }
        let ids: Vec<EntryId> = prepared.iter().map(|p| p.entry.id).collect();
        for p in prepared {
            for phrasing in &p.entry.phrasings {
                state.doc_to_entry.insert(phrasing.doc_key, p.entry.id);
            }
            state.namespaces.add(&p.entry);
            state.entries.insert(p.entry.id, p.entry);
        }
        Counters::bump(&self.counters.inserts, ids.len() as u64);
        self.evict_over_capacity(&mut index, &mut state, &ids)?;
        self.maybe_refit(&mut index, &mut state)?;
        Ok(ids)
    }

    fn prepare(
        &self,
        state: &mut State,
        question: String,
        answer: String,
        options: InsertOptions,
        now: u64,
    ) -> Result<Prepared> {
        check_insert(state, &question, &options)?;
        state.accept_model(options.model.as_deref())?;
        let mut texts = vec![question];
        texts.extend(options.alternates);
        // Ids are never reused; only a cache loaded from crafted parts can
        // have run out of them (2^64 inserts otherwise).
        let exhausted = || Error::InvalidInput("the cache has run out of entry ids".into());
        let id = EntryId(state.next_entry);
        state.next_entry = state.next_entry.checked_add(1).ok_or_else(exhausted)?;
        state
            .next_doc
            .checked_add(texts.len() as u64)
            .ok_or_else(exhausted)?;
        let mut vectors: Vec<Option<Vec<f32>>> = vec![options.vector];
        vectors.extend(options.alternate_vectors.into_iter().map(Some));
        let mut phrasings = Vec::with_capacity(texts.len());
        let mut documents = Vec::with_capacity(texts.len());
        for (i, text) in texts.into_iter().enumerate() {
            let doc_key = state.next_doc;
            state.next_doc += 1;
            let mut doc = Document::new(DocKey::U64(doc_key))
                .title(text.clone())
                .meta(NAMESPACE_FIELD, options.namespace.clone());
            if let Some(Some(v)) = vectors.get_mut(i).map(Option::take) {
                doc = doc.vector(v);
            }
            documents.push(doc);
            phrasings.push(Phrasing { doc_key, text });
        }
        let tick = state.next_tick();
        let entry = FaqEntry {
            id,
            phrasings,
            answer,
            namespace: options.namespace,
            tags: options.tags,
            data_version: options.data_version.unwrap_or(state.data_version),
            sources: options.sources,
            metadata: options.metadata,
            created_ms: now,
            last_used_ms: now,
            ttl_ms: options.ttl.or(self.config.default_ttl).map(duration_millis),
            ttl_kind: options.ttl_kind.unwrap_or(self.config.ttl_kind),
            hits: 0,
            last_tick: tick,
        };
        Ok(Prepared { entry, documents })
    }

    /// Removes one entry; `Ok(false)` if there was none.
    ///
    /// # Errors
    /// Index errors (not expected: the entry's documents are live).
    pub fn remove(&self, id: EntryId) -> Result<bool> {
        Ok(self.invalidate(Invalidation::Entry(id))? == 1)
    }

    /// Removes every entry matching `what` and returns how many.
    ///
    /// # Errors
    /// Index errors (not expected).
    pub fn invalidate(&self, what: Invalidation) -> Result<usize> {
        self.remove_where(|e| what.matches(e), &self.counters.invalidations)
    }

    /// Advances the data version by one and invalidates every entry stored under
    /// an older version; returns the new version.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] when the version is already `u64::MAX` (nothing
    /// changes then); index errors (not expected).
    pub fn bump_data_version(&self) -> Result<u64> {
        // One critical section: a lookup or snapshot that sees the new
        // version also sees the old entries gone (raising the version and
        // removing them under separate locks let a lookup in between serve
        // an entry of the old version).
        let mut index = self.write_index();
        let mut state = self.lock_state();
        let version = state.data_version.checked_add(1).ok_or_else(|| {
            Error::InvalidInput("the data version is at its maximum (u64::MAX)".into())
        })?;
        let stale = Invalidation::OlderThan(version);
        remove_matching(
            &mut index,
            &mut state,
            |e| stale.matches(e),
            &self.counters.invalidations,
        )?;
        state.data_version = version;
        Ok(version)
    }

    /// A source document changed or was deleted: invalidates the entries citing
    /// it and returns how many.
    ///
    /// # Errors
    /// Index errors (not expected).
    pub fn on_source_changed(&self, doc_id: &str) -> Result<usize> {
        self.invalidate(Invalidation::Source(doc_id.to_string()))
    }

    /// [`on_source_changed`](Self::on_source_changed) for several documents at once.
    ///
    /// # Errors
    /// Index errors (not expected).
    pub fn invalidate_sources<S: AsRef<str>>(&self, doc_ids: &[S]) -> Result<usize> {
        self.remove_where(
            |e| {
                doc_ids
                    .iter()
                    .any(|d| e.sources.iter().any(|s| s == d.as_ref()))
            },
            &self.counters.invalidations,
        )
    }

    /// Removes every expired entry and returns how many (lookups also drop the
    /// expired entries they meet, and never serve them).
    ///
    /// # Errors
    /// Index errors (not expected).
    pub fn purge_expired(&self) -> Result<usize> {
        let now = self.now_ms();
        self.remove_where(|e| e.is_expired(now), &self.counters.expirations)
    }

    pub(crate) fn purge_if_expired(&self, ids: &[EntryId]) -> Result<usize> {
        let now = self.now_ms();
        self.remove_where(
            |e| ids.contains(&e.id) && e.is_expired(now),
            &self.counters.expirations,
        )
    }

    /// Refits the TF-IDF statistics on the stored phrasings (see
    /// [`FaqConfig::refit_growth`](super::FaqConfig)). Scores change slightly.
    ///
    /// # Errors
    /// The index's fitting errors.
    pub fn refit(&self) -> Result<()> {
        let mut index = self.write_index();
        let mut state = self.lock_state();
        index.refit()?;
        state.fitted_at = index.len() as u64;
        Ok(())
    }

    fn remove_where(&self, pred: impl Fn(&FaqEntry) -> bool, counter: &AtomicU64) -> Result<usize> {
        let mut index = self.write_index();
        let mut state = self.lock_state();
        remove_matching(&mut index, &mut state, pred, counter)
    }

    /// Evicts down to `max_entries`, sparing the entries just inserted (`fresh`)
    /// unless they alone exceed the capacity (LFU would otherwise evict every
    /// new entry first, as it has no hits yet).
    fn evict_over_capacity(
        &self,
        index: &mut Index,
        state: &mut State,
        fresh: &[EntryId],
    ) -> Result<()> {
        let Some(max) = self.config.max_entries else {
            return Ok(());
        };
        let excess = state.entries.len().saturating_sub(max);
        if excess == 0 {
            return Ok(());
        }
        let mut order: Vec<(u64, u64, u64, EntryId)> = state
            .entries
            .values()
            .map(|e| {
                let spared = u64::from(fresh.contains(&e.id));
                match self.config.eviction {
                    Eviction::Lru => (spared, 0, e.last_tick, e.id),
                    Eviction::Lfu => (spared, e.hits, e.last_tick, e.id),
                }
            })
            .collect();
        order.sort_unstable();
        let victims: Vec<EntryId> = order
            .into_iter()
            .take(excess)
            .map(|(_, _, _, id)| id)
            .collect();
        remove_entries(index, state, &victims)?;
        Counters::bump(&self.counters.evictions, victims.len() as u64);
        Ok(())
    }

    fn maybe_refit(&self, index: &mut Index, state: &mut State) -> Result<()> {
        let n = index.len() as u64;
        if self.config.index.stats != StatsMode::Frozen || n == 0 {
            return Ok(());
        }
        if state.fitted_at == 0 {
            state.fitted_at = n; // the first documents fitted the index
            return Ok(());
        }
        let Some(growth) = self.config.refit_growth else {
            return Ok(());
        };
        if n as f64 >= growth * state.fitted_at as f64 {
            match index.refit() {
                // The entries are stored by now: a vocabulary that scikit-learn's
                // rules refuse on the grown set (every term pruned by min_df /
                // max_df, say) keeps the previous fit, as a live index keeps an
                // empty one, instead of failing an insert that happened. The
                // next attempt waits for the same growth again;
                // `FaqCache::refit` reports the error.
                Ok(_)
                | Err(Error::EmptyVocabulary | Error::MaxDfBelowMinDf | Error::NoTermsRemain) => {
                    state.fitted_at = n;
                }
                Err(other) => return Err(other),
            }
        }
        Ok(())
    }
}

/// Removes the entries matching `pred` (the caller holds both locks) and
/// counts them in `counter`.
fn remove_matching(
    index: &mut Index,
    state: &mut State,
    pred: impl Fn(&FaqEntry) -> bool,
    counter: &AtomicU64,
) -> Result<usize> {
    let ids: Vec<EntryId> = state
        .entries
        .values()
        .filter(|e| pred(e))
        .map(|e| e.id)
        .collect();
    remove_entries(index, state, &ids)?;
    Counters::bump(counter, ids.len() as u64);
    Ok(ids.len())
}

/// The index's error for a refused document of the batch, naming the cache's
/// batch item instead (the document keys are the cache's own).
fn name_batch_item(error: Error, doc_items: &[usize], batch_len: usize) -> Error {
    match error {
        Error::BatchItem {
            position, error, ..
        } => match doc_items.get(position) {
            Some(&item) => error.at_batch_item(item, batch_len, None),
            None => *error,
        },
        other => other,
    }
}

fn check_insert(state: &State, question: &str, options: &InsertOptions) -> Result<()> {
    if question.trim().is_empty() || options.alternates.iter().any(|a| a.trim().is_empty()) {
        return Err(Error::invalid_parameter("question", "must not be empty"));
    }
    if options.ttl.is_some_and(|t| t.is_zero()) {
        return Err(Error::invalid_parameter("ttl", "must be positive"));
    }
    if options.data_version.is_some_and(|v| v < state.data_version) {
        return Err(Error::invalid_parameter(
            "data_version",
            format!(
                "older than the current version {}; the entry would be stale at once",
                state.data_version
            ),
        ));
    }
    let n_alt_vectors = options.alternate_vectors.len();
    if n_alt_vectors != 0 && (n_alt_vectors != options.alternates.len() || options.vector.is_none())
    {
        return Err(Error::invalid_parameter(
            "alternate_vectors",
            "give a vector for the question and for every alternate, or none",
        ));
    }
    Ok(())
}

/// Removes entries from the index and the table (ids not present are skipped).
pub(crate) fn remove_entries(index: &mut Index, state: &mut State, ids: &[EntryId]) -> Result<()> {
    let mut keys = Vec::new();
    for id in ids {
        if let Some(entry) = state.entries.get(id) {
            keys.extend(
                entry
                    .phrasings
                    .iter()
                    .map(|p| DocKey::U64(p.doc_key))
                    .filter(|k| index.contains(k)),
            );
        }
    }
    index.delete_batch(&keys)?;
    for id in ids {
        if let Some(entry) = state.entries.remove(id) {
            for p in &entry.phrasings {
                state.doc_to_entry.remove(&p.doc_key);
            }
            state.namespaces.remove(&entry);
        }
    }
    Ok(())
}
