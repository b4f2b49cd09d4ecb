//! The fake against GitHub's official OpenAPI description (npm `@octokit/openapi`, file
//! `generated/api.github.com.json`): every route it serves exists there with that method, and
//! every response carries every key of the description's examples for that route, with
//! compatible JSON types, recursively — so the fake cannot drift from GitHub unnoticed.
//!
//! The description is found as `crate::api_shape` finds it.

use ao_trackers::fake::ROUTES;
use serde_json::{Value, json};

use super::http::{get, request};
use super::{REPO, seeded};
use crate::api_shape::{openapi, resolve};

/// The schemas a schema is made of (itself, and its `allOf`/`anyOf`/`oneOf` parts).
fn parts<'a>(spec: &'a Value, schema: &'a Value) -> Vec<&'a Value> {
    let schema = resolve(spec, schema);
    let mut out = vec![schema];
    for key in ["allOf", "anyOf", "oneOf"] {
        if let Some(Value::Array(alts)) = schema.get(key) {
            for alt in alts {
                out.extend(parts(spec, alt));
            }
        }
    }
    out
}

fn property<'a>(spec: &'a Value, schema: Option<&'a Value>, key: &str) -> Option<&'a Value> {
    parts(spec, schema?)
        .into_iter()
        .find_map(|s| s.get("properties").and_then(|p| p.get(key)))
}

fn items<'a>(spec: &'a Value, schema: Option<&'a Value>) -> Option<&'a Value> {
    parts(spec, schema?)
        .into_iter()
        .find_map(|s| s.get("items"))
}

fn nullable(spec: &Value, schema: Option<&Value>) -> bool {
    schema.is_some_and(|s| {
        parts(spec, s).into_iter().any(|p| {
            p.get("nullable") == Some(&Value::Bool(true)) || p.get("type") == Some(&json!("null"))
        })
    })
}

fn required(spec: &Value, schema: Option<&Value>, key: &str) -> bool {
    schema.is_some_and(|s| {
        parts(spec, s).into_iter().any(|p| {
            p.get("required")
                .and_then(Value::as_array)
                .is_some_and(|r| r.iter().any(|k| k == key))
        })
    })
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Compares a fake response with an example: every example key present (unless allowed to be
/// absent and not required by the schema), same JSON types, `null` only where the schema
/// allows it (or the example has it).
struct Check<'a> {
    spec: &'a Value,
    route: String,
    may_omit: &'a [&'a str],
    failures: Vec<String>,
}

impl Check<'_> {
    fn compare(&mut self, example: &Value, actual: &Value, schema: Option<&Value>, path: &str) {
        match (example, actual) {
            (Value::Null, _) => {}
            (_, Value::Null) => {
                if !nullable(self.spec, schema) {
                    self.fail(path, &format!("is null, the example has {}", kind(example)));
                }
            }
            (Value::Object(ex), Value::Object(act)) => {
                for (key, ex_value) in ex {
                    let sub = property(self.spec, schema, key);
                    let sub_path = format!("{path}.{key}");
                    match act.get(key) {
                        Some(act_value) => self.compare(ex_value, act_value, sub, &sub_path),
                        None if self.may_omit.contains(&sub_path.as_str()) => {
                            if required(self.spec, schema, key) {
                                self.fail(
                                    &sub_path,
                                    "is allowed to be absent but the schema requires it",
                                );
                            }
                        }
                        None => self.fail(&sub_path, "is missing"),
                    }
                }
            }
            (Value::Array(ex), Value::Array(act)) => {
                let item_schema = items(self.spec, schema);
                if let Some(first) = ex.first() {
                    for item in act {
                        self.compare(first, item, item_schema, &format!("{path}[]"));
                    }
                }
            }
            (ex, act) if kind(ex) == kind(act) => {}
            (ex, act) => self.fail(
                path,
                &format!("is {}, the example has {}", kind(act), kind(ex)),
            ),
        }
    }

    fn fail(&mut self, path: &str, what: &str) {
        self.failures.push(format!("{}: {path} {what}", self.route));
    }
}

/// The examples (and schema) of a route's response with this status.
fn examples<'a>(
    spec: &'a Value,
    method: &str,
    path: &str,
    status: u16,
) -> (Vec<(String, &'a Value)>, Option<&'a Value>) {
    let op = &spec["paths"][path][method];
    let response = resolve(spec, &op["responses"][status.to_string()]);
    let content = &response["content"]["application/json"];
    let schema = content.get("schema");
    let mut out = Vec::new();
    if let Some(Value::Object(map)) = content.get("examples") {
        for (name, example) in map {
            // `{"value": …}`, or `{"$ref"}` to one, whose value may itself be a `$ref` to one.
            let raw = &resolve(spec, example)["value"];
            let value = if raw.get("$ref").is_some() {
                &resolve(spec, raw)["value"]
            } else {
                raw
            };
            out.push((name.clone(), value));
        }
    }
    (out, schema)
}

#[test]
fn every_route_the_fake_serves_exists_in_the_openapi_description() {
    let Some(spec) = openapi() else { return };
    let missing: Vec<_> = ROUTES
        .iter()
        .filter(|(method, path)| spec["paths"][path][method].is_null())
        .collect();
    assert!(
        missing.is_empty(),
        "routes absent from GitHub's description: {missing:?}"
    );
}

/// A route, the status it answers, a request to it, and the keys that may be absent.
type Case<'a> = ((&'a str, &'a str), u16, super::http::Request, &'a [&'a str]);

#[test]
fn every_response_carries_every_key_of_the_openapi_examples() {
    let Some(spec) = openapi() else { return };
    let s = seeded();
    let base = s.gh.url().to_owned();
    let (issue, pull, sha) = (s.issue, s.pull, s.head_sha.clone());
    let repo = format!("/repos/{REPO}");

    // Keys GitHub itself leaves out in the situation the fake is in; each must be optional in
    // the schema (checked).
    let plain_issue: &[&str] = &["$.pull_request"];
    let listed_issues: &[&str] = &["$[].pull_request"];
    let not_a_fork: &[&str] = &["$.parent", "$.source"];
    let thread_roots: &[&str] = &["$[].in_reply_to_id"];

    // (route, status, request, keys that may be absent)
    let cases: Vec<Case<'_>> = vec![
        (
            ("get", "/rate_limit"),
            200,
            get(&base, "/rate_limit").token("t"),
            &[],
        ),
        (
            ("get", "/repos/{owner}/{repo}"),
            200,
            get(&base, &repo).token("t"),
            not_a_fork,
        ),
        (
            ("get", "/repos/{owner}/{repo}/issues/{issue_number}"),
            200,
            get(&base, &format!("{repo}/issues/{issue}")),
            plain_issue,
        ),
        (
            ("get", "/repos/{owner}/{repo}/issues/{issue_number}"),
            200,
            get(&base, &format!("{repo}/issues/{pull}")),
            &[],
        ),
        (
            ("patch", "/repos/{owner}/{repo}/issues/{issue_number}"),
            200,
            request(&base, "PATCH", &format!("{repo}/issues/{issue}"))
                .json(&json!({ "title": "Found a bug", "state": "closed" })),
            plain_issue,
        ),
        (
            ("get", "/repos/{owner}/{repo}/issues"),
            200,
            get(&base, &format!("{repo}/issues?state=all")),
            listed_issues,
        ),
        (
            (
                "post",
                "/repos/{owner}/{repo}/issues/{issue_number}/comments",
            ),
            201,
            request(&base, "POST", &format!("{repo}/issues/{issue}/comments"))
                .json(&json!({ "body": "Me too" })),
            &[],
        ),
        (
            ("post", "/repos/{owner}/{repo}/issues/{issue_number}/labels"),
            200,
            request(&base, "POST", &format!("{repo}/issues/{issue}/labels"))
                .json(&json!({ "labels": ["enhancement"] })),
            &[],
        ),
        (
            (
                "delete",
                "/repos/{owner}/{repo}/issues/{issue_number}/labels/{name}",
            ),
            200,
            request(
                &base,
                "DELETE",
                &format!("{repo}/issues/{issue}/labels/enhancement"),
            ),
            &[],
        ),
        (
            ("get", "/repos/{owner}/{repo}/pulls"),
            200,
            get(&base, &format!("{repo}/pulls?state=all")),
            &[],
        ),
        (
            ("get", "/repos/{owner}/{repo}/pulls/{pull_number}"),
            200,
            get(&base, &format!("{repo}/pulls/{pull}")),
            &[],
        ),
        (
            ("get", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews"),
            200,
            get(&base, &format!("{repo}/pulls/{pull}/reviews")),
            &[],
        ),
        (
            ("get", "/repos/{owner}/{repo}/pulls/{pull_number}/comments"),
            200,
            get(&base, &format!("{repo}/pulls/{pull}/comments")),
            thread_roots,
        ),
        (
            ("get", "/repos/{owner}/{repo}/commits/{ref}/check-runs"),
            200,
            get(&base, &format!("{repo}/commits/{sha}/check-runs")),
            &[],
        ),
        (
            ("get", "/repos/{owner}/{repo}/commits/{ref}/status"),
            200,
            get(&base, &format!("{repo}/commits/{sha}/status")),
            &[],
        ),
        // Last: it merges the pull request the cases above read.
        (
            ("put", "/repos/{owner}/{repo}/pulls/{pull_number}/merge"),
            200,
            request(&base, "PUT", &format!("{repo}/pulls/{pull}/merge"))
                .token("t")
                .json(&json!({ "merge_method": "squash" })),
            &[],
        ),
    ];

    let mut failures = Vec::new();
    let mut covered = Vec::new();
    for ((method, path), status, req, may_omit) in cases {
        let response = req.send();
        let route = format!("{} {path}", method.to_ascii_uppercase());
        if response.status != status {
            failures.push(format!(
                "{route}: status {} ({})",
                response.status, response.body
            ));
            continue;
        }
        let (examples, schema) = examples(spec, method, path, status);
        if examples.is_empty() {
            failures.push(format!(
                "{route}: the description has no example for {status}"
            ));
            continue;
        }
        let actual = response.json();
        for (name, example) in examples {
            let mut check = Check {
                spec,
                route: format!("{route} (example {name})"),
                may_omit,
                failures: Vec::new(),
            };
            check.compare(example, &actual, schema, "$");
            failures.extend(check.failures);
        }
        covered.push((method, path));
    }
    for route in ROUTES {
        if !covered.contains(route) {
            failures.push(format!("{route:?} is served but not checked here"));
        }
    }
    assert!(
        failures.is_empty(),
        "the fake differs from GitHub's examples:\n{}",
        failures.join("\n")
    );
}

#[test]
fn the_check_catches_missing_keys_wrong_types_and_nulls_the_schema_forbids() {
    let spec = json!({ "components": { "schemas": { "thing": {
        "type": "object",
        "required": ["a"],
        "properties": {
            "a": { "type": "string" },
            "b": { "type": "string", "nullable": true },
            "c": { "type": "object" },
            "e": { "type": "array", "items": { "type": "object" } }
        }
    } } } });
    let schema = json!({ "$ref": "#/components/schemas/thing" });
    let example = json!({ "a": "x", "b": "y", "c": { "d": 1 }, "e": [{ "f": true }] });
    let actual = json!({ "b": null, "c": null, "e": [{ "f": true }, { "g": 1 }] });
    let mut check = Check {
        spec: &spec,
        route: "thing".to_owned(),
        may_omit: &["$.a"],
        failures: Vec::new(),
    };
    check.compare(&example, &actual, Some(&schema), "$");
    assert_eq!(
        check.failures,
        [
            "thing: $.a is allowed to be absent but the schema requires it",
            "thing: $.c is null, the example has object",
            "thing: $.e[].f is missing",
        ]
    );
    let mut check = Check {
        spec: &spec,
        route: "thing".to_owned(),
        may_omit: &[],
        failures: Vec::new(),
    };
    check.compare(
        &example,
        &json!({ "a": 1, "b": "z", "c": {}, "e": [] }),
        Some(&schema),
        "$",
    );
    assert_eq!(
        check.failures,
        [
            "thing: $.a is number, the example has string",
            "thing: $.c.d is missing"
        ]
    );
}
