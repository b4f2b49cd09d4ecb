//! The GraphQL subset: what it resolves, and the errors for what it does not.

use ao_trackers::fake::{
    CheckConclusion, CheckRun, CommitStatus, MergeableState, Review, ReviewState, StatusState,
};
use serde_json::{Value, json};

use super::http::request;
use super::{REPO, Seeded, seeded};

fn post(s: &Seeded, body: &Value) -> super::http::Response {
    request(s.gh.url(), "POST", "/graphql")
        .token("t")
        .json(body)
        .send()
}

fn query(s: &Seeded, q: &str) -> Value {
    let response = post(s, &json!({ "query": q }));
    assert_eq!(response.status, 200, "{}", response.body);
    response.json()
}

#[test]
fn rate_limit_and_viewer_resolve_and_the_graphql_budget_is_its_own() {
    let s = seeded();
    let first = post(
        &s,
        &json!({ "query": "{ viewer { login } rateLimit { limit remaining resetAt cost used } }" }),
    );
    assert_eq!(first.header("x-ratelimit-resource"), Some("graphql"));
    let body = first.json();
    assert_eq!(body["data"]["viewer"]["login"], "octocat");
    let rate = &body["data"]["rateLimit"];
    assert_eq!(
        (
            rate["limit"].clone(),
            rate["remaining"].clone(),
            rate["cost"].clone()
        ),
        (json!(5000), json!(4999), json!(1))
    );
    assert!(rate["resetAt"].as_str().is_some_and(|r| r.ends_with('Z')));
    assert_eq!(s.gh.graphql_remaining("t"), 4999);
    assert_eq!(
        s.gh.rate_remaining(Some("t")),
        5000,
        "the REST budget is untouched"
    );

    let anonymous = request(s.gh.url(), "POST", "/graphql")
        .json(&json!({ "query": "{ viewer { login } }" }))
        .send();
    assert_eq!(anonymous.status, 401);
}

#[test]
fn many_pull_requests_in_one_query_with_aliases_checks_and_reviews() {
    let s = seeded();
    let second = s.gh.add_pull(
        REPO,
        ao_trackers::fake::PullRequest {
            draft: true,
            mergeable_state: MergeableState::Dirty,
            ..ao_trackers::fake::PullRequest::new("Draft", "wip")
        },
    );
    let sha = s.gh.pull(REPO, second).expect("pull").head_sha;
    s.gh.add_check_run(
        REPO,
        &sha,
        CheckRun::completed("test", CheckConclusion::Failure),
    );
    s.gh.add_status(
        REPO,
        &sha,
        CommitStatus::new("ci/legacy", StatusState::Pending),
    );
    s.gh.add_review(
        REPO,
        second,
        Review::new("hubot", ReviewState::ChangesRequested),
    );
    s.gh.merge_pull(REPO, s.pull, "octocat");

    let q = format!(
        r#"query {{
          repository(owner: "octocat", name: "Hello-World") {{
            a: pullRequest(number: {}) {{ ...State }}
            b: pullRequest(number: {second}) {{ ...State }}
          }}
        }}
        fragment State on PullRequest {{
          number state isDraft mergeable mergeStateStatus reviewDecision headRefName headRefOid
          commits(last: 1) {{ nodes {{ commit {{ oid statusCheckRollup {{
            state
            contexts(first: 50) {{
              totalCount
              pageInfo {{ hasNextPage endCursor }}
              nodes {{
                __typename
                ... on CheckRun {{ name status conclusion detailsUrl }}
                ... on StatusContext {{ context state targetUrl }}
              }}
            }}
          }} }} }} }}
          reviewThreads(first: 10) {{ totalCount nodes {{ isResolved path comments(first: 10) {{ nodes {{ body author {{ login }} }} }} }} }}
          reviews(last: 5, states: [APPROVED, CHANGES_REQUESTED]) {{ nodes {{ state author {{ login }} }} }}
        }}"#,
        s.pull
    );
    let body = query(&s, &q);
    assert!(body.get("errors").is_none(), "{body}");
    let a = &body["data"]["repository"]["a"];
    assert_eq!(a["state"], "MERGED");
    assert_eq!(a["reviewDecision"], "APPROVED");
    assert_eq!(a["mergeable"], "MERGEABLE");
    assert_eq!(a["headRefOid"], s.head_sha.as_str());
    let rollup = &a["commits"]["nodes"][0]["commit"]["statusCheckRollup"];
    assert_eq!(rollup["state"], "SUCCESS");
    assert_eq!(rollup["contexts"]["totalCount"], 2);
    assert_eq!(
        rollup["contexts"]["nodes"],
        json!([
            { "__typename": "CheckRun", "name": "mighty_readme", "status": "COMPLETED", "conclusion": "NEUTRAL", "detailsUrl": "https://ci.example.com/runs/1" },
            { "__typename": "StatusContext", "context": "continuous-integration/jenkins", "state": "SUCCESS", "targetUrl": "https://ci.example.com/1000/output" }
        ])
    );
    let threads = &a["reviewThreads"];
    assert_eq!(threads["totalCount"], 1);
    assert_eq!(threads["nodes"][0]["isResolved"], false);
    assert_eq!(
        threads["nodes"][0]["comments"]["nodes"][1]["body"],
        "Thanks!"
    );

    let b = &body["data"]["repository"]["b"];
    assert_eq!(
        (b["state"].clone(), b["isDraft"].clone()),
        (json!("OPEN"), json!(true))
    );
    assert_eq!(
        (b["mergeable"].clone(), b["mergeStateStatus"].clone()),
        (json!("CONFLICTING"), json!("DIRTY"))
    );
    assert_eq!(b["reviewDecision"], "CHANGES_REQUESTED");
    assert_eq!(
        b["commits"]["nodes"][0]["commit"]["statusCheckRollup"]["state"],
        "FAILURE"
    );
    assert_eq!(b["reviewThreads"]["nodes"], json!([]));

    s.gh.resolve_thread(REPO, s.pull, s.thread, true);
    let again = query(
        &s,
        &format!(
            "{{ repository(owner: \"octocat\", name: \"Hello-World\") {{ pullRequest(number: {}) {{ reviewThreads(first: 1) {{ nodes {{ isResolved }} }} }} }} }}",
            s.pull
        ),
    );
    assert_eq!(
        again["data"]["repository"]["pullRequest"]["reviewThreads"]["nodes"][0]["isResolved"],
        true
    );
}

#[test]
fn variables_issues_and_issue_or_pull_request_resolve() {
    let s = seeded();
    let body = post(&s, &json!({
        "query": "query Q($owner: String!, $name: String!, $n: Int!, $withLabels: Boolean = true) {
            repository(owner: $owner, name: $name) {
              nameWithOwner
              issue(number: $n) {
                number title state stateReason url
                labels(first: 10) @include(if: $withLabels) { nodes { name } }
                assignees(first: 5) { nodes { login } }
                comments(last: 1) { totalCount nodes { body author { login } } }
              }
              other: issueOrPullRequest(number: 2) { __typename ... on PullRequest { headRefName } }
            }
          }",
        "variables": { "owner": "octocat", "name": "Hello-World", "n": s.issue },
        "operationName": "Q",
    }))
    .json();
    assert!(body.get("errors").is_none(), "{body}");
    let repo = &body["data"]["repository"];
    assert_eq!(repo["nameWithOwner"], REPO);
    let issue = &repo["issue"];
    assert_eq!(issue["state"], "OPEN");
    assert_eq!(issue["stateReason"], Value::Null);
    assert_eq!(
        issue["url"],
        "https://github.com/octocat/Hello-World/issues/1"
    );
    assert_eq!(issue["labels"]["nodes"], json!([{ "name": "bug" }]));
    assert_eq!(issue["assignees"]["nodes"], json!([{ "login": "octocat" }]));
    assert_eq!(issue["comments"]["totalCount"], 1);
    assert_eq!(issue["comments"]["nodes"][0]["author"]["login"], "hubot");
    assert_eq!(
        repo["other"],
        json!({ "__typename": "PullRequest", "headRefName": "new-topic" })
    );
}

#[test]
fn connections_page_with_cursors() {
    let s = seeded();
    for i in 0..5 {
        s.gh.add_comment(REPO, s.issue, "hubot", &format!("c{i}"));
    }
    let page = |after: &str| {
        query(&s, &format!(
            "{{ repository(owner: \"octocat\", name: \"Hello-World\") {{ issue(number: 1) {{ comments(first: 4{after}) {{ totalCount pageInfo {{ hasNextPage endCursor }} edges {{ cursor node {{ body }} }} }} }} }} }}"
        ))["data"]["repository"]["issue"]["comments"]
            .clone()
    };
    let first = page("");
    assert_eq!(first["totalCount"], 6);
    assert_eq!(first["pageInfo"]["hasNextPage"], true);
    let cursor = first["pageInfo"]["endCursor"]
        .as_str()
        .expect("cursor")
        .to_owned();
    let second = page(&format!(", after: \"{cursor}\""));
    assert_eq!(second["pageInfo"]["hasNextPage"], false);
    let bodies: Vec<_> = second["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"]["body"].clone())
        .collect();
    assert_eq!(bodies, [json!("c3"), json!("c4")]);
}

#[test]
fn unsupported_or_wrong_documents_get_githubs_errors() {
    let s = seeded();
    let unknown_field = query(&s, "{ viewer { login company } }");
    assert!(unknown_field.get("data").is_none(), "{unknown_field}");
    assert_eq!(
        unknown_field["errors"][0]["message"],
        "Field 'company' doesn't exist on type 'User'"
    );
    assert_eq!(
        unknown_field["errors"][0]["extensions"]["code"],
        "undefinedField"
    );
    assert_eq!(unknown_field["errors"][0]["locations"][0]["line"], 1);

    let unknown_arg = query(&s, "{ rateLimit(bogus: 1) { cost } }");
    assert_eq!(
        unknown_arg["errors"][0]["message"],
        "Field 'rateLimit' doesn't accept argument 'bogus'"
    );

    let missing = query(
        &s,
        "{ repository(owner: \"octocat\", name: \"Hello-World\") { pullRequest(number: 999) { title } } }",
    );
    assert_eq!(missing["data"]["repository"]["pullRequest"], Value::Null);
    assert_eq!(missing["errors"][0]["type"], "NOT_FOUND");
    assert_eq!(
        missing["errors"][0]["path"],
        json!(["repository", "pullRequest"])
    );
    // An issue number is not a pull request.
    let not_pr = query(
        &s,
        "{ repository(owner: \"octocat\", name: \"Hello-World\") { pullRequest(number: 1) { title } } }",
    );
    assert_eq!(not_pr["errors"][0]["type"], "NOT_FOUND");
    let no_repo = query(
        &s,
        "{ repository(owner: \"nobody\", name: \"none\") { name } }",
    );
    assert_eq!(
        no_repo["errors"][0]["message"],
        "Could not resolve to a Repository with the name 'nobody/none'."
    );

    let unbounded = query(
        &s,
        "{ repository(owner: \"octocat\", name: \"Hello-World\") { issue(number: 1) { labels { totalCount } } } }",
    );
    assert_eq!(
        unbounded["errors"][0]["type"],
        "MISSING_PAGINATION_BOUNDARIES"
    );
    let excessive = query(
        &s,
        "{ repository(owner: \"octocat\", name: \"Hello-World\") { issue(number: 1) { labels(first: 101) { totalCount } } } }",
    );
    assert_eq!(excessive["errors"][0]["type"], "EXCESSIVE_PAGINATION");

    let scalar_selection = query(&s, "{ viewer { login { x } } }");
    assert!(
        scalar_selection["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("Selections can't be made on scalars"))
    );
    let object_leaf = query(&s, "{ viewer }");
    assert!(
        object_leaf["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("Field must have selections"))
    );

    let mutation = query(
        &s,
        "mutation { addComment(input: {subjectId: \"x\", body: \"y\"}) { clientMutationId } }",
    );
    assert_eq!(
        mutation["errors"][0]["extensions"]["code"],
        "unsupportedOperation"
    );
    let parse = query(&s, "{ viewer { login }");
    assert!(
        parse["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("Parse error")),
        "{parse}"
    );
    let missing_var = post(&s, &json!({ "query": "query($n: Int!) { repository(owner: \"o\", name: \"r\") { issue(number: $n) { title } } }" })).json();
    assert_eq!(
        missing_var["errors"][0]["extensions"]["code"],
        "variableMismatch"
    );
    let not_json = request(s.gh.url(), "POST", "/graphql")
        .token("t")
        .raw_body("nope")
        .send()
        .json();
    assert_eq!(not_json["errors"][0]["message"], "Problems parsing JSON");
    let bad_type = query(&s, "{ viewer { ... on Organization { login } } }");
    assert_eq!(bad_type["errors"][0]["extensions"]["code"], "undefinedType");
}

/// A document reaching an object of `ty` in the seeded world, with `{}` where its selection goes.
fn path_to(ty: &str, s: &Seeded) -> Option<String> {
    let repo = "repository(owner: \"octocat\", name: \"Hello-World\")";
    let pr = format!("{repo} {{ pullRequest(number: {}) {{ {{}} }} }}", s.pull);
    let issue = format!("{repo} {{ issue(number: {}) {{ {{}} }} }}", s.issue);
    let inside = |outer: &str, inner: &str| outer.replacen("{}", inner, 1);
    let rollup = inside(
        &pr,
        "commits(first: 1) { nodes { commit { statusCheckRollup { {} } } } }",
    );
    Some(match ty {
        "Query" => "{}".to_owned(),
        "RateLimit" => "rateLimit { {} }".to_owned(),
        "User" => "viewer { {} }".to_owned(),
        "Repository" => format!("{repo} {{ {{}} }}"),
        "Ref" => format!("{repo} {{ defaultBranchRef {{ {{}} }} }}"),
        "Issue" => issue,
        "PullRequest" => pr,
        "PullRequestCommit" => inside(&pr, "commits(first: 1) { nodes { {} } }"),
        "Commit" => inside(&pr, "commits(first: 1) { nodes { commit { {} } } }"),
        "StatusCheckRollup" => rollup,
        "CheckRun" => inside(
            &rollup,
            "contexts(first: 5) { nodes { ... on CheckRun { {} } } }",
        ),
        "StatusContext" => inside(
            &rollup,
            "contexts(first: 5) { nodes { ... on StatusContext { {} } } }",
        ),
        "PullRequestReview" => inside(&pr, "reviews(first: 1) { nodes { {} } }"),
        "PullRequestReviewThread" => inside(&pr, "reviewThreads(first: 1) { nodes { {} } }"),
        "PullRequestReviewComment" => inside(
            &pr,
            "reviewThreads(first: 1) { nodes { comments(first: 1) { nodes { {} } } } }",
        ),
        "IssueComment" => inside(&issue, "comments(first: 1) { nodes { {} } }"),
        "Label" => inside(&issue, "labels(first: 1) { nodes { {} } }"),
        "ReviewRequest" => inside(&pr, "reviewRequests(first: 1) { nodes { {} } }"),
        "*Connection" => inside(&issue, "labels(first: 1) { {} }"),
        "*Edge" => inside(&issue, "labels(first: 1) { edges { {} } }"),
        "PageInfo" => inside(&issue, "labels(first: 1) { pageInfo { {} } }"),
        _ => return None,
    })
}

/// How to select a field: arguments and a sub-selection where it needs them.
fn selection(ty: &str, field: &str, s: &Seeded) -> String {
    const OBJECTS: &[&str] = &[
        "rateLimit",
        "viewer",
        "owner",
        "defaultBranchRef",
        "target",
        "author",
        "repository",
        "mergedBy",
        "headRepository",
        "commit",
        "statusCheckRollup",
        "requestedReviewer",
        "node",
        "pageInfo",
        "nodes",
        "edges",
    ];
    const CONNECTIONS: &[&str] = &[
        "labels",
        "assignees",
        "comments",
        "reviews",
        "reviewThreads",
        "reviewRequests",
        "commits",
        "contexts",
        "pullRequests",
    ];
    match field {
        "repository" if ty == "Query" => {
            "repository(owner: \"octocat\", name: \"Hello-World\") { __typename }".to_owned()
        }
        "issue" | "issueOrPullRequest" => format!("{field}(number: {}) {{ __typename }}", s.issue),
        "pullRequest" => format!("pullRequest(number: {}) {{ __typename }}", s.pull),
        "object" => format!("object(oid: \"{}\") {{ __typename }}", s.head_sha),
        f if CONNECTIONS.contains(&f) => format!("{f}(first: 1) {{ totalCount }}"),
        f if OBJECTS.contains(&f) => format!("{f} {{ __typename }}"),
        f => f.to_owned(),
    }
}

#[test]
fn every_documented_graphql_field_resolves() {
    let s = seeded();
    let mut failures = Vec::new();
    for (ty, fields) in ao_trackers::fake::GRAPHQL_FIELDS {
        let Some(path) = path_to(ty, &s) else {
            failures.push(format!("{ty}: no path to it in this test"));
            continue;
        };
        for field in *fields {
            let document = format!(
                "{{ {} }}",
                path.replacen("{}", &selection(ty, field, &s), 1)
            );
            let body = query(&s, &document);
            if body.get("errors").is_some() || body.get("data").is_none() {
                failures.push(format!("{ty}.{field}: {body}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_documented_graphql_field_exists_in_githubs_schema() {
    let Some(schema) = crate::api_shape::graphql_schema() else {
        return;
    };
    let fields_of = |name: &str| -> Option<Vec<String>> {
        use apollo_compiler::schema::ExtendedType;
        match schema.types.get(name)? {
            ExtendedType::Object(o) => Some(o.fields.keys().map(|k| k.to_string()).collect()),
            ExtendedType::Interface(i) => Some(i.fields.keys().map(|k| k.to_string()).collect()),
            _ => Some(Vec::new()),
        }
    };
    let mut failures = Vec::new();
    for (ty, fields) in ao_trackers::fake::GRAPHQL_FIELDS {
        let concrete = match *ty {
            "*Connection" => "LabelConnection",
            "*Edge" => "LabelEdge",
            other => other,
        };
        let Some(known) = fields_of(concrete) else {
            failures.push(format!("type {concrete} is not in GitHub's schema"));
            continue;
        };
        for field in *fields {
            if !known.iter().any(|k| k == field) {
                failures.push(format!("{concrete}.{field} is not in GitHub's schema"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn pull_requests_filter_order_and_page_and_forks_say_where_their_head_lives() {
    use ao_trackers::fake::{FakeGitHub, Permission, PullRequest, PullState, Repo};
    let gh = FakeGitHub::start();
    gh.add_repo(Repo::new("acme/app"));
    gh.add_repo(Repo {
        viewer_permission: Some(Permission::Read),
        ..Repo::new("bob/app")
    });
    let own = gh.add_pull("acme/app", PullRequest::new("own", "feat/x"));
    let fork = gh.add_pull(
        "acme/app",
        PullRequest {
            maintainer_can_modify: true,
            ..PullRequest::from_fork("fork", "bob/app", "feat/x")
        },
    );
    let gone = gh.add_pull(
        "acme/app",
        PullRequest::from_fork("deleted fork", "carol/app", "feat/x"),
    );
    let closed = gh.add_pull(
        "acme/app",
        PullRequest {
            state: PullState::Closed,
            ..PullRequest::new("closed", "feat/x")
        },
    );
    gh.add_pull("acme/app", PullRequest::new("other branch", "feat/y"));
    let post = |q: &str| {
        request(gh.url(), "POST", "/graphql")
            .token("t")
            .json(&json!({ "query": q }))
            .send()
            .json()
    };
    let body = post(
        r#"{ repository(owner: "acme", name: "app") { viewerPermission
            newest: pullRequests(headRefName: "feat/x", first: 3, orderBy: {field: CREATED_AT, direction: DESC}) {
              totalCount pageInfo { hasNextPage endCursor }
              nodes { number isCrossRepository maintainerCanModify headRepository { nameWithOwner viewerPermission } }
            }
            open: pullRequests(headRefName: "feat/x", states: [OPEN], first: 10) { nodes { number } }
          } }"#,
    );
    assert!(body.get("errors").is_none(), "{body}");
    let repo = &body["data"]["repository"];
    assert_eq!(repo["viewerPermission"], "ADMIN");
    let newest = &repo["newest"];
    assert_eq!(newest["totalCount"], 4);
    assert_eq!(newest["pageInfo"]["hasNextPage"], true);
    let nodes = newest["nodes"].as_array().unwrap();
    assert_eq!(
        nodes
            .iter()
            .map(|n| n["number"].clone())
            .collect::<Vec<_>>(),
        [json!(closed), json!(gone), json!(fork)]
    );
    assert_eq!(nodes[1]["isCrossRepository"], true);
    assert_eq!(
        nodes[1]["headRepository"],
        Value::Null,
        "a fork the world lacks"
    );
    assert_eq!(
        nodes[2]["headRepository"],
        json!({ "nameWithOwner": "bob/app", "viewerPermission": "READ" })
    );
    assert_eq!(nodes[2]["maintainerCanModify"], true);
    let open: Vec<Value> = repo["open"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["number"].clone())
        .collect();
    assert_eq!(
        open,
        [json!(own), json!(fork), json!(gone)],
        "oldest first by default"
    );

    let own_head = post(&format!(
        r#"{{ repository(owner: "acme", name: "app") {{ pullRequest(number: {own}) {{ isCrossRepository headRepository {{ nameWithOwner }} statusCheckRollup {{ state }} }} }} }}"#
    ));
    assert_eq!(
        own_head["data"]["repository"]["pullRequest"],
        json!({ "isCrossRepository": false, "headRepository": { "nameWithOwner": "acme/app" }, "statusCheckRollup": null })
    );
    let bad_order = post(
        r#"{ repository(owner: "acme", name: "app") { pullRequests(first: 1, orderBy: {field: NAME, direction: ASC}) { totalCount } } }"#,
    );
    assert!(
        bad_order["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("orderBy")
    );
}

#[test]
fn a_commit_is_found_by_oid_and_its_checks_page_like_any_connection() {
    let s = seeded();
    for i in 0..3 {
        s.gh.add_check_run(
            REPO,
            &s.head_sha,
            CheckRun::completed(&format!("extra-{i}"), CheckConclusion::Success),
        );
    }
    let page = |after: &str| {
        query(
            &s,
            &format!(
                r#"{{ repository(owner: "octocat", name: "Hello-World") {{ object(oid: "{}") {{ __typename ... on Commit {{ oid statusCheckRollup {{ contexts(first: 3{after}) {{ totalCount pageInfo {{ hasNextPage endCursor }} nodes {{ __typename ... on CheckRun {{ name title }} ... on StatusContext {{ context }} }} }} }} }} }} }} }}"#,
                s.head_sha
            ),
        )["data"]["repository"]["object"]
            .clone()
    };
    let first = page("");
    assert_eq!(first["__typename"], "Commit");
    let contexts = &first["statusCheckRollup"]["contexts"];
    assert_eq!(contexts["totalCount"], 5, "4 check runs and a status");
    let cursor = contexts["pageInfo"]["endCursor"]
        .as_str()
        .unwrap()
        .to_owned();
    let rest = page(&format!(", after: \"{cursor}\""));
    let names: Vec<Value> = rest["statusCheckRollup"]["contexts"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            n["name"]
                .clone()
                .as_str()
                .map_or(n["context"].clone(), Value::from)
        })
        .collect();
    assert_eq!(
        names,
        [json!("extra-2"), json!("continuous-integration/jenkins")]
    );
    let unknown = query(
        &s,
        r#"{ repository(owner: "octocat", name: "Hello-World") { object(oid: "0000000000000000000000000000000000000000") { __typename } } }"#,
    );
    assert_eq!(unknown["data"]["repository"]["object"], Value::Null);
}

#[test]
fn queries_cost_what_github_charges_and_too_many_nodes_are_refused() {
    let s = seeded();
    // GitHub's own example, on pull requests: 1 + 100 + 100·50 requests → 51 points, and
    // 100 + 100·50 + 100·50·60 nodes.
    let body = query(
        &s,
        r#"{ rateLimit { cost nodeCount remaining } repository(owner: "octocat", name: "Hello-World") {
            pullRequests(first: 100) { nodes { reviewThreads(first: 50) { nodes { comments(first: 60) { nodes { body } } } } } } } }"#,
    );
    let rate = &body["data"]["rateLimit"];
    assert_eq!(
        (
            rate["cost"].clone(),
            rate["nodeCount"].clone(),
            rate["remaining"].clone()
        ),
        (json!(51), json!(305_100), json!(4949))
    );
    assert_eq!(s.gh.graphql_remaining("t"), 4949);
    let cheap = query(&s, "{ rateLimit { cost } viewer { login } }");
    assert_eq!(cheap["data"]["rateLimit"]["cost"], 1, "at least one point");
    let too_big = query(
        &s,
        r#"{ repository(owner: "octocat", name: "Hello-World") {
            pullRequests(first: 100) { nodes { reviewThreads(first: 100) { nodes { comments(first: 100) { totalCount } } } } } } }"#,
    );
    assert_eq!(too_big["errors"][0]["type"], "MAX_NODE_LIMIT_EXCEEDED");
    assert!(too_big.get("data").is_none());
    // Aliases are separate fields, each charged.
    let aliased = query(
        &s,
        r#"{ rateLimit { cost } repository(owner: "octocat", name: "Hello-World") {
            a: pullRequests(first: 100) { nodes { comments(first: 100) { totalCount } } }
            b: pullRequests(first: 100) { nodes { comments(first: 100) { totalCount } } } } }"#,
    );
    assert_eq!(aliased["data"]["rateLimit"]["cost"], 2);
    assert_eq!(
        aliased["data"]["repository"]["a"],
        aliased["data"]["repository"]["b"]
    );
}

#[test]
fn the_request_log_says_what_each_request_cost_and_which_repositories_it_read() {
    let s = seeded();
    s.gh.add_repo(ao_trackers::fake::Repo::new("acme/other"));
    s.gh.clear_requests();
    query(
        &s,
        r#"{ a: repository(owner: "octocat", name: "hello-world") { name } b: repository(owner: "acme", name: "other") { name } }"#,
    );
    let listed = super::http::get(s.gh.url(), "/repos/octocat/Hello-World/pulls")
        .token("t")
        .send();
    let etag = listed.header("etag").unwrap().to_owned();
    let again = super::http::get(s.gh.url(), "/repos/octocat/Hello-World/pulls")
        .token("t")
        .header("if-none-match", &etag)
        .send();
    assert_eq!(again.status, 304);
    super::http::get(s.gh.url(), "/rate_limit")
        .token("t")
        .send();
    let log = s.gh.requests();
    let summary: Vec<(bool, u32, Vec<String>)> = log
        .iter()
        .map(|r| (r.is_graphql(), r.cost, r.repositories.clone()))
        .collect();
    assert_eq!(
        summary,
        [
            (true, 1, vec![REPO.to_owned(), "acme/other".to_owned()]),
            (false, 1, vec![REPO.to_owned()]),
            (false, 0, vec![REPO.to_owned()]),
            (false, 0, vec![]),
        ]
    );
    assert_eq!(s.gh.graphql_requests("ACME/other"), 1);
    assert_eq!(
        s.gh.counted_requests(REPO),
        2,
        "the query and the first list read"
    );
}
