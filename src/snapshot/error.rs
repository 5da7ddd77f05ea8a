//! [`SnapshotError`]: every way a snapshot file can be unreadable.

use std::ops::RangeInclusive;

/// Why a snapshot could not be read (or, for [`TooLarge`](Self::TooLarge),
/// written).
///
/// Each corruption class is its own variant, reported in load order (see the
/// [module docs](super)), so a caller can match "bad file" once through
/// [`Error::Snapshot`](crate::Error::Snapshot) and tests can assert the exact
/// kind. I/O failures are [`Error::Io`](crate::Error::Io), with the path.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SnapshotError {
    /// The file does not start with the twofold magic bytes.
    #[error("not a twofold snapshot (bad magic bytes); check the path")]
    BadMagic,
    /// The format version is outside what this build reads.
    #[error(
        "snapshot format version {found} is not supported (this build reads versions {}..={}); \
         load it with the twofold release that wrote it, or rebuild the index",
        supported.start(),
        supported.end()
    )]
    UnsupportedVersion {
        /// The version in the file.
        found: u32,
        /// The versions this build can read, oldest to current.
        supported: RangeInclusive<u32>,
    },
    /// The header's checksum does not match its bytes.
    #[error(
        "snapshot header checksum mismatch (stored {expected:#010x}, computed {found:#010x}); \
         the file is damaged, restore it from a backup or rebuild the index"
    )]
    HeaderChecksum {
        /// The checksum stored in the header.
        expected: u32,
        /// The checksum of the header bytes as read.
        found: u32,
    },
    /// The header sets feature flags this build does not know.
    #[error(
        "snapshot uses unknown feature flags {unknown:#x}; it was written by a newer twofold, \
         load it with that release"
    )]
    UnsupportedFlags {
        /// All flags in the header.
        flags: u32,
        /// The bits this build does not know.
        unknown: u32,
    },
    /// The file is shorter than its header says.
    #[error(
        "snapshot is truncated: expected {expected_len} bytes, found {found_len}; the file is \
         incomplete, restore it from a backup or rebuild the index"
    )]
    Truncated {
        /// Bytes the header (or the header itself) requires.
        expected_len: u64,
        /// Bytes present.
        found_len: u64,
    },
    /// The payload length exceeds [`MAX_PAYLOAD_LEN`](super::MAX_PAYLOAD_LEN).
    #[error(
        "snapshot payload of {len} bytes exceeds the limit of {limit} bytes; the header is \
         damaged, or the index is too large for one snapshot file"
    )]
    TooLarge {
        /// The payload length.
        len: u64,
        /// The limit.
        limit: u64,
    },
    /// The payload's checksum does not match its bytes.
    #[error(
        "snapshot payload checksum mismatch (stored {expected:#010x}, computed {found:#010x}); \
         the file is damaged, restore it from a backup or rebuild the index"
    )]
    PayloadChecksum {
        /// The checksum stored in the header.
        expected: u32,
        /// The checksum of the payload as read.
        found: u32,
    },
    /// The payload passed its checksum but is not a valid encoding (for
    /// example a length beyond the decode limit, or a value out of range).
    #[error(
        "snapshot payload could not be decoded: {reason}; the file was written by an \
         incompatible twofold build or forged, rebuild the index"
    )]
    Decode {
        /// The decoder's complaint.
        reason: String,
    },
    /// Bytes left over after the payload (in the file or in the decoded payload).
    #[error("snapshot has {count} unexpected bytes after the payload; the file is damaged, rebuild the index")]
    TrailingBytes {
        /// How many bytes are left over.
        count: u64,
    },
    /// The payload decoded but its parts do not fit together (or do not match
    /// the header).
    #[error("snapshot is inconsistent: {what}: {detail}; the file is damaged, rebuild the index")]
    Inconsistent {
        /// Which part failed validation.
        what: &'static str,
        /// What was found.
        detail: String,
    },
    /// The file holds another kind of snapshot than the loader reads (an FAQ
    /// cache given to `Index::load`, or an index given to `FaqCache::load`).
    #[error("snapshot holds {found}, not {expected}")]
    WrongKind {
        /// What the loader reads.
        expected: super::SnapshotKind,
        /// What the file holds (from its header flags).
        found: super::SnapshotKind,
    },
}
