//! `slack`: a readable message to a Slack incoming webhook (`webhook`, or `webhookUrl` as the
//! reference's plugin reads it): what happened, the session and project, the text, and links.

use async_trait::async_trait;
use serde_json::json;

use super::http;
use super::settings::{setting, timeout_setting, url_setting};
use super::text::{clip, whereabouts};
use crate::domain::{Notification, Priority};
use crate::plugin::{Delivered, Notifier, NotifierError};

/// Slack's limit for a message's text is 40 000 characters; a notification stays far below.
const MAX_TEXT: usize = 3000;

/// Posts notifications to a Slack incoming webhook.
#[derive(Debug)]
pub struct SlackNotifier {
    name: String,
    url: String,
    channel: Option<String>,
    username: Option<String>,
    client: reqwest::Client,
}

impl SlackNotifier {
    /// A Slack notifier from its settings (`webhook` or `webhookUrl`; optional `channel`,
    /// `username`, `timeoutMs`).
    pub fn from_settings(name: &str, settings: &serde_json::Value) -> Result<Self, NotifierError> {
        Ok(Self {
            name: name.to_string(),
            url: url_setting(name, settings, &["webhook", "webhookUrl"])?,
            channel: setting(settings, "channel").map(str::to_string),
            username: setting(settings, "username").map(str::to_string),
            client: http::client(name, timeout_setting(settings))?,
        })
    }
}

/// The JSON Slack receives for `n`.
pub(crate) fn payload(
    n: &Notification,
    channel: Option<&str>,
    username: Option<&str>,
) -> serde_json::Value {
    let icon = match n.priority {
        Priority::Urgent => ":rotating_light:",
        Priority::Action => ":point_right:",
        Priority::Warning => ":warning:",
        Priority::Info => ":information_source:",
    };
    let mut text = format!(
        "{icon} *{}* ({})\n{}\n\n{}",
        escape(&n.title),
        n.priority.as_str(),
        escape(&whereabouts(n)),
        escape(&clip(&n.message, MAX_TEXT)),
    );
    if !n.links.is_empty() {
        let links: Vec<String> = n
            .links
            .iter()
            .map(|l| format!("<{}|{}>", l.url, escape(&l.label)))
            .collect();
        text.push_str("\n\n");
        text.push_str(&links.join(" · "));
    }
    let mut body = json!({ "text": text });
    if let Some(channel) = channel {
        body["channel"] = json!(channel);
    }
    if let Some(username) = username {
        body["username"] = json!(username);
    }
    body
}

/// Slack's escaping of the three characters its markup gives meaning to (text from agents and
/// pull requests cannot make links or mentions).
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[async_trait]
impl Notifier for SlackNotifier {
    fn name(&self) -> &str {
        &self.name
    }

    async fn notify(&self, notification: &Notification) -> Result<Delivered, NotifierError> {
        let body = payload(
            notification,
            self.channel.as_deref(),
            self.username.as_deref(),
        );
        http::post_json(&self.client, &self.name, &self.url, &[], &body).await
    }
}
