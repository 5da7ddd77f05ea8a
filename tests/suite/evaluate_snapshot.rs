//! `evaluate --snapshot` end to end (issue 5): the first run builds and saves
//! (`build_s`), the second loads (`load_s`) and reports the same metrics; a
//! corrupt or foreign file is one `error:` line on stderr and a non-zero exit.
//!
//! Runs the example binary that `cargo test` builds next to the test binaries
//! (`target/<profile>/examples/evaluate`); skips with a printed line when it
//! is absent (e.g. `cargo test --test suite -- evaluate_snapshot::` alone does not build
//! examples).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn evaluate_binary() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    // target/<profile>/deps/<test binary> -> target/<profile>/examples/evaluate
    let profile_dir = exe.parent()?.parent()?;
    let binary = profile_dir
        .join("examples")
        .join(format!("evaluate{}", std::env::consts::EXE_SUFFIX));
    binary.is_file().then_some(binary)
}

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/data/faq_beir")
}

fn run(binary: &Path, snapshot: &Path) -> Output {
    Command::new(binary)
        .arg("--data")
        .arg(data_dir())
        .arg("--json")
        .arg("--snapshot")
        .arg(snapshot)
        .output()
        .expect("the evaluate example runs")
}

/// The JSON object on the last stdout line of a successful run.
fn report(output: &Output) -> serde_json::Map<String, Value> {
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "evaluate failed: {}\n{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );
    let last = stdout.lines().last().expect("some output");
    match serde_json::from_str(last) {
        Ok(Value::Object(map)) => map,
        other => panic!("last line is not a JSON object: {last:?} ({other:?})"),
    }
}

/// The quality metrics of every mode (latencies and timings removed).
fn metrics(report: &serde_json::Map<String, Value>) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (mode, value) in report {
        let Value::Object(fields) = value else {
            continue;
        };
        for (name, v) in fields {
            if !name.ends_with("_us") {
                out.push((mode.clone(), name.clone(), v.clone()));
            }
        }
    }
    out
}

/// A failed run: non-zero exit, exactly one stderr line, starting `error:`, no panic.
fn assert_one_line_error(output: &Output, what: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{what}: exited successfully");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{what}: stderr {stderr:?}");
    assert!(lines[0].starts_with("error:"), "{what}: stderr {stderr:?}");
    assert!(!stderr.contains("panicked"), "{what}: stderr {stderr:?}");
}

#[test]
fn evaluate_builds_then_loads_the_snapshot_with_identical_metrics() {
    let Some(binary) = evaluate_binary() else {
        println!("skipping: the evaluate example is not built (run `cargo test` without --test)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let snapshot = dir.path().join("faq_beir.twofold");

    let built = report(&run(&binary, &snapshot));
    assert!(built.get("build_s").is_some_and(Value::is_f64), "{built:?}");
    assert!(built.get("load_s").is_none(), "{built:?}");
    assert!(snapshot.is_file());

    let loaded = report(&run(&binary, &snapshot));
    assert!(
        loaded.get("load_s").is_some_and(Value::is_f64),
        "{loaded:?}"
    );
    assert!(loaded.get("build_s").is_none(), "{loaded:?}");

    let (a, b) = (metrics(&built), metrics(&loaded));
    assert!(
        a.iter()
            .any(|(mode, name, _)| mode == "sparse" && name == "ndcg@10"),
        "{a:?}"
    );
    assert_eq!(a, b);
}

#[test]
fn evaluate_rejects_corrupt_and_foreign_snapshots_in_one_line() {
    let Some(binary) = evaluate_binary() else {
        println!("skipping: the evaluate example is not built (run `cargo test` without --test)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let snapshot = dir.path().join("good.twofold");
    report(&run(&binary, &snapshot));
    let bytes = std::fs::read(&snapshot).unwrap();

    let truncated = dir.path().join("truncated.twofold");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    assert_one_line_error(&run(&binary, &truncated), "truncated");

    let flipped = dir.path().join("flipped.twofold");
    let mut damaged = bytes.clone();
    let middle = 64 + (damaged.len() - 64) / 2;
    damaged[middle] ^= 0x10;
    std::fs::write(&flipped, damaged).unwrap();
    let output = run(&binary, &flipped);
    assert_one_line_error(&output, "flipped");
    assert!(String::from_utf8_lossy(&output.stderr).contains("checksum"));

    let foreign = dir.path().join("foreign.json");
    std::fs::write(&foreign, br#"{"not": "a snapshot", "but": "valid JSON"}"#).unwrap();
    let output = run(&binary, &foreign);
    assert_one_line_error(&output, "foreign");
    assert!(String::from_utf8_lossy(&output.stderr).contains("not a twofold snapshot"));
}
