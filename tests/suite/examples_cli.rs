//! Runs the `build_index`, `search` and `recommend` example binaries on the
//! shipped sample (`examples/data/faq.jsonl`) and on small corpora written
//! here (a directory of `.md`/`.txt` files, a CSV, JSONL with vectors, an
//! `.npy`), and checks their output against the library and their errors.
//!
//! `cargo test` builds the examples; the binaries are found next to this
//! test's own (`target/<profile>/examples/`). When they are absent (e.g.
//! `cargo test --test suite -- examples_cli::` on a fresh target dir) each test prints a
//! line and returns. Note that `--test suite` alone does not rebuild
//! the examples: run `cargo build --examples` first after changing them.

use crate::example_bin;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use example_bin::example;
use serde_json::Value;
use twofold::index::{Document, Index, MetaValue};

const FAQ: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/data/faq.jsonl");

/// Runs example `name` with `args`; `None` when the binary is absent.
fn run(name: &str, args: &[&str]) -> Option<Output> {
    let binary = example(name)?;
    let output = Command::new(binary)
        .args(args)
        .env_remove("TWOFOLD_MODEL")
        .output()
        .expect("the example binary runs");
    Some(output)
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Asserts success and returns the last stdout line parsed as JSON.
fn last_json(output: &Output) -> Value {
    assert!(
        output.status.success(),
        "failed: {}\nstdout: {}",
        stderr(output),
        stdout(output)
    );
    let text = stdout(output);
    let last = text.lines().last().expect("some stdout");
    serde_json::from_str(last).unwrap_or_else(|e| panic!("last line {last:?} is not JSON: {e}"))
}

/// Asserts a failure with exactly one stderr line, `error: ...`, no panic;
/// returns that line.
fn one_error_line(output: &Output) -> String {
    assert!(
        !output.status.success(),
        "unexpected success: {}",
        stdout(output)
    );
    assert_eq!(output.status.code(), Some(1), "exit code for bad input");
    let err = stderr(output);
    assert!(!err.contains("panicked"), "panic: {err}");
    let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "one stderr line expected, got {err:?}");
    assert!(lines[0].starts_with("error: "), "got {:?}", lines[0]);
    lines[0].to_string()
}

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("utf-8 temp path")
}

/// Builds the FAQ sample into `dir/faq.twofold`; `None` when binaries are absent.
fn build_faq(dir: &Path) -> Option<(PathBuf, Value)> {
    let out = dir.join("faq.twofold");
    let output = run(
        "build_index",
        &[
            "--input",
            FAQ,
            "--text-field",
            "answer",
            "--title-field",
            "question",
            "--meta-field",
            "category",
            "--out",
            path_str(&out),
            "--json",
        ],
    )?;
    let summary = last_json(&output);
    Some((out, summary))
}

/// The FAQ sample as the library sees it with the same fields.
fn faq_documents() -> Vec<Document> {
    std::fs::read_to_string(FAQ)
        .expect("faq.jsonl")
        .lines()
        .map(|line| {
            let v: Value = serde_json::from_str(line).expect("sample JSON");
            Document::new(v["id"].as_str().expect("id"))
                .title(v["question"].as_str().expect("question"))
                .body(v["answer"].as_str().expect("answer"))
                .meta("category", v["category"].as_str().expect("category"))
        })
        .collect()
}

fn faq_question(id: &str) -> String {
    faq_documents()
        .into_iter()
        .find(|d| d.key == id.into())
        .map(|d| d.title)
        .expect("id in sample")
}

#[test]
fn build_index_summary_matches_the_library() {
    let dir = tmp();
    let Some((out, summary)) = build_faq(dir.path()) else {
        return;
    };
    let expected = Index::builder()
        .build(faq_documents())
        .expect("library build");
    assert_eq!(summary["documents"], 150);
    assert_eq!(summary["terms"], expected.n_terms() as u64);
    assert_eq!(summary["nnz"], expected.nnz() as u64);
    assert_eq!(summary["vectors"], 0);
    assert_eq!(summary["dim"], Value::Null);
    let on_disk = std::fs::metadata(&out).expect("snapshot written").len();
    assert_eq!(summary["file_bytes"], on_disk);

    let loaded = Index::load(&out).expect("snapshot loads");
    let doc = loaded.get(&"faq-003".into()).expect("faq-003");
    assert_eq!(doc.title, faq_question("faq-003"));
    assert_eq!(
        doc.metadata.get("category"),
        Some(&MetaValue::Str("prescriptions".into()))
    );
}

#[test]
fn search_finds_the_copied_question_and_explains() {
    let dir = tmp();
    let Some((index, _)) = build_faq(dir.path()) else {
        return;
    };
    let question = faq_question("faq-003");
    let Some(output) = run(
        "search",
        &[
            "--index",
            path_str(&index),
            "--query",
            &question,
            "--k",
            "3",
            "--explain",
            "--json",
        ],
    ) else {
        return;
    };
    let answer = last_json(&output);
    assert_eq!(answer["mode"], "sparse");
    let hits = answer["hits"].as_array().expect("hits");
    assert_eq!(hits.len(), 3);
    assert_eq!(hits[0]["id"], "faq-003");
    assert_eq!(hits[0]["title"], question.as_str());
    let matched = hits[0]["explanation"]["matched_terms"]
        .as_array()
        .expect("terms");
    assert!(
        matched.iter().any(|t| t["term"] == "transfer"),
        "{matched:?}"
    );
    let sum: f64 = matched
        .iter()
        .map(|t| t["contribution"].as_f64().expect("f64"))
        .sum();
    let sparse = hits[0]["sparse_score"].as_f64().expect("sparse score");
    assert!(
        (sum - sparse).abs() < 1e-9,
        "contributions {sum} vs cosine {sparse}"
    );
    assert!(
        stdout(&output).contains("   1  faq-003"),
        "text output lists the hit"
    );
}

#[test]
fn search_filters_and_reads_query_files() {
    let dir = tmp();
    let Some((index, _)) = build_faq(dir.path()) else {
        return;
    };
    let queries = dir.path().join("queries.txt");
    std::fs::write(&queries, "how do I pay\n\nrefill my prescription\n").expect("write");
    let Some(output) = run(
        "search",
        &[
            "--index",
            path_str(&index),
            "--queries",
            path_str(&queries),
            "--filter",
            "category=refills",
            "--json",
        ],
    ) else {
        return;
    };
    let answers = last_json(&output);
    let answers = answers.as_array().expect("one answer per query");
    assert_eq!(answers.len(), 2);
    let loaded = Index::load(&index).expect("load");
    let hits = answers[1]["hits"].as_array().expect("hits");
    assert!(!hits.is_empty());
    for hit in hits {
        let doc = loaded
            .get(&hit["id"].as_str().expect("id").into())
            .expect("doc");
        assert_eq!(doc.metadata["category"], MetaValue::Str("refills".into()));
    }
}

#[test]
fn recommend_excludes_the_examples_and_returns_k() {
    let dir = tmp();
    let Some((index, _)) = build_faq(dir.path()) else {
        return;
    };
    let Some(output) = run(
        "recommend",
        &[
            "--index",
            path_str(&index),
            "--id",
            "faq-003",
            "--k",
            "5",
            "--json",
        ],
    ) else {
        return;
    };
    let items = last_json(&output)["items"]
        .as_array()
        .expect("items")
        .clone();
    let ids: Vec<&str> = items
        .iter()
        .map(|i| i["id"].as_str().expect("id"))
        .collect();
    assert_eq!(ids.len(), 5);
    assert!(!ids.contains(&"faq-003"));
    // faq-004 is the reverse transfer question: the closest item.
    assert_eq!(ids[0], "faq-004");

    let Some(output) = run(
        "recommend",
        &[
            "--index",
            path_str(&index),
            "--id",
            "faq-003",
            "--id",
            "faq-004",
            "--negative",
            "faq-045",
            "--k",
            "4",
            "--diversity",
            "0.5",
            "--json",
        ],
    ) else {
        return;
    };
    let items = last_json(&output)["items"]
        .as_array()
        .expect("items")
        .clone();
    assert_eq!(items.len(), 4);
    for item in &items {
        assert!(!["faq-003", "faq-004", "faq-045"].contains(&item["id"].as_str().expect("id")));
    }
}

#[test]
fn builds_a_directory_of_text_files() {
    let dir = tmp();
    let docs = dir.path().join("docs");
    std::fs::create_dir_all(docs.join("sub")).expect("mkdir");
    std::fs::create_dir_all(docs.join(".hidden")).expect("mkdir");
    std::fs::write(
        docs.join("intro.md"),
        "Some words.\n# Getting started\nInstall it.\n",
    )
    .expect("write");
    std::fs::write(docs.join("plain.md"), "No heading, just zebras.\n").expect("write");
    std::fs::write(docs.join("sub/pets.txt"), "Cats and dogs and parrots.\n").expect("write");
    std::fs::write(docs.join("skip.bin"), "not text").expect("write");
    std::fs::write(docs.join(".hidden/secret.md"), "hidden").expect("write");
    let out = dir.path().join("docs.twofold");
    let Some(output) = run(
        "build_index",
        &[
            "--input",
            path_str(&docs),
            "--out",
            path_str(&out),
            "--json",
        ],
    ) else {
        return;
    };
    assert_eq!(last_json(&output)["documents"], 3);
    let index = Index::load(&out).expect("load");
    let keys: Vec<String> = index.keys().map(ToString::to_string).collect();
    assert_eq!(keys, ["\"intro.md\"", "\"plain.md\"", "\"sub/pets.txt\""]);
    let title = |k: &str| index.get(&k.into()).expect("doc").title;
    assert_eq!(title("intro.md"), "Getting started");
    assert_eq!(title("plain.md"), "plain");
    assert_eq!(title("sub/pets.txt"), "pets");

    let Some(output) = run(
        "search",
        &["--index", path_str(&out), "--query", "parrots", "--json"],
    ) else {
        return;
    };
    assert_eq!(last_json(&output)["hits"][0]["id"], "sub/pets.txt");
}

#[test]
fn builds_a_csv_with_quoted_fields_and_metadata() {
    let dir = tmp();
    let csv = dir.path().join("items.csv");
    std::fs::write(
        &csv,
        "id,name,description,kind\n\
         1,Red apple,\"A crisp apple, red and sweet\",fruit\n\
         2,Banana,A yellow banana,fruit\n\
         3,Carrot,\"An orange carrot\nfrom the garden\",vegetable\n",
    )
    .expect("write");
    let out = dir.path().join("items.twofold");
    let Some(output) = run(
        "build_index",
        &[
            "--input",
            path_str(&csv),
            "--text-field",
            "description",
            "--title-field",
            "name",
            "--meta-field",
            "kind",
            "--out",
            path_str(&out),
            "--json",
        ],
    ) else {
        return;
    };
    assert_eq!(last_json(&output)["documents"], 3);
    let index = Index::load(&out).expect("load");
    let apple = index.get(&"1".into()).expect("row 1");
    assert_eq!(apple.title, "Red apple");
    assert_eq!(apple.body, "A crisp apple, red and sweet");
    assert_eq!(apple.metadata["kind"], MetaValue::Str("fruit".into()));
    assert_eq!(
        index.get(&"3".into()).expect("row 3").body,
        "An orange carrot\nfrom the garden"
    );

    let Some(output) = run(
        "search",
        &[
            "--index",
            path_str(&out),
            "--query",
            "orange",
            "--filter",
            "kind=fruit",
            "--json",
        ],
    ) else {
        return;
    };
    assert_eq!(last_json(&output)["hits"], Value::Array(Vec::new()));
}

/// Writes a float32 C-order `.npy` file.
fn write_npy(path: &Path, rows: usize, dim: usize, data: &[f32]) {
    let mut header =
        format!("{{'descr': '<f4', 'fortran_order': False, 'shape': ({rows}, {dim}), }}")
            .into_bytes();
    let unpadded = 10 + header.len() + 1;
    header.extend(std::iter::repeat_n(b' ', (64 - unpadded % 64) % 64));
    header.push(b'\n');
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend((header.len() as u16).to_le_bytes());
    bytes.extend(header);
    bytes.extend(data.iter().flat_map(|x| x.to_le_bytes()));
    std::fs::write(path, bytes).expect("write npy");
}

fn small_jsonl(dir: &Path, vectors: bool) -> PathBuf {
    let lines = [
        (
            r#""id":"a","text":"red apples and pears""#,
            "[1.0, 0.0, 0.0]",
        ),
        (r#""id":"b","text":"green pears""#, "[0.0, 1.0, 0.0]"),
        (r#""id":"c","text":"blue berries""#, "[0.0, 0.0, 1.0]"),
    ];
    let text: String = lines
        .iter()
        .map(|(fields, v)| match vectors {
            true => format!("{{{fields},\"v\":{v}}}\n"),
            false => format!("{{{fields}}}\n"),
        })
        .collect();
    let path = dir.join("small.jsonl");
    std::fs::write(&path, text).expect("write");
    path
}

#[test]
fn vectors_from_a_field_or_npy_make_hybrid_search_possible() {
    let dir = tmp();
    let input = small_jsonl(dir.path(), true);
    let out = dir.path().join("v.twofold");
    let Some(output) = run(
        "build_index",
        &[
            "--input",
            path_str(&input),
            "--vector-field",
            "v",
            "--out",
            path_str(&out),
            "--json",
        ],
    ) else {
        return;
    };
    let summary = last_json(&output);
    assert_eq!(
        (summary["vectors"].clone(), summary["dim"].clone()),
        (3.into(), 3.into())
    );

    // Text only: sparse, and the output says vectors exist.
    let Some(output) = run(
        "search",
        &["--index", path_str(&out), "--query", "pears", "--json"],
    ) else {
        return;
    };
    let answer = last_json(&output);
    assert_eq!(answer["mode"], "sparse");
    assert!(
        answer["notes"].to_string().contains("3 vectors"),
        "{answer}"
    );

    // With a query vector: hybrid, and the vector pulls "c" in.
    let Some(output) = run(
        "search",
        &[
            "--index",
            path_str(&out),
            "--query",
            "pears",
            "--vector",
            "[0, 0, 1]",
            "--json",
        ],
    ) else {
        return;
    };
    let answer = last_json(&output);
    assert_eq!(answer["mode"], "hybrid");
    let ids: Vec<&str> = answer["hits"]
        .as_array()
        .expect("hits")
        .iter()
        .map(|h| h["id"].as_str().expect("id"))
        .collect();
    assert!(ids.contains(&"c"), "{ids:?}");

    let plain = small_jsonl(dir.path(), false);
    let npy = dir.path().join("v.npy");
    write_npy(&npy, 3, 2, &[1.0, 0.0, 0.0, 1.0, 1.0, 1.0]);
    let Some(output) = run(
        "build_index",
        &[
            "--input",
            path_str(&plain),
            "--vectors",
            path_str(&npy),
            "--out",
            path_str(&out),
            "--json",
        ],
    ) else {
        return;
    };
    let summary = last_json(&output);
    assert_eq!(
        (summary["vectors"].clone(), summary["dim"].clone()),
        (3.into(), 2.into())
    );
    let index = Index::load(&out).expect("load");
    let b = index.get(&"b".into()).expect("b").vector.expect("vector");
    assert_eq!(b, [0.0, 1.0]);
}

/// Runs `name` with `args` and returns its single `error:` line.
fn error_of(name: &str, args: &[&str]) -> Option<String> {
    run(name, args).map(|output| one_error_line(&output))
}

#[test]
fn bad_corpus_lines_are_errors_naming_file_and_line() {
    let dir = tmp();
    let out = dir.path().join("x.twofold");
    let out = path_str(&out);
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).expect("write");
        path
    };
    let cases: [(&str, &str, &[&str], &str); 6] = [
        (
            "bad.jsonl",
            "{\"id\":\"a\",\"text\":\"x\"}\n{oops\n",
            &[],
            "bad.jsonl:2: bad JSON",
        ),
        (
            "dup.jsonl",
            "{\"id\":\"a\",\"text\":\"x\"}\n\n{\"id\":\"a\",\"text\":\"y\"}\n",
            &[],
            "dup.jsonl:3: duplicate id \"a\" (first on line 1)",
        ),
        (
            "notext.jsonl",
            "{\"id\":\"a\",\"body\":\"x\"}\n",
            &[],
            "notext.jsonl:1: no text field \"text\"",
        ),
        (
            "noid.jsonl",
            "{\"key\":\"a\",\"text\":\"x\"}\n",
            &["--id-field", "key2"],
            "noid.jsonl:1: no id field \"key2\"",
        ),
        (
            "len.jsonl",
            "{\"text\":\"x\",\"v\":[1,2]}\n{\"text\":\"y\",\"v\":[1]}\n",
            &["--vector-field", "v"],
            "len.jsonl:2: vector has 1 components, the one on line 1 has 2",
        ),
        (
            "meta.jsonl",
            "{\"text\":\"x\",\"m\":{\"a\":1}}\n",
            &["--meta-field", "m"],
            "meta.jsonl:1: metadata \"m\": objects are not supported",
        ),
    ];
    for (name, text, extra, expected) in cases {
        let input = write(name, text);
        let mut args = vec!["--input", path_str(&input), "--out", out];
        args.extend_from_slice(extra);
        let Some(line) = error_of("build_index", &args) else {
            return;
        };
        assert!(line.contains(expected), "{name}: {line}");
    }
    assert!(!Path::new(out).exists(), "no snapshot after a failed build");
}

#[test]
fn bad_inputs_give_one_error_line() {
    let dir = tmp();
    let out = dir.path().join("x.twofold");
    let out = path_str(&out);
    let missing = dir.path().join("missing.jsonl");
    let Some(line) = error_of(
        "build_index",
        &["--input", path_str(&missing), "--out", out],
    ) else {
        return;
    };
    assert!(line.contains("missing.jsonl"), "{line}");

    let input = small_jsonl(dir.path(), false);
    let npy = dir.path().join("two.npy");
    write_npy(&npy, 2, 2, &[1.0, 0.0, 0.0, 1.0]);
    let line = error_of(
        "build_index",
        &[
            "--input",
            path_str(&input),
            "--vectors",
            path_str(&npy),
            "--out",
            out,
        ],
    );
    let line = line.expect("binary present");
    assert!(line.contains("2 vector rows for 3 documents"), "{line}");

    let txt = dir.path().join("corpus.xml");
    std::fs::write(&txt, "<x/>").expect("write");
    let line = error_of("build_index", &["--input", path_str(&txt), "--out", out]);
    assert!(line.expect("binary present").contains("unsupported input"));

    #[cfg(not(feature = "embed"))]
    {
        let line = error_of(
            "build_index",
            &[
                "--input",
                path_str(&input),
                "--model",
                "models/x",
                "--out",
                out,
            ],
        );
        assert!(line.expect("binary present").contains("--features embed"));
    }

    let line = error_of("search", &["--index", path_str(&missing), "--query", "x"]);
    assert!(line.expect("binary present").contains("missing.jsonl"));
    let not_a_snapshot = error_of("search", &["--index", path_str(&input), "--query", "x"]);
    assert!(not_a_snapshot.is_some());
}

#[test]
fn unknown_ids_and_bad_vectors_are_named() {
    let dir = tmp();
    let Some((index, _)) = build_faq(dir.path()) else {
        return;
    };
    let index = path_str(&index);
    let line = error_of(
        "recommend",
        &[
            "--index",
            index,
            "--id",
            "faq-003",
            "--negative",
            "no-such-id",
        ],
    );
    assert!(line.expect("binary present").contains("\"no-such-id\""));
    let line = error_of(
        "search",
        &["--index", index, "--query", "x", "--vector", "[1, oops]"],
    );
    assert!(line.expect("binary present").contains("--vector"));
    let line = error_of(
        "search",
        &["--index", index, "--query", "x", "--mode", "dense"],
    );
    assert!(line.expect("binary present").contains("dense mode needs"));
}

#[test]
fn usage_errors_are_one_line_and_help_works() {
    let Some(output) = run("search", &["--index", "x.twofold"]) else {
        return;
    };
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    assert_eq!(err.lines().count(), 1, "{err:?}");
    assert!(
        err.starts_with("error: ") && err.contains("--query"),
        "{err}"
    );

    for name in ["build_index", "search", "recommend"] {
        let Some(output) = run(name, &["--help"]) else {
            return;
        };
        assert!(output.status.success());
        assert!(stdout(&output).contains("--json"), "{name} --help");
    }
}

#[test]
fn jsonl_fields_line_number_ids_and_metadata_types() {
    let dir = tmp();
    let input = dir.path().join("notes.jsonl");
    // Saved as Windows tools save it: a byte-order mark, CRLF line ends.
    std::fs::write(
        &input,
        "\u{feff}{\"title\":\"T1\",\"q\":\"alpha\",\"a\":\"beta\",\"year\":2024,\"ok\":true,\"tags\":[\"x\",\"y\"]}\r\n\
         \r\n\
         {\"q\":\"gamma\",\"a\":\"delta\",\"year\":2020,\"ok\":false,\"tags\":[]}\r\n",
    )
    .expect("write");
    let out = dir.path().join("notes.twofold");
    let mut args = vec!["--input", path_str(&input), "--out", path_str(&out)];
    args.extend([
        "--text-field",
        "q",
        "--text-field",
        "a",
        "--meta-field",
        "year",
        "--meta-field",
        "ok",
        "--meta-field",
        "tags",
        "--json",
    ]);
    let Some(output) = run("build_index", &args) else {
        return;
    };
    assert_eq!(last_json(&output)["documents"], 2);
    let index = Index::load(&out).expect("load");
    // No `id` field: ids are the (1-based, physical) line numbers.
    let first = index.get(&"1".into()).expect("line 1");
    assert_eq!(
        (first.title.as_str(), first.body.as_str()),
        ("T1", "alpha\nbeta")
    );
    assert_eq!(first.metadata["year"], MetaValue::Num(2024.0));
    assert_eq!(first.metadata["ok"], MetaValue::Str("true".into()));
    assert_eq!(
        first.metadata["tags"],
        MetaValue::Tags(vec!["x".into(), "y".into()])
    );
    let third = index.get(&"3".into()).expect("line 3");
    assert_eq!(
        (third.title.as_str(), third.body.as_str()),
        ("", "gamma\ndelta")
    );

    let Some(output) = run(
        "search",
        &[
            "--index",
            path_str(&out),
            "--query",
            "alpha gamma",
            "--filter",
            "tags=y",
            "--json",
        ],
    ) else {
        return;
    };
    let hits = last_json(&output)["hits"].clone();
    assert_eq!(hits.as_array().map(Vec::len), Some(1));
    assert_eq!(hits[0]["id"], "1");
}

#[test]
fn params_json_configures_the_sparse_side() {
    let dir = tmp();
    let params = dir.path().join("params.json");
    let json = r#"{"ngram_range": [1, 2], "min_df": 2}"#;
    std::fs::write(&params, json).expect("write");
    let out = dir.path().join("p.twofold");
    let Some(output) = run(
        "build_index",
        &[
            "--input",
            FAQ,
            "--text-field",
            "answer",
            "--title-field",
            "question",
            "--params",
            path_str(&params),
            "--out",
            path_str(&out),
            "--json",
        ],
    ) else {
        return;
    };
    let summary = last_json(&output);
    let config = twofold::index::IndexConfig {
        tfidf: twofold::tfidf::TfidfParams::from_json(json).expect("params"),
        ..Default::default()
    };
    let expected = Index::builder()
        .config(config)
        .build(faq_documents())
        .expect("library build");
    assert_eq!(summary["terms"], expected.n_terms() as u64);
    assert_eq!(summary["nnz"], expected.nnz() as u64);

    std::fs::write(&params, r#"{"ngram_range": [2, 1]}"#).expect("write");
    let line = error_of(
        "build_index",
        &[
            "--input",
            FAQ,
            "--text-field",
            "answer",
            "--params",
            path_str(&params),
            "--out",
            path_str(&out),
        ],
    );
    let line = line.expect("binary present");
    assert!(
        line.contains("params.json") && line.contains("ngram_range"),
        "{line}"
    );
}

/// With the `embed` feature and a local all-MiniLM-L6-v2 (`TWOFOLD_MODEL`, else
/// `models/all-MiniLM-L6-v2`): a model-built index answers a paraphrase in
/// hybrid mode; without the model the same index runs sparse and says so.
#[cfg(feature = "embed")]
#[test]
fn model_builds_vectors_and_answers_hybrid() {
    let model = std::env::var_os("TWOFOLD_MODEL")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/models/all-MiniLM-L6-v2"
            ))
        });
    if !model.join("model.safetensors").exists() {
        println!("skipping: no model at {}", model.display());
        return;
    }
    let model = path_str(&model).to_string();
    let dir = tmp();
    let out = dir.path().join("faq-model.twofold");
    let Some(output) = run(
        "build_index",
        &[
            "--input",
            FAQ,
            "--text-field",
            "answer",
            "--title-field",
            "question",
            "--model",
            &model,
            "--out",
            path_str(&out),
            "--json",
        ],
    ) else {
        return;
    };
    let summary = last_json(&output);
    assert_eq!(
        (summary["vectors"].clone(), summary["dim"].clone()),
        (150.into(), 384.into())
    );

    let query = "switch my prescription to Larkspur from my old pharmacy";
    let args = [
        "--index",
        path_str(&out),
        "--query",
        query,
        "--k",
        "3",
        "--json",
    ];
    let Some(output) = run("search", &[&args[..], &["--model", &model]].concat()) else {
        return;
    };
    let answer = last_json(&output);
    assert_eq!(answer["mode"], "hybrid");
    let top: Vec<&str> = answer["hits"]
        .as_array()
        .expect("hits")
        .iter()
        .map(|h| h["id"].as_str().expect("id"))
        .collect();
    assert!(top.contains(&"faq-003"), "{top:?}");

    let Some(output) = run("search", &args) else {
        return;
    };
    let answer = last_json(&output);
    assert_eq!(answer["mode"], "sparse");
    assert!(
        answer["notes"].to_string().contains("150 vectors"),
        "{answer}"
    );
}
