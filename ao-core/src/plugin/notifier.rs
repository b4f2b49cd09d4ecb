//! `Notifier`: tells a person.

use std::sync::Mutex;

use async_trait::async_trait;

use crate::domain::Notification;

/// Why a notification was not delivered.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NotifierError {
    /// The channel does not offer this capability.
    #[error("{implementer} does not support {operation}")]
    Unsupported {
        /// The capability asked for, in words.
        operation: &'static str,
        /// The channel's alias (see [`Notifier::name`]).
        implementer: String,
    },
    /// The channel is misconfigured (the message names the key, never a secret value).
    #[error("{notifier}: {detail}")]
    Config {
        /// The alias of the misconfigured channel.
        notifier: String,
        /// What is wrong.
        detail: String,
    },
    /// The event could not be delivered over the channel, and trying again will not help
    /// (the endpoint refused it, the receiving session is not running).
    #[error("{notifier}: delivery failed: {detail}")]
    Delivery {
        /// The alias of the channel that could not deliver.
        notifier: String,
        /// What happened (never a webhook URL).
        detail: String,
    },
    /// The event could not be delivered this time (a 5xx answer, a timeout, a dropped
    /// connection): worth trying again.
    #[error("{notifier}: delivery failed: {detail}")]
    Transient {
        /// The alias of the channel that could not deliver.
        notifier: String,
        /// What happened (never a webhook URL).
        detail: String,
    },
}

impl NotifierError {
    /// The same error attributed to `alias` (a config's name for the channel, which the
    /// plugin that built it may not know).
    #[must_use]
    pub fn for_alias(mut self, alias: &str) -> Self {
        match &mut self {
            Self::Unsupported { implementer: n, .. }
            | Self::Config { notifier: n, .. }
            | Self::Delivery { notifier: n, .. }
            | Self::Transient { notifier: n, .. } => alias.clone_into(n),
        }
        self
    }

    /// Whether trying again may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Transient { .. })
    }
}

/// What a successful [`Notifier::notify`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivered {
    /// The channel took it.
    Sent,
    /// Nothing could show it (a desktop without a notification service): it was only noted,
    /// for this reason. Not an error: the other channels carry on.
    Noted(String),
}

/// A notification channel.
///
/// Contract (checked by `plugin::conformance::notifier`): `notify` SHOULD return promptly
/// (bounded by a timeout) and MUST NOT include secrets such as webhook URLs in errors; a failure
/// worth retrying (a 5xx, a timeout) is [`NotifierError::Transient`]; a channel with nothing to
/// show the notification on (a headless desktop) returns [`Delivered::Noted`], not an error.
/// Text in a notification may come from agents and forges: a channel with markup escapes it.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait Notifier: Send + Sync + 'static {
    /// The channel's alias.
    fn name(&self) -> &str;

    /// Delivers one notification.
    async fn notify(&self, notification: &Notification) -> Result<Delivered, NotifierError>;
}

/// A channel that records what it was given.
#[derive(Debug, Default)]
pub struct FakeNotifier {
    events: Mutex<Vec<Notification>>,
}

impl FakeNotifier {
    /// An empty fake.
    pub fn new() -> Self {
        Self::default()
    }

    /// Everything delivered so far.
    pub fn events(&self) -> Vec<Notification> {
        self.events.lock().map(|e| e.clone()).unwrap_or_default()
    }
}

#[async_trait]
impl Notifier for FakeNotifier {
    fn name(&self) -> &str {
        "fake"
    }

    async fn notify(&self, notification: &Notification) -> Result<Delivered, NotifierError> {
        self.events
            .lock()
            .map_err(|_| NotifierError::Delivery {
                notifier: "fake".into(),
                detail: "state poisoned".into(),
            })?
            .push(notification.clone());
        Ok(Delivered::Sent)
    }
}

impl crate::error::Classify for NotifierError {
    fn class(&self) -> crate::error::ErrorClass {
        use crate::error::ErrorClass as C;
        match self {
            Self::Unsupported { .. } => C::Unavailable,
            Self::Config { .. } => C::InvalidConfig,
            Self::Delivery { .. } => C::Failed,
            Self::Transient { .. } => C::Unavailable,
        }
    }
}
