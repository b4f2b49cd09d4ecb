//! `ao init`: real repositories, a PATH holding only git and the agent CLIs a test chooses,
//! and the written file read back by `ao config validate` and `ao config show`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::{git, repo, stderr, stdout};

/// A directory of executables: git (linked), and a stub for each named agent program.
fn bin(dir: &Path, programs: &[&str]) -> PathBuf {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let git = std::env::split_paths(&std::env::var_os("PATH").unwrap())
        .map(|d| d.join("git"))
        .find(|p| p.is_file())
        .expect("git on PATH");
    std::os::unix::fs::symlink(git, bin.join("git")).unwrap();
    for program in programs {
        let path = bin.join(program);
        std::fs::write(&path, "#!/bin/sh\nexit 0\n").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    bin
}

/// Runs `ao` in `cwd` with `PATH` = `bin` only and HOME inside `home`.
fn ao_with(bin: &Path, home: &Path, cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ao"))
        .args(args)
        .current_dir(cwd)
        .env_clear()
        .envs(crate::OFFLINE)
        .env("PATH", bin)
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .unwrap()
}

/// `ao config show --json`'s only project.
fn shown(bin: &Path, home: &Path, cwd: &Path) -> serde_json::Value {
    let out = ao_with(bin, home, cwd, &["config", "show", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let projects = v["data"]["projects"].as_array().unwrap();
    assert_eq!(projects.len(), 1, "{v}");
    projects[0].clone()
}

/// `ao config validate` passes with no warning at all.
fn validates_cleanly(bin: &Path, home: &Path, cwd: &Path) {
    let out = ao_with(bin, home, cwd, &["config", "validate"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains(", 0 warnings"), "{}", stdout(&out));
    assert_eq!(stderr(&out), "");
}

fn role(project: &serde_json::Value, role: &str) -> (String, Option<String>) {
    let r = &project["roles"][role];
    (
        r["agent"]["value"].as_str().unwrap().to_string(),
        r["model"]["value"].as_str().map(str::to_string),
    )
}

#[test]
fn each_recipe_writes_a_clean_config_with_its_agent_and_model_per_role() {
    let cases = [
        (
            "opus-sonnet",
            ("claude-code", Some("opus")),
            ("claude-code", Some("sonnet")),
        ),
        (
            "claude-codex",
            ("claude-code", Some("opus")),
            ("codex", None),
        ),
        (
            "haiku-workers",
            ("claude-code", Some("sonnet")),
            ("claude-code", Some("haiku")),
        ),
    ];
    for (recipe, orchestrator, worker) in cases {
        let tmp = tempfile::tempdir().unwrap();
        let repo = repo(tmp.path());
        git(
            &repo,
            &["remote", "add", "origin", "https://github.com/acme/app.git"],
        );
        let bin = bin(tmp.path(), &["claude", "codex"]);
        let out = ao_with(&bin, tmp.path(), &repo, &["init", "--recipe", recipe]);
        assert_eq!(out.status.code(), Some(0), "{recipe}: {}", stderr(&out));
        assert!(stdout(&out).is_empty(), "{}", stdout(&out));
        let err = stderr(&out);
        assert!(
            err.contains(
                "agent-orchestrator.yaml for project repo (acme/app, default branch main)"
            ),
            "{err}"
        );
        assert!(err.contains(&format!("recipe {recipe}: ")), "{err}");
        assert!(!err.contains("warning"), "{err}");

        let text = std::fs::read_to_string(repo.join("agent-orchestrator.yaml")).unwrap();
        assert!(
            text.contains(&format!("written by `ao init --recipe {recipe}`")),
            "{text}"
        );
        validates_cleanly(&bin, tmp.path(), &repo);
        let p = shown(&bin, tmp.path(), &repo);
        let own = |(a, m): (&str, Option<&str>)| (a.to_string(), m.map(str::to_string));
        assert_eq!(role(&p, "orchestrator"), own(orchestrator), "{recipe}");
        assert_eq!(role(&p, "worker"), own(worker), "{recipe}");
        assert_eq!(p["id"], "repo");
        assert_eq!(p["repo"], "acme/app");
        assert_eq!(
            p["path"],
            repo.canonicalize().unwrap().display().to_string()
        );
    }
}

#[test]
fn a_recipe_agent_missing_from_path_is_written_with_a_warning() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = repo(tmp.path());
    let bin = bin(tmp.path(), &["claude"]);
    let out = ao_with(
        &bin,
        tmp.path(),
        &repo,
        &["init", "--recipe", "claude-codex"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("warning: the config uses codex, but `codex` is not on PATH"),
        "{}",
        stderr(&out)
    );
    let text = std::fs::read_to_string(repo.join("agent-orchestrator.yaml")).unwrap();
    assert!(text.contains("# codex is not on PATH yet"), "{text}");
    validates_cleanly(&bin, tmp.path(), &repo);
}

#[test]
fn repo_comes_from_ssh_and_https_origins_and_the_branch_from_origin_head() {
    for url in [
        "git@github.com:acme/app.git",
        "ssh://git@github.com/acme/app",
        "https://github.com/acme/app.git",
        "https://user:secret-token@github.com/acme/app",
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let repo = repo(tmp.path());
        git(&repo, &["remote", "add", "origin", url]);
        // The remote's default is `trunk` though `main` is checked out: origin/HEAD wins.
        git(&repo, &["update-ref", "refs/remotes/origin/trunk", "HEAD"]);
        git(
            &repo,
            &[
                "symbolic-ref",
                "refs/remotes/origin/HEAD",
                "refs/remotes/origin/trunk",
            ],
        );
        let bin = bin(tmp.path(), &[]);
        let out = ao_with(&bin, tmp.path(), &repo, &["init"]);
        assert_eq!(out.status.code(), Some(0), "{url}: {}", stderr(&out));
        let text = std::fs::read_to_string(repo.join("agent-orchestrator.yaml")).unwrap();
        assert!(text.contains("\n    repo: acme/app\n"), "{url}: {text}");
        assert!(!text.contains("secret-token"), "{text}");
        assert!(text.contains("origin/HEAD names it"), "{text}");
        validates_cleanly(&bin, tmp.path(), &repo);
        let p = shown(&bin, tmp.path(), &repo);
        assert_eq!(p["repo"], "acme/app", "{url}");
        assert_eq!(p["defaultBranch"], "trunk", "{url}");
    }
}

#[test]
fn without_origin_repo_is_left_out_and_the_checked_out_branch_is_the_default() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = repo(tmp.path());
    git(&repo, &["checkout", "-q", "-b", "develop"]);
    std::fs::create_dir(repo.join("src")).unwrap();
    let bin = bin(tmp.path(), &["codex", "aider"]);
    // From a subdirectory: the file still goes to the repository's top level.
    let out = ao_with(&bin, tmp.path(), &repo.join("src"), &["init"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("no GitHub repo"), "{}", stderr(&out));
    let text = std::fs::read_to_string(repo.join("agent-orchestrator.yaml")).unwrap();
    assert!(text.contains("# No origin remote"), "{text}");
    assert!(text.contains("    # repo: owner/name\n"), "{text}");
    // The first agent found runs both roles; the others are offered in comments.
    assert!(
        text.contains("\n    agent: codex\n    # agent: aider\n"),
        "{text}"
    );
    validates_cleanly(&bin, tmp.path(), &repo);
    let p = shown(&bin, tmp.path(), &repo);
    assert_eq!(p["repo"], serde_json::Value::Null);
    assert_eq!(p["defaultBranch"], "develop");
    assert_eq!(role(&p, "orchestrator"), ("codex".to_string(), None));
    assert_eq!(role(&p, "worker"), ("codex".to_string(), None));
}

#[test]
fn an_existing_config_is_never_replaced() {
    for name in ["agent-orchestrator.yaml", "agent-orchestrator.yml"] {
        let tmp = tempfile::tempdir().unwrap();
        let repo = repo(tmp.path());
        std::fs::write(repo.join(name), "# mine\n").unwrap();
        let bin = bin(tmp.path(), &["claude"]);
        let out = ao_with(
            &bin,
            tmp.path(),
            &repo,
            &["init", "--recipe", "opus-sonnet"],
        );
        assert_eq!(out.status.code(), Some(4), "{name}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains(&format!("{name} already exists")), "{err}");
        assert!(
            err.contains("hint: ao init never replaces a config"),
            "{err}"
        );
        assert_eq!(
            std::fs::read_to_string(repo.join(name)).unwrap(),
            "# mine\n"
        );
        let entries = std::fs::read_dir(&repo).unwrap().count();
        assert_eq!(entries, 3, "only .git, README.md and {name}");
        // --dry-run shows what would be written, and writes nothing.
        let dry = ao_with(&bin, tmp.path(), &repo, &["init", "--dry-run"]);
        assert_eq!(dry.status.code(), Some(0), "{}", stderr(&dry));
        assert!(
            stdout(&dry).contains("\nprojects:\n  repo:\n"),
            "{}",
            stdout(&dry)
        );
        assert_eq!(std::fs::read_dir(&repo).unwrap().count(), 3);
    }
}

#[test]
fn outside_a_git_repository_it_says_so_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("plain");
    std::fs::create_dir(&dir).unwrap();
    let bin = bin(tmp.path(), &["claude"]);
    let out = ao_with(&bin, tmp.path(), &dir, &["init"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("plain is not inside a git repository"),
        "{err}"
    );
    assert!(
        err.contains("hint: run `ao init` inside your project's git repository"),
        "{err}"
    );
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
}
