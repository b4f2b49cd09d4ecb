//! The custom-adapter example runs end to end: its own agent, chosen by a config file.

#[test]
fn the_custom_agent_example_runs() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_custom_agent"))
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("spawned notes-1 running notes-bot"),
        "{stdout}"
    );
    // The task reached the program as text, and the config's own setting came through.
    assert!(
        stdout.contains("Task: collect release notes; $(not a command)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("- fixed the login bug (from-the-config)"),
        "{stdout}"
    );
    assert!(stdout.contains("notes-1 activity ready"), "{stdout}");
    assert!(
        stdout.contains("kept notes-1: unsaved work (1 file(s))"),
        "{stdout}"
    );
}
