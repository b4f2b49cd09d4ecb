//! `ao status`: every session of every registered project, with the workers' pull requests,
//! CI and reviews — once, or redrawn in place with `--watch`.

use std::io::{IsTerminal, Write};
use std::time::Duration;

use ao_core::domain::{CiStatus, PrState, ReviewStatus, Role, Timestamp};
use ao_core::fleet::Fleet;
use ao_core::orchestrator::{Observation, RemoteMeta, SessionFilter, SessionView};
use serde_json::json;

use super::sessions::{issue_text, model_text, report_leftovers, status_hints, status_text};
use crate::exit::{CliError, Exit};
use crate::render::{activity_style, status_style, table_styled, word};

/// `ao status [-p P] [--json] [--watch [--interval S]]`.
pub(crate) async fn run(
    fleet: &Fleet,
    filter: SessionFilter,
    json: bool,
    watch: Option<Duration>,
) -> Result<(), CliError> {
    let Some(interval) = watch else {
        let (seen, daemon) = ao_core::lifecycle::daemon::look(fleet, &filter).await?;
        if json {
            let mut doc = snapshot(&seen);
            doc["meta"]["daemon"] = json!({
                "running": daemon.is_some(),
                "pid": daemon.as_ref().map(|d| d.pid),
                "lastTick": daemon.as_ref().and_then(|d| d.last_tick),
            });
            println!("{doc}");
        } else {
            report_leftovers(&seen);
            anstream::print!("{}", frame(&seen, Timestamp::now()));
            status_hints(&seen.sessions);
            if daemon.is_none() {
                eprintln!(
                    "note: the lifecycle daemon is not running, so nothing reacts to these sessions (`ao daemon start`)"
                );
            }
        }
        return Ok(());
    };
    let tty = std::io::stdout().is_terminal();
    loop {
        let (seen, _) = ao_core::lifecycle::daemon::look(fleet, &filter).await?;
        let mut out = std::io::stdout().lock();
        let written = if json {
            // One snapshot per line (NDJSON), for a program to follow.
            writeln!(out, "{}", snapshot(&seen))
        } else if tty {
            // The whole frame in one write, each line clearing what the last frame left on it,
            // from the top: no blank flash between frames and no scrolling.
            let mut text = String::from("\x1b[H");
            for line in frame(&seen, Timestamp::now()).lines() {
                text.push_str(line);
                text.push_str("\x1b[K\n");
            }
            for w in &seen.warnings {
                text.push_str(&format!("warning: {w}\x1b[K\n"));
            }
            text.push_str("\x1b[J");
            write!(anstream::AutoStream::auto(&mut out), "{text}")
        } else {
            writeln!(
                anstream::AutoStream::auto(&mut out),
                "{}",
                frame(&seen, Timestamp::now())
            )
        };
        let flushed = written.and_then(|()| out.flush());
        drop(out);
        if let Err(e) = flushed {
            // A closed pipe (`ao status --watch | head`) ends the watch quietly.
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                return Ok(());
            }
            return Err(CliError::new(Exit::Failed, format!("cannot write: {e}")));
        }
        tokio::time::sleep(interval).await;
    }
}

/// The JSON document of one look: the sessions, and how fresh the forge's answers are.
fn snapshot(seen: &Observation) -> serde_json::Value {
    json!({
        "data": seen.sessions,
        "meta": {
            "count": seen.sessions.len(),
            "corrupt": seen.corrupt,
            "orphans": seen.orphans,
            "warnings": seen.warnings,
            "remote": seen.remote.clone().unwrap_or_default(),
        },
    })
}

/// One screenful: orchestrators apart (no PR columns), then the workers with their PR, CI,
/// review, threads, age and last activity, each followed by its agent's summary; then one line
/// per repository saying how fresh its answers are.
fn frame(seen: &Observation, now: Timestamp) -> String {
    let mut out = String::new();
    let (orchestrators, workers): (Vec<&SessionView>, Vec<&SessionView>) = seen
        .sessions
        .iter()
        .partition(|v| v.role == Role::Orchestrator);
    if seen.sessions.is_empty() {
        out.push_str("no sessions\n");
    }
    if !orchestrators.is_empty() {
        let header = [
            "ORCHESTRATOR",
            "AGENT",
            "MODEL",
            "STATUS",
            "ACTIVITY",
            "AGE",
            "LAST",
        ];
        let rows: Vec<[String; 7]> = orchestrators
            .iter()
            .map(|v| {
                [
                    v.id.to_string(),
                    v.agent.clone(),
                    model_text(v),
                    status_text(v),
                    word(&v.activity.state),
                    ago(v.created_at, now),
                    ago(v.activity.since, now),
                ]
            })
            .collect();
        out.push_str(&table_styled(&header, &rows, |row, col| match col {
            3 => status_style(orchestrators[row]),
            4 => activity_style(orchestrators[row].activity.state),
            _ => anstyle::Style::new(),
        }));
    }
    if !workers.is_empty() {
        if !orchestrators.is_empty() {
            out.push('\n');
        }
        let header = [
            "SESSION", "AGENT", "MODEL", "STATUS", "ACTIVITY", "BRANCH", "ISSUE", "PR", "CI",
            "REVIEW", "THREADS", "AGE", "LAST",
        ];
        let rows: Vec<[String; 13]> = workers
            .iter()
            .map(|v| {
                [
                    v.id.to_string(),
                    v.agent.clone(),
                    model_text(v),
                    status_text(v),
                    word(&v.activity.state),
                    v.branch.clone().unwrap_or_else(|| "-".into()),
                    issue_text(v),
                    pr_text(v),
                    ci_text(v),
                    review_text(v),
                    v.review
                        .as_ref()
                        .map_or_else(|| "-".into(), |r| r.unresolved_threads.to_string()),
                    ago(v.created_at, now),
                    ago(v.activity.since, now),
                ]
            })
            .collect();
        let table = table_styled(&header, &rows, |row, col| match col {
            3 => status_style(workers[row]),
            4 => activity_style(workers[row].activity.state),
            8 => ci_style(workers[row]),
            _ => anstyle::Style::new(),
        });
        // Each worker's summary goes under its row.
        let mut lines = table.lines();
        if let Some(header) = lines.next() {
            out.push_str(header);
            out.push('\n');
        }
        for (line, view) in lines.zip(&workers) {
            out.push_str(line);
            out.push('\n');
            if let Some(summary) = &view.summary {
                let short: String = summary.chars().take(100).collect();
                out.push_str(&format!("  └ {short}\n"));
            }
        }
    }
    if let Some(remote) = &seen.remote {
        out.push_str(&remote_text(remote, now));
    }
    out
}

/// `#12 open`, `#12 draft`, `#12 merged`, `#12 closed`; `-` without a PR.
fn pr_text(view: &SessionView) -> String {
    let Some(pr) = &view.pr else {
        return "-".into();
    };
    match pr.state {
        Some(state) => format!("#{} {}", pr.number, word(&state)),
        None => format!("#{}", pr.number),
    }
}

/// `passing`, `failing 2/9`, `pending 3/9`, `none`; `-` when not known.
fn ci_text(view: &SessionView) -> String {
    let Some(ci) = &view.ci else {
        return "-".into();
    };
    match ci.state {
        CiStatus::Failing => format!("failing {}/{}", ci.failed.len(), ci.total),
        CiStatus::Pending => format!("pending {}/{}", ci.pending, ci.total),
        CiStatus::Passing => "passing".into(),
        CiStatus::None => "none".into(),
    }
}

fn ci_style(view: &SessionView) -> anstyle::Style {
    use anstyle::AnsiColor;
    match view.ci.as_ref().map(|c| c.state) {
        Some(CiStatus::Failing) => AnsiColor::Red.on_default(),
        Some(CiStatus::Pending) => AnsiColor::Yellow.on_default(),
        Some(CiStatus::Passing) => AnsiColor::Green.on_default(),
        _ => anstyle::Style::new(),
    }
}

/// `approved`, `changes requested`, `review required`, `-`; `conflicts` appended when the
/// branch conflicts with its base.
fn review_text(view: &SessionView) -> String {
    let Some(review) = &view.review else {
        return "-".into();
    };
    let open = view
        .pr
        .as_ref()
        .and_then(|p| p.state)
        .is_none_or(|s| matches!(s, PrState::Open | PrState::Draft));
    let decision = match review.decision {
        ReviewStatus::Approved => "approved",
        ReviewStatus::ChangesRequested => "changes requested",
        ReviewStatus::Pending => "review required",
        ReviewStatus::None => "-",
    };
    if review.conflicts && open {
        if decision == "-" {
            "conflicts".into()
        } else {
            format!("{decision}, conflicts")
        }
    } else {
        decision.into()
    }
}

/// How long ago `then` was: `now`, `45s`, `12m`, `3h`, `2d`.
fn ago(then: Timestamp, now: Timestamp) -> String {
    let secs = now.as_second().saturating_sub(then.as_second());
    match secs {
        ..=4 => "now".into(),
        5..=59 => format!("{secs}s"),
        60..=3599 => format!("{}m", secs / 60),
        3600..=86_399 => format!("{}h", secs / 3600),
        _ => format!("{}d", secs / 86_400),
    }
}

/// One line per repository: when its answers were fetched and the budget left, or that they
/// are stale, since when and why.
fn remote_text(remote: &RemoteMeta, now: Timestamp) -> String {
    let mut out = String::new();
    if remote.repos.is_empty() {
        return out;
    }
    out.push('\n');
    for r in &remote.repos {
        let budget = r
            .rate_limit
            .map(|b| format!(", {} of {} requests left", b.remaining, b.limit))
            .unwrap_or_default();
        let line = match (&r.error, r.fetched_at) {
            (None, Some(at)) => format!(
                "{} {}: up to date ({} ago){budget}",
                r.scm,
                r.repo,
                ago(at, now)
            ),
            (None, None) => format!("{} {}: nothing asked{budget}", r.scm, r.repo),
            (Some(e), Some(at)) => format!(
                "{} {}: STALE — PR, CI and review as of {} ({} ago); {e}",
                r.scm,
                r.repo,
                at.strftime("%Y-%m-%d %H:%M:%S UTC"),
                ago(at, now)
            ),
            (Some(e), None) => format!("{} {}: unknown — {e}", r.scm, r.repo),
        };
        out.push_str(&line);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_at_a_glance() {
        let now = Timestamp::from_second(1_000_000).unwrap();
        let before = |s: i64| Timestamp::from_second(1_000_000 - s).unwrap();
        assert_eq!(ago(before(2), now), "now");
        assert_eq!(ago(before(45), now), "45s");
        assert_eq!(ago(before(125), now), "2m");
        assert_eq!(ago(before(3 * 3600 + 5), now), "3h");
        assert_eq!(ago(before(2 * 86_400), now), "2d");
        assert_eq!(ago(now, before(10)), "now", "a clock skew is not negative");
    }
}
