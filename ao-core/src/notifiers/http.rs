//! The one HTTP POST the webhook, Slack and Discord notifiers share: JSON body, a timeout,
//! and errors that say what happened without the address (which holds the secret).

use std::time::Duration;

use crate::plugin::{Delivered, NotifierError};

/// How long one request may take when the settings do not say.
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// A client for one notifier.
pub(crate) fn client(notifier: &str, timeout: Duration) -> Result<reqwest::Client, NotifierError> {
    reqwest::Client::builder()
        .timeout(timeout)
        // A redirect would carry the notification somewhere the config never named.
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|_| NotifierError::Config {
            notifier: notifier.to_string(),
            detail: "the HTTP client could not be set up".into(),
        })
}

/// Checks that `url` (from the setting `key`) is an http(s) address, naming only the key when
/// it is not.
pub(crate) fn checked_url(notifier: &str, key: &str, url: &str) -> Result<String, NotifierError> {
    let parsed = reqwest::Url::parse(url.trim()).map_err(|_| NotifierError::Config {
        notifier: notifier.to_string(),
        detail: format!("`{key}` is not a valid URL"),
    })?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(NotifierError::Config {
            notifier: notifier.to_string(),
            detail: format!("`{key}` must be an http or https URL"),
        });
    }
    Ok(parsed.to_string())
}

/// Posts `body` as JSON to `url`. A 5xx or 429 answer, a timeout or a connection failure is
/// [`NotifierError::Transient`]; any other non-2xx answer is [`NotifierError::Delivery`].
pub(crate) async fn post_json(
    client: &reqwest::Client,
    notifier: &str,
    url: &str,
    headers: &[(String, String)],
    body: &serde_json::Value,
) -> Result<Delivered, NotifierError> {
    let bytes = serde_json::to_vec(body).map_err(|e| NotifierError::Delivery {
        notifier: notifier.to_string(),
        detail: format!("the payload could not be encoded: {e}"),
    })?;
    let mut request = client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(
            reqwest::header::USER_AGENT,
            concat!("ao/", env!("CARGO_PKG_VERSION")),
        );
    for (name, value) in headers {
        request = request.header(name.as_str(), value.as_str());
    }
    let response = request.body(bytes).send().await.map_err(|e| {
        // reqwest's own message names the URL: describe the failure by its kind only.
        let detail = if e.is_timeout() {
            "timed out"
        } else if e.is_connect() {
            "could not connect"
        } else if e.is_builder() {
            "the request could not be built (check the URL and headers)"
        } else {
            "the request failed"
        };
        if e.is_builder() {
            NotifierError::Delivery {
                notifier: notifier.to_string(),
                detail: detail.into(),
            }
        } else {
            NotifierError::Transient {
                notifier: notifier.to_string(),
                detail: detail.into(),
            }
        }
    })?;
    let status = response.status();
    if status.is_success() {
        return Ok(Delivered::Sent);
    }
    let detail = format!("the endpoint answered {}", status.as_u16());
    if status.is_server_error() || status == reqwest::StatusCode::TOO_MANY_REQUESTS {
        Err(NotifierError::Transient {
            notifier: notifier.to_string(),
            detail,
        })
    } else {
        Err(NotifierError::Delivery {
            notifier: notifier.to_string(),
            detail,
        })
    }
}
