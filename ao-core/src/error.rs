//! What kind of failure an error is.
//!
//! Every error type of the library says which kind it is, in one place each
//! ([`Classify::class`]): the CLI maps the kind to its documented exit code and adds hints; an
//! embedder can branch on it without matching every variant of every error. Wrapping errors
//! (the facade's) ask the error they wrap.

/// The kind of a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorClass {
    /// Something went wrong while doing what was asked (`ao` exits 1).
    Failed,
    /// The request itself is wrong: an empty task or message, a branch name git refuses
    /// (exit 2, as for a wrong command line).
    InvalidInput,
    /// A session, project, issue, pull request or config file does not exist (exit 3).
    NotFound,
    /// Refused, to protect work or keep a rule (exit 4).
    Refused,
    /// The config is invalid (exit 5).
    InvalidConfig,
    /// A required program, plugin or service is not available (exit 6).
    Unavailable,
}

/// An error that knows what kind of failure it is.
pub trait Classify {
    /// The kind of failure.
    fn class(&self) -> ErrorClass;
}
