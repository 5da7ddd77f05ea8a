#!/usr/bin/env python3
"""Sparse top-10 query throughput: twofold vs the bm25s and tantivy Python packages.

Same corpus (title + " " + text) and the same queries for all three; every
engine answers one query at a time on one thread. twofold's latency comes from
the `evaluate` example (`--json`, mode `sparse`), whose sparse runs ask for the
top 100 (needed for Recall@100): that is more work than a top 10, so the twofold
figure is conservative. QPS = 1e6 / mean per-query microseconds.

Setup (once):  python3 -m venv .venv && .venv/bin/pip install bm25s tantivy
Run:           .venv/bin/python benches/compare/sparse_vs_bm25s_tantivy.py [--data ../shared/data/scifact]

The engines score differently (BM25 vs TF-IDF cosine), so this compares speed, not
quality; the evaluate example reports twofold's quality. bm25s's time includes
tokenising each query in Python, as a caller would.

Recorded 2026-11-26, scifact, 2 shared and heavily loaded cores (load average ~8):
twofold (top 100) 444 us/query (2254 QPS), bm25s 886 us (1128 QPS, ratio 2.00),
tantivy 504 us (1983 QPS, ratio 1.14); twofold sparse p50 166 us.
"""

import argparse
import json
import re
import subprocess
import sys
import time
from pathlib import Path


def load(data: Path):
    corpus = [json.loads(line) for line in open(data / "corpus.jsonl", encoding="utf-8")]
    queries = [json.loads(line) for line in open(data / "queries.jsonl", encoding="utf-8")]
    texts = [f"{d.get('title', '')} {d['text']}".strip() for d in corpus]
    return texts, [q["text"] for q in queries]


def time_per_query(run, queries, repeats):
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for q in queries:
            run(q)
        best = min(best, (time.perf_counter() - start) / len(queries))
    return best * 1e6


def bench_bm25s(texts, queries, repeats):
    import bm25s

    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize(texts, stopwords="en", show_progress=False), show_progress=False)

    def run(q):
        tokens = bm25s.tokenize([q], stopwords="en", show_progress=False)
        if len(tokens.vocab) == 0:
            return
        retriever.retrieve(tokens, k=10, show_progress=False, n_threads=1)

    return time_per_query(run, queries, repeats)


def bench_tantivy(texts, queries, repeats):
    import tantivy

    builder = tantivy.SchemaBuilder()
    builder.add_text_field("body", stored=False)
    schema = builder.build()
    index = tantivy.Index(schema)
    writer = index.writer(heap_size=200_000_000, num_threads=1)
    for text in texts:
        writer.add_document(tantivy.Document(body=text))
    writer.commit()
    index.reload()
    searcher = index.searcher()
    cleaned = [re.sub(r"[^\w]+", " ", q).strip() or "empty" for q in queries]

    def run(q):
        searcher.search(index.parse_query(q, ["body"]), 10)

    return time_per_query(run, cleaned, repeats)


def bench_twofold(data: Path, root: Path):
    cmd = ["cargo", "run", "--release", "--quiet", "--example", "evaluate", "--",
           "--data", str(data), "--json"]
    out = subprocess.run(cmd, cwd=root, check=True, capture_output=True, text=True).stdout
    result = json.loads(out.strip().splitlines()[-1])["sparse"]
    return result["mean_us"] if "mean_us" in result else result["p50_us"], result


def main():
    root = Path(__file__).resolve().parents[2]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=root / ".." / "shared" / "data" / "scifact")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    texts, queries = load(args.data)
    print(f"{args.data.name}: {len(texts)} documents, {len(queries)} queries", flush=True)
    twofold_us, detail = bench_twofold(args.data, root)
    rows = [("twofold (top 100)", twofold_us)]
    for name, bench in [("bm25s", bench_bm25s), ("tantivy", bench_tantivy)]:
        try:
            rows.append((name, bench(texts, queries, args.repeats)))
        except ImportError as err:
            print(f"{name}: not installed ({err})", file=sys.stderr)
    # Last column: twofold's QPS divided by the engine's (> 1 means twofold is faster).
    print(f"{'engine':<20} {'us/query':>10} {'QPS':>10} {'twofold QPS ratio':>18}")
    for name, us in rows:
        print(f"{name:<20} {us:>10.1f} {1e6 / us:>10.0f} {us / twofold_us:>17.2f}x")
    print(f"twofold sparse p50/p95/p99 us: {detail['p50_us']:.0f} / {detail['p95_us']:.0f} / {detail['p99_us']:.0f}")


if __name__ == "__main__":
    main()
