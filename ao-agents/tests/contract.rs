//! Every command line the adapters build goes through the argument parser of the pinned real
//! CLI (`@anthropic-ai/claude-code@2.1.332`, `@openai/codex@0.169.0`) by the adapters' own
//! `verify_launch` — what `ao doctor` runs too — isolated so that no probe can ever start a
//! model turn: an empty temp HOME and config dirs, no API keys, base URLs at a closed loopback
//! port, stdin closed. (`agent-clis.md` §3: a good claude argv prints `Not logged in`; a good
//! codex argv stops at `stdin is not a terminal`.)
//!
//! The CLIs are found in `AO_AGENT_CLI_DIR` (where `.ci/run` installs them) or on `PATH`. A
//! missing CLI skips with a reason locally and fails under `CI=true`.

// Test helpers panic on purpose: a failed fixture step is a failed test.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use ao_agents::{Aider, ClaudeCode, Codex, OpenCode};
use ao_core::config::{AgentConfig, Permissions};
use ao_core::domain::{LaunchSpec, ProjectId, Role, SessionId};
use ao_core::plugin::{Agent, AgentError, LaunchRequest};

fn find(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let dirs = std::env::var_os("AO_AGENT_CLI_DIR")
        .map(|d| vec![PathBuf::from(d)])
        .unwrap_or_default()
        .into_iter()
        .chain(std::env::split_paths(&path));
    dirs.map(|d| d.join(program)).find(|p| p.is_file())
}

fn require(program: &str) -> Option<PathBuf> {
    match find(program) {
        Some(p) => Some(p),
        None if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!(
                "{program} is not installed; .ci/run installs the pinned CLIs into AO_AGENT_CLI_DIR"
            )
        }
        None => {
            eprintln!(
                "skipping: {program} is not installed (set AO_AGENT_CLI_DIR or put it on PATH)"
            );
            None
        }
    }
}

fn request(dir: &Path, role: Role, permissions: Permissions, model: Option<&str>) -> LaunchRequest {
    let system = dir.join("system.md");
    std::fs::create_dir_all(dir.join("home/.codex")).unwrap();
    std::fs::write(
        &system,
        "You are a worker.\nKeep \"quotes\" and \\ backslashes.\n",
    )
    .unwrap();
    LaunchRequest {
        project_id: ProjectId::new("app").unwrap(),
        session_id: SessionId::new("app-1").unwrap(),
        role,
        model: model.map(str::to_string),
        permissions,
        system_prompt_file: Some(system),
        system_prompt: Some("You are a worker.\nKeep \"quotes\" and \\ backslashes.\n".into()),
        agent_session_id: Some(uuid::Uuid::new_v4().to_string()),
        task_prompt: Some("--looks-like-a-flag but is the task".into()),
        cwd: dir.to_path_buf(),
        settings: AgentConfig::default().into(),
        env: [
            ("AO_SESSION_ID".to_string(), "app-1".to_string()),
            ("AO_BIN".to_string(), "/opt/ao dir/bin/ao".to_string()),
            (
                "CLAUDE_CONFIG_DIR".to_string(),
                dir.join("home/.claude").display().to_string(),
            ),
            (
                "CODEX_HOME".to_string(),
                dir.join("home/.codex").display().to_string(),
            ),
        ]
        .into(),
        trusted: true,
    }
}

const PERMISSIONS: [Permissions; 4] = [
    Permissions::Permissionless,
    Permissions::AutoEdit,
    Permissions::Default,
    Permissions::Suggest,
];

fn every_case() -> Vec<(Role, Permissions, Option<&'static str>)> {
    let mut cases = Vec::new();
    for role in Role::ALL {
        for p in PERMISSIONS {
            for model in [None, Some("a-model-name")] {
                cases.push((role, p, model));
            }
        }
    }
    cases
}

/// A saved claude conversation `id` for `req` (claude resumes only conversations it saved).
fn saved_conversation(req: &LaunchRequest, id: &str) {
    let slug: String = req
        .cwd
        .display()
        .to_string()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let dir = Path::new(&req.env["CLAUDE_CONFIG_DIR"])
        .join("projects")
        .join(slug);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("{id}.jsonl")), "").unwrap();
}

fn check(agent: &dyn Agent, model: &str) {
    check_cases(agent, model, &every_case());
}

/// Probes the launch and resume spec of every case, four at a time.
fn check_cases(agent: &dyn Agent, model: &str, cases: &[(Role, Permissions, Option<&str>)]) {
    let failures = std::sync::Mutex::new(Vec::new());
    let checked = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|s| {
        for chunk in cases.chunks(cases.len().div_ceil(4)) {
            let (failures, checked) = (&failures, &checked);
            s.spawn(move || {
                for &(role, permissions, chosen) in chunk {
                    let dir = tempfile::tempdir().unwrap();
                    let req = request(dir.path(), role, permissions, chosen.map(|_| model));
                    // An id of the agent's own shape (opencode's are `ses_…`).
                    let uuid = uuid::Uuid::new_v4().simple().to_string();
                    let id = if agent.name() == "opencode" {
                        format!("ses_{uuid}")
                    } else {
                        uuid::Uuid::new_v4().to_string()
                    };
                    saved_conversation(&req, &id);
                    for (what, spec) in [
                        ("launch", agent.launch_spec(&req).unwrap()),
                        ("resume", agent.resume_spec(&req, &id).unwrap()),
                    ] {
                        checked.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        if let Err(e) = agent.verify_launch(&spec) {
                            failures.lock().unwrap().push(format!(
                                "{what} {role:?} {permissions:?} model={chosen:?}: {:?}\n  -> {e}",
                                spec.argv
                            ));
                        }
                    }
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    let checked = checked.into_inner();
    assert_eq!(
        checked,
        cases.len() * 2,
        "a launch and a resume spec per case"
    );
    assert!(
        failures.is_empty(),
        "{} of {checked} specs rejected:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_claude_code_spec_is_accepted_by_the_pinned_cli() {
    let Some(claude) = require("claude") else {
        return;
    };
    check(
        &ClaudeCode::with_program(claude.display().to_string()),
        "sonnet",
    );
}

#[test]
fn the_claude_launch_check_reports_a_model_claude_would_remap() {
    let Some(claude) = require("claude") else {
        return;
    };
    let adapter = ClaudeCode::with_program(claude.display().to_string());
    let dir = tempfile::tempdir().unwrap();
    let notices = |model: &str| {
        let req = request(dir.path(), Role::Worker, Permissions::Default, Some(model));
        adapter
            .verify_launch(&adapter.launch_spec(&req).unwrap())
            .unwrap()
    };
    // A retired model claude 2.1.332 silently runs as its successor: it says so on stderr
    // even without a model turn, so `ao doctor` can tell.
    let remapped = notices("claude-opus-4-1");
    assert_eq!(remapped.len(), 1, "{remapped:?}");
    assert!(
        remapped[0].starts_with("claude-opus-4-1 is automatically remapped to "),
        "{remapped:?}"
    );
    // An alias is resolved without a word.
    assert_eq!(notices("opus"), Vec::<String>::new());
}

#[test]
fn every_codex_spec_is_accepted_by_the_pinned_cli() {
    let Some(codex) = require("codex") else {
        return;
    };
    // The real program, so the launch carries the notice overrides built from its catalog.
    let adapter = Codex::with_program(codex.display().to_string());
    check(&adapter, "gpt-5-codex");
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("home/.codex")).unwrap();
    let req = request(
        dir.path(),
        Role::Worker,
        Permissions::Default,
        Some("gpt-5.5"),
    );
    let argv = adapter.launch_spec(&req).unwrap().argv;
    assert!(
        argv.iter()
            .any(|a| a.starts_with("notice.model_migrations={") && a.contains("\"gpt-5.5\"=")),
        "the catalog's upgrade popups are marked seen: {argv:?}"
    );
    assert!(
        argv.iter()
            .any(|a| a.starts_with("projects={") && a.contains("trust_level=\"trusted\"")),
        "{argv:?}"
    );
    assert!(
        argv.iter()
            .any(|a| a == "notify=[\"/opt/ao dir/bin/ao\",\"hook\",\"codex\",\"notify\"]"),
        "{argv:?}"
    );
    assert!(
        !argv.iter().any(|a| a.contains("bypass-hook-trust")),
        "hook trust is never bypassed"
    );
}

/// Each role and permission mode with a model (aider's and opencode's checks take seconds
/// each, so the no-model variants, which only drop `-m`, are left to the launch unit tests).
fn with_a_model() -> Vec<(Role, Permissions, Option<&'static str>)> {
    every_case()
        .into_iter()
        .filter(|(_, _, model)| model.is_some())
        .collect()
}

#[test]
fn every_aider_spec_is_accepted_by_the_pinned_cli() {
    let Some(aider) = require("aider") else {
        return;
    };
    let adapter = Aider::with_program(aider.display().to_string());
    check_cases(&adapter, "openai/gpt-4o", &with_a_model());
}

#[test]
fn every_opencode_spec_is_accepted_by_the_pinned_cli() {
    let Some(opencode) = require("opencode") else {
        return;
    };
    let adapter = OpenCode::with_program(opencode.display().to_string());
    check_cases(&adapter, "openai/gpt-4o", &with_a_model());
}

#[test]
fn the_probes_can_fail() {
    let dir = tempfile::tempdir().unwrap();
    let rejected = |agent: &dyn Agent, program: &Path, args: &[&str]| {
        let spec = LaunchSpec::new(
            program.display().to_string(),
            args.iter().copied(),
            dir.path(),
        );
        match agent.verify_launch(&spec) {
            Err(AgentError::LaunchRejected { detail, .. }) => detail,
            other => panic!("{args:?} was not rejected: {other:?}"),
        }
    };
    if let Some(codex) = require("codex") {
        let adapter = Codex::with_program(codex.display().to_string());
        let removed = rejected(&adapter, &codex, &["--full-auto", "--", "x"]);
        assert!(removed.contains("--full-auto"), "{removed}");
        let misspelt = rejected(
            &adapter,
            &codex,
            &["-c", "notices.model_migrations={}", "--", "x"],
        );
        assert!(misspelt.contains("notices"), "{misspelt}");
    }
    if let Some(claude) = require("claude") {
        let adapter = ClaudeCode::with_program(claude.display().to_string());
        let bad = rejected(
            &adapter,
            &claude,
            &["--permission-mode", "bogus", "--", "x"],
        );
        assert!(bad.contains("bogus"), "{bad}");
    }
    if let Some(aider) = require("aider") {
        let adapter = Aider::with_program(aider.display().to_string());
        let bad = rejected(&adapter, &aider, &["--system-prompt", "x"]);
        assert!(bad.contains("unrecognized arguments"), "{bad}");
    }
    if let Some(opencode) = require("opencode") {
        let adapter = OpenCode::with_program(opencode.display().to_string());
        rejected(&adapter, &opencode, &["--permission-mode", "auto"]);
    }
    let missing = ClaudeCode::with_program("/nonexistent/claude").verify_launch(&LaunchSpec::new(
        "/nonexistent/claude",
        ["-p"],
        dir.path(),
    ));
    assert!(
        matches!(missing, Err(AgentError::BinaryNotFound { .. })),
        "{missing:?}"
    );
}

#[test]
fn resume_keeps_permissions_model_and_system_prompt() {
    let dir = tempfile::tempdir().unwrap();
    for role in Role::ALL {
        let req = request(dir.path(), role, Permissions::AutoEdit, Some("m"));
        let claude = ClaudeCode::new();
        let launch = claude.launch_spec(&req).unwrap();
        let id = &uuid::Uuid::new_v4().to_string();
        assert!(
            claude.resume_spec(&req, id).is_err(),
            "an unsaved conversation is not resumed (claude would exit at once)"
        );
        saved_conversation(&req, id);
        let resume = claude.resume_spec(&req, id).unwrap();
        let before_id = |argv: &[String]| {
            argv.iter()
                .position(|a| a == "--session-id" || a == "--resume")
                .map(|i| argv[..i].to_vec())
        };
        assert_eq!(
            before_id(&launch.argv),
            before_id(&resume.argv),
            "claude {role:?}"
        );
        assert!(
            resume
                .argv
                .iter()
                .any(|a| a == "--append-system-prompt-file")
        );
        assert!(
            !resume
                .argv
                .iter()
                .any(|a| a == "--looks-like-a-flag but is the task"),
            "the task is not re-sent"
        );

        let codex = Codex::new();
        let launch = codex.launch_spec(&req).unwrap();
        let resume = codex.resume_spec(&req, "thread-1").unwrap();
        let flags = |argv: &[String]| {
            argv.iter()
                .take_while(|a| *a != "--" && *a != "resume")
                .cloned()
                .collect::<Vec<_>>()
        };
        assert_eq!(flags(&launch.argv), flags(&resume.argv), "codex {role:?}");
        assert!(
            resume
                .argv
                .iter()
                .any(|a| a.starts_with("developer_instructions="))
        );
    }
}

#[test]
fn the_orchestrator_is_held_read_only_by_claude_codes_tool_policy() {
    let dir = tempfile::tempdir().unwrap();
    // Whatever the configured permissions, the orchestrator gets the read-only policy.
    for permissions in PERMISSIONS {
        let spec = ClaudeCode::new()
            .launch_spec(&request(dir.path(), Role::Orchestrator, permissions, None))
            .unwrap();
        let argv = spec.argv.join(" ");
        assert!(argv.contains("--permission-mode dontAsk"), "{argv}");
        assert!(
            argv.contains("--disallowedTools Edit,Write,NotebookEdit"),
            "{argv}"
        );
        assert!(argv.contains("--setting-sources user"), "{argv}");
        assert!(!argv.contains("--dangerously-skip-permissions"), "{argv}");
    }
}

/// The subcommand names (aliases included) `program --help` lists under `Commands:`.
fn subcommands(program: &Path) -> Vec<String> {
    let home = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(program)
        .arg("--help")
        .env("HOME", home.path())
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    // opencode prints its help on stderr.
    let help =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    let own_name = program.file_name().unwrap().to_string_lossy().into_owned();
    let mut names = Vec::new();
    let section = help
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.is_empty() || l.starts_with(' '));
    for line in section {
        if let Some(aliases) = line
            .split("[aliases: ")
            .nth(1)
            .and_then(|a| a.split(']').next())
        {
            names.extend(aliases.split(',').map(|a| a.trim().to_string()));
        }
        // A name starts a line indented by exactly two spaces; deeper lines continue the
        // description above.
        if !line.starts_with("  ") || line.starts_with("   ") {
            continue;
        }
        let mut words = line.split_whitespace();
        let mut word = words.next().unwrap_or_default();
        if word == own_name {
            word = words.next().unwrap_or_default();
        }
        if word.starts_with(['[', '<']) {
            continue;
        }
        names.extend(word.split('|').map(str::to_string));
    }
    names.retain(|n| !n.is_empty());
    names
}

/// Probes a launch of `agent` whose task is each of `tasks`; returns the rejected ones.
fn rejected_tasks(agent: &dyn Agent, tasks: &[String]) -> Vec<String> {
    let failures = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for chunk in tasks.chunks(tasks.len().div_ceil(4)) {
            let failures = &failures;
            s.spawn(move || {
                for task in chunk {
                    let dir = tempfile::tempdir().unwrap();
                    let mut req = request(dir.path(), Role::Worker, Permissions::Default, None);
                    req.task_prompt = Some(task.clone());
                    let spec = agent.launch_spec(&req).unwrap();
                    if let Err(e) = agent.verify_launch(&spec) {
                        failures.lock().unwrap().push(format!(
                            "{task:?} (argv ends {:?}) -> {e}",
                            spec.argv.last()
                        ));
                    }
                }
            });
        }
    });
    failures.into_inner().unwrap()
}

/// Every subcommand name the pinned CLI lists, plus slash commands and flags, as a task.
fn tasks_named_like_commands(program: &Path, at_least: &[&str]) -> Vec<String> {
    let names = subcommands(program);
    for name in at_least {
        assert!(
            names.iter().any(|n| n == name),
            "`{} --help` lists {name}: {names:?}",
            program.display()
        );
    }
    names
        .into_iter()
        .chain(["/logout", "/doctor", "--help", "-p"].map(str::to_string))
        .collect()
}

#[test]
fn a_task_named_like_a_claude_subcommand_is_a_task() {
    let Some(claude) = require("claude") else {
        return;
    };
    let tasks = tasks_named_like_commands(&claude, &["doctor", "update", "upgrade", "mcp", "kill"]);
    let rejected = rejected_tasks(
        &ClaudeCode::with_program(claude.display().to_string()),
        &tasks,
    );
    assert!(rejected.is_empty(), "{}", rejected.join("\n"));
}

#[test]
fn a_task_named_like_a_codex_subcommand_is_a_task() {
    let Some(codex) = require("codex") else {
        return;
    };
    let tasks = tasks_named_like_commands(&codex, &["exec", "e", "doctor", "login", "resume"]);
    let rejected = rejected_tasks(&Codex::with_program(codex.display().to_string()), &tasks);
    assert!(rejected.is_empty(), "{}", rejected.join("\n"));
}

#[test]
fn a_task_named_like_an_opencode_subcommand_is_a_task() {
    let Some(opencode) = require("opencode") else {
        return;
    };
    let tasks = tasks_named_like_commands(&opencode, &["run", "serve", "auth", "upgrade"]);
    let rejected = rejected_tasks(
        &OpenCode::with_program(opencode.display().to_string()),
        &tasks,
    );
    assert!(rejected.is_empty(), "{}", rejected.join("\n"));
}

/// aider reads its task from the terminal, where `/name` and `!cmd` are commands and a lone
/// `{` opens multi-line input: its own parser (the pinned package's Python) judges what the
/// adapter types.
#[test]
fn a_task_named_like_an_aider_command_is_typed_as_a_task() {
    let Some(aider) = require("aider") else {
        return;
    };
    let python = std::fs::canonicalize(&aider)
        .unwrap()
        .with_file_name("python");
    let run = |script: &str, input: &str| {
        use std::io::Write;
        let mut child = std::process::Command::new(&python)
            .args(["-c", script])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success());
        String::from_utf8(out.stdout).unwrap()
    };
    let commands = run(
        "from aider.commands import Commands\nprint('\\n'.join(Commands.__new__(Commands).get_commands()))",
        "",
    );
    let commands: Vec<&str> = commands.lines().collect();
    assert!(
        commands.contains(&"/run") && commands.contains(&"/exit"),
        "{commands:?}"
    );
    let dir = tempfile::tempdir().unwrap();
    let adapter = Aider::with_program(aider.display().to_string());
    let typed: Vec<String> = commands
        .iter()
        .copied()
        .chain(["!ls", "{", "{tag", "run"])
        .map(|task| {
            let mut req = request(dir.path(), Role::Worker, Permissions::Default, None);
            req.task_prompt = Some(task.to_string());
            let text = adapter.initial_input(&req).unwrap();
            serde_json::to_string(&ao_core::delivery::sanitize(&text)).unwrap()
        })
        .collect();
    // `is_command` is aider's own test; the `{` test is the one its input loop makes.
    let judged = run(
        "import json, sys\nfrom aider.commands import Commands\nc = Commands.__new__(Commands)\nfor line in sys.stdin:\n    t = json.loads(line)\n    s = t.strip('\\r\\n')\n    print(json.dumps([t, c.is_command(t) or s[0] == '{']))",
        &typed.join("\n"),
    );
    let taken_as_commands: Vec<&str> = judged.lines().filter(|l| l.ends_with("true]")).collect();
    assert_eq!(judged.lines().count(), typed.len());
    assert!(
        taken_as_commands.is_empty(),
        "aider would run these as commands: {taken_as_commands:?}"
    );
}
