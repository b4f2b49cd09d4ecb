//! Runnable programs that embed `ao-core`; each lives in `src/bin/`.
#![forbid(unsafe_code)]
