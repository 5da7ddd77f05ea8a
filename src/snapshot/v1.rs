//! Format version 1: the payload codec.
//!
//! The version-1 payload is the bincode 2 `standard()` encoding (varint
//! integers, little-endian, no framing) of the payload value. bincode is not
//! self-describing, so *any* change to a persisted struct is a format change:
//! add a `v2.rs` with the new wire structs and a named upgrade function
//! (`upgrade_v1_to_v2`), bump [`FORMAT_VERSION`](super::FORMAT_VERSION), and
//! dispatch on the version in [`decode_payload`](super::decode_payload).
//!
//! # The decode limit
//!
//! bincode counts the in-memory bytes it *claims* (a `u64` claims 8 even when
//! its varint is 1 byte; a string or byte vector claims its length before
//! allocating) and fails with `LimitExceeded` past a limit. A valid payload
//! claims at most [`CLAIM_PER_BYTE`] bytes per encoded byte (a `u128` varint
//! of one byte claims 16), so decoding uses the smallest limit tier of at least
//! `CLAIM_PER_BYTE × payload_len`. A forged length prefix (a string of 2⁴⁰
//! bytes in a 1 KiB payload) therefore fails with `LimitExceeded` and can make
//! the decoder allocate at most one tier (16 MiB for small payloads).

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::error::SnapshotError;

/// The most bytes a valid payload claims per encoded byte.
pub(super) const CLAIM_PER_BYTE: u64 = 16;

/// Decode limit tiers in bytes; the last one applies to every larger payload.
const TIER_SMALL: u64 = 16 << 20;
const TIER_MEDIUM: u64 = 256 << 20;
const TIER_LARGE: u64 = 4 << 30;
const TIER_HUGE: u64 = 64 << 30;

/// `bytes` as a `usize` limit, saturating on 32-bit targets.
const fn limit(bytes: u64) -> usize {
    if bytes > usize::MAX as u64 {
        usize::MAX
    } else {
        bytes as usize
    }
}

/// Encodes `payload` into `w`, returning the bytes written.
pub(super) fn encode_into<T: Serialize + ?Sized, W: std::io::Write>(
    payload: &T,
    w: &mut W,
) -> Result<usize, bincode::error::EncodeError> {
    bincode::serde::encode_into_std_write(payload, w, bincode::config::standard())
}

/// The decode limit used for a payload of `len` bytes.
pub(super) fn decode_limit(len: u64) -> u64 {
    let need = len.saturating_mul(CLAIM_PER_BYTE);
    [TIER_SMALL, TIER_MEDIUM, TIER_LARGE]
        .into_iter()
        .find(|&tier| need <= tier)
        .unwrap_or(TIER_HUGE)
}

/// Decodes a whole version-1 payload (already checksummed).
///
/// # Errors
/// [`SnapshotError::Decode`] when bincode fails (including `LimitExceeded`),
/// [`SnapshotError::TrailingBytes`] when the value ends before the payload does.
pub(super) fn decode<T: DeserializeOwned>(payload: &[u8]) -> Result<T, SnapshotError> {
    match decode_limit(payload.len() as u64) {
        TIER_SMALL => decode_with::<T, { limit(TIER_SMALL) }>(payload),
        TIER_MEDIUM => decode_with::<T, { limit(TIER_MEDIUM) }>(payload),
        TIER_LARGE => decode_with::<T, { limit(TIER_LARGE) }>(payload),
        _ => decode_with::<T, { limit(TIER_HUGE) }>(payload),
    }
}

fn decode_with<T: DeserializeOwned, const LIMIT: usize>(
    payload: &[u8],
) -> Result<T, SnapshotError> {
    let config = bincode::config::standard().with_limit::<LIMIT>();
    let (value, used): (T, usize) =
        bincode::serde::decode_from_slice(payload, config).map_err(|e| SnapshotError::Decode {
            reason: e.to_string(),
        })?;
    if used != payload.len() {
        return Err(SnapshotError::TrailingBytes {
            count: (payload.len() - used) as u64,
        });
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_tiers_cover_sixteen_times_the_payload() {
        assert_eq!(decode_limit(0), TIER_SMALL);
        assert_eq!(decode_limit(1 << 20), TIER_SMALL);
        assert_eq!(decode_limit((1 << 20) + 1), TIER_MEDIUM);
        assert_eq!(decode_limit(256 << 20), TIER_LARGE);
        assert_eq!(decode_limit(1 << 40), TIER_HUGE);
        assert_eq!(decode_limit(u64::MAX), TIER_HUGE);
    }

    #[test]
    fn a_forged_string_length_hits_the_limit_without_allocating_it() {
        // 0xFD = a u64 follows: a string of 2^40 bytes in a 9-byte payload.
        let mut bytes = vec![0xFD];
        bytes.extend_from_slice(&(1u64 << 40).to_le_bytes());
        match decode::<String>(&bytes) {
            Err(SnapshotError::Decode { reason }) => {
                assert!(reason.contains("LimitExceeded"), "{reason}");
            }
            other => panic!("expected a Decode error, got {other:?}"),
        }
    }

    #[test]
    fn values_must_consume_the_whole_payload() {
        let mut bytes = Vec::new();
        encode_into(&7u32, &mut bytes).unwrap();
        bytes.push(0);
        assert!(matches!(
            decode::<u32>(&bytes),
            Err(SnapshotError::TrailingBytes { count: 1 })
        ));
        assert_eq!(decode::<u32>(&bytes[..1]).unwrap(), 7);
    }
}
