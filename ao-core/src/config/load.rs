//! Loading: file → positioned tree → typed config → validated [`Config`].

use std::path::Path;

use super::decode::{self, Ctx, Finding, field_names};
use super::diagnostic::{Code, Diagnostic};
use super::discover::home_dir;
use super::error::ConfigError;
use super::loaded::{Config, Shape};
use super::model::{ConfigFile, ProjectConfig};
use super::names::KnownNames;
use super::node::{Entry, Node, NodeKind, Pos};
use super::prefix::sanitize_id;
use super::resolved::RoleOverrides;
use super::sources::SourceMap;
use super::validate;
use super::yaml;
use crate::domain::Role;

/// Reads and validates the config at `path`: every problem at once, each with its file, line,
/// column, key and a hint (`ConfigError::Invalid`); warnings stay in [`Config::warnings`].
///
/// ```
/// use ao_core::config::{self, KnownNames, RoleOverrides};
/// use ao_core::domain::Role;
///
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("agent-orchestrator.yaml");
/// std::fs::write(
///     &path,
///     "projects:\n  app:\n    path: .\n    agent: claude-code\n    worker:\n      agent: codex\n",
/// )?;
/// let config = config::load(&path, &KnownNames::builtin())?;
/// let worker = config.resolve_role("app", Role::Worker, &RoleOverrides::default())?;
/// assert_eq!(worker.agent.value, "codex");
/// assert_eq!(config.project("app").map(|p| p.path.as_path()), Some(dir.path()));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn load(path: &Path, names: &KnownNames) -> Result<Config, ConfigError> {
    let path = std::path::absolute(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let bytes = std::fs::read(&path).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => ConfigError::NotFound {
            path: path.clone(),
            origin: super::error::ConfigOrigin::Flag,
        },
        _ => ConfigError::Read {
            path: path.clone(),
            source,
        },
    })?;
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(err) => {
            let offset = err.utf8_error().valid_up_to();
            let valid = &err.as_bytes()[..offset];
            let line = u32::try_from(valid.iter().filter(|b| **b == b'\n').count() + 1)
                .unwrap_or(u32::MAX);
            let diag = Diagnostic::error(
                Code::Syntax,
                &path,
                Pos::new(line, 1),
                "",
                "the file is not UTF-8 text",
            )
            .with_hint("save the file as UTF-8");
            return Err(ConfigError::Invalid {
                path,
                diagnostics: vec![diag],
            });
        }
    };
    load_str(&path, &text, names, &|name| std::env::var(name).ok())
}

/// Validates `text` as the config file at `path` (which decides relative paths and the shape).
pub fn load_str(
    path: &Path,
    text: &str,
    names: &KnownNames,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Config, ConfigError> {
    let invalid = |diagnostics: Vec<Diagnostic>| ConfigError::Invalid {
        path: path.to_path_buf(),
        diagnostics,
    };
    let root = yaml::parse(text).map_err(|e| {
        let hint = "check indentation, quoting and that every `key:` is followed by a space";
        invalid(vec![
            Diagnostic::error(Code::Syntax, path, e.pos, "", e.message).with_hint(hint),
        ])
    })?;

    match &root.kind {
        NodeKind::Map(_) => {}
        NodeKind::Null => {
            return Err(invalid(vec![
                Diagnostic::error(Code::Syntax, path, root.pos, "", "the config file is empty")
                    .with_hint("start with `projects:` and one project with a `path`"),
            ]));
        }
        other => {
            return Err(invalid(vec![
                Diagnostic::error(
                    Code::Syntax,
                    path,
                    root.pos,
                    "",
                    format!(
                        "the config must be a mapping of keys, found {}",
                        other.describe()
                    ),
                )
                .with_hint("start with `projects:` and one project with a `path`"),
            ]));
        }
    }

    let dir = path.parent().unwrap_or(Path::new("/")).to_path_buf();
    let global_fields = field_names::<ConfigFile>();
    let project_fields = field_names::<ProjectConfig>();
    let project_only = |key: &str| project_fields.contains(&key) && !global_fields.contains(&key);

    let is_wrapped = root.get("projects").is_some();
    let in_repo = dir.ancestors().any(|d| d.join(".git").exists());
    let mut ctx = Ctx::default();
    let (shape, flat_id, tree) = if is_wrapped {
        (Shape::Wrapped, None, root)
    } else if in_repo {
        let id = sanitize_id(
            &dir.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        );
        ctx.root_extra_fields = project_fields.to_vec();
        let tree = flatten_to_wrapped(root, &id, &project_only);
        (Shape::Flat, Some(id), tree)
    } else {
        if let Some(entry) = root.entries().iter().find(|e| project_only(&e.key)) {
            return Err(invalid(vec![Diagnostic::error(
                Code::UnknownKey,
                path,
                entry.key_pos,
                entry.key.clone(),
                "a project key at the top level of a file that has no `projects:` map and is not inside a git repository",
            )
            .with_hint("put the project under `projects: {<id>: {path: …}}`, or keep this file in the project's repository")]));
        }
        (Shape::Wrapped, None, root)
    };

    let (decoded, decode_errors) = decode::decode_all::<ConfigFile>(&tree, &ctx);
    let sources = SourceMap::new(ctx.sources.take(), flat_id.clone());
    let mut diagnostics: Vec<Diagnostic> = ctx
        .findings
        .take()
        .into_iter()
        .map(|f| finding_to_diagnostic(path, &sources, f, shape, &project_only))
        .collect();
    for err in decode_errors {
        let key = sources.display_path(err.path.as_deref().unwrap_or(""));
        let mut d = Diagnostic::error(Code::InvalidValue, path, err.pos, key, err.message);
        d.hint = err.hint;
        diagnostics.push(d);
    }
    // Values passed over were reported above; what the rules say about their absence (a
    // project "without" the `path` that was of the wrong type) would only repeat that. A list
    // with an item passed over is shorter than the one in the file, so the rules would name
    // its later items by the wrong index: the whole list counts as passed over.
    let passed_over: Vec<String> = ctx
        .skip
        .take()
        .iter()
        .map(|p| {
            let list = p
                .strip_suffix(']')
                .and_then(|rest| rest.rfind('['))
                .map_or(p.as_str(), |i| &p[..i]);
            sources.display_path(list)
        })
        .collect();
    let follows_from_passed_over = |d: &Diagnostic| passed_over.iter().any(|p| follows_from(d, p));
    let Some(file) = decoded else {
        sort(&mut diagnostics);
        return Err(invalid(diagnostics));
    };

    let flat_repo = match (shape, flat_id.as_ref()) {
        (Shape::Flat, Some(id)) if file.projects.get(id).is_some_and(|p| p.repo.is_none()) => {
            origin_repo(&dir)
        }
        _ => None,
    };
    let input = validate::Input {
        file: path,
        config: &file,
        sources: &sources,
        shape,
        names,
        env,
        home: home_dir(),
        flat_dir: (shape == Shape::Flat).then(|| dir.clone()),
        flat_repo,
    };
    let (found, projects) = validate::check(&input);
    diagnostics.extend(found.into_iter().filter(|d| !follows_from_passed_over(d)));
    let mut config = Config {
        path: path.to_path_buf(),
        shape,
        file,
        projects,
        warnings: Vec::new(),
        sources,
    };
    // How each role resolves can itself deserve a word (a role block hiding a default).
    for id in config.projects.keys() {
        for role in Role::ALL {
            if let Ok(resolved) = config.resolve_role(id, role, &RoleOverrides::default()) {
                diagnostics.extend(
                    resolved
                        .findings
                        .into_iter()
                        .filter(|d| !follows_from_passed_over(d)),
                );
            }
        }
    }
    sort(&mut diagnostics);
    if diagnostics.iter().any(Diagnostic::is_error) {
        return Err(invalid(diagnostics));
    }
    config.warnings = diagnostics;
    Ok(config)
}

/// Whether `d` may only say again what the error about the value at `passed_over` (a key
/// path as shown) said: it is about that value or one inside it, or it is about an enclosing
/// key and reports something missing or malformed there.
fn follows_from(d: &Diagnostic, passed_over: &str) -> bool {
    let within = |inner: &str, outer: &str| {
        inner
            .strip_prefix(outer)
            .is_some_and(|rest| rest.starts_with(['.', '[']))
    };
    d.key == passed_over
        || within(&d.key, passed_over)
        || (!d.key.is_empty()
            && within(passed_over, &d.key)
            && matches!(
                d.code,
                Code::MissingPath | Code::InvalidValue | Code::NoProjects
            ))
}

fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by_key(|d| (d.pos, d.severity));
}

fn finding_to_diagnostic(
    path: &Path,
    sources: &SourceMap,
    f: Finding,
    shape: Shape,
    project_only: &dyn Fn(&str) -> bool,
) -> Diagnostic {
    let mut hint = f.hint;
    // A project key at the top of a wrapped file is a common slip when moving from a flat one.
    if !f.warning && shape == Shape::Wrapped && !f.path.contains('.') && project_only(&f.path) {
        hint = Some(format!(
            "`{}` is a project key: move it under `projects.<id>`",
            f.path
        ));
    }
    let key = sources.display_path(&f.path);
    let mut d = if f.warning {
        // Decoding warns only about near misses in plugin settings, and errs only on unknown keys.
        Diagnostic::warning(Code::NearMiss, path, f.pos, key, f.message)
    } else {
        Diagnostic::error(Code::UnknownKey, path, f.pos, key, f.message)
    };
    d.hint = hint;
    d
}

/// Rewrites a flat project file as the wrapped form: the project's keys move under
/// `projects.<id>`, global keys stay. Positions are kept, so errors still point into the file.
fn flatten_to_wrapped(root: Node, id: &str, project_only: &dyn Fn(&str) -> bool) -> Node {
    let NodeKind::Map(entries) = root.kind else {
        return root;
    };
    let (project, global): (Vec<Entry>, Vec<Entry>) =
        entries.into_iter().partition(|e| project_only(&e.key));
    let start = Pos::new(1, 1);
    let project_node = Node {
        pos: start,
        kind: NodeKind::Map(project),
    };
    let projects = Node {
        pos: start,
        kind: NodeKind::Map(vec![Entry {
            key: id.to_string(),
            key_pos: start,
            value: project_node,
        }]),
    };
    let mut global = global;
    global.push(Entry {
        key: "projects".to_string(),
        key_pos: start,
        value: projects,
    });
    Node {
        pos: root.pos,
        kind: NodeKind::Map(global),
    }
}

/// `owner/name` of the repository's `origin` remote, when it is a forge URL. A repository
/// without one (or without git) has none: `repo` is then simply unset, as when not written.
fn origin_repo(dir: &Path) -> Option<String> {
    let out = crate::git::run_blocking(dir, &["remote", "get-url", "origin"]).ok()?;
    if !out.ok {
        return None;
    }
    repo_slug(out.stdout.trim())
}

/// `owner/name` from a remote URL (`https://host/owner/name.git`, `git@host:owner/name.git`,
/// `ssh://git@host/owner/name`); `None` for local paths.
pub(crate) fn repo_slug(url: &str) -> Option<String> {
    let path = if let Some((_, rest)) = url.split_once("://") {
        let (host, path) = rest.split_once('/')?;
        if host.is_empty() || url.starts_with("file://") {
            return None;
        }
        path
    } else if let Some((host, path)) = url.split_once(':') {
        if host.contains('/') || host.is_empty() {
            return None;
        }
        path
    } else {
        return None;
    };
    let path = path.trim_matches('/');
    let path = path.strip_suffix(".git").unwrap_or(path);
    (path.contains('/') && !path.split('/').any(str::is_empty)).then(|| path.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_from_remote_urls() {
        assert_eq!(
            repo_slug("https://github.com/acme/app.git").as_deref(),
            Some("acme/app")
        );
        assert_eq!(
            repo_slug("https://github.com/acme/app").as_deref(),
            Some("acme/app")
        );
        assert_eq!(
            repo_slug("git@github.com:acme/app.git").as_deref(),
            Some("acme/app")
        );
        assert_eq!(
            repo_slug("ssh://git@github.com/acme/app").as_deref(),
            Some("acme/app")
        );
        assert_eq!(
            repo_slug("https://gitlab.com/group/sub/app.git").as_deref(),
            Some("group/sub/app")
        );
        assert_eq!(repo_slug("/srv/git/app.git"), None);
        assert_eq!(repo_slug("file:///srv/git/app.git"), None);
        assert_eq!(repo_slug("../app.git"), None);
    }
}
