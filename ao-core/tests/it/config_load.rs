//! Loading behaviour beyond the samples: shapes, resolution of paths and prefixes, warnings,
//! and errors for files that are not configs at all.

use std::path::Path;

use ao_core::config::{
    self, ConfigError, KnownNames, Permissions, PluginKind, PrefixOrigin, Severity, Shape,
};

use crate::support::{errors, git, git_repo, load_text, samples};

#[test]
fn recipes_carry_the_documented_agents_and_models() {
    let load = |name: &str| {
        config::load(&samples().join("valid").join(name), &KnownNames::builtin()).unwrap()
    };

    let cfg = load("recipe-opus-orchestrator-sonnet-workers.yaml");
    let app = &cfg.project("app").unwrap().settings;
    assert_eq!(app.agent.as_deref(), Some("claude-code"));
    let ac = app.agent_config.as_ref().unwrap();
    assert_eq!(ac.model.as_deref(), Some("sonnet"));
    assert_eq!(ac.orchestrator_model.as_deref(), Some("opus"));

    let cfg = load("recipe-claude-orchestrator-codex-workers.yaml");
    let app = &cfg.project("app").unwrap().settings;
    let worker = app.worker.as_ref().unwrap();
    assert_eq!(worker.agent.as_deref(), Some("codex"));
    let wac = worker.agent_config.as_ref().unwrap();
    assert_eq!(wac.model.as_deref(), Some("gpt-5-codex"));
    assert_eq!(wac.permissions, Some(Permissions::AutoEdit));
    assert_eq!(
        app.orchestrator.as_ref().unwrap().agent.as_deref(),
        Some("claude-code")
    );

    let cfg = load("recipe-same-agent-different-models.yaml");
    let app = &cfg.project("app").unwrap().settings;
    assert_eq!(app.agent.as_deref(), Some("codex"));
    let model = |b: &Option<config::RoleConfig>| {
        b.as_ref()
            .unwrap()
            .agent_config
            .as_ref()
            .unwrap()
            .model
            .clone()
            .unwrap()
    };
    assert_eq!(model(&app.orchestrator), "o3");
    assert_eq!(model(&app.worker), "gpt-5-codex-mini");
}

#[test]
fn every_key_sample_keeps_every_value() {
    let cfg = config::load(
        &samples().join("valid/every-key.yaml"),
        &KnownNames::builtin(),
    )
    .unwrap();
    let f = &cfg.file;
    assert_eq!(f.port, 3100);
    assert_eq!(f.ready_threshold_ms, 120_000);
    assert!(!f.lifecycle.auto_cleanup_on_merge);
    assert_eq!(f.lifecycle.poll_interval_ms, 15_000);
    assert_eq!(f.defaults.runtime, "process");
    assert_eq!(
        f.defaults.worker.as_ref().unwrap().agent.as_deref(),
        Some("codex")
    );
    let api = cfg.project("api").unwrap();
    assert_eq!(api.default_branch, "develop");
    assert_eq!(api.session_prefix, "api");
    assert_eq!(api.settings.env["RUST_LOG"], "debug");
    // Plugin keys pass through untouched; a leading zero stays text.
    let tracker = api.settings.tracker.as_ref().unwrap();
    assert_eq!(tracker.plugin.as_deref(), Some("linear"));
    assert_eq!(tracker.extra["teamId"], serde_json::json!("0123"));
    let scm = api.settings.scm.as_ref().unwrap();
    assert_eq!(
        scm.webhook.as_ref().unwrap().max_body_bytes,
        Some(1_048_576)
    );
    let ac = api.settings.agent_config.as_ref().unwrap();
    assert_eq!(ac.extra["subagent"], serde_json::json!("reviewer"));
    let worker_ac = api
        .settings
        .worker
        .as_ref()
        .unwrap()
        .agent_config
        .as_ref()
        .unwrap();
    assert_eq!(
        worker_ac.command.as_deref(),
        Some(&["my-agent".to_string(), "--fast".to_string()][..])
    );
    // `$${` is an escape: no warning about a variable called NOT_EXPANDED.
    assert!(
        cfg.warnings
            .iter()
            .all(|w| !w.message.contains("NOT_EXPANDED")),
        "{:#?}",
        cfg.warnings
    );
    // Positions are kept for provenance.
    let at = cfg.sources.locate("projects.api.worker.agent").unwrap();
    assert_eq!(at.key.line, 63);
    assert_eq!(at.value.column, 14);
}

#[test]
fn paths_resolve_against_the_config_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("conf");
    std::fs::create_dir_all(dir.join("app")).unwrap();
    let cfg = load_text(
        &dir.join("agent-orchestrator.yaml"),
        "projects:\n  app:\n    path: ./app/../app\n",
    )
    .unwrap();
    assert_eq!(cfg.project("app").unwrap().path, dir.join("app"));
    assert!(cfg.warnings.is_empty(), "{:#?}", cfg.warnings);
}

#[test]
fn derived_prefixes_get_suffixes_and_yield_to_explicit_ones() {
    let cfg = config::load(
        &samples().join("valid/derived-prefixes.yaml"),
        &KnownNames::builtin(),
    )
    .unwrap();
    let prefix = |id: &str| cfg.project(id).unwrap().session_prefix.clone();
    assert_eq!(prefix("one"), "int");
    assert_eq!(prefix("two"), "int-2");
    // `int-3` belongs to project `four`, which sets it explicitly further down the file.
    assert_eq!(prefix("three"), "int-4");
    assert_eq!(prefix("four"), "int-3");
    assert_eq!(
        cfg.project("one").unwrap().prefix_origin,
        PrefixOrigin::Derived
    );
    assert_eq!(
        cfg.project("two").unwrap().prefix_origin,
        PrefixOrigin::DerivedWithSuffix
    );
    assert_eq!(
        cfg.project("four").unwrap().prefix_origin,
        PrefixOrigin::Explicit
    );
}

#[test]
fn a_flat_file_is_one_project_named_after_its_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = git_repo(tmp.path(), "shop-api");
    git(
        &repo,
        &[
            "remote",
            "add",
            "origin",
            "git@github.com:acme/shop-api.git",
        ],
    );
    let file = repo.join("agent-orchestrator.yaml");
    std::fs::copy(samples().join("valid/flat-project.yaml"), &file).unwrap();
    let cfg = config::load(&file, &KnownNames::builtin()).unwrap();
    assert_eq!(cfg.shape, Shape::Flat);
    let p = cfg.project("shop-api").unwrap();
    assert_eq!(p.path, repo);
    assert_eq!(p.repo.as_deref(), Some("acme/shop-api"));
    assert_eq!(p.session_prefix, "sa");
    assert_eq!(p.settings.agent.as_deref(), Some("codex"));
    // Global keys stay global.
    assert_eq!(cfg.file.defaults.notifiers, vec!["desktop".to_string()]);
    assert!(cfg.file.reactions.contains_key("agent-stuck"));
}

#[test]
fn flat_file_errors_name_keys_as_written() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = git_repo(tmp.path(), "app");
    let file = repo.join("agent-orchestrator.yaml");
    let errs = errors(load_text(
        &file,
        "agent: codx\nworker:\n  agnet: codex\nprojectId: old\n",
    ));
    let keys: Vec<&str> = errs.iter().map(|e| e.key.as_str()).collect();
    assert_eq!(keys, ["agent", "worker.agnet"], "{errs:#?}");
    assert_eq!(errs[1].pos.line, 3);
}

#[test]
fn flat_file_identity_keys_and_path_are_ignored_with_warnings() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = git_repo(tmp.path(), "app");
    let cfg = load_text(
        &repo.join("agent-orchestrator.yaml"),
        "path: /elsewhere\nprojectId: old\nstorageKey: k\n",
    )
    .unwrap();
    assert_eq!(cfg.project("app").unwrap().path, repo);
    let keys: Vec<&str> = cfg.warnings.iter().map(|w| w.key.as_str()).collect();
    assert_eq!(keys, ["path", "projectId", "storageKey"]);
}

#[test]
fn project_keys_outside_a_repository_need_a_projects_map() {
    let tmp = tempfile::tempdir().unwrap();
    let errs = errors(load_text(
        &tmp.path().join("agent-orchestrator.yaml"),
        "agent: codex\n",
    ));
    assert_eq!(errs.len(), 1);
    assert!(errs[0].message.contains("no `projects:` map"), "{errs:#?}");
}

#[test]
fn a_project_key_at_the_top_of_a_wrapped_file_says_where_it_belongs() {
    let tmp = tempfile::tempdir().unwrap();
    let errs = errors(load_text(
        &tmp.path().join("c.yaml"),
        "projects:\n  app: {path: .}\nagentRules: x\n",
    ));
    assert_eq!(errs.len(), 1);
    assert_eq!(
        errs[0].hint.as_deref(),
        Some("`agentRules` is a project key: move it under `projects.<id>`")
    );
}

#[test]
fn reference_names_ao_does_not_implement_are_warnings() {
    let tmp = tempfile::tempdir().unwrap();
    let text = "\
projects:
  app:
    path: .
    agent: cursor
    workspace: clone
    tracker: {plugin: gitlab}
    opencodeIssueSessionStrategy: reuse
notifiers:
  team: {plugin: composio}
reactions:
  agent-idle: {action: send-to-agent}
plugins:
  - {name: auditor, source: npm, package: '@x/auditor'}
";
    let cfg = load_text(&tmp.path().join("c.yaml"), text).unwrap();
    let keys: Vec<&str> = cfg.warnings.iter().map(|w| w.key.as_str()).collect();
    for key in [
        "projects.app.agent",
        "projects.app.workspace",
        "projects.app.tracker.plugin",
        "projects.app.opencodeIssueSessionStrategy",
        "notifiers.team.plugin",
        "reactions.agent-idle",
        "plugins",
    ] {
        assert!(keys.contains(&key), "no warning for {key}: {keys:?}");
    }
    assert!(cfg.warnings.iter().all(|w| w.severity == Severity::Warning));
}

#[test]
fn near_misses_in_passthrough_maps_are_warnings_and_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let text =
        "projects:\n  app:\n    path: .\n    agentConfig:\n      modle: opus\n      custom: 1\n";
    let cfg = load_text(&tmp.path().join("c.yaml"), text).unwrap();
    assert_eq!(cfg.warnings.len(), 1, "{:#?}", cfg.warnings);
    let w = &cfg.warnings[0];
    assert_eq!(w.key, "projects.app.agentConfig.modle");
    assert_eq!(w.hint.as_deref(), Some("did you mean `model`?"));
    let ac = cfg
        .project("app")
        .unwrap()
        .settings
        .agent_config
        .clone()
        .unwrap();
    assert_eq!(ac.model, None);
    assert_eq!(ac.extra.len(), 2);
}

#[test]
fn a_near_miss_of_a_notifier_setting_is_a_warning_naming_it() {
    let tmp = tempfile::tempdir().unwrap();
    let text = "notifiers:\n  team:\n    plugin: slack\n    webhok: https://hooks.example/x\n    icon: ':robot:'\nprojects:\n  app:\n    path: .\n";
    let cfg = load_text(&tmp.path().join("c.yaml"), text).unwrap();
    assert_eq!(cfg.warnings.len(), 1, "{:#?}", cfg.warnings);
    let w = &cfg.warnings[0];
    assert_eq!(w.code, ao_core::config::Code::NearMiss);
    assert_eq!(w.key, "notifiers.team.webhok");
    assert_eq!(w.hint.as_deref(), Some("did you mean `webhook`?"));
    assert_eq!(w.pos.line, 4);
    // The value is a secret: it is not repeated in the warning.
    assert!(!w.message.contains("hooks.example"), "{}", w.message);
}

#[test]
fn unset_variables_warn_only_where_values_are_expanded() {
    let tmp = tempfile::tempdir().unwrap();
    let text = "\
projects:
  app:
    path: .
    agentRules: 'uses ${NOT_A_SECRET}'
    tracker: {plugin: linear, teamId: '${LINEAR_TEAM}'}
notifiers:
  hook: {plugin: webhook, url: '${HOOK_URL}', note: '${IGNORED}'}
";
    let path = tmp.path().join("c.yaml");
    let env = |name: &str| (name == "LINEAR_TEAM").then(|| "T1".to_string());
    let cfg = config::load_str(&path, text, &KnownNames::builtin(), &env).unwrap();
    let vars: Vec<String> = cfg.warnings.iter().map(|w| w.message.clone()).collect();
    assert_eq!(
        vars,
        ["environment variable `HOOK_URL` is not set"],
        "{:#?}",
        cfg.warnings
    );
    assert_eq!(cfg.warnings[0].key, "notifiers.hook.url");
}

#[test]
fn a_partial_override_of_a_builtin_reaction_warns_about_the_merge() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = load_text(
        &tmp.path().join("c.yaml"),
        "projects: {app: {path: .}}\nreactions:\n  ci-failed: {retries: 3}\n",
    )
    .unwrap();
    assert_eq!(cfg.warnings.len(), 1);
    assert!(
        cfg.warnings[0]
            .message
            .contains("keeping its action, message, escalateAfter"),
        "{:#?}",
        cfg.warnings
    );
}

#[test]
fn files_that_are_not_configs_get_clear_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("c.yaml");
    for (text, needle) in [
        ("", "empty"),
        ("# nothing\n", "empty"),
        ("- a\n- b\n", "must be a mapping"),
        ("just text\n", "must be a mapping"),
        ("projects:\n  app: {path: .}\nprojects: {}\n", "duplicate"),
    ] {
        let errs = errors(load_text(&path, text));
        assert_eq!(errs.len(), 1, "{text:?}: {errs:#?}");
        assert!(
            errs[0].message.to_lowercase().contains(needle),
            "{text:?}: {errs:#?}"
        );
        assert!(errs[0].pos.is_known());
    }

    std::fs::write(&path, b"projects:\n  app:\n    path: \xff\n").unwrap();
    let errs = errors(config::load(&path, &KnownNames::builtin()));
    assert_eq!(errs[0].message, "the file is not UTF-8 text");
    assert_eq!(errs[0].pos.line, 3);

    let missing = tmp.path().join("missing.yaml");
    assert!(matches!(
        config::load(&missing, &KnownNames::builtin()),
        Err(ConfigError::NotFound { .. })
    ));
}

#[test]
fn embedders_can_register_more_names() {
    let tmp = tempfile::tempdir().unwrap();
    let text = "projects: {app: {path: ., agent: my-agent}}\n";
    let path = tmp.path().join("c.yaml");
    assert_eq!(errors(load_text(&path, text)).len(), 1);
    let names = KnownNames::builtin().with(PluginKind::Agent, "my-agent");
    assert!(config::load_str(&path, text, &names, &|_| None).is_ok());
}

#[test]
fn diagnostics_render_file_line_column_key_and_hint() {
    let errs = errors(load_text(
        Path::new("/x/agent-orchestrator.yaml"),
        "projects:\n  app:\n    path: .\n    agnet: codex\n",
    ));
    assert_eq!(
        errs[0].to_string(),
        "/x/agent-orchestrator.yaml:4:5: error: projects.app.agnet: unknown key `agnet`\n  hint: did you mean `agent`?"
    );
}

#[test]
fn every_finding_carries_a_code_programs_can_decide_by() {
    use ao_core::config::Code;
    let path = Path::new("/x/agent-orchestrator.yaml");
    let text = "\
projects:
  app:
    path: /tmp
    sessionPrefix: app
    agentConfig: {modle: x}
    tracker: {plugin: gitlab, token: '${NO_SUCH_VAR_FOR_CODES}'}
  web: {path: /tmp, sessionPrefix: app}
";
    let err = config::load_str(path, text, &KnownNames::builtin(), &|_| None).unwrap_err();
    let ConfigError::Invalid { diagnostics, .. } = err else {
        panic!("{err}")
    };
    let codes: Vec<(Severity, Code)> = diagnostics.iter().map(|d| (d.severity, d.code)).collect();
    for want in [
        (Severity::Warning, Code::NearMiss),
        (Severity::Warning, Code::Unsupported),
        (Severity::Warning, Code::UnsetVariable),
        (Severity::Error, Code::PrefixClash),
    ] {
        assert!(codes.contains(&want), "{want:?} in {codes:?}");
    }
    let shown: Vec<Code> = diagnostics
        .iter()
        .filter(|d| d.code.fails_at_run_time())
        .map(|d| d.code)
        .collect();
    assert_eq!(shown, [Code::Unsupported, Code::UnsetVariable]);
    let json = serde_json::to_value(&diagnostics[0]).unwrap();
    assert!(json["code"].is_string(), "{json}");
}

#[test]
fn values_of_the_wrong_type_do_not_hide_the_rest_of_the_file() {
    let text = "\
plugins:
  - {name: [x], source: npm, package: p}
  - {name: ok, source: nowhere}
defaults:
  notifiers: [true, desktop, [x]]
projects:
  app: {path: {a: b}, agnet: codex}
  web: {path: /tmp/web, agent: codx}
";
    let errs = errors(load_text(Path::new("/x/c.yaml"), text));
    let found: Vec<(u32, &str)> = errs.iter().map(|e| (e.pos.line, e.key.as_str())).collect();
    // Every item keeps its index in the file; a value passed over is not also reported as
    // missing (no "missing required key `name`", no "project `app` has no `path`").
    assert_eq!(
        found,
        [
            (2, "plugins[0].name"),
            (3, "plugins[1].source"),
            (5, "defaults.notifiers[0]"),
            (5, "defaults.notifiers[2]"),
            (7, "projects.app.path"),
            (7, "projects.app.agnet"),
            (8, "projects.web.agent"),
        ],
        "{errs:#?}"
    );
    assert!(errs[0].message.contains("expected a string, found a list"));
    assert!(errs[6].message.contains("unknown agent `codx`"));
}

#[test]
fn a_duration_where_milliseconds_are_expected_gets_the_number_to_write() {
    let errs = errors(load_text(
        Path::new("/x/c.yaml"),
        "lifecycle: {pollIntervalMs: 30s, mergeCleanupIdleGraceMs: '5 minutes'}\nprojects: {app: {path: /tmp}}\n",
    ));
    let hints: Vec<&str> = errs.iter().filter_map(|e| e.hint.as_deref()).collect();
    assert_eq!(
        hints,
        [
            "`pollIntervalMs` is in milliseconds, written without a unit: `30000` for 30s",
            "`mergeCleanupIdleGraceMs` is a plain number of milliseconds, without quotes or units, e.g. `30000`",
        ],
        "{errs:#?}"
    );
}

#[test]
fn two_projects_with_one_checkout_are_an_error_naming_both() {
    use ao_core::config::Code;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::create_dir_all(dir.join("code/app")).unwrap();
    std::os::unix::fs::symlink(dir.join("code/app"), dir.join("link")).unwrap();
    // The same directory written four ways: relative with a trailing slash, absolute with a
    // `.` in it, and through a symbolic link; a path that does not exist compares as written.
    let text = format!(
        "projects:\n  app:\n    path: code/app/\n  api:\n    path: {abs}/code/./app\n  web:\n    path: ./link\n  docs:\n    path: ./code/other\n  site:\n    path: code/other/\n",
        abs = dir.display()
    );
    let errs = errors(load_text(&dir.join("agent-orchestrator.yaml"), &text));
    let clashes: Vec<(u32, &str, &str)> = errs
        .iter()
        .map(|e| {
            assert_eq!(e.code, Code::PathClash, "{e}");
            (e.pos.line, e.key.as_str(), e.message.as_str())
        })
        .collect();
    let app = std::fs::canonicalize(dir.join("code/app")).unwrap();
    assert_eq!(
        clashes,
        [
            (
                5,
                "projects.api.path",
                format!(
                    "projects `app` (line 3) and `api` (line 5) have the same path, {}",
                    app.display()
                )
                .as_str()
            ),
            (
                7,
                "projects.web.path",
                format!(
                    "projects `app` (line 3) and `web` (line 7) have the same path, {}",
                    app.display()
                )
                .as_str()
            ),
            (
                11,
                "projects.site.path",
                format!(
                    "projects `docs` (line 9) and `site` (line 11) have the same path, {}",
                    dir.join("code/other").display()
                )
                .as_str()
            ),
        ],
        "{errs:#?}"
    );
    assert!(
        errs[0]
            .hint
            .as_deref()
            .unwrap()
            .contains("its own checkout")
    );
}

#[test]
fn a_tracker_or_scm_the_program_has_no_adapter_for_is_a_warning() {
    use std::sync::Arc;

    use ao_core::config::Code;
    use ao_core::plugin::{FakeTracker, Registry, Tracker};

    let path = Path::new("/x/agent-orchestrator.yaml");
    let text = "\
projects:
  app:
    path: /tmp
    agent: codex
    tracker: {plugin: github}
    scm: {plugin: github}
  api:
    path: /
    repo: acme/api
";
    // ao-core's own adapters: no tracker, no SCM, no agent CLIs.
    let registry = Registry::builtin();
    let cfg = config::load_str(path, text, &registry.known_names(), &|_| None).unwrap();
    let found: Vec<(Code, &str, u32)> = cfg
        .warnings
        .iter()
        .map(|w| (w.code, w.key.as_str(), w.pos.line))
        .collect();
    // Only names the file writes: not the default runtime or agent, nor what `repo` implies.
    assert_eq!(
        found,
        [
            (Code::NoAdapter, "projects.app.agent", 4),
            (Code::NoAdapter, "projects.app.tracker.plugin", 5),
            (Code::NoAdapter, "projects.app.scm.plugin", 6),
        ],
        "{:#?}",
        cfg.warnings
    );
    let [agent, tracker, scm] = &cfg.warnings[..] else {
        unreachable!()
    };
    assert_eq!(
        tracker.message,
        "no tracker adapter `github` is built into this ao, so issues cannot be read from it: `ao spawn <issue>` fails"
    );
    assert!(
        tracker
            .hint
            .as_deref()
            .unwrap()
            .contains("ao spawn --prompt")
    );
    assert!(scm.message.contains("cannot read or claim"), "{scm}");
    assert_eq!(
        agent.hint.as_deref(),
        Some("choose one this ao has: command")
    );
    // Such a warning is shown before any command, since it makes one fail later.
    assert!(cfg.warnings.iter().all(|w| w.code.fails_at_run_time()));

    // Once a tracker is registered under the name, the file is fine as far as it goes.
    let mut registry = Registry::builtin();
    registry.register_tracker("github", |_| {
        Ok(Arc::new(FakeTracker::new()) as Arc<dyn Tracker>)
    });
    let cfg = config::load_str(path, text, &registry.known_names(), &|_| None).unwrap();
    let keys: Vec<&str> = cfg.warnings.iter().map(|w| w.key.as_str()).collect();
    assert_eq!(keys, ["projects.app.agent", "projects.app.scm.plugin"]);

    // Names checked without a registry are taken to have adapters, as before.
    assert!(load_text(path, text).unwrap().warnings.is_empty());
}
