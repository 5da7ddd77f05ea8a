//! The snapshot container: round trip, and a typed error (never a panic) for
//! every corruption class, asserting the exact `SnapshotError` variant.

use crate::snapshot_common;

use std::path::Path;
use std::sync::OnceLock;

use snapshot_common::{faq_stand_in, StandIn};
use twofold::dense::{DenseIndex, SearchParams};
use twofold::snapshot::{
    self, Flags, Header, HeaderInfo, SnapshotError, FORMAT_VERSION, HEADER_LEN, MAX_PAYLOAD_LEN,
};
use twofold::Error;

fn sample() -> &'static StandIn {
    static SAMPLE: OnceLock<StandIn> = OnceLock::new();
    SAMPLE.get_or_init(faq_stand_in)
}

fn sample_bytes() -> &'static [u8] {
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    BYTES.get_or_init(|| snapshot::to_bytes(sample()).unwrap())
}

/// The snapshot error of a failed load, or a panic naming what happened instead.
fn snapshot_error(result: twofold::Result<StandIn>) -> SnapshotError {
    match result {
        Err(Error::Snapshot(e)) => e,
        Err(other) => panic!("expected a snapshot error, got {other:?}"),
        Ok(_) => panic!("expected a snapshot error, the file loaded"),
    }
}

fn load(bytes: &[u8]) -> SnapshotError {
    snapshot_error(snapshot::read_bytes::<StandIn>(bytes))
}

/// `payload` under a fresh, valid header (both crcs recomputed).
fn wrap(info: HeaderInfo, payload: &[u8]) -> Vec<u8> {
    let mut out = Header::for_payload(info, payload).encode().to_vec();
    out.extend_from_slice(payload);
    out
}

/// The sample with its header edited and the header crc recomputed.
fn with_header(edit: impl FnOnce(&mut Header)) -> Vec<u8> {
    let bytes = sample_bytes();
    let mut header = Header::decode(bytes).unwrap();
    edit(&mut header);
    let mut out = header.encode().to_vec();
    out.extend_from_slice(&bytes[HEADER_LEN..]);
    out
}

fn queries() -> Vec<&'static str> {
    vec![
        "how do I transfer a prescription",
        "refill my medication online",
        "is the pharmacy open on sunday",
        "zzzz unknown words only",
    ]
}

#[test]
fn round_trip_gives_identical_results() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("faq.twofold");
    let before = sample();
    let info = snapshot::write_atomic(&path, before).unwrap();
    assert_eq!(info.file_len(), std::fs::metadata(&path).unwrap().len());
    assert_eq!(std::fs::read(&path).unwrap(), sample_bytes());

    let after: StandIn = snapshot::read(&path).unwrap();
    assert_eq!(after.label, before.label);
    assert_eq!(after.keys, before.keys);
    assert_eq!(after.dense, before.dense);
    assert_eq!(
        after.tfidf.transform(&queries()).unwrap(),
        before.tfidf.transform(&queries()).unwrap()
    );
    assert!(after.tfidf.transform(&queries()).unwrap().nnz() > 10);

    let old = DenseIndex::from_persisted(before.dense.clone()).unwrap();
    let new = DenseIndex::from_persisted(after.dense).unwrap();
    for q in snapshot_common::unit_vectors(5, 16, 99) {
        let hits = new.search(&q, &SearchParams::k(10)).unwrap();
        assert_eq!(hits.len(), 10);
        assert_eq!(hits, old.search(&q, &SearchParams::k(10)).unwrap());
    }
}

#[test]
fn inspect_reads_counts_without_decoding() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("faq.twofold");
    snapshot::write_atomic(&path, sample()).unwrap();
    let header = snapshot::inspect(&path).unwrap();
    assert_eq!(header.format_version, FORMAT_VERSION);
    assert_eq!(header.info.flags, Flags::DENSE);
    assert_eq!(header.info.dense_dim, 16);
    assert_eq!(header.info.document_count, 150);
    assert_eq!(header.writer, snapshot::WriterVersion::current());
    assert_eq!(
        header.payload_len as usize,
        sample_bytes().len() - HEADER_LEN
    );
    // inspect does not read the payload, so a damaged payload still inspects.
    let mut damaged = sample_bytes().to_vec();
    let last = damaged.len() - 1;
    damaged[last] ^= 0xFF;
    assert_eq!(snapshot::inspect_bytes(&damaged).unwrap(), header);
}

#[test]
fn save_replaces_the_target_and_leaves_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("faq.twofold");
    std::fs::write(&path, b"an older file").unwrap();
    snapshot::write_atomic(&path, sample()).unwrap();
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("faq.twofold")]);
    let loaded: StandIn = snapshot::read(&path).unwrap();
    assert_eq!(loaded.keys.len(), 150);
}

#[test]
fn truncation_anywhere_is_truncated() {
    let bytes = sample_bytes();
    let full = bytes.len() as u64;
    for cut in 0..HEADER_LEN {
        match load(&bytes[..cut]) {
            SnapshotError::Truncated {
                expected_len,
                found_len,
            } => assert_eq!((expected_len, found_len), (HEADER_LEN as u64, cut as u64)),
            other => panic!("cut at {cut}: {other:?}"),
        }
    }
    let stride = (bytes.len() / 97).max(1);
    for cut in (HEADER_LEN..bytes.len()).step_by(stride) {
        match load(&bytes[..cut]) {
            SnapshotError::Truncated {
                expected_len,
                found_len,
            } => assert_eq!((expected_len, found_len), (full, cut as u64)),
            other => panic!("cut at {cut}: {other:?}"),
        }
    }
}

#[test]
fn truncated_files_on_disk_are_truncated() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cut.twofold");
    let bytes = sample_bytes();
    for cut in [0, 11, 12, 63, 64, 65, bytes.len() / 2, bytes.len() - 1] {
        std::fs::write(&path, &bytes[..cut]).unwrap();
        let err = snapshot_error(snapshot::read(&path));
        assert!(
            matches!(err, SnapshotError::Truncated { found_len, .. } if found_len == cut as u64),
            "cut at {cut}: {err:?}"
        );
    }
}

#[test]
fn header_flips_are_caught_by_magic_version_or_crc() {
    let bytes = sample_bytes();
    for at in 0..HEADER_LEN {
        for mask in [0x01u8, 0x80, 0xFF] {
            let mut damaged = bytes.to_vec();
            damaged[at] ^= mask;
            let err = load(&damaged);
            let ok = match at {
                0..12 => matches!(err, SnapshotError::BadMagic),
                12..16 => matches!(err, SnapshotError::UnsupportedVersion { .. }),
                _ => matches!(err, SnapshotError::HeaderChecksum { .. }),
            };
            assert!(ok, "flip {mask:#04x} at {at}: {err:?}");
        }
    }
}

#[test]
fn payload_flips_are_payload_checksum_errors() {
    let bytes = sample_bytes();
    let stride = (bytes.len() / 211).max(1);
    for at in (HEADER_LEN..bytes.len()).step_by(stride) {
        let mut damaged = bytes.to_vec();
        damaged[at] ^= 0x10;
        let err = load(&damaged);
        assert!(
            matches!(err, SnapshotError::PayloadChecksum { .. }),
            "flip at {at}: {err:?}"
        );
    }
}

#[test]
fn other_versions_are_unsupported_with_the_supported_range() {
    for version in [0, FORMAT_VERSION + 1, u32::MAX] {
        let err = load(&with_header(|h| h.format_version = version));
        match err {
            SnapshotError::UnsupportedVersion { found, supported } => {
                assert_eq!(found, version);
                assert_eq!(supported, 1..=FORMAT_VERSION);
            }
            other => panic!("version {version}: {other:?}"),
        }
    }
    let message = load(&with_header(|h| h.format_version = 2)).to_string();
    assert!(message.contains("1..=1"), "{message}");
}

#[test]
fn unknown_flags_are_rejected() {
    // A known flag missing that the payload has: the header disagrees.
    let err = load(&with_header(|h| h.info.flags = Flags::NONE));
    assert!(
        matches!(err, SnapshotError::Inconsistent { what: "header", .. }),
        "{err:?}"
    );
    // The FAQ flag announces another kind of payload: refused before decoding.
    let err = load(&with_header(|h| {
        h.info.flags = Flags::DENSE.union(Flags::FAQ)
    }));
    assert!(
        matches!(
            err,
            SnapshotError::WrongKind {
                expected: twofold::snapshot::SnapshotKind::Index,
                found: twofold::snapshot::SnapshotKind::FaqCache
            }
        ),
        "{err:?}"
    );
    // `Flags` cannot hold unknown bits, so forge them in the bytes.
    let mut bytes = sample_bytes().to_vec();
    bytes[16] |= 1 << 5;
    let crc = crc32fast::hash(&bytes[..60]);
    bytes[60..64].copy_from_slice(&crc.to_le_bytes());
    assert!(matches!(
        load(&bytes),
        SnapshotError::UnsupportedFlags {
            unknown: 0x20,
            flags: 0x21
        }
    ));
}

#[test]
fn forged_payload_lengths_fail_before_allocating() {
    let real = sample_bytes().len() as u64;
    for (len, too_large) in [
        (u64::MAX, true),
        (MAX_PAYLOAD_LEN + 1, true),
        (MAX_PAYLOAD_LEN, false),
        (1 << 30, false),
        (real, false), // longer than the payload by the header
    ] {
        let err = load(&with_header(|h| h.payload_len = len));
        if too_large {
            assert!(
                matches!(err, SnapshotError::TooLarge { len: l, limit } if l == len && limit == MAX_PAYLOAD_LEN),
                "{len}: {err:?}"
            );
        } else {
            assert!(
                matches!(err, SnapshotError::Truncated { expected_len, found_len }
                    if expected_len == HEADER_LEN as u64 + len && found_len == real),
                "{len}: {err:?}"
            );
        }
    }
    // The same through the file path, which must not allocate the claimed length.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("forged.twofold");
    std::fs::write(&path, with_header(|h| h.payload_len = MAX_PAYLOAD_LEN)).unwrap();
    assert!(matches!(
        snapshot_error(snapshot::read(&path)),
        SnapshotError::Truncated { .. }
    ));
    let err = snapshot::inspect(&path).unwrap_err();
    assert!(matches!(
        err,
        Error::Snapshot(SnapshotError::Truncated { .. })
    ));
}

#[test]
fn shorter_payload_lengths_leave_trailing_bytes() {
    let real = (sample_bytes().len() - HEADER_LEN) as u64;
    let err = load(&with_header(|h| h.payload_len = real - 3));
    assert!(
        matches!(err, SnapshotError::TrailingBytes { count: 3 }),
        "{err:?}"
    );
    let mut longer = sample_bytes().to_vec();
    longer.extend_from_slice(b"junk");
    assert!(matches!(
        load(&longer),
        SnapshotError::TrailingBytes { count: 4 }
    ));
}

#[test]
fn hostile_length_prefixes_hit_the_decode_limit() {
    let info = sample().header_info_for_tests();
    // The payload starts with the `label` string: claim 2^40 and 2^31 bytes.
    for claimed in [1u64 << 40, 1 << 31, 1 << 25] {
        let mut payload = vec![0xFD];
        payload.extend_from_slice(&claimed.to_le_bytes());
        payload.extend_from_slice(&[b'x'; 100]);
        match load(&wrap(info, &payload)) {
            SnapshotError::Decode { reason } => {
                assert!(reason.contains("LimitExceeded"), "{claimed}: {reason}")
            }
            other => panic!("{claimed}: {other:?}"),
        }
    }
    // A length within the limit but beyond the payload is a plain decode error.
    let mut payload = vec![200];
    payload.extend_from_slice(b"short");
    assert!(matches!(
        load(&wrap(info, &payload)),
        SnapshotError::Decode { .. }
    ));
}

#[test]
fn a_payload_with_unused_bytes_is_trailing_bytes() {
    let mut payload = sample_bytes()[HEADER_LEN..].to_vec();
    payload.push(0);
    let err = load(&wrap(sample().header_info_for_tests(), &payload));
    assert!(
        matches!(err, SnapshotError::TrailingBytes { count: 1 }),
        "{err:?}"
    );
}

#[test]
fn a_header_that_disagrees_with_the_payload_is_inconsistent() {
    let err = load(&with_header(|h| h.info.document_count += 1));
    assert!(
        matches!(err, SnapshotError::Inconsistent { what: "header", .. }),
        "{err:?}"
    );
    let err = load(&with_header(|h| h.info.dense_dim = 384));
    assert!(
        matches!(err, SnapshotError::Inconsistent { what: "header", .. }),
        "{err:?}"
    );
}

#[test]
fn payloads_that_decode_but_do_not_fit_are_inconsistent() {
    // Fewer keys than documents: the stand-in's own check.
    let mut short = sample().clone();
    short.keys.pop();
    let err = load(&snapshot::to_bytes(&short).unwrap());
    assert!(
        matches!(err, SnapshotError::Inconsistent { what: "keys", .. }),
        "{err:?}"
    );
    // A vector that is not unit length under cosine: DenseIndex's strict
    // loader reports CorruptPersisted, which the container maps.
    let mut skewed = sample().clone();
    skewed.dense.vectors[3] += 0.5;
    let err = load(&snapshot::to_bytes(&skewed).unwrap());
    assert!(
        matches!(
            err,
            SnapshotError::Inconsistent {
                what: "vectors",
                ..
            }
        ),
        "{err:?}"
    );
    // A graph neighbour out of range.
    let mut graph = sample().clone();
    if let Some(g) = graph.dense.graph.as_mut() {
        g.layer0[1] = 10_000;
    }
    let err = load(&snapshot::to_bytes(&graph).unwrap());
    assert!(matches!(err, SnapshotError::Inconsistent { .. }), "{err:?}");
}

#[test]
fn not_a_snapshot_is_bad_magic_and_a_missing_file_is_io() {
    assert!(matches!(
        load(b"{\"id\": 1}\n and some more text to pass 64 bytes of length .........."),
        SnapshotError::BadMagic
    ));
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.twofold");
    match snapshot::read::<StandIn>(&missing) {
        Err(Error::Io { path, source }) => {
            assert_eq!(path, missing);
            assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
        }
        other => panic!("{:?}", other.map(|s| s.label)),
    }
    match snapshot::write_atomic(dir.path().join("no/such/dir/x.twofold"), sample()) {
        Err(Error::Io { path, .. }) => assert_eq!(path, dir.path().join("no/such/dir")),
        other => panic!("{other:?}"),
    }
}

#[test]
fn mutated_payloads_with_valid_crcs_never_panic() {
    // A cheap in-test fuzz: random byte edits *behind* recomputed crcs reach
    // the decoder and the validators; each must be Ok or a typed error.
    let info = sample().header_info_for_tests();
    let payload = &sample_bytes()[HEADER_LEN..];
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let (mut ok, mut errors) = (0, 0);
    for _ in 0..3000 {
        let mut p = payload.to_vec();
        for _ in 0..1 + next() % 4 {
            let at = (next() % p.len() as u64) as usize;
            p[at] = next() as u8;
        }
        if next() % 8 == 0 {
            p.truncate((next() % p.len() as u64) as usize);
        }
        match snapshot::read_bytes::<StandIn>(&wrap(info, &p)) {
            Ok(_) => ok += 1,
            Err(Error::Snapshot(_)) => errors += 1,
            Err(other) => panic!("untyped error {other:?}"),
        }
    }
    assert!(errors > 0, "{ok} loaded, {errors} rejected");
}

/// Writes seed inputs for `fuzz/fuzz_targets/snapshot_load.rs` into
/// `fuzz/corpus/snapshot_load/` (run with `cargo test --test suite -- --ignored --exact snapshot::generate_fuzz_seeds`).
#[test]
#[ignore = "generator: writes the fuzz corpus seeds"]
fn generate_fuzz_seeds() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/snapshot_load");
    std::fs::create_dir_all(&dir).unwrap();
    let docs = snapshot_common::faq_docs();
    let mut seeds = Vec::new();
    for (n, dim) in [(8usize, 4usize), (20, 8), (40, 4)] {
        let vectors = snapshot_common::unit_vectors(n, dim, n as u64);
        let mut config = snapshot_common::small_hnsw();
        config.max_connections = 4;
        let s = snapshot_common::build("seed", &docs[..n], &vectors, config).unwrap();
        seeds.push(snapshot::to_bytes(&s).unwrap());
    }
    for (i, file) in seeds.iter().enumerate() {
        // Mode 0: the fuzz target wraps the payload in a valid header made
        // from these 12 bytes (dim u32, document count u64).
        let header = Header::decode(file).unwrap();
        let mut wrapped = vec![0u8];
        wrapped.extend_from_slice(&header.info.dense_dim.to_le_bytes());
        wrapped.extend_from_slice(&header.info.document_count.to_le_bytes());
        wrapped.extend_from_slice(&file[HEADER_LEN..]);
        std::fs::write(dir.join(format!("seed-wrapped-{i}")), wrapped).unwrap();
        // Mode 1: raw file bytes.
        let mut raw = vec![1u8];
        raw.extend_from_slice(file);
        std::fs::write(dir.join(format!("seed-raw-{i}")), raw).unwrap();
    }
}

/// `Validate::header_info` without importing the trait everywhere.
trait InfoForTests {
    fn header_info_for_tests(&self) -> HeaderInfo;
}

impl InfoForTests for StandIn {
    fn header_info_for_tests(&self) -> HeaderInfo {
        twofold::snapshot::Validate::header_info(self)
    }
}

/// The committed version-1 file: 20 sample documents, 8-d vectors, HNSW.
const V1_FILE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/snapshots/v1-standin.twofold"
);

fn v1_stand_in() -> StandIn {
    let docs = snapshot_common::faq_docs();
    let vectors = snapshot_common::unit_vectors(20, 8, 20);
    snapshot_common::build("v1", &docs[..20], &vectors, snapshot_common::small_hnsw()).unwrap()
}

/// Writes `tests/data/snapshots/v1-standin.twofold`. Rerun only for a new
/// format version (keep the old file: it is the compatibility test).
#[test]
#[ignore = "generator: writes the committed v1 sample"]
fn generate_v1_sample() {
    let path = Path::new(V1_FILE);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    snapshot::write_atomic(path, &v1_stand_in()).unwrap();
}

/// What the committed v1 stand-in file holds and answers, recorded from the
/// loaded file (not from a fresh build: HNSW graphs and dense scores depend on
/// the CPU's float kernels, AVX2+FMA or portable).
const V1_EXPECTED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/snapshots/v1-standin.expected.json"
);

/// The dense queries of the v1 expectations.
fn v1_query_vectors() -> Vec<Vec<f32>> {
    snapshot_common::unit_vectors(3, 8, 99)
}

/// What must be read back exactly: keys, vocabulary, idf and vector bits,
/// the graph, the configuration.
fn v1_exact(s: &StandIn) -> serde_json::Value {
    let idf_bits: Option<Vec<u64>> = s
        .tfidf
        .idf()
        .map(|v| v.iter().map(|x| x.to_bits()).collect());
    let vector_bits: Vec<u32> = s.dense.vectors.iter().map(|x| x.to_bits()).collect();
    let json = serde_json::json!({
        "label": s.label,
        "keys": s.keys.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "feature_names": s.tfidf.feature_names(),
        "document_frequencies": s.tfidf.document_frequencies(),
        "n_documents": s.tfidf.n_documents(),
        "idf_bits": idf_bits,
        "dim": s.dense.dim,
        "config": s.dense.config,
        "vector_bits": vector_bits,
        "slot_docs": s.dense.slot_docs,
        "deleted_slots": s.dense.deleted_slots,
        "graph": s.dense.graph,
    });
    // Through text, as the stored file is read.
    serde_json::from_str(&json.to_string()).unwrap()
}

/// Query answers: TF-IDF rows as (column, weight), dense hits as (id, score).
type V1Answers = (Vec<Vec<(usize, f64)>>, Vec<Vec<(u32, f32)>>);

fn v1_answers(s: &StandIn) -> V1Answers {
    let matrix = s.tfidf.transform(&queries()).unwrap();
    let rows = matrix
        .outer_iterator()
        .map(|row| row.iter().map(|(c, &w)| (c, w)).collect())
        .collect();
    let index = DenseIndex::from_persisted(s.dense.clone()).unwrap();
    let hits = v1_query_vectors()
        .iter()
        .map(|q| {
            index
                .search(q, &SearchParams::k(5))
                .unwrap()
                .into_iter()
                .map(|h| (h.id.as_u32(), h.score))
                .collect()
        })
        .collect();
    (rows, hits)
}

/// Writes `tests/data/snapshots/v1-standin.expected.json` from the committed
/// file. Rerun only when the committed file is regenerated.
#[test]
#[ignore = "generator: writes the v1 sample's expectations"]
fn generate_v1_expectations() {
    let loaded: StandIn = snapshot::read(V1_FILE).unwrap();
    let json = serde_json::json!({"exact": v1_exact(&loaded), "answers": v1_answers(&loaded)});
    std::fs::write(
        V1_EXPECTED,
        serde_json::to_string_pretty(&json).unwrap() + "\n",
    )
    .unwrap();
}

/// The committed version-1 file still loads and passes every check.
#[test]
fn committed_v1_file_loads_and_validates() {
    let header = snapshot::inspect(V1_FILE).unwrap();
    assert_eq!(header.format_version, 1);
    assert_eq!(header.info.document_count, 20);
    assert_eq!(header.info.dense_dim, 8);
    assert_eq!(header.info.flags, Flags::DENSE);
    let loaded: StandIn = snapshot::read(V1_FILE).unwrap();
    assert_eq!(loaded.keys.len(), 20);
    assert!(DenseIndex::from_persisted(loaded.dense).is_ok());
}

/// A file written by format version 1 still decodes to the same content and
/// answers as recorded (ids exactly, scores within 1e-5, on any CPU). This
/// fails when a persisted struct (TF-IDF parameters, dense config, …)
/// changes its encoding: that is a format change (see docs/snapshot-format.md).
#[test]
fn committed_v1_file_reads_back_its_recorded_content() {
    let expected: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(V1_EXPECTED).unwrap()).unwrap();
    let loaded: StandIn = snapshot::read(V1_FILE).unwrap();
    assert_eq!(v1_exact(&loaded), expected["exact"]);
    let (rows, hits): V1Answers = serde_json::from_value(expected["answers"].clone()).unwrap();
    let (found_rows, found_hits) = v1_answers(&loaded);
    assert_eq!(found_rows.len(), rows.len());
    for (found, want) in found_rows.iter().zip(&rows) {
        assert_eq!(found.len(), want.len());
        for ((fc, fw), (wc, ww)) in found.iter().zip(want) {
            assert_eq!(fc, wc);
            assert!((fw - ww).abs() <= 1e-5, "tf-idf weight {fw} vs {ww}");
        }
    }
    assert_eq!(found_hits.len(), hits.len());
    assert!(hits.iter().all(|h| !h.is_empty()));
    for (found, want) in found_hits.iter().zip(&hits) {
        let ids = |h: &[(u32, f32)]| h.iter().map(|x| x.0).collect::<Vec<_>>();
        assert_eq!(ids(found), ids(want));
        for ((_, fs), (_, ws)) in found.iter().zip(want) {
            assert!((fs - ws).abs() <= 1e-5, "dense score {fs} vs {ws}");
        }
    }
}

#[cfg(unix)]
#[test]
fn saved_files_get_the_usual_create_mode_not_0600() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mode.twofold");
    snapshot::write_atomic(&path, sample()).unwrap();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    std::fs::write(dir.path().join("plain"), b"x").unwrap();
    let plain = std::fs::metadata(dir.path().join("plain"))
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, plain);
}
