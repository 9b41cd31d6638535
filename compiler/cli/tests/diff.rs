//! End-to-end tests of the two ways meshc compares output: `meshc diff` between two
//! environments of a program, and `meshc build --check` between the program and what is on
//! disk (the drift gate).

use std::fs;
use std::path::Path;
use std::process::Command;

/// Two environments that differ in one value, one object and the gateway's host.
const PROGRAM: &str = r#"mesh shop {
  namespace shop
  environments staging, prod
}

defaults {
  domain: string
  checkout_timeout = 5s
}

env staging { domain = "staging.shop.example"  checkout_timeout = 3s }
env prod production { domain = "shop.example" }

policy namespace { mtls strict }

gateway web {
  hosts "${domain}"
  https 443 cert "shop-tls"
}

service checkout {
  port http 8080
  versions v1
}

route checkout via web, mesh {
  hosts checkout, "${domain}"
  any -> checkout@v1:http { timeout $checkout_timeout }
}
"#;

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn meshc(dir: &Path, args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_meshc")).args(args).current_dir(dir).output().expect("meshc runs");
    Run {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn project(program: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    fs::create_dir_all(dir.path().join("proj")).expect("create dir");
    fs::write(dir.path().join("proj/mesh.mesh"), program).expect("write program");
    dir
}

#[test]
fn diff_shows_each_differing_field_of_each_object() {
    let dir = project(PROGRAM);
    let run = meshc(dir.path(), &["--color", "never", "diff", "proj", "--env", "staging", "--env", "prod"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "~ Gateway/web in istio-system\n    \
             spec.servers[0].hosts[0]: staging.shop.example → shop.example\n\
         ~ VirtualService/checkout in shop\n    \
             spec.hosts[1]: staging.shop.example → shop.example\n    \
             spec.http[0].timeout: 3s → 5s\n\
         ~ kustomization.yaml\n    \
             metadata.name: shop-staging → shop-prod\n\
         staging → prod: 3 objects differ, 0 only in staging, 0 only in prod, 2 the same\n"
    );
    assert!(!dir.path().join("out").exists(), "diff writes nothing");

    // The other way round, the arrows turn.
    let run = meshc(dir.path(), &["--color", "never", "diff", "proj", "--env", "prod", "--env", "staging"]);
    assert!(run.stdout.contains("spec.http[0].timeout: 5s → 3s\n"), "{}", run.stdout);
}

#[test]
fn an_environment_compared_with_itself_is_the_same_throughout() {
    let dir = project(PROGRAM);
    let run = meshc(dir.path(), &["--color", "never", "diff", "proj", "--env", "prod", "--env", "prod"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(run.stdout, "prod → prod: 0 objects differ, 0 only in prod, 0 only in prod, 5 the same\n");
}

#[test]
fn diff_needs_two_declared_environments_and_a_program_without_errors() {
    let dir = project(PROGRAM);
    let one = meshc(dir.path(), &["diff", "proj", "--env", "prod"]);
    assert_eq!(one.code, Some(2));
    assert!(one.stderr.contains("`meshc diff` compares two environments, but 1 was given"), "{}", one.stderr);
    assert_eq!(meshc(dir.path(), &["diff", "proj"]).code, Some(2), "--env is required");

    let unknown = meshc(dir.path(), &["diff", "proj", "--env", "staging", "--env", "prd"]);
    assert_eq!(unknown.code, Some(2));
    assert!(unknown.stderr.contains("unknown environment `prd`"), "{}", unknown.stderr);
    assert!(unknown.stderr.contains("did you mean `prod`?"), "{}", unknown.stderr);

    let broken = project(&PROGRAM.replace("checkout@v1", "checkout@v9"));
    let run = meshc(broken.path(), &["diff", "proj", "--env", "staging", "--env", "prod"]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(run.stderr.contains("error: aborting due to"), "{}", run.stderr);
    assert_eq!(run.stdout, "");
}

#[test]
fn the_drift_gate_prints_the_diff_of_changed_missing_and_stale_files_and_exits_1() {
    let dir = project(PROGRAM);
    let build = meshc(dir.path(), &["build", "proj", "--out", "out"]);
    assert_eq!(build.code, Some(0), "{}", build.stderr);
    let clean = meshc(dir.path(), &["build", "proj", "--out", "out", "--check"]);
    assert_eq!((clean.code, clean.stdout.as_str()), (Some(0), ""), "{}", clean.stderr);

    let out = dir.path().join("out/prod");
    let changed = out.join("shop/virtualservice-checkout.yaml");
    let contents = fs::read_to_string(&changed).expect("built");
    fs::write(&changed, contents.replace("timeout: 5s", "timeout: 50s")).expect("edit");
    fs::remove_file(out.join("shop/destinationrule-checkout.yaml")).expect("delete");
    fs::write(out.join("shop/stale.yaml"), "kind: Stale\n").expect("write");

    let run = meshc(dir.path(), &["build", "proj", "--out", "out", "--check"]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(run.stderr.contains("out is out of date: 3 files would change"), "{}", run.stderr);
    assert!(run.stdout.contains("-    timeout: 50s\n+    timeout: 5s\n"), "{}", run.stdout);
    assert!(
        run.stdout.contains("--- /dev/null\n+++ b/out/prod/shop/destinationrule-checkout.yaml\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("--- a/out/prod/shop/stale.yaml\n+++ /dev/null\n@@ -1 +0,0 @@\n-kind: Stale\n"),
        "{}",
        run.stdout
    );
    assert!(out.join("shop/stale.yaml").exists(), "--check writes nothing");
}
