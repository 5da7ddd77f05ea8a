//! Counters of what a cache did, kept in atomics so lookups never lock for them.

use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

/// A copy of a cache's counters at one moment ([`FaqCache::stats`](super::FaqCache::stats)).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FaqStats {
    /// Lookups answered (hits + misses; failed lookups are not counted).
    pub lookups: u64,
    /// Lookups that served a stored answer.
    pub hits: u64,
    /// Lookups that did not (below threshold, refused by a guard, or empty cache).
    pub misses: u64,
    /// Misses whose best candidate passed the threshold but a guard refused it.
    pub refusals: u64,
    /// Entries inserted.
    pub inserts: u64,
    /// Entries removed because their TTL ran out (lazily or by `purge_expired`).
    pub expirations: u64,
    /// Entries removed to respect `max_entries`.
    pub evictions: u64,
    /// Entries removed by `remove`, `invalidate`, a data-version bump or a source change.
    pub invalidations: u64,
}

impl FaqStats {
    /// `hits / lookups`, or 0 before the first lookup.
    pub fn hit_rate(&self) -> f64 {
        if self.lookups == 0 {
            0.0
        } else {
            self.hits as f64 / self.lookups as f64
        }
    }
}

/// The live counters.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub lookups: AtomicU64,
    pub hits: AtomicU64,
    pub misses: AtomicU64,
    pub refusals: AtomicU64,
    pub inserts: AtomicU64,
    pub expirations: AtomicU64,
    pub evictions: AtomicU64,
    pub invalidations: AtomicU64,
}

impl Counters {
    pub fn bump(counter: &AtomicU64, by: u64) {
        counter.fetch_add(by, Ordering::Relaxed);
    }

    pub fn snapshot(&self) -> FaqStats {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        FaqStats {
            lookups: get(&self.lookups),
            hits: get(&self.hits),
            misses: get(&self.misses),
            refusals: get(&self.refusals),
            inserts: get(&self.inserts),
            expirations: get(&self.expirations),
            evictions: get(&self.evictions),
            invalidations: get(&self.invalidations),
        }
    }

    pub fn from_snapshot(s: &FaqStats) -> Counters {
        Counters {
            lookups: AtomicU64::new(s.lookups),
            hits: AtomicU64::new(s.hits),
            misses: AtomicU64::new(s.misses),
            refusals: AtomicU64::new(s.refusals),
            inserts: AtomicU64::new(s.inserts),
            expirations: AtomicU64::new(s.expirations),
            evictions: AtomicU64::new(s.evictions),
            invalidations: AtomicU64::new(s.invalidations),
        }
    }
}
