//! `ao events`: the lifecycle event log, as lines for people or NDJSON for programs, once or
//! followed as it grows.

use std::io::Write;
use std::time::Duration;

use ao_core::domain::{ProjectId, SessionId, Timestamp};
use ao_core::home::AoHome;
use ao_core::lifecycle::{EventEntry, EventFilter, EventLog, parse_since};

use crate::cli::EventsArgs;
use crate::exit::{CliError, Exit};
use crate::render::word;

/// How often `--follow` looks for new lines.
const FOLLOW_POLL: Duration = Duration::from_millis(200);

/// `ao events [--follow] [--json] [-p P] [--session S] [--since WHEN]`.
pub(crate) fn run(args: EventsArgs) -> Result<(), CliError> {
    let usage = |what: &str, value: &str, hint: &str| {
        let mut e = CliError::new(Exit::Usage, format!("invalid {what} `{value}`"));
        e.hints.push(hint.to_string());
        e
    };
    let filter = EventFilter {
        project: args
            .project
            .as_deref()
            .map(|p| {
                ProjectId::new(p)
                    .map_err(|_| usage("project id", p, "a project id as `ao project ls` shows it"))
            })
            .transpose()?,
        session: args
            .session
            .as_deref()
            .map(|s| {
                SessionId::new(s)
                    .map_err(|_| usage("session id", s, "a session id as `ao status` shows it"))
            })
            .transpose()?,
        since: args
            .since
            .as_deref()
            .map(|s| {
                parse_since(s, Timestamp::now()).ok_or_else(|| {
                    usage(
                        "--since",
                        s,
                        "a duration back from now (`30s`, `10m`, `2h`) or an RFC 3339 time",
                    )
                })
            })
            .transpose()?,
    };
    let log = EventLog::new(AoHome::from_env()?.event_log());
    // Follow from the end as it is now, so nothing is printed twice or lost in between.
    let mut follower = args.follow.then(|| log.follow());
    let past = log.read(&filter).map_err(|e| CliError::classified(&e))?;
    let mut out = std::io::stdout().lock();
    for e in &past {
        print_one(&mut out, e, args.json)?;
    }
    let Some(follower) = follower.as_mut() else {
        return Ok(());
    };
    drop(out);
    loop {
        std::thread::sleep(FOLLOW_POLL);
        let fresh = follower.poll();
        let mut out = std::io::stdout().lock();
        for e in fresh.iter().filter(|e| filter.matches(e)) {
            print_one(&mut out, e, args.json)?;
        }
    }
}

/// One event: the JSON object, or `time  session (role)  from → to  details`. A closed pipe
/// (`ao events --follow | head`) ends quietly.
fn print_one(out: &mut impl Write, e: &EventEntry, json: bool) -> Result<(), CliError> {
    let line = if json {
        serde_json::to_string(e).unwrap_or_default()
    } else {
        human(e)
    };
    match writeln!(out, "{line}").and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
        Err(e) => Err(CliError::new(Exit::Failed, format!("cannot write: {e}"))),
    }
}

fn human(e: &EventEntry) -> String {
    let who = match (&e.session_id, e.role) {
        (Some(s), Some(role)) => format!("{s} ({role})"),
        (Some(s), None) => s.to_string(),
        (None, _) => e.project_id.to_string(),
    };
    let change = match (e.from, e.to) {
        (Some(from), Some(to)) => format!("{} → {}", word(&from), word(&to)),
        (None, Some(to)) => word(&to),
        _ => String::new(),
    };
    let mut details = Vec::new();
    if let Some(n) = e.detail.get("pr").and_then(serde_json::Value::as_u64) {
        details.push(format!("PR #{n}"));
    }
    if let Some(checks) = e.detail.get("failedChecks").and_then(|v| v.as_array()) {
        let names: Vec<&str> = checks.iter().filter_map(|c| c.as_str()).collect();
        details.push(format!("failed: {}", names.join(", ")));
    }
    if let Some(code) = e.detail.get("exitCode").and_then(serde_json::Value::as_i64) {
        details.push(format!("exit code {code}"));
    }
    // A notification's outcome: which notifier, and why it failed.
    if e.kind.starts_with("notify.") {
        let text = |k: &str| e.detail.get(k).and_then(serde_json::Value::as_str);
        if let Some(notifier) = text("notifier") {
            details.push(format!("via {notifier}"));
        }
        if let Some(why) = text("reason").or_else(|| text("note")) {
            details.push(why.to_string());
        }
    }
    let ts = e.ts.strftime("%Y-%m-%d %H:%M:%SZ");
    format!("{ts}  {who}  {}  {change}  {}", e.kind, details.join("; "))
        .trim_end()
        .to_string()
}
