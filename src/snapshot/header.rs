//! The fixed 64-byte snapshot header.
//!
//! # Byte layout (format version 1)
//!
//! All integers are little-endian. The payload follows the header directly.
//!
//! ```text
//! offset  size  field
//! ------  ----  -----------------------------------------------------------
//!      0    12  magic: 0x89 "TWOFOLD" 0x0D 0x0A 0x1A 0x0A
//!               (a high byte to catch 7-bit transfers, CR LF and LF to catch
//!               newline conversion, ^Z to stop `type` on DOS; as PNG and redb)
//!     12     4  format_version: u32 (1)
//!     16     4  flags: u32; bit 0 = dense vectors present, bit 1 = the payload is
//!               a FAQ cache, not an index; any other bit set -> UnsupportedFlags
//!     20     2  writer crate version, major: u16   (informational)
//!     22     2  writer crate version, minor: u16   (informational)
//!     24     2  writer crate version, patch: u16   (informational)
//!     26     2  reserved, 0
//!     28     4  dense dimension: u32 (0 = no dense vectors)
//!     32     8  document count: u64 (must match the payload)
//!     40     8  payload_len: u64 (bytes after the header; the file is exactly
//!               64 + payload_len bytes)
//!     48     4  payload crc32 (crc32fast, IEEE) of the payload bytes
//!     52     8  reserved, 0
//!     60     4  header crc32 (crc32fast, IEEE) of bytes 0..60
//!     64     -  payload: bincode 2 `standard()` encoding (varint integers,
//!               little-endian) of the payload value
//! ```
//!
//! Bytes 0..16 (magic and version) keep this meaning in every future version,
//! so any build can tell *which* version it cannot read. Everything after
//! them may change with the version.

use super::error::SnapshotError;
use super::{FORMAT_VERSION, OLDEST_SUPPORTED_VERSION};

/// Size of the fixed header in bytes.
pub const HEADER_LEN: usize = 64;

/// The 12 magic bytes every snapshot starts with.
pub const MAGIC: [u8; 12] = *b"\x89TWOFOLD\r\n\x1a\n";

/// Offset of the header crc; the crc covers the bytes before it.
const HEADER_CRC_AT: usize = 60;

/// Feature flags of a snapshot (header bytes 16..20).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Flags(u32);

impl Flags {
    /// No optional part present.
    pub const NONE: Flags = Flags(0);
    /// Dense vectors are present (bit 0).
    pub const DENSE: Flags = Flags(1);
    /// The payload is a FAQ cache (its index plus the cache's entries), not
    /// a bare index (bit 1); see [`SnapshotKind`].
    pub const FAQ: Flags = Flags(1 << 1);
    /// Every bit this build knows.
    pub const KNOWN: Flags = Flags(Self::DENSE.0 | Self::FAQ.0);

    /// The flags from raw bits.
    ///
    /// # Errors
    /// [`SnapshotError::UnsupportedFlags`] if a bit outside [`Flags::KNOWN`] is set.
    pub fn from_bits(bits: u32) -> Result<Flags, SnapshotError> {
        let unknown = bits & !Self::KNOWN.0;
        if unknown != 0 {
            return Err(SnapshotError::UnsupportedFlags {
                flags: bits,
                unknown,
            });
        }
        Ok(Flags(bits))
    }

    /// The raw bits.
    pub fn bits(self) -> u32 {
        self.0
    }

    /// Whether every bit of `other` is set.
    pub fn contains(self, other: Flags) -> bool {
        self.0 & other.0 == other.0
    }

    /// Both sets of bits.
    pub fn union(self, other: Flags) -> Flags {
        Flags(self.0 | other.0)
    }
}

/// What a snapshot file holds, read from its header flags: an [`Index`]
/// ([`Flags::FAQ`] clear) or a [`FaqCache`] ([`Flags::FAQ`] set).
///
/// Loading a file with the other type's loader is
/// [`SnapshotError::WrongKind`], which names both kinds.
///
/// [`Index`]: crate::index::Index
/// [`FaqCache`]: crate::faq::FaqCache
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SnapshotKind {
    /// A whole index (`Index::save`).
    Index,
    /// A FAQ cache: its index plus the cache's entries (`FaqCache::save`).
    FaqCache,
}

impl SnapshotKind {
    /// The kind a header with `flags` describes.
    pub fn of_flags(flags: Flags) -> SnapshotKind {
        if flags.contains(Flags::FAQ) {
            SnapshotKind::FaqCache
        } else {
            SnapshotKind::Index
        }
    }
}

impl std::fmt::Display for SnapshotKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SnapshotKind::Index => "an index (load it with Index::load)",
            SnapshotKind::FaqCache => "a FAQ cache (load it with FaqCache::load)",
        })
    }
}

/// What a payload tells the header about itself, so that counts and
/// dimensions are readable with [`inspect`](super::inspect) without decoding
/// the payload. [`read`](super::read) checks the decoded payload against it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct HeaderInfo {
    /// Optional parts present.
    pub flags: Flags,
    /// Dense vector dimension, 0 when there are no dense vectors.
    pub dense_dim: u32,
    /// Number of documents.
    pub document_count: u64,
}

/// The crate version that wrote a snapshot (informational only: readers
/// decide by [`Header::format_version`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WriterVersion {
    /// Major version.
    pub major: u16,
    /// Minor version.
    pub minor: u16,
    /// Patch version.
    pub patch: u16,
}

impl WriterVersion {
    /// This crate's version (a part that does not fit a `u16` becomes `u16::MAX`).
    pub fn current() -> WriterVersion {
        let part = |s: &str| s.parse::<u16>().unwrap_or(u16::MAX);
        WriterVersion {
            major: part(env!("CARGO_PKG_VERSION_MAJOR")),
            minor: part(env!("CARGO_PKG_VERSION_MINOR")),
            patch: part(env!("CARGO_PKG_VERSION_PATCH")),
        }
    }
}

impl std::fmt::Display for WriterVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// A decoded snapshot header (the in-memory form of the 64 bytes above).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Header {
    /// Format version of the file.
    pub format_version: u32,
    /// Which optional parts are present, with the dense dimension and
    /// document count.
    pub info: HeaderInfo,
    /// The crate version that wrote the file.
    pub writer: WriterVersion,
    /// Length of the payload in bytes.
    pub payload_len: u64,
    /// crc32 of the payload.
    pub payload_crc: u32,
}

impl Header {
    /// A current-version header for a payload of these bytes.
    pub fn for_payload(info: HeaderInfo, payload: &[u8]) -> Header {
        Header {
            format_version: FORMAT_VERSION,
            info,
            writer: WriterVersion::current(),
            payload_len: payload.len() as u64,
            payload_crc: crc32fast::hash(payload),
        }
    }

    /// Total file length: header plus payload.
    pub fn file_len(&self) -> u64 {
        // Saturating: `decode` takes any payload length a header claims.
        (HEADER_LEN as u64).saturating_add(self.payload_len)
    }

    /// The 64 header bytes, with the header crc computed over bytes 0..60.
    /// Always writes the version-1 layout.
    pub fn encode(&self) -> [u8; HEADER_LEN] {
        let mut b = [0u8; HEADER_LEN];
        b[0..12].copy_from_slice(&MAGIC);
        b[12..16].copy_from_slice(&self.format_version.to_le_bytes());
        b[16..20].copy_from_slice(&self.info.flags.bits().to_le_bytes());
        b[20..22].copy_from_slice(&self.writer.major.to_le_bytes());
        b[22..24].copy_from_slice(&self.writer.minor.to_le_bytes());
        b[24..26].copy_from_slice(&self.writer.patch.to_le_bytes());
        b[28..32].copy_from_slice(&self.info.dense_dim.to_le_bytes());
        b[32..40].copy_from_slice(&self.info.document_count.to_le_bytes());
        b[40..48].copy_from_slice(&self.payload_len.to_le_bytes());
        b[48..52].copy_from_slice(&self.payload_crc.to_le_bytes());
        let crc = crc32fast::hash(&b[..HEADER_CRC_AT]);
        b[HEADER_CRC_AT..].copy_from_slice(&crc.to_le_bytes());
        b
    }

    /// Parses the header at the start of `bytes`, checking in order: magic,
    /// version, header crc, reserved bytes, flags. Lengths are checked by the
    /// caller, which knows the file length.
    ///
    /// # Errors
    /// [`SnapshotError::BadMagic`] (also for input shorter than the magic that
    /// does not match it), [`SnapshotError::Truncated`] for a matching prefix
    /// shorter than 64 bytes, [`SnapshotError::UnsupportedVersion`],
    /// [`SnapshotError::HeaderChecksum`], [`SnapshotError::Inconsistent`] for
    /// non-zero reserved bytes, [`SnapshotError::UnsupportedFlags`].
    pub fn decode(bytes: &[u8]) -> Result<Header, SnapshotError> {
        let magic_len = bytes.len().min(MAGIC.len());
        if bytes[..magic_len] != MAGIC[..magic_len] {
            return Err(SnapshotError::BadMagic);
        }
        let Some(b) = bytes.first_chunk::<HEADER_LEN>() else {
            return Err(SnapshotError::Truncated {
                expected_len: HEADER_LEN as u64,
                found_len: bytes.len() as u64,
            });
        };
        let format_version = read_u32(b, 12);
        check_version(format_version)?;
        // Only version 1 exists; a later version dispatches on
        // `format_version` here to its own header layout.
        decode_v1(b, format_version)
    }
}

/// Rejects versions outside `OLDEST_SUPPORTED_VERSION..=FORMAT_VERSION`.
fn check_version(found: u32) -> Result<(), SnapshotError> {
    let supported = OLDEST_SUPPORTED_VERSION..=FORMAT_VERSION;
    if !supported.contains(&found) {
        return Err(SnapshotError::UnsupportedVersion { found, supported });
    }
    Ok(())
}

/// The version-1 layout after magic and version.
fn decode_v1(b: &[u8; HEADER_LEN], format_version: u32) -> Result<Header, SnapshotError> {
    let expected = read_u32(b, HEADER_CRC_AT);
    let found = crc32fast::hash(&b[..HEADER_CRC_AT]);
    if expected != found {
        return Err(SnapshotError::HeaderChecksum { expected, found });
    }
    if b[26..28] != [0; 2] || b[52..60] != [0; 8] {
        return Err(SnapshotError::Inconsistent {
            what: "header",
            detail: "reserved bytes are not zero".into(),
        });
    }
    let flags = Flags::from_bits(read_u32(b, 16))?;
    Ok(Header {
        format_version,
        info: HeaderInfo {
            flags,
            dense_dim: read_u32(b, 28),
            document_count: read_u64(b, 32),
        },
        writer: WriterVersion {
            major: read_u16(b, 20),
            minor: read_u16(b, 22),
            patch: read_u16(b, 24),
        },
        payload_len: read_u64(b, 40),
        payload_crc: read_u32(b, 48),
    })
}

fn read_u16(b: &[u8; HEADER_LEN], at: usize) -> u16 {
    let mut a = [0; 2];
    a.copy_from_slice(&b[at..at + 2]);
    u16::from_le_bytes(a)
}

fn read_u32(b: &[u8; HEADER_LEN], at: usize) -> u32 {
    let mut a = [0; 4];
    a.copy_from_slice(&b[at..at + 4]);
    u32::from_le_bytes(a)
}

fn read_u64(b: &[u8; HEADER_LEN], at: usize) -> u64 {
    let mut a = [0; 8];
    a.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(a)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Header {
        Header::for_payload(
            HeaderInfo {
                flags: Flags::DENSE,
                dense_dim: 384,
                document_count: 5183,
            },
            b"payload",
        )
    }

    #[test]
    fn encode_decode_round_trips() {
        let h = sample();
        let bytes = h.encode();
        assert_eq!(&bytes[..12], &MAGIC);
        assert_eq!(Header::decode(&bytes).unwrap(), h);
    }

    /// `decode` takes any payload length a (crc-valid) header claims; the
    /// total length saturates instead of overflowing.
    #[test]
    fn a_claimed_payload_length_of_u64_max_gives_a_saturated_file_length() {
        let mut h = sample();
        h.payload_len = u64::MAX;
        let decoded = Header::decode(&h.encode()).unwrap();
        assert_eq!(decoded.file_len(), u64::MAX);
    }

    #[test]
    fn unknown_flag_bits_are_rejected_after_the_crc() {
        let mut h = sample();
        h.info.flags = Flags(1 << 7 | 1);
        match Header::decode(&h.encode()) {
            Err(SnapshotError::UnsupportedFlags { flags, unknown }) => {
                assert_eq!((flags, unknown), (0x81, 0x80));
            }
            other => panic!("expected UnsupportedFlags, got {other:?}"),
        }
    }

    #[test]
    fn short_input_is_bad_magic_or_truncated() {
        let bytes = sample().encode();
        assert!(matches!(
            Header::decode(b"PK\x03\x04"),
            Err(SnapshotError::BadMagic)
        ));
        assert!(matches!(
            Header::decode(&bytes[..5]),
            Err(SnapshotError::Truncated { found_len: 5, .. })
        ));
        assert!(matches!(
            Header::decode(&[]),
            Err(SnapshotError::Truncated { found_len: 0, .. })
        ));
    }

    #[test]
    fn reserved_bytes_must_be_zero() {
        let mut bytes = sample().encode();
        bytes[53] = 1;
        let crc = crc32fast::hash(&bytes[..60]);
        bytes[60..].copy_from_slice(&crc.to_le_bytes());
        assert!(matches!(
            Header::decode(&bytes),
            Err(SnapshotError::Inconsistent { what: "header", .. })
        ));
    }
}
