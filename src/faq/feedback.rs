//! Labels for calibration: from lookups the caller judged, or from labelled pairs.

use super::cache::FaqCache;
use super::calibrate::{calibrate, Calibration, LabelledScore};
use super::entry::EntryId;
use super::lookup::{Lookup, LookupRequest};
use crate::error::Result;

/// Confidence of the precision lower bound used by [`FaqCache::calibrate`] and
/// [`FaqCache::calibrate_pairs`] (one-sided 95 %).
pub const DEFAULT_CONFIDENCE: f64 = 0.95;

impl FaqCache {
    /// Records whether a lookup's outcome was right, for later recalibration.
    /// Returns `false` (nothing recorded) for a miss with no candidate.
    ///
    /// * a hit: `correct` says whether the served answer was right;
    /// * a miss: `correct == true` means no stored entry answers the question;
    ///   `correct == false` means one does. Which one is not known, so the label
    ///   counts as answerable but not correct: it lowers recall and, should the
    ///   threshold drop below its score, precision (the conservative reading).
    pub fn feedback(&self, lookup: &Lookup, correct: bool) -> bool {
        let Some((_, score)) = lookup.best() else {
            return false;
        };
        let label = match lookup {
            Lookup::Hit(_) => LabelledScore {
                score,
                correct,
                answerable: correct,
            },
            Lookup::Miss(_) => LabelledScore {
                score,
                correct: false,
                answerable: !correct,
            },
        };
        self.lock_state().labels.push(label);
        true
    }

    /// The labels recorded by [`feedback`](Self::feedback) so far.
    pub fn labels(&self) -> Vec<LabelledScore> {
        self.lock_state().labels.clone()
    }

    /// Calibrates on the recorded feedback (see [`calibrate`](super::calibrate())).
    ///
    /// # Errors
    /// [`Error::InvalidParameter`](crate::Error::InvalidParameter) for a target outside `(0, 1]`.
    pub fn calibrate(&self, target_precision: f64) -> Result<Calibration> {
        calibrate(&self.labels(), target_precision, DEFAULT_CONFIDENCE)
    }

    /// Scores labelled questions (each with the entry that should answer it, or
    /// `None`) against the stored entries, through the guards: the best
    /// candidate's score (`−∞` when there is none *or a guard refuses it*, since
    /// such a lookup is never served), whether it is the expected entry, and
    /// whether one was expected. The counters are not touched.
    ///
    /// # Errors
    /// The lookup errors of [`assess`](Self::assess).
    pub fn label_pairs(
        &self,
        pairs: &[(LookupRequest, Option<EntryId>)],
    ) -> Result<Vec<LabelledScore>> {
        pairs
            .iter()
            .map(|(request, expected)| {
                let (best, refusal) = self.assess(request)?;
                let served = best.filter(|_| refusal.is_none());
                Ok(LabelledScore {
                    score: served.as_ref().map_or(f64::NEG_INFINITY, |b| b.score),
                    correct: served.is_some_and(|b| Some(b.entry_id) == *expected),
                    answerable: expected.is_some(),
                })
            })
            .collect()
    }

    /// [`label_pairs`](Self::label_pairs) then [`calibrate`](super::calibrate())
    /// at 95 % confidence. Questions with no candidate at all (score `−∞`) are
    /// never served but still count as lookups and, if expected, as answerable.
    ///
    /// # Errors
    /// As [`label_pairs`](Self::label_pairs); a target outside `(0, 1]`.
    pub fn calibrate_pairs(
        &self,
        pairs: &[(LookupRequest, Option<EntryId>)],
        target_precision: f64,
    ) -> Result<Calibration> {
        calibrate(
            &self.label_pairs(pairs)?,
            target_precision,
            DEFAULT_CONFIDENCE,
        )
    }
}
