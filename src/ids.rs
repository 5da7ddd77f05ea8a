//! Document identifiers: the caller's keys and the dense internal ids they map to.
