//! Benchmarks of `ao`'s hot paths; see `benches/`. This library only shares input builders
//! between them.
#![forbid(unsafe_code)]
