//! Parse + validate + resolve of a 50-project config (target: under 2 ms).

use ao_core::Role;
use ao_core::config::{self, KnownNames, RoleOverrides};

fn main() {
    divan::main();
}

#[divan::bench]
fn load_and_resolve_50_projects(bencher: divan::Bencher<'_, '_>) {
    let dir = tempfile::tempdir().expect("temp dir");
    for i in 0..50 {
        std::fs::create_dir_all(dir.path().join(format!("repos/project-{i}")))
            .expect("project dir");
    }
    let path = dir.path().join("agent-orchestrator.yaml");
    let text = ao_benches::config_with_projects(50);
    let names = KnownNames::builtin();
    bencher.bench_local(|| {
        let cfg = config::load_str(&path, &text, &names, &|_| None).expect("valid config");
        for id in cfg.projects.keys() {
            for role in Role::ALL {
                divan::black_box(
                    cfg.resolve_role(id, role, &RoleOverrides::default())
                        .expect("resolves"),
                );
            }
        }
        cfg
    });
}

#[divan::bench]
fn parse_only_50_projects(bencher: divan::Bencher<'_, '_>) {
    let text = ao_benches::config_with_projects(50);
    let path = std::path::Path::new("/x/agent-orchestrator.yaml");
    bencher.bench_local(|| config::yaml_to_json(path, &text).expect("parses"));
}
