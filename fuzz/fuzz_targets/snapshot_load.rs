//! Loads arbitrary bytes as a snapshot: must never panic or over-allocate.
//!
//! The first byte picks the mode. Even: the rest is `dense_dim: u32`,
//! `document_count: u64`, then a payload, which is wrapped in a valid header
//! with recomputed crcs, so mutations get past the checksums to the decoder
//! and the validators (regex's preamble trick). Odd: the rest is a whole
//! file, header included. Whatever loads is then queried.
//!
//! Run on stable: `cargo fuzz run -s none snapshot_load -- -max_total_time=600 -rss_limit_mb=2048`.
//! Seeds: `cargo test --test snapshot -- --ignored generate_fuzz_seeds`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use twofold::dense::{DenseIndex, SearchParams};
use twofold::snapshot::{self, Flags, Header, HeaderInfo};

#[path = "../../tests/snapshot_common/mod.rs"]
mod snapshot_common;

use snapshot_common::StandIn;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let loaded = if mode & 1 == 0 {
        let Some(file) = wrap(rest) else { return };
        snapshot::read_bytes::<StandIn>(&file)
    } else {
        snapshot::read_bytes::<StandIn>(rest)
    };
    if let Ok(s) = loaded {
        query(s);
    }
});

/// A valid header (both crcs right) around the payload after 12 info bytes.
fn wrap(rest: &[u8]) -> Option<Vec<u8>> {
    let (dim, rest) = rest.split_first_chunk::<4>()?;
    let (count, payload) = rest.split_first_chunk::<8>()?;
    let info = HeaderInfo {
        flags: Flags::DENSE,
        dense_dim: u32::from_le_bytes(*dim),
        document_count: u64::from_le_bytes(*count),
    };
    let mut file = Header::for_payload(info, payload).encode().to_vec();
    file.extend_from_slice(payload);
    Some(file)
}

/// Uses what loaded the way a caller would.
fn query(s: StandIn) {
    let _ = s.tfidf.transform(&["refill my prescription", ""]);
    let dim = s.dense.dim as usize;
    // A caller's query has the index's dimension; keep the fuzzer's own
    // allocation small (a 0-row index can claim any dimension).
    if dim == 0 || dim > 4096 {
        return;
    }
    if let Ok(index) = DenseIndex::from_persisted(s.dense) {
        let q = vec![1.0 / (dim as f32).sqrt(); dim];
        let _ = index.search(&q, &SearchParams::k(5));
    }
}
