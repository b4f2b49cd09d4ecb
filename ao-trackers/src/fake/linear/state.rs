//! The fake Linear's world: one workspace with its users, teams (each with its workflow states
//! and labels), issues and their comments.
//!
//! Ids are UUID-shaped (Linear's ids are UUIDs) and come from one counter, so that a test can
//! never mix up two objects; identifiers are `<team key>-<number>`, numbered per team.

use jiff::Timestamp;

use super::StateType;

/// One user.
#[derive(Debug, Clone)]
pub(crate) struct UserData {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) display_name: String,
    pub(crate) email: String,
}

/// One workflow state of a team.
#[derive(Debug, Clone)]
pub(crate) struct StateData {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) kind: StateType,
    pub(crate) position: f64,
    pub(crate) color: String,
}

/// One team.
#[derive(Debug, Clone)]
pub(crate) struct TeamData {
    pub(crate) id: String,
    pub(crate) key: String,
    pub(crate) name: String,
    pub(crate) states: Vec<StateData>,
    pub(crate) last_number: u64,
}

/// One label: a team's, or the workspace's (`team_id` none).
#[derive(Debug, Clone)]
pub(crate) struct LabelData {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) color: String,
    pub(crate) team_id: Option<String>,
}

/// One comment.
#[derive(Debug, Clone)]
pub(crate) struct CommentData {
    pub(crate) id: String,
    pub(crate) body: String,
    pub(crate) user_id: String,
    pub(crate) created_at: Timestamp,
}

/// One issue.
#[derive(Debug, Clone)]
pub(crate) struct IssueData {
    pub(crate) id: String,
    pub(crate) team_id: String,
    pub(crate) number: u64,
    pub(crate) title: String,
    pub(crate) description: Option<String>,
    pub(crate) state_id: String,
    pub(crate) label_ids: Vec<String>,
    pub(crate) assignee_id: Option<String>,
    pub(crate) branch_name: String,
    pub(crate) priority: u8,
    pub(crate) comments: Vec<CommentData>,
    pub(crate) created_at: Timestamp,
    pub(crate) updated_at: Timestamp,
}

/// Everything the fake Linear holds.
#[derive(Debug, Clone)]
pub(crate) struct World {
    /// The workspace's URL key (`https://linear.app/<workspace>/…`).
    pub(crate) workspace: String,
    /// The user the key belongs to.
    pub(crate) viewer: String,
    pub(crate) users: Vec<UserData>,
    pub(crate) teams: Vec<TeamData>,
    pub(crate) labels: Vec<LabelData>,
    pub(crate) issues: Vec<IssueData>,
    next_id: u64,
    /// Bumped by every mutation (Linear's `lastSyncId`).
    pub(crate) sync_id: u64,
}

/// Now, to the second (Linear's times carry milliseconds; these are whole seconds).
pub(crate) fn now() -> Timestamp {
    let now = Timestamp::now();
    Timestamp::from_second(now.as_second()).unwrap_or(now)
}

/// A time as Linear writes it (`2026-01-01T00:00:00.000Z`).
pub(crate) fn time(ts: Timestamp) -> String {
    ts.strftime("%Y-%m-%dT%H:%M:%S.000Z").to_string()
}

/// The part of a title Linear puts in URLs and branch names: lower case, words joined by `-`.
pub(crate) fn slug(title: &str) -> String {
    let mut out = String::new();
    for word in title
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if out.len() + word.len() > 40 {
            break;
        }
        if !out.is_empty() {
            out.push('-');
        }
        out.push_str(&word.to_ascii_lowercase());
    }
    out
}

impl World {
    /// An empty workspace `acme` whose key belongs to `ao-bot`.
    pub(crate) fn new() -> Self {
        let mut world = Self {
            workspace: "acme".into(),
            viewer: String::new(),
            users: Vec::new(),
            teams: Vec::new(),
            labels: Vec::new(),
            issues: Vec::new(),
            next_id: 0,
            sync_id: 1000,
        };
        world.viewer = world.ensure_user("ao-bot");
        world
    }

    /// A fresh UUID-shaped id.
    pub(crate) fn uuid(&mut self) -> String {
        self.next_id += 1;
        format!(
            "{:08x}-0000-4000-8000-{:012x}",
            0x1a2b_0000 + self.next_id,
            self.next_id
        )
    }

    /// The id of the user whose display name is `display_name`, added when missing.
    pub(crate) fn ensure_user(&mut self, display_name: &str) -> String {
        if let Some(u) = self.users.iter().find(|u| u.display_name == display_name) {
            return u.id.clone();
        }
        let id = self.uuid();
        self.users.push(UserData {
            id: id.clone(),
            name: display_name.replace(['-', '.', '_'], " "),
            display_name: display_name.to_string(),
            email: format!("{display_name}@example.test"),
        });
        id
    }

    /// The id of the label `name` that issues of `team_id` can carry (the workspace's, else the
    /// team's), a team label added when neither exists.
    pub(crate) fn ensure_label(&mut self, team_id: &str, name: &str) -> String {
        if let Some(l) = self
            .labels
            .iter()
            .find(|l| l.name == name && l.team_id.as_deref().is_none_or(|t| t == team_id))
        {
            return l.id.clone();
        }
        let id = self.uuid();
        self.labels.push(LabelData {
            id: id.clone(),
            name: name.to_string(),
            color: "#bec2c8".into(),
            team_id: Some(team_id.to_string()),
        });
        id
    }

    /// Adds a team with Linear's default workflow, and returns its index.
    pub(crate) fn add_team(&mut self, key: &str, name: &str) -> usize {
        let id = self.uuid();
        let mut states = Vec::new();
        for (position, (state, kind, color)) in [
            ("Backlog", StateType::Backlog, "#bec2c8"),
            ("Todo", StateType::Unstarted, "#e2e2e2"),
            ("In Progress", StateType::Started, "#f2c94c"),
            ("In Review", StateType::Started, "#0f783c"),
            ("Done", StateType::Completed, "#5e6ad2"),
            ("Canceled", StateType::Canceled, "#95a2b3"),
            ("Duplicate", StateType::Canceled, "#95a2b3"),
        ]
        .into_iter()
        .enumerate()
        {
            let state_id = self.uuid();
            states.push(StateData {
                id: state_id,
                name: state.into(),
                kind,
                position: position as f64,
                color: color.into(),
            });
        }
        self.teams.push(TeamData {
            id,
            key: key.to_ascii_uppercase(),
            name: name.to_string(),
            states,
            last_number: 0,
        });
        self.teams.len() - 1
    }

    pub(crate) fn team(&self, id: &str) -> Option<usize> {
        self.teams.iter().position(|t| t.id == id)
    }

    pub(crate) fn team_by_key(&self, key: &str) -> Option<usize> {
        self.teams
            .iter()
            .position(|t| t.key.eq_ignore_ascii_case(key))
    }

    /// The index of the issue `id` names: its UUID, or its identifier in any case.
    pub(crate) fn issue(&self, id: &str) -> Option<usize> {
        self.issues
            .iter()
            .position(|i| i.id == id || self.identifier(i).eq_ignore_ascii_case(id))
    }

    /// `<team key>-<number>`.
    pub(crate) fn identifier(&self, issue: &IssueData) -> String {
        let key = self
            .team(&issue.team_id)
            .map_or("?", |t| self.teams[t].key.as_str());
        format!("{key}-{}", issue.number)
    }

    /// The issue's web page, as Linear writes it.
    pub(crate) fn url(&self, issue: &IssueData) -> String {
        format!(
            "https://linear.app/{}/issue/{}/{}",
            self.workspace,
            self.identifier(issue),
            slug(&issue.title)
        )
    }

    /// The issue's workflow state.
    pub(crate) fn state_of(&self, issue: &IssueData) -> Option<(usize, usize)> {
        let t = self.team(&issue.team_id)?;
        let s = self.teams[t]
            .states
            .iter()
            .position(|s| s.id == issue.state_id)?;
        Some((t, s))
    }

    pub(crate) fn user(&self, id: &str) -> Option<usize> {
        self.users.iter().position(|u| u.id == id)
    }

    pub(crate) fn label(&self, id: &str) -> Option<usize> {
        self.labels.iter().position(|l| l.id == id)
    }

    /// Bumps the sync id, as every Linear mutation does, and returns it.
    pub(crate) fn sync(&mut self) -> u64 {
        self.sync_id += 1;
        self.sync_id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_like_linear() {
        assert_eq!(slug("Login fails on Safari!"), "login-fails-on-safari");
        assert_eq!(slug("  "), "");
        assert!(slug(&"word ".repeat(30)).len() <= 40);
    }

    #[test]
    fn finds_issues_by_uuid_or_identifier() {
        let mut w = World::new();
        let t = w.add_team("int", "Integrations");
        let team_id = w.teams[t].id.clone();
        let state_id = w.teams[t].states[1].id.clone();
        let id = w.uuid();
        w.issues.push(IssueData {
            id: id.clone(),
            team_id,
            number: 7,
            title: "t".into(),
            description: None,
            state_id,
            label_ids: vec![],
            assignee_id: None,
            branch_name: "int-7-t".into(),
            priority: 0,
            comments: vec![],
            created_at: now(),
            updated_at: now(),
        });
        assert_eq!(w.issue("INT-7"), Some(0));
        assert_eq!(w.issue("int-7"), Some(0));
        assert_eq!(w.issue(&id), Some(0));
        assert_eq!(w.issue("INT-8"), None);
        assert_eq!(w.url(&w.issues[0]), "https://linear.app/acme/issue/INT-7/t");
    }
}
