//! A loopback mock of the Anthropic Messages API and the OpenAI Responses API (streaming and
//! not), enough for a real agent CLI to run whole turns without a network or a key: it answers
//! `POST /v1/messages` and `POST /v1/responses` with what a script decides from the request,
//! in the event shapes of the providers' published streaming docs, and records every request.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

/// What the model says next.
#[derive(Debug, Clone)]
pub(crate) enum Reply {
    /// A tool call (`stop_reason: tool_use`).
    ToolUse {
        name: String,
        input: serde_json::Value,
    },
    /// Final text (`stop_reason: end_turn`).
    Text(String),
}

type Script = dyn Fn(&serde_json::Value) -> Reply + Send + Sync;

/// One request the mock answered.
#[derive(Debug, Clone)]
pub(crate) struct Seen {
    pub(crate) body: serde_json::Value,
    /// The `x-api-key` header (how a client sends an Anthropic API key), when there was one.
    pub(crate) api_key: Option<String>,
}

/// The running mock; it stops with the test process.
pub(crate) struct ModelMock {
    pub(crate) port: u16,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl ModelMock {
    /// Starts a mock on 127.0.0.1 whose replies `script` picks from each request body.
    pub(crate) fn start(
        script: impl Fn(&serde_json::Value) -> Reply + Send + Sync + 'static,
    ) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let script: Arc<Script> = Arc::new(script);
        let log = seen.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (script, log) = (script.clone(), log.clone());
                std::thread::spawn(move || {
                    let _ = serve(stream, script.as_ref(), &log);
                });
            }
        });
        Self { port, seen }
    }

    /// The base URL for `ANTHROPIC_BASE_URL`.
    pub(crate) fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Every request so far.
    pub(crate) fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

/// Whether the request's conversation already holds a tool result.
pub(crate) fn has_tool_result(body: &serde_json::Value) -> bool {
    !tool_results(body).is_empty()
}

/// The text of every tool result in the request (Messages `tool_result` blocks, Responses
/// `function_call_output` items).
pub(crate) fn tool_results(body: &serde_json::Value) -> Vec<String> {
    let mut out = Vec::new();
    for m in body["messages"].as_array().into_iter().flatten() {
        for b in m["content"].as_array().into_iter().flatten() {
            if b["type"] == "tool_result" {
                out.push(b["content"].to_string());
            }
        }
    }
    for item in body["input"].as_array().into_iter().flatten() {
        if item["type"] == "function_call_output" {
            out.push(item["output"].to_string());
        }
    }
    out
}

/// Whether a Responses request is codex's hidden title generation (it asks for a JSON title).
pub(crate) fn is_title_request(body: &serde_json::Value) -> bool {
    body["text"]["format"]["type"] == "json_schema"
}

fn serve(stream: TcpStream, script: &Script, log: &Mutex<Vec<Seen>>) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut writer = stream;
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line)? == 0 {
            return Ok(());
        }
        let mut parts = request_line.split_whitespace();
        let method = parts.next().unwrap_or_default().to_string();
        let path = parts.next().unwrap_or_default().to_string();
        let mut length = 0usize;
        let mut api_key = None;
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header)? == 0 {
                return Ok(());
            }
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse().unwrap_or(0);
                } else if name.eq_ignore_ascii_case("x-api-key") {
                    api_key = Some(value.trim().to_string());
                }
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body)?;
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
        log.lock().unwrap().push(Seen {
            body: body.clone(),
            api_key,
        });
        let (content_type, payload) = respond(&method, &path, &body, script);
        write!(
            writer,
            "HTTP/1.1 200 OK\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nrequest-id: req_mock\r\n\r\n",
            payload.len()
        )?;
        writer.write_all(payload.as_bytes())?;
        writer.flush()?;
    }
}

fn respond(
    method: &str,
    path: &str,
    body: &serde_json::Value,
    script: &Script,
) -> (&'static str, String) {
    let json = "application/json";
    if method == "POST" && path.starts_with("/v1/responses") {
        return responses(body, script);
    }
    if method != "POST" || !path.starts_with("/v1/messages") {
        return (json, "{}".into());
    }
    if path.starts_with("/v1/messages/count_tokens") {
        return (json, r#"{"input_tokens":12}"#.into());
    }
    let reply = script(body);
    let model = body["model"].as_str().unwrap_or("claude-mock").to_string();
    let (block, stop_reason) = match &reply {
        Reply::ToolUse { name, input } => (
            serde_json::json!({"type": "tool_use", "id": format!("toolu_mock{}", rand_id()), "name": name, "input": input}),
            "tool_use",
        ),
        Reply::Text(text) => (
            serde_json::json!({"type": "text", "text": text}),
            "end_turn",
        ),
    };
    let id = format!("msg_mock{}", rand_id());
    let usage = serde_json::json!({"input_tokens": 12, "output_tokens": 7});
    if body["stream"] != true {
        let message = serde_json::json!({
            "id": id, "type": "message", "role": "assistant", "model": model,
            "content": [block], "stop_reason": stop_reason, "stop_sequence": null, "usage": usage,
        });
        return (json, message.to_string());
    }
    let mut events = Vec::new();
    events.push(("message_start", serde_json::json!({"type": "message_start", "message": {
        "id": id, "type": "message", "role": "assistant", "model": model, "content": [],
        "stop_reason": null, "stop_sequence": null, "usage": {"input_tokens": 12, "output_tokens": 1}}})));
    match &reply {
        Reply::ToolUse { input, .. } => {
            let mut start = block.clone();
            start["input"] = serde_json::json!({});
            events.push(("content_block_start", serde_json::json!({"type": "content_block_start", "index": 0, "content_block": start})));
            events.push((
                "content_block_delta",
                serde_json::json!({"type": "content_block_delta", "index": 0,
                "delta": {"type": "input_json_delta", "partial_json": input.to_string()}}),
            ));
        }
        Reply::Text(text) => {
            events.push((
                "content_block_start",
                serde_json::json!({"type": "content_block_start", "index": 0,
                "content_block": {"type": "text", "text": ""}}),
            ));
            events.push((
                "content_block_delta",
                serde_json::json!({"type": "content_block_delta", "index": 0,
                "delta": {"type": "text_delta", "text": text}}),
            ));
        }
    }
    events.push((
        "content_block_stop",
        serde_json::json!({"type": "content_block_stop", "index": 0}),
    ));
    events.push(("message_delta", serde_json::json!({"type": "message_delta",
        "delta": {"stop_reason": stop_reason, "stop_sequence": null}, "usage": {"output_tokens": 7}})));
    events.push(("message_stop", serde_json::json!({"type": "message_stop"})));
    let text = events
        .into_iter()
        .map(|(name, data)| format!("event: {name}\ndata: {data}\n\n"))
        .collect();
    ("text/event-stream", text)
}

/// A Responses API reply: the output item, then `response.completed` (codex needs just those
/// two; `response.created` comes first as the published sequence has it).
fn responses(body: &serde_json::Value, script: &Script) -> (&'static str, String) {
    let n = rand_id();
    let reply = if is_title_request(body) {
        Reply::Text(r#"{"title":"Mock title"}"#.into())
    } else {
        script(body)
    };
    let item = match &reply {
        Reply::ToolUse { name, input } => serde_json::json!({
            "id": format!("fc_mock{n}"), "type": "function_call", "status": "completed",
            "name": name, "arguments": input.to_string(), "call_id": format!("call_mock{n}"),
        }),
        Reply::Text(text) => serde_json::json!({
            "id": format!("msg_mock{n}"), "type": "message", "status": "completed", "role": "assistant",
            "content": [{"type": "output_text", "text": text, "annotations": []}],
        }),
    };
    let response = |status: &str, output: serde_json::Value, usage: serde_json::Value| {
        serde_json::json!({
            "id": format!("resp_mock{n}"), "object": "response", "created_at": 1_800_000_000,
            "status": status, "model": body["model"], "output": output,
            "parallel_tool_calls": false, "tool_choice": "auto", "tools": [], "usage": usage,
        })
    };
    let usage = serde_json::json!({"input_tokens": 1000, "input_tokens_details": {"cached_tokens": 200},
        "output_tokens": 20, "output_tokens_details": {"reasoning_tokens": 5}, "total_tokens": 1020});
    let final_response = response("completed", serde_json::json!([item.clone()]), usage);
    if body["stream"] != true {
        return ("application/json", final_response.to_string());
    }
    let events = [
        (
            "response.created",
            serde_json::json!({"response": response("in_progress", serde_json::json!([]), serde_json::Value::Null)}),
        ),
        (
            "response.output_item.done",
            serde_json::json!({"output_index": 0, "item": item}),
        ),
        (
            "response.completed",
            serde_json::json!({"response": final_response}),
        ),
    ];
    let text = events
        .into_iter()
        .enumerate()
        .map(|(seq, (name, mut data))| {
            data["type"] = name.into();
            data["sequence_number"] = seq.into();
            format!("event: {name}\ndata: {data}\n\n")
        })
        .collect();
    ("text/event-stream", text)
}

fn rand_id() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    format!("{:012}", N.fetch_add(1, Ordering::Relaxed))
}
