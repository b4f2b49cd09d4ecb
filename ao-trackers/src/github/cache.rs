//! The ETag cache behind conditional reads: URL → (ETag, body, `Link`).
//!
//! GitHub answers `If-None-Match` with `304 Not Modified` when nothing changed, and such an
//! answer does not count against the primary rate limit, so a poll that finds nothing new costs
//! nothing. Unlike the reference's time-based caches, nothing here can be stale: GitHub decides
//! on every read. The `Link` header is kept with the body so a paginated read can go on from a
//! 304. Least recently used entries go first once the cache is full.

use indexmap::IndexMap;

/// A cached answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Cached {
    pub(crate) etag: String,
    pub(crate) body: Vec<u8>,
    pub(crate) link: Option<String>,
}

/// Bodies larger than this are not kept: one such page would push out many small ones.
const MAX_BODY: usize = 2 * 1024 * 1024;

#[derive(Debug)]
pub(crate) struct EtagCache {
    entries: IndexMap<String, Cached>,
    capacity: usize,
}

impl EtagCache {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            entries: IndexMap::new(),
            capacity,
        }
    }

    /// The entry for `url`, now the most recently used.
    pub(crate) fn get(&mut self, url: &str) -> Option<Cached> {
        let cached = self.entries.shift_remove(url)?;
        self.entries.insert(url.to_string(), cached.clone());
        Some(cached)
    }

    pub(crate) fn put(&mut self, url: &str, cached: Cached) {
        self.entries.shift_remove(url);
        if self.capacity == 0 || cached.body.len() > MAX_BODY {
            return;
        }
        while self.entries.len() >= self.capacity {
            self.entries.shift_remove_index(0);
        }
        self.entries.insert(url.to_string(), cached);
    }

    pub(crate) fn remove(&mut self, url: &str) {
        self.entries.shift_remove(url);
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(tag: &str) -> Cached {
        Cached {
            etag: tag.into(),
            body: tag.as_bytes().to_vec(),
            link: None,
        }
    }

    #[test]
    fn keeps_the_most_recently_used() {
        let mut cache = EtagCache::new(2);
        cache.put("a", c("1"));
        cache.put("b", c("2"));
        assert_eq!(cache.get("a").unwrap().etag, "1");
        cache.put("c", c("3"));
        assert!(cache.get("b").is_none(), "b was the least recently used");
        assert!(cache.get("a").is_some());
        assert!(cache.get("c").is_some());
        cache.put("a", c("4"));
        assert_eq!(cache.get("a").unwrap().etag, "4");
        assert_eq!(cache.len(), 2);
        let mut none = EtagCache::new(0);
        none.put("a", c("1"));
        assert!(none.get("a").is_none());
    }
}
