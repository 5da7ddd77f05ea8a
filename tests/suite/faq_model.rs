//! Model-based test of `FaqCache`: random sequences of inserts (namespaces,
//! absolute and sliding TTLs, tags, sources, alternates), lookups, removals,
//! invalidations, data-version bumps, clock moves, purges, refits, refused
//! batches, LRU evictions and snapshot round trips, checked after every step against a plain model of
//! the entries that must be live.
//!
//! Checked: a hit is always a live, unexpired entry of the lookup's namespace
//! with the answer it was stored with, at or above the threshold; looking up a
//! stored question (or alternate) verbatim is a hit; every unexpired entry the
//! model holds is in the cache and nothing else is (expired ones may linger
//! until a lookup meets them or a purge); evictions take the least recently
//! used entry; counters add up; a snapshot round trip gives identical lookups.

use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use proptest::prelude::*;
use twofold::faq::{
    millis_since_epoch, Clock, EntryId, FaqCache, FaqConfig, FaqLoadOptions, InsertOptions,
    Invalidation, Lookup, LookupRequest, ManualClock, ScoreMode, TtlKind,
};

const WORDS: [&str; 10] = [
    "password", "invoice", "refund", "delivery", "account", "pharmacy", "weekend", "coupon",
    "printer", "warranty",
];
const NAMESPACES: [&str; 3] = ["", "billing", "team-b"];
const TAGS: [&str; 2] = ["promo", "policy"];
const SOURCES: [&str; 2] = ["doc-1", "doc-2"];
const DIM: usize = 16;
const CAPACITY: usize = 4;

/// A deterministic stand-in for an embedding: signed word hashes, normalised.
fn vector(text: &str) -> Vec<f32> {
    let mut v = [0f32; DIM];
    v[0] = 0.05;
    for word in text.split_whitespace() {
        let h = word.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
        let sign = if h >> 63 == 0 { 1.0 } else { -1.0 };
        v[(h % DIM as u64) as usize] += sign;
    }
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    v.iter().map(|x| x / norm).collect()
}

fn sentence(words: &[usize]) -> String {
    let words: Vec<&str> = words.iter().map(|&w| WORDS[w % WORDS.len()]).collect();
    words.join(" ")
}

/// An entry to insert: indices into the word, namespace, tag and source lists.
#[derive(Clone, Debug)]
struct NewEntry {
    words: Vec<usize>,
    alternate: Option<Vec<usize>>,
    namespace: usize,
    ttl_secs: Option<u64>,
    sliding: bool,
    tag: Option<usize>,
    source: Option<usize>,
}

#[derive(Clone, Debug)]
enum Op {
    Insert(NewEntry),
    Lookup {
        words: Vec<usize>,
        namespace: usize,
    },
    /// Looks up a stored entry's question or alternate verbatim.
    LookupStored {
        pick: usize,
        alternate: bool,
    },
    Remove {
        pick: usize,
    },
    InvalidateTag(usize),
    InvalidateNamespace(usize),
    SourceChanged(usize),
    BumpVersion,
    Advance(u64),
    Purge,
    Reload,
    Refit,
    /// A batch whose last item has an empty question: refused whole.
    FailedBatch(Vec<usize>),
}

fn words() -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(0..WORDS.len(), 1..4)
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (
            words(),
            prop::option::of(words()),
            0..NAMESPACES.len(),
            prop::option::of(5u64..60),
            any::<bool>(),
            prop::option::of(0..TAGS.len()),
            prop::option::of(0..SOURCES.len()),
        )
            .prop_map(|(words, alternate, namespace, ttl_secs, sliding, tag, source)| {
                Op::Insert(NewEntry {
                    words,
                    alternate,
                    namespace,
                    ttl_secs,
                    sliding,
                    tag,
                    source,
                })
            }),
        4 => (words(), 0..NAMESPACES.len())
            .prop_map(|(words, namespace)| Op::Lookup { words, namespace }),
        5 => (any::<usize>(), any::<bool>())
            .prop_map(|(pick, alternate)| Op::LookupStored { pick, alternate }),
        1 => any::<usize>().prop_map(|pick| Op::Remove { pick }),
        1 => (0..TAGS.len()).prop_map(Op::InvalidateTag),
        1 => (0..NAMESPACES.len()).prop_map(Op::InvalidateNamespace),
        1 => (0..SOURCES.len()).prop_map(Op::SourceChanged),
        1 => Just(Op::BumpVersion),
        2 => (1u64..40).prop_map(Op::Advance),
        1 => Just(Op::Purge),
        1 => Just(Op::Reload),
        1 => Just(Op::Refit),
        1 => words().prop_map(Op::FailedBatch),
    ]
}

/// What the model knows of one stored entry.
#[derive(Clone, Debug)]
struct Expected {
    id: EntryId,
    question: String,
    alternate: Option<String>,
    answer: String,
    namespace: String,
    tag: Option<String>,
    source: Option<String>,
    ttl_ms: Option<u64>,
    sliding: bool,
    created_ms: u64,
    last_used_ms: u64,
    /// Order of last use (insert or hit), for LRU.
    last_use: u64,
}

impl Expected {
    fn expired(&self, now_ms: u64) -> bool {
        let start = if self.sliding {
            self.last_used_ms
        } else {
            self.created_ms
        };
        self.ttl_ms.is_some_and(|ttl| now_ms >= start + ttl)
    }
}

struct Harness {
    mode: ScoreMode,
    clock: Arc<ManualClock>,
    cache: FaqCache,
    model: Vec<Expected>,
    uses: u64,
    lookups: u64,
    hits: u64,
    answers: u64,
}

impl Harness {
    fn new(mode: ScoreMode) -> Self {
        let clock = Arc::new(ManualClock::new(
            UNIX_EPOCH + Duration::from_secs(1_700_000_000),
        ));
        let config = FaqConfig {
            score: mode,
            max_entries: Some(CAPACITY),
            ..FaqConfig::default()
        };
        let cache = FaqCache::builder()
            .config(config)
            .clock(clock.clone())
            .build()
            .unwrap();
        Harness {
            mode,
            clock,
            cache,
            model: Vec::new(),
            uses: 0,
            lookups: 0,
            hits: 0,
            answers: 0,
        }
    }

    fn now_ms(&self) -> u64 {
        millis_since_epoch(self.clock.now())
    }

    fn request(&self, question: &str, namespace: &str) -> LookupRequest {
        let request = LookupRequest::new(question).namespace(namespace);
        match self.mode {
            ScoreMode::Sparse => request,
            _ => request.vector(vector(question)),
        }
    }

    /// Looks up, checks the hit against the model, and records its use.
    fn lookup(&mut self, question: &str, namespace: &str) -> Lookup {
        let now = self.now_ms();
        let lookup = self
            .cache
            .lookup_with(&self.request(question, namespace))
            .unwrap();
        self.lookups += 1;
        if let Lookup::Hit(hit) = &lookup {
            self.hits += 1;
            let threshold = self.cache.config().threshold;
            assert!(hit.score >= threshold, "{hit:?} below {threshold}");
            let Some(entry) = self.model.iter_mut().find(|e| e.id == hit.entry_id) else {
                panic!("served {:?}, which the model does not hold", hit.entry_id);
            };
            assert!(!entry.expired(now), "served expired {entry:?} at {now}");
            assert_eq!(entry.namespace, namespace, "served across namespaces");
            assert_eq!(hit.answer, entry.answer);
            assert!(
                hit.matched_question == entry.question
                    || Some(&hit.matched_question) == entry.alternate.as_ref(),
                "{hit:?} vs {entry:?}"
            );
            self.uses += 1;
            entry.last_use = self.uses;
            entry.last_used_ms = now;
        }
        lookup
    }

    fn live(&self, pick: usize) -> Option<Expected> {
        let now = self.now_ms();
        let live: Vec<&Expected> = self.model.iter().filter(|e| !e.expired(now)).collect();
        (!live.is_empty()).then(|| live[pick % live.len()].clone())
    }

    fn apply(&mut self, op: Op) {
        match op {
            Op::Insert(new) => self.insert(new),
            Op::Lookup { words, namespace } => {
                self.lookup(&sentence(&words), NAMESPACES[namespace]);
            }
            Op::LookupStored { pick, alternate } => {
                let Some(entry) = self.live(pick) else { return };
                let question = match (&entry.alternate, alternate) {
                    (Some(alt), true) => alt.clone(),
                    _ => entry.question.clone(),
                };
                let lookup = self.lookup(&question, &entry.namespace);
                // The verbatim question scores 1 on every side; an entry with
                // the same words (another answer) may tie and win instead.
                let hit = lookup
                    .hit()
                    .unwrap_or_else(|| panic!("{question:?} stored as {entry:?}: {lookup:?}"));
                assert!(hit.score > 1.0 - 1e-6, "{hit:?}");
            }
            Op::Remove { pick } => {
                if self.model.is_empty() {
                    assert!(!self.cache.remove(EntryId(u64::MAX)).unwrap());
                    return;
                }
                let id = self.model[pick % self.model.len()].id;
                assert!(self.cache.remove(id).unwrap());
                self.model.retain(|e| e.id != id);
            }
            Op::InvalidateTag(t) => {
                let tag = Some(TAGS[t].to_string());
                let n = self
                    .cache
                    .invalidate(Invalidation::Tag(TAGS[t].into()))
                    .unwrap();
                assert_eq!(n, self.drop_where(|e| e.tag == tag));
            }
            Op::InvalidateNamespace(ns) => {
                let n = self
                    .cache
                    .invalidate(Invalidation::Namespace(NAMESPACES[ns].into()))
                    .unwrap();
                assert_eq!(n, self.drop_where(|e| e.namespace == NAMESPACES[ns]));
            }
            Op::SourceChanged(s) => {
                let source = Some(SOURCES[s].to_string());
                let n = self.cache.on_source_changed(SOURCES[s]).unwrap();
                assert_eq!(n, self.drop_where(|e| e.source == source));
            }
            Op::BumpVersion => {
                self.cache.bump_data_version().unwrap();
                self.model.clear();
            }
            Op::Advance(secs) => self.clock.advance(Duration::from_secs(secs)),
            Op::Purge => {
                let now = self.now_ms();
                let n = self.cache.purge_expired().unwrap();
                assert_eq!(n, self.drop_where(|e| e.expired(now)));
            }
            Op::Reload => self.reload(),
            Op::Refit => self.cache.refit().unwrap(),
            Op::FailedBatch(words) => {
                let batch = vec![
                    (sentence(&words), "kept?".to_string(), InsertOptions::new()),
                    (" ".to_string(), "never".to_string(), InsertOptions::new()),
                ];
                let inserts = self.cache.stats().inserts;
                assert!(self.cache.insert_batch(batch).is_err());
                assert_eq!(self.cache.stats().inserts, inserts);
            }
        }
        self.check();
    }

    fn insert(&mut self, new: NewEntry) {
        let NewEntry {
            words,
            alternate,
            namespace,
            ttl_secs,
            sliding,
            tag,
            source,
        } = new;
        let now = self.now_ms();
        let question = sentence(&words);
        let alternate = alternate.map(|w| sentence(&w));
        let answer = format!("answer {}", self.answers);
        self.answers += 1;
        let mut options = InsertOptions::new().namespace(NAMESPACES[namespace]);
        if self.mode != ScoreMode::Sparse {
            options = options.vector(vector(&question));
        }
        if let Some(alt) = &alternate {
            options = match self.mode {
                ScoreMode::Sparse => options.alternate(alt.clone()),
                _ => options.alternate_with_vector(alt.clone(), vector(alt)),
            };
        }
        if let Some(secs) = ttl_secs {
            options = options.ttl(Duration::from_secs(secs));
            if sliding {
                options = options.ttl_kind(TtlKind::Sliding);
            }
        }
        if let Some(t) = tag {
            options = options.tag(TAGS[t]);
        }
        if let Some(s) = source {
            options = options.source(SOURCES[s]);
        }
        let id = self.cache.insert(&question, &answer, options).unwrap();
        self.uses += 1;
        self.model.push(Expected {
            id,
            question,
            alternate,
            answer,
            namespace: NAMESPACES[namespace].to_string(),
            tag: tag.map(|t| TAGS[t].to_string()),
            source: source.map(|s| SOURCES[s].to_string()),
            ttl_ms: ttl_secs.map(|s| s * 1000),
            sliding: sliding && ttl_secs.is_some(),
            created_ms: now,
            last_used_ms: now,
            last_use: self.uses,
        });
        if self.model.len() > CAPACITY {
            let victim = self
                .model
                .iter()
                .filter(|e| e.id != id)
                .min_by_key(|e| e.last_use)
                .map(|e| e.id);
            self.model.retain(|e| Some(e.id) != victim);
        }
    }

    /// Removes the model entries matching `pred`; returns how many.
    fn drop_where(&mut self, pred: impl Fn(&Expected) -> bool) -> usize {
        let before = self.model.len();
        self.model.retain(|e| !pred(e));
        before - self.model.len()
    }

    /// A snapshot round trip: the same lookups, in order, on the saved and
    /// the loaded cache give the same decisions, scores and counters.
    fn reload(&mut self) {
        let bytes = self.cache.to_snapshot_bytes().unwrap();
        let loaded =
            FaqCache::load_bytes(&bytes, FaqLoadOptions::new().clock(self.clock.clone())).unwrap();
        let probes: Vec<(String, String)> = self
            .model
            .iter()
            .map(|e| (e.question.clone(), e.namespace.clone()))
            .chain([(sentence(&[0, 1]), String::new())])
            .collect();
        let before = self.cache.stats();
        let mut decisions = Vec::new();
        for (question, namespace) in &probes {
            decisions.push(self.lookup(question, namespace));
        }
        for ((question, namespace), old) in probes.iter().zip(&decisions) {
            let new = loaded
                .lookup_with(&self.request(question, namespace))
                .unwrap();
            assert_eq!(
                (new.is_hit(), new.best().map(|(id, s)| (id, s.to_bits()))),
                (old.is_hit(), old.best().map(|(id, s)| (id, s.to_bits()))),
                "{question:?} in {namespace:?} after a snapshot round trip"
            );
        }
        let (old, new) = (self.cache.stats(), loaded.stats());
        assert_eq!(new.lookups - before.lookups, old.lookups - before.lookups);
        assert_eq!(new.hits, old.hits);
        assert_eq!(new.inserts, old.inserts);
        self.cache = loaded;
    }

    /// Every unexpired model entry is stored as the model says; expired ones
    /// may linger (dropped here once the cache has purged them); nothing else
    /// is stored; the counters add up.
    fn check(&mut self) {
        let now = self.now_ms();
        let cache = &self.cache;
        self.model
            .retain(|e| !(e.expired(now) && cache.get(e.id).is_none()));
        for expected in &self.model {
            let Some(stored) = self.cache.get(expected.id) else {
                panic!("{expected:?} is missing at {now}");
            };
            assert_eq!(stored.answer, expected.answer);
            assert_eq!(stored.namespace, expected.namespace);
            assert_eq!(stored.question(), expected.question);
        }
        assert_eq!(self.cache.len(), self.model.len(), "{:?}", self.model);
        let stats = self.cache.stats();
        assert_eq!(stats.lookups, self.lookups);
        assert_eq!(stats.hits, self.hits);
        assert_eq!(stats.hits + stats.misses, stats.lookups);
    }
}

fn run(mode: ScoreMode, ops: Vec<Op>) {
    let mut harness = Harness::new(mode);
    for op in ops {
        harness.apply(op);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn sparse_cache_follows_the_model(ops in prop::collection::vec(op(), 1..60)) {
        run(ScoreMode::Sparse, ops);
    }

    #[test]
    fn hybrid_cache_follows_the_model(ops in prop::collection::vec(op(), 1..60)) {
        run(ScoreMode::Hybrid, ops);
    }

    #[test]
    fn dense_cache_follows_the_model(ops in prop::collection::vec(op(), 1..60)) {
        run(ScoreMode::Dense, ops);
    }
}
