//! The FAQ cache on the shipped sample (examples/data/faq.jsonl, faq_queries.jsonl):
//! sparse-only scoring, calibrated threshold, lexical veto on near-misses.

use crate::faq_common;

use faq_common::{read_jsonl, sample_items, Entry, Query};
use std::collections::HashMap;

use twofold::faq::{
    EntryId, FaqCache, FaqConfig, Lookup, LookupRequest, Refusal, ScoreMode, VetoReason,
};

struct Sample {
    cache: FaqCache,
    ids: HashMap<String, EntryId>,
    queries: Vec<Query>,
}

fn sample(config: FaqConfig) -> Sample {
    let entries: Vec<Entry> = read_jsonl("faq.jsonl");
    let cache = FaqCache::builder().config(config).build().unwrap();
    let items = sample_items(&entries);
    let entry_ids = cache.insert_batch(items).unwrap();
    let ids = entries
        .iter()
        .map(|e| e.id.clone())
        .zip(entry_ids)
        .collect();
    Sample {
        cache,
        ids,
        queries: read_jsonl("faq_queries.jsonl"),
    }
}

fn sparse_config() -> FaqConfig {
    FaqConfig {
        score: ScoreMode::Sparse,
        ..FaqConfig::default()
    }
}

fn pairs(s: &Sample) -> Vec<(LookupRequest, Option<EntryId>)> {
    s.queries
        .iter()
        .map(|q| {
            (
                LookupRequest::new(q.text.clone()),
                q.expected.as_ref().map(|e| s.ids[e]),
            )
        })
        .collect()
}

#[test]
fn sample_loads_every_phrasing() {
    let s = sample(sparse_config());
    assert_eq!(s.cache.len(), 150);
    assert_eq!(s.queries.len(), 120);
    assert_eq!(
        s.queries.iter().filter(|q| q.expected.is_some()).count(),
        90
    );
}

/// Sparse TF-IDF on this sample: the paraphrases are written to be lexically
/// distant (it is meant for dense models), so no threshold reaches a high
/// precision; what must hold is that lookups do exactly what the calibration
/// predicted, and that the calibrated threshold serves a fair share correctly.
#[test]
fn lookups_match_the_calibration_at_the_calibrated_threshold() {
    let s = sample(sparse_config());
    let calibration = s.cache.calibrate_pairs(&pairs(&s), 0.25).unwrap();
    for p in calibration.curve.iter().step_by(5) {
        println!(
            "t={:.3} served={} correct={} precision={:.3} lower={:.3} recall={:.3}",
            p.threshold, p.served, p.correct, p.precision, p.precision_lower, p.recall
        );
    }
    let threshold = calibration
        .threshold
        .expect("a threshold whose precision bound reaches 0.5");
    let predicted = calibration.point_at(threshold);
    println!("calibrated threshold {threshold:.4}: {predicted:?}");
    let s = sample(FaqConfig {
        threshold,
        ..sparse_config()
    });
    let (mut correct, mut wrong) = (0u64, 0u64);
    for q in &s.queries {
        match (s.cache.lookup(&q.text).unwrap(), &q.expected) {
            (Lookup::Hit(hit), Some(e)) if hit.entry_id == s.ids[e] => correct += 1,
            (Lookup::Hit(hit), _) => {
                wrong += 1;
                println!(
                    "false hit {}: {:?} -> {:?} {:.3}",
                    q.id, q.text, hit.matched_question, hit.score
                );
            }
            (Lookup::Miss(_), _) => {}
        }
    }
    println!("correct {correct}/90, false hits {wrong}");
    assert_eq!(correct, predicted.correct);
    assert_eq!(correct + wrong, predicted.served);
    assert!(predicted.precision_lower >= 0.25);
    // Sparse TF-IDF only: about one paraphrase in six (see the doc comment).
    assert!(
        correct >= 14,
        "only {correct} of 90 paraphrases hit correctly (want ≥ 14, 15 %)"
    );
    assert_eq!(s.cache.stats().hits, correct + wrong);
}

fn refusal(cache: &FaqCache, question: &str) -> Option<Refusal> {
    match cache.lookup(question).unwrap() {
        Lookup::Miss(miss) => miss.refused_by,
        Lookup::Hit(hit) => panic!(
            "{question:?} served {:?} ({:.3})",
            hit.matched_question, hit.score
        ),
    }
}

#[test]
fn near_misses_with_a_different_number_are_vetoed_and_the_number_named() {
    let s = sample(FaqConfig {
        threshold: 0.3,
        ..sparse_config()
    });
    for (question, number) in [
        ("Can I refill my prescription 14 days early?", "14"),
        ("How much does 1-day delivery cost?", "1"),
        ("Can I switch to a 60-day supply?", "60"),
    ] {
        let refused = refusal(&s.cache, question);
        assert_eq!(
            refused,
            Some(Refusal::LexicalVeto {
                term: number.into(),
                reason: VetoReason::Number
            }),
            "{question:?}"
        );
    }
    // The stored phrasings themselves are served.
    assert!(s
        .cache
        .lookup("Can I refill my prescription 7 days early?")
        .unwrap()
        .is_hit());
}

#[test]
fn negated_question_is_vetoed_when_only_the_positive_one_is_stored() {
    let s = sample(FaqConfig {
        threshold: 0.3,
        ..sparse_config()
    });
    assert!(s.cache.remove(s.ids["faq-021"]).unwrap()); // "How do I turn off refill reminders?"
    let refused = refusal(&s.cache, "How do I turn off refill reminders?");
    assert_eq!(
        refused,
        Some(Refusal::LexicalVeto {
            term: "off".into(),
            reason: VetoReason::Negation
        })
    );
    // The same question without the negation is served by faq-020.
    let hit = s
        .cache
        .lookup("How do I turn on refill reminders?")
        .unwrap();
    assert_eq!(hit.hit().map(|h| h.entry_id), Some(s.ids["faq-020"]));
}

/// With stop words "on" and "off" vanish from the TF-IDF side, so both twins
/// score the same; the veto must pass over the wrong twin to the right one.
#[test]
fn a_vetoed_twin_gives_way_to_the_right_entry() {
    let s = sample(FaqConfig {
        threshold: 0.3,
        ..sparse_config()
    });
    let hit = s
        .cache
        .lookup("How do I turn off two-factor authentication?")
        .unwrap();
    assert_eq!(
        hit.hit().map(|h| h.entry_id),
        Some(s.ids["faq-079"]),
        "{hit:?}"
    );
    let hit = s
        .cache
        .lookup("How do I turn on two-factor authentication?")
        .unwrap();
    assert_eq!(
        hit.hit().map(|h| h.entry_id),
        Some(s.ids["faq-078"]),
        "{hit:?}"
    );
}

#[test]
fn swapped_rare_terms_are_vetoed() {
    let s = sample(FaqConfig {
        threshold: 0.3,
        ..sparse_config()
    });
    let refused = refusal(
        &s.cache,
        "Do I need an appointment for a pneumonia vaccine?",
    );
    assert_eq!(
        refused,
        Some(Refusal::LexicalVeto {
            term: "pneumonia".into(),
            reason: VetoReason::Substitution {
                replaced: "shingles".into()
            }
        })
    );
}

#[test]
fn no_off_topic_question_is_served_at_a_strict_threshold() {
    let s = sample(FaqConfig {
        threshold: 0.7,
        ..sparse_config()
    });
    let mut served = Vec::new();
    for q in s.queries.iter().filter(|q| q.expected.is_none()) {
        if let Lookup::Hit(hit) = s.cache.lookup(&q.text).unwrap() {
            served.push((q.text.clone(), hit.matched_question.clone()));
        }
    }
    println!("near-misses served at 0.7: {served:?}");
    assert!(
        served.len() <= 4,
        "{} of 30 unanswerable questions served: {served:?}",
        served.len()
    );
}
