//! Loads arbitrary bytes as a snapshot: must never panic or over-allocate.
//!
//! The first byte picks the mode. Bit 0 even: the rest is `dense_dim: u32`,
//! `document_count: u64`, then a payload, which is wrapped in a valid header
//! (flags DENSE unless bit 2 is set) with recomputed crcs, so mutations get
//! past the checksums to the decoder and the validators (regex's preamble
//! trick). Bit 0 odd: the rest is a whole file, header included. Bit 1 set:
//! the payload is real: the file goes to `Index::load_bytes` and to
//! `FaqCache::load_bytes` (bit 3 adds the FAQ flag to a wrapped header, so
//! one of the two gets past the kind check); clear: the stand-in.
//! Whatever loads is then queried (a FAQ cache also takes an insert and
//! invalidations).
//!
//! Run on stable: `cargo fuzz run -s none snapshot_load -- -max_total_time=600 -rss_limit_mb=2048`.
//! Seeds: `cargo test --test suite -- --ignored --exact snapshot::generate_fuzz_seeds` (stand-in)
//! and `cargo test --test suite -- --ignored --exact faq_snapshot::generate_fuzz_seeds` (index, FAQ).
#![no_main]

use libfuzzer_sys::fuzz_target;
use twofold::dense::{DenseIndex, SearchParams};
use twofold::faq::{FaqCache, FaqLoadOptions, InsertOptions, LookupRequest};
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
    let mut flags = if mode & 4 == 0 {
        Flags::DENSE
    } else {
        Flags::NONE
    };
    if mode & 8 != 0 {
        flags = flags.union(Flags::FAQ);
    }
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
    } else {
        if let Ok(index) = Index::load_bytes(file) {
            query_index(&index);
        }
        if let Ok(cache) = FaqCache::load_bytes(file, FaqLoadOptions::new()) {
            use_cache(&cache);
        }
    }
});

/// Looks up, inserts and invalidates on a loaded cache, as a caller would.
fn use_cache(cache: &FaqCache) {
    let _ = cache.lookup("refill my prescription");
    let dim = cache.index_read(|index| index.dense_dim()).unwrap_or(0);
    let vector = (dim > 0 && dim <= 4096).then(|| vec![1.0 / (dim as f32).sqrt(); dim]);
    if let Some(v) = &vector {
        let _ = cache.lookup_with(&LookupRequest::new("opening hours").vector(v.clone()));
    }
    let mut options = InsertOptions::new();
    if let Some(v) = vector {
        options = options.vector(v);
    }
    let _ = cache.insert("a new question about refills", "answer", options);
    let _ = cache.purge_expired();
    let _ = cache.bump_data_version();
    let _ = cache.lookup("refill my prescription");
}

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
