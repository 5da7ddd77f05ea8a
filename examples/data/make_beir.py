#!/usr/bin/env python3
"""Regenerate the BEIR-layout copy of the Larkspur Pharmacy FAQ sample data.

Reads faq.jsonl and faq_queries.jsonl (next to this script) and writes
faq_beir/corpus.jsonl, faq_beir/queries.jsonl and faq_beir/qrels.tsv.

    python3 examples/data/make_beir.py
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def main():
    faq = read_jsonl(os.path.join(HERE, "faq.jsonl"))
    queries = read_jsonl(os.path.join(HERE, "faq_queries.jsonl"))
    faq_ids = {e["id"] for e in faq}

    out = os.path.join(HERE, "faq_beir")
    os.makedirs(out, exist_ok=True)

    # Corpus: one document per FAQ entry, text = the stored question.
    with open(os.path.join(out, "corpus.jsonl"), "w", encoding="utf-8") as f:
        for e in faq:
            doc = {"id": e["id"], "title": "", "text": e["question"]}
            f.write(json.dumps(doc, ensure_ascii=False) + "\n")

    # Queries: all of them, including those with no expected entry.
    with open(os.path.join(out, "queries.jsonl"), "w", encoding="utf-8") as f:
        for q in queries:
            f.write(json.dumps({"id": q["id"], "text": q["text"]}, ensure_ascii=False) + "\n")

    # Qrels: only queries that have an expected entry.
    n_qrels = 0
    with open(os.path.join(out, "qrels.tsv"), "w", encoding="utf-8") as f:
        f.write("query-id\tcorpus-id\tscore\n")
        for q in queries:
            exp = q.get("expected")
            if exp is None:
                continue
            if exp not in faq_ids:
                sys.exit(f"{q['id']}: expected id {exp} not in faq.jsonl")
            f.write(f"{q['id']}\t{exp}\t1\n")
            n_qrels += 1

    print(f"corpus: {len(faq)} docs, queries: {len(queries)}, qrels: {n_qrels}")


if __name__ == "__main__":
    main()
