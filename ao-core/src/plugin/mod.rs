//! The plugin traits — `Agent`, `Runtime`, `Workspace`, `Tracker`, `Scm`, `Notifier` — and the
//! registry that picks an implementation by name. (`Store` lives in [`crate::store`].)
//!
//! Each trait is object-safe (used as `Arc<dyn Trait>`), has few required methods with their
//! contracts written as MUST/SHOULD, returns a typed `Unsupported` error for optional
//! capabilities, has one error enum, and ships with a fake for tests. With the `mocks` feature
//! every trait also has a `mockall` mock (`MockAgent`, …).

mod agent;
#[cfg(feature = "conformance")]
pub mod conformance;
mod notifier;
mod registry;
mod runtime;
mod scm;
mod tracker;
mod workspace;

pub use crate::domain::RuntimeHandle;
#[cfg(any(test, feature = "mocks"))]
pub use agent::MockAgent;
pub use agent::{
    ActivityProbe, Agent, AgentError, AgentSessionInfo, ChildEnv, Cost, FakeAgent, LaunchRequest,
    ModelNotice, ProbeReport,
};
#[cfg(any(test, feature = "mocks"))]
pub use notifier::MockNotifier;
pub use notifier::{Delivered, FakeNotifier, Notifier, NotifierError};
pub use registry::{Factory, PluginContext, Registry, RegistryError};
#[cfg(any(test, feature = "mocks"))]
pub use runtime::MockRuntime;
pub use runtime::{FakeRuntime, Observed, Runtime, RuntimeError};
#[cfg(any(test, feature = "mocks"))]
pub use scm::MockScm;
pub use scm::{
    CheckFailure, CiReport, FakeScm, MergeMethod, PrAnswer, PrBatch, PrDetails, PrQuery,
    PullRequest, RateBudget, ReviewComment, Scm, ScmContext, ScmError,
};
#[cfg(any(test, feature = "mocks"))]
pub use tracker::MockTracker;
pub use tracker::{
    FakeTracker, Issue, IssueFilter, IssueState, IssueUpdate, Tracker, TrackerContext, TrackerError,
};
#[cfg(any(test, feature = "mocks"))]
pub use workspace::MockWorkspace;
pub use workspace::{
    Destroyed, FakeWorkspace, Rescue, UnsavedWork, Workspace, WorkspaceError, WorkspaceInfo,
    WorkspaceRequest,
};
