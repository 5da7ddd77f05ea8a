//! Loads arbitrary bytes as a snapshot: must never panic or over-allocate.
//!
//! The first byte picks the mode. Bit 0 even: the rest is `dense_dim: u32`,
//! `document_count: u64`, then a payload, which is wrapped in a valid header
//! (flags DENSE unless bit 2 is set) with recomputed crcs, so mutations get
//! past the checksums to the decoder and the validators (regex's preamble
//! trick). Bit 0 odd: the rest is a whole file, header included. Bit 1 set:
//! the payload is an `Index` (`Index::load_bytes`); clear: the stand-in.
//! Whatever loads is then queried.
//!
//! Run on stable: `cargo fuzz run -s none snapshot_load -- -max_total_time=600 -rss_limit_mb=2048`.
//! Seeds: `cargo test --test snapshot -- --ignored generate_fuzz_seeds`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use twofold::dense::{DenseIndex, SearchParams};
use twofold::index::Index;
use twofold::query::{Mode, SearchRequest};
use twofold::recommend::MoreLikeThis;
use twofold::snapshot::{self, Flags, Header, HeaderInfo};

#[path = "../../tests/snapshot_common/mod.rs"]
mod snapshot_common;

use snapshot_common::StandIn;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let flags = if mode & 4 == 0 {
        Flags::DENSE
    } else {
        Flags::NONE
    };
    let wrapped;
    let file = if mode & 1 == 0 {
        let Some(file) = wrap(rest, flags) else {
            return;
        };
        wrapped = file;
        &wrapped[..]
    } else {
        rest
    };
    if mode & 2 == 0 {
        if let Ok(s) = snapshot::read_bytes::<StandIn>(file) {
            query(s);
        }
    } else if let Ok(index) = Index::load_bytes(file) {
        query_index(&index);
    }
});

/// Runs a sparse, a dense, a hybrid and a more-like-this query on `index`.
fn query_index(index: &Index) {
    let _ = index.search(&SearchRequest::text("refill my prescription").k(5));
    let Some(dim) = index.dense_dim().filter(|&d| d > 0 && d <= 4096) else {
        return;
    };
    let q = vec![1.0 / (dim as f32).sqrt(); dim];
    let _ = index.search(&SearchRequest::vector(q.clone()).k(5));
    let hybrid = SearchRequest::text("opening hours")
        .with_vector(q)
        .mode(Mode::Hybrid)
        .k(5);
    let _ = index.search(&hybrid);
    if let Some(key) = index.keys().next().cloned() {
        let _ = index.more_like_this(&key, &MoreLikeThis::default());
    }
}

/// A valid header (both crcs right) around the payload after 12 info bytes.
fn wrap(rest: &[u8], flags: Flags) -> Option<Vec<u8>> {
    let (dim, rest) = rest.split_first_chunk::<4>()?;
    let (count, payload) = rest.split_first_chunk::<8>()?;
    let info = HeaderInfo {
        flags,
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
