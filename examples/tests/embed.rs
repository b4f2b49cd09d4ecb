//! The embedding example runs end to end.

#[test]
fn the_embedding_example_runs() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_embed"))
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("spawned demo-1 on session/demo-1"),
        "{stdout}"
    );
    assert!(stdout.contains("got: hello from an embedder"), "{stdout}");
    assert!(
        stdout.contains("killed demo-1; sessions left: 0"),
        "{stdout}"
    );
}
