//! Points in time.

/// A point in time, serialized as RFC 3339 UTC.
pub type Timestamp = jiff::Timestamp;
