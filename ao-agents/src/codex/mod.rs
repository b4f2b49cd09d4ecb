//! Codex (`codex`).
//!
//! Permissions: `permissionless` → `--dangerously-bypass-approvals-and-sandbox`; `auto-edit` →
//! `--sandbox workspace-write --ask-for-approval never`; `default` → `workspace-write` +
//! `on-request`; `suggest` → `--sandbox read-only --ask-for-approval on-request`. Instructions
//! go in `-c developer_instructions=<TOML string>`, which adds to codex's own prompt (never
//! `model_instructions_file`, which would replace it). `--no-daemon` keeps each agent's
//! lifetime its own. Resume is `codex … resume <id>` with the same flags.
//!
//! The orchestrator: codex has no per-tool deny list, so its read-only rule is the system
//! prompt plus `ao`'s code guards (orchestrators cannot spawn into, own or kill other
//! projects' work, and never own a branch or PR); it runs with the configured permissions.

use async_trait::async_trait;

use ao_core::config::Permissions;
use ao_core::domain::{Activity, LaunchSpec};
use ao_core::plugin::{ActivityProbe, Agent, AgentError, LaunchRequest};

/// The Codex adapter.
#[derive(Debug, Clone)]
pub struct Codex {
    program: String,
}

impl Default for Codex {
    fn default() -> Self {
        Self::new()
    }
}

/// `text` as a TOML basic string (for `-c key=<value>`).
pub fn toml_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

impl Codex {
    /// An adapter running `codex` from `PATH`.
    pub fn new() -> Self {
        Self {
            program: "codex".into(),
        }
    }

    /// An adapter running `program` (e.g. an absolute path).
    pub fn with_program(program: impl Into<String>) -> Self {
        Self {
            program: program.into(),
        }
    }

    fn flags(&self, req: &LaunchRequest) -> LaunchSpec {
        let mut spec = LaunchSpec::new(self.program.clone(), Vec::<String>::new(), req.cwd.clone());
        spec.env = req.env.clone();
        let permission_flags: &[&str] = match req.permissions.canonical() {
            Permissions::Permissionless => &["--dangerously-bypass-approvals-and-sandbox"],
            Permissions::AutoEdit => &[
                "--sandbox",
                "workspace-write",
                "--ask-for-approval",
                "never",
            ],
            Permissions::Suggest => &["--sandbox", "read-only", "--ask-for-approval", "on-request"],
            _ => &[
                "--sandbox",
                "workspace-write",
                "--ask-for-approval",
                "on-request",
            ],
        };
        spec.argv
            .extend(permission_flags.iter().map(|s| (*s).to_string()));
        if let Some(model) = &req.model {
            spec.argv.extend(["-m".to_string(), model.clone()]);
        }
        if let Some(prompt) = &req.system_prompt {
            spec.argv.extend([
                "-c".to_string(),
                format!("developer_instructions={}", toml_string(prompt)),
            ]);
        }
        spec.argv.push("--no-daemon".into());
        spec
    }
}

#[async_trait]
impl Agent for Codex {
    fn name(&self) -> &str {
        "codex"
    }

    fn launch_spec(&self, req: &LaunchRequest) -> Result<LaunchSpec, AgentError> {
        let mut spec = self.flags(req);
        if let Some(task) = &req.task_prompt {
            spec.argv.extend(["--".to_string(), task.clone()]);
        }
        Ok(spec)
    }

    fn resume_spec(
        &self,
        req: &LaunchRequest,
        agent_session_id: &str,
    ) -> Result<LaunchSpec, AgentError> {
        let mut spec = self.flags(req);
        spec.argv
            .extend(["resume".to_string(), agent_session_id.to_string()]);
        Ok(spec)
    }

    async fn activity(&self, _probe: &ActivityProbe) -> Result<Activity, AgentError> {
        // The notify program, rollout and screen are read from step 12 on.
        Ok(Activity::unknown())
    }
}

#[cfg(test)]
mod tests {
    use super::toml_string;

    #[test]
    fn toml_strings_escape_what_they_must() {
        assert_eq!(
            toml_string("a \"b\" \\ c\nd\te\u{1}"),
            "\"a \\\"b\\\" \\\\ c\\nd\\te\\u0001\""
        );
    }
}
