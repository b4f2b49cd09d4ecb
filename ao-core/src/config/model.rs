//! The typed shape of `agent-orchestrator.yaml`, key for key as the reference tool documents
//! it, plus `ao`'s few extensions.
//!
//! These types are the single source of the schema: the decoder checks files against them and
//! `ao config schema` is generated from them, so the doc comments here are what editors show.
//! Structs are strict (unknown keys are errors) except the plugin-facing "passthrough" maps —
//! `agentConfig`, `tracker`, `scm`, `notifiers.<name>` — which keep keys they do not declare
//! for the plugin that reads them.

use std::fmt;
use std::marker::PhantomData;

use crate::domain::{Permissions, Priority};

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};

use super::decode::{PASSTHROUGH_MARKER, field_names};

/// The whole config file in its wrapped form (a top-level `projects:` map).
///
/// A flat project file (no `projects:` key) has the same global keys plus one project's keys at
/// the top level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(title = "agent-orchestrator.yaml")]
pub struct ConfigFile {
    /// JSON Schema reference for editors; ignored.
    #[serde(rename = "$schema", default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// The port (on 127.0.0.1) the daemon serves the dashboard on (`ao dashboard`); the first
    /// registered config's is used.
    #[serde(default = "default_port")]
    pub port: u16,
    /// Terminal server port (accepted for compatibility; unused by `ao`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terminal_port: Option<u16>,
    /// Direct terminal server port (accepted for compatibility; unused by `ao`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direct_terminal_port: Option<u16>,
    /// How long (ms) an agent counts as "ready" after finishing before it decays to "idle".
    #[serde(default = "default_ready_threshold_ms")]
    pub ready_threshold_ms: u64,
    /// Power management while `ao` runs.
    #[serde(default)]
    pub power: PowerConfig,
    /// Lifecycle daemon settings.
    #[serde(default)]
    pub lifecycle: LifecycleConfig,
    /// Default plugins and per-role default agents.
    #[serde(default)]
    pub defaults: DefaultsConfig,
    /// Installer-managed external plugins (not supported by `ao`; accepted with a warning).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub plugins: Vec<InstalledPlugin>,
    /// Dashboard display settings (accepted for compatibility; `ao`'s dashboard has one layout).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dashboard: Option<DashboardConfig>,
    /// The projects, by id (`[a-zA-Z0-9_-]+`).
    #[serde(default)]
    #[schemars(extend("propertyNames" = {"pattern": "^[a-zA-Z0-9_-]+$"}))]
    pub projects: IndexMap<String, ProjectConfig>,
    /// Notification channels by alias; `plugin` selects the implementation.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub notifiers: IndexMap<String, Passthrough<PluginRef>>,
    /// Which notifiers receive each priority.
    #[serde(default)]
    pub notification_routing: NotificationRouting,
    /// Reactions to session events, merged key by key over the built-in defaults.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    #[schemars(extend("propertyNames" = {"enum": ["ci-failed", "changes-requested", "merge-conflicts", "approved-and-green", "agent-stuck", "agent-needs-input", "agent-exited", "pr-closed", "all-complete", "bugbot-comments", "agent-idle", "report-no-acknowledge", "report-stale", "report-needs-input"]}))]
    pub reactions: IndexMap<String, ReactionConfig>,
}

fn default_port() -> u16 {
    3000
}

fn default_ready_threshold_ms() -> u64 {
    300_000
}

impl Default for ConfigFile {
    fn default() -> Self {
        Self {
            schema: None,
            port: default_port(),
            terminal_port: None,
            direct_terminal_port: None,
            ready_threshold_ms: default_ready_threshold_ms(),
            power: PowerConfig::default(),
            lifecycle: LifecycleConfig::default(),
            defaults: DefaultsConfig::default(),
            plugins: Vec::new(),
            dashboard: None,
            projects: IndexMap::new(),
            notifiers: IndexMap::new(),
            notification_routing: NotificationRouting::default(),
            reactions: IndexMap::new(),
        }
    }
}

/// Power management settings that apply while `ao` runs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PowerConfig {
    /// Keep a macOS machine awake while `ao` runs (default: true on macOS, no-op elsewhere).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prevent_idle_sleep: Option<bool>,
}

/// Lifecycle daemon settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LifecycleConfig {
    /// When a session's PR merges: stop its runtime, remove its worktree (never unsaved work)
    /// and archive the record.
    #[serde(default = "default_true")]
    pub auto_cleanup_on_merge: bool,
    /// Grace window (ms) for an agent still active at merge time before cleanup goes ahead;
    /// 0 disables it, otherwise at least 10000.
    #[serde(default = "default_merge_grace_ms")]
    #[schemars(extend("anyOf" = [{"const": 0}, {"minimum": 10000}]))]
    pub merge_cleanup_idle_grace_ms: u64,
    /// How often (ms) the daemon observes sessions (`ao` extension).
    #[serde(default = "default_poll_interval_ms")]
    #[schemars(range(min = 1000))]
    pub poll_interval_ms: u64,
}

fn default_true() -> bool {
    true
}

fn default_merge_grace_ms() -> u64 {
    300_000
}

fn default_poll_interval_ms() -> u64 {
    30_000
}

impl Default for LifecycleConfig {
    fn default() -> Self {
        Self {
            auto_cleanup_on_merge: true,
            merge_cleanup_idle_grace_ms: default_merge_grace_ms(),
            poll_interval_ms: default_poll_interval_ms(),
        }
    }
}

/// Default plugins, used where a project does not choose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DefaultsConfig {
    /// Runtime that hosts sessions: `tmux` or `process`.
    #[serde(default = "default_runtime")]
    pub runtime: String,
    /// Agent for every role unless a project or role says otherwise.
    #[serde(default = "default_agent")]
    pub agent: String,
    /// Workspace kind: `worktree`.
    #[serde(default = "default_workspace")]
    pub workspace: String,
    /// Notifiers used when no `notificationRouting` entry matches a priority.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notifiers: Vec<String>,
    /// Default orchestrator agent; only `agent` is accepted here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub orchestrator: Option<RoleDefaults>,
    /// Default worker agent; only `agent` is accepted here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worker: Option<RoleDefaults>,
}

/// The built-in runtime.
pub const DEFAULT_RUNTIME: &str = "tmux";
/// The built-in agent.
pub const DEFAULT_AGENT: &str = "claude-code";
/// The built-in workspace kind.
pub const DEFAULT_WORKSPACE: &str = "worktree";

fn default_runtime() -> String {
    DEFAULT_RUNTIME.to_string()
}

fn default_agent() -> String {
    DEFAULT_AGENT.to_string()
}

fn default_workspace() -> String {
    DEFAULT_WORKSPACE.to_string()
}

impl Default for DefaultsConfig {
    fn default() -> Self {
        Self {
            runtime: default_runtime(),
            agent: default_agent(),
            workspace: default_workspace(),
            notifiers: Vec::new(),
            orchestrator: None,
            worker: None,
        }
    }
}

/// `defaults.orchestrator` / `defaults.worker`: a default agent for one role.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RoleDefaults {
    /// Agent for this role in projects that have no block for the role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
}

/// An installer-managed plugin entry (reference feature; not supported by `ao`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InstalledPlugin {
    /// The name of the plugin the installer manages.
    pub name: String,
    /// Where the plugin comes from.
    pub source: PluginSource,
    /// Package name (registry and npm sources).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package: Option<String>,
    /// Version range of the package to install (registry and npm sources).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Local path (local source).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Whether the plugin is loaded.
    #[serde(default = "default_true")]
    pub enabled: bool,
}

/// Where an installer-managed plugin comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum PluginSource {
    /// The plugin registry.
    Registry,
    /// An npm package.
    Npm,
    /// A local directory.
    Local,
}

/// Dashboard display settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DashboardConfig {
    /// Column layout of the attention board.
    #[serde(default)]
    pub attention_zones: AttentionZones,
}

/// Dashboard attention layout.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum AttentionZones {
    /// Review and respond merged into one column.
    #[default]
    Simple,
    /// Review and respond each get a column of their own.
    Detailed,
}

/// One project: a git repository that sessions work on.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProjectConfig {
    /// Display name (default: the project id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `owner/repo` on the forge; enables the GitHub tracker and SCM when they are not set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repo: Option<String>,
    /// Main checkout, relative to this file's directory; `~` is expanded. Required in the
    /// wrapped form; a flat project file's path is its own directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Branch that worktrees start from (`origin/<branch>` when it exists).
    #[serde(default = "default_branch")]
    pub default_branch: String,
    /// Prefix of session ids and tmux names (`[a-zA-Z0-9_-]+`; default derived from the path).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(pattern(r"^[a-zA-Z0-9_-]+$"))]
    pub session_prefix: Option<String>,
    /// Runtime for this project (default: `defaults.runtime`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime: Option<String>,
    /// Agent for both roles unless a role block says otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
    /// Workspace kind for this project (default: `defaults.workspace`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workspace: Option<String>,
    /// Extra environment variables for this project's agents.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub env: IndexMap<String, String>,
    /// Issue tracker (`github` or `linear`) and its settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracker: Option<Passthrough<PluginRef>>,
    /// Source-code host (`github`) and its settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scm: Option<Passthrough<ScmConfig>>,
    /// Files symlinked from the main checkout into each worktree (relative, no `..`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub symlinks: Vec<String>,
    /// Commands run in each new worktree (only once the config is trusted).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub post_create: Vec<String>,
    /// Agent settings shared by both roles (replaced, not merged, by a role block's own).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_config: Option<Passthrough<AgentConfig>>,
    /// Orchestrator agent and settings; when present, `defaults.orchestrator` is not consulted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub orchestrator: Option<RoleConfig>,
    /// Worker agent and settings; when present, `defaults.worker` is not consulted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worker: Option<RoleConfig>,
    /// Per-project reaction overrides, merged over the global entry per key.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    #[schemars(extend("propertyNames" = {"enum": ["ci-failed", "changes-requested", "merge-conflicts", "approved-and-green", "agent-stuck", "agent-needs-input", "agent-exited", "pr-closed", "all-complete", "bugbot-comments", "agent-idle", "report-no-acknowledge", "report-stale", "report-needs-input"]}))]
    pub reactions: IndexMap<String, ReactionConfig>,
    /// Rules added to every worker's system prompt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_rules: Option<String>,
    /// File with more worker rules, relative to the project path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_rules_file: Option<String>,
    /// Rules added to the orchestrator's system prompt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub orchestrator_rules: Option<String>,
    /// What `ao start` does with an existing orchestrator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub orchestrator_session_strategy: Option<OrchestratorSessionStrategy>,
    /// OpenCode session reuse per issue (not supported by `ao`; accepted with a warning).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opencode_issue_session_strategy: Option<OpencodeIssueSessionStrategy>,
    /// Issue decomposer settings (not supported by `ao`; accepted with a warning).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decomposer: Option<serde_json::Value>,
    /// Reference identity key of flat files (ignored, with a warning).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin_url: Option<String>,
    /// Reference identity key of flat files (ignored, with a warning).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_id: Option<String>,
    /// Reference storage key (ignored, with a warning).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_key: Option<String>,
}

/// The default branch name.
pub const DEFAULT_BRANCH: &str = "main";

fn default_branch() -> String {
    DEFAULT_BRANCH.to_string()
}

/// A project's block for one role (`orchestrator:` or `worker:`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RoleConfig {
    /// Agent for this role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
    /// Agent settings for this role; replaces the project's `agentConfig` entirely.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_config: Option<Passthrough<AgentConfig>>,
}

/// Agent settings; keys not listed here are passed to the agent adapter.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AgentConfig {
    /// Permission mode (default `permissionless` for workers; `skip` is an alias of it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permissions: Option<Permissions>,
    /// Model name passed to the agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Model for the orchestrator role (beats `model` there).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub orchestrator_model: Option<String>,
    /// OpenCode session id (opencode only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opencode_session_id: Option<String>,
    /// For agent `command`: the program and its arguments (`ao` extension).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<Vec<String>>,
    /// For agent `command`: how the task prompt reaches the program (`ao` extension).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt_via: Option<PromptVia>,
}

/// How a `command` agent receives its task prompt.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum PromptVia {
    /// Appended as the last argument.
    #[default]
    Arg,
    /// Written to the program's standard input.
    Stdin,
    /// Not given to the program.
    None,
}

/// The settings the built-in notifiers read under `notifiers.<alias>` (a near miss of one is
/// warned about as a probable typo).
pub const NOTIFIER_SETTINGS: &[&str] = &[
    "url",
    "webhook",
    "webhookUrl",
    "token",
    "headers",
    "timeoutMs",
    "channel",
    "username",
];

/// A plugin selection with plugin-specific settings (`tracker`, `notifiers.<alias>`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PluginRef {
    /// Built-in plugin name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plugin: Option<String>,
    /// External plugin package (not supported by `ao`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package: Option<String>,
    /// External plugin path (not supported by `ao`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

/// Source-code host settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ScmConfig {
    /// Built-in plugin name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plugin: Option<String>,
    /// External plugin package (not supported by `ao`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package: Option<String>,
    /// External plugin path (not supported by `ao`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Forge webhooks that speed up noticing changes on the forge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook: Option<WebhookConfig>,
}

/// Forge webhook settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WebhookConfig {
    /// Whether webhooks are used.
    #[serde(default = "default_true")]
    pub enabled: bool,
    /// URL path the webhook is served on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Name of the environment variable holding the webhook secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_env_var: Option<String>,
    /// Header carrying the signature.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature_header: Option<String>,
    /// Header carrying the event name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_header: Option<String>,
    /// Header carrying the delivery id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_header: Option<String>,
    /// Largest accepted body in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_body_bytes: Option<u64>,
}

/// Notifier aliases per priority.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NotificationRouting {
    /// Agent stuck, needs input, errored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub urgent: Option<Vec<String>>,
    /// A person should act (e.g. a PR is ready to merge).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<Vec<String>>,
    /// Something went wrong that automation could not fix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warning: Option<Vec<String>>,
    /// For the record: summaries, e.g. every session of a project finished.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub info: Option<Vec<String>>,
}

impl NotificationRouting {
    /// Each priority with its configured notifiers.
    pub fn entries(&self) -> [(Priority, Option<&Vec<String>>); 4] {
        [
            (Priority::Urgent, self.urgent.as_ref()),
            (Priority::Action, self.action.as_ref()),
            (Priority::Warning, self.warning.as_ref()),
            (Priority::Info, self.info.as_ref()),
        ]
    }
}

/// One reaction's settings; every field is optional because entries merge over defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReactionConfig {
    /// Whether the reaction runs by itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto: Option<bool>,
    /// What the reaction does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<ReactionAction>,
    /// Message sent to the agent or the person (details are appended).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// How urgent its notification is; `notificationRouting` maps it to notifiers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<Priority>,
    /// Deliveries to the agent before escalating.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retries: Option<u32>,
    /// Escalate to a person after this many attempts, or after this long (`30s`, `10m`, `1h`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escalate_after: Option<EscalateAfter>,
    /// How long a condition must last before the reaction fires (`10m`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(pattern(r"^[0-9]+[smh]$"))]
    pub threshold: Option<String>,
    /// Include a summary (reference key, never read there; accepted with a warning).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_summary: Option<bool>,
    /// How `auto-merge` merges: `squash` (default), `merge` or `rebase`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merge_method: Option<crate::domain::MergeMethod>,
}

/// What a reaction does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ReactionAction {
    /// Deliver the message (with details) to the session's agent.
    SendToAgent,
    /// Notify a person.
    Notify,
    /// Merge the PR.
    AutoMerge,
}

/// When a reaction escalates: a number of attempts or a duration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum EscalateAfter {
    /// After this many attempts.
    Attempts(u32),
    /// After this long (`30s`, `10m`, `1h`).
    Duration(#[schemars(pattern(r"^[0-9]+[smh]$"))] String),
}

impl<'de> Deserialize<'de> for EscalateAfter {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = EscalateAfter;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number of attempts or a duration such as `30m`")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<EscalateAfter, E> {
                u32::try_from(v)
                    .map(EscalateAfter::Attempts)
                    .map_err(|_| E::custom("too many attempts"))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<EscalateAfter, E> {
                u64::try_from(v)
                    .map_err(|_| E::custom("a number of attempts cannot be negative"))
                    .and_then(|v| self.visit_u64(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<EscalateAfter, E> {
                Ok(EscalateAfter::Duration(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

/// `orchestratorSessionStrategy` values, legacy aliases included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum OrchestratorSessionStrategy {
    /// Keep a live orchestrator; restore a dead one.
    Reuse,
    /// Kill the existing orchestrator and start afresh.
    Delete,
    /// Leave an existing orchestrator alone and start nothing.
    Ignore,
    /// Legacy alias of `delete`.
    DeleteNew,
    /// Legacy alias of `ignore`.
    IgnoreNew,
    /// Legacy alias of `delete`.
    KillPrevious,
}

impl OrchestratorSessionStrategy {
    /// The strategy this value means (legacy aliases folded).
    pub fn canonical(self) -> Self {
        match self {
            Self::DeleteNew | Self::KillPrevious => Self::Delete,
            Self::IgnoreNew => Self::Ignore,
            other => other,
        }
    }

    /// Whether this is a legacy spelling.
    pub fn is_legacy(self) -> bool {
        self.canonical() != self
    }
}

/// What to do with an issue's earlier OpenCode session (`opencodeIssueSessionStrategy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum OpencodeIssueSessionStrategy {
    /// Reuse the session of the same issue.
    Reuse,
    /// Delete it and start anew.
    Delete,
    /// Start anew, leave the old one.
    Ignore,
}

/// A map whose declared keys are typed and whose other keys are kept for a plugin.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Passthrough<T> {
    /// The declared keys.
    pub known: T,
    /// Every other key, as written.
    pub extra: IndexMap<String, serde_json::Value>,
}

impl<T> std::ops::Deref for Passthrough<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.known
    }
}

impl<T> From<T> for Passthrough<T> {
    fn from(known: T) -> Self {
        Self {
            known,
            extra: IndexMap::new(),
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Passthrough<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_struct(PASSTHROUGH_MARKER, &[], PassthroughVisitor(PhantomData))
    }
}

struct PassthroughVisitor<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for PassthroughVisitor<T> {
    type Value = Passthrough<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a mapping")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Passthrough<T>, A::Error> {
        let Some(first) = map.next_key::<String>()? else {
            // An empty mapping from any other deserializer.
            let known = T::deserialize(serde_json::Value::Object(serde_json::Map::new()))
                .map_err(de::Error::custom)?;
            return Ok(Passthrough {
                known,
                extra: IndexMap::new(),
            });
        };
        if first == "known" {
            // ao's decoder: it hands over the typed part and the remaining keys separately.
            let known = map.next_value::<T>()?;
            let mut extra = IndexMap::new();
            if map.next_key::<String>()?.is_some() {
                extra = map.next_value_seed(ExtraSeed(field_names::<T>()))?;
            }
            return Ok(Passthrough { known, extra });
        }
        // Any other deserializer (e.g. JSON): split the keys ourselves.
        let fields = field_names::<T>();
        let mut known = serde_json::Map::new();
        let mut extra = IndexMap::new();
        let mut key = Some(first);
        while let Some(k) = key {
            let value = map.next_value::<serde_json::Value>()?;
            if fields.contains(&k.as_str()) {
                known.insert(k, value);
            } else {
                extra.insert(k, value);
            }
            key = map.next_key::<String>()?;
        }
        let known = T::deserialize(serde_json::Value::Object(known)).map_err(de::Error::custom)?;
        Ok(Passthrough { known, extra })
    }
}

struct ExtraSeed(&'static [&'static str]);

impl<'de> DeserializeSeed<'de> for ExtraSeed {
    type Value = IndexMap<String, serde_json::Value>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = IndexMap<String, serde_json::Value>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a mapping")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = IndexMap::new();
                while let Some((k, v)) = map.next_entry::<String, serde_json::Value>()? {
                    out.insert(k, v);
                }
                Ok(out)
            }
        }
        d.deserialize_struct("__ao_extra", self.0, V)
    }
}

impl<T: Serialize> Serialize for Passthrough<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut value = serde_json::to_value(&self.known).map_err(serde::ser::Error::custom)?;
        if let serde_json::Value::Object(map) = &mut value {
            for (k, v) in &self.extra {
                map.insert(k.clone(), v.clone());
            }
        }
        value.serialize(s)
    }
}

impl<T: JsonSchema> JsonSchema for Passthrough<T> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        T::schema_name()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let mut schema = T::json_schema(generator);
        // Keys the struct does not declare belong to the plugin.
        schema.insert(
            "additionalProperties".to_string(),
            serde_json::Value::Bool(true),
        );
        schema
    }
}
