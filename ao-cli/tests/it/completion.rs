//! Shell completion through `COMPLETE=<shell> ao`: live session and project ids, and silence
//! when nothing can be read.

use crate::sessions::{Env, env};
use crate::{stderr, stdout};

/// What `COMPLETE=bash` answers for the word at `index` of `words` (clap's protocol: the words
/// after `--`, the index of the one being completed), one candidate per line.
fn complete(e: &Env, words: &[&str], extra: &[(&str, &str)]) -> Vec<String> {
    let index = (words.len() - 1).to_string();
    let mut args = vec!["--"];
    args.extend_from_slice(words);
    let mut cmd = e.cmd(&args);
    cmd.env("COMPLETE", "bash")
        .env("_CLAP_COMPLETE_INDEX", &index)
        .env("_CLAP_IFS", "\n");
    for (k, v) in extra {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stderr(&out), "", "completion never talks on stderr");
    stdout(&out).lines().map(str::to_string).collect()
}

#[test]
fn dynamic_completion_offers_live_session_and_project_ids() {
    let e = env();
    e.ok(&["start", "--no-orchestrator"]);
    e.ok(&["spawn", "--prompt", "task"]);

    let kill = complete(&e, &["ao", "session", "kill", ""], &[]);
    assert!(kill.contains(&"app-1".to_string()), "{kill:?}");
    assert_eq!(complete(&e, &["ao", "send", "app-"], &[]), ["app-1"]);
    assert_eq!(complete(&e, &["ao", "status", "-p", ""], &[]), ["app"]);
    assert_eq!(complete(&e, &["ao", "start", "a"], &[]), ["app"]);
    assert_eq!(
        complete(&e, &["ao", "session", "output", "nope"], &[]),
        Vec::<String>::new()
    );

    // A registry nobody can read gives no candidates, and no error on the prompt.
    let home = e.dir().join("ao-home");
    std::fs::write(home.join("projects.json"), "{oops").unwrap();
    assert_eq!(
        complete(&e, &["ao", "session", "kill", "app"], &[]),
        Vec::<String>::new()
    );
    let bad_home = [("AO_HOME", "relative/path")];
    assert_eq!(
        complete(&e, &["ao", "send", "app"], &bad_home),
        Vec::<String>::new()
    );

    // Registration for the shell, and the static script, both still work.
    let out = e.cmd(&[]).env("COMPLETE", "bash").output().unwrap();
    assert!(
        stdout(&out).contains("complete -o nospace -o bashdefault"),
        "{}",
        stdout(&out)
    );
    let script = e.ok(&["completion", "bash"]);
    assert!(script.contains("_ao()"), "{script}");
}
