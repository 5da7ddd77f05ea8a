//! Recommendations: more-like-this excludes itself and explains, examples on both
//! sides, filters, seen keys, MMR.

use twofold::ids::DocKey;
use twofold::index::{Document, Filter, Index};
use twofold::recommend::{MoreLikeThis, RecommendOptions, RecommendRequest, Strategy};
use twofold::Error;

fn docs() -> Vec<Document> {
    let rows = [
        (
            "p1",
            "password reset account login",
            [1.0, 0.1, 0.0],
            "account",
        ),
        (
            "p2",
            "reset your password login help",
            [0.9, 0.2, 0.0],
            "account",
        ),
        (
            "p3",
            "forgot password account recovery",
            [0.95, 0.0, 0.1],
            "account",
        ),
        (
            "d1",
            "delivery tracking parcel late",
            [0.0, 1.0, 0.1],
            "shipping",
        ),
        (
            "d2",
            "parcel delivery delayed tracking",
            [0.1, 0.9, 0.0],
            "shipping",
        ),
        (
            "d3",
            "late delivery refund parcel",
            [0.0, 0.8, 0.3],
            "shipping",
        ),
        (
            "r1",
            "refund payment card charge",
            [0.0, 0.2, 1.0],
            "billing",
        ),
        (
            "r2",
            "card payment refund failed",
            [0.1, 0.1, 0.9],
            "billing",
        ),
    ];
    rows.iter()
        .map(|(k, text, v, cat)| {
            Document::new(*k)
                .body(*text)
                .vector(v.to_vec())
                .meta("cat", *cat)
        })
        .collect()
}

fn keys(items: &[twofold::recommend::Recommendation]) -> Vec<DocKey> {
    items.iter().map(|r| r.key.clone()).collect()
}

#[test]
fn more_like_this_excludes_itself_and_explains() {
    let index = Index::builder().build(docs()).unwrap();
    let recs = index
        .more_like_this(&"p1".into(), &MoreLikeThis::default())
        .unwrap();
    let got = keys(&recs.items);
    assert!(!got.contains(&"p1".into()));
    assert_eq!(got.len(), 7);
    let top2: Vec<_> = got[..2].to_vec();
    assert!(
        top2.contains(&"p2".into()) && top2.contains(&"p3".into()),
        "{got:?}"
    );
    let first = &recs.items[0];
    assert!(first.shared_terms.iter().any(|t| t.term == "password"));
    assert!(first.dense_score.unwrap() > 0.9);
}

#[test]
fn more_like_this_knobs_limit_the_query_terms() {
    let index = Index::builder().build(docs()).unwrap();
    let one_term = MoreLikeThis {
        max_query_terms: 1,
        ..MoreLikeThis::default()
    };
    let recs = index.more_like_this(&"d1".into(), &one_term).unwrap();
    for r in &recs.items {
        assert!(r.shared_terms.len() <= 1);
    }
    // A document frequency ceiling of 1 leaves no usable term: the sparse side is silent.
    let none = MoreLikeThis {
        max_doc_freq: Some(1),
        ..MoreLikeThis::default()
    };
    let recs = index.more_like_this(&"d1".into(), &none).unwrap();
    assert!(recs.items.iter().all(|r| r.sparse_score == 0.0));
    assert!(matches!(
        index.more_like_this(&"zz".into(), &MoreLikeThis::default()),
        Err(Error::UnknownKey(_))
    ));
}

#[test]
fn recommendations_from_examples_respect_negatives_filters_and_seen() {
    let index = Index::builder().build(docs()).unwrap();
    for strategy in [Strategy::AverageVector, Strategy::BestScore] {
        let request = RecommendRequest::positive(["d1".into()])
            .negative(["r1".into()])
            .strategy(strategy)
            .k(7);
        let recs = index.recommend(&request).unwrap();
        let got = keys(&recs.items);
        assert!(
            !got.contains(&"d1".into()) && !got.contains(&"r1".into()),
            "{strategy:?}"
        );
        assert!(got[..2].contains(&"d2".into()), "{strategy:?}: {got:?}");
        let pos_r2 = got.iter().position(|k| k == &"r2".into()).unwrap();
        let pos_d3 = got.iter().position(|k| k == &"d3".into()).unwrap();
        assert!(
            pos_d3 < pos_r2,
            "{strategy:?}: the negative's neighbour sinks: {got:?}"
        );

        let mut filtered = request.clone();
        filtered.options = RecommendOptions {
            filter: Some(Filter::eq("cat", "account")),
            exclude: vec!["p2".into()],
            ..RecommendOptions::default()
        };
        let got = keys(&index.recommend(&filtered).unwrap().items);
        assert_eq!(got.len(), 2, "{strategy:?}: {got:?}");
        assert!(got.iter().all(|k| k == &"p1".into() || k == &"p3".into()));
    }
    let empty = RecommendRequest::positive(Vec::<DocKey>::new());
    assert!(matches!(
        index.recommend(&empty),
        Err(Error::InvalidParameter { .. })
    ));
    // One key both liked and disliked is a contradiction, not a query.
    let both = RecommendRequest::positive(["d1".into(), "d2".into()]).negative(["d2".into()]);
    let err = index.recommend(&both).unwrap_err();
    assert!(
        matches!(&err, Error::InvalidParameter { name, reason }
            if name == "negative" && reason.contains("\"d2\" is also a positive")),
        "{err}"
    );
}

#[test]
fn mmr_diversifies() {
    let index = Index::builder().build(docs()).unwrap();
    let mut request = RecommendRequest::positive(["p1".into(), "d1".into()]).k(3);
    let plain = keys(&index.recommend(&request).unwrap().items);
    request.options.mmr = Some(0.3);
    let diverse = keys(&index.recommend(&request).unwrap().items);
    assert_eq!(diverse.len(), 3);
    let groups = |ks: &[DocKey]| {
        let mut g: Vec<String> = ks
            .iter()
            .map(|k| k.to_string().chars().nth(1).unwrap().to_string())
            .collect();
        g.sort();
        g.dedup();
        g.len()
    };
    assert!(
        groups(&diverse) >= groups(&plain),
        "{plain:?} vs {diverse:?}"
    );
    assert!(groups(&diverse) >= 2);
    request.options.mmr = Some(1.5);
    assert!(matches!(
        index.recommend(&request),
        Err(Error::InvalidParameter { .. })
    ));
}
