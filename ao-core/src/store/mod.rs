//! Session records and where they live: the `Store` trait, the crash-safe [`FileStore`], the
//! [`InMemoryStore`], and a conformance suite every implementation passes (`conformance`
//! feature: `store::conformance::run`).
//!
//! Nothing may be lost here: the reference tool's unlocked writers lost concurrent updates and
//! never fsynced. Every read-modify-write happens under a cross-process lock, every write is
//! atomic, a corrupt record is set aside and reported instead of breaking a listing, and a
//! record written by a newer `ao` is read but never rewritten.

#[cfg(feature = "conformance")]
pub mod conformance;
mod contract;
mod file;
mod memory;
mod record;

#[cfg(any(test, feature = "mocks"))]
pub use contract::MockStore;
pub(crate) use contract::id_order;
pub use contract::{CorruptRecord, Listing, RecordChange, Store, StoreError};
pub use file::FileStore;
pub use memory::InMemoryStore;
pub use record::{ReactionState, SCHEMA_VERSION, SessionRecord};
