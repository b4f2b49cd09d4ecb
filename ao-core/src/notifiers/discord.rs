//! `discord`: the same content as Slack's in Discord's webhook message shape — a `content`
//! line and one embed — with mentions switched off, so text from agents or pull requests
//! cannot ping anyone.

use async_trait::async_trait;
use serde_json::json;

use super::http;
use super::settings::{setting, timeout_setting, url_setting};
use super::text::clip;
use crate::domain::{Notification, Priority};
use crate::plugin::{Delivered, Notifier, NotifierError};

/// Discord's limits: 2000 characters of content, 256 of embed title, 4096 of description.
const MAX_CONTENT: usize = 2000;
const MAX_TITLE: usize = 256;
const MAX_DESCRIPTION: usize = 4096;

/// Posts notifications to a Discord webhook.
#[derive(Debug)]
pub struct DiscordNotifier {
    name: String,
    url: String,
    username: Option<String>,
    client: reqwest::Client,
}

impl DiscordNotifier {
    /// A Discord notifier from its settings (`webhook` or `webhookUrl`, or `url`; optional
    /// `username`, `timeoutMs`).
    pub fn from_settings(name: &str, settings: &serde_json::Value) -> Result<Self, NotifierError> {
        Ok(Self {
            name: name.to_string(),
            url: url_setting(name, settings, &["webhook", "webhookUrl", "url"])?,
            username: setting(settings, "username").map(str::to_string),
            client: http::client(name, timeout_setting(settings))?,
        })
    }
}

/// The JSON Discord receives for `n`.
pub(crate) fn payload(n: &Notification, username: Option<&str>) -> serde_json::Value {
    let color = match n.priority {
        Priority::Urgent => 0xd0_30_30,
        Priority::Action => 0x30_80_d0,
        Priority::Warning => 0xe0_a0_20,
        Priority::Info => 0x80_80_80,
    };
    let mut description = n.message.clone();
    if !n.links.is_empty() {
        let links: Vec<String> = n
            .links
            .iter()
            .map(|l| format!("[{}]({})", l.label, l.url))
            .collect();
        description = format!("{}\n\n{}", description.trim_end(), links.join(" · "));
    }
    let mut fields =
        vec![json!({"name": "Project", "value": n.project_id.as_str(), "inline": true})];
    if let Some(session) = &n.session_id {
        fields.push(json!({"name": "Session", "value": session.as_str(), "inline": true}));
    }
    fields.push(json!({"name": "Priority", "value": n.priority.as_str(), "inline": true}));
    let mut embed = json!({
        "title": clip(&n.title, MAX_TITLE),
        "description": clip(&description, MAX_DESCRIPTION),
        "color": color,
        "fields": fields,
        "timestamp": n.timestamp.to_string(),
    });
    if let Some(first) = n.links.first() {
        embed["url"] = json!(first.url);
    }
    let mut body = json!({
        "content": clip(&format!("**{}** ({})", n.title, n.priority.as_str()), MAX_CONTENT),
        "embeds": [embed],
        "allowed_mentions": {"parse": []},
    });
    if let Some(username) = username {
        body["username"] = json!(username);
    }
    body
}

#[async_trait]
impl Notifier for DiscordNotifier {
    fn name(&self) -> &str {
        &self.name
    }

    async fn notify(&self, notification: &Notification) -> Result<Delivered, NotifierError> {
        let body = payload(notification, self.username.as_deref());
        http::post_json(&self.client, &self.name, &self.url, &[], &body).await
    }
}
