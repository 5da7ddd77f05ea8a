"""Shared helpers for twofold's scikit-learn parity tooling.

Used by `tests/sklearn/gen_fixtures.py` (committed golden fixtures) and by
`.ci/random_parity.py` (live randomized parity against the `tfidf` example).

Everything here follows /work/shared/reference/sklearn-tfidf.md (sklearn 1.9.1):
- parameters arrive as JSON exactly as a twofold user writes them and are mapped to
  sklearn keyword arguments by `sklearn_kwargs` (§7);
- sklearn exceptions are mapped to twofold's language-neutral error kinds by
  `classify_error` (§6);
- `max_features_tie` detects ties at the max_features cut (§2.8), where sklearn's
  choice depends on the CPU and no golden answer exists.
"""

from __future__ import annotations

import math
import re
import sys
import unicodedata
import warnings
from typing import Any

import numpy as np
import scipy
import sklearn
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.utils._param_validation import InvalidParameterError

# Parameters that only TfidfTransformer uses: CountVectorizer rejects them.
TFIDF_ONLY_KEYS = ("norm", "use_idf", "smooth_idf", "sublinear_tf")

DTYPES = {"float64": np.float64, "float32": np.float32}


def versions() -> dict[str, str]:
    """Versions that decide the golden output (Unicode tables come from Python)."""
    return {
        "python": sys.version.split()[0],
        "unidata": unicodedata.unidata_version,
        "sklearn": sklearn.__version__,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
    }


def check_versions() -> None:
    """Refuse to produce golden data with the wrong toolchain."""
    v = versions()
    expected = {"python": "3.11", "unidata": "14.0.0", "sklearn": "1.9.1"}
    for key, want in expected.items():
        if not v[key].startswith(want):
            raise SystemExit(
                f"{key} {v[key]} != {want}: golden data must come from Python 3.11 "
                f"(Unicode 14.0.0) and scikit-learn 1.9.1, see .ci/requirements.txt"
            )


def sklearn_kwargs(params: dict[str, Any]) -> dict[str, Any]:
    """Maps twofold JSON parameters to TfidfVectorizer keyword arguments (§7).

    Only representation changes are made (JSON has no tuple and no numpy dtype);
    invalid values are passed through so that sklearn itself rejects them.
    """
    kwargs = dict(params)
    if isinstance(kwargs.get("ngram_range"), list):
        kwargs["ngram_range"] = tuple(kwargs["ngram_range"])
    if isinstance(kwargs.get("dtype"), str) and kwargs["dtype"] in DTYPES:
        kwargs["dtype"] = DTYPES[kwargs["dtype"]]
    return kwargs


_MESSAGE_KINDS = (
    ("Invalid value for ngram_range", "InvalidNgramRange"),
    ("too many values to unpack", "InvalidNgramRange"),
    ("not enough values to unpack", "InvalidNgramRange"),
    ("cannot be interpreted as an integer", "InvalidNgramRange"),
    ("Duplicate term in vocabulary", "DuplicateVocabularyTerm"),
    ("Vocabulary contains repeated indices", "RepeatedVocabularyIndex"),
    ("doesn't contain index", "VocabularyIndexGap"),
    ("empty vocabulary passed to fit", "EmptyFixedVocabulary"),
    ("More than 1 capturing group", "TooManyCaptureGroups"),
    ("first argument must be string or compiled pattern", "InvalidTokenPattern"),
    ("empty vocabulary; perhaps", "EmptyVocabulary"),
    ("max_df corresponds to < documents than min_df", "MaxDfBelowMinDf"),
    ("After pruning, no terms remain", "NoTermsRemain"),
    ("Found array with 0 sample", "NoDocuments"),
    ("Input contains infinity", "NonFiniteValue"),
    ("Input contains NaN", "NonFiniteValue"),
)


def classify_error(exc: BaseException) -> str:
    """twofold's error kind for an exception raised by sklearn (§6)."""
    if isinstance(exc, InvalidParameterError):
        return "InvalidParameter"
    if isinstance(exc, re.error):
        return "InvalidTokenPattern"
    message = str(exc)
    if isinstance(exc, TypeError) and "unexpected keyword argument" in message:
        return "UnknownParameter"
    for needle, kind in _MESSAGE_KINDS:
        if needle in message:
            return kind
    raise RuntimeError(f"unclassified sklearn error {type(exc).__name__}: {message}") from exc


def encode_float(x: float) -> float | str:
    """Full-precision JSON number; non-finite values as the strings inf/-inf/nan
    (serde_json cannot read Python's Infinity/NaN literals)."""
    x = float(x)
    if math.isfinite(x):
        return x
    if math.isnan(x):
        return "nan"
    return "inf" if x > 0 else "-inf"


def encode_csr(matrix) -> dict[str, Any]:
    """A scipy CSR matrix as {shape, indptr, indices, data}, indices sorted per row,
    values as exact doubles (float32 values widen exactly)."""
    m = matrix.tocsr().sorted_indices()
    return {
        "shape": [int(m.shape[0]), int(m.shape[1])],
        "indptr": [int(i) for i in m.indptr],
        "indices": [int(i) for i in m.indices],
        "data": [encode_float(v) for v in m.data.astype(np.float64)],
    }


def run_sklearn(params: dict[str, Any], docs: list[str], queries: list[str] | None) -> dict[str, Any]:
    """Runs TfidfVectorizer like twofold's API does: fit_transform(docs), then
    transform(queries). Returns either {"error_kind", "error_message"} or
    {"vocabulary", "idf", "fit_transform", "transform", "transform_error_kind"}."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            vectorizer = TfidfVectorizer(**sklearn_kwargs(params))
            matrix = vectorizer.fit_transform(docs)
        except Exception as exc:  # noqa: BLE001 - every sklearn failure is classified
            return {"error_kind": classify_error(exc), "error_message": str(exc)}
        result: dict[str, Any] = {
            "vocabulary": [str(t) for t in vectorizer.get_feature_names_out()],
            "idf": [encode_float(v) for v in vectorizer.idf_] if vectorizer.use_idf else None,
            "fit_transform": encode_csr(matrix),
            "transform": None,
            "transform_error_kind": None,
        }
        if queries is not None:
            try:
                result["transform"] = encode_csr(vectorizer.transform(queries))
            except Exception as exc:  # noqa: BLE001
                result["transform_error_kind"] = classify_error(exc)
                result["transform_error_message"] = str(exc)
        return result


def max_features_tie(params: dict[str, Any], docs: list[str]) -> dict[str, Any] | None:
    """Whether max_features cuts through a tie of total counts (§2.8).

    Returns None when max_features does not apply (absent, invalid, fixed vocabulary
    or a fit error); else {limit, candidates, tie_at_cutoff, tied_count}.
    """
    limit = params.get("max_features")
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
        return None
    if params.get("vocabulary") is not None:
        return None
    kwargs = {k: v for k, v in sklearn_kwargs(params).items() if k not in TFIDF_ONLY_KEYS}
    kwargs.pop("max_features")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            counts = CountVectorizer(**kwargs).fit_transform(docs)
        except Exception:  # noqa: BLE001 - the real run reports the error
            return None
    totals = np.sort(np.asarray(counts.sum(axis=0)).ravel())[::-1]
    candidates = int(totals.shape[0])
    tie = limit < candidates and totals[limit - 1] == totals[limit]
    return {
        "limit": limit,
        "candidates": candidates,
        "tie_at_cutoff": bool(tie),
        "tied_count": float(totals[limit - 1]) if limit <= candidates else None,
    }
