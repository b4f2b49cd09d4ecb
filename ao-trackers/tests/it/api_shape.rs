//! The client's view of GitHub checked against GitHub's own descriptions: every REST route in
//! `ROUTES` exists in the OpenAPI description with its method, the description's response
//! examples for those routes parse into the client's types, and every GraphQL document in
//! `DOCUMENTS` validates against the published schema.
//!
//! The descriptions come from npm (`@octokit/openapi`, `@octokit/graphql-schema`), which
//! `.ci/run` installs and points to with `AO_GITHUB_OPENAPI` and `AO_GITHUB_GRAPHQL_SCHEMA`.
//! Without them (and without the copy `.ci/run` caches) these tests skip with a notice, except
//! under `CI=true` or when the variable is set, where they fail. The
//! checkers themselves are tested on small inline descriptions, so that a checker that accepts
//! everything cannot pass unnoticed.

use std::path::PathBuf;
use std::sync::OnceLock;

use ao_trackers::github::documents::{DOCUMENTS, Document};
use ao_trackers::github::routes::{Answer, GET_ISSUE, Method, ROUTES, Route};
use apollo_compiler::validation::Valid;
use apollo_compiler::{ExecutableDocument, Schema};
use serde_json::{Value, json};

const OPENAPI_VAR: &str = "AO_GITHUB_OPENAPI";
const SCHEMA_VAR: &str = "AO_GITHUB_GRAPHQL_SCHEMA";

/// The file `var` names, else the copy `.ci/run` caches at `cached` under `~/.cache/ao-ci/github-api`;
/// `None` (with a notice) when neither is there, a failure under CI.
fn require(var: &str, cached: &str) -> Option<PathBuf> {
    let from_cache = || {
        let cache = std::env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
        Some(cache.join("ao-ci/github-api/node_modules").join(cached))
    };
    let path = match std::env::var_os(var) {
        Some(set) => Some(PathBuf::from(set)),
        None => from_cache(),
    }
    .filter(|p| p.is_file());
    match path {
        Some(p) => Some(p),
        None if std::env::var_os(var).is_some()
            || std::env::var("CI").is_ok_and(|v| v == "true") =>
        {
            panic!(
                "{var} does not name a file; .ci/run installs GitHub's API descriptions and sets it"
            )
        }
        None => {
            eprintln!(
                "skipping: {var} does not name a file (.ci/run installs GitHub's API descriptions)"
            );
            None
        }
    }
}

/// GitHub's OpenAPI description, parsed once per test binary.
pub(crate) fn openapi() -> Option<&'static Value> {
    static SPEC: OnceLock<Option<Value>> = OnceLock::new();
    SPEC.get_or_init(|| {
        let path = require(
            OPENAPI_VAR,
            "@octokit/openapi/generated/api.github.com.json",
        )?;
        let text = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        Some(serde_json::from_slice(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
    })
    .as_ref()
}

/// GitHub's GraphQL schema, parsed and validated once per test binary.
pub(crate) fn graphql_schema() -> Option<&'static Valid<Schema>> {
    static SCHEMA: OnceLock<Option<Valid<Schema>>> = OnceLock::new();
    SCHEMA
        .get_or_init(|| {
            let path = require(SCHEMA_VAR, "@octokit/graphql-schema/schema.graphql")?;
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            Some(parse_schema(&text, &path.display().to_string()))
        })
        .as_ref()
}

/// The schema in `sdl`. GitHub's published schema declares a few object fields twice (with the
/// same type); apollo-compiler reports that and keeps the first definition, which is as good as
/// the second. Any other problem fails.
pub(crate) fn try_parse_schema(sdl: &str, name: &str) -> Result<Valid<Schema>, Vec<String>> {
    match Schema::parse_and_validate(sdl, name) {
        Ok(schema) => Ok(schema),
        Err(with) => {
            let other: Vec<String> = with
                .errors
                .iter()
                .map(|d| d.to_json().message)
                .filter(|m| {
                    !(m.starts_with("duplicate definitions for the `")
                        && m.contains("` field of object type `"))
                })
                .collect();
            if !other.is_empty() {
                return Err(other);
            }
            eprintln!(
                "notice: {name} defines {} object fields twice; the first definitions are used",
                with.errors.len()
            );
            Ok(Valid::assume_valid(with.partial))
        }
    }
}

pub(crate) fn parse_schema(sdl: &str, name: &str) -> Valid<Schema> {
    try_parse_schema(sdl, name).unwrap_or_else(|e| panic!("{name} is not a valid schema: {e:#?}"))
}

// ---- the checkers ----

/// What is wrong with `routes` according to the OpenAPI description `spec`.
fn route_problems(spec: &Value, routes: &[(Method, &str)]) -> Vec<String> {
    let paths = &spec["paths"];
    routes
        .iter()
        .filter_map(|(method, path)| match paths.get(*path) {
            None => Some(format!("{path}: no such path in GitHub's REST API")),
            Some(ops) if ops.get(method.openapi_name()).is_none() => Some(format!(
                "{path}: no {} operation (it has {})",
                method.as_str(),
                ops.as_object()
                    .map(|o| o.keys().cloned().collect::<Vec<_>>().join(", "))
                    .unwrap_or_default()
            )),
            Some(_) => None,
        })
        .collect()
}

/// Follows `$ref`s (`#/components/...`) until `v` is not one.
pub(crate) fn resolve<'a>(spec: &'a Value, mut v: &'a Value) -> &'a Value {
    for _ in 0..16 {
        match v.get("$ref").and_then(Value::as_str) {
            Some(r) => match spec.pointer(r.trim_start_matches('#')) {
                Some(target) => v = target,
                None => return &Value::Null,
            },
            None => return v,
        }
    }
    v
}

/// The JSON response examples of the successful answer of `method path`, by name.
fn response_examples(spec: &Value, method: Method, path: &str) -> Vec<(String, Value)> {
    let Some(op) = spec["paths"]
        .get(path)
        .and_then(|p| p.get(method.openapi_name()))
    else {
        return Vec::new();
    };
    let Some(responses) = op["responses"].as_object() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (status, response) in responses {
        if !status.starts_with('2') {
            continue;
        }
        let response = resolve(spec, response);
        let Some(examples) = response["content"]["application/json"]["examples"].as_object() else {
            continue;
        };
        for (name, example) in examples {
            // An Example Object, maybe by $ref; its `value` may itself be a $ref to another
            // Example Object (a habit of GitHub's description), whose `value` is the example.
            let example = resolve(spec, example);
            let value = &example["value"];
            let value = match value.get("$ref").and_then(Value::as_str) {
                Some(r) if r.starts_with("#/components/examples/") => {
                    &resolve(spec, value)["value"]
                }
                _ => resolve(spec, value),
            };
            out.push((format!("{status} {name}"), value.clone()));
        }
    }
    out
}

/// What does not parse among the examples of `route`'s answers (none at all is a problem too).
fn example_problems(spec: &Value, route: &Route) -> Vec<String> {
    let examples = response_examples(spec, route.method, route.path);
    if examples.is_empty() {
        return vec![format!(
            "{} {}: no JSON response example",
            route.method.as_str(),
            route.path
        )];
    }
    examples
        .into_iter()
        .filter_map(|(name, value)| {
            route.answer.check(&value).err().map(|e| {
                format!(
                    "{} {} example {name}: {e}",
                    route.method.as_str(),
                    route.path
                )
            })
        })
        .collect()
}

/// What is wrong with `documents` according to `schema`.
fn document_problems(schema: &Valid<Schema>, documents: &[Document]) -> Vec<String> {
    validation_problems(schema, documents.iter().map(|d| (d.name, d.text)))
}

/// What is wrong with the `(name, text)` documents according to `schema` (any service's).
pub(crate) fn validation_problems<'a>(
    schema: &Valid<Schema>,
    documents: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Vec<String> {
    documents
        .into_iter()
        .filter_map(|(name, text)| {
            ExecutableDocument::parse_and_validate(schema, text, format!("{name}.graphql"))
                .err()
                .map(|e| format!("{name}: {}", e.errors))
        })
        .collect()
}

fn routes() -> Vec<(Method, &'static str)> {
    ROUTES.iter().map(|r| (r.method, r.path)).collect()
}

// ---- the checks against GitHub's descriptions ----

#[test]
fn every_rest_route_exists_in_githubs_openapi_description() {
    let Some(spec) = openapi() else { return };
    let problems = route_problems(spec, &routes());
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn the_descriptions_response_examples_parse_into_the_clients_types() {
    let Some(spec) = openapi() else { return };
    let problems: Vec<String> = ROUTES
        .iter()
        .flat_map(|r| example_problems(spec, r))
        .collect();
    assert!(problems.is_empty(), "{problems:#?}");
    // The issue example is read as GitHub means it, not merely accepted.
    let (_, issue) = response_examples(spec, GET_ISSUE.method, GET_ISSUE.path)
        .into_iter()
        .next()
        .expect("an issue example");
    let number = issue["number"].as_u64().expect("a number");
    assert!(number > 0);
}

#[test]
fn every_graphql_document_validates_against_githubs_schema() {
    let Some(schema) = graphql_schema() else {
        return;
    };
    assert!(!DOCUMENTS.is_empty());
    let problems = document_problems(schema, DOCUMENTS);
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn every_pull_request_batch_the_builder_makes_validates_against_githubs_schema() {
    use ao_trackers::github::documents::{Part, pr_batch};
    let Some(schema) = graphql_schema() else {
        return;
    };
    let kinds = [
        Part::Number,
        Part::Branch,
        Part::MoreContexts,
        Part::MoreThreads,
    ];
    let mut problems = Vec::new();
    // Every non-empty combination of kinds, each kind twice: the fragments a document carries
    // depend on which kinds it has (GitHub refuses an unused fragment).
    for mask in 1..16_u32 {
        let parts: Vec<Part> = kinds
            .iter()
            .enumerate()
            .filter(|(i, _)| mask & (1 << i) != 0)
            .flat_map(|(_, k)| [*k, *k])
            .collect();
        let text = pr_batch(&parts);
        if let Err(e) = ExecutableDocument::parse_and_validate(schema, &text, "PrBatch.graphql") {
            problems.push(format!("{parts:?}: {}", e.errors));
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn misspellings_fail_against_githubs_descriptions() {
    if let Some(spec) = openapi() {
        let wrong = route_problems(
            spec,
            &[
                (Method::Get, "/repos/{owner}/{repo}/issuez/{issue_number}"),
                (
                    Method::Delete,
                    "/repos/{owner}/{repo}/issues/{issue_number}",
                ),
            ],
        );
        assert_eq!(wrong.len(), 2, "{wrong:#?}");
    }
    if let Some(schema) = graphql_schema() {
        let wrong = document_problems(
            schema,
            &[Document {
                name: "Misspelt",
                text: "query Misspelt { rateLimit { remainingg } viewer { login } }",
            }],
        );
        assert_eq!(wrong.len(), 1, "{wrong:#?}");
        assert!(wrong[0].contains("remainingg"), "{wrong:#?}");
    }
}

// ---- the checkers on small descriptions (always run) ----

fn tiny_spec() -> Value {
    json!({
        "paths": {
            "/repos/{owner}/{repo}/issues/{issue_number}": {
                "get": {"responses": {
                    "200": {"content": {"application/json": {"examples": {
                        "default": {"value": {"$ref": "#/components/examples/issue"}}
                    }}}},
                    "404": {"description": "x"}
                }}
            },
            "/repos/{owner}/{repo}/issues": {
                "get": {"responses": {"200": {"$ref": "#/components/responses/issue-list"}}}
            }
        },
        "components": {
            "examples": {
                "issue": {"value": {"number": 1, "title": "t", "html_url": "u", "state": "open"}},
                "bad-issues": {"value": [{"number": "one", "title": "t", "html_url": "u", "state": "open"}]}
            },
            "responses": {
                "issue-list": {"content": {"application/json": {"examples": {
                    "default": {"$ref": "#/components/examples/bad-issues"}
                }}}}
            }
        }
    })
}

#[test]
fn the_route_checker_reports_a_misspelt_route_or_method() {
    let spec = tiny_spec();
    assert!(route_problems(&spec, &[(Method::Get, GET_ISSUE.path)]).is_empty());
    let wrong = route_problems(
        &spec,
        &[
            (Method::Get, "/repos/{owner}/{repo}/issuez/{issue_number}"),
            (Method::Patch, GET_ISSUE.path),
        ],
    );
    assert_eq!(wrong.len(), 2, "{wrong:#?}");
    assert!(
        wrong[0].contains("issuez") && wrong[1].contains("no PATCH"),
        "{wrong:#?}"
    );
}

#[test]
fn the_example_checker_follows_refs_and_reports_what_does_not_parse() {
    let spec = tiny_spec();
    let examples = response_examples(&spec, Method::Get, GET_ISSUE.path);
    assert_eq!(examples.len(), 1, "only the 2xx answer's examples");
    assert_eq!(examples[0].1["number"], 1);
    assert!(example_problems(&spec, &GET_ISSUE).is_empty());
    let list = Route {
        method: Method::Get,
        path: "/repos/{owner}/{repo}/issues",
        answer: Answer::Issues,
    };
    let wrong = example_problems(&spec, &list);
    assert_eq!(wrong.len(), 1, "{wrong:#?}");
    assert!(wrong[0].contains("invalid type"), "{wrong:#?}");
    let no_examples = Route {
        method: Method::Get,
        path: "/nowhere",
        answer: Answer::Issue,
    };
    assert_eq!(example_problems(&spec, &no_examples).len(), 1);
}

#[test]
fn a_field_defined_twice_is_tolerated_but_nothing_else_is() {
    let schema = parse_schema(
        "type Query { viewer: User! }
         type User { login: String! login: String! }",
        "twice.graphql",
    );
    let good = Document {
        name: "Good",
        text: "query Good { viewer { login } }",
    };
    assert!(document_problems(&schema, &[good]).is_empty());
    let broken = try_parse_schema("type Query { viewer: Nope }", "broken.graphql");
    assert!(broken.is_err(), "an undefined type is not tolerated");
}

#[test]
fn the_document_checker_reports_a_misspelt_field() {
    let schema = parse_schema(
        "type Query { rateLimit: RateLimit viewer: User! }
         type RateLimit { limit: Int! remaining: Int! used: Int! resetAt: String! }
         type User { login: String! }",
        "tiny.graphql",
    );
    let good = Document {
        name: "Good",
        text: "query Good { rateLimit { limit remaining used resetAt } viewer { login } }",
    };
    assert!(document_problems(&schema, &[good]).is_empty());
    let wrong = document_problems(
        &schema,
        &[
            Document {
                name: "Field",
                text: "query Field { rateLimit { remainingg } }",
            },
            Document {
                name: "Syntax",
                text: "query Syntax { viewer { login }",
            },
        ],
    );
    assert_eq!(wrong.len(), 2, "{wrong:#?}");
}
