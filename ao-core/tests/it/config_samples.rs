//! Every file under `tests/sample-configs/valid` loads; every file under `invalid` fails with
//! exactly the errors its `# expect:` lines list (`line:col key ~ message part ~ hint part`).

use std::path::Path;

use ao_core::config::{self, ConfigError, KnownNames, Pos};

use crate::support::{git_repo, samples};

fn yaml_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no samples in {}", dir.display());
    files
}

#[test]
fn valid_samples_load() {
    let tmp = tempfile::tempdir().unwrap();
    for file in yaml_files(&samples().join("valid")) {
        let name = file.file_stem().unwrap().to_string_lossy().into_owned();
        // Flat project files only mean something inside their repository.
        let path = if name.starts_with("flat-") {
            let repo = git_repo(tmp.path(), &name);
            let dest = repo.join("agent-orchestrator.yaml");
            std::fs::copy(&file, &dest).unwrap();
            dest
        } else {
            file.clone()
        };
        match config::load(&path, &KnownNames::builtin()) {
            Ok(cfg) => assert!(!cfg.projects.is_empty(), "{name}: no projects"),
            Err(ConfigError::Invalid { diagnostics, .. }) => {
                let text: Vec<String> = diagnostics.iter().map(ToString::to_string).collect();
                panic!("{name} should be valid:\n{}", text.join("\n"));
            }
            Err(other) => panic!("{name}: {other}"),
        }
    }
}

struct Expect {
    pos: Pos,
    key: String,
    message: String,
    hint: Option<String>,
}

fn expectations(text: &str) -> Vec<Expect> {
    text.lines()
        .filter_map(|l| l.strip_prefix("# expect: "))
        .map(|spec| {
            let mut parts = spec.split(" ~ ");
            let head = parts.next().unwrap();
            let mut head = head.split_whitespace();
            let (line, col) = head.next().unwrap().split_once(':').unwrap();
            let key = head.next().unwrap_or("").to_string();
            let message = parts.next().unwrap_or("").trim().to_string();
            let hint = parts
                .next()
                .map(|h| h.trim().to_string())
                .filter(|h| !h.is_empty());
            Expect {
                pos: Pos::new(line.parse().unwrap(), col.parse().unwrap()),
                key,
                message,
                hint,
            }
        })
        .collect()
}

#[test]
fn invalid_samples_fail_with_their_expected_errors() {
    for file in yaml_files(&samples().join("invalid")) {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&file).unwrap();
        let expected = expectations(&text);
        assert!(!expected.is_empty(), "{name} has no `# expect:` line");
        let errors = crate::support::errors(config::load(&file, &KnownNames::builtin()));
        let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            errors.len(),
            expected.len(),
            "{name}: errors were\n{}",
            shown.join("\n")
        );
        for exp in &expected {
            let found = errors.iter().any(|e| {
                e.pos == exp.pos
                    && e.key == exp.key
                    && e.message.contains(&exp.message)
                    && exp
                        .hint
                        .as_ref()
                        .is_none_or(|h| e.hint.as_deref().is_some_and(|eh| eh.contains(h.as_str())))
                    && e.file == file
            });
            assert!(
                found,
                "{name}: no error at {} `{}` ~ {:?} ~ {:?}; errors were\n{}",
                exp.pos,
                exp.key,
                exp.message,
                exp.hint,
                shown.join("\n")
            );
        }
    }
}
