//! `ao doctor` through the real binary: what it finds missing, per project and role, and the
//! exit code that says so.

use std::path::Path;
use std::process::{Command, Output};

use crate::{stderr, stdout};

fn doctor(dir: &Path, path: &str, extra_env: &[(&str, &str)]) -> Output {
    // Doctor looks at the sessions too: any tmux server it asks is the test's own.
    std::fs::create_dir_all(dir.join("tmux")).unwrap();
    Command::new(env!("CARGO_BIN_EXE_ao"))
        .args(["doctor", "--json"])
        .current_dir(dir)
        .env_clear()
        .envs(crate::OFFLINE)
        .env("PATH", path)
        .env("HOME", dir.join("home"))
        .env("AO_HOME", dir.join("ao-home"))
        .env("TMUX_TMPDIR", dir.join("tmux"))
        .envs(extra_env.iter().copied())
        .output()
        .unwrap()
}

fn checks(out: &Output) -> Vec<serde_json::Value> {
    let doc: serde_json::Value = serde_json::from_str(&stdout(out))
        .unwrap_or_else(|e| panic!("{e}: {}{}", stdout(out), stderr(out)));
    doc["data"].as_array().unwrap().clone()
}

/// `PATH` with git and sh but neither agent CLI.
fn bare_path(dir: &Path) -> String {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    for program in ["git", "sh", "tmux"] {
        if let Some(found) = ao_core::adapter_kit::probe::find_program(program, None) {
            let _ = std::os::unix::fs::symlink(found, bin.join(program));
        }
    }
    bin.display().to_string()
}

fn write_config(dir: &Path, body: &str) {
    let repo = crate::repo(dir);
    std::fs::write(
        dir.join("agent-orchestrator.yaml"),
        format!("projects:\n  app:\n    path: {}\n{body}", repo.display()),
    )
    .unwrap();
}

#[test]
fn a_missing_worker_agent_is_named_with_its_project_and_role() {
    let tmp = tempfile::tempdir().unwrap();
    write_config(
        tmp.path(),
        "    orchestrator:\n      agent: command\n      agentConfig:\n        command: [sh]\n    worker:\n      agent: codex\n",
    );
    let out = doctor(tmp.path(), &bare_path(tmp.path()), &[]);
    assert_eq!(
        out.status.code(),
        Some(6),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let missing: Vec<_> = checks(&out)
        .into_iter()
        .filter(|c| c["outcome"] == "missing")
        .collect();
    assert_eq!(missing.len(), 1, "{missing:?}");
    assert_eq!(missing[0]["check"], "agent");
    assert_eq!(missing[0]["projectId"], "app");
    assert_eq!(missing[0]["role"], "worker");
    assert!(missing[0]["detail"].as_str().unwrap().contains("codex"));
    assert!(
        missing[0]["hint"]
            .as_str()
            .unwrap()
            .contains("@openai/codex@0.169.0")
    );
}

#[test]
fn a_tracker_without_an_adapter_is_a_warning_and_the_implied_github_scm_is_built_in() {
    let tmp = tempfile::tempdir().unwrap();
    // The SCM is not written: `repo` implies GitHub.
    write_config(
        tmp.path(),
        "    repo: acme/app\n    agent: command\n    agentConfig:\n      command: [sh]\n    tracker:\n      plugin: gitlab\n",
    );
    let out = doctor(tmp.path(), &bare_path(tmp.path()), &[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let tracker = checks_of(&out, "tracker");
    assert_eq!(tracker.len(), 1, "{tracker:?}");
    assert_eq!(tracker[0]["outcome"], "warning");
    assert_eq!(tracker[0]["projectId"], "app");
    assert_eq!(
        tracker[0]["detail"],
        "gitlab: not supported by ao, so issues cannot be read from it: `ao spawn <issue>` fails"
    );
    // `repo` implies the GitHub SCM, which is built in: nothing to warn about.
    let scm = checks_of(&out, "scm");
    assert!(scm.is_empty(), "{scm:?}");
}

#[test]
fn with_every_program_present_the_doctor_is_happy() {
    let (Some(codex_dir), Some(claude_dir)) = (
        crate::live::cli_dir("codex"),
        crate::live::cli_dir("claude"),
    ) else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    write_config(
        tmp.path(),
        "    tracker:\n      plugin: github\n    orchestrator:\n      agent: claude-code\n    worker:\n      agent: codex\n",
    );
    let path = format!(
        "{}:{}:{}",
        codex_dir.display(),
        claude_dir.display(),
        std::env::var("PATH").unwrap()
    );
    // Credentials are reported present, never shown.
    let gh = ao_trackers::fake::FakeGitHub::start();
    let [(api_var, api), (graphql_var, graphql)] = gh.env();
    let out = doctor(
        tmp.path(),
        &path,
        &[
            ("GITHUB_TOKEN", "ghp_do-not-print-me"),
            (api_var, &api),
            (graphql_var, &graphql),
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(!format!("{}{}", stdout(&out), stderr(&out)).contains("do-not-print-me"));
    let checks = checks(&out);
    for (check, role) in [
        ("launch", "orchestrator"),
        ("launch", "worker"),
        ("agent", "worker"),
    ] {
        assert!(
            checks
                .iter()
                .any(|c| c["check"] == check && c["role"] == role && c["ok"] == true),
            "{check} {role}: {checks:?}"
        );
    }
    // Without the token it is a warning, not a failure.
    let out = doctor(
        tmp.path(),
        &path,
        &[(api_var, &api), (graphql_var, &graphql)],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let tracker = checks_of(&out, "tracker");
    assert!(
        tracker.iter().any(|c| c["outcome"] == "warning"
            && c["detail"].as_str().unwrap().contains("no GitHub token")),
        "{tracker:?}"
    );
    assert!(tracker.iter().all(|c| c["ok"] == true), "{tracker:?}");
    // A fresh HOME: neither CLI has been set up, which would stop a worker at a first-run
    // screen — warned about, per role.
    let setup = checks_of(&out, "setup");
    for (role, needle) in [("orchestrator", "claude"), ("worker", "codex login")] {
        assert!(
            setup.iter().any(|c| c["role"] == role
                && c["outcome"] == "warning"
                && c["detail"].as_str().unwrap().contains(needle)),
            "{role}: {setup:?}"
        );
    }
    let home = tmp.path().join("home");
    std::fs::create_dir_all(home.join(".codex")).unwrap();
    std::fs::write(
        home.join(".claude.json"),
        r#"{"hasCompletedOnboarding":true}"#,
    )
    .unwrap();
    std::fs::write(home.join(".codex/auth.json"), "{}").unwrap();
    let out = doctor(tmp.path(), &path, &[]);
    assert!(checks_of(&out, "setup").is_empty(), "{}", stdout(&out));
}

fn checks_of(out: &Output, check: &str) -> Vec<serde_json::Value> {
    checks(out)
        .into_iter()
        .filter(|c| c["check"] == check)
        .collect()
}

#[test]
fn an_untrusted_in_repo_config_and_an_invalid_one_are_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = crate::repo(tmp.path());
    std::fs::write(
        repo.join("agent-orchestrator.yaml"),
        "projects:\n  app:\n    path: .\n    postCreate: [\"echo hi\"]\n    agent: command\n    agentConfig:\n      command: [sh]\n",
    )
    .unwrap();
    let out = doctor(&repo, &bare_path(tmp.path()), &[]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    // The worker's postCreate, and both roles' `command` agent program, would run.
    let trust = checks_of(&out, "trust");
    assert_eq!(trust.len(), 2, "{trust:?}");
    let detail = |role: &str| {
        trust
            .iter()
            .find(|c| c["role"] == role)
            .map(|c| c["detail"].as_str().unwrap().to_string())
            .unwrap_or_default()
    };
    assert!(detail("worker").contains("postCreate"), "{trust:?}");
    assert!(
        detail("orchestrator").contains("agentConfig.command"),
        "{trust:?}"
    );
    assert!(
        trust
            .iter()
            .all(|c| c["hint"].as_str().unwrap().contains("ao trust"))
    );

    std::fs::write(
        repo.join("agent-orchestrator.yaml"),
        "projects:\n  app:\n    pathh: .\n",
    )
    .unwrap();
    let out = doctor(&repo, &bare_path(tmp.path()), &[]);
    assert_eq!(
        out.status.code(),
        Some(5),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(
        checks_of(&out, "config")[0]["detail"]
            .as_str()
            .unwrap()
            .contains("pathh"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn each_init_recipe_passes_with_the_pinned_clis() {
    let (Some(codex_dir), Some(claude_dir)) = (
        crate::live::cli_dir("codex"),
        crate::live::cli_dir("claude"),
    ) else {
        return;
    };
    let path = format!(
        "{}:{}:{}",
        codex_dir.display(),
        claude_dir.display(),
        std::env::var("PATH").unwrap()
    );
    for recipe in ["opus-sonnet", "claude-codex", "haiku-workers"] {
        let tmp = tempfile::tempdir().unwrap();
        let repo = crate::repo(tmp.path());
        std::fs::create_dir_all(tmp.path().join("tmux")).unwrap();
        let ao = |args: &[&str]| {
            Command::new(env!("CARGO_BIN_EXE_ao"))
                .args(args)
                .current_dir(&repo)
                .env_clear()
                .envs(crate::OFFLINE)
                .env("PATH", &path)
                .env("HOME", tmp.path().join("home"))
                .env("AO_HOME", tmp.path().join("ao-home"))
                .env("TMUX_TMPDIR", tmp.path().join("tmux"))
                .env("GIT_CONFIG_GLOBAL", "/dev/null")
                .output()
                .unwrap()
        };
        let init = ao(&["init", "--recipe", recipe]);
        assert_eq!(init.status.code(), Some(0), "{recipe}: {}", stderr(&init));
        let out = ao(&["doctor", "--json"]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{recipe}: {}{}",
            stdout(&out),
            stderr(&out)
        );
        // A worker's probe carries the task `doctor`, which claude would otherwise run as its
        // own subcommand; no probe leaves anything in AO_HOME.
        for role in ["orchestrator", "worker"] {
            assert!(
                checks_of(&out, "launch")
                    .iter()
                    .any(|c| c["role"] == role && c["ok"] == true),
                "{recipe} {role}: {}",
                stdout(&out)
            );
        }
        // Not logged in (a fresh HOME) is a warning, not a failure.
        assert!(
            checks(&out)
                .iter()
                .all(|c| c["ok"] == true || c["outcome"] == "warning"),
            "{recipe}: {}",
            stdout(&out)
        );
        let events = tmp.path().join("ao-home/projects");
        let recorded: Vec<_> = walk(&events)
            .into_iter()
            .filter(|p| p.to_string_lossy().contains("/events/"))
            .collect();
        assert!(
            recorded.is_empty(),
            "{recipe}: probes recorded {recorded:?}"
        );
    }
}

/// Every file under `dir`.
fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out
}

#[test]
fn a_command_agents_program_is_checked() {
    let tmp = tempfile::tempdir().unwrap();
    write_config(
        tmp.path(),
        "    agent: command\n    agentConfig:\n      command: [no-such-agent-xyz, --flag]\n",
    );
    let out = doctor(tmp.path(), &bare_path(tmp.path()), &[]);
    assert_eq!(out.status.code(), Some(6), "{}", stdout(&out));
    let missing: Vec<_> = checks(&out)
        .into_iter()
        .filter(|c| c["outcome"] == "missing")
        .collect();
    assert_eq!(missing.len(), 2, "one per role: {missing:?}");
    for check in &missing {
        assert!(
            check["detail"]
                .as_str()
                .unwrap()
                .contains("no-such-agent-xyz is not installed"),
            "{check}"
        );
        assert!(
            check["hint"]
                .as_str()
                .unwrap()
                .contains("agentConfig.command"),
            "{check}"
        );
    }

    // Present but not executable: said so, with the fix.
    let path = bare_path(tmp.path());
    let agent = tmp.path().join("bin/my-agent");
    std::fs::write(&agent, "#!/bin/sh\n").unwrap();
    let config = tmp.path().join("agent-orchestrator.yaml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        text.replace("no-such-agent-xyz, --flag", "my-agent"),
    )
    .unwrap();
    let out = doctor(tmp.path(), &path, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let failed = checks_of(&out, "agent");
    assert!(
        failed.iter().all(|c| c["outcome"] == "failed"
            && c["detail"].as_str().unwrap().contains("is not executable")
            && c["hint"].as_str().unwrap().starts_with("chmod +x")),
        "{failed:?}"
    );

    // Executable: the program is reported found.
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&agent, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = doctor(tmp.path(), &path, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert_eq!(
        checks_of(&out, "launch")
            .iter()
            .filter(|c| c["ok"] == true)
            .count(),
        2,
        "{}",
        stdout(&out)
    );
}

#[test]
fn an_api_key_claude_would_ask_about_or_was_told_to_refuse_is_reported() {
    // A dummy shaped like a real key; claude keeps (and the output must not show) its last 20
    // characters.
    const KEY: &str = "sk-ant-api03-dummy-not-a-key-0123-abcdefghijKLMNOPQRST";
    let tmp = tempfile::tempdir().unwrap();
    let repo = crate::repo(tmp.path()).canonicalize().unwrap();
    std::fs::write(
        repo.join("agent-orchestrator.yaml"),
        "projects:\n  app:\n    path: .\n    agent: claude-code\n",
    )
    .unwrap();
    // A stand-in claude: the checks here read claude's state, not its answers.
    let path = bare_path(tmp.path());
    let claude = Path::new(&path).join("claude");
    std::fs::write(&claude, "#!/bin/sh\necho '2.1.332 (Claude Code)'\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&claude, std::fs::Permissions::from_mode(0o755)).unwrap();
    // The user ran claude in the project and trusted it there, but never answered about this
    // key: the orchestrator would stop at "Detected a custom API key", and an untrusted config
    // may not answer.
    let state_file = tmp.path().join("home/.claude.json");
    std::fs::create_dir_all(tmp.path().join("home")).unwrap();
    let state = format!(
        r#"{{"hasCompletedOnboarding":true,"projects":{{"{}":{{"hasTrustDialogAccepted":true}}}}}}"#,
        repo.display()
    );
    std::fs::write(&state_file, &state).unwrap();
    let home = tmp.path().join("home");
    let home = home.to_str().unwrap();
    let out = doctor(&repo, &path, &[("HOME", home), ("ANTHROPIC_API_KEY", KEY)]);
    let all = format!("{}{}", stdout(&out), stderr(&out));
    assert_eq!(out.status.code(), Some(1), "{all}");
    assert!(
        !all.contains("KLMNOPQRST"),
        "no part of the key is shown: {all}"
    );
    let trust = checks_of(&out, "trust");
    let orchestrator = trust
        .iter()
        .find(|c| c["role"] == "orchestrator")
        .unwrap_or_else(|| panic!("{trust:?}"));
    assert_eq!(orchestrator["outcome"], "failed", "{orchestrator}");
    assert!(
        orchestrator["detail"]
            .as_str()
            .unwrap()
            .contains("ANTHROPIC_API_KEY"),
        "{orchestrator}"
    );
    assert!(
        orchestrator["hint"].as_str().unwrap().contains("ao trust"),
        "{orchestrator}"
    );
    assert_eq!(
        std::fs::read_to_string(&state_file).unwrap(),
        state,
        "doctor answers nothing"
    );
    // Without the key there is nothing to ask about in the trusted folder.
    let out = doctor(&repo, &path, &[("HOME", home)]);
    assert!(
        !checks_of(&out, "trust")
            .iter()
            .any(|c| c["role"] == "orchestrator"),
        "{}",
        stdout(&out)
    );

    // The user said no to this key in claude: ao leaves that alone, and says so, per role.
    let rejected = format!(
        r#"{{"hasCompletedOnboarding":true,"projects":{{"{}":{{"hasTrustDialogAccepted":true}}}},"customApiKeyResponses":{{"approved":[],"rejected":["abcdefghijKLMNOPQRST"]}}}}"#,
        repo.display()
    );
    std::fs::write(&state_file, &rejected).unwrap();
    let out = doctor(&repo, &path, &[("HOME", home), ("ANTHROPIC_API_KEY", KEY)]);
    let all = format!("{}{}", stdout(&out), stderr(&out));
    assert!(
        !all.contains("KLMNOPQRST"),
        "no part of the key is shown: {all}"
    );
    let setup = checks_of(&out, "setup");
    for role in ["orchestrator", "worker"] {
        assert!(
            setup.iter().any(|c| c["role"] == role
                && c["outcome"] == "warning"
                && c["detail"].as_str().unwrap().contains("rejected")),
            "{role}: {setup:?}"
        );
    }
    assert!(
        !checks_of(&out, "trust")
            .iter()
            .any(|c| c["role"] == "orchestrator"),
        "a rejected key is not asked about: {all}"
    );
    assert_eq!(std::fs::read_to_string(&state_file).unwrap(), rejected);
}
