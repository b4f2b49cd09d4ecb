//! The three ready-made recipes: an agent and a model per role.

use std::str::FromStr;

/// A ready-made choice of agent and model per role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Recipe {
    /// Claude Code on Opus supervises; Claude Code on Sonnet implements.
    OpusSonnet,
    /// Claude Code on Opus supervises; Codex (on its own default model) implements.
    ClaudeCodex,
    /// Claude Code on Sonnet supervises; Claude Code on Haiku implements — the low-cost one.
    HaikuWorkers,
}

/// The agent and model one role runs in a [`Recipe`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoleChoice {
    /// The agent adapter's name (`claude-code`, `codex`).
    pub agent: &'static str,
    /// The model; `None` leaves the agent's own default.
    pub model: Option<&'static str>,
}

impl Recipe {
    /// Every recipe, in the order help texts list them.
    pub const ALL: [Recipe; 3] = [Self::OpusSonnet, Self::ClaudeCodex, Self::HaikuWorkers];

    /// The name `--recipe` takes.
    pub fn name(self) -> &'static str {
        match self {
            Self::OpusSonnet => "opus-sonnet",
            Self::ClaudeCodex => "claude-codex",
            Self::HaikuWorkers => "haiku-workers",
        }
    }

    /// One line saying what the recipe runs.
    pub fn summary(self) -> &'static str {
        match self {
            Self::OpusSonnet => "Claude Code on Opus supervises, Claude Code on Sonnet implements",
            Self::ClaudeCodex => "Claude Code on Opus supervises, Codex implements",
            Self::HaikuWorkers => {
                "Claude Code on Sonnet supervises, Claude Code on Haiku implements (the low-cost recipe)"
            }
        }
    }

    /// What the orchestrator runs.
    pub fn orchestrator(self) -> RoleChoice {
        // Claude Code's aliases (`opus`, `sonnet`, `haiku`) follow its current models, so a
        // file written today does not pin a model that is retired tomorrow. haiku-workers
        // supervises with Sonnet: a recipe chosen for cost should not spend it on the one
        // long-running session.
        let model = match self {
            Self::OpusSonnet | Self::ClaudeCodex => "opus",
            Self::HaikuWorkers => "sonnet",
        };
        RoleChoice {
            agent: "claude-code",
            model: Some(model),
        }
    }

    /// What each worker runs.
    pub fn worker(self) -> RoleChoice {
        match self {
            Self::OpusSonnet => RoleChoice {
                agent: "claude-code",
                model: Some("sonnet"),
            },
            // Codex has no aliases that follow its catalog: a pinned name goes stale, while its
            // default is the model its own release recommends.
            Self::ClaudeCodex => RoleChoice {
                agent: "codex",
                model: None,
            },
            Self::HaikuWorkers => RoleChoice {
                agent: "claude-code",
                model: Some("haiku"),
            },
        }
    }
}

impl std::fmt::Display for Recipe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A recipe name that is not one of [`Recipe::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown recipe `{0}`: use opus-sonnet, claude-codex or haiku-workers")]
pub struct UnknownRecipe(pub String);

impl FromStr for Recipe {
    type Err = UnknownRecipe;
    fn from_str(s: &str) -> Result<Self, UnknownRecipe> {
        Self::ALL
            .into_iter()
            .find(|r| r.name() == s)
            .ok_or_else(|| UnknownRecipe(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recipes_parse_by_name() {
        for r in Recipe::ALL {
            assert_eq!(r.name().parse::<Recipe>(), Ok(r));
        }
        assert!("opus".parse::<Recipe>().is_err());
    }
}
