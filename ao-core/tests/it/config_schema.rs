//! The committed JSON Schema matches the types, and agrees with the loader on structure.

use std::path::Path;

use ao_core::config::{json_schema, yaml_to_json};

use crate::support::samples;

fn committed_schema_path() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../schema/agent-orchestrator.schema.json")
}

#[test]
fn committed_schema_is_up_to_date() {
    let generated = format!(
        "{}\n",
        serde_json::to_string_pretty(&json_schema()).unwrap()
    );
    let committed = std::fs::read_to_string(committed_schema_path()).unwrap_or_default();
    assert!(
        generated == committed,
        "schema/agent-orchestrator.schema.json is stale: regenerate it with\n  cargo run -q -p ao-cli -- config schema > schema/agent-orchestrator.schema.json"
    );
}

#[test]
fn schema_is_draft_2020_12_with_descriptions_from_doc_comments() {
    let schema = json_schema();
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    let project = &schema["$defs"]["ProjectConfig"]["properties"];
    assert!(
        project["agentRulesFile"]["description"]
            .as_str()
            .unwrap()
            .contains("relative to the project path")
    );
}

fn validator() -> jsonschema::Validator {
    jsonschema::validator_for(&json_schema()).expect("the schema compiles")
}

fn files(dir: &str) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(samples().join(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_valid_sample_satisfies_the_schema() {
    let validator = validator();
    for file in files("valid") {
        let text = std::fs::read_to_string(&file).unwrap();
        let instance = yaml_to_json(&file, &text).unwrap();
        let problems: Vec<String> = validator
            .iter_errors(&instance)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(problems.is_empty(), "{}: {problems:#?}", file.display());
    }
}

#[test]
fn structurally_invalid_samples_fail_the_schema() {
    let validator = validator();
    let mut checked = 0;
    for file in files("invalid") {
        let text = std::fs::read_to_string(&file).unwrap();
        if !text.contains("# schema: invalid") {
            continue;
        }
        let instance = yaml_to_json(&file, &text).unwrap();
        assert!(
            !validator.is_valid(&instance),
            "{} passes the schema",
            file.display()
        );
        checked += 1;
    }
    assert!(
        checked >= 8,
        "only {checked} samples are marked structurally invalid"
    );
}
