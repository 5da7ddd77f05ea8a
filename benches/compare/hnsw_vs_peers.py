#!/usr/bin/env python3
"""twofold's HNSW against hnswlib and faiss (IndexHNSWFlat) on the same vectors.

For each data set (SciFact MiniLM corpus/queries, and synthetic clustered
384-d vectors) and each thread count (1 and 2) this measures build time and
QPS at recall@10 = 0.90 / 0.95 / 0.99, sweeping ef and taking the smallest ef
that reaches each recall. Ground truth is exact inner product on normalised
vectors. All engines use M=16, ef_construction=200.

twofold runs through `cargo run --release --example ann -- ... --json
--ef-list ...` (one build, one JSON line per ef).

Setup:  python3 -m venv .venv && .venv/bin/pip install hnswlib faiss-cpu numpy
Run:    .venv/bin/python benches/compare/hnsw_vs_peers.py [--synthetic-n 100000] [--skip-scifact]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EFS = [10, 12, 16, 20, 24, 32, 40, 48, 64, 80, 96, 128, 160, 192, 256, 384, 512]
TARGETS = [0.90, 0.95, 0.99]
M, EF_C, K = 16, 200, 10


def normalise(x):
    x = np.ascontiguousarray(x, dtype=np.float32)
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def clustered(n, dim, clusters, spread, seed):
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((clusters, dim)).astype(np.float32)
    labels = rng.integers(0, clusters, n)
    return normalise(centres[labels] + spread * rng.standard_normal((n, dim)).astype(np.float32))


def ground_truth(base, queries):
    out = np.empty((len(queries), K), dtype=np.int64)
    for s in range(0, len(queries), 256):
        sims = queries[s:s + 256] @ base.T
        top = np.argpartition(-sims, K, axis=1)[:, :K]
        out[s:s + 256] = top
    return out


def recall(found, truth):
    hit = sum(len(set(f[:K]) & set(t)) for f, t in zip(found, truth))
    return hit / (len(truth) * K)


def time_queries(search_all, n_queries):
    search_all()  # warm-up
    start = time.perf_counter()
    found = search_all()
    return found, n_queries / (time.perf_counter() - start)


def run_hnswlib(base, queries, truth, threads):
    import hnswlib
    idx = hnswlib.Index(space="ip", dim=base.shape[1])
    start = time.perf_counter()
    idx.init_index(max_elements=len(base), M=M, ef_construction=EF_C, random_seed=100)
    idx.add_items(base, np.arange(len(base)), num_threads=threads)
    build_s = time.perf_counter() - start
    idx.set_num_threads(threads)
    sweep = []
    for ef in EFS:
        idx.set_ef(max(ef, K))
        found, qps = time_queries(lambda: idx.knn_query(queries, k=K, num_threads=threads)[0], len(queries))
        sweep.append((ef, recall(found, truth), qps))
        if sweep[-1][1] >= 0.995:
            break
    return build_s, sweep


def run_faiss(base, queries, truth, threads):
    import faiss
    faiss.omp_set_num_threads(threads)
    idx = faiss.IndexHNSWFlat(base.shape[1], M, faiss.METRIC_INNER_PRODUCT)
    idx.hnsw.efConstruction = EF_C
    start = time.perf_counter()
    idx.add(base)
    build_s = time.perf_counter() - start
    sweep = []
    for ef in EFS:
        idx.hnsw.efSearch = max(ef, K)
        found, qps = time_queries(lambda: idx.search(queries, K)[1], len(queries))
        sweep.append((ef, recall(found, truth), qps))
        if sweep[-1][1] >= 0.995:
            break
    return build_s, sweep


def run_twofold(base_path, queries_path, threads, index_path, build_s_cache):
    """Builds (and saves) the index on the first call, loads it on later ones.

    hnsw_rs builds are slow, so the index built with the first thread count is
    saved and searched again with the other; the build time reported for a
    loaded index is the one measured when it was built.
    """
    cmd = ["cargo", "run", "--quiet", "--release", "--example", "ann", "--",
           "--base", base_path, "--queries", queries_path, "--k", str(K), "--metric", "cosine",
           "--m", str(M), "--ef-construction", str(EF_C), "--threads", str(threads),
           "--ef-list", ",".join(map(str, EFS)), "--json"]
    cmd += ["--load-index", index_path] if os.path.exists(index_path) else ["--save-index", index_path]
    out = subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, text=True).stdout
    rows = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    build_s_cache.setdefault("build_s", rows[0].get("build_s", float("nan")))
    return build_s_cache["build_s"], [(r["ef"], r["recall@k"], r["qps"]) for r in rows]


def qps_at(sweep, target):
    """QPS of the smallest ef whose recall reaches the target (None if none does)."""
    for ef, r, qps in sweep:
        if r >= target:
            return qps, ef
    return None, None


def fmt(x):
    return "-" if x is None else f"{x:,.0f}"


def compare(name, base, queries, tmp):
    base_path = os.path.join(tmp, f"{name}_base.npy")
    queries_path = os.path.join(tmp, f"{name}_queries.npy")
    np.save(base_path, base)
    np.save(queries_path, queries)
    truth = ground_truth(base, queries)
    print(f"\n## {name}: {len(base)} x {base.shape[1]} base, {len(queries)} queries, k={K}, M={M}, ef_c={EF_C}")
    index_path = os.path.join(tmp, f"{name}.twofold-ann")
    built = {}
    for threads in (2, 1):
        results = {
            "twofold": run_twofold(base_path, queries_path, threads, index_path, built),
            "hnswlib": run_hnswlib(base, queries, truth, threads),
            "faiss": run_faiss(base, queries, truth, threads),
        }
        print(f"\n### threads={threads}")
        header = "| engine | build s |" + "".join(f" QPS@{t:.2f} (ef) |" for t in TARGETS) + " twofold/engine QPS @0.95 |"
        print(header)
        print("|" + "---|" * (header.count("|") - 1))
        tf_qps, _ = qps_at(results["twofold"][1], 0.95)
        for engine, (build_s, sweep) in results.items():
            cells = ""
            for t in TARGETS:
                q, ef = qps_at(sweep, t)
                cells += f" {fmt(q)} ({ef if ef else '-'}) |"
            q95, _ = qps_at(sweep, 0.95)
            ratio = f"{tf_qps / q95:.2f}" if tf_qps and q95 else "-"
            print(f"| {engine} | {build_s:.2f} |{cells} {ratio} |")
        sys.stdout.flush()
        for engine, (_, sweep) in results.items():
            print(f"<!-- {engine} sweep (ef, recall, qps): "
                  + ", ".join(f"({e}, {r:.3f}, {q:.0f})" for e, r, q in sweep) + " -->")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--synthetic-n", type=int, default=100_000)
    ap.add_argument("--synthetic-queries", type=int, default=1000)
    ap.add_argument("--synthetic-spread", type=float, default=1.5,
                    help="noise scale around the 1000 cluster centres; 1.5 makes the set about as "
                         "hard as SciFact (hnswlib reaches recall 0.95 near ef=20)")
    ap.add_argument("--skip-scifact", action="store_true")
    args = ap.parse_args()
    subprocess.run(["cargo", "build", "--quiet", "--release", "--example", "ann"], cwd=ROOT, check=True)
    data = os.environ.get("TWOFOLD_SHARED_DATA", os.path.join(ROOT, "..", "shared", "data"))
    with tempfile.TemporaryDirectory() as tmp:
        scifact = os.path.join(data, "scifact")
        if not args.skip_scifact and os.path.exists(os.path.join(scifact, "corpus.emb.npy")):
            compare("scifact", normalise(np.load(os.path.join(scifact, "corpus.emb.npy"))),
                    normalise(np.load(os.path.join(scifact, "queries.emb.npy"))), tmp)
        elif not args.skip_scifact:
            print(f"scifact vectors not found under {data}; skipping")
        if args.synthetic_n > 0:
            n, m = args.synthetic_n, args.synthetic_queries
            allv = clustered(n + m, 384, 1000, args.synthetic_spread, 42)
            compare(f"synthetic-{n // 1000}k", allv[:n], allv[n:], tmp)


if __name__ == "__main__":
    main()
