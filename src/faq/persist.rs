//! [`FaqCache::save`] / [`FaqCache::load`]: a whole cache in one snapshot file.
//!
//! The payload is the cache's index, exactly as [`Index::save`](crate::index::Index::save) stores it
//! (embedder fingerprint and index parts), followed by the cache's
//! [`FaqParts`]: entries (phrasings → answer, namespace, data version, tags,
//! metadata, sources), their TTL state as absolute times (creation and last
//! use in milliseconds since the Unix epoch, so a deadline means the same
//! instant after a reload), the LRU clock and per-entry use counts, the
//! configuration (thresholds and guards included), the model fingerprint, the
//! feedback labels and the counters of [`FaqCache::stats`].
//!
//! The header sets [`Flags::FAQ`], so an index loader refuses the file
//! ([`SnapshotError::WrongKind`]) and so does this one for an index file.
//! Everything else (magic, version, checksums, decode limit) is the common
//! snapshot container, see [`crate::snapshot`].

use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::cache::FaqCache;
use super::clock::Clock;
use super::parts::FaqParts;
use crate::embed::Embedder;
use crate::error::{Error, Result};
use crate::snapshot::index::IndexPayload;
use crate::snapshot::{
    self, Flags, HeaderInfo, SnapshotError, SnapshotInfo, SnapshotKind, Validate,
};

/// The v1 payload of a FAQ cache snapshot.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct FaqPayload {
    index: IndexPayload,
    faq: FaqParts,
}

impl FaqPayload {
    /// A consistent copy: the index read lock is held while the entry table
    /// is copied, and every change takes the index write lock first.
    fn of(cache: &FaqCache) -> FaqPayload {
        let index = cache.read_index();
        FaqPayload {
            index: IndexPayload::of(&index),
            faq: cache.to_parts(),
        }
    }

    /// Rebuilds the cache; deep validation failures become
    /// [`SnapshotError::Inconsistent`].
    fn into_cache(self, options: FaqLoadOptions) -> Result<FaqCache> {
        let index = self.index.into_index(options.embedder)?;
        FaqCache::from_parts(self.faq, index, options.clock).map_err(|e| match e {
            Error::CorruptPersisted { what, detail } => {
                SnapshotError::Inconsistent { what, detail }.into()
            }
            other => other,
        })
    }
}

impl Validate for FaqPayload {
    const KIND: SnapshotKind = SnapshotKind::FaqCache;

    fn header_info(&self) -> HeaderInfo {
        let index = self.index.header_info();
        HeaderInfo {
            flags: index.flags.union(Flags::FAQ),
            ..index
        }
    }

    /// The index payload's own checks; the entries are checked against the
    /// rebuilt index by [`FaqCache::from_parts`].
    fn validate(&self) -> Result<()> {
        self.index.validate()
    }
}

/// What [`FaqCache::load_with`] attaches to a loaded cache: neither is stored
/// in the file.
#[derive(Clone, Default)]
pub struct FaqLoadOptions {
    /// The clock. Default: the system clock.
    pub clock: Option<Arc<dyn Clock>>,
    /// The embedder. Default: none (lookups and inserts must then carry their
    /// vectors in dense and hybrid modes). When given, its fingerprint must
    /// equal the one the file recorded.
    pub embedder: Option<Arc<dyn Embedder>>,
}

impl FaqLoadOptions {
    /// No clock (the system clock is used) and no embedder.
    pub fn new() -> FaqLoadOptions {
        FaqLoadOptions::default()
    }

    /// Sets the clock.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> FaqLoadOptions {
        self.clock = Some(clock);
        self
    }

    /// Sets the embedder.
    pub fn embedder(mut self, embedder: Arc<dyn Embedder>) -> FaqLoadOptions {
        self.embedder = Some(embedder);
        self
    }
}

impl std::fmt::Debug for FaqLoadOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaqLoadOptions")
            .field("clock", &self.clock.as_ref().map(|_| "custom"))
            .field("embedder", &self.embedder.as_ref().map(|e| e.fingerprint()))
            .finish()
    }
}

impl FaqCache {
    /// Saves the whole cache (its index, entries, TTL state, LRU order,
    /// configuration, model fingerprint and counters) to one snapshot file at
    /// `path`, atomically (see [`snapshot::write_atomic`]). Lookups may run
    /// meanwhile; changes wait until the state is copied.
    ///
    /// # Errors
    /// [`Error::Io`] for any I/O failure; [`SnapshotError::TooLarge`] when the
    /// payload exceeds [`MAX_PAYLOAD_LEN`](snapshot::MAX_PAYLOAD_LEN).
    pub fn save(&self, path: impl AsRef<Path>) -> Result<SnapshotInfo> {
        snapshot::write_atomic(path, &FaqPayload::of(self))
    }

    /// The whole snapshot file [`FaqCache::save`] would write, as bytes.
    ///
    /// # Errors
    /// As [`FaqCache::save`], without the I/O.
    pub fn to_snapshot_bytes(&self) -> Result<Vec<u8>> {
        snapshot::to_bytes(&FaqPayload::of(self))
    }

    /// Loads a cache saved by [`FaqCache::save`] with the system clock and no
    /// embedder. Entries whose TTL deadline has passed by the clock's *now*
    /// are never served (and are purged lazily, as always).
    ///
    /// # Errors
    /// As [`FaqCache::load_with`].
    pub fn load(path: impl AsRef<Path>) -> Result<FaqCache> {
        FaqCache::load_with(path, FaqLoadOptions::default())
    }

    /// [`FaqCache::load`] with a clock and an embedder.
    ///
    /// # Errors
    /// [`Error::Io`] when the file cannot be read; [`Error::Snapshot`] with the
    /// first failed check of the snapshot container (see [`crate::snapshot`]),
    /// [`SnapshotError::WrongKind`] for an index snapshot, and
    /// [`SnapshotError::Inconsistent`] when the entries do not fit the index
    /// (an entry pointing at a missing document, ids used twice, …);
    /// [`Error::EmbedderMismatch`] when the embedder's fingerprint differs
    /// from the recorded one; [`Error::DimensionMismatch`] when its dimension
    /// differs from the stored vectors'.
    pub fn load_with(path: impl AsRef<Path>, options: FaqLoadOptions) -> Result<FaqCache> {
        snapshot::read::<FaqPayload>(path)?.into_cache(options)
    }

    /// [`FaqCache::load_with`] on the bytes of a whole snapshot file.
    ///
    /// # Errors
    /// As [`FaqCache::load_with`], without the I/O.
    pub fn load_bytes(bytes: &[u8], options: FaqLoadOptions) -> Result<FaqCache> {
        snapshot::read_bytes::<FaqPayload>(bytes)?.into_cache(options)
    }
}
