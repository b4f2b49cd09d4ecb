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
