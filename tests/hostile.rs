//! Hostile input, each kind tested: the compiler answers with a clear diagnostic or a correct
//! build, never a panic, a stack overflow or a hang. Strings reach the YAML unchanged: every
//! string position that ends up in the output is filled with YAML-significant text, the
//! output is parsed back by PyYAML (a YAML 1.1 reader, like kubectl's) and compared.
//!
//! Invalid UTF-8 is the loader's business and is tested through the binary in
//! `compiler/cli/tests/hostile.rs`.

use std::fmt::Write as _;
use std::process::Command;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use meshc_core::{analyze, Analysis, Sources};
use meshc_tests::{render, scratch_dir};

/// Runs `work` on its own thread (with the default 2 MiB stack, so unbounded recursion shows
/// up as an overflow) and fails the test if it panics or takes longer than `limit`.
fn bounded<T: Send + 'static>(what: &str, limit: Duration, work: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    let started = Instant::now();
    let handle = std::thread::Builder::new()
        .name(what.to_string())
        .spawn(move || {
            let _ = tx.send(work());
        })
        .expect("spawn");
    match rx.recv_timeout(limit) {
        Ok(value) => {
            handle.join().expect("worker finished");
            value
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => panic!("{what}: the compiler panicked (see above)"),
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("{what}: still running after {:?}", started.elapsed()),
    }
}

fn one_file(name: &str, text: String) -> Sources {
    let mut sources = Sources::new();
    sources.add(name, text);
    sources
}

fn analyze_bounded(what: &str, limit: Duration, sources: Sources) -> (Sources, Analysis) {
    bounded(what, limit, move || {
        let analysis = analyze(&sources);
        (sources, analysis)
    })
}

/// `(line, code)` of every error.
fn errors(sources: &Sources, analysis: &Analysis) -> Vec<(usize, &'static str)> {
    analysis
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| (sources.line_col(d.span.file, d.span.start as usize).0, d.code))
        .collect()
}

/// The emitted output of every environment as `env/path` → contents.
fn emitted(analysis: &Analysis) -> Vec<(String, String)> {
    meshc_istio::emit(analysis, &[])
        .into_iter()
        .flat_map(|env| env.files.into_iter().map(move |f| (format!("{}/{}", env.env, f.path), f.contents)))
        .collect()
}

/// A complete program (services, gateway, routes, policies, a JWT, telemetry; comments and
/// strings), self-contained so the tests do not move with the examples.
const PROGRAM: &str = r#"# A shop with a canary.
mesh shop {
  namespace shop
  environments staging, prod
}

defaults {
  domain: string
  canary = 10%
}

env staging { domain = "staging.shop.example"  canary = 50% }
env prod production { domain = "shop.example" }

service frontend { port http 8080 }

service checkout {
  port http 8080
  versions v1, v2
  eject consecutive_5xx 3, interval 10s, base_time 1m
}

gateway web {
  hosts "${domain}"
  https 443 cert "shop-tls"
  http 80 redirect
}

route storefront via web {
  hosts "${domain}"
  prefix "/api/checkout" -> checkout { timeout 10s }   # the API
  any -> frontend { timeout 5s  response set "x-env" = "${env}" }
}

route checkout {
  hosts checkout
  any -> checkout@v1 90%, checkout@v2 10% { timeout 5s  retry 2 x 1s on connect-failure }
}

policy namespace {
  mtls strict
  default deny
}

policy checkout {
  allow from frontend to POST, GET "/api/checkout", "/api/checkout/*"
}

policy frontend {
  allow from namespace istio-system
}

telemetry {
  metrics prometheus
  access_log envoy filter "response.code >= 500"
}
"#;

fn program_sources() -> Sources {
    one_file("shop.mesh", PROGRAM.to_string())
}

const SHORT: Duration = Duration::from_secs(20);

#[test]
fn an_empty_file_is_an_empty_program() {
    let (sources, analysis) = analyze_bounded("empty file", SHORT, one_file("empty.mesh", String::new()));
    assert!(analysis.diagnostics.is_empty(), "{}", render(&sources, &analysis));
    // No `mesh` declaration and no environment: the one default environment, with nothing in
    // it but the (empty) kustomization.
    let files = emitted(&analysis);
    assert!(files.iter().all(|(path, _)| path.ends_with("/kustomization.yaml")), "{files:?}");

    // Beside a real project it changes nothing.
    let mut with_empty = program_sources();
    with_empty.add("zz-empty.mesh", String::new());
    let (_, analysis) = analyze_bounded("empty file in a project", SHORT, with_empty);
    let (_, plain) = analyze_bounded("project", SHORT, program_sources());
    assert!(!analysis.has_errors());
    assert_eq!(emitted(&analysis), emitted(&plain));
}

#[test]
fn control_characters_are_syntax_errors_on_their_line() {
    let (name, text) = ("shop.mesh", PROGRAM.to_string());
    // Before the first statement of the mesh declaration, between two tokens.
    let at = text.find("namespace shop").expect("the program has its namespace");
    let line = text[..at].matches('\n').count() + 1;
    for c in ['\0', '\u{1}', '\u{7}', '\u{8}', '\u{b}', '\u{c}', '\u{1b}', '\u{7f}', '\u{85}', '\u{200b}'] {
        let mut broken = text.clone();
        broken.insert(at, c);
        let (sources, analysis) = analyze_bounded(&format!("U+{:04X}", c as u32), SHORT, one_file(name, broken));
        let found = errors(&sources, &analysis);
        assert!(
            found.contains(&(line, "E0001")),
            "U+{:04X} on line {line}: expected E0001 there, got {found:?}",
            c as u32
        );
        for d in analysis.diagnostics.iter().filter(|d| d.is_error()) {
            assert!(
                !d.message.chars().any(|m| m.is_control() && m != '\n'),
                "U+{:04X}: the message carries the raw character: {:?}",
                c as u32,
                d.message
            );
        }
    }
}

/// A byte-order mark, CRLF line ends and tab indentation are whitespace: the program and
/// its output are the same as without them (the source lines do not move).
#[test]
fn bom_crlf_and_tabs_change_nothing() {
    let (name, text) = ("shop.mesh", PROGRAM.to_string());
    let (_, reference) = analyze_bounded("program", SHORT, one_file(name, text.clone()));
    assert!(!reference.has_errors());
    let expected = emitted(&reference);
    let variants = [
        ("BOM", format!("\u{feff}{text}")),
        ("CRLF", text.replace('\n', "\r\n")),
        ("tabs", text.lines().map(|l| l.replacen("  ", "\t", 1)).collect::<Vec<_>>().join("\n")),
        ("BOM+CRLF+tabs", format!("\u{feff}{}", text.replace("\n  ", "\r\n\t"))),
    ];
    for (what, variant) in variants {
        let (sources, analysis) = analyze_bounded(what, SHORT, one_file(name, variant));
        assert!(!analysis.has_errors(), "{what}:\n{}", render(&sources, &analysis));
        assert!(emitted(&analysis) == expected, "{what}: the output differs from the plain file's");
    }

    // A mistake is reported at the same line and column with CRLF line ends.
    let broken = text.replacen("checkout@v2", "checkout@v9", 1);
    let (sources, analysis) = analyze_bounded("LF", SHORT, one_file(name, broken.clone()));
    let (crlf_sources, crlf) = analyze_bounded("CRLF", SHORT, one_file(name, broken.replace('\n', "\r\n")));
    let at = |s: &Sources, a: &Analysis| -> Vec<(usize, usize, &'static str)> {
        a.diagnostics
            .iter()
            .map(|d| {
                let (line, col) = s.line_col(d.span.file, d.span.start as usize);
                (line, col, d.code)
            })
            .collect()
    };
    assert!(!at(&sources, &analysis).is_empty());
    assert_eq!(at(&sources, &analysis), at(&crlf_sources, &crlf));
}

/// 100,000 unclosed braces (and other runs) parse without recursion: one syntax error.
#[test]
fn deep_nesting_is_one_syntax_error() {
    let depth = 100_000;
    let inputs = [
        ("braces", "{".repeat(depth)),
        ("closing braces", "}".repeat(depth)),
        ("mesh then braces", format!("mesh shop {}", "{".repeat(depth))),
        (
            "nested service blocks",
            format!("mesh shop {{ namespace shop }}\nservice a {}", "{ port http 80 ".repeat(depth)),
        ),
        ("interpolations", format!("mesh shop {{ trust_domain \"{}\" }}", "${".repeat(depth))),
        ("arrows", format!("mesh shop {{ namespace shop }}\nroute r {{ hosts a  any {} }}", "-> a ".repeat(depth))),
    ];
    for (what, text) in inputs {
        let (sources, analysis) = analyze_bounded(what, SHORT, one_file("deep.mesh", text));
        assert!(analysis.has_errors(), "{what}: accepted");
        let rendered = render(&sources, &analysis);
        assert!(rendered.contains("error[E0001]") || rendered.contains("error[E0"), "{what}: {rendered:.300}");
    }
}

/// A megabyte name is a clear error (not a DNS label), and a megabyte misspelled reference
/// to it does not make "did you mean" build a table of a trillion cells.
#[test]
fn megabyte_names_are_errors_not_hangs() {
    let long = "a".repeat(1 << 20);
    let typo = format!("{}b", &long[1..]);
    let text = format!(
        "mesh shop {{ namespace shop  environments dev }}\nenv dev {{ }}\nservice {long} {{ port http 80 }}\n\
         route r {{\n  hosts {typo}\n  any -> {typo}\n}}\n"
    );
    let (sources, analysis) = analyze_bounded("megabyte names", Duration::from_secs(60), one_file("long.mesh", text));
    let found = errors(&sources, &analysis);
    assert!(found.contains(&(3, "E0206")), "the long name is not a DNS label: {found:?}");
    assert!(found.contains(&(5, "E0101")), "the misspelled reference is unknown: {found:?}");
    let rendered = bounded("render", SHORT, move || render(&sources, &analysis));
    assert!(rendered.contains("error[E0206]"));
}

/// Ten megabytes: four thousand services with their routes, each documented by a long
/// comment. Checked in bounded time in this debug build; checking is linear in the size
/// (the release build checks ten megabytes of declarations alone in seconds).
#[test]
fn a_ten_megabyte_file_is_checked_in_bounded_time() {
    let services = 4000;
    let comment = format!("# {}\n", "documentation ".repeat(130));
    let mut text = String::from("mesh big {\n  namespace big\n  environments prod\n}\nenv prod { }\n");
    for i in 0..services {
        let _ = write!(
            text,
            "{comment}service svc-{i} {{\n  port http 8080\n  versions v1, v2\n}}\n\
             route svc-{i} {{\n  hosts svc-{i}\n  prefix \"/api/v1/items\" -> svc-{i}@v2 {{ timeout 5s  retry 2 x 1s on connect-failure }}\n  \
             any -> svc-{i}@v1 {{ timeout 5s }}\n}}\n"
        );
    }
    while text.len() < 10 << 20 {
        text.push_str(&comment);
    }
    let size = text.len();
    let started = Instant::now();
    let (sources, analysis) = analyze_bounded("10 MB", Duration::from_secs(120), one_file("big.mesh", text));
    let elapsed = started.elapsed();
    assert!(!analysis.has_errors(), "{:.2000}", render(&sources, &analysis));
    assert_eq!(analysis.meshes[0].services.len(), services);
    let routes = emitted(&analysis).iter().filter(|(path, _)| path.contains("/virtualservice-")).count();
    assert_eq!(routes, services, "one VirtualService per route");
    eprintln!("{size} bytes, {services} services and routes: analysed in {elapsed:?}");
}

/// Ten megabytes that are one comment, one line of spaces, or one unterminated string.
#[test]
fn ten_megabytes_of_nothing_in_particular() {
    let big = 10 << 20;
    let inputs = [
        ("one comment", format!("# {}", "x".repeat(big))),
        ("one line of spaces", format!("mesh shop {}{{ namespace shop }}", " ".repeat(big))),
        ("an unterminated string", format!("mesh shop {{ trust_domain \"{}", "x".repeat(big))),
        ("newlines", "\n".repeat(big)),
    ];
    for (what, text) in inputs {
        let (sources, analysis) = analyze_bounded(what, Duration::from_secs(120), one_file("big.mesh", text));
        for d in &analysis.diagnostics {
            assert!(d.message.len() < 1000, "{what}: a {}-byte message", d.message.len());
        }
        bounded("render", SHORT, move || render(&sources, &analysis));
    }
}

/// Names are ASCII by the grammar: a Unicode name is a syntax error there, not a crash.
#[test]
fn unicode_names_are_syntax_errors() {
    for name in ["café", "サービス", "a\u{301}", "\u{1f600}", "x\u{200d}y"] {
        let text = format!("mesh shop {{ namespace shop }}\n\nservice {name} {{ port http 80 }}\n");
        let (sources, analysis) = analyze_bounded(name, SHORT, one_file("u.mesh", text));
        let found = errors(&sources, &analysis);
        assert!(found.iter().any(|(line, code)| *line == 3 && *code == "E0001"), "{name}: {found:?}");
    }
}

// ---- strings reach the YAML unchanged ----------------------------------------------------

/// Text that YAML readers retype or misread when it is not quoted, plus Unicode.
const HOSTILE: &[&str] = &[
    "*",
    "on",
    "off",
    "yes",
    "no",
    "y",
    "n",
    "true",
    "False",
    "~",
    "null",
    "Null",
    "",
    "1.10",
    "0x1F",
    "0o17",
    "017",
    "1e3",
    "1_000",
    ".inf",
    "-.nan",
    "12:30:45",
    "2001-12-14",
    "2001:db8::1",
    "::1",
    "[::1]:80",
    ":",
    "a: b",
    "key:",
    "#",
    "# comment",
    "a #b",
    " leading",
    "trailing ",
    "  ",
    "new\nline",
    "tab\there",
    "cr\rhere",
    "-",
    "- item",
    "? q",
    "[a, b]",
    "{a: b}",
    "&anchor",
    "*alias",
    "!tag",
    "!!str",
    "%YAML",
    "@at",
    "`tick`",
    "|",
    ">",
    "'single'",
    "\"double\"",
    "back\\slash",
    "$dollar",
    "${not_interp}",
    "<<",
    "=",
    "---",
    "...",
    "é",
    "日本語",
    "\u{1f600}",
    "\u{200f}rtl",
    "\u{feff}bom",
    "a\u{0}nul",
];

/// One string position of the language that reaches the output: the text around it, what
/// must precede the hostile string there (paths start with `/`), and a neutral value.
struct Position {
    name: &'static str,
    /// The statement(s) with `@` where the string literal goes.
    template: &'static str,
    prefix: &'static str,
}

const POSITIONS: &[Position] = &[
    Position { name: "request header value", template: "route-option request set \"x-a\" = @", prefix: "" },
    Position { name: "added request header", template: "route-option request add \"x-b\" = @", prefix: "" },
    Position { name: "response header value", template: "route-option response set \"x-c\" = @", prefix: "" },
    Position {
        name: "header match value",
        template: "route-rule header \"x-user\" = @ -> cart { timeout 5s }",
        prefix: "",
    },
    Position {
        name: "header prefix match",
        template: "route-rule header \"x-user\" prefix @ -> cart { timeout 5s }",
        prefix: "",
    },
    Position { name: "query match value", template: "route-rule query \"q\" = @ -> cart { timeout 5s }", prefix: "" },
    Position { name: "direct response body", template: "route-rule exact \"/teapot\" respond 418 @", prefix: "" },
    Position { name: "redirect uri", template: "route-rule prefix \"/old\" redirect uri @", prefix: "/" },
    Position { name: "rewrite", template: "route-option rewrite @", prefix: "/" },
    Position { name: "CORS origin", template: "route-option cors { origins @ }", prefix: "https://" },
    Position {
        name: "authorization header value",
        template: "policy allow from web when header \"x-t\" in @",
        prefix: "",
    },
    Position {
        name: "authorization claim value",
        template: "policy allow from web when claim \"grp\" in @",
        prefix: "",
    },
    Position { name: "JWT subject", template: "policy allow from jwt @", prefix: "https://login.shop.example/" },
    Position { name: "JWT issuer", template: "jwt issuer @", prefix: "" },
    Position { name: "JWT audience", template: "jwt audiences @", prefix: "" },
    Position { name: "JWT header prefix", template: "jwt from header \"authorization\" prefix @", prefix: "" },
    Position { name: "telemetry tag", template: "telemetry tag t1 = @", prefix: "" },
    Position { name: "tag header default", template: "telemetry tag t2 = header \"x-h\" default @", prefix: "" },
    Position { name: "environment value", template: "value", prefix: "" },
];

fn section_of(position: &Position) -> &'static str {
    position.template.split(' ').next().unwrap_or_default()
}

/// The marker put in each position for the reference build, to find where the string lands.
const MARKER: &str = "meshc-marker-5f3a";

/// A `.mesh` string literal holding exactly `text`.
fn literal(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' => out.push_str("\\$"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A program with `value` (a string literal) in `position`, and the literal's byte range.
fn program(position: &Position, value: &str) -> (String, std::ops::Range<usize>) {
    const HOLE: &str = "\u{0}hole\u{0}";
    let (section, statement) = position.template.split_once(' ').unwrap_or((position.template, ""));
    let hole = |wanted: &str| if section == wanted { statement.replace('@', HOLE) } else { String::new() };
    let note = if section == "value" { HOLE } else { "\"plain\"" };
    let issuer = if hole("jwt").starts_with("issuer") { "" } else { "issuer \"https://login.shop.example\"" };
    let text = format!(
        "mesh shop {{\n  namespace shop\n  environments dev\n}}\n\n\
         defaults {{ note = {note} }}\nenv dev {{ }}\n\n\
         service cart {{ port http 8080 }}\nservice web {{ port http 8080 }}\n\n\
         route cart {{\n  hosts cart\n  {rule}\n  prefix \"/api\" -> cart {{\n    timeout 5s\n    {option}\n  }}\n  \
         any -> cart {{ timeout 5s  request set \"x-note\" = \"${{note}}\" }}\n}}\n\n\
         policy cart {{\n  allow from web\n  {policy}\n}}\n\n\
         jwt login {{\n  on cart\n  {issuer}\n  {jwt}\n}}\n\n\
         provider zipkin zipkin \"zipkin.istio-system:9411\"\n\n\
         telemetry {{\n  tracing zipkin\n  {telemetry}\n}}\n",
        rule = hole("route-rule"),
        option = hole("route-option"),
        policy = hole("policy"),
        jwt = hole("jwt"),
        telemetry = hole("telemetry"),
    );
    let start = text.find(HOLE).expect("the template has a hole");
    (text.replacen(HOLE, value, 1), start..start + value.len())
}

/// Collects every string leaf of the YAML files under a directory with its place, with
/// PyYAML; then checks, for each case, that the places where the reference build has the
/// marker hold exactly the expected text. Prints one line per failure.
const COMPARE: &str = r#"
import json, os, sys, yaml

def leaves(node, path, out):
    if isinstance(node, dict):
        for k, v in node.items():
            leaves(v, path + [str(k)], out)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            leaves(v, path + [str(i)], out)
    else:
        out[tuple(path)] = node

def load(directory):
    out = {}
    for root, _, files in os.walk(directory):
        for name in sorted(files):
            path = os.path.join(root, name)
            with open(path, encoding="utf-8") as f:
                for i, doc in enumerate(yaml.safe_load_all(f)):
                    leaves(doc, [os.path.relpath(path, directory), str(i)], out)
    return out

manifest = json.load(open(sys.argv[1], encoding="utf-8"))
failures = 0
references = {}
for case in manifest:
    if case["reference"] not in references:
        references[case["reference"]] = load(case["reference"])
    reference = references[case["reference"]]
    places = [p for p, v in reference.items() if isinstance(v, str) and case["marker"] in v]
    if not places:
        print("NO-MARKER", case["name"])
        failures += 1
        continue
    got = load(case["dir"])
    for p in places:
        want = reference[p].replace(case["marker"], case["expected"])
        if got.get(p) != want:
            print("MISMATCH", case["name"], "/".join(p), json.dumps(want), json.dumps(got.get(p), default=str))
            failures += 1
print("checked", len(manifest), "cases,", failures, "failures")
sys.exit(1 if failures else 0)
"#;

fn json_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[test]
fn yaml_significant_strings_reach_the_yaml_unchanged() {
    let root = scratch_dir("hostile-strings");
    let mut manifest = Vec::new();
    let mut accepted = 0;
    let mut rejected = Vec::new();
    for (p, position) in POSITIONS.iter().enumerate() {
        let reference_value = literal(&format!("{}{MARKER}", position.prefix));
        let (text, _) = program(position, &reference_value);
        let (sources, analysis) = analyze_bounded(position.name, SHORT, one_file("strings.mesh", text));
        assert!(
            !analysis.has_errors(),
            "{}: the reference program fails:\n{}",
            position.name,
            render(&sources, &analysis)
        );
        let reference_dir = root.join(format!("ref-{p}"));
        meshc_istio::write_tree(&reference_dir, &meshc_istio::emit(&analysis, &[])).expect("write reference");
        for (h, hostile) in HOSTILE.iter().enumerate() {
            let expected = format!("{}{hostile}", position.prefix);
            let (text, mark) = program(position, &literal(&expected));
            let what = format!("{} = {hostile:?}", position.name);
            let (sources, analysis) = analyze_bounded(&what, SHORT, one_file("strings.mesh", text));
            if analysis.has_errors() {
                // Refused: the error must point at the string (or, for a value, where it is used).
                let used = sources.get(meshc_core::FileId(0)).text.find("\"${note}\"").unwrap_or(0);
                let overlaps = |d: &meshc_core::Diagnostic, r: std::ops::Range<usize>| {
                    (d.span.start as usize) < r.end && (d.span.end as usize) > r.start
                };
                let at_string = analysis.diagnostics.iter().filter(|d| d.is_error()).any(|d| {
                    overlaps(d, mark.clone()) || (section_of(position) == "value" && overlaps(d, used..used + 9))
                });
                assert!(at_string, "{what}: refused, but not at the string:\n{}", render(&sources, &analysis));
                rejected.push(what);
                continue;
            }
            accepted += 1;
            let dir = root.join(format!("case-{p}-{h}"));
            meshc_istio::write_tree(&dir, &meshc_istio::emit(&analysis, &[])).expect("write case");
            manifest.push(format!(
                "{{\"name\": {}, \"reference\": {}, \"dir\": {}, \"marker\": {}, \"expected\": {}}}",
                json_string(&what),
                json_string(&reference_dir.to_string_lossy()),
                json_string(&dir.to_string_lossy()),
                json_string(MARKER),
                json_string(hostile)
            ));
        }
    }
    let manifest_path = root.join("manifest.json");
    std::fs::write(&manifest_path, format!("[{}]", manifest.join(",\n"))).expect("write manifest");
    let result = Command::new("python3")
        .arg("-c")
        .arg(COMPARE)
        .arg(&manifest_path)
        .output()
        .expect("python3 runs (PyYAML comes with ../shared/tools/requirements.txt)");
    let report = format!("{}{}", String::from_utf8_lossy(&result.stdout), String::from_utf8_lossy(&result.stderr));
    assert!(result.status.success(), "strings changed on their way to YAML:\n{report}");
    // Plain words YAML would retype must be accepted everywhere, not just refused safely.
    for word in ["on", "yes", "1.10", "0x1F", "~", "null", "12:30:45", "*", "#"] {
        let refused: Vec<&String> = rejected.iter().filter(|r| r.ends_with(&format!("= {word:?}"))).collect();
        assert!(refused.is_empty(), "{word:?} refused in {refused:?}");
    }
    eprintln!(
        "{accepted} string positions round-tripped through PyYAML; {} refused with an error at the string",
        rejected.len()
    );
    let _ = std::fs::remove_dir_all(&root);
}
