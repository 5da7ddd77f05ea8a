//! Crash safety of `snapshot::write_atomic` (sled-style self re-exec).
//!
//! The parent saves snapshot A, then starts this same binary as a child (the
//! `TWOFOLD_SNAPSHOT_CRASH_CHILD` environment variable switches modes) that
//! saves B, A, B, … over the same path as fast as it can. The parent kills
//! the child with SIGKILL at a random moment, then checks that the path
//! loads as exactly A or B (label and contents) and that every other file in
//! the directory is a leftover temporary file, never the target. Repeated
//! for up to `ITERATIONS` kills within `TIME_BUDGET`.

mod snapshot_common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use snapshot_common::StandIn;
use twofold::dense::{Backend, DenseConfig};
use twofold::snapshot;

const CHILD_ENV: &str = "TWOFOLD_SNAPSHOT_CRASH_CHILD";
/// Which generation the child saves first (the one the target does not hold).
const FIRST_ENV: &str = "TWOFOLD_SNAPSHOT_CRASH_FIRST";
const ITERATIONS: usize = 40;
const MIN_ITERATIONS: usize = 15;
const TIME_BUDGET: Duration = Duration::from_secs(120);
const TARGET: &str = "crash.twofold";
/// Kills land uniformly in this window after the child is ready. A save of
/// the 3 MB generation (unoptimised dependencies, fsync on ext4) took
/// 120-230 ms here, so kills land before, inside and after the first few
/// saves; the test fails if none or all of them came after a completed save.
const KILL_WINDOW_US: u64 = 600_000;

/// Generation `label`: 2,000 synthetic documents with 384-d vectors (about
/// 3 MB, so a save takes long enough for kills to land inside it).
fn generation(label: &str, seed: u64) -> StandIn {
    let words = [
        "refill",
        "prescription",
        "pharmacy",
        "insurance",
        "delivery",
        "vaccine",
        "dose",
        "pickup",
        "store",
        "hours",
        "transfer",
        "price",
        "generic",
        "label",
        "allergy",
    ];
    let docs: Vec<(String, String)> = (0..2000u64)
        .map(|i| {
            let text = (0..12)
                .map(|j| words[((i * 7 + j * (seed + 3)) % words.len() as u64) as usize])
                .collect::<Vec<_>>()
                .join(" ");
            (format!("{label}-{i}"), text)
        })
        .collect();
    let vectors = snapshot_common::unit_vectors(docs.len(), 384, seed);
    let config = DenseConfig {
        backend: Backend::Exact,
        ..DenseConfig::default()
    };
    snapshot_common::build(label, &docs, &vectors, config).expect("generation builds")
}

fn child(path: &Path) -> ! {
    let a = generation("A", 1);
    let b = generation("B", 2);
    let order = match std::env::var(FIRST_ENV).as_deref() {
        Ok("A") => [&a, &b],
        _ => [&b, &a],
    };
    println!("ready");
    loop {
        for g in order {
            if let Err(e) = snapshot::write_atomic(path, g) {
                eprintln!("child: save failed: {e}");
                std::process::exit(2);
            }
        }
    }
}

/// The target must load as exactly one of the two generations.
fn check_target(path: &Path, a: &StandIn, b: &StandIn) -> Result<char, String> {
    let loaded: StandIn = snapshot::read(path).map_err(|e| format!("load failed: {e}"))?;
    let expected = match loaded.label.as_str() {
        "A" => a,
        "B" => b,
        other => return Err(format!("unknown label {other:?}")),
    };
    if loaded.keys != expected.keys || loaded.dense != expected.dense {
        return Err(format!("label {} with other contents", loaded.label));
    }
    Ok(if loaded.label == "A" { 'A' } else { 'B' })
}

/// Every file besides the target must be one of our temporary files; they
/// are removed so they cannot pile up. Returns how many there were.
fn sweep_temporaries(dir: &Path) -> Result<usize, String> {
    let mut count = 0;
    for entry in std::fs::read_dir(dir).map_err(|e| e.to_string())? {
        let entry = entry.map_err(|e| e.to_string())?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name == TARGET {
            continue;
        }
        if !(name.starts_with(&format!(".{TARGET}.")) && name.ends_with(".tmp")) {
            return Err(format!("unexpected file {name}"));
        }
        std::fs::remove_file(entry.path()).map_err(|e| e.to_string())?;
        count += 1;
    }
    Ok(count)
}

fn parent() -> Result<(), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let path: PathBuf = dir.path().join(TARGET);
    let (a, b) = (generation("A", 1), generation("B", 2));
    snapshot::write_atomic(&path, &a).map_err(|e| e.to_string())?;
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut rng = rand::rngs::StdRng::seed_from_u64(0x5eed);
    let start = Instant::now();
    let (mut seen, mut temporaries, mut kills) = ([0usize; 2], 0, 0);
    let (mut current, mut changed) = ('A', 0);
    while kills < ITERATIONS && (kills < MIN_ITERATIONS || start.elapsed() < TIME_BUDGET) {
        let mut child = Command::new(&exe)
            .env(CHILD_ENV, &path)
            .env(FIRST_ENV, if current == 'A' { "B" } else { "A" })
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| e.to_string())?;
        let mut line = String::new();
        let stdout = child.stdout.take().ok_or("no child stdout")?;
        BufReader::new(stdout)
            .read_line(&mut line)
            .map_err(|e| e.to_string())?;
        if line.trim() != "ready" {
            return Err(format!("child did not start: {line:?}"));
        }
        std::thread::sleep(Duration::from_micros(rng.random_range(0..KILL_WINDOW_US)));
        child.kill().map_err(|e| e.to_string())?;
        child.wait().map_err(|e| e.to_string())?;
        kills += 1;
        let which = check_target(&path, &a, &b).map_err(|e| format!("after kill {kills}: {e}"))?;
        seen[usize::from(which == 'B')] += 1;
        changed += usize::from(which != current);
        current = which;
        temporaries += sweep_temporaries(dir.path())?;
    }
    println!(
        "snapshot_crash: {kills} kills in {:.1} s; target loaded as A {} times, as B {} times; \
         {changed} found the new generation; {temporaries} leftover temporary files (never read)",
        start.elapsed().as_secs_f64(),
        seen[0],
        seen[1]
    );
    if changed == 0 || changed == kills {
        return Err(format!(
            "{changed} of {kills} kills came after a completed save: the kill window misses the saves"
        ));
    }
    Ok(())
}

fn main() {
    if let Some(path) = std::env::var_os(CHILD_ENV) {
        child(Path::new(&path));
    }
    if let Err(e) = parent() {
        eprintln!("snapshot_crash FAILED: {e}");
        std::process::exit(1);
    }
}
