//! The v1 wire payload of a whole [`Index`], and [`Index::save`] /
//! [`Index::load`].
//!
//! The payload is the index's persisted parts (see `Index::to_parts`) plus the
//! fingerprint of the embedder the index had when it was saved, if any. The
//! embedder itself is code, not data: [`Index::load_with_embedder`] takes one
//! and refuses it when its fingerprint differs from the recorded one.
//!
//! Validation is split: [`Validate::validate`] does the cheap cross-part checks
//! (lengths that must agree, the header's counts); `Index::from_parts` does the
//! deep ones (ids, term counts, weights, the dense graph) while rebuilding, and
//! its [`Error::CorruptPersisted`] is reported as
//! [`SnapshotError::Inconsistent`], as [`read`](super::read) does.

use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::{Flags, HeaderInfo, SnapshotError, SnapshotInfo, Validate};
use crate::embed::Embedder;
use crate::index::parts::IndexParts;
use crate::index::Index;
use crate::{Error, Result};

/// The v1 payload of an index snapshot.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct IndexPayload {
    /// Fingerprint of the embedder the saved index had, if any.
    embedder_fingerprint: Option<String>,
    parts: IndexParts,
}

impl IndexPayload {
    pub(crate) fn of(index: &Index) -> IndexPayload {
        IndexPayload {
            embedder_fingerprint: index.embedder().map(|e| e.fingerprint()),
            parts: index.to_parts(),
        }
    }

    fn live_documents(&self) -> usize {
        self.parts.ids.iter().filter(|k| k.is_some()).count()
    }

    /// Rebuilds the index, reporting deep validation failures as
    /// [`SnapshotError::Inconsistent`].
    pub(crate) fn into_index(self, embedder: Option<Arc<dyn Embedder>>) -> Result<Index> {
        if let (Some(expected), Some(embedder)) = (&self.embedder_fingerprint, &embedder) {
            let found = embedder.fingerprint();
            if *expected != found {
                return Err(Error::EmbedderMismatch {
                    expected: expected.clone(),
                    found,
                });
            }
        }
        Index::from_parts(self.parts, embedder).map_err(|e| match e {
            Error::CorruptPersisted { what, detail } => {
                SnapshotError::Inconsistent { what, detail }.into()
            }
            other => other,
        })
    }
}

impl Validate for IndexPayload {
    fn header_info(&self) -> HeaderInfo {
        let dense_dim = self.parts.dense.as_ref().map_or(0, |d| d.dim);
        HeaderInfo {
            flags: if self.parts.dense.is_some() {
                Flags::DENSE
            } else {
                Flags::NONE
            },
            dense_dim,
            document_count: self.live_documents() as u64,
        }
    }

    fn validate(&self) -> Result<()> {
        let parts = &self.parts;
        if parts.ids.len() != parts.records.len() {
            return Err(inconsistent(
                "ids",
                format!(
                    "{} ids for {} records",
                    parts.ids.len(),
                    parts.records.len()
                ),
            ));
        }
        if parts.weights.active.len() > parts.terms.len() {
            return Err(inconsistent(
                "weights",
                format!(
                    "{} weighted terms in a dictionary of {}",
                    parts.weights.active.len(),
                    parts.terms.len()
                ),
            ));
        }
        if let Some(dense) = &parts.dense {
            if dense.slot_docs.len() > parts.ids.len() {
                return Err(inconsistent(
                    "dense",
                    format!(
                        "{} vectors for {} document ids",
                        dense.slot_docs.len(),
                        parts.ids.len()
                    ),
                ));
            }
        }
        Ok(())
    }
}

fn inconsistent(what: &'static str, detail: String) -> Error {
    SnapshotError::Inconsistent { what, detail }.into()
}

impl Index {
    /// Saves the index to one snapshot file at `path`, atomically (see
    /// [`write_atomic`](super::write_atomic)): documents, term statistics and
    /// weights, tombstones, the dense vectors and their graph, and the
    /// embedder's fingerprint (not the embedder).
    ///
    /// # Errors
    /// [`Error::Io`] for any I/O failure; [`SnapshotError::TooLarge`] when the
    /// payload exceeds [`MAX_PAYLOAD_LEN`](super::MAX_PAYLOAD_LEN).
    pub fn save(&self, path: impl AsRef<Path>) -> Result<SnapshotInfo> {
        super::write_atomic(path, &IndexPayload::of(self))
    }

    /// Loads an index saved by [`Index::save`], without an embedder (text
    /// queries still work; requests that need one must carry their vector).
    /// A loaded index answers every query exactly as the saved one did.
    ///
    /// # Errors
    /// [`Error::Io`] when the file cannot be read; [`Error::Snapshot`] with the
    /// first failed check (see the [module docs](super)); deep inconsistencies
    /// found while rebuilding are [`SnapshotError::Inconsistent`].
    pub fn load(path: impl AsRef<Path>) -> Result<Index> {
        super::read::<IndexPayload>(path)?.into_index(None)
    }

    /// [`Index::load`] with `embedder` attached.
    ///
    /// # Errors
    /// As [`Index::load`]; [`Error::EmbedderMismatch`] when the snapshot
    /// recorded an embedder fingerprint that differs from `embedder`'s;
    /// [`Error::DimensionMismatch`] when `embedder`'s dimension differs from
    /// the stored vectors'.
    pub fn load_with_embedder(
        path: impl AsRef<Path>,
        embedder: Arc<dyn Embedder>,
    ) -> Result<Index> {
        super::read::<IndexPayload>(path)?.into_index(Some(embedder))
    }

    /// [`Index::load`] on the bytes of a whole snapshot file.
    ///
    /// # Errors
    /// As [`Index::load`], without the I/O.
    pub fn load_bytes(bytes: &[u8]) -> Result<Index> {
        super::read_bytes::<IndexPayload>(bytes)?.into_index(None)
    }

    /// The whole snapshot file [`Index::save`] would write, as bytes.
    ///
    /// # Errors
    /// As [`Index::save`], without the I/O.
    pub fn to_snapshot_bytes(&self) -> Result<Vec<u8>> {
        super::to_bytes(&IndexPayload::of(self))
    }
}
