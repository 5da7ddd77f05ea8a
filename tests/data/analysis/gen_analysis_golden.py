#!/usr/bin/env python3
"""Golden analyzer output from scikit-learn for tests/analysis_parity.rs.

    .venv/bin/python tests/data/analysis/gen_analysis_golden.py > tests/data/analysis/golden.json

Needs Python 3.11 (Unicode 14.0.0) and scikit-learn==1.9.1. Every case is
`TfidfVectorizer(**sklearn_params).build_analyzer()(text)`, stored in order,
next to the equivalent twofold `AnalyzerConfig` (serde form).
"""
import json
import random
import re
import sys
import unicodedata
import warnings

import sklearn
from sklearn.feature_extraction.text import TfidfVectorizer

PROBES = [
    "",
    "   ",
    "\t\n \u00a0\u3000",
    "a",
    "a b c",
    "The quick brown fox jumps over the lazy dog.",
    "cafe\u0301 nai\u0308ve re\u0301sume\u0301",
    "café naïve résumé Ångström",
    "İstanbul Iğdır ıstanbul ΟΔΟΣ ΣΑΣ Σ ẞ \u212a",
    "हिन्दी भाषा नमस्ते क्षत्रिय",
    "ภาษาไทยไม่มีช่องว่าง",
    "שָׁלוֹם עוֹלָם",
    "مُحَمَّد رَسُول",
    "x² h₂o km² met¹⁴⁹ ¹²³ ㉑㉒ ፩፪፫ ½ ¾",
    "ⓐⓑⓒ 🅐🅑 Ⓐbc",
    "foo‿bar full＿width x⁔y",
    "می\u200cخواهم a\u200db",
    "1️⃣2️⃣ a︎b #️⃣",
    "file\x1cgroup\x1drecord\x1eunit\x1fend",
    "中文分词 日本語のテキスト 한국어 텍스트",
    "٠١٢ ٣٤ ०१२ ३४ ๑๒",
    "snake_case __dunder__ _x_ a_",
    "don't won't it's 'quoted' rock'n'roll",
    "emoji 👍🏽 😀😀 🇫🇷 👨‍👩‍👧",
    "x" * 300,
    "tab\tseparated\tvalues\nnew line\r\nwindows",
    "a\u00a0b nbsp\u2007figure\u202fnarrow",
    "ℌello ™ 🄰bc ᴬᴮ ﬁancé",
    "user@example.com me@host you@there",
    "e-mail co-operate state-of-the-art",
    "3.14 1,000 10% $5 #tag @user",
    "a  b   c\t\td",
    " leading and trailing ",
    "x*y xxx axbxx",
    "HELLO World MiXeD",
    "straße łódź øre æble",
    "Ǆ ǅ ǆ ﬀ ﬃ",
    "\u034f\u0301a\u0301",
    "line1\nline2\nline3",
    "the cat and the hat",
]

POOLS = [
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_",
    "éèêëàâäîïôöùûüçñÉÀÇ",
    "\u0301\u0308\u0327\u094d\u093f\u0e34\u05b8\u064e\u0651\u200c\u200d\ufe0f\u20e3",
    "²³¹⁴₂½¾①㉑፩",
    "中文日本語한국어",
    "ภาษาไทย",
    "हिन्दीभाषा",
    "مرحبا",
    " \t\n\u00a0\u3000\x1c\x1d\x1e\x1f",
    " " * 10,
    ".,;:!?'\"-()[]{}@#$%&*/\\",
    "‿＿⁔ⓐⓑ🅐",
    "👍🏽😀🇫🇷",
    "İıΣσςẞK",
]


def random_strings(n, seed=7):
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        length = rng.randint(1, 60)
        s = "".join(rng.choice(rng.choice(POOLS)) for _ in range(length))
        assert all(unicodedata.category(c) != "Cn" for c in s)
        out.append(s)
    return out


DEFAULT_PATTERN = r"(?u)\b\w\w+\b"


def config(**kw):
    """(sklearn kwargs, twofold AnalyzerConfig) for the same analyzer."""
    stop = kw.get("stop_words")
    if stop is None:
        stop_tf = "None"
    elif stop == "english":
        stop_tf = "English"
    else:
        stop_tf = {"Custom": list(stop)}
    twofold = {
        "lowercase": kw.get("lowercase", True),
        "strip_accents": kw.get("strip_accents"),
        "token_pattern": kw.get("token_pattern", DEFAULT_PATTERN),
        "stop_words": stop_tf,
        "ngram_range": list(kw.get("ngram_range", (1, 1))),
        "analyzer": kw.get("analyzer", "word"),
        "stemmer": None,
        "tokenizer": "pattern",
    }
    return kw, twofold


CONFIGS = {
    "default": config(),
    "no_lowercase": config(lowercase=False),
    "strip_ascii": config(strip_accents="ascii"),
    "strip_unicode": config(strip_accents="unicode"),
    "strip_unicode_no_lowercase": config(strip_accents="unicode", lowercase=False),
    "stop_english": config(stop_words="english"),
    "stop_custom": config(stop_words=["cat", "café", "the", "x²"]),
    "ngram_1_2": config(ngram_range=(1, 2)),
    "ngram_2_3_stop": config(ngram_range=(2, 3), stop_words="english"),
    "char_1_3": config(analyzer="char", ngram_range=(1, 3)),
    "char_2_4_unicode": config(analyzer="char", ngram_range=(2, 4), strip_accents="unicode"),
    "char_wb_1_3": config(analyzer="char_wb", ngram_range=(1, 3)),
    "char_wb_3_5": config(analyzer="char_wb", ngram_range=(3, 5)),
    "char_wb_4_5": config(analyzer="char_wb", ngram_range=(4, 5)),
    "pattern_plain_default": config(token_pattern=r"\b\w\w+\b"),
    "pattern_word1": config(token_pattern=r"(?u)\b\w+\b"),
    "pattern_ascii_apostrophe": config(token_pattern=r"[A-Za-z]+(?:'[a-z]+)?", lowercase=False),
    "pattern_group_at": config(token_pattern=r"(\w+)@"),
    "pattern_optional_group": config(token_pattern=r"(x)?\w+"),
    "pattern_nonspace": config(token_pattern=r"\S+"),
    "pattern_word_star": config(token_pattern=r"\w*"),
    "pattern_x_star_or_y": config(token_pattern=r"x*|y"),
    "pattern_digits": config(token_pattern=r"\d+"),
    "pattern_letters_only": config(token_pattern=r"[^\W\d_]+"),
    "pattern_hyphenated": config(token_pattern=r"\w+(?:-\w+)*"),
    "pattern_nonword_boundary": config(token_pattern=r"\B\w+"),
    "pattern_multiline": config(token_pattern=r"(?m)^\w+|\w+$"),
    "pattern_space_class": config(token_pattern=r"[\s\d]+"),
    "pattern_end_anchor": config(token_pattern=r"\w+$"),
    "pattern_abs_end": config(token_pattern=r"\w+\Z"),
    "pattern_start_anchor": config(token_pattern=r"^\w+"),
    "pattern_apostrophe_class": config(token_pattern=r"[\w']+"),
    "pattern_lazy": config(token_pattern=r"\w+?"),
    "pattern_dotall": config(token_pattern=r"(?s).{1,3}", lowercase=False),
    "pattern_dot": config(token_pattern=r".{2}"),
    "pattern_nonword": config(token_pattern=r"\W+"),
    "pattern_nondigit": config(token_pattern=r"\D+"),
    "pattern_not_space_class": config(token_pattern=r"[^\s]+"),
    "pattern_hex_escape": config(token_pattern=r"\x61\w*"),
    "pattern_named_group": config(token_pattern=r"(?P<first>\w)\w*"),
    "pattern_alternation": config(token_pattern=r"(?:\d+|\w)"),
    "pattern_lookahead": config(token_pattern=r"\w(?=\d)"),
    "pattern_lookbehind": config(token_pattern=r"(?<=@)\w+"),
    "pattern_atomic": config(token_pattern=r"(?>\w+)"),
    "pattern_possessive": config(token_pattern=r"\w++"),
    "pattern_brace_min_omitted": config(token_pattern=r"x{,2}"),
    "pattern_literal_bracket": config(token_pattern=r"[[a]+"),
    "pattern_at_least_two": config(token_pattern=r"\b\w{2,}\b"),
    "pattern_optional_possessive": config(token_pattern=r"x?+y*"),
    "pattern_backref": config(token_pattern=r"(\w)\1"),
    "pattern_non_boundary_only": config(token_pattern=r"\B"),
    "pattern_literal_brace": config(token_pattern=r"\w{x}|\w+"),
}

# Patterns for the error cases: does Python's `re` accept them, and how many groups?
ERROR_PATTERNS = [
    "(", "[a", "\\", r"\p{L}", r"\z", r"\G", r"\K", "(?<name>a)", "a**", "[z-a]", r"\x4",
    "a(?u)", "(?P<1>a)", "(a)(b)", "(?P<x>a)(b)", "((a))", "(?:a)(b)(?=c)",
]


def main():
    if sys.version_info[:2] != (3, 11) or unicodedata.unidata_version != "14.0.0":
        sys.exit("run with Python 3.11 (Unicode 14.0.0)")
    warnings.simplefilter("ignore")
    texts = PROBES + random_strings(40)
    cases = []
    for name, (kw, twofold) in CONFIGS.items():
        analyze = TfidfVectorizer(**kw).build_analyzer()
        for text in texts:
            if kw.get("analyzer", "word") != "word" and len(text) > 120:
                continue
            cases.append({"config": name, "text": text, "terms": analyze(text)})
    errors = []
    for p in ERROR_PATTERNS:
        try:
            groups = re.compile(p).groups
            errors.append({"pattern": p, "python": "ok" if groups <= 1 else "too_many_groups"})
        except re.error:
            errors.append({"pattern": p, "python": "re.error"})
    out = {
        "meta": {
            "python": sys.version.split()[0],
            "unicode": unicodedata.unidata_version,
            "sklearn": sklearn.__version__,
        },
        "configs": {name: twofold for name, (kw, twofold) in CONFIGS.items()},
        "cases": cases,
        "pattern_errors": errors,
    }
    json.dump(out, sys.stdout, ensure_ascii=False, indent=0)
    print()


if __name__ == "__main__":
    main()
