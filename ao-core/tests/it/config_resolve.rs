//! Per-role resolution: the documented chain, provenance, overrides, and its laws.

use ao_core::Role;
use ao_core::config::{
    self, Config, ConfigError, Escalation, KnownNames, Permissions, ReactionAction, RoleOverrides,
    Source,
};
use proptest::prelude::*;

use crate::support::{load_text, samples};

fn sample(name: &str) -> Config {
    config::load(&samples().join("valid").join(name), &KnownNames::builtin()).unwrap()
}

fn text(yaml: &str) -> Config {
    load_text(std::path::Path::new("/cfg/agent-orchestrator.yaml"), yaml).unwrap()
}

fn key(source: &Source) -> String {
    match source {
        Source::File { key, .. } => key.clone(),
        other => other.to_string(),
    }
}

fn resolve(cfg: &Config, project: &str, role: Role) -> config::ResolvedRole {
    cfg.resolve_role(project, role, &RoleOverrides::default())
        .unwrap()
}

#[test]
fn recipe_opus_orchestrator_sonnet_workers() {
    let cfg = sample("recipe-opus-orchestrator-sonnet-workers.yaml");
    let o = resolve(&cfg, "app", Role::Orchestrator);
    assert_eq!(
        (o.agent.value.as_str(), o.model.value.as_deref()),
        ("claude-code", Some("opus"))
    );
    assert_eq!(
        key(&o.model.source),
        "projects.app.agentConfig.orchestratorModel"
    );
    let w = resolve(&cfg, "app", Role::Worker);
    assert_eq!(
        (w.agent.value.as_str(), w.model.value.as_deref()),
        ("claude-code", Some("sonnet"))
    );
    assert_eq!(key(&w.model.source), "projects.app.agentConfig.model");
    assert_eq!(w.permissions.value, Permissions::Permissionless);
    assert_eq!(w.permissions.source, Source::BuiltIn);
}

#[test]
fn recipe_claude_orchestrator_codex_workers() {
    let cfg = sample("recipe-claude-orchestrator-codex-workers.yaml");
    let o = resolve(&cfg, "app", Role::Orchestrator);
    assert_eq!(
        (o.agent.value.as_str(), o.model.value.as_deref()),
        ("claude-code", Some("opus"))
    );
    let w = resolve(&cfg, "app", Role::Worker);
    assert_eq!(
        (w.agent.value.as_str(), w.model.value.as_deref()),
        ("codex", Some("gpt-5-codex"))
    );
    assert_eq!(w.permissions.value, Permissions::AutoEdit);
    assert_eq!(key(&w.agent.source), "projects.app.worker.agent");
    assert!(
        matches!(&w.agent.source, Source::File { line: 15, .. }),
        "{:?}",
        w.agent.source
    );
}

#[test]
fn recipe_same_agent_different_models() {
    let cfg = sample("recipe-same-agent-different-models.yaml");
    let o = resolve(&cfg, "app", Role::Orchestrator);
    let w = resolve(&cfg, "app", Role::Worker);
    assert_eq!(
        (o.agent.value.as_str(), o.model.value.as_deref()),
        ("codex", Some("o3"))
    );
    assert_eq!(
        (w.agent.value.as_str(), w.model.value.as_deref()),
        ("codex", Some("gpt-5-codex-mini"))
    );
    assert_eq!(key(&o.agent.source), "projects.app.agent");
}

#[test]
fn a_worker_block_with_only_a_model_hides_defaults_worker_agent() {
    let base = "defaults:\n  worker:\n    agent: codex\n";
    let block = "    worker:\n      agentConfig:\n        model: m1\n";

    // No project agent, no defaults.agent: the built-in default.
    let cfg = text(&format!("{base}projects:\n  app:\n    path: /tmp\n{block}"));
    let w = resolve(&cfg, "app", Role::Worker);
    assert_eq!(w.agent.value, "claude-code");
    assert_eq!(w.agent.source, Source::BuiltIn);
    let warning = cfg
        .warnings
        .iter()
        .find(|d| d.key == "projects.app.worker")
        .expect("a warning");
    assert!(
        warning
            .message
            .contains("hides `defaults.worker.agent` (codex)"),
        "{warning}"
    );

    // defaults.agent is next in line.
    let cfg = text(&format!(
        "defaults:\n  agent: aider\n  worker:\n    agent: codex\nprojects:\n  app:\n    path: /tmp\n{block}"
    ));
    let w = resolve(&cfg, "app", Role::Worker);
    assert_eq!(
        (w.agent.value.as_str(), key(&w.agent.source).as_str()),
        ("aider", "defaults.agent")
    );

    // The project's own agent beats both.
    let cfg = text(&format!(
        "{base}projects:\n  app:\n    path: /tmp\n    agent: opencode\n{block}"
    ));
    let w = resolve(&cfg, "app", Role::Worker);
    assert_eq!(
        (w.agent.value.as_str(), key(&w.agent.source).as_str()),
        ("opencode", "projects.app.agent")
    );
    // ... so the block hides nothing the worker would otherwise have run.
    assert!(cfg.warnings.is_empty(), "{:#?}", cfg.warnings);
}

#[test]
fn an_empty_role_block_warns_saying_what_it_does() {
    use ao_core::config::Code;
    let base = "defaults:\n  worker:\n    agent: codex\nprojects:\n  app:\n    path: /tmp\n";

    // An empty mapping is a block: it hides `defaults.worker`.
    let cfg = text(&format!("{base}    worker: {{}}\n"));
    assert_eq!(
        resolve(&cfg, "app", Role::Worker).agent.value,
        "claude-code"
    );
    assert_eq!(cfg.warnings.len(), 1, "{:#?}", cfg.warnings);
    let w = &cfg.warnings[0];
    assert_eq!(
        (w.code, w.key.as_str(), w.pos.line),
        (Code::EmptyRoleBlock, "projects.app.worker", 7)
    );
    assert_eq!(
        w.message,
        "this `worker` block is empty, yet like any `worker` block it replaces `defaults.worker`: the worker runs `claude-code` (built-in default), not `codex` from `defaults.worker.agent`"
    );
    assert_eq!(
        w.hint.as_deref(),
        Some(
            "remove the empty block to run codex from `defaults.worker`, or add `agent: codex` to it"
        )
    );

    // An empty value is no block at all: `defaults.worker` applies, and the warning says so.
    let cfg = text(&format!("{base}    worker:\n"));
    assert_eq!(resolve(&cfg, "app", Role::Worker).agent.value, "codex");
    assert_eq!(cfg.warnings.len(), 1, "{:#?}", cfg.warnings);
    let w = &cfg.warnings[0];
    assert_eq!(w.code, Code::EmptyRoleBlock);
    assert!(
        w.message
            .contains("`worker:` has no value, which ao reads as no `worker` block: the worker runs `codex` (agent-orchestrator.yaml:3 defaults.worker.agent)"),
        "{w}"
    );

    // With nothing to hide (no role default, or a project agent that beats it), an empty
    // block changes nothing and is not worth a word.
    for yaml in [
        "projects:\n  app:\n    path: /tmp\n    worker: {}\n    orchestrator:\n".to_string(),
        format!("{base}    agent: aider\n    worker: {{}}\n"),
    ] {
        let cfg = text(&yaml);
        assert!(cfg.warnings.is_empty(), "{yaml}: {:#?}", cfg.warnings);
    }
}

#[test]
fn without_a_role_block_the_project_agent_beats_the_role_default() {
    let cfg = text(
        "defaults:\n  worker: {agent: codex}\nprojects:\n  app: {path: /tmp, agent: aider}\n  api: {path: /}\n",
    );
    let app = resolve(&cfg, "app", Role::Worker);
    assert_eq!(
        (app.agent.value.as_str(), key(&app.agent.source).as_str()),
        ("aider", "projects.app.agent")
    );
    let api = resolve(&cfg, "api", Role::Worker);
    assert_eq!(
        (api.agent.value.as_str(), key(&api.agent.source).as_str()),
        ("codex", "defaults.worker.agent")
    );
    // The orchestrator has no role default here.
    assert_eq!(
        resolve(&cfg, "api", Role::Orchestrator).agent.value,
        "claude-code"
    );
    assert!(cfg.warnings.is_empty(), "{:#?}", cfg.warnings);
}

#[test]
fn a_role_block_replaces_the_project_agent_config_with_a_warning() {
    let cfg = text(
        "projects:\n  app:\n    path: /tmp\n    agentConfig: {model: m, permissions: suggest, custom: 1}\n    worker:\n      agentConfig: {model: w}\n",
    );
    let w = resolve(&cfg, "app", Role::Worker);
    assert_eq!(w.model.value.as_deref(), Some("w"));
    assert_eq!(
        w.permissions.value,
        Permissions::Permissionless,
        "nothing merged from the project block"
    );
    let warning = cfg
        .warnings
        .iter()
        .find(|d| d.key == "projects.app.worker.agentConfig")
        .expect("a warning");
    assert!(
        warning.message.contains("`permissions`") && warning.message.contains("`custom`"),
        "{warning}"
    );
    assert!(!warning.message.contains("`model`"));
    // The orchestrator has no block: it keeps the project's settings.
    let o = resolve(&cfg, "app", Role::Orchestrator);
    assert_eq!(
        (o.model.value.as_deref(), o.permissions.value),
        (Some("m"), Permissions::Suggest)
    );
}

#[test]
fn skip_means_permissionless() {
    let cfg = text("projects:\n  app: {path: /tmp, agentConfig: {permissions: skip}}\n");
    let w = resolve(&cfg, "app", Role::Worker);
    assert_eq!(w.permissions.value, Permissions::Permissionless);
    assert_eq!(
        key(&w.permissions.source),
        "projects.app.agentConfig.permissions"
    );
}

#[test]
fn spawn_overrides_drop_a_model_meant_for_another_agent() {
    let cfg =
        text("projects:\n  app: {path: /tmp, agent: codex, agentConfig: {model: gpt-5-codex}}\n");
    let with = |agent: Option<&str>, model: Option<&str>| {
        let o = RoleOverrides {
            agent: agent.map(str::to_string),
            model: model.map(str::to_string),
        };
        cfg.resolve_role("app", Role::Worker, &o).unwrap()
    };
    let r = with(Some("claude-code"), None);
    assert_eq!(
        (r.agent.value.as_str(), r.model.value.as_deref()),
        ("claude-code", None)
    );
    assert_eq!(r.agent.source, Source::Override { flag: "--agent" });
    let r = with(Some("codex"), None);
    assert_eq!(
        r.model.value.as_deref(),
        Some("gpt-5-codex"),
        "same agent keeps its model"
    );
    let r = with(Some("claude-code"), Some("opus"));
    assert_eq!(r.model.value.as_deref(), Some("opus"));
    assert_eq!(r.model.source, Source::Override { flag: "--model" });
}

#[test]
fn rules_per_role() {
    let cfg = text(
        "projects:\n  app:\n    path: /srv/app\n    agentRules: a\n    agentRulesFile: docs/rules.md\n    orchestratorRules: o\n",
    );
    let w = resolve(&cfg, "app", Role::Worker);
    assert_eq!(w.rules.inline.as_ref().unwrap().value, "a");
    assert_eq!(
        w.rules.file.as_ref().unwrap().value,
        std::path::PathBuf::from("/srv/app/docs/rules.md")
    );
    assert_eq!(
        w.rules.summary().unwrap(),
        "agentRules + agentRulesFile (/srv/app/docs/rules.md)"
    );
    let o = resolve(&cfg, "app", Role::Orchestrator);
    assert_eq!(o.rules.inline.as_ref().unwrap().value, "o");
    assert!(o.rules.file.is_none());
}

#[test]
fn a_command_agent_needs_a_command() {
    let errs = crate::support::errors(load_text(
        std::path::Path::new("/cfg/c.yaml"),
        "projects:\n  app:\n    path: /tmp\n    worker:\n      agent: command\n",
    ));
    assert_eq!(errs.len(), 1, "{errs:#?}");
    assert_eq!(errs[0].key, "projects.app.worker.agent");
    assert_eq!(errs[0].pos.line, 5);
    assert!(errs[0].message.contains("has no `command`"));
}

#[test]
fn reactions_merge_builtin_global_and_project() {
    let cfg = text(
        "projects:\n  app:\n    path: /tmp\n    reactions:\n      ci-failed: {retries: 5}\n      approved-and-green: {auto: true}\nreactions:\n  ci-failed: {escalateAfter: 1h, message: fix it}\n",
    );
    let r = cfg.reactions("app").unwrap();
    let ci = &r["ci-failed"];
    assert_eq!(ci.action, ReactionAction::SendToAgent);
    assert_eq!(ci.retries, Some(5));
    assert_eq!(ci.message.as_deref(), Some("fix it"));
    assert_eq!(
        ci.escalate_after,
        Some(Escalation::After(std::time::Duration::from_secs(3600)))
    );
    assert_eq!(ci.sources.len(), 3);
    assert!(r["approved-and-green"].auto);
    assert_eq!(
        r["agent-stuck"].threshold,
        Some(std::time::Duration::from_secs(600))
    );
}

#[test]
fn unknown_projects_are_not_found() {
    let cfg = text("projects:\n  app: {path: /tmp}\n");
    let err = cfg
        .resolve_role("nope", Role::Worker, &RoleOverrides::default())
        .unwrap_err();
    assert!(
        matches!(err, ConfigError::UnknownProject { ref known, .. } if known == &["app".to_string()])
    );
}

const AGENTS: &[&str] = &["claude-code", "codex", "aider", "opencode"];

fn opt_agent() -> impl Strategy<Value = Option<&'static str>> {
    prop::option::of(prop::sample::select(AGENTS))
}

#[derive(Debug, Clone)]
struct Choice {
    defaults_agent: Option<&'static str>,
    defaults_role_agent: Option<&'static str>,
    project_agent: Option<&'static str>,
    /// `None`: no role block; `Some(x)`: a block whose agent is `x`.
    block: Option<Option<&'static str>>,
    block_model: bool,
    role: Role,
}

fn choice() -> impl Strategy<Value = Choice> {
    (
        opt_agent(),
        opt_agent(),
        opt_agent(),
        prop::option::of(opt_agent()),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(defaults_agent, defaults_role_agent, project_agent, block, block_model, orch)| {
                Choice {
                    defaults_agent,
                    defaults_role_agent,
                    project_agent,
                    block,
                    block_model,
                    role: if orch {
                        Role::Orchestrator
                    } else {
                        Role::Worker
                    },
                }
            },
        )
}

fn render(c: &Choice) -> String {
    let r = c.role.as_str();
    let mut y = String::from("defaults:\n");
    if let Some(a) = c.defaults_agent {
        y += &format!("  agent: {a}\n");
    }
    if let Some(a) = c.defaults_role_agent {
        y += &format!("  {r}:\n    agent: {a}\n");
    }
    y += "projects:\n  app:\n    path: /tmp\n    agentConfig: {model: project-model}\n";
    if let Some(a) = c.project_agent {
        y += &format!("    agent: {a}\n");
    }
    if let Some(block) = c.block {
        y += &format!("    {r}:\n");
        if let Some(a) = block {
            y += &format!("      agent: {a}\n");
        }
        if c.block_model || block.is_none() {
            y += "      agentConfig: {model: block-model}\n";
        }
    }
    y
}

proptest! {
    /// A value set on the project always beats a default.
    #[test]
    fn project_values_beat_defaults(c in choice()) {
        let cfg = text(&render(&c));
        let r = resolve(&cfg, "app", c.role);
        let expected = c.block.flatten().or(c.project_agent);
        if let Some(agent) = expected {
            prop_assert_eq!(r.agent.value.as_str(), agent);
            prop_assert!(key(&r.agent.source).starts_with("projects.app."));
        }
        // The model is always the project's (block or project agentConfig), never absent.
        prop_assert!(r.model.value.is_some());
        prop_assert!(key(&r.model.source).starts_with("projects.app."));
    }

    /// When the project has a block for the role, `defaults.<role>` is not consulted at all.
    #[test]
    fn a_role_block_shuts_out_the_role_default(c in choice()) {
        let cfg = text(&render(&c));
        let r = resolve(&cfg, "app", c.role);
        let role_default = format!("defaults.{}.agent", c.role.as_str());
        if c.block.is_some() {
            prop_assert_ne!(key(&r.agent.source), role_default);
        } else if c.project_agent.is_none() && c.defaults_role_agent.is_some() {
            prop_assert_eq!(key(&r.agent.source), role_default);
        }
    }
}
