//! [`FaqCache`]: the cache itself, and lookups.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use super::calibrate::LabelledScore;
use super::clock::{millis_since_epoch, Clock, SystemClock};
use super::config::LexicalVeto;
use super::config::{FaqConfig, ScoreMode};
use super::entry::{EntryId, FaqEntry, TtlKind};
use super::guards::{self, Scored};
use super::lookup::{
    Candidate, FaqHit, FaqMiss, HitExplanation, Lookup, LookupRequest, Refusal, VetoReason,
};
use super::stats::{Counters, FaqStats};
use crate::embed::Embedder;
use crate::error::{Error, Result};
use crate::ids::DocKey;
use crate::index::terms::QueryAnalysis;
use crate::index::{Filter, Index};
use crate::query::{Mode, SearchRequest, SideScores};

/// Score difference within which candidates count as tied.
pub(crate) const TIE: f64 = 1e-9;

/// The metadata field of every index document that holds its entry's namespace.
pub(crate) const NAMESPACE_FIELD: &str = "faq_namespace";

/// A semantic FAQ cache on top of an [`Index`].
///
/// Every phrasing of every entry is one index document (key = a `u64` doc key,
/// title = the phrasing, metadata `faq_namespace`). A lookup searches the
/// phrasings of its namespace, keeps each entry's best phrasing, scores it in
/// the configured [`ScoreMode`], and serves the best entry's answer when the
/// score reaches the threshold and no guard refuses.
///
/// All methods take `&self`: the index sits behind a `RwLock` (lookups read,
/// changes write), the entry table behind a `Mutex` taken after the index lock
/// (never the other way round), and the counters are atomics.
///
/// ```
/// use twofold::faq::{FaqCache, FaqConfig, InsertOptions, ScoreMode};
/// let config = FaqConfig { score: ScoreMode::Sparse, threshold: 0.5, ..FaqConfig::default() };
/// let cache = FaqCache::builder().config(config).build()?;
/// cache.insert("How do I reset my password?", "Settings > Account > Reset.", InsertOptions::new())?;
/// cache.insert("What are your opening hours?", "9 to 5.", InsertOptions::new())?;
/// let found = cache.lookup("how can I reset my password")?;
/// assert_eq!(found.hit().map(|h| h.answer.as_str()), Some("Settings > Account > Reset."));
/// # Ok::<(), twofold::Error>(())
/// ```
pub struct FaqCache {
    pub(crate) config: FaqConfig,
    pub(crate) index: RwLock<Index>,
    pub(crate) state: Mutex<State>,
    pub(crate) counters: Counters,
    pub(crate) clock: Arc<dyn Clock>,
    /// The lexical veto's analyses of stored phrasings, by document key.
    pub(crate) analysed: AnalysisMemo,
}

impl std::fmt::Debug for FaqCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaqCache")
            .field("entries", &self.len())
            .field("config", &self.config)
            .field("stats", &self.stats())
            .finish()
    }
}

/// The entry table and counters that change with entries.
#[derive(Debug, Default)]
pub(crate) struct State {
    pub entries: FastMap<EntryId, FaqEntry>,
    pub doc_to_entry: FastMap<u64, EntryId>,
    pub next_entry: u64,
    pub next_doc: u64,
    pub tick: u64,
    pub data_version: u64,
    pub fingerprint: Option<String>,
    pub labels: Vec<LabelledScore>,
    /// Phrasings in the index at the last TF-IDF fit (0 before the first).
    pub fitted_at: u64,
    /// Index documents (phrasings) per namespace, to skip the namespace filter
    /// when one namespace holds them all. Recomputed by [`FaqCache::assemble`].
    pub namespaces: NamespaceCounts,
}

impl State {
    /// Checks `model` against the recorded fingerprint, recording it if none is.
    pub fn accept_model(&mut self, model: Option<&str>) -> Result<()> {
        match (model, &self.fingerprint) {
            (Some(found), Some(expected)) if found != expected => Err(Error::EmbedderMismatch {
                expected: expected.clone(),
                found: found.to_string(),
            }),
            (Some(found), None) => {
                self.fingerprint = Some(found.to_string());
                Ok(())
            }
            _ => Ok(()),
        }
    }

    pub fn next_tick(&mut self) -> u64 {
        self.tick = self.tick.saturating_add(1);
        self.tick
    }
}

/// What the index found for a lookup: the mode that ran and each candidate
/// phrasing (its document key) with its exact per-side scores.
pub(crate) struct Found {
    mode: Mode,
    hits: Vec<(u64, SideScores)>,
    /// The question's analysis, when the sparse side needed it (the lexical
    /// veto reuses it).
    analysis: Option<QueryAnalysis>,
}

/// A map with foldhash (hashbrown's default hasher): the entry maps are read
/// once per candidate of every lookup, and SipHash's cost showed up there.
pub(crate) type FastMap<K, V> = HashMap<K, V, hashbrown::DefaultHashBuilder>;

/// Number of index documents (phrasings) of each namespace.
#[derive(Debug, Default)]
pub(crate) struct NamespaceCounts(HashMap<String, usize>);

impl NamespaceCounts {
    /// Counts the phrasings of `entries`.
    pub fn of<'a>(entries: impl IntoIterator<Item = &'a FaqEntry>) -> Self {
        let mut counts = NamespaceCounts::default();
        for entry in entries {
            counts.add(entry);
        }
        counts
    }

    /// Records the phrasings of a stored entry.
    pub fn add(&mut self, entry: &FaqEntry) {
        *self.0.entry(entry.namespace.clone()).or_insert(0) += entry.phrasings.len();
    }

    /// Forgets the phrasings of a removed entry.
    pub fn remove(&mut self, entry: &FaqEntry) {
        if let Some(n) = self.0.get_mut(&entry.namespace) {
            *n = n.saturating_sub(entry.phrasings.len());
            if *n == 0 {
                self.0.remove(&entry.namespace);
            }
        }
    }

    /// Whether `namespace` is the only one and holds all `live` index documents,
    /// so that a namespace filter would accept every document.
    pub fn holds_all(&self, namespace: &str, live: usize) -> bool {
        self.0.len() == 1 && self.0.get(namespace) == Some(&live)
    }
}

/// Builds a [`FaqCache`]: configuration, optional embedder, optional clock.
#[derive(Default)]
pub struct FaqCacheBuilder {
    config: FaqConfig,
    embedder: Option<Arc<dyn Embedder>>,
    clock: Option<Arc<dyn Clock>>,
}

impl std::fmt::Debug for FaqCacheBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaqCacheBuilder")
            .field("config", &self.config)
            .field("embedder", &self.embedder.as_ref().map(|e| e.fingerprint()))
            .finish()
    }
}

impl FaqCacheBuilder {
    /// Sets the configuration (default [`FaqConfig::default`]).
    pub fn config(mut self, config: FaqConfig) -> Self {
        self.config = config;
        self
    }

    /// Gives the cache an embedder: questions are embedded on insert and lookup,
    /// and its fingerprint is recorded.
    pub fn embedder(mut self, embedder: Arc<dyn Embedder>) -> Self {
        self.embedder = Some(embedder);
        self
    }

    /// Sets the clock (default [`SystemClock`]).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Builds an empty cache.
    ///
    /// # Errors
    /// [`FaqConfig::validate`]'s errors; [`Error::EmbedderMismatch`] when both an
    /// embedder and a different [`FaqConfig::vector_model`] are given.
    pub fn build(self) -> Result<FaqCache> {
        self.config.validate()?;
        let mut builder = Index::builder().config(self.config.index.clone());
        let mut state = State {
            fingerprint: self.config.vector_model.clone(),
            ..State::default()
        };
        if let Some(embedder) = self.embedder {
            state.accept_model(Some(&embedder.fingerprint()))?;
            builder = builder.embedder(embedder);
        }
        let index = builder.build(Vec::new())?;
        Ok(FaqCache::assemble(
            self.config,
            index,
            state,
            Counters::default(),
            self.clock,
        ))
    }
}

impl FaqCache {
    /// A builder with the default configuration, no embedder and the system clock.
    pub fn builder() -> FaqCacheBuilder {
        FaqCacheBuilder::default()
    }

    pub(crate) fn assemble(
        config: FaqConfig,
        index: Index,
        state: State,
        counters: Counters,
        clock: Option<Arc<dyn Clock>>,
    ) -> FaqCache {
        let mut state = state;
        state.namespaces = NamespaceCounts::of(state.entries.values());
        FaqCache {
            config,
            index: RwLock::new(index),
            state: Mutex::new(state),
            counters,
            clock: clock.unwrap_or_else(|| Arc::new(SystemClock)),
            analysed: AnalysisMemo::default(),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &FaqConfig {
        &self.config
    }

    /// Number of live entries (expired ones count until purged).
    pub fn len(&self) -> usize {
        self.lock_state().entries.len()
    }

    /// Whether the cache has no entries.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A copy of one entry.
    pub fn get(&self, id: EntryId) -> Option<FaqEntry> {
        self.lock_state().entries.get(&id).cloned()
    }

    /// The counters.
    pub fn stats(&self) -> FaqStats {
        self.counters.snapshot()
    }

    /// The current data version (starts at 0).
    pub fn data_version(&self) -> u64 {
        self.lock_state().data_version
    }

    /// The embedding model's fingerprint, once known.
    pub fn fingerprint(&self) -> Option<String> {
        self.lock_state().fingerprint.clone()
    }

    /// Looks `question` up in the default namespace with the configured threshold.
    ///
    /// # Errors
    /// As [`lookup_with`](Self::lookup_with).
    pub fn lookup(&self, question: &str) -> Result<Lookup> {
        self.lookup_with(&LookupRequest::new(question))
    }

    /// Looks a question up.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for a threshold looser than the configured one
    /// or not finite; [`Error::EmbedderMismatch`] for a vector from another model;
    /// the index's search errors (bad vector, dense mode without a vector, the
    /// embedder's errors).
    pub fn lookup_with(&self, request: &LookupRequest) -> Result<Lookup> {
        let threshold = self.effective_threshold(request.threshold)?;
        let now = self.now_ms();
        let mut expired = Vec::new();
        let lookup = {
            let index = self.read_index();
            let whole = self.check_request(&index, request)?;
            let results = self.search(&index, request, whole)?;
            let mut state = self.lock_state();
            let (ranked, mode) = self.rank(&results, &state, now, &mut expired);
            let analysis = results.as_ref().and_then(|f| f.analysis.as_ref());
            let asked = Asked { request, analysis };
            let lookup = self.decide(&index, &state, asked, &ranked, mode, threshold);
            if let Lookup::Hit(hit) = &lookup {
                touch(&mut state, hit.entry_id, now);
            }
            lookup
        };
        self.count(&lookup);
        if !expired.is_empty() {
            self.purge_if_expired(&expired)?;
        }
        Ok(lookup)
    }

    /// The best `n` unexpired entries for a lookup, best first, each with its
    /// best phrasing; no threshold, no guards, no counters, no LRU update (for
    /// evaluation and calibration). At most [`FaqConfig::candidates`] phrasings are searched.
    ///
    /// # Errors
    /// As [`lookup_with`](Self::lookup_with), except that the threshold is not checked.
    pub fn nearest(&self, request: &LookupRequest, n: usize) -> Result<Vec<Candidate>> {
        let index = self.read_index();
        let whole = self.check_request(&index, request)?;
        let results = self.search(&index, request, whole)?;
        let state = self.lock_state();
        let ranked = self
            .rank(&results, &state, self.now_ms(), &mut Vec::new())
            .0;
        Ok(ranked.iter().take(n).map(candidate).collect())
    }

    /// The best entry for a lookup and the guard that would refuse it, with
    /// no threshold: what [`lookup_with`](Self::lookup_with) would decide at
    /// any threshold the best score passes. No counters, no LRU update. Used to
    /// calibrate the whole decision (a refused best entry is never served).
    ///
    /// # Errors
    /// As [`nearest`](Self::nearest).
    pub fn assess(&self, request: &LookupRequest) -> Result<(Option<Candidate>, Option<Refusal>)> {
        let index = self.read_index();
        let whole = self.check_request(&index, request)?;
        let results = self.search(&index, request, whole)?;
        let state = self.lock_state();
        let (ranked, mode) = self.rank(&results, &state, self.now_ms(), &mut Vec::new());
        let best = ranked.first().map(candidate);
        let analysis = results.as_ref().and_then(|f| f.analysis.as_ref());
        let asked = Asked { request, analysis };
        let lookup = self.decide(&index, &state, asked, &ranked, mode, f64::NEG_INFINITY);
        let refusal = match lookup {
            Lookup::Miss(miss) => miss.refused_by,
            Lookup::Hit(_) => None,
        };
        Ok((best, refusal))
    }

    fn effective_threshold(&self, requested: Option<f64>) -> Result<f64> {
        let configured = self.config.threshold;
        match requested {
            None => Ok(configured),
            Some(t) if !t.is_finite() => {
                Err(Error::invalid_parameter("threshold", "must be finite"))
            }
            Some(t) if t < configured => Err(Error::invalid_parameter(
                "threshold",
                format!(
                    "{t} is looser than the configured {configured}; a lookup may only be stricter"
                ),
            )),
            Some(t) => Ok(t),
        }
    }

    /// Checks the request's model (see [`State::accept_model`]) and tells
    /// whether the request's namespace holds every document of `index`.
    fn check_request(&self, index: &Index, request: &LookupRequest) -> Result<bool> {
        let mut state = self.lock_state();
        state.accept_model(request.model.as_deref())?;
        Ok(state.namespaces.holds_all(&request.namespace, index.len()))
    }

    /// Searches the phrasings of the request's namespace: the top
    /// [`FaqConfig::candidates`] of each side that runs, each with its exact
    /// per-side scores (no fusion: the cache scores candidates itself). When
    /// `whole_index` (the namespace holds every document) the namespace filter
    /// is left out: it would accept everything, and a filter makes both
    /// retrievers test each candidate (and the dense side sample its selectivity).
    fn search(
        &self,
        index: &Index,
        request: &LookupRequest,
        whole_index: bool,
    ) -> Result<Option<Found>> {
        if index.is_empty() {
            return Ok(None);
        }
        let k = self.config.candidates;
        let mut search = SearchRequest::text(request.question.clone())
            .k(k)
            .candidates(k);
        if !whole_index {
            search = search.filter(Filter::eq(NAMESPACE_FIELD, request.namespace.clone()));
        }
        if let Some(vector) = &request.vector {
            search = search.with_vector(vector.clone());
        }
        search = search.mode(match self.config.score {
            ScoreMode::Sparse => Mode::Sparse,
            ScoreMode::Dense => Mode::Dense,
            ScoreMode::Hybrid => Mode::Hybrid,
        });
        // Analysed once here when the sparse side runs: the lexical veto
        // compares the same terms.
        let analysis =
            (self.config.score != ScoreMode::Dense).then(|| index.analyse_query(&request.question));
        let (mode, scored) = index.scored_candidates(&search, analysis.as_ref())?;
        // Sized up front: a filtered collect grows by doubling from 4 (this
        // and the other per-lookup collects sized here cost ~5k instructions
        // of reallocation per FAQ lookup).
        let mut hits = Vec::with_capacity(scored.len());
        hits.extend(
            scored
                .into_iter()
                .filter_map(|c| match index.ids().key(c.id) {
                    Some(DocKey::U64(doc)) => Some((*doc, c)),
                    _ => None,
                }),
        );
        Ok(Some(Found {
            mode,
            hits,
            analysis,
        }))
    }

    /// One candidate per live, unexpired entry (its best phrasing), best first.
    fn rank<'s>(
        &self,
        found: &Option<Found>,
        state: &'s State,
        now: u64,
        expired: &mut Vec<EntryId>,
    ) -> (Vec<Scored<'s>>, Mode) {
        let Some(found) = found else {
            return (Vec::new(), Mode::Sparse);
        };
        // Resolve all candidates' entries before using any: each resolution is
        // a chain of cache misses (two map probes, then the entry), and loops
        // without a dependency between candidates let the CPU overlap them.
        let ids: Vec<Option<EntryId>> = found
            .hits
            .iter()
            .map(|(doc, _)| state.doc_to_entry.get(doc).copied())
            .collect();
        let entries: Vec<Option<&FaqEntry>> = ids
            .iter()
            .map(|id| id.and_then(|id| state.entries.get(&id)))
            .collect();
        let mut ranked: Vec<Scored<'s>> = Vec::with_capacity(entries.len());
        for (&(doc, scores), entry) in found.hits.iter().zip(entries) {
            let Some(entry) = entry else {
                continue;
            };
            if entry.is_expired(now) {
                if !expired.contains(&entry.id) {
                    expired.push(entry.id);
                }
                continue;
            }
            let scored = Scored {
                entry: entry.id,
                doc: scores.id,
                key: doc,
                stored: entry,
                answer: &entry.answer,
                score: self.score(&scores, found.mode),
                sparse: scores.sparse,
                dense: scores.dense,
            };
            // Several phrasings of one entry: keep the best-scoring one.
            match ranked.iter_mut().find(|c| c.entry == entry.id) {
                Some(existing) if scored.score > existing.score => *existing = scored,
                Some(_) => {}
                None => ranked.push(scored),
            }
        }
        // Entries are unique by now, so the order is total and an unstable
        // sort gives the stable sort's result, without its scratch buffer.
        ranked.sort_unstable_by(|a, b| b.score.total_cmp(&a.score).then(a.entry.cmp(&b.entry)));
        (ranked, found.mode)
    }

    /// The cache score of one candidate under the mode that ran.
    fn score(&self, hit: &SideScores, mode_used: Mode) -> f64 {
        let sparse = hit.sparse.unwrap_or(0.0);
        let dense = hit.dense.unwrap_or(0.0);
        match mode_used {
            Mode::Sparse => sparse,
            Mode::Dense => hit.dense.unwrap_or(f64::NEG_INFINITY),
            Mode::Hybrid => {
                let w = self.config.dense_weight;
                w * dense + (1.0 - w) * sparse
            }
        }
    }

    fn decide(
        &self,
        index: &Index,
        state: &State,
        asked: Asked,
        ranked: &[Scored],
        mode: Mode,
        threshold: f64,
    ) -> Lookup {
        let miss = |refused_by: Option<Refusal>| {
            Lookup::Miss(FaqMiss {
                nearest: ranked
                    .iter()
                    .take(self.config.nearest)
                    .map(candidate)
                    .collect(),
                refused_by,
                threshold,
            })
        };
        if !ranked.first().is_some_and(|b| b.score >= threshold) {
            return miss(None);
        }
        let mut passed = Vec::new();
        // The lexical veto first: a vetoed best candidate ("turn on X" for
        // "turn off X") gives way to the next one above the threshold.
        let ranked = match &self.config.lexical_veto {
            Some(veto) => {
                match first_unvetoed(veto, index, &self.analysed, asked, ranked, threshold) {
                    Ok(rest) => {
                        passed.push("lexical_veto");
                        rest
                    }
                    Err(refusal) => return miss(Some(refusal)),
                }
            }
            None => ranked,
        };
        let Some(best) = ranked.first() else {
            return miss(None);
        };
        if let Some(gate) = &self.config.dual_gate {
            if let Some(refusal) = guards::dual_gate(gate, best, mode) {
                return miss(Some(refusal));
            }
            passed.push("dual_gate");
        }
        let runner_up = guards::runner_up(ranked);
        if let Some(delta) = self.config.margin {
            if let Some(refusal) = guards::margin(delta, runner_up) {
                return miss(Some(refusal));
            }
            passed.push("margin");
        }
        let metadata = state
            .entries
            .get(&best.entry)
            .map(|e| e.metadata.clone())
            .unwrap_or_default();
        Lookup::Hit(FaqHit {
            answer: best.answer.to_string(),
            matched_question: best.question().to_string(),
            entry_id: best.entry,
            score: best.score,
            metadata,
            explain: HitExplanation {
                mode_used: mode,
                threshold,
                sparse: best.sparse,
                dense: best.dense,
                runner_up,
                guards_passed: passed,
            },
        })
    }

    fn count(&self, lookup: &Lookup) {
        Counters::bump(&self.counters.lookups, 1);
        match lookup {
            Lookup::Hit(_) => Counters::bump(&self.counters.hits, 1),
            Lookup::Miss(miss) => {
                Counters::bump(&self.counters.misses, 1);
                if miss.refused_by.is_some() {
                    Counters::bump(&self.counters.refusals, 1);
                }
            }
        }
    }

    pub(crate) fn now_ms(&self) -> u64 {
        millis_since_epoch(self.clock.now())
    }

    pub(crate) fn read_index(&self) -> RwLockReadGuard<'_, Index> {
        self.index.read().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn write_index(&self) -> RwLockWriteGuard<'_, Index> {
        self.index.write().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn lock_state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A lookup's question and, when the search made it, its analysis.
#[derive(Clone, Copy)]
struct Asked<'r> {
    request: &'r LookupRequest,
    analysis: Option<&'r QueryAnalysis>,
}

/// The candidates from the first one that the lexical veto lets through, or
/// the veto's refusal of the best candidate. Only candidates that tie with the
/// best (within [`TIE`]) and pass the threshold may stand in for it: with stop
/// words, "turn on X" and "turn off X" have identical TF-IDF vectors, and the
/// veto must be able to pick the right twin, but a vetoed best must not hand
/// the lookup to a clearly worse entry.
fn first_unvetoed<'a, 's>(
    veto: &LexicalVeto,
    index: &Index,
    memo: &AnalysisMemo,
    asked: Asked,
    ranked: &'a [Scored<'s>],
    threshold: f64,
) -> std::result::Result<&'a [Scored<'s>], Refusal> {
    let best = ranked.first().map_or(f64::INFINITY, |b| b.score);
    let stands_in = |c: &Scored| c.score >= threshold && c.score >= best - TIE;
    let question = &asked.request.question;
    let analysed_here;
    let analysis = match asked.analysis {
        Some(analysis) => Some(analysis),
        None if guards::checks_terms(veto, index) => {
            analysed_here = index.analyse_query(question);
            Some(&analysed_here)
        }
        None => None,
    };
    let query = guards::Question::new(veto, index, question, analysis);
    let mut first_refusal = None;
    for i in 0..ranked.len() {
        let Some(rest) = ranked.get(i..).filter(|r| r.first().is_some_and(stands_in)) else {
            break;
        };
        let best = memo.get(veto, index, &rest[0]);
        match guards::lexical_veto(veto, index, &query, rest, &best) {
            None => return Ok(rest),
            Some(refusal) => {
                first_refusal.get_or_insert(refusal);
            }
        }
    }
    Err(first_refusal.unwrap_or(Refusal::LexicalVeto {
        term: String::new(),
        reason: VetoReason::Number,
    }))
}

/// The lexical veto's analyses of stored phrasings ([`guards::Analysed`]), by
/// document key: a phrasing's text never changes, and popular entries are
/// matched again and again, so each is analysed once instead of on every
/// lookup it wins. A hit is checked against the phrasing's text (keys of a
/// failed insert are handed out again). Derived data: starts empty on load,
/// and is cleared whenever it holds more than twice the live phrasings (or
/// [`MEMO_MIN`]), which drops the analyses of removed phrasings.
#[derive(Debug, Default)]
pub(crate) struct AnalysisMemo(Mutex<FastMap<u64, Arc<guards::Analysed>>>);

/// Analyses the memo may hold whatever the number of live phrasings.
const MEMO_MIN: usize = 1024;

impl AnalysisMemo {
    /// The analysis of `scored`'s phrasing, from the memo or computed (and kept).
    fn get(&self, veto: &LexicalVeto, index: &Index, scored: &Scored) -> Arc<guards::Analysed> {
        let mut memo = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(found) = memo.get(&scored.key) {
            if found.text == scored.question() {
                return Arc::clone(found);
            }
        }
        let analysed = Arc::new(guards::Analysed::new(veto, index, scored.question()));
        if memo.len() >= MEMO_MIN.max(2 * index.len()) {
            memo.clear();
        }
        memo.insert(scored.key, Arc::clone(&analysed));
        analysed
    }
}

fn candidate(s: &Scored) -> Candidate {
    Candidate {
        entry_id: s.entry,
        question: s.question().to_string(),
        score: s.score,
        sparse: s.sparse,
        dense: s.dense,
    }
}

/// Records a use of `id` (LRU tick, hit count, sliding TTL start).
fn touch(state: &mut State, id: EntryId, now: u64) {
    let tick = state.next_tick();
    if let Some(entry) = state.entries.get_mut(&id) {
        entry.hits = entry.hits.saturating_add(1);
        entry.last_tick = tick;
        if entry.ttl_kind == TtlKind::Sliding {
            entry.last_used_ms = now;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::faq::InsertOptions;
    use crate::ids::DocId;

    fn scored(stored: &FaqEntry, key: u64) -> Scored<'_> {
        Scored {
            entry: stored.id,
            doc: DocId(0),
            key,
            stored,
            answer: &stored.answer,
            score: 1.0,
            sparse: None,
            dense: None,
        }
    }

    #[test]
    fn analysis_memo_reuses_a_phrasing_s_analysis_and_checks_its_text() {
        let cache = FaqCache::builder().build().unwrap();
        let on = cache
            .insert("turn on the light", "switch up", InsertOptions::new())
            .unwrap();
        let off = cache
            .insert("turn off the light", "switch down", InsertOptions::new())
            .unwrap();
        let index = cache.read_index();
        let state = cache.lock_state();
        let (on, off) = (&state.entries[&on], &state.entries[&off]);
        let veto = LexicalVeto::default();
        let memo = &cache.analysed;
        // Key 7 is no phrasing's: each entry reads as its main question.
        let first = memo.get(&veto, &index, &scored(on, 7));
        let again = memo.get(&veto, &index, &scored(on, 7));
        assert!(Arc::ptr_eq(&first, &again));
        // A key handed out again (after a failed insert) with another text.
        let other = memo.get(&veto, &index, &scored(off, 7));
        assert_eq!(other.text, "turn off the light");
        assert!(!Arc::ptr_eq(&first, &other));
        // Bounded: past MEMO_MIN analyses (2 phrasings live) it starts over.
        for key in 100..100 + MEMO_MIN as u64 + 1 {
            memo.get(&veto, &index, &scored(on, key));
        }
        let held = memo.0.lock().unwrap().len();
        assert!(held <= MEMO_MIN, "{held}");
    }
}
