//! Every REST route the client calls, in one table ([`ROUTES`]).
//!
//! The client takes a [`Route`] rather than a path string, so nothing can call a route that is
//! not here, and the API shape tests check each one against GitHub's OpenAPI description: the
//! path template and method must exist there, and the description's own response examples must
//! parse into the type named by [`Route::answer`].

use super::error::{GitHubError, Result};

/// An HTTP method the client uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// `GET` (conditional: sent with `If-None-Match` when an ETag is cached).
    Get,
    /// `POST`.
    Post,
    /// `PATCH`.
    Patch,
    /// `PUT`.
    Put,
    /// `DELETE`.
    Delete,
}

impl Method {
    /// The method's name as OpenAPI writes it (`get`, `post`, …).
    pub fn openapi_name(self) -> &'static str {
        match self {
            Self::Get => "get",
            Self::Post => "post",
            Self::Patch => "patch",
            Self::Put => "put",
            Self::Delete => "delete",
        }
    }

    /// The method's name on the wire (`GET`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
            Self::Patch => "PATCH",
            Self::Put => "PUT",
            Self::Delete => "DELETE",
        }
    }

    pub(crate) fn to_reqwest(self) -> reqwest::Method {
        match self {
            Self::Get => reqwest::Method::GET,
            Self::Post => reqwest::Method::POST,
            Self::Patch => reqwest::Method::PATCH,
            Self::Put => reqwest::Method::PUT,
            Self::Delete => reqwest::Method::DELETE,
        }
    }
}

/// What a route's successful answer is read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Answer {
    /// One issue.
    Issue,
    /// A page of issues.
    Issues,
    /// One issue comment.
    Comment,
    /// The labels of an issue.
    Labels,
    /// A repository.
    Repository,
    /// The rate-limit overview.
    RateLimit,
    /// A page of pull requests.
    Pulls,
    /// The result of a merge.
    Merge,
}

impl Answer {
    /// Whether `json` reads as this answer: the API shape tests feed it the OpenAPI examples.
    pub fn check(self, json: &serde_json::Value) -> Result<()> {
        use super::wire::*;
        fn read<T: serde::de::DeserializeOwned>(json: &serde_json::Value) -> Result<()> {
            T::deserialize(json)
                .map(drop)
                .map_err(|e| GitHubError::Decode {
                    what: std::any::type_name::<T>().to_string(),
                    detail: e.to_string(),
                })
        }
        match self {
            Self::Issue => read::<IssueJson>(json),
            Self::Issues => read::<Vec<IssueJson>>(json),
            Self::Comment => read::<CommentJson>(json),
            Self::Labels => read::<Vec<LabelObject>>(json),
            Self::Repository => read::<RepositoryJson>(json),
            Self::RateLimit => read::<RateLimitJson>(json),
            Self::Pulls => read::<Vec<PullSummaryJson>>(json),
            Self::Merge => read::<MergeJson>(json),
        }
    }
}

/// A REST route: a method and a path template as GitHub's OpenAPI description writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Route {
    /// The HTTP method.
    pub method: Method,
    /// The path template (`/repos/{owner}/{repo}/issues/{issue_number}`).
    pub path: &'static str,
    /// What a successful answer is read as.
    pub answer: Answer,
}

const fn route(method: Method, path: &'static str, answer: Answer) -> Route {
    Route {
        method,
        path,
        answer,
    }
}

/// Read one issue.
pub const GET_ISSUE: Route = route(
    Method::Get,
    "/repos/{owner}/{repo}/issues/{issue_number}",
    Answer::Issue,
);
/// List a repository's issues (and pull requests).
pub const LIST_ISSUES: Route = route(Method::Get, "/repos/{owner}/{repo}/issues", Answer::Issues);
/// Change an issue (state, state reason).
pub const UPDATE_ISSUE: Route = route(
    Method::Patch,
    "/repos/{owner}/{repo}/issues/{issue_number}",
    Answer::Issue,
);
/// Comment on an issue.
pub const CREATE_COMMENT: Route = route(
    Method::Post,
    "/repos/{owner}/{repo}/issues/{issue_number}/comments",
    Answer::Comment,
);
/// Add labels to an issue.
pub const ADD_LABELS: Route = route(
    Method::Post,
    "/repos/{owner}/{repo}/issues/{issue_number}/labels",
    Answer::Labels,
);
/// Remove one label from an issue.
pub const REMOVE_LABEL: Route = route(
    Method::Delete,
    "/repos/{owner}/{repo}/issues/{issue_number}/labels/{name}",
    Answer::Labels,
);
/// Read a repository.
pub const GET_REPOSITORY: Route = route(Method::Get, "/repos/{owner}/{repo}", Answer::Repository);
/// List a repository's pull requests (the SCM's cheap "did anything change" read: its ETag).
pub const LIST_PULLS: Route = route(Method::Get, "/repos/{owner}/{repo}/pulls", Answer::Pulls);
/// Merge a pull request.
pub const MERGE_PULL: Route = route(
    Method::Put,
    "/repos/{owner}/{repo}/pulls/{pull_number}/merge",
    Answer::Merge,
);
/// The rate-limit overview (free: it does not count against the limit).
pub const RATE_LIMIT: Route = route(Method::Get, "/rate_limit", Answer::RateLimit);

/// Every route the client calls.
pub const ROUTES: &[Route] = &[
    GET_ISSUE,
    LIST_ISSUES,
    UPDATE_ISSUE,
    CREATE_COMMENT,
    ADD_LABELS,
    REMOVE_LABEL,
    GET_REPOSITORY,
    LIST_PULLS,
    MERGE_PULL,
    RATE_LIMIT,
];

impl Route {
    /// The path with `params` put into its `{…}` slots in order, each percent-encoded as one
    /// path segment. Refuses a wrong number of parameters, an empty one, and `.`/`..`, which
    /// would move the path elsewhere.
    pub fn expand(&self, params: &[&str]) -> Result<String> {
        let mut out = String::with_capacity(self.path.len() + 32);
        let mut rest = self.path;
        let mut params = params.iter();
        while let Some(open) = rest.find('{') {
            let close =
                rest[open..]
                    .find('}')
                    .map(|c| open + c)
                    .ok_or_else(|| GitHubError::Config {
                        detail: format!("route {} has an unclosed `{{`", self.path),
                    })?;
            let value = params.next().ok_or_else(|| GitHubError::Config {
                detail: format!(
                    "route {} needs a value for {}",
                    self.path,
                    &rest[open..=close]
                ),
            })?;
            if value.is_empty() || *value == "." || *value == ".." {
                return Err(GitHubError::Config {
                    detail: format!("`{value}` is not a valid {}", &rest[open + 1..close]),
                });
            }
            out.push_str(&rest[..open]);
            out.push_str(&encode_segment(value));
            rest = &rest[close + 1..];
        }
        out.push_str(rest);
        if params.next().is_some() {
            return Err(GitHubError::Config {
                detail: format!("route {} was given too many values", self.path),
            });
        }
        Ok(out)
    }

    /// `METHOD /path` with the parameters in, for messages.
    pub(crate) fn describe(&self, params: &[&str]) -> String {
        match self.expand(params) {
            Ok(p) => format!("{} {p}", self.method.as_str()),
            Err(_) => format!("{} {}", self.method.as_str(), self.path),
        }
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `owner/name` split in two; refuses anything else.
pub(crate) fn split_repo(repo: &str) -> Result<(&str, &str)> {
    let bad = || GitHubError::Config {
        detail: format!("`{repo}` is not a repository: expected `owner/name`"),
    };
    let (owner, name) = repo.trim().split_once('/').ok_or_else(bad)?;
    let valid = |s: &str| {
        !s.is_empty()
            && s != "."
            && s != ".."
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    };
    if !valid(owner) || !valid(name) {
        return Err(bad());
    }
    Ok((owner, name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_and_encodes_parameters() {
        assert_eq!(
            GET_ISSUE.expand(&["acme", "app", "42"]).unwrap(),
            "/repos/acme/app/issues/42"
        );
        assert_eq!(
            REMOVE_LABEL
                .expand(&["acme", "app", "1", "good first/issue é"])
                .unwrap(),
            "/repos/acme/app/issues/1/labels/good%20first%2Fissue%20%C3%A9"
        );
        assert_eq!(RATE_LIMIT.expand(&[]).unwrap(), "/rate_limit");
        for bad in [
            &["acme", "app"][..],
            &["acme", "app", "1", "2"],
            &["acme", "..", "1"],
            &["", "a", "1"],
        ] {
            assert!(GET_ISSUE.expand(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            GET_ISSUE.describe(&["a", "b", "3"]),
            "GET /repos/a/b/issues/3"
        );
    }

    #[test]
    fn splits_owner_and_name() {
        assert_eq!(split_repo("acme/app.rs").unwrap(), ("acme", "app.rs"));
        for bad in ["acme", "acme/", "/app", "a/b/c", "a/..", "a b/c", "a/b?x"] {
            assert!(split_repo(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn every_route_is_listed_once() {
        let mut seen = std::collections::HashSet::new();
        for r in ROUTES {
            assert!(
                seen.insert((r.method, r.path)),
                "{} {} listed twice",
                r.method.as_str(),
                r.path
            );
            assert!(r.path.starts_with('/'));
        }
    }
}
