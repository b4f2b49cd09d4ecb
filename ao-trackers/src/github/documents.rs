//! Every GraphQL document the client sends, in one table ([`DOCUMENTS`]).
//!
//! Kept as constants rather than built at run time so that the API shape tests can validate
//! each one against GitHub's published schema: a misspelt field fails a test, not a user's poll.

/// A GraphQL document and the name of its operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Document {
    /// The operation's name (used in messages).
    pub name: &'static str,
    /// The document's text.
    pub text: &'static str,
}

/// Who the token belongs to and what is left of the GraphQL budget (`ao doctor`).
pub const VIEWER_PROBE: Document = Document {
    name: "ViewerProbe",
    text: "query ViewerProbe { viewer { login } rateLimit { limit remaining used resetAt } }",
};

/// Every document the client sends.
pub const DOCUMENTS: &[Document] = &[VIEWER_PROBE];
