//! Snapshot save and load against building, on SciFact (5,183 documents,
//! 384-d MiniLM vectors from `../shared/data/scifact` or
//! `$TWOFOLD_SHARED_DATA/scifact`; skipped when absent).
//!
//! The payload is the stand-in of `tests/snapshot_common` (fitted TF-IDF,
//! HNSW dense index, keys) until `Index` exists. "build" is TF-IDF fit plus
//! the dense HNSW build with default parameters; "load" is `snapshot::read`
//! (checks, decode, validation) plus the `DenseIndex` a caller would use.
//! The build time, the file size and the load speed-up are printed.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use twofold::dense::{DenseConfig, DenseIndex};
use twofold::snapshot;

#[path = "../tests/snapshot_common/mod.rs"]
mod snapshot_common;

use snapshot_common::StandIn;

struct Corpus {
    docs: Vec<(String, String)>,
    vectors: Vec<Vec<f32>>,
}

fn scifact() -> Option<Corpus> {
    let root = std::env::var_os("TWOFOLD_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data")));
    let dir = root.join("scifact");
    let text = std::fs::read_to_string(dir.join("corpus.jsonl")).ok()?;
    let docs: Vec<(String, String)> = text
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .map(|v| {
            let f = |k: &str| v[k].as_str().unwrap_or_default().to_string();
            (f("id"), format!("{} {}", f("title"), f("text")))
        })
        .collect();
    let bytes = std::fs::read(dir.join("corpus.emb.npy")).ok()?;
    let npy = npyz::NpyFile::new(&bytes[..]).ok()?;
    let dim = *npy.shape().get(1)? as usize;
    let data: Vec<f32> = npy.into_vec().ok()?;
    let vectors: Vec<Vec<f32>> = data.chunks_exact(dim).map(<[f32]>::to_vec).collect();
    (vectors.len() == docs.len()).then_some(Corpus { docs, vectors })
}

fn build(c: &Corpus) -> StandIn {
    snapshot_common::build("scifact", &c.docs, &c.vectors, DenseConfig::default())
        .expect("scifact builds")
}

fn load(path: &std::path::Path) -> (StandIn, DenseIndex) {
    let s: StandIn = snapshot::read(path).expect("snapshot loads");
    let dense = DenseIndex::from_persisted(s.dense.clone()).expect("dense loads");
    (s, dense)
}

fn median_secs(runs: usize, mut f: impl FnMut()) -> f64 {
    let mut times: Vec<f64> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64()
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[runs / 2]
}

fn bench(c: &mut Criterion) {
    let Some(corpus) = scifact() else {
        eprintln!("scifact not found under ../shared/data: skipping the snapshot bench");
        return;
    };
    let n = corpus.docs.len();
    let payload = build(&corpus);
    assert!(payload.dense.graph.is_some(), "the dense index has a graph");
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("scifact.twofold");
    let info = snapshot::write_atomic(&path, &payload).expect("save");

    let build_s = median_secs(3, || drop(black_box(build(&corpus))));
    let save_s = median_secs(5, || {
        snapshot::write_atomic(&path, &payload).expect("save");
    });
    let load_s = median_secs(5, || {
        let (s, dense) = load(&path);
        assert_eq!(s.keys.len(), n);
        assert_eq!(dense.len(), n);
    });
    eprintln!(
        "snapshot/scifact: {n} docs, file {:.1} MiB; build {:.2} s, save {:.3} s, load {:.3} s; \
         load is {:.0}x faster than build",
        info.file_len() as f64 / (1 << 20) as f64,
        build_s,
        save_s,
        load_s,
        build_s / load_s
    );

    let mut group = c.benchmark_group("snapshot/scifact");
    group.bench_function("save", |b| {
        b.iter(|| snapshot::write_atomic(&path, black_box(&payload)).expect("save"))
    });
    group.bench_function("load", |b| {
        b.iter(|| {
            let (s, dense) = load(&path);
            assert_eq!(s.keys.len(), n);
            black_box(dense)
        })
    });
    group.bench_function("encode_to_memory", |b| {
        b.iter(|| snapshot::to_bytes(black_box(&payload)).expect("encode"))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10).measurement_time(Duration::from_secs(5));
    targets = bench
}
criterion_main!(benches);
