#!/usr/bin/env python3
"""Time scikit-learn's TfidfVectorizer.fit_transform against twofold's `tfidf` example.

Both sides fit the same corpus (jsonl: title + " " + text when the title is a
non-empty string; txt: one document per line) with the same parameters.

- sklearn: best of --repeat runs of fit_transform, documents already in memory.
- twofold: the release `tfidf` example with --timing --repeat N reports the best
  in-process fit_transform time (documents in memory); the process wall time
  (including reading the corpus and writing the outputs) is reported too.

Prints docs/s for both and the speed-up (sklearn seconds / twofold seconds), and
checks that both produced the same vocabulary size and nnz.

Usage (from the repository root, with scikit-learn 1.9.1 installed):
    python benches/compare/tfidf_vs_sklearn.py [--corpus PATH] [--params JSON_FILE] [--repeat 3]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CORPUS = Path(os.environ.get("TWOFOLD_SHARED_DATA", ROOT.parent / "shared" / "data")) / "scifact" / "corpus.jsonl"


def read_corpus(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".txt":
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        return [line[:-1] if line.endswith("\r") else line for line in lines]
    docs = []
    for line in text.split("\n"):
        if not line.strip():
            continue
        obj = json.loads(line)
        title = obj.get("title")
        docs.append(f"{title} {obj['text']}" if isinstance(title, str) and title else obj["text"])
    return docs


def sklearn_kwargs(params: dict) -> dict:
    kwargs = dict(params)
    if "ngram_range" in kwargs:
        kwargs["ngram_range"] = tuple(kwargs["ngram_range"])
    if "dtype" in kwargs:
        import numpy as np

        kwargs["dtype"] = {"float64": np.float64, "float32": np.float32}[kwargs["dtype"]]
    return kwargs


def time_sklearn(docs, params, repeat):
    from sklearn.feature_extraction.text import TfidfVectorizer

    best, shape = float("inf"), None
    for _ in range(repeat):
        vectorizer = TfidfVectorizer(**sklearn_kwargs(params))
        started = time.perf_counter()
        matrix = vectorizer.fit_transform(docs)
        best = min(best, time.perf_counter() - started)
        shape = (matrix.shape[1], matrix.nnz)
    return best, shape


def time_twofold(corpus, params_file, repeat, binary):
    best_wall, report = float("inf"), None
    with tempfile.TemporaryDirectory() as out:
        command = [str(binary), "--input", str(corpus), "--out", out, "--timing", "--repeat", str(repeat)]
        if params_file:
            command += ["--params", str(params_file)]
        for _ in range(repeat):
            started = time.perf_counter()
            result = subprocess.run(command, capture_output=True, text=True)
            best_wall = min(best_wall, time.perf_counter() - started)
            if result.returncode != 0:
                sys.exit(f"twofold failed: {result.stderr.strip()}")
            lines = [l for l in result.stderr.splitlines() if l.startswith("{")]
            run = json.loads(lines[-1])
            if report is None or run["fit_transform_seconds"] < report["fit_transform_seconds"]:
                report = run
    return report, best_wall


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--params", type=Path, help="JSON object of TfidfVectorizer parameters")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--binary", type=Path, default=ROOT / "target" / "release" / "examples" / "tfidf")
    parser.add_argument("--no-build", action="store_true", help="do not run cargo build first")
    args = parser.parse_args()

    if not args.corpus.exists():
        print(f"corpus {args.corpus} not found; skipping")
        return
    if not args.no_build:
        subprocess.run(["cargo", "build", "--release", "--quiet", "--example", "tfidf"], cwd=ROOT, check=True)
    params = json.loads(args.params.read_text()) if args.params else {}
    docs = read_corpus(args.corpus)
    megabytes = sum(len(d.encode("utf-8")) for d in docs) / 1e6

    sk_seconds, (sk_terms, sk_nnz) = time_sklearn(docs, params, args.repeat)
    report, wall = time_twofold(args.corpus, args.params, args.repeat, args.binary)
    tf_seconds = report["fit_transform_seconds"]

    print(f"corpus: {args.corpus} ({len(docs)} docs, {megabytes:.2f} MB), params: {json.dumps(params)}")
    print(f"sklearn fit_transform: {sk_seconds * 1e3:9.1f} ms  {len(docs) / sk_seconds:12,.0f} docs/s  "
          f"({sk_terms} terms, {sk_nnz} nnz)")
    print(f"twofold fit_transform: {tf_seconds * 1e3:9.1f} ms  {len(docs) / tf_seconds:12,.0f} docs/s  "
          f"({report['n_features']} terms, {report['nnz']} nnz)")
    print(f"twofold process wall:  {wall * 1e3:9.1f} ms  (read + {args.repeat} fits + write)")
    print(f"speed-up (sklearn / twofold fit_transform): {sk_seconds / tf_seconds:.1f}x")
    if (sk_terms, sk_nnz) != (report["n_features"], report["nnz"]):
        print("note: vocabulary size or nnz differ from sklearn (analyzer differences)")


if __name__ == "__main__":
    main()
