//! Namespace isolation and version bumps under concurrent inserts and lookups from several threads.

use std::sync::Arc;
use std::thread;

use twofold::faq::{
    FaqCache, FaqConfig, FaqLoadOptions, InsertOptions, Invalidation, Lookup, LookupRequest,
    ScoreMode,
};

#[test]
fn no_cross_namespace_answer_under_concurrency() {
    let config = FaqConfig {
        score: ScoreMode::Sparse,
        threshold: 0.3,
        // The stored questions carry round numbers that the probes lack.
        lexical_veto: None,
        ..FaqConfig::default()
    };
    let cache = Arc::new(FaqCache::builder().config(config).build().unwrap());
    let namespaces = ["red", "green", "blue", "amber"];
    let topics = [
        "password reset",
        "opening hours",
        "gift cards",
        "refund policy",
        "store location",
    ];
    let handles: Vec<_> = namespaces
        .iter()
        .map(|&ns| {
            let cache = Arc::clone(&cache);
            thread::spawn(move || {
                let mut served = 0;
                for round in 0..6 {
                    for topic in topics {
                        let question = format!("question about {topic} number {round}");
                        let answer = format!("{ns}: {topic} {round}");
                        cache
                            .insert(&question, &answer, InsertOptions::new().namespace(ns))
                            .unwrap();
                        for probe in topics {
                            let request =
                                LookupRequest::new(format!("question about {probe}")).namespace(ns);
                            match cache.lookup_with(&request).unwrap() {
                                Lookup::Hit(hit) => {
                                    assert!(
                                        hit.answer.starts_with(&format!("{ns}:")),
                                        "{ns} got {:?}",
                                        hit.answer
                                    );
                                    served += 1;
                                }
                                Lookup::Miss(miss) => {
                                    for c in &miss.nearest {
                                        let entry = cache.get(c.entry_id);
                                        // The entry may have been removed since; if present it is ours.
                                        if let Some(entry) = entry {
                                            assert_eq!(entry.namespace, ns);
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                served
            })
        })
        .collect();
    let served: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
    assert!(served > 0, "some lookups must hit");
    assert_eq!(cache.len(), namespaces.len() * topics.len() * 6);
    let stats = cache.stats();
    assert_eq!(
        stats.lookups,
        (namespaces.len() * topics.len() * 6 * topics.len()) as u64
    );
    assert_eq!(stats.hits + stats.misses, stats.lookups);
}

/// A data-version bump is atomic: a lookup that starts once the new version is
/// visible never serves an entry stored under an older one (the bump used to
/// raise the version, release the lock, and only then remove the old entries,
/// so a lookup or a snapshot could fall into the gap: this test caught it in
/// every run).
#[test]
fn no_stale_version_is_served_after_a_bump_returns() {
    let config = FaqConfig {
        score: ScoreMode::Sparse,
        threshold: 0.3,
        ..FaqConfig::default()
    };
    let cache = Arc::new(FaqCache::builder().config(config).build().unwrap());
    let question = "how do I reset my password";
    let store = |cache: &FaqCache, version: u64| {
        let options = InsertOptions::new().meta("version", version.to_string());
        cache
            .insert(question, "Settings, then Reset.", options)
            .unwrap();
    };
    store(&cache, cache.data_version());
    let bumps = 300;
    let bumper = {
        let cache = Arc::clone(&cache);
        thread::spawn(move || {
            for _ in 0..bumps {
                let version = cache.bump_data_version().unwrap();
                store(&cache, version);
            }
        })
    };
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let cache = Arc::clone(&cache);
            thread::spawn(move || {
                let mut served = 0;
                while cache.data_version() < bumps {
                    let current = cache.data_version();
                    if let Lookup::Hit(hit) = cache.lookup(question).unwrap() {
                        let stored: u64 = hit.metadata["version"].parse().unwrap();
                        assert!(
                            stored >= current,
                            "served an entry of version {stored} after the bump to {current}"
                        );
                        served += 1;
                    }
                }
                served
            })
        })
        .collect();
    bumper.join().unwrap();
    let served: usize = readers.into_iter().map(|r| r.join().unwrap()).sum();
    assert!(served > 0, "some lookups must hit");
    assert_eq!(cache.len(), 1, "only the newest version's entry is left");
}

/// Snapshots taken while other threads insert, remove, purge, bump the data
/// version and look up are consistent cuts: every one loads (loading checks
/// that the entry table and the index agree), and serves only entries it holds.
#[test]
fn snapshots_taken_under_concurrent_changes_always_load() {
    let config = FaqConfig {
        score: ScoreMode::Sparse,
        threshold: 0.3,
        max_entries: Some(40),
        ..FaqConfig::default()
    };
    let cache = Arc::new(FaqCache::builder().config(config).build().unwrap());
    let rounds = 150;
    let writers: Vec<_> = ["red", "blue"]
        .into_iter()
        .map(|ns| {
            let cache = Arc::clone(&cache);
            thread::spawn(move || {
                for round in 0..rounds {
                    let options = InsertOptions::new()
                        .namespace(ns)
                        .tag(format!("t{}", round % 3));
                    let question = format!("question {round} about topic {} in {ns}", round % 7);
                    let id = cache
                        .insert(&question, &format!("{ns} {round}"), options)
                        .unwrap();
                    match round % 10 {
                        3 => {
                            cache.remove(id).unwrap();
                        }
                        5 => {
                            cache.invalidate(Invalidation::Tag("t1".into())).unwrap();
                        }
                        7 => {
                            cache.purge_expired().unwrap();
                        }
                        9 if ns == "red" => {
                            cache.bump_data_version().unwrap();
                        }
                        _ => {}
                    }
                    let request = LookupRequest::new(format!("topic {}", round % 7)).namespace(ns);
                    cache.lookup_with(&request).unwrap();
                }
            })
        })
        .collect();
    let saver = {
        let cache = Arc::clone(&cache);
        thread::spawn(move || {
            let mut loaded = 0;
            while loaded < 40 {
                let bytes = cache.to_snapshot_bytes().unwrap();
                let copy = FaqCache::load_bytes(&bytes, FaqLoadOptions::new())
                    .unwrap_or_else(|e| panic!("snapshot {loaded} does not load: {e}"));
                for ns in ["red", "blue"] {
                    let request = LookupRequest::new("question about topic 3").namespace(ns);
                    if let Lookup::Hit(hit) = copy.lookup_with(&request).unwrap() {
                        let entry = copy.get(hit.entry_id).expect("a hit is an entry it holds");
                        assert_eq!(entry.namespace, ns);
                        assert!(hit.answer.starts_with(ns), "{ns} got {:?}", hit.answer);
                    }
                }
                loaded += 1;
            }
            loaded
        })
    };
    for writer in writers {
        writer.join().unwrap();
    }
    assert_eq!(saver.join().unwrap(), 40);
    let bytes = cache.to_snapshot_bytes().unwrap();
    let last = FaqCache::load_bytes(&bytes, FaqLoadOptions::new()).unwrap();
    assert_eq!(last.len(), cache.len());
    assert!(cache.len() <= 40);
}
