//! The store conformance suite: every `Store` implementation runs it in its tests.
//!
//! ```no_run
//! # async fn demo() {
//! use std::sync::Arc;
//! use ao_core::store::{InMemoryStore, conformance};
//! conformance::run(Arc::new(InMemoryStore::new())).await;
//! # }
//! ```
//!
//! Each check uses its own project id, so one store instance serves the whole suite. A failed
//! check panics with what was expected.

use std::sync::Arc;

use super::{SessionRecord, Store, StoreError};
use crate::domain::{ProjectId, Role, SessionId};

fn project(name: &str) -> ProjectId {
    ProjectId::new(format!("conformance-{name}")).expect("valid id")
}

fn record(project: &ProjectId, id: &str) -> SessionRecord {
    SessionRecord::new(
        SessionId::new(id).expect("valid id"),
        project.clone(),
        Role::Worker,
        "fake",
    )
}

/// Runs every check.
pub async fn run(store: Arc<dyn Store>) {
    create_get_and_duplicates(store.as_ref()).await;
    update_is_read_modify_write(store.as_ref()).await;
    concurrent_updates_are_not_lost(store.clone()).await;
    list_is_per_project_and_ordered(store.as_ref()).await;
    archive_removes_from_the_live_set(store.as_ref()).await;
    allocated_ids_are_never_reused(store.clone()).await;
}

/// `create` stores exactly what it was given; a second `create` of the id fails.
pub async fn create_get_and_duplicates(store: &dyn Store) {
    let p = project("create");
    let mut r = record(&p, "c-1");
    r.model = Some("m".into());
    r.branch = Some("session/c-1".into());
    store.create(r.clone()).await.expect("create");
    assert_eq!(
        store.get(&p, &r.id).await.expect("get"),
        r,
        "get returns what create stored"
    );
    match store.create(record(&p, "c-1")).await {
        Err(StoreError::AlreadyExists { .. }) => {}
        other => panic!("a second create of c-1 must fail with AlreadyExists, got {other:?}"),
    }
    let missing = SessionId::new("c-404").expect("valid id");
    assert!(
        matches!(
            store.get(&p, &missing).await,
            Err(StoreError::NotFound { .. })
        ),
        "get of a missing id"
    );
}

/// `update` applies the change, keeps identity and bumps `updatedAt`.
pub async fn update_is_read_modify_write(store: &dyn Store) {
    let p = project("update");
    let r = record(&p, "u-1");
    store.create(r.clone()).await.expect("create");
    let updated = store
        .update(
            &p,
            &r.id,
            Box::new(|rec| {
                rec.model = Some("changed".into());
                rec.id = SessionId::new("sneaky").expect("valid id");
            }),
        )
        .await
        .expect("update");
    assert_eq!(updated.model.as_deref(), Some("changed"));
    assert_eq!(updated.id, r.id, "a change cannot rename a record");
    assert!(updated.updated_at >= r.updated_at);
    assert_eq!(store.get(&p, &r.id).await.expect("get"), updated);
    let missing = SessionId::new("u-404").expect("valid id");
    assert!(matches!(
        store.update(&p, &missing, Box::new(|_| {})).await,
        Err(StoreError::NotFound { .. })
    ));
}

/// Twenty concurrent increments of one record all land.
pub async fn concurrent_updates_are_not_lost(store: Arc<dyn Store>) {
    let p = project("concurrent");
    let r = record(&p, "x-1");
    store.create(r.clone()).await.expect("create");
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let (store, p, id) = (store.clone(), p.clone(), r.id.clone());
        tasks.push(tokio::spawn(async move {
            store
                .update(
                    &p,
                    &id,
                    Box::new(|rec| rec.reactions.entry("count".into()).or_default().attempts += 1),
                )
                .await
                .expect("update");
        }));
    }
    for t in tasks {
        t.await.expect("task");
    }
    let got = store.get(&p, &r.id).await.expect("get");
    assert_eq!(
        got.reactions["count"].attempts, 20,
        "concurrent updates were lost"
    );
}

/// `list` returns a project's records only, `p-2` before `p-10`.
pub async fn list_is_per_project_and_ordered(store: &dyn Store) {
    let p = project("list");
    let other = project("list-other");
    for id in ["l-10", "l-2", "l-1"] {
        store.create(record(&p, id)).await.expect("create");
    }
    store.create(record(&other, "o-1")).await.expect("create");
    let listing = store.list(&p).await.expect("list");
    let ids: Vec<&str> = listing.records.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["l-1", "l-2", "l-10"]);
    assert!(listing.corrupt.is_empty());
    assert!(
        store
            .list(&project("list-empty"))
            .await
            .expect("list")
            .records
            .is_empty()
    );
}

/// `archive` takes a record out of the live set; its id can be created again.
pub async fn archive_removes_from_the_live_set(store: &dyn Store) {
    let p = project("archive");
    let r = record(&p, "a-orchestrator");
    store.create(r.clone()).await.expect("create");
    store.archive(&p, &r.id).await.expect("archive");
    assert!(matches!(
        store.get(&p, &r.id).await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(store.list(&p).await.expect("list").records.is_empty());
    store
        .create(r.clone())
        .await
        .expect("re-create after archive");
    store.archive(&p, &r.id).await.expect("archive twice");
    assert!(matches!(
        store.archive(&p, &r.id).await,
        Err(StoreError::NotFound { .. })
    ));
    // History keeps both, for this project only.
    let history = store.list_archived(&p).await.expect("list archived");
    assert_eq!(history.len(), 2, "{history:?}");
    assert!(history.iter().all(|h| h.id == r.id));
    assert!(
        store
            .list_archived(&project("archive-none"))
            .await
            .expect("list archived")
            .is_empty()
    );
}

/// Allocated ids are distinct, even concurrently, and never handed out again.
pub async fn allocated_ids_are_never_reused(store: Arc<dyn Store>) {
    let p = project("ids");
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let (store, p) = (store.clone(), p.clone());
        tasks.push(tokio::spawn(async move {
            store.allocate_id(&p, "ids").await.expect("allocate")
        }));
    }
    let mut ids = Vec::new();
    for t in tasks {
        ids.push(t.await.expect("task"));
    }
    let mut numbers: Vec<u64> = ids
        .iter()
        .map(|id| id.worker_number("ids").expect("worker id"))
        .collect();
    numbers.sort_unstable();
    assert_eq!(
        numbers,
        (1..=20).collect::<Vec<_>>(),
        "ids must be distinct and dense"
    );

    // Create and archive the last one; a burned id (allocated, never created) is not reused either.
    let last = SessionId::worker("ids", 20).expect("valid id");
    store
        .create(record(&p, last.as_str()))
        .await
        .expect("create");
    store.archive(&p, &last).await.expect("archive");
    // Peeking tells the next id and reserves nothing.
    for _ in 0..2 {
        let peeked = store.peek_id(&p, "ids").await.expect("peek");
        assert_eq!(peeked.as_str(), "ids-21");
    }
    let next = store.allocate_id(&p, "ids").await.expect("allocate");
    assert_eq!(next.as_str(), "ids-21");
    let fresh = store
        .peek_id(&project("unused"), "new")
        .await
        .expect("peek");
    assert_eq!(fresh.as_str(), "new-1");
}
