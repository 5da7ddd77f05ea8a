//! Build an HNSW index over a `.npy` matrix, query it, report speed and recall.
//!
//! ```text
//! cargo run --release --example ann -- --base BASE.npy --queries QUERIES.npy \
//!     [--k 10] [--metric cosine|dot|l2] [--m 16] [--ef-construction 200] [--ef 64] \
//!     [--ef-list 16,32,64] [--threads 1] [--repeat 1] [--json] \
//!     [--save-index FILE | --load-index FILE]
//! ```
//!
//! Both files hold float32 (or float64, read as float32) arrays of shape
//! `[n, d]`, in C or Fortran order. Recall@k is measured
//! against the exact scan of the same index. `--threads N` sizes the rayon
//! pool for the build and the query batch (1 = a plain single-threaded loop).
//! `--ef-list` runs the queries once per listed `ef` (one report each) over a
//! single build. With `--json` each report is one JSON line
//! `{"build_s":..,"qps":..,"recall@k":..,"k":..,"ef":..}`, the last line for
//! the last `ef`. `"ef"` is the value asked for; an `ef` below `k` searches
//! with `k` candidates (as hnswlib does), so its figures equal `ef = k`'s.
//!
//! `--repeat N` (N > 1) adds one untimed warm-up pass and reports the best
//! of `N` timed passes (steadier on a loaded machine); single-threaded, it
//! also reports `qps_block_min`, from the fastest of `N` timings of each block
//! of 10 queries (steadier still). `--save-index` writes the
//! built index (bincode of `PersistedDense`) and `--load-index` searches such
//! a file instead of building, which keeps profiler runs (callgrind) short.

use std::collections::HashSet;
use std::fs::File;
use std::io::BufReader;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, ValueEnum};
use rayon::prelude::*;
use twofold::dense::{
    Backend, DenseConfig, DenseIndex, Hit, Metric, SearchParams, VectorCollection,
};
use twofold::{Error, Result};

#[path = "support/cli.rs"]
mod cli;
#[path = "support/npy.rs"]
mod npy;
use npy::{read_matrix, Matrix};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum MetricArg {
    Cosine,
    Dot,
    L2,
}

#[derive(Parser, Debug)]
// Values such as `--threshold -0.5` are values, not unknown flags.
#[command(allow_negative_numbers = true)]
#[command(about = "HNSW build/query speed and recall@k on .npy vectors")]
struct Args {
    /// Base vectors, float32 (or float64) .npy of shape [n, d].
    #[arg(long)]
    base: PathBuf,
    /// Query vectors, float32 (or float64) .npy of shape [m, d].
    #[arg(long)]
    queries: PathBuf,
    /// Neighbours per query.
    #[arg(long, default_value_t = 10)]
    k: usize,
    /// Similarity metric.
    #[arg(long, value_enum, default_value_t = MetricArg::Cosine)]
    metric: MetricArg,
    /// HNSW M (max connections).
    #[arg(long, default_value_t = 16)]
    m: usize,
    /// HNSW ef_construction.
    #[arg(long, default_value_t = 200)]
    ef_construction: usize,
    /// Search ef.
    #[arg(long, default_value_t = 64)]
    ef: usize,
    /// Comma-separated ef values to sweep over one build (overrides --ef).
    #[arg(long, value_delimiter = ',')]
    ef_list: Vec<usize>,
    /// Rayon threads for build and queries.
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// Print a JSON line per report.
    #[arg(long)]
    json: bool,
    /// Timed passes per `ef` after one warm-up; the best is reported.
    #[arg(long, default_value_t = 1)]
    repeat: usize,
    /// Write the built index to this file (twofold engine).
    #[arg(long, conflicts_with = "load_index")]
    save_index: Option<PathBuf>,
    /// Search an index saved by `--save-index` instead of building one.
    #[arg(long)]
    load_index: Option<PathBuf>,
    /// Search engine: twofold's compact graph, or hnsw_rs's own search
    /// (a baseline for the design; cosine only).
    #[arg(long, value_enum, default_value_t = Engine::Twofold)]
    engine: Engine,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Engine {
    Twofold,
    HnswRs,
}

fn pool(threads: usize) -> Result<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads.max(1))
        .build()
        .map_err(|e| Error::InvalidInput(format!("thread pool: {e}")))
}

fn build(args: &Args, base: &Matrix) -> Result<DenseIndex> {
    if let Some(path) = &args.load_index {
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        let persisted =
            bincode::serde::decode_from_std_read(&mut BufReader::new(file), bincode_config())
                .map_err(|e| {
                    Error::InvalidInput(format!(
                        "{}: not an index written by --save-index ({e})",
                        path.display()
                    ))
                })?;
        return DenseIndex::from_persisted(persisted);
    }
    let index = build_collection(args, base)?.index().to_persisted();
    if let Some(path) = &args.save_index {
        let mut file = std::io::BufWriter::new(File::create(path).map_err(|e| Error::io(path, e))?);
        bincode::serde::encode_into_std_write(&index, &mut file, bincode_config())
            .map_err(|e| Error::InvalidInput(format!("{}: {e}", path.display())))?;
    }
    DenseIndex::from_persisted(index)
}

fn bincode_config() -> bincode::config::Configuration {
    bincode::config::standard()
}

fn build_collection(args: &Args, base: &Matrix) -> Result<VectorCollection> {
    let config = DenseConfig {
        metric: match args.metric {
            MetricArg::Cosine => Metric::Cosine,
            MetricArg::Dot => Metric::Dot,
            MetricArg::L2 => Metric::L2,
        },
        backend: if args.engine == Engine::Twofold {
            Backend::Hnsw
        } else {
            Backend::Exact
        },
        max_connections: args.m,
        ef_construction: args.ef_construction,
        parallel_build: args.threads > 1,
        ..DenseConfig::default()
    };
    // The library names its fields; say which flag set them.
    let mut collection = VectorCollection::new(base.dim, config).map_err(|e| match e {
        Error::InvalidParameter { name, reason } => {
            let flag = match name.as_str() {
                "max_connections" => "--m",
                "ef_construction" => "--ef-construction",
                _ => name.as_str(),
            };
            Error::invalid_parameter(flag, reason)
        }
        other => other,
    })?;
    let items: Vec<(u64, &[f32])> = (0..base.rows).map(|i| (i as u64, base.row(i))).collect();
    collection.add_batch(&items)?;
    Ok(collection)
}

fn run_queries(
    index: &DenseIndex,
    queries: &[&[f32]],
    params: &SearchParams<'_>,
    threads: usize,
) -> Result<Vec<Vec<Hit>>> {
    if threads <= 1 {
        queries.iter().map(|q| index.search(q, params)).collect()
    } else {
        index.search_batch(queries, params)
    }
}

/// Queries timed in one block by [`block_min_qps`].
const BLOCK: usize = 10;

/// Single-threaded QPS from the fastest of `repeat` timings of each block of
/// [`BLOCK`] queries. The blocks are visited in order on every round, so the
/// caches see a normal pass, but a block preempted by another process on a
/// loaded machine is timed again in the next round.
fn block_min_qps(
    index: &DenseIndex,
    queries: &[&[f32]],
    params: &SearchParams<'_>,
    repeat: usize,
) -> Result<f64> {
    let blocks: Vec<&[&[f32]]> = queries.chunks(BLOCK).collect();
    let mut best = vec![f64::INFINITY; blocks.len()];
    for _ in 0..repeat {
        for (block, best) in blocks.iter().zip(&mut best) {
            let start = Instant::now();
            for q in *block {
                index.search(q, params)?;
            }
            *best = best.min(start.elapsed().as_secs_f64());
        }
    }
    Ok(queries.len() as f64 / best.iter().sum::<f64>())
}

/// hnsw_rs's own index and search, for comparison (cosine on unit vectors).
mod native {
    use hnsw_rs::prelude::{Distance, Hnsw};

    #[derive(Clone, Copy, Default)]
    pub struct DotClamped;
    impl Distance<f32> for DotClamped {
        fn eval(&self, a: &[f32], b: &[f32]) -> f32 {
            let mut acc = [0f32; 8];
            for (x, y) in a.chunks_exact(8).zip(b.chunks_exact(8)) {
                for i in 0..8 {
                    acc[i] += x[i] * y[i];
                }
            }
            let tail: f32 = a
                .chunks_exact(8)
                .remainder()
                .iter()
                .zip(b.chunks_exact(8).remainder())
                .map(|(x, y)| x * y)
                .sum();
            (1.0 - (acc.iter().sum::<f32>() + tail)).max(0.0)
        }
    }

    pub fn build(
        rows: &[Vec<f32>],
        m: usize,
        ef_c: usize,
        parallel: bool,
    ) -> Hnsw<'static, f32, DotClamped> {
        let h = Hnsw::new(m, rows.len(), 16, ef_c, DotClamped);
        let refs: Vec<(&[f32], usize)> =
            rows.iter().enumerate().map(|(i, v)| (&v[..], i)).collect();
        if parallel {
            h.parallel_insert_slice(&refs);
        } else {
            refs.iter().for_each(|r| h.insert_slice(*r));
        }
        h
    }
}

fn unit_rows(m: &Matrix) -> Vec<Vec<f32>> {
    (0..m.rows)
        .map(|i| {
            let r = m.row(i);
            let n = r
                .iter()
                .map(|x| x * x)
                .sum::<f32>()
                .sqrt()
                .max(f32::MIN_POSITIVE);
            r.iter().map(|x| x / n).collect()
        })
        .collect()
}

/// The share of the exact neighbours that the search found. The exact scan
/// returns `min(k, n)` per query, so a `k` above the number of vectors does
/// not cap recall below 1 (dividing by `k` did: 0.5 for k = 1000 over 500).
fn recall(found: &[Vec<usize>], truth: &[Vec<Hit>]) -> f64 {
    let (mut hit, mut total) = (0usize, 0usize);
    for (f, t) in found.iter().zip(truth) {
        let t: HashSet<usize> = t.iter().map(|h| h.id.index()).collect();
        hit += f.iter().filter(|id| t.contains(id)).count();
        total += t.len();
    }
    if total == 0 {
        return 1.0;
    }
    hit as f64 / total as f64
}

fn run(args: &Args) -> Result<()> {
    if args.engine == Engine::HnswRs && args.metric != MetricArg::Cosine {
        // Its graph is built and searched on unit rows: recall against the
        // dot or L2 ground truth would measure the mismatch, not the engine.
        return Err(Error::invalid_parameter(
            "--metric",
            "--engine hnsw-rs measures cosine only",
        ));
    }
    let base = read_matrix(&args.base)?;
    let queries = read_matrix(&args.queries)?;
    if base.dim != queries.dim {
        return Err(Error::DimensionMismatch {
            expected: base.dim,
            found: queries.dim,
        });
    }
    let pool = pool(args.threads)?;
    let start = Instant::now();
    let collection = pool.install(|| build(args, &base))?;
    let build_s = start.elapsed().as_secs_f64();
    let qs: Vec<&[f32]> = (0..queries.rows).map(|i| queries.row(i)).collect();
    let exact = SearchParams::k(args.k);
    let truth = qs
        .par_iter()
        .map(|q| collection.search_exact(q, &exact))
        .collect::<Result<Vec<_>>>()?;
    let efs = if args.ef_list.is_empty() {
        vec![args.ef]
    } else {
        args.ef_list.clone()
    };
    let (native, build_s) = if args.engine == Engine::HnswRs {
        let (b, q) = (unit_rows(&base), unit_rows(&queries));
        let start = Instant::now();
        let h = pool.install(|| native::build(&b, args.m, args.ef_construction, args.threads > 1));
        (Some((h, q)), start.elapsed().as_secs_f64())
    } else {
        (None, build_s)
    };
    // hnsw_rs reserves room for `ef` (and `k`) results per search: capped at
    // the number of rows, which returns the same hits (2^40 aborted).
    let native_k = args.k.min(base.rows);
    for ef in efs {
        let params = SearchParams::k(args.k).ef(ef);
        let native_ef = ef.max(native_k).min(base.rows);
        let pass = || -> Result<Vec<Vec<usize>>> {
            Ok(match &native {
                Some((h, q)) if args.threads > 1 => pool
                    .install(|| h.parallel_search(q, native_k, native_ef))
                    .into_iter()
                    .map(|r| r.iter().map(|n| n.d_id).collect())
                    .collect(),
                Some((h, q)) => q
                    .iter()
                    .map(|q| {
                        h.search(q, native_k, native_ef)
                            .iter()
                            .map(|n| n.d_id)
                            .collect()
                    })
                    .collect(),
                None => pool
                    .install(|| run_queries(&collection, &qs, &params, args.threads))?
                    .into_iter()
                    .map(|r| r.iter().map(|h| h.id.index()).collect())
                    .collect(),
            })
        };
        if args.repeat > 1 {
            pass()?;
        }
        let mut best = f64::INFINITY;
        let mut found = Vec::new();
        for _ in 0..args.repeat.max(1) {
            let start = Instant::now();
            found = pass()?;
            best = best.min(start.elapsed().as_secs_f64());
        }
        let qps = qs.len() as f64 / best;
        let r = recall(&found, &truth);
        let block_min = match (&native, args.threads, args.repeat) {
            (None, 0 | 1, 2..) => Some(block_min_qps(&collection, &qs, &params, args.repeat)?),
            _ => None,
        };
        if args.json {
            let block_min =
                block_min.map_or(String::new(), |q| format!(",\"qps_block_min\":{q:.1}"));
            println!(
                "{{\"build_s\":{build_s:.4},\"qps\":{qps:.1}{block_min},\"recall@k\":{r:.5},\"k\":{},\"ef\":{ef}}}",
                args.k
            );
        } else {
            println!(
                "n={} d={} build {build_s:.2}s | ef={ef} k={} recall@k {r:.4} | {qps:.0} queries/s ({:.1} µs/query)",
                base.rows,
                base.dim,
                args.k,
                1e6 / qps
            );
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    let args = cli::parse_args::<Args>();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
