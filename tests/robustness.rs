//! Property test over random and mutated programs (the in-suite sibling of `fuzz/`): every
//! `.mesh` file of the repository is mutated the ways editors and people break files (cut,
//! duplicated or swapped lines, stray tokens, other numbers, YAML-significant strings,
//! Unicode), and token soups are generated from the grammar's vocabulary. Properties:
//!
//! - analysing never panics, and finishes within a bound per input;
//! - every diagnostic's span lies inside its file, on character boundaries;
//! - when there is no error, lowering does not panic either and the output passes Istio's
//!   schemas (`../shared/tools/validate-istio`, run once over a batch of outputs).
//!
//! The random generator has a fixed seed, so a failure reproduces; the failing input is
//! printed.

use std::panic::{self, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use meshc_core::{analyze, FileId, Sources};
use meshc_tests::{assert_valid_istio, files_in, load_case, repo_root, scratch_dir};

/// Inputs per run: mutants of each seed file (more of the seeds without errors, whose
/// mutants often stay valid and so reach the schema check), and token soups.
const MUTANTS_OF_VALID: usize = 40;
const MUTANTS_OF_BROKEN: usize = 6;
const SOUPS: usize = 200;
/// Error-free outputs handed to the schema validator (one Python run for all of them).
const VALIDATED: usize = 120;
/// Per input: far above what any input takes (milliseconds), far below a hang.
const LIMIT: Duration = Duration::from_secs(10);

/// xorshift64*: small, fast and reproducible; quality is not the point.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// The grammar's keywords, read from `grammar/mesh.pest`, and the other tokens of the language.
fn vocabulary() -> Vec<String> {
    let grammar = std::fs::read_to_string(repo_root().join("grammar/mesh.pest")).expect("grammar readable");
    let mut words: Vec<String> = grammar
        .lines()
        .filter_map(|l| l.strip_prefix("K_"))
        .filter_map(|l| l.split('"').nth(1))
        .map(str::to_string)
        .collect();
    assert!(words.len() > 50, "keywords not found in the grammar");
    for token in [
        "{",
        "}",
        "{",
        "}",
        "->",
        "@",
        ":",
        ",",
        "=",
        "\n",
        " ",
        "cart",
        "web",
        "v1",
        "v2",
        "http",
        "grpc",
        "80",
        "8080",
        "65536",
        "0",
        "-1",
        "5s",
        "0s",
        "1h30m",
        "10%",
        "100%",
        "0.5%",
        "1000/1s",
        "$domain",
        "$nope",
        "\"/api/*\"",
        "\"x\"",
        "\"${domain}\"",
        "\"${nope}\"",
        "\"*\"",
        "\"\"",
        "\"shop.example\"",
        "# c\n",
        "é",
    ] {
        words.push(token.to_string());
    }
    words
}

/// YAML-significant and odd strings, as `.mesh` literals.
const STRINGS: &[&str] = &[
    "\"on\"",
    "\"yes\"",
    "\"1.10\"",
    "\"0x1F\"",
    "\"*\"",
    "\"#\"",
    "\": \"",
    "\"a: b\"",
    "\" x\"",
    "\"\\n\"",
    "\"~\"",
    "\"2001:db8::1\"",
    "\"日本\"",
    "\"\u{1f600}\"",
    "\"\\\"\"",
    "\"\\\\\"",
    "\"\\${x}\"",
    "\"/\"",
    "\"//\"",
];

fn char_floor(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn mutate(rng: &mut Rng, text: &str, words: &[String]) -> String {
    let mut text = text.to_string();
    for _ in 0..1 + rng.below(3) {
        let at = char_floor(&text, rng.below(text.len() + 1));
        match rng.below(9) {
            0 => {
                let end = char_floor(&text, at + 1 + rng.below(24));
                text.replace_range(at..end, "");
            }
            1 | 2 => {
                let word = rng.pick(words).clone();
                let spaced = if rng.below(2) == 0 { format!(" {word} ") } else { word };
                text.insert_str(at, &spaced);
            }
            3 => {
                let mut lines: Vec<&str> = text.lines().collect();
                if lines.len() > 1 {
                    let (a, b) = (rng.below(lines.len()), rng.below(lines.len()));
                    lines.swap(a, b);
                    text = lines.join("\n");
                }
            }
            4 => {
                let lines: Vec<&str> = text.lines().collect();
                if !lines.is_empty() {
                    let line = lines[rng.below(lines.len())].to_string();
                    text.insert_str(
                        char_floor(&text, text[..at].rfind('\n').map_or(0, |i| i + 1)),
                        &format!("{line}\n"),
                    );
                }
            }
            5 => text.truncate(at),
            6 => {
                // Another string literal in place of one: the program often stays valid.
                let starts: Vec<usize> = text.match_indices('"').map(|(i, _)| i).collect();
                if starts.len() >= 2 {
                    let i = rng.below(starts.len() / 2) * 2;
                    let (open, close) = (starts[i], starts.get(i + 1).copied().unwrap_or(starts[i]));
                    if close > open && !text[open..close].contains('\\') {
                        let replacement = *rng.pick(STRINGS);
                        text.replace_range(open..=close, replacement);
                    }
                }
            }
            7 => {
                // Another number in place of one.
                if let Some(start) = text[at..].find(|c: char| c.is_ascii_digit()).map(|i| at + i) {
                    let end = text[start..].find(|c: char| !c.is_ascii_digit()).map_or(text.len(), |i| start + i);
                    let number = *rng.pick(&["0", "1", "65535", "65536", "4294967296", "99999999999999999999", "007"]);
                    text.replace_range(start..end, number);
                }
            }
            _ => {
                let c = *rng.pick(&['\0', '\t', '\r', '\u{feff}', '\u{202e}', 'é', '\u{1f600}', '}', '"', '#', '$']);
                text.insert(at, c);
            }
        }
    }
    text
}

fn soup(rng: &mut Rng, words: &[String]) -> String {
    let mut text = String::from("mesh shop { namespace shop  environments dev }\n");
    for _ in 0..5 + rng.below(200) {
        text.push_str(rng.pick(words).as_str());
        text.push(' ');
    }
    text
}

/// A seed file with whatever it imports, and the same project with file 0 replaced.
fn with_text(seed: &Sources, text: String) -> Sources {
    let mut sources = Sources::new();
    for (id, file) in seed.iter() {
        sources.add(file.name.clone(), if id == FileId(0) { text.clone() } else { file.text.clone() });
    }
    sources
}

/// What one input produced.
enum Outcome {
    Errors,
    Built(Vec<meshc_istio::EmittedEnv>),
    Panicked(String),
    BadSpan(String),
}

fn run(sources: &Sources) -> Outcome {
    let result = panic::catch_unwind(AssertUnwindSafe(|| {
        let analysis = analyze(sources);
        for d in &analysis.diagnostics {
            let text = &sources.get(d.span.file).text;
            let (start, end) = (d.span.start as usize, d.span.end as usize);
            if !(start <= end && end <= text.len() && text.is_char_boundary(start) && text.is_char_boundary(end)) {
                return Outcome::BadSpan(format!("{} at {start}..{end} of a {}-byte file", d.code, text.len()));
            }
        }
        if analysis.has_errors() {
            Outcome::Errors
        } else {
            Outcome::Built(meshc_istio::emit(&analysis, &[]))
        }
    }));
    result.unwrap_or_else(|payload| {
        let message = payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        Outcome::Panicked(message)
    })
}

#[test]
fn random_and_mutated_programs_never_break_the_compiler() {
    let started = Instant::now();
    let words = vocabulary();
    let root = repo_root();
    let mut seeds: Vec<PathBuf> = Vec::new();
    for dir in ["tests/ui", "tests/emit"] {
        seeds.extend(files_in(&root.join(dir), "mesh"));
    }
    for example in std::fs::read_dir(root.join("examples")).expect("examples readable") {
        let example = example.expect("directory entry").path();
        if example.is_dir() {
            seeds.extend(files_in(&example, "mesh"));
        }
    }
    assert!(seeds.len() > 50, "too few seed files: {}", seeds.len());

    let mut rng = Rng(0x6d65_7368_635f_7275);
    let mut inputs: Vec<(String, Sources)> = Vec::new();
    for seed in &seeds {
        let sources = load_case(seed);
        let text = sources.get(FileId(0)).text.clone();
        let mutants = if analyze(&sources).has_errors() { MUTANTS_OF_BROKEN } else { MUTANTS_OF_VALID };
        for n in 0..mutants {
            let name = format!("{} mutant {n}", seed.display());
            inputs.push((name, with_text(&sources, mutate(&mut rng, &text, &words))));
        }
    }
    for n in 0..SOUPS {
        let mut sources = Sources::new();
        sources.add("soup.mesh", soup(&mut rng, &words));
        inputs.push((format!("soup {n}"), sources));
    }

    // One worker runs the inputs in turn; the test thread watches the clock.
    let (to_worker, work) = mpsc::channel::<Sources>();
    let (to_test, results) = mpsc::channel::<Outcome>();
    let worker = std::thread::spawn(move || {
        for sources in work {
            if to_test.send(run(&sources)).is_err() {
                break;
            }
        }
    });
    let batch = scratch_dir("robustness");
    let (mut built, mut validated, mut files, mut slowest) = (0, 0, 0, Duration::ZERO);
    let mut failures = Vec::new();
    for (name, sources) in &inputs {
        let began = Instant::now();
        to_worker.send(sources.clone()).expect("worker alive");
        let outcome = match results.recv_timeout(LIMIT) {
            Ok(outcome) => outcome,
            Err(_) => panic!("{name}: no answer within {LIMIT:?}; the input:\n{}", sources.get(FileId(0)).text),
        };
        slowest = slowest.max(began.elapsed());
        match outcome {
            Outcome::Errors => {}
            Outcome::Built(envs) => {
                built += 1;
                if validated < VALIDATED && envs.iter().any(|e| e.files.len() > 1) {
                    let dir = batch.join(validated.to_string());
                    meshc_istio::write_tree(&dir, &envs).expect("write the output");
                    files += envs.iter().map(|e| e.files.len()).sum::<usize>();
                    validated += 1;
                }
            }
            Outcome::Panicked(message) => {
                failures.push(format!("{name}: panicked: {message}\n{}", sources.get(FileId(0)).text))
            }
            Outcome::BadSpan(what) => {
                failures.push(format!("{name}: span outside its file: {what}\n{}", sources.get(FileId(0)).text))
            }
        }
    }
    drop(to_worker);
    worker.join().expect("worker ends");
    assert!(failures.is_empty(), "{} inputs broke the compiler; the first:\n{}", failures.len(), failures[0]);
    // The mutations keep enough programs valid for the schema check to mean something.
    assert!(validated >= 40, "only {validated} error-free outputs with resources out of {}", inputs.len());
    assert_valid_istio(&batch, files);
    let _ = std::fs::remove_dir_all(&batch);
    eprintln!(
        "{} inputs ({} seeds): {built} without errors, {validated} outputs ({files} files) valid for Istio; \
         slowest input {slowest:?}; {:?} in all",
        inputs.len(),
        seeds.len(),
        started.elapsed()
    );
}

/// Found by the test above: Istio's schemas want at least 1ms wherever a duration turns
/// something on, so `0s` there is an error at the value, not YAML that `kubectl` refuses.
#[test]
fn zero_durations_istio_rejects_are_errors() {
    let cases = [
        ("route timeout", "route cart { hosts cart  any -> cart { timeout @ } }"),
        ("per-try timeout", "route cart { hosts cart  any -> cart { timeout 5s  retry 2 x @ } }"),
        ("fault delay", "route cart { hosts cart  any -> cart { timeout 5s  fault delay @ 10% } }"),
        (
            "CORS max age",
            "route cart { hosts cart  any -> cart { timeout 5s  cors { origins \"https://a.example\"  max_age @ } } }",
        ),
        ("connect timeout", "service db { port tcp 5432  pool connect_timeout @ }"),
        ("keepalive time", "service db { port tcp 5432  pool keepalive_time @ }"),
        ("keepalive interval", "service db { port tcp 5432  pool keepalive_interval @ }"),
        ("connection lifetime", "service db { port tcp 5432  pool max_connection_duration @ }"),
        ("HTTP idle timeout", "service db { port tcp 5432  pool idle_timeout @ }"),
    ];
    for (what, statement) in cases {
        let program = |duration: &str| {
            let mut sources = Sources::new();
            let text = format!(
                "mesh shop {{ namespace shop  environments dev }}\nenv dev {{ }}\nservice cart {{ port http 8080 }}\n{}\n",
                statement.replace('@', duration)
            );
            sources.add("zero.mesh", text);
            sources
        };
        let sources = program("0s");
        let analysis = analyze(&sources);
        let zero: Vec<(usize, &str)> = analysis
            .diagnostics
            .iter()
            .map(|d| (sources.line_col(d.span.file, d.span.start as usize).0, d.code))
            .collect();
        assert_eq!(zero, [(4, "E0202")], "{what}: `0s`");
        let sources = program("1ms");
        let analysis = analyze(&sources);
        assert!(!analysis.has_errors(), "{what}: `1ms`: {}", meshc_tests::render(&sources, &analysis));
        let dir = scratch_dir(&format!("zero-{}", what.replace(' ', "-")));
        let envs = meshc_istio::emit(&analysis, &[]);
        meshc_istio::write_tree(&dir, &envs).expect("write");
        assert_valid_istio(&dir, envs.iter().map(|e| e.files.len()).sum());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
