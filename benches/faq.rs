//! FAQ cache: lookup latency with a given query vector (dense and hybrid
//! scoring) at 1k, 10k and 100k synthetic entries and on medquad-liveqa's
//! 17.9k MiniLM vectors, plus insert throughput.
//!
//! Synthetic entries are paraphrase sets: 64 topic clusters of vectors
//! (dimension `FAQ_BENCH_DIM`, default 384) and questions drawn from a
//! 5,000-word vocabulary with topic words. Besides criterion's distribution,
//! a manual loop prints p50/p90/p99 per size. `FAQ_BENCH_SIZES=1000,10000`
//! restricts the sizes, `FAQ_BENCH_MODES=hybrid` the scoring modes,
//! `FAQ_BENCH_MEDQUAD=0` skips the real vectors, `FAQ_BENCH_INSERT=0` the insert
//! bench, `FAQ_BENCH_CRITERION=0` criterion's own timing (percentiles only);
//! `FAQ_BENCH_ROUNDS` sets the passes over the queries in the manual loop (default 3).
//! After a set's lookups, 20 one-at-a-time inserts into it are timed (a cache
//! inserts on every miss; live statistics make that cost grow with its size).
//! A second manual loop runs lookups from `FAQ_BENCH_THREADS` threads at once
//! (default: the machine's parallelism; 1 skips it) and prints the wall time
//! per lookup, the throughput figure that batch searches on all cores report.
//! `FAQ_BENCH_SNAPSHOTS=DIR` loads each cache from `DIR/<set>-<mode>.faq` when
//! that file exists and saves it there after building otherwise: two builds
//! compared on the same snapshot search the same graph (a parallel build is not
//! deterministic), so an A/B difference is the code's, not the graph's.
//! Every lookup in the manual loop is checked to return a candidate.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use twofold::faq::{FaqCache, FaqConfig, InsertOptions, LookupRequest, ScoreMode};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn unit(&mut self) -> f32 {
        (self.next() as f32 / (1u64 << 31) as f32) - 0.5
    }
}

struct Set {
    name: String,
    questions: Vec<String>,
    vectors: Vec<Vec<f32>>,
    queries: Vec<(String, Vec<f32>)>,
}

fn synthetic(n: usize, dim: usize) -> Set {
    let mut rng = Rng(n as u64 ^ 0x5eed);
    let centres: Vec<Vec<f32>> = (0..64)
        .map(|_| (0..dim).map(|_| rng.unit()).collect())
        .collect();
    let make = |i: usize, rng: &mut Rng| {
        let topic = i % 64;
        let words: Vec<String> = (0..7)
            .map(|j| {
                if j < 2 {
                    format!("topic{topic}w{j}")
                } else {
                    format!("w{}", rng.next() % 5000)
                }
            })
            .collect();
        let v: Vec<f32> = centres[topic]
            .iter()
            .map(|c| c + 0.3 * rng.unit())
            .collect();
        (words.join(" "), v)
    };
    let (questions, vectors) = (0..n).map(|i| make(i, &mut rng)).unzip();
    let queries = (0..200).map(|i| make(i * 7 + 3, &mut rng)).collect();
    Set {
        name: format!("synthetic-{n}"),
        questions,
        vectors,
        queries,
    }
}

fn read_rows(path: PathBuf) -> Option<Vec<Vec<f32>>> {
    let bytes = std::fs::read(path).ok()?;
    let npy = npyz::NpyFile::new(&bytes[..]).ok()?;
    let dim = *npy.shape().get(1)? as usize;
    let data: Vec<f32> = npy.into_vec().ok()?;
    Some(data.chunks_exact(dim).map(<[f32]>::to_vec).collect())
}

fn read_texts(path: PathBuf, field: &str) -> Option<Vec<String>> {
    let text = std::fs::read_to_string(path).ok()?;
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).ok()?;
            let title = v.get("title").and_then(|t| t.as_str()).unwrap_or("");
            let own = v.get(field).and_then(|t| t.as_str()).unwrap_or("");
            Some(if title.is_empty() {
                own.to_string()
            } else {
                title.to_string()
            })
        })
        .collect()
}

fn medquad() -> Option<Set> {
    let root = std::env::var_os("TWOFOLD_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data")));
    let dir = root.join("medquad-liveqa");
    let vectors = read_rows(dir.join("corpus.emb.npy"))?;
    let questions = read_texts(dir.join("corpus.jsonl"), "text")?;
    let qv = read_rows(dir.join("queries.emb.npy"))?;
    let qt = read_texts(dir.join("queries.jsonl"), "text")?;
    (vectors.len() == questions.len() && qv.len() == qt.len()).then(|| Set {
        name: format!("medquad-liveqa-{}", vectors.len()),
        questions,
        vectors,
        queries: qt.into_iter().zip(qv).collect(),
    })
}

fn build(set: &Set, score: ScoreMode) -> (FaqCache, Duration) {
    let config = FaqConfig {
        score,
        threshold: 0.0,
        ..FaqConfig::default()
    };
    let cache = FaqCache::builder().config(config).build().unwrap();
    let items: Vec<_> = set
        .questions
        .iter()
        .zip(&set.vectors)
        .enumerate()
        .map(|(i, (q, v))| {
            (
                q.clone(),
                format!("answer {i}"),
                InsertOptions::new().vector(v.clone()),
            )
        })
        .collect();
    let start = Instant::now();
    cache.insert_batch(items).unwrap();
    (cache, start.elapsed())
}

fn request(q: &(String, Vec<f32>)) -> LookupRequest {
    LookupRequest::new(q.0.clone()).vector(q.1.clone())
}

/// Times whole lookups (threshold 0: every lookup takes the hit path, guards
/// included, the slower one) and prints p50/p90/p99 over all timings, and
/// `p50_best`: the median over queries of each query's fastest round, which
/// other tenants of a shared machine disturb far less (on the 2-core VM the
/// plain p50 of one binary moved by ±30% between runs).
#[inline(never)]
fn percentiles(cache: &FaqCache, set: &Set, label: &str) {
    let requests: Vec<LookupRequest> = set.queries.iter().map(request).collect();
    let rounds = rounds();
    let mut times: Vec<Duration> = Vec::new();
    let mut best = vec![Duration::MAX; requests.len()];
    for _ in 0..rounds {
        for (r, best) in requests.iter().zip(&mut best) {
            let start = Instant::now();
            let found = cache.lookup_with(r).unwrap();
            let took = start.elapsed();
            times.push(took);
            *best = (*best).min(took);
            assert!(found.best().is_some(), "every lookup finds a candidate");
        }
    }
    times.sort();
    best.sort();
    let at = |p: f64| times[((times.len() as f64 - 1.0) * p) as usize];
    println!(
        "{label} {}: n={} p50 {:?} p90 {:?} p99 {:?} p50_best {:?}",
        set.name,
        times.len(),
        at(0.5),
        at(0.9),
        at(0.99),
        best[(best.len() - 1) / 2]
    );
}

/// Lookups from several threads at once on one cache (as a server answering
/// concurrent requests runs them): prints the wall time per lookup (wall time
/// / lookups, the throughput figure) and the p50 of single calls under that
/// load. Threads: `FAQ_BENCH_THREADS` (default: the machine's parallelism; 1
/// skips this), each making `FAQ_BENCH_ROUNDS` passes over the queries, each
/// from its own starting query.
fn concurrent(cache: &FaqCache, set: &Set, label: &str) {
    let threads = env_usize("FAQ_BENCH_THREADS")
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    if threads < 2 {
        return;
    }
    let requests: Vec<LookupRequest> = set.queries.iter().map(request).collect();
    let rounds = rounds();
    let start = Instant::now();
    let mut times: Vec<Duration> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                let requests = &requests;
                scope.spawn(move || {
                    let offset = t * requests.len() / threads;
                    let mut times = Vec::with_capacity(rounds * requests.len());
                    for i in 0..rounds * requests.len() {
                        let r = &requests[(offset + i) % requests.len()];
                        let start = Instant::now();
                        let found = cache.lookup_with(r).unwrap();
                        times.push(start.elapsed());
                        assert!(found.best().is_some(), "every lookup finds a candidate");
                    }
                    times
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    let wall = start.elapsed();
    times.sort();
    println!(
        "{label} {} {threads} threads: {:?} per lookup (wall / {} lookups), p50 {:?} per call",
        set.name,
        wall / times.len() as u32,
        times.len(),
        times[(times.len() - 1) / 2]
    );
}

/// Passes over the queries in the manual loops: `FAQ_BENCH_ROUNDS`, default 3,
/// at least 1 (the percentiles need a timing).
fn rounds() -> usize {
    env_usize("FAQ_BENCH_ROUNDS").unwrap_or(3).max(1)
}

/// A count from the environment, `None` when unset. A malformed value stops
/// the bench, naming the variable, instead of silently measuring the default.
fn env_usize(name: &str) -> Option<usize> {
    let value = std::env::var(name).ok()?;
    let parsed = value.trim().parse();
    Some(parsed.unwrap_or_else(|_| panic!("{name}={value:?}: expected a non-negative integer")))
}

fn sizes() -> Vec<usize> {
    std::env::var("FAQ_BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![1_000, 10_000, 100_000])
}

/// `FAQ_BENCH_CRITERION=0` prints only the percentiles (e.g. under callgrind).
fn criterion_runs() -> bool {
    std::env::var("FAQ_BENCH_CRITERION").map_or(true, |v| v != "0")
}

/// The cache of `set` under `score`: built, or loaded from / saved to
/// `FAQ_BENCH_SNAPSHOTS` when that is set.
fn cache_for(set: &Set, score: ScoreMode, label: &str) -> FaqCache {
    let snapshot = std::env::var_os("FAQ_BENCH_SNAPSHOTS")
        .map(|dir| PathBuf::from(dir).join(format!("{}-{label}.faq", set.name)));
    if let Some(path) = snapshot.as_ref().filter(|p| p.exists()) {
        println!("loaded {} ({label}) from {}", set.name, path.display());
        return FaqCache::load(path).unwrap();
    }
    let (cache, built) = build(set, score);
    println!(
        "built {} ({label}) in {built:?}: {:.0} entries/s (insert_batch)",
        set.name,
        set.questions.len() as f64 / built.as_secs_f64()
    );
    if let Some(path) = snapshot {
        cache.save(&path).unwrap();
    }
    cache
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .trim()
        .to_string()
}

fn lookups(c: &mut Criterion) {
    let dim = env_usize("FAQ_BENCH_DIM").unwrap_or(384);
    println!("load average: {}", load_average());
    let mut sets: Vec<Set> = sizes().into_iter().map(|n| synthetic(n, dim)).collect();
    if std::env::var("FAQ_BENCH_MEDQUAD").map_or(true, |v| v != "0") {
        sets.extend(medquad());
    }
    let modes: Vec<(ScoreMode, &str)> =
        [(ScoreMode::Dense, "dense"), (ScoreMode::Hybrid, "hybrid")]
            .into_iter()
            .filter(|(_, name)| {
                std::env::var("FAQ_BENCH_MODES").map_or(true, |m| m.split(',').any(|x| x == *name))
            })
            .collect();
    let mut group = c.benchmark_group("faq_lookup");
    group
        .sample_size(30)
        .measurement_time(Duration::from_secs(4))
        .warm_up_time(Duration::from_secs(1));
    for set in &sets {
        let mut last = None;
        for &(score, label) in &modes {
            let cache = cache_for(set, score, label);
            percentiles(&cache, set, label);
            concurrent(&cache, set, label);
            if criterion_runs() {
                let mut i = 0;
                group.bench_function(BenchmarkId::new(label, &set.name), |b| {
                    b.iter(|| {
                        i = (i + 1) % set.queries.len();
                        black_box(cache.lookup_with(&request(&set.queries[i])).unwrap())
                    })
                });
            }
            last = Some((cache, label));
        }
        // After the lookups: these change the cache.
        if let (Some((cache, label)), true) = (last, inserts_enabled()) {
            single_inserts(&cache, set, label);
        }
    }
    group.finish();
    println!("load average: {}", load_average());
}

fn inserts_enabled() -> bool {
    std::env::var("FAQ_BENCH_INSERT").map_or(true, |v| v != "0")
}

/// Times one-at-a-time inserts into a cache of the set's size (what a cache
/// does on every miss): with the default live statistics each re-weighs every
/// stored row, so the cost grows with the cache. Prints p50 and the slowest.
fn single_inserts(cache: &FaqCache, set: &Set, label: &str) {
    let mut times: Vec<Duration> = set
        .queries
        .iter()
        .take(20)
        .enumerate()
        .map(|(i, (q, v))| {
            let options = InsertOptions::new().vector(v.clone());
            let start = Instant::now();
            black_box(cache.insert(&format!("{q} new{i}"), "x", options).unwrap());
            start.elapsed()
        })
        .collect();
    times.sort_unstable();
    println!(
        "single insert {label} {} (+{} entries): p50 {:?} max {:?}",
        set.name,
        times.len(),
        times[times.len() / 2],
        times[times.len() - 1]
    );
}

fn inserts(c: &mut Criterion) {
    if !inserts_enabled() {
        return;
    }
    let set = synthetic(2_000, 384);
    let start = Instant::now();
    let cache = FaqCache::builder()
        .config(FaqConfig {
            score: ScoreMode::Hybrid,
            ..FaqConfig::default()
        })
        .build()
        .unwrap();
    for (i, (q, v)) in set.questions.iter().zip(&set.vectors).enumerate() {
        cache
            .insert(q, &format!("a{i}"), InsertOptions::new().vector(v.clone()))
            .unwrap();
    }
    let took = start.elapsed();
    println!(
        "one-at-a-time insert of {} entries (384-d): {took:?}, {:.0} entries/s",
        set.questions.len(),
        set.questions.len() as f64 / took.as_secs_f64()
    );
    let mut group = c.benchmark_group("faq_insert");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(5));
    let mut n = 0usize;
    group.bench_function("insert_one_into_2k", |b| {
        b.iter(|| {
            n += 1;
            let q = &set.queries[n % set.queries.len()];
            let id = cache
                .insert(
                    &format!("{} extra{n}", q.0),
                    "x",
                    InsertOptions::new().vector(q.1.clone()),
                )
                .unwrap();
            black_box(id)
        })
    });
    group.finish();
}

criterion_group!(benches, lookups, inserts);
criterion_main!(benches);
