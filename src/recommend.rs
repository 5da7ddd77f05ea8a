//! Recommendations (in progress).
