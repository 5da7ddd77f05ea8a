#!/usr/bin/env python3
"""Time sentence-transformers (PyTorch, CPU) and twofold's SentenceEmbedder on the same texts.

Usage (from the crate root; NOT part of CI: needs torch, ~6 GB with the default PyPI wheels):
    python3 -m venv .venv
    .venv/bin/pip install torch sentence-transformers==6.2.0 numpy   # or --index-url .../whl/cpu for torch
    scripts/fetch_model.sh
    .venv/bin/python benches/compare/embed_vs_sentence_transformers.py [--model DIR] [--docs 1000]

Texts: SciFact queries (single-query latency, one call per query after a warm-up) and the first
--docs corpus documents, (title + " " + text).strip() (batch throughput, length-sorted batches).
The Rust side is `cargo run --release --features embed --example embed_bench -- --json`.
Both use all cores unless THREADS is set (torch.set_num_threads / RAYON_NUM_THREADS).
Prints p50/p90 single-query latency, batch docs/s, and the Rust/Python ratios.
"""
import argparse, json, os, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
CRATE = os.path.dirname(os.path.dirname(HERE))


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(l) for l in f if l.strip()]


def load_texts(data_dir, n_docs):
    queries = [q["text"] for q in read_jsonl(os.path.join(data_dir, "queries.jsonl"))]
    docs = [(d.get("title", "") + " " + d["text"]).strip()
            for d in read_jsonl(os.path.join(data_dir, "corpus.jsonl"))[:n_docs]]
    return queries, docs


def percentile(values, p):
    values = sorted(values)
    return values[round((len(values) - 1) * p)]


def time_python(model_dir, queries, docs, batch_size, warmup, threads):
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    from sentence_transformers import SentenceTransformer
    torch.set_num_threads(threads)
    model = SentenceTransformer(model_dir, device="cpu")
    for q in (queries * (warmup // max(len(queries), 1) + 1))[:warmup]:
        model.encode(q, normalize_embeddings=True, show_progress_bar=False)
    lat = []
    for q in queries:
        t = time.perf_counter()
        model.encode(q, normalize_embeddings=True, show_progress_bar=False)
        lat.append((time.perf_counter() - t) * 1e3)
    t = time.perf_counter()
    model.encode(docs, batch_size=batch_size, normalize_embeddings=True, show_progress_bar=False)
    batch_s = time.perf_counter() - t
    return {"engine": f"sentence-transformers (torch {torch.__version__})", "single_p50_ms": percentile(lat, 0.5),
            "single_p90_ms": percentile(lat, 0.9), "batch_docs_per_s": len(docs) / batch_s, "threads": threads}


def time_rust(model_dir, queries, docs, batch_size, warmup, threads):
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump({"queries": queries, "docs": docs}, f)
        path = f.name
    env = dict(os.environ, RAYON_NUM_THREADS=str(threads))
    cmd = ["cargo", "run", "--quiet", "--release", "--features", "embed", "--example", "embed_bench", "--",
           "--model", model_dir, "--input", path, "--batch-size", str(batch_size), "--warmup", str(warmup), "--json"]
    try:
        out = subprocess.run(cmd, cwd=CRATE, env=env, check=True, capture_output=True, text=True).stdout
    finally:
        os.unlink(path)
    return json.loads(out.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=os.environ.get("TWOFOLD_MODEL", os.path.join(CRATE, "models/all-MiniLM-L6-v2")))
    ap.add_argument("--data", default=os.path.join(os.environ.get("TWOFOLD_SHARED_DATA", os.path.join(CRATE, "../shared/data")), "scifact"))
    ap.add_argument("--docs", type=int, default=1000)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--warmup", type=int, default=20)
    ap.add_argument("--threads", type=int, default=int(os.environ.get("THREADS", os.cpu_count() or 1)))
    ap.add_argument("--only", choices=["python", "rust"], help="time one side only")
    a = ap.parse_args()
    queries, docs = load_texts(a.data, a.docs)
    print(f"{len(queries)} queries, {len(docs)} docs, batch {a.batch_size}, {a.threads} threads", flush=True)
    results = {}
    if a.only != "python":
        results["rust"] = time_rust(a.model, queries, docs, a.batch_size, a.warmup, a.threads)
    if a.only != "rust":
        results["python"] = time_python(a.model, queries, docs, a.batch_size, a.warmup, a.threads)
    print(f"{'engine':<44} {'p50 ms':>8} {'p90 ms':>8} {'docs/s':>8}")
    for r in results.values():
        print(f"{r['engine']:<44} {r['single_p50_ms']:8.2f} {r['single_p90_ms']:8.2f} {r['batch_docs_per_s']:8.1f}")
    if len(results) == 2:
        rs, py = results["rust"], results["python"]
        print(f"latency ratio rust/python p50: {rs['single_p50_ms'] / py['single_p50_ms']:.2f}x (lower is better)")
        print(f"throughput ratio rust/python: {rs['batch_docs_per_s'] / py['batch_docs_per_s']:.2f}x (higher is better)")
    print(json.dumps(results))


if __name__ == "__main__":
    sys.exit(main())
