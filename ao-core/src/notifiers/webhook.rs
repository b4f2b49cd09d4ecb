//! `webhook`: POSTs the event-log entry that asked for the notification — the same object
//! `ao events --json` prints — as JSON to `url`, with optional extra `headers`.

use async_trait::async_trait;

use super::http;
use super::settings::{timeout_setting, url_setting};
use crate::domain::Notification;
use crate::plugin::{Delivered, Notifier, NotifierError};

/// Posts notifications to a URL as JSON.
#[derive(Debug)]
pub struct WebhookNotifier {
    name: String,
    url: String,
    headers: Vec<(String, String)>,
    client: reqwest::Client,
}

impl WebhookNotifier {
    /// A webhook notifier from its settings (`url`; optional `headers` map and `timeoutMs`).
    pub fn from_settings(name: &str, settings: &serde_json::Value) -> Result<Self, NotifierError> {
        let url = url_setting(name, settings, &["url"])?;
        let mut headers = Vec::new();
        if let Some(map) = settings.get("headers") {
            let Some(map) = map.as_object() else {
                return Err(NotifierError::Config {
                    notifier: name.to_string(),
                    detail: "`headers` must map header names to values".into(),
                });
            };
            for (key, value) in map {
                let valid = reqwest::header::HeaderName::from_bytes(key.as_bytes()).is_ok();
                match value.as_str() {
                    Some(v) if valid && reqwest::header::HeaderValue::from_str(v).is_ok() => {
                        headers.push((key.clone(), v.to_string()));
                    }
                    _ => {
                        return Err(NotifierError::Config {
                            notifier: name.to_string(),
                            detail: format!(
                                "header `{key}` is not a valid header name and text value"
                            ),
                        });
                    }
                }
            }
        }
        Ok(Self {
            name: name.to_string(),
            url,
            headers,
            client: http::client(name, timeout_setting(settings))?,
        })
    }
}

#[async_trait]
impl Notifier for WebhookNotifier {
    fn name(&self) -> &str {
        &self.name
    }

    async fn notify(&self, notification: &Notification) -> Result<Delivered, NotifierError> {
        let body = if notification.event.is_null() {
            serde_json::to_value(notification).unwrap_or_default()
        } else {
            notification.event.clone()
        };
        http::post_json(&self.client, &self.name, &self.url, &self.headers, &body).await
    }
}
