//! The Linear tracker's view of Linear checked against Linear's own schema: every GraphQL
//! document in `DOCUMENTS` — and every document and variable value the tracker actually sends
//! while fetching, listing, updating and probing — validates against the subset of Linear's
//! published SDL kept in `tests/fixtures/linear-schema-subset.graphql`, and the fake Linear's
//! answers to those requests have the types that schema declares.
//!
//! The checkers are tested on small inputs too, so that a checker that accepts everything
//! cannot pass unnoticed.

use std::sync::{Arc, OnceLock};

use ao_core::domain::{IssueRef, ProjectId};
use ao_core::plugin::{IssueFilter, IssueState, IssueUpdate, Tracker, TrackerContext};
use ao_trackers::fake::linear::{FakeLinear, Issue, StateType};
use ao_trackers::linear::documents::{DOCUMENTS, comment_input, issue_filter, state_input};
use ao_trackers::linear::{ApiKey, Credentials, KeySource, LinearTracker};
use apollo_compiler::ast::Type;
use apollo_compiler::executable::{Selection, SelectionSet};
use apollo_compiler::schema::ExtendedType;
use apollo_compiler::validation::Valid;
use apollo_compiler::{ExecutableDocument, Schema};
use serde_json::{Value, json};

use crate::api_shape::{parse_schema, validation_problems};

const FIXTURE: &str = include_str!("../fixtures/linear-schema-subset.graphql");

/// The fixture, parsed and validated once per test binary.
fn linear_schema() -> &'static Valid<Schema> {
    static SCHEMA: OnceLock<Valid<Schema>> = OnceLock::new();
    SCHEMA.get_or_init(|| parse_schema(FIXTURE, "linear-schema-subset.graphql"))
}

// ---- the checkers ----

/// What is wrong with `value` as a value of input type `ty`.
fn input_problems(schema: &Schema, ty: &Type, value: &Value, at: &str, out: &mut Vec<String>) {
    if value.is_null() {
        if ty.is_non_null() {
            out.push(format!("{at}: null for the non-null {ty}"));
        }
        return;
    }
    if ty.is_list() {
        match value.as_array() {
            Some(items) => {
                for (i, item) in items.iter().enumerate() {
                    input_problems(schema, ty.item_type(), item, &format!("{at}[{i}]"), out);
                }
            }
            // GraphQL coerces a single value into a list of one.
            None => input_problems(schema, ty.item_type(), value, at, out),
        }
        return;
    }
    let name = ty.inner_named_type().as_str();
    let fits = match name {
        "String" => value.is_string(),
        "ID" => value.is_string() || value.is_i64(),
        "Int" => value.is_i64(),
        "Float" => value.is_number(),
        "Boolean" => value.is_boolean(),
        _ => match schema.types.get(name) {
            Some(ExtendedType::InputObject(object)) => {
                let Some(map) = value.as_object() else {
                    out.push(format!("{at}: {name} wants an object, not {value}"));
                    return;
                };
                for (key, v) in map {
                    match object.fields.get(key.as_str()) {
                        Some(field) => {
                            input_problems(schema, &field.ty, v, &format!("{at}.{key}"), out)
                        }
                        None => out.push(format!("{at}: {name} has no field `{key}`")),
                    }
                }
                for (field, def) in &object.fields {
                    if def.ty.is_non_null()
                        && def.default_value.is_none()
                        && !map.contains_key(field.as_str())
                    {
                        out.push(format!("{at}: {name}.{field} is required"));
                    }
                }
                true
            }
            Some(ExtendedType::Enum(e)) => value
                .as_str()
                .is_some_and(|v| e.values.keys().any(|k| k.as_str() == v)),
            Some(ExtendedType::Scalar(_)) => true,
            _ => {
                out.push(format!("{at}: {name} is not an input type of the schema"));
                return;
            }
        },
    };
    if !fits {
        out.push(format!("{at}: {value} is not a {name}"));
    }
}

/// What is wrong with `variables` for the one operation of `text`.
fn variable_problems(
    schema: &Valid<Schema>,
    name: &str,
    text: &str,
    variables: &Value,
) -> Vec<String> {
    let doc = match ExecutableDocument::parse_and_validate(schema, text, format!("{name}.graphql"))
    {
        Ok(doc) => doc,
        Err(e) => return vec![format!("{name}: {}", e.errors)],
    };
    let Some(operation) = doc.operations.iter().next() else {
        return vec![format!("{name}: no operation")];
    };
    let empty = serde_json::Map::new();
    let given = variables.as_object().unwrap_or(&empty);
    let mut out = Vec::new();
    for def in &operation.variables {
        let value = given.get(def.name.as_str()).unwrap_or(&Value::Null);
        input_problems(
            schema,
            &def.ty,
            value,
            &format!("{name} ${}", def.name),
            &mut out,
        );
    }
    for key in given.keys() {
        if !operation.variables.iter().any(|d| d.name.as_str() == key) {
            out.push(format!("{name}: ${key} is not declared"));
        }
    }
    out
}

/// What is wrong with `data`, the answer to the one operation of `text`, according to the
/// types the schema declares for the selected fields.
fn response_problems(schema: &Valid<Schema>, name: &str, text: &str, data: &Value) -> Vec<String> {
    let doc = match ExecutableDocument::parse_and_validate(schema, text, format!("{name}.graphql"))
    {
        Ok(doc) => doc,
        Err(e) => return vec![format!("{name}: {}", e.errors)],
    };
    let Some(operation) = doc.operations.iter().next() else {
        return vec![format!("{name}: no operation")];
    };
    let mut out = Vec::new();
    check_selection(schema, &doc, &operation.selection_set, data, name, &mut out);
    out
}

fn check_selection(
    schema: &Schema,
    doc: &ExecutableDocument,
    set: &SelectionSet,
    value: &Value,
    at: &str,
    out: &mut Vec<String>,
) {
    let Some(object) = value.as_object() else {
        out.push(format!("{at}: a {} object is due, not {value}", set.ty));
        return;
    };
    for selection in &set.selections {
        match selection {
            Selection::Field(field) => {
                let key = field.response_key().as_str();
                let here = format!("{at}.{key}");
                match object.get(key) {
                    Some(v) => check_value(
                        schema,
                        doc,
                        &field.definition.ty,
                        &field.selection_set,
                        v,
                        &here,
                        out,
                    ),
                    None => out.push(format!("{here}: missing")),
                }
            }
            Selection::FragmentSpread(spread) => {
                if let Some(fragment) = doc.fragments.get(&spread.fragment_name) {
                    check_selection(schema, doc, &fragment.selection_set, value, at, out);
                }
            }
            Selection::InlineFragment(inline) => {
                check_selection(schema, doc, &inline.selection_set, value, at, out);
            }
        }
    }
}

fn check_value(
    schema: &Schema,
    doc: &ExecutableDocument,
    ty: &Type,
    set: &SelectionSet,
    value: &Value,
    at: &str,
    out: &mut Vec<String>,
) {
    if value.is_null() {
        if ty.is_non_null() {
            out.push(format!("{at}: null for the non-null {ty}"));
        }
        return;
    }
    if ty.is_list() {
        match value.as_array() {
            Some(items) => {
                for (i, item) in items.iter().enumerate() {
                    check_value(
                        schema,
                        doc,
                        ty.item_type(),
                        set,
                        item,
                        &format!("{at}[{i}]"),
                        out,
                    );
                }
            }
            None => out.push(format!("{at}: a list is due, not {value}")),
        }
        return;
    }
    let name = ty.inner_named_type().as_str();
    let fits = match name {
        "String" | "ID" => value.is_string(),
        "Int" => value.is_i64(),
        "Float" => value.is_number(),
        "Boolean" => value.is_boolean(),
        _ => match schema.types.get(name) {
            Some(ExtendedType::Object(_) | ExtendedType::Interface(_)) => {
                check_selection(schema, doc, set, value, at, out);
                true
            }
            Some(ExtendedType::Enum(e)) => value
                .as_str()
                .is_some_and(|v| e.values.keys().any(|k| k.as_str() == v)),
            Some(ExtendedType::Scalar(_)) => true,
            _ => false,
        },
    };
    if !fits {
        out.push(format!("{at}: {value} is not a {name}"));
    }
}

// ---- the checks against Linear's schema ----

#[test]
fn the_fixture_is_a_valid_schema_with_what_the_tracker_needs() {
    let schema = linear_schema();
    for ty in [
        "Issue",
        "IssueConnection",
        "WorkflowState",
        "Team",
        "User",
        "IssueLabel",
        "IssueFilter",
        "CommentCreateInput",
        "IssueUpdateInput",
        "Mutation",
    ] {
        assert!(schema.types.contains_key(ty), "{ty} is in the fixture");
    }
}

#[test]
fn every_linear_document_validates_against_linears_schema() {
    assert_eq!(DOCUMENTS.len(), 8);
    let problems = validation_problems(linear_schema(), DOCUMENTS.iter().map(|d| (d.name, d.text)));
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn the_variables_the_tracker_builds_fit_linears_input_types() {
    let schema = linear_schema();
    let doc = |name: &str| {
        DOCUMENTS
            .iter()
            .find(|d| d.name == name)
            .unwrap_or_else(|| panic!("no document {name}"))
    };
    let cases = [
        ("Issue", json!({"id": "INT-1"})),
        (
            "Issues",
            json!({
                "filter": issue_filter(
                    Some("team-1"),
                    &[IssueState::Open, IssueState::Cancelled],
                    &["bug".into(), "p1".into()],
                    Some("ann"),
                ),
                "first": 50,
                "after": "cursor",
            }),
        ),
        (
            "Issues",
            json!({"filter": issue_filter(None, &[], &[], None), "first": 1, "after": null}),
        ),
        ("Viewer", json!({})),
        ("Team", json!({"id": "team-1"})),
        ("TeamByKey", json!({"key": "INT"})),
        ("IssueTeamStates", json!({"id": "INT-1"})),
        (
            "CommentCreate",
            json!({"input": comment_input("uuid", "Done in #8.")}),
        ),
        (
            "IssueUpdate",
            json!({"id": "uuid", "input": state_input("state-1")}),
        ),
    ];
    for (name, variables) in cases {
        let d = doc(name);
        let problems = variable_problems(schema, d.name, d.text, &variables);
        assert!(problems.is_empty(), "{name}: {problems:#?}");
    }
}

/// Drives the tracker through everything it does against the fake, then checks every request
/// it sent (document and variables) against the schema, and the fake's answer to each against
/// the types the schema declares.
#[tokio::test]
async fn what_the_tracker_sends_and_the_fake_answers_fit_linears_schema() {
    let linear = tokio::task::spawn_blocking(FakeLinear::start)
        .await
        .unwrap();
    let team = linear.add_team("INT", "Integrations");
    let mut issue = Issue::new("Login fails");
    issue.description = Some("Steps".into());
    issue.labels = vec!["bug".into()];
    issue.assignee = Some("ann".into());
    let open = linear.add_issue("INT", issue);
    let mut done = Issue::new("Old");
    done.state = StateType::Completed;
    linear.add_issue("INT", done);

    let settings = json!({"apiUrl": linear.url(), "teamId": team})
        .as_object()
        .cloned()
        .unwrap();
    let key = Credentials::key(ApiKey::new("lin_api_shape").unwrap(), KeySource::Explicit);
    let tracker = Arc::new(LinearTracker::with_credentials(settings.clone(), key));
    let ctx = TrackerContext {
        project_id: ProjectId::new("app").unwrap(),
        repo: Some("acme/app".into()),
        settings,
    };
    tracker
        .fetch(&ctx, &IssueRef::parse(&open).unwrap())
        .await
        .unwrap();
    tracker
        .list(
            &ctx,
            &IssueFilter {
                states: vec![IssueState::Open, IssueState::Closed],
                labels: vec!["bug".into()],
                assignee: Some("ann".into()),
                limit: Some(10),
            },
        )
        .await
        .unwrap();
    tracker
        .update(
            &ctx,
            &IssueRef::parse(&open).unwrap(),
            &IssueUpdate {
                state: Some(IssueState::InProgress),
                comment: Some("On it.".into()),
                ..IssueUpdate::default()
            },
        )
        .await
        .unwrap();
    let checks = tracker.doctor(&ctx).await.unwrap();
    assert!(checks.iter().all(|c| c.ok), "{checks:#?}");
    // A team named by its key is looked up by key.
    let mut by_key = ctx.clone();
    by_key.settings.insert("teamId".into(), json!("int"));
    let checks = tracker.doctor(&by_key).await.unwrap();
    assert!(
        checks
            .iter()
            .any(|c| c.detail == "linear: team INT (Integrations) readable"),
        "{checks:#?}"
    );

    let schema = linear_schema();
    let sent = linear.requests();
    let mut operations: Vec<String> = Vec::new();
    let client = reqwest::Client::new();
    for request in &sent {
        assert_eq!(request.status, 200, "{request:#?}");
        let body = request.json().expect("a JSON body");
        let name = body["operationName"].as_str().unwrap_or("?").to_string();
        let text = body["query"].as_str().expect("a query");
        let problems = validation_problems(schema, [(name.as_str(), text)]);
        assert!(problems.is_empty(), "{problems:#?}");
        let problems = variable_problems(schema, &name, text, &body["variables"]);
        assert!(problems.is_empty(), "{problems:#?}");
        // The fake's answer to the same request has the schema's types.
        let answer: Value = client
            .post(linear.url())
            .header("authorization", "lin_api_shape")
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .map(|b| serde_json::from_slice(&b).unwrap())
            .unwrap();
        assert!(answer.get("errors").is_none(), "{name}: {answer}");
        let problems = response_problems(schema, &name, text, &answer["data"]);
        assert!(problems.is_empty(), "{name}: {problems:#?}");
        operations.push(name);
    }
    operations.sort();
    operations.dedup();
    let mut all: Vec<String> = DOCUMENTS.iter().map(|d| d.name.to_string()).collect();
    all.sort();
    assert_eq!(operations, all, "every document was sent and checked");
    let _ = tokio::task::spawn_blocking(move || drop(linear)).await;
}

#[test]
fn misspellings_fail_against_linears_schema() {
    let schema = linear_schema();
    let wrong = validation_problems(
        schema,
        [(
            "Misspelt",
            "query Misspelt { issue(id: \"INT-1\") { identifier branchNam } }",
        )],
    );
    assert_eq!(wrong.len(), 1, "{wrong:#?}");
    assert!(wrong[0].contains("branchNam"), "{wrong:#?}");
    let issues = DOCUMENTS.iter().find(|d| d.name == "Issues").unwrap();
    let wrong = variable_problems(
        schema,
        issues.name,
        issues.text,
        &json!({"filter": {"team": {"idd": {"eq": "t"}}}, "first": 1}),
    );
    assert_eq!(wrong.len(), 1, "{wrong:#?}");
    assert!(wrong[0].contains("idd"), "{wrong:#?}");
}

// ---- the checkers on small inputs (they can fail) ----

#[test]
fn the_input_checker_reports_wrong_types_unknown_and_missing_fields() {
    let schema = parse_schema(
        "type Query { a(x: In!): Int }
         input In { must: String! may: [Int!] nested: In }",
        "tiny.graphql",
    );
    let doc = "query A($x: In!) { a(x: $x) }";
    assert!(
        variable_problems(
            &schema,
            "A",
            doc,
            &json!({"x": {"must": "m", "may": [1, 2]}})
        )
        .is_empty()
    );
    let wrong = variable_problems(
        &schema,
        "A",
        doc,
        &json!({"x": {"may": ["one"], "nested": {"must": 3}, "extra": 1}, "y": 2}),
    );
    assert_eq!(wrong.len(), 5, "{wrong:#?}");
    assert!(variable_problems(&schema, "A", doc, &json!({})).len() == 1);
}

#[test]
fn the_response_checker_reports_missing_fields_and_wrong_types() {
    let schema = parse_schema(
        "type Query { issue: Issue! }
         type Issue { id: ID! number: Float! labels: [String!]! assignee: User }
         type User { name: String! }",
        "tiny.graphql",
    );
    let doc = "query Q { issue { id number labels assignee { name } } }";
    let good = json!({"issue": {"id": "u", "number": 7, "labels": ["bug"], "assignee": null}});
    assert!(response_problems(&schema, "Q", doc, &good).is_empty());
    let bad = json!({"issue": {"id": 5, "number": "7", "labels": "bug", "assignee": {}}});
    let wrong = response_problems(&schema, "Q", doc, &bad);
    assert_eq!(wrong.len(), 4, "{wrong:#?}");
}
