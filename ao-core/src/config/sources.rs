//! Where each value of a loaded config is written: the basis of error positions and of
//! provenance.

use std::collections::HashMap;

use super::decode::Located;

/// Positions of every key the file sets, by logical key path (`projects.app.worker.agent`).
///
/// Logical paths are the same for both file shapes; in a flat project file the project's keys
/// sit at the top level, so [`SourceMap::display_path`] strips the `projects.<id>.` part back
/// off when a path is shown to a person.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceMap {
    entries: HashMap<String, Located>,
    flat_project: Option<String>,
}

impl SourceMap {
    pub(crate) fn new(entries: HashMap<String, Located>, flat_project: Option<String>) -> Self {
        Self {
            entries,
            flat_project,
        }
    }

    /// Where the key at `path` is written, if the file sets it.
    pub fn locate(&self, path: &str) -> Option<Located> {
        self.entries.get(path).copied()
    }

    /// Whether the file sets the key at `path`.
    pub fn is_set(&self, path: &str) -> bool {
        self.entries.contains_key(path)
    }

    /// The key path as it reads in the file.
    pub fn display_path(&self, path: &str) -> String {
        let Some(id) = &self.flat_project else {
            return path.to_string();
        };
        let project = format!("projects.{id}");
        if path == project {
            return String::new();
        }
        match path
            .strip_prefix(&project)
            .and_then(|rest| rest.strip_prefix('.'))
        {
            Some(rest) => rest.to_string(),
            None => path.to_string(),
        }
    }
}
