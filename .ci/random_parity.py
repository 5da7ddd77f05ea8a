#!/usr/bin/env python3
"""Live randomized parity: twofold's `tfidf` example against scikit-learn 1.9.1.

    .venv/bin/python .ci/random_parity.py [--seed 20261126] [--docs 600] [--sets 12]
                                          [--bin target/release/examples/tfidf]

Draws a seeded mixed-script corpus (only code points assigned in Python 3.11's
Unicode 14.0.0, §8.5.4 of sklearn-tfidf.md), unseen query documents and random
parameter sets (plus fixed defaults and error sets). For each set it runs
sklearn's TfidfVectorizer in-process and the release `tfidf` example as a
subprocess, then compares the vocabulary exactly, idf and fit/transform values
within 1e-9 relative (1e-6 for float32), the sparse structure exactly, and
errors by kind (`error: <Kind>: ...` on the example's stderr).

Prints one line per set; exits 1 on any difference (inputs are then kept in a
directory that is printed), 2 on a usage or build problem. Without --bin it
builds the example with `cargo build --release --example tfidf`.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

import numpy as np
import scipy.io
import scipy.sparse

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests" / "sklearn"))

import sk_common  # noqa: E402

DEFAULT_SEED = 20261126

# ---------------------------------------------------------------------------
# Text generation


def assigned(chars) -> list[str]:
    """Only code points assigned in this Python's Unicode (3.11: 14.0.0)."""
    return [c for c in chars if unicodedata.category(c) != "Cn"]


def span(lo: int, hi: int) -> list[str]:
    return assigned(chr(c) for c in range(lo, hi + 1))


SCRIPTS: dict[str, list[str]] = {
    "ascii_lower": span(0x61, 0x7A),
    "ascii_upper": span(0x41, 0x5A),
    "latin": span(0xC0, 0x24F),
    "greek": span(0x370, 0x3FF) + span(0x1F00, 0x1FFF),
    "cyrillic": span(0x400, 0x4FF),
    "hebrew": span(0x591, 0x5F4),
    "arabic": span(0x600, 0x6FF),
    "devanagari": span(0x900, 0x97F),
    "thai": span(0xE01, 0xE5B),
    "hangul": span(0xAC00, 0xAC00 + 400),
    "kana": span(0x3041, 0x30FF),
    "cjk": span(0x4E00, 0x4E00 + 3000),
    "digits": span(0x30, 0x39) + span(0x660, 0x669) + span(0x966, 0x96F) + span(0xFF10, 0xFF19),
    "number_forms": list("²³¹⁰⁴⁵⁶⁷⁸⁹₀₁₂₃") + span(0xBC, 0xBE) + span(0x2150, 0x218B) + span(0x2460, 0x24FF),
    "compat": span(0xFB00, 0xFB06) + span(0xFF21, 0xFF5A) + span(0x2100, 0x214F) + span(0x1D2C, 0x1D6A),
    "combining": span(0x300, 0x36F) + span(0x1AB0, 0x1ACE) + ["\u200c", "\u200d", "\ufe0e", "\ufe0f", "\u20e3"],
    "punct": list("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~") + span(0x2010, 0x2027) + ["‿", "＿", "⁔", "’", "ʼ"],
    "emoji": span(0x1F300, 0x1F64F) + span(0x1F900, 0x1F9FF) + span(0x1F3FB, 0x1F3FF) + span(0x1F1E6, 0x1F1FF),
}
SCRIPT_WEIGHTS = {
    "ascii_lower": 10, "ascii_upper": 2, "latin": 3, "greek": 2, "cyrillic": 2, "hebrew": 1,
    "arabic": 1, "devanagari": 1, "thai": 1, "hangul": 1, "kana": 1, "cjk": 2, "digits": 2,
    "number_forms": 1, "compat": 1, "combining": 1, "punct": 2, "emoji": 1,
}
WHITESPACE = [" "] * 20 + ["  ", "\t", "\n", "\r\n", "\u00a0", "\u3000", "\u2028", "\u0085",
                           "\x1c", "\x1d", "\x1e", "\x1f", " \t "]
ENGLISH_WORDS = (
    "the of and to in is it that for on with as was be by this are or from at an not have "
    "search index vector query engine document score rank token fusion cache reply answer "
    "running jumping writing reading don't it's o'neill we'll rock'n'roll"
).split()
ACCENTED = ["café", "naïve", "résumé", "über", "straße", "Ångström", "façade", "jalapeño", "İstanbul",
            "ΟΔΟΣ", "ẞ", "ﬁnance", "km²", "h₂o", "①②", "Ⓐⓑ", "🄰bc", "ℌello", "1️⃣", "👍🏽", "👨‍👩‍👧"]
STOP_ONLY = ["the and of", "a an the", "is it", "THE OF", "we they them"]


class TextGenerator:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.scripts = list(SCRIPT_WEIGHTS)
        self.weights = [SCRIPT_WEIGHTS[s] for s in self.scripts]
        for name in self.scripts:
            assert SCRIPTS[name], name

    def word(self) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.35:
            word = rng.choice(ENGLISH_WORDS)
        elif roll < 0.45:
            word = rng.choice(ACCENTED)
        else:
            pool = SCRIPTS[rng.choices(self.scripts, self.weights)[0]]
            word = "".join(rng.choice(pool) for _ in range(rng.choice([1, 1, 2, 2, 3, 4, 5, 7, 10])))
        if rng.random() < 0.1:
            word = unicodedata.normalize("NFD", word)
        elif rng.random() < 0.05:
            word = unicodedata.normalize("NFKC", word)
        if rng.random() < 0.08:
            word = word.upper()
        return word

    def document(self) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.03:
            return rng.choice(["", " ", "\t", "  \u00a0 "])
        if roll < 0.06:
            return rng.choice(STOP_ONLY)
        parts = []
        for _ in range(rng.randint(1, 40)):
            parts.append(self.word())
            parts.append(rng.choice(WHITESPACE))
        if rng.random() < 0.02:
            parts.insert(0, "abcdefghij" * rng.randint(50, 300) + " ")  # very long token
        return "".join(parts)


# ---------------------------------------------------------------------------
# Parameter sets

WORD_PATTERNS = [None, None, None, r"(?u)\b\w+\b", r"\S+", r"[A-Za-z]+(?:'[a-z]+)?", r"(\w+)ing\b"]


def draw_params(rng: random.Random, docs: list[str]) -> dict:
    p: dict = {}
    analyzer = rng.choices(["word", "char", "char_wb"], [6, 2, 2])[0]
    if analyzer != "word" or rng.random() < 0.3:
        p["analyzer"] = analyzer
    if rng.random() < 0.3:
        p["lowercase"] = rng.random() < 0.5
    if rng.random() < 0.4:
        p["strip_accents"] = rng.choice(["ascii", "unicode", None])
    if analyzer == "word":
        pattern = rng.choice(WORD_PATTERNS)
        if pattern is not None:
            p["token_pattern"] = pattern
        roll = rng.random()
        if roll < 0.25:
            p["stop_words"] = "english"
        elif roll < 0.35:
            p["stop_words"] = rng.sample(ENGLISH_WORDS + ["café", "search", "ΟΔΟΣ".lower()], 6)
        p["ngram_range"] = rng.choice([[1, 1], [1, 2], [2, 2], [1, 3]])
    else:
        p["ngram_range"] = rng.choice([[1, 1], [1, 3], [2, 4], [3, 5], [2, 2]])
    if rng.random() < 0.12:
        p["vocabulary"] = draw_vocabulary(rng, p, docs)
    else:
        roll = rng.random()
        if roll < 0.3:
            p["min_df"] = rng.randint(1, 4)
        elif roll < 0.5:
            p["min_df"] = round(rng.uniform(0.0, 0.02), rng.choice([2, 3, 6]))
        roll = rng.random()
        if roll < 0.25:
            p["max_df"] = round(rng.uniform(0.3, 1.0), rng.choice([2, 3]))
        elif roll < 0.35:
            p["max_df"] = rng.randint(len(docs) // 4, len(docs))
        elif roll < 0.45:
            p["max_df"] = 1.0
    if rng.random() < 0.25:
        p["binary"] = True
    if rng.random() < 0.35:
        p["norm"] = rng.choice(["l1", "l2", None])
    if rng.random() < 0.2:
        p["use_idf"] = False
    if rng.random() < 0.25:
        p["smooth_idf"] = False
    if rng.random() < 0.3:
        p["sublinear_tf"] = True
    if rng.random() < 0.2:
        p["dtype"] = "float32"
    if "vocabulary" not in p and rng.random() < 0.35:
        limit = tie_free_limit(rng, p, docs)
        if limit is not None:
            p["max_features"] = limit
    return p


def draw_vocabulary(rng: random.Random, params: dict, docs: list[str]) -> list[str] | dict[str, int]:
    """Real terms of the corpus plus some it never produces, as a list or a map."""
    probe = {k: v for k, v in params.items() if k != "vocabulary"}
    result = sk_common.run_sklearn(probe, docs, None)
    terms = result.get("vocabulary") or []
    chosen = rng.sample(terms, min(len(terms), rng.randint(1, 40)))
    chosen += [t for t in ["zzzunseen", "Café", "not a term"] if rng.random() < 0.5 and t not in chosen]
    if not chosen:
        chosen = ["zzzunseen"]
    rng.shuffle(chosen)
    if rng.random() < 0.5:
        return chosen
    return {term: i for i, term in enumerate(chosen)}


def tie_free_limit(rng: random.Random, params: dict, docs: list[str]) -> int | None:
    """A max_features limit that does not cut through a count tie (§2.8), or None."""
    for _ in range(40):
        limit = rng.choice([rng.randint(1, 30), rng.randint(30, 400), rng.randint(400, 3000)])
        tie = sk_common.max_features_tie(dict(params, max_features=limit), docs)
        if tie is None:
            return None  # fit fails anyway: let the real run report it
        if not tie["tie_at_cutoff"]:
            return limit
    return None


FIXED_SETS = [
    ("defaults", {}),
    ("error_max_df_below_min_df", {"min_df": 0.9, "max_df": 0.1}),
    ("error_ngram_reversed", {"ngram_range": [3, 1]}),
    ("error_unknown_key", {"max_featurez": 10}),
]

# ---------------------------------------------------------------------------
# Running and comparing


def write_jsonl(path: Path, rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def corpus_rows(rng: random.Random, docs: list[str]) -> tuple[list[dict], list[str]]:
    """jsonl rows and the documents sklearn sees (title + " " + text iff the title
    is a non-empty string)."""
    rows, seen = [], []
    for text in docs:
        roll = rng.random()
        if roll < 0.1:
            title = text.split(" ")[0] or "Title"
            rows.append({"title": title, "text": text})
            seen.append(title + " " + text)
        elif roll < 0.15:
            rows.append({"title": rng.choice(["", None]), "text": text})
            seen.append(text)
        else:
            rows.append({"text": text})
            seen.append(text)
    return rows, seen


def run_example(binary: Path, corpus: Path, queries: Path, params: dict, out: Path) -> tuple[dict, float]:
    out.mkdir(parents=True, exist_ok=True)
    params_path = out / "params.json"
    params_path.write_text(json.dumps(params, ensure_ascii=False), encoding="utf-8")
    cmd = [str(binary), "--input", str(corpus), "--params", str(params_path), "--out", str(out),
           "--transform", str(queries)]
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, encoding="utf-8", errors="replace")
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        match = re.search(r"^error: (\w+):", proc.stderr, re.MULTILINE)
        return {"error_kind": match.group(1) if match else None, "stderr": proc.stderr.strip()}, elapsed
    return {"out": out}, elapsed


def read_float_list(path: Path) -> list[float] | None:
    value = json.loads(path.read_text(encoding="utf-8"))
    if value is None:
        return None
    # serde_json writes inf as null (§5): read it back as inf.
    return [float("inf") if v is None else float(v) for v in value]


def decode(values) -> np.ndarray:
    return np.array([float(v) for v in values], dtype=np.float64)


def close(expected: np.ndarray, actual: np.ndarray, rtol: float) -> np.ndarray:
    both_equal = expected == actual
    finite = np.isfinite(expected) & np.isfinite(actual)
    with np.errstate(invalid="ignore"):
        near = np.abs(expected - actual) <= rtol * np.maximum(np.abs(expected), np.abs(actual))
    return both_equal | (finite & near)


def compare_matrix(what: str, expected: dict, path: Path, rtol: float) -> str | None:
    if not path.exists():
        return f"{what}: {path.name} not written"
    actual = scipy.io.mmread(str(path))
    actual = scipy.sparse.csr_matrix(actual).sorted_indices()
    shape = tuple(expected["shape"])
    if actual.shape != shape:
        return f"{what}: shape {actual.shape}, expected {shape}"
    e_indptr = np.array(expected["indptr"])
    e_indices = np.array(expected["indices"])
    for row in range(shape[0]):
        e_cols = e_indices[e_indptr[row]:e_indptr[row + 1]]
        a_cols = actual.indices[actual.indptr[row]:actual.indptr[row + 1]]
        if not np.array_equal(e_cols, a_cols):
            return f"{what}: row {row} stores columns {a_cols[:10].tolist()}..., expected {e_cols[:10].tolist()}..."
    e_data = decode(expected["data"])
    a_data = np.asarray(actual.data, dtype=np.float64)
    ok = close(e_data, a_data, rtol)
    if not ok.all():
        k = int(np.argmin(ok))
        row = int(np.searchsorted(e_indptr, k, side="right") - 1)
        return f"{what}: value at ({row}, {int(e_indices[k])}) expected {float(e_data[k])!r}, got {float(a_data[k])!r}"
    return None


def compare(expected: dict, actual: dict, rtol: float) -> str | None:
    """The first difference between sklearn's result and the example's, or None."""
    want_error = expected.get("error_kind") or expected.get("transform_error_kind")
    if want_error:
        got = actual.get("error_kind")
        if got == want_error:
            return None
        if "out" in actual:
            return f"expected error {want_error}, the example succeeded"
        return f"error kind: expected {want_error}, got {got} ({actual['stderr'][:200]})"
    if "out" not in actual:
        return f"expected success, the example failed: {actual['stderr'][:300]}"
    out: Path = actual["out"]
    vocabulary = json.loads((out / "vocabulary.json").read_text(encoding="utf-8"))
    want_vocab = expected["vocabulary"]
    if vocabulary != want_vocab:
        i = next((i for i, (a, b) in enumerate(zip(want_vocab, vocabulary)) if a != b),
                 min(len(want_vocab), len(vocabulary)))
        missing = sorted(set(want_vocab) - set(vocabulary))[:3]
        extra = sorted(set(vocabulary) - set(want_vocab))[:3]
        return (f"vocabulary: {len(want_vocab)} terms expected, {len(vocabulary)} got; first difference at "
                f"column {i}: expected {want_vocab[i:i + 1]!r:.80}, got {vocabulary[i:i + 1]!r:.80}; "
                f"missing e.g. {missing!r:.120}, extra e.g. {extra!r:.120}")
    idf = read_float_list(out / "idf.json")
    if (idf is None) != (expected["idf"] is None):
        return f"idf: expected {'null' if expected['idf'] is None else 'values'}, got {'null' if idf is None else 'values'}"
    if idf is not None:
        e_idf, a_idf = decode(expected["idf"]), np.array(idf)
        if e_idf.shape != a_idf.shape:
            return f"idf: {e_idf.shape[0]} values expected, {a_idf.shape[0]} got"
        ok = close(e_idf, a_idf, rtol)
        if not ok.all():
            k = int(np.argmin(ok))
            return f"idf[{k}] ({want_vocab[k]!r}): expected {float(e_idf[k])!r}, got {float(a_idf[k])!r}"
    return (compare_matrix("fit_transform", expected["fit_transform"], out / "matrix.mtx", rtol)
            or compare_matrix("transform", expected["transform"], out / "transform.mtx", rtol))


def describe(params: dict) -> str:
    shown = {k: ("<%d terms>" % len(v) if k == "vocabulary" else v) for k, v in params.items()}
    return json.dumps(shown, ensure_ascii=False)


def build_example() -> Path:
    print("building: cargo build --release --example tfidf", flush=True)
    proc = subprocess.run(["cargo", "build", "--release", "--example", "tfidf"], cwd=REPO)
    if proc.returncode != 0:
        sys.exit(2)
    return REPO / "target" / "release" / "examples" / "tfidf"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--docs", type=int, default=600, help="corpus documents (>= 500 for CI)")
    parser.add_argument("--queries", type=int, default=60, help="unseen documents for --transform")
    parser.add_argument("--sets", type=int, default=12, help="random parameter sets (besides the fixed ones)")
    parser.add_argument("--bin", type=Path, help="the tfidf example binary (default: build it)")
    parser.add_argument("--keep", type=Path, help="write inputs and outputs here and keep them")
    args = parser.parse_args()
    sk_common.check_versions()
    binary = args.bin if args.bin else build_example()
    if not binary.exists():
        print(f"no such binary: {binary}", file=sys.stderr)
        return 2

    rng = random.Random(args.seed)
    gen = TextGenerator(rng)
    docs_text = [gen.document() for _ in range(args.docs)]
    queries = [gen.document() for _ in range(args.queries)]
    work = args.keep or Path(tempfile.mkdtemp(prefix="twofold-parity-"))
    work.mkdir(parents=True, exist_ok=True)
    rows, docs = corpus_rows(rng, docs_text)
    write_jsonl(work / "corpus.jsonl", rows)
    write_jsonl(work / "queries.jsonl", [{"text": q} for q in queries])

    sets = list(FIXED_SETS)
    sets += [(f"random_{i:02d}", draw_params(rng, docs)) for i in range(args.sets)]
    print(f"seed {args.seed}: {len(docs)} documents, {len(queries)} queries, {len(sets)} parameter sets, "
          f"inputs in {work}", flush=True)

    failures = 0
    started = time.perf_counter()
    for i, (name, params) in enumerate(sets):
        rtol = 1e-6 if params.get("dtype") == "float32" else 1e-9
        t0 = time.perf_counter()
        expected = sk_common.run_sklearn(params, docs, queries)
        sk_time = time.perf_counter() - t0
        actual, rs_time = run_example(binary, work / "corpus.jsonl", work / "queries.jsonl", params,
                                      work / f"set_{i:02d}")
        difference = compare(expected, actual, rtol)
        if expected.get("error_kind") or expected.get("transform_error_kind"):
            summary = f"error {expected.get('error_kind') or expected.get('transform_error_kind')}"
        else:
            summary = f"{len(expected['vocabulary'])} terms, nnz {len(expected['fit_transform']['data'])}"
        status = "ok  " if difference is None else "DIFF"
        print(f"{status} {name:28} {summary:32} sklearn {sk_time:6.2f}s twofold {rs_time:6.2f}s  {describe(params)}",
              flush=True)
        if difference is not None:
            failures += 1
            print(f"     first difference: {difference}", flush=True)
    elapsed = time.perf_counter() - started
    print(f"random parity (seed {args.seed}): {len(sets) - failures} of {len(sets)} parameter sets match "
          f"({elapsed:.1f}s)")
    if failures:
        print(f"inputs and outputs kept in {work}")
        return 1
    if args.keep is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
