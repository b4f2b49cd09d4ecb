//! Rules that span the whole file, checked after decoding; every problem is reported, not just
//! the first.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use indexmap::IndexMap;

use super::diagnostic::{Code, Diagnostic};
use super::duration::{DURATION_HINT, parse_duration};
use super::interpolate::{EXPANDED_NOTIFIER_KEYS, referenced_vars};
use super::loaded::{PrefixOrigin, Project, Shape};
use super::model::{
    ConfigFile, EscalateAfter, NOTIFIER_SETTINGS, Passthrough, PluginRef, PluginSource,
    ProjectConfig, ReactionAction, ReactionConfig,
};
use super::names::{KnownNames, NameStatus, PluginKind};
use super::node::Pos;
use super::paths::resolve_path;
use super::prefix::derive_unique_prefix;
use super::reactions::{SUPPORTED_REACTIONS, UNSUPPORTED_REACTIONS, builtin_reactions};
use super::sources::SourceMap;
use super::suggest::did_you_mean;
use crate::domain::{Permissions, ProjectId, is_valid_id};

/// What validation needs besides the decoded file.
pub(crate) struct Input<'a> {
    pub(crate) file: &'a Path,
    pub(crate) config: &'a ConfigFile,
    pub(crate) sources: &'a SourceMap,
    pub(crate) shape: Shape,
    pub(crate) names: &'a KnownNames,
    pub(crate) env: &'a dyn Fn(&str) -> Option<String>,
    pub(crate) home: Option<PathBuf>,
    /// For a flat file: the project's directory and its `origin` repository.
    pub(crate) flat_dir: Option<PathBuf>,
    pub(crate) flat_repo: Option<String>,
}

/// Checks every rule; returns all findings and the projects with paths and prefixes resolved.
pub(crate) fn check(input: &Input<'_>) -> (Vec<Diagnostic>, IndexMap<String, Project>) {
    let mut c = Checker {
        input,
        out: Vec::new(),
    };
    c.global();
    let projects = c.projects();
    c.notifiers();
    c.reactions(&input.config.reactions, "reactions", true);
    (c.out, projects)
}

struct Checker<'a> {
    input: &'a Input<'a>,
    out: Vec<Diagnostic>,
}

impl Checker<'_> {
    /// Position of the value at `path`, or of the nearest enclosing key the file sets.
    fn pos(&self, path: &str) -> Pos {
        self.locate(path, false)
    }

    /// Position of the key at `path` (or the nearest enclosing one).
    fn key_pos(&self, path: &str) -> Pos {
        self.locate(path, true)
    }

    fn locate(&self, path: &str, key: bool) -> Pos {
        let mut p = path;
        loop {
            if let Some(l) = self.input.sources.locate(p) {
                return if key || p != path { l.key } else { l.value };
            }
            match p.rfind(['.', '[']) {
                Some(i) => p = &p[..i],
                None => return Pos::new(1, 1),
            }
        }
    }

    fn error(&mut self, code: Code, path: &str, pos: Pos, message: String, hint: Option<String>) {
        let key = self.input.sources.display_path(path);
        let mut d = Diagnostic::error(code, self.input.file, pos, key, message);
        d.hint = hint;
        self.out.push(d);
    }

    fn warn(&mut self, code: Code, path: &str, pos: Pos, message: String, hint: Option<String>) {
        let key = self.input.sources.display_path(path);
        let mut d = Diagnostic::warning(code, self.input.file, pos, key, message);
        d.hint = hint;
        self.out.push(d);
    }

    fn global(&mut self) {
        let cfg = self.input.config;
        let grace = cfg.lifecycle.merge_cleanup_idle_grace_ms;
        if (1..10_000).contains(&grace) {
            let path = "lifecycle.mergeCleanupIdleGraceMs";
            self.error(
                Code::InvalidValue,
                path,
                self.pos(path),
                format!("{grace} is too short for a grace window in milliseconds"),
                Some("the value is in milliseconds: use 0 to disable the window, or at least 10000 (e.g. 300000 for 5 minutes)".into()),
            );
        }
        if cfg.lifecycle.poll_interval_ms < 1000 {
            let path = "lifecycle.pollIntervalMs";
            self.error(
                Code::InvalidValue,
                path,
                self.pos(path),
                format!(
                    "{} ms is too short a poll interval",
                    cfg.lifecycle.poll_interval_ms
                ),
                Some(
                    "the value is in milliseconds and must be at least 1000 (default 30000)".into(),
                ),
            );
        }

        self.name(
            PluginKind::Runtime,
            &cfg.defaults.runtime,
            "defaults.runtime",
        );
        self.name(PluginKind::Agent, &cfg.defaults.agent, "defaults.agent");
        self.name(
            PluginKind::Workspace,
            &cfg.defaults.workspace,
            "defaults.workspace",
        );
        for (role, block) in [
            ("orchestrator", &cfg.defaults.orchestrator),
            ("worker", &cfg.defaults.worker),
        ] {
            if let Some(agent) = block.as_ref().and_then(|b| b.agent.as_deref()) {
                self.name(PluginKind::Agent, agent, &format!("defaults.{role}.agent"));
            }
        }

        if !cfg.plugins.is_empty() {
            self.warn(
                Code::Unsupported,
                "plugins",
                self.key_pos("plugins"),
                "installer-managed plugins are not supported by ao; these entries are ignored"
                    .into(),
                Some("ao's adapters are built in; an embedder registers its own in Rust".into()),
            );
            for (i, plugin) in cfg.plugins.iter().enumerate() {
                let path = format!("plugins[{i}]");
                match plugin.source {
                    PluginSource::Local if plugin.path.is_none() => self.error(
                        Code::InvalidValue,
                        &path,
                        self.pos(&path),
                        format!("local plugin `{}` has no `path`", plugin.name),
                        Some("add `path: ./plugins/<name>`".into()),
                    ),
                    PluginSource::Registry | PluginSource::Npm if plugin.package.is_none() => self
                        .error(
                            Code::InvalidValue,
                            &path,
                            self.pos(&path),
                            format!("plugin `{}` has no `package`", plugin.name),
                            Some("add `package: <npm package name>`".into()),
                        ),
                    _ => {}
                }
            }
        }
    }

    fn name(&mut self, kind: PluginKind, name: &str, path: &str) {
        match self.input.names.status(kind, name) {
            NameStatus::Supported => {}
            NameStatus::Unsupported => self.warn(
                Code::Unsupported,
                path,
                self.pos(path),
                format!(
                    "{} `{name}` is known from the reference tool but not supported by ao",
                    kind.noun()
                ),
                Some(format!(
                    "sessions that use it fail to start (exit 6); supported: {}",
                    self.input
                        .names
                        .supported(kind)
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            ),
            NameStatus::NoAdapter => self.no_adapter(kind, name, path),
            NameStatus::Unknown => {
                let hint = did_you_mean(name, self.input.names.all(kind)).unwrap_or_else(|| {
                    format!(
                        "known {}s: {}",
                        kind.noun(),
                        self.input
                            .names
                            .supported(kind)
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                });
                self.error(
                    Code::UnknownName,
                    path,
                    self.pos(path),
                    format!("unknown {} `{name}`", kind.noun()),
                    Some(hint),
                );
            }
        }
    }

    /// Warns that the `kind` named `name` at `path` has no adapter in this program, so what
    /// needs it fails later.
    fn no_adapter(&mut self, kind: PluginKind, name: &str, path: &str) {
        // A default the file does not write is not the file's choice (and the program that
        // passed these names chose not to offer it); and no command builds a notifier yet, so a
        // missing notifier adapter makes nothing fail.
        if !self.input.sources.is_set(path) || kind == PluginKind::Notifier {
            return;
        }
        let noun = kind.noun();
        let hint = match kind {
            PluginKind::Tracker => {
                "until it is, give workers their task with `ao spawn --prompt …`".to_string()
            }
            PluginKind::Scm => {
                "sessions still run; keep the key for when the adapter is built in, or remove it"
                    .to_string()
            }
            PluginKind::Agent
            | PluginKind::Runtime
            | PluginKind::Workspace
            | PluginKind::Notifier => {
                let names = &self.input.names;
                let usable: Vec<&str> = names
                    .supported(kind)
                    .filter(|n| names.status(kind, n) == NameStatus::Supported)
                    .collect();
                if usable.is_empty() {
                    format!("this ao has no {noun} adapters at all")
                } else {
                    format!("choose one this ao has: {}", usable.join(", "))
                }
            }
        };
        self.warn(
            Code::NoAdapter,
            path,
            self.pos(path),
            format!(
                "no {noun} adapter `{name}` is built into this ao, so {}",
                kind.fails_without_adapter()
            ),
            Some(hint),
        );
    }

    fn projects(&mut self) -> IndexMap<String, Project> {
        let cfg = self.input.config;
        if cfg.projects.is_empty() && self.input.shape == Shape::Wrapped {
            let pos = self.key_pos("projects");
            self.warn(
                Code::NoProjects,
                "projects",
                pos,
                "no projects are configured".into(),
                Some("add one under `projects:` with at least a `path`".into()),
            );
        }

        // Explicit prefixes first: a derived prefix must step aside for an explicit one that
        // appears later in the file.
        let mut taken: HashMap<String, String> = HashMap::new();
        for (id, project) in &cfg.projects {
            let Some(prefix) = &project.session_prefix else {
                continue;
            };
            let path = format!("projects.{id}.sessionPrefix");
            if !is_valid_id(prefix) {
                self.error(
                    Code::InvalidId,
                    &path,
                    self.pos(&path),
                    format!(
                        "session prefix `{prefix}` may only contain letters, digits, `_` and `-`"
                    ),
                    Some(
                        "session ids are `<prefix>-<n>` and name tmux sessions; pick e.g. `app`"
                            .into(),
                    ),
                );
            } else if let Some(first) = taken.get(prefix).cloned() {
                let first_path = format!("projects.{first}.sessionPrefix");
                let first_line = self.pos(&first_path).line;
                self.error(
                Code::PrefixClash,
                    &path,
                    self.pos(&path),
                    format!("session prefix `{prefix}` is also used by project `{first}` (line {first_line})"),
                    Some("session ids must be unique: give one of the two projects another sessionPrefix".into()),
                );
            } else {
                taken.insert(prefix.clone(), id.clone());
            }
        }

        let mut out = IndexMap::new();
        // Each main checkout seen so far, as compared (see `checkout_key`), with its project.
        let mut checkouts: Vec<(PathBuf, &str)> = Vec::new();
        for (id, project) in &cfg.projects {
            let base = format!("projects.{id}");
            if !is_valid_id(id) {
                self.error(
                    Code::InvalidId,
                    &base,
                    self.key_pos(&base),
                    format!("project id `{id}` may only contain letters, digits, `_` and `-`"),
                    Some("the id names the project in commands and storage; rename the key".into()),
                );
            }
            let path = self.project_path(id, project);
            if let Some(dir) = &path {
                let key = checkout_key(dir);
                match checkouts.iter().find(|(k, _)| *k == key) {
                    Some((_, first)) => self.path_clash(first, id, &key),
                    None => checkouts.push((key, id)),
                }
            }
            let (session_prefix, prefix_origin) = match &project.session_prefix {
                Some(p) => (p.clone(), PrefixOrigin::Explicit),
                None => {
                    let dir_name = path
                        .as_deref()
                        .and_then(Path::file_name)
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_else(|| id.clone());
                    let (prefix, origin) =
                        derive_unique_prefix(&dir_name, |p| taken.contains_key(p));
                    taken.insert(prefix.clone(), id.clone());
                    (prefix, origin)
                }
            };
            self.project(id, project, path.as_deref());
            // An invalid id was reported above; such a config never loads.
            let Ok(project_id) = ProjectId::new(id.as_str()) else {
                continue;
            };
            let repo = project
                .repo
                .clone()
                .or_else(|| self.input.flat_repo.clone());
            out.insert(
                id.clone(),
                Project {
                    id: project_id,
                    name: project.name.clone().unwrap_or_else(|| id.clone()),
                    path: path.unwrap_or_default(),
                    repo,
                    default_branch: project.default_branch.clone(),
                    session_prefix,
                    prefix_origin,
                    settings: project.clone(),
                },
            );
        }
        out
    }

    /// Reports that project `second` has the same main checkout, `dir`, as `first`.
    fn path_clash(&mut self, first: &str, second: &str, dir: &Path) {
        let key = format!("projects.{second}.path");
        let first_line = self.key_pos(&format!("projects.{first}.path")).line;
        let second_line = self.key_pos(&key).line;
        self.error(
            Code::PathClash,
            &key,
            self.pos(&key),
            format!(
                "projects `{first}` (line {first_line}) and `{second}` (line {second_line}) have the same path, {}",
                dir.display()
            ),
            Some(
                "give each project its own checkout: ao tells projects apart by the directory a command runs in, and both would make their branches in one repository; remove one, or point it at another clone"
                    .into(),
            ),
        );
    }

    /// The project's main checkout, absolute; `None` (with an error) when it has none.
    fn project_path(&mut self, id: &str, project: &ProjectConfig) -> Option<PathBuf> {
        let base = format!("projects.{id}");
        if let Some(dir) = &self.input.flat_dir {
            if project.path.is_some() {
                let path = format!("{base}.path");
                self.warn(
                Code::Legacy,
                    &path,
                    self.key_pos(&path),
                    "`path` is ignored in a flat project file: the project is the file's own directory".into(),
                    Some("remove the key".into()),
                );
            }
            return Some(dir.clone());
        }
        let Some(raw) = &project.path else {
            self.error(
                Code::MissingPath,
                &base,
                self.key_pos(&base),
                format!("project `{id}` has no `path`"),
                Some(format!(
                    "add `path:` with the project's main checkout, e.g. `path: ~/code/{id}` (relative paths are from this file's directory)"
                )),
            );
            return None;
        };
        let config_dir = self.input.file.parent().unwrap_or(Path::new("/"));
        let resolved = resolve_path(raw, config_dir, self.input.home.as_deref());
        if !resolved.exists() {
            let path = format!("{base}.path");
            self.warn(
                Code::MissingPath,
                &path,
                self.pos(&path),
                format!("{} does not exist", resolved.display()),
                Some("sessions of this project cannot start until it does".into()),
            );
        }
        Some(resolved)
    }

    fn project(&mut self, id: &str, p: &ProjectConfig, path: Option<&Path>) {
        let base = format!("projects.{id}");
        if let Some(runtime) = &p.runtime {
            self.name(PluginKind::Runtime, runtime, &format!("{base}.runtime"));
        }
        if let Some(agent) = &p.agent {
            self.name(PluginKind::Agent, agent, &format!("{base}.agent"));
        }
        if let Some(ws) = &p.workspace {
            self.name(PluginKind::Workspace, ws, &format!("{base}.workspace"));
        }
        for (role, block) in [("orchestrator", &p.orchestrator), ("worker", &p.worker)] {
            let Some(block) = block else { continue };
            if let Some(agent) = &block.agent {
                self.name(PluginKind::Agent, agent, &format!("{base}.{role}.agent"));
            }
            if let Some(ac) = &block.agent_config {
                self.agent_config(ac, &format!("{base}.{role}.agentConfig"));
            }
        }
        if let Some(ac) = &p.agent_config {
            self.agent_config(ac, &format!("{base}.agentConfig"));
        }
        if p.default_branch.trim().is_empty() {
            let path = format!("{base}.defaultBranch");
            self.error(
                Code::InvalidValue,
                &path,
                self.pos(&path),
                "the default branch is empty".into(),
                Some("e.g. `main`".into()),
            );
        }
        if let Some(repo) = &p.repo {
            let parts: Vec<&str> = repo.split('/').collect();
            if parts.len() < 2
                || parts
                    .iter()
                    .any(|s| s.is_empty() || s.contains(char::is_whitespace))
            {
                let path = format!("{base}.repo");
                self.error(
                    Code::InvalidValue,
                    &path,
                    self.pos(&path),
                    format!("`{repo}` is not a repository name"),
                    Some("write `owner/name` (GitHub) as in the repository's URL".into()),
                );
            }
        }
        for name in p.env.keys() {
            let valid = name
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !valid {
                let path = format!("{base}.env.{name}");
                self.error(
                    Code::InvalidValue,
                    &path,
                    self.key_pos(&path),
                    format!("`{name}` is not a valid environment variable name"),
                    Some("use letters, digits and `_`, not starting with a digit".into()),
                );
            }
        }
        if let Some(tracker) = &p.tracker {
            self.plugin_ref(
                PluginKind::Tracker,
                tracker,
                &format!("{base}.tracker"),
                None,
            );
            self.vars_in_extra(&tracker.extra, &format!("{base}.tracker"), None);
        }
        if let Some(scm) = &p.scm {
            let as_ref = PluginRef {
                plugin: scm.plugin.clone(),
                package: scm.package.clone(),
                path: scm.path.clone(),
            };
            self.plugin_ref(PluginKind::Scm, &as_ref, &format!("{base}.scm"), None);
            self.vars_in_extra(&scm.extra, &format!("{base}.scm"), None);
        }
        for (i, link) in p.symlinks.iter().enumerate() {
            let path = format!("{base}.symlinks[{i}]");
            let candidate = Path::new(link);
            let bad = link.trim().is_empty()
                || candidate.is_absolute()
                || link.starts_with('~')
                || candidate
                    .components()
                    .any(|c| matches!(c, Component::ParentDir));
            if bad {
                self.error(
                    Code::InvalidValue,
                    &path,
                    self.pos(&path),
                    format!("symlink `{link}` must be a relative path inside the project"),
                    Some("write it relative to the project path, without `..`, e.g. `.env`".into()),
                );
            }
        }
        for (i, cmd) in p.post_create.iter().enumerate() {
            if cmd.trim().is_empty() {
                let path = format!("{base}.postCreate[{i}]");
                self.error(
                    Code::InvalidValue,
                    &path,
                    self.pos(&path),
                    "empty postCreate command".into(),
                    Some("remove the item".into()),
                );
            }
        }
        if let (Some(file), Some(dir)) = (&p.agent_rules_file, path) {
            let resolved = resolve_path(file, dir, self.input.home.as_deref());
            if dir.exists() && !resolved.is_file() {
                let key = format!("{base}.agentRulesFile");
                self.warn(
                Code::MissingPath,
                    &key,
                    self.pos(&key),
                    format!("rules file {} does not exist", resolved.display()),
                    Some("the path is relative to the project path; workers get no file rules until it exists".into()),
                );
            }
        }
        if let Some(strategy) = p.orchestrator_session_strategy
            && strategy.is_legacy()
        {
            let key = format!("{base}.orchestratorSessionStrategy");
            // A unit enum always serializes to its name.
            let canonical = serde_json::to_value(strategy.canonical())
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            self.warn(
                Code::Legacy,
                &key,
                self.pos(&key),
                "this is a legacy spelling".into(),
                Some(format!("write `{canonical}`")),
            );
        }
        let unsupported: [(&str, bool); 2] = [
            (
                "opencodeIssueSessionStrategy",
                p.opencode_issue_session_strategy.is_some(),
            ),
            ("decomposer", p.decomposer.is_some()),
        ];
        for (key, set) in unsupported {
            if set {
                let path = format!("{base}.{key}");
                self.warn(
                    Code::Unsupported,
                    &path,
                    self.key_pos(&path),
                    format!("`{key}` is not supported by ao and is ignored"),
                    None,
                );
            }
        }
        let identity: [(&str, bool); 3] = [
            ("originUrl", p.origin_url.is_some()),
            ("projectId", p.project_id.is_some()),
            ("storageKey", p.storage_key.is_some()),
        ];
        for (key, set) in identity {
            if set {
                let path = format!("{base}.{key}");
                self.warn(
                    Code::Legacy,
                    &path,
                    self.key_pos(&path),
                    format!("`{key}` is a reference-tool identity key; ao ignores it"),
                    Some("ao identifies a project by its id and path; remove the key".into()),
                );
            }
        }
        self.reactions(&p.reactions, &format!("{base}.reactions"), false);
    }

    fn agent_config(&mut self, ac: &Passthrough<super::model::AgentConfig>, path: &str) {
        if ac.permissions == Some(Permissions::Auto) {
            let key = format!("{path}.permissions");
            self.warn(
                Code::Unsupported,
                &key,
                self.pos(&key),
                "permission mode `auto` is not supported by ao".into(),
                Some("use `permissionless`, `auto-edit`, `default` or `suggest`".into()),
            );
        }
        if let Some(cmd) = &ac.command
            && cmd.first().is_none_or(|p| p.trim().is_empty())
        {
            let key = format!("{path}.command");
            self.error(
                Code::InvalidValue,
                &key,
                self.pos(&key),
                "`command` needs at least the program to run".into(),
                Some("e.g. `command: [my-agent, --flag]`".into()),
            );
        }
    }

    fn plugin_ref(&mut self, kind: PluginKind, r: &PluginRef, path: &str, alias: Option<&str>) {
        if r.package.is_some() && r.path.is_some() {
            self.error(
                Code::InvalidValue,
                path,
                self.key_pos(path),
                "both `package` and `path` are set".into(),
                Some("an external plugin comes from one or the other".into()),
            );
        }
        match (&r.plugin, r.package.is_some() || r.path.is_some()) {
            (_, true) => {
                let key = if r.package.is_some() {
                    "package"
                } else {
                    "path"
                };
                let key_path = format!("{path}.{key}");
                self.warn(
                    Code::Unsupported,
                    &key_path,
                    self.key_pos(&key_path),
                    format!("external {} plugins are not supported by ao", kind.noun()),
                    Some(format!(
                        "use a built-in {}: {}",
                        kind.noun(),
                        self.input
                            .names
                            .supported(kind)
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                );
            }
            (Some(name), false) => self.name(kind, name, &format!("{path}.plugin")),
            (None, false) => {
                let hint = match alias
                    .filter(|a| self.input.names.status(kind, a) != NameStatus::Unknown)
                {
                    Some(a) => format!("add `plugin: {a}`"),
                    None => format!(
                        "add `plugin:` with one of: {}",
                        self.input
                            .names
                            .supported(kind)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                };
                self.error(
                    Code::InvalidValue,
                    path,
                    self.key_pos(path),
                    format!("the {} needs a `plugin`", kind.noun()),
                    Some(hint),
                );
            }
        }
    }

    /// Warns about `${VAR}`s in plugin settings that name unset variables.
    fn vars_in_extra(
        &mut self,
        extra: &IndexMap<String, serde_json::Value>,
        path: &str,
        only: Option<&[&str]>,
    ) {
        for (key, value) in extra {
            if only.is_some_and(|keys| !keys.contains(&key.as_str())) {
                continue;
            }
            let mut strings = Vec::new();
            collect_strings(value, &mut strings);
            for s in strings {
                for var in referenced_vars(s) {
                    if (self.input.env)(&var).is_none() {
                        let key_path = format!("{path}.{key}");
                        self.warn(
                Code::UnsetVariable,
                            &key_path,
                            self.pos(&key_path),
                            format!("environment variable `{var}` is not set"),
                            Some(format!("export {var} before running ao, or commands that use this value fail")),
                        );
                    }
                }
            }
        }
    }

    fn notifiers(&mut self) {
        let cfg = self.input.config;
        for (alias, n) in &cfg.notifiers {
            let path = format!("notifiers.{alias}");
            self.plugin_ref(PluginKind::Notifier, n, &path, Some(alias));
            self.vars_in_extra(&n.extra, &path, Some(EXPANDED_NOTIFIER_KEYS));
            for key in n.extra.keys() {
                if NOTIFIER_SETTINGS.contains(&key.as_str()) {
                    continue;
                }
                if let Some(hint) = did_you_mean(key, NOTIFIER_SETTINGS.iter().copied()) {
                    let key_path = format!("{path}.{key}");
                    self.warn(
                        Code::NearMiss,
                        &key_path,
                        self.key_pos(&key_path),
                        format!("`{key}` is not a setting the built-in notifiers read"),
                        Some(hint),
                    );
                }
            }
        }
        let mut refs: Vec<(String, &str)> = Vec::new();
        for (i, name) in cfg.defaults.notifiers.iter().enumerate() {
            refs.push((format!("defaults.notifiers[{i}]"), name));
        }
        for (priority, list) in cfg.notification_routing.entries() {
            for (i, name) in list.into_iter().flatten().enumerate() {
                refs.push((
                    format!("notificationRouting.{}[{i}]", priority.as_str()),
                    name,
                ));
            }
        }
        for (path, name) in refs {
            if cfg.notifiers.contains_key(name) {
                continue;
            }
            match self.input.names.status(PluginKind::Notifier, name) {
                // Whether an adapter exists is not this check's concern (see `no_adapter`).
                NameStatus::Supported | NameStatus::NoAdapter
                    if super::names::NOTIFIERS_WITHOUT_SETTINGS.contains(&name) => {}
                NameStatus::Supported | NameStatus::NoAdapter => self.error(
                    Code::UnknownName,
                    &path,
                    self.pos(&path),
                    format!("notifier `{name}` is not configured"),
                    Some(format!(
                        "add `notifiers.{name}` with `plugin: {name}` and its settings"
                    )),
                ),
                NameStatus::Unsupported => self.name(PluginKind::Notifier, name, &path),
                NameStatus::Unknown => {
                    let candidates: Vec<&str> = cfg
                        .notifiers
                        .keys()
                        .map(String::as_str)
                        .chain(super::names::NOTIFIERS_WITHOUT_SETTINGS.iter().copied())
                        .collect();
                    let hint =
                        did_you_mean(name, candidates.iter().copied()).unwrap_or_else(|| {
                            format!(
                                "declare it under `notifiers:`; configured: {}",
                                candidates.join(", ")
                            )
                        });
                    self.error(
                        Code::UnknownName,
                        &path,
                        self.pos(&path),
                        format!("unknown notifier `{name}`"),
                        Some(hint),
                    );
                }
            }
        }
    }

    fn reactions(
        &mut self,
        reactions: &IndexMap<String, ReactionConfig>,
        base: &str,
        global: bool,
    ) {
        for (key, r) in reactions {
            let path = format!("{base}.{key}");
            if UNSUPPORTED_REACTIONS.contains(&key.as_str()) {
                self.warn(
                    Code::Unsupported,
                    &path,
                    self.key_pos(&path),
                    format!("reaction `{key}` is not supported by ao and never fires"),
                    None,
                );
            } else if !SUPPORTED_REACTIONS.contains(&key.as_str()) {
                let hint = did_you_mean(
                    key,
                    SUPPORTED_REACTIONS
                        .iter()
                        .chain(UNSUPPORTED_REACTIONS)
                        .copied(),
                )
                .unwrap_or_else(|| format!("known reactions: {}", SUPPORTED_REACTIONS.join(", ")));
                self.error(
                    Code::UnknownName,
                    &path,
                    self.key_pos(&path),
                    format!("unknown reaction `{key}`"),
                    Some(hint),
                );
                continue;
            }
            if let Some(t) = &r.threshold
                && parse_duration(t).is_none()
            {
                let p = format!("{path}.threshold");
                self.error(
                    Code::InvalidValue,
                    &p,
                    self.pos(&p),
                    format!("`{t}` is not a duration"),
                    Some(DURATION_HINT.into()),
                );
            }
            if let Some(EscalateAfter::Duration(d)) = &r.escalate_after
                && parse_duration(d).is_none()
            {
                let p = format!("{path}.escalateAfter");
                self.error(
                    Code::InvalidValue,
                    &p,
                    self.pos(&p),
                    format!("`{d}` is neither a number of attempts nor a duration"),
                    Some(format!("{DURATION_HINT}, or a whole number of attempts")),
                );
            }
            if r.include_summary.is_some() {
                let p = format!("{path}.includeSummary");
                self.warn(
                    Code::Unsupported,
                    &p,
                    self.key_pos(&p),
                    "`includeSummary` is not supported by ao and is ignored".into(),
                    None,
                );
            }
            // The reference replaced a built-in entry wholesale; ao merges. Say so when the
            // difference changes the outcome.
            if global && let Some(builtin) = builtin_reactions().get(key) {
                let set = r.set_fields();
                // Fields the reference's own schema defaults (`auto: true`, `action: notify`) would
                // have filled in the same way do not change the outcome.
                let same_as_reference = |f: &&str| match *f {
                    "auto" => builtin.auto == Some(true),
                    "action" => builtin.action == Some(ReactionAction::Notify),
                    _ => false,
                };
                let inherited: Vec<&str> = builtin
                    .set_fields()
                    .into_iter()
                    .filter(|f| !set.contains(f) && !same_as_reference(f))
                    .collect();
                if !inherited.is_empty() {
                    self.warn(
                Code::ReactionMerged,
                        &path,
                        self.key_pos(&path),
                        format!(
                            "ao merges this entry over the built-in `{key}` reaction, keeping its {}",
                            inherited.join(", ")
                        ),
                        Some("the reference tool replaced the whole entry; set those fields here to override them".into()),
                    );
                }
            }
        }
    }
}

/// A main checkout as compared with the others: `~`, relative parts and trailing slashes are
/// already resolved; an existing directory is also canonicalised, so that two spellings of it
/// through a symbolic link compare equal.
fn checkout_key(dir: &Path) -> PathBuf {
    std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf())
}

fn collect_strings<'v>(value: &'v serde_json::Value, out: &mut Vec<&'v str>) {
    match value {
        serde_json::Value::String(s) => out.push(s),
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_strings(v, out)),
        serde_json::Value::Object(map) => map.values().for_each(|v| collect_strings(v, out)),
        _ => {}
    }
}
