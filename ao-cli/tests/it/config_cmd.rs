//! `ao config validate`.

use crate::{ao, stderr, stdout};

#[test]
fn a_valid_config_exits_0_with_a_summary_and_its_warnings() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join("app")).unwrap();
    std::fs::write(
        tmp.path().join("agent-orchestrator.yaml"),
        "projects:\n  app:\n    path: ./app\n    agent: cursor\n",
    )
    .unwrap();
    let out = ao(tmp.path(), &["config", "validate"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let summary = stdout(&out);
    assert!(summary.starts_with("ok: "), "{summary}");
    assert!(summary.contains("1 project (app), 1 warning"), "{summary}");
    assert!(
        stderr(&out).contains(":4:12: warning: projects.app.agent: agent `cursor`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn an_invalid_config_exits_5_listing_every_error() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("custom.yaml");
    std::fs::write(&file, "projects:\n  app:\n    agnet: codex\nnotifier: {}\n").unwrap();
    let out = ao(
        tmp.path(),
        &["config", "validate", "--config", "custom.yaml"],
    );
    assert_eq!(out.status.code(), Some(5));
    let err = stderr(&out);
    assert!(err.contains("custom.yaml:3:5: error: projects.app.agnet: unknown key `agnet`\n  hint: did you mean `agent`?"), "{err}");
    assert!(
        err.contains("custom.yaml:4:1: error: notifier: unknown key `notifier`"),
        "{err}"
    );
    assert!(
        err.contains("custom.yaml:2:3: error: projects.app: project `app` has no `path`"),
        "{err}"
    );
    assert!(
        err.trim_end().ends_with("is not a valid config (3 errors)"),
        "{err}"
    );
    assert!(stdout(&out).is_empty());
}

#[test]
fn a_value_of_the_wrong_type_is_reported_with_every_other_error() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("agent-orchestrator.yaml"),
        "lifecycle:\n  pollIntervalMs: 30s\nprojects:\n  app:\n    path: .\n    agnet: codex\n    repo: nope\n",
    )
    .unwrap();
    let out = ao(tmp.path(), &["config", "validate"]);
    assert_eq!(out.status.code(), Some(5));
    let err = stderr(&out);
    for line in [
        "agent-orchestrator.yaml:2:19: error: lifecycle.pollIntervalMs: expected a non-negative whole number, found the string `30s`\n  hint: `pollIntervalMs` is in milliseconds, written without a unit: `30000` for 30s",
        "agent-orchestrator.yaml:6:5: error: projects.app.agnet: unknown key `agnet`\n  hint: did you mean `agent`?",
        "agent-orchestrator.yaml:7:11: error: projects.app.repo: `nope` is not a repository name",
    ] {
        assert!(err.contains(line), "{line}\nnot in\n{err}");
    }
    assert!(
        err.trim_end().ends_with("is not a valid config (3 errors)"),
        "{err}"
    );
}

#[test]
fn an_empty_role_block_is_a_warning_that_says_what_it_does() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("agent-orchestrator.yaml"),
        "defaults:\n  orchestrator: {agent: aider}\n  worker: {agent: codex}\nprojects:\n  app:\n    path: .\n    orchestrator: {}\n    worker:\n",
    )
    .unwrap();
    let out = ao(tmp.path(), &["config", "validate"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("1 project (app), 2 warnings"),
        "{}",
        stdout(&out)
    );
    let err = stderr(&out);
    for line in [
        "agent-orchestrator.yaml:7:5: warning: projects.app.orchestrator: this `orchestrator` block is empty, yet like any `orchestrator` block it replaces `defaults.orchestrator`: the orchestrator runs `claude-code` (built-in default), not `aider` from `defaults.orchestrator.agent`\n  hint: remove the empty block to run aider from `defaults.orchestrator`, or add `agent: aider` to it",
        "agent-orchestrator.yaml:8:5: warning: projects.app.worker: `worker:` has no value, which ao reads as no `worker` block: the worker runs `codex` (agent-orchestrator.yaml:3 defaults.worker.agent)\n  hint: remove the empty `worker:` line",
    ] {
        assert!(err.contains(line), "{line}\nnot in\n{err}");
    }
}

#[test]
fn two_projects_with_the_same_path_are_an_error_naming_both() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join("app")).unwrap();
    std::fs::write(
        tmp.path().join("agent-orchestrator.yaml"),
        "projects:\n  app:\n    path: ./app\n  app2:\n    path: app/\n",
    )
    .unwrap();
    let out = ao(tmp.path(), &["config", "validate", "--json"]);
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let errors = v["meta"]["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    let e = &errors[0];
    assert_eq!(e["code"], "path-clash");
    assert_eq!(e["key"], "projects.app2.path");
    assert_eq!(e["line"], 5);
    let app = std::fs::canonicalize(tmp.path().join("app")).unwrap();
    assert_eq!(
        e["message"],
        format!(
            "projects `app` (line 3) and `app2` (line 5) have the same path, {}",
            app.display()
        )
    );
    assert!(e["hint"].as_str().unwrap().contains("its own checkout"));
}

#[test]
fn an_unsupported_tracker_is_a_warning_and_the_github_scm_is_built_in() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("agent-orchestrator.yaml"),
        "projects:\n  app:\n    path: .\n    tracker:\n      plugin: gitlab\n    scm:\n      plugin: github\n",
    )
    .unwrap();
    let out = ao(tmp.path(), &["config", "validate"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("1 project (app), 1 warning"),
        "{}",
        stdout(&out)
    );
    let err = stderr(&out);
    // Every tracker ao knows has an adapter now; GitLab's is one ao does not implement.
    let line = "agent-orchestrator.yaml:5:15: warning: projects.app.tracker.plugin: tracker `gitlab` is known from the reference tool but not supported by ao\n  hint: sessions that use it fail to start (exit 6); supported: github, linear";
    assert!(err.contains(line), "{line}\nnot in\n{err}");
    assert!(
        !err.contains("scm.plugin"),
        "the github SCM is built in:\n{err}"
    );

    // The command that needs the tracker says it cannot have it.
    let out = ao(tmp.path(), &["spawn", "123"]);
    assert_eq!(out.status.code(), Some(6), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("error: tracker `gitlab` is not supported by ao"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn json_output_lists_errors_and_warnings() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("agent-orchestrator.yaml"),
        "projects:\n  app: {path: ., agent: codx}\n",
    )
    .unwrap();
    let out = ao(tmp.path(), &["config", "validate", "--json"]);
    assert_eq!(out.status.code(), Some(5));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["data"]["valid"], false);
    let e = &v["meta"]["errors"][0];
    assert_eq!(e["key"], "projects.app.agent");
    assert_eq!(e["line"], 2);
    assert_eq!(e["hint"], "did you mean `codex`?");
}

#[test]
fn a_missing_config_exits_3_with_a_hint() {
    let tmp = tempfile::tempdir().unwrap();
    let out = ao(tmp.path(), &["config", "validate", "--config", "nope.yaml"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains("nope.yaml (given with --config) does not exist"),
        "{}",
        stderr(&out)
    );

    let out = ao(tmp.path(), &["config", "validate"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains("no agent-orchestrator.yaml found"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("hint:"), "{}", stderr(&out));
}

#[test]
fn the_config_path_comes_from_the_environment_when_set() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("elsewhere.yaml"),
        "projects:\n  app: {path: .}\n",
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ao"))
        .args(["config", "validate"])
        .current_dir(tmp.path())
        .env("AO_CONFIG_PATH", tmp.path().join("elsewhere.yaml"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("elsewhere.yaml"));
}

const ROLE_CONFIG: &str = "\
defaults:
  worker:
    agent: codex
projects:
  app:
    path: .
    agentConfig:
      model: sonnet
    worker:
      agentConfig:
        model: gpt-5-codex
  api:
    path: ./api
    agent: aider
notifiers:
  hook:
    plugin: webhook
    url: ${HOOK_URL}
    token: literal-token
";

/// Writes `ROLE_CONFIG` into `dir`, with the checkouts it names.
fn write_role_config(dir: &std::path::Path) {
    std::fs::create_dir(dir.join("api")).unwrap();
    std::fs::write(dir.join("agent-orchestrator.yaml"), ROLE_CONFIG).unwrap();
}

#[test]
fn explain_shows_each_value_with_its_source() {
    let tmp = tempfile::tempdir().unwrap();
    write_role_config(tmp.path());
    let out = ao(
        tmp.path(),
        &["config", "explain", "--project", "app", "--role", "worker"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "app\n\
         \x20 worker.agent       = claude-code      (built-in default)\n\
         \x20 worker.model       = gpt-5-codex      (agent-orchestrator.yaml:11 projects.app.worker.agentConfig.model)\n\
         \x20 worker.permissions = permissionless   (built-in default)\n\
         \x20 worker.rules       = (none)           (built-in default)\n"
    );
    let err = stderr(&out);
    assert!(err.contains("agent-orchestrator.yaml:9:5: warning: projects.app.worker: this `worker` block hides `defaults.worker.agent` (codex)"), "{err}");
}

#[test]
fn explain_json_has_the_documented_shape() {
    let tmp = tempfile::tempdir().unwrap();
    write_role_config(tmp.path());
    let out = ao(tmp.path(), &["config", "explain", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let data = v["data"].as_array().unwrap();
    assert_eq!(data.len(), 4, "two projects, two roles each");
    let api_worker = data
        .iter()
        .find(|e| e["projectId"] == "api" && e["role"] == "worker")
        .unwrap();
    assert_eq!(api_worker["agent"]["value"], "aider");
    assert_eq!(
        api_worker["agent"]["source"],
        "agent-orchestrator.yaml:14 projects.api.agent"
    );
    assert_eq!(api_worker["model"]["value"], serde_json::Value::Null);
    assert_eq!(api_worker["permissions"]["value"], "permissionless");
    assert!(
        api_worker["rules"].get("value").is_some() && api_worker["rules"].get("source").is_some()
    );
    let keys: Vec<&str> = v["meta"]["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["projects.app.worker", "notifiers.hook.url"]);
}

#[test]
fn explain_of_an_unknown_project_exits_3_naming_the_known_ones() {
    let tmp = tempfile::tempdir().unwrap();
    write_role_config(tmp.path());
    let out = ao(tmp.path(), &["config", "explain", "-p", "web"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains("projects in this config: app, api"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn show_masks_secrets() {
    let tmp = tempfile::tempdir().unwrap();
    write_role_config(tmp.path());
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ao"))
        .args(["config", "show", "--json"])
        .current_dir(tmp.path())
        .env("HOOK_URL", "https://hooks.example/very-secret-path")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        !text.contains("very-secret-path") && !text.contains("literal-token"),
        "{text}"
    );
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["data"]["notifiers"]["hook"]["url"], "***");
    assert_eq!(v["data"]["notifiers"]["hook"]["token"], "***");
    let app = &v["data"]["projects"][0];
    assert_eq!(app["roles"]["worker"]["model"]["value"], "gpt-5-codex");
    assert_eq!(app["reactions"]["ci-failed"]["action"], "send-to-agent");

    let human = ao(tmp.path(), &["config", "show"]);
    let text = stdout(&human);
    assert!(
        text.contains("    id: app\n") && text.contains("    token: ***\n"),
        "{text}"
    );
    assert!(!text.contains("literal-token"));
}

#[test]
fn schema_prints_the_committed_schema() {
    let tmp = tempfile::tempdir().unwrap();
    let out = ao(tmp.path(), &["config", "schema"]);
    assert_eq!(out.status.code(), Some(0));
    let committed = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../schema/agent-orchestrator.schema.json"
    ))
    .unwrap();
    assert_eq!(stdout(&out), committed);
}

#[test]
fn notifier_endpoints_are_masked_even_when_written_literally_and_discord_is_supported() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join("app")).unwrap();
    std::fs::write(
        tmp.path().join("agent-orchestrator.yaml"),
        "projects:\n  app: {path: ./app}\nnotifiers:\n  team: {plugin: slack, webhookUrl: 'https://hooks.slack.com/services/LITERAL1', channel: '#ops'}\n  chat: {plugin: discord, webhook: 'https://discord.com/api/webhooks/LITERAL2'}\n  hook:\n    plugin: webhook\n    url: 'https://hooks.example/LITERAL3'\n    headers: {Authorization: 'Bearer LITERAL4'}\nnotificationRouting:\n  urgent: [orchestrator, chat, hook]\n  info: [team, desktop]\n",
    )
    .unwrap();
    let out = ao(tmp.path(), &["config", "validate"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("0 warnings"),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let out = ao(tmp.path(), &["config", "show", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(!text.contains("LITERAL"), "{text}");
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let n = &v["data"]["notifiers"];
    assert_eq!(n["team"]["webhookUrl"], "***");
    assert_eq!(n["team"]["channel"], "#ops");
    assert_eq!(n["chat"]["webhook"], "***");
    assert_eq!(n["hook"]["url"], "***");
    assert_eq!(n["hook"]["headers"]["Authorization"], "***");
}
