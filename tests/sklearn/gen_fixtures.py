#!/usr/bin/env python3
"""Writes twofold's golden scikit-learn TfidfVectorizer fixtures.

    python3.11 -m venv .venv && .venv/bin/pip install -r .ci/requirements.txt
    .venv/bin/python tests/sklearn/gen_fixtures.py            # (re)write tests/data/sklearn
    .venv/bin/python tests/sklearn/gen_fixtures.py --check    # verify the committed files

Output (tests/data/sklearn/):
    meta.json                      versions, corpora, case names
    corpora/<name>.json            {"documents": [...], "queries": [...]}
    cases/<case>.json              one case, see `build_case`

Each case holds the parameters as the exact JSON text a user writes
(`params_json`), the corpus name, and either the expected vocabulary (column
order), idf (list, or null without use_idf), fit_transform and transform (of the
corpus queries) as CSR {shape, indptr, indices sorted per row, data}, or the
expected error kind (§6 of sklearn-tfidf.md). Floats are repr-exact; non-finite
values are the strings "inf"/"-inf"/"nan".

Requires Python 3.11 (Unicode 14.0.0) and scikit-learn 1.9.1 exactly.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import sk_common  # noqa: E402
from corpora import CORPORA  # noqa: E402

OUT = HERE.parent / "data" / "sklearn"

# A fixed vocabulary with a term ('zebra') that occurs only in the faq queries:
# df = 0, so smooth idf = ln(n+1)+1 and unsmoothed idf = inf (§5).
VOCAB_WITH_UNSEEN = '["password", "reset", "account", "zebra", "refund", "delivery"]'

# (name, corpus, params as a user writes them, expected error kind or None, description)
CASES: list[tuple[str, str, str, str | None, str]] = [
    # --- defaults and preprocessing -------------------------------------------------
    ("default_faq", "faq", "{}", None, "all defaults, ASCII"),
    ("default_unicode", "unicode", "{}", None, "default tokeniser on hard Unicode"),
    ("default_mixed", "mixed", "{}", None, "default tokeniser on mixed scripts"),
    ("explicit_core_defaults", "faq",
     '{"lowercase": true, "strip_accents": null, "analyzer": "word", "stop_words": null, '
     '"token_pattern": "(?u)\\\\b\\\\w\\\\w+\\\\b", "ngram_range": [1, 1], "max_df": 1.0, '
     '"min_df": 1, "max_features": null, "vocabulary": null, "binary": false, '
     '"dtype": "float64", "norm": "l2", "use_idf": true, "smooth_idf": true, '
     '"sublinear_tf": false}', None, "every core parameter spelled out at its default"),
    ("explicit_io_defaults", "faq",
     '{"input": "content", "encoding": "utf-8", "decode_error": "strict", '
     '"preprocessor": null, "tokenizer": null}', None,
     "input/encoding/decode_error/preprocessor/tokenizer at their defaults (§7)"),
    ("lowercase_false_faq", "faq", '{"lowercase": false}', None, "case kept"),
    ("lowercase_false_unicode", "unicode", '{"lowercase": false}', None, "case kept, hard Unicode"),
    ("strip_ascii_unicode", "unicode", '{"strip_accents": "ascii"}', None, "NFKD + drop non-ASCII"),
    ("strip_unicode_unicode", "unicode", '{"strip_accents": "unicode"}', None, "NFKD + drop ccc != 0"),
    ("strip_unicode_mixed", "mixed", '{"strip_accents": "unicode"}', None, "NFKD + drop ccc != 0"),
    ("strip_ascii_faq", "faq", '{"strip_accents": "ascii"}', None, "no-op on ASCII"),
    ("strip_ascii_no_lowercase", "unicode", '{"strip_accents": "ascii", "lowercase": false}', None,
     "accent stripping without lowercasing"),
    ("strip_unicode_no_lowercase", "unicode", '{"strip_accents": "unicode", "lowercase": false}', None,
     "accent stripping without lowercasing"),
    # --- token_pattern ----------------------------------------------------------------
    ("tp_single_char_faq", "faq", '{"token_pattern": "(?u)\\\\b\\\\w+\\\\b"}', None, "1-char tokens kept"),
    ("tp_single_char_unicode", "unicode", '{"token_pattern": "(?u)\\\\b\\\\w+\\\\b"}', None,
     "1-char tokens kept, hard Unicode"),
    ("tp_apostrophe_faq", "faq", '{"token_pattern": "[A-Za-z]+(?:\'[a-z]+)?"}', None,
     "ASCII words with an optional apostrophe part"),
    ("tp_apostrophe_unicode", "unicode", '{"token_pattern": "[A-Za-z]+(?:\'[a-z]+)?"}', None,
     "ASCII-only pattern on hard Unicode"),
    ("tp_nonspace_faq", "faq", '{"token_pattern": "\\\\S+"}', None, "whitespace-separated tokens"),
    ("tp_nonspace_unicode", "unicode", '{"token_pattern": "\\\\S+"}', None,
     "\\S+ with U+001C-U+001F and NBSP"),
    ("tp_group_ing", "faq", '{"token_pattern": "(\\\\w+)ing\\\\b"}', None, "one capturing group"),
    ("tp_optional_group", "faq", '{"token_pattern": "(ex)?\\\\w+"}', None,
     "a group that may not take part yields '' tokens"),
    # --- stop words -------------------------------------------------------------------
    ("stop_english_faq", "faq", '{"stop_words": "english"}', None, "318 English stop words"),
    ("stop_english_unicode", "unicode", '{"stop_words": "english"}', None, "English stop words"),
    ("stop_english_no_lowercase", "faq", '{"stop_words": "english", "lowercase": false}', None,
     "'How' and 'The' are not stop words when case is kept"),
    ("stop_custom_faq", "faq", '{"stop_words": ["how", "do", "i", "my", "the", "can\'t"]}', None,
     "custom list"),
    ("stop_custom_unicode", "unicode", '{"stop_words": ["café", "cafe", "alpha", "東京"]}', None,
     "custom non-ASCII list"),
    ("stop_english_bigrams", "faq", '{"stop_words": "english", "ngram_range": [1, 2]}', None,
     "bigrams span removed stop words"),
    # --- word n-grams -----------------------------------------------------------------
    ("ngram_12_faq", "faq", '{"ngram_range": [1, 2]}', None, "uni+bigrams"),
    ("ngram_23_faq", "faq_small", '{"ngram_range": [2, 3]}', None, "bi+trigrams"),
    ("ngram_12_unicode", "unicode", '{"ngram_range": [1, 2]}', None, "uni+bigrams"),
    ("ngram_23_mixed", "mixed", '{"ngram_range": [2, 3]}', None, "bi+trigrams"),
    # --- char analyzers ---------------------------------------------------------------
    ("char_13_faq", "faq_small", '{"analyzer": "char", "ngram_range": [1, 3]}', None, "char 1-3"),
    ("char_13_unicode", "unicode", '{"analyzer": "char", "ngram_range": [1, 3]}', None,
     "char 1-3 on code points"),
    ("char_25_unicode", "unicode", '{"analyzer": "char", "ngram_range": [2, 5]}', None, "char 2-5"),
    ("char_ignores_word_options", "faq_small",
     '{"analyzer": "char", "ngram_range": [2, 2], "stop_words": "english", "token_pattern": "\\\\S+"}',
     None, "stop_words and token_pattern ignored for char"),
    ("char_wb_13_unicode", "unicode", '{"analyzer": "char_wb", "ngram_range": [1, 3]}', None,
     "char_wb 1-3"),
    ("char_wb_35_faq", "faq_small", '{"analyzer": "char_wb", "ngram_range": [3, 5]}', None, "char_wb 3-5"),
    ("char_wb_45_unicode", "unicode", '{"analyzer": "char_wb", "ngram_range": [4, 5]}', None,
     "char_wb 4-5: short words emitted once, padded"),
    ("char_wb_13_mixed", "mixed", '{"analyzer": "char_wb", "ngram_range": [1, 3]}', None,
     "char_wb 1-3"),
    ("char_wb_strip_unicode", "unicode",
     '{"analyzer": "char_wb", "ngram_range": [2, 3], "strip_accents": "unicode"}', None,
     "char_wb after accent stripping"),
    # --- document frequency -----------------------------------------------------------
    ("min_df_2", "faq", '{"min_df": 2}', None, "count"),
    ("min_df_prop", "faq", '{"min_df": 0.05}', None, "proportion"),
    ("max_df_prop", "faq", '{"max_df": 0.5}', None, "proportion"),
    ("max_df_int", "faq", '{"max_df": 10}', None, "count"),
    ("max_df_1_int", "faq", '{"max_df": 1}', None, "int 1: df <= 1 only"),
    ("max_df_1_float", "faq", '{"max_df": 1.0}', None, "float 1.0: everything"),
    ("min_df_007_trap", "faq", '{"min_df": 0.07}', None, "0.07*100 = 7.000000000000001: df 7 dropped"),
    ("max_df_007_trap", "faq", '{"max_df": 0.07}', None, "df 7 kept"),
    ("min_df_029_trap", "faq", '{"min_df": 0.29}', None, "0.29*100 = 28.999999999999996: df 29 kept"),
    ("max_df_029_trap", "faq", '{"max_df": 0.29}', None, "df 29 dropped"),
    ("min_max_df_unicode", "unicode", '{"min_df": 2, "max_df": 0.9}', None, "both"),
    ("min_df_char_mixed", "mixed", '{"analyzer": "char", "ngram_range": [1, 2], "min_df": 3, "max_df": 0.6}',
     None, "df bounds on char features"),
    # --- max_features (tie-free at the cut, checked below) ----------------------------
    ("max_features_faq", "faq", '{"max_features": 25}', None, "top terms by total count"),
    ("max_features_binary", "faq", '{"max_features": 39, "binary": true}', None,
     "binary: ranked by df"),
    ("max_features_char_wb", "mixed", '{"analyzer": "char_wb", "ngram_range": [2, 3], "max_features": 56}',
     None, "char_wb features"),
    ("max_features_min_df", "faq", '{"max_features": 21, "min_df": 3, "max_df": 0.6}', None,
     "applied after df pruning"),
    # --- fixed vocabulary -------------------------------------------------------------
    ("vocab_list", "faq", '{"vocabulary": ' + VOCAB_WITH_UNSEEN + "}", None,
     "list vocabulary; 'zebra' only in queries"),
    ("vocab_map", "faq", '{"vocabulary": {"account": 2, "password": 0, "reset": 1, "email": 3}}', None,
     "mapping: column order from the values"),
    ("vocab_bigrams", "faq",
     '{"vocabulary": ["reset password", "account", "email address", "zebra crossing"], "ngram_range": [1, 2]}',
     None, "n-gram terms"),
    ("vocab_uppercase", "faq", '{"vocabulary": ["Password", "password", "x"]}', None,
     "terms the analyzer can never produce are all-zero columns"),
    ("vocab_ignores_df", "faq", '{"vocabulary": ["account", "the"], "min_df": 50, "max_df": 0.1, "max_features": 1}',
     None, "df bounds and max_features ignored with a fixed vocabulary"),
    ("vocab_unicode", "unicode", '{"vocabulary": ["café", "東京", "x²", "straße", "alpha", "ภาษาไทย"]}', None,
     "non-ASCII terms"),
    ("vocab_inf_idf_no_norm", "faq",
     '{"vocabulary": ' + VOCAB_WITH_UNSEEN + ', "smooth_idf": false, "norm": null}', None,
     "df 0 gives idf inf; transform of 'zebra' gives inf"),
    # --- weighting --------------------------------------------------------------------
    ("binary_faq", "faq", '{"binary": true}', None, "counts clipped to 1"),
    ("norm_l1", "faq", '{"norm": "l1"}', None, "l1"),
    ("norm_none", "faq", '{"norm": null}', None, "raw tf-idf"),
    ("use_idf_false", "faq", '{"use_idf": false}', None, "tf only, idf null"),
    ("smooth_idf_false", "faq", '{"smooth_idf": false}', None, "ln(n/df)+1"),
    ("sublinear_tf", "faq", '{"sublinear_tf": true}', None, "1+ln(tf)"),
    ("sublinear_binary_no_idf", "faq", '{"sublinear_tf": true, "binary": true, "use_idf": false, "norm": "l1"}',
     None, "combination"),
    ("no_idf_no_norm", "unicode", '{"use_idf": false, "norm": null}', None, "raw counts"),
    ("dtype_float32", "faq", '{"dtype": "float32"}', None, "float32 arithmetic"),
    ("dtype_float32_char_wb", "unicode",
     '{"dtype": "float32", "analyzer": "char_wb", "ngram_range": [1, 3], "sublinear_tf": true, "smooth_idf": false}',
     None, "float32 with sublinear and unsmoothed idf"),
    ("kitchen_sink_mixed", "mixed",
     '{"lowercase": false, "strip_accents": "unicode", "ngram_range": [1, 2], "min_df": 2, "max_df": 0.8, '
     '"binary": true, "norm": "l1", "sublinear_tf": true, "smooth_idf": false}', None, "many options"),
    ("kitchen_sink_faq", "faq",
     '{"stop_words": "english", "ngram_range": [1, 3], "min_df": 2, "max_features": 31, '
     '"sublinear_tf": true, "dtype": "float32"}', None, "many options, float32"),
    # --- errors (§6) ------------------------------------------------------------------
    ("err_unknown_parameter", "faq", '{"foo": 1}', "UnknownParameter", "unknown key"),
    ("err_unknown_parameter_typo", "faq", '{"max_dfs": 0.5}', "UnknownParameter", "misspelt key"),
    ("err_max_df_above_one", "faq", '{"max_df": 1.5}', "InvalidParameter", "proportion > 1"),
    ("err_min_df_zero", "faq", '{"min_df": 0}', "InvalidParameter", "int 0"),
    ("err_min_df_negative", "faq", '{"min_df": -0.1}', "InvalidParameter", "negative"),
    ("err_min_df_string", "faq", '{"min_df": "2"}', "InvalidParameter", "string"),
    ("err_max_features_zero", "faq", '{"max_features": 0}', "InvalidParameter", "0"),
    ("err_max_features_float", "faq", '{"max_features": 1.5}', "InvalidParameter", "float"),
    ("err_norm", "faq", '{"norm": "l3"}', "InvalidParameter", "unknown norm"),
    ("err_norm_max", "faq", '{"norm": "max"}', "InvalidParameter", "'max' not allowed"),
    ("err_analyzer", "faq", '{"analyzer": "words"}', "InvalidParameter", "unknown analyzer"),
    ("err_strip_accents", "faq", '{"strip_accents": "latin"}', "InvalidParameter", "unknown"),
    ("err_stop_words", "faq", '{"stop_words": "french"}', "InvalidParameter", "only 'english'"),
    ("err_lowercase_int", "faq", '{"lowercase": 1}', "InvalidParameter", "not a bool"),
    ("err_binary_string", "faq", '{"binary": "yes"}', "InvalidParameter", "not a bool"),
    ("err_ngram_range_string", "faq", '{"ngram_range": "1,2"}', "InvalidParameter", "not a pair"),
    ("err_ngram_reversed", "faq", '{"ngram_range": [2, 1]}', "InvalidNgramRange", "min > max"),
    ("err_ngram_three", "faq", '{"ngram_range": [1, 2, 3]}', "InvalidNgramRange", "3 elements"),
    ("err_vocab_duplicate", "faq", '{"vocabulary": ["alpha", "beta", "alpha"]}',
     "DuplicateVocabularyTerm", "list repeats a term"),
    ("err_vocab_repeated_index", "faq", '{"vocabulary": {"alpha": 0, "beta": 0}}',
     "RepeatedVocabularyIndex", "mapping repeats an index"),
    ("err_vocab_gap", "faq", '{"vocabulary": {"alpha": 0, "beta": 2}}', "VocabularyIndexGap",
     "index 1 missing"),
    ("err_vocab_empty_list", "faq", '{"vocabulary": []}', "EmptyFixedVocabulary", "[]"),
    ("err_vocab_empty_map", "faq", '{"vocabulary": {}}', "EmptyFixedVocabulary", "{}"),
    ("err_two_groups", "faq", '{"token_pattern": "(a)(b)"}', "TooManyCaptureGroups", "2 groups"),
    ("err_two_named_groups", "faq", '{"token_pattern": "(?P<x>\\\\w)(?P<y>\\\\w+)"}',
     "TooManyCaptureGroups", "named groups count"),
    ("err_bad_regex", "faq", '{"token_pattern": "(unclosed"}', "InvalidTokenPattern", "re.error"),
    ("err_token_pattern_null", "faq", '{"token_pattern": null}', "InvalidTokenPattern",
     "None with the word analyzer"),
    ("err_only_stop_words", "stop_only", '{"stop_words": "english"}', "EmptyVocabulary",
     "everything is a stop word"),
    ("err_ngrams_too_long", "stop_only", '{"ngram_range": [5, 5]}', "EmptyVocabulary",
     "every doc is shorter than n"),
    ("err_max_df_below_min_df", "faq", '{"min_df": 0.5, "max_df": 0.2}', "MaxDfBelowMinDf", "proportions"),
    ("err_min_df_above_n_docs", "faq", '{"min_df": 1000}', "MaxDfBelowMinDf", "int min_df > n"),
    ("err_max_df_zero", "faq", '{"max_df": 0.0}', "MaxDfBelowMinDf", "max_df 0.0"),
    ("err_no_terms_remain", "faq", '{"min_df": 1.0}', "NoTermsRemain", "no term in every doc"),
    ("err_inf_idf_with_norm", "faq", '{"vocabulary": ' + VOCAB_WITH_UNSEEN + ', "smooth_idf": false}',
     "NonFiniteValue", "fit succeeds; transform of a doc with 'zebra' hits inf in l2 norm"),
]


def load_corpora() -> dict[str, tuple[list[str], list[str]]]:
    return {name: make() for name, make in CORPORA.items()}


def build_case(name: str, corpus: str, params_json: str, expected_error: str | None,
               description: str, corpora) -> dict:
    params = json.loads(params_json)
    docs, queries = corpora[corpus]
    result = sk_common.run_sklearn(params, docs, queries)
    got_error = result.get("error_kind") or result.get("transform_error_kind")
    if got_error != expected_error:
        raise SystemExit(f"{name}: sklearn gave {got_error!r}, the case expects {expected_error!r}: "
                         f"{result.get('error_message') or result.get('transform_error_message')}")
    tie = sk_common.max_features_tie(params, docs)
    if tie is not None and tie["tie_at_cutoff"]:
        raise SystemExit(f"{name}: max_features={tie['limit']} cuts through a tie {tie}; "
                         "pick another limit (sklearn's tie order is CPU-dependent)")
    if "error_message" in result:
        # InvalidParameter messages list allowed values in hash-seed order: blank them.
        result["error_message"] = re.sub(r"\{[^}]*\}", "{...}", result["error_message"])
    case = {
        "name": name,
        "description": description,
        "corpus": corpus,
        "params_json": params_json,
        "params": params,
        "expected": result,
    }
    if tie is not None:
        case["meta"] = {"max_features": tie}
    return case


def render(obj: dict) -> str:
    """One top-level key per line, values compact (keeps the fixtures small and diffable)."""
    lines = [
        f"{json.dumps(key)}: {json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(',', ':'))}"
        for key, value in obj.items()
    ]
    return "{\n" + ",\n".join(lines) + "\n}\n"


def outputs() -> dict[Path, str]:
    """Every file under OUT, path -> content."""
    names = [c[0] for c in CASES]
    if len(set(names)) != len(names):
        raise SystemExit("duplicate case names")
    corpora = load_corpora()
    files: dict[Path, str] = {}
    for name, (docs, queries) in corpora.items():
        files[OUT / "corpora" / f"{name}.json"] = render({"documents": docs, "queries": queries})
    for case_def in CASES:
        case = build_case(*case_def, corpora)
        files[OUT / "cases" / f"{case['name']}.json"] = render(case)
    meta = {
        "generator": "tests/sklearn/gen_fixtures.py",
        "versions": sk_common.versions(),
        "corpora": {n: {"documents": len(d), "queries": len(q)} for n, (d, q) in corpora.items()},
        "cases": names,
        "error_cases": [c[0] for c in CASES if c[3] is not None],
    }
    files[OUT / "meta.json"] = render(meta)
    return files


# How far a regenerated float may be from the committed one in `--check`. numpy
# picks its `log` kernel by CPU (AVX2 and AVX-512 give results one ulp apart, so
# idf and every weight built on it differ in the last bit between machines);
# the committed files stay the reference, and the Rust parity tests compare
# with 1e-9 or looser.
CHECK_RTOL = 1e-13


def same_value(committed, regenerated) -> bool:
    """Equal JSON values; floats equal up to CHECK_RTOL (ints, strings, keys exact)."""
    if isinstance(committed, float) and isinstance(regenerated, float):
        scale = max(abs(committed), abs(regenerated))
        return committed == regenerated or abs(committed - regenerated) <= CHECK_RTOL * scale
    if type(committed) is not type(regenerated):
        return False
    if isinstance(committed, dict):
        return (list(committed) == list(regenerated)
                and all(same_value(committed[k], regenerated[k]) for k in committed))
    if isinstance(committed, list):
        return (len(committed) == len(regenerated)
                and all(same_value(a, b) for a, b in zip(committed, regenerated)))
    return committed == regenerated


def same_fixture(committed: str, regenerated: str) -> bool:
    """Whether a committed file still says what the generator writes now."""
    if committed == regenerated:
        return True
    try:
        return same_value(json.loads(committed), json.loads(regenerated))
    except json.JSONDecodeError:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true",
                        help="regenerate in memory and fail if the committed files differ")
    args = parser.parse_args()
    sk_common.check_versions()
    files = outputs()
    existing = set(OUT.rglob("*.json")) if OUT.exists() else set()
    if args.check:
        stale = sorted(str(p) for p, text in files.items()
                       if not p.exists() or not same_fixture(p.read_text(encoding="utf-8"), text))
        extra = sorted(str(p) for p in existing - set(files))
        if stale or extra:
            raise SystemExit(f"fixtures out of date: differ {stale}, not generated {extra}")
        print(f"fixtures up to date: {len(CASES)} cases")
        return
    for path in existing - set(files):
        path.unlink()
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    size = sum(len(t.encode("utf-8")) for t in files.values())
    print(f"wrote {len(CASES)} cases, {len(files)} files, {size / 1e6:.2f} MB to {OUT}")


if __name__ == "__main__":
    main()
