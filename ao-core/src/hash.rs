//! A short, stable hash for names derived from paths (tmux tags, socket and lock file names):
//! 64-bit FNV-1a, the same in every process and version, written as 16 hex digits.

/// The FNV-1a hash of `parts`, one after the other, as 16 hex digits.
pub(crate) fn stable_hash(parts: &[&[u8]]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in parts.iter().flat_map(|p| p.iter()) {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_is_stable_and_spans_its_parts() {
        // Names already on disk and tmux tags of running sessions depend on these values.
        assert_eq!(stable_hash(&[b""]), "cbf29ce484222325");
        assert_eq!(stable_hash(&[b"/a"]), stable_hash(&[b"/", b"a"]));
        assert_ne!(stable_hash(&[b"/a"]), stable_hash(&[b"/b"]));
    }
}
