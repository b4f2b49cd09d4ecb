//! What an agent is doing right now, and how we know.

use serde::{Deserialize, Serialize};

use super::time::Timestamp;

/// An agent's observed state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActivityState {
    /// Working on a turn.
    Active,
    /// Just finished a turn; ready for more.
    Ready,
    /// Finished a while ago and waiting.
    Idle,
    /// Asking a person (permission prompt, question).
    WaitingInput,
    /// Cannot continue (error, rate limit, crash loop).
    Blocked,
    /// The agent process has exited.
    Exited,
    /// Nothing to go on.
    Unknown,
}

impl ActivityState {
    /// Whether `ao send` should wait before delivering.
    pub fn is_busy(self) -> bool {
        matches!(self, Self::Active)
    }
}

/// Where an activity observation came from, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActivitySource {
    /// An agent hook event.
    Hook,
    /// The agent CLI's own status file.
    StatusFile,
    /// The agent's transcript or rollout file.
    Transcript,
    /// Text on the terminal.
    Terminal,
    /// The runtime's view of the process.
    Runtime,
    /// No evidence at all (e.g. a session not observed yet).
    None,
}

/// An agent's state, since when, and the evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Activity {
    /// What the agent is doing, as last observed.
    pub state: ActivityState,
    /// When the state began (or was first seen).
    pub since: Timestamp,
    /// Where the observation came from (see [`ActivitySource::strength`]).
    pub source: ActivitySource,
}

impl ActivitySource {
    /// How much the evidence counts when two sources disagree at nearly the same moment
    /// (higher is stronger).
    pub fn strength(self) -> u8 {
        match self {
            Self::Runtime => 6,
            Self::Hook => 5,
            Self::StatusFile => 4,
            Self::Transcript => 3,
            Self::Terminal => 2,
            Self::None => 0,
        }
    }
}

/// How close in time two observations must be for the stronger source to win over the
/// fresher one: one transition is written to hooks, status files and transcripts within
/// milliseconds of each other, in no fixed order.
pub const DEBOUNCE: std::time::Duration = std::time::Duration::from_millis(1500);

impl Activity {
    /// The observation that describes now: the freshest, except that one within [`DEBOUNCE`]
    /// of a stronger source's yields to it. `unknown` observations count only when there is
    /// nothing else.
    pub fn freshest(observations: impl IntoIterator<Item = Activity>) -> Activity {
        let mut known: Vec<Activity> = observations
            .into_iter()
            .filter(|o| o.state != ActivityState::Unknown)
            .collect();
        known.sort_by_key(|o| o.since);
        let Some(mut best) = known.pop() else {
            return Activity::unknown();
        };
        let window = jiff::SignedDuration::try_from(DEBOUNCE).unwrap_or_default();
        for older in known.into_iter().rev() {
            let close = best.since.duration_since(older.since) <= window;
            if close && older.source.strength() > best.source.strength() {
                best = older;
            }
        }
        best
    }

    /// `ready` decays to `idle` once it is older than `threshold` (the config's
    /// `readyThresholdMs`); every other state stays as it is.
    pub fn decayed(self, threshold: std::time::Duration, now: Timestamp) -> Activity {
        let Ok(threshold) = jiff::SignedDuration::try_from(threshold) else {
            return self;
        };
        if self.state == ActivityState::Ready && now.duration_since(self.since) >= threshold {
            Activity {
                state: ActivityState::Idle,
                since: self.since.checked_add(threshold).unwrap_or(self.since),
                source: self.source,
            }
        } else {
            self
        }
    }

    /// An observation of `state` at `since` from `source`.
    pub fn at(state: ActivityState, since: Timestamp, source: ActivitySource) -> Activity {
        Activity {
            state,
            since,
            source,
        }
    }

    /// An `unknown` activity observed now.
    pub fn unknown() -> Self {
        Self {
            state: ActivityState::Unknown,
            since: Timestamp::now(),
            source: ActivitySource::None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ActivitySource::{Hook, StatusFile, Terminal, Transcript};
    use ActivityState::{Active, Idle, Ready, Unknown, WaitingInput};

    fn t(ms: i64) -> Timestamp {
        Timestamp::from_millisecond(1_800_000_000_000 + ms).unwrap()
    }

    #[test]
    fn the_freshest_observation_wins_unless_a_stronger_one_is_as_fresh() {
        // Approved permission prompt: the hook said waiting, the status file later says busy.
        let fresh = Activity::freshest([
            Activity::at(WaitingInput, t(0), Hook),
            Activity::at(Active, t(9_000), StatusFile),
        ]);
        assert_eq!((fresh.state, fresh.source), (Active, StatusFile));
        // Written in the same instant in either order: the hook decides.
        let close = Activity::freshest([
            Activity::at(Ready, t(0), Hook),
            Activity::at(Active, t(400), Transcript),
        ]);
        assert_eq!((close.state, close.source), (Ready, Hook));
        // Unknown never beats evidence, and nothing at all is unknown.
        let known = Activity::freshest([
            Activity::at(Active, t(0), Terminal),
            Activity::at(Unknown, t(5_000), Hook),
        ]);
        assert_eq!(known.state, Active);
        assert_eq!(Activity::freshest([]).state, Unknown);
    }

    #[test]
    fn ready_decays_to_idle_after_the_threshold() {
        let threshold = std::time::Duration::from_secs(300);
        let ready = Activity::at(Ready, t(0), Hook);
        assert_eq!(ready.clone().decayed(threshold, t(299_000)).state, Ready);
        let idle = ready.decayed(threshold, t(301_000));
        assert_eq!((idle.state, idle.since), (Idle, t(300_000)));
        let active = Activity::at(Active, t(0), Hook).decayed(threshold, t(999_000));
        assert_eq!(active.state, Active);
    }
}
