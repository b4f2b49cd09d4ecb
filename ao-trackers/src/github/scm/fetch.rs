//! Running a batch: the questions split into as few GraphQL requests as GitHub's limits allow
//! (one for any realistic repository), then follow-up rounds for the pull requests with more
//! than a page of checks or threads — one request per round for all of them.

use std::collections::{BTreeMap, HashMap};

use ao_core::domain::Timestamp;
use ao_core::plugin::{PrDetails, PrQuery, RateBudget, ScmError};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::read::{self, ContextJson, ContextsJson, PrJson, ThreadJson, ThreadsJson};
use super::{SCM_NAME, scm_error};
use crate::github::client::{GitHubClient, GraphQlReply};
use crate::github::documents::{
    BRANCH_CANDIDATES, CONTEXTS_PAGE, FOLLOW_UP_PAGE, Part, THREADS_PAGE, pr_batch,
};
use crate::github::routes::split_repo;

/// The most nodes one request asks for, by GitHub's count (every connection's page size times
/// the pages it may be fetched under). GitHub refuses a query over 500,000 and cuts off one
/// that runs longer than ten seconds; a tenth of the limit keeps answers quick. That is 416
/// questions by number (120 nodes each: 100 check contexts, 10 threads and their first
/// comments) or 137 by branch (3 candidates each) in one request — a repository with more
/// questions is asked in several.
pub const MAX_NODES_PER_REQUEST: u64 = 50_000;

/// Follow-up rounds at most: 20 more pages of 100 checks or threads per pull request. Checks
/// left unread after them count as pending (never as passing); threads left unread are not
/// listed.
const MAX_FOLLOW_UP_ROUNDS: usize = 20;

/// Nodes a question of each kind asks for (see [`MAX_NODES_PER_REQUEST`]).
fn nodes(part: Part) -> u64 {
    let details = u64::from(CONTEXTS_PAGE + 2 * THREADS_PAGE);
    match part {
        Part::Number => details,
        Part::Branch => u64::from(BRANCH_CANDIDATES) * (1 + details),
        Part::MoreContexts => u64::from(FOLLOW_UP_PAGE),
        Part::MoreThreads => 2 * u64::from(FOLLOW_UP_PAGE),
    }
}

/// What a batch fetched: an answer per question asked, and the budget after the last request.
#[derive(Debug, Default)]
pub(super) struct Fetched {
    pub(super) answers: HashMap<PrQuery, Option<PrDetails>>,
    pub(super) rate_limit: Option<RateBudget>,
}

/// A pull request being read, page after page.
#[derive(Debug)]
struct Reading {
    json: PrJson,
    contexts: Vec<ContextJson>,
    contexts_total: Option<u64>,
    /// No page of checks is left unread.
    contexts_complete: bool,
    threads: Vec<ThreadJson>,
    /// The next page of checks: the head commit and the cursor.
    more_contexts: Option<(String, String)>,
    /// The next page of threads: the cursor.
    more_threads: Option<String>,
}

impl Reading {
    fn new(mut json: PrJson) -> Self {
        // The pages are kept apart from the pull request's own fields, to be added to.
        let rollup = json.status_check_rollup.take();
        let threads = json.review_threads.take();
        let mut reading = Self {
            json,
            contexts: Vec::new(),
            contexts_total: None,
            contexts_complete: true,
            threads: Vec::new(),
            more_contexts: None,
            more_threads: None,
        };
        if let Some(rollup) = rollup {
            reading.contexts_total = rollup.contexts.total_count;
            reading.add_contexts(rollup.contexts);
        }
        if let Some(threads) = threads {
            reading.add_threads(threads);
        }
        reading
    }

    fn add_contexts(&mut self, page: ContextsJson) {
        self.contexts.extend(page.nodes.into_iter().flatten());
        let next = page.page_info.next();
        self.contexts_complete = next.is_none();
        self.more_contexts = match (next, &self.json.head_ref_oid) {
            (Some(cursor), Some(oid)) => Some((oid.clone(), cursor.to_string())),
            _ => None,
        };
    }

    fn add_threads(&mut self, page: ThreadsJson) {
        self.threads.extend(page.nodes.into_iter().flatten());
        self.more_threads = page.page_info.next().map(str::to_string);
    }

    fn details(self, repo: &str, base_permission: Option<&str>) -> Result<PrDetails, ScmError> {
        let pr = self.json.pull_request(repo, base_permission)?;
        let unread = if !self.contexts_complete {
            let read = u64::try_from(self.contexts.len()).unwrap_or(u64::MAX);
            u32::try_from(self.contexts_total.unwrap_or(read).saturating_sub(read))
                .unwrap_or(u32::MAX)
        } else {
            0
        };
        Ok(read::details(
            pr,
            &self.json,
            &self.contexts,
            unread,
            &self.threads,
        ))
    }
}

/// The pull request a `Branch` question means among GitHub's newest candidates: the project's
/// own (never a fork's branch of the same name), an open one first, else the newest.
pub(super) fn pick<'a>(candidates: &'a [PrJson], repo: &str) -> Option<&'a PrJson> {
    let own = || candidates.iter().filter(|p| p.is_from(repo));
    own().find(|p| p.state == "OPEN").or_else(|| own().next())
}

/// `data` of a batch answer.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct BatchData {
    #[serde(default)]
    rate_limit: Option<RateJson>,
    #[serde(default)]
    repository: Option<Map<String, Value>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RateJson {
    remaining: u64,
    limit: u64,
    #[serde(default)]
    reset_at: Option<String>,
}

/// One request's parts and their variables.
struct Request {
    parts: Vec<Part>,
    variables: Map<String, Value>,
}

impl Request {
    fn new(owner: &str, name: &str) -> Self {
        let mut variables = Map::new();
        variables.insert("owner".into(), owner.into());
        variables.insert("name".into(), name.into());
        Self {
            parts: Vec::new(),
            variables,
        }
    }

    fn push(&mut self, part: Part, value: Value, cursor: Option<&str>) -> String {
        let i = self.parts.len();
        self.parts.push(part);
        self.variables.insert(format!("q{i}"), value);
        if let Some(cursor) = cursor {
            self.variables.insert(format!("a{i}"), cursor.into());
        }
        format!("q{i}")
    }
}

/// Splits `items` into runs whose nodes stay within [`MAX_NODES_PER_REQUEST`] (at least one
/// item each).
fn chunks<T>(items: Vec<T>, part: impl Fn(&T) -> Part) -> Vec<Vec<T>> {
    let mut out: Vec<Vec<T>> = Vec::new();
    let mut used = 0;
    for item in items {
        let cost = nodes(part(&item));
        match out.last_mut() {
            Some(current) if used + cost <= MAX_NODES_PER_REQUEST => current.push(item),
            _ => {
                out.push(vec![item]);
                used = 0;
            }
        }
        used += cost;
    }
    out
}

/// Sends one request and returns the repository's aliased answers and the viewer's role.
async fn send(
    client: &GitHubClient,
    repo: &str,
    request: Request,
    rate_limit: &mut Option<RateBudget>,
) -> Result<(Map<String, Value>, Option<String>), ScmError> {
    let text = pr_batch(&request.parts);
    let reply: GraphQlReply<BatchData> = client
        .graphql_partial("PrBatch", &text, Value::Object(request.variables))
        .await
        .map_err(|e| scm_error(e, client, repo))?;
    // A question about a pull request or commit that does not exist is `null` with a
    // `NOT_FOUND` error beside it: that is an answer. Anything else fails the batch rather
    // than answering wrong.
    let elsewhere = reply.errors.iter().find(|e| {
        let about_a_question = e.path.len() >= 2 && e.path[0] == "repository";
        !(about_a_question && e.kind.as_deref() == Some("NOT_FOUND"))
    });
    if let Some(e) = elsewhere {
        let kinds = e.kind.iter().cloned().collect();
        return Err(scm_error(
            crate::github::GitHubError::GraphQl {
                what: "PrBatch".into(),
                kinds,
                detail: e.message.clone(),
            },
            client,
            repo,
        ));
    }
    let Some(data) = reply.data else {
        return Err(ScmError::Unavailable {
            scm: SCM_NAME.into(),
            detail: "GitHub answered the pull-request batch without data".into(),
        });
    };
    if let Some(r) = data.rate_limit {
        *rate_limit = Some(RateBudget {
            remaining: r.remaining,
            limit: r.limit,
            reset_at: r.reset_at.and_then(|t| t.parse::<Timestamp>().ok()),
        });
    }
    let mut repository = data.repository.ok_or_else(|| ScmError::NotFound {
        pr: repo.to_string(),
    })?;
    let permission = repository
        .remove("viewerPermission")
        .and_then(|v| v.as_str().map(str::to_string));
    Ok((repository, permission))
}

fn decode<T: serde::de::DeserializeOwned>(value: Value, what: &str) -> Result<T, ScmError> {
    serde_json::from_value(value).map_err(|e| ScmError::Unavailable {
        scm: SCM_NAME.into(),
        detail: format!("cannot read GitHub's answer about {what}: {e}"),
    })
}

/// Fetches the answers to `queries` (distinct) about `repo`.
pub(super) async fn fetch(
    client: &GitHubClient,
    repo: &str,
    queries: &[PrQuery],
) -> Result<Fetched, ScmError> {
    let (owner, name) = split_repo(repo).map_err(|e| super::unavailable(&e))?;
    let part_of = |q: &PrQuery| match q {
        PrQuery::Number(_) => Part::Number,
        PrQuery::Branch(_) => Part::Branch,
    };
    let mut rate_limit = None;
    let mut permission: Option<String> = None;
    let mut reading: BTreeMap<u64, Reading> = BTreeMap::new();
    let mut answer_of: Vec<(PrQuery, Option<u64>)> = Vec::new();

    for chunk in chunks(queries.to_vec(), part_of) {
        let mut request = Request::new(owner, name);
        let aliases: Vec<(PrQuery, String)> = chunk
            .into_iter()
            .map(|q| {
                let value = match &q {
                    PrQuery::Number(n) => Value::from(*n),
                    PrQuery::Branch(b) => Value::from(b.as_str()),
                };
                let alias = request.push(part_of(&q), value, None);
                (q, alias)
            })
            .collect();
        let (mut data, role) = send(client, repo, request, &mut rate_limit).await?;
        permission = permission.or(role);
        for (q, alias) in aliases {
            let value = data.remove(&alias).unwrap_or(Value::Null);
            let found = match &q {
                // A number is the project's pull request even when its head is a fork's: it was
                // opened against this repository.
                PrQuery::Number(n) => decode::<Option<PrJson>>(value, &format!("#{n}"))?,
                PrQuery::Branch(b) => {
                    #[derive(Deserialize)]
                    struct Nodes {
                        #[serde(default)]
                        nodes: Vec<Option<PrJson>>,
                    }
                    let nodes: Option<Nodes> = decode(value, &format!("branch {b}"))?;
                    let candidates: Vec<PrJson> = nodes
                        .map(|n| n.nodes.into_iter().flatten().collect())
                        .unwrap_or_default();
                    pick(&candidates, repo).cloned()
                }
            };
            let number = found.map(|json| {
                let n = json.number;
                reading.entry(n).or_insert_with(|| Reading::new(json));
                n
            });
            answer_of.push((q, number));
        }
    }

    // Follow-up rounds: every pull request with another page of checks or threads, together.
    for _ in 0..MAX_FOLLOW_UP_ROUNDS {
        let mut wanted: Vec<(u64, Part)> = Vec::new();
        for (n, r) in &reading {
            if r.more_contexts.is_some() {
                wanted.push((*n, Part::MoreContexts));
            }
            if r.more_threads.is_some() {
                wanted.push((*n, Part::MoreThreads));
            }
        }
        if wanted.is_empty() {
            break;
        }
        for chunk in chunks(wanted, |(_, part)| *part) {
            let mut request = Request::new(owner, name);
            let mut aliases: Vec<(u64, Part, String)> = Vec::new();
            for (n, part) in chunk {
                let Some(r) = reading.get(&n) else { continue };
                let alias = match (part, &r.more_contexts, &r.more_threads) {
                    (Part::MoreContexts, Some((oid, cursor)), _) => {
                        request.push(part, Value::from(oid.as_str()), Some(cursor))
                    }
                    (Part::MoreThreads, _, Some(cursor)) => {
                        request.push(part, Value::from(n), Some(cursor))
                    }
                    _ => continue,
                };
                aliases.push((n, part, alias));
            }
            let (mut data, _) = send(client, repo, request, &mut rate_limit).await?;
            for (n, part, alias) in aliases {
                let Some(r) = reading.get_mut(&n) else {
                    continue;
                };
                let value = data.remove(&alias).unwrap_or(Value::Null);
                match part {
                    Part::MoreContexts => {
                        #[derive(Deserialize)]
                        #[serde(rename_all = "camelCase")]
                        struct Commit {
                            #[serde(default)]
                            status_check_rollup: Option<read::RollupJson>,
                        }
                        let commit: Option<Commit> = decode(value, &format!("#{n}'s checks"))?;
                        match commit.and_then(|c| c.status_check_rollup) {
                            Some(rollup) => r.add_contexts(rollup.contexts),
                            // The commit is gone (a force push and a garbage collection):
                            // what was not read counts as pending.
                            None => r.more_contexts = None,
                        }
                    }
                    _ => {
                        #[derive(Deserialize)]
                        #[serde(rename_all = "camelCase")]
                        struct Pull {
                            review_threads: ThreadsJson,
                        }
                        let pull: Option<Pull> = decode(value, &format!("#{n}'s threads"))?;
                        match pull {
                            Some(p) => r.add_threads(p.review_threads),
                            None => r.more_threads = None,
                        }
                    }
                }
            }
        }
    }

    let mut details: HashMap<u64, PrDetails> = HashMap::new();
    for (n, r) in reading {
        details.insert(n, r.details(repo, permission.as_deref())?);
    }
    let answers = answer_of
        .into_iter()
        .map(|(q, n)| (q, n.and_then(|n| details.get(&n).cloned())))
        .collect();
    Ok(Fetched {
        answers,
        rate_limit,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_only_past_the_node_budget() {
        let numbers: Vec<u64> = (0..416).collect();
        assert_eq!(chunks(numbers, |_| Part::Number).len(), 1);
        let numbers: Vec<u64> = (0..417).collect();
        assert_eq!(chunks(numbers, |_| Part::Number).len(), 2);
        let branches: Vec<u64> = (0..137).collect();
        assert_eq!(chunks(branches, |_| Part::Branch).len(), 1);
        let branches: Vec<u64> = (0..300).collect();
        let split = chunks(branches, |_| Part::Branch);
        assert_eq!(
            split.iter().map(Vec::len).collect::<Vec<_>>(),
            [137, 137, 26]
        );
        assert!(chunks(Vec::<u64>::new(), |_| Part::Number).is_empty());
    }
}
