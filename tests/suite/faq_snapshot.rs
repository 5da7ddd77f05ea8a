//! FaqCache snapshots: a saved and reloaded cache behaves as the original
//! (lookups, scores, explanations, TTL deadlines, versions, LRU order, stats),
//! and broken or foreign files give typed errors.

use crate::faq_common;

use faq_common::{answer, filler, read_jsonl, sample_items, sparse, Entry, Query};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use twofold::embed::Embedder;
use twofold::faq::{
    EntryId, Eviction, FaqCache, FaqConfig, FaqLoadOptions, FaqParts, InsertOptions, Lookup,
    LookupRequest, ManualClock, ScoreMode, TtlKind,
};
use twofold::index::Index;
use twofold::snapshot::{self, Flags, Header, HeaderInfo, SnapshotError, SnapshotKind, HEADER_LEN};
use twofold::{Error, Result};

const T0: u64 = 1_700_000_000;

fn clock_at(secs: u64) -> Arc<ManualClock> {
    Arc::new(ManualClock::new(at(secs)))
}

fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

/// A deterministic bag-of-hashed-words embedder: paraphrases that share words
/// get close vectors, so dense and hybrid scores vary in a realistic way.
struct HashEmbedder(&'static str);

const DIM: usize = 32;

impl Embedder for HashEmbedder {
    fn dim(&self) -> usize {
        DIM
    }
    fn fingerprint(&self) -> String {
        self.0.to_string()
    }
    fn embed_batch(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        Ok(texts.iter().map(|t| hash_vector(t)).collect())
    }
}

fn hash_vector(text: &str) -> Vec<f32> {
    let mut v = [0f32; DIM];
    v[0] = 0.05;
    for word in text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        // FNV-1a.
        let h = word
            .to_lowercase()
            .bytes()
            .fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
                (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
            });
        let sign = if h >> 63 == 0 { 1.0 } else { -1.0 };
        v[(h % DIM as u64) as usize] += sign;
    }
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    v.iter().map(|x| x / norm).collect()
}

/// The shipped sample FAQ in a cache.
fn sample_cache(
    config: FaqConfig,
    embedder: Option<&'static str>,
    clock: Arc<ManualClock>,
) -> FaqCache {
    let mut builder = FaqCache::builder().config(config).clock(clock);
    if let Some(name) = embedder {
        builder = builder.embedder(Arc::new(HashEmbedder(name)));
    }
    let cache = builder.build().unwrap();
    let entries: Vec<Entry> = read_jsonl("faq.jsonl");
    assert!(entries.len() >= 100, "examples/data/faq.jsonl is missing");
    let items = sample_items(&entries);
    cache.insert_batch(items).unwrap();
    cache
}

fn queries() -> Vec<String> {
    let queries: Vec<Query> = read_jsonl("faq_queries.jsonl");
    assert!(queries.len() >= 20);
    queries.into_iter().map(|q| q.text).collect()
}

fn lookups(cache: &FaqCache, queries: &[String]) -> Vec<Lookup> {
    queries
        .iter()
        .map(|q| cache.lookup_with(&LookupRequest::new(q.clone())).unwrap())
        .collect()
}

/// Saves to a file, loads it back with `options`.
fn reload(cache: &FaqCache, options: FaqLoadOptions) -> FaqCache {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("faq.twofold");
    let info = cache.save(&path).unwrap();
    assert!(info.header.info.flags.contains(Flags::FAQ));
    assert_eq!(
        std::fs::read(&path).unwrap(),
        cache.to_snapshot_bytes().unwrap()
    );
    FaqCache::load_with(&path, options).unwrap()
}

fn assert_same_behaviour(config: FaqConfig, embedder: Option<&'static str>) {
    let clock = clock_at(T0);
    let cache = sample_cache(config, embedder, clock.clone());
    let queries = queries();
    // Some history first, so LRU ticks, hit counts and counters are non-trivial.
    lookups(&cache, &queries[..5]);
    let mut options = FaqLoadOptions::new().clock(clock.clone());
    if let Some(name) = embedder {
        options = options.embedder(Arc::new(HashEmbedder(name)));
    }
    let loaded = reload(&cache, options);
    assert_eq!(loaded.len(), cache.len());
    assert_eq!(loaded.stats(), cache.stats());
    assert_eq!(loaded.config(), cache.config());
    assert_eq!(loaded.to_parts(), cache.to_parts());
    let before = lookups(&cache, &queries);
    let after = lookups(&loaded, &queries);
    let hits = before.iter().filter(|l| l.is_hit()).count();
    assert!(
        hits > 5 && hits < before.len(),
        "{hits} hits of {}",
        before.len()
    );
    assert_eq!(after, before);
    assert_eq!(loaded.stats(), cache.stats());
}

#[test]
fn sparse_sample_round_trip_gives_identical_lookups() {
    let config = FaqConfig {
        score: ScoreMode::Sparse,
        threshold: 0.4,
        margin: Some(0.01),
        ..FaqConfig::default()
    };
    assert_same_behaviour(config, None);
}

#[test]
fn hybrid_sample_round_trip_gives_identical_lookups() {
    let config = FaqConfig {
        score: ScoreMode::Hybrid,
        threshold: 0.45,
        ..FaqConfig::default()
    };
    assert_same_behaviour(config, Some("hash-32"));
}

fn cache_at(config: FaqConfig, clock: Arc<ManualClock>) -> FaqCache {
    let cache = FaqCache::builder()
        .config(config)
        .clock(clock)
        .build()
        .unwrap();
    filler(&cache);
    cache
}

fn bytes_loaded_at(bytes: &[u8], secs: u64) -> (FaqCache, Arc<ManualClock>) {
    let clock = clock_at(secs);
    let cache = FaqCache::load_bytes(bytes, FaqLoadOptions::new().clock(clock.clone())).unwrap();
    (cache, clock)
}

#[test]
fn ttl_deadlines_are_absolute_times() {
    let cache = cache_at(sparse(0.5), clock_at(T0));
    cache
        .insert(
            "How do I reset my password?",
            "reset",
            InsertOptions::new().ttl(Duration::from_secs(60)),
        )
        .unwrap();
    let bytes = cache.to_snapshot_bytes().unwrap();

    let (loaded, clock) = bytes_loaded_at(&bytes, T0 + 30);
    assert_eq!(
        answer(&loaded.lookup("reset my password").unwrap()),
        Some("reset")
    );
    clock.set(at(T0 + 61));
    assert_eq!(answer(&loaded.lookup("reset my password").unwrap()), None);

    // Loaded directly past the deadline: never served, and purged.
    let (late, _) = bytes_loaded_at(&bytes, T0 + 61);
    assert_eq!(late.len(), 5);
    assert_eq!(late.purge_expired().unwrap(), 1);
    assert_eq!(late.len(), 4);
    assert_eq!(answer(&late.lookup("reset my password").unwrap()), None);
}

#[test]
fn sliding_ttl_state_survives() {
    let clock = clock_at(T0);
    let cache = cache_at(sparse(0.5), clock.clone());
    cache
        .insert(
            "How do I reset my password?",
            "reset",
            InsertOptions::new()
                .ttl(Duration::from_secs(60))
                .ttl_kind(TtlKind::Sliding),
        )
        .unwrap();
    clock.set(at(T0 + 50));
    assert!(cache.lookup("reset my password").unwrap().is_hit());
    let bytes = cache.to_snapshot_bytes().unwrap();

    // Last used at T0+50: alive until T0+110, although created at T0.
    let (loaded, clock) = bytes_loaded_at(&bytes, T0 + 100);
    assert!(loaded.lookup("reset my password").unwrap().is_hit());
    // That hit (at T0+100) slides the deadline to T0+160.
    clock.set(at(T0 + 159));
    assert!(loaded.lookup("reset my password").unwrap().is_hit());
    let (unused, _) = bytes_loaded_at(&bytes, T0 + 110);
    assert!(!unused.lookup("reset my password").unwrap().is_hit());
}

#[test]
fn version_bumps_before_save_still_invalidate_after_load() {
    let clock = clock_at(T0);
    let cache = cache_at(sparse(0.5), clock.clone());
    cache
        .insert(
            "How do I reset my password?",
            "old answer",
            InsertOptions::new(),
        )
        .unwrap();
    assert_eq!(cache.bump_data_version().unwrap(), 1);
    cache
        .insert(
            "What is the refund policy?",
            "new answer",
            InsertOptions::new(),
        )
        .unwrap();
    let bytes = cache.to_snapshot_bytes().unwrap();

    let (loaded, _) = bytes_loaded_at(&bytes, T0);
    assert_eq!(loaded.data_version(), 1);
    assert_eq!(answer(&loaded.lookup("reset my password").unwrap()), None);
    assert_eq!(
        answer(&loaded.lookup("what is the refund policy").unwrap()),
        Some("new answer")
    );
    // An insert under the old version is still refused after the reload.
    assert!(loaded
        .insert(
            "How do I reset my password?",
            "old answer",
            InsertOptions::new().data_version(0),
        )
        .is_err());
    // And a bump after the reload invalidates what was stored under version 1.
    loaded.bump_data_version().unwrap();
    assert_eq!(
        answer(&loaded.lookup("what is the refund policy").unwrap()),
        None
    );
}

#[test]
fn lru_order_survives() {
    let clock = clock_at(T0);
    let config = FaqConfig {
        max_entries: Some(3),
        eviction: Eviction::Lru,
        ..sparse(0.5)
    };
    let cache = FaqCache::builder()
        .config(config)
        .clock(clock.clone())
        .build()
        .unwrap();
    let insert = |c: &FaqCache, q: &str, a: &str| c.insert(q, a, InsertOptions::new()).unwrap();
    let a = insert(&cache, "apples oranges question", "a");
    let b = insert(&cache, "bananas kiwis question", "b");
    let c = insert(&cache, "cherries plums question", "c");
    assert_eq!(answer(&cache.lookup("apples oranges").unwrap()), Some("a"));
    let bytes = cache.to_snapshot_bytes().unwrap();

    let (loaded, _) = bytes_loaded_at(&bytes, T0);
    let d = insert(&loaded, "dates figs question", "d");
    assert!(
        loaded.get(b).is_none(),
        "b was least recently used before the save"
    );
    assert!(loaded.get(a).is_some() && loaded.get(c).is_some() && loaded.get(d).is_some());
    let e = insert(&loaded, "elderberries limes question", "e");
    assert!(loaded.get(c).is_none(), "then c");
    assert!(e > d && d > c, "entry ids continue after the reload");
    assert_eq!(loaded.stats().evictions, 2);
}

#[test]
fn stats_survive() {
    let clock = clock_at(T0);
    let cache = cache_at(sparse(0.5), clock);
    cache
        .insert("How do I reset my password?", "reset", InsertOptions::new())
        .unwrap();
    cache.lookup("reset my password").unwrap();
    cache.lookup("something else entirely").unwrap();
    let stats = cache.stats();
    assert_eq!(
        (stats.lookups, stats.hits, stats.misses, stats.inserts),
        (2, 1, 1, 5)
    );
    let (loaded, _) = bytes_loaded_at(&cache.to_snapshot_bytes().unwrap(), T0);
    assert_eq!(loaded.stats(), stats);
    loaded.lookup("reset my password").unwrap();
    assert_eq!(loaded.stats().hits, 2);
}

#[test]
fn another_embedder_is_refused_on_load() {
    let clock = clock_at(T0);
    let cache = FaqCache::builder()
        .config(sparse(0.5))
        .embedder(Arc::new(HashEmbedder("model-a")))
        .clock(clock.clone())
        .build()
        .unwrap();
    filler(&cache);
    let bytes = cache.to_snapshot_bytes().unwrap();
    let same = FaqLoadOptions::new().embedder(Arc::new(HashEmbedder("model-a")));
    let loaded = FaqCache::load_bytes(&bytes, same).unwrap();
    assert_eq!(loaded.fingerprint().as_deref(), Some("model-a"));
    let other = FaqLoadOptions::new().embedder(Arc::new(HashEmbedder("model-b")));
    match FaqCache::load_bytes(&bytes, other) {
        Err(Error::EmbedderMismatch { expected, found }) => {
            assert_eq!((expected.as_str(), found.as_str()), ("model-a", "model-b"));
        }
        other => panic!("expected EmbedderMismatch, got {other:?}"),
    }
    // Without an embedder it loads; the recorded fingerprint still guards vectors.
    let bare = FaqCache::load_bytes(&bytes, FaqLoadOptions::new()).unwrap();
    assert_eq!(bare.fingerprint().as_deref(), Some("model-a"));
}

#[test]
fn a_recorded_vector_model_is_checked_against_the_loading_embedder() {
    // No embedder: vectors come with the request and name their model.
    let cache = FaqCache::builder()
        .config(FaqConfig {
            score: ScoreMode::Dense,
            threshold: 0.5,
            lexical_veto: None,
            ..FaqConfig::default()
        })
        .clock(clock_at(T0))
        .build()
        .unwrap();
    cache
        .insert(
            "How do I reset my password?",
            "reset",
            InsertOptions::new()
                .vector(hash_vector("How do I reset my password?"))
                .model("model-a"),
        )
        .unwrap();
    let bytes = cache.to_snapshot_bytes().unwrap();
    let other = FaqLoadOptions::new().embedder(Arc::new(HashEmbedder("model-b")));
    assert!(matches!(
        FaqCache::load_bytes(&bytes, other),
        Err(Error::EmbedderMismatch { .. })
    ));
    let same = FaqLoadOptions::new().embedder(Arc::new(HashEmbedder("model-a")));
    let loaded = FaqCache::load_bytes(&bytes, same).unwrap();
    assert_eq!(
        answer(&loaded.lookup("How do I reset my password?").unwrap()),
        Some("reset")
    );
}

fn snapshot_error<T: std::fmt::Debug>(result: Result<T>) -> SnapshotError {
    match result {
        Err(Error::Snapshot(e)) => e,
        other => panic!("expected a snapshot error, got {other:?}"),
    }
}

fn small_cache_bytes() -> Vec<u8> {
    let cache = cache_at(sparse(0.5), clock_at(T0));
    cache
        .insert(
            "How do I reset my password?",
            "reset",
            InsertOptions::new().alternate("forgot my login"),
        )
        .unwrap();
    cache.to_snapshot_bytes().unwrap()
}

#[test]
fn faq_header_describes_the_cache() {
    let bytes = small_cache_bytes();
    let header = snapshot::inspect_bytes(&bytes).unwrap();
    assert_eq!(header.info.flags, Flags::FAQ);
    assert_eq!(header.info.dense_dim, 0);
    // One index document per phrasing.
    assert_eq!(header.info.document_count, 6);
}

#[test]
fn corrupt_faq_snapshots_give_typed_errors() {
    let bytes = small_cache_bytes();
    let load = |b: &[u8]| snapshot_error(FaqCache::load_bytes(b, FaqLoadOptions::new()));
    for cut in [
        0,
        10,
        HEADER_LEN - 1,
        HEADER_LEN,
        HEADER_LEN + 1,
        bytes.len() / 2,
        bytes.len() - 1,
    ] {
        let err = load(&bytes[..cut]);
        assert!(
            matches!(err, SnapshotError::Truncated { .. }),
            "cut at {cut}: {err:?}"
        );
    }
    let mut flipped = bytes.clone();
    flipped[HEADER_LEN + (bytes.len() - HEADER_LEN) / 2] ^= 0x40;
    assert!(matches!(
        load(&flipped),
        SnapshotError::PayloadChecksum { .. }
    ));
    let mut header_flip = bytes.clone();
    header_flip[33] ^= 1;
    assert!(matches!(
        load(&header_flip),
        SnapshotError::HeaderChecksum { .. }
    ));
    let mut magic = bytes.clone();
    magic[1] = b'X';
    assert!(matches!(load(&magic), SnapshotError::BadMagic));
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(matches!(
        load(&longer),
        SnapshotError::TrailingBytes { count: 1 }
    ));

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cut.twofold");
    std::fs::write(&path, &bytes[..bytes.len() - 3]).unwrap();
    assert!(matches!(
        snapshot_error(FaqCache::load(&path)),
        SnapshotError::Truncated { .. }
    ));
    assert!(matches!(
        FaqCache::load(dir.path().join("missing")),
        Err(Error::Io { .. })
    ));
}

/// A FAQ snapshot with valid checksums whose entries are edited by `edit`: the
/// payload is the index payload followed by the [`FaqParts`].
fn forged(edit: impl FnOnce(&mut FaqParts)) -> Vec<u8> {
    let cache = cache_at(sparse(0.5), clock_at(T0));
    let index_bytes = cache.index_read(|index| index.to_snapshot_bytes().unwrap());
    let mut parts = cache.to_parts();
    edit(&mut parts);
    let mut payload = index_bytes[HEADER_LEN..].to_vec();
    payload.extend(bincode::serde::encode_to_vec(&parts, bincode::config::standard()).unwrap());
    let index_info = Header::decode(&index_bytes).unwrap().info;
    let info = HeaderInfo {
        flags: index_info.flags.union(Flags::FAQ),
        ..index_info
    };
    let mut file = Header::for_payload(info, &payload).encode().to_vec();
    file.extend(payload);
    file
}

type Edit = Box<dyn FnOnce(&mut FaqParts)>;

#[test]
fn entries_that_do_not_fit_the_index_are_inconsistent() {
    let load = |b: &[u8]| snapshot_error(FaqCache::load_bytes(b, FaqLoadOptions::new()));
    // The forger itself produces a loadable file when nothing is edited.
    assert_eq!(
        FaqCache::load_bytes(&forged(|_| {}), FaqLoadOptions::new())
            .unwrap()
            .len(),
        4
    );
    let cases: Vec<(&str, Edit)> = vec![
        (
            "missing document",
            Box::new(|p| p.entries[0].phrasings[0].doc_key = 3_000),
        ),
        ("next_doc", Box::new(|p| p.next_doc = 1)),
        (
            "duplicate entry",
            Box::new(|p| p.entries[1].id = p.entries[0].id),
        ),
        (
            "entry id past next",
            Box::new(|p| p.entries[0].id = EntryId(p.next_entry)),
        ),
        ("no phrasing", Box::new(|p| p.entries[0].phrasings.clear())),
        (
            "dropped entry",
            Box::new(|p| {
                p.entries.pop();
            }),
        ),
        ("parts version", Box::new(|p| p.version = 99)),
    ];
    for (name, edit) in cases {
        let err = load(&forged(edit));
        assert!(
            matches!(err, SnapshotError::Inconsistent { .. }),
            "{name}: {err:?}"
        );
    }
    // A configuration that does not validate is the configuration's error.
    assert!(FaqCache::load_bytes(
        &forged(|p| p.config.threshold = f64::NAN),
        FaqLoadOptions::new()
    )
    .is_err());
}

#[test]
fn loading_the_other_kind_is_a_kind_error() {
    let faq = small_cache_bytes();
    match snapshot_error(Index::load_bytes(&faq)) {
        SnapshotError::WrongKind { expected, found } => {
            assert_eq!(
                (expected, found),
                (SnapshotKind::Index, SnapshotKind::FaqCache)
            );
        }
        other => panic!("expected WrongKind, got {other:?}"),
    }
    let index = Index::builder()
        .build(vec![
            twofold::index::Document::new("d1").title("hello world")
        ])
        .unwrap();
    let index_bytes = index.to_snapshot_bytes().unwrap();
    let err = snapshot_error(FaqCache::load_bytes(&index_bytes, FaqLoadOptions::new()));
    assert!(
        matches!(
            err,
            SnapshotError::WrongKind {
                expected: SnapshotKind::FaqCache,
                found: SnapshotKind::Index
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("Index::load"), "{err}");

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("faq.twofold");
    std::fs::write(&path, &faq).unwrap();
    assert!(matches!(
        snapshot_error(Index::load(&path)),
        SnapshotError::WrongKind { .. }
    ));
}

/// Writes small real `Index` and `FaqCache` snapshots as seeds for
/// `fuzz/fuzz_targets/snapshot_load.rs` into `fuzz/corpus/snapshot_load/`
/// (run with
/// `cargo test --test suite -- --ignored --exact faq_snapshot::generate_fuzz_seeds`).
#[test]
#[ignore = "generator: writes the fuzz corpus seeds"]
fn generate_fuzz_seeds() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/snapshot_load");
    std::fs::create_dir_all(&dir).unwrap();
    let entries: Vec<Entry> = read_jsonl("faq.jsonl");
    let mut files = Vec::new();
    for (n, dense) in [(6usize, false), (12, true)] {
        let config = FaqConfig {
            score: if dense {
                ScoreMode::Hybrid
            } else {
                ScoreMode::Sparse
            },
            max_entries: Some(n + 2),
            ..FaqConfig::default()
        };
        let mut builder = FaqCache::builder().config(config).clock(clock_at(T0));
        if dense {
            builder = builder.embedder(Arc::new(HashEmbedder("hash-32")));
        }
        let cache = builder.build().unwrap();
        for (i, e) in entries.iter().take(n).enumerate() {
            let mut options = InsertOptions::new().tag(format!("t{}", i % 3));
            if i % 2 == 0 {
                options = options.ttl(Duration::from_secs(60));
            }
            if i % 4 == 1 {
                options = options.alternate(format!("{} please", e.question));
            }
            cache.insert(&e.question, &e.answer, options).unwrap();
        }
        cache.lookup(&entries[0].question).unwrap();
        files.push(("faq", cache.to_snapshot_bytes().unwrap()));
        files.push((
            "index",
            cache.index_read(|index| index.to_snapshot_bytes().unwrap()),
        ));
    }
    for (i, (kind, file)) in files.iter().enumerate() {
        let header = Header::decode(file).unwrap();
        // Mode bits: 1 = raw file, 2 = real payload, 4 = no DENSE flag, 8 = FAQ flag.
        let mut mode = 2u8;
        if !header.info.flags.contains(Flags::DENSE) {
            mode |= 4;
        }
        if header.info.flags.contains(Flags::FAQ) {
            mode |= 8;
        }
        let mut wrapped = vec![mode];
        wrapped.extend_from_slice(&header.info.dense_dim.to_le_bytes());
        wrapped.extend_from_slice(&header.info.document_count.to_le_bytes());
        wrapped.extend_from_slice(&file[HEADER_LEN..]);
        std::fs::write(dir.join(format!("seed-{kind}-wrapped-{i}")), wrapped).unwrap();
        let mut raw = vec![mode | 1];
        raw.extend_from_slice(file);
        std::fs::write(dir.join(format!("seed-{kind}-raw-{i}")), raw).unwrap();
    }
}
