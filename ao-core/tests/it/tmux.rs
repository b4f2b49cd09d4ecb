//! The tmux runtime on a private tmux server per test (never the user's default server).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use ao_core::domain::{LaunchSpec, RuntimeStatus, SessionId};
use ao_core::home::AoHome;
use ao_core::plugin::{Runtime, RuntimeError, RuntimeHandle};
use ao_core::tmux::{TmuxOptions, TmuxRuntime, sanitize};

const HELPER: &str = env!("CARGO_BIN_EXE_ao-test-helper");

struct Tmux {
    socket: String,
    tmp: tempfile::TempDir,
    rt: Arc<TmuxRuntime>,
}

impl Drop for Tmux {
    fn drop(&mut self) {
        ao_core::tmux::kill_private_server(&self.socket);
    }
}

fn tmux() -> Tmux {
    static N: AtomicU32 = AtomicU32::new(0);
    let socket = format!(
        "ao-test-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    );
    let tmp = tempfile::tempdir().unwrap();
    let options = TmuxOptions {
        socket: Some(socket.clone()),
        home: AoHome::new(tmp.path().join("home")),
        exe: PathBuf::from(HELPER),
        enter_delay: Duration::from_millis(150),
        size: (200, 50),
    };
    Tmux {
        socket,
        rt: Arc::new(TmuxRuntime::new(options)),
        tmp,
    }
}

impl Tmux {
    fn raw(&self, args: &[&str]) -> std::process::Output {
        Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .unwrap()
    }

    fn dir(&self) -> &Path {
        self.tmp.path()
    }
}

fn sid(s: &str) -> SessionId {
    SessionId::new(s).unwrap()
}

fn wait_for(what: &str, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(30));
    }
}

async fn wait_output(rt: &TmuxRuntime, h: &RuntimeHandle, needle: &str) {
    let start = Instant::now();
    loop {
        if rt.output(h, 50).await.unwrap_or_default().contains(needle) {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "{needle:?} never appeared on {}",
            h.id
        );
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tmux_runtime_passes_the_runtime_conformance_suite() {
    let t = tmux();
    ao_core::plugin::conformance::runtime(t.rt.clone(), "cf", t.dir()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn big_arguments_and_secrets_reach_the_program_and_nothing_else() {
    let t = tmux();
    let marker = format!("PROMPT-{}-", std::process::id());
    let prompt = format!("{marker}{}", "p".repeat(100_000 - marker.len()));
    let secret = format!(
        "s3cr3t-{}-{}",
        std::process::id(),
        Instant::now().elapsed().as_nanos()
    );
    let out = t.dir().join("dump.json");
    let mut spec = LaunchSpec::new(HELPER, ["dump", out.to_str().unwrap(), &prompt], t.dir());
    spec.env.insert("AO_TEST_SECRET".into(), secret.clone());
    let h = t.rt.start(&sid("pj-1"), &spec).await.unwrap();
    wait_for("the program's dump", || {
        out.exists()
            && std::fs::metadata(&out)
                .map(|m| m.len() > 0)
                .unwrap_or(false)
    });
    let dump: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(dump["argv"][3].as_str().unwrap().len(), 100_000);
    assert_eq!(dump["argv"][3], prompt.as_str());
    assert_eq!(dump["env"]["AO_TEST_SECRET"], secret.as_str());
    assert_eq!(dump["cwd"], t.dir().to_str().unwrap());
    // The caller's environment comes along (tmux panes otherwise get the server's).
    assert_eq!(dump["env"]["PATH"], std::env::var("PATH").unwrap().as_str());

    let ps = String::from_utf8(
        Command::new("ps")
            .args(["-eww", "-o", "args="])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert!(!ps.contains(&secret), "the secret shows in ps");
    assert!(
        !ps.lines()
            .filter(|l| l.contains("tmux"))
            .any(|l| l.contains(&marker)),
        "the prompt is on a tmux command line"
    );
    let start_cmd = String::from_utf8(
        t.raw(&["list-panes", "-a", "-F", "#{pane_start_command}"])
            .stdout,
    )
    .unwrap();
    assert!(
        start_cmd.contains("__exec")
            && !start_cmd.contains(&marker)
            && !start_cmd.contains(&secret),
        "{start_cmd}"
    );
    for args in [
        &["show-environment", "-g"][..],
        &["show-environment", "-t", "=pj-1:"][..],
    ] {
        let env = String::from_utf8(t.raw(args).stdout).unwrap();
        assert!(!env.contains(&secret), "the secret is in tmux's {args:?}");
    }
    // The launch went over a socket that is gone; no file under AO_HOME holds the secret.
    let run = t.dir().join("home/run");
    let left: Vec<_> = std::fs::read_dir(&run).unwrap().collect();
    assert!(left.is_empty(), "launch handoffs left behind: {left:?}");
    let grep = Command::new("grep")
        .args(["-rl", &secret])
        .arg(t.dir().join("home"))
        .output()
        .unwrap();
    assert!(
        grep.stdout.is_empty(),
        "secret at rest in {}",
        String::from_utf8_lossy(&grep.stdout)
    );
    t.rt.stop(&h).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operations_on_pj_1_never_touch_pj_10() {
    let t = tmux();
    let sleeper = |cwd: &Path| LaunchSpec::new("sh", ["-c", "echo up; exec sleep 60"], cwd);
    let ten = t.rt.start(&sid("pj-10"), &sleeper(t.dir())).await.unwrap();
    let handle_1 = t.rt.locate(&sid("pj-1"));
    // pj-1 does not exist even though pj-10 does.
    assert_eq!(
        t.rt.liveness(std::slice::from_ref(&handle_1))
            .await
            .unwrap()["pj-1"],
        RuntimeStatus::Missing
    );
    assert!(matches!(
        t.rt.output(&handle_1, 5).await,
        Err(RuntimeError::NotFound { .. })
    ));
    assert!(matches!(
        t.rt.send(&handle_1, "x").await,
        Err(RuntimeError::NotFound { .. })
    ));
    t.rt.stop(&handle_1).await.unwrap();
    let one = t.rt.start(&sid("pj-1"), &sleeper(t.dir())).await.unwrap();
    wait_output(&t.rt, &one, "up").await;
    t.rt.stop(&one).await.unwrap();
    let status = t.rt.liveness(&[ten.clone(), one]).await.unwrap();
    assert_eq!(status["pj-10"], RuntimeStatus::Alive);
    assert_eq!(status["pj-1"], RuntimeStatus::Missing);
    t.rt.stop(&ten).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exit_statuses_are_recorded_every_time() {
    let t = tmux();
    for i in 0..20u8 {
        let code = i % 7 + 1;
        let id = sid(&format!("ex-{i}"));
        let h =
            t.rt.start(
                &id,
                &LaunchSpec::new(HELPER, ["exit".to_string(), code.to_string()], t.dir()),
            )
            .await
            .unwrap();
        let start = Instant::now();
        loop {
            let s = t.rt.liveness(std::slice::from_ref(&h)).await.unwrap()[&h.id];
            if s == (RuntimeStatus::Exited {
                code: Some(i32::from(code)),
            }) {
                break;
            }
            assert!(
                matches!(s, RuntimeStatus::Alive) && start.elapsed() < Duration::from_secs(10),
                "run {i}: status {s:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        t.rt.stop(&h).await.unwrap();
    }
}

async fn paste_reader(t: &Tmux, name: &str) -> (RuntimeHandle, PathBuf) {
    let file = t.dir().join(format!("{name}.bytes"));
    let h =
        t.rt.start(
            &sid(name),
            &LaunchSpec::new(HELPER, ["paste-reader", file.to_str().unwrap()], t.dir()),
        )
        .await
        .unwrap();
    wait_output(&t.rt, &h, "READY").await;
    (h, file)
}

fn received(file: &Path) -> Vec<u8> {
    wait_for("the submission", || {
        std::fs::read(file)
            .map(|b| b.contains(&b'\r'))
            .unwrap_or(false)
    });
    std::thread::sleep(Duration::from_millis(500));
    std::fs::read(file).unwrap()
}

fn pasted(text: &str) -> Vec<u8> {
    [b"\x1b[200~".as_slice(), text.as_bytes(), b"\x1b[201~\r"].concat()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_multiline_message_arrives_exactly_as_one_paste() {
    let t = tmux();
    let (h, file) = paste_reader(&t, "msg-1").await;
    let line = "quotes \" ' `ticks` $(not run) ${NOPE} back\\slash\ttab ünïcødé ✓ 漢字 — end";
    let mut message = String::new();
    let mut n = 0;
    while message.len() < 20_000 {
        n += 1;
        message.push_str(&format!("{n:04}: {line}\n"));
    }
    t.rt.send(&h, &message).await.unwrap();
    let got = received(&file);
    assert_eq!(
        String::from_utf8_lossy(&got),
        String::from_utf8_lossy(&pasted(message.strip_suffix('\n').unwrap()))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn control_characters_are_removed_and_cannot_break_out_of_the_paste() {
    let t = tmux();
    let (h, file) = paste_reader(&t, "msg-2").await;
    let message = "before\x1b[201~\x1b[?2004l echo pwned\x07\x00\rafter\r\n\x03";
    t.rt.send(&h, message).await.unwrap();
    let got = received(&file);
    assert_eq!(sanitize(message), "before[201~[?2004l echo pwnedafter");
    assert_eq!(got, pasted("before[201~[?2004l echo pwnedafter"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn erase_sends_exactly_that_many_backspaces() {
    let t = tmux();
    let (h, file) = paste_reader(&t, "msg-erase").await;
    t.rt.erase(&h, 3).await.unwrap();
    t.rt.erase(&h, 0).await.unwrap();
    t.rt.send(&h, "/x").await.unwrap();
    let got = received(&file);
    assert_eq!(
        got,
        b"\x7f\x7f\x7f/x\r",
        "{}",
        String::from_utf8_lossy(&got)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slash_commands_are_typed_not_pasted() {
    let t = tmux();
    let (h, file) = paste_reader(&t, "msg-3").await;
    t.rt.send(&h, "/compact\n").await.unwrap();
    assert_eq!(received(&file), b"/compact\r");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_ao_did_not_create_is_never_touched() {
    let t = tmux();
    assert!(
        t.raw(&["new-session", "-d", "-s", "pj-7", "sleep", "60"])
            .status
            .success()
    );
    let spec = LaunchSpec::new("sh", ["-c", "sleep 60"], t.dir());
    assert!(matches!(
        t.rt.start(&sid("pj-7"), &spec).await,
        Err(RuntimeError::Foreign { .. })
    ));
    let h = t.rt.locate(&sid("pj-7"));
    assert!(matches!(
        t.rt.stop(&h).await,
        Err(RuntimeError::Foreign { .. })
    ));
    assert!(matches!(
        t.rt.send(&h, "rm -rf /").await,
        Err(RuntimeError::Foreign { .. })
    ));
    assert!(matches!(
        t.rt.output(&h, 5).await,
        Err(RuntimeError::Foreign { .. })
    ));
    assert_eq!(
        t.rt.liveness(std::slice::from_ref(&h)).await.unwrap()["pj-7"],
        RuntimeStatus::Missing
    );
    assert!(
        t.raw(&["has-session", "-t", "=pj-7:"]).status.success(),
        "the foreign session survived"
    );
    assert_eq!(
        t.rt.attach_command(&h).unwrap(),
        [
            "tmux",
            "-L",
            t.socket.as_str(),
            "attach-session",
            "-t",
            "=pj-7:"
        ]
    );
}

#[tokio::test]
async fn a_server_that_is_shutting_down_counts_as_gone_and_a_new_one_starts() {
    // `kill-server` returns before the server has gone; a client that reaches it meanwhile is
    // told it "exited unexpectedly". Liveness must read that as "no sessions", and a start
    // right after must get a fresh server.
    let t = tmux();
    for round in 0..10 {
        let id = sid(&format!("dying-{round}"));
        let spec = LaunchSpec::new("sh", ["-c", "sleep 60"], t.dir());
        let handle = t.rt.start(&id, &spec).await.unwrap();
        assert!(t.raw(&["kill-server"]).status.success());
        let live = t.rt.liveness(std::slice::from_ref(&handle)).await.unwrap();
        assert_ne!(
            live.get(id.as_str()),
            Some(&RuntimeStatus::Alive),
            "round {round}"
        );
    }
    let id = sid("after");
    let handle =
        t.rt.start(&id, &LaunchSpec::new("sh", ["-c", "sleep 60"], t.dir()))
            .await
            .unwrap();
    let live = t.rt.liveness(std::slice::from_ref(&handle)).await.unwrap();
    assert_eq!(live.get("after"), Some(&RuntimeStatus::Alive));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handle_leads_to_its_own_server_whatever_the_runtime_starts_on() {
    let a = tmux();
    let spec = LaunchSpec::new("sh", ["-c", "echo on-server-a; exec sleep 60"], a.dir());
    let h = a.rt.start(&sid("pj-1"), &spec).await.unwrap();
    wait_output(&a.rt, &h, "on-server-a").await;
    // Another runtime of the same AO_HOME whose new sessions go to another server (or the
    // default one) still finds this session where its handle says.
    let b = tmux();
    let options = TmuxOptions {
        socket: Some(b.socket.clone()),
        home: AoHome::new(a.dir().join("home")),
        exe: PathBuf::from(HELPER),
        enter_delay: Duration::from_millis(150),
        size: (200, 50),
    };
    let other = TmuxRuntime::new(options);
    assert_eq!(
        other.liveness(std::slice::from_ref(&h)).await.unwrap()["pj-1"],
        RuntimeStatus::Alive
    );
    assert!(other.output(&h, 5).await.unwrap().contains("on-server-a"));
    assert!(matches!(
        other.restart(&h, &spec).await,
        Err(RuntimeError::AlreadyExists { .. })
    ));
    assert!(
        other
            .inventory(std::slice::from_ref(&h))
            .await
            .unwrap()
            .iter()
            .any(|o| o.handle == h && o.status == RuntimeStatus::Alive)
    );
    assert!(
        !b.raw(&["has-session", "-t", "=pj-1:"]).status.success(),
        "nothing was started on the other server"
    );
    // Its program learns the server it really runs on.
    let dump = a.dir().join("env.json");
    let h2 =
        a.rt.start(
            &sid("pj-2"),
            &LaunchSpec::new(HELPER, ["dump", dump.to_str().unwrap()], a.dir()),
        )
        .await
        .unwrap();
    wait_for("the dump", || {
        std::fs::metadata(&dump).is_ok_and(|m| m.len() > 0)
    });
    let env: serde_json::Value = serde_json::from_slice(&std::fs::read(&dump).unwrap()).unwrap();
    assert_eq!(env["env"]["AO_TMUX_SOCKET"], a.socket.as_str());
    other.stop(&h).await.unwrap();
    a.rt.stop(&h2).await.unwrap();
    assert_eq!(
        a.rt.liveness(std::slice::from_ref(&h)).await.unwrap()["pj-1"],
        RuntimeStatus::Missing
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn screens_of_hundreds_of_sessions_come_back_whole_and_in_place() {
    let t = tmux();
    let first =
        t.rt.start(
            &sid("many-0"),
            &LaunchSpec::new(
                "sh",
                ["-c", "echo screen-of-many-0; exec sleep 60"],
                t.dir(),
            ),
        )
        .await
        .unwrap();
    let tag = String::from_utf8(
        t.raw(&["show-options", "-t", "=many-0:", "-v", "@ao-home"])
            .stdout,
    )
    .unwrap()
    .trim()
    .to_string();
    // 260 more tagged sessions, made directly (the runtime's start is tested elsewhere).
    let n = 260;
    for chunk in (1..=n).collect::<Vec<_>>().chunks(40) {
        let mut args: Vec<String> = Vec::new();
        for i in chunk {
            if !args.is_empty() {
                args.push(";".into());
            }
            let name = format!("many-{i}");
            args.extend(
                [
                    "new-session",
                    "-d",
                    "-s",
                    &name,
                    "sh",
                    "-c",
                    &format!("echo screen-of-{name}; exec sleep 60"),
                    ";",
                    "set-option",
                    "-t",
                    &format!("={name}:"),
                    "@ao-home",
                    &tag,
                ]
                .map(String::from),
            );
        }
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = t.raw(&refs);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let mut handles: Vec<RuntimeHandle> = (0..=n)
        .map(|i| t.rt.locate(&sid(&format!("many-{i}"))))
        .collect();
    assert_eq!(handles[0], first);
    // One that does not exist, in the middle.
    handles.insert(100, t.rt.locate(&sid("many-gone")));
    let start = Instant::now();
    let screens = loop {
        let screens = t.rt.screens(&handles, 5).await.unwrap();
        if (0..=n).all(|i| {
            screens
                .get(&format!("many-{i}"))
                .is_some_and(|s| s.contains(&format!("screen-of-many-{i}")))
        }) {
            break screens;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "{screens:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(screens.len(), n + 1, "the missing session is left out");
    for i in 0..=n {
        let screen = &screens[&format!("many-{i}")];
        assert!(
            !screen.contains(&format!("screen-of-many-{}", i + 1)),
            "screens are not mixed up: {i}: {screen}"
        );
    }
    let inventory = t.rt.inventory(&[]).await.unwrap();
    assert_eq!(inventory.len(), n + 1);
}
