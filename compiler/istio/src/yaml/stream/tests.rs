//! The streaming writer against the tree: whatever it accepts, it writes byte for byte what
//! capturing the tree and writing that gives, and it declines whatever the tree refuses.

use std::collections::BTreeMap;

use serde::Serialize;

use super::write;
use crate::yaml::{tests::TRICKY, via_tree};

/// Asserts that streaming `value` writes what the tree path writes, or declines; returns
/// whether it accepted.
fn agrees<T: Serialize + ?Sized + std::fmt::Debug>(value: &T) -> bool {
    match write(value) {
        Some(streamed) => {
            let tree = via_tree(value)
                .unwrap_or_else(|e| panic!("the tree refuses {value:?} ({e}); streaming wrote:\n{streamed}"));
            assert_eq!(streamed, tree, "{value:?}");
            true
        }
        None => false,
    }
}

#[derive(Debug, Serialize, Default, Clone)]
#[serde(rename_all = "camelCase")]
struct Leaf {
    host: String,
    port: Option<u32>,
    weight: Option<u32>,
    percent: Option<f64>,
    flag: Option<bool>,
}

#[derive(Debug, Serialize, Clone)]
enum Kind {
    Plain,
    #[serde(rename = "ISTIO_MUTUAL")]
    IstioMutual,
    Wrapped(Leaf),
    Maybe(Option<u32>),
}

#[derive(Debug, Serialize, Default, Clone)]
#[serde(rename_all = "camelCase")]
struct Doc {
    api_version: &'static str,
    name: Option<String>,
    labels: BTreeMap<String, String>,
    leaf: Option<Leaf>,
    leaves: Vec<Leaf>,
    words: Vec<String>,
    numbers: Vec<i64>,
    kind: Option<Kind>,
    kinds: Vec<Kind>,
    empty: Option<BTreeMap<String, String>>,
    nothing: Option<Leaf>,
}

fn leaf(host: &str) -> Leaf {
    Leaf { host: host.to_string(), port: Some(8000), weight: None, percent: Some(12.5), flag: Some(false) }
}

/// An object with nothing set but its strings (empty strings leave the subset).
fn bare() -> Doc {
    Doc { api_version: "v1", ..Doc::default() }
}

fn host(host: &str) -> Leaf {
    Leaf { host: host.to_string(), ..Leaf::default() }
}

#[test]
fn every_shape_is_written_as_the_tree_writes_it() {
    let full = Doc {
        api_version: "networking.istio.io/v1",
        name: Some("svc-0".into()),
        labels: [("app".to_string(), "svc-0".to_string()), ("version".into(), "v1".into())].into_iter().collect(),
        leaf: Some(leaf("svc-0.prod.svc.cluster.local")),
        leaves: vec![leaf("a.example.com"), host("b"), leaf("*")],
        words: vec!["GET".into(), "on".into(), "8001".into(), "2001:db8::1".into()],
        numbers: vec![-3, 0, i64::MAX],
        kind: Some(Kind::IstioMutual),
        kinds: vec![Kind::Plain, Kind::Wrapped(leaf("b")), Kind::Maybe(Some(1))],
        empty: Some(BTreeMap::new()),
        nothing: Some(host("c")),
    };
    let docs = [
        full.clone(),
        bare(),
        Doc { leaves: vec![host("x")], ..bare() },
        Doc { kind: Some(Kind::Wrapped(host("y"))), ..bare() },
        Doc { leaf: Some(Leaf { host: "z".into(), port: None, weight: Some(1), percent: None, flag: None }), ..bare() },
        Doc { labels: [("x-tenant-id".to_string(), "a b".to_string())].into_iter().collect(), ..full.clone() },
    ];
    for doc in &docs {
        assert!(agrees(doc), "a document of the subset was declined: {doc:?}");
    }
    assert!(agrees(&BTreeMap::<String, u32>::new()), "an empty map is `{{}}`");
    // Shapes outside the subset are declined (the tree and serde-saphyr write them).
    for declined in [
        agrees(&Doc { name: Some(String::new()), ..bare() }),
        agrees(&vec![1, 2]),
        agrees(&BTreeMap::from([("nested", vec![vec![1]])])),
        agrees(&BTreeMap::from([(8001u32, "x")])),
        agrees(&BTreeMap::from([("block", "line\nline")])),
        agrees(&BTreeMap::from([("item", vec![BTreeMap::<String, u32>::new()])])),
    ] {
        assert!(!declined, "a shape outside the subset was streamed");
    }
}

#[test]
fn nulls_the_tree_refuses_are_declined() {
    assert_eq!(write(&None::<u32>), None);
    assert_eq!(write(&vec![None::<u32>]), None);
    assert_eq!(write(&BTreeMap::from([("list", vec![Some(1), None])])), None);
    assert_eq!(write(&Doc { kind: Some(Kind::Maybe(None)), ..Doc::default() }), None);
    assert!(via_tree(&Doc { kind: Some(Kind::Maybe(None)), ..Doc::default() }).is_err());
    assert_eq!(write(&BTreeMap::from([(None::<&str>, 1)])), None);
}

/// The writer's tricky strings and thousands of short strings over an alphabet full of
/// YAML's special characters, as a value, a list item and a key.
#[test]
fn strings_are_written_as_the_tree_writes_them() {
    let alphabet: Vec<char> = "aZyYnNsmhf0159eExob-._/:*, '\"=<>!%@?&{}[]|`~#\t\u{e9}\\+".chars().collect();
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = |bound: usize| {
        // xorshift64: deterministic, so a failure reproduces.
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % bound as u64) as usize
    };
    let random = (0..20_000).map(|_| {
        let len = 1 + next(7);
        (0..len).map(|_| alphabet[next(alphabet.len())]).collect::<String>()
    });
    let mut accepted = 0;
    for text in TRICKY.iter().map(|t| t.to_string()).chain(random).collect::<Vec<_>>() {
        accepted += usize::from(agrees(&BTreeMap::from([("k", text.as_str())])));
        accepted += usize::from(agrees(&BTreeMap::from([("l", vec![text.as_str()])])));
        accepted += usize::from(agrees(&BTreeMap::from([(text.as_str(), 1)])));
    }
    assert!(accepted > 10_000, "only {accepted} documents took the fast path: the test lost its power");
}
