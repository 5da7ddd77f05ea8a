//! Time for TTLs: a one-method [`Clock`] trait, the wall clock, and a manual
//! clock so expiry is testable without sleeping.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Where a [`FaqCache`](super::FaqCache) reads the current time.
///
/// The cache stores times as milliseconds since the Unix epoch (plain integers,
/// so they serialise), via [`millis_since_epoch`].
pub trait Clock: Send + Sync {
    /// The current time.
    fn now(&self) -> SystemTime;
}

/// The system's wall clock. The default clock of a cache.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// A clock that only moves when told to (for tests and simulations).
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use twofold::faq::{Clock, ManualClock};
/// let clock = ManualClock::new(UNIX_EPOCH + Duration::from_secs(1_000));
/// clock.advance(Duration::from_secs(5));
/// assert_eq!(clock.now(), UNIX_EPOCH + Duration::from_secs(1_005));
/// ```
#[derive(Debug, Default)]
pub struct ManualClock {
    millis: AtomicU64,
}

impl ManualClock {
    /// A clock showing `start` (times before the epoch show the epoch).
    pub fn new(start: SystemTime) -> Self {
        ManualClock {
            millis: AtomicU64::new(millis_since_epoch(start)),
        }
    }

    /// Moves the clock forward by `by` (saturating; sub-millisecond parts are
    /// dropped). The time it shows stops at the end of year 9999.
    pub fn advance(&self, by: Duration) {
        let ms = u64::try_from(by.as_millis()).unwrap_or(u64::MAX);
        let _ = self
            .millis
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |m| {
                Some(m.saturating_add(ms))
            });
    }

    /// Sets the clock to `to` (it may go backwards).
    pub fn set(&self, to: SystemTime) {
        self.millis.store(millis_since_epoch(to), Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> SystemTime {
        // Clamped: `advance` saturates, and past year 9999 some platforms'
        // `SystemTime` (Windows') cannot represent the time and `+` panics.
        let millis = self.millis.load(Ordering::SeqCst).min(LATEST_MILLIS);
        UNIX_EPOCH + Duration::from_millis(millis)
    }
}

/// 9999-12-31T23:59:59.999Z in milliseconds since the epoch: the latest time a
/// [`ManualClock`] reports, representable by `SystemTime` on every platform.
const LATEST_MILLIS: u64 = 253_402_300_799_999;

/// Milliseconds from the Unix epoch to `time` (0 for earlier times, saturating).
pub fn millis_since_epoch(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// A duration in whole milliseconds, rounded up (so a TTL under a millisecond
/// is one, not zero: an entry never expires the moment it is stored) and
/// saturating.
pub(crate) fn duration_millis(d: Duration) -> u64 {
    let whole = u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
    if d.subsec_nanos().is_multiple_of(1_000_000) {
        whole
    } else {
        whole.saturating_add(1)
    }
}
