//! The JSON Schema of the config file, generated from the config types.
//!
//! One schema covers both shapes: a file with a `projects` key is checked as the wrapped form,
//! any other as a flat project file (the global keys plus one project's keys).

use std::path::Path;

use schemars::generate::SchemaSettings;
use serde_json::{Map, Value, json};

use super::decode::{self, Ctx};
use super::diagnostic::{Code, Diagnostic};
use super::error::ConfigError;
use super::model::ConfigFile;
use super::yaml;

/// The config's JSON Schema (draft 2020-12).
pub fn json_schema() -> Value {
    let generator = SchemaSettings::draft2020_12().into_generator();
    let root = generator.into_root_schema_for::<ConfigFile>().to_value();
    let Value::Object(mut root) = root else {
        return root;
    };

    let mut defs = match root.remove("$defs") {
        Some(Value::Object(defs)) => defs,
        _ => Map::new(),
    };
    let schema_uri = root.remove("$schema").unwrap_or(Value::Null);
    root.remove("title");

    let mut flat_props = root
        .get("properties")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    flat_props.remove("projects");
    if let Some(project_props) = defs
        .get("ProjectConfig")
        .and_then(|p| p.get("properties"))
        .and_then(Value::as_object)
    {
        for (k, v) in project_props {
            flat_props.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
    let flat = json!({
        "description": "A flat project file: kept in the project's repository, one project's keys at the top level beside the global keys.",
        "type": "object",
        "properties": flat_props,
        "additionalProperties": false,
    });
    defs.insert("WrappedConfig".to_string(), Value::Object(root));
    defs.insert("FlatProjectFile".to_string(), flat);

    json!({
        "$schema": schema_uri,
        "title": "agent-orchestrator.yaml",
        "description": "Configuration of ao, the agent orchestrator (compatible with the reference agent-orchestrator's file).",
        "if": {"type": "object", "required": ["projects"]},
        "then": {"$ref": "#/$defs/WrappedConfig"},
        "else": {"$ref": "#/$defs/FlatProjectFile"},
        "$defs": defs,
    })
}

/// Reads YAML text into JSON values (for checking files against the schema, or tooling).
pub fn yaml_to_json(path: &Path, text: &str) -> Result<Value, ConfigError> {
    let node = yaml::parse(text).map_err(|e| ConfigError::Invalid {
        path: path.to_path_buf(),
        diagnostics: vec![Diagnostic::error(Code::Syntax, path, e.pos, "", e.message)],
    })?;
    let ctx = Ctx::default();
    decode::decode::<Value>(&node, &ctx).map_err(|e| ConfigError::Invalid {
        path: path.to_path_buf(),
        diagnostics: vec![Diagnostic::error(
            Code::InvalidValue,
            path,
            e.pos,
            e.path.unwrap_or_default(),
            e.message,
        )],
    })
}
