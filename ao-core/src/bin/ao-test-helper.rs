//! A helper program for `ao-core`'s own tests: child processes that write to the store
//! concurrently or get killed mid-write, and programs for runtimes to launch. It embeds the
//! trampoline like every `ao-core` binary. Not part of the product.
//!
//! Usage:
//!   ao-test-helper create <ao-home> <project> <prefix>   allocate an id, create its record, print the id
//!   ao-test-helper churn <ao-home> <project> <id>        update the record until killed
//!   ao-test-helper dump <file> [args…]                   write argv, cwd and environment to <file> as JSON, then wait
//!   ao-test-helper paste-reader <file>                   raw-mode terminal reader with bracketed paste on; appends every input byte to <file>
//!   ao-test-helper exit <code>                           exit at once with <code>

use std::io::{Read, Write};
use std::process::ExitCode;

use ao_core::domain::{ProjectId, Role, SessionId};
use ao_core::home::AoHome;
use ao_core::store::{FileStore, SessionRecord, Store};

fn main() -> ExitCode {
    ao_core::run_if_invoked();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("dump") => dump(&args[1..]),
        Some("paste-reader") => paste_reader(&args[1..]),
        Some("exit") => {
            return ExitCode::from(args.get(1).and_then(|c| c.parse::<u8>().ok()).unwrap_or(0));
        }
        _ => store_commands(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error>>;

fn wait_forever() -> ! {
    loop {
        std::thread::sleep(std::time::Duration::from_secs(3600));
    }
}

fn dump(args: &[String]) -> Result {
    let Some(file) = args.first() else {
        return Err("usage: dump <file> [args…]".into());
    };
    let env: std::collections::BTreeMap<String, String> = std::env::vars().collect();
    let doc = serde_json::json!({
        "argv": std::env::args().collect::<Vec<_>>(),
        "cwd": std::env::current_dir()?,
        "env": env,
    });
    std::fs::write(file, serde_json::to_vec(&doc)?)?;
    println!("dumped");
    wait_forever()
}

fn paste_reader(args: &[String]) -> Result {
    let [file] = args else {
        return Err("usage: paste-reader <file>".into());
    };
    let status = std::process::Command::new("stty")
        .args(["raw", "-echo"])
        .status()?;
    if !status.success() {
        return Err("stty failed".into());
    }
    let mut out = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(file)?;
    let mut stdout = std::io::stdout();
    // Ask the terminal for bracketed paste, as agent TUIs do, then say we are listening.
    stdout.write_all(b"\x1b[?2004hREADY\r\n")?;
    stdout.flush()?;
    let mut stdin = std::io::stdin();
    let mut buf = [0u8; 4096];
    loop {
        let n = stdin.read(&mut buf)?;
        if n == 0 {
            wait_forever();
        }
        out.write_all(&buf[..n])?;
        out.flush()?;
        if buf[..n].contains(&b'\r') {
            stdout.write_all(b"\r\nSUBMITTED\r\n")?;
            stdout.flush()?;
        }
    }
}

fn store_commands(args: &[String]) -> Result {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        match args {
            [cmd, home, project, prefix] if cmd == "create" => {
                let store = FileStore::new(AoHome::new(home));
                let project = ProjectId::new(project.as_str())?;
                let id = store.allocate_id(&project, prefix).await?;
                store
                    .create(SessionRecord::new(
                        id.clone(),
                        project,
                        Role::Worker,
                        "fake",
                    ))
                    .await?;
                println!("{id}");
                Ok(())
            }
            [cmd, home, project, id] if cmd == "churn" => {
                let store = FileStore::new(AoHome::new(home));
                let project = ProjectId::new(project.as_str())?;
                let id = SessionId::new(id.as_str())?;
                loop {
                    store
                        .update(
                            &project,
                            &id,
                            Box::new(|r| {
                                let n = r.reactions.entry("churn".into()).or_default();
                                n.attempts += 1;
                                // A payload big enough that a torn write would be visible.
                                r.model = Some(format!("{:0>4096}", n.attempts));
                            }),
                        )
                        .await?;
                }
            }
            _ => Err("usage: see the file's doc comment".into()),
        }
    })
}
