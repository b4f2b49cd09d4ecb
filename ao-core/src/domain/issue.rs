//! References to tracker issues and pull requests, as people type them.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::is_valid_id;

/// Text that is not an issue reference.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{input}` is not an issue reference: {reason}")]
pub struct IssueRefError {
    /// The text that failed to parse, as given.
    pub input: String,
    /// Why it is not a reference, in words (e.g. `it is empty`).
    pub reason: &'static str,
}

/// A reference to an issue.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum IssueRef {
    /// `123` or `#123`: a number for the project's own tracker.
    Number {
        /// The issue number in the project's own tracker.
        number: u64,
    },
    /// `INT-1234`: a team key and number (Linear style).
    Key {
        /// The key, upper-cased.
        key: String,
    },
    /// `GitHub:#123`, `github:123`, or a github.com issue URL.
    GitHub {
        /// `owner/name`, when the reference says.
        repo: Option<String>,
        /// The issue number.
        number: u64,
    },
    /// `Linear:INT-1234`, a linear.app issue URL, or an issue's UUID (`Linear:<uuid>` or the bare
    /// UUID: only Linear names issues by UUID).
    Linear {
        /// The Linear workspace, when the reference says.
        workspace: Option<String>,
        /// The identifier, upper-cased (`INT-1234`), or the issue's UUID, lower-cased.
        key: String,
    },
    /// A github.com pull request URL.
    PullRequest {
        /// The pull request.
        pr: PrRef,
    },
    /// `<project>/<id>`: an issue of the project whose id or session prefix is `project`.
    Routed {
        /// Project id or session prefix.
        project: String,
        /// The issue within that project.
        issue: Box<IssueRef>,
    },
}

/// The issue a session works on, as its tracker named it when the session was spawned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssueLink {
    /// The tracker's config name (`github`, `linear`).
    pub tracker: String,
    /// The tracker's id of the issue (`123`, `INT-9`).
    pub id: String,
    /// The issue's web page.
    pub url: String,
    /// Its title when the session was spawned (untrusted text).
    pub title: String,
}

impl IssueLink {
    /// The id as people write it: `#123` for numbers, the key otherwise.
    pub fn display_id(&self) -> String {
        if self.id.bytes().all(|b| b.is_ascii_digit()) {
            format!("#{}", self.id)
        } else {
            self.id.clone()
        }
    }
}

fn err(input: &str, reason: &'static str) -> IssueRefError {
    IssueRefError {
        input: input.to_string(),
        reason,
    }
}

fn number(s: &str) -> Option<u64> {
    let s = s.strip_prefix('#').unwrap_or(s);
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok().filter(|n| *n > 0)
}

fn key(s: &str) -> Option<String> {
    let (team, num) = s.split_once('-')?;
    let team_ok = team.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && team.chars().all(|c| c.is_ascii_alphanumeric());
    let num_ok = !num.is_empty() && num.bytes().all(|b| b.is_ascii_digit());
    (team_ok && num_ok).then(|| s.to_ascii_uppercase())
}

/// `s` as a lower-cased UUID (`8-4-4-4-12` hex digits), when it is one.
fn uuid(s: &str) -> Option<String> {
    let groups: Vec<&str> = s.split('-').collect();
    let shaped = groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, len)| g.len() == len && g.bytes().all(|b| b.is_ascii_hexdigit()));
    shaped.then(|| s.to_ascii_lowercase())
}

/// Host and path segments of an http(s) URL (query and fragment dropped).
fn url_parts(s: &str) -> Option<(String, Vec<&str>)> {
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"))?;
    let rest = rest.split(['?', '#']).next().unwrap_or(rest);
    let mut parts = rest.split('/');
    let host = parts.next()?.to_ascii_lowercase();
    let host = host
        .strip_prefix("www.")
        .map(str::to_string)
        .unwrap_or(host);
    Some((host, parts.filter(|p| !p.is_empty()).collect()))
}

impl IssueRef {
    /// Parses what a person typed (see the variants for the accepted forms).
    pub fn parse(input: &str) -> Result<Self, IssueRefError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(err(input, "it is empty"));
        }
        if s.starts_with("http://") || s.starts_with("https://") {
            return Self::parse_url(input, s);
        }
        // A `/` before the `:` is a `<project>/` route in front of a prefixed reference.
        if let Some((prefix, rest)) = s.split_once(':').filter(|(p, _)| !p.contains('/')) {
            return match prefix.to_ascii_lowercase().as_str() {
                "github" => number(rest.trim())
                    .map(|number| Self::GitHub { repo: None, number })
                    .ok_or_else(|| err(input, "a GitHub reference is `GitHub:#123`")),
                "linear" => key(rest.trim())
                    .or_else(|| uuid(rest.trim()))
                    .map(|key| Self::Linear {
                        workspace: None,
                        key,
                    })
                    .ok_or_else(|| {
                        err(
                            input,
                            "a Linear reference is `Linear:ABC-123` (or `Linear:<issue UUID>`)",
                        )
                    }),
                _ => Err(err(
                    input,
                    "the tracker prefix must be `GitHub:` or `Linear:`",
                )),
            };
        }
        // `owner/repo#123`: an issue of that GitHub repository (not a `<project>/` route).
        if let Some((repo, n)) = s.split_once('#')
            && let Some((owner, name)) = repo.split_once('/')
            && [owner, name].iter().all(|p| {
                !p.is_empty()
                    && p.chars()
                        .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
            })
        {
            return number(n)
                .map(|number| Self::GitHub {
                    repo: Some(repo.to_string()),
                    number,
                })
                .ok_or_else(|| err(input, "the issue number after `#` is missing"));
        }
        if let Some((project, rest)) = s.split_once('/') {
            if !is_valid_id(project) {
                return Err(err(
                    input,
                    "the part before `/` must be a project id or session prefix",
                ));
            }
            let issue = Self::parse(rest)?;
            if matches!(issue, Self::Routed { .. }) {
                return Err(err(input, "only one `<project>/` prefix is allowed"));
            }
            return Ok(Self::Routed {
                project: project.to_string(),
                issue: Box::new(issue),
            });
        }
        if let Some(number) = number(s) {
            return Ok(Self::Number { number });
        }
        if let Some(key) = key(s) {
            return Ok(Self::Key { key });
        }
        if let Some(key) = uuid(s) {
            return Ok(Self::Linear {
                workspace: None,
                key,
            });
        }
        Err(err(
            input,
            "expected `123`, `#123`, `ABC-123`, `GitHub:#123`, `owner/repo#123`, `Linear:ABC-123`, an issue URL or `<project>/<id>`",
        ))
    }

    fn parse_url(input: &str, s: &str) -> Result<Self, IssueRefError> {
        let Some((host, parts)) = url_parts(s) else {
            return Err(err(input, "malformed URL"));
        };
        match (host.as_str(), parts.as_slice()) {
            ("github.com", [owner, repo, "issues", n, ..]) => number(n)
                .map(|number| Self::GitHub {
                    repo: Some(format!("{owner}/{repo}")),
                    number,
                })
                .ok_or_else(|| err(input, "the issue number is missing")),
            ("github.com", [_, _, "pull", ..]) => Ok(Self::PullRequest {
                pr: PrRef::parse(input)?,
            }),
            ("linear.app", [workspace, "issue", k, ..]) => key(k)
                .map(|key| Self::Linear {
                    workspace: Some((*workspace).to_string()),
                    key,
                })
                .ok_or_else(|| err(input, "the issue key is missing")),
            _ => Err(err(
                input,
                "only github.com issue and pull request URLs and linear.app issue URLs are understood",
            )),
        }
    }
}

impl fmt::Display for IssueRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Number { number } => write!(f, "#{number}"),
            Self::Key { key } => f.write_str(key),
            Self::GitHub {
                repo: Some(repo),
                number,
            } => write!(f, "{repo}#{number}"),
            Self::GitHub { repo: None, number } => write!(f, "GitHub:#{number}"),
            Self::Linear { key, .. } => write!(f, "Linear:{key}"),
            Self::PullRequest { pr } => write!(f, "{pr}"),
            Self::Routed { project, issue } => write!(f, "{project}/{issue}"),
        }
    }
}

/// A reference to a pull request.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PrRef {
    /// `owner/name`, when known.
    pub repo: Option<String>,
    /// The pull request number.
    pub number: u64,
    /// Its web URL, when known.
    pub url: Option<String>,
}

impl PrRef {
    /// Parses `123`, `#123`, `owner/name#123` or a github.com pull request URL.
    pub fn parse(input: &str) -> Result<Self, IssueRefError> {
        let s = input.trim();
        let bad = || {
            err(
                input,
                "expected `123`, `#123`, `owner/name#123` or a pull request URL",
            )
        };
        if s.starts_with("http://") || s.starts_with("https://") {
            let (host, parts) = url_parts(s).ok_or_else(bad)?;
            return match (host.as_str(), parts.as_slice()) {
                ("github.com", [owner, repo, "pull", n, ..]) => Ok(Self {
                    repo: Some(format!("{owner}/{repo}")),
                    number: number(n).ok_or_else(bad)?,
                    url: Some(format!(
                        "https://github.com/{owner}/{repo}/pull/{}",
                        number(n).ok_or_else(bad)?
                    )),
                }),
                _ => Err(bad()),
            };
        }
        if let Some((repo, n)) = s.split_once('#').filter(|(r, _)| !r.is_empty()) {
            let valid_repo = repo.split('/').count() >= 2 && repo.split('/').all(|p| !p.is_empty());
            if !valid_repo {
                return Err(bad());
            }
            return Ok(Self {
                repo: Some(repo.to_string()),
                number: number(n).ok_or_else(bad)?,
                url: None,
            });
        }
        Ok(Self {
            repo: None,
            number: number(s).ok_or_else(bad)?,
            url: None,
        })
    }
}

impl fmt::Display for PrRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.repo {
            Some(repo) => write!(f, "{repo}#{}", self.number),
            None => write!(f, "#{}", self.number),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> IssueRef {
        IssueRef::parse(s).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn parses_every_documented_form() {
        assert_eq!(p("123"), IssueRef::Number { number: 123 });
        assert_eq!(p(" #123 "), IssueRef::Number { number: 123 });
        assert_eq!(
            p("GitHub:#123"),
            IssueRef::GitHub {
                repo: None,
                number: 123
            }
        );
        assert_eq!(
            p("github:123"),
            IssueRef::GitHub {
                repo: None,
                number: 123
            }
        );
        assert_eq!(
            p("INT-1234"),
            IssueRef::Key {
                key: "INT-1234".into()
            }
        );
        assert_eq!(
            p("int-7"),
            IssueRef::Key {
                key: "INT-7".into()
            }
        );
        assert_eq!(
            p("Linear:INT-1234"),
            IssueRef::Linear {
                workspace: None,
                key: "INT-1234".into()
            }
        );
        assert_eq!(
            p("acme/app.rs#42"),
            IssueRef::GitHub {
                repo: Some("acme/app.rs".into()),
                number: 42
            }
        );
        assert_eq!(
            p("app/42"),
            IssueRef::Routed {
                project: "app".into(),
                issue: Box::new(IssueRef::Number { number: 42 })
            },
            "a project route is not a repository"
        );
        assert!(IssueRef::parse("acme/app#x").is_err());
        assert_eq!(
            p("https://github.com/acme/app/issues/42"),
            IssueRef::GitHub {
                repo: Some("acme/app".into()),
                number: 42
            }
        );
        assert_eq!(
            p("https://github.com/acme/app/pull/7/files?x=1"),
            IssueRef::PullRequest {
                pr: PrRef {
                    repo: Some("acme/app".into()),
                    number: 7,
                    url: Some("https://github.com/acme/app/pull/7".into())
                }
            }
        );
        assert_eq!(
            p("https://linear.app/acme/issue/INT-9/fix-the-thing"),
            IssueRef::Linear {
                workspace: Some("acme".into()),
                key: "INT-9".into()
            }
        );
        assert_eq!(
            p("api/INT-9"),
            IssueRef::Routed {
                project: "api".into(),
                issue: Box::new(IssueRef::Key {
                    key: "INT-9".into()
                })
            }
        );
        assert_eq!(p("web/#3").to_string(), "web/#3");
        let uuid = IssueRef::Linear {
            workspace: None,
            key: "8a7c0d2e-1c44-4f6c-9a8c-3f2b4c2d0e11".into(),
        };
        assert_eq!(p("Linear:8A7C0D2E-1C44-4F6C-9A8C-3F2B4C2D0E11"), uuid);
        assert_eq!(
            p("8a7c0d2e-1c44-4f6c-9a8c-3f2b4c2d0e11"),
            uuid,
            "only Linear has UUIDs"
        );
        assert_eq!(
            p("web/GitHub:#3"),
            IssueRef::Routed {
                project: "web".into(),
                issue: Box::new(IssueRef::GitHub {
                    repo: None,
                    number: 3
                })
            }
        );
        assert_eq!(
            p("app/Linear:INT-3"),
            IssueRef::Routed {
                project: "app".into(),
                issue: Box::new(IssueRef::Linear {
                    workspace: None,
                    key: "INT-3".into()
                })
            }
        );
    }

    #[test]
    fn rejects_what_is_not_a_reference() {
        for bad in [
            "",
            "   ",
            "#",
            "#0",
            "fix the login bug",
            "jira:X-1",
            "GitHub:abc",
            "Linear:123",
            "Linear:8a7c0d2e-1c44-4f6c-9a8c",
            "8a7c0d2e-1c44-4f6c-9a8c-3f2b4c2d0e1g",
            "a/b/c",
            "../x/1",
            "https://gitlab.com/a/b/issues/1",
            "https://github.com/acme/app/issues/",
            "INT-",
            "-12",
        ] {
            assert!(IssueRef::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn parses_pull_request_references() {
        assert_eq!(
            PrRef::parse("#12").unwrap(),
            PrRef {
                repo: None,
                number: 12,
                url: None
            }
        );
        assert_eq!(
            PrRef::parse("acme/app#12").unwrap().repo.as_deref(),
            Some("acme/app")
        );
        assert_eq!(
            PrRef::parse("https://github.com/acme/app/pull/12")
                .unwrap()
                .number,
            12
        );
        for bad in [
            "",
            "x",
            "app#1",
            "https://github.com/acme/app/issues/1",
            "acme/app#",
        ] {
            assert!(PrRef::parse(bad).is_err(), "{bad:?}");
        }
    }
}
