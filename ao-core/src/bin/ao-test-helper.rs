//! A helper program for `ao-core`'s own tests: child processes that write to the store
//! concurrently or get killed mid-write. Not part of the product.
//!
//! Usage:
//!   ao-test-helper create <ao-home> <project> <prefix>   allocate an id, create its record, print the id
//!   ao-test-helper churn <ao-home> <project> <id>        update the record until killed

use std::process::ExitCode;

use ao_core::domain::{ProjectId, Role, SessionId};
use ao_core::home::AoHome;
use ao_core::store::{FileStore, SessionRecord, Store};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(&args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: &[String]) -> Result<(), Box<dyn std::error::Error>> {
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
        _ => Err("usage: ao-test-helper create|churn <ao-home> <project> <prefix|id>".into()),
    }
}
