//! Corrupt persisted forms give typed errors, never panics.

use crate::dense_common;

use std::sync::OnceLock;

use dense_common::clustered;
use proptest::prelude::*;
use twofold::dense::{Backend, DenseConfig, DenseIndex, PersistedDense, SearchParams};
use twofold::ids::{DocId, IdMap};
use twofold::Error;

fn sample() -> &'static PersistedDense {
    static SAMPLE: OnceLock<PersistedDense> = OnceLock::new();
    SAMPLE.get_or_init(|| {
        let config = DenseConfig {
            backend: Backend::Hnsw,
            max_connections: 4,
            ef_construction: 16,
            fresh_capacity: 8,
            parallel_build: false,
            ..DenseConfig::default()
        };
        let mut idx = DenseIndex::new(4, config).unwrap();
        let mut map = IdMap::new();
        for v in clustered(120, 4, 3, 0.3, 1) {
            let id: DocId = map.insert((map.id_bound() as u64).into()).unwrap();
            idx.add(id, &v).unwrap();
        }
        for i in (0..120).step_by(9) {
            idx.remove(map.get(&(i as u64).into()).unwrap()).unwrap();
        }
        idx.to_persisted()
    })
}

fn cfg() -> impl bincode::config::Config {
    bincode::config::standard().with_limit::<{ 1 << 24 }>()
}

/// Loads and, if that succeeds, queries: neither may panic.
fn load_and_query(p: PersistedDense) -> Result<(), Error> {
    let idx = DenseIndex::from_persisted(p)?;
    let hits = idx.search(&[0.5, -0.1, 0.3, 0.2], &SearchParams::k(5))?;
    assert!(hits.len() <= 5);
    Ok(())
}

fn assert_corrupt(p: PersistedDense, what: &str) {
    match DenseIndex::from_persisted(p) {
        Err(Error::CorruptPersisted { what: w, .. }) => assert_eq!(w, what),
        other => panic!("expected CorruptPersisted({what}), got {other:?}"),
    }
}

#[test]
fn sample_has_a_graph_and_loads() {
    let p = sample().clone();
    assert!(p
        .graph
        .as_ref()
        .is_some_and(|g| g.len > 100 && !g.upper.is_empty()));
    load_and_query(p).unwrap();
}

#[test]
fn each_kind_of_corruption_is_named() {
    let base = sample();
    let mut p = base.clone();
    p.vectors.pop();
    assert_corrupt(p, "vectors");
    let mut p = base.clone();
    p.vectors[5] = f32::NAN;
    assert_corrupt(p, "vectors");
    let mut p = base.clone();
    p.vectors[0] *= 3.0;
    assert_corrupt(p, "vectors");
    let mut p = base.clone();
    p.dim = 0;
    assert_corrupt(p, "dim");
    let mut p = base.clone();
    p.deleted_slots.reverse();
    assert_corrupt(p, "deleted_slots");
    let mut p = base.clone();
    p.deleted_slots.push(10_000);
    assert_corrupt(p, "deleted_slots");
    let mut p = base.clone();
    p.slot_docs[2] = p.slot_docs[1];
    assert_corrupt(p, "slot_docs");
    let mut p = base.clone();
    p.config.max_connections = 1000;
    assert_corrupt(p, "config");
    let g = |f: &dyn Fn(&mut twofold::dense::PersistedGraph), what: &str| {
        let mut p = base.clone();
        f(p.graph.as_mut().unwrap());
        assert_corrupt(p, what);
    };
    g(&|g| g.len += 1_000, "graph.len");
    g(&|g| g.stride += 1, "graph.layer0");
    g(&|g| g.layer0[1] = 99_999, "graph.layer0");
    g(&|g| g.layer0[0] = 99, "graph.layer0");
    g(&|g| g.entry = 99_999, "graph.entry");
    g(&|g| g.upper[0].neighbours.push(1), "graph.upper");
    g(&|g| g.upper[0].members.reverse(), "graph.upper");
    g(&|g| g.upper.resize(40, g.upper[0].clone()), "graph.upper");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn mutated_bytes_never_panic(edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8), cut in any::<prop::sample::Index>(), truncate in any::<bool>()) {
        let mut bytes = bincode::serde::encode_to_vec(sample(), cfg()).unwrap();
        for (at, value) in edits {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        if truncate {
            bytes.truncate(cut.index(bytes.len()));
        }
        if let Ok((p, _)) = bincode::serde::decode_from_slice::<PersistedDense, _>(&bytes, cfg()) {
            let _ = load_and_query(p);
        }
    }

    #[test]
    fn mutated_fields_never_panic(word in any::<prop::sample::Index>(), value in any::<u32>(), field in 0usize..8) {
        let mut p = sample().clone();
        let g = p.graph.as_mut().unwrap();
        match field {
            0 => { let i = word.index(g.layer0.len()); g.layer0[i] = value; }
            1 => g.entry = value,
            2 => g.len = value,
            3 => g.stride = value,
            4 => { let l = &mut g.upper[0]; let i = word.index(l.offsets.len()); l.offsets[i] = value; }
            5 => { let i = word.index(p.slot_docs.len()); p.slot_docs[i] = value; }
            6 => p.dim = value,
            _ => { let i = word.index(p.vectors.len()); p.vectors[i] = f32::from_bits(value); }
        }
        let _ = load_and_query(p);
    }
}
