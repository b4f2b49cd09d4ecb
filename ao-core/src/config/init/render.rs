//! The config text: rendered by hand rather than serialized, because the point of the file is
//! its comments — where each value came from, and what else could go there.

use std::fmt::Write as _;

use super::detect::{AGENT_PROGRAMS, BranchSource, FoundAgent, RepoFacts, default_agent};
use super::recipe::Recipe;

/// The config text for `repo`, whose `path` (relative to the file's directory) is
/// `project_path`.
pub fn render(
    repo: &RepoFacts,
    project_path: &str,
    agents: &[FoundAgent],
    recipe: Option<Recipe>,
) -> String {
    let mut out = String::new();
    let id = &repo.project_id;
    let prefix = &repo.session_prefix;
    let w = &mut out;
    // `write!` to a String cannot fail.
    let _ = writeln!(
        w,
        "# agent-orchestrator.yaml for {}, written by `ao init{}`.",
        comment(&repo.root.display().to_string()),
        recipe.map(|r| format!(" --recipe {r}")).unwrap_or_default()
    );
    w.push_str(
        "# `ao config validate` checks it; `ao config explain` shows which agent and model each\n\
         # role runs, and why; `ao config schema` prints the JSON Schema for your editor.\n\
         # Then `ao start` starts the orchestrator, and `ao spawn <issue>` a worker.\n\n",
    );
    w.push_str("projects:\n");
    let _ = writeln!(w, "  {}:", scalar(id));
    let _ = writeln!(
        w,
        "    # The repository, relative to this file.\n    path: {}",
        scalar(project_path)
    );
    match (&repo.repo, &repo.origin_url) {
        (Some(slug), Some(url)) => {
            let _ = writeln!(
                w,
                "    # owner/name on GitHub, from the origin remote ({}):\n    # where issues and pull requests are followed.\n    repo: {}",
                comment(url),
                scalar(slug)
            );
        }
        (_, Some(url)) => {
            let _ = writeln!(
                w,
                "    # The origin remote ({}) is not a forge URL: set `repo` to follow issues\n    # and pull requests on GitHub.\n    # repo: owner/name",
                comment(url)
            );
        }
        (_, None) => w.push_str(
            "    # No origin remote: once the repository is on GitHub, set `repo` to follow its\n    # issues and pull requests.\n    # repo: owner/name\n",
        ),
    }
    let branch = comment(&repo.default_branch);
    let why = match repo.branch_source {
        BranchSource::OriginHead => "origin/HEAD names it",
        BranchSource::CurrentBranch => "it was checked out when `ao init` ran",
        BranchSource::Fallback => "no branch was checked out and origin/HEAD is not set",
    };
    let _ = writeln!(
        w,
        "    # Worktrees start from origin/{branch} (or the local {branch}); {why}.\n    defaultBranch: {}",
        scalar(&repo.default_branch)
    );
    let _ = writeln!(
        w,
        "    # Workers are {prefix}-1, {prefix}-2, …; the orchestrator is {prefix}-orchestrator.\n    sessionPrefix: {}",
        scalar(prefix)
    );
    w.push('\n');

    let found: Vec<String> = agents
        .iter()
        .map(|a| {
            if a.agent == a.program {
                a.agent.to_string()
            } else {
                format!("{} ({})", a.program, a.agent)
            }
        })
        .collect();
    let not_found: Vec<&str> = AGENT_PROGRAMS
        .iter()
        .filter(|(agent, _)| !agents.iter().any(|a| a.agent == *agent))
        .map(|(_, program)| *program)
        .collect();
    if found.is_empty() {
        let _ = writeln!(w, "    # No agent CLI on PATH ({}).", not_found.join(", "));
    } else if not_found.is_empty() {
        let _ = writeln!(w, "    # Agent CLIs on PATH: {}.", found.join(", "));
    } else {
        let _ = writeln!(
            w,
            "    # Agent CLIs on PATH: {}; not found: {}.",
            found.join(", "),
            not_found.join(", ")
        );
    }

    match recipe {
        Some(recipe) => render_recipe(w, recipe, agents),
        None => render_single_agent(w, agents),
    }

    w.push_str(
        "\n    # Rules added to every worker's system prompt, and to the orchestrator's:\n\
         \x20   # agentRules: |\n\
         \x20   #   Run the tests before every push.\n\
         \x20   # orchestratorRules: |\n\
         \x20   #   Spawn one worker per issue; never edit code yourself.\n",
    );
    out
}

fn render_recipe(w: &mut String, recipe: Recipe, agents: &[FoundAgent]) {
    let _ = writeln!(
        w,
        "    # Recipe {recipe}: {}.\n    # A role block decides its role's agent and settings on its own (it replaces the\n    # project's `agentConfig`).",
        recipe.summary()
    );
    for (key, choice) in [
        ("orchestrator", recipe.orchestrator()),
        ("worker", recipe.worker()),
    ] {
        let _ = writeln!(w, "    {key}:\n      agent: {}", choice.agent);
        match choice.model {
            Some(model) => {
                let _ = writeln!(w, "      agentConfig:\n        model: {model}");
            }
            None => {
                let _ = writeln!(
                    w,
                    "      # No model: {} runs its own current default (`agentConfig: {{model: …}}`\n      # pins one).",
                    program_of(choice.agent)
                );
            }
        }
        if !agents.iter().any(|a| a.agent == choice.agent) {
            let _ = writeln!(
                w,
                "      # {} is not on PATH yet: install it before `ao start` (`ao doctor` checks).",
                program_of(choice.agent)
            );
        }
    }
}

fn render_single_agent(w: &mut String, agents: &[FoundAgent]) {
    let chosen = default_agent(agents);
    if agents.is_empty() {
        let _ = writeln!(
            w,
            "    # The agent both roles run; install its CLI ({}) before `ao start` (`ao doctor`\n    # checks), or pick another: codex, opencode, aider.",
            program_of(chosen)
        );
    } else {
        w.push_str("    # The agent both roles run.\n");
    }
    let _ = writeln!(w, "    agent: {chosen}");
    for other in agents.iter().filter(|a| a.agent != chosen) {
        let _ = writeln!(w, "    # agent: {}", other.agent);
    }
    let names: Vec<&str> = Recipe::ALL.iter().map(|r| r.name()).collect();
    let _ = writeln!(
        w,
        "\n    # An agent and model per role — `ao init --recipe {}`\n    # writes these for you; a role block replaces the project's `agentConfig` for its role:",
        names.join("|")
    );
    let sample = Recipe::ClaudeCodex;
    for (key, choice) in [
        ("orchestrator", sample.orchestrator()),
        ("worker", sample.worker()),
    ] {
        let _ = writeln!(w, "    # {key}:\n    #   agent: {}", choice.agent);
        if let Some(model) = choice.model {
            let _ = writeln!(w, "    #   agentConfig:\n    #     model: {model}");
        }
    }
}

fn program_of(agent: &str) -> &str {
    AGENT_PROGRAMS
        .iter()
        .find(|(a, _)| *a == agent)
        .map_or(agent, |(_, p)| p)
}

/// Text made safe for a `#` comment: a line break or other control character would end the
/// comment and turn the rest into YAML.
fn comment(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

/// `text` as a YAML scalar that reads back as the same string: plain when nothing in it could
/// mean something else (a number, a boolean, a date, a comment), else double-quoted.
fn scalar(text: &str) -> String {
    let safe_chars = text
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'/'));
    let safe_start = text.starts_with(|c: char| c.is_ascii_alphabetic())
        || text == "."
        || text.starts_with("./")
        || text.starts_with('/');
    let reserved = matches!(
        text.to_ascii_lowercase().as_str(),
        "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "y" | "n"
    );
    if safe_chars && safe_start && !reserved {
        text.to_string()
    } else {
        // A JSON string is a valid YAML double-quoted scalar.
        serde_json::to_string(text).unwrap_or_else(|_| format!("\"{text}\""))
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::config::{KnownNames, RoleOverrides, load_str};
    use crate::config::{derive_prefix, sanitize_id};
    use crate::domain::Role;

    fn facts() -> RepoFacts {
        RepoFacts {
            root: PathBuf::from("/src/my.app"),
            project_id: sanitize_id("my.app"),
            session_prefix: derive_prefix("my.app"),
            origin_url: Some("git@github.com:acme/my.app.git".into()),
            repo: Some("acme/my.app".into()),
            default_branch: "main".into(),
            branch_source: BranchSource::OriginHead,
        }
    }

    fn found(agents: &[&'static str]) -> Vec<FoundAgent> {
        AGENT_PROGRAMS
            .iter()
            .filter(|(a, _)| agents.contains(a))
            .map(|(agent, program)| FoundAgent {
                agent,
                program,
                path: PathBuf::from(format!("/bin/{program}")),
            })
            .collect()
    }

    /// Loads `text` as the config of a temp directory (with a `sub dir` in it).
    fn load(text: &str) -> crate::config::Config {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("sub dir")).unwrap();
        let path = dir.path().join("agent-orchestrator.yaml");
        let config = load_str(&path, text, &KnownNames::builtin(), &|_| None)
            .unwrap_or_else(|e| panic!("{e}: {:?}\n{text}", e.errors().collect::<Vec<_>>()));
        assert!(config.warnings.is_empty(), "{:?}\n{text}", config.warnings);
        config
    }

    fn role(config: &crate::config::Config, role: Role) -> (String, Option<String>) {
        let id = config.projects.keys().next().unwrap().clone();
        let r = config
            .resolve_role(&id, role, &RoleOverrides::default())
            .unwrap();
        (r.agent.value, r.model.value)
    }

    #[test]
    fn every_recipe_renders_a_clean_config_with_its_roles() {
        for recipe in Recipe::ALL {
            for agents in [found(&[]), found(&["claude-code", "codex"])] {
                let text = render(&facts(), ".", &agents, Some(recipe));
                let config = load(&text);
                let o = recipe.orchestrator();
                let w = recipe.worker();
                assert_eq!(
                    role(&config, Role::Orchestrator),
                    (o.agent.to_string(), o.model.map(str::to_string)),
                    "{recipe}"
                );
                assert_eq!(
                    role(&config, Role::Worker),
                    (w.agent.to_string(), w.model.map(str::to_string)),
                    "{recipe}"
                );
                let p = config.project("my-app").unwrap();
                assert_eq!(p.repo.as_deref(), Some("acme/my.app"));
                assert_eq!(p.session_prefix, "my");
            }
        }
    }

    #[test]
    fn without_a_recipe_the_first_agent_found_runs_both_roles() {
        let text = render(&facts(), ".", &found(&["codex", "aider"]), None);
        let config = load(&text);
        assert_eq!(role(&config, Role::Orchestrator).0, "codex");
        assert_eq!(role(&config, Role::Worker).0, "codex");
        assert!(text.contains("    # agent: aider\n"), "{text}");
        assert!(text.contains("not found: claude, opencode."), "{text}");
        let none = render(&facts(), ".", &[], None);
        assert_eq!(role(&load(&none), Role::Worker).0, "claude-code");
        assert!(
            none.contains("No agent CLI on PATH (claude, codex, opencode, aider)."),
            "{none}"
        );
    }

    #[test]
    fn awkward_names_are_quoted_and_comments_stay_comments() {
        let mut f = facts();
        f.root = PathBuf::from("/src/2024\nprojects: {}");
        f.project_id = "2024".into();
        f.session_prefix = "true".into();
        f.default_branch = "release#1".into();
        f.repo = None;
        f.origin_url = Some("/srv/git/x.git\n# y".into());
        f.branch_source = BranchSource::CurrentBranch;
        let text = render(&f, "./sub dir", &[], None);
        let config = load(&text);
        let p = config.project("2024").unwrap();
        assert_eq!(p.session_prefix, "true");
        assert_eq!(p.settings.default_branch, "release#1");
        assert_eq!(p.repo, None);
        assert!(p.path.ends_with("sub dir"), "{:?}", p.path);
    }

    #[test]
    fn scalars_read_back_as_written() {
        for s in [
            "main", "1.0", "0x1f", "yes", "No", "a: b", "#x", ".inf", ".", "./a/b", "/a b",
        ] {
            let yaml = format!("k: {}\n", scalar(s));
            let v: std::collections::BTreeMap<String, String> =
                serde_saphyr::from_str(&yaml).unwrap_or_else(|e| panic!("{yaml}: {e}"));
            assert_eq!(v["k"], s, "{yaml}");
        }
        assert_eq!(scalar("main"), "main");
        assert_eq!(scalar("."), ".");
        assert_eq!(scalar("2024"), "\"2024\"");
    }
}
