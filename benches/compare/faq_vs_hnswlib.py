#!/usr/bin/env python3
"""FAQ lookup latency against its reference, hnswlib, in the same time window.

Issue 6's latency target (p50 lookup <= 100 us at 18k entries with a given
query vector) cites references "measured here": hnswlib at ef=64 ~110 us per
query, exact numpy ~400 us. On the AMD VM of 2026-11 those two figures matched
batch throughput (all queries in one call, both cores: hnswlib 126-145 us and
numpy 320-340 us per query on 2026-11-26), not one call per query (hnswlib
260-290 us, numpy ~2 ms in the same minutes); on the Intel VM of 2026-12-07
one hnswlib call takes 104-119 us and the batch figures are 52-56 us (hnswlib)
and 172 us (numpy). The target itself is absolute; the ratios below put a
lookup next to the references measured in the same window. The VM is shared and its memory
system's speed moves by a factor of 2-3 between hours (other tenants), so an
absolute number measured at one hour says little about another. This script
measures the references and twofold alternately, on the same vectors, so that
each pair saw the same machine:

- hnswlib: M=16, ef_construction=200, ef=64, k=20 (the FAQ cache's default
  candidate count): one `knn_query` call per query on one thread (latency,
  like for like with a lookup; the Python call costs ~4 us of it), and the
  issue's figure, all queries in one call on all cores (time / queries);
  `--rounds` passes each;
- twofold: `cargo bench --bench faq` on the same set (whole `lookup_with` calls,
  threshold 0 so every lookup runs the guards; dense and hybrid scoring; the
  cache built once and reloaded from a snapshot in later pairs, so every pair
  searches the same graph): one call at a time (latency), and concurrent calls
  from one thread per core (wall time per lookup: the batch figure's peer);
- exact numpy (`queries @ corpus.T`, then a top-20 partition) once at the end:
  its 27 MB scans evict the others' data, so it never runs between them.

Reported per pair: p50 over all timed calls (and p50_best, the median over
queries of each query's fastest round), the all-cores time per query, and
three ratios: twofold's hybrid p50 to hnswlib's per-call p50 and twofold's
all-cores time per lookup to hnswlib's (like for like), and twofold's hybrid
p50 to hnswlib's all-cores figure (the stricter reading of the target
that the 2026-11 notes used, where hnswlib's ~110 us was its all-cores
figure: <= 100/110 = 0.91 there).

Needs `../shared/data/medquad-liveqa` (`--shared DIR` for another data root;
the FAQ bench reads the same directory through `TWOFOLD_SHARED_DATA`).

Setup:  python3 -m venv .venv && .venv/bin/pip install hnswlib numpy
Run:    .venv/bin/python benches/compare/faq_vs_hnswlib.py [--pairs 5] [--rounds 5]
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
M, EF_C, EF, K = 16, 200, 64, 20
LINE = re.compile(r"^(dense|hybrid) medquad\S*: n=\d+ p50 (\S+) .* p50_best (\S+)$")
THREADS = re.compile(r"^(dense|hybrid) medquad\S* \d+ threads: (\S+) per lookup")


def normalise(x):
    x = np.ascontiguousarray(x, dtype=np.float32)
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def micros(text):
    """A Rust `Duration` debug string ("97.3µs", "1.2ms") in microseconds."""
    value = float(re.sub(r"[^0-9.]", "", text))
    if text.endswith("ms"):
        return value * 1e3
    if text.endswith("ns"):
        return value / 1e3
    return value


def percentiles(times, n_queries):
    """p50 over all timings and the median of each query's best round."""
    best = [min(times[i::n_queries]) for i in range(n_queries)]
    return statistics.median(times), statistics.median(best)


def hnswlib_pass(index, queries, rounds):
    times = []
    for _ in range(rounds):
        for q in queries:
            q = q[None, :]
            start = time.perf_counter_ns()
            index.knn_query(q, k=K)
            times.append((time.perf_counter_ns() - start) / 1e3)
    return percentiles(times, len(queries))


def hnswlib_batch(index, queries, rounds):
    """Median over rounds of one all-queries call's time per query."""
    index.set_num_threads(os.cpu_count())
    per_query = []
    for _ in range(rounds):
        start = time.perf_counter_ns()
        index.knn_query(queries, k=K)
        per_query.append((time.perf_counter_ns() - start) / 1e3 / len(queries))
    index.set_num_threads(1)
    return statistics.median(per_query)


def numpy_batch(base, queries, rounds):
    per_query = []
    for _ in range(rounds):
        start = time.perf_counter_ns()
        scores = queries @ base.T
        np.argpartition(-scores, K, axis=1)[:, :K]
        per_query.append((time.perf_counter_ns() - start) / 1e3 / len(queries))
    return statistics.median(per_query)


def twofold_pass(env):
    out = subprocess.run(
        ["cargo", "bench", "--quiet", "--bench", "faq"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True,
    ).stdout
    found, throughput = {}, {}
    for line in out.splitlines():
        m = LINE.match(line.strip())
        if m:
            found[m.group(1)] = (micros(m.group(2)), micros(m.group(3)))
        m = THREADS.match(line.strip())
        if m:
            throughput[m.group(1)] = micros(m.group(2))
    if set(found) != {"dense", "hybrid"} or set(throughput) != {"dense", "hybrid"}:
        sys.exit(f"no medquad lines in the bench's output:\n{out}")
    return found, throughput


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", default=os.path.join(ROOT, "..", "shared", "data"))
    ap.add_argument("--pairs", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()

    import hnswlib

    data = os.path.join(args.shared, "medquad-liveqa")
    base = normalise(np.load(os.path.join(data, "corpus.emb.npy")))
    queries = normalise(np.load(os.path.join(data, "queries.emb.npy")))
    index = hnswlib.Index(space="ip", dim=base.shape[1])
    index.init_index(max_elements=len(base), M=M, ef_construction=EF_C, random_seed=100)
    index.add_items(base, num_threads=os.cpu_count())
    index.set_num_threads(1)
    index.set_ef(EF)

    snapshots = tempfile.mkdtemp(prefix="faq-vs-hnswlib-")
    env = dict(
        os.environ,
        TWOFOLD_SHARED_DATA=os.path.abspath(args.shared),
        FAQ_BENCH_SIZES="none",
        FAQ_BENCH_CRITERION="0",
        FAQ_BENCH_INSERT="0",
        FAQ_BENCH_ROUNDS=str(args.rounds),
        FAQ_BENCH_SNAPSHOTS=snapshots,
    )
    print(f"{len(base)} entries, {len(queries)} queries x {args.rounds} rounds; "
          f"hnswlib M={M} ef_construction={EF_C} ef={EF} k={K}, one thread")
    twofold_pass(env)  # builds the bench and saves the caches' snapshots
    print("| pair | hnswlib per call p50 (best) | twofold dense p50 (best) "
          "| twofold hybrid p50 (best) | hnswlib all cores, per query "
          "| twofold dense / hybrid all cores, per lookup "
          "| hybrid p50 / hnswlib p50 | hybrid / hnswlib, all cores "
          "| hybrid p50 / hnswlib all cores |")
    print("|---|---|---|---|---|---|---|---|---|")
    per_call, cores, batch = [], [], []
    for pair in range(1, args.pairs + 1):
        ref, ref_best = hnswlib_pass(index, queries, args.rounds)
        ref_batch = hnswlib_batch(index, queries, args.rounds)
        ours, throughput = twofold_pass(env)
        hybrid = ours["hybrid"][0]
        per_call.append(hybrid / ref)
        cores.append(throughput["hybrid"] / ref_batch)
        batch.append(hybrid / ref_batch)
        print(f"| {pair} | {ref:.1f} ({ref_best:.1f}) µs "
              f"| {ours['dense'][0]:.1f} ({ours['dense'][1]:.1f}) µs "
              f"| {hybrid:.1f} ({ours['hybrid'][1]:.1f}) µs | {ref_batch:.1f} µs "
              f"| {throughput['dense']:.1f} / {throughput['hybrid']:.1f} µs "
              f"| {per_call[-1]:.2f} | {cores[-1]:.2f} | {batch[-1]:.2f} |", flush=True)
    print(f"medians: hybrid p50 {statistics.median(per_call):.2f} of hnswlib's per call; "
          f"hybrid all cores {statistics.median(cores):.2f} of hnswlib's all cores; "
          f"hybrid p50 {statistics.median(batch):.2f} of hnswlib's all-cores figure "
          f"(the stricter reading: <= 0.91); "
          f"exact numpy all cores {numpy_batch(base, queries, args.rounds):.0f} µs per query")


if __name__ == "__main__":
    main()
