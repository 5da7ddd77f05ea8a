//! FaqCache behaviour: TTLs on a manual clock, versions, sources, eviction,
//! namespaces, thresholds, guards, model fingerprints, persistence parts.

use crate::faq_common::{answer, filler, sparse};
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use twofold::embed::Embedder;
use twofold::faq::{
    DualGate, EntryId, Eviction, FaqCache, FaqConfig, InsertOptions, Invalidation, LexicalVeto,
    Lookup, LookupRequest, ManualClock, Refusal, ScoreMode, Side, TtlKind, VetoReason,
};
use twofold::index::Index;
use twofold::Error;

fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(
        UNIX_EPOCH + Duration::from_secs(1_700_000_000),
    ))
}

fn cache_with(config: FaqConfig, clock: &Arc<ManualClock>) -> FaqCache {
    FaqCache::builder()
        .config(config)
        .clock(clock.clone())
        .build()
        .unwrap()
}

const RESET_Q: &str = "How do I reset my password?";
const RESET_A: &str = "Settings, Account, Reset password.";

/// A cache of the filler questions plus the password-reset entry.
fn with_reset_entry(
    config: FaqConfig,
    clock: &Arc<ManualClock>,
    options: InsertOptions,
) -> FaqCache {
    let cache = cache_with(config, clock);
    filler(&cache);
    cache.insert(RESET_Q, RESET_A, options).unwrap();
    cache
}

#[test]
fn absolute_ttl_expires_and_is_never_served() {
    let clock = clock();
    let cache = with_reset_entry(
        sparse(0.5),
        &clock,
        InsertOptions::new().ttl(Duration::from_secs(60)),
    );
    clock.advance(Duration::from_secs(30));
    assert_eq!(
        answer(&cache.lookup("how do I reset my password").unwrap()),
        Some(RESET_A)
    );
    // Serving does not extend an absolute TTL.
    clock.advance(Duration::from_secs(30));
    let lookup = cache.lookup("how do I reset my password").unwrap();
    assert_ne!(
        answer(&lookup),
        Some(RESET_A),
        "expired entry served: {lookup:?}"
    );
    // Purged lazily by that lookup.
    assert_eq!(cache.len(), 4);
    assert_eq!(cache.stats().expirations, 1);
}

#[test]
fn sliding_ttl_is_extended_by_use() {
    let clock = clock();
    let cache = cache_with(sparse(0.5), &clock);
    filler(&cache);
    let options = InsertOptions::new()
        .ttl(Duration::from_secs(60))
        .ttl_kind(TtlKind::Sliding);
    cache.insert(RESET_Q, RESET_A, options).unwrap();
    for _ in 0..3 {
        clock.advance(Duration::from_secs(45));
        assert_eq!(
            answer(&cache.lookup("reset my password").unwrap()),
            Some(RESET_A)
        );
    }
    clock.advance(Duration::from_secs(61));
    assert_ne!(
        answer(&cache.lookup("reset my password").unwrap()),
        Some(RESET_A)
    );
    assert_eq!(cache.stats().expirations, 1);
}

#[test]
fn purge_expired_removes_only_expired_entries() {
    let clock = clock();
    let config = FaqConfig {
        default_ttl: Some(Duration::from_secs(10)),
        ..sparse(0.5)
    };
    let cache = cache_with(config, &clock);
    cache
        .insert("first question here", "1", InsertOptions::new())
        .unwrap();
    cache
        .insert(
            "second question here",
            "2",
            InsertOptions::new().ttl(Duration::from_secs(100)),
        )
        .unwrap();
    cache
        .insert("third question here", "3", InsertOptions::new())
        .unwrap();
    clock.advance(Duration::from_secs(10));
    assert_eq!(cache.purge_expired().unwrap(), 2);
    assert_eq!(cache.len(), 1);
    assert_eq!(cache.purge_expired().unwrap(), 0);
    assert_eq!(cache.stats().expirations, 2);
}

#[test]
fn data_version_bump_invalidates_older_entries() {
    let clock = clock();
    let cache = with_reset_entry(sparse(0.5), &clock, InsertOptions::new());
    assert_eq!(cache.bump_data_version().unwrap(), 1);
    assert!(cache.is_empty());
    assert!(!cache.lookup(RESET_Q).unwrap().is_hit());
    let stale = cache.insert(RESET_Q, "old", InsertOptions::new().data_version(0));
    assert!(
        matches!(stale, Err(Error::InvalidParameter { ref name, .. }) if name == "data_version")
    );
    filler(&cache);
    let id = cache
        .insert(RESET_Q, "new answer", InsertOptions::new())
        .unwrap();
    assert_eq!(cache.get(id).unwrap().data_version, 1);
    assert_eq!(answer(&cache.lookup(RESET_Q).unwrap()), Some("new answer"));
    // Entries stored ahead of the current version survive a bump to it.
    let ahead = cache
        .insert(
            "When do you ship orders?",
            "Daily.",
            InsertOptions::new().data_version(2),
        )
        .unwrap();
    cache.bump_data_version().unwrap();
    assert!(cache.get(ahead).is_some());
    assert!(cache.get(id).is_none());
}

#[test]
fn source_change_invalidates_citing_entries() {
    let clock = clock();
    let cache = cache_with(sparse(0.5), &clock);
    filler(&cache);
    let cites = cache
        .insert(
            RESET_Q,
            RESET_A,
            InsertOptions::new().source("doc-7").source("doc-8"),
        )
        .unwrap();
    let other = cache
        .insert(
            "How do I change my email?",
            "Settings.",
            InsertOptions::new().source("doc-9"),
        )
        .unwrap();
    assert_eq!(cache.on_source_changed("doc-1").unwrap(), 0);
    assert_eq!(cache.on_source_changed("doc-8").unwrap(), 1);
    assert!(cache.get(cites).is_none());
    assert_ne!(answer(&cache.lookup(RESET_Q).unwrap()), Some(RESET_A));
    assert_eq!(cache.invalidate_sources(&["doc-9", "doc-10"]).unwrap(), 1);
    assert!(cache.get(other).is_none());
    assert_eq!(cache.stats().invalidations, 2);
}

#[test]
fn invalidate_by_id_tag_and_namespace() {
    let clock = clock();
    let cache = cache_with(sparse(0.5), &clock);
    let a = cache
        .insert("alpha question", "a", InsertOptions::new().tag("t1"))
        .unwrap();
    let b = cache
        .insert(
            "beta question",
            "b",
            InsertOptions::new().tag("t1").tag("t2"),
        )
        .unwrap();
    let c = cache
        .insert("gamma question", "c", InsertOptions::new().namespace("ns"))
        .unwrap();
    let d = cache
        .insert("delta question", "d", InsertOptions::new())
        .unwrap();
    assert_eq!(cache.invalidate(Invalidation::Tag("t1".into())).unwrap(), 2);
    assert!(cache.get(a).is_none() && cache.get(b).is_none());
    assert_eq!(
        cache
            .invalidate(Invalidation::Namespace("ns".into()))
            .unwrap(),
        1
    );
    assert!(cache.get(c).is_none());
    assert!(cache.remove(d).unwrap());
    assert!(!cache.remove(d).unwrap());
    assert!(cache.is_empty());
}

#[test]
fn lru_evicts_least_recently_used() {
    let clock = clock();
    let config = FaqConfig {
        max_entries: Some(3),
        ..sparse(0.5)
    };
    let cache = cache_with(config, &clock);
    let a = cache
        .insert("apples oranges question", "a", InsertOptions::new())
        .unwrap();
    let b = cache
        .insert("bananas kiwis question", "b", InsertOptions::new())
        .unwrap();
    let c = cache
        .insert("cherries plums question", "c", InsertOptions::new())
        .unwrap();
    assert_eq!(answer(&cache.lookup("apples oranges").unwrap()), Some("a"));
    let d = cache
        .insert("dates figs question", "d", InsertOptions::new())
        .unwrap();
    assert!(cache.get(b).is_none(), "b was least recently used");
    assert!(cache.get(a).is_some() && cache.get(c).is_some() && cache.get(d).is_some());
    let e = cache
        .insert("elderberries limes question", "e", InsertOptions::new())
        .unwrap();
    assert!(cache.get(c).is_none(), "then c");
    assert_eq!(cache.len(), 3);
    assert!(cache.get(e).is_some());
    assert_eq!(cache.stats().evictions, 2);
}

#[test]
fn lfu_evicts_least_frequently_served() {
    let clock = clock();
    let config = FaqConfig {
        max_entries: Some(2),
        eviction: Eviction::Lfu,
        ..sparse(0.5)
    };
    let cache = cache_with(config, &clock);
    let a = cache
        .insert("apples oranges question", "a", InsertOptions::new())
        .unwrap();
    let b = cache
        .insert("bananas kiwis question", "b", InsertOptions::new())
        .unwrap();
    cache.lookup("apples oranges").unwrap();
    cache.lookup("apples oranges").unwrap();
    cache.lookup("bananas kiwis").unwrap();
    let c = cache
        .insert("cherries plums question", "c", InsertOptions::new())
        .unwrap();
    assert!(
        cache.get(b).is_none(),
        "b was served once, a twice, c is new"
    );
    assert!(cache.get(a).is_some() && cache.get(c).is_some());
}

#[test]
fn alternates_lead_to_one_answer() {
    let clock = clock();
    let cache = cache_with(sparse(0.5), &clock);
    filler(&cache);
    let id = cache
        .insert(
            RESET_Q,
            RESET_A,
            InsertOptions::new().alternate("I forgot my login credentials"),
        )
        .unwrap();
    let hit = cache.lookup("forgot my login credentials").unwrap();
    let hit = hit.hit().expect("alternate phrasing hits");
    assert_eq!(hit.entry_id, id);
    assert_eq!(hit.matched_question, "I forgot my login credentials");
    assert_eq!(hit.answer, RESET_A);
    assert_eq!(cache.len(), 5);
}

#[test]
fn per_request_threshold_may_only_be_stricter() {
    let clock = clock();
    let cache = with_reset_entry(sparse(0.5), &clock, InsertOptions::new());
    let question = "how do I reset my password at the store";
    let score = cache.lookup(question).unwrap().hit().expect("hit").score;
    assert!(score < 0.99);
    let strict = cache
        .lookup_with(&LookupRequest::new(question).threshold(0.99))
        .unwrap();
    assert!(!strict.is_hit());
    let looser = cache.lookup_with(&LookupRequest::new(question).threshold(0.4));
    assert!(matches!(looser, Err(Error::InvalidParameter { ref name, .. }) if name == "threshold"));
    let nan = cache.lookup_with(&LookupRequest::new(question).threshold(f64::NAN));
    assert!(nan.is_err());
}

#[test]
fn namespaces_are_isolated() {
    let clock = clock();
    let cache = cache_with(sparse(0.3), &clock);
    cache
        .insert(
            RESET_Q,
            "answer for tenant a",
            InsertOptions::new().namespace("a"),
        )
        .unwrap();
    let in_a = cache
        .lookup_with(&LookupRequest::new(RESET_Q).namespace("a"))
        .unwrap();
    assert_eq!(answer(&in_a), Some("answer for tenant a"));
    let in_b = cache
        .lookup_with(&LookupRequest::new(RESET_Q).namespace("b"))
        .unwrap();
    assert!(!in_b.is_hit());
    let Lookup::Miss(miss) = in_b else {
        unreachable!()
    };
    assert!(
        miss.nearest.is_empty(),
        "other namespaces are not even candidates"
    );
}

/// A lookup skips the namespace filter when its namespace holds every stored
/// phrasing; inserts, removals and a parts round trip must keep that decision
/// right, so that no answer ever crosses namespaces.
#[test]
fn namespace_fast_path_follows_inserts_removals_and_restores() {
    let clock = clock();
    let cache = cache_with(sparse(0.3), &clock);
    let nearest = |cache: &FaqCache, ns: &str| -> Vec<String> {
        let request = LookupRequest::new(RESET_Q).namespace(ns);
        cache
            .nearest(&request, 10)
            .unwrap()
            .into_iter()
            .map(|c| c.question)
            .collect()
    };
    let a = cache
        .insert(
            RESET_Q,
            "answer a",
            InsertOptions::new()
                .namespace("a")
                .alternate("reset password please"),
        )
        .unwrap();
    assert_eq!(
        answer(
            &cache
                .lookup_with(&LookupRequest::new(RESET_Q).namespace("a"))
                .unwrap()
        ),
        Some("answer a")
    );
    assert!(nearest(&cache, "b").is_empty());
    assert!(nearest(&cache, "").is_empty());
    cache
        .insert(
            "How can I reset my password now?",
            "answer b",
            InsertOptions::new().namespace("b"),
        )
        .unwrap();
    assert_eq!(nearest(&cache, "a"), [RESET_Q]);
    assert_eq!(nearest(&cache, "b"), ["How can I reset my password now?"]);
    assert!(cache.remove(a).unwrap());
    assert!(
        nearest(&cache, "a").is_empty(),
        "removed entries leave no trace"
    );
    assert_eq!(
        answer(
            &cache
                .lookup_with(&LookupRequest::new(RESET_Q).namespace("b"))
                .unwrap()
        ),
        Some("answer b")
    );
    let (parts, index) = cache.into_parts();
    let restored = FaqCache::from_parts(parts, index, Some(clock.clone())).unwrap();
    assert!(nearest(&restored, "a").is_empty());
    assert_eq!(
        nearest(&restored, "b"),
        ["How can I reset my password now?"]
    );
    restored
        .insert(
            RESET_Q,
            "answer a again",
            InsertOptions::new().namespace("a"),
        )
        .unwrap();
    assert_eq!(nearest(&restored, "a"), [RESET_Q]);
    assert_eq!(
        nearest(&restored, "b"),
        ["How can I reset my password now?"]
    );
}

#[test]
fn lexical_veto_names_number_and_negation() {
    let clock = clock();
    let cache = cache_with(sparse(0.3), &clock);
    filler(&cache);
    cache
        .insert(
            "How do I turn on notifications?",
            "Switch them on.",
            InsertOptions::new(),
        )
        .unwrap();
    cache
        .insert("Can I refill 7 days early?", "Yes.", InsertOptions::new())
        .unwrap();
    let Lookup::Miss(miss) = cache.lookup("How do I turn off notifications?").unwrap() else {
        panic!("negated question served");
    };
    assert_eq!(
        miss.refused_by,
        Some(Refusal::LexicalVeto {
            term: "off".into(),
            reason: VetoReason::Negation
        })
    );
    let Lookup::Miss(miss) = cache.lookup("Can I refill 14 days early?").unwrap() else {
        panic!("different number served");
    };
    let Some(Refusal::LexicalVeto {
        term,
        reason: VetoReason::Number,
    }) = miss.refused_by
    else {
        panic!("{:?}", miss.refused_by);
    };
    assert!(term == "14" || term == "7");
    assert!(cache.lookup("can I refill 7 days early").unwrap().is_hit());
    assert_eq!(cache.stats().refusals, 2);
}

#[test]
fn lexical_veto_names_a_contrast_term_that_points_to_a_rival() {
    let clock = clock();
    let config = FaqConfig {
        score: ScoreMode::Dense,
        threshold: 0.5,
        lexical_veto: Some(LexicalVeto {
            substitutions: false,
            ..LexicalVeto::default()
        }),
        ..FaqConfig::default()
    };
    let cache = cache_with(config, &clock);
    for (i, q) in [
        "What are your opening hours?",
        "Where is the nearest store?",
        "Do you sell gift cards?",
        "How do I contact support?",
        "Can I pay by card?",
        "Is parking free?",
    ]
    .into_iter()
    .enumerate()
    {
        let options = InsertOptions::new().vector(vec![0.0, 1.0]);
        cache.insert(q, &format!("filler {i}"), options).unwrap();
    }
    let email = cache
        .insert(
            "How do I reset my email password?",
            "Email settings.",
            InsertOptions::new().vector(vec![1.0, 0.0]),
        )
        .unwrap();
    let router = cache
        .insert(
            "How do I reset my router password?",
            "Hold the reset button.",
            InsertOptions::new().vector(vec![0.95, 0.31]),
        )
        .unwrap();
    // The query's vector says "email", its words say "router": the dense best
    // lacks the rare term "router", which the close rival with another answer has.
    let request = LookupRequest::new("How do I reset my router password?").vector(vec![1.0, 0.0]);
    let Lookup::Miss(miss) = cache.lookup_with(&request).unwrap() else {
        panic!("the email answer was served for a router question");
    };
    assert_eq!(miss.nearest[0].entry_id, email);
    let Some(Refusal::LexicalVeto {
        term,
        reason: VetoReason::ContrastTerm { idf, other },
    }) = miss.refused_by
    else {
        panic!("{:?}", miss.refused_by);
    };
    assert_eq!((term.as_str(), other), ("router", router));
    assert!(idf >= 2.0);
    // No rare query term is missing from the best question: served.
    let request = LookupRequest::new("How do I reset my email password?").vector(vec![1.0, 0.0]);
    let hit = cache.lookup_with(&request).unwrap();
    assert_eq!(answer(&hit), Some("Email settings."));
    assert!(hit
        .hit()
        .unwrap()
        .explain
        .guards_passed
        .contains(&"lexical_veto"));
}

#[test]
fn runner_up_margin_refuses_close_different_answers() {
    let clock = clock();
    let config = FaqConfig {
        margin: Some(0.1),
        lexical_veto: None,
        ..sparse(0.3)
    };
    let cache = cache_with(config, &clock);
    filler(&cache);
    cache
        .insert(
            "What is the price of shipping to Canada?",
            "$10",
            InsertOptions::new(),
        )
        .unwrap();
    cache
        .insert(
            "What is the price of shipping to Mexico?",
            "$12",
            InsertOptions::new(),
        )
        .unwrap();
    let Lookup::Miss(miss) = cache.lookup("What is the price of shipping?").unwrap() else {
        panic!("ambiguous question served");
    };
    assert!(matches!(miss.refused_by, Some(Refusal::Margin { gap, .. }) if gap < 0.1));
    let hit = cache.lookup("price of shipping to Canada").unwrap();
    assert_eq!(answer(&hit), Some("$10"));
    assert!(hit.hit().unwrap().explain.guards_passed.contains(&"margin"));
}

/// Two-dimensional vectors from a fixed rule, so dense scores are known: a
/// text with the word "please" points one way, any other text the other way.
struct TableEmbedder {
    name: &'static str,
}

impl Embedder for TableEmbedder {
    fn dim(&self) -> usize {
        2
    }
    fn fingerprint(&self) -> String {
        self.name.to_string()
    }
    fn embed_batch(&self, texts: &[&str]) -> twofold::Result<Vec<Vec<f32>>> {
        Ok(texts
            .iter()
            .map(|t| {
                if t.contains("please") {
                    vec![1.0, 0.1]
                } else {
                    vec![0.1, 1.0]
                }
            })
            .collect())
    }
}

#[test]
fn dual_gate_requires_both_sides() {
    let clock = clock();
    let config = FaqConfig {
        threshold: 0.3,
        dual_gate: Some(DualGate {
            sparse: 0.5,
            dense: 0.9,
        }),
        lexical_veto: None,
        ..FaqConfig::default()
    };
    let cache = FaqCache::builder()
        .config(config)
        .clock(clock.clone())
        .embedder(Arc::new(TableEmbedder { name: "table-v1" }))
        .build()
        .unwrap();
    filler(&cache);
    cache
        .insert(RESET_Q, RESET_A, InsertOptions::new())
        .unwrap();
    let hit = cache.lookup("How do I reset my password?").unwrap();
    let hit = hit.hit().expect("both sides agree");
    assert_eq!(hit.explain.mode_used, twofold::query::Mode::Hybrid);
    assert!(hit.explain.dense.unwrap() > 0.99);
    // Nearly the same words, but the dense side disagrees.
    let lookup = cache.lookup("please, how do I reset my password").unwrap();
    let Lookup::Miss(miss) = lookup else {
        panic!("dense side should fail its gate: {lookup:?}");
    };
    assert!(
        matches!(
            miss.refused_by,
            Some(Refusal::DualGate {
                side: Side::Dense,
                ..
            })
        ),
        "{miss:?}"
    );
}

#[test]
fn vectors_of_another_model_are_refused() {
    let clock = clock();
    let cache = FaqCache::builder()
        .config(FaqConfig::default())
        .clock(clock.clone())
        .embedder(Arc::new(TableEmbedder { name: "table-v1" }))
        .build()
        .unwrap();
    assert_eq!(cache.fingerprint().as_deref(), Some("table-v1"));
    let err = cache.insert(
        RESET_Q,
        RESET_A,
        InsertOptions::new()
            .vector(vec![1.0, 0.0])
            .model("other-v2"),
    );
    assert!(
        matches!(err, Err(Error::EmbedderMismatch { ref expected, ref found }) if expected == "table-v1" && found == "other-v2")
    );
    assert!(cache.is_empty());
    let err = cache.lookup_with(
        &LookupRequest::new(RESET_Q)
            .vector(vec![1.0, 0.0])
            .model("other-v2"),
    );
    assert!(matches!(err, Err(Error::EmbedderMismatch { .. })));
    cache
        .insert(RESET_Q, RESET_A, InsertOptions::new().model("table-v1"))
        .unwrap();

    // Caller-supplied vectors: the first named model is recorded.
    let plain = FaqCache::builder()
        .config(FaqConfig::default())
        .build()
        .unwrap();
    plain
        .insert(
            RESET_Q,
            RESET_A,
            InsertOptions::new().vector(vec![1.0, 0.0]).model("m1"),
        )
        .unwrap();
    let err = plain.lookup_with(
        &LookupRequest::new(RESET_Q)
            .vector(vec![1.0, 0.0])
            .model("m2"),
    );
    assert!(matches!(err, Err(Error::EmbedderMismatch { .. })));

    // Restoring parts onto an index whose embedder is another model.
    let (parts, _index) = cache.into_parts();
    let index = Index::builder()
        .embedder(Arc::new(TableEmbedder { name: "table-v2" }))
        .build(Vec::new())
        .unwrap();
    let mut empty_parts = parts.clone();
    empty_parts.entries.clear();
    let err = FaqCache::from_parts(empty_parts, index, None);
    assert!(matches!(err, Err(Error::EmbedderMismatch { .. })));
}

#[test]
fn parts_round_trip_through_serde_and_are_validated() {
    let clock = clock();
    let cache = cache_with(sparse(0.5), &clock);
    filler(&cache);
    let id = cache
        .insert(
            RESET_Q,
            RESET_A,
            InsertOptions::new()
                .alternate("forgot my login")
                .tag("t")
                .meta("k", "v"),
        )
        .unwrap();
    cache.lookup(RESET_Q).unwrap();
    let (parts, index) = cache.into_parts();
    let bytes = bincode::serde::encode_to_vec(&parts, bincode::config::standard()).unwrap();
    let (decoded, _): (twofold::faq::FaqParts, usize) =
        bincode::serde::decode_from_slice(&bytes, bincode::config::standard()).unwrap();
    assert_eq!(decoded, parts);
    let json = serde_json::to_string(&parts).unwrap();
    assert_eq!(
        serde_json::from_str::<twofold::faq::FaqParts>(&json).unwrap(),
        parts
    );

    let mut broken = decoded.clone();
    broken.entries[0].phrasings[0].doc_key = 999;
    let fresh = Index::builder().build(Vec::new()).unwrap();
    assert!(matches!(
        FaqCache::from_parts(broken, fresh, None),
        Err(Error::CorruptPersisted { .. })
    ));
    let mut wrong_version = decoded.clone();
    wrong_version.version = 99;
    let fresh = Index::builder().build(Vec::new()).unwrap();
    assert!(matches!(
        FaqCache::from_parts(wrong_version, fresh, None),
        Err(Error::CorruptPersisted { .. })
    ));

    let restored = FaqCache::from_parts(decoded, index, Some(clock.clone())).unwrap();
    assert_eq!(restored.len(), 5);
    assert_eq!(restored.stats().hits, 1);
    assert_eq!(
        answer(&restored.lookup("forgot my login").unwrap()),
        Some(RESET_A)
    );
    let next = restored
        .insert("A brand new question", "new", InsertOptions::new())
        .unwrap();
    assert!(next > id);
}

#[test]
fn feedback_accumulates_labels_for_recalibration() {
    let clock = clock();
    let cache = with_reset_entry(sparse(0.3), &clock, InsertOptions::new());
    for _ in 0..40 {
        let lookup = cache.lookup("reset my password").unwrap();
        assert!(cache.feedback(&lookup, true));
    }
    let wrong = cache.lookup("gift cards store").unwrap();
    cache.feedback(&wrong, false);
    assert_eq!(cache.labels().len(), 41);
    let calibration = cache.calibrate(0.9).unwrap();
    let threshold = calibration.threshold.expect("40 correct hits reach 0.9");
    let reset_score = cache.lookup("reset my password").unwrap().best().unwrap().1;
    assert!((threshold - reset_score).abs() < 1e-12);
    assert_eq!(calibration.point_at(threshold).correct, 40);
}

#[test]
fn insert_errors_leave_the_cache_unchanged() {
    let clock = clock();
    let cache = cache_with(sparse(0.5), &clock);
    assert!(cache.insert("  ", "x", InsertOptions::new()).is_err());
    assert!(cache
        .insert("q", "x", InsertOptions::new().ttl(Duration::ZERO))
        .is_err());
    let bad_vectors = InsertOptions::new().alternate_with_vector("other", vec![1.0]);
    assert!(cache.insert("q", "x", bad_vectors).is_err());
    let batch = vec![
        (
            "good question".to_string(),
            "a".to_string(),
            InsertOptions::new(),
        ),
        ("".to_string(), "b".to_string(), InsertOptions::new()),
    ];
    match cache.insert_batch(batch) {
        Err(err @ Error::BatchItem { .. }) => {
            assert!(matches!(
                err,
                Error::BatchItem {
                    position: 1,
                    len: 2,
                    key: None,
                    ..
                }
            ));
            assert!(
                matches!(err.root(), Error::InvalidParameter { name, .. } if name == "question")
            );
            assert!(err.to_string().starts_with("batch item 1 of 2: "), "{err}");
        }
        other => panic!("expected BatchItem, got {other:?}"),
    }
    assert!(cache.is_empty());
    assert_eq!(cache.stats().inserts, 0);
    // A failed batch does not record the model fingerprint its first item carried.
    let batch = vec![
        (
            "good question".to_string(),
            "a".to_string(),
            InsertOptions::new().model("model-a"),
        ),
        (" ".to_string(), "b".to_string(), InsertOptions::new()),
    ];
    assert!(cache.insert_batch(batch).is_err());
    assert_eq!(cache.fingerprint(), None);
    let first = cache
        .insert("good question", "a", InsertOptions::new().model("model-b"))
        .unwrap();
    assert_eq!(first, EntryId(0));
    assert_eq!(cache.fingerprint().as_deref(), Some("model-b"));
}

#[test]
fn a_refused_vector_in_a_batch_names_the_cache_item() {
    let clock = clock();
    let cache = cache_with(sparse(0.5), &clock);
    let with_vector = |v: Vec<f32>| InsertOptions::new().vector(v);
    cache
        .insert("first question", "a", with_vector(vec![1.0, 0.0, 0.0]))
        .unwrap();
    // Item 1's second phrasing (its index document 2 of 3) has the wrong size.
    let batch = vec![
        (
            "fine".to_string(),
            "b".to_string(),
            with_vector(vec![0.0, 1.0, 0.0]),
        ),
        (
            "also fine".to_string(),
            "c".to_string(),
            with_vector(vec![0.0, 0.0, 1.0]).alternate_with_vector("too short", vec![1.0, 0.0]),
        ),
    ];
    let refused = cache.insert_batch(batch).unwrap_err();
    assert!(
        matches!(
            refused,
            Error::BatchItem {
                position: 1,
                len: 2,
                key: None,
                ..
            }
        ),
        "{refused:?}"
    );
    assert!(matches!(
        refused.root(),
        Error::DimensionMismatch {
            expected: 3,
            found: 2
        }
    ));
    assert_eq!(cache.len(), 1, "nothing of the batch is stored");
    // A single insert reports the item's own error.
    let single = with_vector(vec![1.0, 0.0]);
    assert!(matches!(
        cache.insert("short", "d", single),
        Err(Error::DimensionMismatch { .. })
    ));
}

#[test]
fn an_empty_question_is_a_miss_not_an_error() {
    let clock = clock();
    let cache = cache_with(sparse(0.0), &clock);
    filler(&cache);
    for question in ["", "   ", "?!"] {
        let lookup = cache.lookup(question).unwrap();
        assert!(lookup.hit().is_none(), "{question:?} served {lookup:?}");
    }
    assert_eq!(cache.stats().lookups, 3);
}

/// A frozen-statistics cache over `min_df = 2`, `max_df = 0.5` that refits
/// when the stored phrasings double.
fn pruned_frozen() -> FaqConfig {
    let mut config = FaqConfig {
        refit_growth: Some(2.0),
        ..sparse(0.5)
    };
    config.index.stats = twofold::index::StatsMode::Frozen;
    config.index.tfidf.min_df = twofold::tfidf::Df::Count(2);
    config.index.tfidf.max_df = twofold::tfidf::Df::Proportion(0.5);
    config
}

/// Stores each question with an answer of its own, in one batch.
fn insert_questions(cache: &FaqCache, questions: &[&str]) -> twofold::Result<Vec<EntryId>> {
    let items = questions
        .iter()
        .map(|q| {
            (
                q.to_string(),
                format!("answer to {q}"),
                InsertOptions::new(),
            )
        })
        .collect();
    cache.insert_batch(items)
}

#[test]
fn frozen_cache_refits_as_it_grows() {
    let cache = FaqCache::builder().config(pruned_frozen()).build().unwrap();
    let batch = |questions: &[&str]| insert_questions(&cache, questions);
    batch(&["alpha beta", "alpha gamma", "delta epsilon", "delta zeta"]).unwrap();
    // "omega" is unknown to the first fit; doubling to 8 phrasings refits and
    // learns it (df 2 of 8 is within min_df..=max_df).
    batch(&["omega one", "omega two", "alpha three", "delta four"]).unwrap();
    let scores = |q: &str| cache.lookup(q).unwrap().best().map_or(0.0, |(_, s)| s);
    assert!(scores("omega") > 0.0);
}

#[test]
fn an_automatic_refit_that_cannot_be_fitted_keeps_the_old_fit_and_the_insert() {
    let cache = FaqCache::builder().config(pruned_frozen()).build().unwrap();
    let batch = |questions: &[&str]| insert_questions(&cache, questions);
    batch(&["alpha beta", "alpha gamma", "delta epsilon", "delta zeta"]).unwrap();
    // At 8 phrasings "alpha" and "delta" are in 6 (above max_df) and every
    // other word in 1 (below min_df): scikit-learn would refuse this fit. The
    // entries are stored all the same, so the insert must not report failure.
    let stored = batch(&[
        "alpha delta one",
        "alpha delta two",
        "alpha delta three",
        "alpha delta four",
    ]);
    assert!(stored.is_ok(), "{stored:?}");
    assert_eq!(cache.len(), 8);
    // The previous fit still scores: "alpha" is one of its columns.
    let best = cache.lookup("alpha").unwrap().best();
    assert!(best.is_some_and(|(_, score)| score > 0.0), "{best:?}");
    // An explicit refit still says why it cannot fit.
    assert!(matches!(cache.refit(), Err(Error::NoTermsRemain)));
}

/// Counters at their maximum (only crafted parts get there): an insert or a
/// version bump that would overflow is refused with the cache unchanged; a hit
/// on an entry served `u64::MAX` times and LRU ticks saturate (no panic, in
/// debug builds neither).
#[test]
fn counters_at_their_maximum_refuse_or_saturate_instead_of_overflowing() {
    let clock = clock();
    let cache = with_reset_entry(sparse(0.5), &clock, InsertOptions::new());
    let (mut parts, index) = cache.into_parts();
    let before = parts.clone();
    parts.tick = u64::MAX;
    for e in &mut parts.entries {
        e.hits = u64::MAX;
    }
    let cache = FaqCache::from_parts(parts, index, Some(clock.clone())).unwrap();
    assert_eq!(
        answer(&cache.lookup("how do I reset my password").unwrap()),
        Some(RESET_A)
    );
    let (mut parts, index) = cache.into_parts();
    parts.next_entry = u64::MAX;
    parts.data_version = u64::MAX;
    let cache = FaqCache::from_parts(parts, index, Some(clock.clone())).unwrap();
    let err = cache
        .insert("Can I pay by card?", "Yes.", InsertOptions::new())
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput(m) if m.contains("entry ids")),
        "{err}"
    );
    let err = cache.bump_data_version().unwrap_err();
    assert!(matches!(&err, Error::InvalidInput(m) if m.contains("data version")));
    assert_eq!(cache.len(), before.entries.len());
    assert_eq!(
        answer(&cache.lookup("how do I reset my password").unwrap()),
        Some(RESET_A),
        "a refused bump removes nothing"
    );
    let (mut parts, index) = cache.into_parts();
    parts.next_entry = before.next_entry;
    parts.next_doc = u64::MAX - 1;
    let cache = FaqCache::from_parts(parts, index, Some(clock.clone())).unwrap();
    let two_phrasings = InsertOptions::new().alternate("Do you take cards?");
    assert!(cache
        .insert("Can I pay by card?", "Yes.", two_phrasings)
        .is_err());
    assert_eq!(cache.len(), before.entries.len());
}

/// A TTL under a millisecond is one millisecond (times are stored in whole
/// milliseconds), not zero: the entry is served until the clock moves on.
#[test]
fn a_ttl_under_a_millisecond_does_not_expire_the_entry_on_arrival() {
    let clock = clock();
    let cache = with_reset_entry(
        sparse(0.5),
        &clock,
        InsertOptions::new().ttl(Duration::from_micros(500)),
    );
    assert_eq!(
        answer(&cache.lookup("how do I reset my password").unwrap()),
        Some(RESET_A)
    );
    clock.advance(Duration::from_millis(1));
    assert_eq!(
        answer(&cache.lookup("how do I reset my password").unwrap()),
        None
    );
}

/// A manual clock advanced by `Duration::MAX` stops at the end of year 9999
/// (a time every platform's `SystemTime` holds) instead of overflowing.
#[test]
fn a_manual_clock_stops_at_the_end_of_year_9999() {
    use twofold::faq::Clock;
    let clock = clock();
    clock.advance(Duration::MAX);
    assert_eq!(
        clock.now(),
        UNIX_EPOCH + Duration::from_millis(253_402_300_799_999)
    );
    let cache = cache_with(sparse(0.5), &clock);
    cache
        .insert(RESET_Q, RESET_A, InsertOptions::new().ttl(Duration::MAX))
        .unwrap();
    assert_eq!(answer(&cache.lookup(RESET_Q).unwrap()), Some(RESET_A));
}

/// A candidate count far above the cache's size (from a config or a loaded
/// snapshot) means "all entries" in every scoring mode.
#[test]
fn a_huge_candidate_count_considers_every_entry() {
    for score in [ScoreMode::Dense, ScoreMode::Hybrid, ScoreMode::Sparse] {
        let clock = clock();
        let config = FaqConfig {
            score,
            threshold: 0.5,
            candidates: 1 << 40,
            ..FaqConfig::default()
        };
        let cache = cache_with(config, &clock);
        for (i, q) in ["Where is the nearest store?", "Do you sell gift cards?"]
            .into_iter()
            .enumerate()
        {
            let options = InsertOptions::new().vector(vec![0.1 * i as f32, 1.0]);
            cache.insert(q, "filler", options).unwrap();
        }
        let options = InsertOptions::new().vector(vec![1.0, 0.0]);
        cache.insert(RESET_Q, RESET_A, options).unwrap();
        let request = LookupRequest::new(RESET_Q).vector(vec![1.0, 0.05]);
        let lookup = cache.lookup_with(&request).unwrap();
        assert_eq!(answer(&lookup), Some(RESET_A), "{score:?}: {lookup:?}");
    }
}
