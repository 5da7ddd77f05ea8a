//! One-file snapshots: a versioned, checksummed container around a bincode
//! payload.
//!
//! # Brief overview
//!
//! * [`write_atomic`] saves any `Serialize` payload that implements
//!   [`Validate`] to one file, atomically: a crash or kill during the save
//!   leaves the previous file intact.
//! * [`read`] loads it back, checking everything before trusting anything
//!   (order below); [`read_bytes`] does the same on a byte slice.
//! * [`inspect`] reads only the 64-byte [`Header`]: format version, flags,
//!   dense dimension and document count, without decoding the payload.
//! * Every failure is a distinct [`SnapshotError`] variant inside
//!   [`Error::Snapshot`]; I/O failures are [`Error::Io`] with the path.
//!
//! The byte layout is documented in [`header`] (and in
//! `docs/snapshot-format.md`).
//!
//! # Load order
//!
//! 1. magic ([`SnapshotError::BadMagic`]);
//! 2. format version within [`OLDEST_SUPPORTED_VERSION`]`..=`[`FORMAT_VERSION`]
//!    ([`SnapshotError::UnsupportedVersion`]);
//! 3. header crc ([`SnapshotError::HeaderChecksum`]), reserved bytes and flags
//!    ([`SnapshotError::UnsupportedFlags`]);
//! 4. `payload_len` against [`MAX_PAYLOAD_LEN`] ([`SnapshotError::TooLarge`])
//!    and against the file length ([`SnapshotError::Truncated`],
//!    [`SnapshotError::TrailingBytes`]), before anything is allocated; then
//!    the kind of snapshot the flags announce against the loader's
//!    [`Validate::KIND`] ([`SnapshotError::WrongKind`]);
//! 5. payload crc ([`SnapshotError::PayloadChecksum`]);
//! 6. bincode decode under a size limit, which must consume the whole payload
//!    ([`SnapshotError::Decode`], [`SnapshotError::TrailingBytes`]);
//! 7. the payload's [`Validate::header_info`] against the header, then
//!    [`Validate::validate`] ([`SnapshotError::Inconsistent`]).
//!
//! # Memory
//!
//! Saving streams the encoding through a `BufWriter` into the temporary file,
//! so its peak is the payload value plus a 64 KiB buffer. Loading reads the
//! payload into memory first (the crc must pass before decoding starts), so
//! its peak is the payload bytes plus the decoded value, about twice the file
//! size. A hostile length prefix cannot make the decoder allocate more than
//! its limit tier (see the `v1` module: 16 MiB for payloads up to 1 MiB).
//!
//! # Compatibility
//!
//! Files are little-endian and independent of the platform's word size. A
//! build reads every format version in
//! `OLDEST_SUPPORTED_VERSION..=FORMAT_VERSION` and names the range when it
//! cannot. Only version 1 exists so far; see `docs/snapshot-format.md`,
//! "Version changes".

pub mod error;
pub mod header;
pub(crate) mod index;
mod v1;

use std::fs::File;
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::Serialize;

pub use error::SnapshotError;
pub use header::{Flags, Header, HeaderInfo, SnapshotKind, WriterVersion, HEADER_LEN, MAGIC};

use crate::{Error, Result};

/// The format version this build writes.
pub const FORMAT_VERSION: u32 = 1;

/// The oldest format version this build reads.
pub const OLDEST_SUPPORTED_VERSION: u32 = 1;

/// The largest payload this build writes or reads: 4 GiB.
pub const MAX_PAYLOAD_LEN: u64 = 4 << 30;

/// A payload that can check itself after decoding and describe itself for
/// the header.
pub trait Validate {
    /// The kind of snapshot this payload is. [`read`] rejects a file whose
    /// header flags say otherwise with [`SnapshotError::WrongKind`] before
    /// touching the payload. Default [`SnapshotKind::Index`].
    const KIND: SnapshotKind = SnapshotKind::Index;

    /// What the header records about this payload: flags, dense dimension and
    /// document count. [`write_atomic`] writes it; [`read`] rejects a file
    /// whose header disagrees with the decoded payload.
    fn header_info(&self) -> HeaderInfo;

    /// Checks that the decoded parts fit together (lengths, ids, parameters).
    ///
    /// # Errors
    /// Whatever fits; [`read`] reports every error as
    /// [`SnapshotError::Inconsistent`] (keeping the `what` and `detail` of an
    /// [`Error::CorruptPersisted`] or of an `Inconsistent` returned here).
    fn validate(&self) -> Result<()>;
}

/// What [`write_atomic`] wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnapshotInfo {
    /// The snapshot file.
    pub path: PathBuf,
    /// Its header.
    pub header: Header,
}

impl SnapshotInfo {
    /// Size of the file in bytes.
    pub fn file_len(&self) -> u64 {
        self.header.file_len()
    }
}

/// Saves `payload` to `path` atomically.
///
/// Writes a temporary file `.<name>.<random>.tmp` in the same directory
/// (header placeholder, then the payload through a `BufWriter`, then the
/// real header), `fsync`s it, renames it over `path` and `fsync`s the
/// directory. Until the rename, `path` keeps its previous content; a crash
/// may leave the temporary file behind, which is never read and may be
/// deleted. On Unix the new file gets mode 0o666 minus the umask, as with
/// `File::create` (it does not keep the replaced file's mode).
///
/// # Errors
/// [`Error::Io`] for any I/O failure (with the path involved);
/// [`SnapshotError::TooLarge`] when the payload exceeds [`MAX_PAYLOAD_LEN`];
/// [`Error::InvalidInput`] when serde cannot encode the payload.
pub fn write_atomic<T>(path: impl AsRef<Path>, payload: &T) -> Result<SnapshotInfo>
where
    T: Serialize + Validate + ?Sized,
{
    let path = path.as_ref();
    let dir = parent_dir(path);
    let name = path
        .file_name()
        .map(|n| format!(".{}.", n.to_string_lossy()))
        .unwrap_or_else(|| ".snapshot.".into());
    let mut builder = tempfile::Builder::new();
    builder.prefix(&name).suffix(".tmp");
    #[cfg(unix)]
    {
        // As `File::create`: 0o666 minus the umask (tempfile's default is 0o600).
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut tmp = builder.tempfile_in(dir).map_err(|e| Error::io(dir, e))?;
    let tmp_path = tmp.path().to_path_buf();
    let header = write_snapshot(tmp.as_file_mut(), payload).map_err(|e| with_path(e, &tmp_path))?;
    tmp.as_file()
        .sync_all()
        .map_err(|e| Error::io(&tmp_path, e))?;
    tmp.persist(path).map_err(|e| Error::io(path, e.error))?;
    sync_dir(dir)?;
    Ok(SnapshotInfo {
        path: path.to_path_buf(),
        header,
    })
}

/// The whole snapshot (header and payload) as bytes, as [`write_atomic`]
/// would write it.
///
/// # Errors
/// As [`write_atomic`], without the I/O.
pub fn to_bytes<T: Serialize + Validate + ?Sized>(payload: &T) -> Result<Vec<u8>> {
    let mut cursor = std::io::Cursor::new(Vec::new());
    write_snapshot(&mut cursor, payload).map_err(|e| with_path(e, Path::new("<memory>")))?;
    Ok(cursor.into_inner())
}

/// Loads and validates the snapshot at `path`, in the order of the
/// [module docs](self).
///
/// # Errors
/// [`Error::Io`] when the file cannot be opened or read; otherwise
/// [`Error::Snapshot`] with the first failed check.
pub fn read<T: DeserializeOwned + Validate>(path: impl AsRef<Path>) -> Result<T> {
    let path = path.as_ref();
    let (mut file, header) = open_checked(path)?;
    let payload = read_payload(&mut file, path, &header)?;
    decode_payload(&header, &payload)
}

/// [`read`] on the bytes of a whole snapshot file.
///
/// # Errors
/// [`Error::Snapshot`] with the first failed check.
pub fn read_bytes<T: DeserializeOwned + Validate>(bytes: &[u8]) -> Result<T> {
    let header = Header::decode(bytes)?;
    check_lengths(&header, bytes.len() as u64)?;
    decode_payload(&header, bytes.get(HEADER_LEN..).unwrap_or_default())
}

/// The header of the snapshot at `path`, checked (steps 1-4 of the load
/// order) but without reading, checksumming or decoding the payload.
///
/// # Errors
/// [`Error::Io`] when the file cannot be opened or read; otherwise
/// [`Error::Snapshot`].
pub fn inspect(path: impl AsRef<Path>) -> Result<Header> {
    open_checked(path.as_ref()).map(|(_, header)| header)
}

/// [`inspect`] on the bytes of a whole snapshot file.
///
/// # Errors
/// [`Error::Snapshot`].
pub fn inspect_bytes(bytes: &[u8]) -> Result<Header> {
    let header = Header::decode(bytes)?;
    check_lengths(&header, bytes.len() as u64)?;
    Ok(header)
}

/// Writes placeholder header, payload, real header; returns the header.
/// I/O errors come back as `Error::Io` with an empty path for the caller to fill in.
fn write_snapshot<W, T>(out: &mut W, payload: &T) -> Result<Header>
where
    W: Write + Seek,
    T: Serialize + Validate + ?Sized,
{
    let io = |e| Error::io("", e);
    out.write_all(&[0; HEADER_LEN]).map_err(io)?;
    let (payload_len, payload_crc) = {
        let mut sink = CrcWriter::new(BufWriter::with_capacity(64 << 10, &mut *out));
        v1::encode_into(payload, &mut sink).map_err(encode_error)?;
        sink.flush().map_err(io)?;
        (sink.len, sink.crc.clone().finalize())
    };
    if payload_len > MAX_PAYLOAD_LEN {
        return Err(SnapshotError::TooLarge {
            len: payload_len,
            limit: MAX_PAYLOAD_LEN,
        }
        .into());
    }
    let header = Header {
        format_version: FORMAT_VERSION,
        info: payload.header_info(),
        writer: WriterVersion::current(),
        payload_len,
        payload_crc,
    };
    out.seek(SeekFrom::Start(0)).map_err(io)?;
    out.write_all(&header.encode()).map_err(io)?;
    out.flush().map_err(io)?;
    Ok(header)
}

fn encode_error(e: bincode::error::EncodeError) -> Error {
    match e {
        bincode::error::EncodeError::Io { inner, .. } => Error::io("", inner),
        other => Error::InvalidInput(format!("snapshot payload cannot be encoded: {other}")),
    }
}

/// Fills in the path of an `Error::Io` produced without one.
fn with_path(e: Error, path: &Path) -> Error {
    match e {
        Error::Io { source, .. } => Error::io(path, source),
        other => other,
    }
}

/// A writer that counts and checksums what passes through.
struct CrcWriter<W> {
    inner: W,
    crc: crc32fast::Hasher,
    len: u64,
}

impl<W> CrcWriter<W> {
    fn new(inner: W) -> Self {
        CrcWriter {
            inner,
            crc: crc32fast::Hasher::new(),
            len: 0,
        }
    }
}

impl<W: Write> Write for CrcWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        let written = buf.get(..n).unwrap_or(buf);
        self.crc.update(written);
        self.len += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Opens `path` and checks its header and length (load order steps 1-4).
fn open_checked(path: &Path) -> Result<(File, Header)> {
    let io = |e| Error::io(path, e);
    let mut file = File::open(path).map_err(io)?;
    let file_len = file.metadata().map_err(io)?.len();
    let mut prefix = Vec::with_capacity(HEADER_LEN);
    (&mut file)
        .take(HEADER_LEN as u64)
        .read_to_end(&mut prefix)
        .map_err(io)?;
    let header = Header::decode(&prefix)?;
    check_lengths(&header, file_len)?;
    Ok((file, header))
}

/// Reads the payload that follows the header (the length is already checked
/// against the file length, so this allocates at most the file's size).
fn read_payload(file: &mut File, path: &Path, header: &Header) -> Result<Vec<u8>> {
    let len = usize::try_from(header.payload_len).map_err(|_| SnapshotError::TooLarge {
        len: header.payload_len,
        limit: usize::MAX as u64,
    })?;
    let mut payload = Vec::new();
    payload.try_reserve_exact(len).map_err(|e| {
        Error::io(
            path,
            std::io::Error::new(std::io::ErrorKind::OutOfMemory, e),
        )
    })?;
    file.take(header.payload_len)
        .read_to_end(&mut payload)
        .map_err(|e| Error::io(path, e))?;
    if payload.len() != len {
        // The file shrank after its length was checked.
        return Err(SnapshotError::Truncated {
            expected_len: header.file_len(),
            found_len: (HEADER_LEN + payload.len()) as u64,
        }
        .into());
    }
    Ok(payload)
}

/// Step 4: the payload length against the limit and the file length.
fn check_lengths(header: &Header, file_len: u64) -> Result<(), SnapshotError> {
    if header.payload_len > MAX_PAYLOAD_LEN {
        return Err(SnapshotError::TooLarge {
            len: header.payload_len,
            limit: MAX_PAYLOAD_LEN,
        });
    }
    let expected_len = header.file_len();
    if file_len < expected_len {
        return Err(SnapshotError::Truncated {
            expected_len,
            found_len: file_len,
        });
    }
    if file_len > expected_len {
        return Err(SnapshotError::TrailingBytes {
            count: file_len - expected_len,
        });
    }
    Ok(())
}

/// Steps 5-7: payload crc, decode by format version, validation.
fn decode_payload<T: DeserializeOwned + Validate>(header: &Header, payload: &[u8]) -> Result<T> {
    check_kind::<T>(header)?;
    let found = crc32fast::hash(payload);
    if found != header.payload_crc {
        return Err(SnapshotError::PayloadChecksum {
            expected: header.payload_crc,
            found,
        }
        .into());
    }
    // Explicit dispatch: a v2 adds `2 => v2::decode(payload)?` here and turns
    // the v1 arm into `v2::upgrade_v1_to_v2(v1::decode(payload)?)`.
    let value: T = match header.format_version {
        1 => v1::decode(payload)?,
        found => {
            return Err(SnapshotError::UnsupportedVersion {
                found,
                supported: OLDEST_SUPPORTED_VERSION..=FORMAT_VERSION,
            }
            .into())
        }
    };
    check_header_info(&header.info, &value.header_info())?;
    value.validate().map_err(inconsistent)?;
    Ok(value)
}

/// Step 4b: the header's flags must describe the kind of payload `T` is.
fn check_kind<T: Validate>(header: &Header) -> Result<(), SnapshotError> {
    let found = SnapshotKind::of_flags(header.info.flags);
    if found != T::KIND {
        return Err(SnapshotError::WrongKind {
            expected: T::KIND,
            found,
        });
    }
    Ok(())
}

/// Step 7a: the header must describe the payload it carries.
fn check_header_info(header: &HeaderInfo, payload: &HeaderInfo) -> Result<(), SnapshotError> {
    if header != payload {
        return Err(SnapshotError::Inconsistent {
            what: "header",
            detail: format!("the header says {header:?}, the payload has {payload:?}"),
        });
    }
    Ok(())
}

/// Reports a validation failure as [`SnapshotError::Inconsistent`].
fn inconsistent(e: Error) -> Error {
    match e {
        Error::Snapshot(_) => e,
        Error::CorruptPersisted { what, detail } => {
            SnapshotError::Inconsistent { what, detail }.into()
        }
        other => SnapshotError::Inconsistent {
            what: "payload",
            detail: other.to_string(),
        }
        .into(),
    }
}

/// The directory holding `path` (`.` for a bare file name).
fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Makes the rename durable (Unix: fsync the directory). Filesystems that
/// cannot fsync a directory are skipped.
fn sync_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::io::ErrorKind;
        let result = File::open(dir).and_then(|d| d.sync_all());
        match result {
            Err(e) if !matches!(e.kind(), ErrorKind::Unsupported | ErrorKind::InvalidInput) => {
                return Err(Error::io(dir, e));
            }
            _ => {}
        }
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}
