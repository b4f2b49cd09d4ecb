//! Prints the JSON Schema of `agent-orchestrator.yaml`, as an embedder would get it from
//! `ao-core` (editors can point their YAML support at the result).
//!
//! Run: `cargo run -q -p ao-examples --bin print-schema > agent-orchestrator.schema.json`

fn main() {
    ao_core::run_if_invoked();
    let schema = ao_core::config::json_schema();
    match serde_json::to_string_pretty(&schema) {
        Ok(text) => println!("{text}"),
        Err(err) => {
            eprintln!("error: cannot render the schema: {err}");
            std::process::exit(1);
        }
    }
}
