//! The session stores: the conformance suite, and the file store under real concurrency,
//! SIGKILLed writers and damaged files.

use std::collections::BTreeSet;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ao_core::domain::{ProjectId, Role, SessionId};
use ao_core::home::AoHome;
use ao_core::store::{self, FileStore, InMemoryStore, SessionRecord, Store, StoreError};

const HELPER: &str = env!("CARGO_BIN_EXE_ao-test-helper");

fn project() -> ProjectId {
    ProjectId::new("app").unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn in_memory_store_passes_the_conformance_suite() {
    store::conformance::run(Arc::new(InMemoryStore::new())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn file_store_passes_the_conformance_suite() {
    let tmp = tempfile::tempdir().unwrap();
    store::conformance::run(Arc::new(FileStore::new(AoHome::new(tmp.path())))).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_processes_allocating_at_once_get_twenty_ids_and_records() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().to_str().unwrap().to_string();
    let children: Vec<_> = (0..20)
        .map(|_| {
            Command::new(HELPER)
                .args(["create", &home, "app", "app"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut ids = BTreeSet::new();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        ids.insert(String::from_utf8(out.stdout).unwrap().trim().to_string());
    }
    assert_eq!(ids.len(), 20, "{ids:?}");
    let store = FileStore::new(AoHome::new(tmp.path()));
    let listing = store.list(&project()).await.unwrap();
    assert!(listing.corrupt.is_empty());
    let listed: BTreeSet<String> = listing.records.iter().map(|r| r.id.to_string()).collect();
    assert_eq!(listed, ids);
    let expected: BTreeSet<String> = (1..=20).map(|n| format!("app-{n}")).collect();
    assert_eq!(ids, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_writer_killed_mid_update_leaves_a_whole_record() {
    let tmp = tempfile::tempdir().unwrap();
    let home = AoHome::new(tmp.path());
    let store = FileStore::new(home.clone());
    let id = SessionId::new("app-1").unwrap();
    store
        .create(SessionRecord::new(
            id.clone(),
            project(),
            Role::Worker,
            "fake",
        ))
        .await
        .unwrap();

    let mut last = 0;
    for round in 0..12u64 {
        let mut child = Command::new(HELPER)
            .args(["churn", tmp.path().to_str().unwrap(), "app", "app-1"])
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Let it write for a varying while, then SIGKILL it wherever it is.
        let deadline = Instant::now() + Duration::from_millis(20 + (round * 7) % 40);
        while Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(2));
        }
        child.kill().unwrap();
        child.wait().unwrap();

        let record = store
            .get(&project(), &id)
            .await
            .unwrap_or_else(|e| panic!("round {round}: {e}"));
        let n = record.reactions.get("churn").map_or(0, |r| r.attempts);
        assert!(
            n >= last,
            "round {round}: counter went back from {last} to {n}"
        );
        if n > 0 {
            assert_eq!(
                record.model.as_deref().map(str::len),
                Some(4096),
                "round {round}: partial payload"
            );
        }
        last = n;
    }
    assert!(last > 0, "the writer never got to write");
    // Leftover temp files of killed writers never show up as records.
    let listing = store.list(&project()).await.unwrap();
    assert_eq!(listing.records.len(), 1);
    assert!(listing.corrupt.is_empty());
}

#[tokio::test]
async fn a_corrupt_record_is_set_aside_and_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let home = AoHome::new(tmp.path());
    let store = FileStore::new(home.clone());
    store
        .create(SessionRecord::new(
            SessionId::new("app-1").unwrap(),
            project(),
            Role::Worker,
            "fake",
        ))
        .await
        .unwrap();
    let dir = home.sessions_dir(&project());
    std::fs::write(dir.join("app-2.json"), "{\"schemaVersion\": 1, \"id\": ").unwrap();
    std::fs::write(dir.join("app-3.json"), "").unwrap();

    let listing = store.list(&project()).await.unwrap();
    assert_eq!(listing.records.len(), 1);
    assert_eq!(listing.corrupt.len(), 2);
    for c in &listing.corrupt {
        let moved = c.moved_to.as_ref().expect("moved");
        assert!(
            moved.starts_with(dir.join("corrupt")) && moved.exists(),
            "{c:?}"
        );
        assert!(!c.path.exists());
    }
    // Gone from the live set; its content is kept for a person to look at, and every later
    // listing still reports it (with why) until it is removed.
    let again = store.list(&project()).await.unwrap();
    assert_eq!(again.corrupt.len(), 2);
    assert!(
        again
            .corrupt
            .iter()
            .any(|c| c.path == dir.join("app-3.json") && c.detail.contains("EOF")),
        "{:?}",
        again.corrupt
    );
    assert!(matches!(
        store
            .get(&project(), &SessionId::new("app-2").unwrap())
            .await,
        Err(StoreError::NotFound { .. })
    ));

    std::fs::write(dir.join("app-4.json"), "not json").unwrap();
    let err = store
        .get(&project(), &SessionId::new("app-4").unwrap())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Corrupt {
                moved_to: Some(_),
                ..
            }
        ),
        "{err}"
    );
}

#[tokio::test]
async fn a_record_from_a_newer_ao_is_read_but_never_rewritten() {
    let tmp = tempfile::tempdir().unwrap();
    let home = AoHome::new(tmp.path());
    let store = FileStore::new(home.clone());
    let id = SessionId::new("app-1").unwrap();
    let mut value = serde_json::to_value(SessionRecord::new(
        id.clone(),
        project(),
        Role::Worker,
        "fake",
    ))
    .unwrap();
    value["schemaVersion"] = serde_json::json!(2);
    value["newThing"] = serde_json::json!({"kept": true});
    let path = home.sessions_dir(&project()).join("app-1.json");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let text = serde_json::to_string(&value).unwrap();
    std::fs::write(&path, &text).unwrap();

    let record = store.get(&project(), &id).await.unwrap();
    assert_eq!(record.extra["newThing"]["kept"], true);
    let err = store
        .update(&project(), &id, Box::new(|r| r.model = Some("x".into())))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::NewerSchema {
                found: 2,
                supported: 1,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
}

#[tokio::test]
async fn records_are_private_files_in_the_documented_layout() {
    let tmp = tempfile::tempdir().unwrap();
    let home = AoHome::new(tmp.path());
    let store = FileStore::new(home.clone());
    let id = store.allocate_id(&project(), "app").await.unwrap();
    store
        .create(SessionRecord::new(
            id.clone(),
            project(),
            Role::Worker,
            "fake",
        ))
        .await
        .unwrap();
    let path = tmp.path().join("projects/app/sessions/app-1.json");
    assert!(path.is_file());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    store.archive(&project(), &id).await.unwrap();
    assert!(tmp.path().join("projects/app/archive/app-1.json").is_file());
}
